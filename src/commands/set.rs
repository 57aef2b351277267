//! `orgmap set`: the workflow upsert (set_integration_mapping).

use clap::Args;

use super::MetaChangeArgs;
use crate::context::Ctx;
use crate::error::Result;
use crate::ops::mappings::SetMapping;

/// Create or update an organization's mapping (for workflows)
///
/// Creates the mapping when the organization has no active one for the integration, updates it
/// when it has exactly one, and refuses (exit 4) when it has several and --mapping-id does not say
/// which. Metadata keys are added or replaced; --unset-meta removes them. A set that changes
/// nothing writes nothing. Safe to run from many processes at once.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap set halopsa 12345 --org acme
  orgmap set halopsa 12345 --org acme --meta region=eu --meta-json seats=25
  orgmap set m365 \"$TENANT_ID\" --org acme --mapping-id 01JD3Q")]
pub struct SetArgs {
    /// The integration, as named in integrations.toml
    pub integration: String,
    /// The organization's ID in the external system
    pub external_id: String,
    /// The organization [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// Which of several mappings to update (its ID or a unique prefix)
    #[arg(long, value_name = "ID")]
    pub mapping_id: Option<String>,
    /// The external organization's name
    #[arg(long)]
    pub name: Option<String>,
    /// A label for the mapping
    #[arg(long)]
    pub label: Option<String>,
    #[command(flatten)]
    pub meta: MetaChangeArgs,
    /// Allow the external ID to be mapped to another organization too
    #[arg(long)]
    pub allow_shared: bool,
    /// Save without checking the ID with the external system (the mapping is marked unverified)
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(ctx: &Ctx, args: SetArgs) -> Result<()> {
    let org = ctx.org(args.org.as_deref())?;
    let change = ctx.workflow()?.verifying(!args.no_verify).set(SetMapping {
        org_id: org,
        integration: args.integration,
        external_org_id: args.external_id,
        mapping_id: args.mapping_id,
        external_org_name: args.name,
        label: args.label,
        metadata: args.meta.changes()?,
        allow_shared: args.allow_shared,
        checked: Default::default(),
    })?;
    super::edit::report(ctx, &change)
}
