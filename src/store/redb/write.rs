//! Writes within a redb write transaction: records with both indexes kept in step.

use redb::ReadableTable;

use super::{
    ACCESS, AUDIT, BY_INTEGRATION, BY_ORG, DISCOVERY, MAPPINGS, ORGS, RedbWrite, TEST_RESULTS, classify, decode,
    encode, integration_key, org_key,
};
use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Mapping, Org, TestResult};
use crate::error::Result;
use crate::store::WriteTx;

impl WriteTx for RedbWrite<'_> {
    fn put_org(&mut self, org: &Org) -> Result<()> {
        let mut table = self.txn.open_table(ORGS).map_err(|e| classify(self.path, e))?;
        table.insert(org.id.as_str(), encode(org)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn put_mapping(&mut self, previous: Option<&Mapping>, mapping: &Mapping) -> Result<()> {
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
        table.insert(mapping.mapping_id.as_str(), encode(mapping)?.as_slice()).map_err(|e| classify(p, e))?;
        Ok(())
    }

    fn delete_mapping(&mut self, mapping: &Mapping) -> Result<()> {
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
        let mut table = self.txn.open_table(ACCESS).map_err(|e| classify(self.path, e))?;
        table.insert(grant.actor.as_str(), encode(grant)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn delete_access(&mut self, actor: &str) -> Result<()> {
        let mut table = self.txn.open_table(ACCESS).map_err(|e| classify(self.path, e))?;
        table.remove(actor).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        let mut table = self.txn.open_table(AUDIT).map_err(|e| classify(self.path, e))?;
        let next = table.last().map_err(|e| classify(self.path, e))?.map_or(1, |(key, _)| key.value() + 1);
        table.insert(next, encode(event)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn put_discovery(&mut self, cache: &DiscoveryCache) -> Result<()> {
        let mut table = self.txn.open_table(DISCOVERY).map_err(|e| classify(self.path, e))?;
        table.insert(cache.integration.as_str(), encode(cache)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn rebuild_indexes(&mut self) -> Result<u64> {
        let p = self.path;
        let mut mappings = Vec::new();
        {
            let table = self.txn.open_table(MAPPINGS).map_err(|e| classify(p, e))?;
            for entry in table.iter().map_err(|e| classify(p, e))? {
                let (_, value) = entry.map_err(|e| classify(p, e))?;
                mappings.push(decode::<Mapping>(p, "mapping", value.value())?);
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

    fn put_test_result(&mut self, result: &TestResult) -> Result<()> {
        let mut table = self.txn.open_table(TEST_RESULTS).map_err(|e| classify(self.path, e))?;
        table.insert(result.mapping_id.as_str(), encode(result)?.as_slice()).map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let path = self.path;
        self.txn.commit().map_err(|e| classify(path, e))
    }
}
