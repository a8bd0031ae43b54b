//! The compliance catalog: frameworks and requirement trees, baselines, the unified control
//! library with each tenant's control states, links (mappings and crosswalks) and decisions on
//! `intersects_with` links, coverage with explanations, cross-framework comparison and matrix,
//! and the diff between two framework versions.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::catalog::oscal::MAX_IMPORT_BYTES;
use probity_core::catalog::{
    Baseline, Comparison, ControlDetail, ControlFamily, ControlUpdate, Framework,
    FrameworkCoverage, FrameworkDiff, FrameworkSummary, Link, LinkDecision, LinkKind, MatrixCell,
    NewDecision, Relationship, RequirementDetail,
};
use probity_core::catalog::{
    ChangeId, ChangeRecord, ImportId, ImportRecord, ImportSummary, NewChangeRecord, TaskUpdate,
};
use probity_core::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A list of items.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    /// The items.
    pub items: Vec<T>,
}

pub(crate) fn items<T>(items: Vec<T>) -> Json<Items<T>> {
    Json(Items { items })
}

/// The shipped frameworks with counts (any member).
#[utoipa::path(
    get,
    path = "/api/v1/catalog/frameworks",
    tag = "catalog",
    responses((status = 200, body = Items<FrameworkSummary>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_frameworks(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<FrameworkSummary>>> {
    Ok(items(state.catalog().frameworks(&auth.principal)?))
}

/// One framework with its requirement tree in document order.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/frameworks/{framework_id}",
    tag = "catalog",
    params(("framework_id" = String, Path, description = "e.g. `iso27001-2022`")),
    responses((status = 200, body = Framework), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_framework(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(framework_id): ApiPath<String>,
) -> ApiResult<Json<Framework>> {
    Ok(Json(
        state
            .catalog()
            .framework_tree(&auth.principal, &framework_id)?
            .clone(),
    ))
}

/// One requirement with its children and every link touching it.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/frameworks/{framework_id}/requirements/{requirement_id}",
    tag = "catalog",
    params(
        ("framework_id" = String, Path, description = "e.g. `soc2-2017`"),
        ("requirement_id" = String, Path, description = "e.g. `CC6.1`")
    ),
    responses((status = 200, body = RequirementDetail), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_requirement(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((framework_id, requirement_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<RequirementDetail>> {
    Ok(Json(state.catalog().requirement(
        &auth.principal,
        &framework_id,
        &requirement_id,
    )?))
}

/// The baselines: NIST SP 800-53 Low, Moderate, High and Privacy, FedRAMP Moderate.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/baselines",
    tag = "catalog",
    responses((status = 200, body = Items<Baseline>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_baselines(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<Baseline>>> {
    Ok(items(state.catalog().baselines(&auth.principal)?.to_vec()))
}

/// `?family=&q=` of the control list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ControlQuery {
    /// Only this family (e.g. `IAM`).
    pub family: Option<String>,
    /// Case-insensitive match on id, title and summary.
    pub q: Option<String>,
}

/// The unified control library with the tenant's implementation statuses.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/controls",
    tag = "catalog",
    params(ControlQuery),
    responses((status = 200, body = Items<ControlDetail>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_controls(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ControlQuery>,
) -> ApiResult<Json<Items<ControlDetail>>> {
    Ok(items(
        state
            .catalog()
            .controls(&auth.principal, q.family.as_deref(), q.q.as_deref())
            .await?,
    ))
}

/// The control families.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/control-families",
    tag = "catalog",
    responses((status = 200, body = Items<ControlFamily>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_families(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ControlFamily>>> {
    auth.principal
        .require(probity_core::platform::rules::Permission::Read)?;
    Ok(items(state.catalog().catalog().families().to_vec()))
}

/// One control with the tenant's state and its mappings to every framework.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/controls/{control_id}",
    tag = "catalog",
    params(("control_id" = String, Path, description = "e.g. `IAM-03`")),
    responses((status = 200, body = ControlDetail), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_control(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(control_id): ApiPath<String>,
) -> ApiResult<Json<ControlDetail>> {
    Ok(Json(
        state
            .catalog()
            .control(&auth.principal, &control_id)
            .await?,
    ))
}

/// Records the tenant's implementation status, owner and note for a control (owner, admin,
/// compliance manager, contributor); audited as `catalog.control.updated`.
#[utoipa::path(
    put,
    path = "/api/v1/catalog/controls/{control_id}",
    tag = "catalog",
    params(("control_id" = String, Path, description = "e.g. `IAM-03`")),
    request_body = ControlUpdate,
    responses((status = 200, body = ControlDetail), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_control(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(control_id): ApiPath<String>,
    ApiJson(req): ApiJson<ControlUpdate>,
) -> ApiResult<Json<ControlDetail>> {
    Ok(Json(
        state
            .catalog()
            .update_control(&auth.principal, &control_id, &req)
            .await?,
    ))
}

/// `?kind=&framework=&control=&relationship=` of the link list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    /// `mapping` or `crosswalk`.
    pub kind: Option<String>,
    /// Links touching this framework (either end).
    pub framework: Option<String>,
    /// Mappings of this control.
    pub control: Option<String>,
    /// Only this relationship (e.g. `intersects_with`).
    pub relationship: Option<String>,
}

/// Mappings (control → requirement) and crosswalks (requirement → requirement), each with its
/// relationship, rationale and hash.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/links",
    tag = "catalog",
    params(LinkQuery),
    responses((status = 200, body = Items<Link>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_links(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<LinkQuery>,
) -> ApiResult<Json<Items<Link>>> {
    auth.principal
        .require(probity_core::platform::rules::Permission::Read)?;
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(LinkKind::parse(k).ok_or_else(|| {
            DomainError::invalid(
                "kind",
                format!("{k:?} is not a link kind; use mapping or crosswalk"),
            )
        })?),
    };
    let relationship = match q.relationship.as_deref() {
        None => None,
        Some(r) => Some(
            serde_json::from_value::<Relationship>(serde_json::Value::String(r.to_owned()))
                .map_err(|_| {
                    DomainError::invalid(
                        "relationship",
                        format!("{r:?} is not one of equal, subset_of, superset_of, intersects_with, no_relationship"),
                    )
                })?,
        ),
    };
    let catalog = state.catalog().catalog();
    if let Some(f) = &q.framework
        && catalog.framework(f).is_none()
    {
        return Err(
            DomainError::invalid("framework", format!("{f} is not a shipped framework")).into(),
        );
    }
    let found = catalog
        .links()
        .iter()
        .filter(|l| kind.is_none_or(|k| l.kind == k))
        .filter(|l| relationship.is_none_or(|r| l.relationship == r))
        .filter(|l| {
            q.framework
                .as_deref()
                .is_none_or(|f| l.to_framework == f || l.from_framework.as_deref() == Some(f))
        })
        .filter(|l| {
            q.control
                .as_deref()
                .is_none_or(|c| l.kind == LinkKind::Mapping && l.from == c)
        })
        .cloned()
        .collect();
    Ok(items(found))
}

/// `?scope=` of the coverage report.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// A framework id or a baseline id (e.g. `fedramp-r5-moderate`).
    pub scope: String,
}

/// The tenant's coverage of a framework or baseline through its implemented controls; every
/// requirement lists its reasons (control, relationship, status, decision) and the
/// `intersects_with` links still waiting for a decision.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/coverage",
    tag = "catalog",
    params(CoverageQuery),
    responses((status = 200, body = FrameworkCoverage), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn coverage(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<FrameworkCoverage>> {
    Ok(Json(
        state.catalog().coverage(&auth.principal, &q.scope).await?,
    ))
}

/// `?from=&to=` of a comparison or diff.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PairQuery {
    /// Source framework id.
    pub from: String,
    /// Target framework id.
    pub to: String,
}

/// How much of framework `to` is covered when framework `from` is met, through crosswalks and
/// shared unified controls, with the tenant's decisions.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/compare",
    tag = "catalog",
    params(PairQuery),
    responses((status = 200, body = Comparison), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn compare(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PairQuery>,
) -> ApiResult<Json<Comparison>> {
    Ok(Json(
        state
            .catalog()
            .compare(&auth.principal, &q.from, &q.to)
            .await?,
    ))
}

/// The comparison totals for every ordered pair of shipped frameworks.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/matrix",
    tag = "catalog",
    responses((status = 200, body = Items<MatrixCell>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn matrix(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<MatrixCell>>> {
    Ok(items(state.catalog().matrix(&auth.principal).await?))
}

/// `?from=&to=&baseline=` of a diff.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// Old version: a framework id or `import:<id>`.
    pub from: String,
    /// New version: a framework id or `import:<id>`.
    pub to: String,
    /// Compare only this baseline's requirements (e.g. `nist-800-53-r5-moderate`).
    pub baseline: Option<String>,
}

/// What changed between two versions of a framework (added, removed, renamed, moved, changed)
/// and which unified controls it touches, e.g. `from=iso27001-2013&to=iso27001-2022`, or a
/// shipped framework against an imported one (`to=import:<id>&baseline=…`).
#[utoipa::path(
    get,
    path = "/api/v1/catalog/diff",
    tag = "catalog",
    params(DiffQuery),
    responses((status = 200, body = FrameworkDiff), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn diff(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<FrameworkDiff>> {
    Ok(Json(
        state
            .catalog()
            .diff(&auth.principal, &q.from, &q.to, q.baseline.as_deref())
            .await?,
    ))
}

/// `?catalog=` of an import.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// For a profile: the id of the tenant's imported catalog to resolve it against.
    #[param(value_type = Option<String>, format = Uuid)]
    pub catalog: Option<ImportId>,
}

/// Imports an OSCAL 1.x JSON document (catalog, profile, component definition; at most 32 MiB;
/// contributor and above). The document is checked as a whole: any finding rejects it (422,
/// each error's `field` a JSON pointer) and nothing is stored. A profile is resolved against
/// `?catalog=`; a tenant imports the same bytes once (409).
#[utoipa::path(
    post,
    path = "/api/v1/catalog/imports",
    tag = "catalog",
    params(ImportQuery),
    request_body(content = Object, content_type = "application/json", description = "an OSCAL document"),
    responses((status = 201, body = ImportSummary), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_import(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportSummary>)> {
    auth.principal
        .require(probity_core::platform::rules::Permission::Write)?;
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BYTES)
        .await
        .map_err(|_| {
            Problem::new(
                ErrorCode::PayloadTooLarge,
                format!("an OSCAL document is at most {MAX_IMPORT_BYTES} bytes"),
            )
        })?;
    let summary = state
        .catalog()
        .import(&auth.principal, &bytes, q.catalog)
        .await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// The tenant's imported OSCAL documents, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/imports",
    tag = "catalog",
    responses((status = 200, body = Items<ImportSummary>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_imports(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ImportSummary>>> {
    Ok(items(state.catalog().imports(&auth.principal).await?))
}

/// One import: its framework view (with the official text) and the document as imported.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/imports/{import_id}",
    tag = "catalog",
    params(("import_id" = String, Path, format = Uuid, description = "The import's id")),
    responses((status = 200, body = ImportRecord), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_import(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(import_id): ApiPath<ImportId>,
) -> ApiResult<Json<ImportRecord>> {
    Ok(Json(
        state
            .catalog()
            .import_record(&auth.principal, import_id)
            .await?,
    ))
}

/// The tenant's decisions on `intersects_with` links, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/decisions",
    tag = "catalog",
    responses((status = 200, body = Items<LinkDecision>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_decisions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<LinkDecision>>> {
    Ok(items(state.catalog().decisions(&auth.principal).await?))
}

/// Records whether an `intersects_with` link carries coverage (owner, admin, compliance
/// manager); binds to the link's hash and is audited as `catalog.decision.recorded`.
#[utoipa::path(
    post,
    path = "/api/v1/catalog/decisions",
    tag = "catalog",
    request_body = NewDecision,
    responses((status = 201, body = LinkDecision), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_decision(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewDecision>,
) -> ApiResult<(StatusCode, Json<LinkDecision>)> {
    let decision = state.catalog().decide(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(decision)))
}

/// Records a regulatory change: the diff between two versions (optionally narrowed to a
/// baseline) as one task per affected unified control, owned by the control's owner
/// (contributor and above); audited as `catalog.change.created`.
#[utoipa::path(
    post,
    path = "/api/v1/catalog/changes",
    tag = "catalog",
    request_body = NewChangeRecord,
    responses((status = 201, body = ChangeRecord), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_change(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewChangeRecord>,
) -> ApiResult<(StatusCode, Json<ChangeRecord>)> {
    let record = state.catalog().create_change(&auth.principal, &req).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// The tenant's change records with their tasks, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/changes",
    tag = "catalog",
    responses((status = 200, body = Items<ChangeRecord>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_changes(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ChangeRecord>>> {
    Ok(items(state.catalog().changes(&auth.principal).await?))
}

/// One change record.
#[utoipa::path(
    get,
    path = "/api/v1/catalog/changes/{change_id}",
    tag = "catalog",
    params(("change_id" = String, Path, format = Uuid, description = "The change record's id")),
    responses((status = 200, body = ChangeRecord), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_change(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(change_id): ApiPath<ChangeId>,
) -> ApiResult<Json<ChangeRecord>> {
    Ok(Json(
        state.catalog().change(&auth.principal, change_id).await?,
    ))
}

/// Changes a task's status, owner or due date (contributor and above); audited as
/// `catalog.change.task_updated`.
#[utoipa::path(
    patch,
    path = "/api/v1/catalog/changes/{change_id}/tasks/{number}",
    tag = "catalog",
    params(
        ("change_id" = String, Path, format = Uuid, description = "The change record's id"),
        ("number" = u32, Path, description = "The task's number, from 1")
    ),
    request_body = TaskUpdate,
    responses((status = 200, body = ChangeRecord), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_task(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((change_id, number)): ApiPath<(ChangeId, u32)>,
    ApiJson(req): ApiJson<TaskUpdate>,
) -> ApiResult<Json<ChangeRecord>> {
    Ok(Json(
        state
            .catalog()
            .update_task(&auth.principal, change_id, number, &req)
            .await?,
    ))
}
