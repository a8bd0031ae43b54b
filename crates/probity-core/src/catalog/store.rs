//! The catalog's store port: a tenant's control states and link decisions. The catalog content
//! itself is embedded in the binary and never stored.

use async_trait::async_trait;

use super::changes::{ChangeId, ChangeRecord};
use super::model::{ControlState, Framework, LinkDecision};
use super::oscal::{ImportId, ImportRecord, ImportSummary};
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Control states and decisions.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// A tenant's recorded control states, by control id.
    async fn control_states(&self, tenant: TenantId) -> StoreResult<Vec<ControlState>>;
    /// Inserts or replaces a control's state, with its audit record, in one transaction.
    async fn put_control_state(&self, state: &ControlState, event: &AuditRecord)
    -> StoreResult<()>;
    /// A tenant's decisions, oldest first (later decisions on the same link supersede).
    async fn link_decisions(&self, tenant: TenantId) -> StoreResult<Vec<LinkDecision>>;
    /// Records a decision, with its audit record, in one transaction.
    async fn insert_link_decision(
        &self,
        decision: &LinkDecision,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Stores an imported OSCAL document with its framework view and audit record;
    /// `Duplicate("OSCAL document")` when the tenant imported the same bytes before.
    async fn insert_import(
        &self,
        summary: &ImportSummary,
        framework: Option<&Framework>,
        document: &serde_json::Value,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A tenant's imports, newest first, without their contents.
    async fn list_imports(&self, tenant: TenantId) -> StoreResult<Vec<ImportSummary>>;
    /// One import with its contents.
    async fn import_record(
        &self,
        tenant: TenantId,
        id: ImportId,
    ) -> StoreResult<Option<ImportRecord>>;
    /// Stores a new change record with its audit record.
    async fn insert_change(&self, record: &ChangeRecord, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a change record's tasks (and `updated_at`) with its audit record; false when
    /// the tenant has no such record.
    async fn update_change(&self, record: &ChangeRecord, event: &AuditRecord) -> StoreResult<bool>;
    /// A tenant's change records, newest first.
    async fn list_changes(&self, tenant: TenantId) -> StoreResult<Vec<ChangeRecord>>;
    /// One change record.
    async fn change(&self, tenant: TenantId, id: ChangeId) -> StoreResult<Option<ChangeRecord>>;
}
