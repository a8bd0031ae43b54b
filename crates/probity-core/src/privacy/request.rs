//! Data subject requests: the kinds each regime knows, the workflow
//! `received → verifying_identity → in_progress → (extended) → completed | denied` with the
//! rules on which moves are legal, and the view with the due date, days left and overdue flag.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::deadline::{Period, Regime, days_left, due_date, request_rule};
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a data subject request.
    RequestId
);

/// What the subject asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A copy of their data (GDPR Art. 15, LGPD, HIPAA).
    Access,
    /// Correction (GDPR Art. 16).
    Rectification,
    /// Erasure (GDPR Art. 17).
    Erasure,
    /// Their data in a portable format (GDPR Art. 20).
    Portability,
    /// Restriction of processing (GDPR Art. 18).
    Restriction,
    /// Objection to processing (GDPR Art. 21).
    Objection,
    /// Right to know (CCPA).
    Know,
    /// Deletion (CCPA).
    Delete,
    /// Correction (CPRA).
    Correct,
    /// Opting out of sale or sharing (CCPA).
    OptOut,
}

impl RequestKind {
    /// Every kind.
    pub const ALL: [RequestKind; 10] = [
        RequestKind::Access,
        RequestKind::Rectification,
        RequestKind::Erasure,
        RequestKind::Portability,
        RequestKind::Restriction,
        RequestKind::Objection,
        RequestKind::Know,
        RequestKind::Delete,
        RequestKind::Correct,
        RequestKind::OptOut,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectification => "rectification",
            RequestKind::Erasure => "erasure",
            RequestKind::Portability => "portability",
            RequestKind::Restriction => "restriction",
            RequestKind::Objection => "objection",
            RequestKind::Know => "know",
            RequestKind::Delete => "delete",
            RequestKind::Correct => "correct",
            RequestKind::OptOut => "opt_out",
        }
    }

    /// The kinds a regime provides for.
    pub fn of(regime: Regime) -> &'static [RequestKind] {
        use RequestKind as K;
        match regime {
            Regime::Gdpr => &[
                K::Access,
                K::Rectification,
                K::Erasure,
                K::Portability,
                K::Restriction,
                K::Objection,
            ],
            Regime::Ccpa => &[K::Know, K::Delete, K::Correct, K::OptOut],
            Regime::Lgpd | Regime::Hipaa => &[K::Access],
        }
    }
}

/// Where a request is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Logged, nothing done yet.
    Received,
    /// Checking that the requester is the subject (the clock keeps running).
    VerifyingIdentity,
    /// Being worked on.
    InProgress,
    /// Put off within the regime's extension, with reasons given to the subject.
    Extended,
    /// Answered.
    Completed,
    /// Refused, with reasons.
    Denied,
}

impl RequestState {
    /// Every state.
    pub const ALL: [RequestState; 6] = [
        RequestState::Received,
        RequestState::VerifyingIdentity,
        RequestState::InProgress,
        RequestState::Extended,
        RequestState::Completed,
        RequestState::Denied,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Received => "received",
            RequestState::VerifyingIdentity => "verifying_identity",
            RequestState::InProgress => "in_progress",
            RequestState::Extended => "extended",
            RequestState::Completed => "completed",
            RequestState::Denied => "denied",
        }
    }

    /// The wire name parsed back.
    pub fn parse(s: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Answered or refused: the clock no longer matters.
    pub fn is_closed(self) -> bool {
        matches!(self, RequestState::Completed | RequestState::Denied)
    }

    /// The states a transition may lead to from here. `extended` is reached only through an
    /// extension, never as a plain transition.
    pub fn next(self) -> &'static [RequestState] {
        use RequestState as S;
        match self {
            S::Received => &[S::VerifyingIdentity, S::InProgress, S::Denied],
            S::VerifyingIdentity => &[S::InProgress, S::Denied],
            S::InProgress | S::Extended => &[S::Completed, S::Denied],
            S::Completed | S::Denied => &[],
        }
    }
}

/// One move of the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StateChange {
    /// From.
    pub from: RequestState,
    /// To.
    pub to: RequestState,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Party,
    /// Why (required for a denial and an extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An extension granted to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Extension {
    /// When it was notified.
    pub at: DateTime<Utc>,
    /// Who decided it.
    pub by: Party,
    /// The reasons given to the subject.
    pub reason: String,
    /// The due date before it.
    pub previous_due_date: NaiveDate,
}

/// A data subject request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataSubjectRequest {
    /// Its id.
    pub id: RequestId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `DSR-001`, ...
    pub reference: String,
    /// The law it is made under.
    pub regime: Regime,
    /// What is asked for.
    pub kind: RequestKind,
    /// A pseudonymous id for the subject (never a name or an email): the key the systems that
    /// fulfil the request look the person up by.
    pub subject_ref: String,
    /// Free-text notes (channel, scope); keep personal data out.
    #[serde(default)]
    pub notes: String,
    /// When it arrived: the clock starts here.
    pub received_at: DateTime<Utc>,
    /// Current state.
    pub state: RequestState,
    /// The date an answer is due (moved by an extension).
    pub due_date: NaiveDate,
    /// The extension, once granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// When the subject was first contacted (the first move out of `received`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it was completed or denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Every move, oldest first.
    pub history: Vec<StateChange>,
    /// Who logged it.
    pub created_by: Party,
    /// Bumped by every change (optimistic concurrency).
    pub version: u32,
    /// What completing it did, per kind of record: erased, kept (and why) or exported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfilment: Vec<FulfilmentLine>,
}

/// What completing a request did with one kind of record the subject is named in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FulfilmentLine {
    /// Where the records are: `audit_trail`, `consent`, `requests`, `export`.
    pub scope: String,
    /// What happened to them.
    pub outcome: FulfilmentOutcome,
    /// How many records.
    pub count: u64,
    /// What exactly, and for what is kept, why (the legal hold or the obligation).
    pub detail: String,
}

/// What happened to a kind of record when a request was completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentOutcome {
    /// Erased.
    Erased,
    /// Kept, with the reason in the line's detail.
    Kept,
    /// Handed to the subject in the request's export.
    Exported,
}

impl FulfilmentOutcome {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Erased => "erased",
            Self::Kept => "kept",
            Self::Exported => "exported",
        }
    }
}

/// A request with its clock read at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    /// The request.
    #[serde(flatten)]
    pub request: DataSubjectRequest,
    /// Whole days until the due date (negative once past).
    pub days_left: i64,
    /// Past its due date and still open.
    pub overdue: bool,
    /// The regime's time to answer.
    pub response_period: String,
    /// The last date an extension may be notified, while one is still possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_deadline: Option<NaiveDate>,
    /// When receipt must be acknowledged, where the regime asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgment_due: Option<NaiveDate>,
}

/// The first due date of a request received at `received_at`.
pub fn initial_due_date(
    regime: Regime,
    received_at: DateTime<Utc>,
    holidays: &[NaiveDate],
) -> NaiveDate {
    due_date(
        received_at.date_naive(),
        request_rule(regime).response,
        holidays,
    )
}

/// Response and extension added up into one period counted from receipt (months stay months,
/// so 31 January + 3 months is 30 April).
pub fn extended_period(response: Period, extension: Period) -> Option<Period> {
    match (response, extension) {
        (Period::Months(a), Period::Months(b)) => Some(Period::Months(a + b)),
        (Period::CalendarDays(a), Period::CalendarDays(b)) => Some(Period::CalendarDays(a + b)),
        (Period::BusinessDays(a), Period::BusinessDays(b)) => Some(Period::BusinessDays(a + b)),
        (Period::Hours(a), Period::Hours(b)) => Some(Period::Hours(a + b)),
        _ => None,
    }
}

impl DataSubjectRequest {
    /// Checks a move to `to` and applies it.
    pub fn transition(
        &mut self,
        to: RequestState,
        reason: Option<String>,
        by: Party,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        if !self.state.next().contains(&to) {
            let allowed: Vec<&str> = self.state.next().iter().map(|s| s.as_str()).collect();
            return Err(DomainError::invalid(
                "to",
                format!(
                    "a request cannot move from {} to {} (allowed: {})",
                    self.state.as_str(),
                    to.as_str(),
                    if allowed.is_empty() {
                        "none, it is closed".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if to == RequestState::Denied && reason.is_none() {
            return Err(DomainError::invalid(
                "reason",
                "a denial must give its reasons",
            ));
        }
        self.history.push(StateChange {
            from: self.state,
            to,
            at,
            by,
            reason,
        });
        if self.acknowledged_at.is_none() {
            self.acknowledged_at = Some(at);
        }
        if to.is_closed() {
            self.closed_at = Some(at);
        }
        self.state = to;
        self.version += 1;
        Ok(())
    }

    /// Extends the due date by the regime's extension: once, with reasons, while the first
    /// period has not run out, and only while the request is being verified or worked on.
    pub fn extend(
        &mut self,
        reason: &str,
        by: Party,
        at: DateTime<Utc>,
        holidays: &[NaiveDate],
    ) -> DomainResult<()> {
        let rule = request_rule(self.regime);
        let Some(extension) = rule.extension else {
            return Err(DomainError::invalid(
                "regime",
                format!(
                    "{} does not allow extending a request",
                    self.regime.as_str()
                ),
            ));
        };
        if self.extension.is_some() {
            return Err(DomainError::invalid(
                "state",
                "the request was already extended",
            ));
        }
        if !matches!(
            self.state,
            RequestState::VerifyingIdentity | RequestState::InProgress
        ) {
            return Err(DomainError::invalid(
                "state",
                format!(
                    "only a request being verified or in progress can be extended, not one {}",
                    self.state.as_str()
                ),
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid(
                "reason",
                "an extension must give the subject its reasons",
            ));
        }
        if at.date_naive() > self.due_date {
            return Err(DomainError::invalid(
                "at",
                format!(
                    "the extension had to be notified by {}, within the first {}",
                    self.due_date,
                    rule.response.describe()
                ),
            ));
        }
        let total = extended_period(rule.response, extension).unwrap_or(extension);
        let previous = self.due_date;
        self.due_date = due_date(self.received_at.date_naive(), total, holidays);
        self.extension = Some(Extension {
            at,
            by: by.clone(),
            reason: reason.to_owned(),
            previous_due_date: previous,
        });
        self.history.push(StateChange {
            from: self.state,
            to: RequestState::Extended,
            at,
            by,
            reason: Some(reason.to_owned()),
        });
        if self.acknowledged_at.is_none() {
            self.acknowledged_at = Some(at);
        }
        self.state = RequestState::Extended;
        self.version += 1;
        Ok(())
    }

    /// The request with its clock read on `today`.
    pub fn view(self, today: NaiveDate, holidays: &[NaiveDate]) -> RequestView {
        let rule = request_rule(self.regime);
        let left = days_left(self.due_date, today);
        let extension_deadline =
            (rule.extension.is_some() && self.extension.is_none() && !self.state.is_closed())
                .then_some(self.due_date);
        let acknowledgment_due = rule
            .acknowledgment
            .map(|p| due_date(self.received_at.date_naive(), p, holidays));
        RequestView {
            overdue: left < 0 && !self.state.is_closed(),
            days_left: left,
            response_period: rule.response.describe(),
            extension_deadline,
            acknowledgment_due,
            request: self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn party() -> Party {
        Party {
            id: "user:1".into(),
            name: "Dana".into(),
        }
    }

    fn request(regime: Regime, received: DateTime<Utc>) -> DataSubjectRequest {
        DataSubjectRequest {
            id: RequestId::new(),
            tenant_id: TenantId::new(),
            reference: "DSR-001".into(),
            regime,
            kind: RequestKind::of(regime)[0],
            subject_ref: "subj-1".into(),
            notes: String::new(),
            received_at: received,
            state: RequestState::Received,
            due_date: initial_due_date(regime, received, &[]),
            extension: None,
            acknowledged_at: None,
            closed_at: None,
            history: vec![],
            created_by: party(),
            version: 1,
            fulfilment: vec![],
        }
    }

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
    }

    #[test]
    fn the_workflow_refuses_illegal_moves() {
        let mut r = request(Regime::Gdpr, at(2026, 1, 31));
        let err = r
            .transition(RequestState::Completed, None, party(), at(2026, 2, 1))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot move from received to completed"),
            "{err}"
        );
        r.transition(
            RequestState::VerifyingIdentity,
            None,
            party(),
            at(2026, 2, 1),
        )
        .unwrap();
        r.transition(RequestState::InProgress, None, party(), at(2026, 2, 2))
            .unwrap();
        assert!(
            r.transition(
                RequestState::Denied,
                Some(" ".into()),
                party(),
                at(2026, 2, 3)
            )
            .is_err()
        );
        r.transition(RequestState::Completed, None, party(), at(2026, 2, 3))
            .unwrap();
        assert_eq!(r.version, 4);
        assert_eq!(r.closed_at, Some(at(2026, 2, 3)));
        assert!(
            r.transition(
                RequestState::Denied,
                Some("x".into()),
                party(),
                at(2026, 2, 4)
            )
            .is_err()
        );
    }

    #[test]
    fn gdpr_extension_runs_three_months_from_receipt_and_only_within_the_first() {
        let mut r = request(Regime::Gdpr, at(2027, 1, 31));
        assert_eq!(r.due_date, NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
        r.transition(RequestState::InProgress, None, party(), at(2027, 2, 1))
            .unwrap();
        let mut late = r.clone();
        assert!(late.extend("volume", party(), at(2027, 3, 1), &[]).is_err());
        assert!(
            r.clone()
                .extend("  ", party(), at(2027, 2, 20), &[])
                .is_err()
        );
        r.extend("many systems to search", party(), at(2027, 2, 20), &[])
            .unwrap();
        assert_eq!(r.due_date, NaiveDate::from_ymd_opt(2027, 4, 30).unwrap());
        assert_eq!(r.state, RequestState::Extended);
        assert!(r.extend("again", party(), at(2027, 2, 21), &[]).is_err());
        r.transition(RequestState::Completed, None, party(), at(2027, 4, 1))
            .unwrap();
    }

    #[test]
    fn lgpd_cannot_be_extended_and_ccpa_adds_45_days() {
        let mut l = request(Regime::Lgpd, at(2026, 3, 1));
        l.transition(RequestState::InProgress, None, party(), at(2026, 3, 2))
            .unwrap();
        assert!(l.extend("why", party(), at(2026, 3, 3), &[]).is_err());
        let mut c = request(Regime::Ccpa, at(2026, 1, 1));
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 2, 15).unwrap());
        // The clock keeps running during identity verification.
        c.transition(
            RequestState::VerifyingIdentity,
            None,
            party(),
            at(2026, 1, 20),
        )
        .unwrap();
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 2, 15).unwrap());
        c.extend("backlog", party(), at(2026, 2, 10), &[]).unwrap();
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    }

    #[test]
    fn the_view_counts_days_and_flags_overdue() {
        let r = request(Regime::Hipaa, at(2026, 1, 1));
        let v = r
            .clone()
            .view(NaiveDate::from_ymd_opt(2026, 1, 21).unwrap(), &[]);
        assert_eq!(v.days_left, 10);
        assert!(!v.overdue);
        assert_eq!(
            v.extension_deadline,
            Some(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())
        );
        let v = r.view(NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(), &[]);
        assert_eq!(v.days_left, -3);
        assert!(v.overdue);
        let c = request(Regime::Ccpa, at(2026, 11, 2))
            .view(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(), &[]);
        assert_eq!(c.acknowledgment_due, NaiveDate::from_ymd_opt(2026, 11, 16));
    }
}
