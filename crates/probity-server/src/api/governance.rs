//! Governance: policies with immutable, hashed versions, a review workflow with separation of
//! duties and a quorum, publication that retires the version it replaces, and acknowledgments
//! bound to the version in force; the shipped policy templates; the risk register with its
//! matrix, appetite and heat maps; exceptions and risk acceptances bound to the linked state.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::governance::{
    Acknowledgment, Assessment, AssessmentId, AssessmentReview, Asset, AssetId, AssignTraining,
    Decision, ExceptionId, ExceptionView, ImportReport, ListedTemplate, ListedTemplateSchema,
    NewAcknowledgment, NewAsset, NewException, NewExceptionDecision, NewPolicy, NewRisk, NewVendor,
    NewVersion, NewViolation, PolicyId, PolicyTemplate, PolicyView, QuestionnaireTemplate,
    Register, ResolveViolation, RespondentAnswers, RespondentView, RiskDetail, RiskId,
    RiskSettings, RiskUpdate, RiskView, SendQuestionnaire, SentQuestionnaire, TrainingId,
    TrainingView, VendorDetail, VendorId, VendorView, Violation, ViolationId,
};

use super::Errors;
use super::catalog::{Items, items};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The shipped policy templates, in our own words (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policy-templates",
    tag = "governance",
    responses((status = 200, body = Items<PolicyTemplate>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_templates(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<PolicyTemplate>>> {
    Ok(items(state.governance().templates(&auth.principal)?))
}

/// The tenant's policies with their versions and acknowledgment rates (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policies",
    tag = "governance",
    responses((status = 200, body = Items<PolicyView>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_policies(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<PolicyView>>> {
    Ok(items(state.governance().policies(&auth.principal).await?))
}

/// Creates a policy from a template or its own Markdown, with a first draft version
/// (contributor and above); audited as `policy.created`.
#[utoipa::path(
    post,
    path = "/api/v1/policies",
    tag = "governance",
    request_body = NewPolicy,
    responses((status = 201, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewPolicy>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    let view = state
        .governance()
        .create_policy(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One policy with every version and its acknowledgment status.
#[utoipa::path(
    get,
    path = "/api/v1/policies/{policy_id}",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .policy(&auth.principal, policy_id)
            .await?,
    ))
}

/// Adds a draft version (contributor and above; 409 while another version is a draft, in
/// review or approved); audited as `policy.version.created`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    request_body = NewVersion,
    responses((status = 201, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
    ApiJson(req): ApiJson<NewVersion>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    let view = state
        .governance()
        .new_version(&auth.principal, policy_id, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Sends a draft version for review (contributor and above); audited as
/// `policy.version.submitted`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions/{number}/submit",
    tag = "governance",
    params(
        ("policy_id" = String, Path, format = Uuid, description = "The policy's id"),
        ("number" = u32, Path, description = "The version number, from 1")
    ),
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn submit_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((policy_id, number)): ApiPath<(PolicyId, u32)>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .submit(&auth.principal, policy_id, number)
            .await?,
    ))
}

/// Approves a version in review, bound to the content hash the approver read (compliance
/// manager and above; never the version's author: 403 `forbidden`); the approval that meets
/// the policy's quorum makes the version `approved`. Audited as `policy.version.approved`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions/{number}/approve",
    tag = "governance",
    params(
        ("policy_id" = String, Path, format = Uuid, description = "The policy's id"),
        ("number" = u32, Path, description = "The version number, from 1")
    ),
    request_body = Decision,
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn approve_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((policy_id, number)): ApiPath<(PolicyId, u32)>,
    ApiJson(req): ApiJson<Decision>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .approve(&auth.principal, policy_id, number, &req)
            .await?,
    ))
}

/// Puts an approved version in force, bound to its content hash, and retires the version it
/// replaces (compliance manager and above); audited as `policy.version.published`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/versions/{number}/publish",
    tag = "governance",
    params(
        ("policy_id" = String, Path, format = Uuid, description = "The policy's id"),
        ("number" = u32, Path, description = "The version number, from 1")
    ),
    request_body = Decision,
    responses((status = 200, body = PolicyView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn publish_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((policy_id, number)): ApiPath<(PolicyId, u32)>,
    ApiJson(req): ApiJson<Decision>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        state
            .governance()
            .publish(&auth.principal, policy_id, number, &req)
            .await?,
    ))
}

/// A policy's acknowledgments, oldest first (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policies/{policy_id}/acknowledgments",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    responses((status = 200, body = Items<Acknowledgment>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_acknowledgments(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
) -> ApiResult<Json<Items<Acknowledgment>>> {
    Ok(items(
        state
            .governance()
            .acknowledgments(&auth.principal, policy_id)
            .await?,
    ))
}

/// The caller acknowledges the version in force, bound to the content hash they read (any
/// member; 409 when there is nothing in force, the hash is stale, or they already did);
/// audited as `policy.acknowledged`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/acknowledgments",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    request_body = NewAcknowledgment,
    responses((status = 201, body = Acknowledgment), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
    ApiJson(req): ApiJson<NewAcknowledgment>,
) -> ApiResult<(StatusCode, Json<Acknowledgment>)> {
    let ack = state
        .governance()
        .acknowledge(&auth.principal, policy_id, &req, "api")
        .await?;
    Ok((StatusCode::CREATED, Json(ack)))
}

/// The tenant's risk matrix and appetite (the defaults until set; any member).
#[utoipa::path(
    get,
    path = "/api/v1/risk-settings",
    tag = "governance",
    responses((status = 200, body = RiskSettings), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_risk_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<RiskSettings>> {
    Ok(Json(
        state.governance().risk_settings(&auth.principal).await?,
    ))
}

/// Sets the matrix (3–10 labels per axis, bands from 1) and the appetite per category
/// (compliance manager and above; 409 when an open risk would fall off the matrix); audited as
/// `risk.settings.updated`.
#[utoipa::path(
    put,
    path = "/api/v1/risk-settings",
    tag = "governance",
    request_body = RiskSettings,
    responses((status = 200, body = RiskSettings), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn put_risk_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<RiskSettings>,
) -> ApiResult<Json<RiskSettings>> {
    Ok(Json(
        state
            .governance()
            .set_risk_settings(&auth.principal, &req)
            .await?,
    ))
}

/// The risk register: every risk scored (inherent, effective residual and where it came
/// from, appetite), the settings, and residual and inherent heat maps (any member).
#[utoipa::path(
    get,
    path = "/api/v1/risks",
    tag = "governance",
    responses((status = 200, body = Register), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_risks(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Register>> {
    Ok(Json(state.governance().risks(&auth.principal).await?))
}

/// Adds a risk (contributor and above); without an assessed `residual`, the residual is
/// derived from the linked controls' status. Audited as `risk.created`; a residual above the
/// category's appetite raises `risk.appetite_exceeded`.
#[utoipa::path(
    post,
    path = "/api/v1/risks",
    tag = "governance",
    request_body = NewRisk,
    responses((status = 201, body = RiskView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_risk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewRisk>,
) -> ApiResult<(StatusCode, Json<RiskView>)> {
    let view = state
        .governance()
        .create_risk(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One risk, scored, with its score history.
#[utoipa::path(
    get,
    path = "/api/v1/risks/{risk_id}",
    tag = "governance",
    params(("risk_id" = String, Path, format = Uuid, description = "The risk's id")),
    responses((status = 200, body = RiskDetail), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_risk(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(risk_id): ApiPath<RiskId>,
) -> ApiResult<Json<RiskDetail>> {
    Ok(Json(
        state.governance().risk(&auth.principal, risk_id).await?,
    ))
}

/// Changes a risk (contributor and above) given the `version` read (409 when stale): a new
/// version, which lapses any acceptance of the old one. Audited as `risk.updated`.
#[utoipa::path(
    patch,
    path = "/api/v1/risks/{risk_id}",
    tag = "governance",
    params(("risk_id" = String, Path, format = Uuid, description = "The risk's id")),
    request_body = RiskUpdate,
    responses((status = 200, body = RiskView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_risk(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(risk_id): ApiPath<RiskId>,
    ApiJson(req): ApiJson<RiskUpdate>,
) -> ApiResult<Json<RiskView>> {
    Ok(Json(
        state
            .governance()
            .update_risk(&auth.principal, risk_id, &req)
            .await?,
    ))
}

/// Records a review (contributor and above): the next review is due after the risk's review
/// interval and the scores join the history. Audited as `risk.reviewed`.
#[utoipa::path(
    post,
    path = "/api/v1/risks/{risk_id}/review",
    tag = "governance",
    params(("risk_id" = String, Path, format = Uuid, description = "The risk's id")),
    responses((status = 200, body = RiskView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn review_risk(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(risk_id): ApiPath<RiskId>,
) -> ApiResult<Json<RiskView>> {
    Ok(Json(
        state
            .governance()
            .review_risk(&auth.principal, risk_id)
            .await?,
    ))
}

/// Exceptions and risk acceptances with their effective status (`approved` lapses to
/// `invalidated` or `expired`), newest first (any member).
#[utoipa::path(
    get,
    path = "/api/v1/exceptions",
    tag = "governance",
    responses((status = 200, body = Items<ExceptionView>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_exceptions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ExceptionView>>> {
    Ok(items(state.governance().exceptions(&auth.principal).await?))
}

/// Requests an exception or a risk acceptance (contributor and above); audited as
/// `exception.requested`.
#[utoipa::path(
    post,
    path = "/api/v1/exceptions",
    tag = "governance",
    request_body = NewException,
    responses((status = 201, body = ExceptionView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn request_exception(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewException>,
) -> ApiResult<(StatusCode, Json<ExceptionView>)> {
    let view = state
        .governance()
        .request_exception(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One exception with the linked state now and its hash (which a decision must name).
#[utoipa::path(
    get,
    path = "/api/v1/exceptions/{exception_id}",
    tag = "governance",
    params(("exception_id" = String, Path, format = Uuid, description = "The exception's id")),
    responses((status = 200, body = ExceptionView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_exception(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(exception_id): ApiPath<ExceptionId>,
) -> ApiResult<Json<ExceptionView>> {
    Ok(Json(
        state
            .governance()
            .exception(&auth.principal, exception_id)
            .await?,
    ))
}

/// Approves or rejects a request with the `snapshot_hash` read (compliance manager and above;
/// 403 for the requester; 409 when the linked state changed since). The decision keeps the
/// snapshot; audited as `exception.approved` or `exception.rejected`.
#[utoipa::path(
    post,
    path = "/api/v1/exceptions/{exception_id}/decision",
    tag = "governance",
    params(("exception_id" = String, Path, format = Uuid, description = "The exception's id")),
    request_body = NewExceptionDecision,
    responses((status = 200, body = ExceptionView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn decide_exception(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(exception_id): ApiPath<ExceptionId>,
    ApiJson(req): ApiJson<NewExceptionDecision>,
) -> ApiResult<Json<ExceptionView>> {
    Ok(Json(
        state
            .governance()
            .decide_exception(&auth.principal, exception_id, &req)
            .await?,
    ))
}

/// Revokes an approved exception (compliance manager and above); audited as
/// `exception.revoked`.
#[utoipa::path(
    post,
    path = "/api/v1/exceptions/{exception_id}/revoke",
    tag = "governance",
    params(("exception_id" = String, Path, format = Uuid, description = "The exception's id")),
    responses((status = 200, body = ExceptionView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn revoke_exception(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(exception_id): ApiPath<ExceptionId>,
) -> ApiResult<Json<ExceptionView>> {
    Ok(Json(
        state
            .governance()
            .revoke_exception(&auth.principal, exception_id)
            .await?,
    ))
}

/// The vendor questionnaire templates: the shipped ones and the tenant's own, each with its
/// `source` (any member).
#[utoipa::path(
    get,
    path = "/api/v1/questionnaire-templates",
    tag = "governance",
    responses((status = 200, body = Items<ListedTemplateSchema>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_questionnaire_templates(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<ListedTemplate>>> {
    Ok(items(
        state
            .governance()
            .questionnaire_templates(&auth.principal)
            .await?,
    ))
}

/// Adds a questionnaire template of the tenant's own (owner, admin, compliance manager): the
/// same shape as the shipped ones; every problem is named by field (422). Sending a key the
/// tenant already uses adds a new version.
#[utoipa::path(
    post,
    path = "/api/v1/questionnaire-templates",
    tag = "governance",
    request_body = QuestionnaireTemplate,
    responses((status = 201, body = ListedTemplateSchema), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn add_questionnaire_template(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<QuestionnaireTemplate>,
) -> ApiResult<(StatusCode, Json<ListedTemplate>)> {
    let t = state
        .governance()
        .add_questionnaire_template(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Removes one of the tenant's questionnaire templates (owner, admin, compliance manager);
/// 409 while a questionnaire sent from it is still open, or for a shipped one. Assessments
/// already sent keep their copy.
#[utoipa::path(
    delete,
    path = "/api/v1/questionnaire-templates/{template_key}",
    tag = "governance",
    params(("template_key" = String, Path, description = "The template's key")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn remove_questionnaire_template(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .governance()
        .remove_questionnaire_template(&auth.principal, &key)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The vendor register with each vendor's latest scorecard, assessment due date and expiring
/// documents (any member).
#[utoipa::path(
    get,
    path = "/api/v1/vendors",
    tag = "governance",
    responses((status = 200, body = Items<VendorView>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_vendors(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<VendorView>>> {
    Ok(items(state.governance().vendors(&auth.principal).await?))
}

/// Adds a vendor (contributor and above); audited as `vendor.created`.
#[utoipa::path(
    post,
    path = "/api/v1/vendors",
    tag = "governance",
    request_body = NewVendor,
    responses((status = 201, body = VendorView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_vendor(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewVendor>,
) -> ApiResult<(StatusCode, Json<VendorView>)> {
    let v = state
        .governance()
        .create_vendor(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One vendor with its assessments (answers, scorecards, findings).
#[utoipa::path(
    get,
    path = "/api/v1/vendors/{vendor_id}",
    tag = "governance",
    params(("vendor_id" = String, Path, format = Uuid, description = "The vendor's id")),
    responses((status = 200, body = VendorDetail), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_vendor(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(vendor_id): ApiPath<VendorId>,
) -> ApiResult<Json<VendorDetail>> {
    Ok(Json(
        state
            .governance()
            .vendor(&auth.principal, vendor_id)
            .await?,
    ))
}

/// Replaces a vendor's details (contributor and above); audited as `vendor.updated`.
#[utoipa::path(
    put,
    path = "/api/v1/vendors/{vendor_id}",
    tag = "governance",
    params(("vendor_id" = String, Path, format = Uuid, description = "The vendor's id")),
    request_body = NewVendor,
    responses((status = 200, body = VendorView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_vendor(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(vendor_id): ApiPath<VendorId>,
    ApiJson(req): ApiJson<NewVendor>,
) -> ApiResult<Json<VendorView>> {
    Ok(Json(
        state
            .governance()
            .update_vendor(&auth.principal, vendor_id, &req)
            .await?,
    ))
}

/// Sends a questionnaire to one of the vendor's contacts (contributor and above): the answer
/// holds the respondent link, shown only now; audited as `vendor.questionnaire.sent`.
#[utoipa::path(
    post,
    path = "/api/v1/vendors/{vendor_id}/questionnaires",
    tag = "governance",
    params(("vendor_id" = String, Path, format = Uuid, description = "The vendor's id")),
    request_body = SendQuestionnaire,
    responses((status = 201, body = SentQuestionnaire), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn send_questionnaire(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(vendor_id): ApiPath<VendorId>,
    ApiJson(req): ApiJson<SendQuestionnaire>,
) -> ApiResult<(StatusCode, Json<SentQuestionnaire>)> {
    let sent = state
        .governance()
        .send_questionnaire(&auth.principal, vendor_id, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// Records the review of a submitted assessment with findings (compliance manager and above);
/// the next assessment falls due after the vendor tier's interval. Audited as
/// `vendor.assessment.reviewed`.
#[utoipa::path(
    post,
    path = "/api/v1/vendor-assessments/{assessment_id}/review",
    tag = "governance",
    params(("assessment_id" = String, Path, format = Uuid, description = "The assessment's id")),
    request_body = AssessmentReview,
    responses((status = 200, body = Assessment), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn review_assessment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(assessment_id): ApiPath<AssessmentId>,
    ApiJson(req): ApiJson<AssessmentReview>,
) -> ApiResult<Json<Assessment>> {
    Ok(Json(
        state
            .governance()
            .review_assessment(&auth.principal, assessment_id, &req)
            .await?,
    ))
}

/// A file the vendor uploaded for a question (any member); audited as
/// `vendor.file.downloaded`.
#[utoipa::path(
    get,
    path = "/api/v1/vendor-assessments/{assessment_id}/files/{question_id}",
    tag = "governance",
    params(
        ("assessment_id" = String, Path, format = Uuid, description = "The assessment's id"),
        ("question_id" = String, Path, description = "The question's id")
    ),
    responses((status = 200, description = "the file", content_type = "application/octet-stream", body = Vec<u8>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn assessment_file(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((assessment_id, question_id)): ApiPath<(AssessmentId, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse as _;
    let (name, bytes) = state
        .governance()
        .assessment_file(&auth.principal, assessment_id, &question_id)
        .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The one questionnaire a respondent link opens (no account: the token is the credential
/// and reaches nothing else). 404 for an unknown token, 409 once expired.
#[utoipa::path(
    get,
    path = "/api/v1/respond/{token}",
    tag = "governance",
    params(("token" = String, Path, description = "The token of the respondent link")),
    responses((status = 200, body = RespondentView), Errors)
)]
pub async fn respondent_view(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<Json<RespondentView>> {
    Ok(Json(state.governance().respondent_view(&token).await?))
}

/// Saves the respondent's answers, or submits them (`submit: true`), which scores the
/// questionnaire and closes the link (409 afterwards). Files are `{"name", "content_base64"}`
/// (≤ 1 MiB).
#[utoipa::path(
    put,
    path = "/api/v1/respond/{token}",
    tag = "governance",
    params(("token" = String, Path, description = "The token of the respondent link")),
    request_body = RespondentAnswers,
    responses((status = 200, body = RespondentView), Errors)
)]
pub async fn respond(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(req): ApiJson<RespondentAnswers>,
) -> ApiResult<Json<RespondentView>> {
    Ok(Json(state.governance().respond(&token, &req).await?))
}

/// The asset inventory, by reference (any member).
#[utoipa::path(
    get,
    path = "/api/v1/assets",
    tag = "governance",
    responses((status = 200, body = Items<Asset>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_assets(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<Asset>>> {
    Ok(items(state.governance().assets(&auth.principal).await?))
}

/// Adds an asset (contributor and above; 409 when the name is taken); audited as
/// `asset.created`.
#[utoipa::path(
    post,
    path = "/api/v1/assets",
    tag = "governance",
    request_body = NewAsset,
    responses((status = 201, body = Asset), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn create_asset(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewAsset>,
) -> ApiResult<(StatusCode, Json<Asset>)> {
    let a = state
        .governance()
        .create_asset(&auth.principal, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One asset.
#[utoipa::path(
    get,
    path = "/api/v1/assets/{asset_id}",
    tag = "governance",
    params(("asset_id" = String, Path, format = Uuid, description = "The asset's id")),
    responses((status = 200, body = Asset), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_asset(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(asset_id): ApiPath<AssetId>,
) -> ApiResult<Json<Asset>> {
    Ok(Json(
        state.governance().asset(&auth.principal, asset_id).await?,
    ))
}

/// Replaces an asset's fields (contributor and above); audited as `asset.updated`.
#[utoipa::path(
    put,
    path = "/api/v1/assets/{asset_id}",
    tag = "governance",
    params(("asset_id" = String, Path, format = Uuid, description = "The asset's id")),
    request_body = NewAsset,
    responses((status = 200, body = Asset), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_asset(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(asset_id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<NewAsset>,
) -> ApiResult<Json<Asset>> {
    Ok(Json(
        state
            .governance()
            .update_asset(&auth.principal, asset_id, &req)
            .await?,
    ))
}

/// Imports assets from CSV (`text/csv`, ≤ 2 MiB, ≤ 5,000 rows; header `name,kind,owner,
/// classification,criticality[,location,description,controls]`, controls separated by `;`):
/// good rows land, each bad row is reported by line with its field errors (contributor and
/// above).
#[utoipa::path(
    post,
    path = "/api/v1/asset-imports",
    tag = "governance",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn import_assets(
    State(state): State<AppState>,
    auth: Auth,
    body: String,
) -> ApiResult<Json<ImportReport>> {
    Ok(Json(
        state
            .governance()
            .import_assets(&auth.principal, &body)
            .await?,
    ))
}

/// A policy's training assignments, each with whether it is overdue (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policies/{policy_id}/trainings",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    responses((status = 200, body = Items<TrainingView>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_trainings(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
) -> ApiResult<Json<Items<TrainingView>>> {
    Ok(items(
        state
            .governance()
            .trainings(&auth.principal, policy_id)
            .await?,
    ))
}

/// Assigns a training on the policy to members, all of them when `user_ids` is empty
/// (contributor and above); audited as `policy.training.assigned`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/trainings",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    request_body = AssignTraining,
    responses((status = 201, body = Items<TrainingView>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn assign_training(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
    ApiJson(req): ApiJson<AssignTraining>,
) -> ApiResult<(StatusCode, Json<Items<TrainingView>>)> {
    let made = state
        .governance()
        .assign_training(&auth.principal, policy_id, &req)
        .await?;
    Ok((StatusCode::CREATED, items(made)))
}

/// Completes a training: the assignee for themselves, or a contributor and above recording it
/// for them; bound to the policy version in force. Audited as `policy.training.completed`.
#[utoipa::path(
    post,
    path = "/api/v1/trainings/{training_id}/complete",
    tag = "governance",
    params(("training_id" = String, Path, format = Uuid, description = "The training's id")),
    responses((status = 200, body = TrainingView), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn complete_training(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(training_id): ApiPath<TrainingId>,
) -> ApiResult<Json<TrainingView>> {
    Ok(Json(
        state
            .governance()
            .complete_training(&auth.principal, training_id)
            .await?,
    ))
}

/// A policy's violations, newest first (any member).
#[utoipa::path(
    get,
    path = "/api/v1/policies/{policy_id}/violations",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    responses((status = 200, body = Items<Violation>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_violations(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
) -> ApiResult<Json<Items<Violation>>> {
    Ok(items(
        state
            .governance()
            .violations(&auth.principal, policy_id)
            .await?,
    ))
}

/// Records a violation of the policy, by hand or from a detection rule or control test
/// (contributor and above); audited as `policy.violation.recorded`.
#[utoipa::path(
    post,
    path = "/api/v1/policies/{policy_id}/violations",
    tag = "governance",
    params(("policy_id" = String, Path, format = Uuid, description = "The policy's id")),
    request_body = NewViolation,
    responses((status = 201, body = Violation), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn record_violation(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(policy_id): ApiPath<PolicyId>,
    ApiJson(req): ApiJson<NewViolation>,
) -> ApiResult<(StatusCode, Json<Violation>)> {
    let v = state
        .governance()
        .record_violation(&auth.principal, policy_id, &req)
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Resolves a violation (contributor and above); audited as `policy.violation.resolved`.
#[utoipa::path(
    post,
    path = "/api/v1/violations/{violation_id}/resolve",
    tag = "governance",
    params(("violation_id" = String, Path, format = Uuid, description = "The violation's id")),
    request_body = ResolveViolation,
    responses((status = 200, body = Violation), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn resolve_violation(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(violation_id): ApiPath<ViolationId>,
    ApiJson(req): ApiJson<ResolveViolation>,
) -> ApiResult<Json<Violation>> {
    Ok(Json(
        state
            .governance()
            .resolve_violation(&auth.principal, violation_id, &req)
            .await?,
    ))
}
