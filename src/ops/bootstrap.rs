//! Bootstrapping organizations from a system of record (`org import`): one organization, with a
//! mapping, for each external organization that no organization maps yet.

use std::collections::HashSet;

use serde::Serialize;

use super::authorize;
use crate::domain::{
    AuditEvent, ExternalOrg, Mapping, MappingLink, MappingSource, Org, SourceKind, now, validate_org_name,
};
use crate::error::Result;
use crate::store::Store;

/// The longest slug `org import` derives (IDs may be longer; slugs stay readable).
const MAX_SLUG_LEN: usize = 48;

/// Legal forms left off a slug when they end the name: "Acme Corp, Inc." → `acme-corp`.
const SLUG_SUFFIXES: &[&[&str]] = &[
    &["pty", "ltd"],
    &["inc"],
    &["incorporated"],
    &["llc"],
    &["llp"],
    &["ltd"],
    &["limited"],
    &["plc"],
    &["gmbh"],
    &["ag"],
    &["bv"],
    &["nv"],
    &["sa"],
    &["sarl"],
    &["sas"],
    &["srl"],
    &["oy"],
    &["ab"],
    &["as"],
    &["aps"],
    &["kg"],
];

/// A readable, stable slug for an organization name: ASCII-folded, lower case, words joined with
/// `-`, a trailing legal form left off ("Acme Corp, Inc." → `acme-corp`, "Müller GmbH" →
/// `mueller`); `None` when nothing usable is left.
pub fn slug(name: &str) -> Option<String> {
    let mut words: Vec<String> = crate::matching::name_tokens(name)
        .into_iter()
        .map(|word| word.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect();
    if let Some(suffix) = SLUG_SUFFIXES.iter().find(|suffix| words.len() > suffix.len() && words.ends_with_str(suffix))
    {
        words.truncate(words.len() - suffix.len());
    }
    let mut slug = String::new();
    for word in words {
        if !slug.is_empty() && slug.len() + 1 + word.len() > MAX_SLUG_LEN {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word[..word.len().min(MAX_SLUG_LEN)]);
    }
    (!slug.is_empty()).then_some(slug)
}

trait EndsWithStr {
    fn ends_with_str(&self, suffix: &[&str]) -> bool;
}

impl EndsWithStr for Vec<String> {
    fn ends_with_str(&self, suffix: &[&str]) -> bool {
        self.len() >= suffix.len() && self[self.len() - suffix.len()..].iter().zip(suffix).all(|(a, b)| a == b)
    }
}

/// What `org import` does with one external organization.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub org_id: String,
    pub name: String,
    pub external_org_id: String,
    /// The mapping created, once applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping_id: Option<String>,
}

/// An external organization left out, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub external_org_id: String,
    pub name: Option<String>,
    pub reason: String,
}

/// The plan of an import, applied or not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bootstrap {
    pub integration: String,
    pub create: Vec<Planned>,
    pub skipped: Vec<Skipped>,
    /// External organizations some organization maps already (re-runs create nothing for them).
    pub already_mapped: u64,
    pub applied: bool,
}

/// Plans, and unless `dry_run` applies in one transaction audited as one `org.import`, an
/// organization and a mapping for each of `listed` that no organization maps yet. An external
/// organization whose name is already an organization's name (or alias) is skipped: it is
/// matched, not duplicated (`orgmap suggest`).
pub fn import_orgs(
    store: &dyn Store,
    actor: &str,
    integration: &str,
    listed: &[ExternalOrg],
    dry_run: bool,
) -> Result<Bootstrap> {
    let mut tx = authorize(store.write()?, actor, "org.import", &format!("integration:{integration}"))?;
    let orgs = tx.orgs()?;
    let mapped: HashSet<String> =
        tx.mappings_of_integration(integration)?.into_iter().map(|m| m.external_org_id).collect();
    let mut taken: HashSet<String> = orgs.iter().map(|o| o.id.clone()).collect();
    let known_names: HashSet<String> = orgs
        .iter()
        .flat_map(|o| std::iter::once(&o.name).chain(&o.aliases))
        .map(|name| crate::matching::normalise_name(name))
        .filter(|name| !name.is_empty())
        .collect();
    let mut plan = Bootstrap { integration: integration.to_owned(), ..Bootstrap::default() };
    for external in listed {
        if mapped.contains(&external.id) {
            plan.already_mapped += 1;
            continue;
        }
        let skip = |reason: &str| Skipped {
            external_org_id: external.id.clone(),
            name: external.name.clone(),
            reason: reason.to_owned(),
        };
        let Some(name) = external.name.as_deref().filter(|n| validate_org_name(n).is_ok()) else {
            plan.skipped.push(skip("it has no usable name"));
            continue;
        };
        if known_names.contains(&crate::matching::normalise_name(name)) {
            plan.skipped.push(skip("an organization has this name already: map it with `orgmap suggest`"));
            continue;
        }
        let Some(base) = slug(name) else {
            plan.skipped.push(skip("no ID can be made of its name"));
            continue;
        };
        let org_id =
            (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|id| !taken.contains(id));
        let org_id = org_id.unwrap_or(base);
        taken.insert(org_id.clone());
        plan.create.push(Planned {
            org_id,
            name: name.to_owned(),
            external_org_id: external.id.clone(),
            mapping_id: None,
        });
    }
    if dry_run || plan.create.is_empty() {
        return Ok(plan);
    }
    let at = now();
    let source = MappingSource {
        kind: SourceKind::Import,
        method: None,
        confidence: None,
        evidence: Vec::new(),
        accepted_by: actor.to_owned(),
        accepted_at: at,
        upstream_name: None,
    };
    for planned in &mut plan.create {
        tx.put_org(&Org::new(&planned.org_id, &planned.name, actor, at))?;
        let link = MappingLink {
            org_id: planned.org_id.clone(),
            integration: integration.to_owned(),
            external_org_id: planned.external_org_id.clone(),
            external_org_name: Some(planned.name.clone()),
        };
        let source = MappingSource { upstream_name: Some(planned.name.clone()), ..source.clone() };
        let mapping = Mapping::new(link, true, source, actor, at);
        tx.put_mapping(None, &mapping)?;
        planned.mapping_id = Some(mapping.mapping_id);
    }
    plan.applied = true;
    let mut event = AuditEvent::new(actor, "org.import", format!("integration:{integration}"));
    event.integration = Some(integration.to_owned());
    event.after = Some(serde_json::json!({ "created": plan.create }));
    tx.append_audit(&event)?;
    tx.commit()?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_readable_and_leave_one_legal_form_off() {
        assert_eq!(slug("Acme Corp, Inc.").as_deref(), Some("acme-corp"));
        assert_eq!(slug("Müller & Söhne GmbH").as_deref(), Some("mueller-and-soehne"));
        assert_eq!(slug("Smith & Co").as_deref(), Some("smith-and-co"));
        assert_eq!(slug("日本").as_deref(), None, "no ASCII to make an ID of");
        assert_eq!(slug("Bondi Surf Pty Ltd").as_deref(), Some("bondi-surf"));
        assert_eq!(slug("Inc").as_deref(), Some("inc"), "a name that is only a legal form stays");
        assert_eq!(slug("   ---  "), None);
        assert!(slug(&"Very Long Name ".repeat(10)).unwrap().len() <= 48);
    }
}
