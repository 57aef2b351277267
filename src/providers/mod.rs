//! Listing an integration's external organizations: over HTTP as the config declares it, from a
//! program that prints JSON, or from a file. No provider touches the store or the terminal.

mod command;
mod file;
pub mod http;
mod paginate;
pub mod records;

use std::collections::HashSet;

use crate::config::Integration;
use crate::config::requests::SourceSpec;
use crate::domain::ExternalOrg;
use crate::error::Error;
use crate::secrets::Redactor;

/// The process environment as the providers see it (the CLI passes `std::env::var`).
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Why fetching failed, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub message: String,
    pub hint: Option<String>,
    /// The HTTP status, when the system answered with an error.
    pub status: Option<u16>,
    /// The system asked us to slow down.
    pub throttled: bool,
    /// A secret or setting is missing: the integration is not configured here.
    pub not_configured: bool,
    /// The system did not answer in time.
    pub timed_out: bool,
    /// The system could not be reached at all, and why.
    pub network: Option<Network>,
    /// The integration's config asks for something impossible (a header value with a line break).
    pub invalid_config: bool,
}

/// Why a system could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens on the port.
    Refused,
    /// The TLS handshake failed (an untrusted or expired certificate, a wrong host name).
    Tls,
    /// Another connection failure.
    Other,
}

impl FetchError {
    pub fn new(message: impl Into<String>) -> Self {
        FetchError {
            message: message.into(),
            hint: None,
            status: None,
            throttled: false,
            not_configured: false,
            timed_out: false,
            network: None,
            invalid_config: false,
        }
    }

    /// The integration's config (or a value put into it) cannot make a valid request: exit 5.
    pub fn config(message: impl Into<String>) -> Self {
        FetchError { invalid_config: true, ..FetchError::new(message) }
    }

    pub fn not_configured(missing: impl Into<String>) -> Self {
        FetchError { not_configured: true, ..FetchError::new(missing) }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error to report, with every secret redacted.
    pub fn into_error(self, integration: &str, redactor: &Redactor) -> Error {
        if self.not_configured {
            return Error::NotConfigured {
                integration: integration.to_owned(),
                missing: redactor.redact(&self.message),
            };
        }
        if self.invalid_config {
            return Error::Config {
                message: format!("{integration}: {}", redactor.redact(&self.message)),
                hint: self.hint.map(|h| redactor.redact(&h)),
            };
        }
        Error::External {
            integration: integration.to_owned(),
            message: redactor.redact(&self.message),
            hint: self.hint.map(|h| redactor.redact(&h)),
        }
    }
}

/// Told about each page as it arrives, to show progress, and about what was changed on the way.
pub trait Progress: Sync {
    fn update(&self, pages: u64, records: u64, total_pages: Option<u64>);

    /// Something a person must know about a fetch that still succeeded: a value withheld because
    /// it holds a secret, or a list shorter than announced, accepted by `pagination.on_short = "warn"`.
    fn warn(&self, _message: &str) {}
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: u64, _: u64, _: Option<u64>) {}
}

/// A freshly fetched list.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub organizations: Vec<ExternalOrg>,
    /// `http`, `command` or `file`.
    pub source: &'static str,
}

/// Lists the integration's external organizations now.
pub async fn fetch(
    integration: &Integration,
    env: Env<'_>,
    redactor: &Redactor,
    progress: &dyn Progress,
) -> Result<Fetched, FetchError> {
    let Some(source) = &integration.list_organizations else {
        return Err(FetchError::new("it declares no list_organizations: IDs are entered by hand")
            .with_hint("add a list_organizations source to integrations.toml to discover organizations"));
    };
    let organizations = match source {
        SourceSpec::Http(http) => {
            let mut session = http::Session::new(integration, env, redactor.clone())?;
            session.run_steps().await?;
            paginate::fetch_all(&session, http, progress).await?
        }
        SourceSpec::Command { argv, env: vars, timeout, records } => {
            let session = http::Session::new(integration, env, redactor.clone())?;
            let argv = argv.iter().map(|t| session.render(t)).collect::<Result<Vec<_>, _>>()?;
            let vars = vars
                .iter()
                .map(|(name, t)| Ok((name.clone(), session.render(t)?)))
                .collect::<Result<Vec<_>, FetchError>>()?;
            let limit = timeout.map_or(integration.timeout, |t| t.0);
            let orgs = command::run(&argv, &vars, limit, records, redactor).await?;
            progress.update(1, orgs.len() as u64, Some(1));
            orgs
        }
        SourceSpec::File { path, records } => {
            let orgs = file::read(&integration.base_dir.join(path), records)?;
            progress.update(1, orgs.len() as u64, Some(1));
            orgs
        }
    };
    let organizations = records::withhold_secrets(&integration.name, organizations, redactor, &|m| progress.warn(m));
    Ok(Fetched { organizations: dedup(organizations), source: source.kind() })
}

/// Keeps the first record of each ID: pages can overlap when a list changes while it is read.
fn dedup(mut organizations: Vec<ExternalOrg>) -> Vec<ExternalOrg> {
    // The IDs are borrowed, and the list is changed in place only when it repeats one: a list
    // of a million is neither copied nor has its IDs copied.
    let repeated: Vec<usize> = {
        let mut seen = HashSet::with_capacity(organizations.len());
        organizations.iter().enumerate().filter(|(_, o)| !seen.insert(o.id.as_str())).map(|(i, _)| i).collect()
    };
    if !repeated.is_empty() {
        let mut index = 0;
        let mut next = repeated.iter().peekable();
        organizations.retain(|_| {
            let keep = next.peek() != Some(&&index);
            if !keep {
                next.next();
            }
            index += 1;
            keep
        });
    }
    organizations
}

/// What the integration lacks to be used here (unset environment variables, missing secret
/// files), named without any value. Secret commands are not run for this.
pub fn missing_settings(integration: &Integration, env: Env<'_>) -> Vec<String> {
    let mut missing = Vec::new();
    for reference in integration.secrets.values() {
        if let Some(name) = &reference.env
            && env(name).is_none_or(|v| v.is_empty())
        {
            missing.push(format!("environment variable {name}"));
        }
        if let Some(path) = &reference.file
            && !path.is_file()
        {
            missing.push(format!("file {}", path.display()));
        }
    }
    let mut templates: Vec<&crate::template::Template> = integration.vars.values().collect();
    if let Some(SourceSpec::Http(http)) = &integration.list_organizations {
        templates.push(&http.url);
    }
    for template in templates {
        for variable in template.required_variables() {
            if let Some(name) = variable.strip_prefix("env.")
                && env(name).is_none_or(|v| v.is_empty())
            {
                let entry = format!("environment variable {name}");
                if !missing.contains(&entry) {
                    missing.push(entry);
                }
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_id_keeps_its_first_record_and_the_order_stays() {
        let org = |id: &str, name: &str| ExternalOrg::new(id, Some(name.into()));
        let listed = vec![org("1", "a"), org("2", "b"), org("1", "c"), org("3", "d"), org("2", "e"), org("2", "f")];
        let kept: Vec<(String, Option<String>)> = dedup(listed).into_iter().map(|o| (o.id, o.name)).collect();
        let expected = [("1", "a"), ("2", "b"), ("3", "d")].map(|(i, n)| (i.to_owned(), Some(n.to_owned())));
        assert_eq!(kept, expected);
        assert!(dedup(Vec::new()).is_empty());
    }
}
