//! Privacy use cases over the store port: logging data subject requests and moving them
//! through their workflow, registering breaches and recording their notifications, the
//! tenant's holidays, the records of processing, and the overview the dashboard shows. Every
//! change is one audit event written in the same transaction as the change. DPIAs are in
//! [`super::assessments`], retention schedules and their enforcement in [`super::enforce`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::PrivacySettings;
use super::breach::{
    Breach, BreachClock, BreachId, BreachNotification, BreachView, ClockStatus, TimelineEntry,
};
use super::deadline::{RecipientKind, Regime};
use super::dpia::Dpia;
use super::processing::{ActivityId, ActivityInput, LinkRef, ProcessingActivity};
use super::request::{
    DataSubjectRequest, FulfilmentLine, FulfilmentOutcome, RequestId, RequestKind, RequestState,
    RequestView, initial_due_date,
};
use super::retention::RetentionSchedule;
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::party;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

const MAX_TEXT: usize = 4000;
const MAX_LINE: usize = 200;

/// Carries out what a request asks for (the access export, erasure) in the systems that hold
/// the subject's data. The privacy context only keeps the clock and the workflow; a
/// fulfilment, when one is plugged in with [`PrivacyService::with_fulfilment`], runs before a
/// request is recorded as completed and stops the completion when it fails; several run in
/// the order they were plugged in.
#[async_trait]
pub trait Fulfilment: Send + Sync {
    /// Fulfils `request` (about to be completed); says what it did, per kind of record.
    async fn fulfil(
        &self,
        who: &Principal,
        request: &DataSubjectRequest,
    ) -> DomainResult<Vec<FulfilmentLine>>;
}

/// A new data subject request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The law it is made under.
    pub regime: Regime,
    /// What is asked for; must be one of the regime's kinds.
    pub kind: RequestKind,
    /// A pseudonymous subject id (not an email or a name).
    pub subject_ref: String,
    /// When it arrived (now when absent); not in the future.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
    /// Notes (channel, scope), without personal data.
    #[serde(default)]
    pub notes: String,
}

/// A move of a request's workflow.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestTransition {
    /// The state to move to.
    pub to: RequestState,
    /// Why (required to deny).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// An extension of a request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestExtensionInput {
    /// The reasons given to the subject.
    pub reason: String,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// A breach to register.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBreach {
    /// Short title.
    pub title: String,
    /// When it was discovered.
    pub discovered_at: DateTime<Utc>,
    /// When it became known to be a personal data breach (the clocks start here); not before
    /// discovery, not in the future.
    pub aware_at: DateTime<Utc>,
    /// What happened.
    pub nature: String,
    /// Categories of personal data concerned.
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// Approximate number of subjects.
    #[serde(default)]
    pub approx_subjects: Option<u64>,
    /// Approximate number of records.
    #[serde(default)]
    pub approx_records: Option<u64>,
    /// Likely consequences.
    #[serde(default)]
    pub consequences: String,
    /// Measures taken or proposed.
    #[serde(default)]
    pub measures: String,
    /// Regimes that apply (at least one).
    pub regimes: Vec<Regime>,
}

/// A notification sent about a breach.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotification {
    /// Who was told.
    pub recipient: RecipientKind,
    /// The recipient by name.
    #[serde(default)]
    pub recipient_name: Option<String>,
    /// When it was sent (now when absent); not in the future.
    #[serde(default)]
    pub notified_at: Option<DateTime<Utc>>,
    /// Case number or letter reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// Why it is late (required when a clock for this recipient ran out).
    #[serde(default)]
    pub late_reason: Option<String>,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// A breach clock that has not been met yet, with its breach.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RunningClock {
    /// The breach.
    pub breach_id: BreachId,
    /// Its reference.
    pub reference: String,
    /// Its title.
    pub title: String,
    /// The clock.
    pub clock: BreachClock,
}

/// What the dashboard shows of privacy.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PrivacyOverview {
    /// Requests not completed or denied.
    pub open_requests: usize,
    /// Of those, past their due date.
    pub overdue_requests: usize,
    /// Open requests, earliest due first.
    pub open: Vec<RequestView>,
    /// Breach clocks not yet met (running or overdue), earliest deadline first.
    pub running_clocks: Vec<RunningClock>,
    /// Breaches registered.
    pub breaches: usize,
}

/// The next free `PREFIX-NNN` reference: one past the highest taken (a removed record's
/// number is not given again).
pub fn next_reference(prefix: &str, taken: &[String]) -> String {
    let highest = taken
        .iter()
        .filter_map(|r| {
            r.strip_prefix(prefix)?
                .strip_prefix('-')?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    format!("{prefix}-{:03}", highest.saturating_add(1))
}

/// Fills the activity's links to the DPIAs and retention schedules that name it.
pub fn link(a: &mut ProcessingActivity, dpias: &[Dpia], schedules: &[RetentionSchedule]) {
    a.dpias = dpias
        .iter()
        .filter(|d| d.content.activity_ids.contains(&a.id))
        .map(|d| LinkRef {
            id: d.id.0,
            reference: d.reference.clone(),
            label: d.state.as_str().to_owned(),
        })
        .collect();
    a.retention_schedules = schedules
        .iter()
        .filter(|s| s.activity_ids.contains(&a.id))
        .map(|s| LinkRef {
            id: s.id.0,
            reference: s.reference.clone(),
            label: format!("{} {} days", s.data_category, s.period_days),
        })
        .collect();
}

/// Privacy use cases.
pub struct PrivacyService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    fulfilments: Vec<Arc<dyn Fulfilment>>,
}

impl std::fmt::Debug for PrivacyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacyService").finish_non_exhaustive()
    }
}

fn text(field: &str, value: &str, max: usize, required: bool) -> DomainResult<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(DomainError::invalid(field, "is required"));
    }
    if v.len() > max {
        return Err(DomainError::invalid(field, format!("at most {max} bytes")));
    }
    Ok(v.to_owned())
}

fn not_future(field: &str, at: DateTime<Utc>, now: DateTime<Utc>) -> DomainResult<()> {
    if at > now {
        return Err(DomainError::invalid(field, "cannot be in the future"));
    }
    Ok(())
}

pub(super) fn stale(expected: Option<u32>, actual: u32, what: &str) -> DomainResult<()> {
    if let Some(v) = expected
        && v != actual
    {
        return Err(DomainError::Conflict(format!(
            "{what} is at version {actual}, not {v}: reload and try again"
        )));
    }
    Ok(())
}

pub(super) fn changed_meanwhile(what: &str) -> DomainError {
    DomainError::Conflict(format!("{what} changed meanwhile: reload and try again"))
}

impl PrivacyService {
    /// A service over the store and the clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            fulfilments: Vec::new(),
        }
    }

    /// Runs `fulfilment` before each request is completed, after those plugged in before.
    #[must_use]
    pub fn with_fulfilment(mut self, fulfilment: Arc<dyn Fulfilment>) -> Self {
        self.fulfilments.push(fulfilment);
        self
    }

    /// The service clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn holidays(&self, who: &Principal) -> DomainResult<Vec<NaiveDate>> {
        Ok(self
            .store
            .privacy_settings(who.tenant.id)
            .await?
            .unwrap_or_default()
            .holidays)
    }

    /// The tenant's privacy settings (any member).
    pub async fn settings(&self, who: &Principal) -> DomainResult<PrivacySettings> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .privacy_settings(who.tenant.id)
            .await?
            .unwrap_or_default())
    }

    /// Sets the public holidays business-day clocks skip (editors); existing due dates stay as
    /// they were computed.
    pub async fn put_settings(
        &self,
        who: &Principal,
        settings: &PrivacySettings,
    ) -> DomainResult<PrivacySettings> {
        who.require(Permission::Write)?;
        let mut holidays = settings.holidays.clone();
        holidays.sort_unstable();
        holidays.dedup();
        if holidays.len() > 500 {
            return Err(DomainError::invalid("holidays", "at most 500 dates"));
        }
        let settings = PrivacySettings { holidays };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "privacy.settings.updated",
            &who.actor,
            ("privacy_settings", who.tenant.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({ "holidays": settings.holidays }));
        self.store
            .put_privacy_settings(who.tenant.id, &settings, &event)
            .await?;
        Ok(settings)
    }

    /// The tenant's requests with their clocks, open ones first by due date (any member).
    pub async fn requests(&self, who: &Principal) -> DomainResult<Vec<RequestView>> {
        who.require(Permission::Read)?;
        let holidays = self.holidays(who).await?;
        let today = self.clock.now().date_naive();
        let mut views: Vec<RequestView> = self
            .store
            .list_privacy_requests(who.tenant.id)
            .await?
            .into_iter()
            .map(|r| r.view(today, &holidays))
            .collect();
        views.sort_by(|a, b| {
            (
                a.request.state.is_closed(),
                a.request.due_date,
                &a.request.reference,
            )
                .cmp(&(
                    b.request.state.is_closed(),
                    b.request.due_date,
                    &b.request.reference,
                ))
        });
        Ok(views)
    }

    async fn load_request(
        &self,
        who: &Principal,
        id: RequestId,
    ) -> DomainResult<DataSubjectRequest> {
        self.store
            .privacy_request(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("privacy request {id}")))
    }

    /// One request with its clock (any member).
    pub async fn request(&self, who: &Principal, id: RequestId) -> DomainResult<RequestView> {
        who.require(Permission::Read)?;
        let r = self.load_request(who, id).await?;
        let holidays = self.holidays(who).await?;
        Ok(r.view(self.clock.now().date_naive(), &holidays))
    }

    /// Logs a request; its due date follows the regime's rule from the day it arrived
    /// (editors). Audited as `privacy.request.created`.
    pub async fn create_request(
        &self,
        who: &Principal,
        req: &NewRequest,
    ) -> DomainResult<RequestView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        if !RequestKind::of(req.regime).contains(&req.kind) {
            let kinds: Vec<&str> = RequestKind::of(req.regime)
                .iter()
                .map(|k| k.as_str())
                .collect();
            return Err(DomainError::invalid(
                "kind",
                format!("{} provides for: {}", req.regime.as_str(), kinds.join(", ")),
            ));
        }
        let subject_ref = text("subject_ref", &req.subject_ref, MAX_LINE, true)?;
        if subject_ref.contains('@') || subject_ref.contains(char::is_whitespace) {
            return Err(DomainError::invalid(
                "subject_ref",
                "use a pseudonymous id (no email address, no spaces), e.g. the customer number",
            ));
        }
        let notes = text("notes", &req.notes, MAX_TEXT, false)?;
        let received_at = req.received_at.unwrap_or(now);
        not_future("received_at", received_at, now)?;
        let holidays = self.holidays(who).await?;
        let count = self.store.list_privacy_requests(who.tenant.id).await?.len();
        let request = DataSubjectRequest {
            id: RequestId::new(),
            tenant_id: who.tenant.id,
            reference: format!("DSR-{:03}", count + 1),
            regime: req.regime,
            kind: req.kind,
            subject_ref,
            notes,
            received_at,
            state: RequestState::Received,
            due_date: initial_due_date(req.regime, received_at, &holidays),
            extension: None,
            acknowledged_at: None,
            closed_at: None,
            history: vec![],
            created_by: party(who),
            version: 1,
            fulfilment: vec![],
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "privacy.request.created",
            &who.actor,
            ("privacy_request", request.id.to_string()),
            now,
        )
        .with_details(json!({
            "reference": request.reference, "regime": request.regime, "kind": request.kind,
            "subject_ref": request.subject_ref, "received_at": request.received_at,
            "due_date": request.due_date,
        }));
        self.store.insert_privacy_request(&request, &event).await?;
        Ok(request.view(now.date_naive(), &holidays))
    }

    /// Moves a request through its workflow (editors); completing it runs the fulfilment
    /// first, when one is plugged in. Audited as `privacy.request.transitioned`.
    pub async fn transition_request(
        &self,
        who: &Principal,
        id: RequestId,
        t: &RequestTransition,
    ) -> DomainResult<RequestView> {
        who.require(Permission::Write)?;
        let mut r = self.load_request(who, id).await?;
        stale(t.version, r.version, "the request")?;
        let expected = r.version;
        let from = r.state;
        let now = self.clock.now();
        let reason = t
            .reason
            .as_deref()
            .map(|x| text("reason", x, MAX_TEXT, false))
            .transpose()?;
        r.transition(t.to, reason.clone(), party(who), now)?;
        if t.to == RequestState::Completed {
            let mut lines = Vec::new();
            for f in &self.fulfilments {
                lines.extend(f.fulfil(who, &r).await?);
            }
            if super::fulfil::erases(r.kind) {
                lines.extend(self.kept_on_erasure(who, &r).await?);
            }
            r.fulfilment = lines;
        }
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "privacy.request.transitioned",
            &who.actor,
            ("privacy_request", id.to_string()),
            now,
        )
        .with_details(json!({
            "reference": r.reference, "from": from, "to": r.state, "reason": reason,
            "due_date": r.due_date, "version": r.version, "fulfilment": r.fulfilment,
        }));
        if !self
            .store
            .update_privacy_request(&r, expected, &event)
            .await?
        {
            return Err(changed_meanwhile("the request"));
        }
        let holidays = self.holidays(who).await?;
        Ok(r.view(now.date_naive(), &holidays))
    }

    /// What an erasure leaves in place on purpose, beside what the fulfilments report: the
    /// subject's consent history (the proof that consent was given and withdrawn, GDPR
    /// Art. 7(1)) and the subject's requests (the proof that they were answered, Art. 5(2)).
    async fn kept_on_erasure(
        &self,
        who: &Principal,
        r: &DataSubjectRequest,
    ) -> DomainResult<Vec<FulfilmentLine>> {
        let consent = self
            .store
            .consent_events(
                who.tenant.id,
                &crate::privacy::ConsentFilter {
                    subject_id: Some(r.subject_ref.clone()),
                    purpose: None,
                    limit: None,
                },
            )
            .await?
            .len() as u64;
        let requests = self
            .store
            .list_privacy_requests(who.tenant.id)
            .await?
            .iter()
            .filter(|x| x.subject_ref == r.subject_ref)
            .count() as u64;
        let mut lines = Vec::new();
        if consent > 0 {
            lines.push(FulfilmentLine {
                scope: "consent".into(),
                outcome: FulfilmentOutcome::Kept,
                count: consent,
                detail: "the consent history, kept as the proof that consent was given and \
                         withdrawn (GDPR Art. 7(1)); it names the subject only by the \
                         pseudonymous id"
                    .into(),
            });
        }
        lines.push(FulfilmentLine {
            scope: "requests".into(),
            outcome: FulfilmentOutcome::Kept,
            count: requests,
            detail: "the subject's requests, this one included, kept as the proof that they \
                     were answered (GDPR Art. 5(2)); a retention schedule over closed requests \
                     removes the subject id when its period ends"
                .into(),
        });
        Ok(lines)
    }

    /// Extends a request by its regime's extension, with the reasons given to the subject
    /// (editors). Audited as `privacy.request.extended`.
    pub async fn extend_request(
        &self,
        who: &Principal,
        id: RequestId,
        x: &RequestExtensionInput,
    ) -> DomainResult<RequestView> {
        who.require(Permission::Write)?;
        let mut r = self.load_request(who, id).await?;
        stale(x.version, r.version, "the request")?;
        let expected = r.version;
        let now = self.clock.now();
        let reason = text("reason", &x.reason, MAX_TEXT, false)?;
        let holidays = self.holidays(who).await?;
        r.extend(&reason, party(who), now, &holidays)?;
        let previous = r.extension.as_ref().map(|e| e.previous_due_date);
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "privacy.request.extended",
            &who.actor,
            ("privacy_request", id.to_string()),
            now,
        )
        .with_details(json!({
            "reference": r.reference, "reason": reason, "previous_due_date": previous,
            "due_date": r.due_date, "version": r.version,
        }));
        if !self
            .store
            .update_privacy_request(&r, expected, &event)
            .await?
        {
            return Err(changed_meanwhile("the request"));
        }
        Ok(r.view(now.date_naive(), &holidays))
    }

    /// The tenant's breaches with their clocks, latest first (any member).
    pub async fn breaches(&self, who: &Principal) -> DomainResult<Vec<BreachView>> {
        who.require(Permission::Read)?;
        let holidays = self.holidays(who).await?;
        let now = self.clock.now();
        Ok(self
            .store
            .list_breaches(who.tenant.id)
            .await?
            .into_iter()
            .map(|b| b.view(now, &holidays))
            .collect())
    }

    async fn load_breach(&self, who: &Principal, id: BreachId) -> DomainResult<Breach> {
        self.store
            .breach(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("breach {id}")))
    }

    /// One breach with its clocks (any member).
    pub async fn breach(&self, who: &Principal, id: BreachId) -> DomainResult<BreachView> {
        who.require(Permission::Read)?;
        let b = self.load_breach(who, id).await?;
        let holidays = self.holidays(who).await?;
        Ok(b.view(self.clock.now(), &holidays))
    }

    /// Registers a breach; its clocks start at `aware_at` (editors). Audited as
    /// `privacy.breach.created`.
    pub async fn create_breach(
        &self,
        who: &Principal,
        req: &NewBreach,
    ) -> DomainResult<BreachView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        let title = text("title", &req.title, MAX_LINE, true)?;
        let nature = text("nature", &req.nature, MAX_TEXT, true)?;
        let consequences = text("consequences", &req.consequences, MAX_TEXT, false)?;
        let measures = text("measures", &req.measures, MAX_TEXT, false)?;
        not_future("discovered_at", req.discovered_at, now)?;
        not_future("aware_at", req.aware_at, now)?;
        if req.aware_at < req.discovered_at {
            return Err(DomainError::invalid(
                "aware_at",
                "awareness cannot precede discovery",
            ));
        }
        let mut regimes = req.regimes.clone();
        regimes.sort_unstable();
        regimes.dedup();
        if regimes.is_empty() {
            return Err(DomainError::invalid("regimes", "name at least one regime"));
        }
        let mut categories = Vec::new();
        for c in &req.data_categories {
            let c = text("data_categories", c, MAX_LINE, true)?;
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
        let count = self.store.list_breaches(who.tenant.id).await?.len();
        let by = party(who);
        let breach = Breach {
            id: BreachId::new(),
            tenant_id: who.tenant.id,
            reference: format!("BR-{:03}", count + 1),
            title,
            discovered_at: req.discovered_at,
            aware_at: req.aware_at,
            nature,
            data_categories: categories,
            approx_subjects: req.approx_subjects,
            approx_records: req.approx_records,
            consequences,
            measures,
            regimes,
            notifications: vec![],
            timeline: vec![
                TimelineEntry {
                    at: req.discovered_at,
                    what: "discovered".into(),
                    by: by.clone(),
                },
                TimelineEntry {
                    at: req.aware_at,
                    what: "aware: notification clocks start".into(),
                    by: by.clone(),
                },
                TimelineEntry {
                    at: now,
                    what: "registered".into(),
                    by: by.clone(),
                },
            ],
            created_by: by,
            created_at: now,
            version: 1,
        };
        let holidays = self.holidays(who).await?;
        let clocks = breach.clocks(now, &holidays);
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "privacy.breach.created",
            &who.actor,
            ("privacy_breach", breach.id.to_string()),
            now,
        )
        .with_details(json!({
            "reference": breach.reference, "title": breach.title,
            "discovered_at": breach.discovered_at, "aware_at": breach.aware_at,
            "regimes": breach.regimes, "approx_subjects": breach.approx_subjects,
            "approx_records": breach.approx_records,
            "deadlines": clocks.iter().map(|c| json!({
                "regime": c.regime, "recipient": c.recipient, "deadline": c.deadline,
            })).collect::<Vec<_>>(),
        }));
        self.store.insert_breach(&breach, &event).await?;
        Ok(breach.view(now, &holidays))
    }

    /// Records a notification about a breach (editors); one sent after a clock ran out must
    /// say why. Audited as `privacy.breach.notified`.
    pub async fn notify_breach(
        &self,
        who: &Principal,
        id: BreachId,
        req: &NewNotification,
    ) -> DomainResult<BreachView> {
        who.require(Permission::Write)?;
        let mut b = self.load_breach(who, id).await?;
        stale(req.version, b.version, "the breach")?;
        let expected = b.version;
        let now = self.clock.now();
        let notified_at = req.notified_at.unwrap_or(now);
        not_future("notified_at", notified_at, now)?;
        let opt = |field: &str, v: &Option<String>, max: usize| -> DomainResult<Option<String>> {
            Ok(v.as_deref()
                .map(|x| text(field, x, max, false))
                .transpose()?
                .filter(|x| !x.is_empty()))
        };
        let n = BreachNotification {
            recipient: req.recipient,
            recipient_name: opt("recipient_name", &req.recipient_name, MAX_LINE)?,
            notified_at,
            reference: opt("reference", &req.reference, MAX_LINE)?,
            phase: 0,
            late_reason: opt("late_reason", &req.late_reason, MAX_TEXT)?,
            recorded_by: party(who),
        };
        let holidays = self.holidays(who).await?;
        b.notify(n, &holidays)?;
        let Some(sent) = b.notifications.last() else {
            return Err(DomainError::Internal("notification not recorded".into()));
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "privacy.breach.notified",
            &who.actor,
            ("privacy_breach", id.to_string()),
            now,
        )
        .with_details(json!({
            "reference": b.reference, "recipient": sent.recipient,
            "recipient_name": sent.recipient_name, "notified_at": sent.notified_at,
            "notification_reference": sent.reference, "phase": sent.phase,
            "late_reason": sent.late_reason, "version": b.version,
        }));
        if !self.store.update_breach(&b, expected, &event).await? {
            return Err(changed_meanwhile("the breach"));
        }
        Ok(b.view(now, &holidays))
    }

    /// The tenant's records of processing activities, by reference, each with the DPIAs and
    /// retention schedules that name it (any member).
    pub async fn activities(&self, who: &Principal) -> DomainResult<Vec<ProcessingActivity>> {
        who.require(Permission::Read)?;
        let mut all = self.store.list_processing_activities(who.tenant.id).await?;
        let dpias = self.store.list_dpias(who.tenant.id).await?;
        let schedules = self.store.list_retention_schedules(who.tenant.id).await?;
        for a in &mut all {
            link(a, &dpias, &schedules);
        }
        Ok(all)
    }

    /// One processing activity, with its DPIAs and retention schedules (any member).
    pub async fn activity(
        &self,
        who: &Principal,
        id: ActivityId,
    ) -> DomainResult<ProcessingActivity> {
        who.require(Permission::Read)?;
        let mut a = self.stored_activity(who, id).await?;
        let dpias = self.store.list_dpias(who.tenant.id).await?;
        let schedules = self.store.list_retention_schedules(who.tenant.id).await?;
        link(&mut a, &dpias, &schedules);
        Ok(a)
    }

    async fn stored_activity(
        &self,
        who: &Principal,
        id: ActivityId,
    ) -> DomainResult<ProcessingActivity> {
        self.store
            .processing_activity(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("processing activity {id}")))
    }

    /// An activity named by its id or its reference (`ROPA-001`), for the CLI.
    pub async fn find_activity(
        &self,
        who: &Principal,
        id_or_reference: &str,
    ) -> DomainResult<ProcessingActivity> {
        if let Ok(id) = id_or_reference.parse::<uuid::Uuid>() {
            return self.activity(who, ActivityId(id)).await;
        }
        self.activities(who)
            .await?
            .into_iter()
            .find(|a| a.reference.eq_ignore_ascii_case(id_or_reference.trim()))
            .ok_or_else(|| DomainError::NotFound(format!("processing activity {id_or_reference}")))
    }

    fn activity_event(
        &self,
        who: &Principal,
        event_type: &str,
        a: &ProcessingActivity,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            event_type,
            &who.actor,
            ("privacy_activity", a.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({
            "reference": a.reference, "name": a.name, "purposes": a.purposes,
            "legal_basis": a.legal_basis, "art9_condition": a.art9_condition,
            "data_categories": a.data_categories,
            "subject_categories": a.subject_categories, "recipients": a.recipients,
            "processors": a.processors, "retention": a.retention,
            "security_measures": a.security_measures, "transfers": a.transfers,
            "version": a.version,
        }))
    }

    /// Records a processing activity (editors); audited as `privacy.activity.created`.
    pub async fn create_activity(
        &self,
        who: &Principal,
        input: &ActivityInput,
    ) -> DomainResult<ProcessingActivity> {
        who.require(Permission::Write)?;
        let checked = input.check()?;
        let now = self.clock.now();
        let taken: Vec<String> = self
            .store
            .list_processing_activities(who.tenant.id)
            .await?
            .into_iter()
            .map(|a| a.reference)
            .collect();
        let mut a = ProcessingActivity {
            id: ActivityId::new(),
            tenant_id: who.tenant.id,
            reference: next_reference("ROPA", &taken),
            name: String::new(),
            purposes: vec![],
            legal_basis: input.legal_basis,
            art9_condition: None,
            data_categories: vec![],
            subject_categories: vec![],
            recipients: vec![],
            processors: vec![],
            retention: String::new(),
            security_measures: vec![],
            transfers: vec![],
            dpias: vec![],
            retention_schedules: vec![],
            updated_by: party(who),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        a.apply(checked, input.legal_basis);
        let event = self.activity_event(who, "privacy.activity.created", &a);
        self.store.insert_processing_activity(&a, &event).await?;
        Ok(a)
    }

    /// Replaces a processing activity's fields (editors); audited as
    /// `privacy.activity.updated` with the new values.
    pub async fn update_activity(
        &self,
        who: &Principal,
        id: ActivityId,
        input: &ActivityInput,
    ) -> DomainResult<ProcessingActivity> {
        who.require(Permission::Write)?;
        let checked = input.check()?;
        who.require(Permission::Read)?;
        let mut a = self.stored_activity(who, id).await?;
        stale(input.version, a.version, "the processing activity")?;
        let expected = a.version;
        a.apply(checked, input.legal_basis);
        a.updated_by = party(who);
        a.updated_at = self.clock.now();
        a.version += 1;
        let event = self.activity_event(who, "privacy.activity.updated", &a);
        if !self
            .store
            .update_processing_activity(&a, expected, &event)
            .await?
        {
            return Err(changed_meanwhile("the processing activity"));
        }
        Ok(a)
    }

    /// Removes a processing activity (editors); audited as `privacy.activity.deleted` with
    /// what it said.
    pub async fn delete_activity(&self, who: &Principal, id: ActivityId) -> DomainResult<()> {
        who.require(Permission::Write)?;
        let a = self.activity(who, id).await?;
        let linked: Vec<&str> = a
            .dpias
            .iter()
            .chain(&a.retention_schedules)
            .map(|l| l.reference.as_str())
            .collect();
        if !linked.is_empty() {
            return Err(DomainError::Conflict(format!(
                "{} is named by {}: remove it from them first",
                a.reference,
                linked.join(", ")
            )));
        }
        let event = self.activity_event(who, "privacy.activity.deleted", &a);
        if !self
            .store
            .delete_processing_activity(who.tenant.id, id, &event)
            .await?
        {
            return Err(DomainError::NotFound(format!("processing activity {id}")));
        }
        Ok(())
    }

    /// Open requests and breach clocks still running, for the dashboard (any member).
    pub async fn overview(&self, who: &Principal) -> DomainResult<PrivacyOverview> {
        let open: Vec<RequestView> = self
            .requests(who)
            .await?
            .into_iter()
            .filter(|v| !v.request.state.is_closed())
            .collect();
        let breaches = self.breaches(who).await?;
        let mut running_clocks: Vec<RunningClock> = breaches
            .iter()
            .flat_map(|b| {
                b.clocks
                    .iter()
                    .filter(|c| matches!(c.status, ClockStatus::Running | ClockStatus::Overdue))
                    .map(|c| RunningClock {
                        breach_id: b.breach.id,
                        reference: b.breach.reference.clone(),
                        title: b.breach.title.clone(),
                        clock: c.clone(),
                    })
            })
            .collect();
        running_clocks.sort_by_key(|c| c.clock.deadline);
        Ok(PrivacyOverview {
            open_requests: open.len(),
            overdue_requests: open.iter().filter(|v| v.overdue).count(),
            open,
            running_clocks,
            breaches: breaches.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::next_reference;

    #[test]
    fn references_continue_past_the_highest_even_after_a_removal() {
        assert_eq!(next_reference("ROPA", &[]), "ROPA-001");
        // ROPA-002 was removed: the next is ROPA-004, not a second ROPA-003.
        let taken = [
            "ROPA-001".to_owned(),
            "ROPA-003".to_owned(),
            "other".to_owned(),
        ];
        assert_eq!(next_reference("ROPA", &taken), "ROPA-004");
        assert_eq!(next_reference("RET", &["RET-999".to_owned()]), "RET-1000");
    }
}
