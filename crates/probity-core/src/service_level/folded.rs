//! Status evaluation with the old part of a window folded into sums.
//!
//! A status needs each slice of a window only for the burn-rate windows, which all end at the
//! current slice and reach back at most the longest rule's long window (72 hours by default).
//! Everything of the compliance window older than that only adds to the window's good and
//! total, so the store sums it ([`super::ServiceLevelStore::slice_sums`]) instead of returning
//! its rows: a rolling 30-day window reads ~860 rows instead of ~8,600 per SLO. Maintenance
//! exclusions stay exact: the summed stretch is cut into the ranges of slice starts no
//! exclusion touches.

use chrono::{DateTime, Duration, Utc};

use super::evaluate::SliceCounts;
use super::window::{self, Exclusion, SLICE_SECONDS, Window};
use super::{Slo, SloSlice, counts};

/// What a folded evaluation reads.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldPlan {
    /// Slice-start ranges `[from, to)` to sum, none touched by an exclusion.
    pub sum_ranges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Where the summed stretch is placed (the window's start).
    pub folded_at: DateTime<Utc>,
    /// Slices from here on are read one by one.
    pub recent_from: DateTime<Utc>,
    /// ... up to here (exclusive).
    pub to: DateTime<Utc>,
}

/// The plan for `slo` over `window` at `now`: `None` when nothing of the window is older than
/// the longest burn-rate window (read every slice then).
pub fn plan(slo: &Slo, window: Window, now: DateTime<Utc>) -> Option<FoldPlan> {
    let longest = slo
        .burn_rules
        .iter()
        .map(|r| i64::from(r.long_minutes))
        .max()
        .unwrap_or(0);
    let horizon = window::slice_start(now) + Duration::seconds(SLICE_SECONDS);
    let recent_from = horizon - Duration::minutes(longest);
    let old_end = recent_from.min(window.end);
    if window.start >= old_end {
        return None;
    }
    Some(FoldPlan {
        sum_ranges: unexcluded(window.start, old_end, &slo.exclusions),
        folded_at: window.start,
        recent_from,
        to: window.end.max(horizon),
    })
}

/// The ranges of slice starts in `[from, to)` whose slices no exclusion overlaps. A slice
/// starting at `s` overlaps `[e.start, e.end)` exactly when `slice_start(e.start) <= s <
/// e.end` (see [`window::slice_excluded`]).
pub fn unexcluded(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    exclusions: &[Exclusion],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut cuts: Vec<(DateTime<Utc>, DateTime<Utc>)> = exclusions
        .iter()
        .filter(|e| e.start < e.end)
        .map(|e| (window::slice_start(e.start), e.end))
        .collect();
    cuts.sort();
    let mut out = Vec::new();
    let mut at = from;
    for (start, end) in cuts {
        if at >= to {
            break;
        }
        if start > at {
            out.push((at, start.min(to)));
        }
        at = at.max(end);
    }
    if at < to {
        out.push((at, to));
    }
    out
}

/// The counts an evaluation takes: the summed stretch as one slice at the window's start,
/// then the recent slices (exclusions applied).
pub fn assemble(
    slo: &Slo,
    plan: &FoldPlan,
    sums: (u64, u64),
    recent: &[SloSlice],
) -> Vec<SliceCounts> {
    let (good, total) = sums;
    let mut out = Vec::with_capacity(recent.len() + 1);
    out.push(SliceCounts {
        start: plan.folded_at,
        good,
        total,
    });
    out.extend(counts(slo, recent));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service_level::evaluate::evaluate;
    use crate::service_level::{SloMetric, evaluate_slo};
    use chrono::TimeZone;

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, minute, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn exclusion(from: DateTime<Utc>, to: DateTime<Utc>) -> Exclusion {
        Exclusion {
            start: from,
            end: to,
            reason: "maintenance".into(),
        }
    }

    #[test]
    fn unexcluded_ranges_hold_exactly_the_slices_no_exclusion_touches() {
        let from = at(1, 0, 0);
        let to = at(3, 0, 0);
        let exclusions = vec![
            exclusion(at(1, 10, 2), at(1, 11, 0)),
            exclusion(at(1, 10, 30), at(1, 12, 7)),
            exclusion(at(2, 23, 0), at(4, 0, 0)),
            exclusion(at(2, 5, 0), at(2, 5, 0)),
        ];
        let ranges = unexcluded(from, to, &exclusions);
        let mut s = from;
        while s < to {
            let in_range = ranges.iter().any(|(a, b)| *a <= s && s < *b);
            assert_eq!(
                in_range,
                !window::slice_excluded(s, &exclusions),
                "slice at {s}"
            );
            s += Duration::seconds(SLICE_SECONDS);
        }
        assert_eq!(unexcluded(from, to, &[]), vec![(from, to)]);
    }

    /// A folded evaluation equals the evaluation over every slice, for windows with and
    /// without exclusions, at several instants.
    #[test]
    fn a_folded_evaluation_equals_the_full_one() {
        let mut slo = crate::service_level::tests::slo(SloMetric::AvailabilityRequests);
        slo.target_percent = 99.9;
        let start = at(1, 0, 0);
        let mut slices = Vec::new();
        let mut seed: u64 = 7;
        for i in 0..(40 * 288) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let total = (seed >> 40) % 200;
            let bad = if i % 97 == 0 { total } else { (seed >> 20) % 3 };
            slices.push(SloSlice {
                slo_id: slo.id,
                start: start + Duration::seconds(i * SLICE_SECONDS),
                // Some slices claim more good than total: the sums cap each one.
                good: if i % 501 == 0 {
                    total + 5
                } else {
                    total.saturating_sub(bad)
                },
                total,
                sketch: None,
            });
        }
        for exclusions in [
            vec![],
            vec![
                exclusion(at(12, 3, 1), at(12, 6, 0)),
                exclusion(at(30, 22, 0), at(31, 2, 0)),
            ],
        ] {
            slo.exclusions = exclusions;
            for now in [at(31, 12, 3), at(20, 0, 0), at(4, 8, 0)] {
                let window = slo.window.current(now);
                let full = evaluate_slo(&slo, &slices, window, now);
                let Some(plan) = plan(&slo, window, now) else {
                    assert!(now - window.start <= Duration::hours(73), "{now}");
                    continue;
                };
                let sums = plan.sum_ranges.iter().fold((0, 0), |(g, t), (a, b)| {
                    slices
                        .iter()
                        .filter(|s| *a <= s.start && s.start < *b)
                        .fold((g, t), |(g, t), s| (g + s.good.min(s.total), t + s.total))
                });
                let recent: Vec<SloSlice> = slices
                    .iter()
                    .filter(|s| plan.recent_from <= s.start && s.start < plan.to)
                    .cloned()
                    .collect();
                let folded = evaluate(
                    &assemble(&slo, &plan, sums, &recent),
                    window,
                    slo.target(),
                    &slo.burn_rules,
                    now,
                );
                assert_eq!(folded, full, "at {now} with {:?}", slo.exclusions);
            }
        }
    }
}
