//! The audit outbox: draining turns every tenant audit record into one ledger entry, in order,
//! marks the record with its sequence number in the same transaction, leaves installation-wide
//! records alone, appends nothing the second time, and never duplicates a record under
//! concurrent drains (one node or several).

use std::collections::BTreeSet;
use std::sync::Arc;

use probity_core::audit::AuditRecord;
use probity_core::keys::{KeyService, tenant_scope};
use probity_core::ledger::{LedgerConfig, LedgerService};
use probity_core::platform::TenantId;
use probity_core::store::Store;
use probity_core::{Clock, ManualClock};
use probity_crypto::Kek;

use crate::fixtures::{api_token, event, t0, tenant};

fn service(store: &Arc<dyn Store>, keys: &Arc<KeyService>) -> Arc<LedgerService> {
    Arc::new(LedgerService::new(
        Arc::clone(store),
        Arc::clone(keys),
        Arc::new(ManualClock::new(t0())),
        LedgerConfig::default(),
    ))
}

fn keys(store: &Arc<dyn Store>) -> Arc<KeyService> {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    Arc::new(KeyService::new(
        Arc::clone(store),
        clock,
        Kek::generate(),
        Vec::new(),
    ))
}

/// Creates each tenant's data key now (writing its audit record) rather than during a drain.
async fn warm_keys(keys: &KeyService, tenants: &[TenantId]) {
    for tenant in tenants {
        keys.encrypt(&tenant_scope(*tenant), b"warm up", b"test")
            .await
            .unwrap();
    }
}

/// The records' ledger sequence numbers as stored in `audit_events`, in the records' order.
async fn stored_seqs(
    store: &Arc<dyn Store>,
    tenant: TenantId,
    records: &[AuditRecord],
) -> Vec<u64> {
    let ids: Vec<_> = records.iter().map(|r| r.id).collect();
    let found = store.sequenced_audit_records(tenant, &ids).await.unwrap();
    records
        .iter()
        .map(|r| found.iter().find(|(id, _)| *id == r.id).unwrap().1)
        .collect()
}

/// Checks that the tenant's log holds exactly `records` (by payload id), in order.
async fn assert_log_is(
    store: &Arc<dyn Store>,
    ledger: &LedgerService,
    tenant: TenantId,
    records: &[AuditRecord],
) {
    let head = store.ledger_head(tenant).await.unwrap().unwrap();
    assert_eq!(head.size, records.len() as u64);
    for (seq, record) in (0..).zip(records) {
        let payload = ledger.payload(tenant, seq).await.unwrap().unwrap();
        assert_eq!(payload["id"], record.id.to_string(), "entry {seq}");
        assert_eq!(payload["event_type"], record.event_type.as_str());
    }
    assert_eq!(
        stored_seqs(store, tenant, records).await,
        (0..records.len() as u64).collect::<Vec<_>>()
    );
}

pub async fn outbox_drain_sequences_each_record_once(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    let created = event(Some(acme.id), "tenant.created");
    store.insert_tenant(&acme, &created).await.unwrap();
    let issued = event(Some(acme.id), "api_token.created");
    store
        .insert_api_token(&api_token(acme.id, "lookup-acme"), &issued)
        .await
        .unwrap();
    let globex_created = event(Some(globex.id), "tenant.created");
    store.insert_tenant(&globex, &globex_created).await.unwrap();
    let installation = event(None, "user.login.failed");
    store.record_event(&installation).await.unwrap();

    let keys = keys(&store);
    // Each tenant's first data key is an audit record of its own, so the outbox holds it too.
    warm_keys(&keys, &[acme.id, globex.id]).await;
    let outbox = store.unsequenced_events(100).await.unwrap();
    assert!(outbox.iter().all(|r| r.tenant_id.is_some()));
    let of = |t: TenantId| -> Vec<AuditRecord> {
        outbox
            .iter()
            .filter(|r| r.tenant_id == Some(t))
            .cloned()
            .collect()
    };
    let (acme_log, globex_log) = (of(acme.id), of(globex.id));
    let position = |r: &AuditRecord| acme_log.iter().position(|x| x.id == r.id).unwrap();
    assert!(position(&created) < position(&issued));
    assert!(globex_log.iter().any(|r| r.id == globex_created.id));

    let ledger = service(&store, &keys);
    assert_eq!(ledger.drain_outbox(100).await.unwrap(), outbox.len());
    assert_log_is(&store, &ledger, acme.id, &acme_log).await;
    assert_log_is(&store, &ledger, globex.id, &globex_log).await;
    // Installation-wide records belong to no tenant's log and stay out of the outbox.
    assert!(store.unsequenced_events(100).await.unwrap().is_empty());
    assert!(ledger.append_audit_record(&installation).await.is_err());

    // Draining again appends nothing; appending a sequenced record returns its entry.
    assert_eq!(ledger.drain_outbox(100).await.unwrap(), 0);
    assert_eq!(
        ledger.append_audit_record(&issued).await.unwrap(),
        position(&issued) as u64
    );
    let head = store.ledger_head(acme.id).await.unwrap().unwrap();
    assert_eq!(head.size, acme_log.len() as u64);

    // A new record goes after them, from another node's service too.
    let later = event(Some(acme.id), "tenant.updated");
    store.record_event(&later).await.unwrap();
    let other_node = service(&store, &keys);
    assert_eq!(other_node.drain_outbox(1).await.unwrap(), 1);
    let mut acme_log = acme_log.clone();
    acme_log.push(later);
    assert_log_is(&store, &ledger, acme.id, &acme_log).await;
}

pub async fn outbox_concurrent_drains_never_duplicate(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let created = event(Some(acme.id), "tenant.created");
    store.insert_tenant(&acme, &created).await.unwrap();
    for n in 0..60 {
        let record = event(Some(acme.id), &format!("probe.n{n}"));
        store.record_event(&record).await.unwrap();
    }
    let keys = keys(&store);
    warm_keys(&keys, &[acme.id]).await;
    let records = store.unsequenced_events(1_000).await.unwrap();
    assert!(records.len() > 60 && records.iter().any(|r| r.id == created.id));
    // Two tasks on one node, and a second node with its own sequencer.
    let node_a = service(&store, &keys);
    let node_b = service(&store, &keys);
    let drains = [
        Arc::clone(&node_a),
        Arc::clone(&node_a),
        Arc::clone(&node_b),
        Arc::clone(&node_b),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, ledger)| {
        tokio::spawn(async move {
            // Small rounds so the drains interleave.
            let limit = 7 + i as u32;
            let mut total = 0;
            for _ in 0..20 {
                // A drain that lost the race for records another node sequenced skips them
                // (no error); only a head that kept moving past the retries fails a batch.
                match ledger.drain_outbox(limit).await {
                    Ok(0) => break,
                    Ok(n) => total += n,
                    Err(probity_core::ledger::LedgerError::HeadMoved) => {}
                    Err(e) => panic!("a drain failed: {e}"),
                }
            }
            total
        })
    })
    .collect::<Vec<_>>();
    for drain in drains {
        drain.await.unwrap();
    }
    while node_a.drain_outbox(100).await.unwrap() > 0 {}

    let head = store.ledger_head(acme.id).await.unwrap().unwrap();
    assert_eq!(head.size, records.len() as u64, "each record appended once");
    let seqs = stored_seqs(&store, acme.id, &records).await;
    let distinct: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(distinct, (0..records.len() as u64).collect());
    let mut in_log = BTreeSet::new();
    for seq in 0..head.size {
        let payload = node_b.payload(acme.id, seq).await.unwrap().unwrap();
        let id = payload["id"].as_str().unwrap().to_owned();
        let record = records.iter().find(|r| r.id.to_string() == id).unwrap();
        assert_eq!(
            seqs[records.iter().position(|r| r.id == record.id).unwrap()],
            seq
        );
        assert!(in_log.insert(id), "entry {seq} repeats a record");
    }
    assert!(store.unsequenced_events(100).await.unwrap().is_empty());
}
