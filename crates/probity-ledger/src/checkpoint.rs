//! C2SP tlog-checkpoint bodies (origin, tree size, root hash, optional extension lines) with
//! strict parsing, and opening a signed checkpoint note against the log's verifier.

use std::fmt;

use crate::hash::Hash;
use crate::note::{Note, NoteError, NoteSigner, NoteVerifier, validate_key_name, validate_text};

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The body must end with a newline and contain no other control characters.
    #[error("checkpoint text is malformed")]
    MalformedText,
    /// Fewer than three lines.
    #[error("checkpoint needs origin, size and root hash lines")]
    MissingLines,
    /// The origin is empty (or, for our own checkpoints, contains spaces or `+`).
    #[error("invalid checkpoint origin")]
    InvalidOrigin,
    /// The size is not a canonical decimal `u64`.
    #[error("invalid checkpoint tree size")]
    InvalidSize,
    /// The root hash is not canonical base64 of 32 bytes.
    #[error("invalid checkpoint root hash")]
    InvalidRootHash,
    /// An extension line is empty.
    #[error("empty checkpoint extension line")]
    EmptyExtension,
    /// The checkpoint is from another log.
    #[error("checkpoint origin {found} is not {expected}")]
    WrongOrigin {
        /// Origin required.
        expected: String,
        /// Origin found.
        found: String,
    },
    /// The signed note is malformed or a signature by a known key failed.
    #[error("checkpoint note rejected")]
    Note(#[from] NoteError),
    /// No valid signature by the log's key (cosignatures alone are not enough).
    #[error("checkpoint is not signed by the log")]
    NotSignedByLog,
}

/// The body of a checkpoint: the log's tree head at some size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint of our own log. Its origin doubles as the log's key name, so it must be a
    /// valid key name (non-empty, no spaces, no `+`). No extension lines are written.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        validate_key_name(origin).map_err(|_| CheckpointError::InvalidOrigin)?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Parses a checkpoint body. Other logs' origins need only be non-empty; extension lines
    /// are kept (they are signed, so a cosignature over the body covers them).
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        validate_text(body).map_err(|_| CheckpointError::MalformedText)?;
        let content = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::MalformedText)?;
        let mut lines = content.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::MissingLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::InvalidOrigin);
        }
        let size = parse_size(size)?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::InvalidRootHash)?;
        let extensions = lines
            .map(|line| {
                if line.is_empty() {
                    Err(CheckpointError::EmptyExtension)
                } else {
                    Ok(line.to_owned())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Log identity.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Tree size.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Root hash.
    pub const fn root(&self) -> &Hash {
        &self.root
    }

    /// Extension lines of a parsed checkpoint (never written by us).
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: origin, size and base64 root, each followed by a newline.
    pub fn to_body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Signs the checkpoint as a note.
    pub fn sign(&self, signer: &dyn NoteSigner) -> Result<Note, CheckpointError> {
        Ok(Note::sign(&self.to_body(), &[signer])?)
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_body())
    }
}

/// A checkpoint whose note carries a valid signature by the log, plus the cosigners whose
/// signatures also verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The parsed body.
    pub checkpoint: Checkpoint,
    /// The note, with every signature line (log, cosigners, unknown keys) as received.
    pub note: Note,
    /// Name and key ID of each trusted cosigner whose signature verified (quorum policy is the
    /// caller's).
    pub cosigned_by: Vec<(String, u32)>,
}

impl SignedCheckpoint {
    /// Parses a signed checkpoint and verifies it: the log's signature (by `log`) is required,
    /// signatures by `cosigners` are checked when present, signatures by other keys are ignored,
    /// and any failing signature by a known key rejects the note. The origin must be `origin`.
    pub fn open(
        note_text: &[u8],
        origin: &str,
        log: &dyn NoteVerifier,
        cosigners: &[&dyn NoteVerifier],
    ) -> Result<Self, CheckpointError> {
        let note = Note::parse(note_text)?;
        Self::from_note(note, origin, log, cosigners)
    }

    /// As [`SignedCheckpoint::open`] for an already parsed note.
    pub fn from_note(
        note: Note,
        origin: &str,
        log: &dyn NoteVerifier,
        cosigners: &[&dyn NoteVerifier],
    ) -> Result<Self, CheckpointError> {
        let mut verifiers = vec![log];
        verifiers.extend_from_slice(cosigners);
        let verified = note.verify(&verifiers)?;
        let is_log = |name: &str, key_id: u32| name == log.name() && key_id == log.key_id();
        if !verified.iter().any(|s| is_log(s.name(), s.key_id())) {
            return Err(CheckpointError::NotSignedByLog);
        }
        let cosigned_by = verified
            .iter()
            .filter(|s| !is_log(s.name(), s.key_id()))
            .map(|s| (s.name().to_owned(), s.key_id()))
            .collect();
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin() != origin {
            return Err(CheckpointError::WrongOrigin {
                expected: origin.to_owned(),
                found: checkpoint.origin().to_owned(),
            });
        }
        Ok(Self {
            checkpoint,
            note,
            cosigned_by,
        })
    }
}

fn parse_size(text: &str) -> Result<u64, CheckpointError> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::InvalidSize);
    }
    text.parse().map_err(|_| CheckpointError::InvalidSize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::EMPTY_ROOT;

    const SPEC_EXAMPLE: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn parses_spec_example() {
        let checkpoint = Checkpoint::parse(SPEC_EXAMPLE).unwrap();
        assert_eq!(checkpoint.origin(), "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size(), 20_852_163);
        assert_eq!(
            checkpoint.root().to_base64(),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        );
        assert!(checkpoint.extensions().is_empty());
        assert_eq!(checkpoint.to_body(), SPEC_EXAMPLE);
    }

    #[test]
    fn keeps_extension_lines() {
        let body = format!("{SPEC_EXAMPLE}ext one\next two\n");
        let checkpoint = Checkpoint::parse(&body).unwrap();
        assert_eq!(checkpoint.extensions(), ["ext one", "ext two"]);
        assert_eq!(checkpoint.to_body(), body);
    }

    #[test]
    fn writes_our_own_checkpoints() {
        let checkpoint = Checkpoint::new("probity.example/probity/acme", 0, EMPTY_ROOT).unwrap();
        assert_eq!(
            checkpoint.to_body(),
            "probity.example/probity/acme\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        );
        assert_eq!(Checkpoint::parse(&checkpoint.to_body()), Ok(checkpoint));
        assert_eq!(
            Checkpoint::new("has space", 1, EMPTY_ROOT),
            Err(CheckpointError::InvalidOrigin)
        );
    }

    #[test]
    fn rejects_malformed_bodies() {
        let root = EMPTY_ROOT.to_base64();
        let cases = [
            (format!("o\n1\n{root}"), CheckpointError::MalformedText),
            (format!("o\n1\r\n{root}\n"), CheckpointError::MalformedText),
            ("o\n1\n".to_owned(), CheckpointError::MissingLines),
            (format!("\n1\n{root}\n"), CheckpointError::InvalidOrigin),
            (format!("o\n01\n{root}\n"), CheckpointError::InvalidSize),
            (format!("o\n+1\n{root}\n"), CheckpointError::InvalidSize),
            (format!("o\n-1\n{root}\n"), CheckpointError::InvalidSize),
            (format!("o\n\n{root}\n"), CheckpointError::InvalidSize),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                CheckpointError::InvalidSize,
            ),
            ("o\n1\nAAAA\n".to_owned(), CheckpointError::InvalidRootHash),
            (
                format!("o\n1\n{}\n", EMPTY_ROOT.to_hex()),
                CheckpointError::InvalidRootHash,
            ),
            (format!("o\n1\n{root}\n\n"), CheckpointError::EmptyExtension),
            (
                format!("o\n1\n{root}\next\n\n"),
                CheckpointError::EmptyExtension,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(Checkpoint::parse(&body), Err(expected), "{body:?}");
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).map(|c| c.size()),
            Ok(u64::MAX)
        );
    }
}
