//! The real `probity` binary, driven as a user would: configuration errors, tenants, users,
//! tokens, jobs, keys, and `serve --demo` with graceful shutdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn probity(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("probity").unwrap();
    cmd.current_dir(dir)
        .env_remove("PROBITY_CONFIG")
        .env("PROBITY_LOG", "warn")
        .arg("--data-dir")
        .arg(dir.join("data"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PROBITY_") && key != "PROBITY_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// A `probity` child process, stopped with SIGTERM (and waited for) when dropped.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = StdCommand::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// Starts `probity` in `dir` (data in `dir/data`) with `env` and `args`, and waits for a stdout
/// line containing `marker`; returns the process and the text after `marker` on that line.
pub fn spawn_probity(
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    marker: &str,
) -> (Running, String) {
    let mut command = StdCommand::new(assert_cmd::cargo::cargo_bin("probity"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PROBITY_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .current_dir(dir)
        .env("PROBITY_LOG", "warn")
        .envs(env.iter().copied())
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some((_, rest)) = line.split_once(marker) {
            let found = rest.split_whitespace().next().unwrap_or_default();
            let found = found.trim_end_matches('/').to_owned();
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (running, found);
        }
    }
    panic!("probity {args:?} did not print {marker:?}");
}

fn password_file(dir: &Path, text: &str) -> String {
    let path = dir.join("pw");
    std::fs::write(&path, format!("{text}\n")).unwrap();
    path.display().to_string()
}

#[test]
fn config_check_redacts_secrets() {
    let dir = TempDir::new().unwrap();
    probity(dir.path())
        .args(["config", "check"])
        .env(
            "PROBITY_DATABASE__URL",
            "postgres://app:hunter2hunter2@db:5432/probity",
        )
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "postgres://app:***@db:5432/probity",
        ))
        .stdout(predicate::str::contains("hunter2").not());
}

#[test]
fn configuration_errors_name_the_key_and_exit_2() {
    let dir = TempDir::new().unwrap();
    probity(dir.path())
        .args(["config", "check"])
        .env("PROBITY_SERVER__BIND", "localhost")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("server.bind")
                .and(predicate::str::contains("\"localhost\""))
                .and(predicate::str::contains("host:port")),
        );
    probity(dir.path())
        .args(["config", "check"])
        .env("PROBITY_SERVER__BODY_LIMIT_BYTES", "lots")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("server.body_limit_bytes")
                .and(predicate::str::contains("lots")),
        );
    std::fs::write(dir.path().join("probity.toml"), "[server]\nbindd = \"x\"\n").unwrap();
    probity(dir.path())
        .args(["config", "check"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("server.bindd").and(predicate::str::contains("unknown field")),
        );
    std::fs::write(dir.path().join("probity.toml"), "[log]\nformat = \"xml\"\n").unwrap();
    probity(dir.path())
        .args(["config", "check"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("log.format").and(predicate::str::contains("json or pretty")),
        );
    probity(dir.path())
        .args(["--config", "missing.toml", "config", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn toml_then_env_then_flags() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("probity.toml"),
        "[server]\nbind = \"127.0.0.1:1111\"\nrequest_timeout_secs = 7\n",
    )
    .unwrap();
    probity(dir.path())
        .args(["config", "check"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("127.0.0.1:1111")
                .and(predicate::str::contains("request_timeout_secs = 7")),
        );
    probity(dir.path())
        .args(["config", "check"])
        .env("PROBITY_SERVER__BIND", "127.0.0.1:2222")
        .assert()
        .success()
        .stdout(predicate::str::contains("127.0.0.1:2222"));
    let url_file = dir.path().join("db-url");
    std::fs::write(&url_file, "postgres://svc:topsecret@db/p\n").unwrap();
    probity(dir.path())
        .args(["config", "check"])
        .env("PROBITY_DATABASE__URL_FILE", &url_file)
        .assert()
        .success()
        .stdout(predicate::str::contains("postgres://svc:***@db/p"));
}

#[test]
fn tenants_users_and_tokens() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme Corp"])
        .assert()
        .success();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Again"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    probity(p)
        .args(["tenant", "create", "--slug", "Not OK", "--name", "X"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("slug"));
    let out = probity(p)
        .args(["tenant", "list", "--output", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(list[0]["slug"], "acme");

    let weak = password_file(p, "password1234");
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ada@acme.test",
            "--role",
            "admin",
            "--password-file",
            &weak,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("password"));
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ada@acme.test",
            "--role",
            "boss",
            "--password-file",
            &weak,
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--role").and(predicate::str::contains("compliance_manager")),
        );
    let good = password_file(p, "correct horse battery staple");
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ada@acme.test",
            "--role",
            "admin",
            "--password-file",
            &good,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("ada@acme.test"));
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "bob@acme.test",
            "--role",
            "viewer",
        ])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--password-file"));

    probity(p)
        .args([
            "token",
            "create",
            "--tenant",
            "acme",
            "--role",
            "auditor",
            "--expires",
            "soon",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--expires").and(predicate::str::contains("30d")));
    let out = probity(p)
        .args([
            "token",
            "create",
            "--tenant",
            "acme",
            "--role",
            "auditor",
            "--expires",
            "30d",
            "--name",
            "siem",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let token = String::from_utf8(out).unwrap();
    assert!(token.trim().starts_with("prb_"), "{token}");
    let out = probity(p)
        .args(["token", "list", "--tenant", "acme", "--output", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let tokens: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(tokens[0]["name"], "siem");
    assert!(
        !String::from_utf8_lossy(&out).contains(token.trim()),
        "the secret must never be listed"
    );
    let id = tokens[0]["id"].as_str().unwrap().to_owned();
    probity(p)
        .args(["token", "revoke", "--tenant", "acme", "--id", &id])
        .assert()
        .success();
    probity(p)
        .args(["token", "revoke", "--tenant", "acme", "--id", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not found"));
}

#[test]
fn key_rotation_queues_a_rewrap_job_and_a_wrong_kek_fails_clearly() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    probity(p)
        .args(["keys", "rotate", "--tenant", "acme"])
        .assert()
        .success();
    probity(p)
        .args(["jobs", "list", "--status", "queued"])
        .assert()
        .success()
        .stdout(predicate::str::contains("keys.rewrap"));
    probity(p)
        .args(["jobs", "list", "--status", "sleeping"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--status"));
    probity(p)
        .args(["keys", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("data keys unwrap"));
    let kek = p.join("data").join("kek");
    assert!(
        kek.exists(),
        "the embedded default generates a key-encryption key in the data directory"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&kek).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let old = std::fs::read_to_string(&kek).unwrap();
    std::fs::write(&kek, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    probity(p).args(["keys", "check"]).assert().code(1).stderr(
        predicate::str::contains("key-encryption key")
            .and(predicate::str::contains("previous_kek_files")),
    );
    let previous = p.join("old-kek");
    std::fs::write(&previous, old).unwrap();
    probity(p)
        .args(["keys", "rewrap"])
        .env(
            "PROBITY_KEYS__PREVIOUS_KEK_FILES",
            format!("[\"{}\"]", previous.display()),
        )
        .assert()
        .success();
    probity(p).args(["keys", "check"]).assert().success();
}

#[test]
fn migrate_reports_applied_migrations() {
    let dir = TempDir::new().unwrap();
    probity(dir.path())
        .args(["migrate"])
        .assert()
        .success()
        .stdout(predicate::str::contains("platform"));
    probity(dir.path())
        .args(["migrate", "--status", "--output", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("platform"));
}

#[test]
fn serve_demo_answers_and_shuts_down_gracefully() {
    let dir = TempDir::new().unwrap();
    for round in 0..2 {
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("probity"))
            .current_dir(dir.path())
            .env("PROBITY_LOG", "warn")
            .args([
                "--data-dir",
                "data",
                "serve",
                "--demo",
                "--bind",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut url = None;
        let mut password = None;
        while Instant::now() < deadline && (url.is_none() || password.is_none()) {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(u) = line.trim().strip_prefix("URL:") {
                url = Some(u.trim().trim_end_matches('/').to_owned());
            }
            if let Some(pw) = line.trim().strip_prefix("Password:") {
                password = Some(pw.trim().to_owned());
            }
        }
        let url = url.expect("serve --demo prints the URL");
        assert_eq!(
            password.as_deref(),
            Some("demo-probity-2026"),
            "round {round}"
        );
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let client = reqwest::Client::new();
            let health = client.get(format!("{url}/healthz")).send().await.unwrap();
            assert_eq!(health.status(), 200);
            let login = client
                .post(format!("{url}/api/v1/auth/login"))
                .json(&serde_json::json!({ "email": "admin@demo.probity.test", "password": "demo-probity-2026" }))
                .send()
                .await
                .unwrap();
            assert_eq!(login.status(), 200);
            let body: serde_json::Value = login.json().await.unwrap();
            assert_eq!(body["tenant"]["slug"], "demo");
        });
        let pid = child.id().to_string();
        StdCommand::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "SIGTERM ends the server cleanly: {status:?}"
        );
        // The demo privacy data is seeded once, however often the demo starts.
        let listed = probity(dir.path())
            .args([
                "-o", "json", "privacy", "requests", "list", "--tenant", "demo",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let requests: serde_json::Value = serde_json::from_slice(&listed).unwrap();
        let requests = requests.as_array().unwrap();
        assert_eq!(requests.len(), 8, "round {round}");
        assert_eq!(requests.iter().filter(|r| r["overdue"] == true).count(), 1);
        assert_eq!(
            requests.iter().filter(|r| r["state"] == "extended").count(),
            1
        );
        let listed = probity(dir.path())
            .args([
                "-o", "json", "privacy", "breaches", "list", "--tenant", "demo",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let breaches: serde_json::Value = serde_json::from_slice(&listed).unwrap();
        let breaches = breaches.as_array().unwrap();
        assert_eq!(breaches.len(), 2, "round {round}");
        assert!(breaches.iter().any(|b| {
            b["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["status"] == "running" && c["period"] == "72 hours")
        }));
        // The demo consent: three purposes, eleven events, once; a subject who withdrew.
        let listed = probity(dir.path())
            .args([
                "-o", "json", "privacy", "consent", "purposes", "--tenant", "demo",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let purposes: serde_json::Value = serde_json::from_slice(&listed).unwrap();
        let purposes = purposes.as_array().unwrap();
        assert_eq!(purposes.len(), 3, "round {round}");
        let events: u64 = purposes
            .iter()
            .map(|p| p["grants"].as_u64().unwrap() + p["withdrawals"].as_u64().unwrap())
            .sum();
        assert_eq!(events, 11, "round {round}");
        probity(dir.path())
            .args([
                "privacy",
                "consent",
                "state",
                "--tenant",
                "demo",
                "cust-44120",
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains("withdrawn"));
        // The demo record of processing: six activities (sickness absence with health data
        // under Art. 9(2)(b), a newsletter on consent), an approved CCTV DPIA, two schedules.
        let listed = probity(dir.path())
            .args([
                "-o",
                "json",
                "privacy",
                "activities",
                "list",
                "--tenant",
                "demo",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let activities: serde_json::Value = serde_json::from_slice(&listed).unwrap();
        let activities = activities.as_array().unwrap();
        assert_eq!(activities.len(), 6, "round {round}");
        assert!(activities.iter().any(|a| {
            a["art9_condition"] == "employment_social_security"
                && a["data_categories"]
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::json!("health"))
        }));
        assert!(activities.iter().any(|a| a["legal_basis"] == "consent"));
        let cctv = activities
            .iter()
            .find(|a| a["name"] == "CCTV at the warehouse")
            .unwrap();
        assert_eq!(cctv["dpias"][0]["label"], "approved", "{cctv}");
        assert_eq!(cctv["retention_schedules"][0]["reference"], "RET-001");
        // The demo tickets too: a dozen, one breached, one waiting on the customer, one at
        // risk (on the around-the-clock calendar, so whatever the hour).
        let listed = probity(dir.path())
            .args([
                "-o", "json", "support", "tickets", "list", "--tenant", "demo",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let tickets: serde_json::Value = serde_json::from_slice(&listed).unwrap();
        let tickets = tickets.as_array().unwrap();
        assert_eq!(tickets.len(), 12, "round {round}");
        for state in ["breached", "paused", "at_risk"] {
            assert!(
                tickets.iter().any(|t| t["sla_state"] == state),
                "round {round}: no {state} ticket"
            );
        }
        assert!(tickets.iter().any(|t| t["status"] == "pending_customer"));
    }
}

#[path = "cli/assurance.rs"]
mod assurance;
#[path = "cli/audit_bundle.rs"]
mod audit_bundle;
#[path = "cli/audit_search.rs"]
mod audit_search;
#[path = "cli/calendar.rs"]
mod calendar;
#[path = "cli/catalog.rs"]
mod catalog;
#[path = "cli/consent.rs"]
mod consent;
#[path = "cli/forwarding.rs"]
mod forwarding;
#[path = "cli/governance.rs"]
mod governance;
#[path = "cli/ledger_processes.rs"]
mod ledger_processes;
#[path = "cli/live_tamper.rs"]
mod live_tamper;
#[path = "cli/oscal.rs"]
mod oscal;
#[path = "cli/privacy.rs"]
mod privacy;
#[path = "cli/privacy_records.rs"]
mod privacy_records;
#[path = "cli/report.rs"]
mod report;
#[path = "cli/retention.rs"]
mod retention;
#[path = "cli/sla.rs"]
mod sla;
#[path = "cli/support.rs"]
mod support;
#[path = "cli/witness.rs"]
mod witness;

/// A one-shot HTTP receiver on 127.0.0.1: answers each request 204 and hands over its head.
fn http_receiver() -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut buf = vec![0_u8; 64 * 1024];
            let n = stream.read(&mut buf).unwrap();
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .unwrap();
        }
    });
    (port, rx)
}

#[test]
fn notify_channels_add_list_test_and_remove() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let (port, requests) = http_receiver();
    let url = format!("http://127.0.0.1:{port}/hook");
    let added = probity(p)
        .args([
            "notify", "channels", "add", "--tenant", "acme", "--name", "ops",
        ])
        .args(["--kind", "webhook", "--url", &url])
        .assert()
        .success()
        .stderr(predicate::str::contains("shown only once"));
    let secret = String::from_utf8(added.get_output().stdout.clone()).unwrap();
    assert!(secret.trim().starts_with("whsec_"), "{secret}");
    probity(p)
        .args([
            "notify", "channels", "add", "--tenant", "acme", "--name", "x",
        ])
        .args(["--kind", "fax"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--kind"));
    probity(p)
        .args([
            "notify", "channels", "list", "--tenant", "acme", "-o", "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"ops\"").and(predicate::str::contains(&url)))
        .stdout(predicate::str::contains("whsec_").not());

    probity(p)
        .args(["notify", "test", "--tenant", "acme", "ops"])
        .assert()
        .success()
        .stdout(predicate::str::contains("delivered").and(predicate::str::contains("204")));
    let request = requests
        .recv_timeout(Duration::from_secs(10))
        .expect("the receiver got the test message");
    assert!(request.starts_with("POST /hook "), "{request}");
    let lower = request.to_ascii_lowercase();
    for header in [
        "webhook-id: msg_",
        "webhook-timestamp: ",
        "webhook-signature: v1,",
    ] {
        assert!(lower.contains(header), "{header} missing: {request}");
    }

    probity(p)
        .args(["notify", "channels", "remove", "--tenant", "acme", "ops"])
        .assert()
        .success();
    probity(p)
        .args(["notify", "test", "--tenant", "acme", "ops"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not found"));
}
