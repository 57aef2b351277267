//! `orgmap test` against fixture servers on 127.0.0.1: every outcome with its exit code and hint,
//! `--retries`, the list fallback, `--all` with mixed results, where the last result is kept (and
//! what it must not touch), templating of the test request, and secrets that must never show.
//!
//! Every run goes through [`Site::run_as`], which fails the test if a canary secret shows in its
//! stdout or stderr in any encoding. No test resolves a host name or leaves the loopback interface.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use crate::common::TestEnv;
use crate::fixture::{Counter, FixtureServer};
use crate::fixture_tls::TlsServer;

// Canary secrets: none may ever show, in any encoding. `+`, `/` and `=` make every encoding differ.
const BEARER_TOKEN: &str = "cnry-bearer+Tok/1=";
const WRONG_TOKEN: &str = "cnry-stale+Tok/7=";
const API_KEY: &str = "cnry-apikey+Key/2=";
const WRONG_API_KEY: &str = "cnry-wrong+Key/6=";
const BASIC_USER: &str = "svc-orgmap";
const BASIC_PASSWORD: &str = "cnry-basic+Pw/3=";
const CLIENT_ID: &str = "orgmap-client";
const CLIENT_SECRET: &str = "cnry-client+Secret/4=";
/// The token the fixture's token endpoint issues.
const ISSUED_TOKEN: &str = "cnry-issued+Token/5=";

/// Every value that must never show, with the credential pairs that carry them in Basic headers.
fn canaries() -> Vec<String> {
    vec![
        BEARER_TOKEN.into(),
        WRONG_TOKEN.into(),
        API_KEY.into(),
        WRONG_API_KEY.into(),
        BASIC_PASSWORD.into(),
        CLIENT_SECRET.into(),
        ISSUED_TOKEN.into(),
        format!("{BASIC_USER}:{BASIC_PASSWORD}"),
        format!("{CLIENT_ID}:{CLIENT_SECRET}"),
    ]
}

/// The canaries found in `text`: as they are, percent-encoded (any set), or inside base64 (either
/// alphabet, padded or not, at any alignment).
fn leaked(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
    let mut base64_plain: Vec<Vec<u8>> = Vec::new();
    let lenient = base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone);
    for (alphabet, extra) in [(&base64::alphabet::STANDARD, "+/"), (&base64::alphabet::URL_SAFE, "-_")] {
        let engine = base64::engine::GeneralPurpose::new(alphabet, lenient);
        for run in text.split(|c: char| !(c.is_ascii_alphanumeric() || extra.contains(c))) {
            if run.len() < 12 {
                continue;
            }
            for offset in 0..4 {
                let mut part = &run[offset..];
                while part.len() % 4 == 1 {
                    part = &part[..part.len() - 1];
                }
                if let Ok(bytes) = engine.decode(part) {
                    base64_plain.push(bytes);
                }
            }
        }
    }
    for canary in canaries() {
        let in_base64 = base64_plain.iter().any(|bytes| bytes.windows(canary.len()).any(|w| w == canary.as_bytes()));
        if text.contains(&canary) || decoded.contains(&canary) || in_base64 {
            found.push(canary);
        }
    }
    found
}

fn assert_no_leak(what: &str, text: &str) {
    let found = leaked(text);
    assert!(found.is_empty(), "{what} shows secrets {found:?}:\n{text}");
}

// ---------------------------------------------------------------------------------------------
// The fixture API: one server stands in for every HTTP system of the config below.

/// A request the fixture received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// As sent, percent-encoding included.
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: String,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    fn query_pairs(&self) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or_default().as_bytes()).into_owned().collect()
    }
}

/// One answer.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// An error that echoes the credentials and the body it received, as careless APIs do: what
    /// orgmap shows of it must be redacted.
    fn echo(status: u16, seen: &Seen) -> Self {
        Reply::json(
            status,
            json!({
                "authorization": seen.header("authorization"),
                "x-api-key": seen.header("x-api-key"),
                "request": seen.body,
                "error": format!("status {status}"),
            }),
        )
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

type Responder = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct ApiState {
    seen: Arc<Mutex<Vec<Seen>>>,
    respond: Arc<Responder>,
}

async fn handle(
    State(state): State<ApiState>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    let nth = {
        let mut all = state.seen.lock().unwrap();
        all.push(seen.clone());
        all.iter().filter(|s| s.path == seen.path).count()
    };
    let reply = (state.respond)(&seen, nth);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (StatusCode::from_u16(reply.status).expect("status"), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().expect("header value"));
    }
    response
}

/// A fixture HTTP server that records every request and answers with `respond(request, n)`, `n`
/// counting the requests for the same path so far (1 for the first).
struct Api {
    server: FixtureServer,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Api {
    fn start(respond: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = ApiState { seen: seen.clone(), respond: Arc::new(respond) };
        let router = Router::new().fallback(handle).with_state(state);
        Api { server: FixtureServer::start(router), seen }
    }

    /// The standard systems (see [`standard`]).
    fn standard() -> Self {
        Api::start(standard)
    }

    fn base(&self) -> String {
        self.server.url("")
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests for paths starting with `prefix`.
    fn seen_at(&self, prefix: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path.starts_with(prefix)).collect()
    }
}

/// The systems of [`CONFIG`]: `/SYSTEM/clients/ID` checks the system's credentials (a 401 echoing
/// them when they are wrong), then answers as the ID says: `ok…` 200, `401`, `403`, `404`, `500`
/// and `missing…` (404) those statuses, `429-120` throttled with `Retry-After: 120`, `429-once…`
/// throttled with `Retry-After: 1` the first time and 200 after, `html` a login page, `cut` a 401
/// whose echo of the credentials starts at character 186 of its body; anything
/// else 404. `/open/…` needs no credentials and always answers 200. An ID ending in `-N` is
/// answered after (20 - N) × 5 ms, so that later requests finish first. `/token` issues
/// [`ISSUED_TOKEN`] for the right client credentials (in the body or a Basic header);
/// `/token-refused` refuses whatever it is sent.
fn standard(seen: &Seen, nth: usize) -> Reply {
    let path = seen.path.as_str();
    if path == "/token" || path == "/token-refused" {
        let form: BTreeMap<String, String> = url::form_urlencoded::parse(seen.body.as_bytes()).into_owned().collect();
        let basic = format!("Basic {}", b64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
        let by_body = form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
        let by_header = seen.header("authorization") == basic;
        let granted = form.get("grant_type").map(String::as_str) == Some("client_credentials");
        if path == "/token" && granted && (by_body || by_header) {
            return Reply::json(200, json!({"access_token": ISSUED_TOKEN, "token_type": "Bearer", "expires_in": 3600}));
        }
        return Reply::echo(401, seen);
    }
    let Some((system, id)) = path.strip_prefix('/').and_then(|p| p.split_once("/clients/")) else {
        return Reply::echo(404, seen);
    };
    let authorized = match system {
        "psa" => seen.header("authorization") == format!("Bearer {BEARER_TOKEN}"),
        "rmm" => seen.header("x-api-key") == API_KEY,
        "docs" => seen.header("authorization") == format!("Basic {}", b64(&format!("{BASIC_USER}:{BASIC_PASSWORD}"))),
        "m365" | "m365b" => seen.header("authorization") == format!("Bearer {ISSUED_TOKEN}"),
        "open" => return Reply::json(200, json!({"id": id})),
        _ => false,
    };
    if !authorized {
        return Reply::echo(401, seen);
    }
    let delay = id
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse::<u64>().ok())
        .map_or(Duration::ZERO, |n| Duration::from_millis(20u64.saturating_sub(n) * 5));
    let mut reply = if id.starts_with("ok") {
        Reply::json(200, json!({"id": id, "name": "Fixture client"}))
    } else if id == "429-120" {
        Reply::json(429, json!({"error": "slow down"})).header("retry-after", "120")
    } else if id.starts_with("429-once") {
        if nth == 1 {
            Reply::json(429, json!({"error": "slow down"})).header("retry-after", "1")
        } else {
            Reply::json(200, json!({"id": id}))
        }
    } else if id == "cut" {
        // An error whose token starts 186 characters in: a 200-character excerpt cuts it.
        let body = format!(r#"{{"p":"{}","a":"{}"}}"#, "x".repeat(166), seen.header("authorization"));
        let mut cut = Reply::json(401, json!({}));
        cut.body = body;
        cut
    } else if id == "html" {
        let mut page = Reply::json(200, json!({}));
        page.headers = vec![("content-type", "text/html".into())];
        page.body = "<html><body>Please sign in</body></html>".into();
        page
    } else if let Ok(status @ (401 | 403 | 404 | 500)) = id.parse::<u16>() {
        Reply::echo(status, seen)
    } else {
        Reply::echo(404, seen)
    };
    reply.delay = delay;
    reply
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

// ---------------------------------------------------------------------------------------------
// Fixtures that are not HTTP servers.

/// Accepts connections on 127.0.0.1 and never answers (nor reads), or hangs up at once; counts
/// the connections.
struct Silent {
    addr: SocketAddr,
    connections: Counter,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Silent {
    /// Holds every connection open without a word.
    fn start() -> Self {
        Silent::serve(true)
    }

    /// Closes every connection as soon as it is accepted.
    fn hanging_up() -> Self {
        Silent::serve(false)
    }

    fn serve(hold: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let connections = Counter::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopped) = (connections.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        count.hit();
                        if hold {
                            held.push(stream);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Silent { addr, connections, stop, thread: Some(thread) }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `http://127.0.0.1:PORT` where nothing listens: a port that was just free.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------
// The config and the site.

/// Integrations for every case. The HTTP ones reach `{env.FIXTURE_URL}`, `{env.SILENT_URL}`,
/// `{env.CLOSED_URL}` or `{env.TLS_URL}`; none has a host name to resolve.
const CONFIG: &str = r#"
[integrations.psa]
display_name = "PSA (bearer)"
supports_org_mapping = true
timeout = "3s"
[integrations.psa.secrets]
token = { env = "PSA_TOKEN" }
[integrations.psa.auth]
kind = "bearer"
token = "{secret.token}"
[integrations.psa.test_connection]
url = "{env.FIXTURE_URL}/psa/clients/{external_org_id}"

[integrations.rmm]
display_name = "RMM (API key)"
supports_org_mapping = true
timeout = "3s"
[integrations.rmm.secrets]
key = { env = "RMM_API_KEY" }
[integrations.rmm.auth]
kind = "headers"
headers = { x-api-key = "{secret.key}" }
[integrations.rmm.test_connection]
url = "{env.FIXTURE_URL}/rmm/clients/{external_org_id}"

[integrations.docs]
display_name = "Docs (basic)"
supports_org_mapping = true
timeout = "3s"
[integrations.docs.secrets]
password = { env = "DOCS_PASSWORD" }
[integrations.docs.auth]
kind = "basic"
username = "svc-orgmap"
password = "{secret.password}"
[integrations.docs.test_connection]
url = "{env.FIXTURE_URL}/docs/clients/{external_org_id}"

[integrations.m365]
display_name = "M365 (OAuth2)"
supports_org_mapping = true
timeout = "3s"
[integrations.m365.secrets]
client_secret = { env = "M365_CLIENT_SECRET" }
[integrations.m365.auth]
kind = "oauth2"
grant = "client_credentials"
token_url = "{env.FIXTURE_URL}/token{env.TOKEN_SUFFIX:-}"
client_id = "orgmap-client"
client_secret = "{secret.client_secret}"
[integrations.m365.test_connection]
url = "{env.FIXTURE_URL}/m365/clients/{external_org_id}"

[integrations.m365b]
display_name = "M365 (OAuth2, client credentials in a Basic header)"
supports_org_mapping = true
timeout = "3s"
[integrations.m365b.secrets]
client_secret = { env = "M365_CLIENT_SECRET" }
[integrations.m365b.auth]
kind = "oauth2"
grant = "client_credentials"
client_auth = "basic"
token_url = "{env.FIXTURE_URL}/token{env.TOKEN_SUFFIX:-}"
client_id = "orgmap-client"
client_secret = "{secret.client_secret}"
[integrations.m365b.test_connection]
url = "{env.FIXTURE_URL}/m365b/clients/{external_org_id}"

[integrations.tmpl]
display_name = "Templated test request"
supports_org_mapping = true
timeout = "3s"
[integrations.tmpl.test_connection]
url = "{env.FIXTURE_URL}/open/clients/{external_org_id}"
query = { name = "{external_org_name}", fixed = "yes" }
headers = { x-region = "{metadata.region}", x-name = "{external_org_name}" }

[integrations.slow]
display_name = "Never answers"
supports_org_mapping = true
timeout = "1s"
[integrations.slow.test_connection]
url = "{env.SILENT_URL}/clients/{external_org_id}"

[integrations.closed]
display_name = "Nothing listens"
supports_org_mapping = true
timeout = "2s"
[integrations.closed.test_connection]
url = "{env.CLOSED_URL}/clients/{external_org_id}"

[integrations.tls]
display_name = "Self-signed certificate"
supports_org_mapping = true
timeout = "3s"
[integrations.tls.secrets]
token = { env = "PSA_TOKEN" }
[integrations.tls.auth]
kind = "bearer"
token = "{secret.token}"
[integrations.tls.test_connection]
url = "{env.TLS_URL}/clients/{external_org_id}"

[integrations.listed]
display_name = "Listed in a file"
supports_org_mapping = true
[integrations.listed.list_organizations]
kind = "file"
path = "listed.json"

[integrations.blind]
display_name = "Neither a test request nor a list"
supports_org_mapping = true
"#;

/// A store with the org `acme`, [`CONFIG`], and the environment orgmap runs with: the canary
/// secrets and `FIXTURE_URL` naming `api` (when given).
struct Site {
    env: TestEnv,
    vars: BTreeMap<String, String>,
}

impl Site {
    fn new(api: Option<&Api>) -> Self {
        let env = TestEnv::with_config(CONFIG);
        std::fs::write(
            env.path().join("listed.json"),
            r#"[{"id": "L-1", "name": "Listed One"}, {"id": "L-2", "name": "Listed Two"}]"#,
        )
        .expect("write the list");
        env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
        let mut vars = BTreeMap::new();
        for (name, value) in [
            ("PSA_TOKEN", BEARER_TOKEN),
            ("RMM_API_KEY", API_KEY),
            ("DOCS_PASSWORD", BASIC_PASSWORD),
            ("M365_CLIENT_SECRET", CLIENT_SECRET),
        ] {
            vars.insert(name.to_owned(), value.to_owned());
        }
        if let Some(api) = api {
            vars.insert("FIXTURE_URL".into(), api.base());
        }
        Site { env, vars }
    }

    fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.vars.remove(name);
        self
    }

    /// Runs orgmap as `actor` and checks that no canary shows in what it printed.
    fn run_as(&self, actor: &str, args: &[&str]) -> Output {
        let mut cmd = self.env.cmd();
        cmd.env("ORGMAP_ACTOR", actor);
        for (name, value) in &self.vars {
            cmd.env(name, value);
        }
        let out = cmd.args(args).output().expect("run orgmap");
        assert_no_leak(&format!("stdout of {args:?}"), &String::from_utf8_lossy(&out.stdout));
        assert_no_leak(&format!("stderr of {args:?}"), &String::from_utf8_lossy(&out.stderr));
        out
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_as(crate::common::ADMIN, args)
    }

    /// Runs `args`, asserts the exit code and returns the output.
    fn expect(&self, code: i32, args: &[&str]) -> Output {
        let out = self.run(args);
        check_exit(&out, code, args);
        out
    }

    /// Runs `args` with `--json`, asserts the exit code and returns the results.
    fn results(&self, code: i32, args: &[&str]) -> Vec<Value> {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.expect(code, &all);
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
            panic!("{all:?} printed invalid JSON ({err}): {}", String::from_utf8_lossy(&out.stdout))
        });
        printed.as_array().unwrap_or_else(|| panic!("{all:?} printed no array: {printed}")).clone()
    }

    /// Tests one mapping with `--json` (and `extra` arguments), asserts the exit code and returns
    /// its result.
    fn test(&self, mapping: &str, code: i32, extra: &[&str]) -> Value {
        let mut args = vec!["test", mapping];
        args.extend_from_slice(extra);
        let results = self.results(code, &args);
        assert_eq!(results.len(), 1, "one mapping, one result: {results:?}");
        results[0].clone()
    }

    /// `list --json`, its output checked for secrets like every run's.
    fn mappings(&self) -> Vec<Value> {
        let out = self.expect(0, &["list", "--json"]);
        serde_json::from_slice::<Value>(&out.stdout).expect("list JSON").as_array().expect("list array").clone()
    }

    /// Maps `external_id` of `integration` to `acme` and returns the mapping's ID.
    /// Maps `external_id` to acme, beside the mappings acme has of the integration already.
    fn map(&self, integration: &str, external_id: &str) -> String {
        let has_one = self
            .env
            .mappings()
            .iter()
            .any(|m| m["org_id"] == "acme" && m["integration"] == integration && m["active"] == true);
        if has_one {
            self.env.map_another(integration, external_id, "acme", external_id)
        } else {
            self.env.map(integration, external_id, "acme")
        }
    }
}

fn check_exit(out: &Output, code: i32, args: &[&str]) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "orgmap {args:?}: expected exit {code}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a failed result: its outcome, `ok: false`, and a hint containing every one of `hint`.
fn assert_failed(result: &Value, outcome: &str, hint: &[&str]) {
    assert_eq!(result["outcome"], outcome, "{result:#}");
    assert_eq!(result["ok"], false, "{result:#}");
    let shown = result["hint"].as_str().unwrap_or_else(|| panic!("a {outcome} result has a hint: {result:#}"));
    for needle in hint {
        assert!(shown.contains(needle), "the hint of {outcome} should mention {needle:?}: {shown}");
    }
    assert!(result["message"].as_str().is_some_and(|m| !m.is_empty()), "{result:#}");
}

/// Asserts a passed result with its latency.
fn assert_passed(result: &Value) {
    assert_eq!(result["outcome"], "success", "{result:#}");
    assert_eq!(result["ok"], true, "{result:#}");
    assert!(result["latency_ms"].is_u64(), "a success has its latency: {result:#}");
}

// ---------------------------------------------------------------------------------------------
// One outcome each.

#[test]
fn a_reachable_organization_passes_with_its_latency_and_exit_0() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "ok");
    let result = site.test(&id, 0, &[]);
    assert_passed(&result);
    assert_eq!(result["mapping_id"], id.as_str());
    assert_eq!(result["org_id"], "acme");
    assert_eq!(result["integration"], "psa");
    assert_eq!(result["external_org_id"], "ok");
    assert_eq!(result["hint"], Value::Null);
    assert!(result["at"].as_str().is_some_and(|at| at.parse::<jiff::Timestamp>().is_ok()), "{result:#}");
    let keys: Vec<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "mapping_id",
            "org_id",
            "integration",
            "external_org_id",
            "ok",
            "outcome",
            "latency_ms",
            "message",
            "hint",
            "at"
        ]
    );
    let seen = api.seen_at("/psa/");
    assert_eq!(seen.len(), 1, "one request: {seen:?}");
    assert_eq!(seen[0].path, "/psa/clients/ok");
    assert_eq!(seen[0].header("authorization"), format!("Bearer {BEARER_TOKEN}"), "the credentials were sent");

    // A unique prefix of the mapping ID will do.
    assert_passed(&site.test(&id[..10], 0, &[]));

    // The table says the same, with the summary on stderr.
    let out = site.expect(0, &["test", &id]);
    assert!(text(&out.stdout).contains("RESULT") && text(&out.stdout).contains(" ok "), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("1 passed, 0 failed"), "{}", text(&out.stderr));
}

#[test]
fn a_401_is_credentials_rejected_with_a_hint_naming_the_env_variable_not_its_value() {
    let api = Api::standard();
    let site = Site::new(Some(&api)).var("PSA_TOKEN", WRONG_TOKEN);
    let id = site.map("psa", "ok");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "credentials_rejected", &["environment variable PSA_TOKEN"]);
    assert_eq!(api.seen_at("/psa/")[0].header("authorization"), format!("Bearer {WRONG_TOKEN}"));

    let out = site.expect(7, &["test", &id]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("credentials rejected"), "{stdout}");
    assert!(stdout.contains("hint: ") && stdout.contains("PSA_TOKEN"), "{stdout}");
    assert!(text(&out.stderr).contains("0 passed, 1 failed"), "{}", text(&out.stderr));
}

#[test]
fn a_403_is_forbidden_with_a_hint_about_permissions_and_datto_style_throttling() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "403");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "forbidden", &["permission", "Datto RMM", "403", "PSA_TOKEN"]);
}

#[test]
fn a_404_is_not_found_with_a_hint_to_refresh() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "404");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "not_found", &["orgmap refresh psa"]);
}

#[test]
fn a_429_with_retry_after_120_is_throttled_at_once_with_when_to_retry() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "429-120");
    let started = Instant::now();
    let result = site.test(&id, 7, &[]);
    assert!(started.elapsed() < Duration::from_secs(10), "a test does not wait out a Retry-After of 120 s");
    assert_failed(&result, "throttled", &["retry after 120 s"]);
    assert_eq!(api.seen_at("/psa/").len(), 1, "a wait longer than 30 s is not retried");
}

#[test]
// Regression: `test` did not retry a throttled request by default (37 of 261 throttled in a
// `test --all`), and `--retries` waited its own 0.5 s instead of what Retry-After said
fn a_429_once_with_retry_after_is_retried_after_that_wait_as_discovery_does() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    for (id, args) in [("429-once-a", &[][..]), ("429-once-b", &["--retries", "1"][..])] {
        let mapping = site.map("psa", id);
        let result = site.test(&mapping, 0, args);
        assert_passed(&result);
        let seen = api.seen_at(&format!("/psa/clients/{id}"));
        assert_eq!(seen.len(), 2, "{args:?} tried it again once: {seen:?}");
        let gap = seen[1].at - seen[0].at;
        assert!(gap >= Duration::from_millis(900), "the retry waited as Retry-After: 1 said: {gap:?}");
    }

    let third = site.map("psa", "429-once-c");
    let result = site.test(&third, 7, &["--retries", "0"]);
    assert_failed(&result, "throttled", &["retry after 1 s"]);
    assert_eq!(api.seen_at("/psa/clients/429-once-c").len(), 1, "--retries 0 does not retry");
}

#[test]
fn a_500_is_a_server_error_retried_as_the_integrations_retries_say_unless_retries_is_given() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "500");
    let result = site.test(&id, 7, &["--retries", "0"]);
    assert_failed(&result, "server_error", &["retry later"]);
    assert_eq!(api.seen_at("/psa/").len(), 1, "--retries 0: one request");
    site.test(&id, 7, &[]);
    assert_eq!(api.seen_at("/psa/").len(), 1 + 4, "the integration's retries (default 3) apply to tests");
}

#[test]
fn an_html_page_with_200_is_a_bad_answer() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "html");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "bad_answer", &["login page"]);
}

#[test]
fn a_server_that_never_answers_times_out_and_retries_1_tries_twice() {
    let silent = Silent::start();
    let site = Site::new(None).var("SILENT_URL", &silent.base());
    let id = site.map("slow", "42");
    let started = Instant::now();
    let result = site.test(&id, 7, &[]);
    assert!(started.elapsed() < Duration::from_secs(10), "timeout = 1s: {:?}", started.elapsed());
    assert_failed(&result, "timeout", &["--retries"]);
    assert_eq!(silent.connections.get(), 1, "one connection without --retries");

    let result = site.test(&id, 7, &["--retries", "1"]);
    assert_failed(&result, "timeout", &["--retries"]);
    assert_eq!(silent.connections.get(), 3, "--retries 1 connected twice more");
}

#[test]
fn a_server_that_hangs_up_is_unreachable_and_retries_1_tries_twice() {
    let server = Silent::hanging_up();
    let site = Site::new(None).var("CLOSED_URL", &server.base());
    let id = site.map("closed", "42");
    let result = site.test(&id, 7, &["--retries", "0"]);
    assert_failed(&result, "unreachable", &["check the URL"]);
    assert_eq!(server.connections.get(), 1, "--retries 0: no retry");
    site.test(&id, 7, &["--retries", "1"]);
    assert_eq!(server.connections.get(), 3, "--retries 1 tried twice");
}

#[test]
fn a_closed_port_is_connection_refused() {
    let site = Site::new(None).var("CLOSED_URL", &closed_port_url());
    let id = site.map("closed", "42");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "connection_refused", &["nothing answers on that port"]);
}

#[test]
fn a_self_signed_certificate_is_a_tls_error_with_its_hint() {
    let tls = TlsServer::start();
    let site = Site::new(None).var("TLS_URL", &tls.base());
    let id = site.map("tls", "42");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "tls_error", &["certificate", "self-signed"]);
    assert!(tls.connections.get() >= 1, "orgmap reached the TLS server");
    // The server sees the handshake fail; give its task a moment to count it.
    let deadline = Instant::now() + Duration::from_secs(2);
    while tls.failed_handshakes.get() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(tls.failed_handshakes.get() >= 1, "the handshake failed on the certificate");
}

#[test]
// Regression: not configured made `test` exit 7, where discover exits 5 for the same condition
fn a_missing_env_secret_or_url_is_not_configured_naming_the_variable_and_exits_5() {
    let api = Api::standard();
    let site = Site::new(Some(&api)).without("PSA_TOKEN");
    let id = site.map("psa", "ok");
    let result = site.test(&id, 5, &[]);
    assert_failed(&result, "not_configured", &["PSA_TOKEN"]);
    assert!(api.seen().is_empty(), "nothing was sent: {:?}", api.seen());

    let site = site.var("PSA_TOKEN", BEARER_TOKEN).without("FIXTURE_URL");
    let result = site.test(&id, 5, &[]);
    assert_failed(&result, "not_configured", &["FIXTURE_URL"]);
}

#[test]
fn without_a_test_request_the_id_is_looked_up_in_a_freshly_fetched_list() {
    let site = Site::new(None);
    let list = site.env.path().join("listed.json");
    std::fs::write(
        &list,
        r#"[{"id": "L-1", "name": "One"}, {"id": "L-2", "name": "Two"}, {"id": "L-9", "name": "Nine"}]"#,
    )
    .unwrap();
    let found = site.map("listed", "L-2");
    let gone = site.map("listed", "L-9");
    // L-9 goes away upstream.
    std::fs::write(&list, r#"[{"id": "L-1", "name": "One"}, {"id": "L-2", "name": "Two"}]"#).unwrap();
    let result = site.test(&found, 0, &[]);
    assert_passed(&result);

    let results = site.results(7, &["test", "--all", "--integration", "listed"]);
    assert_eq!(results.len(), 2);
    let by_id: BTreeMap<&str, &Value> = results.iter().map(|r| (r["mapping_id"].as_str().unwrap(), r)).collect();
    assert_passed(by_id[found.as_str()]);
    assert_failed(by_id[gone.as_str()], "not_found", &["orgmap refresh listed"]);

    // The list is fetched fresh: an ID added to the file since passes now.
    std::fs::write(&list, r#"[{"id": "L-9", "name": "Back"}]"#).unwrap();
    assert_passed(&site.test(&gone, 0, &[]));
}

#[test]
fn without_a_test_request_or_a_list_the_outcome_is_cannot_test() {
    let site = Site::new(None);
    let id = site.map("blind", "42");
    let result = site.test(&id, 7, &[]);
    assert_failed(&result, "cannot_test", &["test_connection"]);
}

// ---------------------------------------------------------------------------------------------
// Selecting what to test.

#[test]
fn test_integration_with_org_tests_that_org_s_mapping_and_mapping_id_picks_one_of_several() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    site.env.ok(&["org", "add", "globex", "--name", "Globex"]);
    let acme = site.map("psa", "ok-1");
    site.env.map("psa", "404", "globex");

    let results = site.results(0, &["test", "psa", "--org", "acme"]);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["mapping_id"], acme.as_str());
    assert_passed(&results[0]);

    let results = site.results(7, &["test", "psa", "--org", "globex"]);
    assert_failed(&results[0], "not_found", &["orgmap refresh"]);

    // A second psa mapping of acme: the integration alone is ambiguous, --mapping-id decides.
    let second = site.env.ok(&["map", "psa", "403", "--org", "acme", "--label", "second"]).trim().to_owned();
    site.expect(4, &["test", "psa", "--org", "acme"]);
    let results = site.results(7, &["test", "psa", "--org", "acme", "--mapping-id", &second]);
    assert_eq!(results[0]["mapping_id"], second.as_str());
    assert_failed(&results[0], "forbidden", &["Datto RMM"]);
    let results = site.results(0, &["test", "psa", "--org", "acme", "--mapping-id", &acme]);
    assert_passed(&results[0]);

    // ORGMAP_ORG stands in for --org.
    let site = site.var("ORGMAP_ORG", "globex");
    let results = site.results(7, &["test", "psa"]);
    assert_eq!(results[0]["org_id"], "globex");
}

#[test]
fn test_with_nothing_to_test_exits_2_with_a_hint() {
    let site = Site::new(None);
    let stderr = text(&site.expect(2, &["test"]).stderr);
    assert!(stderr.contains("nothing to test"), "{stderr}");
    assert!(stderr.contains("--all"), "the hint names the ways to say what to test: {stderr}");

    let out = site.expect(2, &["test", "--json"]);
    assert!(out.stdout.is_empty());
    let error: Value = serde_json::from_slice(&out.stderr).expect("a JSON error");
    assert_eq!(error["error"]["kind"], "usage");
    assert!(error["error"]["hint"].as_str().is_some_and(|h| h.contains("--org")), "{error}");

    // An integration without --org says which org is missing.
    let stderr = text(&site.expect(2, &["test", "psa"]).stderr);
    assert!(stderr.contains("--org"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// --all, and where results are kept.

#[test]
fn test_all_over_20_mappings_with_mixed_results_keeps_each_last_result_apart_from_the_mapping() {
    let api = Api::standard();
    let site = Site::new(Some(&api)).var("RMM_API_KEY", WRONG_API_KEY);
    site.env.ok(&["org", "add", "globex", "--name", "Globex"]);
    // 10 pass, 5 are gone upstream (404), 5 are on an integration whose key is refused (401),
    // interleaved and across two orgs.
    let mut expected: BTreeMap<String, &str> = BTreeMap::new();
    for i in 1..=20u32 {
        let org = if i % 3 == 0 { "globex" } else { "acme" };
        let (integration, external, outcome) = match i % 4 {
            0 => ("rmm", format!("ok-{i}"), "credentials_rejected"),
            1 if i > 8 => ("psa", format!("missing-{i}"), "not_found"),
            2 if i > 12 => ("psa", format!("missing-{i}"), "not_found"),
            _ => ("psa", format!("ok-{i}"), "success"),
        };
        let id = site.env.map_another(integration, &external, org, &external);
        expected.insert(id, outcome);
    }
    let failures = expected.values().filter(|o| **o != "success").count();
    assert_eq!((expected.len(), failures), (20, 10), "{expected:?}");
    let listed_before = site.env.mappings();
    let audit_before = site.env.audit();

    let results = site.results(7, &["test", "--all", "--concurrency", "8"]);
    assert_eq!(results.len(), 20);
    let order: Vec<&str> = results.iter().map(|r| r["mapping_id"].as_str().unwrap()).collect();
    let listed_order: Vec<&str> = listed_before.iter().map(|m| m["mapping_id"].as_str().unwrap()).collect();
    assert_eq!(order, listed_order, "results come in the order of the mappings, whatever finishes first");
    for result in &results {
        let want = expected[result["mapping_id"].as_str().unwrap()];
        match want {
            "success" => assert_passed(result),
            "not_found" => assert_failed(result, want, &["orgmap refresh psa"]),
            _ => assert_failed(result, want, &["RMM_API_KEY"]),
        }
    }
    assert_eq!(api.seen().len(), 20, "one request per mapping");

    // An actor without manage-config may test; the table ends with a summary.
    let out = site.run_as("worker", &["test", "--all"]);
    check_exit(&out, 7, &["test", "--all"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("10 passed, 10 failed"), "{stderr}");
    assert_eq!(stdout.matches("hint: ").count(), 10, "one hint per failure: {stdout}");
    assert!(stdout.contains("not found") && stdout.contains("credentials rejected"), "{stdout}");

    // The last result of each is kept apart: no revision change, no audit event.
    let listed = site.mappings();
    assert_eq!(listed.len(), 20);
    for (mapping, before) in listed.iter().zip(&listed_before) {
        let want = expected[mapping["mapping_id"].as_str().unwrap()];
        let last = &mapping["last_test"];
        assert_eq!(last["outcome"], want, "{mapping:#}");
        assert!(last["at"].as_str().is_some_and(|at| at.parse::<jiff::Timestamp>().is_ok()), "{last}");
        assert!(last["message"].is_string(), "{last}");
        assert_eq!(last["latency_ms"].is_u64(), want == "success", "{last}");
        assert_eq!(last.as_object().unwrap().keys().collect::<Vec<_>>(), ["at", "outcome", "latency_ms", "message"]);
        assert_eq!(mapping["revision"], 1, "{mapping:#}");
        let mut unchanged = mapping.clone();
        unchanged.as_object_mut().unwrap().remove("last_test");
        assert_eq!(&unchanged, before, "testing changes nothing of the mapping");
    }
    assert_eq!(site.env.audit(), audit_before, "tests are not audited");

    let table = site.env.ok(&["list"]);
    assert!(table.contains("LAST TEST"), "{table}");
    assert!(table.contains("not found") && table.contains("credentials rejected"), "{table}");
    assert!(table.contains("ok "), "{table}");

    let shown = site.env.json(&["org", "show", "globex"]);
    let mappings = shown["mappings"].as_array().unwrap();
    assert!(!mappings.is_empty());
    for mapping in mappings {
        assert_eq!(mapping["last_test"]["outcome"], expected[mapping["mapping_id"].as_str().unwrap()], "{mapping:#}");
    }
    let table = site.env.ok(&["org", "show", "acme"]);
    assert!(table.contains("LAST TEST") && table.contains("not found"), "{table}");

    // --integration and --org narrow --all.
    let results = site.results(7, &["test", "--all", "--integration", "rmm"]);
    assert_eq!(results.len(), 5);
    assert!(results.iter().all(|r| r["outcome"] == "credentials_rejected"), "{results:?}");
    let results = site.results(7, &["test", "--all", "--org", "globex"]);
    assert_eq!(results.len(), 6);
    assert!(results.iter().all(|r| r["org_id"] == "globex"));

    // With the right key every rmm mapping passes, and the kept result follows.
    let site = site.var("RMM_API_KEY", API_KEY);
    let results = site.results(0, &["test", "--all", "--integration", "rmm"]);
    assert!(results.iter().all(|r| r["outcome"] == "success"), "{results:?}");
    let listed = site.mappings();
    for mapping in listed.iter().filter(|m| m["integration"] == "rmm") {
        assert_eq!(mapping["last_test"]["outcome"], "success", "{mapping:#}");
        assert_eq!(mapping["revision"], 1);
    }
    assert_eq!(site.env.audit(), audit_before);
    // worker, who tested above, indeed lacks manage-config.
    site.env.fails_as("worker", 6, &["map", "psa", "ok-99", "--org", "acme"]);
}

// ---------------------------------------------------------------------------------------------
// Templating.

#[test]
fn the_external_id_is_percent_encoded_and_name_and_metadata_reach_the_request() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site
        .env
        .ok(&["map", "tmpl", "a/b?c#d e", "--org", "acme", "--name", "Acme & Co/EU", "--meta", "region=eu-west"])
        .trim()
        .to_owned();
    let result = site.test(&id, 0, &[]);
    assert_passed(&result);
    let seen = api.seen_at("/open/");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/open/clients/a%2Fb%3Fc%23d%20e", "the ID stays one path segment");
    let query = seen[0].query_pairs();
    assert_eq!(query.get("name").map(String::as_str), Some("Acme & Co/EU"), "{:?}", seen[0].query);
    assert_eq!(query.get("fixed").map(String::as_str), Some("yes"));
    assert_eq!(query.len(), 2, "the ID added no query parameter: {:?}", seen[0].query);
    assert_eq!(seen[0].header("x-region"), "eu-west");
    assert_eq!(seen[0].header("x-name"), "Acme & Co/EU");
}

// ---------------------------------------------------------------------------------------------
// Secrets.

#[test]
fn no_secret_shows_in_any_output_or_the_store_whatever_the_outcome() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    for integration in ["psa", "rmm", "docs", "m365"] {
        for external in ["ok", "401", "403", "404", "500"] {
            site.map(integration, external);
        }
    }
    // Every error answer echoes the credentials it was sent.
    let results = site.results(7, &["test", "--all"]);
    assert_eq!(results.len(), 20);
    for result in &results {
        let want = match result["external_org_id"].as_str().unwrap() {
            "ok" => "success",
            "401" => "credentials_rejected",
            "403" => "forbidden",
            "404" => "not_found",
            _ => "server_error",
        };
        assert_eq!(result["outcome"], want, "{result:#}");
    }
    // The credentials did reach the fixture, so the echoes carry them.
    for (prefix, header, value) in [
        ("/psa/", "authorization", format!("Bearer {BEARER_TOKEN}")),
        ("/rmm/", "x-api-key", API_KEY.to_owned()),
        ("/docs/", "authorization", format!("Basic {}", b64(&format!("{BASIC_USER}:{BASIC_PASSWORD}")))),
        ("/m365/", "authorization", format!("Bearer {ISSUED_TOKEN}")),
    ] {
        assert!(api.seen_at(prefix).iter().all(|s| s.header(header) == value), "{prefix}");
    }
    let token_requests = api.seen_at("/token");
    assert_eq!(token_requests.len(), 1, "one token per run: {token_requests:?}");
    // The table and -v show no more.
    site.expect(7, &["test", "--all"]);
    site.expect(7, &["-v", "test", "--all"]);

    // Rejected credentials everywhere, and a token request that is refused (echoing the secret).
    let site = site.var("PSA_TOKEN", WRONG_TOKEN).var("RMM_API_KEY", WRONG_API_KEY).var("TOKEN_SUFFIX", "-refused");
    let results = site.results(7, &["test", "--all"]);
    for result in &results {
        match result["integration"].as_str().unwrap() {
            "psa" | "rmm" | "m365" => assert_eq!(result["outcome"], "credentials_rejected", "{result:#}"),
            _ => {}
        }
    }
    let echoed = api.seen_at("/token-refused");
    assert!(!echoed.is_empty() && echoed[0].body.contains("client_secret="), "{echoed:?}");
    site.expect(7, &["test", "--all"]);

    // Lists, last results, the audit log: none holds a secret, and neither do the store's files.
    for args in [&["list"][..], &["list", "--json"], &["org", "show", "acme", "--json"], &["audit", "--json"]] {
        let out = site.expect(0, args);
        assert!(!out.stdout.is_empty());
    }
    for (path, bytes) in site.env.store_contents() {
        assert_no_leak(&path, &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn oauth2_client_credentials_sent_in_a_basic_header_never_show() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let ok = site.map("m365b", "ok");
    let gone = site.map("m365b", "404");
    assert_passed(&site.test(&ok, 0, &[]));
    assert_failed(&site.test(&gone, 7, &[]), "not_found", &["orgmap refresh"]);
    let basic = format!("Basic {}", b64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    assert_eq!(api.seen_at("/token")[0].header("authorization"), basic);

    // The token endpoint refuses, echoing the Basic header it was sent.
    let site = site.var("TOKEN_SUFFIX", "-refused");
    let result = site.test(&ok, 7, &[]);
    assert_failed(&result, "credentials_rejected", &["M365_CLIENT_SECRET"]);
    site.expect(7, &["test", &ok]);
    site.expect(0, &["list", "--json"]);
    for (path, bytes) in site.env.store_contents() {
        assert_no_leak(&path, &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn a_secret_cut_off_at_the_end_of_an_error_excerpt_does_not_show_in_part() {
    let api = Api::standard();
    let site = Site::new(Some(&api));
    let id = site.map("psa", "cut");
    let out = site.expect(7, &["test", &id, "--json"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("credentials_rejected"), "{stdout}");
    assert!(stdout.contains(r#"\"a\":\"Bearer "#), "the excerpt reaches the echoed header: {stdout}");
    let part = &BEARER_TOKEN[..12];
    assert!(!stdout.contains(part), "{part:?} of the bearer token shows: {stdout}");
    let listed = site.env.ok(&["list", "--json"]);
    assert!(!listed.contains(part), "{part:?} of the bearer token is kept in the last result: {listed}");
}

#[test]
fn the_leak_detector_finds_canaries_in_every_encoding() {
    let pair = format!("{BASIC_USER}:{BASIC_PASSWORD}");
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(BEARER_TOKEN);
    let form: String = url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect();
    let path = percent_encoding::utf8_percent_encode(API_KEY, percent_encoding::NON_ALPHANUMERIC).to_string();
    for (text, canary) in [
        (format!("token {ISSUED_TOKEN}."), ISSUED_TOKEN),
        (format!("\"authorization\":\"Basic {}\"", b64(&pair)), BASIC_PASSWORD),
        (format!("x=abc{url_safe}&y"), BEARER_TOKEN),
        (format!("client_secret={form}&grant_type=x"), CLIENT_SECRET),
        (format!("/clients/{path}?q"), API_KEY),
        (format!("Bearer{}", b64(&format!("xy{WRONG_TOKEN}"))), WRONG_TOKEN),
    ] {
        assert!(leaked(&text).iter().any(|c| c == canary), "{canary} not found in {text}");
    }
    assert!(leaked("http://127.0.0.1:1/psa/clients/ok answered 401: <redacted> hint: PSA_TOKEN").is_empty());
}
