//! The PostgreSQL store for scale-out: several `probity serve` nodes share one database; job
//! claiming uses `FOR UPDATE SKIP LOCKED` so workers never take the same job.

use std::time::Duration;

use probity_core::ledger::SequencingLock;
use probity_core::platform::TenantId;
use probity_core::store::StoreResult;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row};
use std::str::FromStr;

use crate::error::db;
use crate::internal;

/// The PostgreSQL backend.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl PgStore {
    /// A write transaction (PostgreSQL needs no queue in front of its own locks).
    pub(crate) async fn begin_write(&self) -> StoreResult<crate::write_tx::WriteTx<Postgres>> {
        crate::write_tx::begin(&self.pool, None, "BEGIN").await
    }

    /// Connects; with `schema`, every connection works in that schema (created when missing).
    pub async fn open(url: &str, schema: Option<&str>) -> StoreResult<Self> {
        let mut options = PgConnectOptions::from_str(url).map_err(|e| {
            internal(format!(
                "database.url is not a PostgreSQL URL ({e}); expected postgres://user@host:5432/db"
            ))
        })?;
        if let Some(schema) = schema {
            // The schema is created quoted but selected by an unquoted `search_path`, which
            // PostgreSQL folds to lowercase: only names spelled the same both ways are safe.
            let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
            let starts_well = schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
            if !starts_well || !schema.chars().all(plain) {
                return Err(internal(format!(
                    "schema {schema:?} is not allowed: use lowercase letters, digits and '_', \
                     starting with a letter or '_'"
                )));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.clone())
                .await
                .map_err(db)?;
            let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&admin)
                .await
                .map_err(db)?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db)?;
        Ok(Self { pool })
    }

    /// A one-statement write: an autocommit connection (no `BEGIN`/`COMMIT` round trips).
    pub(crate) async fn write_one(&self) -> StoreResult<crate::write_tx::WriteOne<Postgres>> {
        let conn = self.pool.acquire().await.map_err(db)?;
        Ok(crate::write_tx::WriteOne::Autocommit(conn))
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(internal)?;
        // Slices stored a row each before migration 0031 move into day rows (ADR 0026).
        let moved = self.repack_slo_slices().await?;
        if moved > 0 {
            tracing::info!(slices = moved, "measurement slices moved into day rows");
        }
        Ok(())
    }

    /// Applied migrations, oldest first.
    pub async fn applied_migrations(&self) -> StoreResult<Vec<(i64, String)>> {
        let exists: bool = sqlx::query("SELECT to_regclass('_sqlx_migrations') IS NOT NULL AS e")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?
            .try_get("e")
            .map_err(db)?;
        if !exists {
            return Ok(Vec::new());
        }
        let found =
            sqlx::query("SELECT version, description FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        found
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("version").map_err(db)?,
                    r.try_get("description").map_err(db)?,
                ))
            })
            .collect()
    }

    /// The connection pool, for crates that add their own tables.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A tenant's sequencing lock: a session advisory lock held on one pooled connection.
struct PgSequencingLock {
    conn: Option<PoolConnection<Postgres>>,
    key: String,
}

#[async_trait::async_trait]
impl SequencingLock for PgSequencingLock {
    async fn release(mut self: Box<Self>) -> StoreResult<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        // The connection stays in `self` until the unlock succeeded: on an error or a
        // cancellation, dropping `self` closes the session instead of pooling it locked.
        let released: bool = sqlx::query(ADVISORY_UNLOCK)
            .bind(&self.key)
            .fetch_one(&mut **conn)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
        if !released {
            return Err(internal(format!(
                "sequencing lock {:?} was not held at release",
                self.key
            )));
        }
        // Unlocked: the connection may go back to the pool.
        drop(self.conn.take());
        Ok(())
    }
}

impl Drop for PgSequencingLock {
    fn drop(&mut self) {
        // Dropped without release (a cancelled or failed batch): closing the connection ends the
        // session, and with it the lock; returning it to the pool would keep the lock held.
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// Advisory lock keys are 64-bit: the tenant id, namespaced, hashed by PostgreSQL itself.
const ADVISORY_LOCK: &str = "SELECT pg_advisory_lock(hashtextextended($1, 0))";
const ADVISORY_UNLOCK: &str = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";

impl PgStore {
    /// Takes the tenant's sequencing lock on a dedicated pooled connection, waiting while
    /// another node holds it.
    async fn sequencing_lock(&self, tenant: TenantId) -> StoreResult<Box<dyn SequencingLock>> {
        let key = format!("probity.ledger.sequencer:{}", tenant.0);
        // Owned by the lock before the wait starts: if the wait is cancelled, dropping the lock
        // closes the session, so a lock granted late is not left behind in the pool.
        let mut lock = PgSequencingLock {
            conn: Some(self.pool.acquire().await.map_err(db)?),
            key,
        };
        if let Some(conn) = lock.conn.as_mut() {
            sqlx::query(ADVISORY_LOCK)
                .bind(&lock.key)
                .execute(&mut **conn)
                .await
                .map_err(db)?;
        }
        Ok(Box::new(lock))
    }
}

crate::sql_audit_index::impl_audit_index_store!(
    db = sqlx::Postgres,
    store = PgStore,
    text_in_row = true,
    insert_text = "",
    delete_text = "",
    text_match = "search @@ to_tsquery('simple', {})",
    text_join = " & ",
);

crate::sql_retention::impl_retention_store!(db = sqlx::Postgres, store = PgStore, delete_text = "",);

crate::sql::impl_store!(
    db = sqlx::Postgres,
    store = PgStore,
    backend = "postgres",
    claim_job = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
                 locked_until = $2, updated_at = $3 \
                 WHERE id = (SELECT id FROM jobs \
                     WHERE (status = 'queued' AND run_at <= $3) \
                        OR (status = 'running' AND locked_until < $3) \
                     ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING *",
);
