//! Business-hours calendars and their arithmetic: "add N business minutes to an instant" and
//! "business time between two instants", in a named IANA time zone with weekly opening hours
//! (several intervals a day, or 24×7) and holidays. Business time is real elapsed time during
//! which the local wall clock reads an opening hour on a working day, so a daylight-saving
//! change inside opening hours makes that day an hour shorter or longer (ADR 0021).

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

/// A day of the week.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Monday to Friday.
    pub const WORKDAYS: [Weekday; 5] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ];

    fn index(self) -> usize {
        match self {
            Weekday::Monday => 0,
            Weekday::Tuesday => 1,
            Weekday::Wednesday => 2,
            Weekday::Thursday => 3,
            Weekday::Friday => 4,
            Weekday::Saturday => 5,
            Weekday::Sunday => 6,
        }
    }
}

/// One opening interval on a weekday, in local wall-clock time: `from` inclusive, `to`
/// exclusive, both `HH:MM`; `to` may be `24:00` (the end of the day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// The weekday.
    pub day: Weekday,
    /// Opens at (`09:00`).
    pub from: String,
    /// Closes at (`17:00`, or `24:00`).
    pub to: String,
}

/// A named business-hours calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessCalendar {
    /// The key policies name it by (`eu-office`).
    pub key: String,
    /// A display name.
    #[serde(default)]
    pub name: String,
    /// An IANA time zone (`Europe/Berlin`).
    pub time_zone: String,
    /// Open around the clock, every day (holidays still skip); `hours` must then be empty.
    #[serde(default)]
    pub always_open: bool,
    /// Weekly opening hours (several intervals a day allowed, not overlapping).
    #[serde(default)]
    pub hours: Vec<OpeningHours>,
    /// Local dates on which the desk is closed all day.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

/// A calendar checked and compiled for arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    tz: Tz,
    /// Per weekday (Monday first), sorted opening intervals in seconds after local midnight.
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

/// The longest search for a due time: a calendar open a few minutes a year still ends.
const MAX_SEARCH_DAYS: i64 = 3 * 366;
const DAY_SECONDS: u32 = 86_400;

fn parse_hhmm(field: &str, s: &str) -> DomainResult<u32> {
    let bad = || DomainError::invalid(field, format!("{s:?} is not a time of day as HH:MM"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60)
}

impl BusinessCalendar {
    /// Monday to Friday, 09:00–17:00, in `time_zone`.
    pub fn office(key: &str, name: &str, time_zone: &str) -> Self {
        BusinessCalendar {
            key: key.to_owned(),
            name: name.to_owned(),
            time_zone: time_zone.to_owned(),
            always_open: false,
            hours: Weekday::WORKDAYS
                .iter()
                .map(|d| OpeningHours {
                    day: *d,
                    from: "09:00".into(),
                    to: "17:00".into(),
                })
                .collect(),
            holidays: vec![],
        }
    }

    /// Around the clock, in UTC.
    pub fn around_the_clock(key: &str, name: &str) -> Self {
        BusinessCalendar {
            key: key.to_owned(),
            name: name.to_owned(),
            time_zone: "UTC".to_owned(),
            always_open: true,
            hours: vec![],
            holidays: vec![],
        }
    }

    /// Checks the calendar (errors name the field under `prefix`) and compiles it.
    pub fn compile(&self, prefix: &str) -> DomainResult<Hours> {
        let tz: Tz = self.time_zone.parse().map_err(|_| {
            DomainError::invalid(
                format!("{prefix}.time_zone"),
                format!(
                    "{:?} is not an IANA time zone (e.g. Europe/Berlin)",
                    self.time_zone
                ),
            )
        })?;
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        if self.always_open {
            if !self.hours.is_empty() {
                return Err(DomainError::invalid(
                    format!("{prefix}.hours"),
                    "an always-open calendar has no opening hours",
                ));
            }
            for day in &mut week {
                day.push((0, DAY_SECONDS));
            }
        } else if self.hours.is_empty() {
            return Err(DomainError::invalid(
                format!("{prefix}.hours"),
                "give at least one opening interval, or set always_open",
            ));
        }
        for (i, h) in self.hours.iter().enumerate() {
            let from = parse_hhmm(&format!("{prefix}.hours[{i}].from"), &h.from)?;
            let to = parse_hhmm(&format!("{prefix}.hours[{i}].to"), &h.to)?;
            if to <= from {
                return Err(DomainError::invalid(
                    format!("{prefix}.hours[{i}].to"),
                    format!("closes at {} before it opens at {}", h.to, h.from),
                ));
            }
            if let Some(day) = week.get_mut(h.day.index()) {
                day.push((from, to));
            }
        }
        for (d, day) in week.iter_mut().enumerate() {
            day.sort_unstable();
            if day.windows(2).any(|w| matches!(w, [a, b] if b.0 < a.1)) {
                return Err(DomainError::invalid(
                    format!("{prefix}.hours"),
                    format!("opening intervals overlap on weekday {}", d + 1),
                ));
            }
        }
        Ok(Hours {
            tz,
            week,
            holidays: self.holidays.iter().copied().collect(),
        })
    }
}

fn offset_seconds(tz: Tz, t: DateTime<Utc>) -> i64 {
    i64::from(
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

impl Hours {
    /// The time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Splits `[a, b)` into stretches with one UTC offset each, in order.
    fn segments(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
        out: &mut Vec<(DateTime<Utc>, DateTime<Utc>, i64)>,
    ) {
        if b <= a {
            return;
        }
        let oa = offset_seconds(self.tz, a);
        let last = b - Duration::seconds(1);
        let ob = offset_seconds(self.tz, last);
        // Two changes within a day do not happen, so one day with equal ends is one offset.
        if oa == ob && b - a <= Duration::days(1) {
            out.push((a, b, oa));
            return;
        }
        if b - a <= Duration::seconds(1) {
            out.push((a, b, oa));
            return;
        }
        let mid = a + (b - a) / 2;
        let mid = DateTime::<Utc>::from_timestamp(mid.timestamp(), 0).unwrap_or(mid);
        let mid = if mid <= a {
            a + Duration::seconds(1)
        } else {
            mid
        };
        self.segments(a, mid, out);
        self.segments(mid, b, out);
    }

    /// The business stretches inside `[a, b)`, in order: the instants whose local wall-clock
    /// time is inside an opening interval of a working day.
    pub fn open_intervals(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut segments = Vec::new();
        self.segments(a, b, &mut segments);
        let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (s, e, offset) in segments {
            let shift = Duration::seconds(offset);
            let (ls, le) = (s.naive_utc() + shift, e.naive_utc() + shift);
            let mut day = ls.date();
            while day <= le.date() {
                if !self.holidays.contains(&day) {
                    let weekday = day.weekday().num_days_from_monday();
                    let opening = usize::try_from(weekday).ok().and_then(|w| self.week.get(w));
                    for (from, to) in opening.into_iter().flatten() {
                        let start = at_seconds(day, *from);
                        let end = at_seconds(day, *to);
                        let (start, end) = (start.max(ls), end.min(le));
                        if start < end {
                            let (us, ue) = (
                                Utc.from_utc_datetime(&(start - shift)),
                                Utc.from_utc_datetime(&(end - shift)),
                            );
                            match out.last_mut() {
                                Some(last) if last.1 == us => last.1 = ue,
                                _ => out.push((us, ue)),
                            }
                        }
                    }
                }
                let Some(next) = day.succ_opt() else { break };
                day = next;
            }
        }
        out
    }

    /// Business seconds in `[a, b)` (0 when `b <= a`).
    pub fn seconds_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.open_intervals(a, b)
            .iter()
            .map(|(s, e)| (*e - *s).num_seconds())
            .sum()
    }

    /// Whole business minutes in `[a, b)`.
    pub fn minutes_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.seconds_between(a, b).div_euclid(60)
    }

    /// The instant `seconds` business seconds after `t` (`t` itself for 0; an interval's
    /// closing instant when the time runs out exactly there); `None` when the calendar has
    /// no business time within three years.
    pub fn add_seconds(&self, t: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        if seconds <= 0 {
            return Some(t);
        }
        let mut left = seconds;
        let mut cursor = t;
        let limit = t + Duration::days(MAX_SEARCH_DAYS);
        while cursor < limit {
            let next = cursor + Duration::days(7);
            for (s, e) in self.open_intervals(cursor, next) {
                let len = (e - s).num_seconds();
                if left <= len {
                    return Some(s + Duration::seconds(left));
                }
                left -= len;
            }
            cursor = next;
        }
        None
    }

    /// The instant `minutes` business minutes after `t`.
    pub fn add_minutes(&self, t: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        self.add_seconds(t, minutes.saturating_mul(60))
    }
}

fn at_seconds(day: NaiveDate, seconds: u32) -> NaiveDateTime {
    if seconds >= DAY_SECONDS {
        return day.and_time(NaiveTime::MIN) + Duration::days(1);
    }
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or(NaiveTime::MIN);
    day.and_time(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn office(tz: &str) -> Hours {
        BusinessCalendar::office("o", "Office", tz)
            .compile("c")
            .unwrap()
    }

    fn calendar(tz: &str, hours: &[(Weekday, &str, &str)], holidays: &[&str]) -> Hours {
        BusinessCalendar {
            key: "c".into(),
            name: String::new(),
            time_zone: tz.into(),
            always_open: false,
            hours: hours
                .iter()
                .map(|(d, f, t)| OpeningHours {
                    day: *d,
                    from: (*f).into(),
                    to: (*t).into(),
                })
                .collect(),
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
        }
        .compile("c")
        .unwrap()
    }

    fn every_day(tz: &str, from: &str, to: &str) -> Hours {
        let days = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ];
        let hours: Vec<_> = days.iter().map(|d| (*d, from, to)).collect();
        calendar(tz, &hours, &[])
    }

    #[test]
    fn a_friday_afternoon_rolls_over_the_weekend() {
        let h = office("Europe/Berlin");
        // Friday 2026-11-20 16:00 CET = 15:00Z; 2 business hours: 1 on Friday, 1 on Monday.
        let due = h.add_minutes(utc("2026-11-20T15:00:00Z"), 120).unwrap();
        assert_eq!(due, utc("2026-11-23T09:00:00Z")); // Monday 10:00 CET
        assert_eq!(h.minutes_between(utc("2026-11-20T15:00:00Z"), due), 120);
        // Starting outside hours counts from the next opening.
        let due = h.add_minutes(utc("2026-11-21T12:00:00Z"), 30).unwrap();
        assert_eq!(due, utc("2026-11-23T08:30:00Z"));
        // Running out exactly at closing time ends there, not at the next opening.
        let due = h.add_minutes(utc("2026-11-23T08:00:00Z"), 480).unwrap();
        assert_eq!(due, utc("2026-11-23T16:00:00Z"));
        assert_eq!(
            h.add_minutes(utc("2026-11-23T08:00:00Z"), 0).unwrap(),
            utc("2026-11-23T08:00:00Z")
        );
    }

    #[test]
    fn holidays_are_skipped_whole() {
        let h = calendar(
            "Europe/Berlin",
            &Weekday::WORKDAYS.map(|d| (d, "09:00", "17:00")),
            &["2026-12-24", "2026-12-25"],
        );
        // Wednesday 23 December 16:30 CET; Thursday and Friday are holidays, then the weekend.
        let due = h.add_minutes(utc("2026-12-23T15:30:00Z"), 60).unwrap();
        assert_eq!(due, utc("2026-12-28T08:30:00Z")); // Monday 09:30 CET
        assert_eq!(
            h.minutes_between(utc("2026-12-23T00:00:00Z"), utc("2026-12-29T00:00:00Z")),
            16 * 60
        );
    }

    #[test]
    fn several_intervals_a_day_leave_the_lunch_break_out() {
        let h = calendar(
            "UTC",
            &[
                (Weekday::Monday, "08:00", "12:00"),
                (Weekday::Monday, "13:00", "17:00"),
            ],
            &[],
        );
        let due = h.add_minutes(utc("2026-11-23T11:00:00Z"), 90).unwrap();
        assert_eq!(due, utc("2026-11-23T13:30:00Z"));
        // Next Monday after the week's 8 hours are used.
        let due = h
            .add_minutes(utc("2026-11-23T08:00:00Z"), 8 * 60 + 1)
            .unwrap();
        assert_eq!(due, utc("2026-11-30T08:01:00Z"));
    }

    #[test]
    fn around_the_clock_counts_every_minute_but_holidays() {
        let mut c = BusinessCalendar::around_the_clock("24x7", "24×7");
        c.holidays = vec!["2026-12-25".parse().unwrap()];
        let h = c.compile("c").unwrap();
        assert_eq!(
            h.add_minutes(utc("2026-12-24T23:00:00Z"), 120).unwrap(),
            utc("2026-12-26T01:00:00Z")
        );
    }

    #[test]
    fn berlin_spring_forward_day_has_23_hours_and_the_gap_is_never_open() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        let h = every_day("Europe/Berlin", "00:00", "24:00");
        let day_start = utc("2026-03-28T23:00:00Z"); // 00:00 CET
        let day_end = utc("2026-03-29T22:00:00Z"); // 24:00 CEST
        assert_eq!(h.minutes_between(day_start, day_end), 23 * 60);
        // 01:00–04:00 local holds two real hours that day.
        let h = every_day("Europe/Berlin", "01:00", "04:00");
        assert_eq!(h.minutes_between(day_start, day_end), 120);
        // From 01:30 CET (00:30Z), 60 minutes lands at 03:30 CEST (01:30Z), not 02:30.
        assert_eq!(
            h.add_minutes(utc("2026-03-29T00:30:00Z"), 60).unwrap(),
            utc("2026-03-29T01:30:00Z")
        );
        // An office day is unchanged: 09:00 CEST = 07:00Z.
        let o = office("Europe/Berlin");
        assert_eq!(
            o.add_minutes(utc("2026-03-27T15:00:00Z"), 61).unwrap(),
            utc("2026-03-30T07:01:00Z")
        );
    }

    #[test]
    fn berlin_fall_back_day_has_25_hours_and_the_repeated_hour_counts_twice() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET.
        let h = every_day("Europe/Berlin", "00:00", "24:00");
        let day_start = utc("2026-10-24T22:00:00Z"); // 00:00 CEST
        let day_end = utc("2026-10-25T23:00:00Z"); // 24:00 CET
        assert_eq!(h.minutes_between(day_start, day_end), 25 * 60);
        let h = every_day("Europe/Berlin", "02:00", "03:00");
        assert_eq!(h.minutes_between(day_start, day_end), 120);
        // 02:30 CEST (00:30Z) + 60 business minutes: 30 to 03:00 CEST = 02:00 CET (01:00Z),
        // then the repeated hour: 02:30 CET = 01:30Z.
        assert_eq!(
            h.add_minutes(utc("2026-10-25T00:30:00Z"), 60).unwrap(),
            utc("2026-10-25T01:30:00Z")
        );
        // Office hours shift by the offset: Friday 16:00 CEST (14:00Z) + 2 h → Monday 10:00 CET (09:00Z).
        let o = office("Europe/Berlin");
        assert_eq!(
            o.add_minutes(utc("2026-10-23T14:00:00Z"), 120).unwrap(),
            utc("2026-10-26T09:00:00Z")
        );
    }

    #[test]
    fn new_york_dst_days() {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 2026-11-01: 02:00 EDT falls back to 01:00 EST.
        let h = every_day("America/New_York", "00:00", "24:00");
        assert_eq!(
            h.minutes_between(utc("2026-03-08T05:00:00Z"), utc("2026-03-09T04:00:00Z")),
            23 * 60
        );
        assert_eq!(
            h.minutes_between(utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z")),
            25 * 60
        );
        // A night shift 00:00–06:00: 5 real hours in spring, 7 in autumn.
        let night = every_day("America/New_York", "00:00", "06:00");
        assert_eq!(
            night.minutes_between(utc("2026-03-08T05:00:00Z"), utc("2026-03-09T04:00:00Z")),
            5 * 60
        );
        assert_eq!(
            night.minutes_between(utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z")),
            7 * 60
        );
        // 01:30 EDT (05:30Z) + 60 minutes through the repeated hour = 01:30 EST (06:30Z).
        assert_eq!(
            night.add_minutes(utc("2026-11-01T05:30:00Z"), 60).unwrap(),
            utc("2026-11-01T06:30:00Z")
        );
        // Office: Friday 6 March 16:00 EST (21:00Z) + 120 → Monday 10:00 EDT (14:00Z).
        let o = office("America/New_York");
        assert_eq!(
            o.add_minutes(utc("2026-03-06T21:00:00Z"), 120).unwrap(),
            utc("2026-03-09T14:00:00Z")
        );
    }

    #[test]
    fn adding_then_measuring_gives_back_the_minutes() {
        let h = office("America/New_York");
        let mut t = utc("2026-10-28T13:17:00Z");
        for n in [1, 59, 480, 481, 2400, 10_000] {
            let due = h.add_minutes(t, n).unwrap();
            assert_eq!(h.minutes_between(t, due), n, "{n} from {t}");
            t = due;
        }
    }

    #[test]
    fn bad_calendars_name_their_field() {
        let mut c = BusinessCalendar::office("o", "O", "Mars/Olympus");
        let e = c.compile("calendars[0]").unwrap_err().to_string();
        assert!(e.contains("calendars[0].time_zone"), "{e}");
        c.time_zone = "UTC".into();
        if let Some(first) = c.hours.first_mut() {
            first.to = "08:00".into();
        }
        let e = c.compile("calendars[0]").unwrap_err().to_string();
        assert!(e.contains("calendars[0].hours[0].to"), "{e}");
        c.hours = vec![];
        assert!(c.compile("x").is_err());
        for bad in ["9:00", "24:30", "12:60", "ab:cd"] {
            assert!(parse_hhmm("f", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_hhmm("f", "24:00").unwrap(), DAY_SECONDS);
    }
}
