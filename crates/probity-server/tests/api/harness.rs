//! The test server: the real application on 127.0.0.1 port 0 over a real store (a SQLite
//! file, or a fresh PostgreSQL schema), wired the way `probity serve` wires it, and the macro
//! that runs a behaviour on both stores.

use std::io::Write as _;
use std::sync::{Arc, Once};

use chrono::{DateTime, TimeZone, Utc};
use probity_core::keys::KeyService;
use probity_core::platform::{PlatformService, PlatformSettings};
use probity_core::store::Store;
use probity_core::{Clock, ManualClock, SystemClock};
use probity_crypto::{CsrfKey, HashCost, Kek};
use probity_server::{AppState, HttpSettings};
use probity_store::{DatabaseTarget, PgStore};
use reqwest::Method;
use serde_json::Value;
use tempfile::TempDir;

pub use crate::client::{Call, Reply, Session};
pub use crate::seed::{Org, World, seed};

/// The variable naming the PostgreSQL server the PostgreSQL variants run against.
pub const DATABASE_URL_VAR: &str = "PROBITY_TEST_DATABASE_URL";

/// The request body limit of the test server.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The password of every seeded account.
pub const PASSWORD: &str = "plum-orchard-lantern-42";

/// Where a [`ManualClock`] starts.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// One test's private database: a SQLite file in a temporary directory (removed on drop), or
/// a schema `t_<uuid>` in the PostgreSQL database (dropped by [`TestDatabase::finish`]; a
/// failing test leaves it behind for inspection).
pub struct TestDatabase {
    target: DatabaseTarget,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    /// A fresh SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let target = DatabaseTarget::Sqlite(dir.path().join("probity.db"));
        TestDatabase {
            target,
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL schema; `None` (after saying so once) when no server is configured
    /// outside CI. Under CI a missing URL fails the test.
    pub fn postgres() -> Option<Self> {
        let url = match std::env::var(DATABASE_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => url,
            _ if std::env::var_os("CI").is_some() => panic!(
                "CI is set but {DATABASE_URL_VAR} is not: set it to a PostgreSQL URL \
                 (e.g. postgres://postgres@127.0.0.1:5432/test) so the postgres API tests run"
            ),
            _ => {
                static SKIP_NOTICE: Once = Once::new();
                SKIP_NOTICE.call_once(|| {
                    // Straight to stderr: libtest captures print! output of passing tests.
                    let _ = writeln!(
                        std::io::stderr(),
                        "postgres API tests skipped: {DATABASE_URL_VAR} is not set"
                    );
                });
                return None;
            }
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        Some(TestDatabase {
            target: DatabaseTarget::Postgres {
                url,
                schema: Some(schema),
            },
            _dir: None,
        })
    }

    /// `sqlite` or `postgres`, as the store reports it.
    pub fn backend(&self) -> &'static str {
        match self.target {
            DatabaseTarget::Sqlite(_) => "sqlite",
            DatabaseTarget::Postgres { .. } => "postgres",
        }
    }

    /// Opens the store (applying migrations); may be called again to simulate a restart.
    pub async fn open(&self) -> Arc<dyn Store> {
        match probity_store::open(&self.target).await {
            Ok(store) => store,
            Err(e) => panic!("cannot open the {} test database: {e}", self.backend()),
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

/// The services over `store`, built as `probity serve` builds them, with cheap password
/// hashing and the test body limit.
pub async fn services(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> (Arc<PlatformService>, AppState) {
    let keys = Arc::new(KeyService::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        Kek::generate(),
        vec![],
    ));
    keys.check().await.expect("stored data keys unwrap");
    let settings = PlatformSettings {
        hash_cost: HashCost::Test,
        ..Default::default()
    };
    let ledger = Arc::new(probity_core::ledger::LedgerService::new(
        Arc::clone(&store),
        Arc::clone(&keys),
        Arc::clone(&clock),
        probity_core::ledger::LedgerConfig::default(),
    ));
    let platform = Arc::new(PlatformService::new(store, clock, keys, settings));
    let http = HttpSettings {
        body_limit_bytes: BODY_LIMIT,
        ..HttpSettings::default()
    };
    let state = AppState::new(Arc::clone(&platform), ledger, CsrfKey::generate(), http);
    (platform, state)
}

/// The running application.
pub struct TestServer {
    base: String,
    http: reqwest::Client,
    /// The platform service behind the server, for seeding and for checking state.
    pub platform: Arc<PlatformService>,
    /// The application state behind the server (ledger, settings), for driving background work.
    pub state: AppState,
    clock: Option<Arc<ManualClock>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    db: Option<TestDatabase>,
}

impl TestServer {
    /// A server over a fresh SQLite file with the real clock.
    pub async fn start() -> Self {
        Self::start_with(TestDatabase::sqlite(), false).await
    }

    /// A server over a fresh SQLite file whose clock moves only when the test says so.
    pub async fn start_manual() -> Self {
        Self::start_with(TestDatabase::sqlite(), true).await
    }

    /// A server over `db`, with a [`ManualClock`] at [`t0`] when `manual_clock`.
    pub async fn start_with(db: TestDatabase, manual_clock: bool) -> Self {
        let manual = manual_clock.then(|| Arc::new(ManualClock::new(t0())));
        let clock: Arc<dyn Clock> = match &manual {
            Some(m) => Arc::clone(m) as Arc<dyn Clock>,
            None => Arc::new(SystemClock),
        };
        let store = db.open().await;
        assert_eq!(store.backend(), db.backend());
        let (platform, state) = services(store, clock).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = probity_server::app(state.clone());
        let task = tokio::spawn(probity_server::serve(listener, app, async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        TestServer {
            base: format!("http://{addr}"),
            http,
            platform,
            state,
            clock: manual,
            stop: Some(stop),
            task: Some(task),
            db: Some(db),
        }
    }

    /// The manual clock; panics for servers on the real clock.
    pub fn clock(&self) -> &ManualClock {
        self.clock
            .as_deref()
            .expect("this test server runs on the real clock: use start_manual")
    }

    /// The current time of the server's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.platform.clock().now()
    }

    /// `http://127.0.0.1:<port>`, for clients that need the raw response (streams).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request to `path` (which may carry a query string).
    pub fn call(&self, method: Method, path: &str) -> Call {
        let label = format!("{method} {path}");
        Call::new(
            self.http.request(method, format!("{}{path}", self.base)),
            label,
        )
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Call {
        self.call(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> Call {
        self.call(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> Call {
        self.call(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(&self, path: &str) -> Call {
        self.call(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Call {
        self.call(Method::DELETE, path)
    }

    /// Signs in and returns the session; fails the test unless the answer is 200.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let reply = self
            .post("/api/v1/auth/login")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await;
        Session::from_login(&reply)
    }

    /// The OpenAPI document the server serves.
    pub async fn openapi(&self) -> Value {
        self.get("/api/v1/openapi.json").send().await.ok(200).json()
    }

    /// Runs one round of the background ledger work now: the audit outbox drain, the search
    /// projection catch-up and checkpoint signing, so reads of the audit trail see every
    /// change made so far.
    pub async fn settle(&self) {
        probity_server::ledger_task::tick(&self.state)
            .await
            .expect("ledger tick");
    }

    /// Stops the server gracefully and drops the database.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stops cleanly");
        }
        if let Some(db) = self.db.take() {
            db.finish().await;
        }
    }
}

/// Expands behaviours `async fn(TestDatabase)` into `sqlite::<name>` and `postgres::<name>`
/// tests (the PostgreSQL ones skip, or fail under CI, without `PROBITY_TEST_DATABASE_URL`).
macro_rules! on_both_stores {
    ($($module:ident::$test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    crate::$module::$test(crate::harness::TestDatabase::sqlite()).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(db) = crate::harness::TestDatabase::postgres() else {
                        return;
                    };
                    crate::$module::$test(db).await;
                }
            )*
        }
    };
}

pub(crate) use on_both_stores;
