//! The job store port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{Job, JobStatus, Schedule};
use crate::page::{Page, PageRequest};
use crate::store::StoreResult;

/// The durable job queue and schedules.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Adds a job.
    async fn enqueue(&self, job: &Job) -> StoreResult<()>;
    /// Claims the oldest due job for `worker` until `lease_until`, counting an attempt: a queued
    /// job whose `run_at` has come, or a running job whose lease expired. Safe with many workers
    /// (SKIP LOCKED on PostgreSQL).
    async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>>;
    /// Marks a job succeeded.
    async fn complete_job(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Records a failed attempt: back to `queued` at `retry_at`, or `dead` when `None`.
    async fn fail_job(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A job by id.
    async fn job(&self, id: Uuid) -> StoreResult<Option<Job>>;
    /// Jobs, newest first, optionally of one status.
    async fn list_jobs(
        &self,
        status: Option<JobStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Job>>;

    /// Creates a schedule or changes its expression, kind and payload (keeping it otherwise).
    async fn upsert_schedule(&self, schedule: &Schedule) -> StoreResult<()>;
    /// Schedules whose next occurrence is at or before `now`.
    async fn due_schedules(&self, now: DateTime<Utc>) -> StoreResult<Vec<Schedule>>;
    /// Moves a schedule from `expected_next` to `next` and enqueues `job`, atomically; false
    /// (and nothing enqueued) when another node already did it.
    async fn fire_schedule(
        &self,
        name: &str,
        expected_next: DateTime<Utc>,
        next: DateTime<Utc>,
        job: &Job,
    ) -> StoreResult<bool>;
}
