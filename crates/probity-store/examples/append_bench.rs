//! Durable ledger append rate against a raw batched insert of the same rows, in one run.
//!
//! ```text
//! cargo run --release -p probity-store --example append_bench -- \
//!     [--backend sqlite|postgres] [--events N] [--appenders C] [--url postgres://...]
//! ```
//!
//! 1. **Ledger**: a fresh database; `C` concurrent tasks call `LedgerService::append` with a
//!    realistic ~300-byte audit event until `N` events are acknowledged. Each append commits to
//!    its payload (RFC 8785 + salted SHA-256), encrypts it with the tenant key, and waits until
//!    its group commit (entries, payloads, completed tiles, the tree-head compare-and-swap) is
//!    durable.
//! 2. **Raw insert**: a second fresh database; the very rows the ledger wrote (envelopes, leaf
//!    hashes, salts, ciphertexts, read back from the first) are inserted into the same tables
//!    in transactions of 1,024 rows with multi-row `INSERT`s, one commit each — what the store
//!    would do with no ledger at all.
//!
//! SQLite runs in WAL mode with `synchronous=FULL` in both (the store's own settings); on
//! PostgreSQL each run gets its own schema, dropped at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::time::Instant;

use probity_core::keys::KeyService;
use probity_core::ledger::{LedgerConfig, LedgerService};
use probity_core::platform::TenantId;
use probity_core::store::Store;
use probity_core::{Clock, SystemClock};
use probity_crypto::Kek;
use probity_store::{PgStore, SqliteStore};
use serde_json::json;
use sqlx::Row as _;

/// Rows per raw transaction: the sequencer's largest batch.
const RAW_BATCH: usize = 1_024;
/// Rows per multi-row `INSERT` statement (as the store does).
const ROWS_PER_INSERT: usize = 1_024;

struct Args {
    backend: String,
    events: u64,
    appenders: u64,
    url: String,
}

fn args() -> Args {
    let mut args = Args {
        backend: "sqlite".into(),
        events: 200_000,
        appenders: 2_048,
        url: "postgres://postgres@127.0.0.1:5432/test".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--backend" => args.backend = value,
            "--events" => args.events = value.parse().expect("--events N"),
            "--appenders" => args.appenders = value.parse().expect("--appenders C"),
            "--url" => args.url = value,
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// A fresh database of the chosen backend; the guard keeps the SQLite directory alive.
enum Db {
    Sqlite(SqliteStore, #[allow(dead_code)] tempfile::TempDir),
    Postgres(PgStore, String),
}

impl Db {
    async fn fresh(args: &Args) -> Db {
        match args.backend.as_str() {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                let store = SqliteStore::open(&dir.path().join("probity.db"))
                    .await
                    .unwrap();
                store.migrate().await.unwrap();
                Db::Sqlite(store, dir)
            }
            "postgres" => {
                let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
                let store = PgStore::open(&args.url, Some(&schema)).await.unwrap();
                store.migrate().await.unwrap();
                Db::Postgres(store, schema)
            }
            other => panic!("unknown backend {other}"),
        }
    }

    fn store(&self) -> Arc<dyn Store> {
        match self {
            Db::Sqlite(s, _) => Arc::new(s.clone()),
            Db::Postgres(s, _) => Arc::new(s.clone()),
        }
    }

    async fn finish(self) {
        if let Db::Postgres(store, schema) = self {
            let drop = format!("DROP SCHEMA \"{schema}\" CASCADE");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(store.pool())
                .await
                .unwrap();
        }
    }
}

/// One stored row pair: entry and payload.
struct Row {
    seq: i64,
    envelope: Vec<u8>,
    leaf_hash: Vec<u8>,
    salt: Vec<u8>,
    payload: Vec<u8>,
}

macro_rules! read_rows {
    ($pool:expr, $tenant:expr) => {{
        let found = sqlx::query(
            "SELECT e.seq, e.envelope, e.leaf_hash, p.salt, p.payload \
             FROM ledger_entries e JOIN ledger_payloads p \
               ON p.tenant_id = e.tenant_id AND p.seq = e.seq \
             WHERE e.tenant_id = $1 ORDER BY e.seq",
        )
        .bind($tenant.0)
        .fetch_all($pool)
        .await
        .unwrap();
        found
            .iter()
            .map(|r| Row {
                seq: r.get("seq"),
                envelope: r.get("envelope"),
                leaf_hash: r.get("leaf_hash"),
                salt: r.get("salt"),
                payload: r.get("payload"),
            })
            .collect::<Vec<_>>()
    }};
}

macro_rules! raw_insert {
    ($db:ty, $pool:expr, $tenant:expr, $rows:expr) => {{
        for batch in $rows.chunks(RAW_BATCH) {
            let mut tx = $pool.begin().await.unwrap();
            for chunk in batch.chunks(ROWS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO ledger_entries (tenant_id, seq, envelope, leaf_hash) ",
                );
                insert.push_values(chunk, |mut row, r| {
                    row.push_bind($tenant.0)
                        .push_bind(r.seq)
                        .push_bind(r.envelope.as_slice())
                        .push_bind(r.leaf_hash.as_slice());
                });
                insert.build().execute(&mut *tx).await.unwrap();
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO ledger_payloads (tenant_id, seq, salt, payload) ",
                );
                insert.push_values(chunk, |mut row, r| {
                    row.push_bind($tenant.0)
                        .push_bind(r.seq)
                        .push_bind(r.salt.as_slice())
                        .push_bind(r.payload.as_slice());
                });
                insert.build().execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
    }};
}

fn event(task: u64, i: u64) -> serde_json::Value {
    json!({
        "event_type": "data.accessed",
        "category": "data_access",
        "severity": "info",
        "actor": { "type": "service", "id": format!("svc-billing-{task}"), "name": "billing worker" },
        "action": "read",
        "resource": { "type": "invoice", "id": format!("inv-2026-{i:06}") },
        "outcome": "success",
        "ip": "10.20.30.40",
        "request_id": format!("req-{task}-{i}"),
        "occurred_at": "2026-11-23T06:00:00.000000Z",
        "details": { "rows": 12, "fields": ["amount", "customer_id"] },
    })
}

#[tokio::main]
async fn main() {
    let args = args();
    println!(
        "backend {}, {} events, {} concurrent appenders",
        args.backend, args.events, args.appenders
    );

    // 1. The ledger.
    let db = Db::fresh(&args).await;
    let store = db.store();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = Arc::new(KeyService::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        Kek::generate(),
        Vec::new(),
    ));
    let ledger = Arc::new(LedgerService::new(
        Arc::clone(&store),
        keys,
        clock,
        LedgerConfig::default(),
    ));
    let tenant = TenantId::new();
    // The first append creates the tenant's data key: not part of the rate.
    ledger.append(tenant, "warm", &event(0, 0)).await.unwrap();
    let per_task = args.events / args.appenders;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..args.appenders {
        let ledger = Arc::clone(&ledger);
        tasks.push(tokio::spawn(async move {
            for i in 0..per_task {
                ledger
                    .append(tenant, "data.accessed", &event(task, i))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let ledger_secs = started.elapsed().as_secs_f64();
    let appended = per_task * args.appenders;
    let head = store.ledger_head(tenant).await.unwrap().unwrap();
    assert_eq!(head.size, appended + 1);
    let rows = match &db {
        Db::Sqlite(s, _) => read_rows!(s.pool(), tenant),
        Db::Postgres(s, _) => read_rows!(s.pool(), tenant),
    };
    assert_eq!(rows.len() as u64, appended + 1);
    db.finish().await;

    // 2. The raw insert of the same rows into a fresh database.
    let raw_db = Db::fresh(&args).await;
    let raw_tenant = TenantId::new();
    let rows = &rows[1..];
    let started = Instant::now();
    match &raw_db {
        Db::Sqlite(s, _) => raw_insert!(sqlx::Sqlite, s.pool(), raw_tenant, rows),
        Db::Postgres(s, _) => raw_insert!(sqlx::Postgres, s.pool(), raw_tenant, rows),
    }
    let raw_secs = started.elapsed().as_secs_f64();
    raw_db.finish().await;

    let ledger_rate = appended as f64 / ledger_secs;
    let raw_rate = rows.len() as f64 / raw_secs;
    let bytes: usize = rows
        .iter()
        .map(|r| r.envelope.len() + r.payload.len())
        .sum();
    println!(
        "row sizes: envelope + sealed payload {:.0} bytes on average",
        bytes as f64 / rows.len() as f64
    );
    println!(
        "ledger append (durable): {appended} events in {ledger_secs:.3} s = {ledger_rate:.0} events/s"
    );
    println!(
        "raw batched insert:      {} rows in {raw_secs:.3} s = {raw_rate:.0} rows/s",
        rows.len()
    );
    println!("ledger / raw: {:.1}%", 100.0 * ledger_rate / raw_rate);
}
