//! Bearer secrets: API tokens (`prb_<id>_<secret>`), session ids for the UI cookie, and CSRF
//! tokens bound to a session.
//!
//! Only [`SecretHash`]es are stored. They are plain SHA-256, not a password hash: these
//! secrets are random with 190 (tokens) or 256 (sessions) bits of entropy, so a slow hash adds
//! no protection against guessing and would only slow every request down.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac as _};
use rand::RngCore;
use rand::rngs::OsRng;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Prefix of every API token, so secret scanners can recognise leaked ones.
pub const API_TOKEN_PREFIX: &str = "prb_";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const TOKEN_ID_LEN: usize = 12;
/// 32 base62 characters: about 190 bits.
const TOKEN_SECRET_LEN: usize = 32;
/// Session ids are 32 random bytes, which is 43 base64url characters without padding.
const SESSION_ID_BYTES: usize = 32;
const SESSION_ID_LEN: usize = 43;
const CSRF_LABEL: &[u8] = b"probity-csrf-v1\0";
/// SHA-256 block size: HMAC zero-pads shorter keys to this length (RFC 2104, section 2).
const HMAC_BLOCK_LEN: usize = 64;

/// Why a presented token or id was refused. Messages never include the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The value does not start with `prb_`.
    #[error("not a probity api token: it must start with 'prb_'")]
    NotApiToken,
    /// The value starts with `prb_` but has the wrong shape.
    #[error(
        "malformed api token: expected 'prb_', 12 letters or digits, '_', \
         then 32 letters or digits"
    )]
    MalformedApiToken,
    /// A token id that is not 12 letters or digits.
    #[error("invalid api token id: expected 12 letters or digits")]
    InvalidTokenId,
    /// A session cookie value of the wrong shape.
    #[error("malformed session id: expected 43 base64url characters")]
    MalformedSessionId,
}

/// The public part of an API token, used to look it up. Safe to log and show.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct TokenId(String);

impl TokenId {
    /// Parses 12 base62 characters.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        if is_base62(text, TOKEN_ID_LEN) {
            Ok(Self(text.to_owned()))
        } else {
            Err(TokenError::InvalidTokenId)
        }
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TokenId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The stored form of a token or session secret: lowercase hex SHA-256.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretHash(String);

impl SecretHash {
    fn of(secret: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(secret)))
    }

    /// The hex text to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with another hash.
    pub fn ct_eq(&self, other: &SecretHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl From<String> for SecretHash {
    /// Wraps a hash read back from storage.
    fn from(stored: String) -> Self {
        Self(stored)
    }
}

/// The secret part of an API token. Zeroized on drop; `Debug` is redacted.
pub struct ApiTokenSecret(Zeroizing<String>);

impl ApiTokenSecret {
    /// Issues a token: the full `prb_<id>_<secret>` text to show once, its id, and the hash
    /// to store.
    pub fn generate() -> (SecretString, TokenId, SecretHash) {
        let id = TokenId(crate::random_string(BASE62, TOKEN_ID_LEN));
        let secret = Self(Zeroizing::new(crate::random_string(
            BASE62,
            TOKEN_SECRET_LEN,
        )));
        let display = format!("{API_TOKEN_PREFIX}{id}_{}", secret.0.as_str());
        let hash = secret.hash();
        (SecretString::from(display), id, hash)
    }

    /// The hash to compare with the stored one.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(self.0.as_bytes())
    }

    /// Whether this secret matches the stored hash (constant-time).
    pub fn verify(&self, stored: &SecretHash) -> bool {
        self.hash().ct_eq(stored)
    }
}

impl fmt::Debug for ApiTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiTokenSecret([redacted])")
    }
}

/// Splits a presented token (e.g. from `Authorization: Bearer …`, surrounding whitespace
/// ignored) into its id, for the lookup, and its secret, for [`ApiTokenSecret::verify`].
pub fn parse_api_token(presented: &str) -> Result<(TokenId, ApiTokenSecret), TokenError> {
    let rest = presented
        .trim()
        .strip_prefix(API_TOKEN_PREFIX)
        .ok_or(TokenError::NotApiToken)?;
    let (id, secret) = rest.split_once('_').ok_or(TokenError::MalformedApiToken)?;
    if !is_base62(id, TOKEN_ID_LEN) || !is_base62(secret, TOKEN_SECRET_LEN) {
        return Err(TokenError::MalformedApiToken);
    }
    Ok((
        TokenId(id.to_owned()),
        ApiTokenSecret(Zeroizing::new(secret.to_owned())),
    ))
}

fn is_base62(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A session id: 32 random bytes as base64url, the value of the session cookie. Only its
/// [`SecretHash`] is stored. Zeroized on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct SessionId(Zeroizing<String>);

impl SessionId {
    /// A fresh session id.
    pub fn generate() -> Self {
        let mut raw = Zeroizing::new([0u8; SESSION_ID_BYTES]);
        OsRng.fill_bytes(raw.as_mut());
        Self(Zeroizing::new(URL_SAFE_NO_PAD.encode(raw.as_ref())))
    }

    /// Parses a cookie value: 43 base64url characters that decode to 32 bytes.
    pub fn parse(cookie: &str) -> Result<Self, TokenError> {
        if cookie.len() != SESSION_ID_LEN {
            return Err(TokenError::MalformedSessionId);
        }
        let decoded = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(cookie.as_bytes())
                .map_err(|_| TokenError::MalformedSessionId)?,
        );
        if decoded.len() != SESSION_ID_BYTES {
            return Err(TokenError::MalformedSessionId);
        }
        Ok(Self(Zeroizing::new(cookie.to_owned())))
    }

    /// The cookie value.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The hash to store and to look the session up by.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(self.0.as_bytes())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

/// The server key for CSRF tokens (32 bytes). Zeroized on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct CsrfKey(Zeroizing<[u8; 32]>);

impl CsrfKey {
    /// A fresh random key. Every node of a cluster must use the same key.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    /// A key from configured bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }
}

impl fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfKey([redacted])")
    }
}

/// The CSRF token for a session: base64url HMAC-SHA256 over a label and the session id.
/// Stateless: the same session always gets the same token.
pub fn csrf_token(key: &CsrfKey, session: &SessionId) -> String {
    URL_SAFE_NO_PAD.encode(csrf_mac(key, session))
}

/// Whether `presented` is the CSRF token of this session (constant-time).
pub fn verify_csrf(key: &CsrfKey, session: &SessionId, presented: &str) -> bool {
    let expected = csrf_token(key, session);
    expected
        .as_bytes()
        .ct_eq(presented.trim().as_bytes())
        .into()
}

fn csrf_mac(key: &CsrfKey, session: &SessionId) -> [u8; 32] {
    // Zero-padding the 32-byte key to the block size is exactly what HMAC does itself, and
    // the fixed-size constructor cannot fail (unlike `new_from_slice`).
    let mut padded = Zeroizing::new([0u8; HMAC_BLOCK_LEN]);
    for (dst, src) in padded.iter_mut().zip(key.0.iter()) {
        *dst = *src;
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(padded.as_ref().into());
    mac.update(CSRF_LABEL);
    mac.update(session.expose_secret().as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    #[test]
    fn padded_key_equals_plain_hmac() {
        let key = CsrfKey::from_bytes([9u8; 32]);
        let session = SessionId::generate();
        let mut plain = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&[9u8; 32]).unwrap();
        plain.update(CSRF_LABEL);
        plain.update(session.expose_secret().as_bytes());
        let expected: [u8; 32] = plain.finalize().into_bytes().into();
        assert_eq!(csrf_mac(&key, &session), expected);
    }

    #[test]
    fn token_shape() {
        let (display, id, hash) = ApiTokenSecret::generate();
        let text = display.expose_secret();
        assert_eq!(text.len(), 4 + 12 + 1 + 32);
        assert!(text.starts_with("prb_"));
        assert_eq!(&text[4..16], id.as_str());
        assert_eq!(hash.as_str().len(), 64);
        let (_, secret) = parse_api_token(text).unwrap();
        assert_eq!(hash.as_str(), hex::encode(Sha256::digest(&text[17..])));
        assert!(secret.verify(&hash));
    }

    #[test]
    fn secrets_are_redacted() {
        let (display, _, _) = ApiTokenSecret::generate();
        let (_, secret) = parse_api_token(display.expose_secret()).unwrap();
        assert_eq!(format!("{secret:?}"), "ApiTokenSecret([redacted])");
        assert_eq!(
            format!("{:?}", SessionId::generate()),
            "SessionId([redacted])"
        );
        assert_eq!(format!("{:?}", CsrfKey::generate()), "CsrfKey([redacted])");
    }
}
