//! The key store port: wrapped data keys per scope (a tenant, or the installation).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::audit::AuditRecord;
use crate::store::StoreResult;

/// A data key as stored: wrapped by a key-encryption key, never in the clear.
#[derive(Debug, Clone, PartialEq)]
pub struct DataKeyRecord {
    /// `platform` or a tenant id.
    pub scope: String,
    /// The data key's id (embedded in every ciphertext it makes).
    pub key_id: String,
    /// Id of the key-encryption key that wraps it.
    pub kek_id: String,
    /// The wrapped key (JSON of `probity_crypto::WrappedKey`).
    pub wrapped: serde_json::Value,
    /// Whether new ciphertexts use this key.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Wrapped data keys.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Adds a key; when it is active, every other key of the scope becomes inactive in the same
    /// transaction. `Duplicate` when the scope already has an active key and `only_if_first` is set
    /// (so two nodes starting together create one first key, not two).
    async fn insert_data_key(
        &self,
        key: &DataKeyRecord,
        only_if_first: bool,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Keys of a scope, oldest first.
    async fn data_keys(&self, scope: &str) -> StoreResult<Vec<DataKeyRecord>>;
    /// Keys of every scope.
    async fn all_data_keys(&self) -> StoreResult<Vec<DataKeyRecord>>;
    /// Replaces a key's wrapping (after re-wrapping under a new key-encryption key).
    async fn update_wrapping(
        &self,
        scope: &str,
        key_id: &str,
        kek_id: &str,
        wrapped: &serde_json::Value,
    ) -> StoreResult<()>;
}
