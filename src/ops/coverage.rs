//! Coverage: organizations × mapping-enabled integrations, each cell mapped, unverified, stale,
//! inactive upstream, excluded or missing — "who is unmapped where", for admins and CI.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::discovery::{Index, Upstream};
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

/// The coverage grid of `inputs`.
pub fn coverage(inputs: &Inputs<'_>) -> Coverage {
    let mut by_cell: HashMap<(&str, &str), Vec<&Mapping>> = HashMap::new();
    for mapping in inputs.mappings.iter().filter(|m| m.active) {
        by_cell.entry((mapping.org_id.as_str(), mapping.integration.as_str())).or_default().push(mapping);
    }
    let excluded: HashMap<(&str, &str), &Exclusion> =
        inputs.exclusions.iter().map(|e| ((e.org_id.as_str(), e.integration.as_str()), e)).collect();
    let indexes: HashMap<&str, (Index, HashMap<&str, bool>)> = inputs
        .caches
        .iter()
        .map(|(name, cache)| {
            let active = cache.organizations.iter().map(|o| (o.id.as_str(), o.active)).collect();
            (name.as_str(), (Index::new(cache), active))
        })
        .collect();
    let mut totals: BTreeMap<String, BTreeMap<CellState, u64>> =
        inputs.integrations.iter().map(|i| (i.clone(), BTreeMap::new())).collect();
    let rows = inputs
        .orgs
        .iter()
        .map(|org| {
            let cells = inputs
                .integrations
                .iter()
                .map(|integration| {
                    let mappings = by_cell.get(&(org.id.as_str(), integration.as_str()));
                    let cell = match mappings {
                        Some(mappings) => mapped_cell(
                            mappings,
                            indexes.get(integration.as_str()),
                            inputs.verifiable.contains(integration),
                        ),
                        None => match excluded.get(&(org.id.as_str(), integration.as_str())) {
                            Some(exclusion) => Cell {
                                state: CellState::Excluded,
                                external_org_ids: Vec::new(),
                                reason: exclusion.reason.clone(),
                            },
                            None => Cell { state: CellState::Missing, external_org_ids: Vec::new(), reason: None },
                        },
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

fn mapped_cell(mappings: &[&Mapping], upstream: Option<&(Index, HashMap<&str, bool>)>, verifiable: bool) -> Cell {
    let state = mappings
        .iter()
        .map(|mapping| {
            let listed =
                upstream.map(|(index, active)| (index.upstream(mapping), active.get(mapping.external_org_id.as_str())));
            match listed {
                Some((Upstream::Renamed | Upstream::Missing, _)) => CellState::Stale,
                Some((Upstream::Ok, Some(false))) => CellState::InactiveUpstream,
                _ if verifiable && !mapping.verified => CellState::Unverified,
                _ => CellState::Mapped,
            }
        })
        .min()
        .unwrap_or(CellState::Mapped);
    Cell { state, external_org_ids: mappings.iter().map(|m| m.external_org_id.clone()).collect(), reason: None }
}
