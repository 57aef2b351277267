//! Assignment rules and the labelled corpus.

use proptest::prelude::*;

use super::corpus::Corpus;
use super::*;

/// Small overlapping vocabularies so that random inputs collide often.
fn small_org() -> impl Strategy<Value = OrgFacts> {
    let names = prop::collection::vec("(Acme|Globex|Zarvel|North Star)( (Dental|Lab|Co|& Co|Ltd|GmbH|Capital))?", 0..3);
    let domains = prop::collection::vec("(acme|globex|gmail|zarvel)\\.com", 0..2);
    let xrefs = prop::collection::vec((Just("autotask".to_owned()), "[1-4]"), 0..2);
    ("o[0-9]", names, domains, xrefs).prop_map(|(id, names, domains, xrefs)| OrgFacts {
        id,
        names,
        domains,
        xrefs: xrefs.into_iter().map(|(integration, external_id)| XRef { integration, external_id }).collect(),
    })
}

proptest! {
    #[test]
    fn suggest_keeps_its_invariants(
        orgs in prop::collection::vec(small_org(), 0..8),
        cands in prop::collection::vec(small_org(), 0..8),
    ) {
        let cands: Vec<Candidate> = cands
            .into_iter()
            .enumerate()
            .map(|(i, o)| Candidate { id: format!("c{i}"), name: o.names.first().cloned(), domains: o.domains, xrefs: o.xrefs })
            .collect();
        let ps = suggest(&orgs, &cands);
        prop_assert_eq!(&ps, &suggest(&orgs, &cands));
        prop_assert!(ps.windows(2).all(|w| w[0].org_id <= w[1].org_id));
        prop_assert!(ps.len() <= orgs.len());
        let mut high = std::collections::HashSet::new();
        for p in &ps {
            prop_assert!(!p.evidence.is_empty());
            prop_assert_eq!(p.method, p.evidence[0].method);
            prop_assert!(p.alternatives.windows(2).all(|w| w[0].1 >= w[1].1));
            prop_assert!(p.alternatives.iter().all(|a| a.1 <= p.score));
            if p.confidence == Confidence::High {
                prop_assert!(p.ambiguous.is_none());
                prop_assert!(p.method != Method::FuzzyName);
                prop_assert!(high.insert(p.candidate_id.clone()), "{} high twice", p.candidate_id);
            }
        }
    }
}

fn org(id: &str, names: &[&str], domains: &[&str], xrefs: &[(&str, &str)]) -> OrgFacts {
    OrgFacts {
        id: id.into(),
        names: names.iter().map(|s| s.to_string()).collect(),
        domains: domains.iter().map(|s| s.to_string()).collect(),
        xrefs: xrefs.iter().map(|(i, x)| XRef { integration: i.to_string(), external_id: x.to_string() }).collect(),
    }
}

fn cand(id: &str, name: &str, domains: &[&str], xrefs: &[(&str, &str)]) -> Candidate {
    let o = org(id, &[name], domains, xrefs);
    Candidate { id: o.id, name: Some(name.into()), domains: o.domains, xrefs: o.xrefs }
}

fn only(proposals: &[Proposal], org_id: &str) -> Proposal {
    proposals.iter().find(|p| p.org_id == org_id).cloned().unwrap_or_else(|| panic!("no proposal for {org_id}"))
}

#[test]
fn cross_reference_is_high_even_when_names_differ() {
    let orgs = [org("contoso", &["Contoso"], &[], &[("Autotask", "4242")])];
    let cands = [cand("t1", "Acorn Construction", &[], &[("autotask", " 4242 ")])];
    let p = only(&suggest(&orgs, &cands), "contoso");
    assert_eq!((p.candidate_id.as_str(), p.method, p.confidence), ("t1", Method::CrossReference, Confidence::High));
    assert_eq!(p.evidence, vec![Evidence { method: Method::CrossReference, detail: "autotask 4242".into() }]);
    assert_eq!(p.ambiguous, None);
}

#[test]
fn unique_domain_is_high_and_evidence_lists_every_signal() {
    let orgs = [org("acme", &["Acme Corp"], &["https://www.acme.com/"], &[])];
    let cands =
        [cand("1", "ACME Corporation", &["billing@acme.com"], &[]), cand("2", "Acme Capital", &["acmecap.com"], &[])];
    let p = only(&suggest(&orgs, &cands), "acme");
    assert_eq!((p.candidate_id.as_str(), p.method, p.confidence), ("1", Method::Domain, Confidence::High));
    assert_eq!(p.evidence.len(), 2);
    assert_eq!(p.evidence[1].detail, "\"Acme Corp\" = \"ACME Corporation\"");
}

#[test]
fn public_and_tenant_domains_are_no_evidence() {
    let orgs = [org("a", &["Alpha"], &["boss@gmail.com", "alpha.onmicrosoft.com"], &[])];
    let cands = [cand("1", "Zeta", &["office@gmail.com", "alpha.onmicrosoft.com"], &[])];
    assert!(suggest(&orgs, &cands).is_empty());
}

#[test]
fn unique_normalised_name_is_high_and_aliases_count() {
    let orgs =
        [org("a", &["Zarvel Logistics GmbH"], &[], &[]), org("b", &["Kintora Holdings", "Old Name Pty Ltd"], &[], &[])];
    let cands = [cand("1", "ZARVEL LOGISTICS AG", &[], &[]), cand("2", "Old Name Limited", &[], &[])];
    let ps = suggest(&orgs, &cands);
    assert_eq!(ps.len(), 2);
    for (p, c) in ps.iter().zip(["1", "2"]) {
        assert_eq!((p.candidate_id.as_str(), p.method, p.confidence), (c, Method::NormalisedName, Confidence::High));
    }
}

#[test]
fn two_candidates_with_one_name_are_a_tie() {
    let orgs = [org("a", &["Zarvel"], &[], &[])];
    let cands = [cand("1", "Zarvel Ltd", &[], &[]), cand("2", "Zarvel Limited", &[], &[])];
    let p = only(&suggest(&orgs, &cands), "a");
    assert_eq!(p.confidence, Confidence::Medium);
    assert!(p.ambiguous.as_deref().unwrap().contains("shared by candidates 1, 2"), "{:?}", p.ambiguous);
    assert_eq!(p.alternatives.len(), 1);
}

#[test]
fn two_orgs_with_one_name_are_contested() {
    let orgs = [org("a", &["Zarvel"], &[], &[]), org("b", &["Zarvel GmbH"], &[], &[])];
    let cands = [cand("1", "Zarvel AG", &[], &[])];
    let ps = suggest(&orgs, &cands);
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(|p| p.confidence == Confidence::Medium && p.ambiguous.is_some()));
}

#[test]
fn one_candidate_best_for_two_orgs_is_not_high_for_either() {
    // both orgs claim the domain; the names say nothing
    let orgs = [org("a", &["Alpha"], &["acme.com"], &[]), org("b", &["Beta"], &["acme.com"], &[])];
    let cands = [cand("1", "Gamma", &["acme.com"], &[])];
    let ps = suggest(&orgs, &cands);
    assert_eq!(ps.len(), 2);
    for p in &ps {
        assert_eq!(p.confidence, Confidence::Medium);
        assert!(p.ambiguous.as_deref().unwrap().contains("acme.com is shared by organizations a, b"));
    }
}

#[test]
fn shared_cross_reference_is_ambiguous() {
    let orgs = [org("a", &["Alpha"], &[], &[("autotask", "7")]), org("b", &["Beta"], &[], &[("autotask", "7")])];
    let cands = [cand("1", "Gamma", &[], &[("autotask", "7")])];
    assert!(suggest(&orgs, &cands).iter().all(|p| p.confidence == Confidence::Medium && p.ambiguous.is_some()));
    // and one org's cross-reference on two candidates
    let orgs = [org("a", &["Alpha"], &[], &[("autotask", "7")])];
    let cands = [cand("1", "Gamma", &[], &[("autotask", "7")]), cand("2", "Delta", &[], &[("autotask", "7")])];
    let p = only(&suggest(&orgs, &cands), "a");
    assert_eq!(p.confidence, Confidence::Medium);
    assert!(p.ambiguous.is_some());
}

#[test]
fn conflicting_evidence_is_ambiguous() {
    let orgs = [org("a", &["Alpha"], &["alpha.com"], &[("autotask", "7")])];
    let cands = [cand("1", "Gamma", &[], &[("autotask", "7")]), cand("2", "Delta", &["alpha.com"], &[])];
    let p = only(&suggest(&orgs, &cands), "a");
    assert_eq!((p.candidate_id.as_str(), p.confidence), ("1", Confidence::Medium));
    assert!(p.ambiguous.as_deref().unwrap().contains("domain alpha.com points to candidate 2"));
}

#[test]
fn candidate_strongly_tied_to_another_org_is_not_high() {
    // org a's name matches candidate 1, whose domain belongs to org b
    let orgs = [org("a", &["Alpha"], &[], &[]), org("b", &["Beta"], &["beta.com"], &[])];
    let cands = [cand("1", "Alpha Ltd", &["beta.com"], &[])];
    let ps = suggest(&orgs, &cands);
    assert!(ps.iter().all(|p| p.confidence != Confidence::High), "{ps:#?}");
}

#[test]
fn contested_name_resolved_by_a_unique_domain() {
    let orgs = [org("a", &["Zarvel"], &["zarvel.com"], &[])];
    let cands = [cand("1", "Zarvel Ltd", &["zarvel.com"], &[]), cand("2", "Zarvel Limited", &[], &[])];
    let p = only(&suggest(&orgs, &cands), "a");
    assert_eq!((p.candidate_id.as_str(), p.method, p.confidence), ("1", Method::Domain, Confidence::High));
}

#[test]
fn keys_held_by_many_are_no_evidence() {
    let orgs: Vec<OrgFacts> = (0..30).map(|i| org(&format!("o{i:02}"), &["N/A"], &["msp.example"], &[])).collect();
    let cands: Vec<Candidate> = (0..30).map(|i| cand(&i.to_string(), "n/a", &["tech@msp.example"], &[])).collect();
    assert!(suggest(&orgs, &cands).is_empty());
}

#[test]
fn contested_names_outrank_a_similar_name() {
    let orgs = [org("a", &["Zarvel Logistics"], &[], &[])];
    let cands = [
        cand("1", "Zarvel Logistics Ltd", &[], &[]),
        cand("2", "Zarvel Logistics Limited", &[], &[]),
        cand("3", "Zarvell Logistics", &[], &[]),
    ];
    let p = only(&suggest(&orgs, &cands), "a");
    assert_eq!((p.method, p.confidence), (Method::NormalisedName, Confidence::Medium));
    assert!(p.ambiguous.is_some());
}

#[test]
fn fuzzy_names_are_never_high() {
    let orgs = [org("a", &["Zarvel Logistics"], &[], &[]), org("b", &["North Star Dental"], &[], &[])];
    let cands = [cand("1", "Zarvell Logistics", &[], &[]), cand("2", "North Star Dental Lab", &[], &[])];
    let ps = suggest(&orgs, &cands);
    let a = only(&ps, "a");
    assert_eq!((a.candidate_id.as_str(), a.method, a.confidence), ("1", Method::FuzzyName, Confidence::Medium));
    if let Some(b) = ps.iter().find(|p| p.org_id == "b") {
        assert_eq!((b.method, b.confidence), (Method::FuzzyName, Confidence::Low));
    }
}

#[test]
fn near_misses_do_not_match_as_names() {
    let orgs = [org("a", &["Acme Corp"], &[], &[]), org("b", &["North Star Dental"], &[], &[])];
    let cands = [cand("1", "Acme Capital", &[], &[]), cand("2", "North Star Dental Lab", &[], &[])];
    assert!(suggest(&orgs, &cands).iter().all(|p| p.method == Method::FuzzyName && p.confidence != Confidence::High));
}

#[test]
fn orgs_without_evidence_get_nothing_and_output_is_ordered() {
    let orgs =
        [org("z", &["Zeta Works"], &[], &[]), org("m", &["Unrelated"], &[], &[]), org("a", &["Alpha"], &[], &[])];
    let cands = [cand("2", "Zeta Works", &[], &[]), cand("1", "Alpha", &[], &[])];
    let ids: Vec<String> = suggest(&orgs, &cands).into_iter().map(|p| p.org_id).collect();
    assert_eq!(ids, ["a", "z"]);
}

#[test]
fn serialises_in_snake_case() {
    let p = suggest(&[org("a", &["Alpha"], &[], &[])], &[cand("1", "Alpha", &[], &[])]);
    let json = serde_json::to_value(&p[0]).unwrap();
    assert_eq!(json["method"], "normalised_name");
    assert_eq!(json["confidence"], "high");
}

#[test]
fn corpus_zero_wrong_high_and_recall() {
    for seed in [7, 2026] {
        let corpus = Corpus::generate(seed, 3_000);
        assert!(corpus.truth.len() >= 2_000, "{} pairs", corpus.truth.len());
        let first = suggest(&corpus.orgs, &corpus.candidates);
        assert_eq!(first, suggest(&corpus.orgs, &corpus.candidates), "deterministic");
        let score = corpus.score(&first);
        assert!(
            score.wrong_high.is_empty(),
            "wrong at high: {:?}",
            &score.wrong_high[..score.wrong_high.len().min(10)]
        );
        assert!(score.ambiguous_high.is_empty(), "ambiguous at high: {:?}", score.ambiguous_high);
        assert!(score.high_recall() >= 0.9, "high recall {:.3} ({:?})", score.high_recall(), score.strong);
        for org_id in &corpus.ambiguous {
            let p = first.iter().find(|p| &p.org_id == org_id).expect("ambiguous cases have evidence");
            assert!(p.ambiguous.is_some(), "{org_id} not reported ambiguous");
        }
        let mut high = std::collections::HashSet::new();
        for p in first.iter().filter(|p| p.confidence == Confidence::High) {
            assert!(high.insert(&p.candidate_id), "candidate {} is high for two organizations", p.candidate_id);
            assert!(p.ambiguous.is_none());
        }
    }
}
