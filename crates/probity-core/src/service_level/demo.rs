//! Demo service levels: three services with four SLOs and 50 days of measurements, generated
//! deterministically from the clock (no randomness between runs of one day):
//!
//! - **Customer API availability**, an SLA owed to an external customer with a tiered credit
//!   schedule that needs approval; last month carries an incident deep enough to owe a credit;
//! - **Customer API latency**, p99 at most 400 ms over rolling 30 days, from latency values
//!   aggregated into sketches;
//! - **Payments error rate**, with an error burst in the last hour that fires the fast
//!   burn-rate rule;
//! - **SSO availability** in probe minutes, with a maintenance window excluded.
//!
//! After seeding, one sweep opens the violations and computes the credits.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::platform::service::Principal;

/// What the demo recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// SLOs.
    pub slos: usize,
    /// Measurements.
    pub measurements: usize,
    /// What the first sweep did.
    pub sweep: sweep::SweepReport,
}

/// A small deterministic generator (splitmix64), so the demo looks the same each time (the
/// benchmark uses it too).
#[derive(Debug, Clone)]
pub struct Mix(pub u64);

impl Mix {
    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.bits() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const DAYS: i64 = 50;

/// Seeds the demo tenant's service levels and runs one sweep.
pub async fn seed(service: &ServiceLevelService, who: &Principal) -> DomainResult<DemoReport> {
    let now = service.clock.now();
    let mut report = DemoReport::default();
    let api = service
        .create_service(
            who,
            &NewService {
                key: "customer-api".into(),
                name: "Customer API".into(),
                provider: "Platform team".into(),
                customer: Some("Northwind Retail GmbH".into()),
                description: Some("The public REST API customers integrate with.".into()),
            },
        )
        .await?;
    let payments = service
        .create_service(
            who,
            &NewService {
                key: "payments".into(),
                name: "Payments".into(),
                provider: "Payments team".into(),
                customer: None,
                description: Some("Card authorisation and capture.".into()),
            },
        )
        .await?;
    let sso = service
        .create_service(
            who,
            &NewService {
                key: "sso".into(),
                name: "Single sign-on".into(),
                provider: "Identity provider (vendor)".into(),
                customer: None,
                description: Some("Workforce sign-in for every internal tool.".into()),
            },
        )
        .await?;
    let sla = service
        .create_slo(
            who,
            &NewSlo {
                service: api.key.clone(),
                name: "API availability".into(),
                description: Some(
                    "99.9 % of requests succeed each calendar month; credits per the order form."
                        .into(),
                ),
                metric: SloMetric::AvailabilityRequests,
                target_percent: 99.9,
                threshold_ms: None,
                window: Some(WindowKind::CalendarMonth),
                exclusions: Vec::new(),
                burn_rules: None,
                escalation_minutes: None,
                credits: Some(CreditSchedule {
                    tiers: vec![
                        CreditTier {
                            lower: 99.0,
                            upper: 99.9,
                            credit_percent: 10.0,
                        },
                        CreditTier {
                            lower: 95.0,
                            upper: 99.0,
                            credit_percent: 25.0,
                        },
                        CreditTier {
                            lower: 0.0,
                            upper: 95.0,
                            credit_percent: 50.0,
                        },
                    ],
                    monthly_fee: 12_000.0,
                    currency: "EUR".into(),
                    cap_percent: 50.0,
                    minimum_amount: 50.0,
                    claim_window_days: 30,
                    requires_approval: true,
                }),
                source: None,
            },
        )
        .await?;
    let latency = service
        .create_slo(
            who,
            &NewSlo {
                service: api.key.clone(),
                name: "API latency p99".into(),
                description: Some("99 % of requests answer within 400 ms.".into()),
                metric: SloMetric::Latency,
                target_percent: 99.0,
                threshold_ms: Some(400.0),
                window: Some(WindowKind::Rolling30d),
                exclusions: Vec::new(),
                burn_rules: None,
                escalation_minutes: None,
                credits: None,
                source: None,
            },
        )
        .await?;
    let errors = service
        .create_slo(
            who,
            &NewSlo {
                service: payments.key.clone(),
                name: "Payments error rate".into(),
                description: Some("At most 0.05 % of authorisations fail.".into()),
                metric: SloMetric::ErrorRate,
                target_percent: 99.95,
                threshold_ms: None,
                window: Some(WindowKind::Rolling28d),
                exclusions: Vec::new(),
                burn_rules: None,
                escalation_minutes: Some(vec![5, 15, 60]),
                credits: None,
                source: None,
            },
        )
        .await?;
    let maintenance_start = window::slice_start(now - Duration::days(9));
    let sso_slo = service
        .create_slo(
            who,
            &NewSlo {
                service: sso.key.clone(),
                name: "SSO availability".into(),
                description: Some("Sign-in works 99.95 % of minutes.".into()),
                metric: SloMetric::AvailabilityMinutes,
                target_percent: 99.95,
                threshold_ms: None,
                window: Some(WindowKind::CalendarMonth),
                exclusions: vec![Exclusion {
                    start: maintenance_start,
                    end: maintenance_start + Duration::hours(2),
                    reason: "Vendor's announced database upgrade".into(),
                }],
                burn_rules: None,
                escalation_minutes: None,
                credits: None,
                source: None,
            },
        )
        .await?;
    report.slos = 4;

    let mut mix = Mix(0x005E_ED0F_5105);
    let end = window::slice_start(now);
    let start = end - Duration::days(DAYS);
    // An incident in the middle of last month, deep enough to miss 99.9 %.
    let last_month = WindowKind::CalendarMonth.previous(now);
    let incident = last_month.start + Duration::days(14) + Duration::hours(10);
    let mut batch = Vec::new();
    let mut t = start;
    while t <= end {
        let in_incident = t >= incident && t < incident + Duration::hours(5);
        let total = 1_800 + (mix.bits() % 600);
        let bad = if in_incident {
            total / 4
        } else {
            u64::from(mix.unit() < 0.3)
        };
        batch.push(counts_at(sla.id, t, total - bad, total));
        let values: Vec<f64> = (0..12)
            .map(|_| {
                let u = mix.unit();
                // Mostly 40-180 ms with a thin slow tail.
                if u > 0.993 {
                    420.0 + 600.0 * mix.unit()
                } else {
                    40.0 + 140.0 * mix.unit()
                }
            })
            .collect();
        batch.push(MeasurementInput {
            slo_id: latency.id,
            at: t,
            good: None,
            total: None,
            value_ms: None,
            values_ms: Some(values),
        });
        let auths = 900 + (mix.bits() % 300);
        let failed = if now - t < Duration::minutes(40) {
            auths / 50
        } else {
            u64::from(mix.unit() < 0.2)
        };
        batch.push(counts_at(errors.id, t, auths - failed, auths));
        let down = if t >= maintenance_start && t < maintenance_start + Duration::hours(2) {
            5
        } else {
            u64::from(mix.unit() < 0.0002)
        };
        batch.push(counts_at(sso_slo.id, t, 5 - down, 5));
        if batch.len() >= MAX_BATCH - 4 {
            report.measurements += service.ingest(who, &batch).await?.accepted;
            batch.clear();
        }
        t += Duration::seconds(window::SLICE_SECONDS);
    }
    if !batch.is_empty() {
        report.measurements += service.ingest(who, &batch).await?.accepted;
    }
    report.sweep = service.sweep().await?;
    Ok(report)
}

fn counts_at(slo: SloId, at: DateTime<Utc>, good: u64, total: u64) -> MeasurementInput {
    MeasurementInput {
        slo_id: slo,
        at,
        good: Some(good),
        total: Some(total),
        value_ms: None,
        values_ms: None,
    }
}
