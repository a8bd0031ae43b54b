//! The SQL of the governance store port (policies, versions, acknowledgments, risk settings,
//! risks and their score history, exceptions), written once and
//! expanded for each backend by [`impl_governance_store!`] (invoked from `impl_store!`).
//!
//! Records are JSON documents; the columns beside them are what the database must enforce
//! (unique keys, one acknowledgment per person and version) or compare (a version's state, so
//! two reviewers cannot both move the same version).

macro_rules! impl_governance_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod governance_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::AuditRecord;
        use probity_core::governance::*;
        use probity_core::governance::asset::{Asset, AssetId};
        use probity_core::governance::training::{Training, TrainingId, Violation, ViolationId};
        use probity_core::governance::exception::{Exception, ExceptionId, ExceptionState};
        use probity_core::governance::risk::{Risk, RiskId, RiskSettings, ScorePoint};
        use probity_core::governance::vendor::{Assessment, AssessmentId, AssessmentState, TenantTemplate, Vendor, VendorId};
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn record<T: serde::de::DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
            let r: Json<T> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        fn number(n: u32) -> i64 {
            i64::from(n)
        }

        #[async_trait]
        impl GovernanceStore for $store {
            async fn insert_policy(&self, p: &Policy, first: &PolicyVersion, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO policies (id, tenant_id, key, record, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.0)
                .bind(p.tenant_id.0)
                .bind(&p.key)
                .bind(Json(p))
                .bind(p.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("policy key"))?;
                sqlx::query(
                    "INSERT INTO policy_versions (policy_id, number, tenant_id, state, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(first.policy_id.0)
                .bind(number(first.number))
                .bind(first.tenant_id.0)
                .bind(first.state.as_str())
                .bind(Json(first))
                .execute(&mut *tx)
                .await
                .map_err(map_err("policy version"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_policies(&self, tenant: TenantId) -> StoreResult<Vec<Policy>> {
                let found = sqlx::query("SELECT record FROM policies WHERE tenant_id = $1 ORDER BY key")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn policy(&self, tenant: TenantId, id: PolicyId) -> StoreResult<Option<Policy>> {
                let found = sqlx::query("SELECT record FROM policies WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn policy_versions(&self, tenant: TenantId, id: PolicyId) -> StoreResult<Vec<PolicyVersion>> {
                let found = sqlx::query(
                    "SELECT record FROM policy_versions WHERE tenant_id = $1 AND policy_id = $2 ORDER BY number",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn insert_policy_version(&self, v: &PolicyVersion, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO policy_versions (policy_id, number, tenant_id, state, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(v.policy_id.0)
                .bind(number(v.number))
                .bind(v.tenant_id.0)
                .bind(v.state.as_str())
                .bind(Json(v))
                .execute(&mut *tx)
                .await
                .map_err(map_err("policy version"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_policy_versions(
                &self,
                changes: &[(PolicyVersion, VersionState)],
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                for (v, expected) in changes {
                    let done = sqlx::query(
                        "UPDATE policy_versions SET state = $1, record = $2 \
                         WHERE tenant_id = $3 AND policy_id = $4 AND number = $5 AND state = $6",
                    )
                    .bind(v.state.as_str())
                    .bind(Json(v))
                    .bind(v.tenant_id.0)
                    .bind(v.policy_id.0)
                    .bind(number(v.number))
                    .bind(expected.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn insert_acknowledgment(&self, a: &Acknowledgment, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO policy_acknowledgments (policy_id, version, by_id, tenant_id, record, at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.policy_id.0)
                .bind(number(a.version))
                .bind(&a.by.id)
                .bind(a.tenant_id.0)
                .bind(Json(a))
                .bind(a.at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("acknowledgment"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn acknowledgments(&self, tenant: TenantId, id: PolicyId) -> StoreResult<Vec<Acknowledgment>> {
                let found = sqlx::query(
                    "SELECT record FROM policy_acknowledgments WHERE tenant_id = $1 AND policy_id = $2 ORDER BY at, by_id",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn risk_settings(&self, tenant: TenantId) -> StoreResult<Option<RiskSettings>> {
                let found = sqlx::query("SELECT record FROM risk_settings WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn put_risk_settings(&self, tenant: TenantId, settings: &RiskSettings, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO risk_settings (tenant_id, record) VALUES ($1, $2) \
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

            async fn insert_risk(&self, r: &Risk, point: &ScorePoint, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO risks (id, tenant_id, reference, version, record) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(&r.reference)
                .bind(number(r.version))
                .bind(Json(r))
                .execute(&mut *tx)
                .await
                .map_err(map_err("risk reference"))?;
                sqlx::query(
                    "INSERT INTO risk_scores (risk_id, tenant_id, seq, record) VALUES ($1, $2, 1, $3)",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(Json(point))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_risk(&self, r: &Risk, expected_version: u32, point: &ScorePoint, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE risks SET version = $1, record = $2 WHERE tenant_id = $3 AND id = $4 AND version = $5",
                )
                .bind(number(r.version))
                .bind(Json(r))
                .bind(r.tenant_id.0)
                .bind(r.id.0)
                .bind(number(expected_version))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO risk_scores (risk_id, tenant_id, seq, record) \
                     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3 FROM risk_scores WHERE risk_id = $1",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(Json(point))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn list_risks(&self, tenant: TenantId) -> StoreResult<Vec<Risk>> {
                let found = sqlx::query("SELECT record FROM risks WHERE tenant_id = $1 ORDER BY reference")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn risk(&self, tenant: TenantId, id: RiskId) -> StoreResult<Option<Risk>> {
                let found = sqlx::query("SELECT record FROM risks WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn risk_history(&self, tenant: TenantId, id: RiskId) -> StoreResult<Vec<ScorePoint>> {
                let found = sqlx::query(
                    "SELECT record FROM risk_scores WHERE tenant_id = $1 AND risk_id = $2 ORDER BY seq",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn insert_exception(&self, e: &Exception, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO governance_exceptions (id, tenant_id, reference, state, record, requested_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(e.id.0)
                .bind(e.tenant_id.0)
                .bind(&e.reference)
                .bind(e.state.as_str())
                .bind(Json(e))
                .bind(e.requested_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("exception reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_exception(&self, e: &Exception, expected: ExceptionState, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE governance_exceptions SET state = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND state = $5",
                )
                .bind(e.state.as_str())
                .bind(Json(e))
                .bind(e.tenant_id.0)
                .bind(e.id.0)
                .bind(expected.as_str())
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

            async fn list_exceptions(&self, tenant: TenantId) -> StoreResult<Vec<Exception>> {
                let found = sqlx::query(
                    "SELECT record FROM governance_exceptions WHERE tenant_id = $1 ORDER BY requested_at DESC, reference DESC",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn exception(&self, tenant: TenantId, id: ExceptionId) -> StoreResult<Option<Exception>> {
                let found = sqlx::query("SELECT record FROM governance_exceptions WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn insert_vendor(&self, v: &Vendor, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO vendors (id, tenant_id, reference, record) VALUES ($1, $2, $3, $4)")
                    .bind(v.id.0)
                    .bind(v.tenant_id.0)
                    .bind(&v.reference)
                    .bind(Json(v))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("vendor reference"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_vendor(&self, v: &Vendor, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE vendors SET record = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(Json(v))
                    .bind(v.tenant_id.0)
                    .bind(v.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_vendors(&self, tenant: TenantId) -> StoreResult<Vec<Vendor>> {
                let found = sqlx::query("SELECT record FROM vendors WHERE tenant_id = $1 ORDER BY reference")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn vendor(&self, tenant: TenantId, id: VendorId) -> StoreResult<Option<Vendor>> {
                let found = sqlx::query("SELECT record FROM vendors WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn insert_vendor_assessment(&self, a: &Assessment, token_hash: &str, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO vendor_assessments (id, tenant_id, vendor_id, token_hash, state, sent_at, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(a.id.0)
                .bind(a.tenant_id.0)
                .bind(a.vendor_id.0)
                .bind(token_hash)
                .bind(a.state.as_str())
                .bind(a.sent_at)
                .bind(Json(a))
                .execute(&mut *tx)
                .await
                .map_err(map_err("assessment"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_vendor_assessment(
                &self,
                a: &Assessment,
                expected: AssessmentState,
                vendor: Option<&Vendor>,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE vendor_assessments SET state = $1, record = $2 WHERE tenant_id = $3 AND id = $4 AND state = $5",
                )
                .bind(a.state.as_str())
                .bind(Json(a))
                .bind(a.tenant_id.0)
                .bind(a.id.0)
                .bind(expected.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                if let Some(v) = vendor {
                    sqlx::query("UPDATE vendors SET record = $1 WHERE tenant_id = $2 AND id = $3")
                        .bind(Json(v))
                        .bind(v.tenant_id.0)
                        .bind(v.id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn vendor_assessments(&self, tenant: TenantId, vendor: VendorId) -> StoreResult<Vec<Assessment>> {
                let found = sqlx::query(
                    "SELECT record FROM vendor_assessments WHERE tenant_id = $1 AND vendor_id = $2 ORDER BY sent_at DESC, id DESC",
                )
                .bind(tenant.0)
                .bind(vendor.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn vendor_assessment(&self, tenant: TenantId, id: AssessmentId) -> StoreResult<Option<Assessment>> {
                let found = sqlx::query("SELECT record FROM vendor_assessments WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn vendor_assessment_by_token(&self, token_hash: &str) -> StoreResult<Option<Assessment>> {
                let found = sqlx::query("SELECT record FROM vendor_assessments WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn put_vendor_file(&self, tenant: TenantId, a: AssessmentId, question: &str, name: &str, bytes: &[u8]) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "INSERT INTO vendor_files (assessment_id, question_id, tenant_id, name, content) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (assessment_id, question_id) DO UPDATE SET name = excluded.name, content = excluded.content",
                )
                .bind(a.0)
                .bind(question)
                .bind(tenant.0)
                .bind(name)
                .bind(bytes)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn vendor_file(&self, tenant: TenantId, a: AssessmentId, question: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
                let found = sqlx::query(
                    "SELECT name, content FROM vendor_files WHERE tenant_id = $1 AND assessment_id = $2 AND question_id = $3",
                )
                .bind(tenant.0)
                .bind(a.0)
                .bind(question)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                match found {
                    Some(row) => Ok(Some((row.try_get("name").map_err(db)?, row.try_get("content").map_err(db)?))),
                    None => Ok(None),
                }
            }

            async fn insert_questionnaire_template(&self, tenant: TenantId, t: &TenantTemplate, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO questionnaire_templates (tenant_id, key, version, record, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(tenant.0)
                .bind(&t.template.key)
                .bind(i64::from(t.version))
                .bind(Json(t))
                .bind(t.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("questionnaire template version"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn questionnaire_templates(&self, tenant: TenantId) -> StoreResult<Vec<TenantTemplate>> {
                let found = sqlx::query(
                    "SELECT record FROM questionnaire_templates q WHERE tenant_id = $1 AND removed_at IS NULL \
                     AND version = (SELECT MAX(version) FROM questionnaire_templates l \
                                    WHERE l.tenant_id = q.tenant_id AND l.key = q.key) \
                     ORDER BY key",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn questionnaire_template_last_version(&self, tenant: TenantId, key: &str) -> StoreResult<Option<u32>> {
                let found = sqlx::query(
                    "SELECT MAX(version) AS v FROM questionnaire_templates WHERE tenant_id = $1 AND key = $2",
                )
                .bind(tenant.0)
                .bind(key)
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
                let v: Option<i64> = found.try_get("v").map_err(db)?;
                Ok(v.and_then(|v| u32::try_from(v).ok()))
            }

            async fn remove_questionnaire_template(
                &self,
                tenant: TenantId,
                key: &str,
                at: chrono::DateTime<chrono::Utc>,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE questionnaire_templates SET removed_at = $1 WHERE tenant_id = $2 AND key = $3 AND removed_at IS NULL",
                )
                .bind(at)
                .bind(tenant.0)
                .bind(key)
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

            async fn insert_asset(&self, a: &Asset, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO assets (id, tenant_id, reference, name, record) VALUES ($1, $2, $3, $4, $5)")
                    .bind(a.id.0)
                    .bind(a.tenant_id.0)
                    .bind(&a.reference)
                    .bind(&a.name)
                    .bind(Json(a))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("asset name"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_asset(&self, a: &Asset, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE assets SET name = $1, record = $2 WHERE tenant_id = $3 AND id = $4")
                    .bind(&a.name)
                    .bind(Json(a))
                    .bind(a.tenant_id.0)
                    .bind(a.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("asset name"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_assets(&self, tenant: TenantId) -> StoreResult<Vec<Asset>> {
                let found = sqlx::query("SELECT record FROM assets WHERE tenant_id = $1 ORDER BY reference")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn asset(&self, tenant: TenantId, id: AssetId) -> StoreResult<Option<Asset>> {
                let found = sqlx::query("SELECT record FROM assets WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn put_training(&self, t: &Training, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO policy_trainings (id, tenant_id, policy_id, assigned_at, record) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET record = excluded.record",
                )
                .bind(t.id.0)
                .bind(t.tenant_id.0)
                .bind(t.policy_id.0)
                .bind(t.assigned_at)
                .bind(Json(t))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn trainings(&self, tenant: TenantId, policy: PolicyId) -> StoreResult<Vec<Training>> {
                let found = sqlx::query(
                    "SELECT record FROM policy_trainings WHERE tenant_id = $1 AND policy_id = $2 ORDER BY assigned_at, id",
                )
                .bind(tenant.0)
                .bind(policy.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn training(&self, tenant: TenantId, id: TrainingId) -> StoreResult<Option<Training>> {
                let found = sqlx::query("SELECT record FROM policy_trainings WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }

            async fn put_violation(&self, v: &Violation, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO policy_violations (id, tenant_id, policy_id, reported_at, record) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET record = excluded.record",
                )
                .bind(v.id.0)
                .bind(v.tenant_id.0)
                .bind(v.policy_id.0)
                .bind(v.reported_at)
                .bind(Json(v))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn violations(&self, tenant: TenantId, policy: PolicyId) -> StoreResult<Vec<Violation>> {
                let found = sqlx::query(
                    "SELECT record FROM policy_violations WHERE tenant_id = $1 AND policy_id = $2 ORDER BY reported_at DESC, id DESC",
                )
                .bind(tenant.0)
                .bind(policy.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(record).collect()
            }

            async fn violation(&self, tenant: TenantId, id: ViolationId) -> StoreResult<Option<Violation>> {
                let found = sqlx::query("SELECT record FROM policy_violations WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(record).transpose()
            }
        }
        }
    };
}

pub(crate) use impl_governance_store;
