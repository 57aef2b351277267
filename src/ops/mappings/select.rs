//! Finding the mapping a command means: by ID or unique prefix, the one active mapping of an
//! organization and integration, or the organizations behind an external ID.

use serde_json::Value;

use crate::domain::Mapping;
use crate::error::{Candidate, Error, Result};
use crate::ops::orgs::require_org;
use crate::store::ReadTx;

/// How many candidates an ambiguity error lists.
const MAX_CANDIDATES: usize = 10;

/// The shortest prefix that may name a mapping.
const MIN_PREFIX: usize = 4;

pub(super) fn candidates(mappings: &[Mapping]) -> Vec<Candidate> {
    mappings
        .iter()
        .map(|m| Candidate {
            mapping_id: m.mapping_id.clone(),
            label: m.label.clone(),
            external_org_id: m.external_org_id.clone(),
            external_org_name: m.external_org_name.clone(),
        })
        .collect()
}

/// Normalises a mapping ID or prefix as typed (IDs are upper-case ULIDs).
fn normalise_reference(reference: &str) -> String {
    reference.trim().to_ascii_uppercase()
}

/// The mapping named by its ID or a unique prefix of it (at least 4 characters).
pub fn resolve_mapping(tx: &dyn ReadTx, reference: &str) -> Result<Mapping> {
    let wanted = normalise_reference(reference);
    if wanted.is_empty() || wanted.chars().any(|c| !c.is_ascii_alphanumeric()) {
        return Err(Error::MappingNotFound { reference: reference.to_owned() });
    }
    if let Some(mapping) = tx.mapping(&wanted)? {
        return Ok(mapping);
    }
    check_prefix_length(reference, &wanted)?;
    let found = tx.mappings_with_id_prefix(&wanted, MAX_CANDIDATES + 1)?;
    only_one(reference, found)
}

fn check_prefix_length(reference: &str, wanted: &str) -> Result<()> {
    if wanted.len() < MIN_PREFIX {
        return Err(Error::Invalid {
            what: "mapping ID".into(),
            message: format!("'{reference}' is too short to name a mapping"),
            hint: Some(format!("give the whole mapping ID or at least its first {MIN_PREFIX} characters")),
        });
    }
    Ok(())
}

/// The one mapping that matched `reference`, or why there is not exactly one.
fn only_one(reference: &str, mut matching: Vec<Mapping>) -> Result<Mapping> {
    match matching.len() {
        0 => Err(Error::MappingNotFound { reference: reference.to_owned() }),
        1 => Ok(matching.remove(0)),
        n => {
            matching.truncate(MAX_CANDIDATES);
            Err(Error::AmbiguousPrefix {
                prefix: reference.to_owned(),
                candidates: candidates(&matching),
                more: n > MAX_CANDIDATES,
            })
        }
    }
}

/// The one mapping among `mappings` whose ID is `reference` or starts with it (at least 4
/// characters).
pub(super) fn pick_by_prefix(reference: &str, mappings: Vec<Mapping>) -> Result<Mapping> {
    let wanted = normalise_reference(reference);
    if let Some(exact) = mappings.iter().position(|m| m.mapping_id == wanted) {
        return Ok(mappings.into_iter().nth(exact).expect("found above"));
    }
    check_prefix_length(reference, &wanted)?;
    only_one(reference, mappings.into_iter().filter(|m| m.mapping_id.starts_with(&wanted)).collect())
}

/// Picks the one mapping a workflow means among an org's mappings of one integration.
fn choose(org_id: &str, integration: &str, mappings: Vec<Mapping>, mapping_id: Option<&str>) -> Result<Mapping> {
    if let Some(reference) = mapping_id {
        let mapping = pick_by_prefix(reference, mappings)?;
        if mapping.active {
            return Ok(mapping);
        }
        return Err(Error::NoMapping {
            org: org_id.to_owned(),
            integration: integration.to_owned(),
            inactive: vec![mapping.mapping_id],
        });
    }
    let (active, inactive): (Vec<Mapping>, Vec<Mapping>) = mappings.into_iter().partition(|m| m.active);
    match active.len() {
        0 => Err(Error::NoMapping {
            org: org_id.to_owned(),
            integration: integration.to_owned(),
            inactive: inactive.into_iter().map(|m| m.mapping_id).collect(),
        }),
        1 => Ok(active.into_iter().next().expect("one active mapping")),
        _ => Err(Error::AmbiguousMapping {
            org: org_id.to_owned(),
            integration: integration.to_owned(),
            candidates: candidates(&active),
        }),
    }
}

/// The workflow read (get_integration_mapping): the org's one active mapping for `integration`,
/// or the one named by `mapping_id`.
///
/// `check_integration` is only called when nothing was found, so that the common path does not
/// need the config; it turns "no mapping" into "unknown integration" when that is the reason.
pub fn get_mapping(
    tx: &dyn ReadTx,
    org_id: &str,
    integration: &str,
    mapping_id: Option<&str>,
    check_integration: &dyn Fn(&str) -> Result<()>,
) -> Result<Mapping> {
    let org = require_org(tx, org_id)?;
    if !org.active {
        return Err(Error::OrgInactive { org: org.id });
    }
    let mappings = tx.mappings_of_org(org_id, Some(integration))?;
    if mappings.is_empty() {
        check_integration(integration)?;
    }
    choose(org_id, integration, mappings, mapping_id)
}

/// Which organizations map to an external organization (webhooks name only the external ID).
pub fn lookup(
    tx: &dyn ReadTx,
    integration: &str,
    external_org_id: &str,
    include_inactive: bool,
) -> Result<Vec<(Mapping, crate::domain::Org)>> {
    let all = tx.mappings_of_external(integration, external_org_id)?;
    let inactive = all.iter().filter(|m| !m.active).count();
    let mut found = Vec::new();
    // An inactive organization's mapping is not an active match: workflows get exit 8 for it, as
    // from `get` and `set`.
    let mut inactive_org = None;
    for mapping in all.into_iter().filter(|m| include_inactive || m.active) {
        let org = require_org(tx, &mapping.org_id)?;
        if !include_inactive && !org.active {
            inactive_org.get_or_insert(org.id);
            continue;
        }
        found.push((mapping, org));
    }
    if found.is_empty()
        && let Some(org) = inactive_org
    {
        return Err(Error::OrgInactive { org });
    }
    if found.is_empty() {
        return Err(Error::NoLookupMatch {
            integration: integration.to_owned(),
            external_org_id: external_org_id.to_owned(),
            inactive,
        });
    }
    Ok(found)
}

/// The one mapping of an org and integration that an admin means, active or not (`unmap`).
pub fn select_mapping(tx: &dyn ReadTx, org_id: &str, integration: &str, mapping_id: Option<&str>) -> Result<Mapping> {
    require_org(tx, org_id)?;
    let all = tx.mappings_of_org(org_id, Some(integration))?;
    if let Some(reference) = mapping_id {
        return pick_by_prefix(reference, all);
    }
    match all.len() {
        0 => {
            Err(Error::NoMapping { org: org_id.to_owned(), integration: integration.to_owned(), inactive: Vec::new() })
        }
        1 => Ok(all.into_iter().next().expect("one mapping")),
        _ => Err(Error::AmbiguousMapping {
            org: org_id.to_owned(),
            integration: integration.to_owned(),
            candidates: candidates(&all),
        }),
    }
}

/// Reads a `--field` of a mapping: a top-level field, or `metadata.KEY`.
pub fn field(mapping: &Mapping, name: &str) -> Result<Value> {
    let value = serde_json::to_value(mapping)?;
    let found = match name.strip_prefix("metadata.") {
        Some(key) => mapping.metadata.get(key).cloned(),
        None => value.get(name).cloned(),
    };
    if let Some(key) = name.strip_prefix("metadata.")
        && found.is_none()
    {
        let keys: Vec<&str> = mapping.metadata.keys().map(String::as_str).collect();
        return Err(Error::Invalid {
            what: "field".into(),
            message: format!("the mapping has no metadata key '{key}'"),
            hint: Some(if keys.is_empty() {
                "it has no metadata; add some with `orgmap edit MAPPING --meta K=V`".into()
            } else {
                format!("its metadata keys: {}", keys.join(", "))
            }),
        });
    }
    found.ok_or_else(|| Error::Invalid {
        what: "field".into(),
        message: format!("'{name}' is not a field of a mapping"),
        hint: Some(
            "use one of mapping_id, org_id, integration, external_org_id, external_org_name, label, active, verified, revision, created_at, created_by, updated_at, updated_by, metadata or metadata.KEY".into(),
        ),
    })
}
