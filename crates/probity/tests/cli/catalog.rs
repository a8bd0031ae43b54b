//! The catalog commands through the real binary: frameworks and controls offline, comparison
//! and diff, a tenant's control status in the local store moving its coverage, OSCAL export
//! validated against the OSCAL 1.2.3 schemas, and the errors that name the flag to fix.

use std::path::PathBuf;

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn schemas() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal/schemas/json-1.2.3")
}

#[test]
fn frameworks_controls_compare_and_diff_offline() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["frameworks", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("iso27001-2022")
                .and(predicate::str::contains("nist-800-53-r5")),
        );
    assert!(!p.join("data").exists(), "listing needs no store");
    probity(p)
        .args(["frameworks", "show", "soc2-2017", "--assessable"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CC6.1").and(predicate::str::contains("P8.1")));
    probity(p)
        .args(["controls", "show", "IAM-01"])
        .assert()
        .success()
        .stdout(predicate::str::contains("RELATIONSHIP"));
    let out = probity(p)
        .args([
            "--output",
            "json",
            "compliance",
            "coverage",
            "--from",
            "iso27001-2022",
            "--to",
            "soc2-2017",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["totals"]["requirements"], 61);
    assert!(
        v["totals"]["covered"].as_u64().unwrap() + v["totals"]["partial"].as_u64().unwrap() > 0
    );
    probity(p)
        .args([
            "compliance",
            "diff",
            "--from",
            "iso27001-2013",
            "--to",
            "iso27001-2022",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("11 added").and(predicate::str::contains("A.8.28")));
    probity(p)
        .args([
            "compliance",
            "coverage",
            "--from",
            "iso9001",
            "--to",
            "soc2-2017",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("from")
                .and(predicate::str::contains("is not a shipped framework")),
        );
}

#[test]
fn control_status_moves_a_tenants_coverage() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let status = |p: &std::path::Path| -> serde_json::Value {
        let out = probity(p)
            .args([
                "--output",
                "json",
                "compliance",
                "status",
                "--tenant",
                "acme",
                "--scope",
                "hipaa-security",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let before = status(p);
    assert_eq!(before["totals"]["covered"], 0);
    for control in [
        "IAM-01", "IAM-02", "LOG-01", "CRY-01", "BCP-01", "IR-01", "RSK-01",
    ] {
        probity(p)
            .args([
                "controls",
                "set",
                control,
                "--tenant",
                "acme",
                "--status",
                "implemented",
                "--owner",
                "Security",
            ])
            .assert()
            .success();
    }
    let after = status(p);
    let moved =
        after["totals"]["covered"].as_u64().unwrap() + after["totals"]["partial"].as_u64().unwrap();
    assert!(moved > 0, "{:#}", after["totals"]);
    // A regulatory change record with one task per affected control.
    probity(p)
        .args([
            "compliance",
            "change",
            "--tenant",
            "acme",
            "--from",
            "iso27001-2013",
            "--to",
            "iso27001-2022",
            "--due",
            "2027-03-31",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("iso27001-2013 → iso27001-2022")
                .and(predicate::str::contains("Review IAM-")),
        );
    probity(p)
        .args(["compliance", "changes", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0/"));
    // The tenant's controls as OSCAL, schema-valid.
    for (model, extra, expect) in [
        ("component", vec![], "\"component-definition\""),
        (
            "ssp",
            vec!["--baseline", "fedramp-r5-moderate"],
            "\"system-security-plan\"",
        ),
    ] {
        let out = p.join(format!("{model}.json"));
        probity(p)
            .args(["oscal", "export", "--tenant", "acme", "--model", model])
            .args(&extra)
            .arg("--out")
            .arg(&out)
            .arg("--schemas")
            .arg(schemas())
            .assert()
            .success()
            .stdout(predicate::str::contains("valid with the OSCAL JSON Schema"));
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.contains(expect) && text.contains("implemented-requirements"),
            "{model}"
        );
    }
    probity(p)
        .args(["controls", "list", "--tenant", "acme", "--family", "IAM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("implemented").and(predicate::str::contains("Security")));
    probity(p)
        .args([
            "controls", "set", "IAM-01", "--tenant", "acme", "--status", "done",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("status"));
    probity(p)
        .args([
            "controls", "set", "ZZZ-01", "--tenant", "acme", "--status", "planned",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not found"));
}

#[test]
fn oscal_export_writes_schema_valid_documents() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    for (args, file, expect) in [
        (
            vec!["--model", "catalog", "--framework", "nist-800-53-r5"],
            "nist.json",
            "\"AC-2(1)\"",
        ),
        (
            vec!["--model", "catalog", "--framework", "probity-controls"],
            "library.json",
            "\"IAM-01\"",
        ),
        (
            vec!["--model", "profile", "--baseline", "fedramp-r5-moderate"],
            "fedramp.json",
            "\"catalog\"",
        ),
        (
            vec![
                "--model",
                "mapping",
                "--crosswalk",
                "iso27001-2013:iso27001-2022",
            ],
            "walk.json",
            "\"mapping-collection\"",
        ),
        (
            vec!["--model", "mapping", "--framework", "soc2-2017"],
            "soc2-map.json",
            "\"mapping-collection\"",
        ),
    ] {
        let out = p.join(file);
        probity(p)
            .args(["oscal", "export"])
            .args(&args)
            .arg("--out")
            .arg(&out)
            .arg("--schemas")
            .arg(schemas())
            .assert()
            .success()
            .stdout(predicate::str::contains("valid with the OSCAL JSON Schema"));
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(expect), "{file} lacks {expect}");
        // The same validator, run separately on the written file.
        probity(p)
            .args(["oscal", "validate"])
            .arg(&out)
            .arg("--schemas")
            .arg(schemas())
            .assert()
            .code(0);
    }
    let info = probity(p)
        .args(["--output", "json", "oscal", "info"])
        .arg(p.join("fedramp.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let info: serde_json::Value = serde_json::from_slice(&info).unwrap();
    assert_eq!(info["controls"], "323");
    probity(p)
        .args(["oscal", "export", "--model", "ssp", "--out"])
        .arg(p.join("ssp.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add --tenant SLUG"));
    probity(p)
        .args(["oscal", "export", "--model", "poam", "--out"])
        .arg(p.join("poam.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tenant SLUG --assessment ID"));
    assert!(!p.join("ssp.json").exists());
    probity(p)
        .args(["oscal", "export", "--model", "catalog", "--out"])
        .arg(p.join("x.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--framework"));
}

#[test]
fn oscal_import_into_a_tenant_and_diff() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/oscal");
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let out = probity(p)
        .args(["--output", "json", "oscal", "import", "--tenant", "acme"])
        .arg(data.join(
            "nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
        ))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let id = summary["id"].as_str().unwrap();
    probity(p)
        .args(["oscal", "imports", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("import:{id}")));
    probity(p)
        .args([
            "compliance",
            "diff",
            "--tenant",
            "acme",
            "--from",
            "nist-800-53-r5",
            "--baseline",
            "nist-800-53-r5-moderate",
            "--to",
        ])
        .arg(format!("import:{id}"))
        .assert()
        .success()
        .stdout(predicate::str::contains("matched by id"));
    // A document with findings is not imported: pointers on stdout, exit 1.
    probity(p)
        .args(["oscal", "import", "--tenant", "acme"])
        .arg(data.join("examples/example-component-definition.json"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("/component-definition/"))
        .stderr(predicate::str::contains("nothing was stored"));
    // A profile without --catalog names the flag.
    probity(p)
        .args(["oscal", "import", "--tenant", "acme"])
        .arg(data.join("nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("catalog"));
}
