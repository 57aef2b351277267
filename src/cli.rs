//! The command line: global options, the commands, and turning every outcome into an exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::context::Ctx;
use crate::error::Error;
use crate::output::Printer;

const ABOUT: &str = "Map your customer organizations to their IDs in external systems";

const LONG_ABOUT: &str = "\
Map your customer organizations to their IDs in external systems (PSA, RMM, Microsoft 365, ...).

orgmap keeps, for every organization you manage, which client, site, company or tenant it is in
each integration, so that admins and workflow scripts can find it.";

const AFTER_HELP: &str = "\
Examples:
  orgmap init
  orgmap org add acme --name \"Acme Corp\"
  orgmap map halopsa 12345 --org acme --name \"Acme Corporation\"
  orgmap get halopsa --org acme --json
  orgmap set halopsa 12345 --org acme --meta region=eu

Exit codes: 0 ok, 1 a bug, 2 usage, 3 not found, 4 ambiguous, 5 invalid, 6 permission
denied, 7 external system failed, 8 organization inactive, 9 store unavailable, 10 conflict,
11 file error, 12 coverage gaps found (coverage --check), 13 out of memory, 130 cancelled. The
README documents each one.";

/// `orgmap --version`: the version, then how this binary was built and the store schemas it knows.
fn long_version() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{}\ncommit: {}\nbuilt: {}\ntarget: {}\nstore schema: redb {}, PostgreSQL {}",
            env!("CARGO_PKG_VERSION"),
            env!("ORGMAP_COMMIT"),
            env!("ORGMAP_BUILD_DATE"),
            env!("ORGMAP_TARGET"),
            crate::store::SCHEMA_VERSION,
            crate::store::postgres::schema::SCHEMA_VERSION,
        )
    });
    TEXT.as_str()
}

/// orgmap's command line.
#[derive(Debug, Parser)]
#[command(
    name = "orgmap",
    version,
    long_version = long_version(),
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
///
/// `ORGMAP_CONFIG` and `ORGMAP_STORE` are read by [`GlobalArgs::read_environment`], not by clap:
/// clap counts a value from the environment as given on the command line and shows it in the
/// usage line of an error (`Usage: orgmap get --config <PATH> --store <DIR|URL> <INTEGRATION>`),
/// as if the options were required.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]
    #[arg(long, global = true, value_name = "DIR|URL")]
    pub store: Option<PathBuf>,
    /// Print results as JSON (errors too, on stderr)
    #[arg(long, global = true)]
    pub json: bool,
    /// Print no status messages
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say which config and store are used
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Never prompt; fail with a hint when a value is missing
    #[arg(long, global = true)]
    pub no_input: bool,
    /// When to colour messages on stderr
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl GlobalArgs {
    /// The defaults, with `--config` and `--store` from the environment.
    pub fn from_environment() -> Self {
        let mut globals = GlobalArgs {
            config: None,
            store: None,
            json: false,
            quiet: false,
            verbose: 0,
            no_input: true,
            color: ColorChoice::Never,
        };
        globals.read_environment();
        globals
    }

    /// Fills `--config` and `--store` from `ORGMAP_CONFIG` and `ORGMAP_STORE` when they are not
    /// given (an empty variable counts as unset).
    fn read_environment(&mut self) {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        self.config = self.config.take().or_else(|| var("ORGMAP_CONFIG"));
        self.store = self.store.take().or_else(|| var("ORGMAP_STORE"));
    }
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Init(commands::init::InitArgs),
    #[command(subcommand)]
    Org(commands::org::OrgCommand),
    Integrations(commands::integrations::IntegrationsArgs),
    Discover(commands::discover::DiscoverArgs),
    Refresh(commands::refresh::RefreshArgs),
    Map(commands::map::MapArgs),
    Edit(commands::edit::EditArgs),
    Unmap(commands::unmap::UnmapArgs),
    List(commands::list::ListArgs),
    Get(commands::get::GetArgs),
    Set(commands::set::SetArgs),
    Lookup(commands::lookup::LookupArgs),
    Test(commands::test::TestArgs),
    Audit(commands::audit::AuditArgs),
    Doctor(commands::doctor::DoctorArgs),
    Export(commands::export::ExportArgs),
    Import(commands::import::ImportArgs),
    Suggest(commands::suggest::SuggestArgs),
    Apply(commands::apply::ApplyArgs),
    Coverage(commands::coverage::CoverageArgs),
    Exclude(commands::exclude::ExcludeArgs),
    Include(commands::exclude::IncludeArgs),
    #[command(subcommand)]
    Access(commands::access::AccessCommand),
    #[command(subcommand)]
    Store(commands::store::StoreCommand),
    Completions(commands::completions::CompletionsArgs),
    #[command(hide = true)]
    Man(commands::man::ManArgs),
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
        }
    }
}

/// `get` alone, parsed without building every other command: `get` runs once per workflow step,
/// where start-up is most of its cost. Anything it does not accept (help, errors, other
/// commands) goes through the full parser, which gives the same results and messages.
#[derive(Debug, Parser)]
#[command(name = "orgmap")]
struct GetOnly {
    #[command(flatten)]
    globals: GlobalArgs,
    #[command(subcommand)]
    command: GetCommand,
}

#[derive(Debug, Subcommand)]
enum GetCommand {
    Get(commands::get::GetArgs),
}

fn parse() -> Result<Cli, clap::Error> {
    if std::env::args_os().any(|a| a == "get")
        && let Ok(fast) = GetOnly::try_parse()
    {
        let GetCommand::Get(args) = fast.command;
        return Ok(Cli { globals: fast.globals, command: Command::Get(args) });
    }
    Cli::try_parse()
}

/// An empty `ORGMAP_STORE`, `ORGMAP_CONFIG` or `ORGMAP_ORG` means unset, as an empty variable
/// does for most tools (`ORGMAP_STORE= orgmap …` in a script); clap would call it a missing value.
fn unset_empty_variables() {
    for name in ["ORGMAP_STORE", "ORGMAP_CONFIG", "ORGMAP_ORG"] {
        if std::env::var_os(name).is_some_and(|v| v.is_empty()) {
            // SAFETY: called first thing in main, before any thread is started.
            unsafe { std::env::remove_var(name) };
        }
    }
}

/// Runs orgmap with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    unset_empty_variables();
    // A shell asking for completions (COMPLETE=bash orgmap -- …): answer and exit. Checked here
    // first so that other runs (`get`) pay for nothing else.
    if std::env::var_os("COMPLETE").is_some_and(|v| !v.is_empty() && v != "0") {
        clap_complete::CompleteEnv::with_factory(commands::completions::dynamic_command).complete();
    }
    let mut cli = match parse() {
        Ok(cli) => cli,
        Err(err) if err.use_stderr() && std::env::args_os().any(|a| a == "--json") => {
            let rendered = err.render().to_string();
            let first_paragraph = rendered.split("\n\n").next().unwrap_or_default().trim();
            let body = serde_json::json!({ "error": {
                "kind": "usage",
                "exit_code": 2,
                "message": first_paragraph.strip_prefix("error: ").unwrap_or(first_paragraph),
                "hint": "run the command with --help to see its arguments",
            }});
            let _ = writeln!(std::io::stderr(), "{body}");
            return ExitCode::from(2);
        }
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    cli.globals.read_environment();
    let printer = Printer { json: cli.globals.json, quiet: cli.globals.quiet, color: use_color(cli.globals.color) };
    let ctx = Ctx::new(cli.globals, printer);
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        let location = info.location().map(|l| l.file().to_owned()).unwrap_or_default();
        PANIC.with(|slot| *slot.borrow_mut() = Some((message.unwrap_or_default(), location)));
    }));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(&ctx, cli.command)))
        .unwrap_or_else(|_| Err(panic_error(&ctx)));
    crate::store::postgres::close_idle();
    let outcome = report_unreadable(&ctx, outcome);
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(Error::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            report(&ctx.printer, &err);
            ExitCode::from(err.exit_code())
        }
    }
}

thread_local! {
    /// The message and source file of a panic, kept by the panic hook for [`panic_error`].
    static PANIC: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
}

/// A panic as an error: in the storage engine it means a damaged store (exit 9); anywhere else
/// it is a bug (exit 1).
fn panic_error(ctx: &Ctx) -> Error {
    let (message, location) = PANIC.with(|slot| slot.borrow_mut().take()).unwrap_or_default();
    if location.contains("/redb-") {
        let path = ctx.location().map(|l| std::path::PathBuf::from(l.to_string())).unwrap_or_default();
        Error::StoreDamaged { path, detail: format!("the storage engine failed reading it ({message})") }
    } else {
        Error::Internal(format!("orgmap crashed: {message} ({location})"))
    }
}

/// Runs one command; `Ok` carries the exit code of a command whose outcome is not an error.
fn dispatch(ctx: &Ctx, command: Command) -> crate::error::Result<u8> {
    match command {
        Command::Init(args) => commands::init::run(ctx, args),
        Command::Org(cmd) => commands::org::run(ctx, cmd),
        Command::Integrations(args) => commands::integrations::run(ctx, args),
        Command::Discover(args) => commands::discover::run(ctx, args),
        Command::Refresh(args) => commands::refresh::run(ctx, args),
        Command::Map(args) => commands::map::run(ctx, args),
        Command::Edit(args) => commands::edit::run(ctx, args),
        Command::Unmap(args) => commands::unmap::run(ctx, args),
        Command::List(args) => commands::list::run(ctx, args),
        Command::Get(args) => commands::get::run(ctx, args),
        Command::Set(args) => commands::set::run(ctx, args),
        Command::Lookup(args) => commands::lookup::run(ctx, args),
        Command::Audit(args) => commands::audit::run(ctx, args),
        Command::Export(args) => commands::export::run(ctx, args),
        Command::Import(args) => commands::import::run(ctx, args),
        Command::Exclude(args) => commands::exclude::exclude(ctx, args),
        Command::Coverage(args) => return commands::coverage::run(ctx, args),
        Command::Suggest(args) => commands::suggest::run(ctx, args),
        Command::Apply(args) => commands::apply::run(ctx, args),
        Command::Include(args) => commands::exclude::include(ctx, args),
        Command::Doctor(args) => return commands::doctor::run(ctx, args),
        Command::Access(cmd) => commands::access::run(ctx, cmd),
        Command::Store(cmd) => commands::store::run(ctx, cmd),
        Command::Completions(args) => commands::completions::run(ctx, args),
        Command::Man(args) => commands::man::run(ctx, args),
        // A failed test is an outcome, reported like any other, with its own exit code.
        Command::Test(args) => return commands::test::run(ctx, args),
    }?;
    Ok(0)
}

/// Names the stored records that reads left out, and makes a command that otherwise succeeded
/// fail with exit 9: what it showed is complete but for them, and a script must not take it for
/// everything.
fn report_unreadable(ctx: &Ctx, outcome: crate::error::Result<u8>) -> crate::error::Result<u8> {
    let skipped = crate::store::take_unreadable();
    if skipped.is_empty() {
        return outcome;
    }
    // With --json, stderr holds one JSON error: the records are named in it instead.
    if !ctx.printer.json {
        for record in &skipped {
            ctx.printer.warn(&format!("left out: {record}"));
        }
    }
    const NAMED: usize = 5;
    let named: Vec<String> = skipped.iter().take(NAMED).map(|r| format!("{} {}", r.what, r.key)).collect();
    let more = skipped.len().saturating_sub(NAMED);
    match outcome {
        Ok(_) => Err(Error::StoreDamaged {
            path: ctx.location().map(|l| std::path::PathBuf::from(l.to_string())).unwrap_or_default(),
            detail: format!(
                "{} stored record{} could not be read and {} left out ({}{}); everything else was read",
                skipped.len(),
                if skipped.len() == 1 { "" } else { "s" },
                if skipped.len() == 1 { "was" } else { "were" },
                named.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() },
            ),
        }),
        err => err,
    }
}

/// Prints an error on stderr: `error:` and `hint:` lines, or a JSON object with `--json`.
fn report(printer: &Printer, err: &Error) {
    use crate::output::sanitize_lines;
    let mut stderr = std::io::stderr().lock();
    if printer.json {
        let mut body = serde_json::json!({
            "kind": err.kind(),
            "exit_code": err.exit_code(),
            "message": err.to_string(),
            "hint": err.hint(),
        });
        if let (Some(details), Some(object)) = (err.details(), body.as_object_mut())
            && let Some(extra) = details.as_object()
        {
            object.extend(extra.clone());
        }
        let text = serde_json::json!({ "error": body }).to_string();
        let text = if std::io::IsTerminal::is_terminal(&stderr) {
            crate::output::sanitize::escape_json_for_terminal(&text)
        } else {
            text.as_str().into()
        };
        let _ = writeln!(stderr, "{text}");
        return;
    }
    // A cancel is what the person asked for, not a failure.
    if let Error::Cancelled = err {
        let _ = writeln!(stderr, "{err}");
        return;
    }
    let _ = writeln!(stderr, "{} {}", printer.paint("error:", "1;31"), sanitize_lines(&err.to_string()));
    if let Some(hint) = err.hint() {
        let _ = writeln!(stderr, "{} {}", printer.paint("hint:", "1;33"), sanitize_lines(&hint));
    }
}

/// The clap command tree, for completions and documentation.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
