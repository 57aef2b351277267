//! Lists that are silently short: a walk that stops before the total its answers announce fails
//! (exit 7) naming what was expected and what was got, or warns with `on_short = "warn"`.

use std::process::Output;

use serde_json::{Value, json};

use crate::common::TestEnv;
use crate::fixture_faults::{Fixture, Reply, orgs};

/// The Pax8 shape: 0-based pages of `size`, with the totals under `page`.
fn pax8(total: u64, claimed: u64, size_param: &str) -> Fixture {
    let size_param = size_param.to_owned();
    Fixture::serve(move |req| {
        let page = req.number("page").unwrap_or(0);
        let size = req.number(&size_param).unwrap_or(10);
        let first = page * size;
        let count = size.min(total.saturating_sub(first));
        Reply::json(json!({
            "content": orgs(first + 1, count),
            "page": { "size": size, "totalElements": claimed, "totalPages": claimed.div_ceil(size), "number": page }
        }))
    })
}

fn config(pagination: &str) -> String {
    format!(
        r#"
[integrations.pax8]
display_name = "Pax8 (fixture)"
supports_org_mapping = true
timeout = "2s"
retries = 0

[integrations.pax8.list_organizations]
kind = "http"
url = "{{env.FIXTURE_URL}}/companies"
pagination = {pagination}
records = {{ path = "$.content[*]" }}
"#
    )
}

fn discover(env: &TestEnv, api: &Fixture) -> Output {
    env.cmd().env("FIXTURE_URL", api.base()).args(["discover", "pax8", "--refresh", "--json"]).output().unwrap()
}

fn code_and_stderr(out: &Output) -> (Option<i32>, String) {
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
// Regression: a 0-based page API read from page 1 gave 200 of 450 companies, exit 0, no warning
fn a_zero_based_page_api_read_from_page_one_fails_naming_the_totals_and_pagination_start() {
    let api = pax8(450, 450, "size");
    let env = TestEnv::with_config(&config(r#"{ kind = "page", param = "page", size_param = "size", size = 250 }"#));
    let out = discover(&env, &api);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{stderr}");
    assert!(out.stdout.is_empty());
    let error: Value = serde_json::from_str(&stderr).unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("pax8: "), "names the integration: {message}");
    assert!(message.contains("450") && message.contains("200 records"), "expected and got: {message}");
    assert!(message.contains("$.page['totalElements']"), "where the total was read: {message}");
    assert!(error["error"]["hint"].as_str().unwrap().contains("pagination.start"), "{error}");
}

#[test]
fn the_same_api_with_start_zero_is_complete() {
    let api = pax8(450, 450, "size");
    let env = TestEnv::with_config(&config(
        r#"{ kind = "page", param = "page", start = 0, size_param = "size", size = 250 }"#,
    ));
    let out = discover(&env, &api);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing["total"], 450);
}

#[test]
fn an_api_that_lies_about_its_total_fails_with_the_configured_path() {
    let api = pax8(300, 450, "size");
    let env = TestEnv::with_config(&config(
        r#"{ kind = "page", param = "page", start = 0, size_param = "size", size = 100, total_count = "$.page.totalElements" }"#,
    ));
    let out = discover(&env, &api);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{stderr}");
    assert!(
        stderr.contains("announced 450 records ($.page.totalElements)") && stderr.contains("300 records"),
        "{stderr}"
    );
    assert!(api.seen().len() >= 5, "all announced pages were asked for");
}

#[test]
fn on_short_warn_accepts_a_short_list_with_a_warning() {
    let api = pax8(300, 450, "size");
    let env = TestEnv::with_config(&config(
        r#"{ kind = "page", param = "page", start = 0, size_param = "size", size = 100, on_short = "warn" }"#,
    ));
    let out = env.cmd().env("FIXTURE_URL", api.base()).args(["discover", "pax8", "--refresh"]).output().unwrap();
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("warning: pax8: the list may be incomplete") && stderr.contains("450"), "{stderr}");
}

#[test]
fn on_short_is_checked_like_every_other_key() {
    let env = TestEnv::with_config(&config(r#"{ kind = "page", param = "page", on_short = "ignore" }"#));
    let stderr = env.fails(5, &["discover", "pax8"]);
    assert!(stderr.contains("on_short") || stderr.contains("ignore"), "{stderr}");
}

#[test]
fn a_full_last_page_beyond_the_announced_page_count_is_probed_and_fails() {
    // Announces 2 pages of 100, but has 250 records: page 2 is full, and page 3 is not empty.
    let api = Fixture::serve(|req| {
        let page = req.number("page").unwrap();
        let count = 100u64.min(250u64.saturating_sub((page - 1) * 100));
        Reply::json(json!({ "data": orgs((page - 1) * 100 + 1, count), "meta": { "pages": 2 } }))
    });
    let env = TestEnv::with_config(
        &config(r#"{ kind = "page", param = "page", size_param = "n", size = 100, total_pages = "$.meta.pages" }"#)
            .replace("$.content[*]", "$.data[*]"),
    );
    let out = discover(&env, &api);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{stderr}");
    assert!(stderr.contains("announced 2 pages") && stderr.contains("page 3"), "{stderr}");
}

#[test]
fn a_full_keyset_page_without_a_cursor_fails() {
    let api = Fixture::serve(|_| {
        Reply::json(json!((1..=50).map(|i| json!({"key": i, "name": format!("Org {i}")})).collect::<Vec<_>>()))
    });
    let env = TestEnv::with_config(
        &config(r#"{ kind = "keyset", param = "after", size_param = "limit", size = 50 }"#)
            .replace("records = { path = \"$.content[*]\" }", "records = { id = \"$.key\" }"),
    );
    let out = discover(&env, &api);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{stderr}");
    assert!(stderr.contains("was full (50 records)") && stderr.contains("$.id"), "{stderr}");
}

#[test]
fn a_full_last_page_with_no_next_link_and_an_announced_count_fails() {
    // An OData-style list whose next link vanishes after the first full page of 100 of 150.
    let api = Fixture::serve(|_| Reply::json(json!({ "@odata.count": 150, "value": orgs(1, 100) })));
    let env = TestEnv::with_config(
        &config(r#"{ kind = "next_url", path = "$['@odata.nextLink']" }"#).replace("$.content[*]", "$.value[*]"),
    );
    let out = discover(&env, &api);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{stderr}");
    assert!(stderr.contains("announced 150 records") && stderr.contains("100 records in 1 page"), "{stderr}");
}

#[test]
fn a_list_without_pagination_that_announces_more_fails() {
    let api = Fixture::serve(|_| Reply::json(json!({ "totalCount": 120, "content": orgs(1, 100) })));
    let env = TestEnv::with_config(&config(r#"{ kind = "none" }"#));
    let (code, stderr) = code_and_stderr(&discover(&env, &api));
    assert_eq!(code, Some(7), "{stderr}");
    assert!(stderr.contains("announced 120 records"), "{stderr}");
}

#[test]
fn a_filtered_records_path_is_not_held_to_a_guessed_total() {
    let api = Fixture::serve(|_| {
        let mut list = orgs(1, 10);
        for (i, org) in list.iter_mut().enumerate() {
            org["active"] = json!(i % 2 == 0);
        }
        Reply::json(json!({ "totalCount": 10, "content": list }))
    });
    let env =
        TestEnv::with_config(&config(r#"{ kind = "none" }"#).replace("$.content[*]", "$.content[?@.active == true]"));
    let out = discover(&env, &api);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
