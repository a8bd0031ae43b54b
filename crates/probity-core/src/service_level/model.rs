//! Service-level types: services, SLOs (an SLA is an SLO with a credit schedule), the
//! aggregated measurement slices they are evaluated from, violations with their escalation
//! state, and service credits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::credit::{CreditQuote, CreditSchedule};
use super::evaluate::{BurnRule, BurnSeverity, Evaluation};
use super::sketch::DdSketch;
use super::window::{Exclusion, Window, WindowKind};
use crate::governance::Party;
use crate::notify::model::wire_enum;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a service.
    ServiceId
);
uuid_id!(
    /// Identifies an SLO (all its versions).
    SloId
);
uuid_id!(
    /// Identifies a violation.
    SloViolationId
);
uuid_id!(
    /// Identifies a service credit.
    ServiceCreditId
);

/// A service whose levels are measured: who provides it and, for an SLA, who it is owed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Service {
    /// Id.
    pub id: ServiceId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Short key, unique in the tenant (`api`, `payments`).
    pub key: String,
    /// Name.
    pub name: String,
    /// Who provides it (a team or a vendor).
    pub provider: String,
    /// Who it is owed to: `internal`, a customer name, or another tenant's slug.
    pub customer: String,
    /// What it is.
    pub description: String,
    /// When added.
    pub created_at: DateTime<Utc>,
    /// Who added it.
    pub created_by: Party,
}

wire_enum!(
    /// What an SLO measures. Every kind reduces to good and total events per slice.
    SloMetric {
        /// Share of good minutes (a probe per minute: good = up).
        AvailabilityMinutes => "availability_minutes",
        /// Share of good requests.
        AvailabilityRequests => "availability_requests",
        /// Share of requests at most `threshold_ms` (a target of 99 reads "p99 ≤ threshold").
        Latency => "latency",
        /// Share of requests without an error (a target of 99.9 allows 0.1 % errors).
        ErrorRate => "error_rate",
        /// Any good/total ratio the service reports.
        Custom => "custom",
    }
);

/// An SLO, or an SLA when it carries a credit schedule. Edits make a new version; violations
/// and credits name the version they were judged against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Slo {
    /// Id.
    pub id: SloId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The service measured.
    pub service_id: ServiceId,
    /// Name (`API availability`).
    pub name: String,
    /// What it promises, in words.
    pub description: String,
    /// What is measured.
    pub metric: SloMetric,
    /// Target, percent of good events (e.g. 99.9).
    pub target_percent: f64,
    /// For latency: the threshold a good request is at most, in milliseconds.
    #[serde(default)]
    pub threshold_ms: Option<f64>,
    /// The compliance window.
    pub window: WindowKind,
    /// Maintenance windows left out of the SLI.
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    /// Burn-rate alert rules.
    pub burn_rules: Vec<BurnRule>,
    /// Escalation delays in minutes after a violation starts (e.g. 5, 15, 60), each a new
    /// notification while nobody acknowledges.
    #[serde(default)]
    pub escalation_minutes: Vec<u32>,
    /// Service credits owed when a window misses its target (an SLA).
    #[serde(default)]
    pub credits: Option<CreditSchedule>,
    /// Where measurements are pulled from, if anywhere.
    #[serde(default)]
    pub source: Option<super::pull::MetricsSource>,
    /// Where the last pull left the counters.
    #[serde(default)]
    pub pull: Option<super::pull::PullState>,
    /// Version, from 1.
    pub version: u32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: Party,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// The last complete window already judged (violation and credit), so each is judged once.
    #[serde(default)]
    pub judged_until: Option<DateTime<Utc>>,
}

impl Slo {
    /// The target as a ratio.
    pub fn target(&self) -> f64 {
        self.target_percent / 100.0
    }

    /// Whether this is an SLA (owes credits).
    pub fn is_sla(&self) -> bool {
        self.credits.is_some()
    }
}

/// One aggregated 5-minute slice of an SLO's measurements. For latency SLOs `good` is counted
/// against the threshold when the slice is written (and recounted from the sketch when the
/// threshold changes); the sketch keeps the distribution so quantiles over any window come
/// from merging slices, without raw points.
#[derive(Debug, Clone, PartialEq)]
pub struct SloSlice {
    /// The SLO.
    pub slo_id: SloId,
    /// Slice start (a multiple of five minutes).
    pub start: DateTime<Utc>,
    /// Good events.
    pub good: u64,
    /// All events.
    pub total: u64,
    /// Latency distribution (latency SLOs only).
    pub sketch: Option<DdSketch>,
}

wire_enum!(
    /// Why a violation was raised.
    ViolationKind {
        /// A burn-rate rule fired: the budget is being spent too fast.
        BurnRate => "burn_rate",
        /// A complete window ended below its target.
        WindowMissed => "window_missed",
    }
);

/// A violation: open while its rule fires (burn rate) or once raised (missed window);
/// escalates through the notification channels until acknowledged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SloViolation {
    /// Id.
    pub id: SloViolationId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The SLO.
    pub slo_id: SloId,
    /// The SLO version it was judged against.
    pub slo_version: u32,
    /// Why.
    pub kind: ViolationKind,
    /// Severity.
    pub severity: BurnSeverity,
    /// The rule that fired (burn rate).
    #[serde(default)]
    pub rule: Option<BurnRule>,
    /// The window missed (window_missed).
    #[serde(default)]
    pub window: Option<Window>,
    /// One line for people.
    pub summary: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended (the rule stopped firing); missed windows end when raised.
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// When acknowledged.
    #[serde(default)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged.
    #[serde(default)]
    pub acknowledged_by: Option<Party>,
    /// Escalation levels notified so far (0 = only the first notice).
    pub escalation_level: u32,
    /// Burn rate (long window) or compliance percent when raised.
    pub measured: f64,
}

wire_enum!(
    /// Where a service credit stands.
    CreditStatus {
        /// Computed; waits for an approver.
        PendingApproval => "pending_approval",
        /// Owed (approved, or the schedule needs no approval).
        Approved => "approved",
        /// Not owed (with a reason).
        Rejected => "rejected",
    }
);

/// A service credit for one complete window of an SLA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceCredit {
    /// Id.
    pub id: ServiceCreditId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The SLA.
    pub slo_id: SloId,
    /// The SLA version it was computed under.
    pub slo_version: u32,
    /// The window.
    pub window: Window,
    /// Compliance over the window, percent.
    pub compliance_percent: f64,
    /// The schedule's answer.
    pub quote: CreditQuote,
    /// Currency of `quote.amount`.
    pub currency: String,
    /// Status.
    pub status: CreditStatus,
    /// Last day a claim is accepted.
    pub claim_deadline: DateTime<Utc>,
    /// When computed.
    pub created_at: DateTime<Utc>,
    /// Who decided (approval or rejection).
    #[serde(default)]
    pub decided_by: Option<Party>,
    /// When decided.
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    /// Why (rejections must say).
    #[serde(default)]
    pub decision_note: Option<String>,
}

/// An SLO's current state: the window's evaluation, quantiles for latency, open violations.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SloStatus {
    /// The SLO.
    pub slo: Slo,
    /// Its service.
    pub service: Service,
    /// The current window's evaluation.
    pub evaluation: Evaluation,
    /// Latency quantiles over the window (p50, p95, p99), from merged sketches.
    pub quantiles_ms: Option<Quantiles>,
    /// Open violations.
    pub open_violations: Vec<SloViolation>,
    /// Good and total per day over the window, oldest first (for the chart).
    pub daily: Vec<DailyPoint>,
}

/// Latency quantiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Quantiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// One day of an SLO.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DailyPoint {
    /// Day start (UTC).
    pub day: DateTime<Utc>,
    /// Good events.
    pub good: u64,
    /// All events.
    pub total: u64,
    /// Budget remaining at the end of the day (ratio of the window's allowance).
    pub budget_remaining: Option<f64>,
}
