//! The rules every stored record obeys, whichever door it comes through (a command, an import, an
//! API answer): the stores check them before writing, so that everything stored reads back.

use super::validate::{
    MAX_JSON_DEPTH, MAX_ORG_ALIASES, MAX_ORG_DOMAINS, is_valid_integration_name, validate_actor, validate_audit_word,
    validate_domain, validate_external_id, validate_external_name, validate_json_within, validate_label,
    validate_mapping_id, validate_metadata, validate_org_id, validate_org_name, validate_reason,
};
use super::{AccessGrant, AuditEvent, DiscoveryCache, Exclusion, ExternalOrg, Mapping, MappingSource, Org};

/// The most pieces of evidence a suggested mapping keeps.
const MAX_EVIDENCE: usize = 16;
use crate::error::{Error, Result};

/// How deeply an audit event's before and after may nest. Events record records as they were,
/// and older versions stored metadata nested up to serde_json's limit of 128: deleting such a
/// mapping must still be audited. Every reader of the store and of exports reads this deep.
const MAX_AUDIT_DEPTH: usize = 150;

fn integration_name(name: &str) -> Result<()> {
    if is_valid_integration_name(name) {
        Ok(())
    } else {
        Err(Error::invalid("integration name", format!("'{}' is not an integration name", name.escape_debug())))
    }
}

impl Org {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate_org_id(&self.id)?;
        validate_org_name(&self.name)?;
        if self.domains.len() > MAX_ORG_DOMAINS || self.aliases.len() > MAX_ORG_ALIASES {
            return Err(Error::invalid(
                "organization",
                format!("at most {MAX_ORG_DOMAINS} domains and {MAX_ORG_ALIASES} aliases are allowed"),
            ));
        }
        self.domains.iter().try_for_each(|domain| validate_domain(domain))?;
        self.aliases.iter().try_for_each(|alias| validate_org_name(alias))?;
        validate_actor(&self.created_by)?;
        validate_actor(&self.updated_by)
    }
}

impl Mapping {
    /// Checks every field; the integration's `id_pattern` is checked by the caller, which knows
    /// the config.
    pub fn validate(&self) -> Result<()> {
        validate_mapping_id(&self.mapping_id)?;
        validate_org_id(&self.org_id)?;
        integration_name(&self.integration)?;
        validate_external_id(&self.external_org_id, None)?;
        if let Some(name) = &self.external_org_name {
            validate_external_name(name)?;
        }
        if let Some(label) = &self.label {
            validate_label(label)?;
        }
        validate_metadata(&self.metadata)?;
        validate_actor(&self.created_by)?;
        validate_actor(&self.updated_by)?;
        self.source.as_ref().map_or(Ok(()), MappingSource::validate)
    }
}

impl MappingSource {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate_actor(&self.accepted_by)?;
        for word in [&self.method, &self.confidence].into_iter().flatten() {
            validate_audit_word("mapping source", word)?;
        }
        if self.evidence.len() > MAX_EVIDENCE {
            return Err(Error::invalid("mapping source", format!("at most {MAX_EVIDENCE} pieces of evidence")));
        }
        if let Some(name) = &self.upstream_name {
            validate_external_name(name)?;
        }
        self.evidence.iter().try_for_each(|evidence| validate_reason(evidence))
    }
}

impl Exclusion {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate_org_id(&self.org_id)?;
        integration_name(&self.integration)?;
        if let Some(reason) = &self.reason {
            validate_reason(reason)?;
        }
        validate_actor(&self.created_by)
    }
}

impl AccessGrant {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate_actor(&self.actor)?;
        validate_actor(&self.granted_by)?;
        for permission in &self.permissions {
            validate_audit_word("permission", permission)?;
        }
        Ok(())
    }
}

impl AuditEvent {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate_actor(&self.actor)?;
        validate_audit_word("audit action", &self.action)?;
        validate_audit_word("audit target", &self.target)?;
        if let Some(role) = &self.db_role {
            validate_audit_word("database role", role)?;
        }
        // Refused attempts are audited before their arguments are checked: the org and
        // integration they name need only be printable.
        if let Some(org) = &self.org_id {
            validate_audit_word("audit organization", org)?;
        }
        if let Some(integration) = &self.integration {
            validate_audit_word("audit integration", integration)?;
        }
        for value in [&self.before, &self.after].into_iter().flatten() {
            validate_json_within(value, MAX_AUDIT_DEPTH)
                .map_err(|why| Error::invalid("audit event", format!("its record {why}")))?;
        }
        Ok(())
    }
}

impl ExternalOrg {
    /// Checks the ID and name; fields kept from the answer must nest at most
    /// [`MAX_JSON_DEPTH`] levels.
    pub fn validate(&self) -> Result<()> {
        validate_external_id(&self.id, None)?;
        if let Some(name) = &self.name {
            validate_external_name(name)?;
        }
        for (field, value) in &self.extra {
            validate_json_within(value, MAX_JSON_DEPTH)
                .map_err(|why| Error::invalid("external organization", format!("its field '{field}' {why}")))?;
        }
        if self.domains.len() > MAX_ORG_DOMAINS
            || self.domains.iter().any(|d| d.is_empty() || d.len() > 253 || d.chars().any(char::is_control))
        {
            return Err(Error::invalid("external organization", "its domains are not all printable and short"));
        }
        for (integration, id) in &self.xrefs {
            integration_name(integration)?;
            validate_external_id(id, None)?;
        }
        Ok(())
    }
}

impl DiscoveryCache {
    /// Checks every organization in the list.
    pub fn validate(&self) -> Result<()> {
        integration_name(&self.integration)?;
        self.organizations.iter().try_for_each(ExternalOrg::validate)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::{Metadata, now};

    fn mapping() -> Mapping {
        let at = now();
        Mapping {
            mapping_id: ulid::Ulid::new().to_string(),
            org_id: "acme".into(),
            integration: "halopsa".into(),
            external_org_id: "12345".into(),
            external_org_name: Some("Acme".into()),
            label: None,
            metadata: Metadata::new(),
            active: true,
            verified: false,
            revision: 1,
            created_at: at,
            created_by: "alice".into(),
            updated_at: at,
            updated_by: "alice".into(),
            source: None,
        }
    }

    #[test]
    fn a_mapping_id_must_be_a_canonical_ulid() {
        let mut m = mapping();
        assert!(m.validate().is_ok());
        m.mapping_id = m.mapping_id.to_lowercase();
        assert!(m.validate().is_err(), "lower case cannot be found by prefix");
        m.mapping_id = "ABC".into();
        assert!(m.validate().is_err());
    }

    #[test]
    fn metadata_nesting_and_nul_are_refused_at_every_depth() {
        let mut m = mapping();
        let mut deep = json!("x");
        for _ in 0..=MAX_JSON_DEPTH {
            deep = json!([deep]);
        }
        m.metadata.insert("k".into(), deep.clone());
        assert!(m.validate().is_err());
        m.metadata.insert("k".into(), deep[0].clone());
        assert!(m.validate().is_ok());
        m.metadata.insert("k".into(), json!({"a": "x\u{0}y"}));
        assert!(m.validate().is_err());
        m.metadata.insert("k".into(), json!({"a\u{1b}": "x"}));
        assert!(m.validate().is_err());
        m.metadata.insert("k".into(), json!({"a": "two\nlines\tand tabs"}));
        assert!(m.validate().is_ok());
    }

    #[test]
    fn the_deepest_accepted_mapping_reads_back_inside_an_audit_event_and_an_export_line() {
        let mut m = mapping();
        let mut deep = json!("x");
        for _ in 0..MAX_JSON_DEPTH {
            deep = json!({ "a": deep });
        }
        m.metadata.insert("k".into(), deep);
        m.validate().unwrap();
        let event = AuditEvent::for_mapping("alice", "mapping.update", Some(&m), Some(&m)).unwrap();
        event.validate().unwrap();
        let line = json!({"kind": "audit", "record": event});
        let text = serde_json::to_string(&line).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, line);
    }

    #[test]
    fn audit_words_are_printable() {
        let mut event = AuditEvent::new("alice", "mapping.create", "mapping:x".into());
        assert!(event.validate().is_ok());
        event.action = "\u{1b}]0;PWNED\u{7}".into();
        assert!(event.validate().is_err());
    }
}
