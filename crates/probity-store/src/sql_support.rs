//! The SQL of the support store port (tickets and the support configuration), written once
//! and expanded for each backend by [`impl_support_store!`] (invoked from `impl_store!`).

macro_rules! impl_support_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod support_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::AuditRecord;
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use probity_core::support::{SupportConfig, SupportStore, Ticket, TicketId};
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn record<T: serde::de::DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
            let r: Json<T> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        #[async_trait]
        impl SupportStore for $store {
            async fn insert_support_ticket(&self, t: &Ticket, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO support_tickets (id, tenant_id, reference, status, created_at, version, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.id.0)
                .bind(t.tenant_id.0)
                .bind(&t.reference)
                .bind(t.status.as_str())
                .bind(t.created_at)
                .bind(i64::from(t.version))
                .bind(Json(t))
                .execute(&mut *tx)
                .await
                .map_err(map_err("support ticket reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_support_ticket(
                &self,
                t: &Ticket,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE support_tickets SET status = $1, version = $2, record = $3 \
                     WHERE tenant_id = $4 AND id = $5 AND version = $6",
                )
                .bind(t.status.as_str())
                .bind(i64::from(t.version))
                .bind(Json(t))
                .bind(t.tenant_id.0)
                .bind(t.id.0)
                .bind(i64::from(expected_version))
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

            async fn list_support_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>> {
                let rows = sqlx::query(
                    "SELECT record FROM support_tickets WHERE tenant_id = $1 ORDER BY created_at, reference",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn support_ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>> {
                let row = sqlx::query("SELECT record FROM support_tickets WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn active_support_tickets(&self) -> StoreResult<Vec<Ticket>> {
                let rows = sqlx::query(
                    "SELECT record FROM support_tickets WHERE status NOT IN ('solved', 'closed') \
                     ORDER BY created_at, reference",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn support_config(&self, tenant: TenantId) -> StoreResult<Option<SupportConfig>> {
                let row = sqlx::query("SELECT record FROM support_config WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn put_support_config(
                &self,
                tenant: TenantId,
                config: &SupportConfig,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = if expected_version == 0 {
                    sqlx::query(
                        "INSERT INTO support_config (tenant_id, version, record) VALUES ($1, $2, $3) \
                         ON CONFLICT (tenant_id) DO NOTHING",
                    )
                    .bind(tenant.0)
                    .bind(i64::from(config.version))
                    .bind(Json(config))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                } else {
                    sqlx::query(
                        "UPDATE support_config SET version = $1, record = $2 \
                         WHERE tenant_id = $3 AND version = $4",
                    )
                    .bind(i64::from(config.version))
                    .bind(Json(config))
                    .bind(tenant.0)
                    .bind(i64::from(expected_version))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                }
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

pub(crate) use impl_support_store;
