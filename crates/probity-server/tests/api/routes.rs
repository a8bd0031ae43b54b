//! The table of every `/api/v1` route that acts in a tenant. The isolation and role tests run
//! over it; a test fails when the served OpenAPI document has a route the table lacks, so new
//! routes must join it.

use std::collections::BTreeSet;

use probity_core::notify::{
    ChannelId, NewChannel, NewRule, Notice, NotificationId, RuleId, Severity,
};
use probity_core::platform::{Principal, Tenant, TokenId, UserId};
use reqwest::Method;

use crate::harness::{Call, TestServer};

/// What a route does, for the role matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteClass {
    /// Reads the tenant's records.
    Read,
    /// Creates or changes the tenant's records (and sends audit events).
    Write,
    /// Reads the tenant's audit trail.
    Audit,
    /// Lists, issues or revokes API tokens.
    ManageTokens,
    /// Adds, changes or removes members.
    ManageMembers,
    /// Changes the tenant's settings.
    TenantSettings,
    /// Records a decision (coverage decisions, approvals).
    Approve,
    /// Says who is calling; any authenticated caller.
    Identity,
    /// The signed-in user's own session and second factor; never tenant data.
    OwnAccount,
    /// Installation administration (creating tenants); no tenant role grants it.
    PlatformAdmin,
    /// Records assessment work: contributors and auditors (and above), not viewers.
    Assess,
    /// Only the assessment's lead assessor, a person (the role matrix skips it; the
    /// assurance tests check it).
    Lead,
}

/// One route: its method, its path as the OpenAPI document writes it, and a valid body.
///
/// In paths, `{user_id}`, `{token_id}`, `{channel_id}`, `{rule_id}` and `{notification_id}`
/// name a member, a token, a notification channel, a routing rule and a notification; in
/// bodies, `{n}` becomes a number unique to the call (so creating twice does not conflict) and
/// `{channel_id}` the channel.
#[derive(Debug, Clone, Copy)]
pub struct RouteCase {
    /// HTTP method.
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// JSON body, for writes.
    pub body: Option<&'static str>,
    /// What the route does.
    pub class: RouteClass,
}

use RouteClass::*;

/// Every `/api/v1` route but sign-in and the OpenAPI document (which act in no tenant).
pub const ROUTES: &[RouteCase] = &[
    RouteCase {
        method: "GET",
        path: "/api/v1/tenant",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/tenant",
        body: Some(r#"{"name":"Acme Ltd"}"#),
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/tenants",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/tenants",
        body: Some(r#"{"slug":"spinoff{n}","name":"Spin-off {n}"}"#),
        class: PlatformAdmin,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/members",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/members",
        body: Some(
            r#"{"email":"hire{n}@acme.test","password":"plum-orchard-lantern-42","role":"viewer"}"#,
        ),
        class: ManageMembers,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/members/{user_id}",
        body: Some(r#"{"role":"viewer"}"#),
        class: ManageMembers,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/members/{user_id}/groups",
        body: Some(r#"{"groups":["engineering"]}"#),
        class: ManageMembers,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/members/{user_id}",
        body: None,
        class: ManageMembers,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/tokens",
        body: None,
        class: ManageTokens,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/tokens",
        body: Some(r#"{"name":"probe {n}","role":"viewer"}"#),
        class: ManageTokens,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/tokens/{token_id}",
        body: None,
        class: ManageTokens,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/events",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/statistics",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/stream",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/export",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/retention",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/audit/retention",
        body: Some(r#"{"default_days":2557,"rules":[{"severity":"critical","keep_days":3653}]}"#),
        class: TenantSettings,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/retention/runs",
        body: Some(r#"{"dry_run":true}"#),
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/legal-holds",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/legal-holds",
        body: Some(r#"{"case_id":"CASE-{n}","reason":"probe","criteria":{"actor":"user-{n}"}}"#),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/legal-holds/{hold_id}",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/legal-holds/{hold_id}/release",
        body: Some(r#"{"reason":"probe over"}"#),
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/erasures",
        body: Some(r#"{"subject":"subject-{n}","reason":"probe","dry_run":true}"#),
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/rules",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/rules",
        body: Some(
            r#"{"name":"failed logins {n}","match":{"event_type":"user.login.failed"},"kind":{"type":"threshold","count":5,"window_minutes":10}}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/rules/{detection_rule_id}",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/audit/rules/{detection_rule_id}",
        body: Some(r#"{"name":"risky {n}","kind":{"type":"risk_above","min_risk":0.9}}"#),
        class: Approve,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/audit/rules/{detection_rule_id}",
        body: None,
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/forwarders",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/forwarders",
        body: Some(
            r#"{"name":"siem {n}","destination":{"type":"syslog","transport":"udp","address":"127.0.0.1:9"},"enabled":false}"#,
        ),
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/forwarders/{forwarder_id}",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/audit/forwarders/{forwarder_id}",
        body: Some(r#"{"version":1,"batch_size":100}"#),
        class: TenantSettings,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/audit/forwarders/{forwarder_id}",
        body: None,
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/alerts",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/audit/alerts/{alert_id}",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/alerts/{alert_id}/ack",
        body: None,
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/alerts/{alert_id}/resolve",
        body: Some(r#"{"note":"false positive: load test {n}"}"#),
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/events",
        body: Some(
            r#"{"event_type":"data.accessed","category":"data_access","actor":{"type":"service","id":"svc-{n}"}}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/audit/events:batch",
        body: Some(
            r#"[{"event_type":"data.accessed","category":"data_access","actor":{"type":"service","id":"svc-{n}"}}]"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/ledger/checkpoint",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/ledger/proof/inclusion",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/ledger/proof/consistency",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/ledger/entries/{index}",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/ledger/entries/{index}/tlog-proof",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/ledger/verifier-key",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/notifications/channels",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/notifications/channels",
        body: Some(r#"{"name":"hook {n}","kind":"webhook","url":"http://127.0.0.1:9/hook"}"#),
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/notifications/channels/{channel_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/notifications/channels/{channel_id}",
        body: None,
        class: TenantSettings,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/notifications/channels/{channel_id}/test",
        body: None,
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/notifications/channels/{channel_id}/deliveries",
        body: None,
        class: Audit,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/notifications/rules",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/notifications/rules",
        body: Some(
            r#"{"name":"rule {n}","kind_prefix":"breach","min_severity":"high","channels":["{channel_id}"]}"#,
        ),
        class: TenantSettings,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/notifications/rules/{rule_id}",
        body: None,
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/notifications",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/notifications/{notification_id}/ack",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/auth/me",
        body: None,
        class: Identity,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/auth/totp/enrol",
        body: None,
        class: OwnAccount,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/auth/totp/confirm",
        body: Some(r#"{"code":"000000"}"#),
        class: OwnAccount,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/auth/totp/disable",
        body: Some(r#"{"password":"not-the-password-at-all"}"#),
        class: OwnAccount,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/auth/password",
        body: Some(
            r#"{"current_password":"not-the-password-at-all","new_password":"violet-harbour-compass-17"}"#,
        ),
        class: OwnAccount,
    },
    // Last: with a session it ends the session.
    RouteCase {
        method: "POST",
        path: "/api/v1/auth/logout",
        body: None,
        class: OwnAccount,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/frameworks",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/frameworks/{framework_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/frameworks/{framework_id}/requirements/{requirement_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/baselines",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/control-families",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/controls",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/controls/{control_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/catalog/controls/{control_id}",
        body: Some(r#"{"status":"implemented","owner":"Platform team {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/links",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/coverage",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/compare",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/matrix",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/diff",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/decisions",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/catalog/decisions",
        body: Some(
            r#"{"link_hash":"{link_hash}","outcome":"partially_covers","rationale":"Reviewed in the quarterly mapping review {n}."}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/imports",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/catalog/imports",
        body: Some(
            r#"{"catalog":{"uuid":"74c8ba1e-5cd4-4ad1-bbfd-fc2e1b9a9a01","metadata":{"title":"Probe catalog {n}","last-modified":"2026-11-23T00:00:00Z","version":"1.0","oscal-version":"1.1.2"},"groups":[{"id":"g1","title":"Group","controls":[{"id":"c-1","title":"Control one"}]}]}}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/imports/{import_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/changes",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/catalog/changes",
        body: Some(r#"{"from":"iso27001-2013","to":"iso27001-2022","title":"Move to 2022 ({n})"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/changes/{change_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/catalog/changes/{change_id}/tasks/{number}",
        body: Some(r#"{"status":"in_progress","owner":"Owner {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/policy-templates",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/policies",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies",
        body: Some(r#"{"key":"probe-{n}","template":"access-control","owner":"Owner {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/policies/{policy_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/versions",
        body: Some(r##"{"content":"# Probe {n}","material":true}"##),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/versions/{number}/submit",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/versions/{number}/approve",
        body: Some(r#"{"content_hash":"{policy_hash}"}"#),
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/versions/{number}/publish",
        body: Some(r#"{"content_hash":"{policy_hash}"}"#),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/policies/{policy_id}/acknowledgments",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/acknowledgments",
        body: Some(r#"{"content_hash":"{policy_hash}"}"#),
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/risk-settings",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/risk-settings",
        body: Some(
            r#"{"matrix":{"likelihood":["Rare","Unlikely","Possible","Likely","Almost certain"],"impact":["Negligible","Minor","Moderate","Major","Severe"],"bands":[{"name":"low","min_score":1},{"name":"medium","min_score":5},{"name":"high","min_score":10},{"name":"critical","min_score":17}]},"appetite":{"security":9}}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/risks",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/risks",
        body: Some(
            r#"{"title":"Probe risk {n}","category":"security","owner":"Owner {n}","inherent":{"likelihood":3,"impact":4}}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/risks/{risk_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/risks/{risk_id}",
        body: Some(r#"{"version":1,"owner":"Owner {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/risks/{risk_id}/review",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/exceptions",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/exceptions",
        body: Some(
            r#"{"kind":"policy_exception","title":"Probe {n}","scope":"Legacy host","justification":"Vendor patch pending","expires_at":"{expires_at}"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/exceptions/{exception_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/exceptions/{exception_id}/decision",
        body: Some(
            r#"{"approve":true,"rationale":"Compensated by {n}","snapshot_hash":"{exception_hash}"}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/exceptions/{exception_id}/revoke",
        body: None,
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/questionnaire-templates",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/questionnaire-templates",
        body: Some(
            r#"{"key":"probe-{n}","title":"Probe {n}","sections":[{"id":"s","title":"S","questions":[{"id":"q","text":"Q?","type":"yes_no","weight":1,"good":"yes"}]}]}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/questionnaire-templates/{template_key}",
        body: None,
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/vendors",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/vendors",
        body: Some(
            r#"{"name":"Probe vendor {n}","data_access":"personal","tier":"high","owner":"Owner {n}","contacts":[{"name":"Sam","email":"sam@vendor.test"}]}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/vendors/{vendor_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/vendors/{vendor_id}",
        body: Some(
            r#"{"name":"Target vendor {n}","data_access":"personal","tier":"critical","owner":"Owner {n}","contacts":[{"name":"Sam","email":"sam@vendor.test"}]}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/vendors/{vendor_id}/questionnaires",
        body: Some(r#"{"template":"security-baseline","contact_email":"sam@vendor.test"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/vendor-assessments/{assessment_id}/review",
        body: Some(r#"{"findings":[{"title":"No MFA {n}","severity":"high"}]}"#),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/vendor-assessments/{assessment_id}/files/{question_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/assets",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/assets",
        body: Some(
            r#"{"name":"Probe asset {n}","kind":"system","owner":"Owner {n}","classification":"internal","criticality":"high"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/assets/{asset_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/assets/{asset_id}",
        body: Some(
            r#"{"name":"Target asset {n}","kind":"application","owner":"Owner {n}","classification":"confidential","criticality":"critical"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/asset-imports",
        body: Some(
            "name,kind,owner,classification,criticality\nImported {n},device,IT,internal,low\n",
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/policies/{policy_id}/trainings",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/trainings",
        body: Some(r#"{"title":"Training {n}","user_ids":["{user_id}"],"due":"2099-01-01"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/trainings/{training_id}/complete",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/policies/{policy_id}/violations",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/policies/{policy_id}/violations",
        body: Some(r#"{"description":"Shared password {n}","severity":"medium"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/violations/{violation_id}/resolve",
        body: Some(r#"{"resolution":"Coached {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/evidence",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/evidence",
        body: Some(
            r#"{"title":"Probe evidence {n}","control_ids":["IAM-06"],"content":{"kind":"json","document":{"probe":{n}}}}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/evidence/{evidence_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/evidence/{evidence_id}",
        body: Some(r#"{"tags":["probe-{n}"]}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/evidence/{evidence_id}/versions",
        body: Some(r#"{"content":{"kind":"json","document":{"version":{n}}}}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/evidence/{evidence_id}/versions/{number}/content",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/evidence-freezes",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/evidence-freezes",
        body: Some(
            r#"{"name":"Probe freeze {n}","period_start":"2026-01-01","period_end":"2026-12-31"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/evidence-freezes/{freeze_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/assessments",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/assessments",
        body: Some(
            r#"{"framework":"soc2-2017","scope":"Probe {n}","period_start":"2026-01-01","period_end":"2026-06-30","lead":"{user_id}"}"#,
        ),
        class: Assess,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/assessments/{assessment_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/assessments/{assessment_id}",
        body: Some(r#"{"title":"Target assessment {n}"}"#),
        class: Assess,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/assessments/{assessment_id}/requirements/{requirement_id}",
        body: Some(r#"{"status":"compliant","rationale":"Probe {n}"}"#),
        class: Assess,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/assessments/{assessment_id}/controls/{control_id}",
        body: Some(r#"{"status":"partially_compliant"}"#),
        class: Assess,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/assessments/{assessment_id}/findings",
        body: Some(r#"{"title":"Probe finding {n}","severity":"low"}"#),
        class: Assess,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/assessments/{assessment_id}/findings/{finding_id}",
        body: Some(r#"{"title":"Target finding {n}","severity":"medium"}"#),
        class: Assess,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/assessments/{assessment_id}/sign-off",
        body: Some(
            r#"{"content_sha256":"0000000000000000000000000000000000000000000000000000000000000000"}"#,
        ),
        class: Lead,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/assessments/{assessment_id}/verification",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/assessments/{assessment_id}/oscal",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/assessments/{assessment_id}/versions",
        body: None,
        class: Assess,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/control-tests",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/control-tests",
        body: Some(
            r#"{"key":"probe-{n}","title":"Probe test {n}","control_ids":["IAM-09"],"rego":"package probe\nimport rego.v1\ndeny contains \"bad\" if input.bad\n"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/control-tests/starter-pack",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/control-tests/starter-pack",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/control-tests/{test_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/control-tests/{test_id}",
        body: Some(r#"{"title":"Target test {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/control-tests/{test_id}/input",
        body: Some(r#"{"bad":false,"n":{n}}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/control-tests/{test_id}/runs",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/decision-policies",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/decision-policies/{key}",
        body: Some(
            r#"{"title":"Target policy {n}","rego":"package d\nimport rego.v1\ndefault allow := false\nallow if input.ok\n"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/decisions/{key}",
        body: Some(r#"{"ok":true}"#),
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/compliance/posture",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/compliance/status",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/catalog/changes/{change_id}/impact",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/compliance/report",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/compliance/gaps",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/compliance/soa",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/compliance/matrix",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/services",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/services",
        body: Some(r#"{"key":"probe-{n}","name":"Probe {n}","provider":"Probe team"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/slos",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/slos",
        body: Some(
            r#"{"service":"{service_key}","name":"Probe SLO {n}","metric":"availability_requests","target_percent":99.5}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/slos/{slo_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/slos/{slo_id}",
        body: Some(r#"{"version":1,"name":"Renamed SLO {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/slos/{slo_id}/status",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/slo-status",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/slo-measurements",
        body: Some(r#"{"slo_id":"{slo_id}","at":"{measured_at}","good":99,"total":100}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/slo-measurements:batch",
        body: Some(r#"[{"slo_id":"{slo_id}","at":"{measured_at}","good":{n},"total":{n}}]"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/slo-violations",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/slo-violations/{slo_violation_id}/acknowledge",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/service-credits",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/service-credits/{credit_id}/decision",
        body: Some(r#"{"approve":true,"note":"Confirmed against the incident report"}"#),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/sla-report",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/openslo",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/openslo",
        body: Some(
            r#"{"apiVersion":"openslo/v1","kind":"SLO","metadata":{"name":"probe-{n}"},"spec":{"service":"probe-{n}","indicator":{"spec":{"ratioMetric":{}}},"timeWindow":[{"duration":"30d","isRolling":true}],"objectives":[{"target":0.99}]}}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/calendar",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/calendar/feeds",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/calendar/feeds",
        body: Some(r#"{"name":"feed {n}"}"#),
        class: Read,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/calendar/feeds/{feed_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/report-kinds",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/reports",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/reports",
        body: Some(r#"{"kind":"policy_acknowledgments","format":"json"}"#),
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/reports/{report_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/reports/{report_id}/content",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/report-schedules",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/report-schedules",
        body: Some(
            r#"{"name":"schedule {n}","kind":"risk_register","format":"json","cron":"0 6 * * *","channels":["{channel_id}"]}"#,
        ),
        class: TenantSettings,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/report-schedules/{schedule_id}",
        body: None,
        class: TenantSettings,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/report-schedules/{schedule_id}/run",
        body: None,
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/requests",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/requests",
        body: Some(r#"{"regime":"gdpr","kind":"access","subject_ref":"subject-{n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/requests/{request_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/requests/{request_id}/transition",
        body: Some(r#"{"to":"in_progress"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/requests/{request_id}/extend",
        body: Some(r#"{"reason":"many systems to search ({n})"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/breaches",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/breaches",
        body: Some(
            r#"{"title":"Breach {n}","discovered_at":"2026-01-01T00:00:00Z","aware_at":"2026-01-01T01:00:00Z","nature":"lost laptop","regimes":["gdpr"]}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/breaches/{breach_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/breaches/{breach_id}/notifications",
        body: Some(r#"{"recipient":"other","reference":"letter {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/settings",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/privacy/settings",
        body: Some(r#"{"holidays":["2026-12-25"]}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/activities",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/activities",
        body: Some(
            r#"{"name":"Activity {n}","purposes":["payroll"],"legal_basis":"contract","retention":"6 years"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/activities/{activity_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/privacy/activities/{activity_id}",
        body: Some(
            r#"{"name":"Renamed {n}","purposes":["payroll"],"legal_basis":"legal_obligation","retention":"7 years"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/privacy/activities/{activity_id}",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/record-of-processing",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/requests/{request_id}/export",
        body: None,
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/consent/purposes",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/consent/purposes",
        body: Some(r#"{"key":"purpose-{n}","title":"Purpose {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/consent/purposes/{purpose_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/privacy/consent/purposes/{purpose_id}",
        body: Some(r#"{"title":"Renamed {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "DELETE",
        path: "/api/v1/privacy/consent/purposes/{purpose_id}",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/consent/events",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/consent/events",
        body: Some(
            r#"{"subject_id":"subject-{n}","purpose":"{purpose_key}","action":"grant","notice_version":"v1","method":"api","source":"crm","occurred_at":"2026-01-01T00:00:00Z"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/consent/import",
        body: Some(r#"{"format":"ndjson","content":""}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/consent/subjects/{subject_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/consent/subjects/{subject_id}/proof",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/consent/subjects/{subject_id}/receipt",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/taxonomy",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/dpias",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/dpias",
        body: Some(r#"{"title":"DPIA {n}","activity_ids":["{activity_id}"]}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/dpias/{dpia_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/privacy/dpias/{dpia_id}",
        body: Some(r#"{"title":"Revised {n}","activity_ids":["{activity_id}"]}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/dpias/{dpia_id}/submit",
        body: None,
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/dpias/{dpia_id}/approve",
        body: Some(r#"{"version":1,"note":"approved ({n})"}"#),
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/dpias/{dpia_id}/reject",
        body: Some(r#"{"version":1,"note":"not yet ({n})"}"#),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/retention-schedules",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/retention-schedules",
        body: Some(
            r#"{"data_category":"contact","period_days":30,"activity_ids":["{activity_id}"],"audit_event_types":["customer.profile"]}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/retention-schedules/{retention_schedule_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/privacy/retention-schedules/{retention_schedule_id}",
        body: Some(
            r#"{"data_category":"contact","period_days":60,"audit_event_types":["customer.profile"],"description":"change {n}"}"#,
        ),
        class: Approve,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/privacy/retention-schedules/{retention_schedule_id}/run",
        body: None,
        class: Approve,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/privacy/retention-runs",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/support/tickets",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/support/tickets",
        body: Some(
            r#"{"customer_ref":"acct-{n}","title":"Ticket {n}","category":"billing","tier":"standard","priority":"normal"}"#,
        ),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/support/tickets/{ticket_id}",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PATCH",
        path: "/api/v1/support/tickets/{ticket_id}",
        body: Some(r#"{"assignee":"agent-{n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/support/tickets/{ticket_id}/status",
        body: Some(r#"{"status":"pending_customer"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/support/tickets/{ticket_id}/responses",
        body: Some(r#"{"body":"Reply {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "POST",
        path: "/api/v1/support/tickets/{ticket_id}/notes",
        body: Some(r#"{"body":"Note {n}"}"#),
        class: Write,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/support/config",
        body: None,
        class: Read,
    },
    RouteCase {
        method: "PUT",
        path: "/api/v1/support/config",
        body: Some(
            r#"{"version":{support_config_version},"calendars":[{"key":"office","time_zone":"Europe/Berlin","hours":[{"day":"monday","from":"09:00","to":"17:00"}]}],"policies":[{"tier":"standard","priority":"normal","first_response_minutes":60,"resolution_minutes":480,"calendar":"office"}],"default_queue":"queue-{n}"}"#,
        ),
        class: TenantSettings,
    },
    RouteCase {
        method: "GET",
        path: "/api/v1/support/metrics",
        body: None,
        class: Read,
    },
];

/// The query string of routes that need one; valid once the caller's ledger has two entries
/// and a checkpoint (the role test signs one first), invalid (422) on an empty ledger.
const QUERIES: &[(&str, &str)] = &[
    ("/api/v1/ledger/proof/inclusion", "?index=0&size=1"),
    ("/api/v1/ledger/proof/consistency", "?from=1&to=2"),
    // The live tail follows forever unless told to end once caught up.
    ("/api/v1/audit/stream", "?follow=false"),
    (
        "/api/v1/support/metrics",
        "?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
    ),
    ("/api/v1/catalog/coverage", "?scope=soc2-2017"),
    (
        "/api/v1/privacy/consent/subjects/{subject_id}/proof",
        "?at=2026-12-31T00:00:00Z",
    ),
    ("/api/v1/compliance/status", "?framework=soc2-2017"),
    ("/api/v1/compliance/report", "?framework=soc2-2017"),
    ("/api/v1/assessments/{assessment_id}/oscal", "?model=poam"),
    ("/api/v1/compliance/gaps", "?framework=soc2-2017"),
    ("/api/v1/compliance/matrix", "?framework=soc2-2017"),
    ("/api/v1/sla-report", "?month=2026-01"),
    ("/api/v1/calendar", "?from=2026-01-01&to=2026-12-31"),
    (
        "/api/v1/catalog/compare",
        "?from=iso27001-2022&to=soc2-2017",
    ),
    (
        "/api/v1/catalog/diff",
        "?from=iso27001-2013&to=iso27001-2022",
    ),
];

/// A small valid OSCAL catalog whose bytes differ for each `n`.
pub fn probe_catalog(n: usize) -> String {
    PROBE_CATALOG.replace("{n}", &n.to_string())
}

/// The OSCAL catalog the import route case sends (`{n}` keeps each call's bytes unique).
const PROBE_CATALOG: &str = r#"{"catalog":{"uuid":"74c8ba1e-5cd4-4ad1-bbfd-fc2e1b9a9a01","metadata":{"title":"Probe catalog {n}","last-modified":"2026-11-23T00:00:00Z","version":"1.0","oscal-version":"1.1.2"},"groups":[{"id":"g1","title":"Group","controls":[{"id":"c-1","title":"Control one"}]}]}}"#;

/// The hash of the first shipped `intersects_with` link (a decision needs one).
pub fn first_intersecting_link() -> String {
    probity_core::catalog::Catalog::shipped()
        .unwrap()
        .links()
        .iter()
        .find(|l| l.relationship == probity_core::catalog::Relationship::IntersectsWith)
        .expect("the shipped catalog has an intersects_with link")
        .hash
        .clone()
}

/// The text of the target policies.
const TARGET_POLICY_TEXT: &str = "# Target policy\n\nEveryone reads this.\n";

/// The content hash of the target policies' text, as stored.
pub fn policy_template_hash() -> String {
    probity_core::governance::rules::content_hash(TARGET_POLICY_TEXT)
}

/// Four policies of [`TARGET_POLICY_TEXT`], the system as author, with version 1 a
/// draft, in review, approved and published.
async fn target_policies(
    server: &TestServer,
    system: &Principal,
    n: usize,
) -> [probity_core::governance::PolicyId; 4] {
    use probity_core::governance::{Decision, NewPolicy};
    let gov = server.state.governance();
    // The approver is another party than the author (separation of duties).
    let approver = Principal {
        actor: probity_core::audit::Actor::system("target approver"),
        ..system.clone()
    };
    let mut ids = [probity_core::governance::PolicyId::new(); 4];
    for (step, id) in ids.iter_mut().enumerate() {
        let view = gov
            .create_policy(
                system,
                &NewPolicy {
                    key: format!("target-{n}-{step}"),
                    title: Some("Target policy".into()),
                    kind: None,
                    owner: "Target owner".into(),
                    template: None,
                    content: Some(TARGET_POLICY_TEXT.into()),
                    control_ids: None,
                    requirement_ids: Vec::new(),
                    required_approvals: None,
                    review_months: None,
                    values: Default::default(),
                },
            )
            .await
            .unwrap();
        *id = view.policy.id;
        let decision = Decision {
            content_hash: policy_template_hash(),
        };
        if step >= 1 {
            gov.submit(system, *id, 1).await.unwrap();
        }
        if step >= 2 {
            gov.approve(&approver, *id, 1, &decision).await.unwrap();
        }
        if step >= 3 {
            gov.publish(&approver, *id, 1, &decision).await.unwrap();
        }
    }
    ids
}

/// A risk made by the system, and two exceptions linked to it: one requested (with its current
/// snapshot hash) and one approved by another system actor.
async fn target_risk_and_exceptions(
    server: &TestServer,
    system: &Principal,
    n: usize,
) -> (
    probity_core::governance::RiskId,
    [probity_core::governance::ExceptionId; 2],
    String,
) {
    use probity_core::governance::{
        ExceptionKind, NewException, NewExceptionDecision, NewRisk, Rating, RiskCategory,
    };
    let gov = server.state.governance();
    let risk = gov
        .create_risk(
            system,
            &NewRisk {
                title: format!("Target risk {n}"),
                description: String::new(),
                category: RiskCategory::Security,
                owner: "Target owner".into(),
                assets: vec![],
                threat: String::new(),
                vulnerability: String::new(),
                inherent: Rating {
                    likelihood: 2,
                    impact: 2,
                },
                residual: None,
                treatment: None,
                treatment_plan: String::new(),
                control_ids: vec![],
                business_impact: None,
                review_months: None,
            },
        )
        .await
        .unwrap();
    let request = NewException {
        kind: ExceptionKind::RiskAcceptance,
        title: format!("Target exception {n}"),
        scope: "Target scope".into(),
        justification: "Target justification".into(),
        compensating_controls: String::new(),
        control_ids: vec![],
        policy_ids: vec![],
        risk_ids: vec![risk.risk.id],
        expires_at: server.now() + chrono::Duration::days(30),
    };
    let requested = gov.request_exception(system, &request).await.unwrap();
    let other = gov.request_exception(system, &request).await.unwrap();
    let approver = Principal {
        actor: probity_core::audit::Actor::system("target approver"),
        ..system.clone()
    };
    let approved = gov
        .decide_exception(
            &approver,
            other.exception.id,
            &NewExceptionDecision {
                approve: true,
                rationale: "Target".into(),
                snapshot_hash: other.current_snapshot_hash.clone(),
            },
        )
        .await
        .unwrap();
    (
        risk.risk.id,
        [requested.exception.id, approved.exception.id],
        requested.current_snapshot_hash,
    )
}

/// A vendor with a contact, and a submitted security questionnaire with a file answer.
async fn target_vendor(
    server: &TestServer,
    system: &Principal,
    n: usize,
) -> (
    probity_core::governance::VendorId,
    probity_core::governance::AssessmentId,
) {
    use probity_core::governance::vendor::{Answer, Contact};
    use probity_core::governance::{NewVendor, RespondentAnswers, SendQuestionnaire, Tier};
    let gov = server.state.governance();
    let vendor = gov
        .create_vendor(
            system,
            &NewVendor {
                name: format!("Target vendor {n}"),
                services: String::new(),
                data_access: "personal".into(),
                tier: Tier::High,
                owner: "Target owner".into(),
                contacts: vec![Contact {
                    name: "Sam".into(),
                    email: "sam@vendor.test".into(),
                    role: String::new(),
                }],
                contract_start: None,
                contract_end: None,
                dpa_signed: None,
                subprocessors: vec![],
                documents: vec![],
            },
        )
        .await
        .unwrap();
    let sent = gov
        .send_questionnaire(
            system,
            vendor.vendor.id,
            &SendQuestionnaire {
                template: "security-baseline".into(),
                contact_email: "sam@vendor.test".into(),
                days_valid: None,
            },
        )
        .await
        .unwrap();
    gov.respond(
        &sent.token,
        &RespondentAnswers {
            answers: std::collections::BTreeMap::from([(
                "assurance-2".to_owned(),
                Answer::File {
                    name: "report.pdf".into(),
                    sha256: String::new(),
                    size: 0,
                    content_base64: Some("JVBERi0xLjQK".into()),
                },
            )]),
            submit: true,
        },
    )
    .await
    .unwrap();
    (vendor.vendor.id, sent.assessment.id)
}

/// Paths under `/api/v1` that act in no tenant and so are not in [`ROUTES`].
pub const TENANTLESS: &[&str] = &[
    "/api/v1/openapi.json",
    "/api/v1/auth/login",
    // The vendor respondent's token is its only credential (tests/api/governance.rs).
    "/api/v1/respond/{token}",
];

/// The resources a route's placeholders name.
#[derive(Debug, Clone)]
pub struct Targets {
    /// `{user_id}`.
    pub user: UserId,
    /// `{token_id}`.
    pub token: TokenId,
    /// `{channel_id}`.
    pub channel: ChannelId,
    /// `{rule_id}`.
    pub rule: RuleId,
    /// `{notification_id}`.
    pub notification: NotificationId,
    /// `{import_id}`.
    pub import: probity_core::catalog::ImportId,
    /// `{change_id}` (with task 1).
    pub change: probity_core::catalog::ChangeId,
    /// `{policy_id}`, by the state its version 1 is in: draft (for submit), in review (for
    /// approve), approved (for publish) and published (for everything else).
    pub policies: [probity_core::governance::PolicyId; 4],
    /// `{risk_id}`.
    pub risk: probity_core::governance::RiskId,
    /// `{exception_id}`: requested (for a decision) and approved (for everything else).
    pub exceptions: [probity_core::governance::ExceptionId; 2],
    /// `{exception_hash}`: the requested exception's current snapshot hash.
    pub exception_hash: String,
    /// `{expires_at}`: 30 days after the targets were made.
    pub expires_at: String,
    /// `{vendor_id}`.
    pub vendor: probity_core::governance::VendorId,
    /// `{assessment_id}`: submitted, with a file for `{question_id}`.
    pub assessment: probity_core::governance::AssessmentId,
    /// `{asset_id}`.
    pub asset: probity_core::governance::AssetId,
    /// `{training_id}`: assigned to `{user_id}` on the published policy.
    pub training: probity_core::governance::TrainingId,
    /// `{violation_id}`: open, on the published policy.
    pub violation: probity_core::governance::ViolationId,
    /// `{evidence_id}`: a JSON evidence item.
    pub evidence: probity_core::assurance::EvidenceId,
    /// `{freeze_id}`.
    pub freeze: probity_core::assurance::FreezeId,
    /// `{assessment_id}` under `/api/v1/assessments`: in progress (SOC 2, led by `{user_id}`,
    /// with finding `F-1`) and signed off (for new versions).
    pub compliance: [probity_core::assurance::ComplianceAssessmentId; 2],
    /// `{test_id}`: a pushed control test.
    pub test: probity_core::assurance::ControlTestId,
    /// `{service_key}`: a service.
    pub service_key: String,
    /// `{slo_id}`: an SLA at version 1 whose last month missed its target.
    pub slo: probity_core::service_level::SloId,
    /// `{slo_violation_id}`: that month's unacknowledged violation.
    pub slo_violation: probity_core::service_level::SloViolationId,
    /// `{credit_id}`: that month's credit, pending approval.
    pub credit: probity_core::service_level::ServiceCreditId,
    /// `{measured_at}`: a minute before the targets were made.
    pub measured_at: String,
    /// `{report_id}`: a generated report.
    pub report: probity_core::reports::ReportId,
    /// `{schedule_id}`: a report schedule delivering to `{channel_id}`.
    pub schedule: probity_core::reports::ReportScheduleId,
    /// `{feed_id}`: a calendar feed of the caller ([`Targets::with_calendar_feed`]).
    pub calendar_feed: probity_core::calendar::CalendarFeedId,
    /// `{hold_id}`: an active legal hold ([`Targets::with_hold`]).
    pub hold: probity_core::audit::retention::LegalHoldId,
    /// `{detection_rule_id}`: a detection rule ([`Targets::with_detection`]).
    pub detection_rule: probity_core::audit::detect::DetectionRuleId,
    /// `{alert_id}`: an open alert of that rule.
    pub alert: probity_core::audit::detect::AlertId,
    /// `{forwarder_id}`: a paused SIEM forwarder (made with the detection targets).
    pub forwarder: probity_core::audit::forward::ForwarderId,
    /// `{request_id}`: a GDPR data subject request received now, being verified (so it can
    /// both move to `in_progress` and be extended).
    pub privacy_request: probity_core::privacy::RequestId,
    /// `{breach_id}`: a GDPR breach.
    pub breach: probity_core::privacy::BreachId,
    /// `{activity_id}`: a processing activity.
    pub activity: probity_core::privacy::ActivityId,
    /// `{purpose_id}`: a consent purpose no event names (so it can be removed).
    pub purpose: probity_core::privacy::PurposeId,
    /// `{purpose_key}`: the key of a second purpose, with one grant of `{subject_id}`.
    pub purpose_key: String,
    /// `{subject_id}`: a subject with consent recorded.
    pub consent_subject: String,
    /// `{dpia_id}`: `[a complete draft DPIA of the activity, one in review at version 1]`;
    /// approvals and rejections take the second.
    pub dpias: [probity_core::privacy::DpiaId; 2],
    /// `{retention_schedule_id}`: a retention schedule of the activity.
    pub retention_schedule: probity_core::privacy::RetentionScheduleId,
    /// `{ticket_id}`: a new standard × normal support ticket ([`Targets::with_support`]).
    pub ticket: probity_core::support::TicketId,
    /// `{support_config_version}`: the support configuration's version as stored
    /// ([`Targets::with_support`]).
    pub support_config_version: u32,
    /// `{template_key}`: a questionnaire template of the tenant's own
    /// ([`Targets::with_questionnaire_template`]).
    pub template_key: String,
}

impl Targets {
    /// `user` and `token`, with notification ids that name nothing.
    pub fn of(user: UserId, token: TokenId) -> Self {
        Targets {
            user,
            token,
            channel: ChannelId::new(),
            rule: RuleId::new(),
            notification: NotificationId::new(),
            import: probity_core::catalog::ImportId::new(),
            change: probity_core::catalog::ChangeId::new(),
            policies: [probity_core::governance::PolicyId::new(); 4],
            risk: probity_core::governance::RiskId::new(),
            exceptions: [probity_core::governance::ExceptionId::new(); 2],
            exception_hash: "0".repeat(64),
            expires_at: "2027-01-01T00:00:00Z".to_owned(),
            vendor: probity_core::governance::VendorId::new(),
            assessment: probity_core::governance::AssessmentId::new(),
            asset: probity_core::governance::AssetId::new(),
            training: probity_core::governance::TrainingId::new(),
            violation: probity_core::governance::ViolationId::new(),
            evidence: probity_core::assurance::EvidenceId::new(),
            freeze: probity_core::assurance::FreezeId::new(),
            compliance: [probity_core::assurance::ComplianceAssessmentId::new(); 2],
            test: probity_core::assurance::ControlTestId::new(),
            service_key: "no-such-service".to_owned(),
            slo: probity_core::service_level::SloId::new(),
            slo_violation: probity_core::service_level::SloViolationId::new(),
            credit: probity_core::service_level::ServiceCreditId::new(),
            measured_at: "2026-01-01T00:00:00Z".to_owned(),
            calendar_feed: probity_core::calendar::CalendarFeedId::new(),
            hold: probity_core::audit::retention::LegalHoldId::new(),
            detection_rule: probity_core::audit::detect::DetectionRuleId::new(),
            alert: probity_core::audit::detect::AlertId::new(),
            forwarder: probity_core::audit::forward::ForwarderId::new(),
            report: probity_core::reports::ReportId::new(),
            schedule: probity_core::reports::ReportScheduleId::new(),
            privacy_request: probity_core::privacy::RequestId::new(),
            breach: probity_core::privacy::BreachId::new(),
            activity: probity_core::privacy::ActivityId::new(),
            purpose: probity_core::privacy::PurposeId::new(),
            purpose_key: "no-such-purpose".to_owned(),
            consent_subject: "no-such-subject".to_owned(),
            dpias: [probity_core::privacy::DpiaId::new(); 2],
            retention_schedule: probity_core::privacy::RetentionScheduleId::new(),
            ticket: probity_core::support::TicketId::new(),
            support_config_version: 0,
            template_key: "no-such-template".to_owned(),
        }
    }

    /// Adds a questionnaire template of `tenant`'s own, with no questionnaire sent from it.
    pub async fn with_questionnaire_template(
        mut self,
        server: &TestServer,
        tenant: &Tenant,
        n: usize,
    ) -> Self {
        let system = Principal::system(tenant.clone(), "test");
        let mut template =
            probity_core::governance::vendor::questionnaire_template("security-baseline").unwrap();
        template.key = format!("target-template-{}-{n}", tenant.slug);
        self.template_key = server
            .state
            .governance()
            .add_questionnaire_template(&system, &template)
            .await
            .unwrap()
            .template
            .key;
        self
    }

    /// Adds a new standard × normal support ticket of `tenant`.
    pub async fn with_support(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        let system = Principal::system(tenant.clone(), "test");
        self.ticket = server
            .state
            .support()
            .create_ticket(
                &system,
                &probity_core::support::NewTicket {
                    customer_ref: format!("target-{n}"),
                    organization: String::new(),
                    title: format!("Target ticket {n}"),
                    description: String::new(),
                    category: "how-to".into(),
                    priority: Some(probity_core::support::Priority::Normal),
                    tier: "standard".into(),
                    assignee: None,
                    queue: None,
                    opened_at: None,
                },
            )
            .await
            .unwrap()
            .ticket
            .id;
        self.support_config_version = server
            .state
            .support()
            .config(&system)
            .await
            .unwrap()
            .version;
        self
    }

    /// Adds a data subject request being verified, a breach and a processing activity of
    /// `tenant`.
    pub async fn with_privacy(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        use probity_core::privacy::{
            NewBreach, NewRequest, Regime, RequestKind, RequestState, RequestTransition,
        };
        let system = Principal::system(tenant.clone(), "test");
        let privacy = server.state.privacy();
        let request = privacy
            .create_request(
                &system,
                &NewRequest {
                    regime: Regime::Gdpr,
                    kind: RequestKind::Erasure,
                    subject_ref: format!("target-{n}"),
                    received_at: None,
                    notes: String::new(),
                },
            )
            .await
            .unwrap();
        self.privacy_request = request.request.id;
        privacy
            .transition_request(
                &system,
                self.privacy_request,
                &RequestTransition {
                    to: RequestState::VerifyingIdentity,
                    reason: None,
                    version: None,
                },
            )
            .await
            .unwrap();
        self.breach = privacy
            .create_breach(
                &system,
                &NewBreach {
                    title: format!("Target breach {n}"),
                    discovered_at: privacy.now() - chrono::Duration::hours(2),
                    aware_at: privacy.now() - chrono::Duration::hours(1),
                    nature: "misdirected email".into(),
                    data_categories: vec!["contact".into()],
                    approx_subjects: Some(3),
                    approx_records: Some(3),
                    consequences: String::new(),
                    measures: String::new(),
                    regimes: vec![Regime::Gdpr],
                },
            )
            .await
            .unwrap()
            .breach
            .id;
        self.activity = privacy
            .create_activity(
                &system,
                &probity_core::privacy::ActivityInput {
                    name: format!("Target activity {n}"),
                    purposes: vec!["customer support".into()],
                    legal_basis: probity_core::privacy::LegalBasis::Contract,
                    art9_condition: None,
                    data_categories: vec!["contact".into()],
                    subject_categories: vec!["customers".into()],
                    recipients: vec![],
                    processors: vec![],
                    retention: "2 years".into(),
                    security_measures: vec![],
                    transfers: vec![],
                    version: None,
                },
            )
            .await
            .unwrap()
            .id;
        let consent = server.state.consent();
        self.purpose = consent
            .create_purpose(
                &system,
                &probity_core::privacy::NewPurpose {
                    key: format!("target-{n}"),
                    title: format!("Target purpose {n}"),
                    description: String::new(),
                    activity_id: Some(self.activity),
                    legal_basis: None,
                },
            )
            .await
            .unwrap()
            .id;
        self.purpose_key = format!("target-consent-{n}");
        consent
            .create_purpose(
                &system,
                &probity_core::privacy::NewPurpose {
                    key: self.purpose_key.clone(),
                    title: format!("Target consent {n}"),
                    description: String::new(),
                    activity_id: None,
                    legal_basis: None,
                },
            )
            .await
            .unwrap();
        self.consent_subject = format!("target-subject-{n}");
        consent
            .record(
                &system,
                &probity_core::privacy::NewConsentEvent {
                    id: None,
                    subject_id: self.consent_subject.clone(),
                    purpose: self.purpose_key.clone(),
                    action: probity_core::privacy::ConsentAction::Grant,
                    notice_version: "v1".into(),
                    method: probity_core::privacy::ConsentMethod::Api,
                    source: "test".into(),
                    occurred_at: consent_now(server),
                },
            )
            .await
            .unwrap();
        let complete = probity_core::privacy::DpiaInput {
            title: format!("Target DPIA {n}"),
            description: String::new(),
            activity_ids: vec![self.activity],
            answers: probity_core::privacy::dpia::QUESTIONS
                .iter()
                .map(|q| probity_core::privacy::dpia::QuestionAnswer {
                    question: q.key.into(),
                    answer: probity_core::privacy::dpia::Answer::Yes,
                    notes: String::new(),
                })
                .collect(),
            inherent_risk: Some(probity_core::privacy::dpia::RiskRating {
                likelihood: probity_core::privacy::dpia::Likelihood::Possible,
                severity: probity_core::privacy::dpia::Severity::Significant,
            }),
            mitigations: vec![],
            residual_risk: Some(probity_core::privacy::dpia::RiskRating {
                likelihood: probity_core::privacy::dpia::Likelihood::Remote,
                severity: probity_core::privacy::dpia::Severity::Significant,
            }),
            version: None,
        };
        // The DPIAs and the schedule name an activity of their own, so that the target
        // activity can still be removed.
        let linked = privacy
            .create_activity(
                &system,
                &probity_core::privacy::ActivityInput {
                    name: format!("Linked activity {n}"),
                    purposes: vec!["customer support".into()],
                    legal_basis: probity_core::privacy::LegalBasis::Contract,
                    art9_condition: None,
                    data_categories: vec!["contact".into()],
                    subject_categories: vec!["customers".into()],
                    recipients: vec![],
                    processors: vec![],
                    retention: String::new(),
                    security_measures: vec![],
                    transfers: vec![],
                    version: None,
                },
            )
            .await
            .unwrap()
            .id;
        let complete = probity_core::privacy::DpiaInput {
            activity_ids: vec![linked],
            ..complete
        };
        let draft = privacy.create_dpia(&system, &complete).await.unwrap();
        let review = privacy.create_dpia(&system, &complete).await.unwrap();
        privacy.submit_dpia(&system, review.dpia.id).await.unwrap();
        self.dpias = [draft.dpia.id, review.dpia.id];
        self.retention_schedule = privacy
            .create_retention_schedule(
                &system,
                &probity_core::privacy::RetentionScheduleInput {
                    data_category: "contact".into(),
                    period_days: 30,
                    activity_ids: vec![linked],
                    audit_event_types: vec!["customer.profile".into()],
                    closed_requests: false,
                    description: String::new(),
                    active: true,
                    version: None,
                },
            )
            .await
            .unwrap()
            .id;
        self
    }

    /// Adds a generated report and a report schedule of `tenant` (after
    /// [`Targets::with_notify`]: the schedule delivers to its channel).
    pub async fn with_reports(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        use probity_core::reports::{NewReport, NewReportSchedule, ReportFormat, ReportKind};
        let system = Principal::system(tenant.clone(), "test");
        let reports = server.state.reports();
        self.report = reports
            .generate(
                &system,
                &NewReport {
                    kind: ReportKind::PolicyAcknowledgments,
                    format: Some(ReportFormat::Json),
                    params: Default::default(),
                },
            )
            .await
            .unwrap()
            .record
            .id;
        self.schedule = reports
            .create_schedule(
                &system,
                &NewReportSchedule {
                    name: format!("target {n}"),
                    kind: ReportKind::RiskRegister,
                    format: Some(ReportFormat::Json),
                    params: Default::default(),
                    cron: "0 6 * * *".into(),
                    channels: vec![self.channel],
                },
            )
            .await
            .unwrap()
            .id;
        self
    }

    /// Adds an active legal hold (a hold is released only once).
    pub async fn with_hold(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        use probity_core::audit::retention::{HoldCriteria, NewLegalHold};
        let system = Principal::system(tenant.clone(), "test");
        self.hold = server
            .state
            .erasure()
            .place_hold(
                &system,
                &NewLegalHold {
                    case_id: format!("TARGET-{n}"),
                    reason: "target".into(),
                    criteria: HoldCriteria::default(),
                },
            )
            .await
            .unwrap()
            .id;
        self
    }

    /// Adds a detection rule and an open alert of it (recorded as the evaluation pass records
    /// alerts, without waiting for events), and a paused SIEM forwarder.
    pub async fn with_detection(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        use probity_core::audit::detect::{
            Alert, AlertId, AlertStatus, Detection, NewDetectionRule, RuleKind, RuleMatch,
        };
        let system = Principal::system(tenant.clone(), "test");
        let rule = server
            .state
            .detection()
            .create_rule(
                &system,
                &NewDetectionRule {
                    name: format!("target rule {n}"),
                    severity: None,
                    matcher: RuleMatch::default(),
                    kind: RuleKind::RiskAbove { min_risk: 0.99 },
                    cooldown_minutes: 0,
                    enabled: Some(false),
                    policy_id: None,
                },
            )
            .await
            .unwrap();
        let store = server.platform.store();
        let cursor = store.detection_cursor(tenant.id).await.unwrap();
        let alert = Alert {
            id: AlertId::new(),
            tenant_id: tenant.id,
            rule_name: rule.name.clone(),
            severity: rule.severity,
            detection: Detection {
                rule_id: rule.id,
                rule_version: rule.version,
                key: "user-1".into(),
                indexes: vec![0],
                summary: "target".into(),
                at: server.now(),
            },
            status: AlertStatus::Open,
            created_at: server.now(),
            acknowledged: None,
            resolved: None,
        };
        assert!(
            store
                .record_detections(tenant.id, cursor, cursor, std::slice::from_ref(&alert), &[])
                .await
                .unwrap()
        );
        self.detection_rule = rule.id;
        self.alert = alert.id;
        let forwarder = server
            .state
            .forwarders()
            .create(
                &system,
                &serde_json::from_value(serde_json::json!({
                    "name": format!("target forwarder {n}"),
                    "destination": { "type": "syslog", "transport": "udp", "address": "127.0.0.1:9" },
                    "enabled": false,
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        self.forwarder = forwarder.forwarder.id;
        self
    }

    /// Adds a calendar feed owned by `owner` (a feed is revoked only by its owner).
    pub async fn with_calendar_feed(
        mut self,
        server: &TestServer,
        owner: &Principal,
        n: usize,
    ) -> Self {
        self.calendar_feed = server
            .state
            .calendar()
            .create_feed(
                owner,
                &probity_core::calendar::NewCalendarFeed {
                    name: format!("Target feed {n}"),
                    kinds: vec![],
                },
            )
            .await
            .unwrap()
            .feed
            .id;
        self
    }

    /// Adds a service and an SLA of `tenant` whose previous calendar month missed its target,
    /// judged by a sweep of the tenant: an unacknowledged violation and a pending credit.
    pub async fn with_service_levels(
        mut self,
        server: &TestServer,
        tenant: &Tenant,
        n: usize,
    ) -> Self {
        use probity_core::service_level::{
            CreditSchedule, CreditTier, MeasurementInput, NewService, NewSlo, SloMetric, WindowKind,
        };
        let system = &Principal::system(tenant.clone(), "test");
        let sl = server.state.service_levels();
        let service = sl
            .create_service(
                system,
                &NewService {
                    key: format!("target-{n}"),
                    name: format!("Target service {n}"),
                    provider: "Target team".into(),
                    customer: Some("Target customer".into()),
                    description: None,
                },
            )
            .await
            .unwrap();
        let slo = sl
            .create_slo(
                system,
                &NewSlo {
                    service: service.key.clone(),
                    name: format!("Target SLA {n}"),
                    description: None,
                    metric: SloMetric::AvailabilityRequests,
                    target_percent: 99.9,
                    threshold_ms: None,
                    window: Some(WindowKind::CalendarMonth),
                    exclusions: vec![],
                    burn_rules: None,
                    escalation_minutes: None,
                    credits: Some(CreditSchedule {
                        tiers: vec![CreditTier {
                            lower: 0.0,
                            upper: 99.9,
                            credit_percent: 10.0,
                        }],
                        monthly_fee: 1000.0,
                        currency: "EUR".into(),
                        cap_percent: 50.0,
                        minimum_amount: 0.0,
                        claim_window_days: 30,
                        requires_approval: true,
                    }),
                    source: None,
                },
            )
            .await
            .unwrap();
        let now = server.now();
        let last_month = WindowKind::CalendarMonth.previous(now);
        sl.ingest(
            system,
            &[MeasurementInput {
                slo_id: slo.id,
                at: last_month.start + chrono::Duration::days(1),
                good: Some(900),
                total: Some(1000),
                value_ms: None,
                values_ms: None,
            }],
        )
        .await
        .unwrap();
        sl.sweep_tenant(system).await.unwrap();
        let violations = sl.violations(system, Some(slo.id), true).await.unwrap();
        let credits = sl.credits(system).await.unwrap();
        self.service_key = service.key;
        self.slo = slo.id;
        self.slo_violation = violations.first().expect("a missed month").id;
        self.credit = credits
            .iter()
            .find(|c| c.slo_id == slo.id)
            .expect("a pending credit")
            .id;
        self.measured_at = (now - chrono::Duration::minutes(1)).to_rfc3339();
        self
    }

    /// Adds a fresh channel, routing rule and unacknowledged notification of `tenant`.
    pub async fn with_notify(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        let system = Principal::system(tenant.clone(), "test");
        let notify = server.state.notify();
        let channel = notify
            .create_channel(
                &system,
                &NewChannel {
                    name: format!("target {n}"),
                    kind: probity_core::notify::ChannelKind::Webhook,
                    url: Some("http://127.0.0.1:9/target".into()),
                    to: vec![],
                    routing_key: None,
                },
            )
            .await
            .unwrap();
        let rule = notify
            .create_rule(
                &system,
                &NewRule {
                    name: format!("target {n}"),
                    kind_prefix: "target".into(),
                    min_severity: Severity::Info,
                    channels: vec![channel.channel.id],
                    escalation: vec![],
                },
            )
            .await
            .unwrap();
        let raised = notify
            .raise(
                tenant.id,
                &Notice {
                    kind: "target.raised".into(),
                    severity: Severity::Low,
                    title: format!("target {n}"),
                    body: String::new(),
                    link: None,
                    dedup_key: None,
                },
            )
            .await
            .unwrap();
        self.channel = channel.channel.id;
        self.rule = rule.id;
        self.notification = raised.notification.id;
        self
    }

    /// Adds an OSCAL import, a change record, four policies (one per state), a risk with two
    /// exceptions, a vendor with a submitted assessment, a training, a policy violation and an
    /// asset of `tenant`.
    pub async fn with_governance(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        let system = Principal::system(tenant.clone(), "test");
        let import = server
            .state
            .catalog()
            .import(&system, probe_catalog(n + 100_000).as_bytes(), None)
            .await
            .unwrap();
        self.import = import.id;
        let change = server
            .state
            .catalog()
            .create_change(
                &system,
                &probity_core::catalog::NewChangeRecord {
                    from: "iso27001-2013".into(),
                    to: "iso27001-2022".into(),
                    baseline: None,
                    title: Some(format!("target {n}")),
                    due: None,
                },
            )
            .await
            .unwrap();
        self.change = change.id;
        self.policies = target_policies(server, &system, n).await;
        let (risk, exceptions, hash) = target_risk_and_exceptions(server, &system, n).await;
        self.risk = risk;
        self.exceptions = exceptions;
        self.exception_hash = hash;
        self.expires_at = (server.now() + chrono::Duration::days(30)).to_rfc3339();
        (self.vendor, self.assessment) = target_vendor(server, &system, n).await;
        let gov = server.state.governance();
        self.training = gov
            .assign_training(
                &system,
                self.policies[3],
                &probity_core::governance::AssignTraining {
                    title: format!("Target training {n}"),
                    user_ids: vec![self.user],
                    due: server.now().date_naive(),
                },
            )
            .await
            .unwrap()
            .first()
            .unwrap()
            .training
            .id;
        self.violation = gov
            .record_violation(
                &system,
                self.policies[3],
                &probity_core::governance::NewViolation {
                    description: format!("Target violation {n}"),
                    severity: "low".into(),
                    source: None,
                    reference: None,
                },
            )
            .await
            .unwrap()
            .id;
        self.asset = server
            .state
            .governance()
            .create_asset(
                &system,
                &probity_core::governance::NewAsset {
                    name: format!("Target asset {n}"),
                    kind: "system".into(),
                    owner: "Target owner".into(),
                    classification: "internal".into(),
                    criticality: "low".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        self
    }

    /// Adds evidence, a freeze, two compliance assessments (one signed off), a control test
    /// and a decision policy of `tenant`.
    pub async fn with_assurance(mut self, server: &TestServer, tenant: &Tenant, n: usize) -> Self {
        let system = &Principal::system(tenant.clone(), "test");
        use probity_core::assurance::{
            EvidenceContent, FindingInput, FindingSeverity, NewAssessment, NewControlTest,
            NewDecisionPolicy, NewEvidence, NewFreeze, NewSignOff,
        };
        let a = server.state.assurance();
        self.evidence = a
            .create_evidence(
                system,
                &NewEvidence {
                    title: format!("Target evidence {n}"),
                    description: None,
                    tags: vec![],
                    control_ids: vec!["IAM-06".into()],
                    requirement_ids: vec![],
                    validity_days: None,
                    owner: None,
                    collected_at: None,
                    content: EvidenceContent::Json {
                        document: serde_json::json!({ "target": n }),
                    },
                },
            )
            .await
            .unwrap()
            .item
            .id;
        let today = server.now().date_naive();
        self.freeze = a
            .freeze_evidence(
                system,
                &NewFreeze {
                    name: format!("Target freeze {n}"),
                    assessment_id: None,
                    period_start: Some(today),
                    period_end: Some(today),
                },
            )
            .await
            .unwrap()
            .id;
        let lead = Principal {
            user_id: Some(self.user),
            actor: probity_core::audit::Actor {
                kind: probity_core::audit::ActorKind::User,
                id: self.user.to_string(),
                display: "Target lead".into(),
            },
            ..system.clone()
        };
        let new = |title: &str| NewAssessment {
            title: Some(format!("{title} {n}")),
            framework: "soc2-2017".into(),
            scope: "Target scope".into(),
            period_start: today,
            period_end: today,
            lead: Some(self.user),
            team: vec![],
        };
        let open = a
            .create_assessment(system, &new("Target open"))
            .await
            .unwrap();
        a.add_finding(
            system,
            open.assessment.id,
            &FindingInput {
                title: format!("Target finding {n}"),
                severity: FindingSeverity::Low,
                description: None,
                requirement_ids: vec![],
                control_ids: vec![],
                status: None,
                remediation: vec![],
            },
        )
        .await
        .unwrap();
        let signed = a
            .create_assessment(system, &new("Target signed"))
            .await
            .unwrap();
        a.sign_off(
            &lead,
            signed.assessment.id,
            &NewSignOff {
                content_sha256: signed.content_sha256.clone(),
                statement: None,
            },
        )
        .await
        .unwrap();
        self.compliance = [open.assessment.id, signed.assessment.id];
        self.test = a
            .create_control_test(
                system,
                &NewControlTest {
                    key: format!("target-{n}"),
                    title: format!("Target test {n}"),
                    summary: None,
                    control_ids: vec!["IAM-09".into()],
                    rego: "package t\nimport rego.v1\ndeny contains \"bad\" if input.bad\n".into(),
                    collector: None,
                    schedule: None,
                },
            )
            .await
            .unwrap()
            .id;
        a.put_decision_policy(
            system,
            "target-policy",
            &NewDecisionPolicy {
                title: "Target policy".into(),
                rego: "package d\nimport rego.v1\ndefault allow := false\nallow if input.ok\n"
                    .into(),
            },
        )
        .await
        .unwrap();
        self
    }

    fn fill(&self, text: &str) -> String {
        text.replace("{framework_id}", "soc2-2017")
            .replace("{number}", "1")
            .replace("{requirement_id}", "CC6.1")
            .replace("{control_id}", "IAM-01")
            .replace("{link_hash}", &first_intersecting_link())
            .replace("{user_id}", &self.user.to_string())
            .replace("{token_id}", &self.token.to_string())
            .replace("{channel_id}", &self.channel.to_string())
            .replace("{rule_id}", &self.rule.to_string())
            .replace("{notification_id}", &self.notification.to_string())
            .replace("{import_id}", &self.import.to_string())
            .replace("{change_id}", &self.change.to_string())
            .replace("{policy_hash}", &policy_template_hash())
            .replace("{risk_id}", &self.risk.to_string())
            .replace("{exception_hash}", &self.exception_hash)
            .replace("{expires_at}", &self.expires_at)
            .replace("{vendor_id}", &self.vendor.to_string())
            .replace("{assessment_id}", &self.assessment.to_string())
            .replace("{question_id}", "assurance-2")
            .replace("{asset_id}", &self.asset.to_string())
            .replace("{training_id}", &self.training.to_string())
            .replace("{violation_id}", &self.violation.to_string())
            .replace("{evidence_id}", &self.evidence.to_string())
            .replace("{freeze_id}", &self.freeze.to_string())
            .replace("{test_id}", &self.test.to_string())
            .replace("{finding_id}", "F-1")
            .replace("{key}", "target-policy")
            .replace("{service_key}", &self.service_key)
            .replace("{slo_id}", &self.slo.to_string())
            .replace("{slo_violation_id}", &self.slo_violation.to_string())
            .replace("{credit_id}", &self.credit.to_string())
            .replace("{measured_at}", &self.measured_at)
            .replace("{feed_id}", &self.calendar_feed.to_string())
            .replace("{report_id}", &self.report.to_string())
            .replace("{schedule_id}", &self.schedule.to_string())
            .replace("{hold_id}", &self.hold.to_string())
            .replace("{detection_rule_id}", &self.detection_rule.to_string())
            .replace("{alert_id}", &self.alert.to_string())
            .replace(
                "{support_config_version}",
                &self.support_config_version.to_string(),
            )
            .replace("{forwarder_id}", &self.forwarder.to_string())
            .replace("{request_id}", &self.privacy_request.to_string())
            .replace("{breach_id}", &self.breach.to_string())
            .replace("{activity_id}", &self.activity.to_string())
            .replace("{purpose_id}", &self.purpose.to_string())
            .replace("{purpose_key}", &self.purpose_key)
            .replace("{subject_id}", &self.consent_subject)
            .replace(
                "{retention_schedule_id}",
                &self.retention_schedule.to_string(),
            )
            .replace("{ticket_id}", &self.ticket.to_string())
            .replace("{template_key}", &self.template_key)
    }
}

impl RouteCase {
    /// The path with the targets in place of the placeholders (a ledger `{index}` is entry 0,
    /// which an empty ledger does not have), and its query string if it needs one.
    pub fn path_for(&self, targets: &Targets) -> String {
        let query = QUERIES
            .iter()
            .find(|(path, _)| *path == self.path)
            .map_or("", |(_, query)| query);
        let exception = if self.path.ends_with("/decision") {
            targets.exceptions[0]
        } else {
            targets.exceptions[1]
        };
        let policy = if self.path.ends_with("/submit") {
            targets.policies[0]
        } else if self.path.ends_with("/approve") {
            targets.policies[1]
        } else if self.path.ends_with("/publish") {
            targets.policies[2]
        } else {
            targets.policies[3]
        };
        let compliance = if self.path.ends_with("/versions") {
            targets.compliance[1]
        } else {
            targets.compliance[0]
        };
        let path = if self.path.starts_with("/api/v1/assessments/") {
            self.path
                .replace("{assessment_id}", &compliance.to_string())
        } else {
            self.path.to_owned()
        };
        let dpia = if self.path.ends_with("/approve") || self.path.ends_with("/reject") {
            targets.dpias[1]
        } else {
            targets.dpias[0]
        };
        let path = path.replace("{dpia_id}", &dpia.to_string());
        let path = targets
            .fill(&path)
            .replace("{index}", "0")
            .replace("{policy_id}", &policy.to_string())
            .replace("{exception_id}", &exception.to_string());
        format!("{path}{query}")
    }

    /// Whether the route needs the assurance targets ([`Targets::with_assurance`]).
    pub fn needs_assurance(&self) -> bool {
        self.path.starts_with("/api/v1/assessments/")
            || ["{evidence_id}", "{freeze_id}", "{test_id}", "{key}"]
                .iter()
                .any(|p| self.path.contains(p))
    }

    /// Whether the route needs the catalog and governance targets
    /// ([`Targets::with_governance`]): its path or body names one of them (`{assessment_id}`
    /// under `/api/v1/assessments/` is a compliance assessment, not a vendor's).
    pub fn needs_governance(&self) -> bool {
        const GOVERNANCE: [&str; 13] = [
            "{import_id}",
            "{change_id}",
            "{policy_id}",
            "{risk_id}",
            "{exception_id}",
            "{exception_hash}",
            "{expires_at}",
            "{vendor_id}",
            "{asset_id}",
            "{training_id}",
            "{violation_id}",
            "{question_id}",
            "{assessment_id}",
        ];
        let text = format!("{} {}", self.path, self.body.unwrap_or(""));
        let text = if self.path.starts_with("/api/v1/assessments/") {
            text.replace("{assessment_id}", "")
        } else {
            text
        };
        GOVERNANCE.iter().any(|p| text.contains(p))
    }

    /// Whether the route needs the service-level targets ([`Targets::with_service_levels`]).
    pub fn needs_service_levels(&self) -> bool {
        ["{slo_id}", "{slo_violation_id}", "{credit_id}"]
            .iter()
            .any(|p| self.path.contains(p))
            || self
                .body
                .is_some_and(|b| b.contains("{slo_id}") || b.contains("{service_key}"))
    }

    /// Whether the route needs the report targets ([`Targets::with_reports`]).
    pub fn needs_reports(&self) -> bool {
        self.path.contains("{report_id}") || self.path.contains("{schedule_id}")
    }

    /// Whether the route needs the privacy targets ([`Targets::with_privacy`]).
    pub fn needs_privacy(&self) -> bool {
        [
            "{request_id}",
            "{breach_id}",
            "{activity_id}",
            "{purpose_id}",
            "{subject_id}",
            "{dpia_id}",
            "{retention_schedule_id}",
        ]
        .iter()
        .any(|p| self.path.contains(p) || self.body.is_some_and(|b| b.contains(p)))
            || self.body.is_some_and(|b| b.contains("{purpose_key}"))
    }

    /// Whether the route needs a support ticket ([`Targets::with_support`]).
    pub fn needs_support(&self) -> bool {
        self.path.contains("{ticket_id}")
            || self
                .body
                .is_some_and(|b| b.contains("{support_config_version}"))
    }

    /// Whether the route needs a questionnaire template of the tenant's own
    /// ([`Targets::with_questionnaire_template`]).
    pub fn needs_questionnaire_template(&self) -> bool {
        self.path.contains("{template_key}")
    }

    /// Whether the path names a resource by a globally unique id (a ledger `{index}` is a
    /// position in the caller's own log, not another tenant's id).
    pub fn names_a_resource(&self) -> bool {
        [
            "{user_id}",
            "{token_id}",
            "{channel_id}",
            "{rule_id}",
            "{notification_id}",
            "{import_id}",
            "{change_id}",
            "{policy_id}",
            "{risk_id}",
            "{exception_id}",
            "{vendor_id}",
            "{assessment_id}",
            "{asset_id}",
            "{training_id}",
            "{violation_id}",
            "{evidence_id}",
            "{freeze_id}",
            "{test_id}",
            "{slo_id}",
            "{slo_violation_id}",
            "{credit_id}",
            "{report_id}",
            "{schedule_id}",
            "{feed_id}",
            "{hold_id}",
            "{detection_rule_id}",
            "{alert_id}",
            "{forwarder_id}",
            "{request_id}",
            "{breach_id}",
            "{activity_id}",
            "{purpose_id}",
            "{dpia_id}",
            "{retention_schedule_id}",
            "{ticket_id}",
            "{template_key}",
        ]
        .iter()
        .any(|p| self.path.contains(p))
    }

    /// Whether the route needs a detection rule, alert or forwarder
    /// ([`Targets::with_detection`]).
    pub fn needs_detection(&self) -> bool {
        self.path.contains("{detection_rule_id}")
            || self.path.contains("{alert_id}")
            || self.path.contains("{forwarder_id}")
    }

    /// Whether the route needs a legal hold ([`Targets::with_hold`]).
    pub fn needs_hold(&self) -> bool {
        self.path.contains("{hold_id}")
    }

    /// Whether the route needs a calendar feed of the caller
    /// ([`Targets::with_calendar_feed`]).
    pub fn needs_calendar_feed(&self) -> bool {
        self.path.contains("{feed_id}")
    }

    /// The body with `{n}` replaced by `n` and the targets in place of their placeholders.
    pub fn body_for(&self, n: usize, targets: &Targets) -> Option<String> {
        self.body
            .map(|b| targets.fill(&b.replace("{n}", &n.to_string())))
    }

    /// The request, without credentials.
    pub fn request(&self, server: &TestServer, path: &str, n: usize, targets: &Targets) -> Call {
        let method = Method::from_bytes(self.method.as_bytes()).unwrap();
        let call = server.call(method, path);
        match self.body_for(n, targets) {
            Some(body) => call.json_text(&body),
            None => call,
        }
    }
}

/// Every `(method, path)` under `/api/v1` in the served OpenAPI document.
pub async fn documented_api_routes(server: &TestServer) -> BTreeSet<(String, String)> {
    let doc = server.openapi().await;
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"]
        .as_object()
        .expect("paths in the OpenAPI document")
    {
        for method in item.as_object().unwrap().keys() {
            if [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&method.as_str())
            {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_is_in_the_isolation_table() {
    let server = TestServer::start().await;
    let documented = documented_api_routes(&server).await;
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(
        table.len(),
        ROUTES.len(),
        "routes::ROUTES lists a route twice"
    );
    let missing: Vec<String> = documented
        .iter()
        .filter(|(_, path)| path.starts_with("/api/v1/") && !TENANTLESS.contains(&path.as_str()))
        .filter(|route| !table.contains(*route))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "these routes are served but not in tests/api/routes.rs ROUTES, so the tenant-isolation \
         and role tests do not cover them; add a RouteCase for each: {missing:?}"
    );
    let stale: Vec<String> = table
        .iter()
        .filter(|route| !documented.contains(*route))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        stale.is_empty(),
        "routes::ROUTES lists routes the API does not document: {stale:?}"
    );
    server.finish().await;
}

/// A time for the target consent event: the server's now, a minute back.
fn consent_now(server: &TestServer) -> chrono::DateTime<chrono::Utc> {
    server.state.privacy().now() - chrono::Duration::minutes(1)
}
