//! Reading OSCAL JSON: syntax, the root key, the `oscal-version`, and the strict typed parse
//! with the JSON pointer of the first value that does not fit. [`import`] adds the
//! consistency checks and rejects a document as a whole.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::consistency;
use crate::issue::{self, Issue, Layer, Rejected};
use crate::{Document, Model};

/// Parses bytes as JSON; a syntax error becomes one issue naming line and column.
pub fn parse_json(bytes: &[u8]) -> Result<Value, Issue> {
    serde_json::from_slice(bytes).map_err(|e| {
        Issue::new(
            Layer::Syntax,
            "",
            format!(
                "not valid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// Finds the model of a document from its root key. The only other key allowed at the root
/// is `$schema`.
pub fn detect_model(value: &Value) -> Result<Model, Vec<Issue>> {
    let Some(root) = value.as_object() else {
        return Err(vec![Issue::new(
            Layer::Structure,
            "",
            "an OSCAL document is a JSON object with one root key such as `catalog`",
        )]);
    };
    let mut found = None;
    let mut issues = Vec::new();
    for key in root.keys() {
        if key == "$schema" {
            continue;
        }
        match Model::from_root_key(key) {
            Some(model) if found.is_none() => found = Some(model),
            Some(_) => issues.push(Issue::new(
                Layer::Structure,
                issue::push_token("", key),
                "a document holds exactly one OSCAL model: split it into one file per model",
            )),
            None => issues.push(Issue::new(
                Layer::Structure,
                issue::push_token("", key),
                format!(
                    "unknown root key `{key}`: expected one of {}",
                    Model::ALL.map(Model::root_key).join(", ")
                ),
            )),
        }
    }
    match found {
        Some(model) if issues.is_empty() => Ok(model),
        Some(_) => Err(issues),
        None => {
            if issues.is_empty() {
                issues.push(Issue::new(
                    Layer::Structure,
                    "",
                    "no OSCAL model root key (e.g. `catalog`, `profile`, `system-security-plan`)",
                ));
            }
            Err(issues)
        }
    }
}

/// Checks `metadata.oscal-version`: Probity reads OSCAL 1.x (1.0.0 through 1.2.x).
pub fn check_version(model: Model, value: &Value) -> Result<String, Issue> {
    let pointer = format!("/{}/metadata/oscal-version", model.root_key());
    let Some(version) = value.pointer(&pointer).and_then(Value::as_str) else {
        return Err(Issue::new(
            Layer::Structure,
            pointer,
            "missing `oscal-version`: set it to the OSCAL version the document follows, e.g. \"1.2.3\"",
        ));
    };
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if numeric && parts.first() == Some(&"1") {
        Ok(version.to_owned())
    } else {
        Err(Issue::new(
            Layer::Structure,
            pointer,
            format!(
                "unsupported OSCAL version \"{version}\": Probity reads OSCAL 1.x (1.0.0 to 1.2.x)"
            ),
        ))
    }
}

fn typed<T: DeserializeOwned>(model: Model, inner: &Value) -> Result<T, Issue> {
    serde_path_to_error::deserialize(inner).map_err(|e| {
        let mut pointer = issue::push_token("", model.root_key());
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer = issue::push_token(&pointer, &index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer = issue::push_token(&pointer, key);
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        Issue::new(Layer::Structure, pointer, e.into_inner().to_string())
    })
}

/// Parses a JSON value as an OSCAL document of any model (structure and version only).
pub fn parse_document(value: &Value) -> Result<Document, Vec<Issue>> {
    let model = detect_model(value)?;
    check_version(model, value).map_err(|i| vec![i])?;
    let inner = value.get(model.root_key()).unwrap_or(&Value::Null);
    let doc = match model {
        Model::Catalog => Document::Catalog(typed(model, inner).map_err(|i| vec![i])?),
        Model::Profile => Document::Profile(typed(model, inner).map_err(|i| vec![i])?),
        Model::ComponentDefinition => {
            Document::ComponentDefinition(typed(model, inner).map_err(|i| vec![i])?)
        }
        Model::SystemSecurityPlan => {
            Document::SystemSecurityPlan(typed(model, inner).map_err(|i| vec![i])?)
        }
        Model::AssessmentPlan => {
            Document::AssessmentPlan(typed(model, inner).map_err(|i| vec![i])?)
        }
        Model::AssessmentResults => {
            Document::AssessmentResults(typed(model, inner).map_err(|i| vec![i])?)
        }
        Model::PlanOfActionAndMilestones => {
            Document::PlanOfActionAndMilestones(typed(model, inner).map_err(|i| vec![i])?)
        }
        Model::MappingCollection => {
            Document::MappingCollection(typed(model, inner).map_err(|i| vec![i])?)
        }
    };
    Ok(doc)
}

/// The structure and consistency findings for a parsed JSON value (no JSON Schema). The
/// consistency checks run even when the typed parse fails, so one pass lists as much as it can.
pub fn structural_issues(value: &Value) -> (Option<Document>, Vec<Issue>) {
    let (doc, mut issues) = match parse_document(value) {
        Ok(doc) => (Some(doc), Vec::new()),
        Err(issues) => (None, issues),
    };
    if let Ok(model) = detect_model(value) {
        issues.extend(consistency::check(model, value));
    }
    issue::normalize(&mut issues);
    (doc, issues)
}

/// Imports a document: JSON syntax, model, version, typed structure, unique UUIDs and ids,
/// resolving references. Any finding rejects the document as a whole.
pub fn import(bytes: &[u8]) -> Result<Document, Rejected> {
    let value = parse_json(bytes).map_err(|i| Rejected { issues: vec![i] })?;
    match structural_issues(&value) {
        (Some(doc), issues) if issues.is_empty() => Ok(doc),
        (_, issues) => Err(Rejected { issues }),
    }
}
