//! The JSON Schema layer: the official OSCAL per-model JSON Schemas (draft-07), read from a
//! directory the caller names. The schemas are not compiled into Probity (ADR 0011): they are
//! NIST release assets the operator points at, so the binary carries no copy to keep current.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::Model;
use crate::issue::{Issue, Layer};

/// Why a schema directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The directory or one of its files cannot be read.
    #[error("cannot read OSCAL schema {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A schema file is not JSON.
    #[error("OSCAL schema {path} is not JSON: {source}")]
    NotJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A schema does not compile (not a draft-07 JSON Schema, or a pattern the regex engine
    /// rejects).
    #[error("OSCAL schema {path} does not compile: {message}")]
    Compile { path: PathBuf, message: String },
    /// The directory holds no schema for this model.
    #[error(
        "no schema for model {model} in {dir}: expected the file {file} (the per-model schemas of an OSCAL release)"
    )]
    Missing {
        model: Model,
        dir: PathBuf,
        file: &'static str,
    },
}

/// A directory of per-model OSCAL JSON Schemas, compiled on first use of each model.
#[derive(Debug)]
pub struct SchemaSet {
    dir: PathBuf,
    compiled: Mutex<BTreeMap<Model, Arc<jsonschema::Validator>>>,
}

impl SchemaSet {
    /// Uses `dir`, which must exist and hold at least one per-model schema.
    pub fn open(dir: &Path) -> Result<Self, SchemaError> {
        let found = Model::ALL
            .iter()
            .any(|m| dir.join(m.schema_file()).is_file());
        if !found {
            return Err(SchemaError::Read {
                path: dir.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no oscal_*_schema.json file in this directory",
                ),
            });
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            compiled: Mutex::new(BTreeMap::new()),
        })
    }

    /// The directory the schemas come from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn validator(&self, model: Model) -> Result<Arc<jsonschema::Validator>, SchemaError> {
        if let Ok(cache) = self.compiled.lock()
            && let Some(v) = cache.get(&model)
        {
            return Ok(Arc::clone(v));
        }
        let path = self.dir.join(model.schema_file());
        if !path.is_file() {
            return Err(SchemaError::Missing {
                model,
                dir: self.dir.clone(),
                file: model.schema_file(),
            });
        }
        let text = std::fs::read(&path).map_err(|source| SchemaError::Read {
            path: path.clone(),
            source,
        })?;
        let schema: Value =
            serde_json::from_slice(&text).map_err(|source| SchemaError::NotJson {
                path: path.clone(),
                source,
            })?;
        // OSCAL patterns use `\p{L}`/`\p{N}` and no look-around, so the linear-time `regex`
        // engine handles all of them.
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .with_pattern_options(jsonschema::PatternOptions::regex())
            .build(&schema)
            .map_err(|e| SchemaError::Compile {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let validator = Arc::new(validator);
        if let Ok(mut cache) = self.compiled.lock() {
            cache.insert(model, Arc::clone(&validator));
        }
        Ok(validator)
    }

    /// Every schema violation of `document` (a whole OSCAL JSON document of `model`).
    pub fn check(&self, model: Model, document: &Value) -> Result<Vec<Issue>, SchemaError> {
        let validator = self.validator(model)?;
        Ok(validator
            .iter_errors(document)
            .map(|e| {
                Issue::new(
                    Layer::Schema,
                    e.instance_path().to_string(),
                    format!("{e} (schema: {})", e.schema_path()),
                )
            })
            .collect())
    }
}
