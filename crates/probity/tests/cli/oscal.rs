//! `probity oscal` through the real binary: validate (exit 0 valid, 1 invalid with
//! `POINTER: message` lines, 2 usage), resolve with a catalog mapping, and info.

use std::path::PathBuf;

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal")
        .join(rel)
}

#[test]
fn oscal_validate_reports_findings_and_exit_codes() {
    let dir = TempDir::new().unwrap();
    let schemas = testdata("schemas/json-1.2.3");

    // Valid, with the schema layer from the environment.
    probity(dir.path())
        .env("PROBITY_OSCAL_SCHEMAS", &schemas)
        .args(["oscal", "validate"])
        .arg(testdata("examples/ifa_ssp-example.json"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "valid (system-security-plan, OSCAL 1.1.2, 0 finding(s))",
        ))
        .stderr(predicate::str::contains("skipped").not());

    // Without schemas: our checks only, and it says how to enable the schema layer.
    probity(dir.path())
        .args(["oscal", "validate"])
        .arg(testdata("examples/example-component-definition.json"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "/component-definition/components/0/control-implementations/0/implemented-requirements/1/statements/0/uuid: uuid bb9219b1-e51c-4680-abb0-616a43bbfbb1 is already used",
        ))
        .stderr(predicate::str::contains("JSON Schema layer skipped"))
        .stderr(predicate::str::contains("PROBITY_OSCAL_SCHEMAS"));

    // The 1.2.3 schema rejects the FedRAMP SAP's empty title.
    probity(dir.path())
        .args(["oscal", "validate", "--schemas"])
        .arg(&schemas)
        .arg(testdata("fedramp-rev5/FedRAMP-SAP-OSCAL-Template.json"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("/title: \"\""));

    // Malformed JSON is a finding (exit 1); a missing file or schema directory is usage (2).
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"catalog\": ").unwrap();
    probity(dir.path())
        .args(["oscal", "validate"])
        .arg(&broken)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("/: not valid JSON at line 1"));
    probity(dir.path())
        .args(["oscal", "validate", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read missing.json"));
    probity(dir.path())
        .args(["oscal", "validate", "--schemas", "nowhere"])
        .arg(&broken)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--schemas"));
}

#[test]
fn oscal_resolve_and_info() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("low.json");
    let mapping = format!(
        "../../../../nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json={}",
        testdata("nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json").display()
    );
    probity(dir.path())
        .args(["oscal", "resolve"])
        .arg(testdata(
            "nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
        ))
        .args(["--catalog", &mapping, "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("149 selected controls"));
    probity(dir.path())
        .args(["oscal", "info"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("catalog"))
        .stdout(predicate::str::is_match(r"controls\s+149").unwrap());
    probity(dir.path())
        .args(["oscal", "validate", "--schemas"])
        .arg(testdata("schemas/json-1.2.3"))
        .arg(&out)
        .assert()
        .code(0);

    // Without the mapping the relative rlink does not exist here: usage error naming the fix.
    probity(dir.path())
        .args(["oscal", "resolve"])
        .arg(testdata(
            "nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
        ))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--catalog"));

    probity(dir.path())
        .args(["-o", "json", "oscal", "info"])
        .arg(testdata(
            "nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json",
        ))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"controls\": \"1189\""));
}
