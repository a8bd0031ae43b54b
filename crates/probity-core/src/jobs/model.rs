//! Job and schedule records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::model::TenantId;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker whose lease runs until `locked_until`.
    Running,
    /// Finished.
    Succeeded,
    /// Failed `max_attempts` times; kept for inspection, never retried automatically.
    Dead,
}

impl JobStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Dead => "dead",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<JobStatus> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Dead,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
    }
}

/// A unit of background work.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Job {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Tenant the job works for, if any.
    pub tenant_id: Option<TenantId>,
    /// Handler name, e.g. `keys.rewrap`.
    pub kind: String,
    /// Handler input.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// State.
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: i32,
    /// Attempts allowed before the job is dead.
    pub max_attempts: i32,
    /// Not before this instant.
    pub run_at: DateTime<Utc>,
    /// Worker holding the lease.
    pub locked_by: Option<String>,
    /// Lease end; a running job past it is claimable again (its worker died).
    pub locked_until: Option<DateTime<Utc>>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// A queued job that may run from `now`.
    pub fn new(
        kind: &str,
        tenant_id: Option<TenantId>,
        payload: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Self {
        Job {
            id: Uuid::now_v7(),
            tenant_id,
            kind: kind.to_owned(),
            payload,
            status: JobStatus::Queued,
            attempts: 0,
            max_attempts: 5,
            run_at: now,
            locked_by: None,
            locked_until: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A cron schedule that enqueues a job of `kind` at each occurrence.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Schedule {
    /// Unique name.
    pub name: String,
    /// Cron expression (5 or 6 fields, UTC).
    pub cron: String,
    /// Job kind to enqueue.
    pub kind: String,
    /// Job payload.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Next occurrence.
    pub next_run_at: DateTime<Utc>,
}
