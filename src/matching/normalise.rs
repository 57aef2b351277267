//! Organization names reduced to a comparable key: case, accents, punctuation, `&`/`and`, a
//! leading "The" and trailing legal forms.
//!
//! Transliteration follows the German convention for umlauts (ä → ae, ö → oe, ü → ue, ß → ss), as
//! PSAs and domain names of German-speaking customers write them; other letters lose their marks
//! through Unicode NFKD (é → e, å → a, ñ → n), and the few Latin letters NFKD leaves alone get an
//! explicit table (ø → o, æ → ae, œ → oe, ł → l, đ/ð → d, þ → th, ı → i). So "Müller" and
//! "Mueller" meet; "Muller" is left to the fuzzy matcher.

use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Trailing legal forms, as token sequences after punctuation became spaces ("S.A." is `s a`).
/// Business words ("Holdings", "Group", "Capital", "Dental", "Lab") are deliberately absent.
const LEGAL_FORMS: &[&str] = &[
    // English-speaking countries
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "llp",
    "l l p",
    "lp",
    "l p",
    "pllc",
    "pc",
    "p c",
    "ltd",
    "limited",
    "pty",
    "plc",
    "corp",
    "corporation",
    "co",
    "pte",
    // German-speaking countries
    "gmbh",
    "mbh",
    "gmbh and co kg",
    "gmbh and co kgaa",
    "ag and co kg",
    "se and co kg",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "ek",
    "e k",
    "ev",
    "e v",
    "ug",
    "ug haftungsbeschraenkt",
    "gbr",
    // Romance languages
    "sa",
    "s a",
    "sau",
    "s a u",
    "sarl",
    "s a r l",
    "sas",
    "s a s",
    "srl",
    "s r l",
    "spa",
    "s p a",
    "sl",
    "s l",
    "ltda",
    "lda",
    // Benelux
    "bv",
    "b v",
    "nv",
    "n v",
    "bvba",
    // Nordic countries
    "oy",
    "oyj",
    "ab",
    "a s",
    "as",
    "aps",
    "asa",
    // elsewhere
    "kk",
    "k k",
    "se",
    "sp z o o",
    "s r o",
    "sro",
    "kft",
];

/// Legal forms as token lists, longest first so "GmbH & Co. KG" goes before "KG".
static FORMS: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
    let mut forms: Vec<Vec<&str>> = LEGAL_FORMS.iter().map(|f| f.split(' ').collect()).collect();
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms
});

/// The comparable key of an organization name: lower-case ASCII-folded tokens joined by single
/// spaces, with `&`, `+`, "und" and "et" as "and", without a leading "The" and without trailing
/// legal forms. A name that is nothing but a legal form keeps it.
pub fn normalise_name(name: &str) -> String {
    let mut tokens = name_tokens(name);
    while tokens.len() > 1 && tokens[0] == "the" {
        tokens.remove(0);
    }
    strip_legal_forms(&mut tokens);
    tokens.join(" ")
}

/// Folded, lower-case tokens of a name; punctuation separates tokens, apostrophes vanish.
/// (Also what `org import` makes readable IDs of.)
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut folded = String::with_capacity(name.len() + 8);
    for c in name.nfc() {
        match c {
            'ä' | 'Ä' => folded.push_str("ae"),
            'ö' | 'Ö' => folded.push_str("oe"),
            'ü' | 'Ü' => folded.push_str("ue"),
            'ß' | 'ẞ' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ø' | 'Ø' => folded.push('o'),
            'ł' | 'Ł' => folded.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => folded.push('d'),
            'þ' | 'Þ' => folded.push_str("th"),
            'ı' => folded.push('i'),
            '\'' | '’' | '‘' | '`' | '´' => {}
            '&' | '+' => folded.push_str(" and "),
            _ => folded.push(c),
        }
    }
    let mut out = Vec::new();
    let mut current = String::new();
    for c in folded.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    for token in &mut out {
        if token == "und" || token == "et" {
            *token = "and".to_owned();
        }
    }
    out
}

/// Removes trailing legal forms, several if stacked ("Pty Ltd"), but never the whole name, and
/// never the "Co" of "Smith & Co".
fn strip_legal_forms(tokens: &mut Vec<String>) {
    'outer: loop {
        for form in FORMS.iter() {
            let n = form.len();
            if tokens.len() <= n {
                continue;
            }
            let tail = &tokens[tokens.len() - n..];
            if tail.iter().zip(form).all(|(t, f)| t == f) {
                if form[0] == "co" && tokens[tokens.len() - n - 1] == "and" {
                    continue;
                }
                tokens.truncate(tokens.len() - n);
                continue 'outer;
            }
        }
        break;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::normalise_name as n;

    proptest! {
        #[test]
        fn normalising_twice_changes_nothing(name in "(?s).{0,40}|((The |the )?[A-Za-zÄÖÜäöüßéøå&+.,' -]{1,20}( (and|&) Co)?( (Ltd|GmbH|Inc\\.|S\\.A\\.|Pty Ltd|Co\\.|AG))*)") {
            let once = n(&name);
            prop_assert_eq!(n(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }
    }

    #[test]
    fn case_punctuation_and_spacing() {
        assert_eq!(n("  ACME   Widgets  "), "acme widgets");
        assert_eq!(n("Acme-Widgets, Inc."), "acme widgets");
        assert_eq!(n("Acme.Widgets"), "acme widgets");
        assert_eq!(n("(Acme) Widgets"), "acme widgets");
        assert_eq!(n("McDonald's Farm"), "mcdonalds farm");
        assert_eq!(n("O’Brien Plumbing"), "obrien plumbing");
        assert_eq!(n(""), "");
        assert_eq!(n("!!!"), "");
    }

    #[test]
    fn ampersand_plus_and_words_are_one() {
        assert_eq!(n("A&B"), "a and b");
        assert_eq!(n("A & B"), "a and b");
        assert_eq!(n("A and B"), "a and b");
        assert_eq!(n("A + B"), "a and b");
        assert_eq!(n("Schmidt und Partner"), "schmidt and partner");
        assert_eq!(n("Dupont et Fils"), "dupont and fils");
    }

    #[test]
    fn leading_the() {
        assert_eq!(n("The Acme Company"), "acme company");
        assert_eq!(n("the acme"), "acme");
        assert_eq!(n("The"), "the");
        assert_eq!(n("Theatre Royal"), "theatre royal");
        assert_eq!(n("The The Band"), "band");
    }

    #[test]
    fn accents_and_transliteration() {
        assert_eq!(n("Müller Bäckerei"), "mueller baeckerei");
        assert_eq!(n("MÜLLER BÄCKEREI"), "mueller baeckerei");
        assert_eq!(n("Mueller Baeckerei"), "mueller baeckerei");
        assert_eq!(n("Straße"), "strasse");
        assert_eq!(n("Schöne Aussicht"), "schoene aussicht");
        // decomposed input (o + combining diaeresis) folds like the composed letter
        assert_eq!(n("Scho\u{308}ne"), "schoene");
        assert_eq!(n("Café Lumière"), "cafe lumiere");
        assert_eq!(n("Søren Høj"), "soren hoj");
        assert_eq!(n("Åkesson"), "akesson");
        assert_eq!(n("Łódź Tech"), "lodz tech");
        assert_eq!(n("Ærø Cœur"), "aero coeur");
        assert_eq!(n("Niño"), "nino");
        assert_eq!(n("Ｆｕｌｌｗｉｄｔｈ"), "fullwidth");
    }

    #[test]
    fn every_legal_form_is_stripped_at_the_end() {
        let forms = [
            "Inc",
            "Inc.",
            "Incorporated",
            "LLC",
            "L.L.C.",
            "LLP",
            "L.L.P.",
            "LP",
            "PLLC",
            "P.C.",
            "Ltd",
            "Ltd.",
            "Limited",
            "Pty Ltd",
            "Pty. Ltd.",
            "Pty",
            "PLC",
            "Corp",
            "Corp.",
            "Corporation",
            "Co",
            "Co.",
            "Pte Ltd",
            "GmbH",
            "mbH",
            "GmbH & Co. KG",
            "GmbH & Co KG",
            "GmbH und Co. KG",
            "AG & Co. KG",
            "AG",
            "KG",
            "KGaA",
            "OHG",
            "e.K.",
            "eK",
            "e.V.",
            "UG",
            "UG (haftungsbeschränkt)",
            "GbR",
            "S.A.",
            "SA",
            "S.A.U.",
            "SARL",
            "S.A.R.L.",
            "S.à r.l.",
            "SAS",
            "S.A.S.",
            "S.r.l.",
            "SRL",
            "S.p.A.",
            "SpA",
            "S.L.",
            "SL",
            "Ltda.",
            "Lda",
            "B.V.",
            "BV",
            "N.V.",
            "NV",
            "BVBA",
            "Oy",
            "Oyj",
            "AB",
            "A/S",
            "ApS",
            "AS",
            "ASA",
            "KK",
            "K.K.",
            "SE",
            "Sp. z o.o.",
            "s.r.o.",
            "Kft.",
        ];
        for form in forms {
            assert_eq!(n(&format!("Zarvel Logistics {form}")), "zarvel logistics", "{form}");
            assert_eq!(n(&format!("Zarvel Logistics, {form}")), "zarvel logistics", "{form}");
        }
    }

    #[test]
    fn stacked_legal_forms() {
        assert_eq!(n("Acme Holdings Pty Ltd"), "acme holdings");
        assert_eq!(n("Acme Co., Ltd."), "acme");
        assert_eq!(n("Acme Inc. LLC"), "acme");
    }

    #[test]
    fn legal_forms_only_at_the_end() {
        assert_eq!(n("AG Consulting"), "ag consulting");
        assert_eq!(n("Inc Magazine Group"), "inc magazine group");
        assert_eq!(n("Ltd Edition Prints"), "ltd edition prints");
    }

    #[test]
    fn a_name_that_is_only_a_legal_form_stays() {
        assert_eq!(n("Limited"), "limited");
        assert_eq!(n("AG"), "ag");
        assert_eq!(n("Co."), "co");
        assert_eq!(n("Ltd Ltd"), "ltd");
    }

    #[test]
    fn and_co_is_part_of_the_name() {
        assert_eq!(n("Smith & Co"), "smith and co");
        assert_eq!(n("Smith & Co."), "smith and co");
        assert_eq!(n("Smith and Co"), "smith and co");
        assert_eq!(n("Smith & Co Ltd"), "smith and co");
        assert_eq!(n("Müller & Co. KG"), "mueller and co");
        assert_ne!(n("Smith & Co"), n("Smith"));
        assert_eq!(n("Smith Co"), "smith");
    }

    #[test]
    fn business_words_are_kept() {
        assert_eq!(n("Acme Holdings"), "acme holdings");
        assert_eq!(n("Acme Group GmbH"), "acme group");
        assert_ne!(n("Acme Corp"), n("Acme Capital"));
        assert_ne!(n("North Star Dental"), n("North Star Dental Lab"));
        assert_eq!(n("North Star Dental Lab LLC"), "north star dental lab");
    }
}
