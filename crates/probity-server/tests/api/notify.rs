//! Notifications end to end with local receivers only: a webhook receiver on 127.0.0.1 that
//! checks Standard Webhooks signatures with its own HMAC and fails on request, Slack and
//! PagerDuty payload shapes, email to an SMTP sink on loopback, routing, deduplication,
//! retries with backoff, dead letters, and escalation until acknowledged; time moves by a
//! manual clock and the job worker is stepped by hand.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac as _};
use probity_core::notify::{Notice, NotifySettings, Severity};
use probity_server::jobs::{Step, Worker};
use probity_server::notify::{DispatchSettings, SmtpSecurity, SmtpSettings};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use crate::harness::{TestDatabase, TestServer, seed};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct ReceiverState {
    got: Arc<Mutex<Vec<Received>>>,
    fail_next: Arc<AtomicUsize>,
    fail_status: Arc<AtomicU16>,
}

/// An HTTP receiver on 127.0.0.1: records every POST and answers 500 (or the status set by
/// [`Receiver::fail_with`]) while failures are due, 204 otherwise.
pub struct Receiver {
    pub base: String,
    state: ReceiverState,
}

async fn receive(
    State(s): State<ReceiverState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    s.got.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let failing = s
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    match s.fail_status.load(Ordering::SeqCst) {
        _ if !failing => StatusCode::NO_CONTENT,
        0 => StatusCode::INTERNAL_SERVER_ERROR,
        code => StatusCode::from_u16(code).unwrap(),
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = ReceiverState::default();
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, state }
    }

    pub fn fail_next(&self, n: usize) {
        self.fail_with(n, 500);
    }

    pub fn fail_with(&self, n: usize, status: u16) {
        self.state.fail_status.store(status, Ordering::SeqCst);
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn received(&self, path: &str) -> Vec<Received> {
        self.state
            .got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// Checks a Standard Webhooks request against `secret` (`whsec_...`) with an HMAC computed
/// here: `v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))`.
pub fn assert_signed(r: &Received, secret: &str) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let id = &r.headers["webhook-id"];
    let timestamp = &r.headers["webhook-timestamp"];
    assert!(
        timestamp.parse::<i64>().is_ok(),
        "integer unix seconds: {timestamp}"
    );
    let mut mac = <Hmac<sha2::Sha256>>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let signatures: Vec<&str> = r.headers["webhook-signature"].split(' ').collect();
    assert!(
        signatures.contains(&expected.as_str()),
        "{signatures:?} lacks {expected}"
    );
    assert_eq!(r.headers["content-type"], "application/json");
}

/// Runs due jobs until none is left; returns how many ran.
pub(crate) async fn drain(worker: &Worker) -> usize {
    let mut ran = 0;
    loop {
        match worker.step().await.unwrap() {
            Step::Idle => return ran,
            Step::Dead(id) => panic!("job {id} died"),
            _ => ran += 1,
        }
        assert!(ran < 100, "the worker does not settle");
    }
}

pub(crate) fn worker(server: &TestServer) -> Worker {
    Worker::new(
        server.state.clone(),
        Arc::clone(&server.platform),
        "notify-test".into(),
    )
}

async fn channel(server: &TestServer, token: &str, body: Value) -> Value {
    server
        .post("/api/v1/notifications/channels")
        .token(token)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json()
}

async fn rule(server: &TestServer, token: &str, body: Value) -> Value {
    server
        .post("/api/v1/notifications/rules")
        .token(token)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json()
}

async fn log(server: &TestServer, token: &str, channel: &str) -> Vec<Value> {
    let page = server
        .get(&format!(
            "/api/v1/notifications/channels/{channel}/deliveries"
        ))
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    page["items"].as_array().unwrap().clone()
}

fn notice(kind: &str, severity: Severity, dedup: Option<&str>) -> Notice {
    Notice {
        kind: kind.into(),
        severity,
        title: format!("{kind} needs attention"),
        body: "Details of what happened.".into(),
        link: Some("https://probity.test/items/1".into()),
        dedup_key: dedup.map(str::to_owned),
    }
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// A webhook channel: every request is signed per Standard Webhooks, failures are retried
/// with backoff under the same `webhook-id` until accepted, and the delivery log shows it;
/// a receiver that never accepts gets exactly the maximum attempts, then a dead letter.
pub async fn webhook_is_signed_retried_and_dead_lettered(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let receiver = Receiver::start().await;
    let created = channel(
        &server,
        owner,
        json!({ "name": "ops hook", "kind": "webhook", "url": format!("{}/hook", receiver.base) }),
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = created["channel"]["id"].as_str().unwrap().to_owned();
    // The secret is shown once: never in reads.
    let read = server
        .get(&format!("/api/v1/notifications/channels/{id}"))
        .token(owner)
        .send()
        .await
        .ok(200);
    assert!(
        !read.text.contains(&secret) && !read.text.contains("secret"),
        "{}",
        read.text
    );
    rule(
        &server,
        owner,
        json!({ "name": "all", "min_severity": "info", "channels": [id] }),
    )
    .await;

    receiver.fail_next(2);
    let raised = server
        .state
        .notify()
        .raise(
            world.acme.tenant.id,
            &notice("breach.deadline", Severity::High, None),
        )
        .await
        .unwrap();
    assert_eq!(raised.deliveries, 1);
    let worker = worker(&server);
    let start = server.now();
    assert_eq!(drain(&worker).await, 1);
    let entry = &log(&server, owner, &id).await[0];
    assert_eq!(entry["status"], "failed");
    assert_eq!(entry["attempts"], 1);
    assert_eq!(entry["response_status"], 500);
    assert_eq!(entry["last_error"], "the receiver answered HTTP 500");
    let next = time(&entry["next_attempt_at"]);
    assert!(
        next >= start + Duration::seconds(1) && next <= start + Duration::seconds(30),
        "first retry within 30 s: {next}"
    );

    // Not before its time; then the second failure, with a ceiling of 60 s.
    server.clock().set(next - Duration::milliseconds(1));
    assert_eq!(drain(&worker).await, 0);
    server.clock().set(next);
    assert_eq!(drain(&worker).await, 1);
    let entry = &log(&server, owner, &id).await[0];
    assert_eq!(
        (entry["status"].as_str(), entry["attempts"].as_i64()),
        (Some("failed"), Some(2))
    );
    let next2 = time(&entry["next_attempt_at"]);
    assert!(
        next2 > next && next2 <= next + Duration::seconds(60),
        "{next2}"
    );
    server.clock().set(next2);
    assert_eq!(drain(&worker).await, 1);
    let entry = &log(&server, owner, &id).await[0];
    assert_eq!(entry["status"], "delivered");
    assert_eq!(entry["attempts"], 3);
    assert_eq!(entry["response_status"], 204);
    assert_eq!(time(&entry["delivered_at"]), next2);
    assert!(entry["last_error"].is_null());

    let got = receiver.received("/hook");
    assert_eq!(got.len(), 3);
    for (r, at) in got.iter().zip([start, next, next2]) {
        assert_signed(r, &secret);
        assert_eq!(
            r.headers["webhook-id"], got[0].headers["webhook-id"],
            "one id across retries"
        );
        assert_eq!(
            r.headers["webhook-timestamp"],
            at.timestamp().to_string(),
            "the attempt's time"
        );
        assert_eq!(r.body, got[0].body, "the same payload");
    }
    let body = got[0].json();
    assert_eq!(body["type"], "breach.deadline");
    assert_eq!(body["data"]["severity"], "high");
    assert_eq!(
        body["data"]["notification_id"],
        raised.notification.id.to_string()
    );
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    // A tampered body fails the independent check.
    let mut forged = got[0].clone();
    forged.body = Bytes::from([got[0].body.as_ref(), b" "].concat());
    assert!(std::panic::catch_unwind(|| assert_signed(&forged, &secret)).is_err());

    // A receiver that never accepts: 8 attempts, then dead, and no job left.
    receiver.fail_next(usize::MAX);
    server
        .state
        .notify()
        .raise(
            world.acme.tenant.id,
            &notice("breach.other", Severity::High, None),
        )
        .await
        .unwrap();
    let max = NotifySettings::default().retry.max_attempts;
    for attempt in 1..=max {
        assert_eq!(drain(&worker).await, 1, "attempt {attempt}");
        let entry = &log(&server, owner, &id).await[0];
        assert_eq!(entry["attempts"], attempt);
        if attempt < max {
            assert_eq!(entry["status"], "failed");
            let next = time(&entry["next_attempt_at"]);
            let ceiling = Duration::seconds(30 * (1_i64 << (attempt - 1))).min(Duration::hours(1));
            assert!(
                next - server.now() <= ceiling,
                "attempt {attempt}: jitter stays under {ceiling}"
            );
            server.clock().set(next);
        } else {
            assert_eq!(entry["status"], "dead");
        }
    }
    server.clock().advance(Duration::days(2));
    assert_eq!(drain(&worker).await, 0, "a dead letter is not retried");
    assert_eq!(receiver.received("/hook").len(), 3 + max as usize);

    // 410 Gone: the receiver wants no more; dead after one attempt.
    receiver.fail_with(1, 410);
    server
        .state
        .notify()
        .raise(
            world.acme.tenant.id,
            &notice("breach.gone", Severity::High, None),
        )
        .await
        .unwrap();
    assert_eq!(drain(&worker).await, 1);
    let entry = &log(&server, owner, &id).await[0];
    assert_eq!(entry["status"], "dead");
    assert_eq!(entry["attempts"], 1);
    assert_eq!(entry["response_status"], 410);

    // The audit trail records the attempts.
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?limit=200")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    for expected in [
        "notify.channel.created",
        "notify.rule.created",
        "notification.raised",
        "notification.delivery.failed",
        "notification.delivered",
        "notification.delivery.dead",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    server.finish().await;
}

/// Rules send to exactly the channels whose kind prefix and minimum severity match; an open
/// dedup key sends nothing new; the test route sends through the same log.
pub async fn routing_matches_exactly_the_expected_channels(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let receiver = Receiver::start().await;
    let mut ids = Vec::new();
    for name in ["breaches", "critical", "sla", "unused"] {
        let c = channel(
            &server,
            owner,
            json!({ "name": name, "kind": "webhook", "url": format!("{}/{name}", receiver.base) }),
        )
        .await;
        ids.push(c["channel"]["id"].as_str().unwrap().to_owned());
    }
    rule(&server, owner, json!({ "name": "breaches", "kind_prefix": "breach", "min_severity": "high", "channels": [ids[0]] })).await;
    rule(
        &server,
        owner,
        json!({ "name": "critical", "min_severity": "critical", "channels": [ids[1], ids[0]] }),
    )
    .await;
    rule(&server, owner, json!({ "name": "sla", "kind_prefix": "sla", "min_severity": "info", "channels": [ids[2]] })).await;
    let rules = server
        .get("/api/v1/notifications/rules")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(rules["items"].as_array().unwrap().len(), 3);

    let notify = server.state.notify();
    let tenant = world.acme.tenant.id;
    let cases: [(&str, Severity, [usize; 4]); 6] = [
        ("breach.deadline", Severity::High, [1, 0, 0, 0]),
        ("breach", Severity::Critical, [1, 1, 0, 0]),
        ("breaches.other", Severity::High, [0, 0, 0, 0]),
        ("breach.deadline", Severity::Medium, [0, 0, 0, 0]),
        ("sla.violated", Severity::Info, [0, 0, 1, 0]),
        ("audit.alert", Severity::Critical, [1, 1, 0, 0]),
    ];
    for (kind, severity, expected) in cases {
        let before: Vec<usize> = futures_counts(&server, owner, &ids).await;
        notify
            .raise(tenant, &notice(kind, severity, None))
            .await
            .unwrap();
        let after = futures_counts(&server, owner, &ids).await;
        let added: Vec<usize> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        assert_eq!(added, expected, "{kind} at {severity}");
    }

    // Deduplication: the same open key returns the first notification and sends nothing.
    let first = notify
        .raise(
            tenant,
            &notice("sla.violated", Severity::High, Some("sla-42")),
        )
        .await
        .unwrap();
    let again = notify
        .raise(
            tenant,
            &notice("sla.violated", Severity::High, Some("sla-42")),
        )
        .await
        .unwrap();
    assert!(!first.deduplicated && again.deduplicated);
    assert_eq!(again.notification.id, first.notification.id);
    assert_eq!(again.deliveries, 0);
    // Bad input names the field.
    let err = notify
        .raise(tenant, &notice("Not A Kind", Severity::High, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("kind"), "{err}");

    // Everything queued is delivered by the worker; the test route adds one to the unused channel.
    let test = server
        .post(&format!("/api/v1/notifications/channels/{}/test", ids[3]))
        .token(owner)
        .send()
        .await
        .ok(202)
        .json();
    assert_eq!(test["event"], "test");
    drain(&worker(&server)).await;
    assert_eq!(receiver.received("/breaches").len(), 3);
    assert_eq!(receiver.received("/critical").len(), 2);
    assert_eq!(receiver.received("/sla").len(), 2);
    let tested = receiver.received("/unused");
    assert_eq!(tested.len(), 1);
    assert_eq!(tested[0].json()["type"], "probity.test");
    let entry = &log(&server, owner, &ids[3]).await[0];
    assert_eq!(entry["status"], "delivered");

    // Rules naming another tenant's or an unknown channel are refused.
    let foreign = server
        .post("/api/v1/notifications/rules")
        .token(world.globex.owner_token())
        .json(&json!({ "name": "steal", "min_severity": "info", "channels": [ids[0]] }))
        .send()
        .await;
    foreign.problem(422, "validation_failed");
    // Removing a channel keeps its log; rules skip it from then on.
    server
        .delete(&format!("/api/v1/notifications/channels/{}", ids[0]))
        .token(owner)
        .send()
        .await
        .ok(204);
    let raised = notify
        .raise(tenant, &notice("breach.deadline", Severity::Critical, None))
        .await
        .unwrap();
    assert_eq!(raised.deliveries, 1, "only the critical channel is left");
    server.finish().await;
}

async fn futures_counts(server: &TestServer, token: &str, ids: &[String]) -> Vec<usize> {
    let mut counts = Vec::new();
    for id in ids {
        counts.push(log(server, token, id).await.len());
    }
    counts
}

/// Escalation re-sends at the configured delays while unacknowledged and stops after the
/// acknowledgement; acknowledging twice is a conflict.
pub async fn escalation_fires_at_its_delays_until_acknowledged(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let receiver = Receiver::start().await;
    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        let c = channel(
            &server,
            owner,
            json!({ "name": name, "kind": "webhook", "url": format!("{}/{name}", receiver.base) }),
        )
        .await;
        ids.push(c["channel"]["id"].as_str().unwrap().to_owned());
    }
    rule(
        &server,
        owner,
        json!({
            "name": "page", "kind_prefix": "breach", "min_severity": "high", "channels": [ids[0]],
            "escalation": [
                { "after_minutes": 5, "channels": [ids[1]] },
                { "after_minutes": 15, "channels": [ids[2]] },
                { "after_minutes": 60 }
            ]
        }),
    )
    .await;
    let bad = server.post("/api/v1/notifications/rules").token(owner)
        .json(&json!({ "name": "bad", "min_severity": "high", "channels": [ids[0]], "escalation": [{ "after_minutes": 15 }, { "after_minutes": 5 }] }))
        .send().await.problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "escalation.1.after_minutes");

    let t0 = server.now();
    let raised = server
        .state
        .notify()
        .raise(
            world.acme.tenant.id,
            &notice("breach.deadline", Severity::Critical, None),
        )
        .await
        .unwrap();
    let planned: Vec<DateTime<Utc>> = raised
        .notification
        .escalation
        .iter()
        .map(|e| e.at)
        .collect();
    assert_eq!(
        planned,
        [
            t0 + Duration::minutes(5),
            t0 + Duration::minutes(15),
            t0 + Duration::minutes(60)
        ]
    );
    let worker = worker(&server);
    let counts = |r: &Receiver| ["/first", "/second", "/third"].map(|p| r.received(p).len());
    drain(&worker).await;
    assert_eq!(counts(&receiver), [1, 0, 0]);
    server
        .clock()
        .set(t0 + Duration::minutes(5) - Duration::seconds(1));
    drain(&worker).await;
    assert_eq!(counts(&receiver), [1, 0, 0], "not before 5 minutes");
    server.clock().set(t0 + Duration::minutes(5));
    drain(&worker).await;
    assert_eq!(counts(&receiver), [1, 1, 0]);
    server.clock().set(t0 + Duration::minutes(15));
    drain(&worker).await;
    assert_eq!(counts(&receiver), [1, 1, 1]);
    let n = server
        .get("/api/v1/notifications")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(n["items"][0]["escalation_level"], 2);

    let id = raised.notification.id;
    let acked = server
        .post(&format!("/api/v1/notifications/{id}/ack"))
        .token(world.acme.token(probity_core::platform::Role::Contributor))
        .send()
        .await
        .ok(200)
        .json();
    assert!(acked["acknowledged_at"].is_string());
    server
        .post(&format!("/api/v1/notifications/{id}/ack"))
        .token(owner)
        .send()
        .await
        .problem(409, "conflict");
    server
        .post(&format!("/api/v1/notifications/{id}/ack"))
        .token(world.acme.token(probity_core::platform::Role::Viewer))
        .send()
        .await
        .problem(403, "forbidden");
    server.clock().set(t0 + Duration::hours(3));
    drain(&worker).await;
    assert_eq!(
        counts(&receiver),
        [1, 1, 1],
        "no escalation after the acknowledgement"
    );
    let n = server
        .get("/api/v1/notifications")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(n["items"][0]["escalation_level"], 2);
    server.finish().await;
}

/// Slack gets `{"text", "blocks"}`; PagerDuty gets an Events v2 `trigger` with the routing
/// key and dedup key, then `acknowledge` when the notification is acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_and_pagerduty_payload_shapes() {
    let server = TestServer::start_manual().await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let receiver = Receiver::start().await;
    let slack = channel(&server, owner, json!({ "name": "slack", "kind": "slack", "url": format!("{}/slack/T000/B000/XXXX", receiver.base) })).await;
    // The Slack URL is a secret: not shown.
    assert!(!slack.to_string().contains("/slack/"), "{slack}");
    assert!(slack["secret"].is_null());
    let pd = channel(&server, owner, json!({ "name": "pd", "kind": "pagerduty", "url": format!("{}/pd", receiver.base), "routing_key": "R0UT1NGKEY0123456789abcdefABCDEF" })).await;
    assert!(!pd.to_string().contains("R0UT1NGKEY"), "{pd}");
    let default_pd = channel(
        &server,
        owner,
        json!({ "name": "pd default", "kind": "pagerduty", "routing_key": "abc123" }),
    )
    .await;
    assert_eq!(
        default_pd["channel"]["config"]["url"],
        "https://events.pagerduty.com/v2/enqueue"
    );
    server
        .delete(&format!(
            "/api/v1/notifications/channels/{}",
            default_pd["channel"]["id"].as_str().unwrap()
        ))
        .token(owner)
        .send()
        .await
        .ok(204);
    server
        .post("/api/v1/notifications/channels")
        .token(owner)
        .json(&json!({ "name": "pd2", "kind": "pagerduty" }))
        .send()
        .await
        .problem(422, "validation_failed");
    rule(&server, owner, json!({ "name": "all", "min_severity": "info", "channels": [slack["channel"]["id"], pd["channel"]["id"]] })).await;

    let raised = server
        .state
        .notify()
        .raise(
            world.acme.tenant.id,
            &notice("sla.violated", Severity::Critical, Some("sla-7")),
        )
        .await
        .unwrap();
    drain(&worker(&server)).await;
    let s = receiver.received("/slack/T000/B000/XXXX");
    assert_eq!(s.len(), 1);
    let body = s[0].json();
    assert_eq!(
        body["text"],
        "[CRITICAL] sla.violated needs attention\nDetails of what happened.\nhttps://probity.test/items/1"
    );
    assert_eq!(body["blocks"][0]["type"], "section");
    assert!(!s[0].headers.contains_key("webhook-signature"));
    let p = receiver.received("/pd");
    assert_eq!(p.len(), 1);
    let body = p[0].json();
    assert_eq!(body["routing_key"], "R0UT1NGKEY0123456789abcdefABCDEF");
    assert_eq!(body["event_action"], "trigger");
    assert_eq!(body["dedup_key"], "sla-7");
    assert_eq!(
        body["payload"]["summary"],
        "[CRITICAL] sla.violated needs attention"
    );
    assert_eq!(body["payload"]["severity"], "critical");
    assert_eq!(body["payload"]["source"], "probity");
    assert_eq!(body["links"][0]["href"], "https://probity.test/items/1");

    let id = raised.notification.id;
    server
        .post(&format!("/api/v1/notifications/{id}/ack"))
        .token(owner)
        .send()
        .await
        .ok(200);
    drain(&worker(&server)).await;
    let p = receiver.received("/pd");
    assert_eq!(p.len(), 2);
    let ack = p[1].json();
    assert_eq!(
        ack,
        json!({ "routing_key": "R0UT1NGKEY0123456789abcdefABCDEF", "event_action": "acknowledge", "dedup_key": "sla-7" })
    );
    assert_eq!(
        receiver.received("/slack/T000/B000/XXXX").len(),
        1,
        "Slack gets no acknowledgement"
    );
    server.finish().await;
}

/// A minimal SMTP sink on loopback: greets, accepts EHLO, MAIL, RCPT, DATA and QUIT, and
/// keeps each message's envelope and data.
/// Messages an SMTP sink accepted: the `RCPT TO` lines and the data.
type Mailbag = Arc<Mutex<Vec<(Vec<String>, String)>>>;

async fn smtp_sink() -> (u16, Mailbag) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mail: Mailbag = Arc::default();
    let store = Arc::clone(&mail);
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                loop {
                    let mut line = String::new();
                    if lines.read_line(&mut line).await.unwrap() == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        write
                            .write_all(b"250-sink.test\r\n250 8BITMIME\r\n")
                            .await
                            .unwrap();
                    } else if upper.starts_with("MAIL FROM") {
                        write.write_all(b"250 ok\r\n").await.unwrap();
                    } else if upper.starts_with("RCPT TO") {
                        rcpt.push(line.trim().to_owned());
                        write.write_all(b"250 ok\r\n").await.unwrap();
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            lines.read_line(&mut l).await.unwrap();
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        store
                            .lock()
                            .unwrap()
                            .push((std::mem::take(&mut rcpt), data));
                        write.write_all(b"250 queued\r\n").await.unwrap();
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        write.write_all(b"250 ok\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (port, mail)
}

/// Email channels send a multipart/alternative message (text and HTML) through the SMTP
/// relay to every recipient; HTML is escaped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_is_sent_as_text_and_html_through_smtp() {
    let server = TestServer::start_manual().await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let (port, mail) = smtp_sink().await;
    let notify = probity_server::state::notify_service(
        &server.platform,
        &DispatchSettings {
            timeout: std::time::Duration::from_secs(5),
            smtp: Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                security: SmtpSecurity::None,
                username: None,
                password: None,
                from: "Probity <probity@example.test>".into(),
            }),
        },
        NotifySettings::default(),
    );
    let mut worker = worker(&server);
    probity_server::notify::register(&mut worker, notify);
    let email = channel(
        &server,
        owner,
        json!({ "name": "mail", "kind": "email", "to": ["Ops@Acme.test", "dpo@acme.test"] }),
    )
    .await;
    assert_eq!(
        email["channel"]["config"]["to"],
        json!(["ops@acme.test", "dpo@acme.test"])
    );
    let bad = server
        .post("/api/v1/notifications/channels")
        .token(owner)
        .json(&json!({ "name": "bad", "kind": "email", "to": ["not-an-address"] }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "to.0");
    rule(
        &server,
        owner,
        json!({ "name": "mail", "min_severity": "info", "channels": [email["channel"]["id"]] }),
    )
    .await;
    let mut n = notice("privacy.dsr", Severity::Medium, None);
    n.body = "Reply to <request> & close it.".into();
    server
        .state
        .notify()
        .raise(world.acme.tenant.id, &n)
        .await
        .unwrap();
    drain(&worker).await;

    let mail = mail.lock().unwrap().clone();
    assert_eq!(mail.len(), 1, "one message for both recipients");
    let (rcpt, data) = &mail[0];
    assert_eq!(rcpt.len(), 2, "{rcpt:?}");
    assert!(
        rcpt.iter().any(|r| r.contains("ops@acme.test"))
            && rcpt.iter().any(|r| r.contains("dpo@acme.test"))
    );
    assert!(
        data.contains("Subject: [MEDIUM] privacy.dsr needs attention"),
        "{data}"
    );
    assert!(
        data.contains("From: Probity <probity@example.test>"),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("Content-Type: text/plain"), "{data}");
    assert!(data.contains("Content-Type: text/html"), "{data}");
    assert!(
        data.contains("Reply to <request> & close it."),
        "text part unescaped: {data}"
    );
    assert!(
        data.contains("Reply to &lt;request&gt; &amp; close it."),
        "html part escaped: {data}"
    );
    let entry = &log(&server, owner, email["channel"]["id"].as_str().unwrap()).await[0];
    assert_eq!(entry["status"], "delivered");
    assert!(entry["response_status"].is_null());
    server.finish().await;
}
