//! Reconcile: suggest, for every active organization without a mapping in an integration, the
//! external organization it most likely is (the pure engine is [`crate::matching`]); write the
//! suggestions as a plan a person can review and edit; apply a plan in one transaction after
//! checking every row again against the store and the current list.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use serde::{Deserialize, Serialize};

use super::authorize;
use crate::config::Config;
use crate::domain::{
    AuditEvent, DiscoveryCache, Mapping, MappingLink, MappingSource, Org, SourceKind, now, validate_external_id,
};
use crate::error::{Error, Result};
use crate::matching::{self, Candidate, Confidence, Method, OrgFacts, XRef};
use crate::store::{ReadTx, Store};

/// What `suggest` considers.
#[derive(Debug, Clone, Default)]
pub struct SuggestOptions {
    /// Only these organizations (all active ones without a mapping when empty).
    pub orgs: Vec<String>,
    /// Propose external organizations that another organization maps already.
    pub allow_shared: bool,
    /// Propose external organizations the integration lists as inactive.
    pub include_inactive: bool,
}

/// One proposal, as `suggest` shows it and a plan file keeps it (one JSON line each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub integration: String,
    pub org_id: String,
    #[serde(default)]
    pub org_name: Option<String>,
    pub external_org_id: String,
    /// The external organization's name when the plan was made: `apply` refuses the row when it
    /// has another name now (set it to null, or to the new name, when you change the ID).
    #[serde(default)]
    pub external_org_name: Option<String>,
    #[serde(deserialize_with = "method_from_name")]
    pub method: Method,
    #[serde(deserialize_with = "confidence_from_name")]
    pub confidence: Confidence,
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Why the row must not be applied as it is; remove it from the row to accept it anyway.
    #[serde(default)]
    pub ambiguous: Option<String>,
    #[serde(default)]
    pub score: f64,
    /// Runner-up external IDs, best first.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// A person picked this external organization instead of the one suggested: the mapping is
    /// recorded as made by hand.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub picked: bool,
}

/// The facts matching needs about the organizations of a store, from their mappings in other
/// integrations and those integrations' cached lists.
fn org_facts(
    tx: &dyn ReadTx,
    integration: &str,
    orgs: &[Org],
    others: &HashMap<String, DiscoveryCache>,
) -> Result<Vec<OrgFacts>> {
    let records: HashMap<(&str, &str), &crate::domain::ExternalOrg> = others
        .iter()
        .flat_map(|(name, cache)| cache.organizations.iter().map(move |o| ((name.as_str(), o.id.as_str()), o)))
        .collect();
    let mut facts = Vec::with_capacity(orgs.len());
    for org in orgs {
        let mut names = vec![org.name.clone()];
        names.extend(org.aliases.iter().cloned());
        let mut domains = org.domains.clone();
        let mut xrefs = Vec::new();
        for mapping in tx.mappings_of_org(&org.id, None)? {
            if !mapping.active || mapping.integration == integration {
                continue;
            }
            if let Some(name) = &mapping.external_org_name
                && !names.contains(name)
            {
                names.push(name.clone());
            }
            xrefs.push(XRef { integration: mapping.integration.clone(), external_id: mapping.external_org_id.clone() });
            // What the record it is mapped to says of it: its domains, and the IDs of other
            // systems it carries (a Datto RMM site's Autotask company).
            if let Some(record) = records.get(&(mapping.integration.as_str(), mapping.external_org_id.as_str())) {
                domains.extend(record.domains.iter().cloned());
                xrefs.extend(
                    record.xrefs.iter().map(|(i, id)| XRef { integration: i.clone(), external_id: id.clone() }),
                );
            }
        }
        facts.push(OrgFacts { id: org.id.clone(), names, domains, xrefs });
    }
    Ok(facts)
}

/// Proposals for the active organizations that have no active mapping in `integration` (and are
/// not excluded from it), against its list `listing`; `others` are the cached lists of the other
/// integrations, whose records lend their domains and cross-references.
pub fn suggest(
    tx: &dyn ReadTx,
    config: &Config,
    integration: &str,
    listing: &DiscoveryCache,
    others: &HashMap<String, DiscoveryCache>,
    options: &SuggestOptions,
) -> Result<Vec<PlanRow>> {
    config.mapping_integration(integration)?;
    let all_orgs = tx.orgs()?;
    for wanted in &options.orgs {
        match all_orgs.iter().find(|o| &o.id == wanted) {
            None => return Err(Error::OrgNotFound { org: wanted.clone() }),
            Some(org) if !org.active => return Err(Error::OrgInactive { org: wanted.clone() }),
            Some(_) => {}
        }
    }
    let mapped_here = tx.mappings_of_integration(integration)?;
    let orgs_with_mapping: HashSet<&str> = mapped_here.iter().filter(|m| m.active).map(|m| m.org_id.as_str()).collect();
    let taken: HashSet<&str> = mapped_here.iter().map(|m| m.external_org_id.as_str()).collect();
    let excluded = super::exclusions::excluded_orgs(tx, integration)?;
    let orgs: Vec<Org> = all_orgs
        .into_iter()
        .filter(|o| o.active && !orgs_with_mapping.contains(o.id.as_str()) && !excluded.contains(&o.id))
        .filter(|o| options.orgs.is_empty() || options.orgs.contains(&o.id))
        .collect();
    let facts = org_facts(tx, integration, &orgs, others)?;
    let by_id: HashMap<&str, &crate::domain::ExternalOrg> =
        listing.organizations.iter().map(|o| (o.id.as_str(), o)).collect();
    let candidates: Vec<Candidate> = listing
        .organizations
        .iter()
        .filter(|o| options.include_inactive || o.active)
        .filter(|o| options.allow_shared || !taken.contains(o.id.as_str()))
        .map(|o| {
            let mut xrefs: Vec<XRef> =
                o.xrefs.iter().map(|(i, id)| XRef { integration: i.clone(), external_id: id.clone() }).collect();
            // A record's own ID is what other systems' records carry to point at it.
            xrefs.push(XRef { integration: integration.to_owned(), external_id: o.id.clone() });
            Candidate { id: o.id.clone(), name: o.name.clone(), domains: o.domains.clone(), xrefs }
        })
        .collect();
    let names: HashMap<&str, &str> = orgs.iter().map(|o| (o.id.as_str(), o.name.as_str())).collect();
    let rows = matching::suggest(&facts, &candidates)
        .into_iter()
        .map(|p| PlanRow {
            integration: integration.to_owned(),
            org_name: names.get(p.org_id.as_str()).map(|n| (*n).to_owned()),
            external_org_name: by_id.get(p.candidate_id.as_str()).and_then(|o| o.name.clone()),
            org_id: p.org_id,
            external_org_id: p.candidate_id,
            method: p.method,
            confidence: p.confidence,
            evidence: p.evidence.into_iter().map(|e| e.detail).collect(),
            ambiguous: p.ambiguous,
            score: p.score,
            alternatives: p.alternatives.into_iter().map(|(id, _)| id).collect(),
            picked: false,
        })
        .collect();
    Ok(rows)
}

/// The longest plan line read.
const MAX_PLAN_LINE: usize = 64 * 1024;

/// Reads a plan: one JSON object a line (blank lines and lines starting with `#` are skipped).
pub fn read_plan(input: &mut dyn BufRead) -> Result<Vec<PlanRow>> {
    let mut rows = Vec::new();
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = std::io::Read::take(&mut *input, MAX_PLAN_LINE as u64 + 1)
            .read_line(&mut line)
            .map_err(|err| Error::invalid("plan", format!("line {}: {err}", number + 1)))?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.len() > MAX_PLAN_LINE {
            return Err(Error::invalid("plan", format!("line {number} is longer than 64 KB")));
        }
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let row: PlanRow = crate::store::codec::from_json(text.as_bytes()).map_err(|err| Error::Invalid {
            what: "plan".into(),
            message: format!("line {number} is not a plan row: {err}"),
            hint: Some(
                "plans are written by `orgmap suggest INTEGRATION --plan FILE`; the README documents the rows".into(),
            ),
        })?;
        crate::domain::validate_org_id(&row.org_id)
            .and_then(|()| validate_external_id(&row.external_org_id, None))
            .map_err(|err| Error::invalid("plan", format!("line {number}: {err}")))?;
        rows.push(row);
    }
    Ok(rows)
}

/// What `apply` does.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub dry_run: bool,
    /// Rows below this confidence are left out.
    pub min_confidence: Confidence,
    /// Apply the rows still valid and report the others, instead of refusing the whole plan.
    pub skip_conflicts: bool,
    pub allow_shared: bool,
}

/// A row `apply` did not apply, and why.
#[derive(Debug, Clone, Serialize)]
pub struct RowConflict {
    pub line: usize,
    pub org_id: String,
    pub external_org_id: String,
    pub reason: String,
}

/// What `apply` did, or would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Applied {
    /// The mappings created (or that would be, with `--dry-run`).
    pub created: Vec<Mapping>,
    /// Rows left out for their confidence.
    pub below_confidence: usize,
    pub conflicts: Vec<RowConflict>,
    pub applied: bool,
}

/// Applies `rows` of `integration` (whose current list is `listing`) in one transaction. Each
/// row is checked again: the organization must exist, be active, not excluded and still lack an
/// active mapping; the external organization must still be listed under the same name, match the
/// integration's ID pattern, and not be mapped by another organization (unless `allow_shared`);
/// an ambiguous row is refused. Any failed check refuses the whole plan (exit 10, nothing
/// applied) unless `skip_conflicts`.
pub fn apply(
    store: &dyn Store,
    config: &Config,
    actor: &str,
    integration: &str,
    rows: &[PlanRow],
    listing: &DiscoveryCache,
    options: ApplyOptions,
) -> Result<Applied> {
    let spec = config.mapping_integration(integration)?;
    let mut tx = authorize(store.write()?, actor, "mapping.apply", &format!("integration:{integration}"))?;
    let listed: HashMap<&str, &crate::domain::ExternalOrg> =
        listing.organizations.iter().map(|o| (o.id.as_str(), o)).collect();
    let excluded = super::exclusions::excluded_orgs(&*tx, integration)?;
    let mut outcome = Applied::default();
    let mut planned_orgs: HashSet<String> = HashSet::new();
    let mut planned_ids: HashSet<String> = HashSet::new();
    let at = now();
    for (index, row) in rows.iter().enumerate() {
        let line = index + 1;
        if row.confidence < options.min_confidence {
            outcome.below_confidence += 1;
            continue;
        }
        let reason = check_row(&*tx, integration, spec, row, &listed, &excluded, options.allow_shared)?
            .or_else(|| (!planned_orgs.insert(row.org_id.clone())).then(|| "another row maps this organization".into()))
            .or_else(|| {
                (!options.allow_shared && !planned_ids.insert(row.external_org_id.clone()))
                    .then(|| "another row maps this external organization".into())
            });
        if let Some(reason) = reason {
            outcome.conflicts.push(RowConflict {
                line,
                org_id: row.org_id.clone(),
                external_org_id: row.external_org_id.clone(),
                reason,
            });
            continue;
        }
        let external = listed[row.external_org_id.as_str()];
        let link = MappingLink {
            org_id: row.org_id.clone(),
            integration: integration.to_owned(),
            external_org_id: row.external_org_id.clone(),
            external_org_name: external.name.clone(),
        };
        // The name the list gives now, as the mapping's upstream name: a later rename shows.
        let upstream_name = external.name.clone();
        let source = if row.picked {
            MappingSource { upstream_name, ..MappingSource::manual(actor) }
        } else {
            MappingSource {
                kind: SourceKind::Suggested,
                method: Some(method_name(row.method).to_owned()),
                confidence: Some(confidence_name(row.confidence).to_owned()),
                evidence: row.evidence.iter().take(16).map(|e| e.chars().take(500).collect()).collect(),
                accepted_by: actor.to_owned(),
                accepted_at: at,
                upstream_name,
            }
        };
        outcome.created.push(Mapping::new(link, true, source, actor, at));
    }
    if !outcome.conflicts.is_empty() && !options.skip_conflicts {
        return Ok(outcome);
    }
    if options.dry_run || outcome.created.is_empty() {
        return Ok(outcome);
    }
    for mapping in &outcome.created {
        tx.put_mapping(None, mapping)?;
        tx.append_audit(&AuditEvent::for_mapping(actor, "mapping.create", None, Some(mapping))?)?;
    }
    tx.commit()?;
    outcome.applied = true;
    Ok(outcome)
}

/// Why a plan row can no longer be applied as it is, or `None` when it can.
fn check_row(
    tx: &dyn ReadTx,
    integration: &str,
    spec: &crate::config::Integration,
    row: &PlanRow,
    listed: &HashMap<&str, &crate::domain::ExternalOrg>,
    excluded: &HashSet<String>,
    allow_shared: bool,
) -> Result<Option<String>> {
    if row.integration != integration {
        return Ok(Some(format!("the row is for {}, not {integration}", row.integration)));
    }
    if let Some(why) = &row.ambiguous {
        return Ok(Some(format!("ambiguous ({why}); remove \"ambiguous\" from the row to accept it")));
    }
    match tx.org(&row.org_id)? {
        None => return Ok(Some("the organization does not exist".into())),
        Some(org) if !org.active => return Ok(Some("the organization is inactive".into())),
        Some(_) => {}
    }
    if excluded.contains(&row.org_id) {
        return Ok(Some(format!("the organization is excluded from {integration}")));
    }
    if let Some(existing) = tx.mappings_of_org(&row.org_id, Some(integration))?.into_iter().find(|m| m.active) {
        return Ok(Some(format!(
            "the organization has a mapping now ({} → {})",
            existing.mapping_id, existing.external_org_id
        )));
    }
    if let Err(err) = validate_external_id(&row.external_org_id, spec.id_pattern.as_ref()) {
        return Ok(Some(err.to_string()));
    }
    let Some(external) = listed.get(row.external_org_id.as_str()) else {
        return Ok(Some(format!("{integration} no longer lists {}", row.external_org_id)));
    };
    if let Some(planned) = &row.external_org_name
        && external.name.as_deref() != Some(planned.as_str())
    {
        return Ok(Some(format!(
            "renamed upstream since the plan was made: now \"{}\"",
            external.name.as_deref().unwrap_or("(no name)")
        )));
    }
    if !allow_shared && let Some(other) = tx.mappings_of_external(integration, &row.external_org_id)?.into_iter().next()
    {
        return Ok(Some(format!("'{}' maps it already (pass --allow-shared if both share it)", other.org_id)));
    }
    Ok(None)
}

fn method_from_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Method, D::Error> {
    let name = String::deserialize(deserializer)?;
    [Method::CrossReference, Method::Domain, Method::NormalisedName, Method::FuzzyName]
        .into_iter()
        .find(|m| method_name(*m) == name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown method {name:?}")))
}

fn confidence_from_name<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Confidence, D::Error> {
    let name = String::deserialize(deserializer)?;
    [Confidence::High, Confidence::Medium, Confidence::Low]
        .into_iter()
        .find(|c| confidence_name(*c) == name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown confidence {name:?} (high, medium or low)")))
}

/// The name of a method as plans and sources write it.
pub fn method_name(method: Method) -> &'static str {
    match method {
        Method::CrossReference => "cross_reference",
        Method::Domain => "domain",
        Method::NormalisedName => "normalised_name",
        Method::FuzzyName => "fuzzy_name",
    }
}

/// The name of a confidence as plans and sources write it.
pub fn confidence_name(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}
