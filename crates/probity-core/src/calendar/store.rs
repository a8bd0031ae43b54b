//! The calendar store port: feeds, looked up by the SHA-256 of their token. Creating and
//! revoking a feed carries its audit record into the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{CalendarFeed, CalendarFeedId};
use crate::audit::AuditRecord;
use crate::platform::model::TenantId;
use crate::store::StoreResult;

/// Calendar feed records.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Adds a feed with the hash of its token; `Duplicate("calendar feed")` when the hash is
    /// taken.
    async fn insert_calendar_feed(
        &self,
        feed: &CalendarFeed,
        token_hash: &str,
        event: &AuditRecord,
    ) -> StoreResult<()>;

    /// A tenant's feeds, revoked ones included, newest first; only `owner`'s (a party id)
    /// when given.
    async fn list_calendar_feeds(
        &self,
        tenant: TenantId,
        owner: Option<&str>,
    ) -> StoreResult<Vec<CalendarFeed>>;

    /// The feed whose token hashes to `token_hash`, in any tenant (the token is the only
    /// credential of a feed read).
    async fn calendar_feed_by_token(&self, token_hash: &str) -> StoreResult<Option<CalendarFeed>>;

    /// Revokes a feed of the tenant that is not revoked yet (only `owner`'s when given);
    /// false when there is none.
    async fn revoke_calendar_feed(
        &self,
        tenant: TenantId,
        id: CalendarFeedId,
        owner: Option<&str>,
        at: DateTime<Utc>,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
}
