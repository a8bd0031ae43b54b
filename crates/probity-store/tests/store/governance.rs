//! The governance store: member groups kept with the membership, and questionnaire templates a
//! tenant defines — every version kept, the latest not removed in force, removal by key, and
//! nothing crossing tenants.

use std::sync::Arc;

use probity_core::governance::Party;
use probity_core::governance::vendor::{TenantTemplate, questionnaire_template};
use probity_core::page::PageRequest;
use probity_core::platform::{Role, TenantId};
use probity_core::store::{Store, StoreError};

use crate::fixtures::{at, event, membership, tenant, user};

fn template(key: &str, version: u32, title: &str) -> TenantTemplate {
    let mut t = questionnaire_template("security-baseline").unwrap();
    t.key = key.to_owned();
    t.title = title.to_owned();
    TenantTemplate {
        template: t,
        version,
        created_by: Party {
            id: "cli".into(),
            name: "CLI".into(),
        },
        created_at: at(i64::from(version) * 60),
    }
}

async fn keys(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<(String, u32, String)> {
    store
        .questionnaire_templates(tenant)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.template.key, t.version, t.template.title))
        .collect()
}

pub async fn member_groups_round_trip_with_the_membership(store: Arc<dyn Store>) {
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
    let mut m = membership(acme.id, ada.id, Role::Viewer);
    store
        .upsert_membership(&m, &event(Some(acme.id), "membership.created"))
        .await
        .unwrap();
    assert!(
        store
            .membership(acme.id, ada.id)
            .await
            .unwrap()
            .unwrap()
            .groups
            .is_empty()
    );
    m.groups = vec!["engineering".into(), "finance".into()];
    store
        .upsert_membership(&m, &event(Some(acme.id), "membership.groups.updated"))
        .await
        .unwrap();
    assert_eq!(
        store.membership(acme.id, ada.id).await.unwrap(),
        Some(m.clone())
    );
    let page = store
        .list_members(
            acme.id,
            &PageRequest {
                limit: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].groups, m.groups);
    // A role change written from the read membership keeps the groups.
    let mut promoted = store.membership(acme.id, ada.id).await.unwrap().unwrap();
    promoted.role = Role::Contributor;
    store
        .upsert_membership(&promoted, &event(Some(acme.id), "membership.updated"))
        .await
        .unwrap();
    assert_eq!(
        store
            .membership(acme.id, ada.id)
            .await
            .unwrap()
            .unwrap()
            .groups,
        m.groups
    );
}

pub async fn questionnaire_templates_keep_versions_and_their_tenant(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    assert!(keys(&store, acme.id).await.is_empty());
    assert_eq!(
        store
            .questionnaire_template_last_version(acme.id, "onboarding")
            .await
            .unwrap(),
        None
    );
    let added = |k: &str| event(Some(acme.id), k);
    for (key, version, title) in [
        ("onboarding", 1, "One"),
        ("onboarding", 2, "Two"),
        ("cloud", 1, "Cloud"),
    ] {
        store
            .insert_questionnaire_template(
                acme.id,
                &template(key, version, title),
                &added("vendor.questionnaire_template.added"),
            )
            .await
            .unwrap();
    }
    let again = store
        .insert_questionnaire_template(
            acme.id,
            &template("onboarding", 2, "Again"),
            &added("vendor.questionnaire_template.added"),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    assert_eq!(
        keys(&store, acme.id).await,
        vec![
            ("cloud".to_owned(), 1, "Cloud".to_owned()),
            ("onboarding".to_owned(), 2, "Two".to_owned()),
        ],
        "the latest version of each key, by key"
    );
    let stored = store.questionnaire_templates(acme.id).await.unwrap();
    assert_eq!(stored[1], template("onboarding", 2, "Two"), "round trip");
    assert!(
        keys(&store, globex.id).await.is_empty(),
        "nothing crosses tenants"
    );
    assert!(
        !store
            .remove_questionnaire_template(
                globex.id,
                "onboarding",
                at(600),
                &event(Some(globex.id), "vendor.questionnaire_template.removed"),
            )
            .await
            .unwrap()
    );

    assert!(
        store
            .remove_questionnaire_template(
                acme.id,
                "onboarding",
                at(600),
                &added("vendor.questionnaire_template.removed"),
            )
            .await
            .unwrap()
    );
    assert_eq!(
        keys(&store, acme.id).await,
        vec![("cloud".to_owned(), 1, "Cloud".to_owned())]
    );
    assert!(
        !store
            .remove_questionnaire_template(
                acme.id,
                "onboarding",
                at(700),
                &added("vendor.questionnaire_template.removed"),
            )
            .await
            .unwrap(),
        "nothing left in force"
    );
    // Removed versions still count: the key goes on from 3.
    assert_eq!(
        store
            .questionnaire_template_last_version(acme.id, "onboarding")
            .await
            .unwrap(),
        Some(2)
    );
    store
        .insert_questionnaire_template(
            acme.id,
            &template("onboarding", 3, "Three"),
            &added("vendor.questionnaire_template.added"),
        )
        .await
        .unwrap();
    assert_eq!(
        keys(&store, acme.id).await,
        vec![
            ("cloud".to_owned(), 1, "Cloud".to_owned()),
            ("onboarding".to_owned(), 3, "Three".to_owned()),
        ]
    );
}
