//! The witness store (`probity witness serve`): a SQLite file of its own in the witness's data
//! directory, with its own migrations, so a witness needs no Probity database (ADR 0008).
//! `synchronous=FULL` makes each compare-and-swap durable before the cosignature is returned.

use std::path::Path;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use probity_core::store::{StoreError, StoreResult};
use probity_core::witness::{KnownLog, WitnessStore};
use probity_ledger::{EMPTY_ROOT, Hash};
use sqlx::{Row as _, SqlitePool};

use crate::error::{db, map_err};
use crate::internal;
use crate::sqlite::SqliteStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/witness");

/// A witness's state in one SQLite file.
#[derive(Debug, Clone)]
pub struct WitnessDb {
    pool: SqlitePool,
}

impl WitnessDb {
    /// Opens (creating when missing) the file and applies the witness migrations.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let pool = SqliteStore::open(path).await?.pool().clone();
        MIGRATOR.run(&pool).await.map_err(internal)?;
        Ok(Self { pool })
    }
}

fn to_i64(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| internal(format!("witness size {n} is too large")))
}

fn log_from(row: &sqlx::sqlite::SqliteRow) -> StoreResult<KnownLog> {
    let size: i64 = row.try_get("size").map_err(db)?;
    let root: Vec<u8> = row.try_get("root").map_err(db)?;
    Ok(KnownLog {
        origin: row.try_get("origin").map_err(db)?,
        verifier_key: row.try_get("verifier_key").map_err(db)?,
        size: u64::try_from(size).map_err(internal)?,
        root: Hash::from_slice(&root).map_err(internal)?,
        checkpoint: row.try_get("checkpoint").map_err(db)?,
        added_at: row.try_get("added_at").map_err(db)?,
        updated_at: row.try_get("updated_at").map_err(db)?,
    })
}

#[async_trait]
impl WitnessStore for WitnessDb {
    async fn known_log(&self, origin: &str) -> StoreResult<Option<KnownLog>> {
        let row = sqlx::query(
            "SELECT origin, verifier_key, size, root, checkpoint, added_at, updated_at \
             FROM witness_logs WHERE origin = $1",
        )
        .bind(origin)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(log_from).transpose()
    }

    async fn known_logs(&self) -> StoreResult<Vec<KnownLog>> {
        let rows = sqlx::query(
            "SELECT origin, verifier_key, size, root, checkpoint, added_at, updated_at \
             FROM witness_logs ORDER BY origin",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(log_from).collect()
    }

    async fn add_log(
        &self,
        origin: &str,
        verifier_key: &str,
        added_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO witness_logs (origin, verifier_key, size, root, added_at) \
             VALUES ($1, $2, 0, $3, $4)",
        )
        .bind(origin)
        .bind(verifier_key)
        .bind(EMPTY_ROOT.0.to_vec())
        .bind(added_at)
        .execute(&self.pool)
        .await
        .map_err(map_err("witnessed log"))?;
        Ok(())
    }

    async fn advance_log(
        &self,
        origin: &str,
        old_size: u64,
        size: u64,
        root: &Hash,
        checkpoint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let updated = sqlx::query(
            "UPDATE witness_logs SET size = $1, root = $2, checkpoint = $3, updated_at = $4 \
             WHERE origin = $5 AND size = $6",
        )
        .bind(to_i64(size)?)
        .bind(root.0.to_vec())
        .bind(checkpoint)
        .bind(at)
        .bind(origin)
        .bind(to_i64(old_size)?)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        match updated.rows_affected() {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(StoreError::Internal(format!(
                "witness log {origin}: {n} rows moved"
            ))),
        }
    }
}
