//! The per-tenant sequencer: one task per tenant log collects append requests into a batch
//! (group commit), assigns sequence numbers, builds envelopes and completed tiles, writes them
//! with one compare-and-swap transaction, and only then answers every caller.

use std::sync::Arc;
use std::time::Duration;

use probity_ledger::Hash;
use probity_ledger::envelope::{LeafEnvelope, PayloadSalt, RecordedAt};
use probity_ledger::tile_builder::TileBuilder;
use tokio::sync::{mpsc, oneshot};

use super::model::{AppendBatch, AppendOutcome, StoredEntry, StoredPayload, TreeHead};
use super::service::LedgerError;
use super::tiles::restore_builder;
use crate::clock::Clock;
use crate::error::DomainError;
use crate::platform::model::TenantId;
use crate::store::Store;

/// One caller's event, already committed to and encrypted; waiting for its sequence number.
pub(crate) struct AppendRequest {
    pub(crate) kind: String,
    pub(crate) commitment: Hash,
    pub(crate) salt: PayloadSalt,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) reply: oneshot::Sender<Result<u64, LedgerError>>,
}

/// The batching task of one tenant's log.
pub(crate) struct Sequencer {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) tenant: TenantId,
    pub(crate) max_batch: usize,
    pub(crate) max_wait: Duration,
    /// Tile state of the committed tree; `None` until loaded, and after any failure (so the next
    /// batch starts from what the store holds).
    pub(crate) builder: Option<TileBuilder>,
}

fn internal(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Domain(DomainError::Internal(format!("ledger: {e}")))
}

impl Sequencer {
    /// Runs until every sender is gone (the service was dropped).
    pub(crate) async fn run(mut self, mut requests: mpsc::Receiver<AppendRequest>) {
        let mut batch = Vec::new();
        while let Some(first) = requests.recv().await {
            batch.push(first);
            let deadline = tokio::time::Instant::now() + self.max_wait;
            while batch.len() < self.max_batch {
                match tokio::time::timeout_at(deadline, requests.recv()).await {
                    Ok(Some(next)) => batch.push(next),
                    Ok(None) | Err(_) => break,
                }
            }
            self.commit(std::mem::take(&mut batch)).await;
        }
    }

    async fn commit(&mut self, batch: Vec<AppendRequest>) {
        match self.write(&batch).await {
            Ok(first) => {
                for (request, seq) in batch.into_iter().zip(first..) {
                    // A caller that gave up still has its entry appended; nobody to tell.
                    let _ = request.reply.send(Ok(seq));
                }
            }
            Err(e) => {
                tracing::warn!(tenant = %self.tenant, entries = batch.len(), error = %e, "ledger batch failed");
                self.builder = None;
                for request in batch {
                    let _ = request.reply.send(Err(e.for_caller()));
                }
            }
        }
    }

    /// Writes the batch; returns the sequence number of its first entry. When the head moved
    /// (another node appended), reloads the state and tries once more.
    async fn write(&mut self, batch: &[AppendRequest]) -> Result<u64, LedgerError> {
        let tenant = self.tenant.to_string();
        for attempt in 0..2u8 {
            let mut builder = match self.builder.take() {
                Some(builder) => builder,
                None => restore_builder(self.store.as_ref(), self.tenant).await?,
            };
            let start = builder.size();
            let recorded_at = RecordedAt::from_unix_millis(self.clock.now().timestamp_millis())
                .map_err(internal)?;
            let mut entries = Vec::with_capacity(batch.len());
            let mut payloads = Vec::with_capacity(batch.len());
            for (request, seq) in batch.iter().zip(start..) {
                let envelope = LeafEnvelope::new(
                    seq,
                    &tenant,
                    recorded_at.clone(),
                    &request.kind,
                    request.commitment,
                )
                .map_err(internal)?;
                entries.push(StoredEntry {
                    seq,
                    envelope: envelope.to_leaf_bytes(),
                    leaf_hash: envelope.leaf_hash(),
                });
                payloads.push(StoredPayload {
                    seq,
                    salt: request.salt.as_bytes().to_vec(),
                    ciphertext: request.ciphertext.clone(),
                });
            }
            let tiles = builder
                .append(entries.iter().map(|e| &e.leaf_hash))
                .map_err(internal)?;
            let new_head = TreeHead {
                size: builder.size(),
                root: builder.root(),
            };
            let written = AppendBatch {
                expected_size: start,
                entries: &entries,
                payloads: &payloads,
                tiles: &tiles,
                new_head,
            };
            match self.store.append_batch(self.tenant, &written).await? {
                AppendOutcome::Appended => {
                    self.builder = Some(builder);
                    return Ok(start);
                }
                AppendOutcome::Stale => {
                    tracing::info!(tenant = %self.tenant, attempt, expected_size = start, "ledger head moved, reloading");
                }
            }
        }
        Err(LedgerError::HeadMoved)
    }
}
