//! RFC 6962 Merkle tree hashing: roots of leaf lists, the split rule, subtree ranges, and the
//! incremental [`Frontier`] (compact range of perfect subtree roots) used on the write path.

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Why a [`Frontier`] could not be built or extended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The number of peaks must equal the number of set bits of the size.
    #[error("frontier for size {size} needs {expected} peaks, got {got}")]
    PeakCount {
        /// Tree size.
        size: u64,
        /// Peaks required.
        expected: usize,
        /// Peaks given.
        got: usize,
    },
    /// The tree cannot grow past `u64::MAX` leaves.
    #[error("tree is full")]
    Full,
}

/// Largest power of two strictly below `n`, the RFC 6962 split point. Returns 0 for `n < 2`.
pub const fn split_point(n: u64) -> u64 {
    if n < 2 {
        0
    } else {
        1u64 << (63 - (n - 1).leading_zeros())
    }
}

/// Merkle Tree Hash (RFC 6962 §2.1) of a list of leaf hashes.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut frontier = Frontier::new();
    for leaf in leaves {
        // A slice can never hold u64::MAX elements, so the error case is unreachable.
        if frontier.push(*leaf).is_err() {
            break;
        }
    }
    frontier.root()
}

/// A perfect (complete, aligned) subtree: `2^level` leaves starting at `index << level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    /// Height of the subtree: it spans `2^level` leaves.
    pub level: u8,
    /// Position of the subtree among the subtrees of the same level.
    pub index: u64,
}

impl Subtree {
    /// Number of leaves covered, or `None` if that is 2^64 or more.
    pub fn width(&self) -> Option<u64> {
        1u64.checked_shl(u32::from(self.level))
    }

    /// First leaf index covered, or `None` if it does not fit a `u64`.
    pub fn start(&self) -> Option<u64> {
        self.index.checked_mul(self.width()?)
    }

    /// One past the last leaf index covered, or `None` if it does not fit a `u64`.
    pub fn end(&self) -> Option<u64> {
        self.index.checked_add(1)?.checked_mul(self.width()?)
    }
}

/// Splits the leaf range `[start, end)` of an RFC 6962 tree into perfect subtrees, largest (and
/// leftmost) first. The range must be one of the tree's subtrees: `start` aligned to a power of
/// two at least `end - start`, which holds for every range used by inclusion and consistency
/// proofs. The Merkle Tree Hash of the range is then the right fold of the pieces' hashes.
pub fn perfect_subtrees(start: u64, end: u64) -> Vec<Subtree> {
    let mut pieces = Vec::new();
    let mut position = start;
    let mut remaining = end.saturating_sub(start);
    while remaining > 0 {
        let level = 63 - remaining.leading_zeros();
        let width = 1u64 << level;
        // `level` is at most 63, so it fits a u8.
        pieces.push(Subtree {
            level: level as u8,
            index: position >> level,
        });
        position += width;
        remaining -= width;
    }
    pieces
}

/// Combines the hashes of [`perfect_subtrees`] (in the same order) into the range's Merkle Tree
/// Hash: each piece is the left child of the fold of the pieces to its right.
pub fn fold_right(pieces: &[Hash]) -> Hash {
    let mut iter = pieces.iter().rev();
    match iter.next() {
        None => EMPTY_ROOT,
        Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

/// The compact state of a tree of any size: one root per perfect subtree of the size's binary
/// decomposition, largest first. Appending costs amortised one node hash; the root costs one node
/// hash per set bit of the size.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub const fn new() -> Self {
        Self {
            size: 0,
            peaks: Vec::new(),
        }
    }

    /// Rebuilds a frontier from stored parts; `peaks` are the roots of [`Frontier::peak_subtrees`].
    pub fn from_parts(size: u64, peaks: Vec<Hash>) -> Result<Self, TreeError> {
        let expected = size.count_ones() as usize;
        if peaks.len() != expected {
            return Err(TreeError::PeakCount {
                size,
                expected,
                got: peaks.len(),
            });
        }
        Ok(Self { size, peaks })
    }

    /// The perfect subtrees whose roots make up the frontier of a tree of `size` leaves.
    pub fn peak_subtrees(size: u64) -> Vec<Subtree> {
        perfect_subtrees(0, size)
    }

    /// Number of leaves.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Roots of the perfect subtrees, largest first.
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) -> Result<(), TreeError> {
        let new_size = self.size.checked_add(1).ok_or(TreeError::Full)?;
        let mut carry = leaf;
        let mut bits = self.size;
        while bits & 1 == 1 {
            match self.peaks.pop() {
                Some(left) => carry = node_hash(&left, &carry),
                None => break,
            }
            bits >>= 1;
        }
        self.peaks.push(carry);
        self.size = new_size;
        Ok(())
    }

    /// Appends leaf hashes in order.
    pub fn extend<'a>(
        &mut self,
        leaves: impl IntoIterator<Item = &'a Hash>,
    ) -> Result<(), TreeError> {
        for leaf in leaves {
            self.push(*leaf)?;
        }
        Ok(())
    }

    /// Root hash of the tree at its current size.
    pub fn root(&self) -> Hash {
        fold_right(&self.peaks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves {
            [] => EMPTY_ROOT,
            [one] => *one,
            _ => {
                let k = split_point(leaves.len() as u64) as usize;
                let (left, right) = leaves.split_at(k);
                node_hash(&reference_root(left), &reference_root(right))
            }
        }
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(0), 0);
        assert_eq!(split_point(1), 0);
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(1 << 40), 1 << 39);
        assert_eq!(split_point((1 << 40) + 1), 1 << 40);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn frontier_matches_recursive_definition() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), EMPTY_ROOT);
        for (i, leaf) in leaves.iter().enumerate() {
            frontier.push(*leaf).unwrap();
            let prefix = &leaves[..=i];
            assert_eq!(frontier.root(), reference_root(prefix), "size {}", i + 1);
            assert_eq!(root_from_leaf_hashes(prefix), reference_root(prefix));
            assert_eq!(frontier.peaks().len(), (i + 1).count_ones() as usize);
        }
    }

    #[test]
    fn frontier_round_trips_through_parts() {
        let mut frontier = Frontier::new();
        for i in 0u8..13 {
            frontier.push(leaf_hash(&[i])).unwrap();
        }
        let rebuilt = Frontier::from_parts(13, frontier.peaks().to_vec()).unwrap();
        assert_eq!(rebuilt, frontier);
        assert_eq!(
            Frontier::from_parts(12, frontier.peaks().to_vec()),
            Err(TreeError::PeakCount {
                size: 12,
                expected: 2,
                got: 3
            })
        );
    }

    #[test]
    fn perfect_subtrees_decompose_ranges() {
        assert!(perfect_subtrees(0, 0).is_empty());
        let pieces = perfect_subtrees(0, 13);
        let spans: Vec<(u64, u64)> = pieces
            .iter()
            .map(|s| (s.start().unwrap(), s.end().unwrap()))
            .collect();
        assert_eq!(spans, vec![(0, 8), (8, 12), (12, 13)]);
        let pieces = perfect_subtrees(16, 23);
        let spans: Vec<(u64, u64)> = pieces
            .iter()
            .map(|s| (s.start().unwrap(), s.end().unwrap()))
            .collect();
        assert_eq!(spans, vec![(16, 20), (20, 22), (22, 23)]);
    }

    #[test]
    fn fold_of_pieces_is_range_root() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for (start, end) in [
            (0u64, 40u64),
            (32, 40),
            (32, 37),
            (16, 32),
            (0, 1),
            (24, 27),
        ] {
            let pieces: Vec<Hash> = perfect_subtrees(start, end)
                .iter()
                .map(|s| {
                    reference_root(&leaves[s.start().unwrap() as usize..s.end().unwrap() as usize])
                })
                .collect();
            assert_eq!(
                fold_right(&pieces),
                reference_root(&leaves[start as usize..end as usize])
            );
        }
    }
}
