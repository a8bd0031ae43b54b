//! Write transactions, queued in the process before they reach the database.
//!
//! SQLite has one writer at a time. A second `BEGIN IMMEDIATE` does not wait in a queue: its
//! busy handler sleeps and retries with growing naps (up to 100 ms each), so a ledger commit
//! that arrives while the indexer writes a chunk could sleep long after the lock was free, and
//! the order in which waiting writers got in was luck. The SQLite store therefore hands out
//! write transactions through a fair async mutex (first come, first served): a writer waits
//! exactly as long as the writers ahead of it, and never meets the busy handler from inside
//! the process. PostgreSQL locks rows, not the database, so its transactions pass ungated.
//!
//! [`WriteTx`] dereferences to the connection like `sqlx::Transaction` does, so statements run
//! on `&mut *tx` unchanged; it must be committed (or rolled back, or dropped to roll back).
//!
//! A write of one statement goes through [`WriteOne`]: on SQLite the same queued
//! `BEGIN IMMEDIATE` transaction (a deferred autocommit write would take the write lock only
//! after reading, and fail outright if another process wrote in between), on PostgreSQL a plain
//! connection in autocommit, saving the `BEGIN` and `COMMIT` round trips.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use probity_core::store::StoreResult;
use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::db;

/// A write transaction holding its place at the head of the writers' queue (when the backend
/// has one) until it ends.
pub(crate) struct WriteTx<DB: Database> {
    tx: Transaction<'static, DB>,
    /// Released after the commit or rollback, when this value is dropped.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl<DB: Database> WriteTx<DB> {
    /// Makes the transaction's writes durable.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Discards the transaction's writes.
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: Database> Deref for WriteTx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<DB: Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Begins a write transaction with `begin` (the backend's statement), first waiting for the
/// turn from `gate` when there is one.
pub(crate) async fn begin<DB: Database>(
    pool: &Pool<DB>,
    gate: Option<&Arc<Mutex<()>>>,
    begin: &'static str,
) -> StoreResult<WriteTx<DB>> {
    let turn = match gate {
        Some(gate) => Some(Arc::clone(gate).lock_owned().await),
        None => None,
    };
    let tx = pool.begin_with(begin).await.map_err(db)?;
    Ok(WriteTx { tx, _turn: turn })
}

/// The connection of a one-statement write: a queued transaction (SQLite) or an autocommit
/// connection (PostgreSQL). Call [`WriteOne::commit`] after the statement.
pub(crate) enum WriteOne<DB: Database> {
    /// Inside a write transaction.
    Tx(WriteTx<DB>),
    /// In autocommit: the statement is durable when it returns.
    Autocommit(PoolConnection<DB>),
}

impl<DB: Database> WriteOne<DB> {
    /// Commits the transaction, if there is one.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            WriteOne::Tx(tx) => tx.commit().await,
            WriteOne::Autocommit(_) => Ok(()),
        }
    }
}

impl<DB: Database> Deref for WriteOne<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        match self {
            WriteOne::Tx(tx) => tx,
            WriteOne::Autocommit(conn) => conn,
        }
    }
}

impl<DB: Database> DerefMut for WriteOne<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            WriteOne::Tx(tx) => tx,
            WriteOne::Autocommit(conn) => conn,
        }
    }
}
