//! The privacy store: requests and breaches stay in their tenant, references are unique per
//! tenant, a change is written only from the version it was read at (with its audit record,
//! and without it when refused), and settings are replaced in place.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use probity_core::governance::Party;
use probity_core::page::PageRequest;
use probity_core::platform::TenantId;
use probity_core::privacy::request::initial_due_date;
use probity_core::privacy::*;
use probity_core::store::{Store, StoreError};

use crate::fixtures::{event, t0, tenant};

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

fn request(tenant: TenantId, reference: &str, days_ago: i64) -> DataSubjectRequest {
    let received_at = t0() - Duration::days(days_ago);
    DataSubjectRequest {
        id: RequestId::new(),
        tenant_id: tenant,
        reference: reference.into(),
        regime: Regime::Gdpr,
        kind: RequestKind::Erasure,
        subject_ref: "cust-1".into(),
        notes: String::new(),
        received_at,
        state: RequestState::Received,
        due_date: initial_due_date(Regime::Gdpr, received_at, &[]),
        extension: None,
        acknowledged_at: None,
        closed_at: None,
        history: vec![],
        created_by: party(),
        version: 1,
        fulfilment: vec![],
    }
}

fn breach(tenant: TenantId, reference: &str, hours_ago: i64) -> Breach {
    let aware = t0() - Duration::hours(hours_ago);
    Breach {
        id: BreachId::new(),
        tenant_id: tenant,
        reference: reference.into(),
        title: "Lost laptop".into(),
        discovered_at: aware,
        aware_at: aware,
        nature: "confidentiality".into(),
        data_categories: vec!["contact".into()],
        approx_subjects: Some(12),
        approx_records: None,
        consequences: String::new(),
        measures: String::new(),
        regimes: vec![Regime::Gdpr],
        notifications: vec![],
        timeline: vec![],
        created_by: party(),
        created_at: t0(),
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

pub async fn privacy_requests_and_breaches_keep_their_tenant_and_version(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let older = request(acme.id, "DSR-001", 10);
    let newer = request(acme.id, "DSR-002", 2);
    for r in [&newer, &older] {
        store
            .insert_privacy_request(r, &event(Some(acme.id), "privacy.request.created"))
            .await
            .unwrap();
    }
    // The same reference in another tenant is fine; twice in one tenant is not.
    let theirs = request(globex.id, "DSR-001", 1);
    store
        .insert_privacy_request(&theirs, &event(Some(globex.id), "privacy.request.created"))
        .await
        .unwrap();
    let dup = request(acme.id, "DSR-001", 1);
    let err = store
        .insert_privacy_request(&dup, &event(Some(acme.id), "privacy.request.created"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    let list = store.list_privacy_requests(acme.id).await.unwrap();
    assert_eq!(
        list,
        vec![older.clone(), newer.clone()],
        "oldest receipt first"
    );
    assert_eq!(
        store.list_privacy_requests(globex.id).await.unwrap(),
        vec![theirs.clone()]
    );
    assert_eq!(
        store.privacy_request(globex.id, older.id).await.unwrap(),
        None
    );

    // A change from the version read wins once; the second writer from the same version loses
    // and leaves no audit record.
    let mut moved = older.clone();
    moved
        .transition(RequestState::InProgress, None, party(), t0())
        .unwrap();
    let before = trail(&store, acme.id).await.len();
    assert!(
        store
            .update_privacy_request(
                &moved,
                1,
                &event(Some(acme.id), "privacy.request.transitioned")
            )
            .await
            .unwrap()
    );
    let mut racing = older.clone();
    racing
        .transition(RequestState::Denied, Some("late".into()), party(), t0())
        .unwrap();
    assert!(
        !store
            .update_privacy_request(
                &racing,
                1,
                &event(Some(acme.id), "privacy.request.transitioned")
            )
            .await
            .unwrap()
    );
    assert_eq!(trail(&store, acme.id).await.len(), before + 1);
    let read = store
        .privacy_request(acme.id, older.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, moved);
    assert_eq!(read.version, 2);
    assert_eq!(read.state, RequestState::InProgress);

    // Breaches: latest awareness first, per tenant, compare-and-swap on the version.
    let first = breach(acme.id, "BR-001", 100);
    let second = breach(acme.id, "BR-002", 5);
    for b in [&first, &second] {
        store
            .insert_breach(b, &event(Some(acme.id), "privacy.breach.created"))
            .await
            .unwrap();
    }
    let err = store
        .insert_breach(
            &breach(acme.id, "BR-002", 1),
            &event(Some(acme.id), "privacy.breach.created"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(
        store.list_breaches(acme.id).await.unwrap(),
        vec![second.clone(), first.clone()]
    );
    assert!(store.list_breaches(globex.id).await.unwrap().is_empty());
    assert_eq!(store.breach(globex.id, first.id).await.unwrap(), None);
    let mut notified = second.clone();
    notified
        .notify(
            BreachNotification {
                recipient: RecipientKind::SupervisoryAuthority,
                recipient_name: Some("CNIL".into()),
                notified_at: t0(),
                reference: Some("case-1".into()),
                phase: 0,
                late_reason: None,
                recorded_by: party(),
            },
            &[],
        )
        .unwrap();
    assert!(
        store
            .update_breach(
                &notified,
                1,
                &event(Some(acme.id), "privacy.breach.notified")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_breach(
                &notified,
                1,
                &event(Some(acme.id), "privacy.breach.notified")
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.breach(acme.id, second.id).await.unwrap(),
        Some(notified)
    );

    // Settings: none until set, then replaced in place, per tenant.
    assert_eq!(store.privacy_settings(acme.id).await.unwrap(), None);
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    for holidays in [vec![day(25)], vec![day(25), day(26)]] {
        store
            .put_privacy_settings(
                acme.id,
                &PrivacySettings { holidays },
                &event(Some(acme.id), "privacy.settings.updated"),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .privacy_settings(acme.id)
            .await
            .unwrap()
            .unwrap()
            .holidays,
        vec![day(25), day(26)]
    );
    assert_eq!(store.privacy_settings(globex.id).await.unwrap(), None);

    // Processing activities: names unique per tenant, compare-and-swap, delete once.
    let activity = |t: TenantId, reference: &str, name: &str| ProcessingActivity {
        id: ActivityId::new(),
        tenant_id: t,
        reference: reference.into(),
        name: name.into(),
        purposes: vec!["payroll".into()],
        legal_basis: LegalBasis::LegalObligation,
        art9_condition: None,
        data_categories: vec![],
        subject_categories: vec![],
        recipients: vec![],
        processors: vec![],
        retention: "6 years".into(),
        security_measures: vec![],
        transfers: vec![],
        dpias: vec![],
        retention_schedules: vec![],
        updated_by: party(),
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    };
    let payroll = activity(acme.id, "ROPA-001", "Payroll");
    let crm = activity(acme.id, "ROPA-002", "CRM");
    for a in [&crm, &payroll] {
        store
            .insert_processing_activity(a, &event(Some(acme.id), "privacy.activity.created"))
            .await
            .unwrap();
    }
    store
        .insert_processing_activity(
            &activity(globex.id, "ROPA-001", "Payroll"),
            &event(Some(globex.id), "privacy.activity.created"),
        )
        .await
        .unwrap();
    let err = store
        .insert_processing_activity(
            &activity(acme.id, "ROPA-003", "Payroll"),
            &event(Some(acme.id), "privacy.activity.created"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(
        store.list_processing_activities(acme.id).await.unwrap(),
        vec![payroll.clone(), crm.clone()],
        "by reference"
    );
    let mut renamed = crm.clone();
    renamed.name = "Payroll".into();
    renamed.version = 2;
    let err = store
        .update_processing_activity(
            &renamed,
            1,
            &event(Some(acme.id), "privacy.activity.updated"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    renamed.name = "Customer CRM".into();
    assert!(
        store
            .update_processing_activity(
                &renamed,
                1,
                &event(Some(acme.id), "privacy.activity.updated")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_processing_activity(
                &renamed,
                1,
                &event(Some(acme.id), "privacy.activity.updated")
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.processing_activity(acme.id, crm.id).await.unwrap(),
        Some(renamed)
    );
    assert!(
        !store
            .delete_processing_activity(globex.id, crm.id, &event(Some(globex.id), "x"))
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_processing_activity(
                acme.id,
                crm.id,
                &event(Some(acme.id), "privacy.activity.deleted")
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.processing_activity(acme.id, crm.id).await.unwrap(),
        None
    );

    let events = trail(&store, acme.id).await;
    assert_eq!(
        events.iter().filter(|e| e.starts_with("privacy.")).count(),
        2 + 1 + 2 + 1 + 2 + 2 + 1 + 1,
        "{events:?}"
    );
}
