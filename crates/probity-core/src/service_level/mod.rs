//! Service levels: services, SLOs and SLAs with error budgets, burn-rate alerts, violations
//! with escalation, and service credits.
//!
//! - [`sketch`]: a DDSketch, so latency quantiles over any window come from merging 5-minute
//!   slices, without raw points;
//! - [`window`]: compliance windows (calendar month and quarter, rolling 28 and 30 days),
//!   slices and maintenance exclusions;
//! - [`evaluate`]: SLI, compliance, error budget and multi-window multi-burn-rate alerts (the
//!   SRE-workbook defaults, configurable);
//! - [`credit`]: tiered credit schedules with caps, minimums and claim windows;
//! - [`pull`]: measurements pulled from a Prometheus text page; [`openslo`]: OpenSLO v1
//!   export and import;
//! - [`folded`]: statuses that read a window's older stretch as sums, not slices;
//! - [`sweep`]: the periodic evaluation that opens and ends violations, escalates the
//!   unacknowledged ones and judges each complete period once (missed target, credit).
//!
//! Every measurement kind reduces to good and total events per slice; an SLO's target is the
//! share of good events. Measurements are aggregated as they arrive (late data merges into its
//! slice), so evaluation never reads raw points. Every change is an audit event in the
//! tenant's ledger in the same transaction; ingest records one event per batch.

pub mod credit;
pub mod demo;
pub mod evaluate;
pub mod folded;
pub mod model;
pub mod openslo;
pub mod pull;
pub mod sketch;
pub mod store;
pub mod sweep;
pub mod window;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use credit::{CreditQuote, CreditSchedule, CreditTier};
pub use evaluate::{BurnRate, BurnRule, BurnSeverity, Evaluation, SliceCounts};
pub use model::*;
pub use pull::{MetricsSource, PullState};
pub use store::ServiceLevelStore;
pub use window::{Exclusion, Window, WindowKind};

use crate::assurance::check_key;
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::{party, short};
use crate::notify::{Notice, NotifyService};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;
use probity_report::tabular::csv_field;
use sketch::DdSketch;

/// Most measurements in one ingest call.
pub const MAX_BATCH: usize = 10_000;
/// How old a measurement may be (late data older than this is refused).
pub const MAX_LATE_DAYS: i64 = 92;
/// How far ahead of the server clock a measurement may be.
pub const MAX_SKEW_SECONDS: i64 = 300;
/// Most latency values in one measurement.
pub const MAX_VALUES: usize = 10_000;

/// Service-level use cases over the store and, when set, notifications.
pub struct ServiceLevelService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    notify: Option<Arc<NotifyService>>,
    public_url: String,
    fetch: Option<Arc<dyn crate::assurance::Fetch>>,
}

impl std::fmt::Debug for ServiceLevelService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceLevelService")
            .finish_non_exhaustive()
    }
}

/// A new service.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// Short key: 2–63 of `a-z`, `0-9`, `-`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Who provides it.
    pub provider: String,
    /// Who it is owed to (default `internal`).
    #[serde(default)]
    pub customer: Option<String>,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
}

/// A new SLO (an SLA when `credits` is set).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSlo {
    /// The service, by key or id.
    pub service: String,
    /// Name.
    pub name: String,
    /// What it promises.
    #[serde(default)]
    pub description: Option<String>,
    /// What is measured.
    pub metric: SloMetric,
    /// Target percent of good events, above 0 and below 100 (e.g. 99.9).
    pub target_percent: f64,
    /// Latency threshold in milliseconds (latency SLOs only, required there).
    #[serde(default)]
    pub threshold_ms: Option<f64>,
    /// Window (default `rolling_30d`).
    #[serde(default)]
    pub window: Option<WindowKind>,
    /// Maintenance windows.
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    /// Burn-rate rules (default: the SRE-workbook set).
    #[serde(default)]
    pub burn_rules: Option<Vec<BurnRule>>,
    /// Escalation delays in minutes (default 5, 15, 60).
    #[serde(default)]
    pub escalation_minutes: Option<Vec<u32>>,
    /// Credit schedule (makes it an SLA).
    #[serde(default)]
    pub credits: Option<CreditSchedule>,
    /// Pull measurements from a Prometheus text endpoint.
    #[serde(default)]
    pub source: Option<MetricsSource>,
}

/// Changes to an SLO: a new version. Absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SloUpdate {
    /// The version being changed (compare-and-swap).
    pub version: u32,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Target percent.
    #[serde(default)]
    pub target_percent: Option<f64>,
    /// Latency threshold (recounts stored slices from their sketches).
    #[serde(default)]
    pub threshold_ms: Option<f64>,
    /// Window.
    #[serde(default)]
    pub window: Option<WindowKind>,
    /// Maintenance windows (replaces the list).
    #[serde(default)]
    pub exclusions: Option<Vec<Exclusion>>,
    /// Burn-rate rules (replaces the list).
    #[serde(default)]
    pub burn_rules: Option<Vec<BurnRule>>,
    /// Escalation delays (replaces the list).
    #[serde(default)]
    pub escalation_minutes: Option<Vec<u32>>,
    /// Credit schedule (replaces it).
    #[serde(default)]
    pub credits: Option<CreditSchedule>,
    /// Metrics source (replaces it).
    #[serde(default)]
    pub source: Option<MetricsSource>,
}

/// One measurement: `good` and `total` events, or latency values in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementInput {
    /// The SLO.
    pub slo_id: SloId,
    /// When it was measured (RFC 3339).
    pub at: DateTime<Utc>,
    /// Good events (minutes up, requests served well).
    #[serde(default)]
    pub good: Option<u64>,
    /// All events.
    #[serde(default)]
    pub total: Option<u64>,
    /// One latency value (latency SLOs).
    #[serde(default)]
    pub value_ms: Option<f64>,
    /// Several latency values (latency SLOs).
    #[serde(default)]
    pub values_ms: Option<Vec<f64>>,
}

/// What happened to one measurement of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MeasurementResult {
    /// Position in the batch, from 0.
    pub index: usize,
    /// Whether it landed.
    pub accepted: bool,
    /// The field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What an ingest did: the good measurements land, the bad ones say why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IngestReport {
    /// Measurements that landed.
    pub accepted: usize,
    /// Measurements refused.
    pub rejected: usize,
    /// The refused ones, by index.
    pub errors: Vec<MeasurementResult>,
}

/// A credit decision.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditDecision {
    /// Approve (true) or reject (false).
    pub approve: bool,
    /// Why; required to reject.
    #[serde(default)]
    pub note: Option<String>,
}

/// One SLA's line in a period report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportLine {
    /// The service.
    pub service: String,
    /// Who it is owed to.
    pub customer: String,
    /// The SLO or SLA.
    pub slo: String,
    /// Metric.
    pub metric: SloMetric,
    /// Target percent.
    pub target_percent: f64,
    /// Compliance over the period, percent (none without data).
    pub compliance_percent: Option<f64>,
    /// Whether the target was met.
    pub met: Option<bool>,
    /// Good events.
    pub good: u64,
    /// All events.
    pub total: u64,
    /// Violations that started in the period, and the period's own missed target.
    pub violations: usize,
    /// The period's credit, if any.
    pub credit: Option<ServiceCredit>,
}

/// A period report: every SLO's compliance and credit for a calendar month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PeriodReport {
    /// The month.
    pub period: Window,
    /// The customer the report is for (all SLOs when absent).
    pub customer: Option<String>,
    /// Generated at.
    pub generated_at: DateTime<Utc>,
    /// One line per SLO.
    pub lines: Vec<ReportLine>,
}

impl PeriodReport {
    /// The report as CSV (one line per SLO).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "service,customer,slo,metric,target_percent,compliance_percent,met,good,total,violations,credit_percent,credit_amount,currency,credit_status\n",
        );
        for l in &self.lines {
            let cells = [
                l.service.clone(),
                l.customer.clone(),
                l.slo.clone(),
                l.metric.as_str().to_owned(),
                format!("{}", l.target_percent),
                l.compliance_percent
                    .map(|c| format!("{c:.4}"))
                    .unwrap_or_default(),
                l.met.map(|m| m.to_string()).unwrap_or_default(),
                l.good.to_string(),
                l.total.to_string(),
                l.violations.to_string(),
                l.credit
                    .as_ref()
                    .map(|c| format!("{}", c.quote.credit_percent))
                    .unwrap_or_default(),
                l.credit
                    .as_ref()
                    .map(|c| format!("{:.2}", c.quote.amount))
                    .unwrap_or_default(),
                l.credit
                    .as_ref()
                    .map(|c| c.currency.clone())
                    .unwrap_or_default(),
                l.credit
                    .as_ref()
                    .map(|c| c.status.as_str().to_owned())
                    .unwrap_or_default(),
            ];
            let row: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }
}

fn optional_text(field: &str, value: Option<&str>, max: usize) -> DomainResult<String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => short(field, v, max),
        None => Ok(String::new()),
    }
}

fn check_target(target: f64) -> DomainResult<f64> {
    if !(target.is_finite() && target > 0.0 && target < 100.0) {
        return Err(DomainError::invalid(
            "target_percent",
            "must be above 0 and below 100, e.g. 99.9",
        ));
    }
    Ok(target)
}

fn check_threshold(metric: SloMetric, threshold: Option<f64>) -> DomainResult<Option<f64>> {
    match (metric, threshold) {
        (SloMetric::Latency, Some(t)) if t.is_finite() && t > 0.0 && t <= 3_600_000.0 => {
            Ok(Some(t))
        }
        (SloMetric::Latency, _) => Err(DomainError::invalid(
            "threshold_ms",
            "a latency SLO needs a threshold in milliseconds, above 0 and at most 3600000",
        )),
        (_, None) => Ok(None),
        (_, Some(_)) => Err(DomainError::invalid(
            "threshold_ms",
            "only latency SLOs take a threshold",
        )),
    }
}

fn check_exclusions(exclusions: &[Exclusion]) -> DomainResult<Vec<Exclusion>> {
    if exclusions.len() > 200 {
        return Err(DomainError::invalid(
            "exclusions",
            "at most 200 maintenance windows",
        ));
    }
    let mut out = Vec::with_capacity(exclusions.len());
    for (i, e) in exclusions.iter().enumerate() {
        if e.end <= e.start || e.end - e.start > Duration::days(7) {
            return Err(DomainError::invalid(
                format!("exclusions[{i}]"),
                "end must be after start, and a maintenance window at most 7 days long",
            ));
        }
        let reason = short(&format!("exclusions[{i}].reason"), &e.reason, 200)?;
        out.push(Exclusion {
            start: e.start,
            end: e.end,
            reason,
        });
    }
    out.sort_by_key(|e| e.start);
    Ok(out)
}

fn check_escalation(minutes: &[u32]) -> DomainResult<Vec<u32>> {
    let ascending = minutes.windows(2).all(|w| matches!(w, [a, b] if a < b));
    if minutes.len() > 10 || !ascending || minutes.iter().any(|m| *m == 0 || *m > 10_080) {
        return Err(DomainError::invalid(
            "escalation_minutes",
            "at most 10 delays, ascending, each 1 to 10080 minutes (e.g. [5, 15, 60])",
        ));
    }
    Ok(minutes.to_vec())
}

fn check_credits(credits: Option<&CreditSchedule>) -> DomainResult<Option<CreditSchedule>> {
    let Some(c) = credits else { return Ok(None) };
    c.check().map_err(|m| DomainError::invalid("credits", m))?;
    Ok(Some(c.clone()))
}

fn check_source(s: &MetricsSource) -> DomainResult<MetricsSource> {
    pull::check_source(s).map_err(|(field, message)| DomainError::invalid(field, message))
}

fn check_rules(rules: &[BurnRule]) -> DomainResult<Vec<BurnRule>> {
    evaluate::check_rules(rules).map_err(|m| DomainError::invalid("burn_rules", m))?;
    Ok(rules.to_vec())
}

/// Default escalation delays in minutes.
pub const DEFAULT_ESCALATION: [u32; 3] = [5, 15, 60];

impl ServiceLevelService {
    /// Builds the service.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            notify: None,
            public_url: String::new(),
            fetch: None,
        }
    }

    /// Raises notifications (violations, escalations, credits) linking to `public_url` pages.
    #[must_use]
    pub fn with_notify(mut self, notify: Arc<NotifyService>, public_url: &str) -> Self {
        self.notify = Some(notify);
        self.public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    fn event(
        &self,
        who: &Principal,
        kind: &str,
        resource: (&str, String),
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            kind,
            &who.actor,
            resource,
            self.clock.now(),
        )
        .with_details(details)
    }

    async fn raise(&self, who: &Principal, mut notice: Notice, path: &str) {
        if !self.public_url.is_empty() {
            notice.link = Some(format!("{}{path}", self.public_url));
        }
        if let Some(n) = &self.notify
            && let Err(e) = n.raise(who.tenant.id, &notice).await
        {
            tracing::warn!(error = %e, kind = %notice.kind, "service-level notification not raised");
        }
    }

    // --- services -------------------------------------------------------------------------

    /// Adds a service (contributor and above); audited as `service.created`.
    pub async fn create_service(&self, who: &Principal, req: &NewService) -> DomainResult<Service> {
        who.require(Permission::Write)?;
        let s = Service {
            id: ServiceId::new(),
            tenant_id: who.tenant.id,
            key: check_key("key", &req.key)?,
            name: short("name", &req.name, 200)?,
            provider: short("provider", &req.provider, 200)?,
            customer: match req.customer.as_deref().map(str::trim) {
                Some(c) if !c.is_empty() => short("customer", c, 200)?,
                _ => "internal".to_owned(),
            },
            description: optional_text("description", req.description.as_deref(), 2000)?,
            created_at: self.clock.now(),
            created_by: party(who),
        };
        let event = self.event(
            who,
            "service.created",
            ("service", s.id.to_string()),
            json!({"key": s.key, "name": s.name, "provider": s.provider, "customer": s.customer}),
        );
        self.store.insert_service(&s, &event).await?;
        Ok(s)
    }

    /// Every service (any member).
    pub async fn services(&self, who: &Principal) -> DomainResult<Vec<Service>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_services(who.tenant.id).await?)
    }

    async fn find_service(&self, who: &Principal, key_or_id: &str) -> DomainResult<Service> {
        let wanted = key_or_id.trim();
        self.store
            .list_services(who.tenant.id)
            .await?
            .into_iter()
            .find(|s| s.key == wanted || s.id.to_string() == wanted)
            .ok_or_else(|| {
                DomainError::invalid(
                    "service",
                    format!("no service {wanted}: name one by key or id (GET /api/v1/services)"),
                )
            })
    }

    // --- SLOs -----------------------------------------------------------------------------

    /// Adds an SLO (contributor and above); audited as `slo.created`.
    pub async fn create_slo(&self, who: &Principal, req: &NewSlo) -> DomainResult<Slo> {
        who.require(Permission::Write)?;
        let service = self.find_service(who, &req.service).await?;
        let now = self.clock.now();
        let slo = Slo {
            id: SloId::new(),
            tenant_id: who.tenant.id,
            service_id: service.id,
            name: short("name", &req.name, 200)?,
            description: optional_text("description", req.description.as_deref(), 2000)?,
            metric: req.metric,
            target_percent: check_target(req.target_percent)?,
            threshold_ms: check_threshold(req.metric, req.threshold_ms)?,
            window: req.window.unwrap_or(WindowKind::Rolling30d),
            exclusions: check_exclusions(&req.exclusions)?,
            burn_rules: match &req.burn_rules {
                Some(r) => check_rules(r)?,
                None => evaluate::default_burn_rules(),
            },
            escalation_minutes: check_escalation(
                req.escalation_minutes
                    .as_deref()
                    .unwrap_or(&DEFAULT_ESCALATION),
            )?,
            credits: check_credits(req.credits.as_ref())?,
            source: req.source.as_ref().map(check_source).transpose()?,
            pull: None,
            version: 1,
            created_at: now,
            created_by: party(who),
            updated_at: now,
            judged_until: None,
        };
        let event = self.event(
            who,
            "slo.created",
            ("slo", slo.id.to_string()),
            json!({
                "service": service.key, "name": slo.name, "metric": slo.metric,
                "target_percent": slo.target_percent, "threshold_ms": slo.threshold_ms,
                "window": slo.window, "sla": slo.is_sla(), "version": 1,
            }),
        );
        self.store.insert_slo(&slo, &event).await?;
        Ok(slo)
    }

    /// Every SLO (any member).
    pub async fn slos(&self, who: &Principal) -> DomainResult<Vec<Slo>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_slos(who.tenant.id).await?)
    }

    /// One SLO (any member).
    pub async fn slo(&self, who: &Principal, id: SloId) -> DomainResult<Slo> {
        who.require(Permission::Read)?;
        self.store
            .slo(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("slo".into()))
    }

    /// Changes an SLO, making a new version (contributor and above); audited as
    /// `slo.updated` with the fields changed. A new latency threshold recounts the stored
    /// slices from their sketches.
    pub async fn update_slo(
        &self,
        who: &Principal,
        id: SloId,
        req: &SloUpdate,
    ) -> DomainResult<Slo> {
        who.require(Permission::Write)?;
        let old = self.slo(who, id).await?;
        if req.version != old.version {
            return Err(DomainError::Conflict(format!(
                "the SLO is at version {}, not {}: reload and apply the change again",
                old.version, req.version
            )));
        }
        let mut slo = old.clone();
        let mut changed = Vec::new();
        if let Some(n) = &req.name {
            slo.name = short("name", n, 200)?;
            changed.push("name");
        }
        if let Some(d) = &req.description {
            slo.description = optional_text("description", Some(d), 2000)?;
            changed.push("description");
        }
        if let Some(t) = req.target_percent {
            slo.target_percent = check_target(t)?;
            changed.push("target_percent");
        }
        if let Some(t) = req.threshold_ms {
            slo.threshold_ms = check_threshold(slo.metric, Some(t))?;
            changed.push("threshold_ms");
        }
        if let Some(w) = req.window {
            slo.window = w;
            changed.push("window");
        }
        if let Some(e) = &req.exclusions {
            slo.exclusions = check_exclusions(e)?;
            changed.push("exclusions");
        }
        if let Some(r) = &req.burn_rules {
            slo.burn_rules = check_rules(r)?;
            changed.push("burn_rules");
        }
        if let Some(m) = &req.escalation_minutes {
            slo.escalation_minutes = check_escalation(m)?;
            changed.push("escalation_minutes");
        }
        if let Some(c) = &req.credits {
            slo.credits = check_credits(Some(c))?;
            changed.push("credits");
        }
        if let Some(s) = &req.source {
            slo.source = Some(check_source(s)?);
            changed.push("source");
        }
        if changed.is_empty() {
            return Err(DomainError::invalid("version", "nothing to change"));
        }
        let now = self.clock.now();
        slo.version = old.version.saturating_add(1);
        slo.updated_at = now;
        let recount = match (slo.threshold_ms, old.threshold_ms) {
            (Some(new), Some(was)) if new != was => {
                let mut slices = self
                    .store
                    .slices(
                        who.tenant.id,
                        id,
                        now - Duration::days(MAX_LATE_DAYS + 1),
                        now + Duration::days(1),
                    )
                    .await?;
                for s in &mut slices {
                    if let Some(sk) = &s.sketch {
                        s.good = sk.count_at_most(new);
                    }
                }
                slices
            }
            _ => Vec::new(),
        };
        let event = self.event(
            who,
            "slo.updated",
            ("slo", slo.id.to_string()),
            json!({"version": slo.version, "changed": changed, "recounted_slices": recount.len()}),
        );
        if !self.store.update_slo(&slo, &recount, &event).await? {
            return Err(DomainError::Conflict(
                "the SLO changed meanwhile: reload and apply the change again".into(),
            ));
        }
        Ok(slo)
    }

    // --- measurements ---------------------------------------------------------------------

    /// Ingests measurements (contributor and above, or an ingest token): the good ones are
    /// aggregated into their slices, the bad ones are reported by index. One audit event
    /// (`slo.measurements.ingested`) per call with the counts per SLO.
    pub async fn ingest(
        &self,
        who: &Principal,
        batch: &[MeasurementInput],
    ) -> DomainResult<IngestReport> {
        who.require(Permission::Write)?;
        if batch.len() > MAX_BATCH {
            return Err(DomainError::invalid(
                "measurements",
                format!("at most {MAX_BATCH} measurements per call: split the batch"),
            ));
        }
        self.import(who, batch).await
    }

    /// Ingests any number of measurements (a file's worth: `probity sla import`) like
    /// [`Self::ingest`], aggregated in one pass and merged in one transaction with one audit
    /// event, so a bulk import writes each stored day of each SLO once.
    pub async fn import(
        &self,
        who: &Principal,
        batch: &[MeasurementInput],
    ) -> DomainResult<IngestReport> {
        who.require(Permission::Write)?;
        let slos: HashMap<SloId, Slo> = self
            .store
            .list_slos(who.tenant.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let Aggregated {
            slices,
            errors,
            per_slo,
        } = aggregate(&slos, batch, self.clock.now());
        let accepted = batch.len() - errors.len();
        if accepted > 0 {
            let counts: BTreeMap<String, u64> =
                per_slo.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let event = self.event(
                who,
                "slo.measurements.ingested",
                ("slo_measurements", who.tenant.id.to_string()),
                json!({"accepted": accepted, "rejected": errors.len(), "slices": slices.len(), "per_slo": counts}),
            );
            self.store
                .merge_slices(who.tenant.id, &slices, &event)
                .await?;
        }
        Ok(IngestReport {
            accepted,
            rejected: errors.len(),
            errors,
        })
    }

    // --- evaluation -----------------------------------------------------------------------

    /// An SLO's status now: the window's evaluation with burn rates, latency quantiles, open
    /// violations and a daily series (any member).
    pub async fn status(&self, who: &Principal, id: SloId) -> DomainResult<SloStatus> {
        let slo = self.slo(who, id).await?;
        let service = self
            .store
            .list_services(who.tenant.id)
            .await?
            .into_iter()
            .find(|s| s.id == slo.service_id)
            .ok_or_else(|| DomainError::Internal("SLO without its service".into()))?;
        let now = self.clock.now();
        let window = slo.window.current(now);
        let slices = self.load(&slo, window, now).await?;
        let evaluation = evaluate_slo(&slo, &slices, window, now);
        let quantiles_ms = quantiles(&slices, window);
        let daily = daily(&slo, &slices, window);
        let open_violations = self
            .store
            .list_slo_violations(who.tenant.id, Some(id), true)
            .await?;
        Ok(SloStatus {
            slo,
            service,
            evaluation,
            quantiles_ms,
            open_violations,
            daily,
        })
    }

    /// Every SLO's current evaluation (any member), in name order.
    pub async fn statuses(&self, who: &Principal) -> DomainResult<Vec<(Slo, Evaluation)>> {
        let slos = self.slos(who).await?;
        let now = self.clock.now();
        let mut out = Vec::with_capacity(slos.len());
        for slo in slos {
            let window = slo.window.current(now);
            let e = match folded::plan(&slo, window, now) {
                Some(plan) => {
                    let mut sums = (0u64, 0u64);
                    for (from, to) in &plan.sum_ranges {
                        let (good, total) = self
                            .store
                            .slice_sums(slo.tenant_id, slo.id, *from, *to)
                            .await?;
                        sums = (sums.0.saturating_add(good), sums.1.saturating_add(total));
                    }
                    let recent = self
                        .store
                        .slice_counts(slo.tenant_id, slo.id, plan.recent_from, plan.to)
                        .await?;
                    evaluate::evaluate(
                        &folded::assemble(&slo, &plan, sums, &recent),
                        window,
                        slo.target(),
                        &slo.burn_rules,
                        now,
                    )
                }
                None => {
                    let (from, to) = load_range(&slo, window, now);
                    let slices = self
                        .store
                        .slice_counts(slo.tenant_id, slo.id, from, to)
                        .await?;
                    evaluate_slo(&slo, &slices, window, now)
                }
            };
            out.push((slo, e));
        }
        Ok(out)
    }

    /// Slices covering `window` and the longest burn-rate window before `now`.
    async fn load(
        &self,
        slo: &Slo,
        window: Window,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<SloSlice>> {
        let (from, to) = load_range(slo, window, now);
        Ok(self.store.slices(slo.tenant_id, slo.id, from, to).await?)
    }

    // --- violations and credits -----------------------------------------------------------

    /// Violations, newest first (any member); `open_only` keeps the unended or unacknowledged.
    pub async fn violations(
        &self,
        who: &Principal,
        slo: Option<SloId>,
        open_only: bool,
    ) -> DomainResult<Vec<SloViolation>> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .list_slo_violations(who.tenant.id, slo, open_only)
            .await?)
    }

    /// Acknowledges a violation, which stops its escalation (contributor and above); audited
    /// as `slo.violation.acknowledged`.
    pub async fn acknowledge(
        &self,
        who: &Principal,
        id: SloViolationId,
    ) -> DomainResult<SloViolation> {
        who.require(Permission::Write)?;
        let mut v = self
            .store
            .slo_violation(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("violation".into()))?;
        if v.acknowledged_at.is_some() {
            return Err(DomainError::Conflict(
                "the violation is already acknowledged".into(),
            ));
        }
        v.acknowledged_at = Some(self.clock.now());
        v.acknowledged_by = Some(party(who));
        let event = self.event(
            who,
            "slo.violation.acknowledged",
            ("slo_violation", v.id.to_string()),
            json!({"slo_id": v.slo_id, "escalation_level": v.escalation_level}),
        );
        self.store.update_slo_violation(&v, &event).await?;
        Ok(v)
    }

    /// Service credits, newest window first (any member).
    pub async fn credits(&self, who: &Principal) -> DomainResult<Vec<ServiceCredit>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_credits(who.tenant.id).await?)
    }

    /// Approves or rejects a pending credit (approvers); audited as
    /// `service_credit.approved` or `service_credit.rejected`, bound to the credit's window,
    /// compliance and amount.
    pub async fn decide_credit(
        &self,
        who: &Principal,
        id: ServiceCreditId,
        decision: &CreditDecision,
    ) -> DomainResult<ServiceCredit> {
        who.require(Permission::Approve)?;
        let mut c = self
            .store
            .credit(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("service credit".into()))?;
        if c.status != CreditStatus::PendingApproval {
            return Err(DomainError::Conflict(format!(
                "the credit is {}, not pending approval",
                c.status
            )));
        }
        let note = match decision.note.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => Some(short("note", n, 1000)?),
            _ if !decision.approve => {
                return Err(DomainError::invalid(
                    "note",
                    "say why the credit is rejected",
                ));
            }
            _ => None,
        };
        c.status = if decision.approve {
            CreditStatus::Approved
        } else {
            CreditStatus::Rejected
        };
        c.decided_by = Some(party(who));
        c.decided_at = Some(self.clock.now());
        c.decision_note = note;
        let kind = if decision.approve {
            "service_credit.approved"
        } else {
            "service_credit.rejected"
        };
        let event = self.event(
            who,
            kind,
            ("service_credit", c.id.to_string()),
            json!({
                "slo_id": c.slo_id, "slo_version": c.slo_version, "window": c.window,
                "compliance_percent": c.compliance_percent, "amount": c.quote.amount,
                "currency": c.currency, "note": c.decision_note,
            }),
        );
        if !self
            .store
            .update_credit(&c, CreditStatus::PendingApproval, &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the credit was decided meanwhile".into(),
            ));
        }
        Ok(c)
    }

    /// The report for one calendar month: every SLO's compliance over the month, its
    /// violations and its credit, for all services or those owed to one `customer` (any
    /// member).
    pub async fn period_report(
        &self,
        who: &Principal,
        year: i32,
        month: u32,
        customer: Option<&str>,
    ) -> DomainResult<PeriodReport> {
        who.require(Permission::Read)?;
        let period = Window::month(year, month)
            .ok_or_else(|| DomainError::invalid("month", "write the month as YYYY-MM"))?;
        let customer = customer.map(str::trim).filter(|c| !c.is_empty());
        let services: HashMap<ServiceId, Service> = self
            .store
            .list_services(who.tenant.id)
            .await?
            .into_iter()
            .filter(|s| customer.is_none_or(|c| s.customer.eq_ignore_ascii_case(c)))
            .map(|s| (s.id, s))
            .collect();
        if let Some(c) = customer
            && services.is_empty()
        {
            return Err(DomainError::invalid(
                "customer",
                format!("no service is owed to {c}: see each service's customer"),
            ));
        }
        let credits = self.store.list_credits(who.tenant.id).await?;
        let violations = self
            .store
            .list_slo_violations(who.tenant.id, None, false)
            .await?;
        let mut lines = Vec::new();
        for slo in self.store.list_slos(who.tenant.id).await? {
            if !services.contains_key(&slo.service_id) {
                continue;
            }
            let slices = self
                .store
                .slices(who.tenant.id, slo.id, period.start, period.end)
                .await?;
            let e = evaluate_slo(&slo, &slices, period, period.end);
            let service = services.get(&slo.service_id);
            lines.push(ReportLine {
                service: service.map(|s| s.name.clone()).unwrap_or_default(),
                customer: service.map(|s| s.customer.clone()).unwrap_or_default(),
                slo: slo.name.clone(),
                metric: slo.metric,
                target_percent: slo.target_percent,
                compliance_percent: e.sli.map(|s| s * 100.0),
                met: e.met,
                good: e.good,
                total: e.total,
                violations: violations
                    .iter()
                    .filter(|v| {
                        v.slo_id == slo.id
                            && (period.contains(v.started_at) || v.window == Some(period))
                    })
                    .count(),
                credit: credits
                    .iter()
                    .find(|c| c.slo_id == slo.id && c.window.start == period.start)
                    .cloned(),
            });
        }
        lines.sort_by(|a, b| a.service.cmp(&b.service).then(a.slo.cmp(&b.slo)));
        Ok(PeriodReport {
            period,
            customer: customer.map(str::to_owned),
            generated_at: self.clock.now(),
            lines,
        })
    }
}

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> DomainResult<(i32, u32)> {
    let bad = || DomainError::invalid("month", "write the month as YYYY-MM, e.g. 2026-10");
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) || !(1970..=9999).contains(&year) {
        return Err(bad());
    }
    Ok((year, month))
}

/// A batch checked and aggregated by [`aggregate`].
#[derive(Debug, Default)]
pub struct Aggregated {
    /// One delta per SLO and slice, sorted by SLO and slice start.
    pub slices: Vec<SloSlice>,
    /// The rejected measurements, by index in the batch, with the field at fault.
    pub errors: Vec<MeasurementResult>,
    /// Accepted measurements per SLO.
    pub per_slo: BTreeMap<SloId, u64>,
}

/// Checks every measurement of `batch` against its SLO and aggregates the good ones into
/// 5-minute slice deltas.
///
/// Aggregation sorts one packed key per measurement (the SLO's rank, the slice's number, the
/// measurement's index) and then walks the keys once, so each slice is built from consecutive
/// measurements and the deltas come out in the order the store writes them. A hash map of
/// slices reached every slice at random: for a million measurements spread over 90 days (about
/// 830,000 slices) that cost several times the sort.
pub fn aggregate(
    slos: &HashMap<SloId, Slo>,
    batch: &[MeasurementInput],
    now: DateTime<Utc>,
) -> Aggregated {
    let mut ids: Vec<SloId> = slos.keys().copied().collect();
    ids.sort();
    let ranked: HashMap<SloId, (u32, &Slo)> = ids
        .iter()
        .zip(0u32..)
        .filter_map(|(id, r)| slos.get(id).map(|slo| (*id, (r, slo))))
        .collect();
    let bounds = (
        now - Duration::days(MAX_LATE_DAYS),
        now + Duration::seconds(MAX_SKEW_SECONDS),
    );
    let mut out = Aggregated::default();
    // The counts travel with their key, so the pass after the sort reads the batch again only
    // for latency values (a read at random, which costs more than the sort moving 32 bytes).
    let mut keyed: Vec<Keyed> = Vec::with_capacity(batch.len());
    for (index, m) in batch.iter().enumerate() {
        let k = ranked
            .get(&m.slo_id)
            .ok_or_else(|| ("slo_id", format!("no SLO {} in this tenant", m.slo_id)))
            .and_then(|(r, slo)| {
                check(slo, m, bounds)?;
                let slice = u32::try_from(m.at.timestamp().div_euclid(window::SLICE_SECONDS))
                    .map_err(|_| ("at", "is out of range".to_owned()))?;
                let index = u32::try_from(index)
                    .map_err(|_| ("measurements", "too many in one call".to_owned()))?;
                let (good, total) = if slo.metric == SloMetric::Latency && has_values(m) {
                    (0, 0)
                } else {
                    (m.good.unwrap_or(0), m.total.unwrap_or(0))
                };
                Ok(Keyed {
                    key: (u128::from(*r) << 64) | (u128::from(slice) << 32) | u128::from(index),
                    good,
                    total,
                })
            });
        match k {
            Ok(k) => keyed.push(k),
            Err((field, error)) => out.errors.push(MeasurementResult {
                index,
                accepted: false,
                field: Some(field.to_owned()),
                error: Some(error),
            }),
        }
    }
    keyed.sort_unstable_by_key(|k| k.key);
    let mut per_rank = vec![0u64; ids.len()];
    let mut group = None;
    let mut slo: Option<&Slo> = None;
    for k in keyed {
        let r = usize::try_from(k.key >> 64).unwrap_or(usize::MAX);
        let Some(n) = per_rank.get_mut(r) else {
            continue;
        };
        *n += 1;
        if group != Some(k.key >> 32) {
            group = Some(k.key >> 32);
            slo = ids.get(r).and_then(|id| slos.get(id));
            let slice = i64::from(u32::try_from((k.key >> 32) & 0xFFFF_FFFF).unwrap_or(0));
            let (Some(s), Some(start)) = (
                slo,
                DateTime::from_timestamp(slice * window::SLICE_SECONDS, 0),
            ) else {
                group = None;
                continue;
            };
            out.slices.push(SloSlice {
                slo_id: s.id,
                start,
                good: 0,
                total: 0,
                sketch: None,
            });
        }
        let Some(d) = out.slices.last_mut() else {
            continue;
        };
        if k.total > 0 {
            d.good += k.good;
            d.total += k.total;
        } else if let (Some(s), Some(m)) = (
            slo,
            usize::try_from(k.key & 0xFFFF_FFFF)
                .ok()
                .and_then(|i| batch.get(i)),
        ) {
            add_values(s, m, d);
        }
    }
    out.per_slo = ids
        .iter()
        .zip(per_rank)
        .filter(|(_, n)| *n > 0)
        .map(|(id, n)| (*id, n))
        .collect();
    out
}

/// A checked measurement's sort key (SLO rank, slice number, index in the batch) with its
/// counts; `total` 0 marks latency values, read from the batch.
struct Keyed {
    key: u128,
    good: u64,
    total: u64,
}

/// Whether a latency SLO's measurement carries values (a sketch) rather than good and total
/// counts from a histogram.
fn has_values(m: &MeasurementInput) -> bool {
    m.value_ms.is_some() || m.values_ms.is_some()
}

/// Checks one measurement against its SLO; the error names the field.
fn check(
    slo: &Slo,
    m: &MeasurementInput,
    (earliest, latest): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), (&'static str, String)> {
    if m.at > latest {
        return Err((
            "at",
            "is in the future: send measurements once taken".into(),
        ));
    }
    if m.at < earliest {
        return Err((
            "at",
            format!("is more than {MAX_LATE_DAYS} days old: late data is taken up to then"),
        ));
    }
    if slo.metric == SloMetric::Latency && has_values(m) {
        if m.good.is_some() || m.total.is_some() {
            return Err((
                "good",
                "a latency measurement takes value_ms or values_ms, or good and total counts from a histogram, not both".into(),
            ));
        }
        let values: &[f64] = match (&m.value_ms, &m.values_ms) {
            (Some(v), None) => std::slice::from_ref(v),
            (None, Some(vs)) if !vs.is_empty() && vs.len() <= MAX_VALUES => vs,
            (None, Some(_)) => {
                return Err(("values_ms", format!("must hold 1 to {MAX_VALUES} values")));
            }
            _ => {
                return Err((
                    "value_ms",
                    "a latency SLO takes either value_ms or values_ms".into(),
                ));
            }
        };
        if values
            .iter()
            .any(|v| !v.is_finite() || *v < 0.0 || *v > 3_600_000.0)
        {
            return Err((
                "value_ms",
                "latencies are milliseconds from 0 to 3600000".into(),
            ));
        }
        return Ok(());
    }
    if has_values(m) {
        return Err((
            "value_ms",
            format!("a {} SLO takes good and total", slo.metric),
        ));
    }
    let (Some(good), Some(total)) = (m.good, m.total) else {
        return Err(("total", "give good and total event counts".into()));
    };
    if good > total || total == 0 || total > 1_000_000_000 {
        return Err((
            "good",
            "good must be at most total, and total 1 to 1000000000".into(),
        ));
    }
    Ok(())
}

/// Adds a checked latency measurement's values to its slice's delta.
fn add_values(slo: &Slo, m: &MeasurementInput, d: &mut SloSlice) {
    let values: &[f64] = match (&m.value_ms, &m.values_ms) {
        (Some(v), _) => std::slice::from_ref(v),
        (None, Some(vs)) => vs,
        (None, None) => &[],
    };
    let threshold = slo.threshold_ms.unwrap_or(f64::MAX);
    let sketch = d.sketch.get_or_insert_with(DdSketch::new);
    for v in values {
        sketch.add(*v);
    }
    let good = values.iter().filter(|v| **v <= threshold).count() as u64;
    d.good += good;
    d.total += values.len() as u64;
}

/// The counts the evaluation reads: slices without the excluded ones.
pub fn counts(slo: &Slo, slices: &[SloSlice]) -> Vec<SliceCounts> {
    slices
        .iter()
        .filter(|s| !window::slice_excluded(s.start, &slo.exclusions))
        .map(|s| SliceCounts {
            start: s.start,
            good: s.good,
            total: s.total,
        })
        .collect()
}

/// The slice range an evaluation reads: `window` and the longest burn-rate window before
/// `now`.
fn load_range(slo: &Slo, window: Window, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let longest = slo
        .burn_rules
        .iter()
        .map(|r| i64::from(r.long_minutes))
        .max()
        .unwrap_or(0);
    let from = window.start.min(now - Duration::minutes(longest));
    let to = window
        .end
        .max(window::slice_start(now) + Duration::seconds(window::SLICE_SECONDS));
    (from, to)
}

/// Evaluates an SLO over `window` at `now` from its slices.
pub fn evaluate_slo(
    slo: &Slo,
    slices: &[SloSlice],
    window: Window,
    now: DateTime<Utc>,
) -> Evaluation {
    evaluate::evaluate(
        &counts(slo, slices),
        window,
        slo.target(),
        &slo.burn_rules,
        now,
    )
}

/// Latency quantiles over `window`, merged from the slices' sketches.
pub fn quantiles(slices: &[SloSlice], window: Window) -> Option<Quantiles> {
    let mut merged = DdSketch::new();
    for s in slices.iter().filter(|s| window.contains(s.start)) {
        if let Some(sk) = &s.sketch {
            merged.merge(sk);
        }
    }
    Some(Quantiles {
        p50: merged.quantile(0.5)?,
        p95: merged.quantile(0.95)?,
        p99: merged.quantile(0.99)?,
    })
}

/// Good and total per UTC day over `window`, with the budget left at each day's end.
fn daily(slo: &Slo, slices: &[SloSlice], window: Window) -> Vec<DailyPoint> {
    let mut days: BTreeMap<DateTime<Utc>, (u64, u64)> = BTreeMap::new();
    for s in counts(slo, slices)
        .iter()
        .filter(|s| window.contains(s.start))
    {
        let day = s
            .start
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        let e = days.entry(day).or_default();
        e.0 += s.good;
        e.1 += s.total;
    }
    let allowed = 1.0 - slo.target();
    let (mut good, mut total) = (0u64, 0u64);
    days.into_iter()
        .map(|(day, (g, t))| {
            good += g;
            total += t;
            let budget = total as f64 * allowed;
            let budget_remaining =
                (total > 0 && budget > 0.0).then(|| 1.0 - (total - good) as f64 / budget);
            DailyPoint {
                day,
                good: g,
                total: t,
                budget_remaining,
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::governance::Party;
    use crate::platform::model::TenantId;

    /// An SLO of `metric` (latency: 300 ms threshold), 99 % over a rolling 30 days.
    pub(crate) fn slo(metric: SloMetric) -> Slo {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Slo {
            id: SloId::new(),
            tenant_id: TenantId::new(),
            service_id: ServiceId::new(),
            name: format!("{metric}"),
            description: String::new(),
            metric,
            target_percent: 99.0,
            threshold_ms: (metric == SloMetric::Latency).then_some(300.0),
            window: WindowKind::Rolling30d,
            exclusions: vec![],
            burn_rules: evaluate::default_burn_rules(),
            escalation_minutes: vec![],
            credits: None,
            source: None,
            pull: None,
            version: 1,
            created_at: at,
            created_by: Party {
                id: "cli".into(),
                name: "cli".into(),
            },
            updated_at: at,
            judged_until: None,
        }
    }

    fn m(slo: SloId, at: DateTime<Utc>) -> MeasurementInput {
        MeasurementInput {
            slo_id: slo,
            at,
            good: None,
            total: None,
            value_ms: None,
            values_ms: None,
        }
    }

    /// Measurements of one slice add up whatever their order in the batch; slices come out
    /// sorted by SLO and start; bad ones are reported by index and counted nowhere.
    #[test]
    fn aggregate_builds_sorted_slices_and_reports_bad_measurements_by_index() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        let a = slo(SloMetric::AvailabilityRequests);
        let l = slo(SloMetric::Latency);
        let slos: HashMap<SloId, Slo> = [(a.id, a.clone()), (l.id, l.clone())].into();
        let t = |minutes: i64| now - Duration::minutes(minutes);
        let counts = |at, good, total| MeasurementInput {
            good: Some(good),
            total: Some(total),
            ..m(a.id, at)
        };
        let batch = vec![
            counts(t(1), 9, 10),
            MeasurementInput {
                values_ms: Some(vec![100.0, 900.0]),
                ..m(l.id, t(2))
            },
            counts(t(61), 5, 5),
            counts(t(3), 10, 10),
            counts(t(1), 11, 10),
            MeasurementInput {
                value_ms: Some(250.0),
                ..m(l.id, t(4))
            },
            counts(now + Duration::hours(1), 1, 1),
            m(SloId::new(), t(1)),
            MeasurementInput {
                good: Some(4),
                total: Some(5),
                ..m(l.id, t(30))
            },
        ];
        let out = aggregate(&slos, &batch, now);
        let bad: Vec<(usize, Option<&str>)> = out
            .errors
            .iter()
            .map(|e| (e.index, e.field.as_deref()))
            .collect();
        assert_eq!(
            bad,
            vec![(4, Some("good")), (6, Some("at")), (7, Some("slo_id"))]
        );
        assert_eq!(out.per_slo.get(&a.id), Some(&3));
        assert_eq!(out.per_slo.get(&l.id), Some(&3));
        type Row = (SloId, DateTime<Utc>, u64, u64, Option<u64>);
        let got: Vec<Row> = out
            .slices
            .iter()
            .map(|s| {
                (
                    s.slo_id,
                    s.start,
                    s.good,
                    s.total,
                    s.sketch.as_ref().map(DdSketch::count),
                )
            })
            .collect();
        let start = window::slice_start;
        let mut want = vec![
            (a.id, start(t(61)), 5, 5, None),
            (a.id, start(t(1)), 19, 20, None),
            (l.id, start(t(30)), 4, 5, None),
            (l.id, start(t(2)), 2, 3, Some(3)),
        ];
        // The SLO with the smaller id comes first.
        if l.id < a.id {
            want.rotate_left(2);
        }
        assert_eq!(got, want);
    }
}
