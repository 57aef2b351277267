//! `orgmap export`: the whole store as JSON lines.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::context::Ctx;
use crate::error::Result;
use crate::ops::backup;
use crate::store::Access;

/// Write everything the store holds as JSON lines (a backup)
///
/// Organizations, mappings, access grants and the audit log, one record per line, after a header
/// line. Discovered lists and test results are not included: they are fetched again. No secret is
/// ever in the store, so none is in an export. `orgmap import` reads it back.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap export > orgmap-backup.jsonl
  orgmap export --output /backups/orgmap-$(date +%F).jsonl
  orgmap export | orgmap --store postgres://admin@db.internal/orgmap import -")]
pub struct ExportArgs {
    /// Write to this file (mode 0600; written whole or not at all) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The format: JSON lines, the one `orgmap import` reads
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
}

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON record per line, after a header line
    Json,
}

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<()> {
    let store = ctx.store(Access::Read)?;
    let counts = match &args.output {
        Some(path) => {
            crate::output::files::write_atomically(path, "write the export to", |out| backup::export(&*store, out))?
        }
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            // A person reads it: C1 controls and line separators are escaped, as by --json.
            let mut out = EscapedLines { out: std::io::BufWriter::new(std::io::stdout().lock()), line: Vec::new() };
            let counts = backup::export(&*store, &mut out)?;
            out.flush()?;
            counts
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            backup::export(&*store, &mut out)?
        }
    };
    ctx.printer.status(&format!(
        "exported {} organizations, {} mappings, {} access grants, {} audit events",
        counts.orgs, counts.mappings, counts.access, counts.audit
    ));
    Ok(())
}

/// Passes JSON lines on with what a terminal would act on escaped, a line at a time.
struct EscapedLines<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> EscapedLines<W> {
    fn write_line(&mut self) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(&self.line);
        self.out.write_all(crate::output::sanitize::escape_json_for_terminal(&text).as_bytes())?;
        self.line.clear();
        Ok(())
    }
}

impl<W: Write> Write for EscapedLines<W> {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let written = buf.len();
        while let Some(end) = buf.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&buf[..=end]);
            self.write_line()?;
            buf = &buf[end + 1..];
        }
        self.line.extend_from_slice(buf);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            self.write_line()?;
        }
        self.out.flush()
    }
}
