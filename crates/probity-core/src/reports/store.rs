//! The report store port: the history of generated reports (metadata and the encrypted file)
//! and report schedules. Every write that changes state carries its audit record, written in
//! the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::schedule::ReportSchedule;
use super::{ReportId, ReportRecord, ReportScheduleId};
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Storage of reports and schedules.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores a generated report with its encrypted file and its `report.generated` record.
    async fn insert_report(
        &self,
        report: &ReportRecord,
        sealed: &[u8],
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A tenant's reports, newest first, at most `limit`.
    async fn list_reports(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<ReportRecord>>;
    /// One report.
    async fn report(&self, tenant: TenantId, id: ReportId) -> StoreResult<Option<ReportRecord>>;
    /// A report's encrypted file.
    async fn report_content(&self, tenant: TenantId, id: ReportId) -> StoreResult<Option<Vec<u8>>>;

    /// Adds a schedule.
    async fn insert_report_schedule(
        &self,
        schedule: &ReportSchedule,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A tenant's schedules, by name.
    async fn list_report_schedules(&self, tenant: TenantId) -> StoreResult<Vec<ReportSchedule>>;
    /// One schedule.
    async fn report_schedule(
        &self,
        tenant: TenantId,
        id: ReportScheduleId,
    ) -> StoreResult<Option<ReportSchedule>>;
    /// Writes a schedule whose `version` was bumped by one, if the stored version is still the
    /// one before (compare-and-swap: the node that wins a due occurrence runs it). `event`,
    /// when given, is recorded in the same transaction.
    async fn update_report_schedule(
        &self,
        schedule: &ReportSchedule,
        event: Option<&AuditRecord>,
    ) -> StoreResult<bool>;
    /// Removes a schedule; false when the tenant has none with this id.
    async fn delete_report_schedule(
        &self,
        tenant: TenantId,
        id: ReportScheduleId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Enabled schedules of every tenant due at `now`, earliest first, at most `limit`.
    async fn due_report_schedules(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ReportSchedule>>;
}
