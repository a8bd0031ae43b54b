//! Notifications: channels (create, list, read, remove, test-send, delivery log), routing
//! rules, and the tenant's notifications with acknowledgement.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::notify::service::NewChannel;
use probity_core::notify::{
    Channel, ChannelId, CreatedChannel, Delivery, NewRule, Notification, NotificationId,
    RoutingRule, RuleId,
};
use probity_core::page::Page;

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, PageQuery};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's channels (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/notifications/channels",
    tag = "notifications",
    params(PageQuery),
    responses((status = 200, body = Page<Channel>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_channels(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Channel>>> {
    Ok(Json(
        state.notify().channels(&auth.principal, &q.page()?).await?,
    ))
}

/// Adds a channel. A webhook channel's signing secret (`whsec_...`) is in this response only.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/channels",
    tag = "notifications",
    request_body = NewChannel,
    responses((status = 201, body = CreatedChannel), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewChannel>,
) -> ApiResult<(StatusCode, Json<CreatedChannel>)> {
    let created = state.notify().create_channel(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One channel.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/channels/{channel_id}",
    tag = "notifications",
    params(("channel_id" = String, Path, format = Uuid, description = "The channel's id")),
    responses((status = 200, body = Channel), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel_id): ApiPath<ChannelId>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(
        state.notify().channel(&auth.principal, channel_id).await?,
    ))
}

/// Removes a channel; its delivery log stays, rules skip it.
#[utoipa::path(
    delete,
    path = "/api/v1/notifications/channels/{channel_id}",
    tag = "notifications",
    params(("channel_id" = String, Path, format = Uuid, description = "The channel's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn delete_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel_id): ApiPath<ChannelId>,
) -> ApiResult<StatusCode> {
    state
        .notify()
        .delete_channel(&auth.principal, channel_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a test message to the channel; follow it in the channel's delivery log.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/channels/{channel_id}/test",
    tag = "notifications",
    params(("channel_id" = String, Path, format = Uuid, description = "The channel's id")),
    responses((status = 202, body = Delivery), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn test_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel_id): ApiPath<ChannelId>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    let delivery = state
        .notify()
        .test_channel(&auth.principal, channel_id)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// The channel's delivery log, newest first: status, attempts, next attempt, last error.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/channels/{channel_id}/deliveries",
    tag = "notifications",
    params(
        ("channel_id" = String, Path, format = Uuid, description = "The channel's id"),
        PageQuery
    ),
    responses((status = 200, body = Page<Delivery>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel_id): ApiPath<ChannelId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Delivery>>> {
    Ok(Json(
        state
            .notify()
            .deliveries(&auth.principal, channel_id, &q.page()?)
            .await?,
    ))
}

/// Every routing rule of the tenant, in creation order (one page).
#[utoipa::path(
    get,
    path = "/api/v1/notifications/rules",
    tag = "notifications",
    responses((status = 200, body = Page<RoutingRule>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_rules(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Page<RoutingRule>>> {
    Ok(Json(Page {
        items: state.notify().rules(&auth.principal).await?,
        next_cursor: None,
    }))
}

/// Adds a routing rule.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/rules",
    tag = "notifications",
    request_body = NewRule,
    responses((status = 201, body = RoutingRule), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_rule(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewRule>,
) -> ApiResult<(StatusCode, Json<RoutingRule>)> {
    let rule = state.notify().create_rule(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// Removes a routing rule.
#[utoipa::path(
    delete,
    path = "/api/v1/notifications/rules/{rule_id}",
    tag = "notifications",
    params(("rule_id" = String, Path, format = Uuid, description = "The rule's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn delete_rule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(rule_id): ApiPath<RuleId>,
) -> ApiResult<StatusCode> {
    state.notify().delete_rule(&auth.principal, rule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant's notifications, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    params(PageQuery),
    responses((status = 200, body = Page<Notification>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_notifications(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Notification>>> {
    Ok(Json(
        state
            .notify()
            .notifications(&auth.principal, &q.page()?)
            .await?,
    ))
}

/// Acknowledges a notification: escalation stops; PagerDuty channels get `acknowledge`.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{notification_id}/ack",
    tag = "notifications",
    params(("notification_id" = String, Path, format = Uuid, description = "The notification's id")),
    responses((status = 200, body = Notification), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(notification_id): ApiPath<NotificationId>,
) -> ApiResult<Json<Notification>> {
    Ok(Json(
        state
            .notify()
            .acknowledge(&auth.principal, notification_id)
            .await?,
    ))
}
