//! The per-tenant sequencer: one task per tenant log collects append requests into a batch
//! (group commit), assigns sequence numbers, builds envelopes and completed tiles, writes them
//! with one compare-and-swap transaction, and only then answers every caller.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use probity_ledger::Hash;
use probity_ledger::envelope::{LeafEnvelope, PayloadSalt, RecordedAt};
use probity_ledger::tile_builder::TileBuilder;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

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
    /// The audit record this entry sequences, if any (each becomes an entry exactly once).
    pub(crate) audit_id: Option<Uuid>,
    pub(crate) reply: oneshot::Sender<Result<u64, LedgerError>>,
}

/// Where a request's answer comes from.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The entry at this offset from the first written in the batch.
    New(u64),
    /// An entry committed before (its audit record was already sequenced).
    Known(u64),
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
        // The whole commit holds the tenant's sequencing lock, planning included: which audit
        // records another node already sequenced is only known for sure under the lock.
        let lock = match self.store.lock_sequencing(self.tenant).await {
            Ok(lock) => lock,
            Err(e) => {
                let e = LedgerError::from(e);
                tracing::warn!(tenant = %self.tenant, entries = batch.len(), error = %e, "ledger sequencing lock failed");
                for request in batch {
                    let _ = request.reply.send(Err(e.for_caller()));
                }
                return;
            }
        };
        let started = std::time::Instant::now();
        let answers = self.commit_locked(&batch).await;
        tracing::debug!(
            tenant = %self.tenant,
            entries = batch.len(),
            micros = micros(started.elapsed()),
            "ledger batch committed"
        );
        if let Err(e) = lock.release().await {
            // What was written is durable; a lock that failed to release closed its session.
            tracing::warn!(tenant = %self.tenant, error = %e, "ledger sequencing lock release failed");
        }
        self.answer(batch, answers);
    }

    async fn commit_locked(&mut self, batch: &[AppendRequest]) -> Result<Vec<u64>, LedgerError> {
        match self.plan(batch).await {
            Ok((slots, fresh)) => {
                let written = if fresh.is_empty() {
                    Ok(0)
                } else {
                    let requests: Vec<&AppendRequest> =
                        fresh.iter().filter_map(|&i| batch.get(i)).collect();
                    self.write(&requests).await
                };
                written.map(|first| {
                    slots
                        .into_iter()
                        .map(|slot| match slot {
                            Slot::New(offset) => first.saturating_add(offset),
                            Slot::Known(seq) => seq,
                        })
                        .collect::<Vec<_>>()
                })
            }
            Err(e) => Err(e),
        }
    }

    fn answer(&mut self, batch: Vec<AppendRequest>, answers: Result<Vec<u64>, LedgerError>) {
        match answers {
            Ok(seqs) => {
                for (request, seq) in batch.into_iter().zip(seqs) {
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

    /// Which requests need a new entry: an audit record already in the log (an earlier batch,
    /// another node) keeps its sequence number, and one named twice in this batch gets one entry.
    /// Returns each request's slot and the indices of the requests to write, in order.
    async fn plan(&self, batch: &[AppendRequest]) -> Result<(Vec<Slot>, Vec<usize>), LedgerError> {
        let ids: Vec<Uuid> = batch.iter().filter_map(|r| r.audit_id).collect();
        let known: HashMap<Uuid, u64> = if ids.is_empty() {
            HashMap::new()
        } else {
            self.store
                .sequenced_audit_records(self.tenant, &ids)
                .await?
                .into_iter()
                .collect()
        };
        let mut first_offset: HashMap<Uuid, u64> = HashMap::new();
        let mut slots = Vec::with_capacity(batch.len());
        let mut fresh = Vec::with_capacity(batch.len());
        for (i, request) in batch.iter().enumerate() {
            let earlier = request.audit_id.and_then(|id| {
                known
                    .get(&id)
                    .map(|&seq| Slot::Known(seq))
                    .or_else(|| first_offset.get(&id).map(|&offset| Slot::New(offset)))
            });
            let slot = match earlier {
                Some(slot) => slot,
                None => {
                    let offset = fresh.len() as u64;
                    if let Some(id) = request.audit_id {
                        first_offset.insert(id, offset);
                    }
                    fresh.push(i);
                    Slot::New(offset)
                }
            };
            slots.push(slot);
        }
        Ok((slots, fresh))
    }

    /// Writes the batch; returns the sequence number of its first entry. When the head moved
    /// (another node appended), reloads the state and tries once more.
    /// Writes the batch (the caller holds the tenant's sequencing lock, so nodes sharing a
    /// database take turns); a head moved by another node since this one last wrote is reloaded
    /// and the batch retried once.
    async fn write(&mut self, batch: &[&AppendRequest]) -> Result<u64, LedgerError> {
        let tenant = self.tenant.to_string();
        for attempt in 0..2u8 {
            let building = std::time::Instant::now();
            let mut builder = match self.builder.take() {
                Some(builder) => builder,
                None => restore_builder(self.store.as_ref(), self.tenant).await?,
            };
            let start = builder.size();
            let recorded_at = RecordedAt::from_unix_millis(self.clock.now().timestamp_millis())
                .map_err(internal)?;
            let mut entries = Vec::with_capacity(batch.len());
            let mut payloads = Vec::with_capacity(batch.len());
            let mut audit_ids = Vec::new();
            for (request, seq) in batch.iter().zip(start..) {
                if let Some(id) = request.audit_id {
                    audit_ids.push((seq, id));
                }
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
            let built = std::time::Instant::now();
            tracing::trace!(
                tenant = %self.tenant,
                entries = entries.len(),
                build_micros = micros(built.duration_since(building)),
                "ledger batch built"
            );
            let new_head = TreeHead {
                size: builder.size(),
                root: builder.root(),
            };
            let written = AppendBatch {
                expected_size: start,
                entries: &entries,
                payloads: &payloads,
                tiles: &tiles,
                audit_ids: &audit_ids,
                new_head,
            };
            let outcome = self.store.append_batch(self.tenant, &written).await?;
            tracing::trace!(
                tenant = %self.tenant,
                entries = entries.len(),
                store_micros = micros(built.elapsed()),
                "ledger batch written"
            );
            match outcome {
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

/// A duration in whole microseconds for the batch timings (saturating).
fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
