//! OSCAL into the catalog: a tenant imports a catalog, a profile (resolved against a catalog it
//! imported before) or a component definition. Each document is checked as a whole by
//! `probity-oscal` (structure, version, unique UUIDs, references) and rejected with every
//! finding as a JSON pointer; catalogs and resolved profiles become a [`Framework`] view that
//! keeps the official statement text, for browsing and for diffs against shipped frameworks.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use probity_oscal::model::{
    Catalog as OscalCatalog, Control as OscalControl, Group, Part, Profile,
};
use probity_oscal::resolve::{Sources, Stamp};
use probity_oscal::{Document, Model};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::model::{Framework, FrameworkInfo, Requirement};
use crate::error::{DomainError, FieldError};
use crate::platform::model::{TenantId, UserId, uuid_id};

uuid_id!(
    /// Identifies an imported OSCAL document.
    ImportId
);

/// Largest document accepted (the full SP 800-53 catalog is about 10 MB in its newest release).
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// An imported OSCAL document, without its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// Its id; as a framework it is named `import:<id>`.
    pub id: ImportId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `catalog`, `profile` or `component-definition`.
    pub model: String,
    /// `metadata.title`.
    pub title: String,
    /// `metadata.version`.
    pub version: String,
    /// `metadata.oscal-version`.
    pub oscal_version: String,
    /// SHA-256 of the bytes imported (hex); a tenant imports the same bytes once.
    pub sha256: String,
    /// Controls (catalogs, resolved profiles) or components (component definitions).
    pub items: u64,
    /// For a profile, the import it was resolved against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_with: Option<ImportId>,
    /// When.
    pub imported_at: DateTime<Utc>,
    /// Who.
    pub imported_by: Option<UserId>,
}

/// An import with the document as imported and, for catalogs and profiles, its framework view.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportRecord {
    /// The summary.
    #[serde(flatten)]
    pub summary: ImportSummary,
    /// The framework view (catalogs and resolved profiles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<Framework>,
    /// The OSCAL document (a resolved profile is kept as its resolved catalog).
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

/// The framework id of an import.
pub fn framework_id(id: ImportId) -> String {
    format!("import:{id}")
}

fn rejected(issues: Vec<probity_oscal::issue::Issue>) -> DomainError {
    DomainError::Validation(
        issues
            .into_iter()
            .map(|i| FieldError {
                field: if i.pointer.is_empty() {
                    "/".to_owned()
                } else {
                    i.pointer.clone()
                },
                message: i.message.clone(),
            })
            .collect(),
    )
}

fn prose(parts: &[Part], out: &mut Vec<String>) {
    for p in parts {
        if let Some(text) = p.prose.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            out.push(text.to_owned());
        }
        prose(&p.parts, out);
    }
}

fn statement(control: &OscalControl) -> Option<String> {
    let mut out = Vec::new();
    for p in control.parts.iter().filter(|p| p.name == "statement") {
        if let Some(text) = p.prose.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            out.push(text.to_owned());
        }
        prose(&p.parts, &mut out);
    }
    (!out.is_empty()).then(|| out.join("\n"))
}

fn row(id: &str, parent: Option<&str>, title: &str, depth: u32, assessable: bool) -> Requirement {
    Requirement {
        id: id.to_owned(),
        parent: parent.map(str::to_owned),
        title: title.to_owned(),
        summary: None,
        text: None,
        assessable,
        labels: Vec::new(),
        withdrawn: false,
        withdrawn_to: Vec::new(),
        order: 0,
        depth,
    }
}

struct Builder {
    rows: Vec<Requirement>,
    seen: HashSet<String>,
}

impl Builder {
    /// Adds `row` under its preferred id, or `fallback` when that id is taken; returns the id.
    fn push(&mut self, mut row: Requirement, fallback: &str) -> String {
        if self.seen.contains(&row.id) {
            fallback.clone_into(&mut row.id);
        }
        self.seen.insert(row.id.clone());
        row.order = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        let id = row.id.clone();
        self.rows.push(row);
        id
    }

    fn control(&mut self, c: &OscalControl, parent: Option<&str>, depth: u32) {
        // NIST's newer catalogs carry several labels (`AC-02` zero-padded, `AC-2`); the one
        // without a class is the canonical one.
        let labels = || c.props.iter().filter(|p| p.name == "label");
        let label = labels()
            .find(|p| p.class.is_none())
            .or_else(|| labels().next())
            .map(|p| p.value.as_str());
        let withdrawn = c
            .props
            .iter()
            .any(|p| p.name == "status" && p.value == "withdrawn");
        let row = row(label.unwrap_or(&c.id), parent, &c.title, depth, !withdrawn);
        let id = self.push(
            Requirement {
                withdrawn,
                text: statement(c),
                ..row
            },
            &c.id,
        );
        for e in &c.controls {
            self.control(e, Some(&id), depth + 1);
        }
    }

    fn group(&mut self, g: &Group, parent: Option<&str>, depth: u32, n: usize) {
        let fallback = format!("group-{n}");
        let gid =
            g.id.as_deref()
                .map(str::to_uppercase)
                .unwrap_or_else(|| fallback.clone());
        let id = self.push(row(&gid, parent, &g.title, depth, false), &fallback);
        for (k, sub) in g.groups.iter().enumerate() {
            self.group(sub, Some(&id), depth + 1, n * 100 + k);
        }
        for c in &g.controls {
            self.control(c, Some(&id), depth + 1);
        }
    }
}

/// The framework view of an OSCAL catalog: groups as grouping rows, controls by their `label`
/// (`AC-2(1)`) where they have one, statements kept as `text`.
pub fn framework_from_catalog(id: &str, catalog: &OscalCatalog, licence: &str) -> Framework {
    let mut b = Builder {
        rows: Vec::new(),
        seen: HashSet::new(),
    };
    for (n, g) in catalog.groups.iter().enumerate() {
        b.group(g, None, 0, n + 1);
    }
    for c in &catalog.controls {
        b.control(c, None, 0);
    }
    let m = &catalog.metadata;
    Framework {
        info: FrameworkInfo {
            id: id.to_owned(),
            name: m.title.clone(),
            version: m.version.clone(),
            publisher: "imported OSCAL".to_owned(),
            licence: licence.to_owned(),
            source: format!("OSCAL catalog {}", catalog.uuid),
            family: None,
        },
        requirements: b.rows,
    }
}

/// What an import produced, before it is stored.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The model name.
    pub model: Model,
    /// Title, version, OSCAL version.
    pub title: String,
    /// `metadata.version`.
    pub version: String,
    /// `metadata.oscal-version`.
    pub oscal_version: String,
    /// Items counted.
    pub items: u64,
    /// The catalog, for catalogs and resolved profiles.
    pub catalog: Option<OscalCatalog>,
    /// The document to keep.
    pub document: serde_json::Value,
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn profile_hrefs(p: &Profile) -> Vec<String> {
    let mut hrefs: Vec<String> = p.imports.iter().map(|i| i.href.clone()).collect();
    if let Some(b) = &p.back_matter {
        for r in &b.resources {
            hrefs.extend(r.rlinks.iter().map(|l| l.href.clone()));
        }
    }
    hrefs
}

/// Parses and checks `bytes`; a profile is resolved against `base` (a catalog imported before),
/// which every href of the profile names — nothing is read from disk or the network.
pub fn parse(
    bytes: &[u8],
    base: Option<&OscalCatalog>,
    now: DateTime<Utc>,
) -> Result<Parsed, DomainError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(DomainError::invalid(
            "body",
            format!("an OSCAL document is at most {MAX_IMPORT_BYTES} bytes"),
        ));
    }
    let document = probity_oscal::parse::import(bytes).map_err(|r| rejected(r.issues))?;
    let meta = document.metadata().clone();
    let (catalog, items) = match &document {
        Document::Catalog(c) => (Some((**c).clone()), c.counts().controls),
        Document::Profile(p) => {
            let Some(base) = base else {
                return Err(DomainError::invalid(
                    "catalog",
                    "a profile is resolved against a catalog imported before: pass its import id as ?catalog=",
                ));
            };
            let mut sources = Sources::new();
            for href in profile_hrefs(p) {
                sources = sources.with_catalog(href, base.clone());
            }
            let resolution = probity_oscal::resolve::resolve(p, None, &sources, &Stamp::fresh(now))
                .map_err(|e| DomainError::invalid("/profile/imports", e.to_string()))?;
            let n = resolution.catalog.counts().controls;
            (Some(resolution.catalog), n)
        }
        Document::ComponentDefinition(c) => (None, c.components.len()),
        other => {
            return Err(DomainError::invalid(
                "/",
                format!(
                    "a {} is not imported into the catalog: import a catalog, profile or component-definition",
                    other.model()
                ),
            ));
        }
    };
    let kept = match &catalog {
        Some(c) if matches!(document, Document::Profile(_)) => {
            Document::Catalog(Box::new(c.clone()))
        }
        _ => document.clone(),
    };
    Ok(Parsed {
        model: document.model(),
        title: meta.title.clone(),
        version: meta.version.clone(),
        oscal_version: meta.oscal_version.clone(),
        items: u64::try_from(items).unwrap_or(u64::MAX),
        catalog,
        document: kept
            .to_value()
            .map_err(|e| DomainError::Internal(e.to_string()))?,
    })
}

/// Reads a stored catalog document back.
pub fn stored_catalog(document: &serde_json::Value) -> Result<OscalCatalog, DomainError> {
    match probity_oscal::parse::parse_document(document) {
        Ok(Document::Catalog(c)) => Ok(*c),
        Ok(other) => Err(DomainError::invalid(
            "catalog",
            format!("the import is a {}, not a catalog", other.model()),
        )),
        Err(_) => Err(DomainError::Internal(
            "a stored OSCAL document no longer parses".into(),
        )),
    }
}

/// A fresh import id (for callers building records).
pub fn new_id() -> ImportId {
    ImportId(Uuid::now_v7())
}
