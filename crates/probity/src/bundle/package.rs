//! Evidence audit packages: `probity assurance package` writes a freeze's manifest and files
//! beside the tenant's ledger bundle; `probity verify DIR` then checks, after the log itself,
//! that every file hashes to its address in the manifest, that the manifest hashes to what the
//! freeze recorded, and that the verified log holds the `evidence.frozen` event naming that
//! hash and an `evidence.uploaded` event for every frozen version.

use std::path::Path;

use serde_json::Value;

use probity_core::assurance::{EvidenceFreeze, FrozenItem, sha256_hex};

use super::check::LogData;
use super::{Failure, damaged, unusable};

/// The package's manifest, relative to the bundle directory.
pub const MANIFEST: &str = "evidence/manifest.json";
/// The package's files directory, relative to the bundle directory.
pub const FILES: &str = "evidence/files";

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
}

/// Checks the package in `dir` against the verified `log`; `None` when `dir` holds no package.
pub fn check(dir: &Path, log: &LogData) -> Result<Option<PackageVerdict>, Failure> {
    let path = dir.join(MANIFEST);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| unusable(format!("{MANIFEST}: {e}")))?;
    let freeze: EvidenceFreeze = serde_json::from_str(&text)
        .map_err(|e| damaged(format!("{MANIFEST}: not a freeze manifest ({e})")))?;
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
        let uploaded = log.payloads.iter().any(|p| {
            field(&p.payload, &["event_type"]) == Some("evidence.uploaded")
                && field(&p.payload, &["resource_id"])
                    == Some(item.evidence_id.to_string().as_str())
                && field(&p.payload, &["details", "sha256"]) == Some(item.sha256.as_str())
        });
        if !uploaded {
            return Err(damaged(format!(
                "{} version {}: no evidence.uploaded event for {} in the verified log",
                item.reference, item.version, item.sha256
            )));
        }
    }
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
    Ok(Some(PackageVerdict {
        files: freeze.items.len(),
        freeze_entry: entry.seq,
    }))
}
