//! Transactions on the PostgreSQL store. A read is a read-only, repeatable-read snapshot; a write
//! holds the store's advisory lock until it commits or rolls back.
//!
//! Long reads (every mapping, the audit log) come in batches by key, so that the caller may use
//! the transaction between rows and memory stays flat.

use std::time::SystemTime;

use jiff::Timestamp;
use postgres::Row;
use postgres::types::ToSql;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{PostgresStore, WRITE_LOCK};
use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Mapping, Org, Outcome, TestResult};
use crate::error::{Error, Result};
use crate::store::{ReadTx, WriteTx};

/// Rows fetched at a time by the streaming reads.
const BATCH: i64 = 1000;

const MAPPING_COLUMNS: &str = "mapping_id, org_id, integration, external_org_id, external_org_name, label, metadata, \
     active, verified, revision, created_at, created_by, updated_at, updated_by";
const ORG_COLUMNS: &str = "id, name, active, created_at, created_by, updated_at, updated_by";
const AUDIT_COLUMNS: &str = "seq, id, at, actor, db_role, action, target, org_id, integration, before, after, outcome";

pub(super) struct PgTx<'s> {
    store: &'s PostgresStore,
    open: bool,
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl<'s> PgTx<'s> {
    pub(super) fn begin_read(store: &'s PostgresStore) -> Result<PgTx<'s>> {
        let tx = PgTx { store, open: false };
        tx.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(PgTx { open: true, ..tx })
    }

    pub(super) fn begin_write(store: &'s PostgresStore) -> Result<PgTx<'s>> {
        let tx = PgTx { store, open: false };
        // Writers queue on the lock for at most ORGMAP_LOCK_TIMEOUT, as on the embedded store
        // (0 would mean "forever" to the server: wait at least a millisecond).
        let wait_ms = store.lock_timeout.as_millis().clamp(1, i32::MAX as u128);
        tx.batch(&format!("BEGIN; SET LOCAL lock_timeout = {wait_ms}; SELECT pg_advisory_xact_lock({WRITE_LOCK})"))?;
        Ok(PgTx { open: true, ..tx })
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.store.client.borrow_mut().batch_execute(sql).map_err(|e| self.store.error(e))
    }

    fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        self.store.client.borrow_mut().query(sql, params).map_err(|e| self.store.error(e))
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64> {
        self.store.client.borrow_mut().execute(sql, params).map_err(|e| self.store.error(e))
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
        let value: Value = self.get(row, what, column)?;
        serde_json::from_value(value).map_err(|err| self.damaged(what, err))
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
            before: self.get(row, what, 9)?,
            after: self.get(row, what, 10)?,
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
                &[&last, &BATCH],
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
            let _ = self.store.client.borrow_mut().batch_execute("ROLLBACK");
        }
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
        let rows = self.query(&format!("SELECT {ORG_COLUMNS} FROM orgmap.orgs WHERE id = $1"), &[&id])?;
        rows.first().map(|row| self.org_from(row)).transpose()
    }

    fn orgs(&self) -> Result<Vec<Org>> {
        let rows = self.query(&format!("SELECT {ORG_COLUMNS} FROM orgmap.orgs ORDER BY id"), &[])?;
        rows.iter().map(|row| self.org_from(row)).collect()
    }

    fn mapping(&self, mapping_id: &str) -> Result<Option<Mapping>> {
        let rows = self
            .query(&format!("SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE mapping_id = $1"), &[&mapping_id])?;
        rows.first().map(|row| PgTx::mapping(self, row)).transpose()
    }

    fn mappings_of_org(&self, org_id: &str, integration: Option<&str>) -> Result<Vec<Mapping>> {
        match integration {
            Some(integration) => self.mappings(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE org_id = $1 AND integration = $2 \
                     ORDER BY mapping_id"
                ),
                &[&org_id, &integration],
            ),
            None => self.mappings(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE org_id = $1 ORDER BY integration, mapping_id"
                ),
                &[&org_id],
            ),
        }
    }

    fn mappings_of_external(&self, integration: &str, external_org_id: &str) -> Result<Vec<Mapping>> {
        self.mappings(
            &format!(
                "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE integration = $1 AND external_org_id = $2 \
                 ORDER BY mapping_id"
            ),
            &[&integration, &external_org_id],
        )
    }

    fn mappings_of_integration(&self, integration: &str) -> Result<Vec<Mapping>> {
        self.mappings(
            &format!(
                "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE integration = $1 \
                 ORDER BY external_org_id, mapping_id"
            ),
            &[&integration],
        )
    }

    fn mappings_with_id_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<Mapping>> {
        // A range rather than LIKE: the prefix may hold `%` or `_`, and the range uses the key.
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            &format!(
                "SELECT {MAPPING_COLUMNS} FROM orgmap.mappings WHERE mapping_id >= $1 ORDER BY mapping_id LIMIT $2"
            ),
            &[&prefix, &limit],
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
                &[&last, &BATCH],
            )?;
            let Some(final_mapping) = batch.last() else { return Ok(()) };
            last = final_mapping.mapping_id.clone();
            for mapping in batch {
                visit(mapping)?;
            }
        }
    }

    fn count_mappings(&self, integration: &str) -> Result<u64> {
        let rows = self.query("SELECT count(*) FROM orgmap.mappings WHERE integration = $1", &[&integration])?;
        let count: i64 = rows.first().map(|row| self.get(row, "count", 0)).transpose()?.unwrap_or(0);
        Ok(count.unsigned_abs())
    }

    fn access(&self, actor: &str) -> Result<Option<AccessGrant>> {
        let rows = self.query(
            "SELECT actor, permissions, granted_at, granted_by FROM orgmap.access WHERE actor = $1",
            &[&actor],
        )?;
        rows.first().map(|row| self.grant_from(row)).transpose()
    }

    fn access_list(&self) -> Result<Vec<AccessGrant>> {
        let rows =
            self.query("SELECT actor, permissions, granted_at, granted_by FROM orgmap.access ORDER BY actor", &[])?;
        rows.iter().map(|row| self.grant_from(row)).collect()
    }

    fn audit_newest_first(&self, visit: &mut dyn FnMut(AuditEvent) -> Result<bool>) -> Result<()> {
        let mut before = i64::MAX;
        loop {
            let rows = self.query(
                &format!("SELECT {AUDIT_COLUMNS} FROM orgmap.audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2"),
                &[&before, &BATCH],
            )?;
            let Some(final_row) = rows.last() else { return Ok(()) };
            before = self.get(final_row, "audit event", 0)?;
            for row in &rows {
                if !visit(self.audit_from(row)?)? {
                    return Ok(());
                }
            }
        }
    }

    fn discovery(&self, integration: &str) -> Result<Option<DiscoveryCache>> {
        let rows = self.query("SELECT record FROM orgmap.discovery WHERE integration = $1", &[&integration])?;
        rows.first().map(|row| self.record(row, "discovery cache", 0)).transpose()
    }

    fn test_result(&self, mapping_id: &str) -> Result<Option<TestResult>> {
        let rows = self.query("SELECT record FROM orgmap.test_results WHERE mapping_id = $1", &[&mapping_id])?;
        rows.first().map(|row| self.record(row, "test result", 0)).transpose()
    }
}

impl WriteTx for PgTx<'_> {
    fn put_org(&mut self, org: &Org) -> Result<()> {
        self.execute(
            "INSERT INTO orgmap.orgs (id, name, active, created_at, created_by, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active,
                created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
            &[
                &org.id,
                &org.name,
                &org.active,
                &system_time(org.created_at),
                &org.created_by,
                &system_time(org.updated_at),
                &org.updated_by,
            ],
        )?;
        Ok(())
    }

    fn put_mapping(&mut self, _previous: Option<&Mapping>, m: &Mapping) -> Result<()> {
        let revision = i64::try_from(m.revision).map_err(|_| Error::invalid("revision", "too large"))?;
        self.execute(
            "INSERT INTO orgmap.mappings (mapping_id, org_id, integration, external_org_id, external_org_name, label,
                metadata, active, verified, revision, created_at, created_by, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (mapping_id) DO UPDATE SET org_id = EXCLUDED.org_id, integration = EXCLUDED.integration,
                external_org_id = EXCLUDED.external_org_id, external_org_name = EXCLUDED.external_org_name,
                label = EXCLUDED.label, metadata = EXCLUDED.metadata, active = EXCLUDED.active,
                verified = EXCLUDED.verified, revision = EXCLUDED.revision, created_at = EXCLUDED.created_at,
                created_by = EXCLUDED.created_by, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
            &[
                &m.mapping_id,
                &m.org_id,
                &m.integration,
                &m.external_org_id,
                &m.external_org_name,
                &m.label,
                &json(&m.metadata)?,
                &m.active,
                &m.verified,
                &revision,
                &system_time(m.created_at),
                &m.created_by,
                &system_time(m.updated_at),
                &m.updated_by,
            ],
        )?;
        Ok(())
    }

    fn delete_mapping(&mut self, mapping: &Mapping) -> Result<()> {
        self.execute("DELETE FROM orgmap.mappings WHERE mapping_id = $1", &[&mapping.mapping_id])?;
        self.execute("DELETE FROM orgmap.test_results WHERE mapping_id = $1", &[&mapping.mapping_id])?;
        Ok(())
    }

    fn put_access(&mut self, grant: &AccessGrant) -> Result<()> {
        self.execute(
            "INSERT INTO orgmap.access (actor, permissions, granted_at, granted_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (actor) DO UPDATE SET permissions = EXCLUDED.permissions,
                granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by",
            &[&grant.actor, &grant.permissions, &system_time(grant.granted_at), &grant.granted_by],
        )?;
        Ok(())
    }

    fn delete_access(&mut self, actor: &str) -> Result<()> {
        self.execute("DELETE FROM orgmap.access WHERE actor = $1", &[&actor])?;
        Ok(())
    }

    /// The server fills in the database role: the client cannot name another.
    fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.insert_audit(event, "session_user")
    }

    fn import_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.insert_audit(event, "$11")
    }

    fn put_discovery(&mut self, cache: &DiscoveryCache) -> Result<()> {
        self.execute(
            "INSERT INTO orgmap.discovery (integration, record) VALUES ($1, $2)
             ON CONFLICT (integration) DO UPDATE SET record = EXCLUDED.record",
            &[&cache.integration, &json(cache)?],
        )?;
        Ok(())
    }

    fn put_test_result(&mut self, result: &TestResult) -> Result<()> {
        self.execute(
            "INSERT INTO orgmap.test_results (mapping_id, record) VALUES ($1, $2)
             ON CONFLICT (mapping_id) DO UPDATE SET record = EXCLUDED.record",
            &[&result.mapping_id, &json(result)?],
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

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.open = false;
        self.batch("COMMIT")
    }
}

impl PgTx<'_> {
    /// Inserts an audit event; `db_role` is the SQL for its role column (`session_user`, or `$11`
    /// for the event's own when importing).
    fn insert_audit(&mut self, event: &AuditEvent, db_role: &str) -> Result<()> {
        let outcome = match event.outcome {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
        };
        let sql = format!(
            "INSERT INTO orgmap.audit (id, at, actor, db_role, action, target, org_id, integration, before, after, outcome)
             VALUES ($1, $2, $3, {db_role}, $4, $5, $6, $7, $8, $9, $10)"
        );
        let at = system_time(event.at);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &event.id,
            &at,
            &event.actor,
            &event.action,
            &event.target,
            &event.org_id,
            &event.integration,
            &event.before,
            &event.after,
            &outcome,
        ];
        if db_role.starts_with('$') {
            params.push(&event.db_role);
        }
        self.execute(&sql, &params)?;
        Ok(())
    }
}
