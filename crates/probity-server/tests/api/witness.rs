//! The witness client against a real witness (the `add-checkpoint` app over its SQLite state,
//! on port 0): a signed checkpoint gets a cosignature that verifies with the witness key and is
//! served with the checkpoint; growth is cosigned again from the witness's size; a witness that
//! lost its state (409) is caught up in one retry; an unreachable witness stores nothing and
//! blocks nothing.

use std::sync::Arc;

use probity_core::SystemClock;
use probity_core::platform::Role;
use probity_core::witness::WitnessService;
use probity_ledger::SignedCheckpoint;
use probity_ledger::cosignature::CosignatureSigner;
use probity_ledger::ed25519::{Ed25519NoteVerifier, SigningKey};
use probity_ledger::note::NoteVerifier as _;
use probity_server::witness_task::{WitnessClient, WitnessEndpoint, tick};

use crate::harness::{TestDatabase, TestServer, seed};

/// A witness on port 0 with its state in `dir`; returns its URL and verifier key text.
async fn start_witness(dir: &std::path::Path, seed_byte: u8, logs: &[String]) -> (String, String) {
    let db = probity_store::WitnessDb::open(&dir.join("witness.db"))
        .await
        .unwrap();
    let signer =
        CosignatureSigner::new("witness.test/w", SigningKey::from_bytes(&[seed_byte; 32])).unwrap();
    let witness = Arc::new(WitnessService::new(
        Arc::new(db),
        signer,
        Arc::new(SystemClock),
    ));
    for key in logs {
        witness.add_log(key, None).await.unwrap();
    }
    let key = witness.verifier_key().to_text();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = probity_server::witness_api::witness_app(witness);
    tokio::spawn(probity_server::serve(listener, app, std::future::pending()));
    (url, key)
}

pub async fn witness_client_collects_cosignatures(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let token = acme.token(Role::Auditor);
    probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    let key_view = server
        .get("/api/v1/ledger/verifier-key")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    let log_key = key_view["verifier_key"].as_str().unwrap().to_owned();
    let origin = key_view["origin"].as_str().unwrap().to_owned();
    let log = Ed25519NoteVerifier::from_key_text(&log_key).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (url, witness_key) = start_witness(dir.path(), 7, std::slice::from_ref(&log_key)).await;
    let endpoint = WitnessEndpoint::new(&url, &witness_key).unwrap();
    let cosigner = endpoint.verifier.clone();
    // An unreachable witness beside it: logged and skipped, never blocking the other.
    let dead = WitnessEndpoint::new(
        "http://127.0.0.1:9",
        &CosignatureSigner::new("dead.test/w", SigningKey::from_bytes(&[8; 32]))
            .unwrap()
            .verifier_key()
            .to_text(),
    )
    .unwrap();
    let client = WitnessClient::new(vec![dead, endpoint]).unwrap();

    // Only acme's origin is known to the witness: the other tenant is refused (404) and stays
    // uncosigned.
    assert_eq!(tick(&server.state, &client).await.unwrap(), 1);
    let view = server
        .get("/api/v1/ledger/checkpoint")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["cosignatures"][0]["witness"], "witness.test/w");
    assert_eq!(
        view["cosignatures"][0]["key_id"],
        format!("{:08x}", cosigner.key_id())
    );
    let note = view["signed_note"].as_str().unwrap();
    let opened = SignedCheckpoint::open(note.as_bytes(), &origin, &log, &[&cosigner]).unwrap();
    assert_eq!(opened.cosigned_by.len(), 1);
    // The dashboard's ledger widget names the witness that cosigned the latest checkpoint.
    let session = server
        .login(acme.owner_email(), crate::harness::PASSWORD)
        .await;
    let dashboard = server.get("/").cookie(&session).send().await.ok(200);
    assert!(
        dashboard
            .text
            .contains("<dd id=\"cosigners\">1: witness.test/w</dd>"),
        "{}",
        dashboard.text
    );
    let first_size = view["size"].as_u64().unwrap();
    let globex = server
        .get("/api/v1/ledger/checkpoint")
        .token(world.globex.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(globex["cosignatures"], serde_json::json!([]));
    // Nothing new: nothing sent, nothing stored.
    assert_eq!(tick(&server.state, &client).await.unwrap(), 0);

    // The log grows: the next checkpoint is cosigned from the witness's size.
    server
        .state
        .ledger()
        .append(acme.tenant.id, "test.grow", &serde_json::json!({"n": 1}))
        .await
        .unwrap();
    probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!(tick(&server.state, &client).await.unwrap(), 1);
    let view = server
        .get("/api/v1/ledger/checkpoint")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    assert!(view["size"].as_u64().unwrap() > first_size);
    SignedCheckpoint::open(
        view["signed_note"].as_str().unwrap().as_bytes(),
        &origin,
        &log,
        &[&cosigner],
    )
    .unwrap();

    // A second witness key whose state is ahead of what we stored (we never saw its answer):
    // the 409 names its size and one retry from there succeeds.
    let dir2 = tempfile::tempdir().unwrap();
    let (url2, key2) = start_witness(dir2.path(), 9, std::slice::from_ref(&log_key)).await;
    let second = WitnessEndpoint::new(&url2, &key2).unwrap();
    let catch_up = WitnessClient::new(vec![second.clone()]).unwrap();
    let ledger = server.state.ledger();
    let latest = ledger
        .latest_checkpoint(acme.tenant.id)
        .await
        .unwrap()
        .unwrap();
    let request = ledger
        .witness_request(acme.tenant.id, &latest, 0)
        .await
        .unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{url2}/add-checkpoint"))
        .body(request.to_body())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "cosigned behind the client's back");
    server
        .state
        .ledger()
        .append(acme.tenant.id, "test.grow", &serde_json::json!({"n": 2}))
        .await
        .unwrap();
    probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!(tick(&server.state, &catch_up).await.unwrap(), 1);
    let view = server
        .get("/api/v1/ledger/checkpoint")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    SignedCheckpoint::open(
        view["signed_note"].as_str().unwrap().as_bytes(),
        &origin,
        &log,
        &[&second.verifier],
    )
    .unwrap();
    server.finish().await;
}
