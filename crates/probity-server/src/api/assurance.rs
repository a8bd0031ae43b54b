//! Assurance: evidence (content-addressed, encrypted, versioned, with custody events and
//! freezes), compliance assessments (results, findings and remediation, signed sign-off),
//! control tests in Rego with the starter pack, the policy decision API, and the compliance
//! posture (status, gap analysis, Statement of Applicability, control matrix).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use probity_core::assurance::assessment::AssessmentView;
use probity_core::assurance::evidence::EvidenceUpdate;
use probity_core::assurance::monitor::ControlTestView;
use probity_core::assurance::posture::{ComplianceReport, FrameworkPosture, TaskImpact};
use probity_core::assurance::starter::{StarterTest, starter_pack};
use probity_core::assurance::{
    AssessmentUpdate, ComplianceAssessmentId, ComplianceStatus, ControlTest, ControlTestId,
    DecisionPolicy, EvidenceFreeze, EvidenceId, EvidenceView, FindingInput, FreezeId, GapAnalysis,
    MatrixRow, NewAssessment, NewControlTest, NewDecisionPolicy, NewEvidence, NewEvidenceVersion,
    NewFreeze, NewSignOff, PolicyDecision, ResultInput, SignOffCheck, SoaRow, TestRun, TestUpdate,
    posture,
};
use serde::Deserialize;

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Largest evidence upload body (base64 of [`probity_core::assurance::evidence::MAX_CONTENT`]
/// plus the JSON around it).
pub const EVIDENCE_BODY_LIMIT: usize = 15 * 1024 * 1024;

/// The tenant's evidence with versions and freshness (any member).
#[utoipa::path(get, path = "/api/v1/evidence", tag = "assurance",
    responses((status = 200, body = Items<EvidenceView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_evidence(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<EvidenceView>>> {
    Ok(items(
        state.assurance().evidence_list(&auth.principal).await?,
    ))
}

/// Uploads evidence (a file as base64, or a JSON document) with its first version
/// (contributor and above; ≤ 10 MiB decoded). Equal content is stored once per tenant.
/// Audited as `evidence.uploaded` with the SHA-256 address.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "assurance", request_body = NewEvidence,
    responses((status = 201, body = EvidenceView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_evidence(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewEvidence>,
) -> ApiResult<(StatusCode, Json<EvidenceView>)> {
    let view = state
        .assurance()
        .create_evidence(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One evidence item with every version (any member); audited as `evidence.viewed`.
#[utoipa::path(get, path = "/api/v1/evidence/{evidence_id}", tag = "assurance",
    params(("evidence_id" = String, Path, format = Uuid, description = "The item's id")),
    responses((status = 200, body = EvidenceView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_evidence(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(evidence_id): ApiPath<EvidenceId>,
) -> ApiResult<Json<EvidenceView>> {
    Ok(Json(
        state
            .assurance()
            .evidence(&auth.principal, evidence_id)
            .await?,
    ))
}

/// Changes metadata and links to controls, requirements and assessments (contributor and
/// above); audited as `evidence.linked` or `evidence.updated`.
#[utoipa::path(patch, path = "/api/v1/evidence/{evidence_id}", tag = "assurance",
    params(("evidence_id" = String, Path, format = Uuid, description = "The item's id")),
    request_body = EvidenceUpdate,
    responses((status = 200, body = EvidenceView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_evidence(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(evidence_id): ApiPath<EvidenceId>,
    ApiJson(req): ApiJson<EvidenceUpdate>,
) -> ApiResult<Json<EvidenceView>> {
    Ok(Json(
        state
            .assurance()
            .update_evidence(&auth.principal, evidence_id, &req)
            .await?,
    ))
}

/// Adds a version (contributor and above); earlier versions stay readable.
#[utoipa::path(post, path = "/api/v1/evidence/{evidence_id}/versions", tag = "assurance",
    params(("evidence_id" = String, Path, format = Uuid, description = "The item's id")),
    request_body = NewEvidenceVersion,
    responses((status = 201, body = EvidenceView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn add_evidence_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(evidence_id): ApiPath<EvidenceId>,
    ApiJson(req): ApiJson<NewEvidenceVersion>,
) -> ApiResult<(StatusCode, Json<EvidenceView>)> {
    let view = state
        .assurance()
        .add_evidence_version(&auth.principal, evidence_id, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Downloads a version's content, decrypted and checked against its SHA-256 (any member);
/// audited as `evidence.downloaded`. Always served as `application/octet-stream` with
/// `Content-Disposition: attachment` so no browser renders an uploaded file in the API's origin;
/// the type recorded at upload travels in `x-evidence-media-type` and the address in
/// `x-content-sha256`.
#[utoipa::path(get, path = "/api/v1/evidence/{evidence_id}/versions/{number}/content", tag = "assurance",
    params(
        ("evidence_id" = String, Path, format = Uuid, description = "The item's id"),
        ("number" = u32, Path, description = "The version number")
    ),
    responses((status = 200, description = "the content", content_type = "application/octet-stream"), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn evidence_content(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((evidence_id, number)): ApiPath<(EvidenceId, u32)>,
) -> ApiResult<Response> {
    let (version, bytes) = state
        .assurance()
        .download_evidence(&auth.principal, evidence_id, number)
        .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&version.media_type) {
        headers.insert("x-evidence-media-type", v);
    }
    let name: String = version
        .file_name
        .unwrap_or_else(|| format!("evidence-v{number}.json"))
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={}", version.sha256)) {
        headers.insert("x-content-sha256", v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The tenant's evidence freezes, newest first (any member).
#[utoipa::path(get, path = "/api/v1/evidence-freezes", tag = "assurance",
    responses((status = 200, body = Items<EvidenceFreeze>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_freezes(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<EvidenceFreeze>>> {
    Ok(items(state.assurance().freezes(&auth.principal).await?))
}

/// Freezes the evidence set for an audit period (contributor and above): later versions and
/// link changes do not alter it; audited as `evidence.frozen` with the manifest hash.
#[utoipa::path(post, path = "/api/v1/evidence-freezes", tag = "assurance", request_body = NewFreeze,
    responses((status = 201, body = EvidenceFreeze), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_freeze(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewFreeze>,
) -> ApiResult<(StatusCode, Json<EvidenceFreeze>)> {
    let f = state
        .assurance()
        .freeze_evidence(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(f)))
}

/// One freeze with its manifest (any member).
#[utoipa::path(get, path = "/api/v1/evidence-freezes/{freeze_id}", tag = "assurance",
    params(("freeze_id" = String, Path, format = Uuid, description = "The freeze's id")),
    responses((status = 200, body = EvidenceFreeze), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_freeze(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(freeze_id): ApiPath<FreezeId>,
) -> ApiResult<Json<EvidenceFreeze>> {
    Ok(Json(
        state.assurance().freeze(&auth.principal, freeze_id).await?,
    ))
}

/// Every assessment version, newest first, with scores (any member).
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assurance",
    responses((status = 200, body = Items<AssessmentView>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_assessments(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<AssessmentView>>> {
    Ok(items(state.assurance().assessments(&auth.principal).await?))
}

/// Starts an assessment of a framework or baseline (contributor, auditor and above);
/// audited as `assessment.created`.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assurance", request_body = NewAssessment,
    responses((status = 201, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_assessment(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewAssessment>,
) -> ApiResult<(StatusCode, Json<AssessmentView>)> {
    let a = state
        .assurance()
        .create_assessment(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One assessment version with its content hash and scores (any member).
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}", tag = "assurance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id")),
    responses((status = 200, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_assessment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(
        state
            .assurance()
            .assessment(&auth.principal, assessment_id)
            .await?,
    ))
}

/// Changes title, scope, team or requirement weights (409 once signed off).
#[utoipa::path(patch, path = "/api/v1/assessments/{assessment_id}", tag = "assurance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id")),
    request_body = AssessmentUpdate,
    responses((status = 200, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_assessment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
    ApiJson(req): ApiJson<AssessmentUpdate>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(
        state
            .assurance()
            .update_assessment(&auth.principal, assessment_id, &req)
            .await?,
    ))
}

/// Records a requirement's result (`not_applicable` needs a rationale; 409 once signed off);
/// audited as `assessment.result.recorded`.
#[utoipa::path(put, path = "/api/v1/assessments/{assessment_id}/requirements/{requirement_id}", tag = "assurance",
    params(
        ("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id"),
        ("requirement_id" = String, Path, description = "A requirement in the assessment's scope")
    ),
    request_body = ResultInput,
    responses((status = 200, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn record_requirement(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((assessment_id, requirement_id)): ApiPath<(ComplianceAssessmentId, String)>,
    ApiJson(req): ApiJson<ResultInput>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(
        state
            .assurance()
            .record_requirement(&auth.principal, assessment_id, &requirement_id, &req)
            .await?,
    ))
}

/// Records a unified control's result; audited as `assessment.result.recorded`.
#[utoipa::path(put, path = "/api/v1/assessments/{assessment_id}/controls/{control_id}", tag = "assurance",
    params(
        ("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id"),
        ("control_id" = String, Path, description = "A unified control id")
    ),
    request_body = ResultInput,
    responses((status = 200, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn record_control(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((assessment_id, control_id)): ApiPath<(ComplianceAssessmentId, String)>,
    ApiJson(req): ApiJson<ResultInput>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(
        state
            .assurance()
            .record_control(&auth.principal, assessment_id, &control_id, &req)
            .await?,
    ))
}

/// Raises a finding with its remediation plan; audited as `assessment.finding.created`.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/findings", tag = "assurance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id")),
    request_body = FindingInput,
    responses((status = 201, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn add_finding(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
    ApiJson(req): ApiJson<FindingInput>,
) -> ApiResult<(StatusCode, Json<AssessmentView>)> {
    let a = state
        .assurance()
        .add_finding(&auth.principal, assessment_id, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Replaces a finding's fields, status and remediation plan; audited as
/// `assessment.finding.updated`.
#[utoipa::path(put, path = "/api/v1/assessments/{assessment_id}/findings/{finding_id}", tag = "assurance",
    params(
        ("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id"),
        ("finding_id" = String, Path, description = "The finding's id (`F-1`)")
    ),
    request_body = FindingInput,
    responses((status = 200, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_finding(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((assessment_id, finding_id)): ApiPath<(ComplianceAssessmentId, String)>,
    ApiJson(req): ApiJson<FindingInput>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(
        state
            .assurance()
            .update_finding(&auth.principal, assessment_id, &finding_id, &req)
            .await?,
    ))
}

/// The lead assessor signs the version off with the `content_sha256` they read (403 for
/// anyone else, 409 when the content changed): an Ed25519 signed note over the content hash,
/// recorded in the ledger as `assessment.signed_off`.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/sign-off", tag = "assurance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id")),
    request_body = NewSignOff,
    responses((status = 200, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn sign_off(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
    ApiJson(req): ApiJson<NewSignOff>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(
        state
            .assurance()
            .sign_off(&auth.principal, assessment_id, &req)
            .await?,
    ))
}

/// Checks a sign-off: the stored content still hashes to what was signed and the signature
/// verifies with the tenant's attestation key (any member).
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/verification", tag = "assurance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id")),
    responses((status = 200, body = SignOffCheck), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn verify_sign_off(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
) -> ApiResult<Json<SignOffCheck>> {
    Ok(Json(
        state
            .assurance()
            .verify_sign_off(&auth.principal, assessment_id)
            .await?,
    ))
}

/// Which OSCAL model to export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OscalQuery {
    /// `assessment-plan`, `assessment-results` or `poam`.
    pub model: String,
}

/// The assessment as OSCAL 1.2.3 JSON: `assessment-plan` (the requirements in scope),
/// `assessment-results` (a finding per assessed
/// requirement) or `poam` (an item per finding with its remediation plan); audited as
/// `assessment.exported` (any member).
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/oscal", tag = "assurance",
    params(
        ("assessment_id" = String, Path, format = Uuid, description = "The assessment version's id"),
        OscalQuery
    ),
    responses((status = 200, description = "an OSCAL document", body = Object), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn assessment_oscal(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
    ApiQuery(q): ApiQuery<OscalQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .assurance()
            .assessment_oscal(&auth.principal, assessment_id, &q.model)
            .await?,
    ))
}

/// Starts the next version of a signed-off assessment (results and findings carried over);
/// the signed version becomes `superseded`.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/versions", tag = "assurance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The signed-off version's id")),
    responses((status = 201, body = AssessmentView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn new_assessment_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<ComplianceAssessmentId>,
) -> ApiResult<(StatusCode, Json<AssessmentView>)> {
    let a = state
        .assurance()
        .new_assessment_version(&auth.principal, assessment_id)
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// The tenant's control tests with their latest results (any member).
#[utoipa::path(get, path = "/api/v1/control-tests", tag = "assurance",
    responses((status = 200, body = Items<ControlTest>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_control_tests(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ControlTest>>> {
    Ok(items(
        state.assurance().control_tests(&auth.principal).await?,
    ))
}

/// Adds a control test (contributor and above): Rego defining `deny` (a set of messages),
/// checked at upload (422 with line and column), an input collector and an optional schedule.
#[utoipa::path(post, path = "/api/v1/control-tests", tag = "assurance", request_body = NewControlTest,
    responses((status = 201, body = ControlTest), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn create_control_test(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewControlTest>,
) -> ApiResult<(StatusCode, Json<ControlTest>)> {
    let t = state
        .assurance()
        .create_control_test(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// The shipped starter pack: control tests with passing and failing example inputs.
#[utoipa::path(get, path = "/api/v1/control-tests/starter-pack", tag = "assurance",
    responses((status = 200, body = Items<StarterTest>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_starter_pack(_auth: Auth) -> ApiResult<Json<Items<StarterTest>>> {
    Ok(items(starter_pack().to_vec()))
}

/// Installs the starter tests the tenant does not have yet (contributor and above); returns
/// the ones added.
#[utoipa::path(post, path = "/api/v1/control-tests/starter-pack", tag = "assurance",
    responses((status = 201, body = Items<ControlTest>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn install_starter_pack(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<(StatusCode, Json<Items<ControlTest>>)> {
    let added = state
        .assurance()
        .install_starter_pack(&auth.principal)
        .await?;
    Ok((StatusCode::CREATED, items(added)))
}

/// One control test with its latest runs (any member).
#[utoipa::path(get, path = "/api/v1/control-tests/{test_id}", tag = "assurance",
    params(("test_id" = String, Path, format = Uuid, description = "The test's id")),
    responses((status = 200, body = ControlTestView), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn get_control_test(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(test_id): ApiPath<ControlTestId>,
) -> ApiResult<Json<ControlTestView>> {
    Ok(Json(
        state
            .assurance()
            .control_test(&auth.principal, test_id)
            .await?,
    ))
}

/// Changes a control test (contributor and above); audited as `control_test.updated`.
#[utoipa::path(patch, path = "/api/v1/control-tests/{test_id}", tag = "assurance",
    params(("test_id" = String, Path, format = Uuid, description = "The test's id")),
    request_body = TestUpdate,
    responses((status = 200, body = ControlTest), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn update_control_test(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(test_id): ApiPath<ControlTestId>,
    ApiJson(req): ApiJson<TestUpdate>,
) -> ApiResult<Json<ControlTest>> {
    Ok(Json(
        state
            .assurance()
            .update_control_test(&auth.principal, test_id, &req)
            .await?,
    ))
}

/// Pushes an input document and evaluates the test against it now (contributor and above);
/// the document is kept as a version of the test's evidence item.
#[utoipa::path(post, path = "/api/v1/control-tests/{test_id}/input", tag = "assurance",
    params(("test_id" = String, Path, format = Uuid, description = "The test's id")),
    request_body(content = Object, description = "The input document"),
    responses((status = 201, body = TestRun), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn push_input(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(test_id): ApiPath<ControlTestId>,
    ApiJson(input): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<TestRun>)> {
    let run = state
        .assurance()
        .push_input(&auth.principal, test_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(run)))
}

/// Runs the test now with input from its collector (contributor and above).
#[utoipa::path(post, path = "/api/v1/control-tests/{test_id}/runs", tag = "assurance",
    params(("test_id" = String, Path, format = Uuid, description = "The test's id")),
    responses((status = 201, body = TestRun), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn run_control_test(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(test_id): ApiPath<ControlTestId>,
) -> ApiResult<(StatusCode, Json<TestRun>)> {
    let run = state
        .assurance()
        .run_control_test(&auth.principal, test_id)
        .await?;
    Ok((StatusCode::CREATED, Json(run)))
}

/// The tenant's decision policies (any member).
#[utoipa::path(get, path = "/api/v1/decision-policies", tag = "assurance",
    responses((status = 200, body = Items<DecisionPolicy>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn list_decision_policies(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<DecisionPolicy>>> {
    Ok(items(
        state.assurance().decision_policies(&auth.principal).await?,
    ))
}

/// Uploads a new version of a decision policy (contributor and above): Rego defining `allow`
/// and optionally `reasons`; audited as `decision_policy.updated`.
#[utoipa::path(put, path = "/api/v1/decision-policies/{key}", tag = "assurance",
    params(("key" = String, Path, description = "The policy's key")),
    request_body = NewDecisionPolicy,
    responses((status = 200, body = DecisionPolicy), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn put_decision_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(req): ApiJson<NewDecisionPolicy>,
) -> ApiResult<Json<DecisionPolicy>> {
    Ok(Json(
        state
            .assurance()
            .put_decision_policy(&auth.principal, &key, &req)
            .await?,
    ))
}

/// Evaluates a decision policy against the posted input (any member or token): allow or deny
/// with reasons, recorded in the ledger as `decision.allowed` or `decision.denied`.
#[utoipa::path(post, path = "/api/v1/decisions/{key}", tag = "assurance",
    params(("key" = String, Path, description = "The decision policy's key")),
    request_body(content = Object, description = "The input document"),
    responses((status = 200, body = PolicyDecision), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(input): ApiJson<serde_json::Value>,
) -> ApiResult<Json<PolicyDecision>> {
    Ok(Json(
        state
            .assurance()
            .decide(&auth.principal, &key, input)
            .await?,
    ))
}

/// A framework or baseline, and an output format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// A framework id (`soc2-2017`) or baseline id (`fedramp-moderate`).
    pub framework: String,
    /// `json` (default) or `csv` (for the matrix).
    #[serde(default)]
    pub format: Option<String>,
}

/// An output format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

fn csv_response(name: &str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

fn wants_csv(format: Option<&str>) -> Result<bool, crate::problem::ApiError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(probity_core::DomainError::invalid("format", "must be json or csv").into()),
    }
}

/// Every shipped framework's posture: gap totals from controls, tests, evidence and
/// assessments (any member).
#[utoipa::path(get, path = "/api/v1/compliance/posture", tag = "assurance",
    responses((status = 200, body = Items<FrameworkPosture>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn compliance_posture(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<FrameworkPosture>>> {
    Ok(items(state.assurance().posture(&auth.principal).await?))
}

/// A framework's compliance status: posture, latest assessment, control health, failing
/// tests, evidence freshness and the covering checkpoint (any member).
#[utoipa::path(get, path = "/api/v1/compliance/status", tag = "assurance",
    params(ScopeQuery),
    responses((status = 200, body = ComplianceStatus), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn compliance_status(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Json<ComplianceStatus>> {
    Ok(Json(
        state
            .assurance()
            .compliance_status(&auth.principal, &q.framework)
            .await?,
    ))
}

/// A framework's compliance report as JSON: status, every requirement with its evidence
/// references, the latest assessment's findings and POA&M and sign-off, and the covering
/// checkpoint; its SHA-256 is recorded in the ledger as `report.generated` (any member).
#[utoipa::path(get, path = "/api/v1/compliance/report", tag = "assurance",
    params(ScopeQuery),
    responses((status = 200, body = ComplianceReport), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn compliance_report(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Json<ComplianceReport>> {
    Ok(Json(
        state
            .assurance()
            .compliance_report(&auth.principal, &q.framework)
            .await?,
    ))
}

/// What each task of a regulatory change record touches: the evidence, policies, assessment
/// results and control tests to revisit (any member).
#[utoipa::path(get, path = "/api/v1/catalog/changes/{change_id}/impact", tag = "assurance",
    params(("change_id" = String, Path, format = Uuid, description = "The change record's id")),
    responses((status = 200, body = Items<TaskImpact>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn change_impact(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(change_id): ApiPath<probity_core::catalog::ChangeId>,
) -> ApiResult<Json<Items<TaskImpact>>> {
    Ok(items(
        state
            .assurance()
            .change_impact(&auth.principal, change_id)
            .await?,
    ))
}

/// Gap analysis: per requirement, what the mapped controls carry after tests and evidence,
/// what carries over from other frameworks' assessments (with the relationship), and what is
/// missing (any member).
#[utoipa::path(get, path = "/api/v1/compliance/gaps", tag = "assurance",
    params(ScopeQuery),
    responses((status = 200, body = GapAnalysis), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn gap_analysis(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Json<GapAnalysis>> {
    Ok(Json(
        state
            .assurance()
            .gap_analysis(&auth.principal, &q.framework)
            .await?,
    ))
}

/// The ISO/IEC 27001:2022 Statement of Applicability, as JSON or CSV (any member).
#[utoipa::path(get, path = "/api/v1/compliance/soa", tag = "assurance",
    params(FormatQuery),
    responses((status = 200, body = Items<SoaRow>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn statement_of_applicability(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let csv = wants_csv(q.format.as_deref())?;
    let rows = state
        .assurance()
        .statement_of_applicability(&auth.principal)
        .await?;
    Ok(if csv {
        csv_response("statement-of-applicability.csv", posture::soa_csv(&rows))
    } else {
        items(rows).into_response()
    })
}

/// A framework's control matrix (the SOC 2 control matrix for `soc2-2017`), as JSON or CSV
/// (any member).
#[utoipa::path(get, path = "/api/v1/compliance/matrix", tag = "assurance",
    params(ScopeQuery),
    responses((status = 200, body = Items<MatrixRow>), Errors),
    security(("token" = []), ("session" = [])))]
pub async fn control_matrix(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Response> {
    let csv = wants_csv(q.format.as_deref())?;
    let rows = state
        .assurance()
        .control_matrix(&auth.principal, &q.framework)
        .await?;
    Ok(if csv {
        csv_response(
            &format!(
                "{}-control-matrix.csv",
                q.framework
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
            ),
            posture::matrix_csv(&rows),
        )
    } else {
        items(rows).into_response()
    })
}
