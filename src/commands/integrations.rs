//! `orgmap integrations`: what is declared in integrations.toml.

use clap::Args;

use crate::config::{HumanDuration, Integration};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::output::table;
use crate::output::views::IntegrationView;
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
        views.push(IntegrationView {
            name: &integration.name,
            display_name: &integration.display_name,
            supports_org_mapping: integration.supports_org_mapping,
            discovery: integration.discovery_kind(),
            id_pattern: integration.id_pattern_text.as_deref(),
            cache_ttl_seconds: integration.cache_ttl.as_secs(),
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
    let mut rows = table::new(&["NAME", "DISPLAY NAME", "MAPPING", "DISCOVERY", "ID PATTERN", "CACHE TTL", "MAPPINGS"]);
    for (view, integration) in views.iter().zip(&selected) {
        rows.add_row(vec![
            view.name.to_owned(),
            crate::output::sanitize(view.display_name).into_owned(),
            if view.supports_org_mapping { "enabled" } else { "-" }.to_owned(),
            view.discovery.to_owned(),
            table::or_dash(view.id_pattern),
            HumanDuration(integration.cache_ttl).to_string(),
            view.mapping_count.map_or_else(|| "-".to_owned(), |n| n.to_string()),
        ]);
    }
    ctx.printer.table(&rows)
}
