//! The privacy forms in the browser: a request logged and moved through its workflow on its
//! page (verify identity, start, extend with reasons, deny refused without reasons, complete),
//! a breach registered and a notification recorded against its clock, a processing activity
//! recorded with taxonomy categories; bad input answered with a page naming the field, every
//! change in the ledger as the signed-in user, a stale form token refused, and a viewer shown
//! no form and refused on posting one.

use std::collections::BTreeMap;

use probity_core::platform::{Principal, Role};
use serde_json::Value;

use crate::harness::{PASSWORD, Reply, TestDatabase, TestServer, seed};

/// A browser's cookies for the test server (the web tests' helpers are private to `web.rs`).
#[derive(Debug, Default)]
pub(crate) struct Browser {
    cookies: BTreeMap<String, String>,
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

pub(crate) fn location(reply: &Reply) -> String {
    reply.header("location").unwrap_or_default().to_owned()
}

impl Browser {
    fn take_cookies(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            if value.to_str().unwrap().contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), v.to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn get(&mut self, server: &TestServer, path: &str) -> Reply {
        let reply = server
            .get(path)
            .header("cookie", &self.cookie_header())
            .send()
            .await;
        self.take_cookies(&reply);
        reply
    }

    pub(crate) async fn post(
        &mut self,
        server: &TestServer,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let reply = server
            .post(path)
            .header("cookie", &self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        self.take_cookies(&reply);
        reply
    }

    pub(crate) async fn signed_in(server: &TestServer, email: &str) -> Browser {
        let mut b = Browser::default();
        let page = b.get(server, "/login").await.ok(200);
        let csrf = hidden(&page.text, "csrf");
        let reply = b
            .post(
                server,
                "/login",
                &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(location(&reply.ok(303)), "/");
        b
    }

    /// Posts a form and follows its redirect; returns the page it led to.
    pub(crate) async fn submit(
        &mut self,
        server: &TestServer,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let reply = self.post(server, path, fields).await;
        let to = location(&reply.ok(303));
        assert!(to.starts_with("/privacy"), "{to}");
        self.get(server, &to).await.ok(200)
    }
}

pub(crate) async fn ledger_types(server: &TestServer, token: &str) -> Vec<(String, String)> {
    server.settle().await;
    let page = server
        .get("/api/v1/audit/events?type=privacy&limit=200")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e: &Value| {
            (
                e["event_type"].as_str().unwrap().to_owned(),
                e["actor_type"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub async fn web_privacy_forms_drive_requests_breaches_and_activities(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner_token = world.acme.owner_token();
    assert_eq!(server.now().date_naive().to_string(), "2026-03-02");
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let page = browser.get(&server, "/privacy").await.ok(200);
    let csrf = hidden(&page.text, "csrf");
    for form in [
        "id=\"new-request\"",
        "id=\"new-breach\"",
        "id=\"new-activity\"",
    ] {
        assert!(page.text.contains(form), "{form}: {}", page.text);
    }
    assert!(
        page.text
            .contains("<label for=\"nr-subject\">Subject id</label>"),
        "{}",
        page.text
    );

    // A request logged: its page shows the GDPR month from the day it was received.
    let request = browser
        .submit(
            &server,
            "/privacy/requests",
            &[
                ("csrf", &csrf),
                ("regime", "gdpr"),
                ("kind", "rectification"),
                ("subject_ref", "cust-771"),
                ("received_on", "2026-03-02"),
                ("notes", "wrong postal address"),
            ],
        )
        .await;
    let text = &request.text;
    assert!(text.contains("DSR-001 GDPR rectification"), "{text}");
    assert!(text.contains("Due 2026-04-02"), "{text}");
    assert!(text.contains("31 days left"), "{text}");
    assert!(text.contains("<code>cust-771</code>"), "{text}");
    let path = request.label.split_whitespace().last().unwrap().to_owned();
    assert!(path.starts_with("/privacy/requests/"), "{path}");
    let listed = browser.get(&server, "/privacy").await.ok(200);
    assert!(
        listed
            .text
            .contains(&format!("<a href=\"{path}\">DSR-001</a>")),
        "{}",
        listed.text
    );

    // Verify identity, then start.
    let version = hidden(text, "version");
    assert_eq!(version, "1");
    let page = browser
        .submit(
            &server,
            &format!("{path}/transition"),
            &[
                ("csrf", &csrf),
                ("to", "verifying_identity"),
                ("version", "1"),
            ],
        )
        .await;
    assert!(
        page.text
            .contains("id=\"request-state\">verifying identity"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("received → verifying identity"),
        "{}",
        page.text
    );
    let page = browser
        .submit(
            &server,
            &format!("{path}/transition"),
            &[("csrf", &csrf), ("to", "in_progress"), ("version", "2")],
        )
        .await;
    assert!(
        page.text.contains("id=\"request-state\">in progress"),
        "{}",
        page.text
    );
    // Extended by two months with the reasons given.
    let page = browser
        .submit(
            &server,
            &format!("{path}/extend"),
            &[
                ("csrf", &csrf),
                ("reason", "records held by three departments"),
                ("version", "3"),
            ],
        )
        .await;
    assert!(
        page.text.contains("<span class=\"tag\">extended</span>"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("Extended from 2026-04-02 to 2026-06-02: records held by three departments"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("id=\"extend-form\""),
        "only once: {}",
        page.text
    );
    // A denial without reasons is refused naming the field; a stale form is a conflict.
    let refused = browser
        .post(
            &server,
            &format!("{path}/transition"),
            &[("csrf", &csrf), ("to", "denied"), ("version", "4")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.text.contains("reason"), "{}", refused.text);
    let stale = browser
        .post(
            &server,
            &format!("{path}/transition"),
            &[("csrf", &csrf), ("to", "completed"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    let page = browser
        .submit(
            &server,
            &format!("{path}/transition"),
            &[("csrf", &csrf), ("to", "completed"), ("version", "4")],
        )
        .await;
    assert!(
        page.text.contains("id=\"request-state\">completed"),
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"request-closed\""), "{}", page.text);
    assert!(
        !page.text.contains("id=\"transition-form\""),
        "{}",
        page.text
    );

    // Bad input names the field.
    for (fields, field) in [
        (
            vec![
                ("regime", "gdpr"),
                ("kind", "opt_out"),
                ("subject_ref", "x1"),
            ],
            "kind",
        ),
        (
            vec![
                ("regime", "gdpr"),
                ("kind", "access"),
                ("subject_ref", "a@b.test"),
            ],
            "subject_ref",
        ),
        (
            vec![
                ("regime", "gdpr"),
                ("kind", "access"),
                ("subject_ref", "x1"),
                ("received_on", "2 March"),
            ],
            "received_on",
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let reply = browser.post(&server, "/privacy/requests", &all).await;
        assert_eq!(reply.status, 422, "{field}: {}", reply.text);
        assert!(reply.text.contains(field), "{field}: {}", reply.text);
    }

    // A breach registered: both clocks running; a notification to the authority meets the
    // 72-hour one.
    let breach = browser
        .submit(
            &server,
            "/privacy/breaches",
            &[
                ("csrf", &csrf),
                ("title", "Backup tape lost"),
                ("discovered_at", "2026-03-01T18:00"),
                ("aware_at", "2026-03-02T07:30"),
                ("regimes", "gdpr"),
                ("regimes", "lgpd"),
                ("nature", "loss of an unencrypted tape"),
                ("data_categories", "identity, contact"),
                ("approx_subjects", "1200"),
                ("approx_records", ""),
            ],
        )
        .await;
    let text = &breach.text;
    assert!(text.contains("BR-001 Backup tape lost"), "{text}");
    assert!(text.contains("2026-03-02 07:30 UTC"), "{text}");
    assert!(text.contains("about 1200"), "{text}");
    assert_eq!(
        text.matches("<span class=\"slo slo-running\">running</span>")
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains("id=\"no-notifications\""), "{text}");
    let breach_path = breach.label.split_whitespace().last().unwrap().to_owned();
    let page = browser
        .submit(
            &server,
            &format!("{breach_path}/notifications"),
            &[
                ("csrf", &csrf),
                ("recipient", "supervisory_authority"),
                ("recipient_name", "CNIL"),
                ("reference", "CNIL-2026-77"),
                ("version", "1"),
            ],
        )
        .await;
    let text = &page.text;
    assert!(text.contains("Notifications (1)"), "{text}");
    assert!(
        text.contains("supervisory authority (CNIL)") && text.contains("CNIL-2026-77"),
        "{text}"
    );
    // Both regimes' clocks are to the supervisory authority, so both are met.
    assert_eq!(
        text.matches("<span class=\"slo slo-met\">met</span>")
            .count(),
        2,
        "{text}"
    );
    let reply = browser
        .post(
            &server,
            "/privacy/breaches",
            &[
                ("csrf", &csrf),
                ("title", "No regime"),
                ("discovered_at", "2026-03-01T18:00"),
                ("aware_at", "2026-03-01T19:00"),
                ("nature", "x"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("regimes"), "{}", reply.text);

    // A processing activity with taxonomy categories.
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "Customer newsletter"),
        ("purposes", "send product news\nmeasure opens"),
        ("legal_basis", "consent"),
        ("art9_condition", ""),
        ("data_categories", "identity"),
        ("data_categories", "contact"),
        ("subject_categories", "customers"),
        ("retention", "until consent is withdrawn"),
    ];
    let page = browser
        .submit(&server, "/privacy/activities", &fields)
        .await;
    assert!(
        page.text.contains("Record of processing (1)"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("ROPA-001 Customer newsletter"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("<div>identity, contact</div>"),
        "{}",
        page.text
    );
    let mut health = fields.to_vec();
    health[1] = ("name", "Sick notes");
    health.push(("data_categories", "health"));
    let reply = browser.post(&server, "/privacy/activities", &health).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("art9_condition"), "{}", reply.text);

    // Every change is in the ledger, made by the signed-in user.
    let events = ledger_types(&server, owner_token).await;
    for t in [
        "privacy.request.created",
        "privacy.request.transitioned",
        "privacy.request.extended",
        "privacy.breach.created",
        "privacy.breach.notified",
        "privacy.activity.created",
    ] {
        assert!(events.iter().any(|(e, _)| e == t), "{t}: {events:?}");
    }
    assert_eq!(
        events
            .iter()
            .filter(|(e, _)| e == "privacy.request.transitioned")
            .count(),
        3,
        "{events:?}"
    );
    assert!(
        events.iter().all(|(_, actor)| actor == "user"),
        "{events:?}"
    );

    // A form with a stale or foreign token changes nothing.
    let before = events.len();
    let reply = browser
        .post(
            &server,
            "/privacy/requests",
            &[
                ("csrf", "not-the-token"),
                ("regime", "gdpr"),
                ("kind", "access"),
                ("subject_ref", "x9"),
            ],
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    assert_eq!(ledger_types(&server, owner_token).await.len(), before);

    // A viewer reads the pages without forms, and posting one is refused.
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
    let page = viewer.get(&server, "/privacy").await.ok(200);
    assert!(
        !page.text.contains("method=\"post\" action=\"/privacy"),
        "{}",
        page.text
    );
    let viewer_csrf = hidden(&page.text, "csrf");
    let page = viewer.get(&server, &breach_path).await.ok(200);
    assert!(
        page.text.contains("BR-001 Backup tape lost"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("id=\"notify-form\""), "{}", page.text);
    let reply = viewer
        .post(
            &server,
            "/privacy/requests",
            &[
                ("csrf", &viewer_csrf),
                ("regime", "gdpr"),
                ("kind", "access"),
                ("subject_ref", "x9"),
            ],
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    assert_eq!(ledger_types(&server, owner_token).await.len(), before);
    server.finish().await;
}
