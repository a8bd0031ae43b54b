//! Tabular exports: CSV (RFC 4180, one table) and XLSX (every table of a report as its own
//! worksheet, plus a cover sheet with the title, key figures and verification block).
//!
//! Cells that a spreadsheet would run as a formula (a leading `=`, `+`, `-` or `@` on text
//! that is not a number) are defused with a leading `'` in CSV; XLSX cells are always written
//! as strings, so nothing in them is evaluated.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::RenderError;
use crate::model::{Report, Table, Verification};

/// One CSV field: quoted when it holds a comma, quote or line break; a formula-looking text
/// gets a leading `'`.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One CSV record with its CRLF.
pub fn csv_record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// A table as CSV: the header record, then one record per row.
pub fn csv(table: &Table) -> String {
    let mut out = csv_record(
        &table
            .columns
            .iter()
            .map(|c| c.title.as_str())
            .collect::<Vec<_>>(),
    );
    for row in &table.rows {
        out.push_str(&csv_record(
            &row.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ));
    }
    out
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, taken: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(28)
        .collect();
    let base = if clean.trim().is_empty() {
        "Table".to_owned()
    } else {
        clean
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base} {n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> RenderError {
    RenderError::Xlsx(e.to_string())
}

/// The report as an XLSX workbook: a `Report` sheet (title, tenant, generated, key figures,
/// verification) and one sheet per table with a bold, frozen header row and an autofilter.
/// The document properties carry the report's own time, so the same report gives the same
/// file.
pub fn xlsx(report: &Report, verification: &Verification) -> Result<Vec<u8>, RenderError> {
    let mut book = Workbook::new();
    let at = report.generated_at;
    let created = ExcelDateTime::parse_from_str(&at.format("%Y-%m-%dT%H:%M:%S").to_string())
        .map_err(xlsx_error)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(&report.title)
            .set_author("Probity")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let mut taken = vec!["Report".to_owned()];
    {
        let cover = book
            .add_worksheet()
            .set_name("Report")
            .map_err(xlsx_error)?;
        let mut lines: Vec<(String, String)> = vec![
            ("Title".into(), report.title.clone()),
            (
                "Subtitle".into(),
                report.subtitle.clone().unwrap_or_default(),
            ),
            ("Tenant".into(), report.tenant.clone()),
            (
                "Generated".into(),
                at.format("%Y-%m-%d %H:%M UTC").to_string(),
            ),
        ];
        lines.extend(
            report
                .summary
                .iter()
                .map(|f| (f.label.clone(), f.value.clone())),
        );
        lines.push((
            "Checkpoint size".into(),
            verification
                .checkpoint_size
                .map(|s| s.to_string())
                .unwrap_or_default(),
        ));
        lines.push((
            "Checkpoint root".into(),
            verification.checkpoint_root.clone().unwrap_or_default(),
        ));
        lines.push(("Content SHA-256".into(), verification.content_hash.clone()));
        for (row, (label, value)) in (0u32..).zip(&lines) {
            cover
                .write_string_with_format(row, 0, label, &bold)
                .map_err(xlsx_error)?;
            cover.write_string(row, 1, value).map_err(xlsx_error)?;
        }
        cover.set_column_width(0, 22).map_err(xlsx_error)?;
        cover.set_column_width(1, 80).map_err(xlsx_error)?;
    }
    for table in report.tables() {
        let name = sheet_name(&table.name, &mut taken);
        let sheet = book.add_worksheet().set_name(&name).map_err(xlsx_error)?;
        for (col, column) in (0u16..).zip(&table.columns) {
            sheet
                .write_string_with_format(0, col, &column.title, &bold)
                .map_err(xlsx_error)?;
            let width = f64::from(column.width * 18.0).clamp(8.0, 80.0);
            sheet.set_column_width(col, width).map_err(xlsx_error)?;
        }
        for (row, cells) in (1u32..).zip(&table.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                sheet
                    .write_string(row, col, &cell.text)
                    .map_err(xlsx_error)?;
            }
        }
        let last_row = u32::try_from(table.rows.len()).unwrap_or(u32::MAX);
        let last_col = u16::try_from(table.columns.len().saturating_sub(1)).unwrap_or(0);
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        if !table.rows.is_empty() {
            sheet
                .autofilter(0, 0, last_row, last_col)
                .map_err(xlsx_error)?;
        }
    }
    book.save_to_buffer().map_err(xlsx_error)
}
