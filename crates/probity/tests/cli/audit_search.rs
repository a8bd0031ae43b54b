//! `probity audit search|stats|tail` on the local store: Probity's own records are searchable
//! without a server (the command drains and indexes first), filters and full text narrow the
//! answer, and a bad filter exits 2 naming the flag's field.

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn json(args: &[&str], dir: &std::path::Path) -> serde_json::Value {
    let out = probity(dir)
        .args(args)
        .args(["--output", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn audit_search_stats_and_tail_read_the_local_trail() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    for (slug, name) in [("acme", "Acme Corp"), ("globex", "Globex")] {
        probity(p)
            .args(["tenant", "create", "--slug", slug, "--name", name])
            .assert()
            .success();
    }
    probity(p)
        .args([
            "token",
            "create",
            "--tenant",
            "acme",
            "--role",
            "auditor",
            "--name",
            "siem-export",
        ])
        .assert()
        .success();

    let all = json(&["audit", "search", "--tenant", "acme"], p);
    let types: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"tenant.created"), "{types:?}");
    assert!(types.contains(&"api_token.created"), "{types:?}");
    let indexes: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert!(
        indexes.windows(2).all(|w| w[0] > w[1]),
        "newest first: {indexes:?}"
    );

    let tokens = json(
        &["audit", "search", "--tenant", "acme", "--type", "api_token"],
        p,
    );
    assert_eq!(tokens.as_array().unwrap().len(), 1, "{tokens:#}");
    let words = json(
        &["audit", "search", "--tenant", "acme", "-q", "siem export"],
        p,
    );
    assert_eq!(words.as_array().unwrap().len(), 1, "{words:#}");
    assert_eq!(words[0]["event_type"], "api_token.created");
    // Globex's trail has its own records only.
    let theirs = json(&["audit", "search", "--tenant", "globex", "-q", "siem"], p);
    assert!(theirs.as_array().unwrap().is_empty(), "{theirs:#}");

    let stats = json(&["audit", "stats", "--tenant", "acme", "--top", "3"], p);
    assert_eq!(stats["total"].as_u64().unwrap(), indexes.len() as u64);
    assert!(stats["top_actors"].as_array().unwrap().len() <= 3);

    probity(p)
        .args(["audit", "tail", "--tenant", "acme", "--last", "100"])
        .assert()
        .success()
        .stdout(predicate::str::contains("api_token.created"));

    probity(p)
        .args([
            "audit",
            "search",
            "--tenant",
            "acme",
            "--min-severity",
            "urgent",
            "--from",
            "yesterday",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("min_severity").and(predicate::str::contains("from")));
}
