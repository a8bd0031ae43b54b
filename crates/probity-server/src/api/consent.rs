//! The consent ledger (`/api/v1/privacy/consent/...`): the purposes consent is asked for,
//! recording grants and withdrawals one by one or as an NDJSON/CSV import, a subject's history
//! and current state, the state at a past time with the ledger proof of each deciding event,
//! and consent receipts; and the access/portability export of a data subject request
//! (`/api/v1/privacy/requests/{request_id}/export`, a zip).
//!
//! Recording and changing purposes need the write permission (contributors and above, service
//! tokens); reading is open to every member; the export is for approvers (owners, admins,
//! compliance managers).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, Utc};
use probity_core::privacy::consent::{ConsentEvent, ConsentReceipt, ImportFormat, ImportResult};
use probity_core::privacy::{
    ConsentAtTime, ConsentPurpose, NewConsentEvent, NewPurpose, PurposeCounts, PurposeId,
    PurposeUpdate, RequestId, SubjectConsent,
};
use serde::Deserialize;

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's consent purposes with the grants and withdrawals recorded for each, by key
/// (any member).
#[utoipa::path(get, path = "/api/v1/privacy/consent/purposes", tag = "privacy",
    responses((status = 200, body = Items<PurposeCounts>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_purposes(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<PurposeCounts>>> {
    Ok(items(
        state.consent().purpose_counts(&auth.principal).await?,
    ))
}

/// Registers a purpose consent is asked for (contributors and above); its key is what events
/// name. Audited as `privacy.consent.purpose.created`.
#[utoipa::path(post, path = "/api/v1/privacy/consent/purposes", tag = "privacy",
    request_body = NewPurpose,
    responses((status = 201, body = ConsentPurpose), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_purpose(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewPurpose>,
) -> ApiResult<(StatusCode, Json<ConsentPurpose>)> {
    let p = state
        .consent()
        .create_purpose(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// One purpose (any member).
#[utoipa::path(get, path = "/api/v1/privacy/consent/purposes/{purpose_id}", tag = "privacy",
    params(("purpose_id" = String, Path, format = Uuid, description = "The purpose's id")),
    responses((status = 200, body = ConsentPurpose), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_purpose(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<Json<ConsentPurpose>> {
    Ok(Json(state.consent().purpose(&auth.principal, id).await?))
}

/// Changes a purpose's title, description, processing activity or legal basis (contributors
/// and above; the key stays; a stale `version` is a 409). Audited as
/// `privacy.consent.purpose.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/consent/purposes/{purpose_id}", tag = "privacy",
    params(("purpose_id" = String, Path, format = Uuid, description = "The purpose's id")),
    request_body = PurposeUpdate,
    responses((status = 200, body = ConsentPurpose), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_purpose(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PurposeId>,
    ApiJson(req): ApiJson<PurposeUpdate>,
) -> ApiResult<Json<ConsentPurpose>> {
    Ok(Json(
        state
            .consent()
            .update_purpose(&auth.principal, id, &req)
            .await?,
    ))
}

/// Removes a purpose no consent is recorded for (contributors and above; one with history is a
/// 409). Audited as `privacy.consent.purpose.deleted`.
#[utoipa::path(delete, path = "/api/v1/privacy/consent/purposes/{purpose_id}", tag = "privacy",
    params(("purpose_id" = String, Path, format = Uuid, description = "The purpose's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn delete_purpose(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<StatusCode> {
    state.consent().delete_purpose(&auth.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?subject=&purpose=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only this subject's events.
    #[serde(default)]
    pub subject: Option<String>,
    /// Only this purpose's events.
    #[serde(default)]
    pub purpose: Option<String>,
    /// At most this many (1–1000, default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Recorded consent events, newest first by `occurred_at` (any member): a subject's history,
/// a purpose's, or the tenant's latest.
#[utoipa::path(get, path = "/api/v1/privacy/consent/events", tag = "privacy",
    params(HistoryQuery),
    responses((status = 200, body = Items<ConsentEvent>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<Items<ConsentEvent>>> {
    Ok(items(
        state
            .consent()
            .history(
                &auth.principal,
                q.subject.as_deref(),
                q.purpose.as_deref(),
                q.limit,
            )
            .await?,
    ))
}

/// Records a grant or withdrawal (contributors and above, service tokens): 201 with the event
/// and its ledger index; a repeated client `id` with the same content answers 200 with the
/// earlier event, with other content 409. Audited as `privacy.consent.granted` or
/// `privacy.consent.withdrawn`.
#[utoipa::path(post, path = "/api/v1/privacy/consent/events", tag = "privacy",
    request_body = NewConsentEvent,
    responses(
        (status = 201, body = ConsentEvent),
        (status = 200, description = "already recorded under this id", body = ConsentEvent),
        Errors
    ),
    security(("token" = []), ("session" = [])))]
pub async fn record_event(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewConsentEvent>,
) -> ApiResult<(StatusCode, Json<ConsentEvent>)> {
    let r = state.consent().record(&auth.principal, &req).await?;
    let status = if r.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(r.event)))
}

/// The body limit of an import: the 2 MiB file bound plus room for JSON string escapes.
pub const IMPORT_BODY_LIMIT: usize = 3 * 1024 * 1024;

/// A bulk import.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    /// `ndjson` or `csv`.
    pub format: ImportFormat,
    /// The file's text (at most 2 MiB and 10,000 events).
    pub content: String,
}

/// Records the events of an NDJSON or CSV file (contributors and above): each line on its
/// own; bad lines are refused with their errors while the good ones land, lines with an `id`
/// recorded before are duplicates. A file over the bounds or a CSV without the needed columns
/// is a 422.
#[utoipa::path(post, path = "/api/v1/privacy/consent/import", tag = "privacy",
    request_body = ImportBody,
    responses((status = 200, body = ImportResult), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn import_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ImportBody>,
) -> ApiResult<Json<ImportResult>> {
    Ok(Json(
        state
            .consent()
            .import(&auth.principal, req.format, &req.content)
            .await?,
    ))
}

/// A subject's consent now, per purpose, with the deciding event's ledger index (any member);
/// a subject with no events has an empty list.
#[utoipa::path(get, path = "/api/v1/privacy/consent/subjects/{subject_id}", tag = "privacy",
    params(("subject_id" = String, Path, description = "The pseudonymous subject id")),
    responses((status = 200, body = SubjectConsent), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn subject_state(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(subject): ApiPath<String>,
) -> ApiResult<Json<SubjectConsent>> {
    Ok(Json(
        state
            .consent()
            .subject_state(&auth.principal, &subject)
            .await?,
    ))
}

/// `?at=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtQuery {
    /// The time asked about (RFC 3339).
    pub at: DateTime<Utc>,
}

/// A subject's consent at a past time, proved against the latest signed checkpoint (any
/// member): events that occurred by `at` and are in the checkpoint's tree decide; each
/// purpose's deciding event comes with its entry envelope and tlog-proof, which
/// `probity verify-proof` checks with the log's verifier key. 404 before the first checkpoint.
#[utoipa::path(get, path = "/api/v1/privacy/consent/subjects/{subject_id}/proof", tag = "privacy",
    params(("subject_id" = String, Path, description = "The pseudonymous subject id"), AtQuery),
    responses((status = 200, body = ConsentAtTime), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn subject_proof(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(subject): ApiPath<String>,
    ApiQuery(q): ApiQuery<AtQuery>,
) -> ApiResult<Json<ConsentAtTime>> {
    Ok(Json(
        state
            .consent()
            .subject_state_at(&auth.principal, &subject, q.at)
            .await?,
    ))
}

/// `?purpose=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    /// Only this purpose.
    #[serde(default)]
    pub purpose: Option<String>,
}

/// A consent receipt for a subject (any member): controller, subject and, per purpose, its
/// title, legal basis, state, notice version, method, when given or withdrawn and the ledger
/// index of the deciding event. 404 when nothing is recorded.
#[utoipa::path(get, path = "/api/v1/privacy/consent/subjects/{subject_id}/receipt", tag = "privacy",
    params(("subject_id" = String, Path, description = "The pseudonymous subject id"), ReceiptQuery),
    responses((status = 200, body = ConsentReceipt), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn subject_receipt(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(subject): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReceiptQuery>,
) -> ApiResult<Json<ConsentReceipt>> {
    Ok(Json(
        state
            .consent()
            .receipt(&auth.principal, &subject, q.purpose.as_deref())
            .await?,
    ))
}

/// The zip of everything held about the request's subject (approvers): the one built when
/// the request was completed, or one built now; `manifest.json` lists every file with its
/// SHA-256 and the `X-Archive-Sha256` header gives the archive's. Audited as
/// `privacy.request.exported` (or `privacy.request.export_downloaded` for the kept one).
#[utoipa::path(get, path = "/api/v1/privacy/requests/{request_id}/export", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    responses((status = 200, description = "the zip", content_type = "application/zip", body = Vec<u8>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn export_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
) -> ApiResult<Response> {
    let export = state.subject_export().export(&auth.principal, id).await?;
    let name = format!(
        "attachment; filename=\"{}-export.zip\"",
        export.manifest.request
    );
    let mut response = export.archive.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&export.sha256) {
        headers.insert("x-archive-sha256", v);
    }
    Ok(response)
}
