//! Privacy over HTTP with a moved clock: requests get their regime's due date (a month that
//! clamps to February's end, 45 days plus an extension, business days that skip the tenant's
//! holidays), illegal moves and missing reasons are problem JSON naming the field, a stale
//! version is a conflict; a breach's 72-hour clock runs, goes overdue, and a late notification
//! must say why; every change is in the audit trail, and another tenant sees none of it.

use chrono::Duration;
use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

async fn privacy_events(server: &TestServer, token: &str) -> Vec<Value> {
    server.settle().await;
    let page = server
        .get("/api/v1/audit/events?type=privacy&limit=200")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    page["items"].as_array().unwrap().clone()
}

/// Requests: due dates per regime, the workflow's rules, extensions, and their audit records.
pub async fn privacy_requests_follow_their_statutory_clocks(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let editor = world.acme.token(Role::Contributor);
    let viewer = world.acme.token(Role::Viewer);
    // 2026-03-02 is a Monday; the following Monday is a holiday for this tenant.
    assert_eq!(server.now().date_naive().to_string(), "2026-03-02");
    server
        .call(reqwest::Method::PUT, "/api/v1/privacy/settings")
        .token(editor)
        .json(&json!({ "holidays": ["2026-03-09"] }))
        .send()
        .await
        .ok(200);

    // GDPR, received 31 January: due on the last day of February, already two days late.
    let late = server
        .post("/api/v1/privacy/requests")
        .token(editor)
        .json(&json!({
            "regime": "gdpr", "kind": "erasure", "subject_ref": "cust-10482",
            "received_at": "2026-01-31T10:00:00Z",
        }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(late["due_date"], "2026-02-28", "{late}");
    assert_eq!(late["days_left"], -2, "{late}");
    assert_eq!(late["overdue"], true, "{late}");
    assert_eq!(late["reference"], "DSR-001");

    // CCPA, received today: 45 days, acknowledgment within 10 business days (skipping the
    // weekend days and the holiday).
    let ccpa = server
        .post("/api/v1/privacy/requests")
        .token(editor)
        .json(&json!({ "regime": "ccpa", "kind": "delete", "subject_ref": "ca-8820" }))
        .send()
        .await
        .ok(201)
        .json();
    let id = ccpa["id"].as_str().unwrap().to_owned();
    assert_eq!(ccpa["due_date"], "2026-04-16", "{ccpa}");
    assert_eq!(ccpa["acknowledgment_due"], "2026-03-17", "{ccpa}");
    assert_eq!(ccpa["extension_deadline"], "2026-04-16", "{ccpa}");
    assert_eq!(ccpa["state"], "received");

    // Bad input names the field.
    for (body, field) in [
        (
            json!({ "regime": "gdpr", "kind": "opt_out", "subject_ref": "x1" }),
            "kind",
        ),
        (
            json!({ "regime": "lgpd", "kind": "access", "subject_ref": "ana@example.com" }),
            "subject_ref",
        ),
        (
            json!({ "regime": "hipaa", "kind": "access", "subject_ref": "mrn-1", "received_at": "2026-04-01T00:00:00Z" }),
            "received_at",
        ),
    ] {
        let p = server
            .post("/api/v1/privacy/requests")
            .token(editor)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let transition = |to: &str, reason: Option<&str>, version: Option<u32>| json!({ "to": to, "reason": reason, "version": version });
    let path = format!("/api/v1/privacy/requests/{id}/transition");
    let p = server
        .post(&path)
        .token(editor)
        .json(&transition("completed", None, None))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "to", "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("received to completed"),
        "{p}"
    );
    server
        .post(&path)
        .token(viewer)
        .json(&transition("in_progress", None, None))
        .send()
        .await
        .problem(403, "forbidden");

    // The clock keeps running while identity is verified.
    server.clock().advance(Duration::days(10));
    let verifying = server
        .post(&path)
        .token(editor)
        .json(&transition("verifying_identity", None, Some(1)))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(verifying["due_date"], "2026-04-16");
    assert_eq!(verifying["days_left"], 35);
    assert_eq!(verifying["version"], 2);
    server
        .post(&path)
        .token(editor)
        .json(&transition("in_progress", None, Some(1)))
        .send()
        .await
        .problem(409, "conflict");

    // Extension: reasons required, then 45 more days counted from receipt, once.
    let extend = format!("/api/v1/privacy/requests/{id}/extend");
    let p = server
        .post(&extend)
        .token(editor)
        .json(&json!({ "reason": "  " }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "reason", "{p}");
    let extended = server
        .post(&extend)
        .token(editor)
        .json(&json!({ "reason": "records in three archives", "version": 2 }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(extended["state"], "extended", "{extended}");
    assert_eq!(extended["due_date"], "2026-05-31", "{extended}");
    assert_eq!(extended["extension"]["previous_due_date"], "2026-04-16");
    assert!(extended.get("extension_deadline").is_none(), "{extended}");
    server
        .post(&extend)
        .token(editor)
        .json(&json!({ "reason": "again" }))
        .send()
        .await
        .problem(422, "validation_failed");
    let p = server
        .post(&path)
        .token(editor)
        .json(&transition("denied", None, None))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "reason", "{p}");
    let denied = server
        .post(&path)
        .token(editor)
        .json(&transition(
            "denied",
            Some("identity could not be confirmed"),
            None,
        ))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(denied["state"], "denied");
    assert_eq!(denied["overdue"], false);
    assert_eq!(denied["history"].as_array().unwrap().len(), 3, "{denied}");

    // The list: open first, by due date; the viewer may read it.
    let list = server
        .get("/api/v1/privacy/requests")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let refs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["DSR-001", "DSR-002"]);

    // The calendar carries the open request's due date, overdue.
    let cal = server
        .get("/api/v1/calendar?from=2026-01-01&to=2026-12-31&kind=privacy_request_due")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let entries = cal["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{cal}");
    assert_eq!(entries[0]["date"], "2026-02-28");
    assert_eq!(entries[0]["overdue"], true);
    assert_eq!(entries[0]["context"], "privacy");

    // Every change is in the audit trail, with its details.
    let events = privacy_events(&server, owner).await;
    let of_request: Vec<&Value> = events
        .iter()
        .filter(|e| e["resource_id"] == id.as_str())
        .collect();
    let mut types: Vec<&str> = of_request
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        [
            "privacy.request.created",
            "privacy.request.extended",
            "privacy.request.transitioned",
            "privacy.request.transitioned",
        ],
        "{events:?}"
    );
    let ext = of_request
        .iter()
        .find(|e| e["event_type"] == "privacy.request.extended")
        .unwrap();
    assert_eq!(ext["payload"]["details"]["due_date"], "2026-05-31", "{ext}");
    assert_eq!(
        ext["payload"]["details"]["reason"],
        "records in three archives"
    );
    assert!(
        events
            .iter()
            .any(|e| e["event_type"] == "privacy.settings.updated"),
        "{events:?}"
    );

    // Another tenant sees nothing of it.
    let globex = world.globex.owner_token();
    let theirs = server
        .get("/api/v1/privacy/requests")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["items"], json!([]), "{theirs}");
    server
        .get(&format!("/api/v1/privacy/requests/{id}"))
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    server
        .post(&path)
        .token(globex)
        .json(&transition("in_progress", None, None))
        .send()
        .await
        .problem(404, "not_found");
    assert!(privacy_events(&server, globex).await.is_empty());
    server.finish().await;
}

/// Breaches: per-regime clocks from awareness, overdue once the time is up, a late
/// notification refused without reasons, phases counted, all audited and tenant-bound.
pub async fn privacy_breach_clocks_run_and_late_notifications_explain_themselves(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let editor = world.acme.token(Role::ComplianceManager);
    let p = server
        .post("/api/v1/privacy/breaches")
        .token(editor)
        .json(&json!({
            "title": "Laptop stolen", "discovered_at": "2026-03-02T08:00:00Z",
            "aware_at": "2026-03-02T07:00:00Z", "nature": "theft", "regimes": ["gdpr"],
        }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "aware_at", "{p}");
    let p = server
        .post("/api/v1/privacy/breaches")
        .token(editor)
        .json(&json!({
            "title": "Laptop stolen", "discovered_at": "2026-03-02T07:00:00Z",
            "aware_at": "2026-03-02T08:00:00Z", "nature": "theft", "regimes": [],
        }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "regimes", "{p}");

    let breach = server
        .post("/api/v1/privacy/breaches")
        .token(editor)
        .json(&json!({
            "title": "Laptop stolen", "discovered_at": "2026-03-02T07:00:00Z",
            "aware_at": "2026-03-02T08:00:00Z", "nature": "theft of an unencrypted laptop",
            "data_categories": ["contact", "contracts"], "approx_subjects": 420,
            "approx_records": 1300, "consequences": "phishing", "measures": "device wiped",
            "regimes": ["gdpr", "lgpd"],
        }))
        .send()
        .await
        .ok(201)
        .json();
    let id = breach["id"].as_str().unwrap().to_owned();
    assert_eq!(breach["reference"], "BR-001");
    let clocks = breach["clocks"].as_array().unwrap();
    assert_eq!(clocks.len(), 2, "{breach}");
    assert_eq!(clocks[0]["regime"], "gdpr");
    assert_eq!(clocks[0]["recipient"], "supervisory_authority");
    assert_eq!(clocks[0]["deadline"], "2026-03-05T08:00:00Z");
    assert_eq!(clocks[0]["status"], "running");
    assert_eq!(clocks[0]["seconds_left"], 71 * 3600);
    assert_eq!(clocks[1]["regime"], "lgpd");
    assert_eq!(clocks[1]["deadline"], "2026-03-05T23:59:59Z");

    // Both deadlines are in the compliance calendar, the 72-hour one to the second.
    let cal = server
        .get("/api/v1/calendar?from=2026-03-01&to=2026-03-31&kind=breach_notification_due")
        .token(world.acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let entries = cal["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{cal}");
    assert_eq!(entries[0]["due_at"], "2026-03-05T08:00:00Z", "{cal}");
    assert_eq!(entries[1]["date"], "2026-03-05", "{cal}");
    assert!(
        entries[0]["title"].as_str().unwrap().contains("BR-001"),
        "{cal}"
    );

    // An unknown regime is refused naming the field.
    let p = server
        .post("/api/v1/privacy/breaches")
        .token(editor)
        .json(&json!({
            "title": "x", "discovered_at": "2026-03-02T07:00:00Z",
            "aware_at": "2026-03-02T08:00:00Z", "nature": "x", "regimes": ["pipeda"],
        }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert!(p.to_string().contains("regimes"), "{p}");

    // 80 hours on: the 72-hour clock is overdue, the LGPD one still running.
    server.clock().advance(Duration::hours(80));
    let now = server
        .get(&format!("/api/v1/privacy/breaches/{id}"))
        .token(world.acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(now["clocks"][0]["status"], "overdue", "{now}");
    assert_eq!(now["clocks"][0]["seconds_left"], -9 * 3600, "{now}");
    assert_eq!(now["clocks"][1]["status"], "running", "{now}");

    let notify = format!("/api/v1/privacy/breaches/{id}/notifications");
    let p = server
        .post(&notify)
        .token(editor)
        .json(&json!({ "recipient": "supervisory_authority", "recipient_name": "CNIL" }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "late_reason", "{p}");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("gdpr"),
        "{p}"
    );
    let notified = server
        .post(&notify)
        .token(editor)
        .json(&json!({
            "recipient": "supervisory_authority", "recipient_name": "CNIL",
            "reference": "CNIL-2026-118", "late_reason": "scope unknown until forensics ended",
        }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(notified["clocks"][0]["status"], "late", "{notified}");
    assert_eq!(notified["clocks"][1]["status"], "met", "{notified}");
    assert_eq!(notified["notifications"][0]["phase"], 1);
    // A follow-up phase to the same authority needs no reasons.
    server.clock().advance(Duration::days(3));
    let phased = server
        .post(&notify)
        .token(editor)
        .json(&json!({ "recipient": "supervisory_authority", "reference": "CNIL-2026-118", "version": 2 }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(phased["notifications"][1]["phase"], 2, "{phased}");
    assert_eq!(phased["version"], 3);
    let timeline: Vec<&str> = phased["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["what"].as_str().unwrap())
        .collect();
    assert_eq!(timeline.len(), 5, "{timeline:?}");
    assert!(timeline[3].contains("late"), "{timeline:?}");

    let events = privacy_events(&server, owner).await;
    let of_breach: Vec<&Value> = events
        .iter()
        .filter(|e| e["resource_id"] == id.as_str())
        .collect();
    assert_eq!(of_breach.len(), 3, "{events:?}");
    assert!(
        of_breach.iter().any(
            |e| e["payload"]["details"]["late_reason"] == "scope unknown until forensics ended"
        )
    );

    let globex = world.globex.owner_token();
    server
        .get(&format!("/api/v1/privacy/breaches/{id}"))
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    let theirs = server
        .get("/api/v1/privacy/breaches")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["items"], json!([]));
    server.finish().await;
}

/// Records of processing: created, read, replaced from the version read, exported as CSV and
/// JSON, removed; bad input names the field; each change is audited with its values; another
/// tenant sees none of it.
pub async fn privacy_record_of_processing_crud_and_export(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let editor = world.acme.token(Role::Contributor);
    let viewer = world.acme.token(Role::Viewer);
    let body = json!({
        "name": "Payroll", "purposes": ["pay staff", "tax filings"],
        "legal_basis": "legal_obligation", "data_categories": ["financial", "employment"],
        "subject_categories": ["employees"], "recipients": ["payroll provider", "tax office"],
        "retention": "6 years after leaving",
        "transfers": [{ "destination": "United States", "mechanism": "standard_contractual_clauses" }],
    });
    let created = server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["reference"], "ROPA-001");
    assert_eq!(created["version"], 1);
    server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&body)
        .send()
        .await
        .problem(409, "conflict");
    for (change, field) in [
        (json!({ "purposes": [] }), "purposes"),
        (
            json!({ "data_categories": ["bank details"] }),
            "data_categories.0",
        ),
        (json!({ "data_categories": ["health"] }), "art9_condition"),
        (
            json!({ "transfers": [{ "destination": "Japan", "mechanism": "derogation" }] }),
            "transfers.0.reason",
        ),
    ] {
        let mut bad = body.clone();
        bad["name"] = json!("Other");
        for (k, v) in change.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let p = server
            .post("/api/v1/privacy/activities")
            .token(editor)
            .json(&bad)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    server
        .post("/api/v1/privacy/activities")
        .token(viewer)
        .json(&body)
        .send()
        .await
        .problem(403, "forbidden");

    let path = format!("/api/v1/privacy/activities/{id}");
    let mut update = body.clone();
    update["retention"] = json!("10 years");
    update["version"] = json!(1);
    let updated = server
        .call(reqwest::Method::PUT, &path)
        .token(editor)
        .json(&update)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(updated["retention"], "10 years");
    assert_eq!(updated["version"], 2);
    server
        .call(reqwest::Method::PUT, &path)
        .token(editor)
        .json(&update)
        .send()
        .await
        .problem(409, "conflict");

    let csv = server
        .get("/api/v1/privacy/record-of-processing?format=csv")
        .token(viewer)
        .send()
        .await
        .ok(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("reference,name,purposes,legal_basis"),
        "{}",
        csv.text
    );
    assert!(
        lines[1].starts_with(
            "ROPA-001,Payroll,pay staff; tax filings,legal_obligation,,financial; employment"
        ),
        "{}",
        csv.text
    );
    assert!(lines[1].contains("10 years"), "{}", csv.text);
    let exported = server
        .get("/api/v1/privacy/record-of-processing")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(exported[0]["transfers"][0]["destination"], "United States");
    let p = server
        .get("/api/v1/privacy/record-of-processing?format=xml")
        .token(viewer)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "format", "{p}");

    let globex = world.globex.owner_token();
    server
        .get(&path)
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    server
        .call(reqwest::Method::DELETE, &path)
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    let theirs = server
        .get("/api/v1/privacy/record-of-processing")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs, json!([]));

    server
        .call(reqwest::Method::DELETE, &path)
        .token(editor)
        .send()
        .await
        .ok(204);
    server
        .get(&path)
        .token(viewer)
        .send()
        .await
        .problem(404, "not_found");
    let events = privacy_events(&server, world.acme.owner_token()).await;
    let mut types: Vec<&str> = events
        .iter()
        .filter(|e| e["resource_id"] == id.as_str())
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        [
            "privacy.activity.created",
            "privacy.activity.deleted",
            "privacy.activity.updated"
        ],
        "{events:?}"
    );
    let updated_event = events
        .iter()
        .find(|e| e["event_type"] == "privacy.activity.updated")
        .unwrap();
    assert_eq!(updated_event["payload"]["details"]["retention"], "10 years");
    server.finish().await;
}

/// Completing an erasure request erases the subject's audit events that no legal hold covers
/// and records the erasure (by the subject's hash, with the request's reference); an access
/// request completes without touching the trail.
pub async fn privacy_erasure_requests_erase_the_subjects_audit_events(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let editor = acme.token(Role::ComplianceManager);
    let owner = acme.owner_token();
    // Four events name the subject; one of them is under a legal hold.
    let events: Vec<Value> = (0..4)
        .map(|n| {
            json!({
                "event_type": "data.accessed", "category": "data_access",
                "actor": { "type": "service", "id": if n == 0 { "svc-billing" } else { "svc-crm" } },
                "subject_ids": ["cust-777"], "details": { "n": n },
            })
        })
        .chain(std::iter::once(json!({
            "event_type": "data.accessed", "category": "data_access",
            "actor": { "type": "service", "id": "svc-crm" }, "subject_ids": ["cust-778"],
        })))
        .collect();
    server
        .post("/api/v1/audit/events:batch")
        .token(acme.token(Role::Contributor))
        .json(&Value::Array(events))
        .send()
        .await
        .ok(200);
    server
        .post("/api/v1/audit/legal-holds")
        .token(editor)
        .json(&json!({ "case_id": "BILLING-DISPUTE", "reason": "invoice dispute", "criteria": { "actor": "svc-billing" } }))
        .send()
        .await
        .ok(201);
    let subject_events = |q: &'static str| {
        let server = &server;
        async move {
            server.settle().await;
            server
                .get(&format!("/api/v1/audit/events?source=ingest&subject={q}"))
                .token(owner)
                .send()
                .await
                .ok(200)
                .json()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(subject_events("cust-777").await, 4);

    let complete = |kind: &'static str, subject: &'static str| {
        let server = &server;
        async move {
            let r = server
                .post("/api/v1/privacy/requests")
                .token(editor)
                .json(&json!({ "regime": "gdpr", "kind": kind, "subject_ref": subject }))
                .send()
                .await
                .ok(201)
                .json();
            let id = r["id"].as_str().unwrap().to_owned();
            let mut done = Value::Null;
            for to in ["in_progress", "completed"] {
                done = server
                    .post(&format!("/api/v1/privacy/requests/{id}/transition"))
                    .token(editor)
                    .json(&json!({ "to": to }))
                    .send()
                    .await
                    .ok(200)
                    .json();
            }
            (r["reference"].as_str().unwrap().to_owned(), done)
        }
    };
    // Two consent events name the subject.
    server
        .post("/api/v1/privacy/consent/purposes")
        .token(editor)
        .json(&json!({ "key": "newsletter", "title": "Newsletter" }))
        .send()
        .await
        .ok(201);
    for action in ["grant", "withdraw"] {
        server
            .post("/api/v1/privacy/consent/events")
            .token(editor)
            .json(&json!({
                "subject_id": "cust-777", "purpose": "newsletter", "action": action,
                "notice_version": "v1", "method": "web_form", "source": "site",
                "occurred_at": server.now().to_rfc3339(),
            }))
            .send()
            .await
            .ok(201);
    }
    // A contributor may work on an erasure request but not complete it.
    let r = server
        .post("/api/v1/privacy/requests")
        .token(acme.token(Role::Contributor))
        .json(&json!({ "regime": "gdpr", "kind": "erasure", "subject_ref": "cust-777" }))
        .send()
        .await
        .ok(201)
        .json();
    let path = format!(
        "/api/v1/privacy/requests/{}/transition",
        r["id"].as_str().unwrap()
    );
    server
        .post(&path)
        .token(acme.token(Role::Contributor))
        .json(&json!({ "to": "in_progress" }))
        .send()
        .await
        .ok(200);
    server
        .post(&path)
        .token(acme.token(Role::Contributor))
        .json(&json!({ "to": "completed" }))
        .send()
        .await
        .problem(403, "forbidden");
    assert_eq!(subject_events("cust-777").await, 4);
    // An access request leaves the trail alone; its completion reports the export.
    let (_, access) = complete("access", "cust-777").await;
    assert_eq!(subject_events("cust-777").await, 4);
    let lines = access["fulfilment"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{access:#}");
    assert_eq!(lines[0]["scope"], "export");
    assert_eq!(lines[0]["outcome"], "exported");
    assert!(lines[0]["count"].as_u64().unwrap() >= 2, "{access:#}");
    // The erasure request erases three; the held one stays; the other subject is untouched.
    let (reference, erasure) = complete("erasure", "cust-777").await;
    assert_eq!(subject_events("cust-777").await, 1);
    // Its completion says what was erased, what was kept and why.
    let lines: Vec<(String, String, u64)> = erasure["fulfilment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["scope"].as_str().unwrap().to_owned(),
                l["outcome"].as_str().unwrap().to_owned(),
                l["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("audit_trail".into(), "erased".into(), 3),
            ("audit_trail".into(), "kept".into(), 1),
            ("consent".into(), "kept".into(), 2),
            ("requests".into(), "kept".into(), 3),
        ],
        "{erasure:#}"
    );
    assert!(
        erasure["fulfilment"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("BILLING-DISPUTE (1 events)"),
        "{erasure:#}"
    );
    assert!(
        erasure["fulfilment"][2]["detail"]
            .as_str()
            .unwrap()
            .contains("Art. 7(1)"),
        "{erasure:#}"
    );
    assert_eq!(subject_events("cust-778").await, 1);
    let erased = server
        .get("/api/v1/audit/events?type=audit.subject.erased")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let items = erased["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let details = &items[0]["payload"]["details"];
    assert_eq!(details["erased"], 3);
    assert_eq!(details["kept"], 1);
    assert_eq!(details["kept_by"][0]["case_id"], "BILLING-DISPUTE");
    assert!(
        details["reason"].as_str().unwrap().contains(&reference),
        "{details}"
    );
    assert!(!items[0].to_string().contains("cust-777"));
}
