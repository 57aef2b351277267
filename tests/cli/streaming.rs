//! Listings of any size stream: `list --json` and `export` write their first record long before
//! they have read the last, so that a store of any size lists in little memory.
//!
//! A reader that stops reading blocks the command once the pipe is full. While it waits, the
//! bytes it has read so far (`/proc/PID/io`, `rchar`) are compared with the store's file: a
//! command that reads everything before writing would have read all of it.

use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use orgmap::domain::{Mapping, MappingLink, MappingSource, Org, now};
use orgmap::store::Access;

use crate::common::TestEnv;

const ORGS: usize = 3_000;
const PER_ORG: usize = 10;

/// A redb store of `ORGS × PER_ORG` mappings, written in one transaction.
fn large_store() -> TestEnv {
    let env = TestEnv::initialized_on(crate::common::Backend::Redb);
    let store = env.open_store(Access::Write);
    let mut tx = store.write().expect("write");
    let at = now();
    for n in 0..ORGS {
        let org_id = format!("org-{n}");
        tx.put_org(&Org::new(&org_id, &format!("Customer {n}"), "test", at)).expect("org");
        for i in 0..PER_ORG {
            let link = MappingLink {
                org_id: org_id.clone(),
                integration: "demo".into(),
                external_org_id: format!("{}", 100_000 + n * PER_ORG + i),
                external_org_name: Some(format!("Customer {n}, site {i}")),
            };
            let mapping = Mapping::new(link, false, MappingSource::manual("test"), "test", at);
            tx.put_mapping(None, &mapping).expect("mapping");
        }
    }
    tx.commit().expect("commit");
    env
}

fn bytes_read(child: &Child) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{}/io", child.id())).expect("/proc/PID/io");
    io.lines().find_map(|l| l.strip_prefix("rchar: ")).and_then(|n| n.trim().parse().ok()).expect("rchar")
}

/// Reads the first bytes of the output, then stops reading until the command has stopped
/// reading too (it is blocked on the full pipe); returns them, how much the command had read by
/// then, and the rest of the output.
fn first_bytes_then_wait(env: &TestEnv, args: &[&str]) -> (u64, String) {
    let mut child = env.std_cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = vec![0; 1024];
    out.read_exact(&mut first).expect("the first bytes");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut read = bytes_read(&child);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now_read = bytes_read(&child);
        if now_read == read || Instant::now() > deadline {
            break;
        }
        read = now_read;
    }
    assert!(child.try_wait().expect("try_wait").is_none(), "{args:?} finished before its output was read");
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).expect("the rest");
    assert!(child.wait().expect("wait").success(), "{args:?} failed");
    first.extend(rest);
    (read, String::from_utf8(first).expect("UTF-8"))
}

fn store_file_size(env: &TestEnv) -> u64 {
    std::fs::metadata(env.path().join("store").join("orgmap.redb")).expect("store file").len()
}

#[test]
fn list_json_and_export_write_their_first_record_before_reading_the_store_through() {
    let env = large_store();
    let file = store_file_size(&env);
    for args in [&["list", "--json"][..], &["export"][..]] {
        let (read, text) = first_bytes_then_wait(&env, args);
        assert!(
            read < file / 4,
            "{args:?} had read {read} bytes of a {file}-byte store before its first record was taken"
        );
        let records = match args[0] {
            "list" => serde_json::from_str::<Vec<serde_json::Value>>(&text).expect("one JSON array").len(),
            _ => text.lines().filter(|l| l.contains(r#""kind":"mapping""#)).count(),
        };
        assert_eq!(records, ORGS * PER_ORG, "{args:?} lost records");
    }
}

#[test]
fn a_large_table_in_a_pipe_is_aligned_from_first_row_to_last() {
    let env = large_store();
    let (_, text) = first_bytes_then_wait(&env, &["list"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), ORGS * PER_ORG + 1);
    let name_column = lines[0].find("EXTERNAL NAME").expect("header");
    for line in [lines[1], lines[lines.len() / 2], lines[lines.len() - 1]] {
        assert!(line[name_column..].starts_with("Customer "), "misaligned: {line:?}");
    }
}
