//! The SQL of the service-level store port (services, SLOs, measurement slices, violations,
//! credits), written once and expanded for each backend by [`impl_service_level_store!`]
//! (invoked from `impl_store!`).
//!
//! Slices are stored packed, a row per SLO and UTC day ([`crate::slo_day`], ADR 0026), and
//! merged read-modify-write: a sketch cannot be added in SQL. Concurrent ingests of one SLO are
//! serialised by first bumping the SLO row's `ingests` counter, which takes that
//! row's write lock in PostgreSQL (and SQLite serialises writers anyway).

macro_rules! impl_service_level_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod service_level_impl {
        use std::collections::{BTreeMap, HashMap};

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
        use crate::slo_day;
        use probity_core::service_level::window;

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

        /// Day rows read or written per statement (6 parameters each, far below either
        /// database's limit).
        const DAYS_PER_STATEMENT: usize = 500;

        type Conn = <$db as sqlx::Database>::Connection;

        fn packed(e: String) -> StoreError {
            StoreError::Internal(e)
        }

        /// A `slo_days` row: its day and slots (sketches read when `sketches`).
        fn day_row(row: &DbRow, sketches: bool) -> StoreResult<(i64, Vec<slo_day::Slot>)> {
            let day: i64 = row.try_get("day_s").map_err(db)?;
            let blob: Vec<u8> = row.try_get("slices").map_err(db)?;
            Ok((day, slo_day::decode(&blob, sketches).map_err(packed)?))
        }

        /// Takes the SLO's row lock (bumping its `ingests` counter): merges of one SLO's
        /// slices run one at a time, on PostgreSQL too.
        async fn lock_slo(conn: &mut Conn, tenant: TenantId, slo: SloId) -> StoreResult<()> {
            let locked = sqlx::query("UPDATE slos SET ingests = ingests + 1 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0)
                .bind(slo.0)
                .execute(&mut *conn)
                .await
                .map_err(db)?
                .rows_affected();
            if locked != 1 {
                return Err(StoreError::Internal(format!("slo {slo} not found")));
            }
            Ok(())
        }

        /// An SLO's slices with `from <= start < to` from its day rows, oldest first.
        async fn read_slices(
            pool: &sqlx::Pool<$db>,
            tenant: TenantId,
            slo: SloId,
            from: DateTime<Utc>,
            to: DateTime<Utc>,
            sketches: bool,
        ) -> StoreResult<Vec<SloSlice>> {
            let (from_s, to_s) = (from.timestamp(), to.timestamp());
            let rows = sqlx::query(
                "SELECT day_s, slices FROM slo_days WHERE tenant_id = $1 AND slo_id = $2 \
                 AND day_s >= $3 AND day_s < $4 ORDER BY day_s",
            )
            .bind(tenant.0)
            .bind(slo.0)
            .bind(slo_day::day_of(from_s))
            .bind(to_s)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            let mut out = Vec::new();
            for row in &rows {
                let (day, slots) = day_row(row, sketches)?;
                for s in slots {
                    let start = day + i64::from(s.slot) * window::SLICE_SECONDS;
                    if start >= from_s && start < to_s {
                        out.push(slo_day::to_slice(slo, day, s).map_err(packed)?);
                    }
                }
            }
            Ok(out)
        }

        /// The stored blobs of an SLO's `days`, by day.
        async fn stored_days(
            conn: &mut Conn,
            slo: SloId,
            days: &[i64],
        ) -> StoreResult<HashMap<i64, Vec<u8>>> {
            let mut q = sqlx::QueryBuilder::<$db>::new("SELECT day_s, slices FROM slo_days WHERE slo_id = ");
            q.push_bind(slo.0).push(" AND day_s IN (");
            let mut list = q.separated(", ");
            for d in days {
                list.push_bind(*d);
            }
            q.push(")");
            let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
            let mut out = HashMap::with_capacity(rows.len());
            for row in &rows {
                let day: i64 = row.try_get("day_s").map_err(db)?;
                let blob: Vec<u8> = row.try_get("slices").map_err(db)?;
                out.insert(day, blob);
            }
            Ok(out)
        }

        /// Writes (inserts or replaces) an SLO's day rows with their sums.
        async fn write_days(
            conn: &mut Conn,
            tenant: TenantId,
            slo: SloId,
            days: &[(i64, Vec<slo_day::Slot>)],
        ) -> StoreResult<()> {
            let mut rows = Vec::with_capacity(days.len());
            for (day, slots) in days {
                let (good, total) = slo_day::sums(slots);
                rows.push((*day, big(good)?, big(total)?, slo_day::encode(slots)));
            }
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO slo_days (tenant_id, slo_id, day_s, good, total, slices) ",
            );
            q.push_values(rows, |mut b, (day, good, total, blob)| {
                b.push_bind(tenant.0)
                    .push_bind(slo.0)
                    .push_bind(day)
                    .push_bind(good)
                    .push_bind(total)
                    .push_bind(blob);
            });
            q.push(
                " ON CONFLICT (slo_id, day_s) DO UPDATE SET good = excluded.good, \
                 total = excluded.total, slices = excluded.slices",
            );
            q.build().execute(&mut *conn).await.map_err(db)?;
            Ok(())
        }

        /// Adds one SLO's slice deltas into its day rows: the days touched are read many per
        /// query, merged here (a sketch cannot be added in SQL) and written back many per
        /// statement. The caller holds the SLO's lock.
        async fn merge_days(
            conn: &mut Conn,
            tenant: TenantId,
            slo: SloId,
            deltas: &[&SloSlice],
        ) -> StoreResult<()> {
            let mut by_day: BTreeMap<i64, Vec<slo_day::Slot>> = BTreeMap::new();
            for d in deltas {
                let (day, slot) = slo_day::slot_of(d).map_err(packed)?;
                by_day.entry(day).or_default().push(slot);
            }
            let mut days = by_day.into_iter().peekable();
            while days.peek().is_some() {
                let chunk: Vec<(i64, Vec<slo_day::Slot>)> = days.by_ref().take(DAYS_PER_STATEMENT).collect();
                let keys: Vec<i64> = chunk.iter().map(|(d, _)| *d).collect();
                let mut stored = stored_days(conn, slo, &keys).await?;
                let mut merged = Vec::with_capacity(chunk.len());
                for (day, slots) in chunk {
                    let slots = slo_day::collect(slots).map_err(packed)?;
                    let slots = match stored.remove(&day) {
                        Some(blob) => slo_day::merge(slo_day::decode(&blob, true).map_err(packed)?, slots)
                            .map_err(packed)?,
                        None => slots,
                    };
                    merged.push((day, slots));
                }
                write_days(conn, tenant, slo, &merged).await?;
            }
            Ok(())
        }

        /// Replaces the good counts of stored slices (a latency threshold changed); slices
        /// not stored are left out.
        async fn recount_days(
            conn: &mut Conn,
            tenant: TenantId,
            slo: SloId,
            recount: &[SloSlice],
        ) -> StoreResult<()> {
            let mut by_day: BTreeMap<i64, HashMap<u16, u64>> = BTreeMap::new();
            for r in recount {
                let (day, slot) = slo_day::slot_of(r).map_err(packed)?;
                by_day.entry(day).or_default().insert(slot.slot, slot.good);
            }
            let days: Vec<i64> = by_day.keys().copied().collect();
            for keys in days.chunks(DAYS_PER_STATEMENT) {
                let stored = stored_days(conn, slo, keys).await?;
                let mut rewritten = Vec::with_capacity(stored.len());
                for (day, blob) in stored {
                    let mut slots = slo_day::decode(&blob, true).map_err(packed)?;
                    if let Some(goods) = by_day.get(&day) {
                        for s in &mut slots {
                            if let Some(good) = goods.get(&s.slot) {
                                s.good = *good;
                            }
                        }
                    }
                    rewritten.push((day, slots));
                }
                if !rewritten.is_empty() {
                    write_days(conn, tenant, slo, &rewritten).await?;
                }
            }
            Ok(())
        }

        impl $store {
            /// Moves the rows of the table before migration 0031 (`slo_slices`, a row per
            /// slice) into day rows, one SLO per transaction under the SLO's lock, and deletes
            /// them; runs at every startup, so rows a node of the previous version writes
            /// during a rolling upgrade move on the next. The number of slices moved.
            pub(crate) async fn repack_slo_slices(&self) -> StoreResult<u64> {
                let slos = sqlx::query("SELECT DISTINCT tenant_id, slo_id FROM slo_slices")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let mut moved = 0u64;
                for row in &slos {
                    let tenant = TenantId(row.try_get("tenant_id").map_err(db)?);
                    let slo = SloId(row.try_get("slo_id").map_err(db)?);
                    let mut tx = self.begin_write().await?;
                    lock_slo(&mut tx, tenant, slo).await?;
                    let rows = sqlx::query(
                        "SELECT start_s, good, total, sketch FROM slo_slices WHERE slo_id = $1",
                    )
                    .bind(slo.0)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?;
                    let slices = rows.iter().map(|r| slice(r, slo)).collect::<StoreResult<Vec<_>>>()?;
                    let refs: Vec<&SloSlice> = slices.iter().collect();
                    merge_days(&mut tx, tenant, slo, &refs).await?;
                    sqlx::query("DELETE FROM slo_slices WHERE slo_id = $1")
                        .bind(slo.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    tx.commit().await.map_err(db)?;
                    moved += slices.len() as u64;
                }
                Ok(moved)
            }
        }

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
                if !recount.is_empty() {
                    recount_days(&mut tx, slo.tenant_id, slo.id, recount).await?;
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
                let mut by_slo: BTreeMap<SloId, Vec<&SloSlice>> = BTreeMap::new();
                for d in deltas {
                    by_slo.entry(d.slo_id).or_default().push(d);
                }
                // One lock order for every writer (ascending SLO id): no deadlock between two
                // batches.
                for (slo, ds) in by_slo {
                    lock_slo(&mut tx, tenant, slo).await?;
                    merge_days(&mut tx, tenant, slo, &ds).await?;
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
                read_slices(&self.pool, tenant, slo, from, to, true).await
            }

            async fn slice_counts(
                &self,
                tenant: TenantId,
                slo: SloId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<SloSlice>> {
                read_slices(&self.pool, tenant, slo, from, to, false).await
            }

            async fn slice_sums(
                &self,
                tenant: TenantId,
                slo: SloId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<(u64, u64)> {
                let (from_s, to_s) = (from.timestamp(), to.timestamp());
                let (full_from, full_to) = (slo_day::day_ceil(from_s), slo_day::day_of(to_s));
                let (mut good, mut total) = (0u64, 0u64);
                if full_from < full_to {
                    // Whole days inside the range: their stored sums.
                    let row = sqlx::query(
                        "SELECT CAST(COALESCE(SUM(good), 0) AS BIGINT) AS good, \
                         CAST(COALESCE(SUM(total), 0) AS BIGINT) AS total FROM slo_days \
                         WHERE tenant_id = $1 AND slo_id = $2 AND day_s >= $3 AND day_s < $4",
                    )
                    .bind(tenant.0)
                    .bind(slo.0)
                    .bind(full_from)
                    .bind(full_to)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?;
                    good = count(&row, "good")?;
                    total = count(&row, "total")?;
                }
                // The partial days at either end: their slices within the range.
                let rows = sqlx::query(
                    "SELECT day_s, slices FROM slo_days WHERE tenant_id = $1 AND slo_id = $2 \
                     AND day_s >= $3 AND day_s < $4 AND (day_s < $5 OR day_s >= $6)",
                )
                .bind(tenant.0)
                .bind(slo.0)
                .bind(slo_day::day_of(from_s))
                .bind(to_s)
                .bind(full_from)
                .bind(full_to)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                for row in &rows {
                    let (day, slots) = day_row(row, false)?;
                    let inside: Vec<slo_day::Slot> = slots
                        .into_iter()
                        .filter(|s| {
                            let start = day + i64::from(s.slot) * window::SLICE_SECONDS;
                            start >= from_s && start < to_s
                        })
                        .collect();
                    let (g, t) = slo_day::sums(&inside);
                    good = good.saturating_add(g);
                    total = total.saturating_add(t);
                }
                Ok((good, total))
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
