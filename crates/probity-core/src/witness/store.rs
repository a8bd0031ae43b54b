//! The witness store port: known logs and their latest cosigned checkpoint, moved forward only
//! by compare-and-swap so two concurrent requests cannot both win.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use probity_ledger::Hash;

use super::model::KnownLog;
use crate::store::StoreResult;

/// Durable state of a witness.
#[async_trait]
pub trait WitnessStore: Send + Sync {
    /// The log named by `origin`.
    async fn known_log(&self, origin: &str) -> StoreResult<Option<KnownLog>>;

    /// Every known log, by origin.
    async fn known_logs(&self) -> StoreResult<Vec<KnownLog>>;

    /// Adds a log at size 0; `Duplicate` when the origin is known.
    async fn add_log(
        &self,
        origin: &str,
        verifier_key: &str,
        added_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Moves the log's latest checkpoint from `old_size` to (`size`, `root`, `checkpoint`),
    /// durably, only if its stored size is still `old_size`. `false` (nothing written) when
    /// another request moved it first.
    async fn advance_log(
        &self,
        origin: &str,
        old_size: u64,
        size: u64,
        root: &Hash,
        checkpoint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
