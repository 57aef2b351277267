//! Similar names, without comparing every pair: candidates are blocked by the rare tokens (and
//! 4-letter token prefixes) they share with an organization's names through an inverted index,
//! and only the best-sharing few of each block are scored.

use std::collections::HashMap;

/// Below this similarity a name is no evidence at all.
pub(crate) const MIN_SIMILARITY: f64 = 0.75;
/// Candidates scored per organization name, the ones sharing the most rare-token weight.
const PER_NAME: usize = 16;
/// Prefix keys are made for tokens at least this long.
const PREFIX_FROM: usize = 5;

/// A similar-name pair: organization, candidate, the organization's key that matched best, and
/// its similarity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub org: usize,
    pub cand: usize,
    pub key: usize,
    pub similarity: f64,
}

/// Similar-name pairs between organizations' normalised names and candidates' normalised names
/// (empty when a candidate has none), skipping equal names (those are exact matches).
pub(crate) fn similar_names(org_keys: &[Vec<String>], cand_keys: &[String]) -> Vec<Hit> {
    let index = Index::new(cand_keys);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads == 1 || org_keys.len() < 512 {
        return index.search(org_keys, 0, cand_keys);
    }
    let chunk = org_keys.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = org_keys
            .chunks(chunk)
            .enumerate()
            .map(|(i, part)| {
                let index = &index;
                scope.spawn(move || index.search(part, i * chunk, cand_keys))
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("fuzzy worker panicked")).collect()
    })
}

struct Index<'a> {
    postings: HashMap<String, Vec<u32>>,
    idf: HashMap<String, f32>,
    names: Vec<Prepared<'a>>,
}

/// A normalised name split once for [`similarity`]: its tokens and its letters without spaces.
struct Prepared<'a> {
    full: &'a str,
    compact: String,
    tokens: Vec<&'a str>,
}

impl<'a> Prepared<'a> {
    fn new(full: &'a str) -> Self {
        Prepared { full, compact: full.chars().filter(|c| *c != ' ').collect(), tokens: full.split(' ').collect() }
    }
}

fn block_keys(name: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for token in name.split(' ').filter(|t| !t.is_empty()) {
        keys.push(token.to_owned());
        if token.chars().count() >= PREFIX_FROM {
            let prefix: String = token.chars().take(PREFIX_FROM - 1).collect();
            keys.push(format!("{prefix}*"));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

impl<'a> Index<'a> {
    fn new(cand_keys: &'a [String]) -> Self {
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, name) in cand_keys.iter().enumerate() {
            for key in block_keys(name) {
                postings.entry(key).or_default().push(i as u32);
            }
        }
        let n = cand_keys.len().max(1) as f32;
        // A token on more than this many candidates ("services", "group") blocks nothing useful.
        let max_df = (cand_keys.len() / 100).max(40);
        postings.retain(|_, list| list.len() <= max_df);
        let idf = postings.iter().map(|(k, list)| (k.clone(), (n / list.len() as f32).ln() + 1.0)).collect();
        Index { postings, idf, names: cand_keys.iter().map(|k| Prepared::new(k)).collect() }
    }

    fn search(&self, org_keys: &[Vec<String>], offset: usize, cand_keys: &[String]) -> Vec<Hit> {
        let mut weight = vec![0f32; cand_keys.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut hits = Vec::new();
        let mut best: HashMap<usize, Hit> = HashMap::new();
        for (i, keys) in org_keys.iter().enumerate() {
            best.clear();
            for (k, name) in keys.iter().enumerate() {
                let prepared = Prepared::new(name);
                for key in block_keys(name) {
                    let (Some(list), Some(w)) = (self.postings.get(&key), self.idf.get(&key)) else {
                        continue;
                    };
                    for &c in list {
                        if weight[c as usize] == 0.0 {
                            touched.push(c);
                        }
                        weight[c as usize] += w;
                    }
                }
                let by_weight = |a: &u32, b: &u32| weight[*b as usize].total_cmp(&weight[*a as usize]).then(a.cmp(b));
                let top = touched.len().min(PER_NAME);
                if touched.len() > top {
                    touched.select_nth_unstable_by(top, by_weight);
                }
                touched[..top].sort_by(by_weight);
                for &c in &touched[..top] {
                    let cand_name = &cand_keys[c as usize];
                    if cand_name == name || cand_name.is_empty() {
                        continue;
                    }
                    let similarity = prepared_similarity(&prepared, &self.names[c as usize]);
                    if similarity < MIN_SIMILARITY {
                        continue;
                    }
                    let hit = Hit { org: offset + i, cand: c as usize, key: k, similarity };
                    best.entry(c as usize)
                        .and_modify(|h| {
                            if similarity > h.similarity {
                                *h = hit.clone();
                            }
                        })
                        .or_insert(hit);
                }
                for &c in &touched {
                    weight[c as usize] = 0.0;
                }
                touched.clear();
            }
            let mut found: Vec<Hit> = best.drain().map(|(_, h)| h).collect();
            found.sort_by_key(|h| h.cand);
            hits.extend(found);
        }
        hits
    }
}

/// Similarity of two normalised names in `[0, 1]`: the mean of Jaro-Winkler on the names,
/// normalised Levenshtein on the names without spaces ("North Star" ~ "Northstar"), and a soft
/// token overlap (tokens count as shared when their Jaro-Winkler is at least 0.88).
#[cfg(test)]
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    prepared_similarity(&Prepared::new(a), &Prepared::new(b))
}

fn prepared_similarity(a: &Prepared, b: &Prepared) -> f64 {
    let jw = strsim::jaro_winkler(a.full, b.full);
    let lev = strsim::normalized_levenshtein(&a.compact, &b.compact);
    let soft = |x: &[&str], y: &[&str]| -> f64 {
        x.iter()
            .map(|t| {
                if y.contains(t) {
                    return 1.0;
                }
                y.iter().map(|u| strsim::jaro_winkler(t, u)).filter(|s| *s >= 0.88).fold(0.0, f64::max)
            })
            .sum()
    };
    let tokens = (soft(&a.tokens, &b.tokens) + soft(&b.tokens, &a.tokens)) / (a.tokens.len() + b.tokens.len()) as f64;
    (jw + lev + tokens) / 3.0
}

/// Whether two names have as many tokens: a typo, not a word more or less.
pub(crate) fn same_token_count(a: &str, b: &str) -> bool {
    a.split(' ').count() == b.split(' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_similar_extra_words_less_so() {
        assert!(similarity("zarvel logistics", "zarvell logistics") >= 0.9);
        assert!(similarity("north star", "northstar") >= MIN_SIMILARITY);
        assert!(similarity("north star dental", "north star dental lab") < 0.9);
        assert!(similarity("acme", "acme capital") < MIN_SIMILARITY);
        assert!(similarity("globex", "initech") < MIN_SIMILARITY);
    }

    #[test]
    fn blocking_finds_typos_and_skips_unrelated() {
        let orgs = vec![vec!["zarvel logistics".to_owned()], vec!["kintora bakery".to_owned()]];
        let cands = vec![
            "zarvell logistics".to_owned(),
            "zarvel logistics".to_owned(),
            "quentor plumbing".to_owned(),
            String::new(),
        ];
        let hits = similar_names(&orgs, &cands);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].org, hits[0].cand), (0, 0));
    }
}
