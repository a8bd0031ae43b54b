//! Detection rules and alerts: rules are data (read by auditors and up, managed by owners,
//! admins and compliance managers), evaluated as events are indexed; alerts are listed by
//! auditors and up and acknowledged or resolved with a note by owners, admins and compliance
//! managers. Every change is an audit event; each alert is recorded as `audit.alert.raised`
//! with the ledger indexes of the events that triggered it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::DomainError;
use probity_core::audit::detect::{
    Alert, AlertId, AlertStatus, DetectionRule, DetectionRuleId, NewDetectionRule,
};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Detection rules.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleList {
    /// By name.
    pub items: Vec<DetectionRule>,
}

/// The tenant's detection rules.
#[utoipa::path(
    get,
    path = "/api/v1/audit/rules",
    tag = "audit",
    responses((status = 200, body = RuleList), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_rules(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<RuleList>> {
    Ok(Json(RuleList {
        items: state.detection().rules(&auth.principal).await?,
    }))
}

/// Adds a detection rule (`kind.type`: `threshold`, `rate_spike`, `off_hours`, `risk_above`,
/// `first_seen_ip`, `sequence`); it sees the events indexed from then on.
#[utoipa::path(
    post,
    path = "/api/v1/audit/rules",
    tag = "audit",
    request_body = NewDetectionRule,
    responses((status = 201, body = DetectionRule), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_rule(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewDetectionRule>,
) -> ApiResult<(StatusCode, Json<DetectionRule>)> {
    let rule = state.detection().create_rule(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// One detection rule.
#[utoipa::path(
    get,
    path = "/api/v1/audit/rules/{detection_rule_id}",
    tag = "audit",
    params(("detection_rule_id" = String, Path, format = Uuid, description = "The rule's id")),
    responses((status = 200, body = DetectionRule), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_rule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(rule_id): ApiPath<DetectionRuleId>,
) -> ApiResult<Json<DetectionRule>> {
    Ok(Json(
        state.detection().rule(&auth.principal, rule_id).await?,
    ))
}

/// Replaces a rule's definition (its version goes up; its state restarts).
#[utoipa::path(
    put,
    path = "/api/v1/audit/rules/{detection_rule_id}",
    tag = "audit",
    params(("detection_rule_id" = String, Path, format = Uuid, description = "The rule's id")),
    request_body = NewDetectionRule,
    responses((status = 200, body = DetectionRule), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_rule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(rule_id): ApiPath<DetectionRuleId>,
    ApiJson(req): ApiJson<NewDetectionRule>,
) -> ApiResult<Json<DetectionRule>> {
    Ok(Json(
        state
            .detection()
            .update_rule(&auth.principal, rule_id, &req)
            .await?,
    ))
}

/// Removes a rule; the alerts it raised stay.
#[utoipa::path(
    delete,
    path = "/api/v1/audit/rules/{detection_rule_id}",
    tag = "audit",
    params(("detection_rule_id" = String, Path, format = Uuid, description = "The rule's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn delete_rule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(rule_id): ApiPath<DetectionRuleId>,
) -> ApiResult<StatusCode> {
    state
        .detection()
        .delete_rule(&auth.principal, rule_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?status=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    /// `open`, `acknowledged` or `resolved` (default: all).
    pub status: Option<String>,
}

/// Alerts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertList {
    /// Newest first (at most 500).
    pub items: Vec<Alert>,
}

/// Alerts raised by the tenant's detection rules, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit/alerts",
    tag = "audit",
    params(AlertsQuery),
    responses((status = 200, body = AlertList), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_alerts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> ApiResult<Json<AlertList>> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            AlertStatus::parse(s).ok_or_else(|| {
                DomainError::invalid(
                    "status",
                    format!("{s:?} is not an alert status; use open, acknowledged or resolved"),
                )
            })
        })
        .transpose()?;
    Ok(Json(AlertList {
        items: state.detection().alerts(&auth.principal, status).await?,
    }))
}

/// One alert, with the ledger indexes of the events that triggered it.
#[utoipa::path(
    get,
    path = "/api/v1/audit/alerts/{alert_id}",
    tag = "audit",
    params(("alert_id" = String, Path, format = Uuid, description = "The alert's id")),
    responses((status = 200, body = Alert), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_alert(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(alert_id): ApiPath<AlertId>,
) -> ApiResult<Json<Alert>> {
    Ok(Json(
        state.detection().alert(&auth.principal, alert_id).await?,
    ))
}

/// Acknowledges an open alert (409 otherwise).
#[utoipa::path(
    post,
    path = "/api/v1/audit/alerts/{alert_id}/ack",
    tag = "audit",
    params(("alert_id" = String, Path, format = Uuid, description = "The alert's id")),
    responses((status = 200, body = Alert), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn acknowledge_alert(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(alert_id): ApiPath<AlertId>,
) -> ApiResult<Json<Alert>> {
    Ok(Json(
        state
            .detection()
            .acknowledge(&auth.principal, alert_id)
            .await?,
    ))
}

/// How an alert was resolved.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// What was found and done (1 to 2,000 characters).
    pub note: String,
}

/// Resolves an alert with a note (409 when it already is).
#[utoipa::path(
    post,
    path = "/api/v1/audit/alerts/{alert_id}/resolve",
    tag = "audit",
    params(("alert_id" = String, Path, format = Uuid, description = "The alert's id")),
    request_body = ResolveRequest,
    responses((status = 200, body = Alert), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn resolve_alert(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(alert_id): ApiPath<AlertId>,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> ApiResult<Json<Alert>> {
    Ok(Json(
        state
            .detection()
            .resolve(&auth.principal, alert_id, &req.note)
            .await?,
    ))
}
