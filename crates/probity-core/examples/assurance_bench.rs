//! Assurance benchmark (issue #6 "Measure"), each beside a baseline measured in the same run:
//!
//! - posture recompute — the gap analysis of every shipped framework with 150 controls in a
//!   mix of states, test health and evidence (target < 20 ms) — beside the catalog's plain
//!   coverage of the same frameworks (no tests, evidence or carry-over);
//! - starter-pack Rego evaluations per second on one core (target ≥ 10,000) — every starter
//!   test against its passing and failing example, compiled once — beside a trivial policy;
//! - decision latency p50/p99 for a simple policy: parsed per call on its own thread (the old
//!   path), through the cached `Evaluator` the decision API uses (compiled once, own thread,
//!   time limit), beside the compiled in-thread path.
//!
//! Run: `cargo run --release -p probity-core --example assurance_bench`
#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use probity_core::assurance::posture::{self, PostureInput};
use probity_core::assurance::rego::{self, Compiled, Limits};
use probity_core::assurance::starter::starter_pack;
use probity_core::assurance::{ControlHealth, ResultStatus};
use probity_core::catalog::coverage::{self, TenantView};
use probity_core::catalog::{Catalog, ControlState, ImplementationStatus};

fn median_max(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (samples[samples.len() / 2], samples[samples.len() - 1])
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    std::hint::black_box(f());
    median_max(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let catalog = Catalog::shipped().expect("shipped catalog");
    let tenant = probity_core::platform::TenantId::new();
    let statuses = [
        ImplementationStatus::Implemented,
        ImplementationStatus::PartiallyImplemented,
        ImplementationStatus::Implemented,
        ImplementationStatus::NotImplemented,
    ];
    let states: Vec<ControlState> = catalog
        .controls()
        .iter()
        .enumerate()
        .map(|(i, c)| ControlState {
            tenant_id: tenant,
            control_id: c.id.clone(),
            status: statuses[i % statuses.len()],
            owner: Some("Owner".into()),
            note: None,
            updated_at: probity_core::Clock::now(&probity_core::SystemClock),
            updated_by: None,
        })
        .collect();
    let health: HashMap<String, ControlHealth> = catalog
        .controls()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let h = match i % 5 {
                0 => ControlHealth::Failing,
                1 | 2 => ControlHealth::Passing,
                3 => ControlHealth::Erroring,
                _ => ControlHealth::Untested,
            };
            (c.id.clone(), h)
        })
        .collect();
    let evidence = catalog
        .controls()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), (i % 3, i % 2)))
        .collect();
    let iso: HashMap<String, ResultStatus> = catalog
        .framework("iso27001-2022")
        .unwrap()
        .requirements
        .iter()
        .filter(|r| r.assessable)
        .enumerate()
        .map(|(i, r)| {
            (
                r.id.clone(),
                if i % 2 == 0 {
                    ResultStatus::Compliant
                } else {
                    ResultStatus::PartiallyCompliant
                },
            )
        })
        .collect();
    let input = PostureInput {
        view: TenantView::new(&states, &[]),
        health,
        evidence,
        assessed: HashMap::from([("iso27001-2022".to_owned(), ("ASM-0001 v1".to_owned(), iso))]),
    };
    let frameworks: Vec<_> = catalog.frameworks().collect();
    let requirements: usize = posture::posture(catalog, &input)
        .iter()
        .map(|p| p.totals.requirements)
        .sum();
    println!(
        "posture: {} frameworks, {requirements} requirements, {} controls",
        frameworks.len(),
        states.len()
    );
    let (p_med, p_max) = time(30, || posture::posture(catalog, &input));
    let (c_med, c_max) = time(30, || {
        frameworks
            .iter()
            .map(|f| coverage::coverage_report(catalog, f, None, &input.view).totals)
            .collect::<Vec<_>>()
    });
    println!("| What | Median | Max |\n|---|---|---|");
    println!(
        "| Posture recompute, every framework (gap analysis) | {} | {} |",
        ms(p_med),
        ms(p_max)
    );
    println!(
        "| Baseline: catalog coverage of every framework | {} | {} |",
        ms(c_med),
        ms(c_max)
    );

    // Rego throughput on this thread (one core).
    let pack = starter_pack();
    let cases: Vec<(Compiled, serde_json::Value)> = pack
        .iter()
        .flat_map(|t| {
            [&t.pass_input, &t.fail_input].map(|i| {
                (
                    Compiled::new(&t.id, &t.rego).expect("starter test compiles"),
                    serde_json::from_str(i).expect("example input"),
                )
            })
        })
        .collect();
    let trivial = Compiled::new(
        "trivial",
        "package t\nimport rego.v1\ndeny contains \"x\" if input.bad\n",
    )
    .unwrap();
    let trivial_input = serde_json::json!({"bad": false});
    let rate = |f: &mut dyn FnMut() -> usize| {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < Duration::from_secs(3) {
            n += f();
        }
        n as f64 / start.elapsed().as_secs_f64()
    };
    let starter_rate = rate(&mut || {
        for (c, i) in &cases {
            std::hint::black_box(c.evaluate(i));
        }
        cases.len()
    });
    let trivial_rate = rate(&mut || {
        for _ in 0..100 {
            std::hint::black_box(trivial.evaluate(&trivial_input));
        }
        100
    });
    println!(
        "| Starter pack ({} tests × pass/fail inputs), compiled, one core | {:.0} evaluations/s | |",
        pack.len(),
        starter_rate
    );
    println!(
        "| Baseline: trivial policy, compiled, one core | {trivial_rate:.0} evaluations/s | |"
    );

    // Decision latency: the isolated path the API uses versus compiled in-thread.
    let source = "package d\nimport rego.v1\ndefault allow := false\nallow if {\n\tinput.pipeline.status == \"passed\"\n\tsome a in input.change.approved_by\n\ta != input.change.author\n}\nreasons contains \"pipeline not green\" if input.pipeline.status != \"passed\"\n";
    let input = serde_json::json!({"change": {"author": "bob", "approved_by": ["dana"]}, "pipeline": {"status": "passed"}});
    let limits = Limits::default();
    let mut isolated: Vec<Duration> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            let d = rego::decide("deploy", source, &input, &limits).unwrap();
            assert!(d.allow);
            start.elapsed()
        })
        .collect();
    isolated.sort();
    // What the decision API runs now: the policy compiled once (cached by hash), each decision
    // on its own thread under the time limit.
    let evaluator = rego::Evaluator::default();
    let mut cached: Vec<Duration> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            let d = evaluator.decide("deploy", source, &input).unwrap();
            assert!(d.allow);
            start.elapsed()
        })
        .collect();
    cached.sort();
    let compiled = Compiled::new("deploy", source).unwrap();
    let mut inline: Vec<Duration> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(compiled.decide(&input).unwrap());
            start.elapsed()
        })
        .collect();
    inline.sort();
    let p = |v: &[Duration], q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    println!(
        "| Decision, isolated (parse + own thread + limits), p50 / p99 | {} | {} |",
        ms(p(&isolated, 0.5)),
        ms(p(&isolated, 0.99))
    );
    println!(
        "| Decision as the API runs it (cached compile + own thread + limits), p50 / p99 | {} | {} |",
        ms(p(&cached, 0.5)),
        ms(p(&cached, 0.99))
    );
    println!(
        "| Baseline: decision, compiled in-thread, p50 / p99 | {} | {} |",
        ms(p(&inline, 0.5)),
        ms(p(&inline, 0.99))
    );
}
