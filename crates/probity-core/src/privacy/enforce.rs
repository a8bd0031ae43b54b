//! Retention schedule use cases of [`PrivacyService`]: list and read (any member), write
//! (approvers: a schedule erases data), run one schedule now (approvers, and the daily job as
//! the system), and the run reports.
//!
//! A run takes the cutoff `now − period_days`, then:
//! 1. pages through the search index for events recorded before the cutoff of each listed
//!    type (or dotted prefix) that name at least one data subject; those an active legal hold
//!    covers are kept and counted per hold, the others' payloads are erased through
//!    [`crate::audit::retention::RetentionStore::erase_entries`] (ledger entries and proofs
//!    stay), each batch recorded as `privacy.retention.erased` in the same transaction;
//! 2. when the schedule reaches closed requests, replaces the subject id of requests closed
//!    before the cutoff by a marker, each recorded as `privacy.request.redacted`;
//! 3. keeps the run report, recorded as `privacy.retention.ran` with the counts and indexes.
//!
//! The search index must be caught up with the ledger first (the API and the job do it).

use std::collections::BTreeSet;

use chrono::Duration;
use serde_json::json;

use super::request::RequestState;
use super::retention::{
    REDACTED_SUBJECT, RetentionRunId, RetentionRunReport, RetentionSchedule, RetentionScheduleId,
    RetentionScheduleInput, RunTrigger,
};
use super::service::{PrivacyService, changed_meanwhile, next_reference, stale};
use crate::audit::AuditRecord;
use crate::audit::erasure::{HeldCount, count_holds};
use crate::audit::index::EventFilter;
use crate::audit::retention::{holding, ranges};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::service::party;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

/// Events read per page, and indexes erased per transaction.
const PAGE: u32 = 1_000;
/// Most run reports listed at once.
pub const RUNS_LIMIT: u32 = 500;

impl PrivacyService {
    /// The tenant's retention schedules, by reference (any member).
    pub async fn retention_schedules(
        &self,
        who: &Principal,
    ) -> DomainResult<Vec<RetentionSchedule>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_retention_schedules(who.tenant.id).await?)
    }

    /// One retention schedule (any member).
    pub async fn retention_schedule(
        &self,
        who: &Principal,
        id: RetentionScheduleId,
    ) -> DomainResult<RetentionSchedule> {
        who.require(Permission::Read)?;
        self.store
            .retention_schedule(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("retention schedule {id}")))
    }

    /// A schedule named by its id or reference (`RET-001`), for the CLI.
    pub async fn find_retention_schedule(
        &self,
        who: &Principal,
        id_or_reference: &str,
    ) -> DomainResult<RetentionSchedule> {
        if let Ok(id) = id_or_reference.parse::<uuid::Uuid>() {
            return self.retention_schedule(who, RetentionScheduleId(id)).await;
        }
        self.retention_schedules(who)
            .await?
            .into_iter()
            .find(|s| s.reference.eq_ignore_ascii_case(id_or_reference.trim()))
            .ok_or_else(|| DomainError::NotFound(format!("retention schedule {id_or_reference}")))
    }

    /// Checks that every activity exists and lists the schedule's category.
    async fn check_covered(
        &self,
        who: &Principal,
        category: &str,
        ids: &[super::processing::ActivityId],
    ) -> DomainResult<()> {
        let known = self.store.list_processing_activities(who.tenant.id).await?;
        let mut errors = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match known.iter().find(|a| a.id == *id) {
                None => errors.push(FieldError {
                    field: format!("activity_ids.{i}"),
                    message: format!("no processing activity {id} in this tenant"),
                }),
                Some(a) if !a.data_categories.iter().any(|c| c == category) => {
                    errors.push(FieldError {
                        field: format!("activity_ids.{i}"),
                        message: format!(
                            "{} does not list the data category {category}: add it to the \
                             activity or leave the activity out",
                            a.reference
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    fn schedule_event(
        &self,
        who: &Principal,
        event_type: &str,
        s: &RetentionSchedule,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            event_type,
            &who.actor,
            ("privacy_retention_schedule", s.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({
            "reference": s.reference, "data_category": s.data_category,
            "period_days": s.period_days, "activity_ids": s.activity_ids,
            "audit_event_types": s.audit_event_types, "closed_requests": s.closed_requests,
            "active": s.active, "version": s.version,
        }))
    }

    /// Adds a retention schedule (approvers: it erases data). Audited as
    /// `privacy.retention_schedule.created`.
    pub async fn create_retention_schedule(
        &self,
        who: &Principal,
        input: &RetentionScheduleInput,
    ) -> DomainResult<RetentionSchedule> {
        who.require(Permission::Approve)?;
        let c = input.check()?;
        self.check_covered(who, &c.data_category, &c.activity_ids)
            .await?;
        let now = self.clock.now();
        let taken: Vec<String> = self
            .store
            .list_retention_schedules(who.tenant.id)
            .await?
            .into_iter()
            .map(|s| s.reference)
            .collect();
        let mut s = RetentionSchedule {
            id: RetentionScheduleId::new(),
            tenant_id: who.tenant.id,
            reference: next_reference("RET", &taken),
            data_category: String::new(),
            period_days: 0,
            activity_ids: vec![],
            audit_event_types: vec![],
            closed_requests: false,
            description: String::new(),
            active: true,
            updated_by: party(who),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        s.apply(c);
        let event = self.schedule_event(who, "privacy.retention_schedule.created", &s);
        self.store.insert_retention_schedule(&s, &event).await?;
        Ok(s)
    }

    /// Replaces a schedule's fields (approvers; a stale `version` is a conflict). Audited as
    /// `privacy.retention_schedule.updated`.
    pub async fn update_retention_schedule(
        &self,
        who: &Principal,
        id: RetentionScheduleId,
        input: &RetentionScheduleInput,
    ) -> DomainResult<RetentionSchedule> {
        who.require(Permission::Approve)?;
        let c = input.check()?;
        // A schedule of another tenant is not found, whatever the body names.
        let mut s = self.retention_schedule(who, id).await?;
        self.check_covered(who, &c.data_category, &c.activity_ids)
            .await?;
        stale(input.version, s.version, "the retention schedule")?;
        let expected = s.version;
        s.apply(c);
        s.updated_by = party(who);
        s.updated_at = self.clock.now();
        s.version += 1;
        let event = self.schedule_event(who, "privacy.retention_schedule.updated", &s);
        if !self
            .store
            .update_retention_schedule(&s, expected, &event)
            .await?
        {
            return Err(changed_meanwhile("the retention schedule"));
        }
        Ok(s)
    }

    /// Run reports, newest first, of one schedule or all (any member).
    pub async fn retention_runs(
        &self,
        who: &Principal,
        schedule: Option<RetentionScheduleId>,
    ) -> DomainResult<Vec<RetentionRunReport>> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .list_retention_runs(who.tenant.id, schedule, RUNS_LIMIT)
            .await?)
    }

    /// Runs one schedule now (approvers; the daily job runs the active ones as the system)
    /// and keeps its report. The caller catches the search index up first.
    pub async fn run_retention_schedule(
        &self,
        who: &Principal,
        id: RetentionScheduleId,
        trigger: RunTrigger,
    ) -> DomainResult<RetentionRunReport> {
        who.require(Permission::Approve)?;
        let s = self.retention_schedule(who, id).await?;
        let tenant = who.tenant.id;
        let now = self.clock.now();
        let cutoff = now - Duration::days(i64::from(s.period_days));
        let holds = self.store.legal_holds(tenant, true).await?;
        let mut due = BTreeSet::new();
        let mut erase = Vec::new();
        let mut held = Vec::new();
        let mut held_by: Vec<HeldCount> = Vec::new();
        for prefix in &s.audit_event_types {
            let filter = EventFilter {
                to: Some(cutoff),
                type_prefix: Some(prefix.clone()),
                ..EventFilter::default()
            };
            let mut from = 0;
            loop {
                let page = self.store.events_since(tenant, &filter, from, PAGE).await?;
                let Some(last) = page.last() else { break };
                from = last.index.saturating_add(1);
                for e in page.iter().filter(|e| !e.subject_ids.is_empty()) {
                    if !due.insert(e.index) {
                        continue;
                    }
                    match holding(&holds, e) {
                        Some(h) => {
                            held.push(e.index);
                            count_holds(&mut held_by, h);
                        }
                        None => erase.push(e.index),
                    }
                }
                if page.len() < PAGE as usize {
                    break;
                }
            }
        }
        let mut erased = 0;
        for batch in erase.chunks(PAGE as usize) {
            let event = AuditRecord::new(
                Some(tenant),
                "privacy.retention.erased",
                &who.actor,
                ("privacy_retention_schedule", s.id.to_string()),
                now,
            )
            .with_details(json!({
                "schedule": s.reference, "data_category": s.data_category,
                "period_days": s.period_days, "cutoff": cutoff,
                "erased": batch.len(), "indexes": ranges(batch),
            }));
            erased += self.store.erase_entries(tenant, batch, now, &event).await?;
        }
        let mut redacted = Vec::new();
        if s.closed_requests {
            for mut r in self.store.list_privacy_requests(tenant).await? {
                let closed = matches!(r.state, RequestState::Completed | RequestState::Denied);
                if !closed
                    || r.closed_at.is_none_or(|at| at >= cutoff)
                    || r.subject_ref == REDACTED_SUBJECT
                {
                    continue;
                }
                let expected = r.version;
                r.subject_ref = REDACTED_SUBJECT.to_owned();
                r.version += 1;
                let event = AuditRecord::new(
                    Some(tenant),
                    "privacy.request.redacted",
                    &who.actor,
                    ("privacy_request", r.id.to_string()),
                    now,
                )
                .with_details(json!({
                    "reference": r.reference, "schedule": s.reference,
                    "closed_at": r.closed_at, "period_days": s.period_days,
                    "version": r.version,
                }));
                if self
                    .store
                    .update_privacy_request(&r, expected, &event)
                    .await?
                {
                    redacted.push(r.reference.clone());
                }
            }
        }
        let run = RetentionRunReport {
            id: RetentionRunId::new(),
            tenant_id: tenant,
            schedule_id: s.id,
            schedule_reference: s.reference.clone(),
            schedule_version: s.version,
            data_category: s.data_category.clone(),
            period_days: s.period_days,
            trigger,
            by: party(who),
            at: now,
            cutoff,
            audit_due: due.len() as u64,
            audit_erased: erased,
            erased_indexes: ranges(&erase),
            audit_held: held.len() as u64,
            held_by,
            held_indexes: ranges(&held),
            requests_redacted: redacted,
        };
        let event = AuditRecord::new(
            Some(tenant),
            "privacy.retention.ran",
            &who.actor,
            ("privacy_retention_schedule", s.id.to_string()),
            now,
        )
        .with_details(json!({
            "run_id": run.id, "schedule": run.schedule_reference,
            "schedule_version": run.schedule_version, "trigger": run.trigger,
            "data_category": run.data_category, "period_days": run.period_days,
            "cutoff": run.cutoff, "audit_due": run.audit_due,
            "audit_erased": run.audit_erased, "erased_indexes": run.erased_indexes,
            "audit_held": run.audit_held, "held_by": run.held_by,
            "held_indexes": run.held_indexes, "requests_redacted": run.requests_redacted,
        }));
        self.store.insert_retention_run(&run, &event).await?;
        Ok(run)
    }

    /// Runs every active schedule of the tenant, by reference (the daily job, as the
    /// system); stops at the first failure, which the job logs and retries.
    pub async fn run_active_retention_schedules(
        &self,
        who: &Principal,
    ) -> DomainResult<Vec<RetentionRunReport>> {
        let mut out = Vec::new();
        for s in self.retention_schedules(who).await? {
            if s.active {
                out.push(
                    self.run_retention_schedule(who, s.id, RunTrigger::Scheduled)
                        .await?,
                );
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_redaction_marker_is_not_a_valid_subject_id() {
        // Request subject ids may not contain whitespace, so the marker can never collide
        // with a real one.
        assert!(super::REDACTED_SUBJECT.contains(char::is_whitespace));
    }
}
