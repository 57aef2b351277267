//! `orgmap refresh`: fetch lists now and report what changed upstream.

use clap::Args;
use serde_json::{Value, json};

use crate::config::Integration;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ops::discovery::{self, Drift, Refreshed};
use crate::output::progress::FetchProgress;
use crate::output::{sanitize, table};

/// Fetch external organizations now and report what changed
///
/// For each integration named (all mapping-enabled integrations with a list when none is named):
/// fetch its list, cache it, and report the organizations added, removed and renamed since the
/// last list, and the mappings that point at removed or renamed ones. When none is named,
/// integrations whose secrets are missing here are skipped with a note; one named and not
/// configured exits 5 (after the others are refreshed). Exits 7 when any fetch failed.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap refresh
  orgmap refresh halopsa ninjaone
  orgmap refresh --json | jq '.[] | select(.affected_mappings != [])'")]
pub struct RefreshArgs {
    /// The integrations to refresh [default: all mapping-enabled ones with a list]
    pub integrations: Vec<String>,
}

pub fn run(ctx: &Ctx, args: RefreshArgs) -> Result<()> {
    let config = ctx.config()?;
    let targets: Vec<&Integration> = if args.integrations.is_empty() {
        config.integrations.values().filter(|i| i.supports_org_mapping && i.list_organizations.is_some()).collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.integrations {
            let integration = config.integration(name)?;
            if integration.list_organizations.is_none() {
                return Err(Error::Invalid {
                    what: "integration".into(),
                    message: format!("{name} has no list_organizations: there is nothing to refresh"),
                    hint: None,
                });
            }
            chosen.push(integration);
        }
        chosen
    };
    let named = !args.integrations.is_empty();
    let open = ctx.opener();
    let mut reports = Vec::new();
    let mut failures = 0;
    let mut not_configured = Vec::new();
    for integration in targets {
        let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
        let outcome = discovery::refresh(&open, integration, &ctx.fetcher(&progress))?;
        progress.finish();
        let report = match outcome {
            Refreshed::Done { cache, drift } => {
                if !ctx.printer.json {
                    print_drift(ctx, integration, cache.organizations.len(), &drift)?;
                }
                report_json(integration, "refreshed", Some(cache.organizations.len()), Some(&drift), None)
            }
            Refreshed::NotConfigured(missing) if named => {
                ctx.printer.warn(&format!("{}: not configured here ({missing})", integration.name));
                not_configured.push((integration.name.clone(), missing.clone()));
                report_json(integration, "not_configured", None, None, Some(&missing))
            }
            Refreshed::NotConfigured(missing) => {
                ctx.printer.status(&format!("{}: skipped, not configured here ({missing})", integration.name));
                report_json(integration, "skipped", None, None, Some(&missing))
            }
            Refreshed::Failed(error) => {
                ctx.printer.warn(&crate::output::sanitize(&error.to_string()));
                failures += 1;
                report_json(integration, "failed", None, None, Some(&error.to_string()))
            }
        };
        reports.push(report);
    }
    if ctx.printer.json {
        ctx.printer.json(&reports)?;
    }
    // One asked for by name and not configured is a settings problem (5), which comes before
    // a failed fetch (7); refreshing everything skips those not configured here.
    if let Some((integration, missing)) = not_configured.into_iter().next() {
        return Err(Error::NotConfigured { integration, missing });
    }
    if failures > 0 {
        return Err(Error::External {
            integration: "refresh".into(),
            message: format!("{failures} of {} integrations could not be refreshed", reports.len()),
            hint: Some("the warnings above say why; their cached lists were kept".into()),
        });
    }
    Ok(())
}

fn report_json(
    integration: &Integration,
    outcome: &str,
    total: Option<usize>,
    drift: Option<&Drift>,
    error: Option<&str>,
) -> Value {
    let orgs = |list: &[crate::domain::ExternalOrg]| -> Value {
        list.iter().map(|o| json!({ "id": o.id, "name": o.name })).collect()
    };
    json!({
        "integration": integration.name,
        "outcome": outcome,
        "total": total,
        "added": drift.map(|d| orgs(&d.added)),
        "removed": drift.map(|d| orgs(&d.removed)),
        "renamed": drift.map(|d| d.renamed.iter().map(|(old, new)| json!({ "id": new.id, "old_name": old.name, "new_name": new.name })).collect::<Value>()),
        "affected_mappings": drift.map(|d| d.affected.iter().map(|(m, why)| json!({
            "mapping_id": m.mapping_id,
            "org_id": m.org_id,
            "external_org_id": m.external_org_id,
            "external_org_name": m.external_org_name,
            "upstream": why.as_str(),
        })).collect::<Value>()),
        "error": error,
    })
}

fn print_drift(ctx: &Ctx, integration: &Integration, total: usize, drift: &Drift) -> Result<()> {
    ctx.printer.line(&format!(
        "{}: {total} organizations; {} added, {} removed, {} renamed",
        integration.name,
        drift.added.len(),
        drift.removed.len(),
        drift.renamed.len()
    ))?;
    for (old, new) in &drift.renamed {
        ctx.printer.line(&format!(
            "  renamed {}: {} → {}",
            sanitize(&new.id),
            table::or_dash(old.name.as_deref()),
            table::or_dash(new.name.as_deref())
        ))?;
    }
    for org in &drift.removed {
        ctx.printer.line(&format!("  removed {} {}", sanitize(&org.id), table::or_dash(org.name.as_deref())))?;
    }
    if !drift.affected.is_empty() {
        let mut rows = table::new(&["MAPPING", "ORG", "EXTERNAL ID", "STORED NAME", "UPSTREAM"]);
        for (mapping, why) in &drift.affected {
            rows.add_row(vec![
                mapping.mapping_id.clone(),
                mapping.org_id.clone(),
                sanitize(&mapping.external_org_id).into_owned(),
                table::or_dash(mapping.external_org_name.as_deref()),
                why.as_str().to_owned(),
            ]);
        }
        ctx.printer.table(&rows)?;
    }
    Ok(())
}
