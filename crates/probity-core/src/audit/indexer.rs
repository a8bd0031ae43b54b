//! The indexer: keeps each tenant's search projection up with its ledger by reading entries
//! from the projection's cursor to the ledger head, decrypting them and writing their rows
//! with a compare-and-swap on the cursor, so several nodes can run it and each entry is
//! indexed once.

use std::sync::Arc;

use super::index::{AuditIndexStore, IndexedEvent};
use crate::error::DomainError;
use crate::ledger::LedgerService;
use crate::platform::model::TenantId;

/// Entries read and written per transaction while the backlog is long.
pub const CHUNK: u64 = 2_000;
/// Entries read and written per transaction while the backlog is short.
pub const SMALL_CHUNK: u64 = 250;
/// The backlog (entries not yet indexed) from which chunks are large.
pub const BACKLOG: u64 = 8_000;

/// Catches tenants' search projections up with their ledgers.
pub struct Indexer {
    ledger: Arc<LedgerService>,
    store: Arc<dyn AuditIndexStore>,
}

impl Indexer {
    /// The indexer over `ledger`, writing to `store`.
    pub fn new(ledger: Arc<LedgerService>, store: Arc<dyn AuditIndexStore>) -> Self {
        Self { ledger, store }
    }

    /// Indexes the tenant's entries from the cursor up to the ledger head, at most `max` of
    /// them; returns how many entries this call moved the cursor over. A payload that does not
    /// open (erased, or altered: `probity audit verify` reports those) is left out of the index.
    pub async fn catch_up(&self, tenant: TenantId, max: u64) -> Result<u64, DomainError> {
        let head = self
            .ledger
            .head(tenant)
            .await
            .map_err(DomainError::from)?
            .map_or(0, |h| h.size);
        let mut cursor = self.store.index_cursor(tenant).await?;
        let mut moved = 0u64;
        // A chunk's transaction holds up every other writer on SQLite (the ledger's commits
        // first): a short backlog goes in small chunks so an append never waits long, a long one
        // (a burst of batches) in large chunks, which index faster.
        let chunk = if head.saturating_sub(cursor) >= BACKLOG {
            CHUNK
        } else {
            SMALL_CHUNK
        };
        while cursor < head && moved < max {
            let to = head.min(cursor.saturating_add(chunk));
            let opened = self
                .ledger
                .open_payloads(tenant, cursor, to)
                .await
                .map_err(DomainError::from)?;
            let mut rows = Vec::with_capacity(opened.len());
            for payload in opened {
                match payload.content {
                    Ok(value) => rows.extend(IndexedEvent::from_payload(payload.seq, value)),
                    Err(why) => {
                        tracing::warn!(%tenant, seq = payload.seq, %why, "entry left out of the audit index");
                    }
                }
            }
            if self.store.index_entries(tenant, cursor, to, &rows).await? {
                moved = moved.saturating_add(to - cursor);
                cursor = to;
            } else {
                // Another node indexed this range first: continue from where it got to.
                cursor = self.store.index_cursor(tenant).await?;
            }
        }
        Ok(moved)
    }

    /// How far the tenant's projection has got (entries below this index are searchable).
    pub async fn indexed_through(&self, tenant: TenantId) -> Result<u64, DomainError> {
        Ok(self.store.index_cursor(tenant).await?)
    }
}
