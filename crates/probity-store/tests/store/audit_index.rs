//! The audit search projection: rows are written only with a compare-and-swap on the tenant's
//! cursor (so concurrent indexers never write a range twice), every filter and the full-text
//! query select exactly the matching rows of the tenant, erased entries leave the index (full
//! text included), and the indexer catches a real ledger's entries up exactly once.

use std::sync::Arc;

use chrono::Duration;
use probity_core::audit::event::{Category, EventOutcome, Severity};
use probity_core::audit::index::{Bucket, EventFilter, EventSource, IndexPage, IndexedEvent};
use probity_core::audit::indexer::Indexer;
use probity_core::keys::KeyService;
use probity_core::ledger::{LedgerConfig, LedgerService};
use probity_core::platform::TenantId;
use probity_core::store::Store;
use probity_core::{Clock, ManualClock};
use probity_crypto::Kek;
use serde_json::json;

use crate::fixtures::{at, t0};

fn row(index: u64) -> IndexedEvent {
    IndexedEvent {
        index,
        source: EventSource::Ingest,
        event_type: if index.is_multiple_of(2) {
            "user.login.failed".into()
        } else {
            "data.accessed".into()
        },
        category: if index.is_multiple_of(2) {
            Category::Authentication
        } else {
            Category::DataAccess
        },
        severity: Severity::ALL[(index % 5) as usize],
        actor_type: "user".into(),
        actor_id: format!("user-{}", index % 3),
        actor_name: "Someone".into(),
        action: "read".into(),
        resource_type: Some("file".into()),
        resource_id: Some(format!("f{}", index % 4)),
        outcome: if index.is_multiple_of(3) {
            EventOutcome::Denied
        } else {
            EventOutcome::Success
        },
        ip: Some("192.0.2.1".into()),
        control_ids: if index == 5 {
            vec!["A.8.15".into(), "CC7_2".into()]
        } else {
            vec![]
        },
        risk_score: Some(index as f64 / 10.0),
        subject_ids: if index == 6 {
            vec!["subject%_1".into()]
        } else {
            vec![]
        },
        occurred_at: at(index as i64 * 60),
        recorded_at: at(index as i64 * 60),
        message: (index == 4).then(|| "Payroll export to the Zürich office".to_owned()),
        payload: json!({ "details": { "n": index, "note": if index == 3 { "breakglass used" } else { "ok" } } }),
    }
}

async fn find(store: &Arc<dyn Store>, tenant: TenantId, f: EventFilter) -> Vec<u64> {
    let page = IndexPage {
        limit: 100,
        before: None,
    };
    store
        .search_events(tenant, &f, &page)
        .await
        .unwrap()
        .iter()
        .map(|e| e.index)
        .collect()
}

pub async fn audit_index_filters_text_and_cursor(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    let other = TenantId::new();
    let rows: Vec<IndexedEvent> = (0..8).map(row).collect();
    assert_eq!(store.index_cursor(tenant).await.unwrap(), 0);
    assert!(store.index_entries(tenant, 0, 8, &rows).await.unwrap());
    // A second writer of the same range loses the compare-and-swap and writes nothing.
    assert!(!store.index_entries(tenant, 0, 8, &rows).await.unwrap());
    assert!(!store.index_entries(tenant, 3, 9, &[row(8)]).await.unwrap());
    assert_eq!(store.index_cursor(tenant).await.unwrap(), 8);
    assert!(store.index_entries(other, 0, 1, &[row(0)]).await.unwrap());

    let all = find(&store, tenant, EventFilter::default()).await;
    assert_eq!(all, vec![7, 6, 5, 4, 3, 2, 1, 0]);
    let read_back = store
        .search_events(
            tenant,
            &EventFilter::default(),
            &IndexPage {
                limit: 100,
                before: Some(6),
            },
        )
        .await
        .unwrap();
    assert_eq!(read_back[0], rows[5], "a row reads back field for field");

    let cases: Vec<(EventFilter, Vec<u64>)> = vec![
        (
            EventFilter {
                type_prefix: Some("user".into()),
                ..Default::default()
            },
            vec![6, 4, 2, 0],
        ),
        (
            EventFilter {
                type_prefix: Some("user.log".into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            EventFilter {
                min_severity: Some(Severity::High),
                ..Default::default()
            },
            vec![4, 3],
        ),
        (
            EventFilter {
                outcome: Some(EventOutcome::Denied),
                actor: Some("user-0".into()),
                ..Default::default()
            },
            vec![6, 3, 0],
        ),
        (
            EventFilter {
                resource_type: Some("file".into()),
                resource_id: Some("f1".into()),
                ..Default::default()
            },
            vec![5, 1],
        ),
        (
            EventFilter {
                control_id: Some("CC7_2".into()),
                ..Default::default()
            },
            vec![5],
        ),
        (
            EventFilter {
                control_id: Some("CC7".into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            // Any of 2,000 ids, the one that matches last: the OR chain stays within
            // SQLite's expression depth limit.
            EventFilter {
                control_any: (0..1999)
                    .map(|i| format!("X{i}"))
                    .chain(["CC7_2".to_owned()])
                    .collect(),
                ..Default::default()
            },
            vec![5],
        ),
        (
            EventFilter {
                subject_id: Some("subject%_1".into()),
                ..Default::default()
            },
            vec![6],
        ),
        (
            EventFilter {
                subject_id: Some("subject".into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            EventFilter {
                min_risk: Some(0.65),
                ..Default::default()
            },
            vec![7],
        ),
        (
            EventFilter {
                from: Some(at(120)),
                to: Some(at(300)),
                ..Default::default()
            },
            vec![4, 3, 2],
        ),
        (
            EventFilter {
                text: Some(vec!["breakglass".into()]),
                ..Default::default()
            },
            vec![3],
        ),
        (
            EventFilter {
                text: Some(vec!["payroll".into(), "zürich".into()]),
                ..Default::default()
            },
            vec![4],
        ),
        (
            EventFilter {
                text: Some(vec!["payroll".into(), "breakglass".into()]),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            find(&store, tenant, filter.clone()).await,
            expected,
            "{filter:?}"
        );
    }

    let stats = store
        .event_statistics(tenant, &EventFilter::default(), Bucket::Hour, 2)
        .await
        .unwrap();
    assert_eq!(stats.total, 8);
    assert_eq!(stats.by_type.len(), 2);
    assert_eq!(stats.top_actors.len(), 2);
    assert_eq!(stats.histogram.len(), 1);
    assert_eq!(stats.histogram[0].count, 8);
    assert_eq!(
        stats.histogram[0].start,
        t0() - Duration::microseconds(123_456)
    );

    // Erasing entries takes them out of the index, full text included.
    store.unindex_entries(tenant, &[3, 4]).await.unwrap();
    let text = |w: &str| EventFilter {
        text: Some(vec![w.into()]),
        ..Default::default()
    };
    assert!(find(&store, tenant, text("breakglass")).await.is_empty());
    assert!(find(&store, tenant, text("payroll")).await.is_empty());
    assert_eq!(find(&store, tenant, EventFilter::default()).await.len(), 6);
    assert_eq!(find(&store, other, EventFilter::default()).await, vec![0]);
}

pub async fn audit_indexer_catches_up_once(store: Arc<dyn Store>) {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let keys = Arc::new(KeyService::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        Kek::generate(),
        Vec::new(),
    ));
    let ledger = Arc::new(LedgerService::new(
        Arc::clone(&store),
        keys,
        clock,
        LedgerConfig::default(),
    ));
    let tenant = TenantId::new();
    let payloads: Vec<serde_json::Value> = (0..5)
        .map(|n| {
            json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "tenant_id": tenant.to_string(),
                "event_type": "control.updated",
                "actor": {"kind": "system", "id": "cli", "display": "probity cli"},
                "resource_type": "control",
                "resource_id": format!("c{n}"),
                "outcome": "success",
                "details": {"n": n},
                "recorded_at": t0().to_rfc3339(),
            })
        })
        .collect();
    let refs: Vec<(&str, &serde_json::Value)> =
        payloads.iter().map(|p| ("control.updated", p)).collect();
    for r in ledger.append_many(tenant, &refs).await.unwrap() {
        r.unwrap();
    }
    let a = Indexer::new(Arc::clone(&ledger), Arc::clone(&store) as _);
    let b = Indexer::new(Arc::clone(&ledger), Arc::clone(&store) as _);
    let (x, y) = tokio::join!(a.catch_up(tenant, u64::MAX), b.catch_up(tenant, u64::MAX));
    assert_eq!(x.unwrap() + y.unwrap(), 5, "each entry indexed once");
    assert_eq!(a.catch_up(tenant, u64::MAX).await.unwrap(), 0);
    let found = store
        .search_events(
            tenant,
            &EventFilter::default(),
            &IndexPage {
                limit: 50,
                before: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 5);
    assert!(found.iter().all(|e| e.source == EventSource::Probity
        && e.category == Category::Compliance
        && e.resource_type.as_deref() == Some("control")));
}
