//! Export builders: every model built from plain inputs passes the OSCAL 1.2.3 schema and our
//! own checks, and imports back to the same document.

use chrono::{DateTime, Utc};
use probity_oscal::export::{
    self, ComponentInput, ControlInput, DocumentInfo, FindingInput, GroupInput, MapInput,
    Relationship, SspInput,
};
use probity_oscal::{Document, Model, import};

use super::schemas;

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap()
}

fn info(title: &str) -> DocumentInfo {
    DocumentInfo {
        title: title.to_owned(),
        version: "1.0".to_owned(),
        at: at(),
    }
}

/// Serializes, validates against the 1.2.3 schema and our checks, re-imports and compares.
fn check(doc: Document) -> Document {
    let text = doc.to_json_pretty().unwrap();
    let report = probity_oscal::validate::validate(text.as_bytes(), Some(schemas())).unwrap();
    assert!(
        report.is_valid(),
        "{} export: {:#?}",
        doc.model(),
        report.issues
    );
    let back = import(text.as_bytes()).unwrap();
    assert_eq!(back, doc);
    let meta = back.metadata();
    assert_eq!(meta.oscal_version, "1.2.3");
    assert_eq!(meta.last_modified, "2026-11-18T11:06:40Z");
    back
}

fn library() -> Vec<GroupInput> {
    vec![GroupInput {
        id: "iam".to_owned(),
        title: "Identity and access".to_owned(),
        controls: vec![
            ControlInput {
                id: "iam-01".to_owned(),
                title: "Access reviews".to_owned(),
                statement: Some("Review user access every quarter.".to_owned()),
                withdrawn: false,
                label: Some("IAM-01".to_owned()),
                enhancements: vec![ControlInput {
                    id: "iam-01.1".to_owned(),
                    title: "Privileged access reviews".to_owned(),
                    statement: Some("Review privileged access every month.".to_owned()),
                    ..ControlInput::default()
                }],
            },
            ControlInput {
                id: "iam-02".to_owned(),
                title: "Multi-factor authentication".to_owned(),
                statement: None,
                withdrawn: true,
                label: None,
                enhancements: Vec::new(),
            },
        ],
    }]
}

#[test]
fn catalog_and_resolved_profile_catalog() {
    let catalog = export::catalog(&info("Probity control library"), &library());
    assert_eq!(catalog.counts().controls, 3);
    check(Document::Catalog(Box::new(catalog.clone())));

    let resolved = export::resolved_profile_catalog(
        &info("Probity baseline"),
        &catalog,
        &["iam-01.1".to_owned()],
    )
    .unwrap();
    assert_eq!(resolved.report.selected, 1);
    assert_eq!(resolved.report.structural_parents, ["iam-01"]);
    check(Document::Catalog(Box::new(resolved.catalog)));
}

#[test]
fn component_definition_and_ssp() {
    let components = export::component_definition(
        &info("Probity components"),
        &[ComponentInput {
            title: "Probity".to_owned(),
            kind: "software".to_owned(),
            description: "GRC platform.".to_owned(),
            source: "https://example.org/catalog.json".to_owned(),
            controls: vec![(
                "au-2".to_owned(),
                "Every change is an audit record.".to_owned(),
            )],
        }],
    );
    check(Document::ComponentDefinition(Box::new(components)));

    let ssp = export::system_security_plan(
        &info("Acme SSP"),
        &SspInput {
            profile_href: "https://example.org/profile.json".to_owned(),
            system_name: "Acme Cloud".to_owned(),
            system_id: "acme-cloud".to_owned(),
            description: "Acme's hosted service.".to_owned(),
            impact: "moderate".to_owned(),
            components: vec![(
                "PostgreSQL".to_owned(),
                "software".to_owned(),
                "The database.".to_owned(),
            )],
            controls: vec![("ac-2".to_owned(), "Accounts come from the IdP.".to_owned())],
        },
    );
    let Document::SystemSecurityPlan(ssp) = check(Document::SystemSecurityPlan(Box::new(ssp)))
    else {
        panic!("not an ssp")
    };
    assert_eq!(ssp.system_implementation.components[0].kind, "this-system");
}

#[test]
fn assessment_plan_results_and_poam() {
    let ap = export::assessment_plan(&info("Acme SAP"), "#ssp", &["ac-2".to_owned()]);
    check(Document::AssessmentPlan(Box::new(ap)));
    let all = export::assessment_plan(&info("Acme SAP, all"), "https://example.org/ssp.json", &[]);
    check(Document::AssessmentPlan(Box::new(all)));

    let ar = export::assessment_results(
        &info("Acme SAR"),
        "https://example.org/sap.json",
        at(),
        Some(at()),
        &[
            FindingInput {
                control_id: "ac-2".to_owned(),
                title: "Account management".to_owned(),
                description: "Quarterly reviews happen.".to_owned(),
                satisfied: true,
            },
            FindingInput {
                control_id: "ia-2".to_owned(),
                title: "MFA".to_owned(),
                description: "Two admins lack MFA.".to_owned(),
                satisfied: false,
            },
        ],
    );
    let back = check(Document::AssessmentResults(Box::new(ar)));
    assert_eq!(
        back.counts()
            .iter()
            .find(|(k, _)| *k == "findings")
            .unwrap()
            .1,
        2
    );

    let poam = export::poam(
        &info("Acme POA&M"),
        Some("https://example.org/ssp.json"),
        &[("Enforce MFA".to_owned(), "Two admins lack MFA.".to_owned())],
    );
    check(Document::PlanOfActionAndMilestones(Box::new(poam)));
}

#[test]
fn mapping_collection() {
    let mapping = export::mapping_collection(
        &info("ISO 27001:2022 to SOC 2"),
        "urn:probity:iso27001-2022",
        "urn:probity:soc2-2017",
        "Probity crosswalk.",
        &[
            MapInput {
                source_id: "a.5.15".to_owned(),
                target_id: "cc6.1".to_owned(),
                relationship: Relationship::IntersectsWith,
                rationale: Some("Both cover logical access.".to_owned()),
            },
            MapInput {
                source_id: "a.8.5".to_owned(),
                target_id: "cc6.1".to_owned(),
                relationship: Relationship::SubsetOf,
                rationale: None,
            },
        ],
    );
    let back = check(Document::MappingCollection(Box::new(mapping)));
    assert_eq!(back.model(), Model::MappingCollection);
}
