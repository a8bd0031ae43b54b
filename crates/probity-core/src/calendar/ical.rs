//! An iCalendar (RFC 5545) writer for the calendar feed: one `VCALENDAR` of all-day `VEVENT`s,
//! with TEXT values escaped (section 3.3.11), content lines folded at 75 octets without
//! splitting a UTF-8 character (section 3.1) and CRLF line endings.

use chrono::{DateTime, Duration, Utc};

use super::model::CalendarEntry;

/// The longest content line, in octets, before it is folded (CRLF not counted).
const LINE_OCTETS: usize = 75;

/// The `PRODID` of every feed.
pub const PRODID: &str = "-//Probity//Compliance calendar//EN";

/// Escapes a TEXT value: backslash, semicolon and comma get a backslash; a line break becomes
/// `\n` (CR LF and lone CR count as one break).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            // Other control characters are not allowed in TEXT (section 3.3.11).
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line: at most 75 octets per physical line, continuation lines start
/// with a space (which counts towards their 75), never splitting a character; each physical
/// line ends with CRLF.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / LINE_OCTETS * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += width;
    }
    out.push_str("\r\n");
    out
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar named `name` with one all-day event per entry, stamped `now`. Links are made
/// absolute with `public_url` (e.g. `https://grc.example.com`).
pub fn calendar(
    name: &str,
    entries: &[CalendarEntry],
    public_url: &str,
    now: DateTime<Utc>,
) -> String {
    let base = public_url.trim_end_matches('/');
    let mut out = String::new();
    let mut line = |text: String| out.push_str(&fold_line(&text));
    line("BEGIN:VCALENDAR".into());
    line(format!("PRODID:{PRODID}"));
    line("VERSION:2.0".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    line("X-WR-TIMEZONE:UTC".into());
    for e in entries {
        let next_day = e.date + Duration::days(1);
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("DTSTAMP:{}", stamp(now)));
        line(format!("DTSTART;VALUE=DATE:{}", e.date.format("%Y%m%d")));
        line(format!("DTEND;VALUE=DATE:{}", next_day.format("%Y%m%d")));
        let summary = if e.overdue {
            format!("Overdue: {}", e.title)
        } else {
            e.title.clone()
        };
        line(format!("SUMMARY:{}", escape_text(&summary)));
        line(format!("DESCRIPTION:{}", escape_text(&e.description)));
        // URL is a URI value, not TEXT: it is not escaped (our paths hold no CR or LF).
        line(format!("URL:{base}{}", e.link));
        line(format!("CATEGORIES:{}", escape_text(e.kind.label())));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::calendar::model::EntryKind;

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_breaks() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(
            escape_text("one\ntwo\r\nthree\rfour"),
            r"one\ntwo\nthree\nfour"
        );
        assert_eq!(escape_text("bell\u{7}less: fine"), "bellless: fine");
        assert_eq!(escape_text("Überprüfung – ok"), "Überprüfung – ok");
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold_line("VERSION:2.0"), "VERSION:2.0\r\n");
        let exactly = "X".repeat(75);
        assert_eq!(fold_line(&exactly), format!("{exactly}\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_with_a_leading_space() {
        let line = format!("SUMMARY:{}", "a".repeat(200));
        let folded = fold_line(&line);
        let physical: Vec<&str> = folded.split_terminator("\r\n").collect();
        assert!(physical.len() >= 3);
        assert_eq!(physical[0].len(), 75);
        for p in &physical[1..] {
            assert!(p.starts_with(' '));
            assert!(p.len() <= 75);
        }
        // Unfolding (drop CRLF + one space) gives the line back.
        assert_eq!(folded.replace("\r\n ", "").trim_end_matches("\r\n"), line);
    }

    #[test]
    fn a_multi_byte_character_at_the_boundary_moves_whole_to_the_next_line() {
        // 74 ASCII octets, then "é" (2 octets) would end at octet 76: it must not be split.
        let line = format!("{}é{}", "b".repeat(74), "c".repeat(10));
        let folded = fold_line(&line);
        let physical: Vec<&str> = folded.split_terminator("\r\n").collect();
        assert_eq!(physical[0], "b".repeat(74));
        assert!(physical[1].starts_with(" é"));
        assert_eq!(folded.replace("\r\n ", "").trim_end_matches("\r\n"), line);
        // A 4-octet character straddling the boundary too.
        let line = format!("{}😀x", "d".repeat(73));
        let folded = fold_line(&line);
        let physical: Vec<&str> = folded.split_terminator("\r\n").collect();
        assert_eq!(physical[0].len(), 73);
        assert_eq!(physical[1], " 😀x");
        for p in physical {
            assert!(p.len() <= 75);
            assert!(std::str::from_utf8(p.as_bytes()).is_ok());
        }
    }

    #[test]
    fn a_calendar_has_the_required_properties_and_crlf_only() {
        let entry = CalendarEntry {
            kind: EntryKind::RiskReview,
            date: NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
            due_at: None,
            title: "R-001 Supplier outage; review, please".into(),
            description: "Owner: Ops\nDue soon".into(),
            context: "governance".into(),
            link: "/governance/risks/1".into(),
            overdue: true,
            uid: "risk_review-1@probity".into(),
        };
        let now = Utc.with_ymd_and_hms(2026, 5, 2, 8, 30, 0).unwrap();
        let text = calendar("Acme, compliance", &[entry], "https://grc.example/", now);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nPRODID:"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(!text.replace("\r\n", "").contains('\r'));
        for needle in [
            "VERSION:2.0\r\n",
            "X-WR-CALNAME:Acme\\, compliance\r\n",
            "UID:risk_review-1@probity\r\n",
            "DTSTAMP:20260502T083000Z\r\n",
            "DTSTART;VALUE=DATE:20260430\r\n",
            "DTEND;VALUE=DATE:20260501\r\n",
            "SUMMARY:Overdue: R-001 Supplier outage\\; review\\, please\r\n",
            "DESCRIPTION:Owner: Ops\\nDue soon\r\n",
            "URL:https://grc.example/governance/risks/1\r\n",
            "CATEGORIES:Risk review\r\n",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in {text}");
        }
    }
}
