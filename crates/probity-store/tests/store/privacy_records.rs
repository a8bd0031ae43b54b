//! The privacy records added by migration 0029: a processing activity stored in the shape
//! written before it (free-text categories, a transfer with a free-text safeguard, none of the
//! new fields) still loads and can be rewritten; DPIAs, retention schedules and run reports
//! stay in their tenant and are written only from the revision or version they were read at.

use std::sync::Arc;

use chrono::Duration;
use probity_core::audit::erasure::HeldCount;
use probity_core::audit::retention::LegalHoldId;
use probity_core::governance::Party;
use probity_core::platform::TenantId;
use probity_core::privacy::dpia::{DpiaContent, new_id};
use probity_core::privacy::*;
use probity_core::store::Store;
use probity_store::{DatabaseTarget, PgStore, SqliteStore};

use crate::fixtures::{event, t0, tenant};
use crate::harness::TestDatabase;

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

/// The JSON record of a processing activity exactly as the store kept it before 0029.
fn old_record(id: ActivityId, tenant: TenantId) -> serde_json::Value {
    serde_json::json!({
        "id": id, "tenant_id": tenant, "reference": "ROPA-001", "name": "Payroll",
        "purposes": ["pay staff"], "legal_basis": "contract",
        "data_categories": ["bank details", "salary"], "subject_categories": ["staff"],
        "recipients": ["payroll provider"], "retention": "6 years after leaving",
        "transfers": [{ "destination": "United States", "safeguard": "standard contractual clauses" }],
        "updated_by": { "id": "cli", "name": "CLI" },
        "created_at": "2026-01-05T10:00:00Z", "updated_at": "2026-01-05T10:00:00Z",
        "version": 1,
    })
}

/// Inserts the pre-0029 row with raw SQL, as the old code wrote it.
async fn insert_old_row(db: &TestDatabase, id: ActivityId, tenant: TenantId) {
    let record = old_record(id, tenant);
    const SQL: &str = "INSERT INTO privacy_activities (id, tenant_id, reference, name, version, record) \
                       VALUES ($1, $2, 'ROPA-001', 'Payroll', 1, $3)";
    match db.target() {
        DatabaseTarget::Sqlite(path) => {
            let s = SqliteStore::open(path).await.unwrap();
            sqlx::query(SQL)
                .bind(id.0)
                .bind(tenant.0)
                .bind(sqlx::types::Json(record))
                .execute(s.pool())
                .await
                .unwrap();
        }
        DatabaseTarget::Postgres { url, schema } => {
            let s = PgStore::open(url, schema.as_deref()).await.unwrap();
            sqlx::query(SQL)
                .bind(id.0)
                .bind(tenant.0)
                .bind(sqlx::types::Json(record))
                .execute(s.pool())
                .await
                .unwrap();
        }
    }
}

pub async fn privacy_activities_written_before_0029_still_load(db: &TestDatabase) {
    let store = db.open().await;
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    let id = ActivityId::new();
    insert_old_row(db, id, acme.id).await;
    let all = store.list_processing_activities(acme.id).await.unwrap();
    assert_eq!(all.len(), 1);
    let mut a = all.into_iter().next().unwrap();
    assert_eq!(a.id, id);
    assert_eq!(a.data_categories, ["bank details", "salary"]);
    assert_eq!(a.art9_condition, None);
    assert!(a.processors.is_empty() && a.security_measures.is_empty());
    assert_eq!(a.transfers[0].mechanism, None);
    assert_eq!(
        a.transfers[0].label(),
        "United States (standard contractual clauses)"
    );
    // Rewritten in the new shape, it reads back with the new fields.
    a.art9_condition = None;
    a.data_categories = vec!["financial".into()];
    a.processors = vec![Processor {
        name: "PayCo".into(),
        country: "Ireland".into(),
        contract_reference: "DPA-7".into(),
    }];
    a.transfers = vec![Transfer {
        destination: "United States".into(),
        mechanism: Some(TransferMechanism::StandardContractualClauses),
        reason: None,
        safeguard: None,
    }];
    a.version = 2;
    assert!(
        store
            .update_processing_activity(&a, 1, &event(Some(acme.id), "privacy.activity.updated"))
            .await
            .unwrap()
    );
    let back = store
        .processing_activity(acme.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, a);
}

fn dpia(tenant: TenantId, reference: &str, activity: ActivityId) -> Dpia {
    Dpia {
        id: new_id(),
        tenant_id: tenant,
        reference: reference.into(),
        content: DpiaContent {
            title: "CCTV".into(),
            description: String::new(),
            activity_ids: vec![activity],
            answers: vec![],
            inherent_risk: None,
            mitigations: vec![],
            residual_risk: None,
        },
        state: DpiaState::Draft,
        version: 1,
        sign_offs: vec![],
        created_by: party(),
        created_at: t0(),
        updated_by: party(),
        updated_at: t0(),
        revision: 1,
        version_author: None,
    }
}

fn schedule(tenant: TenantId, reference: &str) -> RetentionSchedule {
    RetentionSchedule {
        id: RetentionScheduleId::new(),
        tenant_id: tenant,
        reference: reference.into(),
        data_category: "images".into(),
        period_days: 30,
        activity_ids: vec![],
        audit_event_types: vec!["facility.cctv".into()],
        closed_requests: false,
        description: String::new(),
        active: true,
        updated_by: party(),
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

fn run(s: &RetentionSchedule, minutes: i64) -> RetentionRunReport {
    RetentionRunReport {
        id: probity_core::privacy::retention::RetentionRunId::new(),
        tenant_id: s.tenant_id,
        schedule_id: s.id,
        schedule_reference: s.reference.clone(),
        schedule_version: s.version,
        data_category: s.data_category.clone(),
        period_days: s.period_days,
        trigger: RunTrigger::Scheduled,
        by: party(),
        at: t0() + Duration::minutes(minutes),
        cutoff: t0() - Duration::days(30),
        audit_due: 3,
        audit_erased: 2,
        erased_indexes: vec![[4, 5]],
        audit_held: 1,
        held_by: vec![HeldCount {
            hold_id: LegalHoldId::new(),
            case_id: "CASE-1".into(),
            events: 1,
        }],
        held_indexes: vec![[7, 7]],
        requests_redacted: vec![],
    }
}

pub async fn privacy_dpias_and_retention_schedules_keep_their_tenant_and_version(
    store: Arc<dyn Store>,
) {
    let acme = tenant("acme");
    let beta = tenant("beta");
    for t in [&acme, &beta] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let mut d = dpia(acme.id, "DPIA-001", ActivityId::new());
    store
        .insert_dpia(&d, &event(Some(acme.id), "privacy.dpia.created"))
        .await
        .unwrap();
    let dup = dpia(acme.id, "DPIA-001", ActivityId::new());
    assert!(
        store
            .insert_dpia(&dup, &event(Some(acme.id), "privacy.dpia.created"))
            .await
            .is_err()
    );
    store
        .insert_dpia(
            &dpia(beta.id, "DPIA-001", ActivityId::new()),
            &event(Some(beta.id), "privacy.dpia.created"),
        )
        .await
        .unwrap();
    d.state = DpiaState::InReview;
    d.revision = 2;
    assert!(
        store
            .update_dpia(&d, 1, &event(Some(acme.id), "privacy.dpia.submitted"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_dpia(&d, 1, &event(Some(acme.id), "privacy.dpia.submitted"))
            .await
            .unwrap(),
        "a stale revision writes nothing"
    );
    assert_eq!(store.dpia(acme.id, d.id).await.unwrap(), Some(d.clone()));
    assert_eq!(store.dpia(beta.id, d.id).await.unwrap(), None);
    assert_eq!(store.list_dpias(acme.id).await.unwrap(), vec![d]);

    let mut s = schedule(acme.id, "RET-001");
    store
        .insert_retention_schedule(
            &s,
            &event(Some(acme.id), "privacy.retention_schedule.created"),
        )
        .await
        .unwrap();
    let other = schedule(acme.id, "RET-002");
    store
        .insert_retention_schedule(
            &other,
            &event(Some(acme.id), "privacy.retention_schedule.created"),
        )
        .await
        .unwrap();
    s.period_days = 60;
    s.version = 2;
    assert!(
        store
            .update_retention_schedule(
                &s,
                1,
                &event(Some(acme.id), "privacy.retention_schedule.updated")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_retention_schedule(
                &s,
                1,
                &event(Some(acme.id), "privacy.retention_schedule.updated")
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.retention_schedule(acme.id, s.id).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(store.retention_schedule(beta.id, s.id).await.unwrap(), None);
    assert_eq!(
        store.list_retention_schedules(acme.id).await.unwrap().len(),
        2
    );
    assert!(
        store
            .list_retention_schedules(beta.id)
            .await
            .unwrap()
            .is_empty()
    );

    let first = run(&s, 1);
    let second = run(&s, 2);
    let elsewhere = run(&other, 3);
    for r in [&first, &second, &elsewhere] {
        store
            .insert_retention_run(r, &event(Some(acme.id), "privacy.retention.ran"))
            .await
            .unwrap();
    }
    let all = store.list_retention_runs(acme.id, None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        [elsewhere.id, second.id, first.id],
        "newest first"
    );
    let mine = store
        .list_retention_runs(acme.id, Some(s.id), 1)
        .await
        .unwrap();
    assert_eq!(mine, vec![second]);
    assert!(
        store
            .list_retention_runs(beta.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
