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

/// Metadata as a whole: bounded count, keys and value sizes.
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
        if let Value::String(s) = value
            && s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Error::invalid("metadata", format!("the value of '{key}' contains control characters")));
        }
    }
    Ok(())
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
