//! The audit search projection (ADR 0007): every entry of a tenant's ledger, whether an event a
//! service sent or one of Probity's own change records, flattened into one searchable row. The
//! rows are derived from the ledger only, so the index can lag but never lead, and can be
//! rebuilt from the ledger at any time.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::Outcome;
use super::event::{AuditEvent, Category, EventOutcome, Severity};
use crate::error::{DomainError, FieldError};
use crate::page::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Where an indexed entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// Sent by one of the tenant's services (HTTP ingest, syslog).
    Ingest,
    /// Recorded by Probity itself for a change in one of its contexts.
    Probity,
}

impl EventSource {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Ingest => "ingest",
            EventSource::Probity => "probity",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [EventSource::Ingest, EventSource::Probity]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// One ledger entry as the search index holds it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndexedEvent {
    /// Ledger index of the entry (the cursor of search, tail and export).
    pub index: u64,
    /// Ingested or Probity's own.
    pub source: EventSource,
    /// Dotted type.
    pub event_type: String,
    /// Area.
    pub category: Category,
    /// Seriousness.
    pub severity: Severity,
    /// Actor kind (`user`, `service`, `api_token`, `system`, `ai_agent`).
    pub actor_type: String,
    /// Actor id.
    pub actor_id: String,
    /// Actor label.
    pub actor_name: String,
    /// The verb.
    pub action: String,
    /// Kind of thing acted on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// How it ended.
    pub outcome: EventOutcome,
    /// Client IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Control ids the event is evidence for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub control_ids: Vec<String>,
    /// Risk score 0–1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_score: Option<f64>,
    /// Data subjects the event concerns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subject_ids: Vec<String>,
    /// When it happened (sender's clock; Probity's records: when recorded).
    pub occurred_at: DateTime<Utc>,
    /// When Probity recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The entry's payload as stored in the ledger (the event or the record).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl IndexedEvent {
    /// The row of ledger entry `index` with the decrypted `payload`; `None` when the payload
    /// is neither an event nor a record (an entry kind the index does not know).
    pub fn from_payload(index: u64, payload: serde_json::Value) -> Option<Self> {
        // An ingested event carries `category` and `submitted_by`; a record carries `actor.kind`.
        if payload.get("submitted_by").is_some() {
            let event: AuditEvent = serde_json::from_value(payload.clone()).ok()?;
            return Some(Self::from_event(index, event, payload));
        }
        let record: StoredRecord = serde_json::from_value(payload.clone()).ok()?;
        Some(Self::from_record(index, record, payload))
    }

    fn from_event(index: u64, e: AuditEvent, payload: serde_json::Value) -> Self {
        let recorded_at = parse_time(&e.recorded_at).unwrap_or(DateTime::<Utc>::MIN_UTC);
        IndexedEvent {
            index,
            source: EventSource::Ingest,
            category: e.category,
            severity: e.severity,
            actor_type: e.actor.kind.as_str().to_owned(),
            actor_id: e.actor.id,
            actor_name: e.actor.name,
            action: e.action,
            resource_type: e.resource.as_ref().map(|r| r.kind.clone()),
            resource_id: e.resource.map(|r| r.id),
            outcome: e.outcome,
            ip: e.ip,
            control_ids: e.control_ids,
            risk_score: e.risk_score,
            subject_ids: e.subject_ids,
            occurred_at: parse_time(&e.occurred_at).unwrap_or(recorded_at),
            recorded_at,
            message: e.message,
            event_type: e.event_type,
            payload,
        }
    }

    fn from_record(index: u64, r: StoredRecord, payload: serde_json::Value) -> Self {
        let outcome = match r.outcome {
            Outcome::Success => EventOutcome::Success,
            Outcome::Failure => EventOutcome::Failure,
            Outcome::Denied => EventOutcome::Denied,
        };
        let severity = match outcome {
            EventOutcome::Success => Severity::Info,
            _ => Severity::Medium,
        };
        let action = r
            .event_type
            .rsplit('.')
            .next()
            .unwrap_or(&r.event_type)
            .to_owned();
        IndexedEvent {
            index,
            source: EventSource::Probity,
            category: category_of_record(&r.event_type),
            severity,
            actor_type: r.actor.kind.as_str().to_owned(),
            actor_id: r.actor.id,
            actor_name: r.actor.display,
            action,
            resource_type: Some(r.resource_type),
            resource_id: Some(r.resource_id),
            outcome,
            ip: None,
            control_ids: Vec::new(),
            risk_score: None,
            subject_ids: Vec::new(),
            occurred_at: r.recorded_at,
            recorded_at: r.recorded_at,
            message: None,
            event_type: r.event_type,
            payload,
        }
    }

    /// The text full-text search sees: type, actor, resource, message and details.
    pub fn search_text(&self) -> String {
        let mut text = String::new();
        for part in [
            Some(self.event_type.as_str()),
            Some(self.actor_id.as_str()),
            Some(self.actor_name.as_str()),
            Some(self.action.as_str()),
            self.resource_type.as_deref(),
            self.resource_id.as_deref(),
            self.message.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            text.push_str(part);
            text.push(' ');
        }
        if let Some(details) = self.payload.get("details") {
            collect_strings(details, &mut text);
        }
        text
    }
}

/// An [`super::AuditRecord`] as its ledger payload reads back.
#[derive(Deserialize)]
struct StoredRecord {
    event_type: String,
    actor: super::Actor,
    resource_type: String,
    resource_id: String,
    outcome: Outcome,
    recorded_at: DateTime<Utc>,
}

/// The category of one of Probity's own records, from its type.
fn category_of_record(event_type: &str) -> Category {
    let starts = |p: &str| event_type.starts_with(p);
    if starts("user.login")
        || starts("user.logout")
        || starts("session.")
        || starts("user.mfa")
        || starts("user.password")
    {
        Category::Authentication
    } else if starts("member.") || starts("token.") || starts("api_token.") {
        Category::Authorization
    } else if starts("tenant.")
        || starts("key.")
        || starts("keys.")
        || starts("notify.")
        || starts("witness.")
        || starts("ledger.")
    {
        Category::Configuration
    } else if starts("privacy.") || starts("consent.") || starts("dsr.") || starts("breach.") {
        Category::Privacy
    } else if starts("catalog.") || starts("control.") || starts("assessment.") {
        Category::Compliance
    } else {
        Category::DataChange
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn collect_strings(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push(' ');
        }
        serde_json::Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push(' ');
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push_str(k);
                out.push(' ');
                collect_strings(v, out);
            }
        }
        _ => {}
    }
}

/// Microseconds since the Unix epoch: how the index stores times (one integer type on both
/// backends, compared and bucketed without date parsing).
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The inverse of [`to_micros`].
pub fn from_micros(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Longest full-text query.
pub const MAX_QUERY: usize = 256;

/// Filters of a search, statistics or tail request; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// `recorded_at >= from`.
    pub from: Option<DateTime<Utc>>,
    /// `recorded_at < to`.
    pub to: Option<DateTime<Utc>>,
    /// Event type equal to this or starting with `this.`.
    pub type_prefix: Option<String>,
    /// Category.
    pub category: Option<Category>,
    /// Severity at least.
    pub min_severity: Option<Severity>,
    /// Actor id.
    pub actor: Option<String>,
    /// Resource type, optionally `type:id`.
    pub resource_type: Option<String>,
    /// Resource id (with `resource_type`).
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: Option<EventOutcome>,
    /// A control id the event names.
    pub control_id: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// Risk score at least.
    pub min_risk: Option<f64>,
    /// A data subject the event names.
    pub subject_id: Option<String>,
    /// Any of these control ids (empty: no condition); for reports narrowed to a framework.
    pub control_any: Vec<String>,
    /// Ingested or Probity's own.
    pub source: Option<EventSource>,
    /// Full text: words that must all appear (prefix match on the last one is not implied).
    pub text: Option<Vec<String>>,
}

/// The raw filter parameters, as the API and CLI take them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Earliest `recorded_at` (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Latest `recorded_at` (RFC 3339), exclusive.
    pub to: Option<String>,
    /// Event type or dotted prefix (`user.login` matches `user.login.failed`).
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Category (`authentication`, `data_access`, ...).
    pub category: Option<String>,
    /// Minimum severity (`info`, `low`, `medium`, `high`, `critical`).
    pub min_severity: Option<String>,
    /// Actor id.
    pub actor: Option<String>,
    /// Resource: `type` or `type:id`.
    pub resource: Option<String>,
    /// Outcome (`success`, `failure`, `denied`, `error`).
    pub outcome: Option<String>,
    /// A control id the event names.
    pub control: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// Minimum risk score, 0 to 1.
    pub min_risk: Option<f64>,
    /// A data subject id the event names.
    pub subject: Option<String>,
    /// `ingest` (sent by services) or `probity` (Probity's own records).
    pub source: Option<String>,
    /// Full text over type, actor, resource, message and details: all words must appear.
    pub q: Option<String>,
}

impl FilterParams {
    /// Checks every parameter, naming each bad one and its fix.
    pub fn parse(&self) -> Result<EventFilter, DomainError> {
        let mut errors = Vec::new();
        let from = time(&mut errors, "from", &self.from);
        let to = time(&mut errors, "to", &self.to);
        let type_prefix = word(&mut errors, "type", &self.event_type);
        let actor = word(&mut errors, "actor", &self.actor);
        let resource = word(&mut errors, "resource", &self.resource);
        let control_id = word(&mut errors, "control", &self.control);
        let ip = word(&mut errors, "ip", &self.ip);
        let subject_id = word(&mut errors, "subject", &self.subject);
        let category = choice(
            &mut errors,
            "category",
            &self.category,
            Category::parse,
            || names(Category::ALL, Category::as_str),
        );
        let min_severity = choice(
            &mut errors,
            "min_severity",
            &self.min_severity,
            Severity::parse,
            || names(Severity::ALL, Severity::as_str),
        );
        let outcome = choice(
            &mut errors,
            "outcome",
            &self.outcome,
            EventOutcome::parse,
            || names(EventOutcome::ALL, EventOutcome::as_str),
        );
        let source = choice(
            &mut errors,
            "source",
            &self.source,
            EventSource::parse,
            || "ingest, probity".to_owned(),
        );
        let min_risk = match self.min_risk {
            Some(r) if r.is_nan() || !(0.0..=1.0).contains(&r) => {
                push(
                    &mut errors,
                    "min_risk",
                    format!("must be between 0 and 1, got {r}"),
                );
                None
            }
            other => other,
        };
        let text = match self.q.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) if q.len() > MAX_QUERY => {
                push(
                    &mut errors,
                    "q",
                    format!("is {} bytes; keep it under {MAX_QUERY}", q.len()),
                );
                None
            }
            Some(q) => {
                let words = tokens(q);
                if words.len() > MAX_QUERY_WORDS {
                    push(
                        &mut errors,
                        "q",
                        format!("has {} words; use at most {MAX_QUERY_WORDS}", words.len()),
                    );
                    None
                } else if words.is_empty() {
                    push(
                        &mut errors,
                        "q",
                        "has no letters or digits to search for; use words".to_owned(),
                    );
                    None
                } else {
                    Some(words)
                }
            }
        };
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            push(&mut errors, "to", "must be after `from`".to_owned());
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        let (resource_type, resource_id) = match resource {
            None => (None, None),
            Some(r) => match r.split_once(':') {
                Some((t, id)) => (Some(t.to_owned()), Some(id.to_owned())),
                None => (Some(r), None),
            },
        };
        Ok(EventFilter {
            from,
            to,
            type_prefix,
            category,
            min_severity,
            actor,
            resource_type,
            resource_id,
            outcome,
            control_id,
            ip,
            min_risk,
            subject_id,
            control_any: Vec::new(),
            source,
            text,
        })
    }
}

fn push(errors: &mut Vec<FieldError>, field: &str, message: String) {
    errors.push(FieldError {
        field: field.to_owned(),
        message,
    });
}

fn time(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<DateTime<Utc>> {
    let text = v.as_deref()?;
    let parsed = parse_time(text);
    if parsed.is_none() {
        push(
            errors,
            field,
            format!("{text:?} is not an RFC 3339 time; write e.g. 2026-03-01T00:00:00Z"),
        );
    }
    parsed
}

fn word(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<String> {
    let text = v.as_deref()?.trim();
    if text.is_empty() || text.len() > super::event::MAX_SHORT {
        push(
            errors,
            field,
            format!(
                "must be 1 to {} characters; leave it out to match any",
                super::event::MAX_SHORT
            ),
        );
        return None;
    }
    Some(text.to_owned())
}

fn choice<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: &Option<String>,
    parse: fn(&str) -> Option<T>,
    expected: impl Fn() -> String,
) -> Option<T> {
    let text = v.as_deref()?;
    let parsed = parse(text);
    if parsed.is_none() {
        push(
            errors,
            field,
            format!("{text:?} is not one of: {}", expected()),
        );
    }
    parsed
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", ")
}

/// The words of a full-text query or document: runs of letters and digits, lowercased. The
/// same split is used for the query on both backends, so a query means the same everywhere.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Most words a full-text query may hold.
pub const MAX_QUERY_WORDS: usize = 16;

/// Search pagination: newest first by ledger index; the cursor is the last index returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexPage {
    /// Most rows.
    pub limit: u32,
    /// Only entries with a smaller index.
    pub before: Option<u64>,
}

impl IndexPage {
    /// Parses `limit` and `cursor` (a decimal ledger index from a previous page).
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, DomainError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => {
                u32::try_from(n).unwrap_or(DEFAULT_LIMIT)
            }
            Some(n) => {
                return Err(DomainError::invalid(
                    "limit",
                    format!("must be between 1 and {MAX_LIMIT}, got {n}"),
                ));
            }
        };
        let before = match cursor {
            None | Some("") => None,
            Some(c) => Some(c.parse::<u64>().map_err(|_| {
                DomainError::invalid(
                    "cursor",
                    "is not a cursor returned by this API; start over without it",
                )
            })?),
        };
        Ok(IndexPage { limit, before })
    }
}

/// A page of search results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    /// Newest first.
    pub items: Vec<IndexedEvent>,
    /// Pass as `cursor` for the next (older) page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Entries below this index are in the index; newer ones are still being indexed.
    pub indexed_through: u64,
}

/// Histogram bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// One bar per hour.
    Hour,
    /// One bar per day (UTC).
    Day,
}

impl Bucket {
    /// Width in microseconds.
    pub fn micros(self) -> i64 {
        match self {
            Bucket::Hour => 3_600_000_000,
            Bucket::Day => 86_400_000_000,
        }
    }
}

/// A count under a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    /// The value counted (a type, category, actor id, `type:id` of a resource).
    pub key: String,
    /// How many events.
    pub count: u64,
}

/// One bar of the histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistogramBar {
    /// Start of the bucket.
    pub start: DateTime<Utc>,
    /// Events in it.
    pub count: u64,
}

/// Aggregates over the events matching a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EventStatistics {
    /// Matching events.
    pub total: u64,
    /// By event type (most frequent first, at most `top`).
    pub by_type: Vec<Count>,
    /// By category.
    pub by_category: Vec<Count>,
    /// By severity.
    pub by_severity: Vec<Count>,
    /// By outcome.
    pub by_outcome: Vec<Count>,
    /// Most active actors.
    pub top_actors: Vec<Count>,
    /// Most touched resources (`type:id`).
    pub top_resources: Vec<Count>,
    /// Bucket width of `histogram`.
    pub bucket: Bucket,
    /// Counts per bucket, oldest first (buckets without events are left out).
    pub histogram: Vec<HistogramBar>,
}

/// Where the projection is kept. Rows are written only by the indexer, from the ledger.
#[async_trait::async_trait]
pub trait AuditIndexStore: Send + Sync {
    /// The first ledger index not yet in the tenant's search index.
    async fn index_cursor(&self, tenant: TenantId) -> StoreResult<u64>;
    /// Adds `rows` (entries `from..next`, erased and unknown entries left out) and moves the
    /// cursor from `from` to `next`, in one transaction. Returns false, writing nothing, when
    /// the cursor is no longer at `from` (another node indexed the range first).
    async fn index_entries(
        &self,
        tenant: TenantId,
        from: u64,
        next: u64,
        rows: &[IndexedEvent],
    ) -> StoreResult<bool>;
    /// Matching rows, newest first.
    async fn search_events(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        page: &IndexPage,
    ) -> StoreResult<Vec<IndexedEvent>>;
    /// Matching rows with an index at or after `from`, oldest first (the live tail).
    async fn events_since(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        from: u64,
        limit: u32,
    ) -> StoreResult<Vec<IndexedEvent>>;
    /// Aggregates over the matching rows; lists hold at most `top` keys.
    async fn event_statistics(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        bucket: Bucket,
        top: u32,
    ) -> StoreResult<EventStatistics>;
    /// Removes the rows of the given entries (erased payloads).
    async fn unindex_entries(&self, tenant: TenantId, indexes: &[u64]) -> StoreResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_params_name_every_bad_field() {
        let p = FilterParams {
            from: Some("yesterday".into()),
            category: Some("nope".into()),
            min_severity: Some("urgent".into()),
            min_risk: Some(1.5),
            q: Some("!!!".into()),
            ..FilterParams::default()
        };
        let Err(DomainError::Validation(errors)) = p.parse() else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["from", "category", "min_severity", "min_risk", "q"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn filter_params_parse_resource_and_words() {
        let p = FilterParams {
            resource: Some("invoice:42".into()),
            q: Some("Refund, APPROVED".into()),
            from: Some("2026-01-01T00:00:00Z".into()),
            to: Some("2026-02-01T00:00:00Z".into()),
            ..FilterParams::default()
        };
        let f = p.parse().unwrap();
        assert_eq!(f.resource_type.as_deref(), Some("invoice"));
        assert_eq!(f.resource_id.as_deref(), Some("42"));
        assert_eq!(
            f.text,
            Some(vec!["refund".to_owned(), "approved".to_owned()])
        );
        let backwards = FilterParams {
            from: Some("2026-02-01T00:00:00Z".into()),
            to: Some("2026-01-01T00:00:00Z".into()),
            ..FilterParams::default()
        };
        assert!(backwards.parse().is_err());
    }

    #[test]
    fn records_and_events_project_to_rows() {
        let record = serde_json::json!({
            "id": "0190c0de-0000-7000-8000-000000000001",
            "tenant_id": "0190c0de-0000-7000-8000-000000000002",
            "event_type": "user.login.failed",
            "actor": {"kind": "user", "id": "u1", "display": "Ada"},
            "resource_type": "user", "resource_id": "u1",
            "outcome": "failure", "details": {"reason": "bad password"},
            "recorded_at": "2026-03-02T09:00:00Z"
        });
        let row = IndexedEvent::from_payload(7, record).unwrap();
        assert_eq!(row.source, EventSource::Probity);
        assert_eq!(row.category, Category::Authentication);
        assert_eq!(row.outcome, EventOutcome::Failure);
        assert_eq!(row.severity, Severity::Medium);
        assert!(row.search_text().contains("bad password"));
        assert!(IndexedEvent::from_payload(8, serde_json::json!({"x": 1})).is_none());
    }

    #[test]
    fn pages_and_tokens() {
        assert_eq!(IndexPage::parse(None, Some("12")).unwrap().before, Some(12));
        assert!(IndexPage::parse(None, Some("x")).is_err());
        assert!(IndexPage::parse(Some(0), None).is_err());
        assert_eq!(tokens("a-b  C"), vec!["a", "b", "c"]);
    }
}
