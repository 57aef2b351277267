//! Reading an export: line by line, every record checked as if it were typed in.

use std::collections::HashSet;
use std::io::BufRead;

use serde::Deserialize;

use super::{FORMAT, FORMAT_VERSION, Line, MAX_LINE_BYTES, RECORD_SCHEMA_VERSION};
use crate::domain::check_numbers_exact;
use crate::error::{Error, Result};

/// Reads an export line by line, checking every record as if it were typed in.
pub struct Reader<R: BufRead> {
    input: R,
    buffer: Vec<u8>,
    number: u64,
    records: u64,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        Reader { input, buffer: Vec::new(), number: 0, records: 0 }
    }

    /// The next record; `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<Line>> {
        loop {
            self.buffer.clear();
            let read =
                std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut self.buffer)?;
            if read == 0 {
                if self.records == 0 {
                    return Err(Error::invalid("export", "the file is empty"));
                }
                return Ok(None);
            }
            self.number += 1;
            let number = self.number;
            if self.buffer.len() > MAX_LINE_BYTES {
                return Err(Error::invalid("export", format!("line {number} is longer than 16 MB")));
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let not_a_record = |err: serde_json::Error| {
                Error::invalid("export", format!("line {number} is not an orgmap export record: {err}"))
            };
            // Read as the store reads records, so that an export of anything stored reads back.
            let value: serde_json::Value = crate::store::codec::from_json(&self.buffer).map_err(|err| {
                Error::invalid("export", format!("line {number} is not an orgmap export record: {err}"))
            })?;
            // Numbers must come in as they were written, as they do through `--meta-json`.
            check_numbers_exact(&String::from_utf8_lossy(&self.buffer))
                .map_err(|why| Error::invalid("export", format!("line {number}: {why}")))?;
            // No store can keep a NUL character (PostgreSQL refuses it in text): refuse it here.
            if holds_nul(&value) {
                return Err(Error::invalid("export", format!("line {number} holds a NUL character")));
            }
            let mut line: Line = Line::deserialize(&value).map_err(not_a_record)?;
            check(&line).map_err(|err| Error::invalid("export", format!("line {number}: {err}")))?;
            to_microseconds(&mut line);
            if self.records == 0 && !matches!(line, Line::Header { .. }) {
                return Err(Error::Invalid {
                    what: "export".into(),
                    message: "the first line is not an orgmap export header".into(),
                    hint: Some("import files written by `orgmap export`".into()),
                });
            }
            self.records += 1;
            return Ok(Some(line));
        }
    }
}

/// What a first reading of an export found: every line is a valid record, and these are the
/// organizations it holds (a mapping may come before its organization).
#[derive(Debug, Default)]
pub struct Checked {
    pub(super) org_ids: HashSet<String>,
}

/// Reads a whole export to check it, keeping only the organizations' IDs: an export is checked
/// whole before the store is touched, then read again to be applied.
pub fn check_export(input: impl BufRead) -> Result<Checked> {
    let mut reader = Reader::new(input);
    let mut checked = Checked::default();
    while let Some(line) = reader.next_line()? {
        if let Line::Org(org) = line {
            checked.org_ids.insert(org.id);
        }
    }
    Ok(checked)
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(key, item)| key.contains('\0') || holds_nul(item)),
        _ => false,
    }
}

/// Times as every store keeps them: orgmap's own have no finer part, and an import must give
/// the same records (and stay idempotent) on every backend.
fn to_microseconds(line: &mut Line) {
    use crate::domain::to_microseconds as micros;
    match line {
        Line::Header { .. } => {}
        Line::Org(org) => {
            org.created_at = micros(org.created_at);
            org.updated_at = micros(org.updated_at);
        }
        Line::Mapping(m) => {
            m.created_at = micros(m.created_at);
            m.updated_at = micros(m.updated_at);
        }
        Line::Access(grant) => grant.granted_at = micros(grant.granted_at),
        Line::Exclusion(exclusion) => exclusion.created_at = micros(exclusion.created_at),
        Line::Audit(event) => event.at = micros(event.at),
    }
}

fn check(line: &Line) -> Result<()> {
    match line {
        Line::Header { format, version, schema_version, .. } => {
            if format != FORMAT || *version > FORMAT_VERSION || *schema_version > RECORD_SCHEMA_VERSION {
                return Err(Error::Invalid {
                    what: "export".into(),
                    message: format!(
                        "format {format} version {version} (schema {schema_version}) is not one this orgmap reads"
                    ),
                    hint: Some("import it with the orgmap version that wrote it, or a newer one".into()),
                });
            }
            Ok(())
        }
        // The rules every stored record obeys, as when it is typed in; the config's rules (the
        // integration, its ID pattern, sharing) are applied against the store by `import`.
        Line::Org(org) => org.validate(),
        Line::Mapping(m) => m.validate(),
        Line::Access(grant) => grant.validate(),
        Line::Audit(event) => event.validate(),
        Line::Exclusion(exclusion) => exclusion.validate(),
    }
}
