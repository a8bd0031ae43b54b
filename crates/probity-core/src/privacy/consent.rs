//! The consent ledger's model: the purposes a tenant asks consent for, the grant and withdrawal
//! events recorded per pseudonymous subject (each one an entry of the tenant's ledger through
//! its audit record), and the pure rules over them: checking an event, deriving a subject's
//! state per purpose from the history (now, or at a past time within a signed checkpoint),
//! reading a bulk import (NDJSON or CSV) line by line, and the consent receipt.
//!
//! The state of a subject for a purpose is decided by the latest event by `occurred_at` (when
//! the subject acted, as the client says); events that occurred at the same instant are
//! ordered by ledger index (an event not yet in the ledger comes after every one that is).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::processing::{ActivityId, LegalBasis};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a consent purpose.
    PurposeId
);
uuid_id!(
    /// Identifies a recorded consent event.
    ConsentEventId
);

/// How far in the future a client's `occurred_at` may be (clock skew between systems).
pub const MAX_SKEW: Duration = Duration::minutes(5);
/// The longest bulk import accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;
/// The most lines one bulk import may hold.
pub const MAX_IMPORT_LINES: usize = 10_000;

/// A purpose the tenant asks consent for, named in receipts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentPurpose {
    /// Id.
    pub id: PurposeId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The key events name it by (`newsletter`, `analytics.web`); fixed once created.
    pub key: String,
    /// Title shown in receipts.
    pub title: String,
    /// What the subject agrees to, in plain words.
    pub description: String,
    /// The processing activity (record of processing) it belongs to.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
    /// The legal basis the processing rests on (`consent` unless another applies).
    pub legal_basis: LegalBasis,
    /// Who last changed it.
    pub updated_by: Party,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: u32,
}

/// A purpose to register.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPurpose {
    /// The key: 1–64 of `a-z`, `0-9`, `_`, `-`, `.`, starting with a letter or digit.
    pub key: String,
    /// Title shown in receipts.
    pub title: String,
    /// What the subject agrees to.
    #[serde(default)]
    pub description: String,
    /// The processing activity it belongs to.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
    /// The legal basis (`consent` when absent).
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
}

/// A change to a purpose (its key stays).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeUpdate {
    /// Title shown in receipts.
    pub title: String,
    /// What the subject agrees to.
    #[serde(default)]
    pub description: String,
    /// The processing activity it belongs to.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
    /// The legal basis (`consent` when absent).
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// Whether consent is given or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    /// The subject agrees.
    Grant,
    /// The subject takes the agreement back.
    Withdraw,
}

impl ConsentAction {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentAction::Grant => "grant",
            ConsentAction::Withdraw => "withdraw",
        }
    }
}

/// How the subject expressed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// A form on a web site or in an app.
    WebForm,
    /// A signed paper form.
    Paper,
    /// Said aloud (a call, in person), noted by staff.
    Verbal,
    /// Sent by another system through an API.
    Api,
    /// Carried over from another system's records.
    Import,
    /// A reply by email.
    Email,
    /// Anything else (say which in the source).
    Other,
}

impl ConsentMethod {
    /// Every method, in the order forms list them.
    pub const ALL: [ConsentMethod; 7] = [
        ConsentMethod::WebForm,
        ConsentMethod::Paper,
        ConsentMethod::Verbal,
        ConsentMethod::Email,
        ConsentMethod::Api,
        ConsentMethod::Import,
        ConsentMethod::Other,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::WebForm => "web_form",
            ConsentMethod::Paper => "paper",
            ConsentMethod::Verbal => "verbal",
            ConsentMethod::Api => "api",
            ConsentMethod::Import => "import",
            ConsentMethod::Email => "email",
            ConsentMethod::Other => "other",
        }
    }
}

/// A grant or withdrawal as a client sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsentEvent {
    /// The client's own id of the event: sending it again records nothing new.
    #[serde(default)]
    pub id: Option<String>,
    /// The pseudonymous subject id (1–200 characters, no control characters).
    pub subject_id: String,
    /// The purpose's key (a registered purpose).
    pub purpose: String,
    /// Grant or withdraw.
    pub action: ConsentAction,
    /// The version of the notice the subject was shown.
    pub notice_version: String,
    /// How it was expressed.
    pub method: ConsentMethod,
    /// The system or app that captured it.
    pub source: String,
    /// When the subject acted; at most five minutes ahead of the server's clock.
    pub occurred_at: DateTime<Utc>,
}

/// A recorded grant or withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentEvent {
    /// Id.
    pub id: ConsentEventId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The client's own id, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The pseudonymous subject id.
    pub subject_id: String,
    /// The purpose's key.
    pub purpose: String,
    /// Grant or withdraw.
    pub action: ConsentAction,
    /// The notice version shown.
    pub notice_version: String,
    /// How it was expressed.
    pub method: ConsentMethod,
    /// The capturing system or app.
    pub source: String,
    /// When the subject acted.
    pub occurred_at: DateTime<Utc>,
    /// When Probity recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Party,
    /// The audit record written with it (its ledger entry's record id).
    pub audit_id: Uuid,
    /// The entry of the tenant's ledger holding it; `null` until the ledger has taken it.
    #[serde(default)]
    pub ledger_index: Option<u64>,
}

impl ConsentEvent {
    /// The order deciding the state: `occurred_at`, then ledger index (not yet in the ledger:
    /// last), then the id.
    fn order_key(&self) -> (DateTime<Utc>, u64, ConsentEventId) {
        (
            self.occurred_at,
            self.ledger_index.unwrap_or(u64::MAX),
            self.id,
        )
    }

    /// Whether this is the same event as `e` would record (an idempotent retry).
    pub fn same_as(&self, e: &NewConsentEvent) -> bool {
        self.subject_id == e.subject_id
            && self.purpose == e.purpose
            && self.action == e.action
            && self.notice_version == e.notice_version
            && self.method == e.method
            && self.source == e.source
            && self.occurred_at == e.occurred_at
    }
}

/// Granted or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    /// The latest event is a grant.
    Granted,
    /// The latest event is a withdrawal.
    Withdrawn,
}

impl ConsentState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Granted => "granted",
            ConsentState::Withdrawn => "withdrawn",
        }
    }
}

/// A subject's state for one purpose, with the event that decides it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PurposeState {
    /// The purpose's key.
    pub purpose: String,
    /// Granted or withdrawn.
    pub state: ConsentState,
    /// The deciding event (the latest).
    pub event_id: ConsentEventId,
    /// Its ledger index (`null` until the ledger has taken it).
    pub ledger_index: Option<u64>,
    /// When the subject acted.
    pub occurred_at: DateTime<Utc>,
    /// The notice version of the deciding event.
    pub notice_version: String,
    /// How it was expressed.
    pub method: ConsentMethod,
    /// When the consent now (or last) in force was given: the latest grant not after the
    /// deciding event.
    pub given_at: Option<DateTime<Utc>>,
    /// When it was withdrawn, if it is.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Events recorded for this subject and purpose.
    pub events: usize,
}

/// Derives the state per purpose from one subject's events (in any order), by purpose key.
pub fn derive_states(events: &[ConsentEvent]) -> Vec<PurposeState> {
    let mut sorted: Vec<&ConsentEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.purpose.clone(), e.order_key()));
    let mut out: Vec<PurposeState> = Vec::new();
    for group in sorted.chunk_by(|a, b| a.purpose == b.purpose) {
        let Some(last) = group.last() else { continue };
        let given_at = group
            .iter()
            .rev()
            .find(|e| e.action == ConsentAction::Grant)
            .map(|e| e.occurred_at);
        let state = match last.action {
            ConsentAction::Grant => ConsentState::Granted,
            ConsentAction::Withdraw => ConsentState::Withdrawn,
        };
        out.push(PurposeState {
            purpose: last.purpose.clone(),
            state,
            event_id: last.id,
            ledger_index: last.ledger_index,
            occurred_at: last.occurred_at,
            notice_version: last.notice_version.clone(),
            method: last.method,
            given_at,
            withdrawn_at: (state == ConsentState::Withdrawn).then_some(last.occurred_at),
            events: group.len(),
        });
    }
    out
}

/// The state at `at` as a checkpoint of `checkpoint_size` entries proves it: from the events
/// that occurred by `at` and are entries below `checkpoint_size`.
pub fn derive_states_at(
    events: &[ConsentEvent],
    at: DateTime<Utc>,
    checkpoint_size: u64,
) -> Vec<PurposeState> {
    let proven: Vec<ConsentEvent> = events
        .iter()
        .filter(|e| e.occurred_at <= at && e.ledger_index.is_some_and(|i| i < checkpoint_size))
        .cloned()
        .collect();
    derive_states(&proven)
}

fn no_controls(field: &str, value: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let chars = value.chars().count();
    let err = |message: String| FieldError {
        field: field.to_owned(),
        message,
    };
    if chars < min {
        return Err(err("is required".into()));
    }
    if chars > max {
        return Err(err(format!("at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(err("must not contain control characters".into()));
    }
    if value.trim() != value {
        return Err(err("must not start or end with white space".into()));
    }
    Ok(())
}

/// Checks a pseudonymous subject id: 1–200 characters, no control characters, no white space
/// at either end.
pub fn check_subject(subject: &str) -> DomainResult<()> {
    no_controls("subject_id", subject, 1, 200).map_err(|e| DomainError::Validation(vec![e]))
}

/// Checks a purpose key: 1–64 of `a-z`, `0-9`, `_`, `-`, `.`, starting with a letter or digit.
pub fn check_key(key: &str) -> DomainResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "key",
            "1–64 of a-z, 0-9, '_', '-' and '.', starting with a letter or digit \
             (e.g. newsletter)",
        ))
    }
}

/// Checks an event's fields against the clock and the registered purpose keys; every bad
/// field is named.
pub fn check_event(
    e: &NewConsentEvent,
    now: DateTime<Utc>,
    purposes: &[String],
) -> DomainResult<()> {
    let mut errors = Vec::new();
    if let Some(id) = &e.id
        && let Err(err) = no_controls("id", id, 1, 200)
    {
        errors.push(err);
    }
    if let Err(err) = no_controls("subject_id", &e.subject_id, 1, 200) {
        errors.push(err);
    }
    if !purposes.contains(&e.purpose) {
        errors.push(FieldError {
            field: "purpose".into(),
            message: if purposes.is_empty() {
                "no purpose is registered yet: register it first".into()
            } else {
                format!(
                    "{:?} is not a registered purpose; registered: {}",
                    e.purpose,
                    purposes.join(", ")
                )
            },
        });
    }
    if let Err(err) = no_controls("notice_version", &e.notice_version, 1, 100) {
        errors.push(err);
    }
    if let Err(err) = no_controls("source", &e.source, 1, 200) {
        errors.push(err);
    }
    if e.occurred_at > now + MAX_SKEW {
        errors.push(FieldError {
            field: "occurred_at".into(),
            message: "is in the future (more than five minutes ahead of the server)".into(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors))
    }
}

/// The format of a bulk import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// One JSON event per line.
    Ndjson,
    /// A header line naming the columns (`subject_id`, `purpose`, `action`,
    /// `notice_version`, `method`, `source`, `occurred_at`, optionally `id`), then one event
    /// per line.
    Csv,
}

/// One line of an import, read: the event, or what is wrong with the line.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportLine {
    /// 1-based line number in the file.
    pub line: usize,
    /// The event, or the errors.
    pub event: Result<NewConsentEvent, Vec<FieldError>>,
}

fn line_error(field: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError {
        field: field.to_owned(),
        message: message.into(),
    }]
}

/// Reads an import into its lines (blank lines skipped); a file beyond the bounds, or a CSV
/// without the needed columns, is refused as a whole.
pub fn read_import(format: ImportFormat, content: &str) -> DomainResult<Vec<ImportLine>> {
    if content.len() > MAX_IMPORT_BYTES {
        return Err(DomainError::invalid(
            "content",
            format!("at most {MAX_IMPORT_BYTES} bytes: split the file"),
        ));
    }
    let lines = match format {
        ImportFormat::Ndjson => content
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| ImportLine {
                line: i + 1,
                event: serde_json::from_str::<NewConsentEvent>(l.trim())
                    .map_err(|e| line_error("line", format!("not a consent event: {e}"))),
            })
            .collect::<Vec<_>>(),
        ImportFormat::Csv => read_csv(content)?,
    };
    if lines.len() > MAX_IMPORT_LINES {
        return Err(DomainError::invalid(
            "content",
            format!("at most {MAX_IMPORT_LINES} events: split the file"),
        ));
    }
    Ok(lines)
}

const CSV_COLUMNS: [&str; 7] = [
    "subject_id",
    "purpose",
    "action",
    "notice_version",
    "method",
    "source",
    "occurred_at",
];

fn read_csv(content: &str) -> DomainResult<Vec<ImportLine>> {
    let records = crate::governance::asset::parse_csv(content)
        .map_err(|e| DomainError::invalid("content", format!("line {}: {}", e.line, e.message)))?;
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let missing: Vec<&str> = CSV_COLUMNS
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(DomainError::invalid(
            "content",
            format!(
                "the CSV header lacks the column(s) {}; it needs {} (and optionally id)",
                missing.join(", "),
                CSV_COLUMNS.join(",")
            ),
        ));
    }
    let position = |name: &str| header.iter().position(|h| h == name);
    Ok(records
        .map(|(line, fields)| {
            let get = |name: &str| -> Option<String> {
                position(name).and_then(|i| fields.get(i)).cloned()
            };
            let mut object = serde_json::Map::new();
            for name in CSV_COLUMNS.iter().chain(["id"].iter()) {
                if let Some(v) = get(name).filter(|v| !(v.is_empty() && *name == "id")) {
                    object.insert((*name).to_owned(), serde_json::Value::String(v));
                }
            }
            let event = if fields.len() != header.len() {
                Err(line_error(
                    "line",
                    format!(
                        "{} fields where the header has {}",
                        fields.len(),
                        header.len()
                    ),
                ))
            } else {
                serde_json::from_value::<NewConsentEvent>(serde_json::Value::Object(object))
                    .map_err(|e| line_error("line", format!("not a consent event: {e}")))
            };
            ImportLine { line, event }
        })
        .collect())
}

/// What happened to one line of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Recorded now.
    Recorded,
    /// Its id was recorded before with the same content: nothing new.
    Duplicate,
    /// Refused; see the errors.
    Rejected,
}

/// The outcome of one line of an import.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportLineResult {
    /// 1-based line number.
    pub line: usize,
    /// What happened.
    pub status: LineStatus,
    /// The recorded (or earlier) event's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<ConsentEventId>,
    /// Why the line was refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// Lines recorded now.
    pub recorded: usize,
    /// Lines already recorded (same id, same content).
    pub duplicates: usize,
    /// Lines refused.
    pub rejected: usize,
    /// Every line's outcome, in file order.
    pub lines: Vec<ImportLineResult>,
}

/// A consent receipt: what the tenant holds as the subject's consent, per purpose, in a shape
/// modelled on the fields ISO/IEC 27560 names for consent records.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ConsentReceipt {
    /// A fresh id of this receipt.
    pub receipt_id: Uuid,
    /// The receipt format's version.
    pub version: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// The controller: the tenant.
    pub controller: ReceiptController,
    /// The pseudonymous subject id.
    pub subject_id: String,
    /// One entry per purpose the subject has events for.
    pub purposes: Vec<ReceiptPurpose>,
}

/// The controller named in a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReceiptController {
    /// The tenant's name.
    pub name: String,
    /// The tenant's slug.
    pub id: String,
}

/// One purpose in a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReceiptPurpose {
    /// The purpose's key.
    pub purpose: String,
    /// Its title.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// The legal basis of the processing.
    pub legal_basis: LegalBasis,
    /// The processing activity it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_activity: Option<String>,
    /// Granted or withdrawn.
    pub state: ConsentState,
    /// The notice version of the deciding event.
    pub notice_version: String,
    /// How it was expressed.
    pub method: ConsentMethod,
    /// When the consent was given.
    pub given_at: Option<DateTime<Utc>>,
    /// When it was withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The deciding event's ledger index.
    pub ledger_index: Option<u64>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
    }

    fn event(purpose: &str, action: ConsentAction, hour: u32, index: Option<u64>) -> ConsentEvent {
        ConsentEvent {
            id: ConsentEventId::new(),
            tenant_id: TenantId::new(),
            client_id: None,
            subject_id: "cust-1".into(),
            purpose: purpose.into(),
            action,
            notice_version: format!("v{hour}"),
            method: ConsentMethod::WebForm,
            source: "shop".into(),
            occurred_at: at(hour),
            recorded_at: at(23),
            recorded_by: Party {
                id: "test".into(),
                name: "test".into(),
            },
            audit_id: Uuid::now_v7(),
            ledger_index: index,
        }
    }

    #[test]
    fn grant_withdraw_grant_ends_granted() {
        use ConsentAction::*;
        let events = [
            event("newsletter", Grant, 1, Some(0)),
            event("newsletter", Withdraw, 2, Some(1)),
            event("newsletter", Grant, 3, Some(2)),
        ];
        let s = derive_states(&events);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].state, ConsentState::Granted);
        assert_eq!(s[0].given_at, Some(at(3)));
        assert_eq!(s[0].withdrawn_at, None);
        assert_eq!(s[0].ledger_index, Some(2));
        assert_eq!(s[0].events, 3);
        // Before the second grant it was withdrawn, given at 1.
        let s = derive_states(&events[..2]);
        assert_eq!(s[0].state, ConsentState::Withdrawn);
        assert_eq!(s[0].given_at, Some(at(1)));
        assert_eq!(s[0].withdrawn_at, Some(at(2)));
    }

    #[test]
    fn occurred_at_decides_not_the_order_of_recording() {
        use ConsentAction::*;
        // The withdrawal (hour 5) reached Probity before a late-arriving grant of hour 2.
        let events = [
            event("analytics", Withdraw, 5, Some(10)),
            event("analytics", Grant, 2, Some(11)),
            event("newsletter", Grant, 1, Some(3)),
        ];
        let s = derive_states(&events);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].purpose, "analytics");
        assert_eq!(s[0].state, ConsentState::Withdrawn);
        assert_eq!(s[0].ledger_index, Some(10));
        assert_eq!(s[1].state, ConsentState::Granted);
        // Same instant: the later ledger index decides; one not yet in the ledger comes last.
        let tie = [
            event("x", Grant, 4, Some(7)),
            event("x", Withdraw, 4, Some(6)),
        ];
        assert_eq!(derive_states(&tie)[0].state, ConsentState::Granted);
        let pending = [event("x", Withdraw, 4, None), event("x", Grant, 4, Some(9))];
        assert_eq!(derive_states(&pending)[0].state, ConsentState::Withdrawn);
    }

    #[test]
    fn the_state_at_a_time_counts_only_events_then_and_in_the_checkpoint() {
        use ConsentAction::*;
        let events = [
            event("newsletter", Grant, 1, Some(0)),
            event("newsletter", Withdraw, 5, Some(4)),
            event("newsletter", Grant, 9, None),
        ];
        assert_eq!(
            derive_states_at(&events, at(3), 10)[0].state,
            ConsentState::Granted
        );
        assert_eq!(
            derive_states_at(&events, at(6), 10)[0].state,
            ConsentState::Withdrawn
        );
        // The withdrawal is not in a checkpoint of 4 entries.
        assert_eq!(
            derive_states_at(&events, at(6), 4)[0].state,
            ConsentState::Granted
        );
        // The pending grant is in no checkpoint.
        assert_eq!(
            derive_states_at(&events, at(10), 100)[0].state,
            ConsentState::Withdrawn
        );
        assert!(derive_states_at(&events, at(0), 100).is_empty());
    }

    #[test]
    fn events_are_checked_field_by_field() {
        let purposes = vec!["newsletter".to_owned()];
        let mut e = NewConsentEvent {
            id: None,
            subject_id: "cust-1".into(),
            purpose: "newsletter".into(),
            action: ConsentAction::Grant,
            notice_version: "2026-01".into(),
            method: ConsentMethod::WebForm,
            source: "shop".into(),
            occurred_at: at(1),
        };
        check_event(&e, at(2), &purposes).unwrap();
        e.subject_id = "a\u{7}b".into();
        e.purpose = "ads".into();
        e.occurred_at = at(3);
        let Err(DomainError::Validation(errors)) = check_event(&e, at(2), &purposes) else {
            panic!("accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["subject_id", "purpose", "occurred_at"]);
        e.subject_id = "x".repeat(201);
        assert!(check_event(&e, at(2), &purposes).is_err());
        assert!(check_subject(&"é".repeat(200)).is_ok());
        assert!(check_key("newsletter.v2").is_ok());
        assert!(check_key("News").is_err());
    }

    #[test]
    fn imports_read_line_by_line() {
        let ndjson = concat!(
            r#"{"subject_id":"c1","purpose":"p","action":"grant","notice_version":"1","method":"paper","source":"s","occurred_at":"2026-01-01T00:00:00Z"}"#,
            "\n\nnot json\n",
            r#"{"subject_id":"c2","purpose":"p","action":"maybe","notice_version":"1","method":"paper","source":"s","occurred_at":"2026-01-01T00:00:00Z"}"#,
        );
        let lines = read_import(ImportFormat::Ndjson, ndjson).unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].event.is_ok());
        assert_eq!(lines[1].line, 3);
        assert!(lines[1].event.is_err());
        assert!(lines[2].event.is_err());

        let csv = "id,subject_id,purpose,action,notice_version,method,source,occurred_at\n\
                   a1,c1,p,grant,1,paper,s,2026-01-01T00:00:00Z\n\
                   ,c2,p,withdraw,1,verbal,\"call, centre\",2026-01-02T00:00:00Z\n\
                   a3,c3,p,grant\n";
        let lines = read_import(ImportFormat::Csv, csv).unwrap();
        assert_eq!(lines.len(), 3);
        let first = lines[0].event.as_ref().unwrap();
        assert_eq!(first.id.as_deref(), Some("a1"));
        let second = lines[1].event.as_ref().unwrap();
        assert_eq!(second.id, None);
        assert_eq!(second.source, "call, centre");
        assert_eq!(lines[2].line, 4);
        assert!(lines[2].event.is_err());
        assert!(read_import(ImportFormat::Csv, "subject_id,purpose\nc1,p\n").is_err());
    }
}
