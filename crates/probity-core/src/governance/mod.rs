//! Governance: policies as immutable, hashed versions moving through
//! `draft → in_review → approved → published → retired`, approvals with separation of duties
//! and a quorum, and acknowledgments bound to the content hash of the version in force (a
//! material new version asks everyone again); the risk register on a configurable matrix with
//! residual scores derived from control health, appetite alerts and score history; exceptions
//! and risk acceptances whose decisions bind to the hash of the linked state; and the sweep
//! that expires exceptions and raises reminders; the vendor register with questionnaires sent as
//! tokenized links, scored on submission; and the asset inventory with its CSV import.

pub mod asset;
pub mod assets;
pub mod demo;
pub mod exception;
pub mod exceptions;
pub mod model;
pub mod risk;
pub mod risks;
pub mod rules;
pub mod service;
pub mod store;
pub mod sweep;
pub mod templates;
pub mod training;
pub mod vendor;
pub mod vendors;

pub use asset::{Asset, AssetId};
pub use assets::{ImportReport, NewAsset};
pub use exception::{
    Exception, ExceptionId, ExceptionKind, ExceptionState, ExceptionStatus, ExceptionView,
};
pub use exceptions::{NewException, NewExceptionDecision};
pub use model::*;
pub use risk::{
    Rating, Risk, RiskCategory, RiskId, RiskMatrix, RiskSettings, RiskStatus, RiskView, Treatment,
};
pub use risks::{NewRisk, Register, RiskDetail, RiskUpdate};
pub use service::{Decision, GovernanceService, NewAcknowledgment, NewPolicy, NewVersion};
pub use store::GovernanceStore;
pub use sweep::SweepReport;
pub use templates::PolicyTemplate;
pub use training::{
    AssignTraining, NewViolation, ResolveViolation, Training, TrainingId, TrainingView, Violation,
    ViolationId,
};
pub use vendor::{
    Assessment, AssessmentId, ListedTemplate, ListedTemplateSchema, QuestionnaireTemplate,
    TemplateSource, TenantTemplate, Tier, Vendor, VendorId,
};
pub use vendors::{
    AssessmentReview, NewVendor, RespondentAnswers, RespondentView, SendQuestionnaire,
    SentQuestionnaire, VendorDetail, VendorView,
};
