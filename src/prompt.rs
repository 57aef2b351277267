//! Questions for a person at the terminal: pickers for organizations, integrations, external
//! organizations and mappings, short text answers, confirmations. Used only when a person is
//! there (see `Ctx::can_prompt`); never while the store is held. Esc or Ctrl-C cancels (exit 130,
//! nothing changed).

use std::collections::HashMap;

use console::Term;

use crate::config::Integration;
use crate::domain::{ExternalOrg, Mapping, Metadata, Org, validate_external_id};
use crate::error::{Error, Result};
use crate::output::keys::{Key, RawMode};
use crate::output::picker::{Picked, Picker, TypedCheck, pick};
use crate::output::sanitize;

fn term() -> Term {
    Term::stderr()
}

/// A terminal that fails (closed, hung up) is an I/O error, not a bug in orgmap.
fn io_error(err: std::io::Error) -> Error {
    Error::file("use the terminal", "/dev/tty", err)
}

fn run(picker: &Picker<'_>) -> Result<Picked> {
    pick(&term(), picker).map_err(io_error)?.ok_or(Error::Cancelled)
}

/// Picks one of `items`, shown by `label` and found by `search`.
fn pick_one<T>(
    prompt: &str,
    items: &[T],
    label: impl Fn(&T) -> String,
    search: impl Fn(&T) -> String,
) -> Result<usize> {
    let labels: Vec<String> = items.iter().map(&label).collect();
    let search: Vec<String> = items.iter().map(&search).collect();
    let picker = Picker { prompt, labels: &labels, search: &search, typed: None, typed_label: "", allow_empty: false };
    match run(&picker)? {
        Picked::Item(index) => Ok(index),
        Picked::Typed(_) => Err(Error::Cancelled),
    }
}

/// Why a typed ID would be refused, in a few words that fit beside it.
fn check_id(integration: &Integration, id: &str) -> std::result::Result<(), String> {
    validate_external_id(id, integration.id_pattern.as_ref()).map_err(|err| {
        match (&err, &integration.id_pattern_text) {
            (Error::Invalid { message, .. }, Some(pattern)) if message.contains("id_pattern") => {
                format!("does not match {pattern}")
            }
            (Error::Invalid { message, .. }, _) => message.clone(),
            _ => err.to_string(),
        }
    })
}

/// An active organization.
pub fn org(orgs: &[Org]) -> Result<String> {
    if orgs.is_empty() {
        return Err(Error::usage("there are no active organizations", "add one with `orgmap org add ID --name NAME`"));
    }
    let index = pick_one(
        "Organization:",
        orgs,
        |o| format!("{:<20} {}", o.id, sanitize(&o.name)),
        |o| format!("{} {}", o.id, o.name),
    )?;
    Ok(orgs[index].id.clone())
}

/// A mapping-enabled integration, with how its organizations are found.
pub fn integration(integrations: &[&Integration]) -> Result<String> {
    if integrations.is_empty() {
        return Err(Error::usage("no integration supports organization mapping", "declare one in integrations.toml"));
    }
    let index = pick_one(
        "Integration:",
        integrations,
        |i| format!("{:<14} {} ({})", i.name, sanitize(&i.display_name), i.discovery_kind()),
        |i| format!("{} {}", i.name, i.display_name),
    )?;
    Ok(integrations[index].name.clone())
}

/// An external organization from the discovered list (already-mapped ones marked), or an ID
/// typed by hand; returns its ID and name.
pub fn external_org(
    integration: &Integration,
    organizations: &[ExternalOrg],
    mapped: &HashMap<String, Vec<String>>,
) -> Result<(String, Option<String>)> {
    let labels: Vec<String> = organizations
        .iter()
        .map(|o| {
            let mut line = format!("{:<12} {}", sanitize(&o.id), sanitize(o.name.as_deref().unwrap_or("(no name)")));
            if !o.active {
                line.push_str("  [inactive]");
            }
            if let Some(orgs) = mapped.get(&o.id) {
                line.push_str(&format!("  [mapped: {}]", orgs.join(", ")));
            }
            line
        })
        .collect();
    let search: Vec<String> =
        organizations.iter().map(|o| format!("{} {}", o.id, o.name.as_deref().unwrap_or_default())).collect();
    let check = |id: &str| check_id(integration, id);
    let prompt = format!("{} organization:", integration.display_name);
    let picker = Picker {
        prompt: &prompt,
        labels: &labels,
        search: &search,
        typed: Some(&check as TypedCheck<'_>),
        typed_label: "as the ID",
        allow_empty: false,
    };
    match run(&picker)? {
        Picked::Item(index) => Ok((organizations[index].id.clone(), organizations[index].name.clone())),
        Picked::Typed(id) => Ok((id, None)),
    }
}

/// An external ID typed by hand, checked against the integration's pattern as it is typed.
pub fn external_id(integration: &Integration) -> Result<String> {
    let check = |id: &str| check_id(integration, id);
    let prompt = format!("{} organization ID:", integration.display_name);
    let picker = Picker {
        prompt: &prompt,
        labels: &[],
        search: &[],
        typed: Some(&check),
        typed_label: "as the ID",
        allow_empty: false,
    };
    match run(&picker)? {
        Picked::Typed(id) => Ok(id),
        Picked::Item(_) => Err(Error::Cancelled),
    }
}

/// An optional line of text; `None` when left empty.
pub fn optional_text(prompt: &str, check: TypedCheck<'_>) -> Result<Option<String>> {
    let picker = Picker { prompt, labels: &[], search: &[], typed: Some(check), typed_label: "", allow_empty: true };
    match run(&picker)? {
        Picked::Typed(text) if text.is_empty() => Ok(None),
        Picked::Typed(text) => Ok(Some(text)),
        Picked::Item(_) => Ok(None),
    }
}

/// Metadata entries, `KEY=VALUE` one at a time, until an empty answer.
pub fn metadata() -> Result<Metadata> {
    let mut metadata = Metadata::new();
    let check = |entry: &str| match entry.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() => Ok(()),
        _ => Err("write KEY=VALUE".to_owned()),
    };
    while let Some(entry) = optional_text("Metadata (KEY=VALUE):", &check)? {
        if let Some((key, value)) = entry.split_once('=') {
            metadata.insert(key.trim().to_owned(), serde_json::Value::String(value.to_owned()));
        }
    }
    Ok(metadata)
}

/// One of `mappings`.
pub fn mapping(mappings: &[Mapping]) -> Result<Mapping> {
    if mappings.is_empty() {
        return Err(Error::MappingNotFound { reference: "(any)".into() });
    }
    let index = pick_one(
        "Mapping:",
        mappings,
        |m| {
            format!(
                "{:<12} {:<12} {:<12} {} {}{}",
                m.org_id,
                m.integration,
                sanitize(&m.external_org_id),
                sanitize(m.external_org_name.as_deref().unwrap_or("")),
                m.label.as_deref().map(|l| format!("[{}] ", sanitize(l))).unwrap_or_default(),
                if m.active { "" } else { "(inactive)" }
            )
        },
        |m| {
            format!(
                "{} {} {} {} {} {}",
                m.org_id,
                m.integration,
                m.external_org_id,
                m.external_org_name.as_deref().unwrap_or_default(),
                m.label.as_deref().unwrap_or_default(),
                m.mapping_id
            )
        },
    )?;
    Ok(mappings[index].clone())
}

/// A yes/no question answered with one key (y, n, or Enter for the default); Esc or Ctrl-C
/// cancels.
pub fn confirm(question: &str, default: bool) -> Result<bool> {
    let term = term();
    let choices = if default { "[Y/n]" } else { "[y/N]" };
    term.write_str(&format!("{question} {choices} ")).map_err(io_error)?;
    let answer = {
        let raw = RawMode::enter().map_err(io_error)?;
        loop {
            match raw.key().map_err(io_error)? {
                Key::Char('y' | 'Y') => break Some(true),
                Key::Char('n' | 'N') => break Some(false),
                Key::Enter => break Some(default),
                Key::Cancel => break None,
                _ => {}
            }
        }
    };
    let shown = match answer {
        Some(true) => "yes",
        Some(false) => "no",
        None => "cancelled",
    };
    term.write_line(shown).map_err(io_error)?;
    answer.ok_or(Error::Cancelled)
}
