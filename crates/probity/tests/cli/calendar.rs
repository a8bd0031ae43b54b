//! `probity calendar` through the real binary on a SQLite data directory: the due dates of an
//! SLA's calendar windows listed as JSON, a bad kind named, and a feed made for a member (its
//! URL printed once), listed and revoked.

use predicates::prelude::*;
use tempfile::TempDir;

use super::{password_file, probity};

#[test]
fn list_due_dates_and_manage_feeds() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let password = password_file(p, "correct horse battery staple");
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ada@acme.test",
            "--role",
            "viewer",
        ])
        .arg("--password-file")
        .arg(&password)
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
            "--provider",
            "IT",
            "--window",
            "calendar-month",
        ])
        .assert()
        .success();
    let out = probity(p)
        .args(["calendar", "list", "--tenant", "acme", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let entries: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let windows: Vec<&serde_json::Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "slo_window_end")
        .collect();
    // 30 days back to 180 ahead holds six or seven month ends.
    assert!((6..=7).contains(&windows.len()), "{entries}");
    assert!(windows.iter().all(|e| e["overdue"] == false));
    probity(p)
        .args([
            "calendar",
            "list",
            "--tenant",
            "acme",
            "--kind",
            "slo_window_end",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("API availability"));
    probity(p)
        .args(["calendar", "list", "--tenant", "acme", "--kind", "dsr"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--kind"));
    probity(p)
        .args([
            "calendar",
            "list",
            "--tenant",
            "acme",
            "--from",
            "2026-05-01",
            "--to",
            "2026-04-01",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("from"));

    probity(p)
        .args([
            "calendar",
            "feed",
            "create",
            "--tenant",
            "acme",
            "--user",
            "nobody@acme.test",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("nobody@acme.test"));
    let out = probity(p)
        .args([
            "calendar",
            "feed",
            "create",
            "--tenant",
            "acme",
            "--user",
            "ada@acme.test",
            "--name",
            "Ada's calendar",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let url = String::from_utf8(out).unwrap();
    assert!(
        url.trim().starts_with("http://127.0.0.1:8080/calendar/") && url.trim().ends_with(".ics"),
        "{url}"
    );
    let out = probity(p)
        .args([
            "--output", "json", "calendar", "feed", "list", "--tenant", "acme",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let feeds: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(feeds[0]["name"], "Ada's calendar");
    assert_eq!(feeds[0]["owner"]["name"], "ada@acme.test");
    assert!(!String::from_utf8_lossy(&out).contains(url.trim().rsplit('/').next().unwrap()));
    let id = feeds[0]["id"].as_str().unwrap().to_owned();
    probity(p)
        .args([
            "calendar", "feed", "revoke", "--tenant", "acme", "--id", &id,
        ])
        .assert()
        .success();
    probity(p)
        .args([
            "calendar", "feed", "revoke", "--tenant", "acme", "--id", &id,
        ])
        .assert()
        .failure();
    probity(p)
        .args(["calendar", "feed", "list", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("revoked"));
}
