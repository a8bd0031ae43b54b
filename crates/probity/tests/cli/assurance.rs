//! `probity assurance` through the real binary on a SQLite data directory: the starter pack
//! installs once, a file uploads as encrypted, content-addressed evidence, the status of a
//! framework named by its short name, the Statement of Applicability as CSV, and an unknown
//! framework named in the error.

use predicates::prelude::*;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::probity;

#[test]
fn starter_pack_evidence_status_and_soa() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let installed = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "install-starter",
            "--tenant",
            "acme",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let installed: serde_json::Value = serde_json::from_slice(&installed).unwrap();
    assert!(installed.as_array().unwrap().len() >= 18, "{installed}");
    probity(p)
        .args(["assurance", "install-starter", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("mfa-enforced").not());

    let file = p.join("mfa-policy.json");
    std::fs::write(&file, br#"{"enforced": true}"#).unwrap();
    let out = probity(p)
        .args(["--output", "json", "assurance", "upload"])
        .arg(&file)
        .args([
            "--tenant",
            "acme",
            "--title",
            "MFA policy",
            "--control",
            "IAM-09",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let view: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(view["reference"], "EV-0001");
    assert_eq!(
        view["versions"][0]["sha256"],
        hex::encode(Sha256::digest(br#"{"enforced": true}"#)),
        "the address is the SHA-256 of the file"
    );
    probity(p)
        .args(["assurance", "upload"])
        .arg(&file)
        .args(["--tenant", "acme", "--title", "Bad", "--control", "NOPE-1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("control_ids"));

    let out = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "status",
            "--tenant",
            "acme",
            "--framework",
            "soc2",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status["framework"], "soc2-2017");
    assert_eq!(status["evidence"]["total"], 1);
    assert!(status["controls_by_health"]["untested"].as_u64().unwrap() > 0);

    let soa = probity(p)
        .args(["assurance", "soa", "--tenant", "acme", "--csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let soa = String::from_utf8(soa).unwrap();
    assert!(
        soa.starts_with("control,title,applicable,justification"),
        "{soa}"
    );
    assert_eq!(soa.lines().count(), 94, "header + 93 Annex A controls");

    // An assessment led by a member, exported as the OSCAL plan and results (validated against
    // the 1.2.3 schemas by the exporter); a POA&M needs a finding.
    let password = p.join("pw");
    std::fs::write(&password, "a-long-and-unusual-passphrase-7").unwrap();
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "lead@acme.test",
            "--role",
            "auditor",
        ])
        .arg("--password-file")
        .arg(&password)
        .assert()
        .success();
    let out = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "assess",
            "--tenant",
            "acme",
            "--framework",
            "soc2",
        ])
        .args([
            "--scope",
            "Everything",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
        ])
        .args(["--lead", "lead@acme.test"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let assessment: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let schemas = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal/schemas/json-1.2.3");
    for model in ["ap", "ar"] {
        let file = p.join(format!("{model}.json"));
        probity(p)
            .args([
                "oscal",
                "export",
                "--model",
                model,
                "--tenant",
                "acme",
                "--assessment",
            ])
            .arg(assessment["id"].as_str().unwrap())
            .arg("--out")
            .arg(&file)
            .arg("--schemas")
            .arg(&schemas)
            .assert()
            .success();
        assert!(file.exists(), "{model}");
    }
    probity(p)
        .args([
            "oscal", "export", "--model", "poam", "--tenant", "acme", "--out",
        ])
        .arg(p.join("x.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--assessment"));
    probity(p)
        .args([
            "oscal",
            "export",
            "--model",
            "poam",
            "--tenant",
            "acme",
            "--assessment",
        ])
        .arg(assessment["id"].as_str().unwrap())
        .arg("--out")
        .arg(p.join("poam.json"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no findings"));

    // Freeze, package, verify offline; a changed file is named.
    let today = probity_core::Clock::now(&probity_core::clock::SystemClock).date_naive();
    let out = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "freeze",
            "--tenant",
            "acme",
            "--name",
            "FY",
        ])
        .args(["--from", &(today - chrono::Duration::days(30)).to_string()])
        .args(["--to", &today.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let freeze: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(freeze["items"].as_array().unwrap().len(), 1, "{freeze}");
    let package = p.join("package");
    probity(p)
        .args([
            "assurance",
            "package",
            freeze["id"].as_str().unwrap(),
            "--tenant",
            "acme",
            "--out",
        ])
        .arg(&package)
        .assert()
        .success();
    probity(p)
        .arg("verify")
        .arg(&package)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "evidence package: 1 file(s) match the manifest",
        ));
    let sha = view["versions"][0]["sha256"].as_str().unwrap();
    std::fs::write(
        package.join("evidence/files").join(sha),
        br#"{"enforced": false}"#,
    )
    .unwrap();
    probity(p)
        .arg("verify")
        .arg(&package)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not hash to its address"));

    probity(p)
        .args([
            "assurance",
            "gaps",
            "--tenant",
            "acme",
            "--framework",
            "iso27001",
        ])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("iso27001-2013").and(predicate::str::contains("framework")),
        );
}
