//! Tenants, users and memberships: lookups, uniqueness, pagination and role changes.

use std::sync::Arc;

use probity_core::page::PageRequest;
use probity_core::platform::{Role, UserView};
use probity_core::store::{Store, StoreError};

use crate::fixtures::{at, event, membership, pages, sizes, tenant, user};

pub async fn tenant_insert_and_lookup(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();

    assert_eq!(
        store.tenant_by_slug("acme").await.unwrap(),
        Some(acme.clone())
    );
    assert_eq!(
        store.tenant_by_id(acme.id).await.unwrap(),
        Some(acme.clone())
    );
    assert_eq!(store.tenant_by_slug("globex").await.unwrap(), None);
    assert_eq!(store.tenant_by_id(tenant("acme").id).await.unwrap(), None);
}

pub async fn tenant_duplicate_slug_is_rejected(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();

    let mut impostor = tenant("acme");
    impostor.name = "Impostor".to_owned();
    let err = store
        .insert_tenant(&impostor, &event(Some(impostor.id), "tenant.created"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Duplicate(what) if what.contains("slug")),
        "{err:?}"
    );
    assert_eq!(store.tenant_by_id(impostor.id).await.unwrap(), None);
    assert_eq!(store.tenant_by_slug("acme").await.unwrap(), Some(acme));
}

pub async fn tenants_paginate_with_cursor(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for i in 0..7 {
        let t = tenant(&format!("tenant-{i}"));
        store
            .insert_tenant(&t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
        ids.push(t.id);
    }

    let pages = pages(3, |page| {
        let store = store.clone();
        async move { store.list_tenants(&page).await }
    })
    .await;
    assert_eq!(sizes(&pages), [3, 3, 1]);
    let listed: Vec<_> = pages.into_iter().flatten().map(|t| t.id).collect();
    assert_eq!(listed, ids, "every tenant once, oldest first");

    let one_page = store
        .list_tenants(&PageRequest {
            limit: 7,
            after: None,
        })
        .await
        .unwrap();
    assert_eq!(one_page.items.len(), 7);
    assert_eq!(one_page.next_cursor, None, "no cursor when nothing follows");
}

pub async fn tenant_update_persists(store: Arc<dyn Store>) {
    let mut acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();

    acme.name = "Acme Europe GmbH — Zürich".to_owned();
    acme.require_mfa = true;
    store
        .update_tenant(&acme, &event(Some(acme.id), "tenant.updated"))
        .await
        .unwrap();

    assert_eq!(
        store.tenant_by_id(acme.id).await.unwrap(),
        Some(acme.clone())
    );
    assert_eq!(store.tenant_by_slug("acme").await.unwrap(), Some(acme));
}

pub async fn user_insert_and_lookup(store: Arc<dyn Store>) {
    let ada = user("ada@acme.test");
    store
        .insert_user(&ada, &event(None, "user.created"))
        .await
        .unwrap();

    assert_eq!(
        store.user_by_email("ada@acme.test").await.unwrap(),
        Some(ada.clone())
    );
    assert_eq!(store.user_by_id(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(store.user_by_email("bob@acme.test").await.unwrap(), None);
    assert_eq!(
        store.user_by_id(user("x@acme.test").id).await.unwrap(),
        None
    );
}

pub async fn user_duplicate_email_is_rejected(store: Arc<dyn Store>) {
    let ada = user("ada@acme.test");
    store
        .insert_user(&ada, &event(None, "user.created"))
        .await
        .unwrap();

    let twin = user("ada@acme.test");
    let err = store
        .insert_user(&twin, &event(None, "user.created"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Duplicate(what) if what.contains("email")),
        "{err:?}"
    );
    assert_eq!(store.user_by_id(twin.id).await.unwrap(), None);
    assert_eq!(
        store.user_by_email("ada@acme.test").await.unwrap(),
        Some(ada)
    );
}

pub async fn user_update_round_trips_every_field(store: Arc<dyn Store>) {
    let original = user("ada@acme.test");
    store
        .insert_user(&original, &event(None, "user.created"))
        .await
        .unwrap();

    let mut changed = original.clone();
    changed.display_name = "Ada Lovelace".to_owned();
    changed.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3aGFzaA".to_owned();
    changed.is_platform_admin = true;
    changed.failed_logins = 4;
    changed.locked_until = Some(at(900));
    changed.totp_secret = Some(vec![0x00, 0xff, 0x10, 0x80, 0x00, 0x7f]);
    changed.totp_enabled = true;
    changed.totp_last_step = Some(59_264_001_234);
    changed.recovery_codes = vec!["aa11".to_owned(), "bb22".to_owned(), "cc33".to_owned()];
    store.update_user(&changed, None).await.unwrap();
    assert_eq!(
        store.user_by_id(changed.id).await.unwrap(),
        Some(changed.clone())
    );

    // Clearing optional fields must clear them, not keep the old values.
    let mut cleared = changed.clone();
    cleared.failed_logins = 0;
    cleared.locked_until = None;
    cleared.totp_secret = None;
    cleared.totp_enabled = false;
    cleared.totp_last_step = None;
    cleared.recovery_codes = Vec::new();
    store.update_user(&cleared, None).await.unwrap();
    assert_eq!(
        store.user_by_email("ada@acme.test").await.unwrap(),
        Some(cleared)
    );
}

pub async fn membership_upsert_creates_then_changes_role(store: Arc<dyn Store>) {
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
    assert_eq!(store.membership(acme.id, ada.id).await.unwrap(), None);

    let created = membership(acme.id, ada.id, Role::Owner);
    store
        .upsert_membership(&created, &event(Some(acme.id), "member.added"))
        .await
        .unwrap();
    assert_eq!(
        store.membership(acme.id, ada.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(store.count_owners(acme.id).await.unwrap(), 1);

    let mut demoted = membership(acme.id, ada.id, Role::Admin);
    demoted.created_at = at(3_600);
    store
        .upsert_membership(&demoted, &event(Some(acme.id), "member.role_changed"))
        .await
        .unwrap();
    let now = store.membership(acme.id, ada.id).await.unwrap().unwrap();
    assert_eq!(now.role, Role::Admin);
    assert_eq!(
        now.created_at, created.created_at,
        "a role change keeps the join date"
    );
    assert_eq!(store.count_owners(acme.id).await.unwrap(), 0);
}

pub async fn members_paginate_in_user_order(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    let mut expected = Vec::new();
    for (i, role) in Role::ALL.into_iter().take(5).enumerate() {
        let mut u = user(&format!("user{i}@acme.test"));
        u.totp_enabled = i % 2 == 0;
        store
            .insert_user(&u, &event(None, "user.created"))
            .await
            .unwrap();
        let mut m = membership(acme.id, u.id, role);
        m.created_at = at(i as i64);
        store
            .upsert_membership(&m, &event(Some(acme.id), "member.added"))
            .await
            .unwrap();
        expected.push((UserView::from(&u), role, m.created_at));
    }

    let pages = pages(2, |page| {
        let store = store.clone();
        async move { store.list_members(acme.id, &page).await }
    })
    .await;
    assert_eq!(sizes(&pages), [2, 2, 1]);
    let listed: Vec<_> = pages
        .into_iter()
        .flatten()
        .map(|m| (m.user, m.role, m.joined_at))
        .collect();
    assert_eq!(listed, expected);
}

pub async fn tenants_of_user_lists_each_role(store: Arc<dyn Store>) {
    let ada = user("ada@acme.test");
    let loner = user("loner@acme.test");
    store
        .insert_user(&ada, &event(None, "user.created"))
        .await
        .unwrap();
    store
        .insert_user(&loner, &event(None, "user.created"))
        .await
        .unwrap();
    // Inserted out of slug order: the list is by slug.
    let zeta = tenant("zeta");
    let acme = tenant("acme");
    let other = tenant("other");
    for t in [&zeta, &acme, &other] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    for (t, role) in [(&zeta, Role::Viewer), (&acme, Role::Auditor)] {
        let m = membership(t.id, ada.id, role);
        store
            .upsert_membership(&m, &event(Some(t.id), "member.added"))
            .await
            .unwrap();
    }

    assert_eq!(
        store.tenants_of_user(ada.id).await.unwrap(),
        vec![(acme, Role::Auditor), (zeta, Role::Viewer)]
    );
    assert_eq!(store.tenants_of_user(loner.id).await.unwrap(), vec![]);
}

pub async fn count_owners_counts_owners_of_the_tenant(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    assert_eq!(store.count_owners(acme.id).await.unwrap(), 0);
    let roles = [
        (&acme, Role::Owner),
        (&acme, Role::Owner),
        (&acme, Role::Admin),
        (&globex, Role::Owner),
    ];
    for (i, (t, role)) in roles.into_iter().enumerate() {
        let u = user(&format!("u{i}@acme.test"));
        store
            .insert_user(&u, &event(None, "user.created"))
            .await
            .unwrap();
        let m = membership(t.id, u.id, role);
        store
            .upsert_membership(&m, &event(Some(t.id), "member.added"))
            .await
            .unwrap();
    }
    assert_eq!(store.count_owners(acme.id).await.unwrap(), 2);
    assert_eq!(store.count_owners(globex.id).await.unwrap(), 1);
}

pub async fn delete_membership_reports_whether_it_existed(store: Arc<dyn Store>) {
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
    let m = membership(acme.id, ada.id, Role::Contributor);
    store
        .upsert_membership(&m, &event(Some(acme.id), "member.added"))
        .await
        .unwrap();

    let removed = event(Some(acme.id), "member.removed");
    assert!(
        store
            .delete_membership(acme.id, ada.id, &removed)
            .await
            .unwrap()
    );
    assert_eq!(store.membership(acme.id, ada.id).await.unwrap(), None);
    assert_eq!(store.tenants_of_user(ada.id).await.unwrap(), vec![]);
    let again = event(Some(acme.id), "member.removed");
    assert!(
        !store
            .delete_membership(acme.id, ada.id, &again)
            .await
            .unwrap()
    );
}
