//! The PostgreSQL schema: versioned migrations, and the roles that let the server enforce who
//! may change what.
//!
//! Everything lives in the `orgmap` schema, so the store can share a database. Key columns use
//! the "C" collation: rows come back in byte order, as the embedded store returns them.

/// The schema version this binary writes; a newer one is refused, an older one needs
/// `orgmap store migrate`.
pub const SCHEMA_VERSION: u32 = 2;

/// The role prefix `init` uses unless told otherwise: roles `orgmap_manager` and `orgmap_reader`.
pub const DEFAULT_ROLE_PREFIX: &str = "orgmap";

/// Migrations in order; entry `n` takes the schema from version `n` to `n + 1`.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE orgmap.orgs (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);
CREATE TABLE orgmap.mappings (
    mapping_id text COLLATE "C" PRIMARY KEY,
    org_id text COLLATE "C" NOT NULL,
    integration text COLLATE "C" NOT NULL,
    external_org_id text COLLATE "C" NOT NULL,
    external_org_name text,
    label text,
    metadata json NOT NULL,
    active boolean NOT NULL,
    verified boolean NOT NULL,
    revision bigint NOT NULL CHECK (revision > 0),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);
CREATE INDEX mappings_by_org ON orgmap.mappings (org_id, integration, mapping_id);
CREATE INDEX mappings_by_integration ON orgmap.mappings (integration, external_org_id, mapping_id);
CREATE TABLE orgmap.access (
    actor text COLLATE "C" PRIMARY KEY,
    permissions text[] NOT NULL,
    granted_at timestamptz NOT NULL,
    granted_by text NOT NULL
);
CREATE TABLE orgmap.audit (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    db_role text DEFAULT session_user,
    action text NOT NULL,
    target text NOT NULL,
    org_id text,
    integration text,
    before json,
    after json,
    outcome text NOT NULL
);
CREATE TABLE orgmap.discovery (
    integration text COLLATE "C" PRIMARY KEY,
    record json NOT NULL
);
CREATE TABLE orgmap.test_results (
    mapping_id text COLLATE "C" PRIMARY KEY,
    record json NOT NULL
);
"#,
    r#"
-- Version 2: what reconciling many organizations needs: an organization's domains and aliases,
-- a mapping's source, and exclusions. And a cached list vouches for the IDs that are mapped, so
-- only managers may write it: the roles' grants are applied again after every migration, which
-- takes the reader's away.
ALTER TABLE orgmap.orgs ADD COLUMN domains text[] NOT NULL DEFAULT '{}',
    ADD COLUMN aliases text[] NOT NULL DEFAULT '{}';
ALTER TABLE orgmap.mappings ADD COLUMN source json;
CREATE TABLE orgmap.exclusions (
    org_id text COLLATE "C" NOT NULL,
    integration text COLLATE "C" NOT NULL,
    reason text,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    PRIMARY KEY (org_id, integration)
);
"#,
];

/// Creates the schema and its version table when missing; safe to run again.
pub const BOOTSTRAP: &str = r#"
CREATE SCHEMA IF NOT EXISTS orgmap;
CREATE TABLE IF NOT EXISTS orgmap.meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
"#;

/// The roles of a store whose prefix is `prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    pub manager: String,
    pub reader: String,
}

impl Roles {
    pub fn new(prefix: &str) -> Roles {
        Roles { manager: format!("{prefix}_manager"), reader: format!("{prefix}_reader") }
    }
}

/// Whether a role prefix is safe to put in SQL unquoted: lower-case letters, digits and `_`.
pub fn valid_role_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= 40
        && prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// SQL that creates the reader and manager roles (if missing) and grants them what they may do.
/// A reader may read everything and write test results and audit events; a manager may also
/// change orgs, mappings and access, and write the discovery caches (a cached list vouches for
/// the IDs that `map` checks against it). Login roles get one of them with `GRANT … TO login`.
///
/// An audit event's database role is the server's to fill in (`DEFAULT session_user`): a reader
/// cannot name one, nor the event's place in the log (`seq`). A manager may name one, which an
/// import needs to keep the roles of the events it moves.
pub fn role_setup_sql(roles: &Roles) -> String {
    let Roles { manager, reader } = roles;
    format!(
        r#"DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{reader}') THEN CREATE ROLE {reader} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{manager}') THEN CREATE ROLE {manager} NOLOGIN; END IF;
END $$;
GRANT {reader} TO {manager};
GRANT USAGE ON SCHEMA orgmap TO {reader};
GRANT SELECT ON ALL TABLES IN SCHEMA orgmap TO {reader};
GRANT INSERT, UPDATE, DELETE ON orgmap.test_results TO {reader};
REVOKE INSERT, UPDATE, DELETE ON orgmap.discovery FROM {reader};
GRANT INSERT, UPDATE, DELETE ON orgmap.discovery TO {manager};
GRANT INSERT (id, at, actor, action, target, org_id, integration, before, after, outcome) ON orgmap.audit TO {reader};
GRANT INSERT, UPDATE, DELETE ON orgmap.orgs, orgmap.mappings, orgmap.access, orgmap.exclusions TO {manager};
GRANT INSERT (db_role) ON orgmap.audit TO {manager};
GRANT DELETE ON orgmap.test_results TO {manager};
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_prefixes_are_plain_identifiers() {
        assert!(valid_role_prefix("orgmap"));
        assert!(valid_role_prefix("acme_msp2"));
        assert!(!valid_role_prefix(""));
        assert!(!valid_role_prefix("Orgmap"));
        assert!(!valid_role_prefix("x; DROP TABLE orgmap.mappings"));
        assert!(!valid_role_prefix("2fast"));
    }
}
