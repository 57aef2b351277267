//! Fuzzy filtering of a long list as a query is typed: nucleo-matcher scores, and only the
//! previous matches are scored again while the query grows, so that each key stays well under a
//! frame even at 50,000 items.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32String};

/// The items' search texts, and the current matches in score order.
pub struct Filter {
    haystacks: Vec<Utf32String>,
    matcher: Matcher,
    query: String,
    matches: Vec<u32>,
}

impl Filter {
    /// Prepares `texts` for matching (done once, not per key).
    pub fn new<'t>(texts: impl IntoIterator<Item = &'t str>) -> Self {
        let haystacks: Vec<Utf32String> = texts.into_iter().map(Utf32String::from).collect();
        let matches = (0..haystacks.len() as u32).collect();
        Filter { haystacks, matcher: Matcher::new(nucleo_matcher::Config::DEFAULT), query: String::new(), matches }
    }

    /// The indices of the items matching `query`, best first (all, in order, for an empty query).
    pub fn update(&mut self, query: &str) -> &[u32] {
        if query == self.query {
            return &self.matches;
        }
        if query.trim().is_empty() {
            self.matches = (0..self.haystacks.len() as u32).collect();
        } else {
            // A longer query can only match fewer items: re-score just the previous matches.
            let narrowing = !self.query.trim().is_empty() && query.starts_with(&self.query);
            let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
            let candidates: Vec<u32> =
                if narrowing { std::mem::take(&mut self.matches) } else { (0..self.haystacks.len() as u32).collect() };
            let mut scored: Vec<(u32, u32)> = candidates
                .into_iter()
                .filter_map(|i| {
                    pattern.score(self.haystacks[i as usize].slice(..), &mut self.matcher).map(|score| (score, i))
                })
                .collect();
            scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.matches = scored.into_iter().map(|(_, i)| i).collect();
        }
        self.query = query.to_owned();
        &self.matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtering_ranks_matches_and_narrows_as_the_query_grows() {
        let texts = ["12345 Acme Corporation", "12346 Globex", "777 Acme Europe", "9 Initech"];
        let mut filter = Filter::new(texts);
        assert_eq!(filter.update("").len(), 4);
        let acme: Vec<u32> = filter.update("acme").to_vec();
        assert_eq!(acme.len(), 2);
        assert!(acme.contains(&0) && acme.contains(&2));
        assert_eq!(filter.update("acme eu"), &[2]);
        assert_eq!(filter.update("acme").len(), 2, "a shorter query widens again");
        assert_eq!(filter.update("zzz").len(), 0);
        assert_eq!(filter.update("12346"), &[1]);
    }
}
