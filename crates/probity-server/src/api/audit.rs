//! The tenant's audit trail: records of every state change, newest first, and the ingest of
//! events from the tenant's own services (one at a time or in batches), each a ledger entry.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use probity_core::audit::AuditRecord;
use probity_core::audit::event::{AuditEvent, EventInput, Submitter};
use probity_core::audit::trail::{Ingested, MAX_BATCH};
use probity_core::ledger::LedgerError;
use probity_core::page::Page;
use probity_core::platform::rules::Permission;
use probity_core::{DomainError, ErrorCode, FieldError};
use serde::Serialize;

use super::Errors;
use crate::extract::{ApiJson, ApiQuery, Auth, PageQuery};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The tenant's audit records, newest first (owner, admin, compliance manager, auditor).
#[utoipa::path(
    get,
    path = "/api/v1/audit/events",
    tag = "audit",
    params(PageQuery),
    responses((status = 200, body = Page<AuditRecord>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<AuditRecord>>> {
    auth.principal.require(Permission::Audit)?;
    let page = state
        .platform()
        .store()
        .list_events(auth.principal.tenant.id, &q.page()?)
        .await
        .map_err(DomainError::from)?;
    Ok(Json(page))
}

/// An accepted event: its ledger index and the event as stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestedView {
    /// Position of the event in the tenant's ledger.
    pub index: u64,
    /// The event as stored (normalized, with `recorded_at` and `submitted_by`).
    pub event: AuditEvent,
}

/// What became of one event of a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItem {
    /// Position of the event in the batch, from 0 (NDJSON: non-empty lines).
    pub position: usize,
    /// `accepted` or `rejected`.
    pub status: String,
    /// Ledger index, for an accepted event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Every problem of a rejected event, named by field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The outcome of a batch: the good events landed, the bad ones are listed with their errors.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchView {
    /// Events appended to the ledger.
    pub accepted: usize,
    /// Events refused.
    pub rejected: usize,
    /// One result per event, in batch order.
    pub results: Vec<BatchItem>,
}

/// Largest batch body: 1,000 events of up to 16 KiB of details each.
pub const BATCH_BODY_LIMIT: usize = 17 * 1024 * 1024;

fn overloaded_or(e: LedgerError) -> ApiError {
    match e {
        LedgerError::Overloaded { retry_after_secs } => ApiError(
            Problem::new(ErrorCode::Unavailable, e.to_string()),
            Some(retry_after_secs),
        ),
        other => DomainError::from(other).into(),
    }
}

fn submitter(auth: &Auth) -> Submitter {
    Submitter::from_actor(&auth.principal.actor)
}

/// Records one event in the tenant's audit trail (contributor and above). The answer comes
/// once the event is a durable ledger entry; 503 with `Retry-After` when the ledger is
/// overloaded.
#[utoipa::path(
    post,
    path = "/api/v1/audit/events",
    tag = "audit",
    request_body = EventInput,
    responses((status = 201, body = IngestedView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn ingest_event(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<(StatusCode, Json<IngestedView>)> {
    auth.principal.require(Permission::Write)?;
    let mut results = state
        .trail()
        .ingest(auth.principal.tenant.id, &submitter(&auth), vec![input])
        .await
        .map_err(overloaded_or)?;
    match results.pop() {
        Some(Ingested::Accepted { index, event }) => Ok((
            StatusCode::CREATED,
            Json(IngestedView {
                index,
                event: *event,
            }),
        )),
        Some(Ingested::Rejected(errors)) => Err(DomainError::Validation(errors).into()),
        None => Err(DomainError::Internal("ingest returned no result".to_owned()).into()),
    }
}

/// Parses a batch body: a JSON array, or NDJSON (one event per line, blank lines skipped).
/// Each event is parsed on its own, so one malformed event does not sink the others.
fn parse_batch(ndjson: bool, body: &[u8]) -> Result<Vec<Result<EventInput, String>>, ApiError> {
    let parse = |value: serde_json::Value| {
        serde_json::from_value::<EventInput>(value).map_err(|e| e.to_string())
    };
    if ndjson {
        let text = std::str::from_utf8(body)
            .map_err(|_| DomainError::invalid("body", "NDJSON must be UTF-8"))?;
        Ok(text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .map_err(|e| format!("not JSON: {e}"))
                    .and_then(parse)
            })
            .collect())
    } else {
        let values: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|e| {
            DomainError::invalid("body", format!("must be a JSON array of events: {e}"))
        })?;
        Ok(values.into_iter().map(parse).collect())
    }
}

/// Records up to 1,000 events in one request: a JSON array (`application/json`) or NDJSON
/// (`application/x-ndjson`), at most 17 MiB. Every event is judged on its own: the good ones
/// land in order, the bad ones come back with their errors (200 either way). 503 with
/// `Retry-After`, and nothing appended, when the ledger is overloaded.
#[utoipa::path(
    post,
    path = "/api/v1/audit/events:batch",
    tag = "audit",
    request_body(content(
        (Vec<EventInput> = "application/json"),
        (String = "application/x-ndjson")
    )),
    responses((status = 200, body = BatchView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn ingest_batch(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<BatchView>> {
    auth.principal.require(Permission::Write)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let ndjson = match content_type.as_str() {
        "application/json" => false,
        "application/x-ndjson" | "application/jsonl" | "application/json-seq" => true,
        _ => {
            return Err(DomainError::invalid(
                "content-type",
                "send application/json (an array of events) or application/x-ndjson",
            )
            .into());
        }
    };
    let bytes = axum::body::to_bytes(body, BATCH_BODY_LIMIT)
        .await
        .map_err(|_| {
            Problem::new(
                ErrorCode::PayloadTooLarge,
                format!("a batch body is at most {BATCH_BODY_LIMIT} bytes; split the batch"),
            )
        })?;
    let parsed = parse_batch(ndjson, &bytes)?;
    if parsed.len() > MAX_BATCH {
        return Err(DomainError::invalid(
            "body",
            format!("a batch holds at most {MAX_BATCH} events; split it"),
        )
        .into());
    }
    let mut inputs = Vec::with_capacity(parsed.len());
    let mut unparsed = Vec::new();
    for (position, item) in parsed.into_iter().enumerate() {
        match item {
            Ok(input) => inputs.push((position, input)),
            Err(message) => unparsed.push((position, message)),
        }
    }
    let (positions, inputs): (Vec<usize>, Vec<EventInput>) = inputs.into_iter().unzip();
    let ingested = state
        .trail()
        .ingest(auth.principal.tenant.id, &submitter(&auth), inputs)
        .await
        .map_err(overloaded_or)?;
    let mut results: Vec<BatchItem> = positions
        .into_iter()
        .zip(ingested)
        .map(|(position, outcome)| match outcome {
            Ingested::Accepted { index, .. } => BatchItem {
                position,
                status: "accepted".to_owned(),
                index: Some(index),
                errors: Vec::new(),
            },
            Ingested::Rejected(errors) => BatchItem {
                position,
                status: "rejected".to_owned(),
                index: None,
                errors,
            },
        })
        .collect();
    results.extend(unparsed.into_iter().map(|(position, message)| BatchItem {
        position,
        status: "rejected".to_owned(),
        index: None,
        errors: vec![FieldError {
            field: "event".to_owned(),
            message,
        }],
    }));
    results.sort_by_key(|r| r.position);
    let accepted = results.iter().filter(|r| r.index.is_some()).count();
    Ok(Json(BatchView {
        accepted,
        rejected: results.len() - accepted,
        results,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::response::IntoResponse;

    use super::*;

    #[tokio::test]
    async fn an_overloaded_ledger_answers_503_with_its_retry_after() {
        let response = overloaded_or(LedgerError::Overloaded {
            retry_after_secs: 3,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "unavailable");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("retry after 3 s")
        );
    }
}
