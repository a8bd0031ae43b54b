//! The write-path state of a tiled tree: the partial tile at each level plus the [`Frontier`],
//! so that appending a batch yields the newly completed full tiles to store and the new root.

use crate::hash::Hash;
use crate::tile::{TILE_WIDTH, TileId, hashes_at_level, partial_tiles, tile_root};
use crate::tile_source::{TileReadError, TileReader, TileSource};
use crate::tree::{Frontier, TreeError, perfect_subtrees, root_from_leaf_hashes};

/// A full tile completed by an append, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullTile {
    /// Coordinates (always full width).
    pub id: TileId,
    /// The 256 hashes.
    pub hashes: Vec<Hash>,
}

impl FullTile {
    /// Root of the tile: its entry in the tile one level up.
    pub fn root(&self) -> Hash {
        root_from_leaf_hashes(&self.hashes)
    }
}

/// The partial tiles given do not belong to a tree of the stated size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("partial tiles do not match tree size {size}")]
pub struct PartialTilesMismatch {
    /// Tree size.
    pub size: u64,
}

/// Why a [`TileBuilder`] could not be restored from a tile source.
#[derive(Debug, thiserror::Error)]
pub enum TileBuilderError<E: std::error::Error + 'static> {
    /// Reading the partial tiles failed.
    #[error("reading partial tiles failed")]
    Read(#[from] TileReadError<E>),
    /// The partial tiles do not match the tree size.
    #[error(transparent)]
    Mismatch(#[from] PartialTilesMismatch),
}

/// Incremental tile state: appending leaf hashes returns the full tiles that completed.
///
/// It keeps at most 255 hashes per level, so it can be rebuilt cheaply after a restart from the
/// partial tiles of the stored size ([`TileBuilder::restore`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TileBuilder {
    /// `tails[L]` holds the hashes of the partial tile at level `L`.
    tails: Vec<Vec<Hash>>,
    /// Tile index of each tail.
    tail_index: Vec<u64>,
    frontier: Frontier,
}

impl TileBuilder {
    /// State of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the state of a tree of `size` leaves from its partial tiles, read from `source`.
    pub fn restore<S: TileSource>(
        source: S,
        size: u64,
    ) -> Result<Self, TileBuilderError<S::Error>> {
        let mut reader = TileReader::new(source, size);
        let mut tails = Vec::new();
        for tile in partial_tiles(size) {
            let hashes = reader.tile(tile.level(), tile.index())?.to_vec();
            tails.push((tile, hashes));
        }
        Ok(Self::from_partial_tiles(size, tails)?)
    }

    /// Rebuilds the state from the partial tiles of a tree of `size` leaves (as listed by
    /// [`partial_tiles`], with their hashes).
    pub fn from_partial_tiles(
        size: u64,
        tiles: Vec<(TileId, Vec<Hash>)>,
    ) -> Result<Self, PartialTilesMismatch> {
        let expected = partial_tiles(size);
        let mut builder = Self::new();
        let mismatch = PartialTilesMismatch { size };
        if tiles.len() != expected.len() {
            return Err(mismatch);
        }
        for (tile, hashes) in &tiles {
            if !expected.contains(tile) || hashes.len() != usize::from(tile.width()) {
                return Err(mismatch);
            }
        }
        let levels = (0u8..64)
            .take_while(|l| hashes_at_level(size, *l) > 0)
            .count();
        for level in 0..levels {
            let index = hashes_at_level(size, level as u8) / u64::from(TILE_WIDTH);
            let hashes = tiles
                .iter()
                .find(|(t, _)| usize::from(t.level()) == level)
                .map(|(_, h)| h.clone())
                .unwrap_or_default();
            builder.tails.push(hashes);
            builder.tail_index.push(index);
        }
        // The frontier's peaks are the perfect subtrees of each tail, highest level first.
        let mut peaks = Vec::new();
        for tail in builder.tails.iter().rev() {
            for piece in perfect_subtrees(0, tail.len() as u64) {
                let (Some(start), Some(end)) = (piece.start(), piece.end()) else {
                    return Err(mismatch);
                };
                let span = usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(end).ok())
                    .and_then(|(s, e)| tail.get(s..e))
                    .ok_or(mismatch)?;
                peaks.push(root_from_leaf_hashes(span));
            }
        }
        builder.frontier = Frontier::from_parts(size, peaks).map_err(|_| mismatch)?;
        Ok(builder)
    }

    /// Number of leaves.
    pub const fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Root hash at the current size.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The frontier (compact range) at the current size.
    pub const fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    /// The partial tiles at the current size with their hashes (to serve reads without storing
    /// them).
    pub fn partial_tiles(&self) -> Vec<(TileId, &[Hash])> {
        let mut out = Vec::new();
        for (level, (tail, index)) in self.tails.iter().zip(&self.tail_index).enumerate() {
            let Ok(width) = u16::try_from(tail.len()) else {
                continue;
            };
            if let Ok(id) = TileId::new(level as u8, *index, width) {
                out.push((id, tail.as_slice()));
            }
        }
        out
    }

    /// Appends one leaf hash; completed tiles are pushed onto `completed`.
    pub fn push(&mut self, leaf: Hash, completed: &mut Vec<FullTile>) -> Result<(), TreeError> {
        self.frontier.push(leaf)?;
        let mut carry = Some(leaf);
        let mut level = 0usize;
        while let Some(hash) = carry.take() {
            if self.tails.len() <= level {
                self.tails.push(Vec::new());
                self.tail_index.push(0);
            }
            let (Some(tail), Some(index)) =
                (self.tails.get_mut(level), self.tail_index.get_mut(level))
            else {
                break;
            };
            tail.push(hash);
            if tail.len() == usize::from(TILE_WIDTH) {
                let hashes = std::mem::take(tail);
                let tile = FullTile {
                    id: TileId::full(level as u8, *index),
                    hashes,
                };
                *index += 1;
                carry = tile_root(&tile.hashes).ok();
                completed.push(tile);
            }
            level += 1;
        }
        Ok(())
    }

    /// Appends leaf hashes and returns the full tiles they completed, lowest level first within
    /// each leaf.
    pub fn append<'a>(
        &mut self,
        leaves: impl IntoIterator<Item = &'a Hash>,
    ) -> Result<Vec<FullTile>, TreeError> {
        let mut completed = Vec::new();
        for leaf in leaves {
            self.push(*leaf, &mut completed)?;
        }
        Ok(completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tile::completed_tiles;
    use crate::tile_source::MemoryTiles;

    fn leaves(n: u32) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    #[test]
    fn appends_emit_the_tiles_that_complete() {
        let all = leaves(66_000);
        let memory = MemoryTiles::from_leaf_hashes(&all);
        let mut builder = TileBuilder::new();
        let mut size = 0u64;
        for batch in all.chunks(1_013) {
            let tiles = builder.append(batch).unwrap();
            let new_size = size + batch.len() as u64;
            let ids: Vec<TileId> = tiles.iter().map(|t| t.id).collect();
            let mut expected = completed_tiles(size, new_size);
            expected.sort();
            let mut sorted = ids.clone();
            sorted.sort();
            assert_eq!(sorted, expected);
            for tile in &tiles {
                assert_eq!(memory.read_tile(tile.id).unwrap(), tile.hashes);
            }
            size = new_size;
            assert_eq!(builder.root(), memory.reader(size).root().unwrap());
        }
    }

    #[test]
    fn restores_from_partial_tiles() {
        let all = leaves(70_000);
        let memory = MemoryTiles::from_leaf_hashes(&all);
        for size in [0u64, 1, 255, 256, 257, 65_536, 65_791, 70_000] {
            let restored = TileBuilder::restore(&memory, size).unwrap();
            let mut built = TileBuilder::new();
            built.append(&all[..size as usize]).unwrap();
            assert_eq!(restored.root(), built.root(), "size {size}");
            assert_eq!(restored.size(), size);
            let mut a = restored.clone();
            let mut b = built.clone();
            let more = leaves(600);
            assert_eq!(a.append(&more).unwrap(), b.append(&more).unwrap());
            assert_eq!(a.root(), b.root());
            let partial: Vec<TileId> = restored.partial_tiles().iter().map(|p| p.0).collect();
            assert_eq!(partial, partial_tiles(size));
        }
    }

    #[test]
    fn rejects_partial_tiles_of_another_size() {
        let all = leaves(300);
        let memory = MemoryTiles::from_leaf_hashes(&all);
        let tile = TileId::new(0, 1, 44).unwrap();
        let hashes = memory.read_tile(tile).unwrap();
        assert!(TileBuilder::from_partial_tiles(301, vec![(tile, hashes.clone())]).is_err());
        assert!(TileBuilder::from_partial_tiles(300, vec![]).is_err());
        let upper = TileId::new(1, 0, 1).unwrap();
        let upper_hashes = memory.read_tile(upper).unwrap();
        assert!(
            TileBuilder::from_partial_tiles(300, vec![(tile, hashes), (upper, upper_hashes)])
                .is_ok()
        );
    }
}
