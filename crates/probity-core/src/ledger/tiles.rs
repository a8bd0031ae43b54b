//! Tiles read back from the ledger store: partial tiles derived from entries and lower full
//! tiles (only full tiles are stored), the write-path tile state restored after a restart, and
//! proofs computed over stored tiles.

use std::collections::HashMap;

use probity_ledger::proof::{ProofError, prove_consistency, prove_inclusion};
use probity_ledger::tile::{TILE_WIDTH, partial_tiles};
use probity_ledger::tile_builder::TileBuilder;
use probity_ledger::tile_source::{MissingTile, TileReadError, TileReader, TileSource};
use probity_ledger::{Hash, TileId};

use crate::error::{DomainError, DomainResult};
use crate::platform::model::TenantId;
use crate::store::Store;

/// Proofs read at most this many tiles (a proof needs about two per level).
const MAX_PROOF_TILES: usize = 1_024;

/// The hashes of `tile` (full or partial) in the tenant's stored tree.
pub(crate) async fn read_tile(
    store: &dyn Store,
    tenant: TenantId,
    tile: TileId,
) -> DomainResult<Vec<Hash>> {
    let width = u64::from(tile.width());
    let start = tile
        .index()
        .checked_mul(u64::from(TILE_WIDTH))
        .ok_or_else(|| DomainError::Internal(format!("ledger tile {tile} is out of range")))?;
    let end = start.saturating_add(width);
    let hashes: Vec<Hash> = if tile.is_full() {
        store
            .ledger_tiles(
                tenant,
                tile.level(),
                tile.index(),
                tile.index().saturating_add(1),
            )
            .await?
            .into_iter()
            .next()
            .map(|t| t.hashes)
            .unwrap_or_default()
    } else if tile.level() == 0 {
        store
            .ledger_entries(tenant, start, end)
            .await?
            .into_iter()
            .map(|e| e.leaf_hash)
            .collect()
    } else {
        store
            .ledger_tile_roots(tenant, tile.level() - 1, start, end)
            .await?
    };
    if hashes.len() as u64 != width {
        return Err(DomainError::Internal(format!(
            "ledger tile {tile} has {} of its {width} hashes in the store",
            hashes.len()
        )));
    }
    Ok(hashes)
}

/// The tile state of the tenant's committed tree, checked against the stored root.
pub(crate) async fn restore_builder(
    store: &dyn Store,
    tenant: TenantId,
) -> DomainResult<TileBuilder> {
    let Some(head) = store.ledger_head(tenant).await? else {
        return Ok(TileBuilder::new());
    };
    let mut tiles = Vec::new();
    for tile in partial_tiles(head.size) {
        tiles.push((tile, read_tile(store, tenant, tile).await?));
    }
    let builder = TileBuilder::from_partial_tiles(head.size, tiles)
        .map_err(|e| DomainError::Internal(format!("ledger tiles: {e}")))?;
    if builder.root() != head.root {
        return Err(DomainError::Internal(format!(
            "ledger of tenant {tenant}: the stored root at size {} does not match its tiles",
            head.size
        )));
    }
    Ok(builder)
}

/// Tiles fetched so far for one proof.
#[derive(Debug, Default)]
struct LoadedTiles(HashMap<TileId, Vec<Hash>>);

impl TileSource for LoadedTiles {
    type Error = MissingTile;

    fn read_tile(&self, tile: TileId) -> Result<Vec<Hash>, MissingTile> {
        self.0.get(&tile).cloned().ok_or(MissingTile { tile })
    }
}

/// Runs `prove` over the tree of `size`, fetching each tile it asks for from the store (the
/// tile reader is synchronous, the store is not, so a missing tile ends an attempt).
async fn prove_with<T>(
    store: &dyn Store,
    tenant: TenantId,
    size: u64,
    prove: impl Fn(&mut TileReader<&LoadedTiles>) -> Result<T, ProofError<MissingTile>>,
) -> DomainResult<T> {
    let mut loaded = LoadedTiles::default();
    while loaded.0.len() <= MAX_PROOF_TILES {
        let attempt = {
            let mut reader = TileReader::new(&loaded, size);
            prove(&mut reader)
        };
        match attempt {
            Ok(proof) => return Ok(proof),
            Err(ProofError::Tiles(TileReadError::Source(MissingTile { tile }))) => {
                let hashes = read_tile(store, tenant, tile).await?;
                loaded.0.insert(tile, hashes);
            }
            Err(e @ (ProofError::IndexOutOfRange { .. } | ProofError::InvalidSizes { .. })) => {
                return Err(DomainError::invalid("size", e.to_string()));
            }
            Err(e) => return Err(DomainError::Internal(format!("ledger proof: {e}"))),
        }
    }
    Err(DomainError::Internal(
        "ledger proof needs more tiles than any proof should".to_owned(),
    ))
}

/// Consistency proof from `old_size` to `new_size` (`0 < old_size <= new_size`).
pub(crate) async fn consistency_proof(
    store: &dyn Store,
    tenant: TenantId,
    old_size: u64,
    new_size: u64,
) -> DomainResult<Vec<Hash>> {
    prove_with(store, tenant, new_size, |reader| {
        prove_consistency(reader, old_size)
    })
    .await
}

/// The root of the tree of `size` as the stored tiles give it.
pub(crate) async fn stored_root(
    store: &dyn Store,
    tenant: TenantId,
    size: u64,
) -> DomainResult<Hash> {
    prove_with(store, tenant, size, |reader| {
        reader.root().map_err(ProofError::from)
    })
    .await
}

/// Inclusion proof of leaf `index` in the tree of `size`.
pub(crate) async fn inclusion_proof(
    store: &dyn Store,
    tenant: TenantId,
    index: u64,
    size: u64,
) -> DomainResult<Vec<Hash>> {
    prove_with(store, tenant, size, |reader| prove_inclusion(reader, index)).await
}
