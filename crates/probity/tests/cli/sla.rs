//! `probity sla` through the real binary on a SQLite data directory: an SLO created with its
//! service, measurements imported from CSV (the good rows land, the bad ones are named by line
//! with a non-zero exit), the status table, the month's report as CSV, and bad arguments named.

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

#[test]
fn create_import_status_and_report() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    probity(p)
        .args([
            "sla",
            "create",
            "--tenant",
            "acme",
            "--name",
            "API availability",
            "--type",
            "availability",
            "--target",
            "99.9",
            "--service",
            "api",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--provider"));
    probity(p)
        .args([
            "sla",
            "create",
            "--tenant",
            "acme",
            "--name",
            "x",
            "--type",
            "uptime",
            "--target",
            "99",
            "--service",
            "api",
            "--provider",
            "IT",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--type"));
    let out = probity(p)
        .args([
            "--output",
            "json",
            "sla",
            "create",
            "--tenant",
            "acme",
            "--name",
            "API availability",
            "--type",
            "availability",
            "--target",
            "99.9",
            "--service",
            "api",
            "--provider",
            "Internal IT",
            "--window",
            "calendar-month",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let slo: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let id = slo["id"].as_str().unwrap().to_owned();
    assert_eq!(slo["window"], "calendar_month");

    // Measurements stamped a day ago, so the CSV is valid whenever the test runs.
    let day_ago = probity_core::Clock::now(&probity_core::SystemClock) - chrono::Duration::days(1);
    let at = day_ago.to_rfc3339();
    let csv = format!(
        "slo_id,at,good,total\n{id},{at},999,1000\n{id},{at},998,1000\n{id},not-a-time,1,1\n{id},{at},5,4\n"
    );
    let file = p.join("m.csv");
    std::fs::write(&file, csv).unwrap();
    probity(p)
        .args(["sla", "import"])
        .arg(&file)
        .args(["--tenant", "acme"])
        .assert()
        .failure()
        .stdout(predicate::str::contains("2 measurements imported"))
        .stderr(predicate::str::contains("line 4: at not-a-time"))
        .stderr(predicate::str::contains("line 5: good:"));
    probity(p)
        .args(["sla", "status", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("API availability"));
    let month = day_ago.format("%Y-%m").to_string();
    probity(p)
        .args([
            "sla", "report", "--tenant", "acme", "--month", &month, "--csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("service,customer,slo,metric"))
        .stdout(predicate::str::contains(
            "api,internal,API availability,availability_requests,99.9,99.8500,false,1997,2000",
        ));
    // A file of more than one API batch lands in one import, spread over three days
    // (after the report above, which it would change).
    let mut big = String::from("slo_id,at,good,total\n");
    for i in 0..10_050i64 {
        let at = day_ago - chrono::Duration::minutes(i % 3 * 1_440 + i % 60);
        big.push_str(&format!("{id},{},1,1\n", at.to_rfc3339()));
    }
    let file = p.join("big.csv");
    std::fs::write(&file, big).unwrap();
    probity(p)
        .args(["sla", "import"])
        .arg(&file)
        .args(["--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("10050 measurements imported"));
    // A file wrong on every line lists the first rejections and counts the rest.
    let mut wrong = String::from("slo_id,at,good,total\n");
    for _ in 0..25 {
        wrong.push_str(&format!("{id},{at},2,1\n"));
    }
    let file = p.join("wrong.csv");
    std::fs::write(&file, wrong).unwrap();
    probity(p)
        .args(["sla", "import"])
        .arg(&file)
        .args(["--tenant", "acme"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 21: good:"))
        .stderr(predicate::str::contains("line 22:").not())
        .stderr(predicate::str::contains("… and 5 more"))
        .stderr(predicate::str::contains("25 rows rejected"));
    let yaml = probity(p)
        .args(["sla", "export-openslo", "--tenant", "acme"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let yaml = String::from_utf8(yaml).unwrap();
    assert!(
        yaml.contains("kind: SLO") && yaml.contains("name: api-availability"),
        "{yaml}"
    );
    // The export imports into another tenant as the same SLO.
    probity(p)
        .args(["tenant", "create", "--slug", "globex", "--name", "Globex"])
        .assert()
        .success();
    let file = p.join("slos.yaml");
    std::fs::write(&file, &yaml).unwrap();
    probity(p)
        .args(["sla", "import-openslo"])
        .arg(&file)
        .args(["--tenant", "globex"])
        .assert()
        .success()
        .stdout(predicate::str::contains("API availability created"));
    probity(p)
        .args(["sla", "status", "--tenant", "globex"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("API availability").and(predicate::str::contains("99.9%")),
        );
    probity(p)
        .args(["sla", "report", "--tenant", "acme", "--month", "October"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--month"));
}
