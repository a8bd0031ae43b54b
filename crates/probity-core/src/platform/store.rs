//! The platform store port. Every method that changes state takes the audit record of that
//! change and writes it in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::*;
use crate::audit::AuditRecord;
use crate::page::{Page, PageRequest};
use crate::store::StoreResult;

/// Tenants, users, memberships, tokens and sessions.
#[async_trait]
pub trait PlatformStore: Send + Sync {
    /// Inserts a tenant; `Duplicate("tenant slug")` when the slug is taken.
    async fn insert_tenant(&self, tenant: &Tenant, event: &AuditRecord) -> StoreResult<()>;
    /// Updates a tenant's name and settings.
    async fn update_tenant(&self, tenant: &Tenant, event: &AuditRecord) -> StoreResult<()>;
    /// A tenant by slug.
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>>;
    /// A tenant by id.
    async fn tenant_by_id(&self, id: TenantId) -> StoreResult<Option<Tenant>>;
    /// All tenants (platform administration only), oldest first.
    async fn list_tenants(&self, page: &PageRequest) -> StoreResult<Page<Tenant>>;

    /// Inserts a user; `Duplicate("user email")` when the email is taken.
    async fn insert_user(&self, user: &User, event: &AuditRecord) -> StoreResult<()>;
    /// Saves a user's security state (password, lockout counters, TOTP, recovery codes).
    async fn update_user(&self, user: &User, event: Option<&AuditRecord>) -> StoreResult<()>;
    /// A user by normalised email.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;

    /// Creates or changes a membership.
    async fn upsert_membership(&self, m: &Membership, event: &AuditRecord) -> StoreResult<()>;
    /// Removes a membership; false when there was none.
    async fn delete_membership(
        &self,
        tenant: TenantId,
        user: UserId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// One membership.
    async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>>;
    /// Members of a tenant, ordered by user id.
    async fn list_members(&self, tenant: TenantId, page: &PageRequest)
    -> StoreResult<Page<Member>>;
    /// The tenants a user belongs to, with the role in each.
    async fn tenants_of_user(&self, user: UserId) -> StoreResult<Vec<(Tenant, Role)>>;
    /// How many owners a tenant has (the last owner cannot be removed).
    async fn count_owners(&self, tenant: TenantId) -> StoreResult<i64>;

    /// Inserts an API token record.
    async fn insert_api_token(&self, token: &ApiToken, event: &AuditRecord) -> StoreResult<()>;
    /// A token by its public lookup id (any tenant: used to authenticate).
    async fn api_token_by_lookup(&self, lookup: &str) -> StoreResult<Option<ApiToken>>;
    /// A token of a tenant.
    async fn api_token(&self, tenant: TenantId, id: TokenId) -> StoreResult<Option<ApiToken>>;
    /// Tokens of a tenant, ordered by id.
    async fn list_api_tokens(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<ApiToken>>;
    /// Marks a token revoked; false when it does not exist in the tenant or was already revoked.
    async fn revoke_api_token(
        &self,
        tenant: TenantId,
        id: TokenId,
        at: DateTime<Utc>,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Records a successful use.
    async fn touch_api_token(&self, id: TokenId, at: DateTime<Utc>) -> StoreResult<()>;

    /// Stores a new session.
    async fn insert_session(&self, session: &Session, event: &AuditRecord) -> StoreResult<()>;
    /// A session by the hash of its id.
    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<Session>>;
    /// Ends a session.
    async fn delete_session(&self, id_hash: &str, event: Option<&AuditRecord>) -> StoreResult<()>;
    /// Deletes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}
