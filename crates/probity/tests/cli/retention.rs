//! `probity audit retention|hold|erase` through the real binary on a SQLite data directory:
//! the built-in policy, a policy set from a file (a bad one named by field), a dry run, a hold
//! placed, listed and released once, and a subject erasure preview.

use predicates::prelude::*;
use sha2::{Digest as _, Sha256};
use tempfile::TempDir;

use super::probity;

fn json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = probity(dir)
        .args(["--output", "json"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn retention_policy_holds_and_erasure_from_the_cli() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let policy = json(p, &["audit", "retention", "show", "--tenant", "acme"]);
    assert_eq!(policy["version"], 0);
    assert_eq!(policy["default_days"], 2557);

    let file = p.join("policy.json");
    std::fs::write(
        &file,
        r#"{"default_days": 365, "rules": [{"category": "security", "keep_days": 3653}], "version": 0}"#,
    )
    .unwrap();
    let saved = json(
        p,
        &[
            "audit",
            "retention",
            "set",
            "--tenant",
            "acme",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["rules"][0]["category"], "security");
    std::fs::write(&file, r#"{"default_days": 0}"#).unwrap();
    probity(p)
        .args(["audit", "retention", "set", "--tenant", "acme", "--file"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("default_days"));

    let run = json(
        p,
        &["audit", "retention", "run", "--tenant", "acme", "--dry-run"],
    );
    assert_eq!(run["dry_run"], true);
    assert_eq!(run["erased"], 0, "nothing is a year old yet");
    assert_eq!(run["policy_version"], 1);

    let hold = json(
        p,
        &[
            "audit",
            "hold",
            "place",
            "--tenant",
            "acme",
            "--case",
            "CASE-7",
            "--reason",
            "litigation",
            "--resource",
            "invoice:inv-1",
        ],
    );
    assert_eq!(hold["criteria"]["resource_type"], "invoice");
    assert_eq!(hold["criteria"]["resource_id"], "inv-1");
    let id = hold["id"].as_str().unwrap().to_owned();
    let listed = json(
        p,
        &["audit", "hold", "list", "--tenant", "acme", "--active"],
    );
    assert_eq!(listed.as_array().unwrap().len(), 1);
    probity(p)
        .args([
            "audit", "hold", "release", &id, "--tenant", "acme", "--reason", "settled",
        ])
        .assert()
        .success();
    probity(p)
        .args([
            "audit", "hold", "release", &id, "--tenant", "acme", "--reason", "again",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already released"));
    probity(p)
        .args([
            "audit", "hold", "release", "nope", "--tenant", "acme", "--reason", "x",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a hold id"));
    let listed = json(
        p,
        &["audit", "hold", "list", "--tenant", "acme", "--active"],
    );
    assert!(listed.as_array().unwrap().is_empty());

    let preview = json(
        p,
        &[
            "audit",
            "erase",
            "--tenant",
            "acme",
            "--subject",
            "cust-42",
            "--reason",
            "DSR-1",
            "--dry-run",
        ],
    );
    assert_eq!(preview["found"], 0);
    assert_eq!(
        preview["subject_sha256"],
        hex::encode(Sha256::digest(b"cust-42")),
        "the subject is named by its hash"
    );
}

#[test]
fn detection_rules_and_alerts_from_the_cli() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let file = p.join("rule.json");
    std::fs::write(
        &file,
        r#"{"name": "Failed sign-ins", "severity": "high", "match": {"event_type": "user.login.failed"},
            "kind": {"type": "threshold", "count": 5, "window_minutes": 10}}"#,
    )
    .unwrap();
    let rule = json(
        p,
        &[
            "audit",
            "rules",
            "add",
            "--tenant",
            "acme",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(rule["version"], 1);
    assert_eq!(rule["kind"]["type"], "threshold");
    probity(p)
        .args(["audit", "rules", "add", "--tenant", "acme", "--file"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("exists"));
    std::fs::write(
        &file,
        r#"{"name": "x", "kind": {"type": "threshold", "count": 1, "window_minutes": 10}}"#,
    )
    .unwrap();
    probity(p)
        .args(["audit", "rules", "add", "--tenant", "acme", "--file"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kind.count"));
    let listed = json(p, &["audit", "rules", "list", "--tenant", "acme"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let alerts = json(p, &["audit", "alerts", "list", "--tenant", "acme"]);
    assert!(alerts.as_array().unwrap().is_empty());
    probity(p)
        .args([
            "audit", "alerts", "list", "--tenant", "acme", "--status", "closed",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not an alert status"));
    probity(p)
        .args(["audit", "alerts", "ack", "nope", "--tenant", "acme"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not an alert id"));
    let id = rule["id"].as_str().unwrap();
    probity(p)
        .args(["audit", "rules", "delete", id, "--tenant", "acme"])
        .assert()
        .success();
    let listed = json(p, &["audit", "rules", "list", "--tenant", "acme"]);
    assert!(listed.as_array().unwrap().is_empty());
}
