//! Event ingest: a single event lands as a ledger entry whose payload is the normalized event;
//! invalid events are refused naming every bad field; a batch (JSON array or NDJSON) with good
//! and bad events lands the good ones, in order, and reports each bad one with its errors;
//! oversized batches and wrong content types are refused as a whole.

use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

fn good(n: usize) -> Value {
    json!({
        "event_type": "data.accessed",
        "category": "data_access",
        "severity": "low",
        "actor": { "type": "service", "id": format!("svc-{n}") },
        "resource": { "type": "invoice", "id": format!("inv-{n}") },
        "control_ids": ["CC6.1"],
        "details": { "n": n },
    })
}

pub async fn single_events_become_ledger_entries(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let token = acme.token(Role::Contributor);
    let reply = server
        .post("/api/v1/audit/events")
        .token(token)
        .json(&good(1))
        .send()
        .await
        .ok(201)
        .json();
    let index = reply["index"].as_u64().unwrap();
    let event = &reply["event"];
    assert_eq!(event["severity"], "low");
    assert_eq!(event["outcome"], "success");
    assert_eq!(event["action"], "accessed");
    assert_eq!(event["submitted_by"]["type"], "api_token");
    assert_eq!(
        event["submitted_by"]["id"],
        acme.token_id(Role::Contributor).to_string()
    );
    // The entry is in the ledger now: envelope kind and payload are the event.
    let entry = server
        .get(&format!("/api/v1/ledger/entries/{index}"))
        .token(acme.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(entry["envelope"]["kind"], "data.accessed");
    assert_eq!(&entry["payload"], event);

    // Every problem is named; unknown fields and non-JSON are refused too.
    let problem = server
        .post("/api/v1/audit/events")
        .token(token)
        .json(&json!({
            "event_type": "Bad Type",
            "category": "data_access",
            "severity": "urgent",
            "actor": { "type": "service", "id": "x" },
            "risk_score": 2,
        }))
        .send()
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["event_type", "severity", "risk_score"]);
    let mut misspelt = good(2);
    misspelt["sevrity"] = json!("high");
    let problem = server
        .post("/api/v1/audit/events")
        .token(token)
        .json(&misspelt)
        .send()
        .await
        .problem(422, "validation_failed");
    assert!(
        problem["detail"].as_str().unwrap().contains("sevrity"),
        "{problem}"
    );
    // Nothing of the refused events reached the ledger.
    let head = server.state.ledger().head(acme.tenant.id).await.unwrap();
    assert_eq!(head.unwrap().size, index + 1);
    server.finish().await;
}

pub async fn batches_land_the_good_events_and_name_the_bad(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let token = acme.token(Role::ComplianceManager);
    let mut bad_severity = good(1);
    bad_severity["severity"] = json!("urgent");
    let batch =
        json!([good(0), bad_severity, "not an event", good(3), { "event_type": "x" }, good(5)]);
    let reply = server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .json(&batch)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        (reply["accepted"].as_u64(), reply["rejected"].as_u64()),
        (Some(3), Some(3))
    );
    let results = reply["results"].as_array().unwrap();
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "accepted", "rejected", "rejected", "accepted", "rejected", "accepted"
        ]
    );
    assert_eq!(results[1]["errors"][0]["field"], "severity");
    assert_eq!(results[2]["errors"][0]["field"], "event");
    assert!(
        results[4]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("missing field")
    );
    // The good ones landed in batch order, one after the other.
    let indexes: Vec<u64> = [0, 3, 5]
        .iter()
        .map(|&i| results[i]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [indexes[0], indexes[0] + 1, indexes[0] + 2]);
    for (n, index) in [0, 3, 5].iter().zip(&indexes) {
        let payload = server
            .state
            .ledger()
            .payload(acme.tenant.id, *index)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(payload["details"]["n"], *n);
    }

    // NDJSON, with blank lines and one line that is not JSON.
    let ndjson = format!("{}\n\n{{oops\n{}\n", good(10), good(11));
    let reply = server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .header("content-type", "application/x-ndjson")
        .body(ndjson)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        (reply["accepted"].as_u64(), reply["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(reply["results"][1]["status"], "rejected");
    assert!(
        reply["results"][1]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("not JSON")
    );

    // Refused as a whole: too many events, a body that is not an array, a wrong content type.
    let too_many: Vec<Value> = (0..1_001).map(good).collect();
    server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .json(&Value::from(too_many))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .json(&good(1))
        .send()
        .await
        .problem(422, "validation_failed");
    let problem = server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .header("content-type", "text/plain")
        .body("hello".to_owned())
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "content-type");
    // Auditors read the trail but do not write to it.
    server
        .post("/api/v1/audit/events:batch")
        .token(acme.token(Role::Auditor))
        .json(&json!([good(1)]))
        .send()
        .await
        .problem(403, "forbidden");
    server.finish().await;
}
