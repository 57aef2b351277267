//! The pure matching engine behind reconciliation: for every organization without a mapping in an
//! integration, the external organization it most likely is, with the method, a confidence and
//! the evidence. Names, domains and IDs in, proposals out; no store, no printing, no network.
//!
//! Signals, strongest first: a cross-reference ID both sides already carry, a shared domain, an
//! equal normalised name ([`normalise_name`]), a similar name. A key (ID, domain, name) that
//! several organizations or several candidates hold is *contested*: still evidence, never
//! decisive; held by more than twenty, it is no evidence at all.
//!
//! Each pair's signals combine as independent evidence (noisy-or of 0.99 cross-reference,
//! 0.95 domain, 0.9 name; contested 0.85, 0.8, 0.72; a similar name 0.7 × similarity), so any
//! equal key outranks a similar name. Assignment is global: a proposal is [`Confidence::High`]
//! only when
//! - the strongest kind of evidence on the pair is uncontested (an uncontested domain on one of
//!   two candidates with the same name breaks that tie; a contested cross-reference is never
//!   outweighed),
//! - no other candidate of the organization, and no other organization of the candidate, has
//!   uncontested strong evidence (the cross-reference says A, the domain says B),
//! - the organization and the candidate are each other's best, each by [`MARGIN`] over the
//!   runner-up.
//!
//! Anything else with an equal key is `Medium`, with the reasons in [`Proposal::ambiguous`]. A
//! similar name is `Medium` when it is very close (similarity ≥ 0.92, as many words) and nothing
//! stands against it, else `Low`; it is never `High`. A wrong automatic mapping is worse than
//! none.

mod assign;
#[doc(hidden)]
pub mod corpus;
mod domains;
mod fuzzy;
mod normalise;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use assign::{MARGIN, suggest};
pub use domains::{is_public_mail_domain, is_shared_host, is_tenant_domain, normalise_domain};
pub use normalise::{name_tokens, normalise_name};

/// What orgmap knows about one of its organizations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgFacts {
    /// The organization's ID.
    pub id: String,
    /// Display name, aliases, and the names it has in systems it is already mapped to.
    pub names: Vec<String>,
    /// Its own domains (or websites, or e-mail addresses) plus those of the external records it is
    /// mapped to.
    pub domains: Vec<String>,
    /// IDs it is already mapped to in other integrations.
    pub xrefs: Vec<XRef>,
}

/// An organization's ID in one integration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct XRef {
    /// The integration's name (`autotask`, `halopsa`, …); compared case-insensitively.
    pub integration: String,
    /// The ID there; compared exactly after trimming (GUIDs case-insensitively).
    pub external_id: String,
}

/// An external organization in the integration being reconciled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Its ID in that integration.
    pub id: String,
    /// Its name there, if it has one.
    pub name: Option<String>,
    /// Its domains, websites or contacts' e-mail addresses.
    pub domains: Vec<String>,
    /// IDs of other systems the record carries (a Datto RMM site's `autotaskCompanyId`, …).
    pub xrefs: Vec<XRef>,
}

/// How a match was found, strongest first: the smallest in `Ord` is the strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Both sides carry the same ID in another integration.
    CrossReference,
    /// Both sides claim the same domain.
    Domain,
    /// The names are equal once normalised.
    NormalisedName,
    /// The names are similar.
    FuzzyName,
}

/// How sure a proposal is. Only `High` may be applied without a person looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A similar name, or doubtful evidence: a hint for a person.
    Low,
    /// Good evidence with a doubt (a tie, a contested domain or name, a conflict), or a very
    /// similar name.
    Medium,
    /// Strong, uncontested, mutual evidence with a clear margin.
    High,
}

/// One piece of evidence for a pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The signal.
    pub method: Method,
    /// What matched: `autotask 4242`, `acme.com`, `"acme" = "ACME Corp., Inc."`.
    pub detail: String,
}

/// The external organization an organization most likely is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The organization.
    pub org_id: String,
    /// The proposed external organization.
    pub candidate_id: String,
    /// The strongest signal among the evidence.
    pub method: Method,
    /// How sure the proposal is.
    pub confidence: Confidence,
    /// Every signal found for this pair, strongest first.
    pub evidence: Vec<Evidence>,
    /// The pair's score in `[0, 1)`; comparable between pairs of one run.
    pub score: f64,
    /// Why the proposal must not be applied automatically (a tie, a contested signal, conflicting
    /// evidence); `None` when nothing stands against it.
    pub ambiguous: Option<String>,
    /// Runner-up candidate IDs with their scores, best first (at most five).
    pub alternatives: Vec<(String, f64)>,
}
