//! The SQL of the assurance store port (evidence, freezes, compliance assessments, control
//! tests and runs, decision policies), written once and expanded for each backend by
//! [`impl_assurance_store!`] (invoked from `impl_store!`).
//!
//! Records are JSON documents; the columns beside them are what the database must enforce
//! (unique references and keys, an item's current version and an assessment's revision for
//! compare-and-swap) or select by (due tests, run times). Evidence versions, content and
//! freezes are append-only in the schema itself (triggers).

macro_rules! impl_assurance_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod assurance_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::assurance::*;
        use probity_core::assurance::store::SealedContent;
        use probity_core::audit::AuditRecord;
        use probity_core::platform::TenantId;
        use probity_core::store::{StoreError, StoreResult};
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{big, db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn record<T: serde::de::DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
            let r: Json<T> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        async fn put_content(
            tx: &mut crate::write_tx::WriteTx<$db>,
            tenant: TenantId,
            content: Option<&SealedContent>,
        ) -> StoreResult<()> {
            if let Some(c) = content {
                // Another upload of the same bytes may have landed first: the address is the
                // content, so keeping the first copy is right.
                sqlx::query(
                    "INSERT INTO evidence_content (tenant_id, sha256, size, ciphertext) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (tenant_id, sha256) DO NOTHING",
                )
                .bind(tenant.0)
                .bind(&c.sha256)
                .bind(big(c.size)?)
                .bind(&c.ciphertext)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
            }
            Ok(())
        }

        async fn put_version(
            tx: &mut crate::write_tx::WriteTx<$db>,
            v: &EvidenceVersion,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO evidence_versions (evidence_id, number, tenant_id, sha256, record) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(v.evidence_id.0)
            .bind(i64::from(v.number))
            .bind(v.tenant_id.0)
            .bind(&v.sha256)
            .bind(Json(v))
            .execute(&mut **tx)
            .await
            .map_err(map_err("evidence version"))?;
            Ok(())
        }

        /// Replaces a control test's record and the columns due runs are selected by.
        async fn put_test(tx: &mut crate::write_tx::WriteTx<$db>, t: &ControlTest) -> StoreResult<()> {
            sqlx::query(
                "UPDATE control_tests SET enabled = $1, next_run_at = $2, record = $3 WHERE tenant_id = $4 AND id = $5",
            )
            .bind(t.enabled)
            .bind(t.next_run_at)
            .bind(Json(t))
            .bind(t.tenant_id.0)
            .bind(t.id.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            Ok(())
        }

        #[async_trait]
        impl AssuranceStore for $store {
            async fn has_evidence_content(&self, tenant: TenantId, sha256: &str) -> StoreResult<bool> {
                let found = sqlx::query("SELECT 1 AS one FROM evidence_content WHERE tenant_id = $1 AND sha256 = $2")
                    .bind(tenant.0)
                    .bind(sha256)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(found.is_some())
            }

            async fn insert_evidence(
                &self,
                item: &EvidenceItem,
                version: &EvidenceVersion,
                content: Option<&SealedContent>,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO evidence_items (id, tenant_id, reference, current, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(item.id.0)
                .bind(item.tenant_id.0)
                .bind(&item.reference)
                .bind(i64::from(item.current_version))
                .bind(Json(item))
                .execute(&mut *tx)
                .await
                .map_err(map_err("evidence reference"))?;
                put_content(&mut tx, item.tenant_id, content).await?;
                put_version(&mut tx, version).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn insert_evidence_version(
                &self,
                item: &EvidenceItem,
                version: &EvidenceVersion,
                content: Option<&SealedContent>,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE evidence_items SET current = $1, record = $2 WHERE tenant_id = $3 AND id = $4 AND current = $5",
                )
                .bind(i64::from(item.current_version))
                .bind(Json(item))
                .bind(item.tenant_id.0)
                .bind(item.id.0)
                .bind(i64::from(version.number.saturating_sub(1)))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                put_content(&mut tx, item.tenant_id, content).await?;
                put_version(&mut tx, version).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn update_evidence(&self, item: &EvidenceItem, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE evidence_items SET record = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(Json(item))
                    .bind(item.tenant_id.0)
                    .bind(item.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_evidence(&self, tenant: TenantId) -> StoreResult<Vec<EvidenceItem>> {
                let found = sqlx::query("SELECT record FROM evidence_items WHERE tenant_id = $1 ORDER BY reference")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn evidence(&self, tenant: TenantId, id: EvidenceId) -> StoreResult<Option<EvidenceItem>> {
                let found = sqlx::query("SELECT record FROM evidence_items WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn evidence_versions(&self, tenant: TenantId, id: EvidenceId) -> StoreResult<Vec<EvidenceVersion>> {
                let found = sqlx::query(
                    "SELECT record FROM evidence_versions WHERE tenant_id = $1 AND evidence_id = $2 ORDER BY number",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn all_evidence_versions(&self, tenant: TenantId) -> StoreResult<Vec<EvidenceVersion>> {
                let found = sqlx::query(
                    "SELECT record FROM evidence_versions WHERE tenant_id = $1 ORDER BY evidence_id, number",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn evidence_content(&self, tenant: TenantId, sha256: &str) -> StoreResult<Option<SealedContent>> {
                let found = sqlx::query(
                    "SELECT sha256, size, ciphertext FROM evidence_content WHERE tenant_id = $1 AND sha256 = $2",
                )
                .bind(tenant.0)
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                let Some(row) = found else { return Ok(None) };
                let size: i64 = row.try_get("size").map_err(db)?;
                Ok(Some(SealedContent {
                    sha256: row.try_get("sha256").map_err(db)?,
                    size: u64::try_from(size).map_err(|_| StoreError::Internal("negative size".into()))?,
                    ciphertext: row.try_get("ciphertext").map_err(db)?,
                }))
            }

            async fn insert_freeze(&self, f: &EvidenceFreeze, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO evidence_freezes (id, tenant_id, frozen_at, record) VALUES ($1, $2, $3, $4)")
                    .bind(f.id.0)
                    .bind(f.tenant_id.0)
                    .bind(f.frozen_at)
                    .bind(Json(f))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("evidence freeze"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_freezes(&self, tenant: TenantId) -> StoreResult<Vec<EvidenceFreeze>> {
                let found = sqlx::query(
                    "SELECT record FROM evidence_freezes WHERE tenant_id = $1 ORDER BY frozen_at DESC, id DESC",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn freeze(&self, tenant: TenantId, id: FreezeId) -> StoreResult<Option<EvidenceFreeze>> {
                let found = sqlx::query("SELECT record FROM evidence_freezes WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn insert_assessment(&self, a: &ComplianceAssessment, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO compliance_assessments (id, tenant_id, reference, version, revision, created_at, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(a.id.0)
                .bind(a.tenant_id.0)
                .bind(&a.reference)
                .bind(i64::from(a.version))
                .bind(big(a.revision)?)
                .bind(a.created_at)
                .bind(Json(a))
                .execute(&mut *tx)
                .await
                .map_err(map_err("assessment version"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_assessment(
                &self,
                a: &ComplianceAssessment,
                expected: u64,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE compliance_assessments SET revision = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND revision = $5",
                )
                .bind(big(a.revision)?)
                .bind(Json(a))
                .bind(a.tenant_id.0)
                .bind(a.id.0)
                .bind(big(expected)?)
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

            async fn list_assessments(&self, tenant: TenantId) -> StoreResult<Vec<ComplianceAssessment>> {
                let found = sqlx::query(
                    "SELECT record FROM compliance_assessments WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn assessment(
                &self,
                tenant: TenantId,
                id: ComplianceAssessmentId,
            ) -> StoreResult<Option<ComplianceAssessment>> {
                let found = sqlx::query("SELECT record FROM compliance_assessments WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn insert_control_test(&self, t: &ControlTest, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO control_tests (id, tenant_id, key, enabled, next_run_at, record) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(t.id.0)
                .bind(t.tenant_id.0)
                .bind(&t.key)
                .bind(t.enabled)
                .bind(t.next_run_at)
                .bind(Json(t))
                .execute(&mut *tx)
                .await
                .map_err(map_err("control test key"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_control_test(&self, t: &ControlTest, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                put_test(&mut tx, t).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_control_tests(&self, tenant: TenantId) -> StoreResult<Vec<ControlTest>> {
                let found = sqlx::query("SELECT record FROM control_tests WHERE tenant_id = $1 ORDER BY key")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn control_test(&self, tenant: TenantId, id: ControlTestId) -> StoreResult<Option<ControlTest>> {
                let found = sqlx::query("SELECT record FROM control_tests WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn due_control_tests(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<ControlTest>> {
                let found = sqlx::query(
                    "SELECT record FROM control_tests WHERE enabled = $1 AND next_run_at IS NOT NULL AND next_run_at <= $2 \
                     ORDER BY next_run_at LIMIT $3",
                )
                .bind(true)
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn claim_control_test(
                &self,
                tenant: TenantId,
                id: ControlTestId,
                expected: DateTime<Utc>,
                next: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let mut wtx = self.write_one().await?;
                let done = sqlx::query(
                    "UPDATE control_tests SET next_run_at = $1 WHERE tenant_id = $2 AND id = $3 AND next_run_at = $4",
                )
                .bind(next)
                .bind(tenant.0)
                .bind(id.0)
                .bind(expected)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_test_run(&self, run: &TestRun, t: &ControlTest, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO control_test_runs (id, test_id, tenant_id, started_at, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(run.id.0)
                .bind(run.test_id.0)
                .bind(run.tenant_id.0)
                .bind(run.started_at)
                .bind(Json(run))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                put_test(&mut tx, t).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn test_runs(&self, tenant: TenantId, test: ControlTestId, limit: u32) -> StoreResult<Vec<TestRun>> {
                let found = sqlx::query(
                    "SELECT record FROM control_test_runs WHERE tenant_id = $1 AND test_id = $2 \
                     ORDER BY started_at DESC, id DESC LIMIT $3",
                )
                .bind(tenant.0)
                .bind(test.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn put_decision_policy(&self, p: &DecisionPolicy, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO decision_policies (tenant_id, key, record) VALUES ($1, $2, $3) \
                     ON CONFLICT (tenant_id, key) DO UPDATE SET record = excluded.record",
                )
                .bind(p.tenant_id.0)
                .bind(&p.key)
                .bind(Json(p))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_decision_policies(&self, tenant: TenantId) -> StoreResult<Vec<DecisionPolicy>> {
                let found = sqlx::query("SELECT record FROM decision_policies WHERE tenant_id = $1 ORDER BY key")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn decision_policy(&self, tenant: TenantId, key: &str) -> StoreResult<Option<DecisionPolicy>> {
                let found = sqlx::query("SELECT record FROM decision_policies WHERE tenant_id = $1 AND key = $2")
                    .bind(tenant.0)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }
        }
        }
    };
}

pub(crate) use impl_assurance_store;
