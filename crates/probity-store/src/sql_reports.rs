//! The SQL of the report store port (the report history and report schedules), written once
//! and expanded for each backend by [`impl_report_store!`] (invoked from `impl_store!`).

macro_rules! impl_report_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod report_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::AuditRecord;
        use probity_core::platform::TenantId;
        use probity_core::reports::{ReportId, ReportRecord, ReportSchedule, ReportScheduleId, ReportStore};
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn record<T: serde::de::DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
            let r: Json<T> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        #[async_trait]
        impl ReportStore for $store {
            async fn insert_report(
                &self,
                report: &ReportRecord,
                sealed: &[u8],
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO reports (id, tenant_id, created_at, record, content) VALUES ($1, $2, $3, $4, $5)")
                    .bind(report.id.0)
                    .bind(report.tenant_id.0)
                    .bind(report.created_at)
                    .bind(Json(report))
                    .bind(sealed)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("report"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_reports(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<ReportRecord>> {
                let rows = sqlx::query(
                    "SELECT record FROM reports WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(tenant.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn report(&self, tenant: TenantId, id: ReportId) -> StoreResult<Option<ReportRecord>> {
                let row = sqlx::query("SELECT record FROM reports WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn report_content(&self, tenant: TenantId, id: ReportId) -> StoreResult<Option<Vec<u8>>> {
                let row = sqlx::query("SELECT content FROM reports WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|r| r.try_get::<Vec<u8>, _>("content").map_err(db))
                    .transpose()
            }

            async fn insert_report_schedule(
                &self,
                s: &ReportSchedule,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO report_schedules (id, tenant_id, name, enabled, next_run_at, version, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(s.id.0)
                .bind(s.tenant_id.0)
                .bind(&s.name)
                .bind(s.enabled)
                .bind(s.next_run_at)
                .bind(i64::from(s.version))
                .bind(Json(s))
                .execute(&mut *tx)
                .await
                .map_err(map_err("report schedule"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_report_schedules(&self, tenant: TenantId) -> StoreResult<Vec<ReportSchedule>> {
                let rows = sqlx::query("SELECT record FROM report_schedules WHERE tenant_id = $1 ORDER BY name, id")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn report_schedule(
                &self,
                tenant: TenantId,
                id: ReportScheduleId,
            ) -> StoreResult<Option<ReportSchedule>> {
                let row = sqlx::query("SELECT record FROM report_schedules WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn update_report_schedule(
                &self,
                s: &ReportSchedule,
                event: Option<&AuditRecord>,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE report_schedules SET name = $1, enabled = $2, next_run_at = $3, version = $4, record = $5 \
                     WHERE tenant_id = $6 AND id = $7 AND version = $8",
                )
                .bind(&s.name)
                .bind(s.enabled)
                .bind(s.next_run_at)
                .bind(i64::from(s.version))
                .bind(Json(s))
                .bind(s.tenant_id.0)
                .bind(s.id.0)
                .bind(i64::from(s.version.saturating_sub(1)))
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected()
                    == 1;
                if !done {
                    return Ok(false);
                }
                if let Some(event) = event {
                    super::store_impl::insert_event(&mut tx, event).await?;
                }
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn delete_report_schedule(
                &self,
                tenant: TenantId,
                id: ReportScheduleId,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM report_schedules WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn due_report_schedules(
                &self,
                now: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<ReportSchedule>> {
                let rows = sqlx::query(
                    "SELECT record FROM report_schedules WHERE enabled AND next_run_at <= $1 \
                     ORDER BY next_run_at, id LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }
        }
        }
    };
}

pub(crate) use impl_report_store;
