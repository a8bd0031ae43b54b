//! Reports over HTTP: every kind generated in every format from a seeded tenant, the files
//! fetched back and checked (PDF header and page count, CSV header, XLSX container, HTML with
//! its verification block), the hashes matching the `report.generated` ledger record, bad
//! input refused by field, other tenants seeing nothing, and a schedule that runs once per
//! occurrence (two passes, one claim) and reaches a webhook on loopback.

use chrono::{Duration, Timelike as _};
use probity_core::platform::Role;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::harness::{TestDatabase, TestServer, seed};
use crate::notify::{Receiver, drain, worker};

fn field(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn generate(server: &TestServer, token: &str, body: Value) -> Value {
    server
        .post("/api/v1/reports")
        .token(token)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json()
}

async fn content(server: &TestServer, token: &str, id: &str) -> Vec<u8> {
    let reply = server
        .get(&format!("/api/v1/reports/{id}/content"))
        .token(token)
        .send()
        .await
        .ok(200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/octet-stream")
    );
    let sha = hex::encode(Sha256::digest(&reply.bytes));
    assert_eq!(reply.header("x-report-sha256"), Some(sha.as_str()));
    assert!(
        reply
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=")),
        "{:?}",
        reply.header("content-disposition")
    );
    reply.bytes
}

/// Every kind in PDF, the tabular kinds in CSV and XLSX, one in HTML and JSON; history,
/// ledger records, bad input and isolation.
pub async fn reports_render_record_and_stay_in_their_tenant(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let reader = acme.token(Role::Viewer);
    // A signed checkpoint, so reports name one in their verification block.
    server.settle().await;

    let kinds = server
        .get("/api/v1/report-kinds")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let kinds: Vec<String> = kinds["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.len(), 9, "{kinds:?}");

    // Every kind renders to a PDF with a cover and a body, even on a tenant with little data.
    let mut pdf_ids = Vec::new();
    for kind in &kinds {
        let r = generate(&server, reader, json!({ "kind": kind })).await;
        assert_eq!(r["format"], "pdf");
        assert!(r["pages"].as_u64().unwrap() >= 2, "{kind}: {r}");
        assert!(r["checkpoint_size"].as_u64().unwrap() > 0, "{kind}: {r}");
        let bytes = content(&server, reader, r["id"].as_str().unwrap()).await;
        assert!(bytes.starts_with(b"%PDF-"), "{kind}");
        assert_eq!(r["file_sha256"], hex::encode(Sha256::digest(&bytes)));
        assert_eq!(r["size_bytes"].as_u64().unwrap(), bytes.len() as u64);
        pdf_ids.push(r["id"].as_str().unwrap().to_owned());
    }

    // The Statement of Applicability as CSV: header, then one line per Annex A control.
    let soa = generate(
        &server,
        reader,
        json!({ "kind": "statement_of_applicability", "format": "csv" }),
    )
    .await;
    let csv =
        String::from_utf8(content(&server, reader, soa["id"].as_str().unwrap()).await).unwrap();
    assert!(
        csv.starts_with("Control,Title,Applicable,Justification,Implemented,"),
        "{}",
        &csv[..80.min(csv.len())]
    );
    let rows = server
        .get("/api/v1/compliance/soa")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let controls = rows["items"].as_array().unwrap().len();
    assert!(controls >= 90, "Annex A has 93 controls: {controls}");
    assert_eq!(
        csv.split("\r\n").filter(|l| !l.is_empty()).count(),
        controls + 1,
        "header + one line per control"
    );

    // The risk register as XLSX: a zip with the cover sheet and the register sheet.
    let xlsx = generate(
        &server,
        reader,
        json!({ "kind": "risk_register", "format": "xlsx" }),
    )
    .await;
    let bytes = content(&server, reader, xlsx["id"].as_str().unwrap()).await;
    assert!(bytes.starts_with(b"PK\x03\x04"));
    assert!(String::from_utf8_lossy(&bytes).contains("xl/worksheets/sheet2.xml"));

    // HTML carries the verification block with the content hash; JSON is the model itself.
    let html = generate(
        &server,
        reader,
        json!({ "kind": "control_matrix", "format": "html", "params": { "framework": "soc2-2017" } }),
    )
    .await;
    let page =
        String::from_utf8(content(&server, reader, html["id"].as_str().unwrap()).await).unwrap();
    assert!(page.contains(html["content_sha256"].as_str().unwrap()));
    assert!(page.contains("Acme"), "the tenant's name is on it");
    assert!(!page.contains("<script"));
    let model = generate(
        &server,
        reader,
        json!({ "kind": "sla_monthly", "format": "json", "params": { "month": "2026-02" } }),
    )
    .await;
    let doc: Value =
        serde_json::from_slice(&content(&server, reader, model["id"].as_str().unwrap()).await)
            .unwrap();
    assert_eq!(doc["report"]["kind"], "sla_monthly");
    assert_eq!(doc["report"]["subtitle"], "2026-02");
    assert_eq!(doc["verification"]["content_hash"], model["content_sha256"]);

    // Bad input, named by field.
    let p = server
        .post("/api/v1/reports")
        .token(reader)
        .json(&json!({ "kind": "risk_register", "params": { "month": "2026-01" } }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "params.month");
    let p = server
        .post("/api/v1/reports")
        .token(reader)
        .json(&json!({ "kind": "sla_monthly", "params": { "month": "January" } }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "params.month");
    let unknown = server
        .post("/api/v1/reports")
        .token(reader)
        .json(&json!({ "kind": "horoscope" }))
        .send()
        .await;
    assert!(
        unknown.status == 400 || unknown.status == 422,
        "{}",
        unknown.text
    );
    unknown.assert_problem_shape();
    server
        .post("/api/v1/reports")
        .token(reader)
        .json(&json!({ "kind": "compliance", "params": { "framework": "no-such-framework" } }))
        .send()
        .await
        .assert_problem_shape();

    // The history, newest first, with every report; the ledger holds each one's hashes.
    let history = server
        .get("/api/v1/reports")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 9 + 4);
    assert_eq!(items[0]["id"], model["id"]);
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=report&limit=200")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    let generated: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "report.generated")
        .collect();
    assert_eq!(generated.len(), 13, "one ledger record per report");
    let for_soa = generated
        .iter()
        .find(|e| e["resource_id"] == soa["id"])
        .expect("the SoA's record");
    let details = &for_soa["payload"]["details"];
    assert_eq!(details["file_sha256"], soa["file_sha256"], "{for_soa:#}");
    assert_eq!(details["content_sha256"], soa["content_sha256"]);
    assert_eq!(details["checkpoint_size"], soa["checkpoint_size"]);
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "report.downloaded"),
        "downloads are audited"
    );

    // Another tenant sees none of it.
    let other = world.globex.owner_token();
    for id in [&pdf_ids[0], soa["id"].as_str().unwrap()] {
        server
            .get(&format!("/api/v1/reports/{id}"))
            .token(other)
            .send()
            .await
            .problem(404, "not_found");
        server
            .get(&format!("/api/v1/reports/{id}/content"))
            .token(other)
            .send()
            .await
            .problem(404, "not_found");
    }
    let theirs = server
        .get("/api/v1/reports")
        .token(other)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    server.finish().await;
}

/// A schedule runs once per occurrence however many passes see it due, and its channel gets
/// the report's title, hashes and link; only owners and admins manage schedules.
pub async fn scheduled_reports_run_once_and_reach_their_channel(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let receiver = Receiver::start().await;
    let channel = server
        .post("/api/v1/notifications/channels")
        .token(owner)
        .json(&json!({ "name": "reports", "kind": "webhook", "url": format!("{}/reports", receiver.base) }))
        .send()
        .await
        .ok(201)
        .json();
    let channel_id = channel["channel"]["id"].as_str().unwrap().to_owned();
    let body = json!({
        "name": "Monthly risk register",
        "kind": "risk_register",
        "format": "pdf",
        "cron": "0 6 * * *",
        "channels": [channel_id],
    });
    server
        .post("/api/v1/report-schedules")
        .token(acme.token(Role::Contributor))
        .json(&body)
        .send()
        .await
        .problem(403, "forbidden");
    let mut bad = body.clone();
    bad["cron"] = json!("every morning");
    let p = server
        .post("/api/v1/report-schedules")
        .token(owner)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "cron");
    let mut bad = body.clone();
    bad["channels"] = json!([world.globex.tenant.id]);
    let p = server
        .post("/api/v1/report-schedules")
        .token(owner)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "channels");

    let schedule = server
        .post("/api/v1/report-schedules")
        .token(owner)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json();
    let next: chrono::DateTime<chrono::Utc> =
        schedule["next_run_at"].as_str().unwrap().parse().unwrap();
    assert!(next > server.now());
    assert_eq!((next.hour(), next.minute()), (6, 0));

    // Not due yet: nothing runs.
    let reports = server.state.reports();
    assert_eq!(reports.run_due().await.unwrap().claimed, 0);
    server.clock().set(next + Duration::seconds(30));
    let first = reports.run_due().await.unwrap();
    assert_eq!((first.claimed, first.delivered, first.failed), (1, 1, 0));
    // A second pass (another node, or the next tick) finds the occurrence taken.
    assert_eq!(reports.run_due().await.unwrap().claimed, 0);

    drain(&worker(&server)).await;
    let got = receiver.received("/reports");
    assert_eq!(got.len(), 1, "one delivery");
    let payload = got[0].json();
    assert_eq!(payload["type"], "report.delivered");
    let listed = server
        .get("/api/v1/report-schedules")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let s = &listed["items"][0];
    let report_id = s["last_report_id"].as_str().unwrap();
    assert!(s["last_error"].is_null(), "{s}");
    let next_after: chrono::DateTime<chrono::Utc> =
        s["next_run_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next_after, next + Duration::days(1));
    let text = payload["data"]["body"].as_str().unwrap();
    assert!(text.contains(report_id), "{text}");
    let record = server
        .get(&format!("/api/v1/reports/{report_id}"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(record["schedule_id"], schedule["id"]);
    assert!(text.contains(record["file_sha256"].as_str().unwrap()));
    assert!(
        payload["data"]["link"]
            .as_str()
            .is_some_and(|l| l.ends_with(&format!("/reports/{report_id}"))),
        "{payload}"
    );

    // Run now leaves the next occurrence alone; delete ends it; deleting again is a 404.
    let ran = server
        .post(&format!(
            "/api/v1/report-schedules/{}/run",
            schedule["id"].as_str().unwrap()
        ))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(ran["next_run_at"], s["next_run_at"]);
    assert_ne!(ran["last_report_id"], s["last_report_id"]);
    let path = format!(
        "/api/v1/report-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    server.delete(&path).token(owner).send().await.ok(204);
    server
        .delete(&path)
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

/// Audit fixture event `n`: every other one names SOC 2's CC6.1, every third a unified
/// control mapped to it, the rest an ISO 27001 control only; severities and outcomes cycle.
fn audit_event(n: usize, mapped: &str) -> Value {
    let severities = ["info", "low", "medium", "high", "critical"];
    let controls = match n % 6 {
        0 | 2 | 4 => vec!["CC6.1".to_owned()],
        3 => vec![mapped.to_owned()],
        _ => vec!["A.5.15".to_owned()],
    };
    json!({
        "event_type": if n.is_multiple_of(2) { "user.login.failed" } else { "data.exported" },
        "category": if n.is_multiple_of(2) { "authentication" } else { "data_access" },
        "severity": severities[n % 5],
        "outcome": if n % 4 == 1 { "denied" } else { "success" },
        "actor": { "type": "user", "id": format!("user-{}", n % 3), "name": format!("User {}", n % 3) },
        "resource": { "type": "invoice", "id": format!("inv-{n}") },
        "control_ids": controls,
        "details": { "n": n },
    })
}

fn fact<'a>(doc: &'a Value, label: &str) -> &'a str {
    doc["report"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == label)
        .unwrap_or_else(|| panic!("no fact {label}: {doc:#}"))["value"]
        .as_str()
        .unwrap()
}

/// The audit trail report counts exactly the period's events (all, or those naming one
/// framework's controls directly or through a mapped control), lists the high and critical
/// ones, names the checkpoint that covers them, is only for those who may search the trail,
/// and refuses bad periods by field.
pub async fn audit_trail_reports_count_the_period_and_name_their_checkpoint(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let auditor = acme.token(Role::Auditor);
    let catalog = probity_core::catalog::Catalog::shipped_or_empty();
    let mapped = catalog
        .links_of("soc2-2017", "CC6.1")
        .find(|l| l.to_framework == "soc2-2017" && catalog.control(&l.from).is_some())
        .map(|l| l.from.clone())
        .expect("a unified control mapped to CC6.1");
    const N: usize = 30;
    let batch: Vec<Value> = (0..N).map(|n| audit_event(n, &mapped)).collect();
    let reply = server
        .post("/api/v1/audit/events:batch")
        .token(acme.token(Role::Contributor))
        .json(&Value::Array(batch))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(reply["accepted"], N);
    server.settle().await;

    let today = server.now().date_naive();
    let from = (today - Duration::days(6)).to_string();
    let to = today.to_string();
    let stats = server
        .get(&format!(
            "/api/v1/audit/statistics?from={from}T00:00:00Z&to={}T00:00:00Z",
            today + Duration::days(1)
        ))
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    let all = generate(
        &server,
        auditor,
        json!({ "kind": "audit_trail", "format": "json", "params": { "from": from, "to": to } }),
    )
    .await;
    assert_eq!(all["title"], "Audit trail report");
    let doc: Value =
        serde_json::from_slice(&content(&server, auditor, all["id"].as_str().unwrap()).await)
            .unwrap();
    assert_eq!(doc["report"]["subtitle"], format!("{from} to {to}"));
    assert_eq!(fact(&doc, "Events"), stats["total"].to_string());
    assert!(
        stats["total"].as_u64().unwrap() > N as u64,
        "with Probity's own records"
    );

    // Narrowed to SOC 2: the events naming CC6.1 or the mapped control, none of the others.
    let soc2 = generate(
        &server,
        auditor,
        json!({ "kind": "audit_trail", "format": "json",
                "params": { "from": from, "to": to, "framework": "soc2-2017" } }),
    )
    .await;
    let doc: Value =
        serde_json::from_slice(&content(&server, auditor, soc2["id"].as_str().unwrap()).await)
            .unwrap();
    let naming: Vec<usize> = (0..N).filter(|n| n % 6 != 1 && n % 6 != 5).collect();
    assert_eq!(fact(&doc, "Events"), naming.len().to_string(), "{doc:#}");
    let high = naming.iter().filter(|n| *n % 5 >= 3).count();
    assert_eq!(fact(&doc, "High or critical"), high.to_string());
    let denied = naming.iter().filter(|n| *n % 4 == 1).count();
    assert_eq!(fact(&doc, "Failed, denied or error"), denied.to_string());
    let sections = doc["report"]["sections"].as_array().unwrap();
    let text = serde_json::to_string(sections).unwrap();
    assert!(
        text.contains(&format!("All {high} high and critical events")),
        "{text}"
    );
    let coverage = sections
        .iter()
        .find(|s| s["heading"] == "Ledger coverage")
        .expect("a coverage section");
    assert!(
        coverage.to_string().contains("signed checkpoint of size"),
        "{coverage}"
    );

    // As a PDF: a cover and a body.
    let pdf = generate(
        &server,
        auditor,
        json!({ "kind": "audit_trail", "params": { "framework": "soc2-2017" } }),
    )
    .await;
    assert!(pdf["pages"].as_u64().unwrap() >= 2, "{pdf}");
    assert!(
        content(&server, auditor, pdf["id"].as_str().unwrap())
            .await
            .starts_with(b"%PDF-")
    );

    // A framework with over a thousand requirements and mapped controls filters too
    // (one flat chain of LIKEs that long was deeper than SQLite's expression limit).
    let large = generate(
        &server,
        auditor,
        json!({ "kind": "audit_trail", "format": "html",
                "params": { "framework": "nist-800-53-r5" } }),
    )
    .await;
    let body =
        String::from_utf8(content(&server, auditor, large["id"].as_str().unwrap()).await).unwrap();
    assert!(body.contains("NIST"), "{large}");

    // Only for those who may search the audit trail.
    let viewer = acme.token(Role::Viewer);
    server
        .post("/api/v1/reports")
        .token(viewer)
        .json(&json!({ "kind": "audit_trail" }))
        .send()
        .await
        .problem(403, "forbidden");
    let kinds = server
        .get("/api/v1/report-kinds")
        .token(auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        kinds["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kind"] == "audit_trail")
    );

    // Bad periods and parameters, named by field.
    for (params, expected) in [
        (
            json!({ "from": "2026-04-01", "to": "2026-03-31" }),
            "params.from",
        ),
        (json!({ "from": "31/01/2026" }), "params.from"),
        (json!({ "to": "2026-13-01" }), "params.to"),
        (
            json!({ "from": "2024-01-01", "to": "2026-01-01" }),
            "params.to",
        ),
        (json!({ "month": "2026-01" }), "params.month"),
        (json!({ "framework": "no-such" }), "params.framework"),
    ] {
        let p = server
            .post("/api/v1/reports")
            .token(auditor)
            .json(&json!({ "kind": "audit_trail", "params": params }))
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(field(&p), expected, "{params}");
    }
}
