//! Privacy: data subject requests with their statutory clocks (create, move through the
//! workflow, extend), personal data breaches with per-regime notification clocks and the
//! notifications sent, the tenant's public holidays that business-day clocks skip, and the
//! records of processing activities (GDPR Art. 30) with their CSV and JSON export.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use probity_core::DomainError;
use probity_core::privacy::{
    ActivityId, ActivityInput, BreachId, BreachView, NewBreach, NewNotification, NewRequest,
    PrivacySettings, ProcessingActivity, RequestExtensionInput, RequestId, RequestTransition,
    RequestView,
};
use serde::Deserialize;

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
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

/// The records of processing activities, by reference (any member).
#[utoipa::path(get, path = "/api/v1/privacy/activities", tag = "privacy",
    responses((status = 200, body = Items<ProcessingActivity>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_activities(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ProcessingActivity>>> {
    Ok(items(state.privacy().activities(&auth.principal).await?))
}

/// Records a processing activity (editors): purposes, legal basis, data and subject
/// categories, recipients, retention and transfers. Audited as `privacy.activity.created`.
#[utoipa::path(post, path = "/api/v1/privacy/activities", tag = "privacy",
    request_body = ActivityInput,
    responses((status = 201, body = ProcessingActivity), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ActivityInput>,
) -> ApiResult<(StatusCode, Json<ProcessingActivity>)> {
    let a = state
        .privacy()
        .create_activity(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One processing activity (any member).
#[utoipa::path(get, path = "/api/v1/privacy/activities/{activity_id}", tag = "privacy",
    params(("activity_id" = String, Path, format = Uuid, description = "The activity's id")),
    responses((status = 200, body = ProcessingActivity), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ActivityId>,
) -> ApiResult<Json<ProcessingActivity>> {
    Ok(Json(state.privacy().activity(&auth.principal, id).await?))
}

/// Replaces a processing activity's fields (editors; a stale `version` is a 409). Audited as
/// `privacy.activity.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/activities/{activity_id}", tag = "privacy",
    params(("activity_id" = String, Path, format = Uuid, description = "The activity's id")),
    request_body = ActivityInput,
    responses((status = 200, body = ProcessingActivity), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ActivityId>,
    ApiJson(req): ApiJson<ActivityInput>,
) -> ApiResult<Json<ProcessingActivity>> {
    Ok(Json(
        state
            .privacy()
            .update_activity(&auth.principal, id, &req)
            .await?,
    ))
}

/// Removes a processing activity (editors). Audited as `privacy.activity.deleted` with what
/// it said.
#[utoipa::path(delete, path = "/api/v1/privacy/activities/{activity_id}", tag = "privacy",
    params(("activity_id" = String, Path, format = Uuid, description = "The activity's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn delete_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    state.privacy().delete_activity(&auth.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// The whole record of processing (Art. 30) as a JSON array or a CSV file, one row per
/// activity (any member).
#[utoipa::path(get, path = "/api/v1/privacy/record-of-processing", tag = "privacy",
    params(ExportQuery),
    responses((status = 200, description = "the record", content(
        (Vec<ProcessingActivity> = "application/json"),
        (String = "text/csv")
    )), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn export_activities(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(DomainError::invalid("format", "must be json or csv").into()),
    };
    let activities = state.privacy().activities(&auth.principal).await?;
    if !csv {
        return Ok(Json(activities).into_response());
    }
    let mut response = probity_core::privacy::processing::to_csv(&activities).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"record-of-processing.csv\""),
    );
    Ok(response)
}
