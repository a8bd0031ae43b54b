//! Policies over HTTP: templates, the review workflow with separation of duties and a quorum,
//! decisions and acknowledgments bound to a version's content hash, a material new version
//! asking everyone again, tenant isolation, bad input and the audit trail of it all.

use probity_core::audit::Actor;
use probity_core::platform::Role;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::client::Session;
use crate::harness::{PASSWORD, TestDatabase, TestServer, seed};

fn version(view: &Value, number: u64) -> &Value {
    view["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["number"] == number)
        .unwrap_or_else(|| panic!("no version {number} in {view}"))
}

fn hash_of(view: &Value, number: u64) -> String {
    version(view, number)["content_hash"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn step(server: &TestServer, who: &Session, path: &str, hash: &str) -> Value {
    server
        .post(path)
        .session(who)
        .json(&json!({ "content_hash": hash }))
        .send()
        .await
        .ok(200)
        .json()
}

/// The whole life of a policy, as its author, a second approver and a reader see it.
pub async fn policies_need_other_approvers_and_bind_to_their_text(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let password = SecretString::from(PASSWORD.to_owned());
    server
        .platform
        .create_user(
            &Actor::system("test"),
            &acme.tenant,
            "cm@acme.test",
            None,
            &password,
            Role::ComplianceManager,
        )
        .await
        .unwrap();
    let owner = server.login(acme.owner_email(), PASSWORD).await;
    let cm = server.login("cm@acme.test", PASSWORD).await;

    let templates = server
        .get("/api/v1/policy-templates")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let templates = templates["items"].as_array().unwrap();
    assert_eq!(templates.len(), 10);
    assert!(
        templates
            .iter()
            .all(|t| !t["content"].as_str().unwrap().is_empty())
    );

    // Created from a template, by the owner, needing two approvals.
    let created = server
        .post("/api/v1/policies")
        .session(&owner)
        .json(&json!({ "key": "access-control", "template": "access-control", "owner": "CISO", "required_approvals": 2, "requirement_ids": ["iso27001-2022:A.5.15", "soc2-2017:CC6.1"] }))
        .send()
        .await
        .ok(201)
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/policies/{id}");
    let v1 = version(&created, 1);
    assert_eq!(v1["state"], "draft");
    assert_eq!(
        v1["content_hash"].as_str().unwrap(),
        hex::encode(Sha256::digest(v1["content"].as_str().unwrap().as_bytes())),
        "the hash is the SHA-256 of the text"
    );
    assert_eq!(created["kind"], "access_control");
    assert_eq!(
        created["requirement_ids"],
        json!(["iso27001-2022:A.5.15", "soc2-2017:CC6.1"])
    );
    assert!(!created["control_ids"].as_array().unwrap().is_empty());
    let h1 = hash_of(&created, 1);

    // Bad input: each names its field; nothing is written.
    for (body, status, code) in [
        (
            json!({ "key": "access-control", "template": "access-control", "owner": "x" }),
            409,
            "conflict",
        ),
        (
            json!({ "key": "Bad Key", "template": "access-control", "owner": "x" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "key": "other", "template": "nope", "owner": "x" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "key": "other", "owner": "x" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "key": "other", "template": "access-control", "owner": "x", "control_ids": ["NOPE-99"] }),
            422,
            "validation_failed",
        ),
        (
            json!({ "key": "other", "template": "access-control", "owner": "x", "required_approvals": 0 }),
            422,
            "validation_failed",
        ),
        (
            json!({ "key": "other", "template": "access-control", "owner": "x", "requirement_ids": ["iso27001-2022:A.99.9"] }),
            422,
            "validation_failed",
        ),
        (
            json!({ "key": "other", "template": "access-control", "owner": "x", "colour": "red" }),
            422,
            "validation_failed",
        ),
    ] {
        server
            .post("/api/v1/policies")
            .session(&owner)
            .json(&body)
            .send()
            .await
            .problem(status, code);
    }

    // A draft cannot be approved; once submitted, its author cannot approve it.
    server
        .post(&format!("{base}/versions/1/approve"))
        .session(&cm)
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .problem(409, "conflict");
    let submitted = server
        .post(&format!("{base}/versions/1/submit"))
        .session(&owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(version(&submitted, 1)["state"], "in_review");
    server
        .post(&format!("{base}/versions/1/approve"))
        .session(&owner)
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .problem(403, "forbidden");
    // An approval on other text than the version's is refused.
    server
        .post(&format!("{base}/versions/1/approve"))
        .session(&cm)
        .json(&json!({ "content_hash": "00".repeat(32) }))
        .send()
        .await
        .problem(409, "conflict");
    let once = step(&server, &cm, &format!("{base}/versions/1/approve"), &h1).await;
    assert_eq!(
        version(&once, 1)["state"],
        "in_review",
        "one of two approvals"
    );
    assert_eq!(
        version(&once, 1)["approvals"][0]["content_hash"],
        h1.as_str()
    );
    server
        .post(&format!("{base}/versions/1/approve"))
        .session(&cm)
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .problem(409, "conflict");
    // A contributor cannot approve at all; an admin token is the second approver.
    server
        .post(&format!("{base}/versions/1/approve"))
        .token(acme.token(Role::Contributor))
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .problem(403, "forbidden");
    let approved = server
        .post(&format!("{base}/versions/1/approve"))
        .token(acme.token(Role::Admin))
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(version(&approved, 1)["state"], "approved");
    server
        .post(&format!("{base}/acknowledgments"))
        .session(&owner)
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .problem(409, "conflict");
    let published = step(&server, &cm, &format!("{base}/versions/1/publish"), &h1).await;
    assert_eq!(published["published"], 1);
    assert_eq!(published["members"], 2);
    assert_eq!(published["acknowledged"], 0);
    assert!(published["review_due"].is_string());

    // Acknowledgments bind to the text in force.
    server
        .post(&format!("{base}/acknowledgments"))
        .session(&owner)
        .json(&json!({ "content_hash": "ab".repeat(32) }))
        .send()
        .await
        .problem(409, "conflict");
    for who in [&owner, &cm] {
        let ack = server
            .post(&format!("{base}/acknowledgments"))
            .session(who)
            .json(&json!({ "content_hash": h1 }))
            .send()
            .await
            .ok(201)
            .json();
        assert_eq!(ack["version"], 1);
        assert_eq!(ack["content_hash"], h1.as_str());
        assert_eq!(ack["method"], "api");
    }
    server
        .post(&format!("{base}/acknowledgments"))
        .session(&owner)
        .json(&json!({ "content_hash": h1 }))
        .send()
        .await
        .problem(409, "conflict");
    let view = server
        .get(&base)
        .session(&owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["acknowledged"], 2);
    assert_eq!(view["acknowledgment_rate"], 100.0);

    // A minor version keeps the acknowledgments; a material one asks everyone again.
    let mut expected_acks = 2;
    for (number, material, acks_after) in [(2_u64, false, 2), (3, true, 0)] {
        let drafted = server
            .post(&format!("{base}/versions"))
            .token(acme.token(Role::Contributor))
            .json(&json!({ "content": format!("# Access control\n\nRevision {number}.\n"), "material": material, "change_note": "Wording" }))
            .send()
            .await
            .ok(201)
            .json();
        let h = hash_of(&drafted, number);
        server
            .post(&format!("{base}/versions"))
            .session(&owner)
            .json(&json!({ "content": "another", "material": false }))
            .send()
            .await
            .problem(409, "conflict");
        server
            .post(&format!("{base}/versions/{number}/submit"))
            .session(&owner)
            .send()
            .await
            .ok(200);
        step(
            &server,
            &cm,
            &format!("{base}/versions/{number}/approve"),
            &h,
        )
        .await;
        step(
            &server,
            &owner,
            &format!("{base}/versions/{number}/approve"),
            &h,
        )
        .await;
        let out = step(
            &server,
            &owner,
            &format!("{base}/versions/{number}/publish"),
            &h,
        )
        .await;
        assert_eq!(out["published"], number);
        assert_eq!(version(&out, number - 1)["state"], "retired");
        assert_eq!(out["acknowledged"], acks_after, "after version {number}");
        expected_acks = acks_after;
    }
    assert_eq!(expected_acks, 0);
    let h3 = hash_of(
        &server
            .get(&base)
            .session(&owner)
            .send()
            .await
            .ok(200)
            .json(),
        3,
    );
    server
        .post(&format!("{base}/acknowledgments"))
        .session(&cm)
        .json(&json!({ "content_hash": h3 }))
        .send()
        .await
        .ok(201);
    let view = server
        .get(&base)
        .session(&owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["acknowledged"], 1);
    assert_eq!(view["acknowledgment_rate"], 50.0);
    let acks = server
        .get(&format!("{base}/acknowledgments"))
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(acks["items"].as_array().unwrap().len(), 3);

    // Another tenant sees nothing.
    server
        .get(&base)
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    let theirs = server
        .get("/api/v1/policies")
        .token(world.globex.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert!(theirs["items"].as_array().unwrap().is_empty());

    // Every step is in the ledger.
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=policy&limit=100")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    let mut kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        vec![
            "policy.acknowledged",
            "policy.created",
            "policy.version.approved",
            "policy.version.created",
            "policy.version.published",
            "policy.version.submitted",
        ]
    );
    server.finish().await;
}

fn controls(n: usize) -> Vec<String> {
    probity_core::catalog::Catalog::shipped()
        .unwrap()
        .controls()
        .iter()
        .take(n)
        .map(|c| c.id.clone())
        .collect()
}

async fn set_control(server: &TestServer, token: &str, id: &str, status: &str) {
    server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/catalog/controls/{id}"),
        )
        .token(token)
        .json(&json!({ "status": status }))
        .send()
        .await
        .ok(200);
}

/// The worked example of ADR 0015's derivation over HTTP, appetite alerts, optimistic
/// concurrency, the matrix guard, heat maps and history; then risk acceptances: separation of
/// duties, decisions bound to the linked state's hash, lapsing when a control weakens or the
/// risk gets a new version, and expiry with a moved clock (recorded by the sweep).
pub async fn risks_and_acceptances_bind_to_the_state_decided_on(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let cm = acme.token(Role::ComplianceManager);
    let contributor = acme.token(Role::Contributor);

    let settings = server
        .get("/api/v1/risk-settings")
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        settings["matrix"]["likelihood"].as_array().unwrap().len(),
        5
    );
    assert_eq!(settings["appetite"]["security"], 9);

    // Worked example: two implemented, one partly, one planned, one not applicable:
    // e = 2.5 / 4 = 0.625, likelihood 4 − round(0.625 × 3) = 2, residual 2 × 5 = 10 (high).
    let ids = controls(5);
    for (id, status) in ids.iter().zip([
        "implemented",
        "implemented",
        "partially_implemented",
        "planned",
        "not_applicable",
    ]) {
        set_control(&server, owner, id, status).await;
    }
    let created = server
        .post("/api/v1/risks")
        .token(contributor)
        .json(&json!({
            "title": "Ransomware on the file servers", "category": "security", "owner": "IT operations",
            "assets": ["File servers"], "threat": "Ransomware", "vulnerability": "Flat network",
            "inherent": { "likelihood": 4, "impact": 5 }, "control_ids": ids,
            "business_impact": { "criticality": "high", "rto_hours": 24, "rpo_hours": 4 },
        }))
        .send()
        .await
        .ok(201)
        .json();
    let risk = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["reference"], "R-001");
    assert_eq!(created["inherent_score"], 20);
    assert_eq!(created["inherent_level"], "critical");
    assert_eq!(created["control_effectiveness"], 0.625);
    assert_eq!(
        created["residual_rating"],
        json!({ "likelihood": 2, "impact": 5 })
    );
    assert_eq!(created["residual_score"], 10);
    assert_eq!(created["residual_level"], "high");
    assert_eq!(created["residual_source"], "derived_from_controls");
    assert_eq!(
        created["exceeds_appetite"], true,
        "10 > security appetite 9"
    );
    let notices = server
        .get("/api/v1/notifications")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        notices["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "risk.appetite_exceeded"),
        "{notices}"
    );

    // Bad input and stale versions.
    for body in [
        json!({ "title": "x", "category": "security", "owner": "o", "inherent": { "likelihood": 6, "impact": 1 } }),
        json!({ "title": "x", "category": "security", "owner": "o", "inherent": { "likelihood": 1, "impact": 1 }, "control_ids": ["NOPE-1"] }),
        json!({ "title": "", "category": "security", "owner": "o", "inherent": { "likelihood": 1, "impact": 1 } }),
        json!({ "title": "x", "category": "weather", "owner": "o", "inherent": { "likelihood": 1, "impact": 1 } }),
    ] {
        server
            .post("/api/v1/risks")
            .token(contributor)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    server
        .patch(&format!("/api/v1/risks/{risk}"))
        .token(contributor)
        .json(&json!({ "version": 7, "owner": "Someone" }))
        .send()
        .await
        .problem(409, "conflict");
    // A 3 × 3 matrix would strand the 4 × 5 risk.
    let mut small = settings.clone();
    small["matrix"]["likelihood"] = json!(["Low", "Medium", "High"]);
    small["matrix"]["impact"] = json!(["Low", "Medium", "High"]);
    small["appetite"] = json!({ "security": 4 });
    small["matrix"]["bands"] =
        json!([{ "name": "low", "min_score": 1 }, { "name": "high", "min_score": 5 }]);
    server
        .call(reqwest::Method::PUT, "/api/v1/risk-settings")
        .token(cm)
        .json(&small)
        .send()
        .await
        .problem(409, "conflict");
    small["matrix"]["bands"] = json!([{ "name": "low", "min_score": 2 }]);
    server
        .call(reqwest::Method::PUT, "/api/v1/risk-settings")
        .token(cm)
        .json(&small)
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .call(reqwest::Method::PUT, "/api/v1/risk-settings")
        .token(contributor)
        .json(&settings)
        .send()
        .await
        .problem(403, "forbidden");

    // A risk acceptance: the requester cannot decide, a decision names the state it saw.
    let expires = server.now() + chrono::Duration::days(90);
    let request = json!({
        "kind": "risk_acceptance", "title": "Accept ransomware residual until segmentation",
        "scope": "File servers", "justification": "Segmentation project lands in Q2",
        "compensating_controls": "Offline backups tested monthly",
        "control_ids": [ids[0]], "risk_ids": [risk], "expires_at": expires,
    });
    let requested = server
        .post("/api/v1/exceptions")
        .token(cm)
        .json(&request)
        .send()
        .await
        .ok(201)
        .json();
    let ex = requested["id"].as_str().unwrap().to_owned();
    assert_eq!(requested["reference"], "EX-001");
    assert_eq!(requested["status"], "requested");
    let hash = requested["current_snapshot_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        requested["current_snapshot"]["risks"][0]["residual_score"],
        10
    );
    let decide = |hash: String| json!({ "approve": true, "rationale": "Backups are tested", "snapshot_hash": hash });
    server
        .post(&format!("/api/v1/exceptions/{ex}/decision"))
        .token(cm)
        .json(&decide(hash.clone()))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .post(&format!("/api/v1/exceptions/{ex}/decision"))
        .token(contributor)
        .json(&decide(hash.clone()))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .post(&format!("/api/v1/exceptions/{ex}/decision"))
        .token(owner)
        .json(&decide("ab".repeat(32)))
        .send()
        .await
        .problem(409, "conflict");
    let approved = server
        .post(&format!("/api/v1/exceptions/{ex}/decision"))
        .token(owner)
        .json(&decide(hash.clone()))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decision"]["snapshot_hash"], hash.as_str());
    assert_eq!(approved["decision"]["snapshot"]["risks"][0]["version"], 1);
    server
        .post(&format!("/api/v1/exceptions/{ex}/decision"))
        .token(owner)
        .json(&decide(hash.clone()))
        .send()
        .await
        .problem(409, "conflict");

    // The linked control weakens: the acceptance no longer binds.
    set_control(&server, owner, &ids[0], "planned").await;
    let lapsed = server
        .get(&format!("/api/v1/exceptions/{ex}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(lapsed["status"], "invalidated", "{lapsed}");
    let why = lapsed["invalidated_because"].as_array().unwrap();
    assert!(
        why.iter().any(|w| w.as_str().unwrap().contains(&ids[0])),
        "{why:?}"
    );
    set_control(&server, owner, &ids[0], "implemented").await;
    let again = server
        .get(&format!("/api/v1/exceptions/{ex}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        again["status"], "approved",
        "restoring the control restores the binding"
    );

    // A new version of the risk lapses it too; history and heat map follow the assessment.
    let updated = server
        .patch(&format!("/api/v1/risks/{risk}"))
        .token(contributor)
        .json(&json!({ "version": 1, "residual": { "likelihood": 2, "impact": 2 } }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["residual_source"], "assessed");
    assert_eq!(updated["residual_score"], 4);
    assert_eq!(updated["exceeds_appetite"], false);
    let lapsed = server
        .get(&format!("/api/v1/exceptions/{ex}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(lapsed["status"], "invalidated");
    assert!(
        lapsed["invalidated_because"][0]
            .as_str()
            .unwrap()
            .contains("version 1 to 2"),
        "{lapsed}"
    );
    let detail = server
        .get(&format!("/api/v1/risks/{risk}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    let history: Vec<(u64, u64)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["inherent"].as_u64().unwrap(),
                p["residual"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(history, vec![(20, 10), (20, 4)]);
    let register = server
        .get("/api/v1/risks")
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(register["residual_heat_map"][1][1], 1);
    assert_eq!(register["inherent_heat_map"][3][4], 1);

    // Expiry with a moved clock: the view says so at once; the sweep records it once.
    let short = json!({
        "kind": "policy_exception", "title": "Legacy TLS on the payment gateway",
        "scope": "gw-01", "justification": "Acquirer upgrade pending",
        "expires_at": server.now() + chrono::Duration::days(10),
    });
    let soon = server
        .post("/api/v1/exceptions")
        .token(cm)
        .json(&short)
        .send()
        .await
        .ok(201)
        .json();
    let soon_id = soon["id"].as_str().unwrap().to_owned();
    let hash = soon["current_snapshot_hash"].as_str().unwrap().to_owned();
    server
        .post(&format!("/api/v1/exceptions/{soon_id}/decision"))
        .token(owner)
        .json(&decide(hash))
        .send()
        .await
        .ok(200);
    let pending = server
        .post("/api/v1/exceptions")
        .token(cm)
        .json(&short)
        .send()
        .await
        .ok(201)
        .json();
    let swept = probity_server::governance_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!((swept.expired, swept.expiring), (0, 1), "{swept:?}");
    server.clock().advance(chrono::Duration::days(11));
    let view = server
        .get(&format!("/api/v1/exceptions/{soon_id}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["status"], "expired");
    assert_eq!(view["state"], "approved", "not yet recorded");
    let pending_id = pending["id"].as_str().unwrap();
    server
        .post(&format!("/api/v1/exceptions/{pending_id}/decision"))
        .token(owner)
        .json(&decide(
            pending["current_snapshot_hash"]
                .as_str()
                .unwrap()
                .to_owned(),
        ))
        .send()
        .await
        .problem(409, "conflict");
    let swept = probity_server::governance_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!(
        swept.expired, 2,
        "the approved one and the undecided one: {swept:?}"
    );
    let swept = probity_server::governance_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!(swept.expired, 0, "recorded once");
    let view = server
        .get(&format!("/api/v1/exceptions/{soon_id}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["state"], "expired");

    // Isolation.
    server
        .get(&format!("/api/v1/risks/{risk}"))
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server
        .get(&format!("/api/v1/exceptions/{ex}"))
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");

    server.settle().await;
    for (prefix, expected) in [
        ("risk", vec!["risk.created", "risk.updated"]),
        (
            "exception",
            vec![
                "exception.approved",
                "exception.expired",
                "exception.requested",
            ],
        ),
    ] {
        let events = server
            .get(&format!("/api/v1/audit/events?type={prefix}&limit=100"))
            .token(owner)
            .send()
            .await
            .ok(200)
            .json();
        let mut kinds: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds, expected);
    }
    server.finish().await;
}

/// The vendor register over HTTP: a questionnaire sent as a link whose token opens exactly
/// one assessment — as a bearer token it is refused everywhere, it cannot reach another
/// vendor's questionnaire, and after submission it can change nothing; the submission is
/// scored (the worked example of `governance::vendor`), reviewed with findings, and the next
/// assessment falls due after the tier's interval.
pub async fn vendor_links_reach_only_their_questionnaire(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let contributor = acme.token(Role::Contributor);
    let vendor = |name: &str, email: &str| {
        json!({
            "name": name, "services": "Payments", "data_access": "personal", "tier": "high",
            "owner": "Finance", "contacts": [{ "name": "Robin", "email": email, "role": "security" }],
            "dpa_signed": "2026-01-15", "subprocessors": ["AWS"],
            "documents": [{ "name": "ISO certificate", "kind": "certificate", "expires": "2026-03-20" }],
        })
    };
    let created = server
        .post("/api/v1/vendors")
        .token(contributor)
        .json(&vendor("Paystream", "robin@paystream.test"))
        .send()
        .await
        .ok(201)
        .json();
    let v1 = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["reference"], "V-001");
    assert_eq!(
        created["assessment_due"], true,
        "a new vendor is due for its first assessment"
    );
    assert_eq!(
        created["documents_expiring"],
        json!(["ISO certificate"]),
        "expires within 30 days of t0"
    );
    let other = server
        .post("/api/v1/vendors")
        .token(contributor)
        .json(&vendor("Mailbird", "kim@mailbird.test"))
        .send()
        .await
        .ok(201)
        .json();
    let v2 = other["id"].as_str().unwrap().to_owned();
    for bad in [
        json!({ "name": "x", "data_access": "everything", "tier": "high", "owner": "o" }),
        json!({ "name": "x", "data_access": "none", "tier": "high", "owner": "o", "contacts": [{ "name": "a", "email": "not-an-email" }] }),
        json!({ "name": "", "data_access": "none", "tier": "high", "owner": "o" }),
    ] {
        server
            .post("/api/v1/vendors")
            .token(contributor)
            .json(&bad)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    server
        .post(&format!("/api/v1/vendors/{v1}/questionnaires"))
        .token(contributor)
        .json(&json!({ "template": "security-baseline", "contact_email": "someone@else.test" }))
        .send()
        .await
        .problem(422, "validation_failed");

    let sent = server
        .post(&format!("/api/v1/vendors/{v1}/questionnaires"))
        .token(contributor)
        .json(&json!({ "template": "security-baseline", "contact_email": "Robin@Paystream.test" }))
        .send()
        .await
        .ok(201)
        .json();
    let token = sent["token"].as_str().unwrap().to_owned();
    let assessment = sent["assessment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(sent["link"], format!("/respond/{token}"));
    let theirs = server
        .post(&format!("/api/v1/vendors/{v2}/questionnaires"))
        .token(contributor)
        .json(&json!({ "template": "privacy-processor", "contact_email": "kim@mailbird.test" }))
        .send()
        .await
        .ok(201)
        .json();
    let their_token = theirs["token"].as_str().unwrap().to_owned();
    // The stored assessment never carries the token.
    let detail = server
        .get(&format!("/api/v1/vendors/{v1}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        !detail.to_string().contains(&token),
        "the token is shown once, never stored in clear"
    );

    // The respondent sees one questionnaire and nothing of the tenant beyond its name.
    let page = server
        .get(&format!("/api/v1/respond/{token}"))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(page["vendor"], "Paystream");
    assert_eq!(page["asked_by"], "Acme Ltd");
    assert_eq!(page["template"]["key"], "security-baseline");
    assert!(!page.to_string().contains("Mailbird"));
    // As a bearer token the link is nothing: every tenant route refuses it.
    for path in [
        "/api/v1/vendors",
        &format!("/api/v1/vendors/{v1}"),
        "/api/v1/policies",
        "/api/v1/audit/events",
        "/api/v1/tenant",
    ] {
        let reply = server.get(path).token(&token).send().await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.text);
    }
    server
        .get(&format!("/respond/{token}x"))
        .send()
        .await
        .ok(404);
    server
        .get("/api/v1/respond/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .problem(404, "not_found");
    // It answers only its own questions: the other questionnaire's ids are refused.
    server
        .call(reqwest::Method::PUT, &format!("/api/v1/respond/{token}"))
        .json(&json!({ "answers": { "contract-1": "yes" } }))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .call(reqwest::Method::PUT, &format!("/api/v1/respond/{token}"))
        .json(&json!({ "answers": { "assurance-1": "maybe" } }))
        .send()
        .await
        .problem(422, "validation_failed");

    // Save part, then submit the rest: the worked example scores 55.3 (high risk).
    let saved = server
        .call(reqwest::Method::PUT, &format!("/api/v1/respond/{token}"))
        .json(&json!({ "answers": { "assurance-1": "yes", "assurance-3": "every_two_years", "access-1": "no" } }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(saved["state"], "sent");
    assert_eq!(saved["answers"]["access-1"], "no");
    let submitted = server
        .call(reqwest::Method::PUT, &format!("/api/v1/respond/{token}"))
        .json(&json!({ "submit": true, "answers": {
            "access-2": ["sso", "reviews", "jit"], "data-1": "yes", "data-2": 90,
            "data-3": "AWS, Stripe", "resilience-1": 48,
        } }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(submitted["state"], "submitted");
    // Closed: nothing more can be written, by the API or the page.
    server
        .call(reqwest::Method::PUT, &format!("/api/v1/respond/{token}"))
        .json(&json!({ "answers": { "access-1": "yes" } }))
        .send()
        .await
        .problem(409, "conflict");
    // The other link is untouched by all of this.
    let untouched = server
        .get(&format!("/api/v1/respond/{their_token}"))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(untouched["answers"], json!({}));
    assert_eq!(untouched["state"], "sent");

    let detail = server
        .get(&format!("/api/v1/vendors/{v1}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    let card = &detail["assessments"][0]["scorecard"];
    assert_eq!(card["overall"]["score"], 55.3);
    assert_eq!(card["rating"], "high");
    assert_eq!(card["sections"]["access"]["score"], 30.0);
    assert_eq!(detail["latest"]["overall"]["score"], 55.3);
    assert_eq!(
        detail["assessments"][0]["answers"]["access-1"], "no",
        "saved answers were kept"
    );

    // Review: compliance manager and above; the next assessment is the tier's 12 months on.
    let review = json!({ "findings": [{ "title": "No MFA for staff", "severity": "high", "remediation": "Enforce MFA", "due": "2026-06-30" }] });
    server
        .post(&format!("/api/v1/vendor-assessments/{assessment}/review"))
        .token(contributor)
        .json(&review)
        .send()
        .await
        .problem(403, "forbidden");
    let reviewed = server
        .post(&format!("/api/v1/vendor-assessments/{assessment}/review"))
        .token(acme.token(Role::ComplianceManager))
        .json(&review)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(reviewed["state"], "reviewed");
    server
        .post(&format!("/api/v1/vendor-assessments/{assessment}/review"))
        .token(acme.owner_token())
        .json(&review)
        .send()
        .await
        .problem(409, "conflict");
    let detail = server
        .get(&format!("/api/v1/vendors/{v1}"))
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(detail["assessment_due"], false);
    let next =
        chrono::DateTime::parse_from_rfc3339(detail["next_assessment"].as_str().unwrap()).unwrap();
    assert_eq!(
        next.with_timezone(&chrono::Utc),
        server
            .now()
            .checked_add_months(chrono::Months::new(12))
            .unwrap()
    );

    // The respondent's page: the questionnaire and nothing to follow anywhere else.
    let html = server
        .get(&format!("/respond/{their_token}"))
        .send()
        .await
        .ok(200);
    assert!(html.text.contains("Processor privacy review") && html.text.contains("Mailbird"));
    for link in [
        "href=\"/governance",
        "href=\"/api",
        "href=\"/\"",
        "href=\"/compliance",
        "Paystream",
    ] {
        assert!(
            !html.text.contains(link),
            "the respondent page shows {link}"
        );
    }
    let saved = server
        .post(&format!("/respond/{their_token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "a_contract-1=yes&a_contract-2=sccs&a_rights-2=We+forward+them&action=save".to_owned(),
        )
        .send()
        .await
        .ok(303);
    assert_eq!(
        saved.header("location"),
        Some(format!("/respond/{their_token}?saved=1").as_str())
    );
    let answers = server
        .get(&format!("/api/v1/respond/{their_token}"))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        answers["answers"],
        json!({ "contract-1": "yes", "contract-2": "sccs", "rights-2": "We forward them" })
    );
    // The submitted link's page shows its answers, closed.
    let closed = server
        .get(&format!("/respond/{token}"))
        .send()
        .await
        .ok(200);
    assert!(
        closed.text.contains("the link is closed"),
        "{}",
        closed.text
    );
    // A link past its expiry no longer opens.
    server.clock().advance(chrono::Duration::days(22));
    server
        .get(&format!("/api/v1/respond/{their_token}"))
        .send()
        .await
        .problem(409, "conflict");
    // Other tenants see nothing.
    server
        .get(&format!("/api/v1/vendors/{v1}"))
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");

    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=vendor&limit=100")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    let mut kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        vec![
            "vendor.assessment.reviewed",
            "vendor.created",
            "vendor.questionnaire.saved",
            "vendor.questionnaire.sent",
            "vendor.questionnaire.submitted",
        ]
    );
    let submitted_by = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "vendor.questionnaire.submitted")
        .unwrap();
    assert_eq!(
        submitted_by["actor_id"], "vendor-contact:robin@paystream.test",
        "{submitted_by}"
    );
    server.finish().await;
}

/// The asset inventory: created, renamed into a taken name (409), linked to a risk, and a CSV
/// import whose good rows land while each bad one is named by line and field.
pub async fn assets_import_lands_good_rows_and_names_bad_ones(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let contributor = acme.token(Role::Contributor);
    let risk = server
        .post("/api/v1/risks")
        .token(contributor)
        .json(&json!({ "title": "Data centre flood", "category": "operational", "owner": "Facilities", "inherent": { "likelihood": 2, "impact": 5 } }))
        .send()
        .await
        .ok(201)
        .json();
    let made = server
        .post("/api/v1/assets")
        .token(contributor)
        .json(&json!({
            "name": "Billing database", "kind": "data store", "owner": "Finance engineering",
            "classification": "Restricted", "criticality": "critical", "location": "eu-west-1",
            "risk_ids": [risk["id"]], "control_ids": ["IAM-01"], "processing_activities": ["RoPA-004"],
        }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(made["reference"], "A-001");
    assert_eq!(made["kind"], "data_store", "spellings are normalised");
    assert_eq!(made["classification"], "restricted");
    for bad in [
        json!({ "name": "x", "kind": "spaceship", "owner": "o", "classification": "internal", "criticality": "low" }),
        json!({ "name": "x", "kind": "system", "owner": "o", "classification": "secret", "criticality": "low" }),
        json!({ "name": "x", "kind": "system", "owner": "o", "classification": "internal", "criticality": "low", "risk_ids": [uuid::Uuid::nil()] }),
    ] {
        server
            .post("/api/v1/assets")
            .token(contributor)
            .json(&bad)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    server
        .post("/api/v1/assets")
        .token(contributor)
        .json(&json!({ "name": "Billing database", "kind": "system", "owner": "o", "classification": "internal", "criticality": "low" }))
        .send()
        .await
        .problem(409, "conflict");

    let csv = "name,kind,owner,classification,criticality,location,controls\r\n\
               CRM,application,Sales ops,confidential,high,SaaS,IAM-01;iam-02\r\n\
               \"Laptops, sales\",device,IT,internal,medium,Offices,\r\n\
               Broken,toaster,IT,internal,low,,\r\n\
               Billing database,system,IT,internal,low,,\r\n\
               Short row,device\r\n";
    let report = server
        .post("/api/v1/asset-imports")
        .token(contributor)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["rejected"], 3, "{report}");
    let rows = report["rows"].as_array().unwrap();
    let line_errors: Vec<(u64, String)> = rows
        .iter()
        .filter(|r| !r["errors"].as_array().unwrap().is_empty())
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["errors"][0]["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        line_errors,
        vec![
            (4, "kind".to_owned()),
            (5, "name".to_owned()),
            (6, "row".to_owned())
        ]
    );
    let assets = server
        .get("/api/v1/assets")
        .token(contributor)
        .send()
        .await
        .ok(200)
        .json();
    let names: Vec<&str> = assets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Billing database", "CRM", "Laptops, sales"]);
    assert_eq!(
        assets["items"][1]["control_ids"],
        json!(["IAM-01", "IAM-02"])
    );
    // A header without a required column is refused whole.
    server
        .post("/api/v1/asset-imports")
        .token(contributor)
        .body("name,kind\nX,system\n".to_owned())
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .post("/api/v1/asset-imports")
        .token(acme.token(Role::Viewer))
        .body(csv.to_owned())
        .send()
        .await
        .problem(403, "forbidden");
    server
        .get(&format!("/api/v1/assets/{}", made["id"].as_str().unwrap()))
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

/// Training on a policy: assigned to members, completed by the assignee or recorded for them by
/// a contributor and above, bound to the version in force, overdue with a moved clock; and
/// violations recorded against the version in force, then resolved once.
pub async fn trainings_and_violations_follow_the_version_in_force(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let created = server
        .post("/api/v1/policies")
        .token(owner)
        .json(&json!({ "key": "awareness", "title": "Security awareness", "owner": "CISO", "content": "# Awareness\n\nSpot phishing." }))
        .send()
        .await
        .ok(201)
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let hash = hash_of(&created, 1);
    let assign = json!({ "title": "Phishing training", "due": "2026-03-31" });
    server
        .post(&format!("/api/v1/policies/{id}/trainings"))
        .token(owner)
        .json(&assign)
        .send()
        .await
        .ok(201);
    // Nothing in force yet: completion has nothing to bind to.
    let early = server
        .get(&format!("/api/v1/policies/{id}/trainings"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let early_id = early["items"][0]["id"].as_str().unwrap();
    server
        .post(&format!("/api/v1/trainings/{early_id}/complete"))
        .token(owner)
        .send()
        .await
        .problem(409, "conflict");
    server
        .post(&format!("/api/v1/policies/{id}/versions/1/submit"))
        .token(owner)
        .send()
        .await
        .ok(200);
    for step in ["approve", "publish"] {
        server
            .post(&format!("/api/v1/policies/{id}/versions/1/{step}"))
            .token(acme.token(Role::ComplianceManager))
            .json(&json!({ "content_hash": hash }))
            .send()
            .await
            .ok(200);
    }
    let listed = server
        .get(&format!("/api/v1/policies/{id}/trainings"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let training = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "one member: the owner"
    );
    assert_eq!(listed["items"][0]["overdue"], false);
    server
        .post(&format!("/api/v1/trainings/{training}/complete"))
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .problem(403, "forbidden");
    server.clock().advance(chrono::Duration::days(40));
    let late = server
        .get(&format!("/api/v1/policies/{id}/trainings"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(late["items"][0]["overdue"], true);
    let done = server
        .post(&format!("/api/v1/trainings/{training}/complete"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(done["completed_version"], json!([1, hash]));
    assert_eq!(done["overdue"], false);
    server
        .post(&format!("/api/v1/trainings/{training}/complete"))
        .token(owner)
        .send()
        .await
        .problem(409, "conflict");
    server
        .post(&format!("/api/v1/policies/{id}/trainings"))
        .token(owner)
        .json(&json!({ "title": "x", "due": "2020-01-01" }))
        .send()
        .await
        .problem(422, "validation_failed");

    let v = server
        .post(&format!("/api/v1/policies/{id}/violations"))
        .token(acme.token(Role::Contributor))
        .json(&json!({ "description": "Clicked a simulated phish", "severity": "low", "source": "detection_rule", "reference": "rule:phish-sim" }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(v["policy_version"], 1);
    assert_eq!(v["source"], "detection_rule");
    let vid = v["id"].as_str().unwrap();
    server
        .post(&format!("/api/v1/policies/{id}/violations"))
        .token(owner)
        .json(&json!({ "description": "x", "severity": "huge" }))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .post(&format!("/api/v1/violations/{vid}/resolve"))
        .token(owner)
        .json(&json!({ "resolution": "Retrained" }))
        .send()
        .await
        .ok(200);
    server
        .post(&format!("/api/v1/violations/{vid}/resolve"))
        .token(owner)
        .json(&json!({ "resolution": "Again" }))
        .send()
        .await
        .problem(409, "conflict");
    let listed = server
        .get(&format!("/api/v1/policies/{id}/violations"))
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(listed["items"][0]["resolution"][0], "Retrained");
    server
        .get(&format!("/api/v1/policies/{id}/violations"))
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

/// The `event_type`s recorded under `prefix`, sorted and unique.
async fn kinds_of(server: &TestServer, token: &str, prefix: &str) -> Vec<String> {
    server.settle().await;
    let events = server
        .get(&format!("/api/v1/audit/events?type={prefix}&limit=100"))
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    let mut kinds: Vec<String> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Owners and admins put members in groups (checked, audited); a policy's view counts the
/// acknowledgments of the version in force per group, members without a group under
/// `(none)`, and the acknowledgment report shows the same.
pub async fn governance_groups_give_acknowledgment_rates_per_group(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let owner = acme.owner_token();
    let mut ids = Vec::new();
    for name in ["eng1", "eng2", "plain"] {
        let m = server
            .post("/api/v1/members")
            .token(owner)
            .json(&json!({ "email": format!("{name}@acme.test"), "password": PASSWORD, "role": "viewer" }))
            .send()
            .await
            .ok(201)
            .json();
        assert_eq!(m["groups"], json!([]));
        ids.push(m["user"]["id"].as_str().unwrap().to_owned());
    }
    // Bad groups are refused with every problem named; only owners and admins set them.
    let too_many: Vec<String> = (0..21).map(|i| format!("g{i}")).collect();
    let p = server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/members/{}/groups", ids[0]),
        )
        .token(owner)
        .json(&json!({ "groups": ["Engineering", "ok", "has space"] }))
        .send()
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["groups.0", "groups.2"], "{p}");
    server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/members/{}/groups", ids[0]),
        )
        .token(owner)
        .json(&json!({ "groups": too_many }))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/members/{}/groups", ids[0]),
        )
        .token(acme.token(Role::ComplianceManager))
        .json(&json!({ "groups": ["engineering"] }))
        .send()
        .await
        .problem(403, "forbidden");
    for (id, groups) in [
        (&ids[0], json!(["engineering"])),
        (&ids[1], json!(["finance", "engineering", "engineering"])),
    ] {
        server
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/members/{id}/groups"),
            )
            .token(acme.token(Role::Admin))
            .json(&json!({ "groups": groups }))
            .send()
            .await
            .ok(200);
    }
    let members = server
        .get("/api/v1/members")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let groups_of = |id: &str| {
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"]["id"] == id)
            .map(|m| m["groups"].clone())
            .unwrap()
    };
    assert_eq!(
        groups_of(&ids[1]),
        json!(["engineering", "finance"]),
        "sorted, once each"
    );
    assert_eq!(groups_of(&ids[2]), json!([]));

    // A published policy, acknowledged by eng1 only.
    let created = server
        .post("/api/v1/policies")
        .token(owner)
        .json(&json!({ "key": "groups", "title": "Groups", "owner": "CISO", "content": "# Groups\n\nRead me." }))
        .send()
        .await
        .ok(201)
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let hash = hash_of(&created, 1);
    let unpublished = server
        .get(&format!("/api/v1/policies/{id}"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        unpublished["acknowledgment_by_group"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["acknowledged"] == 0),
        "{unpublished}"
    );
    server
        .post(&format!("/api/v1/policies/{id}/versions/1/submit"))
        .token(owner)
        .send()
        .await
        .ok(200);
    for step in ["approve", "publish"] {
        server
            .post(&format!("/api/v1/policies/{id}/versions/1/{step}"))
            .token(acme.token(Role::ComplianceManager))
            .json(&json!({ "content_hash": hash }))
            .send()
            .await
            .ok(200);
    }
    let eng1 = server.login("eng1@acme.test", PASSWORD).await;
    server
        .post(&format!("/api/v1/policies/{id}/acknowledgments"))
        .session(&eng1)
        .json(&json!({ "content_hash": hash }))
        .send()
        .await
        .ok(201);
    let expected = json!([
        { "group": "engineering", "members": 2, "acknowledged": 1, "rate": 50.0 },
        { "group": "finance", "members": 1, "acknowledged": 0, "rate": 0.0 },
        { "group": "(none)", "members": 2, "acknowledged": 0, "rate": 0.0 },
    ]);
    let view = server
        .get(&format!("/api/v1/policies/{id}"))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["acknowledgment_by_group"], expected, "{view}");
    assert_eq!(view["members"], 4, "the owner and three viewers");
    assert_eq!(view["acknowledgment_rate"], 25.0);
    let list = server
        .get("/api/v1/policies")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["acknowledgment_by_group"], expected);

    // The acknowledgment report has a row per group, with rates as percentages.
    let report = server
        .post("/api/v1/reports")
        .token(owner)
        .json(&json!({ "kind": "policy_acknowledgments", "format": "json" }))
        .send()
        .await
        .ok(201)
        .json();
    let text = server
        .get(&format!(
            "/api/v1/reports/{}/content",
            report["record"]["id"]
                .as_str()
                .unwrap_or_else(|| report["id"].as_str().unwrap())
        ))
        .token(owner)
        .send()
        .await
        .ok(200)
        .text;
    assert!(
        text.contains("By group") && text.contains("engineering"),
        "{text}"
    );
    assert!(text.contains("1 of 2") && text.contains("50.0%"), "{text}");
    assert!(
        !text.contains("2500.0%"),
        "rates are not multiplied twice: {text}"
    );

    assert!(
        kinds_of(&server, owner, "membership")
            .await
            .contains(&"membership.groups.updated".to_owned())
    );
    // Groups stay in their tenant: globex cannot set them on acme's member.
    server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/members/{}/groups", ids[2]),
        )
        .token(world.globex.owner_token())
        .json(&json!({ "groups": ["spies"] }))
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

fn onboarding(title: &str) -> Value {
    json!({
        "key": "onboarding",
        "title": title,
        "summary": "Our own short questionnaire.",
        "sections": [
            { "id": "basics", "title": "Basics", "questions": [
                { "id": "mfa", "text": "Do all staff use MFA?", "type": "yes_no", "weight": 3, "good": "yes" },
                { "id": "hosting", "text": "Where do you host?", "type": "single", "weight": 2, "options": [
                    { "value": "eu", "label": "EU", "score": 1.0 },
                    { "value": "other", "label": "Elsewhere", "score": 0.0 },
                ] },
                { "id": "controls", "text": "Which controls?", "type": "multiple", "weight": 1, "options": [
                    { "value": "sso", "label": "SSO", "score": 0.5 },
                    { "value": "edr", "label": "EDR", "score": 0.5 },
                ] },
                { "id": "notes", "text": "Anything else?", "type": "text" },
                { "id": "staff", "text": "How many staff?", "type": "number", "weight": 1, "min_good": 5 },
                { "id": "report", "text": "Attach your pentest report", "type": "file", "weight": 1 },
            ] },
        ],
    })
}

/// Owners, admins and compliance managers add questionnaire templates of their own (checked
/// like the shipped ones, every problem by field), listed with their source and version; a
/// questionnaire sent from one works like a shipped one and keeps working after the template
/// is removed, which is refused while a sent one is open.
pub async fn governance_tenant_questionnaires_are_checked_sent_and_removed(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let cm = acme.token(Role::ComplianceManager);
    let listed = server
        .get("/api/v1/questionnaire-templates")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["source"] == "shipped")
    );

    // Every problem is named by field.
    let mut bad = onboarding("Onboarding");
    bad["key"] = json!("Not A Key");
    bad["sections"][0]["questions"][1]["id"] = json!("mfa");
    bad["sections"][0]["questions"][0]["good"] = json!("maybe");
    bad["sections"][0]["questions"][1]["options"][0]["score"] = json!(2.0);
    bad["sections"][0]["questions"][3]["weight"] = json!(4);
    bad["sections"][0]["questions"][2]["options"][1]["value"] = json!("sso");
    let p = server
        .post("/api/v1/questionnaire-templates")
        .token(cm)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation_failed");
    let mut fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        vec![
            "key",
            "sections.0.questions.0.good",
            "sections.0.questions.1.id",
            "sections.0.questions.1.options.0.score",
            "sections.0.questions.2.options.1.value",
            "sections.0.questions.3.weight",
        ],
        "{p}"
    );
    let mut unknown_type = onboarding("Onboarding");
    unknown_type["sections"][0]["questions"][0]["type"] = json!("essay");
    server
        .post("/api/v1/questionnaire-templates")
        .token(cm)
        .json(&unknown_type)
        .send()
        .await
        .problem(422, "validation_failed");
    let mut shipped_key = onboarding("Onboarding");
    shipped_key["key"] = json!("security-baseline");
    let p = server
        .post("/api/v1/questionnaire-templates")
        .token(cm)
        .json(&shipped_key)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "key");
    server
        .post("/api/v1/questionnaire-templates")
        .token(acme.token(Role::Contributor))
        .json(&onboarding("Onboarding"))
        .send()
        .await
        .problem(403, "forbidden");

    // Added, then a second version under the same key.
    let v1 = server
        .post("/api/v1/questionnaire-templates")
        .token(cm)
        .json(&onboarding("Onboarding"))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(
        (v1["source"].clone(), v1["version"].clone()),
        (json!("tenant"), json!(1))
    );
    let v2 = server
        .post("/api/v1/questionnaire-templates")
        .token(acme.token(Role::Admin))
        .json(&onboarding("Onboarding, second edition"))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(v2["version"], 2);
    let listed = server
        .get("/api/v1/questionnaire-templates")
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let ours: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == "tenant")
        .collect();
    assert_eq!(ours.len(), 1, "{listed}");
    assert_eq!(ours[0]["title"], "Onboarding, second edition");
    assert_eq!(ours[0]["version"], 2);
    // Another tenant sees none of it and cannot send it.
    let theirs = server
        .get("/api/v1/questionnaire-templates")
        .token(world.globex.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert!(!theirs.to_string().contains("onboarding"));

    // Sent like a shipped one, answered, scored.
    let vendor = server
        .post("/api/v1/vendors")
        .token(cm)
        .json(
            &json!({ "name": "Hostly", "data_access": "personal", "tier": "high", "owner": "Ops",
            "contacts": [{ "name": "Ana", "email": "ana@hostly.test" }] }),
        )
        .send()
        .await
        .ok(201)
        .json();
    let vendor = vendor["id"].as_str().unwrap().to_owned();
    let sent = server
        .post(&format!("/api/v1/vendors/{vendor}/questionnaires"))
        .token(cm)
        .json(&json!({ "template": "onboarding", "contact_email": "ana@hostly.test" }))
        .send()
        .await
        .ok(201)
        .json();
    let token = sent["token"].as_str().unwrap().to_owned();
    assert_eq!(
        sent["assessment"]["template"]["title"],
        "Onboarding, second edition"
    );
    let gvendor = server
        .post("/api/v1/vendors")
        .token(world.globex.owner_token())
        .json(
            &json!({ "name": "G", "data_access": "none", "tier": "low", "owner": "o",
            "contacts": [{ "name": "G", "email": "g@g.test" }] }),
        )
        .send()
        .await
        .ok(201)
        .json();
    server
        .post(&format!(
            "/api/v1/vendors/{}/questionnaires",
            gvendor["id"].as_str().unwrap()
        ))
        .token(world.globex.owner_token())
        .json(&json!({ "template": "onboarding", "contact_email": "g@g.test" }))
        .send()
        .await
        .problem(422, "validation_failed");

    // Removal waits for the open questionnaire.
    server
        .delete("/api/v1/questionnaire-templates/onboarding")
        .token(cm)
        .send()
        .await
        .problem(409, "conflict");
    server
        .call(reqwest::Method::PUT, &format!("/api/v1/respond/{token}"))
        .json(&json!({ "submit": true, "answers": {
            "mfa": "yes", "hosting": "other", "controls": ["sso"], "staff": 12,
            "report": { "name": "pentest.pdf", "content_base64": "JVBERi0=" },
        } }))
        .send()
        .await
        .ok(200);
    server
        .delete("/api/v1/questionnaire-templates/security-baseline")
        .token(cm)
        .send()
        .await
        .problem(409, "conflict");
    server
        .delete("/api/v1/questionnaire-templates/onboarding")
        .token(acme.token(Role::Contributor))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .delete("/api/v1/questionnaire-templates/onboarding")
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server
        .delete("/api/v1/questionnaire-templates/onboarding")
        .token(cm)
        .send()
        .await
        .ok(204);
    server
        .delete("/api/v1/questionnaire-templates/onboarding")
        .token(cm)
        .send()
        .await
        .problem(404, "not_found");
    let listed = server
        .get("/api/v1/questionnaire-templates")
        .token(cm)
        .send()
        .await
        .ok(200)
        .json();
    assert!(!listed.to_string().contains("onboarding"));
    // The assessment kept its copy: still shown and scored (3 + 0 + 0.5 + 1 + 1 of 8 = 68.8).
    let detail = server
        .get(&format!("/api/v1/vendors/{vendor}"))
        .token(cm)
        .send()
        .await
        .ok(200)
        .json();
    let a = &detail["assessments"][0];
    assert_eq!(a["template"]["key"], "onboarding");
    assert_eq!(a["scorecard"]["overall"]["score"], 68.8, "{a}");
    server
        .get(&format!("/api/v1/respond/{token}"))
        .send()
        .await
        .ok(200);
    // Re-adding the key continues its versions.
    let v3 = server
        .post("/api/v1/questionnaire-templates")
        .token(cm)
        .json(&onboarding("Onboarding again"))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(v3["version"], 3);
    assert_eq!(
        kinds_of(&server, acme.owner_token(), "vendor.questionnaire_template").await,
        vec![
            "vendor.questionnaire_template.added",
            "vendor.questionnaire_template.removed",
        ]
    );
    server.finish().await;
}
