//! Profile resolution of the NIST SP 800-53 rev5 baselines and FedRAMP MODERATE against the
//! 5.0.1 catalog in the test data (the profiles are 5.1.1; see docs/oscal.md for the
//! reconciliation), plus the selection rules on small hand-built profiles.

use std::collections::BTreeSet;

use probity_oscal::model::Catalog;
use probity_oscal::resolve::{Resolution, Sources, Stamp, resolve_file};
use probity_oscal::{Document, import};

use super::{NIST_CATALOG_RLINK, NIST_CATALOG_URL, bytes, schemas, testdata};

fn stamp() -> Stamp {
    Stamp::fresh(chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap())
}

fn nist_sources() -> Sources {
    let catalog = testdata("nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json");
    Sources::new()
        .map(NIST_CATALOG_RLINK, catalog.clone())
        .map(NIST_CATALOG_URL, catalog)
}

fn resolve(rel: &str) -> Resolution {
    resolve_file(&testdata(rel), &nist_sources(), &stamp()).unwrap()
}

fn ids(catalog: &Catalog) -> BTreeSet<String> {
    catalog
        .all_controls()
        .iter()
        .map(|c| c.id.clone())
        .collect()
}

/// The resolved catalog passes the 1.2.3 schema and our own checks.
fn assert_valid(catalog: &Catalog) {
    let text = Document::Catalog(Box::new(catalog.clone()))
        .to_json_pretty()
        .unwrap();
    let report = probity_oscal::validate::validate(text.as_bytes(), Some(schemas())).unwrap();
    let shown: Vec<String> = report
        .issues
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect();
    assert!(
        report.is_valid(),
        "{} findings: {shown:?}",
        report.issues.len()
    );
}

#[test]
fn nist_baselines_resolve_to_their_documented_counts() {
    for (level, want) in [
        ("LOW", 149),
        ("MODERATE", 287),
        ("HIGH", 370),
        ("PRIVACY", 96),
    ] {
        let r = resolve(&format!(
            "nist-800-53-rev5/NIST_SP-800-53_rev5_{level}-baseline_profile.json"
        ));
        assert_eq!(r.report.selected, want, "{level} selected");
        assert!(
            r.report.missing_ids.is_empty(),
            "{level}: {:?}",
            r.report.missing_ids
        );
        let kept = r.catalog.counts().controls;
        assert_eq!(
            kept,
            want + r.report.structural_parents.len(),
            "{level}: selected controls plus the parents kept for structure"
        );
        assert_valid(&r.catalog);
    }
}

#[test]
fn privacy_keeps_six_unselected_parents_for_its_enhancements() {
    let r = resolve("nist-800-53-rev5/NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json");
    let parents: BTreeSet<&str> = r
        .report
        .structural_parents
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        parents,
        BTreeSet::from(["ac-3", "au-3", "pe-8", "pm-5", "sa-8", "sc-7"])
    );
}

#[test]
fn moderate_selects_the_same_ids_as_nists_own_resolved_catalog() {
    let ours = resolve("nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json");
    let Document::Catalog(theirs) = import(&bytes(
        "nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
    ))
    .unwrap() else {
        panic!("not a catalog")
    };
    assert_eq!(ids(&ours.catalog), ids(&theirs));
    // Same family layout: the groups that hold a selected control, in catalog order.
    let groups = |c: &Catalog| c.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    assert_eq!(groups(&ours.catalog), groups(&theirs));
}

#[test]
fn fedramp_moderate_resolves_through_the_url_mapping() {
    let r = resolve("fedramp-rev5/FedRAMP_rev5_MODERATE-baseline_profile.json");
    assert_eq!(r.report.selected, 323);
    let counts = r.catalog.counts();
    assert_eq!(counts.controls, 323);
    assert!(r.report.structural_parents.is_empty());
    // The profile is written against 5.1.1: 215 of its 236 set-parameters use the 5.1.1
    // parameter ids (`ac-01_odp.05`) that the 5.0.1 catalog lacks, and 1,004 of its 1,856
    // additions target 800-53A objective parts (`ac-1_obj.a-1`) that 5.0.1 does not carry.
    assert_eq!(r.report.unknown_params.len(), 215);
    assert!(r.report.unknown_params.contains(&"ac-01_odp.05".to_owned()));
    assert_eq!(r.report.unmatched_alters.len(), 1004);
    assert!(
        r.report
            .unmatched_alters
            .contains(&"ac-1#ac-1_obj.a-1".to_owned())
    );
    let control = |id: &str| {
        r.catalog
            .all_controls()
            .into_iter()
            .find(|c| c.id == id)
            .cloned()
            .unwrap()
    };
    // One of the 21 parameters both versions share got its FedRAMP constraint.
    let at2 = control("at-2");
    let param = at2.params.iter().find(|p| p.id == "at-2_prm_1").unwrap();
    assert_eq!(
        param.constraints.last().unwrap()["description"],
        "at least annually"
    );
    // An addition to the control itself (`by-id` = its own id, `starting`) landed first.
    let ac2 = control("ac-2");
    assert_eq!(ac2.props[0].name, "CORE");
    assert_eq!(
        ac2.props[0].ns.as_deref(),
        Some("https://fedramp.gov/ns/oscal")
    );
    assert_valid(&r.catalog);
}

#[test]
fn an_unmapped_url_import_says_how_to_map_it() {
    let err = resolve_file(
        &testdata("fedramp-rev5/FedRAMP_rev5_MODERATE-baseline_profile.json"),
        &Sources::new(),
        &stamp(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("does not fetch remote documents"), "{err}");
    assert!(err.contains("--catalog"), "{err}");
}

/// A profile next to a catalog copy, importing it by relative href, with every selection
/// and tailoring rule in play.
#[test]
fn relative_imports_patterns_exclusions_and_alters() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("cat")).unwrap();
    std::fs::copy(
        testdata("nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json"),
        dir.path().join("cat/catalog.json"),
    )
    .unwrap();
    let profile = serde_json::json!({
        "profile": {
            "uuid": "4b7a2a8e-6f0a-4d0e-9b5e-1f6c1f1a0a01",
            "metadata": {
                "title": "Test profile", "last-modified": "2026-11-23T00:00:00Z",
                "version": "1", "oscal-version": "1.2.3"
            },
            "imports": [{
                "href": "cat/catalog.json",
                "include-controls": [
                    { "with-ids": ["ac-2"], "with-child-controls": "yes" },
                    { "matching": [{ "pattern": "au-1?" }] }
                ],
                "exclude-controls": [{ "with-ids": ["ac-2.13"] }]
            }],
            "merge": { "as-is": true },
            "modify": {
                "set-parameters": [{ "param-id": "ac-2_prm_1", "values": ["every day"] }],
                "alters": [{
                    "control-id": "ac-2",
                    "removes": [{ "by-name": "guidance" }],
                    "adds": [
                        { "position": "ending", "props": [{ "name": "priority", "value": "p1" }] },
                        { "position": "after", "by-id": "ac-2_smt",
                          "parts": [{ "id": "ac-2_ours", "name": "guidance", "prose": "Our note." }] }
                    ]
                }]
            }
        }
    });
    let path = dir.path().join("profile.json");
    std::fs::write(&path, serde_json::to_vec(&profile).unwrap()).unwrap();
    let r = resolve_file(&path, &Sources::new(), &stamp()).unwrap();
    let got = ids(&r.catalog);
    // ac-2 and its 13 enhancements minus ac-2.13; au-10..au-16.
    assert!(got.contains("ac-2") && got.contains("ac-2.12") && !got.contains("ac-2.13"));
    let au: Vec<_> = got.iter().filter(|i| i.starts_with("au-")).collect();
    assert_eq!(
        au,
        [
            "au-10", "au-11", "au-12", "au-13", "au-14", "au-15", "au-16"
        ]
    );
    assert_eq!(
        r.report.selected,
        13 + 7,
        "ac-2 with 12 of its 13 enhancements, au-10..16"
    );
    let ac2 = r
        .catalog
        .all_controls()
        .into_iter()
        .find(|c| c.id == "ac-2")
        .unwrap();
    assert!(ac2.props.last().is_some_and(|p| p.name == "priority"));
    let names: Vec<&str> = ac2.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["statement", "guidance"],
        "NIST guidance removed, ours added after the statement"
    );
    assert_eq!(ac2.parts[1].id.as_deref(), Some("ac-2_ours"));
    let param = ac2.params.iter().find(|p| p.id == "ac-2_prm_1").unwrap();
    assert_eq!(param.values, ["every day"]);
    assert!(r.report.unknown_params.is_empty() && r.report.unmatched_alters.is_empty());
    assert_valid(&r.catalog);
}
