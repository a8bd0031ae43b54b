//! Maps sqlx errors onto the store port's errors.

use probity_core::store::{StoreError, StoreResult};

/// Converts a database error, naming `what` when a uniqueness rule was broken.
pub(crate) fn map_err(what: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Duplicate(what.to_owned())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(db) if is_busy(db.code().as_deref()) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

/// SQLite "database is locked/busy" and PostgreSQL connection/admin shutdown codes.
fn is_busy(code: Option<&str>) -> bool {
    matches!(code, Some("5" | "6" | "517" | "57P01" | "57P03" | "53300"))
}

/// The usual mapping when no uniqueness rule applies.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    map_err("record")(e)
}

/// A count as a BIGINT column value; an internal error when it does not fit.
pub(crate) fn big(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Internal(format!("{n} does not fit a column")))
}
