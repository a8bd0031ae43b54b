//! Service levels: services, SLOs and SLAs (versioned), measurement ingest (one, or a batch
//! whose good measurements land while the bad ones are reported by index), status with error
//! budget and burn rates, violations with acknowledgment, service credits with approval, and
//! the monthly SLA report as JSON or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use probity_core::DomainError;
use probity_core::service_level::openslo::ImportedSlo;
use probity_core::service_level::{
    CreditDecision, Evaluation, IngestReport, MeasurementInput, MeasurementResult, NewService,
    NewSlo, PeriodReport, Service, ServiceCredit, ServiceCreditId, Slo, SloId, SloStatus,
    SloUpdate, SloViolation, SloViolationId,
};
use serde::{Deserialize, Serialize};

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's services (any member).
#[utoipa::path(get, path = "/api/v1/services", tag = "service-levels",
    responses((status = 200, body = Items<Service>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_services(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<Service>>> {
    Ok(items(
        state.service_levels().services(&auth.principal).await?,
    ))
}

/// Adds a service (contributor and above); audited as `service.created`.
#[utoipa::path(post, path = "/api/v1/services", tag = "service-levels", request_body = NewService,
    responses((status = 201, body = Service), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_service(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewService>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    let s = state
        .service_levels()
        .create_service(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// The tenant's SLOs and SLAs (any member).
#[utoipa::path(get, path = "/api/v1/slos", tag = "service-levels",
    responses((status = 200, body = Items<Slo>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_slos(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Items<Slo>>> {
    Ok(items(state.service_levels().slos(&auth.principal).await?))
}

/// Adds an SLO, or an SLA when it carries a credit schedule (contributor and above); audited
/// as `slo.created`.
#[utoipa::path(post, path = "/api/v1/slos", tag = "service-levels", request_body = NewSlo,
    responses((status = 201, body = Slo), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_slo(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewSlo>,
) -> ApiResult<(StatusCode, Json<Slo>)> {
    let slo = state
        .service_levels()
        .create_slo(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(slo)))
}

/// One SLO (any member).
#[utoipa::path(get, path = "/api/v1/slos/{slo_id}", tag = "service-levels",
    params(("slo_id" = String, Path, format = Uuid, description = "The SLO's id")),
    responses((status = 200, body = Slo), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_slo(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<SloId>,
) -> ApiResult<Json<Slo>> {
    Ok(Json(state.service_levels().slo(&auth.principal, id).await?))
}

/// Changes an SLO: a new version, given the current one (contributor and above); audited as
/// `slo.updated`. A new latency threshold recounts stored slices from their sketches.
#[utoipa::path(patch, path = "/api/v1/slos/{slo_id}", tag = "service-levels", request_body = SloUpdate,
    params(("slo_id" = String, Path, format = Uuid, description = "The SLO's id")),
    responses((status = 200, body = Slo), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_slo(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<SloId>,
    ApiJson(req): ApiJson<SloUpdate>,
) -> ApiResult<Json<Slo>> {
    Ok(Json(
        state
            .service_levels()
            .update_slo(&auth.principal, id, &req)
            .await?,
    ))
}

/// An SLO's status: the current window's SLI, compliance, error budget, burn rates per rule,
/// latency quantiles from merged sketches, open violations and a daily series (any member).
#[utoipa::path(get, path = "/api/v1/slos/{slo_id}/status", tag = "service-levels",
    params(("slo_id" = String, Path, format = Uuid, description = "The SLO's id")),
    responses((status = 200, body = SloStatus), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn slo_status(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<SloId>,
) -> ApiResult<Json<SloStatus>> {
    Ok(Json(
        state.service_levels().status(&auth.principal, id).await?,
    ))
}

/// One SLO's line on the status board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SloSummary {
    /// The SLO.
    pub slo: Slo,
    /// Its current window.
    pub evaluation: Evaluation,
}

/// Every SLO's current evaluation (any member).
#[utoipa::path(get, path = "/api/v1/slo-status", tag = "service-levels",
    responses((status = 200, body = Items<SloSummary>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn slo_board(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<SloSummary>>> {
    let all = state.service_levels().statuses(&auth.principal).await?;
    Ok(items(
        all.into_iter()
            .map(|(slo, evaluation)| SloSummary { slo, evaluation })
            .collect(),
    ))
}

/// Ingests one measurement (contributor and above): `good` and `total`, or `value_ms` /
/// `values_ms` for latency SLOs. A bad measurement is a 422 naming the field.
#[utoipa::path(post, path = "/api/v1/slo-measurements", tag = "service-levels", request_body = MeasurementInput,
    responses((status = 202, body = IngestReport), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn ingest_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(m): ApiJson<MeasurementInput>,
) -> ApiResult<(StatusCode, Json<IngestReport>)> {
    let report = state
        .service_levels()
        .ingest(&auth.principal, std::slice::from_ref(&m))
        .await?;
    if let Some(MeasurementResult {
        field: Some(field),
        error: Some(error),
        ..
    }) = report.errors.first()
    {
        return Err(DomainError::invalid(field.as_str(), error.as_str()).into());
    }
    Ok((StatusCode::ACCEPTED, Json(report)))
}

/// Ingests a batch: a JSON array of up to 10,000 measurements. The good ones land; each bad
/// one (unreadable, unknown SLO, wrong fields, too old) is reported with its index and field
/// (contributor and above). One audit event per batch.
#[utoipa::path(post, path = "/api/v1/slo-measurements:batch", tag = "service-levels",
    request_body = Vec<MeasurementInput>,
    responses((status = 202, body = IngestReport), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn ingest_batch(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(raw): ApiJson<Vec<serde_json::Value>>,
) -> ApiResult<(StatusCode, Json<IngestReport>)> {
    if raw.len() > probity_core::service_level::MAX_BATCH {
        return Err(DomainError::invalid(
            "measurements",
            format!(
                "at most {} measurements per batch: split it",
                probity_core::service_level::MAX_BATCH
            ),
        )
        .into());
    }
    let mut good = Vec::with_capacity(raw.len());
    let mut positions = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (index, value) in raw.into_iter().enumerate() {
        match serde_json::from_value::<MeasurementInput>(value) {
            Ok(m) => {
                good.push(m);
                positions.push(index);
            }
            Err(e) => errors.push(MeasurementResult {
                index,
                accepted: false,
                field: Some("measurement".into()),
                error: Some(format!("not a measurement: {e}")),
            }),
        }
    }
    let report = state
        .service_levels()
        .ingest(&auth.principal, &good)
        .await?;
    for mut e in report.errors {
        e.index = positions.get(e.index).copied().unwrap_or(e.index);
        errors.push(e);
    }
    errors.sort_by_key(|e| e.index);
    Ok((
        StatusCode::ACCEPTED,
        Json(IngestReport {
            accepted: report.accepted,
            rejected: errors.len(),
            errors,
        }),
    ))
}

/// Violation filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViolationQuery {
    /// Only this SLO's.
    #[serde(default)]
    pub slo_id: Option<SloId>,
    /// Only open ones (still firing, or not acknowledged).
    #[serde(default)]
    pub open: Option<bool>,
}

/// Violations, newest first (any member).
#[utoipa::path(get, path = "/api/v1/slo-violations", tag = "service-levels",
    params(ViolationQuery),
    responses((status = 200, body = Items<SloViolation>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_violations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ViolationQuery>,
) -> ApiResult<Json<Items<SloViolation>>> {
    Ok(items(
        state
            .service_levels()
            .violations(&auth.principal, q.slo_id, q.open.unwrap_or(false))
            .await?,
    ))
}

/// Acknowledges a violation, stopping its escalation (contributor and above); audited as
/// `slo.violation.acknowledged`.
#[utoipa::path(post, path = "/api/v1/slo-violations/{slo_violation_id}/acknowledge", tag = "service-levels",
    params(("slo_violation_id" = String, Path, format = Uuid, description = "The violation's id")),
    responses((status = 200, body = SloViolation), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn acknowledge_violation(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<SloViolationId>,
) -> ApiResult<Json<SloViolation>> {
    Ok(Json(
        state
            .service_levels()
            .acknowledge(&auth.principal, id)
            .await?,
    ))
}

/// Service credits, newest window first (any member).
#[utoipa::path(get, path = "/api/v1/service-credits", tag = "service-levels",
    responses((status = 200, body = Items<ServiceCredit>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_credits(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ServiceCredit>>> {
    Ok(items(
        state.service_levels().credits(&auth.principal).await?,
    ))
}

/// Approves or rejects a pending credit (approvers; a rejection says why); audited as
/// `service_credit.approved` or `service_credit.rejected`.
#[utoipa::path(post, path = "/api/v1/service-credits/{credit_id}/decision", tag = "service-levels",
    request_body = CreditDecision,
    params(("credit_id" = String, Path, format = Uuid, description = "The credit's id")),
    responses((status = 200, body = ServiceCredit), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn decide_credit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ServiceCreditId>,
    ApiJson(req): ApiJson<CreditDecision>,
) -> ApiResult<Json<ServiceCredit>> {
    Ok(Json(
        state
            .service_levels()
            .decide_credit(&auth.principal, id, &req)
            .await?,
    ))
}

/// The report's month and format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The calendar month, `YYYY-MM`.
    pub month: String,
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
    /// Only the services owed to this customer (as written on the service).
    #[serde(default)]
    pub customer: Option<String>,
}

/// The SLA report for a calendar month, for every service or one customer's: each SLO's
/// compliance, violations and credit, as JSON or CSV (any member).
#[utoipa::path(get, path = "/api/v1/sla-report", tag = "service-levels",
    params(ReportQuery),
    responses((status = 200, description = "the report", content(
        (PeriodReport = "application/json"),
        (String = "text/csv")
    )), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn sla_report(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(DomainError::invalid("format", "must be json or csv").into()),
    };
    let (year, month) = probity_core::service_level::parse_month(&q.month)?;
    let report = state
        .service_levels()
        .period_report(&auth.principal, year, month, q.customer.as_deref())
        .await?;
    if !csv {
        return Ok(Json(report).into_response());
    }
    let mut response = report.to_csv().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"sla-report-{year:04}-{month:02}.csv\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The tenant's services and SLOs as an OpenSLO v1 YAML stream (any member).
#[utoipa::path(get, path = "/api/v1/openslo", tag = "service-levels",
    responses((status = 200, description = "OpenSLO v1 documents", content_type = "application/yaml", body = String), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn export_openslo(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    let yaml = state
        .service_levels()
        .export_openslo(&auth.principal)
        .await?;
    let mut response = yaml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/yaml"),
    );
    Ok(response)
}

/// Imports the `SLO` documents of an OpenSLO v1 YAML stream (≤ 1 MiB), creating missing
/// services; each document succeeds or fails on its own (contributor and above).
#[utoipa::path(post, path = "/api/v1/openslo", tag = "service-levels",
    request_body(content = String, content_type = "application/yaml", description = "OpenSLO v1 YAML"),
    responses((status = 200, body = Items<ImportedSlo>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn import_openslo(
    State(state): State<AppState>,
    auth: Auth,
    body: String,
) -> ApiResult<Json<Items<ImportedSlo>>> {
    Ok(items(
        state
            .service_levels()
            .import_openslo(&auth.principal, &body)
            .await?,
    ))
}
