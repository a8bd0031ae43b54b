//! The C2SP tlog-witness `add-checkpoint` protocol: the request body (old size, consistency
//! proof, signed checkpoint), the response body (cosignature lines), and the witness's decision
//! rules, as pure functions so a witness server and a log's client share one implementation.

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::hash::{EMPTY_ROOT, Hash};
use crate::note::{MAX_NOTE_SIZE, MAX_SIGNATURES, Note, NoteError, NoteSignature, NoteVerifier};
use crate::verify::verify_consistency;

/// Most consistency proof lines a request may carry (the specification's limit).
pub const MAX_PROOF_LINES: usize = 63;
/// Content type of a 409 response body (the witness's latest size).
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";
/// Largest request body: the old size and proof lines, then a note.
pub const MAX_REQUEST_SIZE: usize = MAX_NOTE_SIZE + 64 * 1024;

/// Why an `add-checkpoint` request or response body is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessProtocolError {
    /// The body is larger than allowed.
    #[error("body is too large")]
    TooLarge,
    /// The body is not valid UTF-8.
    #[error("body is not valid utf-8")]
    NotUtf8,
    /// The first line is not `old <size>` with a canonical decimal size.
    #[error("first line must be `old <size>` with a canonical decimal size")]
    MalformedOldSize,
    /// A proof line is not base64 of a 32-byte hash.
    #[error("consistency proof line {line} is not a base64 hash")]
    MalformedProofLine {
        /// 1-based position among the proof lines.
        line: usize,
    },
    /// More than [`MAX_PROOF_LINES`] proof lines.
    #[error("more than {MAX_PROOF_LINES} consistency proof lines")]
    TooManyProofLines,
    /// No empty line separates the proof from the checkpoint.
    #[error("no empty line before the checkpoint")]
    MissingCheckpoint,
    /// The checkpoint note is malformed.
    #[error("checkpoint note is malformed: {0}")]
    Note(#[from] NoteError),
    /// A response has no signature line.
    #[error("response has no cosignature line")]
    EmptyResponse,
}

/// An `add-checkpoint` request: prove the checkpoint extends the tree of `old_size` the witness
/// last cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// Size of the latest checkpoint the witness cosigned for this origin (0 when none).
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint's size (empty when `old_size` is 0
    /// or equal to the checkpoint's size).
    pub proof: Vec<Hash>,
    /// The signed checkpoint (any number of signatures).
    pub checkpoint: Note,
}

fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = text == "0" || (!text.starts_with('0') && !text.is_empty());
    if !canonical || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl AddCheckpointRequest {
    /// A request; refuses more than [`MAX_PROOF_LINES`] proof hashes.
    pub fn new(
        old_size: u64,
        proof: Vec<Hash>,
        checkpoint: Note,
    ) -> Result<Self, WitnessProtocolError> {
        if proof.len() > MAX_PROOF_LINES {
            return Err(WitnessProtocolError::TooManyProofLines);
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint,
        })
    }

    /// The request body: `old <size>`, one base64 hash per line, an empty line, the note.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&hash.to_base64());
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint.to_text());
        body
    }

    /// Parses a request body strictly: every line ends in a newline, the size is canonical
    /// decimal, every proof line is canonical base64 of 32 bytes, the note is well formed.
    pub fn parse(body: &[u8]) -> Result<Self, WitnessProtocolError> {
        if body.len() > MAX_REQUEST_SIZE {
            return Err(WitnessProtocolError::TooLarge);
        }
        let text = std::str::from_utf8(body).map_err(|_| WitnessProtocolError::NotUtf8)?;
        let (first, mut rest) = text
            .split_once('\n')
            .ok_or(WitnessProtocolError::MalformedOldSize)?;
        let old_size = first
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or(WitnessProtocolError::MalformedOldSize)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or(WitnessProtocolError::MissingCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(WitnessProtocolError::TooManyProofLines);
            }
            let hash =
                Hash::from_base64(line).map_err(|_| WitnessProtocolError::MalformedProofLine {
                    line: proof.len() + 1,
                })?;
            proof.push(hash);
        }
        let checkpoint = Note::parse(rest.as_bytes())?;
        Ok(Self {
            old_size,
            proof,
            checkpoint,
        })
    }
}

/// The body of a 200 answer: one signature line per cosignature.
pub fn format_cosignatures(cosignatures: &[NoteSignature]) -> String {
    cosignatures.iter().map(NoteSignature::to_line).collect()
}

/// Parses a 200 answer: one or more note signature lines, each ending in a newline. The
/// signatures are not verified here (see [`crate::cosignature::CosignatureVerifier`]).
pub fn parse_cosignatures(body: &[u8]) -> Result<Vec<NoteSignature>, WitnessProtocolError> {
    if body.len() > MAX_NOTE_SIZE {
        return Err(WitnessProtocolError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| WitnessProtocolError::NotUtf8)?;
    let lines = text
        .strip_suffix('\n')
        .ok_or(WitnessProtocolError::EmptyResponse)?;
    if lines.is_empty() {
        return Err(WitnessProtocolError::EmptyResponse);
    }
    let mut signatures = Vec::new();
    for (position, line) in lines.split('\n').enumerate() {
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures.into());
        }
        signatures.push(NoteSignature::parse_line(line, position + 1)?);
    }
    Ok(signatures)
}

/// The body of a 409 answer: the witness's latest size and a newline.
pub fn format_size(size: u64) -> String {
    format!("{size}\n")
}

/// Parses the body of a 409 answer.
pub fn parse_size(body: &[u8]) -> Option<u64> {
    std::str::from_utf8(body)
        .ok()?
        .strip_suffix('\n')
        .and_then(parse_decimal)
}

/// The latest checkpoint a witness cosigned for a log: its size and root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WitnessedHead {
    /// Tree size (0 before the first cosignature).
    pub size: u64,
    /// Root hash at that size.
    pub root: Hash,
}

impl WitnessedHead {
    /// The state of a log the witness has never cosigned.
    pub const EMPTY: WitnessedHead = WitnessedHead {
        size: 0,
        root: EMPTY_ROOT,
    };
}

/// Why a witness refuses a checkpoint, with the HTTP status the specification assigns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the body, the checkpoint, or the sizes are malformed.
    #[error("bad request: {0}")]
    Malformed(String),
    /// 404: the origin is not a log this witness knows.
    #[error("unknown log origin")]
    UnknownOrigin,
    /// 403: no signature verifies against the log's key (or one by the log's key fails).
    #[error("checkpoint is not signed by the log: {0}")]
    NotSignedByLog(String),
    /// 409: the old size is not the size the witness last cosigned.
    #[error("old size does not match the witness's latest size {latest}")]
    OldSizeMismatch {
        /// The witness's latest cosigned size, sent in the body.
        latest: u64,
    },
    /// 409: same size as the latest cosigned checkpoint but a different root (a fork).
    #[error("checkpoint has the witness's latest size but another root hash")]
    RootMismatch {
        /// The witness's latest cosigned size, sent in the body.
        latest: u64,
    },
    /// 422: the consistency proof does not verify.
    #[error("consistency proof does not verify")]
    InconsistentProof,
}

impl Refusal {
    /// The HTTP status code of the refusal.
    pub const fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) => 400,
            Refusal::UnknownOrigin => 404,
            Refusal::NotSignedByLog(_) => 403,
            Refusal::OldSizeMismatch { .. } | Refusal::RootMismatch { .. } => 409,
            Refusal::InconsistentProof => 422,
        }
    }

    /// The latest size to send back in a 409 body (`text/x.tlog.size`), if this is one.
    pub const fn latest_size(&self) -> Option<u64> {
        match self {
            Refusal::OldSizeMismatch { latest } | Refusal::RootMismatch { latest } => Some(*latest),
            _ => None,
        }
    }
}

/// Parses an `add-checkpoint` body and the checkpoint it carries (400 when malformed).
/// Returns the request and the checkpoint's origin, which names the log to look up.
pub fn parse_request(body: &[u8]) -> Result<(AddCheckpointRequest, Checkpoint), Refusal> {
    let request =
        AddCheckpointRequest::parse(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let checkpoint = Checkpoint::parse(request.checkpoint.text())
        .map_err(|e| Refusal::Malformed(e.to_string()))?;
    Ok((request, checkpoint))
}

/// Decides a request for a known log: the log's signature (403), `old_size <= size` (400),
/// `old_size` equal to the witness's latest size (409), equal roots at equal sizes (409), and
/// the consistency proof (422). On success the caller must store the checkpoint with a
/// compare-and-swap from `latest.size` before cosigning it.
pub fn check_request(
    request: &AddCheckpointRequest,
    origin: &str,
    log: &dyn NoteVerifier,
    latest: WitnessedHead,
) -> Result<Checkpoint, Refusal> {
    let signed = SignedCheckpoint::from_note(request.checkpoint.clone(), origin, log, &[])
        .map_err(|e| match e {
            CheckpointError::Note(NoteError::NoVerifiedSignature)
            | CheckpointError::Note(NoteError::BadSignature { .. })
            | CheckpointError::NotSignedByLog => Refusal::NotSignedByLog(e.to_string()),
            other => Refusal::Malformed(other.to_string()),
        })?;
    let checkpoint = signed.checkpoint;
    let size = checkpoint.size();
    if request.old_size > size {
        return Err(Refusal::Malformed(format!(
            "old size {} is above the checkpoint size {size}",
            request.old_size
        )));
    }
    if request.old_size != latest.size {
        return Err(Refusal::OldSizeMismatch {
            latest: latest.size,
        });
    }
    if size == latest.size {
        if *checkpoint.root() != latest.root {
            return Err(Refusal::RootMismatch {
                latest: latest.size,
            });
        }
        if !request.proof.is_empty() {
            return Err(Refusal::InconsistentProof);
        }
        return Ok(checkpoint);
    }
    if latest.size == 0 {
        // Every tree extends the empty tree, and the specification requires an empty proof.
        return if request.proof.is_empty() {
            Ok(checkpoint)
        } else {
            Err(Refusal::InconsistentProof)
        };
    }
    verify_consistency(
        latest.size,
        size,
        &request.proof,
        &latest.root,
        checkpoint.root(),
    )
    .map_err(|_| Refusal::InconsistentProof)?;
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::CosignatureSigner;
    use crate::ed25519::{Ed25519NoteSigner, SigningKey};
    use crate::hash::leaf_hash;
    use crate::proof::reference;

    const ORIGIN: &str = "grc.example.com/probity/acme";

    fn log() -> Ed25519NoteSigner {
        Ed25519NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[1u8; 32])).unwrap()
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn signed(signer: &Ed25519NoteSigner, size: u64, root: Hash) -> Note {
        Checkpoint::new(ORIGIN, size, root)
            .unwrap()
            .sign(signer)
            .unwrap()
    }

    fn head(leaves: &[Hash]) -> WitnessedHead {
        WitnessedHead {
            size: leaves.len() as u64,
            root: reference::root(leaves),
        }
    }

    fn request(old: &[Hash], new: &[Hash]) -> AddCheckpointRequest {
        let proof = if old.is_empty() {
            Vec::new()
        } else {
            reference::consistency_proof(new, old.len() as u64).unwrap()
        };
        AddCheckpointRequest::new(
            old.len() as u64,
            proof,
            signed(&log(), new.len() as u64, reference::root(new)),
        )
        .unwrap()
    }

    #[test]
    fn spec_example_request_parses() {
        let body = "old 20852014\n\
            PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\
            jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\
            5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n\
            /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\
            \n\
            example.com/behind-the-sofa\n\
            20852163\n\
            CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
            \n\
            \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\
            \u{2014} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";
        let (parsed, checkpoint) = parse_request(body.as_bytes()).unwrap();
        assert_eq!(parsed.old_size, 20_852_014);
        assert_eq!(parsed.proof.len(), 4);
        assert_eq!(checkpoint.origin(), "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size(), 20_852_163);
        assert_eq!(parsed.checkpoint.signatures().len(), 2);
        assert_eq!(parsed.to_body(), body);
    }

    #[test]
    fn request_round_trips() {
        let all = leaves(20);
        let req = request(&all[..7], &all);
        let body = req.to_body();
        assert!(body.starts_with("old 7\n"));
        assert_eq!(AddCheckpointRequest::parse(body.as_bytes()), Ok(req));
        let first = request(&[], &all);
        assert!(first.to_body().starts_with("old 0\n\n"));
        assert_eq!(
            AddCheckpointRequest::parse(first.to_body().as_bytes()),
            Ok(first)
        );
    }

    #[test]
    fn malformed_requests_are_refused() {
        let all = leaves(9);
        let good = request(&all[..4], &all).to_body();
        let note = signed(&log(), 9, reference::root(&all)).to_text();
        let hash = Hash([7; 32]).to_base64();
        let many: String = (0..64).map(|_| format!("{hash}\n")).collect();
        let cases: Vec<(String, WitnessProtocolError)> = vec![
            (
                good.replacen("old 4", "old 04", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            (
                good.replacen("old 4", "old  4", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            (
                good.replacen("old 4", "old -4", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            (
                good.replacen("old 4", "old +4", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            (
                good.replacen("old 4", "old", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            (
                good.replacen("old 4", "Old 4", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            (
                good.replacen("old 4", "old 18446744073709551616", 1),
                WitnessProtocolError::MalformedOldSize,
            ),
            ("old 4".to_owned(), WitnessProtocolError::MalformedOldSize),
            (
                format!("old 4\nnot-base64\n\n{note}"),
                WitnessProtocolError::MalformedProofLine { line: 1 },
            ),
            (
                format!("old 4\n{hash}\nAAAA\n\n{note}"),
                WitnessProtocolError::MalformedProofLine { line: 2 },
            ),
            (
                format!("old 4\n{many}\n{note}"),
                WitnessProtocolError::TooManyProofLines,
            ),
            (
                format!("old 4\n{hash}\n"),
                WitnessProtocolError::MissingCheckpoint,
            ),
            (
                "old 4\n\nno signatures\n".to_owned(),
                WitnessProtocolError::Note(NoteError::MissingSignatures),
            ),
            (
                format!("old 4\n\n{}", note.trim_end()),
                WitnessProtocolError::Note(NoteError::MissingSignatures),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                AddCheckpointRequest::parse(body.as_bytes()),
                Err(expected),
                "{body:?}"
            );
        }
        assert_eq!(
            AddCheckpointRequest::parse(&[0xff, b'\n']),
            Err(WitnessProtocolError::NotUtf8)
        );
        assert_eq!(
            AddCheckpointRequest::new(0, vec![Hash([0; 32]); 64], signed(&log(), 0, EMPTY_ROOT)),
            Err(WitnessProtocolError::TooManyProofLines)
        );
        // A body whose note is not a checkpoint is a 400, not a crash.
        let not_checkpoint = Note::sign("just text\n", &[&log()]).unwrap();
        let body = format!("old 0\n\n{}", not_checkpoint.to_text());
        assert!(matches!(
            parse_request(body.as_bytes()),
            Err(Refusal::Malformed(_))
        ));
    }

    #[test]
    fn response_round_trips_and_rejects_garbage() {
        let witness =
            CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[2; 32])).unwrap();
        let body_text = Checkpoint::new(ORIGIN, 3, Hash([1; 32])).unwrap().to_body();
        let lines = vec![
            witness.cosign(&body_text, 10).unwrap(),
            witness.cosign(&body_text, 11).unwrap(),
        ];
        let response = format_cosignatures(&lines);
        assert_eq!(response.lines().count(), 2);
        assert_eq!(parse_cosignatures(response.as_bytes()), Ok(lines));
        assert_eq!(
            parse_cosignatures(b""),
            Err(WitnessProtocolError::EmptyResponse)
        );
        assert_eq!(
            parse_cosignatures(b"\n"),
            Err(WitnessProtocolError::EmptyResponse)
        );
        assert_eq!(
            parse_cosignatures(response.trim_end().as_bytes()),
            Err(WitnessProtocolError::EmptyResponse)
        );
        assert_eq!(
            parse_cosignatures(b"- w AAAAAAEC\n"),
            Err(WitnessProtocolError::Note(NoteError::MalformedSignature {
                line: 1
            }))
        );
        assert_eq!(parse_size(b"42\n"), Some(42));
        assert_eq!(parse_size(format_size(0).as_bytes()), Some(0));
        assert_eq!(parse_size(b"42"), None);
        assert_eq!(parse_size(b"042\n"), None);
    }

    #[test]
    fn witness_rules_follow_the_specification() {
        let all = leaves(40);
        let log = log();
        let verifier = log.verifier();
        let check = |req: &AddCheckpointRequest, latest: WitnessedHead| {
            check_request(req, ORIGIN, &verifier, latest)
        };
        // First checkpoint: old 0, empty proof.
        let first = request(&[], &all[..10]);
        assert_eq!(check(&first, WitnessedHead::EMPTY).unwrap().size(), 10);
        // Extension with a good proof.
        let next = request(&all[..10], &all[..25]);
        assert_eq!(check(&next, head(&all[..10])).unwrap().size(), 25);
        // Same checkpoint again: accepted (no proof needed).
        let again = AddCheckpointRequest::new(10, vec![], first.checkpoint.clone()).unwrap();
        assert!(check(&again, head(&all[..10])).is_ok());
        // Stale old size: 409 with the latest size.
        let stale = check(&next, head(&all[..12])).unwrap_err();
        assert_eq!(stale, Refusal::OldSizeMismatch { latest: 12 });
        assert_eq!((stale.status(), stale.latest_size()), (409, Some(12)));
        // Old size above the checkpoint size: 400.
        let backwards = AddCheckpointRequest::new(25, vec![], first.checkpoint.clone()).unwrap();
        assert_eq!(
            check(&backwards, head(&all[..25])).unwrap_err().status(),
            400
        );
        // Same size, different root: a fork, 409.
        let mut forked = all[..10].to_vec();
        forked[3] = leaf_hash(b"rewritten");
        let fork = request(&[], &forked);
        let fork = AddCheckpointRequest::new(10, vec![], fork.checkpoint).unwrap();
        assert_eq!(
            check(&fork, head(&all[..10])).unwrap_err(),
            Refusal::RootMismatch { latest: 10 }
        );
        // A larger tree inconsistent with the cosigned one: 422.
        let mut other = all[..25].to_vec();
        other[3] = leaf_hash(b"rewritten");
        let inconsistent = AddCheckpointRequest::new(
            10,
            reference::consistency_proof(&other, 10).unwrap(),
            signed(&log, 25, reference::root(&other)),
        )
        .unwrap();
        assert_eq!(
            check(&inconsistent, head(&all[..10])).unwrap_err(),
            Refusal::InconsistentProof
        );
        // A proof with old size 0 must be empty: 422.
        let junk_proof =
            AddCheckpointRequest::new(0, vec![Hash([1; 32])], first.checkpoint.clone()).unwrap();
        assert_eq!(
            check(&junk_proof, WitnessedHead::EMPTY)
                .unwrap_err()
                .status(),
            422
        );
        // Signed by another key: 403; a tampered log signature: 403.
        let stranger = Ed25519NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[9; 32])).unwrap();
        let foreign = AddCheckpointRequest::new(
            0,
            vec![],
            signed(&stranger, 10, reference::root(&all[..10])),
        )
        .unwrap();
        assert_eq!(
            check(&foreign, WitnessedHead::EMPTY).unwrap_err().status(),
            403
        );
        let tampered_text = first.to_body().replace("\n10\n", "\n11\n");
        let tampered = AddCheckpointRequest::parse(tampered_text.as_bytes()).unwrap();
        assert_eq!(
            check(&tampered, WitnessedHead::EMPTY).unwrap_err().status(),
            403
        );
        // Another origin than the one looked up: 400 (the caller looks the origin up first).
        assert_eq!(
            check_request(&first, "other.example/log", &verifier, WitnessedHead::EMPTY)
                .unwrap_err()
                .status(),
            400
        );
    }
}
