//! Test databases for the conformance suite: a fresh SQLite file or a fresh PostgreSQL schema
//! per test, and the macro that runs every behaviour on both backends.

use std::io::Write as _;
use std::sync::{Arc, Once};

use probity_core::store::Store;
use probity_store::{DatabaseTarget, PgStore};
use tempfile::TempDir;

/// The variable naming the PostgreSQL server the suite runs against.
pub const DATABASE_URL_VAR: &str = "PROBITY_TEST_DATABASE_URL";

/// Which backend a test database lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The name [`Store::backend`] reports and `migrations/` uses.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// One test's private database: a SQLite file in a temporary directory (removed on drop), or a
/// schema `t_<uuid>` in the PostgreSQL database (dropped by [`TestDatabase::finish`]; a failing
/// test leaves its schema behind for inspection).
pub struct TestDatabase {
    backend: Backend,
    target: DatabaseTarget,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    /// A fresh, empty database; `None` when PostgreSQL is not configured outside CI.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary directory");
                let target = DatabaseTarget::Sqlite(dir.path().join("probity.db"));
                Some(TestDatabase {
                    backend,
                    target,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let url = postgres_url()?;
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let target = DatabaseTarget::Postgres {
                    url,
                    schema: Some(schema),
                };
                Some(TestDatabase {
                    backend,
                    target,
                    _dir: None,
                })
            }
        }
    }

    /// The backend this database lives in.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the database is, for `probity_store::open` and `applied_migrations`.
    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    /// Opens the store (applying migrations), failing the test when the database is unreachable.
    pub async fn open(&self) -> Arc<dyn Store> {
        match probity_store::open(&self.target).await {
            Ok(store) => store,
            Err(e) => panic!("cannot open the {} test database: {e}", self.backend.name()),
        }
    }

    /// Drops the PostgreSQL schema; call at the end of a passing test.
    pub async fn finish(self) {
        if let DatabaseTarget::Postgres {
            url,
            schema: Some(schema),
        } = &self.target
        {
            let admin = PgStore::open(url, None)
                .await
                .expect("reconnect to drop the test schema");
            let drop = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(admin.pool())
                .await
                .expect("drop the test schema");
            admin.pool().close().await;
        }
    }
}

/// The PostgreSQL URL; without one, fails under CI and skips (saying so once) elsewhere.
fn postgres_url() -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "CI is set but {DATABASE_URL_VAR} is not: set it to a PostgreSQL URL \
             (e.g. postgres://postgres@127.0.0.1:5432/test) so the postgres conformance tests run"
        ),
        _ => {
            static SKIP_NOTICE: Once = Once::new();
            SKIP_NOTICE.call_once(|| {
                // Straight to stderr: libtest captures print! output of passing tests.
                let _ = writeln!(
                    std::io::stderr(),
                    "postgres conformance tests skipped: {DATABASE_URL_VAR} is not set"
                );
            });
            None
        }
    }
}

/// Expands every behaviour into `sqlite::<name>` and `postgres::<name>` tests.
///
/// `store` behaviours are `async fn(Arc<dyn Store>)` on a freshly migrated store; `database`
/// behaviours are `async fn(&TestDatabase)` for what needs the target itself (migrations,
/// restarts).
macro_rules! conformance_suite {
    (
        store: [$($smod:ident::$stest:ident),* $(,)?],
        database: [$($dmod:ident::$dtest:ident),* $(,)?] $(,)?
    ) => {
        crate::harness::conformance_suite!(@backend sqlite, Sqlite,
            [$($smod::$stest),*], [$($dmod::$dtest),*]);
        crate::harness::conformance_suite!(@backend postgres, Postgres,
            [$($smod::$stest),*], [$($dmod::$dtest),*]);
    };
    (
        @backend $backend:ident, $variant:ident,
        [$($smod:ident::$stest:ident),*], [$($dmod:ident::$dtest:ident),*]
    ) => {
        mod $backend {
            use crate::harness::{Backend, TestDatabase};

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $stest() {
                    let Some(db) = TestDatabase::create(Backend::$variant).await else {
                        return;
                    };
                    let store = db.open().await;
                    assert_eq!(store.backend(), Backend::$variant.name());
                    crate::$smod::$stest(store).await;
                    db.finish().await;
                }
            )*

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $dtest() {
                    let Some(db) = TestDatabase::create(Backend::$variant).await else {
                        return;
                    };
                    crate::$dmod::$dtest(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

pub(crate) use conformance_suite;
