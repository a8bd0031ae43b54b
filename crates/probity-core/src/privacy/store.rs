//! The privacy store port: data subject requests, breaches, records of processing, DPIAs,
//! retention schedules and their run reports, and the tenant's privacy settings;
//! every write carries its audit record, written in the same transaction.

use async_trait::async_trait;

use super::PrivacySettings;
use super::breach::{Breach, BreachId};
use super::dpia::{Dpia, DpiaId};
use super::processing::{ActivityId, ProcessingActivity};
use super::request::{DataSubjectRequest, RequestId};
use super::retention::{RetentionRunReport, RetentionSchedule, RetentionScheduleId};
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Storage of the privacy context.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Adds a request; `Duplicate("privacy request reference")` when the reference is taken.
    async fn insert_privacy_request(
        &self,
        request: &DataSubjectRequest,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces a request if the stored one is still at `expected_version`; false (nothing
    /// written) when another writer got there first.
    async fn update_privacy_request(
        &self,
        request: &DataSubjectRequest,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's requests, oldest due date first.
    async fn list_privacy_requests(&self, tenant: TenantId)
    -> StoreResult<Vec<DataSubjectRequest>>;
    /// One request.
    async fn privacy_request(
        &self,
        tenant: TenantId,
        id: RequestId,
    ) -> StoreResult<Option<DataSubjectRequest>>;
    /// Adds a breach; `Duplicate("breach reference")` when the reference is taken.
    async fn insert_breach(&self, breach: &Breach, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a breach if the stored one is still at `expected_version`; false otherwise.
    async fn update_breach(
        &self,
        breach: &Breach,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's breaches, latest awareness first.
    async fn list_breaches(&self, tenant: TenantId) -> StoreResult<Vec<Breach>>;
    /// One breach.
    async fn breach(&self, tenant: TenantId, id: BreachId) -> StoreResult<Option<Breach>>;
    /// The tenant's privacy settings, once set.
    async fn privacy_settings(&self, tenant: TenantId) -> StoreResult<Option<PrivacySettings>>;
    /// Adds a processing activity; `Duplicate("processing activity")` when its name or
    /// reference is taken.
    async fn insert_processing_activity(
        &self,
        activity: &ProcessingActivity,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces an activity if the stored one is still at `expected_version`; false otherwise;
    /// `Duplicate("processing activity")` when the new name is taken.
    async fn update_processing_activity(
        &self,
        activity: &ProcessingActivity,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's processing activities, by reference.
    async fn list_processing_activities(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Vec<ProcessingActivity>>;
    /// One processing activity.
    async fn processing_activity(
        &self,
        tenant: TenantId,
        id: ActivityId,
    ) -> StoreResult<Option<ProcessingActivity>>;
    /// Removes an activity; false when the tenant has none with this id.
    async fn delete_processing_activity(
        &self,
        tenant: TenantId,
        id: ActivityId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Sets them.
    async fn put_privacy_settings(
        &self,
        tenant: TenantId,
        settings: &PrivacySettings,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Adds a DPIA; `Duplicate("DPIA reference")` when the reference is taken.
    async fn insert_dpia(&self, dpia: &Dpia, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a DPIA if the stored one is still at `expected_revision`; false otherwise.
    async fn update_dpia(
        &self,
        dpia: &Dpia,
        expected_revision: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's DPIAs, by reference.
    async fn list_dpias(&self, tenant: TenantId) -> StoreResult<Vec<Dpia>>;
    /// One DPIA.
    async fn dpia(&self, tenant: TenantId, id: DpiaId) -> StoreResult<Option<Dpia>>;
    /// Adds a retention schedule; `Duplicate("retention schedule reference")` when the
    /// reference is taken.
    async fn insert_retention_schedule(
        &self,
        schedule: &RetentionSchedule,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces a schedule if the stored one is still at `expected_version`; false otherwise.
    async fn update_retention_schedule(
        &self,
        schedule: &RetentionSchedule,
        expected_version: u32,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's retention schedules, by reference.
    async fn list_retention_schedules(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Vec<RetentionSchedule>>;
    /// One retention schedule.
    async fn retention_schedule(
        &self,
        tenant: TenantId,
        id: RetentionScheduleId,
    ) -> StoreResult<Option<RetentionSchedule>>;
    /// Keeps a run report, with its audit record, in one transaction.
    async fn insert_retention_run(
        &self,
        run: &RetentionRunReport,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A tenant's run reports, newest first, of one schedule or all, at most `limit`.
    async fn list_retention_runs(
        &self,
        tenant: TenantId,
        schedule: Option<RetentionScheduleId>,
        limit: u32,
    ) -> StoreResult<Vec<RetentionRunReport>>;
}
