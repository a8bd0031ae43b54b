//! The ledger store: a group commit writes entries, payloads, full tiles and the head together;
//! a stale compare-and-swap writes nothing; tiles are only full and never rewritten; rows stay in
//! their tenant; checkpoints come back ordered by size.

use std::sync::Arc;

use probity_core::ledger::{
    AppendBatch, AppendOutcome, LogKeyRecord, StoredCheckpoint, StoredEntry, StoredPayload,
    TreeHead,
};
use probity_core::platform::TenantId;
use probity_core::store::{Store, StoreError};
use probity_ledger::tile::completed_tiles;
use probity_ledger::tile_builder::{FullTile, TileBuilder};
use probity_ledger::tree::root_from_leaf_hashes;
use probity_ledger::{Hash, TileId, leaf_hash};

use crate::fixtures::{at, t0};

/// One batch, built the way the sequencer builds it.
pub struct Built {
    pub entries: Vec<StoredEntry>,
    pub payloads: Vec<StoredPayload>,
    pub tiles: Vec<FullTile>,
    pub head: TreeHead,
    pub expected_size: u64,
}

impl Built {
    pub fn batch(&self) -> AppendBatch<'_> {
        AppendBatch {
            expected_size: self.expected_size,
            entries: &self.entries,
            payloads: &self.payloads,
            tiles: &self.tiles,
            audit_ids: &[],
            new_head: self.head,
        }
    }
}

/// `count` entries tagged `tag` on top of `builder` (which advances).
pub fn build(builder: &mut TileBuilder, count: u64, tag: &str) -> Built {
    let start = builder.size();
    let entries: Vec<StoredEntry> = (start..start + count)
        .map(|seq| {
            let envelope = format!("{{\"seq\":{seq},\"tag\":\"{tag}\"}}").into_bytes();
            StoredEntry {
                seq,
                leaf_hash: leaf_hash(&envelope),
                envelope,
            }
        })
        .collect();
    let payloads = (start..start + count)
        .map(|seq| StoredPayload {
            seq,
            salt: vec![(seq % 251) as u8; 32],
            ciphertext: format!("sealed {tag} {seq}").into_bytes(),
        })
        .collect();
    let tiles = builder
        .append(entries.iter().map(|e| &e.leaf_hash))
        .unwrap();
    Built {
        entries,
        payloads,
        tiles,
        head: TreeHead {
            size: builder.size(),
            root: builder.root(),
        },
        expected_size: start,
    }
}

async fn all_tiles(store: &Arc<dyn Store>, tenant: TenantId, level: u8) -> Vec<FullTile> {
    store.ledger_tiles(tenant, level, 0, 1_000).await.unwrap()
}

pub async fn ledger_append_reads_back(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    assert_eq!(store.ledger_head(tenant).await.unwrap(), None);
    let mut builder = TileBuilder::new();
    let first = build(&mut builder, 300, "a");
    assert_eq!(
        store.append_batch(tenant, &first.batch()).await.unwrap(),
        AppendOutcome::Appended
    );
    let second = build(&mut builder, 250, "b");
    assert_eq!(
        store.append_batch(tenant, &second.batch()).await.unwrap(),
        AppendOutcome::Appended
    );

    let head = store.ledger_head(tenant).await.unwrap().unwrap();
    assert_eq!(head, second.head);
    let entries = store.ledger_entries(tenant, 0, 10_000).await.unwrap();
    let expected: Vec<StoredEntry> = first
        .entries
        .iter()
        .chain(&second.entries)
        .cloned()
        .collect();
    assert_eq!(entries, expected);
    let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
    assert_eq!(head.root, root_from_leaf_hashes(&leaves));
    assert_eq!(
        store.ledger_entries(tenant, 298, 302).await.unwrap(),
        expected[298..302].to_vec()
    );
    assert_eq!(
        store.ledger_payload(tenant, 301).await.unwrap(),
        Some(second.payloads[1].clone())
    );
    assert_eq!(store.ledger_payload(tenant, 550).await.unwrap(), None);

    let tiles = all_tiles(&store, tenant, 0).await;
    let expected: Vec<FullTile> = first.tiles.iter().chain(&second.tiles).cloned().collect();
    assert_eq!(tiles, expected);
    assert_eq!(
        tiles.iter().map(|t| t.id).collect::<Vec<_>>(),
        completed_tiles(0, 550)
    );
    assert_eq!(
        store.ledger_tile_roots(tenant, 0, 0, 1_000).await.unwrap(),
        tiles.iter().map(FullTile::root).collect::<Vec<_>>()
    );
    assert_eq!(
        store.ledger_tile_roots(tenant, 0, 1, 2).await.unwrap(),
        vec![tiles[1].root()]
    );
}

pub async fn ledger_stale_head_writes_nothing(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    let mut builder = TileBuilder::new();
    let first = build(&mut builder, 10, "first");
    let _ = store.append_batch(tenant, &first.batch()).await.unwrap();

    // A second writer that still believes the log is empty.
    let mut stale = TileBuilder::new();
    let forked = build(&mut stale, 300, "fork");
    assert_eq!(
        store.append_batch(tenant, &forked.batch()).await.unwrap(),
        AppendOutcome::Stale
    );
    // And one that lost an append in between.
    let mut behind = TileBuilder::new();
    let _ = build(&mut behind, 5, "first");
    let late = build(&mut behind, 3, "late");
    assert_eq!(
        store.append_batch(tenant, &late.batch()).await.unwrap(),
        AppendOutcome::Stale
    );

    assert_eq!(store.ledger_head(tenant).await.unwrap(), Some(first.head));
    assert_eq!(
        store.ledger_entries(tenant, 0, 1_000).await.unwrap(),
        first.entries
    );
    assert_eq!(store.ledger_payload(tenant, 10).await.unwrap(), None);
    assert!(all_tiles(&store, tenant, 0).await.is_empty());

    // The writer that is up to date still appends.
    let next = build(&mut builder, 2, "next");
    assert_eq!(
        store.append_batch(tenant, &next.batch()).await.unwrap(),
        AppendOutcome::Appended
    );
    assert_eq!(store.ledger_head(tenant).await.unwrap().unwrap().size, 12);
}

pub async fn ledger_tiles_are_full_and_immutable(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    let mut builder = TileBuilder::new();
    let built = build(&mut builder, 256, "t");
    let _ = store.append_batch(tenant, &built.batch()).await.unwrap();
    let tiles = all_tiles(&store, tenant, 0).await;
    assert_eq!(tiles.len(), 1);
    assert_eq!(tiles[0].id, TileId::full(0, 0));
    assert_eq!(tiles[0].hashes.len(), 256);
    assert!(all_tiles(&store, tenant, 1).await.is_empty());

    // Rewriting a stored tile fails, and the whole batch with it.
    let mut next = build(&mut builder, 1, "u");
    let mut rewritten = tiles[0].clone();
    rewritten.hashes[0] = Hash::new([7; 32]);
    next.tiles.push(rewritten);
    let err = store.append_batch(tenant, &next.batch()).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.ledger_head(tenant).await.unwrap(), Some(built.head));
    assert_eq!(all_tiles(&store, tenant, 0).await, tiles);
    assert!(
        store
            .ledger_entries(tenant, 256, 300)
            .await
            .unwrap()
            .is_empty()
    );

    // A partial tile is refused before anything is written.
    let mut partial = build(&mut TileBuilder::new(), 3, "p");
    partial.tiles.push(FullTile {
        id: TileId::new(0, 0, 3).unwrap(),
        hashes: partial.entries.iter().map(|e| e.leaf_hash).collect(),
    });
    let other = TenantId::new();
    let err = store
        .append_batch(other, &partial.batch())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
    assert_eq!(store.ledger_head(other).await.unwrap(), None);
}

pub async fn ledger_rows_never_cross_tenants(store: Arc<dyn Store>) {
    let (a, b) = (TenantId::new(), TenantId::new());
    let mut builder_a = TileBuilder::new();
    let built_a = build(&mut builder_a, 260, "a");
    let _ = store.append_batch(a, &built_a.batch()).await.unwrap();
    store
        .insert_checkpoint(a, &checkpoint(260, built_a.head.root, 0))
        .await
        .unwrap();

    assert_eq!(store.ledger_head(b).await.unwrap(), None);
    assert!(store.ledger_entries(b, 0, 1_000).await.unwrap().is_empty());
    assert!(all_tiles(&store, b, 0).await.is_empty());
    assert_eq!(store.ledger_payload(b, 0).await.unwrap(), None);
    assert_eq!(store.latest_checkpoint(b).await.unwrap(), None);
    assert!(store.checkpoints(b, None, 10).await.unwrap().is_empty());

    // B's log starts at 0 on its own and leaves A's alone.
    let built_b = build(&mut TileBuilder::new(), 3, "b");
    assert_eq!(
        store.append_batch(b, &built_b.batch()).await.unwrap(),
        AppendOutcome::Appended
    );
    assert_eq!(
        store.ledger_entries(b, 0, 1_000).await.unwrap(),
        built_b.entries
    );
    assert_eq!(store.ledger_head(a).await.unwrap(), Some(built_a.head));
    assert_eq!(
        store.ledger_entries(a, 0, 1_000).await.unwrap(),
        built_a.entries
    );
}

fn checkpoint(size: u64, root: Hash, seconds: i64) -> StoredCheckpoint {
    StoredCheckpoint {
        size,
        root,
        signed_note: format!("example.com/probity/acme\n{size}\n{}\n\n", root.to_base64()),
        created_at: at(seconds),
    }
}

pub async fn ledger_checkpoints_are_ordered_by_size(store: Arc<dyn Store>) {
    let tenant = TenantId::new();
    assert_eq!(store.latest_checkpoint(tenant).await.unwrap(), None);
    let c5 = checkpoint(5, Hash::new([5; 32]), 10);
    let c2 = checkpoint(2, Hash::new([2; 32]), 0);
    let c9 = checkpoint(9, Hash::new([9; 32]), 20);
    for c in [&c5, &c2, &c9] {
        store.insert_checkpoint(tenant, c).await.unwrap();
    }
    let all = store.checkpoints(tenant, None, 10).await.unwrap();
    assert_eq!(all, vec![c2.clone(), c5.clone(), c9.clone()]);
    assert_eq!(
        store.checkpoints(tenant, Some(2), 1).await.unwrap(),
        vec![c5.clone()]
    );
    assert!(
        store
            .checkpoints(tenant, Some(9), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.latest_checkpoint(tenant).await.unwrap(), Some(c9));

    let err = store
        .insert_checkpoint(tenant, &checkpoint(5, Hash::new([6; 32]), 30))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.checkpoints(tenant, None, 10).await.unwrap()[1], c5);
}

pub async fn ledger_log_key_is_stored_once(store: Arc<dyn Store>) {
    assert_eq!(store.log_key("log").await.unwrap(), None);
    let key = LogKeyRecord {
        name: "log".to_owned(),
        public_key: vec![1; 32],
        private_sealed: vec![2; 72],
        created_at: t0(),
    };
    store.insert_log_key(&key).await.unwrap();
    let second = LogKeyRecord {
        public_key: vec![3; 32],
        ..key.clone()
    };
    let err = store.insert_log_key(&second).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.log_key("log").await.unwrap(), Some(key));
}
