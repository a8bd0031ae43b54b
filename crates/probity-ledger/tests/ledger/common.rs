//! Shared helpers: where the shared test data lives and how to read it.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use probity_ledger::Hash;
use probity_ledger::hash::leaf_hash;

/// `../shared/testdata/<relative>` next to the project root.
pub fn testdata(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(relative)
}

/// Reads and parses a JSON test data file.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad json {}: {e}", path.display()))
}

/// Decodes standard base64.
pub fn base64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

/// A hash from base64 that must be 32 bytes.
pub fn hash_b64(text: &str) -> Hash {
    Hash::from_base64(text).unwrap()
}

/// Leaf hashes of `n` distinct leaves.
pub fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}
