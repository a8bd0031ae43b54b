//! The audit trail: every state change writes its record in the same transaction, so a change
//! and its record are both kept or both lost; a tenant's trail reads newest first.

use std::sync::Arc;

use probity_core::audit::{Actor, ActorKind, AuditRecord, Outcome};
use probity_core::keys::tenant_scope;
use probity_core::page::PageRequest;
use probity_core::platform::{Role, TenantId};
use probity_core::store::{Store, StoreError};
use serde_json::json;

use crate::fixtures::{
    api_token, at, data_key, event, membership, pages, session, sizes, t0, tenant, user,
};

/// The event types of a tenant's trail, newest first.
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
    assert_eq!(page.next_cursor, None);
    page.items.into_iter().map(|e| e.event_type).collect()
}

pub async fn state_changes_write_their_event(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let ada = user("ada@acme.test");
    let actor = Actor::user(ada.id, "Ada");
    let made = |event_type: &str| {
        AuditRecord::new(
            Some(acme.id),
            event_type,
            &actor,
            ("thing", "id-1".to_owned()),
            at(5),
        )
        .with_details(json!({ "step": event_type }))
    };

    let created = made("tenant.created").with_details(
        json!({ "slug": "acme", "name": "Tenant acme", "nested": { "n": [1, 2.5, null] } }),
    );
    store.insert_tenant(&acme, &created).await.unwrap();
    let listed = store
        .list_events(acme.id, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        listed,
        vec![created],
        "the stored event is the one passed, field for field"
    );

    store
        .insert_user(&ada, &made("user.created"))
        .await
        .unwrap();
    store
        .update_tenant(&acme, &made("tenant.updated"))
        .await
        .unwrap();
    store
        .update_user(&ada, Some(&made("user.updated")))
        .await
        .unwrap();
    store.update_user(&ada, None).await.unwrap();
    let owner = membership(acme.id, ada.id, Role::Owner);
    store
        .upsert_membership(&owner, &made("member.added"))
        .await
        .unwrap();
    let token = api_token(acme.id, "lookup1");
    store
        .insert_api_token(&token, &made("token.created"))
        .await
        .unwrap();
    store.touch_api_token(token.id, at(6)).await.unwrap();
    store
        .revoke_api_token(acme.id, token.id, at(7), &made("token.revoked"))
        .await
        .unwrap();
    let s = session("hash-1", ada.id, Some(acme.id), at(60));
    store
        .insert_session(&s, &made("session.created"))
        .await
        .unwrap();
    store
        .delete_session("hash-1", Some(&made("session.ended")))
        .await
        .unwrap();
    store.delete_session("hash-1", None).await.unwrap();
    let scope = tenant_scope(acme.id);
    store
        .insert_data_key(
            &data_key(&scope, "k1", true, t0()),
            true,
            &made("key.created"),
        )
        .await
        .unwrap();
    store
        .delete_membership(acme.id, ada.id, &made("member.removed"))
        .await
        .unwrap();
    store
        .record_event(&made("user.login.failed").with_outcome(Outcome::Failure))
        .await
        .unwrap();

    let mut expected = vec![
        "tenant.created",
        "user.created",
        "tenant.updated",
        "user.updated",
        "member.added",
        "token.created",
        "token.revoked",
        "session.created",
        "session.ended",
        "key.created",
        "member.removed",
        "user.login.failed",
    ];
    expected.reverse();
    assert_eq!(trail(&store, acme.id).await, expected);
}

pub async fn recorded_events_round_trip_every_field(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let kinds = [
        ActorKind::User,
        ActorKind::Service,
        ActorKind::ApiToken,
        ActorKind::System,
        ActorKind::AiAgent,
    ];
    let outcomes = [Outcome::Success, Outcome::Failure, Outcome::Denied];
    let mut recorded = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let actor = Actor {
            kind,
            id: format!("actor-{i}"),
            display: format!("Actor «{i}»"),
        };
        let e = AuditRecord::new(Some(acme.id), "thing.done", &actor, ("thing", format!("r{i}")), at(i as i64))
            .with_outcome(outcomes[i % outcomes.len()])
            .with_details(json!({ "i": i, "text": "ünïcødé ✓", "list": [true, false], "big": 9_007_199_254_740_993_u64 }));
        store.record_event(&e).await.unwrap();
        recorded.push(e);
    }
    let platform_wide = event(None, "platform.started");
    store.record_event(&platform_wide).await.unwrap();

    let mut listed = store
        .list_events(acme.id, &PageRequest::default())
        .await
        .unwrap()
        .items;
    listed.reverse();
    assert_eq!(
        listed, recorded,
        "installation-wide events are not in a tenant's trail"
    );
}

pub async fn events_are_newest_first_and_paginate(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let mut ids = Vec::new();
    for i in 0..7 {
        // Recorded times run backwards: the order is by id (creation), not by the stated time.
        let e = AuditRecord::new(
            Some(acme.id),
            &format!("e{i}"),
            &Actor::system("test"),
            ("t", i.to_string()),
            at(-i),
        );
        store.record_event(&e).await.unwrap();
        ids.push(e.id);
    }

    let pages = pages(3, |page| {
        let store = store.clone();
        async move { store.list_events(acme.id, &page).await }
    })
    .await;
    assert_eq!(sizes(&pages), [3, 3, 1]);
    let listed: Vec<_> = pages.into_iter().flatten().map(|e| e.id).collect();
    ids.reverse();
    assert_eq!(listed, ids, "every event once, newest first");
}

pub async fn failed_changes_write_no_event(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let ada = user("ada@acme.test");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    store
        .insert_user(&ada, &event(Some(acme.id), "user.created"))
        .await
        .unwrap();
    let token = api_token(acme.id, "lookup1");
    store
        .insert_api_token(&token, &event(Some(acme.id), "token.created"))
        .await
        .unwrap();
    let scope = tenant_scope(acme.id);
    store
        .insert_data_key(
            &data_key(&scope, "k1", true, t0()),
            true,
            &event(Some(acme.id), "key.created"),
        )
        .await
        .unwrap();
    let before = trail(&store, acme.id).await;

    let err = store
        .insert_tenant(&tenant("acme"), &event(Some(acme.id), "x.tenant"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let err = store
        .insert_user(&user("ada@acme.test"), &event(Some(acme.id), "x.user"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let err = store
        .insert_api_token(
            &api_token(acme.id, "lookup1"),
            &event(Some(acme.id), "x.token"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let err = store
        .insert_data_key(
            &data_key(&scope, "k2", true, at(1)),
            true,
            &event(Some(acme.id), "x.key"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert!(
        !store
            .delete_membership(acme.id, ada.id, &event(Some(acme.id), "x.member"))
            .await
            .unwrap()
    );
    store
        .revoke_api_token(
            acme.id,
            token.id,
            at(2),
            &event(Some(acme.id), "token.revoked"),
        )
        .await
        .unwrap();
    let after_revoke = trail(&store, acme.id).await;
    assert!(
        !store
            .revoke_api_token(acme.id, token.id, at(3), &event(Some(acme.id), "x.revoke"))
            .await
            .unwrap()
    );

    assert_eq!(after_revoke.len(), before.len() + 1);
    assert_eq!(
        trail(&store, acme.id).await,
        after_revoke,
        "refused changes leave no record"
    );
}

pub async fn change_is_undone_when_its_event_cannot_be_written(store: Arc<dyn Store>) {
    // Reusing an event id makes the event insert fail after the change itself succeeded: the
    // change must be rolled back with it, never kept unrecorded.
    let acme = tenant("acme");
    let first = event(Some(acme.id), "tenant.created");
    store.insert_tenant(&acme, &first).await.unwrap();

    let globex = tenant("globex");
    let mut reused = event(Some(globex.id), "tenant.created");
    reused.id = first.id;
    assert!(store.insert_tenant(&globex, &reused).await.is_err());
    assert_eq!(store.tenant_by_slug("globex").await.unwrap(), None);
    assert_eq!(store.tenant_by_id(globex.id).await.unwrap(), None);

    let mut renamed = acme.clone();
    renamed.name = "Renamed".to_owned();
    assert!(store.update_tenant(&renamed, &reused).await.is_err());
    assert_eq!(
        store.tenant_by_id(acme.id).await.unwrap(),
        Some(acme.clone())
    );

    let ada = user("ada@acme.test");
    store
        .insert_user(&ada, &event(None, "user.created"))
        .await
        .unwrap();
    let m = membership(acme.id, ada.id, Role::Owner);
    assert!(store.upsert_membership(&m, &reused).await.is_err());
    assert_eq!(store.membership(acme.id, ada.id).await.unwrap(), None);

    let token = api_token(acme.id, "lookup1");
    assert!(store.insert_api_token(&token, &reused).await.is_err());
    assert_eq!(store.api_token_by_lookup("lookup1").await.unwrap(), None);

    let scope = tenant_scope(acme.id);
    store
        .insert_data_key(
            &data_key(&scope, "k1", true, t0()),
            true,
            &event(None, "key.created"),
        )
        .await
        .unwrap();
    assert!(
        store
            .insert_data_key(&data_key(&scope, "k2", true, at(1)), false, &reused)
            .await
            .is_err()
    );
    let keys = store.data_keys(&scope).await.unwrap();
    assert_eq!(
        keys,
        vec![data_key(&scope, "k1", true, t0())],
        "the old key stays active"
    );

    store
        .insert_tenant(&globex, &event(Some(globex.id), "tenant.created"))
        .await
        .unwrap();
    assert_eq!(trail(&store, acme.id).await, ["tenant.created"]);
}

pub async fn events_are_counted_per_time_window(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    let recorded = |tenant: TenantId, seconds: i64| {
        let mut e = event(Some(tenant), "thing.done");
        e.recorded_at = at(seconds);
        e
    };
    // Windows [0, 10), [10, 20), [20, 30): the bounds are inclusive below, exclusive above.
    for seconds in [0, 5, 9, 10, 29, 30, -1] {
        store
            .record_event(&recorded(acme.id, seconds))
            .await
            .unwrap();
    }
    // Microseconds just below a bound stay in the earlier window.
    let mut edge = recorded(acme.id, 20);
    edge.recorded_at -= chrono::Duration::microseconds(1);
    store.record_event(&edge).await.unwrap();
    store.record_event(&recorded(globex.id, 5)).await.unwrap();
    store
        .record_event(&event(None, "install.thing"))
        .await
        .unwrap();

    let bounds = [at(0), at(10), at(20), at(30)];
    assert_eq!(
        store
            .count_events_in_windows(acme.id, &bounds)
            .await
            .unwrap(),
        vec![3, 2, 1],
        "acme's records per window; other tenants and installation records are not counted"
    );
    assert_eq!(
        store
            .count_events_in_windows(globex.id, &bounds)
            .await
            .unwrap(),
        vec![1, 0, 0]
    );
    assert_eq!(
        store
            .count_events_in_windows(acme.id, &bounds[..1])
            .await
            .unwrap(),
        Vec::<u64>::new(),
        "one bound is no window"
    );
}
