//! The DPIA, retention and consent forms in the browser: a DPIA started for an activity,
//! answered, rated and mitigated (a new version per save), refused for submission while
//! incomplete, submitted, refused a rejection without reasons and an approval of a stale
//! version, then approved; a retention schedule added, paused, refused a stale resume, and run
//! now so that an audit event naming a subject past the period is erased; a consent purpose
//! registered, a grant and a withdrawal recorded and shown on the subject's page, with the
//! state at a past time proved by a signed checkpoint. Each change is in the ledger as the
//! signed-in user; a viewer sees no write form and is refused on posting one.

use chrono::Duration;
use probity_core::platform::{Principal, Role};
use serde_json::json;

use crate::harness::{PASSWORD, TestDatabase, TestServer, seed};
use crate::privacy_web::{Browser, hidden, ledger_types, location};

/// The 13 answers: two high-risk criteria hold, one safeguard only partly.
fn answers() -> Vec<(String, String)> {
    [
        ("systematic_monitoring", "yes"),
        ("large_scale", "yes"),
        ("special_categories", "no"),
        ("vulnerable_subjects", "no"),
        ("new_technology", "no"),
        ("automated_decisions", "no"),
        ("matching_datasets", "no"),
        ("international_transfers", "no"),
        ("necessity_proportionality", "yes"),
        ("data_minimisation", "partly"),
        ("retention_limits", "yes"),
        ("subject_rights", "yes"),
        ("security_measures", "yes"),
    ]
    .iter()
    .map(|(k, v)| (format!("answer.{k}"), (*v).to_owned()))
    .collect()
}

pub async fn web_privacy_dpia_retention_and_consent_forms(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner_token = world.acme.owner_token();
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let page = browser.get(&server, "/privacy").await.ok(200);
    let csrf = hidden(&page.text, "csrf");
    assert!(page.text.contains("id=\"no-dpias\""), "{}", page.text);
    assert!(
        !page.text.contains("id=\"new-dpia\""),
        "no DPIA form before an activity exists: {}",
        page.text
    );
    for form in [
        "id=\"new-schedule\"",
        "id=\"new-purpose\"",
        "id=\"consent-lookup\"",
    ] {
        assert!(page.text.contains(form), "{form}: {}", page.text);
    }
    assert!(!page.text.contains("id=\"new-consent\""), "no purpose yet");

    // The activity the DPIA and the schedule are about.
    browser
        .submit(
            &server,
            "/privacy/activities",
            &[
                ("csrf", &csrf),
                ("name", "CCTV at the warehouse"),
                ("purposes", "Theft prevention"),
                ("legal_basis", "legitimate_interests"),
                ("data_categories", "images"),
                ("subject_categories", "employees"),
            ],
        )
        .await;
    let activities = server
        .get("/api/v1/privacy/activities")
        .token(owner_token)
        .send()
        .await
        .ok(200)
        .json();
    let activity = activities["items"][0]["id"].as_str().unwrap().to_owned();

    // A DPIA started: its page lists every question, none answered.
    let dpia = browser
        .submit(
            &server,
            "/privacy/dpias",
            &[
                ("csrf", &csrf),
                ("title", "Cameras in the loading bay"),
                ("description", "Eight cameras, recording kept 30 days"),
                ("activity_ids", &activity),
            ],
        )
        .await;
    let text = &dpia.text;
    assert!(
        text.contains(
            "DPIA-001 Cameras in the loading bay <span class=\"subtitle\">version 1, draft"
        ),
        "{text}"
    );
    assert!(text.contains("id=\"unanswered\""), "{text}");
    assert!(text.contains("id=\"dpia-submit\""), "{text}");
    assert!(!text.contains("id=\"dpia-decide\""), "{text}");
    let path = dpia.label.split_whitespace().last().unwrap().to_owned();
    assert!(path.starts_with("/privacy/dpias/"), "{path}");

    // Submitting it unanswered is refused, naming what is missing.
    let reply = browser
        .post(&server, &format!("{path}/submit"), &[("csrf", &csrf)])
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("answers"), "{}", reply.text);
    assert!(reply.text.contains("inherent_risk"), "{}", reply.text);

    // A mitigation with an unknown status is refused, naming the line.
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("version".into(), "1".into()),
        ("title".into(), "Cameras in the loading bay".into()),
        (
            "description".into(),
            "Eight cameras, recording kept 30 days".into(),
        ),
        ("activity_ids".into(), activity.clone()),
        ("inherent_risk_likelihood".into(), "likely".into()),
        ("inherent_risk_severity".into(), "significant".into()),
        ("residual_risk_likelihood".into(), "possible".into()),
        ("residual_risk_severity".into(), "minimal".into()),
        (
            "notes.data_minimisation".into(),
            "faces not blurred yet".into(),
        ),
    ];
    fields.extend(answers());
    let with = |extra: (&str, &str)| {
        let mut f = fields.clone();
        f.push((extra.0.to_owned(), extra.1.to_owned()));
        f
    };
    let bad = with(("mitigations", "Blur faces | Facilities | someday"));
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let reply = browser.post(&server, &path, &refs).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply.text.contains("mitigations.0.status"),
        "{}",
        reply.text
    );

    // Answered, rated and mitigated: version 2, required by two criteria, high before and
    // low after (possible × minimal).
    let good = with((
        "mitigations",
        "Blur faces | Facilities | in progress\nSigns at every entrance | Facilities | implemented",
    ));
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = browser.submit(&server, &path, &refs).await;
    let text = &page.text;
    assert!(text.contains("version 2, draft"), "{text}");
    assert!(
        text.contains("<span class=\"tag\">DPIA required</span> 2 high-risk criteria"),
        "{text}"
    );
    assert!(
        text.contains("Safeguard gaps to mitigate: data minimisation."),
        "{text}"
    );
    assert!(!text.contains("id=\"unanswered\""), "{text}");
    assert!(
        text.contains("id=\"inherent\">high (likelihood likely, severity significant, score 6)"),
        "{text}"
    );
    assert!(
        text.contains("id=\"residual\">low (likelihood possible, severity minimal, score 2)"),
        "{text}"
    );
    assert!(
        text.contains("Blur faces | Facilities | in_progress\nSigns at every entrance"),
        "{text}"
    );
    assert!(text.contains("value=\"faces not blurred yet\""), "{text}");
    assert!(!text.contains("id=\"prior-consultation\""), "{text}");

    // Submitted, then the approver's decisions bind to version 2.
    let page = browser
        .submit(&server, &format!("{path}/submit"), &[("csrf", &csrf)])
        .await;
    assert!(page.text.contains("version 2, in review"), "{}", page.text);
    // The owner wrote it: no decision form for them, a note instead.
    assert!(page.text.contains("id=\"own-version\""), "{}", page.text);
    assert!(!page.text.contains("id=\"dpia-decide\""), "{}", page.text);
    assert_eq!(hidden(&page.text, "version"), "2");
    let reply = browser
        .post(
            &server,
            &format!("{path}/decision"),
            &[("csrf", &csrf), ("version", "2"), ("decision", "reject")],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("note"), "{}", reply.text);
    // The owner wrote version 2, so another approver signs it off.
    let reply = browser
        .post(
            &server,
            &format!("{path}/decision"),
            &[("csrf", &csrf), ("version", "2"), ("decision", "approve")],
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    assert!(
        reply.text.contains("separation of duties"),
        "{}",
        reply.text
    );
    server
        .platform
        .add_member(
            &Principal::system(world.acme.tenant.clone(), "test"),
            "dpo@acme.test",
            Some("Dana DPO"),
            Some(&secrecy::SecretString::from(PASSWORD.to_owned())),
            Role::ComplianceManager,
        )
        .await
        .unwrap();
    let mut dpo = Browser::signed_in(&server, "dpo@acme.test").await;
    let dpo_page = dpo.get(&server, &path).await.ok(200).text;
    assert!(dpo_page.contains("id=\"dpia-decide\""), "{dpo_page}");
    let dpo_csrf = hidden(&dpo_page, "csrf");
    let reply = dpo
        .post(
            &server,
            &format!("{path}/decision"),
            &[
                ("csrf", &dpo_csrf),
                ("version", "1"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let page = dpo
        .submit(
            &server,
            &format!("{path}/decision"),
            &[
                ("csrf", &dpo_csrf),
                ("version", "2"),
                ("decision", "approve"),
                ("note", "Review once blurring is live"),
            ],
        )
        .await;
    let text = &page.text;
    assert!(text.contains("version 2, approved"), "{text}");
    assert!(text.contains("Review once blurring is live"), "{text}");
    assert!(text.contains("Dana DPO"), "{text}");
    assert!(!text.contains("id=\"no-signoffs\""), "{text}");
    let listed = browser.get(&server, "/privacy").await.ok(200);
    assert!(
        listed.text.contains(&format!(
            "<a href=\"{path}\">DPIA-001</a> Cameras in the loading bay — version 2, approved"
        )),
        "{}",
        listed.text
    );

    // A retention schedule for the activity's images, 30 days, over one event type.
    let page = browser
        .submit(
            &server,
            "/privacy/retention-schedules",
            &[
                ("csrf", &csrf),
                ("data_category", "images"),
                ("period_days", "30"),
                ("activity_ids", &activity),
                ("audit_event_types", "cctv."),
                ("description", "Footage is reviewed within a week"),
                ("active", "true"),
            ],
        )
        .await;
    let text = &page.text;
    assert!(
        text.contains("RET-001 images: 30 days — last run never run"),
        "{text}"
    );
    let schedule = server
        .get("/api/v1/privacy/retention-schedules")
        .token(owner_token)
        .send()
        .await
        .ok(200)
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A category the activity does not list is refused, naming the activity.
    let reply = browser
        .post(
            &server,
            "/privacy/retention-schedules",
            &[
                ("csrf", &csrf),
                ("data_category", "health"),
                ("period_days", "30"),
                ("activity_ids", &activity),
                ("audit_event_types", "cctv."),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("activity_ids.0"), "{}", reply.text);

    // Paused, then a resume from a stale page is a conflict; the current one resumes.
    let active = format!("/privacy/retention-schedules/{schedule}/active");
    let page = browser
        .submit(
            &server,
            &active,
            &[("csrf", &csrf), ("version", "1"), ("active", "false")],
        )
        .await;
    assert!(page.text.contains("30 days (paused)"), "{}", page.text);
    let reply = browser
        .post(
            &server,
            &active,
            &[("csrf", &csrf), ("version", "1"), ("active", "true")],
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let page = browser
        .submit(
            &server,
            &active,
            &[("csrf", &csrf), ("version", "2"), ("active", "true")],
        )
        .await;
    assert!(!page.text.contains("(paused)"), "{}", page.text);

    // An event naming a subject, 31 days old when the schedule runs: erased.
    server
        .post("/api/v1/audit/events")
        .token(owner_token)
        .json(&json!({
            "event_type": "cctv.footage.viewed",
            "category": "data_access",
            "severity": "low",
            "outcome": "success",
            "actor": { "type": "user", "id": "guard-2" },
            "resource": { "type": "camera", "id": "bay-3" },
            "subject_ids": ["emp-55"],
        }))
        .send()
        .await
        .ok(201);
    server.settle().await;
    server.clock().advance(Duration::days(31));
    // A month on, the session has expired: sign in again.
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let csrf = hidden(&browser.get(&server, "/privacy").await.ok(200).text, "csrf");
    let page = browser
        .submit(
            &server,
            &format!("/privacy/retention-schedules/{schedule}/run"),
            &[("csrf", &csrf)],
        )
        .await;
    assert!(
        page.text.contains(": 1 erased, 0 kept by a hold"),
        "{}",
        page.text
    );

    // Consent: a purpose, then a grant and a withdrawal for one subject.
    let page = browser
        .submit(
            &server,
            "/privacy/consent/purposes",
            &[
                ("csrf", &csrf),
                ("key", "newsletter"),
                ("title", "Monthly newsletter"),
                ("legal_basis", "consent"),
                ("activity_id", ""),
            ],
        )
        .await;
    assert!(
        page.text.contains("id=\"purpose-newsletter\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"new-consent\""), "{}", page.text);
    let granted_at = (server.now() - Duration::days(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let page = browser
        .submit(
            &server,
            "/privacy/consent/events",
            &[
                ("csrf", &csrf),
                ("subject_id", "cust 9"),
                ("purpose", "newsletter"),
                ("action", "grant"),
                ("notice_version", "2026-01"),
                ("method", "paper"),
                ("source", "shop counter"),
                ("occurred_at", &granted_at),
            ],
        )
        .await;
    assert_eq!(
        page.label.split_whitespace().last().unwrap(),
        "/privacy/consent?subject=cust%209"
    );
    assert!(
        page.text.contains("Consent of <code>cust 9</code>"),
        "{}",
        page.text
    );
    assert!(page.text.contains(">granted</span>"), "{}", page.text);
    let reply = browser
        .post(
            &server,
            "/privacy/consent/events",
            &[
                ("csrf", &csrf),
                ("subject_id", "cust 9"),
                ("purpose", "newsletter"),
                ("action", "maybe"),
                ("notice_version", "2026-01"),
                ("method", "paper"),
                ("source", "shop counter"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("action"), "{}", reply.text);
    let page = browser
        .submit(
            &server,
            "/privacy/consent/events",
            &[
                ("csrf", &csrf),
                ("subject_id", "cust 9"),
                ("purpose", "newsletter"),
                ("action", "withdraw"),
                ("notice_version", "2026-01"),
                ("method", "email"),
                ("source", "privacy inbox"),
            ],
        )
        .await;
    let text = &page.text;
    assert!(text.contains(">withdrawn</span>"), "{text}");
    assert!(text.contains("History (2)"), "{text}");
    assert!(
        text.contains("<td data-label=\"Method\"><div>paper</div>"),
        "{text}"
    );

    // A bulk import: good lines land, a bad one is listed with its field.
    let csv = format!(
        "id,subject_id,purpose,action,notice_version,method,source,occurred_at\n\
         imp-1,cust-10,newsletter,grant,2026-01,import,crm,{at}\n\
         imp-2,cust-11,brochures,grant,2026-01,import,crm,{at}\n",
        at = (server.now() - Duration::hours(1)).to_rfc3339()
    );
    let reply = browser
        .post(
            &server,
            "/privacy/consent/import",
            &[("csrf", &csrf), ("format", "csv"), ("content", &csv)],
        )
        .await
        .ok(200);
    assert!(
        reply.text.contains(
            "id=\"import-counts\">1 recorded, 0 duplicate(s) already on record, 1 rejected."
        ),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("<div>3</div>"), "{}", reply.text);
    assert!(reply.text.contains("purpose"), "{}", reply.text);
    let reply = browser
        .post(
            &server,
            "/privacy/consent/import",
            &[("csrf", &csrf), ("format", "xml"), ("content", &csv)],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("format"), "{}", reply.text);

    // A day ago the grant stood, as the signed checkpoint proves.
    server.settle().await;
    let day_ago = (server.now() - Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let page = browser
        .get(
            &server,
            &format!("/privacy/consent?subject=cust%209&at={day_ago}"),
        )
        .await
        .ok(200);
    let text = &page.text;
    assert!(text.contains("id=\"proven-against\""), "{text}");
    assert!(text.contains("checkpoint of size"), "{text}");
    assert!(
        text.contains("<code>newsletter</code>: granted since"),
        "{text}"
    );

    // Every change is in the ledger, made by the signed-in user.
    let events = ledger_types(&server, owner_token).await;
    for t in [
        "privacy.dpia.created",
        "privacy.dpia.updated",
        "privacy.dpia.submitted",
        "privacy.dpia.approved",
        "privacy.retention_schedule.created",
        "privacy.retention_schedule.updated",
        "privacy.retention.erased",
        "privacy.retention.ran",
        "privacy.consent.purpose.created",
        "privacy.consent.granted",
        "privacy.consent.withdrawn",
    ] {
        assert!(events.iter().any(|(e, _)| e == t), "{t}: {events:?}");
    }
    assert!(
        events.iter().all(|(_, actor)| actor == "user"),
        "{events:?}"
    );

    // A viewer reads the DPIA and the subject's consent without forms; posting is refused.
    server
        .platform
        .add_member(
            &Principal::system(world.acme.tenant.clone(), "test"),
            "viewer@acme.test",
            Some("Vera Viewer"),
            Some(&secrecy::SecretString::from(PASSWORD.to_owned())),
            Role::Viewer,
        )
        .await
        .unwrap();
    let mut viewer = Browser::signed_in(&server, "viewer@acme.test").await;
    let page = viewer.get(&server, &path).await.ok(200);
    assert!(
        page.text.contains("Cameras in the loading bay"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("action=\"/privacy/dpias"),
        "{}",
        page.text
    );
    let viewer_csrf = hidden(&page.text, "csrf");
    let page = viewer.get(&server, "/privacy").await.ok(200);
    assert!(
        !page.text.contains("method=\"post\" action=\"/privacy"),
        "{}",
        page.text
    );
    let before = ledger_types(&server, owner_token).await.len();
    for (path, fields) in [
        (
            format!("{path}/submit"),
            vec![("csrf", viewer_csrf.as_str())],
        ),
        (
            format!("/privacy/retention-schedules/{schedule}/run"),
            vec![("csrf", viewer_csrf.as_str())],
        ),
        (
            "/privacy/consent/purposes".to_owned(),
            vec![("csrf", viewer_csrf.as_str()), ("key", "x"), ("title", "X")],
        ),
    ] {
        let reply = viewer.post(&server, &path, &fields).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.text);
        assert_eq!(location(&reply), "");
    }
    assert_eq!(ledger_types(&server, owner_token).await.len(), before);
    server.finish().await;
}
