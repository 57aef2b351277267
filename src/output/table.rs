//! Human-readable tables: boxed on a terminal, plain space-separated columns in a pipe.

use std::io::IsTerminal;

use comfy_table::{ContentArrangement, Table, presets};

/// A table with these column headers, styled for where stdout goes.
pub fn new(headers: &[&str]) -> Table {
    let mut table = Table::new();
    if std::io::stdout().is_terminal() {
        table.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.load_style(presets::NOTHING);
    }
    table.set_header(headers.iter().copied());
    table
}

/// `-` for an absent value, so that columns stay aligned and greppable.
pub fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| super::sanitize(v).into_owned())
}

/// `yes` or `no`.
pub fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
