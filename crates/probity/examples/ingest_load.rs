//! Load generator for the audit ingest API (used by `bench/ingest.sh`).
//!
//! ```text
//! ingest_load --url http://127.0.0.1:8080 --token prb_... --mode closed --concurrency 32 \
//!     --batch 1 --seconds 10
//! ingest_load ... --mode open --rate 5000 --seconds 10
//! ```
//!
//! `closed`: `concurrency` workers each send the next request as soon as the previous one is
//! answered (the throughput ceiling). `open`: requests start on a fixed schedule of `rate` per
//! second whatever the answers do (so latency is not hidden by a slowed sender, the coordinated
//! omission a closed loop suffers). `batch` 1 posts single events to `/api/v1/audit/events`;
//! above 1 it posts JSON arrays of that many to `/api/v1/audit/events:batch`. Prints requests
//! and events per second, latency percentiles over every request and the non-2xx count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

struct Args {
    url: String,
    token: String,
    mode: String,
    concurrency: usize,
    rate: u64,
    batch: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        token: String::new(),
        mode: "closed".into(),
        concurrency: 32,
        rate: 1000,
        batch: 1,
        seconds: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--url" => a.url = value,
            "--token" => a.token = value,
            "--mode" => a.mode = value,
            "--concurrency" => a.concurrency = value.parse().expect("--concurrency N"),
            "--rate" => a.rate = value.parse().expect("--rate N"),
            "--batch" => a.batch = value.parse().expect("--batch N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn event(n: usize) -> Value {
    json!({
        "event_type": "data.accessed",
        "category": "data_access",
        "severity": "low",
        "actor": { "type": "service", "id": format!("svc-{}", n % 50), "name": "Billing" },
        "action": "read",
        "resource": { "type": "invoice", "id": format!("inv-{n}") },
        "outcome": "success",
        "ip": "10.0.0.7",
        "control_ids": ["CC6.1"],
        "message": "invoice read by the billing export",
        "details": { "rows": 12, "export": "nightly" },
    })
}

struct Stats {
    latencies: Mutex<Vec<Duration>>,
    ok: AtomicU64,
    failed: AtomicU64,
}

async fn send(client: &reqwest::Client, url: &str, token: &str, body: &[u8], stats: &Stats) {
    let started = Instant::now();
    let reply = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await;
    let ok = match reply {
        Ok(r) => {
            let status = r.status();
            let _ = r.bytes().await;
            status.is_success()
        }
        Err(_) => false,
    };
    let took = started.elapsed();
    stats.latencies.lock().await.push(took);
    if ok {
        stats.ok.fetch_add(1, Ordering::Relaxed);
    } else {
        stats.failed.fetch_add(1, Ordering::Relaxed);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let a = args();
    let (path, body) = if a.batch <= 1 {
        (
            "/api/v1/audit/events",
            serde_json::to_vec(&event(0)).unwrap(),
        )
    } else {
        let batch: Vec<Value> = (0..a.batch).map(event).collect();
        (
            "/api/v1/audit/events:batch",
            serde_json::to_vec(&batch).unwrap(),
        )
    };
    let url = format!("{}{path}", a.url);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let stats = Arc::new(Stats {
        latencies: Mutex::new(Vec::new()),
        ok: AtomicU64::new(0),
        failed: AtomicU64::new(0),
    });
    let body = Arc::new(body);
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    if a.mode == "open" {
        let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / a.rate as f64));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut tasks = Vec::new();
        while Instant::now() < deadline {
            ticks.tick().await;
            let (client, url, token, body, stats) = (
                client.clone(),
                url.clone(),
                a.token.clone(),
                Arc::clone(&body),
                Arc::clone(&stats),
            );
            tasks.push(tokio::spawn(async move {
                send(&client, &url, &token, &body, &stats).await;
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    } else {
        let mut workers = Vec::new();
        for _ in 0..a.concurrency {
            let (client, url, token, body, stats) = (
                client.clone(),
                url.clone(),
                a.token.clone(),
                Arc::clone(&body),
                Arc::clone(&stats),
            );
            workers.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    send(&client, &url, &token, &body, &stats).await;
                }
            }));
        }
        for w in workers {
            let _ = w.await;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = stats.latencies.lock().await.clone();
    lat.sort();
    let ok = stats.ok.load(Ordering::Relaxed);
    let failed = stats.failed.load(Ordering::Relaxed);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "mode={} batch={} requests={} ok={} non2xx_or_error={} seconds={:.2} req/s={:.0} events/s={:.0} p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms",
        a.mode,
        a.batch,
        lat.len(),
        ok,
        failed,
        elapsed,
        ok as f64 / elapsed,
        (ok as f64 * a.batch.max(1) as f64) / elapsed,
        ms(percentile(&lat, 50.0)),
        ms(percentile(&lat, 90.0)),
        ms(percentile(&lat, 99.0)),
        ms(lat.last().copied().unwrap_or_default()),
    );
}
