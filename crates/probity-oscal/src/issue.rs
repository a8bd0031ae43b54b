//! Path-level findings: a JSON pointer into the document and a message saying what is wrong
//! and how to fix it. Every check reports all its findings, never just the first.

use std::fmt;

use serde::Serialize;

/// Which check found an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// Not JSON at all.
    Syntax,
    /// The document does not fit Probity's model (types, required fields, version).
    Structure,
    /// The OSCAL JSON Schema rejects it.
    Schema,
    /// Duplicate UUIDs or ids, references that do not resolve.
    Consistency,
}

/// One finding at one place in a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Issue {
    /// JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What is wrong, and where possible what to do.
    pub message: String,
    /// The check that found it.
    pub layer: Layer,
}

impl Issue {
    /// A finding at `pointer`.
    pub fn new(layer: Layer, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
            layer,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// Sorts by pointer then message and drops exact repeats, so output is stable.
pub fn normalize(issues: &mut Vec<Issue>) {
    issues
        .sort_by(|a, b| (&a.pointer, &a.message, a.layer).cmp(&(&b.pointer, &b.message, b.layer)));
    issues.dedup();
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub fn push_token(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// A document rejected as a whole, with every finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the OSCAL document is invalid ({} issue(s)); first: {}", .issues.len(), .issues.first().map(ToString::to_string).unwrap_or_default())]
pub struct Rejected {
    /// Sorted findings; never empty.
    pub issues: Vec<Issue>,
}
