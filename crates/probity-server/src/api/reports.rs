//! Reports: the catalog of report kinds, generating a report (PDF, HTML, CSV, XLSX or JSON;
//! recorded in the ledger with its content and file hashes), the report history and its
//! files, and scheduled reports delivered through notification channels.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use probity_core::reports::{
    NewReport, NewReportSchedule, ReportId, ReportKindInfo, ReportRecord, ReportSchedule,
    ReportScheduleId,
};

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The report kinds, with the parameters each reads (any member).
#[utoipa::path(get, path = "/api/v1/report-kinds", tag = "reports",
    responses((status = 200, body = Items<ReportKindInfo>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn report_kinds(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ReportKindInfo>>> {
    Ok(items(state.reports().catalog(&auth.principal)?))
}

/// Generates a report and keeps it in the history (any member): the content and file
/// SHA-256 are recorded in the ledger as `report.generated`; fetch the file from
/// `GET /api/v1/reports/{report_id}/content`.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = NewReport,
    responses((status = 201, body = ReportRecord), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn generate_report(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewReport>,
) -> ApiResult<(StatusCode, Json<ReportRecord>)> {
    let generated = state.reports().generate(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(generated.record)))
}

/// The report history, newest first (any member).
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, body = Items<ReportRecord>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_reports(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ReportRecord>>> {
    Ok(items(state.reports().history(&auth.principal).await?))
}

/// One report of the history (any member).
#[utoipa::path(get, path = "/api/v1/reports/{report_id}", tag = "reports",
    params(("report_id" = String, Path, format = Uuid, description = "The report's id")),
    responses((status = 200, body = ReportRecord), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ReportId>,
) -> ApiResult<Json<ReportRecord>> {
    Ok(Json(state.reports().report(&auth.principal, id).await?))
}

/// A report's file (any member), checked against its recorded SHA-256 and audited as
/// `report.downloaded`. Always `application/octet-stream` with a file name; the rendering's
/// own media type is in `x-report-media-type`.
#[utoipa::path(get, path = "/api/v1/reports/{report_id}/content", tag = "reports",
    params(("report_id" = String, Path, format = Uuid, description = "The report's id")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn report_content(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ReportId>,
) -> ApiResult<Response> {
    let (record, bytes) = state.reports().download(&auth.principal, id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        "x-report-media-type",
        HeaderValue::from_static(record.format.media_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&record.file_sha256) {
        headers.insert("x-report-sha256", v);
    }
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", record.file_name()))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The tenant's report schedules (any member).
#[utoipa::path(get, path = "/api/v1/report-schedules", tag = "reports",
    responses((status = 200, body = Items<ReportSchedule>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_schedules(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ReportSchedule>>> {
    Ok(items(state.reports().schedules(&auth.principal).await?))
}

/// Adds a report schedule (owners and admins): a cron expression in UTC and the channels that
/// receive each report; audited as `report.schedule.created`.
#[utoipa::path(post, path = "/api/v1/report-schedules", tag = "reports",
    request_body = NewReportSchedule,
    responses((status = 201, body = ReportSchedule), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewReportSchedule>,
) -> ApiResult<(StatusCode, Json<ReportSchedule>)> {
    let s = state
        .reports()
        .create_schedule(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Removes a report schedule (owners and admins); its reports stay in the history.
#[utoipa::path(delete, path = "/api/v1/report-schedules/{schedule_id}", tag = "reports",
    params(("schedule_id" = String, Path, format = Uuid, description = "The schedule's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn delete_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ReportScheduleId>,
) -> ApiResult<StatusCode> {
    state.reports().delete_schedule(&auth.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a schedule now (owners and admins): generates its report and delivers it; the next
/// occurrence is unchanged.
#[utoipa::path(post, path = "/api/v1/report-schedules/{schedule_id}/run", tag = "reports",
    params(("schedule_id" = String, Path, format = Uuid, description = "The schedule's id")),
    responses((status = 200, body = ReportSchedule), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn run_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ReportScheduleId>,
) -> ApiResult<Json<ReportSchedule>> {
    Ok(Json(
        state
            .reports()
            .run_schedule_now(&auth.principal, id)
            .await?,
    ))
}
