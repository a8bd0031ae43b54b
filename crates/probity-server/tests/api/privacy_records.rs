//! The completed record of processing over HTTP: the taxonomy route, activities with
//! special categories and their Art. 9 condition exported as a PDF the reports engine made
//! (text checked with `pdftotext`), DPIAs screened by the questionnaire and signed off for
//! exactly one version (and named by the DPO's report while not approved), and retention schedules run on a moved clock — events past the period
//! erased, newer ones and held ones kept (and reported as kept), closed requests redacted —
//! both on demand and by the daily job, each run a stored report and a ledger event.

use chrono::Duration;
use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

fn field(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn hr_activity() -> Value {
    json!({
        "name": "Sickness absence", "purposes": ["record sick leave and pay sick pay"],
        "legal_basis": "legal_obligation", "art9_condition": "employment_social_security",
        "data_categories": ["identity", "employment", "health"],
        "subject_categories": ["employees"],
        "processors": [{ "name": "WorkWell", "country": "Netherlands", "contract_reference": "DPA-9" }],
        "security_measures": ["health notes kept apart from the personnel file"],
        "retention": "3 years after the absence ends",
        "transfers": [{ "destination": "Switzerland", "mechanism": "adequacy_decision" }],
    })
}

pub async fn privacy_taxonomy_and_the_art30_record_as_pdf(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let editor = world.acme.token(Role::Contributor);
    let viewer = world.acme.token(Role::Viewer);
    let taxonomy = server
        .get("/api/v1/privacy/taxonomy")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let health = taxonomy["data_categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "health")
        .unwrap()
        .clone();
    assert_eq!(health["special"], true);
    assert!(!health["description"].as_str().unwrap().is_empty());
    assert_eq!(taxonomy["art9_conditions"][1]["point"], "b");
    assert!(
        taxonomy["subject_categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "patients")
    );
    assert!(taxonomy["dpia_questions"].as_array().unwrap().len() >= 10);

    // A special category without its Art. 9 condition is refused by field; so is a key the
    // taxonomy does not have.
    let mut bad = hr_activity();
    bad.as_object_mut().unwrap().remove("art9_condition");
    let p = server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "art9_condition");
    assert!(p.to_string().contains("health"), "{p}");
    let mut bad = hr_activity();
    bad["subject_categories"] = json!(["employees", "martians"]);
    let p = server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "subject_categories.1");
    assert!(p.to_string().contains("martians"), "{p}");

    let created = server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&hr_activity())
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(created["art9_condition"], "employment_social_security");
    assert_eq!(created["processors"][0]["contract_reference"], "DPA-9");
    assert_eq!(created["transfers"][0]["mechanism"], "adequacy_decision");

    let pdf = server
        .get("/api/v1/privacy/record-of-processing?format=pdf")
        .token(viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.bytes.starts_with(b"%PDF"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ropa.pdf");
    std::fs::write(&file, &pdf.bytes).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Sickness absence"), "{text}");
    assert!(text.contains("employment_social_security"), "{text}");
    // The export went through the reports engine: it is in the history.
    let history = server
        .get("/api/v1/reports")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "records_of_processing"),
        "{history}"
    );
    server.finish().await;
}

fn answers(yes: &[&str]) -> Value {
    let criteria = [
        "systematic_monitoring",
        "large_scale",
        "special_categories",
        "vulnerable_subjects",
        "new_technology",
        "automated_decisions",
        "matching_datasets",
        "international_transfers",
    ];
    let safeguards = [
        "necessity_proportionality",
        "data_minimisation",
        "retention_limits",
        "subject_rights",
        "security_measures",
    ];
    let mut out: Vec<Value> = criteria
        .iter()
        .map(|q| json!({ "question": q, "answer": if yes.contains(q) { "yes" } else { "no" } }))
        .collect();
    out.extend(
        safeguards
            .iter()
            .map(|q| json!({ "question": q, "answer": "yes", "notes": "in place" })),
    );
    Value::Array(out)
}

pub async fn privacy_dpia_screening_and_sign_off_bound_to_the_version(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let editor = world.acme.token(Role::Contributor);
    let manager = world.acme.token(Role::ComplianceManager);
    let activity = server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&json!({
            "name": "CCTV", "purposes": ["prevent theft"], "legal_basis": "legitimate_interests",
            "data_categories": ["images"], "subject_categories": ["employees", "visitors"],
        }))
        .send()
        .await
        .ok(201)
        .json();
    let activity_id = activity["id"].as_str().unwrap().to_owned();
    let mut body = json!({
        "title": "CCTV at the warehouse", "activity_ids": [activity_id],
        "answers": answers(&["systematic_monitoring"]),
    });
    let p = server
        .post("/api/v1/privacy/dpias")
        .token(editor)
        .json(&json!({ "title": "x", "activity_ids": [uuid::Uuid::now_v7()] }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "activity_ids.0");
    let d = server
        .post("/api/v1/privacy/dpias")
        .token(editor)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(d["reference"], "DPIA-001");
    assert_eq!(d["state"], "draft");
    assert_eq!(d["screening"]["required"], false, "one criterion: {d}");
    let path = format!("/api/v1/privacy/dpias/{}", d["id"].as_str().unwrap());
    // Not rated yet: cannot be submitted.
    let p = server
        .post(&format!("{path}/submit"))
        .token(editor)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "inherent_risk");

    body["answers"] = answers(&["systematic_monitoring", "vulnerable_subjects"]);
    body["inherent_risk"] = json!({ "likelihood": "likely", "severity": "significant" });
    body["residual_risk"] = json!({ "likelihood": "remote", "severity": "significant" });
    body["mitigations"] = json!([{ "description": "signs at the entrances", "owner": "facilities", "status": "implemented" }]);
    body["version"] = json!(1);
    let d = server
        .call(reqwest::Method::PUT, &path)
        .token(editor)
        .json(&body)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(d["version"], 2);
    assert_eq!(d["screening"]["required"], true, "two criteria: {d}");
    assert_eq!(
        d["screening"]["criteria_met"],
        json!(["systematic_monitoring", "vulnerable_subjects"])
    );
    assert_eq!(d["inherent_level"], "high");
    assert_eq!(d["residual_level"], "low");
    assert_eq!(d["prior_consultation"], false);
    server
        .post(&format!("{path}/submit"))
        .token(editor)
        .send()
        .await
        .ok(200);
    server
        .post(&format!("{path}/approve"))
        .token(editor)
        .json(&json!({ "version": 2 }))
        .send()
        .await
        .problem(403, "forbidden");
    let p = server
        .post(&format!("{path}/approve"))
        .token(manager)
        .json(&json!({ "version": 1 }))
        .send()
        .await
        .problem(409, "conflict");
    assert!(p.to_string().contains("version 2, not 1"), "{p}");
    let approved = server
        .post(&format!("{path}/approve"))
        .token(manager)
        .json(&json!({ "version": 2, "note": "review in a year" }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved_version"], 2);
    assert_eq!(approved["sign_offs"][0]["version"], 2);
    assert_eq!(
        approved["sign_offs"][0]["content_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    // A change after approval is version 3 in draft; approving version 2 again is refused.
    body["title"] = json!("CCTV at the warehouse and the yard");
    body["version"] = json!(2);
    let d = server
        .call(reqwest::Method::PUT, &path)
        .token(editor)
        .json(&body)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        (d["version"].as_u64(), d["state"].as_str()),
        (Some(3), Some("draft"))
    );
    assert_eq!(d["approved_version"], 2);
    server
        .post(&format!("{path}/submit"))
        .token(editor)
        .send()
        .await
        .ok(200);
    server
        .post(&format!("{path}/approve"))
        .token(manager)
        .json(&json!({ "version": 2 }))
        .send()
        .await
        .problem(409, "conflict");
    let p = server
        .post(&format!("{path}/reject"))
        .token(manager)
        .json(&json!({ "version": 3 }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "note");
    let rejected = server
        .post(&format!("{path}/reject"))
        .token(manager)
        .json(&json!({ "version": 3, "note": "the yard camera also films the street" }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["sign_offs"].as_array().unwrap().len(), 2);

    // The activity links its DPIA; it cannot be removed while linked.
    let a = server
        .get(&format!("/api/v1/privacy/activities/{activity_id}"))
        .token(editor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(a["dpias"][0]["reference"], "DPIA-001");
    assert_eq!(a["dpias"][0]["label"], "rejected");
    server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/privacy/activities/{activity_id}"),
        )
        .token(editor)
        .send()
        .await
        .problem(409, "conflict");

    // The DPO's report names the activity: its only DPIA screens as required and its
    // current version is not approved (an older one was).
    let report = server
        .post("/api/v1/reports")
        .token(editor)
        .json(&json!({ "kind": "privacy_dpo", "format": "json" }))
        .send()
        .await
        .ok(201)
        .json();
    let model = server
        .get(&format!(
            "/api/v1/reports/{}/content",
            report["id"].as_str().unwrap()
        ))
        .token(editor)
        .send()
        .await
        .ok(200)
        .text;
    assert!(model.contains("Activities needing a DPIA"), "{model}");
    assert!(
        model.contains("screening says required; no DPIA approved at its current version"),
        "{model}"
    );
    assert!(model.contains("DPIA-001"), "{model}");

    // Separation of duties: the manager who writes a version does not sign it off; another
    // approver does.
    body["title"] = json!("CCTV at the warehouse, street side masked");
    body["version"] = json!(3);
    let d = server
        .call(reqwest::Method::PUT, &path)
        .token(manager)
        .json(&body)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(d["version"], 4);
    server
        .post(&format!("{path}/submit"))
        .token(editor)
        .send()
        .await
        .ok(200);
    let p = server
        .post(&format!("{path}/approve"))
        .token(manager)
        .json(&json!({ "version": 4 }))
        .send()
        .await
        .problem(403, "forbidden");
    assert!(p.to_string().contains("separation of duties"), "{p}");
    let approved = server
        .post(&format!("{path}/approve"))
        .token(world.acme.owner_token())
        .json(&json!({ "version": 4 }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(approved["approved_version"], 4);

    // Every step is in the ledger.
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=privacy.dpia&limit=50")
        .token(manager)
        .send()
        .await
        .ok(200)
        .json();
    let mut types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(
        types,
        [
            "privacy.dpia.approved",
            "privacy.dpia.created",
            "privacy.dpia.rejected",
            "privacy.dpia.submitted",
            "privacy.dpia.updated"
        ]
    );
    // Another tenant sees none of it.
    server
        .get(&path)
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

fn cctv_event(n: usize, subject: Option<&str>) -> Value {
    let mut e = json!({
        "event_type": "customer.profile.viewed",
        "category": "data_access",
        "severity": "low",
        "outcome": "success",
        "actor": { "type": "user", "id": "agent-1" },
        "resource": { "type": "profile", "id": format!("p-{n}") },
        "details": { "n": n },
    });
    if let Some(s) = subject {
        e["subject_ids"] = json!([s]);
    }
    e
}

async fn indexed(server: &TestServer, token: &str, query: &str) -> Vec<Value> {
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

pub async fn privacy_retention_schedules_erase_what_is_due_and_report_what_holds_keep(
    db: TestDatabase,
) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let editor = acme.token(Role::Contributor);
    let manager = acme.token(Role::ComplianceManager);
    let auditor = acme.token(Role::Auditor);
    // Day 0: three events naming customers (one of them under a hold), one naming nobody,
    // and a request answered and closed.
    server
        .post("/api/v1/audit/events:batch")
        .token(editor)
        .json(&json!([
            cctv_event(1, Some("cust-1")),
            cctv_event(2, Some("cust-2")),
            cctv_event(3, Some("cust-held")),
            cctv_event(4, None),
        ]))
        .send()
        .await
        .ok(200);
    let request = server
        .post("/api/v1/privacy/requests")
        .token(editor)
        .json(&json!({ "regime": "gdpr", "kind": "access", "subject_ref": "cust-1" }))
        .send()
        .await
        .ok(201)
        .json();
    let rpath = format!(
        "/api/v1/privacy/requests/{}/transition",
        request["id"].as_str().unwrap()
    );
    for to in ["in_progress", "completed"] {
        server
            .post(&rpath)
            .token(editor)
            .json(&json!({ "to": to }))
            .send()
            .await
            .ok(200);
    }
    server
        .post("/api/v1/audit/legal-holds")
        .token(manager)
        .json(&json!({ "case_id": "CASE-9", "reason": "complaint", "criteria": { "subject": "cust-held" } }))
        .send()
        .await
        .ok(201);
    // Day 40: one more event naming a customer.
    server.clock().advance(Duration::days(40));
    server
        .post("/api/v1/audit/events:batch")
        .token(editor)
        .json(&json!([cctv_event(5, Some("cust-5"))]))
        .send()
        .await
        .ok(200);
    server.settle().await;

    let activity = server
        .post("/api/v1/privacy/activities")
        .token(editor)
        .json(&json!({
            "name": "Customer profiles", "purposes": ["support"], "legal_basis": "contract",
            "data_categories": ["identity", "contact"], "subject_categories": ["customers"],
        }))
        .send()
        .await
        .ok(201)
        .json();
    let schedule_body = json!({
        "data_category": "contact", "period_days": 30,
        "activity_ids": [activity["id"]], "audit_event_types": ["customer.profile"],
        "closed_requests": true, "description": "support contacts kept a month",
    });
    server
        .post("/api/v1/privacy/retention-schedules")
        .token(editor)
        .json(&schedule_body)
        .send()
        .await
        .problem(403, "forbidden");
    let mut bad = schedule_body.clone();
    bad["data_category"] = json!("health");
    let p = server
        .post("/api/v1/privacy/retention-schedules")
        .token(manager)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field(&p),
        "activity_ids.0",
        "the activity does not list health: {p}"
    );
    bad["data_category"] = json!("contacts");
    let p = server
        .post("/api/v1/privacy/retention-schedules")
        .token(manager)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "data_category");
    let schedule = server
        .post("/api/v1/privacy/retention-schedules")
        .token(manager)
        .json(&schedule_body)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(schedule["reference"], "RET-001");
    let run_path = format!(
        "/api/v1/privacy/retention-schedules/{}/run",
        schedule["id"].as_str().unwrap()
    );
    server
        .post(&run_path)
        .token(editor)
        .send()
        .await
        .problem(403, "forbidden");
    let before = indexed(&server, auditor, "type=customer.profile").await;
    assert_eq!(before.len(), 5);
    let index_of = |n: u64| {
        before
            .iter()
            .find(|e| e["payload"]["details"]["n"] == n)
            .unwrap()["index"]
            .as_u64()
            .unwrap()
    };
    let run = server
        .post(&run_path)
        .token(manager)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(run["trigger"], "on_demand");
    assert_eq!(run["audit_due"], 3, "{run:#}");
    assert_eq!(run["audit_erased"], 2);
    assert_eq!(run["audit_held"], 1);
    assert_eq!(run["held_by"][0]["case_id"], "CASE-9");
    assert_eq!(run["held_indexes"], json!([[index_of(3), index_of(3)]]));
    let erased: Vec<u64> = run["erased_indexes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let r = r.as_array().unwrap();
            r[0].as_u64().unwrap()..=r[1].as_u64().unwrap()
        })
        .collect();
    assert_eq!(erased, [index_of(1), index_of(2)]);
    assert_eq!(run["requests_redacted"], json!(["DSR-001"]));
    // Left: the held one, the one naming nobody, the newer one.
    let mut left: Vec<u64> = indexed(&server, auditor, "type=customer.profile")
        .await
        .iter()
        .map(|e| e["payload"]["details"]["n"].as_u64().unwrap())
        .collect();
    left.sort_unstable();
    assert_eq!(left, [3, 4, 5]);
    let r = server
        .get(&format!(
            "/api/v1/privacy/requests/{}",
            request["id"].as_str().unwrap()
        ))
        .token(editor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(r["subject_ref"], "[erased by retention]");
    assert_eq!(r["state"], "completed");

    // The daily job runs it again: nothing more is due, the held one is still reported.
    probity_server::jobs::privacy_retention(server.state.clone())
        .await
        .unwrap();
    let runs = server
        .get(&format!(
            "/api/v1/privacy/retention-runs?schedule={}",
            schedule["id"].as_str().unwrap()
        ))
        .token(editor)
        .send()
        .await
        .ok(200)
        .json();
    let runs = runs["items"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["trigger"], "scheduled");
    assert_eq!(runs[0]["audit_erased"], 0);
    assert_eq!(runs[0]["audit_held"], 1);
    assert_eq!(runs[1]["id"], run["id"]);

    // Each run and each erasure is in the ledger.
    server.settle().await;
    let ran = indexed(&server, auditor, "type=privacy.retention").await;
    assert_eq!(
        ran.iter()
            .filter(|e| e["event_type"] == "privacy.retention.ran")
            .count(),
        2
    );
    let erasure = ran
        .iter()
        .find(|e| e["event_type"] == "privacy.retention.erased")
        .expect("an erasure record");
    assert_eq!(erasure["payload"]["details"]["erased"], 2);
    // Another tenant sees none of it.
    server
        .get("/api/v1/privacy/retention-runs")
        .token(world.globex.owner_token())
        .send()
        .await
        .ok(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty()
        .then_some(())
        .expect("no runs in another tenant");
    server.finish().await;
}

fn summary<'a>(doc: &'a Value, label: &str) -> &'a str {
    doc["report"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == label)
        .unwrap_or_else(|| panic!("no fact {label}: {doc:#}"))["value"]
        .as_str()
        .unwrap()
}

/// The rows of the table named `name` anywhere in `doc`, as their cells' texts.
fn table_rows(doc: &Value, name: &str) -> Vec<Vec<String>> {
    fn find<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
        match v {
            Value::Object(o) if o.get("name") == Some(&json!(name)) && o.contains_key("rows") => {
                Some(v)
            }
            Value::Object(o) => o.values().find_map(|x| find(x, name)),
            Value::Array(a) => a.iter().find_map(|x| find(x, name)),
            _ => None,
        }
    }
    let table = find(doc, name).unwrap_or_else(|| panic!("no table {name}: {doc:#}"));
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

async fn dpo_report(server: &TestServer, token: &str, from: &str, to: &str) -> Value {
    let report = server
        .post("/api/v1/reports")
        .token(token)
        .json(&json!({ "kind": "privacy_dpo", "format": "json",
                       "params": { "from": from, "to": to } }))
        .send()
        .await
        .ok(201)
        .json();
    let bytes = server
        .get(&format!(
            "/api/v1/reports/{}/content",
            report["id"].as_str().unwrap()
        ))
        .token(token)
        .send()
        .await
        .ok(200)
        .bytes;
    serde_json::from_slice(&bytes).unwrap()
}

/// The DPO's report for a period: requests received in it by regime and type; the median and
/// mean days to respond of those answered in it (wherever received); breaches discovered in it
/// with each clock met or missed; processing activities created, updated and removed in it
/// (from the audit events); a narrower period counts only its own; a bad period names its
/// field.
pub async fn privacy_dpo_report_covers_its_period(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let viewer = world.acme.token(Role::Viewer);
    assert_eq!(server.now().date_naive().to_string(), "2026-03-02");

    let log = |regime: &'static str,
               kind: &'static str,
               subject: &'static str,
               at: &'static str| {
        json!({ "regime": regime, "kind": kind, "subject_ref": subject, "received_at": at })
    };
    let mut ids = Vec::new();
    for body in [
        // Received before the period, answered in it.
        log("gdpr", "restriction", "s-0", "2026-02-20T09:00:00Z"),
        log("gdpr", "rectification", "s-1", "2026-03-01T09:00:00Z"),
        log("gdpr", "objection", "s-2", "2026-03-02T00:00:00Z"),
        log("ccpa", "correct", "s-3", "2026-03-02T00:00:00Z"),
        // Left open.
        log("ccpa", "opt_out", "s-4", "2026-03-02T00:00:00Z"),
    ] {
        let r = server
            .post("/api/v1/privacy/requests")
            .token(owner)
            .json(&body)
            .send()
            .await
            .ok(201)
            .json();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let step = |i: usize, to: &'static str, reason: Option<&'static str>| {
        let path = format!("/api/v1/privacy/requests/{}/transition", ids[i]);
        let server = &server;
        async move {
            server
                .post(&path)
                .token(owner)
                .json(&json!({ "to": to, "reason": reason }))
                .send()
                .await
                .ok(200);
        }
    };
    // A processing activity created, one created then updated, one created then removed.
    let activity = |name: &str| {
        let mut a = hr_activity();
        a["name"] = json!(name);
        a
    };
    let mut activity_ids = Vec::new();
    for name in ["Sickness absence", "Payroll", "Old newsletter"] {
        let a = server
            .post("/api/v1/privacy/activities")
            .token(owner)
            .json(&activity(name))
            .send()
            .await
            .ok(201)
            .json();
        activity_ids.push(a["id"].as_str().unwrap().to_owned());
    }
    let mut changed = activity("Payroll");
    changed["retention"] = json!("10 years");
    changed["version"] = json!(1);
    server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/privacy/activities/{}", activity_ids[1]),
        )
        .token(owner)
        .json(&changed)
        .send()
        .await
        .ok(200);
    server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/privacy/activities/{}", activity_ids[2]),
        )
        .token(owner)
        .send()
        .await
        .ok(204);
    // A GDPR breach notified within its 72 hours.
    let breach = server
        .post("/api/v1/privacy/breaches")
        .token(owner)
        .json(&json!({
            "title": "Laptop stolen", "discovered_at": server.now(),
            "aware_at": server.now(), "nature": "theft", "regimes": ["gdpr"],
        }))
        .send()
        .await
        .ok(201)
        .json();
    server.clock().advance(Duration::hours(2));
    server
        .post(&format!(
            "/api/v1/privacy/breaches/{}/notifications",
            breach["id"].as_str().unwrap()
        ))
        .token(owner)
        .json(&json!({ "recipient": "supervisory_authority", "recipient_name": "CNIL" }))
        .send()
        .await
        .ok(200);

    // 6 March: s-1 answered after 5 days.
    server.clock().advance(Duration::days(4));
    step(1, "in_progress", None).await;
    step(1, "completed", None).await;
    // 12 March: s-0 answered after 20 days, s-2 refused after 10.
    server.clock().advance(Duration::days(6));
    step(0, "in_progress", None).await;
    step(0, "completed", None).await;
    step(2, "denied", Some("manifestly unfounded")).await;
    // An LGPD breach discovered on 12 March and never notified: its 3 business days pass.
    server
        .post("/api/v1/privacy/breaches")
        .token(owner)
        .json(&json!({
            "title": "Misdirected email", "discovered_at": server.now(),
            "aware_at": server.now(), "nature": "disclosure", "regimes": ["lgpd"],
        }))
        .send()
        .await
        .ok(201);
    // 23 March: s-3 answered after 21 days.
    server.clock().advance(Duration::days(11));
    step(3, "in_progress", None).await;
    step(3, "completed", None).await;
    server.settle().await;

    let doc = dpo_report(&server, viewer, "2026-03-01", "2026-03-31").await;
    assert_eq!(doc["report"]["subtitle"], "2026-03-01 to 2026-03-31");
    assert_eq!(summary(&doc, "Requests received in the period"), "4");
    assert_eq!(summary(&doc, "Requests answered in the period"), "4");
    // Days 5, 10, 20, 21: median 15, mean 14.
    assert_eq!(summary(&doc, "Median days to respond"), "15.0", "{doc:#}");
    assert_eq!(summary(&doc, "Mean days to respond"), "14.0", "{doc:#}");
    assert_eq!(summary(&doc, "Answered after the due date"), "0");
    assert_eq!(summary(&doc, "Breaches discovered in the period"), "2");
    assert_eq!(summary(&doc, "Their clocks met"), "1");
    assert_eq!(summary(&doc, "Their clocks missed"), "1");
    assert_eq!(summary(&doc, "Activities created"), "3");
    assert_eq!(summary(&doc, "Activities updated"), "1");
    assert_eq!(summary(&doc, "Activities retired (removed)"), "1");
    assert_eq!(summary(&doc, "Open requests"), "1");
    let types = table_rows(&doc, "Requests received by type");
    for row in [
        ["gdpr", "rectification", "1", "0"],
        ["gdpr", "objection", "1", "0"],
        ["ccpa", "correct", "1", "0"],
        ["ccpa", "opt_out", "1", "1"],
    ] {
        assert!(
            types.contains(&row.map(str::to_owned).to_vec()),
            "{row:?} in {types:?}"
        );
    }
    assert_eq!(
        types.len(),
        4,
        "s-0 was received before the period: {types:?}"
    );
    // GDPR: s-1 (5), s-0 (20) completed, s-2 (10) denied: median 10, mean 11.7.
    assert_eq!(
        table_rows(&doc, "Response times"),
        vec![
            ["ccpa", "1", "0", "21.0", "21.0", "0"]
                .map(str::to_owned)
                .to_vec(),
            ["gdpr", "2", "1", "10.0", "11.7", "0"]
                .map(str::to_owned)
                .to_vec(),
        ]
    );
    let breaches = table_rows(&doc, "Breaches discovered in the period");
    assert_eq!(breaches.len(), 2, "{breaches:?}");
    assert!(
        breaches
            .iter()
            .any(|r| r[1] == "Laptop stolen" && r[3] == "gdpr" && r[6] == "met"),
        "{breaches:?}"
    );
    assert!(
        breaches.iter().any(|r| r[1] == "Misdirected email"
            && r[3] == "lgpd"
            && r[6] == "missed (not notified)"),
        "{breaches:?}"
    );
    let changes = table_rows(&doc, "Processing changes");
    assert_eq!(changes.len(), 5, "{changes:?}");
    assert!(
        changes
            .iter()
            .any(|r| r[1] == "retired (removed)" && r[3] == "Old newsletter"),
        "{changes:?}"
    );
    let section = |heading: &str| {
        assert!(
            doc["report"]["sections"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["heading"] == heading),
            "no section {heading}"
        );
    };
    // The "now" sections stay.
    section("Open data subject requests");
    section("Breach clocks");
    section("Impact assessments");

    // The first ten days: only s-1 answered, one breach, the same activity changes.
    let doc = dpo_report(&server, viewer, "2026-03-01", "2026-03-10").await;
    assert_eq!(summary(&doc, "Requests answered in the period"), "1");
    assert_eq!(summary(&doc, "Median days to respond"), "5.0");
    assert_eq!(summary(&doc, "Mean days to respond"), "5.0");
    assert_eq!(summary(&doc, "Breaches discovered in the period"), "1");
    // February: s-0 received, nothing answered, no changes.
    let doc = dpo_report(&server, viewer, "2026-02-01", "2026-02-28").await;
    assert_eq!(summary(&doc, "Requests received in the period"), "1");
    assert_eq!(summary(&doc, "Median days to respond"), "none answered");
    assert_eq!(summary(&doc, "Activities created"), "0");

    // A bad period names its field.
    let p = server
        .post("/api/v1/reports")
        .token(viewer)
        .json(&json!({ "kind": "privacy_dpo", "params": { "from": "2026-03-10", "to": "2026-03-01" } }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(field(&p), "params.from", "{p}");
    server.finish().await;
}
