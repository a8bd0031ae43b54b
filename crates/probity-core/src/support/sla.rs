//! SLA clocks of a ticket: a target in business minutes, the business time consumed so far,
//! and whether the clock runs, is paused (waiting on the customer) or stopped (met or late).
//! The due time is always recomputed from the business time consumed, so a pause of three
//! business hours moves it by exactly three business hours.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hours::Hours;

/// Where a clock stands at a moment.
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
pub enum ClockState {
    /// Stopped in time.
    Met,
    /// Not counting: the ticket waits on the customer (or is on hold, when so configured).
    Paused,
    /// Counting, with more than the warning lead time left.
    Running,
    /// Counting, within the warning lead time of its due time.
    AtRisk,
    /// Past its due time (still counting, paused or stopped late).
    Breached,
}

impl ClockState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Met => "met",
            ClockState::Paused => "paused",
            ClockState::Running => "running",
            ClockState::AtRisk => "at_risk",
            ClockState::Breached => "breached",
        }
    }
}

/// One SLA clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaClock {
    /// The target, in business minutes.
    pub target_minutes: u32,
    /// Business seconds consumed up to `running_since` (or until paused or stopped).
    pub consumed_seconds: i64,
    /// Counting since then; absent while paused or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_since: Option<DateTime<Utc>>,
    /// When it stopped (first public agent response; solved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// The due time it missed, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breached_at: Option<DateTime<Utc>>,
    /// When the sweep warned that it is at risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warned_at: Option<DateTime<Utc>>,
    /// When the sweep escalated its breach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<DateTime<Utc>>,
}

/// A clock read at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClockView {
    /// Its state.
    pub state: ClockState,
    /// The target, in business minutes.
    pub target_minutes: u32,
    /// Business minutes consumed.
    pub consumed_minutes: i64,
    /// Business minutes left (negative once late).
    pub remaining_minutes: i64,
    /// When it runs out, while it is counting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// The due time it missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breached_at: Option<DateTime<Utc>>,
    /// When it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<DateTime<Utc>>,
}

impl SlaClock {
    /// A clock of `target_minutes` counting from `at`.
    pub fn start(target_minutes: u32, at: DateTime<Utc>) -> Self {
        SlaClock {
            target_minutes,
            consumed_seconds: 0,
            running_since: Some(at),
            stopped_at: None,
            breached_at: None,
            warned_at: None,
            escalated_at: None,
        }
    }

    fn target_seconds(&self) -> i64 {
        i64::from(self.target_minutes) * 60
    }

    /// Stopped for good (until a reopening).
    pub fn is_stopped(&self) -> bool {
        self.stopped_at.is_some()
    }

    /// Business seconds consumed by `now`.
    pub fn consumed_at(&self, hours: &Hours, now: DateTime<Utc>) -> i64 {
        match self.running_since {
            Some(since) => self.consumed_seconds + hours.seconds_between(since, now),
            None => self.consumed_seconds,
        }
    }

    /// When it runs out, while it is counting.
    pub fn due_at(&self, hours: &Hours) -> Option<DateTime<Utc>> {
        let since = self.running_since?;
        let left = (self.target_seconds() - self.consumed_seconds).max(0);
        hours.add_seconds(since, left)
    }

    /// Late at `at`: past its due time, or already known late.
    fn late_at(&self, hours: &Hours, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.breached_at.is_some() {
            return self.breached_at;
        }
        if let Some(due) = self.due_at(hours)
            && at > due
        {
            return Some(due);
        }
        None
    }

    /// Stops counting at `at` (no effect unless it counts).
    pub fn pause(&mut self, hours: &Hours, at: DateTime<Utc>) {
        if self.running_since.is_none() {
            return;
        }
        self.breached_at = self.late_at(hours, at);
        self.consumed_seconds = self.consumed_at(hours, at);
        self.running_since = None;
    }

    /// Counts again from `at` (no effect when counting or stopped).
    pub fn resume(&mut self, at: DateTime<Utc>) {
        if self.running_since.is_none() && self.stopped_at.is_none() {
            self.running_since = Some(at);
        }
    }

    /// Stops for good at `at` (met, or late when past its due time).
    pub fn stop(&mut self, hours: &Hours, at: DateTime<Utc>) {
        if self.stopped_at.is_some() {
            return;
        }
        self.pause(hours, at);
        self.stopped_at = Some(at);
    }

    /// Counts again after a stop (a solved ticket reopened), keeping what it consumed.
    pub fn reopen(&mut self, at: DateTime<Utc>) {
        if self.stopped_at.take().is_some() {
            self.running_since = Some(at);
        }
    }

    /// Sets a new target (priority or tier changed), keeping what was consumed.
    pub fn retarget(&mut self, hours: &Hours, target_minutes: u32, at: DateTime<Utc>) {
        if self.stopped_at.is_some() {
            return;
        }
        let running = self.running_since.is_some();
        self.pause(hours, at);
        self.target_minutes = target_minutes;
        self.breached_at = (self.consumed_seconds > self.target_seconds())
            .then_some(self.breached_at.unwrap_or(at));
        if running {
            self.running_since = Some(at);
        }
    }

    /// The clock read at `now`, with `warning_minutes` of lead time for `at_risk`.
    pub fn view(&self, hours: &Hours, now: DateTime<Utc>, warning_minutes: u32) -> ClockView {
        let consumed = self.consumed_at(hours, now);
        let remaining = self.target_seconds() - consumed;
        let due_at = if self.stopped_at.is_none() {
            self.due_at(hours)
        } else {
            None
        };
        let breached_at = self.late_at(hours, now);
        let state = if breached_at.is_some() || remaining < 0 {
            ClockState::Breached
        } else if self.stopped_at.is_some() {
            ClockState::Met
        } else if self.running_since.is_none() {
            ClockState::Paused
        } else if remaining <= i64::from(warning_minutes) * 60 {
            ClockState::AtRisk
        } else {
            ClockState::Running
        };
        ClockView {
            state,
            target_minutes: self.target_minutes,
            consumed_minutes: consumed.div_euclid(60),
            remaining_minutes: remaining.div_euclid(60),
            due_at,
            breached_at,
            stopped_at: self.stopped_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::hours::BusinessCalendar;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn office() -> Hours {
        BusinessCalendar::office("o", "Office", "UTC")
            .compile("c")
            .unwrap()
    }

    #[test]
    fn a_pause_of_three_business_hours_moves_the_due_time_by_exactly_that() {
        let h = office();
        // Monday 09:00, 8 business hours: due Monday 17:00.
        let mut c = SlaClock::start(480, utc("2026-11-23T09:00:00Z"));
        assert_eq!(c.due_at(&h), Some(utc("2026-11-23T17:00:00Z")));
        // Paused Monday 11:00 to 14:00 (3 business hours).
        c.pause(&h, utc("2026-11-23T11:00:00Z"));
        assert_eq!(c.consumed_seconds, 7200);
        let v = c.view(&h, utc("2026-11-23T13:00:00Z"), 60);
        assert_eq!(v.state, ClockState::Paused);
        assert_eq!(v.due_at, None);
        assert_eq!(v.remaining_minutes, 360);
        c.resume(utc("2026-11-23T14:00:00Z"));
        // Due Tuesday 12:00: Monday 17:00 + 3 business hours over the night.
        assert_eq!(c.due_at(&h), Some(utc("2026-11-24T12:00:00Z")));
        let v = c.view(&h, utc("2026-11-24T11:30:00Z"), 60);
        assert_eq!(v.state, ClockState::AtRisk);
        assert_eq!(v.remaining_minutes, 30);
        let v = c.view(&h, utc("2026-11-24T12:01:00Z"), 60);
        assert_eq!(v.state, ClockState::Breached);
        assert_eq!(v.breached_at, Some(utc("2026-11-24T12:00:00Z")));
    }

    #[test]
    fn a_clock_due_at_closing_time_is_breached_overnight() {
        let h = office();
        let c = SlaClock::start(60, utc("2026-11-23T16:00:00Z"));
        let v = c.view(&h, utc("2026-11-23T20:00:00Z"), 15);
        assert_eq!(v.state, ClockState::Breached);
        assert_eq!(v.remaining_minutes, 0);
        // Paused after the due time, it stays breached.
        let mut p = c.clone();
        p.pause(&h, utc("2026-11-23T20:00:00Z"));
        assert_eq!(
            p.view(&h, utc("2026-11-24T10:00:00Z"), 15).state,
            ClockState::Breached
        );
        // Stopped in time it is met, and stays met.
        let mut m = c;
        m.stop(&h, utc("2026-11-23T16:59:00Z"));
        let v = m.view(&h, utc("2026-11-30T10:00:00Z"), 15);
        assert_eq!(v.state, ClockState::Met);
        assert_eq!(v.consumed_minutes, 59);
    }

    #[test]
    fn reopening_keeps_what_was_consumed_and_retargeting_keeps_it_too() {
        let h = office();
        let mut c = SlaClock::start(240, utc("2026-11-23T09:00:00Z"));
        c.stop(&h, utc("2026-11-23T10:00:00Z"));
        c.reopen(utc("2026-11-23T15:00:00Z"));
        assert_eq!(c.due_at(&h), Some(utc("2026-11-24T10:00:00Z")));
        c.retarget(&h, 120, utc("2026-11-23T16:00:00Z"));
        assert_eq!(c.consumed_seconds, 7200);
        assert_eq!(c.due_at(&h), Some(utc("2026-11-23T16:00:00Z")));
        c.retarget(&h, 60, utc("2026-11-23T16:00:00Z"));
        assert_eq!(
            c.view(&h, utc("2026-11-23T16:00:00Z"), 0).state,
            ClockState::Breached
        );
    }
}
