//! The JSON shapes orgmap prints. They are a public contract (documented in the README), so they
//! are separate from the stored records and change only on purpose.

use serde::Serialize;

use crate::domain::{AccessGrant, AuditEvent, Mapping, Metadata, Org};

fn time(at: &jiff::Timestamp) -> String {
    at.to_string()
}

/// A mapping.
#[derive(Debug, Serialize)]
pub struct MappingView<'a> {
    pub mapping_id: &'a str,
    pub org_id: &'a str,
    pub integration: &'a str,
    pub external_org_id: &'a str,
    pub external_org_name: Option<&'a str>,
    pub label: Option<&'a str>,
    pub metadata: &'a Metadata,
    pub active: bool,
    pub verified: bool,
    pub revision: u64,
    pub created_at: String,
    pub created_by: &'a str,
    pub updated_at: String,
    pub updated_by: &'a str,
    /// How the mapping came to be (`manual`, `import`, `suggested` with method, confidence and
    /// evidence) and who accepted it; null on mappings made before orgmap recorded it.
    pub source: Option<&'a crate::domain::MappingSource>,
    /// How the mapping compares with the integration's cached list (`list` only): `ok`,
    /// `renamed upstream` or `missing upstream`; absent when there is no list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<&'static str>,
    /// The mapping's last connection test (`list` and `org show` only); absent when never tested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_test: Option<TestView>,
}

/// A mapping's last connection test.
#[derive(Debug, Serialize)]
pub struct TestView {
    pub at: String,
    pub outcome: crate::domain::TestOutcome,
    pub latency_ms: Option<u64>,
    pub message: String,
}

impl From<&crate::domain::TestResult> for TestView {
    fn from(r: &crate::domain::TestResult) -> Self {
        TestView { at: time(&r.at), outcome: r.outcome, latency_ms: r.latency_ms, message: r.message.clone() }
    }
}

/// A last test in a few words, for tables: `ok 3 h ago`, `not found 2 d ago`, or `-`.
pub fn test_cell(result: Option<&crate::domain::TestResult>) -> String {
    test_cell_as_of(result, jiff::Timestamp::now())
}

/// [`test_cell`] with ages told as of `now`: a table measured and then printed tells the same.
pub fn test_cell_as_of(result: Option<&crate::domain::TestResult>, now: jiff::Timestamp) -> String {
    match result {
        Some(r) => {
            let age = std::time::Duration::try_from(now.duration_since(r.at)).unwrap_or_default();
            format!("{} {} ago", r.outcome.describe(), crate::output::progress::human_age(age))
        }
        None => "-".to_owned(),
    }
}

impl<'a> From<&'a Mapping> for MappingView<'a> {
    fn from(m: &'a Mapping) -> Self {
        MappingView {
            mapping_id: &m.mapping_id,
            org_id: &m.org_id,
            integration: &m.integration,
            external_org_id: &m.external_org_id,
            external_org_name: m.external_org_name.as_deref(),
            label: m.label.as_deref(),
            metadata: &m.metadata,
            active: m.active,
            verified: m.verified,
            revision: m.revision,
            created_at: time(&m.created_at),
            created_by: &m.created_by,
            updated_at: time(&m.updated_at),
            updated_by: &m.updated_by,
            source: m.source.as_ref(),
            upstream: None,
            last_test: None,
        }
    }
}

/// The result of a change to a mapping (`set`, `edit`).
#[derive(Debug, Serialize)]
pub struct MappingChangeView<'a> {
    /// `created`, `updated` or `unchanged`.
    pub outcome: &'static str,
    pub mapping: MappingView<'a>,
}

/// An MSP organization.
#[derive(Debug, Serialize)]
pub struct OrgView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub active: bool,
    pub domains: &'a [String],
    pub aliases: &'a [String],
    pub created_at: String,
    pub created_by: &'a str,
    pub updated_at: String,
    pub updated_by: &'a str,
}

impl<'a> From<&'a Org> for OrgView<'a> {
    fn from(o: &'a Org) -> Self {
        OrgView {
            id: &o.id,
            name: &o.name,
            active: o.active,
            domains: &o.domains,
            aliases: &o.aliases,
            created_at: time(&o.created_at),
            created_by: &o.created_by,
            updated_at: time(&o.updated_at),
            updated_by: &o.updated_by,
        }
    }
}

/// The result of a change to an organization.
#[derive(Debug, Serialize)]
pub struct OrgChangeView<'a> {
    pub outcome: &'static str,
    pub org: OrgView<'a>,
}

/// An organization with all its mappings (`org show`).
#[derive(Debug, Serialize)]
pub struct OrgDetailView<'a> {
    pub org: OrgView<'a>,
    pub mappings: Vec<MappingView<'a>>,
}

/// One answer of `lookup`: the mapping and the organization it belongs to.
#[derive(Debug, Serialize)]
pub struct LookupView<'a> {
    pub org: OrgView<'a>,
    pub mapping: MappingView<'a>,
}

/// One entry of the audit log.
#[derive(Debug, Serialize)]
pub struct AuditView<'a> {
    pub id: &'a str,
    pub at: String,
    pub actor: &'a str,
    /// The database role that wrote it, on a PostgreSQL store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_role: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    pub org_id: Option<&'a str>,
    pub integration: Option<&'a str>,
    pub outcome: crate::domain::Outcome,
    pub before: Option<&'a serde_json::Value>,
    pub after: Option<&'a serde_json::Value>,
}

impl<'a> From<&'a AuditEvent> for AuditView<'a> {
    fn from(e: &'a AuditEvent) -> Self {
        AuditView {
            id: &e.id,
            at: time(&e.at),
            actor: &e.actor,
            db_role: e.db_role.as_deref(),
            action: &e.action,
            target: &e.target,
            org_id: e.org_id.as_deref(),
            integration: e.integration.as_deref(),
            outcome: e.outcome,
            before: e.before.as_ref(),
            after: e.after.as_ref(),
        }
    }
}

/// Who holds which permissions.
#[derive(Debug, Serialize)]
pub struct AccessView<'a> {
    pub actor: &'a str,
    pub permissions: &'a [String],
    pub granted_at: String,
    pub granted_by: &'a str,
}

impl<'a> From<&'a AccessGrant> for AccessView<'a> {
    fn from(g: &'a AccessGrant) -> Self {
        AccessView {
            actor: &g.actor,
            permissions: &g.permissions,
            granted_at: time(&g.granted_at),
            granted_by: &g.granted_by,
        }
    }
}

/// One declared integration (`integrations`).
#[derive(Debug, Serialize)]
pub struct IntegrationView<'a> {
    pub name: &'a str,
    pub display_name: &'a str,
    pub supports_org_mapping: bool,
    pub discovery: &'a str,
    pub id_pattern: Option<&'a str>,
    pub cache_ttl_seconds: u64,
    /// Whether everything it needs (secrets, settings) is there.
    pub configured: bool,
    /// What is missing, named without any value.
    pub missing: Vec<String>,
    /// The cached list: when fetched and how many organizations; `None` when never fetched.
    pub cache: Option<CacheView>,
    /// `None` when there is no store yet.
    pub mapping_count: Option<u64>,
}

/// A cached list of external organizations, summarised.
#[derive(Debug, Serialize)]
pub struct CacheView {
    pub fetched_at: String,
    pub age_seconds: u64,
    pub count: usize,
    pub source: String,
}
