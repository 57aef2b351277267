//! The README's examples, run as written where they can run here.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A command with no orgmap settings of the caller's, a HOME and TMPDIR of its own.
fn clean(cmd: &mut Command, dir: &Path) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ORGMAP_") || key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(&key);
        }
    }
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    cmd.env("HOME", dir.join("home")).env("TMPDIR", dir.join("tmp")).env_remove("XDG_DATA_HOME");
    cmd.env_remove("XDG_CONFIG_HOME").env("ORGMAP_ACTOR", "alice").env("NO_COLOR", "1");
}

#[test]
// Regression: the quick start was one 358-character line and left its temporary store behind
fn the_quick_start_maps_acme_and_removes_its_temporary_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(repo().join("scripts/quickstart"));
    clean(&mut cmd, dir.path());
    let out = cmd.env("ORGMAP_BIN", env!("CARGO_BIN_EXE_orgmap")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_start = stdout.rfind("\n{").map(|i| i + 1).unwrap_or(0);
    let mapping: serde_json::Value = serde_json::from_str(&stdout[json_start..]).expect(&stdout);
    assert_eq!(mapping["external_org_id"], "12345", "{mapping}");
    assert_eq!(mapping["metadata"]["region"], "eu", "{mapping}");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "the temporary store is removed: {left:?}");
}

#[test]
fn the_readme_runs_the_quick_start_script_and_shows_its_commands() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let script = std::fs::read_to_string(repo().join("scripts/quickstart")).unwrap();
    assert!(readme.contains("scripts/quickstart\n"));
    for line in script.lines().filter(|l| l.starts_with("orgmap ")) {
        assert!(readme.contains(line), "the README shows `{line}`");
    }
    assert!(readme.lines().all(|l| l.chars().count() <= 120 || !l.starts_with("cargo build")), "no one-line recipe");
}

#[test]
// Regression: the README's column list of `list` lacked LAST TEST
fn the_readme_names_every_column_of_list_in_order() {
    let env = crate::common::TestEnv::with_org();
    env.map("demo", "12345", "acme");
    let table = env.ok(&["list"]);
    let header: Vec<&str> =
        table.lines().next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap().replace('\n', " ");
    assert!(readme.contains(&format!("(`{}`)", header.join(" "))), "the README lists {header:?}");
}

#[test]
// Regression: the README's heading of `discover` lacked --select
fn the_readme_heading_of_discover_names_every_option() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let heading = readme.lines().find(|l| l.starts_with("### `discover ")).unwrap();
    let help = crate::common::TestEnv::new().ok(&["discover", "--help"]);
    for option in ["--search", "--refresh", "--offline", "--limit", "--select"] {
        assert!(help.contains(option) && heading.contains(option), "{option} in {heading}");
    }
}
