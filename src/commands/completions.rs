//! `orgmap completions`: shell completion scripts.

use clap::Args;
use clap_complete::Shell;

use crate::context::Ctx;
use crate::error::Result;

/// Print a shell completion script
///
/// Ready-made scripts for bash, zsh and fish are also in the completions/ folder.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap completions bash > ~/.local/share/bash-completion/completions/orgmap
  orgmap completions zsh > ~/.zfunc/_orgmap
  orgmap completions fish > ~/.config/fish/completions/orgmap.fish")]
pub struct CompletionsArgs {
    /// The shell
    pub shell: Shell,
}

pub fn run(_ctx: &Ctx, args: CompletionsArgs) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut crate::cli::command(), "orgmap", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(())
}
