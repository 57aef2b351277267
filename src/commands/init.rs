//! `orgmap init`: create the store.

use clap::Args;
use serde_json::json;

use crate::commands::store as store_cmd;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::store::postgres::{PostgresStore, schema};
use crate::store::{self, InitOutcome, Location};

/// Create the store; you hold manage-config in it first
///
/// The embedded store is a directory (mode 0700) holding a redb database and a lock file. On
/// PostgreSQL, init creates the `orgmap` schema in an existing database (run it as the role that
/// is to own it) and prints the SQL that sets up the reader and manager roles, or applies it with
/// --apply-roles. Every other command needs the store. Running init again changes nothing.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  orgmap init\n  orgmap --store /srv/orgmap init\n  ORGMAP_ACTOR=alice orgmap init\n  PGPASSWORD=… orgmap --store postgres://owner@db/orgmap init --apply-roles"
)]
pub struct InitArgs {
    /// PostgreSQL: name the roles PREFIX_manager and PREFIX_reader
    #[arg(long, value_name = "PREFIX", default_value = schema::DEFAULT_ROLE_PREFIX, value_parser = parse_prefix)]
    pub role_prefix: String,
    /// PostgreSQL: create the roles and grant their privileges (needs a role that may create roles)
    #[arg(long)]
    pub apply_roles: bool,
}

fn parse_prefix(text: &str) -> std::result::Result<String, String> {
    if schema::valid_role_prefix(text) {
        Ok(text.to_owned())
    } else {
        Err("use lower-case letters, digits and _ (starting with a letter, at most 40)".into())
    }
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let actor = ctx.actor()?;
    let location = ctx.location()?;
    let options = ctx.open_options()?;
    let outcome = match &location {
        Location::Postgres(pg) => PostgresStore::init(pg, &actor, &args.role_prefix, &options)?,
        Location::Redb(_) => {
            if args.apply_roles {
                return Err(Error::usage(
                    "--apply-roles is for a PostgreSQL store",
                    "the embedded store has no database roles; `orgmap access` decides who may change it",
                ));
            }
            store::init(&location, &actor, &options)?
        }
    };
    let roles = match &location {
        Location::Postgres(pg) => Some((pg, store_cmd::role_setup(ctx, pg, args.apply_roles)?)),
        Location::Redb(_) => None,
    };
    if ctx.printer.json {
        let outcome = match outcome {
            InitOutcome::Created => "created",
            InitOutcome::AlreadyExists => "unchanged",
        };
        let mut report = json!({ "outcome": outcome, "store": location.to_string(), "actor": actor });
        if let Some((_, (roles, sql))) = &roles {
            report["roles"] = store_cmd::roles_json(roles, sql.as_deref());
        }
        return ctx.printer.json(&report);
    }
    report(ctx, &location, &actor, outcome);
    match roles {
        Some((pg, (roles, sql))) => store_cmd::print_roles(ctx, pg, &roles, sql.as_deref()),
        None => Ok(()),
    }
}

fn report(ctx: &Ctx, location: &Location, actor: &str, outcome: InitOutcome) {
    match outcome {
        InitOutcome::Created => ctx.printer.status(&format!(
            "created the store at {location}; {} holds manage-config",
            crate::output::sanitize(actor)
        )),
        InitOutcome::AlreadyExists => {
            ctx.printer.status(&format!("a store already exists at {location}; nothing changed"))
        }
    }
}
