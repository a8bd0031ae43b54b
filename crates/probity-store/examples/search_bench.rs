//! Audit search latency over a large projection, beside a naive scan of the same rows.
//!
//! ```text
//! cargo run --release -p probity-store --example search_bench -- \
//!     [--backend sqlite|postgres] [--events N] [--runs R] [--url postgres://...]
//! ```
//!
//! With `SEARCH_BENCH_KEEP=1` a PostgreSQL run keeps its schema (named in the output) for
//! `EXPLAIN`; drop it by hand afterwards.
//!
//! 1. **Fill**: a fresh database; `N` synthetic audit events (40 types, 9 categories, 2,000
//!    actors, 50,000 resources, messages of 6–12 words over a 5,000-word vocabulary, times
//!    spread over 90 days) written through `AuditIndexStore::index_entries` in chunks of 2,000,
//!    as the indexer writes them.
//! 2. **Queries**: each query shape runs `R` times with varying values; p50, p95 and max.
//! 3. **Baseline**: the full-text queries again as a naive `LIKE '%word%'` scan of the stored
//!    payload (no word index), the way a store without full-text search would answer them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use probity_core::audit::event::{Category, EventOutcome, Severity};
use probity_core::audit::index::{
    AuditIndexStore, Bucket, EventFilter, EventSource, IndexPage, IndexedEvent,
};
use probity_core::platform::TenantId;
use probity_store::{PgStore, SqliteStore};
use serde_json::json;

struct Args {
    backend: String,
    events: u64,
    runs: usize,
    url: String,
}

fn args() -> Args {
    let mut args = Args {
        backend: "sqlite".into(),
        events: 1_000_000,
        runs: 200,
        url: "postgres://postgres@127.0.0.1:5432/test".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--backend" => args.backend = value,
            "--events" => args.events = value.parse().expect("--events N"),
            "--runs" => args.runs = value.parse().expect("--runs R"),
            "--url" => args.url = value,
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// A small deterministic generator (SplitMix64), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Skewed pick: small values far more often (a few hot actors, types and words).
    fn skewed(&mut self, n: u64) -> u64 {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b).min(self.below(n))
    }
}

fn word(i: u64) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "pi", "qua", "ne", "zu", "bor", "tek",
        "li", "mar",
    ];
    let mut w = String::new();
    let mut x = i;
    for _ in 0..3 {
        w.push_str(SYL[(x % 16) as usize]);
        x /= 16;
    }
    w.push_str(&(i % 7).to_string());
    w
}

const VOCABULARY: u64 = 5_000;
const DAYS: i64 = 90;

fn event(rng: &mut Rng, index: u64, total: u64) -> IndexedEvent {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let span_us = DAYS * 86_400_000_000;
    // Times grow with the index, as they do in a ledger.
    let t = start
        + chrono::Duration::microseconds(
            (i128::from(span_us) * i128::from(index) / i128::from(total.max(1))) as i64,
        );
    let type_n = rng.skewed(40);
    let words: Vec<String> = (0..6 + rng.below(7))
        .map(|_| word(rng.skewed(VOCABULARY)))
        .collect();
    IndexedEvent {
        index,
        source: EventSource::Ingest,
        event_type: format!("area{}.thing{}.did{}", type_n % 5, type_n % 8, type_n),
        category: Category::ALL[(type_n % 9) as usize],
        severity: Severity::ALL[rng.skewed(5) as usize],
        actor_type: "user".into(),
        actor_id: format!("user-{}", rng.skewed(2_000)),
        actor_name: "Bench User".into(),
        action: "act".into(),
        resource_type: Some(format!("kind{}", type_n % 12)),
        resource_id: Some(format!("r{}", rng.below(50_000))),
        outcome: EventOutcome::ALL[rng.skewed(4) as usize],
        ip: Some(format!(
            "10.{}.{}.{}",
            rng.below(4),
            rng.below(256),
            rng.below(256)
        )),
        control_ids: vec![format!("CC{}.{}", 1 + rng.below(9), 1 + rng.below(5))],
        risk_score: Some(rng.below(100) as f64 / 100.0),
        subject_ids: Vec::new(),
        occurred_at: t,
        recorded_at: t,
        message: Some(words.join(" ")),
        payload: json!({ "details": { "request_bytes": rng.below(100_000) } }),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut times: Vec<Duration>, hits: u64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "{name:<44} p50 {:>8.2} ms  p95 {:>8.2} ms  max {:>8.2} ms  ({} runs, {:.1} rows/query)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(*times.last().unwrap()),
        times.len(),
        hits as f64 / times.len() as f64
    );
}

#[tokio::main]
async fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite: Option<SqliteStore> = None;
    let mut pg: Option<(PgStore, String)> = None;
    let store: Arc<dyn AuditIndexStore> = match args.backend.as_str() {
        "sqlite" => {
            let s = SqliteStore::open(&dir.path().join("probity.db"))
                .await
                .unwrap();
            s.migrate().await.unwrap();
            sqlite = Some(s.clone());
            Arc::new(s)
        }
        "postgres" => {
            let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let s = PgStore::open(&args.url, Some(&schema)).await.unwrap();
            s.migrate().await.unwrap();
            pg = Some((s.clone(), schema));
            Arc::new(s)
        }
        other => panic!("unknown backend {other}"),
    };
    let tenant = TenantId::new();
    let mut rng = Rng(42);

    let started = Instant::now();
    let mut next = 0u64;
    while next < args.events {
        let to = (next + 2_000).min(args.events);
        let rows: Vec<IndexedEvent> = (next..to)
            .map(|i| event(&mut rng, i, args.events))
            .collect();
        assert!(store.index_entries(tenant, next, to, &rows).await.unwrap());
        next = to;
    }
    let fill = started.elapsed();
    println!(
        "fill: {} events in {:.1} s ({:.0} events/s) on {}",
        args.events,
        fill.as_secs_f64(),
        args.events as f64 / fill.as_secs_f64(),
        args.backend
    );

    if let Some((s, _)) = &pg {
        // What autovacuum does on its own once a table has grown by a tenth: without it the
        // planner still believes the empty table's statistics right after the bulk fill and
        // picks plans for a few thousand rows (a type-prefix query measured 290 ms that way).
        sqlx::query("ANALYZE audit_index")
            .execute(s.pool())
            .await
            .unwrap();
        println!("analyzed audit_index");
    }

    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let page = IndexPage {
        limit: 50,
        before: None,
    };
    let mut q = Rng(7);
    type Shape = (&'static str, Box<dyn Fn(&mut Rng) -> EventFilter>);
    let shapes: Vec<Shape> = vec![
        (
            "newest page, no filter",
            Box::new(|_| EventFilter::default()),
        ),
        (
            "type prefix + min severity high",
            Box::new(|r| EventFilter {
                type_prefix: Some(format!("area{}", r.below(5))),
                min_severity: Some(Severity::High),
                ..Default::default()
            }),
        ),
        (
            "actor",
            Box::new(|r| EventFilter {
                actor: Some(format!("user-{}", r.below(2_000))),
                ..Default::default()
            }),
        ),
        (
            "resource type:id",
            Box::new(|r| {
                let n = r.below(40);
                EventFilter {
                    resource_type: Some(format!("kind{}", n % 12)),
                    resource_id: Some(format!("r{}", r.below(50_000))),
                    ..Default::default()
                }
            }),
        ),
        (
            "one day + category + outcome failure",
            Box::new(move |r| {
                let day = start + chrono::Duration::days(r.below(DAYS as u64) as i64);
                EventFilter {
                    from: Some(day),
                    to: Some(day + chrono::Duration::days(1)),
                    category: Some(Category::ALL[r.below(9) as usize]),
                    outcome: Some(EventOutcome::Failure),
                    ..Default::default()
                }
            }),
        ),
        (
            "full text: one rare word",
            Box::new(|r| EventFilter {
                text: Some(vec![word(VOCABULARY - 1 - r.below(1_000))]),
                ..Default::default()
            }),
        ),
        (
            "full text: two words + type prefix",
            Box::new(|r| EventFilter {
                text: Some(vec![word(r.below(50)), word(r.below(200))]),
                type_prefix: Some(format!("area{}", r.below(5))),
                ..Default::default()
            }),
        ),
        (
            "full text: common word + last 7 days",
            Box::new(move |r| EventFilter {
                text: Some(vec![word(r.below(20))]),
                from: Some(start + chrono::Duration::days(DAYS - 7)),
                ..Default::default()
            }),
        ),
    ];
    for (name, make) in &shapes {
        let mut times = Vec::with_capacity(args.runs);
        let mut hits = 0u64;
        for _ in 0..args.runs {
            let filter = make(&mut q);
            let t = Instant::now();
            let found = store.search_events(tenant, &filter, &page).await.unwrap();
            times.push(t.elapsed());
            hits += found.len() as u64;
        }
        report(name, times, hits);
    }
    let mut times = Vec::new();
    for _ in 0..args.runs.min(50) {
        let day = start + chrono::Duration::days(q.below(DAYS as u64) as i64);
        let filter = EventFilter {
            from: Some(day),
            to: Some(day + chrono::Duration::days(1)),
            ..Default::default()
        };
        let t = Instant::now();
        let stats = store
            .event_statistics(tenant, &filter, Bucket::Hour, 10)
            .await
            .unwrap();
        times.push(t.elapsed());
        assert!(stats.total > 0);
    }
    report("statistics over one day (hourly)", times, 0);

    // Baseline: the full-text shapes as a naive scan of the stored text.
    let runs = args.runs.min(10);
    let mut times = Vec::new();
    let mut hits = 0u64;
    for _ in 0..runs {
        let w = word(VOCABULARY - 1 - q.below(1_000));
        let sql = format!(
            "SELECT seq FROM audit_index WHERE tenant_id = $1 AND message LIKE '%{w}%' \
             ORDER BY seq DESC LIMIT 51"
        );
        let t = Instant::now();
        let n = match (&pg, &sqlite) {
            (Some((s, _)), _) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.0)
                .fetch_all(s.pool())
                .await
                .unwrap()
                .len(),
            (None, Some(s)) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.0)
                .fetch_all(s.pool())
                .await
                .unwrap()
                .len(),
            (None, None) => unreachable!("one backend is open"),
        };
        times.push(t.elapsed());
        hits += n as u64;
    }
    report("baseline: one rare word as LIKE scan", times, hits);

    if let Some((s, schema)) = pg {
        if std::env::var_os("SEARCH_BENCH_KEEP").is_some() {
            // Kept for EXPLAIN: `SET search_path TO <schema>` in psql, drop it when done.
            println!("kept schema {schema} (tenant {})", tenant.0);
            return;
        }
        let drop = format!("DROP SCHEMA \"{schema}\" CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(s.pool())
            .await
            .unwrap();
    }
}
