//! C2SP tlog-proof files (`.tlog-proof`): an offline-verifiable proof that one entry is in the
//! log, made of optional extra data, the entry index, its inclusion proof and the signed
//! checkpoint (with any cosignatures) it was proved against.
//!
//! The format carries no leaf data or hash: the verifier hashes the entry it holds. Probity may
//! put the canonical leaf envelope in the unauthenticated `extra` field for convenience; it is
//! trusted only once its leaf hash verifies.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::checkpoint::{CheckpointError, SignedCheckpoint};
use crate::hash::Hash;
use crate::note::{Note, NoteError, NoteVerifier};
use crate::verify::{VerifyError, verify_inclusion};

/// First line of every proof file.
pub const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Most inclusion proof hashes accepted (a tree of 2^64 leaves needs 64).
pub const MAX_PROOF_HASHES: usize = 64;

/// Why a proof file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFileError {
    /// The text does not follow the tlog-proof grammar.
    #[error("malformed tlog-proof at line {line}")]
    Malformed {
        /// 1-based line number.
        line: usize,
    },
    /// The checkpoint note is malformed.
    #[error("tlog-proof checkpoint is malformed")]
    Note(#[from] NoteError),
    /// The checkpoint did not verify or is from another log.
    #[error("tlog-proof checkpoint rejected")]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not verify against the checkpoint.
    #[error("tlog-proof inclusion proof rejected")]
    Inclusion(#[from] VerifyError),
}

/// A parsed or assembled tlog-proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque, unauthenticated extra data.
    pub extra: Option<Vec<u8>>,
    /// Index of the entry.
    pub index: u64,
    /// Inclusion proof of the entry in the checkpoint's tree.
    pub inclusion: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: Note,
}

impl TlogProof {
    /// The proof file text.
    pub fn to_text(&self) -> String {
        let mut out = format!("{PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", STANDARD.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.inclusion {
            out.push_str(&hash.to_base64());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint.to_text());
        out
    }

    /// Parses proof file text strictly: canonical base64 and decimal, no blank line before the
    /// checkpoint other than the separator, and a well-formed checkpoint note.
    pub fn parse(text: &str) -> Result<Self, ProofFileError> {
        let malformed = |line: usize| ProofFileError::Malformed { line };
        let mut lines = Lines {
            rest: text,
            number: 0,
        };
        if lines.next_line() != Some(PROOF_HEADER) {
            return Err(malformed(lines.number));
        }
        let mut line = lines.next_line();
        let mut extra = None;
        if let Some(encoded) = line.and_then(|l| l.strip_prefix("extra ")) {
            extra = Some(
                STANDARD
                    .decode(encoded)
                    .map_err(|_| malformed(lines.number))?,
            );
            line = lines.next_line();
        }
        let index = line
            .and_then(|l| l.strip_prefix("index "))
            .and_then(parse_decimal)
            .ok_or(malformed(lines.number))?;
        let mut inclusion = Vec::new();
        loop {
            match lines.next_line() {
                None => return Err(malformed(lines.number)),
                Some("") => break,
                Some(encoded) => {
                    if inclusion.len() == MAX_PROOF_HASHES {
                        return Err(malformed(lines.number));
                    }
                    let hash = Hash::from_base64(encoded).map_err(|_| malformed(lines.number))?;
                    inclusion.push(hash);
                }
            }
        }
        let rest = lines.rest;
        let checkpoint = Note::parse(rest.as_bytes())?;
        Ok(Self {
            extra,
            index,
            inclusion,
            checkpoint,
        })
    }

    /// Verifies the proof for the entry whose leaf hash is `leaf`: the checkpoint must be signed
    /// by `log` with origin `origin` (cosignatures by `cosigners` are checked and reported, see
    /// [`SignedCheckpoint::open`]; quorum policy is the caller's), and the inclusion proof must
    /// lead from `leaf` at `index` to the checkpoint's root.
    pub fn verify(
        &self,
        leaf: &Hash,
        origin: &str,
        log: &dyn NoteVerifier,
        cosigners: &[&dyn NoteVerifier],
    ) -> Result<SignedCheckpoint, ProofFileError> {
        let signed = SignedCheckpoint::from_note(self.checkpoint.clone(), origin, log, cosigners)?;
        let checkpoint = &signed.checkpoint;
        verify_inclusion(
            leaf,
            self.index,
            checkpoint.size(),
            &self.inclusion,
            checkpoint.root(),
        )?;
        Ok(signed)
    }
}

impl fmt::Display for TlogProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Newline-terminated lines of a text, counting line numbers.
struct Lines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> Lines<'a> {
    fn next_line(&mut self) -> Option<&'a str> {
        self.number += 1;
        let (line, tail) = self.rest.split_once('\n')?;
        self.rest = tail;
        Some(line)
    }
}

fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::ed25519::{Ed25519NoteSigner, SigningKey};
    use crate::hash::leaf_hash;
    use crate::proof::reference;

    fn fixture() -> (TlogProof, Hash, Ed25519NoteSigner) {
        let leaves: Vec<Hash> = (0u8..11).map(|i| leaf_hash(&[i])).collect();
        let signer =
            Ed25519NoteSigner::new("log.example/probity/t", SigningKey::from_bytes(&[1; 32]))
                .unwrap();
        let checkpoint =
            Checkpoint::new("log.example/probity/t", 11, reference::root(&leaves)).unwrap();
        let proof = TlogProof {
            extra: Some(b"envelope".to_vec()),
            index: 6,
            inclusion: reference::inclusion_proof(&leaves, 6).unwrap(),
            checkpoint: checkpoint.sign(&signer).unwrap(),
        };
        (proof, leaves[6], signer)
    }

    #[test]
    fn round_trips_and_verifies() {
        let (proof, leaf, signer) = fixture();
        let text = proof.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra ZW52ZWxvcGU=\nindex 6\n"));
        let parsed = TlogProof::parse(&text).unwrap();
        assert_eq!(parsed, proof);
        let verifier = signer.verifier();
        let signed = parsed
            .verify(&leaf, "log.example/probity/t", &verifier, &[])
            .unwrap();
        assert_eq!(signed.checkpoint.size(), 11);
        assert!(matches!(
            parsed.verify(
                &leaf_hash(b"other"),
                "log.example/probity/t",
                &verifier,
                &[]
            ),
            Err(ProofFileError::Inclusion(VerifyError::RootMismatch))
        ));
        assert!(matches!(
            parsed.verify(&leaf, "log.example/probity/other", &verifier, &[]),
            Err(ProofFileError::Checkpoint(
                CheckpointError::WrongOrigin { .. }
            ))
        ));
    }

    #[test]
    fn extra_is_optional() {
        let (mut proof, leaf, signer) = fixture();
        proof.extra = None;
        let text = proof.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 6\n"));
        let parsed = TlogProof::parse(&text).unwrap();
        assert!(
            parsed
                .verify(&leaf, "log.example/probity/t", &signer.verifier(), &[])
                .is_ok()
        );
    }

    #[test]
    fn rejects_malformed_files() {
        let (proof, _, _) = fixture();
        let good = proof.to_text();
        let cases = [
            (good.replacen("tlog-proof@v1", "tlog-proof@v2", 1), 1),
            (good.replacen("index 6", "index 06", 1), 3),
            (good.replacen("index 6", "index -6", 1), 3),
            (good.replacen("index 6\n", "", 1), 3),
            (
                good.replacen("extra ZW52ZWxvcGU=", "extra ZW52ZWxvcGU", 1),
                2,
            ),
            (good.replacen("index 6\n", "index 6\nAAAA\n", 1), 4),
            ("c2sp.org/tlog-proof@v1\nindex 1\n".to_owned(), 3),
        ];
        for (text, line) in cases {
            assert_eq!(
                TlogProof::parse(&text),
                Err(ProofFileError::Malformed { line }),
                "{text:?}"
            );
        }
    }
}
