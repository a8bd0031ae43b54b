//! The assurance store port: evidence (items, append-only versions, encrypted content by
//! address, freezes), assessments (compare-and-swap on `revision`), control tests and their
//! runs, decision policies. Every write carries its audit record into the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::*;
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Encrypted evidence content, addressed by the plaintext's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedContent {
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// Plaintext length.
    pub size: u64,
    /// Ciphertext under the tenant's data key.
    pub ciphertext: Vec<u8>,
}

/// Assurance records.
#[async_trait]
pub trait AssuranceStore: Send + Sync {
    /// Whether the tenant already holds content with this address.
    async fn has_evidence_content(&self, tenant: TenantId, sha256: &str) -> StoreResult<bool>;
    /// Adds an item with its first version; `content` is stored unless the address exists.
    /// `Duplicate("evidence reference")` when the reference is taken.
    async fn insert_evidence(
        &self,
        item: &EvidenceItem,
        version: &EvidenceVersion,
        content: Option<&SealedContent>,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Adds a version (the item's `current_version` must still be `version.number - 1`);
    /// false when another upload won.
    async fn insert_evidence_version(
        &self,
        item: &EvidenceItem,
        version: &EvidenceVersion,
        content: Option<&SealedContent>,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Replaces an item's metadata and links.
    async fn update_evidence(&self, item: &EvidenceItem, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's items, by reference.
    async fn list_evidence(&self, tenant: TenantId) -> StoreResult<Vec<EvidenceItem>>;
    /// One item.
    async fn evidence(&self, tenant: TenantId, id: EvidenceId)
    -> StoreResult<Option<EvidenceItem>>;
    /// An item's versions, oldest first.
    async fn evidence_versions(
        &self,
        tenant: TenantId,
        id: EvidenceId,
    ) -> StoreResult<Vec<EvidenceVersion>>;
    /// Every version of every item of a tenant (for freshness and freezes).
    async fn all_evidence_versions(&self, tenant: TenantId) -> StoreResult<Vec<EvidenceVersion>>;
    /// Encrypted content by address.
    async fn evidence_content(
        &self,
        tenant: TenantId,
        sha256: &str,
    ) -> StoreResult<Option<SealedContent>>;
    /// Stores a freeze.
    async fn insert_freeze(&self, freeze: &EvidenceFreeze, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's freezes, newest first.
    async fn list_freezes(&self, tenant: TenantId) -> StoreResult<Vec<EvidenceFreeze>>;
    /// One freeze.
    async fn freeze(&self, tenant: TenantId, id: FreezeId) -> StoreResult<Option<EvidenceFreeze>>;

    /// Adds an assessment version; `Duplicate("assessment version")` when the reference and
    /// version exist.
    async fn insert_assessment(
        &self,
        a: &ComplianceAssessment,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces an assessment when its stored revision is `expected`; false otherwise.
    async fn update_assessment(
        &self,
        a: &ComplianceAssessment,
        expected: u64,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's assessments (every version), newest first.
    async fn list_assessments(&self, tenant: TenantId) -> StoreResult<Vec<ComplianceAssessment>>;
    /// One assessment version.
    async fn assessment(
        &self,
        tenant: TenantId,
        id: ComplianceAssessmentId,
    ) -> StoreResult<Option<ComplianceAssessment>>;

    /// Adds a control test; `Duplicate("control test key")` when the key is taken.
    async fn insert_control_test(&self, t: &ControlTest, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a control test's definition (not its run state).
    async fn update_control_test(&self, t: &ControlTest, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's control tests, by key.
    async fn list_control_tests(&self, tenant: TenantId) -> StoreResult<Vec<ControlTest>>;
    /// One control test.
    async fn control_test(
        &self,
        tenant: TenantId,
        id: ControlTestId,
    ) -> StoreResult<Option<ControlTest>>;
    /// Enabled tests of any tenant whose next run is at or before `now`, soonest first.
    async fn due_control_tests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ControlTest>>;
    /// Moves a due test's next run from `expected` to `next`; false when another node
    /// claimed it first (so each due run happens once across nodes).
    async fn claim_control_test(
        &self,
        tenant: TenantId,
        id: ControlTestId,
        expected: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records a run and the test's new run state (`last_*`, `next_run_at`).
    async fn insert_test_run(
        &self,
        run: &TestRun,
        test: &ControlTest,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A test's latest runs, newest first.
    async fn test_runs(
        &self,
        tenant: TenantId,
        test: ControlTestId,
        limit: u32,
    ) -> StoreResult<Vec<TestRun>>;

    /// Inserts or replaces a decision policy (by key).
    async fn put_decision_policy(&self, p: &DecisionPolicy, event: &AuditRecord)
    -> StoreResult<()>;
    /// A tenant's decision policies, by key.
    async fn list_decision_policies(&self, tenant: TenantId) -> StoreResult<Vec<DecisionPolicy>>;
    /// One decision policy.
    async fn decision_policy(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<DecisionPolicy>>;
}
