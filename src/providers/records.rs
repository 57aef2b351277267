//! Turning an answer (JSON) into external organizations, as `records` in the config says, and
//! keeping the secrets an answer may echo out of them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::requests::{Filter, JsonPath, RecordsSpec};
use crate::domain::{ExternalOrg, MAX_EXTERNAL_ID_LEN};
use crate::secrets::Redactor;

/// Names longer than this are cut: a name is for people to recognise, not a payload.
const MAX_NAME_CHARS: usize = 500;

/// The first value `path` finds in `value`.
pub fn first<'v>(path: &JsonPath, value: &'v Value) -> Option<&'v Value> {
    path.path.query(value).first()
}

/// The record nodes of an answer. When the path ends in `[*]`, what it is applied to must exist
/// and be an array: an answer without it is an error, not an empty list.
pub fn record_nodes<'v>(spec: &RecordsSpec, body: &'v Value) -> Result<Vec<&'v Value>, String> {
    let source = spec.path.source.trim();
    if let Some(container) = source.strip_suffix("[*]") {
        let container_path = if container.is_empty() { "$" } else { container };
        if let Ok(parsed) = serde_json_path::JsonPath::parse(container_path) {
            match parsed.query(body).first() {
                Some(Value::Array(_)) => {}
                Some(other) => {
                    return Err(format!("expected an array at {container_path}, found {}", kind_of(other)));
                }
                None => return Err(format!("expected an array at {container_path}, found nothing there")),
            }
        }
    }
    Ok(spec.path.path.query(body).all())
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A record's ID as a string: strings as they are, integers in decimal; anything else is refused.
fn id_of(spec: &RecordsSpec, record: &Value, index: usize) -> Result<String, String> {
    let id = match first(&spec.id, record) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        Some(other) => {
            return Err(format!(
                "record {index}: the ID at {} is {}, not a string or an integer",
                spec.id.source,
                kind_of(other)
            ));
        }
        None => return Err(format!("record {index}: no ID at {}", spec.id.source)),
    };
    if id.is_empty() || id.chars().count() > MAX_EXTERNAL_ID_LEN || id.chars().any(char::is_control) {
        return Err(format!(
            "record {index}: the ID is empty, longer than {MAX_EXTERNAL_ID_LEN} characters, or has control characters"
        ));
    }
    Ok(id)
}

/// The most domains kept of one record.
const MAX_RECORD_DOMAINS: usize = 32;
/// The longest domain, website or e-mail address kept.
const MAX_DOMAIN_TEXT: usize = 253;

/// Every string the `domains` paths find (in lists too), lower case, without duplicates; text
/// that is too long or holds control characters is left out.
fn domains_of(spec: &RecordsSpec, record: &Value) -> Vec<String> {
    let Some(paths) = &spec.domains else { return Vec::new() };
    let mut found: Vec<String> = Vec::new();
    let mut add = |value: &Value| {
        if let Value::String(text) = value {
            let text = text.trim().to_lowercase();
            if !text.is_empty()
                && text.len() <= MAX_DOMAIN_TEXT
                && !text.chars().any(char::is_control)
                && !found.contains(&text)
                && found.len() < MAX_RECORD_DOMAINS
            {
                found.push(text);
            }
        }
    };
    for path in paths.paths() {
        for node in path.path.query(record).all() {
            match node {
                Value::Array(items) => items.iter().for_each(&mut add),
                other => add(other),
            }
        }
    }
    found
}

/// The other integrations' IDs the `xrefs` paths find: strings or integers, as IDs are kept.
fn xrefs_of(spec: &RecordsSpec, record: &Value) -> BTreeMap<String, String> {
    spec.xrefs
        .iter()
        .filter_map(|(integration, path)| {
            let id = match first(path, record)? {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                _ => return None,
            };
            let usable =
                !id.is_empty() && id.chars().count() <= MAX_EXTERNAL_ID_LEN && !id.chars().any(char::is_control);
            usable.then(|| (integration.clone(), id))
        })
        .collect()
}

fn name_of(spec: &RecordsSpec, record: &Value) -> Option<String> {
    spec.name.paths().iter().find_map(|path| match first(path, record) {
        Some(Value::String(s)) => clean_name(s),
        _ => None,
    })
}

/// A name from an external system as orgmap keeps it: control characters (tabs, newlines,
/// escapes) become spaces, surrounding space is trimmed, and it is cut to 500 characters; `None`
/// when nothing is left.
pub fn clean_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(table.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

/// Whether `record` matches `filter`; a missing field counts as null.
fn matches(filter: &Filter, record: &Value) -> bool {
    let found = first(&filter.path, record).cloned().unwrap_or(Value::Null);
    if let Some(expected) = &filter.eq {
        return found == toml_to_json(expected);
    }
    if let Some(expected) = &filter.ne {
        return found != toml_to_json(expected);
    }
    if let Some(options) = &filter.one_of {
        return options.iter().any(|o| toml_to_json(o) == found);
    }
    if let Some(options) = &filter.not_in {
        return !options.iter().any(|o| toml_to_json(o) == found);
    }
    false
}

/// The external organization a record describes, or `None` when an `exclude` filter drops it.
pub fn to_org(spec: &RecordsSpec, record: &Value, index: usize) -> Result<Option<ExternalOrg>, String> {
    if spec.exclude.iter().any(|f| matches(f, record)) {
        return Ok(None);
    }
    let id = id_of(spec, record, index)?;
    let mut extra = BTreeMap::new();
    for (key, path) in &spec.keep {
        if let Some(value) = first(path, record) {
            extra.insert(key.clone(), value.clone());
        }
    }
    Ok(Some(ExternalOrg {
        id,
        name: name_of(spec, record),
        active: !spec.inactive.iter().any(|f| matches(f, record)),
        extra,
        domains: domains_of(spec, record),
        xrefs: xrefs_of(spec, record),
    }))
}

/// Every external organization in an answer.
pub fn extract(spec: &RecordsSpec, body: &Value) -> Result<Vec<ExternalOrg>, String> {
    let nodes = record_nodes(spec, body)?;
    let mut orgs = Vec::with_capacity(nodes.len());
    for (index, record) in nodes.into_iter().enumerate() {
        if let Some(org) = to_org(spec, record, index)? {
            orgs.push(org);
        }
    }
    Ok(orgs)
}

/// Said when an answer's value is not kept because it holds a secret.
pub fn secret_withheld(integration: &str, what: &str) -> String {
    format!(
        "{integration}: {what} holds one of its secrets (the system echoes a credential?); it is not kept, listed or exported"
    )
}

/// Keeps secrets out of the records an answer gives, before anything stores them: a name that
/// holds a secret is dropped (the organization is kept without a name), so is a kept field; a
/// record whose ID holds one is left out, since it cannot be kept without it. Each is warned of.
pub fn withhold_secrets(
    integration: &str,
    organizations: Vec<ExternalOrg>,
    redactor: &Redactor,
    warn: &dyn Fn(&str),
) -> Vec<ExternalOrg> {
    let mut organizations = organizations;
    // In place: a list of a million is not copied.
    organizations.retain_mut(|org| {
        if redactor.contains_secret(&org.id) {
            warn(&secret_withheld(integration, "a record's ID"));
            return false;
        }
        if org.name.as_deref().is_some_and(|name| redactor.contains_secret(name)) {
            org.name = None;
            warn(&secret_withheld(integration, &format!("the name of {}", org.id)));
        }
        let before = org.extra.len() + org.domains.len() + org.xrefs.len();
        org.extra.retain(|_, value| !redactor.contains_secret(&value.to_string()));
        org.domains.retain(|domain| !redactor.contains_secret(domain));
        org.xrefs.retain(|_, id| !redactor.contains_secret(id));
        if org.extra.len() + org.domains.len() + org.xrefs.len() != before {
            warn(&secret_withheld(integration, &format!("a kept field of {}", org.id)));
        }
        true
    });
    organizations
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(toml_text: &str) -> RecordsSpec {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn integer_and_string_ids_become_strings_and_names_fall_back() {
        let spec = spec("path = \"$.clients[*]\"\nname = [\"$.name\", \"$.displayName\"]\n");
        let body = json!({"clients": [{"id": 12, "name": "Acme"}, {"id": "x-7", "displayName": "Globex"}, {"id": 3, "name": null}]});
        let orgs = extract(&spec, &body).unwrap();
        assert_eq!(orgs.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["12", "x-7", "3"]);
        assert_eq!(orgs[1].name.as_deref(), Some("Globex"));
        assert_eq!(orgs[2].name, None);
    }

    #[test]
    fn filters_mark_inactive_or_exclude() {
        let spec = spec(
            "path = \"$.data[*]\"\nname = \"$.attributes.name\"\ninactive = [{ path = \"$.attributes['organization-status-name']\", ne = \"Active\" }]\nexclude = [{ path = \"$.attributes.name\", eq = \"Deleted Devices\" }]\n",
        );
        let body = json!({"data": [
            {"id": "1", "attributes": {"name": "A", "organization-status-name": "Active"}},
            {"id": "2", "attributes": {"name": "B", "organization-status-name": "Inactive"}},
            {"id": "3", "attributes": {"name": "Deleted Devices"}},
        ]});
        let orgs = extract(&spec, &body).unwrap();
        assert_eq!(orgs.len(), 2);
        assert!(orgs[0].active);
        assert!(!orgs[1].active);
    }

    #[test]
    fn values_that_hold_a_secret_are_not_kept() {
        // Regression: an org name holding the API key was cached, listed and exported.
        let redactor = Redactor::default();
        redactor.add("k9Z");
        let spec = spec("keep = { ref = \"$.ref\" }\n");
        let body = json!([
            {"id": 1, "name": "Hello k9Z", "ref": "k9Z"},
            {"id": 2, "name": "Globex", "ref": "x"},
            {"id": "k9Z", "name": "Initech"},
            {"id": 4, "name": "k9Zeta Corp"},
        ]);
        let warnings = std::cell::RefCell::new(Vec::new());
        let orgs = withhold_secrets("s", extract(&spec, &body).unwrap(), &redactor, &|m| {
            warnings.borrow_mut().push(m.to_owned())
        });
        assert_eq!(orgs.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["1", "2", "4"]);
        assert_eq!(orgs[0].name, None);
        assert!(orgs[0].extra.is_empty());
        assert_eq!(orgs[1].extra["ref"], "x");
        assert_eq!(orgs[2].name.as_deref(), Some("k9Zeta Corp"), "a short secret counts only as a whole word");
        assert_eq!(warnings.borrow().len(), 3, "{:?}", warnings.borrow());
    }

    #[test]
    fn a_missing_array_and_bad_ids_are_errors() {
        let spec = spec("path = \"$.clients[*]\"\n");
        assert!(extract(&spec, &json!({"error": "nope"})).unwrap_err().contains("expected an array at $.clients"));
        assert!(extract(&spec, &json!({"clients": []})).unwrap().is_empty());
        for bad in [
            json!({"clients": [{"id": 1.5}]}),
            json!({"clients": [{"id": {"a": 1}}]}),
            json!({"clients": [{"name": "x"}]}),
        ] {
            assert!(extract(&spec, &bad).is_err(), "{bad}");
        }
    }
}
