//! `probity governance` through the real binary on a SQLite data directory: an asset CSV
//! import that lands the good rows and exits non-zero naming the bad line, the registers as
//! tables and JSON, and one sweep.

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

#[test]
fn asset_import_registers_and_sweep() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let csv = p.join("assets.csv");
    std::fs::write(
        &csv,
        "name,kind,owner,classification,criticality,controls\n\
         CRM,application,Sales ops,confidential,high,IAM-01\n\
         Toaster,kitchen,IT,internal,low,\n\
         Laptops,device,IT,internal,medium,\n",
    )
    .unwrap();
    probity(p)
        .args(["governance", "import-assets"])
        .arg(&csv)
        .args(["--tenant", "acme"])
        .assert()
        .failure()
        .stdout(
            predicate::str::contains("2 imported, 1 rejected")
                .and(predicate::str::contains("kind: must be one of")),
        )
        .stderr(predicate::str::contains("1 row(s) were rejected"));
    let out = probity(p)
        .args([
            "--output",
            "json",
            "governance",
            "assets",
            "--tenant",
            "acme",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let assets: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let names: Vec<&str> = assets
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["CRM", "Laptops"]);
    for register in ["policies", "risks", "exceptions", "vendors"] {
        probity(p)
            .args(["governance", register, "--tenant", "acme"])
            .assert()
            .success();
    }
    probity(p)
        .args(["governance", "assets", "--tenant", "nope"])
        .assert()
        .failure();
    probity(p)
        .args(["governance", "sweep"])
        .assert()
        .success()
        .stdout(predicate::str::contains("expired 0"));
}

#[test]
fn questionnaire_templates_list_add_and_remove() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let good = p.join("cloud.json");
    std::fs::write(
        &good,
        r#"{"key":"cloud","title":"Cloud hosting","summary":"Ours.","sections":[{"id":"s","title":"Hosting",
            "questions":[{"id":"q1","text":"Encrypted at rest?","type":"yes_no","weight":2,"good":"yes"}]}]}"#,
    )
    .unwrap();
    let bad = p.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"key":"bad","title":"Bad","sections":[{"id":"s","title":"S","questions":[
            {"id":"q","text":"Q","type":"text","weight":3}]}]}"#,
    )
    .unwrap();
    probity(p)
        .args(["governance", "questionnaires", "add", "--file"])
        .arg(&bad)
        .args(["--tenant", "acme"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("sections.0.questions.0.weight"));
    for version in ["version 1", "version 2"] {
        probity(p)
            .args(["governance", "questionnaires", "add", "--file"])
            .arg(&good)
            .args(["--tenant", "acme"])
            .assert()
            .success()
            .stdout(predicate::str::contains(version));
    }
    let out = probity(p)
        .args([
            "--output",
            "json",
            "governance",
            "questionnaires",
            "list",
            "--tenant",
            "acme",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let sources: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap(), t["source"].as_str().unwrap()))
        .collect();
    assert!(sources.contains(&("cloud", "tenant")), "{sources:?}");
    assert!(
        sources.contains(&("security-baseline", "shipped")),
        "{sources:?}"
    );
    probity(p)
        .args([
            "governance",
            "questionnaires",
            "remove",
            "security-baseline",
        ])
        .args(["--tenant", "acme"])
        .assert()
        .failure();
    probity(p)
        .args([
            "governance",
            "questionnaires",
            "remove",
            "cloud",
            "--tenant",
            "acme",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "removed questionnaire template cloud",
        ));
    probity(p)
        .args(["governance", "questionnaires", "list", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cloud").not());
}
