//! Policy templates shipped in `catalogs/policy-templates/` (our own words): TOML front matter
//! between `+++` lines, then the Markdown text with `{{placeholders}}`.

use serde::{Deserialize, Serialize};

use super::model::PolicyKind;
use crate::catalog::Catalog;

/// A template's metadata and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyTemplate {
    /// Key (`access-control`).
    pub key: String,
    /// Title.
    pub title: String,
    /// What it governs.
    pub kind: PolicyKind,
    /// One sentence.
    pub summary: String,
    /// Unified controls it supports.
    pub controls: Vec<String>,
    /// Months between reviews.
    pub review_months: u32,
    /// The Markdown text.
    #[serde(default)]
    pub content: String,
}

fn parse(text: &str) -> Option<PolicyTemplate> {
    let rest = text.strip_prefix("+++")?;
    let (front, body) = rest.split_once("\n+++")?;
    let mut template: PolicyTemplate = toml::from_str(front).ok()?;
    template.content = body.trim_start_matches(['\r', '\n']).to_owned();
    Some(template)
}

/// Every shipped template, by key; files that do not parse are skipped (a unit test checks
/// that all do).
pub fn templates() -> Vec<PolicyTemplate> {
    let mut all: Vec<PolicyTemplate> = Catalog::embedded_files()
        .iter()
        .filter(|(path, _)| path.starts_with("policy-templates/") && path.ends_with(".md"))
        .filter_map(|(_, text)| parse(text))
        .collect();
    all.sort_by(|a, b| a.key.cmp(&b.key));
    all
}

/// One template.
pub fn template(key: &str) -> Option<PolicyTemplate> {
    templates().into_iter().find(|t| t.key == key)
}

/// The `{{name}}` placeholders left in `content`, each once, in order of appearance.
pub fn placeholders(content: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("{{") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find("}}") else { break };
        let name = after.get(..end).unwrap_or_default();
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !out.iter().any(|n| n == name)
        {
            out.push(name.to_owned());
        }
        rest = after.get(end + 2..).unwrap_or_default();
    }
    out
}

/// `content` with each `{{name}}` that `values` names replaced by its value.
pub fn fill(content: &str, values: &std::collections::BTreeMap<String, String>) -> String {
    values
        .iter()
        .fold(content.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{{{name}}}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn placeholders_are_found_once_and_filled() {
        let text = "{{organization}} and {{owner}}; again {{organization}}, not {{Bad}} or {{}}.";
        assert_eq!(super::placeholders(text), vec!["organization", "owner"]);
        let values =
            std::collections::BTreeMap::from([("organization".to_owned(), "Acme".to_owned())]);
        let filled = super::fill(text, &values);
        assert_eq!(
            filled,
            "Acme and {{owner}}; again Acme, not {{Bad}} or {{}}."
        );
        assert_eq!(super::placeholders(&filled), vec!["owner"]);
    }

    #[test]
    fn every_shipped_template_parses_and_names_real_controls() {
        let files = crate::catalog::Catalog::embedded_files()
            .iter()
            .filter(|(p, _)| p.starts_with("policy-templates/"))
            .count();
        let all = super::templates();
        assert_eq!(all.len(), files, "a template file does not parse");
        assert!(all.len() >= 10, "{} templates", all.len());
        let catalog = crate::catalog::Catalog::shipped().unwrap();
        for t in &all {
            assert!(t.content.starts_with('#'), "{}", t.key);
            for c in &t.controls {
                assert!(
                    catalog.control(c).is_some(),
                    "{}: unknown control {c}",
                    t.key
                );
            }
        }
    }
}
