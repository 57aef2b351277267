//! Coverage: organizations × mapping-enabled integrations, each cell mapped, unverified, stale,
//! inactive upstream, excluded or missing — "who is unmapped where", for admins and CI.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::domain::{DiscoveryCache, Exclusion, Mapping, Org};

/// The state of one organization in one integration, worst first when several mappings differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    /// No active mapping, and not excluded.
    Missing,
    /// Mapped, but the external organization has another name, or is gone, in the last list.
    Stale,
    /// Mapped to an external organization the last list shows as inactive.
    InactiveUpstream,
    /// Mapped without the ID having been checked against the external system.
    Unverified,
    /// Excluded on purpose: no account there.
    Excluded,
    /// Mapped, checked, and matching the last list (or there is no list to compare with).
    Mapped,
}

impl CellState {
    /// Whether `coverage --check` counts the cell as a gap.
    pub fn is_gap(self) -> bool {
        matches!(self, CellState::Missing | CellState::Stale | CellState::Unverified)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Missing => "missing",
            CellState::Stale => "stale",
            CellState::InactiveUpstream => "inactive upstream",
            CellState::Unverified => "unverified",
            CellState::Excluded => "excluded",
            CellState::Mapped => "mapped",
        }
    }
}

/// One organization in one integration.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub state: CellState,
    /// The external IDs of the organization's active mappings there.
    pub external_org_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One organization's row.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub org_id: String,
    pub name: String,
    pub cells: BTreeMap<String, Cell>,
}

/// The grid and its totals per integration and state.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub integrations: Vec<String>,
    pub rows: Vec<Row>,
    pub totals: BTreeMap<String, BTreeMap<CellState, u64>>,
}

impl Coverage {
    /// How many cells are gaps (missing, stale or unverified).
    pub fn gaps(&self) -> u64 {
        self.rows.iter().flat_map(|r| r.cells.values()).filter(|c| c.state.is_gap()).count() as u64
    }
}

/// What coverage is computed from, read from the store by the caller.
pub struct Inputs<'a> {
    pub orgs: &'a [Org],
    /// Active mappings of the orgs and integrations shown.
    pub mappings: &'a [Mapping],
    pub exclusions: &'a [Exclusion],
    /// The last list of each integration, when there is one.
    pub caches: &'a HashMap<String, DiscoveryCache>,
    pub integrations: &'a [String],
    /// The integrations that can check an external ID (a list or a `validate` request): only
    /// there is an unchecked mapping a gap.
    pub verifiable: &'a HashSet<String>,
}

/// What an integration's last list says of each external organization: its name, and whether
/// it is active.
type Listed<'a> = FastMap<&'a str, (Option<&'a str>, bool)>;

/// A hash map with a fast hasher: coverage hashes a key per mapping, and SipHash was a fifth of
/// its time at 10,000 organizations × 8 integrations.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The coverage grid of `inputs`.
pub fn coverage(inputs: &Inputs<'_>) -> Coverage {
    // Each org's active mappings, found with one hash per mapping; the few integrations of an
    // org are then told apart by comparing names.
    let mut by_org: FastMap<&str, Vec<&Mapping>> = FastMap::default();
    for mapping in inputs.mappings.iter().filter(|m| m.active) {
        by_org.entry(mapping.org_id.as_str()).or_default().push(mapping);
    }
    let excluded: FastMap<(&str, &str), &Exclusion> =
        inputs.exclusions.iter().map(|e| ((e.org_id.as_str(), e.integration.as_str()), e)).collect();
    let listed: FastMap<&str, Listed<'_>> = inputs
        .caches
        .iter()
        .map(|(name, cache)| {
            let orgs = cache.organizations.iter().map(|o| (o.id.as_str(), (o.name.as_deref(), o.active))).collect();
            (name.as_str(), orgs)
        })
        .collect();
    let mut totals: BTreeMap<String, BTreeMap<CellState, u64>> =
        inputs.integrations.iter().map(|i| (i.clone(), BTreeMap::new())).collect();
    let no_mappings = Vec::new();
    let rows = inputs
        .orgs
        .iter()
        .map(|org| {
            let own = by_org.get(org.id.as_str()).unwrap_or(&no_mappings);
            let cells = inputs
                .integrations
                .iter()
                .map(|integration| {
                    let mappings: Vec<&Mapping> =
                        own.iter().copied().filter(|m| m.integration == *integration).collect();
                    let cell = if !mappings.is_empty() {
                        mapped_cell(
                            &mappings,
                            listed.get(integration.as_str()),
                            inputs.verifiable.contains(integration),
                        )
                    } else {
                        match excluded.get(&(org.id.as_str(), integration.as_str())) {
                            Some(exclusion) => Cell {
                                state: CellState::Excluded,
                                external_org_ids: Vec::new(),
                                reason: exclusion.reason.clone(),
                            },
                            None => Cell { state: CellState::Missing, external_org_ids: Vec::new(), reason: None },
                        }
                    };
                    *totals.entry(integration.clone()).or_default().entry(cell.state).or_default() += 1;
                    (integration.clone(), cell)
                })
                .collect();
            Row { org_id: org.id.clone(), name: org.name.clone(), cells }
        })
        .collect();
    Coverage { integrations: inputs.integrations.to_vec(), rows, totals }
}

/// The state of a cell with mappings: the worst of its mappings'. Against the last list, a
/// mapping is stale when its external organization is gone or named otherwise there (as `list`
/// says `missing upstream` and `renamed upstream`).
fn mapped_cell(mappings: &[&Mapping], listed: Option<&Listed<'_>>, verifiable: bool) -> Cell {
    let state = mappings
        .iter()
        .map(|mapping| {
            let upstream = listed.map(|orgs| orgs.get(mapping.external_org_id.as_str()));
            match upstream {
                Some(None) => CellState::Stale,
                Some(Some((theirs, _)))
                    if mapping.external_org_name.is_some()
                        && theirs.is_some()
                        && mapping.external_org_name.as_deref() != *theirs =>
                {
                    CellState::Stale
                }
                Some(Some((_, false))) => CellState::InactiveUpstream,
                _ if verifiable && !mapping.verified => CellState::Unverified,
                _ => CellState::Mapped,
            }
        })
        .min()
        .unwrap_or(CellState::Mapped);
    Cell { state, external_org_ids: mappings.iter().map(|m| m.external_org_id.clone()).collect(), reason: None }
}
