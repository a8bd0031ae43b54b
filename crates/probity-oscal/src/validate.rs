//! The validator behind `probity oscal validate`: structure, consistency and, when a schema
//! directory is given, the OSCAL JSON Schema, merged into one sorted list of findings.

use serde::Serialize;

use crate::issue::{self, Issue};
use crate::parse::{self, detect_model};
use crate::schema::{SchemaError, SchemaSet};
use crate::{Document, Model};

/// Whether the JSON Schema layer ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum SchemaLayer {
    /// Checked against the schema file in this directory.
    Checked { dir: String },
    /// No schema directory was given: only our own checks ran.
    Skipped,
    /// The document's model could not be told, so no schema applies.
    NotApplicable,
}

/// The outcome of validating one document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The model, when the root key names one.
    pub model: Option<Model>,
    /// `metadata.oscal-version`, when present.
    pub oscal_version: Option<String>,
    /// Whether the JSON Schema layer ran.
    pub schema: SchemaLayer,
    /// Every finding, sorted by pointer; empty when valid.
    pub issues: Vec<Issue>,
    /// The typed document, when it parsed.
    #[serde(skip)]
    pub document: Option<Document>,
}

impl Report {
    /// No finding at all.
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }
}

/// Validates a document given as bytes. A schema directory that is unusable for this
/// document's model is an error (the caller asked for that layer), not a finding.
pub fn validate(bytes: &[u8], schemas: Option<&SchemaSet>) -> Result<Report, SchemaError> {
    let value = match parse::parse_json(bytes) {
        Ok(v) => v,
        Err(issue) => {
            return Ok(Report {
                model: None,
                oscal_version: None,
                schema: SchemaLayer::NotApplicable,
                issues: vec![issue],
                document: None,
            });
        }
    };
    validate_value(&value, schemas)
}

/// Validates a parsed JSON document.
pub fn validate_value(
    value: &serde_json::Value,
    schemas: Option<&SchemaSet>,
) -> Result<Report, SchemaError> {
    let model = detect_model(value).ok();
    let oscal_version = model.and_then(|m| {
        value
            .pointer(&format!("/{}/metadata/oscal-version", m.root_key()))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    });
    let (document, mut issues) = parse::structural_issues(value);
    let schema = match (model, schemas) {
        (Some(model), Some(set)) => {
            issues.extend(set.check(model, value)?);
            SchemaLayer::Checked {
                dir: set.dir().display().to_string(),
            }
        }
        (Some(_), None) => SchemaLayer::Skipped,
        (None, _) => SchemaLayer::NotApplicable,
    };
    issue::normalize(&mut issues);
    Ok(Report {
        model,
        oscal_version,
        schema,
        issues,
        document,
    })
}
