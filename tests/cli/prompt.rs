//! Prompts in a real pseudo-terminal: what an admin at a keyboard sees and answers.

use std::fs::File;

use rexpect::process::{PtyProcess, WaitStatus};
use rexpect::session::{Options, StreamSession};

use crate::common::TestEnv;

/// orgmap running in a pseudo-terminal: its screen and keyboard, and its exit code at the end.
struct Terminal {
    process: PtyProcess,
    screen: StreamSession<File>,
}

impl Terminal {
    fn spawn(env: &TestEnv, args: &[&str]) -> Self {
        let mut cmd = env.std_cmd();
        cmd.args(args).env("TERM", "xterm");
        let process = PtyProcess::new(cmd).expect("spawn in a pty");
        let keyboard = process.get_file_handle().expect("pty handle");
        let display = keyboard.try_clone().expect("pty handle");
        let screen = StreamSession::new(display, keyboard, Options::new().timeout_ms(Some(15_000)));
        Terminal { process, screen }
    }

    fn exit_code(self) -> i32 {
        match self.process.wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("orgmap did not exit normally: {other:?}"),
        }
    }
}

#[test]
fn unmap_on_a_terminal_asks_and_no_keeps_the_mapping() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = Terminal::spawn(&env, &["unmap", &id]);
    term.screen.exp_string("Delete mapping").expect("the question");
    term.screen.exp_string("acme").expect("it names the org");
    term.screen.send("n").expect("answer");
    term.screen.flush().expect("flush");
    assert_eq!(term.exit_code(), 130, "declining cancels");
    assert_eq!(env.mappings().len(), 1, "the mapping is still there");
}

#[test]
fn unmap_on_a_terminal_deletes_after_yes() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = Terminal::spawn(&env, &["unmap", &id]);
    term.screen.exp_string("Delete mapping").expect("the question");
    term.screen.send("y").expect("answer");
    term.screen.flush().expect("flush");
    assert_eq!(term.exit_code(), 0);
    assert!(env.mappings().is_empty(), "the mapping is gone");
    assert!(env.audit().iter().any(|e| e["action"] == "mapping.delete"));
}

#[test]
fn unmap_on_a_terminal_with_no_input_fails_with_a_hint_instead_of_asking() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = Terminal::spawn(&env, &["unmap", &id, "--no-input"]);
    term.screen.exp_string("--yes").expect("the hint names the flag");
    assert_eq!(term.exit_code(), 2);
    assert_eq!(env.mappings().len(), 1);
}
