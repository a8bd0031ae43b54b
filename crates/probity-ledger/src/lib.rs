//! The Probity audit ledger: an RFC 6962 Merkle tree stored as C2SP tlog-tiles, with signed
//! checkpoints, witness cosignatures, inclusion and consistency proofs, and the leaf envelope.
//!
//! This crate is pure computation: no database, no async, no clock. Time, randomness and
//! storage are passed in by the caller.

pub mod checkpoint;
pub mod cosignature;
pub mod ed25519;
pub mod entry_bundle;
pub mod envelope;
pub mod hash;
pub mod jcs;
pub mod note;
pub mod proof;
pub mod proof_file;
pub mod tile;
pub mod tile_builder;
pub mod tile_cache;
pub mod tile_source;
pub mod tree;
pub mod verifier_key;
pub mod verify;
pub mod witness;

pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use envelope::{LeafEnvelope, PayloadSalt, RecordedAt};
pub use hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};
pub use note::{Note, NoteSigner, NoteVerifier, VerifierKey};
pub use tile::TileId;
pub use tile_cache::CachedTiles;
pub use tile_source::{MemoryTiles, TileReader, TileSource, TileTree};
pub use tree::Frontier;
