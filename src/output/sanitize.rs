//! Makes text from the store or from external systems safe to print on a terminal.
//!
//! Escape sequences are removed whole — CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `… ST`),
//! DCS, SOS, PM and APC strings (`… ST`), two-byte `ESC x` — in their 7-bit and their 8-bit
//! (C1, U+0080–U+009F) forms, by `vte`'s parser (the one Alacritty uses). What is left of C0 and C1
//! controls, DEL and bidi overrides is replaced by `�`.

use std::borrow::Cow;

/// Characters that could move the cursor, recolour or retitle the terminal, or reorder what is
/// shown (bidi overrides, U+2028/U+2029 line breaks): none of them reaches a terminal.
fn is_unsafe(c: char) -> bool {
    // `char::is_control` covers C0, DEL and C1 (U+0080–U+009F).
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Collects what a terminal would print; every control left outside a sequence becomes `�`.
struct Collect(String);

impl vte::Perform for Collect {
    fn print(&mut self, c: char) {
        self.0.push(if is_unsafe(c) { '\u{FFFD}' } else { c });
    }

    fn execute(&mut self, _byte: u8) {
        self.0.push('\u{FFFD}');
    }
}

/// `text` with escape sequences removed and control characters and bidi overrides replaced by
/// `�`.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    // vte reads the 7-bit forms only: an 8-bit C1 control is the same as ESC and its 7-bit
    // partner (U+009B CSI = ESC [), so it is given to the parser that way.
    let mut seven_bit = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        match c {
            '\u{80}'..='\u{9f}' => seven_bit.extend_from_slice(&[0x1b, (c as u32 - 0x40) as u8]),
            _ => seven_bit.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    let mut parser = vte::Parser::new();
    let mut out = Collect(String::with_capacity(text.len()));
    parser.advance(&mut out, &seven_bit);
    Cow::Owned(out.0)
}

/// Each line of `text` sanitised, the line breaks between them kept.
pub fn sanitize_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.split('\n').map(|line| sanitize(line).into_owned()).collect::<Vec<_>>().join("\n"))
}

/// A JSON value for a human table: every string and key sanitised, so that what JSON would only
/// escape (`\u001b]0;…`) is removed as it is everywhere else a person reads.
pub fn sanitize_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(sanitize(text).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(sanitize_json).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (sanitize(k).into_owned(), sanitize_json(v))).collect())
        }
        other => other.clone(),
    }
}

/// A JSON document made safe for a terminal: C1 controls, bidi overrides and U+2028/U+2029 (which
/// serde_json leaves raw) are written as `\uXXXX` escapes. They can only occur inside JSON
/// strings, so the document keeps its meaning.
pub fn escape_json_for_terminal(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("Acme Corp, ünïcode ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn whole_escape_sequences_are_removed() {
        assert_eq!(sanitize("A\x1b[31mcme"), "Acme");
        assert_eq!(sanitize("\x1b[31mRED \x1b[0m Escape Corp"), "RED  Escape Corp");
        assert_eq!(sanitize("\x1b]0;PWNED\x07\x1b[2JAcme"), "Acme");
        assert_eq!(sanitize("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"), "link");
        assert_eq!(sanitize("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b_payload\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b^pm\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1bXsos\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1bcb"), "ab");
        assert_eq!(sanitize("a\x1b(Bb"), "ab");
    }

    #[test]
    fn eight_bit_forms_are_removed_too() {
        assert_eq!(sanitize("A\u{9b}31mcme"), "Acme");
        assert_eq!(sanitize("A\u{9d}0;PWNED\u{9c}cme"), "Acme");
        assert_eq!(sanitize("A\u{9d}0;PWNED\x07cme"), "Acme");
        assert_eq!(sanitize("A\u{90}q\u{9c}cme"), "Acme");
        assert_eq!(sanitize("A\u{9f}apc\u{9c}cme"), "Acme");
        assert_eq!(sanitize("A\u{85}cme"), "Acme");
    }

    #[test]
    fn remaining_controls_and_bidi_overrides_are_replaced() {
        assert_eq!(sanitize("x\u{202E}y\n"), "x\u{FFFD}y\u{FFFD}");
        assert_eq!(sanitize("a\tb\rc\x7fd\x00e"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e");
        assert_eq!(sanitize("a\u{2028}b\u{2066}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(sanitize("a\x07b"), "a\u{FFFD}b");
    }

    #[test]
    fn nothing_unsafe_survives_any_input() {
        let pieces =
            ["\x1b", "[", "]", "\x07", "\u{9b}", "\u{9c}", "\u{9d}", "P", "\\", "a", "é", "\u{202E}", "0;", "m"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}x");
                    assert!(!sanitize(&text).chars().any(is_unsafe), "{text:?} -> {:?}", sanitize(&text));
                }
            }
        }
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(sanitize_lines("a\x1b[2J\nb\x07"), "a\nb\u{FFFD}");
    }

    #[test]
    fn json_for_a_terminal_escapes_c1_and_line_separators() {
        let json = serde_json::to_string(&serde_json::json!({"k": "a\u{9b}2Jb\u{2028}c\u{202E}"})).unwrap();
        let safe = escape_json_for_terminal(&json);
        assert_eq!(safe, r#"{"k":"a\u009b2Jb\u2028c\u202e"}"#);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["k"], "a\u{9b}2Jb\u{2028}c\u{202E}");
    }
}
