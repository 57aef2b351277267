//! Reads within a redb transaction, shared by read and write transactions.

use std::path::Path;

use redb::ReadableTable;
use serde::de::DeserializeOwned;

use super::{
    ACCESS, AUDIT, BY_INTEGRATION, BY_ORG, DISCOVERY, EXCLUSIONS, MAPPINGS, ORGS, RedbRead, RedbWrite, SEP,
    TEST_RESULTS, classify, integration_key, mapping_id_of, org_key,
};
use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Exclusion, Mapping, Org, TestResult};
use crate::error::{Error, Result};
use crate::store::codec::set_aside;
use crate::store::{AuditOrder, ReadTx};

/// A record kept under its own key (an org under its ID, a mapping under its mapping ID):
/// reading checks that it names the key it is stored under.
pub(super) trait Keyed: DeserializeOwned {
    fn key(&self) -> &str;

    /// Reads the record stored under `key`, or says why it cannot be read.
    fn read(key: &str, bytes: &[u8]) -> std::result::Result<Self, String> {
        read_json(key, bytes)
    }
}

impl Keyed for Org {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for Mapping {
    fn key(&self) -> &str {
        &self.mapping_id
    }

    fn read(key: &str, bytes: &[u8]) -> std::result::Result<Self, String> {
        if super::binary::is_binary(bytes) { super::binary::decode_mapping(key, bytes) } else { read_json(key, bytes) }
    }
}

impl Keyed for AccessGrant {
    fn key(&self) -> &str {
        &self.actor
    }
}

impl Keyed for DiscoveryCache {
    fn key(&self) -> &str {
        &self.integration
    }

    fn read(key: &str, bytes: &[u8]) -> std::result::Result<Self, String> {
        if super::binary::is_binary_list(bytes) {
            super::binary::decode_list(key, bytes)
        } else {
            read_json(key, bytes)
        }
    }
}

/// The key of an exclusion: its org and integration joined with NUL.
pub(super) fn exclusion_key(org_id: &str, integration: &str) -> String {
    format!("{org_id}{SEP}{integration}")
}

impl Keyed for TestResult {
    fn key(&self) -> &str {
        &self.mapping_id
    }
}

/// The record stored under `key`, or why it cannot be read.
pub(super) fn read_keyed<T: Keyed>(key: &str, bytes: &[u8]) -> std::result::Result<T, String> {
    T::read(key, bytes)
}

/// A record stored as JSON under `key`: it must name the key it is stored under.
fn read_json<T: Keyed>(key: &str, bytes: &[u8]) -> std::result::Result<T, String> {
    let record: T = crate::store::codec::from_json(bytes)?;
    if record.key() != key {
        return Err(format!("it names {:?} but is stored under {key:?}", record.key()));
    }
    Ok(record)
}

/// The record stored under `key`, if any, or why it cannot be read.
fn lookup<T: Keyed>(
    path: &Path,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<std::result::Result<T, String>>> {
    Ok(table.get(key).map_err(|e| classify(path, e))?.map(|value| read_keyed(key, value.value())))
}

fn get_record<T: Keyed>(
    path: &Path,
    what: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>> {
    lookup(path, table, key)?.transpose().map_err(|detail| Error::StoreDamaged {
        path: path.to_path_buf(),
        detail: format!("{what} {key} cannot be read: {detail}"),
    })
}

/// Like [`get_record`] for a record that can be fetched again (a cache, a test result): one
/// that cannot be read is set aside and reads as missing, so that the next fetch replaces it.
fn get_replaceable<T: Keyed>(
    path: &Path,
    what: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>> {
    Ok(lookup(path, table, key)?.and_then(|found| found.map_err(|detail| set_aside(what, key, detail)).ok()))
}

/// Every record of a table, in key order; one that cannot be read is set aside and the rest
/// are read.
fn all_records<T: Keyed>(
    path: &Path,
    what: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<T>> {
    let mut records = Vec::new();
    for entry in table.iter().map_err(|e| classify(path, e))? {
        let (key, value) = entry.map_err(|e| classify(path, e))?;
        match read_keyed(key.value(), value.value()) {
            Ok(record) => records.push(record),
            Err(detail) => set_aside(what, key.value(), detail),
        }
    }
    Ok(records)
}

/// The index entries whose key starts with `prefix`.
fn index_keys(path: &Path, index: &impl ReadableTable<&'static str, ()>, prefix: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in index.range::<&str>(prefix..).map_err(|e| classify(path, e))? {
        let (key, _) = entry.map_err(|e| classify(path, e))?;
        let key = key.value();
        if !key.starts_with(prefix) {
            break;
        }
        ids.push(key.to_owned());
    }
    Ok(ids)
}

/// The mappings the index entries `keys` name. Each must exist and still have that key (`key_of`):
/// a damaged index must never hand one organization another's mapping.
fn mappings_by_keys(
    path: &Path,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    keys: Vec<String>,
    key_of: fn(&Mapping) -> String,
) -> Result<Vec<Mapping>> {
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let id = mapping_id_of(&key);
        // An index lookup answers for one org or external ID: leaving a record out would answer
        // wrongly ("no mapping", and a `set` would add a second one), so it fails instead.
        match get_record::<Mapping>(path, "mapping", table, id)? {
            Some(mapping) if key_of(&mapping) == key => found.push(mapping),
            Some(_) => {
                return Err(Error::StoreDamaged {
                    path: path.to_path_buf(),
                    detail: format!("an index entry does not match mapping {id}"),
                });
            }
            None => {
                return Err(Error::StoreDamaged {
                    path: path.to_path_buf(),
                    detail: format!("an index names mapping {id}, which does not exist"),
                });
            }
        }
    }
    Ok(found)
}

fn index_prefix(first: &str, second: Option<&str>) -> String {
    match second {
        Some(second) => format!("{first}{SEP}{second}{SEP}"),
        None => format!("{first}{SEP}"),
    }
}

macro_rules! impl_read_tx {
    ($ty:ident) => {
        impl ReadTx for $ty<'_> {
            fn org(&self, id: &str) -> Result<Option<Org>> {
                let table = self.txn.open_table(ORGS).map_err(|e| classify(self.path, e))?;
                get_record(self.path, "organization", &table, id)
            }

            fn orgs(&self) -> Result<Vec<Org>> {
                let table = self.txn.open_table(ORGS).map_err(|e| classify(self.path, e))?;
                all_records(self.path, "organization", &table)
            }

            fn mapping(&self, mapping_id: &str) -> Result<Option<Mapping>> {
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                get_record(self.path, "mapping", &table, mapping_id)
            }

            fn mappings_of_org(&self, org_id: &str, integration: Option<&str>) -> Result<Vec<Mapping>> {
                let index = self.txn.open_table(BY_ORG).map_err(|e| classify(self.path, e))?;
                let keys = index_keys(self.path, &index, &index_prefix(org_id, integration))?;
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                mappings_by_keys(self.path, &table, keys, org_key)
            }

            fn mappings_of_external(&self, integration: &str, external_org_id: &str) -> Result<Vec<Mapping>> {
                let index = self.txn.open_table(BY_INTEGRATION).map_err(|e| classify(self.path, e))?;
                let keys = index_keys(self.path, &index, &index_prefix(integration, Some(external_org_id)))?;
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                mappings_by_keys(self.path, &table, keys, integration_key)
            }

            fn mappings_of_integration(&self, integration: &str) -> Result<Vec<Mapping>> {
                let index = self.txn.open_table(BY_INTEGRATION).map_err(|e| classify(self.path, e))?;
                let keys = index_keys(self.path, &index, &index_prefix(integration, None))?;
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                mappings_by_keys(self.path, &table, keys, integration_key)
            }

            fn mappings_with_id_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<Mapping>> {
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                let mut found = Vec::new();
                for entry in table.range::<&str>(prefix..).map_err(|e| classify(self.path, e))? {
                    let (key, value) = entry.map_err(|e| classify(self.path, e))?;
                    if !key.value().starts_with(prefix) || found.len() >= limit {
                        break;
                    }
                    match read_keyed::<Mapping>(key.value(), value.value()) {
                        Ok(mapping) => found.push(mapping),
                        Err(detail) => set_aside("mapping", key.value(), detail),
                    }
                }
                Ok(found)
            }

            fn for_each_mapping(&self, visit: &mut dyn FnMut(Mapping) -> Result<()>) -> Result<()> {
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                for entry in table.iter().map_err(|e| classify(self.path, e))? {
                    let (key, value) = entry.map_err(|e| classify(self.path, e))?;
                    match read_keyed::<Mapping>(key.value(), value.value()) {
                        Ok(mapping) => visit(mapping)?,
                        Err(detail) => set_aside("mapping", key.value(), detail),
                    }
                }
                Ok(())
            }

            fn count_mappings(&self, integration: &str) -> Result<u64> {
                let index = self.txn.open_table(BY_INTEGRATION).map_err(|e| classify(self.path, e))?;
                Ok(index_keys(self.path, &index, &index_prefix(integration, None))?.len() as u64)
            }

            fn access(&self, actor: &str) -> Result<Option<AccessGrant>> {
                let table = self.txn.open_table(ACCESS).map_err(|e| classify(self.path, e))?;
                get_record(self.path, "access grant", &table, actor)
            }

            fn access_list(&self) -> Result<Vec<AccessGrant>> {
                let table = self.txn.open_table(ACCESS).map_err(|e| classify(self.path, e))?;
                all_records(self.path, "access grant", &table)
            }

            fn test_result(&self, mapping_id: &str) -> Result<Option<TestResult>> {
                let table = self.txn.open_table(TEST_RESULTS).map_err(|e| classify(self.path, e))?;
                get_replaceable(self.path, "test result", &table, mapping_id)
            }

            fn discovery(&self, integration: &str) -> Result<Option<DiscoveryCache>> {
                let table = self.txn.open_table(DISCOVERY).map_err(|e| classify(self.path, e))?;
                get_replaceable(self.path, "discovery cache", &table, integration)
            }

            fn exclusions(&self) -> Result<Vec<Exclusion>> {
                let table = match self.txn.open_table(EXCLUSIONS) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(err) => return Err(classify(self.path, err)),
                };
                let mut found = Vec::new();
                for entry in table.iter().map_err(|e| classify(self.path, e))? {
                    let (key, value) = entry.map_err(|e| classify(self.path, e))?;
                    match crate::store::codec::from_json::<Exclusion>(value.value()) {
                        Ok(exclusion) if exclusion_key(&exclusion.org_id, &exclusion.integration) == key.value() => {
                            found.push(exclusion)
                        }
                        Ok(_) => set_aside("exclusion", key.value(), "it is stored under another key".into()),
                        Err(detail) => set_aside("exclusion", key.value(), detail),
                    }
                }
                Ok(found)
            }

            fn audit(&self, order: AuditOrder, visit: &mut dyn FnMut(AuditEvent) -> Result<bool>) -> Result<()> {
                let table = self.txn.open_table(AUDIT).map_err(|e| classify(self.path, e))?;
                let entries = table.iter().map_err(|e| classify(self.path, e))?;
                let entries: Box<dyn Iterator<Item = _>> = match order {
                    AuditOrder::NewestFirst => Box::new(entries.rev()),
                    AuditOrder::OldestFirst => Box::new(entries),
                };
                for entry in entries {
                    let (position, value) = entry.map_err(|e| classify(self.path, e))?;
                    match crate::store::codec::from_json(value.value()) {
                        Ok(event) => {
                            if !visit(event)? {
                                break;
                            }
                        }
                        Err(detail) => set_aside("audit event", &position.value().to_string(), detail),
                    }
                }
                Ok(())
            }
        }
    };
}

impl_read_tx!(RedbRead);
impl_read_tx!(RedbWrite);
