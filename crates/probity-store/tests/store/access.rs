//! Access records: API tokens and sessions, and the rule that a tenant-scoped read never returns
//! another tenant's rows.

use std::sync::Arc;

use probity_core::page::PageRequest;
use probity_core::platform::{Role, TokenId};
use probity_core::store::{Store, StoreError};

use crate::fixtures::{api_token, at, event, membership, pages, session, sizes, t0, tenant, user};

pub async fn tenant_scoped_reads_never_cross_tenants(store: Arc<dyn Store>) {
    let a = tenant("tenant-a");
    let b = tenant("tenant-b");
    for t in [&a, &b] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let ada = user("ada@a.test");
    let bob = user("bob@b.test");
    for u in [&ada, &bob] {
        store
            .insert_user(u, &event(None, "user.created"))
            .await
            .unwrap();
    }
    let ma = membership(a.id, ada.id, Role::Owner);
    store
        .upsert_membership(&ma, &event(Some(a.id), "member.added"))
        .await
        .unwrap();
    let mb = membership(b.id, bob.id, Role::Viewer);
    store
        .upsert_membership(&mb, &event(Some(b.id), "member.added"))
        .await
        .unwrap();
    let token_a = api_token(a.id, "lookupa");
    store
        .insert_api_token(&token_a, &event(Some(a.id), "token.created"))
        .await
        .unwrap();

    // Tokens: B cannot see or revoke A's token, even by its id.
    assert_eq!(store.api_token(b.id, token_a.id).await.unwrap(), None);
    assert_eq!(
        store
            .list_api_tokens(b.id, &PageRequest::default())
            .await
            .unwrap()
            .items,
        vec![]
    );
    let revoke = event(Some(b.id), "token.revoked");
    assert!(
        !store
            .revoke_api_token(b.id, token_a.id, at(60), &revoke)
            .await
            .unwrap()
    );
    let still = store.api_token(a.id, token_a.id).await.unwrap().unwrap();
    assert_eq!(still.revoked_at, None, "A's token stays usable");

    // Members: each tenant lists only its own.
    assert_eq!(store.membership(b.id, ada.id).await.unwrap(), None);
    let members_b = store
        .list_members(b.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        members_b
            .items
            .iter()
            .map(|m| m.user.id)
            .collect::<Vec<_>>(),
        vec![bob.id]
    );
    assert_eq!(store.count_owners(b.id).await.unwrap(), 0);

    // Events: B's trail holds only B's events (the refused revoke wrote none).
    let events_b = store
        .list_events(b.id, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert!(
        events_b.iter().all(|e| e.tenant_id == Some(b.id)),
        "{events_b:?}"
    );
    let types: Vec<_> = events_b.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["member.added", "tenant.created"]);
    let events_a = store
        .list_events(a.id, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(events_a.len(), 3);
}

pub async fn api_token_lifecycle(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..3 {
        let mut t = api_token(acme.id, &format!("lookup{i}"));
        t.created_by = (i == 0).then(|| user("ada@acme.test").id);
        t.expires_at = (i != 1).then(|| at(86_400));
        store
            .insert_api_token(&t, &event(Some(acme.id), "token.created"))
            .await
            .unwrap();
        tokens.push(t);
    }
    let first = tokens[0].clone();

    assert_eq!(
        store.api_token_by_lookup("lookup0").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.api_token_by_lookup("nope").await.unwrap(), None);
    assert_eq!(
        store.api_token(acme.id, first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.api_token(acme.id, TokenId::new()).await.unwrap(),
        None
    );
    let pages = pages(2, |page| {
        let store = store.clone();
        async move { store.list_api_tokens(acme.id, &page).await }
    })
    .await;
    assert_eq!(sizes(&pages), [2, 1]);
    assert_eq!(pages.into_iter().flatten().collect::<Vec<_>>(), tokens);

    let mut dup = api_token(acme.id, "lookup0");
    dup.name = "same lookup".to_owned();
    let err = store
        .insert_api_token(&dup, &event(Some(acme.id), "token.created"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    store.touch_api_token(first.id, at(30)).await.unwrap();
    let touched = store.api_token(acme.id, first.id).await.unwrap().unwrap();
    assert_eq!(touched.last_used_at, Some(at(30)));

    let revoke = event(Some(acme.id), "token.revoked");
    assert!(
        store
            .revoke_api_token(acme.id, first.id, at(60), &revoke)
            .await
            .unwrap()
    );
    let again = event(Some(acme.id), "token.revoked");
    assert!(
        !store
            .revoke_api_token(acme.id, first.id, at(120), &again)
            .await
            .unwrap()
    );
    let revoked = store.api_token_by_lookup("lookup0").await.unwrap().unwrap();
    assert_eq!(
        revoked.revoked_at,
        Some(at(60)),
        "a second revoke keeps the first time"
    );
    assert_eq!(revoked.last_used_at, Some(at(30)));
    let others = store
        .api_token(acme.id, tokens[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        others, tokens[1],
        "revoking one token leaves the others alone"
    );
}

pub async fn session_lifecycle(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let ada = user("ada@acme.test");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    store
        .insert_user(&ada, &event(None, "user.created"))
        .await
        .unwrap();

    let in_tenant = session("hash-1", ada.id, Some(acme.id), at(3_600));
    let no_tenant = session("hash-2", ada.id, None, at(3_600));
    for s in [&in_tenant, &no_tenant] {
        store
            .insert_session(s, &event(Some(acme.id), "session.created"))
            .await
            .unwrap();
    }
    assert_eq!(
        store.session_by_hash("hash-1").await.unwrap(),
        Some(in_tenant)
    );
    assert_eq!(
        store.session_by_hash("hash-2").await.unwrap(),
        Some(no_tenant.clone())
    );
    assert_eq!(store.session_by_hash("hash-3").await.unwrap(), None);

    store
        .delete_session("hash-1", Some(&event(Some(acme.id), "session.ended")))
        .await
        .unwrap();
    assert_eq!(store.session_by_hash("hash-1").await.unwrap(), None);
    assert_eq!(
        store.session_by_hash("hash-2").await.unwrap(),
        Some(no_tenant)
    );
    // Ending a session that is already gone is not an error (double sign-out).
    store.delete_session("hash-1", None).await.unwrap();
}

pub async fn expired_sessions_are_purged(store: Arc<dyn Store>) {
    let ada = user("ada@acme.test");
    store
        .insert_user(&ada, &event(None, "user.created"))
        .await
        .unwrap();
    let expired = session("expired", ada.id, None, at(-60));
    // Sign-in treats `expires_at <= now` as ended, so the purge does too.
    let ends_now = session("ends-now", ada.id, None, t0());
    let live = session("live", ada.id, None, at(1));
    for s in [&expired, &ends_now, &live] {
        store
            .insert_session(s, &event(None, "session.created"))
            .await
            .unwrap();
    }

    assert_eq!(store.delete_expired_sessions(t0()).await.unwrap(), 2);
    assert_eq!(store.session_by_hash("expired").await.unwrap(), None);
    assert_eq!(store.session_by_hash("ends-now").await.unwrap(), None);
    assert_eq!(store.session_by_hash("live").await.unwrap(), Some(live));
    assert_eq!(store.delete_expired_sessions(t0()).await.unwrap(), 0);
}
