//! What orgmap does, independent of how it is asked: the rules for orgs, mappings, access and the
//! audit log, written once against the store traits. The CLI is one caller; a Rust workflow can
//! be another (see [`crate::workflow`]).
//!
//! Every change runs in one write transaction that checks permission, validates, writes the
//! record and its indexes, and appends the audit event; a change that changes nothing writes
//! nothing.

pub mod access;
pub mod backup;
pub mod bootstrap;
pub mod connection;
pub mod coverage;
pub mod discovery;
pub mod exclusions;
pub mod mappings;
pub mod orgs;
pub mod reconcile;
pub mod verify;

use crate::domain::{AuditEvent, Outcome};
use crate::error::{Error, Result};
use crate::store::WriteTx;

/// What a change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    Created(T),
    Updated(T),
    Unchanged(T),
}

impl<T> Change<T> {
    /// The record as it is now.
    pub fn value(&self) -> &T {
        match self {
            Change::Created(v) | Change::Updated(v) | Change::Unchanged(v) => v,
        }
    }

    /// The record as it is now, owned.
    pub fn into_value(self) -> T {
        match self {
            Change::Created(v) | Change::Updated(v) | Change::Unchanged(v) => v,
        }
    }

    /// `created`, `updated` or `unchanged`, as reported in JSON.
    pub fn outcome(&self) -> &'static str {
        match self {
            Change::Created(_) => "created",
            Change::Updated(_) => "updated",
            Change::Unchanged(_) => "unchanged",
        }
    }
}

/// Lets `tx` go on when `actor` holds manage-config; otherwise records the denied attempt
/// durably and refuses.
pub(crate) fn authorize<'s>(
    mut tx: Box<dyn WriteTx + 's>,
    actor: &str,
    action: &str,
    target: &str,
) -> Result<Box<dyn WriteTx + 's>> {
    let refusal = tx.server_refusal()?;
    let allowed = tx.access(actor)?.is_some_and(|grant| grant.can_manage_config());
    if allowed && refusal.is_none() {
        return Ok(tx);
    }
    let mut event = AuditEvent::new(actor, action, target.to_owned());
    event.outcome = Outcome::Denied;
    if let Some(org) = target.strip_prefix("org:") {
        event.org_id = Some(org.to_owned());
    }
    tx.append_audit(&event)?;
    tx.commit()?;
    match refusal {
        // The server's word comes first: no grant in the store can overrule it.
        Some(refusal) => Err(Error::RoleDenied {
            role: refusal.role,
            action: describe(action),
            manager: refusal.manager,
            detail: None,
            grant: None,
        }),
        None => Err(Error::PermissionDenied { actor: actor.to_owned(), action: describe(action) }),
    }
}

/// Refuses, and audits the refusal, unless `actor` may do `action`: for commands that look
/// things up before they change them, so that permission is checked first and someone without it
/// learns nothing. Writes nothing when the actor may.
pub fn check_permission(store: &dyn crate::store::Store, actor: &str, action: &str, target: &str) -> Result<()> {
    authorize(store.write()?, actor, action, target).map(drop)
}

/// What an action is, in words, for the refusal message.
fn describe(action: &str) -> String {
    let words = match action {
        "org.create" => "add organizations",
        "org.rename" => "rename organizations",
        "org.activate" => "activate organizations",
        "org.deactivate" => "deactivate organizations",
        "mapping.create" => "create mappings",
        "mapping.update" => "change mappings",
        "mapping.set" => "set mappings",
        "mapping.delete" => "delete mappings",
        "access.grant" => "grant access",
        "access.revoke" => "revoke access",
        "org.update" => "change organizations",
        "exclusion.create" => "exclude organizations",
        "exclusion.delete" => "include organizations again",
        "org.import" => "import organizations",
        "mapping.apply" => "apply suggested mappings",
        other => other,
    };
    words.to_owned()
}
