//! Who holds the manage-config permission.

use super::{Change, authorize};
use crate::domain::{AccessGrant, AuditEvent, validate_actor};
use crate::error::{Error, Result};
use crate::store::Store;

/// Grants manage-config to `grantee`.
pub fn grant(store: &dyn Store, actor: &str, grantee: &str) -> Result<Change<AccessGrant>> {
    let mut tx = authorize(store.write()?, actor, "access.grant", &format!("actor:{grantee}"))?;
    validate_actor(grantee)?;
    if let Some(existing) = tx.access(grantee)?
        && existing.can_manage_config()
    {
        return Ok(Change::Unchanged(existing));
    }
    let grant = AccessGrant::manage_config(grantee, actor);
    tx.put_access(&grant)?;
    let mut event = AuditEvent::new(actor, "access.grant", format!("actor:{grantee}"));
    event.after = Some(serde_json::to_value(&grant)?);
    tx.append_audit(&event)?;
    tx.commit()?;
    Ok(Change::Created(grant))
}

/// Takes manage-config away from `grantee`. The last holder cannot be removed: nobody could
/// change anything afterwards.
pub fn revoke(store: &dyn Store, actor: &str, grantee: &str) -> Result<Option<AccessGrant>> {
    let mut tx = authorize(store.write()?, actor, "access.revoke", &format!("actor:{grantee}"))?;
    let Some(existing) = tx.access(grantee)? else {
        return Ok(None);
    };
    let holders = tx.access_list()?.into_iter().filter(AccessGrant::can_manage_config).count();
    if existing.can_manage_config() && holders <= 1 {
        return Err(Error::conflict(
            format!("{grantee} is the last holder of manage-config"),
            Some("grant it to someone else first, so that the store can still be changed".into()),
        ));
    }
    tx.delete_access(grantee)?;
    let mut event = AuditEvent::new(actor, "access.revoke", format!("actor:{grantee}"));
    event.before = Some(serde_json::to_value(&existing)?);
    tx.append_audit(&event)?;
    tx.commit()?;
    Ok(Some(existing))
}
