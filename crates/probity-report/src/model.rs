//! The report model every context fills and every renderer reads: a title page (title,
//! subtitle, tenant, period, key figures), sections of paragraphs, facts, tables and SVG
//! charts, and the verification block (checkpoint and hashes) that each rendering carries.
//!
//! The model is plain data: a report's *content hash* is the SHA-256 of its JSON form, so the
//! same data and clock always give the same hash and, with the deterministic renderers, the
//! same bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A report: what it is about, for whom, when, and its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Stable kind, e.g. `statement-of-applicability`.
    pub kind: String,
    /// Title on the cover and in every page header.
    pub title: String,
    /// Line under the title (framework, period, scope).
    pub subtitle: Option<String>,
    /// The tenant's display name.
    pub tenant: String,
    /// When the data was read (the clock of the generating service).
    pub generated_at: DateTime<Utc>,
    /// Key figures on the cover.
    pub summary: Vec<Fact>,
    /// The body.
    pub sections: Vec<Section>,
}

/// A labelled value: a key figure or a line of a facts block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What the value is.
    pub label: String,
    /// The value as shown.
    pub value: String,
}

impl Fact {
    /// A fact from anything printable.
    pub fn new(label: impl Into<String>, value: impl ToString) -> Self {
        Self {
            label: label.into(),
            value: value.to_string(),
        }
    }
}

/// A titled part of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Section heading.
    pub heading: String,
    /// Its content in order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(heading: impl Into<String>) -> Self {
        Self {
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a paragraph.
    #[must_use]
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph { text: text.into() });
        self
    }

    /// Adds a facts block.
    #[must_use]
    pub fn facts(mut self, facts: Vec<Fact>) -> Self {
        self.blocks.push(Block::Facts { facts });
        self
    }

    /// Adds a table.
    #[must_use]
    pub fn table(mut self, table: Table) -> Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// Adds a chart.
    #[must_use]
    pub fn chart(mut self, svg: String, caption: impl Into<String>) -> Self {
        self.blocks.push(Block::Chart {
            svg,
            caption: caption.into(),
        });
        self
    }
}

/// One piece of a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Plain text (no markup is interpreted).
    Paragraph {
        /// The text.
        text: String,
    },
    /// Label/value lines.
    Facts {
        /// The lines.
        facts: Vec<Fact>,
    },
    /// A table (also what CSV and XLSX exports are made of).
    Table(Table),
    /// An SVG chart from [`crate::charts`], with its caption.
    Chart {
        /// Self-contained `<svg>` element.
        svg: String,
        /// Caption and text alternative.
        caption: String,
    },
}

/// How a cell reads: plain, or a status that renderers colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// No emphasis.
    #[default]
    Plain,
    /// Met, compliant, healthy.
    Good,
    /// Partly met, due soon.
    Warn,
    /// Not met, failing, overdue.
    Bad,
    /// Not applicable, not assessed.
    Muted,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Its emphasis.
    #[serde(default, skip_serializing_if = "is_plain")]
    pub tone: Tone,
}

fn is_plain(t: &Tone) -> bool {
    *t == Tone::Plain
}

impl Cell {
    /// A cell with a tone.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: text.into(),
            tone,
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Self {
        Self::toned(text, Tone::Plain)
    }
}

/// A column: its title and relative width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Header text (also the CSV header).
    pub title: String,
    /// Relative width in the PDF (fractions of the free width).
    pub width: f32,
}

/// A table with a name (the XLSX sheet name), columns and rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Short name, used as the worksheet name and the CSV file stem.
    pub name: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows; each has one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table whose columns are `(title, relative width)` pairs.
    pub fn new(name: impl Into<String>, columns: &[(&str, f32)]) -> Self {
        Self {
            name: name.into(),
            columns: columns
                .iter()
                .map(|(title, width)| Column {
                    title: (*title).to_owned(),
                    width: *width,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (short rows are padded with empty cells, long ones cut to the columns).
    pub fn push(&mut self, mut row: Vec<Cell>) {
        row.resize_with(self.columns.len(), || Cell::from(""));
        self.rows.push(row);
    }
}

/// What ties a rendering to the ledger: the tenant, the latest checkpoint when the report was
/// made, and the content hash that is recorded in the ledger as `report.generated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Tenant slug (the ledger's origin names it).
    pub tenant: String,
    /// Size of the latest signed checkpoint, if any.
    pub checkpoint_size: Option<u64>,
    /// Its root hash (base64, as in the checkpoint).
    pub checkpoint_root: Option<String>,
    /// [`Report::content_hash`] in hex.
    pub content_hash: String,
}

impl Report {
    /// SHA-256 (hex) of the report's JSON form: the same data gives the same hash.
    pub fn content_hash(&self) -> String {
        // Serializing plain structs with string keys cannot fail; an empty input would still
        // give a (different) stable hash.
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }

    /// Every table of the report, in order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections.iter().flat_map(|s| {
            s.blocks.iter().filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Report {
        let mut t = Table::new("controls", &[("Control", 1.0), ("Status", 1.0)]);
        t.push(vec!["A.5.1".into()]);
        Report {
            kind: "k".into(),
            title: "T".into(),
            subtitle: None,
            tenant: "Acme".into(),
            generated_at: Utc
                .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            summary: vec![Fact::new("Controls", 1)],
            sections: vec![Section::new("S").table(t)],
        }
    }

    #[test]
    fn content_hash_is_stable_and_follows_the_data() {
        let a = sample();
        assert_eq!(a.content_hash(), sample().content_hash());
        assert_eq!(a.content_hash().len(), 64);
        let mut b = sample();
        b.tenant = "Other".into();
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn rows_are_padded_to_the_columns() {
        let r = sample();
        let t = r.tables().next().unwrap();
        assert_eq!(t.rows[0].len(), 2);
        assert_eq!(t.rows[0][1].text, "");
    }
}
