//! Mappings on disk: a compact binary form, a third the size of their JSON.
//!
//! Mappings are most of a store (a large MSP has hundreds of thousands), and stored as JSON they
//! repeat every field name in every record: 370 bytes for a typical mapping against 100 here,
//! which took a store of 100,000 mappings from 71 MB to 36 MB, and makes reading one several
//! times faster. The fields are written in order by postcard, after a tag byte; the mapping ID
//! is the record's key and is not repeated. Metadata and the source stay JSON inside (their
//! shape is open), read back as every stored JSON value is.
//!
//! Records written as JSON by earlier versions start with `{` and are read as before, so a store
//! needs no rewrite to be read; `orgmap store migrate` rewrites them to save the space.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{Mapping, Metadata};
use crate::error::Result;

/// The first byte of a mapping in this form; a JSON record starts with `{`.
const MAPPING_V1: u8 = 0xB1;

#[derive(Serialize, Deserialize)]
struct StoredMapping<'a> {
    /// A digest of the key the record was written under: a record copied under another key
    /// (bit rot in the tree, an edit) is told apart from the record that belongs there.
    key_digest: u32,
    org_id: &'a str,
    integration: &'a str,
    external_org_id: &'a str,
    external_org_name: Option<&'a str>,
    label: Option<&'a str>,
    /// JSON, empty for none.
    metadata: &'a str,
    active: bool,
    verified: bool,
    revision: u64,
    /// Nanoseconds since the Unix epoch.
    created_at: i128,
    created_by: &'a str,
    updated_at: i128,
    updated_by: &'a str,
    /// JSON.
    source: Option<&'a str>,
}

/// The stored form of `mapping`.
pub(super) fn encode_mapping(mapping: &Mapping) -> Result<Vec<u8>> {
    let metadata = if mapping.metadata.is_empty() { String::new() } else { serde_json::to_string(&mapping.metadata)? };
    let source = mapping.source.as_ref().map(serde_json::to_string).transpose()?;
    let stored = StoredMapping {
        key_digest: key_digest(&mapping.mapping_id),
        org_id: &mapping.org_id,
        integration: &mapping.integration,
        external_org_id: &mapping.external_org_id,
        external_org_name: mapping.external_org_name.as_deref(),
        label: mapping.label.as_deref(),
        metadata: &metadata,
        active: mapping.active,
        verified: mapping.verified,
        revision: mapping.revision,
        created_at: mapping.created_at.as_nanosecond(),
        created_by: &mapping.created_by,
        updated_at: mapping.updated_at.as_nanosecond(),
        updated_by: &mapping.updated_by,
        source: source.as_deref(),
    };
    let bytes = postcard::to_extend(&stored, vec![MAPPING_V1])
        .map_err(|err| crate::error::Error::Internal(format!("cannot encode a mapping: {err}")))?;
    Ok(bytes)
}

/// FNV-1a: four bytes a record, against the 26 of repeating its ID.
fn key_digest(key: &str) -> u32 {
    key.bytes().fold(0x811c_9dc5, |hash: u32, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// Whether a stored mapping is in the binary form (not the JSON of earlier versions).
pub(super) fn is_binary(bytes: &[u8]) -> bool {
    bytes.first() == Some(&MAPPING_V1)
}

/// The mapping stored in binary form under `key`, or why it cannot be read.
pub(super) fn decode_mapping(key: &str, bytes: &[u8]) -> std::result::Result<Mapping, String> {
    let body = bytes.get(1..).unwrap_or_default();
    let (stored, rest): (StoredMapping<'_>, &[u8]) =
        postcard::take_from_bytes(body).map_err(|err| format!("its stored form cannot be read: {err}"))?;
    if !rest.is_empty() {
        return Err(format!("{} stray bytes follow it", rest.len()));
    }
    if stored.key_digest != key_digest(key) {
        return Err(format!("it was written under another key than {key:?}"));
    }
    let at = |nanos: i128, what: &str| {
        Timestamp::from_nanosecond(nanos).map_err(|err| format!("its {what} time cannot be read: {err}"))
    };
    let metadata: Metadata = if stored.metadata.is_empty() {
        Metadata::new()
    } else {
        crate::store::codec::from_json(stored.metadata.as_bytes())?
    };
    let source = stored.source.map(|text| crate::store::codec::from_json(text.as_bytes())).transpose()?;
    Ok(Mapping {
        mapping_id: key.to_owned(),
        org_id: stored.org_id.to_owned(),
        integration: stored.integration.to_owned(),
        external_org_id: stored.external_org_id.to_owned(),
        external_org_name: stored.external_org_name.map(str::to_owned),
        label: stored.label.map(str::to_owned),
        metadata,
        active: stored.active,
        verified: stored.verified,
        revision: stored.revision,
        created_at: at(stored.created_at, "creation")?,
        created_by: stored.created_by.to_owned(),
        updated_at: at(stored.updated_at, "update")?,
        updated_by: stored.updated_by.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MappingLink, MappingSource, now};

    fn mapping() -> Mapping {
        let link = MappingLink {
            org_id: "acme".into(),
            integration: "halopsa".into(),
            external_org_id: "12345".into(),
            external_org_name: Some("Acme Corp".into()),
        };
        let mut mapping = Mapping::new(link, true, MappingSource::manual("alice"), "alice", now());
        mapping.metadata.insert("region".into(), serde_json::json!({"eu": [1, 2.5, "x\u{0}"]}));
        mapping.label = Some("main".into());
        mapping
    }

    #[test]
    fn a_mapping_reads_back_as_it_was_written_and_is_smaller_than_its_json() {
        let mapping = mapping();
        let bytes = encode_mapping(&mapping).unwrap();
        assert!(is_binary(&bytes));
        assert_eq!(decode_mapping(&mapping.mapping_id, &bytes).unwrap(), mapping);
        assert!(bytes.len() * 2 < serde_json::to_vec(&mapping).unwrap().len(), "{} bytes", bytes.len());
        let mut bare = mapping;
        bare.metadata.clear();
        bare.source = None;
        bare.label = None;
        let bytes = encode_mapping(&bare).unwrap();
        assert_eq!(decode_mapping(&bare.mapping_id, &bytes).unwrap(), bare);
    }

    #[test]
    fn damaged_bytes_are_reported_not_panicked_on() {
        let mapping = mapping();
        let key = mapping.mapping_id.clone();
        let bytes = encode_mapping(&mapping).unwrap();
        for end in 0..bytes.len() {
            assert!(decode_mapping(&key, &bytes[..end]).is_err(), "a record cut at {end} read as whole");
        }
        assert!(decode_mapping("01KBC4GB400000000000000000", &bytes).unwrap_err().contains("another key"));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_mapping(&key, &longer).unwrap_err().contains("stray"));
        for at in 1..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0xFF;
            let _ = decode_mapping(&key, &flipped);
        }
    }
}
