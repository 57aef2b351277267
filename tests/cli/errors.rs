//! Errors that say what happened: each names the real cause, with the documented exit code.

use serde_json::json;

use crate::common::TestEnv;
use crate::fixture_faults::{Fixture, Reply, orgs};

fn http_config(url: &str, extra: &str) -> String {
    format!(
        r#"
[integrations.api]
display_name = "API (fixture)"
supports_org_mapping = true
timeout = "2s"
retries = 0
{extra}

[integrations.api.list_organizations]
kind = "http"
url = "{url}"
headers = {{ x-tenant = "{{env.TENANT:-t}}" }}
"#
    )
}

#[test]
// Regression: a line break in a header value was reported as "cannot reach … check the network"
fn a_line_break_in_a_header_value_is_a_config_error_naming_the_header() {
    let api = Fixture::serve(|_| Reply::json(json!(orgs(1, 2))));
    let env = TestEnv::with_config(&http_config(&api.server.url("/orgs"), ""));
    let out = env.cmd().env("TENANT", "acme\r\nX-Injected: 1").args(["discover", "api", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let error: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(error["error"]["kind"], "config");
    assert!(error["error"]["message"].as_str().unwrap().contains("\"x-tenant\""), "{error}");
    assert!(!stderr.contains("network") && !stderr.contains("X-Injected"), "{stderr}");
    assert_eq!(api.hits(), 0, "nothing was sent");
}

#[test]
// Regression: a plain-http list without any credentials was refused as "refusing to send credentials"
fn a_plain_http_list_without_credentials_is_fetched() {
    let api = Fixture::serve(|_| Reply::json(json!(orgs(1, 3))));
    // 0.0.0.0 reaches this machine but is not a loopback address, as a LAN host would not be.
    let url = format!("http://0.0.0.0:{}/orgs", api.server.addr.port());
    let env = TestEnv::with_config(&http_config(&url, ""));
    let listing = env.json(&["discover", "api"]);
    assert_eq!(listing["total"], 3);
    let env = TestEnv::with_config(&http_config(
        &url,
        "[integrations.api.auth]\nkind = \"bearer\"\ntoken = \"{env.TOKEN:-secret-token}\"",
    ));
    // With credentials, the config itself is refused when it is loaded.
    let stderr = env.fails(5, &["discover", "api"]);
    assert!(stderr.contains("carries the integration's credentials but goes over plain http"), "{stderr}");
}

#[test]
// Regression: a token endpoint's "JSON body expected" (415) was blamed on the credentials
fn a_token_request_refused_for_its_form_shows_the_servers_words_and_not_a_credentials_hint() {
    let api = Fixture::serve(|req| {
        if req.path.ends_with("/token") {
            Reply::raw(415, "application/json", r#"{"error": "JSON body expected"}"#)
        } else {
            Reply::json(json!(orgs(1, 1)))
        }
    });
    let auth = format!(
        "[integrations.api.auth]\nkind = \"oauth2\"\ngrant = \"client_credentials\"\ntoken_url = \"{}\"\nclient_id = \"id\"\nclient_secret = \"{{env.SECRET:-s3cr3t-value}}\"",
        api.server.url("/token")
    );
    let env = TestEnv::with_config(&http_config(&api.server.url("/orgs"), &auth));
    let error = env.json_error(7, &["discover", "api"]);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("JSON body expected"), "{error}");
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("format") && !hint.contains("check the credentials"), "{hint}");
    assert!(!error.to_string().contains("s3cr3t-value"));
}

#[test]
// Regression: an empty ORGMAP_STORE said "a value is required for '--store'"
fn an_empty_orgmap_store_is_unset() {
    let env = TestEnv::with_org();
    let out = env.cmd().env("ORGMAP_STORE", "").env("ORGMAP_ORG", "").args(["org", "list", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("a value is required"), "{stderr}");
    assert_eq!(out.status.code(), Some(9), "the default store (under HOME) does not exist: {stderr}");
    assert!(stderr.contains("orgmap init"), "{stderr}");
}

#[test]
// Regression: a store path that is a file said "File exists (os error 17)"
fn a_store_path_that_is_a_file_says_so() {
    let env = TestEnv::new();
    let file = env.path().join("not-a-store");
    std::fs::write(&file, "x").unwrap();
    for args in [&["init"][..], &["list"], &["org", "add", "a", "--name", "A"]] {
        let out = env.cmd().env("ORGMAP_STORE", &file).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(9), "{args:?}: {stderr}");
        assert!(stderr.contains("it is a file, not a store directory"), "{args:?}: {stderr}");
        assert!(!stderr.contains("os error"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
// Regression: `doctor` on a missing store called it damaged instead of saying to run `orgmap init`
fn doctor_on_a_missing_store_says_to_run_init() {
    let env = TestEnv::new();
    let out = env.run(&["doctor"]);
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(9), "{shown}");
    assert!(shown.contains("orgmap init"), "{shown}");
    assert!(!shown.contains("damaged"), "{shown}");
}
