//! The SQL of the SIEM forwarder store port, written once and expanded for each backend by
//! [`impl_forwarder_store!`] (invoked from `impl_store!`).
//!
//! The lease is a conditional update (free, expired, or already ours); the cursor moves only
//! when the row is still at the expected index *and* leased to the caller, so two nodes never
//! both record the same range as delivered.

macro_rules! impl_forwarder_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod forwarder_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::AuditRecord;
        use probity_core::audit::forward::*;
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{big, db, map_err};
        use crate::internal;

        type DbRow = <$db as sqlx::Database>::Row;

        fn stored(row: &DbRow) -> StoreResult<StoredForwarder> {
            let record: Json<Forwarder> = row.try_get("record").map_err(db)?;
            let next: i64 = row.try_get("next_index").map_err(db)?;
            let progress: Json<ForwardProgress> = row.try_get("progress").map_err(db)?;
            Ok(StoredForwarder {
                forwarder: record.0,
                next_index: u64::try_from(next).map_err(internal)?,
                progress: progress.0,
            })
        }

        #[async_trait]
        impl ForwarderStore for $store {
            async fn insert_forwarder(&self, f: &Forwarder, next_index: u64, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO audit_forwarders (id, tenant_id, name, version, enabled, record, next_index, progress) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(f.id.0)
                .bind(f.tenant_id.0)
                .bind(&f.name)
                .bind(i64::from(f.version))
                .bind(f.enabled)
                .bind(Json(f))
                .bind(big(next_index)?)
                .bind(Json(ForwardProgress::default()))
                .execute(&mut *tx)
                .await
                .map_err(map_err("forwarder"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_forwarder(&self, f: &Forwarder, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE audit_forwarders SET name = $1, version = $2, enabled = $3, record = $4 \
                     WHERE tenant_id = $5 AND id = $6 AND version = $7",
                )
                .bind(&f.name)
                .bind(i64::from(f.version))
                .bind(f.enabled)
                .bind(Json(f))
                .bind(f.tenant_id.0)
                .bind(f.id.0)
                .bind(i64::from(f.version) - 1)
                .execute(&mut *tx)
                .await
                .map_err(map_err("forwarder"))?
                .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn delete_forwarder(&self, tenant: TenantId, id: ForwarderId, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM audit_forwarders WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn forwarders(&self, tenant: TenantId) -> StoreResult<Vec<StoredForwarder>> {
                let rows = sqlx::query(
                    "SELECT record, next_index, progress FROM audit_forwarders WHERE tenant_id = $1 ORDER BY name",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(stored).collect()
            }

            async fn forwarder(&self, tenant: TenantId, id: ForwarderId) -> StoreResult<Option<StoredForwarder>> {
                let row = sqlx::query(
                    "SELECT record, next_index, progress FROM audit_forwarders WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(stored).transpose()
            }

            async fn enabled_forwarders(&self) -> StoreResult<Vec<StoredForwarder>> {
                let rows = sqlx::query(
                    "SELECT record, next_index, progress FROM audit_forwarders WHERE enabled = $1 ORDER BY tenant_id, name",
                )
                .bind(true)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(stored).collect()
            }

            async fn lease_forwarder(
                &self,
                id: ForwarderId,
                owner: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let mut wtx = self.write_one().await?;
                let done = sqlx::query(
                    "UPDATE audit_forwarders SET lease_owner = $1, lease_until = $2 \
                     WHERE id = $3 AND (lease_owner IS NULL OR lease_owner = $4 OR lease_until <= $5)",
                )
                .bind(owner)
                .bind(until.timestamp_millis())
                .bind(id.0)
                .bind(owner)
                .bind(now.timestamp_millis())
                .execute(&mut *wtx)
                .await
                .map_err(db)?
                .rows_affected();
                wtx.commit().await.map_err(db)?;
                Ok(done == 1)
            }

            async fn advance_forwarder(
                &self,
                id: ForwarderId,
                owner: &str,
                from: u64,
                to: u64,
                progress: &ForwardProgress,
            ) -> StoreResult<bool> {
                let mut wtx = self.write_one().await?;
                let done = sqlx::query(
                    "UPDATE audit_forwarders SET next_index = $1, progress = $2 \
                     WHERE id = $3 AND next_index = $4 AND lease_owner = $5",
                )
                .bind(big(to)?)
                .bind(Json(progress))
                .bind(id.0)
                .bind(big(from)?)
                .bind(owner)
                .execute(&mut *wtx)
                .await
                .map_err(db)?
                .rows_affected();
                wtx.commit().await.map_err(db)?;
                Ok(done == 1)
            }

            async fn release_forwarder(&self, id: ForwarderId, owner: &str) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "UPDATE audit_forwarders SET lease_owner = NULL, lease_until = 0 \
                     WHERE id = $1 AND lease_owner = $2",
                )
                .bind(id.0)
                .bind(owner)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn note_forwarder_failure(
                &self,
                id: ForwarderId,
                owner: &str,
                progress: &ForwardProgress,
            ) -> StoreResult<bool> {
                let mut wtx = self.write_one().await?;
                let done = sqlx::query(
                    "UPDATE audit_forwarders SET progress = $1, lease_owner = NULL, lease_until = 0 \
                     WHERE id = $2 AND lease_owner = $3",
                )
                .bind(Json(progress))
                .bind(id.0)
                .bind(owner)
                .execute(&mut *wtx)
                .await
                .map_err(db)?
                .rows_affected();
                wtx.commit().await.map_err(db)?;
                Ok(done == 1)
            }
        }
        }
    };
}

pub(crate) use impl_forwarder_store;
