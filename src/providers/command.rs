//! A program that prints the organizations as JSON: the escape hatch for systems no declarative
//! request can describe.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::FetchError;
use super::records;
use crate::config::requests::RecordsSpec;
use crate::domain::ExternalOrg;
use crate::secrets::Redactor;

/// More output than this is refused.
const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;
/// How much of the program's stderr an error shows.
const STDERR_TAIL: usize = 1000;
/// How much of the program's stderr is read for the tail shown.
const STDERR_SCAN_BYTES: usize = 64 * 1024;

/// Runs `argv`, with `vars` added to its environment (the way secrets reach it), and reads the
/// organizations it prints.
pub async fn run(
    argv: &[String],
    vars: &[(String, String)],
    timeout: Duration,
    spec: &RecordsSpec,
    redactor: &Redactor,
) -> Result<Vec<ExternalOrg>, FetchError> {
    let (program, args) = argv.split_first().ok_or_else(|| FetchError::new("the command is empty"))?;
    let shown = redactor.redact(&argv.join(" "));
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| {
            FetchError::new(format!("cannot start `{shown}`: {err}")).with_hint("check list_organizations.argv")
        })?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let work = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut limited_out = (&mut stdout).take(MAX_OUTPUT_BYTES as u64 + 1);
        let mut limited_err = (&mut stderr).take(MAX_OUTPUT_BYTES as u64);
        let (read_out, read_err) = tokio::join!(limited_out.read_to_end(&mut out), limited_err.read_to_end(&mut err));
        read_out.and(read_err)?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, out, err))
    };
    let (status, out, err) = match tokio::time::timeout(timeout, work).await {
        Ok(result) => result.map_err(|e| FetchError::new(format!("`{shown}`: {e}")))?,
        Err(_) => {
            return Err(FetchError::new(format!("`{shown}` did not finish within {} s", timeout.as_secs_f64()))
                .with_hint("raise the command's timeout, or check why it hangs"));
        }
    };
    if out.len() > MAX_OUTPUT_BYTES {
        return Err(FetchError::new(format!("`{shown}` printed more than {} MB", MAX_OUTPUT_BYTES / (1024 * 1024))));
    }
    if !status.success() {
        // Redacted before it is cut, so that a secret at the cut cannot show in part; only the
        // tail is read, which holds any secret the part shown can show.
        let tail = &err[err.len().saturating_sub(STDERR_SCAN_BYTES)..];
        let text = redactor.redact(&String::from_utf8_lossy(tail));
        let tail: String = text.chars().rev().take(STDERR_TAIL).collect::<Vec<_>>().into_iter().rev().collect();
        let tail = tail.trim();
        return Err(FetchError::new(format!(
            "`{shown}` failed ({status}){}",
            if tail.is_empty() { String::new() } else { format!(": {tail}") }
        )));
    }
    if let Some((_, orgs, _, _)) = super::paginate::stream::records(spec, &out) {
        return Ok(orgs);
    }
    let body: serde_json::Value = serde_json::from_slice(&out).map_err(|e| {
        FetchError::new(format!("`{shown}` did not print JSON: {e}"))
            .with_hint("it must print [{\"id\": …, \"name\": …}, …]")
    })?;
    records::extract(spec, &body).map_err(|what| FetchError::new(format!("unexpected output of `{shown}`: {what}")))
}
