//! `orgmap exclude` and `orgmap include`: an organization without an account in an integration
//! on purpose, so that `coverage` can reach "nothing unmapped".

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::Result;
use crate::ops;
use crate::output::sanitize;
use crate::store::Access;

/// Record that an organization has no account in an integration, on purpose
///
/// Coverage then shows it as excluded instead of missing, and `coverage --check` passes for it.
/// Refused while the organization has an active mapping there. Audited; needs manage-config.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap exclude datto-rmm --org acme --reason \"no managed devices\"
  orgmap include datto-rmm --org acme")]
pub struct ExcludeArgs {
    /// The integration (one that maps organizations)
    pub integration: String,
    /// The organization [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// Why, for whoever reads the coverage later
    #[arg(long)]
    pub reason: Option<String>,
}

/// Take an exclusion back: the organization counts as missing again until it is mapped
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap include datto-rmm --org acme")]
pub struct IncludeArgs {
    /// The integration
    pub integration: String,
    /// The organization [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
}

pub fn exclude(ctx: &Ctx, args: ExcludeArgs) -> Result<()> {
    let org = ctx.org(args.org.as_deref())?;
    let store = ctx.store(Access::Write)?;
    let change = ops::exclusions::exclude(
        &*store,
        ctx.config()?,
        &ctx.actor()?,
        &org,
        &args.integration,
        args.reason.as_deref(),
    )?;
    drop(store);
    if ctx.printer.json {
        return ctx.printer.json(&json!({ "outcome": change.outcome(), "exclusion": change.value() }));
    }
    let exclusion = change.value();
    ctx.printer.status(&format!(
        "{}: {} has no {} account on purpose{}",
        change.outcome(),
        exclusion.org_id,
        exclusion.integration,
        exclusion.reason.as_deref().map(|r| format!(" ({})", sanitize(r))).unwrap_or_default()
    ));
    Ok(())
}

pub fn include(ctx: &Ctx, args: IncludeArgs) -> Result<()> {
    let org = ctx.org(args.org.as_deref())?;
    let store = ctx.store(Access::Write)?;
    let removed = ops::exclusions::include(&*store, &ctx.actor()?, &org, &args.integration)?;
    drop(store);
    let outcome = if removed.is_some() { "deleted" } else { "unchanged" };
    if ctx.printer.json {
        return ctx.printer.json(&json!({ "outcome": outcome, "exclusion": removed }));
    }
    ctx.printer.status(&match removed {
        Some(_) => format!("{org} is expected to have a {} account again", args.integration),
        None => format!("{org} was not excluded from {}: nothing to change", args.integration),
    });
    Ok(())
}
