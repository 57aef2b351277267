//! `orgmap test`: does a mapping reach its external organization?

use clap::Args;
use serde::Serialize;

use crate::context::{Ctx, process_env};
use crate::domain::{Mapping, TestOutcome, TestResult};
use crate::error::{Error, Result};
use crate::ops::connection::{self, TestOptions};
use crate::ops::mappings;
use crate::output::progress::FetchProgress;
use crate::output::{sanitize, table};
use crate::secrets::Redactor;
use crate::store::Access;

/// Test that mappings reach their external organizations
///
/// Sends the integration's test_connection request for each mapping (or, without one, looks for
/// the external ID in a freshly fetched list) and says what went wrong and what to do: rejected
/// credentials, a missing permission, an external organization renamed or deleted upstream,
/// throttling, timeouts, DNS, refused connections, TLS. The last result of each mapping is kept
/// and shown by `list` and `org show`. Exits 0 when every test passes, 7 when any fails, 5 when
/// any could not run because its integration is not configured here.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  orgmap test 01JD3Q
  orgmap test halopsa --org acme
  orgmap test --all
  orgmap test --all --integration ninjaone --retries 2 --json")]
pub struct TestArgs {
    /// A mapping ID (or unique prefix), or an integration name together with --org
    #[arg(conflicts_with = "all")]
    pub target: Option<String>,
    /// The organization: with an integration as TARGET, or to narrow --all [env: ORGMAP_ORG]
    #[arg(long, env = "ORGMAP_ORG", hide_env = true)]
    pub org: Option<String>,
    /// Which of several mappings, when TARGET is an integration
    #[arg(long, value_name = "ID")]
    pub mapping_id: Option<String>,
    /// Test every active mapping (narrowed by --org and --integration)
    #[arg(long)]
    pub all: bool,
    /// With --all: only this integration's mappings
    #[arg(long, requires = "all")]
    pub integration: Option<String>,
    /// Retry a throttled (waiting as Retry-After says), failed or timed-out test up to N times
    /// [default: the integration's `retries` for throttling and server errors; timeouts not]
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Tests in flight at once
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

#[derive(Serialize)]
struct ResultView<'a> {
    mapping_id: &'a str,
    org_id: &'a str,
    integration: &'a str,
    external_org_id: &'a str,
    ok: bool,
    outcome: TestOutcome,
    latency_ms: Option<u64>,
    message: &'a str,
    hint: Option<&'a str>,
    at: String,
}

fn select(ctx: &Ctx, args: &TestArgs) -> Result<Vec<Mapping>> {
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    if args.all {
        if let Some(integration) = &args.integration {
            ctx.config()?.integration(integration)?;
        }
        let mut selected = Vec::new();
        match &args.org {
            Some(org) => {
                crate::ops::orgs::require_org(&*tx, org)?;
                selected = tx.mappings_of_org(org, args.integration.as_deref())?;
            }
            None => tx.for_each_mapping(&mut |m| {
                if args.integration.as_deref().is_none_or(|i| m.integration == i) {
                    selected.push(m);
                }
                Ok(())
            })?,
        }
        selected.retain(|m| m.active);
        return Ok(selected);
    }
    let Some(target) = &args.target else {
        return Err(Error::usage("nothing to test", "name a mapping, or an integration with --org, or pass --all"));
    };
    let mapping = if ctx.config()?.integrations.contains_key(target) {
        let org = ctx.org(args.org.as_deref())?;
        mappings::select_mapping(&*tx, &org, target, args.mapping_id.as_deref())?
    } else {
        mappings::resolve_mapping(&*tx, target)?
    };
    Ok(vec![mapping])
}

fn run_tests(ctx: &Ctx, selected: &[Mapping], options: &TestOptions, redactor: &Redactor) -> Result<Vec<TestResult>> {
    let progress = FetchProgress::new("testing", "mappings", ctx.show_progress());
    let results = connection::test_mappings(ctx.config()?, selected, &process_env, redactor, options, &progress)
        .map_err(Error::Internal)?;
    progress.finish();
    Ok(results)
}

pub fn run(ctx: &Ctx, args: TestArgs) -> Result<u8> {
    let selected = select(ctx, &args)?;
    if selected.is_empty() {
        ctx.printer.status("no active mappings to test");
        if ctx.printer.json {
            ctx.printer.json(&Vec::<()>::new())?;
        }
        return Ok(0);
    }
    let options = TestOptions { retries: args.retries, concurrency: usize::from(args.concurrency), resolver: None };
    let redactor = Redactor::default();
    let mut results = run_tests(ctx, &selected, &options, &redactor)?;
    offer_retry(ctx, &selected, &mut results, &options, &redactor)?;
    connection::save_results(&ctx.opener(), &results)?;
    let failed = results.iter().filter(|r| r.outcome != TestOutcome::Success).count();
    if ctx.printer.json {
        let views: Vec<ResultView> = selected
            .iter()
            .zip(&results)
            .map(|(m, r)| ResultView {
                mapping_id: &m.mapping_id,
                org_id: &m.org_id,
                integration: &m.integration,
                external_org_id: &m.external_org_id,
                ok: r.outcome == TestOutcome::Success,
                outcome: r.outcome,
                latency_ms: r.latency_ms,
                message: &r.message,
                hint: r.hint.as_deref(),
                at: r.at.to_string(),
            })
            .collect();
        ctx.printer.json(&views)?;
    } else {
        print_results(ctx, &selected, &results)?;
    }
    // A test that could not run for want of settings is a config problem (5), which comes
    // before a failed test (7), as DESIGN's order of exit codes has it.
    let not_configured = results.iter().any(|r| r.outcome == TestOutcome::NotConfigured);
    Ok(if not_configured {
        5
    } else if failed > 0 {
        7
    } else {
        0
    })
}

/// On a terminal, offers to try the tests that timed out again.
fn offer_retry(
    ctx: &Ctx,
    selected: &[Mapping],
    results: &mut [TestResult],
    options: &TestOptions,
    redactor: &Redactor,
) -> Result<()> {
    loop {
        let timed_out: Vec<usize> =
            results.iter().enumerate().filter(|(_, r)| r.outcome == TestOutcome::Timeout).map(|(i, _)| i).collect();
        if timed_out.is_empty() || !ctx.can_prompt() {
            return Ok(());
        }
        let question = format!("{} test(s) timed out. Try them again?", timed_out.len());
        if !matches!(crate::prompt::confirm(&question, true), Ok(true)) {
            return Ok(());
        }
        let retry: Vec<Mapping> = timed_out.iter().map(|&i| selected[i].clone()).collect();
        let fresh = run_tests(ctx, &retry, options, redactor)?;
        for (index, result) in timed_out.into_iter().zip(fresh) {
            results[index] = result;
        }
    }
}

fn print_results(ctx: &Ctx, selected: &[Mapping], results: &[TestResult]) -> Result<()> {
    let mut rows = table::new(&["MAPPING", "ORG", "INTEGRATION", "EXTERNAL ID", "RESULT", "LATENCY"]);
    for (mapping, result) in selected.iter().zip(results) {
        rows.add_row(vec![
            mapping.mapping_id.clone(),
            mapping.org_id.clone(),
            mapping.integration.clone(),
            sanitize(&mapping.external_org_id).into_owned(),
            result.outcome.describe().to_owned(),
            result.latency_ms.map_or_else(|| "-".to_owned(), |ms| format!("{ms} ms")),
        ]);
    }
    ctx.printer.table(&rows)?;
    let failures: Vec<_> = selected.iter().zip(results).filter(|(_, r)| r.outcome != TestOutcome::Success).collect();
    for (mapping, result) in &failures {
        ctx.printer.line(&format!(
            "\n{} {} ({} {} for {}): {}",
            ctx.printer.paint("✗", "31"),
            mapping.mapping_id,
            mapping.integration,
            sanitize(&mapping.external_org_id),
            mapping.org_id,
            sanitize(&result.message)
        ))?;
        if let Some(hint) = &result.hint {
            ctx.printer.line(&format!("  hint: {}", sanitize(hint)))?;
        }
    }
    ctx.printer.status(&format!("{} passed, {} failed", results.len() - failures.len(), failures.len()));
    Ok(())
}
