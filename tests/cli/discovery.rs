//! `orgmap discover`, `refresh`, `list --stale` and `integrations` against fixture servers on
//! 127.0.0.1, programs and files: throttling and faults, long lists, credentials, the cache and its
//! stale fallback, drift, search and output.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::common::{TestEnv, actions};
use crate::fixture_faults::{Fixture, Reply, orgs};

/// Settings for a fixture that should fail fast: a short timeout and one retry.
const FAST: &str = "timeout = \"1s\"\nretries = 1";

/// An integration named `name` listing its organizations over HTTP from `{env.FIXTURE_URL}` +
/// `path`. `settings` are more keys of the integration (tables last), `list` more keys of its
/// list_organizations.
fn integration(name: &str, path: &str, settings: &str, list: &str) -> String {
    format!(
        r#"
[integrations.{name}]
display_name = "{name} (fixture)"
supports_org_mapping = true
{settings}

[integrations.{name}.list_organizations]
kind = "http"
url = "{{env.FIXTURE_URL}}{path}"
{list}
"#
    )
}

/// `acme-psa`, listing from `{env.FIXTURE_URL}/orgs`.
fn acme(settings: &str, list: &str) -> String {
    integration("acme-psa", "/orgs", settings, list)
}

/// A test environment with its config and the environment variables orgmap runs with.
struct Site {
    env: TestEnv,
    vars: Vec<(String, String)>,
}

impl Site {
    /// `config`, with `FIXTURE_URL` naming `fixture`.
    fn new(config: &str, fixture: &Fixture) -> Self {
        Site { env: TestEnv::with_config(config), vars: vec![("FIXTURE_URL".into(), fixture.base())] }
    }

    /// `config` without any fixture.
    fn local(config: &str) -> Self {
        Site { env: TestEnv::with_config(config), vars: Vec::new() }
    }

    fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.push((name.into(), value.into()));
        self
    }

    fn cmd(&self) -> Command {
        let mut cmd = self.env.cmd();
        for (name, value) in &self.vars {
            cmd.env(name, value);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run orgmap")
    }

    fn run_as(&self, actor: &str, args: &[&str]) -> Output {
        self.cmd().env("ORGMAP_ACTOR", actor).args(args).output().expect("run orgmap")
    }

    /// Asserts success and returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        expect(&out, 0, args);
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Asserts success with `--json` and parses stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.ok(&all);
        serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{all:?} printed invalid JSON ({err}): {stdout}"))
    }

    /// Asserts the exit code and returns stderr.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        expect(&out, code, args);
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    /// Asserts the exit code with `--json`, an empty stdout, and returns the error object.
    fn json_error(&self, code: i32, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        expect(&out, code, &all);
        assert!(out.stdout.is_empty(), "{all:?} printed a result although it failed");
        let printed: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|err| {
            panic!("{all:?}: stderr is not JSON ({err}): {}", String::from_utf8_lossy(&out.stderr))
        });
        assert_eq!(printed["error"]["exit_code"], code);
        printed["error"].clone()
    }
}

fn expect(out: &Output, code: i32, args: &[&str]) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "orgmap {args:?}: expected exit {code}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The IDs of a `discover --json` listing, in order.
fn ids(listing: &Value) -> Vec<String> {
    listing["organizations"]
        .as_array()
        .expect("organizations")
        .iter()
        .map(|o| o["id"].as_str().expect("IDs are strings").to_owned())
        .collect()
}

fn contains_all(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} is missing from:\n{text}");
    }
}

/// Writes an executable script into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

// ---------------------------------------------------------------------------------------------
// Throttling and faults

#[test]
fn throttled_429_is_retried_after_retry_after_and_succeeds() {
    let (api, _) = Fixture::scripted([
        Reply::status(429).header("retry-after", "1"),
        Reply::json(json!([{ "id": 1, "name": "Acme" }])),
    ]);
    let site = Site::new(&acme(FAST, ""), &api);
    let started = Instant::now();
    let listing = site.json(&["discover", "acme-psa"]);
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After: 1 was not honoured");
    assert_eq!(api.hits(), 2);
    assert_eq!(listing["origin"], "fresh");
    assert_eq!(ids(&listing), ["1"]);
}

#[test]
fn a_server_error_is_retried_and_the_retry_succeeds() {
    let (api, _) = Fixture::scripted([Reply::status(500), Reply::json(json!([{ "id": 7, "name": "Globex" }]))]);
    let site = Site::new(&acme(FAST, ""), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(api.hits(), 2);
    assert_eq!(ids(&listing), ["7"]);
}

#[test]
fn server_errors_that_persist_fail_with_exit_7_after_the_retries() {
    let (api, _) = Fixture::scripted([Reply::raw(502, "text/plain", "upstream gateway broke")]);
    let site = Site::new(&acme("timeout = \"1s\"\nretries = 2", ""), &api);
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert_eq!(api.hits(), 3, "one attempt and two retries");
    contains_all(&stderr, &["acme-psa", "/orgs", "502", "upstream gateway broke", "hint:", "retry later"]);
}

#[test]
fn throttling_longer_than_the_longest_wait_fails_at_once_without_a_cache() {
    let (api, _) = Fixture::scripted([Reply::status(429).header("retry-after", "3600")]);
    let site = Site::new(&acme(FAST, ""), &api);
    let started = Instant::now();
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert!(started.elapsed() < Duration::from_secs(10), "orgmap waited for a Retry-After of an hour");
    assert_eq!(api.hits(), 1);
    contains_all(&stderr, &["throttling", "429", "hint: retry after 3600 s"]);
}

#[test]
fn a_server_that_never_answers_times_out_with_exit_7_and_a_hint() {
    let (api, _) = Fixture::scripted([Reply::hang()]);
    let site = Site::new(&acme(FAST, ""), &api);
    let started = Instant::now();
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert!(started.elapsed() < Duration::from_secs(8), "the 1 s timeout took {:?}", started.elapsed());
    assert!(api.hits() >= 1);
    let url = format!("{}/orgs", api.base());
    contains_all(&stderr, &["acme-psa", &url, "did not answer within 1 s", "hint:", "timeout"]);
}

#[test]
fn invalid_json_fails_with_exit_7_naming_the_integration_and_the_url() {
    for body in ["{\"id\": 1,", "", "   "] {
        let (api, _) = Fixture::scripted([Reply::raw(200, "application/json", body)]);
        let site = Site::new(&acme(FAST, ""), &api);
        let stderr = site.fails(7, &["discover", "acme-psa"]);
        let url = format!("{}/orgs", api.base());
        contains_all(&stderr, &["error: acme-psa:", &url, "expected JSON"]);
        let error = site.json_error(7, &["discover", "acme-psa"]);
        assert_eq!(error["kind"], "external");
        assert!(error["message"].as_str().unwrap().contains("expected JSON"), "{error}");
    }
}

#[test]
fn an_html_login_page_with_status_200_fails_with_exit_7() {
    let page = "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Password</form></body></html>";
    for content_type in ["text/html; charset=utf-8", "application/json"] {
        let (api, _) = Fixture::scripted([Reply::raw(200, content_type, &format!("\n  {page}"))]);
        let site = Site::new(&acme(FAST, ""), &api);
        let stderr = site.fails(7, &["discover", "acme-psa"]);
        contains_all(&stderr, &["acme-psa", "expected JSON", "HTML", "hint:", "login"]);
    }
}

#[test]
fn not_found_fails_with_exit_7_and_a_hint_about_the_url() {
    let (api, _) = Fixture::scripted([Reply::status(404)]);
    let site = Site::new(&acme(FAST, ""), &api);
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert_eq!(api.hits(), 1, "a 404 is not retried");
    contains_all(&stderr, &["acme-psa", "404", "hint: not found"]);
    assert_eq!(site.json_error(7, &["discover", "acme-psa"])["kind"], "external");
}

#[test]
fn a_next_link_that_loops_fails_with_exit_7() {
    let api = Fixture::serve(|req| match req.number("page") {
        None => Reply::json(json!({ "items": orgs(1, 2), "next": "/orgs?page=2" })),
        Some(_) => Reply::json(json!({ "items": orgs(3, 2), "next": "/orgs" })),
    });
    let site = Site::new(
        &acme(FAST, "pagination = { kind = \"next_url\", path = \"$.next\" }\nrecords = { path = \"$.items[*]\" }"),
        &api,
    );
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert_eq!(api.hits(), 2);
    contains_all(&stderr, &["acme-psa", "loops"]);
}

#[test]
fn a_list_that_never_ends_is_stopped_by_max_pages() {
    let api = Fixture::serve(|req| {
        let page = req.number("page").unwrap_or(1);
        Reply::json(json!({ "items": orgs(page * 10, 2), "next": format!("/orgs?page={}", page + 1) }))
    });
    let settings = "timeout = \"1s\"\nretries = 1\nmax_pages = 5";
    let records = "records = { path = \"$.items[*]\" }";
    let site = Site::new(
        &acme(settings, &format!("pagination = {{ kind = \"next_url\", path = \"$.next\" }}\n{records}")),
        &api,
    );
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert_eq!(api.hits(), 5);
    contains_all(&stderr, &["stopped after 5 pages", "hint:", "max_pages"]);

    // Page numbers without a total and pages that are never short: the same cap.
    site.env.write_config(&acme(settings, &format!("pagination = {{ kind = \"page\", param = \"page\" }}\n{records}")));
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert_eq!(api.hits(), 10);
    contains_all(&stderr, &["stopped after 5 pages"]);
}

#[test]
fn an_answer_without_the_records_path_fails_with_exit_7() {
    let (api, script) = Fixture::scripted([Reply::json(json!({ "error": "no such tenant" }))]);
    let site = Site::new(&acme(FAST, "records = { path = \"$.clients[*]\" }"), &api);
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    contains_all(&stderr, &["acme-psa", "expected an array at $.clients", "found nothing there", "hint:", "records"]);
    script.set([Reply::json(json!({ "clients": { "id": 1 } }))]);
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    contains_all(&stderr, &["expected an array at $.clients, found an object"]);
    // An empty array is an empty list, not an error.
    script.set([Reply::json(json!({ "clients": [] }))]);
    assert_eq!(site.json(&["discover", "acme-psa"])["total"], 0);
}

#[test]
fn an_id_that_is_a_float_an_object_or_has_control_characters_fails_naming_the_record() {
    for (records, expected) in [
        (json!([{ "id": 1, "name": "ok" }, { "id": 1.5, "name": "Float" }]), "record 1: the ID at $.id is a number"),
        (json!([{ "id": { "value": 7 }, "name": "Object" }]), "record 0: the ID at $.id is an object"),
        (json!([{ "id": true }]), "record 0: the ID at $.id is a boolean"),
        (json!([{ "name": "No ID" }]), "record 0: no ID at $.id"),
        (json!([{ "id": "12\u{1b}[2J", "name": "Escape" }]), "record 0: the ID is empty"),
    ] {
        let (api, _) = Fixture::scripted([Reply::json(records)]);
        let site = Site::new(&acme(FAST, ""), &api);
        let stderr = site.fails(7, &["discover", "acme-psa"]);
        contains_all(&stderr, &["acme-psa", expected]);
        assert!(!stderr.contains('\u{1b}'), "an escape sequence reached the terminal: {stderr:?}");
    }
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    let date = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&at).unwrap();
    let (api, _) = Fixture::scripted([Reply::status(503).header("retry-after", &date), two_orgs()]);
    let site = Site::new(&acme(FAST, ""), &api);
    let started = Instant::now();
    assert_eq!(site.json(&["discover", "acme-psa"])["total"], 2);
    assert!(started.elapsed() >= Duration::from_millis(900), "waited only {:?} for {date}", started.elapsed());
    assert_eq!(api.hits(), 2);
}

#[test]
fn a_port_where_nothing_listens_fails_with_exit_7_after_retrying() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let site = Site { env: TestEnv::with_config(&acme(FAST, "")), vars: vec![("FIXTURE_URL".into(), base.clone())] };
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    contains_all(&stderr, &["acme-psa", "cannot reach", &format!("{base}/orgs"), "hint:"]);
}

// ---------------------------------------------------------------------------------------------
// Long lists and pagination

#[test]
fn ten_thousand_organizations_over_100_pages_fetched_concurrently() {
    let api = Fixture::serve(|req| {
        let page = req.number("page").unwrap_or(1);
        let size = req.number("per_page").unwrap_or(100);
        let first = (page - 1) * size + 1;
        let count = if first > 10_000 { 0 } else { size.min(10_001 - first) };
        Reply::json(json!({ "total": 10_000, "items": orgs(first, count) })).after(Duration::from_millis(10))
    });
    let list = "pagination = { kind = \"page\", param = \"page\", size_param = \"per_page\", size = 100, total_count = \"$.total\" }\nrecords = { path = \"$.items[*]\" }";
    let site = Site::new(&acme("timeout = \"5s\"\nconcurrency = 3", list), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(listing["total"], 10_000);
    let organizations = listing["organizations"].as_array().unwrap();
    assert_eq!(organizations.len(), 10_000);
    assert!(organizations.iter().all(|o| o["id"].is_string()), "integer IDs are stored as strings");
    let unique: BTreeSet<&str> = organizations.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 10_000, "no duplicates");
    let expected: BTreeSet<String> = (1..=10_000).map(|i| i.to_string()).collect();
    assert_eq!(unique, expected.iter().map(String::as_str).collect());
    assert_eq!(organizations[0]["name"], "Org 1");
    let mut pages: Vec<u64> = api.seen().iter().map(|r| r.number("page").unwrap()).collect();
    pages.sort_unstable();
    assert_eq!(pages, (1..=100).collect::<Vec<_>>(), "each page once");
    assert!(api.seen().iter().all(|r| r.number("per_page") == Some(100)));
    let peak = api.peak_in_flight();
    assert!((2..=3).contains(&peak), "pages in flight at once: {peak} (concurrency = 3)");
}

#[test]
fn offset_pagination_with_a_total_count() {
    let api = Fixture::serve(|req| {
        let offset = req.number("offset").unwrap();
        let limit = req.number("limit").unwrap();
        let count = limit.min(230u64.saturating_sub(offset));
        Reply::json(json!({ "meta": { "total": "230" }, "data": orgs(offset + 1, count) }))
    });
    let list = "pagination = { kind = \"offset\", offset_param = \"offset\", limit_param = \"limit\", limit = 50, total_count = \"$.meta.total\" }\nrecords = { path = \"$.data[*]\" }";
    let site = Site::new(&acme(FAST, list), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(listing["total"], 230);
    assert_eq!(ids(&listing), (1..=230).map(|i| i.to_string()).collect::<Vec<_>>());
    let mut offsets: Vec<u64> = api.seen().iter().map(|r| r.number("offset").unwrap()).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, [0, 50, 100, 150, 200]);
}

#[test]
fn keyset_pagination_follows_the_last_id() {
    let api = Fixture::serve(|req| {
        let after = req.number("after").unwrap_or(0);
        let limit = req.number("limit").unwrap();
        let count = limit.min(120u64.saturating_sub(after));
        Reply::json(json!(orgs(after + 1, count)))
    });
    let list = "pagination = { kind = \"keyset\", param = \"after\", size_param = \"limit\", size = 50 }";
    let site = Site::new(&acme(FAST, list), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(ids(&listing), (1..=120).map(|i| i.to_string()).collect::<Vec<_>>());
    let cursors: Vec<Option<u64>> = api.seen().iter().map(|r| r.number("after")).collect();
    assert_eq!(cursors, [None, Some(50), Some(100)], "the last page is short, so it is the last");
}

#[test]
fn link_header_pagination() {
    let api = Fixture::serve(|req| {
        let page = req.number("page").unwrap_or(1);
        let mut reply = Reply::json(json!({ "companies": orgs(page * 100, 10) }));
        let prev = format!("<{}/orgs?page={}>; rel=\"prev\"", req.base, page.max(2) - 1);
        if page < 3 {
            reply = reply.header("link", &format!("{prev}, <{}/orgs?page={}>; rel=\"next\"", req.base, page + 1));
        } else {
            reply = reply.header("link", &prev);
        }
        reply
    });
    let site = Site::new(
        &acme(FAST, "pagination = { kind = \"link_header\" }\nrecords = { path = \"$.companies[*]\" }"),
        &api,
    );
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(listing["total"], 30);
    assert_eq!(api.hits(), 3);
    assert_eq!(ids(&listing)[29], "309");
}

#[test]
fn next_url_pagination_resolves_relative_links() {
    let api = Fixture::serve(|req| match (req.path.as_str(), req.number("page")) {
        ("/api/orgs", None) => Reply::json(json!({ "value": orgs(1, 3), "@odata.nextLink": "/api/orgs?page=2" })),
        ("/api/orgs", Some(2)) => Reply::json(json!({ "value": orgs(4, 3), "@odata.nextLink": "orgs?page=3" })),
        ("/api/orgs", Some(3)) => Reply::json(json!({ "value": orgs(7, 1), "@odata.nextLink": null })),
        _ => Reply::status(404),
    });
    let list =
        "pagination = { kind = \"next_url\", path = \"$['@odata.nextLink']\" }\nrecords = { path = \"$.value[*]\" }";
    let site = Site::new(&integration("acme-psa", "/api/orgs", FAST, list), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(ids(&listing), ["1", "2", "3", "4", "5", "6", "7"]);
    let requested: Vec<(String, Option<u64>)> = api.seen().iter().map(|r| (r.path.clone(), r.number("page"))).collect();
    assert_eq!(
        requested,
        [("/api/orgs".to_owned(), None), ("/api/orgs".to_owned(), Some(2)), ("/api/orgs".to_owned(), Some(3))]
    );
}

// ---------------------------------------------------------------------------------------------
// Credentials

const TOKEN: &str = "tok-5ecret-0123456789";

fn with_token_secret(auth: &str) -> String {
    format!(
        "timeout = \"1s\"\nretries = 1\nauth = {auth}\n\n[integrations.acme-psa.secrets]\ntoken = {{ env = \"ACME_TOKEN\" }}"
    )
}

#[test]
fn credentials_go_to_the_list_origin_and_not_to_a_next_link_on_another_origin() {
    for (auth, header, value) in [
        ("{ kind = \"bearer\", token = \"{secret.token}\" }", "authorization", format!("Bearer {TOKEN}")),
        ("{ kind = \"headers\", headers = { \"x-api-key\" = \"{secret.token}\" } }", "x-api-key", TOKEN.to_owned()),
    ] {
        let elsewhere = Fixture::serve(|_| Reply::json(json!({ "items": orgs(3, 2), "next": null })));
        let next = format!("{}/more?page=2", elsewhere.base());
        let api = Fixture::serve(move |_| Reply::json(json!({ "items": orgs(1, 2), "next": next })));
        let list = "pagination = { kind = \"next_url\", path = \"$.next\" }\nrecords = { path = \"$.items[*]\" }";
        let site = Site::new(&acme(&with_token_secret(auth), list), &api).var("ACME_TOKEN", TOKEN);
        let listing = site.json(&["discover", "acme-psa"]);
        assert_eq!(ids(&listing), ["1", "2", "3", "4"]);
        assert_eq!(api.seen()[0].header(header), Some(value.as_str()), "{auth}");
        let other = elsewhere.seen();
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].header(header), None, "{auth}: the credentials went to another origin");
        assert_eq!(other[0].header("authorization"), None);
    }
}

#[test]
fn an_oauth2_token_is_fetched_once_per_run_and_reused_for_every_page() {
    let access = "oauth-access-token-987654321";
    let api = Fixture::serve(move |req| {
        if req.path == "/token" {
            return Reply::json(json!({ "access_token": access, "token_type": "Bearer", "expires_in": 3600 }));
        }
        if req.header("authorization") != Some(&format!("Bearer {access}")) {
            return Reply::status(401);
        }
        let page = req.number("page").unwrap_or(1);
        Reply::json(json!({ "total_pages": 5, "items": orgs(page * 10, 2) })).after(Duration::from_millis(5))
    });
    let settings = r#"timeout = "1s"
retries = 1
auth = { kind = "oauth2", grant = "client_credentials", token_url = "{env.FIXTURE_URL}/token", client_id = "orgmap-test", client_secret = "{secret.client_secret}", scope = "orgs.read" }

[integrations.acme-psa.secrets]
client_secret = { env = "ACME_CLIENT_SECRET" }"#;
    let list = "pagination = { kind = \"page\", param = \"page\", total_pages = \"$.total_pages\" }\nrecords = { path = \"$.items[*]\" }";
    let site = Site::new(&acme(settings, list), &api).var("ACME_CLIENT_SECRET", "client-s3cret-value");
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(listing["total"], 10);
    let seen = api.seen();
    let tokens: Vec<_> = seen.iter().filter(|r| r.path == "/token").collect();
    assert_eq!(tokens.len(), 1, "one token request per run");
    assert_eq!(seen.iter().filter(|r| r.path == "/orgs").count(), 5);
    assert_eq!(tokens[0].method, "POST");
    contains_all(
        &tokens[0].body,
        &[
            "grant_type=client_credentials",
            "client_id=orgmap-test",
            "client_secret=client-s3cret-value",
            "scope=orgs.read",
        ],
    );
    site.json(&["discover", "acme-psa", "--refresh"]);
    assert_eq!(api.seen().iter().filter(|r| r.path == "/token").count(), 2, "a new run, a new token");
}

#[test]
fn a_401_fails_with_exit_7_and_a_credentials_hint_that_shows_no_secret() {
    let (api, _) =
        Fixture::scripted([Reply::raw(401, "application/json", &format!("{{\"error\": \"invalid token {TOKEN}\"}}"))]);
    let auth = "{ kind = \"bearer\", token = \"{secret.token}\" }";
    let site = Site::new(&acme(&with_token_secret(auth), ""), &api).var("ACME_TOKEN", TOKEN);
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    assert_eq!(api.hits(), 1, "a 401 is not retried");
    contains_all(&stderr, &["401", "hint:", "credentials", "[integrations.acme-psa.secrets]"]);
    assert!(!stderr.contains(TOKEN), "the secret leaked: {stderr}");
    let error = site.json_error(7, &["discover", "acme-psa"]);
    assert!(!error.to_string().contains(TOKEN), "the secret leaked: {error}");
    assert!(error["hint"].as_str().unwrap().contains("credentials"), "{error}");
}

#[test]
fn a_refused_token_request_fails_with_exit_7_and_shows_no_client_secret() {
    let client_secret = "client-s3cret-value";
    let api = Fixture::serve(move |req| {
        if req.path == "/token" {
            return Reply::raw(401, "application/json", &format!("{{\"error\": \"invalid_client {client_secret}\"}}"));
        }
        Reply::json(json!([]))
    });
    let settings = r#"timeout = "1s"
retries = 1
auth = { kind = "oauth2", grant = "client_credentials", token_url = "{env.FIXTURE_URL}/token", client_id = "orgmap-test", client_secret = "{secret.client_secret}" }

[integrations.acme-psa.secrets]
client_secret = { env = "ACME_CLIENT_SECRET" }"#;
    let site = Site::new(&acme(settings, ""), &api).var("ACME_CLIENT_SECRET", client_secret);
    let stderr = site.fails(7, &["discover", "acme-psa"]);
    contains_all(
        &stderr,
        &["access token", "401", "hint:", "token request was refused", "[integrations.acme-psa.secrets]"],
    );
    assert!(!stderr.contains(client_secret), "the secret leaked: {stderr}");
    assert!(api.seen().iter().all(|r| r.path == "/token"), "no list request without a token");
}

#[test]
// Regression: a {secret.*} in list_organizations.headers is sent to a next link on another origin
fn a_secret_in_the_list_headers_is_not_sent_to_another_origin() {
    let elsewhere = Fixture::serve(|_| Reply::json(json!({ "items": orgs(3, 2), "next": null })));
    let next = format!("{}/more?page=2", elsewhere.base());
    let api = Fixture::serve(move |_| Reply::json(json!({ "items": orgs(1, 2), "next": next })));
    let list = "headers = { \"x-api-key\" = \"{secret.token}\" }\npagination = { kind = \"next_url\", path = \"$.next\" }\nrecords = { path = \"$.items[*]\" }";
    let settings = format!("{FAST}\n\n[integrations.acme-psa.secrets]\ntoken = {{ env = \"ACME_TOKEN\" }}");
    let site = Site::new(&acme(&settings, list), &api).var("ACME_TOKEN", TOKEN);
    assert_eq!(ids(&site.json(&["discover", "acme-psa"])), ["1", "2", "3", "4"]);
    assert_eq!(api.seen()[0].header("x-api-key"), Some(TOKEN));
    assert_eq!(elsewhere.seen()[0].header("x-api-key"), None, "the secret went to another origin");
}

#[test]
fn a_missing_secret_makes_the_integration_not_configured() {
    let (api, _) = Fixture::scripted([Reply::json(json!([{ "id": 1 }]))]);
    let auth = "{ kind = \"bearer\", token = \"{secret.token}\" }";
    let site = Site::new(&acme(&with_token_secret(auth), ""), &api);
    let listed = site.json(&["integrations"]);
    assert_eq!(listed[0]["name"], "acme-psa");
    assert_eq!(listed[0]["configured"], false);
    assert_eq!(listed[0]["missing"], json!(["environment variable ACME_TOKEN"]));
    let table = site.ok(&["integrations"]);
    contains_all(&table, &["no: set ACME_TOKEN"]);

    let error = site.json_error(5, &["discover", "acme-psa"]);
    assert_eq!(error["kind"], "not_configured");
    assert!(error["message"].as_str().unwrap().contains("ACME_TOKEN"), "{error}");
    let stderr = site.fails(5, &["discover", "acme-psa"]);
    contains_all(&stderr, &["not configured", "ACME_TOKEN", "hint:"]);
    assert_eq!(api.hits(), 0, "nothing was fetched");

    let configured = Site::new(&acme(&with_token_secret(auth), ""), &api).var("ACME_TOKEN", TOKEN);
    assert_eq!(configured.json(&["integrations"])[0]["configured"], true);
    assert_eq!(configured.json(&["integrations"])[0]["missing"], json!([]));
}

#[test]
fn refresh_of_all_skips_an_unconfigured_integration_and_refreshes_the_others() {
    let (api, script) = Fixture::scripted([Reply::json(json!([{ "id": 1, "name": "A" }, { "id": 2, "name": "B" }]))]);
    let auth = "{ kind = \"bearer\", token = \"{secret.token}\" }";
    let config = format!("{}{}", acme(&with_token_secret(auth), ""), integration("beta-rmm", "/orgs", FAST, ""));
    let site = Site::new(&config, &api);
    let out = site.run(&["refresh"]);
    expect(&out, 0, &["refresh"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    contains_all(&stderr, &["acme-psa: skipped, not configured here", "ACME_TOKEN"]);
    contains_all(&stdout, &["beta-rmm: 2 organizations"]);
    assert_eq!(api.hits(), 1, "only beta-rmm was fetched");

    let reports = site.json(&["refresh"]);
    let outcome = |name: &str| reports.as_array().unwrap().iter().find(|r| r["integration"] == name).unwrap().clone();
    assert_eq!(outcome("acme-psa")["outcome"], "skipped");
    assert!(outcome("acme-psa")["error"].as_str().unwrap().contains("ACME_TOKEN"));
    assert_eq!(outcome("beta-rmm")["outcome"], "refreshed");
    assert_eq!(outcome("beta-rmm")["total"], 2);

    // When another integration fails, refresh exits 7 and keeps its cached list.
    script.set([Reply::status(500)]);
    let out = site.run(&["refresh", "--json"]);
    expect(&out, 7, &["refresh", "--json"]);
    let reports: Value = serde_json::from_slice(&out.stdout).expect("the reports are printed even so");
    let failed = reports.as_array().unwrap().iter().find(|r| r["integration"] == "beta-rmm").unwrap();
    assert_eq!(failed["outcome"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("500"), "{failed}");
    let listing = site.json(&["discover", "beta-rmm", "--offline"]);
    assert_eq!(ids(&listing), ["1", "2"]);
}

#[test]
// Regression: refresh exited 0 for an integration named on its command line and not configured
fn refresh_of_a_named_unconfigured_integration_exits_5_after_refreshing_the_others() {
    let (api, _) = Fixture::scripted([Reply::json(json!([{ "id": 1, "name": "A" }]))]);
    let auth = "{ kind = \"bearer\", token = \"{secret.token}\" }";
    let config = format!("{}{}", acme(&with_token_secret(auth), ""), integration("beta-rmm", "/orgs", FAST, ""));
    let site = Site::new(&config, &api);
    let out = site.run(&["refresh", "acme-psa", "beta-rmm", "--json"]);
    expect(&out, 5, &["refresh", "acme-psa", "beta-rmm", "--json"]);
    let reports: Value = serde_json::from_slice(&out.stdout).expect("the reports are printed even so");
    assert_eq!(reports[0]["outcome"], "not_configured", "{reports}");
    assert_eq!(reports[1]["outcome"], "refreshed", "{reports}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    contains_all(&stderr, &["not configured", "ACME_TOKEN"]);
}

#[test]
fn discover_of_an_unconfigured_integration_shows_a_cached_list_marked_stale_and_exits_0() {
    let (api, _) = Fixture::scripted([two_orgs()]);
    let auth = "{ kind = \"bearer\", token = \"{secret.token}\" }";
    let config = acme(&with_token_secret(auth).replace("timeout = \"1s\"", "timeout = \"1s\"\ncache_ttl = \"0s\""), "");
    let configured = Site::new(&config, &api).var("ACME_TOKEN", TOKEN);
    assert_eq!(ids(&configured.json(&["discover", "acme-psa"])), ["1", "2"]);
    let vars = configured.vars.iter().filter(|(name, _)| name != "ACME_TOKEN").cloned().collect();
    let site = Site { env: configured.env, vars };
    let out = site.run(&["discover", "acme-psa"]);
    expect(&out, 0, &["discover", "acme-psa"]);
    contains_all(&String::from_utf8_lossy(&out.stderr), &["not configured", "showing the list cached"]);
}

// ---------------------------------------------------------------------------------------------
// The cache

fn two_orgs() -> Reply {
    Reply::json(json!([{ "id": 1, "name": "Acme Corp" }, { "id": 2, "name": "Globex" }]))
}

#[test]
fn a_second_discover_within_the_cache_ttl_does_not_fetch() {
    let (api, _) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme(FAST, ""), &api);
    let first = site.json(&["discover", "acme-psa"]);
    assert_eq!(first["origin"], "fresh");
    assert_eq!(first["source"], "http");
    let second = site.json(&["discover", "acme-psa"]);
    assert_eq!(api.hits(), 1);
    assert_eq!(second["origin"], "cache");
    assert_eq!(second["warning"], Value::Null);
    assert_eq!(second["organizations"], first["organizations"]);
    let out = site.run(&["discover", "acme-psa"]);
    contains_all(&String::from_utf8_lossy(&out.stderr), &["2 organizations", "(cached)"]);
    assert_eq!(api.hits(), 1);
    let cache = &site.json(&["integrations", "acme-psa"])[0]["cache"];
    assert_eq!(cache["count"], 2);
    assert_eq!(cache["source"], "http");
}

#[test]
fn after_the_cache_ttl_the_list_is_fetched_again() {
    let (api, _) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme("timeout = \"1s\"\nretries = 1\ncache_ttl = \"1s\"", ""), &api);
    assert_eq!(site.json(&["discover", "acme-psa"])["origin"], "fresh");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(site.json(&["discover", "acme-psa"])["origin"], "fresh");
    assert_eq!(api.hits(), 2);
}

#[test]
fn refresh_flag_always_fetches() {
    let (api, script) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme(FAST, ""), &api);
    site.json(&["discover", "acme-psa"]);
    script.set([Reply::json(json!([{ "id": 3, "name": "Initech" }]))]);
    let listing = site.json(&["discover", "acme-psa", "--refresh"]);
    assert_eq!(api.hits(), 2);
    assert_eq!(listing["origin"], "fresh");
    assert_eq!(ids(&listing), ["3"]);
    site.json(&["discover", "acme-psa", "--refresh"]);
    assert_eq!(api.hits(), 3);
    // --refresh and --offline contradict each other.
    site.fails(2, &["discover", "acme-psa", "--refresh", "--offline"]);
}

#[test]
fn offline_never_fetches_and_without_a_cache_exits_2() {
    let (api, _) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme("timeout = \"1s\"\nretries = 1\ncache_ttl = \"1s\"", ""), &api);
    let stderr = site.fails(2, &["discover", "acme-psa", "--offline"]);
    contains_all(&stderr, &["no cached list", "hint:", "without --offline"]);
    assert_eq!(api.hits(), 0);
    site.json(&["discover", "acme-psa"]);
    assert_eq!(api.hits(), 1);
    std::thread::sleep(Duration::from_millis(1100));
    let base = api.base();
    drop(api);
    let listing = site.json(&["discover", "acme-psa", "--offline"]);
    assert_eq!(listing["origin"], "stale");
    assert_eq!(listing["warning"], Value::Null, "offline is no failure");
    assert_eq!(ids(&listing), ["1", "2"]);
    let out = site.run(&["discover", "acme-psa", "--offline"]);
    expect(&out, 0, &["discover", "acme-psa", "--offline"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Globex"));
    // And the server really is gone: without --offline, the fetch fails and the cache is shown.
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(listing["origin"], "stale");
    assert!(listing["warning"].as_str().unwrap().contains(&base), "{listing}");
}

#[test]
fn when_fetching_fails_the_cached_list_is_shown_stale_with_a_warning() {
    let (api, script) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme(FAST, ""), &api);
    site.json(&["discover", "acme-psa"]);
    std::thread::sleep(Duration::from_millis(1100));
    script.set([Reply::status(500)]);
    let out = site.run(&["discover", "acme-psa", "--refresh"]);
    expect(&out, 0, &["discover", "acme-psa", "--refresh"]);
    assert_eq!(api.hits(), 3, "the first fetch, then one attempt and one retry");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    contains_all(&stdout, &["Acme Corp", "Globex"]);
    contains_all(&stderr, &["warning:", "acme-psa", "500", "showing the list cached", "s ago", "(stale)"]);
    assert!(regex_like_age(&stderr), "the warning says how old the list is: {stderr}");

    let listing = site.json(&["discover", "acme-psa", "--refresh"]);
    assert_eq!(listing["origin"], "stale");
    assert_eq!(ids(&listing), ["1", "2"]);
    assert!(listing["age_seconds"].as_u64().unwrap() >= 1);
    assert!(listing["warning"].as_str().unwrap().contains("500"), "{listing}");
}

/// Whether `text` says `cached N s ago` with N ≥ 1.
fn regex_like_age(text: &str) -> bool {
    text.split("cached ").skip(1).any(|rest| {
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        rest[number.len()..].starts_with(" s ago") && number.parse::<u64>().is_ok_and(|n| n >= 1)
    })
}

#[test]
fn when_throttled_for_long_the_cached_list_is_shown_stale_at_once() {
    let (api, script) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme("timeout = \"1s\"\nretries = 3\ncache_ttl = \"0s\"", ""), &api);
    site.json(&["discover", "acme-psa"]);
    script.set([Reply::status(429).header("retry-after", "3600")]);
    let started = Instant::now();
    let out = site.run(&["discover", "acme-psa"]);
    expect(&out, 0, &["discover", "acme-psa"]);
    assert!(started.elapsed() < Duration::from_secs(10), "orgmap waited for the Retry-After");
    assert_eq!(api.hits(), 2);
    contains_all(&String::from_utf8_lossy(&out.stderr), &["warning:", "throttling", "429", "showing the list cached"]);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(listing["origin"], "stale");
    assert!(listing["warning"].as_str().unwrap().contains("throttling"), "{listing}");
    assert_eq!(listing["total"], 2);
}

// ---------------------------------------------------------------------------------------------
// Drift

#[test]
fn refresh_reports_drift_and_list_marks_the_stale_mappings() {
    let (api, script) = Fixture::scripted([Reply::json(json!([
        { "id": 1, "name": "Alpha" },
        { "id": 2, "name": "Bravo" },
        { "id": 3, "name": "Charlie" },
    ]))]);
    let site = Site::new(&acme(FAST, ""), &api);
    let first = site.json(&["refresh"]);
    assert_eq!(first[0]["outcome"], "refreshed");
    assert_eq!(first[0]["added"], json!([]), "the first list is no drift");
    for (org, name) in [("acme", "Acme"), ("globex", "Globex"), ("initech", "Initech")] {
        site.ok(&["org", "add", org, "--name", name]);
    }
    let ok = site.ok(&["map", "acme-psa", "1", "--org", "acme", "--name", "Alpha"]).trim().to_owned();
    let renamed = site.ok(&["map", "acme-psa", "2", "--org", "globex", "--name", "Bravo"]).trim().to_owned();
    let missing = site.ok(&["map", "acme-psa", "3", "--org", "initech", "--name", "Charlie"]).trim().to_owned();
    assert!(site.json(&["list", "--stale"]).as_array().unwrap().is_empty());

    script.set([Reply::json(json!([
        { "id": 1, "name": "Alpha" },
        { "id": 2, "name": "Bravo Holdings" },
        { "id": 4, "name": "Delta" },
    ]))]);
    let reports = site.json(&["refresh"]);
    let report = &reports[0];
    assert_eq!(report["integration"], "acme-psa");
    assert_eq!(report["outcome"], "refreshed");
    assert_eq!(report["total"], 3);
    assert_eq!(report["added"], json!([{ "id": "4", "name": "Delta" }]));
    assert_eq!(report["removed"], json!([{ "id": "3", "name": "Charlie" }]));
    assert_eq!(report["renamed"], json!([{ "id": "2", "old_name": "Bravo", "new_name": "Bravo Holdings" }]));
    let mut affected: Vec<(String, String, String)> = report["affected_mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mapping_id"].as_str().unwrap().to_owned(),
                m["external_org_id"].as_str().unwrap().to_owned(),
                m["upstream"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    affected.sort();
    let mut expected = vec![
        (renamed.clone(), "2".to_owned(), "renamed upstream".to_owned()),
        (missing.clone(), "3".to_owned(), "missing upstream".to_owned()),
    ];
    expected.sort();
    assert_eq!(affected, expected);

    let stale = site.json(&["list", "--stale"]);
    let mut stale_ids: Vec<&str> =
        stale.as_array().unwrap().iter().map(|m| m["mapping_id"].as_str().unwrap()).collect();
    stale_ids.sort_unstable();
    let mut want = vec![renamed.as_str(), missing.as_str()];
    want.sort_unstable();
    assert_eq!(stale_ids, want);

    let all = site.json(&["list"]);
    let upstream_of =
        |id: &str| all.as_array().unwrap().iter().find(|m| m["mapping_id"] == id).unwrap()["upstream"].clone();
    assert_eq!(upstream_of(&ok), "ok");
    assert_eq!(upstream_of(&renamed), "renamed upstream");
    assert_eq!(upstream_of(&missing), "missing upstream");

    let table = site.ok(&["list", "--stale"]);
    assert_eq!(table.lines().count(), 3, "a header and the two stale mappings:\n{table}");
    contains_all(&table, &["UPSTREAM", &renamed, &missing, "renamed upstream", "missing upstream"]);
    assert!(!table.contains(&ok));

    // The text report of a refresh that finds no further change.
    let text = site.ok(&["refresh", "acme-psa"]);
    contains_all(&text, &["acme-psa: 3 organizations; 0 added, 0 removed, 0 renamed", "missing upstream"]);
}

// ---------------------------------------------------------------------------------------------
// Search and output

fn search_fixture() -> Fixture {
    Fixture::scripted([Reply::json(json!([
        { "id": 1001, "name": "Acme Corp" },
        { "id": 1002, "name": "ACME Labs" },
        { "id": 2001, "name": "Globex" },
        { "id": "X-77", "name": "Initech" },
        { "id": 3001 },
    ]))])
    .0
}

#[test]
fn search_is_case_insensitive_on_names_and_ids_and_limit_caps_the_rows() {
    let api = search_fixture();
    let site = Site::new(&acme(FAST, ""), &api);
    let search = |args: &[&str]| {
        let mut all = vec!["discover", "acme-psa"];
        all.extend_from_slice(args);
        ids(&site.json(&all))
    };
    assert_eq!(search(&["--search", "acme"]), ["1001", "1002"]);
    assert_eq!(search(&["-s", "aCmE lAbS"]), ["1002"]);
    assert_eq!(search(&["--search", "x-7"]), ["X-77"]);
    assert_eq!(search(&["--search", "200"]), ["2001"]);
    assert_eq!(search(&["--search", "300"]), ["3001"], "an organization without a name is found by its ID");
    assert!(search(&["--search", "umbrella"]).is_empty());
    assert_eq!(search(&["--limit", "2"]), ["1001", "1002"]);
    assert_eq!(search(&["--search", "acme", "--limit", "1"]), ["1001"]);
    assert_eq!(site.json(&["discover", "acme-psa", "--limit", "2"])["total"], 5, "total counts the whole list");
    let out = site.run(&["discover", "acme-psa", "--search", "ACME"]);
    expect(&out, 0, &[]);
    contains_all(&String::from_utf8_lossy(&out.stderr), &["5 organizations, 2 matching"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(table.lines().count(), 3, "{table}");
    contains_all(&table, &["ID", "NAME", "STATUS", "MAPPED TO", "Acme Corp", "ACME Labs"]);
    assert_eq!(api.hits(), 1, "searches read the cache");
}

#[test]
fn mapped_to_lists_the_active_organizations_mapped_to_each_external_org() {
    let api = search_fixture();
    let site = Site::new(&acme(FAST, ""), &api);
    for org in ["acme", "globex", "initech"] {
        site.ok(&["org", "add", org, "--name", org]);
    }
    site.ok(&["map", "acme-psa", "1001", "--org", "acme"]);
    site.ok(&["map", "acme-psa", "1001", "--org", "globex", "--allow-shared"]);
    let inactive = site.ok(&["map", "acme-psa", "2001", "--org", "initech"]).trim().to_owned();
    site.ok(&["edit", &inactive, "--deactivate"]);
    let listing = site.json(&["discover", "acme-psa"]);
    let mapped = |id: &str| {
        let org = listing["organizations"].as_array().unwrap().iter().find(|o| o["id"] == id).unwrap();
        let mut orgs: Vec<String> =
            org["mapped_to"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        orgs.sort();
        orgs
    };
    assert_eq!(mapped("1001"), ["acme", "globex"]);
    assert!(mapped("1002").is_empty());
    assert!(mapped("2001").is_empty(), "inactive mappings are not shown");
    let table = site.ok(&["discover", "acme-psa", "--search", "1001"]);
    let row = table.lines().find(|l| l.contains("1001")).unwrap();
    assert!(row.contains("acme") && row.contains("globex"), "{row}");
    let row = site.ok(&["discover", "acme-psa", "--search", "2001"]);
    assert!(row.lines().nth(1).unwrap().trim_end().ends_with('-'), "{row}");
}

#[test]
fn names_with_escape_sequences_are_cleaned_when_read_and_sanitised_in_the_table() {
    let evil = "Evil\u{1b}[31mCorp\u{202e}";
    let (api, _) = Fixture::scripted([Reply::json(json!([{ "id": 1, "name": evil }, { "id": 2, "name": "Fine" }]))]);
    let site = Site::new(&acme(FAST, ""), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    // Control characters are replaced by spaces when a name is read; bidi overrides are kept in
    // the data and neutralised on display.
    assert_eq!(listing["organizations"][0]["name"], "Evil [31mCorp\u{202e}");
    let out = site.run(&["discover", "acme-psa"]);
    expect(&out, 0, &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'), "{stdout:?}");
    assert!(stdout.contains("Evil [31mCorp\u{FFFD}"), "{stdout:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
}

#[test]
fn status_and_inactive_records_and_kept_fields() {
    let (api, _) = Fixture::scripted([Reply::json(json!({ "clients": [
        { "id": 1, "name": "Acme", "inactive": false, "ref": "AC-1" },
        { "id": 2, "name": "Gone", "inactive": true, "ref": "GO-2" },
        { "id": 3, "name": "Placeholder", "inactive": false },
    ]}))]);
    let list = r#"records = { path = "$.clients[*]", keep = { reference = "$.ref" }, inactive = [{ path = "$.inactive", eq = true }], exclude = [{ path = "$.name", eq = "Placeholder" }] }"#;
    let site = Site::new(&acme(FAST, list), &api);
    let listing = site.json(&["discover", "acme-psa"]);
    assert_eq!(ids(&listing), ["1", "2"]);
    assert_eq!(listing["organizations"][0]["active"], true);
    assert_eq!(listing["organizations"][1]["active"], false);
    assert_eq!(listing["organizations"][0]["extra"], json!({ "reference": "AC-1" }));
    let table = site.ok(&["discover", "acme-psa"]);
    assert!(table.lines().any(|l| l.contains("Gone") && l.contains("inactive")), "{table}");
}

#[test]
fn discover_of_an_integration_without_a_list_or_unknown_fails_with_exit_5() {
    let env = TestEnv::initialized();
    let stderr = env.fails(5, &["discover", "demo"]);
    contains_all(&stderr, &["no list_organizations", "hint:"]);
    let error = env.json_error(5, &["discover", "nope"]);
    assert_eq!(error["kind"], "unknown_integration");
    env.fails(5, &["refresh", "demo"]);
}

// ---------------------------------------------------------------------------------------------
// Command provider

fn command_config(argv: &str, extra: &str) -> String {
    format!(
        "[integrations.scripted]\ndisplay_name = \"Scripted\"\nsupports_org_mapping = true\n\n\
         [integrations.scripted.list_organizations]\nkind = \"command\"\nargv = {argv}\n{extra}\n"
    )
}

#[test]
fn a_command_that_prints_json_is_discovered() {
    let site = Site::local("");
    let path = script(
        site.env.path(),
        "list.sh",
        r#"printf '[{"id": 1, "name": "From %s"}, {"id": "abc-9", "name": "Second"}]' "$1""#,
    );
    site.env.write_config(&command_config(&format!("[\"{}\", \"{{env.SCRIPT_ARG:-default}}\"]", path.display()), ""));
    let listing = site.json(&["discover", "scripted"]);
    assert_eq!(listing["source"], "command");
    assert_eq!(ids(&listing), ["1", "abc-9"]);
    assert_eq!(listing["organizations"][0]["name"], "From default");
    let site = site.var("SCRIPT_ARG", "template");
    let listing = site.json(&["discover", "scripted", "--refresh"]);
    assert_eq!(listing["organizations"][0]["name"], "From template");
}

#[test]
fn a_failing_command_exits_7_with_its_stderr() {
    let site = Site::local("");
    let path = script(site.env.path(), "fail.sh", "echo 'starting' >&2\necho 'boom' >&2\nexit 3");
    site.env.write_config(&command_config(&format!("[\"{}\"]", path.display()), ""));
    let stderr = site.fails(7, &["discover", "scripted"]);
    contains_all(&stderr, &["scripted", "failed", "boom"]);
}

#[test]
fn a_command_that_outlives_its_timeout_exits_7() {
    let site = Site::local("");
    let path = script(site.env.path(), "slow.sh", "exec sleep 20");
    site.env.write_config(&command_config(&format!("[\"{}\"]", path.display()), "timeout = \"1s\""));
    let started = Instant::now();
    let stderr = site.fails(7, &["discover", "scripted"]);
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    contains_all(&stderr, &["did not finish within 1 s", "hint:", "timeout"]);
}

#[test]
fn a_command_that_prints_no_json_exits_7() {
    let site = Site::local("");
    let path = script(site.env.path(), "text.sh", "echo 'Acme Corp, Globex'");
    site.env.write_config(&command_config(&format!("[\"{}\"]", path.display()), ""));
    let stderr = site.fails(7, &["discover", "scripted"]);
    contains_all(&stderr, &["did not print JSON", "hint:"]);
    let missing = site.env.path().join("no-such-program");
    site.env.write_config(&command_config(&format!("[\"{}\"]", missing.display()), ""));
    let stderr = site.fails(7, &["discover", "scripted"]);
    contains_all(&stderr, &["cannot start"]);
}

#[test]
// Regression: discover's stale warning prints a failing command's stderr unsanitised (escape sequences reach the terminal)
fn the_stale_warning_of_a_failing_command_is_sanitised() {
    let site = Site::local("");
    let path = script(site.env.path(), "list.sh", r#"echo '[{"id": 1, "name": "A"}]'"#);
    site.env.write_config(&command_config(&format!("[\"{}\"]", path.display()), ""));
    site.json(&["discover", "scripted"]);
    script(site.env.path(), "list.sh", r#"printf 'bad\033[2Jthing\n' >&2; exit 1"#);
    let out = site.run(&["discover", "scripted", "--refresh"]);
    expect(&out, 0, &["discover", "scripted", "--refresh"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    contains_all(&stderr, &["warning:", "bad"]);
    assert!(!stderr.contains('\u{1b}'), "an escape sequence reached the terminal: {stderr:?}");
}

// ---------------------------------------------------------------------------------------------
// File provider

fn file_config(path: &str, records: &str) -> String {
    format!(
        "[integrations.exported]\ndisplay_name = \"Exported\"\nsupports_org_mapping = true\n\n\
         [integrations.exported.list_organizations]\nkind = \"file\"\npath = \"{path}\"\n{records}\n"
    )
}

#[test]
fn csv_and_json_files_are_discovered() {
    let site = Site::local("");
    std::fs::write(
        site.env.path().join("orgs.csv"),
        "id,name,active\n1, Alpha ,true\n2,Beta,false\n3,\"Gamma, Inc\",true\n",
    )
    .unwrap();
    site.env
        .write_config(&file_config("orgs.csv", "records = { inactive = [{ path = \"$.active\", eq = \"false\" }] }"));
    let listing = site.json(&["discover", "exported"]);
    assert_eq!(listing["source"], "file");
    assert_eq!(ids(&listing), ["1", "2", "3"]);
    let names: Vec<&str> =
        listing["organizations"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alpha", "Beta", "Gamma, Inc"]);
    let active: Vec<bool> =
        listing["organizations"].as_array().unwrap().iter().map(|o| o["active"].as_bool().unwrap()).collect();
    assert_eq!(active, [true, false, true]);

    std::fs::write(site.env.path().join("orgs.json"), r#"{"items": [{"key": 10, "title": "Ten"}]}"#).unwrap();
    site.env.write_config(&file_config(
        "orgs.json",
        "records = { path = \"$.items[*]\", id = \"$.key\", name = \"$.title\" }",
    ));
    let listing = site.json(&["discover", "exported", "--refresh"]);
    assert_eq!(ids(&listing), ["10"]);
    assert_eq!(listing["organizations"][0]["name"], "Ten");
}

#[test]
// Regression: a CSV `active` column of false is ignored unless records.inactive is declared, though file.rs/requests.rs document it
fn a_csv_active_column_of_false_marks_the_record_inactive_by_default() {
    let site = Site::local("");
    std::fs::write(
        site.env.path().join("orgs.csv"),
        "id,name,active\n1,Alpha,true\n2,Beta,false\n3,Gamma,no\n4,Delta,0\n",
    )
    .unwrap();
    site.env.write_config(&file_config("orgs.csv", ""));
    let listing = site.json(&["discover", "exported"]);
    let active: Vec<bool> =
        listing["organizations"].as_array().unwrap().iter().map(|o| o["active"].as_bool().unwrap()).collect();
    assert_eq!(active, [true, false, false, false]);
}

#[test]
fn a_file_path_that_is_a_directory_or_missing_or_broken_exits_7() {
    let site = Site::local("");
    std::fs::create_dir(site.env.path().join("exports")).unwrap();
    site.env.write_config(&file_config("exports", ""));
    let stderr = site.fails(7, &["discover", "exported"]);
    contains_all(&stderr, &["exported", "not a regular file", "hint:"]);
    site.env.write_config(&file_config("missing.json", ""));
    contains_all(&site.fails(7, &["discover", "exported"]), &["cannot read", "missing.json"]);
    std::fs::write(site.env.path().join("broken.json"), "[{\"id\": 1,").unwrap();
    site.env.write_config(&file_config("broken.json", ""));
    contains_all(&site.fails(7, &["discover", "exported"]), &["not valid JSON"]);
}

#[test]
fn the_shipped_demo_integration_discovers_its_ten_organizations_offline() {
    let mut env = TestEnv::initialized();
    env.config = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/integrations.toml"));
    let listing = env.json(&["discover", "demo"]);
    assert_eq!(listing["source"], "file");
    assert_eq!(listing["origin"], "fresh");
    assert_eq!(listing["total"], 10);
    assert_eq!(ids(&listing), (12345..=12354).map(|i| i.to_string()).collect::<Vec<_>>());
    let inactive: Vec<&str> = listing["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["active"] == false)
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(inactive, ["12348", "12352"]);
    assert_eq!(env.json(&["discover", "demo", "--offline", "--search", "wonka"])["organizations"][0]["id"], "12353");
}

// ---------------------------------------------------------------------------------------------
// Permissions and audit

#[test]
fn discover_and_refresh_need_no_manage_config_and_write_no_audit_event() {
    let (api, _) = Fixture::scripted([two_orgs()]);
    let site = Site::new(&acme(FAST, ""), &api);
    let before = site.env.audit();
    for args in
        [&["discover", "acme-psa"][..], &["discover", "acme-psa", "--refresh"], &["refresh"], &["refresh", "acme-psa"]]
    {
        let out = site.run_as("viewer", args);
        expect(&out, 0, args);
    }
    assert_eq!(api.hits(), 4, "every one of them fetched");
    let out = site.run_as("viewer", &["discover", "acme-psa", "--json"]);
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing["origin"], "cache");
    let after = site.env.audit();
    assert_eq!(actions(&after), actions(&before), "discovery wrote audit events");
    assert_eq!(after.len(), before.len());
    // The viewer still may not change anything.
    site.env.fails_as("viewer", 6, &["org", "add", "x", "--name", "X"]);
}

#[test]
// Regression: `map --name X` showed the new mapping as "renamed upstream" at once
fn a_name_given_to_a_mapping_is_no_rename_and_a_rename_upstream_after_it_still_is() {
    let (api, script) = Fixture::scripted([Reply::json(json!([{ "id": 1, "name": "Alpha Corp" }]))]);
    let site = Site::new(&acme(FAST, ""), &api);
    site.ok(&["org", "add", "acme", "--name", "Acme"]);
    let named = site.ok(&["map", "acme-psa", "1", "--org", "acme", "--name", "Our Alpha"]).trim().to_owned();
    let upstream = |site: &Site| {
        site.json(&["list"]).as_array().unwrap().iter().find(|m| m["mapping_id"] == named).unwrap()["upstream"].clone()
    };
    assert_eq!(upstream(&site), "ok", "the name chosen is not a rename upstream");
    assert!(site.json(&["list", "--stale"]).as_array().unwrap().is_empty());
    assert_eq!(site.json(&["get", "acme-psa", "--org", "acme"])["source"]["upstream_name"], "Alpha Corp");

    script.set([Reply::json(json!([{ "id": 1, "name": "Alpha Holdings" }]))]);
    let reports = site.json(&["refresh"]);
    assert_eq!(reports[0]["affected_mappings"][0]["upstream"], "renamed upstream", "{reports}");
    assert_eq!(upstream(&site), "renamed upstream");

    site.ok(&["edit", &named, "--name", "Alpha Holdings"]);
    assert_eq!(upstream(&site), "ok", "taking the new name settles it");
}
