//! The one Ed25519 verification rule of the ledger: ed25519-dalek's `verify_strict`, which rejects
//! small-order public keys and `R` points, non-canonical point encodings and non-canonical `s`,
//! and checks the cofactorless equation `[s]B = R + [k]A`.
//!
//! Pinned by the C2SP/CCTV `ed25519vectors.json` test (see `ED25519.md` in this crate): of its 914
//! edge cases we accept exactly the 43 whose only flags are `low_order_component_A` and/or
//! `low_order_component_R` (points with a small-order component that are not themselves of small
//! order, and signatures whose small-order parts cancel), and reject everything flagged
//! `low_order_A`, `low_order_R`, `non_canonical_A`, `non_canonical_R`, `low_order_residue` or
//! `reencoded_k`. Rejecting small-order keys means no key can produce a signature valid for many
//! messages, and rejecting non-canonical encodings means each signature has one byte form, so a
//! checkpoint's signature line cannot be malleated by a third party.

use ed25519_dalek::Signature;
use rand_core::CryptoRngCore;

use crate::note::{
    NoteError, NoteSigner, NoteVerifier, SIGNATURE_TYPE_ED25519, VerifierKey, key_id,
    validate_key_name,
};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_SIZE: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_SIZE: usize = 64;

/// Why an Ed25519 key or signature was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Ed25519Error {
    /// The public key is not 32 bytes or not a valid point encoding.
    #[error("invalid ed25519 public key")]
    InvalidPublicKey,
    /// The public key is a point of small order, which could verify forged signatures.
    #[error("ed25519 public key has small order")]
    WeakPublicKey,
    /// The signature is not 64 bytes.
    #[error("ed25519 signature must be 64 bytes")]
    InvalidSignatureLength,
    /// The signature does not verify under the strict rules.
    #[error("ed25519 signature does not verify")]
    BadSignature,
}

/// Parses a public key for use as a verifier, rejecting invalid and small-order points.
pub fn parse_public_key(bytes: &[u8]) -> Result<VerifyingKey, Ed25519Error> {
    let array: &[u8; PUBLIC_KEY_SIZE] = bytes
        .try_into()
        .map_err(|_| Ed25519Error::InvalidPublicKey)?;
    let key = VerifyingKey::from_bytes(array).map_err(|_| Ed25519Error::InvalidPublicKey)?;
    if key.is_weak() {
        return Err(Ed25519Error::WeakPublicKey);
    }
    Ok(key)
}

/// Verifies `signature` over `message` with `verify_strict`.
pub fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> Result<(), Ed25519Error> {
    let signature =
        Signature::from_slice(signature).map_err(|_| Ed25519Error::InvalidSignatureLength)?;
    key.verify_strict(message, &signature)
        .map_err(|_| Ed25519Error::BadSignature)
}

/// Verifies with a raw public key: decoding failures and weak keys count as rejections. This is
/// the decision pinned by the test vectors.
pub fn verify_raw(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Ed25519Error> {
    let array: &[u8; PUBLIC_KEY_SIZE] = public_key
        .try_into()
        .map_err(|_| Ed25519Error::InvalidPublicKey)?;
    let key = VerifyingKey::from_bytes(array).map_err(|_| Ed25519Error::InvalidPublicKey)?;
    verify(&key, message, signature)
}

/// Signs `message` (deterministic RFC 8032 Ed25519).
pub fn sign(key: &SigningKey, message: &[u8]) -> [u8; SIGNATURE_SIZE] {
    use ed25519_dalek::Signer as _;
    key.sign(message).to_bytes()
}

/// Signs notes (checkpoints) with an Ed25519 key, signature type 0x01.
pub struct Ed25519NoteSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Ed25519NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519NoteSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Ed25519NoteSigner {
    /// A signer named `name` with `key`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        validate_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, SIGNATURE_TYPE_ED25519, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// A signer with a fresh key from `rng`.
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Self, NoteError> {
        Self::new(name, SigningKey::generate(rng))
    }

    /// The public verifier key text for this signer.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::from_validated_name(
            &self.name,
            SIGNATURE_TYPE_ED25519,
            self.key.verifying_key().as_bytes(),
        )
    }

    /// A verifier for this signer's signatures.
    pub fn verifier(&self) -> Ed25519NoteVerifier {
        Ed25519NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Secret key text in the Go `note` format:
    /// `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>`. Handle as a secret.
    pub fn to_secret_text(&self) -> String {
        use base64::Engine as _;
        let mut bytes = vec![SIGNATURE_TYPE_ED25519];
        bytes.extend_from_slice(&self.key.to_bytes());
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        format!("PRIVATE+KEY+{}+{:08x}+{encoded}", self.name, self.key_id)
    }

    /// Parses secret key text written by [`Ed25519NoteSigner::to_secret_text`].
    pub fn from_secret_text(text: &str) -> Result<Self, NoteError> {
        use base64::Engine as _;
        let rest = text
            .trim_end()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| NoteError::MalformedKey)?;
        let (key_type, seed) = bytes.split_first().ok_or(NoteError::MalformedKey)?;
        if *key_type != SIGNATURE_TYPE_ED25519 {
            return Err(NoteError::UnsupportedKeyType {
                key_type: *key_type,
            });
        }
        let seed: [u8; 32] = seed.try_into().map_err(|_| NoteError::MalformedKey)?;
        let signer = Self::new(name, SigningKey::from_bytes(&seed))?;
        if id_hex != format!("{:08x}", signer.key_id) {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }
}

impl NoteSigner for Ed25519NoteSigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn sign(&self, text: &[u8]) -> Vec<u8> {
        sign(&self.key, text).to_vec()
    }
}

/// Verifies Ed25519 note signatures (type 0x01) of one key with `verify_strict`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ed25519NoteVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Ed25519NoteVerifier {
    /// A verifier from key text of type 0x01.
    pub fn from_key(key: &VerifierKey) -> Result<Self, NoteError> {
        if key.key_type() != SIGNATURE_TYPE_ED25519 {
            return Err(NoteError::UnsupportedKeyType {
                key_type: key.key_type(),
            });
        }
        let public = parse_public_key(key.public_key()).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(Self {
            name: key.name().to_owned(),
            key_id: key.key_id(),
            key: public,
        })
    }

    /// Parses verifier key text (`<name>+<hex id>+<base64(0x01 || key)>`).
    pub fn from_key_text(text: &str) -> Result<Self, NoteError> {
        Self::from_key(&VerifierKey::parse(text)?)
    }
}

impl NoteVerifier for Ed25519NoteVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        verify(&self.key, text, signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let signature = sign(&key, b"checkpoint");
        assert_eq!(
            verify(&key.verifying_key(), b"checkpoint", &signature),
            Ok(())
        );
        assert_eq!(
            verify(&key.verifying_key(), b"checkpoinT", &signature),
            Err(Ed25519Error::BadSignature)
        );
        assert_eq!(
            verify(&key.verifying_key(), b"checkpoint", &signature[..63]),
            Err(Ed25519Error::InvalidSignatureLength)
        );
    }

    #[test]
    fn small_order_keys_are_refused() {
        // The identity point (order 1).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            parse_public_key(&identity),
            Err(Ed25519Error::WeakPublicKey)
        );
        assert_eq!(
            parse_public_key(&[1u8; 31]),
            Err(Ed25519Error::InvalidPublicKey)
        );
    }

    #[test]
    fn non_canonical_s_is_refused() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let mut signature = sign(&key, b"m");
        // Adding the group order L to s gives an equivalent but non-canonical scalar.
        let order: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (s_byte, l_byte) in signature[32..].iter_mut().zip(order) {
            let sum = u16::from(*s_byte) + u16::from(l_byte) + carry;
            *s_byte = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(
            verify(&key.verifying_key(), b"m", &signature),
            Err(Ed25519Error::BadSignature)
        );
    }
}
