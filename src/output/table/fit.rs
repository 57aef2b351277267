//! Fitting a boxed table to the terminal: which width each column gets, and how a cell wraps.

use std::borrow::Cow;

/// The terminal's width in columns: `COLUMNS` when set, else what the terminal reports; `None`
/// when neither says (a terminal that reports 0×0), so that nothing is squeezed to nothing.
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok())
        && columns > 0
    {
        return Some(columns);
    }
    match console::Term::stdout().size_checked() {
        Some((_, columns)) if columns > 0 => Some(usize::from(columns)),
        _ => None,
    }
}

/// What a boxed table's borders and padding take: `│ ` + ` ┆ ` between cells + ` │`.
fn frame(columns: usize) -> usize {
    3 * columns + 1
}

/// The widest each column may be, at most `cap`, at least `floor`.
fn capped(widest: &[usize], floor: &[usize], cap: usize) -> usize {
    widest.iter().zip(floor).map(|(&w, &f)| w.min(cap.max(f))).sum()
}

/// Column widths that fit `total` terminal columns. The widest columns give way first; as long
/// as it can, no column gets narrower than its widest word, so an ID is never split; when even
/// that does not fit, words are broken, down to a few characters a column. A table that cannot
/// fit at all keeps its natural widths and lets the terminal wrap it.
pub fn fit(widest: &[usize], widest_word: &[usize], total: usize) -> Vec<usize> {
    let room = total.saturating_sub(frame(widest.len()));
    if widest.iter().sum::<usize>() <= room {
        return widest.to_vec();
    }
    const NARROWEST: usize = 3;
    let words: Vec<usize> = widest.iter().zip(widest_word).map(|(&w, &word)| w.min(word)).collect();
    let narrowest: Vec<usize> = widest.iter().map(|&w| w.min(NARROWEST)).collect();
    for floor in [&words, &narrowest] {
        if floor.iter().sum::<usize>() > room {
            continue;
        }
        // The largest cap under which everything fits: the widest columns are cut to it.
        let (mut low, mut high) = (0, widest.iter().copied().max().unwrap_or(0));
        while low < high {
            let cap = (low + high).div_ceil(2);
            if capped(widest, floor, cap) <= room { low = cap } else { high = cap - 1 }
        }
        let mut widths: Vec<usize> = widest.iter().zip(floor.iter()).map(|(&w, &f)| w.min(low.max(f))).collect();
        // Hand what the cap left over to the cut columns, leftmost first.
        let mut spare = room - widths.iter().sum::<usize>();
        for (width, &w) in widths.iter_mut().zip(widest) {
            let more = (w - *width).min(spare);
            *width += more;
            spare -= more;
        }
        return widths;
    }
    widest.to_vec()
}

/// The lines of `cell` in a column `width` wide: broken at spaces, and inside a word only when
/// the word is wider than the column.
pub fn wrap(cell: &str, width: usize) -> Vec<Cow<'_, str>> {
    if super::width_of(cell) <= width {
        return vec![Cow::Borrowed(cell)];
    }
    let options =
        textwrap::Options::new(width.max(1)).word_splitter(textwrap::WordSplitter::NoHyphenation).break_words(true);
    textwrap::wrap(cell, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_that_fits_keeps_its_widths() {
        assert_eq!(fit(&[26, 10], &[26, 4], 80), [26, 10]);
    }

    #[test]
    fn the_widest_column_gives_way_and_ids_stay_whole() {
        // MAPPING (a ULID), ORG, EXTERNAL NAME: at 60 columns, the name column is cut.
        let widths = fit(&[26, 8, 40], &[26, 8, 12], 60);
        assert_eq!(widths[..2], [26, 8]);
        assert_eq!(widths.iter().sum::<usize>() + frame(3), 60);
    }

    #[test]
    fn words_are_broken_only_when_whole_words_cannot_fit() {
        let widths = fit(&[26, 30], &[26, 30], 40);
        assert_eq!(widths.iter().sum::<usize>() + frame(2), 40);
        assert!(widths.iter().all(|&w| w >= 3), "{widths:?}");
    }

    #[test]
    fn a_terminal_too_narrow_for_anything_keeps_natural_widths() {
        assert_eq!(fit(&[26, 30, 10, 10], &[26, 30, 10, 10], 12), [26, 30, 10, 10]);
    }

    #[test]
    fn cells_wrap_at_spaces() {
        assert_eq!(wrap("no: set HUDU_API_KEY, HUDU_URL", 14), ["no: set", "HUDU_API_KEY,", "HUDU_URL"]);
        assert_eq!(wrap("short", 14), ["short"]);
    }
}
