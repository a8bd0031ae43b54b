//! Our own checks beyond the JSON Schema (which cannot express them): UUIDs unique across the
//! document, control ids unique in a catalog, `#uuid` hrefs that name a back-matter resource,
//! and party, location, role and component references that resolve. They run on the raw JSON
//! so they report every finding even when the typed parse fails.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::Model;
use crate::issue::{Issue, Layer, push_token};

/// Every consistency finding of a document of `model`.
pub fn check(model: Model, value: &Value) -> Vec<Issue> {
    let root_pointer = push_token("", model.root_key());
    let Some(root) = value.get(model.root_key()) else {
        return Vec::new();
    };
    let mut index = Index::default();
    index.walk(root, &root_pointer, "");
    let mut issues = Vec::new();

    for (uuid, places) in &index.uuids {
        if let Some((first, rest)) = places.split_first() {
            for place in rest {
                issues.push(Issue::new(
                    Layer::Consistency,
                    place.clone(),
                    format!("uuid {uuid} is already used at {first}: every uuid in a document must be unique, give this object a fresh one"),
                ));
            }
        }
    }

    if model == Model::Catalog {
        for (id, places) in &index.control_ids {
            if let Some((first, rest)) = places.split_first() {
                for place in rest {
                    issues.push(Issue::new(
                        Layer::Consistency,
                        place.clone(),
                        format!("control id `{id}` is already used at {first}: control ids must be unique in a catalog"),
                    ));
                }
            }
        }
    }

    let resources = uuid_set(root, "/back-matter/resources");
    for (pointer, fragment) in &index.fragment_hrefs {
        if looks_like_uuid(fragment) && !resources.contains(fragment.as_str()) {
            issues.push(Issue::new(
                Layer::Consistency,
                pointer.clone(),
                format!("href #{fragment} names no back-matter resource: add a resource with uuid {fragment} to back-matter, or fix the href"),
            ));
        }
    }

    let parties = uuid_set(root, "/metadata/parties");
    let locations = uuid_set(root, "/metadata/locations");
    let roles: BTreeSet<&str> = root
        .pointer("/metadata/roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id").and_then(Value::as_str))
        .collect();
    let components = uuid_set(root, "/system-implementation/components");
    let check_roles = matches!(
        model,
        Model::SystemSecurityPlan
            | Model::AssessmentPlan
            | Model::AssessmentResults
            | Model::PlanOfActionAndMilestones
    );
    for reference in &index.references {
        let (known, what, fix): (bool, &str, &str) = match reference.kind {
            RefKind::Party => (
                parties.contains(reference.target.as_str()),
                "party",
                "metadata.parties",
            ),
            RefKind::Location => (
                locations.contains(reference.target.as_str()),
                "location",
                "metadata.locations",
            ),
            RefKind::Role if check_roles => (
                roles.contains(reference.target.as_str()),
                "role",
                "metadata.roles",
            ),
            RefKind::Component if model == Model::SystemSecurityPlan => (
                components.contains(reference.target.as_str()),
                "component",
                "system-implementation.components",
            ),
            RefKind::Role | RefKind::Component => continue,
        };
        if !known {
            issues.push(Issue::new(
                Layer::Consistency,
                reference.pointer.clone(),
                format!(
                    "{what} {} is not defined in this document: add it to {fix} or fix the reference",
                    reference.target
                ),
            ));
        }
    }
    issues
}

fn uuid_set<'a>(root: &'a Value, pointer: &str) -> BTreeSet<&'a str> {
    root.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("uuid").and_then(Value::as_str))
        .collect()
}

/// The 8-4-4-4-12 hex form; other fragments (`#ac-2`) point at ids, not resources.
fn looks_like_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[derive(Debug, Clone, Copy)]
enum RefKind {
    Party,
    Location,
    Role,
    Component,
}

struct Reference {
    pointer: String,
    target: String,
    kind: RefKind,
}

/// What one walk over the document collects.
#[derive(Default)]
struct Index {
    uuids: BTreeMap<String, Vec<String>>,
    control_ids: BTreeMap<String, Vec<String>>,
    fragment_hrefs: Vec<(String, String)>,
    references: Vec<Reference>,
}

impl Index {
    /// `parent_key` is the key holding this value (arrays pass theirs through), to know
    /// whether an `id` belongs to a control.
    fn walk(&mut self, value: &Value, pointer: &str, parent_key: &str) {
        match value {
            Value::Object(map) => {
                let in_controls = parent_key == "controls";
                for (key, child) in map {
                    let here = push_token(pointer, key);
                    match (key.as_str(), child) {
                        ("uuid", Value::String(s)) => {
                            self.uuids.entry(s.clone()).or_default().push(here.clone());
                        }
                        ("id", Value::String(s)) if in_controls => {
                            self.control_ids
                                .entry(s.clone())
                                .or_default()
                                .push(here.clone());
                        }
                        ("href", Value::String(s)) => {
                            if let Some(fragment) = s.strip_prefix('#') {
                                self.fragment_hrefs
                                    .push((here.clone(), fragment.to_owned()));
                            }
                        }
                        _ => {}
                    }
                    let kind = match key.as_str() {
                        "party-uuid" | "party-uuids" | "member-of-organizations" => {
                            Some(RefKind::Party)
                        }
                        "location-uuid" | "location-uuids" => Some(RefKind::Location),
                        "role-id" | "role-ids" => Some(RefKind::Role),
                        "component-uuid" => Some(RefKind::Component),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        self.reference(kind, child, &here);
                    }
                    self.walk(child, &here, key);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, &push_token(pointer, &i.to_string()), parent_key);
                }
            }
            _ => {}
        }
    }

    fn reference(&mut self, kind: RefKind, value: &Value, pointer: &str) {
        match value {
            Value::String(s) => self.references.push(Reference {
                pointer: pointer.to_owned(),
                target: s.clone(),
                kind,
            }),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) = item.as_str() {
                        self.references.push(Reference {
                            pointer: push_token(pointer, &i.to_string()),
                            target: s.to_owned(),
                            kind,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}
