//! The store port: errors every backend returns, and [`Store`], the union of each context's
//! store trait that a backend (SQLite, PostgreSQL) implements.

use async_trait::async_trait;

use crate::assurance::AssuranceStore;
use crate::audit::AuditStore;
use crate::audit::index::AuditIndexStore;
use crate::calendar::CalendarStore;
use crate::catalog::CatalogStore;
use crate::error::DomainError;
use crate::governance::GovernanceStore;
use crate::jobs::JobStore;
use crate::keys::KeyStore;
use crate::ledger::LedgerStore;
use crate::notify::NotifyStore;
use crate::platform::PlatformStore;
use crate::privacy::PrivacyStore;
use crate::reports::ReportStore;
use crate::service_level::ServiceLevelStore;
use crate::support::SupportStore;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (duplicate slug, email, ...); names what.
    #[error("{0} already exists")]
    Duplicate(String),
    /// The database cannot be reached or is overloaded.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A row could not be decoded, or another unexpected failure.
    #[error("store failure: {0}")]
    Internal(String),
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => DomainError::Conflict(format!("{what} already exists")),
            StoreError::Unavailable(m) => DomainError::Unavailable(m),
            StoreError::Internal(m) => DomainError::Internal(m),
        }
    }
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// A complete backend.
#[async_trait]
pub trait Store:
    PlatformStore
    + AuditStore
    + JobStore
    + KeyStore
    + LedgerStore
    + NotifyStore
    + AuditIndexStore
    + CatalogStore
    + GovernanceStore
    + AssuranceStore
    + ServiceLevelStore
    + ReportStore
    + CalendarStore
    + crate::audit::retention::RetentionStore
    + crate::audit::alerts::DetectionStore
    + crate::audit::forward::ForwarderStore
    + PrivacyStore
    + crate::privacy::ConsentStore
    + SupportStore
    + Send
    + Sync
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Checks that the database answers (readiness).
    async fn ping(&self) -> StoreResult<()>;
}
