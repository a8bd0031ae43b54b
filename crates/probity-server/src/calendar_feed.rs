//! The public calendar feed, `GET /calendar/<token>.ics`: an iCalendar (RFC 5545) document of
//! the tenant's due dates for calendar apps. There is no session or bearer token: the secret
//! token in the path is the credential, so an unknown, malformed or revoked token (or an owner
//! who lost access) is a 404 problem. Reads write no audit record (see `probity_core::calendar`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use probity_core::DomainError;

use crate::problem::ApiResult;
use crate::state::AppState;

/// The feed route.
pub fn router() -> Router<AppState> {
    Router::new().route("/calendar/{file}", get(feed))
}

async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let token = file
        .strip_suffix(".ics")
        .ok_or_else(|| DomainError::NotFound("calendar feed".into()))?;
    let calendar = state.calendar().feed(token).await?;
    let body = calendar.to_ical(&state.http().public_url());
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    Ok(response)
}
