//! The SIEM forwarder store: names are unique per tenant, definitions change only from the
//! version read, a lease is held by one owner until it expires or is given up, and the cursor
//! moves only from where it is and only for the lease holder.

use std::sync::Arc;

use chrono::Duration;
use probity_core::audit::forward::*;
use probity_core::governance::Party;
use probity_core::store::{Store, StoreError};

use crate::fixtures::{event, t0, tenant};

fn forwarder(tenant: &probity_core::platform::Tenant, name: &str) -> Forwarder {
    Forwarder {
        id: ForwarderId::new(),
        tenant_id: tenant.id,
        tenant_slug: tenant.slug.to_string(),
        name: name.into(),
        destination: Destination::Syslog {
            transport: SyslogTransport::Tcp,
            address: "127.0.0.1:6514".into(),
            format: SyslogFormat::Rfc5424,
        },
        filter: ForwardFilter::default(),
        batch_size: 100,
        enabled: true,
        version: 1,
        created_by: Party {
            id: "cli".into(),
            name: "CLI".into(),
        },
        created_at: t0(),
        updated_at: t0(),
        sealed_secret: Some(vec![1, 2, 3]),
    }
}

pub async fn forwarder_leases_and_cursors_move_once(store: Arc<dyn Store>) {
    let acme = tenant("acme");
    let globex = tenant("globex");
    for t in [&acme, &globex] {
        store
            .insert_tenant(t, &event(Some(t.id), "tenant.created"))
            .await
            .unwrap();
    }
    let soc = forwarder(&acme, "soc");
    store
        .insert_forwarder(&soc, 7, &event(Some(acme.id), "audit.forwarder.created"))
        .await
        .unwrap();
    let same_name = forwarder(&acme, "soc");
    assert!(matches!(
        store
            .insert_forwarder(
                &same_name,
                0,
                &event(Some(acme.id), "audit.forwarder.created")
            )
            .await,
        Err(StoreError::Duplicate(_))
    ));
    // Another tenant may use the name.
    store
        .insert_forwarder(
            &forwarder(&globex, "soc"),
            0,
            &event(Some(globex.id), "audit.forwarder.created"),
        )
        .await
        .unwrap();
    let stored = store.forwarder(acme.id, soc.id).await.unwrap().unwrap();
    assert_eq!(stored.forwarder, soc, "the sealed secret round-trips");
    assert_eq!(stored.next_index, 7);
    assert!(store.forwarder(globex.id, soc.id).await.unwrap().is_none());
    assert_eq!(store.enabled_forwarders().await.unwrap().len(), 2);

    // Versions: only from the one read.
    let mut paused = soc.clone();
    paused.enabled = false;
    paused.version = 2;
    let ev = event(Some(acme.id), "audit.forwarder.updated");
    assert!(store.update_forwarder(&paused, &ev).await.unwrap());
    assert!(
        !store.update_forwarder(&paused, &ev).await.unwrap(),
        "stale version"
    );
    assert_eq!(store.enabled_forwarders().await.unwrap().len(), 1);

    // Leases: one owner until expiry; the holder renews.
    let (now, until) = (t0(), t0() + Duration::seconds(30));
    assert!(
        store
            .lease_forwarder(soc.id, "a", now, until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .lease_forwarder(soc.id, "b", now, until)
            .await
            .unwrap()
    );
    assert!(
        store
            .lease_forwarder(soc.id, "a", now, until)
            .await
            .unwrap()
    );
    // Only the holder moves the cursor, and only from where it is.
    let progress = ForwardProgress {
        delivered: 3,
        ..ForwardProgress::default()
    };
    assert!(
        !store
            .advance_forwarder(soc.id, "b", 7, 10, &progress)
            .await
            .unwrap()
    );
    assert!(
        !store
            .advance_forwarder(soc.id, "a", 6, 10, &progress)
            .await
            .unwrap()
    );
    assert!(
        store
            .advance_forwarder(soc.id, "a", 7, 10, &progress)
            .await
            .unwrap()
    );
    assert!(
        !store
            .advance_forwarder(soc.id, "a", 7, 10, &progress)
            .await
            .unwrap(),
        "once"
    );
    let stored = store.forwarder(acme.id, soc.id).await.unwrap().unwrap();
    assert_eq!((stored.next_index, stored.progress.delivered), (10, 3));
    // An expired lease is taken over; the old holder can no longer move the cursor.
    let later = t0() + Duration::seconds(31);
    assert!(
        store
            .lease_forwarder(soc.id, "b", later, later + Duration::seconds(30))
            .await
            .unwrap()
    );
    assert!(
        !store
            .advance_forwarder(soc.id, "a", 10, 12, &progress)
            .await
            .unwrap()
    );
    // Releasing lets another owner in at once; a failure note releases too.
    store.release_forwarder(soc.id, "b").await.unwrap();
    assert!(
        store
            .lease_forwarder(soc.id, "c", later, later + Duration::seconds(30))
            .await
            .unwrap()
    );
    let failed = ForwardProgress {
        failures: 1,
        last_error: Some("connect: refused".into()),
        ..progress.clone()
    };
    assert!(
        !store
            .note_forwarder_failure(soc.id, "a", &failed)
            .await
            .unwrap()
    );
    assert!(
        store
            .note_forwarder_failure(soc.id, "c", &failed)
            .await
            .unwrap()
    );
    assert!(
        store
            .lease_forwarder(soc.id, "d", later, later + Duration::seconds(30))
            .await
            .unwrap()
    );
    let stored = store.forwarder(acme.id, soc.id).await.unwrap().unwrap();
    assert_eq!(
        stored.progress.last_error.as_deref(),
        Some("connect: refused")
    );
    assert_eq!(stored.next_index, 10);

    // Removal is per tenant.
    let ev = event(Some(globex.id), "audit.forwarder.deleted");
    assert!(
        !store
            .delete_forwarder(globex.id, soc.id, &ev)
            .await
            .unwrap()
    );
    let ev = event(Some(acme.id), "audit.forwarder.deleted");
    assert!(store.delete_forwarder(acme.id, soc.id, &ev).await.unwrap());
    assert!(store.forwarders(acme.id).await.unwrap().is_empty());
}
