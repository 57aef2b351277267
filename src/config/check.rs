//! Checks that need the whole integration: every placeholder names something that exists, every
//! secret reference names one source, every filter one operation, and no secret goes where it
//! would leak: over plain http (except to this machine), into a URL's host, or onto a command line.

use std::collections::BTreeSet;

use super::Integration;
use super::requests::{AuthSpec, Filter, OAuth2Spec, RecordsSpec, RequestSpec, SourceSpec};
use crate::template::{Piece, Template};

/// Said when a secret or credentials would go over plain http.
const PLAIN_HTTP_HINT: &str = "use an https:// URL (plain http is allowed only to this machine)";

/// What templates in one place of the config may read.
struct Scope<'a> {
    integration: &'a Integration,
    /// `steps.NAME.KEY` that exist at this point.
    steps: BTreeSet<String>,
    /// The `steps.NAME.KEY` whose default reads a secret: the value may be that secret.
    secret_steps: BTreeSet<String>,
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

    /// The template's pieces with each `{vars.NAME}` replaced by the var's own pieces (vars
    /// cannot use vars), so that where a secret lands is seen through them.
    fn flatten<'t>(&'t self, template: &'t Template) -> Vec<Piece<'t>> {
        let mut out = Vec::new();
        for piece in template.pieces() {
            match piece {
                Piece::Variable { path, default: _ } => {
                    match path.strip_prefix("vars.").and_then(|name| self.integration.vars.get(name)) {
                        Some(var) => out.extend(var.pieces()),
                        None => out.push(piece),
                    }
                }
                Piece::Literal(_) => out.push(piece),
            }
        }
        out
    }

    /// Whether a variable may hold a secret: `secret.NAME`, or a step value whose default does.
    fn is_secret(&self, path: &str) -> bool {
        path.starts_with("secret.") || self.secret_steps.contains(path)
    }

    /// Whether the template reads a secret, itself or through a var or a step's default.
    fn reads_secret(&self, template: &Template) -> bool {
        self.flatten(template).iter().any(|p| matches!(p, Piece::Variable { path, .. } if self.is_secret(path)))
    }

    /// Whether any template of the request (URL, headers, query, bodies) reads a secret.
    fn request_reads_secret(&self, request: &RequestSpec) -> bool {
        let mut templates: Vec<Template> = vec![request.url.clone()];
        templates.extend(request.headers.values().cloned());
        templates.extend(request.form.iter().flat_map(|form| form.values().cloned()));
        for value in request.query.values().chain(request.json.iter()) {
            toml_templates(value, &mut templates);
        }
        templates.iter().any(|t| self.reads_secret(t))
    }

    /// Checks where a URL may send what it carries: never a secret in its scheme or host part,
    /// and, when `carries` says the request holds a secret or credentials, never plain http to
    /// another machine when the config alone says where it goes. (Where the host comes from the
    /// environment or an answer, the same rules are applied when the request is sent.)
    fn check_url(&self, at: &str, url: &Template, carries: Option<&str>) -> Result<(), String> {
        let pieces = self.flatten(url);
        // The literal text since the last placeholder, and whether one came before it.
        let mut known = String::new();
        let mut after_placeholder = false;
        for piece in &pieces {
            match piece {
                Piece::Literal(text) => known.push_str(text),
                Piece::Variable { path, .. } => {
                    if self.is_secret(path) {
                        let in_authority = match known.find("://") {
                            Some(at) => !known[at + 3..].contains(['/', '?', '#']),
                            None => !after_placeholder,
                        };
                        if in_authority {
                            return Err(format!(
                                "{at}: {{{path}}} is in the scheme or host part of the URL, where it is lower-cased, sent to DNS servers and shown in errors; put a secret in the path, the query, a header or the body"
                            ));
                        }
                    }
                    known.clear();
                    after_placeholder = true;
                }
            }
        }
        let Some(what) = carries else { return Ok(()) };
        let mut prefix = String::new();
        for piece in &pieces {
            match piece {
                Piece::Literal(text) => prefix.push_str(text),
                Piece::Variable { .. } => break,
            }
        }
        let complete = pieces.iter().all(|p| matches!(p, Piece::Literal(_)));
        let Some(rest) = prefix.get(..7).filter(|s| s.eq_ignore_ascii_case("http://")).map(|_| &prefix[7..]) else {
            return Ok(());
        };
        let authority = match rest.find(['/', '?', '#']) {
            Some(end) => &rest[..end],
            None if complete => rest,
            // The host is not known until the request is sent.
            None => return Ok(()),
        };
        if let Ok(parsed) = url::Url::parse(&format!("http://{authority}/"))
            && !crate::providers::http::is_loopback(&parsed)
        {
            return Err(format!(
                "{at}: the request carries {what} but goes over plain http to {}; {PLAIN_HTTP_HINT}",
                parsed.host_str().unwrap_or_default()
            ));
        }
        Ok(())
    }

    /// [`Scope::check_request`] and [`Scope::check_url`] for a request that carries the
    /// integration's credentials when `with_credentials`.
    fn check_sent(&self, at: &str, request: &RequestSpec, with_credentials: bool) -> Result<(), String> {
        self.check_request(at, request)?;
        let carries = if self.request_reads_secret(request) {
            Some("a secret")
        } else if with_credentials {
            Some("the integration's credentials")
        } else {
            None
        };
        self.check_url(&format!("{at}.url"), &request.url, carries)
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

/// Every string of a TOML value, as a template (they were checked to parse).
fn toml_templates(value: &toml::Value, out: &mut Vec<Template>) {
    match value {
        toml::Value::String(text) => out.extend(Template::parse(text).ok()),
        toml::Value::Array(items) => items.iter().for_each(|v| toml_templates(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| toml_templates(v, out)),
        _ => {}
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
    let has_credentials = !matches!(integration.auth, None | Some(AuthSpec::None));
    let mut scope = Scope {
        integration,
        steps: BTreeSet::new(),
        secret_steps: BTreeSet::new(),
        allow_vars: false,
        allow_mapping: false,
    };
    scope.check_all("vars", integration.vars.iter().map(|(k, v)| (k.clone(), v)))?;
    scope.allow_vars = true;
    let mut names = BTreeSet::new();
    for (i, step) in integration.steps.iter().enumerate() {
        let at = format!("steps[{i}]");
        if !names.insert(step.name.clone()) {
            return Err(format!("{at}: a step named {:?} is declared twice", step.name));
        }
        scope.check_sent(&at, &step.request(), step.auth && has_credentials)?;
        scope.check_all(&format!("{at}.defaults"), step.defaults.iter().map(|(k, v)| (k.clone(), v)))?;
        for key in step.extract.keys().chain(step.defaults.keys()) {
            scope.steps.insert(format!("steps.{}.{key}", step.name));
        }
        for (key, default) in &step.defaults {
            if scope.reads_secret(default) {
                scope.secret_steps.insert(format!("steps.{}.{key}", step.name));
            }
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
            // The token request always carries the client's credentials.
            scope.check_url("auth.token_url", &spec.token_url, Some("the client credentials"))?;
            let needs_user = spec.grant == super::requests::Grant::Password;
            if needs_user && (spec.username.is_none() || spec.password.is_none()) {
                return Err("auth: the password grant needs username and password".into());
            }
        }
    }
    match &integration.list_organizations {
        None => {}
        Some(SourceSpec::Http(http)) => {
            scope.check_sent("list_organizations", &http.request(), has_credentials)?;
            check_records("list_organizations", &http.records)?;
        }
        Some(SourceSpec::Command { argv, env, records, .. }) => {
            if argv.is_empty() {
                return Err("list_organizations.argv: name at least the program".into());
            }
            scope.check_all("list_organizations.argv", argv.iter().enumerate().map(|(i, t)| (i.to_string(), t)))?;
            // Any user of the machine can read a command line (`ps`, /proc/PID/cmdline), not
            // another user's environment (/proc/PID/environ is the owner's only).
            for (i, arg) in argv.iter().enumerate() {
                if scope.reads_secret(arg) {
                    return Err(format!(
                        "list_organizations.argv.{i}: a secret on a command line is visible to every user of this machine (ps); pass it in the environment instead, as env = {{ NAME = \"{{secret.NAME}}\" }}, and read $NAME in the program"
                    ));
                }
            }
            for name in env.keys() {
                let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(format!(
                        "list_organizations.env: {:?} is not an environment variable name (letters, digits and '_', not starting with a digit)",
                        name
                    ));
                }
            }
            scope.check_all("list_organizations.env", env.iter().map(|(k, v)| (k.clone(), v)))?;
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
        scope.check_sent(at, &request, has_credentials)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(tables: &str) -> Result<Config, String> {
        let text = format!(
            "[integrations.h]\ndisplay_name = \"H\"\nsupports_org_mapping = true\n[integrations.h.secrets]\nkey = {{ env = \"H_KEY\" }}\n{tables}"
        );
        Config::parse(&text, None).map_err(|err| err.to_string())
    }

    #[test]
    fn a_secret_in_a_step_over_plain_http_is_refused_at_load() {
        // Regression: a step URL with {secret.key} went over plain http to another machine.
        let err = load("[[integrations.h.steps]]\nname = \"s\"\nurl = \"http://192.0.2.2/x/{secret.key}\"\nextract = { a = \"$.a\" }\n")
            .unwrap_err();
        assert!(err.contains("steps[0].url") && err.contains("plain http to 192.0.2.2"), "{err}");
        for (at, tables) in [
            (
                "steps[0]",
                "[[integrations.h.steps]]\nname = \"s\"\nurl = \"http://h.example/x\"\nheaders = { k = \"{secret.key}\" }\nextract = { a = \"$.a\" }\n",
            ),
            (
                "steps[0]",
                "[[integrations.h.steps]]\nname = \"s\"\nurl = \"HTTP://h.example:8080\"\njson = { a = [\"{secret.key}\"] }\nextract = { a = \"$.a\" }\n",
            ),
            (
                "list_organizations",
                "[integrations.h.vars]\nbase = \"http://h.example\"\n[integrations.h.list_organizations]\nkind = \"http\"\nurl = \"{vars.base}/orgs\"\nquery = { k = \"{secret.key}\" }\n",
            ),
            (
                "validate",
                "[integrations.h.validate]\nurl = \"http://h.example/{external_org_id}\"\nform = { k = \"{secret.key}\" }\n",
            ),
            (
                "test_connection",
                "[integrations.h.auth]\nkind = \"bearer\"\ntoken = \"{secret.key}\"\n[integrations.h.test_connection]\nurl = \"http://10.0.0.1/{external_org_id}\"\n",
            ),
            (
                "auth.token_url",
                "[integrations.h.auth]\nkind = \"oauth2\"\ngrant = \"client_credentials\"\ntoken_url = \"http://login.example/token\"\nclient_id = \"{secret.key}\"\n",
            ),
        ] {
            let err = load(tables).unwrap_err();
            assert!(err.contains(at) && err.contains("plain http"), "{tables}: {err}");
        }
    }

    #[test]
    fn plain_http_to_this_machine_or_an_unknown_host_or_without_secrets_loads() {
        for tables in [
            "[[integrations.h.steps]]\nname = \"s\"\nurl = \"http://127.0.0.1:9/x/{secret.key}\"\nextract = { a = \"$.a\" }\n",
            "[[integrations.h.steps]]\nname = \"s\"\nurl = \"http://localhost/x/{secret.key}\"\nextract = { a = \"$.a\" }\n",
            "[[integrations.h.steps]]\nname = \"s\"\nurl = \"http://[::1]/x/{secret.key}\"\nextract = { a = \"$.a\" }\n",
            "[[integrations.h.steps]]\nname = \"s\"\nurl = \"http://h.example/x\"\nextract = { a = \"$.a\" }\n",
            "[[integrations.h.steps]]\nname = \"s\"\nurl = \"{env.BASE}/x/{secret.key}\"\nextract = { a = \"$.a\" }\n",
            "[[integrations.h.steps]]\nname = \"s\"\nurl = \"https://h.example/x/{secret.key}\"\nextract = { a = \"$.a\" }\n",
        ] {
            assert!(load(tables).is_ok(), "{tables}: {:?}", load(tables).err());
        }
    }

    #[test]
    fn a_step_value_whose_default_is_a_secret_counts_as_one() {
        let step = "[[integrations.h.steps]]\nname = \"a\"\nurl = \"https://h.example/a\"\nextract = { k = \"$.k\" }\ndefaults = { k = \"{secret.key}\" }\n";
        let err = load(&format!(
            "{step}[integrations.h.list_organizations]\nkind = \"http\"\nurl = \"http://h.example/{{steps.a.k}}\"\n"
        ))
        .unwrap_err();
        assert!(err.contains("list_organizations.url: the request carries a secret"), "{err}");
        let err = load(&format!(
            "{step}[integrations.h.list_organizations]\nkind = \"http\"\nurl = \"https://{{steps.a.k}}.example/\"\n"
        ))
        .unwrap_err();
        assert!(err.contains("{steps.a.k} is in the scheme or host part"), "{err}");
    }

    #[test]
    fn a_secret_in_the_host_of_a_url_is_refused_at_load() {
        // Regression: `http://{secret.sub}.example.invalid` showed the secret lower-cased.
        for (at, url) in [
            ("list_organizations.url", "http://{secret.key}.example.invalid"),
            ("list_organizations.url", "https://api.{secret.key}.example/orgs"),
            ("list_organizations.url", "https://{secret.key}@h.example/orgs"),
            ("list_organizations.url", "https://h.example:{secret.key}/orgs"),
            ("list_organizations.url", "{secret.key}/orgs"),
            ("list_organizations.url", "{env.SCHEME}://{secret.key}.example/orgs"),
            ("list_organizations.url", "{vars.sub}/orgs"),
        ] {
            let err = load(&format!(
                "[integrations.h.vars]\nsub = \"https://{{secret.key}}.example\"\n[integrations.h.list_organizations]\nkind = \"http\"\nurl = \"{url}\"\n"
            ))
            .unwrap_err();
            assert!(err.contains(at) && err.contains("host part"), "{url}: {err}");
        }
        let ok = load(
            "[integrations.h.list_organizations]\nkind = \"http\"\nurl = \"{env.BASE}/{secret.key}/orgs?k={secret.key}#{secret.key}\"\n",
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
