//! The SQL of the detection store port (rules, the evaluation cursor, alerts), written once
//! and expanded for each backend by [`impl_detection_store!`] (invoked from `impl_store!`).
//!
//! `record_detections` moves the cursor with a compare-and-swap (an insert when it is still
//! at 0) and stores the alerts and their audit records in the same transaction, so a range of
//! events is evaluated once however many nodes try.

macro_rules! impl_detection_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod detection_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::AuditRecord;
        use probity_core::audit::alerts::DetectionStore;
        use probity_core::audit::detect::*;
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{big, db, map_err};
        use crate::internal;

        type DbRow = <$db as sqlx::Database>::Row;

        fn rule(row: &DbRow) -> StoreResult<DetectionRule> {
            let r: Json<DetectionRule> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        fn alert(row: &DbRow) -> StoreResult<Alert> {
            let r: Json<Alert> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        #[async_trait]
        impl DetectionStore for $store {
            async fn insert_detection_rule(&self, r: &DetectionRule, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO detection_rules (id, tenant_id, name, version, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(&r.name)
                .bind(i64::from(r.version))
                .bind(Json(r))
                .execute(&mut *tx)
                .await
                .map_err(map_err("detection rule"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_detection_rule(&self, r: &DetectionRule, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE detection_rules SET name = $1, version = $2, record = $3 \
                     WHERE tenant_id = $4 AND id = $5 AND version = $6",
                )
                .bind(&r.name)
                .bind(i64::from(r.version))
                .bind(Json(r))
                .bind(r.tenant_id.0)
                .bind(r.id.0)
                .bind(i64::from(r.version) - 1)
                .execute(&mut *tx)
                .await
                .map_err(map_err("detection rule"))?
                .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn delete_detection_rule(&self, tenant: TenantId, id: DetectionRuleId, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM detection_rules WHERE tenant_id = $1 AND id = $2")
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

            async fn detection_rules(&self, tenant: TenantId) -> StoreResult<Vec<DetectionRule>> {
                let rows = sqlx::query("SELECT record FROM detection_rules WHERE tenant_id = $1 ORDER BY name")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(rule).collect()
            }

            async fn detection_rule(&self, tenant: TenantId, id: DetectionRuleId) -> StoreResult<Option<DetectionRule>> {
                let row = sqlx::query("SELECT record FROM detection_rules WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(rule).transpose()
            }

            async fn detection_cursor(&self, tenant: TenantId) -> StoreResult<u64> {
                let row = sqlx::query("SELECT next_index FROM detection_cursor WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                match row {
                    Some(r) => {
                        let n: i64 = r.try_get("next_index").map_err(db)?;
                        u64::try_from(n).map_err(internal)
                    }
                    None => Ok(0),
                }
            }

            async fn record_detections(
                &self,
                tenant: TenantId,
                from: u64,
                to: u64,
                alerts: &[Alert],
                events: &[AuditRecord],
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let moved = if from == 0 {
                    sqlx::query(
                        "INSERT INTO detection_cursor (tenant_id, next_index) VALUES ($1, $2) \
                         ON CONFLICT (tenant_id) DO NOTHING",
                    )
                    .bind(tenant.0)
                    .bind(big(to)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected()
                } else {
                    sqlx::query(
                        "UPDATE detection_cursor SET next_index = $1 WHERE tenant_id = $2 AND next_index = $3",
                    )
                    .bind(big(to)?)
                    .bind(tenant.0)
                    .bind(big(from)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected()
                };
                if moved != 1 {
                    return Ok(false);
                }
                for a in alerts {
                    sqlx::query(
                        "INSERT INTO detection_alerts (id, tenant_id, status, created_at, record) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(a.id.0)
                    .bind(a.tenant_id.0)
                    .bind(a.status.as_str())
                    .bind(a.created_at)
                    .bind(Json(a))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("alert"))?;
                }
                for e in events {
                    super::store_impl::insert_event(&mut tx, e).await?;
                }
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn alerts(&self, tenant: TenantId, status: Option<AlertStatus>, limit: u32) -> StoreResult<Vec<Alert>> {
                let rows = sqlx::query(
                    "SELECT record FROM detection_alerts WHERE tenant_id = $1 AND (status = $2 OR $3) \
                     ORDER BY created_at DESC, id DESC LIMIT $4",
                )
                .bind(tenant.0)
                .bind(status.map_or("", AlertStatus::as_str))
                .bind(status.is_none())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(alert).collect()
            }

            async fn alert(&self, tenant: TenantId, id: AlertId) -> StoreResult<Option<Alert>> {
                let row = sqlx::query("SELECT record FROM detection_alerts WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(alert).transpose()
            }

            async fn update_alert(&self, a: &Alert, from: AlertStatus, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE detection_alerts SET status = $1, record = $2 WHERE tenant_id = $3 AND id = $4 AND status = $5",
                )
                .bind(a.status.as_str())
                .bind(Json(a))
                .bind(a.tenant_id.0)
                .bind(a.id.0)
                .bind(from.as_str())
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
        }
        }
    };
}

pub(crate) use impl_detection_store;
