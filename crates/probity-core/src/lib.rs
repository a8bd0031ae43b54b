//! Probity's domain: the model, rules and use cases of each bounded context, written against
//! store ports (traits) so that the SQLite and PostgreSQL stores are interchangeable.
//!
//! Every context has the same shape: `model` (types and newtypes), `rules` (pure functions),
//! `store` (the port a backend implements) and `service` (use cases over the port).

pub mod assurance;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod governance;
pub mod jobs;
pub mod keys;
pub mod ledger;
pub mod notify;
pub mod page;
pub mod platform;
pub mod privacy;
pub mod reports;
pub mod service_level;
pub mod store;
pub mod support;
pub mod witness;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{DomainError, DomainResult, ErrorCode, FieldError};

#[cfg(test)]
mod schema_names {
    //! OpenAPI component names must be unique across the workspace: utoipa keys schemas by
    //! name, so a second type of the same name silently replaces the first in the document
    //! and the API's responses stop matching it. This scans every crate's sources for
    //! `ToSchema` derives and the name each one takes (`#[schema(as = …)]` or its ident).

    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn item_name(line: &str) -> Option<&str> {
        let rest = line.trim_start().strip_prefix("pub")?;
        let rest = match rest.strip_prefix('(') {
            Some(r) => r.split_once(')')?.1,
            None => rest,
        };
        let rest = rest.trim_start();
        let rest = rest
            .strip_prefix("struct ")
            .or_else(|| rest.strip_prefix("enum "))?;
        rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
    }

    fn alias(line: &str) -> Option<&str> {
        let (_, rest) = line.split_once("schema(as = ")?;
        rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
    }

    #[test]
    fn every_schema_name_is_taken_once() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for krate in std::fs::read_dir(&crates).unwrap().flatten() {
            sources(&krate.path().join("src"), &mut files);
        }
        assert!(files.len() > 50, "found only {} source files", files.len());
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let mut i = 0;
            while i < lines.len() {
                if lines[i].contains("derive(") && lines[i].contains("ToSchema") {
                    let mut given = None;
                    for (j, line) in lines.iter().enumerate().skip(i) {
                        if let Some(a) = alias(line) {
                            given = Some(a.to_owned());
                        }
                        // Types a macro declares (`pub struct $name`) are not scanned.
                        if let Some(name) = item_name(line).filter(|n| !n.is_empty()) {
                            let name = given.take().unwrap_or_else(|| name.to_owned());
                            let at = format!("{}:{}", file.display(), j + 1);
                            let places = names.entry(name).or_default();
                            if !places.contains(&at) {
                                places.push(at);
                            }
                            i = j;
                            break;
                        }
                    }
                }
                i += 1;
            }
        }
        assert!(names.len() > 100, "found only {} schemas", names.len());
        assert!(names.contains_key("RegoDecision") && names.contains_key("ActorInput"));
        let taken_twice: Vec<_> = names.iter().filter(|(_, at)| at.len() > 1).collect();
        assert!(
            taken_twice.is_empty(),
            "schema names taken by more than one type (add #[schema(as = …)]): {taken_twice:#?}"
        );
    }
}
