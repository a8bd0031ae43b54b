//! PDF rendering with typst used as a library: the report model goes in as `data.json`, the
//! layout is our own `typst/report.typ`, the fonts are the ones typst-assets embeds (no
//! system font is ever read), and the document date, identifier and creator are fixed from the
//! model — so the same report and clock give byte-identical PDFs.

use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::RenderError;
use crate::charts::themed;
use crate::model::{Block, Report, Verification};

const LAYOUT: &str = include_str!("typst/report.typ");

/// The embedded fonts, parsed once per process.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        Fonts {
            book: LazyHash::new(book),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> Result<FileId, RenderError> {
    let vpath = VirtualPath::new(path).map_err(|e| RenderError::Layout(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// One compilation: the layout source, the data file and the date.
struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Option<Datetime>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(std::path::PathBuf::from(
                "not a source",
            )))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::NotFound(std::path::PathBuf::from(
                "not provided",
            )))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

/// What the layout reads from `data.json`.
#[derive(Serialize)]
struct LayoutData<'a> {
    report: Report,
    verification: &'a Verification,
    generated: String,
    checkpoint: String,
    root: String,
    footer: String,
    verify_text: String,
}

/// Texts shared by the PDF and HTML renderings of the verification block.
pub(crate) struct VerificationText {
    pub generated: String,
    pub checkpoint: String,
    pub root: String,
    pub footer: String,
    pub explain: String,
}

impl VerificationText {
    pub(crate) fn new(report: &Report, v: &Verification) -> Self {
        let checkpoint = v
            .checkpoint_size
            .map_or_else(|| "none signed yet".to_owned(), |s| format!("size {s}"));
        let root = v.checkpoint_root.clone().unwrap_or_else(|| "—".to_owned());
        let short = |s: &str| s.chars().take(16).collect::<String>();
        let footer = format!(
            "{} · checkpoint {} · root {} · content {}",
            v.tenant,
            v.checkpoint_size
                .map_or_else(|| "—".to_owned(), |s| s.to_string()),
            short(&root),
            short(&v.content_hash)
        );
        let explain = format!(
            "This report was generated from the data of tenant {} as of {}. The SHA-256 of its \
             content and of this file are recorded in the tenant's audit ledger as a \
             report.generated entry; the ledger checkpoint below was the latest one signed when \
             the report was made. To check it, find the entry (probity ledger, or \
             GET /api/v1/reports) and compare the hashes, then verify the entry's inclusion \
             with `probity verify`.",
            v.tenant,
            report.generated_at.format("%Y-%m-%d %H:%M UTC")
        );
        Self {
            generated: report.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            checkpoint,
            root,
            footer,
            explain,
        }
    }
}

/// A rendered PDF and its page count.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The file.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
}

/// Renders a report to PDF.
pub fn render(report: &Report, verification: &Verification) -> Result<Pdf, RenderError> {
    let texts = VerificationText::new(report, verification);
    // Charts carry their colours inside the SVG: the PDF has no page stylesheet.
    let mut themed_report = report.clone();
    for section in &mut themed_report.sections {
        for block in &mut section.blocks {
            if let Block::Chart { svg, .. } = block {
                *svg = themed(svg);
            }
        }
    }
    let data = LayoutData {
        report: themed_report,
        verification,
        generated: texts.generated,
        checkpoint: texts.checkpoint,
        root: texts.root,
        footer: texts.footer,
        verify_text: texts.explain,
    };
    let json = serde_json::to_vec(&data).map_err(|e| RenderError::Layout(e.to_string()))?;
    let at = report.generated_at;
    let datetime = Datetime::from_ymd_hms(
        at.year(),
        u8::try_from(at.month()).unwrap_or(1),
        u8::try_from(at.day()).unwrap_or(1),
        u8::try_from(at.hour()).unwrap_or(0),
        u8::try_from(at.minute()).unwrap_or(0),
        u8::try_from(at.second()).unwrap_or(0),
    );
    let world = ReportWorld {
        main: Source::new(file_id("/report.typ")?, LAYOUT.to_owned()),
        data_id: file_id("/data.json")?,
        data: Bytes::new(json),
        today: datetime.and_then(|d| Datetime::from_ymd(d.year()?, d.month()?, d.day()?)),
    };
    let options = PdfOptions {
        ident: Smart::Custom(verification.content_hash.clone()),
        creator: Smart::Custom(Some("Probity".to_owned())),
        timestamp: datetime.map(Timestamp::new_utc),
        ..PdfOptions::default()
    };
    let result = typst::compile::<PagedDocument>(&world)
        .output
        .and_then(|document| {
            typst_pdf::pdf(&document, &options).map(|bytes| Pdf {
                bytes,
                pages: document.pages().len(),
            })
        })
        .map_err(|errors| RenderError::Layout(describe(&errors)));
    // typst memoizes across compilations; a server renders many different reports, so the
    // cache is dropped after each one to keep memory flat (the parsed fonts stay).
    typst::comemo::evict(0);
    result
}

fn describe(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}
