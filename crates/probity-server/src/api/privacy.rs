//! Privacy: data subject requests with their statutory clocks (create, move through the
//! workflow, extend), personal data breaches with per-regime notification clocks and the
//! notifications sent, the tenant's public holidays that business-day clocks skip, the
//! records of processing activities (GDPR Art. 30) with their JSON, CSV and PDF export and the
//! taxonomy they use, DPIAs with their sign-off, and retention schedules with their runs.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use probity_core::DomainError;
use probity_core::platform::rules::Permission;
use probity_core::privacy::{
    ActivityId, ActivityInput, BreachId, BreachView, Decision, DpiaDecisionInput, DpiaId,
    DpiaInput, DpiaView, NewBreach, NewNotification, NewRequest, PrivacySettings,
    ProcessingActivity, RequestExtensionInput, RequestId, RequestTransition, RequestView,
    RetentionRunReport, RetentionSchedule, RetentionScheduleId, RetentionScheduleInput, RunTrigger,
    Taxonomy,
};
use probity_core::reports::{NewReport, ReportFormat, ReportKind, ReportParams};
use serde::Deserialize;

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's data subject requests with due date, days left and overdue flag; open ones
/// first, earliest due first (any member).
#[utoipa::path(get, path = "/api/v1/privacy/requests", tag = "privacy",
    responses((status = 200, body = Items<RequestView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_requests(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<RequestView>>> {
    Ok(items(state.privacy().requests(&auth.principal).await?))
}

/// Logs a data subject request (editors): the kind must be one the regime provides for, the
/// subject is named by a pseudonymous id; the due date follows the regime's rule from the day
/// it was received. Audited as `privacy.request.created`.
#[utoipa::path(post, path = "/api/v1/privacy/requests", tag = "privacy",
    request_body = NewRequest,
    responses((status = 201, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewRequest>,
) -> ApiResult<(StatusCode, Json<RequestView>)> {
    let view = state
        .privacy()
        .create_request(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One data subject request with its history and clock (any member).
#[utoipa::path(get, path = "/api/v1/privacy/requests/{request_id}", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    responses((status = 200, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(state.privacy().request(&auth.principal, id).await?))
}

/// Moves a request through `received → verifying_identity → in_progress → completed | denied`
/// (editors); a denial needs a reason, an illegal move is a 422 naming `to`, a stale `version`
/// a 409. Audited as `privacy.request.transitioned`.
#[utoipa::path(post, path = "/api/v1/privacy/requests/{request_id}/transition", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    request_body = RequestTransition,
    responses((status = 200, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn transition_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(req): ApiJson<RequestTransition>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        state
            .privacy()
            .transition_request(&auth.principal, id, &req)
            .await?,
    ))
}

/// Extends a request by its regime's extension (editors): once, with the reasons given to the
/// subject, before the first period runs out. Audited as `privacy.request.extended`.
#[utoipa::path(post, path = "/api/v1/privacy/requests/{request_id}/extend", tag = "privacy",
    params(("request_id" = String, Path, format = Uuid, description = "The request's id")),
    request_body = RequestExtensionInput,
    responses((status = 200, body = RequestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn extend_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(req): ApiJson<RequestExtensionInput>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        state
            .privacy()
            .extend_request(&auth.principal, id, &req)
            .await?,
    ))
}

/// The tenant's breaches with their notification clocks, latest awareness first (any member).
#[utoipa::path(get, path = "/api/v1/privacy/breaches", tag = "privacy",
    responses((status = 200, body = Items<BreachView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_breaches(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<BreachView>>> {
    Ok(items(state.privacy().breaches(&auth.principal).await?))
}

/// Registers a breach (editors); each regime's clock starts at `aware_at`. Audited as
/// `privacy.breach.created`.
#[utoipa::path(post, path = "/api/v1/privacy/breaches", tag = "privacy",
    request_body = NewBreach,
    responses((status = 201, body = BreachView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_breach(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewBreach>,
) -> ApiResult<(StatusCode, Json<BreachView>)> {
    let view = state.privacy().create_breach(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One breach with its clocks, notifications and timeline (any member).
#[utoipa::path(get, path = "/api/v1/privacy/breaches/{breach_id}", tag = "privacy",
    params(("breach_id" = String, Path, format = Uuid, description = "The breach's id")),
    responses((status = 200, body = BreachView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_breach(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<BreachId>,
) -> ApiResult<Json<BreachView>> {
    Ok(Json(state.privacy().breach(&auth.principal, id).await?))
}

/// Records a notification sent about a breach (editors); notifications to the same recipient
/// are numbered as phases, and one sent after its clock ran out needs `late_reason`. Audited
/// as `privacy.breach.notified`.
#[utoipa::path(post, path = "/api/v1/privacy/breaches/{breach_id}/notifications", tag = "privacy",
    params(("breach_id" = String, Path, format = Uuid, description = "The breach's id")),
    request_body = NewNotification,
    responses((status = 200, body = BreachView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn notify_breach(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<BreachId>,
    ApiJson(req): ApiJson<NewNotification>,
) -> ApiResult<Json<BreachView>> {
    Ok(Json(
        state
            .privacy()
            .notify_breach(&auth.principal, id, &req)
            .await?,
    ))
}

/// The tenant's privacy settings: the public holidays business-day clocks skip (any member).
#[utoipa::path(get, path = "/api/v1/privacy/settings", tag = "privacy",
    responses((status = 200, body = PrivacySettings), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<PrivacySettings>> {
    Ok(Json(state.privacy().settings(&auth.principal).await?))
}

/// Sets the public holidays (editors); due dates already computed stay as they are. Audited
/// as `privacy.settings.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/settings", tag = "privacy",
    request_body = PrivacySettings,
    responses((status = 200, body = PrivacySettings), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PrivacySettings>,
) -> ApiResult<Json<PrivacySettings>> {
    Ok(Json(
        state.privacy().put_settings(&auth.principal, &req).await?,
    ))
}

/// The records of processing activities, by reference (any member).
#[utoipa::path(get, path = "/api/v1/privacy/activities", tag = "privacy",
    responses((status = 200, body = Items<ProcessingActivity>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_activities(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ProcessingActivity>>> {
    Ok(items(state.privacy().activities(&auth.principal).await?))
}

/// Records a processing activity (editors): purposes, legal basis, data and subject
/// categories, recipients, retention and transfers. Audited as `privacy.activity.created`.
#[utoipa::path(post, path = "/api/v1/privacy/activities", tag = "privacy",
    request_body = ActivityInput,
    responses((status = 201, body = ProcessingActivity), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ActivityInput>,
) -> ApiResult<(StatusCode, Json<ProcessingActivity>)> {
    let a = state
        .privacy()
        .create_activity(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One processing activity (any member).
#[utoipa::path(get, path = "/api/v1/privacy/activities/{activity_id}", tag = "privacy",
    params(("activity_id" = String, Path, format = Uuid, description = "The activity's id")),
    responses((status = 200, body = ProcessingActivity), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ActivityId>,
) -> ApiResult<Json<ProcessingActivity>> {
    Ok(Json(state.privacy().activity(&auth.principal, id).await?))
}

/// Replaces a processing activity's fields (editors; a stale `version` is a 409). Audited as
/// `privacy.activity.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/activities/{activity_id}", tag = "privacy",
    params(("activity_id" = String, Path, format = Uuid, description = "The activity's id")),
    request_body = ActivityInput,
    responses((status = 200, body = ProcessingActivity), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ActivityId>,
    ApiJson(req): ApiJson<ActivityInput>,
) -> ApiResult<Json<ProcessingActivity>> {
    Ok(Json(
        state
            .privacy()
            .update_activity(&auth.principal, id, &req)
            .await?,
    ))
}

/// Removes a processing activity (editors). Audited as `privacy.activity.deleted` with what
/// it said.
#[utoipa::path(delete, path = "/api/v1/privacy/activities/{activity_id}", tag = "privacy",
    params(("activity_id" = String, Path, format = Uuid, description = "The activity's id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn delete_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    state.privacy().delete_activity(&auth.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default), `csv` or `pdf`.
    #[serde(default)]
    pub format: Option<String>,
}

/// The whole record of processing (Art. 30) as a JSON array, a CSV file (one row per
/// activity) or a PDF made by the reports engine (the `records_of_processing` report, kept in
/// the report history and recorded as `report.generated`) (any member).
#[utoipa::path(get, path = "/api/v1/privacy/record-of-processing", tag = "privacy",
    params(ExportQuery),
    responses((status = 200, description = "the record", content(
        (Vec<ProcessingActivity> = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/pdf")
    )), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn export_activities(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some("pdf") => {
            let generated = state
                .reports()
                .generate(
                    &auth.principal,
                    &NewReport {
                        kind: ReportKind::RecordsOfProcessing,
                        format: Some(ReportFormat::Pdf),
                        params: ReportParams::default(),
                    },
                )
                .await?;
            let mut response = generated.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"record-of-processing.pdf\""),
            );
            return Ok(response);
        }
        Some(_) => {
            return Err(DomainError::invalid("format", "must be json, csv or pdf").into());
        }
    };
    let activities = state.privacy().activities(&auth.principal).await?;
    if !csv {
        return Ok(Json(activities).into_response());
    }
    let mut response = probity_core::privacy::processing::to_csv(&activities).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"record-of-processing.csv\""),
    );
    Ok(response)
}

/// The taxonomy the records use: data categories (special ones marked), subject categories,
/// the Art. 9(2) conditions and the DPIA questionnaire, each with our one-line description
/// (any member).
#[utoipa::path(get, path = "/api/v1/privacy/taxonomy", tag = "privacy",
    responses((status = 200, body = Taxonomy), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_taxonomy(auth: Auth) -> ApiResult<Json<Taxonomy>> {
    auth.principal.require(Permission::Read)?;
    Ok(Json(probity_core::privacy::taxonomy::taxonomy()))
}

/// The DPIAs with their screening and risk levels, by reference (any member).
#[utoipa::path(get, path = "/api/v1/privacy/dpias", tag = "privacy",
    responses((status = 200, body = Items<DpiaView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_dpias(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<DpiaView>>> {
    Ok(items(state.privacy().dpias(&auth.principal).await?))
}

/// Starts a DPIA in draft for one or more processing activities (editors): answers to the
/// questionnaire (`GET /api/v1/privacy/taxonomy`), inherent and residual risk, mitigations.
/// Audited as `privacy.dpia.created`.
#[utoipa::path(post, path = "/api/v1/privacy/dpias", tag = "privacy",
    request_body = DpiaInput,
    responses((status = 201, body = DpiaView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_dpia(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<DpiaInput>,
) -> ApiResult<(StatusCode, Json<DpiaView>)> {
    let d = state.privacy().create_dpia(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// One DPIA with its sign-offs (any member).
#[utoipa::path(get, path = "/api/v1/privacy/dpias/{dpia_id}", tag = "privacy",
    params(("dpia_id" = String, Path, format = Uuid, description = "The DPIA's id")),
    responses((status = 200, body = DpiaView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_dpia(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<DpiaId>,
) -> ApiResult<Json<DpiaView>> {
    Ok(Json(state.privacy().dpia(&auth.principal, id).await?))
}

/// Replaces a DPIA's content (editors): a new version; changing an approved DPIA starts a
/// new version in draft (its approval stays with the old one). A stale `version` is a 409.
/// Audited as `privacy.dpia.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/dpias/{dpia_id}", tag = "privacy",
    params(("dpia_id" = String, Path, format = Uuid, description = "The DPIA's id")),
    request_body = DpiaInput,
    responses((status = 200, body = DpiaView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_dpia(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<DpiaId>,
    ApiJson(req): ApiJson<DpiaInput>,
) -> ApiResult<Json<DpiaView>> {
    Ok(Json(
        state
            .privacy()
            .update_dpia(&auth.principal, id, &req)
            .await?,
    ))
}

/// Submits a draft (or rejected) DPIA for sign-off (editors): every question answered, both
/// risks rated, or a 422 naming what is missing. Audited as `privacy.dpia.submitted`.
#[utoipa::path(post, path = "/api/v1/privacy/dpias/{dpia_id}/submit", tag = "privacy",
    params(("dpia_id" = String, Path, format = Uuid, description = "The DPIA's id")),
    responses((status = 200, body = DpiaView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn submit_dpia(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<DpiaId>,
) -> ApiResult<Json<DpiaView>> {
    Ok(Json(
        state.privacy().submit_dpia(&auth.principal, id).await?,
    ))
}

/// Approves the named version of a DPIA in review (owners, admins, compliance managers); a
/// version the DPIA has moved on from is refused with 409. Audited as
/// `privacy.dpia.approved` with the SHA-256 of the approved content.
#[utoipa::path(post, path = "/api/v1/privacy/dpias/{dpia_id}/approve", tag = "privacy",
    params(("dpia_id" = String, Path, format = Uuid, description = "The DPIA's id")),
    request_body = DpiaDecisionInput,
    responses((status = 200, body = DpiaView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn approve_dpia(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<DpiaId>,
    ApiJson(req): ApiJson<DpiaDecisionInput>,
) -> ApiResult<Json<DpiaView>> {
    Ok(Json(
        state
            .privacy()
            .decide_dpia(&auth.principal, id, Decision::Approved, &req)
            .await?,
    ))
}

/// Rejects the named version of a DPIA in review, with the reason in `note` (owners, admins,
/// compliance managers). Audited as `privacy.dpia.rejected`.
#[utoipa::path(post, path = "/api/v1/privacy/dpias/{dpia_id}/reject", tag = "privacy",
    params(("dpia_id" = String, Path, format = Uuid, description = "The DPIA's id")),
    request_body = DpiaDecisionInput,
    responses((status = 200, body = DpiaView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn reject_dpia(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<DpiaId>,
    ApiJson(req): ApiJson<DpiaDecisionInput>,
) -> ApiResult<Json<DpiaView>> {
    Ok(Json(
        state
            .privacy()
            .decide_dpia(&auth.principal, id, Decision::Rejected, &req)
            .await?,
    ))
}

/// The retention schedules, by reference (any member).
#[utoipa::path(get, path = "/api/v1/privacy/retention-schedules", tag = "privacy",
    responses((status = 200, body = Items<RetentionSchedule>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_retention_schedules(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<RetentionSchedule>>> {
    Ok(items(
        state.privacy().retention_schedules(&auth.principal).await?,
    ))
}

/// Adds a retention schedule for a data category (owners, admins, compliance managers: it
/// erases data): the period, the activities it covers (each must list the category), the
/// audit event types it reaches and whether it reaches closed requests. Audited as
/// `privacy.retention_schedule.created`.
#[utoipa::path(post, path = "/api/v1/privacy/retention-schedules", tag = "privacy",
    request_body = RetentionScheduleInput,
    responses((status = 201, body = RetentionSchedule), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_retention_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<RetentionScheduleInput>,
) -> ApiResult<(StatusCode, Json<RetentionSchedule>)> {
    let s = state
        .privacy()
        .create_retention_schedule(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// One retention schedule (any member).
#[utoipa::path(get, path = "/api/v1/privacy/retention-schedules/{retention_schedule_id}", tag = "privacy",
    params(("retention_schedule_id" = String, Path, format = Uuid, description = "The schedule's id")),
    responses((status = 200, body = RetentionSchedule), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_retention_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RetentionScheduleId>,
) -> ApiResult<Json<RetentionSchedule>> {
    Ok(Json(
        state
            .privacy()
            .retention_schedule(&auth.principal, id)
            .await?,
    ))
}

/// Replaces a retention schedule's fields (owners, admins, compliance managers; a stale
/// `version` is a 409). Audited as `privacy.retention_schedule.updated`.
#[utoipa::path(put, path = "/api/v1/privacy/retention-schedules/{retention_schedule_id}", tag = "privacy",
    params(("retention_schedule_id" = String, Path, format = Uuid, description = "The schedule's id")),
    request_body = RetentionScheduleInput,
    responses((status = 200, body = RetentionSchedule), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_retention_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RetentionScheduleId>,
    ApiJson(req): ApiJson<RetentionScheduleInput>,
) -> ApiResult<Json<RetentionSchedule>> {
    Ok(Json(
        state
            .privacy()
            .update_retention_schedule(&auth.principal, id, &req)
            .await?,
    ))
}

/// Runs a retention schedule now (owners, admins, compliance managers), the search index
/// caught up first: erases the payloads of due audit events no legal hold covers, erases the
/// subject ids of closed requests past the period when the schedule says so, and returns the
/// stored run report. Audited as `privacy.retention.erased` and `privacy.retention.ran`.
#[utoipa::path(post, path = "/api/v1/privacy/retention-schedules/{retention_schedule_id}/run", tag = "privacy",
    params(("retention_schedule_id" = String, Path, format = Uuid, description = "The schedule's id")),
    responses((status = 200, body = RetentionRunReport), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn run_retention_schedule(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RetentionScheduleId>,
) -> ApiResult<Json<RetentionRunReport>> {
    // Refuse before the catch-up work when the caller may not run it.
    auth.principal.require(Permission::Approve)?;
    state
        .indexer()
        .catch_up(auth.principal.tenant.id, u64::MAX)
        .await?;
    Ok(Json(
        state
            .privacy()
            .run_retention_schedule(&auth.principal, id, RunTrigger::OnDemand)
            .await?,
    ))
}

/// `?schedule=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Only the runs of this schedule.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub schedule: Option<RetentionScheduleId>,
}

/// The retention run reports, newest first (at most 500): when, which schedule, what was
/// erased (counts and ledger indexes) and what legal holds kept (any member).
#[utoipa::path(get, path = "/api/v1/privacy/retention-runs", tag = "privacy",
    params(RunsQuery),
    responses((status = 200, body = Items<RetentionRunReport>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_retention_runs(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RunsQuery>,
) -> ApiResult<Json<Items<RetentionRunReport>>> {
    Ok(items(
        state
            .privacy()
            .retention_runs(&auth.principal, q.schedule)
            .await?,
    ))
}
