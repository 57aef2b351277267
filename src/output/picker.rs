//! A fuzzy picker for long lists (tens of thousands of external organizations): type to filter,
//! arrows to move, Enter to choose, Esc or Ctrl-C to cancel. It looks like dialoguer's
//! FuzzySelect, but filters with nucleo-matcher, and only re-scores the previous matches while a
//! query grows, so that each key stays well under a frame even at 50,000 items. An optional first
//! row takes the query itself as a typed-in ID; it stays while the list is filtered. A choice can
//! be refused, or questioned, right where it is made (see [`Verdict`]). Every frame fits the
//! terminal, whatever its size, and is drawn again when it is resized.

pub use super::filter::Filter;
use super::inline::{Caret, Region, fit, input_line, usable_width, wrap};
use super::keys::{Key, RawMode, size};
use super::text_input::TextInput;

/// What the person chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// The item at this index.
    Item(usize),
    /// The query itself, as a typed-in value.
    Typed(String),
}

/// A choice, and whether the person agreed to a question about it on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub picked: Picked,
    pub agreed: bool,
}

/// What to do with a choice at the moment it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Refused: the reason is shown and the person picks again.
    Refuse(String),
    /// A yes/no question (default no); yes takes the choice.
    Ask(String),
}

/// Checks a typed-in value; the error is shown beside the row.
pub type TypedCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// Judges a choice before it is taken.
pub type Decide<'a> = &'a dyn Fn(&Picked) -> Verdict;

/// What a picker shows and accepts.
#[derive(Clone, Copy)]
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
    /// The text the query starts with.
    pub initial: &'a str,
    /// Judges a choice before it is taken.
    pub decide: Option<Decide<'a>>,
}

impl<'a> Picker<'a> {
    /// A picker of `labels`, found by `search`.
    pub fn list(prompt: &'a str, labels: &'a [String], search: &'a [String]) -> Picker<'a> {
        Picker { prompt, labels, search, typed: None, typed_label: "", allow_empty: false, initial: "", decide: None }
    }

    /// A line of text checked by `check`.
    pub fn text(prompt: &'a str, check: TypedCheck<'a>) -> Picker<'a> {
        Picker { typed: Some(check), ..Picker::list(prompt, &[], &[]) }
    }
}

/// A message under the input line: why a choice was refused, or a question about it.
enum Status {
    None,
    Refused(String),
    Asking(String, Picked),
    Working(&'static str),
}

/// The picker's state between keys: what is typed, what matches, which row is chosen. Knows
/// nothing of the terminal but its size, so that a frame can be built (and timed) anywhere.
pub struct State<'p, 'a> {
    picker: &'p Picker<'a>,
    filter: Filter,
    input: TextInput,
    matches: Vec<u32>,
    cursor: usize,
    status: Status,
}

impl<'p, 'a> State<'p, 'a> {
    /// Prepares `picker`'s items for filtering and shows them all (or what its initial text
    /// matches).
    pub fn new(picker: &'p Picker<'a>) -> Self {
        let mut state = State {
            picker,
            filter: Filter::new(picker.search.iter().map(String::as_str)),
            input: TextInput::new(picker.initial),
            matches: Vec::new(),
            cursor: 0,
            status: Status::None,
        };
        state.refilter();
        state
    }

    /// Applies a key that moves or edits (not Enter, Esc or a resize) on a terminal of `rows`.
    pub fn key(&mut self, key: Key, rows: u16) {
        let visible = Self::visible(usize::from(rows), 0).max(1);
        let last = self.total_rows().saturating_sub(1);
        match key {
            Key::Up => self.cursor = self.cursor.saturating_sub(1),
            Key::Down => self.cursor = (self.cursor + 1).min(last),
            Key::PageUp => self.cursor = self.cursor.saturating_sub(visible),
            Key::PageDown => self.cursor = (self.cursor + visible).min(last),
            key => {
                let before = self.query();
                if self.input.edit(key) {
                    self.status = Status::None;
                    if self.query() != before {
                        self.refilter();
                    }
                }
            }
        }
    }

    /// How many items match what is typed.
    pub fn matching(&self) -> usize {
        self.matches.len()
    }
    fn query(&self) -> String {
        self.input.text()
    }

    fn typed_row(&self) -> bool {
        self.picker.typed.is_some() && !self.picker.labels.is_empty() && !self.query().trim().is_empty()
    }

    fn total_rows(&self) -> usize {
        self.matches.len() + usize::from(self.typed_row())
    }

    fn refilter(&mut self) {
        let query = self.query();
        self.matches = self.filter.update(&query).to_vec();
        // The best match is the likely choice; the typed row stays on top for an ID that is not
        // in the list.
        self.cursor = usize::from(self.typed_row() && !self.matches.is_empty());
    }

    /// How many item rows fit: the terminal's height less the input, status and footer lines.
    fn visible(rows: usize, status_lines: usize) -> usize {
        let fixed = 1 + status_lines + usize::from(rows >= 3);
        rows.saturating_sub(fixed).min(15)
    }

    /// The status message, wrapped to the width on as many lines as a short terminal spares.
    fn status_lines(&self, width: usize, rows: usize) -> Vec<String> {
        let (mark, text) = match &self.status {
            Status::None => return Vec::new(),
            Status::Refused(why) => ("✘", why.clone()),
            Status::Asking(question, _) => ("?", format!("{question} [y/N]")),
            Status::Working(what) => (" ", (*what).to_owned()),
        };
        let most = rows.saturating_sub(3).clamp(1, 3);
        let mut lines: Vec<String> = wrap(&text, width.saturating_sub(4).max(1))
            .into_iter()
            .enumerate()
            .map(|(i, line)| if i == 0 { format!("  {mark} {line}") } else { format!("    {line}") })
            .collect();
        if lines.len() > most {
            lines.truncate(most);
            if let Some(last) = lines.last_mut() {
                last.push('…');
            }
        }
        lines
    }

    /// The lines of one frame and where the typing cursor goes.
    pub fn frame(&self, columns: u16, rows: u16) -> (Vec<String>, Caret) {
        let width = usable_width(columns);
        let rows = usize::from(rows).max(1);
        let Picker { prompt, labels, typed, typed_label, .. } = *self.picker;
        let query = self.query();
        let (input, column) = input_line(prompt, &query, self.input.cursor(), width);
        let mut lines = vec![input];
        let status = self.status_lines(width, rows);
        let visible = Self::visible(rows, status.len());
        lines.extend(status);
        let typed_row = self.typed_row();
        let total = self.total_rows();
        let start = self.cursor.saturating_sub(visible.saturating_sub(1));
        for row in start..(start + visible).min(total) {
            let marker = if row == self.cursor { "> " } else { "  " };
            let text = if typed_row && row == 0 {
                let value = query.trim();
                match typed.map(|check| check(value)) {
                    Some(Err(why)) => format!("[type] use \"{value}\" {typed_label} ({why})"),
                    _ => format!("[type] use \"{value}\" {typed_label}"),
                }
            } else {
                labels[self.matches[row - usize::from(typed_row)] as usize].clone()
            };
            lines.push(format!("{marker}{text}"));
        }
        if rows >= 3 {
            lines.push(format!("  {}", self.footer(visible, typed_row)));
        }
        lines.truncate(rows);
        let lines = lines.iter().map(|line| fit(line, width)).collect();
        (lines, Caret { line: 0, column })
    }

    fn footer(&self, visible: usize, typed_row: bool) -> String {
        let Picker { labels, typed, allow_empty, .. } = *self.picker;
        let keys = match (labels.is_empty(), typed.is_some(), allow_empty) {
            (true, _, true) => "Enter to go on, alone to skip · Esc to cancel",
            (true, _, false) => "Enter to go on · Esc to cancel",
            (false, true, _) => "type to search, or type an ID · ↑↓ Enter · Esc to cancel",
            (false, false, _) => "type to search · ↑↓ Enter · Esc to cancel",
        };
        if labels.is_empty() {
            let value = self.query();
            return match typed.map(|check| check(value.trim())) {
                Some(Err(why)) if !value.trim().is_empty() => format!("✘ {why}"),
                _ => keys.to_owned(),
            };
        }
        let count = if self.matches.is_empty() {
            if typed_row { "not in the list".to_owned() } else { "no match".to_owned() }
        } else if self.matches.len() == labels.len() {
            format!("{} in all", labels.len())
        } else {
            format!("{} of {} match", self.matches.len(), labels.len())
        };
        let more = if self.matches.len() > visible { " (↑↓ to see more)" } else { "" };
        format!("{count}{more} · {keys}")
    }

    /// What Enter on the current row would choose, if anything.
    fn candidate(&self) -> Option<Picked> {
        let Picker { labels, typed, allow_empty, .. } = *self.picker;
        let query = self.query();
        let value = query.trim();
        if allow_empty && value.is_empty() {
            return Some(Picked::Typed(String::new()));
        }
        if typed.is_some() && (labels.is_empty() || (self.typed_row() && self.cursor == 0)) {
            if value.is_empty() || typed.is_some_and(|check| check(value).is_err()) {
                return None;
            }
            return Some(Picked::Typed(value.to_owned()));
        }
        let index = self.cursor.checked_sub(usize::from(self.typed_row()))?;
        self.matches.get(index).map(|&i| Picked::Item(i as usize))
    }
}

/// Shows the picker on the terminal (stderr) and lets the person pick an item, or type a value
/// when the picker allows it. `None` when cancelled.
pub fn pick(picker: &Picker<'_>) -> std::io::Result<Option<Chosen>> {
    let mut state = State::new(picker);
    let raw = RawMode::enter()?;
    let mut region = Region::default();
    let result = loop {
        let (columns, rows) = size();
        let (lines, caret) = state.frame(columns, rows);
        region.draw(&lines, usable_width(columns), Some(caret))?;
        let key = raw.key()?;
        if let Status::Asking(_, candidate) = &state.status {
            let candidate = candidate.clone();
            match key {
                Key::Char('y' | 'Y') => break Some(Chosen { picked: candidate, agreed: true }),
                Key::Cancel => break None,
                Key::Resized => {}
                _ => state.status = Status::None,
            }
            continue;
        }
        match key {
            Key::Cancel => break None,
            Key::Resized => {}
            Key::Enter => {
                let Some(candidate) = state.candidate() else { continue };
                let verdict = match picker.decide {
                    Some(decide) => {
                        if matches!(candidate, Picked::Typed(_)) {
                            // A typed ID may be checked with the external system: say so meanwhile.
                            state.status = Status::Working("checking…");
                            let (lines, caret) = state.frame(columns, rows);
                            region.draw(&lines, usable_width(columns), Some(caret))?;
                        }
                        decide(&candidate)
                    }
                    None => Verdict::Accept,
                };
                match verdict {
                    Verdict::Accept => break Some(Chosen { picked: candidate, agreed: false }),
                    Verdict::Refuse(why) => state.status = Status::Refused(why),
                    Verdict::Ask(question) => state.status = Status::Asking(question, candidate),
                }
            }
            key => state.key(key, rows),
        }
    };
    drop(raw);
    region.clear()?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_fits_the_terminal_however_small_with_the_input_line_first() {
        let labels: Vec<String> =
            (0..40).map(|i| format!("{i:05} An organization whose name goes on and on")).collect();
        let picker = Picker::list("Organization:", &labels, &labels);
        let mut state = State::new(&picker);
        for key in "0001".chars() {
            state.key(Key::Char(key), 5);
        }
        for (columns, rows) in [(20, 5), (50, 12), (80, 24), (1, 1), (20, 2), (300, 100)] {
            let (lines, caret) = state.frame(columns, rows);
            let width = usable_width(columns);
            assert!(lines.len() <= usize::from(rows), "{columns}x{rows}: {lines:?}");
            assert!(lines.iter().all(|l| console::measure_text_width(l) <= width), "{columns}x{rows}: {lines:?}");
            assert_eq!(caret.line, 0);
            assert!(caret.column <= width);
            if columns >= 20 {
                assert!(lines[0].ends_with(": 0001"), "the query is in view at {columns}x{rows}: {lines:?}");
            }
        }
        let (lines, _) = state.frame(20, 5);
        assert_eq!(lines.len(), 5, "input, 3 rows and the footer: {lines:?}");
        assert!(lines[1].starts_with("> 0001"), "{lines:?}");
    }

    #[test]
    fn an_empty_match_says_so_and_a_refusal_wraps_above_the_rows() {
        let labels = vec!["acme Acme Corp".to_owned(), "globex Globex".to_owned()];
        let picker = Picker::list("Organization:", &labels, &labels);
        let mut state = State::new(&picker);
        for key in "zzz".chars() {
            state.key(Key::Char(key), 24);
        }
        let (lines, _) = state.frame(80, 24);
        assert_eq!(lines, ["Organization: zzz", "  no match · type to search · ↑↓ Enter · Esc to cancel"]);
        state.key(Key::EraseLine, 24);
        state.status = Status::Refused("a reason long enough to need a second line at this width".into());
        let (lines, _) = state.frame(30, 10);
        assert!(lines[1].starts_with("  ✘ a reason") && lines[2].starts_with("    "), "{lines:?}");
        assert!(lines[4].starts_with("> acme"), "the rows come after the whole reason: {lines:?}");
        assert!(lines[6].starts_with("  2 in all"), "{lines:?}");
    }
}
