//! Connection tests (`orgmap test`): does a mapping reach its external organization? Every
//! outcome is classified, with what to do about it. Results are kept apart from the mappings: a
//! test changes no revision, needs no permission and is not audited.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};

use crate::config::{Config, Integration};
use crate::domain::{Mapping, TestOutcome, TestResult, now};
use crate::error::Result;
use crate::providers::http::{MappingVars, Session, SessionOptions, looks_like_html};
use crate::providers::{self, Env, FetchError, Network, Progress};
use crate::secrets::Redactor;
use crate::store::{Access, Store};

/// How tests run.
#[derive(Clone)]
pub struct TestOptions {
    /// Retries of a throttled, failed or unreachable request, as discovery makes them (waiting
    /// as `Retry-After` says, else backing off); `None`: the integration's `retries`. A test that
    /// timed out is tried again only this many times, and only when it is given.
    pub retries: Option<u32>,
    /// Tests in flight at once.
    pub concurrency: usize,
    /// How host names are resolved; tests inject failures here.
    pub resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions { retries: None, concurrency: 4, resolver: None }
    }
}

fn mapping_vars(mapping: &Mapping) -> MappingVars {
    let mut vars = BTreeMap::new();
    vars.insert("external_org_id".to_owned(), mapping.external_org_id.clone());
    vars.insert("external_org_name".to_owned(), mapping.external_org_name.clone().unwrap_or_default());
    for (key, value) in &mapping.metadata {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        vars.insert(format!("metadata.{key}"), text);
    }
    vars
}

/// The secret references an integration uses, named without values, for hints.
fn secret_names(integration: &Integration) -> String {
    let names: Vec<String> = integration.secrets.values().map(|r| r.describe()).collect();
    if names.is_empty() { "the integration's auth settings".to_owned() } else { names.join(", ") }
}

/// Turns a failure into an outcome with its hint.
fn classify(integration: &Integration, failure: &FetchError) -> (TestOutcome, Option<String>) {
    let name = &integration.name;
    if failure.not_configured {
        return (
            TestOutcome::NotConfigured,
            Some(format!(
                "provide {} and test again (secrets never go in integrations.toml)",
                failure.message.split(':').next().unwrap_or(&failure.message)
            )),
        );
    }
    if failure.timed_out {
        return (
            TestOutcome::Timeout,
            Some(format!(
                "no answer within {} s: retry (--retries N in scripts), or raise `timeout` for {name} if the system is slow",
                integration.timeout.as_secs_f64()
            )),
        );
    }
    if let Some(network) = failure.network {
        let outcome = match network {
            Network::Dns => TestOutcome::DnsFailure,
            Network::Refused => TestOutcome::ConnectionRefused,
            Network::Tls => TestOutcome::TlsError,
            Network::Other => TestOutcome::Unreachable,
        };
        return (outcome, failure.hint.clone());
    }
    if failure.throttled || failure.status == Some(429) {
        return (TestOutcome::Throttled, failure.hint.clone().or_else(|| Some("retry later".into())));
    }
    match failure.status {
        Some(401) => (
            TestOutcome::CredentialsRejected,
            Some(format!("the credentials were rejected: check {}", secret_names(integration))),
        ),
        Some(403) => (
            TestOutcome::Forbidden,
            Some(format!(
                "forbidden: the credentials lack a permission; check the API user's rights ({}). Some systems, such as Datto RMM, also answer repeated throttling with 403: wait and retry",
                secret_names(integration)
            )),
        ),
        Some(404) => (
            TestOutcome::NotFound,
            Some(format!(
                "the external organization was not found: renamed or deleted upstream? run `orgmap refresh {name}` and check the mapping's external ID"
            )),
        ),
        Some(status) if status >= 500 => {
            (TestOutcome::ServerError, Some("the external system failed: retry later".into()))
        }
        _ => (TestOutcome::BadAnswer, failure.hint.clone()),
    }
}

fn result(
    mapping: &Mapping,
    outcome: TestOutcome,
    latency: Option<Duration>,
    message: String,
    hint: Option<String>,
) -> TestResult {
    TestResult {
        mapping_id: mapping.mapping_id.clone(),
        at: now(),
        outcome,
        latency_ms: latency.map(|d| d.as_millis() as u64),
        message,
        hint,
    }
}

/// How one integration is tested in this run.
enum Tester<'a> {
    Request(Session<'a>),
    /// The IDs of a freshly fetched list, and how long fetching it took.
    List(HashSet<String>, Duration),
    Failed(FetchError),
    CannotTest,
}

async fn prepare_tester<'a>(
    integration: &'a Integration,
    env: Env<'a>,
    redactor: &Redactor,
    options: &TestOptions,
) -> Tester<'a> {
    if integration.test_connection.is_some() {
        let session_options = SessionOptions { retries: options.retries, resolver: options.resolver.clone() };
        let mut session = match Session::with_options(integration, env, redactor.clone(), session_options) {
            Ok(session) => session,
            Err(failure) => return Tester::Failed(failure),
        };
        if let Err(failure) = session.run_steps().await {
            return Tester::Failed(failure);
        }
        return Tester::Request(session);
    }
    if integration.list_organizations.is_some() {
        let started = Instant::now();
        // The list is fetched with this run's retries too.
        let mut fetched_as = integration.clone();
        fetched_as.retries = options.retries.unwrap_or(integration.retries);
        return match providers::fetch(&fetched_as, env, redactor, &providers::NoProgress).await {
            Ok(fetched) => Tester::List(fetched.organizations.into_iter().map(|o| o.id).collect(), started.elapsed()),
            Err(failure) => Tester::Failed(failure),
        };
    }
    Tester::CannotTest
}

async fn test_one(
    tester: &Tester<'_>,
    integration: &Integration,
    mapping: &Mapping,
    redactor: &Redactor,
) -> TestResult {
    let fail = |failure: &FetchError| {
        let (outcome, hint) = classify(integration, failure);
        result(mapping, outcome, None, redactor.redact(&failure.message), hint.map(|h| redactor.redact(&h)))
    };
    match tester {
        Tester::Failed(failure) => fail(failure),
        Tester::CannotTest => result(
            mapping,
            TestOutcome::CannotTest,
            None,
            format!("{} declares neither test_connection nor list_organizations", integration.name),
            Some(format!("declare [integrations.{}.test_connection] in integrations.toml", integration.name)),
        ),
        Tester::List(ids, took) => {
            if ids.contains(&mapping.external_org_id) {
                result(mapping, TestOutcome::Success, Some(*took), "found in a freshly fetched list".into(), None)
            } else {
                result(
                    mapping,
                    TestOutcome::NotFound,
                    Some(*took),
                    format!("{} is not in {}'s list of organizations", mapping.external_org_id, integration.name),
                    Some(format!(
                        "renamed or deleted upstream? run `orgmap refresh {}` and check the mapping's external ID",
                        integration.name
                    )),
                )
            }
        }
        Tester::Request(session) => {
            let spec = integration.test_connection.as_ref().expect("a request tester has a request");
            let prepared = match session.prepare_for(spec, &[], Some(&mapping_vars(mapping))) {
                Ok(prepared) => prepared,
                Err(failure) => return fail(&failure),
            };
            session.trust_origin(&prepared.url);
            let started = Instant::now();
            match session.fetch(&prepared, true).await {
                Ok((headers, body)) if looks_like_html(&body, &headers) => result(
                    mapping,
                    TestOutcome::BadAnswer,
                    Some(started.elapsed()),
                    format!("{} answered with a web page, not data", session.shown(&prepared.url)),
                    Some("a login page often means a wrong base URL or expired credentials".into()),
                ),
                Ok(_) => result(
                    mapping,
                    TestOutcome::Success,
                    Some(started.elapsed()),
                    format!("{} answered", session.shown(&prepared.url)),
                    None,
                ),
                Err(failure) => fail(&failure),
            }
        }
    }
}

/// Tests `mappings`, `options.concurrency` at a time, and returns their results in the same order.
pub fn test_mappings(
    config: &Config,
    mappings: &[Mapping],
    env: Env<'_>,
    redactor: &Redactor,
    options: &TestOptions,
    progress: &dyn Progress,
) -> std::result::Result<Vec<TestResult>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the I/O runtime: {err}"))?;
    runtime.block_on(async {
        let mut testers: HashMap<&str, (Option<&Integration>, Tester<'_>)> = HashMap::new();
        for mapping in mappings {
            if testers.contains_key(mapping.integration.as_str()) {
                continue;
            }
            let entry = match config.integrations.get(&mapping.integration) {
                Some(integration) => (Some(integration), prepare_tester(integration, env, redactor, options).await),
                None => (None, Tester::CannotTest),
            };
            testers.insert(&mapping.integration, entry);
        }
        let total = mappings.len() as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let results: Vec<TestResult> = stream::iter(mappings.iter().map(|mapping| {
            let testers = &testers;
            let done = &done;
            async move {
                let (integration, tester) = &testers[mapping.integration.as_str()];
                let Some(integration) = integration else {
                    return result(
                        mapping,
                        TestOutcome::CannotTest,
                        None,
                        format!("integration '{}' is not in the config", mapping.integration),
                        Some("restore it in integrations.toml, or unmap the mapping".into()),
                    );
                };
                let mut outcome = test_one(tester, integration, mapping, redactor).await;
                // Throttling, server errors and dropped connections were retried by the request
                // itself; a timeout is not (a silent system would hold every test `retries` times
                // its timeout), unless retries were asked for.
                let mut attempt = 0;
                while outcome.outcome == TestOutcome::Timeout && attempt < options.retries.unwrap_or(0) {
                    attempt += 1;
                    tokio::time::sleep(crate::providers::http::backoff(attempt)).await;
                    outcome = test_one(tester, integration, mapping, redactor).await;
                }
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress.update(finished, finished, Some(total));
                outcome
            }
        }))
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
        Ok(results)
    })
}

/// Keeps each mapping's latest result.
pub fn save_results(open: &dyn Fn(Access) -> Result<Box<dyn Store>>, results: &[TestResult]) -> Result<()> {
    let store = open(Access::Write)?;
    let mut tx = store.write()?;
    for result in results {
        // A mapping deleted while it was being tested keeps no result.
        if tx.mapping(&result.mapping_id)?.is_some() {
            tx.put_test_result(result)?;
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Metadata;

    /// A resolver that fails every lookup, so that no test queries a real DNS server.
    struct NoSuchHost;

    impl reqwest::dns::Resolve for NoSuchHost {
        fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            let host = name.as_str().to_owned();
            Box::pin(async move {
                Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("dns error: no such host {host}"),
                )) as Box<dyn std::error::Error + Send + Sync>)
            })
        }
    }

    fn mapping(integration: &str, id: &str) -> Mapping {
        let at = now();
        Mapping {
            mapping_id: "01TEST".into(),
            org_id: "acme".into(),
            integration: integration.into(),
            external_org_id: id.into(),
            external_org_name: None,
            label: None,
            metadata: Metadata::new(),
            active: true,
            verified: false,
            revision: 1,
            created_at: at,
            created_by: "t".into(),
            updated_at: at,
            updated_by: "t".into(),
            source: None,
        }
    }

    #[test]
    fn a_host_that_does_not_resolve_is_a_dns_failure_with_its_own_hint() {
        let config = Config::parse(
            "[integrations.psa]\ndisplay_name = \"PSA\"\nsupports_org_mapping = true\ntimeout = \"2s\"\n[integrations.psa.test_connection]\nurl = \"https://psa.orgmap-test.invalid/clients/{external_org_id}\"\n",
            None,
        )
        .unwrap();
        let options = TestOptions { resolver: Some(Arc::new(NoSuchHost)), ..TestOptions::default() };
        let results = test_mappings(
            &config,
            &[mapping("psa", "42")],
            &|_| None,
            &Redactor::default(),
            &options,
            &providers::NoProgress,
        )
        .unwrap();
        assert_eq!(results[0].outcome, TestOutcome::DnsFailure, "{:?}", results[0]);
        assert!(results[0].hint.as_deref().unwrap_or_default().contains("does not resolve"), "{:?}", results[0]);
    }

    #[test]
    fn without_a_test_request_or_a_list_the_test_says_it_cannot_test() {
        let config =
            Config::parse("[integrations.psa]\ndisplay_name = \"PSA\"\nsupports_org_mapping = true\n", None).unwrap();
        let results = test_mappings(
            &config,
            &[mapping("psa", "42")],
            &|_| None,
            &Redactor::default(),
            &TestOptions::default(),
            &providers::NoProgress,
        )
        .unwrap();
        assert_eq!(results[0].outcome, TestOutcome::CannotTest);
        assert!(results[0].hint.as_deref().unwrap_or_default().contains("test_connection"));
    }

    #[test]
    fn external_ids_are_escaped_in_test_urls() {
        let config = Config::parse(
            "[integrations.psa]\ndisplay_name = \"PSA\"\nsupports_org_mapping = true\n[integrations.psa.test_connection]\nurl = \"https://psa.orgmap-test.invalid/clients/{external_org_id}\"\n",
            None,
        )
        .unwrap();
        let integration = config.integration("psa").unwrap();
        let session = Session::new(integration, &|_| None, Redactor::default()).unwrap();
        let vars = mapping_vars(&mapping("psa", "a/b?c#d"));
        let prepared = session.prepare_for(integration.test_connection.as_ref().unwrap(), &[], Some(&vars)).unwrap();
        assert_eq!(prepared.url.path(), "/clients/a%2Fb%3Fc%23d");
        assert_eq!(prepared.url.query(), None);
    }
}
