//! `orgmap map`: create a mapping.

use clap::Args;

use super::MetaSetArgs;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ops::discovery::{self, DiscoverOptions};
use crate::ops::mappings::{self, NewMapping};
use crate::ops::verify::Checker;
use crate::output::progress::FetchProgress;
use crate::output::sanitize;
use crate::output::views::MappingView;
use crate::prompt;
use crate::store::Access;

/// Map an organization to an external organization
///
/// Several mappings per organization and integration are allowed (several Microsoft 365 tenants,
/// say); give each a --label to tell them apart. The external ID is checked against the
/// integration's id_pattern and with the external system (a validate request, or the discovered
/// list) before anything is saved; --no-verify skips the second check.
///
/// On a terminal, whatever is missing is asked for: the organization, the integration, and the
/// external organization, picked by fuzzy search from the discovered list (or typed by hand), then
/// an optional label and metadata, and a summary to confirm. Esc cancels with nothing changed.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap map halopsa 12345 --org acme --name \"Acme Corporation\"
  orgmap map m365 0c0ffee0-1234-4abc-8def-000000000001 --org acme --label prod
  orgmap map ninjaone 78 --org acme --meta region=eu
  id=$(orgmap map ninjaone 77 --org acme)
  orgmap map              (on a terminal: pick everything)")]
pub struct MapArgs {
    /// The integration, as named in integrations.toml [picked on a terminal when missing]
    pub integration: Option<String>,
    /// The organization's ID in the external system [picked from the discovered list on a
    /// terminal when missing]
    pub external_id: Option<String>,
    /// The organization to map [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// The external organization's name, as the external system shows it
    #[arg(long)]
    pub name: Option<String>,
    /// A label that tells this mapping apart from the org's other mappings of the integration
    #[arg(long)]
    pub label: Option<String>,
    #[command(flatten)]
    pub meta: MetaSetArgs,
    /// Allow the external ID to be mapped to another organization too
    #[arg(long)]
    pub allow_shared: bool,
    /// Save without checking the ID with the external system (the mapping is marked unverified)
    #[arg(long)]
    pub no_verify: bool,
}

/// What the person answered, when values were missing and asked for.
struct Answers {
    org: String,
    integration: String,
    external_id: String,
    /// The name of the external organization picked from the list.
    picked_name: Option<String>,
    asked: bool,
}

fn missing(what: &str, flag: &str) -> Error {
    Error::usage(format!("no {what} given"), format!("pass {flag}, or run orgmap on a terminal to pick one"))
}

/// Fills in what the arguments leave out, asking when a person is there.
fn answers(ctx: &Ctx, args: &MapArgs) -> Result<Answers> {
    let interactive = ctx.can_prompt();
    let mut asked = false;
    let config = ctx.config()?;
    let org = match &args.org {
        Some(org) => org.clone(),
        None if interactive => {
            let orgs: Vec<_> = ctx.store(Access::Read)?.read()?.orgs()?.into_iter().filter(|o| o.active).collect();
            asked = true;
            prompt::org(&orgs)?
        }
        None => return Err(missing("organization", "--org ORG (or set ORGMAP_ORG)")),
    };
    let integration = match &args.integration {
        Some(name) => name.clone(),
        None if interactive => {
            let enabled: Vec<_> = config.integrations.values().filter(|i| i.supports_org_mapping).collect();
            asked = true;
            prompt::integration(&enabled)?
        }
        None => return Err(missing("integration", "INTEGRATION as the first argument")),
    };
    let (external_id, picked_name) = match &args.external_id {
        Some(id) => (id.clone(), None),
        None if interactive => {
            let integration = config.mapping_integration(&integration)?;
            asked = true;
            if integration.list_organizations.is_some() {
                let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
                let listing = discovery::discover(
                    &ctx.opener(),
                    integration,
                    DiscoverOptions::default(),
                    &ctx.fetcher(&progress),
                )?;
                progress.finish();
                if let discovery::Origin::Stale(Some(reason)) = &listing.origin {
                    ctx.printer.warn(&sanitize(&format!("{reason}; picking from the cached list")));
                }
                let mapped = super::discover::mapped_to(ctx, &integration.name)?;
                let (id, name) = prompt::external_org(integration, &listing.cache.organizations, &mapped)?;
                (id, name)
            } else {
                (prompt::external_id(integration)?, None)
            }
        }
        None => return Err(missing("external organization ID", "EXTERNAL_ID after the integration")),
    };
    Ok(Answers { org, integration, external_id, picked_name, asked })
}

pub fn run(ctx: &Ctx, args: MapArgs) -> Result<()> {
    let answers = answers(ctx, &args)?;
    let mut label = args.label.clone();
    let mut metadata = args.meta.metadata()?;
    if answers.asked {
        if label.is_none() {
            let check = |text: &str| crate::domain::validate_label(text).map_err(|e| e.to_string());
            label = prompt::optional_text("Label (optional):", &check)?;
        }
        if metadata.is_empty() {
            metadata = prompt::metadata()?;
        }
        let name = args.name.as_deref().or(answers.picked_name.as_deref());
        let mut summary = format!(
            "Map {} to {} {}{}",
            answers.org,
            answers.integration,
            sanitize(&answers.external_id),
            name.map(|n| format!(" \"{}\"", sanitize(n))).unwrap_or_default()
        );
        if let Some(label) = &label {
            summary.push_str(&format!(", label \"{}\"", sanitize(label)));
        }
        if !metadata.is_empty() {
            summary.push_str(&format!(", metadata {}", sanitize(&serde_json::to_string(&metadata)?)));
        }
        if !prompt::confirm(&format!("{summary}?"), true)? {
            return Err(Error::Cancelled);
        }
    }
    let config = ctx.config()?;
    let actor = ctx.actor()?;
    let progress = FetchProgress::new("checking the ID", "pages", ctx.show_progress());
    let fetcher = ctx.fetcher(&progress);
    let checker = Checker { open: &ctx.opener(), config, actor: &actor, fetcher: &fetcher, skip: args.no_verify };
    let checked = checker.new_id(&answers.org, &answers.integration, &answers.external_id)?;
    progress.finish();
    let store = ctx.store(Access::Write)?;
    let mapping = mappings::create_mapping(
        &*store,
        config,
        &actor,
        NewMapping {
            org_id: answers.org,
            integration: answers.integration,
            external_org_id: answers.external_id,
            external_org_name: args.name.or(answers.picked_name).or(checked.name.clone()),
            label,
            metadata,
            allow_shared: args.allow_shared,
            verified: checked.verified,
            source: None,
            upstream_name: checked.name,
        },
    )?;
    drop(store);
    if ctx.printer.json {
        return ctx.printer.json(&MappingView::from(&mapping));
    }
    let name = mapping.external_org_name.as_deref().map(|n| format!(" \"{}\"", sanitize(n))).unwrap_or_default();
    ctx.printer.status(&format!(
        "mapped {} to {} {}{name}",
        mapping.org_id,
        mapping.integration,
        sanitize(&mapping.external_org_id)
    ));
    ctx.printer.line(&mapping.mapping_id)
}
