//! The consent ledger and the subject access export over HTTP: a subject's state follows the
//! latest event by `occurred_at` (grant → withdraw → grant, late-arriving events), bad events
//! are problem JSON naming each field, a repeated client id is idempotent; the state at a past
//! time comes with tlog-proofs that verify against the signed checkpoint with the ledger
//! library alone, and only events in that checkpoint count; imports land their good lines and
//! report the bad ones; receipts name the controller and purposes; another tenant sees none of
//! it; and completing an access request builds a zip holding the subject's audit events,
//! consent and requests (and nobody else's), recorded without the subject's id.

use std::io::Read as _;

use chrono::{Duration, SecondsFormat};
use probity_core::platform::Role;
use probity_ledger::ed25519::Ed25519NoteVerifier;
use probity_ledger::proof_file::TlogProof;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::harness::{TestDatabase, TestServer, seed};

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn event(subject: &str, purpose: &str, action: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "subject_id": subject, "purpose": purpose, "action": action,
        "notice_version": "2026-01", "method": "web_form", "source": "shop",
        "occurred_at": rfc3339(at),
    })
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn purpose(server: &TestServer, token: &str, key: &str) -> Value {
    server
        .post("/api/v1/privacy/consent/purposes")
        .token(token)
        .json(&json!({ "key": key, "title": format!("{key} title"), "description": "why" }))
        .send()
        .await
        .ok(201)
        .json()
}

/// Recording, deriving, proving, receipts, isolation.
pub async fn privacy_consent_state_is_derived_and_proved(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let contributor = acme.token(Role::Contributor);
    let viewer = acme.token(Role::Viewer);
    let owner = acme.owner_token();
    let now = server.now();

    // Purposes: contributors register them, viewers read them.
    server
        .post("/api/v1/privacy/consent/purposes")
        .token(viewer)
        .json(&json!({ "key": "newsletter", "title": "Newsletter" }))
        .send()
        .await
        .problem(403, "forbidden");
    let newsletter = purpose(&server, contributor, "newsletter").await;
    purpose(&server, contributor, "analytics.web").await;
    let bad = server
        .post("/api/v1/privacy/consent/purposes")
        .token(contributor)
        .json(&json!({ "key": "Bad Key", "title": "x" }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "key", "{bad}");
    server
        .post("/api/v1/privacy/consent/purposes")
        .token(contributor)
        .json(&json!({ "key": "newsletter", "title": "again" }))
        .send()
        .await
        .problem(409, "conflict");

    // Grant → withdraw → grant of the newsletter.
    let record = |body: Value| {
        let server = &server;
        async move {
            server
                .post("/api/v1/privacy/consent/events")
                .token(contributor)
                .json(&body)
                .send()
                .await
        }
    };
    let first = record(event(
        "cust-1",
        "newsletter",
        "grant",
        now - Duration::days(3),
    ))
    .await
    .ok(201)
    .json();
    assert!(first["ledger_index"].is_u64(), "{first}");
    let withdrawal = record(event(
        "cust-1",
        "newsletter",
        "withdraw",
        now - Duration::days(2),
    ))
    .await
    .ok(201)
    .json();
    // A late-arriving analytics grant that happened before an already recorded withdrawal.
    record(event(
        "cust-1",
        "analytics.web",
        "withdraw",
        now - Duration::hours(5),
    ))
    .await
    .ok(201);
    record(event(
        "cust-1",
        "analytics.web",
        "grant",
        now - Duration::hours(10),
    ))
    .await
    .ok(201);
    // A viewer may not record consent.
    server
        .post("/api/v1/privacy/consent/events")
        .token(viewer)
        .json(&event("cust-1", "newsletter", "grant", now))
        .send()
        .await
        .problem(403, "forbidden");

    // Bad events name every bad field.
    let mut bad = event("a\u{1}b", "ads", "grant", now + Duration::hours(1));
    bad["source"] = json!("");
    let problem = record(bad).await.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["subject_id", "purpose", "source", "occurred_at"],
        "{problem}"
    );
    record(event(&"x".repeat(201), "newsletter", "grant", now))
        .await
        .problem(422, "validation_failed");
    // Unknown fields and actions are refused too.
    let mut unknown = event("cust-1", "newsletter", "maybe", now);
    unknown["email"] = json!("a@b.c");
    record(unknown).await.problem(422, "validation_failed");

    // A client id makes a retry idempotent; other content under it is a conflict.
    let mut with_id = event("cust-2", "newsletter", "grant", now - Duration::days(1));
    with_id["id"] = json!("crm-991");
    let created = record(with_id.clone()).await.ok(201).json();
    let again = record(with_id.clone()).await.ok(200).json();
    assert_eq!(created["id"], again["id"]);
    with_id["action"] = json!("withdraw");
    record(with_id).await.problem(409, "conflict");

    // The checkpoint is signed now, then the newsletter is granted again.
    server.settle().await;
    let regrant = record(event(
        "cust-1",
        "newsletter",
        "grant",
        now - Duration::days(1),
    ))
    .await
    .ok(201)
    .json();

    let state = server
        .get("/api/v1/privacy/consent/subjects/cust-1")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let purposes = state["purposes"].as_array().unwrap();
    assert_eq!(purposes.len(), 2, "{state}");
    assert_eq!(purposes[0]["purpose"], "analytics.web");
    assert_eq!(purposes[0]["state"], "withdrawn", "{state}");
    assert_eq!(purposes[1]["purpose"], "newsletter");
    assert_eq!(purposes[1]["state"], "granted", "{state}");
    assert_eq!(purposes[1]["event_id"], regrant["id"]);
    assert_eq!(purposes[1]["events"], 3);

    // At a past time (between the withdrawal and the second grant): withdrawn, proved.
    let key = server
        .get("/api/v1/ledger/verifier-key")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let verifier =
        Ed25519NoteVerifier::from_key_text(key["verifier_key"].as_str().unwrap()).unwrap();
    let origin = key["origin"].as_str().unwrap();
    let at = rfc3339(now - Duration::hours(36));
    let proven = server
        .get(&format!(
            "/api/v1/privacy/consent/subjects/cust-1/proof?at={at}"
        ))
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let size = proven["checkpoint"]["size"].as_u64().unwrap();
    let states = proven["purposes"].as_array().unwrap();
    assert_eq!(states.len(), 1, "{proven}");
    let news = &states[0];
    assert_eq!(news["state"], "withdrawn", "{proven}");
    assert_eq!(news["event_id"], withdrawal["id"]);
    assert_eq!(news["ledger_index"], withdrawal["ledger_index"]);
    let proof = TlogProof::parse(news["tlog_proof"].as_str().unwrap()).unwrap();
    assert_eq!(Some(proof.index), news["ledger_index"].as_u64());
    let envelope = news["envelope"].as_str().unwrap();
    let leaf = probity_ledger::hash::leaf_hash(envelope.as_bytes());
    let signed = proof.verify(&leaf, origin, &verifier, &[]).unwrap();
    assert_eq!(signed.checkpoint.size(), size);
    assert_eq!(
        proven["checkpoint"]["signed_note"].as_str().unwrap(),
        proof.checkpoint.to_text()
    );
    let envelope: Value = serde_json::from_str(envelope).unwrap();
    assert_eq!(envelope["kind"], "privacy.consent.withdrawn", "{envelope}");
    // Another entry's envelope does not verify with this proof.
    let other = probity_ledger::hash::leaf_hash(b"{}");
    assert!(proof.verify(&other, origin, &verifier, &[]).is_err());

    // Now: the second grant is in no checkpoint yet, so the proof still says withdrawn;
    // after the next checkpoint it says granted.
    let at_now = rfc3339(now);
    let path = format!("/api/v1/privacy/consent/subjects/cust-1/proof?at={at_now}");
    let before = server.get(&path).token(viewer).send().await.ok(200).json();
    let news = before["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "newsletter")
        .unwrap()
        .clone();
    assert_eq!(news["state"], "withdrawn", "{before}");
    server.settle().await;
    let after = server.get(&path).token(viewer).send().await.ok(200).json();
    let news = after["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "newsletter")
        .unwrap()
        .clone();
    assert_eq!(news["state"], "granted", "{after}");
    let proof = TlogProof::parse(news["tlog_proof"].as_str().unwrap()).unwrap();
    let leaf = probity_ledger::hash::leaf_hash(news["envelope"].as_str().unwrap().as_bytes());
    proof.verify(&leaf, origin, &verifier, &[]).unwrap();
    // Before any event: nothing.
    let early = rfc3339(now - Duration::days(30));
    let none = server
        .get(&format!(
            "/api/v1/privacy/consent/subjects/cust-1/proof?at={early}"
        ))
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(none["purposes"], json!([]));

    // The receipt.
    let receipt = server
        .get("/api/v1/privacy/consent/subjects/cust-1/receipt")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(receipt["controller"]["name"], acme.tenant.name.as_str());
    assert_eq!(receipt["subject_id"], "cust-1");
    assert_eq!(receipt["version"], "probity-consent-receipt/1");
    let rp = receipt["purposes"].as_array().unwrap();
    assert_eq!(rp.len(), 2);
    assert_eq!(rp[1]["title"], "newsletter title");
    assert_eq!(rp[1]["legal_basis"], "consent");
    assert_eq!(rp[1]["state"], "granted");
    assert_eq!(rp[1]["given_at"], json!(rfc3339(now - Duration::days(1))));
    assert_eq!(
        rp[0]["withdrawn_at"],
        json!(rfc3339(now - Duration::hours(5)))
    );
    let one = server
        .get("/api/v1/privacy/consent/subjects/cust-1/receipt?purpose=newsletter")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(one["purposes"].as_array().unwrap().len(), 1);
    server
        .get("/api/v1/privacy/consent/subjects/nobody/receipt")
        .token(viewer)
        .send()
        .await
        .problem(404, "not_found");

    // History and purpose counts.
    let history = server
        .get("/api/v1/privacy/consent/events?subject=cust-1")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(history["items"].as_array().unwrap().len(), 5);
    let list = server
        .get("/api/v1/privacy/consent/purposes")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let counts = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"]["key"] == "newsletter")
        .unwrap()
        .clone();
    assert_eq!(
        (counts["grants"].as_u64(), counts["withdrawals"].as_u64()),
        (Some(3), Some(1))
    );
    // A purpose with history cannot be removed; its title can change.
    let id = newsletter["id"].as_str().unwrap();
    server
        .delete(&format!("/api/v1/privacy/consent/purposes/{id}"))
        .token(contributor)
        .send()
        .await
        .problem(409, "conflict");
    let changed = server
        .put(&format!("/api/v1/privacy/consent/purposes/{id}"))
        .token(contributor)
        .json(&json!({ "title": "Monthly newsletter", "version": 1 }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["key"], "newsletter");

    // Every change is in the audit trail.
    server.settle().await;
    let trail = server
        .get("/api/v1/audit/events?type=privacy.consent&limit=100")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let types: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "privacy.consent.granted")
            .count(),
        4,
        "{types:?}"
    );
    assert!(types.contains(&"privacy.consent.purpose.updated"));

    // Another tenant sees none of it.
    let globex = world.globex.owner_token();
    let theirs = server
        .get("/api/v1/privacy/consent/subjects/cust-1")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["purposes"], json!([]));
    server
        .get(&format!("/api/v1/privacy/consent/purposes/{id}"))
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    server
        .get("/api/v1/privacy/consent/subjects/cust-1/receipt")
        .token(globex)
        .send()
        .await
        .problem(404, "not_found");
    let refused = server
        .post("/api/v1/privacy/consent/events")
        .token(globex)
        .json(&event("cust-1", "newsletter", "grant", now))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(refused["errors"][0]["field"], "purpose");
    let empty = server
        .get("/api/v1/privacy/consent/events")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(empty["items"], json!([]));
    server.finish().await;
}

/// Bulk imports: good lines land, bad ones are reported with their own errors, ids make a
/// re-import idempotent, and files over the bounds are refused whole.
pub async fn privacy_consent_import_reports_each_line(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let contributor = world.acme.token(Role::Contributor);
    let now = server.now();
    purpose(&server, contributor, "newsletter").await;
    let mut good = event("imp-1", "newsletter", "grant", now - Duration::days(9));
    good["id"] = json!("legacy-1");
    let mut good2 = event("imp-2", "newsletter", "withdraw", now - Duration::days(8));
    good2["method"] = json!("import");
    let bad_purpose = event("imp-3", "ads", "grant", now);
    let future = event("imp-4", "newsletter", "grant", now + Duration::days(1));
    let ndjson = [
        good.to_string(),
        String::new(),
        "{not json".to_owned(),
        good2.to_string(),
        bad_purpose.to_string(),
        future.to_string(),
        good.to_string(),
    ]
    .join("\n");
    let import = |format: &'static str, content: String| {
        let server = &server;
        async move {
            server
                .post("/api/v1/privacy/consent/import")
                .token(contributor)
                .json(&json!({ "format": format, "content": content }))
                .send()
                .await
        }
    };
    let result = import("ndjson", ndjson.clone()).await.ok(200).json();
    assert_eq!(result["recorded"], 2, "{result}");
    assert_eq!(result["duplicates"], 1, "{result}");
    assert_eq!(result["rejected"], 3, "{result}");
    let lines = result["lines"].as_array().unwrap();
    let status: Vec<(u64, &str)> = lines
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        [
            (1, "recorded"),
            (3, "rejected"),
            (4, "recorded"),
            (5, "rejected"),
            (6, "rejected"),
            (7, "duplicate"),
        ]
    );
    assert_eq!(lines[3]["errors"][0]["field"], "purpose", "{result}");
    assert_eq!(lines[4]["errors"][0]["field"], "occurred_at", "{result}");
    assert_eq!(lines[0]["event_id"], lines[5]["event_id"]);
    // The import's events are in the ledger already.
    let history = server
        .get("/api/v1/privacy/consent/events?purpose=newsletter")
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items.iter().all(|e| e["ledger_index"].is_u64()),
        "{history}"
    );
    // Again: the line with an id is a duplicate, the one without is recorded again.
    let again = import("ndjson", ndjson).await.ok(200).json();
    assert_eq!(
        (again["recorded"].as_u64(), again["duplicates"].as_u64()),
        (Some(1), Some(2)),
        "{again}"
    );

    // CSV, with a quoted field and a short line.
    let csv = format!(
        "id,subject_id,purpose,action,notice_version,method,source,occurred_at\n\
         c-1,imp-5,newsletter,grant,v2,paper,\"branch, Leeds\",{t}\n\
         c-2,imp-6,newsletter,grant\n\
         c-3,imp-7,newsletter,perhaps,v2,paper,branch,{t}\n",
        t = rfc3339(now - Duration::days(1))
    );
    let result = import("csv", csv).await.ok(200).json();
    assert_eq!(
        (result["recorded"].as_u64(), result["rejected"].as_u64()),
        (Some(1), Some(2)),
        "{result}"
    );
    let state = server
        .get("/api/v1/privacy/consent/events?subject=imp-5")
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(state["items"][0]["source"], "branch, Leeds");
    // A CSV without the needed columns, and a file over the bound, are refused whole.
    let p = import("csv", "subject_id,purpose\na,b\n".to_owned())
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "content");
    let line = format!("{good}\n");
    let huge = line.repeat(2 * 1024 * 1024 / line.len() + 1);
    import("ndjson", huge)
        .await
        .problem(422, "validation_failed");
    server
        .post("/api/v1/privacy/consent/import")
        .token(world.acme.token(Role::Viewer))
        .json(&json!({ "format": "ndjson", "content": "" }))
        .send()
        .await
        .problem(403, "forbidden");
    server.finish().await;
}

/// The access export: built on completion, handed to approvers, holding the subject's audit
/// events, consent and requests and nobody else's, with hashes that match.
pub async fn privacy_access_export_holds_the_subjects_records(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let manager = acme.token(Role::ComplianceManager);
    let contributor = acme.token(Role::Contributor);
    let owner = acme.owner_token();
    let now = server.now();
    // Audit events naming the subject (and one naming another).
    let events: Vec<Value> = ["cust-9", "cust-9", "cust-10"]
        .iter()
        .enumerate()
        .map(|(n, s)| {
            json!({
                "event_type": "data.accessed", "category": "data_access",
                "actor": { "type": "service", "id": "svc-crm" },
                "subject_ids": [s], "details": { "n": n },
            })
        })
        .collect();
    server
        .post("/api/v1/audit/events:batch")
        .token(contributor)
        .json(&Value::Array(events))
        .send()
        .await
        .ok(200);
    purpose(&server, contributor, "newsletter").await;
    for (s, action) in [
        ("cust-9", "grant"),
        ("cust-9", "withdraw"),
        ("cust-10", "grant"),
    ] {
        let at = if action == "grant" {
            now - Duration::days(2)
        } else {
            now - Duration::days(1)
        };
        server
            .post("/api/v1/privacy/consent/events")
            .token(contributor)
            .json(&event(s, "newsletter", action, at))
            .send()
            .await
            .ok(201);
    }
    let create = |kind: &'static str, subject: &'static str| {
        let server = &server;
        async move {
            server
                .post("/api/v1/privacy/requests")
                .token(manager)
                .json(&json!({ "regime": "gdpr", "kind": kind, "subject_ref": subject }))
                .send()
                .await
                .ok(201)
                .json()
        }
    };
    create("rectification", "cust-9").await;
    create("access", "cust-10").await;
    let access = create("access", "cust-9").await;
    let id = access["id"].as_str().unwrap().to_owned();
    for to in ["in_progress", "completed"] {
        server
            .post(&format!("/api/v1/privacy/requests/{id}/transition"))
            .token(manager)
            .json(&json!({ "to": to }))
            .send()
            .await
            .ok(200);
    }
    let path = format!("/api/v1/privacy/requests/{id}/export");
    // Approvers only.
    server
        .get(&path)
        .token(contributor)
        .send()
        .await
        .problem(403, "forbidden");
    let reply = server.get(&path).token(owner).send().await.ok(200);
    assert_eq!(reply.header("content-type"), Some("application/zip"));
    let archive_sha = hex_sha256(&reply.bytes);
    assert_eq!(reply.header("x-archive-sha256"), Some(archive_sha.as_str()));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(reply.bytes.clone())).unwrap();
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        bytes
    };
    let manifest: Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    assert_eq!(manifest["request"], access["reference"]);
    assert_eq!(manifest["subject_id"], "cust-9");
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "audit_events.json",
            "audit_events.csv",
            "consent.json",
            "consent.csv",
            "requests.json",
            "support_tickets.json"
        ]
    );
    for f in manifest["files"].as_array().unwrap() {
        let bytes = read(f["name"].as_str().unwrap());
        assert_eq!(f["sha256"].as_str().unwrap(), hex_sha256(&bytes), "{f}");
        assert_eq!(f["bytes"].as_u64().unwrap(), bytes.len() as u64);
    }
    let audit: Value = serde_json::from_slice(&read("audit_events.json")).unwrap();
    let audit = audit.as_array().unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit.iter().all(|e| e["subject_ids"] == json!(["cust-9"])));
    let csv = String::from_utf8(read("audit_events.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(!csv.contains("cust-10"));
    let consent: Value = serde_json::from_slice(&read("consent.json")).unwrap();
    assert_eq!(consent["history"].as_array().unwrap().len(), 2, "{consent}");
    assert_eq!(consent["current"][0]["state"], "withdrawn");
    assert!(!consent.to_string().contains("cust-10"));
    assert_eq!(
        String::from_utf8(read("consent.csv"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    let requests: Value = serde_json::from_slice(&read("requests.json")).unwrap();
    let kinds: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{requests}");
    assert!(kinds.contains(&"rectification") && kinds.contains(&"access"));
    assert!(!requests.to_string().contains("cust-10"));

    // The kept export is handed out again, byte for byte.
    let again = server.get(&path).token(manager).send().await.ok(200);
    assert_eq!(hex_sha256(&again.bytes), archive_sha);

    // Recorded: who, which request, the hashes; the subject only as its SHA-256.
    server.settle().await;
    let trail = server
        .get("/api/v1/audit/events?type=privacy.request&limit=100")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let items = trail["items"].as_array().unwrap();
    let exported = items
        .iter()
        .find(|e| e["event_type"] == "privacy.request.exported")
        .unwrap();
    let details = &exported["payload"]["details"];
    assert_eq!(details["reference"], access["reference"]);
    assert_eq!(details["trigger"], "completion");
    assert_eq!(details["archive_sha256"], archive_sha.as_str());
    assert_eq!(details["subject_sha256"], hex_sha256(b"cust-9").as_str());
    assert_eq!(details["files"], manifest["files"]);
    assert!(!exported.to_string().contains("cust-9\""), "{exported}");
    assert!(
        items
            .iter()
            .any(|e| e["event_type"] == "privacy.request.export_downloaded")
    );

    // On demand for an open request of another subject: built now, that subject's only.
    let other = create("erasure", "cust-10").await;
    let reply = server
        .get(&format!(
            "/api/v1/privacy/requests/{}/export",
            other["id"].as_str().unwrap()
        ))
        .token(manager)
        .send()
        .await
        .ok(200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(reply.bytes)).unwrap();
    let mut f = zip.by_name("audit_events.json").unwrap();
    let mut text = String::new();
    f.read_to_string(&mut text).unwrap();
    let audit: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 1);
    assert!(!text.contains("cust-9"));
    // Another tenant cannot reach it.
    server
        .get(&path)
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}
