//! `orgmap suggest`: the external organization each unmapped organization most likely is, with
//! the evidence, as a table, JSON, or a plan for `orgmap apply`.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Args;

use crate::context::Ctx;
use crate::error::Error;
use crate::error::Result;
use crate::matching::Confidence;
use crate::ops::discovery::{self, DiscoverOptions};
use crate::ops::reconcile::{self, ApplyOptions, PlanRow, SuggestOptions, confidence_name, method_name};
use crate::output::progress::FetchProgress;
use crate::output::review::Reviewed;
use crate::output::table;
use crate::store::Access;

/// Suggest mappings for the organizations not yet mapped in an integration
///
/// For every active organization without a mapping in INTEGRATION (and not excluded from it),
/// the external organization it most likely is, with how it was found — a cross-reference ID that
/// another system's record carries, a shared domain, an equal normalised name, a similar name —
/// a confidence (high, medium, low) and the evidence. High means strong, uncontested evidence for
/// exactly this pair; anything doubtful (two candidates with one name, one candidate claimed by
/// two organizations, conflicting evidence) is marked ambiguous and never high. On a terminal a
/// review screen opens: accept (space), reject (r), accept every high one (A), then Enter, one
/// confirmation and one transaction. Elsewhere nothing is changed: write a plan with --plan,
/// review or edit it, and apply it with `orgmap apply`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap suggest ninjaone
  orgmap suggest ninjaone --org acme --org globex --json
  orgmap suggest ninjaone --plan ninja.jsonl
  orgmap apply ninja.jsonl --dry-run")]
pub struct SuggestArgs {
    /// The integration to suggest mappings in
    pub integration: String,
    /// Only these organizations (repeatable)
    #[arg(long = "org", value_name = "ORG")]
    pub orgs: Vec<String>,
    /// Write the suggestions as a plan (JSON lines) for `orgmap apply`
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Also suggest external organizations that another organization maps already
    #[arg(long)]
    pub allow_shared: bool,
    /// Also suggest external organizations the integration lists as inactive
    #[arg(long)]
    pub include_inactive: bool,
    /// Fetch the integration's list even when the cached one is fresh
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Never fetch: use the cached list, however old
    #[arg(long)]
    pub offline: bool,
}

pub fn run(ctx: &Ctx, args: SuggestArgs) -> Result<()> {
    let config = ctx.config()?;
    let integration = config.mapping_integration(&args.integration)?;
    let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
    let open = ctx.opener();
    let options = DiscoverOptions { refresh: args.refresh, offline: args.offline };
    let listing = discovery::discover(&open, integration, options, &ctx.fetcher(&progress))?;
    progress.finish();
    if let discovery::Origin::Stale(Some(reason)) = &listing.origin {
        ctx.printer.warn(&format!("{reason}; suggesting from the list cached earlier"));
    }
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    let mut others = HashMap::new();
    for name in config.integrations.keys().filter(|name| **name != args.integration) {
        if let Some(cache) = tx.discovery(name)? {
            others.insert(name.clone(), cache);
        }
    }
    let suggest_options = SuggestOptions {
        orgs: args.orgs.clone(),
        allow_shared: args.allow_shared,
        include_inactive: args.include_inactive,
    };
    let rows = reconcile::suggest(&*tx, config, &args.integration, &listing.cache, &others, &suggest_options)?;
    drop(tx);
    drop(store);
    if let Some(path) = &args.plan {
        crate::output::files::write_atomically(path, "write the plan to", |out| {
            for row in &rows {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })?;
        let high = rows.iter().filter(|r| r.confidence == Confidence::High && r.ambiguous.is_none()).count();
        ctx.printer.status(&format!(
            "wrote {} suggestion(s) to {} ({high} high); review it, then `orgmap apply {}`",
            rows.len(),
            path.display(),
            path.display()
        ));
        if !ctx.printer.json {
            return Ok(());
        }
    }
    if ctx.printer.json {
        return ctx.printer.json(&rows);
    }
    if ctx.can_prompt() && !rows.is_empty() {
        return review(ctx, &args, rows, &listing.cache);
    }
    print(ctx, &rows)
}

/// The review screen, then one confirmation and one transaction for what was accepted.
fn review(ctx: &Ctx, args: &SuggestArgs, rows: Vec<PlanRow>, listing: &crate::domain::DiscoveryCache) -> Result<()> {
    let title = format!("orgmap suggest {}", args.integration);
    let integration = ctx.config()?.mapping_integration(&args.integration)?;
    let mapped = crate::commands::discover::mapped_to(ctx, &args.integration)?;
    let mut pick = |row: &PlanRow| {
        ctx.printer.status(&format!("another {} organization for {}:", args.integration, row.org_id));
        crate::prompt::external_org(integration, &listing.organizations, &mapped, None).map(|c| Some((c.id, c.name)))
    };
    let accepted = match crate::output::review::review(&title, rows, &mut pick)? {
        Reviewed::Cancelled => return Err(Error::Cancelled),
        Reviewed::Done(accepted) => accepted,
    };
    if accepted.is_empty() {
        ctx.printer.status("nothing accepted: nothing changed");
        return Ok(());
    }
    let question = format!("Create {} {} mapping(s)?", accepted.len(), args.integration);
    if !crate::prompt::confirm(&question, true)? {
        return Err(Error::Cancelled);
    }
    let options = ApplyOptions {
        dry_run: false,
        min_confidence: Confidence::Low,
        skip_conflicts: false,
        allow_shared: args.allow_shared,
    };
    let store = ctx.store(Access::Write)?;
    let outcome =
        reconcile::apply(&*store, ctx.config()?, &ctx.actor()?, &args.integration, &accepted, listing, options)?;
    drop(store);
    for conflict in &outcome.conflicts {
        ctx.printer.warn(&format!("{} → {}: {}", conflict.org_id, conflict.external_org_id, conflict.reason));
    }
    if !outcome.applied {
        return Err(Error::conflict(
            format!("{} accepted row(s) no longer hold; nothing was applied", outcome.conflicts.len()),
            Some("run `orgmap suggest` again".into()),
        ));
    }
    ctx.printer.status(&format!("created {} {} mapping(s)", outcome.created.len(), args.integration));
    Ok(())
}

fn print(ctx: &Ctx, rows: &[PlanRow]) -> Result<()> {
    if rows.is_empty() {
        ctx.printer.status("no suggestions: every organization is mapped or excluded, or nothing matched");
        return Ok(());
    }
    let mut table = table::new(&["ORG", "EXTERNAL ID", "EXTERNAL NAME", "METHOD", "CONFIDENCE", "EVIDENCE"]);
    for row in rows {
        let confidence = match &row.ambiguous {
            Some(_) => format!("{} (ambiguous)", confidence_name(row.confidence)),
            None => confidence_name(row.confidence).to_owned(),
        };
        table.add_row(vec![
            row.org_id.clone(),
            row.external_org_id.clone(),
            row.external_org_name.clone().unwrap_or_else(|| "-".into()),
            method_name(row.method).replace('_', " "),
            confidence,
            row.ambiguous.clone().unwrap_or_else(|| row.evidence.join("; ")),
        ]);
    }
    ctx.printer.table(&table)?;
    let high = rows.iter().filter(|r| r.confidence == Confidence::High && r.ambiguous.is_none()).count();
    ctx.printer.status(&format!(
        "{} suggestion(s), {high} high; write a plan with --plan FILE and apply it with `orgmap apply FILE`",
        rows.len()
    ));
    Ok(())
}
