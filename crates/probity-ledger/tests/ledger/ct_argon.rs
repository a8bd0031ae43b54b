//! Real Certificate Transparency data from Google's Argon2020 log: the inclusion proof of entry
//! 10000 and a consistency proof from size 3,654,490, both against the signed tree head at size
//! 961,984,011. The tree head signature is ECDSA (RFC 6962 `TreeHeadSignature`) and is not
//! checked here; the proofs are.

use probity_ledger::hash::{Hash, leaf_hash};
use probity_ledger::proof::{consistency_ranges, inclusion_ranges};
use probity_ledger::verify::{
    VerifyError, old_root_from_consistency_proof, verify_consistency, verify_inclusion,
};

use crate::common::{base64, hash_b64, read_json, testdata};

const SIZE: u64 = 961_984_011;
const OLD_SIZE: u64 = 3_654_490;
const INDEX: u64 = 10_000;

fn sth_root() -> Hash {
    let sth = read_json(&testdata("ct-argon2020/get-sth"));
    assert_eq!(sth["tree_size"].as_u64(), Some(SIZE));
    hash_b64(sth["sha256_root_hash"].as_str().unwrap())
}

fn hashes(value: &serde_json::Value) -> Vec<Hash> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hash_b64(h.as_str().unwrap()))
        .collect()
}

fn entry_leaf_hash() -> Hash {
    let entries = read_json(&testdata("ct-argon2020/get-entries-start-10000-end-10000"));
    let leaf_input = base64(entries["entries"][0]["leaf_input"].as_str().unwrap());
    // MerkleTreeLeaf: version v1 (0), leaf_type timestamped_entry (0), 8-byte timestamp, then
    // entry_type x509_entry (0) or precert_entry (1).
    assert_eq!(&leaf_input[..2], &[0, 0]);
    assert!(leaf_input[10] == 0 && leaf_input[11] <= 1);
    leaf_hash(&leaf_input)
}

fn inclusion_proof() -> (u64, Vec<Hash>) {
    let file = "ct-argon2020/get-proof-by-hash-tree-size-961984011-hash-nCs3mfIydh9x4CKyQ-2Bu2xtmpxmFggA5MLymHwNQSlLg-3D";
    let proof = read_json(&testdata(file));
    (
        proof["leaf_index"].as_u64().unwrap(),
        hashes(&proof["audit_path"]),
    )
}

fn consistency_proof() -> Vec<Hash> {
    let proof = read_json(&testdata(
        "ct-argon2020/get-sth-consistency-first-3654490-second-961984011",
    ));
    hashes(&proof["consistency"])
}

#[test]
fn leaf_hash_matches_the_requested_hash() {
    // The proof was fetched by hash: the file name carries it, URL-escaped.
    assert_eq!(
        entry_leaf_hash(),
        hash_b64("nCs3mfIydh9x4CKyQ+u2xtmpxmFggA5MLymHwNQSlLg=")
    );
}

#[test]
fn inclusion_of_entry_10000() {
    let (index, proof) = inclusion_proof();
    assert_eq!(index, INDEX);
    assert_eq!(proof.len(), inclusion_ranges(INDEX, SIZE).unwrap().len());
    let leaf = entry_leaf_hash();
    let root = sth_root();
    assert_eq!(verify_inclusion(&leaf, INDEX, SIZE, &proof, &root), Ok(()));

    assert_eq!(
        verify_inclusion(&leaf, INDEX + 1, SIZE, &proof, &root),
        Err(VerifyError::RootMismatch)
    );
    assert!(verify_inclusion(&leaf, INDEX, SIZE, &proof[1..], &root).is_err());
    let mut flipped = proof.clone();
    flipped[7].0[0] ^= 1;
    assert!(verify_inclusion(&leaf, INDEX, SIZE, &flipped, &root).is_err());
    assert!(verify_inclusion(&leaf_hash(b"other"), INDEX, SIZE, &proof, &root).is_err());
}

/// The root at size 3,654,490 is not in the data. RFC 9162 verification computes two roots from
/// the proof: one must equal the newer root, and the other is the older root. So we check the
/// proof's length against the sizes, that it leads to the STH root, derive the only older root
/// it can prove, check that root with the full verification, and confirm with tlog_tiles'
/// independent implementation. We also check that every subtree the consistency proof shares
/// with the inclusion proof of entry 10000 (the right-hand subtrees of the big tree) has the
/// same hash in both proofs.
#[test]
fn consistency_from_size_3654490() {
    let proof = consistency_proof();
    let ranges = consistency_ranges(OLD_SIZE, SIZE).unwrap();
    assert_eq!(proof.len(), ranges.len());
    assert_eq!(proof.len(), 30);
    let root = sth_root();

    let old_root = old_root_from_consistency_proof(OLD_SIZE, SIZE, &proof, &root).unwrap();
    assert_eq!(
        verify_consistency(OLD_SIZE, SIZE, &proof, &old_root, &root),
        Ok(())
    );
    let oracle = tlog_tiles::check_tree(
        &proof.iter().map(|h| tlog_tiles::Hash(h.0)).collect(),
        SIZE,
        tlog_tiles::Hash(root.0),
        OLD_SIZE,
        tlog_tiles::Hash(old_root.0),
    );
    assert!(oracle.is_ok(), "{oracle:?}");

    let mut wrong_old = old_root;
    wrong_old.0[31] ^= 1;
    assert_eq!(
        verify_consistency(OLD_SIZE, SIZE, &proof, &wrong_old, &root),
        Err(VerifyError::RootMismatch)
    );
    let mut wrong_new = root;
    wrong_new.0[0] ^= 1;
    assert!(old_root_from_consistency_proof(OLD_SIZE, SIZE, &proof, &wrong_new).is_err());
    assert!(verify_consistency(OLD_SIZE + 1, SIZE, &proof, &old_root, &root).is_err());
    assert!(verify_consistency(OLD_SIZE, SIZE, &proof[..29], &old_root, &root).is_err());

    let (_, inclusion) = inclusion_proof();
    let inclusion_ranges = inclusion_ranges(INDEX, SIZE).unwrap();
    let mut shared = 0;
    for (range, hash) in ranges.iter().zip(&proof) {
        if let Some(position) = inclusion_ranges.iter().position(|r| r == range) {
            assert_eq!(inclusion[position], *hash, "range {range:?}");
            shared += 1;
        }
    }
    assert!(shared >= 8, "only {shared} shared subtrees");
}
