//! Detection rules and their streaming evaluation: each indexed audit event is fed once to
//! the tenant's [`Engine`], which keeps per-rule state (sliding windows, counts per bucket,
//! known IPs per actor, pending first steps of sequences) and returns the detections the
//! event completes. Nothing is rescanned: the state is rebuilt from the search index only when
//! a node picks up a tenant it has not followed (see [`crate::audit::alerts`]).
//!
//! Rule kinds:
//! - `threshold`: at least `count` matching events for one actor (or IP, or resource) within
//!   `window_minutes` — e.g. 5 `user.login.failed` for one actor in 10 minutes;
//! - `rate_spike`: the matching events of the current `window_minutes` bucket exceed `factor`
//!   times the mean of the previous `baseline_windows` buckets (and at least `min_count`);
//! - `off_hours`: a matching event outside working hours (`start_hour` to `end_hour` UTC,
//!   Monday to Friday unless `weekends_working`);
//! - `risk_above`: a matching event with a risk score at or above `min_risk`;
//! - `first_seen_ip`: an actor's matching event from an IP not seen for that actor before
//!   (the actor's first IP is learnt, not alerted);
//! - `sequence`: a matching event, then one of type `then_type` by the same actor within
//!   `within_minutes`.
//!
//! Windows run on `recorded_at` (the ledger's clock, monotone with the index); working hours on
//! `occurred_at`. A rule's `cooldown_minutes` silences repeats for the same key.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::event::{Category, EventOutcome, Severity};
use super::index::IndexedEvent;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a detection rule.
    DetectionRuleId
);

/// Most rules per tenant.
pub const MAX_RULES: usize = 100;
/// Longest window a rule may use (7 days).
pub const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;
/// Most triggering indexes kept on one detection.
pub const MAX_TRIGGERS: usize = 100;
/// Most IPs remembered per actor (`first_seen_ip`).
pub const MAX_IPS_PER_ACTOR: usize = 1_000;

/// Which events a rule looks at: every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleMatch {
    /// Event type or dotted prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Severity at least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<EventOutcome>,
}

fn type_matches(prefix: &str, event_type: &str) -> bool {
    event_type == prefix
        || event_type
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl RuleMatch {
    /// Whether the event is one the rule looks at.
    pub fn matches(&self, e: &IndexedEvent) -> bool {
        self.event_type
            .as_deref()
            .is_none_or(|p| type_matches(p, &e.event_type))
            && self.category.is_none_or(|c| c == e.category)
            && self.min_severity.is_none_or(|s| e.severity >= s)
            && self.outcome.is_none_or(|o| o == e.outcome)
    }
}

/// What a threshold counts per.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One count per actor id.
    #[default]
    Actor,
    /// One count per client IP.
    Ip,
    /// One count per resource (`type:id`).
    Resource,
}

/// The rule's logic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleKind {
    /// `count` events for one key within `window_minutes`.
    Threshold {
        /// Events needed (2 to 10,000).
        count: u32,
        /// Window (1 to 10,080 minutes).
        window_minutes: u32,
        /// What the count is per.
        #[serde(default)]
        group_by: GroupBy,
    },
    /// The current bucket's count above `factor` × the mean of the previous buckets.
    RateSpike {
        /// Bucket length (1 to 10,080 minutes).
        window_minutes: u32,
        /// How many times the baseline counts as a spike (above 1).
        factor: f64,
        /// Buckets the baseline averages (1 to 168).
        baseline_windows: u32,
        /// Fewest events a spike needs.
        #[serde(default = "default_min_count")]
        min_count: u32,
    },
    /// Events outside working hours (UTC).
    OffHours {
        /// First working hour (0 to 23).
        start_hour: u32,
        /// First hour after work (1 to 24, after `start_hour`).
        end_hour: u32,
        /// Whether Saturday and Sunday are working days.
        #[serde(default)]
        weekends_working: bool,
    },
    /// Events with a risk score at or above `min_risk`.
    RiskAbove {
        /// 0 to 1.
        min_risk: f64,
    },
    /// An actor's event from an IP not seen for that actor before.
    FirstSeenIp,
    /// A matching event, then `then_type` by the same actor within `within_minutes`.
    Sequence {
        /// The second step's event type or dotted prefix.
        then_type: String,
        /// Time allowed between the steps (1 to 10,080 minutes).
        within_minutes: u32,
    },
}

fn default_min_count() -> u32 {
    10
}

/// Severity of the alerts a rule raises.
pub use crate::notify::model::Severity as AlertSeverity;

/// A stored detection rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DetectionRule {
    /// Id.
    pub id: DetectionRuleId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name, unique in the tenant.
    pub name: String,
    /// Whether it is evaluated.
    pub enabled: bool,
    /// Severity of its alerts.
    pub severity: AlertSeverity,
    /// Which events it looks at.
    #[serde(rename = "match")]
    pub matcher: RuleMatch,
    /// Its logic.
    pub kind: RuleKind,
    /// Minutes during which a repeat for the same key raises nothing.
    pub cooldown_minutes: u32,
    /// A policy each alert of the rule is recorded as a violation of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<crate::governance::PolicyId>,
    /// Bumped by every change.
    pub version: u32,
    /// Who made it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A rule as the API and CLI take it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDetectionRule {
    /// Name (1 to 200 characters).
    pub name: String,
    /// Severity of its alerts (default `medium`).
    #[serde(default)]
    pub severity: Option<AlertSeverity>,
    /// Which events it looks at.
    #[serde(default, rename = "match")]
    pub matcher: RuleMatch,
    /// Its logic.
    pub kind: RuleKind,
    /// Minutes during which a repeat for the same key raises nothing (default 0; at most
    /// 10,080).
    #[serde(default)]
    pub cooldown_minutes: u32,
    /// Whether it is evaluated (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// A policy each alert is recorded as a violation of (source `detection_rule`).
    #[serde(default)]
    pub policy_id: Option<crate::governance::PolicyId>,
}

fn minutes(errors: &mut Vec<FieldError>, field: &str, value: u32) {
    if !(1..=MAX_WINDOW_MINUTES).contains(&value) {
        errors.push(FieldError {
            field: field.to_owned(),
            message: format!("must be 1 to {MAX_WINDOW_MINUTES} minutes, got {value}"),
        });
    }
}

fn bad(errors: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.to_owned(),
        message: message.into(),
    });
}

fn check_type(errors: &mut Vec<FieldError>, field: &str, t: &str) {
    let ok = !t.is_empty()
        && t.len() <= 200
        && t.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    if !ok {
        bad(
            errors,
            field,
            format!("{t:?} is not a dotted event type, e.g. user.login.failed"),
        );
    }
}

impl NewDetectionRule {
    /// Checks every field, naming each bad one.
    pub fn check(&self) -> DomainResult<()> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            bad(
                &mut errors,
                "name",
                "must be 1 to 200 characters without control characters",
            );
        }
        if let Some(t) = &self.matcher.event_type {
            check_type(&mut errors, "match.event_type", t);
        }
        if self.cooldown_minutes > MAX_WINDOW_MINUTES {
            bad(
                &mut errors,
                "cooldown_minutes",
                format!("must be at most {MAX_WINDOW_MINUTES}"),
            );
        }
        match &self.kind {
            RuleKind::Threshold {
                count,
                window_minutes,
                ..
            } => {
                if !(2..=10_000).contains(count) {
                    bad(&mut errors, "kind.count", "must be 2 to 10000");
                }
                minutes(&mut errors, "kind.window_minutes", *window_minutes);
            }
            RuleKind::RateSpike {
                window_minutes,
                factor,
                baseline_windows,
                min_count,
            } => {
                minutes(&mut errors, "kind.window_minutes", *window_minutes);
                if !(factor.is_finite() && *factor > 1.0 && *factor <= 1000.0) {
                    bad(
                        &mut errors,
                        "kind.factor",
                        "must be above 1 and at most 1000",
                    );
                }
                if !(1..=168).contains(baseline_windows) {
                    bad(&mut errors, "kind.baseline_windows", "must be 1 to 168");
                }
                if *min_count == 0 {
                    bad(&mut errors, "kind.min_count", "must be at least 1");
                }
            }
            RuleKind::OffHours {
                start_hour,
                end_hour,
                ..
            } => {
                if *start_hour > 23 {
                    bad(&mut errors, "kind.start_hour", "must be 0 to 23");
                }
                if *end_hour > 24 || end_hour <= start_hour {
                    bad(
                        &mut errors,
                        "kind.end_hour",
                        "must be after start_hour and at most 24",
                    );
                }
            }
            RuleKind::RiskAbove { min_risk } => {
                if !(0.0..=1.0).contains(min_risk) {
                    bad(&mut errors, "kind.min_risk", "must be 0 to 1");
                }
            }
            RuleKind::FirstSeenIp => {}
            RuleKind::Sequence {
                then_type,
                within_minutes,
            } => {
                check_type(&mut errors, "kind.then_type", then_type);
                minutes(&mut errors, "kind.within_minutes", *within_minutes);
                if self.matcher.event_type.is_none() {
                    bad(
                        &mut errors,
                        "match.event_type",
                        "a sequence needs its first step's event type",
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// A detection: what a rule found, with the events that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Detection {
    /// The rule.
    pub rule_id: DetectionRuleId,
    /// Its version when it fired.
    pub rule_version: u32,
    /// The key it fired for (actor, IP, resource; empty for rate spikes).
    pub key: String,
    /// Ledger indexes of the triggering events, oldest first.
    pub indexes: Vec<u64>,
    /// One line saying what was found.
    pub summary: String,
    /// When the last triggering event was recorded.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct RuleState {
    windows: HashMap<String, VecDeque<(DateTime<Utc>, u64)>>,
    buckets: VecDeque<u64>,
    bucket_start: Option<DateTime<Utc>>,
    bucket_indexes: Vec<u64>,
    bucket_fired: bool,
    ips: HashMap<String, HashSet<String>>,
    silenced: HashMap<String, DateTime<Utc>>,
}

/// One tenant's rules and their state.
#[derive(Debug, Default)]
pub struct Engine {
    rules: Vec<(DetectionRule, RuleState)>,
}

fn key_of(e: &IndexedEvent, by: GroupBy) -> Option<String> {
    match by {
        GroupBy::Actor => Some(e.actor_id.clone()),
        GroupBy::Ip => e.ip.clone(),
        GroupBy::Resource => e.resource_type.as_ref().map(|t| match &e.resource_id {
            Some(id) => format!("{t}:{id}"),
            None => t.clone(),
        }),
    }
}

fn mins(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

impl Engine {
    /// An engine over the enabled `rules`.
    pub fn new(rules: Vec<DetectionRule>) -> Self {
        Self {
            rules: rules
                .into_iter()
                .filter(|r| r.enabled)
                .map(|r| (r, RuleState::default()))
                .collect(),
        }
    }

    /// The rules and versions it evaluates (to notice changes).
    pub fn signature(&self) -> Vec<(DetectionRuleId, u32)> {
        self.rules.iter().map(|(r, _)| (r.id, r.version)).collect()
    }

    /// Whether it has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// How far back its state reaches: what a rebuild must read.
    pub fn lookback(&self) -> Duration {
        self.rules
            .iter()
            .map(|(r, _)| {
                match &r.kind {
                    RuleKind::Threshold { window_minutes, .. } => mins(*window_minutes),
                    RuleKind::RateSpike {
                        window_minutes,
                        baseline_windows,
                        ..
                    } => mins(window_minutes.saturating_mul(baseline_windows.saturating_add(1))),
                    RuleKind::Sequence { within_minutes, .. } => mins(*within_minutes),
                    // Known IPs are learnt from a week of history on a rebuild.
                    RuleKind::FirstSeenIp => mins(MAX_WINDOW_MINUTES),
                    RuleKind::OffHours { .. } | RuleKind::RiskAbove { .. } => Duration::zero(),
                }
                .max(mins(r.cooldown_minutes))
            })
            .max()
            .unwrap_or_else(Duration::zero)
    }

    /// Feeds one event (in index order) and returns what it completes. Alerts' own records
    /// (`audit.alert.*`) are never fed, so no rule can feed on its own output.
    pub fn feed(&mut self, e: &IndexedEvent) -> Vec<Detection> {
        let mut out = Vec::new();
        if type_matches("audit.alert", &e.event_type) {
            return out;
        }
        for (rule, state) in &mut self.rules {
            if let Some(d) = step(rule, state, e) {
                let silenced = state
                    .silenced
                    .get(&d.key)
                    .is_some_and(|until| e.recorded_at < *until);
                if !silenced {
                    if rule.cooldown_minutes > 0 {
                        state
                            .silenced
                            .insert(d.key.clone(), e.recorded_at + mins(rule.cooldown_minutes));
                    }
                    out.push(d);
                }
            }
        }
        out
    }
}

fn detection(
    rule: &DetectionRule,
    key: String,
    mut indexes: Vec<u64>,
    summary: String,
    at: DateTime<Utc>,
) -> Detection {
    if indexes.len() > MAX_TRIGGERS {
        indexes.drain(..indexes.len() - MAX_TRIGGERS);
    }
    Detection {
        rule_id: rule.id,
        rule_version: rule.version,
        key,
        indexes,
        summary,
        at,
    }
}

/// Whether a detection for `key` at `now` would be silenced by the rule's cooldown: checked
/// before its summary is written, so silenced hits cost no formatting.
fn quiet(state: &RuleState, key: &str, now: DateTime<Utc>) -> bool {
    state.silenced.get(key).is_some_and(|until| now < *until)
}

fn step(rule: &DetectionRule, state: &mut RuleState, e: &IndexedEvent) -> Option<Detection> {
    let now = e.recorded_at;
    match &rule.kind {
        RuleKind::Sequence {
            then_type,
            within_minutes,
        } => {
            // The second step is checked first: an event can close one sequence and open
            // the next.
            let window = mins(*within_minutes);
            let mut found = None;
            if type_matches(then_type, &e.event_type)
                && let Some(firsts) = state.windows.get_mut(&e.actor_id)
            {
                while firsts.front().is_some_and(|(t, _)| now - *t > window) {
                    firsts.pop_front();
                }
                if let Some((_, first)) = firsts.pop_front() {
                    found = Some(detection(
                        rule,
                        e.actor_id.clone(),
                        vec![first, e.index],
                        format!(
                            "{} then {} by {} within {within_minutes} minutes",
                            rule.matcher.event_type.as_deref().unwrap_or("event"),
                            e.event_type,
                            e.actor_id
                        ),
                        now,
                    ));
                }
            }
            if found.is_none() && rule.matcher.matches(e) {
                let firsts = state.windows.entry(e.actor_id.clone()).or_default();
                firsts.push_back((now, e.index));
                if firsts.len() > MAX_TRIGGERS {
                    firsts.pop_front();
                }
            }
            found
        }
        _ if !rule.matcher.matches(e) => None,
        RuleKind::Threshold {
            count,
            window_minutes,
            group_by,
        } => {
            let key = key_of(e, *group_by)?;
            let window = mins(*window_minutes);
            let events = state.windows.entry(key.clone()).or_default();
            events.push_back((now, e.index));
            while events.front().is_some_and(|(t, _)| now - *t >= window) {
                events.pop_front();
            }
            if events.len() >= *count as usize {
                let indexes = events.drain(..).map(|(_, i)| i).collect();
                if quiet(state, &key, now) {
                    return None;
                }
                Some(detection(
                    rule,
                    key.clone(),
                    indexes,
                    format!(
                        "{count} or more matching events for {key} within {window_minutes} minutes"
                    ),
                    now,
                ))
            } else {
                None
            }
        }
        RuleKind::RateSpike {
            window_minutes,
            factor,
            baseline_windows,
            min_count,
        } => {
            let width = mins(*window_minutes);
            let start = state.bucket_start.get_or_insert(now);
            // Close the buckets that ended before this event (empty ones count as zero).
            while now - *start >= width {
                state.buckets.push_back(state.bucket_indexes.len() as u64);
                state.bucket_indexes.clear();
                state.bucket_fired = false;
                *start += width;
                if state.buckets.len() > *baseline_windows as usize {
                    state.buckets.pop_front();
                }
                if now - *start > width * 200 {
                    // A long silence: restart the buckets at this event.
                    *start = now;
                    state.buckets.clear();
                }
            }
            state.bucket_indexes.push(e.index);
            let current = state.bucket_indexes.len() as u64;
            if state.bucket_fired || state.buckets.len() < *baseline_windows as usize {
                return None;
            }
            let mean = state.buckets.iter().sum::<u64>() as f64 / state.buckets.len() as f64;
            if current >= u64::from(*min_count) && current as f64 > factor * mean {
                state.bucket_fired = true;
                Some(detection(
                    rule,
                    String::new(),
                    state.bucket_indexes.clone(),
                    format!(
                        "{current} matching events in {window_minutes} minutes against a mean of {mean:.1} over the previous {baseline_windows}"
                    ),
                    now,
                ))
            } else {
                None
            }
        }
        RuleKind::OffHours {
            start_hour,
            end_hour,
            weekends_working,
        } => {
            let t = e.occurred_at;
            let weekend = matches!(t.weekday(), Weekday::Sat | Weekday::Sun);
            let working =
                (!weekend || *weekends_working) && (*start_hour..*end_hour).contains(&t.hour());
            (!working && !quiet(state, &e.actor_id, now)).then(|| {
                detection(
                    rule,
                    e.actor_id.clone(),
                    vec![e.index],
                    format!(
                        "{} by {} at {} UTC, outside working hours",
                        e.event_type,
                        e.actor_id,
                        t.format("%a %H:%M")
                    ),
                    now,
                )
            })
        }
        RuleKind::RiskAbove { min_risk } => {
            let risk = e.risk_score?;
            (risk >= *min_risk && !quiet(state, &e.actor_id, now)).then(|| {
                detection(
                    rule,
                    e.actor_id.clone(),
                    vec![e.index],
                    format!("{} by {} with risk {risk:.2}", e.event_type, e.actor_id),
                    now,
                )
            })
        }
        RuleKind::FirstSeenIp => {
            let ip = e.ip.clone()?;
            let known = state.ips.entry(e.actor_id.clone()).or_default();
            if known.contains(&ip) {
                return None;
            }
            let first_ever = known.is_empty();
            if known.len() < MAX_IPS_PER_ACTOR {
                known.insert(ip.clone());
            }
            (!first_ever && !quiet(state, &e.actor_id, now)).then(|| {
                detection(
                    rule,
                    e.actor_id.clone(),
                    vec![e.index],
                    format!("{} from {ip}, an IP not seen for this actor", e.actor_id),
                    now,
                )
            })
        }
    }
}

/// A stored alert's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Raised, nobody has looked.
    Open,
    /// Someone is on it.
    Acknowledged,
    /// Closed with a note.
    Resolved,
}

impl AlertStatus {
    /// Every status.
    pub const ALL: [AlertStatus; 3] = [Self::Open, Self::Acknowledged, Self::Resolved];

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }
}

uuid_id!(
    /// Identifies an alert.
    AlertId
);

/// A raised alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    /// Id.
    pub id: AlertId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The rule's name when it fired.
    pub rule_name: String,
    /// Severity.
    pub severity: AlertSeverity,
    /// What was found.
    pub detection: Detection,
    /// State.
    pub status: AlertStatus,
    /// Raised.
    pub created_at: DateTime<Utc>,
    /// Who acknowledged it, when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Handled>,
    /// Who resolved it, when, with which note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Handled>,
}

/// Who handled an alert, when, with which note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Handled {
    /// Who.
    pub by: Party,
    /// When.
    pub at: DateTime<Utc>,
    /// The note (required to resolve).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A fresh id for an alert made from a detection.
pub fn new_alert_id() -> AlertId {
    AlertId(Uuid::now_v7())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::index::EventSource;
    use chrono::TimeZone;

    fn base() -> DateTime<Utc> {
        // A Wednesday.
        Utc.with_ymd_and_hms(2026, 11, 18, 10, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn ev(index: u64, minute: i64, event_type: &str, actor: &str) -> IndexedEvent {
        let at = base() + Duration::minutes(minute);
        IndexedEvent {
            index,
            source: EventSource::Ingest,
            event_type: event_type.into(),
            category: Category::Authentication,
            severity: Severity::Low,
            actor_type: "user".into(),
            actor_id: actor.into(),
            actor_name: String::new(),
            action: String::new(),
            resource_type: None,
            resource_id: None,
            outcome: EventOutcome::Failure,
            ip: Some("10.0.0.1".into()),
            control_ids: vec![],
            risk_score: None,
            subject_ids: vec![],
            occurred_at: at,
            recorded_at: at,
            message: None,
            payload: serde_json::Value::Null,
        }
    }

    fn rule(event_type: Option<&str>, kind: RuleKind) -> DetectionRule {
        DetectionRule {
            id: DetectionRuleId::new(),
            tenant_id: TenantId::new(),
            name: "r".into(),
            enabled: true,
            severity: AlertSeverity::High,
            matcher: RuleMatch {
                event_type: event_type.map(str::to_owned),
                ..RuleMatch::default()
            },
            kind,
            cooldown_minutes: 0,
            policy_id: None,
            version: 1,
            created_by: Party {
                id: "cli".into(),
                name: "cli".into(),
            },
            created_at: base(),
            updated_at: base(),
        }
    }

    fn run(rules: Vec<DetectionRule>, events: &[IndexedEvent]) -> Vec<(String, Vec<u64>)> {
        let mut engine = Engine::new(rules);
        events
            .iter()
            .flat_map(|e| engine.feed(e))
            .map(|d| (d.key, d.indexes))
            .collect()
    }

    #[test]
    fn five_failed_logins_for_one_actor_in_ten_minutes() {
        let r = rule(
            Some("user.login.failed"),
            RuleKind::Threshold {
                count: 5,
                window_minutes: 10,
                group_by: GroupBy::Actor,
            },
        );
        let mut events = Vec::new();
        // alice: 4 in the first ten minutes, then a fifth at minute 10 (the first has left
        // the window), then two more: fires at the 5th within 10 minutes.
        for (i, m) in [0, 2, 4, 6, 10, 11, 12].iter().enumerate() {
            events.push(ev(i as u64, *m, "user.login.failed", "alice"));
        }
        // bob: 5 spread over 50 minutes never fires; a success never counts.
        for (i, m) in [1, 13, 25, 37, 49].iter().enumerate() {
            events.push(ev(100 + i as u64, *m, "user.login.failed", "bob"));
        }
        events.push(ev(200, 5, "user.login", "alice"));
        events.sort_by_key(|e| e.recorded_at);
        assert_eq!(
            run(vec![r], &events),
            vec![("alice".to_owned(), vec![1, 2, 3, 4, 5])]
        );
    }

    #[test]
    fn a_sequence_fires_only_for_the_same_actor_within_its_window() {
        let r = rule(
            Some("user.role.granted"),
            RuleKind::Sequence {
                then_type: "data.exported".into(),
                within_minutes: 30,
            },
        );
        let events = vec![
            ev(1, 0, "user.role.granted", "mallory"),
            ev(2, 5, "data.exported", "alice"),
            ev(3, 20, "data.exported", "mallory"),
            ev(4, 21, "data.exported", "mallory"),
            ev(5, 40, "user.role.granted", "mallory"),
            ev(6, 75, "data.exported", "mallory"),
        ];
        assert_eq!(
            run(vec![r], &events),
            vec![("mallory".to_owned(), vec![1, 3])]
        );
    }

    #[test]
    fn a_rate_spike_against_its_baseline_fires_once_per_bucket() {
        let r = rule(
            None,
            RuleKind::RateSpike {
                window_minutes: 10,
                factor: 3.0,
                baseline_windows: 3,
                min_count: 5,
            },
        );
        let mut events = Vec::new();
        let mut i = 0;
        // Three buckets of 2 events, then a bucket of 8: fires at its 7th (> 3 × 2).
        for bucket in 0..4 {
            let n = if bucket == 3 { 8 } else { 2 };
            for k in 0..n {
                events.push(ev(i, bucket * 10 + k, "api.call", "svc"));
                i += 1;
            }
        }
        let found = run(vec![r], &events);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, vec![6, 7, 8, 9, 10, 11, 12]);
    }

    #[test]
    fn off_hours_risk_and_first_seen_ip() {
        let off = rule(
            None,
            RuleKind::OffHours {
                start_hour: 8,
                end_hour: 18,
                weekends_working: false,
            },
        );
        let mut late = ev(1, 9 * 60, "data.accessed", "alice"); // 19:00 Wednesday
        let on_time = ev(2, 0, "data.accessed", "alice"); // 10:00 Wednesday
        let mut saturday = ev(3, 3 * 24 * 60, "data.accessed", "alice");
        saturday.occurred_at = saturday.recorded_at;
        late.occurred_at = late.recorded_at;
        let mut events = vec![on_time, late, saturday];
        events.sort_by_key(|e| e.recorded_at);
        assert_eq!(
            run(vec![off], &events)
                .into_iter()
                .map(|(_, i)| i)
                .collect::<Vec<_>>(),
            vec![vec![1], vec![3]]
        );

        let risky = rule(None, RuleKind::RiskAbove { min_risk: 0.8 });
        let mut a = ev(1, 0, "x", "alice");
        a.risk_score = Some(0.79);
        let mut b = ev(2, 1, "x", "alice");
        b.risk_score = Some(0.8);
        assert_eq!(run(vec![risky], &[a, b]).len(), 1);

        let ips = rule(None, RuleKind::FirstSeenIp);
        let mut events = Vec::new();
        for (i, (actor, ip)) in [
            ("alice", "1.1.1.1"),
            ("alice", "1.1.1.1"),
            ("alice", "2.2.2.2"),
            ("bob", "2.2.2.2"),
            ("alice", "2.2.2.2"),
        ]
        .iter()
        .enumerate()
        {
            let mut e = ev(i as u64, i as i64, "user.login", actor);
            e.ip = Some((*ip).to_owned());
            events.push(e);
        }
        assert_eq!(run(vec![ips], &events), vec![("alice".to_owned(), vec![2])]);
    }

    #[test]
    fn cooldown_silences_repeats_for_the_same_key() {
        let mut r = rule(None, RuleKind::RiskAbove { min_risk: 0.5 });
        r.cooldown_minutes = 30;
        let events: Vec<IndexedEvent> = [0, 10, 31, 40]
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut e = ev(i as u64, *m, "x", "alice");
                e.risk_score = Some(0.9);
                e
            })
            .collect();
        assert_eq!(
            run(vec![r], &events)
                .into_iter()
                .map(|(_, i)| i)
                .collect::<Vec<_>>(),
            vec![vec![0], vec![2]]
        );
    }

    #[test]
    fn rules_are_checked_field_by_field() {
        let bad = NewDetectionRule {
            name: " ".into(),
            severity: None,
            matcher: RuleMatch {
                event_type: Some("user..login".into()),
                ..RuleMatch::default()
            },
            kind: RuleKind::Threshold {
                count: 1,
                window_minutes: 0,
                group_by: GroupBy::Actor,
            },
            cooldown_minutes: 0,
            enabled: None,
            policy_id: None,
        };
        match bad.check() {
            Err(DomainError::Validation(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    [
                        "name",
                        "match.event_type",
                        "kind.count",
                        "kind.window_minutes"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        let seq: NewDetectionRule = serde_json::from_value(serde_json::json!({
            "name": "escalate then export",
            "kind": { "type": "sequence", "then_type": "data.exported", "within_minutes": 30 }
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(seq.check().is_err(), "a sequence needs a first step");
    }
}
