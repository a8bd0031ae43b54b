//! The catalog's store port: a tenant's control states and link decisions. The catalog content
//! itself is embedded in the binary and never stored.

use async_trait::async_trait;

use super::model::{ControlState, LinkDecision};
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
}
