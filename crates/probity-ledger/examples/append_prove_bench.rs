//! Append and prove rates of this crate next to two independent RFC 6962 implementations, in
//! one run over the same leaves: `tlog_tiles` (a port of Go's sumdb/tlog: stored hashes record
//! by record, proofs from them) and `ct-merkle` (an in-memory tree).
//!
//! `cargo run --release -p probity-ledger --example append_prove_bench -- [leaves] [proofs]`
//! (defaults: 1,000,000 leaves, 100,000 inclusion proofs at random indexes of the full tree).
//! Appending includes hashing the leaf data; every implementation's root and a sample of proofs
//! are checked equal, so the rates compare the same work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Instant;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use probity_ledger::proof::prove_inclusion;
use probity_ledger::tile_builder::TileBuilder;
use probity_ledger::{Hash, MemoryTiles, leaf_hash};
use sha2_digest011::Sha256 as Sha256V011;

fn leaf_data(i: u64) -> Vec<u8> {
    format!("{{\"seq\":{i},\"kind\":\"data.accessed\",\"tenant\":\"acme\"}}").into_bytes()
}

struct Stored(Vec<tlog_tiles::Hash>);

impl tlog_tiles::HashReader for Stored {
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

fn rate(n: u64, secs: f64) -> String {
    format!("{:>12.0}/s", n as f64 / secs)
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let size = args.first().copied().unwrap_or(1_000_000);
    let proofs = args.get(1).copied().unwrap_or(100_000);
    let data: Vec<Vec<u8>> = (0..size).map(leaf_data).collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let indexes: Vec<u64> = (0..proofs)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % size
        })
        .collect();
    println!("{size} leaves, {proofs} inclusion proofs");
    println!("{:<34} {:>14} {:>14}", "implementation", "append", "prove");

    // Ours: the sequencer's path (leaf hashes, tile builder in batches of 1,024), proofs from
    // the tiles.
    let t = Instant::now();
    let mut builder = TileBuilder::new();
    let mut leaves = Vec::with_capacity(data.len());
    for batch in data.chunks(1_024) {
        let hashes: Vec<Hash> = batch.iter().map(|d| leaf_hash(d)).collect();
        builder.append(&hashes).unwrap();
        leaves.extend(hashes);
    }
    let append = t.elapsed().as_secs_f64();
    let tiles = MemoryTiles::from_leaf_hashes(&leaves);
    let t = Instant::now();
    let mut ours = Vec::with_capacity(indexes.len());
    for &i in &indexes {
        let mut reader = tiles.reader(size);
        ours.push(prove_inclusion(&mut reader, i).unwrap());
    }
    let prove = t.elapsed().as_secs_f64();
    println!(
        "{:<34} {} {}",
        "probity-ledger (tiles, uncached)",
        rate(size, append),
        rate(proofs, prove)
    );
    let root = builder.root();
    // The same proofs through a tile cache, as a server keeps its hot upper tiles.
    let cached = probity_ledger::CachedTiles::new(&tiles, 8_192);
    let t = Instant::now();
    for &i in &indexes {
        let mut reader = probity_ledger::TileReader::new(&cached, size);
        prove_inclusion(&mut reader, i).unwrap();
    }
    let prove = t.elapsed().as_secs_f64();
    println!(
        "{:<34} {:>14} {}",
        "probity-ledger (CachedTiles 8192)",
        "-",
        rate(proofs, prove)
    );

    // tlog_tiles: Go's stored-hash layout, one record at a time.
    let t = Instant::now();
    let mut stored = Stored(Vec::with_capacity(2 * data.len()));
    for (n, d) in (0..).zip(&data) {
        let new = tlog_tiles::stored_hashes(n, d, &stored).unwrap();
        stored.0.extend(new);
    }
    let append = t.elapsed().as_secs_f64();
    assert_eq!(tlog_tiles::tree_hash(size, &stored).unwrap().0, root.0);
    let t = Instant::now();
    let mut theirs = Vec::with_capacity(indexes.len());
    for &i in &indexes {
        theirs.push(tlog_tiles::prove_record(size, i, &stored).unwrap());
    }
    let prove = t.elapsed().as_secs_f64();
    println!(
        "{:<34} {} {}",
        "tlog_tiles (stored hashes)",
        rate(size, append),
        rate(proofs, prove)
    );
    for (a, b) in ours.iter().zip(&theirs).take(1_000) {
        assert!(a.iter().map(|h| h.0).eq(b.iter().map(|h| h.0)));
    }

    // ct-merkle: an in-memory tree of the leaf data.
    let t = Instant::now();
    let mut tree = MemoryBackedTree::<Sha256V011, Vec<u8>>::new();
    for d in &data {
        tree.push(d.clone());
    }
    let append = t.elapsed().as_secs_f64();
    assert_eq!(tree.root().as_bytes().as_slice(), root.0.as_slice());
    let t = Instant::now();
    let mut sample = Vec::new();
    for &i in &indexes {
        let proof = tree.prove_inclusion(i as usize);
        if sample.len() < 1_000 {
            sample.push(proof);
        }
    }
    let prove = t.elapsed().as_secs_f64();
    println!(
        "{:<34} {} {}",
        "ct-merkle (MemoryBackedTree)",
        rate(size, append),
        rate(proofs, prove)
    );
    for (a, b) in ours.iter().zip(&sample) {
        let flat: Vec<u8> = a.iter().flat_map(|h| h.0).collect();
        assert_eq!(b.as_bytes(), flat.as_slice());
    }
}
