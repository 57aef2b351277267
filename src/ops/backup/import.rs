//! Importing an export: what each record would do to the store, applied in one transaction.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use serde::Serialize;

use super::Line;
use super::reader::{Checked, Reader};
use crate::config::Config;
use crate::domain::{AuditEvent, Mapping, validate_external_id};
use crate::error::Result;
use crate::ops::authorize;
use crate::store::{AuditOrder, Store};

/// What importing one record would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Conflict,
}

/// A record import would not apply, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub kind: &'static str,
    pub id: String,
    pub reason: String,
}

/// What an import does (or would do), per kind of record.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Plan {
    pub orgs: HashMap<&'static str, u64>,
    pub mappings: HashMap<&'static str, u64>,
    pub access: HashMap<&'static str, u64>,
    pub audit: HashMap<&'static str, u64>,
    pub exclusions: HashMap<&'static str, u64>,
    pub conflicts: Vec<Conflict>,
    pub applied: bool,
}

impl Plan {
    fn count(&mut self, kind: &'static str, action: Action) {
        let name = match action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Conflict => "conflict",
        };
        let table = match kind {
            "org" => &mut self.orgs,
            "mapping" => &mut self.mappings,
            "access" => &mut self.access,
            "exclusion" => &mut self.exclusions,
            _ => &mut self.audit,
        };
        *table.entry(name).or_default() += 1;
    }

    /// Whether applying would change anything.
    pub fn changes(&self) -> bool {
        [&self.orgs, &self.mappings, &self.access, &self.audit, &self.exclusions]
            .iter()
            .any(|t| t.get("create").copied().unwrap_or(0) + t.get("update").copied().unwrap_or(0) > 0)
    }
}

/// Why `config` refuses `mapping` as `map` would: an integration it does not declare or that
/// does not map organizations, or an external ID that does not match its pattern.
fn config_refusal(config: &Config, mapping: &Mapping) -> Option<String> {
    let integration = match config.mapping_integration(&mapping.integration) {
        Ok(integration) => integration,
        Err(err) => return Some(err.to_string()),
    };
    validate_external_id(&mapping.external_org_id, integration.id_pattern.as_ref()).err().map(|err| err.to_string())
}

/// How `import` treats what the config and the store's rules decide.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Accept a mapping whose external ID another organization already maps, as `map
    /// --allow-shared` does.
    pub allow_shared: bool,
}

/// Compares an export (checked whole first, see [`check_export`]) with the store and, unless
/// `dry_run`, applies what is new in one transaction (audited as `store.import`). A record that
/// would overwrite a newer one, or break a rule (a mapping whose organization does not exist, an
/// external ID already mapped elsewhere), is a conflict and is left out.
pub fn import(
    store: &dyn Store,
    config: &Config,
    actor: &str,
    export: impl BufRead,
    checked: &Checked,
    options: ImportOptions,
) -> Result<Plan> {
    let mut tx = authorize(store.write()?, actor, "store.import", "store")?;
    let mut plan = Plan::default();
    let mut audit_ids = AuditIds::default();
    tx.audit(AuditOrder::OldestFirst, &mut |event| {
        audit_ids.insert(&event.id);
        Ok(true)
    })?;
    let imported_orgs = &checked.org_ids;
    let mut reader = Reader::new(export);
    while let Some(line) = reader.next_line()? {
        let line = &line;
        match line {
            Line::Header { .. } => {}
            Line::Org(org) => {
                let action = match tx.org(&org.id)? {
                    None => Action::Create,
                    Some(existing) if existing == *org => Action::Unchanged,
                    Some(existing) if existing.updated_at < org.updated_at => Action::Update,
                    Some(_) => {
                        plan.conflicts.push(Conflict {
                            kind: "org",
                            id: org.id.clone(),
                            reason: "the store's version is as new or newer, and different".into(),
                        });
                        Action::Conflict
                    }
                };
                if matches!(action, Action::Create | Action::Update) {
                    tx.put_org(org)?;
                }
                plan.count("org", action);
            }
            Line::Mapping(mapping) => {
                let existing = tx.mapping(&mapping.mapping_id)?;
                let org_known = imported_orgs.contains(mapping.org_id.as_str()) || tx.org(&mapping.org_id)?.is_some();
                let others: Vec<Mapping> = tx
                    .mappings_of_external(&mapping.integration, &mapping.external_org_id)?
                    .into_iter()
                    .filter(|other| other.mapping_id != mapping.mapping_id)
                    .collect();
                let taken = others.iter().any(|other| other.org_id == mapping.org_id);
                let shared = others.iter().find(|other| other.org_id != mapping.org_id);
                let refused = config_refusal(config, mapping);
                let action = match &existing {
                    _ if refused.is_some() => conflict(&mut plan, mapping, refused.as_deref().unwrap_or_default()),
                    _ if !org_known => {
                        conflict(&mut plan, mapping, "its organization is neither in the store nor in the import")
                    }
                    _ if taken => conflict(
                        &mut plan,
                        mapping,
                        "its organization already maps this external ID in another mapping",
                    ),
                    _ if shared.is_some() && !options.allow_shared => conflict(
                        &mut plan,
                        mapping,
                        &format!(
                            "organization '{}' already maps this external ID; import with --allow-shared if both share it",
                            shared.map(|m| m.org_id.as_str()).unwrap_or_default()
                        ),
                    ),
                    None => Action::Create,
                    Some(current) if current == mapping => Action::Unchanged,
                    Some(current) if current.revision < mapping.revision => Action::Update,
                    Some(_) => conflict(
                        &mut plan,
                        mapping,
                        "the store's version is at the same or a later revision, and different",
                    ),
                };
                if matches!(action, Action::Create | Action::Update) {
                    tx.put_mapping(existing.as_ref(), mapping)?;
                }
                plan.count("mapping", action);
            }
            Line::Access(grant) => {
                let action = match tx.access(&grant.actor)? {
                    None => Action::Create,
                    Some(existing) if existing == *grant => Action::Unchanged,
                    // An import may add permissions, never take them away (it could lock
                    // everyone out): `orgmap access revoke` does that, with its safeguard.
                    Some(existing) if existing.can_manage_config() && !grant.can_manage_config() => {
                        plan.conflicts.push(Conflict {
                            kind: "access",
                            id: grant.actor.clone(),
                            reason: "it would take manage-config away; use `orgmap access revoke`".into(),
                        });
                        Action::Conflict
                    }
                    Some(_) => Action::Update,
                };
                if matches!(action, Action::Create | Action::Update) {
                    tx.put_access(grant)?;
                }
                plan.count("access", action);
            }
            Line::Exclusion(exclusion) => {
                let existing = crate::ops::exclusions::find(&*tx, &exclusion.org_id, &exclusion.integration)?;
                let org_known =
                    imported_orgs.contains(exclusion.org_id.as_str()) || tx.org(&exclusion.org_id)?.is_some();
                let action = match existing {
                    _ if !org_known => {
                        plan.conflicts.push(Conflict {
                            kind: "exclusion",
                            id: format!("{}/{}", exclusion.org_id, exclusion.integration),
                            reason: "its organization is neither in the store nor in the import".into(),
                        });
                        Action::Conflict
                    }
                    None => Action::Create,
                    Some(current) if current == *exclusion => Action::Unchanged,
                    Some(_) => Action::Update,
                };
                if matches!(action, Action::Create | Action::Update) {
                    tx.put_exclusion(exclusion)?;
                }
                plan.count("exclusion", action);
            }
            Line::Audit(event) => {
                let action = if audit_ids.insert(&event.id) { Action::Create } else { Action::Unchanged };
                if action == Action::Create {
                    tx.import_audit(event)?;
                }
                plan.count("audit", action);
            }
        }
    }
    if options.dry_run || !plan.changes() {
        return Ok(plan);
    }
    let mut event = AuditEvent::new(actor, "store.import", "store".into());
    event.after = Some(serde_json::to_value(&plan)?);
    tx.append_audit(&event)?;
    tx.commit()?;
    plan.applied = true;
    Ok(plan)
}

/// The IDs of the audit events in the store: ULIDs as 16 bytes, a sixth of them as text, so
/// that importing into a store with a long log stays small.
#[derive(Default)]
struct AuditIds {
    ulids: HashSet<u128>,
    others: HashSet<String>,
}

impl AuditIds {
    /// Whether `id` is new.
    fn insert(&mut self, id: &str) -> bool {
        match ulid::Ulid::from_string(id) {
            Ok(ulid) if ulid.to_string() == id => self.ulids.insert(ulid.0),
            _ => self.others.insert(id.to_owned()),
        }
    }
}

fn conflict(plan: &mut Plan, mapping: &Mapping, reason: &str) -> Action {
    plan.conflicts.push(Conflict { kind: "mapping", id: mapping.mapping_id.clone(), reason: reason.into() });
    Action::Conflict
}
