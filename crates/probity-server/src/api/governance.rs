//! Governance: policies with immutable, hashed versions, a review workflow with separation of
//! duties and a quorum, publication that retires the version it replaces, and acknowledgments
//! bound to the version in force; the shipped policy templates.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::governance::{
    Acknowledgment, Decision, NewAcknowledgment, NewPolicy, NewVersion, PolicyId, PolicyTemplate,
    PolicyView,
};

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The shipped policy templates, in our own words (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policy-templates",
    tag = "governance",
    responses((status = 200, body = Items<PolicyTemplate>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_templates(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<PolicyTemplate>>> {
    Ok(items(state.governance().templates(&auth.principal)?))
}

/// The tenant's policies with their versions and acknowledgment rates (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policies",
    tag = "governance",
    responses((status = 200, body = Items<PolicyView>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_policies(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<PolicyView>>> {
    Ok(items(state.governance().policies(&auth.principal).await?))
}

/// Creates a policy from a template or its own Markdown, with a first draft version
/// (contributor and above); audited as `policy.created`.
#[utoipa::path(
    post,
    path = "/api/v1/policies",
    tag = "governance",
    request_body = NewPolicy,
    responses((status = 201, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewPolicy>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    let view = state
        .governance()
        .create_policy(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One policy with every version and its acknowledgment status.
#[utoipa::path(
    get,
    path = "/api/v1/policies/{policy_id}",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .policy(&auth.principal, policy_id)
            .await?,
    ))
}

/// Adds a draft version (contributor and above; 409 while another version is a draft, in
/// review or approved); audited as `policy.version.created`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    request_body = NewVersion,
    responses((status = 201, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
    ApiJson(req): ApiJson<NewVersion>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    let view = state
        .governance()
        .new_version(&auth.principal, policy_id, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Sends a draft version for review (contributor and above); audited as
/// `policy.version.submitted`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions/{number}/submit",
    tag = "governance",
    params(
        ("policy_id" = String, Path, format = Uuid, description = "The policy's id"),
        ("number" = u32, Path, description = "The version number, from 1")
    ),
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn submit_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((policy_id, number)): ApiPath<(PolicyId, u32)>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .submit(&auth.principal, policy_id, number)
            .await?,
    ))
}

/// Approves a version in review, bound to the content hash the approver read (compliance
/// manager and above; never the version's author: 403 `forbidden`); the approval that meets
/// the policy's quorum makes the version `approved`. Audited as `policy.version.approved`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions/{number}/approve",
    tag = "governance",
    params(
        ("policy_id" = String, Path, format = Uuid, description = "The policy's id"),
        ("number" = u32, Path, description = "The version number, from 1")
    ),
    request_body = Decision,
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn approve_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((policy_id, number)): ApiPath<(PolicyId, u32)>,
    ApiJson(req): ApiJson<Decision>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .approve(&auth.principal, policy_id, number, &req)
            .await?,
    ))
}

/// Puts an approved version in force, bound to its content hash, and retires the version it
/// replaces (compliance manager and above); audited as `policy.version.published`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions/{number}/publish",
    tag = "governance",
    params(
        ("policy_id" = String, Path, format = Uuid, description = "The policy's id"),
        ("number" = u32, Path, description = "The version number, from 1")
    ),
    request_body = Decision,
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn publish_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((policy_id, number)): ApiPath<(PolicyId, u32)>,
    ApiJson(req): ApiJson<Decision>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .publish(&auth.principal, policy_id, number, &req)
            .await?,
    ))
}

/// A policy's acknowledgments, oldest first (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policies/{policy_id}/acknowledgments",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    responses((status = 200, body = Items<Acknowledgment>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_acknowledgments(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
) -> ApiResult<Json<Items<Acknowledgment>>> {
    Ok(items(
        state
            .governance()
            .acknowledgments(&auth.principal, policy_id)
            .await?,
    ))
}

/// The caller acknowledges the version in force, bound to the content hash they read (any
/// member; 409 when there is nothing in force, the hash is stale, or they already did);
/// audited as `policy.acknowledged`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/acknowledgments",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    request_body = NewAcknowledgment,
    responses((status = 201, body = Acknowledgment), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
    ApiJson(req): ApiJson<NewAcknowledgment>,
) -> ApiResult<(StatusCode, Json<Acknowledgment>)> {
    let ack = state
        .governance()
        .acknowledge(&auth.principal, policy_id, &req, "api")
        .await?;
    Ok((StatusCode::CREATED, Json(ack)))
}
