//! `orgmap export`: the whole store as JSON lines.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::context::Ctx;
use crate::error::{Error, Result};
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
    /// Write to this file (created with mode 0600) instead of stdout
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
            use std::os::unix::fs::OpenOptionsExt;
            let file =
                std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path).map_err(
                    |err| Error::usage(format!("cannot write {}: {err}", path.display()), "choose a writable path"),
                )?;
            // An existing file keeps its mode on open: a backup is for its owner only.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            let mut out = std::io::BufWriter::new(file);
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
