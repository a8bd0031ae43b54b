//! A [`TileSource`] wrapper that keeps recently used tiles with their inner subtree hashes, so
//! that proofs stop rehashing the same upper tiles (every proof in a tree reads them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::hash::Hash;
use crate::tile::TileId;
use crate::tile_source::{TileSource, TileTree};

struct Entry {
    tree: Arc<TileTree>,
    last_used: u64,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<TileId, Entry>,
    clock: u64,
}

/// Caches up to `capacity` tile trees from an inner source (about 16 KiB each). Tiles are
/// immutable for a given width, so entries never go stale. When full, the least recently used
/// half is dropped at once, which keeps every operation amortised constant time.
pub struct CachedTiles<S> {
    inner: S,
    capacity: usize,
    cache: Mutex<Cache>,
}

impl<S: TileSource> CachedTiles<S> {
    /// Wraps `inner`, keeping at most `capacity` tiles (at least 2).
    pub fn new(inner: S, capacity: usize) -> Self {
        Self {
            inner,
            capacity: capacity.max(2),
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The wrapped source.
    pub const fn inner(&self) -> &S {
        &self.inner
    }

    /// Number of tiles cached.
    pub fn len(&self) -> usize {
        self.cache.lock().map_or(0, |c| c.entries.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn cached(&self, tile: TileId) -> Option<Arc<TileTree>> {
        let mut cache = self.cache.lock().ok()?;
        cache.clock += 1;
        let now = cache.clock;
        let entry = cache.entries.get_mut(&tile)?;
        entry.last_used = now;
        Some(Arc::clone(&entry.tree))
    }

    fn store(&self, tile: TileId, tree: &Arc<TileTree>) {
        // A poisoned lock only disables caching; reads still go to the inner source.
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.entries.len() >= self.capacity {
            let mut ages: Vec<u64> = cache.entries.values().map(|e| e.last_used).collect();
            ages.sort_unstable();
            let cutoff = ages.get(ages.len() / 2).copied().unwrap_or(u64::MAX);
            cache.entries.retain(|_, e| e.last_used > cutoff);
        }
        cache.clock += 1;
        let last_used = cache.clock;
        cache.entries.insert(
            tile,
            Entry {
                tree: Arc::clone(tree),
                last_used,
            },
        );
    }
}

impl<S: TileSource> TileSource for CachedTiles<S> {
    type Error = S::Error;

    fn read_tile(&self, tile: TileId) -> Result<Vec<Hash>, Self::Error> {
        match self.cached(tile) {
            Some(tree) => Ok(tree.hashes().to_vec()),
            None => self.inner.read_tile(tile),
        }
    }

    fn tile_tree(&self, tile: TileId) -> Result<Arc<TileTree>, Self::Error> {
        if let Some(tree) = self.cached(tile) {
            return Ok(tree);
        }
        let tree = self.inner.tile_tree(tile)?;
        self.store(tile, &tree);
        Ok(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::prove_inclusion;
    use crate::tile_source::{MemoryTiles, MissingTile, TileReader};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(MemoryTiles, AtomicUsize);

    impl TileSource for Counting {
        type Error = MissingTile;
        fn read_tile(&self, tile: TileId) -> Result<Vec<Hash>, MissingTile> {
            self.1.fetch_add(1, Ordering::Relaxed);
            self.0.read_tile(tile)
        }
    }

    #[test]
    fn cached_proofs_match_and_read_less() {
        let leaves: Vec<Hash> = (0u32..70_000)
            .map(|i| leaf_hash(&i.to_be_bytes()))
            .collect();
        let memory = MemoryTiles::from_leaf_hashes(&leaves);
        let cached = CachedTiles::new(Counting(memory.clone(), AtomicUsize::new(0)), 64);
        for index in (0..70_000).step_by(997) {
            let expected = prove_inclusion(&mut memory.reader(70_000), index).unwrap();
            let got = prove_inclusion(&mut TileReader::new(&cached, 70_000), index).unwrap();
            assert_eq!(got, expected);
        }
        let reads = cached.inner().1.load(Ordering::Relaxed);
        // 71 proofs touch about three tiles each; the upper tiles are read once.
        assert!(reads < 71 * 2, "{reads} reads");
        assert!(cached.len() <= 64);
        assert!(!cached.is_empty());
    }

    #[test]
    fn eviction_keeps_the_cache_bounded() {
        let leaves: Vec<Hash> = (0u32..5_000).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let memory = MemoryTiles::from_leaf_hashes(&leaves);
        let cached = CachedTiles::new(&memory, 4);
        for index in 0..19u64 {
            let tile = TileId::full(0, index);
            assert_eq!(
                cached.tile_tree(tile).unwrap().hashes(),
                memory.read_tile(tile).unwrap().as_slice()
            );
            assert!(cached.len() <= 4);
        }
    }
}
