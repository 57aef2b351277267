//! `orgmap lookup`: which organization is this external organization?

use clap::Args;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::output::table;
use crate::output::views::{LookupView, MappingView, OrgView};

/// Find the organizations mapped to an external organization
///
/// For webhooks and alerts that name only the external ID. Exit 3 when no active mapping points
/// at it, 8 when only inactive organizations' mappings do (as from get).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap lookup halopsa 12345
  orgmap lookup halopsa 12345 --json | jq -r '.[0].org.id'")]
pub struct LookupArgs {
    /// The integration, as named in integrations.toml
    pub integration: String,
    /// The organization's ID in the external system
    pub external_id: String,
    /// Include inactive mappings
    #[arg(long)]
    pub include_inactive: bool,
}

pub fn run(ctx: &Ctx, args: LookupArgs) -> Result<()> {
    let found = match ctx.workflow()?.lookup(&args.integration, &args.external_id, args.include_inactive) {
        Err(err @ Error::NoLookupMatch { .. }) => {
            ctx.config()?.integration(&args.integration)?;
            return Err(err);
        }
        other => other?,
    };
    if ctx.printer.json {
        let views: Vec<LookupView> =
            found.iter().map(|(m, o)| LookupView { org: OrgView::from(o), mapping: MappingView::from(m) }).collect();
        return ctx.printer.json(&views);
    }
    let mut rows = table::new(&["ORG", "ORG NAME", "ORG ACTIVE", "MAPPING", "LABEL", "EXTERNAL NAME", "ACTIVE"]);
    for (mapping, org) in &found {
        rows.add_row(vec![
            org.id.clone(),
            org.name.clone(),
            table::yes_no(org.active).to_owned(),
            mapping.mapping_id.clone(),
            table::or_dash(mapping.label.as_deref()),
            table::or_dash(mapping.external_org_name.as_deref()),
            table::yes_no(mapping.active).to_owned(),
        ]);
    }
    ctx.printer.table(&rows)
}
