//! Declarative HTTP: templates filled in, credentials attached (only for their own origin, never
//! over plain http except to loopback), retries on throttling and server errors, and answers
//! checked before they are trusted.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::records::first;
use super::{Env, FetchError, Network};
use crate::config::Integration;
use crate::config::requests::{AuthSpec, BodyFormat, ClientAuth, Grant, Method, OAuth2Spec, RequestSpec};
use crate::secrets::{self, Redactor, Secret};
use crate::template::{RenderError, Template};

/// Answers larger than this are refused: a list of organizations is never that big.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// The longest orgmap waits when told to retry later; longer waits fail, so that a cached list
/// can be shown instead.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
const BACKOFF_BASE: Duration = Duration::from_millis(200);

/// What a mapping's value may contain unescaped when it is put into a URL.
const URL_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<(&'static str, Vec<u8>)>,
}

/// How a session differs from the integration's defaults.
#[derive(Clone, Default)]
pub struct SessionOptions {
    /// Retries of throttled and failed requests, instead of the integration's `retries`.
    pub retries: Option<u32>,
    /// How host names are resolved (tests inject failures here; no test may query real DNS).
    pub resolver: Option<std::sync::Arc<dyn reqwest::dns::Resolve>>,
}

/// Values that describe one mapping, for `test_connection` templates: `{external_org_id}`,
/// `{external_org_name}`, `{metadata.KEY}`.
pub type MappingVars = BTreeMap<String, String>;

/// One run's connection to one integration: its client, resolved secrets and step values, and the
/// credentials, fetched at most once.
pub struct Session<'a> {
    pub integration: &'a Integration,
    retries: u32,
    env: Env<'a>,
    pub redactor: Redactor,
    client: reqwest::Client,
    secrets: BTreeMap<String, Secret>,
    steps: BTreeMap<String, String>,
    auth: OnceCell<Vec<(HeaderName, HeaderValue)>>,
    /// Where credentials may go: the origin the integration's list (or test) request names.
    credential_origin: std::sync::Mutex<Option<url::Origin>>,
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl<'a> Session<'a> {
    /// Resolves the integration's secrets; a missing one makes the integration "not configured".
    pub fn new(integration: &'a Integration, env: Env<'a>, redactor: Redactor) -> Result<Self, FetchError> {
        Session::with_options(integration, env, redactor, SessionOptions::default())
    }

    /// [`Session::new`] with options.
    pub fn with_options(
        integration: &'a Integration,
        env: Env<'a>,
        redactor: Redactor,
        options: SessionOptions,
    ) -> Result<Self, FetchError> {
        let mut resolved = BTreeMap::new();
        for (name, reference) in &integration.secrets {
            let secret = secrets::resolve(reference, &|n| env(n), &redactor)
                .map_err(|missing| FetchError::not_configured(missing.to_string()))?;
            resolved.insert(name.clone(), secret);
        }
        install_crypto();
        let mut builder = reqwest::Client::builder();
        if let Some(resolver) = options.resolver {
            builder = builder.dns_resolver(resolver);
        }
        let client = builder
            .timeout(integration.timeout)
            .connect_timeout(integration.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("orgmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| FetchError::new(format!("cannot set up HTTP: {err}")))?;
        Ok(Session {
            integration,
            retries: options.retries.unwrap_or(integration.retries),
            env,
            redactor,
            client,
            secrets: resolved,
            steps: BTreeMap::new(),
            auth: OnceCell::new(),
            credential_origin: std::sync::Mutex::new(None),
        })
    }

    fn lookup(&self, path: &str, mapping: Option<&MappingVars>) -> Result<Option<String>, RenderError> {
        if let Some(value) = mapping.and_then(|vars| vars.get(path)) {
            return Ok(Some(value.clone()));
        }
        match path.split_once('.') {
            Some(("env", name)) => Ok((self.env)(name).filter(|v| !v.is_empty())),
            Some(("secret", name)) => Ok(self.secrets.get(name).map(|s| s.expose().to_owned())),
            Some(("vars", name)) => match self.integration.vars.get(name) {
                Some(template) => template.render(&mut |p| self.lookup(p, None)).map(Some),
                None => Ok(None),
            },
            Some(("steps", _)) => Ok(self.steps.get(path).cloned()),
            _ => Ok(None),
        }
    }

    /// Fills in a template; an unset variable without a default means the integration is not
    /// configured for this run.
    pub fn render(&self, template: &Template) -> Result<String, FetchError> {
        self.render_with(template, None, false)
    }

    /// Fills in a template, with a mapping's values too; `for_url` percent-encodes those values,
    /// so that an external ID cannot change the URL's path or query.
    fn render_with(
        &self,
        template: &Template,
        mapping: Option<&MappingVars>,
        for_url: bool,
    ) -> Result<String, FetchError> {
        template
            .render(&mut |p| {
                let value = self.lookup(p, mapping)?;
                let from_mapping = mapping.is_some_and(|vars| vars.contains_key(p));
                Ok(match value {
                    Some(v) if for_url && from_mapping => {
                        Some(percent_encoding::utf8_percent_encode(&v, URL_VALUE).to_string())
                    }
                    other => other,
                })
            })
            .map_err(|err| match err {
                RenderError::Undefined(path) => match path.strip_prefix("env.") {
                    Some(name) => FetchError::not_configured(format!("environment variable {name}: not set")),
                    None => FetchError::new(format!("{{{path}}} has no value")),
                },
                RenderError::Failed(reason) => FetchError::new(reason),
            })
    }

    fn render_toml_with(&self, value: &toml::Value, mapping: Option<&MappingVars>) -> Result<Value, FetchError> {
        Ok(match value {
            toml::Value::String(text) => {
                let template = Template::parse(text).map_err(FetchError::new)?;
                Value::String(self.render_with(&template, mapping, false)?)
            }
            toml::Value::Integer(i) => Value::from(*i),
            toml::Value::Float(f) => Value::from(*f),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Datetime(d) => Value::String(d.to_string()),
            toml::Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.render_toml_with(v, mapping)).collect::<Result<_, _>>()?)
            }
            toml::Value::Table(table) => Value::Object(
                table
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_toml_with(v, mapping)?)))
                    .collect::<Result<_, FetchError>>()?,
            ),
        })
    }

    /// Builds a request from its spec; `extra_query` comes from pagination.
    pub fn prepare(&self, spec: &RequestSpec, extra_query: &[(String, String)]) -> Result<Prepared, FetchError> {
        self.prepare_for(spec, extra_query, None)
    }

    /// [`Session::prepare`] for one mapping (`test_connection`).
    pub fn prepare_for(
        &self,
        spec: &RequestSpec,
        extra_query: &[(String, String)],
        mapping: Option<&MappingVars>,
    ) -> Result<Prepared, FetchError> {
        let mut url = self.parse_url(&self.render_with(&spec.url, mapping, true)?)?;
        {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in &spec.query {
                let text = match self.render_toml_with(value, mapping)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                pairs.append_pair(key, &text);
            }
            for (key, value) in extra_query {
                pairs.append_pair(key, value);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut headers = Vec::new();
        for (name, template) in &spec.headers {
            headers.push((name.clone(), self.render_with(template, mapping, false)?));
        }
        let body = if let Some(json) = &spec.json {
            Some((
                "application/json",
                serde_json::to_vec(&self.render_toml_with(json, mapping)?)
                    .map_err(|e| FetchError::new(e.to_string()))?,
            ))
        } else if let Some(form) = &spec.form {
            let mut encoded = url::form_urlencoded::Serializer::new(String::new());
            for (key, template) in form {
                encoded.append_pair(key, &self.render_with(template, mapping, false)?);
            }
            Some(("application/x-www-form-urlencoded", encoded.finish().into_bytes()))
        } else {
            None
        };
        Ok(Prepared { method: spec.method, url, headers, body })
    }

    fn parse_url(&self, text: &str) -> Result<Url, FetchError> {
        let url = Url::parse(text).map_err(|err| {
            FetchError::new(format!("{:?} is not a URL: {err}", self.redactor.redact(text)))
                .with_hint("check the url and the variables it uses in integrations.toml")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::new(format!("{} is not an http(s) URL", self.shown(&url))));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::new(format!("the URL {} carries credentials", self.shown(&url)))
                .with_hint("declare credentials under [secrets] and use auth; never put them in a URL"));
        }
        Ok(url)
    }

    /// A URL as it may be shown: secrets and tokens redacted.
    pub fn shown(&self, url: &Url) -> String {
        self.redactor.redact(url.as_str())
    }

    /// Sets where credentials may be sent: the origin of the integration's own request.
    pub fn trust_origin(&self, url: &Url) {
        let mut origin = self.credential_origin.lock().unwrap_or_else(|e| e.into_inner());
        if origin.is_none() {
            *origin = Some(url.origin());
        }
    }

    fn may_carry_credentials(&self, url: &Url) -> Result<bool, FetchError> {
        let trusted = self.credential_origin.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if trusted.as_ref() != Some(&url.origin()) {
            return Ok(false);
        }
        if url.scheme() == "http" && !is_loopback(url) {
            return Err(FetchError::new(format!(
                "refusing to send credentials over plain http to {}",
                url.host_str().unwrap_or_default()
            ))
            .with_hint("use an https:// URL (plain http is allowed only to this machine)"));
        }
        Ok(true)
    }

    async fn credentials(&self) -> Result<&[(HeaderName, HeaderValue)], FetchError> {
        self.auth.get_or_try_init(|| self.build_credentials()).await.map(Vec::as_slice)
    }

    async fn build_credentials(&self) -> Result<Vec<(HeaderName, HeaderValue)>, FetchError> {
        let mut headers: Vec<(String, String)> = Vec::new();
        let extra = |headers: &mut Vec<(String, String)>, map: &BTreeMap<String, Template>| -> Result<(), FetchError> {
            for (name, template) in map {
                headers.push((name.clone(), self.render(template)?));
            }
            Ok(())
        };
        match &self.integration.auth {
            None | Some(AuthSpec::None) => {}
            Some(AuthSpec::Bearer { token, headers: more }) => {
                headers.push(("authorization".into(), format!("Bearer {}", self.render(token)?)));
                extra(&mut headers, more)?;
            }
            Some(AuthSpec::Headers { headers: more }) => extra(&mut headers, more)?,
            Some(AuthSpec::Basic { username, password, headers: more }) => {
                let pair = format!("{}:{}", self.render(username)?, self.render(password)?);
                let encoded = base64::engine::general_purpose::STANDARD.encode(&pair);
                self.redactor.add(&pair);
                headers.push(("authorization".into(), format!("Basic {encoded}")));
                extra(&mut headers, more)?;
            }
            Some(AuthSpec::Oauth2(spec)) => {
                let token = self.fetch_token(spec).await?;
                headers.push(("authorization".into(), format!("Bearer {token}")));
                extra(&mut headers, &spec.headers)?;
            }
        }
        headers
            .into_iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| FetchError::new(format!("{name:?} is not a valid header name")))?;
                let mut value = HeaderValue::from_str(&value)
                    .map_err(|_| FetchError::new(format!("the value of header {name} is not valid in HTTP")))?;
                value.set_sensitive(true);
                Ok((name, value))
            })
            .collect()
    }

    async fn fetch_token(&self, spec: &OAuth2Spec) -> Result<String, FetchError> {
        let token_url = self.parse_url(&self.render(&spec.token_url)?)?;
        if token_url.scheme() == "http" && !is_loopback(&token_url) {
            return Err(FetchError::new(format!(
                "refusing to send credentials over plain http to {}",
                token_url.host_str().unwrap_or_default()
            )));
        }
        let client_id = self.render(&spec.client_id)?;
        let client_secret = spec.client_secret.as_ref().map(|t| self.render(t)).transpose()?;
        let mut params: Vec<(String, String)> = vec![(
            "grant_type".into(),
            match spec.grant {
                Grant::ClientCredentials => "client_credentials".into(),
                Grant::Password => "password".into(),
            },
        )];
        if spec.grant == Grant::Password {
            if let Some(username) = &spec.username {
                params.push(("username".into(), self.render(username)?));
            }
            if let Some(password) = &spec.password {
                params.push(("password".into(), self.render(password)?));
            }
        }
        if let Some(scope) = &spec.scope {
            params.push(("scope".into(), self.render(scope)?));
        }
        for (key, template) in &spec.params {
            params.push((key.clone(), self.render(template)?));
        }
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        match spec.client_auth {
            ClientAuth::Body => {
                params.push(("client_id".into(), client_id));
                if let Some(secret) = client_secret {
                    params.push(("client_secret".into(), secret));
                }
            }
            ClientAuth::Basic => {
                let pair = format!("{client_id}:{}", client_secret.unwrap_or_default());
                self.redactor.add(&pair);
                headers.push((
                    "authorization".into(),
                    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)),
                ));
            }
        }
        let body = match spec.format {
            BodyFormat::Form => {
                let mut encoded = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in &params {
                    encoded.append_pair(k, v);
                }
                ("application/x-www-form-urlencoded", encoded.finish().into_bytes())
            }
            BodyFormat::Json => {
                let object: serde_json::Map<String, Value> =
                    params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
                ("application/json", serde_json::to_vec(&object).map_err(|e| FetchError::new(e.to_string()))?)
            }
        };
        let prepared = Prepared { method: Method::Post, url: token_url, headers, body: Some(body) };
        // Boxed: fetch_json may itself need the credentials this token is for.
        let (answer, _) = Box::pin(self.fetch_json(&prepared, false)).await.map_err(|err| {
            let hint = if err.status.is_some_and(|s| s == 400 || s == 401 || s == 403) {
                Some(format!(
                    "the token request was refused: check the credentials named under [integrations.{}.secrets]",
                    self.integration.name
                ))
            } else {
                err.hint.clone()
            };
            FetchError { message: format!("getting an access token failed: {}", err.message), hint, ..err }
        })?;
        let token = match answer.get("access_token") {
            Some(Value::String(token)) if !token.is_empty() => token.clone(),
            _ => return Err(FetchError::new("the token answer has no access_token")),
        };
        self.redactor.add(&token);
        Ok(token)
    }

    /// Runs the integration's steps in order, so that later templates can use their values.
    pub async fn run_steps(&mut self) -> Result<(), FetchError> {
        let integration = self.integration;
        for step in &integration.steps {
            let prepared = self.prepare(&step.request(), &[])?;
            if step.auth {
                self.trust_origin(&prepared.url);
            }
            let answer = self.fetch_json(&prepared, step.auth).await;
            for key in step.extract.keys().chain(step.defaults.keys()) {
                let found = answer.as_ref().ok().and_then(|(body, _)| {
                    step.extract.get(key).and_then(|path| match first(path, body) {
                        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    })
                });
                let value = match (found, step.defaults.get(key)) {
                    (Some(value), _) => value,
                    (None, Some(default)) => self.render(default)?,
                    (None, None) => {
                        return Err(match &answer {
                            Err(err) => {
                                FetchError { message: format!("step {}: {}", step.name, err.message), ..err.clone() }
                            }
                            Ok(_) => FetchError::new(format!(
                                "step {}: the answer has no {} at {}",
                                step.name, key, step.extract[key].source
                            )),
                        });
                    }
                };
                self.steps.insert(format!("steps.{}.{key}", step.name), value);
            }
        }
        Ok(())
    }

    /// Sends a request (with credentials when `with_auth` and the origin is trusted), retrying
    /// throttled and failed attempts, and returns the answer parsed as JSON with its headers.
    pub async fn fetch_json(&self, prepared: &Prepared, with_auth: bool) -> Result<(Value, HeaderMap), FetchError> {
        let (headers, body) = self.fetch(prepared, with_auth).await?;
        parse_json(&body, &headers).map(|v| (v, headers)).map_err(|what| {
            FetchError::new(format!("{}: {what}", self.shown(&prepared.url))).with_hint(
                "check the base URL and the credentials: a wrong host or an expired login often answers with a web page",
            )
        })
    }

    /// Sends a request like [`Session::fetch_json`] and returns the successful answer's headers
    /// and body as they are.
    pub async fn fetch(&self, prepared: &Prepared, with_auth: bool) -> Result<(HeaderMap, Vec<u8>), FetchError> {
        let attach = with_auth && self.may_carry_credentials(&prepared.url)?;
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
        // Redacted whole before it is cut, so that a secret at the cut cannot show in part.
        let text = self.redactor.redact(&String::from_utf8_lossy(body));
        text.chars().filter(|c| !c.is_control()).take(200).collect()
    }
}

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

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Exponential backoff with jitter: about 0.2 s, 0.4 s, 0.8 s, ...
fn backoff(attempt: u32) -> Duration {
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
