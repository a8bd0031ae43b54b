//! The SQL of the retention store port (policies, legal holds, erasure), written once and
//! expanded for each backend by [`impl_retention_store!`] (invoked beside the audit index,
//! whose full-text cleanup statement it shares).
//!
//! Erasing an entry drops its payload and salt and stamps `erased_at`, deletes its search
//! row (and, on SQLite, its FTS row) and records the tombstone event, all in one
//! transaction: either the payload is gone, unsearchable and accounted for, or nothing
//! changed.

macro_rules! impl_retention_store {
    (db = $db:ty, store = $store:ident, delete_text = $delete_text:literal $(,)?) => {
        mod retention_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::AuditRecord;
        use probity_core::audit::index::{AuditIndexStore, EventFilter, IndexedEvent};
        use probity_core::audit::retention::*;
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{big, db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn hold(row: &DbRow) -> StoreResult<LegalHold> {
            let r: Json<LegalHold> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        #[async_trait]
        impl RetentionStore for $store {
            async fn retention_policy(&self, tenant: TenantId) -> StoreResult<Option<RetentionPolicy>> {
                let row = sqlx::query("SELECT record FROM audit_retention_policies WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|r| {
                    let p: Json<RetentionPolicy> = r.try_get("record").map_err(db)?;
                    Ok(p.0)
                })
                .transpose()
            }

            async fn save_retention_policy(
                &self,
                policy: &RetentionPolicy,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let version = i64::from(policy.version);
                let done = if policy.version <= 1 {
                    sqlx::query(
                        "INSERT INTO audit_retention_policies (tenant_id, version, record) VALUES ($1, $2, $3) \
                         ON CONFLICT (tenant_id) DO NOTHING",
                    )
                    .bind(policy.tenant_id.0)
                    .bind(version)
                    .bind(Json(policy))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("retention policy"))?
                    .rows_affected()
                } else {
                    sqlx::query(
                        "UPDATE audit_retention_policies SET version = $1, record = $2 \
                         WHERE tenant_id = $3 AND version = $4",
                    )
                    .bind(version)
                    .bind(Json(policy))
                    .bind(policy.tenant_id.0)
                    .bind(version - 1)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected()
                };
                if done != 1 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn insert_legal_hold(&self, h: &LegalHold, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO legal_holds (id, tenant_id, active, created_at, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(h.id.0)
                .bind(h.tenant_id.0)
                .bind(h.active())
                .bind(h.created_at)
                .bind(Json(h))
                .execute(&mut *tx)
                .await
                .map_err(map_err("legal hold"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn release_legal_hold(&self, h: &LegalHold, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE legal_holds SET active = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND active = $5",
                )
                .bind(false)
                .bind(Json(h))
                .bind(h.tenant_id.0)
                .bind(h.id.0)
                .bind(true)
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

            async fn legal_hold(&self, tenant: TenantId, id: LegalHoldId) -> StoreResult<Option<LegalHold>> {
                let row = sqlx::query("SELECT record FROM legal_holds WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(hold).transpose()
            }

            async fn legal_holds(&self, tenant: TenantId, active_only: bool) -> StoreResult<Vec<LegalHold>> {
                let rows = sqlx::query(
                    "SELECT record FROM legal_holds WHERE tenant_id = $1 AND (active = $2 OR $3) \
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(tenant.0)
                .bind(true)
                .bind(!active_only)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(hold).collect()
            }

            async fn retention_candidates(
                &self,
                tenant: TenantId,
                before: DateTime<Utc>,
                after: Option<u64>,
                limit: u32,
            ) -> StoreResult<Vec<IndexedEvent>> {
                let filter = EventFilter {
                    to: Some(before),
                    ..EventFilter::default()
                };
                let from = after.map_or(0, |a| a.saturating_add(1));
                self.events_since(tenant, &filter, from, limit).await
            }

            async fn erase_entries(
                &self,
                tenant: TenantId,
                indexes: &[u64],
                at: DateTime<Utc>,
                event: &AuditRecord,
            ) -> StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                let mut erased = 0;
                for &seq in indexes {
                    let seq = big(seq)?;
                    erased += sqlx::query(
                        "UPDATE ledger_payloads SET payload = NULL, salt = NULL, erased_at = $1 \
                         WHERE tenant_id = $2 AND seq = $3 AND erased_at IS NULL",
                    )
                    .bind(at)
                    .bind(tenant.0)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected();
                    let gone = sqlx::query(
                        "DELETE FROM audit_index WHERE tenant_id = $1 AND seq = $2 RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(seq)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                    if let (Some(row), false) = (gone, $delete_text.is_empty()) {
                        let id: i64 = row.try_get("id").map_err(db)?;
                        sqlx::query($delete_text)
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db)?;
                    }
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(erased)
            }
        }
        }
    };
}

pub(crate) use impl_retention_store;
