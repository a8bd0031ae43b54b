//! Serde models of the OSCAL 1.x JSON formats.

pub mod catalog;
pub mod common;
pub mod documents;
pub mod profile;

pub use catalog::{Catalog, CatalogCounts, Control, Group, Param, Part};
pub use common::{BackMatter, Extra, Link, Metadata, Party, Prop, Resource, Rlink, Role};
pub use documents::{
    AssessmentPlan, AssessmentResult, AssessmentResults, ComponentControlImplementation,
    ComponentDefinition, ControlImplementation, DefinedComponent, ImplementedRequirement,
    ImportHref, Map, MapItem, Mapping, MappingCollection, MappingProvenance, MappingResource,
    PlanOfActionAndMilestones, PoamItem, SystemComponent, SystemImplementation, SystemSecurityPlan,
};
pub use profile::{
    Add, Alter, Import, Matching, Merge, Modify, Profile, Remove, SelectControls, SetParameter,
};
