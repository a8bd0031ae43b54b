//! The compliance calendar: every due date of the tenant in a date range (any member), the
//! caller's calendar feeds (make one — its secret URL shown once —, list, revoke). The feed
//! itself, `GET /calendar/<token>.ics`, is served by [`crate::calendar_feed`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use probity_core::DomainError;
use probity_core::calendar::{
    CalendarEntry, CalendarFeed, CalendarFeedId, EntryKind, NewCalendarFeed,
};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// `?from=&to=&kind=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// First day, `YYYY-MM-DD` (default: 30 days ago).
    pub from: Option<NaiveDate>,
    /// Last day, included (default: 180 days ahead); at most 1096 days after `from`.
    pub to: Option<NaiveDate>,
    /// Only these kinds, comma-separated (e.g. `risk_review,policy_review`).
    pub kind: Option<String>,
}

/// Parses `a,b,c` into kinds; an unknown one is named.
pub fn parse_kinds(text: Option<&str>) -> Result<Vec<EntryKind>, DomainError> {
    let mut kinds = Vec::new();
    for part in text.unwrap_or("").split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let kind = EntryKind::parse(part).ok_or_else(|| {
            DomainError::invalid(
                "kind",
                format!(
                    "{part:?} is not a calendar entry kind; use {}",
                    EntryKind::ALL.map(EntryKind::as_str).join(", ")
                ),
            )
        })?;
        kinds.push(kind);
    }
    Ok(kinds)
}

/// The due dates of a range.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarListing {
    /// First day.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Last day.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// When the list was made (overdue flags are relative to it).
    pub generated_at: DateTime<Utc>,
    /// Entries by date.
    pub items: Vec<CalendarEntry>,
}

/// The caller's calendar feeds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarFeedList {
    /// Newest first, revoked ones included.
    pub items: Vec<CalendarFeed>,
}

/// A new feed: `url` holds the secret token and is shown only in this response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedCalendarFeed {
    /// The subscription URL (`<public URL>/calendar/<token>.ics`). Store it now.
    pub url: String,
    /// The secret token in it.
    pub token: String,
    /// The stored record.
    pub feed: CalendarFeed,
}

/// Every due date of the tenant in the range, by date, with overdue flags (any member).
#[utoipa::path(
    get,
    path = "/api/v1/calendar",
    tag = "calendar",
    params(CalendarQuery),
    responses((status = 200, body = CalendarListing), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_entries(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<CalendarListing>> {
    let calendar = state.calendar();
    let range = calendar.range(q.from, q.to)?;
    let kinds = parse_kinds(q.kind.as_deref())?;
    let items = calendar.entries(&auth.principal, range, &kinds).await?;
    Ok(Json(CalendarListing {
        from: range.from,
        to: range.to,
        generated_at: calendar.now(),
        items,
    }))
}

/// The caller's calendar feeds (never their tokens).
#[utoipa::path(
    get,
    path = "/api/v1/calendar/feeds",
    tag = "calendar",
    responses((status = 200, body = CalendarFeedList), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_feeds(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<CalendarFeedList>> {
    Ok(Json(CalendarFeedList {
        items: state.calendar().feeds(&auth.principal).await?,
    }))
}

/// Makes a calendar feed owned by the caller; its URL is shown once.
#[utoipa::path(
    post,
    path = "/api/v1/calendar/feeds",
    tag = "calendar",
    request_body = NewCalendarFeed,
    responses((status = 201, body = CreatedCalendarFeed), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_feed(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewCalendarFeed>,
) -> ApiResult<(StatusCode, Json<CreatedCalendarFeed>)> {
    let issued = state.calendar().create_feed(&auth.principal, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedCalendarFeed {
            url: format!("{}{}", state.http().public_url(), issued.path),
            token: issued.token,
            feed: issued.feed,
        }),
    ))
}

/// Revokes one of the caller's feeds: its URL answers 404 from then on.
#[utoipa::path(
    delete,
    path = "/api/v1/calendar/feeds/{feed_id}",
    tag = "calendar",
    params(("feed_id" = String, Path, format = Uuid, description = "The feed's id")),
    responses((status = 204, description = "revoked"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn revoke_feed(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(feed_id): ApiPath<CalendarFeedId>,
) -> ApiResult<StatusCode> {
    state
        .calendar()
        .revoke_feed(&auth.principal, feed_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn kinds_are_parsed_from_a_comma_list_and_unknown_ones_named() {
        assert!(parse_kinds(None).unwrap().is_empty());
        assert_eq!(
            parse_kinds(Some("risk_review, policy_review,")).unwrap(),
            vec![EntryKind::RiskReview, EntryKind::PolicyReview]
        );
        let e = parse_kinds(Some("risk_review,dsr")).unwrap_err();
        assert!(e.to_string().contains("dsr"), "{e}");
    }
}
