//! Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency)
//! describe it, plus the derivation of the older root implied by a consistency proof.

use crate::hash::{Hash, node_hash};

/// Why a proof did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// Consistency needs `0 < old_size <= new_size`.
    #[error("no consistency proof from size {old_size} to size {new_size}")]
    InvalidSizes {
        /// Older tree size.
        old_size: u64,
        /// Newer tree size.
        new_size: u64,
    },
    /// The proof has more or fewer hashes than the sizes require.
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    /// The proof does not lead to the expected root.
    #[error("proof does not match the root hash")]
    RootMismatch,
    /// The older root cannot be derived from a proof when the older size is a power of two.
    #[error("the older root is not part of the proof")]
    OldRootNotInProof,
}

/// Checks that `proof` shows the leaf with hash `leaf` at `index` in the tree of `size` leaves
/// whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    let computed = root_from_inclusion_proof(leaf, index, size, proof)?;
    if computed == *root {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch)
    }
}

/// The root implied by an inclusion proof, checking that its length fits `index` and `size`.
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    let mut f_n = index;
    let mut s_n = size - 1;
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(VerifyError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(VerifyError::WrongLength);
    }
    Ok(r)
}

/// Checks that `proof` shows the tree of `old_size` leaves with root `old_root` is a prefix of
/// the tree of `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2). Equal sizes need an
/// empty proof and equal roots; an empty old tree is rejected, as RFC 9162 defines no proof for
/// it.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), VerifyError> {
    let (first, second) = roots_from_consistency_proof(old_size, new_size, proof, Some(old_root))?;
    if first == *old_root && second == *new_root {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch)
    }
}

/// The older root implied by a consistency proof, after checking that the proof leads to
/// `new_root`. Useful when the verifier holds only the newer checkpoint: the result is the only
/// older root this proof can show consistent. Fails with [`VerifyError::OldRootNotInProof`] when
/// `old_size` is a power of two (the proof then omits the older root).
pub fn old_root_from_consistency_proof(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    new_root: &Hash,
) -> Result<Hash, VerifyError> {
    if old_size != 0 && old_size == new_size {
        return if proof.is_empty() {
            Ok(*new_root)
        } else {
            Err(VerifyError::WrongLength)
        };
    }
    if old_size.is_power_of_two() && old_size < new_size {
        return Err(VerifyError::OldRootNotInProof);
    }
    let (first, second) = roots_from_consistency_proof(old_size, new_size, proof, None)?;
    if second == *new_root {
        Ok(first)
    } else {
        Err(VerifyError::RootMismatch)
    }
}

/// Runs the RFC 9162 consistency algorithm and returns the computed (old, new) roots. `old_root`
/// seeds the computation when `old_size` is a power of two.
fn roots_from_consistency_proof(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: Option<&Hash>,
) -> Result<(Hash, Hash), VerifyError> {
    if old_size == 0 || old_size > new_size {
        return Err(VerifyError::InvalidSizes { old_size, new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(VerifyError::WrongLength);
        }
        let root = old_root.ok_or(VerifyError::OldRootNotInProof)?;
        return Ok((*root, *root));
    }
    // Step 1: an empty proof never proves growth.
    let Some((first_hash, rest)) = proof.split_first() else {
        return Err(VerifyError::WrongLength);
    };
    // Step 2: a power-of-two old tree is a complete subtree, so its root is the seed.
    let (seed, path) = if old_size.is_power_of_two() {
        (*old_root.ok_or(VerifyError::OldRootNotInProof)?, proof)
    } else {
        (*first_hash, rest)
    };
    // Steps 3 and 4.
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 5.
    let mut f_r = seed;
    let mut s_r = seed;
    // Step 6.
    for c in path {
        if s_n == 0 {
            return Err(VerifyError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 7 (the root comparisons are left to the callers).
    if s_n != 0 {
        return Err(VerifyError::WrongLength);
    }
    Ok((f_r, s_r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::reference;

    fn leaves(n: u32) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn every_proof_of_small_trees_verifies() {
        let all = leaves(40);
        for size in 1..=40usize {
            let tree = &all[..size];
            let root = reference::root(tree);
            for index in 0..size {
                let proof = reference::inclusion_proof(tree, index as u64).unwrap();
                assert_eq!(
                    verify_inclusion(&tree[index], index as u64, size as u64, &proof, &root),
                    Ok(())
                );
            }
            for old in 1..=size {
                let old_root = reference::root(&tree[..old]);
                let proof = reference::consistency_proof(tree, old as u64).unwrap();
                assert_eq!(
                    verify_consistency(old as u64, size as u64, &proof, &old_root, &root),
                    Ok(())
                );
                if !old.is_power_of_two() {
                    assert_eq!(
                        old_root_from_consistency_proof(old as u64, size as u64, &proof, &root),
                        Ok(old_root)
                    );
                }
            }
        }
    }

    #[test]
    fn edge_cases_fail_cleanly() {
        let h = leaf_hash(b"x");
        assert_eq!(
            verify_inclusion(&h, 0, 0, &[], &h),
            Err(VerifyError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(verify_inclusion(&h, 0, 1, &[], &h), Ok(()));
        assert_eq!(
            verify_inclusion(&h, 0, 1, &[h], &h),
            Err(VerifyError::WrongLength)
        );
        assert_eq!(
            verify_inclusion(&h, 0, 2, &[], &h),
            Err(VerifyError::WrongLength)
        );
        assert_eq!(
            verify_consistency(0, 0, &[], &h, &h),
            Err(VerifyError::InvalidSizes {
                old_size: 0,
                new_size: 0
            })
        );
        assert_eq!(verify_consistency(1, 1, &[], &h, &h), Ok(()));
        assert_eq!(
            verify_consistency(1, 1, &[h], &h, &h),
            Err(VerifyError::WrongLength)
        );
        assert_eq!(
            verify_consistency(1, 1, &[], &h, &leaf_hash(b"y")),
            Err(VerifyError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(1, 2, &[], &h, &h),
            Err(VerifyError::WrongLength)
        );
        assert_eq!(
            old_root_from_consistency_proof(4, 8, &[h], &h),
            Err(VerifyError::OldRootNotInProof)
        );
    }
}
