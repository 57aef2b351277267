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
