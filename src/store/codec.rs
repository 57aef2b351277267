//! How records are read back from their stored JSON, on every backend: whatever any orgmap
//! version wrote must read back, and a record that cannot be read is set aside and reported,
//! never allowed to take the rest of the store down with it.

use std::sync::Mutex;

use serde::de::DeserializeOwned;

/// The deepest stored JSON read. Values entering the store nest at most
/// [`crate::domain::MAX_JSON_DEPTH`] levels inside records a few levels deep; older versions
/// accepted up to serde_json's limit of 128, which a record's own levels could push past it.
/// Reading without that limit, but within this bound checked first, reads all of them back
/// without risking the stack.
const MAX_READ_DEPTH: usize = 192;

/// Reads one stored JSON record.
pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let depth = nesting_depth(bytes);
    if depth > MAX_READ_DEPTH {
        return Err(format!("it nests {depth} levels deep, more than {MAX_READ_DEPTH}"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.disable_recursion_limit();
    let value = T::deserialize(&mut deserializer).map_err(|err| err.to_string())?;
    deserializer.end().map_err(|err| err.to_string())?;
    Ok(value)
}

/// How deeply brackets nest in JSON text, strings aside.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A stored record that could not be read, set aside by a read that went on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// What kind of record: `mapping`, `organization`, `audit event`, …
    pub what: String,
    /// Its key in the store: a mapping ID, an org ID, an audit position, …
    pub key: String,
    /// Why it could not be read.
    pub detail: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} cannot be read: {}", self.what, self.key, self.detail)
    }
}

static UNREADABLE: Mutex<Vec<Unreadable>> = Mutex::new(Vec::new());

/// Notes a record that a read left out.
pub(crate) fn set_aside(what: &str, key: &str, detail: String) {
    let record = Unreadable { what: what.to_owned(), key: key.to_owned(), detail };
    let mut seen = UNREADABLE.lock().unwrap_or_else(|e| e.into_inner());
    if !seen.contains(&record) {
        seen.push(record);
    }
}

/// The records that reads of this process left out since the last call, so that the caller
/// can say that what it shows is incomplete, and why.
pub fn take_unreadable() -> Vec<Unreadable> {
    std::mem::take(&mut *UNREADABLE.lock().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn values_nested_past_serde_jsons_limit_read_back() {
        let text = format!("{{\"k\":{}1{}}}", "[".repeat(140), "]".repeat(140));
        assert!(serde_json::from_str::<Value>(&text).is_err(), "the default reader refuses it");
        let value: Value = from_json(text.as_bytes()).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), text);
    }

    #[test]
    fn nesting_beyond_the_bound_is_refused_without_recursion() {
        let text = "[".repeat(100_000);
        assert!(from_json::<Value>(text.as_bytes()).unwrap_err().contains("levels deep"));
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        assert_eq!(nesting_depth(br#"{"a":"[[[[\"{{","b":[1]}"#), 2);
    }
}
