//! Reading tree hashes from tiles: the [`TileSource`] trait a store implements, the
//! [`TileReader`] that derives any subtree hash ("stored hash") or range hash from tiles for a
//! given tree size, and [`MemoryTiles`], an in-memory source.

use std::sync::Arc;

use crate::hash::{EMPTY_ROOT, Hash, node_hash};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileId, tile_width};
use crate::tree::{Subtree, fold_right, perfect_subtrees, root_from_leaf_hashes};

/// Where tile hashes come from (a database, files, memory).
///
/// `read_tile` returns exactly `tile.width()` hashes. A partial tile is the prefix of the full
/// tile it will become, so a source that stores only full tiles derives partial ones: level 0 from
/// the leaf hashes of the tail entries, level `L > 0` from the roots of full level-`L-1` tiles
/// (see [`crate::tile::tile_root`]; keeping those roots beside the full tiles makes this cheap).
pub trait TileSource {
    /// Error of the underlying storage.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Hashes of `tile`, exactly `tile.width()` of them.
    fn read_tile(&self, tile: TileId) -> Result<Vec<Hash>, Self::Error>;

    /// The tile with its inner subtree hashes. Override to cache them (see
    /// [`crate::tile_cache::CachedTiles`]): deriving them costs up to 255 node hashes per tile.
    fn tile_tree(&self, tile: TileId) -> Result<Arc<TileTree>, Self::Error> {
        self.read_tile(tile)
            .map(|hashes| Arc::new(TileTree::new(hashes)))
    }
}

impl<S: TileSource + ?Sized> TileSource for &S {
    type Error = S::Error;

    fn read_tile(&self, tile: TileId) -> Result<Vec<Hash>, Self::Error> {
        (**self).read_tile(tile)
    }

    fn tile_tree(&self, tile: TileId) -> Result<Arc<TileTree>, Self::Error> {
        (**self).tile_tree(tile)
    }
}

/// A tile's hashes together with the hash of every complete subtree inside the tile: the eight
/// tree levels between one tile level and the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileTree {
    /// `levels[h][i]` is the hash over tile entries `[i * 2^h, (i + 1) * 2^h)`.
    levels: Vec<Vec<Hash>>,
}

impl TileTree {
    /// Computes the inner hashes of a tile (at most 255 node hashes).
    pub fn new(hashes: Vec<Hash>) -> Self {
        let mut levels = vec![hashes];
        while let Some(below) = levels.last() {
            if below.len() < 2 {
                break;
            }
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .filter_map(|pair| match pair {
                    [left, right] => Some(node_hash(left, right)),
                    _ => None,
                })
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// The tile's own hashes.
    pub fn hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// Hash over entries `[index * 2^height, (index + 1) * 2^height)`, if complete in this tile.
    pub fn subtree(&self, height: u8, index: usize) -> Option<Hash> {
        self.levels
            .get(usize::from(height))
            .and_then(|level| level.get(index))
            .copied()
    }
}

/// Why a hash could not be derived from tiles.
#[derive(Debug, thiserror::Error)]
pub enum TileReadError<E: std::error::Error + 'static> {
    /// The tile source failed.
    #[error("tile source failed")]
    Source(#[source] E),
    /// The tile source returned the wrong number of hashes.
    #[error("tile {tile} returned {got} hashes")]
    WrongWidth {
        /// Tile requested.
        tile: TileId,
        /// Hashes returned.
        got: usize,
    },
    /// The requested subtree or range is not complete in a tree of this size.
    #[error("subtree is not in a tree of size {size}")]
    NotInTree {
        /// Tree size.
        size: u64,
    },
    /// The requested tile has no hashes at this tree size.
    #[error("tile {index} at level {level} is not in a tree of size {size}")]
    NoSuchTile {
        /// Tile level.
        level: u8,
        /// Tile index.
        index: u64,
        /// Tree size.
        size: u64,
    },
}

/// Derives hashes of a tree of fixed size from a [`TileSource`], caching the tiles it reads so
/// that one proof reads each tile once.
pub struct TileReader<S: TileSource> {
    source: S,
    size: u64,
    cache: Vec<(TileId, Arc<TileTree>)>,
}

impl<S: TileSource> TileReader<S> {
    /// A reader for the tree of `size` leaves.
    pub fn new(source: S, size: u64) -> Self {
        Self {
            source,
            size,
            cache: Vec::new(),
        }
    }

    /// Tree size this reader serves.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Hashes of the tile at (`level`, `index`) with the width it has at this tree size.
    pub fn tile(&mut self, level: u8, index: u64) -> Result<&[Hash], TileReadError<S::Error>> {
        Ok(self.tree_at(level, index)?.hashes())
    }

    fn tree_at(&mut self, level: u8, index: u64) -> Result<&TileTree, TileReadError<S::Error>> {
        let no_such_tile = || TileReadError::NoSuchTile {
            level,
            index,
            size: self.size,
        };
        let width = tile_width(self.size, level, index).ok_or_else(no_such_tile)?;
        let tile = TileId::new(level, index, width).map_err(|_| no_such_tile())?;
        self.tile_tree(tile)
    }

    fn tile_tree(&mut self, tile: TileId) -> Result<&TileTree, TileReadError<S::Error>> {
        let position = match self.cache.iter().position(|(id, _)| *id == tile) {
            Some(position) => position,
            None => {
                let tree = self.source.tile_tree(tile).map_err(TileReadError::Source)?;
                if tree.hashes().len() != usize::from(tile.width()) {
                    return Err(TileReadError::WrongWidth {
                        tile,
                        got: tree.hashes().len(),
                    });
                }
                self.cache.push((tile, tree));
                self.cache.len() - 1
            }
        };
        match self.cache.get(position) {
            Some((_, tree)) => Ok(tree),
            None => Err(TileReadError::NoSuchTile {
                level: tile.level(),
                index: tile.index(),
                size: self.size,
            }),
        }
    }

    /// Hash of a perfect subtree (the "stored hash" at tree level `subtree.level`), derived from
    /// the tile holding its descendants at the nearest tile level at or below it.
    pub fn subtree_hash(&mut self, subtree: Subtree) -> Result<Hash, TileReadError<S::Error>> {
        let not_in_tree = TileReadError::NotInTree { size: self.size };
        if subtree.end().is_none_or(|end| end > self.size) {
            return Err(not_in_tree);
        }
        let tile_level = subtree.level / TILE_HEIGHT;
        let height_in_tile = subtree.level % TILE_HEIGHT;
        // Position of the subtree's first descendant among the level's hashes.
        let first = subtree.index << height_in_tile;
        let tile_index = first / u64::from(TILE_WIDTH);
        let offset = (first % u64::from(TILE_WIDTH)) as usize;
        let tree = self.tree_at(tile_level, tile_index)?;
        tree.subtree(height_in_tile, offset >> height_in_tile)
            .ok_or(not_in_tree)
    }

    /// Merkle Tree Hash of leaves `[start, end)`, which must be a subtree of the RFC 6962 tree
    /// (as every range in an inclusion or consistency proof is).
    pub fn range_hash(&mut self, start: u64, end: u64) -> Result<Hash, TileReadError<S::Error>> {
        if end > self.size || start >= end {
            return Err(TileReadError::NotInTree { size: self.size });
        }
        let pieces = perfect_subtrees(start, end)
            .into_iter()
            .map(|s| self.subtree_hash(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(fold_right(&pieces))
    }

    /// Root hash of the tree.
    pub fn root(&mut self) -> Result<Hash, TileReadError<S::Error>> {
        if self.size == 0 {
            return Ok(EMPTY_ROOT);
        }
        self.range_hash(0, self.size)
    }
}

/// The in-memory tile source cannot serve a tile beyond what it holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tile {tile} is not available")]
pub struct MissingTile {
    /// Tile requested.
    pub tile: TileId,
}

/// An in-memory tiled tree: per tile level, the hashes of every complete subtree at that level.
/// Full tiles are 256-hash windows of these lists and partial tiles are their tails, so nothing
/// partial is ever stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTiles {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTiles {
    /// An empty tree.
    pub const fn new() -> Self {
        Self { levels: Vec::new() }
    }

    /// A tree of the given leaf hashes.
    pub fn from_leaf_hashes<'a>(leaves: impl IntoIterator<Item = &'a Hash>) -> Self {
        let mut tiles = Self::new();
        for leaf in leaves {
            tiles.push(*leaf);
        }
        tiles
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash, completing tiles at each level as they fill.
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = Some(leaf);
        let mut level = 0;
        while let Some(hash) = carry.take() {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(hashes) = self.levels.get_mut(level) else {
                break;
            };
            hashes.push(hash);
            let width = usize::from(TILE_WIDTH);
            if hashes.len() % width == 0 {
                let start = hashes.len() - width;
                carry = hashes.get(start..).map(root_from_leaf_hashes);
            }
            level += 1;
        }
    }

    /// The leaf hashes.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// A reader for the tree at `size` (any size up to [`MemoryTiles::size`]).
    pub fn reader(&self, size: u64) -> TileReader<&Self> {
        TileReader::new(self, size)
    }
}

impl TileSource for MemoryTiles {
    type Error = MissingTile;

    fn read_tile(&self, tile: TileId) -> Result<Vec<Hash>, MissingTile> {
        let width = u64::from(TILE_WIDTH);
        let start = tile.index().checked_mul(width);
        let end = start.and_then(|s| s.checked_add(u64::from(tile.width())));
        let range = start
            .zip(end)
            .and_then(|(s, e)| Some(usize::try_from(s).ok()?..usize::try_from(e).ok()?));
        self.levels
            .get(usize::from(tile.level()))
            .zip(range)
            .and_then(|(hashes, range)| hashes.get(range))
            .map(<[Hash]>::to_vec)
            .ok_or(MissingTile { tile })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn leaves(n: u32) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn roots_from_tiles_match_direct_roots() {
        let all = leaves(70_000);
        let tiles = MemoryTiles::from_leaf_hashes(&all);
        assert_eq!(tiles.size(), 70_000);
        for size in [
            0u64, 1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000,
        ] {
            let expected = root_from_leaf_hashes(&all[..size as usize]);
            assert_eq!(tiles.reader(size).root().unwrap(), expected, "size {size}");
        }
    }

    #[test]
    fn subtree_hashes_at_every_height() {
        let all = leaves(70_000);
        let tiles = MemoryTiles::from_leaf_hashes(&all);
        let mut reader = tiles.reader(70_000);
        for level in 0u8..=16 {
            for index in [0u64, 1, 3] {
                let subtree = Subtree { level, index };
                if subtree.end().unwrap() > 70_000 {
                    assert!(matches!(
                        reader.subtree_hash(subtree),
                        Err(TileReadError::NotInTree { .. })
                    ));
                    continue;
                }
                let expected = root_from_leaf_hashes(
                    &all[subtree.start().unwrap() as usize..subtree.end().unwrap() as usize],
                );
                assert_eq!(reader.subtree_hash(subtree).unwrap(), expected);
            }
        }
    }

    #[test]
    fn reader_rejects_wrong_width_from_source() {
        struct Short;
        impl TileSource for Short {
            type Error = MissingTile;
            fn read_tile(&self, _tile: TileId) -> Result<Vec<Hash>, MissingTile> {
                Ok(vec![Hash::default()])
            }
        }
        let mut reader = TileReader::new(Short, 10);
        assert!(matches!(
            reader.root(),
            Err(TileReadError::WrongWidth { got: 1, .. })
        ));
    }

    #[test]
    fn memory_tiles_serve_partial_tiles_as_prefixes() {
        let all = leaves(300);
        let tiles = MemoryTiles::from_leaf_hashes(&all);
        let partial = TileId::new(0, 1, 44).unwrap();
        assert_eq!(tiles.read_tile(partial).unwrap(), all[256..300].to_vec());
        let too_wide = TileId::new(0, 1, 45).unwrap();
        assert_eq!(
            tiles.read_tile(too_wide),
            Err(MissingTile { tile: too_wide })
        );
        let upper = TileId::new(1, 0, 1).unwrap();
        assert_eq!(
            tiles.read_tile(upper).unwrap(),
            vec![root_from_leaf_hashes(&all[..256])]
        );
    }
}
