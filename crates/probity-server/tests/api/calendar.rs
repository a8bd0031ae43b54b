//! The compliance calendar over HTTP with a moved clock: due dates seeded in assurance,
//! governance and service levels appear with their dates and overdue flags, sorted, filtered
//! by kind, never another tenant's; bad ranges and kinds are problem JSON; a feed made by a
//! member serves RFC 5545 text (CRLF, folded lines, one event per entry) to anyone holding its
//! URL, writes no audit records when read, and answers 404 once revoked.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use probity_core::assurance::{
    EvidenceContent, FindingInput, FindingSeverity, Milestone, NewAssessment, NewControlTest,
    NewEvidence, RemediationInput,
};
use probity_core::governance::vendor::Contact;
use probity_core::governance::{
    Decision, ExceptionKind, NewException, NewPolicy, NewRisk, NewVendor, Rating, RiskCategory,
    Tier,
};
use probity_core::platform::{Principal, Role, Tenant, UserId};
use probity_core::service_level::{NewService, NewSlo, SloMetric, WindowKind};
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

/// A title long enough to be folded, with a multi-byte character and TEXT specials.
const LONG_RISK: &str = "Supplier outage; payroll, invoicing and the customer portal stop — \
     a long title that an iCalendar writer must fold over several physical lines";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Seeds one of everything that has a due date in `tenant`; returns the risk's id.
async fn seed_due_dates(server: &TestServer, tenant: &Tenant, lead: UserId) -> String {
    let system = Principal::system(tenant.clone(), "test");
    let approver = Principal {
        actor: probity_core::audit::Actor::system("test approver"),
        ..system.clone()
    };
    let now = server.now();
    let today = now.date_naive();
    let gov = server.state.governance();
    let a = server.state.assurance();
    // Evidence collected 40 days ago, valid 30: expired 10 days ago.
    a.create_evidence(
        &system,
        &NewEvidence {
            title: "Quarterly access review".into(),
            description: None,
            tags: vec![],
            control_ids: vec![],
            requirement_ids: vec![],
            validity_days: Some(30),
            owner: Some("IT".into()),
            collected_at: Some(now - Duration::days(40)),
            content: EvidenceContent::Json {
                document: json!({"reviewed": 12}),
            },
        },
    )
    .await
    .unwrap();
    let risk = gov
        .create_risk(
            &system,
            &NewRisk {
                title: LONG_RISK.into(),
                description: String::new(),
                category: RiskCategory::Operational,
                owner: "Ops".into(),
                assets: vec![],
                threat: String::new(),
                vulnerability: String::new(),
                inherent: Rating {
                    likelihood: 3,
                    impact: 4,
                },
                residual: None,
                treatment: None,
                treatment_plan: String::new(),
                control_ids: vec![],
                business_impact: None,
                review_months: Some(1),
            },
        )
        .await
        .unwrap();
    gov.request_exception(
        &system,
        &NewException {
            kind: ExceptionKind::PolicyException,
            title: "Legacy VPN without MFA".into(),
            scope: "VPN".into(),
            justification: "Replacement in progress".into(),
            compensating_controls: String::new(),
            control_ids: vec![],
            policy_ids: vec![],
            risk_ids: vec![],
            expires_at: now + Duration::days(20),
        },
    )
    .await
    .unwrap();
    gov.create_vendor(
        &system,
        &NewVendor {
            name: "Payroll Co".into(),
            services: "Payroll".into(),
            data_access: "personal".into(),
            tier: Tier::High,
            owner: "HR".into(),
            contacts: vec![Contact {
                name: "Pat".into(),
                email: "pat@payroll.test".into(),
                role: String::new(),
            }],
            contract_start: None,
            contract_end: Some(day("2026-06-30")),
            dpa_signed: None,
            subprocessors: vec![],
            documents: vec![],
        },
    )
    .await
    .unwrap();
    let assessment = a
        .create_assessment(
            &system,
            &NewAssessment {
                title: Some("SOC 2 readiness".into()),
                framework: "soc2-2017".into(),
                scope: "Production".into(),
                period_start: day("2026-01-01"),
                period_end: day("2026-03-31"),
                lead: Some(lead),
                team: vec![],
            },
        )
        .await
        .unwrap();
    a.add_finding(
        &system,
        assessment.assessment.id,
        &FindingInput {
            title: "Stale accounts".into(),
            severity: FindingSeverity::High,
            description: None,
            requirement_ids: vec![],
            control_ids: vec![],
            status: None,
            remediation: vec![RemediationInput {
                title: "Disable stale accounts".into(),
                owner: "IT".into(),
                due: today - Duration::days(5),
                milestones: vec![Milestone {
                    title: "List accounts".into(),
                    due: today + Duration::days(8),
                    done: false,
                }],
                status: None,
            }],
        },
    )
    .await
    .unwrap();
    let test = a
        .create_control_test(
            &system,
            &NewControlTest {
                key: "no-bad".into(),
                title: "Nothing bad".into(),
                summary: None,
                control_ids: vec!["IAM-09".into()],
                rego: "package t\nimport rego.v1\ndeny contains \"bad\" if input.bad\n".into(),
                collector: None,
                schedule: None,
            },
        )
        .await
        .unwrap();
    a.push_input(&system, test.id, &json!({"bad": true}))
        .await
        .unwrap();
    let policy = gov
        .create_policy(
            &system,
            &NewPolicy {
                key: "acceptable-use".into(),
                title: Some("Acceptable use".into()),
                kind: None,
                owner: "CISO".into(),
                template: None,
                content: Some("# Acceptable use\n\nBe careful.\n".into()),
                control_ids: None,
                requirement_ids: vec![],
                required_approvals: None,
                review_months: Some(12),
                values: Default::default(),
            },
        )
        .await
        .unwrap();
    let decision = Decision {
        content_hash: probity_core::governance::rules::content_hash(
            "# Acceptable use\n\nBe careful.\n",
        ),
    };
    let id = policy.policy.id;
    gov.submit(&system, id, 1).await.unwrap();
    gov.approve(&approver, id, 1, &decision).await.unwrap();
    gov.publish(&approver, id, 1, &decision).await.unwrap();
    let sl = server.state.service_levels();
    sl.create_service(
        &system,
        &NewService {
            key: "api".into(),
            name: "API".into(),
            provider: "Platform".into(),
            customer: None,
            description: None,
        },
    )
    .await
    .unwrap();
    sl.create_slo(
        &system,
        &NewSlo {
            service: "api".into(),
            name: "API availability".into(),
            description: None,
            metric: SloMetric::AvailabilityRequests,
            target_percent: 99.9,
            threshold_ms: None,
            window: Some(WindowKind::CalendarMonth),
            exclusions: vec![],
            burn_rules: None,
            escalation_minutes: None,
            credits: None,
            source: None,
        },
    )
    .await
    .unwrap();
    risk.risk.id.to_string()
}

fn items(listing: &Value) -> Vec<Value> {
    listing["items"].as_array().unwrap().clone()
}

fn of_kind(listing: &Value, kind: &str) -> Vec<Value> {
    items(listing)
        .into_iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

fn one(listing: &Value, kind: &str) -> Value {
    let found = of_kind(listing, kind);
    assert_eq!(found.len(), 1, "one {kind}: {found:?}");
    found.into_iter().next().unwrap()
}

/// Unfolds RFC 5545 content lines (CRLF + one space or tab continues the previous line).
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for physical in text.split("\r\n").filter(|l| !l.is_empty()) {
        match physical
            .strip_prefix(' ')
            .or_else(|| physical.strip_prefix('\t'))
        {
            Some(rest) => lines.last_mut().unwrap().push_str(rest),
            None => lines.push(physical.to_owned()),
        }
    }
    lines
}

/// Every due date, its flags, the filters, the feed and its revocation, across tenants.
pub async fn calendar_due_dates_and_a_subscribed_feed(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let viewer = acme.token(Role::Viewer);
    let risk_id = seed_due_dates(&server, &acme.tenant, acme.owner.id).await;
    // Globex has a risk of its own that acme must never see.
    let globex_system = Principal::system(world.globex.tenant.clone(), "test");
    server
        .state
        .governance()
        .create_risk(
            &globex_system,
            &NewRisk {
                title: "Globex secret merger".into(),
                description: String::new(),
                category: RiskCategory::Strategic,
                owner: "Board".into(),
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
                review_months: Some(1),
            },
        )
        .await
        .unwrap();

    // t0 = 2026-03-02 09:00 UTC; the default range is 2026-01-31 to 2026-08-29.
    let listing = server
        .get("/api/v1/calendar")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(listing["from"], "2026-01-31");
    assert_eq!(listing["to"], "2026-08-29");
    assert!(!listing.to_string().contains("Globex"), "{listing}");
    let dates: Vec<String> = items(&listing)
        .iter()
        .map(|e| e["date"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "entries are sorted by date");
    let uids: BTreeSet<String> = items(&listing)
        .iter()
        .map(|e| e["uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(uids.len(), dates.len(), "uids are unique");

    let evidence = one(&listing, "evidence_expiry");
    assert_eq!(evidence["date"], "2026-02-20");
    assert_eq!(evidence["overdue"], true);
    assert!(evidence["link"].as_str().unwrap().starts_with("/evidence/"));
    let risk = one(&listing, "risk_review");
    assert_eq!(risk["date"], "2026-04-02");
    assert_eq!(risk["overdue"], false);
    assert_eq!(risk["link"], format!("/governance/risks/{risk_id}"));
    assert_eq!(risk["context"], "governance");
    let exception = one(&listing, "exception_expiry");
    assert_eq!(exception["date"], "2026-03-22");
    assert_eq!(exception["overdue"], false);
    let vendor = one(&listing, "vendor_reassessment");
    assert_eq!(vendor["date"], "2026-03-02");
    assert_eq!(
        vendor["overdue"], true,
        "a new vendor is due for assessment now"
    );
    assert_eq!(one(&listing, "vendor_contract_end")["date"], "2026-06-30");
    let period = one(&listing, "assessment_period_end");
    assert_eq!(period["date"], "2026-03-31");
    assert_eq!(period["overdue"], false);
    let remediation = one(&listing, "remediation_due");
    assert_eq!(remediation["date"], "2026-02-25");
    assert_eq!(remediation["overdue"], true);
    let milestone = one(&listing, "milestone_due");
    assert_eq!(milestone["date"], "2026-03-10");
    assert_eq!(milestone["overdue"], false);
    let test = one(&listing, "control_test_fix");
    assert_eq!(
        test["date"], "2026-03-09",
        "failing since t0, fixed within 7 days"
    );
    assert_eq!(test["overdue"], false);
    let ack = one(&listing, "policy_acknowledgment");
    assert_eq!(ack["date"], "2026-03-16");
    assert!(
        of_kind(&listing, "policy_review").is_empty(),
        "the review is a year away, outside the range"
    );
    let windows: Vec<String> = of_kind(&listing, "slo_window_end")
        .iter()
        .map(|e| e["date"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        windows,
        [
            "2026-01-31",
            "2026-02-28",
            "2026-03-31",
            "2026-04-30",
            "2026-05-31",
            "2026-06-30",
            "2026-07-31"
        ]
    );
    assert!(
        of_kind(&listing, "slo_window_end")
            .iter()
            .all(|e| e["overdue"] == false)
    );

    // A range and a kind filter.
    let reviews = server
        .get("/api/v1/calendar?from=2026-03-01&to=2027-03-31&kind=policy_review,risk_review")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let kinds: BTreeSet<String> = items(&reviews)
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["policy_review".to_owned(), "risk_review".to_owned()])
    );
    assert_eq!(one(&reviews, "policy_review")["date"], "2027-03-02");
    // Bad input is problem JSON naming what to fix.
    for (query, field) in [
        ("?from=2026-04-01&to=2026-03-01", "from"),
        ("?from=2026-01-01&to=2029-12-31", "to"),
        ("?kind=dsr_deadline", "kind"),
    ] {
        let p = server
            .get(&format!("/api/v1/calendar{query}"))
            .token(viewer)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{query}: {p}");
    }
    for query in ["?from=2026-13-01", "?to=yesterday", "?colour=red"] {
        server
            .get(&format!("/api/v1/calendar{query}"))
            .token(viewer)
            .send()
            .await
            .assert_problem_shape();
    }
    server
        .get("/api/v1/calendar")
        .send()
        .await
        .problem(401, "unauthorized");

    // Moving the clock moves the overdue flags.
    server.clock().advance(Duration::days(45));
    let later = server
        .get("/api/v1/calendar?from=2026-03-01&to=2026-04-30")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(one(&later, "risk_review")["overdue"], true);
    assert_eq!(one(&later, "exception_expiry")["overdue"], true);
    assert_eq!(one(&later, "milestone_due")["overdue"], true);
    server.clock().advance(Duration::days(-45));

    // A feed, made by the viewer's token; its URL is shown once.
    let made = server
        .post("/api/v1/calendar/feeds")
        .token(viewer)
        .json(&json!({"name": "Work calendar"}))
        .send()
        .await
        .ok(201)
        .json();
    let token = made["token"].as_str().unwrap().to_owned();
    let url = made["url"].as_str().unwrap().to_owned();
    assert!(url.ends_with(&format!("/calendar/{token}.ics")), "{url}");
    let feed_id = made["feed"]["id"].as_str().unwrap().to_owned();
    let listed = server
        .get("/api/v1/calendar/feeds")
        .token(viewer)
        .send()
        .await
        .ok(200);
    assert!(!listed.text.contains(&token), "the token is never listed");
    assert_eq!(listed.json()["items"][0]["id"], feed_id.as_str());
    // Another member's list does not show it.
    let others = server
        .get("/api/v1/calendar/feeds")
        .token(acme.token(Role::Contributor))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(others["items"], json!([]));
    server
        .post("/api/v1/calendar/feeds")
        .token(viewer)
        .json(&json!({"name": ""}))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .post("/api/v1/calendar/feeds")
        .token(viewer)
        .json(&json!({"name": "x", "colour": "red"}))
        .send()
        .await
        .assert_problem_shape();

    // The feed over HTTP, without credentials; reading it writes no audit record.
    server.settle().await;
    let audit_before = server
        .get("/api/v1/audit/events?limit=500")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    let ics = server
        .get(&format!("/calendar/{token}.ics"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        ics.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let text = ics.text.clone();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "only CRLF line endings"
    );
    let physical: Vec<&str> = text.split("\r\n").collect();
    assert!(
        physical.iter().all(|l| l.len() <= 75),
        "no physical line is longer than 75 octets"
    );
    assert!(
        physical.iter().any(|l| l.starts_with(' ')),
        "the long risk title is folded"
    );
    let lines = unfold(&text);
    for required in ["VERSION:2.0", "PRODID:-//Probity//Compliance calendar//EN"] {
        assert!(lines.iter().any(|l| l == required), "{required}");
    }
    assert!(lines.iter().any(|l| l.starts_with("X-WR-CALNAME:")));
    let events = lines.iter().filter(|l| *l == "BEGIN:VEVENT").count();
    let feed_range = server
        .get("/api/v1/calendar?from=2025-12-02&to=2027-03-02")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let expected_uids: BTreeSet<String> = items(&feed_range)
        .iter()
        .map(|e| format!("UID:{}", e["uid"].as_str().unwrap()))
        .collect();
    let feed_uids: BTreeSet<String> = lines
        .iter()
        .filter(|l| l.starts_with("UID:"))
        .cloned()
        .collect();
    assert_eq!(events, expected_uids.len());
    assert_eq!(
        feed_uids, expected_uids,
        "one event per entry of the feed's range"
    );
    assert!(lines.contains(&"DTSTART;VALUE=DATE:20260402".to_owned()));
    assert!(lines.contains(&"DTSTAMP:20260302T090000Z".to_owned()));
    let summary = format!(
        "SUMMARY:Review risk {} {}",
        one(&listing, "risk_review")["title"]
            .as_str()
            .unwrap()
            .split(' ')
            .nth(2)
            .unwrap(),
        LONG_RISK.replace(';', "\\;").replace(',', "\\,")
    );
    assert!(lines.contains(&summary), "{summary} in {lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l == &format!("URL:http://127.0.0.1:8080/governance/risks/{risk_id}")),
        "links are absolute"
    );
    assert!(lines.iter().any(|l| l.starts_with("SUMMARY:Overdue: ")));
    assert!(!text.contains("Globex"));
    server.settle().await;
    let audit_after = server
        .get("/api/v1/audit/events?limit=500")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    let audit_items = audit_after["items"].as_array().unwrap();
    assert_eq!(
        audit_items.len(),
        audit_before,
        "a feed read is not audited"
    );
    assert!(audit_items.iter().any(
        |e| e["event_type"] == "calendar_feed.created" && e["resource_id"] == feed_id.as_str()
    ));

    // Globex's feed shows globex's calendar only.
    let globex_feed = server
        .post("/api/v1/calendar/feeds")
        .token(world.globex.owner_token())
        .json(&json!({"name": "Board", "kinds": ["risk_review"]}))
        .send()
        .await
        .ok(201)
        .json();
    let globex_ics = server
        .get(&format!(
            "/calendar/{}.ics",
            globex_feed["token"].as_str().unwrap()
        ))
        .send()
        .await
        .ok(200)
        .text;
    assert!(globex_ics.contains("Globex secret merger"));
    assert!(!globex_ics.contains("Supplier outage"));
    assert_eq!(
        unfold(&globex_ics)
            .iter()
            .filter(|l| *l == "BEGIN:VEVENT")
            .count(),
        1
    );
    // Acme cannot revoke globex's feed, nor another member's.
    let globex_feed_id = globex_feed["feed"]["id"].as_str().unwrap();
    server
        .delete(&format!("/api/v1/calendar/feeds/{globex_feed_id}"))
        .token(acme.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    server
        .delete(&format!("/api/v1/calendar/feeds/{feed_id}"))
        .token(acme.token(Role::Contributor))
        .send()
        .await
        .problem(404, "not_found");

    // Revoked: the URL answers 404 problem JSON; revoking again is 404.
    server
        .delete(&format!("/api/v1/calendar/feeds/{feed_id}"))
        .token(viewer)
        .send()
        .await
        .ok(204);
    server
        .get(&format!("/calendar/{token}.ics"))
        .send()
        .await
        .problem(404, "not_found");
    server
        .delete(&format!("/api/v1/calendar/feeds/{feed_id}"))
        .token(viewer)
        .send()
        .await
        .problem(404, "not_found");
    let revoked = server
        .get("/api/v1/calendar/feeds")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert!(revoked["items"][0]["revoked_at"].is_string());
    for path in [
        "/calendar/nope.ics".to_owned(),
        format!("/calendar/{token}"),
        format!("/calendar/{}.ics", "A".repeat(43)),
    ] {
        server.get(&path).send().await.problem(404, "not_found");
    }
    server.settle().await;
    let types: Vec<String> = server
        .get("/api/v1/audit/events?type=calendar_feed&limit=50")
        .token(acme.owner_token())
        .send()
        .await
        .ok(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["calendar_feed.revoked", "calendar_feed.created"]);

    // A feed owned by a token dies with the token.
    let made = server
        .post("/api/v1/calendar/feeds")
        .token(acme.token(Role::Auditor))
        .json(&json!({"name": "Audit plan"}))
        .send()
        .await
        .ok(201)
        .json();
    let path = format!("/calendar/{}.ics", made["token"].as_str().unwrap());
    server.get(&path).send().await.ok(200);
    server
        .delete(&format!("/api/v1/tokens/{}", acme.token_id(Role::Auditor)))
        .token(acme.owner_token())
        .send()
        .await
        .ok(204);
    server.get(&path).send().await.problem(404, "not_found");
    server.finish().await;
}
