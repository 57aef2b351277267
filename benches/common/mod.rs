//! The synthetic MSP the store benchmarks share: organizations `org{N}`, each mapped in
//! integrations `int0`…`int{INTEGRATIONS - 1}`.

use orgmap::domain::{Mapping, Org, now};

pub const INTEGRATIONS: usize = 10;

/// integrations.toml declaring the integrations.
pub fn config_text() -> String {
    (0..INTEGRATIONS)
        .map(|i| format!("[integrations.int{i}]\ndisplay_name = \"Integration {i}\"\nsupports_org_mapping = true\n\n"))
        .collect()
}

pub fn org(n: usize) -> Org {
    let at = now();
    Org {
        id: format!("org{n}"),
        name: format!("Customer {n}"),
        active: true,
        domains: Vec::new(),
        aliases: Vec::new(),
        created_at: at,
        created_by: "bench".into(),
        updated_at: at,
        updated_by: "bench".into(),
    }
}

pub fn mapping(org: usize, integration: usize) -> Mapping {
    let at = now();
    Mapping {
        mapping_id: ulid::Ulid::new().to_string(),
        org_id: format!("org{org}"),
        integration: format!("int{integration}"),
        external_org_id: format!("{}", 100_000 + org * INTEGRATIONS + integration),
        external_org_name: Some(format!("Customer {org} in integration {integration}")),
        label: None,
        metadata: [("region".to_owned(), serde_json::Value::String("eu".to_owned()))].into(),
        active: true,
        verified: true,
        revision: 1,
        created_at: at,
        created_by: "bench".into(),
        updated_at: at,
        updated_by: "bench".into(),
        source: None,
    }
}
