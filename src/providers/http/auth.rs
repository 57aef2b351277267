//! Credentials: where they may go, building them once per run (an OAuth2 token included), and
//! refusing plain http for anything that carries them.

use std::collections::BTreeMap;

use base64::Engine;
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::{Prepared, Session};
use crate::config::requests::{AuthSpec, BodyFormat, ClientAuth, Grant, Method, OAuth2Spec};
use crate::providers::FetchError;
use crate::template::Template;

impl Session<'_> {
    pub(super) fn may_carry_credentials(&self, url: &Url) -> bool {
        let trusted = self.credential_origin.lock().unwrap_or_else(|e| e.into_inner()).clone();
        trusted.as_ref() == Some(&url.origin())
    }

    /// Refuses to send a request that carries credentials or any secret over plain http, except
    /// to this machine.
    pub(super) fn check_transport(&self, prepared: &Prepared, attaches_credentials: bool) -> Result<(), FetchError> {
        if prepared.url.scheme() != "http" || is_loopback(&prepared.url) {
            return Ok(());
        }
        let carries_secret = attaches_credentials
            || prepared.carries_secret
            || self.redactor.contains_secret(prepared.url.as_str())
            || prepared.headers.iter().any(|(_, v)| self.redactor.contains_secret(v))
            || prepared.body.as_ref().is_some_and(|(_, b)| self.redactor.contains_secret(&String::from_utf8_lossy(b)));
        if carries_secret {
            return Err(FetchError::new(format!(
                "refusing to send credentials over plain http to {}",
                self.redactor.redact(prepared.url.host_str().unwrap_or_default())
            ))
            .with_hint("use an https:// URL (plain http is allowed only to this machine)"));
        }
        Ok(())
    }

    pub(super) async fn credentials(&self) -> Result<&[(HeaderName, HeaderValue)], FetchError> {
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
                    .map_err(|_| FetchError::config(format!("{name:?} is not a valid header name")))?;
                let mut value = HeaderValue::from_str(&value).map_err(|_| {
                    FetchError::config(format!(
                        "the value of header {name} is not valid in HTTP (a line break or control character?)"
                    ))
                    .with_hint(
                        "fix the auth headers in integrations.toml, or the secret or variable they are made from",
                    )
                })?;
                value.set_sensitive(true);
                Ok((name, value))
            })
            .collect()
    }

    async fn fetch_token(&self, spec: &OAuth2Spec) -> Result<String, FetchError> {
        let (token_url, _) = self.render_url(&spec.token_url, None)?;
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
        let prepared =
            Prepared { method: Method::Post, url: token_url, headers, body: Some(body), carries_secret: true };
        self.check_transport(&prepared, true)?;
        // Boxed: fetch_json may itself need the credentials this token is for.
        let (answer, _) = Box::pin(self.fetch_json(&prepared, false)).await.map_err(|err| {
            // OAuth2 servers answer 400 for a bad client or grant too, but a 400 or 415 that says
            // something else is about the request's form (a JSON body expected, a parameter missing).
            let about_credentials = ["invalid_client", "invalid_grant", "unauthorized_client", "unauthorized"]
                .iter()
                .any(|word| err.message.to_ascii_lowercase().contains(word));
            let hint = if err.status.is_some_and(|s| s == 400 || s == 415) && !about_credentials {
                Some(format!(
                    "the token endpoint refused the request itself (its answer is above): check format (form or json), client_auth and params of [integrations.{}.auth]",
                    self.integration.name
                ))
            } else if err.status.is_some_and(|s| s == 400 || s == 401 || s == 403) {
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
}

/// Whether `url` names this machine: `localhost` or a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::config::Config;
    use crate::providers::http::{Session, SessionOptions};
    use crate::secrets::Redactor;

    /// Fails every lookup: should a refusal regress, the request still reaches nobody.
    struct NoSuchHost;

    impl reqwest::dns::Resolve for NoSuchHost {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async {
                Err(Box::new(std::io::Error::new(std::io::ErrorKind::NotFound, "dns error: no such host"))
                    as Box<dyn std::error::Error + Send + Sync>)
            })
        }
    }

    const CONFIG: &str = "[integrations.h]\ndisplay_name = \"H\"\nsupports_org_mapping = true\nretries = 0\n[integrations.h.secrets]\nkey = { env = \"H_KEY\" }\n[[integrations.h.steps]]\nname = \"s\"\nurl = \"{env.STEP_URL}/{secret.key}x\"\nextract = { a = \"$.a\" }\n";

    fn env(name: &str) -> Option<String> {
        match name {
            "H_KEY" => Some("k9".into()),
            "STEP_URL" => Some("http://step.orgmap-test.invalid/a".into()),
            "HOST_URL" => Some("https://".into()),
            _ => None,
        }
    }

    #[test]
    fn every_request_that_holds_a_secret_is_refused_over_plain_http_before_it_is_sent() {
        // Regression: a step URL's secret went over plain http when no search of the URL found it
        // (here a 2-character secret inside a word, which redaction leaves alone).
        let config = Config::parse(CONFIG, None).unwrap();
        let integration = config.integration("h").unwrap();
        let options = SessionOptions { retries: Some(0), resolver: Some(Arc::new(NoSuchHost)) };
        let mut session = Session::with_options(integration, &env, Redactor::default(), options).unwrap();
        let prepared = session.prepare(&integration.steps[0].request(), &[]).unwrap();
        assert!(prepared.carries_secret);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let err = runtime.block_on(session.run_steps()).unwrap_err();
        assert!(err.message.contains("refusing to send credentials over plain http"), "{err:?}");
        assert_eq!(err.network, None, "refused before any connection: {err:?}");
    }

    #[test]
    fn a_step_value_taken_from_a_secret_default_is_still_a_secret() {
        let config = Config::parse(
            &CONFIG.replace(
                "[[integrations.h.steps]]",
                "[[integrations.h.steps]]\nname = \"a\"\nurl = \"https://a.orgmap-test.invalid/\"\nextract = { k = \"$.k\" }\ndefaults = { k = \"{secret.key}\" }\n[[integrations.h.steps]]",
            )
            .replace("{secret.key}x", "{steps.a.k}x"),
            None,
        )
        .unwrap();
        let integration = config.integration("h").unwrap();
        let options = SessionOptions { retries: Some(0), resolver: Some(Arc::new(NoSuchHost)) };
        let mut session = Session::with_options(integration, &env, Redactor::default(), options).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let err = runtime.block_on(session.run_steps()).unwrap_err();
        assert!(err.message.contains("step s: refusing to send credentials over plain http"), "{err:?}");
    }

    #[test]
    fn a_secret_that_lands_in_the_host_when_sent_is_refused() {
        let config = Config::parse(
            &CONFIG.replace("{env.STEP_URL}/{secret.key}x", "{env.HOST_URL}{secret.key}.orgmap-test.invalid/"),
            None,
        )
        .unwrap();
        let integration = config.integration("h").unwrap();
        let session = Session::new(integration, &env, Redactor::default()).unwrap();
        let err = session.prepare(&integration.steps[0].request(), &[]).unwrap_err();
        assert!(err.message.contains("scheme or host part"), "{err:?}");
        assert!(!err.message.contains("k9"), "{err:?}");
    }
}
