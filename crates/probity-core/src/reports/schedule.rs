//! Scheduled reports: a report kind, format and parameters, a cron expression (UTC) and the
//! notification channels to deliver to. Each due occurrence is claimed with a
//! compare-and-swap on the schedule's version, so with several `probity serve` nodes exactly
//! one generates it; the report lands in the history (recorded in the ledger like any other)
//! and the channels receive a notification that names it, with its hashes and a link — the
//! file itself never leaves through a channel, it is fetched by someone allowed to read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    NewReport, ReportFormat, ReportId, ReportKind, ReportParams, ReportScheduleId, ReportService,
    check_params,
};
use crate::audit::AuditRecord;
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::governance::service::{party, short};
use crate::jobs::rules::{next_occurrence, parse_cron};
use crate::notify::model::{ChannelId, DeliveryEvent, Notice, Severity};
use crate::platform::model::TenantId;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

/// Most channels one schedule delivers to.
pub const MAX_CHANNELS: usize = 10;

/// A report made on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportSchedule {
    /// Id.
    pub id: ReportScheduleId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name.
    pub name: String,
    /// What to report on.
    pub kind: ReportKind,
    /// Rendering.
    pub format: ReportFormat,
    /// Parameters of the kind.
    pub params: ReportParams,
    /// Cron expression, UTC (5 fields, or 6 with seconds).
    pub cron: String,
    /// Channels that receive each report.
    pub channel_ids: Vec<ChannelId>,
    /// Whether it runs.
    pub enabled: bool,
    /// The next occurrence.
    pub next_run_at: DateTime<Utc>,
    /// The last run.
    pub last_run_at: Option<DateTime<Utc>>,
    /// The report the last run made.
    pub last_report_id: Option<ReportId>,
    /// Why the last run failed, if it did.
    pub last_error: Option<String>,
    /// Who created it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Bumped on every change (compare-and-swap).
    pub version: u32,
}

/// A new schedule.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportSchedule {
    /// Name.
    pub name: String,
    /// What to report on.
    pub kind: ReportKind,
    /// Rendering (default `pdf`).
    #[serde(default)]
    pub format: Option<ReportFormat>,
    /// Parameters of the kind.
    #[serde(default)]
    pub params: ReportParams,
    /// Cron expression in UTC, e.g. `0 6 1 * *` (06:00 on the first of each month).
    pub cron: String,
    /// Channel ids to deliver to (1 to 10).
    pub channels: Vec<ChannelId>,
}

/// What one pass over due schedules did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScheduleRun {
    /// Occurrences this node claimed.
    pub claimed: usize,
    /// Reports generated and handed to their channels.
    pub delivered: usize,
    /// Occurrences that failed (the error is on the schedule).
    pub failed: usize,
}

impl ReportService {
    /// Adds a schedule (owners and admins: it sends tenant data to channels).
    pub async fn create_schedule(
        &self,
        who: &Principal,
        req: &NewReportSchedule,
    ) -> DomainResult<ReportSchedule> {
        who.require(Permission::ManageTenant)?;
        let name = short("name", &req.name, 200)?;
        check_params(req.kind, &req.params)?;
        let cron = parse_cron("cron", req.cron.trim())?;
        if req.channels.is_empty() || req.channels.len() > MAX_CHANNELS {
            return Err(DomainError::invalid(
                "channels",
                format!("name 1 to {MAX_CHANNELS} channel ids (GET /api/v1/notify/channels)"),
            ));
        }
        let known = self.store.all_channels(who.tenant.id).await?;
        if let Some(missing) = req
            .channels
            .iter()
            .find(|id| !known.iter().any(|c| c.id == **id))
        {
            return Err(DomainError::invalid(
                "channels",
                format!("channel {missing} is not one of this tenant's channels"),
            ));
        }
        let now = self.clock.now();
        let next_run_at = next_occurrence(&cron, now).ok_or_else(|| {
            DomainError::invalid("cron", "this expression never occurs after now")
        })?;
        let mut channel_ids = req.channels.clone();
        channel_ids.dedup();
        let schedule = ReportSchedule {
            id: ReportScheduleId::new(),
            tenant_id: who.tenant.id,
            name,
            kind: req.kind,
            format: req.format.unwrap_or(ReportFormat::Pdf),
            params: req.params.clone(),
            cron: req.cron.trim().to_owned(),
            channel_ids,
            enabled: true,
            next_run_at,
            last_run_at: None,
            last_report_id: None,
            last_error: None,
            created_by: party(who),
            created_at: now,
            version: 1,
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "report.schedule.created",
            &who.actor,
            ("report_schedule", schedule.id.to_string()),
            now,
        )
        .with_details(json!({
            "name": schedule.name, "kind": schedule.kind, "format": schedule.format,
            "params": schedule.params, "cron": schedule.cron, "channel_ids": schedule.channel_ids,
            "next_run_at": schedule.next_run_at,
        }));
        self.store.insert_report_schedule(&schedule, &event).await?;
        Ok(schedule)
    }

    /// The tenant's schedules (any member).
    pub async fn schedules(&self, who: &Principal) -> DomainResult<Vec<ReportSchedule>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_report_schedules(who.tenant.id).await?)
    }

    /// Removes a schedule (owners and admins); reports it made stay in the history.
    pub async fn delete_schedule(&self, who: &Principal, id: ReportScheduleId) -> DomainResult<()> {
        who.require(Permission::ManageTenant)?;
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "report.schedule.deleted",
            &who.actor,
            ("report_schedule", id.to_string()),
            self.clock.now(),
        );
        if self
            .store
            .delete_report_schedule(who.tenant.id, id, &event)
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::NotFound(format!("report schedule {id}")))
        }
    }

    /// Runs a schedule now, outside its cron (owners and admins): generates the report and
    /// delivers it; the next occurrence stays as it was.
    pub async fn run_schedule_now(
        &self,
        who: &Principal,
        id: ReportScheduleId,
    ) -> DomainResult<ReportSchedule> {
        who.require(Permission::ManageTenant)?;
        let schedule = self
            .store
            .report_schedule(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("report schedule {id}")))?;
        let outcome = self.run_one(who, &schedule).await;
        self.record_outcome(schedule, outcome).await
    }

    /// Claims and runs every schedule due now, across tenants (the server's periodic task).
    pub async fn run_due(&self) -> DomainResult<ScheduleRun> {
        let now = self.clock.now();
        let mut run = ScheduleRun::default();
        for schedule in self.store.due_report_schedules(now, 50).await? {
            let Some(claimed) = self.claim(schedule, now).await? else {
                continue;
            };
            run.claimed += 1;
            let Some(tenant) = self.store.tenant_by_id(claimed.tenant_id).await? else {
                continue;
            };
            let who = Principal::system(tenant, "report-scheduler");
            let outcome = self.run_one(&who, &claimed).await;
            if outcome.is_ok() {
                run.delivered += 1;
            } else {
                run.failed += 1;
            }
            if let Err(e) = self.record_outcome(claimed, outcome).await {
                tracing::warn!(error = %e, "report schedule result not recorded");
            }
        }
        Ok(run)
    }

    /// Advances a due schedule to its next occurrence; `None` when another node won it.
    async fn claim(
        &self,
        schedule: ReportSchedule,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<ReportSchedule>> {
        let mut next = schedule;
        let cron = parse_cron("cron", &next.cron)?;
        match next_occurrence(&cron, now) {
            Some(at) => next.next_run_at = at,
            None => next.enabled = false,
        }
        next.version += 1;
        Ok(self
            .store
            .update_report_schedule(&next, None)
            .await?
            .then_some(next))
    }

    /// Generates the schedule's report and hands it to its channels.
    async fn run_one(&self, who: &Principal, s: &ReportSchedule) -> DomainResult<ReportId> {
        let notify = self.notify.as_ref().ok_or_else(|| {
            DomainError::Unavailable("notifications are not configured on this node".into())
        })?;
        let generated = self
            .generate_for(
                who,
                &NewReport {
                    kind: s.kind,
                    format: Some(s.format),
                    params: s.params.clone(),
                },
                Some(s.id),
            )
            .await?;
        let r = &generated.record;
        let notice = Notice {
            kind: "report.delivered".into(),
            severity: Severity::Info,
            title: format!("{}: {}", s.name, r.title),
            body: format!(
                "Probity generated the scheduled report \"{}\" ({}, {} bytes{}).\n\
                 Content SHA-256: {}\nFile SHA-256: {}\nLedger checkpoint: {}\n\
                 Download it from the report history (GET /api/v1/reports/{}/content).",
                r.title,
                r.format.as_str(),
                r.size_bytes,
                r.pages.map(|p| format!(", {p} pages")).unwrap_or_default(),
                r.content_sha256,
                r.file_sha256,
                r.checkpoint_size
                    .map_or_else(|| "none signed yet".to_owned(), |c| format!("size {c}")),
                r.id
            ),
            link: self.link(r.id),
            // Each delivery stands alone: `send_direct` gives it a key of its own.
            dedup_key: None,
        };
        let report_id = r.id;
        let audit = |n: &crate::notify::model::Notification,
                     d: &[crate::notify::model::Delivery]| {
            AuditRecord::new(
                Some(who.tenant.id),
                "report.delivered",
                &who.actor,
                ("report", report_id.to_string()),
                n.created_at,
            )
            .with_details(json!({
                "schedule_id": s.id, "notification_id": n.id,
                "channel_ids": s.channel_ids, "deliveries": d.len(),
            }))
        };
        notify
            .send_direct(who, &s.channel_ids, &notice, DeliveryEvent::Trigger, &audit)
            .await?;
        Ok(report_id)
    }

    /// Writes a run's result onto the schedule (retrying once on a concurrent change).
    async fn record_outcome(
        &self,
        schedule: ReportSchedule,
        outcome: DomainResult<ReportId>,
    ) -> DomainResult<ReportSchedule> {
        let now = self.clock.now();
        let mut current = schedule;
        for _ in 0..2 {
            let mut next = current.clone();
            next.last_run_at = Some(now);
            match &outcome {
                Ok(id) => {
                    next.last_report_id = Some(*id);
                    next.last_error = None;
                }
                Err(e) => next.last_error = Some(e.to_string()),
            }
            next.version += 1;
            if self.store.update_report_schedule(&next, None).await? {
                return match outcome {
                    Ok(_) => Ok(next),
                    Err(e) => Err(e),
                };
            }
            current = self
                .store
                .report_schedule(next.tenant_id, next.id)
                .await?
                .ok_or_else(|| DomainError::NotFound(format!("report schedule {}", next.id)))?;
        }
        Err(DomainError::Conflict(
            "the schedule changed while it ran; its result is in the report history".into(),
        ))
    }
}
