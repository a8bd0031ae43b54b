//! `probity privacy activities | dpias | retention` through the real binary on a SQLite data
//! directory: an activity added from a file, shown by reference, refused naming the field when
//! a special category lacks its Art. 9 condition, updated, exported as CSV, JSON and a PDF
//! whose text names it; a DPIA added, submitted, approved for its version (an older version
//! refused); a retention schedule added and run, its report listed; removal refused while
//! linked.

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn privacy_records_from_the_command_line() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let activity = serde_json::json!({
        "name": "Sickness absence", "purposes": ["pay sick pay"],
        "legal_basis": "legal_obligation",
        "data_categories": ["identity", "health"], "subject_categories": ["employees"],
        "processors": [{ "name": "WorkWell", "country": "Netherlands" }],
        "security_measures": ["kept apart from the personnel file"],
    });
    let file = p.join("activity.json");
    std::fs::write(&file, activity.to_string()).unwrap();
    probity(p)
        .args(["privacy", "activities", "add", "--tenant", "acme"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("art9_condition").and(predicate::str::contains("health")));
    let mut fixed = activity.clone();
    fixed["art9_condition"] = serde_json::json!("employment_social_security");
    std::fs::write(&file, fixed.to_string()).unwrap();
    let created = json(
        &probity(p)
            .args([
                "-o",
                "json",
                "privacy",
                "activities",
                "add",
                "--tenant",
                "acme",
            ])
            .arg(&file)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(created["reference"], "ROPA-001");
    let activity_id = created["id"].as_str().unwrap().to_owned();
    probity(p)
        .args([
            "privacy",
            "activities",
            "show",
            "ROPA-001",
            "--tenant",
            "acme",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Sickness absence")
                .and(predicate::str::contains("employment_social_security")),
        );
    fixed["retention"] = serde_json::json!("3 years");
    fixed["version"] = serde_json::json!(1);
    std::fs::write(&file, fixed.to_string()).unwrap();
    let updated = json(
        &probity(p)
            .args(["-o", "json", "privacy", "activities", "update", "ROPA-001"])
            .arg(&file)
            .args(["--tenant", "acme"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["retention"], "3 years");

    // Exports: CSV and JSON on standard output, PDF into a file.
    probity(p)
        .args([
            "privacy",
            "activities",
            "export",
            "--tenant",
            "acme",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("reference,name,purposes")
                .and(predicate::str::contains("ROPA-001,Sickness absence")),
        );
    let exported = json(
        &probity(p)
            .args([
                "privacy",
                "activities",
                "export",
                "--tenant",
                "acme",
                "--format",
                "json",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(exported[0]["processors"][0]["name"], "WorkWell");
    let pdf = p.join("ropa.pdf");
    probity(p)
        .args([
            "privacy",
            "activities",
            "export",
            "--tenant",
            "acme",
            "--format",
            "pdf",
        ])
        .arg("--out")
        .arg(&pdf)
        .assert()
        .success();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("Sickness absence"));
    probity(p)
        .args([
            "privacy",
            "activities",
            "export",
            "--tenant",
            "acme",
            "--format",
            "xml",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--format"));

    // A DPIA: added, submitted, approved for its version only.
    let questions = [
        "systematic_monitoring",
        "large_scale",
        "special_categories",
        "vulnerable_subjects",
        "new_technology",
        "automated_decisions",
        "matching_datasets",
        "international_transfers",
        "necessity_proportionality",
        "data_minimisation",
        "retention_limits",
        "subject_rights",
        "security_measures",
    ];
    let yes = ["special_categories", "vulnerable_subjects"];
    let dpia = serde_json::json!({
        "title": "Occupational health referrals", "activity_ids": [activity_id],
        // Two criteria hold; every safeguard (the last five questions) is in place.
        "answers": questions.iter().enumerate().map(|(i, q)| serde_json::json!({
            "question": q,
            "answer": if yes.contains(q) || i >= 8 { "yes" } else { "no" },
        })).collect::<Vec<_>>(),
        "inherent_risk": { "likelihood": "possible", "severity": "severe" },
        "residual_risk": { "likelihood": "remote", "severity": "significant" },
    });
    let dfile = p.join("dpia.json");
    std::fs::write(&dfile, dpia.to_string()).unwrap();
    let d = json(
        &probity(p)
            .args(["-o", "json", "privacy", "dpias", "add", "--tenant", "acme"])
            .arg(&dfile)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(d["screening"]["required"], true, "{d}");
    assert_eq!(d["inherent_level"], "high");
    probity(p)
        .args(["privacy", "dpias", "submit", "DPIA-001", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("in_review"));
    probity(p)
        .args([
            "privacy", "dpias", "approve", "DPIA-001", "--tenant", "acme",
        ])
        .args(["--dpia-version", "2"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("version 1, not 2"));
    probity(p)
        .args([
            "privacy", "dpias", "approve", "DPIA-001", "--tenant", "acme",
        ])
        .args(["--dpia-version", "1", "--note", "ok"])
        .assert()
        .success()
        .stdout(predicate::str::contains("approved"));
    probity(p)
        .args(["privacy", "dpias", "list", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DPIA-001").and(predicate::str::contains("yes")));

    // A retention schedule: added, run, its report listed.
    let schedule = serde_json::json!({
        "data_category": "health", "period_days": 1095, "activity_ids": [activity_id],
        "audit_event_types": ["hr.absence"], "description": "three years",
    });
    let sfile = p.join("schedule.json");
    std::fs::write(&sfile, schedule.to_string()).unwrap();
    probity(p)
        .args(["privacy", "retention", "add", "--tenant", "acme"])
        .arg(&sfile)
        .assert()
        .success()
        .stdout(predicate::str::contains("RET-001").and(predicate::str::contains("1095")));
    let run = json(
        &probity(p)
            .args([
                "-o",
                "json",
                "privacy",
                "retention",
                "run",
                "RET-001",
                "--tenant",
                "acme",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(run["trigger"], "on_demand");
    assert_eq!(run["audit_erased"], 0);
    probity(p)
        .args([
            "privacy",
            "retention",
            "runs",
            "--tenant",
            "acme",
            "--schedule",
            "RET-001",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("RET-001").and(predicate::str::contains("on_demand")));

    // Linked by a DPIA and a schedule, the activity cannot be removed.
    probity(p)
        .args([
            "privacy",
            "activities",
            "remove",
            "ROPA-001",
            "--tenant",
            "acme",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("DPIA-001").and(predicate::str::contains("RET-001")));
}
