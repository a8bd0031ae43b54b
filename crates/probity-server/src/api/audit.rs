//! The tenant's audit trail: ingest of events from the tenant's own services (one at a time or
//! in batches), each a ledger entry, and search, statistics, a live tail and a JSONL or CSV
//! export over the ledger's search projection (Probity's own change records included).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use probity_core::audit::event::{AuditEvent, EventInput, Submitter};
use probity_core::audit::index::{Bucket, EventPage, EventStatistics, FilterParams, IndexPage};
use probity_core::audit::trail::{Ingested, MAX_BATCH};
use probity_core::ledger::LedgerError;
use probity_core::platform::rules::Permission;
use probity_core::{DomainError, ErrorCode, FieldError};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiQuery, Auth, PageQuery};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// Searches the tenant's audit trail (events its services sent and Probity's own change
/// records), newest first, with filters and full text (owner, admin, compliance manager,
/// auditor). The search reads a projection of the ledger that trails it by about a second;
/// `indexed_through` says how far it has got.
#[utoipa::path(
    get,
    path = "/api/v1/audit/events",
    tag = "audit",
    params(FilterParams, PageQuery),
    responses((status = 200, body = EventPage), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<FilterParams>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<EventPage>> {
    auth.principal.require(Permission::Audit)?;
    let filter = filter.parse()?;
    let page = IndexPage::parse(q.limit, q.cursor.as_deref())?;
    let tenant = auth.principal.tenant.id;
    let store = state.platform().store();
    let indexed_through = store
        .index_cursor(tenant)
        .await
        .map_err(DomainError::from)?;
    let mut items = store
        .search_events(tenant, &filter, &page)
        .await
        .map_err(DomainError::from)?;
    let limit = page.limit as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|e| e.index.to_string())
    } else {
        None
    };
    Ok(Json(EventPage {
        items,
        next_cursor,
        indexed_through,
    }))
}

/// `?bucket=&top=` of the statistics.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatisticsQuery {
    /// Histogram bucket: `hour` or `day` (default: `hour` for ranges up to 7 days, else `day`).
    pub bucket: Option<String>,
    /// Keys per top list (1–100, default 10).
    pub top: Option<u32>,
}

/// Counts of the matching events by type, category, severity and outcome, the most active
/// actors and resources, and a histogram over time (owner, admin, compliance manager, auditor).
#[utoipa::path(
    get,
    path = "/api/v1/audit/statistics",
    tag = "audit",
    params(FilterParams, StatisticsQuery),
    responses((status = 200, body = EventStatistics), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<FilterParams>,
    ApiQuery(q): ApiQuery<StatisticsQuery>,
) -> ApiResult<Json<EventStatistics>> {
    auth.principal.require(Permission::Audit)?;
    let filter = filter.parse()?;
    let bucket = match q.bucket.as_deref() {
        Some("hour") => Bucket::Hour,
        Some("day") => Bucket::Day,
        None => match (filter.from, filter.to) {
            (Some(f), Some(t)) if t - f <= chrono::Duration::days(7) => Bucket::Hour,
            (Some(f), None) if state.platform().clock().now() - f <= chrono::Duration::days(7) => {
                Bucket::Hour
            }
            _ => Bucket::Day,
        },
        Some(other) => {
            return Err(DomainError::invalid(
                "bucket",
                format!("{other:?} is not a bucket; use hour or day"),
            )
            .into());
        }
    };
    let top = match q.top {
        None => 10,
        Some(n @ 1..=100) => n,
        Some(n) => {
            return Err(DomainError::invalid("top", format!("must be 1 to 100, got {n}")).into());
        }
    };
    let stats = state
        .platform()
        .store()
        .event_statistics(auth.principal.tenant.id, &filter, bucket, top)
        .await
        .map_err(DomainError::from)?;
    Ok(Json(stats))
}

/// `?from=` of the live tail (an alternative to the `Last-Event-ID` header).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// First ledger index to send; without it (and without `Last-Event-ID`) the tail starts
    /// with events indexed from now on.
    pub from_index: Option<u64>,
    /// Keep the stream open and send events as they are indexed (default `true`); `false`
    /// sends what is there and ends the stream (a catch-up read).
    pub follow: Option<bool>,
}

/// How often the live tail looks for newly indexed events.
const TAIL_POLL: std::time::Duration = std::time::Duration::from_millis(250);
/// Events sent per look.
const TAIL_BATCH: u32 = 500;

/// The live tail: matching events as Server-Sent Events (`id` = ledger index, `event: audit`,
/// `data` = the event as search returns it), oldest first, resumable with `Last-Event-ID`
/// (the stream continues after that index) or `?from_index=`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/stream",
    tag = "audit",
    params(FilterParams, StreamQuery),
    responses((status = 200, description = "text/event-stream of audit events", content_type = "text/event-stream"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiQuery(filter): ApiQuery<FilterParams>,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> ApiResult<Sse<impl futures::Stream<Item = Result<SseEvent, std::convert::Infallible>>>> {
    auth.principal.require(Permission::Audit)?;
    let filter = filter.parse()?;
    let tenant = auth.principal.tenant.id;
    let store = std::sync::Arc::clone(state.platform().store());
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    DomainError::invalid(
                        "Last-Event-ID",
                        "must be the id (a ledger index) of an event this stream sent",
                    )
                })?,
        ),
    };
    let start = match (last_event_id, q.from_index) {
        (Some(last), _) => last.saturating_add(1),
        (None, Some(from)) => from,
        (None, None) => store
            .index_cursor(tenant)
            .await
            .map_err(DomainError::from)?,
    };
    Ok(tail(store, tenant, filter, start, q.follow.unwrap_or(true)))
}

/// The live tail as an SSE response: matching events from ledger index `start` on, oldest
/// first; with `follow`, waits for new ones, otherwise ends once caught up. Shared by the API
/// and the web explorer.
pub fn tail(
    store: std::sync::Arc<dyn probity_core::store::Store>,
    tenant: probity_core::platform::TenantId,
    filter: probity_core::audit::index::EventFilter,
    start: u64,
    follow: bool,
) -> Sse<impl futures::Stream<Item = Result<SseEvent, std::convert::Infallible>>> {
    let events = futures::stream::unfold(
        (store, filter, start, std::collections::VecDeque::new()),
        move |(store, filter, mut next, mut queue)| async move {
            loop {
                if let Some(event) = queue.pop_front() {
                    return Some((Ok(event), (store, filter, next, queue)));
                }
                match store.events_since(tenant, &filter, next, TAIL_BATCH).await {
                    Ok(found) if found.is_empty() && !follow => return None,
                    Ok(found) if !found.is_empty() => {
                        for e in found {
                            next = e.index.saturating_add(1);
                            let data = serde_json::to_string(&e).unwrap_or_default();
                            queue.push_back(
                                SseEvent::default()
                                    .id(e.index.to_string())
                                    .event("audit")
                                    .data(data),
                            );
                        }
                    }
                    Ok(_) => tokio::time::sleep(TAIL_POLL).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "audit tail read failed");
                        tokio::time::sleep(TAIL_POLL * 4).await;
                    }
                }
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// `?format=` of the export.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `jsonl` (default: one event per line, as search returns it, payload included) or
    /// `csv` (one row per event, the searchable fields).
    pub format: Option<String>,
}

/// Columns of the CSV export.
pub const EXPORT_COLUMNS: [&str; 18] = [
    "index",
    "recorded_at",
    "occurred_at",
    "event_type",
    "category",
    "severity",
    "outcome",
    "actor_type",
    "actor_id",
    "actor_name",
    "action",
    "resource_type",
    "resource_id",
    "ip",
    "control_ids",
    "subject_ids",
    "risk_score",
    "message",
];

fn csv_row(e: &probity_core::audit::index::IndexedEvent) -> String {
    let time =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    probity_report::tabular::csv_record(&[
        e.index.to_string(),
        time(e.recorded_at),
        time(e.occurred_at),
        e.event_type.clone(),
        e.category.as_str().to_owned(),
        e.severity.as_str().to_owned(),
        e.outcome.as_str().to_owned(),
        e.actor_type.clone(),
        e.actor_id.clone(),
        e.actor_name.clone(),
        e.action.clone(),
        e.resource_type.clone().unwrap_or_default(),
        e.resource_id.clone().unwrap_or_default(),
        e.ip.clone().unwrap_or_default(),
        e.control_ids.join(" "),
        e.subject_ids.join(" "),
        e.risk_score.map(|r| r.to_string()).unwrap_or_default(),
        e.message.clone().unwrap_or_default(),
    ])
}

/// Exports the matching events, oldest first, as JSONL or CSV (owner, admin, compliance
/// manager, auditor), streamed page by page; for SIEM back-fills and audits of a period
/// (`from`, `to`). The export itself is recorded as `audit.exported` with its filters.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export",
    tag = "audit",
    params(FilterParams, ExportQuery),
    responses((status = 200, description = "application/x-ndjson or text/csv of the matching events", content_type = "application/x-ndjson"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<FilterParams>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    auth.principal.require(Permission::Audit)?;
    let filter = params.parse()?;
    let csv = match q.format.as_deref() {
        None | Some("jsonl") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(DomainError::invalid(
                "format",
                format!("{other:?} is not an export format; use jsonl or csv"),
            )
            .into());
        }
    };
    let tenant = auth.principal.tenant.id;
    let store = std::sync::Arc::clone(state.platform().store());
    let record = probity_core::audit::AuditRecord::new(
        Some(tenant),
        "audit.exported",
        &auth.principal.actor,
        ("audit_trail", if csv { "csv" } else { "jsonl" }.to_owned()),
        state.platform().clock().now(),
    )
    .with_details(
        serde_json::json!({ "format": if csv { "csv" } else { "jsonl" }, "filters": params }),
    );
    store
        .record_event(&record)
        .await
        .map_err(DomainError::from)?;
    let header_line = csv.then(|| probity_report::tabular::csv_record(&EXPORT_COLUMNS));
    let body = futures::stream::unfold(
        (store, filter, 0u64, header_line, false),
        move |(store, filter, next, header_line, done)| async move {
            if let Some(h) = header_line {
                return Some((
                    Ok::<_, std::io::Error>(h.into_bytes()),
                    (store, filter, next, None, done),
                ));
            }
            if done {
                return None;
            }
            match store.events_since(tenant, &filter, next, TAIL_BATCH).await {
                Ok(found) => {
                    let done = found.len() < TAIL_BATCH as usize;
                    let next = found.last().map_or(next, |e| e.index.saturating_add(1));
                    let mut chunk = String::new();
                    for e in &found {
                        if csv {
                            chunk.push_str(&csv_row(e));
                        } else {
                            chunk.push_str(&serde_json::to_string(e).unwrap_or_default());
                            chunk.push('\n');
                        }
                    }
                    if chunk.is_empty() {
                        return None;
                    }
                    Some((Ok(chunk.into_bytes()), (store, filter, next, None, done)))
                }
                Err(e) => Some((
                    Err(std::io::Error::other(format!(
                        "audit export read failed: {e}"
                    ))),
                    (store, filter, next, None, true),
                )),
            }
        },
    );
    let mut response = axum::response::Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(if csv {
            "text/csv; charset=utf-8"
        } else {
            "application/x-ndjson"
        }),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_static(if csv {
            "attachment; filename=\"audit-events.csv\""
        } else {
            "attachment; filename=\"audit-events.jsonl\""
        }),
    );
    Ok(response)
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
