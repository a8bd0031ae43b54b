//! The shipped catalogs: parses the TOML files embedded at build time (see `catalogs/README.md`)
//! into a [`Catalog`] with lookup indexes, checking ids, parents, references and the counts each
//! file declares. Loaded once per process by [`Catalog::shipped`].

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::model::*;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

/// A catalog file that does not load; names the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalogs/{file}: {message}")]
pub struct ContentError {
    /// Path under `catalogs/`.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

fn fail(file: &str, message: impl Into<String>) -> ContentError {
    ContentError {
        file: file.to_owned(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    framework: FrameworkHead,
    #[serde(default)]
    requirement: Vec<RequirementRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkHead {
    id: String,
    name: String,
    version: String,
    publisher: String,
    licence: String,
    source: String,
    #[serde(default)]
    family: Option<String>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    requirements: usize,
    #[serde(default)]
    assessable: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementRow {
    id: String,
    #[serde(default)]
    parent: Option<String>,
    title: String,
    #[serde(default)]
    summary: Option<String>,
    assessable: bool,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    withdrawn_to: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    baseline: BaselineRow,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineRow {
    id: String,
    name: String,
    framework: String,
    source: String,
    expect: usize,
    requirements: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlsFile {
    #[serde(default)]
    family: Vec<FamilyRow>,
    #[serde(default)]
    control: Vec<ControlRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyRow {
    id: String,
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlRow {
    id: String,
    family: String,
    title: String,
    summary: String,
    #[serde(default)]
    guidance: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    framework: String,
    #[serde(default)]
    map: Vec<MapRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapRow {
    control: String,
    requirement: String,
    relationship: Relationship,
    rationale: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrosswalkFile {
    from: String,
    to: String,
    #[serde(default)]
    link: Vec<LinkRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkRow {
    from: String,
    to: String,
    relationship: Relationship,
    rationale: String,
}

/// A framework with its id index.
#[derive(Debug, Clone)]
struct LoadedFramework {
    framework: Framework,
    index: HashMap<String, usize>,
}

/// Every framework, baseline, control and link, with lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    frameworks: Vec<LoadedFramework>,
    framework_index: HashMap<String, usize>,
    baselines: Vec<Baseline>,
    families: Vec<ControlFamily>,
    controls: Vec<Control>,
    control_index: HashMap<String, usize>,
    links: Vec<Link>,
    /// Mapping links by control id.
    by_control: HashMap<String, Vec<usize>>,
    /// Links (mappings and crosswalks, both ends) by framework, then requirement.
    by_requirement: HashMap<String, HashMap<String, Vec<usize>>>,
    by_hash: HashMap<String, usize>,
}

/// The SHA-256 over a link's fields, NUL-separated, as lower-case hex.
pub fn link_hash(
    kind: LinkKind,
    from_framework: Option<&str>,
    from: &str,
    to_framework: &str,
    to: &str,
    relationship: Relationship,
    rationale: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        kind.as_str(),
        from_framework.unwrap_or(""),
        from,
        to_framework,
        to,
        relationship.as_str(),
        rationale,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

impl Catalog {
    /// The catalogs embedded in this binary, loaded on first use.
    pub fn shipped() -> Result<&'static Catalog, ContentError> {
        static SHIPPED: OnceLock<Result<Catalog, ContentError>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| Catalog::load(embedded::FILES))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// [`Catalog::shipped`], or an empty catalog (logged) when the embedded files do not load;
    /// `probity serve` checks [`Catalog::shipped`] first and refuses to start on an error.
    pub fn shipped_or_empty() -> &'static Catalog {
        static EMPTY: OnceLock<Catalog> = OnceLock::new();
        Catalog::shipped().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the shipped catalogs do not load");
            EMPTY.get_or_init(Catalog::default)
        })
    }

    /// The embedded `(path, contents)` pairs [`Catalog::shipped`] loads.
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        embedded::FILES
    }

    /// Loads a catalog from `(path, contents)` pairs laid out as in `catalogs/`.
    pub fn load(files: &[(&str, &str)]) -> Result<Catalog, ContentError> {
        let mut cat = Catalog::default();
        let under = |prefix: &'static str| {
            files
                .iter()
                .filter(move |(p, _)| p.starts_with(prefix))
                .copied()
        };
        for (path, text) in under("frameworks/") {
            cat.add_framework(path, parse(path, text)?)?;
        }
        for (path, text) in under("baselines/") {
            cat.add_baseline(path, parse(path, text)?)?;
        }
        for (path, text) in files.iter().filter(|(p, _)| *p == "controls.toml") {
            cat.add_controls(path, parse(path, text)?)?;
        }
        for (path, text) in under("mappings/") {
            cat.add_mappings(path, parse(path, text)?)?;
        }
        for (path, text) in under("crosswalks/") {
            cat.add_crosswalk(path, parse(path, text)?)?;
        }
        Ok(cat)
    }

    fn add_framework(&mut self, path: &str, file: FrameworkFile) -> Result<(), ContentError> {
        let head = file.framework;
        if self.framework_index.contains_key(&head.id) {
            return Err(fail(
                path,
                format!("framework {} is defined twice", head.id),
            ));
        }
        let mut index = HashMap::new();
        let mut requirements: Vec<Requirement> = Vec::with_capacity(file.requirement.len());
        for (n, row) in file.requirement.into_iter().enumerate() {
            if row.id.trim().is_empty() || index.contains_key(&row.id) {
                return Err(fail(
                    path,
                    format!("requirement {:?} is empty or repeated", row.id),
                ));
            }
            let depth = match &row.parent {
                None => 0,
                Some(p) => match index.get(p).and_then(|&i: &usize| requirements.get(i)) {
                    Some(parent) => parent.depth + 1,
                    None => {
                        return Err(fail(
                            path,
                            format!("{}: parent {p} is not an earlier row", row.id),
                        ));
                    }
                },
            };
            let withdrawn = match row.status.as_deref() {
                None => false,
                Some("withdrawn") => true,
                Some(other) => {
                    return Err(fail(path, format!("{}: unknown status {other}", row.id)));
                }
            };
            index.insert(row.id.clone(), n);
            requirements.push(Requirement {
                id: row.id,
                parent: row.parent,
                title: row.title,
                summary: row.summary,
                text: None,
                assessable: row.assessable,
                labels: row.labels,
                withdrawn,
                withdrawn_to: row.withdrawn_to,
                order: u32::try_from(n).unwrap_or(u32::MAX),
                depth,
            });
        }
        if requirements.len() != head.expect.requirements {
            return Err(fail(
                path,
                format!(
                    "declares {} requirements, has {}",
                    head.expect.requirements,
                    requirements.len()
                ),
            ));
        }
        let assessable = requirements.iter().filter(|r| r.assessable).count();
        if head.expect.assessable.is_some_and(|n| n != assessable) {
            return Err(fail(
                path,
                format!(
                    "declares {:?} assessable, has {assessable}",
                    head.expect.assessable
                ),
            ));
        }
        self.framework_index
            .insert(head.id.clone(), self.frameworks.len());
        self.frameworks.push(LoadedFramework {
            framework: Framework {
                info: FrameworkInfo {
                    id: head.id,
                    name: head.name,
                    version: head.version,
                    publisher: head.publisher,
                    licence: head.licence,
                    source: head.source,
                    family: head.family,
                },
                requirements,
            },
            index,
        });
        Ok(())
    }

    fn add_baseline(&mut self, path: &str, file: BaselineFile) -> Result<(), ContentError> {
        let b = file.baseline;
        let Some(fw) = self.loaded(&b.framework) else {
            return Err(fail(
                path,
                format!("framework {} is not shipped", b.framework),
            ));
        };
        if let Some(missing) = b.requirements.iter().find(|r| !fw.index.contains_key(*r)) {
            return Err(fail(path, format!("{missing} is not in {}", b.framework)));
        }
        if b.requirements.len() != b.expect {
            return Err(fail(
                path,
                format!("declares {}, selects {}", b.expect, b.requirements.len()),
            ));
        }
        self.baselines.push(Baseline {
            id: b.id,
            name: b.name,
            framework: b.framework,
            source: b.source,
            requirements: b.requirements,
        });
        Ok(())
    }

    fn add_controls(&mut self, path: &str, file: ControlsFile) -> Result<(), ContentError> {
        let families: HashSet<&str> = file.family.iter().map(|f| f.id.as_str()).collect();
        for row in file.control {
            if !families.contains(row.family.as_str()) {
                return Err(fail(
                    path,
                    format!("{}: family {} is not declared", row.id, row.family),
                ));
            }
            if self.control_index.contains_key(&row.id) {
                return Err(fail(path, format!("control {} is defined twice", row.id)));
            }
            self.control_index
                .insert(row.id.clone(), self.controls.len());
            self.controls.push(Control {
                id: row.id,
                family: row.family,
                title: row.title,
                summary: row.summary,
                guidance: row.guidance,
                evidence: row.evidence,
            });
        }
        self.families = file
            .family
            .into_iter()
            .map(|f| ControlFamily {
                id: f.id,
                title: f.title,
            })
            .collect();
        Ok(())
    }

    fn add_mappings(&mut self, path: &str, file: MappingFile) -> Result<(), ContentError> {
        let Some(fw) = self.loaded(&file.framework) else {
            return Err(fail(
                path,
                format!("framework {} is not shipped", file.framework),
            ));
        };
        for row in &file.map {
            if !fw.index.contains_key(&row.requirement) {
                return Err(fail(
                    path,
                    format!("{} is not in {}", row.requirement, file.framework),
                ));
            }
            if !self.control_index.contains_key(&row.control) {
                return Err(fail(
                    path,
                    format!("control {} is not in controls.toml", row.control),
                ));
            }
        }
        for row in file.map {
            let hash = link_hash(
                LinkKind::Mapping,
                None,
                &row.control,
                &file.framework,
                &row.requirement,
                row.relationship,
                &row.rationale,
            );
            self.push_link(Link {
                kind: LinkKind::Mapping,
                from_framework: None,
                from: row.control,
                to_framework: file.framework.clone(),
                to: row.requirement,
                relationship: row.relationship,
                rationale: row.rationale,
                hash,
            });
        }
        Ok(())
    }

    fn add_crosswalk(&mut self, path: &str, file: CrosswalkFile) -> Result<(), ContentError> {
        let (Some(a), Some(b)) = (self.loaded(&file.from), self.loaded(&file.to)) else {
            return Err(fail(
                path,
                format!("{} or {} is not shipped", file.from, file.to),
            ));
        };
        for row in &file.link {
            if !a.index.contains_key(&row.from) || !b.index.contains_key(&row.to) {
                return Err(fail(
                    path,
                    format!(
                        "link {} -> {} names an unknown requirement",
                        row.from, row.to
                    ),
                ));
            }
        }
        for row in file.link {
            let hash = link_hash(
                LinkKind::Crosswalk,
                Some(&file.from),
                &row.from,
                &file.to,
                &row.to,
                row.relationship,
                &row.rationale,
            );
            self.push_link(Link {
                kind: LinkKind::Crosswalk,
                from_framework: Some(file.from.clone()),
                from: row.from,
                to_framework: file.to.clone(),
                to: row.to,
                relationship: row.relationship,
                rationale: row.rationale,
                hash,
            });
        }
        Ok(())
    }

    fn push_link(&mut self, link: Link) {
        let n = self.links.len();
        match (&link.kind, &link.from_framework) {
            (LinkKind::Mapping, _) => self
                .by_control
                .entry(link.from.clone())
                .or_default()
                .push(n),
            (LinkKind::Crosswalk, Some(fw)) => self
                .by_requirement
                .entry(fw.clone())
                .or_default()
                .entry(link.from.clone())
                .or_default()
                .push(n),
            (LinkKind::Crosswalk, None) => {}
        }
        self.by_requirement
            .entry(link.to_framework.clone())
            .or_default()
            .entry(link.to.clone())
            .or_default()
            .push(n);
        self.by_hash.insert(link.hash.clone(), n);
        self.links.push(link);
    }

    fn loaded(&self, id: &str) -> Option<&LoadedFramework> {
        self.framework_index
            .get(id)
            .and_then(|&i| self.frameworks.get(i))
    }

    /// Every framework, in file-name order.
    pub fn frameworks(&self) -> impl Iterator<Item = &Framework> {
        self.frameworks.iter().map(|f| &f.framework)
    }

    /// One framework.
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.loaded(id).map(|f| &f.framework)
    }

    /// One requirement of a framework.
    pub fn requirement(&self, framework: &str, id: &str) -> Option<&Requirement> {
        let fw = self.loaded(framework)?;
        fw.index
            .get(id)
            .and_then(|&i| fw.framework.requirements.get(i))
    }

    /// A framework's metadata and counts.
    pub fn summary(&self, framework: &Framework) -> FrameworkSummary {
        let id = &framework.info.id;
        let assessable: Vec<&Requirement> = framework
            .requirements
            .iter()
            .filter(|r| r.assessable)
            .collect();
        let mapped = assessable
            .iter()
            .filter(|r| {
                self.links_of(id, &r.id).any(|l| {
                    l.kind == LinkKind::Mapping && l.relationship != Relationship::NoRelationship
                })
            })
            .count();
        FrameworkSummary {
            info: framework.info.clone(),
            requirements: framework.requirements.len(),
            assessable: assessable.len(),
            mapped,
        }
    }

    /// The baselines (selections over a framework).
    pub fn baselines(&self) -> &[Baseline] {
        &self.baselines
    }

    /// One baseline.
    pub fn baseline(&self, id: &str) -> Option<&Baseline> {
        self.baselines.iter().find(|b| b.id == id)
    }

    /// The control families.
    pub fn families(&self) -> &[ControlFamily] {
        &self.families
    }

    /// The unified controls, in library order.
    pub fn controls(&self) -> &[Control] {
        &self.controls
    }

    /// One unified control.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.control_index
            .get(id)
            .and_then(|&i| self.controls.get(i))
    }

    /// Every link.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The link with this hash.
    pub fn link_by_hash(&self, hash: &str) -> Option<&Link> {
        self.by_hash.get(hash).and_then(|&i| self.links.get(i))
    }

    /// A control's mappings.
    pub fn mappings_of_control<'a>(&'a self, control: &str) -> impl Iterator<Item = &'a Link> + 'a {
        self.by_control
            .get(control)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.links.get(i))
    }

    /// Every link touching a requirement: mappings to it and crosswalks from or to it.
    pub fn links_of<'a>(
        &'a self,
        framework: &str,
        requirement: &str,
    ) -> impl Iterator<Item = &'a Link> + 'a {
        self.by_requirement
            .get(framework)
            .and_then(|f| f.get(requirement))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.links.get(i))
    }

    /// Whether a crosswalk file links these two frameworks (either direction).
    pub fn has_crosswalk(&self, a: &str, b: &str) -> bool {
        self.links.iter().any(|l| {
            l.kind == LinkKind::Crosswalk
                && ((l.from_framework.as_deref() == Some(a) && l.to_framework == b)
                    || (l.from_framework.as_deref() == Some(b) && l.to_framework == a))
        })
    }
}

fn parse<T: for<'de> Deserialize<'de>>(path: &str, text: &str) -> Result<T, ContentError> {
    toml::from_str(text).map_err(|e| fail(path, e.to_string()))
}
