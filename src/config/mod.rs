//! `integrations.toml`: the declared integrations and how they are checked.
//!
//! Unknown keys and bad values are errors that name the file, the line and the key. The schema is
//! strict on purpose: a typo in a config that decides which customer a workflow touches must not be
//! silently ignored.

mod check;
pub mod requests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secrets::SecretRef;
use crate::template::Template;
use requests::{AuthSpec, RequestSpec, SourceSpec, StepSpec, ValidateSpec};

/// Page requests in flight at once when the total is known up front; real APIs throttle.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// No list is followed past this many pages: a guard against next links that loop.
pub const DEFAULT_MAX_PAGES: u64 = 1000;
/// Retries of a throttled or failed request.
pub const DEFAULT_RETRIES: u32 = 3;

/// A config larger than this is refused: no real one comes near it.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Discovery lists are reused for this long unless an integration says otherwise.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(3600);
/// Requests to external systems give up after this long unless an integration says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from; `None` when no file was found.
    pub path: Option<PathBuf>,
    pub integrations: BTreeMap<String, Integration>,
    /// Where the store is, when neither `--store` nor `ORGMAP_STORE` says.
    pub store: StoreSettings,
    /// The files `include` brought in, in the order they were read.
    pub included: Vec<PathBuf>,
    /// The file that declares each integration.
    pub declared_in: BTreeMap<String, PathBuf>,
    /// `include` as the file wrote it, until [`Config::load`] reads them.
    includes: Vec<PathBuf>,
}

/// The `[store]` table: a PostgreSQL URL (or a directory) and where its password comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    #[serde(default)]
    pub url: Option<String>,
    /// Never a value: a secret reference, like an integration's secrets.
    #[serde(default)]
    pub password: Option<SecretRef>,
}

/// One declared integration.
#[derive(Debug, Clone)]
pub struct Integration {
    pub name: String,
    pub display_name: String,
    pub supports_org_mapping: bool,
    pub description: Option<String>,
    /// Anchored: the whole external ID must match.
    pub id_pattern: Option<Regex>,
    /// `id_pattern` as written in the config.
    pub id_pattern_text: Option<String>,
    pub cache_ttl: Duration,
    pub timeout: Duration,
    /// Named values for templates (`{vars.base}`).
    pub vars: BTreeMap<String, Template>,
    /// Named secret references (`{secret.client_secret}`).
    pub secrets: BTreeMap<String, SecretRef>,
    pub auth: Option<AuthSpec>,
    /// Requests whose answers feed later templates (`{steps.NAME.KEY}`).
    pub steps: Vec<StepSpec>,
    pub list_organizations: Option<SourceSpec>,
    /// A request that succeeds (2xx) when a mapping reaches its external organization; templates
    /// may use `{external_org_id}`, `{external_org_name}` and `{metadata.KEY}`.
    pub test_connection: Option<RequestSpec>,
    /// A request that checks one external ID before it is saved.
    pub validate: Option<ValidateSpec>,
    pub concurrency: usize,
    pub max_pages: u64,
    pub retries: u32,
    /// The directory of the config file, against which relative paths are read.
    pub base_dir: PathBuf,
    /// The integration's table as the config declares it, in a canonical form: what decides where
    /// its organizations come from.
    pub definition: String,
}

impl Integration {
    /// How external organizations are found: `http`, `command`, `file`, or `manual` (IDs typed by
    /// hand) when the integration declares no list.
    pub fn discovery_kind(&self) -> &'static str {
        self.list_organizations.as_ref().map_or("manual", SourceSpec::kind)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Other config files whose integrations join this one's, relative to this file.
    #[serde(default)]
    include: Vec<PathBuf>,
    #[serde(default)]
    integrations: BTreeMap<IntegrationName, IntegrationFile>,
    #[serde(default)]
    store: StoreSettings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationFile {
    display_name: String,
    supports_org_mapping: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    id_pattern: Option<IdPattern>,
    #[serde(default)]
    cache_ttl: Option<HumanDuration>,
    #[serde(default)]
    timeout: Option<HumanDuration>,
    #[serde(default)]
    vars: BTreeMap<String, Template>,
    #[serde(default)]
    secrets: BTreeMap<String, SecretRef>,
    #[serde(default)]
    auth: Option<AuthSpec>,
    #[serde(default)]
    steps: Vec<StepSpec>,
    #[serde(default)]
    list_organizations: Option<SourceSpec>,
    #[serde(default)]
    test_connection: Option<RequestSpec>,
    #[serde(default)]
    validate: Option<ValidateSpec>,
    #[serde(default)]
    concurrency: Option<usize>,
    #[serde(default)]
    max_pages: Option<u64>,
    #[serde(default)]
    retries: Option<u32>,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct IntegrationName(String);

impl<'de> Deserialize<'de> for IntegrationName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if is_valid_integration_name(&name) {
            Ok(IntegrationName(name))
        } else {
            Err(de::Error::custom(format!(
                "integration name '{}' is invalid: use lowercase letters, digits, '_' and '-', starting with a letter (^[a-z][a-z0-9_-]*$)",
                name.escape_debug()
            )))
        }
    }
}

/// Whether `name` is a valid integration name (`^[a-z][a-z0-9_-]*$`, at most 64 characters).
pub use crate::domain::is_valid_integration_name;

struct IdPattern(Regex, String);

impl<'de> Deserialize<'de> for IdPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pattern = String::deserialize(deserializer)?;
        Regex::new(&format!("^(?:{pattern})$"))
            .map(|regex| IdPattern(regex, pattern.clone()))
            .map_err(|err| de::Error::custom(format!("id_pattern is not a valid regular expression: {err}")))
    }
}

/// A duration written for people: `90s`, `15m`, `1h`, `1h 30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HumanDuration(pub Duration);

impl std::str::FromStr for HumanDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parsed: jiff::SignedDuration =
            text.parse().map_err(|_| format!("'{text}' is not a duration; write it like 90s, 15m, 1h or 1h 30m"))?;
        Duration::try_from(parsed)
            .map(HumanDuration)
            .map_err(|_| format!("'{text}' is negative; a duration must be positive"))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(de::Error::custom)
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signed = jiff::SignedDuration::try_from(self.0).map_err(|_| fmt::Error)?;
        write!(f, "{signed:#}")
    }
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let mut config = Config::load_one(path, &mut Vec::new())?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Reads `path` and, depth first, the files it includes; `chain` holds the files including
    /// it, to refuse a cycle. An integration declared twice is refused, naming both files.
    fn load_one(path: &Path, chain: &mut Vec<PathBuf>) -> Result<Config> {
        let text = read_config_text(path)?;
        let mut config = Config::parse(&text, Some(path.to_path_buf()))?;
        let includes = std::mem::take(&mut config.includes);
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        chain.push(canonical);
        let mut declared_in: BTreeMap<String, PathBuf> =
            config.integrations.keys().map(|name| (name.clone(), path.to_path_buf())).collect();
        let base = path.parent().unwrap_or(Path::new("."));
        for include in includes {
            let included_path = base.join(&include);
            let canonical = std::fs::canonicalize(&included_path).unwrap_or_else(|_| included_path.clone());
            if chain.contains(&canonical) {
                let cycle: Vec<String> = chain.iter().chain([&canonical]).map(|p| p.display().to_string()).collect();
                return Err(Error::Config {
                    message: format!("invalid config {}: include cycle: {}", path.display(), cycle.join(" → ")),
                    hint: Some("a file may not include itself, directly or through others".into()),
                });
            }
            if config.included.contains(&canonical) {
                continue;
            }
            let other = Config::load_one(&included_path, chain)?;
            if other.store.url.is_some() || other.store.password.is_some() {
                return Err(Error::Config {
                    message: format!(
                        "invalid config {}: an included file may not hold [store]",
                        included_path.display()
                    ),
                    hint: Some(format!("move [store] to {}", path.display())),
                });
            }
            for (name, integration) in other.integrations {
                if let Some(first) = declared_in.get(&name) {
                    let second = other.declared_in.get(&name).cloned().unwrap_or_else(|| included_path.clone());
                    return Err(Error::Config {
                        message: format!(
                            "invalid config: integration {name} is declared twice, in {} and in {}",
                            first.display(),
                            second.display()
                        ),
                        hint: Some("rename one of them, or leave one out".into()),
                    });
                }
                declared_in.insert(
                    name.clone(),
                    other.declared_in.get(&name).cloned().unwrap_or_else(|| included_path.clone()),
                );
                config.integrations.insert(name, integration);
            }
            config.included.push(canonical);
            config.included.extend(other.included);
        }
        chain.pop();
        config.declared_in = declared_in;
        Ok(config)
    }

    /// Parses config text; `path` is used in error messages only.
    pub fn parse(text: &str, path: Option<PathBuf>) -> Result<Config> {
        let shown = path.as_deref().map_or_else(|| "<config>".to_owned(), |p| p.display().to_string());
        let file: ConfigFile = toml::from_str(text).map_err(|err| Error::Config {
            message: format!("invalid config {shown}: {}", describe_toml_error(text, &err)),
            hint: Some("fix the key at the line shown; the README documents every key".into()),
        })?;
        let base_dir =
            path.as_deref().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let tables: toml::Table = toml::from_str(text).unwrap_or_default();
        let definition = |name: &str| {
            tables.get("integrations").and_then(|all| all.get(name)).map(ToString::to_string).unwrap_or_default()
        };
        let integrations: BTreeMap<String, Integration> = file
            .integrations
            .into_iter()
            .map(|(IntegrationName(name), raw)| {
                let integration = Integration {
                    name: name.clone(),
                    display_name: raw.display_name,
                    supports_org_mapping: raw.supports_org_mapping,
                    description: raw.description,
                    id_pattern_text: raw.id_pattern.as_ref().map(|p| p.1.clone()),
                    id_pattern: raw.id_pattern.map(|p| p.0),
                    cache_ttl: raw.cache_ttl.map_or(DEFAULT_CACHE_TTL, |d| d.0),
                    timeout: raw.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
                    vars: raw.vars,
                    secrets: raw.secrets,
                    auth: raw.auth,
                    steps: raw.steps,
                    list_organizations: raw.list_organizations,
                    test_connection: raw.test_connection,
                    validate: raw.validate,
                    concurrency: raw.concurrency.unwrap_or(DEFAULT_CONCURRENCY).clamp(1, 64),
                    max_pages: raw.max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1),
                    retries: raw.retries.unwrap_or(DEFAULT_RETRIES).min(10),
                    base_dir: base_dir.clone(),
                    definition: definition(&name),
                };
                (name, integration)
            })
            .collect();
        for integration in integrations.values() {
            check::check_integration(integration).map_err(|message| Error::Config {
                message: format!("invalid config {shown}: integrations.{}: {message}", integration.name),
                hint: Some("fix the value named; the README documents templates and secret references".into()),
            })?;
        }
        check_store(&file.store).map_err(|message| Error::Config {
            message: format!("invalid config {shown}: store: {message}"),
            hint: Some("the password never goes in the config: name a secret (env, command or file) instead".into()),
        })?;
        Ok(Config {
            path,
            integrations,
            store: file.store,
            included: Vec::new(),
            declared_in: BTreeMap::new(),
            includes: file.include,
        })
    }

    /// The names of all declared integrations, sorted.
    pub fn names(&self) -> Vec<String> {
        self.integrations.keys().cloned().collect()
    }

    /// The integration called `name`, or an error listing the available ones.
    pub fn integration(&self, name: &str) -> Result<&Integration> {
        self.integrations
            .get(name)
            .ok_or_else(|| Error::UnknownIntegration { name: name.to_owned(), available: self.names() })
    }

    /// The integration called `name`, which must support organization mapping.
    pub fn mapping_integration(&self, name: &str) -> Result<&Integration> {
        let integration = self.integration(name)?;
        if integration.supports_org_mapping {
            Ok(integration)
        } else {
            Err(Error::MappingNotSupported { name: name.to_owned() })
        }
    }
}

/// A TOML error with the line it is on. The line itself is shown too, unless the error is a
/// secret written where its reference belongs: then the line holds the secret.
fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    if err.message().contains(crate::secrets::IN_SECRET_REFERENCE) {
        let before = err.span().and_then(|span| text.get(..span.start)).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        return format!("line {line}: {}", err.message().trim_end());
    }
    err.to_string().trim_end().to_owned()
}

/// The `[store]` table alone, without loading (or checking) the integrations.
pub fn load_store_settings(path: &Path) -> Result<StoreSettings> {
    #[derive(Deserialize)]
    struct StoreOnly {
        #[serde(default)]
        store: StoreSettings,
    }
    let text = read_config_text(path)?;
    let invalid = |message: String| Error::Config {
        message: format!("invalid config {}: {message}", path.display()),
        hint: Some("fix the key at the line shown; the README documents every key".into()),
    };
    let only: StoreOnly = toml::from_str(&text).map_err(|err| invalid(describe_toml_error(&text, &err)))?;
    check_store(&only.store).map_err(|message| invalid(format!("store: {message}")))?;
    Ok(only.store)
}

fn check_store(store: &StoreSettings) -> Result<(), String> {
    if let Some(url) = &store.url
        && crate::store::postgres::is_postgres_url(url)
    {
        let parsed: postgres::Config = url.parse().map_err(|err| format!("url cannot be read: {err}"))?;
        if parsed.get_password().is_some() {
            return Err("url contains a password".into());
        }
    }
    if let Some(reference) = &store.password {
        reference.check().map_err(|message| format!("password: {message}"))?;
    }
    Ok(())
}

/// Reads a config file, checking the file it reads: opened once, then checked and read through
/// the same descriptor, so that nothing can swap the file between the check and the read. A
/// config can run commands (command sources, secret commands): it must be owned by the user
/// running orgmap (or root) and not writable by others. Opening does not wait on a FIFO.
fn read_config_text(path: &Path) -> Result<String> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let cannot_read = |err: String| Error::Config {
        message: format!("cannot read config {}: {err}", path.display()),
        hint: Some("pass --config or set ORGMAP_CONFIG to a readable integrations.toml".into()),
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|err| cannot_read(err.to_string()))?;
    let meta = file.metadata().map_err(|err| cannot_read(err.to_string()))?;
    if !meta.is_file() {
        return Err(cannot_read("it is not a regular file".into()));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let refuse = |why: String| Error::Config {
        message: format!("refusing to load config {}: {why}; a config can run commands", path.display()),
        hint: Some(format!("make it yours and writable only by you: chmod go-w {}", path.display())),
    };
    if meta.uid() != uid && meta.uid() != 0 {
        return Err(refuse(format!("it is owned by another user (uid {})", meta.uid())));
    }
    if meta.mode() & 0o002 != 0 {
        return Err(refuse("anyone may write it".into()));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_CONFIG_BYTES + 1), &mut text)
        .map_err(|err| cannot_read(err.to_string()))?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(cannot_read(format!("it is larger than {MAX_CONFIG_BYTES} bytes")));
    }
    Ok(text)
}

/// Why a config file in the working directory was not loaded.
#[derive(Debug, PartialEq, Eq)]
pub enum Unsafe {
    NotOwned,
    Writable,
}

/// A config can run commands (command providers, secret commands), so one found rather than
/// named (in the working directory, or the user's config directory) is only trusted when the
/// user owns it and nobody else may write it.
pub fn check_working_dir_config(path: &Path) -> std::io::Result<Option<Unsafe>> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if meta.uid() != uid {
        Ok(Some(Unsafe::NotOwned))
    } else if meta.mode() & 0o022 != 0 {
        Ok(Some(Unsafe::Writable))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integrations_with_defaults() {
        let config = Config::parse(
            r#"
[integrations.halopsa]
display_name = "HaloPSA"
supports_org_mapping = true
id_pattern = "[0-9]+"
cache_ttl = "15m"
"#,
            None,
        )
        .unwrap();
        let halo = config.integration("halopsa").unwrap();
        assert_eq!(halo.cache_ttl, Duration::from_secs(900));
        assert_eq!(halo.timeout, DEFAULT_TIMEOUT);
        assert!(halo.id_pattern.as_ref().unwrap().is_match("123"));
        assert!(!halo.id_pattern.as_ref().unwrap().is_match("x123"), "the pattern is anchored");
    }

    #[test]
    fn the_shipped_config_parses_and_declares_the_eight_integrations_and_demo() {
        let config = Config::parse(include_str!("../../integrations.toml"), None).unwrap();
        for name in ["demo", "halopsa", "ninjaone", "m365", "connectwise", "autotask", "itglue", "hudu", "datto-rmm"] {
            assert!(config.mapping_integration(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn unknown_keys_name_the_file_line_and_key() {
        let err = Config::parse(
            "[integrations.halopsa]\ndisplay_name = \"HaloPSA\"\nsupports_org_mapping = true\nid_patern = \"x\"\n",
            Some(PathBuf::from("/etc/orgmap/integrations.toml")),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("/etc/orgmap/integrations.toml"), "{err}");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("id_patern"), "{err}");
    }

    #[test]
    fn bad_values_are_errors() {
        for (text, needle) in [
            ("[integrations.Halo]\ndisplay_name = \"x\"\nsupports_org_mapping = true\n", "integration name"),
            ("[integrations.h]\ndisplay_name = \"x\"\nsupports_org_mapping = \"yes\"\n", "line 3"),
            (
                "[integrations.h]\ndisplay_name = \"x\"\nsupports_org_mapping = true\nid_pattern = \"(\"\n",
                "regular expression",
            ),
            (
                "[integrations.h]\ndisplay_name = \"x\"\nsupports_org_mapping = true\ntimeout = \"soon\"\n",
                "not a duration",
            ),
            ("[integration.h]\n", "unknown field"),
        ] {
            let err = Config::parse(text, None).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?} gave {err}");
        }
    }

    #[test]
    fn every_template_of_a_step_is_checked_its_form_too() {
        // Regression: a step's form body was not checked, so an undefined variable there failed
        // only when the request was sent.
        let text = "[integrations.h]\ndisplay_name = \"H\"\nsupports_org_mapping = true\n[[integrations.h.steps]]\nname = \"login\"\nurl = \"https://h.example/login\"\nmethod = \"POST\"\nform = { user = \"{vars.nope}\" }\nextract = { token = \"$.token\" }\n";
        let err = Config::parse(text, None).unwrap_err().to_string();
        assert!(err.contains("steps[0].form.user") && err.contains("{vars.nope}"), "{err}");
    }

    #[test]
    fn unknown_integration_lists_the_available_ones() {
        let config = Config::parse(
            "[integrations.a]\ndisplay_name = \"A\"\nsupports_org_mapping = true\n[integrations.b]\ndisplay_name = \"B\"\nsupports_org_mapping = false\n",
            None,
        )
        .unwrap();
        match config.integration("c").unwrap_err() {
            Error::UnknownIntegration { available, .. } => assert_eq!(available, ["a", "b"]),
            other => panic!("{other}"),
        }
        assert!(matches!(config.mapping_integration("b"), Err(Error::MappingNotSupported { .. })));
    }
}
