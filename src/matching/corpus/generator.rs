//! The shapes of the labelled corpus: legal forms, `&`/and, punctuation, accents, trading names,
//! renames, near misses, duplicates on either side, contested and conflicting evidence, and
//! records with no counterpart.

use std::collections::HashSet;

use super::Corpus;
use super::words::{ACCENTED, INDUSTRIES, LEGAL_FORMS, PUBLIC, SYLLABLES};
use crate::matching::{Candidate, OrgFacts, XRef, normalise_name};

/// SplitMix64: small, seeded, and the same everywhere.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

pub(super) struct Generator {
    pub(super) rng: Rng,
    /// Normalised names handed out, so that only deliberate duplicates collide.
    used: HashSet<String>,
    pub(super) corpus: Corpus,
    next_xref: u64,
}

impl Generator {
    pub(super) fn new(rng: Rng) -> Self {
        Generator { rng, used: HashSet::new(), corpus: Corpus::default(), next_xref: 1000 }
    }

    fn word(&mut self) -> String {
        let n = 2 + self.rng.below(2);
        let mut w: String = (0..n).map(|_| *self.rng.pick(SYLLABLES)).collect();
        w[..1].make_ascii_uppercase();
        w
    }

    /// A name nobody has yet; `make` builds one attempt, differently each time.
    fn fresh(&mut self, make: impl Fn(&mut Self) -> String) -> String {
        loop {
            let name = make(self);
            if !self.taken(&name) {
                self.claim(&name);
                return name;
            }
        }
    }

    /// The keys under which a name counts as taken: its normalised name, and that without spaces
    /// (which catches most unintended near-duplicates).
    fn keys(name: &str) -> [String; 2] {
        let key = normalise_name(name);
        let compact = key.chars().filter(|c| *c != ' ').collect();
        [key, compact]
    }

    fn taken(&self, name: &str) -> bool {
        Self::keys(name).iter().any(|k| self.used.contains(k))
    }

    fn claim(&mut self, name: &str) {
        self.used.extend(Self::keys(name));
    }

    fn base(&mut self) -> String {
        self.fresh(|g| {
            let first = g.word();
            if g.rng.chance(0.7) { format!("{first} {}", g.rng.pick(INDUSTRIES)) } else { first }
        })
    }

    fn legal_variant(&mut self, base: &str) -> String {
        if self.rng.chance(0.2) {
            return base.to_owned();
        }
        let forms = self.rng.pick(LEGAL_FORMS);
        let form = self.rng.pick(forms);
        let comma = if self.rng.chance(0.3) { "," } else { "" };
        let name = format!("{base}{comma} {form}");
        if self.rng.chance(0.15) { name.to_uppercase() } else { name }
    }

    fn org(&mut self, names: Vec<String>, domains: Vec<String>, xrefs: Vec<XRef>, shape: &'static str) -> String {
        let id = format!("org-{:05}", self.corpus.orgs.len() + 1);
        self.corpus.orgs.push(OrgFacts { id: id.clone(), names, domains, xrefs });
        *self.corpus.shapes.entry(shape).or_default() += 1;
        id
    }

    fn candidate(&mut self, name: Option<String>, domains: Vec<String>, xrefs: Vec<XRef>) -> String {
        let id = format!("{}", 100_000 + self.corpus.candidates.len() * 7);
        self.corpus.candidates.push(Candidate { id: id.clone(), name, domains, xrefs });
        id
    }

    fn xref(&mut self) -> XRef {
        self.next_xref += 1 + self.rng.below(5) as u64;
        XRef { integration: "autotask".into(), external_id: self.next_xref.to_string() }
    }

    fn domain(&mut self, base: &str) -> String {
        let slug: String = normalise_name(base).chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let tld = *self.rng.pick(&["com", "de", "co.uk", "fr", "nl", "com.au"]);
        format!("{slug}.{tld}")
    }

    /// The same domain as websites and addresses look in the wild.
    fn domain_form(&mut self, domain: &str) -> String {
        match self.rng.below(6) {
            0 => domain.to_owned(),
            1 => format!("https://www.{domain}/"),
            2 => format!("http://{domain}/contact?lang=en"),
            3 => format!("info@{domain}"),
            4 => format!("WWW.{}", domain.to_uppercase()),
            _ => format!("{domain}:443"),
        }
    }

    /// A pair: `org_names` ↔ `cand_name`, with a domain and a cross-reference on a share.
    fn pair(&mut self, org_names: Vec<String>, cand_name: String, shape: &'static str, strong: bool, extras: bool) {
        let (mut od, mut cd, mut ox, mut cx) = (vec![], vec![], vec![], vec![]);
        if extras && self.rng.chance(0.4) {
            let d = self.domain(&org_names[0]);
            od.push(self.domain_form(&d));
            cd.push(self.domain_form(&d));
        }
        if extras && self.rng.chance(0.3) {
            let x = self.xref();
            ox.push(x.clone());
            cx.push(x);
        }
        if self.rng.chance(0.2) {
            od.push(format!("someone@{}", self.rng.pick(PUBLIC)));
        }
        if self.rng.chance(0.2) {
            cd.push(format!("billing@{}", self.rng.pick(PUBLIC)));
        }
        if self.rng.chance(0.2) {
            ox.push(XRef { integration: "ninjaone".into(), external_id: self.rng.below(1_000_000).to_string() });
        }
        let c = self.candidate(Some(cand_name), cd, cx);
        let o = self.org(org_names, od, ox, shape);
        self.corpus.truth.insert(o.clone(), vec![c]);
        if strong {
            self.corpus.strong.insert(o);
        }
    }

    pub(super) fn shape(&mut self) {
        match self.rng.below(100) {
            0..25 => {
                let base = self.base();
                let (o, c) = (self.legal_variant(&base), self.legal_variant(&base));
                self.pair(vec![o], c, "legal form", true, true);
            }
            25..30 => {
                let name = self.fresh(|g| format!("{} & {}", g.word(), g.word()));
                let (a, b) = name.split_once(" & ").expect("made with &");
                let other = match self.rng.below(4) {
                    0 => format!("{a} and {b} Ltd"),
                    1 => format!("{a}+{b}"),
                    2 => format!("{a} und {b} GmbH"),
                    _ => format!("{a} AND {b}, LLC"),
                };
                self.pair(vec![name], other, "& and", true, true);
            }
            30..37 => {
                let base = self.base();
                let other = match self.rng.below(5) {
                    0 => base.replace(' ', "-"),
                    1 => format!("  {}  ", base.replace(' ', "   ")),
                    2 => format!("The {base}"),
                    3 => format!("{}.", base.to_lowercase()),
                    _ => format!("({base}), Inc."),
                };
                self.pair(vec![base], other, "punctuation and spacing", true, true);
            }
            37..45 => {
                let &(accented, ascii, lossy) = self.rng.pick(ACCENTED);
                let name = self.fresh(|g| format!("{accented} {}", g.word()));
                let w = &name[accented.len() + 1..];
                if self.rng.chance(0.25) {
                    self.pair(vec![format!("{name} GmbH")], format!("{lossy} {w}"), "accent, lossy", false, false);
                } else {
                    let other = if self.rng.chance(0.5) { format!("{ascii} {w} AG") } else { name.to_uppercase() };
                    self.pair(vec![format!("{name} GmbH")], other, "accent", true, true);
                }
            }
            45..51 => {
                let full = self.base();
                let trading = if self.rng.chance(0.5) {
                    self.fresh(|g| {
                        let w = full.split(' ').map(|w| &w[..1]).collect::<String>();
                        format!("{w}{}", g.word().to_uppercase())
                    })
                } else {
                    self.base()
                };
                let full = self.legal_variant(&full);
                let cand = self.legal_variant(&trading);
                self.pair(vec![full, trading], cand, "trading name or abbreviation", true, true);
            }
            51..56 => {
                let (old, new) = (self.base(), self.base());
                let cand = self.legal_variant(&old);
                self.pair(vec![new, old], cand, "renamed", true, true);
            }
            56..60 => {
                let (a, b) = (self.base(), self.base());
                let x = self.xref();
                let c = self.candidate(Some(b), vec![], vec![x.clone()]);
                let o = self.org(vec![a], vec![], vec![x], "cross-reference only");
                self.corpus.truth.insert(o.clone(), vec![c]);
                self.corpus.strong.insert(o);
            }
            60..64 => {
                let (a, b) = (self.base(), self.base());
                let d = self.domain(&a);
                let (od, cd) = (self.domain_form(&d), self.domain_form(&d));
                let c = self.candidate(Some(b), vec![cd], vec![]);
                let o = self.org(vec![a], vec![od], vec![], "domain only");
                self.corpus.truth.insert(o.clone(), vec![c]);
                self.corpus.strong.insert(o);
            }
            64..69 => {
                let (base, typo) = loop {
                    let first = self.word();
                    let industry = self.rng.pick(INDUSTRIES);
                    let mut chars: Vec<char> = first.chars().collect();
                    let i = 1 + self.rng.below(chars.len() - 1);
                    chars.insert(i, chars[i]);
                    let typo: String = chars.into_iter().collect();
                    let (base, typo) = (format!("{first} {industry}"), format!("{typo} {industry}"));
                    if !self.taken(&base) && !self.taken(&typo) {
                        self.claim(&base);
                        self.claim(&typo);
                        break (base, typo);
                    }
                };
                self.pair(vec![base], typo, "typo", false, false);
            }
            69..73 => self.near_miss(),
            73..76 => {
                let base = self.base();
                let c1 = self.candidate(Some(format!("{base} Ltd")), vec![], vec![]);
                let c2 = self.candidate(Some(format!("{base} Limited")), vec![], vec![]);
                let o = self.org(vec![base], vec![], vec![], "duplicate upstream");
                self.corpus.truth.insert(o.clone(), vec![c1, c2]);
                self.corpus.ambiguous.insert(o);
            }
            76..78 => {
                let base = self.base();
                let c = self.candidate(Some(format!("{base} AG")), vec![], vec![]);
                for name in [base.clone(), format!("{base} GmbH")] {
                    let o = self.org(vec![name], vec![], vec![], "duplicate organizations");
                    self.corpus.truth.insert(o.clone(), vec![c.clone()]);
                    self.corpus.ambiguous.insert(o);
                }
            }
            78..80 => {
                // one cross-reference on two organizations, or one domain claimed by two
                let x = self.xref();
                let owner = self.base();
                let d = self.domain(&owner);
                let by_xref = self.rng.chance(0.5);
                let (cd, cx) = if by_xref { (vec![], vec![x.clone()]) } else { (vec![d.clone()], vec![]) };
                let name = self.base();
                let c = self.candidate(Some(name), cd, cx);
                for _ in 0..2 {
                    let (od, ox) = if by_xref { (vec![], vec![x.clone()]) } else { (vec![d.clone()], vec![]) };
                    let name = self.base();
                    let o = self.org(vec![name], od, ox, "contested cross-reference or domain");
                    self.corpus.truth.insert(o.clone(), vec![c.clone()]);
                    self.corpus.ambiguous.insert(o);
                }
            }
            80..82 => {
                // the cross-reference says one candidate, the domain another
                let (a, b, e) = (self.base(), self.base(), self.base());
                let x = self.xref();
                let d = self.domain(&a);
                let c = self.candidate(Some(b), vec![], vec![x.clone()]);
                self.candidate(Some(e), vec![d.clone()], vec![]);
                let o = self.org(vec![a], vec![d], vec![x], "conflicting evidence");
                self.corpus.truth.insert(o.clone(), vec![c]);
                self.corpus.ambiguous.insert(o);
            }
            82..84 => {
                // a tenant domain and a public domain in common are no evidence
                let (a, b) = (self.base(), self.base());
                let slug: String = normalise_name(&a).chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                let tenant = format!("{slug}.onmicrosoft.com");
                self.candidate(Some(b), vec![tenant.clone(), "office@gmail.com".into()], vec![]);
                self.org(vec![a], vec![tenant, "boss@gmail.com".into()], vec![], "tenant or public domain only");
            }
            84..92 => self.unmatched_org(),
            _ => self.unmatched_candidate(),
        }
    }

    /// "Acme Corp" ↔ "Acme Corporation" beside "Acme Capital"; "North Star Dental" beside "North
    /// Star Dental Lab", with or without a counterpart.
    fn near_miss(&mut self) {
        let (near, far) = *self.rng.pick(&[("Corp", "Capital"), ("Dental", "Dental Lab"), ("Group", "Group Holdings")]);
        let first = loop {
            let first = self.word();
            let names = [first.clone(), format!("{first} {near}"), format!("{first} {far}")];
            if !names.iter().any(|n| self.taken(n)) {
                names.iter().for_each(|n| self.claim(n));
                break first;
            }
        };
        let far_name = format!("{first} {far}");
        if self.rng.chance(0.5) {
            let near_name = format!("{first} {near}");
            let cand = if near == "Corp" { format!("{first} Corporation") } else { format!("{near_name} PLLC") };
            self.pair(vec![near_name], cand, "near miss", true, true);
            if self.rng.chance(0.5) {
                self.pair(vec![format!("{far_name} LLC")], far_name, "near miss", true, true);
            } else {
                self.candidate(Some(far_name), vec![], vec![]);
            }
        } else {
            // the near name has no counterpart: only the far one is there
            self.org(vec![format!("{first} {near}")], vec![], vec![], "near miss without counterpart");
            self.candidate(Some(far_name), vec![], vec![]);
        }
    }

    pub(super) fn unmatched_org(&mut self) {
        let name = self.base();
        let domains = if self.rng.chance(0.3) { vec![format!("it@{}", self.rng.pick(PUBLIC))] } else { vec![] };
        self.org(vec![name], domains, vec![], "no counterpart");
    }

    pub(super) fn unmatched_candidate(&mut self) {
        let name = if self.rng.chance(0.05) { None } else { Some(self.base()) };
        let domains = if self.rng.chance(0.3) { vec![format!("info@{}", self.rng.pick(PUBLIC))] } else { vec![] };
        self.candidate(name, domains, vec![]);
    }
}
