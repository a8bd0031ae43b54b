//! The service-level store port: services, versioned SLOs (compare-and-swap on `version`),
//! 5-minute measurement slices merged under a per-SLO lock, violations and credits. Every write
//! that changes a record carries its audit record into the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::*;
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Service-level records.
#[async_trait]
pub trait ServiceLevelStore: Send + Sync {
    /// Adds a service; `Duplicate("service key")` when the key is taken.
    async fn insert_service(&self, s: &Service, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's services, by key.
    async fn list_services(&self, tenant: TenantId) -> StoreResult<Vec<Service>>;

    /// Adds an SLO.
    async fn insert_slo(&self, slo: &Slo, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces an SLO whose stored version is still `slo.version - 1`; false when another
    /// edit won. `recount` replaces the good counts of those slices in the same transaction
    /// (a latency threshold changed).
    async fn update_slo(
        &self,
        slo: &Slo,
        recount: &[SloSlice],
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Records an SLO's progress without a new version: the last period judged and/or where
    /// the last metrics pull left the counters (each replaced when given).
    async fn set_slo_progress(
        &self,
        tenant: TenantId,
        id: SloId,
        judged_until: Option<DateTime<Utc>>,
        pull: Option<&super::pull::PullState>,
    ) -> StoreResult<()>;
    /// A tenant's SLOs, by name.
    async fn list_slos(&self, tenant: TenantId) -> StoreResult<Vec<Slo>>;
    /// One SLO.
    async fn slo(&self, tenant: TenantId, id: SloId) -> StoreResult<Option<Slo>>;
    /// Every tenant's SLOs (the evaluation sweep).
    async fn all_slos(&self) -> StoreResult<Vec<Slo>>;

    /// Adds `deltas` (one per SLO and slice start) to the stored slices, merging counts and
    /// sketches, serialised per SLO; records `event` in the same transaction.
    async fn merge_slices(
        &self,
        tenant: TenantId,
        deltas: &[SloSlice],
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// An SLO's slices with `from <= start < to`, oldest first, counts only (no sketch read:
    /// what status and budget need, several times cheaper for latency SLOs).
    async fn slice_counts(
        &self,
        tenant: TenantId,
        slo: SloId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<SloSlice>>;
    /// The sums of good and total over an SLO's slices with `from <= start < to`, each
    /// slice's good capped at its total: a long stretch of a window in one row.
    async fn slice_sums(
        &self,
        tenant: TenantId,
        slo: SloId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<(u64, u64)>;
    /// An SLO's slices with `from <= start < to`, oldest first.
    async fn slices(
        &self,
        tenant: TenantId,
        slo: SloId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<SloSlice>>;

    /// Adds a violation.
    async fn insert_slo_violation(&self, v: &SloViolation, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a violation.
    async fn update_slo_violation(&self, v: &SloViolation, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's violations, newest first; `open_only` keeps the unended or unacknowledged.
    async fn list_slo_violations(
        &self,
        tenant: TenantId,
        slo: Option<SloId>,
        open_only: bool,
    ) -> StoreResult<Vec<SloViolation>>;
    /// One violation.
    async fn slo_violation(
        &self,
        tenant: TenantId,
        id: SloViolationId,
    ) -> StoreResult<Option<SloViolation>>;

    /// Adds a credit; `Duplicate("service credit")` when the SLA's window already has one.
    async fn insert_credit(&self, c: &ServiceCredit, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a credit whose stored status is still `expected`; false when it changed.
    async fn update_credit(
        &self,
        c: &ServiceCredit,
        expected: CreditStatus,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's credits, newest window first.
    async fn list_credits(&self, tenant: TenantId) -> StoreResult<Vec<ServiceCredit>>;
    /// One credit.
    async fn credit(
        &self,
        tenant: TenantId,
        id: ServiceCreditId,
    ) -> StoreResult<Option<ServiceCredit>>;
}
