//! Reports benchmark: a 300-control report (a control matrix with eight columns and a chart)
//! rendered to PDF, cold (first render in the process: fonts parsed) and warm (median and
//! slowest of 10), next to two baselines in the same run: the same report as HTML, and a
//! 30-control PDF. Also XLSX of the 300 rows.
//!
//! `cargo run --release -p probity-report --example report_bench`

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use probity_report::charts::{Bar, ChartSize, bar_chart};
use probity_report::{
    Cell, Fact, Format, RenderError, Report, Section, Table, Tone, Verification, render,
};

fn report(controls: usize) -> Report {
    let mut table = Table::new(
        "Control matrix",
        &[
            ("Requirement", 0.9),
            ("Title", 2.2),
            ("Controls", 1.6),
            ("Owners", 1.2),
            ("Health", 0.9),
            ("Evidence", 0.7),
            ("Status", 0.8),
            ("Assessed", 1.0),
        ],
    );
    for i in 0..controls {
        let (status, tone) = match i % 5 {
            0 | 1 => ("met", Tone::Good),
            2 => ("partial", Tone::Warn),
            3 => ("gap", Tone::Bad),
            _ => ("not applicable", Tone::Muted),
        };
        table.push(vec![
            format!("CC{}.{}", i / 10 + 1, i % 10 + 1).into(),
            format!("Logical and physical access controls restrict access to assets {i}").into(),
            format!("IAM-{:02}, LOG-{:02}, NET-{:02}", i % 40, i % 25, i % 18).into(),
            "Security team, IT operations".into(),
            Cell::toned(if i % 7 == 0 { "failing" } else { "healthy" }, tone),
            (i % 6).to_string().into(),
            Cell::toned(status, tone),
            "compliant".into(),
        ]);
    }
    let bars: Vec<Bar> = (0..12)
        .map(|m| Bar {
            label: format!("M{}", m + 1),
            value: 60 + (m * 3) as u64,
            title: format!("month {}: {}%", m + 1, 60 + m * 3),
        })
        .collect();
    Report {
        kind: "control_matrix".into(),
        title: "Control matrix".into(),
        subtitle: Some("soc2-2017".into()),
        tenant: "Acme Corporation".into(),
        generated_at: Utc
            .with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
            .single()
            .unwrap_or_default(),
        summary: vec![
            Fact::new("Requirements", controls),
            Fact::new("Met", controls * 2 / 5),
            Fact::new("Gaps", controls / 5),
        ],
        sections: vec![
            Section::new("Trend")
                .paragraph("Score per month over the last year.")
                .chart(
                    bar_chart(
                        &bars,
                        ChartSize {
                            width: 600,
                            height: 200,
                        },
                        "Score per month",
                    ),
                    "Score per month",
                ),
            Section::new("Requirements and controls").table(table),
        ],
    }
}

fn verification(r: &Report) -> Verification {
    Verification {
        tenant: "acme".into(),
        checkpoint_size: Some(123_456),
        checkpoint_root: Some("q6XuAd7w5kM3Yl0Jr0k8S2n9ZCkZb5Ck1cF3m0qvq2E=".into()),
        content_hash: r.content_hash(),
    }
}

fn time(label: &str, runs: usize, report: &Report, format: Format) -> Result<(), RenderError> {
    let v = verification(report);
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut size = 0;
    let mut pages = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = render(report, &v, format)?;
        times.push(start.elapsed());
        size = out.bytes.len();
        pages = out.pages;
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    println!(
        "| {label} | {runs} | {:.1} ms | {:.1} ms | {} | {} kB |",
        median.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
        pages.map_or_else(|| "–".to_owned(), |p| p.to_string()),
        size / 1024
    );
    Ok(())
}

fn main() -> Result<(), RenderError> {
    let big = report(300);
    let small = report(30);
    println!("| rendering | runs | median | slowest | pages | size |");
    println!("|---|---:|---:|---:|---:|---:|");
    // Cold: the first PDF of the process parses the embedded fonts.
    time(
        "PDF, 300 controls, cold (first in process)",
        1,
        &big,
        Format::Pdf,
    )?;
    time("PDF, 300 controls, warm", 10, &big, Format::Pdf)?;
    time("baseline: PDF, 30 controls", 10, &small, Format::Pdf)?;
    time("baseline: HTML, 300 controls", 10, &big, Format::Html)?;
    time("XLSX, 300 controls", 10, &big, Format::Xlsx)
}
