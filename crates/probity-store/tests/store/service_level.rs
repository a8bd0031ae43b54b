//! The service-level store: concurrent merges of one slice lose no counts and no sketch
//! values (ingests of an SLO are serialised on its row), an SLO changes only from the version
//! it was read at, a month has at most one credit per SLA, and open violations are the unended
//! or unacknowledged ones. Slices are packed a day per row: ranges across midnight read and
//! sum the same as slice by slice, and rows stored a slice each before migration 0031 move
//! into day rows when the store opens.

use std::sync::Arc;

use chrono::Duration;
use probity_core::governance::Party;
use probity_core::platform::{Tenant, TenantId};
use probity_core::service_level::sketch::DdSketch;
use probity_core::service_level::*;
use probity_core::store::{Store, StoreError};
use probity_store::{DatabaseTarget, PgStore, SqliteStore};

use crate::fixtures::{event, t0, tenant};
use crate::harness::TestDatabase;

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

fn slo(tenant: probity_core::platform::TenantId, service: ServiceId) -> Slo {
    Slo {
        id: SloId::new(),
        tenant_id: tenant,
        service_id: service,
        name: "API latency".into(),
        description: String::new(),
        metric: SloMetric::Latency,
        target_percent: 99.0,
        threshold_ms: Some(300.0),
        window: WindowKind::Rolling30d,
        exclusions: vec![],
        burn_rules: evaluate::default_burn_rules(),
        escalation_minutes: vec![5],
        credits: None,
        source: None,
        pull: None,
        version: 1,
        created_at: t0(),
        created_by: party(),
        updated_at: t0(),
        judged_until: None,
    }
}

/// Tenant `acme` with its service `api`, stored.
async fn acme_with_service(store: &Arc<dyn Store>) -> (Tenant, Service) {
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    let service = Service {
        id: ServiceId::new(),
        tenant_id: acme.id,
        key: "api".into(),
        name: "API".into(),
        provider: "Platform".into(),
        customer: "internal".into(),
        description: String::new(),
        created_at: t0(),
        created_by: party(),
    };
    store
        .insert_service(&service, &event(Some(acme.id), "service.created"))
        .await
        .unwrap();
    (acme, service)
}

pub async fn slo_slices_merge_concurrently_and_records_keep_their_rules(store: Arc<dyn Store>) {
    let (acme, service) = acme_with_service(&store).await;
    let again = Service {
        id: ServiceId::new(),
        ..service.clone()
    };
    assert!(matches!(
        store
            .insert_service(&again, &event(Some(acme.id), "service.created"))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    let mut s = slo(acme.id, service.id);
    store
        .insert_slo(&s, &event(Some(acme.id), "slo.created"))
        .await
        .unwrap();

    // Eight writers merge into the same two slices at once.
    let slice = window::slice_start(t0());
    let writers: Vec<_> = (0..8u64)
        .map(|w| {
            let store = Arc::clone(&store);
            let id = s.id;
            tokio::spawn(async move {
                let deltas: Vec<SloSlice> = [slice, slice + Duration::minutes(5)]
                    .into_iter()
                    .map(|start| {
                        let mut sketch = DdSketch::new();
                        sketch.add((w + 1) as f64 * 10.0);
                        SloSlice {
                            slo_id: id,
                            start,
                            good: 1,
                            total: 2,
                            sketch: Some(sketch),
                        }
                    })
                    .collect();
                store
                    .merge_slices(
                        acme.id,
                        &deltas,
                        &event(Some(acme.id), "slo.measurements.ingested"),
                    )
                    .await
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap().unwrap();
    }
    let stored = store
        .slices(acme.id, s.id, slice, slice + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    for st in &stored {
        assert_eq!((st.good, st.total), (8, 16), "no merge lost: {st:?}");
        let sk = st.sketch.as_ref().unwrap();
        assert_eq!(sk.count(), 8);
        assert_eq!(sk.max(), Some(80.0));
    }
    // Another tenant's range is empty.
    let globex = tenant("globex");
    assert!(
        store
            .slices(globex.id, s.id, slice, slice + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
    // The counts-only read gives the same counts without the sketches.
    let counts = store
        .slice_counts(acme.id, s.id, slice, slice + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        counts
            .iter()
            .map(|c| (c.start, c.good, c.total, c.sketch.is_none()))
            .collect::<Vec<_>>(),
        stored
            .iter()
            .map(|c| (c.start, c.good, c.total, true))
            .collect::<Vec<_>>()
    );
    assert!(
        store
            .slice_counts(globex.id, s.id, slice, slice + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
    // Sums: both slices (8 of 16 each), one of them, none, and nothing for another tenant.
    let hour = slice + Duration::hours(1);
    assert_eq!(
        store.slice_sums(acme.id, s.id, slice, hour).await.unwrap(),
        (16, 32)
    );
    assert_eq!(
        store
            .slice_sums(acme.id, s.id, stored[1].start, hour)
            .await
            .unwrap(),
        (8, 16)
    );
    assert_eq!(
        store.slice_sums(acme.id, s.id, hour, hour).await.unwrap(),
        (0, 0)
    );
    assert_eq!(
        store
            .slice_sums(globex.id, s.id, slice, hour)
            .await
            .unwrap(),
        (0, 0)
    );
    // A slice claiming more good than total counts as all good, no more.
    let over = slice + Duration::hours(2);
    store
        .merge_slices(
            acme.id,
            &[SloSlice {
                slo_id: s.id,
                start: over,
                good: 9,
                total: 4,
                sketch: None,
            }],
            &event(Some(acme.id), "slo.measurements.ingested"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .slice_sums(acme.id, s.id, slice, over + Duration::hours(1))
            .await
            .unwrap(),
        (20, 36)
    );
    // A second count-only delta for the same slice adds to it (9+1 good of 4+2: all 6 good).
    store
        .merge_slices(
            acme.id,
            &[SloSlice {
                slo_id: s.id,
                start: over,
                good: 1,
                total: 2,
                sketch: None,
            }],
            &event(Some(acme.id), "slo.measurements.ingested"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .slice_sums(acme.id, s.id, slice, over + Duration::hours(1))
            .await
            .unwrap(),
        (22, 38)
    );

    // Versions: only from the version read.
    s.version = 2;
    s.name = "API latency p99".into();
    assert!(
        store
            .update_slo(&s, &[], &event(Some(acme.id), "slo.updated"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_slo(&s, &[], &event(Some(acme.id), "slo.updated"))
            .await
            .unwrap(),
        "version 2 again: someone else's edit won"
    );
    store
        .set_slo_progress(acme.id, s.id, Some(t0()), None)
        .await
        .unwrap();
    let read = store.slo(acme.id, s.id).await.unwrap().unwrap();
    assert_eq!(read.version, 2);
    assert_eq!(read.judged_until, Some(t0()));

    // One credit per SLA and month.
    let month = Window::month(2026, 4).unwrap();
    let credit = ServiceCredit {
        id: ServiceCreditId::new(),
        tenant_id: acme.id,
        slo_id: s.id,
        slo_version: 2,
        window: month,
        compliance_percent: 99.5,
        quote: CreditQuote {
            tier: Some(0),
            credit_percent: 10.0,
            amount: 100.0,
            capped: false,
            below_minimum: false,
        },
        currency: "EUR".into(),
        status: CreditStatus::PendingApproval,
        claim_deadline: month.end + Duration::days(30),
        created_at: t0(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
    };
    store
        .insert_credit(&credit, &event(Some(acme.id), "service_credit.computed"))
        .await
        .unwrap();
    let twin = ServiceCredit {
        id: ServiceCreditId::new(),
        ..credit.clone()
    };
    assert!(matches!(
        store
            .insert_credit(&twin, &event(Some(acme.id), "service_credit.computed"))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    let approved = ServiceCredit {
        status: CreditStatus::Approved,
        ..credit.clone()
    };
    assert!(
        store
            .update_credit(
                &approved,
                CreditStatus::PendingApproval,
                &event(Some(acme.id), "service_credit.approved")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_credit(
                &approved,
                CreditStatus::PendingApproval,
                &event(Some(acme.id), "service_credit.approved")
            )
            .await
            .unwrap(),
        "decided once"
    );

    // Open violations: unended or unacknowledged.
    let mut v = SloViolation {
        id: SloViolationId::new(),
        tenant_id: acme.id,
        slo_id: s.id,
        slo_version: 2,
        kind: ViolationKind::BurnRate,
        severity: BurnSeverity::Critical,
        rule: evaluate::default_burn_rules().first().cloned(),
        window: None,
        summary: "burning".into(),
        started_at: t0(),
        ended_at: None,
        acknowledged_at: None,
        acknowledged_by: None,
        escalation_level: 0,
        measured: 20.0,
    };
    store
        .insert_slo_violation(&v, &event(Some(acme.id), "slo.violation.opened"))
        .await
        .unwrap();
    let open = |store: Arc<dyn Store>| async move {
        store
            .list_slo_violations(acme.id, Some(s.id), true)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(open(Arc::clone(&store)).await, 1);
    v.ended_at = Some(t0());
    store
        .update_slo_violation(&v, &event(Some(acme.id), "slo.violation.ended"))
        .await
        .unwrap();
    assert_eq!(
        open(Arc::clone(&store)).await,
        1,
        "ended but unacknowledged"
    );
    v.acknowledged_at = Some(t0());
    store
        .update_slo_violation(&v, &event(Some(acme.id), "slo.violation.acknowledged"))
        .await
        .unwrap();
    assert_eq!(open(Arc::clone(&store)).await, 0);
    assert_eq!(
        store
            .list_slo_violations(acme.id, None, false)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Runs `sql` with its binds on the test database (rows of the table before 0031).
async fn legacy(
    db: &TestDatabase,
    sql: &'static str,
    row: Option<(TenantId, SloId, i64, i64)>,
) -> i64 {
    macro_rules! run {
        ($pool:expr) => {
            match row {
                Some((tenant, slo, start_s, good)) => {
                    let mut sketch = DdSketch::new();
                    sketch.add(700.0);
                    sqlx::query(sql)
                        .bind(tenant.0)
                        .bind(slo.0)
                        .bind(start_s)
                        .bind(good)
                        .bind(sketch.to_bytes())
                        .execute($pool)
                        .await
                        .unwrap();
                    0
                }
                None => {
                    let n: i64 = sqlx::query_scalar(sql).fetch_one($pool).await.unwrap();
                    n
                }
            }
        };
    }
    match db.target() {
        DatabaseTarget::Sqlite(path) => {
            let s = SqliteStore::open(path).await.unwrap();
            run!(s.pool())
        }
        DatabaseTarget::Postgres { url, schema } => {
            let s = PgStore::open(url, schema.as_deref()).await.unwrap();
            run!(s.pool())
        }
    }
}

pub async fn slo_slices_span_days_and_rows_before_0031_move_into_days(db: &TestDatabase) {
    let store = db.open().await;
    let (acme, service) = acme_with_service(&store).await;
    let mut s = slo(acme.id, service.id);
    store
        .insert_slo(&s, &event(Some(acme.id), "slo.created"))
        .await
        .unwrap();
    let midnight = t0().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(1);
    let m = Duration::minutes;
    // 23:55 the day before, 00:00, 12:00 and 23:55 of one day, 00:05 the day after next; good
    // 1 to 5 of 10 each.
    let starts = [
        midnight - m(5),
        midnight,
        midnight + Duration::hours(12),
        midnight + Duration::days(1) - m(5),
        midnight + Duration::days(2) + m(5),
    ];
    let deltas: Vec<SloSlice> = starts
        .iter()
        .zip(1u64..)
        .map(|(start, good)| SloSlice {
            slo_id: s.id,
            start: *start,
            good,
            total: 10,
            sketch: None,
        })
        .collect();
    store
        .merge_slices(
            acme.id,
            &deltas,
            &event(Some(acme.id), "slo.measurements.ingested"),
        )
        .await
        .unwrap();
    let read = |from, to| {
        let store = Arc::clone(&store);
        let id = s.id;
        async move {
            store
                .slices(acme.id, id, from, to)
                .await
                .unwrap()
                .into_iter()
                .map(|x| (x.start, x.good))
                .collect::<Vec<_>>()
        }
    };
    let all = read(midnight - m(5), midnight + Duration::days(3)).await;
    assert_eq!(all, starts.iter().copied().zip(1u64..).collect::<Vec<_>>());
    let one_day = read(midnight, midnight + Duration::days(1)).await;
    assert_eq!(
        one_day,
        vec![(starts[1], 2), (starts[2], 3), (starts[3], 4)]
    );
    assert!(
        read(midnight + m(5), midnight + Duration::hours(12))
            .await
            .is_empty()
    );
    let sums = |from, to| {
        let store = Arc::clone(&store);
        let id = s.id;
        async move { store.slice_sums(acme.id, id, from, to).await.unwrap() }
    };
    // A partial day, a whole day and a partial day; partial days alone; within one day.
    assert_eq!(
        sums(midnight - m(5), midnight + Duration::days(2) + m(10)).await,
        (15, 50)
    );
    assert_eq!(
        sums(midnight - m(5), midnight + Duration::days(1)).await,
        (10, 40)
    );
    assert_eq!(
        sums(midnight + m(5), midnight + Duration::days(2) + m(5)).await,
        (7, 20)
    );
    assert_eq!(
        sums(midnight + m(5), midnight + Duration::hours(13)).await,
        (3, 10)
    );
    assert_eq!(
        sums(midnight + Duration::days(5), midnight + Duration::days(9)).await,
        (0, 0)
    );

    // A recount replaces the good count of a stored slice and the day's sums with it; a slice
    // never stored is not created.
    s.version = 2;
    let recount = [
        SloSlice {
            slo_id: s.id,
            start: starts[2],
            good: 10,
            total: 10,
            sketch: None,
        },
        SloSlice {
            slo_id: s.id,
            start: midnight + m(30),
            good: 10,
            total: 10,
            sketch: None,
        },
    ];
    assert!(
        store
            .update_slo(&s, &recount, &event(Some(acme.id), "slo.updated"))
            .await
            .unwrap()
    );
    assert_eq!(sums(midnight, midnight + Duration::days(1)).await, (16, 30));

    // Rows of the table before 0031: one in a stored day (merged into it), one in a day of
    // its own; the next open moves them and leaves the old table empty.
    const INSERT: &str = "INSERT INTO slo_slices (tenant_id, slo_id, start_s, good, total, sketch) \
                          VALUES ($1, $2, $3, $4, 10, $5)";
    legacy(db, INSERT, Some((acme.id, s.id, starts[2].timestamp(), 1))).await;
    let later = midnight + Duration::days(4) + Duration::hours(3);
    legacy(db, INSERT, Some((acme.id, s.id, later.timestamp(), 6))).await;
    const COUNT: &str = "SELECT COUNT(*) FROM slo_slices";
    assert_eq!(legacy(db, COUNT, None).await, 2);
    drop(store);
    let store = db.open().await;
    assert_eq!(legacy(db, COUNT, None).await, 0);
    let moved = store
        .slices(acme.id, s.id, midnight, midnight + Duration::days(5))
        .await
        .unwrap();
    let summary: Vec<_> = moved
        .iter()
        .map(|x| {
            (
                x.start,
                x.good,
                x.total,
                x.sketch.as_ref().map(DdSketch::count),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (starts[1], 2, 10, None),
            (starts[2], 11, 20, Some(1)),
            (starts[3], 4, 10, None),
            (starts[4], 5, 10, None),
            (later, 6, 10, Some(1)),
        ]
    );
    // Opening again finds nothing to move.
    drop(store);
    let store = db.open().await;
    assert_eq!(
        store
            .slice_sums(acme.id, s.id, midnight, midnight + Duration::days(5))
            .await
            .unwrap(),
        (2 + 11 + 4 + 5 + 6, 60)
    );
}
