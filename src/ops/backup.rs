//! Export and import: everything a store holds (organizations, mappings, access grants, the audit
//! log) as JSON lines, so that a store can be backed up, restored, or moved. Import shows what it
//! would do (create, update, unchanged, conflict), applies it in one transaction, and applies
//! again to no effect. Caches and test results are not exported: they are fetched again.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::authorize;
use crate::config::Config;
use crate::domain::{AccessGrant, AuditEvent, Exclusion, Mapping, Org, check_numbers_exact, now, validate_external_id};
use crate::error::{Error, Result};
use crate::store::{AuditOrder, Store};

/// The first line of an export.
const FORMAT: &str = "orgmap-export";
const FORMAT_VERSION: u32 = 1;
/// The shape of the records in an export (their JSON fields), whatever the store keeps them in.
const RECORD_SCHEMA_VERSION: u32 = 1;
/// Lines longer than this are refused: no record is that big.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// One line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum Line {
    Header { format: String, version: u32, schema_version: u32, exported_at: String },
    Org(Org),
    Mapping(Mapping),
    Access(AccessGrant),
    Audit(AuditEvent),
    Exclusion(Exclusion),
}

/// How many records an export wrote.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Counts {
    pub orgs: u64,
    pub mappings: u64,
    pub access: u64,
    pub audit: u64,
    pub exclusions: u64,
}

/// Writes the whole store to `out`, oldest audit events first.
pub fn export(store: &dyn Store, out: &mut dyn Write) -> Result<Counts> {
    let tx = store.read()?;
    let mut counts = Counts::default();
    let write = |line: &Line, out: &mut dyn Write| -> Result<()> {
        serde_json::to_writer(&mut *out, line)?;
        out.write_all(b"\n")?;
        Ok(())
    };
    write(
        &Line::Header {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            schema_version: RECORD_SCHEMA_VERSION,
            exported_at: now().to_string(),
        },
        out,
    )?;
    for org in tx.orgs()? {
        write(&Line::Org(org), out)?;
        counts.orgs += 1;
    }
    tx.for_each_mapping(&mut |mapping| {
        write(&Line::Mapping(mapping), out)?;
        counts.mappings += 1;
        Ok(())
    })?;
    for grant in tx.access_list()? {
        write(&Line::Access(grant), out)?;
        counts.access += 1;
    }
    for exclusion in tx.exclusions()? {
        write(&Line::Exclusion(exclusion), out)?;
        counts.exclusions += 1;
    }
    tx.audit(AuditOrder::OldestFirst, &mut |event| {
        write(&Line::Audit(event), out)?;
        counts.audit += 1;
        Ok(true)
    })?;
    out.flush()?;
    Ok(counts)
}

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

/// Reads an export line by line, checking every record as if it were typed in.
pub struct Reader<R: BufRead> {
    input: R,
    buffer: Vec<u8>,
    number: u64,
    records: u64,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        Reader { input, buffer: Vec::new(), number: 0, records: 0 }
    }

    /// The next record; `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<Line>> {
        loop {
            self.buffer.clear();
            let read =
                std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut self.buffer)?;
            if read == 0 {
                if self.records == 0 {
                    return Err(Error::invalid("export", "the file is empty"));
                }
                return Ok(None);
            }
            self.number += 1;
            let number = self.number;
            if self.buffer.len() > MAX_LINE_BYTES {
                return Err(Error::invalid("export", format!("line {number} is longer than 16 MB")));
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let not_a_record = |err: serde_json::Error| {
                Error::invalid("export", format!("line {number} is not an orgmap export record: {err}"))
            };
            // Read as the store reads records, so that an export of anything stored reads back.
            let value: serde_json::Value = crate::store::codec::from_json(&self.buffer).map_err(|err| {
                Error::invalid("export", format!("line {number} is not an orgmap export record: {err}"))
            })?;
            // Numbers must come in as they were written, as they do through `--meta-json`.
            check_numbers_exact(&String::from_utf8_lossy(&self.buffer))
                .map_err(|why| Error::invalid("export", format!("line {number}: {why}")))?;
            // No store can keep a NUL character (PostgreSQL refuses it in text): refuse it here.
            if holds_nul(&value) {
                return Err(Error::invalid("export", format!("line {number} holds a NUL character")));
            }
            let mut line: Line = Line::deserialize(&value).map_err(not_a_record)?;
            check(&line).map_err(|err| Error::invalid("export", format!("line {number}: {err}")))?;
            to_microseconds(&mut line);
            if self.records == 0 && !matches!(line, Line::Header { .. }) {
                return Err(Error::Invalid {
                    what: "export".into(),
                    message: "the first line is not an orgmap export header".into(),
                    hint: Some("import files written by `orgmap export`".into()),
                });
            }
            self.records += 1;
            return Ok(Some(line));
        }
    }
}

/// What a first reading of an export found: every line is a valid record, and these are the
/// organizations it holds (a mapping may come before its organization).
#[derive(Debug, Default)]
pub struct Checked {
    org_ids: HashSet<String>,
}

/// Reads a whole export to check it, keeping only the organizations' IDs: an export is checked
/// whole before the store is touched, then read again to be applied.
pub fn check_export(input: impl BufRead) -> Result<Checked> {
    let mut reader = Reader::new(input);
    let mut checked = Checked::default();
    while let Some(line) = reader.next_line()? {
        if let Line::Org(org) = line {
            checked.org_ids.insert(org.id);
        }
    }
    Ok(checked)
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(key, item)| key.contains('\0') || holds_nul(item)),
        _ => false,
    }
}

/// Times as every store keeps them: orgmap's own have no finer part, and an import must give
/// the same records (and stay idempotent) on every backend.
fn to_microseconds(line: &mut Line) {
    use crate::domain::to_microseconds as micros;
    match line {
        Line::Header { .. } => {}
        Line::Org(org) => {
            org.created_at = micros(org.created_at);
            org.updated_at = micros(org.updated_at);
        }
        Line::Mapping(m) => {
            m.created_at = micros(m.created_at);
            m.updated_at = micros(m.updated_at);
        }
        Line::Access(grant) => grant.granted_at = micros(grant.granted_at),
        Line::Exclusion(exclusion) => exclusion.created_at = micros(exclusion.created_at),
        Line::Audit(event) => event.at = micros(event.at),
    }
}

fn check(line: &Line) -> Result<()> {
    match line {
        Line::Header { format, version, schema_version, .. } => {
            if format != FORMAT || *version > FORMAT_VERSION || *schema_version > RECORD_SCHEMA_VERSION {
                return Err(Error::Invalid {
                    what: "export".into(),
                    message: format!(
                        "format {format} version {version} (schema {schema_version}) is not one this orgmap reads"
                    ),
                    hint: Some("import it with the orgmap version that wrote it, or a newer one".into()),
                });
            }
            Ok(())
        }
        // The rules every stored record obeys, as when it is typed in; the config's rules (the
        // integration, its ID pattern, sharing) are applied against the store by `import`.
        Line::Org(org) => org.validate(),
        Line::Mapping(m) => m.validate(),
        Line::Access(grant) => grant.validate(),
        Line::Audit(event) => event.validate(),
        Line::Exclusion(exclusion) => exclusion.validate(),
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

/// Compares `lines` with the store and, unless `dry_run`, applies what is new in one transaction
/// (audited as `store.import`). A record that would overwrite a newer one, or break a rule (a
/// mapping whose organization does not exist, an external ID already mapped elsewhere), is a
/// conflict and is left out.
/// How `import` treats what the config and the store's rules decide.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Accept a mapping whose external ID another organization already maps, as `map
    /// --allow-shared` does.
    pub allow_shared: bool,
}

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
                let existing = super::exclusions::find(&*tx, &exclusion.org_id, &exclusion.integration)?;
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
