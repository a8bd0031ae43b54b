//! The governance pages: the tenant's policies with their acknowledgment rates and a form to
//! start one from a template; one policy with its versions, the text in force, the workflow
//! actions the viewer's role allows (each bound to the content hash shown) and its
//! acknowledgments.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::governance::{
    Acknowledgment, Decision, NewAcknowledgment, NewPolicy, PolicyId, PolicyTemplate,
    PolicyVersion, PolicyView, VersionState,
};
use probity_core::platform::rules::{Permission, role_allows};
use serde::Deserialize;

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
    who.principal
        .user_id
        .map_or_else(|| who.principal.actor.id.clone(), |u| format!("user:{u}"))
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
            review_due: view.review_due.map(show_time).unwrap_or_default(),
            latest,
            view,
        });
    }
    let templates = gov.templates(&who.principal).unwrap_or_default();
    render(
        StatusCode::OK,
        &OverviewPage {
            shell: who.shell(Some(Section::Governance), "Governance"),
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
        required_approvals: f.required_approvals,
        review_months: None,
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
    view: PolicyView,
    /// The version in force, else the latest.
    shown: Option<PolicyVersion>,
    acks: Vec<Acknowledgment>,
    can_write: bool,
    can_approve: bool,
    acknowledged: bool,
    me: String,
    done: String,
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
            acknowledged: acknowledged_by(&view, &acks, &mine),
            can_write: role_allows(who.principal.role, Permission::Write),
            can_approve: role_allows(who.principal.role, Permission::Approve),
            shown,
            acks,
            view,
            me: mine,
            done: done.to_owned(),
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
