//! The SQL of the calendar store port (feeds), written once and expanded for each backend by
//! [`impl_calendar_store!`] (invoked from `impl_store!`).

macro_rules! impl_calendar_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod calendar_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::AuditRecord;
        use probity_core::calendar::{CalendarFeed, CalendarFeedId, CalendarStore};
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn feed(row: &DbRow) -> StoreResult<CalendarFeed> {
            let mut f: Json<CalendarFeed> = row.try_get("record").map_err(db)?;
            f.0.revoked_at = row.try_get("revoked_at").map_err(db)?;
            Ok(f.0)
        }

        #[async_trait]
        impl CalendarStore for $store {
            async fn insert_calendar_feed(
                &self,
                f: &CalendarFeed,
                token_hash: &str,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO calendar_feeds (id, tenant_id, owner_id, token_hash, created_at, revoked_at, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(f.id.0)
                .bind(f.tenant_id.0)
                .bind(&f.owner.id)
                .bind(token_hash)
                .bind(f.created_at)
                .bind(f.revoked_at)
                .bind(Json(f))
                .execute(&mut *tx)
                .await
                .map_err(map_err("calendar feed"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_calendar_feeds(
                &self,
                tenant: TenantId,
                owner: Option<&str>,
            ) -> StoreResult<Vec<CalendarFeed>> {
                let rows = sqlx::query(
                    "SELECT record, revoked_at FROM calendar_feeds \
                     WHERE tenant_id = $1 AND ($2 IS NULL OR owner_id = $2) ORDER BY id DESC",
                )
                .bind(tenant.0)
                .bind(owner)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(feed).collect()
            }

            async fn calendar_feed_by_token(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<CalendarFeed>> {
                let row = sqlx::query(
                    "SELECT record, revoked_at FROM calendar_feeds WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(feed).transpose()
            }

            async fn revoke_calendar_feed(
                &self,
                tenant: TenantId,
                id: CalendarFeedId,
                owner: Option<&str>,
                at: DateTime<Utc>,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE calendar_feeds SET revoked_at = $1 \
                     WHERE tenant_id = $2 AND id = $3 AND ($4 IS NULL OR owner_id = $4) AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(tenant.0)
                .bind(id.0)
                .bind(owner)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected()
                    == 1;
                if !done {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }
        }
        }
    };
}

pub(crate) use impl_calendar_store;
