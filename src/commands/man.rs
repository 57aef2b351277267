//! `orgmap man` (hidden): man pages generated from the command-line definition, for packagers.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::context::Ctx;
use crate::error::{Error, Result};

/// Write man pages: orgmap.1 and one page per command (orgmap-map.1, orgmap-org-add.1, ...)
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap man --out-dir man
  sudo install -m 644 man/*.1 /usr/local/share/man/man1/")]
pub struct ManArgs {
    /// The directory to write the pages to (created when missing)
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

pub fn run(ctx: &Ctx, args: ManArgs) -> Result<()> {
    let written =
        write_pages(&args.out_dir).map_err(|err| Error::file("write the man pages to", &args.out_dir, err))?;
    ctx.printer.status(&format!("wrote {written} man pages to {}", args.out_dir.display()));
    Ok(())
}

/// Writes every page and returns how many there are.
fn write_pages(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    // The pages are kept in the repository: no commit, date or target in them, only the version.
    let mut cmd = crate::cli::command().long_version(None).disable_help_subcommand(true);
    cmd.build();
    write_page(&cmd, dir)
}

/// Writes the page of `cmd` and of each visible subcommand, recursively; returns how many.
fn write_page(cmd: &clap::Command, dir: &Path) -> std::io::Result<usize> {
    let mut written = 1;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        written += write_page(sub, dir)?;
    }
    // clap_mangen fills the text after the options like a paragraph, which breaks examples in the
    // middle of a command: they get a section of their own, set line by line.
    let after_help = cmd.get_after_help().map(ToString::to_string).unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone().after_help(None)).source(concat!("orgmap ", env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    man.render(&mut page)?;
    let mut page = String::from_utf8(page).map_err(std::io::Error::other)?;
    let extra = sections(&after_help);
    match page.find("\n.SH VERSION") {
        Some(at) => page.insert_str(at + 1, &extra),
        None => page.push_str(&extra),
    }
    std::fs::write(dir.join(man.get_filename()), page)?;
    Ok(written)
}

/// The roff of an `after_help` text: `Examples:` unfilled under EXAMPLES, any other paragraph
/// (the exit codes) filled under NOTES.
fn sections(after_help: &str) -> String {
    let escape = |line: &str| {
        let line = line.replace('\\', "\\e").replace('-', "\\-");
        if line.starts_with(['.', '\'']) { format!("\\&{line}") } else { line }
    };
    let mut examples = String::new();
    let mut notes = String::new();
    for block in after_help.split("\n\n").filter(|b| !b.trim().is_empty()) {
        if let Some(lines) = block.strip_prefix("Examples:\n") {
            examples.push_str(".nf\n");
            for line in lines.lines() {
                examples.push_str(&escape(line));
                examples.push('\n');
            }
            examples.push_str(".fi\n");
        } else {
            notes.push_str(".PP\n");
            for line in block.lines() {
                notes.push_str(&escape(line));
                notes.push('\n');
            }
        }
    }
    let mut out = String::new();
    if !examples.is_empty() {
        out.push_str(".SH EXAMPLES\n");
        out.push_str(&examples);
    }
    if !notes.is_empty() {
        out.push_str(".SH NOTES\n");
        out.push_str(&notes);
    }
    out
}
