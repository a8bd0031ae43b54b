//! Integration tests of the ledger crate against published test vectors, real Certificate
//! Transparency data, independent implementations (tlog_tiles, ct-merkle) and properties.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "ledger/common.rs"]
mod common;
#[path = "ledger/ct_argon.rs"]
mod ct_argon;
#[path = "ledger/ed25519_vectors.rs"]
mod ed25519_vectors;
#[path = "ledger/flows.rs"]
mod flows;
#[path = "ledger/oracles.rs"]
mod oracles;
#[path = "ledger/properties.rs"]
mod properties;
#[path = "ledger/rfc6962_vectors.rs"]
mod rfc6962_vectors;
#[path = "ledger/signed_note.rs"]
mod signed_note;
