//! Export and import: everything a store holds (organizations, mappings, access grants, the audit
//! log) as JSON lines, so that a store can be backed up, restored, or moved. Import shows what it
//! would do (create, update, unchanged, conflict), applies it in one transaction, and applies
//! again to no effect. Caches and test results are not exported: they are fetched again.

mod import;
mod reader;

pub use import::{Action, Conflict, ImportOptions, Plan, import};
pub use reader::{Checked, Reader, check_export};

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::domain::{AccessGrant, AuditEvent, Exclusion, Mapping, Org, now};
use crate::error::Result;
use crate::store::{AuditOrder, Store};

/// The first line of an export.
pub(super) const FORMAT: &str = "orgmap-export";
pub(super) const FORMAT_VERSION: u32 = 1;
/// The shape of the records in an export (their JSON fields), whatever the store keeps them in.
pub(super) const RECORD_SCHEMA_VERSION: u32 = 1;
/// Lines longer than this are refused: no record is that big.
pub(super) const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

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
