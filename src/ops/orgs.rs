//! The MSP's own organizations.

use super::{Change, authorize};
use crate::domain::{AuditEvent, Org, now, validate_org_id, validate_org_name};
use crate::error::{Error, Result};
use crate::store::{ReadTx, Store};

/// The organization `id`, or a not-found error.
pub fn require_org(tx: &dyn ReadTx, id: &str) -> Result<Org> {
    tx.org(id)?.ok_or_else(|| Error::OrgNotFound { org: id.to_owned() })
}

/// Adds an organization; adding one that exists with the same name changes nothing.
pub fn add_org(store: &dyn Store, actor: &str, id: &str, name: &str) -> Result<Change<Org>> {
    let mut tx = authorize(store.write()?, actor, "org.create", &format!("org:{id}"))?;
    validate_org_id(id)?;
    validate_org_name(name)?;
    if let Some(existing) = tx.org(id)? {
        if existing.name == name {
            return Ok(Change::Unchanged(existing));
        }
        return Err(Error::conflict(
            format!("organization '{id}' already exists as \"{}\"", existing.name),
            Some(format!("rename it with `orgmap org rename {id} \"{name}\"`")),
        ));
    }
    let at = now();
    let org = Org {
        id: id.to_owned(),
        name: name.to_owned(),
        active: true,
        created_at: at,
        created_by: actor.to_owned(),
        updated_at: at,
        updated_by: actor.to_owned(),
    };
    tx.put_org(&org)?;
    tx.append_audit(&AuditEvent::for_org(actor, "org.create", None, Some(&org))?)?;
    tx.commit()?;
    Ok(Change::Created(org))
}

/// Gives an organization a new display name.
pub fn rename_org(store: &dyn Store, actor: &str, id: &str, name: &str) -> Result<Change<Org>> {
    let tx = authorize(store.write()?, actor, "org.rename", &format!("org:{id}"))?;
    let before = require_org(&*tx, id)?;
    validate_org_name(name)?;
    update_org(tx, actor, "org.rename", before, |org| org.name = name.to_owned())
}

/// Activates or deactivates an organization; workflows cannot use the mappings of an inactive one.
pub fn set_org_active(store: &dyn Store, actor: &str, id: &str, active: bool) -> Result<Change<Org>> {
    let action = if active { "org.activate" } else { "org.deactivate" };
    let tx = authorize(store.write()?, actor, action, &format!("org:{id}"))?;
    let before = require_org(&*tx, id)?;
    update_org(tx, actor, action, before, |org| org.active = active)
}

fn update_org(
    mut tx: Box<dyn crate::store::WriteTx + '_>,
    actor: &str,
    action: &str,
    before: Org,
    change: impl FnOnce(&mut Org),
) -> Result<Change<Org>> {
    let mut after = before.clone();
    change(&mut after);
    if after == before {
        return Ok(Change::Unchanged(before));
    }
    after.updated_at = now();
    after.updated_by = actor.to_owned();
    tx.put_org(&after)?;
    tx.append_audit(&AuditEvent::for_org(actor, action, Some(&before), Some(&after))?)?;
    tx.commit()?;
    Ok(Change::Updated(after))
}
