//! The service-level pages: the board of every SLO grouped by service (SLI over the current
//! window, error budget left as a bar, status, firing burn-rate rules) with the open
//! violations and the service credits; one SLO with its window, stat cards, daily charts of
//! the budget and compliance (SVG drawn in Rust), burn rates, maintenance windows, credit
//! schedule and violations; the forms that acknowledge a violation (contributors and above)
//! and approve or reject a credit (approvers); and the dashboard's SLA widget.
//!
//! The forms carry the session's CSRF token; the service checks the role again, so a form
//! posted by a role that is not shown it is refused.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use probity_core::DomainError;
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::service_level::{
    BurnRate, CreditDecision, CreditStatus, Evaluation, Exclusion, ServiceCredit, ServiceCreditId,
    Slo, SloId, SloMetric, SloStatus, SloViolation, SloViolationId, ViolationKind, Window,
};
use serde::Deserialize;

use super::charts::{ChartSize, Level, budget_bar, budget_chart, percent, target_bars};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// Budget left below which a met SLO shows as at risk.
const AT_RISK: f64 = 0.25;
/// SLOs the dashboard widget names.
const WIDGET_ROWS: usize = 5;

fn refused(who: &SignedIn) -> Option<Response> {
    if role_allows(who.principal.role, Permission::Read) && !who.principal.mfa_enrolment_required {
        None
    } else {
        Some(error_page(&DomainError::Forbidden(
            "your role may not see service levels".into(),
        )))
    }
}

/// Where an SLO stands in its current window: `met`, `at_risk` (met, with under a quarter
/// of the budget left), `missed` or `no_data`.
pub fn slo_state(e: &Evaluation) -> &'static str {
    match (e.met, e.budget_remaining) {
        (None, _) => "no_data",
        (Some(false), _) => "missed",
        (Some(true), Some(b)) if b < AT_RISK => "at_risk",
        (Some(true), _) => "met",
    }
}

/// A state as people read it.
fn state_label(state: &str) -> &'static str {
    match state {
        "met" => "met",
        "at_risk" => "at risk",
        "missed" => "missed",
        "pending_approval" => "pending approval",
        "approved" => "approved",
        "rejected" => "rejected",
        _ => "no data",
    }
}

/// What an SLO measures, in words.
fn metric_label(slo: &Slo) -> String {
    match slo.metric {
        SloMetric::AvailabilityMinutes => "availability (minutes)".to_owned(),
        SloMetric::AvailabilityRequests => "availability (requests)".to_owned(),
        SloMetric::Latency => match slo.threshold_ms {
            Some(t) => format!("latency ≤ {} ms", number(t, 1)),
            None => "latency".to_owned(),
        },
        SloMetric::ErrorRate => "error rate".to_owned(),
        SloMetric::Custom => "custom ratio".to_owned(),
    }
}

/// `value` with at most `decimals` decimals, trailing zeros dropped.
fn number(value: f64, decimals: usize) -> String {
    percent(value, decimals).trim_end_matches(" %").to_owned()
}

/// A count with thousands separators.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A quantity that may be fractional: grouped whole numbers from 100 up, one decimal below.
fn quantity(v: f64) -> String {
    if v.is_finite() && v >= 100.0 && v < u64::MAX as f64 {
        count(v.round() as u64)
    } else {
        number(v, 1)
    }
}

/// An amount of money: two decimals, thousands separated.
fn money(amount: f64, currency: &str) -> String {
    if !amount.is_finite() {
        return format!("– {currency}");
    }
    let cents = (amount.abs() * 100.0).round();
    // Amounts are bounded by the credit schedule's fee; saturate rather than wrap.
    let cents = if cents >= u64::MAX as f64 {
        u64::MAX
    } else {
        cents as u64
    };
    let sign = if amount < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}{}.{:02} {currency}", count(cents / 100), cents % 100)
}

/// A burn rate: `0.42×`, or a dash when its window holds no events.
fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{}×", number(r, 2)))
}

fn at_midnight(at: DateTime<Utc>) -> bool {
    at.time() == NaiveTime::MIN
}

/// A window for people: whole days as `2026-03-01 – 2026-03-31` (the end day included),
/// otherwise both instants to the minute.
fn window_label(w: &Window) -> String {
    if at_midnight(w.start) && at_midnight(w.end) {
        let last = w.end - Duration::days(1);
        format!(
            "{} – {}",
            w.start.format("%Y-%m-%d"),
            last.max(w.start).format("%Y-%m-%d")
        )
    } else {
        format!(
            "{} – {} UTC",
            w.start.format("%Y-%m-%d %H:%M"),
            w.end.format("%Y-%m-%d %H:%M")
        )
    }
}

/// The SLI as a percent with three decimals, or `no data`.
fn sli_label(e: &Evaluation) -> String {
    e.sli
        .map_or_else(|| "no data".to_owned(), |s| format!("{:.3} %", s * 100.0))
}

/// The budget left as a percent with one decimal, or a dash.
fn budget_label(e: &Evaluation) -> String {
    e.budget_remaining
        .map_or_else(|| "–".to_owned(), |b| percent(b * 100.0, 1))
}

fn budget_svg(e: &Evaluation) -> String {
    let summary = match e.budget_remaining {
        Some(b) if b < 0.0 => format!("Error budget overspent: {} left", percent(b * 100.0, 1)),
        Some(b) => format!("Error budget: {} left", percent(b * 100.0, 1)),
        None => "Error budget: no data".to_owned(),
    };
    budget_bar(e.budget_remaining, &summary)
}

/// A firing burn-rate rule, in words.
fn rule_label(b: &BurnRate) -> String {
    format!(
        "{}× over {} and {}",
        number(b.rule.factor, 2),
        probity_core::service_level::evaluate::duration_label(b.rule.long_minutes),
        probity_core::service_level::evaluate::duration_label(b.rule.short_minutes)
    )
}

/// One SLO on the board.
#[derive(Debug, Clone)]
pub struct SloRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether it owes credits.
    pub sla: bool,
    /// What it measures.
    pub metric: String,
    /// Target.
    pub target: String,
    /// The window's kind.
    pub window: &'static str,
    /// The current window's dates.
    pub window_dates: String,
    /// SLI so far.
    pub sli: String,
    /// Budget left.
    pub budget: String,
    /// Budget bar.
    pub budget_svg: String,
    /// `met`, `at_risk`, `missed`, `no_data`.
    pub state: &'static str,
    /// The state in words.
    pub state_label: &'static str,
    /// Firing rules: severity and the rule in words.
    pub firing: Vec<(&'static str, String)>,
}

/// A service and its SLOs on the board.
#[derive(Debug, Clone)]
pub struct ServiceGroup {
    /// Name.
    pub name: String,
    /// Key.
    pub key: String,
    /// Who provides it and for whom.
    pub owed: String,
    /// Its SLOs.
    pub rows: Vec<SloRow>,
}

/// A violation in a table.
#[derive(Debug, Clone)]
pub struct ViolationRow {
    /// Id.
    pub id: String,
    /// The SLO's id.
    pub slo_id: String,
    /// The SLO's name.
    pub slo: String,
    /// Kind in words.
    pub kind: &'static str,
    /// Severity.
    pub severity: &'static str,
    /// One line.
    pub summary: String,
    /// When it started.
    pub started: String,
    /// When it ended (empty while open).
    pub ended: String,
    /// Escalation reached, e.g. `level 1 of 3`.
    pub escalation: String,
    /// Who acknowledged it and when (empty while not).
    pub acknowledged: String,
    /// Whether it can still be acknowledged.
    pub acknowledgeable: bool,
}

/// A service credit in a table.
#[derive(Debug, Clone)]
pub struct CreditRow {
    /// Id.
    pub id: String,
    /// The SLA's id.
    pub slo_id: String,
    /// The SLA's name.
    pub slo: String,
    /// The window it is for.
    pub period: String,
    /// Compliance over the window.
    pub compliance: String,
    /// Credit percent (and whether capped).
    pub credit_percent: String,
    /// Amount and currency.
    pub amount: String,
    /// Status wire name.
    pub status: &'static str,
    /// Status in words.
    pub status_label: &'static str,
    /// Last day to claim.
    pub claim_deadline: String,
    /// Who decided, when, and why (empty while pending).
    pub decided: String,
    /// Whether it waits for a decision.
    pub pending: bool,
}

fn violation_row(v: &SloViolation, slos: &HashMap<SloId, &Slo>) -> ViolationRow {
    let slo = slos.get(&v.slo_id);
    let steps = slo.map_or(0, |s| s.escalation_minutes.len());
    ViolationRow {
        id: v.id.to_string(),
        slo_id: v.slo_id.to_string(),
        slo: slo.map_or_else(|| v.slo_id.to_string(), |s| s.name.clone()),
        kind: match v.kind {
            ViolationKind::BurnRate => "burn rate",
            ViolationKind::WindowMissed => "window missed",
        },
        severity: v.severity.as_str(),
        summary: v.summary.clone(),
        started: show_time(v.started_at),
        ended: v.ended_at.map(show_time).unwrap_or_default(),
        escalation: match (v.escalation_level, steps) {
            (0, _) => "not escalated".to_owned(),
            (level, 0) => format!("level {level}"),
            (level, steps) => format!("level {level} of {steps}"),
        },
        acknowledged: match (&v.acknowledged_by, v.acknowledged_at) {
            (Some(by), Some(at)) => format!("{}, {}", by.name, show_time(at)),
            (None, Some(at)) => show_time(at),
            _ => String::new(),
        },
        acknowledgeable: v.acknowledged_at.is_none(),
    }
}

fn credit_row(c: &ServiceCredit, slos: &HashMap<SloId, &Slo>) -> CreditRow {
    let decided = match (&c.decided_by, c.decided_at) {
        (Some(by), Some(at)) => {
            let mut text = format!("{}, {}", by.name, at.format("%Y-%m-%d"));
            if let Some(note) = c.decision_note.as_deref().filter(|n| !n.is_empty()) {
                text.push_str(": ");
                text.push_str(note);
            }
            text
        }
        _ => String::new(),
    };
    CreditRow {
        id: c.id.to_string(),
        slo_id: c.slo_id.to_string(),
        slo: slos
            .get(&c.slo_id)
            .map_or_else(|| c.slo_id.to_string(), |s| s.name.clone()),
        period: window_label(&c.window),
        compliance: format!("{:.3} %", c.compliance_percent),
        credit_percent: if c.quote.capped {
            format!("{} (capped)", percent(c.quote.credit_percent, 2))
        } else {
            percent(c.quote.credit_percent, 2)
        },
        amount: if c.quote.below_minimum {
            format!("{} (below the minimum)", money(c.quote.amount, &c.currency))
        } else {
            money(c.quote.amount, &c.currency)
        },
        status: c.status.as_str(),
        status_label: state_label(c.status.as_str()),
        claim_deadline: c.claim_deadline.format("%Y-%m-%d").to_string(),
        decided,
        pending: c.status == CreditStatus::PendingApproval,
    }
}

fn slo_row(slo: &Slo, e: &Evaluation) -> SloRow {
    let state = slo_state(e);
    SloRow {
        id: slo.id.to_string(),
        name: slo.name.clone(),
        sla: slo.is_sla(),
        metric: metric_label(slo),
        target: percent(slo.target_percent, 3),
        window: slo.window.label(),
        window_dates: window_label(&e.window),
        sli: sli_label(e),
        budget: budget_label(e),
        budget_svg: budget_svg(e),
        state,
        state_label: state_label(state),
        firing: e
            .burn_rates
            .iter()
            .filter(|b| b.firing)
            .map(|b| (b.rule.severity.as_str(), rule_label(b)))
            .collect(),
    }
}

/// What a form did, from the redirect's `done`.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_message(q: &DoneQuery) -> &'static str {
    match q.done.as_deref() {
        Some("acknowledged") => "Violation acknowledged: its escalation stops.",
        Some("approved") => "Credit approved.",
        Some("rejected") => "Credit rejected.",
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "service_levels.html")]
struct BoardPage {
    shell: Shell,
    groups: Vec<ServiceGroup>,
    slo_count: usize,
    met: usize,
    violations: Vec<ViolationRow>,
    credits: Vec<CreditRow>,
    can_write: bool,
    can_approve: bool,
    done: &'static str,
}

/// `GET /service-levels`: the board.
pub async fn board(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<DoneQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let sl = state.service_levels();
    let p = &who.principal;
    let loaded = async {
        Ok::<_, DomainError>((
            sl.services(p).await?,
            sl.statuses(p).await?,
            sl.violations(p, None, true).await?,
            sl.credits(p).await?,
        ))
    };
    let (mut services, statuses, violations, credits) = match loaded.await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let slos: HashMap<SloId, &Slo> = statuses.iter().map(|(s, _)| (s.id, s)).collect();
    let groups = services
        .iter()
        .map(|s| ServiceGroup {
            name: s.name.clone(),
            key: s.key.clone(),
            owed: if s.customer == "internal" {
                format!("{}, internal", s.provider)
            } else {
                format!("{} for {}", s.provider, s.customer)
            },
            rows: statuses
                .iter()
                .filter(|(slo, _)| slo.service_id == s.id)
                .map(|(slo, e)| slo_row(slo, e))
                .collect(),
        })
        .collect();
    render(
        StatusCode::OK,
        &BoardPage {
            shell: who.shell(Some(Section::ServiceLevels), "Service levels"),
            groups,
            slo_count: statuses.len(),
            met: statuses.iter().filter(|(_, e)| e.met == Some(true)).count(),
            violations: violations.iter().map(|v| violation_row(v, &slos)).collect(),
            credits: credits.iter().map(|c| credit_row(c, &slos)).collect(),
            can_write: role_allows(p.role, Permission::Write),
            can_approve: role_allows(p.role, Permission::Approve),
            done: done_message(&q),
        },
    )
}

/// One burn-rate rule on the SLO page.
#[derive(Debug, Clone)]
pub struct BurnRow {
    /// Factor, e.g. `14.4×`.
    pub factor: String,
    /// Long window.
    pub long: String,
    /// Short window.
    pub short: String,
    /// Severity.
    pub severity: &'static str,
    /// Rate over the long window.
    pub long_rate: String,
    /// Rate over the short window.
    pub short_rate: String,
    /// Whether it fires.
    pub firing: bool,
}

/// A maintenance window on the SLO page.
#[derive(Debug, Clone)]
pub struct ExclusionRow {
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// Why.
    pub reason: String,
}

/// One band of a credit schedule.
#[derive(Debug, Clone)]
pub struct TierRow {
    /// The compliance band in words.
    pub band: String,
    /// Credit.
    pub credit: String,
}

/// An SLA's credit terms.
#[derive(Debug, Clone)]
pub struct ScheduleView {
    /// Bands, highest compliance first.
    pub tiers: Vec<TierRow>,
    /// Fee per window.
    pub fee: String,
    /// Cap.
    pub cap: String,
    /// Minimum amount issued.
    pub minimum: String,
    /// Claim window.
    pub claim_days: u32,
    /// Whether credits wait for an approver.
    pub requires_approval: bool,
}

/// Latency quantiles, shown.
#[derive(Debug, Clone)]
pub struct QuantilesView {
    /// Median.
    pub p50: String,
    /// 95th percentile.
    pub p95: String,
    /// 99th percentile.
    pub p99: String,
}

#[derive(Template)]
#[template(path = "service_level.html")]
struct SloPage {
    shell: Shell,
    status: SloStatus,
    row: SloRow,
    good: String,
    total: String,
    bad: String,
    budget_allowed: String,
    quantiles: Option<QuantilesView>,
    is_latency: bool,
    budget_chart: String,
    daily_chart: String,
    days: usize,
    firing: usize,
    burn: Vec<BurnRow>,
    exclusions: Vec<ExclusionRow>,
    schedule: Option<ScheduleView>,
    violations: Vec<ViolationRow>,
    credits: Vec<CreditRow>,
    escalation: String,
    can_write: bool,
    can_approve: bool,
    done: &'static str,
}

fn exclusion_row(e: &Exclusion) -> ExclusionRow {
    ExclusionRow {
        start: show_time(e.start),
        end: show_time(e.end),
        reason: e.reason.clone(),
    }
}

fn schedule_view(slo: &Slo) -> Option<ScheduleView> {
    let c = slo.credits.as_ref()?;
    let mut tiers = c.tiers.clone();
    tiers.sort_by(|a, b| b.upper.total_cmp(&a.upper));
    Some(ScheduleView {
        tiers: tiers
            .iter()
            .map(|t| TierRow {
                band: format!(
                    "from {} to below {}",
                    percent(t.lower, 3),
                    percent(t.upper, 3)
                ),
                credit: format!("{} of the fee", percent(t.credit_percent, 2)),
            })
            .collect(),
        fee: money(c.monthly_fee, &c.currency),
        cap: percent(c.cap_percent, 2),
        minimum: money(c.minimum_amount, &c.currency),
        claim_days: c.claim_window_days,
        requires_approval: c.requires_approval,
    })
}

/// The daily charts: the budget left at each day's end, and each day's compliance against
/// the target.
fn daily_charts(status: &SloStatus) -> (String, String) {
    let days = &status.daily;
    let step = days.len().div_ceil(6).max(1);
    let label = |i: usize, day: DateTime<Utc>| {
        // Counted from the last day, which is always labelled.
        if days.len().saturating_sub(i + 1).is_multiple_of(step) {
            day.format("%d %b").to_string()
        } else {
            String::new()
        }
    };
    let budget: Vec<Level> = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let value = d.budget_remaining.map(|b| b * 100.0);
            Level {
                label: label(i, d.day),
                value,
                title: format!(
                    "{}: {} of the error budget left",
                    d.day.format("%Y-%m-%d"),
                    value.map_or_else(|| "no data".to_owned(), |v| percent(v, 1))
                ),
            }
        })
        .collect();
    let compliance: Vec<Level> = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let value = (d.total > 0).then(|| d.good as f64 / d.total as f64 * 100.0);
            Level {
                label: label(i, d.day),
                value,
                title: format!(
                    "{}: {} good of {}{}",
                    d.day.format("%Y-%m-%d"),
                    count(d.good),
                    count(d.total),
                    value.map_or_else(String::new, |v| format!(" ({:.3} %)", v))
                ),
            }
        })
        .collect();
    // 640 units wide keeps the labels legible on a phone; wide screens draw it taller.
    let size = ChartSize {
        width: 640,
        height: 200,
    };
    let name = &status.slo.name;
    let below = compliance
        .iter()
        .filter(|l| l.value.is_some_and(|v| v < status.slo.target_percent))
        .count();
    (
        budget_chart(
            &budget,
            size,
            &format!(
                "{name}: error budget left at the end of each day of the window, now {}",
                budget_label(&status.evaluation)
            ),
        ),
        target_bars(
            &compliance,
            status.slo.target_percent,
            size,
            &format!(
                "{name}: compliance per day against the target of {}; {below} of {} day(s) below it",
                percent(status.slo.target_percent, 3),
                compliance.len()
            ),
        ),
    )
}

/// `GET /service-levels/{id}`: one SLO.
pub async fn slo(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<SloId>,
    Query(q): Query<DoneQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let sl = state.service_levels();
    let p = &who.principal;
    let loaded = async {
        Ok::<_, DomainError>((
            sl.status(p, id).await?,
            sl.violations(p, Some(id), false).await?,
            sl.credits(p).await?,
        ))
    };
    let (status, violations, credits) = match loaded.await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let slos: HashMap<SloId, &Slo> = HashMap::from([(status.slo.id, &status.slo)]);
    let e = &status.evaluation;
    let (budget_chart, daily_chart) = daily_charts(&status);
    let page = SloPage {
        shell: who.shell(Some(Section::ServiceLevels), &status.slo.name),
        row: slo_row(&status.slo, e),
        good: count(e.good),
        total: count(e.total),
        bad: count(e.total.saturating_sub(e.good)),
        budget_allowed: quantity(e.budget_allowed),
        quantiles: status.quantiles_ms.map(|q| QuantilesView {
            p50: format!("{} ms", number(q.p50, 1)),
            p95: format!("{} ms", number(q.p95, 1)),
            p99: format!("{} ms", number(q.p99, 1)),
        }),
        is_latency: status.slo.metric == SloMetric::Latency,
        budget_chart,
        daily_chart,
        days: status.daily.len(),
        firing: e.burn_rates.iter().filter(|b| b.firing).count(),
        burn: e
            .burn_rates
            .iter()
            .map(|b| BurnRow {
                factor: format!("{}×", number(b.rule.factor, 2)),
                long: probity_core::service_level::evaluate::duration_label(b.rule.long_minutes),
                short: probity_core::service_level::evaluate::duration_label(b.rule.short_minutes),
                severity: b.rule.severity.as_str(),
                long_rate: rate(b.long_rate),
                short_rate: rate(b.short_rate),
                firing: b.firing,
            })
            .collect(),
        exclusions: status.slo.exclusions.iter().map(exclusion_row).collect(),
        schedule: schedule_view(&status.slo),
        violations: violations.iter().map(|v| violation_row(v, &slos)).collect(),
        credits: credits
            .iter()
            .filter(|c| c.slo_id == id)
            .map(|c| credit_row(c, &slos))
            .collect(),
        escalation: status
            .slo
            .escalation_minutes
            .iter()
            .map(|m| probity_core::service_level::evaluate::duration_label(*m))
            .collect::<Vec<_>>()
            .join(", "),
        can_write: role_allows(p.role, Permission::Write),
        can_approve: role_allows(p.role, Permission::Approve),
        done: done_message(&q),
        status,
    };
    render(StatusCode::OK, &page)
}

/// Where a form goes back to: the SLO page when posted from it, the board otherwise.
fn back(from: &str, slo: SloId, done: &str) -> Response {
    if from == "slo" {
        see_other(&format!("/service-levels/{slo}?done={done}"))
    } else {
        see_other(&format!("/service-levels?done={done}"))
    }
}

/// The acknowledge form.
#[derive(Debug, Deserialize)]
pub struct AcknowledgeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
}

/// `POST /service-levels/violations/{id}/acknowledge` (contributors and above).
pub async fn acknowledge(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<SloViolationId>,
    Form(f): Form<AcknowledgeForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.service_levels().acknowledge(&who.principal, id).await {
        Ok(v) => back(&f.from, v.slo_id, "acknowledged"),
        Err(e) => error_page(&e),
    }
}

/// The credit decision form.
#[derive(Debug, Deserialize)]
pub struct CreditDecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    from: String,
}

/// `POST /service-levels/credits/{id}/decision` (approvers): approve, or reject with a note.
pub async fn decide_credit(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ServiceCreditId>,
    Form(f): Form<CreditDecisionForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return error_page(&DomainError::invalid(
                "decision",
                "choose approve or reject",
            ));
        }
    };
    let decision = CreditDecision {
        approve,
        note: Some(f.note).filter(|n| !n.trim().is_empty()),
    };
    match state
        .service_levels()
        .decide_credit(&who.principal, id, &decision)
        .await
    {
        Ok(c) => back(
            &f.from,
            c.slo_id,
            if approve { "approved" } else { "rejected" },
        ),
        Err(e) => error_page(&e),
    }
}

/// An SLO the dashboard names (one not meeting its target, or at risk).
#[derive(Debug, Clone)]
pub struct WidgetRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// State wire name.
    pub state: &'static str,
    /// State in words.
    pub state_label: &'static str,
    /// SLI so far.
    pub sli: String,
}

/// The dashboard's SLA widget.
#[derive(Debug, Clone)]
pub struct SlaWidget {
    /// SLOs (SLAs included).
    pub slos: usize,
    /// Of which SLAs.
    pub slas: usize,
    /// SLOs meeting their target in the current window.
    pub met: usize,
    /// SLOs without data in the current window.
    pub no_data: usize,
    /// Open or unacknowledged violations.
    pub open_violations: usize,
    /// Credits waiting for an approver.
    pub pending_credits: usize,
    /// The SLOs missing their target or at risk, worst first.
    pub attention: Vec<WidgetRow>,
    /// How many more need attention than are named.
    pub more: usize,
}

/// Loads the dashboard's SLA widget.
pub async fn sla_widget(state: &AppState, who: &SignedIn) -> Result<SlaWidget, DomainError> {
    let sl = state.service_levels();
    let p = &who.principal;
    let statuses = sl.statuses(p).await?;
    if statuses.is_empty() {
        return Ok(SlaWidget {
            slos: 0,
            slas: 0,
            met: 0,
            no_data: 0,
            open_violations: 0,
            pending_credits: 0,
            attention: Vec::new(),
            more: 0,
        });
    }
    let open_violations = sl.violations(p, None, true).await?.len();
    let pending_credits = sl
        .credits(p)
        .await?
        .iter()
        .filter(|c| c.status == CreditStatus::PendingApproval)
        .count();
    let mut attention: Vec<(&Slo, &Evaluation)> = statuses
        .iter()
        .filter(|(_, e)| matches!(slo_state(e), "missed" | "at_risk"))
        .map(|(s, e)| (s, e))
        .collect();
    attention.sort_by(|a, b| {
        let budget = |e: &Evaluation| e.budget_remaining.unwrap_or(f64::INFINITY);
        budget(a.1).total_cmp(&budget(b.1))
    });
    let more = attention.len().saturating_sub(WIDGET_ROWS);
    Ok(SlaWidget {
        slos: statuses.len(),
        slas: statuses.iter().filter(|(s, _)| s.is_sla()).count(),
        met: statuses.iter().filter(|(_, e)| e.met == Some(true)).count(),
        no_data: statuses.iter().filter(|(_, e)| e.met.is_none()).count(),
        open_violations,
        pending_credits,
        attention: attention
            .into_iter()
            .take(WIDGET_ROWS)
            .map(|(s, e)| {
                let state = slo_state(e);
                WidgetRow {
                    id: s.id.to_string(),
                    name: s.name.clone(),
                    state,
                    state_label: state_label(state),
                    sli: sli_label(e),
                }
            })
            .collect(),
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn evaluation(met: Option<bool>, budget: Option<f64>) -> Evaluation {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        Evaluation {
            window: Window {
                start: at,
                end: at + Duration::days(31),
            },
            good: 0,
            total: 0,
            sli: None,
            target: 0.999,
            met,
            budget_allowed: 0.0,
            budget_remaining: budget,
            burn_rates: Vec::new(),
        }
    }

    #[test]
    fn states_follow_the_target_and_the_budget_left() {
        assert_eq!(slo_state(&evaluation(None, None)), "no_data");
        assert_eq!(slo_state(&evaluation(Some(false), Some(-0.5))), "missed");
        assert_eq!(slo_state(&evaluation(Some(true), Some(0.1))), "at_risk");
        assert_eq!(slo_state(&evaluation(Some(true), Some(0.25))), "met");
        assert_eq!(slo_state(&evaluation(Some(true), None)), "met");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(12_345_678), "12,345,678");
        assert_eq!(money(1200.0, "EUR"), "1,200.00 EUR");
        assert_eq!(money(0.5, "USD"), "0.50 USD");
        assert_eq!(money(-3.456, "EUR"), "-3.46 EUR");
        assert_eq!(quantity(13_880.7), "13,881");
        assert_eq!(quantity(12.04), "12");
        assert_eq!(quantity(0.36), "0.4");
        assert_eq!(
            probity_core::service_level::evaluate::duration_label(5),
            "5 min"
        );
        assert_eq!(
            probity_core::service_level::evaluate::duration_label(90),
            "90 min"
        );
        assert_eq!(
            probity_core::service_level::evaluate::duration_label(360),
            "6 h"
        );
        assert_eq!(
            probity_core::service_level::evaluate::duration_label(4320),
            "3 d"
        );
        assert_eq!(rate(None), "–");
        assert_eq!(rate(Some(14.4)), "14.4×");
        assert_eq!(rate(Some(0.123)), "0.12×");
    }

    #[test]
    fn windows_show_whole_days_inclusively() {
        let w = evaluation(None, None).window;
        assert_eq!(window_label(&w), "2026-03-01 – 2026-03-31");
        let rolling = Window {
            start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 5, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 3, 3, 9, 5, 0).unwrap(),
        };
        assert_eq!(
            window_label(&rolling),
            "2026-02-01 09:05 – 2026-03-03 09:05 UTC"
        );
    }
}
