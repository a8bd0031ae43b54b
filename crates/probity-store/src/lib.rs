//! Probity's stores. [`open`] picks the backend from the database URL: SQLite (the embedded
//! default, WAL mode, one file in the data directory) or PostgreSQL (shared by several nodes).
//!
//! Both backends implement the core store ports with the same SQL text (written once in
//! [`sql`], expanded per backend by a macro) over their own migrations, so behaviour cannot
//! drift between them; the conformance suite in `tests/` runs every behaviour on both.

mod error;
pub mod postgres;
mod slo_day;
mod sql;
mod sql_assurance;
mod sql_audit_index;
mod sql_calendar;
mod sql_catalog;
mod sql_consent;
mod sql_detection;
mod sql_forwarders;
mod sql_governance;
mod sql_ledger;
mod sql_notify;
mod sql_privacy;
mod sql_reports;
mod sql_retention;
mod sql_service_level;
mod sql_support;
pub mod sqlite;
mod witness_sqlite;
mod write_tx;

use std::sync::Arc;

use probity_core::store::{Store, StoreError, StoreResult};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use witness_sqlite::WitnessDb;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file, created when missing.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL URL (`postgres://...`), optionally with a schema for `search_path`.
    Postgres {
        /// Connection URL.
        url: String,
        /// Schema to work in (tests use a fresh one each).
        schema: Option<String>,
    },
}

impl DatabaseTarget {
    /// Chooses the backend: a `postgres://` or `postgresql://` URL, otherwise the SQLite file
    /// given by a `sqlite://` URL or `default_sqlite`.
    pub fn from_url(url: Option<&str>, default_sqlite: &std::path::Path) -> Result<Self, String> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(DatabaseTarget::Sqlite(default_sqlite.to_path_buf())),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(DatabaseTarget::Postgres {
                    url: u.to_owned(),
                    schema: None,
                })
            }
            Some(u) => match u
                .strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
            {
                Some(path) if !path.is_empty() => Ok(DatabaseTarget::Sqlite(path.into())),
                _ => Err(format!(
                    "expected postgres://user@host:port/db or sqlite://path/to/file.db, got {u:?}"
                )),
            },
        }
    }
}

/// Opens the store and applies pending migrations.
pub async fn open(target: &DatabaseTarget) -> StoreResult<Arc<dyn Store>> {
    match target {
        DatabaseTarget::Sqlite(path) => {
            let store = SqliteStore::open(path).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
        DatabaseTarget::Postgres { url, schema } => {
            let store = PgStore::open(url, schema.as_deref()).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
    }
}

/// Lists applied migrations (version, description) without applying anything.
pub async fn applied_migrations(target: &DatabaseTarget) -> StoreResult<Vec<(i64, String)>> {
    match target {
        DatabaseTarget::Sqlite(path) => SqliteStore::open(path).await?.applied_migrations().await,
        DatabaseTarget::Postgres { url, schema } => {
            PgStore::open(url, schema.as_deref())
                .await?
                .applied_migrations()
                .await
        }
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}
