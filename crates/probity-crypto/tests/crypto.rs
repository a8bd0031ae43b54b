//! The crate's one integration test binary: behaviour of each module through the public API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "crypto/keyring.rs"]
mod keyring;
#[path = "crypto/password.rs"]
mod password;
#[path = "crypto/token.rs"]
mod token;
#[path = "crypto/totp.rs"]
mod totp;
