//! Mappings between MSP organizations and external organizations: the spec's
//! get_integration_mapping and set_integration_mapping, and the admin's map, edit and unmap.
//!
//! This module writes; `select` finds the mapping a command means.

mod select;

use select::{candidates, pick_by_prefix};
pub use select::{field, get_mapping, lookup, resolve_mapping, select_mapping};

use super::orgs::require_org;
use super::{Change, authorize};
use crate::config::{Config, Integration};
use crate::domain::{
    AuditEvent, Mapping, MappingLink, MappingSource, Metadata, now, validate_external_id, validate_external_name,
    validate_label, validate_metadata,
};
use crate::error::{Error, Result};
use crate::store::{ReadTx, Store, WriteTx};

/// Changes to metadata: keys to set, then keys to remove.
#[derive(Debug, Clone, Default)]
pub struct MetadataChanges {
    pub set: Metadata,
    pub unset: Vec<String>,
}

impl MetadataChanges {
    fn apply(&self, metadata: &mut Metadata) {
        for (key, value) in &self.set {
            metadata.insert(key.clone(), value.clone());
        }
        for key in &self.unset {
            metadata.remove(key);
        }
    }
}

/// A new mapping, as `map` asks for it.
#[derive(Debug, Clone, Default)]
pub struct NewMapping {
    pub org_id: String,
    pub integration: String,
    pub external_org_id: String,
    pub external_org_name: Option<String>,
    pub label: Option<String>,
    pub metadata: Metadata,
    /// Allow the external ID to be mapped to another org of the same integration too.
    pub allow_shared: bool,
    pub verified: bool,
    /// How it came to be; a manual mapping by the actor when `None`.
    pub source: Option<MappingSource>,
    /// The name the external system gave when the ID was checked.
    pub upstream_name: Option<String>,
    /// Add it beside the org's active mapping(s) of the integration; when `false`, an org that
    /// already has one is refused (a second mapping made by mistake breaks `get`).
    pub alongside: bool,
}

/// Changes to one mapping, as `edit` asks for them; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MappingEdit {
    pub external_org_id: Option<String>,
    /// `Some(None)` clears the name.
    pub external_org_name: Option<Option<String>>,
    /// `Some(None)` clears the label.
    pub label: Option<Option<String>>,
    pub metadata: MetadataChanges,
    pub active: Option<bool>,
    pub allow_shared: bool,
    /// Refuse the edit unless the mapping is still at this revision.
    pub if_revision: Option<u64>,
    /// What checking a new external ID found (see [`crate::ops::verify`]).
    pub checked: Checked,
}

/// What checking an external ID against its system found, to save with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checked {
    /// The ID was found in the external system.
    pub verified: bool,
    /// The name the external system gives it, used when none is given.
    pub name: Option<String>,
    /// The external ID this covers. A change that writes another new ID (the mapping changed
    /// between the check and the write) is refused, so that nothing unchecked slips in.
    pub for_id: Option<String>,
}

impl Checked {
    fn covers(&self, id: &str) -> Result<()> {
        if self.for_id.as_deref() == Some(id) {
            return Ok(());
        }
        Err(Error::conflict(
            "the mapping changed while its external ID was being checked",
            Some("run the command again".into()),
        ))
    }
}

/// The workflow upsert (set_integration_mapping).
#[derive(Debug, Clone, Default)]
pub struct SetMapping {
    pub org_id: String,
    pub integration: String,
    pub external_org_id: String,
    /// Which of several mappings to update.
    pub mapping_id: Option<String>,
    pub external_org_name: Option<String>,
    pub label: Option<String>,
    pub metadata: MetadataChanges,
    pub allow_shared: bool,
    /// What checking the external ID found, used when it is new to the mapping.
    pub checked: Checked,
}

fn validate_values(
    integration: &Integration,
    external_org_id: &str,
    name: Option<&str>,
    label: Option<&str>,
    metadata: &Metadata,
) -> Result<()> {
    validate_external_id(external_org_id, integration.id_pattern.as_ref())?;
    if let Some(name) = name {
        validate_external_name(name)?;
    }
    if let Some(label) = label {
        validate_label(label)?;
    }
    validate_metadata(metadata)
}

/// Refuses an external ID that another mapping of the same integration already uses: on the same
/// org it is a duplicate; on another org it needs `allow_shared`.
fn check_external_id_free(tx: &dyn ReadTx, mapping: &Mapping, allow_shared: bool) -> Result<()> {
    for other in tx.mappings_of_external(&mapping.integration, &mapping.external_org_id)? {
        if other.mapping_id == mapping.mapping_id {
            continue;
        }
        if other.org_id == mapping.org_id {
            let hint = if other.active {
                format!("change that mapping instead: `orgmap edit {}`", other.mapping_id)
            } else {
                format!("that mapping is inactive: reactivate it with `orgmap edit {} --activate`", other.mapping_id)
            };
            return Err(Error::conflict(
                format!(
                    "{} ID '{}' is already mapped to '{}' (mapping {})",
                    mapping.integration, mapping.external_org_id, other.org_id, other.mapping_id
                ),
                Some(hint),
            ));
        }
        if !allow_shared {
            return Err(Error::conflict(
                format!(
                    "{} ID '{}' is already mapped to organization '{}' (mapping {})",
                    mapping.integration, mapping.external_org_id, other.org_id, other.mapping_id
                ),
                Some("pass --allow-shared if both organizations really share this external organization".into()),
            ));
        }
    }
    Ok(())
}

/// Refuses a new mapping for an org that already has an active one of the integration (unless
/// it is the same external ID, which the insert refuses with a more precise message).
fn refuse_second_mapping(tx: &dyn ReadTx, new: &NewMapping) -> Result<()> {
    let existing: Vec<Mapping> =
        tx.mappings_of_org(&new.org_id, Some(&new.integration))?.into_iter().filter(|m| m.active).collect();
    if existing.iter().any(|m| m.external_org_id == new.external_org_id) {
        return Ok(());
    }
    let Some(first) = existing.first() else { return Ok(()) };
    let more = if existing.len() > 1 { format!(" and {} more", existing.len() - 1) } else { String::new() };
    Err(Error::conflict(
        format!(
            "'{}' already has a {} mapping (ID '{}', mapping {}){more}",
            new.org_id, new.integration, first.external_org_id, first.mapping_id
        ),
        Some(format!(
            "to add a second one, pass --add --label LABEL; to change that one, `orgmap edit {}`",
            first.mapping_id
        )),
    ))
}

/// Creates a mapping (`map`): several per org and integration are allowed, once asked for.
pub fn create_mapping(store: &dyn Store, config: &Config, actor: &str, new: NewMapping) -> Result<Mapping> {
    let tx = authorize(store.write()?, actor, "mapping.create", &format!("org:{}", new.org_id))?;
    let org = require_org(&*tx, &new.org_id)?;
    let integration = config.mapping_integration(&new.integration)?;
    validate_values(
        integration,
        &new.external_org_id,
        new.external_org_name.as_deref(),
        new.label.as_deref(),
        &new.metadata,
    )?;
    if !org.active {
        return Err(Error::OrgInactive { org: org.id });
    }
    if !new.alongside {
        refuse_second_mapping(&*tx, &new)?;
    }
    let link = MappingLink {
        org_id: new.org_id,
        integration: new.integration,
        external_org_id: new.external_org_id,
        external_org_name: new.external_org_name,
    };
    let source = new.source.unwrap_or_else(|| MappingSource::manual(actor)).seen_upstream(new.upstream_name.as_deref());
    let mut mapping = Mapping::new(link, new.verified, source, actor, now());
    mapping.label = new.label;
    mapping.metadata = new.metadata;
    insert(tx, actor, mapping, new.allow_shared)
}

fn insert(mut tx: Box<dyn WriteTx + '_>, actor: &str, mapping: Mapping, allow_shared: bool) -> Result<Mapping> {
    check_external_id_free(&*tx, &mapping, allow_shared)?;
    tx.put_mapping(None, &mapping)?;
    tx.append_audit(&AuditEvent::for_mapping(actor, "mapping.create", None, Some(&mapping))?)?;
    tx.commit()?;
    Ok(mapping)
}

/// Writes `after` over `before` unless nothing changed; bumps the revision and audits.
fn update(
    mut tx: Box<dyn WriteTx + '_>,
    actor: &str,
    before: Mapping,
    mut after: Mapping,
    allow_shared: bool,
) -> Result<Change<Mapping>> {
    if after.same_content(&before) {
        return Ok(Change::Unchanged(before));
    }
    if after.external_org_id != before.external_org_id {
        check_external_id_free(&*tx, &after, allow_shared)?;
    }
    after.revision = before.revision + 1;
    after.updated_at = now();
    after.updated_by = actor.to_owned();
    tx.put_mapping(Some(&before), &after)?;
    tx.append_audit(&AuditEvent::for_mapping(actor, "mapping.update", Some(&before), Some(&after))?)?;
    tx.commit()?;
    Ok(Change::Updated(after))
}

/// Changes one mapping (`edit`).
pub fn edit_mapping(
    store: &dyn Store,
    config: &Config,
    actor: &str,
    reference: &str,
    edit: MappingEdit,
) -> Result<Change<Mapping>> {
    let tx = authorize(store.write()?, actor, "mapping.update", &format!("mapping:{reference}"))?;
    let before = resolve_mapping(&*tx, reference)?;
    if let Some(expected) = edit.if_revision
        && expected != before.revision
    {
        return Err(Error::conflict(
            format!(
                "mapping {} is at revision {}, not {expected}: changed by {} at {} since you read it",
                before.mapping_id, before.revision, before.updated_by, before.updated_at
            ),
            Some(format!("look at it again with `orgmap list --org {}` and retry", before.org_id)),
        ));
    }
    let mut after = before.clone();
    if let Some(id) = edit.external_org_id
        && id != before.external_org_id
    {
        edit.checked.covers(&id)?;
        after.external_org_id = id;
        // A name that described the old external organization would now be wrong.
        after.external_org_name = edit.checked.name.clone();
        after.verified = edit.checked.verified;
        after.source = Some(
            after.source.unwrap_or_else(|| MappingSource::manual(actor)).seen_upstream(edit.checked.name.as_deref()),
        );
    }
    if let Some(name) = edit.external_org_name {
        after.external_org_name = name;
    }
    if let Some(label) = edit.label {
        after.label = label;
    }
    edit.metadata.apply(&mut after.metadata);
    if let Some(active) = edit.active {
        after.active = active;
    }
    if after.same_content(&before) {
        return Ok(Change::Unchanged(before));
    }
    let integration = config.mapping_integration(&after.integration)?;
    if after.external_org_id != before.external_org_id {
        validate_external_id(&after.external_org_id, integration.id_pattern.as_ref())?;
    }
    if let Some(name) = after.external_org_name.as_deref() {
        validate_external_name(name)?;
    }
    if let Some(label) = after.label.as_deref() {
        validate_label(label)?;
    }
    validate_metadata(&after.metadata)?;
    update(tx, actor, before, after, edit.allow_shared)
}

/// What `unmap` deleted.
#[derive(Debug, Clone, PartialEq)]
pub enum Deleted {
    Mapping(Box<Mapping>),
    /// A mapping record that could not be read; its stored text is kept in the audit event.
    Unreadable {
        mapping_id: String,
    },
}

/// Deletes one mapping (`unmap`), or a mapping record that cannot be read; returns what it was.
pub fn delete_mapping(store: &dyn Store, actor: &str, mapping_id: &str) -> Result<Deleted> {
    let mut tx = authorize(store.write()?, actor, "mapping.delete", &format!("mapping:{mapping_id}"))?;
    let mapping = match resolve_mapping(&*tx, mapping_id) {
        Ok(mapping) => mapping,
        Err(err @ Error::StoreDamaged { .. }) => {
            let id = mapping_id.trim().to_ascii_uppercase();
            let Some(stored) = tx.remove_unreadable_mapping(&id)? else { return Err(err) };
            let mut event = AuditEvent::new(actor, "mapping.delete", format!("mapping:{id}"));
            event.before = Some(serde_json::json!({ "unreadable": stored }));
            tx.append_audit(&event)?;
            tx.commit()?;
            return Ok(Deleted::Unreadable { mapping_id: id });
        }
        Err(err) => return Err(err),
    };
    tx.delete_mapping(&mapping)?;
    tx.append_audit(&AuditEvent::for_mapping(actor, "mapping.delete", Some(&mapping), None)?)?;
    tx.commit()?;
    Ok(Deleted::Mapping(Box::new(mapping)))
}

/// The workflow upsert (set_integration_mapping): creates the org's mapping for `integration`
/// when it has no active one, updates it when it has exactly one (or `mapping_id` names one), and
/// refuses when several are possible. Runs in one write transaction, so two concurrent calls for
/// an org without a mapping create exactly one.
pub fn set_mapping(store: &dyn Store, config: &Config, actor: &str, request: SetMapping) -> Result<Change<Mapping>> {
    let tx = authorize(store.write()?, actor, "mapping.set", &format!("org:{}", request.org_id))?;
    let org = require_org(&*tx, &request.org_id)?;
    let integration = config.mapping_integration(&request.integration)?;
    validate_values(
        integration,
        &request.external_org_id,
        request.external_org_name.as_deref(),
        request.label.as_deref(),
        &request.metadata.set,
    )?;
    if !org.active {
        return Err(Error::OrgInactive { org: org.id });
    }
    let existing = tx.mappings_of_org(&request.org_id, Some(&request.integration))?;
    let target = match &request.mapping_id {
        Some(reference) => Some(pick_by_prefix(reference, existing)?),
        None => {
            let active: Vec<Mapping> = existing.into_iter().filter(|m| m.active).collect();
            match active.len() {
                0 => None,
                1 => active.into_iter().next(),
                _ => {
                    return Err(Error::AmbiguousMapping {
                        org: request.org_id.clone(),
                        integration: request.integration.clone(),
                        candidates: candidates(&active),
                    });
                }
            }
        }
    };
    match target {
        None => {
            request.checked.covers(&request.external_org_id)?;
            let mut metadata = Metadata::new();
            request.metadata.apply(&mut metadata);
            let link = MappingLink {
                org_id: request.org_id,
                integration: request.integration,
                external_org_id: request.external_org_id,
                external_org_name: request.external_org_name.or(request.checked.name.clone()),
            };
            let source = MappingSource::manual(actor).seen_upstream(request.checked.name.as_deref());
            let mut mapping = Mapping::new(link, request.checked.verified, source, actor, now());
            mapping.label = request.label;
            mapping.metadata = metadata;
            insert(tx, actor, mapping, request.allow_shared).map(Change::Created)
        }
        Some(before) => {
            let mut after = before.clone();
            if after.external_org_id != request.external_org_id {
                request.checked.covers(&request.external_org_id)?;
                after.external_org_id = request.external_org_id;
                after.external_org_name = request.checked.name.clone();
                after.verified = request.checked.verified;
                after.source = Some(
                    after
                        .source
                        .unwrap_or_else(|| MappingSource::manual(actor))
                        .seen_upstream(request.checked.name.as_deref()),
                );
            }
            if let Some(name) = request.external_org_name {
                after.external_org_name = Some(name);
            }
            if let Some(label) = request.label {
                after.label = Some(label);
            }
            request.metadata.apply(&mut after.metadata);
            validate_metadata(&after.metadata)?;
            update(tx, actor, before, after, request.allow_shared)
        }
    }
}
