//! `probity audit verify` against a tampered live store, on SQLite and on PostgreSQL: each
//! tampering is done with SQL straight on the tables (as an attacker with database access
//! would), named by the verdict with exit code 1, then undone. Last, the attacker rolls the
//! whole log back consistently (entries, tiles, tree head and checkpoints): the store alone
//! cannot tell, and the checkpoint an auditor kept from earlier does.

use std::path::Path;

use predicates::prelude::*;
use probity_ledger::{Hash, leaf_hash};
use tempfile::TempDir;

use super::probity;

/// The tenant filter every statement uses.
const ACME: &str = "tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')";

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs one statement with binds on either backend.
macro_rules! exec {
    ($pool:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        let sql = sqlx::AssertSqlSafe($sql.to_string());
        match $pool {
            Pool::Sqlite(p) => {
                sqlx::query(sqlx::AssertSqlSafe(sql.0.clone()))$(.bind($bind))*.execute(p).await.unwrap();
            }
            Pool::Postgres(p) => {
                sqlx::query(sql)$(.bind($bind))*.execute(p).await.unwrap();
            }
        }
    }};
}

/// Fetches one bytes column of one row.
macro_rules! bytes {
    ($pool:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        use sqlx::Row as _;
        let sql = $sql.to_string();
        let v: Vec<u8> = match $pool {
            Pool::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql))$(.bind($bind))*.fetch_one(p).await.unwrap().get(0),
            Pool::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql))$(.bind($bind))*.fetch_one(p).await.unwrap().get(0),
        };
        v
    }};
}

fn fails_naming(dir: &Path, env: &[(&str, &str)], extra: &[&str], needle: &str) {
    probity(dir)
        .envs(env.iter().copied())
        .args(["audit", "verify", "--tenant", "acme"])
        .args(extra)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(needle));
}

fn verifies(dir: &Path, env: &[(&str, &str)], extra: &[&str]) {
    probity(dir)
        .envs(env.iter().copied())
        .args(["audit", "verify", "--tenant", "acme"])
        .args(extra)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("verified: 301 entries")
                .or(predicate::str::contains("verified: 200 entries")),
        );
}

fn ok(dir: &Path, env: &[(&str, &str)], args: &[&str]) {
    probity(dir)
        .envs(env.iter().copied())
        .args(args)
        .assert()
        .success();
}

async fn matrix(dir: &Path, env: &[(&str, &str)], pool: &Pool) {
    ok(
        dir,
        env,
        &["tenant", "create", "--slug", "acme", "--name", "Acme"],
    );
    ok(
        dir,
        env,
        &[
            "ledger",
            "append",
            "--tenant",
            "acme",
            "--kind",
            "test.bulk",
            "--json",
            r#"{"msg":"hello"}"#,
            "--count",
            "300",
        ],
    );
    ok(
        dir,
        env,
        &[
            "ledger",
            "append",
            "--tenant",
            "acme",
            "--kind",
            "test.mark",
            "--json",
            r#"{"msg":"mark"}"#,
        ],
    );
    // Export signs a checkpoint at 301; the auditor keeps it.
    let bundle = dir.join("bundle");
    ok(
        dir,
        env,
        &[
            "audit",
            "export",
            "--tenant",
            "acme",
            "--out",
            bundle.to_str().unwrap(),
        ],
    );
    let trusted = dir.join("trusted-checkpoint");
    std::fs::copy(bundle.join("checkpoint"), &trusted).unwrap();
    let trusted_arg = ["--trusted-checkpoint", trusted.to_str().unwrap()];
    verifies(dir, env, &trusted_arg);

    // A payload byte changed (the sealed payload no longer opens under its commitment).
    let payload_sql = format!("SELECT payload FROM ledger_payloads WHERE {ACME} AND seq = 5");
    let original = bytes!(pool, payload_sql);
    let mut changed = original.clone();
    if let Some(b) = changed.last_mut() {
        *b ^= 1;
    }
    let update = format!("UPDATE ledger_payloads SET payload = $1 WHERE {ACME} AND seq = 5");
    exec!(pool, update, changed);
    fails_naming(dir, env, &[], "entry 5: payload altered");
    exec!(pool, update, original);
    verifies(dir, env, &[]);

    // An envelope field changed.
    let envelope_sql = format!("SELECT envelope FROM ledger_entries WHERE {ACME} AND seq = $1");
    let set_envelope = format!("UPDATE ledger_entries SET envelope = $1 WHERE {ACME} AND seq = $2");
    let original = bytes!(pool, envelope_sql, 300i64);
    let changed = String::from_utf8(original.clone())
        .unwrap()
        .replace("test.mark", "test.mork")
        .into_bytes();
    exec!(pool, set_envelope, changed, 300i64);
    fails_naming(dir, env, &[], "entry 300: envelope changed");
    exec!(pool, set_envelope, original.clone(), 300i64);
    verifies(dir, env, &[]);

    // An entry deleted.
    let leaf_sql = format!("SELECT leaf_hash FROM ledger_entries WHERE {ACME} AND seq = $1");
    let leaf10 = bytes!(pool, leaf_sql, 10i64);
    let env10 = bytes!(pool, envelope_sql, 10i64);
    exec!(
        pool,
        format!("DELETE FROM ledger_entries WHERE {ACME} AND seq = 10")
    );
    fails_naming(dir, env, &[], "entry 10:");
    exec!(
        pool,
        format!(
            "INSERT INTO ledger_entries (tenant_id, seq, envelope, leaf_hash) \
             SELECT id, 10, $1, $2 FROM tenants WHERE slug = 'acme'"
        ),
        env10.clone(),
        leaf10.clone()
    );
    verifies(dir, env, &[]);

    // Two entries swapped (envelopes and leaf hashes together).
    let env11 = bytes!(pool, envelope_sql, 11i64);
    let leaf11 = bytes!(pool, leaf_sql, 11i64);
    let set_entry = format!(
        "UPDATE ledger_entries SET envelope = $1, leaf_hash = $2 WHERE {ACME} AND seq = $3"
    );
    exec!(pool, set_entry, env11.clone(), leaf11.clone(), 10i64);
    exec!(pool, set_entry, env10.clone(), leaf10.clone(), 11i64);
    fails_naming(dir, env, &[], "entry 10:");
    exec!(pool, set_entry, env10.clone(), leaf10.clone(), 10i64);
    exec!(pool, set_entry, env11, leaf11, 11i64);
    verifies(dir, env, &[]);

    // A tile replaced.
    let tile_sql =
        format!("SELECT hashes FROM ledger_tiles WHERE {ACME} AND level = 0 AND idx = 0");
    let set_tile =
        format!("UPDATE ledger_tiles SET hashes = $1 WHERE {ACME} AND level = 0 AND idx = 0");
    let original = bytes!(pool, tile_sql);
    let mut changed = original.clone();
    if let Some(b) = changed.get_mut(40) {
        *b ^= 0x80;
    }
    exec!(pool, set_tile, changed);
    fails_naming(dir, env, &[], "tile/0/000: tile replaced");
    exec!(pool, set_tile, original);
    verifies(dir, env, &[]);

    // A checkpoint's root altered (its signature no longer verifies).
    let note_sql =
        format!("SELECT signed_note FROM ledger_checkpoints WHERE {ACME} AND size = 301");
    let note: String = match pool {
        Pool::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(note_sql.clone()))
            .fetch_one(p)
            .await
            .unwrap(),
        Pool::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(note_sql.clone()))
            .fetch_one(p)
            .await
            .unwrap(),
    };
    let mut lines: Vec<String> = note.lines().map(str::to_owned).collect();
    let root = Hash::from_base64(&lines[2]).unwrap();
    let mut other = root.0;
    other[0] ^= 1;
    lines[2] = Hash(other).to_base64();
    let forged = format!("{}\n", lines.join("\n"));
    let set_note =
        format!("UPDATE ledger_checkpoints SET signed_note = $1 WHERE {ACME} AND size = 301");
    exec!(pool, set_note, forged);
    fails_naming(dir, env, &[], "checkpoint");
    exec!(pool, set_note, note);
    verifies(dir, env, &[]);

    // The tree head rolled back alone: the stored checkpoint at 301 names the truncation.
    let head_root = format!("SELECT root FROM ledger_heads WHERE {ACME}");
    let root301 = bytes!(pool, head_root);
    let leaves: Vec<Hash> = {
        let mut leaves = Vec::new();
        for seq in 0..200i64 {
            leaves.push(Hash::from_slice(&bytes!(pool, leaf_sql, seq)).unwrap());
        }
        leaves
    };
    let root200 = probity_ledger::tree::root_from_leaf_hashes(&leaves);
    assert_eq!(leaves[0], leaf_hash(&bytes!(pool, envelope_sql, 0i64)));
    let set_head = format!("UPDATE ledger_heads SET size = $1, root = $2 WHERE {ACME}");
    exec!(pool, set_head, 200i64, root200.0.to_vec());
    fails_naming(dir, env, &[], "log truncated");
    exec!(pool, set_head, 301i64, root301);
    verifies(dir, env, &[]);

    // The whole log rolled back to 200, consistently: entries, payloads, tiles past it, the
    // head and the checkpoints. The store alone verifies; the auditor's checkpoint does not.
    exec!(
        pool,
        format!("DELETE FROM ledger_entries WHERE {ACME} AND seq >= 200")
    );
    exec!(
        pool,
        format!("DELETE FROM ledger_payloads WHERE {ACME} AND seq >= 200")
    );
    exec!(pool, format!("DELETE FROM ledger_tiles WHERE {ACME}"));
    exec!(pool, format!("DELETE FROM ledger_checkpoints WHERE {ACME}"));
    exec!(pool, set_head, 200i64, root200.0.to_vec());
    verifies(dir, env, &[]);
    fails_naming(dir, env, &trusted_arg, "trusted checkpoint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_store_tampering_is_named_on_sqlite() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // The store is created by the first command; open it after.
    ok(d, &[], &["migrate"]);
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(d.join("data/probity.db"));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    matrix(d, &[], &Pool::Sqlite(pool)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_store_tampering_is_named_on_postgres() {
    let Ok(base) = std::env::var("PROBITY_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set PROBITY_TEST_DATABASE_URL"
        );
        return;
    };
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let schema = format!("t_{}", super::ledger_processes::uuid_like());
    let admin = probity_store::PgStore::open(&base, Some(&schema))
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let kek_file = super::ledger_processes::kek_file(d);
    let env = [
        ("PROBITY_DATABASE__URL", url.as_str()),
        ("PROBITY_KEYS__KEK_FILE", kek_file.as_str()),
    ];
    ok(d, &env, &["migrate"]);
    matrix(d, &env, &Pool::Postgres(admin.pool().clone())).await;
    let drop = format!("DROP SCHEMA \"{schema}\" CASCADE");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(admin.pool())
        .await
        .unwrap();
}
