//! Everything orgmap shows: results on stdout (tables or JSON), chatter on stderr.

pub mod files;
pub mod filter;
pub mod inline;
pub mod keys;
pub mod picker;
pub mod progress;
pub mod review;
pub mod sanitize;
pub mod table;
pub mod text_input;
pub mod views;

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

use crate::error::Result;

pub use sanitize::{sanitize, sanitize_lines};

/// How results and messages reach the user.
#[derive(Debug, Clone)]
pub struct Printer {
    /// Results as JSON instead of tables.
    pub json: bool,
    /// No status messages (warnings and errors still go to stderr).
    pub quiet: bool,
    /// Colour on stderr.
    pub color: bool,
}

impl Printer {
    /// Prints a JSON result on stdout: indented for a person, one line for a pipe.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        if io::stdout().is_terminal() {
            // serde_json leaves C1 controls, bidi overrides and U+2028 raw; a terminal would act
            // on them, a pipe reads them as the text they are.
            let text = serde_json::to_string_pretty(value)?;
            out.write_all(sanitize::escape_json_for_terminal(&text).as_bytes())?;
        } else {
            serde_json::to_writer(&mut out, value)?;
        }
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// A JSON array on stdout, written an item at a time, so that a listing of any size needs
    /// little memory: indented for a person, one line for a pipe, as [`Printer::json`].
    pub fn json_array(&self) -> JsonArray<io::BufWriter<io::StdoutLock<'static>>> {
        JsonArray { out: io::BufWriter::new(io::stdout().lock()), pretty: io::stdout().is_terminal(), items: 0 }
    }

    /// Prints a line (or lines) of human-readable result on stdout, sanitised.
    pub fn line(&self, text: &str) -> Result<()> {
        self.write_line(&sanitize_lines(text))
    }

    /// Prints one value as data (`get --field`, `discover --select`): exactly as it is in a pipe,
    /// where a script reads it, sanitised on a terminal, where a person does.
    pub fn value(&self, text: &str) -> Result<()> {
        if io::stdout().is_terminal() { self.write_line(&sanitize(text)) } else { self.write_line(text) }
    }

    fn write_line(&self, text: &str) -> Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    }

    /// Prints a table on stdout.
    pub fn table(&self, table: &table::Table) -> Result<()> {
        self.line(&table.to_string())
    }

    /// A status message on stderr, unless `-q`; sanitised.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "{}", sanitize_lines(text));
        }
    }

    /// A warning on stderr, always; sanitised.
    pub fn warn(&self, text: &str) {
        let prefix = self.paint("warning:", "33");
        let _ = writeln!(io::stderr(), "{prefix} {}", sanitize_lines(text));
    }

    /// Wraps `text` in an ANSI colour when colour is on.
    pub fn paint(&self, text: &str, code: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
}

/// A JSON array written item by item (see [`Printer::json_array`]).
pub struct JsonArray<W: Write> {
    out: W,
    pretty: bool,
    items: u64,
}

impl<W: Write> JsonArray<W> {
    pub fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let opening: &[u8] = match (self.items, self.pretty) {
            (0, false) => b"[",
            (0, true) => b"[\n  ",
            (_, false) => b",",
            (_, true) => b",\n  ",
        };
        self.out.write_all(opening)?;
        if self.pretty {
            // As serde_json indents an array's items, and escaped as `Printer::json` escapes.
            let text = serde_json::to_string_pretty(value)?.replace('\n', "\n  ");
            self.out.write_all(sanitize::escape_json_for_terminal(&text).as_bytes())?;
        } else {
            serde_json::to_writer(&mut self.out, value)?;
        }
        self.items += 1;
        Ok(())
    }

    /// Closes the array; how many items it holds.
    pub fn finish(mut self) -> Result<u64> {
        let closing: &[u8] = match (self.items, self.pretty) {
            (0, _) => b"[]\n",
            (_, false) => b"]\n",
            (_, true) => b"\n]\n",
        };
        self.out.write_all(closing)?;
        self.out.flush()?;
        Ok(self.items)
    }
}
