//! `probity support` through the real binary on a SQLite data directory: a ticket imported
//! with its opening time gets the due times of its tier × priority in business hours, is
//! routed by category, waits on the customer (paused), is answered and solved; an unknown
//! tier and an illegal move are refused naming the field; the policies are replaced from a
//! file; the metrics count the ticket.

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn support_tickets_policies_and_metrics_from_the_command_line() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    // Friday 2024-03-01 16:00 UTC, premium × high on office hours (09:00–17:00 UTC): one
    // business hour on Friday, then Monday.
    let out = probity(p)
        .args([
            "-o", "json", "support", "tickets", "create", "--tenant", "acme",
        ])
        .args([
            "--customer",
            "acct-1",
            "--title",
            "Cannot export",
            "--category",
            "billing",
        ])
        .args([
            "--tier",
            "premium",
            "--priority",
            "high",
            "--assignee",
            "sam",
        ])
        .args(["--opened-at", "2024-03-01T16:00:00Z"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let created = json(&out);
    assert_eq!(created["queue"], "billing", "{created}");
    assert_eq!(
        created["first_response_clock"]["due_at"], "2024-03-04T10:00:00Z",
        "{created}"
    );
    assert_eq!(
        created["resolution_clock"]["due_at"], "2024-03-05T16:00:00Z",
        "{created}"
    );
    let id = created["id"].as_str().unwrap().to_owned();

    probity(p)
        .args(["support", "tickets", "create", "--tenant", "acme"])
        .args([
            "--customer",
            "a",
            "--title",
            "t",
            "--category",
            "x",
            "--tier",
            "gold",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("tier"));
    probity(p)
        .args([
            "support", "tickets", "status", "--tenant", "acme", "--id", &id, "--to", "closed",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot move from new to closed"));
    probity(p)
        .args([
            "support", "tickets", "respond", "--tenant", "acme", "--id", &id,
        ])
        .args([
            "--body",
            "Which file format?",
            "--status",
            "pending_customer",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("pending_customer"));
    probity(p)
        .args([
            "support", "tickets", "note", "--tenant", "acme", "--id", &id,
        ])
        .args(["--body", "Known bug in the XLSX writer."])
        .assert()
        .success();
    let out = probity(p)
        .args([
            "-o", "json", "support", "tickets", "show", "--tenant", "acme", "--id", &id,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let shown = json(&out);
    // Answered long after its due time (the ticket was opened in 2024): late, and paused.
    assert_eq!(shown["status"], "pending_customer", "{shown}");
    assert_eq!(shown["messages"].as_array().unwrap().len(), 2);
    assert_eq!(shown["first_response_clock"]["state"], "breached");
    assert_eq!(
        shown["first_response_clock"]["breached_at"],
        "2024-03-04T10:00:00Z"
    );
    assert!(shown["resolution_clock"]["due_at"].is_null(), "{shown}");
    probity(p)
        .args([
            "support", "tickets", "respond", "--tenant", "acme", "--id", &id,
        ])
        .args(["--body", "XLSX please", "--customer"])
        .assert()
        .success();
    // The resolution clock runs again and is long past due: one escalation, then none.
    for escalated in [1, 0] {
        let out = probity(p)
            .args(["-o", "json", "support", "sweep", "--tenant", "acme"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let r = json(&out);
        assert_eq!(r["tickets"], 1, "{r}");
        assert_eq!(r["escalated"], escalated, "{r}");
    }
    probity(p)
        .args([
            "support", "tickets", "status", "--tenant", "acme", "--id", &id, "--to", "solved",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("solved"));
    let out = probity(p)
        .args([
            "-o", "json", "support", "tickets", "list", "--tenant", "acme", "--status", "solved",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&out).as_array().unwrap().len(), 1);

    // Policies: the shipped default, then a file with one tier.
    probity(p)
        .args(["support", "policies", "list", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("enterprise").and(predicate::str::contains("24x7")));
    let file = p.join("support.json");
    std::fs::write(
        &file,
        r#"{"calendars":[{"key":"ny","time_zone":"America/New_York","hours":[{"day":"monday","from":"08:00","to":"18:00"}]}],
            "policies":[{"tier":"gold","priority":"urgent","first_response_minutes":15,"resolution_minutes":120,"calendar":"ny"}],
            "default_queue":"front"}"#,
    )
    .unwrap();
    probity(p)
        .args(["support", "policies", "set", "--tenant", "acme", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("gold"));
    std::fs::write(
        &file,
        r#"{"calendars":[],"policies":[],"default_queue":"x"}"#,
    )
    .unwrap();
    probity(p)
        .args(["support", "policies", "set", "--tenant", "acme", "--file"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("calendars"));

    let out = probity(p)
        .args(["-o", "json", "support", "metrics", "--tenant", "acme"])
        .args([
            "--from",
            "2024-03-01T00:00:00Z",
            "--to",
            "2024-04-01T00:00:00Z",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let m = json(&out);
    assert_eq!(m["overall"]["tickets"], 1, "{m}");
    assert_eq!(m["overall"]["first_response"]["count"], 1);
    assert_eq!(m["by_agent"][0]["key"], "sam");
}
