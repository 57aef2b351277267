//! Secrets: where they may be sent, how they are kept out of messages, answers and stored records,
//! and how a command source gets them. Every request goes to a fixture on this machine; a request
//! that must be refused is addressed to `0.0.0.0` (not loopback by orgmap's rule, yet still this
//! machine), so that a regression would reach the fixture, never the network.

use std::process::Output;

use serde_json::json;

use crate::common::TestEnv;
use crate::fixture_faults::{Fixture, Reply};

/// Runs orgmap in `env` with more environment variables.
fn run(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = env.std_cmd();
    for (key, value) in vars {
        cmd.env(key, value);
    }
    cmd.args(args).output().expect("run orgmap")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An integration `s` with the secret `key` from `S_KEY`; `rest` is the rest of its tables.
fn config(rest: &str) -> String {
    format!(
        "[integrations.s]\ndisplay_name = \"S\"\nsupports_org_mapping = true\nretries = 0\ntimeout = \"5s\"\n[integrations.s.secrets]\nkey = {{ env = \"S_KEY\" }}\n{rest}"
    )
}

#[test]
fn a_secret_in_a_step_over_plain_http_is_refused_when_the_config_is_loaded() {
    // Regression: a secret in a step URL went over plain http to another machine.
    let env = TestEnv::with_config(&config(
        "[[integrations.s.steps]]\nname = \"login\"\nurl = \"http://192.0.2.2/login/{secret.key}\"\nextract = { a = \"$.a\" }\n[integrations.s.list_organizations]\nkind = \"http\"\nurl = \"https://s.example/orgs\"\n",
    ));
    let out = run(&env, &[("S_KEY", "step-secret-1")], &["discover", "s"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("steps[0].url") && stderr(&out).contains("plain http to 192.0.2.2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_secret_in_a_step_whose_host_comes_from_the_environment_is_refused_before_it_is_sent() {
    let fixture = Fixture::serve(|_| Reply::json(json!({"a": "b"})));
    let port = fixture.server.addr.port();
    let env = TestEnv::with_config(&config(
        "[[integrations.s.steps]]\nname = \"login\"\nurl = \"http://{env.STEP_HOST}/login/{secret.key}\"\nextract = { a = \"$.a\" }\n[integrations.s.list_organizations]\nkind = \"http\"\nurl = \"{env.FIXTURE_URL}/orgs\"\n",
    ));
    for secret in ["k9", "Pä ss/wörd=S", "step-secret-1"] {
        let out = run(
            &env,
            &[("S_KEY", secret), ("STEP_HOST", &format!("0.0.0.0:{port}")), ("FIXTURE_URL", &fixture.base())],
            &["discover", "s"],
        );
        assert_eq!(out.status.code(), Some(7), "{secret}: {}", stderr(&out));
        assert!(stderr(&out).contains("refusing to send credentials over plain http"), "{}", stderr(&out));
        assert_eq!(fixture.hits(), 0, "{secret}: the step was sent");
    }
}

#[test]
fn a_secret_in_the_host_of_a_url_is_a_config_error() {
    // Regression: `http://{secret.sub}.example.invalid` printed the secret lower-cased.
    let env = TestEnv::with_config(&config(
        "[integrations.s.list_organizations]\nkind = \"http\"\nurl = \"http://{secret.key}.example.invalid/orgs\"\n",
    ));
    let out = run(&env, &[("S_KEY", "TenantXY")], &["discover", "s"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("host part of the URL"), "{}", stderr(&out));
    assert!(!stderr(&out).to_lowercase().contains("tenantxy"), "{}", stderr(&out));
}

#[test]
fn a_secret_encoded_in_a_url_path_is_redacted_from_errors() {
    // Regression: `Pä ss/wörd=S` showed as `P%C3%A4%20ss/w%C3%B6rd=S`.
    let fixture = Fixture::serve(|_| Reply::status(404));
    let env = TestEnv::with_config(&config(
        "[integrations.s.list_organizations]\nkind = \"http\"\nurl = \"{env.FIXTURE_URL}/orgs/{secret.key}\"\nquery = { k = \"{secret.key}\" }\n",
    ));
    let out = run(&env, &[("S_KEY", "Pä ss/wörd=S"), ("FIXTURE_URL", &fixture.base())], &["discover", "s"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("<redacted>"), "{text}");
    for part in ["ss/w", "%20ss", "+ss", "rd=S", "rd%3DS"] {
        assert!(!text.contains(part), "{part} shows: {text}");
    }
}

#[test]
fn a_three_character_key_echoed_by_a_server_error_is_redacted() {
    // Regression: secrets under 4 characters were never redacted.
    let fixture = Fixture::serve(|seen| {
        let key = seen.header("x-api-key").unwrap_or_default().to_owned();
        Reply::raw(500, "application/json", &json!({ "error": format!("bad key {key}") }).to_string())
    });
    let env = TestEnv::with_config(&config(
        "[integrations.s.auth]\nkind = \"headers\"\nheaders = { x-api-key = \"{secret.key}\" }\n[integrations.s.list_organizations]\nkind = \"http\"\nurl = \"{env.FIXTURE_URL}/orgs\"\n",
    ));
    let out = run(&env, &[("S_KEY", "k9Z"), ("FIXTURE_URL", &fixture.base())], &["discover", "s"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad key <redacted>"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("k9Z"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

/// A list that echoes the API key it was sent in a name, a kept field and an ID.
fn echoing_fixture() -> Fixture {
    Fixture::serve(|seen| {
        let key = seen.header("x-api-key").unwrap_or_default().to_owned();
        if seen.path.starts_with("/orgs/") {
            return Reply::json(json!({ "id": 7, "name": format!("Acme ({key})") }));
        }
        Reply::json(json!([
            { "id": 1, "name": format!("Hello {key}"), "ref": key },
            { "id": 2, "name": "Globex", "ref": "plain" },
            { "id": format!("x-{key}"), "name": "Initech" },
        ]))
    })
}

fn echoing_config(validate: bool) -> String {
    let validate = if validate {
        "[integrations.s.validate]\nurl = \"{env.FIXTURE_URL}/orgs/{external_org_id}\"\nname = \"$.name\"\n"
    } else {
        ""
    };
    config(&format!(
        "[integrations.s.auth]\nkind = \"headers\"\nheaders = {{ x-api-key = \"{{secret.key}}\" }}\n[integrations.s.list_organizations]\nkind = \"http\"\nurl = \"{{env.FIXTURE_URL}}/orgs\"\nrecords = {{ keep = {{ ref = \"$.ref\" }} }}\n{validate}"
    ))
}

#[test]
fn a_secret_echoed_in_a_listed_name_is_neither_stored_listed_nor_exported() {
    // Regression: an org name holding the API key was cached, listed and exported.
    let fixture = echoing_fixture();
    let env = TestEnv::with_org();
    env.write_config(&echoing_config(false));
    let base = fixture.base();
    let vars = [("S_KEY", "echo-key-77"), ("FIXTURE_URL", base.as_str())];
    let out = run(&env, &vars, &["discover", "s", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("echo-key-77"), "{}", stdout(&out));
    assert!(stderr(&out).contains("the name of 1 holds one of its secrets"), "{}", stderr(&out));
    assert!(stderr(&out).contains("a record's ID holds one of its secrets"), "{}", stderr(&out));
    assert!(stderr(&out).contains("a kept field of 1"), "{}", stderr(&out));
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let orgs = listing["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 2, "the record whose ID holds the key is left out: {listing}");
    assert_eq!(orgs[0]["id"], "1");
    assert!(orgs[0]["name"].is_null(), "{listing}");
    assert_eq!(orgs[1]["name"], "Globex");
    // Nothing of the key reached the store: the cached list, a mapping made from it, an export.
    let cached = run(&env, &[], &["discover", "s", "--offline", "--json"]);
    assert!(!stdout(&cached).contains("echo-key-77") && stdout(&cached).contains("Globex"), "{}", stdout(&cached));
    let mapped = run(&env, &vars, &["map", "s", "1", "--org", "acme"]);
    assert!(mapped.status.success(), "{}", stderr(&mapped));
    let export = run(&env, &[], &["export"]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(!stdout(&export).contains("echo-key-77"), "{}", stdout(&export));
    for state in env.store_contents() {
        assert!(!String::from_utf8_lossy(&state.1).contains("echo-key-77"), "the store holds the key in {}", state.0);
    }
}

#[test]
fn a_secret_echoed_in_a_validate_answer_name_is_not_kept() {
    // Regression: a validate answer's name holding the API key was saved with the mapping.
    let fixture = echoing_fixture();
    let env = TestEnv::with_org();
    env.write_config(&echoing_config(true));
    let base = fixture.base();
    let vars = [("S_KEY", "echo-key-77"), ("FIXTURE_URL", base.as_str())];
    let out = run(&env, &vars, &["map", "s", "7", "--org", "acme"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("the name the validate answer gives 7 holds one of its secrets"), "{}", stderr(&out));
    let listed = run(&env, &[], &["list", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("\"7\""), "{}", stdout(&listed));
    assert!(!stdout(&listed).contains("echo-key-77"), "{}", stdout(&listed));
    let export = run(&env, &[], &["export"]);
    assert!(!stdout(&export).contains("echo-key-77"), "{}", stdout(&export));
}

#[test]
fn a_secret_in_a_commands_argv_is_refused_with_a_hint() {
    let env = TestEnv::with_config(&config(
        "[integrations.s.list_organizations]\nkind = \"command\"\nargv = [\"fetch-orgs\", \"--token\", \"{secret.key}\"]\n",
    ));
    let out = run(&env, &[("S_KEY", "argv-secret-1")], &["discover", "s"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("list_organizations.argv.2") && text.contains("env = { NAME = \"{secret.NAME}\" }"),
        "{text}"
    );
}

#[test]
fn a_command_gets_its_secrets_in_the_environment_never_on_its_command_line() {
    // Regression: `{secret.x}` in a command's argv was visible to every user in `ps`.
    let env = TestEnv::with_config(&config(
        r#"[integrations.s.list_organizations]
kind = "command"
argv = ["sh", "-c", "tr '\\0' ' ' < /proc/$$/cmdline > cmdline.txt; printf '[{{\"id\": \"1\", \"name\": \"token of %s characters\"}}]' \"${{#ORG_TOKEN}}\""]
env = { ORG_TOKEN = "{secret.key}" }
"#,
    ));
    let out = run(&env, &[("S_KEY", "env-secret-123")], &["discover", "s", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("token of 14 characters"), "{}", stdout(&out));
    let cmdline = std::fs::read_to_string(env.path().join("cmdline.txt")).expect("the command wrote its command line");
    assert!(cmdline.starts_with("sh -c "), "{cmdline}");
    assert!(!cmdline.contains("env-secret-123"), "{cmdline}");
}
