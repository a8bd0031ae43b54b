//! Migrations: a fresh database gets every migration shipped for its backend, and opening an
//! existing database again changes nothing.

use std::collections::BTreeMap;

use probity_core::page::PageRequest;

use probity_core::store::StoreError;
use probity_store::PgStore;

use crate::fixtures::{event, tenant};
use crate::harness::{Backend, TestDatabase};

/// (version, description) of every file in `migrations/<backend>/`, as sqlx names them.
fn shipped(backend: Backend) -> Vec<(i64, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend.name());
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (version, description) = stem.split_once('_').unwrap();
        found.insert(
            version.parse::<i64>().unwrap(),
            description.replace('_', " "),
        );
    }
    found.into_iter().collect()
}

pub async fn migrations_apply_from_empty(db: &TestDatabase) {
    let before = probity_store::applied_migrations(db.target())
        .await
        .unwrap();
    assert!(
        before.is_empty(),
        "a fresh database has no migrations: {before:?}"
    );

    let store = db.open().await;
    store.ping().await.unwrap();
    let applied = probity_store::applied_migrations(db.target())
        .await
        .unwrap();
    assert!(!applied.is_empty());
    assert_eq!(applied, shipped(db.backend()));
    // Both backends ship the same versions, so neither lags behind the other.
    let versions = |b| shipped(b).into_iter().map(|(v, _)| v).collect::<Vec<_>>();
    assert_eq!(versions(Backend::Sqlite), versions(Backend::Postgres));
}

pub async fn reopening_is_a_noop(db: &TestDatabase) {
    let acme = tenant("acme");
    {
        let store = db.open().await;
        store
            .insert_tenant(&acme, &event(Some(acme.id), "tenant.created"))
            .await
            .unwrap();
    }
    let applied = probity_store::applied_migrations(db.target())
        .await
        .unwrap();

    let store = db.open().await;
    let again = db.open().await;
    assert_eq!(
        probity_store::applied_migrations(db.target())
            .await
            .unwrap(),
        applied
    );
    assert_eq!(
        store.tenant_by_id(acme.id).await.unwrap(),
        Some(acme.clone())
    );
    assert_eq!(
        again.tenant_by_slug("acme").await.unwrap(),
        Some(acme.clone())
    );
    let events = store
        .list_events(acme.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(events.items.len(), 1);
}

/// A schema is created quoted but selected through `search_path`, which PostgreSQL folds to
/// lowercase; a name spelled differently the two ways would migrate into nothing (or into
/// another schema), so it is refused before connecting.
#[tokio::test]
async fn postgres_schema_names_that_fold_are_refused() {
    let nowhere = "postgres://postgres@127.0.0.1:1/none";
    for bad in ["T_Upper", "tUpper", "", "1abc", "a-b", "a\"b", "a b"] {
        match PgStore::open(nowhere, Some(bad)).await {
            Err(StoreError::Internal(msg)) => assert!(msg.contains("lowercase"), "{bad:?}: {msg}"),
            other => panic!("schema {bad:?} was not refused: {other:?}"),
        }
    }
}
