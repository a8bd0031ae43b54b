//! End-to-end use of the crate as the ledger uses it: envelopes appended through the tile
//! builder, a signed checkpoint, witness cosignatures, and a tlog-proof verified offline.

use probity_ledger::MemoryTiles;
use probity_ledger::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use probity_ledger::cosignature::{CosignatureSigner, cosignature_timestamp};
use probity_ledger::ed25519::{Ed25519NoteSigner, SigningKey};
use probity_ledger::envelope::{
    LeafEnvelope, PayloadSalt, RecordedAt, commit_json_payload, verify_commitment,
};
use probity_ledger::note::{Note, NoteError, NoteVerifier};
use probity_ledger::proof::{prove_consistency, prove_inclusion};
use probity_ledger::proof_file::{ProofFileError, TlogProof};
use probity_ledger::tile_builder::TileBuilder;
use probity_ledger::verify::verify_consistency;
use serde_json::json;

const ORIGIN: &str = "grc.example.com/probity/acme";

struct Log {
    envelopes: Vec<Vec<u8>>,
    tiles: MemoryTiles,
    builder: TileBuilder,
    stored_full_tiles: usize,
}

fn append_events(log: &mut Log, count: u64) {
    let mut leaf_hashes = Vec::new();
    for _ in 0..count {
        let seq = log.envelopes.len() as u64;
        let salt = PayloadSalt::from_bytes([seq as u8; 32]);
        let payload = json!({"control": "AC-2", "status": "pass", "seq": seq});
        let (canonical, commitment) = commit_json_payload(&salt, &payload).unwrap();
        assert!(verify_commitment(&commitment, &salt, &canonical));
        let envelope = LeafEnvelope::new(
            seq,
            "acme",
            RecordedAt::from_unix_millis(1_700_000_000_000 + seq as i64).unwrap(),
            "control.tested",
            commitment,
        )
        .unwrap();
        let bytes = envelope.to_leaf_bytes();
        leaf_hashes.push(envelope.leaf_hash());
        log.tiles.push(envelope.leaf_hash());
        log.envelopes.push(bytes);
    }
    let completed = log.builder.append(&leaf_hashes).unwrap();
    log.stored_full_tiles += completed.len();
}

#[test]
fn checkpoint_witness_and_tlog_proof() {
    let log_key = Ed25519NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[11; 32])).unwrap();
    let witnesses: Vec<CosignatureSigner> = (0..17u8)
        .map(|i| {
            CosignatureSigner::new(
                &format!("witness{i}.example/w"),
                SigningKey::from_bytes(&[100 + i; 32]),
            )
            .unwrap()
        })
        .collect();

    let mut log = Log {
        envelopes: Vec::new(),
        tiles: MemoryTiles::new(),
        builder: TileBuilder::new(),
        stored_full_tiles: 0,
    };
    append_events(&mut log, 700);
    let first = Checkpoint::new(ORIGIN, log.builder.size(), log.builder.root()).unwrap();
    append_events(&mut log, 1_000);
    assert_eq!(log.stored_full_tiles, 6);
    let size = log.builder.size();
    let root = log.builder.root();
    assert_eq!(log.tiles.reader(size).root().unwrap(), root);

    // The log signs; every witness checks consistency with what it saw and cosigns.
    let checkpoint = Checkpoint::new(ORIGIN, size, root).unwrap();
    let mut note = checkpoint.sign(&log_key).unwrap();
    let consistency = prove_consistency(&mut log.tiles.reader(size), first.size()).unwrap();
    for (i, witness) in witnesses.iter().enumerate() {
        verify_consistency(first.size(), size, &consistency, first.root(), &root).unwrap();
        let line = witness
            .cosign(note.text(), 1_700_000_100 + i as u64)
            .unwrap();
        note.add_signature(line).unwrap();
    }
    let note_text = note.to_text();

    // A client trusting the log key and all witnesses.
    let log_verifier = log_key.verifier();
    let witness_verifiers: Vec<_> = witnesses.iter().map(CosignatureSigner::verifier).collect();
    let cosigners: Vec<&dyn NoteVerifier> = witness_verifiers
        .iter()
        .map(|v| v as &dyn NoteVerifier)
        .collect();
    let signed =
        SignedCheckpoint::open(note_text.as_bytes(), ORIGIN, &log_verifier, &cosigners).unwrap();
    assert_eq!(signed.checkpoint, checkpoint);
    assert_eq!(signed.cosigned_by.len(), 17);
    let mut verifiers: Vec<&dyn NoteVerifier> = vec![&log_verifier];
    verifiers.extend(cosigners.iter().copied());
    let verified = signed.note.verify(&verifiers).unwrap();
    assert_eq!(verified.len(), 18);
    let times: Vec<u64> = verified
        .iter()
        .skip(1)
        .map(|s| cosignature_timestamp(s.signature()).unwrap())
        .collect();
    assert_eq!(times.first(), Some(&1_700_000_100));

    // A tlog-proof for event 1234, carrying its envelope as extra data.
    let index = 1_234u64;
    let proof = TlogProof {
        extra: Some(log.envelopes[index as usize].clone()),
        index,
        inclusion: prove_inclusion(&mut log.tiles.reader(size), index).unwrap(),
        checkpoint: Note::parse(note_text.as_bytes()).unwrap(),
    };
    let file = proof.to_text();
    let parsed = TlogProof::parse(&file).unwrap();
    let envelope = LeafEnvelope::parse(parsed.extra.as_deref().unwrap()).unwrap();
    assert_eq!(envelope.seq(), index);
    let opened = parsed
        .verify(&envelope.leaf_hash(), ORIGIN, &log_verifier, &cosigners)
        .unwrap();
    assert_eq!(opened.checkpoint.size(), size);
    assert_eq!(opened.cosigned_by.len(), 17);

    // An auditor with only the log key also verifies; one with a wrong log key does not.
    let leaf = envelope.leaf_hash();
    assert!(parsed.verify(&leaf, ORIGIN, &log_verifier, &[]).is_ok());
    let impostor = Ed25519NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[12; 32])).unwrap();
    assert!(
        parsed
            .verify(&leaf, ORIGIN, &impostor.verifier(), &[])
            .is_err()
    );
    // Witness cosignatures alone do not stand in for the log's signature.
    assert!(matches!(
        parsed.verify(&leaf, ORIGIN, &impostor.verifier(), &cosigners),
        Err(ProofFileError::Checkpoint(CheckpointError::NotSignedByLog))
    ));

    // A forged cosignature from a known witness rejects the whole note.
    let mut forged = Note::parse(note_text.as_bytes()).unwrap();
    let line = witnesses[0].cosign("other body\n", 1_700_000_999).unwrap();
    forged.add_signature(line).unwrap();
    assert!(matches!(
        SignedCheckpoint::from_note(forged, ORIGIN, &log_verifier, &cosigners),
        Err(CheckpointError::Note(NoteError::BadSignature { .. }))
    ));
}

#[test]
fn restart_restores_the_builder_from_tiles() {
    let mut log = Log {
        envelopes: Vec::new(),
        tiles: MemoryTiles::new(),
        builder: TileBuilder::new(),
        stored_full_tiles: 0,
    };
    append_events(&mut log, 1_300);
    let restored = TileBuilder::restore(&log.tiles, 1_300).unwrap();
    assert_eq!(restored.root(), log.builder.root());
    assert_eq!(restored.frontier(), log.builder.frontier());
    let partial: Vec<(u8, u64, u16)> = restored
        .partial_tiles()
        .iter()
        .map(|(id, hashes)| {
            assert_eq!(hashes.len(), usize::from(id.width()));
            (id.level(), id.index(), id.width())
        })
        .collect();
    assert_eq!(partial, vec![(0, 5, 20), (1, 0, 5)]);
}
