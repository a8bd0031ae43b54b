//! Wrapped data keys: one active key per scope, a guarded first key, re-wrapping, and listing
//! across scopes.

use std::sync::Arc;

use probity_core::keys::{PLATFORM_SCOPE, tenant_scope};
use probity_core::page::PageRequest;
use probity_core::platform::TenantId;
use probity_core::store::{Store, StoreError};
use serde_json::json;

use crate::fixtures::{at, data_key, event, t0};

pub async fn activating_a_key_deactivates_the_previous(store: Arc<dyn Store>) {
    let scope = tenant_scope(TenantId::new());
    let k1 = data_key(&scope, "k1", true, t0());
    let k2 = data_key(&scope, "k2", true, at(60));
    store
        .insert_data_key(&k1, true, &event(None, "key.created"))
        .await
        .unwrap();
    store
        .insert_data_key(&k2, false, &event(None, "key.rotated"))
        .await
        .unwrap();

    let keys = store.data_keys(&scope).await.unwrap();
    assert_eq!(keys, vec![data_key(&scope, "k1", false, t0()), k2.clone()]);

    // A retired key added inactive does not touch the active one.
    let old = data_key(&scope, "k0", false, at(-60));
    store
        .insert_data_key(&old, false, &event(None, "key.imported"))
        .await
        .unwrap();
    let keys = store.data_keys(&scope).await.unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| (k.key_id.as_str(), k.active))
            .collect::<Vec<_>>(),
        [("k0", false), ("k1", false), ("k2", true)]
    );
}

pub async fn only_if_first_refuses_a_second_active_key(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    let scope = tenant_scope(tenant);
    let k1 = data_key(&scope, "k1", true, t0());
    store
        .insert_data_key(&k1, true, &event(Some(tenant), "key.created"))
        .await
        .unwrap();

    // A second node starting at the same moment tries to create the first key too.
    let k2 = data_key(&scope, "k2", true, t0());
    let err = store
        .insert_data_key(&k2, true, &event(Some(tenant), "key.created"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.data_keys(&scope).await.unwrap(), vec![k1]);
    let events = store
        .list_events(tenant, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1, "the refused key wrote no event");
}

pub async fn keys_of_one_scope_leave_other_scopes_alone(store: Arc<dyn Store>) {
    let a = tenant_scope(TenantId::new());
    let b = tenant_scope(TenantId::new());
    store
        .insert_data_key(&data_key(&a, "ka", true, t0()), true, &event(None, "k"))
        .await
        .unwrap();
    // `only_if_first` is per scope: B's first key is not blocked by A's.
    store
        .insert_data_key(&data_key(&b, "kb", true, t0()), true, &event(None, "k"))
        .await
        .unwrap();
    store
        .insert_data_key(&data_key(&b, "kb2", true, at(1)), false, &event(None, "k"))
        .await
        .unwrap();

    assert_eq!(
        store.data_keys(&a).await.unwrap(),
        vec![data_key(&a, "ka", true, t0())]
    );
    let b_keys = store.data_keys(&b).await.unwrap();
    let b_active: Vec<_> = b_keys
        .iter()
        .map(|k| (k.key_id.as_str(), k.active))
        .collect();
    assert_eq!(b_active, [("kb", false), ("kb2", true)]);
    assert_eq!(store.data_keys("no-such-scope").await.unwrap(), vec![]);
}

pub async fn update_wrapping_persists(store: Arc<dyn Store>) {
    let scope = tenant_scope(TenantId::new());
    let k1 = data_key(&scope, "k1", false, t0());
    let k2 = data_key(&scope, "k2", true, at(1));
    let other = data_key(PLATFORM_SCOPE, "k1", true, t0());
    for k in [&k1, &k2, &other] {
        store
            .insert_data_key(k, false, &event(None, "key.created"))
            .await
            .unwrap();
    }

    let rewrapped = json!({ "alg": "xchacha20poly1305", "nonce": "bmV3", "ct": "re-wrapped" });
    store
        .update_wrapping(&scope, "k1", "kek-2", &rewrapped)
        .await
        .unwrap();

    let expected = probity_core::keys::DataKeyRecord {
        kek_id: "kek-2".to_owned(),
        wrapped: rewrapped,
        ..k1
    };
    assert_eq!(store.data_keys(&scope).await.unwrap(), vec![expected, k2]);
    assert_eq!(
        store.data_keys(PLATFORM_SCOPE).await.unwrap(),
        vec![other],
        "same key id, other scope"
    );
}

pub async fn all_data_keys_spans_scopes(store: Arc<dyn Store>) {
    let tenant = tenant_scope(TenantId::new());
    let keys = [
        data_key(&tenant, "t1", false, t0()),
        data_key(PLATFORM_SCOPE, "p1", false, t0()),
        data_key(&tenant, "t2", true, at(5)),
        data_key(PLATFORM_SCOPE, "p2", true, at(5)),
    ];
    for k in &keys {
        store
            .insert_data_key(k, false, &event(None, "key.created"))
            .await
            .unwrap();
    }

    let all = store.all_data_keys().await.unwrap();
    assert_eq!(all.len(), 4);
    for k in &keys {
        assert!(all.contains(k), "{k:?} missing from {all:?}");
    }
    // Grouped by scope, oldest first within a scope.
    let ids: Vec<_> = all
        .iter()
        .map(|k| (k.scope.as_str(), k.key_id.as_str()))
        .collect();
    let mut expected = vec![
        (PLATFORM_SCOPE, "p1"),
        (PLATFORM_SCOPE, "p2"),
        (tenant.as_str(), "t1"),
        (tenant.as_str(), "t2"),
    ];
    expected.sort_by_key(|(scope, _)| *scope);
    assert_eq!(ids, expected);
}
