//! The ledger service over a real store: concurrent appends are group-committed with every
//! sequence number once, payloads come back decrypted and matching their commitment, the
//! sequencer resumes after a restart and survives a second writer, a full queue is refused as
//! overloaded, and checkpoints are signed only on growth and consistent with each other.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use probity_core::keys::{KeyService, tenant_scope};
use probity_core::ledger::{LedgerConfig, LedgerError, LedgerService, StoredCheckpoint};
use probity_core::platform::TenantId;
use probity_core::store::Store;
use probity_core::{Clock, ManualClock};
use probity_crypto::Kek;
use probity_ledger::ed25519::Ed25519NoteVerifier;
use probity_ledger::envelope::{LeafEnvelope, PayloadSalt, verify_commitment};
use probity_ledger::tile::completed_tiles;
use probity_ledger::tree::root_from_leaf_hashes;
use probity_ledger::verify::{verify_consistency, verify_inclusion};
use probity_ledger::{Hash, SignedCheckpoint};
use serde_json::json;

use crate::fixtures::t0;
use crate::harness::{Backend, TestDatabase};

pub(crate) const ORIGIN: &str = "grc.example.com/probity/acme";

pub(crate) fn keys(store: &Arc<dyn Store>) -> Arc<KeyService> {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    Arc::new(KeyService::new(
        Arc::clone(store),
        clock,
        Kek::generate(),
        Vec::new(),
    ))
}

pub(crate) fn ledger(
    store: &Arc<dyn Store>,
    keys: &Arc<KeyService>,
    config: LedgerConfig,
) -> LedgerService {
    LedgerService::new(
        Arc::clone(store),
        Arc::clone(keys),
        Arc::new(ManualClock::new(t0())),
        config,
    )
}

/// Checks head, root and tiles against the stored entries; returns the leaf hashes.
async fn check_tree(store: &Arc<dyn Store>, tenant: TenantId, size: u64) -> Vec<Hash> {
    let head = store.ledger_head(tenant).await.unwrap().unwrap();
    assert_eq!(head.size, size);
    let entries = store.ledger_entries(tenant, 0, size + 10).await.unwrap();
    assert_eq!(entries.len() as u64, size);
    for (seq, entry) in (0..).zip(&entries) {
        let envelope = LeafEnvelope::parse(&entry.envelope).unwrap();
        assert_eq!((envelope.seq(), entry.seq), (seq, seq));
        assert_eq!(envelope.tenant(), tenant.to_string());
        assert_eq!(envelope.leaf_hash(), entry.leaf_hash);
    }
    let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
    assert_eq!(head.root, root_from_leaf_hashes(&leaves));
    let mut stored = Vec::new();
    for level in 0..3 {
        stored.extend(store.ledger_tiles(tenant, level, 0, 10_000).await.unwrap());
    }
    let mut ids: Vec<_> = stored.iter().map(|t| t.id).collect();
    let mut expected = completed_tiles(0, size);
    ids.sort();
    expected.sort();
    assert_eq!(ids, expected, "exactly the full tiles are stored");
    leaves
}

pub(crate) async fn append_concurrently(
    ledger: &Arc<LedgerService>,
    tenant: TenantId,
    tasks: u64,
    each: u64,
) -> Vec<u64> {
    let mut handles = Vec::new();
    for task in 0..tasks {
        let ledger = Arc::clone(ledger);
        handles.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..each {
                let payload = json!({ "task": task, "i": i });
                seqs.push(ledger.append(tenant, "test.event", &payload).await.unwrap());
            }
            seqs
        }));
    }
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await.unwrap());
    }
    all.sort_unstable();
    all
}

pub async fn ledger_concurrent_appends_get_each_seq_once(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let ledger = Arc::new(ledger(&store, &keys, LedgerConfig::default()));
    let tenant = TenantId::new();

    let seqs = append_concurrently(&ledger, tenant, 20, 10).await;
    assert_eq!(seqs, (0..200).collect::<Vec<_>>());
    check_tree(&store, tenant, 200).await;

    // A second wave crosses tile boundaries: 600 entries, two full tiles.
    let seqs = append_concurrently(&ledger, tenant, 20, 20).await;
    assert_eq!(seqs, (200..600).collect::<Vec<_>>());
    let leaves = check_tree(&store, tenant, 600).await;

    let proof = ledger.inclusion_proof(tenant, 300, 600).await.unwrap();
    verify_inclusion(
        &leaves[300],
        300,
        600,
        &proof,
        &root_from_leaf_hashes(&leaves),
    )
    .unwrap();
}

pub async fn ledger_payload_decrypts_and_matches_its_commitment(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let ledger = ledger(&store, &keys, LedgerConfig::default());
    let tenant = TenantId::new();
    let payload = json!({ "control": "A.5.1", "z": [1, 2.5, "x"], "a": { "b": null } });
    let seq = ledger
        .append(tenant, "control.updated", &payload)
        .await
        .unwrap();
    assert_eq!(seq, 0);
    assert_eq!(
        ledger.payload(tenant, seq).await.unwrap(),
        Some(payload.clone())
    );
    assert_eq!(ledger.payload(tenant, 1).await.unwrap(), None);

    // By hand: the stored salt and the decrypted canonical bytes open the commitment.
    let stored = store.ledger_payload(tenant, seq).await.unwrap().unwrap();
    let entry = &store.ledger_entries(tenant, 0, 1).await.unwrap()[0];
    let envelope = LeafEnvelope::parse(&entry.envelope).unwrap();
    assert_eq!(envelope.kind(), "control.updated");
    let aad = format!(
        "probity ledger payload {tenant} {}",
        envelope.payload_commitment().to_hex()
    );
    let canonical = keys
        .decrypt(&tenant_scope(tenant), &stored.ciphertext, aad.as_bytes())
        .await
        .unwrap();
    assert_ne!(
        stored.ciphertext, canonical,
        "the payload is stored encrypted"
    );
    let salt = PayloadSalt::from_bytes(stored.salt.as_slice().try_into().unwrap());
    assert!(verify_commitment(
        envelope.payload_commitment(),
        &salt,
        &canonical
    ));
    assert_eq!(
        canonical,
        br#"{"a":{"b":null},"control":"A.5.1","z":[1,2.5,"x"]}"#.to_vec()
    );

    // A bad kind fails its caller only.
    let err = ledger.append(tenant, "", &payload).await.unwrap_err();
    assert!(matches!(err, LedgerError::Domain(_)), "{err:?}");
    assert_eq!(ledger.append(tenant, "next", &payload).await.unwrap(), 1);
}

pub async fn ledger_sequencer_resumes_after_restart_and_another_writer(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let tenant = TenantId::new();
    let first = Arc::new(ledger(&store, &keys, LedgerConfig::default()));
    append_concurrently(&first, tenant, 10, 30).await;

    // A restarted node (or a second one) rebuilds its tile state from the store.
    let second = ledger(&store, &keys, LedgerConfig::default());
    assert_eq!(second.append(tenant, "b", &json!(1)).await.unwrap(), 300);
    // The first node's cached head is now stale: its compare-and-swap fails, it reloads.
    assert_eq!(first.append(tenant, "a", &json!(2)).await.unwrap(), 301);
    assert_eq!(second.append(tenant, "b", &json!(3)).await.unwrap(), 302);
    check_tree(&store, tenant, 303).await;
}

pub async fn ledger_full_queue_is_overloaded(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let config = LedgerConfig {
        max_batch: 1,
        max_wait: Duration::from_millis(1),
        queue_capacity: 1,
        retry_after_secs: 3,
    };
    let ledger = Arc::new(ledger(&store, &keys, config));
    let tenant = TenantId::new();
    // Warm the keyring so the burst below only races for the queue.
    assert_eq!(ledger.append(tenant, "warm", &json!(0)).await.unwrap(), 0);

    let mut handles = Vec::new();
    for i in 0..50 {
        let ledger = Arc::clone(&ledger);
        handles.push(tokio::spawn(async move {
            ledger.append(tenant, "burst", &json!(i)).await
        }));
    }
    let mut seqs = BTreeSet::new();
    let mut overloaded = 0;
    for handle in handles {
        match handle.await.unwrap() {
            Ok(seq) => assert!(seqs.insert(seq)),
            Err(LedgerError::Overloaded { retry_after_secs }) => {
                assert_eq!(retry_after_secs, 3);
                overloaded += 1;
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert!(
        overloaded > 0,
        "a queue of one refuses part of a burst of 50"
    );
    assert_eq!(seqs, (1..=seqs.len() as u64).collect());
    check_tree(&store, tenant, seqs.len() as u64 + 1).await;
}

pub async fn ledger_checkpoints_are_signed_on_growth_and_consistent(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let ledger = Arc::new(ledger(&store, &keys, LedgerConfig::default()));
    let tenant = TenantId::new();
    assert_eq!(ledger.sign_checkpoint(tenant, ORIGIN).await.unwrap(), None);

    append_concurrently(&ledger, tenant, 2, 5).await;
    let first = ledger
        .sign_checkpoint(tenant, ORIGIN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.size, 10);
    assert_eq!(
        ledger.sign_checkpoint(tenant, ORIGIN).await.unwrap(),
        None,
        "nothing changed"
    );

    append_concurrently(&ledger, tenant, 10, 29).await;
    let second = ledger
        .sign_checkpoint(tenant, ORIGIN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.size, 300);
    let leaves = check_tree(&store, tenant, 300).await;
    assert_eq!(second.root, root_from_leaf_hashes(&leaves));

    // An auditor with the verifier key opens both notes and checks consistency.
    let key = ledger.verifier_key(ORIGIN).await.unwrap();
    let verifier = Ed25519NoteVerifier::from_key(&key).unwrap();
    let old = SignedCheckpoint::open(first.signed_note.as_bytes(), ORIGIN, &verifier, &[]).unwrap();
    let new =
        SignedCheckpoint::open(second.signed_note.as_bytes(), ORIGIN, &verifier, &[]).unwrap();
    assert_eq!((old.checkpoint.size(), new.checkpoint.size()), (10, 300));
    let proof = ledger.consistency_proof(tenant, 10, 300).await.unwrap();
    verify_consistency(
        10,
        300,
        &proof,
        old.checkpoint.root(),
        new.checkpoint.root(),
    )
    .unwrap();
    assert_eq!(
        store.checkpoints(tenant, None, 10).await.unwrap(),
        vec![first, second]
    );

    // The log key is install-wide and persistent: a restarted node signs with the same key.
    let restarted = ledger_with_same_keys(&store, &keys);
    assert_eq!(restarted.verifier_key(ORIGIN).await.unwrap(), key);
}

fn ledger_with_same_keys(store: &Arc<dyn Store>, keys: &Arc<KeyService>) -> LedgerService {
    ledger(store, keys, LedgerConfig::default())
}

pub async fn ledger_refuses_to_sign_a_tree_inconsistent_with_its_checkpoint(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let ledger = Arc::new(ledger(&store, &keys, LedgerConfig::default()));
    let tenant = TenantId::new();
    append_concurrently(&ledger, tenant, 2, 5).await;
    // A checkpoint of size 5 whose root is not the root of the first five entries.
    let forged = StoredCheckpoint {
        size: 5,
        root: Hash::new([9; 32]),
        signed_note: "forged".to_owned(),
        created_at: t0(),
    };
    store.insert_checkpoint(tenant, &forged).await.unwrap();
    let err = ledger.sign_checkpoint(tenant, ORIGIN).await.unwrap_err();
    assert!(err.to_string().contains("not consistent"), "{err}");
    assert_eq!(store.latest_checkpoint(tenant).await.unwrap(), Some(forged));
}

/// Two stores on one database stand for two nodes: on PostgreSQL the second node waits for the
/// first one's sequencing lock, and a lock dropped without release (a node that died mid-batch)
/// does not block the next; SQLite, one process per data directory, needs no lock.
pub async fn ledger_sequencing_lock_excludes_other_nodes(db: &TestDatabase) {
    let node_a = db.open().await;
    let node_b = db.open().await;
    let tenant = TenantId::new();
    let other_tenant = TenantId::new();
    let held = node_a.lock_sequencing(tenant).await.unwrap();
    let waiting = {
        let node_b = Arc::clone(&node_b);
        tokio::spawn(async move { node_b.lock_sequencing(tenant).await.unwrap() })
    };
    // Another tenant's log is not held up.
    let free = tokio::time::timeout(
        Duration::from_secs(10),
        node_b.lock_sequencing(other_tenant),
    )
    .await
    .expect("another tenant's lock is free")
    .unwrap();
    free.release().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    match db.backend() {
        Backend::Postgres => assert!(!waiting.is_finished(), "the lock is exclusive"),
        // SQLite's no-op lock is granted at once.
        Backend::Sqlite => {}
    }
    held.release().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("released locks are granted")
        .unwrap();
    // Dropped without release: its session closes and the lock goes with it.
    drop(second);
    let third = tokio::time::timeout(Duration::from_secs(10), node_a.lock_sequencing(tenant))
        .await
        .expect("a dropped lock is released")
        .unwrap();
    third.release().await.unwrap();
}

/// Two nodes (two stores, two ledger services) append to one tenant concurrently: one tree with
/// every sequence number once, no gaps. On PostgreSQL the sequencing lock lets every append
/// through; on SQLite (not a supported multi-writer setup) the compare-and-swap may refuse a
/// batch as `HeadMoved`, but what was acknowledged is exactly what is stored.
pub async fn ledger_two_nodes_append_to_one_log(db: &TestDatabase) {
    let node_a = db.open().await;
    let node_b = db.open().await;
    // Both nodes must read the tenant's data key with the same key-encryption key.
    let kek = Kek::generate();
    let keys_for = |store: &Arc<dyn Store>| {
        Arc::new(KeyService::new(
            Arc::clone(store),
            Arc::new(ManualClock::new(t0())),
            kek.clone(),
            Vec::new(),
        ))
    };
    let ledgers = [
        Arc::new(ledger(&node_a, &keys_for(&node_a), LedgerConfig::default())),
        Arc::new(ledger(&node_b, &keys_for(&node_b), LedgerConfig::default())),
    ];
    let tenant = TenantId::new();
    // The first append makes the tenant's data key; then both nodes race.
    assert_eq!(
        ledgers[0].append(tenant, "warm", &json!(0)).await.unwrap(),
        0
    );
    let mut handles = Vec::new();
    for task in 0..16u64 {
        let ledger = Arc::clone(&ledgers[(task % 2) as usize]);
        handles.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for i in 0..40u64 {
                let payload = json!({ "task": task, "i": i });
                results.push(ledger.append(tenant, "test.event", &payload).await);
            }
            results
        }));
    }
    let mut acknowledged = BTreeSet::from([0]);
    let mut refused = 0;
    for handle in handles {
        for result in handle.await.unwrap() {
            match result {
                Ok(seq) => assert!(acknowledged.insert(seq), "seq {seq} acknowledged twice"),
                Err(LedgerError::HeadMoved) if db.backend() == Backend::Sqlite => refused += 1,
                Err(e) => panic!("append failed: {e}"),
            }
        }
    }
    let size = acknowledged.len() as u64;
    assert_eq!(size + refused, 641);
    assert_eq!(acknowledged, (0..size).collect(), "no gaps");
    check_tree(&node_b, tenant, size).await;
}

/// A batch is admitted whole or not at all: one larger than the free queue is refused as
/// overloaded with nothing appended; a bad kind fails only its own event.
pub async fn ledger_batch_admission_is_all_or_nothing(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let config = LedgerConfig {
        queue_capacity: 4,
        retry_after_secs: 2,
        ..LedgerConfig::default()
    };
    let ledger = ledger(&store, &keys, config);
    let tenant = TenantId::new();
    let payload = json!({ "x": 1 });
    let five: Vec<(&str, &serde_json::Value)> = vec![("a.b", &payload); 5];
    match ledger.append_many(tenant, &five).await {
        Err(LedgerError::Overloaded { retry_after_secs }) => assert_eq!(retry_after_secs, 2),
        other => panic!("expected overloaded, got {other:?}"),
    }
    assert_eq!(store.ledger_head(tenant).await.unwrap(), None);
    let mixed: Vec<(&str, &serde_json::Value)> = vec![
        ("a.b", &payload),
        ("bad kind\n", &payload),
        ("c.d", &payload),
    ];
    let results = ledger.append_many(tenant, &mixed).await.unwrap();
    assert!(matches!(results[0], Ok(0)), "{results:?}");
    assert!(
        matches!(
            results[1],
            Err(LedgerError::Domain(probity_core::DomainError::Validation(
                _
            )))
        ),
        "{results:?}"
    );
    assert!(matches!(results[2], Ok(1)), "{results:?}");
    check_tree(&store, tenant, 2).await;
}

/// Payloads read by range come back in order, decrypted, and only those of the range and the
/// tenant.
pub async fn ledger_payloads_open_by_range(store: Arc<dyn Store>) {
    let keys = keys(&store);
    let ledger = ledger(&store, &keys, LedgerConfig::default());
    let tenant = TenantId::new();
    let other = TenantId::new();
    for n in 0..5 {
        ledger
            .append(tenant, "a.b", &json!({ "n": n }))
            .await
            .unwrap();
    }
    ledger
        .append(other, "a.b", &json!({ "n": 99 }))
        .await
        .unwrap();
    let opened = ledger.open_payloads(tenant, 1, 4).await.unwrap();
    let seqs: Vec<u64> = opened.iter().map(|p| p.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    for p in &opened {
        assert_eq!(p.content.as_ref().unwrap()["n"], p.seq);
        assert_eq!(p.salt.len(), 32);
    }
    assert!(ledger.open_payloads(tenant, 5, 9).await.unwrap().is_empty());
    assert_eq!(store.ledger_payloads(other, 0, 10).await.unwrap().len(), 1);
}
