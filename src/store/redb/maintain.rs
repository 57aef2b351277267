//! Upkeep of the embedded store: its schema version, migrating records to the compact form, and
//! giving space back (rewriting the mapping tables in key order, then compacting the file).

use std::path::Path;

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::{BY_INTEGRATION, BY_ORG, Handle, MAPPINGS, META, RedbStore, binary, classify, read};
use crate::domain::Mapping;
use crate::error::{Error, Result};
use crate::store::{Access, OpenOptions, SCHEMA_VERSION};

impl RedbStore {
    pub(super) fn set_schema_version(&self, version: u32) -> Result<()> {
        let tx = self.begin_write()?;
        {
            let mut meta = tx.txn.open_table(META).map_err(|e| classify(&self.db_path, e))?;
            meta.insert("schema_version", version.to_string().as_str()).map_err(|e| classify(&self.db_path, e))?;
        }
        tx.txn.commit().map_err(|e| classify(&self.db_path, e))
    }

    /// Brings a store to this version's layout: every mapping still stored as JSON is rewritten
    /// in the compact form, in one transaction, and the file is compacted to give the space back.
    /// Returns the schema version found and the one it is at now.
    pub fn migrate(dir: &Path, options: &OpenOptions) -> Result<(u32, u32)> {
        let found = RedbStore::open(dir, Access::Read, options)?.check_schema()?;
        let mut store = RedbStore::open(dir, Access::Write, options)?;
        let p = store.db_path.clone();
        let tx = store.begin_write()?;
        {
            let mut mappings = tx.txn.open_table(MAPPINGS).map_err(|e| classify(&p, e))?;
            let mut json = Vec::new();
            for entry in mappings.iter().map_err(|e| classify(&p, e))? {
                let (key, value) = entry.map_err(|e| classify(&p, e))?;
                if !binary::is_binary(value.value()) {
                    json.push(key.value().to_owned());
                }
            }
            for key in json {
                let bytes = mappings.get(key.as_str()).map_err(|e| classify(&p, e))?.map(|v| v.value().to_vec());
                // A record that cannot be read is left as it is, for `doctor --repair` to name.
                if let Some(Ok(mapping)) = bytes.map(|b| read::read_keyed::<Mapping>(&key, &b)) {
                    let encoded = binary::encode_mapping(&mapping)?;
                    mappings.insert(key.as_str(), encoded.as_slice()).map_err(|e| classify(&p, e))?;
                }
            }
        }
        tx.txn.commit().map_err(|e| classify(&p, e))?;
        store.compact()?;
        Ok((found, SCHEMA_VERSION))
    }

    /// Gives the space of deleted and rewritten records back to the file system: the mapping
    /// tables are first rewritten in key order, then the file is compacted.
    pub fn compact(&mut self) -> Result<()> {
        self.repack()?;
        let Handle::ReadWrite(db) = &mut self.handle else { return Ok(()) };
        db.compact().map_err(|err| Error::StoreAccess { path: self.db_path.clone(), detail: err.to_string() })?;
        Ok(())
    }

    /// Rewrites the mapping table and its indexes in key order, in one transaction. Keys that
    /// arrive in random order (mappings set one by one, over months) leave B-tree pages partly
    /// empty, which compaction alone does not change: 100,000 mappings took 40 MB so, against
    /// 35 MB written in order.
    fn repack(&self) -> Result<()> {
        let tx = self.begin_write()?;
        let p = self.db_path.as_path();
        repack_table(&tx.txn, p, MAPPINGS, TableDefinition::new("repack.mappings"))?;
        repack_table(&tx.txn, p, BY_ORG, TableDefinition::new("repack.by_org"))?;
        repack_table(&tx.txn, p, BY_INTEGRATION, TableDefinition::new("repack.by_integration"))?;
        tx.txn.commit().map_err(|e| classify(p, e))
    }
}

/// Copies `table` into `scratch` and back, each time in key order, so that its pages are filled
/// as an append fills them.
fn repack_table<V: redb::Value + 'static>(
    txn: &WriteTransaction,
    path: &Path,
    table: TableDefinition<&'static str, V>,
    scratch: TableDefinition<&'static str, V>,
) -> Result<()>
where
    for<'a> V::SelfType<'a>: std::borrow::Borrow<V::SelfType<'a>>,
{
    let copy = |from: TableDefinition<&'static str, V>, to: TableDefinition<&'static str, V>| -> Result<()> {
        let source = txn.open_table(from).map_err(|e| classify(path, e))?;
        let mut target = txn.open_table(to).map_err(|e| classify(path, e))?;
        for entry in source.iter().map_err(|e| classify(path, e))? {
            let (key, value) = entry.map_err(|e| classify(path, e))?;
            target.insert(key.value(), value.value()).map_err(|e| classify(path, e))?;
        }
        Ok(())
    };
    copy(table, scratch)?;
    txn.delete_table(table).map_err(|e| classify(path, e))?;
    copy(scratch, table)?;
    txn.delete_table(scratch).map_err(|e| classify(path, e))?;
    Ok(())
}
