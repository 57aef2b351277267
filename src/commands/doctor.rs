//! `orgmap doctor`: is the config sound and the store whole?

use clap::Args;
use serde::Serialize;

use crate::context::{Ctx, process_env};
use crate::domain::{AuditEvent, Outcome};
use crate::error::Result;
use crate::ops::authorize;
use crate::output::{sanitize, table};
use crate::providers::missing_settings;
use crate::store::Access;

/// Check the config and the store, and repair damaged indexes
///
/// Checks that integrations.toml loads (every integration parses, every pattern compiles) and which
/// integrations lack secrets here (named, never shown); that the store opens, has a schema this
/// orgmap knows, that every index entry points at a mapping and every mapping is indexed, and that
/// the audit log and the cached lists can be read. Exit 0 when healthy, 5 when the config is
/// invalid, 9 when the store is damaged. --repair rebuilds the indexes from the mapping records and
/// removes records that cannot be read, keeping their stored text in the audit event (audited;
/// needs manage-config).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap doctor
  orgmap doctor --repair
  orgmap doctor --json | jq '.[] | select(.status != \"ok\")'")]
pub struct DoctorArgs {
    /// Rebuild the mapping indexes and remove records that cannot be read
    #[arg(long)]
    pub repair: bool,
}

/// The documented exit codes doctor ends with when something is wrong.
const INVALID: u8 = 5;
const STORE_UNAVAILABLE: u8 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Ok,
    Warning,
    Error,
}

#[derive(Debug, Serialize)]
struct Finding {
    area: &'static str,
    check: String,
    status: Status,
    detail: String,
}

fn finding(area: &'static str, check: impl Into<String>, status: Status, detail: impl Into<String>) -> Finding {
    Finding { area, check: check.into(), status, detail: detail.into() }
}

fn check_config(ctx: &Ctx, findings: &mut Vec<Finding>) {
    match ctx.config() {
        Err(err) => findings.push(finding("config", "integrations.toml", Status::Error, err.to_string())),
        Ok(config) => {
            let source = config.path.as_ref().map_or_else(|| "no file found".to_owned(), |p| p.display().to_string());
            findings.push(finding(
                "config",
                "integrations.toml",
                Status::Ok,
                format!("{source}: {} integrations", config.integrations.len()),
            ));
            for integration in config.integrations.values() {
                let missing = missing_settings(integration, &process_env);
                if let Some(crate::config::requests::SourceSpec::File { path, .. }) = &integration.list_organizations
                    && !integration.base_dir.join(path).is_file()
                {
                    findings.push(finding(
                        "config",
                        &integration.name,
                        Status::Error,
                        format!("list file {} not found", integration.base_dir.join(path).display()),
                    ));
                } else if missing.is_empty() {
                    findings.push(finding("config", &integration.name, Status::Ok, "configured"));
                } else {
                    findings.push(finding(
                        "config",
                        &integration.name,
                        Status::Warning,
                        format!("not configured here: set {}", missing.join(", ")),
                    ));
                }
            }
        }
    }
}

fn check_store(ctx: &Ctx, findings: &mut Vec<Finding>) -> Result<bool> {
    let store = match ctx.store(Access::Read) {
        Ok(store) => store,
        Err(err) => {
            let detail = match err.hint() {
                Some(hint) => format!("{err}; {hint}"),
                None => err.to_string(),
            };
            // A store that is not there is not damaged: it says to run init, whatever the backend.
            let check = if matches!(err, crate::error::Error::StoreMissing { .. }) { "exists" } else { "opens" };
            findings.push(finding("store", check, Status::Error, detail));
            return Ok(false);
        }
    };
    findings.push(finding("store", "opens", Status::Ok, format!("{}, schema version understood", ctx.location()?)));
    if let crate::store::Location::Redb(dir) = ctx.location()?
        && let Some(exposure) = crate::store::redb::exposure(&dir)
    {
        findings.push(finding("store", "permissions", Status::Warning, format!("{exposure}; chmod 700 it")));
    }
    let problems = store.verify()?;
    let index_ok = problems.is_empty();
    if index_ok {
        findings.push(finding(
            "store",
            "indexes",
            Status::Ok,
            "every mapping is indexed, every index entry has its mapping",
        ));
    }
    for problem in problems {
        findings.push(finding("store", "indexes", Status::Error, problem));
    }
    let tx = store.read()?;
    let mut events = 0u64;
    match tx.audit(crate::store::AuditOrder::NewestFirst, &mut |_| {
        events += 1;
        Ok(true)
    }) {
        Ok(()) => findings.push(finding("store", "audit log", Status::Ok, format!("{events} events readable"))),
        Err(err) => findings.push(finding("store", "audit log", Status::Error, err.to_string())),
    }
    let orgs = tx.orgs()?.len();
    findings.push(finding("store", "organizations", Status::Ok, format!("{orgs} readable")));
    let holders = tx.access_list()?.iter().filter(|g| g.can_manage_config()).count();
    findings.push(if holders == 0 {
        finding("store", "access", Status::Warning, "nobody holds manage-config: nothing can be changed")
    } else {
        finding("store", "access", Status::Ok, format!("{holders} actor(s) hold manage-config"))
    });
    if let Ok(config) = ctx.config() {
        for name in config.integrations.keys() {
            if let Err(err) = tx.discovery(name) {
                findings.push(finding("store", format!("cached list of {name}"), Status::Error, err.to_string()));
            }
        }
    }
    let unreadable = crate::store::take_unreadable();
    for record in &unreadable {
        findings.push(finding(
            "store",
            "records",
            Status::Error,
            format!("{record}; `orgmap doctor --repair` removes it (audited)"),
        ));
    }
    Ok(index_ok && unreadable.is_empty())
}

/// Removes the records that cannot be read and rebuilds the indexes, in one audited transaction;
/// returns how many mappings were indexed and how many records were removed.
fn repair(ctx: &Ctx) -> Result<(u64, usize)> {
    let actor = ctx.actor()?;
    let store = ctx.store(Access::Write)?;
    let mut tx = authorize(store.write()?, &actor, "store.repair", "store")?;
    let removed = tx.remove_unreadable()?;
    let indexed = tx.rebuild_indexes()?;
    let mut event = AuditEvent::new(&actor, "store.repair", "store".into());
    event.outcome = Outcome::Ok;
    let removed_json: Vec<_> = removed
        .iter()
        .map(|(record, stored)| {
            serde_json::json!({ "what": record.what, "key": record.key, "why": record.detail, "stored": stored })
        })
        .collect();
    event.after = Some(serde_json::json!({ "reindexed_mappings": indexed, "removed": removed_json }));
    tx.append_audit(&event)?;
    tx.commit()?;
    crate::store::take_unreadable();
    Ok((indexed, removed.len()))
}

pub fn run(ctx: &Ctx, args: DoctorArgs) -> Result<u8> {
    let mut findings = Vec::new();
    check_config(ctx, &mut findings);
    let healthy = check_store(ctx, &mut findings)?;
    let opens = findings.iter().any(|f| f.check == "opens" && f.status == Status::Ok);
    if args.repair && healthy {
        findings.push(finding("store", "repair", Status::Ok, "nothing to repair"));
    }
    if args.repair && !healthy && opens {
        let (indexed, removed) = repair(ctx)?;
        findings.retain(|f| f.check != "indexes" && f.check != "records");
        if removed > 0 {
            findings.push(finding(
                "store",
                "records",
                Status::Ok,
                format!("removed {removed} record(s) that could not be read; `orgmap audit` keeps their stored text"),
            ));
        }
        let problems = ctx.store(Access::Read)?.verify()?;
        if problems.is_empty() {
            findings.push(finding(
                "store",
                "indexes",
                Status::Ok,
                format!("rebuilt from {indexed} mappings (audited)"),
            ));
        }
        for problem in problems {
            findings.push(finding("store", "indexes", Status::Error, format!("after the repair: {problem}")));
        }
    }
    if ctx.printer.json {
        ctx.printer.json(&findings)?;
    } else {
        let mut rows = table::new(&["AREA", "CHECK", "STATUS", "DETAIL"]);
        for f in &findings {
            let status = match f.status {
                Status::Ok => "ok",
                Status::Warning => "warning",
                Status::Error => "ERROR",
            };
            rows.add_row(vec![
                f.area.to_owned(),
                sanitize(&f.check).into_owned(),
                status.to_owned(),
                sanitize(&f.detail).into_owned(),
            ]);
        }
        ctx.printer.table(&rows)?;
    }
    let broken = |area: &str| findings.iter().any(|f| f.area == area && f.status == Status::Error);
    if broken("store") {
        let missing = findings.iter().any(|f| f.check == "exists" && f.status == Status::Error);
        ctx.printer.status(if missing {
            "there is no store yet: create it with `orgmap init`"
        } else {
            "the store is damaged: `orgmap doctor --repair` rebuilds the indexes; for anything else restore from a backup made with `orgmap export`"
        });
        return Ok(STORE_UNAVAILABLE);
    }
    if broken("config") {
        return Ok(INVALID);
    }
    Ok(0)
}
