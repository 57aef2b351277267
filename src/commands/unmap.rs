//! `orgmap unmap`: delete a mapping.

use clap::Args;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ops::mappings::Deleted;
use crate::ops::{self, mappings};
use crate::output::sanitize;
use crate::output::views::MappingView;
use crate::store::Access;

/// Delete a mapping
///
/// Name it by its ID (or a unique prefix), or by integration and organization. On a terminal you
/// are asked to confirm; elsewhere pass --yes. On a terminal, a missing mapping, or a missing
/// --org after an integration, is picked from a list.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap unmap 01JD3Q
  orgmap unmap halopsa --org acme --yes
  orgmap unmap m365 --org acme --mapping-id 01JD3Q --yes")]
pub struct UnmapArgs {
    /// A mapping ID (or unique prefix), or an integration name together with --org [picked on a
    /// terminal when missing]
    pub target: Option<String>,
    /// The organization, when TARGET is an integration [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// Which of several mappings, when TARGET is an integration
    #[arg(long, value_name = "ID")]
    pub mapping_id: Option<String>,
    /// Delete without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run(ctx: &Ctx, args: UnmapArgs) -> Result<()> {
    if !args.yes && !ctx.can_prompt() {
        return Err(Error::usage("deleting a mapping needs confirmation", "pass --yes to delete without asking"));
    }
    let target = super::mapping_reference(ctx, args.target.as_deref(), "unmap")?;
    let actor = ctx.actor()?;
    ops::check_permission(&*ctx.store(Access::Write)?, &actor, "mapping.delete", &format!("mapping:{target}"))?;
    let found = {
        let store = ctx.store(Access::Read)?;
        let tx = store.read()?;
        if ctx.config()?.integrations.contains_key(&target) {
            match args.org.as_deref() {
                Some(org) => mappings::select_mapping(&*tx, org, &target, args.mapping_id.as_deref()),
                // On a terminal, the mapping is picked among the integration's.
                None if ctx.can_prompt() => {
                    let of_integration = tx.mappings_of_integration(&target)?;
                    drop(tx);
                    drop(store);
                    if of_integration.is_empty() {
                        return Err(Error::MappingNotFound { reference: format!("any {target} mapping") });
                    }
                    Ok(crate::prompt::mapping(&of_integration)?)
                }
                None => Err(Error::usage(
                    "no organization given",
                    "pass --org ORG (or set ORGMAP_ORG), or run orgmap on a terminal to pick the mapping",
                )),
            }
        } else {
            mappings::resolve_mapping(&*tx, &target)
        }
    };
    let mapping_id = match found {
        Ok(mapping) => {
            let question = format!(
                "Delete mapping {} ({} → {} {}{})?",
                mapping.mapping_id,
                mapping.org_id,
                mapping.integration,
                sanitize(&mapping.external_org_id),
                mapping.external_org_name.as_deref().map(|n| format!(" \"{}\"", sanitize(n))).unwrap_or_default(),
            );
            confirm(&args, &question)?;
            mapping.mapping_id
        }
        // A record that cannot be read can still be deleted by its whole ID.
        Err(err @ Error::StoreDamaged { .. }) => {
            ctx.printer.warn(&err.to_string());
            confirm(&args, &format!("Mapping {} cannot be read. Delete it?", sanitize(&target)))?;
            target
        }
        Err(err) => return Err(err),
    };
    let store = ctx.store(Access::Write)?;
    let deleted = mappings::delete_mapping(&*store, &actor, &mapping_id)?;
    drop(store);
    match deleted {
        Deleted::Mapping(deleted) => {
            if ctx.printer.json {
                return ctx.printer.json(&serde_json::json!({ "deleted": MappingView::from(&*deleted) }));
            }
            ctx.printer.status(&format!(
                "deleted mapping {} ({} → {} {})",
                deleted.mapping_id,
                deleted.org_id,
                deleted.integration,
                sanitize(&deleted.external_org_id)
            ));
        }
        Deleted::Unreadable { mapping_id } => {
            if ctx.printer.json {
                return ctx
                    .printer
                    .json(&serde_json::json!({ "deleted": { "mapping_id": mapping_id, "unreadable": true } }));
            }
            ctx.printer.status(&format!(
                "deleted mapping {mapping_id}, which could not be read (its stored text is in the audit log)"
            ));
        }
    }
    Ok(())
}

fn confirm(args: &UnmapArgs, question: &str) -> Result<()> {
    if args.yes || crate::prompt::confirm(question, false)? { Ok(()) } else { Err(Error::Cancelled) }
}
