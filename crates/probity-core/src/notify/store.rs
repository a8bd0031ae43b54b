//! The notification store port. Every method that changes state takes the audit record of that
//! change and writes it in the same transaction; methods that create deliveries also enqueue
//! the jobs that send them, in that transaction, so nothing raised is lost.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::*;
use crate::audit::AuditRecord;
use crate::jobs::Job;
use crate::page::{Page, PageRequest};
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Channels, rules, notifications and deliveries.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Adds a channel; `Duplicate("channel name")` when the tenant has one of that name.
    async fn insert_channel(&self, channel: &Channel, event: &AuditRecord) -> StoreResult<()>;
    /// A channel of a tenant.
    async fn channel(&self, tenant: TenantId, id: ChannelId) -> StoreResult<Option<Channel>>;
    /// A tenant's channels, ordered by id.
    async fn list_channels(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>>;
    /// Every channel of a tenant (for routing).
    async fn all_channels(&self, tenant: TenantId) -> StoreResult<Vec<Channel>>;
    /// Removes a channel; false when the tenant has no such channel. Its delivery log stays.
    async fn delete_channel(
        &self,
        tenant: TenantId,
        id: ChannelId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;

    /// Adds a rule; `Duplicate("routing rule name")` when the name is taken.
    async fn insert_rule(&self, rule: &RoutingRule, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's rules, ordered by id (creation).
    async fn list_rules(&self, tenant: TenantId) -> StoreResult<Vec<RoutingRule>>;
    /// Removes a rule; false when the tenant has no such rule.
    async fn delete_rule(
        &self,
        tenant: TenantId,
        id: RuleId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;

    /// Stores a notification with its deliveries and their jobs (and the first escalation
    /// job, if any). `Duplicate("notification dedup key")` when an unacknowledged notification
    /// of the tenant has the same dedup key; then nothing is written.
    async fn insert_notification(
        &self,
        notification: &Notification,
        deliveries: &[Delivery],
        jobs: &[Job],
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A notification of a tenant.
    async fn notification(
        &self,
        tenant: TenantId,
        id: NotificationId,
    ) -> StoreResult<Option<Notification>>;
    /// The unacknowledged notification of a tenant with `dedup_key`.
    async fn open_notification_by_dedup(
        &self,
        tenant: TenantId,
        dedup_key: &str,
    ) -> StoreResult<Option<Notification>>;
    /// A tenant's notifications, newest first.
    async fn list_notifications(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>>;
    /// Stores the acknowledgement of `acked` (its `acknowledged_at` and `acknowledged_by`) and
    /// adds `deliveries` (acknowledge events) with their jobs; false (nothing written) when the
    /// tenant has no such notification or it was already acknowledged.
    async fn acknowledge_notification(
        &self,
        acked: &Notification,
        deliveries: &[Delivery],
        jobs: &[Job],
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Moves an unacknowledged notification from escalation level `level - 1` to `level` and
    /// adds `deliveries` and `jobs` (their sends and the next escalation); false (nothing
    /// written) when it was acknowledged or the level already moved.
    async fn escalate_notification(
        &self,
        tenant: TenantId,
        id: NotificationId,
        level: i32,
        deliveries: &[Delivery],
        jobs: &[Job],
        event: &AuditRecord,
    ) -> StoreResult<bool>;

    /// Adds deliveries of an existing notification with their jobs (a test send).
    async fn insert_deliveries(
        &self,
        deliveries: &[Delivery],
        jobs: &[Job],
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A delivery by id (any tenant: the worker's view).
    async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<Delivery>>;
    /// Takes a due delivery (pending or failed, `next_attempt_at <= now`, not leased or lease
    /// expired) until `lease_until`, counting an attempt; `None` when it is not due or another
    /// worker holds it. At most one caller wins.
    async fn claim_delivery(
        &self,
        id: DeliveryId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Delivery>>;
    /// Records the result of the attempt of a claimed delivery, releases the lease and, when
    /// it will be retried, enqueues `retry` in the same transaction.
    async fn record_attempt(
        &self,
        id: DeliveryId,
        result: &AttemptResult,
        retry: Option<&Job>,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A channel's delivery log, newest first.
    async fn list_deliveries(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>>;
    /// A notification's deliveries, oldest first.
    async fn deliveries_of(
        &self,
        tenant: TenantId,
        notification: NotificationId,
    ) -> StoreResult<Vec<Delivery>>;
}
