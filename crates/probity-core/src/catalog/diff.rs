//! Regulatory change: the difference between two versions of a framework and the impact on the
//! unified controls mapped to what changed. Versions with stable identifiers (800-53 5.0.1 →
//! 5.1.1) are matched by id; versions that renumbered (ISO/IEC 27001:2013 → 2022) are matched
//! through the crosswalk between them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::content::Catalog;
use super::model::*;

/// What happened to a requirement between versions.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the new version.
    Added,
    /// Only in the old version (or withdrawn in the new one).
    Removed,
    /// Same substance under a new identifier or title.
    Renamed,
    /// Same identifier, different parent.
    Moved,
    /// Content changed: merged, split, or a different summary or status.
    Changed,
}

impl ChangeKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Moved => "moved",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// Kind.
    pub kind: ChangeKind,
    /// Id in the old version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Ids in the new version.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_ids: Vec<String>,
    /// Title (new when there is one).
    pub title: String,
    /// What changed, in words.
    pub detail: String,
}

/// The difference between two versions, with the controls it touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkDiff {
    /// Old framework id.
    pub from: String,
    /// New framework id.
    pub to: String,
    /// `id` (matched by identifier) or `crosswalk`.
    pub method: String,
    /// Requirements of the new version outside the crosswalk's reach (not compared).
    pub out_of_scope: usize,
    /// Count per kind.
    pub counts: BTreeMap<ChangeKind, usize>,
    /// Every change, removed and changed first.
    pub changes: Vec<Change>,
    /// Unified controls mapped to a changed requirement, old or new side.
    pub affected_controls: Vec<String>,
}

/// Row view used for one side: a plain framework or a record imported from OSCAL.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Framework id (for mapping lookups).
    pub id: &'a str,
    /// Its rows.
    pub requirements: &'a [Requirement],
}

impl<'a> From<&'a Framework> for Side<'a> {
    fn from(f: &'a Framework) -> Self {
        Side {
            id: &f.info.id,
            requirements: &f.requirements,
        }
    }
}

/// The difference between `old` and `new`; uses the catalog's crosswalk between them when one
/// exists (links read old → new), else matches identifiers.
pub fn diff(catalog: &Catalog, old: Side<'_>, new: Side<'_>) -> FrameworkDiff {
    let links: Vec<&Link> = catalog
        .links()
        .iter()
        .filter(|l| {
            l.kind == LinkKind::Crosswalk
                && l.from_framework.as_deref() == Some(old.id)
                && l.to_framework == new.id
        })
        .collect();
    let (method, out_of_scope, changes) = if links.is_empty() {
        ("id", 0, by_id(old, new))
    } else {
        let (n, c) = by_crosswalk(old, new, &links);
        ("crosswalk", n, c)
    };
    let mut affected = BTreeSet::new();
    for c in &changes {
        let olds = c.old_id.iter().map(|id| (old.id, id));
        let news = c.new_ids.iter().map(|id| (new.id, id));
        for (fw, id) in olds.chain(news) {
            for l in catalog
                .links_of(fw, id)
                .filter(|l| l.kind == LinkKind::Mapping)
            {
                affected.insert(l.from.clone());
            }
        }
    }
    let mut counts = BTreeMap::new();
    for c in &changes {
        *counts.entry(c.kind).or_insert(0) += 1;
    }
    FrameworkDiff {
        from: old.id.to_owned(),
        to: new.id.to_owned(),
        method: method.to_owned(),
        out_of_scope,
        counts,
        changes,
        affected_controls: affected.into_iter().collect(),
    }
}

/// Narrows one side of a diff to a baseline: the framework the baseline selects from keeps only
/// the selected requirements; any other side (an import of a newer release) keeps its controls
/// and drops its grouping rows.
pub fn restrict_to_baseline(baseline: &Baseline, side_id: &str, rows: &mut Vec<Requirement>) {
    if side_id == baseline.framework {
        let keep: HashSet<&str> = baseline.requirements.iter().map(String::as_str).collect();
        rows.retain(|r| keep.contains(r.id.as_str()));
    } else {
        rows.retain(|r| r.assessable || r.withdrawn);
    }
}

fn index(rows: &[Requirement]) -> HashMap<&str, &Requirement> {
    rows.iter().map(|r| (r.id.as_str(), r)).collect()
}

fn by_id(old: Side<'_>, new: Side<'_>) -> Vec<Change> {
    let (o, n) = (index(old.requirements), index(new.requirements));
    let mut changes = Vec::new();
    for r in old.requirements {
        match n.get(r.id.as_str()) {
            None => changes.push(Change {
                kind: ChangeKind::Removed,
                old_id: Some(r.id.clone()),
                new_ids: vec![],
                title: r.title.clone(),
                detail: "no longer in the new version".to_owned(),
            }),
            Some(m) => {
                let mut push = |kind, detail: String| {
                    changes.push(Change {
                        kind,
                        old_id: Some(r.id.clone()),
                        new_ids: vec![m.id.clone()],
                        title: m.title.clone(),
                        detail,
                    })
                };
                if !r.withdrawn && m.withdrawn {
                    push(
                        ChangeKind::Removed,
                        format!("withdrawn; moved to {}", m.withdrawn_to.join(", ")),
                    );
                } else if r.withdrawn && !m.withdrawn {
                    push(ChangeKind::Added, "reinstated".to_owned());
                } else if r.parent != m.parent {
                    push(
                        ChangeKind::Moved,
                        format!(
                            "parent {} → {}",
                            r.parent.as_deref().unwrap_or("-"),
                            m.parent.as_deref().unwrap_or("-")
                        ),
                    );
                } else if r.title != m.title {
                    push(ChangeKind::Renamed, format!("title was {:?}", r.title));
                } else if r.summary != m.summary || r.assessable != m.assessable {
                    push(
                        ChangeKind::Changed,
                        "summary or assessability changed".to_owned(),
                    );
                }
            }
        }
    }
    for r in new
        .requirements
        .iter()
        .filter(|r| !o.contains_key(r.id.as_str()))
    {
        changes.push(Change {
            kind: ChangeKind::Added,
            old_id: None,
            new_ids: vec![r.id.clone()],
            title: r.title.clone(),
            detail: "new in this version".to_owned(),
        });
    }
    changes.sort_by_key(|c| c.kind);
    changes
}

fn root<'a>(rows: &HashMap<&'a str, &'a Requirement>, mut id: &'a str) -> &'a str {
    while let Some(p) = rows.get(id).and_then(|r| r.parent.as_deref()) {
        id = p;
    }
    id
}

fn by_crosswalk(old: Side<'_>, new: Side<'_>, links: &[&Link]) -> (usize, Vec<Change>) {
    let n = index(new.requirements);
    let mut outgoing: HashMap<&str, Vec<&Link>> = HashMap::new();
    let mut incoming: HashMap<&str, Vec<&Link>> = HashMap::new();
    for l in links {
        outgoing.entry(l.from.as_str()).or_default().push(l);
        incoming.entry(l.to.as_str()).or_default().push(l);
    }
    let linked_roots: HashSet<&str> = links.iter().map(|l| root(&n, &l.to)).collect();
    let mut changes = Vec::new();
    for r in old.requirements.iter().filter(|r| r.assessable) {
        let outs = outgoing
            .get(r.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let targets: Vec<String> = outs.iter().map(|l| l.to.clone()).collect();
        let title = |id: &str| n.get(id).map(|m| m.title.clone()).unwrap_or_default();
        let (kind, detail) = match outs {
            [] => (
                ChangeKind::Removed,
                "no counterpart in the new version".to_owned(),
            ),
            [one] => {
                let merged = incoming.get(one.to.as_str()).map_or(0, Vec::len) > 1;
                match one.relationship {
                    Relationship::Equal if one.to == r.id && !merged => continue,
                    Relationship::Equal if !merged => (
                        ChangeKind::Renamed,
                        format!("now {}: {}", one.to, one.rationale),
                    ),
                    _ if merged => (
                        ChangeKind::Changed,
                        format!(
                            "merged into {} ({}): {}",
                            one.to,
                            one.relationship.as_str(),
                            one.rationale
                        ),
                    ),
                    _ => (
                        ChangeKind::Changed,
                        format!(
                            "now {} ({}): {}",
                            one.to,
                            one.relationship.as_str(),
                            one.rationale
                        ),
                    ),
                }
            }
            many => (
                ChangeKind::Changed,
                format!(
                    "split across {}",
                    many.iter()
                        .map(|l| l.to.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        let shown = targets
            .first()
            .map(|t| title(t))
            .unwrap_or_else(|| r.title.clone());
        changes.push(Change {
            kind,
            old_id: Some(r.id.clone()),
            new_ids: targets,
            title: shown,
            detail,
        });
    }
    let mut out_of_scope = 0;
    for r in new.requirements.iter().filter(|r| r.assessable) {
        if !linked_roots.contains(root(&n, &r.id)) {
            out_of_scope += 1;
        } else if !incoming.contains_key(r.id.as_str()) {
            changes.push(Change {
                kind: ChangeKind::Added,
                old_id: None,
                new_ids: vec![r.id.clone()],
                title: r.title.clone(),
                detail: "new in this version".to_owned(),
            });
        }
    }
    changes.sort_by_key(|c| c.kind);
    (out_of_scope, changes)
}
