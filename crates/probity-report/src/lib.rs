//! Probity's reports engine: one [`Report`] model that every context fills, rendered to
//! HTML, PDF (typst as a library with embedded fonts; deterministic for the same report and
//! clock), CSV and XLSX; and the SVG [`charts`] that both the web UI and the reports draw.
//!
//! Pure and synchronous: no database, no I/O. The services that build reports (probity-core)
//! add the ledger side — the verification block's checkpoint, and the `report.generated`
//! entry that records the content hash and the file's hash.

pub mod charts;
pub mod html;
pub mod model;
pub mod pdf;
pub mod tabular;

pub use model::{Block, Cell, Column, Fact, Report, Section, Table, Tone, Verification};

/// The formats a report renders to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// PDF document (A4).
    Pdf,
    /// Self-contained HTML document.
    Html,
    /// The report's first table as CSV.
    Csv,
    /// Every table as a worksheet.
    Xlsx,
    /// The report model itself.
    Json,
}

impl Format {
    /// Every format.
    pub const ALL: [Self; 5] = [Self::Pdf, Self::Html, Self::Csv, Self::Xlsx, Self::Json];

    /// Stable name (also the file extension).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Html => "html",
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Json => "json",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The media type of a rendering.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Html => "text/html; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Json => "application/json",
        }
    }
}

/// A rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The typst layout rejected the document (a bug in the layout or in a chart's SVG).
    #[error("report layout failed: {0}")]
    Layout(String),
    /// Writing the workbook failed.
    #[error("workbook failed: {0}")]
    Xlsx(String),
    /// The format needs a table and the report has none.
    #[error("this report has no table to export as {0}")]
    NoTable(&'static str),
}

/// A rendered report.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Pages, for PDF.
    pub pages: Option<usize>,
}

/// Renders a report in one format.
pub fn render(
    report: &Report,
    verification: &Verification,
    format: Format,
) -> Result<Rendered, RenderError> {
    let plain = |bytes: Vec<u8>| Rendered { bytes, pages: None };
    match format {
        Format::Pdf => pdf::render(report, verification).map(|p| Rendered {
            bytes: p.bytes,
            pages: Some(p.pages),
        }),
        Format::Html => Ok(plain(html::render(report, verification).into_bytes())),
        Format::Csv => report
            .tables()
            .next()
            .map(|t| plain(tabular::csv(t).into_bytes()))
            .ok_or(RenderError::NoTable("CSV")),
        Format::Xlsx => tabular::xlsx(report, verification).map(plain),
        Format::Json => {
            let value = serde_json::json!({ "report": report, "verification": verification });
            serde_json::to_vec_pretty(&value)
                .map(plain)
                .map_err(|e| RenderError::Layout(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests;
