//! Reading a tenant's log out of the store (for `audit export` and `audit verify`) and writing
//! it as an auditor bundle: `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`,
//! `checkpoints/<size>`, `verifier-keys` and `payloads/<N>[.p/<W>]` (see [`super::payloads`]).

use std::path::Path;

use anyhow::Context;
use probity_core::platform::model::TenantId;
use probity_ledger::entry_bundle::encode_entry_bundle;
use probity_ledger::tile::{EntryBundleId, MAX_TILE_LEVEL, TILE_WIDTH, TileId, hashes_at_level};

use super::check::{LogData, Payload};
use super::unusable;
use crate::wiring::Services;

/// Entries read from the store per query.
const ENTRY_CHUNK: u64 = 4_096;
/// Tiles read from the store per query.
const TILE_CHUNK: u64 = 256;

/// Which tiles to load: every tile of the size as a bundle holds them, or the stored full ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tiles {
    /// Full and partial tiles (the partial ones derived from entries and lower tiles).
    All,
    /// Only the full tiles the store keeps.
    StoredFull,
}

/// Loads the first `size` entries of the tenant's log with their tiles, payloads and checkpoints
/// (`latest` and `head_root` are left for the caller).
pub async fn load(
    s: &Services,
    tenant: TenantId,
    size: u64,
    tiles: Tiles,
) -> anyhow::Result<LogData> {
    let store = s.store.as_ref();
    let mut log = LogData {
        size,
        ..LogData::default()
    };
    let mut from = 0;
    while from < size {
        let to = from.saturating_add(ENTRY_CHUNK).min(size);
        for entry in store.ledger_entries(tenant, from, to).await? {
            log.entries.push(entry.envelope);
            log.stored_leaves.push(entry.leaf_hash);
        }
        from = to;
        eprintln!("read {from}/{size} entries");
    }
    let width = u64::from(TILE_WIDTH);
    for level in 0..=MAX_TILE_LEVEL {
        let count = hashes_at_level(size, level);
        if count == 0 {
            break;
        }
        let full = count / width;
        let mut index = 0;
        while index < full {
            let to = index.saturating_add(TILE_CHUNK).min(full);
            for tile in store.ledger_tiles(tenant, level, index, to).await? {
                log.tiles.push((tile.id, tile.hashes));
            }
            index = to;
        }
        let rest = count % width;
        if tiles == Tiles::All && rest > 0 {
            let start = full * width;
            let hashes = if level == 0 {
                let range = usize::try_from(start)?..usize::try_from(count)?;
                log.stored_leaves.get(range).unwrap_or_default().to_vec()
            } else {
                store
                    .ledger_tile_roots(tenant, level - 1, start, count)
                    .await?
            };
            log.tiles
                .push((TileId::new(level, full, u16::try_from(rest)?)?, hashes));
        }
    }
    let mut from = 0;
    while from < size {
        let to = from.saturating_add(ENTRY_CHUNK).min(size);
        for opened in s.ledger.open_payloads(tenant, from, to).await? {
            match opened.content {
                Ok(payload) => log.payloads.push(Payload {
                    seq: opened.seq,
                    salt: opened.salt,
                    payload,
                }),
                Err(reason) => log.unreadable_payloads.push((opened.seq, reason)),
            }
        }
        from = to;
        eprintln!("read payloads of {from}/{size} entries");
    }
    let mut after = None;
    loop {
        let page = store.checkpoints(tenant, after, 1_000).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.size);
        log.checkpoints
            .extend(page.into_iter().map(|c| c.signed_note));
    }
    Ok(log)
}

fn write(dir: &Path, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `log` (loaded with [`Tiles::All`], `latest` set) as a bundle into the empty or new
/// directory `dir`, with `verifier_keys` as the key lines.
pub fn write_bundle(dir: &Path, log: &LogData, verifier_keys: &[String]) -> anyhow::Result<()> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        return Err(unusable(format!(
            "--out {}: the directory is not empty; export into a new directory",
            dir.display()
        ))
        .into());
    }
    let latest = log
        .latest
        .as_deref()
        .ok_or_else(|| unusable("the log has no signed checkpoint to export"))?;
    write(dir, "checkpoint", latest.as_bytes())?;
    for (id, hashes) in &log.tiles {
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
        write(dir, &id.path(), &bytes)?;
    }
    let width = usize::from(TILE_WIDTH);
    for (index, chunk) in (0u64..).zip(log.entries.chunks(width)) {
        let id = EntryBundleId::new(index, u16::try_from(chunk.len())?)?;
        let bundle = encode_entry_bundle(chunk.iter().map(Vec::as_slice))?;
        write(dir, &id.path(), &bundle)?;
    }
    for note in &log.checkpoints {
        let size = probity_ledger::Note::parse(note.as_bytes())
            .ok()
            .and_then(|n| probity_ledger::Checkpoint::parse(n.text()).ok())
            .map(|c| c.size())
            .context("a stored checkpoint is malformed")?;
        write(dir, &format!("checkpoints/{size}"), note.as_bytes())?;
    }
    let mut keys = verifier_keys.join("\n");
    keys.push('\n');
    write(dir, "verifier-keys", keys.as_bytes())?;
    // One payload file per entry bundle, its lines in entry order.
    let mut payloads: Vec<&Payload> = log.payloads.iter().collect();
    payloads.sort_by_key(|p| p.seq);
    let width = u64::from(TILE_WIDTH);
    let size = log.entries.len() as u64;
    for group in payloads.chunk_by(|a, b| a.seq / width == b.seq / width) {
        let Some(first) = group.first() else {
            continue;
        };
        let index = first.seq / width;
        let entries = size.saturating_sub(index * width).min(width);
        let id = EntryBundleId::new(index, u16::try_from(entries)?)
            .with_context(|| format!("payload {}: no such entry in the log", first.seq))?;
        let mut lines = Vec::new();
        for payload in group {
            super::payloads::write_line(&mut lines, payload.seq, &payload.salt, &payload.payload)
                .with_context(|| format!("payload {} has no canonical form", payload.seq))?;
        }
        write(dir, &super::payloads::path(id), &lines)?;
    }
    Ok(())
}
