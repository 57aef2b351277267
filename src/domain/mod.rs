//! The records orgmap keeps (organizations, mappings, audit events, access grants) and the rules
//! that values must follow. Pure data: nothing here touches the store or the terminal.

mod records;
mod validate;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use validate::{
    MAX_EXTERNAL_ID_LEN, MAX_JSON_DEPTH, MAX_META_ENTRIES, MAX_ORG_ALIASES, MAX_ORG_DOMAINS, check_numbers_exact,
    is_valid_integration_name, parse_exact_json, validate_actor, validate_domain, validate_external_id,
    validate_external_name, validate_json_value, validate_label, validate_mapping_id, validate_metadata,
    validate_org_id, validate_org_name, validate_reason,
};

/// The one permission orgmap knows: changing orgs, mappings and access (the spec's canManageConfig).
pub const MANAGE_CONFIG: &str = "manage-config";

/// Key-value data attached to a mapping; values are JSON (strings unless set with `--meta-json`).
pub type Metadata = BTreeMap<String, Value>;

/// The current time, truncated to microseconds so that every backend stores it exactly.
pub fn now() -> Timestamp {
    to_microseconds(Timestamp::now())
}

/// `at` without its sub-microsecond part.
pub fn to_microseconds(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}

/// One of the MSP's own customer organizations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub active: bool,
    /// The organization's own domains (lower case), evidence when matching external records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// Former or trading names, which matching counts as the organization's names too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// The link between an MSP organization and one organization in an external system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub mapping_id: String,
    pub org_id: String,
    pub integration: String,
    pub external_org_id: String,
    pub external_org_name: Option<String>,
    pub label: Option<String>,
    pub metadata: Metadata,
    pub active: bool,
    /// Whether the external ID was checked against the external system when it was saved.
    pub verified: bool,
    /// Bumped by every change; `edit --if-revision` refuses a stale one.
    pub revision: u64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
    /// How the mapping came to be; `None` on mappings made before orgmap recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<MappingSource>,
}

/// How a mapping came to be, and who accepted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingSource {
    pub kind: SourceKind,
    /// For a suggestion: how it was found (`cross_reference`, `domain`, `normalised_name`, `fuzzy_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// For a suggestion: `high`, `medium` or `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// For a suggestion: what matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    pub accepted_by: String,
    pub accepted_at: Timestamp,
    /// The name the external system gave the organization when the external ID was last checked
    /// against it: what a rename upstream is told against, whatever name the mapping was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_name: Option<String>,
}

/// Where a mapping came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Made by a person or a workflow (`map`, `set`, `edit`).
    Manual,
    /// Created with an organization bootstrapped from a system of record (`org import`).
    Import,
    /// Proposed by `suggest` and accepted (`apply`, or the review screen).
    Suggested,
}

impl MappingSource {
    /// A mapping made by hand by `actor`, now.
    pub fn manual(actor: &str) -> MappingSource {
        MappingSource {
            kind: SourceKind::Manual,
            method: None,
            confidence: None,
            evidence: Vec::new(),
            accepted_by: actor.to_owned(),
            accepted_at: now(),
            upstream_name: None,
        }
    }

    /// Records the name the external system gave when the ID was checked (a name orgmap could
    /// not keep is not recorded).
    pub fn seen_upstream(mut self, name: Option<&str>) -> MappingSource {
        self.upstream_name = name.filter(|n| validate_external_name(n).is_ok()).map(str::to_owned);
        self
    }
}

/// An organization that has no account in an integration on purpose, so that coverage can
/// reach "nothing unmapped".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub org_id: String,
    pub integration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Org {
    /// A new active organization made by `actor` at `at`, without domains or aliases.
    pub fn new(id: &str, name: &str, actor: &str, at: Timestamp) -> Org {
        Org {
            id: id.to_owned(),
            name: name.to_owned(),
            active: true,
            domains: Vec::new(),
            aliases: Vec::new(),
            created_at: at,
            created_by: actor.to_owned(),
            updated_at: at,
            updated_by: actor.to_owned(),
        }
    }
}

/// What a new mapping links: an organization and an external organization of one integration.
#[derive(Debug, Clone)]
pub struct MappingLink {
    pub org_id: String,
    pub integration: String,
    pub external_org_id: String,
    pub external_org_name: Option<String>,
}

impl Mapping {
    /// A new active mapping at revision 1 with a fresh ID, made by `actor` at `at`, without
    /// label or metadata.
    pub fn new(link: MappingLink, verified: bool, source: MappingSource, actor: &str, at: Timestamp) -> Mapping {
        Mapping {
            mapping_id: ulid::Ulid::new().to_string(),
            org_id: link.org_id,
            integration: link.integration,
            external_org_id: link.external_org_id,
            external_org_name: link.external_org_name,
            label: None,
            metadata: Metadata::new(),
            active: true,
            verified,
            revision: 1,
            created_at: at,
            created_by: actor.to_owned(),
            updated_at: at,
            updated_by: actor.to_owned(),
            source: Some(source),
        }
    }

    /// Whether the user-visible content of two versions differs (audit fields aside).
    pub fn same_content(&self, other: &Mapping) -> bool {
        self.org_id == other.org_id
            && self.integration == other.integration
            && self.external_org_id == other.external_org_id
            && self.external_org_name == other.external_org_name
            && self.label == other.label
            && self.metadata == other.metadata
            && self.active == other.active
            && self.verified == other.verified
    }
}

/// Whether an audited attempt went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: String,
    pub at: Timestamp,
    pub actor: String,
    /// The database role of the session that wrote it, on a PostgreSQL store (set by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_role: Option<String>,
    /// What was done, such as `mapping.create` or `org.rename`.
    pub action: String,
    /// What it was done to, such as `mapping:01J…` or `org:acme`.
    pub target: String,
    pub org_id: Option<String>,
    pub integration: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub outcome: Outcome,
}

impl AuditEvent {
    /// A new event stamped now with a fresh time-ordered ID.
    pub fn new(actor: &str, action: &str, target: String) -> Self {
        AuditEvent {
            id: ulid::Ulid::new().to_string(),
            at: now(),
            actor: actor.to_owned(),
            db_role: None,
            action: action.to_owned(),
            target,
            org_id: None,
            integration: None,
            before: None,
            after: None,
            outcome: Outcome::Ok,
        }
    }

    /// An event about one mapping, with its state before and after.
    pub fn for_mapping(
        actor: &str,
        action: &str,
        before: Option<&Mapping>,
        after: Option<&Mapping>,
    ) -> Result<Self, serde_json::Error> {
        let subject = after.or(before).expect("a mapping event has a before or an after");
        let mut event = AuditEvent::new(actor, action, format!("mapping:{}", subject.mapping_id));
        event.org_id = Some(subject.org_id.clone());
        event.integration = Some(subject.integration.clone());
        event.before = before.map(serde_json::to_value).transpose()?;
        event.after = after.map(serde_json::to_value).transpose()?;
        Ok(event)
    }

    /// An event about one organization, with its state before and after.
    pub fn for_org(
        actor: &str,
        action: &str,
        before: Option<&Org>,
        after: Option<&Org>,
    ) -> Result<Self, serde_json::Error> {
        let subject = after.or(before).expect("an org event has a before or an after");
        let mut event = AuditEvent::new(actor, action, format!("org:{}", subject.id));
        event.org_id = Some(subject.id.clone());
        event.before = before.map(serde_json::to_value).transpose()?;
        event.after = after.map(serde_json::to_value).transpose()?;
        Ok(event)
    }
}

/// An organization as an external system lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalOrg {
    /// Always a string, even where the system uses integers.
    pub id: String,
    pub name: Option<String>,
    pub active: bool,
    /// Other fields the integration keeps (`records.keep`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Value>,
    /// Domains, websites or e-mail addresses the record carries (`records.domains`), lower case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// Other integrations' IDs the record carries (`records.xrefs`): integration → external ID.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub xrefs: BTreeMap<String, String>,
}

impl ExternalOrg {
    /// An active organization with this ID and name, and nothing else kept.
    pub fn new(id: impl Into<String>, name: Option<String>) -> ExternalOrg {
        ExternalOrg {
            id: id.into(),
            name,
            active: true,
            extra: BTreeMap::new(),
            domains: Vec::new(),
            xrefs: BTreeMap::new(),
        }
    }
}

/// The last list of an integration's external organizations, kept in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryCache {
    pub integration: String,
    pub fetched_at: Timestamp,
    /// How it was fetched: `http`, `command` or `file`.
    pub source: String,
    /// A digest of the integration's definition and the settings it was fetched with: a list
    /// fetched under another config does not vouch for IDs under this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_digest: Option<String>,
    pub organizations: Vec<ExternalOrg>,
}

/// How a connection test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Success,
    CredentialsRejected,
    Forbidden,
    NotFound,
    Throttled,
    ServerError,
    Timeout,
    DnsFailure,
    ConnectionRefused,
    TlsError,
    Unreachable,
    NotConfigured,
    BadAnswer,
    /// Neither a test request nor a list to check against is declared.
    CannotTest,
}

impl TestOutcome {
    /// The outcome in words.
    pub fn describe(self) -> &'static str {
        match self {
            TestOutcome::Success => "ok",
            TestOutcome::CredentialsRejected => "credentials rejected",
            TestOutcome::Forbidden => "forbidden",
            TestOutcome::NotFound => "not found",
            TestOutcome::Throttled => "throttled",
            TestOutcome::ServerError => "server error",
            TestOutcome::Timeout => "timeout",
            TestOutcome::DnsFailure => "DNS failure",
            TestOutcome::ConnectionRefused => "connection refused",
            TestOutcome::TlsError => "TLS error",
            TestOutcome::Unreachable => "unreachable",
            TestOutcome::NotConfigured => "not configured",
            TestOutcome::BadAnswer => "bad answer",
            TestOutcome::CannotTest => "cannot test",
        }
    }

    /// Whether trying again later may help.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            TestOutcome::Timeout | TestOutcome::Throttled | TestOutcome::ServerError | TestOutcome::Unreachable
        )
    }
}

/// The last connection test of a mapping, kept apart from the mapping so that a test changes no
/// revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub mapping_id: String,
    pub at: Timestamp,
    pub outcome: TestOutcome,
    pub latency_ms: Option<u64>,
    pub message: String,
    pub hint: Option<String>,
}

/// The permissions one actor holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessGrant {
    pub actor: String,
    pub permissions: Vec<String>,
    pub granted_at: Timestamp,
    pub granted_by: String,
}

impl AccessGrant {
    /// `manage-config` for `actor`, granted now by `granted_by`.
    pub fn manage_config(actor: &str, granted_by: &str) -> AccessGrant {
        AccessGrant {
            actor: actor.to_owned(),
            permissions: vec![MANAGE_CONFIG.to_owned()],
            granted_at: now(),
            granted_by: granted_by.to_owned(),
        }
    }

    /// Whether this grant includes `manage-config`.
    pub fn can_manage_config(&self) -> bool {
        self.permissions.iter().any(|p| p == MANAGE_CONFIG)
    }
}
