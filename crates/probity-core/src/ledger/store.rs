//! The ledger store port: per-tenant entries, payloads, full tiles, the tree head moved by
//! compare-and-swap, checkpoints, witness cosignatures, and the log key.

use async_trait::async_trait;
use probity_ledger::Hash;
use probity_ledger::tile_builder::FullTile;
use uuid::Uuid;

use super::model::{
    AppendBatch, AppendOutcome, LogKeyRecord, StoredCheckpoint, StoredCosignature, StoredEntry,
    StoredPayload, TreeHead,
};
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// The exclusive right to sequence one tenant's log, held by a sequencer while it plans and
/// writes a batch, so that nodes sharing one database take turns instead of racing on the tree
/// head.
#[async_trait]
pub trait SequencingLock: Send {
    /// Releases the lock. A lock dropped without release is released by the store anyway (the
    /// PostgreSQL connection holding it is closed).
    async fn release(self: Box<Self>) -> StoreResult<()>;
}

/// The lock of a store whose writers are already serialized (SQLite: one process owns the data
/// directory and `BEGIN IMMEDIATE` orders its transactions).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSequencingLock;

#[async_trait]
impl SequencingLock for NoSequencingLock {
    async fn release(self: Box<Self>) -> StoreResult<()> {
        Ok(())
    }
}

/// Durable state of every tenant's log.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Waits for the exclusive right to sequence the tenant's log (PostgreSQL: a session
    /// advisory lock; SQLite: [`NoSequencingLock`]). The tree-head compare-and-swap stays the
    /// guard against forks; this lock only keeps a second node from wasting its batches on it.
    async fn lock_sequencing(&self, tenant: TenantId) -> StoreResult<Box<dyn SequencingLock>>;

    /// The committed head, `None` before the first append.
    async fn ledger_head(&self, tenant: TenantId) -> StoreResult<Option<TreeHead>>;

    /// Writes entries, payloads, completed full tiles and the new head in one transaction,
    /// guarded by a compare-and-swap on the head size. [`AppendOutcome::Stale`] (nothing
    /// written) when the head is no longer at `batch.expected_size`. An empty batch, or one whose
    /// sequence numbers or sizes disagree, is refused as an internal error. The audit records of
    /// `batch.audit_ids` get their `ledger_seq` in the same transaction; when one of them is
    /// not an unsequenced record of the tenant, nothing is written and the answer is
    /// `Duplicate`.
    async fn append_batch(
        &self,
        tenant: TenantId,
        batch: &AppendBatch<'_>,
    ) -> StoreResult<AppendOutcome>;

    /// The ledger sequence numbers of those of the tenant's audit records `ids` that are already
    /// entries of its log, as `(id, seq)` (the others are left out).
    async fn sequenced_audit_records(
        &self,
        tenant: TenantId,
        ids: &[Uuid],
    ) -> StoreResult<Vec<(Uuid, u64)>>;

    /// Entries with `from <= seq < to`, in order.
    async fn ledger_entries(
        &self,
        tenant: TenantId,
        from: u64,
        to: u64,
    ) -> StoreResult<Vec<StoredEntry>>;

    /// Full tiles of `level` with `from <= index < to`, in order (partial tiles are never
    /// stored: derive them from entries or lower tiles).
    async fn ledger_tiles(
        &self,
        tenant: TenantId,
        level: u8,
        from: u64,
        to: u64,
    ) -> StoreResult<Vec<FullTile>>;

    /// Roots of the full tiles of `level` with `from <= index < to`, in order (the hashes a
    /// partial tile one level up consists of; kept beside each tile so reading them is cheap).
    async fn ledger_tile_roots(
        &self,
        tenant: TenantId,
        level: u8,
        from: u64,
        to: u64,
    ) -> StoreResult<Vec<Hash>>;

    /// The payload of entry `seq`, `None` when there is none or it was erased.
    async fn ledger_payload(
        &self,
        tenant: TenantId,
        seq: u64,
    ) -> StoreResult<Option<StoredPayload>>;

    /// The payloads (not erased) of entries with `from <= seq < to`, in order.
    async fn ledger_payloads(
        &self,
        tenant: TenantId,
        from: u64,
        to: u64,
    ) -> StoreResult<Vec<StoredPayload>>;

    /// Stores a checkpoint; `Duplicate` when one of that size exists.
    async fn insert_checkpoint(
        &self,
        tenant: TenantId,
        checkpoint: &StoredCheckpoint,
    ) -> StoreResult<()>;

    /// The checkpoint of the largest size.
    async fn latest_checkpoint(&self, tenant: TenantId) -> StoreResult<Option<StoredCheckpoint>>;

    /// Up to `limit` checkpoints with a size above `after`, smallest first.
    async fn checkpoints(
        &self,
        tenant: TenantId,
        after: Option<u64>,
        limit: u32,
    ) -> StoreResult<Vec<StoredCheckpoint>>;

    /// Stores a verified witness cosignature of the tenant's checkpoint of `cosignature.size`;
    /// `Duplicate` when that witness key already cosigned that size.
    async fn insert_cosignature(
        &self,
        tenant: TenantId,
        cosignature: &StoredCosignature,
    ) -> StoreResult<()>;

    /// The stored cosignatures of the tenant's checkpoint of `size`, by witness name then key ID.
    async fn cosignatures(
        &self,
        tenant: TenantId,
        size: u64,
    ) -> StoreResult<Vec<StoredCosignature>>;

    /// The largest checkpoint size of the tenant that the witness key (`name`, `key_id`) has
    /// cosigned: the `old` size of the next `add-checkpoint` request to that witness.
    async fn latest_cosigned_size(
        &self,
        tenant: TenantId,
        witness_name: &str,
        witness_key_id: u32,
    ) -> StoreResult<Option<u64>>;

    /// The log key named `name`.
    async fn log_key(&self, name: &str) -> StoreResult<Option<LogKeyRecord>>;

    /// Stores a log key; `Duplicate` when one of that name exists (another node made it first).
    async fn insert_log_key(&self, key: &LogKeyRecord) -> StoreResult<()>;
}

/// What a store names the conflict when an append would sequence an audit record that another
/// writer has sequenced since it was read (the append is rolled back whole; the outbox drain
/// then leaves those records to the writer that won).
pub const ALREADY_SEQUENCED: &str = "ledger entry of audit record";
