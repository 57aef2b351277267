//! What every command shares: global options, where the config and the store are, who acts, and
//! whether a person is there to answer prompts. Nothing is loaded before a command asks for it,
//! so that `get` stays fast.

use std::cell::OnceCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::config::{self, Config, HumanDuration, Unsafe};
use crate::domain::validate_actor;
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::store::{self, Access, Location, OpenOptions, Store};
use crate::workflow::Workflow;

/// The file name looked for in the working directory and the config directory.
pub const CONFIG_FILE: &str = "integrations.toml";

/// Shared state of one orgmap run.
pub struct Ctx {
    pub globals: GlobalArgs,
    pub printer: Printer,
    config: OnceCell<Config>,
    /// Where the config is (`None`: no file), found once so that its warnings are said once.
    config_path: OnceCell<Option<PathBuf>>,
    /// The config's `[store]` table, when read before (or without) the rest.
    store_settings: OnceCell<config::StoreSettings>,
    /// Whether `-v` has named the store yet: once per run, however often a command opens it.
    said_store: std::cell::Cell<bool>,
}

impl Ctx {
    pub fn new(globals: GlobalArgs, printer: Printer) -> Self {
        Ctx {
            globals,
            printer,
            config: OnceCell::new(),
            config_path: OnceCell::new(),
            store_settings: OnceCell::new(),
            said_store: Default::default(),
        }
    }

    /// The config, loaded on first use.
    pub fn config(&self) -> Result<&Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let loaded = load_config(self.config_path()?)?;
        if self.globals.verbose > 0 {
            match &loaded.path {
                Some(path) => self.printer.status(&format!("config: {}", path.display())),
                None => self.printer.status("config: none found"),
            }
        }
        Ok(self.config.get_or_init(|| loaded))
    }

    /// Where the config file is, found on first use.
    fn config_path(&self) -> Result<Option<&Path>> {
        if let Some(path) = self.config_path.get() {
            return Ok(path.as_deref());
        }
        let found = find_config(self.globals.config.as_deref(), &self.printer);
        Ok(self.config_path.get_or_init(|| found).as_deref())
    }

    /// The config's `[store]` table. Read on its own when the config is not loaded yet: `get`
    /// loads the rest only when it finds no mapping.
    fn store_settings(&self) -> Result<&config::StoreSettings> {
        if let Some(config) = self.config.get() {
            return Ok(&config.store);
        }
        if let Some(settings) = self.store_settings.get() {
            return Ok(settings);
        }
        let settings = match self.config_path()? {
            Some(path) => config::load_store_settings(path)?,
            None => config::StoreSettings::default(),
        };
        Ok(self.store_settings.get_or_init(|| settings))
    }

    /// Where the store is: `--store` or `ORGMAP_STORE`, else the config's `[store] url`, else the
    /// XDG data directory.
    pub fn location(&self) -> Result<Location> {
        let location = if let Some(path) = &self.globals.store {
            Location::parse(path.as_os_str())?
        } else if let Some(url) = &self.store_settings()?.url {
            Location::parse(url.as_ref())?
        } else {
            use etcetera::BaseStrategy;
            let dirs = etcetera::choose_base_strategy().map_err(|err| Error::Usage {
                message: format!("cannot find the data directory: {err}"),
                hint: Some("pass --store or set ORGMAP_STORE".into()),
            })?;
            Location::Redb(dirs.data_dir().join("orgmap"))
        };
        // An embedded store is a directory: a file there is neither a store nor a place for one.
        if let Location::Redb(path) = &location
            && path.exists()
            && !path.is_dir()
        {
            return Err(Error::StoreAccess {
                path: path.clone(),
                detail: "it is a file, not a store directory".into(),
            });
        }
        Ok(location)
    }

    /// How long to wait for the store: `ORGMAP_LOCK_TIMEOUT` (seconds, or a duration like 30s).
    pub fn open_options(&self) -> Result<OpenOptions> {
        let mut options = OpenOptions::default();
        // Only a store named by the config takes its password from the config.
        if self.globals.store.is_none() {
            options.postgres_password = self.store_settings()?.password.clone();
        }
        if let Ok(text) = std::env::var("ORGMAP_LOCK_TIMEOUT") {
            options.lock_timeout = parse_timeout(&text).ok_or_else(|| {
                Error::usage(
                    format!("ORGMAP_LOCK_TIMEOUT={text:?} is not a duration"),
                    "give seconds (10, 2.5) or a duration such as 30s or 2m",
                )
            })?;
        }
        Ok(options)
    }

    /// Opens the store for reading or writing.
    pub fn store(&self, access: Access) -> Result<Box<dyn Store>> {
        let location = self.location()?;
        if self.globals.verbose > 0 && !self.said_store.replace(true) {
            self.printer.status(&format!("store: {location}"));
        }
        store::open(&location, access, &self.open_options()?)
    }

    /// Who acts: `ORGMAP_ACTOR`, else the OS user.
    pub fn actor(&self) -> Result<String> {
        let actor = match std::env::var("ORGMAP_ACTOR") {
            Ok(actor) => actor,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::usage("ORGMAP_ACTOR is not valid UTF-8", "set ORGMAP_ACTOR to a plain name"));
            }
            Err(std::env::VarError::NotPresent) => whoami::username().map_err(|err| {
                Error::usage(format!("cannot tell who runs orgmap: {err}"), "set ORGMAP_ACTOR to a plain name")
            })?,
        };
        validate_actor(&actor).map_err(|err| Error::usage(err.to_string(), "set ORGMAP_ACTOR to a plain name"))?;
        Ok(actor)
    }

    /// Whether a person is there to answer a prompt: stdin and stderr are terminals and neither
    /// `--no-input` nor `--json` was given.
    pub fn can_prompt(&self) -> bool {
        !self.globals.no_input
            && !self.globals.json
            && std::io::stdin().is_terminal()
            && std::io::stderr().is_terminal()
    }

    /// The workflow API, loading the config through this context's rules when needed.
    pub fn workflow(&self) -> Result<Workflow> {
        let actor = self.actor()?;
        let path = self.config_path()?.map(Path::to_path_buf);
        let loaded = self.config.get().cloned();
        let load = move || match &loaded {
            Some(config) => Ok(config.clone()),
            None => load_config(path.as_deref()),
        };
        Ok(Workflow::new(self.location()?, &actor, load).with_options(self.open_options()?))
    }

    /// Whether to draw progress bars: a person is there and `-q` was not given.
    pub fn show_progress(&self) -> bool {
        self.can_prompt() && !self.globals.quiet
    }

    /// How discovery reaches the outside world in this run.
    pub fn fetcher<'a>(&self, progress: &'a dyn crate::providers::Progress) -> crate::ops::discovery::Fetcher<'a> {
        crate::ops::discovery::Fetcher { env: &process_env, redactor: crate::secrets::Redactor::default(), progress }
    }

    /// Opens the store in the mode asked for, as often as an operation needs.
    pub fn opener(&self) -> impl Fn(Access) -> Result<Box<dyn Store>> + '_ {
        move |access| self.store(access)
    }

    /// The organization to act on: `--org`, else `ORGMAP_ORG`.
    pub fn org(&self, org: Option<&str>) -> Result<String> {
        org.map(str::to_owned).ok_or_else(|| {
            Error::usage("no organization given", "pass --org ORG (or set ORGMAP_ORG); `orgmap org list` shows them")
        })
    }
}

/// The process environment, for secrets and `{env.NAME}` templates.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn parse_timeout(text: &str) -> Option<Duration> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::try_from_secs_f64(secs).ok(),
        Ok(_) => None,
        Err(_) => text.parse::<HumanDuration>().ok().map(|d| d.0),
    }
}

/// Loads the config at `path`; no file at all is an empty config.
fn load_config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(path) => Config::load(path),
        None => Ok(Config::default()),
    }
}

/// Finds the config: `--config`/`ORGMAP_CONFIG`, else `./integrations.toml` when it is safe to
/// trust, else the XDG config directory; `None` when there is no file.
fn find_config(explicit: Option<&Path>, printer: &Printer) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let local = PathBuf::from(CONFIG_FILE);
    if trusted_found_config(&local, printer) {
        return Some(local);
    }
    use etcetera::BaseStrategy;
    let dirs = etcetera::choose_base_strategy().ok()?;
    let path = dirs.config_dir().join("orgmap").join(CONFIG_FILE);
    trusted_found_config(&path, printer).then_some(path)
}

/// Whether a config found rather than named may be loaded; says why not when it exists.
fn trusted_found_config(path: &Path, printer: &Printer) -> bool {
    if !path.is_file() {
        return false;
    }
    let why = match config::check_working_dir_config(path) {
        Ok(None) => return true,
        Ok(Some(Unsafe::NotOwned)) => "it is owned by another user".to_owned(),
        Ok(Some(Unsafe::Writable)) => "group or others may write it (chmod go-w to trust it)".to_owned(),
        Err(err) => err.to_string(),
    };
    let shown = if path.is_relative() { format!("./{}", path.display()) } else { path.display().to_string() };
    printer.warn(&format!("ignoring {shown}: {why}"));
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeouts_accept_seconds_and_durations() {
        assert_eq!(parse_timeout("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_timeout("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_timeout("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_timeout("-1"), None);
        assert_eq!(parse_timeout("soon"), None);
    }
}
