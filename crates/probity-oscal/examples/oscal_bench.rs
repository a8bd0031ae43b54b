//! OSCAL benchmark (DESIGN §6 targets, issue #5 "Measure"): typed import of the full SP 800-53
//! rev5 catalog (target < 1 s) and resolution of the HIGH baseline (target < 200 ms), each
//! beside the baseline of parsing the same bytes into a plain `serde_json::Value`.
//!
//! Run: `cargo run --release -p probity-oscal --example oscal_bench`
//! (reads `../shared/testdata/oscal/` next to the repository).
#![allow(clippy::print_stdout, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use probity_oscal::resolve::{Sources, Stamp, resolve_file};

const RUNS: usize = 10;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal")
        .join(rel)
}

/// Median and max of `RUNS` timed runs of `f`, after one warm-up run.
fn time<T>(mut f: impl FnMut() -> T) -> (Duration, Duration) {
    std::hint::black_box(f());
    let mut samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples.get(RUNS / 2).copied().unwrap_or_default();
    let max = samples.last().copied().unwrap_or_default();
    (median, max)
}

fn row(what: &str, (median, max): (Duration, Duration)) {
    println!(
        "| {what} | {:.1} ms | {:.1} ms |",
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

fn main() {
    let catalog_path = testdata("nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json");
    let high = testdata("nist-800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline_profile.json");
    let bytes = std::fs::read(&catalog_path).expect("the 800-53 catalog in ../shared/testdata");
    println!(
        "catalog: {} bytes; {RUNS} runs each after a warm-up",
        bytes.len()
    );
    println!("| step | median | max |");
    println!("|---|---:|---:|");
    row(
        "baseline: `serde_json::from_slice::<Value>` of the catalog",
        time(|| serde_json::from_slice::<serde_json::Value>(&bytes).expect("json")),
    );
    row(
        "import: parse + typed model + uniqueness/reference checks",
        time(|| probity_oscal::import(&bytes).expect("valid catalog")),
    );
    let sources = Sources::new().map(
        "../../../../nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json",
        catalog_path.clone(),
    );
    let stamp = Stamp {
        uuid: "0b6f1d2e-6a43-4c55-9f4e-2d7f0f0a1c01".to_owned(),
        last_modified: "2026-11-23T00:00:00Z".to_owned(),
    };
    let mut selected = 0;
    row(
        "resolve HIGH baseline (reads + parses the catalog file too)",
        time(|| {
            let r = resolve_file(&high, &sources, &stamp).expect("resolves");
            selected = r.report.selected;
            r
        }),
    );
    println!("HIGH selected controls: {selected}");
}
