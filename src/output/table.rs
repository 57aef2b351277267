//! Human-readable tables: boxed on a terminal, plain space-separated columns in a pipe.
//!
//! A table is laid out in two passes: every row is measured first, then written row by row. A
//! long listing is measured by reading it once and printed by reading it again, so that it
//! streams in constant memory whatever its size; comfy-table, used before, built the whole
//! table as strings first (561 MiB for `list` of 100,000 mappings, 5.4 GiB at 1,000,000).
//!
//! Every cell goes through [`sanitize`](super::sanitize) as it is measured and as it is
//! written, so no column can forget it: text from the store and from external systems never
//! reaches a terminal raw.

mod fit;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, IsTerminal, Write};

use unicode_width::UnicodeWidthStr;

pub use fit::terminal_width;

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Box-drawing borders, cells wrapped at word boundaries to fit `width` columns when given.
    Boxed { width: Option<usize> },
    /// Columns padded with spaces, never wrapped: for scripts, `grep` and `awk`.
    Plain,
}

impl Style {
    /// Boxed and fitted to the terminal when stdout is one; plain in a pipe or a file.
    pub fn for_stdout() -> Style {
        if io::stdout().is_terminal() { Style::Boxed { width: terminal_width() } } else { Style::Plain }
    }
}

/// The width a text takes on a terminal.
fn width_of(text: &str) -> usize {
    if text.is_ascii() { text.len() } else { text.width() }
}

/// The columns of a table, measured row by row before any is written.
#[derive(Debug, Clone)]
pub struct Layout {
    headers: Vec<String>,
    /// The widest cell of each column, header included.
    widest: Vec<usize>,
    /// The widest word of each column's cells: below it, words would have to be broken.
    widest_word: Vec<usize>,
    style: Style,
}

impl Layout {
    /// A layout for these headers, styled for where stdout goes.
    pub fn new(headers: &[&str]) -> Layout {
        Layout::with_style(headers, Style::for_stdout())
    }

    pub fn with_style(headers: &[&str], style: Style) -> Layout {
        let mut layout = Layout {
            headers: headers.iter().map(|h| super::sanitize(h).into_owned()).collect(),
            widest: vec![0; headers.len()],
            widest_word: vec![0; headers.len()],
            style,
        };
        for (column, header) in layout.headers.iter().enumerate() {
            // A header may wrap to fit (it is a label); its words do not hold a column open.
            layout.widest[column] = width_of(header);
        }
        layout
    }

    /// Takes a row's cells into account.
    pub fn measure<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (column, cell) in cells.iter().enumerate().take(self.widest.len()) {
            let cell = super::sanitize(cell.as_ref());
            self.widest[column] = self.widest[column].max(width_of(&cell));
            if matches!(self.style, Style::Boxed { width: Some(_) }) {
                let word = cell.split(' ').map(width_of).max().unwrap_or(0);
                self.widest_word[column] = self.widest_word[column].max(word);
            }
        }
    }

    /// Writes the header to `out`; the rows follow through the returned writer.
    pub fn start<W: Write>(&self, out: W) -> io::Result<RowWriter<W>> {
        let widths = match self.style {
            Style::Boxed { width: Some(total) } => fit::fit(&self.widest, &self.widest_word, total),
            _ => self.widest.clone(),
        };
        let mut writer = RowWriter { out, widths, style: self.style };
        if let Style::Boxed { .. } = writer.style {
            writer.rule('┌', '─', '┬', '┐')?;
        }
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        writer.cells(&headers)?;
        if let Style::Boxed { .. } = writer.style {
            writer.rule('╞', '═', '╪', '╡')?;
        }
        Ok(writer)
    }
}

/// Writes the rows of a table whose columns were measured.
pub struct RowWriter<W: Write> {
    out: W,
    widths: Vec<usize>,
    style: Style,
}

impl<W: Write> RowWriter<W> {
    /// Writes one row (each cell sanitised); a boxed cell too wide for its column is wrapped.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        let cells: Vec<Cow<'_, str>> = cells.iter().map(|c| super::sanitize(c.as_ref())).collect();
        let cells: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
        self.cells(&cells)
    }

    /// Ends the table; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        if let Style::Boxed { .. } = self.style {
            self.rule('└', '─', '┴', '┘')?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn rule(&mut self, left: char, line: char, joint: char, right: char) -> io::Result<()> {
        let mut text = String::new();
        text.push(left);
        for (column, width) in self.widths.iter().enumerate() {
            if column > 0 {
                text.push(joint);
            }
            text.extend(std::iter::repeat_n(line, width + 2));
        }
        text.push(right);
        writeln!(self.out, "{text}")
    }

    fn cells(&mut self, cells: &[&str]) -> io::Result<()> {
        match self.style {
            Style::Plain => {
                let mut line = String::new();
                for (column, width) in self.widths.iter().enumerate() {
                    let cell = cells.get(column).copied().unwrap_or("");
                    line.push(' ');
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', width.saturating_sub(width_of(cell)) + 1));
                }
                writeln!(self.out, "{}", line.trim_end())
            }
            Style::Boxed { .. } => {
                let wrapped: Vec<Vec<Cow<'_, str>>> = self
                    .widths
                    .iter()
                    .enumerate()
                    .map(|(column, &width)| fit::wrap(cells.get(column).copied().unwrap_or(""), width))
                    .collect();
                let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
                for line_number in 0..height {
                    let mut line = String::from("│");
                    for (column, width) in self.widths.iter().enumerate() {
                        let part = wrapped[column].get(line_number).map_or("", |p| p.as_ref());
                        line.push_str(if column == 0 { " " } else { " ┆ " });
                        line.push_str(part);
                        line.extend(std::iter::repeat_n(' ', width.saturating_sub(width_of(part))));
                    }
                    line.push_str(" │");
                    writeln!(self.out, "{line}")?;
                }
                Ok(())
            }
        }
    }
}

/// A small table held whole: measured and written when displayed.
pub struct Table {
    layout: Layout,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Adds a row; each cell is sanitised.
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let row: Vec<String> = cells.into_iter().map(|cell| super::sanitize(cell.as_ref()).into_owned()).collect();
        self.layout.measure(&row);
        self.rows.push(row);
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut writer = self.layout.start(Vec::new()).map_err(|_| fmt::Error)?;
        for row in &self.rows {
            writer.row(row).map_err(|_| fmt::Error)?;
        }
        let text = writer.finish().map_err(|_| fmt::Error)?;
        // Printed with a line break of its own.
        f.write_str(String::from_utf8_lossy(&text).trim_end_matches('\n'))
    }
}

/// A table with these column headers, styled for where stdout goes.
pub fn new(headers: &[&str]) -> Table {
    Table { layout: Layout::new(headers), rows: Vec::new() }
}

/// A table with these column headers, drawn in `style`.
pub fn with_style(headers: &[&str], style: Style) -> Table {
    Table { layout: Layout::with_style(headers, style), rows: Vec::new() }
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

    fn lines(table: &Table) -> Vec<String> {
        table.to_string().lines().map(str::to_owned).collect()
    }

    #[test]
    fn every_cell_is_sanitised() {
        for style in [Style::Plain, Style::Boxed { width: Some(40) }, Style::Boxed { width: None }] {
            let mut table = with_style(&["A", "B"], style);
            table.add_row(["\x1b]0;PWNED\x07\x1b[2Jx", "y\u{9b}31mz"]);
            table.add_row(vec!["\u{202E}evil".to_owned(), "a\nb".to_owned()]);
            let shown = table.to_string();
            assert!(!shown.chars().any(|c| c.is_control() && c != '\n' || c == '\u{202E}'), "{shown:?}");
            assert!(shown.contains('x') && shown.contains("yz"), "{shown:?}");
        }
    }

    #[test]
    fn plain_columns_line_up_without_trailing_spaces() {
        let mut table = with_style(&["ID", "NAME"], Style::Plain);
        table.add_row(["1", "Acme Corp"]).add_row(["12345", "Ünïcode GmbH"]);
        assert_eq!(lines(&table), [" ID     NAME", " 1      Acme Corp", " 12345  Ünïcode GmbH"]);
    }

    #[test]
    fn boxed_tables_draw_borders_and_wrap_at_words_to_fit() {
        let mut table = with_style(&["ID", "NOTE"], Style::Boxed { width: Some(24) });
        table.add_row(["01JABC", "set HALO_CLIENT_ID, HALO_URL"]);
        let shown = lines(&table);
        assert!(shown.iter().all(|l| l.chars().count() <= 24), "{shown:#?}");
        assert_eq!(shown[0], "┌────────┬─────────────┐");
        assert_eq!(shown[1], "│ ID     ┆ NOTE        │");
        assert_eq!(shown[2], "╞════════╪═════════════╡");
        assert_eq!(&shown[3..6], ["│ 01JABC ┆ set         │", "│        ┆ HALO_CLIENT │", "│        ┆ _ID,        │"]);
    }

    #[test]
    fn ids_stay_whole_while_headers_and_text_give_way() {
        // 52 columns hold the ID, "demo" and "Corporation" whole, not the headers.
        let mut table = with_style(&["MAPPING", "INTEGRATION", "EXTERNAL NAME"], Style::Boxed { width: Some(52) });
        table.add_row(["01KB8Y6ZQ0D5V1J3N7W9XKQ4TR", "demo", "Acme Corporation"]);
        let shown = lines(&table);
        assert!(shown.iter().all(|l| l.chars().count() <= 52), "{shown:#?}");
        assert!(shown.iter().any(|l| l.contains("01KB8Y6ZQ0D5V1J3N7W9XKQ4TR")), "{shown:#?}");
        assert!(shown.iter().any(|l| l.contains("Corporation")), "{shown:#?}");
    }

    #[test]
    fn an_unknown_terminal_width_does_not_squeeze_columns() {
        let mut table = with_style(&["MAPPING"], Style::Boxed { width: None });
        table.add_row(["01KB8Y6ZQ0D5V1J3N7W9XKQ4TR"]);
        assert!(table.to_string().contains("│ 01KB8Y6ZQ0D5V1J3N7W9XKQ4TR │"));
    }
}
