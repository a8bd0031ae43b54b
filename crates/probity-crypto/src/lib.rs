//! Secrets and keys for Probity: envelope encryption at rest ([`keyring`]), password hashing
//! and policy ([`password`]), TOTP second factors and recovery codes ([`totp`]), and API
//! tokens, session ids and CSRF tokens ([`token`]), and Standard Webhooks signing secrets
//! ([`webhook`]).
//!
//! No database, no async, no wall clock: callers pass the time in (unix seconds) and store
//! what these functions return. Secret-bearing types zeroize on drop and redact `Debug`.

pub mod keyring;
pub mod password;
pub mod token;
pub mod totp;
pub mod webhook;

pub use keyring::{
    DataKey, DataKeyId, Kek, KekFile, KekId, Keyring, KeyringError, WrappedKey, key_id_of,
};
pub use password::{
    HashCost, PasswordError, PasswordPolicy, PasswordRejection, hash_password, verify_password,
};
pub use token::{
    ApiTokenSecret, CsrfKey, SecretHash, SessionId, TokenError, TokenId, csrf_token,
    parse_api_token, verify_csrf,
};
pub use totp::{RecoveryCodes, TotpEnrollment, TotpError, TotpSecret, verify_recovery_code};
pub use webhook::{WEBHOOK_SECRET_PREFIX, WebhookSecret, WebhookSecretError};

/// `len` symbols drawn uniformly and independently from `alphabet` with the OS generator.
pub(crate) fn random_string(alphabet: &[u8], len: usize) -> String {
    use rand::seq::SliceRandom as _;
    (0..len)
        .filter_map(|_| alphabet.choose(&mut rand::rngs::OsRng))
        .map(|&b| char::from(b))
        .collect()
}
