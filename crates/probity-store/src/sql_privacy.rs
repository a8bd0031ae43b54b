//! The SQL of the privacy store port (data subject requests, breaches, privacy settings,
//! processing activities, DPIAs, retention schedules and their runs),
//! written once and expanded for each backend by [`impl_privacy_store!`] (invoked from
//! `impl_store!`).

macro_rules! impl_privacy_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod privacy_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::AuditRecord;
        use probity_core::platform::TenantId;
        use probity_core::privacy::{
            ActivityId, Breach, BreachId, DataSubjectRequest, PrivacySettings, PrivacyStore,
            ProcessingActivity, RequestId,
        };
        use probity_core::privacy::dpia::{Dpia, DpiaId};
        use probity_core::privacy::retention::{
            RetentionRunReport, RetentionSchedule, RetentionScheduleId,
        };
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
        impl PrivacyStore for $store {
            async fn insert_privacy_request(
                &self,
                r: &DataSubjectRequest,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_requests (id, tenant_id, reference, received_at, version, record) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(&r.reference)
                .bind(r.received_at)
                .bind(i64::from(r.version))
                .bind(Json(r))
                .execute(&mut *tx)
                .await
                .map_err(map_err("privacy request reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_privacy_request(
                &self,
                r: &DataSubjectRequest,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE privacy_requests SET version = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND version = $5",
                )
                .bind(i64::from(r.version))
                .bind(Json(r))
                .bind(r.tenant_id.0)
                .bind(r.id.0)
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

            async fn list_privacy_requests(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Vec<DataSubjectRequest>> {
                let rows = sqlx::query(
                    "SELECT record FROM privacy_requests WHERE tenant_id = $1 ORDER BY received_at, reference",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn privacy_request(
                &self,
                tenant: TenantId,
                id: RequestId,
            ) -> StoreResult<Option<DataSubjectRequest>> {
                let row = sqlx::query("SELECT record FROM privacy_requests WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn insert_breach(&self, b: &Breach, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_breaches (id, tenant_id, reference, aware_at, version, record) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(b.id.0)
                .bind(b.tenant_id.0)
                .bind(&b.reference)
                .bind(b.aware_at)
                .bind(i64::from(b.version))
                .bind(Json(b))
                .execute(&mut *tx)
                .await
                .map_err(map_err("breach reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_breach(
                &self,
                b: &Breach,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE privacy_breaches SET version = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND version = $5",
                )
                .bind(i64::from(b.version))
                .bind(Json(b))
                .bind(b.tenant_id.0)
                .bind(b.id.0)
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

            async fn list_breaches(&self, tenant: TenantId) -> StoreResult<Vec<Breach>> {
                let rows = sqlx::query(
                    "SELECT record FROM privacy_breaches WHERE tenant_id = $1 ORDER BY aware_at DESC, reference DESC",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn breach(&self, tenant: TenantId, id: BreachId) -> StoreResult<Option<Breach>> {
                let row = sqlx::query("SELECT record FROM privacy_breaches WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn insert_processing_activity(
                &self,
                a: &ProcessingActivity,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_activities (id, tenant_id, reference, name, version, record) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.id.0)
                .bind(a.tenant_id.0)
                .bind(&a.reference)
                .bind(&a.name)
                .bind(i64::from(a.version))
                .bind(Json(a))
                .execute(&mut *tx)
                .await
                .map_err(map_err("processing activity"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_processing_activity(
                &self,
                a: &ProcessingActivity,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE privacy_activities SET name = $1, version = $2, record = $3 \
                     WHERE tenant_id = $4 AND id = $5 AND version = $6",
                )
                .bind(&a.name)
                .bind(i64::from(a.version))
                .bind(Json(a))
                .bind(a.tenant_id.0)
                .bind(a.id.0)
                .bind(i64::from(expected_version))
                .execute(&mut *tx)
                .await
                .map_err(map_err("processing activity"))?
                .rows_affected()
                    == 1;
                if !done {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn list_processing_activities(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Vec<ProcessingActivity>> {
                let rows = sqlx::query(
                    "SELECT record FROM privacy_activities WHERE tenant_id = $1 ORDER BY reference",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn processing_activity(
                &self,
                tenant: TenantId,
                id: ActivityId,
            ) -> StoreResult<Option<ProcessingActivity>> {
                let row = sqlx::query("SELECT record FROM privacy_activities WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn delete_processing_activity(
                &self,
                tenant: TenantId,
                id: ActivityId,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM privacy_activities WHERE tenant_id = $1 AND id = $2")
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

            async fn insert_dpia(&self, d: &Dpia, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_dpias (id, tenant_id, reference, revision, record) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(d.id.0)
                .bind(d.tenant_id.0)
                .bind(&d.reference)
                .bind(i64::from(d.revision))
                .bind(Json(d))
                .execute(&mut *tx)
                .await
                .map_err(map_err("DPIA reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_dpia(
                &self,
                d: &Dpia,
                expected_revision: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE privacy_dpias SET revision = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND revision = $5",
                )
                .bind(i64::from(d.revision))
                .bind(Json(d))
                .bind(d.tenant_id.0)
                .bind(d.id.0)
                .bind(i64::from(expected_revision))
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

            async fn list_dpias(&self, tenant: TenantId) -> StoreResult<Vec<Dpia>> {
                let rows = sqlx::query(
                    "SELECT record FROM privacy_dpias WHERE tenant_id = $1 ORDER BY reference",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn dpia(&self, tenant: TenantId, id: DpiaId) -> StoreResult<Option<Dpia>> {
                let row = sqlx::query("SELECT record FROM privacy_dpias WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn insert_retention_schedule(
                &self,
                s: &RetentionSchedule,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_retention_schedules (id, tenant_id, reference, version, record) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(s.id.0)
                .bind(s.tenant_id.0)
                .bind(&s.reference)
                .bind(i64::from(s.version))
                .bind(Json(s))
                .execute(&mut *tx)
                .await
                .map_err(map_err("retention schedule reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_retention_schedule(
                &self,
                s: &RetentionSchedule,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE privacy_retention_schedules SET version = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND version = $5",
                )
                .bind(i64::from(s.version))
                .bind(Json(s))
                .bind(s.tenant_id.0)
                .bind(s.id.0)
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

            async fn list_retention_schedules(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Vec<RetentionSchedule>> {
                let rows = sqlx::query(
                    "SELECT record FROM privacy_retention_schedules WHERE tenant_id = $1 ORDER BY reference",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn retention_schedule(
                &self,
                tenant: TenantId,
                id: RetentionScheduleId,
            ) -> StoreResult<Option<RetentionSchedule>> {
                let row = sqlx::query(
                    "SELECT record FROM privacy_retention_schedules WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn insert_retention_run(
                &self,
                run: &RetentionRunReport,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_retention_runs (id, tenant_id, schedule_id, ran_at, record) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(run.id.0)
                .bind(run.tenant_id.0)
                .bind(run.schedule_id.0)
                .bind(run.at)
                .bind(Json(run))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_retention_runs(
                &self,
                tenant: TenantId,
                schedule: Option<RetentionScheduleId>,
                limit: u32,
            ) -> StoreResult<Vec<RetentionRunReport>> {
                let rows = sqlx::query(
                    "SELECT record FROM privacy_retention_runs \
                     WHERE tenant_id = $1 AND ($2 IS NULL OR schedule_id = $2) \
                     ORDER BY ran_at DESC, id DESC LIMIT $3",
                )
                .bind(tenant.0)
                .bind(schedule.map(|s| s.0))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn privacy_settings(&self, tenant: TenantId) -> StoreResult<Option<PrivacySettings>> {
                let row = sqlx::query("SELECT record FROM privacy_settings WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn put_privacy_settings(
                &self,
                tenant: TenantId,
                settings: &PrivacySettings,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_settings (tenant_id, record) VALUES ($1, $2) \
                     ON CONFLICT (tenant_id) DO UPDATE SET record = excluded.record",
                )
                .bind(tenant.0)
                .bind(Json(settings))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }
        }
        }
    };
}

pub(crate) use impl_privacy_store;
