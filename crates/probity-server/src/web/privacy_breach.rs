//! The breach page (its clocks, notifications and timeline, with the form that records a
//! notification) and the `/privacy` form that registers a breach; each calls the
//! `PrivacyService` use case the API calls.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::privacy::{BreachId, NewBreach, NewNotification, RecipientKind, Regime};

use super::privacy::{ClockRow, clock_rows};
use super::privacy_forms::{Fields, TimelineRow, count, instant, required, version, wire};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

fn breach_input(f: &Fields) -> Result<NewBreach, DomainError> {
    let regimes = f
        .all("regimes")
        .iter()
        .map(|r| wire("regimes", r))
        .collect::<Result<Vec<Regime>, _>>()?;
    Ok(NewBreach {
        title: f.one("title").to_owned(),
        discovered_at: required(
            "discovered_at",
            instant("discovered_at", f.one("discovered_at"))?,
        )?,
        aware_at: required("aware_at", instant("aware_at", f.one("aware_at"))?)?,
        nature: f.one("nature").to_owned(),
        data_categories: f
            .one("data_categories")
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        approx_subjects: count("approx_subjects", f.one("approx_subjects"))?,
        approx_records: count("approx_records", f.one("approx_records"))?,
        consequences: f.one("consequences").to_owned(),
        measures: f.one("measures").to_owned(),
        regimes,
    })
}

/// `POST /privacy/breaches`: registers a breach.
pub async fn create_breach(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let req = breach_input(&f);
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state.privacy().create_breach(&who.principal, &req).await {
        Ok(v) => see_other(&format!("/privacy/breaches/{}", v.breach.id)),
        Err(e) => error_page(&e),
    }
}

/// A notification as the breach page lists it.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    /// `supervisory authority`.
    pub recipient: String,
    /// `CNIL`, or empty.
    pub name: String,
    /// When it went out.
    pub at: String,
    /// Their reference, or empty.
    pub reference: String,
    /// Phase number for the recipient.
    pub phase: u32,
    /// Why it was late, or empty.
    pub late_reason: String,
}

#[derive(Template)]
#[template(path = "privacy_breach.html")]
struct BreachPage {
    shell: Shell,
    id: String,
    reference: String,
    title: String,
    facts: Vec<(&'static str, String)>,
    clocks: Vec<ClockRow>,
    notifications: Vec<NotificationRow>,
    timeline: Vec<TimelineRow>,
    version: u32,
    can_write: bool,
    recipients: Vec<(&'static str, String)>,
}

fn or_unknown(n: Option<u64>) -> String {
    n.map_or_else(|| "unknown".to_owned(), |n| format!("about {n}"))
}

/// `GET /privacy/breaches/{id}`: one breach with its clocks, notifications and timeline.
pub async fn breach(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<BreachId>,
) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Privacy) {
        return r;
    }
    let v = match state.privacy().breach(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let b = &v.breach;
    let text = |s: &str| {
        if s.is_empty() {
            "none recorded".to_owned()
        } else {
            s.to_owned()
        }
    };
    render(
        StatusCode::OK,
        &BreachPage {
            shell: who.shell(Some(Section::Privacy), &format!("Breach {}", b.reference)),
            id: b.id.to_string(),
            reference: b.reference.clone(),
            title: b.title.clone(),
            facts: vec![
                ("Discovered", show_time(b.discovered_at)),
                ("Aware (clocks start)", show_time(b.aware_at)),
                (
                    "Regimes",
                    b.regimes
                        .iter()
                        .map(|r| r.as_str().to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                ("Nature", b.nature.clone()),
                ("Data categories", text(&b.data_categories.join(", "))),
                ("Subjects", or_unknown(b.approx_subjects)),
                ("Records", or_unknown(b.approx_records)),
                ("Likely consequences", text(&b.consequences)),
                ("Measures taken", text(&b.measures)),
            ],
            clocks: clock_rows(&v),
            notifications: b
                .notifications
                .iter()
                .map(|n| NotificationRow {
                    recipient: n.recipient.as_str().replace('_', " "),
                    name: n.recipient_name.clone().unwrap_or_default(),
                    at: show_time(n.notified_at),
                    reference: n.reference.clone().unwrap_or_default(),
                    phase: n.phase,
                    late_reason: n.late_reason.clone().unwrap_or_default(),
                })
                .collect(),
            timeline: b
                .timeline
                .iter()
                .map(|t| TimelineRow {
                    at: show_time(t.at),
                    what: t.what.clone(),
                    by: t.by.name.clone(),
                    reason: String::new(),
                })
                .collect(),
            version: b.version,
            can_write: role_allows(who.principal.role, Permission::Write),
            recipients: RecipientKind::ALL
                .iter()
                .map(|r| (r.as_str(), r.as_str().replace('_', " ")))
                .collect(),
        },
    )
}

fn notification_input(f: &Fields) -> Result<NewNotification, DomainError> {
    let optional = |name: &str| {
        let v = f.one(name);
        (!v.is_empty()).then(|| v.to_owned())
    };
    Ok(NewNotification {
        recipient: wire("recipient", f.one("recipient"))?,
        recipient_name: optional("recipient_name"),
        notified_at: instant("notified_at", f.one("notified_at"))?,
        reference: optional("reference"),
        late_reason: optional("late_reason"),
        version: version(f.one("version")),
    })
}

/// `POST /privacy/breaches/{id}/notifications`: records a notification sent.
pub async fn notify(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<BreachId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let req = notification_input(&f);
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state
        .privacy()
        .notify_breach(&who.principal, id, &req)
        .await
    {
        Ok(_) => see_other(&format!("/privacy/breaches/{id}")),
        Err(e) => error_page(&e),
    }
}
