//! Detection rules over HTTP on a synthetic stream: rules see only events indexed after they
//! exist, each raises exactly the expected alerts with the ledger indexes of the triggering
//! events (threshold per actor, sequence, risk), a second pass raises nothing again, alerts
//! are recorded in the ledger and notified, acknowledged and resolved once by the right
//! roles, bad rules are named by field, and another tenant sees none of it.

use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

fn field(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn login_failed(actor: &str) -> Value {
    json!({
        "event_type": "user.login.failed", "category": "authentication", "severity": "low",
        "outcome": "failure", "actor": { "type": "user", "id": actor }, "ip": "198.51.100.7",
    })
}

fn event(event_type: &str, actor: &str, risk: f64) -> Value {
    json!({
        "event_type": event_type, "category": "data_access",
        "actor": { "type": "user", "id": actor }, "risk_score": risk,
    })
}

async fn ingest(server: &TestServer, token: &str, events: Vec<Value>) -> Vec<u64> {
    let reply = server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .json(&Value::Array(events))
        .send()
        .await
        .ok(200)
        .json();
    reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["index"].as_u64().unwrap())
        .collect()
}

async fn alerts(server: &TestServer, token: &str) -> Vec<Value> {
    server
        .get("/api/v1/audit/alerts")
        .token(token)
        .send()
        .await
        .ok(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub async fn detection_rules_raise_exactly_the_expected_alerts(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let writer = acme.token(Role::Contributor);
    let manager = acme.token(Role::ComplianceManager);
    let auditor = acme.token(Role::Auditor);

    // Before any rule: eve fails five times; nothing will ever alert on these.
    ingest(
        &server,
        writer,
        (0..5).map(|_| login_failed("eve")).collect(),
    )
    .await;
    server.settle().await;

    let threshold = json!({
        "name": "Password spraying", "severity": "high",
        "match": { "event_type": "user.login.failed" },
        "kind": { "type": "threshold", "count": 5, "window_minutes": 10, "group_by": "actor" },
    });
    server
        .post("/api/v1/audit/rules")
        .token(auditor)
        .json(&threshold)
        .send()
        .await
        .problem(403, "forbidden");
    let rule = server
        .post("/api/v1/audit/rules")
        .token(manager)
        .json(&threshold)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(rule["version"], 1);
    server
        .post("/api/v1/audit/rules")
        .token(manager)
        .json(&threshold)
        .send()
        .await
        .problem(409, "conflict");
    for (body, expected) in [
        (
            json!({ "name": "x", "kind": { "type": "threshold", "count": 1, "window_minutes": 10 } }),
            "kind.count",
        ),
        (
            json!({ "name": "x", "kind": { "type": "sequence", "then_type": "data.exported", "within_minutes": 30 } }),
            "match.event_type",
        ),
        (
            json!({ "name": "x", "kind": { "type": "risk_above", "min_risk": 2.0 } }),
            "kind.min_risk",
        ),
    ] {
        let p = server
            .post("/api/v1/audit/rules")
            .token(manager)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(field(&p), expected, "{body}");
    }
    server
        .post("/api/v1/audit/rules")
        .token(manager)
        .json(&json!({
            "name": "Privilege then export", "severity": "critical",
            "match": { "event_type": "user.role.granted" },
            "kind": { "type": "sequence", "then_type": "data.exported", "within_minutes": 30 },
        }))
        .send()
        .await
        .ok(201);
    server
        .post("/api/v1/audit/rules")
        .token(manager)
        .json(&json!({ "name": "Risky", "kind": { "type": "risk_above", "min_risk": 0.9 } }))
        .send()
        .await
        .ok(201);

    // The stream: alice fails six times (the fifth completes the threshold), bob three
    // times; mallory is granted a role, then exports; one risky read.
    let alice = ingest(
        &server,
        writer,
        (0..6).map(|_| login_failed("alice")).collect(),
    )
    .await;
    ingest(
        &server,
        writer,
        (0..3).map(|_| login_failed("bob")).collect(),
    )
    .await;
    let mallory = ingest(
        &server,
        writer,
        vec![
            event("user.role.granted", "mallory", 0.2),
            event("data.accessed", "mallory", 0.1),
            event("data.exported", "mallory", 0.3),
        ],
    )
    .await;
    let risky = ingest(&server, writer, vec![event("data.accessed", "carol", 0.95)]).await;
    server.settle().await;
    server.settle().await;

    let found = alerts(&server, auditor).await;
    let mut summary: Vec<(String, String, Vec<u64>)> = found
        .iter()
        .map(|a| {
            (
                a["rule_name"].as_str().unwrap().to_owned(),
                a["detection"]["key"].as_str().unwrap().to_owned(),
                a["detection"]["indexes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_u64().unwrap())
                    .collect(),
            )
        })
        .collect();
    summary.sort();
    assert_eq!(
        summary,
        vec![
            (
                "Password spraying".to_owned(),
                "alice".to_owned(),
                alice[..5].to_vec()
            ),
            (
                "Privilege then export".to_owned(),
                "mallory".to_owned(),
                vec![mallory[0], mallory[2]]
            ),
            ("Risky".to_owned(), "carol".to_owned(), vec![risky[0]]),
        ]
    );
    assert!(found.iter().all(|a| a["status"] == "open"));

    // Evaluated once: more passes raise nothing new; each alert is in the ledger and notified.
    server.settle().await;
    assert_eq!(alerts(&server, auditor).await.len(), 3);
    let raised = server
        .get("/api/v1/audit/events?type=audit.alert.raised")
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    let raised = raised["items"].as_array().unwrap();
    assert_eq!(raised.len(), 3);
    let spray = raised
        .iter()
        .find(|e| e["payload"]["details"]["rule"] == "Password spraying")
        .expect("the spraying alert's record");
    assert_eq!(spray["payload"]["details"]["indexes"], json!(alice[..5]));
    let notes = server
        .get("/api/v1/notifications")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "audit.alert")
            .count(),
        3
    );

    // Handling: acknowledged once, resolved once with a note; auditors only read.
    let id = found.iter().find(|a| a["rule_name"] == "Risky").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .post(&format!("/api/v1/audit/alerts/{id}/ack"))
        .token(auditor)
        .send()
        .await
        .problem(403, "forbidden");
    let acked = server
        .post(&format!("/api/v1/audit/alerts/{id}/ack"))
        .token(manager)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(acked["status"], "acknowledged");
    server
        .post(&format!("/api/v1/audit/alerts/{id}/ack"))
        .token(manager)
        .send()
        .await
        .problem(409, "conflict");
    let resolved = server
        .post(&format!("/api/v1/audit/alerts/{id}/resolve"))
        .token(manager)
        .json(&json!({ "note": "carol's bulk read was the quarterly audit sample" }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(
        resolved["resolved"]["note"],
        "carol's bulk read was the quarterly audit sample"
    );
    server
        .post(&format!("/api/v1/audit/alerts/{id}/resolve"))
        .token(manager)
        .json(&json!({ "note": "again" }))
        .send()
        .await
        .problem(409, "conflict");
    let open = server
        .get("/api/v1/audit/alerts?status=open")
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(open["items"].as_array().unwrap().len(), 2);
    let p = server
        .get("/api/v1/audit/alerts?status=closed")
        .token(auditor)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "status");

    // A changed rule restarts: version 2.
    let rule_id = rule["id"].as_str().unwrap();
    let changed = server
        .put(&format!("/api/v1/audit/rules/{rule_id}"))
        .token(manager)
        .json(&json!({
            "name": "Password spraying", "severity": "high",
            "match": { "event_type": "user.login.failed" },
            "kind": { "type": "threshold", "count": 3, "window_minutes": 10 },
        }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(changed["version"], 2);

    // Another tenant sees none of it.
    let other = world.globex.owner_token();
    assert!(alerts(&server, other).await.is_empty());
    server
        .get(&format!("/api/v1/audit/alerts/{id}"))
        .token(other)
        .send()
        .await
        .problem(404, "not_found");
    server
        .get(&format!("/api/v1/audit/rules/{rule_id}"))
        .token(other)
        .send()
        .await
        .problem(404, "not_found");
}

pub async fn detection_alerts_become_policy_violations(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let policy = server
        .post("/api/v1/policies")
        .token(owner)
        .json(&json!({ "key": "access-control", "template": "access-control", "owner": "CISO" }))
        .send()
        .await
        .ok(201)
        .json();
    let policy_id = policy["id"].as_str().unwrap().to_owned();
    let rule = |policy: &str| {
        json!({
            "name": "Password spraying", "severity": "high",
            "match": { "event_type": "user.login.failed" },
            "kind": { "type": "threshold", "count": 3, "window_minutes": 10 },
            "policy_id": policy,
        })
    };
    // A policy of another tenant (or none) is refused by field.
    let foreign = server
        .post("/api/v1/policies")
        .token(world.globex.owner_token())
        .json(&json!({ "key": "access-control", "template": "access-control", "owner": "CISO" }))
        .send()
        .await
        .ok(201)
        .json();
    let p = server
        .post("/api/v1/audit/rules")
        .token(owner)
        .json(&rule(foreign["id"].as_str().unwrap()))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "policy_id");
    let created = server
        .post("/api/v1/audit/rules")
        .token(owner)
        .json(&rule(&policy_id))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(created["policy_id"], policy_id.as_str());
    ingest(
        &server,
        acme.token(Role::Contributor),
        (0..3).map(|_| login_failed("mallory")).collect(),
    )
    .await;
    server.settle().await;
    let alerts = server
        .get("/api/v1/audit/alerts")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let alert_id = alerts["items"][0]["id"].as_str().unwrap().to_owned();
    let violations = server
        .get(&format!("/api/v1/policies/{policy_id}/violations"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let items = violations["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{violations}");
    let v = &items[0];
    assert_eq!(v["source"], "detection_rule");
    assert_eq!(v["severity"], "high");
    assert_eq!(v["reference"], format!("alert:{alert_id}"));
    assert!(
        v["description"]
            .as_str()
            .unwrap()
            .contains("Password spraying"),
        "{v}"
    );
    // Recorded in the trail like any violation.
    server.settle().await;
    let trail = server
        .get("/api/v1/audit/events?type=policy.violation.recorded")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 1);
    server.finish().await;
}
