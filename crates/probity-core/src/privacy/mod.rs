//! Privacy: data subject requests with their statutory clocks (GDPR, CCPA/CPRA, LGPD, HIPAA),
//! personal data breaches with per-regime notification clocks and notification tracking, and
//! the tenant's public holidays that business-day clocks skip, the records of processing
//! activities (GDPR Art. 30) over our own [`taxonomy`] of data and subject categories, data
//! protection impact assessments ([`dpia`], [`assessments`]) and retention schedules per data
//! category enforced by a daily job ([`retention`], [`enforce`]), and the consent ledger
//! ([`consent`], [`consent_service`]): grants and withdrawals per pseudonymous subject and
//! purpose, each an entry of the tenant's ledger. Fulfilment of requests plugs in through
//! [`Fulfilment`]: [`fulfil::AuditErasure`] erases the subject's audit events when an erasure
//! request is completed, and [`export::SubjectExport`] builds the zip of everything held about
//! the subject when an access, portability or know request is.

pub mod assessments;
pub mod breach;
pub mod consent;
pub mod consent_service;
pub mod consent_store;
pub mod deadline;
pub mod demo;
pub mod dpia;
pub mod enforce;
pub mod export;
pub mod fulfil;
pub mod processing;
pub mod request;
pub mod retention;
pub mod service;
pub mod store;
pub mod taxonomy;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use assessments::DpiaDecisionInput;
pub use breach::{
    Breach, BreachClock, BreachId, BreachNotification, BreachView, ClockStatus, TimelineEntry,
};
pub use consent::{
    ConsentAction, ConsentEvent, ConsentEventId, ConsentMethod, ConsentPurpose, ConsentReceipt,
    ConsentState, ImportFormat, ImportResult, NewConsentEvent, NewPurpose, PurposeId, PurposeState,
    PurposeUpdate,
};
pub use consent_service::{ConsentAtTime, ConsentService, PurposeCounts, SubjectConsent};
pub use consent_store::{ConsentFilter, ConsentStore};
pub use deadline::{Period, RecipientKind, Regime};
pub use dpia::{Decision, Dpia, DpiaId, DpiaInput, DpiaState, DpiaView};
pub use export::{ExportId, ExportManifest, StoredExport, SubjectExport};
pub use processing::{
    ActivityId, ActivityInput, LegalBasis, LinkRef, ProcessingActivity, Processor, Transfer,
    TransferInput, TransferMechanism,
};
pub use request::{
    DataSubjectRequest, Extension, FulfilmentLine, FulfilmentOutcome, RequestId, RequestKind,
    RequestState, RequestView, StateChange,
};
pub use retention::{
    RetentionRunReport, RetentionSchedule, RetentionScheduleId, RetentionScheduleInput, RunTrigger,
};
pub use service::{
    Fulfilment, NewBreach, NewNotification, NewRequest, PrivacyOverview, PrivacyService,
    RequestExtensionInput, RequestTransition,
};
pub use store::PrivacyStore;
pub use taxonomy::{Art9Condition, Taxonomy};

/// A tenant's privacy settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrivacySettings {
    /// Public holidays that business-day clocks skip (weekends always are).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}
