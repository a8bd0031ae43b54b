//! The consent store: purposes are unique by key per tenant and changed from their version, a
//! purpose with events cannot be removed, events keep their tenant and client id and read back
//! with the ledger index of their audit record once the outbox is drained, filters and counts
//! stay in their tenant, and kept exports read back newest first.

use std::sync::Arc;

use chrono::Duration;
use probity_core::audit::AuditRecord;
use probity_core::governance::Party;
use probity_core::keys::KeyService;
use probity_core::ledger::{LedgerConfig, LedgerService};
use probity_core::platform::TenantId;
use probity_core::privacy::consent::{ConsentAction, ConsentMethod};
use probity_core::privacy::request::initial_due_date;
use probity_core::privacy::*;
use probity_core::store::{Store, StoreError};
use probity_core::{Clock, ManualClock};
use probity_crypto::Kek;

use crate::fixtures::{event, t0, tenant};

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

fn purpose(tenant: TenantId, key: &str) -> ConsentPurpose {
    ConsentPurpose {
        id: PurposeId::new(),
        tenant_id: tenant,
        key: key.into(),
        title: key.to_uppercase(),
        description: String::new(),
        activity_id: None,
        legal_basis: LegalBasis::Consent,
        updated_by: party(),
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

fn consent(
    tenant: TenantId,
    subject: &str,
    purpose: &str,
    action: ConsentAction,
    days_ago: i64,
    client_id: Option<&str>,
) -> (ConsentEvent, AuditRecord) {
    let record = event(Some(tenant), "privacy.consent.granted");
    let e = ConsentEvent {
        id: ConsentEventId::new(),
        tenant_id: tenant,
        client_id: client_id.map(str::to_owned),
        subject_id: subject.into(),
        purpose: purpose.into(),
        action,
        notice_version: "v1".into(),
        method: ConsentMethod::Paper,
        source: "test".into(),
        occurred_at: t0() - Duration::days(days_ago),
        recorded_at: t0(),
        recorded_by: party(),
        audit_id: record.id,
        ledger_index: None,
    };
    (e, record)
}

pub async fn consent_events_keep_their_tenant_and_ledger_index(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    // Purposes: a key once per tenant; versioned changes.
    let news = purpose(acme.id, "newsletter");
    store
        .insert_consent_purpose(&news, &event(Some(acme.id), "p"))
        .await
        .unwrap();
    store
        .insert_consent_purpose(
            &purpose(globex.id, "newsletter"),
            &event(Some(globex.id), "p"),
        )
        .await
        .unwrap();
    let err = store
        .insert_consent_purpose(&purpose(acme.id, "newsletter"), &event(Some(acme.id), "p"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let spare = purpose(acme.id, "spare");
    store
        .insert_consent_purpose(&spare, &event(Some(acme.id), "p"))
        .await
        .unwrap();
    let mut changed = news.clone();
    changed.title = "Newsletter".into();
    changed.version = 2;
    assert!(
        store
            .update_consent_purpose(&changed, 1, &event(Some(acme.id), "p"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_consent_purpose(&changed, 1, &event(Some(acme.id), "p"))
            .await
            .unwrap()
    );
    let keys: Vec<String> = store
        .list_consent_purposes(acme.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(keys, ["newsletter", "spare"]);
    assert!(
        store
            .consent_purpose(globex.id, news.id)
            .await
            .unwrap()
            .is_none()
    );

    // Events: a client id once per tenant.
    let (first, r1) = consent(
        acme.id,
        "c-1",
        "newsletter",
        ConsentAction::Grant,
        3,
        Some("x-1"),
    );
    let (second, r2) = consent(
        acme.id,
        "c-1",
        "newsletter",
        ConsentAction::Withdraw,
        1,
        None,
    );
    let (other, r3) = consent(acme.id, "c-2", "newsletter", ConsentAction::Grant, 2, None);
    let (theirs, r4) = consent(
        globex.id,
        "c-1",
        "newsletter",
        ConsentAction::Grant,
        1,
        Some("x-1"),
    );
    for (e, r) in [(&first, &r1), (&second, &r2), (&other, &r3), (&theirs, &r4)] {
        store.insert_consent_event(e, r).await.unwrap();
    }
    let (dup, r5) = consent(
        acme.id,
        "c-3",
        "newsletter",
        ConsentAction::Grant,
        1,
        Some("x-1"),
    );
    let err = store.insert_consent_event(&dup, &r5).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let found = store
        .consent_event_by_client_id(acme.id, "x-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, first.id);
    assert_eq!(found.ledger_index, None);

    // Newest first; filters and limits; another tenant's stay out.
    let all = |subject: Option<&str>, limit: Option<u32>| {
        let store = &store;
        let f = ConsentFilter {
            subject_id: subject.map(str::to_owned),
            purpose: Some("newsletter".into()),
            limit,
        };
        async move { store.consent_events(acme.id, &f).await.unwrap() }
    };
    let ids: Vec<ConsentEventId> = all(None, None).await.iter().map(|e| e.id).collect();
    assert_eq!(ids, [second.id, other.id, first.id]);
    assert_eq!(all(Some("c-1"), None).await.len(), 2);
    assert_eq!(all(None, Some(1)).await.len(), 1);
    assert_eq!(
        store.consent_counts(acme.id).await.unwrap(),
        [("newsletter".to_owned(), 2, 1)]
    );

    // Once the outbox is drained, each event reads back with its record's ledger index.
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let keys = Arc::new(KeyService::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        Kek::generate(),
        Vec::new(),
    ));
    let ledger = LedgerService::new(Arc::clone(&store), keys, clock, LedgerConfig::default());
    while ledger.drain_outbox(100).await.unwrap() > 0 {}
    let events = all(None, None).await;
    assert!(
        events.iter().all(|e| e.ledger_index.is_some()),
        "{events:?}"
    );
    let index = events
        .iter()
        .find(|e| e.id == first.id)
        .unwrap()
        .ledger_index;
    assert_eq!(ledger.append_audit_record(&r1).await.ok(), index);

    // A purpose with events stays; one without goes.
    assert!(
        !store
            .delete_consent_purpose(acme.id, news.id, &event(Some(acme.id), "p"))
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_consent_purpose(acme.id, spare.id, &event(Some(acme.id), "p"))
            .await
            .unwrap()
    );

    // Kept exports: the latest per request.
    let received_at = t0() - Duration::days(1);
    let request = DataSubjectRequest {
        id: RequestId::new(),
        tenant_id: acme.id,
        reference: "DSR-001".into(),
        regime: Regime::Gdpr,
        kind: RequestKind::Access,
        subject_ref: "c-1".into(),
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
    };
    store
        .insert_privacy_request(&request, &event(Some(acme.id), "r"))
        .await
        .unwrap();
    let export = |n: i64| StoredExport {
        id: ExportId::new(),
        tenant_id: acme.id,
        request_id: request.id,
        created_at: t0() + Duration::minutes(n),
        sha256: format!("{n:064}"),
        manifest: ExportManifest {
            format: "test".into(),
            request: "DSR-001".into(),
            request_id: request.id,
            kind: RequestKind::Access,
            subject_id: "c-1".into(),
            controller: "Acme".into(),
            generated_at: t0(),
            generated_by: party(),
            files: vec![],
        },
        archive: vec![u8::try_from(n).unwrap(); 4],
    };
    for n in [1, 2] {
        store
            .insert_privacy_export(&export(n), &event(Some(acme.id), "x"))
            .await
            .unwrap();
    }
    let latest = store
        .latest_privacy_export(acme.id, request.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.archive, vec![2; 4]);
    assert_eq!(latest.manifest.request, "DSR-001");
    assert!(
        store
            .latest_privacy_export(globex.id, request.id)
            .await
            .unwrap()
            .is_none()
    );
}
