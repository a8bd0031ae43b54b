//! The SQL of the catalog store port (control states, link decisions), written once and
//! expanded for each backend by [`impl_catalog_store!`] (invoked from `impl_store!`).

macro_rules! impl_catalog_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod catalog_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::AuditRecord;
        use probity_core::catalog::*;
        use probity_core::catalog::oscal::{ImportId, ImportRecord, ImportSummary};
        use probity_core::catalog::changes::{ChangeId, ChangeRecord};
        use probity_core::platform::{TenantId, UserId};
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;
        use uuid::Uuid;

        use crate::error::{db, map_err};
        use crate::internal;

        type DbRow = <$db as sqlx::Database>::Row;

        fn state_from(row: &DbRow) -> StoreResult<ControlState> {
            let status: String = row.try_get("status").map_err(db)?;
            let by: Option<Uuid> = row.try_get("updated_by").map_err(db)?;
            Ok(ControlState {
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                control_id: row.try_get("control_id").map_err(db)?,
                status: ImplementationStatus::parse(&status)
                    .ok_or_else(|| internal(format!("bad control status {status:?}")))?,
                owner: row.try_get("owner").map_err(db)?,
                note: row.try_get("note").map_err(db)?,
                updated_at: row.try_get("updated_at").map_err(db)?,
                updated_by: by.map(UserId),
            })
        }

        fn decision_from(row: &DbRow) -> StoreResult<LinkDecision> {
            let outcome: String = row.try_get("outcome").map_err(db)?;
            let link: Json<Link> = row.try_get("link").map_err(db)?;
            let by: Option<Uuid> = row.try_get("decided_by").map_err(db)?;
            Ok(LinkDecision {
                id: DecisionId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                link: link.0,
                outcome: DecisionOutcome::parse(&outcome)
                    .ok_or_else(|| internal(format!("bad decision outcome {outcome:?}")))?,
                rationale: row.try_get("rationale").map_err(db)?,
                decided_by: by.map(UserId),
                decided_at: row.try_get("decided_at").map_err(db)?,
            })
        }

        fn import_from(row: &DbRow) -> StoreResult<ImportSummary> {
            let by: Option<Uuid> = row.try_get("imported_by").map_err(db)?;
            let with: Option<Uuid> = row.try_get("resolved_with").map_err(db)?;
            let items: i64 = row.try_get("items").map_err(db)?;
            Ok(ImportSummary {
                id: ImportId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                model: row.try_get("model").map_err(db)?,
                title: row.try_get("title").map_err(db)?,
                version: row.try_get("version").map_err(db)?,
                oscal_version: row.try_get("oscal_version").map_err(db)?,
                sha256: row.try_get("sha256").map_err(db)?,
                items: u64::try_from(items).unwrap_or_default(),
                resolved_with: with.map(ImportId),
                imported_at: row.try_get("imported_at").map_err(db)?,
                imported_by: by.map(UserId),
            })
        }

        fn change_from(row: &DbRow) -> StoreResult<ChangeRecord> {
            let record: Json<ChangeRecord> = row.try_get("record").map_err(db)?;
            Ok(record.0)
        }

        #[async_trait]
        impl CatalogStore for $store {
            async fn insert_change(&self, r: &ChangeRecord, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO catalog_changes (id, tenant_id, record, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(Json(r))
                .bind(r.created_at)
                .bind(r.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_change(&self, r: &ChangeRecord, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE catalog_changes SET record = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4",
                )
                .bind(Json(r))
                .bind(r.updated_at)
                .bind(r.tenant_id.0)
                .bind(r.id.0)
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

            async fn list_changes(&self, tenant: TenantId) -> StoreResult<Vec<ChangeRecord>> {
                let found = sqlx::query(
                    "SELECT record FROM catalog_changes WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(change_from).collect()
            }

            async fn change(&self, tenant: TenantId, id: ChangeId) -> StoreResult<Option<ChangeRecord>> {
                let found = sqlx::query("SELECT record FROM catalog_changes WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                found.as_ref().map(change_from).transpose()
            }

            async fn insert_import(
                &self,
                s: &ImportSummary,
                framework: Option<&Framework>,
                document: &serde_json::Value,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO catalog_imports (id, tenant_id, model, title, version, oscal_version, \
                     sha256, items, resolved_with, framework, document, imported_at, imported_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(s.id.0)
                .bind(s.tenant_id.0)
                .bind(&s.model)
                .bind(&s.title)
                .bind(&s.version)
                .bind(&s.oscal_version)
                .bind(&s.sha256)
                .bind(i64::try_from(s.items).unwrap_or(i64::MAX))
                .bind(s.resolved_with.map(|i| i.0))
                .bind(framework.map(Json))
                .bind(Json(document))
                .bind(s.imported_at)
                .bind(s.imported_by.map(|u| u.0))
                .execute(&mut *tx)
                .await
                .map_err(map_err("OSCAL document"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_imports(&self, tenant: TenantId) -> StoreResult<Vec<ImportSummary>> {
                let found = sqlx::query(
                    "SELECT id, tenant_id, model, title, version, oscal_version, sha256, items, resolved_with, imported_at, imported_by FROM catalog_imports WHERE tenant_id = $1 ORDER BY imported_at DESC, id DESC",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(import_from).collect()
            }

            async fn import_record(&self, tenant: TenantId, id: ImportId) -> StoreResult<Option<ImportRecord>> {
                let found = sqlx::query(
                    "SELECT id, tenant_id, model, title, version, oscal_version, sha256, items, resolved_with, imported_at, imported_by, framework, document FROM catalog_imports WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                let Some(row) = found else { return Ok(None) };
                let framework: Option<Json<Framework>> = row.try_get("framework").map_err(db)?;
                let document: Json<serde_json::Value> = row.try_get("document").map_err(db)?;
                Ok(Some(ImportRecord {
                    summary: import_from(&row)?,
                    framework: framework.map(|f| f.0),
                    document: document.0,
                }))
            }

            async fn control_states(&self, tenant: TenantId) -> StoreResult<Vec<ControlState>> {
                let found = sqlx::query(
                    "SELECT * FROM catalog_control_states WHERE tenant_id = $1 ORDER BY control_id",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(state_from).collect()
            }

            async fn put_control_state(&self, s: &ControlState, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO catalog_control_states (tenant_id, control_id, status, owner, note, \
                     updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (tenant_id, control_id) DO UPDATE SET status = excluded.status, \
                     owner = excluded.owner, note = excluded.note, updated_at = excluded.updated_at, \
                     updated_by = excluded.updated_by",
                )
                .bind(s.tenant_id.0)
                .bind(&s.control_id)
                .bind(s.status.as_str())
                .bind(&s.owner)
                .bind(&s.note)
                .bind(s.updated_at)
                .bind(s.updated_by.map(|u| u.0))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn link_decisions(&self, tenant: TenantId) -> StoreResult<Vec<LinkDecision>> {
                let found = sqlx::query(
                    "SELECT * FROM catalog_link_decisions WHERE tenant_id = $1 ORDER BY decided_at, id",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(decision_from).collect()
            }

            async fn insert_link_decision(&self, d: &LinkDecision, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO catalog_link_decisions (id, tenant_id, link_hash, link, outcome, \
                     rationale, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(d.id.0)
                .bind(d.tenant_id.0)
                .bind(&d.link.hash)
                .bind(Json(&d.link))
                .bind(d.outcome.as_str())
                .bind(&d.rationale)
                .bind(d.decided_by.map(|u| u.0))
                .bind(d.decided_at)
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

pub(crate) use impl_catalog_store;
