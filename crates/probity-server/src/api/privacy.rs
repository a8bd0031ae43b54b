//! Privacy: data subject requests with their statutory clocks (create, move through the
//! workflow, extend), personal data breaches with per-regime notification clocks and the
//! notifications sent, and the tenant's public holidays that business-day clocks skip.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::privacy::{
    BreachId, BreachView, NewBreach, NewNotification, NewRequest, PrivacySettings,
    RequestExtensionInput, RequestId, RequestTransition, RequestView,
};

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's data subject requests with due date, days left and overdue flag; open ones
/// first, earliest due first (any member).
#[utoipa::path(get, path = "/api/v1/privacy/requests", tag = "privacy",
    responses((status = 200, body = Items<RequestView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_requests(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<RequestView>>> {
    Ok(items(state.privacy().requests(&auth.principal).await?))
}

/// Logs a data subject request (editors): the kind must be one the regime provides for, the
/// subject is named by a pseudonymous id; the due date follows the regime's rule from the day
/// it was received. Audited as `privacy.request.created`.
#[utoipa::path(post, path = "/api/v1/privacy/requests", tag = "privacy",
    request_body = NewRequest,
    responses((status = 201, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewRequest>,
) -> ApiResult<(StatusCode, Json<RequestView>)> {
    let view = state
        .privacy()
        .create_request(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One data subject request with its history and clock (any member).
#[utoipa::path(get, path = "/api/v1/privacy/requests/{request_id}", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    responses((status = 200, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(state.privacy().request(&auth.principal, id).await?))
}

/// Moves a request through `received → verifying_identity → in_progress → completed | denied`
/// (editors); a denial needs a reason, an illegal move is a 422 naming `to`, a stale `version`
/// a 409. Audited as `privacy.request.transitioned`.
#[utoipa::path(post, path = "/api/v1/privacy/requests/{request_id}/transition", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    request_body = RequestTransition,
    responses((status = 200, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn transition_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(req): ApiJson<RequestTransition>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        state
            .privacy()
            .transition_request(&auth.principal, id, &req)
            .await?,
    ))
}

/// Extends a request by its regime's extension (editors): once, with the reasons given to the
/// subject, before the first period runs out. Audited as `privacy.request.extended`.
#[utoipa::path(post, path = "/api/v1/privacy/requests/{request_id}/extend", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    request_body = RequestExtensionInput,
    responses((status = 200, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn extend_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(req): ApiJson<RequestExtensionInput>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        state
            .privacy()
            .extend_request(&auth.principal, id, &req)
            .await?,
    ))
}

/// The tenant's breaches with their notification clocks, latest awareness first (any member).
#[utoipa::path(get, path = "/api/v1/privacy/breaches", tag = "privacy",
    responses((status = 200, body = Items<BreachView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_breaches(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<BreachView>>> {
    Ok(items(state.privacy().breaches(&auth.principal).await?))
}

/// Registers a breach (editors); each regime's clock starts at `aware_at`. Audited as
/// `privacy.breach.created`.
#[utoipa::path(post, path = "/api/v1/privacy/breaches", tag = "privacy",
    request_body = NewBreach,
    responses((status = 201, body = BreachView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_breach(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewBreach>,
) -> ApiResult<(StatusCode, Json<BreachView>)> {
    let view = state.privacy().create_breach(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One breach with its clocks, notifications and timeline (any member).
#[utoipa::path(get, path = "/api/v1/privacy/breaches/{breach_id}", tag = "privacy",
    params(("breach_id" = String, Path, format = Uuid, description = "The breach's id")),
    responses((status = 200, body = BreachView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_breach(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<BreachId>,
) -> ApiResult<Json<BreachView>> {
    Ok(Json(state.privacy().breach(&auth.principal, id).await?))
}

/// Records a notification sent about a breach (editors); notifications to the same recipient
/// are numbered as phases, and one sent after its clock ran out needs `late_reason`. Audited
/// as `privacy.breach.notified`.
#[utoipa::path(post, path = "/api/v1/privacy/breaches/{breach_id}/notifications", tag = "privacy",
    params(("breach_id" = String, Path, format = Uuid, description = "The breach's id")),
    request_body = NewNotification,
    responses((status = 200, body = BreachView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn notify_breach(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<BreachId>,
    ApiJson(req): ApiJson<NewNotification>,
) -> ApiResult<Json<BreachView>> {
    Ok(Json(
        state
            .privacy()
            .notify_breach(&auth.principal, id, &req)
            .await?,
    ))
}

/// The tenant's privacy settings: the public holidays business-day clocks skip (any member).
#[utoipa::path(get, path = "/api/v1/privacy/settings", tag = "privacy",
    responses((status = 200, body = PrivacySettings), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<PrivacySettings>> {
    Ok(Json(state.privacy().settings(&auth.principal).await?))
}

/// Sets the public holidays (editors); due dates already computed stay as they are. Audited
/// as `privacy.settings.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/settings", tag = "privacy",
    request_body = PrivacySettings,
    responses((status = 200, body = PrivacySettings), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PrivacySettings>,
) -> ApiResult<Json<PrivacySettings>> {
    Ok(Json(
        state.privacy().put_settings(&auth.principal, &req).await?,
    ))
}
