//! Statutory clocks: one table of request rules and one of breach rules per regime, and the
//! pure date arithmetic behind them (calendar months that clamp to the month's last day,
//! calendar days, business days that skip weekends and the tenant's public holidays, hours).
//! Nothing here reads the time: callers pass instants taken from the injected `Clock`.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// A privacy law whose clocks Probity keeps.
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
pub enum Regime {
    /// EU/UK General Data Protection Regulation.
    Gdpr,
    /// California Consumer Privacy Act as amended by the CPRA.
    Ccpa,
    /// Brazil's Lei Geral de Proteção de Dados.
    Lgpd,
    /// US Health Insurance Portability and Accountability Act (Privacy and Breach rules).
    Hipaa,
}

impl Regime {
    /// Every regime.
    pub const ALL: [Regime; 4] = [Regime::Gdpr, Regime::Ccpa, Regime::Lgpd, Regime::Hipaa];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Gdpr => "gdpr",
            Regime::Ccpa => "ccpa",
            Regime::Lgpd => "lgpd",
            Regime::Hipaa => "hipaa",
        }
    }

    /// The wire name parsed back.
    pub fn parse(s: &str) -> Option<Regime> {
        Regime::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A span of time as a law counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "unit", content = "count")]
pub enum Period {
    /// Calendar months: the same date N months on, or that month's last day when the date does
    /// not exist there (31 January + 1 month = 28 or 29 February).
    Months(u32),
    /// Calendar days.
    CalendarDays(u32),
    /// Days that are neither Saturday, Sunday nor a listed public holiday.
    BusinessDays(u32),
    /// Hours from the starting instant.
    Hours(u32),
}

impl Period {
    /// Short human text: `1 month`, `45 days`, `10 business days`, `72 hours`.
    pub fn describe(self) -> String {
        let (n, unit) = match self {
            Period::Months(n) => (n, "month"),
            Period::CalendarDays(n) => (n, "day"),
            Period::BusinessDays(n) => (n, "business day"),
            Period::Hours(n) => (n, "hour"),
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

/// How long a regime gives to answer a data subject request, and how it may be extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RequestRule {
    /// The regime.
    pub regime: Regime,
    /// Time to answer, counted from receipt.
    pub response: Period,
    /// The most the answer may be put off, added to `response` and counted from receipt; the
    /// extension must be notified, with reasons, before the first period ends.
    pub extension: Option<Period>,
    /// Time to acknowledge receipt, when the regime asks for one.
    pub acknowledgment: Option<Period>,
}

/// The request table: one row per regime. No regime here pauses the clock while identity is
/// being verified.
pub const REQUEST_RULES: [RequestRule; 4] = [
    RequestRule {
        regime: Regime::Gdpr,
        response: Period::Months(1),
        extension: Some(Period::Months(2)),
        acknowledgment: None,
    },
    RequestRule {
        regime: Regime::Ccpa,
        response: Period::CalendarDays(45),
        extension: Some(Period::CalendarDays(45)),
        acknowledgment: Some(Period::BusinessDays(10)),
    },
    RequestRule {
        regime: Regime::Lgpd,
        response: Period::CalendarDays(15),
        extension: None,
        acknowledgment: None,
    },
    RequestRule {
        regime: Regime::Hipaa,
        response: Period::CalendarDays(30),
        extension: Some(Period::CalendarDays(30)),
        acknowledgment: None,
    },
];

/// The request rule of a regime.
pub fn request_rule(regime: Regime) -> RequestRule {
    REQUEST_RULES
        .into_iter()
        .find(|r| r.regime == regime)
        .unwrap_or(RequestRule {
            regime,
            response: Period::CalendarDays(30),
            extension: None,
            acknowledgment: None,
        })
}

/// Who a breach notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// The supervisory authority (a DPA, the ANPD, HHS).
    SupervisoryAuthority,
    /// The data subjects (GDPR wording).
    DataSubjects,
    /// Affected individuals (HIPAA wording).
    Individuals,
    /// Anyone else (media, partners, insurers).
    Other,
}

impl RecipientKind {
    /// Every kind.
    pub const ALL: [RecipientKind; 4] = [
        RecipientKind::SupervisoryAuthority,
        RecipientKind::DataSubjects,
        RecipientKind::Individuals,
        RecipientKind::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientKind::SupervisoryAuthority => "supervisory_authority",
            RecipientKind::DataSubjects => "data_subjects",
            RecipientKind::Individuals => "individuals",
            RecipientKind::Other => "other",
        }
    }

    /// The wire name parsed back.
    pub fn parse(s: &str) -> Option<RecipientKind> {
        RecipientKind::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A breach notification clock: who must be told, and how long after awareness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BreachRule {
    /// The regime.
    pub regime: Regime,
    /// Who must be notified.
    pub recipient: RecipientKind,
    /// Time allowed, counted from the moment the organisation became aware.
    pub period: Period,
}

/// The breach table. CCPA has no notification clock of its own (California's breach statute
/// asks for notice without unreasonable delay), so it has no row.
pub const BREACH_RULES: [BreachRule; 3] = [
    BreachRule {
        regime: Regime::Gdpr,
        recipient: RecipientKind::SupervisoryAuthority,
        period: Period::Hours(72),
    },
    BreachRule {
        regime: Regime::Hipaa,
        recipient: RecipientKind::Individuals,
        period: Period::CalendarDays(60),
    },
    BreachRule {
        regime: Regime::Lgpd,
        recipient: RecipientKind::SupervisoryAuthority,
        period: Period::BusinessDays(3),
    },
];

/// The breach clocks a regime starts.
pub fn breach_rules(regime: Regime) -> impl Iterator<Item = BreachRule> {
    BREACH_RULES.into_iter().filter(move |r| r.regime == regime)
}

/// Whether `day` is a business day given the public holidays.
pub fn is_business_day(day: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// The `n`th business day after `from` (`from` itself never counts).
pub fn add_business_days(from: NaiveDate, n: u32, holidays: &[NaiveDate]) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        let Some(next) = day.succ_opt() else {
            return day;
        };
        day = next;
        if is_business_day(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// The date a day-counted period ends on, counted from `from` (the day of receipt or
/// awareness does not count). `Hours` rounds up to the date the hours run out on.
pub fn due_date(from: NaiveDate, period: Period, holidays: &[NaiveDate]) -> NaiveDate {
    match period {
        Period::Months(n) => from.checked_add_months(Months::new(n)).unwrap_or(from),
        Period::CalendarDays(n) => from
            .checked_add_signed(Duration::days(i64::from(n)))
            .unwrap_or(from),
        Period::BusinessDays(n) => add_business_days(from, n, holidays),
        Period::Hours(n) => from
            .checked_add_signed(Duration::hours(i64::from(n)))
            .unwrap_or(from),
    }
}

/// The last instant of a date, in UTC: a date-counted deadline runs to the end of its day.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    let last = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
    Utc.from_utc_datetime(&day.and_time(last))
}

/// The instant a period started at `start` runs out: exact for hours, the end of the due date
/// otherwise.
pub fn deadline(start: DateTime<Utc>, period: Period, holidays: &[NaiveDate]) -> DateTime<Utc> {
    match period {
        Period::Hours(n) => start + Duration::hours(i64::from(n)),
        _ => end_of_day(due_date(start.date_naive(), period, holidays)),
    }
}

/// Whole days from `today` to `due` (negative once past).
pub fn days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    (due - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn gdpr_month_from_31_january_ends_on_the_last_day_of_february() {
        let gdpr = request_rule(Regime::Gdpr).response;
        assert_eq!(due_date(d(2027, 1, 31), gdpr, &[]), d(2027, 2, 28));
        assert_eq!(due_date(d(2028, 1, 31), gdpr, &[]), d(2028, 2, 29));
    }

    #[test]
    fn gdpr_month_keeps_the_date_when_it_exists() {
        let gdpr = request_rule(Regime::Gdpr).response;
        assert_eq!(due_date(d(2026, 3, 15), gdpr, &[]), d(2026, 4, 15));
        assert_eq!(due_date(d(2026, 3, 31), gdpr, &[]), d(2026, 4, 30));
        assert_eq!(due_date(d(2026, 4, 30), gdpr, &[]), d(2026, 5, 30));
        assert_eq!(due_date(d(2026, 12, 31), gdpr, &[]), d(2027, 1, 31));
    }

    #[test]
    fn extensions_count_from_receipt() {
        let gdpr = request_rule(Regime::Gdpr);
        let total = match (gdpr.response, gdpr.extension) {
            (Period::Months(a), Some(Period::Months(b))) => Period::Months(a + b),
            other => panic!("unexpected {other:?}"),
        };
        // 31 January + 3 months is 30 April, not 28 February + 2 months.
        assert_eq!(due_date(d(2027, 1, 31), total, &[]), d(2027, 4, 30));
        let ccpa = request_rule(Regime::Ccpa);
        assert_eq!(ccpa.response, Period::CalendarDays(45));
        assert_eq!(ccpa.extension, Some(Period::CalendarDays(45)));
        assert_eq!(
            due_date(d(2026, 1, 1), Period::CalendarDays(90), &[]),
            d(2026, 4, 1)
        );
        assert_eq!(request_rule(Regime::Lgpd).extension, None);
        assert_eq!(
            request_rule(Regime::Hipaa).extension,
            Some(Period::CalendarDays(30))
        );
    }

    #[test]
    fn calendar_days_cross_30_and_31_day_months() {
        assert_eq!(
            due_date(d(2026, 4, 20), Period::CalendarDays(15), &[]),
            d(2026, 5, 5)
        );
        assert_eq!(
            due_date(d(2026, 5, 20), Period::CalendarDays(15), &[]),
            d(2026, 6, 4)
        );
        assert_eq!(
            due_date(d(2026, 12, 20), Period::CalendarDays(45), &[]),
            d(2027, 2, 3)
        );
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        // Friday 2026-11-20 + 3 business days = Wednesday 25th.
        assert_eq!(add_business_days(d(2026, 11, 20), 3, &[]), d(2026, 11, 25));
        // Thanksgiving (Thu 26th) and the Friday after as holidays.
        let holidays = [d(2026, 11, 26), d(2026, 11, 27)];
        assert_eq!(
            add_business_days(d(2026, 11, 25), 1, &holidays),
            d(2026, 11, 30)
        );
        // From a Saturday, the first business day is Monday.
        assert_eq!(add_business_days(d(2026, 11, 21), 1, &[]), d(2026, 11, 23));
        // CCPA acknowledgment: 10 business days = two working weeks.
        assert_eq!(
            due_date(
                d(2026, 11, 2),
                request_rule(Regime::Ccpa).acknowledgment.unwrap(),
                &[]
            ),
            d(2026, 11, 16)
        );
        assert!(!is_business_day(d(2026, 11, 26), &holidays));
        assert!(is_business_day(d(2026, 11, 24), &holidays));
    }

    #[test]
    fn breach_clocks_per_regime() {
        let aware = Utc.with_ymd_and_hms(2026, 11, 20, 16, 30, 0).unwrap();
        let gdpr: Vec<_> = breach_rules(Regime::Gdpr).collect();
        assert_eq!(gdpr.len(), 1);
        assert_eq!(gdpr[0].recipient, RecipientKind::SupervisoryAuthority);
        assert_eq!(
            deadline(aware, gdpr[0].period, &[]),
            Utc.with_ymd_and_hms(2026, 11, 23, 16, 30, 0).unwrap()
        );
        let hipaa = breach_rules(Regime::Hipaa).next().unwrap();
        assert_eq!(hipaa.recipient, RecipientKind::Individuals);
        assert_eq!(
            deadline(aware, hipaa.period, &[]).date_naive(),
            d(2027, 1, 19)
        );
        // LGPD: three business days from a Friday, over a Monday holiday.
        let lgpd = breach_rules(Regime::Lgpd).next().unwrap();
        assert_eq!(
            deadline(aware, lgpd.period, &[d(2026, 11, 23)]),
            end_of_day(d(2026, 11, 26))
        );
        assert_eq!(breach_rules(Regime::Ccpa).count(), 0);
    }

    #[test]
    fn time_left_follows_a_moved_clock() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap());
        let aware = clock.now();
        let due = deadline(aware, Period::Hours(72), &[]);
        assert_eq!(due - clock.now(), Duration::hours(72));
        clock.advance(Duration::hours(71));
        assert_eq!(due - clock.now(), Duration::hours(1));
        clock.advance(Duration::hours(2));
        assert!(clock.now() > due);

        let received = d(2026, 1, 31);
        let due = due_date(received, Period::Months(1), &[]);
        clock.set(Utc.with_ymd_and_hms(2026, 2, 20, 12, 0, 0).unwrap());
        assert_eq!(days_left(due, clock.now().date_naive()), 8);
        clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap());
        assert_eq!(days_left(due, clock.now().date_naive()), -2);
    }

    #[test]
    fn periods_describe_themselves() {
        assert_eq!(Period::Months(1).describe(), "1 month");
        assert_eq!(Period::BusinessDays(10).describe(), "10 business days");
        assert_eq!(Period::Hours(72).describe(), "72 hours");
    }
}
