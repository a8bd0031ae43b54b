//! The report store: reports stay in their tenant with their bytes, newest first; a
//! schedule changes only from the version it was read at, so of two nodes claiming the same
//! occurrence exactly one wins; due schedules are the enabled ones whose time has come.

use std::sync::Arc;

use chrono::Duration;
use probity_core::governance::Party;
use probity_core::notify::ChannelId;
use probity_core::reports::*;
use probity_core::store::Store;

use crate::fixtures::{event, t0, tenant};

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

fn record(tenant: probity_core::platform::TenantId, minutes: i64) -> ReportRecord {
    ReportRecord {
        id: ReportId::new(),
        tenant_id: tenant,
        kind: ReportKind::RiskRegister,
        format: ReportFormat::Pdf,
        title: "Risk register".into(),
        params: ReportParams::default(),
        content_sha256: "a".repeat(64),
        file_sha256: "b".repeat(64),
        size_bytes: 3,
        pages: Some(2),
        checkpoint_size: Some(7),
        schedule_id: None,
        created_by: party(),
        created_at: t0() + Duration::minutes(minutes),
    }
}

fn schedule(tenant: probity_core::platform::TenantId, name: &str, minutes: i64) -> ReportSchedule {
    ReportSchedule {
        id: ReportScheduleId::new(),
        tenant_id: tenant,
        name: name.into(),
        kind: ReportKind::SlaMonthly,
        format: ReportFormat::Pdf,
        params: ReportParams::default(),
        cron: "0 6 1 * *".into(),
        channel_ids: vec![ChannelId::new()],
        enabled: true,
        next_run_at: t0() + Duration::minutes(minutes),
        last_run_at: None,
        last_report_id: None,
        last_error: None,
        created_by: party(),
        created_at: t0(),
        version: 1,
    }
}

pub async fn reports_and_schedules_keep_their_tenant_and_version(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let older = record(acme.id, 1);
    let newer = record(acme.id, 2);
    for (r, bytes) in [(&older, b"old".as_slice()), (&newer, b"new".as_slice())] {
        store
            .insert_report(r, bytes, &event(Some(acme.id), "report.generated"))
            .await
            .unwrap();
    }
    let list = store.list_reports(acme.id, 10).await.unwrap();
    assert_eq!(list, vec![newer.clone(), older.clone()], "newest first");
    assert_eq!(store.list_reports(acme.id, 1).await.unwrap().len(), 1);
    assert!(store.list_reports(globex.id, 10).await.unwrap().is_empty());
    assert_eq!(
        store.report_content(acme.id, older.id).await.unwrap(),
        Some(b"old".to_vec())
    );
    assert_eq!(store.report(globex.id, older.id).await.unwrap(), None);
    assert_eq!(
        store.report_content(globex.id, older.id).await.unwrap(),
        None
    );

    let due = schedule(acme.id, "monthly", -5);
    let later = schedule(acme.id, "later", 60);
    let mut off = schedule(globex.id, "off", -5);
    off.enabled = false;
    for s in [&due, &later, &off] {
        store
            .insert_report_schedule(s, &event(Some(s.tenant_id), "report.schedule.created"))
            .await
            .unwrap();
    }
    let found = store.due_report_schedules(t0(), 10).await.unwrap();
    assert_eq!(found, vec![due.clone()], "enabled and due only");

    // Two nodes read version 1 and both try to claim: one wins.
    let mut a = due.clone();
    a.next_run_at = t0() + Duration::days(30);
    a.version = 2;
    let mut b = a.clone();
    b.last_error = Some("other node".into());
    assert!(store.update_report_schedule(&a, None).await.unwrap());
    assert!(!store.update_report_schedule(&b, None).await.unwrap());
    assert_eq!(
        store.report_schedule(acme.id, due.id).await.unwrap(),
        Some(a.clone())
    );
    assert!(
        store
            .due_report_schedules(t0(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.report_schedule(globex.id, due.id).await.unwrap(),
        None
    );

    let listed = store.list_report_schedules(acme.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        vec!["later", "monthly"]
    );
    assert!(
        !store
            .delete_report_schedule(globex.id, due.id, &event(Some(globex.id), "x"))
            .await
            .unwrap(),
        "another tenant cannot delete it"
    );
    assert!(
        store
            .delete_report_schedule(
                acme.id,
                due.id,
                &event(Some(acme.id), "report.schedule.deleted")
            )
            .await
            .unwrap()
    );
    assert_eq!(store.report_schedule(acme.id, due.id).await.unwrap(), None);
}
