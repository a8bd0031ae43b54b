//! Service credits: what a provider owes a customer when an SLA window's compliance falls
//! short.
//!
//! Contracts express credits as a table of compliance bands, e.g. "below 99.9 % → 10 % of
//! the monthly fee, below 99 % → 25 %, below 95 % → 50 %", with a cap on the total credit,
//! a minimum amount below which no credit is issued, and a claim window. A
//! [`CreditSchedule`] holds that table; [`CreditSchedule::check`] validates it when it is
//! entered and [`CreditSchedule::credit_for`] turns a window's compliance percent into a
//! [`CreditQuote`].
//!
//! Bands are half-open, `[lower, upper)` in percent, with `0 <= lower < upper <= 100`. So a
//! compliance exactly at a band's upper bound belongs to the band above it, and exactly
//! 100 % compliance matches no band (a perfect window never earns a credit).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One band of a credit schedule: compliance percent in `[lower, upper)` earns
/// `credit_percent` of the fee.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreditTier {
    /// Lowest compliance percent in the band (inclusive).
    pub lower: f64,
    /// Compliance percent just above the band (exclusive), at most 100.
    pub upper: f64,
    /// Credit, in percent of the monthly fee, in `(0, 100]`.
    pub credit_percent: f64,
}

/// A contract's service-credit terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreditSchedule {
    /// Non-overlapping compliance bands, in any order; none means no credits.
    pub tiers: Vec<CreditTier>,
    /// The monthly fee credits are computed from, in `currency`; a quarter's credit is
    /// computed from three months' fee.
    pub monthly_fee: f64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// Highest credit, in percent of the fee, in `(0, 100]`.
    pub cap_percent: f64,
    /// Credits below this amount are not issued.
    pub minimum_amount: f64,
    /// Days after the window's end within which the customer must claim.
    pub claim_window_days: u32,
    /// Whether a credit needs an approval before it is issued.
    pub requires_approval: bool,
}

/// The credit a window's compliance earns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreditQuote {
    /// Index into [`CreditSchedule::tiers`] of the matching band; `None` when no band
    /// matches (no credit).
    pub tier: Option<usize>,
    /// Credit percent after the cap (0 without a tier).
    pub credit_percent: f64,
    /// `fee · credit_percent / 100` rounded to cents; 0 when below the minimum.
    pub amount: f64,
    /// Whether the cap lowered the band's percent.
    pub capped: bool,
    /// Whether the amount was below `minimum_amount` and so set to 0.
    pub below_minimum: bool,
}

impl CreditSchedule {
    /// Checks the schedule: every tier has finite bounds with `0 <= lower < upper <= 100`
    /// and `credit_percent` in `(0, 100]`; no two tiers overlap; `cap_percent` in
    /// `(0, 100]`; at most 20 tiers; `monthly_fee` and `minimum_amount` from 0 to 10^12; `currency` three
    /// upper-case ASCII letters. The error names the field, e.g.
    /// `"tiers[1]: lower 99.5 overlaps tiers[0]"`.
    pub fn check(&self) -> Result<(), String> {
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(format!(
                "currency {:?} must be a three-letter upper-case code such as EUR",
                self.currency
            ));
        }
        if self.tiers.len() > 20 {
            return Err("tiers: at most 20 bands".into());
        }
        if !(self.monthly_fee.is_finite() && (0.0..=1e12).contains(&self.monthly_fee)) {
            return Err(format!(
                "monthly_fee {} must be 0 to 1000000000000",
                self.monthly_fee
            ));
        }
        if !(self.minimum_amount.is_finite() && (0.0..=1e12).contains(&self.minimum_amount)) {
            return Err(format!(
                "minimum_amount {} must be 0 to 1000000000000",
                self.minimum_amount
            ));
        }
        if !is_percent(self.cap_percent) {
            return Err(format!(
                "cap_percent {} must be above 0 and at most 100",
                self.cap_percent
            ));
        }
        for (i, tier) in self.tiers.iter().enumerate() {
            check_tier(tier).map_err(|message| format!("tiers[{i}]: {message}"))?;
        }
        for (j, later) in self.tiers.iter().enumerate() {
            for (i, earlier) in self.tiers.iter().enumerate().take(j) {
                if later.lower < earlier.upper && earlier.lower < later.upper {
                    let (field, value) = if later.lower >= earlier.lower {
                        ("lower", later.lower)
                    } else {
                        ("upper", later.upper)
                    };
                    return Err(format!("tiers[{j}]: {field} {value} overlaps tiers[{i}]"));
                }
            }
        }
        Ok(())
    }

    /// The credit for a judged period of `months` calendar months (1 for a month, 3 for a
    /// quarter): the fee of the period is `monthly_fee · months`, and the credit is
    /// [`CreditSchedule::credit_for`] of it.
    pub fn credit_for_period(&self, compliance_percent: f64, months: u32) -> CreditQuote {
        let period = Self {
            monthly_fee: self.monthly_fee * f64::from(months.max(1)),
            ..self.clone()
        };
        period.credit_for(compliance_percent)
    }

    /// The credit for a month's compliance percent: the band with
    /// `lower <= compliance < upper` gives its percent, capped at `cap_percent`; the
    /// amount is `monthly_fee · percent / 100` rounded to cents, half away from zero (the
    /// product is first snapped to a millionth of a cent, so that a decimal half such as
    /// 14.5 cents stored as 14.4999…9 still rounds up). An amount below `minimum_amount`
    /// becomes 0 with `below_minimum` set. No band (including 100 % and NaN) → no credit.
    /// Meant for a schedule that passed [`CreditSchedule::check`].
    pub fn credit_for(&self, compliance_percent: f64) -> CreditQuote {
        let Some((index, tier)) = self
            .tiers
            .iter()
            .enumerate()
            .find(|(_, t)| t.lower <= compliance_percent && compliance_percent < t.upper)
        else {
            return CreditQuote {
                tier: None,
                credit_percent: 0.0,
                amount: 0.0,
                capped: false,
                below_minimum: false,
            };
        };
        let capped = tier.credit_percent > self.cap_percent;
        let credit_percent = tier.credit_percent.min(self.cap_percent);
        let amount = round_to_cents(self.monthly_fee * credit_percent);
        let below_minimum = amount < self.minimum_amount;
        CreditQuote {
            tier: Some(index),
            credit_percent,
            amount: if below_minimum { 0.0 } else { amount },
            capped,
            below_minimum,
        }
    }
}

/// Whether `p` is a percent in `(0, 100]`.
fn is_percent(p: f64) -> bool {
    p > 0.0 && p <= 100.0
}

/// One tier's own constraints.
fn check_tier(tier: &CreditTier) -> Result<(), String> {
    if !(tier.lower.is_finite() && tier.lower >= 0.0) {
        return Err(format!("lower {} must be 0 or more", tier.lower));
    }
    if !(tier.upper.is_finite() && tier.upper <= 100.0) {
        return Err(format!("upper {} must be at most 100", tier.upper));
    }
    if tier.lower >= tier.upper {
        return Err(format!(
            "lower {} must be below upper {}",
            tier.lower, tier.upper
        ));
    }
    if !is_percent(tier.credit_percent) {
        return Err(format!(
            "credit_percent {} must be above 0 and at most 100",
            tier.credit_percent
        ));
    }
    Ok(())
}

/// `cents / 100` rounded to whole cents, half away from zero. `cents` is
/// `fee · percent`, i.e. already the amount in cents.
fn round_to_cents(cents: f64) -> f64 {
    let snapped = (cents * 1e6).round() / 1e6;
    snapped.round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(lower: f64, upper: f64, credit_percent: f64) -> CreditTier {
        CreditTier {
            lower,
            upper,
            credit_percent,
        }
    }

    fn schedule() -> CreditSchedule {
        CreditSchedule {
            tiers: vec![
                tier(99.0, 99.9, 10.0),
                tier(95.0, 99.0, 25.0),
                tier(0.0, 95.0, 50.0),
            ],
            monthly_fee: 1000.0,
            currency: "EUR".into(),
            cap_percent: 100.0,
            minimum_amount: 0.0,
            claim_window_days: 30,
            requires_approval: true,
        }
    }

    #[test]
    fn the_example_schedule_is_valid() {
        assert_eq!(schedule().check(), Ok(()));
    }

    #[test]
    fn band_boundaries() {
        let s = schedule();
        let cases = [
            (100.0, None, 0.0),
            (99.95, None, 0.0),
            (99.9, None, 0.0),
            (99.899999, Some(0), 10.0),
            (99.0, Some(0), 10.0),
            (98.99, Some(1), 25.0),
            (95.0, Some(1), 25.0),
            (94.99, Some(2), 50.0),
            (0.0, Some(2), 50.0),
            (-1.0, None, 0.0),
            (f64::NAN, None, 0.0),
        ];
        for (compliance, tier, percent) in cases {
            let q = s.credit_for(compliance);
            assert_eq!(q.tier, tier, "{compliance}");
            assert_eq!(q.credit_percent, percent, "{compliance}");
            assert_eq!(q.amount, 1000.0 * percent / 100.0, "{compliance}");
            assert!(!q.capped && !q.below_minimum);
        }
    }

    #[test]
    fn a_quarter_credits_three_months_fee_with_the_same_minimum() {
        let mut s = schedule();
        assert_eq!(s.credit_for_period(98.0, 3).amount, 750.0);
        assert_eq!(s.credit_for_period(98.0, 1), s.credit_for(98.0));
        assert_eq!(
            s.credit_for_period(98.0, 0),
            s.credit_for(98.0),
            "at least a month"
        );
        // The minimum applies to the period's amount: 3 × 40 × 25 % = 30 passes a 25 minimum
        // that one month's 10 would not.
        s.monthly_fee = 40.0;
        s.minimum_amount = 25.0;
        assert!(s.credit_for(98.0).below_minimum);
        let q = s.credit_for_period(98.0, 3);
        assert_eq!((q.amount, q.below_minimum), (30.0, false));
    }

    #[test]
    fn cap_limits_the_percent() {
        let mut s = schedule();
        s.cap_percent = 30.0;
        let q = s.credit_for(50.0);
        assert_eq!((q.tier, q.credit_percent, q.amount), (Some(2), 30.0, 300.0));
        assert!(q.capped);
        let q = s.credit_for(96.0);
        assert_eq!((q.credit_percent, q.amount, q.capped), (25.0, 250.0, false));
        s.cap_percent = 25.0; // equal to the band: not "capped"
        assert!(!s.credit_for(96.0).capped);
    }

    #[test]
    fn minimum_amount() {
        let mut s = schedule();
        s.monthly_fee = 99.0;
        s.minimum_amount = 10.0;
        let q = s.credit_for(99.5); // 10 % of 99 = 9.90 < 10
        assert_eq!((q.tier, q.credit_percent, q.amount), (Some(0), 10.0, 0.0));
        assert!(q.below_minimum);
        let q = s.credit_for(96.0); // 24.75 >= 10
        assert_eq!(q.amount, 24.75);
        assert!(!q.below_minimum);
        s.monthly_fee = 100.0; // exactly the minimum is issued
        let q = s.credit_for(99.5);
        assert_eq!((q.amount, q.below_minimum), (10.0, false));
        assert!(!s.credit_for(100.0).below_minimum);
    }

    #[test]
    fn rounding_to_cents() {
        let mut s = schedule();
        s.tiers = vec![tier(0.0, 100.0, 10.0)];
        for (fee, expected) in [
            (10.05, 1.01),    // 100.5 cents → 101
            (1.45, 0.15),     // 14.5 cents (14.4999… in binary) → 15
            (1.44, 0.14),     // 14.4 → 14
            (123.456, 12.35), // 1234.56 → 1235
            (0.0, 0.0),
        ] {
            s.monthly_fee = fee;
            assert_eq!(s.credit_for(50.0).amount, expected, "fee {fee}");
        }
        s.tiers = vec![tier(0.0, 100.0, 33.333)];
        s.monthly_fee = 100.0;
        assert_eq!(s.credit_for(10.0).amount, 33.33);
    }

    #[test]
    fn validation_errors_name_the_field() {
        let with = |f: &dyn Fn(&mut CreditSchedule)| {
            let mut s = schedule();
            f(&mut s);
            s.check().unwrap_err()
        };
        assert_eq!(
            with(&|s| s.tiers[1] = tier(95.0, 99.5, 25.0)),
            "tiers[1]: upper 99.5 overlaps tiers[0]"
        );
        assert_eq!(
            with(&|s| s.tiers.push(tier(99.5, 99.8, 5.0))),
            "tiers[3]: lower 99.5 overlaps tiers[0]"
        );
        // One band inside another, and a band covering another.
        assert!(with(&|s| s.tiers.push(tier(10.0, 20.0, 5.0))).starts_with("tiers[3]: lower 10"));
        assert!(with(&|s| s.tiers.push(tier(90.0, 99.95, 5.0))).starts_with("tiers[3]: upper"));
        assert_eq!(
            with(&|s| s.tiers[0] = tier(99.9, 99.0, 10.0)),
            "tiers[0]: lower 99.9 must be below upper 99"
        );
        assert!(with(&|s| s.tiers[0] = tier(99.0, 99.0, 10.0)).contains("must be below upper"));
        assert!(with(&|s| s.tiers[0] = tier(99.0, 100.5, 10.0)).starts_with("tiers[0]: upper"));
        assert!(with(&|s| s.tiers[2] = tier(-1.0, 95.0, 50.0)).starts_with("tiers[2]: lower"));
        assert!(with(&|s| s.tiers[0].credit_percent = 0.0).starts_with("tiers[0]: credit_percent"));
        assert!(
            with(&|s| s.tiers[0].credit_percent = 101.0).starts_with("tiers[0]: credit_percent")
        );
        assert!(with(&|s| s.tiers[0].upper = f64::NAN).starts_with("tiers[0]: upper"));
        for bad in ["eur", "EU", "EURO", "E1R", "ÉUR", ""] {
            assert!(
                with(&|s| s.currency = bad.into()).starts_with("currency"),
                "{bad}"
            );
        }
        assert!(with(&|s| s.monthly_fee = -1.0).starts_with("monthly_fee"));
        assert!(with(&|s| s.monthly_fee = f64::INFINITY).starts_with("monthly_fee"));
        assert!(with(&|s| s.minimum_amount = -0.01).starts_with("minimum_amount"));
        assert!(with(&|s| s.cap_percent = 0.0).starts_with("cap_percent"));
        assert!(with(&|s| s.cap_percent = 100.1).starts_with("cap_percent"));
    }

    #[test]
    fn adjacent_bands_and_no_bands_are_fine() {
        let mut s = schedule();
        s.tiers.push(tier(99.9, 100.0, 5.0)); // touches [99, 99.9) without overlapping
        assert_eq!(s.check(), Ok(()));
        assert_eq!(s.credit_for(99.9).tier, Some(3));
        assert_eq!(s.credit_for(100.0).tier, None);
        s.tiers.clear();
        assert_eq!(s.check(), Ok(()));
        assert_eq!(s.credit_for(10.0).amount, 0.0);
    }

    #[test]
    fn serde_shape() {
        let s = schedule();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["tiers"][0]["credit_percent"], 10.0);
        assert_eq!(serde_json::from_value::<CreditSchedule>(json).unwrap(), s);
        let q = serde_json::to_value(s.credit_for(100.0)).unwrap();
        assert!(q["tier"].is_null());
    }
}
