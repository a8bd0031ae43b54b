//! Audit retention over HTTP on a moved clock: the policy (built-in, then saved with its
//! version; stale and bad ones refused by field), legal holds (who may place them, their
//! criteria), a subject's erasure (dry run first, holds honoured, the subject never written
//! to the ledger), retention runs that erase exactly what is past its retention and not held
//! (a released hold lets the next run erase the rest), erased entries keeping their leaf hash
//! and inclusion proof, and another tenant seeing none of it.

use chrono::Duration;
use probity_core::platform::Role;
use probity_ledger::verify::verify_inclusion;
use probity_ledger::{Hash, leaf_hash};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::harness::{TestDatabase, TestServer, seed};

fn field(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn hash(text: &Value) -> Hash {
    Hash::from_base64(text.as_str().unwrap()).unwrap()
}

/// Fixture event `n`: critical every fourth, actor `user-(n % 3)`, subject `cust-42` on 1, 2
/// and 4.
fn event(n: usize) -> Value {
    let mut e = json!({
        "event_type": "data.accessed",
        "category": "data_access",
        "severity": if n % 4 == 3 { "critical" } else { "low" },
        "outcome": "success",
        "actor": { "type": "user", "id": format!("user-{}", n % 3) },
        "resource": { "type": "invoice", "id": format!("inv-{n}") },
        "details": { "n": n, "note": format!("invoice {n} read") },
    });
    if [1, 2, 4].contains(&n) {
        e["subject_ids"] = json!(["cust-42"]);
    }
    e
}

async fn events(server: &TestServer, token: &str, query: &str) -> Vec<Value> {
    server
        .get(&format!("/api/v1/audit/events?limit=500&{query}"))
        .token(token)
        .send()
        .await
        .ok(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub async fn retention_erases_what_is_due_and_holds_keep_the_rest(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let auditor = acme.token(Role::Auditor);
    let manager = acme.token(Role::ComplianceManager);
    const N: usize = 12;
    server
        .post("/api/v1/audit/events:batch")
        .token(acme.token(Role::Contributor))
        .json(&Value::Array((0..N).map(event).collect()))
        .send()
        .await
        .ok(200);
    server.settle().await;

    // The built-in policy: seven years, critical ten.
    let policy = server
        .get("/api/v1/audit/retention")
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(policy["version"], 0);
    assert_eq!(policy["default_days"], 2557);
    assert_eq!(policy["rules"][0]["severity"], "critical");
    let one_year = json!({ "default_days": 365, "rules": [ { "severity": "critical", "keep_days": 3650 } ], "version": 0 });
    server
        .put("/api/v1/audit/retention")
        .token(manager)
        .json(&one_year)
        .send()
        .await
        .problem(403, "forbidden");
    let saved = server
        .put("/api/v1/audit/retention")
        .token(owner)
        .json(&one_year)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(saved["version"], 1);
    server
        .put("/api/v1/audit/retention")
        .token(owner)
        .json(&one_year)
        .send()
        .await
        .problem(409, "conflict");
    let p = server
        .put("/api/v1/audit/retention")
        .token(owner)
        .json(&json!({ "default_days": 0, "version": 1 }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "default_days");

    // A hold on user-1's events, placed by a compliance manager (auditors may not).
    let hold_body = json!({ "case_id": "CASE-7", "reason": "pending litigation", "criteria": { "actor": "user-1" } });
    server
        .post("/api/v1/audit/legal-holds")
        .token(auditor)
        .json(&hold_body)
        .send()
        .await
        .problem(403, "forbidden");
    let p = server
        .post("/api/v1/audit/legal-holds")
        .token(manager)
        .json(&json!({ "case_id": "X", "reason": "r", "criteria": { "resource_id": "inv-1" } }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "criteria.resource_id");
    let hold = server
        .post("/api/v1/audit/legal-holds")
        .token(manager)
        .json(&hold_body)
        .send()
        .await
        .ok(201)
        .json();
    let hold_id = hold["id"].as_str().unwrap().to_owned();

    // The subject's erasure: a dry run changes nothing; the real one erases event 2 and keeps
    // 1 and 4 (user-1's, held).
    let n_of = |e: &Value| e["payload"]["details"]["n"].as_u64().unwrap();
    let subject_events = events(&server, auditor, "subject=cust-42").await;
    assert_eq!(subject_events.len(), 3);
    let erased_index = subject_events.iter().find(|e| n_of(e) == 2).unwrap()["index"]
        .as_u64()
        .unwrap();
    let before = server
        .get(&format!("/api/v1/ledger/entries/{erased_index}"))
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert!(before["payload"].is_object());
    let ask = |dry: bool| json!({ "subject": "cust-42", "reason": "DSR-2026-031 erasure", "dry_run": dry });
    let dry = server
        .post("/api/v1/audit/erasures")
        .token(owner)
        .json(&ask(true))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        (
            dry["found"].as_u64(),
            dry["erased"].as_u64(),
            dry["kept"].as_u64()
        ),
        (Some(3), Some(1), Some(2))
    );
    assert_eq!(events(&server, auditor, "subject=cust-42").await.len(), 3);
    server
        .post("/api/v1/audit/erasures")
        .token(manager)
        .json(&ask(false))
        .send()
        .await
        .problem(403, "forbidden");
    let done = server
        .post("/api/v1/audit/erasures")
        .token(owner)
        .json(&ask(false))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(done["erased"], 1);
    assert_eq!(
        done["erased_indexes"],
        json!([[erased_index, erased_index]])
    );
    assert_eq!(done["kept_by"][0]["case_id"], "CASE-7");
    assert_eq!(done["kept_by"][0]["events"], 2);
    let subject_sha = hex::encode(Sha256::digest(b"cust-42"));
    assert_eq!(done["subject_sha256"], subject_sha);
    let left: Vec<u64> = events(&server, auditor, "subject=cust-42")
        .await
        .iter()
        .map(n_of)
        .collect();
    assert_eq!(left, vec![4, 1]);
    // The entry stays in the log with its leaf hash and proof; only the payload is gone.
    server.settle().await;
    let after = server
        .get(&format!("/api/v1/ledger/entries/{erased_index}"))
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert!(after["payload"].is_null(), "{after}");
    assert_eq!(after["leaf_hash"], before["leaf_hash"]);
    assert_eq!(after["envelope"], before["envelope"]);
    let envelope = probity_ledger::jcs::canonical_bytes(&after["envelope"]).unwrap();
    let leaf = leaf_hash(&envelope);
    let proof = &after["proof"];
    let checkpoint = server
        .get("/api/v1/ledger/checkpoint")
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(proof["size"], checkpoint["size"]);
    let path: Vec<Hash> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(hash)
        .collect();
    verify_inclusion(
        &leaf,
        erased_index,
        proof["size"].as_u64().unwrap(),
        &path,
        &hash(&checkpoint["root"]),
    )
    .unwrap();
    // The ledger records the erasure by the subject's hash, never the id.
    let records = events(&server, owner, "type=audit.subject.erased").await;
    assert_eq!(records.len(), 1);
    let details = &records[0]["payload"]["details"];
    assert_eq!(details["subject_sha256"], subject_sha);
    assert_eq!(details["erased"], 1);
    assert!(!records[0].to_string().contains("cust-42"));

    // 400 days on: everything recorded at the start is past one year, except critical events
    // (ten years) and user-1's (held). The search listing says which those are.
    server.clock().advance(Duration::days(400));
    let due: Vec<Value> = events(&server, owner, "").await;
    let expect_held = due
        .iter()
        .filter(|e| e["severity"] != "critical" && e["actor_id"] == "user-1")
        .count() as u64;
    let expect_erased = due
        .iter()
        .filter(|e| e["severity"] != "critical" && e["actor_id"] != "user-1")
        .count() as u64;
    assert_eq!(expect_held, 3, "events 1, 4 and 10");
    let preview = server
        .post("/api/v1/audit/retention/runs")
        .token(owner)
        .json(&json!({ "dry_run": true }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        preview["erased"].as_u64(),
        Some(expect_erased),
        "{preview:#}"
    );
    assert_eq!(preview["held"].as_u64(), Some(expect_held));
    assert_eq!(
        events(&server, owner, "").await.len(),
        due.len(),
        "a dry run erases nothing"
    );
    let run = server
        .post("/api/v1/audit/retention/runs")
        .token(owner)
        .json(&json!({}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(run["erased"].as_u64(), Some(expect_erased));
    assert_eq!(run["held"].as_u64(), Some(expect_held));
    assert_eq!(run["policy_version"], 1);
    assert_eq!(run["held_by"][0]["case_id"], "CASE-7");
    let kept = events(&server, owner, "").await;
    assert_eq!(kept.len() as u64, due.len() as u64 - expect_erased);
    assert!(
        kept.iter()
            .all(|e| e["severity"] == "critical" || e["actor_id"] == "user-1")
    );
    server.settle().await;
    let tombstones = events(&server, owner, "type=audit.retention").await;
    let erased_record = tombstones
        .iter()
        .find(|e| e["event_type"] == "audit.retention.erased")
        .expect("a tombstone");
    assert_eq!(erased_record["payload"]["details"]["policy_version"], 1);
    assert!(
        tombstones
            .iter()
            .any(|e| e["event_type"] == "audit.retention.held")
    );

    // Released, the hold no longer keeps user-1's events: the next run erases them.
    server
        .post(&format!("/api/v1/audit/legal-holds/{hold_id}/release"))
        .token(manager)
        .json(&json!({ "reason": "matter settled" }))
        .send()
        .await
        .ok(200);
    server
        .post(&format!("/api/v1/audit/legal-holds/{hold_id}/release"))
        .token(manager)
        .json(&json!({ "reason": "again" }))
        .send()
        .await
        .problem(409, "conflict");
    let again = server
        .post("/api/v1/audit/retention/runs")
        .token(owner)
        .json(&json!({}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(again["erased"].as_u64(), Some(expect_held));
    assert_eq!(again["held"], 0);

    // Another tenant sees none of it.
    let other = world.globex.owner_token();
    let theirs = server
        .get("/api/v1/audit/legal-holds")
        .token(other)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["items"], json!([]));
    server
        .get(&format!("/api/v1/audit/legal-holds/{hold_id}"))
        .token(other)
        .send()
        .await
        .problem(404, "not_found");
    let theirs = server
        .get("/api/v1/audit/retention")
        .token(other)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["version"], 0);
}
