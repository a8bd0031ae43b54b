//! The implementation and assessment layer models: component definition, system security
//! plan, assessment plan and results, POA&M, and the 1.2 control mapping. Probity models the
//! fields it reads or writes; everything else rides along in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{BackMatter, Extra, Link, Metadata, Prop};

/// `component-definition`: components and the controls they implement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComponentDefinition {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<DefinedComponent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A component of a component definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DefinedComponent {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_implementations: Vec<ComponentControlImplementation>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The controls of one source (catalog or profile) a component implements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComponentControlImplementation {
    pub uuid: String,
    pub source: String,
    pub description: String,
    pub implemented_requirements: Vec<ImplementedRequirement>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// How one control is implemented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImplementedRequirement {
    pub uuid: String,
    pub control_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `system-security-plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemSecurityPlan {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_profile: ImportHref,
    pub system_characteristics: Value,
    pub system_implementation: SystemImplementation,
    pub control_implementation: ControlImplementation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A reference to the document this one builds on (`import-profile`, `import-ssp`, `import-ap`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImportHref {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// `system-implementation`: users, components, inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemImplementation {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<SystemComponent>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A component of the system, referenced by `component-uuid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemComponent {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub description: String,
    pub status: Value,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `control-implementation` of an SSP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlImplementation {
    pub description: String,
    pub implemented_requirements: Vec<ImplementedRequirement>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `assessment-plan` (SAP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentPlan {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ssp: ImportHref,
    pub reviewed_controls: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `assessment-results` (SAR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResults {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ap: ImportHref,
    pub results: Vec<AssessmentResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One result set of an assessment: observations, risks and findings over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResult {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    pub reviewed_controls: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `plan-of-action-and-milestones`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PlanOfActionAndMilestones {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_ssp: Option<ImportHref>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Value>,
    pub poam_items: Vec<PoamItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One POA&M item: a weakness and the plan to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoamItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `mapping-collection` (OSCAL 1.2 control mapping model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MappingCollection {
    pub uuid: String,
    pub metadata: Metadata,
    pub provenance: MappingProvenance,
    pub mappings: Vec<Mapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// How a mapping collection was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MappingProvenance {
    /// `human`, `automation` or `hybrid`.
    pub method: String,
    /// `syntactic`, `semantic` or `functional`.
    pub matching_rationale: String,
    /// `draft`, `final`, ...
    pub status: String,
    pub mapping_description: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The maps between one source and one target resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Mapping {
    pub uuid: String,
    pub source_resource: MappingResource,
    pub target_resource: MappingResource,
    pub maps: Vec<Map>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A catalog or profile a mapping reads from or to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MappingResource {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One relationship between source and target controls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Map {
    pub uuid: String,
    /// `equivalent-to`, `equal-to`, `subset-of`, `superset-of`, `intersects-with`,
    /// `no-relationship`.
    pub relationship: String,
    pub sources: Vec<MapItem>,
    pub targets: Vec<MapItem>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A control or statement on one side of a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MapItem {
    #[serde(rename = "type")]
    pub kind: String,
    pub id_ref: String,
    #[serde(flatten)]
    pub extra: Extra,
}
