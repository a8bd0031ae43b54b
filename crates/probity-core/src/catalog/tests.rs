//! Unit tests: the shipped content's counts and references, and the coverage, comparison and
//! diff rules on a small hand-written catalog.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::coverage::{self, Coverage, TenantView};
use super::diff::{self, ChangeKind};
use super::*;

fn shipped() -> &'static Catalog {
    Catalog::shipped().unwrap_or_else(|e| panic!("{e}"))
}

fn assessable(id: &str, prefix: &str) -> usize {
    shipped()
        .framework(id)
        .unwrap_or_else(|| panic!("{id} is shipped"))
        .requirements
        .iter()
        .filter(|r| r.assessable && r.id.starts_with(prefix))
        .count()
}

#[test]
fn shipped_catalogs_have_the_published_counts() {
    assert_eq!(assessable("iso27001-2022", "A."), 93);
    assert_eq!(assessable("iso27001-2013", "A."), 114);
    assert_eq!(assessable("soc2-2017", ""), 61);
    assert_eq!(assessable("nist-csf-2", ""), 106);
    let nist = shipped().framework("nist-800-53-r5").unwrap();
    let controls: Vec<&Requirement> = nist
        .requirements
        .iter()
        .filter(|r| r.parent.is_some())
        .collect();
    assert_eq!(controls.len(), 1189, "322 controls + 867 enhancements");
    assert_eq!(controls.iter().filter(|r| r.withdrawn).count(), 182);
    assert_eq!(
        nist.requirements.iter().filter(|r| r.depth == 0).count(),
        20,
        "families"
    );
    for (id, n) in [
        ("nist-800-53-r5-low", 149),
        ("nist-800-53-r5-moderate", 287),
        ("nist-800-53-r5-high", 370),
        ("nist-800-53-r5-privacy", 96),
        ("fedramp-r5-low", 156),
        ("fedramp-r5-moderate", 323),
        ("fedramp-r5-high", 410),
    ] {
        assert_eq!(
            shipped().baseline(id).unwrap().requirements.len(),
            n,
            "{id}"
        );
    }
    let hipaa = shipped().framework("hipaa-security").unwrap();
    let labelled = |l: &str| {
        hipaa
            .requirements
            .iter()
            .filter(|r| r.labels.iter().any(|x| x == l))
            .count()
    };
    assert!(labelled("required") > 0 && labelled("addressable") > 0);
    assert!(
        assessable("pci-dss-4", "") >= 200,
        "PCI DSS defined requirements"
    );
    assert_eq!(
        shipped()
            .framework("gdpr")
            .unwrap()
            .requirements
            .iter()
            .filter(|r| r.id.starts_with("Art."))
            .count(),
        99
    );
}

#[test]
fn every_framework_is_mapped_and_the_library_is_sized() {
    let cat = shipped();
    let n = cat.controls().len();
    assert!(
        (100..=170).contains(&n),
        "{n} unified controls: roughly 100 to 150"
    );
    for fw in cat.frameworks() {
        let s = cat.summary(fw);
        assert!(s.mapped > 0, "{} has no mappings", fw.info.id);
    }
    for c in cat.controls() {
        assert!(
            cat.mappings_of_control(&c.id).next().is_some(),
            "{} maps to nothing",
            c.id
        );
    }
    // Withdrawn 800-53 rows are never mapped.
    for l in cat
        .links()
        .iter()
        .filter(|l| l.to_framework == "nist-800-53-r5")
    {
        assert!(
            !cat.requirement("nist-800-53-r5", &l.to).unwrap().withdrawn,
            "{} is withdrawn",
            l.to
        );
    }
    assert!(cat.has_crosswalk("iso27001-2013", "iso27001-2022"));
}

const FIXTURE_A: &str = r#"
[framework]
id = "fa"
name = "A"
version = "1"
publisher = "p"
licence = "l"
source = "s"
[framework.expect]
requirements = 4
[[requirement]]
id = "1"
title = "Group"
assessable = false
[[requirement]]
id = "1.1"
parent = "1"
title = "Access policy"
assessable = true
[[requirement]]
id = "1.2"
parent = "1"
title = "Access reviews"
assessable = true
[[requirement]]
id = "1.3"
parent = "1"
title = "Old thing"
assessable = true
"#;

const FIXTURE_B: &str = r#"
[framework]
id = "fb"
name = "B"
version = "2"
publisher = "p"
licence = "l"
source = "s"
[framework.expect]
requirements = 5
assessable = 4
[[requirement]]
id = "X"
title = "Group"
assessable = false
[[requirement]]
id = "X.1"
parent = "X"
title = "Access policy and reviews"
assessable = true
[[requirement]]
id = "X.2"
parent = "X"
title = "Encryption"
assessable = true
[[requirement]]
id = "X.3"
parent = "X"
title = "Logging"
assessable = true
[[requirement]]
id = "X.4"
parent = "X"
title = "Brand new"
assessable = true
"#;

const CONTROLS: &str = r#"
[[family]]
id = "IAM"
title = "Identity"
[[control]]
id = "IAM-01"
family = "IAM"
title = "Access policy"
summary = "s"
[[control]]
id = "IAM-02"
family = "IAM"
title = "Access reviews"
summary = "s"
[[control]]
id = "IAM-03"
family = "IAM"
title = "Encrypt"
summary = "s"
"#;

const MAP_B: &str = r#"
framework = "fb"
[[map]]
control = "IAM-01"
requirement = "X.1"
relationship = "subset_of"
rationale = "policy is half of X.1"
[[map]]
control = "IAM-03"
requirement = "X.2"
relationship = "equal"
rationale = "same"
[[map]]
control = "IAM-02"
requirement = "X.3"
relationship = "intersects_with"
rationale = "reviews touch logging"
"#;

const MAP_A: &str = r#"
framework = "fa"
[[map]]
control = "IAM-03"
requirement = "1.2"
relationship = "subset_of"
rationale = "part of it"
"#;

const WALK: &str = r#"
from = "fa"
to = "fb"
[[link]]
from = "1.1"
to = "X.1"
relationship = "subset_of"
rationale = "merged"
[[link]]
from = "1.2"
to = "X.1"
relationship = "subset_of"
rationale = "merged"
"#;

fn fixture(with_walk: bool) -> Catalog {
    let mut files = vec![
        ("frameworks/fa.toml", FIXTURE_A),
        ("frameworks/fb.toml", FIXTURE_B),
        ("controls.toml", CONTROLS),
        ("mappings/fa.toml", MAP_A),
        ("mappings/fb.toml", MAP_B),
    ];
    if with_walk {
        files.push(("crosswalks/fa__fb.toml", WALK));
    }
    Catalog::load(&files).unwrap_or_else(|e| panic!("{e}"))
}

fn coverage_of(cat: &Catalog, view: &TenantView) -> Vec<(String, Coverage)> {
    coverage::framework_coverage(cat, cat.framework("fb").unwrap(), None, view)
        .into_iter()
        .map(|r| (r.requirement, r.coverage))
        .collect()
}

fn state(control: &str, status: ImplementationStatus) -> ControlState {
    ControlState {
        tenant_id: crate::platform::TenantId::new(),
        control_id: control.into(),
        status,
        owner: None,
        note: None,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        updated_by: None,
    }
}

fn decision(link: &Link, outcome: DecisionOutcome) -> LinkDecision {
    LinkDecision {
        id: DecisionId::new(),
        tenant_id: crate::platform::TenantId::new(),
        link: link.clone(),
        outcome,
        rationale: "reviewed".into(),
        decided_by: None,
        decided_at: chrono::DateTime::UNIX_EPOCH,
    }
}

#[test]
fn coverage_flows_along_containment_and_intersections_need_a_decision() {
    use Coverage::*;
    use ImplementationStatus as S;
    let cat = fixture(false);
    let none = TenantView::default();
    assert!(
        coverage_of(&cat, &none)
            .iter()
            .all(|(_, c)| *c == NotCovered)
    );

    let states = [
        state("IAM-01", S::Implemented),
        state("IAM-02", S::Implemented),
        state("IAM-03", S::PartiallyImplemented),
    ];
    let view = TenantView::new(&states, &[]);
    let got = coverage_of(&cat, &view);
    assert_eq!(
        got,
        vec![
            ("X.1".into(), Partial),    // subset_of: part of it
            ("X.2".into(), Partial),    // equal, but the control is only partly in place
            ("X.3".into(), NotCovered), // intersects_with without a decision
            ("X.4".into(), NotCovered), // nothing maps to it
        ]
    );
    let report = coverage::framework_coverage(&cat, cat.framework("fb").unwrap(), None, &view);
    assert_eq!(report[2].undecided.len(), 1, "the undecided link is listed");
    assert_eq!(report[1].reasons[0].control.as_deref(), Some("IAM-03"));
    assert_eq!(
        report[1].reasons[0].control_status,
        Some(S::PartiallyImplemented)
    );

    let walk = cat
        .links()
        .iter()
        .find(|l| l.relationship == Relationship::IntersectsWith)
        .unwrap();
    for (outcome, want) in [
        (DecisionOutcome::Covers, Covered),
        (DecisionOutcome::PartiallyCovers, Partial),
        (DecisionOutcome::DoesNotCover, NotCovered),
    ] {
        let decided = TenantView::new(&states, &[decision(walk, outcome)]);
        let r =
            &coverage::framework_coverage(&cat, cat.framework("fb").unwrap(), None, &decided)[2];
        assert_eq!(r.coverage, want, "{outcome:?}");
        assert!(r.undecided.is_empty());
        assert!(r.reasons.iter().all(|x| x.decision.is_some()));
    }

    // A decision binds to the link's hash: a changed rationale makes it a different link.
    let mut stale = walk.clone();
    stale.hash = catalog_hash_with_rationale(walk, "a different reading");
    let decided = TenantView::new(&states, &[decision(&stale, DecisionOutcome::Covers)]);
    assert_eq!(coverage_of(&cat, &decided)[2].1, NotCovered);

    // Not applicable: every control mapped to the requirement is.
    let na = TenantView::new(&[state("IAM-03", S::NotApplicable)], &[]);
    assert_eq!(coverage_of(&cat, &na)[1].1, NotApplicable);
    let totals = coverage::coverage_report(&cat, cat.framework("fb").unwrap(), None, &view).totals;
    assert_eq!(
        (totals.requirements, totals.covered, totals.partial),
        (4, 0, 2)
    );
    assert!((totals.percent - 25.0).abs() < 1e-9, "{}", totals.percent);
}

fn catalog_hash_with_rationale(l: &Link, rationale: &str) -> String {
    let h = content::link_hash(
        l.kind,
        l.from_framework.as_deref(),
        &l.from,
        &l.to_framework,
        &l.to,
        l.relationship,
        rationale,
    );
    assert_ne!(h, l.hash);
    h
}

#[test]
fn comparison_uses_crosswalks_and_shared_controls() {
    let cat = fixture(true);
    let (a, b) = (cat.framework("fa").unwrap(), cat.framework("fb").unwrap());
    let c = coverage::compare(&cat, a, b, &TenantView::default());
    let by: Vec<(&str, Coverage)> = c
        .requirements
        .iter()
        .map(|r| (r.requirement.as_str(), r.coverage))
        .collect();
    // X.1: fa 1.1 and 1.2 are each a subset of X.1 → partial. X.2: fa 1.2 includes IAM-03
    // (IAM-03 subset_of 1.2), and IAM-03 equals X.2 → covered. X.3: only an intersection.
    assert_eq!(
        by,
        vec![
            ("X.1", Coverage::Partial),
            ("X.2", Coverage::Covered),
            ("X.3", Coverage::NotCovered),
            ("X.4", Coverage::NotCovered)
        ]
    );
    assert_eq!(
        c.requirements[1].reasons[0].control.as_deref(),
        Some("IAM-03")
    );
    assert_eq!(c.requirements[1].reasons[0].via.as_deref(), Some("fa:1.2"));
    // Read the other way, subset_of becomes superset_of: meeting X.1 covers 1.1 and 1.2.
    let back = coverage::compare(&cat, b, a, &TenantView::default());
    let covered: Vec<&str> = back
        .requirements
        .iter()
        .filter(|r| r.coverage == Coverage::Covered)
        .map(|r| r.requirement.as_str())
        .collect();
    assert_eq!(covered, vec!["1.1", "1.2"]);
    assert_eq!(coverage::matrix(&cat, &TenantView::default()).len(), 2);
}

#[test]
fn diff_by_crosswalk_and_by_id() {
    let cat = fixture(true);
    let (a, b) = (cat.framework("fa").unwrap(), cat.framework("fb").unwrap());
    let d = diff::diff(&cat, a.into(), b.into());
    assert_eq!(d.method, "crosswalk");
    let kinds: Vec<(ChangeKind, Option<&str>, Vec<&str>)> = d
        .changes
        .iter()
        .map(|c| {
            (
                c.kind,
                c.old_id.as_deref(),
                c.new_ids.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ChangeKind::Added, None, vec!["X.2"]),
            (ChangeKind::Added, None, vec!["X.3"]),
            (ChangeKind::Added, None, vec!["X.4"]),
            (ChangeKind::Removed, Some("1.3"), vec![]),
            (ChangeKind::Changed, Some("1.1"), vec!["X.1"]),
            (ChangeKind::Changed, Some("1.2"), vec!["X.1"]),
        ]
    );
    assert!(d.changes[4].detail.starts_with("merged into X.1"));
    assert_eq!(d.affected_controls, vec!["IAM-01", "IAM-02", "IAM-03"]);

    // Same ids: renamed, moved, withdrawn.
    let mut newer = a.clone();
    newer.requirements[1].title = "Access control policy".into();
    newer.requirements[2].parent = None;
    newer.requirements[3].withdrawn = true;
    newer.requirements[3].withdrawn_to = vec!["1.1".into()];
    let d = diff::diff(
        &cat,
        diff::Side {
            id: "fa",
            requirements: &a.requirements,
        },
        diff::Side {
            id: "fa-next",
            requirements: &newer.requirements,
        },
    );
    assert_eq!(d.method, "id");
    let kinds: Vec<(ChangeKind, &str)> = d
        .changes
        .iter()
        .map(|c| (c.kind, c.old_id.as_deref().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ChangeKind::Removed, "1.3"),
            (ChangeKind::Renamed, "1.1"),
            (ChangeKind::Moved, "1.2")
        ]
    );
}

#[test]
fn iso_2013_to_2022_diff_finds_the_new_controls() {
    let cat = shipped();
    let d = diff::diff(
        cat,
        cat.framework("iso27001-2013").unwrap().into(),
        cat.framework("iso27001-2022").unwrap().into(),
    );
    assert_eq!(d.method, "crosswalk");
    let added: Vec<&str> = d
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Added)
        .flat_map(|c| c.new_ids.iter().map(String::as_str))
        .collect();
    // The eleven controls new in 2022.
    for id in [
        "A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12", "A.8.16",
        "A.8.23", "A.8.28",
    ] {
        assert!(added.contains(&id), "{id} not reported as added: {added:?}");
    }
    assert_eq!(added.len(), 11, "{added:?}");
    assert!(
        d.out_of_scope > 0,
        "clauses 4-10 have no 2013 counterpart in the shipped files"
    );
    assert!(!d.affected_controls.is_empty());
}

#[test]
fn bad_content_is_rejected_with_the_file_named() {
    let bad_parent = FIXTURE_A.replace(
        "parent = \"1\"\ntitle = \"Access policy\"",
        "parent = \"9\"\ntitle = \"Access policy\"",
    );
    let e = Catalog::load(&[("frameworks/fa.toml", bad_parent.as_str())]).unwrap_err();
    assert_eq!(e.file, "frameworks/fa.toml");
    assert!(e.message.contains("parent 9"), "{e}");
    let e = Catalog::load(&[(
        "frameworks/fa.toml",
        &FIXTURE_A.replace("requirements = 4", "requirements = 5"),
    )])
    .unwrap_err();
    assert!(e.message.contains("declares 5"), "{e}");
    let e = Catalog::load(&[
        ("frameworks/fb.toml", FIXTURE_B),
        ("controls.toml", CONTROLS),
        (
            "mappings/fb.toml",
            &MAP_B.replace("relationship = \"equal\"", "relationship = \"same\""),
        ),
    ])
    .unwrap_err();
    assert_eq!(e.file, "mappings/fb.toml");
}

#[test]
fn oscal_catalogs_become_frameworks_by_their_canonical_labels() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal/nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json");
    let bytes = std::fs::read(path).unwrap();
    let parsed = oscal::parse(&bytes, None, chrono::DateTime::UNIX_EPOCH).unwrap();
    let fw = oscal::framework_from_catalog("import:x", parsed.catalog.as_ref().unwrap(), "l");
    let ids: Vec<&str> = fw.requirements.iter().map(|r| r.id.as_str()).collect();
    assert!(
        ids.contains(&"AC-2") && ids.contains(&"AC-2(1)"),
        "{:?}",
        &ids[..10]
    );
    let ac2 = fw.requirements.iter().find(|r| r.id == "AC-2").unwrap();
    assert_eq!(ac2.parent.as_deref(), Some("AC"));
    assert!(
        ac2.text.as_deref().unwrap().contains("account"),
        "{:?}",
        ac2.text
    );
}

#[test]
fn matrix_totals_match_the_explained_comparison() {
    let cat = shipped();
    let view = TenantView::default();
    let cells = coverage::matrix(cat, &view);
    assert_eq!(cells.len(), 9 * 8);
    for cell in &cells {
        let full = coverage::compare(
            cat,
            cat.framework(&cell.from).unwrap(),
            cat.framework(&cell.to).unwrap(),
            &view,
        );
        assert_eq!(cell.totals, full.totals, "{} -> {}", cell.from, cell.to);
    }
    assert!(
        cells.iter().any(|c| c.totals.covered > 0),
        "some framework carries over to another"
    );
}
