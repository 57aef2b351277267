//! `orgmap integrations`: what is declared in integrations.toml.

use clap::Args;

use crate::config::{HumanDuration, Integration};
use crate::context::Ctx;
use crate::context::process_env;
use crate::error::{Error, Result};
use crate::ops::discovery::age_of;
use crate::output::progress::human_age;
use crate::output::table;
use crate::output::views::{CacheView, IntegrationView};
use crate::providers::missing_settings;
use crate::store::Access;

/// Show the integrations declared in integrations.toml
///
/// For each: whether it supports organization mapping, how external organizations are found,
/// the ID pattern, and how many mappings use it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  orgmap integrations\n  orgmap integrations halopsa --json")]
pub struct IntegrationsArgs {
    /// Show only this integration
    pub name: Option<String>,
}

pub fn run(ctx: &Ctx, args: IntegrationsArgs) -> Result<()> {
    let config = ctx.config()?;
    let selected: Vec<&Integration> = match &args.name {
        Some(name) => vec![config.integration(name)?],
        None => config.integrations.values().collect(),
    };
    let store = match ctx.store(Access::Read) {
        Ok(store) => Some(store),
        Err(Error::StoreMissing { .. }) => None,
        Err(err) => return Err(err),
    };
    let tx = store.as_ref().map(|s| s.read()).transpose()?;
    let mut views = Vec::with_capacity(selected.len());
    for integration in &selected {
        let mapping_count = tx.as_ref().map(|tx| tx.count_mappings(&integration.name)).transpose()?;
        let cache = tx.as_ref().map(|tx| tx.discovery(&integration.name)).transpose()?.flatten().map(|c| CacheView {
            fetched_at: c.fetched_at.to_string(),
            age_seconds: age_of(&c).as_secs(),
            count: c.organizations.len(),
            source: c.source,
        });
        let missing = missing_settings(integration, &process_env);
        views.push(IntegrationView {
            name: &integration.name,
            display_name: &integration.display_name,
            supports_org_mapping: integration.supports_org_mapping,
            discovery: integration.discovery_kind(),
            id_pattern: integration.id_pattern_text.as_deref(),
            cache_ttl_seconds: integration.cache_ttl.as_secs(),
            configured: missing.is_empty(),
            missing,
            cache,
            mapping_count,
        });
    }
    if ctx.printer.json {
        return ctx.printer.json(&views);
    }
    if views.is_empty() {
        let hint = match &config.path {
            Some(path) => format!("{} declares no integrations", path.display()),
            None => "no integrations.toml found; pass --config or set ORGMAP_CONFIG".to_owned(),
        };
        ctx.printer.status(&hint);
        return Ok(());
    }
    if args.name.is_some() {
        return show_one(ctx, &views[0], selected[0]);
    }
    let mut rows =
        table::new(&["NAME", "DISPLAY NAME", "MAPPING", "DISCOVERY", "CONFIGURED", "CACHED LIST", "MAPPINGS"]);
    for (view, integration) in views.iter().zip(&selected) {
        let configured = if view.configured {
            "yes".to_owned()
        } else {
            let names: Vec<&str> =
                view.missing.iter().map(|m| m.strip_prefix("environment variable ").unwrap_or(m)).collect();
            format!("no: set {}", names.join(", "))
        };
        let cached = match &view.cache {
            Some(c) => format!(
                "{} orgs, {} old (ttl {})",
                c.count,
                human_age(std::time::Duration::from_secs(c.age_seconds)),
                HumanDuration(integration.cache_ttl)
            ),
            None => "-".to_owned(),
        };
        rows.add_row(vec![
            view.name.to_owned(),
            view.display_name.to_owned(),
            if view.supports_org_mapping { "enabled" } else { "-" }.to_owned(),
            view.discovery.to_owned(),
            configured,
            cached,
            view.mapping_count.map_or_else(|| "-".to_owned(), |n| n.to_string()),
        ]);
    }
    ctx.printer.table(&rows)
}

/// One integration in detail, field by field.
fn show_one(ctx: &Ctx, view: &IntegrationView<'_>, integration: &Integration) -> Result<()> {
    let mut rows = table::new(&["FIELD", "VALUE"]);
    let cached = view.cache.as_ref().map_or_else(
        || "never fetched".to_owned(),
        |c| {
            format!(
                "{} organizations from {}, fetched {} ({} ago)",
                c.count,
                c.source,
                c.fetched_at,
                human_age(std::time::Duration::from_secs(c.age_seconds))
            )
        },
    );
    for (field, value) in [
        ("name", view.name.to_owned()),
        ("display name", view.display_name.to_owned()),
        ("description", table::or_dash(integration.description.as_deref())),
        ("mapping", if view.supports_org_mapping { "enabled" } else { "not supported" }.to_owned()),
        ("discovery", view.discovery.to_owned()),
        ("id pattern", table::or_dash(view.id_pattern)),
        ("configured", if view.configured { "yes".to_owned() } else { format!("no: set {}", view.missing.join(", ")) }),
        ("cache ttl", HumanDuration(integration.cache_ttl).to_string()),
        ("cached list", cached),
        ("mappings", view.mapping_count.map_or_else(|| "-".to_owned(), |n| n.to_string())),
    ] {
        rows.add_row(vec![field.to_owned(), value]);
    }
    ctx.printer.table(&rows)
}
