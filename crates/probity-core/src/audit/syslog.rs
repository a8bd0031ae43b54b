//! Syslog in: RFC 6587 framing of a TCP byte stream (octet counting and non-transparent
//! framing, chosen per frame by its first byte), the RFC 5424 message parser, and the mapping
//! of a parsed message to an [`EventInput`] of the audit trail.
//!
//! Nothing here does I/O; the listeners in the server feed bytes in and ingest what comes out.
//! Garbage never panics and never stalls a stream: a frame that cannot be read is skipped to
//! the next line feed and reported with its reason; only a stream that cannot be resynchronised
//! (a bad or oversized octet count, a line longer than the limit) is given up.
//!
//! Fields of the audit event model travel in the structured-data element `probity@32473`
//! (32473 is the private enterprise number RFC 5612 reserves for documentation; see the
//! README); without it an event is derived from the header: the MSGID when it is a dotted
//! event type, the facility for the category, the severity from the PRI, the app name and
//! host as the acting service.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::event::{ActorInput, EventInput, MAX_DETAILS_BYTES, MAX_MESSAGE, ResourceRef};

/// The structured-data id whose parameters carry audit event fields.
pub const SD_ID: &str = "probity@32473";
/// Default largest message, in bytes (RFC 5425 asks receivers to take at least 2,048; we
/// take far more).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Most digits of an octet count (enough for any message below 10 MB).
const MAX_COUNT_DIGITS: usize = 7;

/// What a framer found at the front of its buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One message's bytes, framing removed.
    Message(Vec<u8>),
    /// Bytes skipped up to the next line feed because they are not a frame, and why.
    Invalid(String),
}

/// A stream that cannot be read further (the connection should be closed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingError(pub String);

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 6587 framing over a byte stream. Push what the socket returns; take frames until
/// [`Framer::next_frame`] answers `Ok(None)` (more bytes needed).
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    max: usize,
}

impl Framer {
    /// A framer that refuses messages longer than `max_message_bytes`.
    pub fn new(max_message_bytes: usize) -> Self {
        Self {
            buf: Vec::new(),
            max: max_message_bytes.max(480),
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet make a frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The next frame, `Ok(None)` when more bytes are needed, or an error when the stream
    /// cannot be resynchronised.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramingError> {
        // Line ends and NULs between frames are padding.
        let start = self
            .buf
            .iter()
            .position(|b| !matches!(b, b'\n' | b'\r' | 0))
            .unwrap_or(self.buf.len());
        self.buf.drain(..start);
        let Some(&first) = self.buf.first() else {
            return Ok(None);
        };
        match first {
            b'1'..=b'9' => self.octet_counted(),
            b'<' => match self.line() {
                Some(line) => Ok(Some(Frame::Message(line))),
                None if self.buf.len() > self.max => Err(FramingError(format!(
                    "no line feed within {} bytes: a message exceeds the limit",
                    self.max
                ))),
                None => Ok(None),
            },
            _ => self.skip_garbage(),
        }
    }

    /// At the end of the stream: a last non-transparent message that had no trailing line
    /// feed, or what was left over.
    pub fn finish(&mut self) -> Option<Frame> {
        if self.buf.iter().all(|b| matches!(b, b'\n' | b'\r' | 0)) {
            self.buf.clear();
            return None;
        }
        let rest = std::mem::take(&mut self.buf);
        Some(if rest.first() == Some(&b'<') {
            Frame::Message(trim_line_end(rest))
        } else {
            Frame::Invalid(format!(
                "the stream ended inside a frame ({} bytes left over)",
                rest.len()
            ))
        })
    }

    fn octet_counted(&mut self) -> Result<Option<Frame>, FramingError> {
        let digits = self
            .buf
            .iter()
            .take(MAX_COUNT_DIGITS + 1)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > MAX_COUNT_DIGITS {
            return Err(FramingError(format!(
                "octet count longer than {MAX_COUNT_DIGITS} digits"
            )));
        }
        let Some(&after) = self.buf.get(digits) else {
            return Ok(None);
        };
        if after != b' ' {
            return Err(FramingError(format!(
                "an octet count must be followed by a space, found byte 0x{after:02x}"
            )));
        }
        let count: usize = std::str::from_utf8(self.buf.get(..digits).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if count > self.max {
            return Err(FramingError(format!(
                "a message of {count} bytes exceeds the limit of {} bytes",
                self.max
            )));
        }
        let end = digits + 1 + count;
        if self.buf.len() < end {
            return Ok(None);
        }
        let message = self.buf.get(digits + 1..end).unwrap_or_default().to_vec();
        self.buf.drain(..end);
        Ok(Some(Frame::Message(message)))
    }

    /// A line-feed (or NUL) terminated frame, when its end has arrived.
    fn line(&mut self) -> Option<Vec<u8>> {
        let end = self.buf.iter().position(|b| matches!(b, b'\n' | 0))?;
        let line: Vec<u8> = self.buf.drain(..=end).take(end).collect();
        Some(trim_line_end(line))
    }

    fn skip_garbage(&mut self) -> Result<Option<Frame>, FramingError> {
        match self.line() {
            Some(skipped) => Ok(Some(Frame::Invalid(format!(
                "{} bytes skipped: a frame starts with an octet count or '<'",
                skipped.len() + 1
            )))),
            None if self.buf.len() > self.max => Err(FramingError(format!(
                "no frame and no line feed within {} bytes",
                self.max
            ))),
            None => Ok(None),
        }
    }
}

fn trim_line_end(mut line: Vec<u8>) -> Vec<u8> {
    while matches!(line.last(), Some(b'\r' | b'\n' | 0)) {
        line.pop();
    }
    line
}

/// Why a message is not RFC 5424.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogError {
    /// Byte offset in the message where reading stopped.
    pub at: usize,
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for SyslogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not an RFC 5424 message (byte {}): {}",
            self.at, self.reason
        )
    }
}

/// One structured-data element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdElement {
    /// The SD-ID, e.g. `timeQuality` or `probity@32473`.
    pub id: String,
    /// Its parameters, in order (a name may repeat).
    pub params: Vec<(String, String)>,
}

/// A parsed RFC 5424 message.
#[derive(Debug, Clone, PartialEq)]
pub struct SyslogMessage {
    /// Facility, 0–23.
    pub facility: u8,
    /// Severity, 0 (emergency) – 7 (debug).
    pub severity: u8,
    /// The sender's timestamp, when not NILVALUE.
    pub timestamp: Option<DateTime<Utc>>,
    /// HOSTNAME.
    pub hostname: Option<String>,
    /// APP-NAME.
    pub app_name: Option<String>,
    /// PROCID.
    pub procid: Option<String>,
    /// MSGID.
    pub msgid: Option<String>,
    /// STRUCTURED-DATA.
    pub structured_data: Vec<SdElement>,
    /// MSG, without a UTF-8 byte-order mark.
    pub message: Option<String>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, SyslogError> {
        Err(SyslogError {
            at: self.at,
            reason: reason.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SyslogError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(format!("expected {what}"))
        }
    }

    /// A header field: printable US-ASCII up to the next space, at most `max` bytes; `None` for
    /// the NILVALUE `-`.
    fn field(&mut self, name: &str, max: usize) -> Result<Option<String>, SyslogError> {
        let start = self.at;
        while let Some(b) = self.peek() {
            if b == b' ' {
                break;
            }
            if !(33..=126).contains(&b) {
                return self.fail(format!("{name} must be printable US-ASCII"));
            }
            self.at += 1;
        }
        let text = self.bytes.get(start..self.at).unwrap_or_default();
        if text.is_empty() {
            return self.fail(format!("{name} is missing (use '-' for none)"));
        }
        if text.len() > max {
            return self.fail(format!("{name} is longer than {max} characters"));
        }
        self.expect(b' ', &format!("a space after {name}"))?;
        Ok((text != b"-").then(|| String::from_utf8_lossy(text).into_owned()))
    }

    fn sd_name(&mut self, what: &str) -> Result<String, SyslogError> {
        let start = self.at;
        while let Some(b) = self.peek() {
            if matches!(b, b'=' | b' ' | b']' | b'"') || !(33..=126).contains(&b) {
                break;
            }
            self.at += 1;
        }
        let name = self.bytes.get(start..self.at).unwrap_or_default();
        if name.is_empty() || name.len() > 32 {
            return self.fail(format!("{what} must be 1 to 32 printable characters"));
        }
        Ok(String::from_utf8_lossy(name).into_owned())
    }

    fn sd_value(&mut self) -> Result<String, SyslogError> {
        self.expect(b'"', "'\"' to open a parameter value")?;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return self.fail("unterminated parameter value"),
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        // Only '"', '\' and ']' are escaped; any other backslash is literal.
                        Some(c @ (b'"' | b'\\' | b']')) => {
                            value.push(c);
                            self.at += 1;
                        }
                        _ => value.push(b'\\'),
                    }
                }
                Some(b']') => return self.fail("']' inside a parameter value must be escaped"),
                Some(b) => {
                    value.push(b);
                    self.at += 1;
                }
            }
        }
        match String::from_utf8(value) {
            Ok(s) => Ok(s),
            Err(_) => self.fail("a parameter value is not UTF-8"),
        }
    }

    fn structured_data(&mut self) -> Result<Vec<SdElement>, SyslogError> {
        if self.peek() == Some(b'-') {
            self.at += 1;
            return Ok(Vec::new());
        }
        let mut elements = Vec::new();
        while self.peek() == Some(b'[') {
            self.at += 1;
            let id = self.sd_name("an SD-ID")?;
            let mut params = Vec::new();
            while self.peek() == Some(b' ') {
                self.at += 1;
                let name = self.sd_name("a parameter name")?;
                self.expect(b'=', "'=' after a parameter name")?;
                params.push((name, self.sd_value()?));
            }
            self.expect(b']', "']' to close a structured-data element")?;
            elements.push(SdElement { id, params });
        }
        if elements.is_empty() {
            return self.fail("STRUCTURED-DATA must be '-' or start with '['");
        }
        Ok(elements)
    }
}

/// Parses one RFC 5424 message.
pub fn parse(bytes: &[u8]) -> Result<SyslogMessage, SyslogError> {
    let mut c = Cursor { bytes, at: 0 };
    c.expect(b'<', "'<' opening the PRI")?;
    let start = c.at;
    while c.peek().is_some_and(|b| b.is_ascii_digit()) {
        c.at += 1;
    }
    let digits = bytes.get(start..c.at).unwrap_or_default();
    let pri: u16 = match std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(p) if (1..=3).contains(&digits.len()) && p <= 191 => p,
        _ => return c.fail("PRI must be a number from 0 to 191"),
    };
    if digits.len() > 1 && digits.first() == Some(&b'0') {
        return c.fail("PRI must not have leading zeros");
    }
    c.expect(b'>', "'>' closing the PRI")?;
    c.expect(
        b'1',
        "VERSION 1 after the PRI (RFC 3164 messages are not accepted)",
    )?;
    c.expect(b' ', "a space after VERSION")?;
    let timestamp_text = c.field("TIMESTAMP", 32)?;
    let timestamp = match timestamp_text {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(&text) {
            Ok(at) if text.contains('T') => Some(at.with_timezone(&Utc)),
            _ => {
                return Err(SyslogError {
                    at: c.at,
                    reason: format!("TIMESTAMP {text:?} is not an RFC 3339 date-time"),
                });
            }
        },
    };
    let hostname = c.field("HOSTNAME", 255)?;
    let app_name = c.field("APP-NAME", 48)?;
    let procid = c.field("PROCID", 128)?;
    let msgid = c.field("MSGID", 32)?;
    let structured_data = c.structured_data()?;
    let message = match c.peek() {
        None => None,
        Some(b' ') => {
            let rest = bytes.get(c.at + 1..).unwrap_or_default();
            let rest = rest.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(rest);
            Some(String::from_utf8_lossy(rest).into_owned()).filter(|m| !m.is_empty())
        }
        Some(_) => return c.fail("expected a space or the end after STRUCTURED-DATA"),
    };
    Ok(SyslogMessage {
        facility: u8::try_from(pri / 8).unwrap_or(23),
        severity: u8::try_from(pri % 8).unwrap_or(7),
        timestamp,
        hostname,
        app_name,
        procid,
        msgid,
        structured_data,
        message,
    })
}

/// The facility's keyword (RFC 5424 table 1).
pub fn facility_name(facility: u8) -> &'static str {
    const NAMES: [&str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7",
    ];
    NAMES
        .get(usize::from(facility))
        .copied()
        .unwrap_or("local7")
}

/// The audit severity of a syslog severity.
pub fn severity_of(severity: u8) -> &'static str {
    match severity {
        0..=2 => "critical",
        3 => "high",
        4 => "medium",
        5 => "low",
        _ => "info",
    }
}

/// The audit category of a facility: auth and authpriv are authentication, the audit and
/// alert facilities security, everything else system.
pub fn category_of(facility: u8) -> &'static str {
    match facility {
        4 | 10 => "authentication",
        13 | 14 => "security",
        _ => "system",
    }
}

/// Replaces control characters (a multi-line message's line breaks, tabs) with spaces and
/// keeps at most `max` characters.
fn printable(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn list(values: &[&str]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

impl SyslogMessage {
    /// The audit event this message describes. `peer` (the address it came from) is kept in
    /// the details; the event's own `ip` comes only from the `ip` parameter, since the peer is
    /// usually a relay rather than the client.
    pub fn to_event(&self, peer: &str) -> EventInput {
        let ours: Vec<(&str, &str)> = self
            .structured_data
            .iter()
            .filter(|e| e.id == SD_ID)
            .flat_map(|e| e.params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .collect();
        let one = |name: &str| {
            ours.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let all = |name: &str| {
            list(
                &ours
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| *v)
                    .collect::<Vec<_>>(),
            )
        };
        let event_type = one("event_type")
            .or_else(|| {
                self.msgid
                    .clone()
                    .filter(|m| super::event::is_event_type(m))
            })
            .unwrap_or_else(|| "syslog.message".to_owned());
        let service = match (&self.app_name, &self.hostname) {
            (Some(app), _) => app.clone(),
            (None, Some(host)) => host.clone(),
            (None, None) => "syslog".to_owned(),
        };
        let service_name = match (&self.app_name, &self.hostname) {
            (Some(app), Some(host)) => format!("{app} on {host}"),
            _ => service.clone(),
        };
        let actor = ActorInput {
            kind: one("actor_type").unwrap_or_else(|| "service".to_owned()),
            id: one("actor_id").unwrap_or(service),
            name: one("actor_name").or(Some(service_name)),
        };
        let resource = match (one("resource_type"), one("resource_id")) {
            (Some(kind), Some(id)) => Some(ResourceRef { kind, id }),
            _ => None,
        };
        let risk_score = one("risk_score").map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN));
        let mut other = Map::new();
        for element in self.structured_data.iter().filter(|e| e.id != SD_ID) {
            let params: Map<String, Value> = element
                .params
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            other.insert(element.id.clone(), Value::Object(params));
        }
        let mut syslog = json!({
            "facility": facility_name(self.facility),
            "severity": self.severity,
            "hostname": self.hostname,
            "app_name": self.app_name,
            "procid": self.procid,
            "msgid": self.msgid,
            "peer": peer,
        });
        if !other.is_empty()
            && let Some(obj) = syslog.as_object_mut()
        {
            obj.insert("structured_data".to_owned(), Value::Object(other));
        }
        let mut details = json!({ "syslog": syslog });
        if serde_json::to_vec(&details).map_or(0, |v| v.len()) > MAX_DETAILS_BYTES
            && let Some(obj) = details.get_mut("syslog").and_then(Value::as_object_mut)
        {
            obj.remove("structured_data");
            obj.insert("structured_data_dropped".to_owned(), Value::Bool(true));
        }
        EventInput {
            event_type,
            category: one("category").unwrap_or_else(|| category_of(self.facility).to_owned()),
            severity: Some(
                one("severity").unwrap_or_else(|| severity_of(self.severity).to_owned()),
            ),
            actor,
            action: one("action"),
            resource,
            outcome: one("outcome"),
            ip: one("ip"),
            user_agent: one("user_agent"),
            session_id: one("session_id"),
            request_id: one("request_id"),
            control_ids: all("control_ids"),
            risk_score,
            occurred_at: self.timestamp.map(|t| t.to_rfc3339()),
            message: self
                .message
                .as_deref()
                .map(|m| printable(m, MAX_MESSAGE))
                .filter(|m| !m.is_empty()),
            details: Some(details),
            subject_ids: all("subject_ids"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(framer: &mut Framer) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Ok(Some(f)) = framer.next_frame() {
            out.push(f);
        }
        out
    }

    fn msg(s: &str) -> Frame {
        Frame::Message(s.as_bytes().to_vec())
    }

    #[test]
    fn octet_counting_and_non_transparent_frames_mix_on_one_stream() {
        let mut f = Framer::new(1024);
        f.push(b"11 <13>1 - - -\n<14>1 x\r\n\n5 <1>1 ");
        assert_eq!(
            frames(&mut f),
            vec![msg("<13>1 - - -"), msg("<14>1 x"), msg("<1>1 ")]
        );
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn an_octet_counted_frame_may_hold_line_feeds() {
        let mut f = Framer::new(1024);
        f.push(b"8 <1>1 a\nb");
        assert_eq!(frames(&mut f), vec![msg("<1>1 a\nb")]);
    }

    #[test]
    fn frames_split_anywhere_across_reads_come_out_whole() {
        let stream = b"17 <34>1 - h a - - -<35>1 - h b - - - hello\n11 <36>1 x y z";
        for split in 0..stream.len() {
            let mut f = Framer::new(1024);
            let (a, b) = stream.split_at(split);
            let mut got = Vec::new();
            f.push(a);
            got.extend(frames(&mut f));
            f.push(b);
            got.extend(frames(&mut f));
            assert_eq!(
                got,
                vec![
                    msg("<34>1 - h a - - -"),
                    msg("<35>1 - h b - - - hello"),
                    msg("<36>1 x y z")
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn garbage_lines_are_skipped_with_a_reason_and_the_stream_goes_on() {
        let mut f = Framer::new(1024);
        f.push(b"\xff\xfe garbage\n<13>1 ok\n");
        let got = frames(&mut f);
        assert!(matches!(&got[0], Frame::Invalid(r) if r.contains("octet count or '<'")));
        assert_eq!(got[1], msg("<13>1 ok"));
    }

    #[test]
    fn unrecoverable_streams_are_errors_not_panics() {
        for (input, reason) in [
            (&b"12345678 x"[..], "longer than 7 digits"),
            (b"12x <1>", "followed by a space"),
            (b"99999 <1>", "exceeds the limit"),
        ] {
            let mut f = Framer::new(1024);
            f.push(input);
            let err = f.next_frame().expect_err("fatal");
            assert!(err.0.contains(reason), "{input:?}: {err}");
        }
        let mut f = Framer::new(600);
        f.push(&[b'x'; 700]);
        assert!(f.next_frame().is_err());
        let mut f = Framer::new(600);
        f.push(&[b'<'; 500]);
        assert_eq!(f.next_frame(), Ok(None));
        f.push(&[b'<'; 200]);
        assert!(f.next_frame().is_err());
    }

    #[test]
    fn finish_returns_a_last_line_without_line_feed() {
        let mut f = Framer::new(1024);
        f.push(b"<13>1 last");
        assert_eq!(f.next_frame(), Ok(None));
        assert_eq!(f.finish(), Some(msg("<13>1 last")));
        let mut f = Framer::new(1024);
        f.push(b"40 <13>1 cut");
        assert!(matches!(f.finish(), Some(Frame::Invalid(_))));
        assert_eq!(Framer::new(1024).finish(), None);
    }

    #[test]
    fn parses_the_rfc_5424_examples() {
        let m = parse(
            b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8",
        )
        .expect("example 1");
        assert_eq!((m.facility, m.severity), (4, 2));
        assert_eq!(m.hostname.as_deref(), Some("mymachine.example.com"));
        assert_eq!(m.app_name.as_deref(), Some("su"));
        assert_eq!(m.procid, None);
        assert_eq!(m.msgid.as_deref(), Some("ID47"));
        assert_eq!(
            m.message.as_deref(),
            Some("'su root' failed for lonvick on /dev/pts/8")
        );
        assert_eq!(
            m.timestamp.map(|t| t.to_rfc3339()),
            Some("2003-10-11T22:14:15.003+00:00".to_owned())
        );

        let m = parse(
            br#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#,
        )
        .expect("example 4");
        assert_eq!(m.structured_data.len(), 2);
        assert_eq!(
            m.structured_data[0].params[2],
            ("eventID".into(), "1011".into())
        );
        assert_eq!(m.message, None);

        let m =
            parse(br#"<13>1 2003-08-24T05:14:15.000003-07:00 h a 1 - [x@1 v="a\"b\\c\]d\e"] m"#)
                .expect("escapes");
        assert_eq!(m.structured_data[0].params[0].1, r#"a"b\c]d\e"#);
        assert_eq!(
            m.timestamp.map(|t| t.to_rfc3339()),
            Some("2003-08-24T12:14:15.000003+00:00".to_owned())
        );
    }

    #[test]
    fn malformed_messages_name_what_is_wrong() {
        for (input, reason) in [
            (&b""[..], "'<'"),
            (b"<192>1 - - - - - -", "0 to 191"),
            (b"<013>1 - - - - - -", "leading zeros"),
            (b"<13>Oct 11 22:14:15 host su: hi", "RFC 3164"),
            (b"<13>1 yesterday h a - - -", "RFC 3339"),
            (b"<13>1 2003-10-11 h a - - -", "not an RFC 3339"),
            (b"<13>1 - h a - -", "a space after MSGID"),
            (b"<13>1 - h a - - [x@1 a=\"1\"", "']' to close"),
            (b"<13>1 - h a - - [x@1 a=\"1]\"]", "must be escaped"),
            (b"<13>1 - h a - - [x@1 a=1]", "'\"'"),
            (b"<13>1 - h\x01 a - - -", "printable"),
            (b"<13>1 - h a - - -x", "a space or the end"),
        ] {
            let err = parse(input).expect_err("malformed");
            assert!(
                err.reason.contains(reason),
                "{:?}: {err}",
                String::from_utf8_lossy(input)
            );
        }
        let long_app = format!("<13>1 - h {} - - -", "a".repeat(49));
        assert!(parse(long_app.as_bytes()).is_err());
    }

    #[test]
    fn structured_data_carries_event_fields_and_the_header_fills_the_rest() {
        let m = parse(
            br#"<86>1 2026-03-01T10:00:00Z web-1 sshd 4242 user.login.failed [probity@32473 actor_type="user" actor_id="u-17" outcome="failure" ip="203.0.113.9" control_ids="CC6.1,A.8.15" subject_ids="s-1" risk_score="0.8"][origin ip="10.0.0.1"] Failed password for u-17
from 203.0.113.9"#,
        )
        .expect("parse");
        let e = m.to_event("127.0.0.1:5000");
        assert_eq!(e.event_type, "user.login.failed");
        assert_eq!(e.category, "authentication"); // authpriv
        assert_eq!(e.severity.as_deref(), Some("info"));
        assert_eq!(e.actor.kind, "user");
        assert_eq!(e.actor.id, "u-17");
        assert_eq!(e.outcome.as_deref(), Some("failure"));
        assert_eq!(e.ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(e.control_ids, vec!["CC6.1", "A.8.15"]);
        assert_eq!(e.subject_ids, vec!["s-1"]);
        assert_eq!(e.risk_score, Some(0.8));
        assert_eq!(
            e.message.as_deref(),
            Some("Failed password for u-17 from 203.0.113.9")
        );
        let details = e.details.clone().expect("details");
        assert_eq!(details["syslog"]["app_name"], "sshd");
        assert_eq!(
            details["syslog"]["structured_data"]["origin"]["ip"],
            "10.0.0.1"
        );
        let event = e
            .validate(
                "2026-03-01T10:00:01Z".parse().expect("time"),
                super::super::event::Submitter {
                    kind: super::super::ActorKind::Service,
                    id: "syslog".into(),
                },
            )
            .expect("valid event");
        assert_eq!(event.occurred_at, "2026-03-01T10:00:00.000000Z");

        let plain = parse(b"<11>1 - db-2 postgres - - - disk full").expect("parse");
        let e = plain.to_event("p");
        assert_eq!(e.event_type, "syslog.message");
        assert_eq!(e.category, "system");
        assert_eq!(e.severity.as_deref(), Some("high"));
        assert_eq!(e.actor.kind, "service");
        assert_eq!(e.actor.id, "postgres");
        assert_eq!(e.actor.name.as_deref(), Some("postgres on db-2"));
        assert_eq!(e.occurred_at, None);
    }

    #[test]
    fn bad_event_fields_in_structured_data_fail_validation_by_field() {
        let m = parse(br#"<13>1 - h a - - [probity@32473 category="nope" risk_score="x"]"#)
            .expect("parse");
        let errors = m
            .to_event("p")
            .validate(
                "2026-03-01T10:00:01Z".parse().expect("time"),
                super::super::event::Submitter {
                    kind: super::super::ActorKind::Service,
                    id: "syslog".into(),
                },
            )
            .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"category"), "{fields:?}");
        assert!(fields.contains(&"risk_score"), "{fields:?}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            let mut bytes = Vec::new();
            for _ in 0..(seed % 90) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push(b"<>1 -[]\"\\=ab0 9\n"[usize::try_from(seed % 16).unwrap_or(0)]);
            }
            let _ = parse(&bytes);
            let mut f = Framer::new(512);
            f.push(&bytes);
            for _ in 0..100 {
                match f.next_frame() {
                    Ok(Some(Frame::Message(m))) => {
                        let _ = parse(&m).map(|m| m.to_event("p"));
                    }
                    Ok(Some(Frame::Invalid(_))) => {}
                    _ => break,
                }
            }
            let _ = f.finish();
        }
    }
}
