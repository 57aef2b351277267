//! Prompts on terminals of every size, resized while they are open, and the keys that edit what
//! is typed.

use super::{picking_env, spawn, spawn_sized};
use crate::common::TestEnv;
use crate::pty::Terminal;

/// 30 organizations with long names, more than a short terminal shows at once.
fn many_orgs_env() -> TestEnv {
    let env = TestEnv::initialized();
    for i in 0..30 {
        env.ok(&["org", "add", &format!("org-{i:02}"), "--name", "Customer Whose Name Is Rather Long Indeed"]);
    }
    env
}

/// The screen's lines from the one the cursor is on (the input line) to the last non-blank one,
/// and whether every line below them is blank.
fn frame(term: &Terminal) -> Vec<String> {
    let lines = term.lines();
    let input = lines.iter().position(|l| l.contains("Organization:")).expect("the input line");
    let last = lines.iter().rposition(|l| !l.is_empty()).unwrap_or(input);
    lines[input..=last].to_vec()
}

#[test]
fn at_50_columns_every_line_fits_and_typing_leaves_no_stale_line() {
    let env = many_orgs_env();
    let mut term = spawn_sized(&env, &["map"], 50, 24);
    term.expect("Organization:");
    term.wait_for_text("30 in all");
    let shown = frame(&term);
    assert_eq!(shown.len(), 1 + 15 + 1, "input, 15 rows, footer: {shown:?}");
    let footer = shown.last().unwrap();
    assert!(footer.ends_with('…') && footer.chars().count() < 50, "the help line is cut to the width: {footer}");
    for key in ["o", "r", "g", "-", "0", "7"] {
        term.press(key);
    }
    term.wait_for_text("1 of 30 match");
    let shown = frame(&term);
    assert_eq!(shown.len(), 3, "input, the one match, footer, and nothing left of earlier frames: {shown:?}");
    assert!(shown[1].starts_with("> org-07"), "{shown:?}");
    assert_eq!(term.cursor_line(), "Organization: org-07");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
}

#[test]
fn at_20x5_and_at_12_rows_the_input_line_stays_in_view() {
    let env = many_orgs_env();
    let mut term = spawn_sized(&env, &["map"], 20, 5);
    term.expect("Organization:");
    term.press("org-07");
    term.wait_for("the query typed at 20x5", |s| s.contents().contains("org-07"));
    term.wait_for("the match at 20x5", |s| s.contents().contains("> org-07"));
    assert!(term.cursor_line().ends_with(": org-07"), "the input line is in view: {:?}", term.lines());
    assert!(term.cursor_shown(), "the cursor shows where typing goes");
    assert!(term.lines().iter().all(|l| l.chars().count() < 20), "{:?}", term.lines());
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);

    let mut term = spawn_sized(&env, &["map"], 80, 12);
    term.expect("Organization:");
    term.press("org");
    term.wait_for_text("Organization: org");
    let shown = frame(&term);
    assert!(shown.len() <= 12, "{shown:?}");
    assert_eq!(term.cursor_line(), "Organization: org", "{:?}", term.lines());
    assert!(shown.last().unwrap().contains("30 in all"), "the footer too: {shown:?}");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
}

#[test]
fn a_confirmation_fits_20x5_with_its_answer_keys_in_view() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = spawn_sized(&env, &["unmap", &id], 20, 5);
    term.expect("[y/N]");
    term.wait_for("the question with its keys", |s| s.contents().contains("[y/N]"));
    assert!(term.cursor_line().ends_with("[y/N]"), "{:?}", term.lines());
    term.press("y");
    assert_eq!(term.exit_code(), 0);
}

#[test]
fn a_resize_mid_prompt_redraws_at_the_new_size_and_back_leaves_nothing_behind() {
    let env = many_orgs_env();
    let mut term = spawn_sized(&env, &["map"], 80, 24);
    term.expect("Organization:");
    term.wait_for_text("30 in all");
    term.resize(30, 8);
    term.wait_for("the frame drawn for 30x8", |s| {
        let text = s.contents();
        text.contains("Organization:") && text.lines().any(|l| l.starts_with("  30 in all") && l.ends_with('…'))
    });
    let shown = frame(&term);
    assert_eq!(shown.len(), 8, "input, 6 rows and the footer fill 8 rows: {shown:?}");
    term.resize(80, 24);
    term.wait_for("the frame drawn again at 80x24", |s| s.contents().contains("Esc to cancel"));
    let lines = term.lines();
    assert_eq!(lines.iter().filter(|l| l.contains("Organization:")).count(), 1, "no leftover frame: {lines:?}");
    assert_eq!(frame(&term).len(), 17, "input, 15 rows, footer and nothing else: {lines:?}");
    term.press("org-12\r");
    term.expect("Integration:");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
}

#[test]
fn home_end_arrows_ctrl_u_and_ctrl_w_edit_the_query() {
    let env = picking_env();
    let mut term = spawn(&env, &["map"]);
    term.expect("Organization:");
    term.press("xacme");
    term.wait_for_text("no match");
    assert!(!term.text().contains("0 of 0"), "{}", term.text());
    // Home, then Delete: "acme".
    term.press("\x1b[H");
    term.press("\x1b[3~");
    term.wait_for_text("1 of 2 match");
    assert_eq!(term.cursor_line(), "Organization: acme");
    // End, Left, then a letter goes in before the last one.
    term.press("\x1b[F");
    term.press("\x1b[D");
    term.press("x");
    term.wait_for_text("Organization: acmxe");
    term.press("\x1b[C");
    term.press("\x7f");
    term.wait_for_text("Organization: acmx");
    term.press("\x1b[F");
    term.press(" corp");
    term.wait_for_text("Organization: acmx corp");
    // Ctrl-W erases a word, Ctrl-U the whole query.
    term.press("\x17");
    term.wait_for("one word erased", |s| s.contents().contains("Organization: acmx") && !s.contents().contains("corp"));
    term.press("\x15");
    term.wait_for_text("2 in all");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
}

#[test]
fn a_text_prompt_shows_its_cursor_and_its_own_footer_and_no_progress_bar_flashes() {
    let env = picking_env();
    let mut term = spawn(&env, &["map", "manual", "--org", "acme"]);
    term.expect("Manual PSA organization ID:");
    term.wait_for_text("Enter to go on · Esc to cancel");
    assert!(term.cursor_shown(), "the cursor shows while typing");
    assert!(!term.text().contains("   ·"), "no empty count before the keys: {}", term.text());
    term.press("77\r");
    term.expect("Label");
    term.wait_for_text("Enter to go on, alone to skip");
    assert!(term.cursor_shown(), "the cursor shows while typing a label");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);

    let mut term = spawn(&env, &["map", "files", "--org", "acme", "--label", "x"]);
    term.expect("File PSA organization:");
    term.press("initech\r");
    term.expect("Metadata");
    term.press("\r");
    term.wait_for_text("Map acme to files 12347");
    term.press("y");
    term.expect_end();
    assert!(!term.transcript().contains("pages"), "no progress bar for a local file: {}", term.transcript());
    assert_eq!(term.exit_code(), 0);
}
