//! Verifier key text of the C2SP signed-note specification:
//! `<name>+<hex key ID>+<base64(signature type || public key)>`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::note::{NoteError, key_id, validate_key_name};

/// A verifier key in text form: `<name>+<hex key ID>+<base64(type || public key)>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key_type: u8,
    public_key: Vec<u8>,
}

impl VerifierKey {
    /// A key of `key_type` with the recommended key ID.
    pub fn new(name: &str, key_type: u8, public_key: &[u8]) -> Result<Self, NoteError> {
        validate_key_name(name)?;
        Ok(Self::from_validated_name(name, key_type, public_key))
    }

    /// For signers whose name was validated when they were built.
    pub(crate) fn from_validated_name(name: &str, key_type: u8, public_key: &[u8]) -> Self {
        Self {
            name: name.to_owned(),
            key_id: key_id(name, key_type, public_key),
            key_type,
            public_key: public_key.to_vec(),
        }
    }

    /// Parses key text. The key ID must be eight lowercase hex digits and equal the recommended
    /// key ID of the key.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey);
        };
        validate_key_name(name)?;
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(NoteError::MalformedKey);
        }
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| NoteError::MalformedKey)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| NoteError::MalformedKey)?;
        let (key_type, public_key) = bytes.split_first().ok_or(NoteError::MalformedKey)?;
        let key = Self::new(name, *key_type, public_key)?;
        if key.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(key)
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Signature type byte.
    pub const fn key_type(&self) -> u8 {
        self.key_type
    }

    /// Public key bytes (without the type byte).
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The key text.
    pub fn to_text(&self) -> String {
        let mut bytes = Vec::with_capacity(1 + self.public_key.len());
        bytes.push(self.key_type);
        bytes.extend_from_slice(&self.public_key);
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(bytes)
        )
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_key_text() {
        let key = VerifierKey::new("example.com/log", 1, &[5u8; 32]).unwrap();
        let text = key.to_text();
        assert_eq!(VerifierKey::parse(&text), Ok(key.clone()));
        let mut raw = vec![1u8];
        raw.extend_from_slice(&[5u8; 32]);
        let encoded = STANDARD.encode(&raw);
        assert_eq!(
            text,
            format!("example.com/log+{:08x}+{encoded}", key.key_id())
        );
        let wrong_id = format!("example.com/log+{:08x}+{encoded}", key.key_id() ^ 1);
        assert_eq!(VerifierKey::parse(&wrong_id), Err(NoteError::KeyIdMismatch));
        let upper_hex = format!("example.com/log+ABCDEF12+{encoded}");
        assert_eq!(VerifierKey::parse(&upper_hex), Err(NoteError::MalformedKey));
        assert_eq!(
            VerifierKey::parse("name+1234"),
            Err(NoteError::MalformedKey)
        );
        assert_eq!(
            VerifierKey::parse(&format!("example.com/log+{:08x}+", key.key_id())),
            Err(NoteError::MalformedKey)
        );
    }
}
