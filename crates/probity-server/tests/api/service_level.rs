//! Service levels over HTTP with a moved clock: SLOs and SLAs with bad input refused by field,
//! batch ingest landing the good measurements and naming the bad, status with budget, burn
//! rates and sketch quantiles, violations that open, escalate, stop escalating once
//! acknowledged and end when the burn stops, a missed month's credit held for an approver,
//! the monthly report in JSON and CSV, a threshold change recounting history, and the audit
//! trail of all of it.

use chrono::{Duration, TimeZone, Utc};
use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

async fn event_types(server: &TestServer, token: &str) -> Vec<String> {
    server.settle().await;
    let mut types = Vec::new();
    for prefix in ["slo", "service", "service_credit"] {
        let page = server
            .get(&format!("/api/v1/audit/events?type={prefix}&limit=200"))
            .token(token)
            .send()
            .await
            .ok(200)
            .json();
        types.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_type"].as_str().unwrap().to_owned()),
        );
    }
    types
}

fn field(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// The whole life of an SLA and a latency SLO.
pub async fn slos_burn_escalate_and_owe_credits(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let writer = acme.token(Role::Contributor);
    let reader = acme.token(Role::Viewer);
    let approver = acme.owner_token();
    let t0 = server.now();
    assert_eq!(t0, Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());

    server
        .post("/api/v1/services")
        .token(reader)
        .json(&json!({"key": "api", "name": "API", "provider": "Platform"}))
        .send()
        .await
        .problem(403, "forbidden");
    let service = server
        .post("/api/v1/services")
        .token(writer)
        .json(
            &json!({"key": "api", "name": "Customer API", "provider": "Platform team",
                      "customer": "Northwind"}),
        )
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(service["customer"], "Northwind");
    server
        .post("/api/v1/services")
        .token(writer)
        .json(&json!({"key": "api", "name": "Again", "provider": "x"}))
        .send()
        .await
        .problem(409, "conflict");

    // Bad SLOs are refused by field.
    for (body, bad) in [
        (
            json!({"service": "api", "name": "x", "metric": "availability_requests", "target_percent": 100}),
            "target_percent",
        ),
        (
            json!({"service": "api", "name": "x", "metric": "latency", "target_percent": 99}),
            "threshold_ms",
        ),
        (
            json!({"service": "nope", "name": "x", "metric": "custom", "target_percent": 99}),
            "service",
        ),
        (
            json!({"service": "api", "name": "x", "metric": "custom", "target_percent": 99,
                "burn_rules": [{"factor": 2, "long_minutes": 5, "short_minutes": 60, "severity": "low"}]}),
            "burn_rules",
        ),
        (
            json!({"service": "api", "name": "x", "metric": "custom", "target_percent": 99,
                "credits": {"tiers": [{"lower": 99, "upper": 99.9, "credit_percent": 10},
                                      {"lower": 99.5, "upper": 100, "credit_percent": 5}],
                            "monthly_fee": 100, "currency": "EUR", "cap_percent": 50,
                            "minimum_amount": 0, "claim_window_days": 30, "requires_approval": true}}),
            "credits",
        ),
    ] {
        let p = server
            .post("/api/v1/slos")
            .token(writer)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed")
            .clone();
        assert_eq!(field(&p), bad, "{body} should be refused on {bad}: {p}");
    }

    let sla = server
        .post("/api/v1/slos")
        .token(writer)
        .json(&json!({
            "service": "api", "name": "API availability", "metric": "availability_requests",
            "target_percent": 99.9, "window": "calendar_month",
            "credits": {"tiers": [{"lower": 99.0, "upper": 99.9, "credit_percent": 10},
                                  {"lower": 95.0, "upper": 99.0, "credit_percent": 25}],
                        "monthly_fee": 2000, "currency": "EUR", "cap_percent": 50,
                        "minimum_amount": 50, "claim_window_days": 30, "requires_approval": true},
        }))
        .send()
        .await
        .ok(201)
        .json();
    let sla_id = sla["id"].as_str().unwrap().to_owned();
    assert_eq!(sla["version"], 1);
    assert_eq!(
        sla["burn_rules"].as_array().unwrap().len(),
        4,
        "SRE-workbook defaults"
    );
    let latency = server
        .post("/api/v1/slos")
        .token(writer)
        .json(
            &json!({"service": "api", "name": "API latency", "metric": "latency",
                      "target_percent": 99, "threshold_ms": 300}),
        )
        .send()
        .await
        .ok(201)
        .json();
    let latency_id = latency["id"].as_str().unwrap().to_owned();

    // February: every day 1,000,000 requests of which 2,000 failed (99.8 %): below 99.9.
    let mut batch: Vec<Value> = (0..28)
        .map(|d| {
            let at = Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap() + Duration::days(d);
            json!({"slo_id": sla_id, "at": at, "good": 998_000, "total": 1_000_000})
        })
        .collect();
    // Three bad ones among them: a latency measurement with both counts and a value, good
    // above total, an unknown SLO; and one that is not a measurement at all.
    batch.insert(
        3,
        json!({"slo_id": latency_id.clone(), "at": t0, "good": 1, "total": 1, "value_ms": 5.0}),
    );
    batch.insert(
        5,
        json!({"slo_id": sla_id, "at": t0, "good": 5, "total": 4}),
    );
    batch.insert(
        7,
        json!({"slo_id": "0190f5a5-0000-7000-8000-000000000000", "at": t0, "good": 1, "total": 1}),
    );
    batch.insert(9, json!({"slo_id": sla_id, "at": "yesterday"}));
    let report = server
        .post("/api/v1/slo-measurements:batch")
        .token(writer)
        .json(&Value::Array(batch))
        .send()
        .await
        .ok(202)
        .json();
    assert_eq!(report["accepted"], 28);
    assert_eq!(report["rejected"], 4);
    let bad: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        bad,
        vec![
            (3, "good".to_owned()),
            (5, "good".to_owned()),
            (7, "slo_id".to_owned()),
            (9, "measurement".to_owned())
        ]
    );
    // One measurement at a time; a bad one is a 422 naming the field.
    let p = server
        .post("/api/v1/slo-measurements")
        .token(writer)
        .json(&json!({"slo_id": sla_id, "at": t0 + Duration::hours(2), "good": 1, "total": 1}))
        .send()
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "at");
    let p = server
        .post("/api/v1/slo-measurements")
        .token(writer)
        .json(&json!({"slo_id": sla_id, "at": t0 - Duration::days(120), "good": 1, "total": 1}))
        .send()
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "at", "late data has a limit");

    // March so far: clean for an hour, then a burst of 10 % errors in the last 10 minutes.
    let mut march = Vec::new();
    for m in (15..=60).step_by(5) {
        march.push(
            json!({"slo_id": sla_id, "at": t0 - Duration::minutes(m), "good": 1000, "total": 1000}),
        );
    }
    for m in [0, 5] {
        march.push(
            json!({"slo_id": sla_id, "at": t0 - Duration::minutes(m), "good": 900, "total": 1000}),
        );
    }
    // Latency: 990 fast requests and 10 slow ones.
    let mut fast = vec![100.0; 990];
    fast.extend([900.0; 10]);
    march.push(json!({"slo_id": latency_id, "at": t0 - Duration::minutes(20), "values_ms": fast}));
    server
        .post("/api/v1/slo-measurements:batch")
        .token(writer)
        .json(&Value::Array(march))
        .send()
        .await
        .ok(202);
    server
        .post("/api/v1/slo-measurements")
        .token(writer)
        .json(&json!({"slo_id": latency_id, "at": t0 - Duration::minutes(2), "value_ms": 120.0}))
        .send()
        .await
        .ok(202);

    let status = server
        .get(&format!("/api/v1/slos/{sla_id}/status"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let e = &status["evaluation"];
    assert_eq!(e["total"], 12_000);
    assert_eq!(e["good"], 11_800);
    assert_eq!(e["met"], false);
    let fast_rule = e["burn_rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["rule"]["factor"] == 14.4)
        .unwrap();
    assert_eq!(fast_rule["firing"], true, "{fast_rule}");
    let lat = server
        .get(&format!("/api/v1/slos/{latency_id}/status"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(lat["evaluation"]["total"], 1001);
    assert_eq!(lat["evaluation"]["good"], 991);
    let p50 = lat["quantiles_ms"]["p50"].as_f64().unwrap();
    assert!(
        (p50 - 100.0).abs() <= 1.0,
        "p50 within 1 % of 100 ms: {p50}"
    );
    let p99 = lat["quantiles_ms"]["p99"].as_f64().unwrap();
    assert!(p99 < 120.0 * 1.01, "p99 is a fast request: {p99}");

    // The sweep opens the burning rules' violations and judges February once.
    let first = server.state.service_levels().sweep().await.unwrap();
    assert!(first.opened >= 1, "{first:?}");
    assert_eq!(first.credits, 1, "{first:?}");
    assert_eq!(first.missed, 1, "{first:?}");
    let again = server.state.service_levels().sweep().await.unwrap();
    assert_eq!(
        (again.opened, again.credits, again.missed),
        (0, 0, 0),
        "idempotent: {again:?}"
    );

    let open = server
        .get(&format!("/api/v1/slo-violations?slo_id={sla_id}&open=true"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let open = open["items"].as_array().unwrap().clone();
    let burn = open
        .iter()
        .find(|v| v["kind"] == "burn_rate" && v["rule"]["factor"] == 14.4)
        .unwrap()
        .clone();
    assert_eq!(burn["severity"], "critical");
    let missed = open.iter().find(|v| v["kind"] == "window_missed").unwrap();
    assert!((missed["measured"].as_f64().unwrap() - 99.8).abs() < 1e-9);

    let six = open
        .iter()
        .find(|v| v["kind"] == "burn_rate" && v["rule"]["factor"] == 6.0)
        .unwrap()
        .clone();
    assert_eq!(six["severity"], "high");

    // Five minutes on, nobody acknowledged: the first escalation (the 14.4x rule's short
    // window has already moved past the burst, so that one ends instead). Acknowledging stops
    // the escalation.
    server.clock().advance(Duration::minutes(5));
    let r = server.state.service_levels().sweep().await.unwrap();
    assert!(r.escalated >= 1, "{r:?}");
    assert!(r.ended >= 1, "{r:?}");
    let burn_id = six["id"].as_str().unwrap();
    server
        .post(&format!("/api/v1/slo-violations/{burn_id}/acknowledge"))
        .token(reader)
        .send()
        .await
        .problem(403, "forbidden");
    let acked = server
        .post(&format!("/api/v1/slo-violations/{burn_id}/acknowledge"))
        .token(writer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(acked["escalation_level"], 1);
    server
        .post(&format!("/api/v1/slo-violations/{burn_id}/acknowledge"))
        .token(writer)
        .send()
        .await
        .problem(409, "conflict");
    server.clock().advance(Duration::minutes(11));
    server.state.service_levels().sweep().await.unwrap();
    let all = server
        .get(&format!("/api/v1/slo-violations?slo_id={sla_id}"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let after = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == six["id"])
        .unwrap()
        .clone();
    assert_eq!(
        after["escalation_level"], 1,
        "acknowledged: no more escalation"
    );

    let fast = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == burn["id"])
        .unwrap()
        .clone();
    assert!(!fast["ended_at"].is_null(), "{fast}");
    assert_eq!(fast["escalation_level"], 0, "ended before its first delay");

    // Four days on, every burn window has moved past the burst: the violations end.
    server.clock().advance(Duration::days(4));
    let r = server.state.service_levels().sweep().await.unwrap();
    assert!(r.ended >= 1, "{r:?}");
    let still = server
        .get(&format!("/api/v1/slo-violations?slo_id={sla_id}"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        still["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["kind"] == "burn_rate")
            .all(|v| !v["ended_at"].is_null()),
        "{still}"
    );

    // February's credit: 10 % of 2,000 EUR, pending an approver.
    let credits = server
        .get("/api/v1/service-credits")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let credit = credits["items"][0].clone();
    assert_eq!(credit["status"], "pending_approval");
    assert_eq!(credit["quote"]["credit_percent"], 10.0);
    assert_eq!(credit["quote"]["amount"], 200.0);
    assert_eq!(credit["slo_version"], 1);
    assert_eq!(credit["window"]["start"], "2026-02-01T00:00:00Z");
    let credit_id = credit["id"].as_str().unwrap();
    let decision = format!("/api/v1/service-credits/{credit_id}/decision");
    let decide = |token: &str, body: Value| server.post(&decision).token(token).json(&body).send();
    decide(writer, json!({"approve": true}))
        .await
        .problem(403, "forbidden");
    let p = decide(approver, json!({"approve": false}))
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "note");
    let approved = decide(
        approver,
        json!({"approve": true, "note": "Matches incident INC-12"}),
    )
    .await
    .ok(200)
    .json();
    assert_eq!(approved["status"], "approved");
    decide(
        approver,
        json!({"approve": false, "note": "changed my mind"}),
    )
    .await
    .problem(409, "conflict");

    // The February report, as JSON and CSV.
    let report = server
        .get("/api/v1/sla-report?month=2026-02")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let line = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["slo"] == "API availability")
        .unwrap()
        .clone();
    assert!((line["compliance_percent"].as_f64().unwrap() - 99.8).abs() < 1e-9);
    assert_eq!(line["met"], false);
    assert_eq!(line["credit"]["status"], "approved");
    let csv = server
        .get("/api/v1/sla-report?month=2026-02&format=csv")
        .token(reader)
        .send()
        .await
        .ok(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.starts_with("service,customer,slo,metric"));
    assert!(csv.text.contains("Customer API,Northwind,API availability,availability_requests,99.9,99.8000,false,27944000,28000000"), "{}", csv.text);
    // One customer's report: only the services owed to it.
    let theirs = server
        .get("/api/v1/sla-report?month=2026-02&customer=northwind")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["customer"], "northwind");
    assert_eq!(theirs["lines"].as_array().unwrap().len(), 2, "{theirs}");
    let p = server
        .get("/api/v1/sla-report?month=2026-02&customer=Nobody")
        .token(reader)
        .send()
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "customer");
    let p = server
        .get("/api/v1/sla-report?month=2026-13")
        .token(reader)
        .send()
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "month");

    // A new latency threshold is a new version, and history is recounted from the sketches.
    server
        .patch(&format!("/api/v1/slos/{latency_id}"))
        .token(writer)
        .json(&json!({"version": 7, "threshold_ms": 1000}))
        .send()
        .await
        .problem(409, "conflict");
    let v2 = server
        .patch(&format!("/api/v1/slos/{latency_id}"))
        .token(writer)
        .json(&json!({"version": 1, "threshold_ms": 1000}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(v2["version"], 2);
    let lat = server
        .get(&format!("/api/v1/slos/{latency_id}/status"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        lat["evaluation"]["good"], 1001,
        "every request is under 1 s"
    );

    // OpenSLO: the export reads back, an import lands good documents and names bad ones.
    let yaml = server
        .get("/api/v1/openslo")
        .token(reader)
        .send()
        .await
        .ok(200);
    assert_eq!(yaml.header("content-type"), Some("application/yaml"));
    assert!(yaml.text.contains("kind: SLO"), "{}", yaml.text);
    assert!(
        yaml.text.contains("name: api-availability"),
        "{}",
        yaml.text
    );
    assert!(yaml.text.contains("op: lte"), "{}", yaml.text);
    let stream = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout\nspec:\n  service: checkout\n  indicator:\n    spec:\n      ratioMetric: {}\n  timeWindow:\n    - duration: 28d\n      isRolling: true\n  objectives:\n    - target: 0.995\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: weekly\nspec:\n  service: checkout\n  indicator:\n    spec:\n      ratioMetric: {}\n  timeWindow:\n    - duration: 7d\n      isRolling: true\n  objectives:\n    - target: 0.9\n";
    let imported = server
        .post("/api/v1/openslo")
        .token(writer)
        .header("content-type", "application/yaml")
        .body(stream.to_owned())
        .send()
        .await
        .ok(200)
        .json();
    let items = imported["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0]["slo_id"].is_string(), "{imported}");
    assert!(
        items[1]["error"].as_str().unwrap().contains("timeWindow"),
        "{imported}"
    );
    server
        .post("/api/v1/openslo")
        .token(writer)
        .body("apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: only\n".to_owned())
        .send()
        .await
        .problem(422, "validation_failed");

    // Another tenant sees none of it.
    let globex = world.globex.owner_token();
    server
        .get(&format!("/api/v1/slos/{sla_id}"))
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    let theirs = server
        .get("/api/v1/service-credits")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["items"], json!([]));

    let types = event_types(&server, acme.owner_token()).await;
    for expected in [
        "service.created",
        "slo.created",
        "slo.updated",
        "slo.measurements.ingested",
        "slo.violation.opened",
        "slo.violation.escalated",
        "slo.violation.acknowledged",
        "slo.violation.ended",
        "service_credit.computed",
        "service_credit.approved",
    ] {
        assert!(
            types.iter().any(|t| t == expected),
            "no {expected} in {types:?}"
        );
    }
    server.finish().await;
}

/// A Prometheus text page whose counters the test sets.
async fn metrics_page(counters: std::sync::Arc<std::sync::Mutex<(u64, u64)>>) -> String {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let counters = std::sync::Arc::clone(&counters);
            async move {
                let (good, bad) = *counters.lock().unwrap();
                format!(
                    "# TYPE http_requests_total counter\n\
                     http_requests_total{{job=\"api\",code=\"200\"}} {good}\n\
                     http_requests_total{{job=\"api\",code=\"500\"}} {bad}\n\
                     http_requests_total{{job=\"web\",code=\"200\"}} 777\n"
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{port}/metrics")
}

/// Measurements pulled from a Prometheus page: the first pull records where the counters
/// stand, later pulls ingest the increase (a reset counts from zero), an unreachable page
/// keeps the counters and says why, and a bad source is refused by field.
pub async fn metrics_are_pulled_from_a_prometheus_page(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let writer = world.acme.token(Role::Contributor);
    let counters = std::sync::Arc::new(std::sync::Mutex::new((1000u64, 0u64)));
    let url = metrics_page(std::sync::Arc::clone(&counters)).await;
    server
        .post("/api/v1/services")
        .token(writer)
        .json(&json!({"key": "api", "name": "API", "provider": "Platform"}))
        .send()
        .await
        .ok(201);
    let p = server
        .post("/api/v1/slos")
        .token(writer)
        .json(
            &json!({"service": "api", "name": "x", "metric": "availability_requests",
                      "target_percent": 99.9,
                      "source": {"url": "file:///etc/passwd", "good": "a", "total": "b"}}),
        )
        .send()
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "source.url");
    let p = server
        .post("/api/v1/slos")
        .token(writer)
        .json(&json!({"service": "api", "name": "x", "metric": "availability_requests",
                      "target_percent": 99.9,
                      "source": {"url": url, "good": "http_requests_total{code=~\"2..\"}", "total": "b"}}))
        .send()
        .await
        .problem(422, "validation_failed")
        .clone();
    assert_eq!(field(&p), "source.good");
    let slo = server
        .post("/api/v1/slos")
        .token(writer)
        .json(&json!({"service": "api", "name": "API availability", "metric": "availability_requests",
                      "target_percent": 99.9,
                      "source": {"url": url, "good": "http_requests_total{job=\"api\",code!=\"500\"}",
                                 "total": "http_requests_total{job=\"api\"}"}}))
        .send()
        .await
        .ok(201)
        .json();
    let id = slo["id"].as_str().unwrap().to_owned();
    let sl = server.state.service_levels();
    let status = |server: &TestServer| {
        server
            .get(&format!("/api/v1/slos/{id}/status"))
            .token(writer)
            .send()
    };

    assert_eq!(sl.pull_due().await.unwrap(), 1);
    assert_eq!(
        status(&server).await.ok(200).json()["evaluation"]["total"],
        0,
        "first pull: no increase yet"
    );
    assert_eq!(
        sl.pull_due().await.unwrap(),
        0,
        "not due again within its interval"
    );
    *counters.lock().unwrap() = (1990, 10);
    server.clock().advance(Duration::seconds(60));
    assert_eq!(sl.pull_due().await.unwrap(), 1);
    let e = status(&server).await.ok(200).json()["evaluation"].clone();
    assert_eq!(
        (e["good"].as_u64(), e["total"].as_u64()),
        (Some(990), Some(1000))
    );
    // The service restarted: counters begin again.
    *counters.lock().unwrap() = (50, 0);
    server.clock().advance(Duration::seconds(60));
    sl.pull_due().await.unwrap();
    let e = status(&server).await.ok(200).json()["evaluation"].clone();
    assert_eq!(
        (e["good"].as_u64(), e["total"].as_u64()),
        (Some(1040), Some(1050))
    );
    // An unreachable page keeps the counters and records why.
    server
        .patch(&format!("/api/v1/slos/{id}"))
        .token(writer)
        .json(&json!({"version": 1, "source": {"url": "http://127.0.0.1:9/metrics",
                      "good": "http_requests_total{code!=\"500\"}", "total": "http_requests_total"}}))
        .send()
        .await
        .ok(200);
    server.clock().advance(Duration::seconds(60));
    sl.pull_due().await.unwrap();
    let read = server
        .get(&format!("/api/v1/slos/{id}"))
        .token(writer)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        read["pull"]["error"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9"),
        "{read}"
    );
    assert_eq!(read["pull"]["good"], 50.0);
    server.finish().await;
}
