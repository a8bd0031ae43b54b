//! The checks shared by `probity verify` (a bundle directory) and `probity audit verify` (the
//! live store), over the log loaded into memory: envelopes in order and of one tenant, every leaf
//! hash recomputed, the tree and its tiles rebuilt from the leaves, checkpoint signatures and
//! roots, consistency between checkpoints (and with a trusted one), payload commitments (held
//! in memory, or read from a bundle's payload files as they are checked). The first damage found
//! is reported, named by entry index, tile path or checkpoint.

use std::collections::HashSet;
use std::path::Path;

use probity_ledger::checkpoint::{Checkpoint, SignedCheckpoint};
use probity_ledger::ed25519::Ed25519NoteVerifier;
use probity_ledger::envelope::LeafEnvelope;
use probity_ledger::proof::prove_consistency;
use probity_ledger::tile::TileId;
use probity_ledger::tile_source::{MemoryTiles, TileSource};
use probity_ledger::verify::verify_consistency;
use probity_ledger::{Hash, Note, VerifierKey, leaf_hash};

use super::payloads::check_payload;
use super::{Failure, damaged, unusable};

/// A payload kept beside its entry: the commitment salt and the payload JSON.
#[derive(Debug, Clone)]
pub struct Payload {
    /// The entry it belongs to.
    pub seq: u64,
    /// The 32-byte commitment salt.
    pub salt: Vec<u8>,
    /// The payload.
    pub payload: serde_json::Value,
}

/// A tenant's log as loaded from a bundle or the store.
#[derive(Debug, Default)]
pub struct LogData {
    /// Tree size checked: the checkpoint's (bundle) or the head's (store).
    pub size: u64,
    /// The stored tree head root (store only).
    pub head_root: Option<Hash>,
    /// The latest signed checkpoint, as note text.
    pub latest: Option<String>,
    /// Every signed checkpoint kept, as note text.
    pub checkpoints: Vec<String>,
    /// The leaf envelopes, by position.
    pub entries: Vec<Vec<u8>>,
    /// Leaf hashes as stored (level-0 tiles of a bundle, the leaf hash column of the store).
    pub stored_leaves: Vec<Hash>,
    /// Stored tiles, each to equal the rebuilt one.
    pub tiles: Vec<(TileId, Vec<Hash>)>,
    /// Payloads not erased.
    pub payloads: Vec<Payload>,
    /// Stored payloads that could not be opened (live store only): entry and reason.
    pub unreadable_payloads: Vec<(u64, String)>,
}

/// What a successful verification established.
#[derive(Debug)]
pub struct Verdict {
    /// Entries verified.
    pub entries: u64,
    /// Root of the verified tree.
    pub root: Hash,
    /// The verifier key the checkpoint verified with (none when the log has no checkpoint).
    pub key: Option<String>,
}

struct Opened {
    checkpoint: Checkpoint,
    signature: Result<(), String>,
}

fn open(text: &str, verifier: &Ed25519NoteVerifier, label: &str) -> Result<Opened, Failure> {
    let note = Note::parse(text.as_bytes())
        .map_err(|e| damaged(format!("{label}: malformed signed note ({e})")))?;
    let checkpoint = Checkpoint::parse(note.text())
        .map_err(|e| damaged(format!("{label}: malformed checkpoint ({e})")))?;
    let signature = SignedCheckpoint::from_note(note, checkpoint.origin(), verifier, &[])
        .map(|_| ())
        .map_err(|e| e.to_string());
    Ok(Opened {
        checkpoint,
        signature,
    })
}

/// Root of the rebuilt tree at `size` (at most the number of leaves).
fn root_at(tree: &MemoryTiles, size: u64) -> Result<Hash, Failure> {
    tree.reader(size)
        .root()
        .map_err(|e| unusable(format!("cannot compute the root at size {size}: {e}")))
}

/// Parses every envelope and hashes every leaf, the entries split across the machine's cores
/// (both are per-entry work with no order between entries).
fn parse_and_hash(entries: &[Vec<u8>]) -> Vec<(Result<LeafEnvelope, String>, Hash)> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = entries.len().div_ceil(threads).max(1);
    let work = |part: &[Vec<u8>]| -> Vec<(Result<LeafEnvelope, String>, Hash)> {
        part.iter()
            .map(|bytes| {
                (
                    LeafEnvelope::parse(bytes).map_err(|e| e.to_string()),
                    leaf_hash(bytes),
                )
            })
            .collect()
    };
    if threads == 1 || entries.len() < 4_096 {
        return work(entries);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        let mut out = Vec::with_capacity(entries.len());
        for (handle, part) in handles.into_iter().zip(entries.chunks(chunk)) {
            // A worker that panicked (it should not) is redone here, so no entry goes unchecked.
            out.extend(handle.join().unwrap_or_else(|_| work(part)));
        }
        out
    })
}

/// Checks the envelopes: readable, `seq` equal to position, one tenant, as many as `size`.
fn check_envelopes(
    log: &LogData,
    parsed: Vec<Result<LeafEnvelope, String>>,
) -> Result<Vec<LeafEnvelope>, Failure> {
    let mut envelopes = Vec::with_capacity(parsed.len());
    for (i, envelope) in parsed.into_iter().enumerate() {
        let envelope = envelope.map_err(|e| {
            damaged(format!(
                "entry {i}: envelope changed (no longer a valid envelope: {e})"
            ))
        })?;
        envelopes.push(envelope);
    }
    let tenant = envelopes.first().map(|e| e.tenant().to_owned());
    for (i, envelope) in (0u64..).zip(&envelopes) {
        let seq = envelope.seq();
        if seq != i {
            // Only on damage: which sequence numbers are present at all.
            let seqs: HashSet<u64> = envelopes.iter().map(LeafEnvelope::seq).collect();
            return Err(if seq > i && !seqs.contains(&i) {
                damaged(format!(
                    "entry {i}: entry missing (position {i} holds entry {seq})"
                ))
            } else {
                damaged(format!(
                    "entry {i}: entries out of order (position {i} holds entry {seq})"
                ))
            });
        }
        if tenant.as_deref() != Some(envelope.tenant()) {
            return Err(damaged(format!(
                "entry {i}: tenant inconsistent ({} where entry 0 has {})",
                envelope.tenant(),
                tenant.as_deref().unwrap_or_default()
            )));
        }
    }
    let count = envelopes.len() as u64;
    if count < log.size {
        return Err(damaged(format!(
            "entry {count}: entry missing (the log holds {count} of {} entries)",
            log.size
        )));
    }
    if count > log.size {
        return Err(damaged(format!(
            "entry {}: entries beyond the verified size {}",
            log.size, log.size
        )));
    }
    Ok(envelopes)
}

/// Where the payloads to check against the commitments are.
#[derive(Debug, Clone, Copy)]
pub enum PayloadCheck<'a> {
    /// In [`LogData::payloads`] (the live store).
    Loaded,
    /// In the payload files of the bundle in this directory, read as they are checked so that
    /// a large log's payloads are never all in memory.
    Files(&'a Path),
}

/// Runs every check; `trusted` is a signed checkpoint the auditor kept from earlier.
pub fn check(
    log: &LogData,
    key: &VerifierKey,
    trusted: Option<&str>,
    payloads: PayloadCheck<'_>,
    progress: &dyn Fn(&str),
) -> Result<Verdict, Failure> {
    let verifier = Ed25519NoteVerifier::from_key(key)
        .map_err(|e| unusable(format!("verifier key {key}: {e}")))?;
    progress(&format!(
        "checking {} envelopes and recomputing their leaf hashes",
        log.entries.len()
    ));
    let (parsed, leaves): (Vec<_>, Vec<Hash>) = parse_and_hash(&log.entries).into_iter().unzip();
    let envelopes = check_envelopes(log, parsed)?;
    progress("rebuilding the tree");
    let tree = MemoryTiles::from_leaf_hashes(&leaves);
    let root = root_at(&tree, log.size)?;
    let leaf_mismatch = leaves
        .iter()
        .zip(
            log.stored_leaves
                .iter()
                .map(Some)
                .chain(std::iter::repeat(None)),
        )
        .position(|(leaf, stored)| stored != Some(leaf));
    let changed = |what: &str| match leaf_mismatch {
        Some(i) => damaged(format!(
            "entry {i}: envelope changed (leaf hash mismatch with tile)"
        )),
        None => damaged(format!(
            "{what}: the entries and tiles do not give the signed root: log rewritten"
        )),
    };

    if let Some(head) = log.head_root
        && head != root
    {
        return Err(changed("tree head"));
    }
    let mut signed_by = None;
    let mut origin = None;
    if let Some(text) = &log.latest {
        progress("checking the checkpoint");
        let latest = open(text, &verifier, "checkpoint")?;
        let size = latest.checkpoint.size();
        if size > log.size {
            return Err(damaged(format!(
                "checkpoint: log truncated (the checkpoint commits to {size} entries, the log holds {})",
                log.size
            )));
        }
        let expected = root_at(&tree, size)?;
        if let Err(e) = &latest.signature {
            return Err(if *latest.checkpoint.root() == expected {
                damaged(format!("checkpoint: bad signature ({e})"))
            } else {
                damaged(format!(
                    "checkpoint: checkpoint root altered (root {} does not match the entries, and the signature does not verify: {e})",
                    latest.checkpoint.root().to_hex()
                ))
            });
        }
        if *latest.checkpoint.root() != expected {
            return Err(changed("checkpoint"));
        }
        signed_by = Some(key.to_text());
        origin = Some(latest.checkpoint.origin().to_owned());
    }

    progress(&format!("comparing {} stored tiles", log.tiles.len()));
    for (id, hashes) in &log.tiles {
        let rebuilt = tree
            .read_tile(*id)
            .map_err(|_| damaged(format!("{id}: tile beyond the log size {}", log.size)))?;
        if &rebuilt != hashes {
            return Err(damaged(format!(
                "{id}: tile replaced (differs from the tile rebuilt from the entries)"
            )));
        }
    }
    if let Some(i) = leaf_mismatch {
        return Err(damaged(format!(
            "entry {i}: stored leaf hash altered (differs from the hash of its envelope)"
        )));
    }

    if let Some((seq, reason)) = log.unreadable_payloads.first() {
        return Err(damaged(format!("entry {seq}: payload altered ({reason})")));
    }
    match payloads {
        PayloadCheck::Loaded => {
            progress(&format!(
                "checking {} payload commitments",
                log.payloads.len()
            ));
            for payload in &log.payloads {
                check_payload(payload.seq, &payload.salt, &payload.payload, &envelopes)?;
            }
        }
        PayloadCheck::Files(dir) => {
            progress("checking the payload commitments in the payload files");
            super::payloads::check(dir, &envelopes)?;
        }
    }

    progress(&format!("checking {} checkpoints", log.checkpoints.len()));
    let mut opened = Vec::with_capacity(log.checkpoints.len());
    for text in &log.checkpoints {
        opened.push(open(text, &verifier, "stored checkpoint")?.checkpoint_checked()?);
    }
    opened.sort_by_key(Checkpoint::size);
    let mut previous: Option<&Checkpoint> = None;
    for checkpoint in &opened {
        let size = checkpoint.size();
        if size > log.size {
            return Err(damaged(format!(
                "checkpoint {size}: log truncated (the log holds {} entries)",
                log.size
            )));
        }
        if *checkpoint.root() != root_at(&tree, size)? {
            return Err(damaged(format!(
                "checkpoint {size}: fork: the signed root is inconsistent with the log"
            )));
        }
        if let Some(before) = previous {
            consistent(&tree, before, checkpoint).map_err(|e| {
                damaged(format!(
                    "checkpoint {size}: fork: inconsistent with checkpoint {} ({e})",
                    before.size()
                ))
            })?;
        }
        previous = Some(checkpoint);
    }

    if let Some(text) = trusted {
        progress("checking consistency with the trusted checkpoint");
        let trusted = open(text, &verifier, "trusted checkpoint")?;
        if let Err(e) = &trusted.signature {
            return Err(damaged(format!("trusted checkpoint: bad signature ({e})")));
        }
        let trusted = trusted.checkpoint;
        if let Some(origin) = &origin
            && trusted.origin() != origin
        {
            return Err(unusable(format!(
                "the trusted checkpoint is of log {}, not {origin}",
                trusted.origin()
            )));
        }
        if trusted.size() > log.size {
            return Err(damaged(format!(
                "log truncated vs trusted checkpoint (the trusted checkpoint commits to {} entries, the log holds {})",
                trusted.size(),
                log.size
            )));
        }
        if trusted.size() > 0 {
            let proof = prove_consistency(&mut tree.reader(log.size), trusted.size())
                .map_err(|e| unusable(format!("consistency proof: {e}")))?;
            verify_consistency(trusted.size(), log.size, &proof, trusted.root(), &root).map_err(
                |e| {
                    damaged(format!(
                        "fork: trusted checkpoint inconsistent (size {}, root {}) with the log at size {} ({e})",
                        trusted.size(),
                        trusted.root().to_hex(),
                        log.size
                    ))
                },
            )?;
        }
    }
    Ok(Verdict {
        entries: log.size,
        root,
        key: signed_by,
    })
}

impl Opened {
    /// The checkpoint, if its signature verified.
    fn checkpoint_checked(self) -> Result<Checkpoint, Failure> {
        match self.signature {
            Ok(()) => Ok(self.checkpoint),
            Err(e) => Err(damaged(format!(
                "checkpoint {}: bad signature ({e})",
                self.checkpoint.size()
            ))),
        }
    }
}

/// Whether `new` extends `old` in the rebuilt tree, by a consistency proof.
fn consistent(tree: &MemoryTiles, old: &Checkpoint, new: &Checkpoint) -> Result<(), String> {
    if old.size() == 0 {
        return Ok(());
    }
    let proof =
        prove_consistency(&mut tree.reader(new.size()), old.size()).map_err(|e| e.to_string())?;
    verify_consistency(old.size(), new.size(), &proof, old.root(), new.root())
        .map_err(|e| e.to_string())
}
