//! Envelope encryption at rest: a key-encryption key ([`Kek`]) wraps per-tenant data keys
//! ([`DataKey`]), and a tenant's [`Keyring`] encrypts data with XChaCha20-Poly1305 into
//! self-describing ciphertexts that name the data key they were made with.
//!
//! Rotation adds a new active data key and keeps the old ones for decryption; a background job
//! re-encrypts old ciphertexts ([`Keyring::reencrypt`]) and re-wraps data keys under a new KEK
//! ([`Kek::rewrap`]). Removing a data key from every store crypto-shreds what it protected.

mod kek;
mod ring;

use std::fmt;
use std::path::PathBuf;

use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

pub use kek::{Kek, KekFile, WrappedKey};
pub use ring::{DataKey, Keyring, key_id_of};

/// Length in bytes of every symmetric key in this module.
pub const KEY_LEN: usize = 32;

/// Why a keyring operation failed. Variants are stable; messages are lowercase and say what
/// to check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// The configured key-encryption key text is not what we expect.
    #[error(
        "invalid key-encryption key: expected standard base64 of exactly 32 bytes \
         (44 characters, e.g. the output of `openssl rand -base64 32`): {reason}"
    )]
    InvalidKek {
        /// What was wrong with the text (never the text itself).
        reason: String,
    },
    /// The key file could not be read, created or replaced.
    #[error("cannot use key-encryption key file {path}: {source}")]
    KekFile {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A wrapped data key was made under another key-encryption key than the one configured.
    #[error(
        "data key {key} was wrapped with key-encryption key {wrapped_with}, \
         but the configured key-encryption key is {configured}"
    )]
    KekMismatch {
        /// The data key that could not be unwrapped.
        key: DataKeyId,
        /// The KEK id recorded in the wrapped key.
        wrapped_with: KekId,
        /// The id of the KEK in use.
        configured: KekId,
    },
    /// A wrapped data key failed authentication: wrong tenant, or the stored row was altered.
    #[error("cannot unwrap data key {0}: it belongs to another tenant or was altered")]
    UnwrapFailed(DataKeyId),
    /// The ciphertext names a data key this keyring does not hold.
    #[error(
        "unknown data key {0}: the ciphertext belongs to another tenant or the key was removed"
    )]
    UnknownKey(DataKeyId),
    /// Authentication failed: wrong key, wrong associated data, or altered ciphertext.
    #[error("decryption failed: wrong associated data or the ciphertext was altered")]
    Decrypt,
    /// The input is not a ciphertext in our format.
    #[error("malformed ciphertext: {0}")]
    Malformed(&'static str),
    /// The plaintext is too large for one AEAD message.
    #[error("encryption failed: plaintext too large")]
    Encrypt,
    /// The active data key cannot be removed from a keyring.
    #[error("data key {0} is the active key and cannot be removed: rotate first")]
    ActiveKey(DataKeyId),
    /// A data key id string does not have the `dk_<16 hex>` shape.
    #[error("invalid data key id: expected `dk_` followed by 16 lowercase hex characters")]
    InvalidKeyId,
}

/// Identifier of a data key: `dk_` followed by 16 lowercase hex characters (8 random bytes).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataKeyId([u8; 8]);

impl DataKeyId {
    const PREFIX: &'static str = "dk_";

    /// A fresh random id.
    pub fn generate() -> Self {
        let mut raw = [0u8; 8];
        OsRng.fill_bytes(&mut raw);
        Self(raw)
    }

    /// Parses the `dk_<16 hex>` text form.
    pub fn parse(text: &str) -> Result<Self, KeyringError> {
        let hex_part = text
            .strip_prefix(Self::PREFIX)
            .ok_or(KeyringError::InvalidKeyId)?;
        if hex_part.len() != 16 || hex_part.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(KeyringError::InvalidKeyId);
        }
        let mut raw = [0u8; 8];
        hex::decode_to_slice(hex_part, &mut raw).map_err(|_| KeyringError::InvalidKeyId)?;
        Ok(Self(raw))
    }

    /// The 8 raw bytes, as embedded in ciphertext headers.
    pub fn to_bytes(self) -> [u8; 8] {
        self.0
    }

    /// Rebuilds an id from the 8 raw bytes of a ciphertext header.
    pub fn from_bytes(raw: [u8; 8]) -> Self {
        Self(raw)
    }
}

impl fmt::Display for DataKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, hex::encode(self.0))
    }
}

impl fmt::Debug for DataKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKeyId({self})")
    }
}

impl std::str::FromStr for DataKeyId {
    type Err = KeyringError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for DataKeyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DataKeyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Identifier of a key-encryption key: the first 8 hex characters of
/// SHA-256(`"probity-kek-id-v1\0"` || key). Public; reveals nothing useful about the key.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KekId(String);

impl KekId {
    /// The id text (8 lowercase hex characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KekId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Length in bytes of an XChaCha20-Poly1305 nonce; random nonces of this size never repeat in
/// practice, so no nonce counter has to be kept.
pub(crate) const NONCE_LEN: usize = 24;

fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    nonce
}

fn aead_seal(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    msg: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, KeyringError> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(nonce.into(), Payload { msg, aad })
        .map_err(|_| KeyringError::Encrypt)
}

/// Returns `None` when authentication fails; the callers know which error that means.
fn aead_open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    msg: &[u8],
    aad: &[u8],
) -> Option<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(key.into());
    cipher.decrypt(nonce.into(), Payload { msg, aad }).ok()
}

/// Serde helpers that store byte fields as standard base64 text.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, T: AsRef<[u8]>>(
        bytes: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes.as_ref()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<Vec<u8>>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(deserializer)?;
        let raw = STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        T::try_from(raw).map_err(|_| serde::de::Error::custom("byte field has the wrong length"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_key_id_text_round_trip() {
        let id = DataKeyId::generate();
        let text = id.to_string();
        assert!(text.starts_with("dk_"));
        assert_eq!(text.len(), 19);
        assert_eq!(DataKeyId::parse(&text).unwrap(), id);
        assert_eq!(DataKeyId::from_bytes(id.to_bytes()), id);
    }

    #[test]
    fn data_key_id_rejects_bad_shapes() {
        for bad in [
            "",
            "dk_",
            "dk_0123",
            "dk_0123456789abcdefaa",
            "dk_0123456789ABCDEF",
            "dk_0123456789abcdeg",
            "xx_0123456789abcdef",
        ] {
            assert!(
                matches!(DataKeyId::parse(bad), Err(KeyringError::InvalidKeyId)),
                "{bad}"
            );
        }
    }

    #[test]
    fn data_key_id_serde_is_text() {
        let id = DataKeyId::parse("dk_0123456789abcdef").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"dk_0123456789abcdef\"");
        assert_eq!(serde_json::from_str::<DataKeyId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<DataKeyId>("\"dk_nothex\"").is_err());
    }
}
