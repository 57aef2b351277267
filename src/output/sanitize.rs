//! Makes text from the store or from external systems safe to print on a terminal.

use std::borrow::Cow;

/// Characters that could move the cursor, recolour or retitle the terminal, or reorder what is
/// shown (bidi overrides): replaced before anything reaches a terminal.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `text` with control characters, escape sequences and bidi overrides replaced by `�`.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(text.chars().map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c }).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_are_neutralised() {
        assert_eq!(sanitize("Acme"), "Acme");
        assert_eq!(sanitize("A\x1b[31mcme"), "A\u{FFFD}[31mcme");
        assert_eq!(sanitize("x\u{202E}y\n"), "x\u{FFFD}y\u{FFFD}");
    }
}
