//! Signals to pairs, pairs to one proposal per organization, decided globally: each pair is
//! weighed against the organization's other candidates and the candidate's other organizations.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use super::fuzzy::{self, similar_names};
use super::{Candidate, Confidence, Evidence, Method, OrgFacts, Proposal, XRef, normalise_domain, normalise_name};

/// A high-confidence pair must score at least this much above the organization's runner-up
/// candidate and the candidate's runner-up organization.
pub const MARGIN: f64 = 0.15;
/// The margin a medium-confidence similar-name pair needs.
const FUZZY_MARGIN: f64 = 0.05;
/// A similar name is medium confidence from this similarity up (and with as many words).
const FUZZY_MEDIUM: f64 = 0.92;
/// Alternatives listed per proposal.
const ALTERNATIVES: usize = 5;

/// A key (ID, domain, name) held by more organizations or candidates than this is too common to
/// be evidence of anything ("N/A", the MSP's own domain on every contact).
const MAX_HOLDERS: usize = 20;

/// Strength of one signal, uncontested and contested; pairs combine them as independent
/// evidence (noisy-or), so agreeing signals raise the score and none reaches 1. Any equal key,
/// even contested, outranks a similar name (at most 0.7 × similarity).
fn strength(method: Method, contested: bool) -> f64 {
    match (method, contested) {
        (Method::CrossReference, false) => 0.99,
        (Method::CrossReference, true) => 0.85,
        (Method::Domain, false) => 0.95,
        (Method::Domain, true) => 0.8,
        (Method::NormalisedName, false) => 0.9,
        (Method::NormalisedName, true) => 0.72,
        (Method::FuzzyName, _) => 0.7,
    }
}

#[derive(Debug, Clone)]
struct Signal {
    method: Method,
    detail: String,
    /// Why this signal alone cannot decide (shared by several organizations or candidates).
    contested: Option<String>,
    strength: f64,
    /// For a similar name: medium-grade similarity (high enough, as many words).
    close: bool,
}

impl Signal {
    fn new(method: Method, detail: String, contested: Option<String>) -> Self {
        let strength = strength(method, contested.is_some());
        Signal { method, detail, contested, strength, close: false }
    }

    /// Strong and uncontested: enough on its own to decide a pair.
    fn decisive(&self) -> bool {
        self.method != Method::FuzzyName && self.contested.is_none()
    }
}

struct Pair {
    org: usize,
    cand: usize,
    signals: Vec<Signal>,
    score: f64,
}

/// Proposes, for every organization with any evidence, the candidate it most likely is; see the
/// module documentation for the rules. Sorted by organization ID; deterministic.
pub fn suggest(orgs: &[OrgFacts], candidates: &[Candidate]) -> Vec<Proposal> {
    let mut signals: Vec<(usize, usize, Signal)> = Vec::new();
    xref_signals(orgs, candidates, &mut signals);
    domain_signals(orgs, candidates, &mut signals);
    name_signals(orgs, candidates, &mut signals);
    let pairs = pairs(signals);

    let mut by_org: Vec<Vec<usize>> = vec![Vec::new(); orgs.len()];
    let mut by_cand: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
    for (i, p) in pairs.iter().enumerate() {
        by_org[p.org].push(i);
        by_cand[p.cand].push(i);
    }
    for list in &mut by_org {
        list.sort_by(|&a, &b| {
            let (a, b) = (&pairs[a], &pairs[b]);
            b.score.total_cmp(&a.score).then_with(|| candidates[a.cand].id.cmp(&candidates[b.cand].id))
        });
    }
    for list in &mut by_cand {
        list.sort_by(|&a, &b| {
            let (a, b) = (&pairs[a], &pairs[b]);
            b.score.total_cmp(&a.score).then_with(|| orgs[a.org].id.cmp(&orgs[b.org].id))
        });
    }

    let mut proposals: Vec<Proposal> = by_org
        .iter()
        .filter(|list| !list.is_empty())
        .map(|list| decide(list, &pairs, &by_cand, orgs, candidates))
        .collect();
    proposals.sort_by(|a, b| a.org_id.cmp(&b.org_id));
    proposals
}

fn decide(
    list: &[usize],
    pairs: &[Pair],
    by_cand: &[Vec<usize>],
    orgs: &[OrgFacts],
    candidates: &[Candidate],
) -> Proposal {
    let best = &pairs[list[0]];
    let cand_id = &candidates[best.cand].id;
    let strongest = best.signals.iter().map(|s| s.method).min().expect("a pair has a signal");
    let fuzzy_only = strongest == Method::FuzzyName;
    let margin = if fuzzy_only { FUZZY_MARGIN } else { MARGIN };
    let mut reasons: Vec<String> = Vec::new();

    // The strongest kind of evidence on the pair must be uncontested to decide it.
    let decisive = best.signals.iter().any(|s| s.method == strongest && s.decisive());
    if !decisive {
        reasons.extend(best.signals.iter().filter(|s| s.method == strongest).filter_map(|s| s.contested.clone()));
    }
    // Strong evidence pointing elsewhere, from this organization or to this candidate.
    for &other in &list[1..] {
        let other = &pairs[other];
        if let Some(s) = other.signals.iter().find(|s| s.decisive()) {
            reasons.push(format!("{} {} points to candidate {}", label(s.method), s.detail, candidates[other.cand].id));
        }
    }
    let cand_list = &by_cand[best.cand];
    for &other in cand_list {
        let other = &pairs[other];
        if other.org == best.org {
            continue;
        }
        if let Some(s) = other.signals.iter().find(|s| s.decisive()) {
            reasons.push(format!(
                "{} {} ties candidate {cand_id} to organization {}",
                label(s.method),
                s.detail,
                orgs[other.org].id
            ));
        }
    }
    // Mutual best, each by a clear margin.
    if let Some(&next) = list.get(1)
        && best.score - pairs[next].score < margin
    {
        reasons.push(format!("candidate {} scores nearly as well", candidates[pairs[next].cand].id));
    }
    let top = &pairs[cand_list[0]];
    if top.org != best.org {
        reasons.push(format!("candidate {cand_id} matches organization {} better", orgs[top.org].id));
    } else if let Some(&next) = cand_list.get(1)
        && best.score - pairs[next].score < margin
    {
        reasons.push(format!("organization {} matches candidate {cand_id} nearly as well", orgs[pairs[next].org].id));
    }
    reasons.dedup();

    let confidence = if decisive && reasons.is_empty() {
        Confidence::High
    } else if !fuzzy_only || (reasons.is_empty() && best.signals.iter().any(|s| s.close)) {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    let mut evidence: Vec<Evidence> =
        best.signals.iter().map(|s| Evidence { method: s.method, detail: s.detail.clone() }).collect();
    evidence.sort_by(|a, b| a.method.cmp(&b.method).then_with(|| a.detail.cmp(&b.detail)));
    Proposal {
        org_id: orgs[best.org].id.clone(),
        candidate_id: cand_id.clone(),
        method: strongest,
        confidence,
        evidence,
        score: round(best.score),
        ambiguous: (!reasons.is_empty()).then(|| reasons.join("; ")),
        alternatives: list[1..]
            .iter()
            .take(ALTERNATIVES)
            .map(|&i| (candidates[pairs[i].cand].id.clone(), round(pairs[i].score)))
            .collect(),
    }
}

fn label(method: Method) -> &'static str {
    match method {
        Method::CrossReference => "cross-reference",
        Method::Domain => "domain",
        Method::NormalisedName => "name",
        Method::FuzzyName => "similar name",
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Groups signals by pair and scores each pair. A similar name adds nothing to a pair whose names
/// are already equal once normalised.
fn pairs(mut signals: Vec<(usize, usize, Signal)>) -> Vec<Pair> {
    signals.sort_by(|a, b| (a.0, a.1, a.2.method, &a.2.detail).cmp(&(b.0, b.1, b.2.method, &b.2.detail)));
    let mut out: Vec<Pair> = Vec::new();
    for (org, cand, signal) in signals {
        match out.last_mut() {
            Some(p) if p.org == org && p.cand == cand => {
                if signal.method == Method::FuzzyName && p.signals.iter().any(|s| s.method == Method::NormalisedName) {
                    continue;
                }
                if !p.signals.iter().any(|s| s.method == signal.method && s.detail == signal.detail) {
                    p.signals.push(signal);
                }
            }
            _ => out.push(Pair { org, cand, signals: vec![signal], score: 0.0 }),
        }
    }
    for p in &mut out {
        p.score = 1.0 - p.signals.iter().map(|s| 1.0 - s.strength).product::<f64>();
    }
    out
}

/// Who holds each key on either side, as signals for every pair sharing a key; a key held by
/// several organizations or several candidates is contested.
fn shared_keys<K: Eq + Hash + Ord + Clone>(
    org_keys: impl Iterator<Item = (usize, K)>,
    cand_keys: impl Iterator<Item = (usize, K)>,
    orgs: &[OrgFacts],
    candidates: &[Candidate],
    mut make: impl FnMut(&K, usize, usize, Option<String>) -> Signal,
    describe: impl Fn(&K) -> String,
    out: &mut Vec<(usize, usize, Signal)>,
) {
    let mut by_org: HashMap<K, Vec<usize>> = HashMap::new();
    for (o, k) in org_keys {
        let list = by_org.entry(k).or_default();
        if list.last() != Some(&o) {
            list.push(o);
        }
    }
    let mut by_cand: HashMap<K, Vec<usize>> = HashMap::new();
    for (c, k) in cand_keys {
        let list = by_cand.entry(k).or_default();
        if list.last() != Some(&c) {
            list.push(c);
        }
    }
    let mut keys: Vec<&K> = by_cand.keys().filter(|k| by_org.contains_key(*k)).collect();
    keys.sort();
    for key in keys {
        let os = &by_org[key];
        let cs = &by_cand[key];
        if os.len() > MAX_HOLDERS || cs.len() > MAX_HOLDERS {
            continue;
        }
        let contested = if os.len() > 1 {
            Some(format!("{} is shared by organizations {}", describe(key), ids(os.iter().map(|&o| &orgs[o].id))))
        } else if cs.len() > 1 {
            Some(format!("{} is shared by candidates {}", describe(key), ids(cs.iter().map(|&c| &candidates[c].id))))
        } else {
            None
        };
        for &o in os {
            for &c in cs {
                out.push((o, c, make(key, o, c, contested.clone())));
            }
        }
    }
}

fn ids<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    let mut ids: Vec<&str> = ids.map(String::as_str).collect();
    ids.sort_unstable();
    let more = ids.len().saturating_sub(5);
    let mut text = ids[..ids.len().min(5)].join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

fn xref_key(x: &XRef) -> Option<(String, String)> {
    let integration = x.integration.trim().to_lowercase();
    let id = x.external_id.trim();
    if integration.is_empty() || id.is_empty() {
        return None;
    }
    let is_guid = id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    Some((integration, if is_guid { id.to_ascii_lowercase() } else { id.to_owned() }))
}

fn xref_signals(orgs: &[OrgFacts], candidates: &[Candidate], out: &mut Vec<(usize, usize, Signal)>) {
    let org_keys =
        orgs.iter().enumerate().flat_map(|(o, f)| unique(f.xrefs.iter().filter_map(xref_key)).map(move |k| (o, k)));
    let cand_keys = candidates
        .iter()
        .enumerate()
        .flat_map(|(c, f)| unique(f.xrefs.iter().filter_map(xref_key)).map(move |k| (c, k)));
    let describe = |k: &(String, String)| format!("{} {}", k.0, k.1);
    let make = |k: &(String, String), _, _, contested| Signal::new(Method::CrossReference, describe(k), contested);
    shared_keys(org_keys, cand_keys, orgs, candidates, make, describe, out);
}

fn domain_signals(orgs: &[OrgFacts], candidates: &[Candidate], out: &mut Vec<(usize, usize, Signal)>) {
    let org_keys = orgs
        .iter()
        .enumerate()
        .flat_map(|(o, f)| unique(f.domains.iter().filter_map(|d| normalise_domain(d))).map(move |k| (o, k)));
    let cand_keys = candidates
        .iter()
        .enumerate()
        .flat_map(|(c, f)| unique(f.domains.iter().filter_map(|d| normalise_domain(d))).map(move |k| (c, k)));
    let make = |k: &String, _, _, contested| Signal::new(Method::Domain, k.clone(), contested);
    shared_keys(org_keys, cand_keys, orgs, candidates, make, |k| k.clone(), out);
}

/// Exact and similar normalised names.
fn name_signals(orgs: &[OrgFacts], candidates: &[Candidate], out: &mut Vec<(usize, usize, Signal)>) {
    // Each organization's distinct normalised names, with the first name that gave each.
    let org_names: Vec<Vec<(String, &str)>> = orgs
        .iter()
        .map(|f| {
            let mut seen = HashSet::new();
            f.names
                .iter()
                .map(|n| (normalise_name(n), n.as_str()))
                .filter(|(k, _)| !k.is_empty() && seen.insert(k.clone()))
                .collect()
        })
        .collect();
    let cand_names: Vec<String> =
        candidates.iter().map(|c| c.name.as_deref().map(normalise_name).unwrap_or_default()).collect();

    let org_keys = org_names.iter().enumerate().flat_map(|(o, ns)| ns.iter().map(move |(k, _)| (o, k.clone())));
    let cand_keys = cand_names.iter().enumerate().filter(|(_, k)| !k.is_empty()).map(|(c, k)| (c, k.clone()));
    let make = |k: &String, o: usize, c: usize, contested| {
        let org_name = org_names[o].iter().find(|(key, _)| key == k).map_or("", |(_, n)| n);
        let cand_name = candidates[c].name.as_deref().unwrap_or_default();
        Signal::new(Method::NormalisedName, format!("{org_name:?} = {cand_name:?}"), contested)
    };
    shared_keys(org_keys, cand_keys, orgs, candidates, make, |k| format!("the name {k:?}"), out);

    let keys: Vec<Vec<String>> = org_names.iter().map(|ns| ns.iter().map(|(k, _)| k.clone()).collect()).collect();
    for hit in similar_names(&keys, &cand_names) {
        let (key, org_name) = &org_names[hit.org][hit.key];
        let cand_name = candidates[hit.cand].name.as_deref().unwrap_or_default();
        let mut signal =
            Signal::new(Method::FuzzyName, format!("{org_name:?} ~ {cand_name:?} ({:.2})", hit.similarity), None);
        signal.strength = strength(Method::FuzzyName, false) * hit.similarity;
        signal.close = hit.similarity >= FUZZY_MEDIUM && fuzzy::same_token_count(key, &cand_names[hit.cand]);
        out.push((hit.org, hit.cand, signal));
    }
}

fn unique<K: Eq + Hash + Clone>(keys: impl Iterator<Item = K>) -> impl Iterator<Item = K> {
    let mut seen = HashSet::new();
    keys.filter(move |k| seen.insert(k.clone()))
}
