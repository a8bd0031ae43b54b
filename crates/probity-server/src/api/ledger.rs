//! The tenant's verifiable ledger (DESIGN §4.3): the latest signed checkpoint, inclusion and
//! consistency proofs, single entries with their proof, and the verifier key auditors check
//! checkpoints with. Every route needs the audit permission (owner, admin, compliance manager,
//! auditor). Hashes are standard base64, as in checkpoints and tlog-proof files.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use probity_core::DomainError;
use probity_core::ledger::witnessing::add_cosignatures;
use probity_core::ledger::{LedgerService, checkpoint_origin};
use probity_core::platform::TenantId;
use probity_core::platform::rules::Permission;
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// A signed checkpoint of the tenant's log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    /// Number of entries it commits to.
    pub size: u64,
    /// RFC 6962 root hash at that size, base64.
    pub root: String,
    /// The C2SP signed note (checkpoint body, blank line, signature lines): the log's
    /// signature followed by the witness cosignatures collected so far (C2SP tlog-cosignature,
    /// one line per witness; verifiers ignore lines of witnesses they do not trust).
    pub signed_note: String,
    /// The witnesses whose cosignatures are in `signed_note`.
    pub cosignatures: Vec<CosignatureView>,
}

/// A witness's cosignature of the checkpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CosignatureView {
    /// The witness's key name.
    pub witness: String,
    /// The witness's key ID, 8 hex digits.
    pub key_id: String,
    /// The time the witness signed (its cosignature timestamp), RFC 3339: the checkpoint
    /// existed by then.
    pub cosigned_at: chrono::DateTime<chrono::Utc>,
}

/// `?index=&size=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// Position of the entry, from 0; below `size`.
    pub index: u64,
    /// Size of the tree to prove inclusion in; at most the current tree size.
    pub size: u64,
}

/// Proof that an entry is in the tree of a given size (RFC 9162 §2.1.3).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionProofView {
    /// Position of the entry.
    pub index: u64,
    /// Size of the tree the proof is for.
    pub size: u64,
    /// The entry's leaf hash, base64.
    pub leaf_hash: String,
    /// The audit path, base64 hashes from the leaf up.
    pub hashes: Vec<String>,
}

/// `?from=&to=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size, at least 1.
    pub from: u64,
    /// The newer tree size, at least `from` and at most the current tree size.
    pub to: u64,
}

/// Proof that the tree of size `from` is a prefix of the tree of size `to` (RFC 9162 §2.1.4).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProofView {
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
    /// The proof, base64 hashes (empty when the sizes are equal).
    pub hashes: Vec<String>,
}

/// One entry of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    /// Position in the log.
    pub index: u64,
    /// The leaf envelope (`v`, `seq`, `tenant`, `recorded_at`, `kind`, `payload_commitment`);
    /// its RFC 8785 canonical form is the leaf data.
    #[schema(value_type = Object)]
    pub envelope: serde_json::Value,
    /// `SHA-256(0x00 || envelope)`, base64.
    pub leaf_hash: String,
    /// The payload behind the commitment; `null` once erased.
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
    /// Inclusion in the tree of the latest checkpoint; `null` when no checkpoint covers the
    /// entry yet.
    pub proof: Option<InclusionProofView>,
}

/// The key that verifies this tenant's checkpoints.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifierKeyView {
    /// The log's origin: `<public host>/probity/<tenant slug>`.
    pub origin: String,
    /// The note verifier key, `<origin>+<key id>+<base64 key>`.
    pub verifier_key: String,
}

/// The index path parameter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EntryPath {
    /// Position of the entry, from 0.
    pub index: u64,
}

async fn tree_size(ledger: &LedgerService, tenant: TenantId) -> ApiResult<u64> {
    let head = ledger.head(tenant).await.map_err(DomainError::from)?;
    Ok(head.map_or(0, |h| h.size))
}

async fn inclusion(
    ledger: &LedgerService,
    tenant: TenantId,
    index: u64,
    size: u64,
) -> ApiResult<InclusionProofView> {
    let entry = ledger
        .entry(tenant, index)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| DomainError::NotFound(format!("ledger entry {index}")))?;
    let hashes = ledger
        .inclusion_proof(tenant, index, size)
        .await
        .map_err(DomainError::from)?;
    Ok(InclusionProofView {
        index,
        size,
        leaf_hash: entry.leaf_hash.to_base64(),
        hashes: hashes.iter().map(|h| h.to_base64()).collect(),
    })
}

/// The latest signed checkpoint of the tenant's log with the witness cosignatures collected for
/// it; 404 before the first is signed.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/checkpoint",
    tag = "ledger",
    responses((status = 200, body = CheckpointView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn checkpoint(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<CheckpointView>> {
    auth.principal.require(Permission::Audit)?;
    let tenant = auth.principal.tenant.id;
    let ledger = state.ledger();
    let latest = ledger
        .latest_checkpoint(tenant)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| DomainError::NotFound("ledger checkpoint".to_owned()))?;
    let cosignatures = ledger
        .cosignatures(tenant, latest.size)
        .await
        .map_err(DomainError::from)?;
    let signed_note =
        add_cosignatures(&latest.signed_note, &cosignatures).map_err(DomainError::from)?;
    Ok(Json(CheckpointView {
        size: latest.size,
        root: latest.root.to_base64(),
        signed_note,
        cosignatures: cosignatures
            .into_iter()
            .map(|c| CosignatureView {
                witness: c.witness_name,
                key_id: format!("{:08x}", c.witness_key_id),
                cosigned_at: c.cosigned_at,
            })
            .collect(),
    }))
}

/// Inclusion proof of entry `index` in the tree of `size` (422 when `index >= size` or `size`
/// exceeds the tree).
#[utoipa::path(
    get,
    path = "/api/v1/ledger/proof/inclusion",
    tag = "ledger",
    params(InclusionQuery),
    responses((status = 200, body = InclusionProofView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn inclusion_proof(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> ApiResult<Json<InclusionProofView>> {
    auth.principal.require(Permission::Audit)?;
    let tenant = auth.principal.tenant.id;
    let current = tree_size(state.ledger(), tenant).await?;
    if q.size > current {
        return Err(DomainError::invalid(
            "size",
            format!("the tree has {current} entries; size must be at most that"),
        )
        .into());
    }
    if q.index >= q.size {
        return Err(DomainError::invalid("index", "index must be below size").into());
    }
    Ok(Json(
        inclusion(state.ledger(), tenant, q.index, q.size).await?,
    ))
}

/// Consistency proof between the trees of sizes `from` and `to` (422 when `from` is 0,
/// `from > to` or `to` exceeds the tree).
#[utoipa::path(
    get,
    path = "/api/v1/ledger/proof/consistency",
    tag = "ledger",
    params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProofView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn consistency_proof(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProofView>> {
    auth.principal.require(Permission::Audit)?;
    let tenant = auth.principal.tenant.id;
    let current = tree_size(state.ledger(), tenant).await?;
    if q.to > current {
        return Err(DomainError::invalid(
            "to",
            format!("the tree has {current} entries; to must be at most that"),
        )
        .into());
    }
    if q.from == 0 {
        return Err(DomainError::invalid("from", "from must be at least 1").into());
    }
    if q.from > q.to {
        return Err(DomainError::invalid("from", "from must be at most to").into());
    }
    let hashes = if q.from == q.to {
        Vec::new()
    } else {
        state
            .ledger()
            .consistency_proof(tenant, q.from, q.to)
            .await
            .map_err(DomainError::from)?
    };
    Ok(Json(ConsistencyProofView {
        from: q.from,
        to: q.to,
        hashes: hashes.iter().map(|h| h.to_base64()).collect(),
    }))
}

/// Entry `index`: its envelope, leaf hash, payload (unless erased) and its inclusion proof at
/// the latest checkpoint; 404 for an index the log does not have.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/entries/{index}",
    tag = "ledger",
    params(EntryPath),
    responses((status = 200, body = EntryView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn entry(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(path): ApiPath<EntryPath>,
) -> ApiResult<Json<EntryView>> {
    auth.principal.require(Permission::Audit)?;
    let tenant = auth.principal.tenant.id;
    let ledger = state.ledger();
    let index = path.index;
    let stored = ledger
        .entry(tenant, index)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| DomainError::NotFound(format!("ledger entry {index}")))?;
    let envelope: serde_json::Value = serde_json::from_slice(&stored.envelope)
        .map_err(|e| DomainError::Internal(format!("ledger entry {index} envelope: {e}")))?;
    let payload = ledger
        .payload(tenant, index)
        .await
        .map_err(DomainError::from)?;
    let checkpoint = ledger
        .latest_checkpoint(tenant)
        .await
        .map_err(DomainError::from)?;
    let proof = match checkpoint {
        Some(c) if index < c.size => Some(inclusion(ledger, tenant, index, c.size).await?),
        _ => None,
    };
    Ok(Json(EntryView {
        index,
        envelope,
        leaf_hash: stored.leaf_hash.to_base64(),
        payload,
        proof,
    }))
}

/// Entry `index` as a C2SP tlog-proof file (`c2sp.org/tlog-proof@v1`: the index, its inclusion
/// proof and the latest signed checkpoint), which a verifier checks offline against the entry's
/// envelope and the log's verifier key; 404 for an index no checkpoint covers yet.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/entries/{index}/tlog-proof",
    tag = "ledger",
    params(EntryPath),
    responses(
        (status = 200, description = "the tlog-proof file", content_type = "text/plain", body = String),
        Errors
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn tlog_proof(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(path): ApiPath<EntryPath>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::Audit)?;
    let index = path.index;
    let (_, proof) = state
        .ledger()
        .tlog_proof(auth.principal.tenant.id, index)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| {
            DomainError::NotFound(format!("a signed checkpoint covering ledger entry {index}"))
        })?;
    let mut response = proof.to_text().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

/// The note verifier key of this tenant's log (`<origin>+<key id>+<base64 key>`).
#[utoipa::path(
    get,
    path = "/api/v1/ledger/verifier-key",
    tag = "ledger",
    responses((status = 200, body = VerifierKeyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn verifier_key(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<VerifierKeyView>> {
    auth.principal.require(Permission::Audit)?;
    let origin = checkpoint_origin(&state.http().public_host, &auth.principal.tenant.slug);
    let key = state
        .ledger()
        .verifier_key(&origin)
        .await
        .map_err(DomainError::from)?;
    Ok(Json(VerifierKeyView {
        origin,
        verifier_key: key.to_text(),
    }))
}
