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
    assert_eq!(env.ok(&["--version"]), format!("orgmap {}\n", env!("CARGO_PKG_VERSION")));
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
