//! A labelled corpus of organizations and external organizations in the shapes real MSP data has,
//! generated deterministically from a seed, and the scoring of proposals against it. Used by the
//! matching tests and `benches/matching.rs`; not part of the product.

use std::collections::{BTreeMap, HashMap, HashSet};

mod generator;
mod words;

use super::{Candidate, Confidence, OrgFacts, Proposal};
use generator::{Generator, Rng};

/// Organizations and candidates with the right answers.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub orgs: Vec<OrgFacts>,
    pub candidates: Vec<Candidate>,
    /// Each organization that has a counterpart → the candidates that are right for it (two when
    /// the external system holds a duplicate).
    pub truth: HashMap<String, Vec<String>>,
    /// Organizations whose counterpart shares an uncontested cross-reference, domain or
    /// normalised name: they should get a high-confidence proposal.
    pub strong: HashSet<String>,
    /// Organizations that are deliberately ambiguous and must not get a high-confidence proposal.
    pub ambiguous: HashSet<String>,
    /// Organizations per shape.
    pub shapes: BTreeMap<&'static str, usize>,
}

/// Proposals scored against a corpus.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Per confidence: (proposals, right ones).
    pub by_confidence: BTreeMap<Confidence, (usize, usize)>,
    /// High-confidence proposals that are wrong.
    pub wrong_high: Vec<(String, String)>,
    /// Strong organizations and how many of them got their right candidate at high confidence.
    pub strong: (usize, usize),
    /// Deliberately ambiguous organizations proposed at high confidence.
    pub ambiguous_high: Vec<String>,
    /// Pairs in the corpus.
    pub pairs: usize,
}

impl Score {
    /// High-confidence recall over the strong organizations.
    pub fn high_recall(&self) -> f64 {
        self.strong.1 as f64 / self.strong.0.max(1) as f64
    }
}

impl Corpus {
    /// Scores `proposals` against the right answers.
    pub fn score(&self, proposals: &[Proposal]) -> Score {
        let mut score = Score { pairs: self.truth.len(), ..Score::default() };
        score.strong.0 = self.strong.len();
        for p in proposals {
            let right = self.truth.get(&p.org_id).is_some_and(|c| c.contains(&p.candidate_id));
            let entry = score.by_confidence.entry(p.confidence).or_default();
            entry.0 += 1;
            entry.1 += usize::from(right);
            if p.confidence == Confidence::High {
                if !right {
                    score.wrong_high.push((p.org_id.clone(), p.candidate_id.clone()));
                }
                if right && self.strong.contains(&p.org_id) {
                    score.strong.1 += 1;
                }
                if self.ambiguous.contains(&p.org_id) {
                    score.ambiguous_high.push(p.org_id.clone());
                }
            }
        }
        score
    }

    /// About `size` organizations and `size` candidates (exactly `size` each), every shape
    /// represented, from `seed`.
    pub fn generate(seed: u64, size: usize) -> Corpus {
        let mut g = Generator::new(Rng(seed));
        while g.corpus.orgs.len() + 3 < size && g.corpus.candidates.len() + 3 < size {
            g.shape();
        }
        while g.corpus.orgs.len() < size {
            g.unmatched_org();
        }
        while g.corpus.candidates.len() < size {
            g.unmatched_candidate();
        }
        let mut corpus = g.corpus;
        let mut rng = g.rng;
        rng.shuffle(&mut corpus.candidates);
        corpus
    }
}
