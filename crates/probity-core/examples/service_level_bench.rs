//! Service-level benchmark (issue #10 "Measure"): ingest of 1 million measurements and a full
//! re-evaluation of 100 SLAs over 90 days (target < 1 s), beside a naive recomputation from
//! the raw points in the same run.
//!
//! - **ingest**: 1,000,000 measurements (90 of the SLAs count good/total events, 10 are latency
//!   SLOs sending values) checked and aggregated into 5-minute slices with
//!   `service_level::aggregate`, the CPU part of the ingest path (the store then merges the
//!   slices into a row per SLO and day);
//! - **re-evaluation**: for every SLA, its current window with the four default burn-rate
//!   rules (eight burn windows) and the three complete calendar months of the 90 days, from
//!   the slices — what the sweep and the status page compute;
//! - **baseline**: the same numbers recomputed naively from the raw points, scanning every
//!   point of the SLA for every window.
//!
//! The two must agree (checked). Run: `cargo run --release -p probity-core --example
//! service_level_bench`
#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use probity_core::governance::Party;
use probity_core::platform::TenantId;
use probity_core::service_level::demo::Mix;
use probity_core::service_level::evaluate::{self, default_burn_rules};
use probity_core::service_level::window::{self, WindowKind};
use probity_core::service_level::*;

const SLAS: usize = 100;
const MEASUREMENTS: usize = 1_000_000;
const DAYS: i64 = 90;

fn slo(i: usize, now: DateTime<Utc>) -> Slo {
    let latency = i.is_multiple_of(10);
    Slo {
        id: SloId::new(),
        tenant_id: TenantId(uuid::Uuid::nil()),
        service_id: ServiceId::new(),
        name: format!("SLA {i}"),
        description: String::new(),
        metric: if latency {
            SloMetric::Latency
        } else {
            SloMetric::AvailabilityRequests
        },
        target_percent: if latency { 99.0 } else { 99.9 },
        threshold_ms: latency.then_some(300.0),
        window: WindowKind::Rolling30d,
        exclusions: Vec::new(),
        burn_rules: default_burn_rules(),
        escalation_minutes: vec![5, 15, 60],
        credits: None,
        source: None,
        pull: None,
        version: 1,
        created_at: now,
        created_by: Party {
            id: "bench".into(),
            name: "bench".into(),
        },
        updated_at: now,
        judged_until: None,
    }
}

/// What both computations produce per SLA: (good, total) for the current window, each burn
/// window and each month.
type Numbers = Vec<(u64, u64)>;

fn windows(slo: &Slo, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut w = Vec::new();
    let current = slo.window.current(now);
    w.push((current.start, current.end));
    let end = window::slice_start(now) + chrono::Duration::seconds(window::SLICE_SECONDS);
    for r in &slo.burn_rules {
        w.push((
            end - chrono::Duration::minutes(i64::from(r.long_minutes)),
            end,
        ));
        w.push((
            end - chrono::Duration::minutes(i64::from(r.short_minutes)),
            end,
        ));
    }
    let mut month = WindowKind::CalendarMonth.previous(now);
    for _ in 0..3 {
        w.push((month.start, month.end));
        month = WindowKind::CalendarMonth.previous(month.start);
    }
    w
}

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let slos: Vec<Slo> = (0..SLAS).map(|i| slo(i, now)).collect();
    let by_id: HashMap<SloId, Slo> = slos.iter().map(|s| (s.id, s.clone())).collect();
    let mut mix = Mix(42);
    let span = (DAYS * 86_400) as u64;
    let raw: Vec<MeasurementInput> = (0..MEASUREMENTS)
        .map(|_| {
            let s = &slos[(mix.bits() % SLAS as u64) as usize];
            let at = now - chrono::Duration::seconds((mix.bits() % span) as i64);
            if s.metric == SloMetric::Latency {
                let v = 20.0 + (mix.bits() % 400) as f64;
                MeasurementInput {
                    slo_id: s.id,
                    at,
                    good: None,
                    total: None,
                    value_ms: Some(v),
                    values_ms: None,
                }
            } else {
                let total = 50 + mix.bits() % 100;
                let bad = u64::from(mix.bits().is_multiple_of(1000)) * (mix.bits() % total);
                MeasurementInput {
                    slo_id: s.id,
                    at,
                    good: Some(total - bad),
                    total: Some(total),
                    value_ms: None,
                    values_ms: None,
                }
            }
        })
        .collect();
    println!(
        "{MEASUREMENTS} measurements over {DAYS} days for {SLAS} SLAs ({} latency)",
        slos.iter()
            .filter(|s| s.metric == SloMetric::Latency)
            .count()
    );

    // Ingest: check and aggregate into slices.
    let mut ingest_times = Vec::new();
    let mut slices: HashMap<SloId, Vec<SloSlice>> = HashMap::new();
    for _ in 0..5 {
        let start = Instant::now();
        let aggregated = aggregate(&by_id, &raw, now);
        ingest_times.push(start.elapsed());
        assert!(
            aggregated.errors.is_empty(),
            "{:?}",
            aggregated.errors.first()
        );
        slices.clear();
        // Sorted by SLO and start, as the store reads them back.
        for s in aggregated.slices {
            slices.entry(s.slo_id).or_default().push(s);
        }
    }
    let n_slices: usize = slices.values().map(Vec::len).sum();

    // Full re-evaluation from slices.
    let from_slices = |slices: &HashMap<SloId, Vec<SloSlice>>| -> Vec<Numbers> {
        slos.iter()
            .map(|slo| {
                let mine = slices.get(&slo.id).map_or(&[][..], Vec::as_slice);
                let counts = counts(slo, mine);
                let current = slo.window.current(now);
                let e = evaluate::evaluate(&counts, current, slo.target(), &slo.burn_rules, now);
                let mut out = vec![(e.good, e.total)];
                // Burn windows: recover good/total from the rates is lossy, so evaluate each
                // burn window as a window of its own (what the status page shows per rule).
                for (s, t) in windows(slo, now).into_iter().skip(1) {
                    let w = Window { start: s, end: t };
                    let e = evaluate::evaluate(&counts, w, slo.target(), &[], now);
                    out.push((e.good, e.total));
                }
                out
            })
            .collect()
    };
    let naive = |raw: &[MeasurementInput]| -> Vec<Numbers> {
        slos.iter()
            .map(|slo| {
                windows(slo, now)
                    .into_iter()
                    .map(|(s, t)| {
                        let (mut good, mut total) = (0u64, 0u64);
                        for m in raw.iter().filter(|m| m.slo_id == slo.id) {
                            // Windows are in slices: a point counts in its slice's window.
                            let slice = window::slice_start(m.at);
                            if slice < s || slice >= t {
                                continue;
                            }
                            match (m.good, m.total, m.value_ms) {
                                (Some(g), Some(n), _) => {
                                    good += g;
                                    total += n;
                                }
                                (_, _, Some(v)) => {
                                    good += u64::from(v <= slo.threshold_ms.unwrap());
                                    total += 1;
                                }
                                _ => {}
                            }
                        }
                        (good, total)
                    })
                    .collect()
            })
            .collect()
    };
    let mut eval_times = Vec::new();
    let mut answer = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        answer = std::hint::black_box(from_slices(&slices));
        eval_times.push(start.elapsed());
    }
    let mut naive_times = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        baseline = std::hint::black_box(naive(&raw));
        naive_times.push(start.elapsed());
    }
    assert_eq!(answer, baseline, "slices and raw points must agree");

    // Quantiles over a month for one latency SLA, merged from sketches, beside sorting.
    let lat = slos
        .iter()
        .find(|s| s.metric == SloMetric::Latency)
        .unwrap();
    let month = WindowKind::CalendarMonth.previous(now);
    let start = Instant::now();
    let q = quantiles(slices.get(&lat.id).unwrap(), month).unwrap();
    let merged = start.elapsed();
    let start = Instant::now();
    let mut values: Vec<f64> = raw
        .iter()
        .filter(|m| m.slo_id == lat.id && month.contains(window::slice_start(m.at)))
        .filter_map(|m| m.value_ms)
        .collect();
    values.sort_by(f64::total_cmp);
    let exact = values[((values.len() - 1) as f64 * 0.99) as usize];
    let sorted = start.elapsed();

    let med = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    let ingest = med(ingest_times);
    let eval = med(eval_times);
    println!("slices: {n_slices}");
    println!(
        "ingest (check + aggregate 1M measurements), median of 5: {}",
        ms(ingest)
    );
    println!(
        "re-evaluation of {SLAS} SLAs from slices ({} windows each), median of 10: {}",
        windows(&slos[0], now).len(),
        ms(eval)
    );
    println!("ingest + re-evaluation: {}", ms(ingest + eval));
    println!(
        "baseline: naive recomputation from raw points, median of 3: {}",
        ms(med(naive_times))
    );
    println!(
        "p99 over a month, one latency SLA: merged sketches {:.1} ms ({:.1} ms), sorted raw values {:.1} ms ({exact:.1} ms), relative error {:.3} %",
        merged.as_secs_f64() * 1e3,
        q.p99,
        sorted.as_secs_f64() * 1e3,
        (q.p99 - exact).abs() / exact * 100.0
    );
}
