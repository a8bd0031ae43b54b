//! Service levels through the store (issue #10 "Measure", the part `service_level_bench` leaves
//! out): 1,000,000 measurements for 100 SLAs over 90 days ingested with
//! `ServiceLevelService::import` in one call (what `probity sla import` does with a file), or
//! with `--batch N` through `ServiceLevelService::ingest` in calls of N (what API clients
//! send) — check, aggregate into 5-minute slices and the store's merge into day rows, one
//! transaction per call — then every SLA's current evaluation read back with
//! `ServiceLevelService::statuses` (what the dashboard and the sweep compute). Afterwards, and
//! untimed, every SLA's stored sums over the 90 days are checked against the raw points.
//!
//! ```text
//! cargo run --release -p probity -p probity-store --example slo_store_bench -- \
//!     [--backend sqlite|postgres] [--url postgres://...] [--measurements N] [--batch N] \
//!     [--ordered true]
//! ```
//!
//! `--ordered true` sends the measurements oldest first (a backfill in time order, or a live
//! feed) instead of spread at random over the 90 days in every call.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout
)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use probity_core::audit::{Actor, AuditRecord};
use probity_core::clock::ManualClock;
use probity_core::governance::Party;
use probity_core::platform::{Principal, Tenant, TenantId, TenantSlug};
use probity_core::service_level::evaluate::default_burn_rules;
use probity_core::service_level::window::WindowKind;
use probity_core::service_level::*;
use probity_core::store::Store;
use probity_store::{PgStore, SqliteStore};

const SLAS: usize = 100;
const DAYS: i64 = 90;

/// SplitMix64, so runs are comparable.
struct Mix(u64);

impl Mix {
    fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[tokio::main]
async fn main() {
    let mut backend = "sqlite".to_owned();
    let mut url = "postgres://postgres@127.0.0.1:5432/test".to_owned();
    let mut measurements = 1_000_000usize;
    let mut batch = 0usize;
    let mut ordered = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--backend" => backend = value,
            "--url" => url = value,
            "--measurements" => measurements = value.parse().expect("--measurements N"),
            "--batch" => batch = value.parse().expect("--batch N (0: one import call)"),
            "--ordered" => ordered = value.parse().expect("--ordered true|false"),
            other => panic!("unknown flag {other}"),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut schema = None;
    let store: Arc<dyn Store> = match backend.as_str() {
        "sqlite" => {
            let s = SqliteStore::open(&dir.path().join("probity.db"))
                .await
                .unwrap();
            s.migrate().await.unwrap();
            Arc::new(s)
        }
        "postgres" => {
            let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let s = PgStore::open(&url, Some(&name)).await.unwrap();
            s.migrate().await.unwrap();
            schema = Some((s.clone(), name));
            Arc::new(s)
        }
        other => panic!("unknown backend {other}"),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let tenant = Tenant {
        id: TenantId::new(),
        slug: TenantSlug::parse("bench").unwrap(),
        name: "Bench".into(),
        require_mfa: false,
        created_at: now,
    };
    let record = |kind: &str| {
        AuditRecord::new(
            Some(tenant.id),
            kind,
            &Actor::system("bench"),
            ("bench", kind.to_owned()),
            now,
        )
    };
    store
        .insert_tenant(&tenant, &record("tenant.created"))
        .await
        .unwrap();
    let party = Party {
        id: "bench".into(),
        name: "bench".into(),
    };
    let service = Service {
        id: ServiceId::new(),
        tenant_id: tenant.id,
        key: "api".into(),
        name: "API".into(),
        provider: "Platform".into(),
        customer: "internal".into(),
        description: String::new(),
        created_at: now,
        created_by: party.clone(),
    };
    store
        .insert_service(&service, &record("service.created"))
        .await
        .unwrap();
    let mut slos = Vec::new();
    for i in 0..SLAS {
        let latency = i.is_multiple_of(10);
        let slo = Slo {
            id: SloId::new(),
            tenant_id: tenant.id,
            service_id: service.id,
            name: format!("SLA {i:03}"),
            description: String::new(),
            metric: if latency {
                SloMetric::Latency
            } else {
                SloMetric::AvailabilityRequests
            },
            target_percent: if latency { 99.0 } else { 99.9 },
            threshold_ms: latency.then_some(300.0),
            window: WindowKind::Rolling30d,
            exclusions: Vec::new(),
            burn_rules: default_burn_rules(),
            escalation_minutes: vec![5, 15, 60],
            credits: None,
            source: None,
            pull: None,
            version: 1,
            created_at: now,
            created_by: party.clone(),
            updated_at: now,
            judged_until: None,
        };
        store
            .insert_slo(&slo, &record("slo.created"))
            .await
            .unwrap();
        slos.push(slo);
    }
    let service_levels = ServiceLevelService::new(Arc::clone(&store), clock);
    let who = Principal::system(tenant.clone(), "bench");
    let mut mix = Mix(42);
    let span = (DAYS * 86_400) as u64;
    let raw: Vec<MeasurementInput> = (0..measurements)
        .map(|_| {
            let s = &slos[(mix.bits() % SLAS as u64) as usize];
            let at = now - chrono::Duration::seconds((mix.bits() % span) as i64);
            if s.metric == SloMetric::Latency {
                MeasurementInput {
                    slo_id: s.id,
                    at,
                    good: None,
                    total: None,
                    value_ms: Some(20.0 + (mix.bits() % 400) as f64),
                    values_ms: None,
                }
            } else {
                let total = 50 + mix.bits() % 100;
                let bad = u64::from(mix.bits().is_multiple_of(1000)) * (mix.bits() % total);
                MeasurementInput {
                    slo_id: s.id,
                    at,
                    good: Some(total - bad),
                    total: Some(total),
                    value_ms: None,
                    values_ms: None,
                }
            }
        })
        .collect();
    let mut raw = raw;
    if ordered {
        raw.sort_by_key(|m| m.at);
    }

    let started = Instant::now();
    let mut accepted = 0usize;
    if batch == 0 {
        accepted = service_levels.import(&who, &raw).await.unwrap().accepted;
    } else {
        for chunk in raw.chunks(batch) {
            accepted += service_levels.ingest(&who, chunk).await.unwrap().accepted;
        }
    }
    let ingest = started.elapsed();
    assert_eq!(accepted, measurements, "every measurement lands");
    let started = Instant::now();
    let statuses = service_levels.statuses(&who).await.unwrap();
    let evaluate = started.elapsed();
    assert_eq!(statuses.len(), SLAS);
    let started = Instant::now();
    let again = service_levels.statuses(&who).await.unwrap();
    let evaluate_again = started.elapsed();
    assert_eq!(again.len(), SLAS);
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "{backend}: ingest of {measurements} measurements {} through the store: {:.0} ms ({:.0} measurements/s)",
        match (batch, ordered) {
            (0, _) => "in one import".to_owned(),
            (n, false) => format!("in calls of {n}, each spread over the {DAYS} days"),
            (n, true) => format!("in calls of {n}, oldest first"),
        },
        ms(ingest),
        measurements as f64 / ingest.as_secs_f64()
    );
    println!(
        "{backend}: evaluation of {SLAS} SLAs from the store: {:.1} ms (again: {:.1} ms)",
        ms(evaluate),
        ms(evaluate_again)
    );
    println!(
        "{backend}: ingest + evaluation: {:.0} ms",
        ms(ingest) + ms(evaluate)
    );
    // The stored sums against the raw points, SLA by SLA.
    let from = now - chrono::Duration::days(DAYS + 1);
    let to = now + chrono::Duration::days(1);
    for slo in &slos {
        let (mut good, mut total) = (0u64, 0u64);
        for m in raw.iter().filter(|m| m.slo_id == slo.id) {
            match m.value_ms {
                Some(v) => {
                    good += u64::from(v <= 300.0);
                    total += 1;
                }
                None => {
                    good += m.good.unwrap();
                    total += m.total.unwrap();
                }
            }
        }
        let stored = store.slice_sums(tenant.id, slo.id, from, to).await.unwrap();
        assert_eq!(stored, (good, total), "{}: stored sums", slo.name);
    }
    println!("{backend}: stored sums of all {SLAS} SLAs equal the raw points");
    if let Some((s, name)) = schema {
        let drop = format!("DROP SCHEMA \"{name}\" CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(s.pool())
            .await
            .unwrap();
    }
}
