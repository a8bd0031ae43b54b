//! Governance: policies as immutable, hashed versions moving through
//! `draft → in_review → approved → published → retired`, approvals with separation of duties
//! and a quorum, and acknowledgments bound to the content hash of the version in force (a
//! material new version asks everyone again). Exceptions, risks, assets and vendors are to
//! come (issue #8).

pub mod demo;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;
pub mod templates;

pub use model::*;
pub use service::{Decision, GovernanceService, NewAcknowledgment, NewPolicy, NewVersion};
pub use store::GovernanceStore;
pub use templates::PolicyTemplate;
