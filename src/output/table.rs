//! Human-readable tables: boxed on a terminal, plain space-separated columns in a pipe.
//!
//! Every cell goes through [`sanitize`](super::sanitize) as it is added, so no column can
//! forget it: text from the store and from external systems never reaches a terminal raw.

use std::fmt;
use std::io::IsTerminal;

use comfy_table::{ContentArrangement, presets};

/// A table whose cells are sanitised as they are added.
pub struct Table(comfy_table::Table);

impl Table {
    /// Adds a row; each cell is sanitised.
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.0.add_row(cells.into_iter().map(|cell| super::sanitize(cell.as_ref()).into_owned()).collect::<Vec<_>>());
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A table with these column headers, styled for where stdout goes.
pub fn new(headers: &[&str]) -> Table {
    let mut table = comfy_table::Table::new();
    if std::io::stdout().is_terminal() {
        table.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.load_style(presets::NOTHING);
    }
    table.set_header(headers.iter().map(|h| super::sanitize(h).into_owned()));
    Table(table)
}

/// `-` for an absent value, so that columns stay aligned and greppable.
pub fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), ToOwned::to_owned)
}

/// `yes` or `no`.
pub fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_is_sanitised() {
        let mut table = new(&["A", "B"]);
        table.add_row(["\x1b]0;PWNED\x07\x1b[2Jx", "y\u{9b}31mz"]);
        table.add_row(vec!["\u{202E}evil".to_owned(), "a\nb".to_owned()]);
        let shown = table.to_string();
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n' || c == '\u{202E}'), "{shown:?}");
        assert!(shown.contains('x') && shown.contains("yz"), "{shown:?}");
    }
}
