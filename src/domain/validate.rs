//! Bounds and shapes for every value a user or a workflow can store, checked before anything is
//! written.

use serde_json::Value;

use super::Metadata;
use crate::error::{Error, Result};

/// The longest external organization ID accepted.
pub const MAX_EXTERNAL_ID_LEN: usize = 200;
const MAX_NAME_LEN: usize = 500;
const MAX_LABEL_LEN: usize = 100;
const MAX_ORG_ID_LEN: usize = 64;
const MAX_ACTOR_LEN: usize = 128;
/// The most metadata entries one mapping may carry.
pub const MAX_META_ENTRIES: usize = 64;
const MAX_META_KEY_LEN: usize = 64;
const MAX_META_VALUE_BYTES: usize = 4096;
/// How deeply a stored JSON value (a metadata value, a field kept from an API answer) may nest.
/// Records wrap such a value in a few levels of their own (a mapping inside an audit event inside
/// an export line), and every JSON reader limits nesting (serde_json and PostgreSQL's jsonb
/// accept 128 levels): 16 leaves room for all of them, and real metadata is one or two deep.
pub const MAX_JSON_DEPTH: usize = 16;
/// The longest audit action or target accepted from an import.
const MAX_AUDIT_WORD_LEN: usize = 200;

fn has_control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

fn bounded_text(what: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(what, "it is empty"));
    }
    if has_control(value) {
        return Err(Error::invalid(what, "it contains control characters (newline, tab, escape, ...)"));
    }
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid(what, format!("it is {len} characters long; at most {max} are allowed")));
    }
    Ok(())
}

/// An external organization ID: non-empty, printable, at most 200 characters, and matching the
/// integration's `id_pattern` when it has one.
pub fn validate_external_id(id: &str, pattern: Option<&regex::Regex>) -> Result<()> {
    bounded_text("external organization ID", id, MAX_EXTERNAL_ID_LEN)?;
    if id != id.trim() {
        return Err(Error::invalid("external organization ID", "it has leading or trailing spaces"));
    }
    if let Some(pattern) = pattern
        && !pattern.is_match(id)
    {
        return Err(Error::Invalid {
            what: "external organization ID".into(),
            message: format!("'{id}' does not match the integration's id_pattern {}", pattern.as_str()),
            hint: Some("check the ID in the external system; `orgmap integrations NAME` shows the pattern".into()),
        });
    }
    Ok(())
}

/// A name as shown to people: an external organization's name.
pub fn validate_external_name(name: &str) -> Result<()> {
    bounded_text("external organization name", name, MAX_NAME_LEN)
}

/// A mapping's label, which tells several mappings of one org and integration apart.
pub fn validate_label(label: &str) -> Result<()> {
    bounded_text("label", label, MAX_LABEL_LEN)
}

/// An MSP organization's display name.
pub fn validate_org_name(name: &str) -> Result<()> {
    bounded_text("organization name", name, MAX_NAME_LEN)
}

/// The most domains and aliases one organization may have.
pub const MAX_ORG_DOMAINS: usize = 32;
pub const MAX_ORG_ALIASES: usize = 32;

/// An organization's domain: a lower-case DNS name such as `acme.com` (no scheme, path or port).
pub fn validate_domain(domain: &str) -> Result<()> {
    let labels: Vec<&str> = domain.split('.').collect();
    let valid = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        && !labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid {
            what: "domain".into(),
            message: format!("'{}' is not a domain name", domain.escape_debug()),
            hint: Some("give a lower-case name such as acme.com, without scheme, path or port".into()),
        })
    }
}

/// An MSP organization's ID: a slug such as `acme` or `contoso-eu`.
pub fn validate_org_id(id: &str) -> Result<()> {
    let valid = !id.is_empty()
        && id.len() <= MAX_ORG_ID_LEN
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid {
            what: "organization ID".into(),
            message: format!("'{}' is not a slug", id.escape_debug()),
            hint: Some(format!(
                "use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit, at most {MAX_ORG_ID_LEN} characters (e.g. acme-corp)"
            )),
        })
    }
}

/// Who acts: from `ORGMAP_ACTOR` or the OS user.
pub fn validate_actor(actor: &str) -> Result<()> {
    bounded_text("actor", actor, MAX_ACTOR_LEN)
}

/// Metadata as a whole: bounded count, keys and value sizes, and every value one that reads
/// back as written (see [`validate_json_value`]).
pub fn validate_metadata(metadata: &Metadata) -> Result<()> {
    if metadata.len() > MAX_META_ENTRIES {
        return Err(Error::invalid(
            "metadata",
            format!("{} entries; at most {MAX_META_ENTRIES} are allowed", metadata.len()),
        ));
    }
    for (key, value) in metadata {
        validate_meta_key(key)?;
        let size = match value {
            Value::String(s) => s.len(),
            other => other.to_string().len(),
        };
        if size > MAX_META_VALUE_BYTES {
            return Err(Error::invalid(
                "metadata",
                format!("the value of '{key}' is {size} bytes; at most {MAX_META_VALUE_BYTES} are allowed"),
            ));
        }
        validate_json_value(value).map_err(|why| Error::invalid("metadata", format!("the value of '{key}' {why}")))?;
    }
    Ok(())
}

/// An integration's name as the config declares it: `^[a-z][a-z0-9_-]*$`, at most 64 characters.
pub fn is_valid_integration_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Why a JSON value could not be stored and read back exactly, in words that follow "the value
/// of 'KEY'": nested deeper than [`MAX_JSON_DEPTH`], or a string or object key holding a control
/// character other than newline and tab (NUL cannot be kept by PostgreSQL, nor imported).
pub fn validate_json_value(value: &Value) -> std::result::Result<(), String> {
    validate_json_within(value, MAX_JSON_DEPTH)
}

/// [`validate_json_value`] with another depth: a whole record (an audit event's before and
/// after) wraps metadata values in levels of its own.
pub fn validate_json_within(value: &Value, max_depth: usize) -> std::result::Result<(), String> {
    fn walk(value: &Value, depth: usize, max_depth: usize) -> std::result::Result<(), String> {
        if matches!(value, Value::Array(_) | Value::Object(_)) && depth > max_depth {
            return Err(format!("nests more than {max_depth} levels deep"));
        }
        let bad_text = |text: &str| text.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        match value {
            Value::String(text) if bad_text(text) => Err("contains control characters".into()),
            Value::Array(items) => items.iter().try_for_each(|item| walk(item, depth + 1, max_depth)),
            Value::Object(map) => map.iter().try_for_each(|(key, item)| {
                if bad_text(key) {
                    return Err("has an object key with control characters".into());
                }
                walk(item, depth + 1, max_depth)
            }),
            _ => Ok(()),
        }
    }
    walk(value, 1, max_depth)
}

/// Parses JSON typed by a person or read from a file, refusing numbers that would not read back
/// as written: JSON numbers are kept as 64-bit integers or doubles, so a larger integer or a
/// decimal with more than 17 significant digits would silently become another number.
pub fn parse_exact_json(text: &str) -> std::result::Result<Value, String> {
    let value: Value = serde_json::from_str(text).map_err(|err| err.to_string())?;
    check_numbers_exact(text)?;
    Ok(value)
}

/// Checks every number token of valid JSON `text` (see [`parse_exact_json`]).
pub fn check_numbers_exact(text: &str) -> std::result::Result<(), String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len() && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                check_number_token(&text[start..i])?;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

fn check_number_token(token: &str) -> std::result::Result<(), String> {
    let is_integer = !token.contains(['.', 'e', 'E']);
    if is_integer {
        if token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok() {
            return Ok(());
        }
        return Err(format!(
            "the number {token} is too large to keep exactly (integers are kept in 64 bits); quote it to keep it as text"
        ));
    }
    let mantissa = token.split(['e', 'E']).next().unwrap_or(token);
    let digits = mantissa.trim_start_matches('-').replace('.', "");
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    if significant > 17 {
        return Err(format!(
            "the number {token} has more than 17 significant digits and would be rounded; quote it to keep it as text"
        ));
    }
    Ok(())
}

/// A mapping ID as orgmap makes them: a ULID in its canonical upper-case form, which is what
/// every lookup by ID or prefix expects.
pub fn validate_mapping_id(id: &str) -> Result<()> {
    match ulid::Ulid::from_string(id) {
        Ok(ulid) if ulid.to_string() == id => Ok(()),
        _ => Err(Error::Invalid {
            what: "mapping ID".into(),
            message: format!("'{}' is not a mapping ID", id.escape_debug()),
            hint: Some("mapping IDs are 26-character upper-case ULIDs such as 01M8B64CWW0DC1FRMGN8STN9ZC".into()),
        }),
    }
}

/// Free text a person gives with a change (an exclusion's reason): printable, at most 500
/// characters.
pub fn validate_reason(reason: &str) -> Result<()> {
    bounded_text("reason", reason, MAX_NAME_LEN)
}

/// An audit event's action or target, as an import brings it: printable, bounded text.
pub fn validate_audit_word(what: &str, value: &str) -> Result<()> {
    bounded_text(what, value, MAX_AUDIT_WORD_LEN)
}

fn validate_meta_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key.len() <= MAX_META_KEY_LEN
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid {
            what: "metadata key".into(),
            message: format!("'{}' is not allowed", key.escape_debug()),
            hint: Some(format!("keys use letters, digits, '_', '-' and '.', at most {MAX_META_KEY_LEN} characters")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_bounded_printable_and_match_the_pattern() {
        let digits = regex::Regex::new("^[0-9]+$").unwrap();
        assert!(validate_external_id("12345", Some(&digits)).is_ok());
        assert!(validate_external_id("12a45", Some(&digits)).is_err());
        assert!(validate_external_id("", None).is_err());
        assert!(validate_external_id("a\nb", None).is_err());
        assert!(validate_external_id(" 12", None).is_err());
        assert!(validate_external_id(&"x".repeat(200), None).is_ok());
        assert!(validate_external_id(&"x".repeat(201), None).is_err());
    }

    #[test]
    fn org_ids_are_slugs() {
        for ok in ["acme", "acme-corp", "a1", "9lives", "eu.contoso_2"] {
            assert!(validate_org_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Acme", "-acme", "acme corp", "acme/x", &"a".repeat(65)] {
            assert!(validate_org_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_keys_and_sizes_are_bounded() {
        let mut meta = Metadata::new();
        meta.insert("region".into(), Value::String("eu".into()));
        assert!(validate_metadata(&meta).is_ok());
        meta.insert("bad key".into(), Value::Null);
        assert!(validate_metadata(&meta).is_err());
        let mut big = Metadata::new();
        big.insert("k".into(), Value::String("v".repeat(4097)));
        assert!(validate_metadata(&big).is_err());
        let many: Metadata = (0..65).map(|i| (format!("k{i}"), Value::Bool(true))).collect();
        assert!(validate_metadata(&many).is_err());
    }
}
