//! The store conformance suite: every store behaviour, written once and run on both backends
//! (a fresh SQLite file, and a fresh schema in the PostgreSQL database named by
//! `PROBITY_TEST_DATABASE_URL`, e.g. `postgres://postgres@127.0.0.1:5432/test`). Without that
//! variable the PostgreSQL cases are skipped, unless `CI` is set: then they fail, as they do
//! whenever the server is unreachable. A failing test leaves its schema behind for inspection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "store/access.rs"]
mod access;
#[path = "store/assurance.rs"]
mod assurance;
#[path = "store/audit.rs"]
mod audit;
#[path = "store/audit_index.rs"]
mod audit_index;
#[path = "store/calendar.rs"]
mod calendar;
#[path = "store/consent.rs"]
mod consent;
#[path = "store/fixtures.rs"]
mod fixtures;
#[path = "store/forwarders.rs"]
mod forwarders;
#[path = "store/governance.rs"]
mod governance;
#[path = "store/harness.rs"]
mod harness;
#[path = "store/jobs.rs"]
mod jobs;
#[path = "store/keys.rs"]
mod keys;
#[path = "store/ledger.rs"]
mod ledger;
#[path = "store/ledger_service.rs"]
mod ledger_service;
#[path = "store/migrations.rs"]
mod migrations;
#[path = "store/notify.rs"]
mod notify;
#[path = "store/outbox.rs"]
mod outbox;
#[path = "store/platform.rs"]
mod platform;
#[path = "store/privacy.rs"]
mod privacy;
#[path = "store/privacy_records.rs"]
mod privacy_records;
#[path = "store/reports.rs"]
mod reports;
#[path = "store/retention.rs"]
mod retention;
#[path = "store/service_level.rs"]
mod service_level;
#[path = "store/support.rs"]
mod support;
#[path = "store/witness.rs"]
mod witness;

harness::conformance_suite! {
    store: [
        platform::tenant_insert_and_lookup,
        platform::tenant_duplicate_slug_is_rejected,
        platform::tenants_paginate_with_cursor,
        platform::tenant_update_persists,
        platform::user_insert_and_lookup,
        platform::user_duplicate_email_is_rejected,
        platform::user_update_round_trips_every_field,
        platform::membership_upsert_creates_then_changes_role,
        platform::members_paginate_in_user_order,
        platform::tenants_of_user_lists_each_role,
        platform::count_owners_counts_owners_of_the_tenant,
        platform::delete_membership_reports_whether_it_existed,
        governance::member_groups_round_trip_with_the_membership,
        governance::questionnaire_templates_keep_versions_and_their_tenant,
        access::tenant_scoped_reads_never_cross_tenants,
        access::api_token_lifecycle,
        access::session_lifecycle,
        access::expired_sessions_are_purged,
        audit::state_changes_write_their_event,
        audit::recorded_events_round_trip_every_field,
        audit::events_are_newest_first_and_paginate,
        audit::failed_changes_write_no_event,
        audit::change_is_undone_when_its_event_cannot_be_written,
        audit::events_are_counted_per_time_window,
        jobs::enqueued_job_reads_back,
        jobs::claim_takes_only_due_jobs,
        jobs::claim_takes_the_earliest_due_job_first,
        jobs::leased_job_is_claimed_again_only_after_its_lease,
        jobs::completed_job_is_never_claimed_again,
        jobs::failed_job_is_retried_at_the_given_time,
        jobs::failed_job_without_retry_is_dead,
        jobs::jobs_list_by_status_newest_first,
        jobs::concurrent_claims_take_each_job_once,
        jobs::schedule_fires_once_per_occurrence,
        jobs::concurrent_fires_enqueue_one_job,
        jobs::failed_fire_leaves_the_schedule_due,
        jobs::upsert_schedule_keeps_next_run_unless_cron_changes,
        keys::activating_a_key_deactivates_the_previous,
        keys::only_if_first_refuses_a_second_active_key,
        keys::keys_of_one_scope_leave_other_scopes_alone,
        keys::update_wrapping_persists,
        keys::all_data_keys_spans_scopes,
        ledger::ledger_append_reads_back,
        ledger::ledger_stale_head_writes_nothing,
        ledger::ledger_tiles_are_full_and_immutable,
        ledger::ledger_rows_never_cross_tenants,
        ledger::ledger_checkpoints_are_ordered_by_size,
        ledger::ledger_log_key_is_stored_once,
        ledger_service::ledger_concurrent_appends_get_each_seq_once,
        ledger_service::ledger_payload_decrypts_and_matches_its_commitment,
        ledger_service::ledger_sequencer_resumes_after_restart_and_another_writer,
        ledger_service::ledger_full_queue_is_overloaded,
        ledger_service::ledger_batch_admission_is_all_or_nothing,
        ledger_service::ledger_payloads_open_by_range,
        ledger_service::ledger_checkpoints_are_signed_on_growth_and_consistent,
        ledger_service::ledger_refuses_to_sign_a_tree_inconsistent_with_its_checkpoint,
        outbox::outbox_drain_sequences_each_record_once,
        outbox::outbox_concurrent_drains_never_duplicate,
        witness::ledger_cosignatures_are_kept_per_size_and_witness,
        witness::ledger_service_collects_and_serves_cosignatures,
        notify::notify_channels_and_rules_stay_in_their_tenant,
        notify::notify_notification_is_stored_with_its_deliveries_and_jobs,
        notify::notify_delivery_moves_through_its_statuses,
        notify::notify_concurrent_claims_take_a_delivery_once,
        notify::notify_escalation_moves_one_level_at_a_time,
        audit_index::audit_index_filters_text_and_cursor,
        audit_index::audit_indexer_catches_up_once,
        service_level::slo_slices_merge_concurrently_and_records_keep_their_rules,
        reports::reports_and_schedules_keep_their_tenant_and_version,
        calendar::calendar_feeds_are_found_by_hash_listed_per_owner_and_revoked_once,
        retention::retention_policies_holds_and_erasure_keep_proofs_and_tenants,
        privacy::privacy_requests_and_breaches_keep_their_tenant_and_version,
        consent::consent_events_keep_their_tenant_and_ledger_index,
        privacy_records::privacy_dpias_and_retention_schedules_keep_their_tenant_and_version,
        forwarders::forwarder_leases_and_cursors_move_once,
        support::support_tickets_and_config_keep_their_tenant_and_version,
    ],
    database: [
        migrations::migrations_apply_from_empty,
        migrations::reopening_is_a_noop,
        jobs::jobs_survive_a_restart,
        ledger_service::ledger_sequencing_lock_excludes_other_nodes,
        ledger_service::ledger_two_nodes_append_to_one_log,
        assurance::evidence_and_freezes_are_append_only,
        privacy_records::privacy_activities_written_before_0029_still_load,
        service_level::slo_slices_span_days_and_rows_before_0031_move_into_days,
    ],
}
