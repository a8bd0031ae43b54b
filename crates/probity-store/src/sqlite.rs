//! The embedded SQLite store: one file in the data directory, WAL mode, `synchronous=FULL` so
//! an acknowledged write survives a crash, `BEGIN IMMEDIATE` so writers queue instead of
//! failing on lock upgrades, and an in-process queue in front of it so they wait their turn
//! rather than in SQLite's busy handler ([`crate::write_tx`]).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use probity_core::store::StoreResult;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use tokio::sync::Mutex;

use crate::error::db;
use crate::internal;
use crate::write_tx::{self, WriteOne, WriteTx};

/// The SQLite backend.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The writers' queue (see [`crate::write_tx`]).
    writers: Arc<Mutex<()>>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqliteStore {
    /// Opens (creating when missing) the database file and its parent directory.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| internal(format!("cannot create {}: {e}", parent.display())))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(db)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db)?;
        Ok(Self {
            pool,
            writers: Arc::new(Mutex::new(())),
        })
    }

    /// A write transaction, after the writers ahead of it in this process.
    pub(crate) async fn begin_write(&self) -> StoreResult<WriteTx<sqlx::Sqlite>> {
        write_tx::begin(&self.pool, Some(&self.writers), "BEGIN IMMEDIATE").await
    }

    /// A one-statement write: queued and inside `BEGIN IMMEDIATE` like every write here.
    pub(crate) async fn write_one(&self) -> StoreResult<WriteOne<sqlx::Sqlite>> {
        Ok(WriteOne::Tx(self.begin_write().await?))
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
        applied(&self.pool).await
    }

    /// The connection pool, for crates that add their own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl SqliteStore {
    /// One process owns a SQLite data directory and `BEGIN IMMEDIATE` serializes its writers,
    /// so sequencing needs no lock of its own.
    async fn sequencing_lock(
        &self,
        _tenant: probity_core::platform::TenantId,
    ) -> StoreResult<Box<dyn probity_core::ledger::SequencingLock>> {
        Ok(Box::new(probity_core::ledger::NoSequencingLock))
    }
}

async fn applied(pool: &SqlitePool) -> StoreResult<Vec<(i64, String)>> {
    let exists = sqlx::query(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await
    .map_err(db)?
    .try_get::<i64, _>("n")
    .map_err(db)?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let found = sqlx::query("SELECT version, description FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
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

crate::sql_audit_index::impl_audit_index_store!(
    db = sqlx::Sqlite,
    store = SqliteStore,
    text_in_row = false,
    insert_text = "INSERT INTO audit_fts (rowid, body) ",
    delete_text = "DELETE FROM audit_fts WHERE rowid = $1",
    text_match = "id IN (SELECT rowid FROM audit_fts WHERE audit_fts MATCH {})",
    text_join = " ",
);

crate::sql_retention::impl_retention_store!(
    db = sqlx::Sqlite,
    store = SqliteStore,
    delete_text = "DELETE FROM audit_fts WHERE rowid = $1",
);

crate::sql::impl_store!(
    db = sqlx::Sqlite,
    store = SqliteStore,
    backend = "sqlite",
    claim_job = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
                 locked_until = $2, updated_at = $3 \
                 WHERE id = (SELECT id FROM jobs \
                     WHERE (status = 'queued' AND run_at <= $3) \
                        OR (status = 'running' AND locked_until < $3) \
                     ORDER BY run_at, id LIMIT 1) \
                 RETURNING *",
);
