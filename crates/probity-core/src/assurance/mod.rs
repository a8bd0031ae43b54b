//! Assurance: turns the catalog's frameworks and controls into a compliance posture backed by
//! evidence an auditor can check.
//!
//! - [`evidence`]: content-addressed (SHA-256), encrypted, deduplicated, versioned evidence with
//!   validity and expiry reminders, chain-of-custody events and audit-period freezes;
//! - [`assessment`]: assessments of a framework or baseline with per-requirement and
//!   per-control results, findings and remediation (the POA&M), weighted scores and their
//!   trend, and the lead assessor's sign-off as an Ed25519 signed note over the content hash;
//! - [`monitor`]: continuous control monitoring with Rego control tests ([`rego`], the
//!   [`starter`] pack), their schedules, collectors and results, and the policy decision API;
//! - [`posture`]: control health, gap analysis across mappings and crosswalks, the ISO 27001
//!   Statement of Applicability and the SOC 2 control matrix, and per-framework status.
//!
//! Every change is an audit event in the tenant's ledger, in the same transaction as the change.

pub mod assessment;
pub mod demo;
pub mod evidence;
pub mod model;
pub mod monitor;
pub mod posture;
pub mod rego;
pub mod starter;
pub mod store;

use std::sync::Arc;

pub use assessment::{
    AssessmentUpdate, FindingInput, NewAssessment, NewSignOff, RemediationInput, ResultInput,
    Scores, SignOffCheck,
};
pub use evidence::{EvidenceContent, EvidenceUpdate, NewEvidence, NewEvidenceVersion, NewFreeze};
pub use model::*;
pub use monitor::{Fetch, NewControlTest, NewDecisionPolicy, PolicyDecision, TestUpdate};
pub use posture::{ComplianceStatus, GapAnalysis, GapItem, GapStatus, MatrixRow, SoaRow};
pub use store::AssuranceStore;

use crate::audit::AuditRecord;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::keys::KeyService;
use crate::ledger::LedgerService;
use crate::notify::{Notice, NotifyService};
use crate::platform::service::Principal;
use crate::store::Store;

/// Assurance use cases over the store, the tenant's keys (evidence encryption) and, when set,
/// the ledger (sign-off attestations) and notifications.
pub struct AssuranceService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: Arc<KeyService>,
    catalog: &'static Catalog,
    ledger: Option<(Arc<LedgerService>, String)>,
    notify: Option<Arc<NotifyService>>,
    fetch: Option<Arc<dyn Fetch>>,
    public_url: String,
    tests_rego: Arc<rego::Evaluator>,
    decisions_rego: Arc<rego::Evaluator>,
}

impl std::fmt::Debug for AssuranceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssuranceService").finish_non_exhaustive()
    }
}

impl AssuranceService {
    /// Builds the service.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, keys: Arc<KeyService>) -> Self {
        Self {
            store,
            clock,
            keys,
            catalog: Catalog::shipped_or_empty(),
            ledger: None,
            notify: None,
            fetch: None,
            public_url: String::new(),
            tests_rego: Arc::new(rego::Evaluator::default()),
            decisions_rego: Arc::new(rego::Evaluator::default()),
        }
    }

    /// Signs assessment attestations with the ledger's log key, under the name
    /// `<origin>/attestations` where the origin is the tenant's log origin on `public_host`.
    #[must_use]
    pub fn with_ledger(mut self, ledger: Arc<LedgerService>, public_host: &str) -> Self {
        self.ledger = Some((ledger, public_host.to_owned()));
        self
    }

    /// Raises notifications (pass → fail, expiring evidence) linking to `public_url` pages.
    #[must_use]
    pub fn with_notify(mut self, notify: Arc<NotifyService>, public_url: &str) -> Self {
        self.notify = Some(notify);
        self.public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    /// Gathers `http` collector inputs through `fetch`.
    #[must_use]
    pub fn with_fetch(mut self, fetch: Arc<dyn Fetch>) -> Self {
        self.fetch = Some(fetch);
        self
    }

    /// Replaces the Rego evaluation limits (control tests keep their isolation).
    #[must_use]
    pub fn with_limits(mut self, limits: rego::Limits) -> Self {
        let isolation = self.tests_rego.isolation().clone();
        self.tests_rego = Arc::new(rego::Evaluator::new(limits, isolation));
        self.decisions_rego = Arc::new(rego::Evaluator::new(limits, rego::Isolation::Thread));
        self
    }

    /// Runs control tests under `isolation` (for `probity serve`, a child process per run with a
    /// memory cap). Decisions stay on a thread of this process with their compiled policies
    /// cached, for latency (ADR 0025).
    #[must_use]
    pub fn with_rego_isolation(mut self, isolation: rego::Isolation) -> Self {
        let limits = *self.tests_rego.limits();
        self.tests_rego = Arc::new(rego::Evaluator::new(limits, isolation));
        self
    }

    /// The shipped catalog.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }

    fn page_url(&self, path: &str) -> Option<String> {
        (!self.public_url.is_empty()).then(|| format!("{}{path}", self.public_url))
    }

    async fn raise(&self, who: &Principal, notice: Notice) {
        if let Some(n) = &self.notify
            && let Err(e) = n.raise(who.tenant.id, &notice).await
        {
            tracing::warn!(error = %e, kind = %notice.kind, "assurance notification not raised");
        }
    }

    fn event(
        &self,
        who: &Principal,
        kind: &str,
        resource: (&str, String),
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            kind,
            &who.actor,
            resource,
            self.clock.now(),
        )
        .with_details(details)
    }
}

// Short single-line text fields follow governance's rule.
use crate::governance::service::short;

/// Checks a longer text field (line breaks allowed); empty gives `None`.
fn long(field: &str, value: Option<&str>, max: usize) -> DomainResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max
        || v.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Checks `framework:requirement` references against the shipped catalog.
fn check_requirements(catalog: &Catalog, field: &str, ids: &[String]) -> DomainResult<()> {
    for r in ids {
        let known = r
            .split_once(':')
            .is_some_and(|(f, id)| catalog.requirement(f, id).is_some());
        if !known {
            return Err(DomainError::invalid(
                field,
                format!(
                    "{r} is not a shipped requirement: write framework:requirement, e.g. soc2-2017:CC6.1"
                ),
            ));
        }
    }
    Ok(())
}

/// A key: 2–63 of `a-z`, `0-9`, `-` (control tests, decision policies, services).
pub(crate) fn check_key(field: &str, key: &str) -> DomainResult<String> {
    let key = key.trim();
    if key.len() < 2
        || key.len() > 63
        || !key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(DomainError::invalid(
            field,
            "must be 2 to 63 characters of a-z, 0-9 and -",
        ));
    }
    Ok(key.to_owned())
}

/// SHA-256 hex of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A conflict from a lost compare-and-swap.
fn raced(what: &str) -> DomainError {
    DomainError::Conflict(format!(
        "the {what} changed while this request ran; read it again and retry"
    ))
}
