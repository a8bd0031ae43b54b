//! C2SP tlog-cosignature v1 with Ed25519 (signature type 0x04): a witness signs
//! `cosignature/v1\ntime <secs>\n` followed by the whole checkpoint body, and the signature line
//! carries the 8-byte big-endian timestamp before the 64-byte signature.

use rand_core::CryptoRngCore;

use crate::ed25519::{self, SIGNATURE_SIZE, SigningKey, VerifyingKey};
use crate::note::{
    NoteError, NoteSignature, NoteVerifier, SIGNATURE_TYPE_COSIGNATURE, VerifierKey, key_id,
    validate_key_name,
};

/// Length of a cosignature: 8-byte timestamp and 64-byte Ed25519 signature.
pub const COSIGNATURE_SIZE: usize = 8 + SIGNATURE_SIZE;
/// Largest timestamp allowed (2^63 - 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Why a cosignature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    /// The timestamp exceeds 2^63 - 1.
    #[error("cosignature timestamp exceeds 2^63-1")]
    TimestampOutOfRange,
    /// The signature is not 72 bytes.
    #[error("cosignature must be {COSIGNATURE_SIZE} bytes")]
    WrongLength,
    /// The Ed25519 signature does not verify.
    #[error("cosignature does not verify")]
    BadSignature,
    /// The key or name is unusable.
    #[error(transparent)]
    Key(#[from] NoteError),
}

/// The message a cosigner signs for `checkpoint_body` (the whole note text, final newline
/// included) at `timestamp` (seconds since the Unix epoch).
pub fn cosigned_message(checkpoint_body: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_body}").into_bytes()
}

/// Timestamp carried by a cosignature's bytes (those after the key ID).
pub fn cosignature_timestamp(signature: &[u8]) -> Result<u64, CosignatureError> {
    let bytes: &[u8; COSIGNATURE_SIZE] = signature
        .try_into()
        .map_err(|_| CosignatureError::WrongLength)?;
    let (time, _) = bytes.split_at(8);
    let time: [u8; 8] = time.try_into().map_err(|_| CosignatureError::WrongLength)?;
    let timestamp = u64::from_be_bytes(time);
    if timestamp > MAX_TIMESTAMP {
        return Err(CosignatureError::TimestampOutOfRange);
    }
    Ok(timestamp)
}

/// A witness (cosigner) key.
pub struct CosignatureSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignatureSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl CosignatureSigner {
    /// A cosigner named `name` (a schema-less URL) with `key`. Use a key for nothing else: the
    /// signed message does not commit to the name.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CosignatureError> {
        validate_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(
                name,
                SIGNATURE_TYPE_COSIGNATURE,
                key.verifying_key().as_bytes(),
            ),
            key,
        })
    }

    /// A cosigner with a fresh key from `rng`.
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Self, CosignatureError> {
        Self::new(name, SigningKey::generate(rng))
    }

    /// Cosigner name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID (computed with type 0x04).
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Public key text (`<name>+<id>+<base64(0x04 || key)>`).
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::from_validated_name(
            &self.name,
            SIGNATURE_TYPE_COSIGNATURE,
            self.key.verifying_key().as_bytes(),
        )
    }

    /// A verifier for this cosigner.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Secret key text: `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 || 32-byte seed)>`, the
    /// form of [`crate::ed25519::Ed25519NoteSigner::to_secret_text`] with the cosignature type.
    /// Handle as a secret.
    pub fn to_secret_text(&self) -> String {
        use base64::Engine as _;
        let mut bytes = vec![SIGNATURE_TYPE_COSIGNATURE];
        bytes.extend_from_slice(&self.key.to_bytes());
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        format!("PRIVATE+KEY+{}+{:08x}+{encoded}", self.name, self.key_id)
    }

    /// Parses secret key text written by [`CosignatureSigner::to_secret_text`].
    pub fn from_secret_text(text: &str) -> Result<Self, CosignatureError> {
        use base64::Engine as _;
        let rest = text
            .trim_end()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey.into());
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| NoteError::MalformedKey)?;
        let (key_type, seed) = bytes.split_first().ok_or(NoteError::MalformedKey)?;
        if *key_type != SIGNATURE_TYPE_COSIGNATURE {
            return Err(NoteError::UnsupportedKeyType {
                key_type: *key_type,
            }
            .into());
        }
        let seed: [u8; 32] = seed.try_into().map_err(|_| NoteError::MalformedKey)?;
        let signer = Self::new(name, SigningKey::from_bytes(&seed))?;
        if id_hex != format!("{:08x}", signer.key_id) {
            return Err(NoteError::KeyIdMismatch.into());
        }
        Ok(signer)
    }

    /// Cosigns `checkpoint_body` at `timestamp`, giving the signature line to add to the note.
    pub fn cosign(
        &self,
        checkpoint_body: &str,
        timestamp: u64,
    ) -> Result<NoteSignature, CosignatureError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(CosignatureError::TimestampOutOfRange);
        }
        let signature = ed25519::sign(&self.key, &cosigned_message(checkpoint_body, timestamp));
        let mut bytes = Vec::with_capacity(COSIGNATURE_SIZE);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&signature);
        Ok(NoteSignature::new(&self.name, self.key_id, bytes)?)
    }
}

/// Checks cosignatures of one witness key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// A verifier from key text of type 0x04.
    pub fn from_key(key: &VerifierKey) -> Result<Self, CosignatureError> {
        if key.key_type() != SIGNATURE_TYPE_COSIGNATURE {
            return Err(NoteError::UnsupportedKeyType {
                key_type: key.key_type(),
            }
            .into());
        }
        let public =
            ed25519::parse_public_key(key.public_key()).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(Self {
            name: key.name().to_owned(),
            key_id: key.key_id(),
            key: public,
        })
    }

    /// Parses key text and builds a verifier.
    pub fn from_key_text(text: &str) -> Result<Self, CosignatureError> {
        Self::from_key(&VerifierKey::parse(text)?)
    }

    /// Verifies cosignature bytes (after the key ID) over `checkpoint_body` and returns the
    /// cosigned timestamp.
    pub fn verify_cosignature(
        &self,
        checkpoint_body: &str,
        signature: &[u8],
    ) -> Result<u64, CosignatureError> {
        let timestamp = cosignature_timestamp(signature)?;
        let ed25519_signature = signature.get(8..).ok_or(CosignatureError::WrongLength)?;
        ed25519::verify(
            &self.key,
            &cosigned_message(checkpoint_body, timestamp),
            ed25519_signature,
        )
        .map_err(|_| CosignatureError::BadSignature)?;
        Ok(timestamp)
    }
}

impl NoteVerifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        std::str::from_utf8(text)
            .ok()
            .is_some_and(|body| self.verify_cosignature(body, signature).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    fn witness() -> CosignatureSigner {
        CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[3u8; 32])).unwrap()
    }

    #[test]
    fn message_matches_spec_layout() {
        assert_eq!(
            cosigned_message(BODY, 1_679_315_147),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
                .to_vec()
        );
    }

    #[test]
    fn secret_text_round_trips() {
        let signer = witness();
        let text = signer.to_secret_text();
        assert!(text.starts_with("PRIVATE+KEY+witness.example/w1+"));
        let back = CosignatureSigner::from_secret_text(&format!("{text}\n")).unwrap();
        assert_eq!(back.verifier_key(), signer.verifier_key());
        assert_eq!(
            back.cosign(BODY, 5).unwrap(),
            signer.cosign(BODY, 5).unwrap()
        );
        let wrong_id = text.replacen(&format!("{:08x}", signer.key_id()), "00000000", 1);
        assert_eq!(
            CosignatureSigner::from_secret_text(&wrong_id).err(),
            Some(CosignatureError::Key(NoteError::KeyIdMismatch))
        );
        let log_key = crate::ed25519::Ed25519NoteSigner::new("a", SigningKey::from_bytes(&[1; 32]))
            .unwrap()
            .to_secret_text();
        assert_eq!(
            CosignatureSigner::from_secret_text(&log_key).err(),
            Some(CosignatureError::Key(NoteError::UnsupportedKeyType {
                key_type: 1
            }))
        );
    }

    #[test]
    fn cosign_and_verify() {
        let signer = witness();
        let line = signer.cosign(BODY, 1_700_000_000).unwrap();
        assert_eq!(line.signature().len(), COSIGNATURE_SIZE);
        assert_eq!(
            line.signature().get(..8),
            Some(&1_700_000_000u64.to_be_bytes()[..])
        );
        let verifier = signer.verifier();
        assert_eq!(
            verifier.verify_cosignature(BODY, line.signature()),
            Ok(1_700_000_000)
        );
        let other_body = BODY.replace("20852163", "20852164");
        assert_eq!(
            verifier.verify_cosignature(&other_body, line.signature()),
            Err(CosignatureError::BadSignature)
        );
        let mut shifted_time = line.signature().to_vec();
        shifted_time[7] ^= 1;
        assert_eq!(
            verifier.verify_cosignature(BODY, &shifted_time),
            Err(CosignatureError::BadSignature)
        );
    }

    #[test]
    fn key_id_uses_type_0x04() {
        let signer = witness();
        let public = signer.verifier_key();
        assert_eq!(public.key_type(), 0x04);
        assert_eq!(
            signer.key_id(),
            key_id("witness.example/w1", 0x04, public.public_key())
        );
        assert_ne!(
            signer.key_id(),
            key_id("witness.example/w1", 0x01, public.public_key())
        );
        let parsed = CosignatureVerifier::from_key_text(&public.to_text()).unwrap();
        assert_eq!(parsed, signer.verifier());
    }

    #[test]
    fn timestamps_are_bounded() {
        let signer = witness();
        assert_eq!(
            signer.cosign(BODY, MAX_TIMESTAMP + 1).err(),
            Some(CosignatureError::TimestampOutOfRange)
        );
        let mut bytes = vec![0xff; COSIGNATURE_SIZE];
        bytes[0] = 0x80;
        assert_eq!(
            cosignature_timestamp(&bytes),
            Err(CosignatureError::TimestampOutOfRange)
        );
        assert_eq!(
            cosignature_timestamp(&[0; 71]),
            Err(CosignatureError::WrongLength)
        );
    }
}
