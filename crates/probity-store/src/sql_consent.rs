//! The SQL of the consent store port (consent purposes, consent events with their ledger index
//! read from their audit record's `ledger_seq`, and subject access exports), written once and
//! expanded for each backend by [`impl_consent_store!`] (invoked from `impl_store!`).

macro_rules! impl_consent_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod consent_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::AuditRecord;
        use probity_core::platform::TenantId;
        use probity_core::privacy::{
            ConsentEvent, ConsentFilter, ConsentPurpose, ConsentStore, ExportId, ExportManifest,
            PurposeId, RequestId, StoredExport,
        };
        use probity_core::store::{StoreError, StoreResult};
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn record<T: serde::de::DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
            let r: Json<T> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        fn consent_event(row: &DbRow) -> StoreResult<ConsentEvent> {
            let mut e: ConsentEvent = record(row)?;
            let seq: Option<i64> = row.try_get("ledger_seq").map_err(db)?;
            e.ledger_index = seq.and_then(|s| u64::try_from(s).ok());
            Ok(e)
        }

        fn stored_export(row: &DbRow) -> StoreResult<StoredExport> {
            let manifest: Json<ExportManifest> = row.try_get("manifest").map_err(db)?;
            Ok(StoredExport {
                id: ExportId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                request_id: RequestId(row.try_get("request_id").map_err(db)?),
                created_at: row.try_get("created_at").map_err(db)?,
                sha256: row.try_get("sha256").map_err(db)?,
                manifest: manifest.0,
                archive: row.try_get("archive").map_err(db)?,
            })
        }

        const EVENT_COLUMNS: &str = "c.record, a.ledger_seq FROM consent_events c \
             LEFT JOIN audit_events a ON a.id = c.audit_id";

        #[async_trait]
        impl ConsentStore for $store {
            async fn insert_consent_purpose(
                &self,
                p: &ConsentPurpose,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO consent_purposes (id, tenant_id, key, version, record) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.0)
                .bind(p.tenant_id.0)
                .bind(&p.key)
                .bind(i64::from(p.version))
                .bind(Json(p))
                .execute(&mut *tx)
                .await
                .map_err(map_err("consent purpose key"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_consent_purpose(
                &self,
                p: &ConsentPurpose,
                expected_version: u32,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE consent_purposes SET version = $1, record = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND version = $5",
                )
                .bind(i64::from(p.version))
                .bind(Json(p))
                .bind(p.tenant_id.0)
                .bind(p.id.0)
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

            async fn delete_consent_purpose(
                &self,
                tenant: TenantId,
                id: PurposeId,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "DELETE FROM consent_purposes WHERE tenant_id = $1 AND id = $2 \
                     AND NOT EXISTS (SELECT 1 FROM consent_events e \
                     WHERE e.tenant_id = $1 AND e.purpose = consent_purposes.key)",
                )
                .bind(tenant.0)
                .bind(id.0)
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

            async fn list_consent_purposes(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Vec<ConsentPurpose>> {
                let rows = sqlx::query(
                    "SELECT record FROM consent_purposes WHERE tenant_id = $1 ORDER BY key",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn consent_purpose(
                &self,
                tenant: TenantId,
                id: PurposeId,
            ) -> StoreResult<Option<ConsentPurpose>> {
                let row = sqlx::query(
                    "SELECT record FROM consent_purposes WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn insert_consent_event(
                &self,
                e: &ConsentEvent,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO consent_events (id, tenant_id, client_id, subject_id, purpose, \
                     action, occurred_at, audit_id, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(e.id.0)
                .bind(e.tenant_id.0)
                .bind(e.client_id.as_deref())
                .bind(&e.subject_id)
                .bind(&e.purpose)
                .bind(e.action.as_str())
                .bind(e.occurred_at)
                .bind(e.audit_id)
                .bind(Json(e))
                .execute(&mut *tx)
                .await
                .map_err(map_err("consent event id"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn consent_event_by_client_id(
                &self,
                tenant: TenantId,
                client_id: &str,
            ) -> StoreResult<Option<ConsentEvent>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} WHERE c.tenant_id = $1 AND c.client_id = $2"
                )))
                .bind(tenant.0)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(consent_event).transpose()
            }

            async fn consent_events(
                &self,
                tenant: TenantId,
                filter: &ConsentFilter,
            ) -> StoreResult<Vec<ConsentEvent>> {
                let limit = i64::from(filter.limit.unwrap_or(u32::MAX));
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} WHERE c.tenant_id = $1 \
                     AND ($2 IS NULL OR c.subject_id = $2) AND ($3 IS NULL OR c.purpose = $3) \
                     ORDER BY c.occurred_at DESC, a.ledger_seq DESC, c.id DESC LIMIT $4"
                )))
                .bind(tenant.0)
                .bind(filter.subject_id.as_deref())
                .bind(filter.purpose.as_deref())
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(consent_event).collect()
            }

            async fn consent_counts(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Vec<(String, u64, u64)>> {
                let rows = sqlx::query(
                    "SELECT purpose, action, COUNT(*) AS n FROM consent_events \
                     WHERE tenant_id = $1 GROUP BY purpose, action ORDER BY purpose",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                let mut out: Vec<(String, u64, u64)> = Vec::new();
                for row in &rows {
                    let purpose: String = row.try_get("purpose").map_err(db)?;
                    let action: String = row.try_get("action").map_err(db)?;
                    let n: i64 = row.try_get("n").map_err(db)?;
                    let n = u64::try_from(n).map_err(|e| StoreError::Internal(e.to_string()))?;
                    let at = match out.iter().position(|(p, _, _)| *p == purpose) {
                        Some(i) => i,
                        None => {
                            out.push((purpose, 0, 0));
                            out.len() - 1
                        }
                    };
                    if let Some(entry) = out.get_mut(at) {
                        if action == "grant" {
                            entry.1 += n;
                        } else {
                            entry.2 += n;
                        }
                    }
                }
                Ok(out)
            }

            async fn insert_privacy_export(
                &self,
                x: &StoredExport,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO privacy_exports (id, tenant_id, request_id, created_at, sha256, \
                     manifest, archive) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(x.id.0)
                .bind(x.tenant_id.0)
                .bind(x.request_id.0)
                .bind(x.created_at)
                .bind(&x.sha256)
                .bind(Json(&x.manifest))
                .bind(&x.archive)
                .execute(&mut *tx)
                .await
                .map_err(map_err("privacy export"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn latest_privacy_export(
                &self,
                tenant: TenantId,
                request: RequestId,
            ) -> StoreResult<Option<StoredExport>> {
                let row = sqlx::query(
                    "SELECT id, tenant_id, request_id, created_at, sha256, manifest, archive \
                     FROM privacy_exports WHERE tenant_id = $1 AND request_id = $2 \
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(tenant.0)
                .bind(request.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(stored_export).transpose()
            }
        }
        }
    };
}

pub(crate) use impl_consent_store;
