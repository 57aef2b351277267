//! `orgmap completions`: shell completion scripts, static and dynamic.

use std::ffi::OsStr;

use clap::Args;
use clap_complete::Shell;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};

use crate::context::Ctx;
use crate::error::Result;
use crate::output::Printer;
use crate::store::Access;

/// Print a shell completion script
///
/// Ready-made scripts for bash, zsh and fish are also in the completions/ folder. They complete
/// commands and options; for organization IDs, integration names and mapping IDs too, register
/// the dynamic completer instead: source <(COMPLETE=bash orgmap) (zsh, fish, elvish and
/// powershell alike).
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

/// The command tree with completers for the values orgmap knows: organization IDs, integration
/// names and mapping IDs, read from the config and the store of `ORGMAP_CONFIG` and
/// `ORGMAP_STORE` (or their defaults). Used when a shell asks (`COMPLETE=bash orgmap -- …`).
pub fn dynamic_command() -> clap::Command {
    add_completers(crate::cli::command(), false)
}

fn add_completers(cmd: clap::Command, in_org: bool) -> clap::Command {
    let ids: Vec<(String, bool)> = cmd
        .get_arguments()
        .filter(|a| !a.is_global_set())
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    let mut cmd = cmd;
    for (id, positional) in ids {
        let org_positional = in_org && positional && id == "id" && !matches!(cmd.get_name(), "add" | "import");
        cmd = match id.as_str() {
            "org" | "orgs" => cmd.mut_arg(id, |a| a.add(ArgValueCandidates::new(org_ids))),
            _ if org_positional => cmd.mut_arg(id, |a| a.add(ArgValueCandidates::new(org_ids))),
            "integration" | "integrations" => cmd.mut_arg(id, |a| a.add(ArgValueCandidates::new(integration_names))),
            "mapping_id" | "mapping" => cmd.mut_arg(id, |a| a.add(ArgValueCompleter::new(mapping_ids))),
            // `unmap TARGET`, `test TARGET`: an integration or a mapping.
            "target" => cmd.mut_arg(id, |a| {
                a.add(ArgValueCompleter::new(|current: &OsStr| {
                    let mut found = integration_names();
                    found.extend(mapping_ids(current));
                    found
                }))
            }),
            _ => cmd,
        };
    }
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_owned()).collect();
    let is_org = cmd.get_name() == "org";
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| add_completers(sub, is_org));
    }
    cmd
}

/// A context that reads the environment like a command does and prints nothing.
fn quiet_ctx() -> Ctx {
    let mut globals = crate::cli::GlobalArgs::from_environment();
    globals.quiet = true;
    Ctx::new(globals, Printer { json: false, quiet: true, color: false })
}

fn org_ids() -> Vec<CompletionCandidate> {
    let ctx = quiet_ctx();
    let Ok(orgs) = ctx.store(Access::Read).and_then(|store| store.read()?.orgs()) else { return Vec::new() };
    orgs.into_iter().map(|org| CompletionCandidate::new(org.id).help(Some(org.name.into()))).collect()
}

fn integration_names() -> Vec<CompletionCandidate> {
    let ctx = quiet_ctx();
    let Ok(config) = ctx.config() else { return Vec::new() };
    config
        .integrations
        .iter()
        .map(|(name, integration)| CompletionCandidate::new(name).help(Some(integration.display_name.clone().into())))
        .collect()
}

fn mapping_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let ctx = quiet_ctx();
    let prefix = current.to_string_lossy().to_uppercase();
    let Ok(mappings) = ctx.store(Access::Read).and_then(|store| store.read()?.mappings_with_id_prefix(&prefix, 200))
    else {
        return Vec::new();
    };
    mappings
        .into_iter()
        .map(|m| {
            let help = format!("{} {} {}", m.org_id, m.integration, m.external_org_id);
            CompletionCandidate::new(m.mapping_id).help(Some(help.into()))
        })
        .collect()
}
