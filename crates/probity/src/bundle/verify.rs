//! `probity verify DIR`: reads an auditor bundle from disk, with nothing but the files and
//! `probity-ledger`, runs the checks of [`super::check`] over it, and reports which trusted
//! witnesses (`--witness-key`) cosigned its checkpoint.

use std::path::Path;

use probity_ledger::cosignature::CosignatureVerifier;
use probity_ledger::entry_bundle::decode_entry_bundle;
use probity_ledger::note::NoteVerifier as _;
use probity_ledger::tile::{EntryBundleId, TILE_WIDTH, tiles_for_size};
use probity_ledger::{Checkpoint, Hash, Note, VerifierKey};

use super::check::{LogData, PayloadCheck, check};
use super::{Failure, damaged, unusable};

pub(crate) fn read_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| unusable(format!("cannot read {}: {e}", path.display())))
}

/// Where the verifier key came from, for the verdict.
#[derive(Debug)]
pub enum KeySource {
    /// Given by the auditor.
    Given,
    /// Taken from the bundle's own `verifier-keys`.
    Bundle,
}

/// The verifier key: `given` (key text, or a file holding it) or the bundle's line for `origin`.
fn verifier_key(
    dir: &Path,
    given: Option<&str>,
    origin: &str,
) -> Result<(VerifierKey, KeySource), Failure> {
    let (text, source) = match given {
        Some(given) if Path::new(given).is_file() => {
            (read_text(Path::new(given))?, KeySource::Given)
        }
        Some(given) => (given.to_owned(), KeySource::Given),
        None => (read_text(&dir.join("verifier-keys"))?, KeySource::Bundle),
    };
    let keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| VerifierKey::parse(l).map_err(|e| unusable(format!("verifier key {l:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let chosen = keys
        .iter()
        .find(|k| k.name() == origin)
        .or(keys.first())
        .cloned()
        .ok_or_else(|| unusable("no verifier key: pass --verifier-key"))?;
    Ok((chosen, source))
}

fn read_tiles(dir: &Path, log: &mut LogData) -> Result<(), Failure> {
    for id in tiles_for_size(log.size) {
        let bytes = std::fs::read(dir.join(id.path()))
            .map_err(|e| damaged(format!("{id}: tile missing ({e})")))?;
        if bytes.len() != usize::from(id.width()) * 32 {
            return Err(damaged(format!(
                "{id}: tile replaced ({} bytes where {} hashes belong)",
                bytes.len(),
                id.width()
            )));
        }
        let hashes: Vec<Hash> = bytes
            .chunks_exact(32)
            .map(|c| Hash::from_slice(c).map_err(|e| damaged(format!("{id}: {e}"))))
            .collect::<Result<_, _>>()?;
        if id.level() == 0 {
            log.stored_leaves.extend_from_slice(&hashes);
        }
        log.tiles.push((id, hashes));
    }
    Ok(())
}

fn read_entries(dir: &Path, log: &mut LogData) -> Result<(), Failure> {
    let width = u64::from(TILE_WIDTH);
    for index in 0..log.size.div_ceil(width) {
        let count = (log.size - index * width).min(width);
        let id = EntryBundleId::new(index, u16::try_from(count).unwrap_or(TILE_WIDTH))
            .map_err(|e| unusable(e.to_string()))?;
        let Ok(bytes) = std::fs::read(dir.join(id.path())) else {
            // The entries from here on are missing: the envelope checks name the first.
            break;
        };
        let entries = decode_entry_bundle(&bytes)
            .map_err(|e| damaged(format!("{}: malformed entry bundle ({e})", id.path())))?;
        log.entries.extend(entries.into_iter().map(<[u8]>::to_vec));
    }
    Ok(())
}

fn read_checkpoints(dir: &Path, log: &mut LogData) -> Result<(), Failure> {
    let Ok(listing) = std::fs::read_dir(dir.join("checkpoints")) else {
        return Ok(());
    };
    for file in listing {
        let path = file.map_err(|e| unusable(e.to_string()))?.path();
        log.checkpoints.push(read_text(&path)?);
    }
    Ok(())
}

/// Reads the bundle in `dir` (its checkpoint, entries, tiles and checkpoints, and the payloads
/// when it is an evidence package) without checking it.
pub(crate) fn load_dir(dir: &Path) -> Result<(LogData, Checkpoint), Failure> {
    let latest = read_text(&dir.join("checkpoint"))?;
    let body = Note::parse(latest.as_bytes())
        .ok()
        .and_then(|n| Checkpoint::parse(n.text()).ok())
        .ok_or_else(|| damaged("checkpoint: malformed signed checkpoint"))?;
    let mut log = LogData {
        size: body.size(),
        latest: Some(latest),
        ..LogData::default()
    };
    eprintln!("reading {} entries from {}", log.size, dir.display());
    read_entries(dir, &mut log)?;
    read_tiles(dir, &mut log)?;
    // Only an evidence package needs payloads in memory (it looks its events up by content);
    // the checks read the payload files as they go.
    if dir.join(super::package::MANIFEST).exists() {
        log.payloads = super::payloads::read_all(dir)?;
    }
    read_checkpoints(dir, &mut log)?;
    Ok((log, body))
}

/// Verifies the bundle in `path` (a directory, or a zip of one such as an audit package);
/// prints progress on stderr and the verdict on stdout.
pub fn verify_dir(
    path: &Path,
    trusted: Option<&Path>,
    given_key: Option<&str>,
    witness_keys: &[String],
) -> Result<(), Failure> {
    if path.is_file() {
        let unpacked = tempfile::TempDir::new()
            .map_err(|e| unusable(format!("cannot make a directory to unpack into: {e}")))?;
        super::package::extract_zip(path, unpacked.path())?;
        eprintln!("unpacked {}", path.display());
        return verify_dir(unpacked.path(), trusted, given_key, witness_keys);
    }
    let dir = path;
    if !dir.is_dir() {
        return Err(unusable(format!(
            "{}: neither a bundle directory nor a zip of one",
            dir.display()
        )));
    }
    let witnesses = witness_keys
        .iter()
        .map(|text| {
            let text = if Path::new(text).is_file() {
                read_text(Path::new(text))?
            } else {
                text.clone()
            };
            CosignatureVerifier::from_key_text(text.trim()).map_err(|e| {
                unusable(format!(
                    "--witness-key {text:?}: not a witness verifier key <name>+<hex id>+<base64(0x04 || key)> ({e})"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (log, body) = load_dir(dir)?;
    let (key, source) = verifier_key(dir, given_key, body.origin())?;
    let trusted = trusted.map(read_text).transpose()?;
    let cosigned = cosignatures(log.latest.as_deref().unwrap_or_default(), &witnesses)?;
    let progress = super::Progress::for_check();
    let verdict = check(
        &log,
        &key,
        trusted.as_deref(),
        PayloadCheck::Files(dir),
        &|step| progress.step(step),
    );
    progress.finish();
    let verdict = verdict?;
    println!(
        "verified: {} entries, root {}, checkpoint signed by {}",
        verdict.entries,
        verdict.root.to_hex(),
        verdict.key.unwrap_or_default()
    );
    let note_verifier = probity_ledger::ed25519::Ed25519NoteVerifier::from_key(&key)
        .map_err(|e| unusable(format!("verifier key: {e}")))?;
    if let Some(p) = super::package::check(dir, &log, body.origin(), &note_verifier)? {
        println!(
            "evidence package: {} file(s) match the manifest; the freeze is entry {} and every file's upload is in the log; {} inclusion proof(s) verify against the checkpoint",
            p.files, p.freeze_entry, p.proofs
        );
    }
    match source {
        KeySource::Given => eprintln!("verifier key: as given with --verifier-key"),
        KeySource::Bundle => eprintln!(
            "verifier key: taken from the bundle's own verifier-keys file; an auditor should pass the key obtained independently with --verifier-key"
        ),
    }
    if trusted.is_some() {
        eprintln!("consistent with the trusted checkpoint");
    }
    for (witness, at) in cosigned {
        match at {
            Some(at) => println!("cosigned by witness {witness} at {at}"),
            None => println!("not cosigned by witness {witness}"),
        }
    }
    Ok(())
}

/// For each trusted witness, the time of its valid cosignature on the checkpoint (RFC 3339),
/// or `None` when the note has none; a cosignature by a trusted key that fails is damage.
fn cosignatures(
    note_text: &str,
    witnesses: &[CosignatureVerifier],
) -> Result<Vec<(String, Option<String>)>, Failure> {
    if witnesses.is_empty() {
        return Ok(Vec::new());
    }
    let note = Note::parse(note_text.as_bytes())
        .map_err(|e| damaged(format!("checkpoint: malformed signed note ({e})")))?;
    let mut found = Vec::new();
    for witness in witnesses {
        let mut at = None;
        for line in note
            .signatures()
            .iter()
            .filter(|l| l.name() == witness.name() && l.key_id() == witness.key_id())
        {
            let seconds = witness
                .verify_cosignature(note.text(), line.signature())
                .map_err(|e| {
                    damaged(format!(
                        "checkpoint: cosignature by witness {} does not verify ({e})",
                        witness.name()
                    ))
                })?;
            at = i64::try_from(seconds)
                .ok()
                .and_then(|s| chrono::DateTime::<chrono::Utc>::from_timestamp(s, 0))
                .map(|t| t.to_rfc3339());
        }
        found.push((witness.name().to_owned(), at));
    }
    Ok(found)
}

/// `probity verify-proof FILE --envelope FILE --verifier-key KEY`: checks one entry's C2SP
/// tlog-proof file (from `GET /api/v1/ledger/entries/{index}/tlog-proof` or the event page)
/// against the entry's envelope (its exact canonical JSON) and the log's verifier key: the leaf
/// hash, the inclusion proof up to the checkpoint's root, and the checkpoint's signature.
pub fn verify_proof_file(proof: &Path, envelope: &Path, given_key: &str) -> Result<(), Failure> {
    let text = read_text(proof)?;
    let parsed = probity_ledger::proof_file::TlogProof::parse(&text)
        .map_err(|e| unusable(format!("{}: not a tlog-proof file: {e}", proof.display())))?;
    let envelope_bytes = std::fs::read(envelope)
        .map_err(|e| unusable(format!("cannot read {}: {e}", envelope.display())))?;
    // The envelope is compact canonical JSON: a trailing line end from copying it is not part
    // of it.
    let trimmed = envelope_bytes.trim_ascii_end();
    let key_text = if Path::new(given_key).is_file() {
        read_text(Path::new(given_key))?
    } else {
        given_key.to_owned()
    };
    let key = VerifierKey::parse(key_text.trim())
        .map_err(|e| unusable(format!("--verifier-key: {e}")))?;
    let verifier = probity_ledger::ed25519::Ed25519NoteVerifier::from_key(&key)
        .map_err(|e| unusable(format!("--verifier-key: {e}")))?;
    let leaf = probity_ledger::hash::leaf_hash(trimmed);
    let signed = parsed
        .verify(&leaf, key.name(), &verifier, &[])
        .map_err(|e| damaged(format!("entry {}: {e}", parsed.index)))?;
    println!(
        "verified: entry {} is in the log {} of size {} (root {}), signed by {}",
        parsed.index,
        key.name(),
        signed.checkpoint.size(),
        signed.checkpoint.root().to_hex(),
        key.to_text()
    );
    Ok(())
}
