//! Consent ledger use cases: registering purposes, recording grants and withdrawals (one by one
//! or in bulk), reading a subject's history and current state, the state at a past time with
//! the ledger proof of the event that decides it, and consent receipts.
//!
//! Each consent event is stored with its audit record in one transaction (ADR 0003), and the
//! record is then handed to the ledger at once, so the answer already carries the event's
//! ledger index; if the ledger is busy the outbox drain appends it shortly after (ADR 0023).
//! Recording needs the write permission (contributors and above, service tokens); reading is
//! open to every member.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::consent::{
    ConsentEvent, ConsentEventId, ConsentPurpose, ConsentReceipt, ImportFormat, ImportLineResult,
    ImportResult, LineStatus, NewConsentEvent, NewPurpose, PurposeId, PurposeState, PurposeUpdate,
    ReceiptController, ReceiptPurpose, check_event, check_key, check_subject, derive_states,
    derive_states_at, read_import,
};
use super::consent_store::ConsentFilter;
use super::processing::LegalBasis;
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::service::party;
use crate::ledger::LedgerService;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::{Store, StoreError};

/// The receipt format's version.
pub const RECEIPT_VERSION: &str = "probity-consent-receipt/1";

/// A subject's consent now, per purpose.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SubjectConsent {
    /// The pseudonymous subject id.
    pub subject_id: String,
    /// One state per purpose the subject has events for, by key.
    pub purposes: Vec<PurposeState>,
}

/// A subject's consent at a past time, as a signed checkpoint of the tenant's ledger proves it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ConsentAtTime {
    /// The pseudonymous subject id.
    pub subject_id: String,
    /// The time asked about.
    pub at: DateTime<Utc>,
    /// The checkpoint proved against: only events in its tree count.
    pub checkpoint: ProofCheckpoint,
    /// One state per purpose with events by `at`, each with its proof.
    pub purposes: Vec<ProvenState>,
}

/// The checkpoint a proof is against.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProofCheckpoint {
    /// Entries it commits to.
    pub size: u64,
    /// Root hash, base64.
    pub root: String,
    /// The signed note.
    pub signed_note: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

/// A state with the proof of its deciding event.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProvenState {
    /// The state.
    #[serde(flatten)]
    pub state: PurposeState,
    /// The deciding event's ledger entry envelope (RFC 8785 canonical JSON, the leaf data):
    /// `probity verify-proof --envelope` reads it.
    pub envelope: String,
    /// The C2SP tlog-proof of that entry against the checkpoint.
    pub tlog_proof: String,
}

/// Grants and withdrawals recorded for a purpose.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PurposeCounts {
    /// The purpose.
    pub purpose: ConsentPurpose,
    /// Grants recorded.
    pub grants: u64,
    /// Withdrawals recorded.
    pub withdrawals: u64,
}

/// The outcome of recording one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The event (the earlier one for a repeated client id).
    pub event: ConsentEvent,
    /// False when the client id was recorded before with the same content.
    pub created: bool,
}

/// Consent ledger use cases.
pub struct ConsentService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ledger: Option<Arc<LedgerService>>,
}

impl std::fmt::Debug for ConsentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentService").finish_non_exhaustive()
    }
}

fn text(field: &str, value: &str, max: usize, required: bool) -> DomainResult<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(DomainError::invalid(field, "is required"));
    }
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

impl ConsentService {
    /// A service over the store and the clock; without a ledger, events get their ledger
    /// index when the outbox drain appends them.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            ledger: None,
        }
    }

    /// Appends each event's audit record to the ledger as it is recorded, and proves past
    /// states against the ledger's checkpoints.
    #[must_use]
    pub fn with_ledger(mut self, ledger: Arc<LedgerService>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// The service clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn ledger(&self) -> DomainResult<&Arc<LedgerService>> {
        self.ledger
            .as_ref()
            .ok_or_else(|| DomainError::Internal("the consent service has no ledger".into()))
    }

    /// The tenant's purposes, by key (any member).
    pub async fn purposes(&self, who: &Principal) -> DomainResult<Vec<ConsentPurpose>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_consent_purposes(who.tenant.id).await?)
    }

    /// The tenant's purposes with the grants and withdrawals recorded for each (any member).
    pub async fn purpose_counts(&self, who: &Principal) -> DomainResult<Vec<PurposeCounts>> {
        let purposes = self.purposes(who).await?;
        let counts = self.store.consent_counts(who.tenant.id).await?;
        Ok(purposes
            .into_iter()
            .map(|purpose| {
                let (grants, withdrawals) = counts
                    .iter()
                    .find(|(k, _, _)| *k == purpose.key)
                    .map_or((0, 0), |(_, g, w)| (*g, *w));
                PurposeCounts {
                    purpose,
                    grants,
                    withdrawals,
                }
            })
            .collect())
    }

    /// One purpose (any member).
    pub async fn purpose(&self, who: &Principal, id: PurposeId) -> DomainResult<ConsentPurpose> {
        who.require(Permission::Read)?;
        self.store
            .consent_purpose(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("consent purpose {id}")))
    }

    async fn check_activity(
        &self,
        who: &Principal,
        activity: Option<super::processing::ActivityId>,
    ) -> DomainResult<()> {
        if let Some(a) = activity
            && self
                .store
                .processing_activity(who.tenant.id, a)
                .await?
                .is_none()
        {
            return Err(DomainError::invalid(
                "activity_id",
                "no processing activity of this tenant has this id",
            ));
        }
        Ok(())
    }

    fn purpose_event(&self, who: &Principal, event_type: &str, p: &ConsentPurpose) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            event_type,
            &who.actor,
            ("consent_purpose", p.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({
            "key": p.key, "title": p.title, "description": p.description,
            "activity_id": p.activity_id, "legal_basis": p.legal_basis, "version": p.version,
        }))
    }

    /// Registers a purpose (contributors and above); audited as
    /// `privacy.consent.purpose.created`.
    pub async fn create_purpose(
        &self,
        who: &Principal,
        input: &NewPurpose,
    ) -> DomainResult<ConsentPurpose> {
        who.require(Permission::Write)?;
        check_key(&input.key)?;
        let title = text("title", &input.title, 200, true)?;
        let description = text("description", &input.description, 4000, false)?;
        self.check_activity(who, input.activity_id).await?;
        let now = self.clock.now();
        let p = ConsentPurpose {
            id: PurposeId::new(),
            tenant_id: who.tenant.id,
            key: input.key.clone(),
            title,
            description,
            activity_id: input.activity_id,
            legal_basis: input.legal_basis.unwrap_or(LegalBasis::Consent),
            updated_by: party(who),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = self.purpose_event(who, "privacy.consent.purpose.created", &p);
        self.store.insert_consent_purpose(&p, &event).await?;
        Ok(p)
    }

    /// Changes a purpose's title, description, activity or legal basis (contributors and
    /// above); audited as `privacy.consent.purpose.updated`.
    pub async fn update_purpose(
        &self,
        who: &Principal,
        id: PurposeId,
        input: &PurposeUpdate,
    ) -> DomainResult<ConsentPurpose> {
        who.require(Permission::Write)?;
        let mut p = self.purpose(who, id).await?;
        if let Some(v) = input.version
            && v != p.version
        {
            return Err(DomainError::Conflict(format!(
                "the purpose is at version {}, not {v}: reload and try again",
                p.version
            )));
        }
        let expected = p.version;
        p.title = text("title", &input.title, 200, true)?;
        p.description = text("description", &input.description, 4000, false)?;
        self.check_activity(who, input.activity_id).await?;
        p.activity_id = input.activity_id;
        p.legal_basis = input.legal_basis.unwrap_or(LegalBasis::Consent);
        p.updated_by = party(who);
        p.updated_at = self.clock.now();
        p.version += 1;
        let event = self.purpose_event(who, "privacy.consent.purpose.updated", &p);
        if !self
            .store
            .update_consent_purpose(&p, expected, &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the purpose changed meanwhile: reload and try again".into(),
            ));
        }
        Ok(p)
    }

    /// Removes a purpose no event names yet (contributors and above); one with recorded
    /// consent stays, since its history must remain readable. Audited as
    /// `privacy.consent.purpose.deleted`.
    pub async fn delete_purpose(&self, who: &Principal, id: PurposeId) -> DomainResult<()> {
        who.require(Permission::Write)?;
        let p = self.purpose(who, id).await?;
        let event = self.purpose_event(who, "privacy.consent.purpose.deleted", &p);
        if !self
            .store
            .delete_consent_purpose(who.tenant.id, id, &event)
            .await?
        {
            return Err(DomainError::Conflict(format!(
                "consent is recorded for purpose {}: a purpose with history cannot be removed",
                p.key
            )));
        }
        Ok(())
    }

    async fn purpose_keys(&self, who: &Principal) -> DomainResult<Vec<String>> {
        Ok(self
            .store
            .list_consent_purposes(who.tenant.id)
            .await?
            .into_iter()
            .map(|p| p.key)
            .collect())
    }

    /// Stores one checked event with its audit record (returned when the event is new); for a
    /// client id recorded before, the earlier event when the content is the same, a conflict
    /// otherwise.
    async fn store_event(
        &self,
        who: &Principal,
        e: &NewConsentEvent,
        purposes: &[String],
    ) -> DomainResult<(Recorded, Option<AuditRecord>)> {
        let now = self.clock.now();
        check_event(e, now, purposes)?;
        if let Some(client_id) = &e.id
            && let Some(earlier) = self
                .store
                .consent_event_by_client_id(who.tenant.id, client_id)
                .await?
        {
            return Ok((same_or_conflict(earlier, e)?, None));
        }
        let id = ConsentEventId::new();
        let event_type = match e.action {
            super::consent::ConsentAction::Grant => "privacy.consent.granted",
            super::consent::ConsentAction::Withdraw => "privacy.consent.withdrawn",
        };
        let record = AuditRecord::new(
            Some(who.tenant.id),
            event_type,
            &who.actor,
            ("consent_event", id.to_string()),
            now,
        )
        .with_details(json!({
            "subject_id": e.subject_id, "purpose": e.purpose, "action": e.action,
            "notice_version": e.notice_version, "method": e.method, "source": e.source,
            "occurred_at": e.occurred_at, "client_id": e.id,
        }));
        let consent = ConsentEvent {
            id,
            tenant_id: who.tenant.id,
            client_id: e.id.clone(),
            subject_id: e.subject_id.clone(),
            purpose: e.purpose.clone(),
            action: e.action,
            notice_version: e.notice_version.clone(),
            method: e.method,
            source: e.source.clone(),
            occurred_at: e.occurred_at,
            recorded_at: now,
            recorded_by: party(who),
            audit_id: record.id,
            ledger_index: None,
        };
        match self.store.insert_consent_event(&consent, &record).await {
            Ok(()) => Ok((
                Recorded {
                    event: consent,
                    created: true,
                },
                Some(record),
            )),
            // Another request with the same client id got there first.
            Err(StoreError::Duplicate(_)) => {
                let client_id = e.id.as_deref().unwrap_or_default();
                let earlier = self
                    .store
                    .consent_event_by_client_id(who.tenant.id, client_id)
                    .await?
                    .ok_or_else(|| {
                        DomainError::Conflict("consent event id already exists".into())
                    })?;
                Ok((same_or_conflict(earlier, e)?, None))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Records one grant or withdrawal (contributors and above, service tokens); audited as
    /// `privacy.consent.granted` or `privacy.consent.withdrawn`, whose ledger entry is the
    /// event's. The answer carries the ledger index once the ledger has appended it.
    pub async fn record(&self, who: &Principal, e: &NewConsentEvent) -> DomainResult<Recorded> {
        who.require(Permission::Write)?;
        let purposes = self.purpose_keys(who).await?;
        let (mut recorded, record) = self.store_event(who, e, &purposes).await?;
        if let Some(record) = record {
            recorded.event.ledger_index = self.append(&record).await;
        }
        Ok(recorded)
    }

    /// Hands `record` to the ledger now; `None` (the outbox drain will) when there is no
    /// ledger or it cannot take it at the moment.
    async fn append(&self, record: &AuditRecord) -> Option<u64> {
        let ledger = self.ledger.as_ref()?;
        match ledger.append_audit_record(record).await {
            Ok(index) => Some(index),
            Err(e) => {
                tracing::warn!(error = %e, "consent event left to the outbox drain");
                None
            }
        }
    }

    /// Records the events of an NDJSON or CSV file (contributors and above): each line on its
    /// own, bad lines refused with their errors while good ones land; a line whose `id` was
    /// recorded before with the same content is a duplicate and records nothing.
    pub async fn import(
        &self,
        who: &Principal,
        format: ImportFormat,
        content: &str,
    ) -> DomainResult<ImportResult> {
        who.require(Permission::Write)?;
        let lines = read_import(format, content)?;
        let purposes = self.purpose_keys(who).await?;
        let mut out = ImportResult {
            recorded: 0,
            duplicates: 0,
            rejected: 0,
            lines: Vec::with_capacity(lines.len()),
        };
        for line in lines {
            let result = match line.event {
                Err(errors) => Err(errors),
                Ok(e) => match self.store_event(who, &e, &purposes).await {
                    Ok((r, _)) => Ok(r),
                    Err(DomainError::Validation(errors)) => Err(errors),
                    Err(DomainError::Conflict(m)) => Err(vec![FieldError {
                        field: "id".into(),
                        message: m,
                    }]),
                    Err(other) => return Err(other),
                },
            };
            out.lines.push(match result {
                Ok(r) => {
                    let status = if r.created {
                        out.recorded += 1;
                        LineStatus::Recorded
                    } else {
                        out.duplicates += 1;
                        LineStatus::Duplicate
                    };
                    ImportLineResult {
                        line: line.line,
                        status,
                        event_id: Some(r.event.id),
                        errors: vec![],
                    }
                }
                Err(errors) => {
                    out.rejected += 1;
                    ImportLineResult {
                        line: line.line,
                        status: LineStatus::Rejected,
                        event_id: None,
                        errors,
                    }
                }
            });
        }
        // Hand the new records to the ledger in batches rather than one by one.
        if out.recorded > 0
            && let Some(ledger) = &self.ledger
        {
            let mut rounds = 0;
            loop {
                match ledger.drain_outbox(1_000).await {
                    Ok(0) => break,
                    Ok(_) if rounds < 100 => rounds += 1,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "imported consent left to the outbox drain");
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Recorded events, newest first by `occurred_at` (any member): one subject's, one
    /// purpose's, or the tenant's latest (`limit`, at most 1,000).
    pub async fn history(
        &self,
        who: &Principal,
        subject: Option<&str>,
        purpose: Option<&str>,
        limit: Option<u32>,
    ) -> DomainResult<Vec<ConsentEvent>> {
        who.require(Permission::Read)?;
        if let Some(s) = subject {
            check_subject(s)?;
        }
        let limit = limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(DomainError::invalid("limit", "between 1 and 1000"));
        }
        Ok(self
            .store
            .consent_events(
                who.tenant.id,
                &ConsentFilter {
                    subject_id: subject.map(str::to_owned),
                    purpose: purpose.map(str::to_owned),
                    limit: Some(limit),
                },
            )
            .await?)
    }

    async fn subject_events(
        &self,
        who: &Principal,
        subject: &str,
    ) -> DomainResult<Vec<ConsentEvent>> {
        check_subject(subject)?;
        Ok(self
            .store
            .consent_events(
                who.tenant.id,
                &ConsentFilter {
                    subject_id: Some(subject.to_owned()),
                    purpose: None,
                    limit: None,
                },
            )
            .await?)
    }

    /// Every event of a subject, oldest first (for the access export; callers check rights).
    pub async fn subject_history(
        &self,
        who: &Principal,
        subject: &str,
    ) -> DomainResult<Vec<ConsentEvent>> {
        let mut events = self.subject_events(who, subject).await?;
        events.reverse();
        Ok(events)
    }

    /// A subject's consent now, per purpose (any member); a subject with no events has none.
    pub async fn subject_state(
        &self,
        who: &Principal,
        subject: &str,
    ) -> DomainResult<SubjectConsent> {
        who.require(Permission::Read)?;
        let events = self.subject_events(who, subject).await?;
        Ok(SubjectConsent {
            subject_id: subject.to_owned(),
            purposes: derive_states(&events),
        })
    }

    /// A subject's consent at `at`, proved against the tenant's latest signed checkpoint (any
    /// member): only events that occurred by `at` and are in that checkpoint's tree count, and
    /// each purpose's deciding event comes with its envelope and tlog-proof. `NotFound` before
    /// the first checkpoint.
    pub async fn subject_state_at(
        &self,
        who: &Principal,
        subject: &str,
        at: DateTime<Utc>,
    ) -> DomainResult<ConsentAtTime> {
        who.require(Permission::Read)?;
        let ledger = self.ledger()?;
        let events = self.subject_events(who, subject).await?;
        let checkpoint = ledger
            .latest_checkpoint(who.tenant.id)
            .await
            .map_err(DomainError::from)?
            .ok_or_else(|| {
                DomainError::NotFound(
                    "a signed checkpoint of the tenant's ledger (the ledger task signs one \
                     within a minute of the first entries)"
                        .into(),
                )
            })?;
        let mut purposes = Vec::new();
        for state in derive_states_at(&events, at, checkpoint.size) {
            let index = state
                .ledger_index
                .ok_or_else(|| DomainError::Internal("proven event without an index".into()))?;
            let proof = ledger
                .tlog_proof_in(who.tenant.id, index, &checkpoint)
                .await
                .map_err(DomainError::from)?;
            let entry = ledger
                .entry(who.tenant.id, index)
                .await
                .map_err(DomainError::from)?
                .ok_or_else(|| DomainError::Internal(format!("ledger entry {index} missing")))?;
            purposes.push(ProvenState {
                state,
                envelope: String::from_utf8_lossy(&entry.envelope).into_owned(),
                tlog_proof: proof.to_text(),
            });
        }
        Ok(ConsentAtTime {
            subject_id: subject.to_owned(),
            at,
            checkpoint: ProofCheckpoint {
                size: checkpoint.size,
                root: checkpoint.root.to_base64(),
                signed_note: checkpoint.signed_note.clone(),
                signed_at: checkpoint.created_at,
            },
            purposes,
        })
    }

    /// A consent receipt for a subject, for every purpose with events or one (any member);
    /// `NotFound` when nothing is recorded.
    pub async fn receipt(
        &self,
        who: &Principal,
        subject: &str,
        purpose: Option<&str>,
    ) -> DomainResult<ConsentReceipt> {
        who.require(Permission::Read)?;
        let events = self.subject_events(who, subject).await?;
        let registered = self.store.list_consent_purposes(who.tenant.id).await?;
        let activities = self.store.list_processing_activities(who.tenant.id).await?;
        let purposes: Vec<ReceiptPurpose> = derive_states(&events)
            .into_iter()
            .filter(|s| purpose.is_none_or(|p| p == s.purpose))
            .map(|s| {
                let p = registered.iter().find(|p| p.key == s.purpose);
                let activity = p
                    .and_then(|p| p.activity_id)
                    .and_then(|a| activities.iter().find(|x| x.id == a))
                    .map(|a| format!("{} {}", a.reference, a.name));
                ReceiptPurpose {
                    title: p.map_or_else(|| s.purpose.clone(), |p| p.title.clone()),
                    description: p.map(|p| p.description.clone()).unwrap_or_default(),
                    legal_basis: p.map_or(LegalBasis::Consent, |p| p.legal_basis),
                    processing_activity: activity,
                    purpose: s.purpose,
                    state: s.state,
                    notice_version: s.notice_version,
                    method: s.method,
                    given_at: s.given_at,
                    withdrawn_at: s.withdrawn_at,
                    ledger_index: s.ledger_index,
                }
            })
            .collect();
        if purposes.is_empty() {
            return Err(DomainError::NotFound(match purpose {
                Some(p) => format!("consent of subject {subject:?} for purpose {p:?}"),
                None => format!("consent of subject {subject:?}"),
            }));
        }
        Ok(ConsentReceipt {
            receipt_id: Uuid::now_v7(),
            version: RECEIPT_VERSION.to_owned(),
            issued_at: self.clock.now(),
            controller: ReceiptController {
                name: who.tenant.name.clone(),
                id: who.tenant.slug.as_str().to_owned(),
            },
            subject_id: subject.to_owned(),
            purposes,
        })
    }
}

fn same_or_conflict(earlier: ConsentEvent, e: &NewConsentEvent) -> DomainResult<Recorded> {
    if earlier.same_as(e) {
        Ok(Recorded {
            event: earlier,
            created: false,
        })
    } else {
        Err(DomainError::Conflict(format!(
            "consent event id {:?} was recorded before with other content",
            e.id.as_deref().unwrap_or_default()
        )))
    }
}
