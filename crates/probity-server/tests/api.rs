//! HTTP integration tests of the Probity API: the real server on 127.0.0.1 port 0 over a real
//! store (a SQLite file; PostgreSQL too when `PROBITY_TEST_DATABASE_URL` is set), exercising
//! tenant isolation, roles, bad input, the OpenAPI document, sessions and second factors,
//! the audit trail, health and metrics, the job worker, the web UI, the ledger and witnessing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "api/assurance.rs"]
mod assurance;
#[path = "api/audit.rs"]
mod audit;
#[path = "api/audit_search.rs"]
mod audit_search;
#[path = "api/bad_input.rs"]
mod bad_input;
#[path = "api/calendar.rs"]
mod calendar;
#[path = "api/catalog.rs"]
mod catalog;
#[path = "api/client.rs"]
mod client;
#[path = "api/consent.rs"]
mod consent;
#[path = "api/detection.rs"]
mod detection;
#[path = "api/forwarders.rs"]
mod forwarders;
#[path = "api/governance.rs"]
mod governance;
#[path = "api/harness.rs"]
mod harness;
#[path = "api/ingest.rs"]
mod ingest;
#[path = "api/isolation.rs"]
mod isolation;
#[path = "api/jobs.rs"]
mod jobs;
#[path = "api/ledger.rs"]
mod ledger;
#[path = "api/mfa.rs"]
mod mfa;
#[path = "api/notify.rs"]
mod notify;
#[path = "api/openapi.rs"]
mod openapi;
#[path = "api/privacy.rs"]
mod privacy;
#[path = "api/privacy_records.rs"]
mod privacy_records;
#[path = "api/privacy_web.rs"]
mod privacy_web;
#[path = "api/privacy_web_records.rs"]
mod privacy_web_records;
#[path = "api/reports.rs"]
mod reports;
#[path = "api/retention.rs"]
mod retention;
#[path = "api/roles.rs"]
mod roles;
#[path = "api/routes.rs"]
mod routes;
#[path = "api/seed.rs"]
mod seed;
#[path = "api/service_level.rs"]
mod service_level;
#[path = "api/sessions.rs"]
mod sessions;
#[path = "api/support.rs"]
mod support;
#[path = "api/syslog.rs"]
mod syslog;
#[path = "api/system.rs"]
mod system;
#[path = "api/web.rs"]
mod web;
#[path = "api/witness.rs"]
mod witness;

harness::on_both_stores![
    privacy::privacy_requests_follow_their_statutory_clocks,
    privacy::privacy_erasure_requests_erase_the_subjects_audit_events,
    privacy::privacy_breach_clocks_run_and_late_notifications_explain_themselves,
    privacy::privacy_record_of_processing_crud_and_export,
    consent::privacy_consent_state_is_derived_and_proved,
    consent::privacy_consent_import_reports_each_line,
    consent::privacy_access_export_holds_the_subjects_records,
    privacy_records::privacy_taxonomy_and_the_art30_record_as_pdf,
    privacy_records::privacy_dpia_screening_and_sign_off_bound_to_the_version,
    privacy_records::privacy_retention_schedules_erase_what_is_due_and_report_what_holds_keep,
    privacy_records::privacy_dpo_report_covers_its_period,
    support::support_clocks_pause_warn_and_escalate,
    support::support_routing_metrics_and_bad_input,
    isolation::foreign_ids_are_refused_and_nothing_leaks,
    isolation::foreign_tenant_header_is_forbidden,
    isolation::shared_member_changes_stay_in_their_tenant,
    roles::each_role_against_each_route_class,
    roles::grants_stop_at_the_granters_role_and_an_owner_remains,
    sessions::session_cookie_csrf_logout_and_expiry,
    sessions::repeated_failures_lock_the_account,
    sessions::platform_admins_create_tenants,
    mfa::totp_enrolment_and_second_factor_sign_in,
    mfa::tenant_requiring_mfa_admits_only_enrolment,
    audit::changes_are_listed_newest_first,
    audit_search::filters_full_text_pages_and_statistics,
    audit_search::audit_export_streams_jsonl_and_csv,
    audit_search::live_tail_resumes_after_the_last_event_id,
    system::health_readiness_and_metrics,
    jobs::jobs_survive_a_restart,
    ledger::ledger_proofs_verify_against_signed_checkpoints,
    ledger::ledger_task_signs_checkpoints_until_stopped,
    ledger::tlog_tiles_paths_serve_the_log,
    ingest::single_events_become_ledger_entries,
    ingest::batches_land_the_good_events_and_name_the_bad,
    syslog::syslog_over_tcp_and_udp_becomes_audit_events,
    forwarders::forwarders_send_every_event_once_in_order,
    forwarders::webhook_forwarders_send_signed_batches,
    web::web_sign_in_dashboard_and_pages,
    web::web_privacy_page_and_dashboard_widget,
    privacy_web::web_privacy_forms_drive_requests_breaches_and_activities,
    privacy_web_records::web_privacy_dpia_retention_and_consent_forms,
    web::web_event_page_proves_inclusion,
    web::web_support_page_ticket_and_dashboard_widget,
    web::web_forms_need_csrf_and_redirects_stay_local,
    web::web_tenant_switch_and_sign_out,
    web::web_second_factor_step,
    web::web_compliance_pages_and_control_form,
    web::web_governance_policy_and_acknowledgment,
    web::web_risks_and_exceptions,
    web::web_vendors_and_the_respondent_page,
    web::web_respondent_page_takes_file_answers,
    witness::witness_client_collects_cosignatures,
    notify::webhook_is_signed_retried_and_dead_lettered,
    notify::routing_matches_exactly_the_expected_channels,
    notify::escalation_fires_at_its_delays_until_acknowledged,
    catalog::control_states_and_decisions_drive_coverage,
    catalog::frameworks_compare_diff_and_bad_input,
    catalog::oscal_imports_resolve_and_diff,
    catalog::change_records_turn_a_diff_into_owned_tasks,
    governance::policies_need_other_approvers_and_bind_to_their_text,
    governance::risks_and_acceptances_bind_to_the_state_decided_on,
    governance::vendor_links_reach_only_their_questionnaire,
    governance::assets_import_lands_good_rows_and_names_bad_ones,
    governance::trainings_and_violations_follow_the_version_in_force,
    governance::governance_groups_give_acknowledgment_rates_per_group,
    governance::governance_tenant_questionnaires_are_checked_sent_and_removed,
    assurance::evidence_dedupes_versions_freezes_and_reminds,
    assurance::assessment_sign_off_binds_and_detects_tampering,
    assurance::control_tests_evaluate_rego_in_isolation,
    assurance::gap_analysis_follows_controls_tests_evidence_and_crosswalks,
    web::web_assurance_pages,
    web::web_assurance_write_forms,
    web::web_service_level_pages,
    service_level::slos_burn_escalate_and_owe_credits,
    reports::reports_render_record_and_stay_in_their_tenant,
    reports::scheduled_reports_run_once_and_reach_their_channel,
    reports::audit_trail_reports_count_the_period_and_name_their_checkpoint,
    retention::retention_erases_what_is_due_and_holds_keep_the_rest,
    detection::detection_rules_raise_exactly_the_expected_alerts,
    detection::detection_alerts_become_policy_violations,
    web::web_alerts_page,
    service_level::metrics_are_pulled_from_a_prometheus_page,
    calendar::calendar_due_dates_and_a_subscribed_feed,
    web::web_calendar_agenda_and_feeds,
];
