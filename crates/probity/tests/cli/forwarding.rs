//! SIEM forwarding through the real binary: a forwarder added with `probity audit forwarders
//! add` sends every ingested event to a TCP syslog collector; the server is stopped gracefully
//! (SIGTERM) and killed (SIGKILL) while events are still being forwarded, and after each
//! restart the collector ends up with every acknowledged event: nothing skipped, nothing
//! repeated after the graceful stop, and after the kill at most the one batch that was in
//! flight repeated, recognisable by its ledger indexes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::net::TcpListener;
use std::process::Command as StdCommand;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use predicates::prelude::*;
use probity_core::audit::syslog::{Frame, Framer, parse};
use serde_json::{Value, json};
use tempfile::TempDir;

use super::{probity, spawn_probity};

/// Starts a TCP syslog collector; returns its address and the `seq` of every frame received.
fn collector() -> (String, Arc<Mutex<Vec<u64>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seqs = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seqs);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut bytes = Vec::new();
            // A sender killed mid-batch may leave a cut frame: keep the whole frames only.
            let _ = stream.read_to_end(&mut bytes);
            let mut framer = Framer::new(1 << 20);
            framer.push(&bytes);
            while let Ok(Some(Frame::Message(m))) = framer.next_frame() {
                let message = parse(&m).unwrap();
                let seq = message.structured_data[0]
                    .params
                    .iter()
                    .find(|(k, _)| k == "seq")
                    .unwrap()
                    .1
                    .parse()
                    .unwrap();
                kept.lock().unwrap().push(seq);
            }
        }
    });
    (addr, seqs)
}

/// Posts `count` events in batches of 25; returns the ledger index of each acknowledged one.
async fn ingest_async(
    url: &str,
    token: &str,
    round: usize,
    count: usize,
    stop: Option<&AtomicBool>,
) -> Vec<u64> {
    let client = reqwest::Client::new();
    let mut acked = Vec::new();
    for start in (0..count).step_by(25) {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            break;
        }
        let batch: Vec<Value> = (start..(start + 25).min(count))
            .map(|n| {
                json!({
                    "event_type": "data.accessed",
                    "category": "data_access",
                    "actor": { "type": "service", "id": "loadgen" },
                    "message": format!("round {round} event {n}"),
                })
            })
            .collect();
        let sent = client
            .post(format!("{url}/api/v1/audit/events:batch"))
            .bearer_auth(token)
            .json(&batch)
            .send()
            .await;
        // Once the server is killed, requests fail: what was acknowledged counts.
        let Ok(reply) = sent else { break };
        if stop.is_none() {
            assert_eq!(reply.status(), 200);
        }
        let Ok(body) = reply.json::<Value>().await else {
            break;
        };
        for r in body["results"].as_array().unwrap() {
            acked.push(r["index"].as_u64().unwrap());
        }
    }
    acked
}

fn ingest(url: &str, token: &str, round: usize, count: usize) -> Vec<u64> {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(ingest_async(url, token, round, count, None))
}

/// Waits until every index in `want` has reached the collector.
fn wait_for_all(seqs: &Mutex<Vec<u64>>, want: &BTreeSet<u64>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got: BTreeSet<u64> = seqs.lock().unwrap().iter().copied().collect();
        let missing: Vec<&u64> = want.difference(&got).collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} acknowledged events never reached the collector, e.g. {:?}",
            missing.len(),
            missing.iter().take(5).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn counts(seqs: &Mutex<Vec<u64>>) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for seq in seqs.lock().unwrap().iter() {
        *counts.entry(*seq).or_insert(0) += 1;
    }
    counts
}

#[test]
fn forwarding_survives_graceful_stops_and_kills() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    probity(d)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let token = String::from_utf8(
        probity(d)
            .args([
                "token",
                "create",
                "--tenant",
                "acme",
                "--name",
                "ingest",
                "--role",
                "contributor",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
    .trim()
    .to_owned();
    let (addr, seqs) = collector();
    // Bad destinations are refused with the fix named.
    probity(d)
        .args([
            "audit",
            "forwarders",
            "add",
            "--tenant",
            "acme",
            "--name",
            "bad",
            "--to",
            "siem.example.com:514",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("tcp://host:port"));
    probity(d)
        .args([
            "audit",
            "forwarders",
            "add",
            "--tenant",
            "acme",
            "--name",
            "soc",
            "--to",
            &format!("tcp://{addr}"),
            "--source",
            "ingest",
            "--batch-size",
            "40",
        ])
        .assert()
        .success();
    let start = || {
        spawn_probity(
            d,
            &[],
            &["serve", "--bind", "127.0.0.1:0"],
            "probity listening on ",
        )
    };

    // Round 1: a graceful stop right after ingest, while the forwarder is catching up.
    let mut want = BTreeSet::new();
    let (server, url) = start();
    want.extend(ingest(&url, &token, 1, 300));
    drop(server); // SIGTERM, waits for the exit
    let (server, url) = start();
    wait_for_all(&seqs, &want);
    let counts1 = counts(&seqs);
    assert!(
        counts1.values().all(|n| *n == 1),
        "a graceful restart repeats nothing: {:?}",
        counts1.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert_eq!(counts1.len(), want.len());

    // Round 2: SIGKILL while events keep arriving and being forwarded.
    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let (url, token, stop) = (url.clone(), token.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(ingest_async(&url, &token, 2, 1_000_000, Some(&stop)))
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    StdCommand::new("kill")
        .args(["-KILL", &server.0.id().to_string()])
        .status()
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let acked = loader.join().unwrap();
    assert!(
        !acked.is_empty(),
        "events were acknowledged before the kill"
    );
    want.extend(acked);
    drop(server);
    let (_server, url) = start();
    // The restarted node waits out the dead node's lease, then continues.
    want.extend(ingest(&url, &token, 3, 50));
    wait_for_all(&seqs, &want);
    let counts2 = counts(&seqs);
    let repeated: Vec<u64> = counts2
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(seq, _)| *seq)
        .collect();
    assert!(counts2.values().all(|n| *n <= 2), "{counts2:?}");
    assert!(
        repeated.len() <= 40,
        "only the batch in flight may repeat: {repeated:?}"
    );
    if let (Some(first), Some(last)) = (repeated.first(), repeated.last()) {
        assert!(last - first < 40 + 10, "one batch: {repeated:?}");
    }
    eprintln!(
        "forwarded {} events; {} repeated after the kill",
        want.len(),
        repeated.len()
    );
}

#[test]
fn syslog_listener_from_configuration_feeds_the_trail() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // A listener for a tenant that does not exist, or without an address, is refused by key.
    std::fs::write(
        d.join("probity.toml"),
        "[[audit.syslog]]\ntenant = \"acme\"\n",
    )
    .unwrap();
    probity(d)
        .args(["config", "check"])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("audit.syslog[0]")
                .and(predicates::str::contains("tcp or udp")),
        );
    std::fs::write(
        d.join("probity.toml"),
        "[[audit.syslog]]\ntenant = \"acme\"\ntcp = \"localhost:514\"\n",
    )
    .unwrap();
    probity(d)
        .args(["config", "check"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("audit.syslog[0].tcp"));
    std::fs::write(
        d.join("probity.toml"),
        "[[audit.syslog]]\ntenant = \"acme\"\ntcp = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    probity(d)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .timeout(Duration::from_secs(60))
        .assert()
        .failure()
        .stderr(predicates::str::contains("no tenant with slug \"acme\""));

    probity(d)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let (_server, tcp) = spawn_probity(
        d,
        &[],
        &["serve", "--bind", "127.0.0.1:0"],
        "syslog listening on tcp://",
    );
    let mut stream = std::net::TcpStream::connect(&tcp).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"<86>1 2026-03-01T10:00:00Z web-1 sshd 4242 user.login.failed [probity@32473 actor_type=\"user\" actor_id=\"u-17\" outcome=\"failure\"] Failed password for u-17\n",
    )
    .unwrap();
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = probity(d)
            .args([
                "audit",
                "search",
                "--tenant",
                "acme",
                "--type",
                "user.login",
                "--output",
                "json",
            ])
            .assert()
            .success();
        let found: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        let items = found
            .get("items")
            .and_then(Value::as_array)
            .or(found.as_array())
            .cloned()
            .unwrap_or_default();
        if let Some(e) = items.first() {
            assert_eq!(e["actor_id"], "u-17");
            assert_eq!(e["outcome"], "failure");
            assert_eq!(e["message"], "Failed password for u-17");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the syslog event never became searchable"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
