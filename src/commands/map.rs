//! `orgmap map`: create a mapping (or, when asked on a terminal, replace the org's one).

mod wizard;

use clap::Args;

use super::MetaSetArgs;
use crate::context::Ctx;
use crate::domain::{Mapping, Metadata};
use crate::error::{Error, Result};
use crate::ops::mappings::{self, Checked, MappingEdit, NewMapping};
use crate::ops::verify::Checker;
use crate::output::progress::FetchProgress;
use crate::output::sanitize;
use crate::output::views::MappingView;
use crate::store::Access;

/// Map an organization to an external organization
///
/// The external ID is checked against the integration's id_pattern and with the external system
/// (a validate request, or the discovered list) before anything is saved; --no-verify skips the
/// second check.
///
/// An organization that already has an active mapping for the integration gets a second one only
/// when asked: pass --add --label LABEL (several Microsoft 365 tenants, say; the label tells them
/// apart). Otherwise `map` refuses (exit 10) and names the mapping to change with `orgmap edit`.
///
/// On a terminal, whatever is missing is asked for: the organization, the integration (those not
/// configured here are marked), and the external organization, picked by fuzzy search from the
/// discovered list (mapped and inactive ones marked) or typed by hand, then an optional label and
/// metadata, and a summary to confirm. A choice that would be refused is refused where it is
/// made. When the organization already has a mapping for the integration, you choose to replace
/// it, add a second one, or cancel. Esc cancels with nothing changed.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap map halopsa 12345 --org acme --name \"Acme Corporation\"
  orgmap map m365 0c0ffee0-1234-4abc-8def-000000000001 --org acme --label prod
  orgmap map ninjaone 78 --org acme --meta region=eu
  id=$(orgmap map ninjaone 77 --org acme)
  orgmap map ninjaone 79 --org acme --add --label branch
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
    /// Add a second mapping when the organization already has one for the integration (give it a
    /// --label)
    #[arg(long)]
    pub add: bool,
    /// Save without checking the ID with the external system (the mapping is marked unverified)
    #[arg(long)]
    pub no_verify: bool,
}

/// What to save: a new mapping, or the org's existing one with another external organization.
struct Plan {
    org: String,
    integration: String,
    external_id: String,
    name: Option<String>,
    label: Option<String>,
    metadata: Metadata,
    allow_shared: bool,
    /// Beside the org's existing mapping(s) of the integration.
    alongside: bool,
    /// Replace this mapping's external organization instead of adding one.
    replace: Option<Mapping>,
    /// The ID was already checked when it was picked.
    checked: Option<Checked>,
}

/// The plan from the arguments alone, when nobody is there to ask: every missing value is named.
fn given(args: &MapArgs) -> Result<Plan> {
    let mut missing = Vec::new();
    if args.org.is_none() {
        missing.push(("the organization", "--org ORG (or set ORGMAP_ORG)"));
    }
    if args.integration.is_none() {
        missing.push(("the integration", "INTEGRATION as the first argument"));
    }
    if args.external_id.is_none() {
        missing.push(("the external organization ID", "EXTERNAL_ID after the integration"));
    }
    if !missing.is_empty() {
        let what: Vec<&str> = missing.iter().map(|(what, _)| *what).collect();
        let flags: Vec<&str> = missing.iter().map(|(_, flag)| *flag).collect();
        return Err(Error::usage(
            format!("missing {}", what.join(", ")),
            format!("pass {}, or run orgmap on a terminal to pick them", flags.join(" and ")),
        ));
    }
    if args.add && args.label.is_none() {
        return Err(Error::usage(
            "a second mapping needs a label",
            "pass --label LABEL to tell it apart from the organization's other mapping",
        ));
    }
    Plan::from_args(
        args,
        args.org.clone().unwrap_or_default(),
        args.integration.clone().unwrap_or_default(),
        args.external_id.clone().unwrap_or_default(),
    )
}

impl Plan {
    /// What the arguments say for this organization, integration and external ID.
    fn from_args(args: &MapArgs, org: String, integration: String, external_id: String) -> Result<Plan> {
        Ok(Plan {
            org,
            integration,
            external_id,
            name: args.name.clone(),
            label: args.label.clone(),
            metadata: args.meta.metadata()?,
            allow_shared: args.allow_shared,
            alongside: args.add || args.label.is_some(),
            replace: None,
            checked: None,
        })
    }
}

pub fn run(ctx: &Ctx, args: MapArgs) -> Result<()> {
    let plan = if ctx.can_prompt() { wizard::ask(ctx, &args)? } else { given(&args)? };
    let config = ctx.config()?;
    let actor = ctx.actor()?;
    let checked = match plan.checked.clone() {
        Some(checked) => checked,
        None => {
            let progress = FetchProgress::new("checking the ID", "pages", ctx.show_progress());
            let fetcher = ctx.fetcher(&progress);
            let checker =
                Checker { open: &ctx.opener(), config, actor: &actor, fetcher: &fetcher, skip: args.no_verify };
            let checked = match &plan.replace {
                Some(mapping) => checker.for_edit(&mapping.mapping_id, Some(&plan.external_id))?,
                None => checker.new_id(&plan.org, &plan.integration, &plan.external_id)?,
            };
            progress.finish();
            checked
        }
    };
    let store = ctx.store(Access::Write)?;
    if let Some(mapping) = &plan.replace {
        let edit = MappingEdit {
            external_org_id: Some(plan.external_id),
            external_org_name: plan.name.map(Some),
            allow_shared: plan.allow_shared,
            if_revision: Some(mapping.revision),
            checked,
            ..MappingEdit::default()
        };
        let change = mappings::edit_mapping(&*store, config, &actor, &mapping.mapping_id, edit)?;
        drop(store);
        return super::edit::report(ctx, &change);
    }
    let mapping = mappings::create_mapping(
        &*store,
        config,
        &actor,
        NewMapping {
            org_id: plan.org,
            integration: plan.integration,
            external_org_id: plan.external_id,
            external_org_name: plan.name.or(checked.name.clone()),
            label: plan.label,
            metadata: plan.metadata,
            allow_shared: plan.allow_shared,
            verified: checked.verified,
            source: None,
            upstream_name: checked.name,
            alongside: plan.alongside,
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
