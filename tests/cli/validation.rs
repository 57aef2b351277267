//! Checking an external ID before `map`, `edit --external-id` and `set` save it: the integration's
//! id_pattern, then a `validate` request for that one ID or the discovered list (cached or fetched
//! once more), with `--no-verify` to save an ID that cannot be checked, unverified.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};

use crate::common::{ADMIN, TestEnv};
use crate::fixture::{Counter, FixtureServer};

/// The head of the `psa` integration: numeric IDs, and fixtures that fail fast. `settings` are
/// more keys (before any table).
fn psa(settings: &str) -> String {
    format!(
        r#"
[integrations.psa]
display_name = "Acme PSA"
supports_org_mapping = true
id_pattern = "[0-9]+"
timeout = "1s"
retries = 0
{settings}
"#
    )
}

/// `psa` listing its organizations from `orgs.json` next to the config.
fn file_config() -> String {
    psa("") + "\n[integrations.psa.list_organizations]\nkind = \"file\"\npath = \"orgs.json\"\n"
}

/// `psa` listing its organizations over HTTP from `url`.
fn http_config(url: &str, settings: &str) -> String {
    psa(settings) + &format!("\n[integrations.psa.list_organizations]\nkind = \"http\"\nurl = \"{url}\"\n")
}

/// `psa` checking one ID with `GET {base}/orgs/{external_org_id}`, its name at `$.data.name`.
fn validate_config(base: &str) -> String {
    psa("")
        + &format!(
            "\n[integrations.psa.validate]\nurl = \"{base}/orgs/{{external_org_id}}\"\nname = [\"$.data.name\", \"$.data.title\"]\n"
        )
}

/// The organizations every list starts with.
fn upstream() -> Value {
    json!([
        { "id": "12345", "name": "Acme Corp" },
        { "id": "12346", "name": "Globex" },
        { "id": "99999", "name": "Initech" },
    ])
}

/// An environment with `config`, `orgs.json` holding [`upstream`] and the active org `acme`.
fn site(config: &str) -> TestEnv {
    let env = TestEnv::with_config(config);
    std::fs::write(env.path().join("orgs.json"), upstream().to_string()).expect("write orgs.json");
    env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    env
}

/// A list fixture: `GET /orgs` answers the organizations it holds now, counting requests.
struct ListApi {
    server: FixtureServer,
    hits: Counter,
    orgs: Arc<Mutex<Value>>,
}

impl ListApi {
    fn start() -> Self {
        let hits = Counter::default();
        let orgs = Arc::new(Mutex::new(upstream()));
        let (counter, held) = (hits.clone(), orgs.clone());
        let router = Router::new().route(
            "/orgs",
            get(move || {
                let (counter, held) = (counter.clone(), held.clone());
                async move {
                    counter.hit();
                    let body = held.lock().expect("orgs").clone();
                    axum::Json(body)
                }
            }),
        );
        ListApi { server: FixtureServer::start(router), hits, orgs }
    }

    fn url(&self) -> String {
        self.server.url("/orgs")
    }

    /// A new organization appears upstream.
    fn add(&self, id: &str, name: &str) {
        self.orgs.lock().expect("orgs").as_array_mut().expect("array").push(json!({ "id": id, "name": name }));
    }
}

/// A request as the validate fixture saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: Uri,
    body: String,
}

/// How the validate fixture answers for an ID: 200 with a name for 12345 and 12346, 200 without
/// one for 77777, 500 for 50000, 429 (retry after an hour) for 42900, and 404 for every other ID.
fn answer(id: &str) -> Response {
    match id {
        "12345" => axum::Json(json!({ "data": { "id": 12345, "name": "Acme Corp" } })).into_response(),
        "12346" => axum::Json(json!({ "data": { "id": 12346, "title": "Globex" } })).into_response(),
        "77777" => axum::Json(json!({ "data": { "id": 77777 } })).into_response(),
        "50000" => (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "error": "database down" }))).into_response(),
        "42900" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "3600")], "slow down").into_response(),
        _ => (StatusCode::NOT_FOUND, axum::Json(json!({ "error": "no such client" }))).into_response(),
    }
}

/// A validate fixture: `/orgs/{id}` answers for the ID in its path, any other path for the ID in
/// its `x-org` header (see [`answer`]). Counts and records requests.
struct ValidateApi {
    server: FixtureServer,
    hits: Counter,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ValidateApi {
    fn start() -> Self {
        let hits = Counter::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (counter, log) = (hits.clone(), seen.clone());
        let router = Router::new().fallback(any(move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
            let (counter, log) = (counter.clone(), log.clone());
            async move {
                counter.hit();
                let id = match uri.path().strip_prefix("/orgs/") {
                    Some(id) => id.to_owned(),
                    None => headers.get("x-org").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned(),
                };
                log.lock().expect("seen").push(Seen { method, uri, body });
                answer(&id)
            }
        }));
        ValidateApi { server: FixtureServer::start(router), hits, seen }
    }

    fn base(&self) -> String {
        self.server.url("")
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

/// A `http://127.0.0.1:PORT/orgs` URL on which nothing listens.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/orgs")
}

/// Asserts that `args` (run with `--json`) fails with `code` and leaves the store exactly as it
/// was; returns the error object.
fn refused(env: &TestEnv, code: i32, args: &[&str]) -> Value {
    let before = env.state();
    let error = env.json_error(code, args);
    assert_eq!(env.state(), before, "orgmap {args:?} was refused but changed the store");
    error
}

/// The mapping with this ID, as `list` shows it.
fn mapping(env: &TestEnv, id: &str) -> Value {
    env.mappings().into_iter().find(|m| m["mapping_id"] == id).unwrap_or_else(|| panic!("no mapping {id} in the store"))
}

/// The IDs of the mappings `list --unverified` shows.
fn unverified(env: &TestEnv) -> Vec<String> {
    env.json(&["list", "--unverified"])
        .as_array()
        .expect("list array")
        .iter()
        .map(|m| m["mapping_id"].as_str().expect("mapping_id").to_owned())
        .collect()
}

fn hint(error: &Value) -> &str {
    error["hint"].as_str().unwrap_or_else(|| panic!("the error has no hint: {error}"))
}

const CLOSEST: &str = "the closest are: 12345 (Acme Corp), 12346 (Globex)";

// ---------------------------------------------------------------------------------------------
// An ID that is not in the integration's list

#[test]
fn map_refuses_an_id_missing_from_the_list_and_names_the_closest() {
    let env = site(&file_config());
    let error = refused(&env, 5, &["map", "psa", "12354", "--org", "acme"]);
    assert_eq!(error["kind"], "invalid");
    assert!(error["message"].as_str().unwrap().contains("Acme PSA has no organization with ID '12354'"), "{error}");
    assert!(hint(&error).starts_with(CLOSEST), "{error}");

    let stderr = env.fails(5, &["map", "psa", "12354", "--org", "acme"]);
    assert!(stderr.contains(&format!("hint: {CLOSEST}")), "{stderr}");
    assert!(env.mappings().is_empty());
}

#[test]
fn set_refuses_an_id_missing_from_the_list_and_names_the_closest() {
    let env = site(&file_config());
    let error = refused(&env, 5, &["set", "psa", "12354", "--org", "acme"]);
    assert!(hint(&error).starts_with(CLOSEST), "{error}");

    // And when it would update the org's mapping.
    env.ok(&["set", "psa", "12345", "--org", "acme"]);
    let error = refused(&env, 5, &["set", "psa", "12354", "--org", "acme", "--label", "main"]);
    assert!(hint(&error).starts_with(CLOSEST), "{error}");
    assert_eq!(env.mappings()[0]["external_org_id"], "12345");
}

#[test]
fn edit_refuses_a_new_id_missing_from_the_list_and_names_the_closest() {
    let env = site(&file_config());
    let id = env.map("psa", "12345", "acme");
    let error = refused(&env, 5, &["edit", &id, "--external-id", "12354", "--label", "main"]);
    assert!(error["message"].as_str().unwrap().contains("'12354'"), "{error}");
    assert!(hint(&error).starts_with(CLOSEST), "{error}");
    let kept = mapping(&env, &id);
    assert_eq!(kept["external_org_id"], "12345");
    assert_eq!(kept["revision"], 1);
}

#[test]
fn an_id_that_looks_like_a_name_is_answered_with_the_organizations_so_named() {
    // Without an id_pattern anything may be typed, a name too.
    let config = "[integrations.crm]\ndisplay_name = \"CRM\"\nsupports_org_mapping = true\n\n\
                  [integrations.crm.list_organizations]\nkind = \"file\"\npath = \"orgs.json\"\n";
    let env = site(config);
    let error = refused(&env, 5, &["map", "crm", "initech", "--org", "acme"]);
    assert!(hint(&error).starts_with("the closest are: 99999 (Initech)"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// An ID that is in the list

#[test]
fn map_saves_a_listed_id_verified_with_its_name_from_the_list() {
    let env = site(&file_config());
    let m = env.map_json("psa", "12345", "acme", &[]);
    assert_eq!(m["verified"], true);
    assert_eq!(m["external_org_name"], "Acme Corp");

    let m = env.map_json("psa", "12346", "acme", &["--name", "Globex (as we call it)", "--label", "second"]);
    assert_eq!(m["verified"], true);
    assert_eq!(m["external_org_name"], "Globex (as we call it)", "an explicit --name wins");
    assert!(unverified(&env).is_empty());
}

#[test]
fn set_saves_a_listed_id_verified_with_its_name_from_the_list() {
    let env = site(&file_config());
    let created = env.json(&["set", "psa", "12345", "--org", "acme"]);
    assert_eq!(created["outcome"], "created");
    assert_eq!(created["mapping"]["verified"], true);
    assert_eq!(created["mapping"]["external_org_name"], "Acme Corp");

    let updated = env.json(&["set", "psa", "12346", "--org", "acme"]);
    assert_eq!(updated["outcome"], "updated");
    assert_eq!(updated["mapping"]["verified"], true);
    assert_eq!(updated["mapping"]["external_org_name"], "Globex", "the new ID's name replaces the old one's");

    let named = env.json(&["set", "psa", "99999", "--org", "acme", "--name", "Initech EMEA"]);
    assert_eq!(named["mapping"]["verified"], true);
    assert_eq!(named["mapping"]["external_org_name"], "Initech EMEA", "an explicit --name wins");
}

#[test]
fn edit_saves_a_listed_id_verified_with_its_name_from_the_list() {
    let env = site(&file_config());
    let id = env.ok(&["map", "psa", "12345", "--org", "acme", "--no-verify"]).trim().to_owned();
    assert_eq!(mapping(&env, &id)["verified"], false);

    let edited = env.json(&["edit", &id, "--external-id", "12346"]);
    assert_eq!(edited["outcome"], "updated");
    assert_eq!(edited["mapping"]["verified"], true);
    assert_eq!(edited["mapping"]["external_org_name"], "Globex");

    let edited = env.json(&["edit", &id, "--external-id", "99999", "--name", "Initech EMEA"]);
    assert_eq!(edited["mapping"]["verified"], true);
    assert_eq!(edited["mapping"]["external_org_name"], "Initech EMEA", "an explicit --name wins");
}

// ---------------------------------------------------------------------------------------------
// A list that cannot be fetched, and --no-verify

fn assert_cannot_check(error: &Value) {
    assert_eq!(error["exit_code"], 7, "{error}");
    assert!(error["message"].as_str().unwrap().contains("cannot check the ID"), "{error}");
    assert!(hint(error).contains("--no-verify"), "{error}");
}

#[test]
fn map_fails_with_exit_7_when_the_list_cannot_be_fetched_and_no_verify_saves_it_unverified() {
    let env = site(&http_config(&closed_port_url(), ""));
    let error = refused(&env, 7, &["map", "psa", "12345", "--org", "acme"]);
    assert_cannot_check(&error);
    let stderr = env.fails(7, &["map", "psa", "12345", "--org", "acme"]);
    assert!(stderr.contains("hint:") && stderr.contains("--no-verify"), "{stderr}");

    let m = env.map_json("psa", "12345", "acme", &["--no-verify"]);
    assert_eq!(m["verified"], false);
    assert_eq!(m["external_org_name"], Value::Null);
    assert_eq!(unverified(&env), [m["mapping_id"].as_str().unwrap()]);
}

#[test]
fn set_fails_with_exit_7_when_the_list_cannot_be_fetched_and_no_verify_saves_it_unverified() {
    let env = site(&http_config(&closed_port_url(), ""));
    assert_cannot_check(&refused(&env, 7, &["set", "psa", "12345", "--org", "acme"]));

    let created = env.json(&["set", "psa", "12345", "--org", "acme", "--no-verify"]);
    assert_eq!(created["outcome"], "created");
    assert_eq!(created["mapping"]["verified"], false);
    let id = created["mapping"]["mapping_id"].as_str().unwrap().to_owned();

    assert_cannot_check(&refused(&env, 7, &["set", "psa", "12346", "--org", "acme"]));
    let updated = env.json(&["set", "psa", "12346", "--org", "acme", "--no-verify"]);
    assert_eq!(updated["outcome"], "updated");
    assert_eq!(updated["mapping"]["verified"], false);
    assert_eq!(unverified(&env), [id]);
}

#[test]
fn edit_fails_with_exit_7_when_the_list_cannot_be_fetched_and_no_verify_saves_it_unverified() {
    // Mapped while the list could be read, so verified.
    let env = site(&file_config());
    let id = env.map("psa", "12345", "acme");
    assert_eq!(mapping(&env, &id)["verified"], true);

    // The list is now read over HTTP, from nowhere; 55555 is not in the cached list, so it must be
    // fetched again.
    env.write_config(&http_config(&closed_port_url(), ""));
    assert_cannot_check(&refused(&env, 7, &["edit", &id, "--external-id", "55555"]));
    assert!(unverified(&env).is_empty());

    let edited = env.json(&["edit", &id, "--external-id", "55555", "--no-verify"]);
    assert_eq!(edited["mapping"]["external_org_id"], "55555");
    assert_eq!(edited["mapping"]["verified"], false, "the new ID was not checked");
    assert_eq!(edited["mapping"]["external_org_name"], Value::Null, "the old ID's name is gone");
    assert_eq!(unverified(&env), [id]);
}

#[test]
fn no_verify_sends_no_request_and_list_unverified_shows_only_unchecked_mappings() {
    let api = ListApi::start();
    let env = site(&http_config(&api.url(), ""));
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    let unchecked = env.map_json("psa", "12345", "acme", &["--no-verify"]);
    let set = env.json(&["set", "psa", "55555", "--org", "globex", "--no-verify"]);
    assert_eq!(api.hits.get(), 0, "--no-verify asks nobody, not even about an unknown ID");
    assert_eq!(set["mapping"]["verified"], false);

    let checked = env.map_json("psa", "12346", "acme", &["--label", "second"]);
    assert_eq!(api.hits.get(), 1);
    assert_eq!(checked["verified"], true);

    let mut expected = vec![
        unchecked["mapping_id"].as_str().unwrap().to_owned(),
        set["mapping"]["mapping_id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    let mut listed = unverified(&env);
    listed.sort();
    assert_eq!(listed, expected);
    let table = env.ok(&["list", "--unverified"]);
    assert!(table.contains("12345") && table.contains("55555") && !table.contains("12346"), "{table}");
}

// ---------------------------------------------------------------------------------------------
// The pattern comes first

#[test]
fn an_id_that_does_not_match_the_pattern_is_refused_without_any_request() {
    let api = ListApi::start();
    let env = site(&http_config(&api.url(), ""));
    for args in [["map", "psa", "12a45", "--org", "acme"], ["set", "psa", "12a45", "--org", "acme"]] {
        let error = refused(&env, 5, &args);
        assert!(error["message"].as_str().unwrap().contains("12a45"), "{error}");
    }
    let id = env.ok(&["map", "psa", "12345", "--org", "acme", "--no-verify"]).trim().to_owned();
    refused(&env, 5, &["edit", &id, "--external-id", "12a45"]);
    assert_eq!(api.hits.get(), 0, "a pattern mismatch is refused before the list is asked");
}

#[test]
fn an_id_that_does_not_match_the_pattern_is_not_sent_to_validate() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    refused(&env, 5, &["map", "psa", "../admin", "--org", "acme"]);
    refused(&env, 5, &["set", "psa", "12345?x=1", "--org", "acme"]);
    assert_eq!(api.hits.get(), 0);
}

// ---------------------------------------------------------------------------------------------
// A validate request

#[test]
fn validate_200_verifies_the_id_and_names_it() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    let m = env.map_json("psa", "12345", "acme", &[]);
    assert_eq!(m["verified"], true);
    assert_eq!(m["external_org_name"], "Acme Corp");
    assert_eq!(api.hits.get(), 1);
    let seen = api.seen();
    assert_eq!(seen[0].method, Method::GET);
    assert_eq!(seen[0].uri.path(), "/orgs/12345");

    // The second name path, for set.
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    let set = env.json(&["set", "psa", "12346", "--org", "globex"]);
    assert_eq!(set["mapping"]["verified"], true);
    assert_eq!(set["mapping"]["external_org_name"], "Globex");

    // An answer without a name verifies the ID and names nothing, for edit.
    let id = m["mapping_id"].as_str().unwrap();
    let edited = env.json(&["edit", id, "--external-id", "77777"]);
    assert_eq!(edited["mapping"]["verified"], true);
    assert_eq!(edited["mapping"]["external_org_name"], Value::Null);
    assert_eq!(api.hits.get(), 3);
    assert_eq!(
        api.seen().iter().map(|s| s.uri.path().to_owned()).collect::<Vec<_>>(),
        ["/orgs/12345", "/orgs/12346", "/orgs/77777"]
    );
}

#[test]
fn validate_404_refuses_the_id_with_exit_5() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    let error = refused(&env, 5, &["map", "psa", "40404", "--org", "acme"]);
    assert!(error["message"].as_str().unwrap().contains("Acme PSA has no organization with ID '40404'"), "{error}");
    assert!(hint(&error).contains("orgmap discover psa"), "without a list to compare with: {error}");
    refused(&env, 5, &["set", "psa", "40404", "--org", "acme"]);
    let id = env.map("psa", "12345", "acme");
    refused(&env, 5, &["edit", &id, "--external-id", "40404"]);
    assert_eq!(api.hits.get(), 4);
}

#[test]
fn validate_404_names_the_closest_ids_of_the_cached_list() {
    let list = ListApi::start();
    let api = ValidateApi::start();
    let config = http_config(&list.url(), "")
        + &format!("\n[integrations.psa.validate]\nurl = \"{}/orgs/{{external_org_id}}\"\n", api.base());
    let env = site(&config);
    env.json(&["discover", "psa"]);
    assert_eq!(list.hits.get(), 1);
    let error = refused(&env, 5, &["map", "psa", "12354", "--org", "acme"]);
    assert!(hint(&error).starts_with(CLOSEST), "{error}");
    assert_eq!(api.hits.get(), 1, "validate is asked, not the list");
    assert_eq!(list.hits.get(), 1);
}

#[test]
fn validate_500_fails_with_exit_7_suggesting_no_verify() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    assert_cannot_check(&refused(&env, 7, &["map", "psa", "50000", "--org", "acme"]));
    assert_cannot_check(&refused(&env, 7, &["set", "psa", "50000", "--org", "acme"]));
    let id = env.map("psa", "12345", "acme");
    assert_cannot_check(&refused(&env, 7, &["edit", &id, "--external-id", "50000"]));
    assert_eq!(api.hits.get(), 4, "retries = 0: one request each");

    let edited = env.json(&["edit", &id, "--external-id", "50000", "--no-verify"]);
    assert_eq!(edited["mapping"]["verified"], false);
    assert_eq!(api.hits.get(), 4);
}

#[test]
fn validate_throttled_for_longer_than_orgmap_waits_fails_with_exit_7_at_once() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    let started = std::time::Instant::now();
    let error = refused(&env, 7, &["set", "psa", "42900", "--org", "acme"]);
    assert!(started.elapsed() < Duration::from_secs(10), "orgmap waited for a Retry-After of an hour");
    assert_cannot_check(&error);
    assert_eq!(api.hits.get(), 1);
}

#[test]
fn validate_templates_the_id_into_query_headers_and_body() {
    let api = ValidateApi::start();
    let config = psa("")
        + &format!(
            r#"
[integrations.psa.validate]
url = "{}/check"
method = "POST"
query = {{ id = "{{external_org_id}}", fixed = "yes" }}
headers = {{ x-org = "{{external_org_id}}" }}
json = {{ org = {{ id = "{{external_org_id}}" }} }}
name = "$.data.name"
"#,
            api.base()
        );
    let env = site(&config);
    let m = env.map_json("psa", "12345", "acme", &[]);
    assert_eq!(m["verified"], true);
    // The fixture answers /check for the ID in the x-org header: the name proves the header.
    assert_eq!(m["external_org_name"], "Acme Corp");
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].uri.path(), "/check");
    let query = seen[0].uri.query().unwrap_or_default();
    assert!(query.contains("id=12345") && query.contains("fixed=yes"), "{query}");
    let body: Value = serde_json::from_str(&seen[0].body).expect("a JSON body");
    assert_eq!(body, json!({ "org": { "id": "12345" } }));
}

#[test]
fn a_validate_request_that_lacks_its_secret_fails_with_exit_5_without_a_request() {
    let api = ValidateApi::start();
    let config = psa("")
        + &format!(
            r#"
[integrations.psa.secrets]
key = {{ env = "ORGMAP_TEST_PSA_KEY" }}

[integrations.psa.auth]
kind = "bearer"
token = "{{secret.key}}"

[integrations.psa.validate]
url = "{}/orgs/{{external_org_id}}"
"#,
            api.base()
        );
    let env = site(&config);
    let error = refused(&env, 5, &["map", "psa", "12345", "--org", "acme"]);
    assert_eq!(error["kind"], "not_configured", "{error}");
    assert!(hint(&error).contains("--no-verify"), "{error}");
    assert!(error["message"].as_str().unwrap().contains("ORGMAP_TEST_PSA_KEY"), "{error}");
    assert_eq!(api.hits.get(), 0);

    let m = env.map_json("psa", "12345", "acme", &["--no-verify"]);
    assert_eq!(m["verified"], false);
}

// ---------------------------------------------------------------------------------------------
// Only a new ID is checked

#[test]
fn set_checks_the_id_only_when_it_changes() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    assert_eq!(env.json(&["set", "psa", "12345", "--org", "acme"])["outcome"], "created");
    assert_eq!(api.hits.get(), 1);
    let again = env.json(&["set", "psa", "12345", "--org", "acme"]);
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(again["mapping"]["verified"], true, "still verified");
    let labelled = env.json(&["set", "psa", "12345", "--org", "acme", "--label", "main"]);
    assert_eq!(labelled["outcome"], "updated");
    assert_eq!(api.hits.get(), 1, "the same ID again is not checked again");

    let changed = env.json(&["set", "psa", "12346", "--org", "acme"]);
    assert_eq!(changed["mapping"]["external_org_name"], "Globex");
    assert_eq!(api.hits.get(), 2);
}

#[test]
fn edit_checks_only_a_new_external_id() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    let id = env.map("psa", "12345", "acme");
    assert_eq!(api.hits.get(), 1);

    env.ok(&["edit", &id, "--label", "main", "--meta", "region=eu"]);
    assert_eq!(api.hits.get(), 1, "an edit that keeps the ID asks nobody");
    let same = env.json(&["edit", &id, "--external-id", "12345"]);
    assert_eq!(same["outcome"], "unchanged");
    assert_eq!(api.hits.get(), 1, "the same ID again is not new");

    let edited = env.json(&["edit", &id, "--external-id", "12346"]);
    assert_eq!(edited["mapping"]["external_org_name"], "Globex");
    assert_eq!(edited["mapping"]["label"], "main");
    assert_eq!(api.hits.get(), 2);
}

// ---------------------------------------------------------------------------------------------
// The cached list

#[test]
fn a_fresh_cache_that_holds_the_id_is_used_without_a_request() {
    let api = ListApi::start();
    let env = site(&http_config(&api.url(), ""));
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.json(&["discover", "psa"]);
    assert_eq!(api.hits.get(), 1);

    let m = env.map_json("psa", "12345", "acme", &[]);
    assert_eq!((m["verified"].clone(), m["external_org_name"].clone()), (json!(true), json!("Acme Corp")));
    let set = env.json(&["set", "psa", "12346", "--org", "globex"]);
    assert_eq!(set["mapping"]["external_org_name"], "Globex");
    let edited = env.json(&["edit", m["mapping_id"].as_str().unwrap(), "--external-id", "99999"]);
    assert_eq!(edited["mapping"]["external_org_name"], "Initech");
    assert_eq!(api.hits.get(), 1, "every ID was in the fresh cache");
}

#[test]
fn a_miss_in_a_fresh_cache_refetches_once_and_accepts_an_id_new_upstream() {
    let api = ListApi::start();
    let env = site(&http_config(&api.url(), ""));
    env.json(&["discover", "psa"]);
    assert_eq!(api.hits.get(), 1);

    api.add("55555", "Umbrella");
    let m = env.map_json("psa", "55555", "acme", &[]);
    assert_eq!(api.hits.get(), 2, "exactly one refetch");
    assert_eq!(m["verified"], true);
    assert_eq!(m["external_org_name"], "Umbrella");
    let listing = env.json(&["discover", "psa"]);
    assert_eq!(api.hits.get(), 2, "the refetched list was cached");
    assert_eq!(listing["organizations"].as_array().unwrap().len(), 4);

    let error = refused(&env, 5, &["map", "psa", "55556", "--org", "acme"]);
    assert_eq!(api.hits.get(), 3, "a miss refetches once, not more");
    assert!(hint(&error).starts_with("the closest are: 55555 (Umbrella)"), "{error}");
}

#[test]
fn a_miss_in_the_cache_when_the_list_cannot_be_fetched_again_fails_with_exit_7() {
    let api = ListApi::start();
    let env = site(&http_config(&api.url(), ""));
    env.json(&["discover", "psa"]);
    // The system goes down; the config stays as the list was fetched with (another config's
    // list would not be trusted).
    drop(api);
    // The cache still holds 12345: no request needed.
    let m = env.map_json("psa", "12345", "acme", &[]);
    assert_eq!(m["verified"], true);
    // 55555 is not in it, and the list cannot be fetched again.
    assert_cannot_check(&refused(&env, 7, &["map", "psa", "55555", "--org", "acme"]));
}

#[test]
fn a_stale_cache_is_fetched_again() {
    let api = ListApi::start();
    let env = site(&http_config(&api.url(), "cache_ttl = \"1s\""));
    env.json(&["discover", "psa"]);
    assert_eq!(api.hits.get(), 1);
    env.map_json("psa", "12345", "acme", &[]);
    assert_eq!(api.hits.get(), 1, "still fresh");

    std::thread::sleep(Duration::from_millis(1200));
    let m = env.map_json("psa", "12346", "acme", &["--label", "second"]);
    assert_eq!(api.hits.get(), 2, "a stale cache is not trusted even though it holds the ID");
    assert_eq!(m["verified"], true);
    assert_eq!(m["external_org_name"], "Globex");
}

// ---------------------------------------------------------------------------------------------
// No request for a change that fails anyway

#[test]
fn no_request_is_made_for_an_actor_without_manage_config() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    let id = env.map("psa", "12345", "acme");
    assert_eq!(api.hits.get(), 1);
    let before = env.records();
    for args in [
        vec!["map", "psa", "12346", "--org", "acme"],
        vec!["set", "psa", "12346", "--org", "acme"],
        vec!["edit", &id, "--external-id", "12346"],
    ] {
        let stderr = env.fails_as("mallory", 6, &args);
        assert!(stderr.contains("mallory"), "{stderr}");
    }
    assert_eq!(api.hits.get(), 1, "nobody was asked on behalf of an actor who may not change anything");
    assert_eq!(env.records(), before);
}

#[test]
fn no_request_is_made_for_an_unknown_org() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    for args in [["map", "psa", "12345", "--org", "nobody"], ["set", "psa", "12345", "--org", "nobody"]] {
        let error = refused(&env, 3, &args);
        assert!(error["message"].as_str().unwrap().contains("nobody"), "{error}");
    }
    assert_eq!(api.hits.get(), 0);
}

#[test]
fn no_request_is_made_for_an_inactive_org() {
    let api = ValidateApi::start();
    let env = site(&validate_config(&api.base()));
    env.ok(&["org", "deactivate", "acme"]);
    refused(&env, 8, &["map", "psa", "12345", "--org", "acme"]);
    refused(&env, 8, &["set", "psa", "12345", "--org", "acme"]);
    assert_eq!(api.hits.get(), 0);
}

#[test]
// Regression: edit --external-id on a mapping of an inactive org saves an unknown ID unchecked (exit 0)
fn edit_of_a_mapping_of_an_inactive_org_still_checks_the_new_id() {
    let env = site(&file_config());
    let id = env.map("psa", "12345", "acme");
    env.ok(&["org", "deactivate", "acme"]);
    // edit does not refuse mappings of inactive orgs, so the check must not be skipped either.
    let error = refused(&env, 5, &["edit", &id, "--external-id", "77777"]);
    assert!(hint(&error).starts_with("the closest are: "), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Nothing to check against

#[test]
fn without_validate_or_a_list_only_the_pattern_is_checked_and_the_mapping_is_unverified() {
    let env = site(&psa(""));
    let m = env.map_json("psa", "424242", "acme", &[]);
    assert_eq!(m["verified"], false);
    assert_eq!(m["external_org_name"], Value::Null);
    refused(&env, 5, &["map", "psa", "abc", "--org", "acme"]);
    let set = env.json(&["set", "psa", "434343", "--org", "acme", "--mapping-id", m["mapping_id"].as_str().unwrap()]);
    assert_eq!(set["mapping"]["verified"], false);
    let id = m["mapping_id"].as_str().unwrap();
    let edited = env.json(&["edit", id, "--external-id", "444444"]);
    assert_eq!(edited["mapping"]["verified"], false);
    assert_eq!(unverified(&env), [id]);
}

// ---------------------------------------------------------------------------------------------
// Where `verified` shows

#[test]
fn map_json_and_set_json_show_verified() {
    let env = site(&file_config());
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    assert_eq!(env.map_json("psa", "12345", "acme", &[])["verified"], true);
    assert_eq!(env.map_json("psa", "12346", "acme", &["--no-verify", "--add", "--label", "b"])["verified"], false);
    assert_eq!(env.json(&["set", "psa", "99999", "--org", "globex"])["mapping"]["verified"], true);
    let get = env.json(&["get", "psa", "--org", "globex"]);
    assert_eq!(get["verified"], true);
}

#[test]
fn the_workflow_api_set_checks_the_id_and_reports_verified() {
    use orgmap::ops::mappings::SetMapping;
    use orgmap::workflow::Workflow;

    let env = site(&file_config());
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    let config = env.config.clone();
    let load = move || orgmap::config::Config::load(&config);
    let workflow = Workflow::new(env.location(), ADMIN, load.clone()).with_options(env.open_options());

    let change = workflow.set_integration_mapping("acme", "psa", "12345", None).expect("set");
    assert_eq!(change.outcome(), "created");
    assert!(change.value().verified);
    assert_eq!(change.value().external_org_name.as_deref(), Some("Acme Corp"));

    let before = env.state();
    let refused = workflow.set_integration_mapping("acme", "psa", "12354", None).expect_err("not in the list");
    assert_eq!(refused.exit_code(), 5u8);
    assert!(refused.hint().unwrap_or_default().starts_with(CLOSEST), "{refused:?}");
    assert_eq!(env.state(), before);

    let unchecked = Workflow::new(env.location(), ADMIN, load)
        .with_options(env.open_options())
        .verifying(false)
        .set(SetMapping {
            org_id: "globex".into(),
            integration: "psa".into(),
            external_org_id: "55555".into(),
            ..SetMapping::default()
        })
        .expect("set without checking");
    assert!(!unchecked.value().verified);
    assert_eq!(env.json(&["get", "psa", "--org", "acme"])["verified"], true);
    assert_eq!(env.json(&["get", "psa", "--org", "globex"])["verified"], false);
}

#[test]
// Regression: an integration not configured here made map and set exit 7, where discover exits 5
fn map_and_set_exit_5_when_the_integration_is_not_configured_here() {
    let config = psa(
        "auth = { kind = \"bearer\", token = \"{secret.token}\" }\nsecrets = { token = { env = \"ORGMAP_TEST_NEVER_SET\" } }",
    ) + &format!(
        "\n[integrations.psa.list_organizations]\nkind = \"http\"\nurl = \"{}\"\n",
        closed_port_url()
    );
    let env = site(&config);
    for args in [&["map", "psa", "12345", "--org", "acme"][..], &["set", "psa", "12345", "--org", "acme"]] {
        let error = refused(&env, 5, args);
        assert_eq!(error["kind"], "not_configured", "{error}");
        assert!(error["message"].as_str().unwrap().contains("ORGMAP_TEST_NEVER_SET"), "{error}");
        assert!(hint(&error).contains("--no-verify"), "{error}");
    }
    assert_eq!(env.map_json("psa", "12345", "acme", &["--no-verify"])["verified"], false);
}
