//! Reaching the PostgreSQL server: the store URL (never with a password in it), where the
//! password comes from (a secret reference, `PGPASSWORD` or the password file, as libpq does),
//! and a bounded retry for a server that is starting or briefly unreachable.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, NoTls};

use super::tls::{self, SslMode, TlsSettings};
use crate::error::{Error, Result};
use crate::secrets::{Redactor, SecretRef};

/// How often a connection is tried before giving up, and the first pause between tries.
const CONNECT_ATTEMPTS: u32 = 3;
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(250);
/// How long one connection attempt may take unless the URL says `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL store: the server, database and user to connect as.
#[derive(Clone)]
pub struct PgLocation {
    config: postgres::Config,
    tls: TlsSettings,
    host: String,
    port: u16,
    user: String,
    dbname: String,
}

impl fmt::Debug for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgLocation({self})")
    }
}

impl PartialEq for PgLocation {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for PgLocation {}

/// Shown in messages: the password is never part of it.
impl fmt::Display for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.starts_with('/') {
            write!(f, "postgres://{}@/{}?host={}", self.user, self.dbname, self.host)
        } else if self.host.contains(':') {
            write!(f, "postgres://{}@[{}]:{}/{}", self.user, self.host, self.port, self.dbname)
        } else {
            write!(f, "postgres://{}@{}:{}/{}", self.user, self.host, self.port, self.dbname)
        }
    }
}

/// Whether a `--store` value names a PostgreSQL server rather than a directory.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

impl PgLocation {
    /// Reads a `postgres://` URL; what it leaves out comes from `PGHOST`, `PGPORT`, `PGUSER` and
    /// `PGDATABASE` (through `env`), as libpq would take it.
    pub fn parse(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<PgLocation> {
        // As in libpq, an empty variable counts as unset.
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let bad = |message: String| Error::Usage {
            message,
            hint: Some("write it as postgres://USER@HOST:PORT/DATABASE (the password never goes in the URL)".into()),
        };
        // TLS settings the client library does not know are ours to apply.
        let (url, tls) = tls::take_tls_params(url, &env).map_err(bad)?;
        let url = url.as_str();
        // The URL parser fills in port 5432 for a host without one; PGPORT comes first, as in libpq.
        let pgport = match env("PGPORT") {
            Some(text) => Some(text.parse::<u16>().map_err(|_| bad(format!("PGPORT={text:?} is not a port")))?),
            None => None,
        };
        let url = match (url::Url::parse(url), pgport) {
            (Ok(mut parsed), Some(port))
                if parsed.port().is_none() && parsed.host_str().is_some_and(|h| !h.is_empty()) =>
            {
                let _ = parsed.set_port(Some(port));
                parsed.to_string()
            }
            _ => url.to_owned(),
        };
        let mut config =
            postgres::Config::from_str(&url).map_err(|err| bad(format!("the store URL cannot be read: {err}")))?;
        if config.get_password().is_some() {
            return Err(Error::Usage {
                message: "the store URL contains a password; orgmap never takes one there".into(),
                hint: Some(
                    "remove it from the URL and set PGPASSWORD, add it to ~/.pgpass, or name a secret as [store] password in the config"
                        .into(),
                ),
            });
        }
        if config.get_hosts().is_empty() {
            let host = env("PGHOST").unwrap_or_else(|| "/var/run/postgresql".into());
            config.host(&host);
        }
        if config.get_ports().is_empty() {
            config.port(pgport.unwrap_or(5432));
        }
        let user = match config.get_user() {
            Some(user) => user.to_owned(),
            None => match env("PGUSER").or_else(|| whoami::username().ok()) {
                Some(user) => user,
                None => {
                    return Err(Error::Usage {
                        message: "the store URL names no user, and the user running orgmap is unknown".into(),
                        hint: Some("name the user in the URL (postgres://USER@host/db) or set PGUSER".into()),
                    });
                }
            },
        };
        config.user(&user);
        let dbname = match config.get_dbname() {
            Some(name) => name.to_owned(),
            None => env("PGDATABASE").unwrap_or_else(|| user.clone()),
        };
        config.dbname(&dbname);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        config.application_name("orgmap");
        config.ssl_mode(tls.mode.library_mode());
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => String::new(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        // As in libpq, a Unix socket never carries TLS.
        if host.starts_with('/') {
            config.ssl_mode(postgres::config::SslMode::Disable);
        }
        Ok(PgLocation { config, tls, host, port, user, dbname })
    }

    /// Everything this location connects with, to tell whether a connection can be reused
    /// (the client library's settings print no password).
    pub fn reuse_key(&self) -> String {
        format!("{:?}|{:?}", self.config, self.tls)
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    /// This location as the `path` of store errors.
    pub fn as_path(&self) -> PathBuf {
        PathBuf::from(self.to_string())
    }

    /// The server as `HOST:PORT`, for messages.
    fn server(&self) -> String {
        if self.host.starts_with('/') {
            format!("the socket in {}", self.host)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Connects, trying again briefly while the server is starting or unreachable.
    pub fn connect(&self, password: Option<&SecretRef>, env: &dyn Fn(&str) -> Option<String>) -> Result<Client> {
        let mut config = self.config.clone();
        let found = self.password(password, env)?;
        let source = match &found {
            Password::Found { value, source } => {
                config.password(value);
                Some(source.clone())
            }
            Password::None { .. } => None,
        };
        let connector = match self.tls.mode {
            SslMode::Disable => None,
            _ if self.host.starts_with('/') => None,
            _ => Some(tls::connector(&self.tls, env("HOME").as_deref().map(Path::new)).map_err(|detail| {
                Error::StoreUnreachable {
                    store: self.to_string(),
                    detail,
                    hint: "sslmode and sslrootcert go in the store URL (or PGSSLMODE, PGSSLROOTCERT)".into(),
                }
            })?),
        };
        let mut delay = FIRST_RETRY_DELAY;
        let mut attempt = 1;
        loop {
            let connected = match &connector {
                None => config.connect(NoTls),
                Some(connector) => config.connect(connector.clone()),
            };
            match connected {
                Ok(client) => return Ok(client),
                Err(err) if attempt < CONNECT_ATTEMPTS && is_transient(&err) => {
                    std::thread::sleep(delay);
                    delay *= 3;
                    attempt += 1;
                }
                Err(err) => return Err(self.connect_error(&err, attempt, source.as_deref(), &found)),
            }
        }
    }

    /// The password and where it came from: the config's secret reference, else `PGPASSWORD`,
    /// else the password file. None lets the server decide (peer or trust authentication).
    fn password(&self, reference: Option<&SecretRef>, env: &dyn Fn(&str) -> Option<String>) -> Result<Password> {
        if let Some(reference) = reference {
            let secret = crate::secrets::resolve(reference, env, &Redactor::default()).map_err(|missing| {
                Error::StoreUnreachable {
                    store: self.to_string(),
                    detail: format!("the store password ({}) {}", missing.reference, missing.reason),
                    hint: "set the secret that [store] password names in the config".into(),
                }
            })?;
            return Ok(Password::Found { value: secret.expose().to_owned(), source: reference.describe() });
        }
        if let Some(password) = env("PGPASSWORD").filter(|p| !p.is_empty()) {
            return Ok(Password::Found { value: password, source: "PGPASSWORD".into() });
        }
        let file = match env("PGPASSFILE").filter(|p| !p.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => match env("HOME") {
                Some(home) => Path::new(&home).join(".pgpass"),
                None => return Ok(Password::None { ignored_file: None }),
            },
        };
        let host = if self.host.starts_with('/') { "localhost" } else { self.host.as_str() };
        Ok(match password_from_file(&file, host, self.port, &self.dbname, &self.user) {
            PasswordFile::Found(value) => Password::Found { value, source: file.display().to_string() },
            PasswordFile::Unsafe => Password::None { ignored_file: Some(file) },
            PasswordFile::NoMatch => Password::None { ignored_file: None },
        })
    }

    fn connect_error(
        &self,
        err: &postgres::Error,
        attempts: u32,
        password_source: Option<&str>,
        found: &Password,
    ) -> Error {
        let store = self.to_string();
        let tries = if attempts > 1 { format!(" (tried {attempts} times)") } else { String::new() };
        let no_password = match found {
            Password::None { ignored_file: Some(file) } => format!(
                "no password was found ({} was ignored: group or others may read it; chmod 600 it), nor PGPASSWORD or [store] password in the config",
                file.display()
            ),
            _ => "no password was found: set PGPASSWORD, add a line to ~/.pgpass (HOST:PORT:DATABASE:USER:PASSWORD, mode 0600), or name a secret as [store] password in the config".into(),
        };
        if let Some(db) = err.as_db_error() {
            let detail = format!("{}{tries}", db.message());
            let hint = match db.code().code() {
                "28P01" | "28000" => match password_source {
                    Some(source) => format!(
                        "the password came from {source}; check it, or the server's pg_hba.conf entry for {}",
                        self.user
                    ),
                    None => no_password,
                },
                "3D000" => format!(
                    "create the database first (createdb -h {} -U {} {}), then run `orgmap init`",
                    self.host, self.user, self.dbname
                ),
                _ => "check the server's log; orgmap retries only while the server is starting".into(),
            };
            return Error::StoreUnreachable { store, detail, hint };
        }
        let cause = describe_io(err);
        if cause.contains("password missing") {
            return Error::StoreUnreachable {
                store,
                detail: format!("the server at {} asks for a password", self.server()),
                hint: no_password,
            };
        }
        if is_tls_failure(err) || cause.contains("TLS") || cause.contains("SSL") {
            return Error::StoreUnreachable {
                store,
                detail: format!("no TLS connection to {}: {cause}", self.server()),
                hint: "with sslmode=verify-full or verify-ca the server's certificate must chain to sslrootcert (default ~/.postgresql/root.crt) and, for verify-full, name the host of the URL; sslmode=require insists on TLS, prefer uses it when the server offers it".into(),
            };
        }
        let detail = format!("cannot reach PostgreSQL at {}: {cause}{tries}", self.server());
        let hint = "check that the server runs and accepts connections from this host (listen_addresses, pg_hba.conf, firewall); \
                    add ?connect_timeout=SECONDS to the URL to wait longer"
            .into();
        Error::StoreUnreachable { store, detail, hint }
    }
}

/// The innermost cause, which names what went wrong (refused, timed out, no such host).
fn describe_io(err: &postgres::Error) -> String {
    let text = causes(err).last().map(ToString::to_string).unwrap_or_default();
    if text.is_empty() { err.to_string() } else { text }
}

/// `err` and every error beneath it.
fn causes(err: &postgres::Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |cause| cause.source())
}

/// Worth another try: the server is starting or full, the network failed, or it did not answer
/// in time. A refused password or a missing one will not change by trying again.
fn is_transient(err: &postgres::Error) -> bool {
    if let Some(db) = err.as_db_error() {
        return matches!(db.code().code(), "57P03" | "53300");
    }
    if is_tls_failure(err) {
        return false;
    }
    causes(err).any(|cause| cause.is::<std::io::Error>())
        || err.to_string().contains("timed out")
        || err.to_string().contains("timeout")
}

/// A refused certificate or handshake: trying again gives the same answer.
fn is_tls_failure(err: &postgres::Error) -> bool {
    causes(err).any(|cause| {
        cause.is::<rustls::Error>()
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()))
    })
}

/// Where the password came from, or why there is none.
enum Password {
    Found {
        value: String,
        source: String,
    },
    /// None found; `ignored_file` is a password file skipped for its permissions.
    None {
        ignored_file: Option<PathBuf>,
    },
}

enum PasswordFile {
    Found(String),
    NoMatch,
    /// Group or others may read it: ignored, as libpq does.
    Unsafe,
}

/// The password for this server, database and user in a libpq password file: lines of
/// `HOST:PORT:DATABASE:USER:PASSWORD`, `*` matching anything, `\` escaping `:` and `\`. Like
/// libpq, a file that group or others may read is ignored.
fn password_from_file(path: &Path, host: &str, port: u16, dbname: &str, user: &str) -> PasswordFile {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else { return PasswordFile::NoMatch };
    if !meta.is_file() {
        return PasswordFile::NoMatch;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return PasswordFile::Unsafe;
    }
    let Ok(text) = crate::secrets::read_small_file(path, 1024 * 1024) else { return PasswordFile::NoMatch };
    let port = port.to_string();
    let found = text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let fields = split_pgpass_line(line);
        let [h, p, d, u, (password, _)] = fields.as_slice() else {
            return None;
        };
        // A field matches its value, or anything when it is a bare (unescaped) `*`.
        let matches = |(field, wildcard): &(String, bool), value: &str| *wildcard || field == value;
        (matches(h, host) && matches(p, &port) && matches(d, dbname) && matches(u, user)).then(|| password.clone())
    });
    match found {
        Some(password) => PasswordFile::Found(password),
        None => PasswordFile::NoMatch,
    }
}

/// The fields of a password file line, each with whether it is a bare `*`.
fn split_pgpass_line(line: &str) -> Vec<(String, bool)> {
    let mut fields = vec![(String::new(), false)];
    let mut escaped_any = false;
    let mut chars = line.chars();
    let close = |fields: &mut Vec<(String, bool)>, escaped: bool| {
        let last = fields.last_mut().expect("one field");
        last.1 = last.0 == "*" && !escaped;
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").0.push(next);
                    escaped_any = true;
                }
            }
            ':' if fields.len() < 5 => {
                close(&mut fields, escaped_any);
                escaped_any = false;
                fields.push((String::new(), false));
            }
            c => fields.last_mut().expect("one field").0.push(c),
        }
    }
    close(&mut fields, escaped_any);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn urls_with_a_password_are_refused() {
        let err = PgLocation::parse("postgres://alice:hunter2@db.example:5432/orgmap", &no_env).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn missing_parts_come_from_the_environment() {
        let env = |name: &str| match name {
            "PGHOST" => Some("db.internal".to_owned()),
            "PGPORT" => Some("6543".to_owned()),
            "PGUSER" => Some("worker".to_owned()),
            _ => None,
        };
        let location = PgLocation::parse("postgres://", &env).unwrap();
        assert_eq!(location.to_string(), "postgres://worker@db.internal:6543/worker");
        let explicit = PgLocation::parse("postgresql://bob@127.0.0.1/maps", &env).unwrap();
        assert_eq!(explicit.to_string(), "postgres://bob@127.0.0.1:6543/maps");
    }

    #[test]
    fn password_file_lines_match_with_wildcards_and_escapes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "# comment\nother:5432:*:alice:wrong\ndb:*:orgmap:alice:s3cr\\:et\n*:*:*:*:fallback\n")
            .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let found = |host, port, db, user| match password_from_file(&path, host, port, db, user) {
            PasswordFile::Found(password) => Some(password),
            PasswordFile::NoMatch => None,
            PasswordFile::Unsafe => Some("<unsafe>".into()),
        };
        assert_eq!(found("db", 5432, "orgmap", "alice").as_deref(), Some("s3cr:et"));
        assert_eq!(found("x", 1, "y", "z").as_deref(), Some("fallback"));
        std::fs::write(&path, "\\*:*:*:*:only-for-a-host-named-star\n").unwrap();
        assert_eq!(found("db", 5432, "orgmap", "alice"), None, "an escaped * is a literal");
        assert_eq!(found("*", 5432, "orgmap", "alice").as_deref(), Some("only-for-a-host-named-star"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(found("*", 5432, "orgmap", "alice").as_deref(), Some("<unsafe>"), "a readable file is ignored");
    }
}
