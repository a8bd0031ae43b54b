//! A dependency-free benchmark of tile-based proof generation and verification.
//!
//! `cargo run --release -p probity-ledger --example proof_bench -- [leaves] [proofs]`
//! (defaults: 1,000,000 leaves, 20,000 proofs). Prints median and p99 per operation.
//!
//! On the 2-core development machine (release build, shared with other work), 10,000,000
//! leaves: tile builder 295 ns/leaf; inclusion proof from uncached tiles median 120 µs, p99
//! 184 µs; through `CachedTiles` (4,096 tiles) median 39 µs, p99 96 µs; verification 3 µs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use probity_ledger::hash::leaf_hash;
use probity_ledger::proof::{prove_consistency, prove_inclusion};
use probity_ledger::tile_builder::TileBuilder;
use probity_ledger::tile_cache::CachedTiles;
use probity_ledger::tile_source::TileReader;
use probity_ledger::verify::{verify_consistency, verify_inclusion};
use probity_ledger::{Hash, MemoryTiles};

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    (p(0.5), p(0.99))
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let size = args.first().copied().unwrap_or(1_000_000);
    let proofs = args.get(1).copied().unwrap_or(20_000);

    let started = Instant::now();
    let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let hashing = started.elapsed();

    let started = Instant::now();
    let mut builder = TileBuilder::new();
    let mut full_tiles = 0;
    for batch in leaves.chunks(1_024) {
        full_tiles += builder.append(batch).unwrap().len();
    }
    let building = started.elapsed();
    let tiles = MemoryTiles::from_leaf_hashes(&leaves);
    let root = builder.root();
    println!(
        "{size} leaves: leaf hashing {:.0} ns/leaf, tile builder {:.0} ns/leaf ({full_tiles} full tiles)",
        hashing.as_nanos() as f64 / size as f64,
        building.as_nanos() as f64 / size as f64,
    );

    // A simple deterministic spread of indices (xorshift).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };

    // Cache capacity: every upper tile plus some level-0 tiles (about 16 KiB each).
    let cached = CachedTiles::new(&tiles, 4_096);
    let (mut prove, mut prove_cached, mut verify) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..proofs {
        let index = next() % size;
        let t = Instant::now();
        let mut reader = tiles.reader(size);
        let proof = prove_inclusion(&mut reader, index).unwrap();
        prove.push(t.elapsed());
        let t = Instant::now();
        let mut reader = TileReader::new(&cached, size);
        let again = prove_inclusion(&mut reader, index).unwrap();
        prove_cached.push(t.elapsed());
        assert_eq!(proof, again);
        let t = Instant::now();
        verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
        verify.push(t.elapsed());
    }
    let (p50, p99) = percentiles(prove);
    println!("inclusion proof from tiles: median {p50:?}, p99 {p99:?}");
    let (p50, p99) = percentiles(prove_cached);
    println!("  with CachedTiles(4096):   median {p50:?}, p99 {p99:?}");
    let (p50, p99) = percentiles(verify);
    println!("inclusion verify:           median {p50:?}, p99 {p99:?}");

    let mut consistency = Vec::new();
    for _ in 0..proofs.min(2_000) {
        let old = 1 + next() % size;
        let t = Instant::now();
        let mut reader = TileReader::new(&cached, size);
        let proof = prove_consistency(&mut reader, old).unwrap();
        consistency.push(t.elapsed());
        let old_root = tiles.reader(old).root().unwrap();
        verify_consistency(old, size, &proof, &old_root, &root).unwrap();
    }
    let (p50, p99) = percentiles(consistency);
    println!("consistency proof, cached tiles: median {p50:?}, p99 {p99:?}");
}
