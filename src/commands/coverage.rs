//! `orgmap coverage`: which organizations are mapped where, and the gaps, for admins and CI.

use std::collections::{HashMap, HashSet};

use clap::Args;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ops::coverage::{self, CellState, Coverage, Inputs};
use crate::output::table;
use crate::store::Access;

/// Show which organizations are mapped in which integrations, and the gaps
///
/// One row per active organization, one column per integration that maps organizations. A cell
/// is the external ID (or how many mappings), or: missing, excluded (`orgmap exclude`), unverified
/// (saved with --no-verify), stale (renamed or gone in the last discovered list), or inactive
/// upstream. Totals per integration follow. --check exits 12 when any cell is missing, stale or
/// unverified, for a CI job that keeps "nothing unmapped".
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap coverage
  orgmap coverage --integration halopsa --integration ninjaone --missing
  orgmap coverage --check --json > coverage.json   # exit 12 on any gap")]
pub struct CoverageArgs {
    /// Only these integrations (repeatable)
    #[arg(long = "integration", value_name = "NAME")]
    pub integrations: Vec<String>,
    /// Only these organizations (repeatable)
    #[arg(long = "org", value_name = "ORG")]
    pub orgs: Vec<String>,
    /// Only organizations with a gap (missing, stale or unverified)
    #[arg(long)]
    pub missing: bool,
    /// Exit 12 when any cell is missing, stale or unverified
    #[arg(long)]
    pub check: bool,
}

/// The exit code of `coverage --check` when it finds gaps.
pub const GAPS_FOUND: u8 = 12;

pub fn run(ctx: &Ctx, args: CoverageArgs) -> Result<u8> {
    let config = ctx.config()?;
    let integrations: Vec<String> = if args.integrations.is_empty() {
        config.integrations.values().filter(|i| i.supports_org_mapping).map(|i| i.name.clone()).collect()
    } else {
        for name in &args.integrations {
            config.mapping_integration(name)?;
        }
        args.integrations.clone()
    };
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    let mut orgs: Vec<_> = tx.orgs()?.into_iter().filter(|o| o.active).collect();
    if !args.orgs.is_empty() {
        for wanted in &args.orgs {
            if !orgs.iter().any(|o| &o.id == wanted) {
                return Err(match tx.org(wanted)? {
                    Some(_) => Error::OrgInactive { org: wanted.clone() },
                    None => Error::OrgNotFound { org: wanted.clone() },
                });
            }
        }
        orgs.retain(|o| args.orgs.contains(&o.id));
    }
    let mut mappings = Vec::new();
    tx.for_each_mapping(&mut |m| {
        if m.active && integrations.contains(&m.integration) {
            mappings.push(m);
        }
        Ok(())
    })?;
    let exclusions = tx.exclusions()?;
    let mut caches = HashMap::new();
    for name in &integrations {
        if let Some(cache) = tx.discovery(name)? {
            caches.insert(name.clone(), cache);
        }
    }
    drop(tx);
    drop(store);
    let verifiable: HashSet<String> = config
        .integrations
        .values()
        .filter(|i| i.validate.is_some() || i.list_organizations.is_some())
        .map(|i| i.name.clone())
        .collect();
    let mut grid = coverage::coverage(&Inputs {
        verifiable: &verifiable,
        orgs: &orgs,
        mappings: &mappings,
        exclusions: &exclusions,
        caches: &caches,
        integrations: &integrations,
    });
    let gaps = grid.gaps();
    if args.missing {
        grid.rows.retain(|row| row.cells.values().any(|c| c.state.is_gap()));
    }
    if ctx.printer.json {
        ctx.printer.json(&grid)?;
    } else {
        print(ctx, &grid)?;
    }
    if args.check && gaps > 0 {
        ctx.printer.warn(&format!("{gaps} gap(s): missing, stale or unverified mappings"));
        return Ok(GAPS_FOUND);
    }
    Ok(0)
}

fn cell_text(cell: &coverage::Cell) -> String {
    match (cell.state, cell.external_org_ids.as_slice()) {
        (CellState::Mapped, [id]) => id.clone(),
        (CellState::Mapped, ids) => format!("{} mappings", ids.len()),
        (state, _) => state.as_str().to_owned(),
    }
}

fn print(ctx: &Ctx, grid: &Coverage) -> Result<()> {
    let mut headers = vec!["ORG".to_owned()];
    headers.extend(grid.integrations.iter().map(|i| i.to_uppercase()));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut rows = table::new(&header_refs);
    for row in &grid.rows {
        let mut cells = vec![row.org_id.clone()];
        cells.extend(grid.integrations.iter().map(|i| row.cells.get(i).map(cell_text).unwrap_or_default()));
        rows.add_row(cells);
    }
    ctx.printer.table(&rows)?;
    let totals: Vec<String> = grid
        .integrations
        .iter()
        .map(|integration| {
            let counts = &grid.totals[integration];
            let parts: Vec<String> = counts.iter().map(|(state, n)| format!("{n} {}", state.as_str())).collect();
            format!("{integration}: {}", parts.join(", "))
        })
        .collect();
    for line in totals {
        ctx.printer.status(&line);
    }
    Ok(())
}
