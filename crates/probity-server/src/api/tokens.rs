//! API tokens: issue (secret shown once), list, revoke.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use probity_core::page::Page;
use probity_core::platform::rules::parse_duration;
use probity_core::platform::{ApiToken, Role, TokenId};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, PageQuery};
use crate::problem::ApiResult;
use crate::state::AppState;

/// A token request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Label, e.g. the service that uses it.
    pub name: String,
    /// Role the token acts with (no more than yours).
    pub role: Role,
    /// Lifetime such as `30d`, `12h` or `2w`; omit for a token that does not expire.
    pub expires_in: Option<String>,
}

/// A new token; `token` is shown only in this response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The secret token (`prb_...`). Store it now: it cannot be shown again.
    pub token: String,
    /// The stored record.
    pub record: ApiToken,
}

/// Tokens of the tenant (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    params(PageQuery),
    responses((status = 200, body = Page<ApiToken>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<ApiToken>>> {
    Ok(Json(
        state.platform().tokens(&auth.principal, &q.page()?).await?,
    ))
}

/// Issues a token.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = NewToken,
    responses((status = 201, body = CreatedToken), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let expires_at: Option<DateTime<Utc>> = match req.expires_in.as_deref() {
        Some(text) => Some(state.platform().clock().now() + parse_duration("expires_in", text)?),
        None => None,
    };
    let issued = state
        .platform()
        .create_token(&auth.principal, &req.name, req.role, expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: issued.token.expose_secret().to_owned(),
            record: issued.record,
        }),
    ))
}

/// Revokes a token; it stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{token_id}",
    tag = "tokens",
    params(("token_id" = String, Path, format = Uuid, description = "The token record's id")),
    responses((status = 204, description = "revoked"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(token_id): ApiPath<TokenId>,
) -> ApiResult<StatusCode> {
    state
        .platform()
        .revoke_token(&auth.principal, token_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
