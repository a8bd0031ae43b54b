//! Witnessing: cosignatures are stored per checkpoint size and witness key and stay in their
//! tenant; the ledger service builds `add-checkpoint` requests a real witness accepts, stores
//! only cosignatures that verify, and serves the checkpoint with them; and the witness's own
//! SQLite state lets exactly one of two concurrent requests move a log forward.

use std::sync::Arc;

use probity_core::ledger::witnessing::CosignatureRejected;
use probity_core::ledger::{LedgerConfig, StoredCosignature};
use probity_core::platform::TenantId;
use probity_core::store::{Store, StoreError};
use probity_core::witness::{AddCheckpointError, WitnessService};
use probity_core::{Clock, ManualClock};
use probity_ledger::cosignature::CosignatureSigner;
use probity_ledger::ed25519::{Ed25519NoteVerifier, SigningKey};
use probity_ledger::witness::{Refusal, WitnessedHead, check_request, parse_request};
use probity_ledger::{Checkpoint, Hash, Note, SignedCheckpoint};

use crate::fixtures::{at, t0};
use crate::ledger_service::{ORIGIN, append_concurrently, keys, ledger};

fn cosignature(size: u64, witness: &str, key_id: u32, seconds: i64) -> StoredCosignature {
    StoredCosignature {
        size,
        witness_name: witness.to_owned(),
        witness_key_id: key_id,
        signature_line: format!("\u{2014} {witness} AAAAAQID{size}"),
        cosigned_at: at(seconds),
        created_at: at(seconds + 1),
    }
}

pub async fn ledger_cosignatures_are_kept_per_size_and_witness(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    let other = TenantId::new();
    assert_eq!(
        store
            .latest_cosigned_size(tenant, "w.example/a", 1)
            .await
            .unwrap(),
        None
    );
    let a5 = cosignature(5, "w.example/a", 1, 10);
    let a9 = cosignature(9, "w.example/a", 1, 20);
    let b9 = cosignature(9, "w.example/b", u32::MAX, 30);
    for c in [&a9, &a5, &b9] {
        store.insert_cosignature(tenant, c).await.unwrap();
    }
    store
        .insert_cosignature(other, &cosignature(50, "w.example/a", 1, 40))
        .await
        .unwrap();
    assert_eq!(
        store.cosignatures(tenant, 9).await.unwrap(),
        vec![a9.clone(), b9.clone()]
    );
    assert_eq!(store.cosignatures(tenant, 5).await.unwrap(), vec![a5]);
    assert!(store.cosignatures(tenant, 7).await.unwrap().is_empty());
    assert_eq!(
        store
            .latest_cosigned_size(tenant, "w.example/a", 1)
            .await
            .unwrap(),
        Some(9)
    );
    assert_eq!(
        store
            .latest_cosigned_size(tenant, "w.example/b", u32::MAX)
            .await
            .unwrap(),
        Some(9)
    );
    assert_eq!(
        store
            .latest_cosigned_size(tenant, "w.example/a", 2)
            .await
            .unwrap(),
        None,
        "another key of the same name is another witness"
    );
    assert_eq!(
        store
            .latest_cosigned_size(other, "w.example/a", 1)
            .await
            .unwrap(),
        Some(50)
    );
    let err = store
        .insert_cosignature(tenant, &cosignature(9, "w.example/a", 1, 99))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.cosignatures(tenant, 9).await.unwrap()[0], a9);
}

/// A witness in memory: the pure protocol rules over one log's state.
struct Witness {
    signer: CosignatureSigner,
    head: WitnessedHead,
}

impl Witness {
    fn answer(&mut self, body: &str, log: &Ed25519NoteVerifier) -> Result<String, Refusal> {
        let (request, _) = parse_request(body.as_bytes())?;
        let accepted = check_request(&request, ORIGIN, log, self.head)?;
        self.head = WitnessedHead {
            size: accepted.size(),
            root: *accepted.root(),
        };
        Ok(self
            .signer
            .cosign(request.checkpoint.text(), 1_800_000_000)
            .unwrap()
            .to_line())
    }
}

pub async fn ledger_service_collects_and_serves_cosignatures(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let ledger = Arc::new(ledger(&store, &keys, LedgerConfig::default()));
    let tenant = TenantId::new();
    let log_key = ledger.verifier_key(ORIGIN).await.unwrap();
    let log = Ed25519NoteVerifier::from_key(&log_key).unwrap();
    let mut witness = Witness {
        signer: CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[4; 32]))
            .unwrap(),
        head: WitnessedHead::EMPTY,
    };
    let verifier = witness.signer.verifier();

    append_concurrently(&ledger, tenant, 2, 5).await;
    let first = ledger
        .sign_checkpoint(tenant, ORIGIN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ledger.witness_old_size(tenant, &verifier).await.unwrap(), 0);
    let request = ledger.witness_request(tenant, &first, 0).await.unwrap();
    assert!(request.proof.is_empty());
    let answer = witness.answer(&request.to_body(), &log).unwrap();
    let lines = probity_ledger::witness::parse_cosignatures(answer.as_bytes()).unwrap();

    // A cosignature by a different key under the witness's name is refused, and nothing stored.
    let impostor =
        CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[5; 32])).unwrap();
    let forged = impostor.cosign(
        &Checkpoint::new(ORIGIN, 1, Hash([0; 32])).unwrap().to_body(),
        1,
    );
    let forged = forged.unwrap();
    let missing = ledger
        .record_cosignatures(tenant, &first, &verifier, &[forged])
        .await
        .unwrap();
    assert!(
        matches!(missing, Err(CosignatureRejected::Missing { .. })),
        "{missing:?}"
    );
    let wrong_body = witness
        .signer
        .cosign(
            &Checkpoint::new(ORIGIN, 10, Hash([0; 32]))
                .unwrap()
                .to_body(),
            1,
        )
        .unwrap();
    let invalid = ledger
        .record_cosignatures(tenant, &first, &verifier, &[wrong_body])
        .await
        .unwrap();
    assert!(
        matches!(invalid, Err(CosignatureRejected::Invalid { .. })),
        "{invalid:?}"
    );
    assert!(ledger.cosignatures(tenant, 10).await.unwrap().is_empty());

    let stored = ledger
        .record_cosignatures(tenant, &first, &verifier, &lines)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, 1);
    let again = ledger
        .record_cosignatures(tenant, &first, &verifier, &lines)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, 0, "a cosignature is stored once");
    let cosigned = ledger
        .latest_cosigned_checkpoint(tenant)
        .await
        .unwrap()
        .unwrap();
    let opened =
        SignedCheckpoint::open(cosigned.signed_note.as_bytes(), ORIGIN, &log, &[&verifier])
            .unwrap();
    assert_eq!(
        opened.cosigned_by,
        vec![("witness.example/w1".to_owned(), verifier_key_id(&witness))]
    );
    let stored = ledger.cosignatures(tenant, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].cosigned_at.timestamp(), 1_800_000_000);

    // The next checkpoint is sent with a consistency proof from the size the witness cosigned.
    append_concurrently(&ledger, tenant, 3, 100).await;
    let second = ledger
        .sign_checkpoint(tenant, ORIGIN)
        .await
        .unwrap()
        .unwrap();
    let old = ledger.witness_old_size(tenant, &verifier).await.unwrap();
    assert_eq!(old, 10);
    let request = ledger.witness_request(tenant, &second, old).await.unwrap();
    assert!(!request.proof.is_empty());
    let answer = witness.answer(&request.to_body(), &log).unwrap();
    let lines = probity_ledger::witness::parse_cosignatures(answer.as_bytes()).unwrap();
    ledger
        .record_cosignatures(tenant, &second, &verifier, &lines)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ledger.witness_old_size(tenant, &verifier).await.unwrap(),
        310
    );
    // The stored notes themselves stay as the log signed them.
    let plain = store.latest_checkpoint(tenant).await.unwrap().unwrap();
    assert_eq!(
        Note::parse(plain.signed_note.as_bytes())
            .unwrap()
            .signatures()
            .len(),
        1
    );
}

fn verifier_key_id(witness: &Witness) -> u32 {
    witness.signer.key_id()
}

fn log_signer() -> probity_ledger::ed25519::Ed25519NoteSigner {
    probity_ledger::ed25519::Ed25519NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[8; 32]))
        .unwrap()
}

fn add_checkpoint_body(size: u64) -> String {
    let note = Checkpoint::new(ORIGIN, size, Hash([size as u8; 32]))
        .unwrap()
        .sign(&log_signer())
        .unwrap();
    format!("old 0\n\n{}", note.to_text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn witness_db_lets_one_of_two_concurrent_requests_win() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("witness.db");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let signer =
        CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[6; 32])).unwrap();
    let db = probity_store::WitnessDb::open(&path).await.unwrap();
    let witness = Arc::new(WitnessService::new(
        Arc::new(db),
        signer,
        Arc::clone(&clock),
    ));
    let log_key = log_signer().verifier_key().to_text();
    witness.add_log(&log_key, None).await.unwrap();
    assert!(
        witness.add_log(&log_key, None).await.is_err(),
        "an origin is added once"
    );

    // Two requests from the same old size: whichever order they run in, exactly one moves the
    // log and the other is told the new size.
    let (wa, wb) = (Arc::clone(&witness), Arc::clone(&witness));
    let (body_a, body_b) = (add_checkpoint_body(11), add_checkpoint_body(12));
    let ta = tokio::spawn(async move { wa.add_checkpoint(body_a.as_bytes()).await });
    let tb = tokio::spawn(async move { wb.add_checkpoint(body_b.as_bytes()).await });
    let results = [ta.await.unwrap(), tb.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "exactly one request wins: {results:?}"
    );
    let lost = results.iter().find(|r| r.is_err()).unwrap();
    let size = witness.logs().await.unwrap()[0].size;
    assert!(size == 11 || size == 12);
    assert!(
        matches!(
            lost,
            Err(AddCheckpointError::Refused(Refusal::OldSizeMismatch { latest })) if *latest == size
        ),
        "{lost:?}"
    );
    // State survives reopening the file.
    let reopened = probity_store::WitnessDb::open(&path).await.unwrap();
    let witness = WitnessService::new(
        Arc::new(reopened),
        CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[6; 32])).unwrap(),
        clock,
    );
    let logs = witness.logs().await.unwrap();
    assert_eq!(logs.len(), 1);
    assert!(logs[0].size == 11 || logs[0].size == 12);
    assert!(
        logs[0]
            .checkpoint
            .as_deref()
            .is_some_and(|c| c.contains(ORIGIN))
    );
}
