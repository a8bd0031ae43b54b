//! Differential tests against two independent implementations: `tlog_tiles` (a port of Go's
//! sumdb/tlog, including its tile reader, which authenticates our tiles against the root) and
//! `ct-merkle`.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use probity_ledger::hash::Hash;
use probity_ledger::proof::{prove_consistency, prove_inclusion};
use probity_ledger::tile::{TilePath, new_tiles};
use probity_ledger::{MemoryTiles, TileId, TileSource};
use proptest::prelude::*;
use sha2_digest011::Sha256 as Sha256V011;

fn leaf_data(i: u64) -> Vec<u8> {
    format!("leaf {i}").into_bytes()
}

fn ours(size: u64) -> MemoryTiles {
    let leaves: Vec<Hash> = (0..size)
        .map(|i| probity_ledger::leaf_hash(&leaf_data(i)))
        .collect();
    MemoryTiles::from_leaf_hashes(&leaves)
}

fn from_tlog(hashes: Vec<tlog_tiles::Hash>) -> Vec<Hash> {
    hashes.into_iter().map(|h| Hash(h.0)).collect()
}

/// Go-style stored hashes, written record by record with `tlog_tiles::stored_hashes`.
struct StoredHashes(Vec<tlog_tiles::Hash>);

impl tlog_tiles::HashReader for StoredHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| {
                self.0
                    .get(*i as usize)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

fn stored_hashes(size: u64) -> StoredHashes {
    let mut storage = StoredHashes(Vec::new());
    for n in 0..size {
        let new = tlog_tiles::stored_hashes(n, &leaf_data(n), &storage).unwrap();
        storage.0.extend(new);
    }
    storage
}

/// Serves our in-memory tiles to tlog_tiles' tile reader.
struct OurTiles<'a>(&'a MemoryTiles);

impl tlog_tiles::TileReader for OurTiles<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let id = TileId::new(t.level(), t.level_index(), t.width() as u16)
                    .map_err(|_| tlog_tiles::Error::InvalidTile)?;
                let hashes = self
                    .0
                    .read_tile(id)
                    .map_err(|_| tlog_tiles::Error::InvalidTile)?;
                Ok(hashes.iter().flat_map(|h| h.0).collect())
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[tlog_tiles::Tile], _data: &[Vec<u8>]) {}
}

fn size_and_index() -> impl Strategy<Value = (u64, u64, u64)> {
    (1u64..=3_000).prop_flat_map(|n| (Just(n), 0..n, 1..=n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn roots_and_proofs_match_tlog_tiles((size, index, old) in size_and_index()) {
        let tiles = ours(size);
        let mut reader = tiles.reader(size);
        let root = reader.root().unwrap();
        let inclusion = prove_inclusion(&mut reader, index).unwrap();
        let consistency = prove_consistency(&mut reader, old).unwrap();

        let stored = stored_hashes(size);
        prop_assert_eq!(Hash(tlog_tiles::tree_hash(size, &stored).unwrap().0), root);
        prop_assert_eq!(
            from_tlog(tlog_tiles::prove_record(size, index, &stored).unwrap()),
            inclusion.clone()
        );
        prop_assert_eq!(
            from_tlog(tlog_tiles::prove_tree(size, old, &stored).unwrap()),
            consistency.clone()
        );

        // tlog_tiles reading *our tiles* authenticates every tile against the root.
        let our_tiles = OurTiles(&tiles);
        let tile_reader = tlog_tiles::TileHashReader::new(size, tlog_tiles::Hash(root.0), &our_tiles);
        prop_assert_eq!(
            from_tlog(tlog_tiles::prove_record(size, index, &tile_reader).unwrap()),
            inclusion
        );
        prop_assert_eq!(
            from_tlog(tlog_tiles::prove_tree(size, old, &tile_reader).unwrap()),
            consistency
        );
    }

    #[test]
    fn roots_and_proofs_match_ct_merkle((size, index, old) in size_and_index()) {
        let tiles = ours(size);
        let mut reader = tiles.reader(size);
        let mut tree = MemoryBackedTree::<Sha256V011, Vec<u8>>::new();
        for i in 0..size {
            tree.push(leaf_data(i));
        }
        let root = reader.root().unwrap();
        let their_root = tree.root();
        prop_assert_eq!(their_root.as_bytes().as_slice(), root.as_bytes().as_slice());

        let inclusion: Vec<u8> = prove_inclusion(&mut reader, index)
            .unwrap()
            .iter()
            .flat_map(|h| h.0)
            .collect();
        let their_inclusion = tree.prove_inclusion(index as usize);
        prop_assert_eq!(their_inclusion.as_bytes(), inclusion.as_slice());

        if old < size {
            let consistency: Vec<u8> = prove_consistency(&mut reader, old)
                .unwrap()
                .iter()
                .flat_map(|h| h.0)
                .collect();
            let theirs = tree.prove_consistency((size - old) as usize);
            prop_assert_eq!(theirs.as_bytes(), consistency.as_slice());
        }
    }

    #[test]
    fn tile_paths_and_inventory_match_tlog_tiles(
        level in 0u8..=7,
        index in any::<u64>(),
        width in 1u16..=256,
        old in 0u64..200_000,
        grow in 0u64..200_000,
    ) {
        let theirs = tlog_tiles::Tile::new(8, level, index, u32::from(width), false).path();
        let id = TileId::new(level, index, width).unwrap();
        prop_assert_eq!(theirs.replacen("tile/8/", "tile/", 1), id.path());
        prop_assert_eq!(TilePath::parse(&id.path()).unwrap(), TilePath::Hashes(id));

        let theirs: Vec<(u8, u64, u16)> = tlog_tiles::Tile::new_tiles(8, old, old + grow)
            .iter()
            .map(|t| (t.level(), t.level_index(), t.width() as u16))
            .collect();
        let mine: Vec<(u8, u64, u16)> = new_tiles(old, old + grow)
            .iter()
            .map(|t| (t.level(), t.index(), t.width()))
            .collect();
        prop_assert_eq!(mine, theirs);
    }
}
