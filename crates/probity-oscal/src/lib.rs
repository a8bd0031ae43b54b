//! OSCAL 1.x interchange for Probity: serde models of every OSCAL model, a validator (the
//! official JSON Schemas when a schema directory is given, plus our own structure, uniqueness
//! and reference checks), profile resolution, and builders that export Probity content.
//! Pure and synchronous: no database, no I/O except the loaders the caller hands in.

pub mod consistency;
pub mod export;
pub mod issue;
pub mod model;
pub mod parse;
pub mod resolve;
pub mod schema;
pub mod validate;

use serde::Serialize;
use serde_json::{Map, Value};

pub use issue::{Issue, Layer, Rejected};
pub use model::common::Metadata;
pub use parse::{import, parse_document, parse_json};
pub use schema::{SchemaError, SchemaSet};

/// The OSCAL version Probity writes and validates exports against.
pub const OSCAL_VERSION: &str = "1.2.3";

/// The OSCAL models, named by their JSON root key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    Catalog,
    Profile,
    ComponentDefinition,
    SystemSecurityPlan,
    AssessmentPlan,
    AssessmentResults,
    PlanOfActionAndMilestones,
    MappingCollection,
}

impl Model {
    /// Every model, in the order of the OSCAL layers.
    pub const ALL: [Model; 8] = [
        Model::Catalog,
        Model::Profile,
        Model::ComponentDefinition,
        Model::SystemSecurityPlan,
        Model::AssessmentPlan,
        Model::AssessmentResults,
        Model::PlanOfActionAndMilestones,
        Model::MappingCollection,
    ];

    /// The document's root key, e.g. `system-security-plan`.
    pub fn root_key(self) -> &'static str {
        match self {
            Model::Catalog => "catalog",
            Model::Profile => "profile",
            Model::ComponentDefinition => "component-definition",
            Model::SystemSecurityPlan => "system-security-plan",
            Model::AssessmentPlan => "assessment-plan",
            Model::AssessmentResults => "assessment-results",
            Model::PlanOfActionAndMilestones => "plan-of-action-and-milestones",
            Model::MappingCollection => "mapping-collection",
        }
    }

    /// The model whose root key this is.
    pub fn from_root_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.root_key() == key)
    }

    /// File name of the per-model JSON Schema in an OSCAL release.
    pub fn schema_file(self) -> &'static str {
        match self {
            Model::Catalog => "oscal_catalog_schema.json",
            Model::Profile => "oscal_profile_schema.json",
            Model::ComponentDefinition => "oscal_component_schema.json",
            Model::SystemSecurityPlan => "oscal_ssp_schema.json",
            Model::AssessmentPlan => "oscal_assessment-plan_schema.json",
            Model::AssessmentResults => "oscal_assessment-results_schema.json",
            Model::PlanOfActionAndMilestones => "oscal_poam_schema.json",
            Model::MappingCollection => "oscal_mapping_schema.json",
        }
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.root_key())
    }
}

/// A parsed OSCAL document of any model.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Catalog(Box<model::Catalog>),
    Profile(Box<model::Profile>),
    ComponentDefinition(Box<model::ComponentDefinition>),
    SystemSecurityPlan(Box<model::SystemSecurityPlan>),
    AssessmentPlan(Box<model::AssessmentPlan>),
    AssessmentResults(Box<model::AssessmentResults>),
    PlanOfActionAndMilestones(Box<model::PlanOfActionAndMilestones>),
    MappingCollection(Box<model::MappingCollection>),
}

impl Document {
    /// Which model this is.
    pub fn model(&self) -> Model {
        match self {
            Document::Catalog(_) => Model::Catalog,
            Document::Profile(_) => Model::Profile,
            Document::ComponentDefinition(_) => Model::ComponentDefinition,
            Document::SystemSecurityPlan(_) => Model::SystemSecurityPlan,
            Document::AssessmentPlan(_) => Model::AssessmentPlan,
            Document::AssessmentResults(_) => Model::AssessmentResults,
            Document::PlanOfActionAndMilestones(_) => Model::PlanOfActionAndMilestones,
            Document::MappingCollection(_) => Model::MappingCollection,
        }
    }

    /// The document's metadata.
    pub fn metadata(&self) -> &Metadata {
        match self {
            Document::Catalog(d) => &d.metadata,
            Document::Profile(d) => &d.metadata,
            Document::ComponentDefinition(d) => &d.metadata,
            Document::SystemSecurityPlan(d) => &d.metadata,
            Document::AssessmentPlan(d) => &d.metadata,
            Document::AssessmentResults(d) => &d.metadata,
            Document::PlanOfActionAndMilestones(d) => &d.metadata,
            Document::MappingCollection(d) => &d.metadata,
        }
    }

    /// The document as OSCAL JSON: one object whose only key is the model's root key.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        let inner = match self {
            Document::Catalog(d) => serde_json::to_value(d)?,
            Document::Profile(d) => serde_json::to_value(d)?,
            Document::ComponentDefinition(d) => serde_json::to_value(d)?,
            Document::SystemSecurityPlan(d) => serde_json::to_value(d)?,
            Document::AssessmentPlan(d) => serde_json::to_value(d)?,
            Document::AssessmentResults(d) => serde_json::to_value(d)?,
            Document::PlanOfActionAndMilestones(d) => serde_json::to_value(d)?,
            Document::MappingCollection(d) => serde_json::to_value(d)?,
        };
        let mut root = Map::new();
        root.insert(self.model().root_key().to_owned(), inner);
        Ok(Value::Object(root))
    }

    /// Pretty-printed OSCAL JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(&self.to_value()?)?;
        text.push('\n');
        Ok(text)
    }

    /// Sizes worth showing to a person (`probity oscal info`), as name/count pairs.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let back_matter =
            |b: &Option<model::BackMatter>| b.as_ref().map_or(0, |b| b.resources.len());
        match self {
            Document::Catalog(c) => {
                let n = c.counts();
                vec![
                    ("groups", n.groups),
                    ("controls", n.controls),
                    ("top-level controls", n.top_level),
                    ("enhancements", n.enhancements),
                    ("withdrawn", n.withdrawn),
                    ("back-matter resources", back_matter(&c.back_matter)),
                ]
            }
            Document::Profile(p) => vec![
                ("imports", p.imports.len()),
                (
                    "selected ids",
                    p.imports
                        .iter()
                        .flat_map(|i| &i.include_controls)
                        .map(|s| s.with_ids.len())
                        .sum(),
                ),
                (
                    "set-parameters",
                    p.modify.as_ref().map_or(0, |m| m.set_parameters.len()),
                ),
                ("alters", p.modify.as_ref().map_or(0, |m| m.alters.len())),
                ("back-matter resources", back_matter(&p.back_matter)),
            ],
            Document::ComponentDefinition(c) => vec![
                ("components", c.components.len()),
                (
                    "implemented requirements",
                    c.components
                        .iter()
                        .flat_map(|c| &c.control_implementations)
                        .map(|i| i.implemented_requirements.len())
                        .sum(),
                ),
                ("back-matter resources", back_matter(&c.back_matter)),
            ],
            Document::SystemSecurityPlan(s) => vec![
                ("components", s.system_implementation.components.len()),
                ("users", s.system_implementation.users.len()),
                (
                    "implemented requirements",
                    s.control_implementation.implemented_requirements.len(),
                ),
                ("back-matter resources", back_matter(&s.back_matter)),
            ],
            Document::AssessmentPlan(a) => vec![
                ("tasks", a.tasks.len()),
                ("back-matter resources", back_matter(&a.back_matter)),
            ],
            Document::AssessmentResults(a) => vec![
                ("results", a.results.len()),
                (
                    "observations",
                    a.results.iter().map(|r| r.observations.len()).sum(),
                ),
                ("findings", a.results.iter().map(|r| r.findings.len()).sum()),
                ("risks", a.results.iter().map(|r| r.risks.len()).sum()),
                ("back-matter resources", back_matter(&a.back_matter)),
            ],
            Document::PlanOfActionAndMilestones(p) => vec![
                ("poam items", p.poam_items.len()),
                ("observations", p.observations.len()),
                ("risks", p.risks.len()),
                ("findings", p.findings.len()),
                ("back-matter resources", back_matter(&p.back_matter)),
            ],
            Document::MappingCollection(m) => vec![
                ("mappings", m.mappings.len()),
                ("maps", m.mappings.iter().map(|m| m.maps.len()).sum()),
                ("back-matter resources", back_matter(&m.back_matter)),
            ],
        }
    }
}
