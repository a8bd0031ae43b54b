//! RFC 6962 hashing: the SHA-256 [`Hash`](struct@Hash) newtype and the leaf and interior node hash functions
//! with their domain-separation prefixes (0x00 for leaves, 0x01 for nodes).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Length in bytes of every hash in the ledger (SHA-256).
pub const HASH_SIZE: usize = 32;

/// Root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// Why text or bytes could not be read as a [`Hash`](struct@Hash).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The input was not valid hexadecimal.
    #[error("hash is not valid hex")]
    InvalidHex,
    /// The input was not valid standard base64 with padding.
    #[error("hash is not valid base64")]
    InvalidBase64,
    /// The input decoded to the wrong number of bytes.
    #[error("hash must be 32 bytes, got {len}")]
    InvalidLength {
        /// Number of bytes decoded.
        len: usize,
    },
}

impl Hash {
    /// Wraps raw bytes.
    pub const fn new(bytes: [u8; HASH_SIZE]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Reads a hash from a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashError> {
        <[u8; HASH_SIZE]>::try_from(bytes)
            .map(Self)
            .map_err(|_| HashError::InvalidLength { len: bytes.len() })
    }

    /// Lowercase hexadecimal encoding (64 characters).
    pub fn to_hex(&self) -> String {
        // Digit by digit into one allocation: this runs once per leaf when a log is verified.
        let mut out = String::with_capacity(HASH_SIZE * 2);
        for byte in self.0 {
            for nibble in [byte >> 4, byte & 0x0f] {
                out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        out
    }

    /// Parses hexadecimal (either case) of exactly 32 bytes.
    pub fn from_hex(text: &str) -> Result<Self, HashError> {
        if text.len() != HASH_SIZE * 2 {
            let bytes = hex::decode(text).map_err(|_| HashError::InvalidHex)?;
            return Self::from_slice(&bytes);
        }
        let mut bytes = [0u8; HASH_SIZE];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| HashError::InvalidHex)?;
        Ok(Self(bytes))
    }

    /// Standard base64 with padding (RFC 4648 §4), as used by checkpoints and proofs.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Parses standard, padded base64 of exactly 32 bytes. Non-canonical encodings (non-zero
    /// trailing bits) are rejected so that every hash has exactly one text form.
    pub fn from_base64(text: &str) -> Result<Self, HashError> {
        let bytes = STANDARD
            .decode(text)
            .map_err(|_| HashError::InvalidBase64)?;
        Self::from_slice(&bytes)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = HashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_hex(s)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(bytes: [u8; HASH_SIZE]) -> Self {
        Self(bytes)
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Plain SHA-256 of `data` (no RFC 6962 prefix).
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

/// RFC 6962 leaf hash: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    Hash(hasher.finalize().into())
}

/// RFC 6962 interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(sha256(b""), EMPTY_ROOT);
    }

    #[test]
    fn leaf_and_node_hashes_use_distinct_prefixes() {
        // Known answers from RFC 6962 test vectors: the leaf hash of the empty string.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        let mut concatenated = vec![0x01];
        concatenated.extend_from_slice(a.as_bytes());
        concatenated.extend_from_slice(b.as_bytes());
        assert_eq!(node_hash(&a, &b), sha256(&concatenated));
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }

    #[test]
    fn text_forms_round_trip() {
        let h = leaf_hash(b"probity");
        assert_eq!(h.to_hex(), hex::encode(h.0));
        assert_eq!(Hash([0xf0; 32]).to_hex(), "f0".repeat(32));
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(Hash::from_hex(&"g".repeat(64)), Err(HashError::InvalidHex));
        assert_eq!(Hash::from_hex("abc"), Err(HashError::InvalidHex));
        assert_eq!(
            Hash::from_hex("abcd"),
            Err(HashError::InvalidLength { len: 2 })
        );
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()), Ok(h));
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(h.to_string().parse::<Hash>(), Ok(h));
        assert_eq!(format!("{h:?}"), format!("Hash({})", h.to_hex()));
        let json = serde_json::to_string(&h).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Hash>(&json).ok(), Some(h));
    }

    #[test]
    fn malformed_text_is_rejected() {
        assert_eq!(Hash::from_hex("zz"), Err(HashError::InvalidHex));
        assert_eq!(
            Hash::from_hex("abcd"),
            Err(HashError::InvalidLength { len: 2 })
        );
        assert_eq!(Hash::from_base64("!!!"), Err(HashError::InvalidBase64));
        assert_eq!(
            Hash::from_base64("AAAA"),
            Err(HashError::InvalidLength { len: 3 })
        );
        // Non-canonical trailing bits ("=" form of 32 bytes ends in a char with 2 unused bits).
        let canonical = EMPTY_ROOT.to_base64();
        let mut tweaked = canonical.clone();
        tweaked.replace_range(42..43, "V");
        assert_ne!(canonical, tweaked);
        assert_eq!(Hash::from_base64(&tweaked), Err(HashError::InvalidBase64));
    }
}
