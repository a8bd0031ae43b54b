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
        .json(&json!({ "key": "access-control", "template": "access-control", "owner": "CISO", "required_approvals": 2 }))
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
