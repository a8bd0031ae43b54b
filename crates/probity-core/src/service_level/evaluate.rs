//! Evaluating an SLO: the SLI over a window, the error budget, and multi-window,
//! multi-burn-rate alerts (as in Google's SRE workbook, "Alerting on SLOs").
//!
//! The input is a sorted list of per-slice good/total counts ([`SliceCounts`]). For a
//! latency SLO the caller derives `good` from each slice's sketch (values at or under the
//! threshold, [`super::sketch::DdSketch::count_at_most`]); for an availability SLO it is
//! the number of successful requests or probes.
//!
//! **Exclusions are the caller's job**: slices overlapping a maintenance window
//! ([`super::window::slice_excluded`]) must be dropped before calling [`evaluate`]. A
//! dropped slice contributes neither good nor bad events to the SLI, the budget or the burn
//! rates, which are all computed over the slices that remain.
//!
//! A burn rate is how fast the budget is being spent relative to spending it exactly over
//! the window: `(bad / total) / (1 − target)` over a look-back window. A rule fires only
//! when both its long window (significance: enough budget has gone) and its short window
//! (recency: it is still happening) burn at least `factor` times too fast, which gives
//! quick detection of big outages and quick reset once they end.
//!
//! [`evaluate`] builds prefix sums over the slices once and finds every window's range by
//! binary search, so an evaluation costs `O(n + rules · log n)` for `n` slices.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::window::{SLICE_SECONDS, Window, slice_start};

/// One aggregated slice: good and total events (for latency SLOs good = values <= the
/// threshold, computed by the caller from the sketch). `good` above `total` is treated as
/// `total`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SliceCounts {
    /// Start of the slice (a multiple of [`SLICE_SECONDS`]).
    pub start: DateTime<Utc>,
    /// Events that met the objective.
    pub good: u64,
    /// All events.
    pub total: u64,
}

/// How urgent a burn-rate alert is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BurnSeverity {
    /// Slow burn; a ticket.
    Low,
    /// Steady burn; a ticket to look at today.
    Medium,
    /// Fast burn; page.
    High,
    /// Very fast burn; page now.
    Critical,
}

impl BurnSeverity {
    /// The wire name: `low`, `medium`, `high`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// A multi-window burn-rate rule: fires when the burn rate over both the last
/// `long_minutes` and the last `short_minutes` is at least `factor`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BurnRule {
    /// Burn-rate threshold (1 = spending the budget exactly over the SLO window).
    pub factor: f64,
    /// Long look-back window, minutes.
    pub long_minutes: u32,
    /// Short look-back window, minutes.
    pub short_minutes: u32,
    /// Severity of the alert when it fires.
    pub severity: BurnSeverity,
}

/// Minutes as people read them: `5 min`, `6 h`, `3 d`.
pub fn duration_label(m: u32) -> String {
    if m >= 1440 && m.is_multiple_of(1440) {
        format!("{} d", m / 1440)
    } else if m >= 60 && m.is_multiple_of(60) {
        format!("{} h", m / 60)
    } else {
        format!("{m} min")
    }
}

/// The SRE-workbook defaults for a 30-day window: 14.4× over 1 h and 5 min (critical), 6×
/// over 6 h and 30 min (high), 3× over 1 day and 2 h (medium), 1× over 3 days and 6 h (low).
/// (14.4× for an hour spends 2 % of a 30-day budget; 6× for 6 h, 5 %; 3× for a day, 10 %.)
pub fn default_burn_rules() -> Vec<BurnRule> {
    let rule = |factor, long_minutes, short_minutes, severity| BurnRule {
        factor,
        long_minutes,
        short_minutes,
        severity,
    };
    vec![
        rule(14.4, 60, 5, BurnSeverity::Critical),
        rule(6.0, 6 * 60, 30, BurnSeverity::High),
        rule(3.0, 24 * 60, 2 * 60, BurnSeverity::Medium),
        rule(1.0, 3 * 24 * 60, 6 * 60, BurnSeverity::Low),
    ]
}

/// The longest look-back a rule may use: 90 days, in minutes.
pub const MAX_RULE_MINUTES: u32 = 90 * 24 * 60;

/// Checks a rule set: factor > 0 and finite, `5 <= short < long <= 90 days` in minutes,
/// both multiples of 5 minutes (whole slices). Returns a message naming the bad rule, e.g.
/// `"rules[1]: short_minutes 60 must be less than long_minutes 30"`.
pub fn check_rules(rules: &[BurnRule]) -> Result<(), String> {
    let slice_minutes = (SLICE_SECONDS / 60) as u32;
    for (i, rule) in rules.iter().enumerate() {
        let fail = |message: String| Err(format!("rules[{i}]: {message}"));
        if !(rule.factor.is_finite() && rule.factor > 0.0) {
            return fail(format!("factor {} must be finite and above 0", rule.factor));
        }
        for (name, minutes) in [
            ("short_minutes", rule.short_minutes),
            ("long_minutes", rule.long_minutes),
        ] {
            if minutes < slice_minutes {
                return fail(format!("{name} {minutes} must be at least {slice_minutes}"));
            }
            if minutes > MAX_RULE_MINUTES {
                return fail(format!(
                    "{name} {minutes} must be at most {MAX_RULE_MINUTES} (90 days)"
                ));
            }
            if minutes % slice_minutes != 0 {
                return fail(format!(
                    "{name} {minutes} must be a multiple of {slice_minutes}"
                ));
            }
        }
        if rule.short_minutes >= rule.long_minutes {
            return fail(format!(
                "short_minutes {} must be less than long_minutes {}",
                rule.short_minutes, rule.long_minutes
            ));
        }
    }
    Ok(())
}

/// Checks an SLO target: a ratio strictly between 0 and 1 (e.g. 0.999). A target of 1
/// leaves no error budget, so budget and burn rates would be undefined.
pub fn check_target(target: f64) -> Result<(), String> {
    if target.is_finite() && target > 0.0 && target < 1.0 {
        Ok(())
    } else {
        Err(format!("target {target} must be above 0 and below 1"))
    }
}

/// One rule's burn rates at evaluation time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BurnRate {
    /// The rule.
    pub rule: BurnRule,
    /// Burn rate over the long window; `None` when it holds no events.
    pub long_rate: Option<f64>,
    /// Burn rate over the short window; `None` when it holds no events.
    pub short_rate: Option<f64>,
    /// Whether both rates are at least the rule's factor.
    pub firing: bool,
}

/// The state of an SLO over a window at an instant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    /// The SLO window evaluated.
    pub window: Window,
    /// Good events in the window so far.
    pub good: u64,
    /// All events in the window so far.
    pub total: u64,
    /// `good / total`; `None` when `total == 0`.
    pub sli: Option<f64>,
    /// The objective, e.g. 0.999.
    pub target: f64,
    /// `sli >= target`; `None` when `total == 0`.
    pub met: Option<bool>,
    /// `(1 − target) · total`: bad events allowed so far.
    pub budget_allowed: f64,
    /// `1 − bad / budget_allowed`: the fraction of the budget left; negative once it is
    /// overspent. `None` when `total == 0` (or the target leaves no budget).
    pub budget_remaining: Option<f64>,
    /// One entry per rule, in the rules' order.
    pub burn_rates: Vec<BurnRate>,
}

/// Evaluates an SLO at `now`.
///
/// `slices` must be sorted by start (assumed, checked only in debug builds) and must
/// already be free of excluded slices (see the module docs). The SLI and budget count the
/// slices whose start lies in `window` and before the end of the current slice
/// (`slice_start(now) + SLICE`), i.e. the window *so far*. Burn-rate windows end at the
/// end of the current slice as well (so the slice being filled is included) and look back
/// `long_minutes` / `short_minutes` regardless of the SLO window's start. With a target
/// outside `(0, 1)` ([`check_target`]) the budget remaining and burn rates are `None` and
/// nothing fires.
pub fn evaluate(
    slices: &[SliceCounts],
    window: Window,
    target: f64,
    rules: &[BurnRule],
    now: DateTime<Utc>,
) -> Evaluation {
    debug_assert!(
        slices.windows(2).all(|w| match w {
            [a, b] => a.start <= b.start,
            _ => true,
        }),
        "slices must be sorted by start"
    );
    let sums = PrefixSums::new(slices);
    let horizon = slice_start(now)
        .checked_add_signed(TimeDelta::seconds(SLICE_SECONDS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let budget_fraction = 1.0 - target;
    let has_budget = check_target(target).is_ok();

    let counted = sums.between(window.start, window.end.min(horizon));
    let bad = counted.bad() as f64;
    let total = counted.total as f64;
    let sli = (counted.total > 0).then(|| counted.good as f64 / total);
    let budget_allowed = if has_budget {
        budget_fraction * total
    } else {
        0.0
    };
    let budget_remaining = (counted.total > 0 && has_budget).then(|| 1.0 - bad / budget_allowed);

    let rate_over = |minutes: u32| -> Option<f64> {
        if !has_budget {
            return None;
        }
        let start = horizon
            .checked_sub_signed(TimeDelta::minutes(i64::from(minutes)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let c = sums.between(start, horizon);
        (c.total > 0).then(|| (c.bad() as f64 / c.total as f64) / budget_fraction)
    };
    let burn_rates = rules
        .iter()
        .map(|rule| {
            let long_rate = rate_over(rule.long_minutes);
            let short_rate = rate_over(rule.short_minutes);
            let firing = matches!(
                (long_rate, short_rate),
                (Some(l), Some(s)) if l >= rule.factor && s >= rule.factor
            );
            BurnRate {
                rule: rule.clone(),
                long_rate,
                short_rate,
                firing,
            }
        })
        .collect();

    Evaluation {
        window,
        good: counted.good,
        total: counted.total,
        sli,
        target,
        met: sli.map(|s| s >= target),
        budget_allowed,
        budget_remaining,
        burn_rates,
    }
}

/// Good and total event counts over a range of slices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    good: u64,
    total: u64,
}

impl Counts {
    /// Bad events (`good <= total` is kept by construction).
    fn bad(self) -> u64 {
        self.total.saturating_sub(self.good)
    }

    /// Keeps `good <= total` (only relevant if the prefix sums saturated).
    fn clamped(self) -> Self {
        Counts {
            good: self.good.min(self.total),
            total: self.total,
        }
    }
}

/// Cumulative counts: `cumulative[i]` holds the sums over `slices[..i]`.
struct PrefixSums<'a> {
    slices: &'a [SliceCounts],
    cumulative: Vec<Counts>,
}

impl<'a> PrefixSums<'a> {
    fn new(slices: &'a [SliceCounts]) -> Self {
        let mut cumulative = Vec::with_capacity(slices.len() + 1);
        let mut running = Counts::default();
        cumulative.push(running);
        for s in slices {
            running.total = running.total.saturating_add(s.total);
            // Clamped so that good <= total holds for every range difference.
            running.good = running.good.saturating_add(s.good.min(s.total));
            running.good = running.good.min(running.total);
            cumulative.push(running);
        }
        Self { slices, cumulative }
    }

    /// Sums over the slices whose start lies in `[from, to)`.
    fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Counts {
        if from >= to {
            return Counts::default();
        }
        let lo = self.slices.partition_point(|s| s.start < from);
        let hi = self.slices.partition_point(|s| s.start < to);
        match (self.cumulative.get(lo), self.cumulative.get(hi)) {
            (Some(a), Some(b)) => Counts {
                good: b.good.saturating_sub(a.good),
                total: b.total.saturating_sub(a.total),
            }
            .clamped(),
            _ => Counts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::window::{Exclusion, WindowKind, slice_excluded};
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn minutes(n: i64) -> TimeDelta {
        TimeDelta::minutes(n)
    }

    /// Slices every 5 minutes over `[from, to)` with `total` events each, all good.
    fn steady(from: DateTime<Utc>, to: DateTime<Utc>, total: u64) -> Vec<SliceCounts> {
        let mut out = Vec::new();
        let mut at = from;
        while at < to {
            out.push(SliceCounts {
                start: at,
                good: total,
                total,
            });
            at += minutes(5);
        }
        out
    }

    /// Marks `bad` events bad in the slice starting at `at`.
    fn spoil(slices: &mut [SliceCounts], at: DateTime<Utc>, bad: u64) {
        let s = slices.iter_mut().find(|s| s.start == at).unwrap();
        s.good = s.total - bad;
    }

    fn rule(evaluation: &Evaluation, severity: BurnSeverity) -> &BurnRate {
        evaluation
            .burn_rates
            .iter()
            .find(|r| r.rule.severity == severity)
            .unwrap()
    }

    #[test]
    fn default_rules_are_valid() {
        let rules = default_burn_rules();
        assert_eq!(rules.len(), 4);
        assert_eq!(check_rules(&rules), Ok(()));
        assert_eq!(rules[0].factor, 14.4);
        assert_eq!((rules[0].long_minutes, rules[0].short_minutes), (60, 5));
        assert_eq!((rules[3].long_minutes, rules[3].short_minutes), (4320, 360));
        assert_eq!(BurnSeverity::Critical.as_str(), "critical");
        assert!(BurnSeverity::Critical > BurnSeverity::Low);
        assert_eq!(
            serde_json::to_string(&BurnSeverity::Medium).unwrap(),
            "\"medium\""
        );
    }

    #[test]
    fn check_rules_names_the_bad_rule() {
        let good = BurnRule {
            factor: 2.0,
            long_minutes: 60,
            short_minutes: 5,
            severity: BurnSeverity::High,
        };
        let with = |f: &dyn Fn(&mut BurnRule)| {
            let mut bad = good.clone();
            f(&mut bad);
            check_rules(&[good.clone(), bad]).unwrap_err()
        };
        assert!(with(&|r| r.factor = 0.0).starts_with("rules[1]: factor"));
        assert!(with(&|r| r.factor = f64::NAN).starts_with("rules[1]: factor"));
        assert!(with(&|r| r.factor = f64::INFINITY).starts_with("rules[1]: factor"));
        assert!(with(&|r| r.short_minutes = 0).starts_with("rules[1]: short_minutes 0"));
        assert!(with(&|r| r.short_minutes = 7).contains("multiple of 5"));
        assert!(with(&|r| r.long_minutes = 62).starts_with("rules[1]: long_minutes 62"));
        assert!(with(&|r| r.long_minutes = MAX_RULE_MINUTES + 5).contains("at most"));
        assert!(with(&|r| r.short_minutes = 60).contains("less than long_minutes 60"));
        assert_eq!(check_rules(&[]), Ok(()));
        let mut longest = good.clone();
        longest.long_minutes = MAX_RULE_MINUTES;
        assert_eq!(check_rules(&[longest]), Ok(()));
    }

    #[test]
    fn targets() {
        assert!(check_target(0.999).is_ok());
        assert!(check_target(1.0).is_err());
        assert!(check_target(0.0).is_err());
        assert!(check_target(f64::NAN).is_err());
    }

    #[test]
    fn budget_math() {
        let now = t(2024, 3, 20, 12, 2);
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let slices = vec![
            SliceCounts {
                start: t(2024, 3, 2, 0, 0),
                good: 600_000,
                total: 600_000,
            },
            SliceCounts {
                start: t(2024, 3, 10, 0, 0),
                good: 399_500,
                total: 400_000,
            },
        ];
        let e = evaluate(&slices, window, 0.999, &[], now);
        assert_eq!((e.good, e.total), (999_500, 1_000_000));
        assert_eq!(e.sli, Some(0.9995));
        assert_eq!(e.met, Some(true));
        assert!((e.budget_allowed - 1000.0).abs() < 1e-6);
        assert!((e.budget_remaining.unwrap() - 0.5).abs() < 1e-9);

        // Overspent: 3000 bad of 1,000,000 → remaining −2, SLO missed.
        let slices = vec![SliceCounts {
            start: t(2024, 3, 2, 0, 0),
            good: 997_000,
            total: 1_000_000,
        }];
        let e = evaluate(&slices, window, 0.999, &[], now);
        assert_eq!(e.met, Some(false));
        assert!((e.budget_remaining.unwrap() + 2.0).abs() < 1e-9);
    }

    #[test]
    fn window_bounds_and_future_slices() {
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let now = t(2024, 3, 15, 10, 3);
        let slices = vec![
            SliceCounts {
                start: t(2024, 2, 29, 23, 55),
                good: 0,
                total: 10,
            }, // before
            SliceCounts {
                start: t(2024, 3, 1, 0, 0),
                good: 10,
                total: 10,
            }, // first
            SliceCounts {
                start: t(2024, 3, 15, 10, 0),
                good: 5,
                total: 10,
            }, // current
            SliceCounts {
                start: t(2024, 3, 15, 10, 5),
                good: 0,
                total: 10,
            }, // future
        ];
        let e = evaluate(&slices, window, 0.99, &[], now);
        assert_eq!((e.good, e.total), (15, 20));
    }

    #[test]
    fn empty_window() {
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let e = evaluate(
            &[],
            window,
            0.999,
            &default_burn_rules(),
            t(2024, 3, 5, 0, 0),
        );
        assert_eq!((e.good, e.total), (0, 0));
        assert_eq!(e.sli, None);
        assert_eq!(e.met, None);
        assert_eq!(e.budget_allowed, 0.0);
        assert_eq!(e.budget_remaining, None);
        assert_eq!(e.burn_rates.len(), 4);
        for r in &e.burn_rates {
            assert_eq!((r.long_rate, r.short_rate, r.firing), (None, None, false));
        }
        // Slices that exist but carry no events count as empty too.
        let zero = vec![SliceCounts {
            start: t(2024, 3, 4, 23, 55),
            good: 0,
            total: 0,
        }];
        let e = evaluate(
            &zero,
            window,
            0.999,
            &default_burn_rules(),
            t(2024, 3, 5, 0, 0),
        );
        assert_eq!(e.sli, None);
        assert!(e.burn_rates.iter().all(|r| r.long_rate.is_none()));
    }

    #[test]
    fn burst_fires_only_while_both_windows_cover_it() {
        // Steady traffic of 1000 events per slice; a burst of 50 % errors in the 11:30
        // slice. Target 0.999 → the slice alone burns at 500×.
        let burst = t(2024, 3, 20, 11, 30);
        let mut slices = steady(t(2024, 3, 10, 0, 0), t(2024, 3, 21, 0, 0), 1000);
        spoil(&mut slices, burst, 500);
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let rules = default_burn_rules();
        let at = |now| evaluate(&slices, window, 0.999, &rules, now);

        // Two minutes into the burst: 1 h window has 500 bad of 12,000 (41.7×), the
        // 5 min window 500 of 1000 (500×): critical fires.
        let e = at(burst + minutes(2));
        let critical = rule(&e, BurnSeverity::Critical);
        assert!(critical.firing);
        assert!((critical.short_rate.unwrap() - 500.0).abs() < 1e-9);
        assert!((critical.long_rate.unwrap() - 500.0 / 12.0).abs() < 1e-9);

        // 20 minutes later the 5 min window has moved past the burst: critical no longer
        // fires, although its 1 h window still holds the burst.
        let e = at(burst + minutes(20));
        let critical = rule(&e, BurnSeverity::Critical);
        assert!(!critical.firing);
        assert_eq!(critical.short_rate, Some(0.0));
        assert!(critical.long_rate.unwrap() > 14.4);
        // The high rule (6 h / 30 min) still covers the burst with both windows:
        // 500/72,000 → 6.94× long, 500/6000 → 83× short.
        let high = rule(&e, BurnSeverity::High);
        assert!(high.firing, "{high:?}");
        assert!((high.long_rate.unwrap() - 500.0 / 72.0).abs() < 1e-9);

        // With the burst 30 minutes ago even the 30 min window has left it.
        let e = at(burst + minutes(30));
        assert!(!rule(&e, BurnSeverity::Critical).firing);
        assert!(!rule(&e, BurnSeverity::High).firing);
        assert!(rule(&e, BurnSeverity::High).long_rate.unwrap() > 6.0);

        // The critical rule stops exactly when the 5 min window leaves the burst's slice.
        assert!(rule(&at(t(2024, 3, 20, 11, 34)), BurnSeverity::Critical).firing);
        assert!(!rule(&at(t(2024, 3, 20, 11, 35)), BurnSeverity::Critical).firing);
        // At 11:59 the critical 1 h window still holds the burst, the short one not.
        assert!(!rule(&at(t(2024, 3, 20, 11, 59)), BurnSeverity::Critical).firing);
        // Two hours on, nothing fires.
        let e = at(burst + minutes(120));
        assert!(e.burn_rates.iter().all(|r| !r.firing));
    }

    #[test]
    fn short_window_alone_does_not_fire() {
        // 2 % errors in the current slice (20× burn), the previous 11 slices clean:
        // the 1 h rate is 20 / 12,000 → 1.67×, below 14.4.
        let now = t(2024, 3, 20, 12, 1);
        let mut slices = steady(t(2024, 3, 19, 0, 0), t(2024, 3, 20, 12, 5), 1000);
        spoil(&mut slices, t(2024, 3, 20, 12, 0), 20);
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let e = evaluate(&slices, window, 0.999, &default_burn_rules(), now);
        let critical = rule(&e, BurnSeverity::Critical);
        assert!(critical.short_rate.unwrap() >= 14.4);
        assert!(critical.long_rate.unwrap() < 14.4);
        assert!(!critical.firing);
    }

    #[test]
    fn long_window_alone_does_not_fire() {
        // A sustained 2 % error rate for 50 minutes, then a clean last 10 minutes.
        let now = t(2024, 3, 20, 12, 1);
        let mut slices = steady(t(2024, 3, 20, 0, 0), t(2024, 3, 20, 12, 5), 1000);
        let mut at = t(2024, 3, 20, 11, 5);
        while at < t(2024, 3, 20, 11, 55) {
            spoil(&mut slices, at, 20);
            at += minutes(5);
        }
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let e = evaluate(&slices, window, 0.999, &default_burn_rules(), now);
        let critical = rule(&e, BurnSeverity::Critical);
        assert!(critical.long_rate.unwrap() >= 14.4);
        assert_eq!(critical.short_rate, Some(0.0));
        assert!(!critical.firing);
    }

    #[test]
    fn burn_windows_ignore_the_slo_window_start() {
        // A month just began; the last hour of the previous month still counts for burn.
        let now = t(2024, 4, 1, 0, 2);
        let mut slices = steady(t(2024, 3, 31, 23, 0), t(2024, 4, 1, 0, 5), 1000);
        for s in &mut slices {
            s.good = 900; // 10 % errors: 100×
        }
        let window = Window {
            start: t(2024, 4, 1, 0, 0),
            end: t(2024, 5, 1, 0, 0),
        };
        let e = evaluate(&slices, window, 0.999, &default_burn_rules(), now);
        assert_eq!(e.total, 1000); // only the April slice counts for the SLI
        assert!(rule(&e, BurnSeverity::Critical).firing);
    }

    #[test]
    fn excluded_slices_are_dropped_by_the_caller() {
        let now = t(2024, 3, 20, 12, 1);
        let mut slices = steady(t(2024, 3, 20, 11, 0), t(2024, 3, 20, 12, 5), 1000);
        spoil(&mut slices, t(2024, 3, 20, 11, 30), 1000);
        let exclusions = [Exclusion {
            start: t(2024, 3, 20, 11, 29),
            end: t(2024, 3, 20, 11, 31),
            reason: "failover test".into(),
        }];
        let kept: Vec<SliceCounts> = slices
            .iter()
            .copied()
            .filter(|s| !slice_excluded(s.start, &exclusions))
            .collect();
        assert_eq!(kept.len(), slices.len() - 2); // 11:25 and 11:30 overlap it
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let e = evaluate(&kept, window, 0.999, &default_burn_rules(), now);
        assert_eq!(e.good, e.total);
        assert_eq!(e.budget_remaining, Some(1.0));
        assert!(e.burn_rates.iter().all(|r| !r.firing));
    }

    #[test]
    fn target_without_budget() {
        let now = t(2024, 3, 20, 12, 1);
        let mut slices = steady(t(2024, 3, 20, 11, 0), t(2024, 3, 20, 12, 5), 1000);
        spoil(&mut slices, t(2024, 3, 20, 12, 0), 1);
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let e = evaluate(&slices, window, 1.0, &default_burn_rules(), now);
        assert_eq!(e.met, Some(false));
        assert_eq!(e.budget_allowed, 0.0);
        assert_eq!(e.budget_remaining, None);
        assert!(
            e.burn_rates
                .iter()
                .all(|r| r.long_rate.is_none() && !r.firing)
        );
        // Serializes without non-finite numbers.
        let json = serde_json::to_value(&e).unwrap();
        assert!(json["budget_remaining"].is_null());
    }

    #[test]
    fn good_above_total_is_clamped() {
        let window = Window {
            start: t(2024, 3, 1, 0, 0),
            end: t(2024, 4, 1, 0, 0),
        };
        let slices = vec![
            SliceCounts {
                start: t(2024, 3, 2, 0, 0),
                good: 50,
                total: 10,
            },
            SliceCounts {
                start: t(2024, 3, 2, 0, 5),
                good: 5,
                total: 10,
            },
        ];
        let e = evaluate(&slices, window, 0.9, &[], t(2024, 3, 3, 0, 0));
        assert_eq!((e.good, e.total), (15, 20));
    }

    /// 100 SLOs × 90 days of 5-minute slices. Run with
    /// `cargo test --release -- --ignored --nocapture` to see the time.
    #[test]
    #[ignore]
    fn hundred_slos_over_ninety_days() {
        let end = t(2024, 6, 1, 0, 0);
        let start = end - TimeDelta::days(90);
        let data: Vec<Vec<SliceCounts>> = (0..100u64)
            .map(|i| {
                let mut s = steady(start, end, 1000 + i);
                for (j, slice) in s.iter_mut().enumerate() {
                    slice.good -= (j as u64 * 7 + i) % 3;
                }
                s
            })
            .collect();
        assert!(data[0].len() >= 25_920);
        let rules = default_burn_rules();
        let window = WindowKind::Rolling30d.current(end - minutes(1));
        let began = std::time::Instant::now();
        let firing: usize = data
            .iter()
            .map(|s| evaluate(s, window, 0.999, &rules, end - minutes(1)))
            .map(|e| e.burn_rates.iter().filter(|r| r.firing).count())
            .sum();
        let took = began.elapsed();
        println!(
            "100 evaluations over {} slices each: {took:?} ({firing} firing)",
            data[0].len()
        );
        assert!(took.as_secs_f64() < 1.0);
    }
}
