//! Fixture servers for the discovery tests: canned answers played in order (throttling, server
//! errors, hangs, HTML login pages, broken JSON) and servers computing each answer from the
//! request (lists of many pages). Every request is recorded, and how many were in flight at once.
//! They listen on 127.0.0.1 only.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::fixture::FixtureServer;

/// One answer of a fixture.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    delay: Option<Duration>,
    hang: bool,
}

impl Reply {
    /// 200 with `body` as JSON.
    pub fn json(body: Value) -> Self {
        Reply::raw(200, "application/json", &body.to_string())
    }

    /// `status` with a small JSON error body.
    pub fn status(status: u16) -> Self {
        Reply::raw(status, "application/json", &format!("{{\"error\": \"status {status}\"}}"))
    }

    /// `status` with this content type and body, as they are.
    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: None,
            hang: false,
        }
    }

    /// Accepts the request and never answers.
    pub fn hang() -> Self {
        Reply { hang: true, ..Reply::status(200) }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers only after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// A request as a fixture saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: String,
    /// `http://HOST:PORT` as the client addressed this server.
    pub base: String,
}

impl Seen {
    /// A header's value, when it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter as a number.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.query.get(name).and_then(|v| v.parse().ok())
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

/// Canned replies, played in order; the last one repeats.
#[derive(Clone, Default)]
pub struct Script(Arc<Mutex<VecDeque<Reply>>>);

impl Script {
    /// Replaces what is left of the script.
    pub fn set(&self, replies: impl IntoIterator<Item = Reply>) {
        let mut queue = self.0.lock().unwrap();
        *queue = replies.into_iter().collect();
        assert!(!queue.is_empty(), "a script needs at least one reply");
    }

    fn next(&self) -> Reply {
        let mut queue = self.0.lock().unwrap();
        if queue.len() > 1 { queue.pop_front().unwrap() } else { queue.front().cloned().expect("a reply") }
    }
}

/// A running fixture with its record of requests.
pub struct Fixture {
    pub server: FixtureServer,
    shared: Shared,
}

impl Fixture {
    /// Answers every request (any method, any path) with what `handler` makes of it.
    pub fn serve(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let shared = Shared {
            handler: Arc::new(handler),
            seen: Arc::default(),
            in_flight: Arc::default(),
            peak: Arc::default(),
        };
        let router = Router::new().fallback(answer).with_state(shared.clone());
        Fixture { server: FixtureServer::start(router), shared }
    }

    /// Answers with `replies` in order, the last one repeating; the script can be changed later.
    pub fn scripted(replies: impl IntoIterator<Item = Reply>) -> (Self, Script) {
        let script = Script::default();
        script.set(replies);
        let playing = script.clone();
        (Fixture::serve(move |_| playing.next()), script)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        self.server.url("")
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.shared.seen.lock().unwrap().len()
    }

    /// Every request so far, in order of arrival.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak.load(Ordering::SeqCst)
    }
}

async fn answer(State(shared): State<Shared>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.peak.fetch_max(now, Ordering::SeqCst);
    let query = uri.query().map(|q| url_pairs(q).into_iter().collect::<HashMap<_, _>>()).unwrap_or_default();
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_owned();
    let seen = Seen {
        method,
        path: uri.path().to_owned(),
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        base: format!("http://{host}"),
    };
    shared.seen.lock().unwrap().push(seen.clone());
    let reply = (shared.handler)(&seen);
    if reply.hang {
        std::future::pending::<()>().await;
    }
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = (StatusCode::from_u16(reply.status).expect("a status"), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(&value).expect("header value"),
        );
    }
    response
}

/// `a=1&b=x%20y` decoded (enough for the queries orgmap sends).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `count` organizations `{"id": N, "name": "Org N"}` with integer IDs starting at `first`.
pub fn orgs(first: u64, count: u64) -> Vec<Value> {
    (first..first + count).map(|id| serde_json::json!({ "id": id, "name": format!("Org {id}") })).collect()
}
