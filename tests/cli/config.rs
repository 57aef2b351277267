//! Loading integrations.toml: `--config`, `ORGMAP_CONFIG`, `./integrations.toml` (only when it is
//! safe to trust), the XDG config directory, and strict checking of what the file says.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::TestEnv;

const ALPHA: &str = "[integrations.alpha]\ndisplay_name = \"Alpha\"\nsupports_org_mapping = true\n";
const XDG: &str = "[integrations.xdg]\ndisplay_name = \"From XDG\"\nsupports_org_mapping = true\n";

fn write(env: &TestEnv, name: &str, text: &str) -> PathBuf {
    let path = env.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn write_xdg_config(env: &TestEnv, text: &str) {
    let dir = env.path().join("home/.config/orgmap");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("integrations.toml"), text).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `orgmap integrations --json` with neither `--config` nor `ORGMAP_CONFIG`, so that orgmap looks
/// in the working directory and the XDG config directory.
fn integrations_without_config_env(env: &TestEnv) -> Output {
    env.cmd().env_remove("ORGMAP_CONFIG").args(["integrations", "--json"]).output().unwrap()
}

fn names(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    listed.as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_config_flag_selects_the_file() {
    let env = TestEnv::initialized();
    let alpha = write(&env, "alpha.toml", ALPHA);
    let listed = env.json(&["--config", alpha.to_str().unwrap(), "integrations"]);
    assert_eq!(listed[0]["name"], "alpha");
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[test]
fn orgmap_config_selects_the_file_over_the_working_directory_one() {
    let env = TestEnv::initialized();
    let alpha = write(&env, "alpha.toml", ALPHA);
    let out = env.cmd().env("ORGMAP_CONFIG", &alpha).args(["integrations", "--json"]).output().unwrap();
    assert_eq!(names(&out), ["alpha"]);
}

#[test]
fn the_config_flag_wins_over_orgmap_config() {
    let env = TestEnv::initialized();
    let alpha = write(&env, "alpha.toml", ALPHA);
    let out = env
        .cmd()
        .env("ORGMAP_CONFIG", &alpha)
        .args(["--config", env.config.to_str().unwrap(), "integrations", "--json"])
        .output()
        .unwrap();
    assert_eq!(names(&out), ["billing", "demo", "free", "m365"]);
}

#[test]
fn a_working_directory_config_owned_by_the_user_and_not_writable_by_others_is_used() {
    let env = TestEnv::initialized();
    write_xdg_config(&env, XDG);
    chmod(&env.config, 0o644);
    let out = integrations_without_config_env(&env);
    assert_eq!(names(&out), ["billing", "demo", "free", "m365"]);
    assert!(out.stderr.is_empty(), "no warning: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_working_directory_config_writable_by_group_or_others_is_ignored_with_a_warning() {
    let env = TestEnv::initialized();
    write_xdg_config(&env, XDG);
    for mode in [0o664, 0o646, 0o666] {
        chmod(&env.config, mode);
        let out = integrations_without_config_env(&env);
        assert_eq!(names(&out), ["xdg"], "mode {mode:o}: the XDG config is used instead");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("warning: ignoring ./integrations.toml"), "mode {mode:o}: {stderr}");
        assert!(stderr.contains("chmod go-w"), "the warning says how to fix it: {stderr}");
    }
}

#[test]
fn a_working_directory_config_owned_by_another_user_is_ignored_with_a_warning() {
    let env = TestEnv::initialized();
    write_xdg_config(&env, XDG);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&env.config, Some(65534), None).unwrap();
        chmod(&env.config, 0o644);
    } else {
        // Without root a file of another user is a symlink to one: orgmap looks at the target.
        std::fs::remove_file(&env.config).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", &env.config).unwrap();
    }
    let out = integrations_without_config_env(&env);
    assert_eq!(names(&out), ["xdg"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ignoring ./integrations.toml: it is owned by another user"), "{stderr}");
}

#[test]
fn the_xdg_config_directory_is_used_when_the_working_directory_has_no_config() {
    let env = TestEnv::initialized();
    std::fs::remove_file(&env.config).unwrap();
    write_xdg_config(&env, XDG);
    let out = integrations_without_config_env(&env);
    assert_eq!(names(&out), ["xdg"]);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn without_any_config_there_are_no_integrations_and_the_hint_says_how_to_configure_one() {
    let env = TestEnv::with_org();
    std::fs::remove_file(&env.config).unwrap();
    let out = integrations_without_config_env(&env);
    assert!(names(&out).is_empty());
    let out = env.cmd().env_remove("ORGMAP_CONFIG").args(["map", "demo", "1", "--org", "acme"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown integration 'demo'"), "{stderr}");
    assert!(stderr.contains("no integrations are configured"), "{stderr}");
    assert!(stderr.contains("ORGMAP_CONFIG"), "{stderr}");
}

#[test]
fn an_unknown_key_exits_5_naming_the_file_the_line_and_the_key() {
    let env = TestEnv::with_org();
    let bad = write(
        &env,
        "bad.toml",
        "[integrations.halopsa]\ndisplay_name = \"HaloPSA\"\nsupports_org_mapping = true\nid_patern = \"[0-9]+\"\n",
    );
    let before = env.state();
    let error = env.json_error(5, &["--config", bad.to_str().unwrap(), "map", "halopsa", "1", "--org", "acme"]);
    assert_eq!(error["kind"], "config");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(bad.to_str().unwrap()), "names the file: {message}");
    assert!(message.contains("line 4"), "names the line: {message}");
    assert!(message.contains("id_patern"), "names the key: {message}");
    assert_eq!(env.state(), before);
}

#[test]
fn an_unknown_top_level_table_exits_5() {
    let env = TestEnv::initialized();
    let bad = write(&env, "bad.toml", "[integration.halopsa]\ndisplay_name = \"HaloPSA\"\n");
    let stderr = env.fails(5, &["--config", bad.to_str().unwrap(), "integrations"]);
    assert!(stderr.contains("line 1") && stderr.contains("integration"), "{stderr}");
}

#[test]
fn bad_values_exit_5_naming_the_file_the_line_and_the_key() {
    let env = TestEnv::initialized();
    let head = "[integrations.h]\ndisplay_name = \"H\"\n";
    for (body, line, key, why) in [
        ("supports_org_mapping = \"yes\"\n", "line 3", "supports_org_mapping", "boolean"),
        ("supports_org_mapping = true\nid_pattern = \"(\"\n", "line 4", "id_pattern", "regular expression"),
        ("supports_org_mapping = true\ntimeout = \"soon\"\n", "line 4", "timeout", "not a duration"),
        ("supports_org_mapping = true\ncache_ttl = \"-5m\"\n", "line 4", "cache_ttl", "negative"),
        ("supports_org_mapping = true\ndisplay_name = \"twice\"\n", "line 4", "display_name", "duplicate"),
    ] {
        let bad = write(&env, "bad.toml", &format!("{head}{body}"));
        let error = env.json_error(5, &["--config", bad.to_str().unwrap(), "integrations"]);
        let message = error["message"].as_str().unwrap();
        assert_eq!(error["kind"], "config", "{body:?}: {message}");
        assert!(message.contains(bad.to_str().unwrap()), "{body:?}: {message}");
        assert!(message.contains(line), "{body:?}: {message}");
        assert!(message.contains(key), "{body:?}: {message}");
        assert!(message.contains(why), "{body:?}: {message}");
    }
}

#[test]
fn an_invalid_integration_name_exits_5() {
    let env = TestEnv::initialized();
    let bad = write(&env, "bad.toml", "[integrations.HaloPSA]\ndisplay_name = \"H\"\nsupports_org_mapping = true\n");
    let error = env.json_error(5, &["--config", bad.to_str().unwrap(), "integrations"]);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("line 1") && message.contains("'HaloPSA' is invalid"), "{message}");
}

#[test]
fn a_missing_required_key_exits_5() {
    let env = TestEnv::initialized();
    let bad = write(&env, "bad.toml", "[integrations.h]\ndisplay_name = \"H\"\n");
    let error = env.json_error(5, &["--config", bad.to_str().unwrap(), "integrations"]);
    assert!(error["message"].as_str().unwrap().contains("supports_org_mapping"), "{error}");
}

#[test]
fn a_config_file_that_cannot_be_read_exits_5() {
    let env = TestEnv::initialized();
    let missing = env.path().join("missing.toml");
    let error = env.json_error(5, &["--config", missing.to_str().unwrap(), "integrations"]);
    assert_eq!(error["kind"], "config");
    assert!(error["message"].as_str().unwrap().contains("cannot read config"), "{error}");
    assert!(error["message"].as_str().unwrap().contains(missing.to_str().unwrap()), "{error}");
}

#[test]
fn optional_keys_reach_the_integration() {
    let env = TestEnv::initialized();
    let config = write(
        &env,
        "full.toml",
        "[integrations.halopsa]\ndisplay_name = \"HaloPSA\"\nsupports_org_mapping = true\ndescription = \"PSA\"\nid_pattern = \"[0-9]{3}\"\ncache_ttl = \"15m\"\ntimeout = \"10s\"\n",
    );
    let listed = env.json(&["--config", config.to_str().unwrap(), "integrations", "halopsa"]);
    assert_eq!(listed[0]["cache_ttl_seconds"], 900);
    assert_eq!(listed[0]["id_pattern"], "[0-9]{3}");
}

#[test]
fn id_pattern_must_match_the_whole_id() {
    let env = TestEnv::with_org();
    let config = write(
        &env,
        "p.toml",
        "[integrations.p]\ndisplay_name = \"P\"\nsupports_org_mapping = true\nid_pattern = \"[0-9]{3}\"\n",
    );
    let config = config.to_str().unwrap();
    env.fails(5, &["--config", config, "map", "p", "1234", "--org", "acme"]);
    env.fails(5, &["--config", config, "map", "p", "x123", "--org", "acme"]);
    env.ok(&["--config", config, "map", "p", "123", "--org", "acme"]);
}

#[test]
fn verbose_names_the_config_file_in_use() {
    let env = TestEnv::initialized();
    let out = env.run(&["-v", "integrations"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("config: {}", env.config.display())), "{stderr}");
}

#[test]
// Regression: multi-line error messages (every TOML config error) are printed with U+FFFD in place of their newlines
fn config_errors_keep_their_line_breaks_on_a_terminal() {
    let env = TestEnv::initialized();
    let bad = write(
        &env,
        "bad.toml",
        "[integrations.h]\ndisplay_name = \"H\"\nsupports_org_mapping = true\nid_patern = \"x\"\n",
    );
    let stderr = env.fails(5, &["--config", bad.to_str().unwrap(), "integrations"]);
    assert!(!stderr.contains('\u{FFFD}'), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.contains("id_patern = \"x\"")),
        "the offending line is shown on its own: {stderr}"
    );
}

#[test]
fn a_secret_written_where_its_reference_belongs_is_refused_without_showing_it() {
    let env = TestEnv::initialized();
    for text in [
        "[integrations.x]\ndisplay_name = \"X\"\nsupports_org_mapping = true\n[integrations.x.secrets]\ntoken = \"literal-token-8xQ\"\n",
        "[store]\nurl = \"postgres://worker@db.internal/orgmap\"\npassword = \"literal-token-8xQ\"\n",
        "[store.password]\nvalue = \"literal-token-8xQ\"\n",
        "[store]\npassword = { env = \"DB_PW\", value = \"literal-token-8xQ\" }\n",
        "[store]\npassword = [\"literal-token-8xQ\"]\n",
    ] {
        let config = write(&env, "literal.toml", text);
        let out = env
            .cmd()
            .args(["--config", config.to_str().unwrap(), "integrations"])
            .env_remove("ORGMAP_STORE")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("literal-token-8xQ"), "{stderr}");
        assert!(stderr.contains("in a secret reference"), "{stderr}");
        assert!(stderr.contains(": line "), "names the line: {stderr}");
    }
}

#[test]
// Regression: `-v` printed `store:` two or three times (once per opening of the store)
fn verbose_names_the_store_and_the_config_once_per_run() {
    let env = TestEnv::with_org();
    for args in [&["-v", "map", "demo", "12345", "--org", "acme"][..], &["-v", "refresh"], &["-v", "list"]] {
        let out = env.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = usize::from(args[1] != "refresh"); // the test config has nothing to refresh
        assert_eq!(stderr.matches("store: ").count(), expected, "{args:?}: {stderr}");
        assert!(stderr.matches("config: ").count() <= 1, "{args:?}: {stderr}");
    }
}
