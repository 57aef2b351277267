//! A block of lines drawn in place below the earlier output (not on an alternate screen, so
//! the answers already given stay in view), redrawn whole on every key and resize, each line cut
//! to the terminal's width and the block to its height, so that nothing wraps and no stale line is
//! left behind. Between draws the terminal's cursor stays where the person types.

use std::io::{self, Write};

use console::{measure_text_width, truncate_str};
use ratatui::crossterm::cursor::{Hide, MoveToColumn, MoveUp, Show};
use ratatui::crossterm::queue;
use ratatui::crossterm::terminal::{Clear, ClearType};

/// Where the typing cursor goes: a line of the block and a column in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caret {
    pub line: usize,
    pub column: usize,
}

/// The block drawn on stderr.
#[derive(Default)]
pub struct Region {
    /// The line of the block the terminal's cursor is on.
    caret_line: usize,
}

/// How wide a drawn line may be: one column short of the edge, so that no terminal wraps early.
pub fn usable_width(columns: u16) -> usize {
    usize::from(columns).saturating_sub(1).max(1)
}

/// `line` cut to `width` columns, with `…` where it was cut.
pub fn fit(line: &str, width: usize) -> String {
    truncate_str(line, width, "…").into_owned()
}

impl Region {
    /// Replaces the block with `lines` (already no taller than the terminal) and puts the cursor
    /// at `caret`, or hides it.
    pub fn draw(&mut self, lines: &[String], width: usize, caret: Option<Caret>) -> io::Result<()> {
        let mut out = io::stderr().lock();
        self.rewind(&mut out)?;
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out.write_all(b"\r\n")?;
            }
            out.write_all(fit(line, width).as_bytes())?;
        }
        let last = lines.len().saturating_sub(1);
        let caret = caret.map(|c| Caret { line: c.line.min(last), column: c.column.min(width) });
        let line = caret.map_or(last, |c| c.line);
        if last > line {
            queue!(out, MoveUp((last - line) as u16))?;
        }
        match caret {
            Some(c) => queue!(out, MoveToColumn(c.column as u16), Show)?,
            None => queue!(out, Hide)?,
        }
        self.caret_line = line;
        out.flush()
    }

    /// Removes the block and leaves the cursor, shown, where it began.
    pub fn clear(&mut self) -> io::Result<()> {
        let mut out = io::stderr().lock();
        self.rewind(&mut out)?;
        queue!(out, Show)?;
        out.flush()
    }

    /// Moves to the block's first line and erases from there down.
    fn rewind(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.caret_line > 0 {
            queue!(out, MoveUp(self.caret_line as u16))?;
        }
        self.caret_line = 0;
        queue!(out, MoveToColumn(0), Clear(ClearType::FromCursorDown))
    }
}

/// The input line: `prompt`, then `text` with the cursor `at` a char index in it. When both do
/// not fit in `width`, the start is dropped (marked `…`) so that the cursor stays in view.
/// Returns the line and the cursor's column.
pub fn input_line(prompt: &str, text: &str, at: usize, width: usize) -> (String, usize) {
    let before: String = text.chars().take(at).collect();
    let line = format!("{prompt} {text}");
    let column = measure_text_width(prompt) + 1 + measure_text_width(&before);
    if column < width {
        return (line, column);
    }
    // Keep the cursor a little left of the edge, showing what comes just before it.
    let keep = width.saturating_sub(2).max(1);
    let head = format!("{prompt} {before}");
    let mut chars: Vec<char> = head.chars().collect();
    while measure_text_width(&chars.iter().collect::<String>()) > keep.saturating_sub(1) && !chars.is_empty() {
        chars.remove(0);
    }
    let shown_head = format!("…{}", chars.iter().collect::<String>());
    let column = measure_text_width(&shown_head);
    let after: String = text.chars().skip(at).collect();
    (format!("{shown_head}{after}"), column)
}

/// `text` broken into lines of at most `width` columns, at spaces where it can be.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if measure_text_width(&candidate) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word.to_owned();
        while measure_text_width(&rest) > width {
            let head: String = rest.chars().take(width).collect();
            rest = rest.chars().skip(width).collect();
            lines.push(head);
        }
        line = rest;
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_input_line_keeps_the_cursor_in_view() {
        let (line, column) = input_line("Label:", "short", 5, 40);
        assert_eq!((line.as_str(), column), ("Label: short", 12));
        let text = "a-very-long-label-that-goes-past-the-edge";
        let (line, column) = input_line("Label (optional):", text, text.chars().count(), 20);
        assert!(measure_text_width(&line) <= 20, "{line}");
        assert!(line.starts_with('…') && line.ends_with("edge"), "{line}");
        assert!(column < 20);
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("Map acme to demo 12345?", 10), ["Map acme", "to demo", "12345?"]);
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
