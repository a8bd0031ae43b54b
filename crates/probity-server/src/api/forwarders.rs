//! SIEM forwarders: listed by auditors and up; created, changed and removed by owners and
//! admins (a forwarder sends the tenant's trail outside Probity). A webhook forwarder's signing
//! secret is shown once, in the answer to its creation. Every change is an audit event.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::audit::forward::{
    CreatedForwarder, ForwarderId, ForwarderUpdate, ForwarderView, NewForwarder,
};
use serde::Serialize;

use super::Errors;
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Forwarders.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ForwarderList {
    /// By name.
    pub items: Vec<ForwarderView>,
}

/// The tenant's SIEM forwarders, with their cursors, lag and delivery state.
#[utoipa::path(
    get,
    path = "/api/v1/audit/forwarders",
    tag = "audit",
    responses((status = 200, body = ForwarderList), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_forwarders(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<ForwarderList>> {
    Ok(Json(ForwarderList {
        items: state.forwarders().list(&auth.principal).await?,
    }))
}

/// Adds a forwarder: `destination.type` `syslog` (`transport` `tcp`|`udp`, `address`,
/// `format` `rfc5424`|`cef`) or `webhook` (`url`); `start` `now` (default) or `beginning`.
#[utoipa::path(
    post,
    path = "/api/v1/audit/forwarders",
    tag = "audit",
    request_body = NewForwarder,
    responses((status = 201, body = CreatedForwarder), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_forwarder(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewForwarder>,
) -> ApiResult<(StatusCode, Json<CreatedForwarder>)> {
    let created = state.forwarders().create(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One forwarder.
#[utoipa::path(
    get,
    path = "/api/v1/audit/forwarders/{forwarder_id}",
    tag = "audit",
    params(("forwarder_id" = String, Path, format = Uuid, description = "The forwarder's id")),
    responses((status = 200, body = ForwarderView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_forwarder(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ForwarderId>,
) -> ApiResult<Json<ForwarderView>> {
    Ok(Json(state.forwarders().get(&auth.principal, id).await?))
}

/// Changes a forwarder (pause with `enabled: false`); `version` must be the one read.
#[utoipa::path(
    patch,
    path = "/api/v1/audit/forwarders/{forwarder_id}",
    tag = "audit",
    params(("forwarder_id" = String, Path, format = Uuid, description = "The forwarder's id")),
    request_body = ForwarderUpdate,
    responses((status = 200, body = ForwarderView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_forwarder(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ForwarderId>,
    ApiJson(req): ApiJson<ForwarderUpdate>,
) -> ApiResult<Json<ForwarderView>> {
    Ok(Json(
        state.forwarders().update(&auth.principal, id, &req).await?,
    ))
}

/// Removes a forwarder.
#[utoipa::path(
    delete,
    path = "/api/v1/audit/forwarders/{forwarder_id}",
    tag = "audit",
    params(("forwarder_id" = String, Path, format = Uuid, description = "The forwarder's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn delete_forwarder(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ForwarderId>,
) -> ApiResult<StatusCode> {
    state.forwarders().delete(&auth.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
