//! The governance pages: the tenant's policies with their acknowledgment rates and a form to
//! start one from a template; one policy with its versions, the text in force, the workflow
//! actions the viewer's role allows (each bound to the content hash shown) and its
//! acknowledgments; the risk register with heat maps and one risk with its history; exceptions
//! and one exception with the decision form bound to the linked state's hash.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::governance::vendor::{Contact, VendorFinding};
use probity_core::governance::{
    Acknowledgment, AssessmentId, AssessmentReview, Asset, Decision, ExceptionId, ExceptionKind,
    ExceptionView, ListedTemplate, NewAcknowledgment, NewAsset, NewException, NewExceptionDecision,
    NewPolicy, NewRisk, NewVendor, PolicyId, PolicyTemplate, PolicyVersion, PolicyView, Rating,
    Register, RiskCategory, RiskDetail, RiskId, SendQuestionnaire, Tier, TrainingView,
    VendorDetail, VendorId, VendorView, VersionState, Violation,
};
use probity_core::platform::rules::{Permission, role_allows};
use serde::Deserialize;

use super::charts::{Bar, ChartSize, bar_chart, heat_map};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// A policy row of the overview.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    /// The policy and its status.
    pub view: PolicyView,
    /// The latest version's number and state (`2 in review`).
    pub latest: String,
    /// Whether the viewer has yet to acknowledge the version in force.
    pub yours_to_acknowledge: bool,
    /// When the version in force is due for review, shown.
    pub review_due: String,
}

#[derive(Template)]
#[template(path = "governance.html")]
struct OverviewPage {
    shell: Shell,
    tab: Tab,
    policies: Vec<PolicyRow>,
    templates: Vec<PolicyTemplate>,
    can_write: bool,
    to_acknowledge: usize,
}

fn refused(who: &SignedIn) -> Option<Response> {
    if role_allows(who.principal.role, Permission::Read) && !who.principal.mfa_enrolment_required {
        None
    } else {
        Some(error_page(&DomainError::Forbidden(
            "your role may not see governance records".into(),
        )))
    }
}

fn me(who: &SignedIn) -> String {
    probity_core::governance::service::party(&who.principal).id
}

/// Whether `me` has an acknowledgment that covers the version in force.
fn acknowledged_by(view: &PolicyView, acks: &[Acknowledgment], me: &str) -> bool {
    view.published.is_some_and(|current| {
        acks.iter().any(|a| {
            a.by.id == me
                && probity_core::governance::rules::acknowledgment_covers(
                    &view.versions,
                    a.version,
                    current,
                )
        })
    })
}

/// `GET /governance`.
pub async fn overview(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let gov = state.governance();
    let views = match gov.policies(&who.principal).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let mine = me(&who);
    let mut policies = Vec::with_capacity(views.len());
    for view in views {
        let acks = match gov.acknowledgments(&who.principal, view.policy.id).await {
            Ok(a) => a,
            Err(e) => return error_page(&e),
        };
        let latest = view
            .versions
            .last()
            .map(|v| format!("{} {}", v.number, v.state.as_str().replace('_', " ")))
            .unwrap_or_default();
        policies.push(PolicyRow {
            yours_to_acknowledge: view.published.is_some() && !acknowledged_by(&view, &acks, &mine),
            review_due: view
                .review_due
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            latest,
            view,
        });
    }
    let templates = gov.templates(&who.principal).unwrap_or_default();
    render(
        StatusCode::OK,
        &OverviewPage {
            shell: who.shell(Some(Section::Governance), "Governance"),
            tab: Tab::Policies,
            to_acknowledge: policies.iter().filter(|p| p.yours_to_acknowledge).count(),
            policies,
            templates,
            can_write: role_allows(who.principal.role, Permission::Write),
        },
    )
}

/// The new-policy form.
#[derive(Debug, Deserialize)]
pub struct NewPolicyForm {
    csrf: String,
    key: String,
    template: String,
    owner: String,
    #[serde(default)]
    required_approvals: Option<u32>,
}

/// `POST /governance/policies`.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewPolicyForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let req = NewPolicy {
        key: f.key,
        title: None,
        kind: None,
        owner: f.owner,
        template: Some(f.template),
        content: None,
        control_ids: None,
        requirement_ids: Vec::new(),
        required_approvals: f.required_approvals,
        review_months: None,
        values: Default::default(),
    };
    match state.governance().create_policy(&who.principal, &req).await {
        Ok(v) => see_other(&format!("/governance/policies/{}", v.policy.id)),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "governance_policy.html")]
struct PolicyPage {
    shell: Shell,
    tab: Tab,
    view: PolicyView,
    /// The version in force, else the latest.
    shown: Option<PolicyVersion>,
    acks: Vec<Acknowledgment>,
    can_write: bool,
    can_approve: bool,
    acknowledged: bool,
    me: String,
    done: String,
    html: String,
    trainings: Vec<TrainingView>,
    violations: Vec<Violation>,
}

/// `?done=` after an action.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /governance/policies/{id}`.
pub async fn policy(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<PolicyId>,
    Query(q): Query<DoneQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let gov = state.governance();
    let view = match gov.policy(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let acks = match gov.acknowledgments(&who.principal, id).await {
        Ok(a) => a,
        Err(e) => return error_page(&e),
    };
    let mine = me(&who);
    let shown = view
        .versions
        .iter()
        .find(|v| v.state == VersionState::Published)
        .or(view.versions.last())
        .cloned();
    let trainings = gov.trainings(&who.principal, id).await.unwrap_or_default();
    let violations = gov.violations(&who.principal, id).await.unwrap_or_default();
    let shown_html = shown
        .as_ref()
        .map(|v| super::markdown::to_html(&v.content))
        .unwrap_or_default();
    let done = match q.done.as_deref() {
        Some("submit") => "Submitted for review.",
        Some("approve") => "Approved. Your approval is bound to this version's content hash.",
        Some("publish") => "Published: this version is in force and the one before it retired.",
        Some("acknowledge") => {
            "Acknowledged. Your acknowledgment is bound to this version's content hash."
        }
        _ => "",
    };
    render(
        StatusCode::OK,
        &PolicyPage {
            shell: who.shell(Some(Section::Governance), &view.policy.title),
            tab: Tab::Policies,
            acknowledged: acknowledged_by(&view, &acks, &mine),
            can_write: role_allows(who.principal.role, Permission::Write),
            can_approve: role_allows(who.principal.role, Permission::Approve),
            shown,
            acks,
            view,
            me: mine,
            done: done.to_owned(),
            html: shown_html,
            trainings,
            violations,
        },
    )
}

/// A workflow action's form: the content hash the viewer saw.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: String,
    #[serde(default)]
    content_hash: String,
}

/// `POST /governance/policies/{id}/versions/{number}/{action}` (submit, approve, publish).
pub async fn act(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, number, action)): Path<(PolicyId, u32, String)>,
    Form(f): Form<ActionForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let gov = state.governance();
    let decision = Decision {
        content_hash: f.content_hash,
    };
    let result = match action.as_str() {
        "submit" => gov.submit(&who.principal, id, number).await,
        "approve" => gov.approve(&who.principal, id, number, &decision).await,
        "publish" => gov.publish(&who.principal, id, number, &decision).await,
        _ => Err(DomainError::NotFound(format!("action {action}"))),
    };
    match result {
        Ok(_) => see_other(&format!("/governance/policies/{id}?done={action}")),
        Err(e) => error_page(&e),
    }
}

/// `POST /governance/policies/{id}/acknowledge`.
pub async fn acknowledge(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<PolicyId>,
    Form(f): Form<ActionForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let req = NewAcknowledgment {
        content_hash: f.content_hash,
    };
    match state
        .governance()
        .acknowledge(&who.principal, id, &req, "web")
        .await
    {
        Ok(_) => see_other(&format!("/governance/policies/{id}?done=acknowledge")),
        Err(e) => error_page(&e),
    }
}

/// The governance sub-navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Policies.
    Policies,
    /// The risk register.
    Risks,
    /// Exceptions and risk acceptances.
    Exceptions,
    /// Vendors.
    Vendors,
    /// The asset inventory.
    Assets,
}

#[derive(Template)]
#[template(path = "governance_risks.html")]
struct RisksPage {
    shell: Shell,
    tab: Tab,
    register: Register,
    residual_svg: String,
    inherent_svg: String,
    can_write: bool,
    categories: Vec<&'static str>,
    likelihood: Vec<(u32, String)>,
    impact: Vec<(u32, String)>,
    exceeding: usize,
    overdue: usize,
}

fn numbered(labels: &[String]) -> Vec<(u32, String)> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l.clone()))
        .collect()
}

/// The register's residual (or inherent) heat map on the tenant's matrix.
fn register_heat_map(register: &Register, residual: bool) -> String {
    let m = &register.settings.matrix;
    let (grid, which) = if residual {
        (&register.residual_heat_map, "residual")
    } else {
        (&register.inherent_heat_map, "inherent")
    };
    heat_map(
        grid,
        &m.likelihood,
        &m.impact,
        &|score| m.level(score),
        &format!("Open risks by {which} likelihood and impact"),
    )
}

/// `GET /governance/risks`.
pub async fn risks(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let register = match state.governance().risks(&who.principal).await {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let residual_svg = register_heat_map(&register, true);
    let inherent_svg = register_heat_map(&register, false);
    let matrix = register.settings.matrix.clone();
    render(
        StatusCode::OK,
        &RisksPage {
            shell: who.shell(Some(Section::Governance), "Risk register"),
            tab: Tab::Risks,
            exceeding: register.items.iter().filter(|r| r.exceeds_appetite).count(),
            overdue: register.items.iter().filter(|r| r.review_overdue).count(),
            likelihood: numbered(&matrix.likelihood),
            impact: numbered(&matrix.impact),
            categories: RiskCategory::ALL.iter().map(|c| c.as_str()).collect(),
            residual_svg,
            inherent_svg,
            register,
            can_write: role_allows(who.principal.role, Permission::Write),
        },
    )
}

/// The new-risk form.
#[derive(Debug, Deserialize)]
pub struct NewRiskForm {
    csrf: String,
    title: String,
    category: String,
    owner: String,
    likelihood: u32,
    impact: u32,
    #[serde(default)]
    threat: String,
    #[serde(default)]
    controls: String,
}

/// `POST /governance/risks`.
pub async fn create_risk(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewRiskForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let Some(category) = RiskCategory::ALL
        .iter()
        .find(|c| c.as_str() == f.category)
        .copied()
    else {
        return error_page(&DomainError::invalid(
            "category",
            "choose a listed category",
        ));
    };
    let req = NewRisk {
        title: f.title,
        description: String::new(),
        category,
        owner: f.owner,
        assets: Vec::new(),
        threat: f.threat,
        vulnerability: String::new(),
        inherent: Rating {
            likelihood: f.likelihood,
            impact: f.impact,
        },
        residual: None,
        treatment: None,
        treatment_plan: String::new(),
        control_ids: f
            .controls
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_uppercase)
            .collect(),
        business_impact: None,
        review_months: None,
    };
    match state.governance().create_risk(&who.principal, &req).await {
        Ok(v) => see_other(&format!("/governance/risks/{}", v.risk.id)),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "governance_risk.html")]
struct RiskPage {
    shell: Shell,
    tab: Tab,
    detail: RiskDetail,
    likelihood_label: String,
    impact_label: String,
    residual_label: String,
    history_svg: String,
    can_write: bool,
    reviewed: bool,
}

/// `?reviewed=1` after a review.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewedQuery {
    #[serde(default)]
    reviewed: Option<String>,
}

fn label(labels: &[String], n: u32) -> String {
    usize::try_from(n.saturating_sub(1))
        .ok()
        .and_then(|i| labels.get(i))
        .cloned()
        .unwrap_or_else(|| n.to_string())
}

/// `GET /governance/risks/{id}`.
pub async fn risk(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RiskId>,
    Query(q): Query<ReviewedQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let gov = state.governance();
    let detail = match gov.risk(&who.principal, id).await {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    let settings = match gov.risk_settings(&who.principal).await {
        Ok(s) => s,
        Err(e) => return error_page(&e),
    };
    let m = &settings.matrix;
    let bars: Vec<Bar> = detail
        .history
        .iter()
        .map(|p| Bar {
            label: p.at.format("%m-%d").to_string(),
            value: u64::from(p.residual),
            title: format!(
                "{}: version {}, inherent {}, residual {}",
                show_time(p.at),
                p.version,
                p.inherent,
                p.residual
            ),
        })
        .collect();
    render(
        StatusCode::OK,
        &RiskPage {
            shell: who.shell(Some(Section::Governance), &detail.view.risk.title),
            tab: Tab::Risks,
            likelihood_label: label(&m.likelihood, detail.view.risk.inherent.likelihood),
            impact_label: label(&m.impact, detail.view.risk.inherent.impact),
            residual_label: format!(
                "{} × {}",
                label(&m.likelihood, detail.view.residual_rating.likelihood),
                label(&m.impact, detail.view.residual_rating.impact)
            ),
            history_svg: bar_chart(
                &bars,
                ChartSize {
                    width: 420,
                    height: 140,
                },
                "Residual score at each change and review",
            ),
            can_write: role_allows(who.principal.role, Permission::Write),
            reviewed: q.reviewed.is_some(),
            detail,
        },
    )
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /governance/risks/{id}/review`.
pub async fn review_risk(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RiskId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.governance().review_risk(&who.principal, id).await {
        Ok(_) => see_other(&format!("/governance/risks/{id}?reviewed=1")),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "governance_exceptions.html")]
struct ExceptionsPage {
    shell: Shell,
    tab: Tab,
    exceptions: Vec<ExceptionView>,
    risks: Vec<(String, String)>,
    can_write: bool,
    default_expiry: String,
}

/// `GET /governance/exceptions`.
pub async fn exceptions(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let gov = state.governance();
    let exceptions = match gov.exceptions(&who.principal).await {
        Ok(e) => e,
        Err(e) => return error_page(&e),
    };
    let risks = match gov.risks(&who.principal).await {
        Ok(r) => r
            .items
            .into_iter()
            .map(|v| {
                (
                    v.risk.id.to_string(),
                    format!("{} {}", v.risk.reference, v.risk.title),
                )
            })
            .collect(),
        Err(e) => return error_page(&e),
    };
    let default_expiry = (state.platform().clock().now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    render(
        StatusCode::OK,
        &ExceptionsPage {
            shell: who.shell(Some(Section::Governance), "Exceptions"),
            tab: Tab::Exceptions,
            exceptions,
            risks,
            can_write: role_allows(who.principal.role, Permission::Write),
            default_expiry,
        },
    )
}

/// The exception request form.
#[derive(Debug, Deserialize)]
pub struct NewExceptionForm {
    csrf: String,
    kind: String,
    title: String,
    scope: String,
    justification: String,
    #[serde(default)]
    compensating_controls: String,
    expires: String,
    #[serde(default)]
    risk: String,
}

/// `POST /governance/exceptions`.
pub async fn request_exception(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewExceptionForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let kind = match f.kind.as_str() {
        "risk_acceptance" => ExceptionKind::RiskAcceptance,
        "policy_exception" => ExceptionKind::PolicyException,
        _ => return error_page(&DomainError::invalid("kind", "choose a listed kind")),
    };
    let Some(expires_at) = chrono::NaiveDate::parse_from_str(f.expires.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
    else {
        return error_page(&DomainError::invalid(
            "expires",
            "give a date as YYYY-MM-DD",
        ));
    };
    let risk_ids = match f.risk.trim() {
        "" => Vec::new(),
        r => match r.parse::<RiskId>() {
            Ok(id) => vec![id],
            Err(_) => return error_page(&DomainError::invalid("risk", "choose a listed risk")),
        },
    };
    let req = NewException {
        kind,
        title: f.title,
        scope: f.scope,
        justification: f.justification,
        compensating_controls: f.compensating_controls,
        control_ids: Vec::new(),
        policy_ids: Vec::new(),
        risk_ids,
        expires_at,
    };
    match state
        .governance()
        .request_exception(&who.principal, &req)
        .await
    {
        Ok(v) => see_other(&format!("/governance/exceptions/{}", v.exception.id)),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "governance_exception.html")]
struct ExceptionPage {
    shell: Shell,
    tab: Tab,
    view: ExceptionView,
    status: &'static str,
    can_decide: bool,
    is_requester: bool,
    done: String,
}

/// `GET /governance/exceptions/{id}`.
pub async fn exception(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ExceptionId>,
    Query(q): Query<DoneQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let view = match state.governance().exception(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let done = match q.done.as_deref() {
        Some("approve") => "Approved. The decision keeps the linked state it was made on.",
        Some("reject") => "Rejected.",
        Some("revoke") => "Revoked.",
        _ => "",
    };
    render(
        StatusCode::OK,
        &ExceptionPage {
            shell: who.shell(Some(Section::Governance), &view.exception.title),
            tab: Tab::Exceptions,
            status: view.status.as_str(),
            can_decide: role_allows(who.principal.role, Permission::Approve),
            is_requester: view.exception.requested_by.id == me(&who),
            view,
            done: done.to_owned(),
        },
    )
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    rationale: String,
    snapshot_hash: String,
}

/// `POST /governance/exceptions/{id}/decision`.
pub async fn decide_exception(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ExceptionId>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let approve = f.decision == "approve";
    let req = NewExceptionDecision {
        approve,
        rationale: f.rationale,
        snapshot_hash: f.snapshot_hash,
    };
    match state
        .governance()
        .decide_exception(&who.principal, id, &req)
        .await
    {
        Ok(_) => see_other(&format!(
            "/governance/exceptions/{id}?done={}",
            if approve { "approve" } else { "reject" }
        )),
        Err(e) => error_page(&e),
    }
}

/// `POST /governance/exceptions/{id}/revoke`.
pub async fn revoke_exception(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ExceptionId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state
        .governance()
        .revoke_exception(&who.principal, id)
        .await
    {
        Ok(_) => see_other(&format!("/governance/exceptions/{id}?done=revoke")),
        Err(e) => error_page(&e),
    }
}

/// The dashboard's risk widget.
#[derive(Debug, Clone)]
pub struct RiskWidget {
    /// The residual heat map.
    pub svg: String,
    /// Open risks.
    pub open: usize,
    /// Open risks above appetite.
    pub above_appetite: usize,
    /// Reviews overdue.
    pub overdue: usize,
    /// Approved exceptions that no longer bind (invalidated or past expiry).
    pub lapsed_exceptions: usize,
}

/// Loads the dashboard's risk widget.
pub async fn risk_widget(state: &AppState, who: &SignedIn) -> Result<RiskWidget, DomainError> {
    let gov = state.governance();
    let register = gov.risks(&who.principal).await?;
    let lapsed_exceptions = gov
        .exceptions(&who.principal)
        .await?
        .iter()
        .filter(|e| {
            e.exception.state.as_str() == "approved"
                && matches!(e.status.as_str(), "invalidated" | "expired")
        })
        .count();
    Ok(RiskWidget {
        svg: register_heat_map(&register, true),
        open: register
            .items
            .iter()
            .filter(|r| r.risk.status.as_str() == "open")
            .count(),
        above_appetite: register.items.iter().filter(|r| r.exceeds_appetite).count(),
        overdue: register.items.iter().filter(|r| r.review_overdue).count(),
        lapsed_exceptions,
    })
}

#[derive(Template)]
#[template(path = "governance_vendors.html")]
struct VendorsPage {
    shell: Shell,
    tab: Tab,
    vendors: Vec<VendorView>,
    can_write: bool,
}

/// `GET /governance/vendors`.
pub async fn vendors(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    match state.governance().vendors(&who.principal).await {
        Ok(vendors) => render(
            StatusCode::OK,
            &VendorsPage {
                shell: who.shell(Some(Section::Governance), "Vendors"),
                tab: Tab::Vendors,
                vendors,
                can_write: role_allows(who.principal.role, Permission::Write),
            },
        ),
        Err(e) => error_page(&e),
    }
}

/// The new-vendor form.
#[derive(Debug, Deserialize)]
pub struct NewVendorForm {
    csrf: String,
    name: String,
    services: String,
    data_access: String,
    tier: String,
    owner: String,
    contact_name: String,
    contact_email: String,
}

/// `POST /governance/vendors`.
pub async fn create_vendor(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewVendorForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let tier = match f.tier.as_str() {
        "critical" => Tier::Critical,
        "high" => Tier::High,
        "medium" => Tier::Medium,
        "low" => Tier::Low,
        _ => return error_page(&DomainError::invalid("tier", "choose a listed tier")),
    };
    let req = NewVendor {
        name: f.name,
        services: f.services,
        data_access: f.data_access,
        tier,
        owner: f.owner,
        contacts: vec![Contact {
            name: f.contact_name,
            email: f.contact_email,
            role: String::new(),
        }],
        contract_start: None,
        contract_end: None,
        dpa_signed: None,
        subprocessors: Vec::new(),
        documents: Vec::new(),
    };
    match state.governance().create_vendor(&who.principal, &req).await {
        Ok(v) => see_other(&format!("/governance/vendors/{}", v.vendor.id)),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "governance_vendor.html")]
struct VendorPage {
    shell: Shell,
    tab: Tab,
    detail: VendorDetail,
    templates: Vec<ListedTemplate>,
    can_write: bool,
    can_review: bool,
    /// A link just created (shown once).
    link: Option<String>,
}

/// `GET /governance/vendors/{id}`.
pub async fn vendor(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<VendorId>,
) -> Response {
    vendor_page(&state, &who, id, None).await
}

async fn vendor_page(
    state: &AppState,
    who: &SignedIn,
    id: VendorId,
    link: Option<String>,
) -> Response {
    if let Some(r) = refused(who) {
        return r;
    }
    let gov = state.governance();
    match gov.vendor(&who.principal, id).await {
        Ok(detail) => render(
            StatusCode::OK,
            &VendorPage {
                shell: who.shell(Some(Section::Governance), &detail.view.vendor.name),
                tab: Tab::Vendors,
                templates: gov
                    .questionnaire_templates(&who.principal)
                    .await
                    .unwrap_or_default(),
                can_write: role_allows(who.principal.role, Permission::Write),
                can_review: role_allows(who.principal.role, Permission::Approve),
                detail,
                link,
            },
        ),
        Err(e) => error_page(&e),
    }
}

/// The send-questionnaire form.
#[derive(Debug, Deserialize)]
pub struct SendForm {
    csrf: String,
    template: String,
    contact_email: String,
}

/// `POST /governance/vendors/{id}/questionnaires`: answers with the vendor page showing the
/// new link once (it is not stored and cannot be shown again).
pub async fn send_questionnaire(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<VendorId>,
    Form(f): Form<SendForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let req = SendQuestionnaire {
        template: f.template,
        contact_email: f.contact_email,
        days_valid: None,
    };
    match state
        .governance()
        .send_questionnaire(&who.principal, id, &req)
        .await
    {
        Ok(sent) => {
            let link = format!(
                "{}://{}{}",
                if state.http().secure_cookies {
                    "https"
                } else {
                    "http"
                },
                state.http().public_host,
                sent.link
            );
            vendor_page(&state, &who, id, Some(link)).await
        }
        Err(e) => error_page(&e),
    }
}

/// The review form: one optional finding.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    csrf: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    remediation: String,
}

/// `POST /governance/vendors/{id}/assessments/{assessment}/review`.
pub async fn review_assessment(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, assessment)): Path<(VendorId, AssessmentId)>,
    Form(f): Form<ReviewForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let findings = if f.finding.trim().is_empty() {
        Vec::new()
    } else {
        vec![VendorFinding {
            title: f.finding,
            severity: f.severity,
            remediation: f.remediation,
            due: None,
        }]
    };
    match state
        .governance()
        .review_assessment(&who.principal, assessment, &AssessmentReview { findings })
        .await
    {
        Ok(_) => see_other(&format!("/governance/vendors/{id}")),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "governance_assets.html")]
struct AssetsPage {
    shell: Shell,
    tab: Tab,
    assets: Vec<Asset>,
    can_write: bool,
    kinds: Vec<&'static str>,
    classifications: Vec<&'static str>,
    criticalities: Vec<&'static str>,
}

/// `GET /governance/assets`.
pub async fn assets(State(state): State<AppState>, who: SignedIn) -> Response {
    use probity_core::governance::asset::{CLASSIFICATIONS, CRITICALITIES, KINDS};
    if let Some(r) = refused(&who) {
        return r;
    }
    match state.governance().assets(&who.principal).await {
        Ok(assets) => render(
            StatusCode::OK,
            &AssetsPage {
                shell: who.shell(Some(Section::Governance), "Assets"),
                tab: Tab::Assets,
                assets,
                can_write: role_allows(who.principal.role, Permission::Write),
                kinds: KINDS.to_vec(),
                classifications: CLASSIFICATIONS.to_vec(),
                criticalities: CRITICALITIES.to_vec(),
            },
        ),
        Err(e) => error_page(&e),
    }
}

/// The new-asset form.
#[derive(Debug, Deserialize)]
pub struct NewAssetForm {
    csrf: String,
    name: String,
    kind: String,
    owner: String,
    classification: String,
    criticality: String,
    #[serde(default)]
    location: String,
}

/// `POST /governance/assets`.
pub async fn create_asset(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewAssetForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let req = NewAsset {
        name: f.name,
        kind: f.kind,
        owner: f.owner,
        classification: f.classification,
        criticality: f.criticality,
        location: f.location,
        ..NewAsset::default()
    };
    match state.governance().create_asset(&who.principal, &req).await {
        Ok(_) => see_other("/governance/assets"),
        Err(e) => error_page(&e),
    }
}
