//! A JSON or CSV export of the organizations: offline systems, and the demo integration.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::FetchError;
use super::records;
use crate::config::requests::RecordsSpec;
use crate::domain::ExternalOrg;

const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the organizations in `path`: CSV when it ends in `.csv`, JSON otherwise.
pub fn read(path: &Path, spec: &RecordsSpec) -> Result<Vec<ExternalOrg>, FetchError> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|err| FetchError::new(format!("cannot read {shown}: {err}")))?;
    if !meta.is_file() {
        return Err(FetchError::new(format!("{shown} is not a regular file"))
            .with_hint("point list_organizations.path at a JSON or CSV file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FetchError::new(format!("{shown} is larger than {} MB", MAX_FILE_BYTES / (1024 * 1024))));
    }
    let bytes = std::fs::read(path).map_err(|err| FetchError::new(format!("cannot read {shown}: {err}")))?;
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let body = if is_csv {
        csv_to_json(&bytes).map_err(|err| FetchError::new(format!("{shown} is not valid CSV: {err}")))?
    } else if let Some((_, orgs, _, _)) = super::paginate::stream::records(spec, &bytes) {
        // Records read one at a time, as from an API: a list of a million never becomes a
        // JSON tree (ten times its size).
        return Ok(orgs);
    } else {
        serde_json::from_slice(&bytes).map_err(|err| FetchError::new(format!("{shown} is not valid JSON: {err}")))?
    };
    let mut orgs = records::extract(spec, &body)
        .map_err(|what| FetchError::new(format!("unexpected content in {shown}: {what}")))?;
    if is_csv {
        let inactive = inactive_csv_ids(&body);
        for org in &mut orgs {
            if inactive.contains(&org.id) {
                org.active = false;
            }
        }
    }
    Ok(orgs)
}

/// The IDs of CSV rows whose `active` column says false, no or 0.
fn inactive_csv_ids(rows: &Value) -> std::collections::HashSet<String> {
    rows.as_array()
        .into_iter()
        .flatten()
        .filter(|row| {
            row.get("active")
                .and_then(Value::as_str)
                .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "false" | "no" | "0"))
        })
        .filter_map(|row| row.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// CSV rows as JSON objects of strings.
fn csv_to_json(bytes: &[u8]) -> Result<Value, csv::Error> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let mut row: BTreeMap<String, Value> = BTreeMap::new();
        for (header, value) in headers.iter().zip(record.iter()) {
            row.insert(header.to_owned(), Value::String(value.to_owned()));
        }
        rows.push(Value::Object(row.into_iter().collect()));
    }
    Ok(Value::Array(rows))
}
