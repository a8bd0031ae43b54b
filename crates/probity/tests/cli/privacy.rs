//! `probity privacy` through the real binary on a SQLite data directory: a GDPR request logged
//! on 31 January is due on the last day of February, moved and extended, an illegal move is
//! refused naming the field, a breach's clocks are listed and a late notification needs its
//! reasons.

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn privacy_requests_and_breaches_from_the_command_line() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let out = probity(p)
        .args([
            "--output", "json", "privacy", "requests", "create", "--tenant", "acme",
        ])
        .args([
            "--regime",
            "gdpr",
            "--kind",
            "erasure",
            "--subject",
            "cust-7",
        ])
        .args(["--received-at", "2024-01-31T10:00:00Z"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let created = json(&out);
    assert_eq!(created["due_date"], "2024-02-29", "{created}");
    assert_eq!(created["overdue"], true);
    let id = created["id"].as_str().unwrap().to_owned();

    probity(p)
        .args(["privacy", "requests", "create", "--tenant", "acme"])
        .args([
            "--regime",
            "gdpr",
            "--kind",
            "opt_out",
            "--subject",
            "cust-8",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("kind"));
    probity(p)
        .args([
            "privacy",
            "requests",
            "transition",
            "--tenant",
            "acme",
            "--id",
            &id,
        ])
        .args(["--to", "completed"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cannot move from received to completed",
        ));
    probity(p)
        .args([
            "privacy",
            "requests",
            "transition",
            "--tenant",
            "acme",
            "--id",
            &id,
        ])
        .args(["--to", "in_progress"])
        .assert()
        .success()
        .stdout(predicate::str::contains("in_progress").and(predicate::str::contains("OVERDUE")));
    // Too late to extend: the first month ran out long ago.
    probity(p)
        .args([
            "privacy", "requests", "extend", "--tenant", "acme", "--id", &id,
        ])
        .args(["--reason", "backlog"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("2024-02-29"));
    probity(p)
        .args(["privacy", "requests", "list", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DSR-001").and(predicate::str::contains("cust-7")));
    let shown = json(
        &probity(p)
            .args([
                "-o", "json", "privacy", "requests", "show", "--tenant", "acme", "--id", &id,
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(shown["history"].as_array().unwrap().len(), 1, "{shown}");

    let breach = json(
        &probity(p)
            .args([
                "-o", "json", "privacy", "breaches", "create", "--tenant", "acme",
            ])
            .args(["--title", "Lost laptop", "--nature", "theft"])
            .args(["--regime", "gdpr", "--regime", "hipaa"])
            .args(["--aware-at", "2024-03-01T09:00:00Z", "--subjects", "40"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert_eq!(breach["clocks"].as_array().unwrap().len(), 2, "{breach}");
    assert_eq!(breach["clocks"][0]["status"], "overdue", "{breach}");
    let bid = breach["id"].as_str().unwrap().to_owned();
    probity(p)
        .args([
            "privacy", "breaches", "notify", "--tenant", "acme", "--id", &bid,
        ])
        .args([
            "--recipient",
            "supervisory_authority",
            "--at",
            "2024-03-06T09:00:00Z",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("late_reason"));
    probity(p)
        .args([
            "privacy", "breaches", "notify", "--tenant", "acme", "--id", &bid,
        ])
        .args([
            "--recipient",
            "supervisory_authority",
            "--at",
            "2024-03-06T09:00:00Z",
        ])
        .args(["--late-reason", "scope unclear until forensics ended"])
        .assert()
        .success();
    probity(p)
        .args(["privacy", "breaches", "list", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("BR-001")
                .and(predicate::str::contains("gdpr supervisory_authority"))
                .and(predicate::str::contains("(late)")),
        );
}
