//! `include = [...]` in integrations.toml: your own integrations next to the shipped ones.

use std::os::unix::fs::PermissionsExt;

use crate::common::TestEnv;

fn extra(name: &str, list: &str) -> String {
    format!(
        "[integrations.{name}]\ndisplay_name = \"Extra\"\nsupports_org_mapping = true\n\n\
         [integrations.{name}.list_organizations]\nkind = \"file\"\npath = \"{list}\"\n"
    )
}

fn ids(listing: &serde_json::Value) -> Vec<String> {
    listing["organizations"]
        .as_array()
        .or(listing.as_array())
        .expect("a list")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn an_included_file_adds_integrations_whose_relative_paths_resolve_against_it() {
    let env = TestEnv::initialized();
    let own = env.path().join("own");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("extra.toml"), extra("extra", "orgs.json")).unwrap();
    std::fs::write(own.join("orgs.json"), r#"[{"id": "7", "name": "Seven"}]"#).unwrap();
    let main = std::fs::read_to_string(&env.config).unwrap();
    env.write_config(&format!("include = [\"own/extra.toml\"]\n{main}"));
    let names: Vec<String> = env
        .json(&["integrations"])
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"extra".to_owned()) && names.contains(&"demo".to_owned()), "{names:?}");
    assert_eq!(ids(&env.json(&["discover", "extra"])), ["7"]);
}

#[test]
// Regression: copying the shipped integrations.toml to add one's own broke `demo` (its CSV path is relative)
fn a_config_elsewhere_that_includes_the_shipped_one_keeps_demo_working() {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("integrations.toml");
    let env = TestEnv::initialized();
    std::fs::write(env.path().join("orgs.json"), r#"[{"id": "7", "name": "Seven"}]"#).unwrap();
    env.write_config(&format!("include = [{:?}]\n\n{}", shipped.display().to_string(), extra("mine", "orgs.json")));
    assert!(ids(&env.json(&["discover", "demo"])).contains(&"12345".to_owned()));
    assert_eq!(ids(&env.json(&["discover", "mine"])), ["7"]);
    let doctor = env.run(&["doctor"]);
    let stdout = String::from_utf8_lossy(&doctor.stdout);
    assert!(!stdout.contains("not found"), "{stdout}");
}

#[test]
fn an_integration_declared_twice_is_a_config_error_naming_both_files() {
    let env = TestEnv::initialized();
    std::fs::write(env.path().join("twice.toml"), extra("demo", "orgs.json")).unwrap();
    let main = std::fs::read_to_string(&env.config).unwrap();
    env.write_config(&format!("include = [\"twice.toml\"]\n{main}"));
    let stderr = env.fails(5, &["integrations"]);
    assert!(stderr.contains("demo is declared twice"), "{stderr}");
    assert!(stderr.contains("twice.toml") && stderr.contains(&env.config.display().to_string()), "{stderr}");
}

#[test]
fn an_include_cycle_is_a_config_error() {
    let env = TestEnv::initialized();
    std::fs::write(env.path().join("a.toml"), "include = [\"b.toml\"]\n").unwrap();
    std::fs::write(env.path().join("b.toml"), "include = [\"a.toml\"]\n").unwrap();
    let main = std::fs::read_to_string(&env.config).unwrap();
    env.write_config(&format!("include = [\"a.toml\"]\n{main}"));
    let stderr = env.fails(5, &["integrations"]);
    assert!(stderr.contains("include cycle") && stderr.contains("a.toml"), "{stderr}");
}

#[test]
fn an_included_file_follows_the_main_files_rules() {
    let env = TestEnv::initialized();
    let main = std::fs::read_to_string(&env.config).unwrap();
    env.write_config(&format!("include = [\"missing.toml\"]\n{main}"));
    let stderr = env.fails(5, &["integrations"]);
    assert!(stderr.contains("missing.toml"), "{stderr}");

    let open = env.path().join("open.toml");
    std::fs::write(&open, extra("extra", "orgs.json")).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o666)).unwrap();
    env.write_config(&format!("include = [\"open.toml\"]\n{main}"));
    let stderr = env.fails(5, &["integrations"]);
    assert!(stderr.contains("open.toml") && stderr.contains("anyone may write it"), "{stderr}");

    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&open, format!("{}\nunknown = 1\n", extra("extra", "orgs.json"))).unwrap();
    let stderr = env.fails(5, &["integrations"]);
    assert!(stderr.contains("open.toml") && stderr.contains("unknown"), "{stderr}");

    std::fs::write(&open, "[store]\nurl = \"/tmp/elsewhere\"\n").unwrap();
    let stderr = env.fails(5, &["integrations"]);
    assert!(stderr.contains("may not hold [store]"), "{stderr}");
}

#[test]
// Regression: doctor called a file-listed integration "configured" when its file was gone
fn doctor_reports_a_missing_list_file_as_not_found() {
    let env = TestEnv::initialized();
    let main = std::fs::read_to_string(&env.config).unwrap();
    env.write_config(&format!("{main}\n{}", extra("gone", "gone.csv")));
    let out = env.run(&["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("gone.csv not found"), "{stdout}");
    assert_ne!(out.status.code(), Some(0), "{stdout}");
}
