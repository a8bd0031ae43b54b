//! The support store port: tickets and each tenant's support desk configuration; every write
//! carries its audit record, written in the same transaction.

use async_trait::async_trait;

use super::config::SupportConfig;
use super::ticket::{Ticket, TicketId};
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Storage of the support desk.
#[async_trait]
pub trait SupportStore: Send + Sync {
    /// Adds a ticket; `Duplicate("support ticket reference")` when the reference is taken.
    async fn insert_support_ticket(&self, ticket: &Ticket, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a ticket if the stored one is still at `expected_version`; false (nothing
    /// written) when another writer got there first.
    async fn update_support_ticket(
        &self,
        ticket: &Ticket,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's tickets, oldest first.
    async fn list_support_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>>;
    /// One ticket.
    async fn support_ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// Every tenant's tickets that are neither solved nor closed (for the SLA sweep), oldest
    /// first.
    async fn active_support_tickets(&self) -> StoreResult<Vec<Ticket>>;
    /// The tenant's support configuration, once set.
    async fn support_config(&self, tenant: TenantId) -> StoreResult<Option<SupportConfig>>;
    /// Stores `config` (its `version` the new one) if the stored version is still
    /// `expected_version` (0: none stored yet); false (nothing written) otherwise.
    async fn put_support_config(
        &self,
        tenant: TenantId,
        config: &SupportConfig,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
}
