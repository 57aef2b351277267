//! `orgmap discover`: an integration's external organizations.

use std::collections::HashMap;

use clap::Args;
use serde::Serialize;

use crate::context::Ctx;
use crate::domain::ExternalOrg;
use crate::error::{Error, Result};
use crate::ops::discovery::{self, DiscoverOptions, Listing, Origin};
use crate::output::progress::{FetchProgress, human_age};
use crate::output::table;
use crate::store::Access;

/// List an integration's external organizations
///
/// From the cache while it is younger than the integration's cache_ttl (default 1 h), fetched
/// otherwise. When fetching fails or is throttled and a cached list exists, the cached list is
/// shown with a warning that says how old it is and why. Each organization shows the MSP
/// organizations already mapped to it.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap discover halopsa
  orgmap discover halopsa --search acme
  orgmap discover ninjaone --refresh --json
  orgmap discover m365 --offline --limit 20
  id=$(orgmap discover halopsa --select)")]
pub struct DiscoverArgs {
    /// The integration, as named in integrations.toml
    pub integration: String,
    /// Only organizations whose name or ID contains this text (case-insensitive)
    #[arg(long, short = 's', value_name = "TEXT")]
    pub search: Option<String>,
    /// Fetch now, even when the cached list is fresh
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Never fetch: show the cached list, however old
    #[arg(long)]
    pub offline: bool,
    /// Show at most N organizations
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Pick one by fuzzy search on the terminal and print its ID (for `id=$(orgmap discover … --select)`)
    #[arg(long, conflicts_with = "limit")]
    pub select: bool,
}

#[derive(Serialize)]
struct OrgView<'a> {
    id: &'a str,
    name: Option<&'a str>,
    active: bool,
    mapped_to: &'a [String],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extra: &'a std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    domains: &'a [String],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    xrefs: &'a std::collections::BTreeMap<String, String>,
}

#[derive(Serialize)]
struct ListingView<'a> {
    integration: &'a str,
    source: &'a str,
    origin: &'static str,
    fetched_at: String,
    age_seconds: u64,
    warning: Option<&'a str>,
    total: usize,
    organizations: OrgViews<'a>,
}

/// The organizations shown, serialized one at a time rather than gathered first.
struct OrgViews<'a> {
    shown: &'a [&'a ExternalOrg],
    mapped: &'a HashMap<String, Vec<String>>,
}

impl Serialize for OrgViews<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.shown.iter().map(|o| OrgView {
            id: &o.id,
            name: o.name.as_deref(),
            active: o.active,
            mapped_to: self.mapped.get(o.id.as_str()).map_or(&[], Vec::as_slice),
            extra: &o.extra,
            domains: &o.domains,
            xrefs: &o.xrefs,
        }))
    }
}

pub fn run(ctx: &Ctx, args: DiscoverArgs) -> Result<()> {
    let config = ctx.config()?;
    let integration = config.integration(&args.integration)?;
    if integration.list_organizations.is_none() {
        return Err(Error::Invalid {
            what: "integration".into(),
            message: format!("{} has no list_organizations: its IDs are entered by hand", integration.name),
            hint: Some(format!(
                "declare [integrations.{}.list_organizations] to discover its organizations",
                integration.name
            )),
        });
    }
    if args.select && !ctx.can_prompt() {
        return Err(Error::usage(
            "--select needs a person at a terminal",
            "run it with stdin and stderr on a terminal (stdout may be piped), or use --search and --json in scripts",
        ));
    }
    let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
    let open = ctx.opener();
    let options = DiscoverOptions { refresh: args.refresh, offline: args.offline };
    let listing = discovery::discover(&open, integration, options, &ctx.fetcher(&progress))?;
    progress.finish();
    let mapped = mapped_to(ctx, &integration.name)?;
    let found: Vec<&ExternalOrg> = match &args.search {
        Some(query) => discovery::search(&listing.cache.organizations, query),
        None => listing.cache.organizations.iter().collect(),
    };
    let shown: Vec<&ExternalOrg> = found.iter().copied().take(args.limit.unwrap_or(usize::MAX)).collect();
    if let Origin::Stale(Some(reason)) = &listing.origin {
        ctx.printer.warn(&format!("{reason}; showing the list cached {} ago", human_age(listing.age())));
    }
    if let Some(note) = &listing.note
        && !ctx.printer.json
    {
        ctx.printer.warn(note);
    }
    if args.select {
        let choice = crate::prompt::external_org(integration, &listing.cache.organizations, &mapped, None)?;
        return ctx.printer.value(&choice.id);
    }
    if ctx.printer.json {
        return print_json(ctx, &listing, &shown, &mapped);
    }
    ctx.printer.status(&format!(
        "{}: {} organizations{}, fetched {} ago ({})",
        integration.display_name,
        listing.cache.organizations.len(),
        if args.search.is_some() { format!(", {} matching", found.len()) } else { String::new() },
        human_age(listing.age()),
        match listing.origin {
            Origin::Cache => "cached",
            Origin::Fresh => "just fetched",
            Origin::Stale(_) => "stale",
        }
    ));
    // Measured, then written row by row: a list of a million organizations is never held twice.
    let cells = |org: &ExternalOrg| {
        let orgs = mapped.get(org.id.as_str()).map(|v| v.join(", ")).unwrap_or_default();
        [
            org.id.clone(),
            table::or_dash(org.name.as_deref()),
            if org.active { "active" } else { "inactive" }.to_owned(),
            if orgs.is_empty() { "-".to_owned() } else { orgs },
        ]
    };
    let mut layout = table::Layout::new(&["ID", "NAME", "STATUS", "MAPPED TO"]);
    for org in &shown {
        layout.measure(&cells(org));
    }
    let mut out = layout.start(std::io::BufWriter::new(std::io::stdout().lock()))?;
    for org in &shown {
        out.row(&cells(org))?;
    }
    out.finish()?;
    Ok(())
}

/// Which MSP organizations each external organization is mapped to.
pub fn mapped_to(ctx: &Ctx, integration: &str) -> Result<HashMap<String, Vec<String>>> {
    let store = ctx.store(Access::Read)?;
    let mut mapped: HashMap<String, Vec<String>> = HashMap::new();
    for mapping in store.read()?.mappings_of_integration(integration)? {
        if mapping.active {
            mapped.entry(mapping.external_org_id).or_default().push(mapping.org_id);
        }
    }
    Ok(mapped)
}

fn print_json(
    ctx: &Ctx,
    listing: &Listing,
    shown: &[&ExternalOrg],
    mapped: &HashMap<String, Vec<String>>,
) -> Result<()> {
    let warning = match &listing.origin {
        Origin::Stale(Some(reason)) => Some(reason.as_str()),
        _ => listing.note.as_deref(),
    };
    let view = ListingView {
        integration: &listing.cache.integration,
        source: &listing.cache.source,
        origin: listing.origin.as_str(),
        fetched_at: listing.cache.fetched_at.to_string(),
        age_seconds: listing.age().as_secs(),
        warning,
        total: listing.cache.organizations.len(),
        organizations: OrgViews { shown, mapped },
    };
    ctx.printer.json(&view)
}
