//! Pure notification rules: which rules match a notification and where it goes, the escalation
//! plan, retry backoff with full jitter, input checks, and the payload of each channel kind.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::model::*;
use crate::error::DomainError;

/// Retry schedule of deliveries: exponential backoff with full jitter, then dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay ceiling of the first retry.
    pub base: Duration,
    /// Largest delay ceiling.
    pub cap: Duration,
    /// Attempts before a delivery is dead.
    pub max_attempts: i32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::seconds(30),
            cap: Duration::hours(1),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The delay ceiling after failed attempt number `attempt` (1-based): `base * 2^(attempt-1)`,
    /// capped.
    pub fn ceiling(&self, attempt: i32) -> Duration {
        let exp = u32::try_from(attempt.clamp(1, 30) - 1).unwrap_or(0);
        let ms = self
            .base
            .num_milliseconds()
            .saturating_mul(1_i64.checked_shl(exp).unwrap_or(i64::MAX));
        Duration::milliseconds(ms.min(self.cap.num_milliseconds()))
    }

    /// The delay before the next attempt: uniform in `[0, ceiling]` ("full jitter"), with
    /// `unit` a random number in `[0, 1)`; at least one second so a retry never spins.
    pub fn delay(&self, attempt: i32, unit: f64) -> Duration {
        let ceiling = self.ceiling(attempt).num_milliseconds();
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let ms = (ceiling as f64 * unit) as i64;
        Duration::milliseconds(ms.max(1000))
    }
}

/// Whether `kind` is `prefix` or lies under it by whole dotted segments (`breach` matches
/// `breach` and `breach.deadline`, not `breaches`); the empty prefix matches everything.
pub fn kind_matches(prefix: &str, kind: &str) -> bool {
    prefix.is_empty()
        || kind == prefix
        || kind
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Whether `rule` routes a notification of `kind` and `severity`.
pub fn rule_matches(rule: &RoutingRule, kind: &str, severity: Severity) -> bool {
    severity >= rule.min_severity && kind_matches(&rule.kind_prefix, kind)
}

/// Where a notification goes: channels now, and the escalations to plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    /// Channels notified at once, each once, in rule order.
    pub channels: Vec<ChannelId>,
    /// Escalations, ordered by time, steps at the same time merged.
    pub escalation: Vec<PlannedEscalation>,
}

fn push_unique(into: &mut Vec<ChannelId>, ids: &[ChannelId], usable: &dyn Fn(ChannelId) -> bool) {
    for id in ids {
        if usable(*id) && !into.contains(id) {
            into.push(*id);
        }
    }
}

/// Applies `rules` to a notification raised at `now`; `usable` says whether a channel exists
/// and is enabled (rules may name channels removed since).
pub fn route(
    rules: &[RoutingRule],
    kind: &str,
    severity: Severity,
    now: DateTime<Utc>,
    usable: &dyn Fn(ChannelId) -> bool,
) -> Routing {
    let mut routing = Routing::default();
    let mut steps: Vec<(u32, Vec<ChannelId>)> = Vec::new();
    for rule in rules.iter().filter(|r| rule_matches(r, kind, severity)) {
        push_unique(&mut routing.channels, &rule.channels, usable);
        for step in &rule.escalation {
            let targets = if step.channels.is_empty() {
                &rule.channels
            } else {
                &step.channels
            };
            match steps.iter_mut().find(|(m, _)| *m == step.after_minutes) {
                Some((_, channels)) => push_unique(channels, targets, usable),
                None => {
                    let mut channels = Vec::new();
                    push_unique(&mut channels, targets, usable);
                    steps.push((step.after_minutes, channels));
                }
            }
        }
    }
    steps.sort_by_key(|(m, _)| *m);
    routing.escalation = steps
        .into_iter()
        .filter(|(_, channels)| !channels.is_empty())
        .map(|(minutes, channels)| PlannedEscalation {
            at: now + Duration::minutes(i64::from(minutes)),
            channels,
        })
        .collect();
    routing
}

/// Checks a name (channel, rule): 1 to 100 characters, no control characters.
pub fn parse_label(field: &str, input: &str) -> Result<String, DomainError> {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 100 || trimmed.chars().any(char::is_control)
    {
        return Err(DomainError::invalid(
            field,
            "must be 1 to 100 characters without control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks a dotted kind or kind prefix: segments of `a-z`, `0-9` and `_`, joined by `.`
/// (`breach.deadline`); the empty string only when `allow_empty`.
pub fn parse_kind(field: &str, input: &str, allow_empty: bool) -> Result<String, DomainError> {
    if input.is_empty() && allow_empty {
        return Ok(String::new());
    }
    let ok = input.len() <= 100
        && input.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if ok {
        Ok(input.to_owned())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "{input:?} is not a kind: use dotted segments of a-z, 0-9 and '_', e.g. \"breach.deadline\""
            ),
        ))
    }
}

/// Checks an endpoint URL: `http://` or `https://` with a host, at most 2000 characters.
pub fn parse_url(field: &str, input: &str) -> Result<String, DomainError> {
    let input = input.trim();
    let rest = input
        .strip_prefix("https://")
        .or_else(|| input.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !host.contains(char::is_whitespace) && !host.contains('@')
    });
    if host_ok && input.len() <= 2000 && !input.contains(char::is_whitespace) {
        Ok(input.to_owned())
    } else {
        Err(DomainError::invalid(
            field,
            "must be an http:// or https:// URL with a host and no credentials, e.g. https://hooks.example.com/probity",
        ))
    }
}

/// Checks an escalation plan: at most 10 steps, minutes 1 to 10080, strictly increasing.
pub fn check_escalation(steps: &[EscalationStep]) -> Result<(), DomainError> {
    if steps.len() > 10 {
        return Err(DomainError::invalid("escalation", "at most 10 steps"));
    }
    let mut last = 0;
    for (i, step) in steps.iter().enumerate() {
        if !(1..=10_080).contains(&step.after_minutes) || step.after_minutes <= last {
            return Err(DomainError::invalid(
                format!("escalation.{i}.after_minutes"),
                "must be 1 to 10080 minutes and larger than the previous step's",
            ));
        }
        last = step.after_minutes;
    }
    Ok(())
}

/// The Standard Webhooks payload: `{type, timestamp, data}`, minified.
pub fn webhook_body(n: &Notification, event: DeliveryEvent) -> Vec<u8> {
    let kind = match event {
        DeliveryEvent::Trigger => n.kind.clone(),
        DeliveryEvent::Acknowledge => format!("{}.acknowledged", n.kind),
        DeliveryEvent::Test => "probity.test".to_owned(),
    };
    let body = json!({
        "type": kind,
        "timestamp": n.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "notification_id": n.id,
            "tenant_id": n.tenant_id,
            "kind": n.kind,
            "severity": n.severity,
            "title": n.title,
            "body": n.body,
            "link": n.link,
            "dedup_key": n.dedup_key,
            "event": event,
            "acknowledged_at": n.acknowledged_at,
        }
    });
    body.to_string().into_bytes()
}

fn headline(n: &Notification, event: DeliveryEvent) -> String {
    let tag = match event {
        DeliveryEvent::Trigger => n.severity.as_str().to_uppercase(),
        DeliveryEvent::Acknowledge => "ACKNOWLEDGED".to_owned(),
        DeliveryEvent::Test => "TEST".to_owned(),
    };
    format!("[{tag}] {}", n.title)
}

/// A Slack-compatible incoming-webhook payload: `text` (what every compatible receiver
/// shows) plus a `blocks` rendering.
pub fn slack_body(n: &Notification, event: DeliveryEvent) -> Vec<u8> {
    let headline = headline(n, event);
    let mut text = headline.clone();
    if !n.body.is_empty() {
        text.push('\n');
        text.push_str(&n.body);
    }
    if let Some(link) = &n.link {
        text.push('\n');
        text.push_str(link);
    }
    let mut blocks = vec![json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": format!("*{headline}*\n{}", n.body) }
    })];
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": format!("{} · {}", n.kind, n.severity) }]
    }));
    json!({ "text": text, "blocks": blocks })
        .to_string()
        .into_bytes()
}

/// A PagerDuty Events API v2 event: `trigger` with a payload, or `acknowledge`, keyed by the
/// notification's dedup key.
pub fn pagerduty_body(n: &Notification, event: DeliveryEvent, routing_key: &str) -> Vec<u8> {
    let severity = match n.severity {
        Severity::Info | Severity::Low => "info",
        Severity::Medium => "warning",
        Severity::High => "error",
        Severity::Critical => "critical",
    };
    let mut body = json!({
        "routing_key": routing_key,
        "event_action": match event {
            DeliveryEvent::Acknowledge => "acknowledge",
            DeliveryEvent::Trigger | DeliveryEvent::Test => "trigger",
        },
        "dedup_key": n.dedup_key,
    });
    if event != DeliveryEvent::Acknowledge
        && let Some(obj) = body.as_object_mut()
    {
        let summary: String = headline(n, event).chars().take(1024).collect();
        obj.insert(
            "payload".into(),
            json!({
                "summary": summary,
                "source": "probity",
                "severity": severity,
                "component": n.kind,
                "timestamp": n.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "custom_details": { "body": n.body, "notification_id": n.id },
            }),
        );
        obj.insert("client".into(), json!("Probity"));
        if let Some(link) = &n.link {
            obj.insert(
                "links".into(),
                json!([{ "href": link, "text": "Open in Probity" }]),
            );
        }
    }
    body.to_string().into_bytes()
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An email: subject, plain-text body and HTML body (every value escaped).
pub fn email_parts(n: &Notification, event: DeliveryEvent) -> (String, String, String) {
    let subject: String = headline(n, event)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let mut text = format!(
        "{subject}\n\n{}\n\nkind: {}\nseverity: {}\n",
        n.body, n.kind, n.severity
    );
    if let Some(link) = &n.link {
        text.push_str(&format!("link: {link}\n"));
    }
    let link = n
        .link
        .as_deref()
        .map(|l| format!("<p><a href=\"{0}\">{0}</a></p>", escape_html(l)))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html><body><h1>{}</h1><p>{}</p><p>kind: {} &middot; severity: {}</p>{link}</body></html>",
        escape_html(&subject),
        escape_html(&n.body),
        escape_html(&n.kind),
        n.severity
    );
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::model::TenantId;
    use chrono::TimeZone;

    fn rule(
        prefix: &str,
        min: Severity,
        channels: &[ChannelId],
        esc: Vec<EscalationStep>,
    ) -> RoutingRule {
        RoutingRule {
            id: RuleId::new(),
            tenant_id: TenantId::new(),
            name: prefix.into(),
            kind_prefix: prefix.into(),
            min_severity: min,
            channels: channels.to_vec(),
            escalation: esc,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn kind_prefix_matches_whole_segments() {
        assert!(kind_matches("", "anything.at.all"));
        assert!(kind_matches("breach", "breach"));
        assert!(kind_matches("breach", "breach.deadline"));
        assert!(!kind_matches("breach", "breaches"));
        assert!(!kind_matches("breach.deadline", "breach"));
    }

    #[test]
    fn routing_applies_prefix_and_severity_and_merges_escalation() {
        let (a, b, c) = (ChannelId::new(), ChannelId::new(), ChannelId::new());
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let rules = [
            rule(
                "breach",
                Severity::High,
                &[a],
                vec![
                    EscalationStep {
                        after_minutes: 5,
                        channels: vec![],
                    },
                    EscalationStep {
                        after_minutes: 15,
                        channels: vec![b],
                    },
                ],
            ),
            rule(
                "",
                Severity::Critical,
                &[b, a],
                vec![EscalationStep {
                    after_minutes: 15,
                    channels: vec![c],
                }],
            ),
            rule("sla", Severity::Info, &[c], vec![]),
        ];
        let all = |_: ChannelId| true;
        let r = route(&rules, "breach.deadline", Severity::High, now, &all);
        assert_eq!(r.channels, vec![a]);
        assert_eq!(r.escalation.len(), 2);
        assert_eq!(r.escalation[0].at, now + Duration::minutes(5));
        assert_eq!(r.escalation[0].channels, vec![a]);
        assert_eq!(r.escalation[1].channels, vec![b]);
        let r = route(&rules, "breach.deadline", Severity::Critical, now, &all);
        assert_eq!(r.channels, vec![a, b]);
        assert_eq!(r.escalation[1].channels, vec![b, c]);
        assert!(
            route(&rules, "breach", Severity::Medium, now, &all)
                .channels
                .is_empty()
        );
        assert_eq!(
            route(&rules, "sla.violated", Severity::Info, now, &all).channels,
            vec![c]
        );
        let not_b = |id: ChannelId| id != b;
        let r = route(&rules, "breach.x", Severity::Critical, now, &not_b);
        assert_eq!(r.channels, vec![a]);
    }

    #[test]
    fn backoff_ceiling_doubles_and_caps_and_jitter_stays_under_it() {
        let p = RetryPolicy::default();
        assert_eq!(p.ceiling(1), Duration::seconds(30));
        assert_eq!(p.ceiling(2), Duration::seconds(60));
        assert_eq!(p.ceiling(7), Duration::seconds(1920));
        assert_eq!(p.ceiling(8), Duration::hours(1));
        assert_eq!(p.ceiling(100), Duration::hours(1));
        assert_eq!(p.delay(3, 0.5), Duration::seconds(60));
        assert_eq!(p.delay(3, 0.0), Duration::seconds(1));
        assert!(p.delay(3, 0.999_999) <= p.ceiling(3));
        assert_eq!(p.delay(3, f64::NAN), Duration::seconds(1));
    }

    #[test]
    fn input_checks_name_the_field() {
        assert!(parse_url("url", "https://hooks.example.com/x").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https://user@host/",
            "http://a b",
            "hooks.example.com",
        ] {
            assert!(parse_url("url", bad).is_err(), "{bad}");
        }
        assert!(parse_kind("kind", "breach.deadline", false).is_ok());
        assert!(parse_kind("kind", "", false).is_err());
        assert!(parse_kind("kind", "Breach", false).is_err());
        assert!(parse_kind("kind", "a..b", false).is_err());
        let step = |m| EscalationStep {
            after_minutes: m,
            channels: vec![],
        };
        assert!(check_escalation(&[step(5), step(15), step(60)]).is_ok());
        assert!(check_escalation(&[step(15), step(5)]).is_err());
        assert!(check_escalation(&[step(0)]).is_err());
    }

    #[test]
    fn html_email_escapes_input() {
        let n = Notification {
            id: NotificationId::new(),
            tenant_id: TenantId::new(),
            kind: "x".into(),
            severity: Severity::High,
            title: "<script>".into(),
            body: "a & b".into(),
            link: Some("https://p.test/?a=1&b=\"2\"".into()),
            dedup_key: "k".into(),
            escalation: vec![],
            escalation_level: 0,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            acknowledged_at: None,
            acknowledged_by: None,
        };
        let (subject, text, html) = email_parts(&n, DeliveryEvent::Trigger);
        assert_eq!(subject, "[HIGH] <script>");
        assert!(text.contains("a & b"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("a &amp; b"));
        assert!(html.contains("&quot;2&quot;"));
    }
}
