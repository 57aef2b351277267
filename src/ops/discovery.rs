//! Discovery: an integration's external organizations, from the cache while it is fresh,
//! fetched otherwise; a failed or throttled fetch falls back to the cached list, marked stale.
//! `refresh` also reports what changed upstream and which mappings it touches.
//!
//! Caches are not changes: no permission is needed and nothing is audited. The store is never
//! held while a request is in flight.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::Timestamp;

use crate::config::Integration;
use crate::domain::{DiscoveryCache, ExternalOrg, Mapping, now};
use crate::error::{Error, Result};
use crate::providers::{self, Env, FetchError, Progress};
use crate::secrets::Redactor;
use crate::store::{Access, Store};

/// Where a listing came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The cache, younger than the integration's `cache_ttl`.
    Cache,
    /// Fetched just now.
    Fresh,
    /// The cache, because fetching failed (the error says why) or `--offline` was asked for.
    Stale(Option<String>),
}

impl Origin {
    /// `cache`, `fresh` or `stale`, as reported in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::Cache => "cache",
            Origin::Fresh => "fresh",
            Origin::Stale(_) => "stale",
        }
    }
}

/// An integration's list with where it came from.
#[derive(Debug, Clone)]
pub struct Listing {
    pub cache: DiscoveryCache,
    pub origin: Origin,
    /// Something the caller should be told, such as a fresh list that could not be cached.
    pub note: Option<String>,
}

impl Listing {
    /// How old the list is.
    pub fn age(&self) -> Duration {
        age_of(&self.cache)
    }
}

/// How old a cached list is.
pub fn age_of(cache: &DiscoveryCache) -> Duration {
    Duration::try_from(Timestamp::now().duration_since(cache.fetched_at)).unwrap_or_default()
}

/// What `discover` may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscoverOptions {
    /// Fetch even when the cache is fresh.
    pub refresh: bool,
    /// Never fetch: the cache, however old.
    pub offline: bool,
}

/// How a run reaches the outside world: the environment (for secrets and templates), the
/// redactor that keeps secrets out of messages, and who watches progress.
pub struct Fetcher<'a> {
    pub env: Env<'a>,
    pub redactor: Redactor,
    pub progress: &'a dyn Progress,
}

impl Fetcher<'_> {
    /// Fetches the integration's list now, on a runtime of its own.
    pub fn fetch(&self, integration: &Integration) -> std::result::Result<providers::Fetched, FetchError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| FetchError::new(format!("cannot start the I/O runtime: {err}")))?;
        runtime.block_on(providers::fetch(integration, self.env, &self.redactor, self.progress))
    }
}

/// A digest of what decides where an integration's organizations come from: its definition,
/// the directory relative paths are read from, and the environment variables its templates name
/// (their values; secrets are references resolved elsewhere and never part of it).
pub fn source_digest(integration: &Integration, env: Env<'_>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(integration.definition.as_bytes());
    hasher.update(b"\0");
    hasher.update(integration.base_dir.to_string_lossy().as_bytes());
    let mut names: Vec<&str> = integration
        .definition
        .match_indices("{env.")
        .map(|(at, _)| {
            let rest = &integration.definition[at + 5..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        hasher.update(b"\0");
        hasher.update(name.as_bytes());
        hasher.update(b"=");
        hasher.update(env(name).unwrap_or_default().as_bytes());
    }
    hasher.finalize().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `cache` was fetched with the integration as this run declares it, so that its IDs
/// may be trusted: a list fetched with another config (another URL, another file) may not vouch
/// for an ID here.
pub fn trusts(cache: &DiscoveryCache, integration: &Integration, env: Env<'_>) -> bool {
    cache.source_digest.as_deref() == Some(source_digest(integration, env).as_str())
}

/// The cached list, when this run can trust it (see [`trusts`]).
pub fn read_cache(
    open: &dyn Fn(Access) -> Result<Box<dyn Store>>,
    integration: &Integration,
    env: Env<'_>,
) -> Result<Option<DiscoveryCache>> {
    let store = open(Access::Read)?;
    let tx = store.read()?;
    Ok(tx.discovery(&integration.name)?.filter(|cache| trusts(cache, integration, env)))
}

fn save(open: &dyn Fn(Access) -> Result<Box<dyn Store>>, cache: &DiscoveryCache) -> Result<()> {
    let store = open(Access::Write)?;
    let mut tx = store.write()?;
    tx.put_discovery(cache)?;
    tx.commit()
}

/// Fetches and caches the list. Returns it, and why it was not cached when the store's server
/// refused this session's role the write (a PostgreSQL reader may look, not vouch).
pub(crate) fn fetch_and_save(
    open: &dyn Fn(Access) -> Result<Box<dyn Store>>,
    integration: &Integration,
    fetcher: &Fetcher<'_>,
) -> std::result::Result<(DiscoveryCache, Option<Error>), FetchError> {
    let fetched = fetcher.fetch(integration)?;
    // What an external system answers obeys the store's rules like anything typed in: a record
    // that breaks them fails the fetch, naming it, and the cached list stays as it was.
    for organization in &fetched.organizations {
        organization.validate().map_err(|err| {
            let id = crate::output::sanitize(&organization.id).into_owned();
            FetchError::new(format!("the answer holds an organization that cannot be kept (ID {id}): {err}"))
        })?;
    }
    let cache = DiscoveryCache {
        integration: integration.name.clone(),
        fetched_at: now(),
        source: fetched.source.to_owned(),
        source_digest: Some(source_digest(integration, fetcher.env)),
        organizations: fetched.organizations,
    };
    match save(open, &cache) {
        Ok(()) => Ok((cache, None)),
        Err(err @ Error::RoleDenied { .. }) => Ok((cache, Some(err))),
        Err(err) => Err(FetchError::new(format!("fetched, but could not cache the list: {err}"))),
    }
}

/// The integration's external organizations: cached when fresh (or `offline`), else fetched; when
/// fetching fails and a cached list exists, that list, marked stale with the reason.
pub fn discover(
    open: &dyn Fn(Access) -> Result<Box<dyn Store>>,
    integration: &Integration,
    options: DiscoverOptions,
    fetcher: &Fetcher<'_>,
) -> Result<Listing> {
    if options.offline {
        // Asked for whatever is cached: shown, but said when another config fetched it (it
        // vouches for nothing: `map` checks IDs against a list it trusts).
        let cached = open(Access::Read)?.read()?.discovery(&integration.name)?;
        return match cached {
            Some(cache) => {
                let note = (!trusts(&cache, integration, fetcher.env)).then(|| {
                    "this list was fetched with another definition of the integration (another config or environment)"
                        .to_owned()
                });
                Ok(Listing { cache, origin: Origin::Stale(None), note })
            }
            None => Err(Error::usage(
                format!("no cached list of {} organizations", integration.name),
                format!("run `orgmap discover {}` without --offline once", integration.name),
            )),
        };
    }
    if !options.refresh
        && let Some(cache) = read_cache(open, integration, fetcher.env)?
        && age_of(&cache) < integration.cache_ttl
    {
        return Ok(Listing { cache, origin: Origin::Cache, note: None });
    }
    // A stale list is not held while the new one is fetched (a list of a million would be held
    // twice): it is read again if the fetch fails.
    match fetch_and_save(open, integration, fetcher) {
        Ok((cache, refusal)) => {
            let note = refusal.map(|err| format!("fetched, not cached: {err}"));
            Ok(Listing { cache, origin: Origin::Fresh, note })
        }
        Err(failure) => {
            let error = failure.into_error(&integration.name, &fetcher.redactor);
            match read_cache(open, integration, fetcher.env)? {
                Some(cache) => Ok(Listing { cache, origin: Origin::Stale(Some(error.to_string())), note: None }),
                None => Err(error),
            }
        }
    }
}

/// Why a mapping no longer matches the external system's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// The external organization is in the list under the mapping's name (or the mapping has none).
    Ok,
    /// The external organization is in the list under another name.
    Renamed,
    /// The external organization is not in the list any more.
    Missing,
}

impl Upstream {
    pub fn as_str(self) -> &'static str {
        match self {
            Upstream::Ok => "ok",
            Upstream::Renamed => "renamed upstream",
            Upstream::Missing => "missing upstream",
        }
    }
}

/// External organizations' names by ID, to check mappings against.
pub struct Index {
    names: HashMap<String, Option<String>>,
}

impl Index {
    pub fn new(cache: &DiscoveryCache) -> Self {
        Index { names: cache.organizations.iter().map(|o| (o.id.clone(), o.name.clone())).collect() }
    }

    /// How `mapping` compares with the list.
    pub fn upstream(&self, mapping: &Mapping) -> Upstream {
        match self.names.get(&mapping.external_org_id) {
            None => Upstream::Missing,
            // Told against the name the system gave when the ID was checked (else the mapping's
            // own): a name chosen with `map --name` is no rename; one matching the system's
            // current name settles a rename.
            Some(theirs) => {
                let seen = mapping
                    .source
                    .as_ref()
                    .and_then(|s| s.upstream_name.as_ref())
                    .or(mapping.external_org_name.as_ref());
                match (seen, theirs) {
                    (Some(seen), Some(theirs))
                        if seen != theirs && mapping.external_org_name.as_ref() != Some(theirs) =>
                    {
                        Upstream::Renamed
                    }
                    _ => Upstream::Ok,
                }
            }
        }
    }
}

/// What changed between two lists, and which mappings it touches.
#[derive(Debug, Clone, Default)]
pub struct Drift {
    pub added: Vec<ExternalOrg>,
    pub removed: Vec<ExternalOrg>,
    /// (before, after)
    pub renamed: Vec<(ExternalOrg, ExternalOrg)>,
    /// Mappings whose external organization is missing or renamed upstream.
    pub affected: Vec<(Mapping, Upstream)>,
}

/// Compares the list before and after a refresh, and checks the integration's mappings against
/// the new one.
pub fn drift(before: Option<&DiscoveryCache>, after: &DiscoveryCache, mappings: Vec<Mapping>) -> Drift {
    let mut drift = Drift::default();
    if let Some(before) = before {
        let old: BTreeMap<&str, &ExternalOrg> = before.organizations.iter().map(|o| (o.id.as_str(), o)).collect();
        let new: BTreeMap<&str, &ExternalOrg> = after.organizations.iter().map(|o| (o.id.as_str(), o)).collect();
        for (id, org) in &new {
            match old.get(id) {
                None => drift.added.push((*org).clone()),
                Some(previous) if previous.name != org.name => {
                    drift.renamed.push(((*previous).clone(), (*org).clone()))
                }
                Some(_) => {}
            }
        }
        drift.removed = old.iter().filter(|(id, _)| !new.contains_key(*id)).map(|(_, o)| (*o).clone()).collect();
    }
    let index = Index::new(after);
    for mapping in mappings {
        let state = index.upstream(&mapping);
        if state != Upstream::Ok {
            drift.affected.push((mapping, state));
        }
    }
    drift
}

/// One integration's refresh.
#[derive(Debug)]
pub enum Refreshed {
    Done {
        cache: DiscoveryCache,
        drift: Drift,
    },
    /// Secrets or settings are missing here; nothing was fetched.
    NotConfigured(String),
    Failed(Error),
}

/// Fetches the list now, caches it and compares it with the previous one.
pub fn refresh(
    open: &dyn Fn(Access) -> Result<Box<dyn Store>>,
    integration: &Integration,
    fetcher: &Fetcher<'_>,
) -> Result<Refreshed> {
    // What changed is told against the last list, whoever fetched it.
    let before = open(Access::Read)?.read()?.discovery(&integration.name)?;
    match fetch_and_save(open, integration, fetcher) {
        Ok((_, Some(refusal))) => Ok(Refreshed::Failed(refusal)),
        Ok((cache, None)) => {
            let store = open(Access::Read)?;
            let mappings = store.read()?.mappings_of_integration(&integration.name)?;
            let drift = drift(before.as_ref(), &cache, mappings);
            Ok(Refreshed::Done { cache, drift })
        }
        Err(failure) if failure.not_configured => {
            Ok(Refreshed::NotConfigured(fetcher.redactor.redact(&failure.message)))
        }
        Err(failure) => Ok(Refreshed::Failed(failure.into_error(&integration.name, &fetcher.redactor))),
    }
}

/// Case-insensitive search of IDs and names.
pub fn search<'c>(organizations: &'c [ExternalOrg], query: &str) -> Vec<&'c ExternalOrg> {
    let needle = query.to_lowercase();
    organizations
        .iter()
        .filter(|o| {
            o.id.to_lowercase().contains(&needle)
                || o.name.as_deref().is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, name: &str) -> ExternalOrg {
        ExternalOrg::new(id, Some(name.into()))
    }

    fn cache(orgs: Vec<ExternalOrg>) -> DiscoveryCache {
        DiscoveryCache {
            integration: "x".into(),
            fetched_at: now(),
            source: "http".into(),
            source_digest: None,
            organizations: orgs,
        }
    }

    #[test]
    fn drift_reports_added_removed_and_renamed() {
        let before = cache(vec![org("1", "Acme"), org("2", "Globex"), org("3", "Initech")]);
        let after = cache(vec![org("1", "Acme"), org("2", "Globex Corp"), org("4", "Umbrella")]);
        let drift = drift(Some(&before), &after, Vec::new());
        assert_eq!(drift.added.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["4"]);
        assert_eq!(drift.removed.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["3"]);
        assert_eq!(drift.renamed.len(), 1);
        assert_eq!(drift.renamed[0].1.name.as_deref(), Some("Globex Corp"));
    }

    #[test]
    fn search_matches_ids_and_names_case_insensitively() {
        let orgs = vec![org("12345", "Acme Corp"), org("777", "Globex")];
        assert_eq!(search(&orgs, "acme").len(), 1);
        assert_eq!(search(&orgs, "77").len(), 1);
        assert_eq!(search(&orgs, "zzz").len(), 0);
    }
}
