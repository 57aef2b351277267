//! `orgmap import`: read an export back.

use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use clap::Args;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ops::backup::{self, ImportOptions, Plan};
use crate::output::{sanitize, table};
use crate::store::{self, Access};

/// Read an export back into the store (a restore, or a move between stores)
///
/// Shows what it does per kind of record — create, update, unchanged, conflict — and applies it in
/// one transaction; importing the same file again changes nothing. A record that would overwrite a
/// newer one in the store, or break a rule, is a conflict: it is left out, listed, and the command
/// exits 10. --dry-run only shows what would happen. A store that does not exist yet is created
/// first, as `init` creates it: whoever imports holds manage-config.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap import orgmap-backup.jsonl --dry-run
  orgmap import orgmap-backup.jsonl
  orgmap --store /old export | orgmap --store /new import -")]
pub struct ImportArgs {
    /// The export to read (`-` for stdin)
    pub file: PathBuf,
    /// Show what would change without changing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Accept mappings whose external ID another organization maps too (as `map --allow-shared`)
    #[arg(long)]
    pub allow_shared: bool,
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<()> {
    const DOING: &str = "read the export";
    // The export is read twice: checked whole before the store is touched, then applied. Neither
    // pass holds it in memory; standard input is first copied to an unnamed temporary file.
    let (mut file, shown) = if args.file.as_os_str() == "-" {
        let stdin_path = Path::new("(stdin)");
        let mut spool = tempfile::tempfile().map_err(|err| Error::file("keep standard input in", stdin_path, err))?;
        std::io::copy(&mut std::io::stdin().lock(), &mut spool).map_err(|err| Error::file(DOING, stdin_path, err))?;
        (spool, stdin_path.to_path_buf())
    } else {
        if args.file.is_dir() {
            return Err(Error::file(DOING, &args.file, std::io::Error::from_raw_os_error(libc::EISDIR)));
        }
        (std::fs::File::open(&args.file).map_err(|err| Error::file(DOING, &args.file, err))?, args.file.clone())
    };
    let checked = backup::check_export(BufReader::new(&file)).map_err(|err| err.at_file(DOING, &shown))?;
    file.seek(SeekFrom::Start(0)).map_err(|err| Error::file(DOING, &shown, err))?;
    let actor = ctx.actor()?;
    let store = match ctx.store(Access::Write) {
        // A restore into a new store creates it first (audited as `store.init`): the importer
        // holds manage-config, as whoever runs `init` does.
        Err(Error::StoreMissing { .. }) if !args.dry_run => {
            let location = ctx.location()?;
            store::init(&location, &actor, &ctx.open_options()?)?;
            ctx.printer.status(&format!("created the store {location}; {actor} holds manage-config"));
            ctx.store(Access::Write)?
        }
        opened => opened?,
    };
    let options = ImportOptions { dry_run: args.dry_run, allow_shared: args.allow_shared };
    let plan = backup::import(&*store, ctx.config()?, &actor, BufReader::new(&file), &checked, options)
        .map_err(|err| err.at_file(DOING, &shown))?;
    drop(store);
    if ctx.printer.json {
        ctx.printer.json(&plan)?;
    } else {
        print_plan(ctx, &plan, args.dry_run)?;
    }
    if !plan.conflicts.is_empty() {
        return Err(Error::conflict(
            format!("{} record(s) conflict with the store and were left out", plan.conflicts.len()),
            Some("each is listed above; change the store or the file and import again".into()),
        ));
    }
    Ok(())
}

fn print_plan(ctx: &Ctx, plan: &Plan, dry_run: bool) -> Result<()> {
    let mut rows = table::new(&["RECORDS", "CREATE", "UPDATE", "UNCHANGED", "CONFLICT"]);
    for (kind, counts) in
        [("organizations", &plan.orgs), ("mappings", &plan.mappings), ("access", &plan.access), ("audit", &plan.audit)]
    {
        let n = |k: &str| counts.get(k).copied().unwrap_or(0).to_string();
        rows.add_row(vec![kind.to_owned(), n("create"), n("update"), n("unchanged"), n("conflict")]);
    }
    ctx.printer.table(&rows)?;
    for conflict in &plan.conflicts {
        ctx.printer.line(&format!("conflict: {} {}: {}", conflict.kind, sanitize(&conflict.id), conflict.reason))?;
    }
    ctx.printer.status(match (dry_run, plan.applied) {
        (true, _) => "dry run: nothing was changed",
        (false, true) => "imported",
        (false, false) => "nothing to change",
    });
    Ok(())
}
