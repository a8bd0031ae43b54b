//! Read-side accessors of a tenant's log for the API and the auditor tools: the committed head,
//! single entries, stored checkpoints, and the tlog-tiles resources (hash tiles and entry
//! bundles, full or partial) that any tlog-tiles client reads.

use probity_ledger::Hash;
use probity_ledger::note::Note;
use probity_ledger::proof_file::TlogProof;
use probity_ledger::tile::{EntryBundleId, TILE_WIDTH, TileId, hashes_at_level};

use super::model::{StoredCheckpoint, StoredEntry, TreeHead};
use super::service::{LedgerError, LedgerService};
use super::tiles;
use crate::error::DomainError;
use crate::platform::model::TenantId;

impl LedgerService {
    /// The committed head of the tenant's tree, `None` before the first entry.
    pub async fn head(&self, tenant: TenantId) -> Result<Option<TreeHead>, LedgerError> {
        Ok(self.store().ledger_head(tenant).await?)
    }

    /// Entry `seq` of the tenant's log, `None` when there is none.
    pub async fn entry(
        &self,
        tenant: TenantId,
        seq: u64,
    ) -> Result<Option<StoredEntry>, LedgerError> {
        Ok(self
            .store()
            .ledger_entries(tenant, seq, seq.saturating_add(1))
            .await?
            .into_iter()
            .next())
    }

    /// The tenant's latest signed checkpoint, `None` before the first.
    pub async fn latest_checkpoint(
        &self,
        tenant: TenantId,
    ) -> Result<Option<StoredCheckpoint>, LedgerError> {
        Ok(self.store().latest_checkpoint(tenant).await?)
    }

    /// Entry `index` as a C2SP tlog-proof (`c2sp.org/tlog-proof@v1`: its inclusion proof and
    /// the latest signed checkpoint), with that checkpoint; `None` while no signed checkpoint
    /// covers the entry.
    pub async fn tlog_proof(
        &self,
        tenant: TenantId,
        index: u64,
    ) -> Result<Option<(StoredCheckpoint, TlogProof)>, LedgerError> {
        let Some(checkpoint) = self
            .latest_checkpoint(tenant)
            .await?
            .filter(|c| index < c.size)
        else {
            return Ok(None);
        };
        let proof = self.tlog_proof_in(tenant, index, &checkpoint).await?;
        Ok(Some((checkpoint, proof)))
    }

    /// Entry `index` as a C2SP tlog-proof against `checkpoint`, a signed checkpoint of the
    /// tenant's log read before (so a caller that chose entries by that checkpoint's size
    /// proves them against that very checkpoint).
    pub async fn tlog_proof_in(
        &self,
        tenant: TenantId,
        index: u64,
        checkpoint: &StoredCheckpoint,
    ) -> Result<TlogProof, LedgerError> {
        if index >= checkpoint.size {
            return Err(DomainError::invalid(
                "index",
                format!(
                    "entry {index} is not in the checkpoint of size {}",
                    checkpoint.size
                ),
            )
            .into());
        }
        let inclusion = self.inclusion_proof(tenant, index, checkpoint.size).await?;
        let note = Note::parse(checkpoint.signed_note.as_bytes()).map_err(|e| {
            LedgerError::Domain(DomainError::Internal(format!(
                "stored checkpoint note: {e}"
            )))
        })?;
        Ok(TlogProof {
            extra: None,
            index,
            inclusion,
            checkpoint: note,
        })
    }

    /// The hashes of hash tile `tile` (full, or partial of its width) of the tenant's log;
    /// `NotFound` unless the committed tree has reached the tile's extent. A tile's content never
    /// changes once it exists, so callers may cache it forever.
    pub async fn tile(&self, tenant: TenantId, tile: TileId) -> Result<Vec<Hash>, LedgerError> {
        let size = self.head(tenant).await?.map_or(0, |h| h.size);
        let end = tile_end(tile.index(), tile.width());
        if end.is_none_or(|end| end > hashes_at_level(size, tile.level())) {
            return Err(DomainError::NotFound(format!("ledger tile {}", tile.path())).into());
        }
        Ok(tiles::read_tile(self.store(), tenant, tile).await?)
    }

    /// The leaf envelopes of entry bundle `bundle` (full, or partial of its width), in order;
    /// `NotFound` unless the committed tree has reached the bundle's extent.
    pub async fn entry_bundle(
        &self,
        tenant: TenantId,
        bundle: EntryBundleId,
    ) -> Result<Vec<Vec<u8>>, LedgerError> {
        let size = self.head(tenant).await?.map_or(0, |h| h.size);
        let not_found = || DomainError::NotFound(format!("ledger entry bundle {}", bundle.path()));
        let end = tile_end(bundle.index(), bundle.width()).ok_or_else(not_found)?;
        if end > size {
            return Err(not_found().into());
        }
        let start = end - u64::from(bundle.width());
        let entries = self.store().ledger_entries(tenant, start, end).await?;
        if entries.len() as u64 != end - start {
            return Err(DomainError::Internal(format!(
                "ledger entry bundle {} has {} of its {} entries in the store",
                bundle.path(),
                entries.len(),
                end - start
            ))
            .into());
        }
        Ok(entries.into_iter().map(|e| e.envelope).collect())
    }
}

/// One past the last position a tile or bundle covers, `None` on overflow.
fn tile_end(index: u64, width: u16) -> Option<u64> {
    index
        .checked_mul(u64::from(TILE_WIDTH))?
        .checked_add(u64::from(width))
}
