//! The store port of the consent ledger and of subject access exports; every write carries its
//! audit record, written in the same transaction.

use async_trait::async_trait;

use super::consent::{ConsentEvent, ConsentPurpose, PurposeId};
use super::export::StoredExport;
use super::request::RequestId;
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Which consent events to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentFilter {
    /// One subject's.
    pub subject_id: Option<String>,
    /// One purpose's.
    pub purpose: Option<String>,
    /// At most this many, newest first by `occurred_at`; all when absent.
    pub limit: Option<u32>,
}

/// Storage of consent purposes, consent events and subject access exports.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Adds a purpose; `Duplicate("consent purpose key")` when the key is taken.
    async fn insert_consent_purpose(
        &self,
        purpose: &ConsentPurpose,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces a purpose if the stored one is still at `expected_version`; false otherwise.
    async fn update_consent_purpose(
        &self,
        purpose: &ConsentPurpose,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Removes a purpose that no event names; false when there is no such purpose or an event
    /// names it.
    async fn delete_consent_purpose(
        &self,
        tenant: TenantId,
        id: PurposeId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's purposes, by key.
    async fn list_consent_purposes(&self, tenant: TenantId) -> StoreResult<Vec<ConsentPurpose>>;
    /// One purpose.
    async fn consent_purpose(
        &self,
        tenant: TenantId,
        id: PurposeId,
    ) -> StoreResult<Option<ConsentPurpose>>;
    /// Appends an event; `Duplicate("consent event id")` when its client id is taken.
    async fn insert_consent_event(
        &self,
        consent: &ConsentEvent,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// The event recorded under a client's id.
    async fn consent_event_by_client_id(
        &self,
        tenant: TenantId,
        client_id: &str,
    ) -> StoreResult<Option<ConsentEvent>>;
    /// Events matching `filter`, newest first by `occurred_at`, each with its ledger index
    /// once its audit record is in the ledger.
    async fn consent_events(
        &self,
        tenant: TenantId,
        filter: &ConsentFilter,
    ) -> StoreResult<Vec<ConsentEvent>>;
    /// Grants and withdrawals recorded per purpose key: `(purpose, grants, withdrawals)`.
    async fn consent_counts(&self, tenant: TenantId) -> StoreResult<Vec<(String, u64, u64)>>;
    /// Keeps an export built for a request.
    async fn insert_privacy_export(
        &self,
        export: &StoredExport,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// The latest export kept for a request.
    async fn latest_privacy_export(
        &self,
        tenant: TenantId,
        request: RequestId,
    ) -> StoreResult<Option<StoredExport>>;
}
