//! Files that cannot be read or written: every file-taking argument given a directory, a missing
//! path, a FIFO or an unwritable place fails with a documented exit code and a message naming the
//! file — never exit 1 ("this is a bug").

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::TestEnv;

/// Exit codes the README documents for failures.
const DOCUMENTED: [i32; 11] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 130];

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
// Regression: `export --output` onto a full disk exited 1 ("this is a bug") and left a 0-byte file
fn export_onto_a_full_disk_exits_11_and_leaves_the_file_as_it_was() {
    let env = TestEnv::with_org();
    for i in 0..20 {
        env.map_another("demo", &i.to_string(), "acme", &format!("site {i}"));
    }
    let target = env.path().join("backup.jsonl");
    std::fs::write(&target, "the previous backup\n").unwrap();
    // A file size limit makes every write past 1 KiB fail with EFBIG, as a full disk fails them.
    let out = env.shell(r#"trap "" XFSZ; ulimit -f 1; exec "$ORGMAP" export --output backup.jsonl"#);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(11), "{stderr}");
    assert!(stderr.contains("cannot write the export to") && stderr.contains("backup.jsonl"), "{stderr}");
    assert!(!stderr.contains("bug"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "the previous backup\n", "the old file is untouched");
    let leftovers: Vec<_> = std::fs::read_dir(env.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".orgmap-export-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[test]
fn export_writes_the_whole_file_with_mode_0600() {
    let env = TestEnv::with_org();
    let target = env.path().join("backup.jsonl");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.ok(&["export", "--output", target.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&target).unwrap().starts_with("{\"kind\":\"header\""));
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_result_written_to_a_full_device_exits_11() {
    let env = TestEnv::with_org();
    for args in ["list --json", "org list", "export"] {
        let out = env.shell(&format!("exec \"$ORGMAP\" {args} > /dev/full"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(11), "{args}: {stderr}");
        assert!(stderr.contains("no space left"), "{args}: {stderr}");
    }
}

#[test]
// Regression: `import DIR` exited 1 "Is a directory" with the bug hint
fn import_of_a_directory_names_it_and_exits_11() {
    let env = TestEnv::with_org();
    let before = env.state();
    let error = env.json_error(11, &["import", env.path().to_str().unwrap()]);
    assert_eq!(error["kind"], "io");
    assert!(error["message"].as_str().unwrap().contains("is a directory"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
// Regression: I/O errors were turned into the internal error (exit 1, "this is a bug")
fn no_file_argument_exits_1_whatever_the_file_is() {
    let env = TestEnv::with_org();
    let dir = env.path().join("a-directory");
    std::fs::create_dir(&dir).unwrap();
    let missing = env.path().join("missing");
    let fifo = env.path().join("a-fifo");
    mkfifo(&fifo);
    let locked = env.path().join("locked");
    std::fs::write(&locked, "{}").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let read_only = env.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o500)).unwrap();
    let mut files = vec![dir.clone(), missing.clone(), fifo.clone(), missing.join("below")];
    if !is_root() {
        files.push(locked.clone());
    }
    let before = env.state();
    let mut cases: Vec<(Vec<String>, String)> = Vec::new();
    for file in &files {
        let file = file.to_str().unwrap().to_owned();
        cases.push((vec!["--config".into(), file.clone(), "integrations".into()], file.clone()));
        if !file.ends_with("a-fifo") {
            cases.push((vec!["import".into(), file.clone()], file.clone()));
        }
        cases.push((vec!["export".into(), "--output".into(), file.clone()], file.clone()));
    }
    if !is_root() {
        let into = read_only.join("backup.jsonl").to_str().unwrap().to_owned();
        cases.push((vec!["export".into(), "--output".into(), into.clone()], into));
    }
    for (args, file) in &cases {
        let out = crate::common::deadline::output_within(
            {
                let mut cmd = env.std_cmd();
                cmd.args(args);
                cmd
            },
            std::time::Duration::from_secs(20),
        )
        .unwrap_or_else(|| panic!("{args:?} hung"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap();
        assert!(DOCUMENTED.contains(&code) || code == 0, "{args:?}: undocumented exit {code}: {stderr}");
        if code != 0 {
            assert!(!stderr.contains("bug"), "{args:?}: {stderr}");
            assert!(stderr.contains(file.as_str()) || stderr.contains("config"), "{args:?} names the file: {stderr}");
        }
    }
    assert_eq!(env.state(), before, "nothing changed the store");
    // Files the config names: a secret file and a file list.
    for file in &files {
        let file = file.to_str().unwrap();
        env.write_config(&format!(
            r#"
[integrations.sec]
display_name = "Secret"
supports_org_mapping = true
[integrations.sec.secrets]
token = {{ file = "{file}" }}
[integrations.sec.auth]
kind = "bearer"
token = "{{secret.token}}"
[integrations.sec.list_organizations]
kind = "http"
url = "http://127.0.0.1:9/orgs"

[integrations.listed]
display_name = "Listed"
supports_org_mapping = true
[integrations.listed.list_organizations]
kind = "file"
path = "{file}"
"#
        ));
        for args in [&["discover", "sec"][..], &["discover", "listed"]] {
            let out = env.run(args);
            let code = out.status.code().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(matches!(code, 5 | 7), "{args:?} with {file}: exit {code}: {stderr}");
            assert!(!stderr.contains("bug"), "{args:?}: {stderr}");
        }
    }
}
