//! Support desk: tickets with their SLA clocks (open, change, move through the workflow,
//! respond, add internal notes), the configuration (business-hours calendars, SLA policies
//! per tier × priority, routing rules) and the metrics (first-response and resolution times,
//! breach rates by agent, tier and priority).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use probity_core::support::{
    NewNote, NewResponse, NewTicket, StatusInput, SupportConfig, SupportMetrics, TicketFilter,
    TicketId, TicketUpdate, TicketView,
};
use serde::Deserialize;

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's tickets with both clocks: open ones most urgent first (breached, at risk, then
/// by due time), then solved and closed ones; filter by queue, status, priority, tier,
/// assignee or SLA state (any member).
#[utoipa::path(get, path = "/api/v1/support/tickets", tag = "support",
    params(TicketFilter),
    responses((status = 200, body = Items<TicketView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_tickets(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<TicketFilter>,
) -> ApiResult<Json<Items<TicketView>>> {
    Ok(items(
        state.support().tickets(&auth.principal, &filter).await?,
    ))
}

/// Opens a ticket (editors): the tier must be one the policies name; the category routes it
/// to a queue unless one is given; both clocks start under the tier × priority policy.
/// Audited as `support.ticket.created`.
#[utoipa::path(post, path = "/api/v1/support/tickets", tag = "support",
    request_body = NewTicket,
    responses((status = 201, body = TicketView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_ticket(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewTicket>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let view = state.support().create_ticket(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One ticket with its responses, internal notes, status history and clocks (any member).
#[utoipa::path(get, path = "/api/v1/support/tickets/{ticket_id}", tag = "support",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket's id")),
    responses((status = 200, body = TicketView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_ticket(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TicketId>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(state.support().ticket(&auth.principal, id).await?))
}

/// Changes a ticket's title, category, priority, tier, assignee or queue (editors); a new
/// priority or tier gives the clocks new targets and keeps what they consumed; a stale
/// `version` is a 409. Audited as `support.ticket.updated`.
#[utoipa::path(patch, path = "/api/v1/support/tickets/{ticket_id}", tag = "support",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket's id")),
    request_body = TicketUpdate,
    responses((status = 200, body = TicketView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_ticket(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(req): ApiJson<TicketUpdate>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(
        state
            .support()
            .update_ticket(&auth.principal, id, &req)
            .await?,
    ))
}

/// Moves a ticket through `new → open ⇄ pending_customer ⇄ on_hold → solved → closed`
/// (editors): waiting on the customer pauses the clocks, solving stops them, reopening a
/// solved ticket resumes its resolution clock; an illegal move is a 422 naming `status`.
/// Audited as `support.ticket.status_changed`.
#[utoipa::path(post, path = "/api/v1/support/tickets/{ticket_id}/status", tag = "support",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket's id")),
    request_body = StatusInput,
    responses((status = 200, body = TicketView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(req): ApiJson<StatusInput>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(
        state
            .support()
            .set_status(&auth.principal, id, &req)
            .await?,
    ))
}

/// Adds a public response from an agent, or records the customer's reply (editors). The first
/// agent response stops the first-response clock; a customer reply reopens a ticket waiting
/// on them or solved. Audited as `support.ticket.responded`.
#[utoipa::path(post, path = "/api/v1/support/tickets/{ticket_id}/responses", tag = "support",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket's id")),
    request_body = NewResponse,
    responses((status = 200, body = TicketView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn respond(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(req): ApiJson<NewResponse>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(
        state.support().respond(&auth.principal, id, &req).await?,
    ))
}

/// Adds an internal note, never shown to the customer and without effect on the clocks
/// (editors). Audited as `support.ticket.noted`.
#[utoipa::path(post, path = "/api/v1/support/tickets/{ticket_id}/notes", tag = "support",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket's id")),
    request_body = NewNote,
    responses((status = 200, body = TicketView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn add_note(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(req): ApiJson<NewNote>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(
        state.support().add_note(&auth.principal, id, &req).await?,
    ))
}

/// The support configuration: business-hours calendars, SLA policies per tier × priority,
/// routing rules, the default queue (the shipped default until one is saved; any member).
#[utoipa::path(get, path = "/api/v1/support/config", tag = "support",
    responses((status = 200, body = SupportConfig), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_config(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<SupportConfig>> {
    Ok(Json(state.support().config(&auth.principal).await?))
}

/// Replaces the support configuration (owners and admins); `version` must be the one read
/// (409 otherwise); errors name the field, e.g. `calendars[0].time_zone`. Running tickets
/// keep their policy until their priority or tier changes. Audited as
/// `support.config.updated`.
#[utoipa::path(put, path = "/api/v1/support/config", tag = "support",
    request_body = SupportConfig,
    responses((status = 200, body = SupportConfig), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn put_config(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<SupportConfig>,
) -> ApiResult<Json<SupportConfig>> {
    Ok(Json(
        state.support().put_config(&auth.principal, &req).await?,
    ))
}

/// `?from=&to=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// Tickets opened from (RFC 3339; 30 days before `to` when absent).
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive; now when absent).
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

/// First-response and resolution times (median and 90th percentile, business minutes) and
/// breach rates of the tickets opened in the period, overall and by agent, tier and priority
/// (any member).
#[utoipa::path(get, path = "/api/v1/support/metrics", tag = "support",
    params(MetricsQuery),
    responses((status = 200, body = SupportMetrics), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn metrics(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> ApiResult<Json<SupportMetrics>> {
    Ok(Json(
        state
            .support()
            .metrics(&auth.principal, q.from, q.to)
            .await?,
    ))
}
