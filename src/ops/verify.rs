//! Checking an external ID before it is saved (the spec's FR-012): a `validate` request for that
//! one ID when the integration has one, else its discovered list (the cache when fresh; on a miss,
//! fetched once more). An ID that does not exist is refused with the closest ones as a hint.

use crate::config::Integration;
use crate::domain::ExternalOrg;
use crate::error::{Error, Result};
use crate::ops::discovery::{Fetcher, age_of, fetch_and_save};
use crate::ops::mappings::{Checked, SetMapping};
use crate::providers::http::{MappingVars, Session, SessionOptions};
use crate::providers::records::first;
use crate::store::{Access, Store};

/// What checking an external ID found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The ID exists; its name as the external system knows it.
    Found { name: Option<String> },
    /// The integration declares nothing to check against: IDs are entered by hand.
    NoSource,
}

/// How many near matches a refusal suggests.
const SUGGESTIONS: usize = 3;

/// The organizations whose ID (or name) is closest to `wanted`.
pub fn closest<'o>(organizations: &'o [ExternalOrg], wanted: &str) -> Vec<&'o ExternalOrg> {
    let lowered = wanted.to_lowercase();
    let mut scored: Vec<(usize, &ExternalOrg)> = organizations
        .iter()
        .map(|o| {
            let by_id = strsim::levenshtein(&o.id.to_lowercase(), &lowered);
            let by_name = o.name.as_deref().map_or(usize::MAX, |n| {
                let n = n.to_lowercase();
                if n.contains(&lowered) { 0 } else { strsim::levenshtein(&n, &lowered) }
            });
            (by_id.min(by_name), o)
        })
        .collect();
    scored.sort_by_key(|(score, o)| (*score, o.id.clone()));
    scored.into_iter().take(SUGGESTIONS).map(|(_, o)| o).collect()
}

fn not_found(integration: &Integration, id: &str, near: &[&ExternalOrg]) -> Error {
    let hint = if near.is_empty() {
        format!(
            "check the ID in {}; `orgmap discover {}` lists its organizations",
            integration.display_name, integration.name
        )
    } else {
        let listed: Vec<String> =
            near.iter().map(|o| format!("{} ({})", o.id, o.name.as_deref().unwrap_or("no name"))).collect();
        format!("the closest are: {}", listed.join(", "))
    };
    Error::Invalid {
        what: "external organization ID".into(),
        message: format!("{} has no organization with ID '{id}'", integration.display_name),
        hint: Some(hint),
    }
}

fn unreachable(integration: &Integration, failure: crate::providers::FetchError, fetcher: &Fetcher<'_>) -> Error {
    let error = failure.into_error(&integration.name, &fetcher.redactor);
    // Not configured here is a settings problem (exit 5) wherever it is met, not a failure of
    // the external system.
    if let Error::NotConfigured { .. } = error {
        return error;
    }
    Error::External {
        integration: integration.name.clone(),
        message: format!("cannot check the ID: {error}"),
        hint: Some(match error.hint() {
            Some(hint) => format!("{hint}; or pass --no-verify to save it unverified"),
            None => "fix that, or pass --no-verify to save it unverified".into(),
        }),
    }
}

/// Checks that `id` exists in the integration. Fails with exit 5 when it does not (naming the
/// closest IDs), with exit 7 when the system cannot be asked (suggesting `--no-verify`).
pub fn verify(
    open: &dyn Fn(Access) -> Result<Box<dyn Store>>,
    integration: &Integration,
    id: &str,
    fetcher: &Fetcher<'_>,
) -> Result<Verdict> {
    if let Some(spec) = &integration.validate {
        return verify_by_request(integration, spec, id, fetcher, open);
    }
    if integration.list_organizations.is_none() {
        return Ok(Verdict::NoSource);
    }
    let cached = crate::ops::discovery::read_cache(open, integration, fetcher.env)?;
    if let Some(cache) = &cached
        && age_of(cache) < integration.cache_ttl
        && let Some(found) = cache.organizations.iter().find(|o| o.id == id)
    {
        return Ok(Verdict::Found { name: found.name.clone() });
    }
    // A stale cache, or a miss in a fresh one (the organization may be new): fetch once more.
    let fresh =
        fetch_and_save(open, integration, fetcher).map_err(|failure| unreachable(integration, failure, fetcher))?.0;
    match fresh.organizations.iter().find(|o| o.id == id) {
        Some(found) => Ok(Verdict::Found { name: found.name.clone() }),
        None => Err(not_found(integration, id, &closest(&fresh.organizations, id))),
    }
}

fn verify_by_request(
    integration: &Integration,
    spec: &crate::config::requests::ValidateSpec,
    id: &str,
    fetcher: &Fetcher<'_>,
    open: &dyn Fn(Access) -> Result<Box<dyn Store>>,
) -> Result<Verdict> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Internal(format!("cannot start the I/O runtime: {err}")))?;
    let answer = runtime.block_on(async {
        let mut session =
            Session::with_options(integration, fetcher.env, fetcher.redactor.clone(), SessionOptions::default())?;
        session.run_steps().await?;
        let mut vars = MappingVars::new();
        vars.insert("external_org_id".into(), id.to_owned());
        let prepared = session.prepare_for(&spec.request(), &[], Some(&vars))?;
        session.trust_origin(&prepared.url);
        session.fetch_json(&prepared, true).await
    });
    match answer {
        Ok((body, _)) => {
            let mut name = spec.name.as_ref().and_then(|paths| {
                paths.paths().iter().find_map(|path| match first(path, &body) {
                    Some(serde_json::Value::String(s)) => crate::providers::records::clean_name(s),
                    _ => None,
                })
            });
            // As for a listed record: a name that holds a secret is not kept.
            if name.as_deref().is_some_and(|n| fetcher.redactor.contains_secret(n)) {
                name = None;
                fetcher.progress.warn(&crate::providers::records::secret_withheld(
                    &integration.name,
                    &format!("the name the validate answer gives {id}"),
                ));
            }
            Ok(Verdict::Found { name })
        }
        Err(failure) if failure.status == Some(404) => {
            let store = open(Access::Read)?;
            let cached = store.read()?.discovery(&integration.name)?;
            let near = cached.as_ref().map(|c| closest(&c.organizations, id)).unwrap_or_default();
            Err(not_found(integration, id, &near))
        }
        Err(failure) => Err(unreachable(integration, failure, fetcher)),
    }
}

/// Whether a change is worth checking with the external system: the actor may change, the
/// organization exists and is active, the integration maps organizations and the ID matches its
/// pattern. When not, the change fails anyway, with the right error and without a request.
fn worth_checking(
    tx: &dyn crate::store::ReadTx,
    config: &crate::config::Config,
    actor: &str,
    org_id: &str,
    integration: &str,
    id: &str,
    org_must_be_active: bool,
) -> Result<bool> {
    let may_change = tx.access(actor)?.is_some_and(|g| g.can_manage_config());
    let org_active = tx.org(org_id)?.is_some_and(|o| o.active || !org_must_be_active);
    let pattern_ok = config
        .mapping_integration(integration)
        .is_ok_and(|i| crate::domain::validate_external_id(id, i.id_pattern.as_ref()).is_ok());
    Ok(may_change && org_active && pattern_ok)
}

/// An ID saved without being checked.
fn unchecked(id: &str) -> Checked {
    Checked { verified: false, name: None, for_id: Some(id.to_owned()) }
}

/// Checks external IDs about to be saved by one change.
pub struct Checker<'a> {
    pub open: &'a dyn Fn(Access) -> Result<Box<dyn Store>>,
    pub config: &'a crate::config::Config,
    pub actor: &'a str,
    pub fetcher: &'a Fetcher<'a>,
    /// `--no-verify`: save without asking the external system (the mapping is unverified).
    pub skip: bool,
}

impl Checker<'_> {
    /// Checks an external ID that is about to be saved for `org_id`.
    pub fn new_id(&self, org_id: &str, integration: &str, id: &str) -> Result<Checked> {
        self.check(org_id, integration, id, true)
    }

    /// Whether a change to `integration` could be checked at all: not with `--no-verify`, nor for
    /// an integration that has no way to check IDs. Decided from the config alone, so that a
    /// change that will not be checked opens the store only to be written.
    fn can_check(&self, integration: &str) -> bool {
        !self.skip
            && self
                .config
                .mapping_integration(integration)
                .is_ok_and(|i| i.validate.is_some() || i.list_organizations.is_some())
    }

    /// `org_must_be_active`: whether the change is refused for an inactive organization anyway
    /// (map and set are; an edit is not).
    fn check(&self, org_id: &str, integration: &str, id: &str, org_must_be_active: bool) -> Result<Checked> {
        if !self.can_check(integration) {
            return Ok(unchecked(id));
        }
        let worth = {
            let store = (self.open)(Access::Read)?;
            let tx = store.read()?;
            worth_checking(&*tx, self.config, self.actor, org_id, integration, id, org_must_be_active)?
        };
        self.ask(worth, integration, id)
    }

    /// Asks the external system about `id` when the change is `worth` it.
    fn ask(&self, worth: bool, integration: &str, id: &str) -> Result<Checked> {
        if !worth {
            return Ok(unchecked(id));
        }
        let integration = self.config.mapping_integration(integration)?;
        Ok(match verify(self.open, integration, id, self.fetcher)? {
            Verdict::Found { name } => Checked { verified: true, name, for_id: Some(id.to_owned()) },
            Verdict::NoSource => unchecked(id),
        })
    }

    /// For `set`: only when the ID is new to the mapping `set` would write.
    pub fn for_set(&self, request: &SetMapping) -> Result<Checked> {
        let id = &request.external_org_id;
        if !self.can_check(&request.integration) {
            return Ok(unchecked(id));
        }
        let worth = {
            let store = (self.open)(Access::Read)?;
            let tx = store.read()?;
            let existing = tx.mappings_of_org(&request.org_id, Some(&request.integration))?;
            let targets: Vec<_> = match &request.mapping_id {
                Some(reference) => {
                    let wanted = reference.trim().to_ascii_uppercase();
                    existing.into_iter().filter(|m| !wanted.is_empty() && m.mapping_id.starts_with(&wanted)).collect()
                }
                None => existing.into_iter().filter(|m| m.active).collect(),
            };
            let unchanged = match targets.as_slice() {
                [] => false,
                [one] => one.external_org_id == *id,
                // Ambiguous: `set` will refuse without asking anyone.
                _ => true,
            };
            if unchanged {
                return Ok(Checked::default());
            }
            worth_checking(&*tx, self.config, self.actor, &request.org_id, &request.integration, id, true)?
        };
        self.ask(worth, &request.integration, id)
    }

    /// For `edit`: only when a new external ID is given.
    pub fn for_edit(&self, reference: &str, new_id: Option<&str>) -> Result<Checked> {
        let Some(new_id) = new_id else { return Ok(Checked::default()) };
        let mapping = {
            let store = (self.open)(Access::Read)?;
            let tx = store.read()?;
            match crate::ops::mappings::resolve_mapping(&*tx, reference) {
                Ok(mapping) => mapping,
                // The edit itself reports a reference that names no mapping.
                Err(_) => return Ok(Checked::default()),
            }
        };
        if mapping.external_org_id == new_id {
            return Ok(Checked::default());
        }
        self.check(&mapping.org_id, &mapping.integration, new_id, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, name: &str) -> ExternalOrg {
        ExternalOrg::new(id, Some(name.into()))
    }

    #[test]
    fn the_closest_ids_and_names_are_suggested() {
        let orgs =
            vec![org("12345", "Acme Corp"), org("12346", "Globex"), org("99999", "Initech"), org("55555", "Umbrella")];
        let near: Vec<&str> = closest(&orgs, "12354").iter().map(|o| o.id.as_str()).collect();
        assert_eq!(near[0], "12345");
        assert_eq!(near[1], "12346");
        assert_eq!(closest(&orgs, "umbr")[0].id, "55555", "a name containing the text comes first");
    }
}
