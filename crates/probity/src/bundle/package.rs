//! Evidence audit packages: `probity assurance package` writes a freeze's manifest and files
//! beside the tenant's ledger bundle, with an inclusion proof (C2SP tlog-proof, against the
//! bundle's checkpoint) and the leaf envelope for the freeze's entry and every frozen upload's;
//! `probity verify DIR` then checks, after the log itself, that every file hashes to its
//! address in the manifest, that the manifest hashes to what the freeze recorded, that the
//! verified log holds the `evidence.frozen` event naming that hash and an `evidence.uploaded`
//! event for every frozen version, and that each of those entries' proofs verifies against the
//! checkpoint. A package may travel as a zip ([`write_zip`], [`extract_zip`]).

use std::io::{Read, Write};
use std::path::Path;

use serde_json::Value;

use probity_core::assurance::{EvidenceFreeze, FrozenItem, sha256_hex};
use probity_ledger::note::NoteVerifier;
use probity_ledger::proof::prove_inclusion;
use probity_ledger::proof_file::TlogProof;
use probity_ledger::tile_source::MemoryTiles;
use probity_ledger::{Note, leaf_hash};

use super::check::LogData;
use super::{Failure, damaged, unusable};

/// The package's manifest, relative to the bundle directory.
pub const MANIFEST: &str = "evidence/manifest.json";
/// The package's files directory, relative to the bundle directory.
pub const FILES: &str = "evidence/files";
/// The inclusion proofs (`<index>.tlog-proof`) and leaf envelopes (`<index>.envelope`) of the
/// freeze's and the uploads' entries, relative to the bundle directory.
pub const PROOFS: &str = "evidence/proofs";
/// Largest zip accepted by [`extract_zip`], unpacked, in bytes.
const MAX_UNZIPPED: u64 = 16 * 1024 * 1024 * 1024;

/// Writes the manifest and files of `freeze` under `dir`.
pub fn write(
    dir: &Path,
    freeze: &EvidenceFreeze,
    files: &[(FrozenItem, Vec<u8>)],
) -> anyhow::Result<()> {
    let files_dir = dir.join(FILES);
    std::fs::create_dir_all(&files_dir)?;
    for (item, bytes) in files {
        std::fs::write(files_dir.join(&item.sha256), bytes)?;
    }
    let mut text = serde_json::to_string_pretty(freeze)?;
    text.push('\n');
    std::fs::write(dir.join(MANIFEST), text)?;
    Ok(())
}

/// Writes the inclusion proofs of the package in `dir` (written by [`write`] beside a bundle):
/// one per entry [`entries`] names, against the bundle's checkpoint `latest`, each with the
/// entry's envelope so that `probity verify-proof` checks it alone.
pub fn write_proofs(dir: &Path, log: &LogData) -> anyhow::Result<usize> {
    let freeze = read_manifest(dir)?;
    let latest = log
        .latest
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("the bundle has no checkpoint"))?;
    let note = Note::parse(latest.as_bytes())?;
    let leaves: Vec<_> = log.entries.iter().map(|e| leaf_hash(e)).collect();
    let tiles = MemoryTiles::from_leaf_hashes(&leaves);
    let proofs = dir.join(PROOFS);
    std::fs::create_dir_all(&proofs)?;
    let wanted = entries(&freeze, log)?;
    for &index in &wanted {
        let inclusion = prove_inclusion(&mut tiles.reader(log.size), index)
            .map_err(|e| anyhow::anyhow!("entry {index}: {e}"))?;
        let proof = TlogProof {
            extra: None,
            index,
            inclusion,
            checkpoint: note.clone(),
        };
        std::fs::write(proofs.join(format!("{index}.tlog-proof")), proof.to_text())?;
        let envelope = usize::try_from(index)
            .ok()
            .and_then(|i| log.entries.get(i))
            .ok_or_else(|| anyhow::anyhow!("entry {index} is not in the bundle"))?;
        std::fs::write(proofs.join(format!("{index}.envelope")), envelope)?;
    }
    Ok(wanted.len())
}

fn read_manifest(dir: &Path) -> Result<EvidenceFreeze, Failure> {
    let text = std::fs::read_to_string(dir.join(MANIFEST))
        .map_err(|e| unusable(format!("{MANIFEST}: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| damaged(format!("{MANIFEST}: not a freeze manifest ({e})")))
}

/// The entries a package proves: the freeze's `evidence.frozen` entry first, then the
/// `evidence.uploaded` entry of every frozen version; damage when one is not in `log`.
fn entries(freeze: &EvidenceFreeze, log: &LogData) -> Result<Vec<u64>, Failure> {
    let recorded = log.payloads.iter().find(|p| {
        field(&p.payload, &["event_type"]) == Some("evidence.frozen")
            && field(&p.payload, &["resource_id"]) == Some(freeze.id.to_string().as_str())
            && field(&p.payload, &["details", "manifest_sha256"])
                == Some(freeze.manifest_sha256.as_str())
    });
    let Some(entry) = recorded else {
        return Err(damaged(format!(
            "no evidence.frozen event for freeze {} with manifest {} in the verified log",
            freeze.id, freeze.manifest_sha256
        )));
    };
    let mut wanted = vec![entry.seq];
    for item in &freeze.items {
        let uploaded = log.payloads.iter().find(|p| {
            field(&p.payload, &["event_type"]) == Some("evidence.uploaded")
                && field(&p.payload, &["resource_id"])
                    == Some(item.evidence_id.to_string().as_str())
                && field(&p.payload, &["details", "sha256"]) == Some(item.sha256.as_str())
        });
        let Some(upload) = uploaded else {
            return Err(damaged(format!(
                "{} version {}: no evidence.uploaded event for {} in the verified log",
                item.reference, item.version, item.sha256
            )));
        };
        if !wanted.contains(&upload.seq) {
            wanted.push(upload.seq);
        }
    }
    Ok(wanted)
}

/// Writes the directory `dir` as the zip `out` (paths relative to `dir`, `/`-separated).
pub fn write_zip(dir: &Path, out: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(out)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut stack = vec![dir.to_path_buf()];
    let mut paths = Vec::new();
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    // A stable order, so that the same package zips to the same listing.
    paths.sort();
    for path in paths {
        let name = path
            .strip_prefix(dir)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        zip.start_file(name, options)?;
        let mut from = std::fs::File::open(&path)?;
        std::io::copy(&mut from, &mut zip)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}

/// Unpacks the zip `file` into `into`, refusing entries that would land outside it and more
/// than [`MAX_UNZIPPED`] bytes in all.
pub fn extract_zip(file: &Path, into: &Path) -> Result<(), Failure> {
    let bad = |e: String| unusable(format!("{}: not a readable zip ({e})", file.display()));
    let reader = std::fs::File::open(file)
        .map_err(|e| unusable(format!("cannot read {}: {e}", file.display())))?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| bad(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| bad(e.to_string()))?;
        let Some(relative) = entry.enclosed_name() else {
            return Err(damaged(format!(
                "{}: entry {:?} points outside the package",
                file.display(),
                entry.name()
            )));
        };
        let target = into.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| unusable(e.to_string()))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| unusable(e.to_string()))?;
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_UNZIPPED.saturating_sub(total).saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| bad(e.to_string()))?;
        total = total.saturating_add(bytes.len() as u64);
        if total > MAX_UNZIPPED {
            return Err(unusable(format!(
                "{}: unpacks to more than {} GiB",
                file.display(),
                MAX_UNZIPPED >> 30
            )));
        }
        std::fs::write(&target, bytes).map_err(|e| unusable(e.to_string()))?;
    }
    Ok(())
}

/// The audit record field at `path` (`["details", "sha256"]`) of a payload, as text.
fn field<'a>(payload: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(payload, |v, k| v.get(k))
        .and_then(Value::as_str)
}

/// What the package check established.
#[derive(Debug)]
pub struct PackageVerdict {
    /// Files checked.
    pub files: usize,
    /// The log entry recording the freeze.
    pub freeze_entry: u64,
    /// Inclusion proofs verified.
    pub proofs: usize,
}

/// Checks the package in `dir` against the verified `log`, whose checkpoint verified with
/// `key` for `origin`; `None` when `dir` holds no package.
pub fn check(
    dir: &Path,
    log: &LogData,
    origin: &str,
    key: &dyn NoteVerifier,
) -> Result<Option<PackageVerdict>, Failure> {
    if !dir.join(MANIFEST).exists() {
        return Ok(None);
    }
    let freeze = read_manifest(dir)?;
    let items =
        serde_json::to_vec(&freeze.items).map_err(|e| unusable(format!("{MANIFEST}: {e}")))?;
    if sha256_hex(&items) != freeze.manifest_sha256 {
        return Err(damaged(format!(
            "{MANIFEST}: the items do not hash to manifest_sha256 {}",
            freeze.manifest_sha256
        )));
    }
    for item in &freeze.items {
        let file = dir.join(FILES).join(&item.sha256);
        let bytes = std::fs::read(&file).map_err(|e| {
            damaged(format!(
                "{} {}: file missing ({e})",
                item.reference, item.sha256
            ))
        })?;
        if sha256_hex(&bytes) != item.sha256 {
            return Err(damaged(format!(
                "{} version {}: the file does not hash to its address {}",
                item.reference, item.version, item.sha256
            )));
        }
    }
    let wanted = entries(&freeze, log)?;
    let latest = Note::parse(log.latest.as_deref().unwrap_or_default().as_bytes())
        .map_err(|e| damaged(format!("checkpoint: {e}")))?
        .to_text();
    for &index in &wanted {
        let path = dir.join(PROOFS).join(format!("{index}.tlog-proof"));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| damaged(format!("{PROOFS}/{index}.tlog-proof: proof missing ({e})")))?;
        let proof = TlogProof::parse(&text)
            .map_err(|e| damaged(format!("{PROOFS}/{index}.tlog-proof: {e}")))?;
        if proof.index != index || proof.checkpoint.to_text() != latest {
            return Err(damaged(format!(
                "{PROOFS}/{index}.tlog-proof: not a proof of entry {index} against the bundle's checkpoint"
            )));
        }
        let leaf = usize::try_from(index)
            .ok()
            .and_then(|i| log.entries.get(i))
            .map(|e| leaf_hash(e))
            .ok_or_else(|| damaged(format!("entry {index} is not in the bundle")))?;
        proof
            .verify(&leaf, origin, key, &[])
            .map_err(|e| damaged(format!("{PROOFS}/{index}.tlog-proof: {e}")))?;
    }
    Ok(Some(PackageVerdict {
        files: freeze.items.len(),
        freeze_entry: wanted.first().copied().unwrap_or_default(),
        proofs: wanted.len(),
    }))
}
