//! The audit trail's event model: what services send to `POST /api/v1/audit/events` (an
//! [`EventInput`]), the rules it must meet, and the normalized [`AuditEvent`] that becomes one
//! ledger entry (its payload; the entry's kind is the event type).
//!
//! Validation collects every problem of an event at once, each named by its field, so a client
//! fixes a bad event in one round trip; within a batch each event is judged on its own.

use std::net::IpAddr;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, ActorKind};
use crate::error::FieldError;

/// Longest dotted event type.
pub const MAX_EVENT_TYPE: usize = 128;
/// Longest short text field (ids, names, actions).
pub const MAX_SHORT: usize = 256;
/// Longest user agent.
pub const MAX_USER_AGENT: usize = 1_024;
/// Longest message.
pub const MAX_MESSAGE: usize = 4_096;
/// Most control ids or subject ids on one event.
pub const MAX_LIST: usize = 64;
/// Largest `details`, as compact JSON bytes.
pub const MAX_DETAILS_BYTES: usize = 16 * 1_024;
/// How far in the future `occurred_at` may be (client clocks drift).
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

wire_enum!(
    /// What area an event belongs to.
    Category {
        /// Sign-ins, sign-outs, MFA.
        Authentication => "authentication",
        /// Permission checks and grants.
        Authorization => "authorization",
        /// Reads of data.
        DataAccess => "data_access",
        /// Writes of data.
        DataChange => "data_change",
        /// Settings and configuration.
        Configuration => "configuration",
        /// Security signals (malware, intrusion, key use).
        Security => "security",
        /// Compliance activity (assessments, evidence, controls).
        Compliance => "compliance",
        /// Personal-data processing, consent, subject requests.
        Privacy => "privacy",
        /// System operations.
        System => "system",
    }
);

wire_enum!(
    /// How serious an event is, in increasing order.
    Severity {
        /// Routine.
        Info => "info",
        /// Worth a look.
        Low => "low",
        /// Needs attention.
        Medium => "medium",
        /// Needs attention soon.
        High => "high",
        /// Needs attention now.
        Critical => "critical",
    }
);

wire_enum!(
    /// How the action of an event ended.
    EventOutcome {
        /// It happened.
        Success => "success",
        /// It was attempted and failed.
        Failure => "failure",
        /// It was refused.
        Denied => "denied",
        /// It broke.
        Error => "error",
    }
);

/// The actor as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorInput {
    /// `user`, `service`, `api_token`, `system` or `ai_agent`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Stable id of the actor in the sending system.
    pub id: String,
    /// Human label; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
}

/// The resource as a client sends it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// Kind of thing acted on (`invoice`, `bucket`, `user`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

/// One event as a client sends it. Unknown fields are refused, so a misspelt field is an error
/// rather than silently lost.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Dotted lowercase type, e.g. `data.accessed`, `user.login.failed`.
    pub event_type: String,
    /// Area of the event.
    pub category: String,
    /// `info` (default), `low`, `medium`, `high` or `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Who acted.
    pub actor: ActorInput,
    /// The verb, e.g. `read`; defaults to the last segment of the event type.
    #[serde(default)]
    pub action: Option<String>,
    /// What was acted on.
    #[serde(default)]
    pub resource: Option<ResourceRef>,
    /// `success` (default), `failure`, `denied` or `error`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Client IP address (IPv4 or IPv6).
    #[serde(default)]
    pub ip: Option<String>,
    /// Client user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Session id in the sending system.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Request id in the sending system.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Control ids the event is evidence for (e.g. `CC6.1`, `A.8.15`).
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Risk score from 0 to 1.
    #[serde(default)]
    pub risk_score: Option<f64>,
    /// When it happened, RFC 3339, by the sender's clock; defaults to when it was recorded.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// Free text, searchable.
    #[serde(default)]
    pub message: Option<String>,
    /// Structured context (a JSON object, at most 16 KiB).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Data subjects the event concerns (for erasure and access requests).
    #[serde(default)]
    pub subject_ids: Vec<String>,
}

/// Who submitted an event to Probity (as opposed to the actor the event names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Submitter {
    /// `api_token` or `user`.
    #[serde(rename = "type")]
    pub kind: ActorKind,
    /// Token or user id.
    pub id: String,
}

/// The actor of a stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventActor {
    /// Kind of actor.
    #[serde(rename = "type")]
    pub kind: ActorKind,
    /// Stable id.
    pub id: String,
    /// Human label.
    pub name: String,
}

/// A validated, normalized event: the payload of its ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    /// Dotted type.
    pub event_type: String,
    /// Area.
    pub category: Category,
    /// Seriousness.
    pub severity: Severity,
    /// Who acted.
    pub actor: EventActor,
    /// The verb.
    pub action: String,
    /// What was acted on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceRef>,
    /// How it ended.
    pub outcome: EventOutcome,
    /// Client IP, canonical text form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Client user agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Control ids.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub control_ids: Vec<String>,
    /// Risk score, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_score: Option<f64>,
    /// When it happened (sender's clock), RFC 3339 UTC with microseconds.
    pub occurred_at: String,
    /// When Probity recorded it, RFC 3339 UTC with microseconds.
    pub recorded_at: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Structured context.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Data subjects.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub subject_ids: Vec<String>,
    /// Who submitted it.
    pub submitted_by: Submitter,
}

/// Collects field errors under a prefix (`actor.`, `control_ids.3`).
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A required, trimmed, non-empty text of at most `max` characters without control
    /// characters.
    fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "must not be empty");
        } else if trimmed.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        } else if trimmed.chars().any(char::is_control) {
            self.add(field, "must not contain control characters");
        }
        trimmed.to_owned()
    }

    fn optional(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        value.map(|v| self.text(field, v, max))
    }

    fn list(&mut self, field: &str, values: &[String]) -> Vec<String> {
        if values.len() > MAX_LIST {
            self.add(field, format!("must have at most {MAX_LIST} items"));
        }
        let mut out: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| self.text(&format!("{field}.{i}"), v, MAX_SHORT))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Whether `event_type` is dotted lowercase: segments of `[a-z0-9_]`, starting with a letter,
/// separated by single dots.
pub fn is_event_type(event_type: &str) -> bool {
    event_type.len() <= MAX_EVENT_TYPE
        && event_type.split('.').all(|segment| {
            segment.starts_with(|c: char| c.is_ascii_lowercase())
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl EventInput {
    /// Validates and normalizes the event as recorded at `recorded_at` and submitted by
    /// `submitted_by`; every problem is reported, each named by its field.
    pub fn validate(
        self,
        recorded_at: DateTime<Utc>,
        submitted_by: Submitter,
    ) -> Result<AuditEvent, Vec<FieldError>> {
        let mut p = Problems::default();
        let event_type = self.event_type.trim().to_owned();
        if !is_event_type(&event_type) {
            p.add(
                "event_type",
                format!(
                    "must be dotted lowercase segments of a-z, 0-9 and '_', each starting with a \
                     letter, at most {MAX_EVENT_TYPE} characters (e.g. data.accessed)"
                ),
            );
        }
        let category = Category::parse(self.category.trim());
        if category.is_none() {
            p.add(
                "category",
                format!("must be one of {}", Category::expected()),
            );
        }
        let severity = match self.severity.as_deref().map(str::trim) {
            None => Some(Severity::Info),
            Some(s) => Severity::parse(s),
        };
        if severity.is_none() {
            p.add(
                "severity",
                format!("must be one of {}", Severity::expected()),
            );
        }
        let outcome = match self.outcome.as_deref().map(str::trim) {
            None => Some(EventOutcome::Success),
            Some(s) => EventOutcome::parse(s),
        };
        if outcome.is_none() {
            p.add(
                "outcome",
                format!("must be one of {}", EventOutcome::expected()),
            );
        }
        let actor_kind = ActorKind::parse(self.actor.kind.trim());
        if actor_kind.is_none() {
            p.add(
                "actor.type",
                "must be one of user, service, api_token, system, ai_agent",
            );
        }
        let actor_id = p.text("actor.id", &self.actor.id, MAX_SHORT);
        let actor_name = p
            .optional("actor.name", self.actor.name.as_deref(), MAX_SHORT)
            .unwrap_or_else(|| actor_id.clone());
        let default_action = event_type.rsplit('.').next().unwrap_or_default().to_owned();
        let action = p
            .optional("action", self.action.as_deref(), MAX_SHORT)
            .unwrap_or(default_action);
        let resource = self.resource.map(|r| ResourceRef {
            kind: p.text("resource.type", &r.kind, MAX_SHORT),
            id: p.text("resource.id", &r.id, MAX_SHORT),
        });
        let ip = self
            .ip
            .as_deref()
            .and_then(|ip| match ip.trim().parse::<IpAddr>() {
                Ok(ip) => Some(ip.to_string()),
                Err(_) => {
                    p.add("ip", "must be an IPv4 or IPv6 address");
                    None
                }
            });
        let user_agent = p.optional("user_agent", self.user_agent.as_deref(), MAX_USER_AGENT);
        let session_id = p.optional("session_id", self.session_id.as_deref(), MAX_SHORT);
        let request_id = p.optional("request_id", self.request_id.as_deref(), MAX_SHORT);
        let control_ids = p.list("control_ids", &self.control_ids);
        let subject_ids = p.list("subject_ids", &self.subject_ids);
        if let Some(score) = self.risk_score
            && !(0.0..=1.0).contains(&score)
        {
            p.add("risk_score", "must be a number from 0 to 1");
        }
        let occurred_at = match self.occurred_at.as_deref().map(str::trim) {
            None => recorded_at,
            Some(text) => match DateTime::parse_from_rfc3339(text) {
                Ok(at) => {
                    let at = at.with_timezone(&Utc);
                    if at > recorded_at + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
                        p.add(
                            "occurred_at",
                            format!(
                                "is more than {MAX_CLOCK_SKEW_MINUTES} minutes in the future; \
                                 check the sender's clock"
                            ),
                        );
                    }
                    at
                }
                Err(_) => {
                    p.add(
                        "occurred_at",
                        "must be an RFC 3339 timestamp, e.g. 2026-11-23T06:00:00Z",
                    );
                    recorded_at
                }
            },
        };
        let message = self.message.as_deref().map(str::trim).map(str::to_owned);
        if let Some(m) = &message
            && m.chars().count() > MAX_MESSAGE
        {
            p.add(
                "message",
                format!("must be at most {MAX_MESSAGE} characters"),
            );
        }
        let details = self
            .details
            .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
        if !details.is_object() {
            p.add("details", "must be a JSON object");
        } else if serde_json::to_vec(&details).map_or(usize::MAX, |b| b.len()) > MAX_DETAILS_BYTES {
            p.add(
                "details",
                format!("must be at most {MAX_DETAILS_BYTES} bytes as JSON"),
            );
        }
        match (category, severity, outcome, actor_kind) {
            (Some(category), Some(severity), Some(outcome), Some(kind)) if p.0.is_empty() => {
                Ok(AuditEvent {
                    event_type,
                    category,
                    severity,
                    actor: EventActor {
                        kind,
                        id: actor_id,
                        name: actor_name,
                    },
                    action,
                    resource,
                    outcome,
                    ip,
                    user_agent,
                    session_id,
                    request_id,
                    control_ids,
                    risk_score: self.risk_score,
                    occurred_at: timestamp(occurred_at),
                    recorded_at: timestamp(recorded_at),
                    message,
                    details,
                    subject_ids,
                    submitted_by,
                })
            }
            _ => Err(p.0),
        }
    }
}

impl Submitter {
    /// The submitter acting as `actor` (a token or a signed-in user).
    pub fn from_actor(actor: &Actor) -> Self {
        Submitter {
            kind: actor.kind,
            id: actor.id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T06:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn submitter() -> Submitter {
        Submitter {
            kind: ActorKind::ApiToken,
            id: "tok-1".into(),
        }
    }

    fn input(value: serde_json::Value) -> EventInput {
        serde_json::from_value(value).unwrap()
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn minimal_event_gets_defaults() {
        let event = input(json!({
            "event_type": "user.login.failed",
            "category": "authentication",
            "actor": { "type": "user", "id": "u-1" },
        }))
        .validate(now(), submitter())
        .unwrap();
        assert_eq!(event.severity, Severity::Info);
        assert_eq!(event.outcome, EventOutcome::Success);
        assert_eq!(event.action, "failed");
        assert_eq!(event.actor.name, "u-1");
        assert_eq!(event.occurred_at, "2026-11-23T06:00:00.000000Z");
        assert_eq!(event.occurred_at, event.recorded_at);
        assert_eq!(event.details, json!({}));
        let stored = serde_json::to_value(&event).unwrap();
        assert!(stored.get("ip").is_none(), "absent fields stay absent");
        assert_eq!(
            stored["submitted_by"],
            json!({ "type": "api_token", "id": "tok-1" })
        );
    }

    #[test]
    fn full_event_is_normalized() {
        let event = input(json!({
            "event_type": "data.accessed",
            "category": "data_access",
            "severity": "high",
            "actor": { "type": "service", "id": " svc-billing ", "name": "Billing" },
            "action": "export",
            "resource": { "type": "invoice", "id": "inv-1" },
            "outcome": "denied",
            "ip": "2001:db8:0:0::1",
            "user_agent": "curl/8",
            "session_id": "s1",
            "request_id": "r1",
            "control_ids": ["CC6.1", "A.8.15", "CC6.1"],
            "risk_score": 0.75,
            "occurred_at": "2026-11-23T07:59:00+02:00",
            "message": "exported 12 invoices",
            "details": { "rows": 12 },
            "subject_ids": ["cust-9"],
        }))
        .validate(now(), submitter())
        .unwrap();
        assert_eq!(event.actor.id, "svc-billing");
        assert_eq!(event.ip.as_deref(), Some("2001:db8::1"));
        assert_eq!(event.control_ids, vec!["A.8.15", "CC6.1"]);
        assert_eq!(event.occurred_at, "2026-11-23T05:59:00.000000Z");
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.outcome, EventOutcome::Denied);
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let errors = input(json!({
            "event_type": "Data..Accessed",
            "category": "nope",
            "severity": "urgent",
            "actor": { "type": "robot", "id": "" },
            "outcome": "maybe",
            "ip": "10.0.0.300",
            "risk_score": 1.5,
            "occurred_at": "yesterday",
            "details": [1, 2],
            "control_ids": ["ok", "bad\u{7}"],
        }))
        .validate(now(), submitter())
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                "event_type",
                "category",
                "severity",
                "outcome",
                "actor.type",
                "actor.id",
                "ip",
                "control_ids.1",
                "risk_score",
                "occurred_at",
                "details",
            ]
        );
    }

    #[test]
    fn future_occurred_at_beyond_skew_is_refused() {
        let event = |at: &str| {
            input(json!({
                "event_type": "a.b",
                "category": "system",
                "actor": { "type": "system", "id": "x" },
                "occurred_at": at,
            }))
            .validate(now(), submitter())
        };
        assert!(event("2026-11-23T06:04:59Z").is_ok());
        assert_eq!(
            fields(&event("2026-11-23T06:05:01Z").unwrap_err()),
            vec!["occurred_at"]
        );
    }

    #[test]
    fn oversized_details_and_unknown_fields_are_refused() {
        let big = "x".repeat(MAX_DETAILS_BYTES);
        let errors = input(json!({
            "event_type": "a.b",
            "category": "system",
            "actor": { "type": "system", "id": "x" },
            "details": { "blob": big },
        }))
        .validate(now(), submitter())
        .unwrap_err();
        assert_eq!(fields(&errors), vec!["details"]);
        let unknown = serde_json::from_value::<EventInput>(json!({
            "event_type": "a.b",
            "category": "system",
            "actor": { "type": "system", "id": "x" },
            "sevrity": "high",
        }));
        assert!(unknown.unwrap_err().to_string().contains("sevrity"));
    }

    #[test]
    fn event_types() {
        for good in ["a", "data.accessed", "user.login.failed", "x1.y_2"] {
            assert!(is_event_type(good), "{good}");
        }
        for bad in [
            "",
            ".a",
            "a.",
            "a..b",
            "A.b",
            "1a.b",
            "a-b",
            "a b",
            &"a".repeat(129),
        ] {
            assert!(!is_event_type(bad), "{bad}");
        }
    }
}
