//! `orgmap get`: the workflow read (get_integration_mapping).

use clap::Args;
use serde_json::Value;

use crate::context::Ctx;
use crate::error::Result;
use crate::ops::mappings;
use crate::output::table;
use crate::output::views::MappingView;

/// Get an organization's mapping for an integration (for workflows)
///
/// Prints the organization's one active mapping for the integration. Fails with exit 3 when there
/// is none, 4 when there are several and --mapping-id does not say which, 5 for an unknown
/// integration and 8 when the organization is inactive.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap get halopsa --org acme --json
  orgmap get halopsa --org acme --field external_org_id
  orgmap get m365 --org acme --mapping-id 01JD3Q --field metadata.region
  ORGMAP_ORG=acme orgmap get ninjaone --json")]
pub struct GetArgs {
    /// The integration, as named in integrations.toml
    pub integration: String,
    /// The organization [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// Which of several mappings (its ID or a unique prefix)
    #[arg(long, value_name = "ID")]
    pub mapping_id: Option<String>,
    /// Print only this field: external_org_id, external_org_name, label, mapping_id, metadata.KEY, ...
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
}

pub fn run(ctx: &Ctx, args: GetArgs) -> Result<()> {
    let org = ctx.org(args.org.as_deref())?;
    let mapping = ctx.workflow()?.get_integration_mapping(&org, &args.integration, args.mapping_id.as_deref())?;
    if let Some(field) = &args.field {
        let value = mappings::field(&mapping, field)?;
        return match value {
            Value::String(text) if !ctx.printer.json => ctx.printer.value(&text),
            Value::Null if !ctx.printer.json => ctx.printer.value(""),
            other => ctx.printer.json(&other),
        };
    }
    if ctx.printer.json {
        return ctx.printer.json(&MappingView::from(&mapping));
    }
    let mut rows = table::new(&["FIELD", "VALUE"]);
    let metadata = serde_json::to_value(&mapping.metadata)?;
    let metadata = serde_json::to_string(&crate::output::sanitize::sanitize_json(&metadata))?;
    for (field, value) in [
        ("mapping_id", mapping.mapping_id.clone()),
        ("org", mapping.org_id.clone()),
        ("integration", mapping.integration.clone()),
        ("external_org_id", mapping.external_org_id.clone()),
        ("external_org_name", table::or_dash(mapping.external_org_name.as_deref())),
        ("label", table::or_dash(mapping.label.as_deref())),
        ("metadata", metadata),
        ("verified", table::yes_no(mapping.verified).to_owned()),
        ("revision", mapping.revision.to_string()),
        ("updated", format!("{} by {}", mapping.updated_at, mapping.updated_by)),
    ] {
        rows.add_row(vec![field.to_owned(), value]);
    }
    ctx.printer.table(&rows)
}
