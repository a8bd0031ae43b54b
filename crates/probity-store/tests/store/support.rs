//! The support store: tickets stay in their tenant, references are unique per tenant, a
//! change is written only from the version it was read at (with its audit record, and
//! without it when refused), the sweep sees every tenant's active tickets and no solved or
//! closed one, and the configuration is replaced only from the version read.

use std::sync::Arc;

use chrono::Duration;
use probity_core::governance::Party;
use probity_core::page::PageRequest;
use probity_core::platform::TenantId;
use probity_core::store::{Store, StoreError};
use probity_core::support::*;

use crate::fixtures::{event, t0, tenant};

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

fn ticket(tenant: TenantId, reference: &str, hours_ago: i64) -> Ticket {
    let at = t0() - Duration::hours(hours_ago);
    let policy = SupportConfig::default()
        .policy_for("premium", Priority::High)
        .unwrap();
    Ticket {
        id: TicketId::new(),
        tenant_id: tenant,
        reference: reference.into(),
        customer_ref: "acct-1".into(),
        organization: "Initech".into(),
        title: "Cannot sign in".into(),
        description: "SSO loops".into(),
        category: "access".into(),
        priority: Priority::High,
        tier: "premium".into(),
        status: TicketStatus::New,
        assignee: Some("dana".into()),
        queue: "general".into(),
        first_response: SlaClock::start(policy.first_response_minutes, at),
        resolution: SlaClock::start(policy.resolution_minutes, at),
        policy,
        messages: vec![],
        history: vec![],
        first_responded_at: None,
        solved_at: None,
        created_at: at,
        updated_at: at,
        created_by: party(),
        version: 1,
    }
}

async fn trail(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<String> {
    let page = store
        .list_events(
            tenant,
            &PageRequest {
                limit: 500,
                after: None,
            },
        )
        .await
        .unwrap();
    page.items.into_iter().map(|e| e.event_type).collect()
}

pub async fn support_tickets_and_config_keep_their_tenant_and_version(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let older = ticket(acme.id, "SUP-0001", 30);
    let newer = ticket(acme.id, "SUP-0002", 2);
    for t in [&newer, &older] {
        store
            .insert_support_ticket(t, &event(Some(acme.id), "support.ticket.created"))
            .await
            .unwrap();
    }
    let theirs = ticket(globex.id, "SUP-0001", 1);
    store
        .insert_support_ticket(&theirs, &event(Some(globex.id), "support.ticket.created"))
        .await
        .unwrap();
    let dup = ticket(acme.id, "SUP-0001", 1);
    let err = store
        .insert_support_ticket(&dup, &event(Some(acme.id), "support.ticket.created"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    // The record round-trips every field, oldest first, in its own tenant only.
    assert_eq!(
        store.list_support_tickets(acme.id).await.unwrap(),
        vec![older.clone(), newer.clone()]
    );
    assert_eq!(
        store.list_support_tickets(globex.id).await.unwrap(),
        vec![theirs.clone()]
    );
    assert_eq!(
        store.support_ticket(globex.id, older.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.support_ticket(acme.id, older.id).await.unwrap(),
        Some(older.clone())
    );

    // A change from the version read wins once; the second writer loses without an event.
    let hours = older.policy.hours().unwrap();
    let mut solved = older.clone();
    solved
        .set_status(&hours, TicketStatus::Solved, &party(), t0())
        .unwrap();
    solved.version = 2;
    let before = trail(&store, acme.id).await.len();
    assert!(
        store
            .update_support_ticket(
                &solved,
                1,
                &event(Some(acme.id), "support.ticket.status_changed")
            )
            .await
            .unwrap()
    );
    let mut late = older.clone();
    late.title = "stale".into();
    late.version = 2;
    assert!(
        !store
            .update_support_ticket(&late, 1, &event(Some(acme.id), "support.ticket.updated"))
            .await
            .unwrap()
    );
    let events = trail(&store, acme.id).await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(
        store.support_ticket(acme.id, older.id).await.unwrap(),
        Some(solved)
    );
    // A foreign tenant id never reaches the ticket.
    let mut foreign = newer.clone();
    foreign.tenant_id = globex.id;
    foreign.version = 2;
    assert!(
        !store
            .update_support_ticket(
                &foreign,
                1,
                &event(Some(globex.id), "support.ticket.updated")
            )
            .await
            .unwrap()
    );

    // The sweep sees the active tickets of every tenant, not the solved one.
    let mut active: Vec<TicketId> = store
        .active_support_tickets()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    active.sort();
    let mut expected = vec![newer.id, theirs.id];
    expected.sort();
    assert_eq!(active, expected);

    // The configuration: none, then version 1 from 0 once, then 2 from 1 only.
    assert_eq!(store.support_config(acme.id).await.unwrap(), None);
    let config = SupportConfig {
        version: 1,
        ..SupportConfig::default()
    };
    let put = |c: SupportConfig, expected: u32| {
        let store = Arc::clone(&store);
        let tenant = acme.id;
        async move {
            store
                .put_support_config(
                    tenant,
                    &c,
                    expected,
                    &event(Some(tenant), "support.config.updated"),
                )
                .await
                .unwrap()
        }
    };
    assert!(put(config.clone(), 0).await);
    assert!(!put(config.clone(), 0).await, "a second first write loses");
    let mut second = config.clone();
    second.default_queue = "triage".into();
    second.version = 2;
    assert!(!put(second.clone(), 2).await);
    assert!(put(second.clone(), 1).await);
    assert_eq!(store.support_config(acme.id).await.unwrap(), Some(second));
    assert_eq!(store.support_config(globex.id).await.unwrap(), None);
}
