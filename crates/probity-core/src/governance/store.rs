//! The governance store port: policies, versions and acknowledgments, risk settings, risks with
//! their score history, and exceptions; each write with its audit record in one transaction.

use async_trait::async_trait;

use super::asset::{Asset, AssetId};
use super::exception::{Exception, ExceptionId, ExceptionState};
use super::model::*;
use super::risk::{Risk, RiskId, RiskSettings, ScorePoint};
use super::training::{Training, TrainingId, Violation, ViolationId};
use super::vendor::{Assessment, AssessmentId, AssessmentState, TenantTemplate, Vendor, VendorId};
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Policies, versions and acknowledgments.
#[async_trait]
pub trait GovernanceStore: Send + Sync {
    /// Adds a policy with its first version; `Duplicate("policy key")` when the key is taken.
    async fn insert_policy(
        &self,
        policy: &Policy,
        first: &PolicyVersion,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A tenant's policies, by key.
    async fn list_policies(&self, tenant: TenantId) -> StoreResult<Vec<Policy>>;
    /// One policy.
    async fn policy(&self, tenant: TenantId, id: PolicyId) -> StoreResult<Option<Policy>>;
    /// A policy's versions, oldest first.
    async fn policy_versions(
        &self,
        tenant: TenantId,
        id: PolicyId,
    ) -> StoreResult<Vec<PolicyVersion>>;
    /// Adds a version; `Duplicate("policy version")` when the number is taken.
    async fn insert_policy_version(
        &self,
        version: &PolicyVersion,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Writes versions whose state or approvals changed (a publication also retires the version
    /// it replaces), only if each is still in the state given beside it; false (nothing written)
    /// when another writer got there first.
    async fn update_policy_versions(
        &self,
        changes: &[(PolicyVersion, VersionState)],
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Records an acknowledgment; `Duplicate("acknowledgment")` when that person already
    /// acknowledged that version.
    async fn insert_acknowledgment(
        &self,
        ack: &Acknowledgment,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// A policy's acknowledgments, oldest first.
    async fn acknowledgments(
        &self,
        tenant: TenantId,
        id: PolicyId,
    ) -> StoreResult<Vec<Acknowledgment>>;
    /// The tenant's risk matrix and appetite, once set.
    async fn risk_settings(&self, tenant: TenantId) -> StoreResult<Option<RiskSettings>>;
    /// Sets them.
    async fn put_risk_settings(
        &self,
        tenant: TenantId,
        settings: &RiskSettings,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Adds a risk with its first score point; `Duplicate("risk reference")` when the
    /// reference is taken.
    async fn insert_risk(
        &self,
        risk: &Risk,
        point: &ScorePoint,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces a risk if it is still at `expected_version`, adding a score point; false
    /// (nothing written) otherwise.
    async fn update_risk(
        &self,
        risk: &Risk,
        expected_version: u32,
        point: &ScorePoint,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's risks, by reference.
    async fn list_risks(&self, tenant: TenantId) -> StoreResult<Vec<Risk>>;
    /// One risk.
    async fn risk(&self, tenant: TenantId, id: RiskId) -> StoreResult<Option<Risk>>;
    /// A risk's score points, oldest first.
    async fn risk_history(&self, tenant: TenantId, id: RiskId) -> StoreResult<Vec<ScorePoint>>;
    /// Adds an exception; `Duplicate("exception reference")` when the reference is taken.
    async fn insert_exception(&self, exception: &Exception, event: &AuditRecord)
    -> StoreResult<()>;
    /// Replaces an exception if it is still in `expected`; false (nothing written) otherwise.
    async fn update_exception(
        &self,
        exception: &Exception,
        expected: ExceptionState,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A tenant's exceptions, newest first.
    async fn list_exceptions(&self, tenant: TenantId) -> StoreResult<Vec<Exception>>;
    /// One exception.
    async fn exception(&self, tenant: TenantId, id: ExceptionId) -> StoreResult<Option<Exception>>;
    /// Adds a vendor; `Duplicate("vendor reference")` when the reference is taken.
    async fn insert_vendor(&self, vendor: &Vendor, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces a vendor.
    async fn update_vendor(&self, vendor: &Vendor, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's vendors, by reference.
    async fn list_vendors(&self, tenant: TenantId) -> StoreResult<Vec<Vendor>>;
    /// One vendor.
    async fn vendor(&self, tenant: TenantId, id: VendorId) -> StoreResult<Option<Vendor>>;
    /// Adds an assessment with the hash of its respondent token.
    async fn insert_vendor_assessment(
        &self,
        a: &Assessment,
        token_hash: &str,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces an assessment if it is still in `expected` (and, in the same transaction, the
    /// vendor when given); false (nothing written) otherwise.
    async fn update_vendor_assessment(
        &self,
        a: &Assessment,
        expected: AssessmentState,
        vendor: Option<&Vendor>,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// A vendor's assessments, newest first.
    async fn vendor_assessments(
        &self,
        tenant: TenantId,
        vendor: VendorId,
    ) -> StoreResult<Vec<Assessment>>;
    /// One assessment.
    async fn vendor_assessment(
        &self,
        tenant: TenantId,
        id: AssessmentId,
    ) -> StoreResult<Option<Assessment>>;
    /// The assessment a respondent token opens, in any tenant (the token is the credential).
    async fn vendor_assessment_by_token(&self, token_hash: &str)
    -> StoreResult<Option<Assessment>>;
    /// Keeps a file a respondent uploaded (replacing an earlier one for the question).
    async fn put_vendor_file(
        &self,
        tenant: TenantId,
        a: AssessmentId,
        question: &str,
        name: &str,
        bytes: &[u8],
    ) -> StoreResult<()>;
    /// A file a respondent uploaded: its name and bytes.
    async fn vendor_file(
        &self,
        tenant: TenantId,
        a: AssessmentId,
        question: &str,
    ) -> StoreResult<Option<(String, Vec<u8>)>>;
    /// Adds a version of a tenant's questionnaire template;
    /// `Duplicate("questionnaire template version")` when that version exists.
    async fn insert_questionnaire_template(
        &self,
        tenant: TenantId,
        t: &TenantTemplate,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// The tenant's questionnaire templates in force (the latest version of each key not
    /// removed), by key.
    async fn questionnaire_templates(&self, tenant: TenantId) -> StoreResult<Vec<TenantTemplate>>;
    /// The highest version ever stored under `key`, removed ones included.
    async fn questionnaire_template_last_version(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<u32>>;
    /// Marks every version of `key` removed at `at`; false when none was in force.
    async fn remove_questionnaire_template(
        &self,
        tenant: TenantId,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Adds an asset; `Duplicate("asset name")` when the name is taken.
    async fn insert_asset(&self, asset: &Asset, event: &AuditRecord) -> StoreResult<()>;
    /// Replaces an asset; `Duplicate("asset name")` when the new name is taken.
    async fn update_asset(&self, asset: &Asset, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant's assets, by reference.
    async fn list_assets(&self, tenant: TenantId) -> StoreResult<Vec<Asset>>;
    /// One asset.
    async fn asset(&self, tenant: TenantId, id: AssetId) -> StoreResult<Option<Asset>>;
    /// Writes a training assignment (insert or replace).
    async fn put_training(&self, t: &Training, event: &AuditRecord) -> StoreResult<()>;
    /// A policy's training assignments, oldest first.
    async fn trainings(&self, tenant: TenantId, policy: PolicyId) -> StoreResult<Vec<Training>>;
    /// One training assignment.
    async fn training(&self, tenant: TenantId, id: TrainingId) -> StoreResult<Option<Training>>;
    /// Writes a violation (insert or replace).
    async fn put_violation(&self, v: &Violation, event: &AuditRecord) -> StoreResult<()>;
    /// A policy's violations, newest first.
    async fn violations(&self, tenant: TenantId, policy: PolicyId) -> StoreResult<Vec<Violation>>;
    /// One violation.
    async fn violation(&self, tenant: TenantId, id: ViolationId) -> StoreResult<Option<Violation>>;
}
