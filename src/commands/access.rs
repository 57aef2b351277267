//! `orgmap access`: who may change organizations, mappings and access.

use clap::{Args, Subcommand};
use serde_json::json;

use crate::context::Ctx;
use crate::error::Result;
use crate::ops;
use crate::output::views::AccessView;
use crate::output::{sanitize, table};
use crate::store::Access;

/// Manage who holds manage-config (needed for every change)
#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Grant manage-config to an actor (an ORGMAP_ACTOR name or an OS user)
    #[command(after_help = "Examples:\n  orgmap access grant alice\n  orgmap access grant onboarding-bot")]
    Grant(ActorArgs),
    /// Take manage-config away from an actor (the last holder cannot be removed)
    #[command(after_help = "Examples:\n  orgmap access revoke alice")]
    Revoke(ActorArgs),
    /// List who holds which permissions
    #[command(after_help = "Examples:\n  orgmap access list\n  orgmap access list --json")]
    List,
}

#[derive(Debug, Args)]
pub struct ActorArgs {
    /// The actor
    pub actor: String,
}

pub fn run(ctx: &Ctx, command: AccessCommand) -> Result<()> {
    match command {
        AccessCommand::Grant(args) => {
            let store = ctx.store(Access::Write)?;
            let change = ops::access::grant(&*store, &ctx.actor()?, &args.actor)?;
            drop(store);
            if ctx.printer.json {
                return ctx
                    .printer
                    .json(&json!({ "outcome": change.outcome(), "grant": AccessView::from(change.value()) }));
            }
            ctx.printer.status(&format!("{}: {} holds manage-config", change.outcome(), sanitize(&args.actor)));
            Ok(())
        }
        AccessCommand::Revoke(args) => {
            let store = ctx.store(Access::Write)?;
            let revoked = ops::access::revoke(&*store, &ctx.actor()?, &args.actor)?;
            drop(store);
            let outcome = if revoked.is_some() { "revoked" } else { "unchanged" };
            if ctx.printer.json {
                return ctx.printer.json(&json!({ "outcome": outcome, "actor": args.actor }));
            }
            ctx.printer.status(&format!("{outcome}: {} holds no permissions", sanitize(&args.actor)));
            Ok(())
        }
        AccessCommand::List => {
            let store = ctx.store(Access::Read)?;
            let grants = store.read()?.access_list()?;
            if ctx.printer.json {
                let views: Vec<AccessView> = grants.iter().map(AccessView::from).collect();
                return ctx.printer.json(&views);
            }
            let mut rows = table::new(&["ACTOR", "PERMISSIONS", "GRANTED BY", "GRANTED AT"]);
            for grant in &grants {
                rows.add_row(vec![
                    sanitize(&grant.actor).into_owned(),
                    grant.permissions.join(", "),
                    sanitize(&grant.granted_by).into_owned(),
                    grant.granted_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                ]);
            }
            ctx.printer.table(&rows)
        }
    }
}
