//! The SQL of the service-level store port (services, SLOs, measurement slices, violations,
//! credits), written once and expanded for each backend by [`impl_service_level_store!`]
//! (invoked from `impl_store!`).
//!
//! Slices are merged read-modify-write: a sketch cannot be added in SQL. Concurrent ingests of
//! one SLO are serialised by first bumping the SLO row's `ingests` counter, which takes that
//! row's write lock in PostgreSQL (and SQLite serialises writers anyway).

macro_rules! impl_service_level_store {
    (db = $db:ty, store = $store:ident, begin = $begin:literal $(,)?) => {
        mod service_level_impl {
        use std::collections::HashMap;

        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::AuditRecord;
        use probity_core::platform::TenantId;
        use probity_core::service_level::sketch::DdSketch;
        use probity_core::service_level::*;
        use probity_core::store::{StoreError, StoreResult};
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::{big, db, map_err};

        type DbRow = <$db as sqlx::Database>::Row;

        fn record<T: serde::de::DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
            let r: Json<T> = row.try_get("record").map_err(db)?;
            Ok(r.0)
        }

        fn count(row: &DbRow, column: &str) -> StoreResult<u64> {
            let n: i64 = row.try_get(column).map_err(db)?;
            u64::try_from(n).map_err(|_| StoreError::Internal(format!("negative {column}")))
        }

        fn slice_counts(row: &DbRow, slo: SloId) -> StoreResult<SloSlice> {
            let start_s: i64 = row.try_get("start_s").map_err(db)?;
            let start = DateTime::<Utc>::from_timestamp(start_s, 0)
                .ok_or_else(|| StoreError::Internal(format!("slice start {start_s}")))?;
            Ok(SloSlice {
                slo_id: slo,
                start,
                good: count(row, "good")?,
                total: count(row, "total")?,
                sketch: None,
            })
        }

        fn slice(row: &DbRow, slo: SloId) -> StoreResult<SloSlice> {
            let mut s = slice_counts(row, slo)?;
            let sketch: Option<Vec<u8>> = row.try_get("sketch").map_err(db)?;
            s.sketch = sketch
                .map(|b| DdSketch::from_bytes(&b))
                .transpose()
                .map_err(|e| StoreError::Internal(format!("slice sketch: {e}")))?;
            Ok(s)
        }

        /// Count-only slices merged per `INSERT` (5 parameters each, far below either database's
        /// limit).
        const COUNT_ROWS_PER_STATEMENT: usize = 500;

        #[async_trait]
        impl ServiceLevelStore for $store {
            async fn insert_service(&self, s: &Service, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO sl_services (id, tenant_id, key, record) VALUES ($1, $2, $3, $4)")
                    .bind(s.id.0)
                    .bind(s.tenant_id.0)
                    .bind(&s.key)
                    .bind(Json(s))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("service key"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_services(&self, tenant: TenantId) -> StoreResult<Vec<Service>> {
                let rows = sqlx::query("SELECT record FROM sl_services WHERE tenant_id = $1 ORDER BY key")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn insert_slo(&self, slo: &Slo, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO slos (id, tenant_id, version, record) VALUES ($1, $2, $3, $4)")
                    .bind(slo.id.0)
                    .bind(slo.tenant_id.0)
                    .bind(i64::from(slo.version))
                    .bind(Json(slo))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("slo"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_slo(
                &self,
                slo: &Slo,
                recount: &[SloSlice],
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE slos SET version = $1, record = $2 WHERE tenant_id = $3 AND id = $4 AND version = $5",
                )
                .bind(i64::from(slo.version))
                .bind(Json(slo))
                .bind(slo.tenant_id.0)
                .bind(slo.id.0)
                .bind(i64::from(slo.version.saturating_sub(1)))
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected()
                    == 1;
                if !done {
                    return Ok(false);
                }
                for s in recount {
                    sqlx::query("UPDATE slo_slices SET good = $1 WHERE slo_id = $2 AND start_s = $3")
                        .bind(big(s.good)?)
                        .bind(s.slo_id.0)
                        .bind(s.start.timestamp())
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn set_slo_progress(
                &self,
                tenant: TenantId,
                id: SloId,
                judged_until: Option<DateTime<Utc>>,
                pull: Option<&PullState>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT record FROM slos WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                let Some(row) = row else { return Ok(()) };
                let mut slo: Slo = record(&row)?;
                if judged_until.is_some() {
                    slo.judged_until = judged_until;
                }
                if let Some(p) = pull {
                    slo.pull = Some(p.clone());
                }
                sqlx::query("UPDATE slos SET record = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(Json(&slo))
                    .bind(tenant.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                tx.commit().await.map_err(db)
            }

            async fn list_slos(&self, tenant: TenantId) -> StoreResult<Vec<Slo>> {
                let rows = sqlx::query("SELECT record FROM slos WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let mut slos = rows.iter().map(record).collect::<StoreResult<Vec<Slo>>>()?;
                slos.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
                Ok(slos)
            }

            async fn slo(&self, tenant: TenantId, id: SloId) -> StoreResult<Option<Slo>> {
                let row = sqlx::query("SELECT record FROM slos WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn all_slos(&self) -> StoreResult<Vec<Slo>> {
                let rows = sqlx::query("SELECT record FROM slos ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn merge_slices(
                &self,
                tenant: TenantId,
                deltas: &[SloSlice],
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let mut by_slo: HashMap<SloId, Vec<&SloSlice>> = HashMap::new();
                for d in deltas {
                    by_slo.entry(d.slo_id).or_default().push(d);
                }
                let mut slos: Vec<_> = by_slo.into_iter().collect();
                // One lock order for every writer: no deadlock between two batches.
                slos.sort_by_key(|(id, _)| *id);
                for (slo, mut ds) in slos {
                    let locked = sqlx::query("UPDATE slos SET ingests = ingests + 1 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(slo.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?
                        .rows_affected();
                    if locked != 1 {
                        return Err(StoreError::Internal(format!("slo {slo} not found")));
                    }
                    ds.sort_by_key(|d| d.start);
                    // Counts only (every metric but latency): added in SQL, many rows per
                    // statement, nothing read back.
                    let (counts, sketched): (Vec<&SloSlice>, Vec<&SloSlice>) =
                        ds.into_iter().partition(|d| d.sketch.is_none());
                    for chunk in counts.chunks(COUNT_ROWS_PER_STATEMENT) {
                        let mut sql = String::from(
                            "INSERT INTO slo_slices (tenant_id, slo_id, start_s, good, total, sketch) VALUES ",
                        );
                        for i in 0..chunk.len() {
                            let b = i * 5;
                            if i > 0 {
                                sql.push_str(", ");
                            }
                            sql.push_str(&format!(
                                "(${}, ${}, ${}, ${}, ${}, NULL)",
                                b + 1,
                                b + 2,
                                b + 3,
                                b + 4,
                                b + 5
                            ));
                        }
                        sql.push_str(
                            " ON CONFLICT (slo_id, start_s) DO UPDATE SET good = slo_slices.good + excluded.good, \
                             total = slo_slices.total + excluded.total",
                        );
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for d in chunk {
                            q = q
                                .bind(tenant.0)
                                .bind(d.slo_id.0)
                                .bind(d.start.timestamp())
                                .bind(big(d.good)?)
                                .bind(big(d.total)?);
                        }
                        q.execute(&mut *tx).await.map_err(db)?;
                    }
                    // Latency slices: read the stored ones among them (many per query), merge the
                    // sketches here, write the merged rows back (many per statement).
                    for chunk in sketched.chunks(COUNT_ROWS_PER_STATEMENT) {
                        let mut sql = String::from(
                            "SELECT start_s, good, total, sketch FROM slo_slices WHERE slo_id = $1 AND start_s IN (",
                        );
                        for i in 0..chunk.len() {
                            if i > 0 {
                                sql.push_str(", ");
                            }
                            sql.push_str(&format!("${}", i + 2));
                        }
                        sql.push(')');
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(slo.0);
                        for d in chunk {
                            q = q.bind(d.start.timestamp());
                        }
                        let rows = q.fetch_all(&mut *tx).await.map_err(db)?;
                        let mut stored: HashMap<i64, SloSlice> = HashMap::new();
                        for row in &rows {
                            let s = slice(row, slo)?;
                            stored.insert(s.start.timestamp(), s);
                        }
                        let merged: Vec<SloSlice> = chunk
                            .iter()
                            .map(|d| match stored.remove(&d.start.timestamp()) {
                                Some(mut s) => {
                                    s.good = s.good.saturating_add(d.good);
                                    s.total = s.total.saturating_add(d.total);
                                    s.sketch = match (s.sketch, &d.sketch) {
                                        (Some(mut a), Some(b)) => {
                                            a.merge(b);
                                            Some(a)
                                        }
                                        (a, b) => a.or_else(|| b.clone()),
                                    };
                                    s
                                }
                                None => (*d).clone(),
                            })
                            .collect();
                        let mut sql = String::from(
                            "INSERT INTO slo_slices (tenant_id, slo_id, start_s, good, total, sketch) VALUES ",
                        );
                        for i in 0..merged.len() {
                            let b = i * 6;
                            if i > 0 {
                                sql.push_str(", ");
                            }
                            sql.push_str(&format!(
                                "(${}, ${}, ${}, ${}, ${}, ${})",
                                b + 1,
                                b + 2,
                                b + 3,
                                b + 4,
                                b + 5,
                                b + 6
                            ));
                        }
                        sql.push_str(
                            " ON CONFLICT (slo_id, start_s) DO UPDATE SET good = excluded.good, \
                             total = excluded.total, sketch = excluded.sketch",
                        );
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for m in &merged {
                            q = q
                                .bind(tenant.0)
                                .bind(m.slo_id.0)
                                .bind(m.start.timestamp())
                                .bind(big(m.good)?)
                                .bind(big(m.total)?)
                                .bind(m.sketch.as_ref().map(DdSketch::to_bytes));
                        }
                        q.execute(&mut *tx).await.map_err(db)?;
                    }
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn slices(
                &self,
                tenant: TenantId,
                slo: SloId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<SloSlice>> {
                let rows = sqlx::query(
                    "SELECT start_s, good, total, sketch FROM slo_slices WHERE tenant_id = $1 AND slo_id = $2 \
                     AND start_s >= $3 AND start_s < $4 ORDER BY start_s",
                )
                .bind(tenant.0)
                .bind(slo.0)
                .bind(from.timestamp())
                .bind(to.timestamp())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|r| slice(r, slo)).collect()
            }

            async fn slice_counts(
                &self,
                tenant: TenantId,
                slo: SloId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<SloSlice>> {
                let rows = sqlx::query(
                    "SELECT start_s, good, total FROM slo_slices WHERE tenant_id = $1 AND slo_id = $2 \
                     AND start_s >= $3 AND start_s < $4 ORDER BY start_s",
                )
                .bind(tenant.0)
                .bind(slo.0)
                .bind(from.timestamp())
                .bind(to.timestamp())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|r| slice_counts(r, slo)).collect()
            }

            async fn slice_sums(
                &self,
                tenant: TenantId,
                slo: SloId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<(u64, u64)> {
                let row = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN good < total THEN good ELSE total END), 0) AS BIGINT) AS good, \
                     CAST(COALESCE(SUM(total), 0) AS BIGINT) AS total FROM slo_slices \
                     WHERE tenant_id = $1 AND slo_id = $2 AND start_s >= $3 AND start_s < $4",
                )
                .bind(tenant.0)
                .bind(slo.0)
                .bind(from.timestamp())
                .bind(to.timestamp())
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
                Ok((count(&row, "good")?, count(&row, "total")?))
            }

            async fn insert_slo_violation(&self, v: &SloViolation, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO slo_violations (id, tenant_id, slo_id, started_at, is_open, record) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(v.id.0)
                .bind(v.tenant_id.0)
                .bind(v.slo_id.0)
                .bind(v.started_at)
                .bind(is_open(v))
                .bind(Json(v))
                .execute(&mut *tx)
                .await
                .map_err(map_err("violation"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_slo_violation(&self, v: &SloViolation, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE slo_violations SET is_open = $1, record = $2 WHERE tenant_id = $3 AND id = $4")
                    .bind(is_open(v))
                    .bind(Json(v))
                    .bind(v.tenant_id.0)
                    .bind(v.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_slo_violations(
                &self,
                tenant: TenantId,
                slo: Option<SloId>,
                open_only: bool,
            ) -> StoreResult<Vec<SloViolation>> {
                let rows = sqlx::query(
                    "SELECT record FROM slo_violations WHERE tenant_id = $1 AND ($2 OR is_open) \
                     AND ($3 IS NULL OR slo_id = $3) ORDER BY started_at DESC LIMIT 1000",
                )
                .bind(tenant.0)
                .bind(!open_only)
                .bind(slo.map(|s| s.0))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn slo_violation(
                &self,
                tenant: TenantId,
                id: SloViolationId,
            ) -> StoreResult<Option<SloViolation>> {
                let row = sqlx::query("SELECT record FROM slo_violations WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }

            async fn insert_credit(&self, c: &ServiceCredit, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO slo_credits (id, tenant_id, slo_id, window_start, status, record) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(c.id.0)
                .bind(c.tenant_id.0)
                .bind(c.slo_id.0)
                .bind(c.window.start)
                .bind(c.status.as_str())
                .bind(Json(c))
                .execute(&mut *tx)
                .await
                .map_err(map_err("service credit"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn update_credit(
                &self,
                c: &ServiceCredit,
                expected: CreditStatus,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE slo_credits SET status = $1, record = $2 WHERE tenant_id = $3 AND id = $4 AND status = $5",
                )
                .bind(c.status.as_str())
                .bind(Json(c))
                .bind(c.tenant_id.0)
                .bind(c.id.0)
                .bind(expected.as_str())
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

            async fn list_credits(&self, tenant: TenantId) -> StoreResult<Vec<ServiceCredit>> {
                let rows = sqlx::query(
                    "SELECT record FROM slo_credits WHERE tenant_id = $1 ORDER BY window_start DESC, id",
                )
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(record).collect()
            }

            async fn credit(
                &self,
                tenant: TenantId,
                id: ServiceCreditId,
            ) -> StoreResult<Option<ServiceCredit>> {
                let row = sqlx::query("SELECT record FROM slo_credits WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(record).transpose()
            }
        }

        /// Open: still firing, or ended without anyone acknowledging it.
        fn is_open(v: &SloViolation) -> bool {
            v.ended_at.is_none() || v.acknowledged_at.is_none()
        }
        }
    };
}

pub(crate) use impl_service_level_store;
