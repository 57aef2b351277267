//! Transactions on the PostgreSQL store. A read is a read-only, repeatable-read snapshot; a write
//! holds the store's advisory lock until it commits or rolls back.
//!
//! Long reads (every mapping, the audit log) come in batches by key, so that the caller may use
//! the transaction between rows and memory stays flat.

use std::cell::Cell;
use std::time::SystemTime;

use jiff::Timestamp;
use postgres::Row;
use postgres::types::{ToSql, Type};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{PostgresStore, WRITE_LOCK};
use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Exclusion, Mapping, Org, Outcome, TestResult};
use crate::error::{Error, Result};
use crate::store::{AuditOrder, ReadTx, WriteTx};

/// Rows fetched at a time by the streaming reads.
const BATCH: i64 = 1000;

const MAPPING_COLUMNS: &str = "mapping_id, org_id, integration, external_org_id, external_org_name, label, metadata, \
     active, verified, revision, created_at, created_by, updated_at, updated_by, source";
const ORG_COLUMNS: &str = "id, name, active, created_at, created_by, updated_at, updated_by, domains, aliases";
const AUDIT_COLUMNS: &str = "seq, id, at, actor, db_role, action, target, org_id, integration, before, after, outcome";

pub(super) struct PgTx<'s> {
    store: &'s PostgresStore,
    writable: bool,
    /// Whether this transaction is open on the server (and so must end when dropped).
    open: bool,
    /// A statement failed: the server has aborted the transaction, so it cannot commit.
    failed: Cell<bool>,
}

/// Parameters with their types: the server needs no separate round trip to describe a statement.
type Params<'a> = &'a [(&'a (dyn ToSql + Sync), Type)];

const TEXT: Type = Type::TEXT;
const INT8: Type = Type::INT8;
const BOOL: Type = Type::BOOL;
const JSON: Type = Type::JSON;
const TIMESTAMPTZ: Type = Type::TIMESTAMPTZ;
const TEXT_ARRAY: Type = Type::TEXT_ARRAY;

const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

impl<'s> PgTx<'s> {
    pub(super) fn begin_read(store: &'s PostgresStore) -> Result<PgTx<'s>> {
        PgTx::begin(store, false, BEGIN_READ.to_owned())
    }

    pub(super) fn begin_write(store: &'s PostgresStore) -> Result<PgTx<'s>> {
        // Writers queue on the lock for at most ORGMAP_LOCK_TIMEOUT, as on the embedded store
        // (0 would mean "forever" to the server: wait at least a millisecond).
        let wait_ms = store.lock_timeout.as_millis().clamp(1, i32::MAX as u128);
        let begin = format!("BEGIN; SET LOCAL lock_timeout = {wait_ms}; SELECT pg_advisory_xact_lock({WRITE_LOCK})");
        PgTx::begin(store, true, begin)
    }

    /// One connection holds one transaction at a time: a second `BEGIN` would silently join the
    /// first, and its `COMMIT` end both.
    fn begin(store: &'s PostgresStore, writable: bool, begin: String) -> Result<PgTx<'s>> {
        if store.in_transaction.replace(true) {
            return Err(Error::Internal("a second transaction was begun while one was open".into()));
        }
        let mut tx = PgTx { store, writable, open: true, failed: Cell::new(false) };
        let begun = store.client().batch_execute(&begin);
        if let Err(err) = begun {
            // The transaction may have begun before the lock failed: end it here.
            let _ = store.client().batch_execute("ROLLBACK");
            tx.open = false;
            return Err(store.error(err));
        }
        Ok(tx)
    }

    /// Runs a statement; a failure aborts a write transaction for good, while a read
    /// transaction starts a fresh snapshot so that a caller that reports one unreadable record
    /// (`doctor`) can go on reading the others.
    fn run<T>(&self, statement: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>) -> Result<T> {
        if self.failed.get() {
            return Err(Error::Internal("a statement was run in a failed transaction".into()));
        }
        let result = statement(&mut self.store.client());
        result.map_err(|err| {
            if self.writable {
                self.failed.set(true);
            } else {
                let mut client = self.store.client();
                if client.batch_execute("ROLLBACK").and_then(|()| client.batch_execute(BEGIN_READ)).is_err() {
                    self.failed.set(true);
                }
            }
            self.store.error(err)
        })
    }

    /// Runs statements without parameters (schema changes, role setup).
    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        self.run(|client| client.batch_execute(sql))
    }

    fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        self.run(|client| client.query_typed(sql, params))
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64> {
        self.run(|client| client.execute_typed(sql, params))
    }

    /// Applies the migrations this binary knows that the store lacks, within this (write)
    /// transaction; `role_prefix` is recorded for a new store.
    pub(super) fn migrate(&self, role_prefix: Option<&str>) -> Result<super::Migrated> {
        self.batch(super::schema::BOOTSTRAP)?;
        let rows = self.query("SELECT value FROM orgmap.meta WHERE key = 'schema_version'", &[])?;
        let from = match rows.first() {
            Some(row) => {
                let text: String = self.get(row, "schema version", 0)?;
                text.parse::<u32>().map_err(|_| self.damaged("schema version", format!("{text:?} is not a number")))?
            }
            None => 0,
        };
        let to = super::schema::SCHEMA_VERSION;
        if from > to {
            return Err(Error::StoreTooNew { path: self.store.location.as_path(), found: from, supported: to });
        }
        for step in &super::schema::MIGRATIONS[from as usize..] {
            self.batch(step)?;
        }
        self.execute(
            "INSERT INTO orgmap.meta (key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[(&to.to_string(), TEXT)],
        )?;
        if let Some(prefix) = role_prefix {
            self.execute(
                "INSERT INTO orgmap.meta (key, value) VALUES ('role_prefix', $1) ON CONFLICT (key) DO NOTHING",
                &[(&prefix, TEXT)],
            )?;
        }
        // New tables need the roles' grants too; granting again is harmless.
        if from > 0 && from < to {
            let rows = self.query("SELECT value FROM orgmap.meta WHERE key = 'role_prefix'", &[])?;
            if let Some(row) = rows.first() {
                let prefix: String = self.get(row, "role prefix", 0)?;
                let roles = super::checked_roles(&self.store.location, &prefix)?;
                let rows = self.query(
                    "SELECT count(*) = 2 FROM pg_roles WHERE rolname IN ($1, $2)",
                    &[(&roles.manager, TEXT), (&roles.reader, TEXT)],
                )?;
                if rows.first().is_some_and(|row| row.get::<_, bool>(0)) {
                    self.batch(&super::schema::role_setup_sql(&roles))?;
                }
            }
        }
        Ok(super::Migrated { from, to })
    }

    fn damaged(&self, what: &str, detail: impl std::fmt::Display) -> Error {
        Error::StoreDamaged {
            path: self.store.location.as_path(),
            detail: format!("a stored {what} cannot be read: {detail}"),
        }
    }

    fn get<'r, T: postgres::types::FromSql<'r>>(&self, row: &'r Row, what: &str, column: usize) -> Result<T> {
        row.try_get(column).map_err(|err| self.damaged(what, err))
    }

    fn time(&self, row: &Row, what: &str, column: usize) -> Result<Timestamp> {
        let at: SystemTime = self.get(row, what, column)?;
        Timestamp::try_from(at).map_err(|err| self.damaged(what, err))
    }

    fn record<T: DeserializeOwned>(&self, row: &Row, what: &str, column: usize) -> Result<T> {
        let text: JsonText = self.get(row, what, column)?;
        crate::store::codec::from_json(&text.0).map_err(|err| self.damaged(what, err))
    }

    fn optional_record(&self, row: &Row, what: &str, column: usize) -> Result<Option<Value>> {
        let text: Option<JsonText> = self.get(row, what, column)?;
        text.map(|text| crate::store::codec::from_json(&text.0).map_err(|err| self.damaged(what, err))).transpose()
    }

    fn mapping(&self, row: &Row) -> Result<Mapping> {
        let what = "mapping";
        let revision: i64 = self.get(row, what, 9)?;
        Ok(Mapping {
            mapping_id: self.get(row, what, 0)?,
            org_id: self.get(row, what, 1)?,
            integration: self.get(row, what, 2)?,
            external_org_id: self.get(row, what, 3)?,
            external_org_name: self.get(row, what, 4)?,
            label: self.get(row, what, 5)?,
            metadata: self.record(row, what, 6)?,
            active: self.get(row, what, 7)?,
            verified: self.get(row, what, 8)?,
            revision: u64::try_from(revision).map_err(|err| self.damaged(what, err))?,
            created_at: self.time(row, what, 10)?,
            created_by: self.get(row, what, 11)?,
            updated_at: self.time(row, what, 12)?,
            updated_by: self.get(row, what, 13)?,
            source: self
                .optional_record(row, what, 14)?
                .map(serde_json::from_value)
                .transpose()
                .map_err(|err| self.damaged(what, err))?,
        })
    }

    fn mappings(&self, sql: &str, params: Params<'_>) -> Result<Vec<Mapping>> {
        self.query(sql, params)?.iter().map(|row| self.mapping(row)).collect()
    }

    fn org_from(&self, row: &Row) -> Result<Org> {
        let what = "organization";
        Ok(Org {
            id: self.get(row, what, 0)?,
            name: self.get(row, what, 1)?,
            active: self.get(row, what, 2)?,
            created_at: self.time(row, what, 3)?,
            created_by: self.get(row, what, 4)?,
            updated_at: self.time(row, what, 5)?,
            updated_by: self.get(row, what, 6)?,
            domains: self.get(row, what, 7)?,
            aliases: self.get(row, what, 8)?,
        })
    }

    fn grant_from(&self, row: &Row) -> Result<AccessGrant> {
        let what = "access grant";
        Ok(AccessGrant {
            actor: self.get(row, what, 0)?,
            permissions: self.get(row, what, 1)?,
            granted_at: self.time(row, what, 2)?,
            granted_by: self.get(row, what, 3)?,
        })
    }

    fn audit_from(&self, row: &Row) -> Result<AuditEvent> {
        let what = "audit event";
        let outcome: String = self.get(row, what, 11)?;
        Ok(AuditEvent {
            id: self.get(row, what, 1)?,
            at: self.time(row, what, 2)?,
            actor: self.get(row, what, 3)?,
            db_role: self.get(row, what, 4)?,
            action: self.get(row, what, 5)?,
            target: self.get(row, what, 6)?,
            org_id: self.get(row, what, 7)?,
            integration: self.get(row, what, 8)?,
            before: self.optional_record(row, what, 9)?,
            after: self.optional_record(row, what, 10)?,
            outcome: serde_json::from_value(Value::String(outcome)).map_err(|err| self.damaged(what, err))?,
        })
    }

    /// Rows that do not read back as records, for `doctor`.
    pub(super) fn verify(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut last = String::new();
        loop {
            let rows = self.query(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE mapping_id > $1 ORDER BY mapping_id LIMIT $2"
                ),
                &[(&last, TEXT), (&BATCH, INT8)],
            )?;
            let Some(final_row) = rows.last() else { break };
            last = final_row.try_get(0).map_err(|err| self.damaged("mapping", err))?;
            for row in &rows {
                if let Err(err) = self.mapping(row) {
                    problems.push(err.to_string());
                }
            }
        }
        for (table, column) in [("discovery", "integration"), ("test_results", "mapping_id")] {
            for row in self.query(&format!("SELECT {column}, record FROM orgmap.{table}"), &[])? {
                let key: String = self.get(&row, table, 0)?;
                let readable = if table == "discovery" {
                    self.record::<DiscoveryCache>(&row, "discovery cache", 1).is_ok()
                } else {
                    self.record::<TestResult>(&row, "test result", 1).is_ok()
                };
                if !readable {
                    problems.push(format!("{table} {key} cannot be read"));
                }
            }
        }
        Ok(problems)
    }
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report if the connection is gone: the server rolls back anyway.
            let _ = self.store.client().batch_execute("ROLLBACK");
        }
        self.store.in_transaction.set(false);
    }
}

/// A `json` or `jsonb` column as its text, so that it is read as every stored record is (see
/// `store::codec`), without serde_json's nesting limit that the client library's own conversion
/// keeps.
struct JsonText(Vec<u8>);

impl<'a> postgres::types::FromSql<'a> for JsonText {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let text = if *ty == Type::JSONB {
            match raw.split_first() {
                Some((1, text)) => text,
                _ => return Err("the jsonb value has an unknown format version".into()),
            }
        } else {
            raw
        };
        Ok(JsonText(text.to_vec()))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::JSON | Type::JSONB)
    }
}

fn json<T: Serialize>(value: &T) -> Result<Value> {
    Ok(serde_json::to_value(value)?)
}

/// Microseconds, as the server keeps them (orgmap's timestamps have no finer part).
fn system_time(at: Timestamp) -> SystemTime {
    let micros = at.as_microsecond();
    let offset = std::time::Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 { SystemTime::UNIX_EPOCH + offset } else { SystemTime::UNIX_EPOCH - offset }
}

impl ReadTx for PgTx<'_> {
    fn org(&self, id: &str) -> Result<Option<Org>> {
        let rows = self.query(&format!("SELECT {ORG_COLUMNS} FROM orgmap.orgs WHERE id = $1"), &[(&id, TEXT)])?;
        rows.first().map(|row| self.org_from(row)).transpose()
    }

    fn orgs(&self) -> Result<Vec<Org>> {
        let rows = self.query(&format!("SELECT {ORG_COLUMNS} FROM orgmap.orgs ORDER BY id"), &[])?;
        rows.iter().map(|row| self.org_from(row)).collect()
    }

    fn mapping(&self, mapping_id: &str) -> Result<Option<Mapping>> {
        let rows = self.query(
            &format!("SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE mapping_id = $1"),
            &[(&mapping_id, TEXT)],
        )?;
        rows.first().map(|row| PgTx::mapping(self, row)).transpose()
    }

    fn mappings_of_org(&self, org_id: &str, integration: Option<&str>) -> Result<Vec<Mapping>> {
        match integration {
            Some(integration) => self.mappings(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE org_id = $1 AND integration = $2 \
                     ORDER BY mapping_id"
                ),
                &[(&org_id, TEXT), (&integration, TEXT)],
            ),
            None => self.mappings(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE org_id = $1 ORDER BY integration, mapping_id"
                ),
                &[(&org_id, TEXT)],
            ),
        }
    }

    fn mappings_of_external(&self, integration: &str, external_org_id: &str) -> Result<Vec<Mapping>> {
        self.mappings(
            &format!(
                "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE integration = $1 AND external_org_id = $2 \
                 ORDER BY mapping_id"
            ),
            &[(&integration, TEXT), (&external_org_id, TEXT)],
        )
    }

    fn mappings_of_integration(&self, integration: &str) -> Result<Vec<Mapping>> {
        self.mappings(
            &format!(
                "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE integration = $1 \
                 ORDER BY external_org_id, mapping_id"
            ),
            &[(&integration, TEXT)],
        )
    }

    fn mappings_with_id_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<Mapping>> {
        // A range rather than LIKE: the prefix may hold `%` or `_`, and the range uses the key.
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            &format!(
                "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE mapping_id >= $1 ORDER BY mapping_id LIMIT $2"
            ),
            &[(&prefix, TEXT), (&limit, INT8)],
        )?;
        let mut found = Vec::new();
        for row in &rows {
            let mapping = PgTx::mapping(self, row)?;
            if !mapping.mapping_id.starts_with(prefix) {
                break;
            }
            found.push(mapping);
        }
        Ok(found)
    }

    fn for_each_mapping(&self, visit: &mut dyn FnMut(Mapping) -> Result<()>) -> Result<()> {
        let mut last = String::new();
        loop {
            let batch = self.mappings(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE mapping_id > $1 ORDER BY mapping_id LIMIT $2"
                ),
                &[(&last, TEXT), (&BATCH, INT8)],
            )?;
            let Some(final_mapping) = batch.last() else { return Ok(()) };
            last = final_mapping.mapping_id.clone();
            for mapping in batch {
                visit(mapping)?;
            }
        }
    }

    fn count_mappings(&self, integration: &str) -> Result<u64> {
        let rows =
            self.query("SELECT count(*) FROM orgmap.mappings WHERE integration = $1", &[(&integration, TEXT)])?;
        let count: i64 = rows.first().map(|row| self.get(row, "count", 0)).transpose()?.unwrap_or(0);
        Ok(count.unsigned_abs())
    }

    fn access(&self, actor: &str) -> Result<Option<AccessGrant>> {
        let rows = self.query(
            "SELECT actor, permissions, granted_at, granted_by FROM orgmap.access WHERE actor = $1",
            &[(&actor, TEXT)],
        )?;
        rows.first().map(|row| self.grant_from(row)).transpose()
    }

    fn access_list(&self) -> Result<Vec<AccessGrant>> {
        let rows =
            self.query("SELECT actor, permissions, granted_at, granted_by FROM orgmap.access ORDER BY actor", &[])?;
        rows.iter().map(|row| self.grant_from(row)).collect()
    }

    fn audit(&self, order: AuditOrder, visit: &mut dyn FnMut(AuditEvent) -> Result<bool>) -> Result<()> {
        let (mut from, query) = match order {
            AuditOrder::NewestFirst => (i64::MAX, "WHERE seq <= $1 ORDER BY seq DESC"),
            AuditOrder::OldestFirst => (i64::MIN, "WHERE seq >= $1 ORDER BY seq"),
        };
        loop {
            let rows = self.query(
                &format!("SELECT {AUDIT_COLUMNS} FROM orgmap.audit {query} LIMIT $2"),
                &[(&from, INT8), (&BATCH, INT8)],
            )?;
            let Some(final_row) = rows.last() else { return Ok(()) };
            let last: i64 = self.get(final_row, "audit event", 0)?;
            for row in &rows {
                if !visit(self.audit_from(row)?)? {
                    return Ok(());
                }
            }
            let next = match order {
                AuditOrder::NewestFirst => last.checked_sub(1),
                AuditOrder::OldestFirst => last.checked_add(1),
            };
            match next {
                Some(next) => from = next,
                None => return Ok(()),
            }
        }
    }

    fn discovery(&self, integration: &str) -> Result<Option<DiscoveryCache>> {
        let rows = self.query("SELECT record FROM orgmap.discovery WHERE integration = $1", &[(&integration, TEXT)])?;
        rows.first().map(|row| self.record(row, "discovery cache", 0)).transpose()
    }

    fn exclusions(&self) -> Result<Vec<Exclusion>> {
        let what = "exclusion";
        let rows = self.query(
            "SELECT org_id, integration, reason, created_at, created_by FROM orgmap.exclusions
             ORDER BY org_id, integration",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                Ok(Exclusion {
                    org_id: self.get(row, what, 0)?,
                    integration: self.get(row, what, 1)?,
                    reason: self.get(row, what, 2)?,
                    created_at: self.time(row, what, 3)?,
                    created_by: self.get(row, what, 4)?,
                })
            })
            .collect()
    }

    fn test_result(&self, mapping_id: &str) -> Result<Option<TestResult>> {
        let rows =
            self.query("SELECT record FROM orgmap.test_results WHERE mapping_id = $1", &[(&mapping_id, TEXT)])?;
        rows.first().map(|row| self.record(row, "test result", 0)).transpose()
    }
}

impl WriteTx for PgTx<'_> {
    fn put_org(&mut self, org: &Org) -> Result<()> {
        org.validate()?;
        self.execute(
            "INSERT INTO orgmap.orgs (id, name, active, created_at, created_by, updated_at, updated_by, domains, aliases)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active,
                created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
                domains = EXCLUDED.domains, aliases = EXCLUDED.aliases",
            &[
                (&org.id, TEXT),
                (&org.name, TEXT),
                (&org.active, BOOL),
                (&system_time(org.created_at), TIMESTAMPTZ),
                (&org.created_by, TEXT),
                (&system_time(org.updated_at), TIMESTAMPTZ),
                (&org.updated_by, TEXT),
                (&org.domains, TEXT_ARRAY),
                (&org.aliases, TEXT_ARRAY),
            ],
        )?;
        Ok(())
    }

    fn put_mapping(&mut self, _previous: Option<&Mapping>, m: &Mapping) -> Result<()> {
        m.validate()?;
        let revision = i64::try_from(m.revision).map_err(|_| Error::invalid("revision", "too large"))?;
        self.execute(
            "INSERT INTO orgmap.mappings (mapping_id, org_id, integration, external_org_id, external_org_name, label,
                metadata, active, verified, revision, created_at, created_by, updated_at, updated_by, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (mapping_id) DO UPDATE SET org_id = EXCLUDED.org_id, integration = EXCLUDED.integration,
                external_org_id = EXCLUDED.external_org_id, external_org_name = EXCLUDED.external_org_name,
                label = EXCLUDED.label, metadata = EXCLUDED.metadata, active = EXCLUDED.active,
                verified = EXCLUDED.verified, revision = EXCLUDED.revision, created_at = EXCLUDED.created_at,
                created_by = EXCLUDED.created_by, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
                source = EXCLUDED.source",
            &[
                (&m.mapping_id, TEXT),
                (&m.org_id, TEXT),
                (&m.integration, TEXT),
                (&m.external_org_id, TEXT),
                (&m.external_org_name, TEXT),
                (&m.label, TEXT),
                (&json(&m.metadata)?, JSON),
                (&m.active, BOOL),
                (&m.verified, BOOL),
                (&revision, INT8),
                (&system_time(m.created_at), TIMESTAMPTZ),
                (&m.created_by, TEXT),
                (&system_time(m.updated_at), TIMESTAMPTZ),
                (&m.updated_by, TEXT),
                (&m.source.as_ref().map(json).transpose()?, JSON),
            ],
        )?;
        Ok(())
    }

    fn delete_mapping(&mut self, mapping: &Mapping) -> Result<()> {
        self.execute("DELETE FROM orgmap.mappings WHERE mapping_id = $1", &[(&mapping.mapping_id, TEXT)])?;
        self.execute("DELETE FROM orgmap.test_results WHERE mapping_id = $1", &[(&mapping.mapping_id, TEXT)])?;
        Ok(())
    }

    fn put_access(&mut self, grant: &AccessGrant) -> Result<()> {
        grant.validate()?;
        self.execute(
            "INSERT INTO orgmap.access (actor, permissions, granted_at, granted_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (actor) DO UPDATE SET permissions = EXCLUDED.permissions,
                granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by",
            &[
                (&grant.actor, TEXT),
                (&grant.permissions, TEXT_ARRAY),
                (&system_time(grant.granted_at), TIMESTAMPTZ),
                (&grant.granted_by, TEXT),
            ],
        )?;
        Ok(())
    }

    fn put_exclusion(&mut self, exclusion: &Exclusion) -> Result<()> {
        exclusion.validate()?;
        self.execute(
            "INSERT INTO orgmap.exclusions (org_id, integration, reason, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id, integration) DO UPDATE SET reason = EXCLUDED.reason,
                created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by",
            &[
                (&exclusion.org_id, TEXT),
                (&exclusion.integration, TEXT),
                (&exclusion.reason, TEXT),
                (&system_time(exclusion.created_at), TIMESTAMPTZ),
                (&exclusion.created_by, TEXT),
            ],
        )?;
        Ok(())
    }

    fn delete_exclusion(&mut self, org_id: &str, integration: &str) -> Result<bool> {
        let deleted = self.execute(
            "DELETE FROM orgmap.exclusions WHERE org_id = $1 AND integration = $2",
            &[(&org_id, TEXT), (&integration, TEXT)],
        )?;
        Ok(deleted > 0)
    }

    fn delete_access(&mut self, actor: &str) -> Result<()> {
        self.execute("DELETE FROM orgmap.access WHERE actor = $1", &[(&actor, TEXT)])?;
        Ok(())
    }

    /// The server fills in the database role (the column's default): the client names none.
    fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.insert_audit(event, false)
    }

    fn import_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.insert_audit(event, true)
    }

    fn put_discovery(&mut self, cache: &DiscoveryCache) -> Result<()> {
        cache.validate()?;
        self.execute(
            "INSERT INTO orgmap.discovery (integration, record) VALUES ($1, $2)
             ON CONFLICT (integration) DO UPDATE SET record = EXCLUDED.record",
            &[(&cache.integration, TEXT), (&json(cache)?, JSON)],
        )?;
        Ok(())
    }

    fn put_test_result(&mut self, result: &TestResult) -> Result<()> {
        self.execute(
            "INSERT INTO orgmap.test_results (mapping_id, record) VALUES ($1, $2)
             ON CONFLICT (mapping_id) DO UPDATE SET record = EXCLUDED.record",
            &[(&result.mapping_id, TEXT), (&json(result)?, JSON)],
        )?;
        Ok(())
    }

    /// The server maintains its indexes; there is nothing to rebuild, only to count.
    fn rebuild_indexes(&mut self) -> Result<u64> {
        let rows = self.query("SELECT count(*) FROM orgmap.mappings", &[])?;
        let count: i64 = rows.first().map(|row| self.get(row, "count", 0)).transpose()?.unwrap_or(0);
        Ok(count.unsigned_abs())
    }

    fn server_refusal(&self) -> Result<Option<crate::store::Refusal>> {
        let rows = self.query(
            "SELECT bool_and(has_table_privilege(t, p)) FROM
               unnest(ARRAY['orgmap.orgs', 'orgmap.mappings', 'orgmap.access']) AS t,
               unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) AS p",
            &[],
        )?;
        let allowed: Option<bool> = rows.first().map(|row| self.get(row, "privileges", 0)).transpose()?.flatten();
        if allowed == Some(true) {
            return Ok(None);
        }
        Ok(Some(crate::store::Refusal {
            role: self.store.role.clone(),
            manager: self.store.manager_role().map(str::to_owned),
        }))
    }

    fn commit(self: Box<Self>) -> Result<()> {
        // After a failed statement the server answers COMMIT with a rollback, not an error.
        if self.failed.get() {
            return Err(Error::Internal("a transaction whose statement failed was committed".into()));
        }
        self.batch("COMMIT")?;
        let mut this = self;
        this.open = false;
        Ok(())
    }
}

impl PgTx<'_> {
    /// Inserts an audit event, with its own database role when `with_role` (an import).
    fn insert_audit(&mut self, event: &AuditEvent, with_role: bool) -> Result<()> {
        event.validate()?;
        let outcome = match event.outcome {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
        };
        let (role_column, role_value) = if with_role { (", db_role", ", $11") } else { ("", "") };
        let sql = format!(
            "INSERT INTO orgmap.audit (id, at, actor, action, target, org_id, integration, before, after, outcome{role_column})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10{role_value})"
        );
        let at = system_time(event.at);
        let mut params: Vec<(&(dyn ToSql + Sync), Type)> = vec![
            (&event.id, TEXT),
            (&at, TIMESTAMPTZ),
            (&event.actor, TEXT),
            (&event.action, TEXT),
            (&event.target, TEXT),
            (&event.org_id, TEXT),
            (&event.integration, TEXT),
            (&event.before, JSON),
            (&event.after, JSON),
            (&outcome, TEXT),
        ];
        if with_role {
            params.push((&event.db_role, TEXT));
        }
        self.execute(&sql, &params)?;
        Ok(())
    }
}
