//! Sending a request: retries on throttling and server errors, failures classified, answers read
//! with a size cap and checked before they are trusted.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use super::{BACKOFF_BASE, MAX_RESPONSE_BYTES, MAX_RETRY_WAIT, Prepared, Session};
use crate::config::requests::Method;
use crate::providers::{FetchError, Network};

impl Session<'_> {
    /// Sends a request (with credentials when `with_auth` and the origin is trusted), retrying
    /// throttled and failed attempts, and returns the answer parsed as JSON with its headers.
    pub async fn fetch_json(&self, prepared: &Prepared, with_auth: bool) -> Result<(Value, HeaderMap), FetchError> {
        let (headers, body) = self.fetch(prepared, with_auth).await?;
        self.answer_json(prepared, &headers, &body).map(|v| (v, headers))
    }

    /// An answer fetched with [`Session::fetch`], parsed as JSON as [`Session::fetch_json`] does.
    pub fn answer_json(&self, prepared: &Prepared, headers: &HeaderMap, body: &[u8]) -> Result<Value, FetchError> {
        parse_json(body, headers).map_err(|what| {
            FetchError::new(format!("{}: {what}", self.shown(&prepared.url))).with_hint(
                "check the base URL and the credentials: a wrong host or an expired login often answers with a web page",
            )
        })
    }

    /// Sends a request like [`Session::fetch_json`] and returns the successful answer's headers
    /// and body as they are.
    pub async fn fetch(&self, prepared: &Prepared, with_auth: bool) -> Result<(HeaderMap, Vec<u8>), FetchError> {
        let has_auth = !matches!(self.integration.auth, None | Some(crate::config::requests::AuthSpec::None));
        let attach = with_auth && has_auth && self.may_carry_credentials(&prepared.url);
        self.check_transport(prepared, attach)?;
        for (name, value) in &prepared.headers {
            // Caught here, or reqwest reports it only when sending, as if the network failed.
            if HeaderName::from_bytes(name.as_bytes()).is_err() || HeaderValue::from_str(value).is_err() {
                return Err(FetchError::config(format!(
                    "header {name:?} cannot be sent: its name or value is not valid in HTTP (a line break or control character?)"
                ))
                .with_hint(format!(
                    "fix headers.{name} of [integrations.{}] in integrations.toml, or the variable or secret it is made from",
                    self.integration.name
                )));
            }
        }
        let credentials: &[(HeaderName, HeaderValue)] = if attach { self.credentials().await? } else { &[] };
        let shown = self.shown(&prepared.url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = match prepared.method {
                Method::Get => self.client.get(prepared.url.clone()),
                Method::Post => self.client.post(prepared.url.clone()),
            };
            request = request.header("accept", "application/json");
            for (name, value) in &prepared.headers {
                request = request.header(name.as_str(), value.as_str());
            }
            for (name, value) in credentials {
                request = request.header(name.clone(), value.clone());
            }
            if let Some((content_type, body)) = &prepared.body {
                request = request.header("content-type", *content_type).body(body.clone());
            }
            let retries_left = attempt <= self.retries;
            let response = match request.send().await {
                Ok(response) => response,
                Err(err) if err.is_timeout() => {
                    let mut failure = FetchError::new(format!(
                        "{shown} did not answer within {} s",
                        self.integration.timeout.as_secs_f64()
                    ))
                    .with_hint("the system may be down or slow: retry later, or raise `timeout` for this integration");
                    failure.timed_out = true;
                    return Err(failure);
                }
                Err(err) if retries_left && classify_network(&err) != Network::Tls => {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                Err(err) => {
                    let network = classify_network(&err);
                    let hint = match network {
                        Network::Dns => {
                            "the host name does not resolve: check the URL (or its environment variable) and DNS"
                        }
                        Network::Refused => "nothing answers on that port: check the URL and that the system is up",
                        Network::Tls => {
                            "the TLS handshake failed: check the certificate (expired, self-signed, or for another host name) and the URL"
                        }
                        Network::Other => {
                            "check the URL and the network; `orgmap integrations` shows the configuration"
                        }
                    };
                    let mut failure =
                        FetchError::new(format!("cannot reach {shown}: {}", self.redactor.redact(&error_chain(&err))))
                            .with_hint(hint);
                    failure.network = Some(network);
                    return Err(failure);
                }
            };
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
                let wait = retry_after(response.headers()).unwrap_or_else(|| backoff(attempt));
                if retries_left && wait <= MAX_RETRY_WAIT {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let mut err = FetchError::new(format!("{shown} is throttling requests ({status})"))
                    .with_hint(format!("retry after {} s", wait.as_secs().max(1)));
                err.status = Some(status.as_u16());
                err.throttled = true;
                return Err(err);
            }
            if status.is_server_error() && retries_left {
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            let headers = response.headers().clone();
            let body = read_capped(response).await.map_err(|err| FetchError::new(format!("reading {shown}: {err}")))?;
            if !status.is_success() {
                let mut err = FetchError::new(format!("{shown} answered {status}: {}", self.snippet(&body)));
                err.status = Some(status.as_u16());
                err.hint = Some(match status.as_u16() {
                    401 => format!("the credentials were refused: check the secrets of [integrations.{}.secrets]", self.integration.name),
                    403 => "forbidden: the credentials lack a permission (some systems also answer repeated throttling with 403)".into(),
                    404 => "not found: check the base URL and path in integrations.toml".into(),
                    _ if status.is_server_error() => "the external system failed: retry later".into(),
                    _ => "check the request in integrations.toml against the system's API documentation".into(),
                });
                return Err(err);
            }
            return Ok((headers, body));
        }
    }

    fn snippet(&self, body: &[u8]) -> String {
        // Redacted before it is cut to 200 characters, so that a secret at the cut cannot show in
        // part; only the head is read, which holds any secret those 200 characters can show.
        let head = &body[..body.len().min(SNIPPET_SCAN_BYTES)];
        let text = self.redactor.redact(&String::from_utf8_lossy(head));
        text.chars().filter(|c| !c.is_control()).take(200).collect()
    }
}

/// How much of an error answer is read for the 200 characters shown of it.
const SNIPPET_SCAN_BYTES: usize = 64 * 1024;

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Why a request could not connect, read from its error chain.
fn classify_network(err: &reqwest::Error) -> Network {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return Network::Refused;
        }
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return Network::Tls;
        }
        source = cause.source();
    }
    let text = error_chain(err).to_ascii_lowercase();
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
    {
        Network::Dns
    } else if text.contains("connection refused") {
        Network::Refused
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        Network::Tls
    } else {
        Network::Other
    }
}

/// Exponential backoff with jitter: about 0.2 s, 0.4 s, 0.8 s, ... (at most 12.8 s).
///
/// Kept by hand rather than taken from a retry crate (`backoff`, `backon`): the loop that uses it
/// decides per answer — Retry-After first, a TLS failure never, a timeout never — which those
/// crates' policies would need wrapping to express, and the jitter only has to keep concurrent
/// runs from retrying in step, for which the clock's nanoseconds serve as well as a generator.
pub fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1).min(6));
    let jitter = u64::from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos(),
    ) % 100;
    base + Duration::from_millis(jitter)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(text).ok()?.timestamp();
    let wait = at.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or_default())
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|err| error_chain(&err))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(format!("the answer is larger than {} MB", MAX_RESPONSE_BYTES / (1024 * 1024)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether an answer is a web page rather than data.
pub fn looks_like_html(body: &[u8], headers: &HeaderMap) -> bool {
    let content_type =
        headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    content_type.contains("text/html") || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// The answer as JSON, or what it was instead.
fn parse_json(body: &[u8], headers: &HeaderMap) -> Result<Value, String> {
    let content_type =
        headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let start = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if content_type.contains("text/html") || start == Some(b'<') {
        return Err("expected JSON, got an HTML page (a login or error page?)".into());
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("expected JSON, got an empty answer".into());
    }
    serde_json::from_slice(body).map_err(|err| format!("expected JSON, got invalid JSON ({err})"))
}
