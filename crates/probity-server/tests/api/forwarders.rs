//! SIEM forwarding against local receivers: a TCP syslog collector gets every ingested event
//! once, in ledger order, as RFC 5424 with its ledger index, and a restarted pass continues
//! from the persisted cursor; a webhook receives signed JSON batches whose `webhook-id` names
//! the range; a down collector is recorded as a failure with backoff and caught up later; a
//! second node does not send while the first holds the lease; filters and CEF format; bad
//! input is refused by field.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use probity_core::audit::syslog::{Frame, Framer, parse};
use probity_core::platform::Role;
use probity_server::forward_task::NetworkTransport;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::harness::{TestDatabase, TestServer, seed};
use crate::notify::{Receiver, assert_signed};

/// A TCP syslog collector on 127.0.0.1 that keeps every frame it reads (octet counting).
struct Collector {
    addr: std::net::SocketAddr,
    frames: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    async fn start() -> Collector {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let frames = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&frames);
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let kept = Arc::clone(&kept);
                tokio::spawn(async move {
                    let mut bytes = Vec::new();
                    stream.read_to_end(&mut bytes).await.unwrap();
                    let mut framer = Framer::new(1 << 20);
                    framer.push(&bytes);
                    while let Ok(Some(frame)) = framer.next_frame() {
                        let Frame::Message(m) = frame else {
                            panic!("bad frame")
                        };
                        kept.lock().unwrap().push(String::from_utf8(m).unwrap());
                    }
                    assert_eq!(framer.pending(), 0, "a frame was cut");
                });
            }
        });
        Collector { addr, frames }
    }

    fn frames(&self) -> Vec<String> {
        self.frames.lock().unwrap().clone()
    }

    /// The `seq` of every frame received, in order.
    fn seqs(&self) -> Vec<u64> {
        self.frames()
            .iter()
            .map(|f| {
                let m = parse(f.as_bytes()).unwrap();
                let seq = m.structured_data[0]
                    .params
                    .iter()
                    .find(|(k, _)| k == "seq")
                    .unwrap()
                    .1
                    .clone();
                seq.parse().unwrap()
            })
            .collect()
    }
}

fn event(n: usize, severity: &str) -> Value {
    json!({
        "event_type": "data.accessed",
        "category": "data_access",
        "severity": severity,
        "actor": { "type": "service", "id": format!("svc-{n}") },
        "message": format!("event {n}"),
    })
}

async fn ingest(server: &TestServer, token: &str, from: usize, count: usize, severity: &str) {
    let batch: Vec<Value> = (from..from + count).map(|n| event(n, severity)).collect();
    server
        .post("/api/v1/audit/events:batch")
        .token(token)
        .json(&Value::Array(batch))
        .send()
        .await
        .ok(200);
}

fn transport(server: &TestServer) -> NetworkTransport {
    NetworkTransport::new(
        "grc.example.com",
        StdDuration::from_secs(5),
        std::sync::Arc::clone(server.platform.clock()),
    )
    .unwrap()
}

/// Waits until the collector has read `n` frames (its reads run on their own tasks).
async fn wait_for(collector: &Collector, n: usize) {
    for _ in 0..200 {
        if collector.frames().len() >= n {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    panic!(
        "the collector got {} frames, not {n}",
        collector.frames().len()
    );
}

pub async fn forwarders_send_every_event_once_in_order(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let writer = acme.token(Role::Contributor);
    let collector = Collector::start().await;
    let net = transport(&server);

    // Bad input is refused by field; only owners and admins manage forwarders.
    for (body, field) in [
        (
            json!({ "name": "x", "destination": { "type": "syslog", "transport": "tcp", "address": "nohost" } }),
            "destination.address",
        ),
        (
            json!({ "name": "x", "destination": { "type": "webhook", "url": "ftp://x" } }),
            "destination.url",
        ),
        (
            json!({ "name": "x", "destination": { "type": "syslog", "transport": "tcp", "address": "h:1" }, "batch_size": 0 }),
            "batch_size",
        ),
        (
            json!({ "name": "x", "destination": { "type": "syslog", "transport": "tcp", "address": "h:1" }, "start": "yesterday" }),
            "start",
        ),
        (
            json!({ "name": "x", "destination": { "type": "syslog", "transport": "tcp", "address": "h:1" }, "filter": { "event_type": "Bad Type" } }),
            "filter.event_type",
        ),
    ] {
        let problem = server
            .post("/api/v1/audit/forwarders")
            .token(owner)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    server
        .post("/api/v1/audit/forwarders")
        .token(acme.token(Role::ComplianceManager))
        .json(&json!({ "name": "x", "destination": { "type": "syslog", "transport": "tcp", "address": "h:1" } }))
        .send()
        .await
        .problem(403, "forbidden");

    // Events before the forwarder exist; it starts from the beginning of the ledger.
    ingest(&server, writer, 0, 30, "low").await;
    let created = server
        .post("/api/v1/audit/forwarders")
        .token(owner)
        .json(&json!({
            "name": "SOC collector",
            "destination": { "type": "syslog", "transport": "tcp", "address": collector.addr.to_string() },
            "filter": { "source": "ingest" },
            "batch_size": 7,
            "start": "beginning",
        }))
        .send()
        .await
        .ok(201)
        .json();
    assert!(created.get("secret").is_none(), "syslog has no secret");
    let id = created["forwarder"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["forwarder"]["next_index"], 0);
    server.settle().await;
    let pumped = server
        .state
        .forwarders()
        .pump("node-a", &net, 3)
        .await
        .unwrap();
    // Three batches of 7 entries each, in one pass (the pass limit), all events.
    assert_eq!(pumped.batches, 3);
    wait_for(&collector, 21).await;
    // A later pass (a restart reads the same cursor) continues exactly where it stopped.
    server
        .state
        .forwarders()
        .pump("node-b", &net, 100)
        .await
        .unwrap();
    wait_for(&collector, 30).await;
    let seqs = collector.seqs();
    assert_eq!(seqs.len(), 30, "{seqs:?}");
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in ledger order: {seqs:?}"
    );
    let first = parse(collector.frames()[0].as_bytes()).unwrap();
    assert_eq!(first.hostname.as_deref(), Some("grc.example.com"));
    assert_eq!(first.message.as_deref(), Some("event 0"));
    let view = server
        .get(&format!("/api/v1/audit/forwarders/{id}"))
        .token(acme.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["progress"]["delivered"], 30);
    assert_eq!(view["lag"], 0, "{view}");
    // Nothing new: nothing sent again.
    let again = server
        .state
        .forwarders()
        .pump("node-a", &net, 100)
        .await
        .unwrap();
    assert_eq!(again.batches, 0);
    assert_eq!(collector.frames().len(), 30);

    // The forwarder's creation is in the trail.
    server.settle().await;
    let trail = server
        .get("/api/v1/audit/events?type=audit.forwarder")
        .token(acme.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(trail["items"][0]["event_type"], "audit.forwarder.created");

    // While node-a holds the lease, node-b sends nothing; after it expires node-b takes over.
    ingest(&server, writer, 30, 5, "low").await;
    let store = server.platform.store();
    let fid = serde_json::from_value(json!(id)).unwrap();
    assert!(
        store
            .lease_forwarder(
                fid,
                "node-a",
                server.now(),
                server.now() + Duration::seconds(30)
            )
            .await
            .unwrap()
    );
    let blocked = server
        .state
        .forwarders()
        .pump("node-b", &net, 100)
        .await
        .unwrap();
    assert_eq!(blocked.batches, 0);
    server.clock().advance(Duration::seconds(31));
    let resumed = server
        .state
        .forwarders()
        .pump("node-b", &net, 100)
        .await
        .unwrap();
    assert_eq!(resumed.delivered, 5);
    wait_for(&collector, 35).await;
    assert_eq!(collector.seqs().len(), 35);

    // A collector that is down: the failure is recorded, retried after a backoff, and the
    // events are delivered once it is back.
    let down = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down_addr = down.local_addr().unwrap();
    drop(down);
    let version = view["version"].as_u64().unwrap();
    let patched = server
        .patch(&format!("/api/v1/audit/forwarders/{id}"))
        .token(owner)
        .json(&json!({ "version": version, "destination": { "type": "syslog", "transport": "tcp", "address": down_addr.to_string() } }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(patched["version"], version + 1);
    ingest(&server, writer, 35, 4, "low").await;
    let failed = server
        .state
        .forwarders()
        .pump("node-a", &net, 100)
        .await
        .unwrap();
    assert_eq!(failed.failures, 1);
    let view = server
        .get(&format!("/api/v1/audit/forwarders/{id}"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["progress"]["failures"], 1);
    assert!(
        view["progress"]["last_error"]
            .as_str()
            .unwrap()
            .contains("connect"),
        "{view}"
    );
    assert!(view["progress"]["retry_at"].is_string());
    assert!(view["lag"].as_u64().unwrap() >= 4);
    // Before the retry time nothing is attempted.
    let early = server
        .state
        .forwarders()
        .pump("node-a", &net, 100)
        .await
        .unwrap();
    assert_eq!((early.batches, early.failures), (0, 0));
    server
        .patch(&format!("/api/v1/audit/forwarders/{id}"))
        .token(owner)
        .json(&json!({ "version": version + 1, "destination": { "type": "syslog", "transport": "tcp", "address": collector.addr.to_string(), "format": "cef" } }))
        .send()
        .await
        .ok(200);
    server.clock().advance(Duration::seconds(3));
    let caught_up = server
        .state
        .forwarders()
        .pump("node-a", &net, 100)
        .await
        .unwrap();
    assert_eq!(caught_up.delivered, 4);
    wait_for(&collector, 39).await;
    let frames = collector.frames();
    assert!(
        frames[38].contains(" CEF:0|Probity|Probity|"),
        "{}",
        frames[38]
    );
    let seqs = collector.seqs();
    let mut unique = seqs.clone();
    unique.dedup();
    assert_eq!(unique.len(), 39, "no event twice: {seqs:?}");

    // Paused forwarders send nothing; deleting one is audited.
    server
        .patch(&format!("/api/v1/audit/forwarders/{id}"))
        .token(owner)
        .json(&json!({ "version": version + 2, "enabled": false }))
        .send()
        .await
        .ok(200);
    ingest(&server, writer, 39, 2, "low").await;
    let paused = server
        .state
        .forwarders()
        .pump("node-a", &net, 100)
        .await
        .unwrap();
    assert_eq!(paused.batches, 0);
    server
        .delete(&format!("/api/v1/audit/forwarders/{id}"))
        .token(owner)
        .send()
        .await
        .ok(204);
    server
        .get(&format!("/api/v1/audit/forwarders/{id}"))
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

pub async fn webhook_forwarders_send_signed_batches(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let receiver = Receiver::start().await;
    let net = transport(&server);
    let created = server
        .post("/api/v1/audit/forwarders")
        .token(owner)
        .json(&json!({
            "name": "hook",
            "destination": { "type": "webhook", "url": format!("{}/siem", receiver.base) },
            "filter": { "min_severity": "high", "source": "ingest" },
        }))
        .send()
        .await
        .ok(201)
        .json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    // The secret is shown once: not in reads.
    let listed = server
        .get("/api/v1/audit/forwarders")
        .token(owner)
        .send()
        .await
        .ok(200);
    assert!(!listed.text.contains(&secret));
    assert!(!listed.text.contains("sealed"));

    let writer = acme.token(Role::Contributor);
    ingest(&server, writer, 0, 3, "low").await;
    ingest(&server, writer, 3, 4, "high").await;
    // The receiver fails the first attempt: a retry later sends the same batch with the same id.
    receiver.fail_next(1);
    let first = server
        .state
        .forwarders()
        .pump("node-a", &net, 10)
        .await
        .unwrap();
    assert_eq!(first.failures, 1);
    server.clock().advance(Duration::seconds(3));
    let second = server
        .state
        .forwarders()
        .pump("node-a", &net, 10)
        .await
        .unwrap();
    assert_eq!(second.delivered, 4);
    let got = receiver.received("/siem");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    for r in &got {
        assert_signed(r, &secret);
    }
    let body = got[1].json();
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "only high severity");
    assert!(events.iter().all(|e| e["severity"] == "high"));
    assert_eq!(body["tenant"], acme.tenant.slug.to_string());
    assert_eq!(body["first_index"], events[0]["index"]);
    server.finish().await;
}
