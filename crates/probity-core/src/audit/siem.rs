//! SIEM output formats for forwarded audit events: RFC 5424 syslog with the event's fields in
//! the `probity@32473` structured-data element (the same element the syslog listener reads, so
//! one Probity can forward to another), ArcSight CEF (version 0) inside an RFC 5424 header, and
//! the JSON body of a webhook batch. Pure functions; the transports live in the server.
//!
//! Every formatted event carries its ledger index (`seq` in structured data, `externalId` in
//! CEF, `index` in JSON): the key a receiver deduplicates on should a batch be sent twice.

use std::fmt::Write as _;

use chrono::SecondsFormat;
use serde_json::json;

use super::event::Severity;
use super::index::IndexedEvent;
use super::syslog::SD_ID;

/// The RFC 5424 facility forwarded events use: 13, "log audit".
const FACILITY_AUDIT: u8 = 13;

/// The syslog severity of an audit severity (the inverse of the listener's mapping).
pub fn syslog_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 2,
        Severity::High => 3,
        Severity::Medium => 4,
        Severity::Low => 5,
        Severity::Info => 6,
    }
}

/// The CEF severity (0–10) of an audit severity.
pub fn cef_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Info => 1,
        Severity::Low => 3,
        Severity::Medium => 5,
        Severity::High => 8,
        Severity::Critical => 10,
    }
}

/// Escapes an RFC 5424 PARAM-VALUE: `"`, `\` and `]` get a backslash.
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An RFC 5424 header field: printable US-ASCII, at most `max` bytes, `-` when empty.
fn header_field(value: &str, max: usize) -> String {
    let cleaned: String = value
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if cleaned.is_empty() {
        "-".to_owned()
    } else {
        cleaned
    }
}

fn header(e: &IndexedEvent, hostname: &str, msgid: &str) -> String {
    let pri = u16::from(FACILITY_AUDIT) * 8 + u16::from(syslog_severity(e.severity));
    format!(
        "<{pri}>1 {} {} probity - {}",
        e.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        header_field(hostname, 255),
        header_field(msgid, 32),
    )
}

/// The text a receiver shows for the event: its message, or `actor action resource`.
fn summary(e: &IndexedEvent) -> String {
    let text = match &e.message {
        Some(m) => m.clone(),
        None => {
            let resource = match (&e.resource_type, &e.resource_id) {
                (Some(t), Some(id)) => format!(" {t} {id}"),
                (Some(t), None) => format!(" {t}"),
                _ => String::new(),
            };
            format!("{} {}{resource}", e.actor_name, e.action)
        }
    };
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One event as an RFC 5424 message (no framing).
pub fn rfc5424(e: &IndexedEvent, tenant: &str, hostname: &str) -> String {
    let mut sd = format!(
        "[{SD_ID} seq=\"{}\" tenant=\"{}\" source=\"{}\" event_type=\"{}\" category=\"{}\" severity=\"{}\" actor_type=\"{}\" actor_id=\"{}\" actor_name=\"{}\" action=\"{}\" outcome=\"{}\"",
        e.index,
        sd_escape(tenant),
        e.source.as_str(),
        sd_escape(&e.event_type),
        e.category.as_str(),
        e.severity.as_str(),
        sd_escape(&e.actor_type),
        sd_escape(&e.actor_id),
        sd_escape(&e.actor_name),
        sd_escape(&e.action),
        e.outcome.as_str(),
    );
    let mut param = |name: &str, value: &str| {
        let _ = write!(sd, " {name}=\"{}\"", sd_escape(value));
    };
    if let (Some(t), Some(id)) = (&e.resource_type, &e.resource_id) {
        param("resource_type", t);
        param("resource_id", id);
    }
    if let Some(ip) = &e.ip {
        param("ip", ip);
    }
    if !e.control_ids.is_empty() {
        param("control_ids", &e.control_ids.join(","));
    }
    if !e.subject_ids.is_empty() {
        param("subject_ids", &e.subject_ids.join(","));
    }
    if let Some(r) = e.risk_score {
        param("risk_score", &r.to_string());
    }
    param(
        "recorded_at",
        &e.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    );
    sd.push(']');
    format!("{} {sd} {}", header(e, hostname, &e.event_type), summary(e))
}

/// Escapes a CEF header field: `\` and `|`.
fn cef_header(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Escapes a CEF extension value: `\`, `=`, and line breaks as `\n` / `\r`.
fn cef_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The CEF:0 text of one event.
pub fn cef(e: &IndexedEvent, tenant: &str) -> String {
    let mut ext = vec![
        ("rt", e.recorded_at.timestamp_millis().to_string()),
        ("end", e.occurred_at.timestamp_millis().to_string()),
        ("externalId", e.index.to_string()),
        ("cat", e.category.as_str().to_owned()),
        ("act", e.action.clone()),
        ("outcome", e.outcome.as_str().to_owned()),
        ("suser", e.actor_id.clone()),
        ("cs1Label", "tenant".to_owned()),
        ("cs1", tenant.to_owned()),
        ("cs2Label", "actorType".to_owned()),
        ("cs2", e.actor_type.clone()),
    ];
    if let Some(ip) = &e.ip {
        ext.push(("src", ip.clone()));
    }
    if let (Some(t), Some(id)) = (&e.resource_type, &e.resource_id) {
        ext.push(("cs3Label", "resource".to_owned()));
        ext.push(("cs3", format!("{t}:{id}")));
    }
    if !e.control_ids.is_empty() {
        ext.push(("cs4Label", "controlIds".to_owned()));
        ext.push(("cs4", e.control_ids.join(",")));
    }
    if let Some(r) = e.risk_score {
        ext.push(("cfp1Label", "riskScore".to_owned()));
        ext.push(("cfp1", r.to_string()));
    }
    if let Some(m) = &e.message {
        ext.push(("msg", m.clone()));
    }
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", cef_value(&v)))
        .collect();
    format!(
        "CEF:0|Probity|Probity|{}|{}|{}|{}|{}",
        cef_header(env!("CARGO_PKG_VERSION")),
        cef_header(&e.event_type),
        cef_header(&summary(e)),
        cef_severity(e.severity),
        ext.join(" ")
    )
}

/// One event as CEF inside an RFC 5424 header (with `seq` in structured data).
pub fn cef_syslog(e: &IndexedEvent, tenant: &str, hostname: &str) -> String {
    format!(
        "{} [{SD_ID} seq=\"{}\" tenant=\"{}\"] {}",
        header(e, hostname, "cef"),
        e.index,
        sd_escape(tenant),
        cef(e, tenant)
    )
}

/// The JSON body of a webhook batch.
pub fn webhook_body(forwarder: &str, tenant: &str, events: &[IndexedEvent]) -> serde_json::Value {
    json!({
        "forwarder": forwarder,
        "tenant": tenant,
        "first_index": events.first().map(|e| e.index),
        "last_index": events.last().map(|e| e.index),
        "events": events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::syslog::parse;

    fn event() -> IndexedEvent {
        IndexedEvent::from_payload(
            41,
            json!({
                "event_type": "user.login.failed",
                "category": "authentication",
                "severity": "high",
                "actor": { "type": "user", "id": "u-\"17\"]", "name": "Ann = B" },
                "action": "failed",
                "resource": { "type": "account", "id": "a|1" },
                "outcome": "failure",
                "ip": "203.0.113.9",
                "control_ids": ["CC6.1", "A.8.15"],
                "risk_score": 0.75,
                "occurred_at": "2026-03-01T10:00:00.000000Z",
                "recorded_at": "2026-03-01T10:00:01.000000Z",
                "message": "bad password\nfor u-17 \\ again",
                "details": {},
                "submitted_by": { "type": "api_token", "id": "t" },
            }),
        )
        .expect("an event")
    }

    #[test]
    fn rfc5424_output_reads_back_through_the_listener_parser() {
        let e = event();
        let line = rfc5424(&e, "acme", "grc.example.com");
        assert!(
            line.starts_with(
                "<107>1 2026-03-01T10:00:00.000000Z grc.example.com probity - user.login.failed ["
            ),
            "{line}"
        );
        let parsed = parse(line.as_bytes()).expect("valid RFC 5424");
        let back = parsed.to_event("p");
        assert_eq!(back.event_type, "user.login.failed");
        assert_eq!(back.actor.id, "u-\"17\"]");
        assert_eq!(back.actor.name.as_deref(), Some("Ann = B"));
        assert_eq!(back.severity.as_deref(), Some("high"));
        assert_eq!(back.outcome.as_deref(), Some("failure"));
        assert_eq!(back.control_ids, vec!["CC6.1", "A.8.15"]);
        assert_eq!(back.risk_score, Some(0.75));
        assert_eq!(
            back.message.as_deref(),
            Some("bad password for u-17 \\ again")
        );
        let sd = &parsed.structured_data[0];
        assert!(sd.params.contains(&("seq".to_owned(), "41".to_owned())));
        assert!(
            sd.params
                .contains(&("tenant".to_owned(), "acme".to_owned()))
        );
    }

    #[test]
    fn long_event_types_are_cut_to_the_msgid_limit() {
        let mut e = event();
        e.event_type = "a".repeat(40);
        let line = rfc5424(&e, "acme", "");
        let parsed = parse(line.as_bytes()).expect("valid");
        assert_eq!(parsed.msgid.as_deref().map(str::len), Some(32));
        assert_eq!(parsed.hostname, None);
    }

    #[test]
    fn cef_escapes_header_and_extension_values() {
        let text = cef(&event(), "acme");
        let version = env!("CARGO_PKG_VERSION");
        assert!(
            text.starts_with(&format!(
                "CEF:0|Probity|Probity|{version}|user.login.failed|bad password for u-17 \\\\ again|8|"
            )),
            "{text}"
        );
        assert!(text.contains("externalId=41 "), "{text}");
        assert!(text.contains("suser=u-\"17\"]"), "{text}");
        assert!(text.contains("cs3=account:a|1"), "{text}");
        assert!(
            text.contains("msg=bad password\\nfor u-17 \\\\ again"),
            "{text}"
        );
        assert!(text.contains("cfp1=0.75"), "{text}");
        assert!(
            text.contains("rt=1772359201000 end=1772359200000"),
            "{text}"
        );
        let framed = cef_syslog(&event(), "acme", "h");
        let parsed = parse(framed.as_bytes()).expect("valid RFC 5424");
        assert_eq!(parsed.msgid.as_deref(), Some("cef"));
        assert!(parsed.message.expect("msg").starts_with("CEF:0|"));
    }

    #[test]
    fn webhook_body_names_the_range() {
        let body = webhook_body("f-1", "acme", &[event()]);
        assert_eq!(body["first_index"], 41);
        assert_eq!(body["last_index"], 41);
        assert_eq!(body["events"][0]["index"], 41);
        assert_eq!(body["events"][0]["actor_id"], "u-\"17\"]");
    }
}
