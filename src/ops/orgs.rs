//! The MSP's own organizations.

use super::{Change, authorize};
use crate::domain::{AuditEvent, Org, now, validate_domain, validate_org_id, validate_org_name};
use crate::error::{Error, Result};
use crate::store::{ReadTx, Store};

/// The organization `id`, or a not-found error.
pub fn require_org(tx: &dyn ReadTx, id: &str) -> Result<Org> {
    tx.org(id)?.ok_or_else(|| Error::OrgNotFound { org: id.to_owned() })
}

/// What matching needs to know of an organization besides its name: domains and aliases to
/// add or remove.
#[derive(Debug, Clone, Default)]
pub struct OrgDetails {
    pub add_domains: Vec<String>,
    pub remove_domains: Vec<String>,
    pub add_aliases: Vec<String>,
    pub remove_aliases: Vec<String>,
}

impl OrgDetails {
    fn apply(&self, org: &mut Org) -> Result<()> {
        for domain in &self.add_domains {
            let domain = normalise_domain_argument(domain)?;
            if !org.domains.contains(&domain) {
                org.domains.push(domain);
            }
        }
        let removed: Vec<String> = self.remove_domains.iter().map(|d| d.trim().to_ascii_lowercase()).collect();
        org.domains.retain(|d| !removed.contains(d));
        for alias in &self.add_aliases {
            if !org.aliases.contains(alias) {
                org.aliases.push(alias.clone());
            }
        }
        org.aliases.retain(|a| !self.remove_aliases.contains(a));
        Ok(())
    }
}

/// A domain as given on the command line: lower case, without `www.`, and never a public mail
/// domain (which would match every customer that uses it).
fn normalise_domain_argument(text: &str) -> Result<String> {
    let domain = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.strip_prefix("www.").unwrap_or(&domain).to_owned();
    validate_domain(&domain)?;
    if crate::matching::is_public_mail_domain(&domain) || crate::matching::is_tenant_domain(&domain) {
        return Err(Error::Invalid {
            what: "domain".into(),
            message: format!("{domain} is a public mail or tenant domain, shared by many organizations"),
            hint: Some("give the organization's own domains only; matching never counts such a domain".into()),
        });
    }
    Ok(domain)
}

/// Adds an organization; adding one that exists with the same name (and no new details)
/// changes nothing.
pub fn add_org(store: &dyn Store, actor: &str, id: &str, name: &str, details: &OrgDetails) -> Result<Change<Org>> {
    let mut tx = authorize(store.write()?, actor, "org.create", &format!("org:{id}"))?;
    validate_org_id(id)?;
    validate_org_name(name)?;
    if let Some(existing) = tx.org(id)? {
        if existing.name == name {
            let mut wanted = existing.clone();
            details.apply(&mut wanted)?;
            if wanted == existing {
                return Ok(Change::Unchanged(existing));
            }
            return Err(Error::conflict(
                format!("organization '{id}' already exists with other domains or aliases"),
                Some(format!("change them with `orgmap org edit {id}`")),
            ));
        }
        return Err(Error::conflict(
            format!("organization '{id}' already exists as \"{}\"", existing.name),
            Some(format!("rename it with `orgmap org rename {id} \"{name}\"`")),
        ));
    }
    let mut org = Org::new(id, name, actor, now());
    details.apply(&mut org)?;
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

/// Changes an organization's name, domains and aliases (`org edit`).
pub fn edit_org(
    store: &dyn Store,
    actor: &str,
    id: &str,
    name: Option<&str>,
    details: &OrgDetails,
) -> Result<Change<Org>> {
    let tx = authorize(store.write()?, actor, "org.update", &format!("org:{id}"))?;
    let before = require_org(&*tx, id)?;
    if let Some(name) = name {
        validate_org_name(name)?;
    }
    let mut after = before.clone();
    if let Some(name) = name {
        after.name = name.to_owned();
    }
    details.apply(&mut after)?;
    after.validate()?;
    update_org(tx, actor, "org.update", before, |org| *org = after)
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
