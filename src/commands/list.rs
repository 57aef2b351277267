//! `orgmap list`: mappings as a table, or the organizations that lack one.

use std::collections::HashMap;
use std::io::Write;

use clap::Args;

use crate::context::Ctx;
use crate::domain::Mapping;
use crate::error::Result;
use crate::ops::discovery::{Index, Upstream};
use crate::output::table;
use crate::output::views::{MappingView, OrgView, TestView, test_cell};
use crate::store::{Access, ReadTx};

/// List mappings
///
/// All mappings, or those of one organization or integration. With --unmapped, the active
/// organizations that have no active mapping for --integration.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap list
  orgmap list --org acme
  orgmap list --integration halopsa --json
  orgmap list --unmapped --integration halopsa")]
pub struct ListArgs {
    /// Only this organization's mappings
    #[arg(long)]
    pub org: Option<String>,
    /// Only this integration's mappings
    #[arg(long)]
    pub integration: Option<String>,
    /// List active organizations without an active mapping for --integration instead
    #[arg(long, requires = "integration")]
    pub unmapped: bool,
    /// Only mappings whose external ID was not checked against the external system
    #[arg(long)]
    pub unverified: bool,
    /// Only active mappings
    #[arg(long)]
    pub active: bool,
    /// Only mappings whose external organization was renamed or is missing in the integration's
    /// last discovered list
    #[arg(long)]
    pub stale: bool,
}

/// The cached lists of the integrations met so far, to mark stale mappings.
struct Upstreams<'t> {
    tx: &'t dyn ReadTx,
    indexes: HashMap<String, Option<Index>>,
}

impl Upstreams<'_> {
    fn of(&mut self, mapping: &Mapping) -> Result<Option<Upstream>> {
        if !self.indexes.contains_key(&mapping.integration) {
            let index = self.tx.discovery(&mapping.integration)?.map(|cache| Index::new(&cache));
            self.indexes.insert(mapping.integration.clone(), index);
        }
        Ok(self.indexes[&mapping.integration].as_ref().map(|index| index.upstream(mapping)))
    }
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<()> {
    if args.unmapped {
        return unmapped(ctx, args.integration.as_deref().unwrap_or_default());
    }
    if let Some(integration) = &args.integration {
        ctx.config()?.integration(integration)?;
    }
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    let keep = |m: &Mapping| {
        args.integration.as_deref().is_none_or(|i| m.integration == i)
            && (!args.unverified || !m.verified)
            && (!args.active || m.active)
    };
    let mut upstreams = Upstreams { tx: &*tx, indexes: HashMap::new() };
    if ctx.printer.json && args.org.is_none() && !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        // Streamed, so that listing every mapping of a large store needs little memory (on a
        // terminal the printer's JSON, which escapes what a terminal would act on, is used).
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        out.write_all(b"[")?;
        let mut first = true;
        tx.for_each_mapping(&mut |m| {
            if keep(&m) {
                let upstream = upstreams.of(&m)?;
                if args.stale && upstream.is_none_or(|u| u == Upstream::Ok) {
                    return Ok(());
                }
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                let last_test = tx.test_result(&m.mapping_id)?;
                let mut view = MappingView::from(&m);
                view.upstream = upstream.map(Upstream::as_str);
                view.last_test = last_test.as_ref().map(TestView::from);
                serde_json::to_writer(&mut out, &view)?;
            }
            Ok(())
        })?;
        out.write_all(b"]\n")?;
        out.flush()?;
        return Ok(());
    }
    let mut mappings = Vec::new();
    match &args.org {
        Some(org) => {
            crate::ops::orgs::require_org(&*tx, org)?;
            mappings = tx.mappings_of_org(org, args.integration.as_deref())?.into_iter().filter(keep).collect();
        }
        None => tx.for_each_mapping(&mut |m| {
            if keep(&m) {
                mappings.push(m);
            }
            Ok(())
        })?,
    }
    let mut marked = Vec::with_capacity(mappings.len());
    for mapping in mappings {
        let upstream = upstreams.of(&mapping)?;
        if !args.stale || upstream.is_some_and(|u| u != Upstream::Ok) {
            let last_test = tx.test_result(&mapping.mapping_id)?;
            marked.push((mapping, upstream, last_test));
        }
    }
    if ctx.printer.json {
        let views: Vec<MappingView> = marked
            .iter()
            .map(|(m, upstream, last_test)| {
                let mut view = MappingView::from(m);
                view.upstream = upstream.map(Upstream::as_str);
                view.last_test = last_test.as_ref().map(TestView::from);
                view
            })
            .collect();
        return ctx.printer.json(&views);
    }
    if marked.is_empty() {
        ctx.printer.status("no mappings match");
        return Ok(());
    }
    let mut rows = table::new(&[
        "MAPPING",
        "ORG",
        "INTEGRATION",
        "EXTERNAL ID",
        "EXTERNAL NAME",
        "LABEL",
        "ACTIVE",
        "VERIFIED",
        "REV",
        "UPSTREAM",
        "LAST TEST",
    ]);
    for (m, upstream, last_test) in &marked {
        rows.add_row(vec![
            m.mapping_id.clone(),
            m.org_id.clone(),
            m.integration.clone(),
            m.external_org_id.clone(),
            table::or_dash(m.external_org_name.as_deref()),
            table::or_dash(m.label.as_deref()),
            table::yes_no(m.active).to_owned(),
            table::yes_no(m.verified).to_owned(),
            m.revision.to_string(),
            upstream.map_or("-", Upstream::as_str).to_owned(),
            test_cell(last_test.as_ref()),
        ]);
    }
    ctx.printer.table(&rows)
}

fn unmapped(ctx: &Ctx, integration: &str) -> Result<()> {
    ctx.config()?.mapping_integration(integration)?;
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    let mut orgs = Vec::new();
    for org in tx.orgs()?.into_iter().filter(|o| o.active) {
        if !tx.mappings_of_org(&org.id, Some(integration))?.iter().any(|m| m.active) {
            orgs.push(org);
        }
    }
    if ctx.printer.json {
        let views: Vec<OrgView> = orgs.iter().map(OrgView::from).collect();
        return ctx.printer.json(&views);
    }
    if orgs.is_empty() {
        ctx.printer.status(&format!("every active organization has an active {integration} mapping"));
        return Ok(());
    }
    let mut rows = table::new(&["ORG", "NAME"]);
    for org in &orgs {
        rows.add_row(vec![org.id.clone(), org.name.clone()]);
    }
    ctx.printer.table(&rows)
}
