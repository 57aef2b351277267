//! `orgmap list`: mappings as a table, or the organizations that lack one.

use std::collections::HashMap;

use clap::Args;

use crate::context::Ctx;
use crate::domain::{Mapping, TestResult};
use crate::error::Result;
use crate::ops::discovery::{Index, Upstream};
use crate::output::table;
use crate::output::views::{MappingView, OrgView, TestView, test_cell_as_of};
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

/// A mapping as listed: with how it compares upstream and its last test.
struct Listed {
    mapping: Mapping,
    upstream: Option<Upstream>,
    last_test: Option<TestResult>,
}

/// The mappings the arguments select, read from the store one at a time.
struct Listing<'t> {
    tx: &'t dyn ReadTx,
    args: &'t ListArgs,
    upstreams: Upstreams<'t>,
}

impl Listing<'_> {
    /// Visits every selected mapping, in mapping ID order (an organization's oldest first).
    /// Can run more than once: a table is measured on a first visit and printed on a second.
    fn visit(&mut self, visit: &mut dyn FnMut(&Listed) -> Result<()>) -> Result<()> {
        let args = self.args;
        let keep = |m: &Mapping| {
            args.integration.as_deref().is_none_or(|i| m.integration == i)
                && (!args.unverified || !m.verified)
                && (!args.active || m.active)
        };
        let (tx, upstreams) = (self.tx, &mut self.upstreams);
        let mut each = |mapping: Mapping| -> Result<()> {
            if !keep(&mapping) {
                return Ok(());
            }
            let upstream = upstreams.of(&mapping)?;
            if args.stale && upstream.is_none_or(|u| u == Upstream::Ok) {
                return Ok(());
            }
            let last_test = tx.test_result(&mapping.mapping_id)?;
            visit(&Listed { mapping, upstream, last_test })
        };
        match &args.org {
            Some(org) => tx.mappings_of_org(org, args.integration.as_deref())?.into_iter().try_for_each(each),
            None => tx.for_each_mapping(&mut each),
        }
    }
}

const HEADERS: [&str; 11] = [
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
];

fn cells(listed: &Listed, now: jiff::Timestamp) -> [String; 11] {
    let m = &listed.mapping;
    [
        m.mapping_id.clone(),
        m.org_id.clone(),
        m.integration.clone(),
        m.external_org_id.clone(),
        table::or_dash(m.external_org_name.as_deref()),
        table::or_dash(m.label.as_deref()),
        table::yes_no(m.active).to_owned(),
        table::yes_no(m.verified).to_owned(),
        m.revision.to_string(),
        listed.upstream.map_or("-", Upstream::as_str).to_owned(),
        test_cell_as_of(listed.last_test.as_ref(), now),
    ]
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
    if let Some(org) = &args.org {
        crate::ops::orgs::require_org(&*tx, org)?;
    }
    let mut listing = Listing { tx: &*tx, args: &args, upstreams: Upstreams { tx: &*tx, indexes: HashMap::new() } };
    // Everything streams: a store of any size lists in little memory.
    if ctx.printer.json {
        let mut out = ctx.printer.json_array();
        listing.visit(&mut |listed| {
            let mut view = MappingView::from(&listed.mapping);
            view.upstream = listed.upstream.map(Upstream::as_str);
            view.last_test = listed.last_test.as_ref().map(TestView::from);
            out.item(&view)
        })?;
        out.finish()?;
        return Ok(());
    }
    let now = jiff::Timestamp::now();
    let mut layout = table::Layout::new(&HEADERS);
    let mut rows = 0u64;
    listing.visit(&mut |listed| {
        layout.measure(&cells(listed, now));
        rows += 1;
        Ok(())
    })?;
    if rows == 0 {
        ctx.printer.status("no mappings match");
        return Ok(());
    }
    let mut out = layout.start(std::io::BufWriter::new(std::io::stdout().lock()))?;
    listing.visit(&mut |listed| Ok(out.row(&cells(listed, now))?))?;
    out.finish()?;
    Ok(())
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
