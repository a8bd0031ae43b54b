//! Assurance over HTTP: evidence deduplication, versions, custody events, freezes and expiry
//! reminders with a moved clock; assessment scores, sign-off bound to the content and tamper
//! detection; Rego control tests with isolation (a looping policy, a panicking builtin), the
//! starter pack and the decision API; gap analysis across mappings and crosswalks on a worked
//! example, the Statement of Applicability and the control matrix.

use base64::Engine as _;
use chrono::Duration;
use probity_core::assurance::{AssessmentPhase, ResultStatus};
use probity_core::audit::Actor;
use probity_core::platform::Role;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestDatabase, TestServer, seed};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn event_types(server: &TestServer, token: &str, prefix: &str) -> Vec<String> {
    server.settle().await;
    let page = server
        .get(&format!("/api/v1/audit/events?type={prefix}&limit=200"))
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect()
}

/// Evidence: equal content is stored once, versions stay readable, every access is a custody
/// event, a freeze keeps what it froze, and reminders follow the moved clock.
pub async fn evidence_dedupes_versions_freezes_and_reminds(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let writer = acme.token(Role::Contributor);
    let reader = acme.token(Role::Viewer);

    let first = server
        .post("/api/v1/evidence")
        .token(writer)
        .json(&json!({
            "title": "Access review Q3",
            "control_ids": ["IAM-06"],
            "requirement_ids": ["soc2-2017:CC6.2"],
            "validity_days": 30,
            "owner": "Security engineering",
            "content": {"kind": "file", "file_name": "review.csv", "media_type": "text/csv",
                        "content_base64": b64("account,decision\nalice,keep\n")},
        }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(first["reference"], "EV-0001");
    assert_eq!(first["freshness"], "current");
    let id = first["id"].as_str().unwrap().to_owned();
    let sha1 = first["versions"][0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha1.len(), 64);

    // The same bytes under another item: one stored copy (same address).
    let second = server
        .post("/api/v1/evidence")
        .token(writer)
        .json(&json!({
            "title": "Same export, filed twice",
            "content": {"kind": "file", "file_name": "copy.csv",
                        "content_base64": b64("account,decision\nalice,keep\n")},
        }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(second["versions"][0]["sha256"], sha1.as_str());

    // JSON documents are stored with sorted keys: key order does not make new content.
    let doc_a = server
        .post("/api/v1/evidence")
        .token(writer)
        .json(&json!({"title": "MFA policy", "control_ids": ["IAM-09"],
            "content": {"kind": "json", "document": {"b": 2, "a": 1}}}))
        .send()
        .await
        .ok(201)
        .json();
    let doc_id = doc_a["id"].as_str().unwrap().to_owned();
    let doc_b = server
        .post(&format!("/api/v1/evidence/{doc_id}/versions"))
        .token(writer)
        .json_text(r#"{"content": {"kind": "json", "document": {"a": 1, "b": 2}}}"#)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(doc_b["versions"][0]["number"], 2);
    assert_eq!(
        doc_b["versions"][0]["sha256"], doc_a["versions"][0]["sha256"],
        "equal documents share an address"
    );

    // A freeze of the period, then a new version: the freeze still names version 1.
    let today = server.now().date_naive();
    let freeze = server
        .post("/api/v1/evidence-freezes")
        .token(writer)
        .json(&json!({"name": "FY audit", "period_start": today - Duration::days(30), "period_end": today}))
        .send()
        .await
        .ok(201)
        .json();
    let frozen_item = freeze["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["evidence_id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(frozen_item["version"], 1);
    server.clock().advance(Duration::days(1));
    let v2 = server
        .post(&format!("/api/v1/evidence/{id}/versions"))
        .token(writer)
        .json(
            &json!({"note": "late decisions", "content": {"kind": "file", "file_name": "review.csv",
            "content_base64": b64("account,decision\nalice,keep\nbob,revoke\n")}}),
        )
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(v2["current_version"], 2);
    let again = server
        .get(&format!(
            "/api/v1/evidence-freezes/{}",
            freeze["id"].as_str().unwrap()
        ))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(again, freeze, "a freeze never changes");
    // Version 1 is still downloadable, decrypted to the exact bytes.
    let old = server
        .get(&format!("/api/v1/evidence/{id}/versions/1/content"))
        .token(reader)
        .send()
        .await
        .ok(200);
    assert_eq!(old.text, "account,decision\nalice,keep\n");
    assert_eq!(old.header("content-type"), Some("application/octet-stream"));
    assert_eq!(old.header("x-evidence-media-type"), Some("text/csv"));
    server
        .get(&format!("/api/v1/evidence/{id}/versions/9/content"))
        .token(reader)
        .send()
        .await
        .problem(404, "not_found");

    // Links change through PATCH (a custody event of its own).
    server
        .patch(&format!("/api/v1/evidence/{id}"))
        .token(writer)
        .json(&json!({"control_ids": ["IAM-06", "IAM-05"]}))
        .send()
        .await
        .ok(200);
    server
        .get(&format!("/api/v1/evidence/{id}"))
        .token(reader)
        .send()
        .await
        .ok(200);

    // Bad input names the field; the viewer cannot upload.
    let bad = server
        .post("/api/v1/evidence")
        .token(writer)
        .json(&json!({"title": "x", "content": {"kind": "file", "file_name": "a.txt", "content_base64": "%%%"}}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert!(bad.to_string().contains("content.content_base64"), "{bad}");
    let bad = server
        .post("/api/v1/evidence")
        .token(writer)
        .json(&json!({"title": "x", "control_ids": ["NOPE-1"], "content": {"kind": "json", "document": {}}}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert!(bad.to_string().contains("control_ids"), "{bad}");
    server
        .post("/api/v1/evidence")
        .token(reader)
        .json(&json!({"title": "x", "content": {"kind": "json", "document": {}}}))
        .send()
        .await
        .problem(403, "forbidden");
    // Another tenant sees nothing.
    server
        .get(&format!("/api/v1/evidence/{id}"))
        .token(world.globex.token(Role::Owner))
        .send()
        .await
        .problem(404, "not_found");

    // Chain of custody.
    let types = event_types(&server, acme.token(Role::Auditor), "evidence").await;
    for t in [
        "evidence.uploaded",
        "evidence.frozen",
        "evidence.downloaded",
        "evidence.linked",
        "evidence.viewed",
    ] {
        assert!(types.iter().any(|x| x == t), "no {t} in {types:?}");
    }

    // Reminders: version 2 (collected a day after t0) expires 30 days later.
    let notices = |server: &TestServer| {
        let token = acme.token(Role::Owner).to_owned();
        let url = "/api/v1/notifications?limit=100".to_owned();
        let call = server.get(&url).token(&token);
        async move { call.send().await.ok(200).json() }
    };
    probity_server::assurance_task::tick(&server.state)
        .await
        .unwrap();
    let none = notices(&server).await;
    assert!(!none.to_string().contains("evidence.expiring"), "{none}");
    server.clock().advance(Duration::days(20));
    probity_server::assurance_task::tick(&server.state)
        .await
        .unwrap();
    let soon = notices(&server).await;
    assert!(soon.to_string().contains("evidence.expiring"), "{soon}");
    assert!(!soon.to_string().contains("evidence.expired"), "{soon}");
    server.clock().advance(Duration::days(15));
    probity_server::assurance_task::tick(&server.state)
        .await
        .unwrap();
    let late = notices(&server).await;
    assert!(late.to_string().contains("evidence.expired"), "{late}");
    let listed = server
        .get("/api/v1/evidence")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let review = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap();
    assert_eq!(review["freshness"], "expired");
    server.finish().await;
}

/// An assessment: results and findings move the score; only the lead signs, bound to the
/// content read; after sign-off nothing changes but a new version; a record altered behind
/// the service fails verification.
pub async fn assessment_sign_off_binds_and_detects_tampering(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    server
        .platform
        .create_user(
            &Actor::system("test"),
            &acme.tenant,
            "auditor@acme.test",
            None,
            &SecretString::from(PASSWORD.to_owned()),
            Role::Auditor,
        )
        .await
        .unwrap();
    let owner = server.login(acme.owner_email(), PASSWORD).await;
    let auditor = server.login("auditor@acme.test", PASSWORD).await;

    let created = server
        .post("/api/v1/assessments")
        .session(&owner)
        .json(
            &json!({"framework": "soc2-2017", "scope": "The SaaS platform",
            "period_start": "2026-01-01", "period_end": "2026-06-30"}),
        )
        .send()
        .await
        .ok(201)
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["reference"], "ASM-0001");
    assert_eq!(created["scores"]["score"], 0.0);
    let in_scope = created["scores"]["requirements"].as_u64().unwrap();
    assert!(
        in_scope > 30,
        "SOC 2 has more assessable criteria: {in_scope}"
    );

    let put =
        |path: String, body: Value| server.call(Method::PUT, &path).session(&owner).json(&body);
    put(
        format!("/api/v1/assessments/{id}/requirements/CC6.1"),
        json!({"status": "compliant", "rationale": "SSO with MFA", "reviewed": true}),
    )
    .send()
    .await
    .ok(200);
    let view = put(
        format!("/api/v1/assessments/{id}/requirements/CC6.2"),
        json!({"status": "partially_compliant"}),
    )
    .send()
    .await
    .ok(200)
    .json();
    let expected = ((100.0 * 1.5 / in_scope as f64) * 10.0).round() / 10.0;
    assert_eq!(view["scores"]["score"], expected);
    // Not applicable needs a justification; an unknown requirement is 404.
    let bad = put(
        format!("/api/v1/assessments/{id}/requirements/CC6.4"),
        json!({"status": "not_applicable"}),
    )
    .send()
    .await
    .problem(422, "validation_failed");
    assert!(bad.to_string().contains("rationale"), "{bad}");
    put(
        format!("/api/v1/assessments/{id}/requirements/ZZ9"),
        json!({"status": "compliant"}),
    )
    .send()
    .await
    .problem(404, "not_found");
    // A not-applicable requirement leaves the denominator.
    let view = put(
        format!("/api/v1/assessments/{id}/requirements/CC6.4"),
        json!({"status": "not_applicable", "rationale": "No data centre of our own"}),
    )
    .send()
    .await
    .ok(200)
    .json();
    let expected = ((100.0 * 1.5 / (in_scope - 1) as f64) * 10.0).round() / 10.0;
    assert_eq!(view["scores"]["score"], expected);

    // A critical finding on CC6.1 zeroes its value; its remediation is the POA&M.
    let view = server
        .post(&format!("/api/v1/assessments/{id}/findings"))
        .session(&owner)
        .json(
            &json!({"title": "Shared admin account", "severity": "critical",
            "requirement_ids": ["CC6.1"], "control_ids": ["IAM-08"],
            "remediation": [{"title": "Personal admin accounts", "owner": "IT", "due": "2026-08-01",
                "milestones": [{"title": "Inventory", "due": "2026-07-01"}]}]}),
        )
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(view["findings"][0]["id"], "F-1");
    assert_eq!(view["findings"][0]["remediation"][0]["id"], "F-1.R1");
    assert_eq!(view["scores"]["open_findings"]["critical"], 1);
    let expected = ((100.0 * 0.5 / (in_scope - 1) as f64) * 10.0).round() / 10.0;
    assert_eq!(view["scores"]["score"], expected);
    assert!(!view["scores"]["families"].as_array().unwrap().is_empty());

    // The POA&M and the results as OSCAL, valid against the official 1.2.3 schemas.
    let schemas = probity_oscal::SchemaSet::open(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/oscal/schemas/json-1.2.3"),
    )
    .unwrap();
    for (model, root, items) in [
        ("poam", "plan-of-action-and-milestones", "poam-items"),
        ("assessment-results", "assessment-results", "results"),
        ("assessment-plan", "assessment-plan", "reviewed-controls"),
    ] {
        let doc = server
            .get(&format!("/api/v1/assessments/{id}/oscal?model={model}"))
            .session(&auditor)
            .send()
            .await
            .ok(200);
        let report =
            probity_oscal::validate::validate(doc.text.as_bytes(), Some(&schemas)).unwrap();
        assert!(report.is_valid(), "{model}: {:#?}", report.issues);
        let part = &doc.json()[root][items];
        assert!(
            part.is_object() || part.as_array().is_some_and(|a| !a.is_empty()),
            "{}",
            doc.text
        );
    }
    let poam = server
        .get(&format!("/api/v1/assessments/{id}/oscal?model=poam"))
        .session(&auditor)
        .send()
        .await
        .ok(200)
        .json();
    let item = &poam["plan-of-action-and-milestones"]["poam-items"][0];
    assert!(
        item["description"]
            .as_str()
            .unwrap()
            .contains("F-1.R1 Personal admin accounts"),
        "{item}"
    );
    server
        .get(&format!("/api/v1/assessments/{id}/oscal?model=ssp"))
        .session(&auditor)
        .send()
        .await
        .problem(422, "validation_failed");

    // Sign-off: not by the auditor (not the lead), not with a stale hash.
    let hash = view["content_sha256"].as_str().unwrap().to_owned();
    server
        .post(&format!("/api/v1/assessments/{id}/sign-off"))
        .session(&auditor)
        .json(&json!({"content_sha256": hash}))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .post(&format!("/api/v1/assessments/{id}/sign-off"))
        .session(&owner)
        .json(&json!({"content_sha256": "0".repeat(64)}))
        .send()
        .await
        .problem(409, "conflict");
    let signed = server
        .post(&format!("/api/v1/assessments/{id}/sign-off"))
        .session(&owner)
        .json(&json!({"content_sha256": hash, "statement": "Reviewed in full"}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(signed["state"], "signed_off");
    let note = signed["sign_off"]["note"].as_str().unwrap();
    assert!(note.contains(&format!("content-sha256 {hash}")), "{note}");
    assert!(
        note.contains("\n\u{2014} "),
        "a signed note has a signature line: {note}"
    );
    let check = server
        .get(&format!("/api/v1/assessments/{id}/verification"))
        .session(&auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(check["valid"], true, "{check}");

    // Read-only after sign-off.
    put(
        format!("/api/v1/assessments/{id}/requirements/CC6.3"),
        json!({"status": "compliant"}),
    )
    .send()
    .await
    .problem(409, "conflict");

    // Tampering behind the service: a result changed in the store keeps the old sign-off.
    let store = server.platform.store();
    let mut record = store
        .assessment(acme.tenant.id, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    record.requirements.get_mut("CC6.2").unwrap().status = ResultStatus::Compliant;
    let expected_revision = record.revision;
    record.revision += 1;
    let event = probity_core::audit::AuditRecord::new(
        Some(acme.tenant.id),
        "test.tamper",
        &Actor::system("test"),
        ("assessment", id.clone()),
        server.now(),
    );
    assert!(
        store
            .update_assessment(&record, expected_revision, &event)
            .await
            .unwrap()
    );
    let check = server
        .get(&format!("/api/v1/assessments/{id}/verification"))
        .session(&auditor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(check["valid"], false, "{check}");
    assert_eq!(check["signature_valid"], true, "the note itself is intact");
    assert!(
        check["problems"][0]
            .as_str()
            .unwrap()
            .contains("changed after sign-off"),
        "{check}"
    );

    // A new version carries results over; the signed one is superseded.
    let next = server
        .post(&format!("/api/v1/assessments/{id}/versions"))
        .session(&owner)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(next["version"], 2);
    assert_eq!(next["state"], "in_progress");
    assert_eq!(next["reference"], "ASM-0001");
    assert!(next["requirements"]["CC6.1"].is_object());
    let old = store
        .assessment(acme.tenant.id, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.state, AssessmentPhase::Superseded);

    let types = event_types(&server, acme.token(Role::Auditor), "assessment").await;
    for t in [
        "assessment.created",
        "assessment.result.recorded",
        "assessment.finding.created",
        "assessment.signed_off",
        "assessment.version.created",
    ] {
        assert!(types.iter().any(|x| x == t), "no {t} in {types:?}");
    }
    server.finish().await;
}

const PASSING: &str = r#"package probity.tests.demo
import rego.v1
deny contains msg if {
	some u in input.users
	not u.mfa
	msg := sprintf("%s has no MFA", [u.name])
}
"#;

/// Control tests: Rego checked at upload, pushed inputs judged and kept as evidence, pass →
/// fail raising a notification, runaway and panicking policies contained, the starter pack,
/// Probity's own state as input, and the decision API.
pub async fn control_tests_evaluate_rego_in_isolation(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let writer = acme.token(Role::Contributor);
    let reader = acme.token(Role::Viewer);

    let bad = server
        .post("/api/v1/control-tests")
        .token(writer)
        .json(
            &json!({"key": "broken", "title": "Broken", "control_ids": ["IAM-09"],
            "rego": "package x\nimport rego.v1\ndeny contains msg if {\n  msg := \n}\n"}),
        )
        .send()
        .await
        .problem(422, "validation_failed");
    assert!(bad.to_string().contains("line"), "{bad}");

    let t = server
        .post("/api/v1/control-tests")
        .token(writer)
        .json(&json!({"key": "mfa", "title": "Everyone has MFA", "control_ids": ["IAM-09"], "rego": PASSING}))
        .send()
        .await
        .ok(201)
        .json();
    let tid = t["id"].as_str().unwrap().to_owned();
    let push = |input: Value| {
        server
            .post(&format!("/api/v1/control-tests/{tid}/input"))
            .token(writer)
            .json(&input)
    };
    // A policy mapped to IAM-09 receives a violation when the test starts failing.
    let policy = server
        .post("/api/v1/policies")
        .token(writer)
        .json(
            &json!({"key": "mfa-standard", "title": "MFA standard", "owner": "Security",
            "content": "# MFA\n\nEveryone uses MFA.\n", "control_ids": ["IAM-09"]}),
        )
        .send()
        .await
        .ok(201)
        .json();
    let policy_id = policy["id"].as_str().unwrap().to_owned();
    let pass = push(json!({"users": [{"name": "ada", "mfa": true}]}))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(pass["result"], "pass");
    let fail =
        push(json!({"users": [{"name": "ada", "mfa": true}, {"name": "bob", "mfa": false}]}))
            .send()
            .await
            .ok(201)
            .json();
    assert_eq!(fail["result"], "fail");
    assert_eq!(fail["violations"], json!(["bob has no MFA"]));
    // The inputs are evidence: one item, a version per distinct input.
    let view = server
        .get(&format!("/api/v1/control-tests/{tid}"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["last_result"], "fail");
    assert_eq!(view["runs"].as_array().unwrap().len(), 2);
    let eid = view["evidence_id"].as_str().unwrap();
    let ev = server
        .get(&format!("/api/v1/evidence/{eid}"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(ev["current_version"], 2);
    assert_eq!(ev["versions"][0]["sha256"], fail["input_sha256"]);
    // Pass → fail raised a notification.
    let notes = server
        .get("/api/v1/notifications?limit=50")
        .token(acme.token(Role::Owner))
        .send()
        .await
        .ok(200)
        .json();
    assert!(notes.to_string().contains("control_test.failed"), "{notes}");

    let violations = server
        .get(&format!("/api/v1/policies/{policy_id}/violations"))
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let v = &violations["items"][0];
    assert_eq!(v["source"], "control_test", "{violations}");
    assert_eq!(v["reference"], "control_test:mfa");
    assert!(
        v["description"]
            .as_str()
            .unwrap()
            .contains("bob has no MFA"),
        "{v}"
    );
    assert_eq!(violations["items"].as_array().unwrap().len(), 1);

    // A runaway policy is stopped and recorded as an error; the server keeps answering.
    let looping = server
        .post("/api/v1/control-tests")
        .token(writer)
        .json(&json!({"key": "runaway", "title": "Runaway", "control_ids": ["IAM-09"],
            "rego": "package x\nimport rego.v1\ndeny contains msg if {\n  some i in numbers.range(1, 100000000)\n  some j in numbers.range(1, 100000000)\n  i == j + 100000000\n  msg := \"never\"\n}\n"}))
        .send()
        .await
        .ok(201)
        .json();
    let run = server
        .post(&format!(
            "/api/v1/control-tests/{}/input",
            looping["id"].as_str().unwrap()
        ))
        .token(writer)
        .json(&json!({}))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(run["result"], "error", "{run}");
    // A builtin known to panic on this input does not take the server down.
    let panicky = server
        .post("/api/v1/control-tests")
        .token(writer)
        .json(&json!({"key": "subset", "title": "Subset", "control_ids": ["IAM-09"],
            "rego": "package x\nimport rego.v1\ndeny contains \"x\" if {\n  object.subset(input.a, [])\n}\n"}))
        .send()
        .await
        .ok(201)
        .json();
    let run = server
        .post(&format!(
            "/api/v1/control-tests/{}/input",
            panicky["id"].as_str().unwrap()
        ))
        .token(writer)
        .json(&json!({"a": [1, 2]}))
        .send()
        .await
        .ok(201)
        .json();
    assert!(run["result"].is_string(), "{run}");
    server.get("/healthz").send().await.ok(200);

    // The starter pack installs once; a Probity-state test runs on demand.
    let pack = server
        .get("/api/v1/control-tests/starter-pack")
        .token(reader)
        .send()
        .await
        .ok(200)
        .json();
    let n = pack["items"].as_array().unwrap().len();
    assert!(n >= 18, "{n} starter tests");
    let added = server
        .post("/api/v1/control-tests/starter-pack")
        .token(writer)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(added["items"].as_array().unwrap().len(), n);
    let again = server
        .post("/api/v1/control-tests/starter-pack")
        .token(writer)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(again["items"].as_array().unwrap().len(), 0);
    let users_test = added["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["collector"]["type"] == "probity" && t["collector"]["source"] == "users")
        .expect("a starter test reads Probity's users")
        .clone();
    let run = server
        .post(&format!(
            "/api/v1/control-tests/{}/runs",
            users_test["id"].as_str().unwrap()
        ))
        .token(writer)
        .send()
        .await
        .ok(201)
        .json();
    assert_ne!(run["result"], "error", "{run}");

    // Decisions.
    server
        .call(Method::PUT, "/api/v1/decision-policies/deploy")
        .token(writer)
        .json(&json!({"title": "Deploys", "rego": probity_core::assurance::demo::DEPLOY_POLICY}))
        .send()
        .await
        .ok(200);
    let allow = server
        .post("/api/v1/decisions/deploy")
        .token(reader)
        .json(&json!({"change": {"author": "bob", "approved_by": ["dana"]}, "pipeline": {"status": "passed"}}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(allow["allow"], true, "{allow}");
    let deny = server
        .post("/api/v1/decisions/deploy")
        .token(reader)
        .json(&json!({"change": {"author": "bob", "approved_by": ["bob"]}, "pipeline": {"status": "failed"}}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(deny["allow"], false);
    assert_eq!(deny["reasons"].as_array().unwrap().len(), 2, "{deny}");
    server
        .post("/api/v1/decisions/nope")
        .token(reader)
        .json(&json!({}))
        .send()
        .await
        .problem(404, "not_found");
    let types = event_types(&server, acme.token(Role::Auditor), "decision").await;
    assert!(types.iter().any(|t| t == "decision.allowed"), "{types:?}");
    assert!(types.iter().any(|t| t == "decision.denied"), "{types:?}");
    let types = event_types(&server, acme.token(Role::Auditor), "control_test").await;
    assert!(
        types.iter().any(|t| t == "control_test.errored"),
        "{types:?}"
    );
    server.finish().await;
}

fn item<'a>(gap: &'a Value, requirement: &str) -> &'a Value {
    gap["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement"] == requirement)
        .unwrap_or_else(|| panic!("{requirement} not in the gap analysis"))
}

/// Gap analysis on a worked example: SOC 2 CC7.3 through IR-04 (mapped `equal`) goes from a
/// gap to partial (implemented, no evidence) to met (evidence), back to a gap when its test
/// fails, and to met again through ISO 27001 A.5.25 (crosswalked `equal`) assessed compliant.
pub async fn gap_analysis_follows_controls_tests_evidence_and_crosswalks(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = server.login(acme.owner_email(), PASSWORD).await;
    let writer = acme.token(Role::Contributor);
    let gaps = || async {
        server
            .get("/api/v1/compliance/gaps?framework=soc2-2017")
            .token(acme.token(Role::Viewer))
            .send()
            .await
            .ok(200)
            .json()
    };
    let g = gaps().await;
    assert_eq!(item(&g, "CC7.3")["status"], "gap");
    assert!(
        item(&g, "CC7.3")["missing"].to_string().contains("IR-04"),
        "{}",
        item(&g, "CC7.3")
    );

    server
        .call(Method::PUT, "/api/v1/catalog/controls/IR-04")
        .token(writer)
        .json(&json!({"status": "implemented", "owner": "Security operations"}))
        .send()
        .await
        .ok(200);
    let g = gaps().await;
    let cc73 = item(&g, "CC7.3");
    assert_eq!(cc73["status"], "partial", "{cc73}");
    assert!(
        cc73["missing"]
            .to_string()
            .contains("IR-04: no evidence linked"),
        "{cc73}"
    );

    server
        .post("/api/v1/evidence")
        .token(writer)
        .json(&json!({"title": "Triage runbook", "control_ids": ["IR-04"],
            "content": {"kind": "file", "file_name": "triage.md", "content_base64": b64("# Triage\n")}}))
        .send()
        .await
        .ok(201);
    let g = gaps().await;
    let cc73 = item(&g, "CC7.3");
    assert_eq!(cc73["status"], "met", "{cc73}");
    let ir04 = cc73["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "IR-04")
        .unwrap();
    assert_eq!(ir04["relationship"], "equal");
    assert_eq!(ir04["evidence_current"], 1);

    // A failing test on IR-04: the control does not operate.
    let t = server
        .post("/api/v1/control-tests")
        .token(writer)
        .json(&json!({"key": "triage-sla", "title": "Events triaged", "control_ids": ["IR-04"],
            "rego": "package t\nimport rego.v1\ndeny contains e.id if { some e in input.events; e.untriaged }\n"}))
        .send()
        .await
        .ok(201)
        .json();
    server
        .post(&format!(
            "/api/v1/control-tests/{}/input",
            t["id"].as_str().unwrap()
        ))
        .token(writer)
        .json(&json!({"events": [{"id": "E1", "untriaged": true}]}))
        .send()
        .await
        .ok(201);
    let g = gaps().await;
    let cc73 = item(&g, "CC7.3");
    assert_eq!(cc73["status"], "gap", "{cc73}");
    assert!(
        cc73["missing"].to_string().contains("a control test fails"),
        "{cc73}"
    );

    // ISO 27001 A.5.25 assessed compliant carries over through the `equal` crosswalk.
    let iso = server
        .post("/api/v1/assessments")
        .session(&owner)
        .json(&json!({"framework": "iso27001-2022", "scope": "All", "period_start": "2026-01-01", "period_end": "2026-12-31"}))
        .send()
        .await
        .ok(201)
        .json();
    server
        .call(
            Method::PUT,
            &format!(
                "/api/v1/assessments/{}/requirements/A.5.25",
                iso["id"].as_str().unwrap()
            ),
        )
        .session(&owner)
        .json(&json!({"status": "compliant", "rationale": "Triage procedure followed"}))
        .send()
        .await
        .ok(200);
    let g = gaps().await;
    let cc73 = item(&g, "CC7.3");
    assert_eq!(cc73["status"], "met", "{cc73}");
    assert_eq!(cc73["carried_over"][0]["from"], "iso27001-2022:A.5.25");
    assert_eq!(cc73["carried_over"][0]["relationship"], "equal");
    assert_eq!(cc73["carried_over"][0]["assessment"], "ASM-0001 v1");

    // Status, SoA and matrix, in JSON and CSV.
    let status = server
        .get("/api/v1/compliance/status?framework=soc2-2017")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(status["failing_tests"][0]["key"], "triage-sla");
    assert_eq!(status["evidence"]["total"], 2, "{status}");
    let soa = server
        .get("/api/v1/compliance/soa?format=csv")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200);
    assert!(soa.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(soa.text.lines().count(), 94, "header + 93 Annex A controls");
    let matrix = server
        .get("/api/v1/compliance/matrix?framework=soc2-2017&format=csv")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200);
    assert!(
        matrix
            .text
            .lines()
            .any(|l| l.starts_with("CC7.3,") && l.contains("Security operations")),
        "{}",
        matrix.text
    );
    server
        .get("/api/v1/compliance/matrix?framework=nope")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .problem(422, "validation_failed");
    let report = server
        .get("/api/v1/compliance/report?framework=soc2")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let row = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == "CC7.3")
        .unwrap();
    assert_eq!(row["status"], "met");
    assert_eq!(row["evidence"][0]["reference"], "EV-0001", "{row}");
    assert_eq!(report["report_sha256"].as_str().unwrap().len(), 64);
    let types = event_types(&server, acme.token(Role::Auditor), "report").await;
    assert!(types.iter().any(|t| t == "report.generated"), "{types:?}");
    // A regulatory change names what each task touches.
    let change = server
        .post("/api/v1/catalog/changes")
        .token(writer)
        .json(&json!({"from": "iso27001-2013", "to": "iso27001-2022"}))
        .send()
        .await
        .ok(201)
        .json();
    let impact = server
        .get(&format!(
            "/api/v1/catalog/changes/{}/impact",
            change["id"].as_str().unwrap()
        ))
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let impact = impact["items"].as_array().unwrap();
    assert_eq!(impact.len(), change["tasks"].as_array().unwrap().len());
    let ir04 = impact
        .iter()
        .find(|t| t["control_id"] == "IR-04")
        .unwrap_or_else(|| panic!("no IR-04 task in {impact:?}"));
    // The runbook, and the triage test's kept input.
    assert_eq!(ir04["evidence"], json!(["EV-0001", "EV-0002"]), "{ir04}");
    assert_eq!(ir04["tests"], json!(["triage-sla"]), "{ir04}");
    assert!(
        ir04["assessments"]
            .to_string()
            .contains("ASM-0001 v1 A.5.25 compliant"),
        "{ir04}"
    );
    let posture = server
        .get("/api/v1/compliance/posture")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    assert!(posture["items"].as_array().unwrap().len() >= 9);
    server.finish().await;
}
