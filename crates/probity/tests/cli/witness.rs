//! Witnessing through the real binary: `probity witness serve` answers `add-checkpoint` with the
//! status codes of C2SP tlog-witness (and refuses forked histories signed with the log's own
//! key), and a real `probity serve` configured with that witness collects cosignatures that
//! verify with the witness key, serves them with the checkpoint and exports them in bundles.

use std::path::Path;
use std::time::{Duration, Instant};

use probity_ledger::cosignature::CosignatureVerifier;
use probity_ledger::ed25519::{Ed25519NoteSigner, Ed25519NoteVerifier, SigningKey};
use probity_ledger::proof::reference;
use probity_ledger::witness::{AddCheckpointRequest, parse_cosignatures};
use probity_ledger::{Checkpoint, Hash, SignedCheckpoint, leaf_hash};
use tempfile::TempDir;

use super::{Running, probity, spawn_probity};

fn stdout(dir: &Path, args: &[&str]) -> String {
    let out = probity(dir).args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_owned()
}

fn start_witness(dir: &Path) -> (Running, String) {
    spawn_probity(
        dir,
        &[],
        &["witness", "serve", "--listen", "127.0.0.1:0"],
        "listening on ",
    )
}

const ORIGIN: &str = "log.example.test/probity/acme";

fn log_signer(seed: u8) -> Ed25519NoteSigner {
    Ed25519NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[seed; 32])).unwrap()
}

fn leaves(tag: &str, n: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("{tag}{i}").as_bytes()))
        .collect()
}

/// The add-checkpoint body for the tree of `new` leaves, signed by `signer`, proving
/// consistency from its first `old` leaves.
fn body(signer: &Ed25519NoteSigner, old: u64, new: &[Hash]) -> String {
    let size = new.len() as u64;
    let proof = if old == 0 || old == size {
        Vec::new()
    } else {
        reference::consistency_proof(new, old).unwrap()
    };
    let note = Checkpoint::new(ORIGIN, size, reference::root(new))
        .unwrap()
        .sign(signer)
        .unwrap();
    AddCheckpointRequest::new(old, proof, note)
        .unwrap()
        .to_body()
}

async fn post(url: &str, body: String) -> (u16, Option<String>, String) {
    let response = reqwest::Client::new()
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().await.unwrap())
}

#[test]
fn witness_answers_add_checkpoint_as_the_specification_says() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    let witness_key = stdout(p, &["witness", "key", "--name", "witness.example.test/w1"]);
    assert!(
        witness_key.starts_with("witness.example.test/w1+"),
        "{witness_key}"
    );
    let cosigner = CosignatureVerifier::from_key_text(&witness_key).unwrap();
    let log = log_signer(1);
    probity(p)
        .args(["witness", "add-log", "--key", &log.verifier_key().to_text()])
        .assert()
        .success();
    probity(p)
        .args(["witness", "add-log", "--key", "not-a-key"])
        .assert()
        .code(2);
    let (_witness, url) = start_witness(p);
    let history = leaves("a", 40);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // Malformed bodies: 400.
        for bad in [
            "".to_owned(),
            "old x\n\n".to_owned(),
            body(&log, 0, &history[..10]).replacen("old 0", "old 00", 1),
            "old 0\n\nno signature\n".to_owned(),
        ] {
            assert_eq!(post(&url, bad.clone()).await.0, 400, "{bad:?}");
        }
        // Unknown origin: 404.
        let stranger_log =
            Ed25519NoteSigner::new("other.example/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let note = Checkpoint::new("other.example/log", 1, history[0])
            .unwrap()
            .sign(&stranger_log)
            .unwrap();
        let unknown = format!("old 0\n\n{note}");
        assert_eq!(post(&url, unknown).await.0, 404);
        // Not signed by the known log key: 403.
        assert_eq!(
            post(&url, body(&log_signer(2), 0, &history[..10])).await.0,
            403
        );

        // The first checkpoint: 200 with a cosignature that verifies with the witness key.
        let (status, _, answer) = post(&url, body(&log, 0, &history[..10])).await;
        assert_eq!(status, 200, "{answer}");
        let lines = parse_cosignatures(answer.as_bytes()).unwrap();
        assert_eq!(lines.len(), 1);
        let checkpoint_body = Checkpoint::new(ORIGIN, 10, reference::root(&history[..10]))
            .unwrap()
            .to_body();
        cosigner
            .verify_cosignature(&checkpoint_body, lines[0].signature())
            .unwrap();

        // A stale old size: 409 with the witness's size as text/x.tlog.size.
        let (status, content_type, text) = post(&url, body(&log, 0, &history[..12])).await;
        assert_eq!(
            (status, content_type.as_deref(), text.as_str()),
            (409, Some("text/x.tlog.size"), "10\n")
        );
        // Old size above the checkpoint size: 400.
        let backwards = body(&log, 0, &history[..5]).replacen("old 0", "old 10", 1);
        assert_eq!(post(&url, backwards).await.0, 400);
        // A bad consistency proof: 422.
        let mut bad_proof = body(&log, 10, &history[..20]);
        let first_proof_line = bad_proof.lines().nth(1).unwrap().to_owned();
        bad_proof = bad_proof.replacen(&first_proof_line, &Hash([7; 32]).to_base64(), 1);
        assert_eq!(post(&url, bad_proof).await.0, 422);

        // A forked history signed with the log's own key: same size, another root (409) ...
        let mut fork = history.clone();
        fork[3] = leaf_hash(b"rewritten");
        let (status, content_type, text) = post(&url, body(&log, 10, &fork[..10])).await;
        assert_eq!(
            (status, content_type.as_deref(), text.as_str()),
            (409, Some("text/x.tlog.size"), "10\n")
        );
        // ... and a larger tree that does not extend the cosigned one, with a proof that is
        // valid within the fork (422).
        assert_eq!(post(&url, body(&log, 10, &fork[..30])).await.0, 422);

        // The honest extension: 200; the same checkpoint again: 200.
        assert_eq!(post(&url, body(&log, 10, &history[..30])).await.0, 200);
        assert_eq!(post(&url, body(&log, 30, &history[..30])).await.0, 200);
        // Unknown routes: 404.
        let missing = reqwest::get(format!("{url}/checkpoint")).await.unwrap();
        assert_eq!(missing.status(), 404);
    });
    let logs: serde_json::Value =
        serde_json::from_str(&stdout(p, &["witness", "logs", "--output", "json"])).unwrap();
    assert_eq!(logs[0]["origin"], ORIGIN);
    assert_eq!(logs[0]["size"], 30);
}

async fn checkpoint(url: &str, token: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .get(format!("{url}/api/v1/ledger/checkpoint"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    if response.status() == 404 {
        return serde_json::Value::Null;
    }
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Polls the checkpoint until one of `size` at least carries a cosignature.
async fn cosigned(url: &str, token: &str, size: u64) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let view = checkpoint(url, token).await;
        let done = view["size"].as_u64().is_some_and(|s| s >= size)
            && view["cosignatures"]
                .as_array()
                .is_some_and(|c| !c.is_empty());
        if done {
            return view;
        }
        assert!(Instant::now() < deadline, "no cosigned checkpoint: {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn server_collects_cosignatures_from_a_witness() {
    let witness_dir = TempDir::new().unwrap();
    let w = witness_dir.path();
    let dir = TempDir::new().unwrap();
    let p = dir.path();

    stdout(p, &["tenant", "create", "--slug", "acme", "--name", "Acme"]);
    stdout(
        p,
        &[
            "ledger",
            "append",
            "--tenant",
            "acme",
            "--kind",
            "test.event",
            "--json",
            r#"{"n":1}"#,
            "--count",
            "5",
        ],
    );
    let log_key = stdout(p, &["ledger", "key", "--tenant", "acme"]);
    let origin = log_key.split('+').next().unwrap().to_owned();
    assert_eq!(origin, "127.0.0.1:8080/probity/acme");
    let token = stdout(
        p,
        &["token", "create", "--tenant", "acme", "--role", "auditor"],
    );

    let witness_key = stdout(w, &["witness", "key", "--name", "auditor.example.test/w"]);
    probity(w)
        .args(["witness", "add-log", "--key", &log_key])
        .assert()
        .success();
    let (_witness, witness_url) = start_witness(w);
    std::fs::write(
        p.join("probity.toml"),
        format!(
            "[[ledger.witnesses]]\nurl = \"{witness_url}\"\nverifier_key = \"{witness_key}\"\n"
        ),
    )
    .unwrap();
    probity(p)
        .args(["config", "check"])
        .assert()
        .success()
        .stdout(predicates::str::contains(witness_url.as_str()));
    let (server, url) = spawn_probity(
        p,
        &[],
        &["serve", "--demo", "--bind", "127.0.0.1:0"],
        "URL:",
    );

    let log = Ed25519NoteVerifier::from_key_text(&log_key).unwrap();
    let cosigner = CosignatureVerifier::from_key_text(&witness_key).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let first = rt.block_on(cosigned(&url, &token, 1));
    let note = first["signed_note"].as_str().unwrap();
    let opened = SignedCheckpoint::open(note.as_bytes(), &origin, &log, &[&cosigner]).unwrap();
    assert_eq!(
        opened.cosigned_by,
        vec![(
            "auditor.example.test/w".to_owned(),
            cosigner_key_id(&cosigner)
        )]
    );
    assert_eq!(
        first["cosignatures"][0]["witness"],
        "auditor.example.test/w"
    );
    let first_size = first["size"].as_u64().unwrap();

    // The log grows while serving: the next checkpoint is cosigned too, which the witness only
    // does with a valid consistency proof from the size it cosigned before.
    stdout(
        p,
        &[
            "ledger",
            "append",
            "--tenant",
            "acme",
            "--kind",
            "test.event",
            "--json",
            r#"{"n":2}"#,
            "--count",
            "300",
        ],
    );
    let second = rt.block_on(cosigned(&url, &token, first_size + 300));
    let note = second["signed_note"].as_str().unwrap();
    let opened = SignedCheckpoint::open(note.as_bytes(), &origin, &log, &[&cosigner]).unwrap();
    assert_eq!(opened.cosigned_by.len(), 1);
    let logs: serde_json::Value =
        serde_json::from_str(&stdout(w, &["witness", "logs", "--output", "json"])).unwrap();
    assert!(
        logs[0]["size"].as_u64().unwrap() >= first_size + 300,
        "{logs}"
    );
    drop(server);

    // The exported bundle carries the cosignature; `verify --witness-key` reports it.
    let bundle = p.join("bundle");
    stdout(
        p,
        &[
            "audit",
            "export",
            "--tenant",
            "acme",
            "--out",
            bundle.to_str().unwrap(),
        ],
    );
    let verdict = stdout(
        p,
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--verifier-key",
            &log_key,
            "--witness-key",
            &witness_key,
        ],
    );
    assert!(
        verdict.contains("cosigned by witness auditor.example.test/w at "),
        "{verdict}"
    );
    let other_witness = probity_ledger::cosignature::CosignatureSigner::new(
        "other.example.test/w",
        SigningKey::from_bytes(&[3; 32]),
    )
    .unwrap()
    .verifier_key()
    .to_text();
    let verdict = stdout(
        p,
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--witness-key",
            &other_witness,
        ],
    );
    assert!(
        verdict.contains("not cosigned by witness other.example.test/w"),
        "{verdict}"
    );
}

fn cosigner_key_id(verifier: &CosignatureVerifier) -> u32 {
    probity_ledger::note::NoteVerifier::key_id(verifier)
}
