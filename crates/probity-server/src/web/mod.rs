//! The web UI: server-rendered HTML pages (askama templates in `templates/`, SVG charts drawn
//! in Rust) over the same services, session cookies and CSRF key as the JSON API, plus the
//! embedded stylesheet and script. Pages get a strict Content-Security-Policy (no inline
//! script or style); every form carries a CSRF token; the pages work without JavaScript.

mod alerts;
pub mod assets;
pub mod assurance;
mod assurance_forms;
mod audit_event;
pub use probity_report::charts;
pub mod calendar;
mod compliance;
mod form;
mod governance;
mod login;
mod markdown;
mod pages;
mod privacy;
mod privacy_breach;
mod privacy_consent;
mod privacy_dpia;
mod privacy_forms;
mod reports;
mod respond;
mod service_levels;
pub mod session;
mod support;
pub mod view;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use probity_core::DomainError;

use crate::state::AppState;

/// Cookie naming the tenant (slug) the web pages act in; membership is checked on every
/// request and the session's sign-in tenant is used when it fails (ADR 0006).
pub const TENANT_COOKIE: &str = "probity_tenant";

/// Cookie holding the random value the sign-in form's CSRF token is bound to (there is no
/// session yet when the form is shown).
pub const LOGIN_CSRF_COOKIE: &str = "probity_login";

/// The Content-Security-Policy of HTML pages: our own script, style and images only, no inline
/// code, no framing, forms post only here.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The routes of the web UI (mounted at `/` next to `/api/v1`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/tenants/switch", post(login::switch_tenant))
        .route("/audit", get(pages::audit_trail))
        .route("/audit/stream", get(pages::audit_stream))
        .route("/audit/events/{index}", get(audit_event::event))
        .route(
            "/audit/events/{index}/tlog-proof",
            get(audit_event::tlog_proof),
        )
        .route("/audit/alerts", get(alerts::alerts))
        .route("/audit/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/audit/alerts/{id}/resolve", post(alerts::resolve))
        .route("/ledger", get(pages::ledger))
        .route("/compliance", get(compliance::overview))
        .route("/compliance/frameworks/{id}", get(compliance::framework))
        .route("/compliance/controls", get(compliance::controls))
        .route(
            "/compliance/controls/{id}",
            get(compliance::control).post(compliance::update_control),
        )
        .route("/compliance/compare", get(compliance::compare))
        .route("/compliance/diff", get(compliance::diff))
        .route("/compliance/imports/{id}", get(compliance::import))
        .route("/compliance/gaps", get(assurance::gaps))
        .route(
            "/assessments",
            get(assurance::assessments).post(assurance_forms::create_assessment),
        )
        .route("/assessments/{id}", get(assurance::assessment))
        .route("/assessments/{id}/results", post(assurance::record_result))
        .route("/assessments/{id}/sign-off", post(assurance::sign_off))
        .route("/assessments/{id}/versions", post(assurance::new_version))
        .route(
            "/assessments/{id}/controls",
            post(assurance_forms::record_control),
        )
        .route(
            "/assessments/{id}/findings",
            post(assurance_forms::add_finding),
        )
        .route(
            "/assessments/{id}/findings/{finding}",
            post(assurance_forms::update_finding),
        )
        .route(
            "/evidence",
            get(assurance::evidence_list)
                .post(assurance_forms::upload_evidence)
                .layer(axum::extract::DefaultBodyLimit::max(
                    assurance_forms::EVIDENCE_FORM_LIMIT,
                )),
        )
        .route(
            "/evidence/{id}",
            get(assurance::evidence).post(assurance_forms::update_evidence),
        )
        .route(
            "/evidence/{id}/versions",
            post(assurance_forms::upload_version).layer(axum::extract::DefaultBodyLimit::max(
                assurance_forms::EVIDENCE_FORM_LIMIT,
            )),
        )
        .route("/evidence-freezes", post(assurance_forms::freeze))
        .route(
            "/decision-policies",
            post(assurance_forms::put_decision_policy),
        )
        .route(
            "/decision-policies/{key}/decide",
            post(assurance_forms::decide),
        )
        .route(
            "/control-tests",
            get(assurance::control_tests).post(assurance_forms::create_control_test),
        )
        .route(
            "/control-tests/starter-pack",
            post(assurance::install_starter_pack),
        )
        .route(
            "/control-tests/{id}",
            get(assurance::control_test).post(assurance_forms::update_control_test),
        )
        .route("/control-tests/{id}/run", post(assurance::run_control_test))
        .route(
            "/respond/{token}",
            get(respond::form)
                .post(respond::submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    respond::RESPOND_BODY_LIMIT,
                )),
        )
        .route("/governance", get(governance::overview))
        .route(
            "/governance/assets",
            get(governance::assets).post(governance::create_asset),
        )
        .route(
            "/governance/vendors",
            get(governance::vendors).post(governance::create_vendor),
        )
        .route("/governance/vendors/{id}", get(governance::vendor))
        .route(
            "/governance/vendors/{id}/questionnaires",
            post(governance::send_questionnaire),
        )
        .route(
            "/governance/vendors/{id}/assessments/{assessment}/review",
            post(governance::review_assessment),
        )
        .route("/governance/policies", post(governance::create))
        .route("/governance/policies/{id}", get(governance::policy))
        .route(
            "/governance/policies/{id}/versions/{number}/{action}",
            post(governance::act),
        )
        .route(
            "/governance/policies/{id}/acknowledge",
            post(governance::acknowledge),
        )
        .route(
            "/governance/risks",
            get(governance::risks).post(governance::create_risk),
        )
        .route("/governance/risks/{id}", get(governance::risk))
        .route(
            "/governance/risks/{id}/review",
            post(governance::review_risk),
        )
        .route(
            "/governance/exceptions",
            get(governance::exceptions).post(governance::request_exception),
        )
        .route("/governance/exceptions/{id}", get(governance::exception))
        .route(
            "/governance/exceptions/{id}/decision",
            post(governance::decide_exception),
        )
        .route(
            "/governance/exceptions/{id}/revoke",
            post(governance::revoke_exception),
        )
        .route("/privacy", get(privacy::page))
        .route("/privacy/requests", post(privacy_forms::create_request))
        .route("/privacy/requests/{id}", get(privacy_forms::request))
        .route(
            "/privacy/requests/{id}/transition",
            post(privacy_forms::transition),
        )
        .route("/privacy/requests/{id}/extend", post(privacy_forms::extend))
        .route("/privacy/breaches", post(privacy_breach::create_breach))
        .route("/privacy/breaches/{id}", get(privacy_breach::breach))
        .route(
            "/privacy/breaches/{id}/notifications",
            post(privacy_breach::notify),
        )
        .route("/privacy/activities", post(privacy_forms::create_activity))
        .route("/privacy/dpias", post(privacy_dpia::create))
        .route(
            "/privacy/dpias/{id}",
            get(privacy_dpia::page).post(privacy_dpia::update),
        )
        .route("/privacy/dpias/{id}/submit", post(privacy_dpia::submit))
        .route("/privacy/dpias/{id}/decision", post(privacy_dpia::decide))
        .route("/privacy/consent", get(privacy_consent::subject))
        .route(
            "/privacy/consent/purposes",
            post(privacy_consent::create_purpose),
        )
        .route("/privacy/consent/events", post(privacy_consent::record))
        .route(
            "/privacy/consent/import",
            post(privacy_consent::import).layer(axum::extract::DefaultBodyLimit::max(
                privacy_consent::IMPORT_FORM_LIMIT,
            )),
        )
        .route(
            "/privacy/retention-schedules",
            post(privacy_consent::create_schedule),
        )
        .route(
            "/privacy/retention-schedules/{id}/active",
            post(privacy_consent::set_active),
        )
        .route(
            "/privacy/retention-schedules/{id}/run",
            post(privacy_consent::run),
        )
        .route("/support", get(support::page).post(support::create))
        .route("/support/{id}", get(support::ticket))
        .route("/support/{id}/responses", post(support::respond))
        .route("/support/{id}/notes", post(support::note))
        .route("/support/{id}/status", post(support::status))
        .route("/reports", get(reports::reports).post(reports::generate))
        .route("/reports/{id}", get(reports::report))
        .route("/reports/{id}/file", get(reports::file))
        .route("/service-levels", get(service_levels::board))
        .route("/service-levels/{id}", get(service_levels::slo))
        .route(
            "/service-levels/violations/{id}/acknowledge",
            post(service_levels::acknowledge),
        )
        .route(
            "/service-levels/credits/{id}/decision",
            post(service_levels::decide_credit),
        )
        .route("/calendar", get(calendar::agenda))
        .route("/calendar/feeds", post(calendar::create_feed))
        .route("/calendar/feeds/{id}/revoke", post(calendar::revoke_feed))
        .route("/settings", get(pages::settings))
        .route("/static/{file}", get(assets::serve))
}

/// An HTML answer with the page CSP; pages are never cached (the API's `no-store` applies).
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

/// Renders `template` with `status`; a rendering failure is logged and answered with a plain
/// error page.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>The page could not be shown.</p>".to_owned(),
            )
        }
    }
}

/// `303 See Other` to `location` (a local path).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A page for anything that is not a page: what happened and where to go next.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    heading: &'static str,
    message: String,
    css: &'static str,
    icon: &'static str,
}

/// The error page of `e`, with its HTTP status; internal details are logged, never shown.
pub fn error_page(e: &DomainError) -> Response {
    let problem = crate::problem::Problem::from_domain(e);
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let heading = match status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        StatusCode::SERVICE_UNAVAILABLE => "Temporarily unavailable",
        _ => "Something went wrong",
    };
    render(
        status,
        &ErrorPage {
            status: status.as_u16(),
            heading,
            message: problem.detail,
            css: assets::ASSETS.css.href.as_str(),
            icon: assets::ASSETS.icon.href.as_str(),
        },
    )
}
