//! The workflow API (the spec's get_integration_mapping and set_integration_mapping) for Rust
//! programs that would rather call orgmap than run it. The `get`, `set` and `lookup` commands are
//! built on it.
//!
//! ```no_run
//! use orgmap::workflow::Workflow;
//! use orgmap::store::Location;
//!
//! let config = orgmap::config::Config::load("integrations.toml".as_ref())?;
//! let workflow = Workflow::new(Location::Redb("/var/lib/orgmap".into()), "onboarding-bot", move || Ok(config.clone()));
//! let mapping = workflow.get_integration_mapping("acme", "halopsa", None)?;
//! println!("{}", mapping.external_org_id);
//! # Ok::<(), orgmap::error::Error>(())
//! ```

use std::cell::OnceCell;

use crate::config::Config;
use crate::domain::{Mapping, Metadata, Org};
use crate::error::Result;
use crate::ops::Change;
use crate::ops::discovery::Fetcher;
use crate::ops::mappings::{self, MetadataChanges, SetMapping};
use crate::ops::verify::Checker;
use crate::providers::NoProgress;
use crate::secrets::Redactor;
use crate::store::{self, Access, Location, OpenOptions};

/// Reads and writes mappings for workflows. Each call opens the store for just as long as it
/// needs, so that many workflow processes can share it.
pub struct Workflow {
    location: Location,
    options: OpenOptions,
    actor: String,
    load_config: Box<dyn Fn() -> Result<Config>>,
    config: OnceCell<Config>,
    env: fn(&str) -> Option<String>,
    verify: bool,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Workflow {
    /// A workflow client acting as `actor`; the config is loaded only when a call needs it.
    pub fn new(location: Location, actor: &str, load_config: impl Fn() -> Result<Config> + 'static) -> Self {
        Workflow {
            location,
            options: OpenOptions::default(),
            actor: actor.to_owned(),
            load_config: Box::new(load_config),
            config: OnceCell::new(),
            env: process_env,
            verify: true,
        }
    }

    /// Whether `set` checks a new external ID with the external system first (the default).
    pub fn verifying(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }

    /// Where secrets and `{env.NAME}` values come from (default: the process environment).
    pub fn with_env(mut self, env: fn(&str) -> Option<String>) -> Self {
        self.env = env;
        self
    }

    /// Changes how the store is opened (how long to wait for other processes).
    pub fn with_options(mut self, options: OpenOptions) -> Self {
        self.options = options;
        self
    }

    fn config(&self) -> Result<&Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let loaded = (self.load_config)()?;
        Ok(self.config.get_or_init(|| loaded))
    }

    /// The org's active mapping for `integration`, or the one `mapping_id` names.
    ///
    /// Errors: the org is unknown or has no such mapping (exit code 3), several mappings and no
    /// `mapping_id` (4), unknown integration (5), inactive org (8).
    pub fn get_integration_mapping(
        &self,
        org_id: &str,
        integration: &str,
        mapping_id: Option<&str>,
    ) -> Result<Mapping> {
        let store = store::open(&self.location, Access::Read, &self.options)?;
        let tx = store.read()?;
        mappings::get_mapping(&*tx, org_id, integration, mapping_id, &|name| {
            self.config()?.mapping_integration(name).map(drop)
        })
    }

    /// Creates the org's mapping for `integration`, or updates the one it has; `metadata` keys are
    /// added or replaced.
    pub fn set_integration_mapping(
        &self,
        org_id: &str,
        integration: &str,
        external_org_id: &str,
        metadata: Option<Metadata>,
    ) -> Result<Change<Mapping>> {
        self.set(SetMapping {
            org_id: org_id.to_owned(),
            integration: integration.to_owned(),
            external_org_id: external_org_id.to_owned(),
            metadata: MetadataChanges { set: metadata.unwrap_or_default(), unset: Vec::new() },
            ..SetMapping::default()
        })
    }

    /// [`Workflow::set_integration_mapping`] with every option.
    /// The external ID is checked with the external system first when it is new to the mapping
    /// (see [`Workflow::verifying`]); the store is not held meanwhile.
    pub fn set(&self, mut request: SetMapping) -> Result<Change<Mapping>> {
        let config = self.config()?;
        let open = |access| store::open(&self.location, access, &self.options);
        let fetcher = Fetcher { env: &self.env, redactor: Redactor::default(), progress: &NoProgress };
        let checker = Checker { open: &open, config, actor: &self.actor, fetcher: &fetcher, skip: !self.verify };
        request.checked = checker.for_set(&request)?;
        let store = open(Access::Write)?;
        mappings::set_mapping(&*store, config, &self.actor, request)
    }

    /// The organizations mapped to an external organization.
    pub fn lookup(
        &self,
        integration: &str,
        external_org_id: &str,
        include_inactive: bool,
    ) -> Result<Vec<(Mapping, Org)>> {
        let store = store::open(&self.location, Access::Read, &self.options)?;
        let tx = store.read()?;
        mappings::lookup(&*tx, integration, external_org_id, include_inactive)
    }
}
