//! `--help` of every command as documentation (snapshots), the clap definition itself, and the
//! shell completion scripts shipped in `completions/`.

use std::path::Path;

use crate::common::TestEnv;

#[test]
fn the_command_line_definition_is_consistent() {
    orgmap::cli::command().debug_assert();
}

/// The path of every command and subcommand below `cmd`, `cmd` itself first.
fn command_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    out.push(prefix.to_vec());
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_owned());
        command_paths(sub, &path, out);
    }
}

#[test]
fn every_commands_help_matches_its_snapshot() {
    let env = TestEnv::new();
    let mut paths = Vec::new();
    command_paths(&orgmap::cli::command(), &[], &mut paths);
    assert!(paths.iter().any(|p| p == &["org", "add"]), "subcommands are walked: {paths:?}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let stdout = env.ok(&args);
        assert!(stdout.contains("Usage: orgmap"), "{args:?}: {stdout}");
        let name = std::iter::once("orgmap").chain(path.iter().map(String::as_str)).collect::<Vec<_>>().join("-");
        insta::assert_snapshot!(name, stdout);
    }
}

#[test]
fn orgmap_without_a_command_exits_2_with_usage_on_stderr() {
    let env = TestEnv::new();
    let out = env.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: orgmap"));
}

#[test]
fn an_unknown_command_or_flag_exits_2() {
    let env = TestEnv::initialized();
    env.fails(2, &["frobnicate"]);
    env.fails(2, &["list", "--frobnicate"]);
    env.fails(2, &["completions", "powershell-core"]);
}

#[test]
fn version_prints_the_package_version_on_stdout() {
    let env = TestEnv::new();
    assert_eq!(env.ok(&["-V"]), format!("orgmap {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn long_version_says_how_the_binary_was_built_and_which_store_schemas_it_knows() {
    let env = TestEnv::new();
    let out = env.ok(&["--version"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0], format!("orgmap {}", env!("CARGO_PKG_VERSION")));
    let commit = lines[1].strip_prefix("commit: ").unwrap_or_else(|| panic!("{out}"));
    assert!(commit == "unknown" || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{out}");
    if let Ok(head) =
        std::process::Command::new("git").args(["rev-parse", "HEAD"]).current_dir(env!("CARGO_MANIFEST_DIR")).output()
        && head.status.success()
    {
        assert!(String::from_utf8_lossy(&head.stdout).starts_with(commit), "built from HEAD: {out}");
    }
    let date = lines[2].strip_prefix("built: ").unwrap_or_else(|| panic!("{out}"));
    assert!(date.parse::<jiff::civil::Date>().is_ok(), "{out}");
    assert!(lines[3].strip_prefix("target: ").is_some_and(|t| t.split('-').count() >= 3), "{out}");
    assert_eq!(
        lines[4],
        format!(
            "store schema: redb {}, PostgreSQL {}",
            orgmap::store::SCHEMA_VERSION,
            orgmap::store::postgres::schema::SCHEMA_VERSION
        )
    );
}

/// Regression: a value from ORGMAP_CONFIG or ORGMAP_STORE put `--config <PATH> --store <DIR|URL>`
/// in the usage line of an error, as if both were required.
#[test]
fn options_from_the_environment_are_not_shown_as_required() {
    let env = TestEnv::initialized();
    let out = env.run(&["get"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Usage: orgmap get <INTEGRATION>\n"), "{stderr}");
}

#[test]
fn global_options_have_their_own_heading_in_every_commands_help() {
    let env = TestEnv::new();
    let help = env.ok(&["map", "--help"]);
    let (own, global) = help.split_once("\nGlobal options:\n").unwrap_or_else(|| panic!("{help}"));
    let global = global.split("\nExamples:").next().unwrap_or_default();
    assert!(own.contains("--org") && !own.contains("--store") && !own.contains("--no-input"), "{help}");
    assert!(global.contains("--store") && global.contains("--no-input") && !global.contains("--org"), "{help}");
}

/// Regression: a long example in `orgmap help map` was wrapped in the middle of the command.
#[test]
fn examples_are_not_wrapped_on_an_80_column_terminal() {
    let env = TestEnv::new();
    let root = orgmap::cli::command();
    let mut paths = Vec::new();
    command_paths(&root, &[], &mut paths);
    for path in paths {
        let cmd = path.iter().fold(&root, |cmd, name| cmd.find_subcommand(name).expect("subcommand"));
        let Some(after_help) = cmd.get_after_help().map(ToString::to_string) else { continue };
        let Some((_, examples)) = after_help.split_once("Examples:\n") else { continue };
        let examples = examples.split("\n\n").next().unwrap_or_default();
        for line in examples.lines() {
            assert!(line.chars().count() < 80, "{path:?}: {line:?} is too long to stay on one line");
        }
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = env.cmd().env("COLUMNS", "80").args(&args).output().expect("run orgmap");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(examples), "{args:?}: the examples are wrapped:\n{help}");
    }
}

#[test]
fn completion_scripts_in_the_repository_are_current() {
    let env = TestEnv::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bless = std::env::var_os("ORGMAP_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (shell, file) in [("bash", "orgmap.bash"), ("zsh", "_orgmap"), ("fish", "orgmap.fish")] {
        let generated = env.ok(&["completions", shell]);
        assert!(generated.contains("lookup") && generated.contains("mapping-id"), "{shell}: {generated}");
        let path = dir.join(file);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &generated).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} differ from `orgmap completions`: regenerate them with \
         `ORGMAP_BLESS=1 cargo test --test cli completion_scripts` and commit the result"
    );
}

#[test]
fn man_pages_in_the_repository_are_current() {
    let env = TestEnv::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let generated = env.dir.path().join("man");
    env.ok(&["man", "--out-dir", generated.to_str().unwrap()]);
    let read = |dir: &Path| -> std::collections::BTreeMap<String, String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "1"))
                    .map(|p| {
                        (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let pages = read(&generated);
    for page in ["orgmap.1", "orgmap-map.1", "orgmap-org.1", "orgmap-org-add.1", "orgmap-completions.1"] {
        assert!(pages.contains_key(page), "{page} missing: {:?}", pages.keys());
    }
    assert!(!pages.contains_key("orgmap-man.1") && !pages.contains_key("orgmap-help.1"), "{:?}", pages.keys());
    assert!(pages["orgmap-map.1"].contains("orgmap\\-map") && pages["orgmap-map.1"].contains("allow\\-shared"));
    assert!(!pages["orgmap.1"].contains("commit:"), "no build information in a page kept in the repository");
    if std::env::var_os("ORGMAP_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).unwrap();
        for stale in read(&dir).keys().filter(|name| !pages.contains_key(*name)) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for (name, text) in &pages {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let current = read(&dir);
    let stale: Vec<&String> =
        pages.keys().chain(current.keys()).filter(|name| pages.get(*name) != current.get(*name)).collect();
    assert!(
        stale.is_empty(),
        "man/{stale:?} differ from `orgmap man`: regenerate them with \
         `ORGMAP_BLESS=1 cargo test --test cli man_pages` and commit the result"
    );
}

#[test]
fn the_exit_codes_in_help_are_the_readmes() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = readme.split("\n## Exit codes\n").nth(1).expect("README has an exit code table");
    let documented: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| 0 "))
        .take_while(|l| l.starts_with("| "))
        .filter_map(|l| l.split('|').nth(1).map(str::trim))
        .collect();
    let help = TestEnv::new().ok(&["--help"]);
    let listed = help.split("Exit codes:").nth(1).expect("--help lists the exit codes").replace('\n', " ");
    let in_help: Vec<&str> = listed
        .split(',')
        .filter_map(|item| item.split_whitespace().next())
        .filter(|code| code.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(in_help, documented, "{listed}");
}

#[test]
fn dynamic_completion_proposes_the_organizations_integrations_and_mappings_of_the_store() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex Inc"]);
    let mapping = env.ok(&["map", "free", "g-1", "--org", "globex", "--no-verify"]).trim().to_owned();
    let complete = |shell: &str, words: &[&str]| {
        let out = env.cmd().env("COMPLETE", shell).arg("--").arg("orgmap").args(words).output().expect("run orgmap");
        assert!(out.status.success(), "{words:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(complete("fish", &["get", "free", "--org", ""]), "acme\tAcme Corp\nglobex\tGlobex Inc\n");
    assert_eq!(complete("fish", &["org", "show", "g"]), "globex\tGlobex Inc\n");
    assert_eq!(complete("fish", &["coverage", "--org", "a"]), "acme\tAcme Corp\n");
    assert_eq!(complete("fish", &["get", "m"]), "m365\tMicrosoft 365\n");
    assert_eq!(complete("fish", &["edit", &mapping[..4]]), format!("{mapping}\tglobex free g-1\n"));
    // Other shells get the same candidates in their own format.
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = env.cmd().env("COMPLETE", shell).output().expect("run orgmap");
        assert!(script.status.success() && String::from_utf8_lossy(&script.stdout).contains("orgmap"), "{shell}");
    }
    let bash = env
        .cmd()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n")
        .args(["--", "orgmap", "get", "free", "--org", ""])
        .output()
        .expect("run orgmap");
    assert_eq!(String::from_utf8_lossy(&bash.stdout), "acme\nglobex", "{}", String::from_utf8_lossy(&bash.stderr));
}
