//! Writes within a redb write transaction: records with both indexes kept in step.

use redb::ReadableTable;

use super::read::{Keyed, exclusion_key, read_keyed};
use super::{
    ACCESS, AUDIT, BY_INTEGRATION, BY_ORG, DISCOVERY, EXCLUSIONS, MAPPINGS, ORGS, RedbWrite, TEST_RESULTS, classify,
    encode, integration_key, mapping_id_of, org_key,
};
use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Exclusion, Mapping, Org, TestResult};
use crate::error::Result;
use crate::store::codec::set_aside;
use crate::store::{Unreadable, WriteTx};

/// The longest stored text of an unreadable record kept in the audit event of its removal.
const MAX_KEPT_TEXT: usize = 4096;

/// The start of a record's stored bytes as printable text, to keep in an audit event.
fn stored_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_KEPT_TEXT)]);
    text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
}

impl RedbWrite<'_> {
    /// The keys of a keyed table whose records cannot be read, with why and their stored text.
    fn unreadable_in<T: Keyed>(
        &self,
        what: &str,
        definition: redb::TableDefinition<&'static str, &'static [u8]>,
    ) -> Result<Vec<(Unreadable, String)>> {
        let p = self.path;
        let table = self.txn.open_table(definition).map_err(|e| classify(p, e))?;
        let mut found = Vec::new();
        for entry in table.iter().map_err(|e| classify(p, e))? {
            let (key, value) = entry.map_err(|e| classify(p, e))?;
            if let Err(detail) = read_keyed::<T>(key.value(), value.value()) {
                let record = Unreadable { what: what.to_owned(), key: key.value().to_owned(), detail };
                found.push((record, stored_text(value.value())));
            }
        }
        Ok(found)
    }

    /// Removes the index entries that name `mapping_id`, whatever the rest of their key says.
    fn remove_index_entries_of(&mut self, mapping_id: &str) -> Result<()> {
        let p = self.path;
        for definition in [BY_ORG, BY_INTEGRATION] {
            let mut index = self.txn.open_table(definition).map_err(|e| classify(p, e))?;
            let mut naming = Vec::new();
            for entry in index.iter().map_err(|e| classify(p, e))? {
                let (key, _) = entry.map_err(|e| classify(p, e))?;
                if mapping_id_of(key.value()) == mapping_id {
                    naming.push(key.value().to_owned());
                }
            }
            for key in naming {
                index.remove(key.as_str()).map_err(|e| classify(p, e))?;
            }
        }
        Ok(())
    }
}

impl WriteTx for RedbWrite<'_> {
    fn put_org(&mut self, org: &Org) -> Result<()> {
        self.written += 1;
        org.validate()?;
        let mut table = self.txn.open_table(ORGS).map_err(|e| classify(self.path, e))?;
        table.insert(org.id.as_str(), encode(org)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn put_mapping(&mut self, previous: Option<&Mapping>, mapping: &Mapping) -> Result<()> {
        self.written += 1;
        mapping.validate()?;
        let p = self.path;
        {
            let mut by_org = self.txn.open_table(BY_ORG).map_err(|e| classify(p, e))?;
            if let Some(previous) = previous {
                by_org.remove(org_key(previous).as_str()).map_err(|e| classify(p, e))?;
            }
            by_org.insert(org_key(mapping).as_str(), ()).map_err(|e| classify(p, e))?;
        }
        {
            let mut by_integration = self.txn.open_table(BY_INTEGRATION).map_err(|e| classify(p, e))?;
            if let Some(previous) = previous {
                by_integration.remove(integration_key(previous).as_str()).map_err(|e| classify(p, e))?;
            }
            by_integration.insert(integration_key(mapping).as_str(), ()).map_err(|e| classify(p, e))?;
        }
        let mut table = self.txn.open_table(MAPPINGS).map_err(|e| classify(p, e))?;
        table
            .insert(mapping.mapping_id.as_str(), super::binary::encode_mapping(mapping)?.as_slice())
            .map_err(|e| classify(p, e))?;
        Ok(())
    }

    fn delete_mapping(&mut self, mapping: &Mapping) -> Result<()> {
        self.written += 1;
        let p = self.path;
        self.txn
            .open_table(BY_ORG)
            .and_then(|mut t| t.remove(org_key(mapping).as_str()).map(drop).map_err(Into::into))
            .map_err(|e| classify(p, e))?;
        self.txn
            .open_table(BY_INTEGRATION)
            .and_then(|mut t| t.remove(integration_key(mapping).as_str()).map(drop).map_err(Into::into))
            .map_err(|e| classify(p, e))?;
        self.txn
            .open_table(MAPPINGS)
            .and_then(|mut t| t.remove(mapping.mapping_id.as_str()).map(drop).map_err(Into::into))
            .map_err(|e| classify(p, e))?;
        self.txn
            .open_table(TEST_RESULTS)
            .and_then(|mut t| t.remove(mapping.mapping_id.as_str()).map(drop).map_err(Into::into))
            .map_err(|e| classify(p, e))?;
        Ok(())
    }

    fn put_access(&mut self, grant: &AccessGrant) -> Result<()> {
        grant.validate()?;
        let mut table = self.txn.open_table(ACCESS).map_err(|e| classify(self.path, e))?;
        table.insert(grant.actor.as_str(), encode(grant)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn delete_access(&mut self, actor: &str) -> Result<()> {
        let mut table = self.txn.open_table(ACCESS).map_err(|e| classify(self.path, e))?;
        table.remove(actor).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn put_exclusion(&mut self, exclusion: &Exclusion) -> Result<()> {
        exclusion.validate()?;
        let key = exclusion_key(&exclusion.org_id, &exclusion.integration);
        let mut table = self.txn.open_table(EXCLUSIONS).map_err(|e| classify(self.path, e))?;
        table.insert(key.as_str(), encode(exclusion)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn delete_exclusion(&mut self, org_id: &str, integration: &str) -> Result<bool> {
        let mut table = self.txn.open_table(EXCLUSIONS).map_err(|e| classify(self.path, e))?;
        let removed = table.remove(exclusion_key(org_id, integration).as_str()).map_err(|e| classify(self.path, e))?;
        Ok(removed.is_some())
    }

    fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.written += 1;
        event.validate()?;
        let mut table = self.txn.open_table(AUDIT).map_err(|e| classify(self.path, e))?;
        let next = table.last().map_err(|e| classify(self.path, e))?.map_or(1, |(key, _)| key.value() + 1);
        table.insert(next, encode(event)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn put_discovery(&mut self, cache: &DiscoveryCache) -> Result<()> {
        cache.validate()?;
        let mut table = self.txn.open_table(DISCOVERY).map_err(|e| classify(self.path, e))?;
        let length = super::binary::list_length(cache)?;
        let mut value = table.insert_reserve(cache.integration.as_str(), length).map_err(|e| classify(self.path, e))?;
        super::binary::encode_list_into(cache, value.as_mut())?;
        Ok(())
    }

    fn rebuild_indexes(&mut self) -> Result<u64> {
        let p = self.path;
        let mut mappings = Vec::new();
        {
            let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(p, e))?;
            for entry in table.iter().map_err(|e| classify(p, e))? {
                let (key, value) = entry.map_err(|e| classify(p, e))?;
                match read_keyed::<Mapping>(key.value(), value.value()) {
                    Ok(mapping) => mappings.push(mapping),
                    Err(detail) => set_aside("mapping", key.value(), detail),
                }
            }
        }
        self.txn.delete_table(BY_ORG).map_err(|e| classify(p, e))?;
        self.txn.delete_table(BY_INTEGRATION).map_err(|e| classify(p, e))?;
        let mut by_org = self.txn.open_table(BY_ORG).map_err(|e| classify(p, e))?;
        let mut by_integration = self.txn.open_table(BY_INTEGRATION).map_err(|e| classify(p, e))?;
        for mapping in &mappings {
            by_org.insert(org_key(mapping).as_str(), ()).map_err(|e| classify(p, e))?;
            by_integration.insert(integration_key(mapping).as_str(), ()).map_err(|e| classify(p, e))?;
        }
        Ok(mappings.len() as u64)
    }

    fn remove_unreadable(&mut self) -> Result<Vec<(Unreadable, String)>> {
        let p = self.path;
        let mut removed = Vec::new();
        for (what, definition, found) in [
            ("organization", ORGS, self.unreadable_in::<Org>("organization", ORGS)?),
            ("mapping", MAPPINGS, self.unreadable_in::<Mapping>("mapping", MAPPINGS)?),
            ("access grant", ACCESS, self.unreadable_in::<AccessGrant>("access grant", ACCESS)?),
            ("discovery cache", DISCOVERY, self.unreadable_in::<DiscoveryCache>("discovery cache", DISCOVERY)?),
            ("test result", TEST_RESULTS, self.unreadable_in::<TestResult>("test result", TEST_RESULTS)?),
        ] {
            let mut table = self.txn.open_table(definition).map_err(|e| classify(p, e))?;
            for (record, _) in &found {
                table.remove(record.key.as_str()).map_err(|e| classify(p, e))?;
            }
            drop(table);
            if what == "mapping" {
                for (record, _) in &found {
                    self.remove_index_entries_of(&record.key)?;
                }
            }
            removed.extend(found);
        }
        let mut audit = self.txn.open_table(AUDIT).map_err(|e| classify(p, e))?;
        let mut unreadable_events = Vec::new();
        for entry in audit.iter().map_err(|e| classify(p, e))? {
            let (position, value) = entry.map_err(|e| classify(p, e))?;
            if let Err(detail) = crate::store::codec::from_json::<AuditEvent>(value.value()) {
                let key = position.value().to_string();
                unreadable_events.push((
                    position.value(),
                    Unreadable { what: "audit event".into(), key, detail },
                    stored_text(value.value()),
                ));
            }
        }
        for (position, record, text) in unreadable_events {
            audit.remove(position).map_err(|e| classify(p, e))?;
            removed.push((record, text));
        }
        Ok(removed)
    }

    fn remove_unreadable_mapping(&mut self, mapping_id: &str) -> Result<Option<String>> {
        let p = self.path;
        let text = {
            let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(p, e))?;
            let Some(value) = table.get(mapping_id).map_err(|e| classify(p, e))? else {
                return Ok(None);
            };
            if read_keyed::<Mapping>(mapping_id, value.value()).is_ok() {
                return Ok(None);
            }
            stored_text(value.value())
        };
        self.txn
            .open_table(MAPPINGS)
            .and_then(|mut t| t.remove(mapping_id).map(drop).map_err(Into::into))
            .map_err(|e| classify(p, e))?;
        self.txn
            .open_table(TEST_RESULTS)
            .and_then(|mut t| t.remove(mapping_id).map(drop).map_err(Into::into))
            .map_err(|e| classify(p, e))?;
        self.remove_index_entries_of(mapping_id)?;
        Ok(Some(text))
    }

    fn put_test_result(&mut self, result: &TestResult) -> Result<()> {
        let mut table = self.txn.open_table(TEST_RESULTS).map_err(|e| classify(self.path, e))?;
        table.insert(result.mapping_id.as_str(), encode(result)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let path = self.path;
        if self.written >= super::COMPACT_AFTER_WRITES {
            self.compact_on_close.set(true);
        }
        self.txn.commit().map_err(|e| classify(path, e))
    }
}
