//! The assurance store: evidence content is kept once per address, a version lands only on
//! the item's current number (compare-and-swap), and versions, content and freezes are
//! append-only in the schema itself — raw SQL that bypasses Probity cannot change or delete
//! them, so a frozen audit period stays as frozen.

use probity_core::assurance::store::SealedContent;
use probity_core::assurance::*;
use probity_core::governance::Party;
use probity_store::{DatabaseTarget, PgStore, SqliteStore};

use crate::fixtures::{event, t0, tenant};
use crate::harness::TestDatabase;

fn party() -> Party {
    Party {
        id: "cli".into(),
        name: "CLI".into(),
    }
}

fn item(tenant: probity_core::platform::TenantId, reference: &str) -> EvidenceItem {
    EvidenceItem {
        id: EvidenceId::new(),
        tenant_id: tenant,
        reference: reference.into(),
        title: "Access review".into(),
        description: String::new(),
        tags: vec![],
        control_ids: vec!["IAM-06".into()],
        requirement_ids: vec![],
        assessment_ids: vec![],
        validity_days: None,
        owner: None,
        current_version: 1,
        created_at: t0(),
        created_by: party(),
        updated_at: t0(),
    }
}

fn version(item: &EvidenceItem, number: u32, sha: &str) -> EvidenceVersion {
    EvidenceVersion {
        evidence_id: item.id,
        tenant_id: item.tenant_id,
        number,
        kind: EvidenceKind::File,
        sha256: sha.into(),
        size: 3,
        media_type: "text/plain".into(),
        file_name: Some("a.txt".into()),
        collected_at: t0(),
        uploaded_at: t0(),
        uploaded_by: party(),
        expires_at: None,
        note: None,
    }
}

/// Runs `sql` on a raw connection to the test database; the error text when it fails.
async fn raw(db: &TestDatabase, sql: &'static str) -> Result<u64, String> {
    match db.target() {
        DatabaseTarget::Sqlite(path) => {
            let s = SqliteStore::open(path).await.unwrap();
            sqlx::query(sql)
                .execute(s.pool())
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
        DatabaseTarget::Postgres { url, schema } => {
            let s = PgStore::open(url, schema.as_deref()).await.unwrap();
            sqlx::query(sql)
                .execute(s.pool())
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
    }
}

pub async fn evidence_and_freezes_are_append_only(db: &TestDatabase) {
    let store = db.open().await;
    let acme = tenant("acme");
    store
        .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
        .await
        .unwrap();
    let sha = "a".repeat(64);
    let content = SealedContent {
        sha256: sha.clone(),
        size: 3,
        ciphertext: vec![1, 2, 3],
    };
    let mut first = item(acme.id, "EV-0001");
    store
        .insert_evidence(
            &first,
            &version(&first, 1, &sha),
            Some(&content),
            &event(Some(acme.id), "evidence.uploaded"),
        )
        .await
        .unwrap();
    // The same content under another item: kept once, the first copy stays.
    let second = item(acme.id, "EV-0002");
    let other = SealedContent {
        ciphertext: vec![9, 9, 9],
        ..content.clone()
    };
    store
        .insert_evidence(
            &second,
            &version(&second, 1, &sha),
            Some(&other),
            &event(Some(acme.id), "evidence.uploaded"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .evidence_content(acme.id, &sha)
            .await
            .unwrap()
            .unwrap()
            .ciphertext,
        vec![1, 2, 3]
    );
    // A reference is unique per tenant.
    let dup = item(acme.id, "EV-0001");
    assert!(
        store
            .insert_evidence(
                &dup,
                &version(&dup, 1, &sha),
                None,
                &event(Some(acme.id), "evidence.uploaded")
            )
            .await
            .is_err()
    );
    // Version 2 lands once; a racing second "version 2" does not.
    first.current_version = 2;
    assert!(
        store
            .insert_evidence_version(
                &first,
                &version(&first, 2, &sha),
                None,
                &event(Some(acme.id), "evidence.uploaded")
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_evidence_version(
                &first,
                &version(&first, 2, &sha),
                None,
                &event(Some(acme.id), "evidence.uploaded")
            )
            .await
            .unwrap()
    );
    let freeze = EvidenceFreeze {
        id: FreezeId::new(),
        tenant_id: acme.id,
        name: "FY".into(),
        assessment_id: None,
        period_start: t0().date_naive(),
        period_end: t0().date_naive(),
        frozen_at: t0(),
        frozen_by: party(),
        items: vec![],
        manifest_sha256: "b".repeat(64),
    };
    store
        .insert_freeze(&freeze, &event(Some(acme.id), "evidence.frozen"))
        .await
        .unwrap();

    for sql in [
        "UPDATE evidence_freezes SET record = record",
        "DELETE FROM evidence_freezes",
        "UPDATE evidence_versions SET sha256 = 'x'",
        "DELETE FROM evidence_versions",
        "UPDATE evidence_content SET ciphertext = ciphertext",
        "DELETE FROM evidence_content",
    ] {
        let err = raw(db, sql).await.expect_err(sql);
        assert!(
            err.contains("append-only") || err.contains("immutable"),
            "{sql}: {err}"
        );
    }
    assert_eq!(
        store.freeze(acme.id, freeze.id).await.unwrap().unwrap(),
        freeze
    );
    assert_eq!(
        store
            .evidence_versions(acme.id, first.id)
            .await
            .unwrap()
            .len(),
        2
    );
    // Items themselves (metadata, links) may change.
    assert_eq!(
        raw(db, "UPDATE evidence_items SET current = current").await,
        Ok(2)
    );
}
