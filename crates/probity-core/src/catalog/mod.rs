//! The compliance catalog: shipped frameworks (requirement trees), Probity's unified control
//! library, typed mappings and crosswalks ([`content`]); coverage with explanations and
//! cross-framework comparison ([`coverage`]); regulatory change between framework versions
//! ([`diff`]); and each tenant's control states and link decisions ([`service`], [`store`]).

pub mod changes;
pub mod content;
pub mod coverage;
pub mod demo;
pub mod diff;
pub mod model;
pub mod oscal;
pub mod service;
pub mod store;

pub use changes::{ChangeId, ChangeRecord, ChangeTask, NewChangeRecord, TaskStatus, TaskUpdate};
pub use content::{Catalog, ContentError};
pub use coverage::{Comparison, Coverage, FrameworkCoverage, MatrixCell, RequirementCoverage};
pub use diff::{Change, ChangeKind, FrameworkDiff};
pub use model::*;
pub use oscal::{ImportId, ImportRecord, ImportSummary};
pub use service::{CatalogService, ControlDetail, ControlUpdate, NewDecision, RequirementDetail};
pub use store::CatalogStore;

#[cfg(test)]
mod tests;
