//! The `/api/v1` surface: every route is registered through utoipa-axum's `routes!`, so it
//! cannot exist without its OpenAPI description (a test also checks the served document).

pub mod assurance;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod consent;
pub mod detection;
pub mod forwarders;
pub mod governance;
pub mod ledger;
pub mod notify;
pub mod privacy;
pub mod reports;
pub mod retention;
pub mod service_level;
pub mod support;
pub mod system;
pub mod tenancy;
pub mod tokens;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::Problem;
use crate::state::AppState;

/// Error responses every authenticated route can give.
#[derive(Debug, utoipa::IntoResponses)]
pub enum Errors {
    /// The input is malformed or breaks a rule.
    #[response(
        status = 400,
        description = "malformed request",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    /// No valid credentials.
    #[response(
        status = 401,
        description = "authentication required",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    /// Not permitted.
    #[response(
        status = 403,
        description = "not allowed",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    /// Not found (or not visible to the caller).
    #[response(
        status = 404,
        description = "not found",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    /// Conflicts with the current state.
    #[response(
        status = 409,
        description = "conflict",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    /// Body too large.
    #[response(
        status = 413,
        description = "body too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    /// Body is not JSON.
    #[response(
        status = 415,
        description = "unsupported media type",
        content_type = "application/problem+json"
    )]
    UnsupportedMedia(Problem),
    /// Validation failed.
    #[response(
        status = 422,
        description = "validation failed",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    /// Too many attempts.
    #[response(
        status = 429,
        description = "too many requests",
        content_type = "application/problem+json"
    )]
    RateLimited(Problem),
    /// Unexpected failure.
    #[response(
        status = 500,
        description = "internal error",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
    /// Store unavailable.
    #[response(
        status = 503,
        description = "unavailable",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("prb_<id>_<secret>")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::extract::SESSION_COOKIE,
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Probity API",
        description = "Governance, risk and compliance on a verifiable audit ledger. Errors are RFC 9457 problem details with a stable `code`; lists use `?limit=&cursor=` pagination.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Sign-in, sessions, second factors"),
        (name = "tenancy", description = "The current tenant and its members"),
        (name = "tokens", description = "API tokens"),
        (name = "audit", description = "The tenant's audit trail: records of changes, ingest of events, search, statistics and live tail; retention, legal holds and subject erasure; detection rules and their alerts; syslog ingest and SIEM forwarders"),
        (name = "ledger", description = "The tenant's verifiable ledger: checkpoints, proofs, entries"),
        (name = "notifications", description = "Notification channels, routing rules, notifications and delivery logs"),
        (name = "catalog", description = "Compliance catalog: frameworks, unified controls, mappings, crosswalks, coverage, comparison and regulatory change"),
        (name = "governance", description = "Policies (versions, review with separation of duties, publication, acknowledgments, templates), the risk register, exceptions and risk acceptances"),
        (name = "assurance", description = "Evidence (content-addressed, encrypted, versioned, frozen per audit period), assessments with findings and signed sign-off, control tests in Rego, policy decisions, and the compliance posture: status, gap analysis, Statement of Applicability, control matrix"),
        (name = "calendar", description = "The compliance calendar: every due date across contexts, and iCalendar feeds at secret URLs"),
        (name = "service-levels", description = "Services, SLOs and SLAs with error budgets and burn-rate alerts, measurement ingest, violations with escalation, service credits and the monthly SLA report"),
        (name = "privacy", description = "Data subject requests with statutory clocks (GDPR, CCPA/CPRA, LGPD, HIPAA), personal data breaches with notification clocks, the public holidays business-day clocks skip, the record of processing activities (GDPR Art. 30) with its taxonomy and PDF export, DPIAs with versioned sign-off, retention schedules per data category enforced daily, the consent ledger with receipts and proofs, and the access/portability export"),
        (name = "support", description = "The support desk: tickets with first-response and resolution clocks in business minutes (paused while waiting on the customer), responses and internal notes, business-hours calendars, SLA policies per tier and priority, routing rules and metrics"),
        (name = "reports", description = "Reports rendered to PDF, HTML, CSV, XLSX or JSON with a verification block, recorded in the ledger; the report history and scheduled reports delivered through notification channels"),
    )
)]
struct ApiDoc;

/// The API router and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(system::metrics))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::totp_enrol))
        .routes(routes!(auth::totp_confirm))
        .routes(routes!(auth::totp_disable))
        .routes(routes!(auth::change_password))
        .routes(routes!(tenancy::get_tenant, tenancy::update_tenant))
        .routes(routes!(tenancy::list_tenants, tenancy::create_tenant))
        .routes(routes!(tenancy::list_members, tenancy::add_member))
        .routes(routes!(tenancy::update_member, tenancy::remove_member))
        .routes(routes!(tenancy::set_member_groups))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(audit::list_events, audit::ingest_event))
        .routes(routes!(audit::ingest_batch))
        .routes(routes!(audit::statistics))
        .routes(routes!(audit::stream))
        .routes(routes!(audit::export))
        .routes(routes!(retention::get_policy, retention::put_policy))
        .routes(routes!(retention::run_retention))
        .routes(routes!(retention::list_holds, retention::place_hold))
        .routes(routes!(retention::get_hold))
        .routes(routes!(retention::release_hold))
        .routes(routes!(retention::erase_subject))
        .routes(routes!(detection::list_rules, detection::create_rule))
        .routes(routes!(
            detection::get_rule,
            detection::update_rule,
            detection::delete_rule
        ))
        .routes(routes!(
            forwarders::list_forwarders,
            forwarders::create_forwarder
        ))
        .routes(routes!(
            forwarders::get_forwarder,
            forwarders::update_forwarder,
            forwarders::delete_forwarder
        ))
        .routes(routes!(detection::list_alerts))
        .routes(routes!(detection::get_alert))
        .routes(routes!(detection::acknowledge_alert))
        .routes(routes!(detection::resolve_alert))
        .routes(routes!(ledger::checkpoint))
        .routes(routes!(ledger::inclusion_proof))
        .routes(routes!(ledger::consistency_proof))
        .routes(routes!(ledger::entry))
        .routes(routes!(ledger::tlog_proof))
        .routes(routes!(ledger::verifier_key))
        .routes(routes!(notify::list_channels, notify::create_channel))
        .routes(routes!(notify::get_channel, notify::delete_channel))
        .routes(routes!(notify::test_channel))
        .routes(routes!(notify::list_deliveries))
        .routes(routes!(notify::list_rules, notify::create_rule))
        .routes(routes!(notify::delete_rule))
        .routes(routes!(notify::list_notifications))
        .routes(routes!(notify::acknowledge))
        .routes(routes!(catalog::list_frameworks))
        .routes(routes!(catalog::get_framework))
        .routes(routes!(catalog::get_requirement))
        .routes(routes!(catalog::list_baselines))
        .routes(routes!(catalog::list_families))
        .routes(routes!(catalog::list_controls))
        .routes(routes!(catalog::get_control, catalog::update_control))
        .routes(routes!(catalog::list_links))
        .routes(routes!(catalog::coverage))
        .routes(routes!(catalog::compare))
        .routes(routes!(catalog::matrix))
        .routes(routes!(catalog::diff))
        .routes(routes!(catalog::list_decisions, catalog::create_decision))
        .routes(routes!(catalog::list_imports, catalog::create_import))
        .routes(routes!(catalog::get_import))
        .routes(routes!(catalog::list_changes, catalog::create_change))
        .routes(routes!(catalog::get_change))
        .routes(routes!(catalog::update_task))
        .routes(routes!(governance::list_templates))
        .routes(routes!(
            governance::list_policies,
            governance::create_policy
        ))
        .routes(routes!(governance::get_policy))
        .routes(routes!(governance::create_version))
        .routes(routes!(governance::submit_version))
        .routes(routes!(governance::approve_version))
        .routes(routes!(governance::publish_version))
        .routes(routes!(
            governance::list_acknowledgments,
            governance::acknowledge
        ))
        .routes(routes!(
            governance::get_risk_settings,
            governance::put_risk_settings
        ))
        .routes(routes!(governance::list_risks, governance::create_risk))
        .routes(routes!(governance::get_risk, governance::update_risk))
        .routes(routes!(governance::review_risk))
        .routes(routes!(
            governance::list_exceptions,
            governance::request_exception
        ))
        .routes(routes!(governance::get_exception))
        .routes(routes!(governance::decide_exception))
        .routes(routes!(governance::revoke_exception))
        .routes(routes!(
            governance::list_questionnaire_templates,
            governance::add_questionnaire_template
        ))
        .routes(routes!(governance::remove_questionnaire_template))
        .routes(routes!(governance::list_vendors, governance::create_vendor))
        .routes(routes!(governance::get_vendor, governance::update_vendor))
        .routes(routes!(governance::send_questionnaire))
        .routes(routes!(governance::review_assessment))
        .routes(routes!(governance::assessment_file))
        .routes(routes!(governance::respondent_view, governance::respond))
        .routes(routes!(governance::list_assets, governance::create_asset))
        .routes(routes!(governance::get_asset, governance::update_asset))
        .routes(routes!(governance::import_assets))
        .routes(routes!(
            governance::list_trainings,
            governance::assign_training
        ))
        .routes(routes!(governance::complete_training))
        .routes(routes!(
            governance::list_violations,
            governance::record_violation
        ))
        .routes(routes!(governance::resolve_violation))
        .merge(
            // Evidence uploads carry up to 10 MiB of content as base64.
            OpenApiRouter::new()
                .routes(routes!(
                    assurance::list_evidence,
                    assurance::create_evidence
                ))
                .routes(routes!(assurance::add_evidence_version))
                .layer(axum::extract::DefaultBodyLimit::max(
                    assurance::EVIDENCE_BODY_LIMIT,
                )),
        )
        .routes(routes!(assurance::get_evidence, assurance::update_evidence))
        .routes(routes!(assurance::evidence_content))
        .routes(routes!(assurance::list_freezes, assurance::create_freeze))
        .routes(routes!(assurance::get_freeze))
        .routes(routes!(
            assurance::list_assessments,
            assurance::create_assessment
        ))
        .routes(routes!(
            assurance::get_assessment,
            assurance::update_assessment
        ))
        .routes(routes!(assurance::record_requirement))
        .routes(routes!(assurance::record_control))
        .routes(routes!(assurance::add_finding))
        .routes(routes!(assurance::update_finding))
        .routes(routes!(assurance::sign_off))
        .routes(routes!(assurance::verify_sign_off))
        .routes(routes!(assurance::new_assessment_version))
        .routes(routes!(assurance::assessment_oscal))
        .routes(routes!(
            assurance::list_control_tests,
            assurance::create_control_test
        ))
        .routes(routes!(
            assurance::list_starter_pack,
            assurance::install_starter_pack
        ))
        .routes(routes!(
            assurance::get_control_test,
            assurance::update_control_test
        ))
        .routes(routes!(assurance::push_input))
        .routes(routes!(assurance::run_control_test))
        .routes(routes!(assurance::list_decision_policies))
        .routes(routes!(assurance::put_decision_policy))
        .routes(routes!(assurance::decide))
        .routes(routes!(assurance::compliance_posture))
        .routes(routes!(assurance::compliance_status))
        .routes(routes!(assurance::gap_analysis))
        .routes(routes!(assurance::change_impact))
        .routes(routes!(assurance::compliance_report))
        .routes(routes!(assurance::statement_of_applicability))
        .routes(routes!(assurance::control_matrix))
        .routes(routes!(
            service_level::list_services,
            service_level::create_service
        ))
        .routes(routes!(service_level::list_slos, service_level::create_slo))
        .routes(routes!(service_level::get_slo, service_level::update_slo))
        .routes(routes!(service_level::slo_status))
        .routes(routes!(service_level::slo_board))
        .routes(routes!(service_level::ingest_one))
        .routes(routes!(service_level::ingest_batch))
        .routes(routes!(service_level::list_violations))
        .routes(routes!(service_level::acknowledge_violation))
        .routes(routes!(service_level::list_credits))
        .routes(routes!(service_level::decide_credit))
        .routes(routes!(service_level::sla_report))
        .routes(routes!(
            service_level::export_openslo,
            service_level::import_openslo
        ))
        .routes(routes!(reports::report_kinds))
        .routes(routes!(reports::list_reports, reports::generate_report))
        .routes(routes!(reports::get_report))
        .routes(routes!(reports::report_content))
        .routes(routes!(reports::list_schedules, reports::create_schedule))
        .routes(routes!(reports::delete_schedule))
        .routes(routes!(reports::run_schedule))
        .routes(routes!(calendar::list_entries))
        .routes(routes!(calendar::list_feeds, calendar::create_feed))
        .routes(routes!(calendar::revoke_feed))
        .routes(routes!(privacy::list_requests, privacy::create_request))
        .routes(routes!(privacy::get_request))
        .routes(routes!(privacy::transition_request))
        .routes(routes!(privacy::extend_request))
        .routes(routes!(privacy::list_breaches, privacy::create_breach))
        .routes(routes!(privacy::get_breach))
        .routes(routes!(privacy::notify_breach))
        .routes(routes!(privacy::get_settings, privacy::put_settings))
        .routes(routes!(privacy::list_activities, privacy::create_activity))
        .routes(routes!(
            privacy::get_activity,
            privacy::update_activity,
            privacy::delete_activity
        ))
        .routes(routes!(privacy::export_activities))
        .routes(routes!(consent::list_purposes, consent::create_purpose))
        .routes(routes!(
            consent::get_purpose,
            consent::update_purpose,
            consent::delete_purpose
        ))
        .routes(routes!(consent::list_events, consent::record_event))
        .merge(
            // An import carries up to 2 MiB of NDJSON or CSV inside a JSON string.
            OpenApiRouter::new()
                .routes(routes!(consent::import_events))
                .layer(axum::extract::DefaultBodyLimit::max(
                    consent::IMPORT_BODY_LIMIT,
                )),
        )
        .routes(routes!(consent::subject_state))
        .routes(routes!(consent::subject_proof))
        .routes(routes!(consent::subject_receipt))
        .routes(routes!(consent::export_request))
        .routes(routes!(privacy::get_taxonomy))
        .routes(routes!(privacy::list_dpias, privacy::create_dpia))
        .routes(routes!(privacy::get_dpia, privacy::update_dpia))
        .routes(routes!(privacy::submit_dpia))
        .routes(routes!(privacy::approve_dpia))
        .routes(routes!(privacy::reject_dpia))
        .routes(routes!(
            privacy::list_retention_schedules,
            privacy::create_retention_schedule
        ))
        .routes(routes!(
            privacy::get_retention_schedule,
            privacy::update_retention_schedule
        ))
        .routes(routes!(privacy::run_retention_schedule))
        .routes(routes!(privacy::list_retention_runs))
        .routes(routes!(support::list_tickets, support::create_ticket))
        .routes(routes!(support::get_ticket, support::update_ticket))
        .routes(routes!(support::set_status))
        .routes(routes!(support::respond))
        .routes(routes!(support::add_note))
        .routes(routes!(support::get_config, support::put_config))
        .routes(routes!(support::metrics))
        .split_for_parts()
}
