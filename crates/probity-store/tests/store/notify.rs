//! The notification store: channels and rules per tenant, a notification stored with its
//! deliveries and jobs in one transaction, open dedup keys unique, deliveries claimed once
//! under concurrency and moved through their statuses, escalation one level at a time.

use std::sync::Arc;

use probity_core::jobs::JobStatus;
use probity_core::notify::*;
use probity_core::page::PageRequest;
use probity_core::platform::TenantId;
use probity_core::store::{Store, StoreError};

use crate::fixtures::{at, event, job, t0, tenant};

async fn two_tenants(store: &Arc<dyn Store>) -> (TenantId, TenantId) {
    let (a, b) = (tenant("notify-a"), tenant("notify-b"));
    store
        .insert_tenant(&a, &event(Some(a.id), "tenant.created"))
        .await
        .unwrap();
    store
        .insert_tenant(&b, &event(Some(b.id), "tenant.created"))
        .await
        .unwrap();
    (a.id, b.id)
}

fn channel(tenant: TenantId, name: &str) -> Channel {
    Channel {
        id: ChannelId::new(),
        tenant_id: tenant,
        name: name.to_owned(),
        kind: ChannelKind::Webhook,
        config: ChannelConfig {
            url: Some("https://hooks.example.test/p".into()),
            to: vec![],
        },
        secret: Some(vec![1, 2, 3, 4]),
        enabled: true,
        created_at: t0(),
    }
}

fn notification(tenant: TenantId, dedup: &str) -> Notification {
    Notification {
        id: NotificationId::new(),
        tenant_id: tenant,
        kind: "breach.deadline".into(),
        severity: Severity::High,
        title: "Breach clock at 48h".into(),
        body: "Notify the authority within 24 hours.".into(),
        link: Some("https://probity.test/breaches/1".into()),
        dedup_key: dedup.to_owned(),
        escalation: vec![
            PlannedEscalation {
                at: at(300),
                channels: vec![ChannelId::new()],
            },
            PlannedEscalation {
                at: at(900),
                channels: vec![ChannelId::new()],
            },
        ],
        escalation_level: 0,
        created_at: t0(),
        acknowledged_at: None,
        acknowledged_by: None,
    }
}

/// `n` as acknowledged in `tenant` by `by` at `at` (another tenant's id names nothing there).
fn acked(
    n: &Notification,
    tenant: TenantId,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Notification {
    let mut n = n.clone();
    n.tenant_id = tenant;
    n.acknowledged_at = Some(at);
    n.acknowledged_by = Some(by.to_owned());
    n
}

fn delivery_job(d: &Delivery) -> probity_core::jobs::Job {
    let mut j = job(DELIVER_JOB, d.next_attempt_at);
    j.tenant_id = Some(d.tenant_id);
    j.payload = serde_json::json!({ "delivery_id": d.id });
    j
}

async fn raised(
    store: &Arc<dyn Store>,
    tenant: TenantId,
    dedup: &str,
    channels: &[ChannelId],
) -> (Notification, Vec<Delivery>) {
    let n = notification(tenant, dedup);
    let ds: Vec<Delivery> = channels
        .iter()
        .map(|c| Delivery::new(&n, *c, 0, DeliveryEvent::Trigger, 3, t0()))
        .collect();
    let jobs: Vec<_> = ds.iter().map(delivery_job).collect();
    store
        .insert_notification(&n, &ds, &jobs, &event(Some(tenant), "notification.raised"))
        .await
        .unwrap();
    (n, ds)
}

pub async fn notify_channels_and_rules_stay_in_their_tenant(store: Arc<dyn Store>) {
    let (a, b) = two_tenants(&store).await;
    let ours = channel(a, "ops");
    store
        .insert_channel(&ours, &event(Some(a), "notify.channel.created"))
        .await
        .unwrap();
    assert_eq!(store.channel(a, ours.id).await.unwrap(), Some(ours.clone()));
    assert_eq!(store.channel(b, ours.id).await.unwrap(), None);
    assert!(
        store
            .list_channels(b, &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(store.all_channels(a).await.unwrap(), vec![ours.clone()]);
    // The name is unique per tenant only.
    let again = store
        .insert_channel(
            &channel(a, "ops"),
            &event(Some(a), "notify.channel.created"),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    store
        .insert_channel(
            &channel(b, "ops"),
            &event(Some(b), "notify.channel.created"),
        )
        .await
        .unwrap();

    let rule = RoutingRule {
        id: RuleId::new(),
        tenant_id: a,
        name: "breaches".into(),
        kind_prefix: "breach".into(),
        min_severity: Severity::Medium,
        channels: vec![ours.id],
        escalation: vec![
            EscalationStep {
                after_minutes: 5,
                channels: vec![],
            },
            EscalationStep {
                after_minutes: 15,
                channels: vec![ours.id],
            },
        ],
        created_at: t0(),
    };
    store
        .insert_rule(&rule, &event(Some(a), "notify.rule.created"))
        .await
        .unwrap();
    assert_eq!(store.list_rules(a).await.unwrap(), vec![rule.clone()]);
    assert!(store.list_rules(b).await.unwrap().is_empty());
    assert!(
        !store
            .delete_rule(b, rule.id, &event(Some(b), "notify.rule.deleted"))
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_rule(a, rule.id, &event(Some(a), "notify.rule.deleted"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_channel(b, ours.id, &event(Some(b), "notify.channel.deleted"))
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_channel(a, ours.id, &event(Some(a), "notify.channel.deleted"))
            .await
            .unwrap()
    );
    assert_eq!(store.channel(a, ours.id).await.unwrap(), None);

    let types: Vec<String> = store
        .list_events(a, &PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "notify.channel.deleted",
            "notify.rule.deleted",
            "notify.rule.created",
            "notify.channel.created",
            "tenant.created"
        ]
    );
}

pub async fn notify_notification_is_stored_with_its_deliveries_and_jobs(store: Arc<dyn Store>) {
    let (a, b) = two_tenants(&store).await;
    let (c1, c2) = (ChannelId::new(), ChannelId::new());
    let (n, ds) = raised(&store, a, "breach-1", &[c1, c2]).await;
    assert_eq!(store.notification(a, n.id).await.unwrap(), Some(n.clone()));
    assert_eq!(store.notification(b, n.id).await.unwrap(), None);
    assert_eq!(store.deliveries_of(a, n.id).await.unwrap(), ds);
    assert!(store.deliveries_of(b, n.id).await.unwrap().is_empty());
    let queued = store
        .list_jobs(Some(JobStatus::Queued), &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(queued.len(), 2);
    assert!(
        queued
            .iter()
            .all(|j| j.kind == DELIVER_JOB && j.tenant_id == Some(a))
    );
    let log = store
        .list_deliveries(a, c1, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(log, vec![ds[0].clone()]);
    assert!(
        store
            .list_deliveries(b, c1, &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        store
            .open_notification_by_dedup(a, "breach-1")
            .await
            .unwrap(),
        Some(n.clone())
    );
    assert_eq!(
        store
            .open_notification_by_dedup(b, "breach-1")
            .await
            .unwrap(),
        None
    );

    // A second open notification with the key is refused and writes nothing at all.
    let dup = notification(a, "breach-1");
    let d = Delivery::new(&dup, c1, 0, DeliveryEvent::Trigger, 3, t0());
    let refused = store
        .insert_notification(
            &dup,
            std::slice::from_ref(&d),
            &[delivery_job(&d)],
            &event(Some(a), "notification.raised"),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate(_))),
        "{refused:?}"
    );
    assert_eq!(store.delivery(d.id).await.unwrap(), None);
    assert_eq!(
        store
            .list_jobs(None, &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // Another tenant may use the key.
    raised(&store, b, "breach-1", &[c1]).await;

    // Acknowledged once; afterwards the key is free again.
    assert!(
        store
            .acknowledge_notification(
                &acked(&n, a, "user-1", at(60)),
                &[],
                &[],
                &event(Some(a), "notification.acknowledged")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .acknowledge_notification(
                &acked(&n, a, "user-2", at(61)),
                &[],
                &[],
                &event(Some(a), "notification.acknowledged")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .acknowledge_notification(
                &acked(&n, b, "user-2", at(61)),
                &[],
                &[],
                &event(Some(b), "notification.acknowledged")
            )
            .await
            .unwrap()
    );
    let acked = store.notification(a, n.id).await.unwrap().unwrap();
    assert_eq!(acked.acknowledged_at, Some(at(60)));
    assert_eq!(acked.acknowledged_by.as_deref(), Some("user-1"));
    assert_eq!(
        store
            .open_notification_by_dedup(a, "breach-1")
            .await
            .unwrap(),
        None
    );
    raised(&store, a, "breach-1", &[c1]).await;
    let listed = store
        .list_notifications(a, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 2);
    assert!(listed[0].id > listed[1].id, "newest first");
}

pub async fn notify_delivery_moves_through_its_statuses(store: Arc<dyn Store>) {
    let (a, _) = two_tenants(&store).await;
    let (_, ds) = raised(&store, a, "k", &[ChannelId::new()]).await;
    let d = &ds[0];
    let claimed = store
        .claim_delivery(d.id, t0(), at(120))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.locked_until, Some(at(120)));
    assert_eq!(
        store.claim_delivery(d.id, at(60), at(180)).await.unwrap(),
        None,
        "leased"
    );

    // Failed: due again only at its next attempt, with a retry job enqueued with the result.
    let retry = {
        let mut j = delivery_job(d);
        j.run_at = at(300);
        j
    };
    let failed = AttemptResult {
        status: DeliveryStatus::Failed,
        last_error: Some("HTTP 500".into()),
        response_status: Some(500),
        next_attempt_at: at(300),
        delivered_at: None,
        at: at(1),
    };
    store
        .record_attempt(
            d.id,
            &failed,
            Some(&retry),
            &event(Some(a), "notification.delivery.failed"),
        )
        .await
        .unwrap();
    let after = store.delivery(d.id).await.unwrap().unwrap();
    assert_eq!(
        (
            after.status,
            after.attempts,
            after.response_status,
            after.locked_until
        ),
        (DeliveryStatus::Failed, 1, Some(500), None)
    );
    assert_eq!(after.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(store.job(retry.id).await.unwrap().unwrap().run_at, at(300));
    assert_eq!(
        store.claim_delivery(d.id, at(299), at(400)).await.unwrap(),
        None,
        "not due"
    );
    let second = store
        .claim_delivery(d.id, at(300), at(420))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.attempts, 2);

    // A worker that dies leaves the lease to expire; then another takes it.
    assert_eq!(
        store.claim_delivery(d.id, at(419), at(500)).await.unwrap(),
        None
    );
    let third = store
        .claim_delivery(d.id, at(421), at(540))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.attempts, 3);

    let delivered = AttemptResult {
        status: DeliveryStatus::Delivered,
        last_error: None,
        response_status: Some(204),
        next_attempt_at: at(300),
        delivered_at: Some(at(422)),
        at: at(422),
    };
    store
        .record_attempt(
            d.id,
            &delivered,
            None,
            &event(Some(a), "notification.delivered"),
        )
        .await
        .unwrap();
    let done = store.delivery(d.id).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.delivered_at, done.last_error),
        (DeliveryStatus::Delivered, Some(at(422)), None)
    );
    assert_eq!(
        store
            .claim_delivery(d.id, at(10_000), at(10_100))
            .await
            .unwrap(),
        None,
        "delivered is final"
    );

    let (_, ds) = raised(&store, a, "k2", &[ChannelId::new()]).await;
    store
        .claim_delivery(ds[0].id, t0(), at(60))
        .await
        .unwrap()
        .unwrap();
    let dead = AttemptResult {
        status: DeliveryStatus::Dead,
        last_error: Some("gone".into()),
        response_status: Some(410),
        next_attempt_at: t0(),
        delivered_at: None,
        at: at(1),
    };
    store
        .record_attempt(
            ds[0].id,
            &dead,
            None,
            &event(Some(a), "notification.delivery.dead"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_delivery(ds[0].id, at(10_000), at(10_100))
            .await
            .unwrap(),
        None,
        "dead is final"
    );
}

pub async fn notify_concurrent_claims_take_a_delivery_once(store: Arc<dyn Store>) {
    let (a, _) = two_tenants(&store).await;
    let (_, ds) = raised(&store, a, "race", &[ChannelId::new(), ChannelId::new()]).await;
    for d in &ds {
        let claims = (0..8).map(|_| {
            let store = Arc::clone(&store);
            let id = d.id;
            tokio::spawn(async move { store.claim_delivery(id, at(1), at(120)).await.unwrap() })
        });
        let won: Vec<Delivery> = futures_join(claims).await.into_iter().flatten().collect();
        assert_eq!(won.len(), 1, "exactly one claim wins: {won:?}");
        assert_eq!(won[0].attempts, 1);
    }
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

pub async fn notify_escalation_moves_one_level_at_a_time(store: Arc<dyn Store>) {
    let (a, b) = two_tenants(&store).await;
    let (n, _) = raised(&store, a, "esc", &[]).await;
    let d = Delivery::new(&n, ChannelId::new(), 1, DeliveryEvent::Trigger, 3, at(300));
    let ev = event(Some(a), "notification.escalated");
    assert!(
        !store
            .escalate_notification(a, n.id, 2, &[], &[], &ev)
            .await
            .unwrap(),
        "skips a level"
    );
    assert!(
        !store
            .escalate_notification(b, n.id, 1, &[], &[], &ev)
            .await
            .unwrap(),
        "other tenant"
    );
    assert!(
        store
            .escalate_notification(
                a,
                n.id,
                1,
                std::slice::from_ref(&d),
                &[delivery_job(&d)],
                &ev
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .escalate_notification(a, n.id, 1, &[], &[], &ev)
            .await
            .unwrap(),
        "once per level"
    );
    assert_eq!(
        store
            .notification(a, n.id)
            .await
            .unwrap()
            .unwrap()
            .escalation_level,
        1
    );
    assert_eq!(store.delivery(d.id).await.unwrap().unwrap().level, 1);
    store
        .acknowledge_notification(
            &acked(&n, a, "u", at(400)),
            &[],
            &[],
            &event(Some(a), "notification.acknowledged"),
        )
        .await
        .unwrap();
    assert!(
        !store
            .escalate_notification(a, n.id, 2, &[], &[], &ev)
            .await
            .unwrap(),
        "stops after ack"
    );
}
