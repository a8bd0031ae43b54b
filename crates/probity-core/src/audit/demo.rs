//! Demo audit events: two weeks of a small company's activity (sign-ins and failures,
//! data access and exports, configuration and key changes, a few denied requests and security
//! signals), generated deterministically so the demo tenant looks the same on every install.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;

use super::event::EventInput;

/// People and services that act in the demo.
const ACTORS: &[(&str, &str, &str)] = &[
    ("user", "u-ada", "Ada Lovelace"),
    ("user", "u-grace", "Grace Hopper"),
    ("user", "u-alan", "Alan Turing"),
    ("user", "u-katherine", "Katherine Johnson"),
    ("service", "svc-billing", "Billing worker"),
    ("service", "svc-etl", "Warehouse ETL"),
    ("ai_agent", "agent-support", "Support assistant"),
];

/// (event type, category, severity, outcome, resource type, control ids, message)
type Kind = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);

const KINDS: &[Kind] = &[
    (
        "user.login",
        "authentication",
        "info",
        "success",
        "session",
        &["CC6.1"],
        "signed in",
    ),
    (
        "user.login.failed",
        "authentication",
        "low",
        "failure",
        "session",
        &["CC6.1"],
        "wrong password",
    ),
    (
        "data.accessed",
        "data_access",
        "info",
        "success",
        "customer",
        &["CC6.1", "A.8.3"],
        "read a customer record",
    ),
    (
        "data.exported",
        "data_access",
        "medium",
        "success",
        "report",
        &["CC6.7", "A.8.12"],
        "exported a report",
    ),
    (
        "data.changed",
        "data_change",
        "low",
        "success",
        "invoice",
        &["CC8.1"],
        "updated an invoice",
    ),
    (
        "access.denied",
        "authorization",
        "medium",
        "denied",
        "bucket",
        &["CC6.3"],
        "request refused by policy",
    ),
    (
        "config.changed",
        "configuration",
        "medium",
        "success",
        "setting",
        &["CC8.1", "A.8.9"],
        "changed a setting",
    ),
    (
        "key.rotated",
        "security",
        "high",
        "success",
        "key",
        &["CC6.1", "A.8.24"],
        "rotated an encryption key",
    ),
    (
        "malware.detected",
        "security",
        "critical",
        "failure",
        "host",
        &["CC7.2", "A.8.7"],
        "endpoint protection quarantined a file",
    ),
];

/// How often each kind occurs, out of 100.
const WEIGHTS: &[u64] = &[30, 8, 30, 6, 12, 5, 5, 2, 2];

/// `count` events spread over the 14 days before `now`, the same for the same arguments.
pub fn events(now: DateTime<Utc>, count: u64) -> Vec<EventInput> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let total: u64 = WEIGHTS.iter().sum();
    let span = 14 * 24 * 60;
    let mut out = Vec::new();
    for i in 0..count {
        let mut pick = next() % total;
        let kind = KINDS
            .iter()
            .zip(WEIGHTS)
            .find(|(_, w)| {
                let hit = pick < **w;
                pick = pick.saturating_sub(**w);
                hit
            })
            .map_or(KINDS.first(), |(k, _)| Some(k));
        let Some(&(event_type, category, severity, outcome, resource, controls, message)) = kind
        else {
            continue;
        };
        let actor = ACTORS
            .get(usize::try_from(next() % ACTORS.len() as u64).unwrap_or(0))
            .copied()
            .unwrap_or(("system", "probity", "Probity"));
        // Older events first; working hours more likely than nights.
        let minutes_ago = span - (i * span / count.max(1)) - next() % 30;
        let occurred_at = now - Duration::minutes(i64::try_from(minutes_ago).unwrap_or(0));
        let event = json!({
            "event_type": event_type,
            "category": category,
            "severity": severity,
            "outcome": outcome,
            "actor": { "type": actor.0, "id": actor.1, "name": actor.2 },
            "resource": { "type": resource, "id": format!("{resource}-{}", next() % 500) },
            "ip": format!("10.20.{}.{}", next() % 8, 1 + next() % 250),
            "control_ids": controls,
            "risk_score": if severity == "critical" { 0.9 } else if outcome == "success" { 0.1 } else { 0.5 },
            "occurred_at": occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "message": message,
            "details": { "demo": true },
        });
        if let Ok(input) = serde_json::from_value(event) {
            out.push(input);
        }
    }
    out
}

/// The demo tenant's detection rules: failed sign-ins per actor, a refused request followed by
/// an export by the same actor, and high-risk events (each silenced for an hour per key after
/// it fires).
pub fn rules() -> Vec<super::detect::NewDetectionRule> {
    use super::detect::{GroupBy, NewDetectionRule, RuleKind, RuleMatch};
    use crate::notify::Severity;
    vec![
        NewDetectionRule {
            name: "Repeated failed sign-ins".into(),
            severity: Some(Severity::High),
            matcher: RuleMatch {
                event_type: Some("user.login.failed".into()),
                ..RuleMatch::default()
            },
            kind: RuleKind::Threshold {
                count: 5,
                window_minutes: 10,
                group_by: GroupBy::Actor,
            },
            cooldown_minutes: 60,
            enabled: None,
            policy_id: None,
        },
        NewDetectionRule {
            name: "High-risk activity".into(),
            severity: Some(Severity::Critical),
            matcher: RuleMatch::default(),
            kind: RuleKind::RiskAbove { min_risk: 0.85 },
            cooldown_minutes: 60,
            enabled: None,
            policy_id: None,
        },
        NewDetectionRule {
            name: "Refused, then exported".into(),
            severity: Some(Severity::High),
            matcher: RuleMatch {
                event_type: Some("access.denied".into()),
                ..RuleMatch::default()
            },
            kind: RuleKind::Sequence {
                then_type: "data.exported".into(),
                within_minutes: 60,
            },
            cooldown_minutes: 60,
            enabled: None,
            policy_id: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::audit::ActorKind;
    use crate::audit::event::Submitter;

    #[test]
    fn demo_events_are_valid_deterministic_and_in_the_past() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T06:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let submitter = Submitter {
            kind: ActorKind::System,
            id: "demo".into(),
        };
        let first = events(now, 300);
        assert_eq!(first.len(), 300);
        let validated: Vec<_> = first
            .into_iter()
            .map(|e| e.validate(now, submitter.clone()).unwrap())
            .collect();
        let again: Vec<_> = events(now, 300)
            .into_iter()
            .map(|e| e.validate(now, submitter.clone()).unwrap())
            .collect();
        assert_eq!(validated, again);
        assert!(validated.iter().all(|e| e.occurred_at <= e.recorded_at));
        let types: std::collections::BTreeSet<_> =
            validated.iter().map(|e| e.event_type.as_str()).collect();
        assert!(types.len() >= 6, "{types:?}");
    }
}
