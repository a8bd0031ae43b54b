//! The governance store port: policies, versions and acknowledgments, each write with its audit
//! record in one transaction.

use async_trait::async_trait;

use super::model::*;
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
}
