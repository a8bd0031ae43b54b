//! SLO windows, 5-minute time slices and maintenance exclusions.
//!
//! Measurements are aggregated into fixed 5-minute slices aligned to the Unix epoch
//! ([`SLICE_SECONDS`], [`slice_start`]); every window boundary used for SLOs and burn-rate
//! alerts falls on a slice boundary, so a window is always a whole number of slices and
//! sums over slices are exact.
//!
//! An SLO is judged over a [`WindowKind`]: a calendar month or quarter (UTC), which is what
//! contracts and service credits are written against, or a rolling 28 or 30 days, which is
//! what operators watch. [`WindowKind::current`] gives the window in force now and
//! [`WindowKind::previous`] the last complete one (for reports and credits).
//!
//! [`Exclusion`]s are agreed maintenance windows. A slice that overlaps an exclusion even
//! partly is left out of the SLI entirely — its good and bad events both disappear — so a
//! maintenance window can never count against (or for) the objective.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Measurements are aggregated into slices of this many seconds (5 minutes).
pub const SLICE_SECONDS: i64 = 300;

/// The start of the slice containing `at`: `at` floored to a multiple of
/// [`SLICE_SECONDS`] since the Unix epoch (sub-second parts dropped).
pub fn slice_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let secs = at.timestamp();
    let floored = secs - secs.rem_euclid(SLICE_SECONDS);
    DateTime::from_timestamp(floored, 0).unwrap_or(at)
}

/// The kind of window an SLO is evaluated over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// The calendar month (UTC).
    CalendarMonth,
    /// The last 28 days.
    #[serde(rename = "rolling_28d")]
    Rolling28d,
    /// The last 30 days.
    #[serde(rename = "rolling_30d")]
    Rolling30d,
    /// The calendar quarter (UTC): Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec.
    CalendarQuarter,
}

impl WindowKind {
    /// The wire name: `calendar_month`, `rolling_28d`, `rolling_30d`, `calendar_quarter`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CalendarMonth => "calendar_month",
            Self::Rolling28d => "rolling_28d",
            Self::Rolling30d => "rolling_30d",
            Self::CalendarQuarter => "calendar_quarter",
        }
    }

    /// Parses a wire name (exact match).
    pub fn parse(s: &str) -> Option<Self> {
        Self::all().into_iter().find(|kind| kind.as_str() == s)
    }

    /// Every kind.
    pub fn all() -> [WindowKind; 4] {
        [
            Self::CalendarMonth,
            Self::Rolling28d,
            Self::Rolling30d,
            Self::CalendarQuarter,
        ]
    }

    /// A human label: "calendar month", "rolling 28 days", ...
    pub fn label(self) -> &'static str {
        match self {
            Self::CalendarMonth => "calendar month",
            Self::Rolling28d => "rolling 28 days",
            Self::Rolling30d => "rolling 30 days",
            Self::CalendarQuarter => "calendar quarter",
        }
    }

    /// The length of a rolling kind in days; `None` for calendar kinds.
    fn rolling_days(self) -> Option<i64> {
        match self {
            Self::Rolling28d => Some(28),
            Self::Rolling30d => Some(30),
            Self::CalendarMonth | Self::CalendarQuarter => None,
        }
    }

    /// The window in force at `at`: calendar kinds give [start of the month/quarter (UTC),
    /// start of the next); rolling kinds give the N days ending at the end of the current
    /// slice, i.e. `[slice_start(at) + SLICE − N days, slice_start(at) + SLICE)`, so the
    /// slice being filled now is included.
    pub fn current(self, at: DateTime<Utc>) -> Window {
        match self {
            Self::CalendarMonth => month_window(at.year(), at.month()),
            Self::CalendarQuarter => quarter_window(at.year(), at.month()),
            Self::Rolling28d | Self::Rolling30d => {
                let end = add_seconds(slice_start(at), SLICE_SECONDS);
                self.rolling_ending(end)
            }
        }
    }

    /// The last complete window before `at`: the previous month or quarter for calendar
    /// kinds; for rolling kinds the N days ending at the start (00:00 UTC) of `at`'s day.
    /// Used for service credits and window reports.
    pub fn previous(self, at: DateTime<Utc>) -> Window {
        match self {
            Self::CalendarMonth => {
                let (year, month) = month_before(at.year(), at.month());
                month_window(year, month)
            }
            Self::CalendarQuarter => {
                // Three months back always lands in the previous quarter.
                let (mut year, mut month) = (at.year(), at.month());
                for _ in 0..3 {
                    (year, month) = month_before(year, month);
                }
                quarter_window(year, month)
            }
            Self::Rolling28d | Self::Rolling30d => {
                let midnight = at.date_naive().and_time(NaiveTime::MIN).and_utc();
                self.rolling_ending(midnight)
            }
        }
    }

    /// The rolling window of this kind ending (exclusive) at `end`.
    fn rolling_ending(self, end: DateTime<Utc>) -> Window {
        let days = self.rolling_days().unwrap_or(0);
        Window {
            start: add_seconds(end, -days * 86_400),
            end,
        }
    }
}

/// A half-open time window `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Window {
    /// First instant inside the window.
    pub start: DateTime<Utc>,
    /// First instant after the window.
    pub end: DateTime<Utc>,
}

impl Window {
    /// Whether `at` lies in `[start, end)`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// The length in whole seconds (0 for an inverted window).
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds().max(0)
    }

    /// The calendar month `year-month` (UTC); `None` for a month outside 1..=12 or a year
    /// chrono cannot represent.
    pub fn month(year: i32, month: u32) -> Option<Window> {
        let start = month_start(year, month)?;
        let (next_year, next_month) = month_after(year, month);
        let end = month_start(next_year, next_month)?;
        Some(Window { start, end })
    }
}

/// An agreed maintenance window, excluded from the SLI. `[start, end)`, half-open; an
/// exclusion with `end <= start` excludes nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Exclusion {
    /// First excluded instant.
    pub start: DateTime<Utc>,
    /// First instant after the exclusion.
    pub end: DateTime<Utc>,
    /// Why (e.g. "database upgrade, change CHG-42").
    pub reason: String,
}

/// Whether the slice starting at `slice` (covering `[slice, slice + SLICE_SECONDS)`)
/// overlaps any exclusion. A slice that overlaps an exclusion, even by one second, is left
/// out of the SLI entirely (its good and its bad events alike); an exclusion ending exactly
/// at the slice's start or starting exactly at its end does not touch it.
pub fn slice_excluded(slice: DateTime<Utc>, exclusions: &[Exclusion]) -> bool {
    let slice_end = add_seconds(slice, SLICE_SECONDS);
    exclusions
        .iter()
        .any(|e| e.start < e.end && e.start < slice_end && slice < e.end)
}

/// `at + seconds`, saturating at chrono's representable range.
fn add_seconds(at: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    let saturated = if seconds < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    };
    TimeDelta::try_seconds(seconds)
        .and_then(|delta| at.checked_add_signed(delta))
        .unwrap_or(saturated)
}

/// 00:00 UTC on the first day of `year-month`.
fn month_start(year: i32, month: u32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, month, 1).map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

fn month_after(year: i32, month: u32) -> (i32, u32) {
    if month >= 12 {
        (year.saturating_add(1), 1)
    } else {
        (year, month + 1)
    }
}

fn month_before(year: i32, month: u32) -> (i32, u32) {
    if month <= 1 {
        (year.saturating_sub(1), 12)
    } else {
        (year, month - 1)
    }
}

/// The month `year-month`, saturating at chrono's range (only reachable at its very ends).
fn month_window(year: i32, month: u32) -> Window {
    let (next_year, next_month) = month_after(year, month);
    Window {
        start: month_start(year, month).unwrap_or(DateTime::<Utc>::MIN_UTC),
        end: month_start(next_year, next_month).unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

/// The quarter containing `year-month`.
fn quarter_window(year: i32, month: u32) -> Window {
    let first = (month.clamp(1, 12) - 1) / 3 * 3 + 1;
    let (mut end_year, mut end_month) = (year, first);
    for _ in 0..3 {
        (end_year, end_month) = month_after(end_year, end_month);
    }
    Window {
        start: month_start(year, first).unwrap_or(DateTime::<Utc>::MIN_UTC),
        end: month_start(end_year, end_month).unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn day(y: i32, mo: u32, d: u32) -> DateTime<Utc> {
        t(y, mo, d, 0, 0, 0)
    }

    fn excl(start: DateTime<Utc>, end: DateTime<Utc>) -> Exclusion {
        Exclusion {
            start,
            end,
            reason: "maintenance".into(),
        }
    }

    #[test]
    fn slice_start_floors_to_five_minutes() {
        assert_eq!(
            slice_start(t(2024, 3, 1, 10, 7, 59)),
            t(2024, 3, 1, 10, 5, 0)
        );
        assert_eq!(
            slice_start(t(2024, 3, 1, 10, 5, 0)),
            t(2024, 3, 1, 10, 5, 0)
        );
        assert_eq!(
            slice_start(t(2024, 3, 1, 10, 4, 59)),
            t(2024, 3, 1, 10, 0, 0)
        );
        let with_nanos = t(2024, 3, 1, 10, 5, 0) + TimeDelta::nanoseconds(999);
        assert_eq!(slice_start(with_nanos), t(2024, 3, 1, 10, 5, 0));
        // Before the epoch it still floors (towards the past).
        assert_eq!(
            slice_start(t(1969, 12, 31, 23, 59, 1)),
            t(1969, 12, 31, 23, 55, 0)
        );
    }

    #[test]
    fn wire_names_and_labels() {
        for kind in WindowKind::all() {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<WindowKind>(&json).unwrap(), kind);
            assert_eq!(WindowKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(WindowKind::Rolling28d.as_str(), "rolling_28d");
        assert_eq!(WindowKind::Rolling30d.as_str(), "rolling_30d");
        assert_eq!(WindowKind::parse("rolling28d"), None);
        assert_eq!(WindowKind::Rolling28d.label(), "rolling 28 days");
        assert_eq!(WindowKind::CalendarQuarter.label(), "calendar quarter");
    }

    #[test]
    fn openapi_schema_uses_the_wire_names() {
        let schema =
            serde_json::to_string(&<WindowKind as utoipa::PartialSchema>::schema()).unwrap();
        for kind in WindowKind::all() {
            assert!(
                schema.contains(&format!("\"{}\"", kind.as_str())),
                "{schema}"
            );
        }
    }

    #[test]
    fn calendar_month_ends() {
        let jan = WindowKind::CalendarMonth.current(t(2023, 1, 31, 23, 59, 59));
        assert_eq!(
            jan,
            Window {
                start: day(2023, 1, 1),
                end: day(2023, 2, 1)
            }
        );
        assert_eq!(jan.seconds(), 31 * 86_400);
        let feb = WindowKind::CalendarMonth.current(t(2023, 2, 15, 12, 0, 0));
        assert_eq!(feb.seconds(), 28 * 86_400);
        let leap = WindowKind::CalendarMonth.current(t(2024, 2, 29, 23, 0, 0));
        assert_eq!(
            leap,
            Window {
                start: day(2024, 2, 1),
                end: day(2024, 3, 1)
            }
        );
        assert_eq!(leap.seconds(), 29 * 86_400);
        let dec = WindowKind::CalendarMonth.current(t(2023, 12, 31, 23, 59, 59));
        assert_eq!(
            dec,
            Window {
                start: day(2023, 12, 1),
                end: day(2024, 1, 1)
            }
        );
        // The first instant of a month belongs to it, not to the one before.
        let mar = WindowKind::CalendarMonth.current(day(2024, 3, 1));
        assert_eq!(mar.start, day(2024, 3, 1));
        assert!(mar.contains(day(2024, 3, 1)));
        assert!(!mar.contains(day(2024, 4, 1)));
    }

    #[test]
    fn window_month_constructor() {
        assert_eq!(
            Window::month(2024, 2),
            Some(Window {
                start: day(2024, 2, 1),
                end: day(2024, 3, 1)
            })
        );
        assert_eq!(
            Window::month(2023, 12),
            Some(Window {
                start: day(2023, 12, 1),
                end: day(2024, 1, 1)
            })
        );
        assert_eq!(Window::month(2024, 0), None);
        assert_eq!(Window::month(2024, 13), None);
    }

    #[test]
    fn quarters() {
        let q = |at| WindowKind::CalendarQuarter.current(at);
        assert_eq!(
            q(day(2024, 1, 1)),
            Window {
                start: day(2024, 1, 1),
                end: day(2024, 4, 1)
            }
        );
        assert_eq!(
            q(t(2024, 3, 31, 23, 59, 59)),
            Window {
                start: day(2024, 1, 1),
                end: day(2024, 4, 1)
            }
        );
        assert_eq!(
            q(day(2024, 5, 20)),
            Window {
                start: day(2024, 4, 1),
                end: day(2024, 7, 1)
            }
        );
        assert_eq!(
            q(day(2024, 9, 30)),
            Window {
                start: day(2024, 7, 1),
                end: day(2024, 10, 1)
            }
        );
        assert_eq!(
            q(day(2024, 11, 2)),
            Window {
                start: day(2024, 10, 1),
                end: day(2025, 1, 1)
            }
        );
        assert_eq!(q(day(2024, 2, 10)).seconds(), 91 * 86_400); // leap year Q1
    }

    #[test]
    fn rolling_windows_end_at_the_current_slice_end() {
        let at = t(2024, 3, 10, 14, 7, 30);
        let w = WindowKind::Rolling28d.current(at);
        assert_eq!(w.end, t(2024, 3, 10, 14, 10, 0));
        assert_eq!(w.start, t(2024, 2, 11, 14, 10, 0));
        assert!(w.contains(at));
        assert_eq!(w.seconds(), 28 * 86_400);
        let w30 = WindowKind::Rolling30d.current(t(2024, 3, 10, 14, 10, 0));
        assert_eq!(w30.end, t(2024, 3, 10, 14, 15, 0));
        assert_eq!(w30.seconds(), 30 * 86_400);
        assert_eq!(w30.start.timestamp() % SLICE_SECONDS, 0);
    }

    #[test]
    fn previous_windows() {
        let at = t(2024, 3, 10, 14, 7, 30);
        assert_eq!(
            WindowKind::CalendarMonth.previous(at),
            Window {
                start: day(2024, 2, 1),
                end: day(2024, 3, 1)
            }
        );
        assert_eq!(
            WindowKind::CalendarMonth.previous(day(2024, 1, 15)),
            Window {
                start: day(2023, 12, 1),
                end: day(2024, 1, 1)
            }
        );
        assert_eq!(
            WindowKind::CalendarQuarter.previous(at),
            Window {
                start: day(2023, 10, 1),
                end: day(2024, 1, 1)
            }
        );
        assert_eq!(
            WindowKind::CalendarQuarter.previous(day(2024, 6, 30)),
            Window {
                start: day(2024, 1, 1),
                end: day(2024, 4, 1)
            }
        );
        assert_eq!(
            WindowKind::Rolling28d.previous(at),
            Window {
                start: day(2024, 2, 11),
                end: day(2024, 3, 10)
            }
        );
        assert_eq!(
            WindowKind::Rolling30d.previous(day(2024, 3, 10)),
            Window {
                start: day(2024, 2, 9),
                end: day(2024, 3, 10)
            }
        );
        // The previous calendar window never contains `at`.
        for kind in WindowKind::all() {
            assert!(!kind.previous(at).contains(at));
            assert!(kind.previous(at).end <= at);
        }
    }

    #[test]
    fn exclusions_at_slice_edges() {
        let slice = t(2024, 3, 10, 2, 0, 0);
        let five = t(2024, 3, 10, 2, 5, 0);
        // Ends exactly at the slice start / starts exactly at its end: not excluded.
        assert!(!slice_excluded(
            slice,
            &[excl(t(2024, 3, 10, 1, 0, 0), slice)]
        ));
        assert!(!slice_excluded(
            slice,
            &[excl(five, t(2024, 3, 10, 3, 0, 0))]
        ));
        // One second of overlap at either edge excludes the whole slice.
        assert!(slice_excluded(
            slice,
            &[excl(t(2024, 3, 10, 1, 0, 0), t(2024, 3, 10, 2, 0, 1))]
        ));
        assert!(slice_excluded(
            slice,
            &[excl(t(2024, 3, 10, 2, 4, 59), t(2024, 3, 10, 3, 0, 0))]
        ));
        // Inside, covering, exactly equal.
        assert!(slice_excluded(
            slice,
            &[excl(t(2024, 3, 10, 2, 1, 0), t(2024, 3, 10, 2, 2, 0))]
        ));
        assert!(slice_excluded(
            slice,
            &[excl(day(2024, 3, 10), day(2024, 3, 11))]
        ));
        assert!(slice_excluded(slice, &[excl(slice, five)]));
        // Empty or inverted exclusions exclude nothing; any of several suffices.
        assert!(!slice_excluded(
            slice,
            &[excl(t(2024, 3, 10, 2, 1, 0), t(2024, 3, 10, 2, 1, 0))]
        ));
        assert!(!slice_excluded(slice, &[excl(five, slice)]));
        assert!(!slice_excluded(slice, &[]));
        assert!(slice_excluded(
            slice,
            &[excl(day(2024, 1, 1), day(2024, 1, 2)), excl(slice, five)]
        ));
    }

    #[test]
    fn window_serde_shape() {
        let w = Window {
            start: day(2024, 2, 1),
            end: day(2024, 3, 1),
        };
        let json = serde_json::to_value(w).unwrap();
        assert_eq!(json["start"], "2024-02-01T00:00:00Z");
        assert_eq!(serde_json::from_value::<Window>(json).unwrap(), w);
    }
}
