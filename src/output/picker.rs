//! A fuzzy picker for long lists (tens of thousands of external organizations): type to filter,
//! arrows to move, Enter to choose, Esc or Ctrl-C to cancel. It looks like dialoguer's
//! FuzzySelect, but filters with nucleo-matcher, and only re-scores the previous matches while a
//! query grows, so that each key stays well under a frame even at 50,000 items. An optional first
//! row takes the query itself as a typed-in ID; it stays while the list is filtered.

use std::io::Write;

use console::{Term, truncate_str};

use super::keys::{Key, RawMode};
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

/// What the person chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// The item at this index.
    Item(usize),
    /// The query itself, as a typed-in value.
    Typed(String),
}

/// Checks a typed-in value; the error is shown beside the row.
pub type TypedCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// What a picker shows and accepts.
pub struct Picker<'a> {
    pub prompt: &'a str,
    /// One line per item, already sanitised.
    pub labels: &'a [String],
    /// The text each item is found by.
    pub search: &'a [String],
    /// Accept the query itself as a value, checked by this.
    pub typed: Option<TypedCheck<'a>>,
    /// What the typed row says it does, such as `as the ID`.
    pub typed_label: &'a str,
    /// Enter on an empty query gives an empty value (an optional answer).
    pub allow_empty: bool,
}

/// Shows the picker on `term` and lets the person pick an item, or type a value when the picker
/// allows it. `None` when cancelled.
pub fn pick(term: &Term, picker: &Picker<'_>) -> std::io::Result<Option<Picked>> {
    let Picker { prompt, labels, search: search_texts, typed, typed_label, allow_empty } = *picker;
    let mut filter = Filter::new(search_texts.iter().map(String::as_str));
    let mut query = String::new();
    let mut cursor = 0usize;
    let mut drawn = 0usize;
    let mut query_changed = true;
    term.hide_cursor()?;
    let raw = RawMode::enter()?;
    let result = loop {
        let (rows, columns) = term.size();
        let width = usize::from(columns).max(20);
        let visible = usize::from(rows).saturating_sub(3).clamp(3, 15);
        let matches = filter.update(&query).to_vec();
        let typed_row = typed.is_some() && !query.trim().is_empty();
        let total_rows = matches.len() + usize::from(typed_row);
        if query_changed {
            // The best match is the likely choice; the typed row stays on top for an ID that is
            // not in the list.
            cursor = usize::from(typed_row && !matches.is_empty());
            query_changed = false;
        }
        cursor = cursor.min(total_rows.saturating_sub(1));
        let mut lines = Vec::with_capacity(visible + 2);
        lines.push(format!("{prompt} {query}"));
        let start = cursor.saturating_sub(visible - 1);
        for row in start..(start + visible).min(total_rows) {
            let marker = if row == cursor { "> " } else { "  " };
            let text = if typed_row && row == 0 {
                match typed.map(|check| check(query.trim())) {
                    Some(Err(why)) => format!("[type] use \"{}\" {typed_label} ({why})", query.trim()),
                    _ => format!("[type] use \"{}\" {typed_label}", query.trim()),
                }
            } else {
                labels[matches[row - usize::from(typed_row)] as usize].clone()
            };
            lines.push(truncate_str(&format!("{marker}{text}"), width, "…").into_owned());
        }
        let count = if labels.is_empty() {
            String::new()
        } else {
            format!("{} of {} shown", matches.len().min(visible), matches.len())
        };
        lines.push(format!(
            "  {count}{}",
            match (typed.is_some(), allow_empty) {
                (_, true) => "Enter alone to skip · Esc to cancel",
                (true, false) => " · type to search or to enter a value · Esc to cancel",
                (false, false) => " · type to search · Esc to cancel",
            }
        ));
        term.clear_last_lines(drawn)?;
        for line in &lines {
            term.write_line(line)?;
        }
        drawn = lines.len();
        match raw.key()? {
            Key::Cancel => break None,
            Key::Enter => {
                if allow_empty && query.trim().is_empty() {
                    break Some(Picked::Typed(String::new()));
                }
                if typed_row && cursor == 0 {
                    let value = query.trim().to_owned();
                    if typed.is_none_or(|check| check(&value).is_ok()) {
                        break Some(Picked::Typed(value));
                    }
                } else if let Some(index) = matches.get(cursor - usize::from(typed_row)) {
                    break Some(Picked::Item(*index as usize));
                }
            }
            Key::Up => cursor = cursor.saturating_sub(1),
            Key::Down => cursor = (cursor + 1).min(total_rows.saturating_sub(1)),
            Key::PageUp => cursor = cursor.saturating_sub(visible),
            Key::PageDown => cursor = (cursor + visible).min(total_rows.saturating_sub(1)),
            Key::Backspace => {
                query.pop();
                query_changed = true;
            }
            Key::Char(c) if !c.is_control() => {
                query.push(c);
                query_changed = true;
            }
            _ => {}
        }
    };
    drop(raw);
    term.clear_last_lines(drawn)?;
    term.show_cursor()?;
    term.flush()?;
    let _ = std::io::stderr().flush();
    Ok(result)
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
