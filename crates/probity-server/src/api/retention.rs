//! Audit retention, legal holds and subject erasure: the tenant's retention policy (read by
//! auditors and up, changed by owners and admins with the version it is based on), legal holds
//! (placed and released by those who may read the trail and approve), retention runs on
//! demand (dry or real; the daily `audit.retention` job runs them too) and the erasure of a
//! data subject's events. Each operation first brings the search index up to the ledger, so
//! every event already in the log is seen.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::DomainError;
use probity_core::audit::erasure::{RetentionRun, SubjectErasure};
use probity_core::audit::retention::{
    LegalHold, LegalHoldId, NewLegalHold, NewRetentionPolicy, RetentionPolicy,
};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Brings the tenant's search index up to its ledger.
async fn catch_up(state: &AppState, auth: &Auth) -> Result<(), DomainError> {
    state
        .indexer()
        .catch_up(auth.principal.tenant.id, u64::MAX)
        .await
        .map(|_| ())
}

/// The tenant's retention policy (the built-in one, version 0, until one is saved).
#[utoipa::path(
    get,
    path = "/api/v1/audit/retention",
    tag = "audit",
    responses((status = 200, body = RetentionPolicy), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<RetentionPolicy>> {
    Ok(Json(state.erasure().policy(&auth.principal).await?))
}

/// Replaces the retention policy; a given `version` must be the current one (409 otherwise).
/// Audited as `audit.retention.policy.updated` with the previous rules.
#[utoipa::path(
    put,
    path = "/api/v1/audit/retention",
    tag = "audit",
    request_body = NewRetentionPolicy,
    responses((status = 200, body = RetentionPolicy), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn put_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewRetentionPolicy>,
) -> ApiResult<Json<RetentionPolicy>> {
    Ok(Json(
        state.erasure().set_policy(&auth.principal, &req).await?,
    ))
}

/// A retention run request.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Report what is due without erasing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// Applies the retention policy now: erases the payloads past their retention that no active
/// hold covers (entries, tiles and proofs stay valid), records `audit.retention.erased` and,
/// when holds kept some, `audit.retention.held`; answers what it did.
#[utoipa::path(
    post,
    path = "/api/v1/audit/retention/runs",
    tag = "audit",
    request_body = RunRequest,
    responses((status = 200, body = RetentionRun), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn run_retention(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<RunRequest>,
) -> ApiResult<Json<RetentionRun>> {
    catch_up(&state, &auth).await?;
    Ok(Json(
        state
            .erasure()
            .run_retention(&auth.principal, req.dry_run)
            .await?,
    ))
}

/// `?active=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HoldsQuery {
    /// Only holds not released (default `false`: all).
    pub active: Option<bool>,
}

/// Legal holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoldList {
    /// Newest first.
    pub items: Vec<LegalHold>,
}

/// The tenant's legal holds, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit/legal-holds",
    tag = "audit",
    params(HoldsQuery),
    responses((status = 200, body = HoldList), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_holds(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<HoldsQuery>,
) -> ApiResult<Json<HoldList>> {
    Ok(Json(HoldList {
        items: state
            .erasure()
            .holds(&auth.principal, q.active.unwrap_or(false))
            .await?,
    }))
}

/// Places a legal hold: from now on no event it covers is erased, by retention or by a
/// subject's erasure. Audited as `audit.legal_hold.placed`.
#[utoipa::path(
    post,
    path = "/api/v1/audit/legal-holds",
    tag = "audit",
    request_body = NewLegalHold,
    responses((status = 201, body = LegalHold), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn place_hold(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewLegalHold>,
) -> ApiResult<(StatusCode, Json<LegalHold>)> {
    let hold = state.erasure().place_hold(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(hold)))
}

/// One legal hold.
#[utoipa::path(
    get,
    path = "/api/v1/audit/legal-holds/{hold_id}",
    tag = "audit",
    params(("hold_id" = String, Path, format = Uuid, description = "The hold's id")),
    responses((status = 200, body = LegalHold), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_hold(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(hold_id): ApiPath<LegalHoldId>,
) -> ApiResult<Json<LegalHold>> {
    Ok(Json(state.erasure().hold(&auth.principal, hold_id).await?))
}

/// Why a hold is released.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Why (1 to 2,000 characters), e.g. "matter settled".
    pub reason: String,
}

/// Releases a hold (409 when it is already released); audited as `audit.legal_hold.released`.
#[utoipa::path(
    post,
    path = "/api/v1/audit/legal-holds/{hold_id}/release",
    tag = "audit",
    params(("hold_id" = String, Path, format = Uuid, description = "The hold's id")),
    request_body = ReleaseRequest,
    responses((status = 200, body = LegalHold), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn release_hold(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(hold_id): ApiPath<LegalHoldId>,
    ApiJson(req): ApiJson<ReleaseRequest>,
) -> ApiResult<Json<LegalHold>> {
    Ok(Json(
        state
            .erasure()
            .release_hold(&auth.principal, hold_id, &req.reason)
            .await?,
    ))
}

/// A subject erasure request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The data subject id events name in `subject_ids`.
    pub subject: String,
    /// Why, e.g. the data subject request it fulfils.
    pub reason: String,
    /// Report what would be erased and kept without erasing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Erases the payloads of every event naming a data subject that no active hold covers, and
/// reports what was erased and what holds kept. Recorded as `audit.subject.erased` with the
/// subject's SHA-256, never the id itself.
#[utoipa::path(
    post,
    path = "/api/v1/audit/erasures",
    tag = "audit",
    request_body = ErasureRequest,
    responses((status = 200, body = SubjectErasure), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn erase_subject(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ErasureRequest>,
) -> ApiResult<Json<SubjectErasure>> {
    catch_up(&state, &auth).await?;
    Ok(Json(
        state
            .erasure()
            .erase_subject(&auth.principal, &req.subject, &req.reason, req.dry_run)
            .await?,
    ))
}
