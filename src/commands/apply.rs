//! `orgmap apply`: apply a plan of suggested mappings in one transaction.

use std::io::BufReader;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::matching::Confidence;
use crate::ops::discovery::{self, DiscoverOptions};
use crate::ops::reconcile::{self, ApplyOptions};
use crate::output::progress::FetchProgress;
use crate::output::table;
use crate::store::Access;

/// Apply a plan written by `orgmap suggest --plan`, in one transaction
///
/// Every row is checked again against the store and the integration's current list: the
/// organization must still lack a mapping (and not be excluded), the external organization must
/// still be listed under the name the plan saw, match the integration's ID pattern, and not be
/// mapped by another organization; a row marked ambiguous is refused until you remove the mark.
/// When any row fails, nothing is applied (exit 10) unless --skip-conflicts. Rows below
/// --min-confidence (default high) are left out. Each mapping records that it was suggested, how,
/// and who accepted it; each is audited. Needs manage-config.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap apply ninjaone.plan.jsonl --dry-run
  orgmap apply ninjaone.plan.jsonl
  orgmap apply reviewed.plan.jsonl --min-confidence low --skip-conflicts")]
pub struct ApplyArgs {
    /// The plan (`-` for stdin)
    pub file: PathBuf,
    /// Show what would be applied without changing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Leave out rows below this confidence
    #[arg(long, value_enum, default_value_t = Level::High, value_name = "LEVEL")]
    pub min_confidence: Level,
    /// Apply the rows that still hold and report the others, instead of refusing the whole plan
    #[arg(long)]
    pub skip_conflicts: bool,
    /// Accept external organizations another organization maps too
    #[arg(long)]
    pub allow_shared: bool,
}

/// A confidence on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    High,
    Medium,
    Low,
}

impl From<Level> for Confidence {
    fn from(level: Level) -> Confidence {
        match level {
            Level::High => Confidence::High,
            Level::Medium => Confidence::Medium,
            Level::Low => Confidence::Low,
        }
    }
}

pub fn run(ctx: &Ctx, args: ApplyArgs) -> Result<()> {
    const DOING: &str = "read the plan";
    let rows = if args.file.as_os_str() == "-" {
        reconcile::read_plan(&mut std::io::stdin().lock())?
    } else {
        let file = std::fs::File::open(&args.file).map_err(|err| Error::file(DOING, &args.file, err))?;
        reconcile::read_plan(&mut BufReader::new(file))?
    };
    let Some(first) = rows.first() else {
        ctx.printer.status("the plan is empty: nothing to apply");
        return Ok(());
    };
    let integration_name = first.integration.clone();
    if let Some(other) = rows.iter().find(|r| r.integration != integration_name) {
        return Err(Error::Invalid {
            what: "plan".into(),
            message: format!("it mixes integrations ({integration_name} and {})", other.integration),
            hint: Some(
                "apply one plan per integration, as `orgmap suggest INTEGRATION --plan FILE` writes them".into(),
            ),
        });
    }
    let config = ctx.config()?;
    let integration = config.mapping_integration(&integration_name)?;
    let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
    let listing = discovery::discover(&ctx.opener(), integration, DiscoverOptions::default(), &ctx.fetcher(&progress))?;
    progress.finish();
    if let discovery::Origin::Stale(Some(reason)) = &listing.origin {
        ctx.printer.warn(&format!("{reason}; checking the plan against the list cached earlier"));
    }
    let options = ApplyOptions {
        dry_run: args.dry_run,
        min_confidence: args.min_confidence.into(),
        skip_conflicts: args.skip_conflicts,
        allow_shared: args.allow_shared,
    };
    let store = ctx.store(Access::Write)?;
    let outcome = reconcile::apply(&*store, config, &ctx.actor()?, &integration_name, &rows, &listing.cache, options)?;
    drop(store);
    if ctx.printer.json {
        ctx.printer.json(&outcome)?;
    } else {
        let mut rows_table = table::new(&["LINE", "ORG", "EXTERNAL ID", "WHY NOT APPLIED"]);
        for conflict in &outcome.conflicts {
            rows_table.add_row(vec![
                conflict.line.to_string(),
                conflict.org_id.clone(),
                conflict.external_org_id.clone(),
                conflict.reason.clone(),
            ]);
        }
        if !outcome.conflicts.is_empty() {
            ctx.printer.table(&rows_table)?;
        }
        let verb = match (args.dry_run, outcome.applied) {
            (true, _) => "would create",
            (false, true) => "created",
            (false, false) => "created nothing; would create",
        };
        ctx.printer.status(&format!(
            "{verb} {} mapping(s); {} row(s) below {:?} confidence left out; {} row(s) in conflict",
            outcome.created.len(),
            outcome.below_confidence,
            args.min_confidence,
            outcome.conflicts.len()
        ));
    }
    if !outcome.conflicts.is_empty() && !args.skip_conflicts {
        return Err(Error::conflict(
            format!("{} row(s) of the plan no longer hold; nothing was applied", outcome.conflicts.len()),
            Some("make a new plan with `orgmap suggest`, or pass --skip-conflicts to apply the rest".into()),
        ));
    }
    Ok(())
}
