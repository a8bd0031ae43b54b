//! Renderer tests on a realistic report: determinism, page count, escaping, the
//! verification block, CSV quoting and the XLSX container.

use chrono::{TimeZone, Utc};

use super::*;
use crate::charts::{Bar, ChartSize, bar_chart};

fn report(rows: usize) -> Report {
    let mut table = Table::new(
        "Controls",
        &[
            ("Control", 0.8),
            ("Title", 3.0),
            ("Status", 1.2),
            ("Owner", 1.2),
        ],
    );
    for i in 0..rows {
        let (status, tone) = match i % 4 {
            0 => ("compliant", Tone::Good),
            1 => ("partially compliant", Tone::Warn),
            2 => ("non-compliant", Tone::Bad),
            _ => ("not applicable", Tone::Muted),
        };
        table.push(vec![
            format!("AC-{i}").into(),
            format!("Access control <policy> & \"procedures\" #{i} [draft] $x$ *bold*").into(),
            Cell::toned(status, tone),
            "=cmd|' /C calc'!A0".into(),
        ]);
    }
    let chart = bar_chart(
        &[
            Bar {
                label: "Mon".into(),
                value: 4,
                title: "Mon: 4".into(),
            },
            Bar {
                label: "Tue".into(),
                value: 9,
                title: "Tue: 9".into(),
            },
        ],
        ChartSize {
            width: 400,
            height: 160,
        },
        "Events per day",
    );
    Report {
        kind: "test".into(),
        title: "Control matrix".into(),
        subtitle: Some("SOC 2 · 2026 Q4".into()),
        tenant: "Acme <Corp>".into(),
        generated_at: Utc
            .with_ymd_and_hms(2026, 11, 24, 9, 30, 0)
            .single()
            .unwrap_or_default(),
        summary: vec![Fact::new("Controls", rows), Fact::new("Score", "87.5%")],
        sections: vec![
            Section::new("Summary")
                .paragraph("Plain text with #hash, $dollar$, _under_ and <angle> stays literal.")
                .facts(vec![Fact::new("Framework", "soc2-2017")])
                .chart(chart, "Events per day"),
            Section::new("Controls").table(table),
        ],
    }
}

fn verification(r: &Report) -> Verification {
    Verification {
        tenant: "acme".into(),
        checkpoint_size: Some(1234),
        checkpoint_root: Some("q6XuAd7w5kM3Yl0Jr0k8S2n9ZCkZb5Ck1cF3m0qvq2E=".into()),
        content_hash: r.content_hash(),
    }
}

#[test]
fn pdf_is_deterministic_and_paginates() {
    let r = report(300);
    let v = verification(&r);
    let a = render(&r, &v, Format::Pdf).unwrap();
    let b = render(&r, &v, Format::Pdf).unwrap();
    assert!(a.bytes.starts_with(b"%PDF-"));
    assert_eq!(a.bytes, b.bytes, "same report and clock, same bytes");
    let pages = a.pages.unwrap();
    // Cover, then 300 rows need several pages; the verification block closes it.
    assert!(pages >= 6, "300 rows over {pages} pages");
    let small = report(3);
    let small_pdf = render(&small, &verification(&small), Format::Pdf).unwrap();
    assert_eq!(small_pdf.pages, Some(2), "cover + one body page");
}

#[test]
fn pdf_changes_with_the_content() {
    let a = report(3);
    let mut b = report(3);
    b.tenant = "Other".into();
    let pa = render(&a, &verification(&a), Format::Pdf).unwrap();
    let pb = render(&b, &verification(&b), Format::Pdf).unwrap();
    assert_ne!(pa.bytes, pb.bytes);
}

#[test]
fn html_escapes_text_and_carries_the_verification_block() {
    let r = report(4);
    let v = verification(&r);
    let html = String::from_utf8(render(&r, &v, Format::Html).unwrap().bytes).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("Acme &lt;Corp&gt;"));
    assert!(!html.contains("<policy>"));
    assert!(html.contains(&v.content_hash));
    assert!(html.contains("class=\"bad\""));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script"));
    // The CSP names the inline stylesheet's hash and allows nothing else.
    let csp = html::style_csp();
    assert!(csp.contains("style-src 'sha256-"));
    assert!(!csp.contains("unsafe-inline"));
}

#[test]
fn csv_quotes_and_defuses_formulas() {
    let r = report(2);
    let csv = String::from_utf8(render(&r, &verification(&r), Format::Csv).unwrap().bytes).unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(lines.next(), Some("Control,Title,Status,Owner"));
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("AC-0,\"Access control <policy> & \"\"procedures\"\""),
        "{first}"
    );
    assert!(first.ends_with(",compliant,'=cmd|' /C calc'!A0"), "{first}");
    assert_eq!(tabular::csv_field("-12.5"), "-12.5");
    assert_eq!(tabular::csv_field("-x"), "'-x");
}

#[test]
fn csv_needs_a_table() {
    let mut r = report(1);
    r.sections.truncate(1);
    assert!(matches!(
        render(&r, &verification(&r), Format::Csv),
        Err(RenderError::NoTable("CSV"))
    ));
}

#[test]
fn xlsx_is_a_zip_with_a_sheet_per_table_and_is_deterministic() {
    let r = report(5);
    let v = verification(&r);
    let a = render(&r, &v, Format::Xlsx).unwrap().bytes;
    let b = render(&r, &v, Format::Xlsx).unwrap().bytes;
    assert!(a.starts_with(b"PK\x03\x04"));
    assert_eq!(a, b);
    let text = String::from_utf8_lossy(&a);
    assert!(text.contains("xl/worksheets/sheet1.xml"));
    assert!(text.contains("xl/worksheets/sheet2.xml"));
    assert!(!text.contains("xl/worksheets/sheet3.xml"));
}

#[test]
fn themed_charts_carry_their_colours() {
    let svg = "<svg viewBox=\"0 0 1 1\"><rect class=\"chart-bar\"/></svg>";
    let t = charts::themed(svg);
    assert!(t.starts_with("<svg viewBox=\"0 0 1 1\"><style>"));
    assert!(t.ends_with("<rect class=\"chart-bar\"/></svg>"));
    assert_eq!(charts::themed("not svg"), "not svg");
}

#[test]
fn formats_round_trip_their_names() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.as_str()), Some(f));
    }
    assert_eq!(Format::parse("docx"), None);
}
