//! Audit retention on a real ledger: policies save with a version compare-and-swap, holds are
//! listed per tenant and released once, retention candidates page by age and index, and
//! erasing entries drops their payloads and search rows and records the tombstone while
//! the ledger entries (and so every proof) stay, once and only for the tenant named.

use std::sync::Arc;

use chrono::Duration;
use probity_core::audit::index::{EventFilter, IndexPage};
use probity_core::audit::indexer::Indexer;
use probity_core::audit::retention::{
    HoldCriteria, LegalHold, LegalHoldId, RetentionPolicy, RetentionRule,
};
use probity_core::governance::Party;
use probity_core::keys::KeyService;
use probity_core::ledger::{LedgerConfig, LedgerService};
use probity_core::store::Store;
use probity_core::{Clock, ManualClock};
use probity_crypto::Kek;
use serde_json::json;

use crate::fixtures::{event, t0, tenant};

fn hold(tenant: probity_core::platform::TenantId, case: &str, minutes: i64) -> LegalHold {
    LegalHold {
        id: LegalHoldId::new(),
        tenant_id: tenant,
        case_id: case.into(),
        reason: "litigation".into(),
        criteria: HoldCriteria {
            actor: Some("user-1".into()),
            ..HoldCriteria::default()
        },
        created_by: Party {
            id: "cli".into(),
            name: "cli".into(),
        },
        created_at: t0() + Duration::minutes(minutes),
        released_at: None,
        released_by: None,
        release_reason: None,
    }
}

pub async fn retention_policies_holds_and_erasure_keep_proofs_and_tenants(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }

    // Policies: none saved, then version 1, a stale version 1 refused, then version 2.
    assert_eq!(store.retention_policy(acme.id).await.unwrap(), None);
    let mut policy = RetentionPolicy::default_for(acme.id);
    policy.version = 1;
    assert!(
        store
            .save_retention_policy(
                &policy,
                &event(Some(acme.id), "audit.retention.policy.updated")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .save_retention_policy(
                &policy,
                &event(Some(acme.id), "audit.retention.policy.updated")
            )
            .await
            .unwrap(),
        "a second first version"
    );
    policy.version = 2;
    policy.rules.push(RetentionRule {
        category: None,
        severity: None,
        keep_days: 30,
    });
    assert!(
        store
            .save_retention_policy(
                &policy,
                &event(Some(acme.id), "audit.retention.policy.updated")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .save_retention_policy(
                &policy,
                &event(Some(acme.id), "audit.retention.policy.updated")
            )
            .await
            .unwrap(),
        "version 2 again"
    );
    assert_eq!(store.retention_policy(acme.id).await.unwrap(), Some(policy));
    assert_eq!(store.retention_policy(globex.id).await.unwrap(), None);

    // Holds: newest first, per tenant, released once.
    let first = hold(acme.id, "CASE-1", 1);
    let second = hold(acme.id, "CASE-2", 2);
    let foreign = hold(globex.id, "CASE-9", 3);
    for h in [&first, &second, &foreign] {
        store
            .insert_legal_hold(h, &event(Some(h.tenant_id), "audit.legal_hold.placed"))
            .await
            .unwrap();
    }
    let ids = |hs: Vec<LegalHold>| hs.into_iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.legal_holds(acme.id, true).await.unwrap()),
        vec![second.id, first.id]
    );
    let mut released = first.clone();
    released.released_at = Some(t0() + Duration::hours(1));
    released.release_reason = Some("settled".into());
    assert!(
        store
            .release_legal_hold(
                &released,
                &event(Some(acme.id), "audit.legal_hold.released")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .release_legal_hold(
                &released,
                &event(Some(acme.id), "audit.legal_hold.released")
            )
            .await
            .unwrap(),
        "released once"
    );
    assert_eq!(
        ids(store.legal_holds(acme.id, true).await.unwrap()),
        vec![second.id]
    );
    assert_eq!(
        ids(store.legal_holds(acme.id, false).await.unwrap()),
        vec![second.id, first.id]
    );
    assert_eq!(
        store.legal_hold(acme.id, first.id).await.unwrap(),
        Some(released)
    );
    assert_eq!(store.legal_hold(globex.id, first.id).await.unwrap(), None);
    assert!(
        !store
            .release_legal_hold(
                &LegalHold {
                    tenant_id: globex.id,
                    ..second.clone()
                },
                &event(Some(globex.id), "audit.legal_hold.released")
            )
            .await
            .unwrap(),
        "not another tenant's hold"
    );

    // A real ledger: six entries for acme, one for globex, recorded an hour apart.
    let clock = Arc::new(ManualClock::new(t0()));
    let dyn_clock: Arc<dyn Clock> = Arc::clone(&clock) as _;
    let keys = Arc::new(KeyService::new(
        Arc::clone(&store),
        Arc::clone(&dyn_clock),
        Kek::generate(),
        Vec::new(),
    ));
    let ledger = Arc::new(LedgerService::new(
        Arc::clone(&store),
        keys,
        Arc::clone(&dyn_clock),
        LedgerConfig::default(),
    ));
    let append = |tenant: probity_core::platform::TenantId, n: i64| {
        let ledger = Arc::clone(&ledger);
        async move {
            let payload = json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "tenant_id": tenant.to_string(),
                "event_type": "control.updated",
                "actor": {"kind": "system", "id": "cli", "display": "probity cli"},
                "resource_type": "control",
                "resource_id": format!("c{n}"),
                "outcome": "success",
                "details": {"n": n},
                "recorded_at": (t0() + Duration::hours(n)).to_rfc3339(),
            });
            ledger
                .append_many(tenant, &[("control.updated", &payload)])
                .await
                .unwrap()
                .into_iter()
                .for_each(|r| {
                    r.unwrap();
                });
        }
    };
    for n in 0..6 {
        append(acme.id, n).await;
    }
    append(globex.id, 0).await;
    let indexer = Indexer::new(Arc::clone(&ledger), Arc::clone(&store) as _);
    indexer.catch_up(acme.id, u64::MAX).await.unwrap();
    indexer.catch_up(globex.id, u64::MAX).await.unwrap();

    // Candidates: recorded before t0 + 3h30, oldest first, paged by index.
    let before = t0() + Duration::minutes(210);
    let page = store
        .retention_candidates(acme.id, before, None, 2)
        .await
        .unwrap();
    let indexes: Vec<u64> = page.iter().map(|e| e.index).collect();
    assert_eq!(indexes.len(), 2);
    let rest = store
        .retention_candidates(acme.id, before, indexes.last().copied(), 10)
        .await
        .unwrap();
    let mut all: Vec<u64> = indexes.clone();
    all.extend(rest.iter().map(|e| e.index));
    assert_eq!(all.len(), 4, "hours 0 to 3: {all:?}");
    assert!(all.windows(2).all(|w| w[0] < w[1]));

    // Erase two of them: payloads and search rows gone, entries kept, tombstone recorded.
    let entries_before = store.ledger_entries(acme.id, 0, 100).await.unwrap();
    let erase = &all[..2];
    let tombstone = event(Some(acme.id), "audit.retention.erased");
    assert_eq!(
        store
            .erase_entries(acme.id, erase, t0() + Duration::days(1), &tombstone)
            .await
            .unwrap(),
        2
    );
    for &i in erase {
        assert_eq!(store.ledger_payload(acme.id, i).await.unwrap(), None);
    }
    assert!(
        store
            .ledger_payload(acme.id, all[2])
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.ledger_entries(acme.id, 0, 100).await.unwrap(),
        entries_before,
        "envelopes and leaf hashes untouched"
    );
    let left = store
        .search_events(
            acme.id,
            &EventFilter::default(),
            &IndexPage {
                limit: 100,
                before: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(left.len(), 4);
    assert!(left.iter().all(|e| !erase.contains(&e.index)));
    // Erasing again erases nothing; another tenant's same indexes are untouched.
    assert_eq!(
        store
            .erase_entries(
                acme.id,
                erase,
                t0() + Duration::days(2),
                &event(Some(acme.id), "audit.retention.erased"),
            )
            .await
            .unwrap(),
        0
    );
    assert!(store.ledger_payload(globex.id, 0).await.unwrap().is_some());
    // The tombstones are in the audit outbox, to become ledger entries.
    let pending = store.unsequenced_events(100).await.unwrap();
    assert!(
        pending
            .iter()
            .filter(|e| e.event_type == "audit.retention.erased")
            .count()
            >= 2
    );
    let _ = clock;
}
