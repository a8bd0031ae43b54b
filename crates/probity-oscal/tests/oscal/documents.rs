//! Every published example document: lossless round trips, the known defects of the test data
//! detected, and bad input rejected as a whole with path-level findings.

use probity_oscal::validate::{SchemaLayer, validate, validate_value};
use probity_oscal::{Layer, Model, import, parse_document, parse_json};

use super::{bytes, schemas};

const EXAMPLES: [(&str, Model); 16] = [
    (
        "examples/example-component-definition.json",
        Model::ComponentDefinition,
    ),
    (
        "examples/ifa_assessment-plan-example.json",
        Model::AssessmentPlan,
    ),
    (
        "examples/ifa_assessment-results-example.json",
        Model::AssessmentResults,
    ),
    (
        "examples/ifa_plan-of-action-and-milestones.json",
        Model::PlanOfActionAndMilestones,
    ),
    ("examples/ifa_ssp-example.json", Model::SystemSecurityPlan),
    (
        "examples/oscal_leveraged-example_ssp.json",
        Model::SystemSecurityPlan,
    ),
    (
        "examples/oscal_leveraging-example_ssp.json",
        Model::SystemSecurityPlan,
    ),
    ("examples/ssp-example.json", Model::SystemSecurityPlan),
    (
        "examples/tool-generated/complytime-demo_assessment-plan.json",
        Model::AssessmentPlan,
    ),
    (
        "fedramp-rev5/FedRAMP-POAM-OSCAL-Template.json",
        Model::PlanOfActionAndMilestones,
    ),
    (
        "fedramp-rev5/FedRAMP-SAP-OSCAL-Template.json",
        Model::AssessmentPlan,
    ),
    (
        "fedramp-rev5/FedRAMP-SAR-OSCAL-Template.json",
        Model::AssessmentResults,
    ),
    (
        "fedramp-rev5/FedRAMP-SSP-OSCAL-Template.json",
        Model::SystemSecurityPlan,
    ),
    (
        "fedramp-rev5/FedRAMP_rev5_MODERATE-baseline_profile.json",
        Model::Profile,
    ),
    (
        "nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
        Model::Profile,
    ),
    (
        "handmade/mapping-collection-minimal.json",
        Model::MappingCollection,
    ),
];

#[test]
fn every_example_round_trips_without_losing_fields() {
    for (file, model) in EXAMPLES {
        let original = parse_json(&bytes(file)).unwrap();
        let doc = parse_document(&original).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(doc.model(), model, "{file}");
        let exported = doc.to_value().unwrap();
        assert_eq!(exported, original, "{file} changed in the round trip");
        assert_eq!(parse_document(&exported).unwrap(), doc, "{file}");
    }
}

#[test]
fn the_nist_examples_import_cleanly() {
    for file in [
        "examples/ifa_ssp-example.json",
        "examples/ifa_assessment-plan-example.json",
        "examples/ifa_assessment-results-example.json",
        "examples/ifa_plan-of-action-and-milestones.json",
        "examples/oscal_leveraged-example_ssp.json",
        "examples/oscal_leveraging-example_ssp.json",
        "handmade/mapping-collection-minimal.json",
    ] {
        import(&bytes(file)).unwrap_or_else(|e| panic!("{file}: {:?}", e.issues));
        let report = validate(&bytes(file), Some(schemas())).unwrap();
        assert!(report.is_valid(), "{file}: {:?}", report.issues);
    }
}

fn consistency(file: &str) -> Vec<String> {
    let report = validate(&bytes(file), None).unwrap();
    assert_eq!(report.schema, SchemaLayer::Skipped);
    report
        .issues
        .iter()
        .filter(|i| i.layer == Layer::Consistency)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn fedramp_ssp_duplicated_uuids_are_found() {
    let found = consistency("fedramp-rev5/FedRAMP-SSP-OSCAL-Template.json");
    let dups: Vec<&String> = found
        .iter()
        .filter(|m| m.contains("is already used"))
        .collect();
    // Three duplicated object uuids (components 5/14, component 12 vs a by-component,
    // statement vs its by-component) plus one prop uuid repeated in two revisions.
    assert_eq!(dups.len(), 4, "{dups:#?}");
    for uuid in [
        "2812ef51-61e7-4505-afbb-da5a073a2a5b",
        "fa90644a-8bf8-47da-b0d3-82bffc708afc",
        "ea3cc181-1a55-4350-94a6-faf42f003045",
        "528974e9-fcde-494f-a2fa-35d6f1e31171",
    ] {
        assert!(dups.iter().any(|m| m.contains(uuid)), "{uuid} missing");
    }
    assert!(
        import(&bytes("fedramp-rev5/FedRAMP-SSP-OSCAL-Template.json")).is_err(),
        "rejected as a whole"
    );
}

#[test]
fn component_definition_repeated_uuid_is_found() {
    let found = consistency("examples/example-component-definition.json");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with(
        "/component-definition/components/0/control-implementations/0/implemented-requirements/1/statements/0/uuid: uuid bb9219b1-e51c-4680-abb0-616a43bbfbb1 is already used at /component-definition/components/0/control-implementations/0/implemented-requirements/0/statements/0/uuid"
    ), "{found:?}");
}

#[test]
fn fedramp_sap_and_sar_empty_titles_fail_the_1_2_3_schema() {
    for file in [
        "fedramp-rev5/FedRAMP-SAP-OSCAL-Template.json",
        "fedramp-rev5/FedRAMP-SAR-OSCAL-Template.json",
    ] {
        let report = validate(&bytes(file), Some(schemas())).unwrap();
        let schema: Vec<_> = report
            .issues
            .iter()
            .filter(|i| i.layer == Layer::Schema)
            .collect();
        assert!(
            schema
                .iter()
                .any(|i| i.pointer.ends_with("/title") && i.message.starts_with("\"\"")),
            "{file}: {schema:#?}"
        );
    }
}

#[test]
fn dangling_back_matter_references_are_found() {
    // ssp-example links three components to a resource its back-matter does not have.
    let found = consistency("examples/ssp-example.json");
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found.iter().all(|m| {
        m.contains("#795533ab-9427-4abe-820f-0b571bacfe6d names no back-matter resource")
    }));
}

#[test]
fn malformed_json_is_one_syntax_finding_with_line_and_column() {
    let err = import(b"{\"catalog\": {\"uuid\": }").unwrap_err();
    assert_eq!(err.issues.len(), 1);
    assert_eq!(err.issues[0].layer, Layer::Syntax);
    assert!(err.issues[0].message.contains("line 1 column"), "{err}");
}

#[test]
fn unknown_versions_and_roots_are_rejected() {
    let mut value = parse_json(&bytes("examples/ifa_ssp-example.json")).unwrap();
    value["system-security-plan"]["metadata"]["oscal-version"] = "2.0.0".into();
    let err = import(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(
        err.issues.iter().any(
            |i| i.pointer == "/system-security-plan/metadata/oscal-version"
                && i.message.contains("unsupported OSCAL version \"2.0.0\"")
        ),
        "{:?}",
        err.issues
    );

    let err = import(br#"{"not-oscal": {}}"#).unwrap_err();
    assert_eq!(err.issues[0].pointer, "/not-oscal");
    assert!(err.issues[0].message.contains("unknown root key"));
}

#[test]
fn an_inconsistent_document_is_rejected_with_every_finding_sorted() {
    let mut value = parse_json(&bytes("examples/ifa_ssp-example.json")).unwrap();
    let ssp = &mut value["system-security-plan"];
    let root_uuid = ssp["uuid"].clone();
    ssp["system-implementation"]["components"][0]["uuid"] = root_uuid;
    ssp["metadata"]["responsible-parties"] = serde_json::json!([
        { "role-id": "nobody-defined-this", "party-uuids": ["0b6f1d2e-6a43-4c55-9f4e-2d7f0f0a1c99"] }
    ]);
    ssp["system-implementation"]["components"][0]["title"] = serde_json::json!(42);
    let err = import(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    let shown: Vec<String> = err.issues.iter().map(ToString::to_string).collect();
    assert!(
        shown.iter().any(|s| s.contains("is already used")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|s| s.starts_with(
            "/system-security-plan/metadata/responsible-parties/0/role-id: role nobody-defined-this"
        )),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|s| s.starts_with(
            "/system-security-plan/metadata/responsible-parties/0/party-uuids/0: party"
        )),
        "{shown:#?}"
    );
    // Objects with unmodelled fields keep them through serde's flatten, which hides the path
    // below them: the typed layer names the type error, the schema layer its exact place.
    assert!(
        err.issues
            .iter()
            .any(|i| i.layer == Layer::Structure && i.message.contains("42")),
        "{shown:#?}"
    );
    let mut sorted = err.issues.clone();
    sorted.sort_by(|a, b| (&a.pointer, &a.message).cmp(&(&b.pointer, &b.message)));
    assert_eq!(err.issues, sorted);

    // The same document through the schema: the type error is located exactly.
    let report = validate_value(&value, Some(schemas())).unwrap();
    assert!(
        report.issues.iter().any(|i| i.layer == Layer::Schema
            && i.pointer == "/system-security-plan/system-implementation/components/0/title"),
        "{:?}",
        report.issues
    );
}
