//! The shipped integrations.toml, unchanged, against fixtures of the eight real APIs: only the
//! hosts are pointed at 127.0.0.1 through the environment variables the config reads. Each
//! integration discovers exactly the organizations its API holds, with its quirks, and refuses
//! wrong credentials with exit 7; no secret or token shows anywhere, in any encoding.

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use base64::Engine;
use serde_json::Value;

use crate::common::TestEnv;
use crate::fixture_apis::{self, Api};

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/integrations.toml");

/// Every variable the shipped integrations read, cleared before each run: the calling shell can
/// neither help a test nor send it to a vendor's real host. Proxies are cleared too.
const CLEARED: &[&str] = &[
    "HALOPSA_URL",
    "HALOPSA_CLIENT_ID",
    "HALOPSA_CLIENT_SECRET",
    "HALOPSA_TENANT",
    "NINJAONE_URL",
    "NINJAONE_CLIENT_ID",
    "NINJAONE_CLIENT_SECRET",
    "M365_LOGIN_URL",
    "M365_GRAPH_URL",
    "M365_PARTNER_TENANT_ID",
    "M365_CLIENT_ID",
    "M365_CLIENT_SECRET",
    "CONNECTWISE_URL",
    "CONNECTWISE_COMPANY",
    "CONNECTWISE_PUBLIC_KEY",
    "CONNECTWISE_PRIVATE_KEY",
    "CONNECTWISE_CLIENT_ID",
    "AUTOTASK_URL",
    "AUTOTASK_USERNAME",
    "AUTOTASK_SECRET",
    "AUTOTASK_INTEGRATION_CODE",
    "ITGLUE_URL",
    "ITGLUE_API_KEY",
    "HUDU_URL",
    "HUDU_API_KEY",
    "DATTO_RMM_URL",
    "DATTO_RMM_API_KEY",
    "DATTO_RMM_API_SECRET",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// One integration of the shipped config with its fixture and its canary secrets.
struct Case {
    name: &'static str,
    api: Api,
    /// Hosts and other settings that are not secret.
    settings: Vec<(&'static str, String)>,
    /// The variables of its `[secrets]`, with canary values.
    secrets: Vec<(&'static str, &'static str)>,
    /// A secret variable and a wrong canary value for it.
    wrong: (&'static str, &'static str),
    /// Other forms a secret travels in (a Basic pair).
    derived: Vec<String>,
}

impl Case {
    fn env() -> TestEnv {
        TestEnv::with_config_file(Path::new(SHIPPED))
    }

    /// orgmap with exactly `vars` set among the integration variables.
    fn run_with(&self, env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = env.cmd();
        for name in CLEARED {
            cmd.env_remove(name);
        }
        cmd.env("NO_PROXY", "127.0.0.1,localhost");
        for (name, value) in vars {
            cmd.env(name, value);
        }
        cmd.args(args).output().expect("run orgmap")
    }

    fn vars(&self) -> Vec<(&str, &str)> {
        let mut vars: Vec<(&str, &str)> = self.settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vars.extend(self.secrets.iter().copied());
        vars
    }

    fn wrong_vars(&self) -> Vec<(&str, &str)> {
        self.vars().into_iter().map(|(k, v)| if k == self.wrong.0 { (k, self.wrong.1) } else { (k, v) }).collect()
    }

    /// `orgmap discover NAME` with the right canaries and `args`.
    fn discover(&self, env: &TestEnv, args: &[&str]) -> Output {
        let mut all = vec!["discover", self.name];
        all.extend_from_slice(args);
        self.run_with(env, &self.vars(), &all)
    }

    /// `orgmap discover NAME` with one wrong canary and `args`.
    fn discover_wrong(&self, env: &TestEnv, args: &[&str]) -> Output {
        let mut all = vec!["discover", self.name];
        all.extend_from_slice(args);
        self.run_with(env, &self.wrong_vars(), &all)
    }

    /// Discovers with `--json`, checks the listing against `expected` and returns it.
    fn discovers(&self, expected: &[Expected]) -> Value {
        let env = Case::env();
        let out = self.discover(&env, &["--json"]);
        let listing: Value = serde_json::from_slice(&succeeded(&out, self.name).stdout)
            .unwrap_or_else(|err| panic!("{}: stdout is not JSON ({err})", self.name));
        assert_eq!(listing["integration"], self.name);
        assert_eq!(listing["source"], "http");
        assert_eq!(listing["origin"], "fresh");
        assert_eq!(listing["warning"], Value::Null);
        let orgs = listing["organizations"].as_array().expect("organizations");
        let got: Vec<Expected> = orgs
            .iter()
            .map(|o| Expected {
                id: o["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: ID {} is not a string", self.name, o["id"]))
                    .to_owned(),
                name: o["name"].as_str().map(str::to_owned),
                active: o["active"].as_bool().expect("active"),
            })
            .collect();
        assert_eq!(got.len(), expected.len(), "{}: how many organizations", self.name);
        for (index, (got, want)) in got.iter().zip(expected).enumerate() {
            assert_eq!(got, want, "{}: organization {index}", self.name);
        }
        assert_eq!(listing["total"], expected.len(), "{}: total", self.name);
        listing
    }

    /// A wrong secret: exit 7, nothing on stdout, a hint about the credentials.
    fn refuses_wrong_credentials(&self) {
        let env = Case::env();
        let out = self.discover_wrong(&env, &["--json"]);
        assert_eq!(out.status.code(), Some(7), "{}: {}", self.name, String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty(), "{}: printed a listing although it failed", self.name);
        let error: Value = serde_json::from_slice(&out.stderr).expect("JSON error");
        let error = &error["error"];
        assert_eq!(error["exit_code"], 7);
        let hint = error["hint"].as_str().unwrap_or_default();
        assert!(hint.contains("credentials"), "{}: the hint should be about credentials: {error}", self.name);
        assert!(
            hint.contains(&format!("[integrations.{}.secrets]", self.name)),
            "{}: the hint should name where the secrets are declared: {error}",
            self.name
        );
        let human = self.discover_wrong(&env, &[]);
        assert_eq!(human.status.code(), Some(7));
        let stderr = String::from_utf8_lossy(&human.stderr);
        assert!(stderr.contains("error:") && stderr.contains("hint:") && stderr.contains("credentials"), "{stderr}");
    }

    /// Every secret value (right and wrong) and its derived forms.
    fn secret_values(&self) -> Vec<String> {
        let mut values: Vec<String> = self.secrets.iter().map(|(_, v)| (*v).to_owned()).collect();
        values.push(self.wrong.1.to_owned());
        values.extend(self.derived.iter().cloned());
        values
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    id: String,
    name: Option<String>,
    active: bool,
}

fn expected(id: &Value, name: &Value, active: bool) -> Expected {
    let id = match id {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("fixture ID {other}"),
    };
    Expected { id, name: name.as_str().map(str::to_owned), active }
}

fn succeeded<'o>(out: &'o Output, name: &str) -> &'o Output {
    assert!(
        out.status.success(),
        "discover {name} failed with {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The query of each logged request.
fn queries(requests: &[String]) -> Vec<HashMap<String, String>> {
    requests
        .iter()
        .map(|r| {
            let query = r.split_once('?').map_or("", |(_, q)| q);
            url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
        })
        .collect()
}

fn q<'m>(query: &'m HashMap<String, String>, key: &str) -> Option<&'m str> {
    query.get(key).map(String::as_str)
}

// ---------------------------------------------------------------------------------------------
// The cases

const HALO_CLIENT_ID: &str = "canary-halo-client-3b9e";
const HALO_SECRET: &str = "canary-halo-secret-7f3a/Qz+w=";
const NINJA_CLIENT_ID: &str = "canary-ninja-client-a41c";
const NINJA_SECRET: &str = "canary-ninja-secret-0d8e";
const M365_TENANT: &str = "c0ffee00-7e57-4a11-9b1d-00000c4a4a1e";
const M365_CLIENT_ID: &str = "canary-m365-client-62f0";
const M365_SECRET: &str = "canary~m365.secret_9Qk8";
const CW_COMPANY: &str = "fixturemsp";
const CW_PUBLIC: &str = "canarycwpub5e1c";
const CW_PRIVATE: &str = "canary/cw+private=71aa";
const CW_CLIENT_ID: &str = "canary-cw-clientid-1f2e";
const AT_USERNAME: &str = "canary-at-user-51c8@example.com";
const AT_SECRET: &str = "canary*at$Secret~9d2b";
const AT_CODE: &str = "CANARYATINTEGRATIONCODE3C7D";
const ITGLUE_KEY: &str = "ITG.canary-glue-key-4c7a";
const HUDU_KEY: &str = "canary-hudu-key-8b21";
const DATTO_KEY: &str = "CANARYDATTOKEY6E0F";
const DATTO_SECRET: &str = "canary-datto-secret-2a9c";

fn halopsa() -> Case {
    let api = fixture_apis::halopsa(HALO_CLIENT_ID, HALO_SECRET);
    Case {
        name: "halopsa",
        settings: vec![("HALOPSA_URL", api.url())],
        secrets: vec![("HALOPSA_CLIENT_ID", HALO_CLIENT_ID), ("HALOPSA_CLIENT_SECRET", HALO_SECRET)],
        wrong: ("HALOPSA_CLIENT_SECRET", "canary-halo-WRONG-secret-0b5d"),
        derived: vec![],
        api,
    }
}

fn ninjaone() -> Case {
    let api = fixture_apis::ninjaone(NINJA_CLIENT_ID, NINJA_SECRET);
    Case {
        name: "ninjaone",
        settings: vec![("NINJAONE_URL", api.url())],
        secrets: vec![("NINJAONE_CLIENT_ID", NINJA_CLIENT_ID), ("NINJAONE_CLIENT_SECRET", NINJA_SECRET)],
        wrong: ("NINJAONE_CLIENT_SECRET", "canary-ninja-WRONG-secret-77c3"),
        derived: vec![],
        api,
    }
}

fn m365() -> Case {
    let api = fixture_apis::m365(M365_TENANT, M365_CLIENT_ID, M365_SECRET);
    Case {
        name: "m365",
        settings: vec![("M365_GRAPH_URL", api.url()), ("M365_LOGIN_URL", api.second_url())],
        secrets: vec![
            ("M365_PARTNER_TENANT_ID", M365_TENANT),
            ("M365_CLIENT_ID", M365_CLIENT_ID),
            ("M365_CLIENT_SECRET", M365_SECRET),
        ],
        wrong: ("M365_CLIENT_SECRET", "canary~m365.WRONG_secret_5d1b"),
        derived: vec![],
        api,
    }
}

fn connectwise() -> Case {
    let api = fixture_apis::connectwise(CW_COMPANY, CW_PUBLIC, CW_PRIVATE, CW_CLIENT_ID);
    const WRONG: &str = "canary/cw+WRONG=private-3e90";
    Case {
        name: "connectwise",
        settings: vec![("CONNECTWISE_URL", api.url()), ("CONNECTWISE_COMPANY", CW_COMPANY.to_owned())],
        secrets: vec![
            ("CONNECTWISE_PUBLIC_KEY", CW_PUBLIC),
            ("CONNECTWISE_PRIVATE_KEY", CW_PRIVATE),
            ("CONNECTWISE_CLIENT_ID", CW_CLIENT_ID),
        ],
        wrong: ("CONNECTWISE_PRIVATE_KEY", WRONG),
        derived: vec![format!("{CW_COMPANY}+{CW_PUBLIC}:{CW_PRIVATE}"), format!("{CW_COMPANY}+{CW_PUBLIC}:{WRONG}")],
        api,
    }
}

fn autotask() -> Case {
    let api = fixture_apis::autotask(AT_USERNAME, AT_SECRET, AT_CODE);
    Case {
        name: "autotask",
        settings: vec![("AUTOTASK_URL", api.second_url())],
        secrets: vec![
            ("AUTOTASK_USERNAME", AT_USERNAME),
            ("AUTOTASK_SECRET", AT_SECRET),
            ("AUTOTASK_INTEGRATION_CODE", AT_CODE),
        ],
        wrong: ("AUTOTASK_SECRET", "canary*at$WRONG~secret-4b1a"),
        derived: vec![],
        api,
    }
}

fn itglue() -> Case {
    let api = fixture_apis::itglue(ITGLUE_KEY);
    Case {
        name: "itglue",
        settings: vec![("ITGLUE_URL", api.url())],
        secrets: vec![("ITGLUE_API_KEY", ITGLUE_KEY)],
        wrong: ("ITGLUE_API_KEY", "ITG.canary-WRONG-key-9f06"),
        derived: vec![],
        api,
    }
}

fn hudu() -> Case {
    let api = fixture_apis::hudu(HUDU_KEY);
    Case {
        name: "hudu",
        settings: vec![("HUDU_URL", api.url())],
        secrets: vec![("HUDU_API_KEY", HUDU_KEY)],
        wrong: ("HUDU_API_KEY", "canary-hudu-WRONG-key-c3d7"),
        derived: vec![],
        api,
    }
}

fn datto_rmm() -> Case {
    let api = fixture_apis::datto_rmm(DATTO_KEY, DATTO_SECRET);
    Case {
        name: "datto-rmm",
        settings: vec![("DATTO_RMM_URL", api.url())],
        secrets: vec![("DATTO_RMM_API_KEY", DATTO_KEY), ("DATTO_RMM_API_SECRET", DATTO_SECRET)],
        wrong: ("DATTO_RMM_API_SECRET", "canary-datto-WRONG-secret-6c45"),
        derived: vec![],
        api,
    }
}

fn all_cases() -> Vec<Case> {
    vec![halopsa(), ninjaone(), m365(), connectwise(), autotask(), itglue(), hudu(), datto_rmm()]
}

// ---------------------------------------------------------------------------------------------
// Discovery, one integration at a time

#[test]
fn halopsa_lists_every_client_with_inactive_ones_marked_and_pageinates() {
    let case = halopsa();
    let expected: Vec<Expected> =
        fixture_apis::halo_clients().iter().map(|c| expected(&c["id"], &c["name"], c["inactive"] == false)).collect();
    assert_eq!(expected.len(), 250);
    assert_eq!(expected.iter().filter(|e| !e.active).count(), 25);
    let listing = case.discovers(&expected);
    assert_eq!(listing["organizations"][0]["id"], "100");
    assert_eq!(case.api.token_requests(), 1, "one token for the whole run");
    let mut pages: Vec<HashMap<String, String>> = queries(&case.api.take_list_requests());
    pages.sort_by_key(|p| p["page_no"].parse::<u32>().unwrap());
    assert_eq!(pages.len(), 3, "{pages:?}");
    for (page, query) in pages.iter().enumerate() {
        assert_eq!(q(query, "page_no"), Some((page + 1).to_string().as_str()));
        assert_eq!(q(query, "page_size"), Some("100"));
        assert_eq!(q(query, "pageinate"), Some("true"), "page_size counts only with pageinate=true");
        assert_eq!(q(query, "includeinactive"), Some("true"));
    }
    case.refuses_wrong_credentials();
}

#[test]
fn ninjaone_lists_every_organization_keyset_after_the_last_id() {
    let case = ninjaone();
    let raw = fixture_apis::ninja_orgs();
    let expected: Vec<Expected> = raw.iter().map(|o| expected(&o["id"], &o["name"], true)).collect();
    assert_eq!(expected.len(), 250);
    case.discovers(&expected);
    assert_eq!(case.api.token_requests(), 1);
    let pages = queries(&case.api.take_list_requests());
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert_eq!(q(&pages[0], "after"), None);
    assert_eq!(q(&pages[1], "after"), Some(raw[99]["id"].to_string().as_str()), "after is the last ID, not an offset");
    assert_eq!(q(&pages[2], "after"), Some(raw[199]["id"].to_string().as_str()));
    assert!(pages.iter().all(|p| q(p, "pageSize") == Some("100")), "{pages:?}");
    case.refuses_wrong_credentials();
}

#[test]
fn m365_lists_every_customer_tenant_following_absolute_next_links() {
    let case = m365();
    let expected: Vec<Expected> =
        fixture_apis::m365_customers().iter().map(|c| expected(&c["tenantId"], &c["displayName"], true)).collect();
    assert_eq!(expected.len(), 250);
    assert_eq!(expected[42].name, None, "a tenant without a display name keeps no name");
    let listing = case.discovers(&expected);
    let pattern = regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$").unwrap();
    assert!(listing["organizations"].as_array().unwrap().iter().all(|o| pattern.is_match(o["id"].as_str().unwrap())));
    assert_eq!(case.api.token_requests(), 1);
    let pages = queries(&case.api.take_list_requests());
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[0].is_empty());
    assert!(pages[1..].iter().all(|p| p.contains_key("$skiptoken")), "{pages:?}");
    case.refuses_wrong_credentials();
}

#[test]
fn connectwise_lists_live_companies_following_the_link_header() {
    let case = connectwise();
    let live: Vec<Value> = fixture_apis::cw_companies().into_iter().filter(|c| c["deletedFlag"] == false).collect();
    let expected: Vec<Expected> = live.iter().map(|c| expected(&c["id"], &c["name"], true)).collect();
    assert_eq!(expected.len(), 2500);
    let listing = case.discovers(&expected);
    for (org, raw) in listing["organizations"].as_array().unwrap().iter().zip(&live) {
        assert_eq!(org["extra"]["identifier"], raw["identifier"], "the identifier is kept");
    }
    let requests = case.api.take_list_requests();
    assert!(
        requests.iter().all(|r| r.starts_with(&format!("/{}apis/3.0/", fixture_apis::CONNECTWISE_CODEBASE))),
        "the codebase comes from /login/companyinfo: {requests:?}"
    );
    let pages = queries(&requests);
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert_eq!(pages.iter().map(|p| q(p, "page")).collect::<Vec<_>>(), [None, Some("2"), Some("3")]);
    assert!(pages.iter().all(|p| q(p, "conditions") == Some("deletedFlag=false") && q(p, "pageSize") == Some("1000")));
    case.refuses_wrong_credentials();
}

#[test]
fn autotask_lists_active_companies_with_a_filter_on_the_zone_host() {
    let case = autotask();
    let active: Vec<Value> = fixture_apis::autotask_companies().into_iter().filter(|c| c["isActive"] == true).collect();
    let expected: Vec<Expected> = active.iter().map(|c| expected(&c["id"], &c["companyName"], true)).collect();
    assert_eq!(expected.len(), 1260);
    let listing = case.discovers(&expected);
    for (org, raw) in listing["organizations"].as_array().unwrap().iter().zip(&active) {
        match raw["webAddress"].as_str().filter(|w| !w.is_empty()) {
            Some(website) => assert_eq!(org["domains"], serde_json::json!([website.to_lowercase()]), "{org}"),
            None => assert!(org.get("domains").is_none(), "{org}"),
        }
    }
    let requests = case.api.take_list_requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests[0].to_ascii_lowercase().starts_with("/atservicesrest/v1.0/companies/query?"), "{requests:?}");
    assert!(requests[1..].iter().all(|r| r.starts_with("/ATServicesRest/V1.0/Companies/query/next?")), "{requests:?}");
    let search: Value = serde_json::from_str(q(&queries(&requests)[0], "search").expect("search")).unwrap();
    assert_eq!(search["filter"][0]["field"], "isActive");
    case.refuses_wrong_credentials();
}

#[test]
fn itglue_lists_every_organization_with_string_ids_and_dashed_attributes() {
    let case = itglue();
    let expected: Vec<Expected> = fixture_apis::itglue_orgs()
        .iter()
        .map(|o| {
            let active = o["attributes"]["organization-status-name"] == "Active";
            expected(&o["id"], &o["attributes"]["name"], active)
        })
        .collect();
    assert_eq!(expected.len(), 2500);
    assert_eq!(expected.iter().filter(|e| !e.active).count(), 625);
    case.discovers(&expected);
    let mut pages = queries(&case.api.take_list_requests());
    pages.sort_by_key(|p| p["page[number]"].parse::<u32>().unwrap());
    assert_eq!(pages.iter().map(|p| q(p, "page[number]")).collect::<Vec<_>>(), [Some("1"), Some("2"), Some("3")]);
    assert!(pages.iter().all(|p| q(p, "page[size]") == Some("1000")));
    case.refuses_wrong_credentials();
}

#[test]
fn hudu_lists_every_company_with_archived_ones_marked() {
    let case = hudu();
    let expected: Vec<Expected> =
        fixture_apis::hudu_companies().iter().map(|c| expected(&c["id"], &c["name"], c["archived"] == false)).collect();
    assert_eq!(expected.len(), 250);
    assert_eq!(expected[77].name, None);
    case.discovers(&expected);
    let pages = queries(&case.api.take_list_requests());
    assert_eq!(pages.iter().map(|p| q(p, "page")).collect::<Vec<_>>(), [Some("1"), Some("2"), Some("3")]);
    assert!(pages.iter().all(|p| q(p, "page_size") == Some("100")));
    case.refuses_wrong_credentials();
}

#[test]
fn datto_rmm_lists_sites_by_uid_from_page_zero_without_deleted_devices() {
    let case = datto_rmm();
    let sites: Vec<Value> =
        fixture_apis::datto_sites().into_iter().filter(|s| s["name"] != "Deleted Devices").collect();
    let expected: Vec<Expected> = sites.iter().map(|s| expected(&s["uid"], &s["name"], true)).collect();
    assert_eq!(expected.len(), 625);
    let listing = case.discovers(&expected);
    for (org, raw) in listing["organizations"].as_array().unwrap().iter().zip(&sites) {
        assert_eq!(org["extra"]["site_id"], raw["id"], "the integer site ID is kept");
        match raw["autotaskCompanyId"].as_u64() {
            Some(company) => assert_eq!(org["xrefs"]["autotask"], company.to_string(), "the Autotask company is kept"),
            None => assert!(org.get("xrefs").is_none(), "{org}"),
        }
    }
    assert_eq!(case.api.token_requests(), 1);
    let pages = queries(&case.api.take_list_requests());
    assert_eq!(pages.iter().map(|p| q(p, "page")).collect::<Vec<_>>(), [Some("0"), Some("1"), Some("2")]);
    assert!(pages.iter().all(|p| q(p, "max") == Some("250")));
    case.refuses_wrong_credentials();
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// `secret` as it may travel: plain, base64 (standard and URL-safe, with and without padding),
/// percent-encoded (every non-alphanumeric, and as a form or query encodes it).
fn encodings(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut all = vec![
        secret.to_owned(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC).to_string(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
    ];
    all.sort();
    all.dedup();
    all
}

/// Panics if any encoding of any value is in `haystack`.
fn assert_absent(what: &str, haystack: &[u8], values: &[String]) {
    for value in values {
        for needle in encodings(value) {
            assert!(
                !haystack.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{what} shows {needle:?} (a form of {value:?}):\n{}",
                String::from_utf8_lossy(haystack)
            );
        }
    }
}

/// Runs `case` through success, wrong credentials, a revoked app and a stale fallback, in JSON
/// and human form (with `-v`), and returns every output with the stores used.
fn every_path(case: &Case) -> (Vec<(String, Output)>, Vec<TestEnv>) {
    let mut outputs = Vec::new();
    let good = Case::env();
    let out = case.discover(&good, &["--json"]);
    succeeded(&out, case.name);
    outputs.push(("success --json".to_owned(), out));
    let out = case.discover(&good, &["-v", "--refresh"]);
    succeeded(&out, case.name);
    outputs.push(("success -v".to_owned(), out));

    let bad = Case::env();
    for args in [&["--json"][..], &["-v"][..]] {
        let out = case.discover_wrong(&bad, args);
        assert_eq!(out.status.code(), Some(7), "{}: wrong credentials {args:?}", case.name);
        outputs.push((format!("wrong credentials {args:?}"), out));
    }

    case.api.revoke();
    for args in [&["--json"][..], &["-v"][..]] {
        let out = case.discover(&bad, args);
        assert_eq!(out.status.code(), Some(7), "{}: revoked {args:?}", case.name);
        outputs.push((format!("revoked {args:?}"), out));
    }
    for args in [&["--json", "--refresh"][..], &["-v", "--refresh"][..]] {
        let out = case.discover(&good, args);
        succeeded(&out, case.name);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("showing the list cached"),
            "{}: stale warning",
            case.name
        );
        outputs.push((format!("stale {args:?}"), out));
    }
    (outputs, vec![good, bad])
}

#[test]
fn no_secret_or_token_shows_in_any_output_or_store_file() {
    for case in all_cases() {
        let (outputs, envs) = every_path(&case);
        let mut values = case.secret_values();
        let tokens = case.api.issued();
        values.extend(tokens.iter().cloned());
        if ["halopsa", "ninjaone", "m365", "datto-rmm"].contains(&case.name) {
            assert!(tokens.len() >= 4, "{}: tokens were issued on the success and revoked paths", case.name);
        }
        for (what, out) in &outputs {
            assert_absent(&format!("{} {what}: stdout", case.name), &out.stdout, &values);
            assert_absent(&format!("{} {what}: stderr", case.name), &out.stderr, &values);
        }
        for env in &envs {
            let files = env.store_contents();
            assert!(!files.is_empty(), "the store has files");
            for (path, bytes) in files {
                assert_absent(&format!("{}: store file {path}", case.name), &bytes, &values);
            }
        }
    }
}

#[test]
fn integrations_json_names_missing_variables_never_values() {
    let cases = all_cases();
    let env = Case::env();
    let mut all: Vec<(&str, &str)> = Vec::new();
    for case in &cases {
        all.extend(case.vars());
    }
    let secrets: Vec<String> = cases.iter().flat_map(Case::secret_values).collect();

    let out = cases[0].run_with(&env, &all, &["integrations", "--json"]);
    let listed: Value = serde_json::from_slice(&succeeded(&out, "integrations").stdout).expect("JSON");
    for case in &cases {
        let view = listed.as_array().unwrap().iter().find(|v| v["name"] == case.name).expect("listed");
        assert_eq!(view["configured"], true, "{view}");
        assert_eq!(view["missing"], serde_json::json!([]), "{view}");
    }
    assert_absent("integrations --json", &out.stdout, &secrets);

    // One secret of each integration unset: each says which, by name.
    let unset: Vec<&str> = cases.iter().map(|c| c.wrong.0).collect();
    let partial: Vec<(&str, &str)> = all.iter().copied().filter(|(k, _)| !unset.contains(k)).collect();
    for args in [&["integrations", "--json"][..], &["integrations"][..]] {
        let out = cases[0].run_with(&env, &partial, args);
        succeeded(&out, "integrations");
        assert_absent(&format!("{args:?} stdout"), &out.stdout, &secrets);
        assert_absent(&format!("{args:?} stderr"), &out.stderr, &secrets);
        let text = String::from_utf8_lossy(&out.stdout);
        for var in &unset {
            assert!(text.contains(var), "{args:?} names {var}: {text}");
        }
    }
    let out = cases[0].run_with(&env, &partial, &["integrations", "--json"]);
    let listed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for case in &cases {
        let view = listed.as_array().unwrap().iter().find(|v| v["name"] == case.name).expect("listed");
        assert_eq!(view["configured"], false, "{view}");
        assert_eq!(view["missing"], serde_json::json!([format!("environment variable {}", case.wrong.0)]), "{view}");
    }

    // discover refuses before any request: exit 5, naming the variable.
    for case in &cases {
        let before = case.api.take_list_requests().len() + case.api.token_requests();
        let out = case.run_with(&env, &partial, &["discover", case.name, "--json"]);
        assert_eq!(out.status.code(), Some(5), "{}: {}", case.name, String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(case.wrong.0), "{}: {stderr}", case.name);
        assert_absent(&format!("{} not configured", case.name), &out.stderr, &secrets);
        assert_eq!(
            case.api.take_list_requests().len() + case.api.token_requests(),
            before,
            "{}: no request",
            case.name
        );
    }
}

/// A secret sent as a query parameter (Autotask's `zoneInformation?user=`) is redacted in the form
/// a query encodes it (`@` as `%40`, `-` and `.` as they are) when the URL shows in an error.
#[test]
// Regression: a secret in a query parameter showed form-urlencoded (user=name%40example.com) in errors
fn autotask_unknown_user_does_not_leak_through_the_zone_url() {
    let case = autotask();
    let env = Case::env();
    const WRONG_USER: &str = "canary-at-WRONG-user-2e6f@example.com";
    let vars: Vec<(&str, &str)> =
        case.vars().into_iter().map(|(k, v)| if k == "AUTOTASK_USERNAME" { (k, WRONG_USER) } else { (k, v) }).collect();
    let mut values = case.secret_values();
    values.push(WRONG_USER.to_owned());
    for args in [&["discover", "autotask", "--json"][..], &["discover", "autotask", "-v"][..]] {
        let out = case.run_with(&env, &vars, args);
        assert_eq!(out.status.code(), Some(7), "{}", String::from_utf8_lossy(&out.stderr));
        assert_absent(&format!("{args:?} stdout"), &out.stdout, &values);
        assert_absent(&format!("{args:?} stderr"), &out.stderr, &values);
    }
}
