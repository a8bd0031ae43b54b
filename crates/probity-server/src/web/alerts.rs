//! The alerts page (`/audit/alerts`): what the detection rules raised, newest first, with the
//! ledger entries that triggered each, and the forms that acknowledge or resolve one with a
//! note (owners, admins and compliance managers; the service checks the role again).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::audit::detect::{Alert, AlertId, AlertStatus};
use probity_core::platform::rules::{Permission, role_allows};
use serde::Deserialize;

use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// One alert as shown.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// Id.
    pub id: String,
    /// When raised.
    pub at: String,
    /// Rule name.
    pub rule: String,
    /// Severity.
    pub severity: &'static str,
    /// What was found.
    pub summary: String,
    /// Triggering ledger indexes.
    pub indexes: Vec<u64>,
    /// Status.
    pub status: &'static str,
    /// Who handled it, when, with which note.
    pub handled: String,
}

impl From<&Alert> for AlertRow {
    fn from(a: &Alert) -> Self {
        let handled = match (&a.resolved, &a.acknowledged) {
            (Some(r), _) => format!("resolved by {} {}: {}", r.by.name, show_time(r.at), r.note),
            (None, Some(k)) => format!("acknowledged by {} {}", k.by.name, show_time(k.at)),
            (None, None) => String::new(),
        };
        Self {
            id: a.id.to_string(),
            at: show_time(a.created_at),
            rule: a.rule_name.clone(),
            severity: a.severity.as_str(),
            summary: a.detection.summary.clone(),
            indexes: a.detection.indexes.clone(),
            status: a.status.as_str(),
            handled,
        }
    }
}

#[derive(Template)]
#[template(path = "audit_alerts.html")]
struct AlertsPage {
    shell: Shell,
    rows: Vec<AlertRow>,
    open: usize,
    acknowledged: usize,
    resolved: usize,
    rules: usize,
    can_handle: bool,
    done: String,
}

/// `?done=`.
#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    #[serde(default)]
    done: String,
}

/// `GET /audit/alerts` (those who may read the audit trail).
pub async fn alerts(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<AlertsQuery>,
) -> Response {
    let detection = state.detection();
    let (alerts, rules) = match (
        detection.alerts(&who.principal, None).await,
        detection.rules(&who.principal).await,
    ) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(e), _) | (_, Err(e)) => return error_page(&e),
    };
    let count = |s: AlertStatus| alerts.iter().filter(|a| a.status == s).count();
    let role = who.principal.role;
    render(
        StatusCode::OK,
        &AlertsPage {
            shell: who.shell(Some(Section::AuditTrail), "Alerts"),
            open: count(AlertStatus::Open),
            acknowledged: count(AlertStatus::Acknowledged),
            resolved: count(AlertStatus::Resolved),
            rules: rules.len(),
            rows: alerts.iter().map(AlertRow::from).collect(),
            can_handle: role_allows(role, Permission::Audit)
                && role_allows(role, Permission::Approve),
            done: match q.done.as_str() {
                "acknowledged" => "Alert acknowledged.".to_owned(),
                "resolved" => "Alert resolved.".to_owned(),
                _ => String::new(),
            },
        },
    )
}

/// The acknowledge and resolve forms.
#[derive(Debug, Deserialize)]
pub struct HandleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// `POST /audit/alerts/{id}/ack`.
pub async fn acknowledge(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<AlertId>,
    Form(f): Form<HandleForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.detection().acknowledge(&who.principal, id).await {
        Ok(_) => see_other("/audit/alerts?done=acknowledged"),
        Err(e) => error_page(&e),
    }
}

/// `POST /audit/alerts/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<AlertId>,
    Form(f): Form<HandleForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.detection().resolve(&who.principal, id, &f.note).await {
        Ok(_) => see_other("/audit/alerts?done=resolved"),
        Err(e) => error_page(&e),
    }
}
