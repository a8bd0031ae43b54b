//! Privacy: data subject requests with their statutory clocks (GDPR, CCPA/CPRA, LGPD, HIPAA),
//! personal data breaches with per-regime notification clocks and notification tracking, and
//! the tenant's public holidays that business-day clocks skip, and the records of processing
//! activities (GDPR Art. 30). Fulfilment of requests plugs in through [`Fulfilment`];
//! [`fulfil::AuditErasure`] erases the subject's audit events when an erasure request is
//! completed (the access export is not built yet).

pub mod breach;
pub mod deadline;
pub mod demo;
pub mod fulfil;
pub mod processing;
pub mod request;
pub mod service;
pub mod store;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use breach::{
    Breach, BreachClock, BreachId, BreachNotification, BreachView, ClockStatus, TimelineEntry,
};
pub use deadline::{Period, RecipientKind, Regime};
pub use processing::{ActivityId, ActivityInput, LegalBasis, ProcessingActivity, Transfer};
pub use request::{
    DataSubjectRequest, Extension, RequestId, RequestKind, RequestState, RequestView, StateChange,
};
pub use service::{
    Fulfilment, NewBreach, NewNotification, NewRequest, PrivacyOverview, PrivacyService,
    RequestExtensionInput, RequestTransition,
};
pub use store::PrivacyStore;

/// A tenant's privacy settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrivacySettings {
    /// Public holidays that business-day clocks skip (weekends always are).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}
