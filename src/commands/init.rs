//! `orgmap init`: create the store.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::Result;
use crate::store::{self, InitOutcome};

/// Create the store; you hold manage-config in it first
///
/// The store is a directory (mode 0700) holding a redb database and a lock file. Every other
/// command needs it. Running init on an existing store changes nothing.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  orgmap init\n  orgmap --store /srv/orgmap init\n  ORGMAP_ACTOR=alice orgmap init")]
pub struct InitArgs {}

pub fn run(ctx: &Ctx, _args: InitArgs) -> Result<()> {
    let actor = ctx.actor()?;
    let location = ctx.location()?;
    let outcome = store::init(&location, &actor, &ctx.open_options()?)?;
    if ctx.printer.json {
        let outcome = match outcome {
            InitOutcome::Created => "created",
            InitOutcome::AlreadyExists => "unchanged",
        };
        return ctx.printer.json(&json!({ "outcome": outcome, "store": location.to_string(), "actor": actor }));
    }
    match outcome {
        InitOutcome::Created => ctx.printer.status(&format!(
            "created the store at {location}; {} holds manage-config",
            crate::output::sanitize(&actor)
        )),
        InitOutcome::AlreadyExists => {
            ctx.printer.status(&format!("a store already exists at {location}; nothing changed"))
        }
    }
    Ok(())
}
