//! Retention schedules: for one category of personal data (a taxonomy key), how many days it
//! is kept, which processing activities the period covers, and what Probity erases when it
//! runs out — enforced by a daily job (and on demand by an approver), each run kept as a
//! report.
//!
//! What a schedule reaches in Probity:
//! - **audit events** whose `subject_ids` are set and whose event type equals or starts with
//!   one of `audit_event_types`, recorded more than `period_days` ago: their payloads are
//!   erased through the audit erasure mechanism (the ledger entry and its proofs stay, see
//!   ADR 0020), and events an active legal hold covers are kept and reported as kept;
//! - **closed data subject requests** (completed or denied more than `period_days` ago) when
//!   `closed_requests` is set: the subject's pseudonymous id is replaced by a marker; the
//!   reference, regime, kind, dates and history stay as the record that the request was
//!   answered on time. Breaches hold no identifier of a person (categories and approximate
//!   counts only), so no schedule reaches them (ADR 0024).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::processing::ActivityId;
use super::taxonomy::{DATA_CATEGORIES, check_keys};
use crate::audit::erasure::HeldCount;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a retention schedule.
    RetentionScheduleId
);
uuid_id!(
    /// Identifies a run of a retention schedule.
    RetentionRunId
);

/// Longest period a schedule may set (100 years).
pub const MAX_PERIOD_DAYS: u32 = 36_525;
/// Most audit event type prefixes per schedule.
pub const MAX_EVENT_TYPES: usize = 20;
/// What replaces the subject id of a closed request past its period.
pub const REDACTED_SUBJECT: &str = "[erased by retention]";

/// A retention schedule as written by a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionScheduleInput {
    /// The data category (a taxonomy key) the period is for.
    pub data_category: String,
    /// Days the data is kept (1 to 36,525).
    pub period_days: u32,
    /// The processing activities the period covers (each must list the category).
    #[serde(default)]
    pub activity_ids: Vec<ActivityId>,
    /// Audit event types (or dotted prefixes) whose events naming data subjects are erased
    /// after the period.
    #[serde(default)]
    pub audit_event_types: Vec<String>,
    /// Also erase the subject id of data subject requests closed longer than the period.
    #[serde(default)]
    pub closed_requests: bool,
    /// Why this period (the law or the business need behind it).
    #[serde(default)]
    pub description: String,
    /// Enforced by the daily job (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// On update: the version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

fn yes() -> bool {
    true
}

/// A retention schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetentionSchedule {
    /// Id.
    pub id: RetentionScheduleId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// `RET-001`, ...
    pub reference: String,
    /// The data category.
    pub data_category: String,
    /// Days kept.
    pub period_days: u32,
    /// Activities covered.
    pub activity_ids: Vec<ActivityId>,
    /// Audit event types or prefixes reached.
    pub audit_event_types: Vec<String>,
    /// Closed requests reached.
    pub closed_requests: bool,
    /// Why this period.
    pub description: String,
    /// Enforced by the daily job.
    pub active: bool,
    /// Who changed it last.
    pub updated_by: Party,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change.
    pub version: u32,
}

/// The checked fields of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSchedule {
    /// Data category.
    pub data_category: String,
    /// Days.
    pub period_days: u32,
    /// Activities.
    pub activity_ids: Vec<ActivityId>,
    /// Event types.
    pub audit_event_types: Vec<String>,
    /// Closed requests.
    pub closed_requests: bool,
    /// Description.
    pub description: String,
    /// Active.
    pub active: bool,
}

impl RetentionScheduleInput {
    /// Checks every field, naming each bad one (whether the activities exist and list the
    /// category is the service's check).
    pub fn check(&self) -> DomainResult<CheckedSchedule> {
        let mut errors = Vec::new();
        let data_category = self.data_category.trim().to_owned();
        check_keys(
            &mut errors,
            "data_category",
            std::slice::from_ref(&data_category),
            DATA_CATEGORIES,
        );
        // One value, not a list: name the field itself.
        if let Some(e) = errors.last_mut() {
            e.field = "data_category".into();
        }
        if !(1..=MAX_PERIOD_DAYS).contains(&self.period_days) {
            errors.push(FieldError {
                field: "period_days".into(),
                message: format!(
                    "must be 1 to {MAX_PERIOD_DAYS} days, got {}",
                    self.period_days
                ),
            });
        }
        let mut activity_ids = Vec::new();
        for a in &self.activity_ids {
            if !activity_ids.contains(a) {
                activity_ids.push(*a);
            }
        }
        let mut audit_event_types: Vec<String> = Vec::new();
        if self.audit_event_types.len() > MAX_EVENT_TYPES {
            errors.push(FieldError {
                field: "audit_event_types".into(),
                message: format!("at most {MAX_EVENT_TYPES}"),
            });
        }
        for (i, t) in self.audit_event_types.iter().enumerate() {
            let t = t.trim().trim_end_matches('.');
            let ok = !t.is_empty()
                && t.len() <= 200
                && t.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                });
            if !ok {
                errors.push(FieldError {
                    field: format!("audit_event_types.{i}"),
                    message: "an event type or dotted prefix such as `customer.profile` (letters, \
                              digits, _ and -, parts separated by dots)"
                        .into(),
                });
            } else if !audit_event_types.iter().any(|x| x == t) {
                audit_event_types.push(t.to_owned());
            }
        }
        if audit_event_types.is_empty() && !self.closed_requests && errors.is_empty() {
            errors.push(FieldError {
                field: "audit_event_types".into(),
                message: "a schedule must reach something: name audit event types, or set \
                          closed_requests"
                    .into(),
            });
        }
        let description = self.description.trim().to_owned();
        if description.len() > 2000 {
            errors.push(FieldError {
                field: "description".into(),
                message: "at most 2000 bytes".into(),
            });
        }
        if errors.is_empty() {
            Ok(CheckedSchedule {
                data_category,
                period_days: self.period_days,
                activity_ids,
                audit_event_types,
                closed_requests: self.closed_requests,
                description,
                active: self.active,
            })
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

impl RetentionSchedule {
    /// Replaces the user-written fields.
    pub fn apply(&mut self, c: CheckedSchedule) {
        self.data_category = c.data_category;
        self.period_days = c.period_days;
        self.activity_ids = c.activity_ids;
        self.audit_event_types = c.audit_event_types;
        self.closed_requests = c.closed_requests;
        self.description = c.description;
        self.active = c.active;
    }
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    /// The daily job.
    Scheduled,
    /// An approver, through the API or the CLI.
    OnDemand,
}

/// What one run of a schedule did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetentionRunReport {
    /// Id.
    pub id: RetentionRunId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The schedule.
    pub schedule_id: RetentionScheduleId,
    /// Its reference.
    pub schedule_reference: String,
    /// Its version when it ran.
    pub schedule_version: u32,
    /// Its data category.
    pub data_category: String,
    /// Its period.
    pub period_days: u32,
    /// What started it.
    pub trigger: RunTrigger,
    /// Who ran it (the system for the daily job).
    pub by: Party,
    /// When.
    pub at: DateTime<Utc>,
    /// Data recorded or closed before this instant was due.
    pub cutoff: DateTime<Utc>,
    /// Audit events due (naming subjects, of a listed type, before the cutoff).
    pub audit_due: u64,
    /// Of those, payloads erased now.
    pub audit_erased: u64,
    /// Erased ledger indexes as inclusive ranges.
    pub erased_indexes: Vec<[u64; 2]>,
    /// Due but kept because a legal hold covers them.
    pub audit_held: u64,
    /// Per hold.
    pub held_by: Vec<HeldCount>,
    /// Kept ledger indexes as inclusive ranges.
    pub held_indexes: Vec<[u64; 2]>,
    /// References of closed requests whose subject id was erased now.
    pub requests_redacted: Vec<String>,
}
