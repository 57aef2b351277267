//! Exclusions: an organization that has no account in an integration on purpose, so that
//! coverage can reach "nothing unmapped". Audited like mappings.

use std::collections::HashSet;

use super::orgs::require_org;
use super::{Change, authorize};
use crate::config::Config;
use crate::domain::{AuditEvent, Exclusion, now, validate_reason};
use crate::error::{Error, Result};
use crate::store::{ReadTx, Store};

/// The exclusion of `org_id` from `integration`, if there is one.
pub fn find(tx: &dyn ReadTx, org_id: &str, integration: &str) -> Result<Option<Exclusion>> {
    Ok(tx.exclusions()?.into_iter().find(|e| e.org_id == org_id && e.integration == integration))
}

/// The organizations excluded from `integration`.
pub fn excluded_orgs(tx: &dyn ReadTx, integration: &str) -> Result<HashSet<String>> {
    Ok(tx.exclusions()?.into_iter().filter(|e| e.integration == integration).map(|e| e.org_id).collect())
}

fn event(actor: &str, action: &str, exclusion: &Exclusion, before: bool) -> Result<AuditEvent> {
    let mut event = AuditEvent::new(actor, action, format!("exclusion:{}/{}", exclusion.org_id, exclusion.integration));
    event.org_id = Some(exclusion.org_id.clone());
    event.integration = Some(exclusion.integration.clone());
    let value = Some(serde_json::to_value(exclusion)?);
    if before {
        event.before = value;
    } else {
        event.after = value;
    }
    Ok(event)
}

/// Records that `org_id` has no account in `integration` on purpose. Refused while the org has
/// an active mapping there: unmap or deactivate it first.
pub fn exclude(
    store: &dyn Store,
    config: &Config,
    actor: &str,
    org_id: &str,
    integration: &str,
    reason: Option<&str>,
) -> Result<Change<Exclusion>> {
    let mut tx = authorize(store.write()?, actor, "exclusion.create", &format!("org:{org_id}"))?;
    require_org(&*tx, org_id)?;
    config.mapping_integration(integration)?;
    if let Some(reason) = reason {
        validate_reason(reason)?;
    }
    if let Some(mapping) = tx.mappings_of_org(org_id, Some(integration))?.into_iter().find(|m| m.active) {
        return Err(Error::conflict(
            format!("'{org_id}' has an active {integration} mapping ({})", mapping.mapping_id),
            Some(format!("an excluded organization has no account there: `orgmap unmap {}` first", mapping.mapping_id)),
        ));
    }
    let existing = find(&*tx, org_id, integration)?;
    if let Some(existing) = existing {
        if existing.reason.as_deref() == reason {
            return Ok(Change::Unchanged(existing));
        }
        let after = Exclusion { reason: reason.map(str::to_owned), ..existing.clone() };
        tx.put_exclusion(&after)?;
        let mut audit = event(actor, "exclusion.update", &after, false)?;
        audit.before = Some(serde_json::to_value(&existing)?);
        tx.append_audit(&audit)?;
        tx.commit()?;
        return Ok(Change::Updated(after));
    }
    let exclusion = Exclusion {
        org_id: org_id.to_owned(),
        integration: integration.to_owned(),
        reason: reason.map(str::to_owned),
        created_at: now(),
        created_by: actor.to_owned(),
    };
    tx.put_exclusion(&exclusion)?;
    tx.append_audit(&event(actor, "exclusion.create", &exclusion, false)?)?;
    tx.commit()?;
    Ok(Change::Created(exclusion))
}

/// Removes an exclusion; returns it, or `None` when there was none.
pub fn include(store: &dyn Store, actor: &str, org_id: &str, integration: &str) -> Result<Option<Exclusion>> {
    let mut tx = authorize(store.write()?, actor, "exclusion.delete", &format!("org:{org_id}"))?;
    require_org(&*tx, org_id)?;
    let Some(existing) = find(&*tx, org_id, integration)? else {
        return Ok(None);
    };
    tx.delete_exclusion(org_id, integration)?;
    tx.append_audit(&event(actor, "exclusion.delete", &existing, true)?)?;
    tx.commit()?;
    Ok(Some(existing))
}
