//! Every error orgmap can report, its exit code, and the hint that tells the user what to do.
//!
//! Exit codes are part of the public interface (see the README); this is the one place that maps
//! error kinds to them.

use std::path::PathBuf;

use serde_json::{Value, json};

/// The result type used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A mapping that matched where one was expected, listed so that the user can pick one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Candidate {
    pub mapping_id: String,
    pub label: Option<String>,
    pub external_org_id: String,
    pub external_org_name: Option<String>,
}

/// Everything that can go wrong, grouped by what the user has to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Usage { message: String, hint: Option<String> },

    #[error("no orgmap store at {}", path.display())]
    StoreMissing { path: PathBuf },
    #[error("the store at {} is busy: another orgmap process held it for {waited_secs:.1} s", path.display())]
    StoreBusy { path: PathBuf, waited_secs: f64 },
    #[error("the store at {} is damaged or unreadable: {detail}", path.display())]
    StoreDamaged { path: PathBuf, detail: String },
    #[error("the store at {} has schema version {found}, newer than this orgmap understands ({supported})", path.display())]
    StoreTooNew { path: PathBuf, found: u32, supported: u32 },
    #[error("cannot use the store at {}: {detail}", path.display())]
    StoreAccess { path: PathBuf, detail: String },
    #[error("cannot open the store {store}: {detail}")]
    StoreUnreachable { store: String, detail: String, hint: String },
    #[error("the store {store} has schema version {found}; this orgmap needs {supported}")]
    StoreOutdated { store: String, found: u32, supported: u32 },

    #[error("{actor} may not {action}: the manage-config permission is needed")]
    PermissionDenied { actor: String, action: String },
    #[error("database role {role} may not {action}{}", detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    RoleDenied {
        role: String,
        action: String,
        manager: Option<String>,
        detail: Option<String>,
        /// What an administrator of the server runs to let the role do it, when that is known.
        grant: Option<String>,
    },

    #[error("organization '{org}' not found")]
    OrgNotFound { org: String },
    #[error("no mapping matches '{reference}'")]
    MappingNotFound { reference: String },
    #[error("organization '{org}' has no active {integration} mapping")]
    NoMapping { org: String, integration: String, inactive: Vec<String> },
    #[error("no organization is mapped to {integration} ID '{external_org_id}'")]
    NoLookupMatch { integration: String, external_org_id: String, inactive: usize },

    #[error("organization '{org}' has {} active {integration} mappings; say which with --mapping-id", candidates.len())]
    AmbiguousMapping { org: String, integration: String, candidates: Vec<Candidate> },
    #[error("mapping ID prefix '{prefix}' matches {}", if *more { format!("more than {} mappings", candidates.len()) } else { format!("{} mappings", candidates.len()) })]
    AmbiguousPrefix { prefix: String, candidates: Vec<Candidate>, more: bool },

    #[error("unknown integration '{name}'")]
    UnknownIntegration { name: String, available: Vec<String> },
    #[error("integration '{name}' does not support organization mapping")]
    MappingNotSupported { name: String },
    #[error("invalid {what}: {message}")]
    Invalid { what: String, message: String, hint: Option<String> },
    #[error("{message}")]
    Config { message: String, hint: Option<String> },

    #[error("{integration}: {message}")]
    External { integration: String, message: String, hint: Option<String> },
    #[error("integration '{integration}' is not configured: {missing}")]
    NotConfigured { integration: String, missing: String },

    #[error("organization '{org}' is inactive")]
    OrgInactive { org: String },

    #[error("{message}")]
    Conflict { message: String, hint: Option<String> },

    #[error("cancelled; nothing was changed")]
    Cancelled,

    /// Writing the result (stdout) failed; a closed pipe is not reported.
    #[error("cannot write the output: {}", io_reason(.0))]
    Io(std::io::Error),
    /// A file or directory named by the user could not be read or written.
    #[error("cannot {doing} {}: {}", path.display(), io_reason(source))]
    File { path: PathBuf, doing: String, source: std::io::Error },
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for [`Error::Invalid`] without a hint.
    pub fn invalid(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { what: what.into(), message: message.into(), hint: None }
    }

    /// Shorthand for [`Error::Usage`].
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage { message: message.into(), hint: Some(hint.into()) }
    }

    /// A failed read or write of the file at `path`, saying what was being done (`read the
    /// export`, `write the export to`).
    pub fn file(doing: impl Into<String>, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File { path: path.into(), doing: doing.into(), source }
    }

    /// [`Error::Io`] (an I/O error without a path) given the path and what was being done.
    pub fn at_file(self, doing: &str, path: &std::path::Path) -> Self {
        match self {
            Error::Io(source) => Error::file(doing, path, source),
            other => other,
        }
    }

    /// Shorthand for [`Error::Conflict`].
    pub fn conflict(message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Conflict { message: message.into(), hint }
    }

    /// The process exit code documented for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. } => 2,
            Error::OrgNotFound { .. }
            | Error::MappingNotFound { .. }
            | Error::NoMapping { .. }
            | Error::NoLookupMatch { .. } => 3,
            Error::AmbiguousMapping { .. } | Error::AmbiguousPrefix { .. } => 4,
            Error::UnknownIntegration { .. }
            | Error::MappingNotSupported { .. }
            | Error::Invalid { .. }
            | Error::Config { .. }
            | Error::NotConfigured { .. } => 5,
            Error::External { .. } => 7,
            Error::PermissionDenied { .. } | Error::RoleDenied { .. } => 6,
            Error::OrgInactive { .. } => 8,
            Error::StoreMissing { .. }
            | Error::StoreBusy { .. }
            | Error::StoreDamaged { .. }
            | Error::StoreTooNew { .. }
            | Error::StoreAccess { .. }
            | Error::StoreUnreachable { .. }
            | Error::StoreOutdated { .. } => 9,
            Error::Conflict { .. } => 10,
            Error::Cancelled => 130,
            Error::Io(_) | Error::File { .. } => 11,
            Error::Internal(_) => 1,
        }
    }

    /// A stable, machine-readable name for the kind of error (the `kind` field of JSON errors).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage { .. } => "usage",
            Error::StoreMissing { .. } => "store_missing",
            Error::StoreBusy { .. } => "store_busy",
            Error::StoreDamaged { .. } => "store_damaged",
            Error::StoreTooNew { .. } => "store_too_new",
            Error::StoreAccess { .. } | Error::StoreUnreachable { .. } => "store_unavailable",
            Error::StoreOutdated { .. } => "store_outdated",
            Error::PermissionDenied { .. } | Error::RoleDenied { .. } => "permission_denied",
            Error::OrgNotFound { .. } => "org_not_found",
            Error::MappingNotFound { .. } => "mapping_not_found",
            Error::NoMapping { .. } => "no_mapping",
            Error::NoLookupMatch { .. } => "no_lookup_match",
            Error::AmbiguousMapping { .. } | Error::AmbiguousPrefix { .. } => "ambiguous",
            Error::UnknownIntegration { .. } => "unknown_integration",
            Error::MappingNotSupported { .. } => "mapping_not_supported",
            Error::Invalid { .. } => "invalid",
            Error::Config { .. } => "config",
            Error::OrgInactive { .. } => "org_inactive",
            Error::External { .. } => "external",
            Error::NotConfigured { .. } => "not_configured",
            Error::Conflict { .. } => "conflict",
            Error::Cancelled => "cancelled",
            Error::Io(_) | Error::File { .. } => "io",
            Error::Internal(_) => "internal",
        }
    }

    /// What the user can do next, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } | Error::Invalid { hint, .. } | Error::Config { hint, .. } => {
                hint.clone()
            }
            Error::Conflict { hint, .. } | Error::External { hint, .. } => hint.clone(),
            Error::NotConfigured { .. } => Some(
                "set the secret it names (never put secrets in integrations.toml), then retry; `orgmap integrations` shows what is missing; `map`, `set` and `edit` can save an ID unchecked with --no-verify".into(),
            ),
            Error::StoreMissing { .. } => Some(
                "create it with `orgmap init`, or point --store / ORGMAP_STORE at an existing store".into(),
            ),
            Error::StoreBusy { .. } => Some(
                "retry, or wait longer by setting ORGMAP_LOCK_TIMEOUT (seconds, default 10)".into(),
            ),
            Error::StoreDamaged { .. } => Some(
                "run `orgmap doctor` to see what is wrong; `orgmap doctor --repair` rebuilds damaged indexes and removes records that cannot be read (audited, their stored text kept in the audit log), or restore from a backup made with `orgmap export`".into(),
            ),
            Error::StoreTooNew { .. } => Some("upgrade orgmap to a version that knows this store".into()),
            Error::StoreAccess { .. } => {
                Some("check that the store directory exists and that you may read and write it".into())
            }
            Error::StoreUnreachable { hint, .. } => Some(hint.clone()),
            Error::StoreOutdated { .. } => {
                Some("run `orgmap store migrate` (with a role that owns the store's schema), then retry".into())
            }
            Error::RoleDenied { grant: Some(grant), .. } => {
                Some(format!("an administrator of the database server can allow it: {grant}"))
            }
            Error::RoleDenied { role, manager: Some(manager), .. } => Some(format!(
                "the store's owner can let it change the store: GRANT {manager} TO {role};  (`orgmap store roles` prints the whole setup)"
            )),
            Error::RoleDenied { .. } => Some(
                "the store's owner sets up roles with `orgmap store roles --apply`, then grants the manager role to this login role".into(),
            ),
            Error::PermissionDenied { .. } => Some(
                "ask a holder of manage-config to run `orgmap access grant <actor>`; `orgmap access list` shows who holds it".into(),
            ),
            Error::OrgNotFound { .. } => Some("`orgmap org list` shows the organizations; `orgmap org add` creates one".into()),
            Error::MappingNotFound { .. } => Some("`orgmap list` shows mapping IDs".into()),
            Error::NoMapping { inactive, .. } if !inactive.is_empty() => Some(format!(
                "an inactive mapping exists ({}); reactivate it with `orgmap edit {} --activate`",
                inactive.join(", "),
                inactive[0]
            )),
            Error::NoMapping { org, integration, .. } => Some(format!(
                "create one with `orgmap map {integration} <EXTERNAL_ID> --org {org}`"
            )),
            Error::NoLookupMatch { inactive, .. } if *inactive > 0 => Some(format!(
                "{inactive} inactive mapping(s) match; pass --include-inactive to see them"
            )),
            Error::NoLookupMatch { .. } => None,
            Error::AmbiguousMapping { candidates, .. } => {
                Some(format!("pass --mapping-id with one of: {}", list_candidates(candidates)))
            }
            Error::AmbiguousPrefix { candidates, .. } => {
                Some(format!("give more of the mapping ID, such as one of: {}", list_candidates(candidates)))
            }
            Error::UnknownIntegration { available, .. } if available.is_empty() => Some(
                "no integrations are configured: pass --config or set ORGMAP_CONFIG to an integrations.toml".into(),
            ),
            Error::UnknownIntegration { available, .. } => {
                Some(format!("available integrations: {}", available.join(", ")))
            }
            Error::MappingNotSupported { .. } => {
                Some("set supports_org_mapping = true for it in integrations.toml".into())
            }
            Error::OrgInactive { org } => Some(format!("reactivate it with `orgmap org activate {org}`")),
            Error::Io(err) => Some(io_hint(err, "check where the output goes")),
            Error::File { source, .. } => Some(io_hint(source, "check the path")),
            Error::Internal(_) => Some(
                "this is a bug in orgmap: please report it with the command you ran and `orgmap --version`".into(),
            ),
            Error::Cancelled => None,
        }
    }

    /// Structured details for `--json` errors, so that scripts need not parse messages.
    pub fn details(&self) -> Option<Value> {
        match self {
            Error::AmbiguousMapping { candidates, .. } | Error::AmbiguousPrefix { candidates, .. } => {
                Some(json!({ "candidates": candidates }))
            }
            Error::UnknownIntegration { available, .. } => Some(json!({ "available": available })),
            Error::NoMapping { inactive, .. } if !inactive.is_empty() => Some(json!({ "inactive_mappings": inactive })),
            _ => None,
        }
    }
}

fn list_candidates(candidates: &[Candidate]) -> String {
    let listed: Vec<String> = candidates
        .iter()
        .map(|c| match &c.label {
            Some(label) => format!("{} ({label}, {})", c.mapping_id, c.external_org_id),
            None => format!("{} ({})", c.mapping_id, c.external_org_id),
        })
        .collect();
    listed.join("; ")
}

/// An I/O error in words, without the `(os error N)` of its display.
pub fn io_reason(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(libc::EISDIR) => "it is a directory, not a file".into(),
        Some(libc::ENOTDIR) => "a part of the path is not a directory".into(),
        Some(libc::ENOENT) => "no such file or directory".into(),
        Some(libc::EACCES | libc::EPERM) => "permission denied".into(),
        Some(libc::ENOSPC) => "no space left on the device".into(),
        Some(libc::EDQUOT) => "the disk quota is exceeded".into(),
        Some(libc::EFBIG) => "the file grew larger than allowed (a file size limit)".into(),
        Some(libc::EROFS) => "the file system is read-only".into(),
        Some(libc::ENXIO) => "no device or process at the other end".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_owned(),
                None => text,
            }
        }
    }
}

fn io_hint(err: &std::io::Error, otherwise: &str) -> String {
    match err.raw_os_error() {
        Some(libc::ENOSPC | libc::EDQUOT | libc::EFBIG) => {
            "free some space (or raise the limit) and retry; nothing was left half-written".into()
        }
        Some(libc::EACCES | libc::EPERM | libc::EROFS) => "check the permissions of the file and its directory".into(),
        Some(libc::EISDIR) => "give the path of a file".into(),
        _ => otherwise.into(),
    }
}

impl From<std::io::Error> for Error {
    /// An I/O error with no file named is a failed write of the output; paths that read or write
    /// a file name it with [`Error::file`] or [`Error::at_file`].
    fn from(err: std::io::Error) -> Self {
        Error::Io(err)
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        // Writing JSON to a closed pipe is an I/O error, which the CLI ends quietly.
        match err.io_error_kind() {
            Some(kind) => Error::Io(std::io::Error::new(kind, err)),
            None => Error::Internal(format!("JSON encoding: {err}")),
        }
    }
}
