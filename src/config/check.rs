//! Checks that need the whole integration: every placeholder names something that exists, every
//! secret reference names one source, every filter one operation.

use std::collections::BTreeSet;

use super::Integration;
use super::requests::{AuthSpec, Filter, OAuth2Spec, RecordsSpec, RequestSpec, SourceSpec};
use crate::template::Template;

/// What templates in one place of the config may read.
struct Scope<'a> {
    integration: &'a Integration,
    /// `steps.NAME.KEY` that exist at this point.
    steps: BTreeSet<String>,
    allow_vars: bool,
    /// Whether `{external_org_id}`, `{external_org_name}` and `{metadata.KEY}` exist here.
    allow_mapping: bool,
}

impl Scope<'_> {
    fn check(&self, at: &str, template: &Template) -> Result<(), String> {
        for variable in template.variables() {
            let mapping_var = variable == "external_org_id"
                || variable == "external_org_name"
                || variable.strip_prefix("metadata.").is_some_and(|k| !k.is_empty());
            if mapping_var && self.allow_mapping {
                continue;
            }
            let known = match variable.split_once('.') {
                Some(("env", name)) => !name.is_empty(),
                Some(("secret", name)) => self.integration.secrets.contains_key(name),
                Some(("vars", name)) => self.allow_vars && self.integration.vars.contains_key(name),
                Some(("steps", _)) => self.steps.contains(variable),
                _ => false,
            };
            if !known {
                return Err(format!(
                    "{at}: {{{variable}}} is not defined (use env.NAME, secret.NAME from [secrets], vars.NAME from [vars], steps.STEP.KEY of an earlier step, or in test_connection external_org_id, external_org_name, metadata.KEY)"
                ));
            }
        }
        Ok(())
    }

    /// Checks every template of a request: URL, headers, query, JSON and form bodies.
    fn check_request(&self, at: &str, request: &RequestSpec) -> Result<(), String> {
        self.check(&format!("{at}.url"), &request.url)?;
        self.check_all(&format!("{at}.headers"), request.headers.iter().map(|(k, v)| (k.clone(), v)))?;
        for (key, value) in &request.query {
            check_toml_strings(self, &format!("{at}.query.{key}"), value)?;
        }
        if let Some(json) = &request.json {
            check_toml_strings(self, &format!("{at}.json"), json)?;
        }
        if let Some(form) = &request.form {
            self.check_all(&format!("{at}.form"), form.iter().map(|(k, v)| (k.clone(), v)))?;
        }
        Ok(())
    }

    fn check_all<'t>(
        &self,
        at: &str,
        templates: impl IntoIterator<Item = (String, &'t Template)>,
    ) -> Result<(), String> {
        for (key, template) in templates {
            self.check(&format!("{at}.{key}"), template)?;
        }
        Ok(())
    }
}

fn check_toml_strings(scope: &Scope<'_>, at: &str, value: &toml::Value) -> Result<(), String> {
    match value {
        toml::Value::String(text) => {
            let template = Template::parse(text).map_err(|err| format!("{at}: {err}"))?;
            scope.check(at, &template)
        }
        toml::Value::Array(items) => items.iter().try_for_each(|v| check_toml_strings(scope, at, v)),
        toml::Value::Table(table) => {
            table.iter().try_for_each(|(k, v)| check_toml_strings(scope, &format!("{at}.{k}"), v))
        }
        _ => Ok(()),
    }
}

fn check_filters(at: &str, filters: &[Filter]) -> Result<(), String> {
    for filter in filters {
        let ops = usize::from(filter.eq.is_some())
            + usize::from(filter.ne.is_some())
            + usize::from(filter.one_of.is_some())
            + usize::from(filter.not_in.is_some());
        if ops != 1 {
            return Err(format!("{at}: the filter on {} needs exactly one of eq, ne, in, not_in", filter.path.source));
        }
    }
    Ok(())
}

fn check_records(at: &str, records: &RecordsSpec) -> Result<(), String> {
    check_filters(&format!("{at}.records.inactive"), &records.inactive)?;
    check_filters(&format!("{at}.records.exclude"), &records.exclude)
}

fn oauth_templates(spec: &OAuth2Spec) -> Vec<(String, &Template)> {
    let mut all = vec![("token_url".to_owned(), &spec.token_url), ("client_id".to_owned(), &spec.client_id)];
    for (key, value) in [
        ("client_secret", &spec.client_secret),
        ("username", &spec.username),
        ("password", &spec.password),
        ("scope", &spec.scope),
    ] {
        if let Some(value) = value {
            all.push((key.to_owned(), value));
        }
    }
    all.extend(spec.params.iter().map(|(k, v)| (format!("params.{k}"), v)));
    all.extend(spec.headers.iter().map(|(k, v)| (format!("headers.{k}"), v)));
    all
}

/// Checks one integration; the error says where (`auth.token_url`, `steps[0].url`, …) and what.
pub(super) fn check_integration(integration: &Integration) -> Result<(), String> {
    for (name, reference) in &integration.secrets {
        reference.check().map_err(|err| format!("secrets.{name}: {err}"))?;
    }
    let mut scope = Scope { integration, steps: BTreeSet::new(), allow_vars: false, allow_mapping: false };
    scope.check_all("vars", integration.vars.iter().map(|(k, v)| (k.clone(), v)))?;
    scope.allow_vars = true;
    let mut names = BTreeSet::new();
    for (i, step) in integration.steps.iter().enumerate() {
        let at = format!("steps[{i}]");
        if !names.insert(step.name.clone()) {
            return Err(format!("{at}: a step named {:?} is declared twice", step.name));
        }
        scope.check_request(&at, &step.request())?;
        scope.check_all(&format!("{at}.defaults"), step.defaults.iter().map(|(k, v)| (k.clone(), v)))?;
        for key in step.extract.keys().chain(step.defaults.keys()) {
            scope.steps.insert(format!("steps.{}.{key}", step.name));
        }
    }
    match &integration.auth {
        None | Some(AuthSpec::None) => {}
        Some(AuthSpec::Bearer { token, headers }) => {
            scope.check("auth.token", token)?;
            scope.check_all("auth.headers", headers.iter().map(|(k, v)| (k.clone(), v)))?;
        }
        Some(AuthSpec::Headers { headers }) => {
            scope.check_all("auth.headers", headers.iter().map(|(k, v)| (k.clone(), v)))?;
        }
        Some(AuthSpec::Basic { username, password, headers }) => {
            scope.check("auth.username", username)?;
            scope.check("auth.password", password)?;
            scope.check_all("auth.headers", headers.iter().map(|(k, v)| (k.clone(), v)))?;
        }
        Some(AuthSpec::Oauth2(spec)) => {
            scope.check_all("auth", oauth_templates(spec))?;
            let needs_user = spec.grant == super::requests::Grant::Password;
            if needs_user && (spec.username.is_none() || spec.password.is_none()) {
                return Err("auth: the password grant needs username and password".into());
            }
        }
    }
    match &integration.list_organizations {
        None => {}
        Some(SourceSpec::Http(http)) => {
            scope.check_request("list_organizations", &http.request())?;
            check_records("list_organizations", &http.records)?;
        }
        Some(SourceSpec::Command { argv, records, .. }) => {
            if argv.is_empty() {
                return Err("list_organizations.argv: name at least the program".into());
            }
            scope.check_all("list_organizations.argv", argv.iter().enumerate().map(|(i, t)| (i.to_string(), t)))?;
            check_records("list_organizations", records)?;
        }
        Some(SourceSpec::File { records, .. }) => check_records("list_organizations", records)?,
    }
    let checked_requests = [
        ("test_connection", integration.test_connection.clone()),
        ("validate", integration.validate.as_ref().map(|v| v.request())),
    ];
    for (at, request) in checked_requests {
        let Some(request) = request else { continue };
        scope.allow_mapping = true;
        scope.check_request(at, &request)?;
    }
    Ok(())
}
