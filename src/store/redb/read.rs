//! Reads within a redb transaction, shared by read and write transactions.

use std::path::Path;

use redb::ReadableTable;
use serde::de::DeserializeOwned;

use super::{
    ACCESS, AUDIT, BY_INTEGRATION, BY_ORG, DISCOVERY, MAPPINGS, ORGS, RedbRead, RedbWrite, SEP, TEST_RESULTS, classify,
    decode, integration_key, mapping_id_of, org_key,
};
use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Mapping, Org, TestResult};
use crate::error::{Error, Result};
use crate::store::ReadTx;

fn get_record<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>> {
    match table.get(key).map_err(|e| classify(path, e))? {
        Some(value) => Ok(Some(decode(path, what, value.value())?)),
        None => Ok(None),
    }
}

fn all_records<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<T>> {
    let mut records = Vec::new();
    for entry in table.iter().map_err(|e| classify(path, e))? {
        let (_, value) = entry.map_err(|e| classify(path, e))?;
        records.push(decode(path, what, value.value())?);
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
                    found.push(decode(self.path, "mapping", value.value())?);
                }
                Ok(found)
            }

            fn for_each_mapping(&self, visit: &mut dyn FnMut(Mapping) -> Result<()>) -> Result<()> {
                let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(self.path, e))?;
                for entry in table.iter().map_err(|e| classify(self.path, e))? {
                    let (_, value) = entry.map_err(|e| classify(self.path, e))?;
                    visit(decode(self.path, "mapping", value.value())?)?;
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
                get_record(self.path, "test result", &table, mapping_id)
            }

            fn discovery(&self, integration: &str) -> Result<Option<DiscoveryCache>> {
                let table = self.txn.open_table(DISCOVERY).map_err(|e| classify(self.path, e))?;
                get_record(self.path, "discovery cache", &table, integration)
            }

            fn audit_newest_first(&self, visit: &mut dyn FnMut(AuditEvent) -> Result<bool>) -> Result<()> {
                let table = self.txn.open_table(AUDIT).map_err(|e| classify(self.path, e))?;
                for entry in table.iter().map_err(|e| classify(self.path, e))?.rev() {
                    let (_, value) = entry.map_err(|e| classify(self.path, e))?;
                    if !visit(decode(self.path, "audit event", value.value())?)? {
                        break;
                    }
                }
                Ok(())
            }
        }
    };
}

impl_read_tx!(RedbRead);
impl_read_tx!(RedbWrite);
