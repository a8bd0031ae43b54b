//! The SP 800-53 rev5 catalog (5.0.1): counts, lossless round trip, validation.

use probity_oscal::{Document, Model, import, parse_json};

use super::{bytes, schemas};

const CATALOG: &str = "nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json";

#[test]
fn imports_the_800_53_catalog_with_its_counts() {
    let Document::Catalog(catalog) = import(&bytes(CATALOG)).unwrap() else {
        panic!("not a catalog");
    };
    let n = catalog.counts();
    assert_eq!(n.groups, 20, "families");
    assert_eq!(n.top_level, 322, "base controls");
    assert_eq!(n.enhancements, 867, "enhancements");
    assert_eq!(n.controls, 1189, "controls + enhancements");
    assert_eq!(n.withdrawn, 182, "withdrawn");
    assert_eq!(catalog.metadata.version, "5.0.1");
    assert_eq!(catalog.metadata.oscal_version, "1.0.0");
}

#[test]
fn catalogs_round_trip_without_losing_fields() {
    for file in [
        CATALOG,
        "nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
        "examples/basic-catalog.json",
    ] {
        let original = parse_json(&bytes(file)).unwrap();
        let doc = probity_oscal::parse_document(&original).unwrap();
        assert_eq!(doc.model(), Model::Catalog);
        let exported = doc.to_value().unwrap();
        assert_eq!(exported, original, "{file} changed in the round trip");
        let again = probity_oscal::parse_document(&exported).unwrap();
        assert_eq!(again, doc, "{file} re-import differs");
    }
}

#[test]
fn the_current_format_catalogs_pass_the_1_2_3_schema_and_our_checks() {
    for file in [
        "nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
        "examples/basic-catalog.json",
    ] {
        let report = probity_oscal::validate::validate(&bytes(file), Some(schemas())).unwrap();
        let shown: Vec<String> = report
            .issues
            .iter()
            .take(5)
            .map(ToString::to_string)
            .collect();
        assert!(report.is_valid(), "{file}: {shown:?}");
    }
}

#[test]
fn duplicate_control_ids_are_reported_with_both_places() {
    let mut value = parse_json(&bytes(CATALOG)).unwrap();
    let first = value["catalog"]["groups"][0]["controls"][0]["id"].clone();
    value["catalog"]["groups"][0]["controls"][1]["id"] = first.clone();
    let report = probity_oscal::validate::validate_value(&value, None).unwrap();
    let dup: Vec<_> = report
        .issues
        .iter()
        .filter(|i| i.message.contains("control id"))
        .collect();
    assert_eq!(dup.len(), 1, "{:?}", report.issues);
    assert_eq!(dup[0].pointer, "/catalog/groups/0/controls/1/id");
    assert!(dup[0].message.contains("/catalog/groups/0/controls/0/id"));
}
