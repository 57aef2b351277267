//! Declarative HTTP: templates filled in, credentials attached (only for their own origin, never
//! over plain http except to loopback), retries on throttling and server errors, and answers
//! checked before they are trusted.
//!
//! This module builds requests; `auth` attaches credentials and `transport` sends them.

mod auth;
mod transport;

pub use auth::is_loopback;
pub use transport::{backoff, looks_like_html};

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::records::first;
use super::{Env, FetchError};
use crate::config::Integration;
use crate::config::requests::{Method, RequestSpec};
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
    /// Whether a secret was filled into it (its URL, query, headers or body): such a request
    /// never goes over plain http to another machine, whatever encoding the secret took.
    pub carries_secret: bool,
}

/// How secrets are filled into a template, and whether one was.
#[derive(Default)]
struct Fill {
    /// A secret was read.
    tainted: std::cell::Cell<bool>,
    /// Fill secrets with [`SENTINEL`] instead of their values, to see where they land.
    sentinel: bool,
}

/// Stands for a secret when a URL is rendered to see where secrets land in it: lower-case
/// letters and digits, which no part of a URL changes.
const SENTINEL: &str = "orgmapsecretsentinel7q";

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
    /// The step values that came from a default that read a secret.
    secret_steps: std::collections::BTreeSet<String>,
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
            secret_steps: std::collections::BTreeSet::new(),
            auth: OnceCell::new(),
            credential_origin: std::sync::Mutex::new(None),
        })
    }

    fn lookup(&self, path: &str, mapping: Option<&MappingVars>, fill: &Fill) -> Result<Option<String>, RenderError> {
        if let Some(value) = mapping.and_then(|vars| vars.get(path)) {
            return Ok(Some(value.clone()));
        }
        match path.split_once('.') {
            Some(("env", name)) => Ok((self.env)(name).filter(|v| !v.is_empty())),
            Some(("secret", name)) => {
                fill.tainted.set(true);
                let secret = self.secrets.get(name);
                Ok(if fill.sentinel {
                    secret.map(|_| SENTINEL.to_owned())
                } else {
                    secret.map(|s| s.expose().to_owned())
                })
            }
            Some(("vars", name)) => match self.integration.vars.get(name) {
                Some(template) => template.render(&mut |p| self.lookup(p, None, fill)).map(Some),
                None => Ok(None),
            },
            Some(("steps", _)) if self.secret_steps.contains(path) => {
                fill.tainted.set(true);
                Ok(if fill.sentinel { Some(SENTINEL.to_owned()) } else { self.steps.get(path).cloned() })
            }
            Some(("steps", _)) => Ok(self.steps.get(path).cloned()),
            _ => Ok(None),
        }
    }

    /// Fills in a template; an unset variable without a default means the integration is not
    /// configured for this run.
    pub fn render(&self, template: &Template) -> Result<String, FetchError> {
        self.render_with(template, None, false, &Fill::default())
    }

    /// Fills in a URL template and parses it. A URL that would hold a secret in its scheme or
    /// host is refused: there it is lower-cased or punycoded, sent to DNS servers and shown in
    /// errors. Returns the URL and whether a secret is in it.
    fn render_url(&self, template: &Template, mapping: Option<&MappingVars>) -> Result<(Url, bool), FetchError> {
        let fill = Fill::default();
        let text = self.render_with(template, mapping, true, &fill)?;
        if fill.tainted.get() {
            let probe = Fill { sentinel: true, ..Fill::default() };
            let probed = self.render_with(template, mapping, true, &probe)?;
            if let Ok(url) = Url::parse(&probed)
                && url[..url::Position::BeforePath].contains(SENTINEL)
            {
                return Err(FetchError::new(format!(
                    "{:?}: a secret would be in the scheme or host part of the URL",
                    template.source()
                ))
                .with_hint("put a secret in the path, the query, a header or the body, never in the host name"));
            }
        }
        Ok((self.parse_url(&text)?, fill.tainted.get()))
    }

    /// Fills in a template, with a mapping's values too; `for_url` percent-encodes those values,
    /// so that an external ID cannot change the URL's path or query.
    fn render_with(
        &self,
        template: &Template,
        mapping: Option<&MappingVars>,
        for_url: bool,
        fill: &Fill,
    ) -> Result<String, FetchError> {
        template
            .render(&mut |p| {
                let value = self.lookup(p, mapping, fill)?;
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

    fn render_toml_with(
        &self,
        value: &toml::Value,
        mapping: Option<&MappingVars>,
        fill: &Fill,
    ) -> Result<Value, FetchError> {
        Ok(match value {
            toml::Value::String(text) => {
                let template = Template::parse(text).map_err(FetchError::new)?;
                Value::String(self.render_with(&template, mapping, false, fill)?)
            }
            toml::Value::Integer(i) => Value::from(*i),
            toml::Value::Float(f) => Value::from(*f),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Datetime(d) => Value::String(d.to_string()),
            toml::Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.render_toml_with(v, mapping, fill)).collect::<Result<_, _>>()?)
            }
            toml::Value::Table(table) => Value::Object(
                table.iter().map(|(k, v)| Ok((k.clone(), self.render_toml_with(v, mapping, fill)?))).collect::<Result<
                    _,
                    FetchError,
                >>(
                )?,
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
        let (mut url, url_secret) = self.render_url(&spec.url, mapping)?;
        let fill = Fill::default();
        fill.tainted.set(url_secret);
        {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in &spec.query {
                let text = match self.render_toml_with(value, mapping, &fill)? {
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
            headers.push((name.clone(), self.render_with(template, mapping, false, &fill)?));
        }
        let body = if let Some(json) = &spec.json {
            Some((
                "application/json",
                serde_json::to_vec(&self.render_toml_with(json, mapping, &fill)?)
                    .map_err(|e| FetchError::new(e.to_string()))?,
            ))
        } else if let Some(form) = &spec.form {
            let mut encoded = url::form_urlencoded::Serializer::new(String::new());
            for (key, template) in form {
                encoded.append_pair(key, &self.render_with(template, mapping, false, &fill)?);
            }
            Some(("application/x-www-form-urlencoded", encoded.finish().into_bytes()))
        } else {
            None
        };
        Ok(Prepared { method: spec.method, url, headers, body, carries_secret: fill.tainted.get() })
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
                    (None, Some(default)) => {
                        let fill = Fill::default();
                        let value = self.render_with(default, None, false, &fill)?;
                        if fill.tainted.get() {
                            self.secret_steps.insert(format!("steps.{}.{key}", step.name));
                        }
                        value
                    }
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
}
