//! Questions for a person at the terminal: pickers for organizations, integrations, external
//! organizations and mappings, short text answers, menus, confirmations. Used only when a person
//! is there (see `Ctx::can_prompt`); never while the store is held. Esc or Ctrl-C cancels (exit
//! 130, nothing changed). Each answer stays on screen as one line (`✔ Organization · acme`).

use std::collections::HashMap;
use std::io::Write;

use crate::config::Integration;
use crate::domain::{ExternalOrg, Mapping, Metadata, Org, validate_external_id};
use crate::error::{Error, Result};
use crate::output::inline::{Caret, Region, usable_width, wrap};
use crate::output::keys::{Key, RawMode, size};
use crate::output::picker::{Chosen, Decide, Picked, Picker, TypedCheck, Verdict, pick};
use crate::output::sanitize;

/// A terminal that fails (closed, hung up) is an I/O error, not a bug in orgmap.
fn io_error(err: std::io::Error) -> Error {
    Error::file("use the terminal", "/dev/tty", err)
}

/// Leaves the answer to a question on screen, as one line.
fn record(prompt: &str, answer: &str) {
    let question = prompt.trim_end().trim_end_matches(':');
    // "Label (optional)" is recorded as "Label": the note was for the question.
    let question = match question.rsplit_once(" (") {
        Some((head, _)) if question.ends_with(')') => head,
        _ => question,
    };
    let answer = answer.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = format!("✔ {question} · {answer}");
    let (columns, _) = size();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", crate::output::inline::fit(&line, usable_width(columns)));
}

fn run(picker: &Picker<'_>) -> Result<Chosen> {
    pick(picker).map_err(io_error)?.ok_or(Error::Cancelled)
}

/// Picks one of `labels` (found by `search`), judged by `decide`; records the label picked.
fn pick_label(prompt: &str, labels: &[String], search: &[String], decide: Option<Decide<'_>>) -> Result<Chosen> {
    let chosen = run(&Picker { decide, ..Picker::list(prompt, labels, search) })?;
    if let Picked::Item(index) = chosen.picked {
        record(prompt, &labels[index]);
    }
    Ok(chosen)
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
    match pick_label(prompt, &labels, &search, None)?.picked {
        Picked::Item(index) => Ok(index),
        Picked::Typed(_) => Err(Error::Cancelled),
    }
}

/// One of a few `choices`, by arrows or by typing part of it; returns its index.
pub fn choose(prompt: &str, choices: &[&str]) -> Result<usize> {
    pick_one(prompt, choices, |c| (*c).to_owned(), |c| (*c).to_owned())
}

/// Why a typed ID would be refused, in a few words that fit beside it.
pub fn check_id(integration: &Integration, id: &str) -> std::result::Result<(), String> {
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

/// A mapping-enabled integration, with how its organizations are found. Those that lack
/// settings here (`missing` names them) are listed last, marked, and refused when picked.
pub fn integration(integrations: &[&Integration], missing: &dyn Fn(&Integration) -> Vec<String>) -> Result<String> {
    if integrations.is_empty() {
        return Err(Error::usage("no integration supports organization mapping", "declare one in integrations.toml"));
    }
    let mut listed: Vec<(&Integration, Vec<String>)> = integrations.iter().map(|i| (*i, missing(i))).collect();
    listed.sort_by_key(|(i, missing)| (!missing.is_empty(), i.name.clone()));
    let labels: Vec<String> = listed
        .iter()
        .map(|(i, missing)| {
            let mut line = format!("{:<14} {} ({})", i.name, sanitize(&i.display_name), i.discovery_kind());
            if !missing.is_empty() {
                line.push_str(&format!("  [not configured: {}]", sanitize(&lacking(missing))));
            }
            line
        })
        .collect();
    let search: Vec<String> = listed.iter().map(|(i, _)| format!("{} {}", i.name, i.display_name)).collect();
    let decide = |picked: &Picked| match picked {
        Picked::Item(index) if !listed[*index].1.is_empty() => Verdict::Refuse(format!(
            "{} is not configured: {} first (`orgmap integrations` tells what each lacks)",
            sanitize(&listed[*index].0.display_name),
            sanitize(&lacking(&listed[*index].1))
        )),
        _ => Verdict::Accept,
    };
    match pick_label("Integration:", &labels, &search, Some(&decide))?.picked {
        Picked::Item(index) => Ok(listed[index].0.name.clone()),
        Picked::Typed(_) => Err(Error::Cancelled),
    }
}

/// What an integration lacks, as a short instruction: `set HALO_ID, file /run/secrets/halo`.
fn lacking(missing: &[String]) -> String {
    let named: Vec<String> = missing
        .iter()
        .map(|m| match m.strip_prefix("environment variable ") {
            Some(name) => format!("set {name}"),
            None => format!("provide {m}"),
        })
        .collect();
    named.join(", ")
}

/// An external organization, picked or typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalChoice {
    pub id: String,
    pub name: Option<String>,
    /// The person agreed to a question about it (such as sharing it with another organization).
    pub agreed: bool,
}

/// An external organization from the discovered list (mapped and inactive ones marked), or an ID
/// typed by hand. `decide` may refuse or question a choice where it is made.
pub fn external_org(
    integration: &Integration,
    organizations: &[ExternalOrg],
    mapped: &HashMap<String, Vec<String>>,
    decide: Option<Decide<'_>>,
) -> Result<ExternalChoice> {
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
        typed: Some(&check as TypedCheck<'_>),
        typed_label: "as the ID",
        decide,
        ..Picker::list(&prompt, &labels, &search)
    };
    let chosen = run(&picker)?;
    let choice = match chosen.picked {
        Picked::Item(index) => {
            let o = &organizations[index];
            ExternalChoice { id: o.id.clone(), name: o.name.clone(), agreed: chosen.agreed }
        }
        Picked::Typed(id) => ExternalChoice { id, name: None, agreed: chosen.agreed },
    };
    let shown = match &choice.name {
        Some(name) => format!("{} {}", sanitize(&choice.id), sanitize(name)),
        None => sanitize(&choice.id).into_owned(),
    };
    record(&prompt, &shown);
    Ok(choice)
}

/// An external ID typed by hand, checked against the integration's pattern as it is typed and
/// by `decide` when entered.
pub fn external_id(integration: &Integration, decide: Option<Decide<'_>>) -> Result<ExternalChoice> {
    let check = |id: &str| check_id(integration, id);
    let prompt = format!("{} organization ID:", integration.display_name);
    let chosen = run(&Picker { decide, ..Picker::text(&prompt, &check) })?;
    match chosen.picked {
        Picked::Typed(id) => {
            record(&prompt, &sanitize(&id));
            Ok(ExternalChoice { id, name: None, agreed: chosen.agreed })
        }
        Picked::Item(_) => Err(Error::Cancelled),
    }
}

/// A line of text, starting from `initial`; `None` when left empty and `optional`.
pub fn text(prompt: &str, initial: &str, optional: bool, check: TypedCheck<'_>) -> Result<Option<String>> {
    let picker = Picker { allow_empty: optional, initial, ..Picker::text(prompt, check) };
    match run(&picker)?.picked {
        Picked::Typed(text) if text.is_empty() => {
            record(prompt, "(none)");
            Ok(None)
        }
        Picked::Typed(text) => {
            record(prompt, &sanitize(&text));
            Ok(Some(text))
        }
        Picked::Item(_) => Ok(None),
    }
}

/// An optional line of text; `None` when left empty.
pub fn optional_text(prompt: &str, check: TypedCheck<'_>) -> Result<Option<String>> {
    text(prompt, "", true, check)
}

/// Metadata entries, `KEY=VALUE` one at a time, until an empty answer; each one taken stays on
/// screen.
pub fn metadata() -> Result<Metadata> {
    let mut metadata = Metadata::new();
    let check = |entry: &str| match entry.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() => Ok(()),
        _ => Err("write KEY=VALUE".to_owned()),
    };
    loop {
        let prompt = if metadata.is_empty() {
            "Metadata (KEY=VALUE, Enter alone when done):".to_owned()
        } else {
            format!("Metadata ({} taken; another KEY=VALUE, or Enter alone when done):", metadata.len())
        };
        let picker = Picker { allow_empty: true, ..Picker::text(&prompt, &check) };
        match run(&picker)?.picked {
            Picked::Typed(entry) if !entry.is_empty() => {
                if let Some((key, value)) = entry.split_once('=') {
                    record("Metadata", &sanitize(&format!("{}={value}", key.trim())));
                    metadata.insert(key.trim().to_owned(), serde_json::Value::String(value.to_owned()));
                }
            }
            _ => break,
        }
    }
    if metadata.is_empty() {
        record("Metadata", "(none)");
    }
    Ok(metadata)
}

/// How a mapping is shown in a picker.
pub fn mapping_label(m: &Mapping) -> String {
    format!(
        "{:<12} {:<12} {:<12} {} {}{}",
        m.org_id,
        m.integration,
        sanitize(&m.external_org_id),
        sanitize(m.external_org_name.as_deref().unwrap_or("")),
        m.label.as_deref().map(|l| format!("[{}] ", sanitize(l))).unwrap_or_default(),
        if m.active { "" } else { "(inactive)" }
    )
}

/// One of `mappings`.
pub fn mapping(mappings: &[Mapping]) -> Result<Mapping> {
    if mappings.is_empty() {
        return Err(Error::MappingNotFound { reference: "(any)".into() });
    }
    let index = pick_one("Mapping:", mappings, mapping_label, |m| {
        format!(
            "{} {} {} {} {} {}",
            m.org_id,
            m.integration,
            m.external_org_id,
            m.external_org_name.as_deref().unwrap_or_default(),
            m.label.as_deref().unwrap_or_default(),
            m.mapping_id
        )
    })?;
    Ok(mappings[index].clone())
}

/// A yes/no question answered with one key (y, n, or Enter for the default); Esc or Ctrl-C
/// cancels. The question wraps to the terminal's width and is drawn again on a resize.
pub fn confirm(question: &str, default: bool) -> Result<bool> {
    let choices = if default { "[Y/n]" } else { "[y/N]" };
    let asked = format!("{question} {choices} ");
    let raw = RawMode::enter().map_err(io_error)?;
    let mut region = Region::default();
    let answer = loop {
        let (columns, rows) = size();
        let width = usable_width(columns);
        let mut lines = wrap(asked.trim_end(), width);
        // On a short terminal the end of the question, where the answer goes, stays in view.
        let rows = usize::from(rows).max(1);
        if lines.len() > rows {
            lines.drain(..lines.len() - rows);
        }
        let last = lines.len() - 1;
        let column = console::measure_text_width(&lines[last]) + 1;
        region.draw(&lines, width, Some(Caret { line: last, column })).map_err(io_error)?;
        match raw.key().map_err(io_error)? {
            Key::Char('y' | 'Y') => break Some(true),
            Key::Char('n' | 'N') => break Some(false),
            Key::Enter => break Some(default),
            Key::Cancel => break None,
            _ => {}
        }
    };
    drop(raw);
    region.clear().map_err(io_error)?;
    if let Some(yes) = answer {
        record(question, if yes { "yes" } else { "no" });
    }
    answer.ok_or(Error::Cancelled)
}
