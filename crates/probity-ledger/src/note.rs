//! C2SP signed notes: parsing and formatting, key IDs, verifier key text, and the signing and
//! verification rules (unknown keys ignored, a bad signature from a known key rejects the note).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::hash::sha256;

pub use crate::verifier_key::VerifierKey;

/// Signature type byte of plain Ed25519 note signatures.
pub const SIGNATURE_TYPE_ED25519: u8 = 0x01;
/// Signature type byte of timestamped Ed25519 witness cosignatures (tlog-cosignature).
pub const SIGNATURE_TYPE_COSIGNATURE: u8 = 0x04;
/// Most signature lines accepted in one note (the specification requires at least 16).
pub const MAX_SIGNATURES: usize = 100;
/// Largest note accepted, in bytes.
pub const MAX_NOTE_SIZE: usize = 1 << 20;

const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, key or signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note is larger than [`MAX_NOTE_SIZE`].
    #[error("note is larger than {MAX_NOTE_SIZE} bytes")]
    TooLarge,
    /// The note is not valid UTF-8.
    #[error("note is not valid utf-8")]
    NotUtf8,
    /// The note contains an ASCII control character other than newline.
    #[error("note contains a control character")]
    ControlCharacter,
    /// The note text must end with a newline.
    #[error("note text must end with a newline")]
    MissingNewline,
    /// No blank line separates the text from the signatures.
    #[error("note has no signature block")]
    MissingSignatures,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature line does not follow `— <name> <base64>`.
    #[error("malformed signature line {line}")]
    MalformedSignature {
        /// 1-based position of the line in the signature block.
        line: usize,
    },
    /// Key names must be non-empty, without spaces or `+`.
    #[error("invalid key name")]
    InvalidKeyName,
    /// A verifier key text does not follow `<name>+<hex id>+<base64>`.
    #[error("malformed verifier key")]
    MalformedKey,
    /// The key ID in a key text does not match the key.
    #[error("verifier key id does not match the key")]
    KeyIdMismatch,
    /// The key type is not the one expected.
    #[error("unsupported key type {key_type:#04x}")]
    UnsupportedKeyType {
        /// Type byte found.
        key_type: u8,
    },
    /// The public key bytes are unusable.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A signature from a known key failed to verify.
    #[error("signature by {name} does not verify")]
    BadSignature {
        /// Key name of the failing signature.
        name: String,
    },
    /// No signature from a known key verified.
    #[error("no signature from a known key")]
    NoVerifiedSignature,
}

/// Key ID: the first four bytes (big-endian) of SHA-256(name || 0x0A || type || public key).
pub fn key_id(name: &str, signature_type: u8, public_key: &[u8]) -> u32 {
    let mut input = Vec::with_capacity(name.len() + 2 + public_key.len());
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(signature_type);
    input.extend_from_slice(public_key);
    let digest = sha256(&input);
    let [a, b, c, d, ..] = digest.0;
    u32::from_be_bytes([a, b, c, d])
}

/// Checks a key name: non-empty, no Unicode whitespace, no `+`, no control characters.
pub fn validate_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(NoteError::InvalidKeyName);
    }
    Ok(())
}

/// One signature line: key name, key ID and the signature bytes that follow the key ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// A signature by key (`name`, `key_id`).
    pub fn new(name: &str, key_id: u32, signature: Vec<u8>) -> Result<Self, NoteError> {
        validate_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id,
            signature,
        })
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Signature bytes (without the key ID).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The line as it appears in a note, with its newline.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!(
            "{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(bytes)
        )
    }

    /// Parses one signature line (without its newline); `position` (1-based) names it in errors.
    pub fn parse_line(line: &str, position: usize) -> Result<Self, NoteError> {
        let malformed = NoteError::MalformedSignature { line: position };
        let rest = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(malformed.clone())?;
        let (name, encoded) = rest.split_once(' ').ok_or(malformed.clone())?;
        validate_key_name(name).map_err(|_| malformed.clone())?;
        let bytes = STANDARD.decode(encoded).map_err(|_| malformed.clone())?;
        match bytes.as_slice() {
            [a, b, c, d, signature @ ..] if !signature.is_empty() => Ok(Self {
                name: name.to_owned(),
                key_id: u32::from_be_bytes([*a, *b, *c, *d]),
                signature: signature.to_vec(),
            }),
            _ => Err(malformed),
        }
    }
}

/// Something that signs note text under a name and key ID.
pub trait NoteSigner {
    /// Key name.
    fn name(&self) -> &str;
    /// Key ID.
    fn key_id(&self) -> u32;
    /// Signature bytes over `text` (without the key ID).
    fn sign(&self, text: &[u8]) -> Vec<u8>;
}

/// Something that checks signatures of a known key.
pub trait NoteVerifier {
    /// Key name.
    fn name(&self) -> &str;
    /// Key ID.
    fn key_id(&self) -> u32;
    /// Whether `signature` (without the key ID) is valid over `text`.
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool;
}

/// A signed note: text ending in a newline and one or more signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Checks note text: ends with a newline, no control characters other than newline.
pub fn validate_text(text: &str) -> Result<(), NoteError> {
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::ControlCharacter);
    }
    if !text.ends_with('\n') {
        return Err(NoteError::MissingNewline);
    }
    Ok(())
}

impl Note {
    /// Signs `text` with each signer.
    pub fn sign(text: &str, signers: &[&dyn NoteSigner]) -> Result<Self, NoteError> {
        validate_text(text)?;
        if signers.is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        if signers.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let signatures = signers
            .iter()
            .map(|s| NoteSignature::new(s.name(), s.key_id(), s.sign(text.as_bytes())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// Parses a note, checking its form only (signatures are checked by [`Note::verify`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, NoteError> {
        if bytes.len() > MAX_NOTE_SIZE {
            return Err(NoteError::TooLarge);
        }
        let all = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        if all.chars().any(|c| c < ' ' && c != '\n') {
            return Err(NoteError::ControlCharacter);
        }
        // The text ends at the last blank line; it keeps its own final newline.
        let split = all.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
        let (text, block) = all.split_at(split + 1);
        let block = block.get(1..).unwrap_or_default();
        let lines = block
            .strip_suffix('\n')
            .ok_or(NoteError::MissingSignatures)?;
        if lines.is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        let mut signatures = Vec::new();
        for (position, line) in lines.split('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(NoteSignature::parse_line(line, position + 1)?);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The signed text, including its final newline. Do not trust it before [`Note::verify`].
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line (for example a witness cosignature).
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Verifies the note: signatures by keys not among `verifiers` (name and key ID) are ignored;
    /// any signature by a known key must verify; at least one must. Returns the verified
    /// signatures.
    pub fn verify(
        &self,
        verifiers: &[&dyn NoteVerifier],
    ) -> Result<Vec<&NoteSignature>, NoteError> {
        let mut verified = Vec::new();
        for signature in &self.signatures {
            let known = verifiers
                .iter()
                .find(|v| v.name() == signature.name && v.key_id() == signature.key_id);
            let Some(verifier) = known else {
                continue;
            };
            if !verifier.verify(self.text.as_bytes(), &signature.signature) {
                return Err(NoteError::BadSignature {
                    name: signature.name.clone(),
                });
            }
            verified.push(signature);
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature);
        }
        Ok(verified)
    }

    /// The note as text: the text, a blank line, then the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        out
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str, u32, bool);
    impl NoteVerifier for Fixed {
        fn name(&self) -> &str {
            self.0
        }
        fn key_id(&self) -> u32 {
            self.1
        }
        fn verify(&self, _text: &[u8], _signature: &[u8]) -> bool {
            self.2
        }
    }

    fn line(name: &str, id: u32) -> String {
        NoteSignature::new(name, id, vec![1, 2, 3])
            .unwrap()
            .to_line()
    }

    #[test]
    fn text_keeps_inner_blank_lines() {
        let text = format!("first\n\nthird\n\n{}", line("a.example/k", 7));
        let note = Note::parse(text.as_bytes()).unwrap();
        assert_eq!(note.text(), "first\n\nthird\n");
        assert_eq!(note.signatures().len(), 1);
        assert_eq!(note.to_text(), text);
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let sig = line("a.example/k", 7);
        let cases: Vec<(String, NoteError)> = vec![
            (format!("text\n{sig}"), NoteError::MissingSignatures),
            ("text\n\n".to_owned(), NoteError::MissingSignatures),
            (
                format!("text\n\n{}", sig.trim_end()),
                NoteError::MissingSignatures,
            ),
            (format!("te\rxt\n\n{sig}"), NoteError::ControlCharacter),
            (format!("te\txt\n\n{sig}"), NoteError::ControlCharacter),
            (
                "text\n\n- a.example/k AAAAAAEC\n".to_owned(),
                NoteError::MalformedSignature { line: 1 },
            ),
            (
                format!("text\n\n{sig}\u{2014} a+b AAAAAAEC\n"),
                NoteError::MalformedSignature { line: 2 },
            ),
            (
                "text\n\n\u{2014} a.example/k AAAAAA==\n".to_owned(),
                NoteError::MalformedSignature { line: 1 },
            ),
            (
                "text\n\n\u{2014} a.example/k AAAAAAE\n".to_owned(),
                NoteError::MalformedSignature { line: 1 },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Note::parse(text.as_bytes()), Err(expected), "{text:?}");
        }
        assert_eq!(Note::parse(b"\xff\n\n"), Err(NoteError::NotUtf8));
    }

    #[test]
    fn signature_limits() {
        let many: String = (0..16).map(|i| line("a.example/k", i)).collect();
        let note = Note::parse(format!("t\n\n{many}").as_bytes()).unwrap();
        assert_eq!(note.signatures().len(), 16);
        let too_many: String = (0..=MAX_SIGNATURES as u32).map(|i| line("k", i)).collect();
        assert_eq!(
            Note::parse(format!("t\n\n{too_many}").as_bytes()),
            Err(NoteError::TooManySignatures)
        );
    }

    #[test]
    fn verification_rules() {
        let text = format!("t\n\n{}{}", line("log", 1), line("other", 2));
        let note = Note::parse(text.as_bytes()).unwrap();
        let good = Fixed("log", 1, true);
        let bad = Fixed("log", 1, false);
        let same_name_other_id = Fixed("log", 9, true);
        assert_eq!(note.verify(&[&good]).map(|v| v.len()), Ok(1));
        assert_eq!(
            note.verify(&[&bad]),
            Err(NoteError::BadSignature {
                name: "log".to_owned()
            })
        );
        assert_eq!(
            note.verify(&[&same_name_other_id]),
            Err(NoteError::NoVerifiedSignature)
        );
        assert_eq!(note.verify(&[]), Err(NoteError::NoVerifiedSignature));
    }

    #[test]
    fn key_names_are_checked() {
        for bad in ["", "a b", "a+b", "a\u{00a0}b", "a\u{2003}b"] {
            assert_eq!(
                validate_key_name(bad),
                Err(NoteError::InvalidKeyName),
                "{bad:?}"
            );
        }
        assert_eq!(validate_key_name("example.com/log"), Ok(()));
    }
}
