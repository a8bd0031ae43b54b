//! Export builders: OSCAL 1.2.3 documents from plain Probity-side inputs, each with fresh
//! UUIDs and complete `metadata`. The inputs are simple structs so the catalog context can
//! fill them from its own tables; the time is passed in (Probity reads no clock here).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::model::{
    AssessmentPlan, AssessmentResult, AssessmentResults, BackMatter, Catalog,
    ComponentControlImplementation, ComponentDefinition, Control, ControlImplementation,
    DefinedComponent, Extra, Group, ImplementedRequirement, ImportHref, Map, MapItem, Mapping,
    MappingCollection, MappingProvenance, MappingResource, Metadata, Part,
    PlanOfActionAndMilestones, PoamItem, Prop, SystemComponent, SystemImplementation,
    SystemSecurityPlan,
};
use crate::model::{Import, Merge, Profile, SelectControls};
use crate::resolve::{self, Resolution, ResolveError, Sources, Stamp};

fn fresh() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Title and version of an exported document, and when it is made.
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    /// `metadata.title`.
    pub title: String,
    /// `metadata.version` (the document's own version, e.g. "1.0").
    pub version: String,
    /// `metadata.last-modified`.
    pub at: DateTime<Utc>,
}

impl DocumentInfo {
    fn metadata(&self) -> Metadata {
        Metadata::new(
            &self.title,
            &self.version,
            &self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
    }
}

/// An OSCAL token for a publisher's identifier: lower case, `(x)` as `.x`, other characters
/// outside `[a-z0-9._-]` as `_`, and a leading `r` when it would not start with a letter.
pub fn token(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 1);
    for c in id.trim().chars() {
        match c {
            '(' => out.push('.'),
            ')' => {}
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => {
                out.push(c.to_ascii_lowercase())
            }
            _ => out.push('_'),
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, 'r');
    }
    out
}

/// A control (or enhancement) to export.
#[derive(Debug, Clone, Default)]
pub struct ControlInput {
    /// Control id, e.g. `ac-2` or `acc-01` (an OSCAL token: letters, digits, `.`, `-`, `_`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// Statement text, our own words.
    pub statement: Option<String>,
    /// Marked `status: withdrawn`.
    pub withdrawn: bool,
    /// The identifier as its publisher writes it (`AC-2(1)`, `A.5.15`), kept as a `label`
    /// property when the id had to be made into an OSCAL token.
    pub label: Option<String>,
    /// Enhancements nested under this control.
    pub enhancements: Vec<ControlInput>,
}

/// A group of controls (a family or domain).
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    /// Group id (a token).
    pub id: String,
    /// Title.
    pub title: String,
    /// Controls in the group.
    pub controls: Vec<ControlInput>,
}

fn control(input: &ControlInput) -> Control {
    let mut props = Vec::new();
    if let Some(label) = &input.label {
        props.push(Prop::new("label", label));
    }
    if input.withdrawn {
        props.push(Prop::new("status", "withdrawn"));
    }
    let parts = input
        .statement
        .iter()
        .map(|text| Part {
            id: Some(format!("{}_smt", input.id)),
            name: "statement".to_owned(),
            ns: None,
            class: None,
            title: None,
            props: Vec::new(),
            prose: Some(text.clone()),
            parts: Vec::new(),
            links: Vec::new(),
        })
        .collect();
    Control {
        id: input.id.clone(),
        class: None,
        title: input.title.clone(),
        params: Vec::new(),
        props,
        links: Vec::new(),
        parts,
        controls: input.enhancements.iter().map(control).collect(),
    }
}

/// A catalog of groups and controls.
pub fn catalog(info: &DocumentInfo, groups: &[GroupInput]) -> Catalog {
    Catalog {
        uuid: fresh(),
        metadata: info.metadata(),
        params: Vec::new(),
        controls: Vec::new(),
        groups: groups
            .iter()
            .map(|g| Group {
                id: Some(g.id.clone()),
                class: None,
                title: g.title.clone(),
                params: Vec::new(),
                props: Vec::new(),
                links: Vec::new(),
                parts: Vec::new(),
                groups: Vec::new(),
                controls: g.controls.iter().map(control).collect(),
            })
            .collect(),
        back_matter: None,
    }
}

/// The resolved catalog of a selection of `ids` from `source` (kept in its groups and
/// nesting), as a profile naming those ids would resolve to.
pub fn resolved_profile_catalog(
    info: &DocumentInfo,
    source: &Catalog,
    ids: &[String],
) -> Result<Resolution, ResolveError> {
    let href = format!("#{}", source.uuid);
    let resource_uuid = source.uuid.clone();
    let profile = Profile {
        uuid: fresh(),
        metadata: info.metadata(),
        imports: vec![Import {
            href,
            include_all: None,
            include_controls: vec![SelectControls {
                with_child_controls: None,
                with_ids: ids.to_vec(),
                matching: Vec::new(),
            }],
            exclude_controls: Vec::new(),
        }],
        merge: Some(Merge {
            as_is: Some(true),
            ..Merge::default()
        }),
        modify: None,
        back_matter: Some(BackMatter {
            resources: vec![crate::model::Resource {
                uuid: resource_uuid.clone(),
                title: Some(source.metadata.title.clone()),
                description: None,
                props: Vec::new(),
                rlinks: vec![crate::model::Rlink {
                    href: format!("urn:uuid:{resource_uuid}"),
                    media_type: Some("application/oscal.catalog+json".to_owned()),
                    extra: Extra::new(),
                }],
                extra: Extra::new(),
            }],
            extra: Extra::new(),
        }),
    };
    let sources = Sources::new().with_catalog(format!("urn:uuid:{resource_uuid}"), source.clone());
    resolve::resolve(&profile, None, &sources, &Stamp::fresh(info.at))
}

/// One component and the controls it implements.
#[derive(Debug, Clone, Default)]
pub struct ComponentInput {
    /// Title.
    pub title: String,
    /// OSCAL component type: `software`, `service`, `policy`, `process`, `hardware`, ...
    pub kind: String,
    /// What it is.
    pub description: String,
    /// Catalog or profile the control ids come from (an href).
    pub source: String,
    /// Control id and how this component implements it.
    pub controls: Vec<(String, String)>,
}

/// A component definition.
pub fn component_definition(
    info: &DocumentInfo,
    components: &[ComponentInput],
) -> ComponentDefinition {
    ComponentDefinition {
        uuid: fresh(),
        metadata: info.metadata(),
        components: components
            .iter()
            .map(|c| DefinedComponent {
                uuid: fresh(),
                kind: c.kind.clone(),
                title: c.title.clone(),
                description: c.description.clone(),
                props: Vec::new(),
                links: Vec::new(),
                control_implementations: if c.controls.is_empty() {
                    Vec::new()
                } else {
                    vec![ComponentControlImplementation {
                        uuid: fresh(),
                        source: c.source.clone(),
                        description: format!("Controls implemented by {}.", c.title),
                        implemented_requirements: c
                            .controls
                            .iter()
                            .map(|(id, how)| requirement(id, how))
                            .collect(),
                        extra: Extra::new(),
                    }]
                },
                extra: Extra::new(),
            })
            .collect(),
        back_matter: None,
        extra: Extra::new(),
    }
}

fn requirement(control_id: &str, description: &str) -> ImplementedRequirement {
    ImplementedRequirement {
        uuid: fresh(),
        control_id: control_id.to_owned(),
        description: Some(description.to_owned()),
        props: Vec::new(),
        extra: Extra::new(),
    }
}

/// The system an SSP describes.
#[derive(Debug, Clone, Default)]
pub struct SspInput {
    /// Profile (baseline) href the plan implements.
    pub profile_href: String,
    /// System name.
    pub system_name: String,
    /// System identifier.
    pub system_id: String,
    /// What the system does.
    pub description: String,
    /// `low`, `moderate` or `high` (FIPS 199), for the information type and overall level.
    pub impact: String,
    /// Components other than the system itself: (title, type, description).
    pub components: Vec<(String, String, String)>,
    /// Control id and how the system implements it.
    pub controls: Vec<(String, String)>,
}

/// A system security plan. The system itself is the component of type `this-system`.
pub fn system_security_plan(info: &DocumentInfo, input: &SspInput) -> SystemSecurityPlan {
    let level = format!("fips-199-{}", input.impact);
    let impact = json!({ "base": level });
    let this_system = SystemComponent {
        uuid: fresh(),
        kind: "this-system".to_owned(),
        title: input.system_name.clone(),
        description: input.description.clone(),
        status: json!({ "state": "operational" }),
        extra: Extra::new(),
    };
    let this_system_uuid = this_system.uuid.clone();
    let mut components = vec![this_system];
    components.extend(
        input
            .components
            .iter()
            .map(|(title, kind, description)| SystemComponent {
                uuid: fresh(),
                kind: kind.clone(),
                title: title.clone(),
                description: description.clone(),
                status: json!({ "state": "operational" }),
                extra: Extra::new(),
            }),
    );
    SystemSecurityPlan {
        uuid: fresh(),
        metadata: info.metadata(),
        import_profile: ImportHref {
            href: input.profile_href.clone(),
            remarks: None,
        },
        system_characteristics: json!({
            "system-ids": [{ "id": input.system_id }],
            "system-name": input.system_name,
            "description": input.description,
            "security-sensitivity-level": level,
            "system-information": {
                "information-types": [{
                    "uuid": fresh(),
                    "title": format!("{} data", input.system_name),
                    "description": "Information the system stores, processes or transmits.",
                    "confidentiality-impact": impact,
                    "integrity-impact": impact,
                    "availability-impact": impact,
                }]
            },
            "security-impact-level": {
                "security-objective-confidentiality": level,
                "security-objective-integrity": level,
                "security-objective-availability": level,
            },
            "status": { "state": "operational" },
            "authorization-boundary": {
                "description": format!("The components of {} listed in this plan.", input.system_name)
            },
        }),
        system_implementation: SystemImplementation {
            users: vec![json!({ "uuid": fresh(), "title": "System administrator" })],
            components,
            extra: Extra::new(),
        },
        control_implementation: ControlImplementation {
            description: format!("How {} implements its baseline.", input.system_name),
            implemented_requirements: input
                .controls
                .iter()
                .map(|(id, how)| {
                    // An SSP says how through the components that implement the control.
                    let mut extra = Extra::new();
                    extra.insert(
                        "by-components".to_owned(),
                        json!([{
                            "component-uuid": this_system_uuid,
                            "uuid": fresh(),
                            "description": how,
                        }]),
                    );
                    ImplementedRequirement {
                        uuid: fresh(),
                        control_id: id.clone(),
                        description: None,
                        props: Vec::new(),
                        extra,
                    }
                })
                .collect(),
            extra: Extra::new(),
        },
        back_matter: None,
        extra: Extra::new(),
    }
}

fn control_selection(control_ids: &[String]) -> Value {
    if control_ids.is_empty() {
        json!({ "control-selections": [{ "include-all": {} }] })
    } else {
        let ids: Vec<Value> = control_ids
            .iter()
            .map(|id| json!({ "control-id": id }))
            .collect();
        json!({ "control-selections": [{ "include-controls": ids }] })
    }
}

/// An assessment plan over `control_ids` (all controls of the SSP's baseline when empty).
pub fn assessment_plan(
    info: &DocumentInfo,
    ssp_href: &str,
    control_ids: &[String],
) -> AssessmentPlan {
    AssessmentPlan {
        uuid: fresh(),
        metadata: info.metadata(),
        import_ssp: ImportHref {
            href: ssp_href.to_owned(),
            remarks: None,
        },
        reviewed_controls: control_selection(control_ids),
        tasks: Vec::new(),
        back_matter: None,
        extra: Extra::new(),
    }
}

/// The outcome for one control in an assessment.
#[derive(Debug, Clone, Default)]
pub struct FindingInput {
    /// Assessed control id.
    pub control_id: String,
    /// Short title.
    pub title: String,
    /// What was found.
    pub description: String,
    /// Whether the control is satisfied.
    pub satisfied: bool,
}

/// Assessment results: one result set over `start`..`end` with a finding per control.
pub fn assessment_results(
    info: &DocumentInfo,
    ap_href: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    findings: &[FindingInput],
) -> AssessmentResults {
    let ids: Vec<String> = findings.iter().map(|f| f.control_id.clone()).collect();
    AssessmentResults {
        uuid: fresh(),
        metadata: info.metadata(),
        import_ap: ImportHref {
            href: ap_href.to_owned(),
            remarks: None,
        },
        results: vec![AssessmentResult {
            uuid: fresh(),
            title: info.title.clone(),
            description: format!("Results of {}.", info.title),
            start: start.to_rfc3339_opts(SecondsFormat::Secs, true),
            end: end.map(|e| e.to_rfc3339_opts(SecondsFormat::Secs, true)),
            reviewed_controls: control_selection(&ids),
            observations: Vec::new(),
            risks: Vec::new(),
            findings: findings
                .iter()
                .map(|f| {
                    json!({
                        "uuid": fresh(),
                        "title": f.title,
                        "description": f.description,
                        "target": {
                            "type": "objective-id",
                            "target-id": f.control_id,
                            "status": {
                                "state": if f.satisfied { "satisfied" } else { "not-satisfied" }
                            }
                        }
                    })
                })
                .collect(),
            extra: Extra::new(),
        }],
        back_matter: None,
        extra: Extra::new(),
    }
}

/// A POA&M with one item per (title, description) weakness.
pub fn poam(
    info: &DocumentInfo,
    ssp_href: Option<&str>,
    items: &[(String, String)],
) -> PlanOfActionAndMilestones {
    PlanOfActionAndMilestones {
        uuid: fresh(),
        metadata: info.metadata(),
        import_ssp: ssp_href.map(|href| ImportHref {
            href: href.to_owned(),
            remarks: None,
        }),
        observations: Vec::new(),
        risks: Vec::new(),
        findings: Vec::new(),
        poam_items: items
            .iter()
            .map(|(title, description)| PoamItem {
                uuid: Some(fresh()),
                title: title.clone(),
                description: description.clone(),
                props: Vec::new(),
                extra: Extra::new(),
            })
            .collect(),
        back_matter: None,
        extra: Extra::new(),
    }
}

/// NIST IR 8477 set-theory relationships, as Probity names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
    NoRelationship,
}

impl Relationship {
    /// The OSCAL 1.2 mapping value.
    pub fn oscal_name(self) -> &'static str {
        match self {
            Relationship::Equal => "equal-to",
            Relationship::SubsetOf => "subset-of",
            Relationship::SupersetOf => "superset-of",
            Relationship::IntersectsWith => "intersects-with",
            Relationship::NoRelationship => "no-relationship",
        }
    }
}

/// One crosswalk entry: source control, target control, relationship and why.
#[derive(Debug, Clone)]
pub struct MapInput {
    /// Control id in the source catalog.
    pub source_id: String,
    /// Control id in the target catalog.
    pub target_id: String,
    /// How they relate.
    pub relationship: Relationship,
    /// Why (kept as `remarks`).
    pub rationale: Option<String>,
}

/// A mapping collection between two catalogs (hrefs), made by people (`method: human`).
pub fn mapping_collection(
    info: &DocumentInfo,
    source_href: &str,
    target_href: &str,
    description: &str,
    maps: &[MapInput],
) -> MappingCollection {
    MappingCollection {
        uuid: fresh(),
        metadata: info.metadata(),
        provenance: MappingProvenance {
            method: "human".to_owned(),
            matching_rationale: "semantic".to_owned(),
            status: "draft".to_owned(),
            mapping_description: description.to_owned(),
            extra: Extra::new(),
        },
        mappings: vec![Mapping {
            uuid: fresh(),
            source_resource: MappingResource {
                kind: "catalog".to_owned(),
                href: source_href.to_owned(),
                extra: Extra::new(),
            },
            target_resource: MappingResource {
                kind: "catalog".to_owned(),
                href: target_href.to_owned(),
                extra: Extra::new(),
            },
            maps: maps
                .iter()
                .map(|m| {
                    let mut extra = Extra::new();
                    if let Some(why) = &m.rationale {
                        extra.insert("remarks".to_owned(), Value::String(why.clone()));
                    }
                    Map {
                        uuid: fresh(),
                        relationship: m.relationship.oscal_name().to_owned(),
                        sources: vec![MapItem {
                            kind: "control".to_owned(),
                            id_ref: m.source_id.clone(),
                            extra: Extra::new(),
                        }],
                        targets: vec![MapItem {
                            kind: "control".to_owned(),
                            id_ref: m.target_id.clone(),
                            extra: Extra::new(),
                        }],
                        extra,
                    }
                })
                .collect(),
            extra: Extra::new(),
        }],
        back_matter: None,
        extra: Extra::new(),
    }
}
