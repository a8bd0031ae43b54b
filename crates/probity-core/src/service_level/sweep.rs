//! The periodic service-level sweep, for every tenant's SLOs:
//!
//! 1. evaluates the current window and opens a `burn_rate` violation when a rule starts
//!    firing, ending it when the rule stops (one open violation per rule);
//! 2. escalates each open, unacknowledged violation through the notification channels when
//!    its next delay (e.g. 5, 15, 60 minutes after it started) has passed;
//! 3. judges every complete period once (calendar quarters for quarterly SLOs, calendar
//!    months otherwise): a period below target raises a `window_missed` violation and, for an
//!    SLA, the credit schedule's quote becomes a service credit (approved at once, or pending
//!    an approver when the schedule says so).
//!
//! Each step is an audit event; the sweep is idempotent (a period's credit is unique in the
//! store, and `judged_until` moves forward only).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::*;
use crate::notify::Severity;
use crate::platform::model::{Tenant, TenantId};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// SLOs evaluated.
    pub slos: usize,
    /// Burn-rate violations opened.
    pub opened: usize,
    /// Burn-rate violations ended.
    pub ended: usize,
    /// Escalation notices sent.
    pub escalated: usize,
    /// Periods judged.
    pub judged: usize,
    /// Periods below target.
    pub missed: usize,
    /// Credits computed.
    pub credits: usize,
}

/// Most periods judged for one SLO in one sweep (a long-idle install catches up over sweeps).
const MAX_PERIODS: usize = 24;

fn notice_severity(s: BurnSeverity) -> Severity {
    match s {
        BurnSeverity::Low => Severity::Low,
        BurnSeverity::Medium => Severity::Medium,
        BurnSeverity::High => Severity::High,
        BurnSeverity::Critical => Severity::Critical,
    }
}

/// The kind of period an SLO is judged over.
pub fn period_kind(slo: &Slo) -> WindowKind {
    match slo.window {
        WindowKind::CalendarQuarter => WindowKind::CalendarQuarter,
        _ => WindowKind::CalendarMonth,
    }
}

impl ServiceLevelService {
    /// Sweeps every tenant's SLOs once (see the module doc). Errors on one SLO are logged and
    /// do not stop the others.
    pub async fn sweep(&self) -> DomainResult<SweepReport> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        let mut tenants: HashMap<TenantId, Option<Tenant>> = HashMap::new();
        for slo in self.store.all_slos().await? {
            let tenant = match tenants.get(&slo.tenant_id) {
                Some(t) => t.clone(),
                None => {
                    let t = self.store.tenant_by_id(slo.tenant_id).await?;
                    tenants.insert(slo.tenant_id, t.clone());
                    t
                }
            };
            let Some(tenant) = tenant else { continue };
            let who = Principal::system(tenant, "slo-monitor");
            report.slos += 1;
            if let Err(e) = self.sweep_one(&who, &slo, now, &mut report).await {
                tracing::warn!(error = %e, slo = %slo.id, "SLO sweep failed");
            }
        }
        Ok(report)
    }

    /// Sweeps one tenant's SLOs now (owners and admins; tests and the CLI). Unlike
    /// [`ServiceLevelService::sweep`], the first failure stops it.
    pub async fn sweep_tenant(&self, who: &Principal) -> DomainResult<SweepReport> {
        who.require(Permission::ManageTenant)?;
        let now = self.clock.now();
        let mut report = SweepReport::default();
        for slo in self.store.list_slos(who.tenant.id).await? {
            report.slos += 1;
            self.sweep_one(who, &slo, now, &mut report).await?;
        }
        Ok(report)
    }

    async fn sweep_one(
        &self,
        who: &Principal,
        slo: &Slo,
        now: DateTime<Utc>,
        report: &mut SweepReport,
    ) -> DomainResult<()> {
        let window = slo.window.current(now);
        let slices = self.load(slo, window, now).await?;
        let e = evaluate_slo(slo, &slices, window, now);
        let open = self
            .store
            .list_slo_violations(who.tenant.id, Some(slo.id), true)
            .await?;
        let firing_burns = |rule: &BurnRule| {
            open.iter().find(|v| {
                v.kind == ViolationKind::BurnRate
                    && v.ended_at.is_none()
                    && v.rule.as_ref() == Some(rule)
            })
        };
        for br in &e.burn_rates {
            match (br.firing, firing_burns(&br.rule)) {
                (true, None) => {
                    self.open_burn(who, slo, br, now).await?;
                    report.opened += 1;
                }
                (false, Some(v)) => {
                    self.end(
                        who,
                        v.clone(),
                        now,
                        "the burn rate fell below the rule's factor",
                    )
                    .await?;
                    report.ended += 1;
                }
                _ => {}
            }
        }
        // Rules dropped by a newer version end their violations.
        for v in open.iter().filter(|v| {
            v.kind == ViolationKind::BurnRate
                && v.ended_at.is_none()
                && v.rule.as_ref().is_some_and(|r| !slo.burn_rules.contains(r))
        }) {
            self.end(who, v.clone(), now, "the rule was removed from the SLO")
                .await?;
            report.ended += 1;
        }
        // Read again: the steps above may have ended some.
        let open = self
            .store
            .list_slo_violations(who.tenant.id, Some(slo.id), true)
            .await?;
        for v in open
            .into_iter()
            .filter(|v| v.ended_at.is_none() && v.acknowledged_at.is_none())
        {
            if self.escalate(who, slo, v, now).await? {
                report.escalated += 1;
            }
        }
        self.judge(who, slo, now, report).await
    }

    async fn open_burn(
        &self,
        who: &Principal,
        slo: &Slo,
        br: &BurnRate,
        now: DateTime<Utc>,
    ) -> DomainResult<()> {
        let rate = br.long_rate.unwrap_or(0.0);
        let summary = format!(
            "{}: error budget burning at {rate:.1}× (rule {}× over {} and {})",
            slo.name,
            br.rule.factor,
            evaluate::duration_label(br.rule.long_minutes),
            evaluate::duration_label(br.rule.short_minutes)
        );
        let v = SloViolation {
            id: SloViolationId::new(),
            tenant_id: who.tenant.id,
            slo_id: slo.id,
            slo_version: slo.version,
            kind: ViolationKind::BurnRate,
            severity: br.rule.severity,
            rule: Some(br.rule.clone()),
            window: None,
            summary: summary.clone(),
            started_at: now,
            ended_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            escalation_level: 0,
            measured: rate,
        };
        let event = self.event(
            who,
            "slo.violation.opened",
            ("slo_violation", v.id.to_string()),
            json!({
                "slo_id": slo.id, "slo_version": slo.version, "kind": v.kind,
                "severity": v.severity, "rule": v.rule, "long_rate": br.long_rate,
                "short_rate": br.short_rate,
            }),
        );
        self.store.insert_slo_violation(&v, &event).await?;
        self.raise(
            who,
            Notice {
                kind: "slo.burn_rate".into(),
                severity: notice_severity(v.severity),
                title: summary,
                body: format!(
                    "Long window burn rate {rate:.2}, short window {:.2}. Acknowledge it to stop escalation.",
                    br.short_rate.unwrap_or(0.0)
                ),
                link: None,
                dedup_key: Some(format!("slo-violation:{}", v.id)),
            },
            &format!("/service-levels/{}", slo.id),
        )
        .await;
        Ok(())
    }

    async fn end(
        &self,
        who: &Principal,
        mut v: SloViolation,
        now: DateTime<Utc>,
        why: &str,
    ) -> DomainResult<()> {
        v.ended_at = Some(now);
        let event = self.event(
            who,
            "slo.violation.ended",
            ("slo_violation", v.id.to_string()),
            json!({"slo_id": v.slo_id, "why": why}),
        );
        self.store.update_slo_violation(&v, &event).await?;
        Ok(())
    }

    /// Sends the next escalation notice when its delay has passed; true when it did.
    async fn escalate(
        &self,
        who: &Principal,
        slo: &Slo,
        mut v: SloViolation,
        now: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let Some(delay) = usize::try_from(v.escalation_level)
            .ok()
            .and_then(|l| slo.escalation_minutes.get(l))
        else {
            return Ok(false);
        };
        if now < v.started_at + Duration::minutes(i64::from(*delay)) {
            return Ok(false);
        }
        v.escalation_level = v.escalation_level.saturating_add(1);
        let event = self.event(
            who,
            "slo.violation.escalated",
            ("slo_violation", v.id.to_string()),
            json!({"slo_id": v.slo_id, "level": v.escalation_level, "after_minutes": delay}),
        );
        self.store.update_slo_violation(&v, &event).await?;
        self.raise(
            who,
            Notice {
                kind: "slo.escalated".into(),
                severity: notice_severity(v.severity.max(BurnSeverity::High)),
                title: format!(
                    "Escalation level {}: {} (unacknowledged for {} min)",
                    v.escalation_level, v.summary, delay
                ),
                body: "Nobody has acknowledged this violation yet.".into(),
                link: None,
                dedup_key: Some(format!("slo-violation:{}:{}", v.id, v.escalation_level)),
            },
            &format!("/service-levels/{}", slo.id),
        )
        .await;
        Ok(true)
    }

    /// Judges every complete period not judged yet.
    async fn judge(
        &self,
        who: &Principal,
        slo: &Slo,
        now: DateTime<Utc>,
        report: &mut SweepReport,
    ) -> DomainResult<()> {
        let kind = period_kind(slo);
        let last = kind.previous(now);
        let from = slo
            .judged_until
            .unwrap_or_else(|| now - Duration::days(MAX_LATE_DAYS));
        let mut period = kind.current(from);
        if slo.judged_until.is_some_and(|j| j >= last.end) {
            return Ok(());
        }
        let mut judged = None;
        for _ in 0..MAX_PERIODS {
            if period.end > last.end {
                break;
            }
            self.judge_period(who, slo, period, report).await?;
            judged = Some(period.end);
            period = kind.current(period.end);
        }
        if let Some(until) = judged {
            self.store
                .set_slo_progress(who.tenant.id, slo.id, Some(until), None)
                .await?;
        }
        Ok(())
    }

    async fn judge_period(
        &self,
        who: &Principal,
        slo: &Slo,
        period: Window,
        report: &mut SweepReport,
    ) -> DomainResult<()> {
        let slices = self
            .store
            .slices(who.tenant.id, slo.id, period.start, period.end)
            .await?;
        let e = evaluate::evaluate(&counts(slo, &slices), period, slo.target(), &[], period.end);
        let Some(sli) = e.sli else { return Ok(()) };
        report.judged += 1;
        let compliance = sli * 100.0;
        if e.met == Some(false) {
            report.missed += 1;
            let summary = format!(
                "{}: {compliance:.3} % from {} to {}, below the {} % target",
                slo.name,
                period.start.format("%Y-%m-%d"),
                period.end.format("%Y-%m-%d"),
                slo.target_percent
            );
            let v = SloViolation {
                id: SloViolationId::new(),
                tenant_id: who.tenant.id,
                slo_id: slo.id,
                slo_version: slo.version,
                kind: ViolationKind::WindowMissed,
                severity: BurnSeverity::High,
                rule: None,
                window: Some(period),
                summary: summary.clone(),
                started_at: period.end,
                ended_at: Some(period.end),
                acknowledged_at: None,
                acknowledged_by: None,
                escalation_level: 0,
                measured: compliance,
            };
            let event = self.event(
                who,
                "slo.violation.opened",
                ("slo_violation", v.id.to_string()),
                json!({
                    "slo_id": slo.id, "slo_version": slo.version, "kind": v.kind,
                    "window": period, "compliance_percent": compliance,
                    "good": e.good, "total": e.total,
                }),
            );
            self.store.insert_slo_violation(&v, &event).await?;
            self.raise(
                who,
                Notice {
                    kind: "sla.violated".into(),
                    severity: Severity::High,
                    title: summary,
                    body: format!("{} good of {} events.", e.good, e.total),
                    link: None,
                    dedup_key: Some(format!("slo-window:{}:{}", slo.id, period.start)),
                },
                &format!("/service-levels/{}", slo.id),
            )
            .await;
        }
        let Some(schedule) = &slo.credits else {
            return Ok(());
        };
        // The fee of the judged period: three months for a quarter.
        let months = if period_kind(slo) == WindowKind::CalendarQuarter {
            3
        } else {
            1
        };
        let quote = schedule.credit_for_period(compliance, months);
        if quote.tier.is_none() || quote.below_minimum || quote.amount <= 0.0 {
            return Ok(());
        }
        let c = ServiceCredit {
            id: ServiceCreditId::new(),
            tenant_id: who.tenant.id,
            slo_id: slo.id,
            slo_version: slo.version,
            window: period,
            compliance_percent: compliance,
            quote: quote.clone(),
            currency: schedule.currency.clone(),
            status: if schedule.requires_approval {
                CreditStatus::PendingApproval
            } else {
                CreditStatus::Approved
            },
            claim_deadline: period.end + Duration::days(i64::from(schedule.claim_window_days)),
            created_at: self.clock.now(),
            decided_by: None,
            decided_at: None,
            decision_note: None,
        };
        let event = self.event(
            who,
            "service_credit.computed",
            ("service_credit", c.id.to_string()),
            json!({
                "slo_id": slo.id, "slo_version": slo.version, "window": period,
                "compliance_percent": compliance, "credit_percent": quote.credit_percent,
                "amount": quote.amount, "currency": c.currency, "capped": quote.capped,
                "status": c.status,
            }),
        );
        match self.store.insert_credit(&c, &event).await {
            Ok(()) => {
                report.credits += 1;
                self.raise(
                    who,
                    Notice {
                        kind: "sla.credit".into(),
                        severity: Severity::Medium,
                        title: format!(
                            "{}: service credit {:.2} {} ({} %) for {}",
                            slo.name,
                            quote.amount,
                            c.currency,
                            quote.credit_percent,
                            period.start.format("%Y-%m")
                        ),
                        body: format!("Status: {}.", c.status),
                        link: None,
                        dedup_key: Some(format!("sla-credit:{}", c.id)),
                    },
                    "/service-levels",
                )
                .await;
                Ok(())
            }
            Err(crate::store::StoreError::Duplicate(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
