//! Inclusion and consistency proof generation (RFC 9162 §2.1.3.1 and §2.1.4.1): the subtree
//! ranges a proof consists of, proofs read from tiles, and reference proofs from a leaf list.

use crate::hash::{EMPTY_ROOT, Hash, node_hash};
use crate::tile_source::{TileReadError, TileReader, TileSource};
use crate::tree::split_point;

/// Why a proof cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum ProofError<E: std::error::Error + 'static> {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// Consistency proofs need `0 < old_size <= new_size`.
    #[error("no consistency proof from size {old_size} to size {new_size}")]
    InvalidSizes {
        /// Older tree size.
        old_size: u64,
        /// Newer tree size.
        new_size: u64,
    },
    /// Reading tiles failed.
    #[error("reading tiles failed")]
    Tiles(#[from] TileReadError<E>),
}

/// A leaf range `[start, end)` whose Merkle Tree Hash is one element of a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProofRange {
    /// First leaf.
    pub start: u64,
    /// One past the last leaf.
    pub end: u64,
}

/// The ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size` leaves,
/// in proof order (from the leaf's sibling up to the root's child).
pub fn inclusion_ranges(index: u64, size: u64) -> Option<Vec<ProofRange>> {
    if index >= size {
        return None;
    }
    let mut ranges = Vec::new();
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            ranges.push(ProofRange {
                start: lo + k,
                end: hi,
            });
            hi = lo + k;
        } else {
            ranges.push(ProofRange {
                start: lo,
                end: lo + k,
            });
            lo += k;
        }
    }
    ranges.reverse();
    Some(ranges)
}

/// The ranges whose hashes form the consistency proof from `old_size` to `new_size`, in proof
/// order. Empty when the sizes are equal; `None` unless `0 < old_size <= new_size`.
pub fn consistency_ranges(old_size: u64, new_size: u64) -> Option<Vec<ProofRange>> {
    if old_size == 0 || old_size > new_size {
        return None;
    }
    let mut ranges = Vec::new();
    let (mut lo, mut hi) = (0u64, new_size);
    // Whether the subtree being walked is the whole old tree's left edge (RFC 9162's flag `b`),
    // in which case the verifier already knows its hash.
    let mut on_left_edge = true;
    while old_size != hi {
        let k = split_point(hi - lo);
        if old_size <= lo + k {
            ranges.push(ProofRange {
                start: lo + k,
                end: hi,
            });
            hi = lo + k;
        } else {
            ranges.push(ProofRange {
                start: lo,
                end: lo + k,
            });
            lo += k;
            on_left_edge = false;
        }
    }
    if !on_left_edge && lo < hi {
        ranges.push(ProofRange { start: lo, end: hi });
    }
    ranges.reverse();
    Some(ranges)
}

/// Inclusion proof for leaf `index` in the tree of the reader's size, read from tiles.
pub fn prove_inclusion<S: TileSource>(
    reader: &mut TileReader<S>,
    index: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    let size = reader.size();
    let ranges =
        inclusion_ranges(index, size).ok_or(ProofError::IndexOutOfRange { index, size })?;
    hashes_of(reader, &ranges)
}

/// Consistency proof from `old_size` to the reader's size, read from tiles.
pub fn prove_consistency<S: TileSource>(
    reader: &mut TileReader<S>,
    old_size: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    let new_size = reader.size();
    let ranges = consistency_ranges(old_size, new_size)
        .ok_or(ProofError::InvalidSizes { old_size, new_size })?;
    hashes_of(reader, &ranges)
}

fn hashes_of<S: TileSource>(
    reader: &mut TileReader<S>,
    ranges: &[ProofRange],
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    ranges
        .iter()
        .map(|r| reader.range_hash(r.start, r.end).map_err(ProofError::from))
        .collect()
}

/// Reference implementations that follow the recursive definitions of RFC 9162 literally over an
/// in-memory list of leaf hashes. Slow (they rehash subtrees); used to check the tile-based path.
pub mod reference {
    use super::*;

    /// MTH(D\[n\]).
    pub fn root(leaves: &[Hash]) -> Hash {
        match leaves {
            [] => EMPTY_ROOT,
            [leaf] => *leaf,
            _ => {
                let (left, right) = split(leaves);
                node_hash(&root(left), &root(right))
            }
        }
    }

    fn split(leaves: &[Hash]) -> (&[Hash], &[Hash]) {
        let k = usize::try_from(split_point(leaves.len() as u64)).unwrap_or(0);
        leaves.split_at(k.min(leaves.len()))
    }

    /// PATH(m, D\[n\]), or `None` if `index` is out of range.
    pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Option<Vec<Hash>> {
        let m = usize::try_from(index).ok()?;
        if m >= leaves.len() {
            return None;
        }
        Some(path(m, leaves))
    }

    fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        if leaves.len() <= 1 {
            return Vec::new();
        }
        let (left, right) = split(leaves);
        if m < left.len() {
            let mut proof = path(m, left);
            proof.push(root(right));
            proof
        } else {
            let mut proof = path(m - left.len(), right);
            proof.push(root(left));
            proof
        }
    }

    /// PROOF(m, D\[n\]) for `0 < m <= n`, or `None` otherwise.
    pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Option<Vec<Hash>> {
        let m = usize::try_from(old_size).ok()?;
        if m == 0 || m > leaves.len() {
            return None;
        }
        Some(subproof(m, leaves, true))
    }

    fn subproof(m: usize, leaves: &[Hash], whole_old_tree: bool) -> Vec<Hash> {
        if m == leaves.len() {
            return if whole_old_tree {
                Vec::new()
            } else {
                vec![root(leaves)]
            };
        }
        let (left, right) = split(leaves);
        if m <= left.len() {
            let mut proof = subproof(m, left, whole_old_tree);
            proof.push(root(right));
            proof
        } else {
            let mut proof = subproof(m - left.len(), right, false);
            proof.push(root(left));
            proof
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tile_source::MemoryTiles;

    fn leaves(n: u32) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn spans(ranges: Option<Vec<ProofRange>>) -> Vec<(u64, u64)> {
        ranges
            .unwrap_or_default()
            .iter()
            .map(|r| (r.start, r.end))
            .collect()
    }

    #[test]
    fn rfc_example_ranges() {
        // RFC 9162 §2.1.5: the tree of seven leaves a..g.
        assert_eq!(spans(inclusion_ranges(0, 7)), vec![(1, 2), (2, 4), (4, 7)]);
        assert_eq!(spans(inclusion_ranges(3, 7)), vec![(2, 3), (0, 2), (4, 7)]);
        assert_eq!(spans(inclusion_ranges(4, 7)), vec![(5, 6), (6, 7), (0, 4)]);
        assert_eq!(spans(inclusion_ranges(6, 7)), vec![(4, 6), (0, 4)]);
        assert_eq!(
            spans(consistency_ranges(3, 7)),
            vec![(2, 3), (3, 4), (0, 2), (4, 7)]
        );
        assert_eq!(spans(consistency_ranges(4, 7)), vec![(4, 7)]);
        assert_eq!(
            spans(consistency_ranges(6, 7)),
            vec![(4, 6), (6, 7), (0, 4)]
        );
        assert_eq!(spans(consistency_ranges(7, 7)), Vec::<(u64, u64)>::new());
        assert!(consistency_ranges(0, 7).is_none());
        assert!(consistency_ranges(8, 7).is_none());
        assert!(inclusion_ranges(7, 7).is_none());
        assert_eq!(spans(inclusion_ranges(0, 1)), Vec::<(u64, u64)>::new());
    }

    #[test]
    fn tile_proofs_match_reference_proofs() {
        let all = leaves(700);
        let tiles = MemoryTiles::from_leaf_hashes(&all);
        for size in [1u64, 2, 3, 7, 8, 255, 256, 257, 300, 512, 513, 700] {
            let prefix = &all[..size as usize];
            let mut reader = tiles.reader(size);
            for index in [0, 1, size / 2, size.saturating_sub(2), size - 1] {
                if index >= size {
                    continue;
                }
                assert_eq!(
                    prove_inclusion(&mut reader, index).ok(),
                    reference::inclusion_proof(prefix, index),
                    "inclusion {index} in {size}"
                );
            }
            for old in [1, 2, 3, size / 3, size / 2, size.saturating_sub(1), size] {
                if old == 0 {
                    continue;
                }
                assert_eq!(
                    prove_consistency(&mut reader, old).ok(),
                    reference::consistency_proof(prefix, old),
                    "consistency {old} to {size}"
                );
            }
        }
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let tiles = MemoryTiles::from_leaf_hashes(&leaves(10));
        let mut reader = tiles.reader(10);
        assert!(matches!(
            prove_inclusion(&mut reader, 10),
            Err(ProofError::IndexOutOfRange {
                index: 10,
                size: 10
            })
        ));
        assert!(matches!(
            prove_consistency(&mut reader, 0),
            Err(ProofError::InvalidSizes { .. })
        ));
        let mut beyond = tiles.reader(11);
        assert!(matches!(
            prove_inclusion(&mut beyond, 10),
            Err(ProofError::Tiles(_))
        ));
    }
}
