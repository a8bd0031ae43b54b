//! The ledger under real processes: two `probity serve` nodes on one PostgreSQL database append
//! to one tenant's log concurrently and produce one consistent tree; and a server killed with
//! SIGKILL at random moments during concurrent ingest loses no acknowledged event, with the
//! ledger verifying after every restart.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as StdCommand;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::{Running, probity, spawn_probity};

/// A running `probity serve` and its base URL.
struct Server {
    running: Running,
    url: String,
}

impl Server {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let (running, url) = spawn_probity(
            dir,
            env,
            &["serve", "--bind", "127.0.0.1:0"],
            "probity listening on ",
        );
        Server { running, url }
    }

    fn pid(&self) -> u32 {
        self.running.0.id()
    }
}

/// Runs `probity` with `env` and returns stdout.
fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = probity(dir)
        .envs(env.iter().copied())
        .args(args)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// A tenant `acme` and a contributor token for it.
fn tenant_and_token(dir: &Path, env: &[(&str, &str)]) -> String {
    run(
        dir,
        env,
        &["tenant", "create", "--slug", "acme", "--name", "Acme"],
    );
    run(
        dir,
        env,
        &[
            "token",
            "create",
            "--tenant",
            "acme",
            "--name",
            "ingest",
            "--role",
            "contributor",
        ],
    )
    .trim()
    .to_owned()
}

fn event(marker: &str) -> Value {
    json!({
        "event_type": "data.accessed",
        "category": "data_access",
        "actor": { "type": "service", "id": "loadgen" },
        "details": { "marker": marker },
    })
}

/// Posts events until `stop` is set; records `marker -> index` for every acknowledged one.
async fn ingest_until(
    url: String,
    token: String,
    worker: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
    acked: Arc<Mutex<BTreeMap<String, u64>>>,
    limit: usize,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for n in 0..limit {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let marker = format!("{url}-w{worker}-n{n}");
        let sent = client
            .post(format!("{url}/api/v1/audit/events"))
            .bearer_auth(&token)
            .json(&event(&marker))
            .send()
            .await;
        let Ok(reply) = sent else { break };
        if reply.status() != 201 {
            // A 503 under load is a refusal, not an acknowledgement.
            continue;
        }
        let Ok(body) = reply.json::<Value>().await else {
            break;
        };
        let index = body["index"].as_u64().unwrap();
        acked.lock().unwrap().insert(marker, index);
    }
}

/// Exports the tenant's log (signing a checkpoint of its whole head first) and checks that
/// every acknowledged marker is the payload of the entry at its acknowledged index.
fn check_exported(dir: &Path, env: &[(&str, &str)], acked: &BTreeMap<String, u64>) {
    let bundle = dir.join(format!("bundle-{}", uuid_like()));
    run(
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
    let payloads = super::audit_bundle::exported_payloads(&bundle);
    for (marker, index) in acked {
        let payload = payloads
            .get(index)
            .unwrap_or_else(|| panic!("acknowledged entry {index} is missing"));
        assert_eq!(
            payload["payload"]["details"]["marker"],
            marker.as_str(),
            "entry {index}"
        );
    }
    // And the bundle verifies offline.
    probity(dir)
        .args(["verify", bundle.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn two_servers_on_one_postgres_append_one_consistent_log() {
    let Ok(base) = std::env::var("PROBITY_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set PROBITY_TEST_DATABASE_URL to run the scale-out test"
        );
        eprintln!("PROBITY_TEST_DATABASE_URL is not set: skipping the scale-out test");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schema = format!("t_{}", uuid_like());
    let admin = rt.block_on(async {
        probity_store::PgStore::open(&base, Some(&schema))
            .await
            .unwrap()
    });
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // Every node must share one key-encryption key.
    let kek_file = kek_file(d);
    let env = [
        ("PROBITY_DATABASE__URL", url.as_str()),
        ("PROBITY_KEYS__KEK_FILE", kek_file.as_str()),
    ];
    run(d, &env, &["migrate"]);
    let token = tenant_and_token(d, &env);
    // Two nodes, one database, one data directory for the shared key-encryption key.
    let nodes = [Server::start(d, &env), Server::start(d, &env)];
    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    rt.block_on(async {
        let mut tasks = Vec::new();
        for worker in 0..16 {
            let node = &nodes[worker % 2];
            tasks.push(tokio::spawn(ingest_until(
                node.url.clone(),
                token.clone(),
                worker,
                Arc::clone(&stop),
                Arc::clone(&acked),
                40,
            )));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked.len(), 16 * 40, "every event was acknowledged");
    let mut indexes: Vec<u64> = acked.values().copied().collect();
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(indexes.len(), acked.len(), "no index was given twice");
    drop(nodes);
    // The stored log is one tree without gaps: every leaf, tile and root checks out.
    let verified = run(d, &env, &["audit", "verify", "--tenant", "acme"]);
    assert!(verified.contains("verified:"), "{verified}");
    check_exported(d, &env, &acked);
    rt.block_on(async {
        let drop = format!("DROP SCHEMA \"{schema}\" CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(admin.pool())
            .await
            .unwrap();
    });
}

/// Eight random bytes from the kernel.
fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").unwrap(),
        &mut bytes,
    )
    .unwrap();
    u64::from_le_bytes(bytes)
}

/// A fresh key-encryption key in a private file under `dir`; its path.
pub(crate) fn kek_file(dir: &Path) -> String {
    let mut kek = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").unwrap(), &mut kek).unwrap();
    let path = dir.join("kek.b64");
    std::fs::write(
        &path,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, kek),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A short random name.
pub(crate) fn uuid_like() -> String {
    format!("{:016x}", random_u64())
}

/// xorshift64*: reproducible "random" kill times from a printed seed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn sigkill_during_ingest_loses_no_acknowledged_event() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let token = tenant_and_token(d, &[]);
    let mut seed = std::env::var("PROBITY_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| random_u64() | 1);
    eprintln!("kill schedule seed: {seed} (replay with PROBITY_TEST_SEED)");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut all: BTreeMap<String, u64> = BTreeMap::new();
    for round in 0..6 {
        let server = Server::start(d, &[]);
        let acked = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let kill_after = Duration::from_millis(150 + next(&mut seed) % 900);
        rt.block_on(async {
            let mut tasks = Vec::new();
            for worker in 0..8 {
                tasks.push(tokio::spawn(ingest_until(
                    server.url.clone(),
                    token.clone(),
                    round * 100 + worker,
                    Arc::clone(&stop),
                    Arc::clone(&acked),
                    100_000,
                )));
            }
            tokio::time::sleep(kill_after).await;
            // SIGKILL mid-ingest: no shutdown, no flush, requests in flight.
            let pid = server.pid().to_string();
            StdCommand::new("kill")
                .args(["-KILL", &pid])
                .status()
                .unwrap();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for task in tasks {
                task.await.unwrap();
            }
        });
        drop(server);
        let acked = acked.lock().unwrap().clone();
        eprintln!(
            "round {round}: killed after {kill_after:?}, {} events acknowledged",
            acked.len()
        );
        all.extend(acked);
        // Offline, the store verifies after the crash.
        probity(d)
            .args(["audit", "verify", "--tenant", "acme"])
            .assert()
            .success()
            .stdout(predicate::str::contains("verified:"));
    }
    assert!(
        !all.is_empty(),
        "some events were acknowledged before the kills"
    );
    // Every event acknowledged in any round is in the log, at the index it was given.
    check_exported(d, &[], &all);
}
