//! Catalog benchmark (issue #5 "Measure": the coverage matrix across all shipped frameworks,
//! target < 20 ms), beside baselines measured in the same run: loading the embedded catalogs
//! against parsing the same TOML into untyped values, and the matrix against one pass over
//! every link.
//!
//! Run: `cargo run --release -p probity-core --example catalog_bench`
#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use probity_core::catalog::coverage::{self, TenantView};
use probity_core::catalog::{Catalog, ControlState, ImplementationStatus};

const RUNS: usize = 20;

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
    (samples[RUNS / 2], samples[RUNS - 1])
}

fn row(what: &str, (median, max): (Duration, Duration)) {
    println!(
        "| {what} | {:.2} ms | {:.2} ms |",
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

fn main() {
    let files = Catalog::embedded_files();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let cat = Catalog::shipped().expect("the shipped catalog loads");
    let frameworks = cat.frameworks().count();
    println!(
        "{} files, {bytes} bytes; {frameworks} frameworks, {} controls, {} links; {RUNS} runs after a warm-up",
        files.len(),
        cat.controls().len(),
        cat.links().len()
    );
    println!("| step | median | max |\n|---|---:|---:|");
    row(
        "baseline: parse every file into `toml::Value`",
        time(|| {
            files
                .iter()
                .map(|(_, t)| t.parse::<toml::Table>().unwrap().len())
                .sum::<usize>()
        }),
    );
    row(
        "load: parse, check and index (`Catalog::load`)",
        time(|| Catalog::load(files).unwrap()),
    );

    // A tenant with two thirds of the library implemented and the rest partly.
    let states: Vec<ControlState> = cat
        .controls()
        .iter()
        .enumerate()
        .map(|(n, c)| ControlState {
            tenant_id: probity_core::platform::TenantId::new(),
            control_id: c.id.clone(),
            status: if n % 3 == 2 {
                ImplementationStatus::PartiallyImplemented
            } else {
                ImplementationStatus::Implemented
            },
            owner: None,
            note: None,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            updated_by: None,
        })
        .collect();
    let view = TenantView::new(&states, &[]);
    row(
        "baseline: one pass over every link, counting by relationship",
        time(|| {
            let mut n = [0usize; 5];
            for l in cat.links() {
                n[l.relationship as usize] += usize::from(view.statuses.contains_key(&l.from));
            }
            n
        }),
    );
    let pairs = frameworks * (frameworks - 1);
    row(
        &format!("coverage matrix: {pairs} framework pairs (totals)"),
        time(|| coverage::matrix(cat, &view)),
    );
    let (iso, soc2) = (
        cat.framework("iso27001-2022").unwrap(),
        cat.framework("soc2-2017").unwrap(),
    );
    row(
        "one comparison with reasons: ISO 27001:2022 -> SOC 2",
        time(|| coverage::compare(cat, iso, soc2, &view)),
    );
    let nist = cat.framework("nist-800-53-r5").unwrap();
    row(
        "tenant coverage of SP 800-53 (1,007 requirements)",
        time(|| coverage::coverage_report(cat, nist, None, &view)),
    );
    let all: Vec<_> = cat.frameworks().collect();
    row(
        "tenant coverage of every framework",
        time(|| {
            all.iter()
                .map(|f| {
                    coverage::coverage_report(cat, f, None, &view)
                        .totals
                        .covered
                })
                .sum::<usize>()
        }),
    );
}
