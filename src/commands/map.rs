//! `orgmap map`: create a mapping.

use clap::Args;

use super::MetaSetArgs;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ops::mappings::{self, NewMapping};
use crate::ops::verify::Checker;
use crate::output::progress::FetchProgress;
use crate::output::sanitize;
use crate::output::views::MappingView;
use crate::store::Access;

/// Map an organization to an external organization
///
/// Several mappings per organization and integration are allowed (several Microsoft 365 tenants,
/// say); give each a --label to tell them apart. The external ID is checked against the
/// integration's id_pattern before anything is saved.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap map halopsa 12345 --org acme --name \"Acme Corporation\"
  orgmap map m365 0c0ffee0-1234-4abc-8def-000000000001 --org acme --label production --meta region=eu
  id=$(orgmap map ninjaone 77 --org acme)")]
pub struct MapArgs {
    /// The integration, as named in integrations.toml
    pub integration: String,
    /// The organization's ID in the external system
    pub external_id: Option<String>,
    /// The organization to map [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// The external organization's name, as the external system shows it
    #[arg(long)]
    pub name: Option<String>,
    /// A label that tells this mapping apart from the org's other mappings of the integration
    #[arg(long)]
    pub label: Option<String>,
    #[command(flatten)]
    pub meta: MetaSetArgs,
    /// Allow the external ID to be mapped to another organization too
    #[arg(long)]
    pub allow_shared: bool,
    /// Save without checking the ID with the external system (the mapping is marked unverified)
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(ctx: &Ctx, args: MapArgs) -> Result<()> {
    let org = ctx.org(args.org.as_deref())?;
    let external_id = args.external_id.ok_or_else(|| {
        Error::usage(
            "no external organization ID given",
            "pass it after the integration: orgmap map INTEGRATION EXTERNAL_ID --org ORG",
        )
    })?;
    let config = ctx.config()?;
    let actor = ctx.actor()?;
    let progress = FetchProgress::new("checking the ID", "pages", ctx.show_progress());
    let fetcher = ctx.fetcher(&progress);
    let checker = Checker { open: &ctx.opener(), config, actor: &actor, fetcher: &fetcher, skip: args.no_verify };
    let checked = checker.new_id(&org, &args.integration, &external_id)?;
    progress.finish();
    let store = ctx.store(Access::Write)?;
    let mapping = mappings::create_mapping(
        &*store,
        config,
        &actor,
        NewMapping {
            org_id: org,
            integration: args.integration,
            external_org_id: external_id,
            external_org_name: args.name.or(checked.name),
            label: args.label,
            metadata: args.meta.metadata(),
            allow_shared: args.allow_shared,
            verified: checked.verified,
        },
    )?;
    drop(store);
    if ctx.printer.json {
        return ctx.printer.json(&MappingView::from(&mapping));
    }
    let name = mapping.external_org_name.as_deref().map(|n| format!(" \"{}\"", sanitize(n))).unwrap_or_default();
    ctx.printer.status(&format!(
        "mapped {} to {} {}{name}",
        mapping.org_id,
        mapping.integration,
        sanitize(&mapping.external_org_id)
    ));
    ctx.printer.line(&mapping.mapping_id)
}
