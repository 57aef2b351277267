//! `orgmap map` on a terminal: asks for what the arguments leave out, refuses or questions a
//! choice at the moment it is made (an external organization the org already has, one mapped to
//! another org, an inactive one, a typed ID the external system does not know), and asks whether
//! to replace or add to the org's existing mapping of the integration.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{MapArgs, Plan};
use crate::config::Integration;
use crate::context::{Ctx, process_env};
use crate::domain::{ExternalOrg, Mapping};
use crate::error::{Error, Result};
use crate::ops::discovery::{self, DiscoverOptions};
use crate::ops::mappings::Checked;
use crate::ops::verify::Checker;
use crate::output::picker::{Picked, Verdict};
use crate::output::progress::FetchProgress;
use crate::output::sanitize;
use crate::prompt::{self, ExternalChoice};
use crate::providers::missing_settings;
use crate::store::Access;

/// What to do about the org's existing mapping(s) of the integration.
enum Existing {
    Replace(Box<Mapping>),
    Add,
}

/// Asks for what is missing and confirms; the plan to save.
pub(super) fn ask(ctx: &Ctx, args: &MapArgs) -> Result<Plan> {
    let config = ctx.config()?;
    let mut asked = false;
    let org = match &args.org {
        Some(org) => org.clone(),
        None => {
            let orgs: Vec<_> = ctx.store(Access::Read)?.read()?.orgs()?.into_iter().filter(|o| o.active).collect();
            asked = true;
            prompt::org(&orgs)?
        }
    };
    let integration = match &args.integration {
        Some(name) => name.clone(),
        None => {
            let enabled: Vec<_> = config.integrations.values().filter(|i| i.supports_org_mapping).collect();
            asked = true;
            prompt::integration(&enabled, &|i| missing_settings(i, &process_env))?
        }
    };
    let integration = config.mapping_integration(&integration)?;
    let own = ctx.store(Access::Read)?.read()?.mappings_of_org(&org, Some(&integration.name))?;
    if let Some(id) = &args.external_id
        && let Some(same) = own.iter().find(|m| m.external_org_id == *id)
    {
        return Err(already_mapped(&org, same));
    }
    let active: Vec<Mapping> = own.iter().filter(|m| m.active).cloned().collect();
    let mut plan = Plan::from_args(args, org, integration.name.clone(), String::new())?;
    let mut decided = false;
    if !active.is_empty() && !plan.alongside {
        decided = true;
        match existing(&plan.org, integration, &active)? {
            Existing::Replace(mapping) => plan.replace = Some(*mapping),
            Existing::Add => plan.alongside = true,
        }
    }
    if plan.alongside && plan.label.is_none() && !active.is_empty() {
        plan.label = Some(required_label(&active)?);
    }
    let choice = match &args.external_id {
        Some(id) => {
            let (choice, checked) = given_id(ctx, args, &plan, integration, &own, id)?;
            plan.checked = checked;
            choice
        }
        None => {
            asked = true;
            let (choice, checked) = external(ctx, args, &plan, integration, &own)?;
            plan.checked = checked;
            choice
        }
    };
    plan.allow_shared |= choice.agreed;
    plan.external_id = choice.id;
    if plan.name.is_none() {
        plan.name = choice.name.or(plan.checked.as_ref().and_then(|c| c.name.clone()));
    }
    if let Some(checked) = &plan.checked
        && checked.for_id.as_deref() != Some(plan.external_id.as_str())
    {
        plan.checked = None;
    }
    if asked && plan.replace.is_none() {
        if plan.label.is_none() {
            let check = |text: &str| crate::domain::validate_label(text).map_err(|e| e.to_string());
            plan.label = prompt::optional_text("Label (optional):", &check)?;
        }
        if plan.metadata.is_empty() {
            plan.metadata = prompt::metadata()?;
        }
    }
    if (asked || decided) && !prompt::confirm(&summary(&plan, &active)?, true)? {
        return Err(Error::Cancelled);
    }
    Ok(plan)
}

fn already_mapped(org: &str, mapping: &Mapping) -> Error {
    let hint = if mapping.active {
        format!("nothing to do; to change it, `orgmap edit {}`", mapping.mapping_id)
    } else {
        format!("it is inactive: reactivate it with `orgmap edit {} --activate`", mapping.mapping_id)
    };
    Error::conflict(
        format!(
            "'{org}' is already mapped to {} ID '{}' (mapping {})",
            mapping.integration, mapping.external_org_id, mapping.mapping_id
        ),
        Some(hint),
    )
}

/// Asks whether to replace the org's existing mapping or add a second one.
fn existing(org: &str, integration: &Integration, active: &[Mapping]) -> Result<Existing> {
    let first = &active[0];
    let described = format!(
        "{} {}",
        sanitize(&first.external_org_id),
        sanitize(first.external_org_name.as_deref().unwrap_or_default())
    );
    let question = if active.len() == 1 {
        format!("{org} already has a {} mapping ({}):", integration.name, described.trim())
    } else {
        format!("{org} already has {} {} mappings:", active.len(), integration.name)
    };
    let replace = if active.len() == 1 { "Replace it (keeps its label and metadata)" } else { "Replace one of them" };
    match prompt::choose(&question, &[replace, "Add a second mapping (needs a label)", "Cancel"])? {
        0 if active.len() == 1 => Ok(Existing::Replace(Box::new(first.clone()))),
        0 => Ok(Existing::Replace(Box::new(prompt::mapping(active)?))),
        1 => Ok(Existing::Add),
        _ => Err(Error::Cancelled),
    }
}

/// A label for a second mapping: required, and unlike the labels the org's others have.
fn required_label(active: &[Mapping]) -> Result<String> {
    let taken: Vec<&str> = active.iter().filter_map(|m| m.label.as_deref()).collect();
    let check = |text: &str| {
        crate::domain::validate_label(text).map_err(|e| e.to_string())?;
        if taken.contains(&text) { Err(format!("another mapping has the label {text}")) } else { Ok(()) }
    };
    prompt::text("Label (tells the mappings apart):", "", false, &check)?.ok_or(Error::Cancelled)
}

/// An external ID given on the command line, judged and checked before anything else is asked,
/// so that a refusal does not come after the summary.
fn given_id(
    ctx: &Ctx,
    args: &MapArgs,
    plan: &Plan,
    integration: &Integration,
    own: &[Mapping],
    id: &str,
) -> Result<(ExternalChoice, Option<Checked>)> {
    let mapped = crate::commands::discover::mapped_to(ctx, &integration.name)?;
    let judge = Judge { plan, integration, own, mapped: &mapped };
    let agreed = match judge.verdict(id, None) {
        Verdict::Accept => false,
        Verdict::Ask(question) => {
            if !prompt::confirm(&question, false)? {
                return Err(Error::Cancelled);
            }
            true
        }
        Verdict::Refuse(why) => return Err(Error::conflict(why, None)),
    };
    let checked = if plan.replace.is_none() {
        let actor = ctx.actor()?;
        let progress = FetchProgress::new("checking the ID", "pages", ctx.show_progress());
        let fetcher = ctx.fetcher(&progress);
        let checker = Checker {
            open: &ctx.opener(),
            config: ctx.config()?,
            actor: &actor,
            fetcher: &fetcher,
            skip: args.no_verify,
        };
        let checked = checker.new_id(&plan.org, &integration.name, id)?;
        progress.finish();
        Some(checked)
    } else {
        None
    };
    Ok((ExternalChoice { id: id.to_owned(), name: None, agreed }, checked))
}

/// The external organization: picked from the discovered list, or typed; judged as it is chosen.
/// A typed ID checked with the external system on the way comes with what the check found, so
/// that it is not checked twice.
fn external(
    ctx: &Ctx,
    args: &MapArgs,
    plan: &Plan,
    integration: &Integration,
    own: &[Mapping],
) -> Result<(ExternalChoice, Option<Checked>)> {
    let actor = ctx.actor()?;
    let config = ctx.config()?;
    // A typed ID is checked quietly: a progress bar would draw over the picker.
    let quiet = FetchProgress::new("checking the ID", "pages", false);
    let fetcher = ctx.fetcher(&quiet);
    let checker = Checker { open: &ctx.opener(), config, actor: &actor, fetcher: &fetcher, skip: args.no_verify };
    let checked: RefCell<Option<Checked>> = RefCell::new(None);
    let mapped = crate::commands::discover::mapped_to(ctx, &integration.name)?;
    let listing = match &integration.list_organizations {
        Some(_) => {
            let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
            let listing =
                discovery::discover(&ctx.opener(), integration, DiscoverOptions::default(), &ctx.fetcher(&progress))?;
            progress.finish();
            if let discovery::Origin::Stale(Some(reason)) = &listing.origin {
                ctx.printer.warn(&sanitize(&format!("{reason}; picking from the cached list")));
            }
            Some(listing.cache.organizations)
        }
        None => None,
    };
    let organizations = listing.as_deref().unwrap_or_default();
    let judge = Judge { plan, integration, own, mapped: &mapped };
    let decide = |picked: &Picked| {
        let (id, listed) = match picked {
            Picked::Item(index) => (organizations[*index].id.as_str(), Some(&organizations[*index])),
            Picked::Typed(id) => (id.as_str(), organizations.iter().find(|o| o.id == *id)),
        };
        let verdict = judge.verdict(id, listed);
        if verdict != Verdict::Accept || listed.is_some() || args.no_verify {
            return verdict;
        }
        // Not in the list: ask the external system now rather than after the summary.
        match checker.new_id(&plan.org, &integration.name, id) {
            Ok(found) => {
                *checked.borrow_mut() = Some(found);
                Verdict::Accept
            }
            Err(err) => {
                let message = match &err {
                    Error::Invalid { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                Verdict::Refuse(
                    sanitize(&match err.hint() {
                        Some(hint) => format!("{message}; {hint}"),
                        None => message,
                    })
                    .into_owned(),
                )
            }
        }
    };
    let choice = match listing {
        Some(_) => prompt::external_org(integration, organizations, &mapped, Some(&decide))?,
        None => prompt::external_id(integration, Some(&decide))?,
    };
    Ok((choice, checked.into_inner()))
}

/// Judges an external organization for the org, by what is already mapped.
struct Judge<'a> {
    plan: &'a Plan,
    integration: &'a Integration,
    own: &'a [Mapping],
    mapped: &'a HashMap<String, Vec<String>>,
}

impl Judge<'_> {
    fn verdict(&self, id: &str, listed: Option<&ExternalOrg>) -> Verdict {
        let org = &self.plan.org;
        if let Some(same) = self.own.iter().find(|m| m.external_org_id == id) {
            return Verdict::Refuse(sanitize(&already_mapped(org, same).to_string()).into_owned());
        }
        let mut questions = Vec::new();
        let others: Vec<&str> = self
            .mapped
            .get(id)
            .map(|orgs| orgs.iter().map(String::as_str).filter(|o| o != org).collect())
            .unwrap_or_default();
        if !others.is_empty() && !self.plan.allow_shared {
            questions.push(format!(
                "{} is mapped to {} — map it to {org} too? (--allow-shared)",
                sanitize(id),
                others.join(", ")
            ));
        }
        if listed.is_some_and(|o| !o.active) {
            questions.push(format!("inactive in {} — map it anyway?", sanitize(&self.integration.display_name)));
        }
        if questions.is_empty() { Verdict::Accept } else { Verdict::Ask(questions.join("; ")) }
    }
}

/// The question that confirms the plan.
fn summary(plan: &Plan, active: &[Mapping]) -> Result<String> {
    let name = plan.name.as_deref().map(|n| format!(" \"{}\"", sanitize(n))).unwrap_or_default();
    let id = sanitize(&plan.external_id);
    if let Some(old) = &plan.replace {
        let old_name = old.external_org_name.as_deref().map(|n| format!(" \"{}\"", sanitize(n))).unwrap_or_default();
        return Ok(format!(
            "Replace {}'s {} mapping {}{old_name} with {id}{name}?",
            plan.org,
            plan.integration,
            sanitize(&old.external_org_id)
        ));
    }
    let mut summary = format!("Map {} to {} {id}{name}", plan.org, plan.integration);
    if let Some(label) = &plan.label {
        summary.push_str(&format!(", label \"{}\"", sanitize(label)));
    }
    if !plan.metadata.is_empty() {
        summary.push_str(&format!(", metadata {}", sanitize(&serde_json::to_string(&plan.metadata)?)));
    }
    if plan.alongside && !active.is_empty() {
        summary.push_str(&format!(" (a second {} mapping for {})", plan.integration, plan.org));
    }
    Ok(format!("{summary}?"))
}
