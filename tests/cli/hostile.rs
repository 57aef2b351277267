//! The hostile-input corpus of tests/hostile/: broken and malicious configs, arguments and answers
//! of external systems, one case per file, each with the exit code and the message it must give
//! (tests/hostile/cases.toml). No case may panic, hang, or change the store when it fails.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use crate::common::TestEnv;
use crate::common::deadline::output_within;
use crate::fixture::FixtureServer;

/// How long a light case may run; a hang (a FIFO read, a loop) fails the case instead of the run.
const LIMIT: Duration = Duration::from_secs(30);
/// How long a heavy case (tens of megabytes) may run on a debug build.
const HEAVY_LIMIT: Duration = Duration::from_secs(90);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Config,
    Args,
    Api,
}

/// One hostile input; cases.toml documents the keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    kind: Kind,
    #[serde(default)]
    command: Option<Vec<String>>,
    exit: i32,
    message: String,
    #[serde(default)]
    repeat: Option<usize>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    suffix: String,
    #[serde(default)]
    separator: String,
    #[serde(default)]
    setup: Option<String>,
    #[serde(default)]
    records_path: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    changes: bool,
    #[serde(default)]
    then: Option<Vec<String>>,
    #[serde(default)]
    clean: bool,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    name_chars: Option<usize>,
    #[serde(default)]
    heavy: bool,
    #[serde(default)]
    bug: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

fn manifest() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus_dir().join("cases.toml")).expect("read tests/hostile/cases.toml");
    toml::from_str::<Manifest>(&text).expect("tests/hostile/cases.toml is a valid manifest").case
}

fn case(file: &str) -> Case {
    manifest().into_iter().find(|c| c.file == file).unwrap_or_else(|| panic!("no case {file} in cases.toml"))
}

/// The case's input: the file as it is, or repeated as the manifest says.
fn input(case: &Case) -> Vec<u8> {
    let unit = std::fs::read(corpus_dir().join(&case.file)).unwrap_or_else(|err| panic!("{}: {err}", case.file));
    let mut out = case.prefix.as_bytes().to_vec();
    match case.repeat {
        None => out.extend_from_slice(&unit),
        Some(count) => {
            let pieces: Vec<&[u8]> = split_bytes(&unit, b"%i");
            out.reserve(unit.len() * count + case.separator.len() * count);
            for i in 0..count {
                if i > 0 {
                    out.extend_from_slice(case.separator.as_bytes());
                }
                for (j, piece) in pieces.iter().enumerate() {
                    if j > 0 {
                        out.extend_from_slice(i.to_string().as_bytes());
                    }
                    out.extend_from_slice(piece);
                }
            }
        }
    }
    out.extend_from_slice(case.suffix.as_bytes());
    out
}

fn split_bytes<'a>(text: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.windows(separator.len()).position(|w| w == separator) {
        pieces.push(&rest[..at]);
        rest = &rest[at + separator.len()..];
    }
    pieces.push(rest);
    pieces
}

/// `template` with every `{file}` replaced by `value`, as raw bytes.
fn substitute(template: &str, value: &[u8]) -> OsString {
    let pieces = split_bytes(template.as_bytes(), b"{file}");
    OsString::from_vec(pieces.join(value))
}

/// The command line of an `args` case: `{file}` substituted, `{lines}` expanded.
fn arguments(command: &[String], value: &[u8]) -> Vec<OsString> {
    let mut args = Vec::new();
    for arg in command {
        if arg == "{lines}" {
            args.extend(value.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| OsString::from_vec(l.to_vec())));
        } else {
            args.push(substitute(arg, value));
        }
    }
    args
}

/// Characters that must never reach a terminal from external or stored text.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Some((at, c)) = text.char_indices().find(|(_, c)| is_unsafe(*c)) {
        panic!("{what} shows {c:?} at byte {at}: {:?}", &text[at.saturating_sub(40)..(at + 40).min(text.len())]);
    }
}

/// Asserts what every case must: it ended in time, by itself, without a panic, with the exit code
/// and the message of the manifest.
fn check(case: &Case, out: Option<Output>) -> Output {
    let limit = if case.heavy { HEAVY_LIMIT } else { LIMIT };
    let out = out.unwrap_or_else(|| panic!("{}: orgmap did not end within {limit:?}", case.file));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shown = |text: &str| text.chars().take(2000).collect::<String>();
    let code = out.status.code().unwrap_or_else(|| panic!("{}: orgmap was killed: {:?}", case.file, out.status));
    assert!(!stderr.contains("panicked"), "{}: orgmap panicked: {}", case.file, shown(&stderr));
    assert_ne!(code, 101, "{}: exit 101 is a panic: {}", case.file, shown(&stderr));
    assert!(!stderr.contains("orgmap crashed"), "{}: orgmap crashed: {}", case.file, shown(&stderr));
    assert_eq!(
        code,
        case.exit,
        "{}: expected exit {}\nstdout: {}\nstderr: {}",
        case.file,
        case.exit,
        shown(&stdout),
        shown(&stderr)
    );
    let text = if code == 0 { format!("{stdout}{stderr}") } else { stderr.clone().into_owned() };
    assert!(text.contains(&case.message), "{}: the output lacks {:?}: {}", case.file, case.message, shown(&text));
    out
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status().expect("run mkfifo");
    assert!(made.success(), "mkfifo {} failed", path.display());
}

fn run_config(case: &Case) {
    let env = TestEnv::initialized();
    let name = Path::new(&case.file).file_name().expect("file name");
    let path = env.path().join(name);
    match case.setup.as_deref() {
        None => std::fs::write(&path, input(case)).expect("write config"),
        Some("fifo") => {
            std::fs::write(&path, input(case)).expect("write config");
            mkfifo(&env.path().join("orgs.fifo"));
        }
        // The config path is a FIFO that nobody writes.
        Some("config-fifo") => mkfifo(&path),
        // The config path is a directory (holding the config).
        Some("config-directory") => {
            std::fs::create_dir(&path).expect("create directory");
            std::fs::write(path.join("integrations.toml"), input(case)).expect("write config");
        }
        Some(other) => panic!("{}: unknown setup {other}", case.file),
    }
    let command = case.command.clone().unwrap_or_else(|| vec!["integrations".into()]);
    let mut cmd = env.std_cmd();
    cmd.arg("--config").arg(&path).args(&command);
    check(case, output_within(cmd, LIMIT));
}

fn run_args(case: &Case) {
    let env = TestEnv::with_org();
    let value = input(case);
    let command = case.command.as_ref().unwrap_or_else(|| panic!("{}: an args case needs a command", case.file));
    let command = command.as_slice();
    let before = case.changes.then(|| env.state());
    let mut cmd = env.std_cmd();
    for (key, template) in &case.env {
        cmd.env(key, substitute(template, &value));
    }
    // `{path}`: the input as a file, for commands that read one (import).
    let path = env.path().join("hostile-input");
    std::fs::write(&path, &value).expect("write the input file");
    let command: Vec<String> =
        command.iter().map(|arg| if arg == "{path}" { path.display().to_string() } else { arg.clone() }).collect();
    cmd.args(arguments(&command, &value));
    check(case, output_within(cmd, LIMIT));
    if let Some(before) = before {
        assert_eq!(env.state(), before, "{}: the store changed", case.file);
    }
    if let Some(then) = &case.then {
        let out = env.run(&then.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{}: {then:?} failed: {}", case.file, String::from_utf8_lossy(&out.stderr));
        assert_clean(&format!("{}: the output of {then:?}", case.file), &out.stdout);
        assert_clean(&format!("{}: the messages of {then:?}", case.file), &out.stderr);
    }
}

/// The config of the `api` cases: an http list from `url`.
fn api_config(url: &str, records_path: Option<&str>) -> String {
    let records = records_path
        .map(|path| format!("\n[integrations.hostile.list_organizations.records]\npath = {path:?}\n"))
        .unwrap_or_default();
    format!(
        r#"
[integrations.hostile]
display_name = "Hostile API"
supports_org_mapping = true
timeout = "60s"
retries = 0

[integrations.hostile.list_organizations]
kind = "http"
url = "{url}"
{records}"#
    )
}

/// A name as orgmap documents that it keeps names of external systems (see `clean_name` in
/// src/providers/records.rs): control characters become spaces, it is cut to 500 characters and
/// trimmed, and nothing else changes (bidi overrides included: they are neutralised only on
/// output to a terminal).
fn kept_name(name: &str) -> Option<String> {
    let kept: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).take(500).collect();
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_owned())
}

/// The names a served list gives each ID, as orgmap keeps them.
fn served_names(body: &[u8]) -> BTreeMap<String, Option<String>> {
    let records: Value = serde_json::from_slice(body).expect("a clean case serves valid JSON");
    records
        .as_array()
        .expect("a clean case serves an array")
        .iter()
        .map(|r| {
            let id = match &r["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let name = r["name"].as_str().and_then(kept_name);
            (id, name)
        })
        .collect()
}

fn run_api(case: &Case) {
    let body = Bytes::from(input(case));
    let served = body.clone();
    let router = Router::new().route(
        "/orgs",
        get(move || {
            let body = served.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    let server = FixtureServer::start(router);
    let env = TestEnv::with_config(&api_config(&server.url("/orgs"), case.records_path.as_deref()));
    let command = case.command.clone().unwrap_or_else(|| vec!["discover".into(), "hostile".into(), "--json".into()]);
    let json = command.iter().any(|a| a == "--json");
    let mut cmd = env.std_cmd();
    cmd.args(&command);
    let limit = if case.heavy { HEAVY_LIMIT } else { LIMIT };
    let out = check(case, output_within(cmd, limit));
    if !json {
        return;
    }
    if case.exit != 0 {
        let printed: Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|err| panic!("{}: the error is not JSON ({err})", case.file));
        assert_eq!(printed["error"]["exit_code"], case.exit, "{}", case.file);
        return;
    }
    let listing: Value = serde_json::from_slice(&out.stdout).expect("discover --json prints JSON");
    if let Some(count) = case.count {
        assert_eq!(listing["total"], count, "{}: organizations counted", case.file);
    }
    let orgs = listing["organizations"].as_array().expect("organizations");
    if let Some(chars) = case.name_chars {
        let name = orgs[0]["name"].as_str().expect("a name");
        assert_eq!(name.chars().count(), chars, "{}: the name is cut", case.file);
    }
    if case.clean {
        assert!(!out.stdout.iter().any(|b| *b < 0x20 && *b != b'\n'), "{}: raw control bytes in JSON", case.file);
        let names = served_names(&body);
        assert_eq!(orgs.len(), names.len(), "{}: every record is listed", case.file);
        for org in orgs {
            let id = org["id"].as_str().expect("id");
            assert_eq!(
                org["name"].as_str(),
                names[id].as_deref(),
                "{}: the JSON keeps the name of {id:?} exactly",
                case.file
            );
        }
        let table = env.run(&["discover", "hostile"]);
        assert!(table.status.success(), "{}: the table failed", case.file);
        assert_clean(&format!("{}: the table", case.file), &table.stdout);
        assert_clean(&format!("{}: the messages", case.file), &table.stderr);
    }
}

fn run_case(case: &Case) {
    match case.kind {
        Kind::Config => run_config(case),
        Kind::Args => run_args(case),
        Kind::Api => run_api(case),
    }
}

/// Runs every light case of `kind` that shows no known bug, and reports all that fail at once.
fn run_kind(kind: Kind) {
    let cases: Vec<Case> = manifest().into_iter().filter(|c| c.kind == kind && !c.heavy && c.bug.is_none()).collect();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            std::panic::catch_unwind(|| run_case(case)).err().map(|err| {
                err.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| case.file.clone())
            })
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

#[test]
fn the_manifest_lists_every_file_of_the_corpus_once() {
    let listed: Vec<String> = manifest().into_iter().map(|c| c.file).collect();
    let unique: std::collections::BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a file is listed twice");
    let mut on_disk = std::collections::BTreeSet::new();
    for dir in ["config", "args", "api"] {
        for entry in std::fs::read_dir(corpus_dir().join(dir)).expect("corpus directory") {
            on_disk.insert(format!("{dir}/{}", entry.expect("entry").file_name().to_string_lossy()));
        }
    }
    let listed: std::collections::BTreeSet<String> = listed.into_iter().collect();
    assert_eq!(listed, on_disk, "cases.toml and tests/hostile/ differ");
    for case in manifest() {
        assert!(case.kind != Kind::Api || case.exit != 0 || case.count.is_some(), "{}: count the records", case.file);
        if case.changes {
            assert!(case.exit != 0, "{}: a changing case must fail", case.file);
        }
    }
}

#[test]
fn hostile_configs_are_refused_with_the_line_and_key() {
    run_kind(Kind::Config);
}

#[test]
fn hostile_arguments_are_refused_and_change_nothing() {
    run_kind(Kind::Args);
}

#[test]
fn hostile_answers_fail_cleanly_or_are_shown_safely() {
    run_kind(Kind::Api);
}

#[test]
fn a_million_records_are_all_listed() {
    run_case(&case("api/million_records.txt"));
}

#[test]
fn a_10_mb_name_is_cut_to_500_characters() {
    run_case(&case("api/name_10mb.txt"));
}

#[test]
fn a_70_mb_answer_is_refused() {
    run_case(&case("api/answer_70mb.txt"));
}

#[test]
// Regression: `--config` naming a FIFO hangs: Config::load reads it with read_to_string, which blocks
fn a_config_that_is_a_fifo_is_refused() {
    run_case(&case("config/config_fifo.toml"));
}

#[test]
// Regression: a secret `file` naming a FIFO hangs discover: secrets::resolve blocks in read_to_string
fn a_secret_file_that_is_a_fifo_is_refused() {
    run_case(&case("config/secret_file_fifo.toml"));
}

#[test]
// Regression: a JSONPath with 10,000 nested '(' in integrations.toml overflows the stack (SIGABRT, exit 134)
fn a_deeply_nested_jsonpath_is_refused() {
    run_case(&case("config/jsonpath_deeply_nested_filter.txt"));
}
