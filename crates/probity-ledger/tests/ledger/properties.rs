//! Properties of generated proofs for random tree sizes up to a few thousand: every proof
//! verifies, and any single-bit change to a proof hash, the index, the sizes or the roots makes
//! verification fail, except where RFC 9162 itself cannot tell (see below).
//!
//! An inclusion or consistency proof does not commit to the tree size: the same proof and root
//! can verify for another size when the proof has the same shape there (for example the proof
//! of leaf 0 in a tree of 3 leaves also verifies as leaf 0 of a tree of 4 leaves with the same
//! root). A signed checkpoint binds size and root together, so this is harmless, but it means
//! "changing the size always fails" is false. For size changes we therefore assert agreement
//! with tlog_tiles' independent checker and that an accepted size has the same proof shape.

use probity_ledger::MemoryTiles;
use probity_ledger::hash::Hash;
use probity_ledger::proof::{
    consistency_ranges, inclusion_ranges, prove_consistency, prove_inclusion,
};
use probity_ledger::verify::{verify_consistency, verify_inclusion};
use proptest::prelude::*;

use crate::common::leaves;

fn to_tlog(proof: &[Hash]) -> Vec<tlog_tiles::Hash> {
    proof.iter().map(|h| tlog_tiles::Hash(h.0)).collect()
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut flipped = *hash;
    flipped.0[bit / 8] ^= 1 << (bit % 8);
    flipped
}

#[test]
fn a_proof_does_not_commit_to_the_tree_size() {
    let leaves = leaves(3);
    let tiles = MemoryTiles::from_leaf_hashes(&leaves);
    let mut reader = tiles.reader(3);
    let root = reader.root().unwrap();
    let proof = prove_inclusion(&mut reader, 0).unwrap();
    assert_eq!(verify_inclusion(&leaves[0], 0, 3, &proof, &root), Ok(()));
    assert_eq!(verify_inclusion(&leaves[0], 0, 4, &proof, &root), Ok(()));
    assert!(verify_inclusion(&leaves[0], 0, 5, &proof, &root).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn inclusion_proofs_verify_and_resist_tampering(
        (size, index) in (1u64..=3_000).prop_flat_map(|n| (Just(n), 0..n)),
        bit in 0usize..256,
    ) {
        let leaves = leaves(size);
        let tiles = MemoryTiles::from_leaf_hashes(&leaves);
        let mut reader = tiles.reader(size);
        let root = reader.root().unwrap();
        let leaf = leaves[index as usize];
        let proof = prove_inclusion(&mut reader, index).unwrap();
        prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));

        for position in 0..proof.len() {
            let mut bad = proof.clone();
            bad[position] = flip(&bad[position], bit);
            prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
        }
        prop_assert!(verify_inclusion(&flip(&leaf, bit), index, size, &proof, &root).is_err());
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &flip(&root, bit)).is_err());
        for b in 0..64 {
            let other = index ^ (1 << b);
            prop_assert!(verify_inclusion(&leaf, other, size, &proof, &root).is_err(), "index {}", other);
        }
        for b in 0..64 {
            let other = size ^ (1 << b);
            let accepted = verify_inclusion(&leaf, index, other, &proof, &root).is_ok();
            let oracle = index < other
                && tlog_tiles::check_record(&to_tlog(&proof), other, tlog_tiles::Hash(root.0), index, tlog_tiles::Hash(leaf.0)).is_ok();
            prop_assert_eq!(accepted, oracle, "size {}", other);
            if accepted {
                prop_assert_eq!(inclusion_ranges(index, other).unwrap().len(), proof.len());
            }
        }
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
        if let Some((_, shorter)) = proof.split_last() {
            prop_assert!(verify_inclusion(&leaf, index, size, shorter, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_resist_tampering(
        (new_size, old_size) in (1u64..=3_000).prop_flat_map(|n| (Just(n), 1..=n)),
        bit in 0usize..256,
    ) {
        let leaves = leaves(new_size);
        let tiles = MemoryTiles::from_leaf_hashes(&leaves);
        let old_root = tiles.reader(old_size).root().unwrap();
        let mut reader = tiles.reader(new_size);
        let new_root = reader.root().unwrap();
        let proof = prove_consistency(&mut reader, old_size).unwrap();
        prop_assert_eq!(
            verify_consistency(old_size, new_size, &proof, &old_root, &new_root),
            Ok(())
        );

        for position in 0..proof.len() {
            let mut bad = proof.clone();
            bad[position] = flip(&bad[position], bit);
            prop_assert!(verify_consistency(old_size, new_size, &bad, &old_root, &new_root).is_err());
        }
        prop_assert!(verify_consistency(old_size, new_size, &proof, &flip(&old_root, bit), &new_root).is_err());
        prop_assert!(verify_consistency(old_size, new_size, &proof, &old_root, &flip(&new_root, bit)).is_err());
        let check = |m: u64, n: u64| {
            let accepted = verify_consistency(m, n, &proof, &old_root, &new_root).is_ok();
            let oracle = (1..=n).contains(&m)
                && tlog_tiles::check_tree(&to_tlog(&proof), n, tlog_tiles::Hash(new_root.0), m, tlog_tiles::Hash(old_root.0)).is_ok();
            (accepted, oracle)
        };
        for b in 0..64 {
            let other = old_size ^ (1 << b);
            let (accepted, oracle) = check(other, new_size);
            prop_assert_eq!(accepted, oracle, "old size {}", other);
            if accepted {
                prop_assert_eq!(consistency_ranges(other, new_size).unwrap().len(), proof.len());
            }
            let other = new_size ^ (1 << b);
            let (accepted, oracle) = check(old_size, other);
            prop_assert_eq!(accepted, oracle, "new size {}", other);
            if accepted {
                prop_assert_eq!(consistency_ranges(old_size, other).unwrap().len(), proof.len());
            }
        }
        let mut longer = proof.clone();
        longer.push(new_root);
        prop_assert!(verify_consistency(old_size, new_size, &longer, &old_root, &new_root).is_err());
        if let Some((_, shorter)) = proof.split_last() {
            prop_assert!(verify_consistency(old_size, new_size, shorter, &old_root, &new_root).is_err());
        }
    }
}
