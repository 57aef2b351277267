//! `orgmap edit`: change one mapping.

use clap::Args;

use super::MetaChangeArgs;
use crate::context::Ctx;
use crate::domain::{ExternalOrg, Mapping};
use crate::error::{Error, Result};
use crate::ops::Change;
use crate::ops::discovery::{self, DiscoverOptions};
use crate::ops::mappings::{self, MappingEdit};
use crate::ops::verify::Checker;
use crate::output::picker::{Picked, Verdict};
use crate::output::progress::FetchProgress;
use crate::output::sanitize;
use crate::output::views::{MappingChangeView, MappingView};
use crate::prompt;
use crate::store::Access;

/// Change one mapping
///
/// Name the mapping by its ID or a unique prefix of it (at least 4 characters). Changing the
/// external ID clears the stored external name unless --name gives the new one. With
/// --if-revision the edit is refused when someone changed the mapping since you read it. On a
/// terminal, with no change given, you are asked what to change.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap edit 01JD3Q --label production
  orgmap edit 01JD3Q --external-id 12346 --name \"Acme Corp (new)\"
  orgmap edit 01JD3Q --meta region=us --unset-meta legacy
  orgmap edit 01JD3Q --deactivate --if-revision 3
  orgmap edit             (on a terminal: pick the mapping and what to change)")]
pub struct EditArgs {
    /// The mapping ID, or a unique prefix of it [picked on a terminal when missing]
    pub mapping: Option<String>,
    /// A new external organization ID
    #[arg(long)]
    pub external_id: Option<String>,
    /// A new external organization name
    #[arg(long, conflicts_with = "clear_name")]
    pub name: Option<String>,
    /// Remove the external organization name
    #[arg(long)]
    pub clear_name: bool,
    /// A new label
    #[arg(long, conflicts_with = "clear_label")]
    pub label: Option<String>,
    /// Remove the label
    #[arg(long)]
    pub clear_label: bool,
    #[command(flatten)]
    pub meta: MetaChangeArgs,
    /// Make the mapping usable by workflows again
    #[arg(long, conflicts_with = "deactivate")]
    pub activate: bool,
    /// Keep the mapping but hide it from workflows
    #[arg(long)]
    pub deactivate: bool,
    /// Refuse the edit unless the mapping is still at this revision
    #[arg(long, value_name = "N")]
    pub if_revision: Option<u64>,
    /// Allow the new external ID to be mapped to another organization too
    #[arg(long)]
    pub allow_shared: bool,
    /// Save without checking the ID with the external system (the mapping is marked unverified)
    #[arg(long)]
    pub no_verify: bool,
}

impl EditArgs {
    /// Whether any change is given.
    fn changes_something(&self) -> bool {
        self.external_id.is_some()
            || self.name.is_some()
            || self.clear_name
            || self.label.is_some()
            || self.clear_label
            || !self.meta.set.meta.is_empty()
            || !self.meta.set.meta_json.is_empty()
            || !self.meta.unset_meta.is_empty()
            || self.activate
            || self.deactivate
    }
}

/// Asks what to change in the mapping, and to what; fills that into `args`.
fn ask_change(ctx: &Ctx, reference: &str, args: &mut EditArgs) -> Result<()> {
    let mapping = {
        let store = ctx.store(Access::Read)?;
        let tx = store.read()?;
        mappings::resolve_mapping(&*tx, reference)?
    };
    let now = |value: Option<&str>| value.map_or("none".to_owned(), |v| sanitize(v).into_owned());
    let choices = [
        format!("External organization (now {})", sanitize(&mapping.external_org_id)),
        format!("Name (now {})", now(mapping.external_org_name.as_deref())),
        format!("Label (now {})", now(mapping.label.as_deref())),
        "Metadata (add or change a key)".to_owned(),
        if mapping.active { "Deactivate (hide it from workflows)" } else { "Activate" }.to_owned(),
        "Cancel".to_owned(),
    ];
    let choices: Vec<&str> = choices.iter().map(String::as_str).collect();
    let any_text = |_: &str| Ok(());
    match prompt::choose("Change what?", &choices)? {
        0 => {
            let choice = another_external_org(ctx, &mapping)?;
            args.allow_shared |= choice.agreed;
            if args.name.is_none() {
                args.name = choice.name;
            }
            args.external_id = Some(choice.id);
        }
        1 => match prompt::text(
            "Name (empty to remove):",
            mapping.external_org_name.as_deref().unwrap_or(""),
            true,
            &any_text,
        )? {
            Some(name) => args.name = Some(name),
            None => args.clear_name = true,
        },
        2 => {
            let check = |text: &str| crate::domain::validate_label(text).map_err(|e| e.to_string());
            match prompt::text("Label (empty to remove):", mapping.label.as_deref().unwrap_or(""), true, &check)? {
                Some(label) => args.label = Some(label),
                None => args.clear_label = true,
            }
        }
        3 => {
            let entries = prompt::metadata()?;
            args.meta.set.meta_json = entries.into_iter().collect();
        }
        4 if mapping.active => args.deactivate = true,
        4 => args.activate = true,
        _ => return Err(Error::Cancelled),
    }
    Ok(())
}

/// Another external organization for `mapping`: picked from the discovered list (or typed) when
/// the integration has one, else typed. The current one is refused, one mapped to another
/// organization questioned, where they are chosen.
fn another_external_org(ctx: &Ctx, mapping: &Mapping) -> Result<prompt::ExternalChoice> {
    let integration = ctx.config()?.mapping_integration(&mapping.integration)?;
    let mapped = super::discover::mapped_to(ctx, &integration.name)?;
    let decide = |picked: &Picked, organizations: &[ExternalOrg]| {
        let id = match picked {
            Picked::Item(index) => organizations[*index].id.as_str(),
            Picked::Typed(id) => id.as_str(),
        };
        let others: Vec<&str> = mapped
            .get(id)
            .map(|orgs| orgs.iter().map(String::as_str).filter(|o| *o != mapping.org_id).collect())
            .unwrap_or_default();
        if id == mapping.external_org_id {
            Verdict::Refuse("that is the one it has".into())
        } else if others.is_empty() {
            Verdict::Accept
        } else {
            Verdict::Ask(format!(
                "{} is mapped to {} — map it to {} too? (--allow-shared)",
                sanitize(id),
                others.join(", "),
                mapping.org_id
            ))
        }
    };
    if integration.list_organizations.is_none() {
        let typed = |picked: &Picked| decide(picked, &[]);
        return prompt::external_id(integration, Some(&typed));
    }
    let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
    let listing = discovery::discover(&ctx.opener(), integration, DiscoverOptions::default(), &ctx.fetcher(&progress))?;
    progress.finish();
    let organizations = &listing.cache.organizations;
    let listed = |picked: &Picked| decide(picked, organizations);
    prompt::external_org(integration, organizations, &mapped, Some(&listed))
}

pub fn run(ctx: &Ctx, mut args: EditArgs) -> Result<()> {
    let reference = super::mapping_reference(ctx, args.mapping.as_deref(), "edit")?;
    if !args.changes_something() && ctx.can_prompt() {
        ask_change(ctx, &reference, &mut args)?;
    }
    let config = ctx.config()?;
    let actor = ctx.actor()?;
    let progress = FetchProgress::new("checking the ID", "pages", ctx.show_progress());
    let fetcher = ctx.fetcher(&progress);
    let checker = Checker { open: &ctx.opener(), config, actor: &actor, fetcher: &fetcher, skip: args.no_verify };
    let checked = checker.for_edit(&reference, args.external_id.as_deref())?;
    progress.finish();
    let edit = MappingEdit {
        external_org_id: args.external_id,
        external_org_name: if args.clear_name { Some(None) } else { args.name.map(Some) },
        label: if args.clear_label { Some(None) } else { args.label.map(Some) },
        metadata: args.meta.changes()?,
        active: match (args.activate, args.deactivate) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        allow_shared: args.allow_shared,
        if_revision: args.if_revision,
        checked,
    };
    let store = ctx.store(Access::Write)?;
    let change = mappings::edit_mapping(&*store, config, &actor, &reference, edit)?;
    drop(store);
    report(ctx, &change)
}

/// Reports a change to a mapping: JSON, or a status line and the mapping ID.
pub fn report(ctx: &Ctx, change: &Change<crate::domain::Mapping>) -> Result<()> {
    let mapping = change.value();
    if ctx.printer.json {
        return ctx.printer.json(&MappingChangeView { outcome: change.outcome(), mapping: MappingView::from(mapping) });
    }
    ctx.printer.status(&format!(
        "{} mapping {} ({} {} for {}, revision {})",
        change.outcome(),
        mapping.mapping_id,
        mapping.integration,
        crate::output::sanitize(&mapping.external_org_id),
        mapping.org_id,
        mapping.revision
    ));
    ctx.printer.line(&mapping.mapping_id)
}
