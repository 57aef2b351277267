//! Property tests: the config parser, templates and record extraction of the public library API
//! never panic whatever they are given, and the binary survives arbitrary pages of external
//! systems and arbitrary `--meta` values with a documented exit code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::get;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError};
use serde_json::{Value, json};

use orgmap::config::Config;
use orgmap::config::requests::RecordsSpec;
use orgmap::template::{RenderError, Template};

use crate::common::TestEnv;
use crate::common::deadline::output_within;
use crate::fixture::FixtureServer;

/// The library properties: many cases, each microseconds.
fn library() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// The properties that run the binary: a handful of cases, each a process.
fn binary() -> ProptestConfig {
    ProptestConfig { cases: 16, failure_persistence: None, max_shrink_iters: 32, ..ProptestConfig::default() }
}

// --- config ------------------------------------------------------------------------------------

const HEADERS: &[&str] = &[
    "[integrations.x]",
    "[integrations.y]",
    "[integrations.Bad]",
    "[integrations]",
    "[x]",
    "[integrations.x.list_organizations]",
    "[integrations.x.list_organizations.pagination]",
    "[integrations.x.list_organizations.records]",
    "[integrations.x.auth]",
    "[integrations.x.secrets]",
    "[integrations.x.vars]",
    "[[integrations.x.steps]]",
    "[integrations.x.test_connection]",
    "[integrations.x.validate]",
    "[integrations.x.list_organizations.query]",
    "[integrations.x.list_organizations.json]",
];

const KEYS: &[&str] = &[
    "display_name",
    "supports_org_mapping",
    "description",
    "id_pattern",
    "cache_ttl",
    "timeout",
    "concurrency",
    "max_pages",
    "retries",
    "kind",
    "url",
    "path",
    "method",
    "param",
    "start",
    "size",
    "size_param",
    "limit",
    "offset_param",
    "limit_param",
    "total_count",
    "total_pages",
    "cursor",
    "id",
    "name",
    "keep",
    "inactive",
    "exclude",
    "token",
    "username",
    "password",
    "headers",
    "grant",
    "token_url",
    "client_id",
    "env",
    "command",
    "file",
    "extract",
    "defaults",
    "argv",
    "base",
    "t",
    "bogus",
    "\"quoted key\"",
    "a.b",
];

const VALUES: &[&str] = &[
    "\"X\"",
    "\"\"",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "64",
    "9223372036854775807",
    "18446744073709551615",
    "1.5",
    "nan",
    "inf",
    "1979-05-27T07:32:00Z",
    "\"1h\"",
    "\"1h 30m\"",
    "\"-5s\"",
    "\"0s\"",
    "\"999999999999999h\"",
    "\"http\"",
    "\"command\"",
    "\"file\"",
    "\"page\"",
    "\"offset\"",
    "\"keyset\"",
    "\"next_url\"",
    "\"link_header\"",
    "\"bearer\"",
    "\"basic\"",
    "\"oauth2\"",
    "\"client_credentials\"",
    "\"GET\"",
    "\"$.id\"",
    "\"$[*]\"",
    "\"$..*\"",
    "\"$.data[?@.id > 1]\"",
    "\"$[\"",
    "\"{env.X}\"",
    "\"{env.X:-http://127.0.0.1:9}\"",
    "\"{secret.t}\"",
    "\"{vars.base}/x\"",
    "\"{steps.s.k}\"",
    "\"{external_org_id}\"",
    "\"{metadata.k}\"",
    "\"{\"",
    "\"}\"",
    "\"{{}}\"",
    "\"{}\"",
    "\"{ env . X }\"",
    "\"(\"",
    "\"[0-9]+\"",
    "\"\\\\p{Greek}+\"",
    "\"a{1000}{1000}\"",
    "[]",
    "[\"a\", 1]",
    "[\"{env.X}\", \"x\"]",
    "{ env = \"T\" }",
    "{ env = \"T\", file = \"/x\" }",
    "{ command = [] }",
    "{ path = \"$.a\", eq = 1 }",
    "[{ path = \"$.a\", ne = \"x\" }]",
    "[{ path = \"$.a\", in = [1, \"a\"], not_in = [] }]",
    "{ a = \"$.a\" }",
    "{ a = { b = [1, { c = \"{env.Y}\" }] } }",
];

/// TOML-ish text from a small grammar of the config's own tables, keys and values.
fn tomlish() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        2 => prop::sample::select(HEADERS).prop_map(str::to_owned),
        6 => (prop::sample::select(KEYS), prop::sample::select(VALUES)).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => (prop::sample::select(KEYS), any::<String>()).prop_map(|(k, v)| format!("{k} = {v:?}")),
        1 => any::<String>(),
    ];
    (any::<bool>(), prop::collection::vec(line, 0..24)).prop_map(|(valid_start, lines)| {
        let start =
            if valid_start { "[integrations.x]\ndisplay_name = \"X\"\nsupports_org_mapping = true\n" } else { "" };
        format!("{start}{}\n", lines.join("\n"))
    })
}

#[test]
fn config_parse_never_panics_on_arbitrary_text() {
    proptest!(library(), |(text in any::<String>())| {
        let _ = Config::parse(&text, None);
    });
}

#[test]
fn config_parse_never_panics_on_toml_from_the_config_grammar() {
    proptest!(library(), |(text in tomlish())| {
        if let Ok(config) = Config::parse(&text, Some("/nonexistent/integrations.toml".into())) {
            for (name, integration) in &config.integrations {
                prop_assert!(orgmap::config::is_valid_integration_name(name), "{name}");
                prop_assert!((1..=64).contains(&integration.concurrency));
                prop_assert!(integration.max_pages >= 1);
                prop_assert!(integration.retries <= 10);
            }
        }
    });
}

// --- templates ---------------------------------------------------------------------------------

/// Strings rich in braces, colons and dots, and arbitrary ones.
fn template_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[{}a-z.:\\- _{}]{0,40}",
        "(\\{(env|secret|vars|steps)\\.[a-z.]{0,8}(:-[a-z{}]*)?\\}|[a-z/]|\\{\\{|\\}\\}){0,8}",
    ]
}

#[test]
fn templates_parse_and_render_without_panics() {
    proptest!(library(), |(text in template_text())| {
        let Ok(template) = Template::parse(&text) else { return Ok(()) };
        let echoed = template.render(&mut |name| Ok(Some(name.to_owned())));
        prop_assert!(echoed.is_ok(), "{echoed:?}");
        let missing = template.render(&mut |_| Ok(None));
        let needs_value = template.required_variables().next().is_some();
        prop_assert_eq!(missing.is_err(), needs_value);
        let failing = template.render(&mut |_| Err(RenderError::Failed("no".into())));
        prop_assert_eq!(failing.is_err(), template.variables().next().is_some());
        if !text.contains(['{', '}']) {
            prop_assert_eq!(echoed.unwrap(), text.clone());
            prop_assert!(template.is_literal());
        }
        prop_assert_eq!(template.source(), text.as_str());
    });
}

// --- records -----------------------------------------------------------------------------------

const RECORD_SPECS: &[&str] = &[
    "",
    "path = \"$\"",
    "path = \"$.data\"",
    "path = \"$.clients[*]\"\nname = [\"$.name\", \"$.displayName\"]\n",
    "path = \"$..*\"",
    "path = \"$[*][*]\"\nid = \"$[0]\"",
    "path = \"$[?@.id]\"\nid = \"$.id\"",
    "path = \"$.data[*]\"\nid = \"$.attributes.id\"\nname = \"$.attributes.name\"\nkeep = { status = \"$.status\", all = \"$\" }\ninactive = [{ path = \"$.status\", ne = \"Active\" }]\nexclude = [{ path = \"$.name\", in = [\"x\", 1, true] }, { path = \"$.id\", eq = 0 }]\n",
    "id = \"$.id.value\"\ninactive = [{ path = \"$.active\", not_in = [true, \"yes\", 1.5] }]\n",
    "path = \"$.data[*]\"\nid = \"$..id\"\nname = \"$..name\"\n",
];

/// JSON values rich in the keys records are read from.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(
            &["id", "name", "data", "clients", "displayName", "status", "attributes", "active", "value"][..]
        )
        .prop_map(str::to_owned),
        "[a-z\\x00-\\x1f\u{202e}]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![any::<String>(), "[A-Za-z0-9 \\x00-\\x1f\u{202e}]{0,12}", Just("x".repeat(700))]
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 128, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

#[test]
fn record_extraction_never_panics_and_keeps_only_clean_ids_and_names() {
    let specs: Vec<RecordsSpec> =
        RECORD_SPECS.iter().map(|text| toml::from_str(text).expect("a valid records spec")).collect();
    proptest!(library(), |(spec in prop::sample::select(specs), body in json_value())| {
        if let Ok(orgs) = orgmap::providers::records::extract(&spec, &body) {
            for org in orgs {
                prop_assert!(!org.id.is_empty() && org.id.chars().count() <= 200, "{:?}", org.id);
                prop_assert!(!org.id.chars().any(char::is_control), "{:?}", org.id);
                if let Some(name) = &org.name {
                    prop_assert!(name.chars().count() <= 500);
                    prop_assert!(!name.chars().any(char::is_control), "{name:?}");
                }
            }
        }
    });
}

// --- pagination through the binary -------------------------------------------------------------

/// What the fixture answers: page N of the script for the Nth request, then the last page again
/// or an empty one.
#[derive(Debug, Clone, Default)]
struct Script {
    pages: Vec<(Value, Option<String>)>,
    repeat_last: bool,
    served: usize,
}

async fn serve(State(script): State<Arc<Mutex<Script>>>) -> (StatusCode, HeaderMap, String) {
    let (body, link) = {
        let mut script = script.lock().unwrap_or_else(|e| e.into_inner());
        let n = script.served;
        script.served += 1;
        match script.pages.get(n) {
            Some(page) => page.clone(),
            None if script.repeat_last && !script.pages.is_empty() => script.pages[script.pages.len() - 1].clone(),
            None => (json!({ "data": [] }), None),
        }
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LINK, link);
    }
    (StatusCode::OK, headers, body.to_string())
}

/// Values where a total, a count or a cursor is read.
fn number_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0u64..12).prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(2.5)),
        Just(json!("3")),
        Just(json!(" 2 ")),
        Just(json!("x")),
        Just(json!([1])),
    ]
}

/// Next links: same-origin ones, loops, junk, and ones refused before any lookup. None names a
/// host other than 127.0.0.1, so nothing can reach DNS.
fn next_link() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0u8..6).prop_map(|n| json!(format!("/orgs?p={n}"))),
        (0u8..6).prop_map(|n| json!(format!("?p={n}"))),
        Just(json!("/orgs")),
        Just(json!("")),
        Just(json!("   ")),
        Just(json!("http://127.0.0.1:9/refused")),
        Just(json!("ftp://127.0.0.1/x")),
        Just(json!("javascript:alert(1)")),
        Just(json!("http://[::1")),
        Just(json!(7)),
        "[a-z0-9?=&. %]{0,12}".prop_map(Value::String),
    ]
}

fn link_header() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0u8..6).prop_map(|n| Some(format!("</orgs?p={n}>; rel=\"next\""))),
        (0u8..6).prop_map(|n| Some(format!("<?p={n}>; rel=next"))),
        Just(Some("</orgs?p=1>; rel=\"prev\", </orgs?p=2>; REL = \"NEXT\"".to_owned())),
        Just(Some("<>; rel=\"next\"".to_owned())),
        Just(Some("<; rel=\"next\"".to_owned())),
        Just(Some(";;,,<".to_owned())),
        Just(Some("<http://127.0.0.1:9/x>; rel=\"next\"".to_owned())),
        Just(Some("<http://[::1>; rel=\"next\"".to_owned())),
    ]
}

fn record() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0u64..40).prop_map(|i| json!({ "id": i, "name": format!("Org {i}") })),
        1 => "[a-z0-9]{1,6}".prop_map(|id| json!({ "id": id })),
        1 => json_value(),
    ]
}

fn page() -> impl Strategy<Value = (Value, Option<String>)> {
    let structured = (prop::collection::vec(record(), 0..5), number_like(), number_like(), next_link())
        .prop_map(|(data, total, pages, next)| json!({ "data": data, "total": total, "pages": pages, "next": next }));
    (prop_oneof![5 => structured, 1 => json_value()], link_header())
}

fn script() -> impl Strategy<Value = Script> {
    (prop::collection::vec(page(), 1..6), any::<bool>()).prop_map(|(pages, repeat_last)| Script {
        pages,
        repeat_last,
        served: 0,
    })
}

const PAGINATIONS: &[(&str, &str)] = &[
    ("page", "kind = \"page\"\nparam = \"p\"\nsize_param = \"n\"\nsize = 2"),
    ("page-total", "kind = \"page\"\nparam = \"p\"\nstart = 0\ntotal_pages = \"$.pages\""),
    ("page-count", "kind = \"page\"\nparam = \"p\"\nsize = 2\ntotal_count = \"$.total\""),
    ("offset", "kind = \"offset\"\noffset_param = \"o\"\nlimit_param = \"l\"\nlimit = 2"),
    (
        "offset-count",
        "kind = \"offset\"\noffset_param = \"o\"\nlimit_param = \"l\"\nlimit = 2\ntotal_count = \"$.total\"",
    ),
    ("keyset", "kind = \"keyset\"\nparam = \"after\"\nsize = 2"),
    ("next-url", "kind = \"next_url\"\npath = \"$.next\""),
    ("link-header", "kind = \"link_header\""),
];

fn paginated_config(pagination: &str) -> String {
    format!(
        r#"
[integrations.paged]
display_name = "Paged"
supports_org_mapping = true
timeout = "5s"
retries = 0
max_pages = 6
concurrency = 2

[integrations.paged.list_organizations]
kind = "http"
url = "{{env.FIXTURE_URL}}/orgs"

[integrations.paged.list_organizations.pagination]
{pagination}

[integrations.paged.list_organizations.records]
path = "$.data[*]"
"#
    )
}

/// Each pagination kind over arbitrary pages: discover ends, by itself, with 0 or 7.
#[test]
fn discover_survives_arbitrary_pages_with_every_pagination_kind() {
    for (kind, pagination) in PAGINATIONS {
        let state = Arc::new(Mutex::new(Script::default()));
        let server = FixtureServer::start(Router::new().route("/orgs", get(serve)).with_state(state.clone()));
        let env = TestEnv::with_config(&paginated_config(pagination));
        proptest!(binary(), |(script in script())| {
            *state.lock().unwrap_or_else(|e| e.into_inner()) = script.clone();
            let mut cmd = env.std_cmd();
            cmd.env("FIXTURE_URL", server.url("")).args(["discover", "paged", "--refresh", "--json"]);
            let out = output_within(cmd, Duration::from_secs(30))
                .ok_or_else(|| TestCaseError::fail(format!("{kind}: discover hung on {script:?}")))?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            prop_assert!(!stderr.contains("panicked") && !stderr.contains("orgmap crashed"), "{kind}: {stderr}");
            prop_assert!(matches!(code, Some(0 | 7)), "{kind}: exit {code:?} on {script:?}: {stderr}");
            if code == Some(0) {
                let listing: Value = serde_json::from_slice(&out.stdout).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(listing["total"].is_u64(), "{listing}");
            }
            let served = state.lock().unwrap_or_else(|e| e.into_inner()).served;
            prop_assert!(served <= 6, "{kind}: {served} requests although max_pages = 6");
        });
    }
}

// --- --meta through the binary -----------------------------------------------------------------

fn meta_argument() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        ("[a-zA-Z0-9_.\\-/ =]{0,70}", any::<String>()).prop_map(|(k, v)| format!("{k}={v}")),
        ("[a-z]{1,8}", "[\\x01-\\x1f\\x7f\u{202e}a-z=]{0,8}").prop_map(|(k, v)| format!("{k}={v}")),
    ]
    .prop_map(|s| s.replace('\0', ""))
}

#[test]
fn set_with_arbitrary_meta_exits_0_2_or_5() {
    let env = TestEnv::with_org();
    proptest!(binary(), |(meta in meta_argument())| {
        let mut cmd = env.std_cmd();
        cmd.args(["set", "demo", "1", "--org", "acme", "--meta"]).arg(&meta);
        let out = output_within(cmd, Duration::from_secs(30))
            .ok_or_else(|| TestCaseError::fail(format!("set hung on {meta:?}")))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked") && !stderr.contains("orgmap crashed"), "{stderr}");
        let code = out.status.code();
        prop_assert!(matches!(code, Some(0 | 2 | 5)), "exit {code:?} for --meta {meta:?}: {stderr}");
    });
}
