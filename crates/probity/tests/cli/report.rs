//! `probity report` through the real binary on a SQLite data directory: the catalog, a PDF
//! and a CSV written to files, the history listing both with their hashes, a stored report
//! fetched back byte for byte, and bad arguments named with the fix.

use predicates::prelude::*;
use sha2::{Digest as _, Sha256};
use tempfile::TempDir;

use super::probity;

#[test]
fn generate_list_and_fetch_reports() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    probity(p)
        .args(["report", "kinds", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("statement_of_applicability"));

    let pdf = p.join("register.pdf");
    probity(p)
        .args([
            "report",
            "generate",
            "risk-register",
            "--tenant",
            "acme",
            "--out",
        ])
        .arg(&pdf)
        .assert()
        .success();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let csv = p.join("soa.csv");
    probity(p)
        .args([
            "report",
            "generate",
            "statement_of_applicability",
            "--tenant",
            "acme",
            "--as",
            "csv",
            "--out",
        ])
        .arg(&csv)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("Control,Title,Applicable,")
    );

    let out = probity(p)
        .args(["--output", "json", "report", "list", "--tenant", "acme"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["format"], "csv", "newest first");
    let pdf_record = &items[1];
    assert_eq!(
        pdf_record["file_sha256"],
        hex::encode(Sha256::digest(&bytes))
    );
    let again = p.join("again.pdf");
    probity(p)
        .args([
            "report",
            "get",
            pdf_record["id"].as_str().unwrap(),
            "--tenant",
            "acme",
            "--out",
        ])
        .arg(&again)
        .assert()
        .success();
    assert_eq!(std::fs::read(&again).unwrap(), bytes);

    probity(p)
        .args(["report", "generate", "horoscope", "--tenant", "acme"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("risk_register"));
    probity(p)
        .args([
            "report",
            "generate",
            "risk_register",
            "--tenant",
            "acme",
            "--as",
            "docx",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--as"));
    probity(p)
        .args([
            "report",
            "generate",
            "risk_register",
            "--tenant",
            "acme",
            "--month",
            "2026-01",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("params.month"));
    probity(p)
        .args(["report", "get", "not-an-id", "--tenant", "acme"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("probity report list"));
}

#[test]
fn audit_report_writes_the_period_and_names_bad_dates() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let json = p.join("trail.json");
    probity(p)
        .args([
            "audit", "report", "--tenant", "acme", "--format", "json", "--out",
        ])
        .arg(&json)
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["report"]["kind"], "audit_trail");
    // The tenant's creation is Probity's own record, drained and indexed before the report.
    let events = doc["report"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "Events")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(events >= 1, "{doc:#}");
    let pdf = p.join("q1.pdf");
    probity(p)
        .args([
            "audit",
            "report",
            "--tenant",
            "acme",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--framework",
            "soc2-2017",
            "--out",
        ])
        .arg(&pdf)
        .assert()
        .success();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    probity(p)
        .args([
            "audit",
            "report",
            "--tenant",
            "acme",
            "--from",
            "2026-04-01",
            "--to",
            "2026-03-31",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("params.from"));
}

#[test]
fn dpo_report_counts_the_period_with_the_index_caught_up() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    probity(p)
        .args(["privacy", "requests", "create", "--tenant", "acme"])
        .args(["--regime", "ccpa", "--kind", "know", "--subject", "ca-1"])
        .assert()
        .success();
    let activity = p.join("activity.json");
    std::fs::write(
        &activity,
        serde_json::json!({
            "name": "Payroll", "purposes": ["pay staff"], "legal_basis": "legal_obligation",
            "data_categories": ["financial"], "subject_categories": ["employees"],
        })
        .to_string(),
    )
    .unwrap();
    probity(p)
        .args(["privacy", "activities", "add", "--tenant", "acme"])
        .arg(&activity)
        .assert()
        .success();
    let json = p.join("dpo.json");
    probity(p)
        .args([
            "report",
            "generate",
            "privacy_dpo",
            "--tenant",
            "acme",
            "--as",
            "json",
            "--out",
        ])
        .arg(&json)
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let fact = |label: &str| {
        doc["report"]["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"] == label)
            .unwrap_or_else(|| panic!("no {label}: {doc:#}"))["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(fact("Requests received in the period"), "1");
    assert_eq!(fact("Median days to respond"), "none answered");
    // The activity's audit event was drained and indexed before the report read it.
    assert_eq!(fact("Activities created"), "1");
    probity(p)
        .args([
            "report",
            "generate",
            "privacy_dpo",
            "--tenant",
            "acme",
            "--from",
            "2026-04-01",
            "--to",
            "2026-03-31",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("params.from"));
}
