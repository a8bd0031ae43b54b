//! Audit search over the ledger's projection: every filter narrows to exactly the events it
//! names, full text finds words in messages and details, pages walk newest first, statistics
//! count exactly, another tenant sees nothing, bad filters are named, and the live tail (SSE)
//! resumes after `Last-Event-ID` without gaps or repeats.

use std::time::Duration;

use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

/// Event `n` of the fixture: its fields cycle so every filter has a known answer.
fn event(n: usize) -> Value {
    let severities = ["info", "low", "medium", "high", "critical"];
    let outcomes = ["success", "failure", "denied", "error"];
    let mut e = json!({
        "event_type": if n.is_multiple_of(3) { "user.login.failed" } else if n % 3 == 1 { "data.accessed" } else { "data.exported" },
        "category": if n.is_multiple_of(3) { "authentication" } else { "data_access" },
        "severity": severities[n % 5],
        "outcome": outcomes[n % 4],
        "actor": { "type": "user", "id": format!("user-{}", n % 4), "name": format!("User {}", n % 4) },
        "resource": { "type": "invoice", "id": format!("inv-{}", n % 6) },
        "ip": format!("10.0.0.{}", n % 5),
        "risk_score": (n % 10) as f64 / 10.0,
        "details": { "n": n, "note": if n == 7 { "quarterly refund approved" } else { "routine" } },
    });
    if n.is_multiple_of(2) {
        e["control_ids"] = json!(["CC6.1"]);
    }
    if n == 11 {
        e["subject_ids"] = json!(["subj-42"]);
        e["message"] = json!("Exported the payroll ledger for the auditors");
    }
    e
}

const N: usize = 40;

/// Which fixture events a query should return.
type Keep = Box<dyn Fn(usize) -> bool>;

async fn search(server: &TestServer, token: &str, query: &str) -> Vec<Value> {
    server
        .get(&format!(
            "/api/v1/audit/events?limit=500&source=ingest&{query}"
        ))
        .token(token)
        .send()
        .await
        .ok(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn ns(items: &[Value]) -> Vec<u64> {
    items
        .iter()
        .map(|e| e["payload"]["details"]["n"].as_u64().unwrap())
        .collect()
}

/// The fixture events matching `keep`, newest (highest n) first.
fn expect(keep: impl Fn(usize) -> bool) -> Vec<u64> {
    (0..N)
        .rev()
        .filter(|&n| keep(n))
        .map(|n| n as u64)
        .collect()
}

pub async fn filters_full_text_pages_and_statistics(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let writer = world.acme.token(Role::Contributor);
    let owner = world.acme.owner_token();
    let batch: Vec<Value> = (0..N).map(event).collect();
    let reply = server
        .post("/api/v1/audit/events:batch")
        .token(writer)
        .json(&Value::Array(batch))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(reply["accepted"], N);
    server.settle().await;

    assert_eq!(ns(&search(&server, owner, "").await), expect(|_| true));
    let cases: Vec<(&str, Keep)> = vec![
        ("type=user.login", Box::new(|n| n % 3 == 0)),
        ("type=data", Box::new(|n| n % 3 != 0)),
        ("type=data.exported", Box::new(|n| n % 3 == 2)),
        ("type=data.export", Box::new(|_| false)),
        ("category=authentication", Box::new(|n| n % 3 == 0)),
        ("min_severity=high", Box::new(|n| n % 5 >= 3)),
        ("outcome=denied", Box::new(|n| n % 4 == 2)),
        ("actor=user-1", Box::new(|n| n % 4 == 1)),
        ("resource=invoice", Box::new(|_| true)),
        ("resource=invoice:inv-5", Box::new(|n| n % 6 == 5)),
        ("control=CC6.1", Box::new(|n| n % 2 == 0)),
        ("control=CC6", Box::new(|_| false)),
        ("ip=10.0.0.3", Box::new(|n| n % 5 == 3)),
        ("min_risk=0.8", Box::new(|n| n % 10 >= 8)),
        ("subject=subj-42", Box::new(|n| n == 11)),
        ("q=refund", Box::new(|n| n == 7)),
        ("q=Quarterly%20APPROVED", Box::new(|n| n == 7)),
        ("q=refund%20payroll", Box::new(|_| false)),
        ("q=payroll", Box::new(|n| n == 11)),
        (
            "q=routine&actor=user-2&min_severity=medium",
            Box::new(|n| n != 7 && n % 4 == 2 && n % 5 >= 2),
        ),
    ];
    for (query, keep) in &cases {
        assert_eq!(
            ns(&search(&server, owner, query).await),
            expect(keep),
            "query {query}"
        );
    }
    let until_past = search(&server, owner, "to=2000-01-01T00:00:00Z").await;
    assert!(until_past.is_empty());

    // Probity's own records are in the same trail, kept apart by source.
    let own = server
        .get("/api/v1/audit/events?source=probity")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        own["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "tenant.created" || e["event_type"] == "membership.created"),
        "{own:#}"
    );

    // Pages of three walk the same list.
    let mut walked = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = server
            .get(&format!(
                "/api/v1/audit/events?source=ingest&limit=3{cursor}"
            ))
            .token(owner)
            .send()
            .await
            .ok(200)
            .json();
        walked.extend(ns(page["items"].as_array().unwrap()));
        assert!(page["indexed_through"].as_u64().unwrap() >= N as u64);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(walked, expect(|_| true));

    // Statistics count exactly.
    let stats = server
        .get("/api/v1/audit/statistics?source=ingest&top=3")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(stats["total"], N);
    let count = |list: &str, key: &str| -> u64 {
        stats[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map_or(0, |c| c["count"].as_u64().unwrap())
    };
    let exact = |keep: &dyn Fn(usize) -> bool| (0..N).filter(|&n| keep(n)).count() as u64;
    assert_eq!(
        count("by_type", "user.login.failed"),
        exact(&|n| n % 3 == 0)
    );
    assert_eq!(count("by_category", "data_access"), exact(&|n| n % 3 != 0));
    assert_eq!(count("by_severity", "critical"), exact(&|n| n % 5 == 4));
    assert_eq!(count("by_outcome", "error"), exact(&|n| n % 4 == 3));
    assert_eq!(count("top_actors", "user-0"), exact(&|n| n % 4 == 0));
    assert_eq!(stats["top_actors"].as_array().unwrap().len(), 3);
    assert_eq!(
        count("top_resources", "invoice:inv-0"),
        exact(&|n| n % 6 == 0)
    );
    let bars: u64 = stats["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(bars, N as u64);

    // Another tenant's search sees none of it.
    let theirs = search(&server, world.globex.owner_token(), "").await;
    assert!(theirs.is_empty(), "{theirs:#?}");

    // Bad filters are named, all at once.
    let p = server
        .get("/api/v1/audit/events?from=yesterday&min_severity=urgent&min_risk=2&q=%21%21")
        .token(owner)
        .send()
        .await
        .problem(422, "validation_failed");
    let text = p.to_string();
    for field in ["from", "min_severity", "min_risk", "\"q\""] {
        assert!(text.contains(field), "{field} not named in {p:#}");
    }
    server
        .get("/api/v1/audit/statistics?bucket=week")
        .token(owner)
        .send()
        .await
        .problem(422, "validation_failed");
    // Contributors write events but do not read the trail.
    server
        .get("/api/v1/audit/events")
        .token(writer)
        .send()
        .await
        .problem(403, "forbidden");
    server.finish().await;
}

/// Reads `count` SSE events (`id` and `data`) from a live response.
async fn read_events(mut response: reqwest::Response, count: usize) -> Vec<(u64, Value)> {
    let mut buffer = String::new();
    let mut out = Vec::new();
    while out.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(20), response.chunk())
            .await
            .expect("an event within 20 s")
            .expect("a chunk")
            .expect("the stream is open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().parse::<u64>().unwrap());
                }
                if let Some(v) = line.strip_prefix("data:") {
                    data = Some(serde_json::from_str::<Value>(v.trim()).unwrap());
                }
            }
            if let (Some(id), Some(data)) = (id, data) {
                out.push((id, data));
            }
        }
    }
    out
}

pub async fn live_tail_resumes_after_the_last_event_id(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let writer = world.acme.token(Role::Contributor);
    let owner = world.acme.owner_token().to_owned();
    let post = |from: usize, to: usize| {
        let batch: Vec<Value> = (from..to).map(event).collect();
        server
            .post("/api/v1/audit/events:batch")
            .token(writer)
            .json(&Value::Array(batch))
            .send()
    };
    post(0, 5).await.ok(200);
    server.settle().await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/api/v1/audit/stream?type=data&from_index=0",
        server.base()
    );
    let open = |last: Option<u64>| {
        let mut req = client.get(&url).bearer_auth(&owner);
        if let Some(last) = last {
            req = req.header("last-event-id", last.to_string());
        }
        req.send()
    };
    let first = open(None).await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(
        first.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // Events 1, 2 and 4 of the first five are `data.*`.
    let got = read_events(first, 3).await;
    let seen: Vec<u64> = got
        .iter()
        .map(|(_, e)| e["payload"]["details"]["n"].as_u64().unwrap())
        .collect();
    assert_eq!(seen, [1, 2, 4]);
    let last_id = got[1].0; // the client saw two, then dropped the connection
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0));

    post(5, 10).await.ok(200);
    server.settle().await;
    let resumed = read_events(open(Some(last_id)).await.unwrap(), 4).await;
    let seen: Vec<u64> = resumed
        .iter()
        .map(|(_, e)| e["payload"]["details"]["n"].as_u64().unwrap())
        .collect();
    // After n=2: n=4 again (it came after the last acknowledged id), then 5, 7, 8.
    assert_eq!(seen, [4, 5, 7, 8]);
    assert!(resumed.iter().all(|(id, _)| *id > last_id));

    // A bad Last-Event-ID is refused, not ignored.
    let bad = client
        .get(&url)
        .bearer_auth(&owner)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    server.finish().await;
}

/// The export: every matching event oldest first, as JSONL (what search returns, payload
/// included) or CSV (header then one row per event, formula-looking text defused), audited
/// with its filters; a bad format is named.
pub async fn audit_export_streams_jsonl_and_csv(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let batch: Vec<Value> = (0..N).map(event).collect();
    server
        .post("/api/v1/audit/events:batch")
        .token(world.acme.token(Role::Contributor))
        .json(&Value::Array(batch))
        .send()
        .await
        .ok(200);
    server.settle().await;

    let jsonl = server
        .get("/api/v1/audit/export?source=ingest")
        .token(owner)
        .send()
        .await
        .ok(200);
    assert_eq!(jsonl.header("content-type"), Some("application/x-ndjson"));
    let ns: Vec<u64> = jsonl
        .text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["payload"]["details"]["n"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        ns,
        (0..N as u64).collect::<Vec<_>>(),
        "every event, oldest first"
    );

    let csv = server
        .get("/api/v1/audit/export?source=ingest&format=csv&type=data.exported")
        .token(world.acme.token(Role::Auditor))
        .send()
        .await
        .ok(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("index,recorded_at,occurred_at,event_type,"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len() - 1, (0..N).filter(|n| n % 3 == 2).count());
    assert!(lines[1..].iter().all(|l| l.contains(",data.exported,")));

    let p = server
        .get("/api/v1/audit/export?format=xml")
        .token(owner)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "format");
    server
        .get("/api/v1/audit/export")
        .token(world.acme.token(Role::Viewer))
        .send()
        .await
        .problem(403, "forbidden");
    server.settle().await;
    let records = server
        .get("/api/v1/audit/events?type=audit.exported")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let items = records["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "one record per export served");
    assert!(
        items
            .iter()
            .any(|e| e["payload"]["details"]["filters"]["type"] == "data.exported")
    );
}
