//! Support metrics over a period: first-response and resolution times in business minutes
//! (median and 90th percentile) and the breach rate, overall and by agent, tier and priority.
//! A ticket counts in the period it was opened in; the median of an even count is the mean of
//! the two middle values, the 90th percentile is the nearest rank.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::sla::ClockState;
use super::ticket::TicketView;

/// Median and 90th percentile of a set of durations, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct DurationStats {
    /// How many values.
    pub count: usize,
    /// Median, business minutes (absent when there are no values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_minutes: Option<f64>,
    /// 90th percentile (nearest rank), business minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90_minutes: Option<f64>,
}

/// The numbers of one group of tickets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct GroupMetrics {
    /// The group (agent, tier or priority; `all` for the whole period).
    pub key: String,
    /// Tickets opened in the period.
    pub tickets: usize,
    /// First public agent response times.
    pub first_response: DurationStats,
    /// Resolution times of the tickets solved.
    pub resolution: DurationStats,
    /// Tickets with a breached clock.
    pub breached: usize,
    /// `breached / tickets` (0 when there are none).
    pub breach_rate: f64,
}

/// The metrics of a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SupportMetrics {
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// To (exclusive).
    pub to: DateTime<Utc>,
    /// Every ticket of the period.
    pub overall: GroupMetrics,
    /// By assignee (`unassigned` when none).
    pub by_agent: Vec<GroupMetrics>,
    /// By support tier.
    pub by_tier: Vec<GroupMetrics>,
    /// By priority.
    pub by_priority: Vec<GroupMetrics>,
}

/// Median and 90th percentile of `values`.
pub fn stats(values: &mut [i64]) -> DurationStats {
    values.sort_unstable();
    let n = values.len();
    if n == 0 {
        return DurationStats::default();
    }
    let at = |i: usize| values.get(i).copied().map_or(0.0, |v| v as f64);
    let median = if n % 2 == 1 {
        at(n / 2)
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    };
    // Nearest rank: the smallest value with at least 90 % of the values at or below it.
    let rank = (n * 9).div_ceil(10).max(1);
    DurationStats {
        count: n,
        median_minutes: Some(median),
        p90_minutes: Some(at(rank - 1)),
    }
}

#[derive(Default)]
struct Acc {
    tickets: usize,
    first: Vec<i64>,
    resolution: Vec<i64>,
    breached: usize,
}

impl Acc {
    fn add(&mut self, v: &TicketView) {
        self.tickets += 1;
        if v.ticket.first_responded_at.is_some() {
            self.first.push(v.first_response_clock.consumed_minutes);
        }
        if v.ticket.status.is_done() {
            self.resolution.push(v.resolution_clock.consumed_minutes);
        }
        if v.first_response_clock.state == ClockState::Breached
            || v.resolution_clock.state == ClockState::Breached
        {
            self.breached += 1;
        }
    }

    fn finish(mut self, key: String) -> GroupMetrics {
        GroupMetrics {
            key,
            tickets: self.tickets,
            first_response: stats(&mut self.first),
            resolution: stats(&mut self.resolution),
            breached: self.breached,
            breach_rate: if self.tickets == 0 {
                0.0
            } else {
                self.breached as f64 / self.tickets as f64
            },
        }
    }
}

fn grouped<'a>(
    views: &[&'a TicketView],
    key: impl Fn(&'a TicketView) -> String,
) -> Vec<GroupMetrics> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for v in views {
        groups.entry(key(v)).or_default().add(v);
    }
    groups.into_iter().map(|(k, a)| a.finish(k)).collect()
}

/// The metrics of the tickets opened in `[from, to)`, their clocks read as `views` has them.
pub fn compute(views: &[TicketView], from: DateTime<Utc>, to: DateTime<Utc>) -> SupportMetrics {
    let inside: Vec<&TicketView> = views
        .iter()
        .filter(|v| v.ticket.created_at >= from && v.ticket.created_at < to)
        .collect();
    let mut all = Acc::default();
    for v in &inside {
        all.add(v);
    }
    SupportMetrics {
        from,
        to,
        overall: all.finish("all".to_owned()),
        by_agent: grouped(&inside, |v| {
            v.ticket
                .assignee
                .clone()
                .unwrap_or_else(|| "unassigned".to_owned())
        }),
        by_tier: grouped(&inside, |v| v.ticket.tier.clone()),
        by_priority: grouped(&inside, |v| v.ticket.priority.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_by_hand() {
        let s = stats(&mut [30, 10, 20]);
        assert_eq!(
            (s.count, s.median_minutes, s.p90_minutes),
            (3, Some(20.0), Some(30.0))
        );
        let s = stats(&mut [40, 10, 30, 20]);
        assert_eq!(s.median_minutes, Some(25.0));
        assert_eq!(s.p90_minutes, Some(40.0));
        let mut ten: Vec<i64> = (1..=10).map(|x| x * 10).collect();
        let s = stats(&mut ten);
        assert_eq!(s.median_minutes, Some(55.0));
        assert_eq!(s.p90_minutes, Some(90.0));
        assert_eq!(stats(&mut []), DurationStats::default());
    }
}
