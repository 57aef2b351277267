//! `orgmap audit`: the audit log, newest first.

use clap::Args;
use jiff::Timestamp;

use crate::config::HumanDuration;
use crate::context::Ctx;
use crate::domain::{AuditEvent, Outcome};
use crate::error::Result;
use crate::output::table;
use crate::output::views::AuditView;
use crate::store::Access;

/// Show the audit log, newest first
///
/// Every change to organizations, mappings and access is recorded with who made it, when, and
/// the record before and after; refused attempts are recorded too.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap audit
  orgmap audit --org acme --since 7d
  orgmap audit --actor deploy-bot --since 2026-11-01T00:00:00Z --json")]
pub struct AuditArgs {
    /// Only events about this organization
    #[arg(long)]
    pub org: Option<String>,
    /// Only events about this integration's mappings
    #[arg(long)]
    pub integration: Option<String>,
    /// Only events by this actor
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events since a time (2026-11-01T00:00:00Z) or for a duration back (24h, 7d)
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub since: Option<Timestamp>,
    /// Show at most N events (0 = all)
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: usize,
}

fn parse_since(text: &str) -> Result<Timestamp, String> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let days = text.strip_suffix('d').and_then(|d| d.trim().parse::<u32>().ok());
    let back = match days {
        Some(days) => std::time::Duration::from_secs(u64::from(days) * 86_400),
        None => {
            text.parse::<HumanDuration>()
                .map_err(|_| format!("'{text}' is neither a time (2026-11-01T00:00:00Z) nor a duration (24h, 7d)"))?
                .0
        }
    };
    let back = jiff::SignedDuration::try_from(back).map_err(|err| err.to_string())?;
    Timestamp::now().checked_sub(back).map_err(|err| err.to_string())
}

pub fn run(ctx: &Ctx, args: AuditArgs) -> Result<()> {
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    let mut events: Vec<AuditEvent> = Vec::new();
    tx.audit(crate::store::AuditOrder::NewestFirst, &mut |event| {
        if args.since.is_some_and(|since| event.at < since) {
            return Ok(false);
        }
        let wanted = args.org.as_deref().is_none_or(|o| event.org_id.as_deref() == Some(o))
            && args.integration.as_deref().is_none_or(|i| event.integration.as_deref() == Some(i))
            && args.actor.as_deref().is_none_or(|a| event.actor == a);
        if wanted {
            events.push(event);
        }
        Ok(args.limit == 0 || events.len() < args.limit)
    })?;
    drop(tx);
    if ctx.printer.json {
        let views: Vec<AuditView> = events.iter().map(AuditView::from).collect();
        return ctx.printer.json(&views);
    }
    if events.is_empty() {
        ctx.printer.status("no audit events match");
        return Ok(());
    }
    // On PostgreSQL the server records the database role beside the orgmap actor.
    let with_roles = events.iter().any(|e| e.db_role.is_some());
    let mut headers = vec!["TIME", "ACTOR"];
    if with_roles {
        headers.push("DB ROLE");
    }
    headers.extend(["ACTION", "TARGET", "OUTCOME"]);
    let mut rows = table::new(&headers);
    for event in &events {
        let mut row = vec![event.at.strftime("%Y-%m-%d %H:%M:%S").to_string(), event.actor.clone()];
        if with_roles {
            row.push(event.db_role.clone().unwrap_or_else(|| "-".to_owned()));
        }
        row.extend([
            event.action.clone(),
            event.target.clone(),
            match event.outcome {
                Outcome::Ok => "ok".to_owned(),
                Outcome::Denied => "denied".to_owned(),
            },
        ]);
        rows.add_row(row);
    }
    ctx.printer.table(&rows)
}
