//! The calendar store: feeds are found by their token's hash from any tenant, listed per
//! tenant and owner (newest first, revoked ones included), revoked once and only by their
//! owner or the system; creation and revocation write their audit record.

use std::sync::Arc;

use chrono::Duration;
use probity_core::calendar::{CalendarFeed, CalendarFeedId, EntryKind};
use probity_core::governance::Party;
use probity_core::page::PageRequest;
use probity_core::store::{Store, StoreError};

use crate::fixtures::{event, t0, tenant};

fn feed(tenant: probity_core::platform::TenantId, owner: &str, name: &str) -> CalendarFeed {
    CalendarFeed {
        id: CalendarFeedId::new(),
        tenant_id: tenant,
        name: name.into(),
        owner: Party {
            id: owner.into(),
            name: owner.into(),
        },
        user_id: None,
        token_id: None,
        kinds: vec![EntryKind::RiskReview],
        created_at: t0(),
        revoked_at: None,
    }
}

async fn event_types(
    store: &Arc<dyn Store>,
    tenant: probity_core::platform::TenantId,
) -> Vec<String> {
    let page = PageRequest {
        limit: 100,
        after: None,
    };
    store
        .list_events(tenant, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

pub async fn calendar_feeds_are_found_by_hash_listed_per_owner_and_revoked_once(
    store: Arc<dyn Store>,
) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let mine = feed(acme.id, "user:a", "Mine");
    let theirs = feed(acme.id, "user:b", "Theirs");
    let foreign = feed(globex.id, "user:a", "Foreign");
    for (f, hash) in [
        (&mine, "h-mine"),
        (&theirs, "h-theirs"),
        (&foreign, "h-foreign"),
    ] {
        store
            .insert_calendar_feed(f, hash, &event(Some(f.tenant_id), "calendar_feed.created"))
            .await
            .unwrap();
    }
    // A token hash names one feed.
    let again = feed(acme.id, "user:a", "Again");
    assert!(matches!(
        store
            .insert_calendar_feed(
                &again,
                "h-mine",
                &event(Some(acme.id), "calendar_feed.created")
            )
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.calendar_feed_by_token("h-mine").await.unwrap(),
        Some(mine.clone())
    );
    assert_eq!(
        store.calendar_feed_by_token("h-foreign").await.unwrap(),
        Some(foreign.clone())
    );
    assert_eq!(store.calendar_feed_by_token("nope").await.unwrap(), None);

    let all = store.list_calendar_feeds(acme.id, None).await.unwrap();
    assert_eq!(all, vec![theirs.clone(), mine.clone()], "newest first");
    let own = store
        .list_calendar_feeds(acme.id, Some("user:a"))
        .await
        .unwrap();
    assert_eq!(own, vec![mine.clone()]);

    // Another owner, another tenant: nothing revoked.
    let at = t0() + Duration::hours(1);
    let revoke = event(Some(acme.id), "calendar_feed.revoked");
    assert!(
        !store
            .revoke_calendar_feed(acme.id, mine.id, Some("user:b"), at, &revoke)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_calendar_feed(globex.id, mine.id, None, at, &revoke)
            .await
            .unwrap()
    );
    assert!(
        store
            .revoke_calendar_feed(acme.id, mine.id, Some("user:a"), at, &revoke)
            .await
            .unwrap()
    );
    // Once.
    assert!(
        !store
            .revoke_calendar_feed(acme.id, mine.id, None, at, &revoke)
            .await
            .unwrap()
    );
    let read = store
        .calendar_feed_by_token("h-mine")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.revoked_at, Some(at));
    assert_eq!(
        store.list_calendar_feeds(acme.id, None).await.unwrap()[1].revoked_at,
        Some(at)
    );
    // The system (no owner filter) revokes any feed of the tenant.
    assert!(
        store
            .revoke_calendar_feed(
                acme.id,
                theirs.id,
                None,
                at,
                &event(Some(acme.id), "calendar_feed.revoked"),
            )
            .await
            .unwrap()
    );
    let types = event_types(&store, acme.id).await;
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "calendar_feed.created")
            .count(),
        2
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "calendar_feed.revoked")
            .count(),
        2,
        "only the revocations that happened are recorded: {types:?}"
    );
    assert_eq!(
        store
            .list_calendar_feeds(globex.id, None)
            .await
            .unwrap()
            .len(),
        1
    );
}
