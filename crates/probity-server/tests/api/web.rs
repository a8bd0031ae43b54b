//! The web UI over HTTP: sign-in (wrong password, second factor, lockout message), the
//! dashboard's real widgets, CSRF on every form, local-only redirects, tenant switching,
//! sign-out, role-aware navigation, and the page Content-Security-Policy.

use std::collections::BTreeMap;

use chrono::Duration;
use probity_core::audit::Actor;
use probity_core::platform::{Principal, Role};

use crate::harness::{PASSWORD, Reply, TestDatabase, TestServer, seed};

/// A browser's cookies for the test server.
#[derive(Debug, Default, Clone)]
struct Browser {
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

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take_cookies(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            let attrs: Vec<&str> = value.split(';').map(str::trim).collect();
            assert!(attrs.contains(&"HttpOnly"), "{value}");
            assert!(attrs.contains(&"SameSite=Strict"), "{value}");
            if attrs.contains(&"Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), v.to_owned());
            }
        }
    }

    async fn get(&mut self, server: &TestServer, path: &str) -> Reply {
        let reply = server
            .get(path)
            .header("cookie", &self.cookie_header())
            .send()
            .await;
        self.take_cookies(&reply);
        reply
    }

    async fn post(&mut self, server: &TestServer, path: &str, fields: &[(&str, &str)]) -> Reply {
        let reply = server
            .post(path)
            .header("cookie", &self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(fields))
            .send()
            .await;
        self.take_cookies(&reply);
        reply
    }

    /// Opens the sign-in page and posts the form; returns the answer to the post.
    async fn sign_in(
        &mut self,
        server: &TestServer,
        email: &str,
        password: &str,
        next: Option<&str>,
    ) -> Reply {
        let page = self.get(server, "/login").await.ok(200);
        let csrf = hidden(&page.text, "csrf");
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ];
        if let Some(next) = next {
            fields.push(("next", next));
        }
        self.post(server, "/login", &fields).await
    }

    /// Signs in and fails unless the answer sends the browser to `/`.
    async fn signed_in(server: &TestServer, email: &str) -> Browser {
        let mut browser = Browser::default();
        let reply = browser.sign_in(server, email, PASSWORD, None).await;
        assert_eq!(location(&reply.ok(303)), "/");
        assert!(browser.cookies.contains_key("probity_session"));
        browser
    }

    /// The CSRF token of the signed-in pages.
    async fn csrf(&mut self, server: &TestServer) -> String {
        let page = self.get(server, "/").await.ok(200);
        hidden(&page.text, "csrf")
    }
}

fn location(reply: &Reply) -> String {
    reply.header("location").unwrap_or_default().to_owned()
}

fn assert_page(reply: &Reply) {
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/html"),
        "{}: {content_type}",
        reply.label
    );
    let csp = reply.header("content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{}: CSP {csp:?} lacks {directive}",
            reply.label
        );
    }
    assert!(!csp.contains("unsafe-inline"), "{}: {csp}", reply.label);
    assert!(!csp.contains("unsafe-eval"), "{}: {csp}", reply.label);
    assert_eq!(
        reply.header("cache-control"),
        Some("no-store"),
        "{}",
        reply.label
    );
    assert_eq!(
        reply.header("x-frame-options"),
        Some("DENY"),
        "{}",
        reply.label
    );
    // No inline script or style: every <script> has a src, no style attributes or elements.
    let html = &reply.text;
    assert!(
        !html.contains("<script>") && !html.contains("<script >"),
        "{}",
        reply.label
    );
    assert!(
        !html.contains(" style=\"") && !html.contains("<style"),
        "{}",
        reply.label
    );
    assert!(html.contains("<main id=\"main\""), "{}", reply.label);
}

pub async fn web_sign_in_dashboard_and_pages(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    // The seed's records are four days old by the time the dashboard is looked at.
    server.clock().advance(Duration::days(4));
    let mut browser = Browser::default();

    // The sign-in page: labelled fields and a CSRF token bound to a cookie.
    let page = browser.get(&server, "/login").await.ok(200);
    assert_page(&page);
    for label in ["<label for=\"email\">", "<label for=\"password\">"] {
        assert!(page.text.contains(label), "{}", page.text);
    }
    assert!(browser.cookies.contains_key("probity_login"));

    // A wrong password and an unknown account get the same answer.
    let wrong = browser
        .sign_in(
            &server,
            world.acme.owner_email(),
            "not-the-password-1",
            None,
        )
        .await
        .ok(401);
    assert_page(&wrong);
    assert!(
        wrong.text.contains("The email or password is wrong."),
        "{}",
        wrong.text
    );
    assert!(!browser.cookies.contains_key("probity_session"));
    let unknown = browser
        .sign_in(&server, "nobody@acme.test", "not-the-password-1", None)
        .await
        .ok(401);
    let message = |r: &Reply| {
        let start = r.text.find("role=\"alert\"").unwrap();
        r.text[start..start + 120].to_owned()
    };
    assert_eq!(message(&wrong), message(&unknown));

    // Signing in lands on the dashboard with the tenant and both real widgets.
    let reply = browser
        .sign_in(&server, world.acme.owner_email(), PASSWORD, None)
        .await
        .ok(303);
    assert_eq!(location(&reply), "/");
    assert!(
        !browser.cookies.contains_key("probity_login"),
        "the form nonce is dropped"
    );
    // The session cookie is the API's: it works on /api/v1 too.
    let me = server
        .get("/api/v1/auth/me")
        .header("cookie", &browser.cookie_header())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(me["tenant"]["slug"], "acme");

    // Records today as well as four days ago; the ledger task sequences and signs them.
    server
        .post("/api/v1/tokens")
        .token(world.acme.owner_token())
        .json(&serde_json::json!({ "name": "later", "role": "viewer" }))
        .send()
        .await
        .ok(201);
    probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    let dash = browser.get(&server, "/").await.ok(200);
    assert_page(&dash);
    let text = &dash.text;
    assert!(text.contains("Acme Ltd"), "{text}");
    assert!(
        !text.contains("Globex"),
        "only the user's own tenants appear: {text}"
    );
    assert!(
        text.contains("Audit activity") && text.contains("<svg"),
        "{text}"
    );
    assert!(text.contains("records in the last 14 days"), "{text}");
    assert_eq!(text.matches("class=\"chart-bar\"").count(), 14, "{text}");
    assert!(
        text.contains("Ledger status") && text.contains("Tree size"),
        "{text}"
    );
    assert!(text.contains("Last checkpoint</dt><dd>size "), "{text}");
    assert!(
        text.contains("<dd id=\"cosigners\">none on this checkpoint</dd>"),
        "no witness configured: {text}"
    );
    for empty in ["Compliance posture", "No risks yet", "No SLOs or SLAs yet"] {
        assert!(text.contains(empty), "{empty}: {text}");
    }
    for href in [
        "/",
        "/audit",
        "/ledger",
        "/compliance",
        "/governance",
        "/privacy",
        "/service-levels",
        "/settings",
    ] {
        assert!(
            text.contains(&format!("<a href=\"{href}\"")),
            "nav lacks {href}"
        );
        let reply = browser.get(&server, href).await.ok(200);
        assert_page(&reply);
        assert!(reply.text.contains("aria-current=\"page\""), "{href}");
    }
    let privacy = browser.get(&server, "/privacy").await;
    assert!(
        privacy.text.contains("No open requests"),
        "{}",
        privacy.text
    );
    assert!(text.contains("No open data subject requests"), "{text}");
    let audit = browser.get(&server, "/audit").await;
    assert!(audit.text.contains("token.created"), "{}", audit.text);
    assert!(
        audit.text.contains("user.login.succeeded"),
        "{}",
        audit.text
    );
    let settings = browser.get(&server, "/settings").await;
    assert!(
        settings.text.contains("owner@acme.test"),
        "{}",
        settings.text
    );

    // The stylesheet and script are served with a versioned name and a long cache life.
    let css = hidden_href(&dash.text, "stylesheet");
    assert!(
        css.starts_with("/static/app.") && css.ends_with(".css"),
        "{css}"
    );
    let asset = server.get(&css).send().await.ok(200);
    assert_eq!(
        asset.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        asset
            .header("content-type")
            .unwrap()
            .starts_with("text/css")
    );
    server
        .get("/static/app.000000000000.css")
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

fn hidden_href(page: &str, rel: &str) -> String {
    let marker = format!("<link rel=\"{rel}\" href=\"");
    let start = page.find(&marker).unwrap() + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

pub async fn web_forms_need_csrf_and_redirects_stay_local(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let email = world.acme.owner_email();

    // Pages send signed-out visitors to sign in, and back afterwards.
    let mut browser = Browser::default();
    let reply = browser.get(&server, "/ledger").await.ok(303);
    assert_eq!(location(&reply), "/login?next=/ledger");
    let reply = browser.get(&server, "/audit?cursor=x&y=1").await.ok(303);
    assert_eq!(location(&reply), "/login?next=/audit%3Fcursor%3Dx%26y%3D1");
    assert_eq!(location(&browser.get(&server, "/").await.ok(303)), "/login");
    let reply = browser
        .sign_in(&server, email, PASSWORD, Some("/ledger"))
        .await;
    assert_eq!(location(&reply.ok(303)), "/ledger");

    // Anything but a local path goes to the dashboard instead.
    for next in [
        "https://evil.test/",
        "//evil.test/x",
        "/\\evil.test",
        "http:/evil.test",
    ] {
        let mut browser = Browser::default();
        let reply = browser.sign_in(&server, email, PASSWORD, Some(next)).await;
        assert_eq!(location(&reply.ok(303)), "/", "{next}");
    }

    // The sign-in form needs its token, and the token needs its cookie.
    let mut fresh = Browser::default();
    let page = fresh.get(&server, "/login").await;
    let csrf = hidden(&page.text, "csrf");
    let no_token = fresh
        .post(
            &server,
            "/login",
            &[("email", email), ("password", PASSWORD)],
        )
        .await
        .ok(403);
    assert_page(&no_token);
    let mut cookieless = Browser::default();
    cookieless
        .post(
            &server,
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
        )
        .await
        .ok(403);
    assert!(!cookieless.cookies.contains_key("probity_session"));

    // Signed-in forms need the session's token.
    let mut browser = Browser::signed_in(&server, email).await;
    let token = browser.csrf(&server).await;
    let mut other = Browser::signed_in(&server, email).await;
    let foreign = other.csrf(&server).await;
    for (path, fields) in [
        ("/logout", vec![]),
        ("/logout", vec![("csrf", foreign.as_str())]),
        ("/tenants/switch", vec![("tenant", "acme")]),
        ("/tenants/switch", vec![("tenant", "acme"), ("csrf", "")]),
    ] {
        let reply = browser.post(&server, path, &fields).await.ok(403);
        assert_page(&reply);
    }
    // Still signed in.
    browser.get(&server, "/").await.ok(200);
    assert_eq!(hidden(&browser.get(&server, "/").await.text, "csrf"), token);
    // The switcher's return path is local only, too.
    let reply = browser
        .post(
            &server,
            "/tenants/switch",
            &[
                ("csrf", &token),
                ("tenant", "acme"),
                ("next", "//evil.test"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&reply), "/");
    server.finish().await;
}

pub async fn web_tenant_switch_and_sign_out(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    // The acme owner is also a viewer in globex.
    let globex_owner = Principal::system(world.globex.tenant.clone(), "test");
    server
        .platform
        .add_member(
            &globex_owner,
            world.acme.owner_email(),
            None,
            None,
            Role::Viewer,
        )
        .await
        .unwrap();
    let initech = server
        .platform
        .create_tenant(&Actor::system("test"), "initech", "Initech")
        .await
        .unwrap();
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("name=\"tenant\""),
        "two tenants: the switcher shows"
    );
    assert!(
        dash.text.contains("Globex Corporation (Viewer)"),
        "{}",
        dash.text
    );
    assert!(dash.text.contains("href=\"/settings\""));
    let csrf = hidden(&dash.text, "csrf");

    // Switching to globex: pages act there, with the role held there.
    let reply = browser
        .post(
            &server,
            "/tenants/switch",
            &[
                ("csrf", &csrf),
                ("tenant", "globex"),
                ("next", "/compliance"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&reply), "/compliance");
    assert_eq!(
        browser.cookies.get("probity_tenant").map(String::as_str),
        Some("globex")
    );
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text
            .contains("Dashboard <span class=\"subtitle\">Globex Corporation"),
        "{}",
        dash.text
    );
    assert!(
        !dash.text.contains("href=\"/settings\""),
        "a viewer has no settings link"
    );
    assert!(
        dash.text
            .contains("Your role (Viewer) does not include the audit trail"),
        "{}",
        dash.text
    );
    let refused = browser.get(&server, "/settings").await.ok(403);
    assert_page(&refused);
    browser.get(&server, "/ledger").await.ok(403);
    // The API, reached by a page's download link with the same cookies, acts in the switched
    // tenant too.
    let me = browser.get(&server, "/api/v1/auth/me").await.ok(200);
    assert!(me.text.contains("\"globex\""), "{}", me.text);

    // A tenant the user does not belong to, or that does not exist, is refused.
    for tenant in [initech.slug.as_str(), "no-such-tenant", "Bad Slug;"] {
        let reply = browser
            .post(
                &server,
                "/tenants/switch",
                &[("csrf", &csrf), ("tenant", tenant)],
            )
            .await
            .ok(403);
        assert!(reply.text.contains("not a member"), "{}", reply.text);
    }
    assert_eq!(
        browser.cookies.get("probity_tenant").map(String::as_str),
        Some("globex")
    );
    // A forged tenant cookie falls back to the session's own tenant.
    browser
        .cookies
        .insert("probity_tenant".into(), "initech".into());
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(dash.text.contains("subtitle\">Acme Ltd"), "{}", dash.text);
    assert!(!dash.text.contains("Initech"));
    let me = browser.get(&server, "/api/v1/auth/me").await.ok(200);
    assert!(me.text.contains("\"acme\""), "{}", me.text);

    // Signing out ends the session for the UI and the API, and is audited.
    let old = browser.cookie_header();
    let old_session = browser.cookies["probity_session"].clone();
    let reply = browser
        .post(&server, "/logout", &[("csrf", &csrf)])
        .await
        .ok(303);
    assert_eq!(location(&reply), "/login?signed_out=1");
    assert!(!browser.cookies.contains_key("probity_session"));
    assert!(!browser.cookies.contains_key("probity_tenant"));
    let page = browser.get(&server, "/login?signed_out=1").await.ok(200);
    assert!(page.text.contains("You have signed out."));
    let mut stale = Browser::default();
    stale.cookies.insert("probity_session".into(), old_session);
    let reply = stale.get(&server, "/").await.ok(303);
    assert_eq!(location(&reply), "/login");
    assert!(
        !stale.cookies.contains_key("probity_session"),
        "the dead cookie is cleared"
    );
    server
        .get("/api/v1/auth/me")
        .header("cookie", &old)
        .send()
        .await
        .problem(401, "unauthorized");
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events")
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(events["items"][0]["event_type"], "user.logout");
    server.finish().await;
}

pub async fn web_second_factor_step(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let email = world.acme.owner_email();
    // Enrol through the API, as the web enrolment page has not landed.
    let session = server.login(email, PASSWORD).await;
    let enrolment = server
        .post("/api/v1/auth/totp/enrol")
        .session(&session)
        .send()
        .await
        .ok(200)
        .json();
    let code_at = |at: chrono::DateTime<chrono::Utc>| {
        let app = totp_rs::TOTP::from_url(enrolment["otpauth_url"].as_str().unwrap()).unwrap();
        app.generate(u64::try_from(at.timestamp()).unwrap())
    };
    server
        .post("/api/v1/auth/totp/confirm")
        .session(&session)
        .json(&serde_json::json!({ "code": code_at(server.now()) }))
        .send()
        .await
        .ok(200);
    server.clock().advance(Duration::seconds(60));

    let mut browser = Browser::default();
    let step = browser
        .sign_in(&server, email, PASSWORD, Some("/ledger"))
        .await
        .ok(200);
    assert_page(&step);
    assert!(
        step.text.contains("<label for=\"totp_code\">"),
        "{}",
        step.text
    );
    assert!(!browser.cookies.contains_key("probity_session"));
    // The password is not in the page: only sealed, bound to this form, email and an expiry.
    assert!(!step.text.contains(PASSWORD), "the password is echoed");
    let csrf = hidden(&step.text, "csrf");
    let next = hidden(&step.text, "next");
    let pending = hidden(&step.text, "pending");
    assert!(!pending.is_empty());
    assert_eq!(next, "/ledger");
    let wrong = browser
        .post(
            &server,
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("pending", &pending),
                ("totp_code", "000000"),
                ("next", &next),
            ],
        )
        .await
        .ok(401);
    assert!(!wrong.text.contains(PASSWORD), "the password is echoed");
    assert!(
        wrong.text.contains("That code is not valid"),
        "{}",
        wrong.text
    );
    let csrf = hidden(&wrong.text, "csrf");
    let code = code_at(server.now());
    // The first form's sealed password is bound to that form's nonce: refused with this one.
    let stale = browser
        .post(
            &server,
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("pending", &pending),
                ("totp_code", &code),
                ("next", &next),
            ],
        )
        .await
        .ok(401);
    assert!(
        stale.text.contains("enter your password again"),
        "{}",
        stale.text
    );
    assert!(!browser.cookies.contains_key("probity_session"));
    let step = browser
        .sign_in(&server, email, PASSWORD, Some("/ledger"))
        .await
        .ok(200);
    let csrf = hidden(&step.text, "csrf");
    let pending = hidden(&step.text, "pending");
    let reply = browser
        .post(
            &server,
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("pending", &pending),
                ("totp_code", &code),
                ("next", &next),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&reply), "/ledger");
    browser.get(&server, "/ledger").await.ok(200);
    server.finish().await;
}

/// The compliance pages: the overview with coverage, a framework tree with explanations, the
/// control library, a control's status form (CSRF-checked, audited, moving coverage), the
/// comparison and diff pages; a viewer sees the pages but no form.
pub async fn web_compliance_pages_and_control_form(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let overview = browser.get(&server, "/compliance").await.ok(200);
    assert_page(&overview);
    assert!(
        overview.text.contains("SOC 2 Trust Services Criteria"),
        "{}",
        overview.text
    );
    assert!(
        overview.text.contains("0 of "),
        "no control is implemented yet"
    );

    let library = browser
        .get(&server, "/compliance/controls?family=IAM")
        .await
        .ok(200);
    assert_page(&library);
    assert!(library.text.contains("IAM-01"), "{}", library.text);
    let control = browser
        .get(&server, "/compliance/controls/IAM-01")
        .await
        .ok(200);
    assert_page(&control);
    assert!(control.text.contains("Mappings ("), "{}", control.text);
    let token = hidden(&control.text, "csrf");
    browser
        .post(
            &server,
            "/compliance/controls/IAM-01",
            &[("status", "implemented"), ("owner", "IT")],
        )
        .await
        .ok(403);
    let saved = browser
        .post(
            &server,
            "/compliance/controls/IAM-01",
            &[
                ("csrf", &token),
                ("status", "implemented"),
                ("owner", "IT operations"),
                ("note", "SSO for every app"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&saved), "/compliance/controls/IAM-01?saved=1");
    let after = browser
        .get(&server, "/compliance/controls/IAM-01?saved=1")
        .await
        .ok(200);
    assert!(
        after.text.contains("Saved.") && after.text.contains("IT operations"),
        "{}",
        after.text
    );
    let api = server
        .get("/api/v1/catalog/controls/IAM-01")
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(api["status"], "implemented");
    assert_eq!(api["state"]["note"], "SSO for every app");

    let tree = browser
        .get(&server, "/compliance/frameworks/soc2-2017")
        .await
        .ok(200);
    assert_page(&tree);
    assert!(tree.text.contains("CC6.1"), "{}", tree.text);
    let gaps = browser
        .get(&server, "/compliance/frameworks/soc2-2017?only=gaps&q=CC6")
        .await
        .ok(200);
    assert!(gaps.text.contains("CC6."), "{}", gaps.text);
    assert!(!gaps.text.contains("CC7.1"), "the search narrows the tree");
    let compare = browser
        .get(
            &server,
            "/compliance/compare?from=iso27001-2022&to=soc2-2017",
        )
        .await
        .ok(200);
    assert_page(&compare);
    assert!(
        compare
            .text
            .contains("through crosswalks and shared unified controls"),
        "{}",
        compare.text
    );
    let diff = browser
        .get(
            &server,
            "/compliance/diff?from=iso27001-2013&to=iso27001-2022",
        )
        .await
        .ok(200);
    assert_page(&diff);
    assert!(
        diff.text.contains("11 added") && diff.text.contains("A.5.7"),
        "{}",
        diff.text
    );
    browser
        .get(&server, "/compliance/frameworks/nope")
        .await
        .ok(404);

    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("Compliance posture") && dash.text.contains("<meter"),
        "{}",
        dash.text
    );

    // An imported OSCAL catalog is listed and readable.
    let imported = server
        .state
        .catalog()
        .import(
            &Principal::system(world.acme.tenant.clone(), "test"),
            crate::routes::probe_catalog(7).as_bytes(),
            None,
        )
        .await
        .unwrap();
    let overview = browser.get(&server, "/compliance").await.ok(200);
    assert!(
        overview.text.contains("Probe catalog 7"),
        "{}",
        overview.text
    );
    let page = browser
        .get(&server, &format!("/compliance/imports/{}", imported.id))
        .await
        .ok(200);
    assert_page(&page);
    assert!(page.text.contains("Control one"), "{}", page.text);

    // A viewer reads the pages but gets no form.
    let password = secrecy::SecretString::from(PASSWORD.to_owned());
    server
        .platform
        .add_member(
            &Principal::system(world.acme.tenant.clone(), "test"),
            "viewer@acme.test",
            Some("Vera Viewer"),
            Some(&password),
            Role::Viewer,
        )
        .await
        .unwrap();
    let mut browser = Browser::signed_in(&server, "viewer@acme.test").await;
    let control = browser
        .get(&server, "/compliance/controls/IAM-01")
        .await
        .ok(200);
    assert!(
        !control
            .text
            .contains("<form method=\"post\" action=\"/compliance"),
        "{}",
        control.text
    );
    server.finish().await;
}

/// The governance pages: a policy started from a template in the browser, submitted, approved
/// and published through the API by another approver, then acknowledged in the browser with
/// the hash the page showed; the author sees no approve button on their own version.
pub async fn web_governance_policy_and_acknowledgment(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let overview = browser.get(&server, "/governance").await.ok(200);
    assert_page(&overview);
    assert!(
        overview.text.contains("No policies yet"),
        "{}",
        overview.text
    );
    assert!(
        overview.text.contains("Acceptable Use Policy"),
        "templates are listed"
    );
    let token = hidden(&overview.text, "csrf");
    let made = browser
        .post(
            &server,
            "/governance/policies",
            &[
                ("csrf", &token),
                ("template", "acceptable-use"),
                ("key", "acceptable-use"),
                ("owner", "People operations"),
                ("required_approvals", "1"),
            ],
        )
        .await
        .ok(303);
    let page_path = location(&made).to_owned();
    assert!(
        page_path.starts_with("/governance/policies/"),
        "{page_path}"
    );
    let id = page_path
        .trim_start_matches("/governance/policies/")
        .to_owned();
    let draft = browser.get(&server, &page_path).await.ok(200);
    assert_page(&draft);
    assert!(
        draft.text.contains("Submit version 1 for review"),
        "{}",
        draft.text
    );
    let submitted = browser
        .post(
            &server,
            &format!("{page_path}/versions/1/submit"),
            &[("csrf", &token)],
        )
        .await
        .ok(303);
    assert_eq!(location(&submitted), format!("{page_path}?done=submit"));
    let review = browser.get(&server, &page_path).await.ok(200);
    assert!(
        !review.text.contains("Approve version 1")
            && review.text.contains("someone else must approve it"),
        "the author is not offered an approval: {}",
        review.text
    );
    assert!(
        !review.text.contains("name=\"content_hash\""),
        "no decision form for the author"
    );
    let hash = server
        .get(&format!("/api/v1/policies/{id}"))
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json()["versions"][0]["content_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    for step in ["approve", "publish"] {
        server
            .post(&format!("/api/v1/policies/{id}/versions/1/{step}"))
            .token(world.acme.token(Role::ComplianceManager))
            .json(&serde_json::json!({ "content_hash": hash }))
            .send()
            .await
            .ok(200);
    }
    let overview = browser.get(&server, "/governance").await.ok(200);
    assert!(
        overview.text.contains("waiting for your acknowledgment"),
        "{}",
        overview.text
    );
    let in_force = browser.get(&server, &page_path).await.ok(200);
    assert_page(&in_force);
    let shown = hidden(&in_force.text, "content_hash");
    assert_eq!(
        shown, hash,
        "the page binds the acknowledgment to the text it shows"
    );
    // A stale hash is refused and nothing is recorded.
    browser
        .post(
            &server,
            &format!("{page_path}/acknowledge"),
            &[("csrf", &token), ("content_hash", &"0".repeat(64))],
        )
        .await
        .ok(409);
    let acked = browser
        .post(
            &server,
            &format!("{page_path}/acknowledge"),
            &[("csrf", &token), ("content_hash", &shown)],
        )
        .await
        .ok(303);
    assert_eq!(location(&acked), format!("{page_path}?done=acknowledge"));
    let after = browser.get(&server, &location(&acked)).await.ok(200);
    assert!(
        after.text.contains("You have acknowledged"),
        "{}",
        after.text
    );
    assert!(after.text.contains("via web"), "{}", after.text);
    // Acknowledgment by group: the owner has none, so counts under (none).
    assert!(after.text.contains("id=\"ack-groups\""), "{}", after.text);
    assert!(
        after
            .text
            .contains("<td>(none)</td><td>1 of 1</td><td>100%</td>"),
        "{}",
        after.text
    );
    let view = server
        .get(&format!("/api/v1/policies/{id}"))
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["acknowledged"], 1);
    assert_eq!(view["acknowledgment_rate"], 100.0);
    server.finish().await;
}

/// The risk register and exceptions in the browser: a risk added by form appears scored on the
/// register and its heat maps and on the dashboard; an exception requested by form cannot be
/// decided by its requester, and the decision form of another approver carries the linked
/// state's hash (a stale one is refused).
pub async fn web_risks_and_exceptions(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let empty = browser.get(&server, "/governance/risks").await.ok(200);
    assert_page(&empty);
    assert!(empty.text.contains("No risks yet"), "{}", empty.text);
    let token = hidden(&empty.text, "csrf");
    let made = browser
        .post(
            &server,
            "/governance/risks",
            &[
                ("csrf", &token),
                ("title", "Laptop theft exposes customer data"),
                ("category", "security"),
                ("owner", "IT operations"),
                ("likelihood", "4"),
                ("impact", "4"),
                ("threat", "Theft"),
                ("controls", "iam-01"),
            ],
        )
        .await
        .ok(303);
    let risk_path = location(&made);
    assert!(risk_path.starts_with("/governance/risks/"), "{risk_path}");
    let risk_page = browser.get(&server, &risk_path).await.ok(200);
    assert_page(&risk_page);
    assert!(
        risk_page
            .text
            .contains("Likely × Major = <strong>16</strong> (high)"),
        "{}",
        risk_page.text
    );
    assert!(
        risk_page.text.contains("IAM-01"),
        "control ids are normalised"
    );
    let register = browser.get(&server, "/governance/risks").await.ok(200);
    assert!(register.text.contains("R-001"), "{}", register.text);
    assert!(
        register.text.contains("above appetite 9"),
        "{}",
        register.text
    );
    assert!(
        register
            .text
            .contains("Likely × Major (score 16): 1 risk(s)"),
        "the heat maps count it: {}",
        register.text
    );
    let dashboard = browser.get(&server, "/").await.ok(200);
    assert!(
        dashboard.text.contains("1 open risk(s)"),
        "{}",
        dashboard.text
    );
    let reviewed = browser
        .post(&server, &format!("{risk_path}/review"), &[("csrf", &token)])
        .await
        .ok(303);
    assert_eq!(location(&reviewed), format!("{risk_path}?reviewed=1"));

    let risk_id = risk_path
        .trim_start_matches("/governance/risks/")
        .to_owned();
    let requested = browser
        .post(
            &server,
            "/governance/exceptions",
            &[
                ("csrf", &token),
                ("kind", "risk_acceptance"),
                (
                    "title",
                    "Accept laptop theft risk until disk encryption rolls out",
                ),
                ("scope", "Sales laptops"),
                ("justification", "Rollout finishes next quarter"),
                ("compensating_controls", "Remote wipe"),
                ("risk", &risk_id),
                ("expires", "2026-06-01"),
            ],
        )
        .await
        .ok(303);
    let ex_path = location(&requested);
    let page = browser.get(&server, &ex_path).await.ok(200);
    assert_page(&page);
    assert!(
        page.text.contains("someone else must decide"),
        "{}",
        page.text
    );
    let hash = server
        .get(&format!(
            "/api/v1/exceptions/{}",
            ex_path.trim_start_matches("/governance/exceptions/")
        ))
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json()["current_snapshot_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    // Posting the form anyway is refused: the requester cannot decide.
    browser
        .post(
            &server,
            &format!("{ex_path}/decision"),
            &[
                ("csrf", &token),
                ("decision", "approve"),
                ("rationale", "self"),
                ("snapshot_hash", &hash),
            ],
        )
        .await
        .ok(403);
    // Another approver, signed in, sees the form bound to the state hash.
    server
        .platform
        .create_user(
            &Actor::system("test"),
            &world.acme.tenant,
            "cm@acme.test",
            None,
            &secrecy::SecretString::from(PASSWORD.to_owned()),
            Role::ComplianceManager,
        )
        .await
        .unwrap();
    let mut approver = Browser::signed_in(&server, "cm@acme.test").await;
    let page = approver.get(&server, &ex_path).await.ok(200);
    assert_eq!(hidden(&page.text, "snapshot_hash"), hash);
    let approver_token = hidden(&page.text, "csrf");
    approver
        .post(
            &server,
            &format!("{ex_path}/decision"),
            &[
                ("csrf", &approver_token),
                ("decision", "approve"),
                ("rationale", "Remote wipe is tested"),
                ("snapshot_hash", &"0".repeat(64)),
            ],
        )
        .await
        .ok(409);
    let decided = approver
        .post(
            &server,
            &format!("{ex_path}/decision"),
            &[
                ("csrf", &approver_token),
                ("decision", "approve"),
                ("rationale", "Remote wipe is tested"),
                ("snapshot_hash", &hash),
            ],
        )
        .await
        .ok(303);
    let after = approver.get(&server, &location(&decided)).await.ok(200);
    assert!(
        after
            .text
            .contains("<span class=\"badge\" id=\"status\">approved</span>"),
        "{}",
        after.text
    );
    let list = browser.get(&server, "/governance/exceptions").await.ok(200);
    assert_page(&list);
    assert!(list.text.contains("EX-001"), "{}", list.text);
    server.finish().await;
}

/// Vendors in the browser: a vendor added by form, a questionnaire link created and shown
/// once, opened without any session, answered and submitted there, then scored on the vendor
/// page and reviewed.
pub async fn web_vendors_and_the_respondent_page(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let list = browser.get(&server, "/governance/vendors").await.ok(200);
    assert_page(&list);
    let token = hidden(&list.text, "csrf");
    let made = browser
        .post(
            &server,
            "/governance/vendors",
            &[
                ("csrf", &token),
                ("name", "Mailbird"),
                ("services", "Email"),
                ("data_access", "personal"),
                ("tier", "medium"),
                ("owner", "Marketing"),
                ("contact_name", "Kim"),
                ("contact_email", "kim@mailbird.test"),
            ],
        )
        .await
        .ok(303);
    let vendor_path = location(&made);
    let sent = browser
        .post(
            &server,
            &format!("{vendor_path}/questionnaires"),
            &[
                ("csrf", &token),
                ("template", "privacy-processor"),
                ("contact_email", "kim@mailbird.test"),
            ],
        )
        .await
        .ok(200);
    assert_page(&sent);
    let start = sent
        .text
        .find("/respond/")
        .expect("the page shows the link once");
    let link: String = sent.text[start..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    let again = browser.get(&server, &vendor_path).await.ok(200);
    assert!(!again.text.contains(&link), "the link is shown only once");
    // The respondent has no session.
    let page = server.get(&link).send().await.ok(200);
    assert!(
        page.text.contains("Processor privacy review"),
        "{}",
        page.text
    );
    server
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a_contract-1=yes&a_contract-2=eea&a_rights-1=yes&action=submit".to_owned())
        .send()
        .await
        .ok(303);
    let scored = browser.get(&server, &vendor_path).await.ok(200);
    assert!(
        scored.text.contains("Score <strong>100</strong>"),
        "{}",
        scored.text
    );
    let end = scored.text.find("/review\"").expect("a review form");
    let start = scored.text[..end].rfind('"').unwrap() + 1;
    let review_path = format!("{}/review", &scored.text[start..end]);
    let reviewed = browser
        .post(
            &server,
            &review_path,
            &[("csrf", &token), ("finding", ""), ("severity", "low")],
        )
        .await
        .ok(303);
    assert_eq!(location(&reviewed), vendor_path);
    // The asset inventory's form.
    let added = browser
        .post(
            &server,
            "/governance/assets",
            &[
                ("csrf", &token),
                ("name", "Mail relay"),
                ("kind", "system"),
                ("owner", "IT"),
                ("classification", "internal"),
                ("criticality", "medium"),
                ("location", "eu-west-1"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&added), "/governance/assets");
    let inventory = browser.get(&server, "/governance/assets").await.ok(200);
    assert_page(&inventory);
    assert!(
        inventory.text.contains("A-001") && inventory.text.contains("Mail relay"),
        "{}",
        inventory.text
    );
    server.finish().await;
}

/// The assurance pages in the browser over records seeded through the service: the assessment
/// list and page (scores, trend, results with catalog titles, the remediation plan), a result
/// recorded by form (and refused without the session's token or a needed rationale), the
/// sign-off by form (a stale hash refused) verifying on the page and a new version started by
/// form; evidence with its freshness, versions, download link and
/// freezes; a failing control test, run again by form; the starter pack installed by form; the
/// gap analysis naming what is missing; and the dashboard's assurance widgets.
pub async fn web_assurance_pages(db: TestDatabase) {
    use probity_core::assurance::model::FindingSeverity;
    use probity_core::assurance::{
        EvidenceContent, FindingInput, Milestone, NewAssessment, NewControlTest, NewEvidence,
        NewFreeze, RemediationInput, ResultInput, ResultStatus, TestResult,
    };
    use probity_core::catalog::{ControlUpdate, ImplementationStatus};

    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let system = Principal::system(world.acme.tenant.clone(), "test");
    let assurance = server.state.assurance();
    let today = server.now().date_naive();

    let evidence = |title: &str, days_ago: i64| NewEvidence {
        title: title.to_owned(),
        description: Some("Exported from the identity provider.".to_owned()),
        tags: Vec::new(),
        control_ids: vec!["IAM-09".to_owned(), "IAM-01".to_owned()],
        requirement_ids: vec!["soc2-2017:CC6.1".to_owned()],
        validity_days: Some(30),
        owner: Some("IT operations".to_owned()),
        collected_at: Some(server.now() - Duration::days(days_ago)),
        content: EvidenceContent::Json {
            document: serde_json::json!({ "title": title, "enforced": true }),
        },
    };
    let current = assurance
        .create_evidence(&system, &evidence("MFA policy export", 1))
        .await
        .unwrap();
    let expiring = assurance
        .create_evidence(&system, &evidence("Access review export", 20))
        .await
        .unwrap();
    assert_eq!(expiring.freshness, "expiring");
    let freeze = assurance
        .freeze_evidence(
            &system,
            &NewFreeze {
                name: "FY audit freeze".to_owned(),
                assessment_id: None,
                period_start: Some(today - Duration::days(90)),
                period_end: Some(today),
            },
        )
        .await
        .unwrap();

    let made = assurance
        .create_assessment(
            &system,
            &NewAssessment {
                title: Some("SOC 2 readiness".to_owned()),
                framework: "soc2-2017".to_owned(),
                scope: "The SaaS platform and its production accounts.".to_owned(),
                period_start: today - Duration::days(90),
                period_end: today,
                lead: Some(world.acme.owner.id),
                team: Vec::new(),
            },
        )
        .await
        .unwrap();
    let aid = made.assessment.id;
    assurance
        .record_requirement(
            &system,
            aid,
            "CC6.1",
            &ResultInput {
                status: ResultStatus::Compliant,
                rationale: Some("SSO with MFA everywhere".to_owned()),
                evidence_ids: vec![current.item.id],
                reviewed: true,
            },
        )
        .await
        .unwrap();
    assurance
        .add_finding(
            &system,
            aid,
            &FindingInput {
                title: "Penetration test overdue".to_owned(),
                severity: FindingSeverity::High,
                description: Some("The last external test is 14 months old.".to_owned()),
                requirement_ids: vec!["CC4.1".to_owned()],
                control_ids: vec!["VUL-03".to_owned()],
                status: None,
                remediation: vec![RemediationInput {
                    title: "Commission the annual test".to_owned(),
                    owner: "Security engineering".to_owned(),
                    due: today + Duration::days(30),
                    milestones: vec![Milestone {
                        title: "Scope agreed with the tester".to_owned(),
                        due: today + Duration::days(10),
                        done: false,
                    }],
                    status: None,
                }],
            },
        )
        .await
        .unwrap();

    let test = assurance
        .create_control_test(
            &system,
            &NewControlTest {
                key: "mfa-everyone".to_owned(),
                title: "Everyone has MFA".to_owned(),
                summary: Some("Every account in the identity provider has a second factor.".to_owned()),
                control_ids: vec!["IAM-09".to_owned()],
                rego: "package probity.tests.mfa\nimport rego.v1\ndeny contains msg if {\n\tsome u in input.users\n\tnot u.mfa\n\tmsg := sprintf(\"%s has no MFA\", [u.name])\n}\n".to_owned(),
                collector: None,
                schedule: None,
            },
        )
        .await
        .unwrap();
    let run = assurance
        .push_input(
            &system,
            test.id,
            &serde_json::json!({ "users": [{ "name": "ada", "mfa": true }, { "name": "bob", "mfa": false }] }),
        )
        .await
        .unwrap();
    assert_eq!(run.result, TestResult::Fail);
    // An implemented control whose test fails carries nothing in the gap analysis; one with
    // current evidence and no failing test carries what its mapping allows.
    for control in ["IAM-09", "IAM-01"] {
        server
            .state
            .catalog()
            .update_control(
                &system,
                control,
                &ControlUpdate {
                    status: ImplementationStatus::Implemented,
                    owner: None,
                    note: None,
                },
            )
            .await
            .unwrap();
    }

    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let token = browser.csrf(&server).await;

    // The tab bar reaches every assurance page from the frameworks overview.
    let overview = browser.get(&server, "/compliance").await.ok(200);
    for href in [
        "/assessments",
        "/evidence",
        "/control-tests",
        "/compliance/gaps",
    ] {
        assert!(
            overview.text.contains(&format!("<a href=\"{href}\"")),
            "{href}: {}",
            overview.text
        );
    }

    // Assessments: the list and the page.
    let list = browser.get(&server, "/assessments").await.ok(200);
    assert_page(&list);
    for text in [
        "ASM-0001",
        "SOC 2 readiness",
        &format!("/assessments/{aid}"),
        "in progress",
        "<meter",
    ] {
        assert!(list.text.contains(text), "{text}: {}", list.text);
    }
    let page_path = format!("/assessments/{aid}");
    let page = browser.get(&server, &page_path).await.ok(200);
    assert_page(&page);
    let cc61 = assurance
        .catalog()
        .requirement("soc2-2017", "CC6.1")
        .unwrap()
        .title
        .clone();
    let view = assurance.assessment(&system, aid).await.unwrap();
    for text in [
        "The SaaS platform and its production accounts.",
        cc61.as_str(),
        "SSO with MFA everywhere",
        "Penetration test overdue",
        "Commission the annual test",
        "Scope agreed with the tester",
        "class=\"chart-line\"",
        "Not signed off yet",
        view.content_sha256.as_str(),
        &format!("action=\"/assessments/{aid}/results\""),
    ] {
        assert!(page.text.contains(text), "{text}: {}", page.text);
    }

    // A result recorded by form moves the page; without the session's token nothing changes.
    let recorded = browser
        .post(
            &server,
            &format!("{page_path}/results"),
            &[
                ("csrf", &token),
                ("requirement", "CC6.2"),
                ("status", "partially_compliant"),
                ("rationale", "Two systems remove leavers late"),
                ("reviewed", "1"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&recorded), format!("{page_path}?recorded=CC6.2"));
    let after = browser.get(&server, &location(&recorded)).await.ok(200);
    assert!(after.text.contains("id=\"recorded\""), "{}", after.text);
    assert!(
        after.text.contains("Two systems remove leavers late"),
        "{}",
        after.text
    );
    for fields in [
        vec![("requirement", "CC7.2"), ("status", "compliant")],
        vec![
            ("csrf", "forged"),
            ("requirement", "CC7.2"),
            ("status", "compliant"),
        ],
    ] {
        let refused = browser
            .post(&server, &format!("{page_path}/results"), &fields)
            .await
            .ok(403);
        assert_page(&refused);
    }
    let needs_reason = browser
        .post(
            &server,
            &format!("{page_path}/results"),
            &[
                ("csrf", &token),
                ("requirement", "CC7.2"),
                ("status", "not_applicable"),
            ],
        )
        .await
        .ok(422);
    assert_page(&needs_reason);
    let stored = assurance.assessment(&system, aid).await.unwrap();
    assert!(stored.assessment.requirements.contains_key("CC6.2"));
    assert!(
        !stored.assessment.requirements.contains_key("CC7.2"),
        "refused forms record nothing"
    );

    // The lead (the signed-in owner) signs off by form: the form carries the hash of what the
    // page showed; a stale hash or a forged token is refused and signs nothing.
    let form_page = browser.get(&server, &page_path).await.ok(200);
    for text in [
        format!("action=\"/assessments/{aid}/sign-off\""),
        format!(
            "name=\"content_sha256\" value=\"{}\"",
            stored.content_sha256
        ),
    ] {
        assert!(form_page.text.contains(&text), "{text}: {}", form_page.text);
    }
    let sign_path = format!("{page_path}/sign-off");
    let stale = browser
        .post(
            &server,
            &sign_path,
            &[("csrf", &token), ("content_sha256", &view.content_sha256)],
        )
        .await
        .ok(409);
    assert_page(&stale);
    browser
        .post(
            &server,
            &sign_path,
            &[
                ("csrf", "forged"),
                ("content_sha256", &stored.content_sha256),
            ],
        )
        .await
        .ok(403);
    assert!(
        assurance
            .assessment(&system, aid)
            .await
            .unwrap()
            .assessment
            .sign_off
            .is_none(),
        "refused sign-offs sign nothing"
    );
    let signed_off = browser
        .post(
            &server,
            &sign_path,
            &[
                ("csrf", &token),
                ("content_sha256", &stored.content_sha256),
                ("statement", "Readiness review complete."),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&signed_off), format!("{page_path}#sign-off"));
    // The page shows the signed note and that it verifies, and no result or sign-off form.
    let signed = browser.get(&server, &page_path).await.ok(200);
    for text in [
        "Signature verifies",
        "<pre class=\"note\">probity-assessment-attestation/v1",
        "Readiness review complete.",
        "signed off",
    ] {
        assert!(signed.text.contains(text), "{text}: {}", signed.text);
    }
    assert!(
        !signed.text.contains("/results\"") && !signed.text.contains("/sign-off\""),
        "a signed-off version has no result or sign-off form"
    );
    // Changes go into a new version, started by form from the signed one.
    let next = browser
        .post(
            &server,
            &format!("{page_path}/versions"),
            &[("csrf", &token)],
        )
        .await
        .ok(303);
    let next_path = location(&next);
    assert_ne!(next_path, page_path);
    let next_page = browser.get(&server, &next_path).await.ok(200);
    assert!(
        next_page
            .text
            .contains(&format!("action=\"{next_path}/sign-off\"")),
        "{}",
        next_page.text
    );
    let superseded = assurance.assessment(&system, aid).await.unwrap();
    assert!(
        superseded.assessment.sign_off.is_some(),
        "the signed version keeps its sign-off"
    );

    // Evidence: the list with freshness and freezes, one item with its versions.
    let list = browser.get(&server, "/evidence").await.ok(200);
    assert_page(&list);
    for text in [
        "EV-0001",
        "MFA policy export",
        "Access review export",
        "fresh fresh-current",
        "fresh fresh-expiring",
        "FY audit freeze",
        &freeze.manifest_sha256[..12],
    ] {
        assert!(list.text.contains(text), "{text}: {}", list.text);
    }
    let item = browser
        .get(&server, &format!("/evidence/{}", current.item.id))
        .await
        .ok(200);
    assert_page(&item);
    let version = &current.versions[0];
    let href = format!("/api/v1/evidence/{}/versions/1/content", current.item.id);
    for text in [
        format!("title=\"{}\"", version.sha256),
        format!("href=\"{href}\""),
        "IT operations".to_owned(),
    ] {
        assert!(item.text.contains(&text), "{text}: {}", item.text);
    }
    let download = browser.get(&server, &href).await.ok(200);
    assert_eq!(
        probity_core::assurance::sha256_hex(&download.bytes),
        version.sha256,
        "the link downloads the version shown"
    );
    server.settle().await;
    let viewed = server
        .get("/api/v1/audit/events?type=evidence.viewed")
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        !viewed["items"].as_array().unwrap().is_empty(),
        "opening the page is a custody event: {viewed}"
    );

    // Control tests: the failing test, its page, and a run by form.
    let tests = browser.get(&server, "/control-tests").await.ok(200);
    assert_page(&tests);
    for text in [
        "Everyone has MFA",
        "run run-fail",
        "action=\"/control-tests/starter-pack\"",
    ] {
        assert!(tests.text.contains(text), "{text}: {}", tests.text);
    }
    let test_path = format!("/control-tests/{}", test.id);
    let page = browser.get(&server, &test_path).await.ok(200);
    assert_page(&page);
    for text in [
        "bob has no MFA",
        "some u in input.users",
        &run.input_sha256.clone().unwrap()[..12],
        "Run now",
    ] {
        assert!(page.text.contains(text), "{text}: {}", page.text);
    }
    browser
        .post(&server, &format!("{test_path}/run"), &[("csrf", "")])
        .await
        .ok(403);
    let ran = browser
        .post(&server, &format!("{test_path}/run"), &[("csrf", &token)])
        .await
        .ok(303);
    assert_eq!(location(&ran), format!("{test_path}?ran=fail"));
    let page = browser.get(&server, &location(&ran)).await.ok(200);
    assert!(page.text.contains("id=\"ran\""), "{}", page.text);
    assert!(page.text.contains(">manual<"), "{}", page.text);
    assert_eq!(
        assurance
            .control_test(&system, test.id)
            .await
            .unwrap()
            .runs
            .len(),
        2
    );

    // The gap analysis: SOC 2 by default, naming the failing test; other frameworks by choice.
    let gaps = browser.get(&server, "/compliance/gaps").await.ok(200);
    assert_page(&gaps);
    for text in [
        "<option value=\"soc2-2017\" selected>",
        "CC6.1",
        "gap-partial\">partial<",
        "health health-failing",
        "IAM-09: a control test fails",
        "/api/v1/compliance/matrix?framework=soc2-2017&amp;format=csv",
        "/api/v1/compliance/soa?format=csv",
    ] {
        assert!(gaps.text.contains(text), "{text}: {}", gaps.text);
    }
    let rows = |page: &Reply| page.text.matches("<td data-label=\"Requirement\">").count();
    let iso = browser
        .get(&server, "/compliance/gaps?framework=iso27001-2022")
        .await
        .ok(200);
    let open = browser
        .get(
            &server,
            "/compliance/gaps?framework=iso27001-2022&show=open",
        )
        .await
        .ok(200);
    assert!(
        open.text
            .contains("<option value=\"iso27001-2022\" selected>")
            && open.text.contains("<option value=\"open\" selected>"),
        "{}",
        open.text
    );
    assert!(
        rows(&open) > 0 && rows(&open) < rows(&iso),
        "only gaps and partial ones: {} of {}",
        rows(&open),
        rows(&iso)
    );
    browser
        .get(&server, "/compliance/gaps?framework=nope")
        .await
        .ok(422);

    // The dashboard: posture per framework, the failing test, open findings, expiring evidence.
    let dash = browser.get(&server, "/").await.ok(200);
    assert_page(&dash);
    for text in [
        "Compliance posture",
        "/compliance/gaps?framework=",
        "<meter",
        "Failing control tests",
        &format!("<a href=\"{test_path}\">Everyone has MFA</a>"),
        "Open findings",
        "severity severity-high",
        "Expiring evidence",
        &format!(
            "<a href=\"/evidence/{}\">Access review export</a>",
            expiring.item.id
        ),
    ] {
        assert!(dash.text.contains(text), "{text}: {}", dash.text);
    }

    // The starter pack, installed by form, then a second time adds nothing.
    let installed = browser
        .post(&server, "/control-tests/starter-pack", &[("csrf", &token)])
        .await
        .ok(303);
    let added: usize = location(&installed)
        .strip_prefix("/control-tests?installed=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(added > 5, "{added}");
    let again = browser
        .post(&server, "/control-tests/starter-pack", &[("csrf", &token)])
        .await
        .ok(303);
    assert_eq!(location(&again), "/control-tests?installed=0");
    let tests = browser.get(&server, &location(&installed)).await.ok(200);
    assert!(
        tests.text.contains("starter test(s) added"),
        "{}",
        tests.text
    );
    assert_eq!(
        tests.text.matches("<a href=\"/control-tests/").count(),
        added + 1
    );

    // A viewer reads the pages but gets no form.
    let password = secrecy::SecretString::from(PASSWORD.to_owned());
    server
        .platform
        .add_member(
            &system,
            "viewer@acme.test",
            Some("Vera Viewer"),
            Some(&password),
            Role::Viewer,
        )
        .await
        .unwrap();
    let mut viewer = Browser::signed_in(&server, "viewer@acme.test").await;
    for path in [test_path.as_str(), "/control-tests"] {
        let page = viewer.get(&server, path).await.ok(200);
        assert!(
            !page
                .text
                .contains("<form method=\"post\" action=\"/control-tests"),
            "{path}: {}",
            page.text
        );
    }
    server.finish().await;
}

/// The service-level pages in the browser over an SLA seeded through the service: the empty
/// board and dashboard widget; then the board grouped by service with the SLI, the budget bar,
/// the status and the firing burn-rate rules; the SLO page with its charts, burn rates and
/// credit schedule; a violation acknowledged by form (refused without the session's token);
/// a credit a viewer is not offered and cannot decide, and an approver approves; and the
/// dashboard's SLA widget counting all of it.
pub async fn web_service_level_pages(db: TestDatabase) {
    use probity_core::service_level::{
        CreditSchedule, CreditStatus, CreditTier, MeasurementInput, NewService, NewSlo, SloId,
        SloMetric, WindowKind,
    };

    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let who = Principal::system(world.acme.tenant.clone(), "test");
    let sl = server.state.service_levels();
    let t0 = server.now();

    // Nothing yet: honest empty states.
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let empty = browser.get(&server, "/service-levels").await.ok(200);
    assert_page(&empty);
    assert!(empty.text.contains("No SLOs or SLAs yet"), "{}", empty.text);
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(dash.text.contains("No SLOs or SLAs yet"), "{}", dash.text);

    sl.create_service(
        &who,
        &NewService {
            key: "api".to_owned(),
            name: "Customer API".to_owned(),
            provider: "Platform team".to_owned(),
            customer: Some("Northwind Retail".to_owned()),
            description: None,
        },
    )
    .await
    .unwrap();
    let slo = sl
        .create_slo(
            &who,
            &NewSlo {
                service: "api".to_owned(),
                name: "API availability".to_owned(),
                description: Some("99.9 % of requests succeed each calendar month.".to_owned()),
                metric: SloMetric::AvailabilityRequests,
                target_percent: 99.9,
                threshold_ms: None,
                window: Some(WindowKind::CalendarMonth),
                exclusions: Vec::new(),
                burn_rules: None,
                escalation_minutes: None,
                credits: Some(CreditSchedule {
                    tiers: vec![
                        CreditTier {
                            lower: 99.0,
                            upper: 99.9,
                            credit_percent: 10.0,
                        },
                        CreditTier {
                            lower: 95.0,
                            upper: 99.0,
                            credit_percent: 25.0,
                        },
                    ],
                    monthly_fee: 2000.0,
                    currency: "EUR".to_owned(),
                    cap_percent: 50.0,
                    minimum_amount: 50.0,
                    claim_window_days: 30,
                    requires_approval: true,
                }),
                source: None,
            },
        )
        .await
        .unwrap();
    let measure = |good: u64, total: u64, at| MeasurementInput {
        slo_id: slo.id,
        at,
        good: Some(good),
        total: Some(total),
        value_ms: None,
        values_ms: None,
    };
    // Last month at 99.8 % every day (below 99.9: a credit); this month a clean hour, then a
    // burst of 10 % errors in the last ten minutes (the burn-rate rules fire).
    let last_month = WindowKind::CalendarMonth.previous(t0);
    let mut batch: Vec<MeasurementInput> = (0..(last_month.end - last_month.start).num_days())
        .map(|d| {
            measure(
                998_000,
                1_000_000,
                last_month.start + Duration::days(d) + Duration::hours(12),
            )
        })
        .collect();
    batch.push(measure(1000, 1000, t0 - Duration::days(1)));
    for m in (15..=60).step_by(5) {
        batch.push(measure(1000, 1000, t0 - Duration::minutes(m)));
    }
    for m in [0, 5] {
        batch.push(measure(900, 1000, t0 - Duration::minutes(m)));
    }
    let ingested = sl.ingest(&who, &batch).await.unwrap();
    assert_eq!(ingested.accepted, batch.len(), "{ingested:?}");
    let swept = sl.sweep_tenant(&who).await.unwrap();
    assert!(swept.opened >= 1, "{swept:?}");
    assert_eq!(swept.credits, 1, "{swept:?}");
    let credit = sl.credits(&who).await.unwrap().remove(0);
    assert_eq!(credit.status, CreditStatus::PendingApproval);

    // The board: grouped by service, SLI, budget bar, status, firing rules, violations with
    // their acknowledge forms, the credit with its decision form.
    let board = browser.get(&server, "/service-levels").await.ok(200);
    assert_page(&board);
    for text in [
        "Customer API",
        "Platform team for Northwind Retail",
        &format!(
            "<a href=\"/service-levels/{}\">API availability</a>",
            slo.id
        ),
        "calendar month",
        "98.462 %",
        "<svg class=\"budget-bar\"",
        "budget-out",
        "<span class=\"slo slo-missed\">missed</span>",
        "14.4× over 1 h and 5 min",
        "action=\"/service-levels/violations/",
        "pending approval",
        "200.00 EUR",
        &format!("action=\"/service-levels/credits/{}/decision\"", credit.id),
    ] {
        assert!(board.text.contains(text), "{text}: {}", board.text);
    }

    // The SLO page: facts, stat cards, charts, burn rates, the credit schedule, violations.
    let slo_path = format!("/service-levels/{}", slo.id);
    let page = browser.get(&server, &slo_path).await.ok(200);
    assert_page(&page);
    for text in [
        "<h1>API availability <span class=\"subtitle\">Customer API</span></h1>",
        "Northwind Retail",
        "<svg class=\"chart\"",
        "class=\"chart-line\"",
        "chart-bar chart-bar-bad",
        "class=\"chart-target\"",
        "id=\"burn-rates\"",
        "14.4×",
        ">firing<",
        "from 99 % to below 99.9 %",
        "10 % of the fee",
        "2,000.00 EUR",
        "12,800",
        "13,000",
        "window missed",
        &format!("action=\"/service-levels/credits/{}/decision\"", credit.id),
    ] {
        assert!(page.text.contains(text), "{text}: {}", page.text);
    }
    assert!(
        !page.text.contains("id=\"quantiles\""),
        "no latency quantiles for an availability SLO"
    );
    browser
        .get(&server, &format!("/service-levels/{}", SloId::new()))
        .await
        .ok(404);

    // The dashboard's widget.
    let dash = browser.get(&server, "/").await.ok(200);
    for text in [
        "SLA status",
        "<strong>0</strong> of 1 SLO(s) meet their target",
        "<span class=\"slo slo-missed\">missed</span>",
        "<strong id=\"sla-credits\">1</strong>",
    ] {
        assert!(dash.text.contains(text), "{text}: {}", dash.text);
    }

    // Acknowledging a violation: refused without the session's token, then done by form.
    let violation = sl
        .violations(&who, Some(slo.id), true)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.acknowledged_at.is_none())
        .unwrap();
    let ack_path = format!("/service-levels/violations/{}/acknowledge", violation.id);
    let token = browser.csrf(&server).await;
    for fields in [
        vec![("from", "slo")],
        vec![("csrf", "forged"), ("from", "slo")],
    ] {
        let refused = browser.post(&server, &ack_path, &fields).await.ok(403);
        assert_page(&refused);
    }
    let still = sl.violations(&who, Some(slo.id), false).await.unwrap();
    assert!(
        still
            .iter()
            .any(|v| v.id == violation.id && v.acknowledged_at.is_none()),
        "refused forms acknowledge nothing"
    );
    let acked = browser
        .post(&server, &ack_path, &[("csrf", &token), ("from", "slo")])
        .await
        .ok(303);
    assert_eq!(location(&acked), format!("{slo_path}?done=acknowledged"));
    let after = browser.get(&server, &location(&acked)).await.ok(200);
    assert!(
        after.text.contains("Violation acknowledged"),
        "{}",
        after.text
    );
    let stored = sl.violations(&who, Some(slo.id), false).await.unwrap();
    assert!(
        stored
            .iter()
            .any(|v| v.id == violation.id && v.acknowledged_at.is_some()),
        "{stored:?}"
    );
    browser
        .post(&server, &ack_path, &[("csrf", &token)])
        .await
        .ok(409);

    // A viewer reads the pages without any form, and cannot decide the credit anyway.
    let password = secrecy::SecretString::from(PASSWORD.to_owned());
    server
        .platform
        .add_member(
            &who,
            "viewer@acme.test",
            Some("Vera Viewer"),
            Some(&password),
            Role::Viewer,
        )
        .await
        .unwrap();
    let mut viewer = Browser::signed_in(&server, "viewer@acme.test").await;
    for path in ["/service-levels", slo_path.as_str()] {
        let page = viewer.get(&server, path).await.ok(200);
        assert_page(&page);
        assert!(
            !page
                .text
                .contains("<form method=\"post\" action=\"/service-levels")
                && !page.text.contains("action=\"/service-levels/credits/"),
            "{path}: {}",
            page.text
        );
        assert!(page.text.contains("waits for an approver"), "{}", page.text);
    }
    let viewer_token = viewer.csrf(&server).await;
    let decision_path = format!("/service-levels/credits/{}/decision", credit.id);
    let refused = viewer
        .post(
            &server,
            &decision_path,
            &[("csrf", &viewer_token), ("decision", "approve")],
        )
        .await
        .ok(403);
    assert_page(&refused);
    viewer
        .post(&server, &ack_path, &[("csrf", &viewer_token)])
        .await
        .ok(403);

    // The owner decides: a rejection needs a note; an approval lands on the board.
    browser
        .post(
            &server,
            &decision_path,
            &[("csrf", &token), ("decision", "reject")],
        )
        .await
        .ok(422);
    let approved = browser
        .post(
            &server,
            &decision_path,
            &[
                ("csrf", &token),
                ("decision", "approve"),
                ("note", "Matches incident INC-12"),
                ("from", "board"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&approved), "/service-levels?done=approved");
    let board = browser.get(&server, &location(&approved)).await.ok(200);
    for text in [
        "Credit approved.",
        "<span class=\"slo slo-approved\">approved</span>",
        "Matches incident INC-12",
    ] {
        assert!(board.text.contains(text), "{text}: {}", board.text);
    }
    assert!(
        !board.text.contains(&decision_path),
        "a decided credit has no form"
    );
    let credit = sl.credits(&who).await.unwrap().remove(0);
    assert_eq!(credit.status, CreditStatus::Approved);
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("<strong id=\"sla-credits\">0</strong>"),
        "{}",
        dash.text
    );
    server.finish().await;
}

/// The calendar page: an agenda by month with overdue entries marked, a kind filter that
/// works as a plain GET, the dashboard's upcoming count, and a feed made by a form (its URL
/// shown once, CSRF required), listed and revoked.
pub async fn web_calendar_agenda_and_feeds(db: TestDatabase) {
    use probity_core::governance::{NewVendor, Tier};

    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let who = Principal::system(world.acme.tenant.clone(), "test");
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let empty = browser.get(&server, "/calendar").await.ok(200);
    assert_page(&empty);
    assert!(
        empty.text.contains("Nothing is due in this range"),
        "{}",
        empty.text
    );
    assert!(empty.text.contains("You have no calendar feeds"));
    assert!(
        empty
            .text
            .contains("href=\"/calendar\" aria-current=\"page\""),
        "{}",
        empty.text
    );

    // A vendor is due for assessment at once: overdue.
    server
        .state
        .governance()
        .create_vendor(
            &who,
            &NewVendor {
                name: "Payroll Co".into(),
                services: String::new(),
                data_access: "none".into(),
                tier: Tier::Low,
                owner: "HR".into(),
                contacts: vec![],
                contract_start: None,
                contract_end: Some(server.now().date_naive() + Duration::days(10)),
                dpa_signed: None,
                subprocessors: vec![],
                documents: vec![],
            },
        )
        .await
        .unwrap();
    server.clock().advance(Duration::hours(1));
    let page = browser.get(&server, "/calendar").await.ok(200);
    assert_page(&page);
    assert!(
        page.text
            .contains("<h2 class=\"section\" id=\"m-2026-03\">March 2026</h2>"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("agenda-entry agenda-overdue"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Reassess vendor"));
    assert!(page.text.contains("Contract with Payroll Co ends"));
    let filtered = browser
        .get(
            &server,
            "/calendar?kind=vendor_contract_end&from=2026-03-01&to=2026-03-31",
        )
        .await
        .ok(200);
    assert!(filtered.text.contains("Contract with Payroll Co ends"));
    assert!(!filtered.text.contains("Reassess vendor"));
    assert!(
        filtered
            .text
            .contains("<option value=\"vendor_contract_end\" selected>")
    );
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text
            .contains("id=\"calendar-soon\"><strong>2</strong>"),
        "{}",
        dash.text
    );
    assert!(
        dash.text
            .contains("id=\"calendar-overdue\"><strong class=\"overdue-count\">1</strong>"),
        "{}",
        dash.text
    );
    browser
        .get(&server, "/calendar?from=yesterday")
        .await
        .expect_status(422);

    // Making a feed needs the form's CSRF token; the URL is shown on the answer only.
    browser
        .post(
            &server,
            "/calendar/feeds",
            &[("csrf", "nope"), ("name", "Mine")],
        )
        .await
        .ok(403);
    let csrf = hidden(&page.text, "csrf");
    let made = browser
        .post(
            &server,
            "/calendar/feeds",
            &[("csrf", &csrf), ("name", "Mine"), ("kind", "")],
        )
        .await
        .ok(201);
    assert_page(&made);
    let marker = "id=\"new-feed-url\" class=\"feed-url\" type=\"text\" readonly value=\"";
    let start = made.text.find(marker).expect("the new feed's URL") + marker.len();
    let url = made.text[start..start + made.text[start..].find('"').unwrap()].to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:8080/calendar/") && url.ends_with(".ics"),
        "{url}"
    );
    let path = url.trim_start_matches("http://127.0.0.1:8080");
    let ics = server.get(path).send().await.ok(200);
    assert!(
        ics.text.contains("SUMMARY:Overdue: Reassess vendor"),
        "{}",
        ics.text
    );
    let again = browser.get(&server, "/calendar").await.ok(200);
    assert!(!again.text.contains(&url), "the URL is shown once");
    assert!(again.text.contains("Mine"));
    let feeds = server.state.calendar().feeds(&who).await.unwrap();
    let revoke = format!("/calendar/feeds/{}/revoke", feeds[0].id);
    let done = browser
        .post(&server, &revoke, &[("csrf", &csrf)])
        .await
        .ok(303);
    assert_eq!(location(&done), "/calendar?done=revoked#feeds");
    server.get(path).send().await.problem(404, "not_found");
    let after = browser.get(&server, "/calendar?done=revoked").await.ok(200);
    assert!(after.text.contains("The feed is revoked"));
    assert!(after.text.contains("revoked 2026-03-02"));
    server.finish().await;
}

/// The privacy page lists open requests by deadline with the overdue one flagged in red and
/// the running breach clocks; the dashboard's privacy widget counts them; another tenant's
/// member sees none of it.
pub async fn web_privacy_page_and_dashboard_widget(db: TestDatabase) {
    use probity_core::privacy::{NewBreach, NewRequest, Regime, RequestKind};
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let system = Principal::system(world.acme.tenant.clone(), "test");
    let privacy = server.state.privacy();
    let now = server.now();
    for (regime, kind, subject, age) in [
        (Regime::Gdpr, RequestKind::Erasure, "cust-late", 40),
        (Regime::Ccpa, RequestKind::Know, "ca-fresh", 1),
    ] {
        privacy
            .create_request(
                &system,
                &NewRequest {
                    regime,
                    kind,
                    subject_ref: subject.into(),
                    received_at: Some(now - Duration::days(age)),
                    notes: String::new(),
                },
            )
            .await
            .unwrap();
    }
    privacy
        .create_breach(
            &system,
            &NewBreach {
                title: "Misdirected payroll email".into(),
                discovered_at: now - Duration::hours(10),
                aware_at: now - Duration::hours(10),
                nature: "confidentiality".into(),
                data_categories: vec!["salary".into()],
                approx_subjects: Some(14),
                approx_records: Some(14),
                consequences: String::new(),
                measures: String::new(),
                regimes: vec![Regime::Gdpr],
            },
        )
        .await
        .unwrap();
    // A consent purpose with two grants and a withdrawal.
    let consent = server.state.consent();
    consent
        .create_purpose(
            &system,
            &probity_core::privacy::NewPurpose {
                key: "newsletter".into(),
                title: "Product newsletter".into(),
                description: String::new(),
                activity_id: None,
                legal_basis: None,
            },
        )
        .await
        .unwrap();
    for (subject, action) in [
        ("cust-a", probity_core::privacy::ConsentAction::Grant),
        ("cust-b", probity_core::privacy::ConsentAction::Grant),
        ("cust-a", probity_core::privacy::ConsentAction::Withdraw),
    ] {
        consent
            .record(
                &system,
                &probity_core::privacy::NewConsentEvent {
                    id: None,
                    subject_id: subject.into(),
                    purpose: "newsletter".into(),
                    action,
                    notice_version: "v1".into(),
                    method: probity_core::privacy::ConsentMethod::WebForm,
                    source: "shop".into(),
                    occurred_at: now - Duration::hours(1),
                },
            )
            .await
            .unwrap();
    }
    let absence = privacy
        .create_activity(
            &system,
            &probity_core::privacy::ActivityInput {
                name: "Sickness absence".into(),
                purposes: vec!["pay sick pay".into()],
                legal_basis: probity_core::privacy::LegalBasis::LegalObligation,
                art9_condition: Some(
                    probity_core::privacy::Art9Condition::EmploymentSocialSecurity,
                ),
                data_categories: vec!["identity".into(), "health".into()],
                subject_categories: vec!["employees".into()],
                recipients: vec![],
                processors: vec![],
                retention: String::new(),
                security_measures: vec![],
                transfers: vec![],
                version: None,
            },
        )
        .await
        .unwrap();
    privacy
        .create_retention_schedule(
            &system,
            &probity_core::privacy::RetentionScheduleInput {
                data_category: "health".into(),
                period_days: 1095,
                activity_ids: vec![absence.id],
                audit_event_types: vec!["hr.absence".into()],
                closed_requests: false,
                description: String::new(),
                active: true,
                version: None,
            },
        )
        .await
        .unwrap();
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let page = browser.get(&server, "/privacy").await.ok(200);
    assert_page(&page);
    let text = &page.text;
    assert!(text.contains("Consent purposes (1)"), "{text}");
    assert!(
        text.contains(
            "<tr id=\"purpose-newsletter\"><td data-label=\"Purpose\"><div>Product newsletter</div>"
        ),
        "{text}"
    );
    assert!(
        text.contains("<td data-label=\"Grants\"><div class=\"nowrap\">2</div></td>")
            && text.contains("<td data-label=\"Withdrawals\"><div class=\"nowrap\">1</div></td>"),
        "{text}"
    );
    assert!(text.contains("Record of processing (1)"), "{text}");
    assert!(
        text.contains("legal obligation + 9(2)(b)") && text.contains("identity, health*"),
        "{text}"
    );
    assert!(text.contains("RET-001 (health 1095 days)"), "{text}");
    assert!(
        text.contains("RET-001 health: 1095 days — last run never run"),
        "{text}"
    );
    assert!(text.contains("Open requests (2)"), "{text}");
    assert!(text.contains("1 overdue"), "{text}");
    assert!(
        text.contains("<strong class=\"overdue-flag\">9 days overdue</strong>"),
        "{text}"
    );
    assert!(
        text.contains("ca-fresh") && text.contains("44 days left"),
        "{text}"
    );
    assert!(
        text.find("cust-late").unwrap() < text.find("ca-fresh").unwrap(),
        "earliest due first"
    );
    assert!(text.contains("Misdirected payroll email"), "{text}");
    assert!(text.contains("62 h 0 min left"), "{text}");
    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("id=\"privacy-overdue\">1 overdue"),
        "{}",
        dash.text
    );
    assert!(dash.text.contains("id=\"privacy-clocks\""), "{}", dash.text);
    assert!(!dash.text.contains("has not landed"), "{}", dash.text);

    let mut other = Browser::signed_in(&server, world.globex.owner_email()).await;
    let theirs = other.get(&server, "/privacy").await.ok(200);
    assert!(theirs.text.contains("No open requests"), "{}", theirs.text);
    assert!(
        theirs.text.contains("No consent purposes"),
        "{}",
        theirs.text
    );
    assert!(
        !theirs.text.contains("Product newsletter"),
        "{}",
        theirs.text
    );
    assert!(
        theirs.text.contains("No processing activities recorded"),
        "{}",
        theirs.text
    );
    assert!(!theirs.text.contains("cust-late"), "{}", theirs.text);
    let dash = other.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("No open data subject requests"),
        "{}",
        dash.text
    );
    server.finish().await;
}

/// The alerts page: an honest empty state, then a rule's alert with its triggering entries,
/// acknowledged and resolved through the page's forms.
pub async fn web_alerts_page(db: TestDatabase) {
    use probity_core::audit::detect::{NewDetectionRule, RuleKind, RuleMatch};

    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let empty = browser.get(&server, "/audit/alerts").await.ok(200);
    assert_page(&empty);
    assert!(
        empty.text.contains("no detection rule is defined"),
        "{}",
        empty.text
    );

    let who = Principal::system(world.acme.tenant.clone(), "test");
    server
        .state
        .detection()
        .create_rule(
            &who,
            &NewDetectionRule {
                name: "Risky reads".into(),
                severity: None,
                matcher: RuleMatch::default(),
                kind: RuleKind::RiskAbove { min_risk: 0.9 },
                cooldown_minutes: 0,
                enabled: None,
                policy_id: None,
            },
        )
        .await
        .unwrap();
    server.settle().await;
    let reply = server
        .post("/api/v1/audit/events")
        .token(world.acme.token(Role::Contributor))
        .json(&serde_json::json!({
            "event_type": "data.accessed", "category": "data_access",
            "actor": { "type": "user", "id": "carol" }, "risk_score": 0.97,
        }))
        .send()
        .await
        .ok(201)
        .json();
    let index = reply["index"].as_u64().unwrap();
    server.settle().await;

    let page = browser.get(&server, "/audit/alerts").await.ok(200);
    assert_page(&page);
    assert!(page.text.contains("Risky reads"), "{}", page.text);
    assert!(page.text.contains(&format!("#{index}")), "{}", page.text);
    assert!(
        page.text.contains("<strong>1</strong> open"),
        "{}",
        page.text
    );
    let id = page
        .text
        .split("id=\"alert-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let csrf = browser.csrf(&server).await;
    let acked = browser
        .post(
            &server,
            &format!("/audit/alerts/{id}/ack"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&acked.ok(303)), "/audit/alerts?done=acknowledged");
    let resolved = browser
        .post(
            &server,
            &format!("/audit/alerts/{id}/resolve"),
            &[("csrf", &csrf), ("note", "quarterly audit sample")],
        )
        .await;
    assert_eq!(location(&resolved.ok(303)), "/audit/alerts?done=resolved");
    let page = browser
        .get(&server, "/audit/alerts?done=resolved")
        .await
        .ok(200);
    assert!(
        page.text.contains("quarterly audit sample"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("<strong>0</strong> open, 0 acknowledged, 1 resolved"),
        "{}",
        page.text
    );
    // A forged form is refused.
    let forged = browser
        .post(
            &server,
            &format!("/audit/alerts/{id}/ack"),
            &[("csrf", "nope")],
        )
        .await;
    assert_eq!(forged.status, 403);
}

pub async fn web_event_page_proves_inclusion(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let reply = server
        .post("/api/v1/audit/events")
        .token(acme.token(Role::Contributor))
        .json(&serde_json::json!({
            "event_type": "data.exported",
            "category": "data_access",
            "severity": "high",
            "actor": { "type": "user", "id": "u-9", "name": "Uma" },
            "resource": { "type": "report", "id": "r-1" },
            "message": "exported the payroll report",
            "subject_ids": ["emp-4"],
        }))
        .send()
        .await
        .ok(201)
        .json();
    let index = reply["index"].as_u64().unwrap();
    let mut browser = Browser::signed_in(&server, acme.owner_email()).await;
    // Before a checkpoint covers it, the page says so.
    let page = browser
        .get(&server, &format!("/audit/events/{index}"))
        .await
        .ok(200);
    assert_page(&page);
    assert!(page.text.contains("id=\"no-checkpoint\""), "{}", page.text);
    server.settle().await;
    let page = browser
        .get(&server, &format!("/audit/events/{index}"))
        .await
        .ok(200);
    assert_page(&page);
    let text = &page.text;
    assert!(text.contains("exported the payroll report"), "{text}");
    assert!(text.contains("<code>data.exported</code>"), "{text}");
    assert_eq!(text.matches("class=\"check-ok\"").count(), 3, "{text}");
    assert!(!text.contains("class=\"check-bad\""), "{text}");
    assert!(text.contains("id=\"verify-proof\""), "{text}");
    assert!(text.contains("payload_commitment"), "{text}");
    // The explorer links each row to its page.
    let list = browser.get(&server, "/audit").await.ok(200);
    assert!(
        list.text
            .contains(&format!("<a href=\"/audit/events/{index}\">{index}</a>")),
        "{}",
        list.text
    );
    // The tlog-proof download verifies with the ledger library against the shown envelope.
    let proof = browser
        .get(&server, &format!("/audit/events/{index}/tlog-proof"))
        .await
        .ok(200);
    assert!(
        proof.text.starts_with("c2sp.org/tlog-proof@v1\n"),
        "{}",
        proof.text
    );
    let entry = server
        .get(&format!("/api/v1/ledger/entries/{index}"))
        .token(acme.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    let parsed = probity_ledger::proof_file::TlogProof::parse(&proof.text).unwrap();
    let key = server
        .get("/api/v1/ledger/verifier-key")
        .token(acme.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    let verifier = probity_ledger::ed25519::Ed25519NoteVerifier::from_key_text(
        key["verifier_key"].as_str().unwrap(),
    )
    .unwrap();
    let leaf =
        probity_ledger::hash::Hash::from_base64(entry["leaf_hash"].as_str().unwrap()).unwrap();
    parsed
        .verify(&leaf, key["origin"].as_str().unwrap(), &verifier, &[])
        .unwrap();
    // Erased payloads leave the proof valid.
    server
        .post("/api/v1/audit/erasures")
        .token(acme.owner_token())
        .json(&serde_json::json!({ "subject": "emp-4", "reason": "DSR-7" }))
        .send()
        .await
        .ok(200);
    let page = browser
        .get(&server, &format!("/audit/events/{index}"))
        .await
        .ok(200);
    assert!(page.text.contains("id=\"payload-erased\""), "{}", page.text);
    assert_eq!(
        page.text.matches("class=\"check-ok\"").count(),
        2,
        "{}",
        page.text
    );
    // Unknown entries and other tenants' sessions.
    browser.get(&server, "/audit/events/999999").await.ok(404);
    let mut viewer = Browser::signed_in(&server, world.globex.owner_email()).await;
    let theirs = viewer.get(&server, &format!("/audit/events/{index}")).await;
    assert!(!theirs.text.contains("exported the payroll report"));
    server.finish().await;
}

/// The support page lists tickets breached first (in red), then at risk, then by due time,
/// filters by queue, status and priority, shows a ticket with its responses, internal notes
/// and clocks; the dashboard widget counts open, at-risk and breached tickets.
pub async fn web_support_page_ticket_and_dashboard_widget(db: TestDatabase) {
    use probity_core::support::{NewNote, NewResponse, NewTicket, Priority};
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let system = Principal::system(world.acme.tenant.clone(), "test");
    let support = server.state.support();
    let now = server.now();
    // Enterprise tickets run around the clock: normal has 240 minutes to a first response
    // (warning 60 before), urgent has 30.
    let mut ids = Vec::new();
    for (title, priority, age, category) in [
        ("Exports time out", Priority::Normal, 200, "data"),
        ("Checkout is down", Priority::Urgent, 45, "outage"),
        ("Question about invoices", Priority::Normal, 10, "billing"),
    ] {
        let v = support
            .create_ticket(
                &system,
                &NewTicket {
                    customer_ref: format!("acct-{age}"),
                    organization: "Initech".into(),
                    title: title.into(),
                    description: String::new(),
                    category: category.into(),
                    priority: Some(priority),
                    tier: "enterprise".into(),
                    assignee: Some("dana".into()),
                    queue: None,
                    opened_at: Some(now - Duration::minutes(age)),
                },
            )
            .await
            .unwrap();
        ids.push(v.ticket.id);
    }
    support
        .respond(
            &system,
            ids[2],
            &NewResponse {
                body: "Which invoice number?".into(),
                author: probity_core::support::Author::Agent,
                status: Some(probity_core::support::TicketStatus::PendingCustomer),
                version: None,
            },
        )
        .await
        .unwrap();
    support
        .add_note(
            &system,
            ids[2],
            &NewNote {
                body: "Customer is on the legacy plan.".into(),
                version: None,
            },
        )
        .await
        .unwrap();
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let page = browser.get(&server, "/support").await.ok(200);
    assert_page(&page);
    let text = &page.text;
    assert!(text.contains("Open tickets (3)"), "{text}");
    assert!(text.contains("id=\"breached-count\">1 breached"), "{text}");
    assert!(text.contains("id=\"at-risk-count\">1 at risk"), "{text}");
    assert!(text.contains("1 waiting on the customer"), "{text}");
    let pos = |s: &str| text.find(s).unwrap();
    assert!(
        pos("Checkout is down") < pos("Exports time out")
            && pos("Exports time out") < pos("Question about invoices"),
        "breached, then at risk, then paused: {text}"
    );
    assert!(
        text.contains(&format!(
            "id=\"ticket-{}\" class=\"ticket-breached agenda-overdue\"",
            ids[1]
        )),
        "{text}"
    );
    let filtered = browser
        .get(&server, "/support?queue=incidents&priority=urgent")
        .await
        .ok(200);
    assert!(
        filtered.text.contains("Checkout is down"),
        "{}",
        filtered.text
    );
    assert!(
        !filtered.text.contains("Exports time out"),
        "{}",
        filtered.text
    );
    let filtered = browser.get(&server, "/support?status=solved").await.ok(200);
    assert!(
        filtered.text.contains("No open tickets match the filters"),
        "{}",
        filtered.text
    );

    let ticket = browser
        .get(&server, &format!("/support/{}", ids[2]))
        .await
        .ok(200);
    assert_page(&ticket);
    let text = &ticket.text;
    assert!(text.contains("Which invoice number?"), "{text}");
    assert!(text.contains("class=\"message-internal\""), "{text}");
    assert!(text.contains("Customer is on the legacy plan."), "{text}");
    assert!(text.contains("paused, 23 h 50 min left"), "{text}");
    assert!(text.contains("met in 10 min business"), "{text}");

    // The forms: the customer's answer (recorded by the agent) resumes the paused clock, an
    // internal note, a status move; each bound to the version the page showed, so a second
    // post from the same page is a conflict that changes nothing.
    let token = browser.csrf(&server).await;
    let version = support
        .ticket(&system, ids[2])
        .await
        .unwrap()
        .ticket
        .version;
    let path = format!("/support/{}", ids[2]);
    let v = version.to_string();
    let answered = browser
        .post(
            &server,
            &format!("{path}/responses"),
            &[
                ("csrf", &token),
                ("version", &v),
                ("body", "Invoice INV-2041."),
                ("author", "customer"),
            ],
        )
        .await
        .ok(303);
    assert_eq!(location(&answered), format!("{path}#messages-heading"));
    let stale = browser
        .post(
            &server,
            &format!("{path}/notes"),
            &[("csrf", &token), ("version", &v), ("body", "Stale note")],
        )
        .await
        .ok(409);
    assert_page(&stale);
    let v = (version + 1).to_string();
    browser
        .post(
            &server,
            &format!("{path}/notes"),
            &[
                ("csrf", &token),
                ("version", &v),
                ("body", "Found it in billing."),
            ],
        )
        .await
        .ok(303);
    let v = (version + 2).to_string();
    browser
        .post(
            &server,
            &format!("{path}/status"),
            &[("csrf", &token), ("version", &v), ("status", "solved")],
        )
        .await
        .ok(303);
    for (form, fields) in [
        ("responses", vec![("version", v.as_str()), ("body", "x")]),
        (
            "status",
            vec![
                ("csrf", "forged"),
                ("version", v.as_str()),
                ("status", "open"),
            ],
        ),
    ] {
        browser
            .post(&server, &format!("{path}/{form}"), &fields)
            .await
            .ok(403);
    }
    let after = support.ticket(&system, ids[2]).await.unwrap();
    assert_eq!(
        after.ticket.status,
        probity_core::support::TicketStatus::Solved
    );
    let bodies: Vec<&str> = after
        .ticket
        .messages
        .iter()
        .map(|m| m.body.as_str())
        .collect();
    assert!(
        bodies.contains(&"Invoice INV-2041.") && bodies.contains(&"Found it in billing."),
        "{bodies:?}"
    );
    assert!(!bodies.contains(&"Stale note"), "{bodies:?}");
    let page = browser.get(&server, &path).await.ok(200);
    assert!(page.text.contains("Invoice INV-2041."), "{}", page.text);

    // A ticket opened by form lands with the policy's clocks and shows.
    let opened = browser
        .post(
            &server,
            "/support",
            &[
                ("csrf", &token),
                ("customer_ref", "acct-77"),
                ("title", "Cannot reset my password"),
                ("category", "account"),
                ("priority", "low"),
                ("tier", "enterprise"),
            ],
        )
        .await
        .ok(303);
    let shown = browser.get(&server, &location(&opened)).await.ok(200);
    assert!(
        shown.text.contains("Cannot reset my password"),
        "{}",
        shown.text
    );
    let refused = browser
        .post(
            &server,
            "/support",
            &[
                ("csrf", &token),
                ("customer_ref", "acct-78"),
                ("title", "x"),
                ("category", "account"),
                ("priority", "whenever"),
                ("tier", "enterprise"),
            ],
        )
        .await
        .ok(422);
    assert_page(&refused);

    let dash = browser.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("id=\"support-breached\">1 breached"),
        "{}",
        dash.text
    );
    assert!(
        dash.text.contains("id=\"support-at-risk\">1 at risk"),
        "{}",
        dash.text
    );
    assert!(dash.text.contains("id=\"support-urgent\""), "{}", dash.text);

    let mut other = Browser::signed_in(&server, world.globex.owner_email()).await;
    let theirs = other.get(&server, "/support").await.ok(200);
    assert!(theirs.text.contains("No open tickets"), "{}", theirs.text);
    assert!(!theirs.text.contains("Checkout is down"), "{}", theirs.text);
    other
        .get(&server, &format!("/support/{}", ids[1]))
        .await
        .ok(404);
    let dash = other.get(&server, "/").await.ok(200);
    assert!(
        dash.text.contains("No open support tickets"),
        "{}",
        dash.text
    );
    server.finish().await;
}

/// A `multipart/form-data` body of text fields and files (name, file name, content).
fn multipart(boundary: &str, fields: &[(&str, &str)], files: &[(&str, &str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    for (name, file, content) in files {
        body.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
             content-type: application/octet-stream\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body
}

/// The respondent page takes file answers in a plain browser form (multipart, no script, the
/// strict CSP): stored apart with their hash, audited, downloadable by the tenant; a file over
/// 1 MiB is refused, the token reaches only its own questionnaire, and after submission the
/// form answers 409.
pub async fn web_respondent_page_takes_file_answers(db: TestDatabase) {
    use serde_json::json;
    use sha2::{Digest, Sha256};
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let vendor = server
        .post("/api/v1/vendors")
        .token(owner)
        .json(&json!({ "name": "Filebox", "data_access": "confidential", "tier": "high", "owner": "IT",
            "contacts": [{ "name": "Jo", "email": "jo@filebox.test" }] }))
        .send()
        .await
        .ok(201)
        .json();
    let sent = server
        .post(&format!(
            "/api/v1/vendors/{}/questionnaires",
            vendor["id"].as_str().unwrap()
        ))
        .token(owner)
        .json(&json!({ "template": "security-baseline", "contact_email": "jo@filebox.test" }))
        .send()
        .await
        .ok(201)
        .json();
    let token = sent["token"].as_str().unwrap().to_owned();
    let assessment = sent["assessment"]["id"].as_str().unwrap().to_owned();
    let link = format!("/respond/{token}");

    let page = server.get(&link).send().await.ok(200);
    assert_page(&page);
    assert!(
        page.text.contains("enctype=\"multipart/form-data\""),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("name=\"a_assurance-2\" type=\"file\""),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("content_base64"),
        "no API instructions left"
    );
    assert!(!page.text.contains("<script>") && !page.text.contains("style="));

    let boundary = "probityboundary7MA4YWxkTrZu0gW";
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let post = |body: String| {
        server
            .post(&link)
            .header("content-type", &content_type)
            .body(body)
    };
    // A file over the limit is refused by its question, and nothing is saved.
    let big = "a".repeat(1024 * 1024 + 1);
    let refused = post(multipart(
        boundary,
        &[("a_assurance-1", "yes"), ("action", "save")],
        &[("a_assurance-2", "huge.pdf", &big)],
    ))
    .send()
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused.text.contains("answers.assurance-2"),
        "{}",
        refused.text
    );
    let view = server
        .get(&format!("/api/v1/respond/{token}"))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(view["answers"], json!({}));

    // Saved with a file (a path in the file name is dropped); an empty file input and a file
    // on a question that is not a file question are ignored.
    let content = "%PDF-1.7 our SOC 2 report";
    let saved = post(multipart(
        boundary,
        &[("a_assurance-1", "yes"), ("action", "save")],
        &[
            ("a_assurance-2", "C:\\reports\\soc2.pdf", content),
            ("a_access-1", "sneaky.txt", "x"),
            ("a_data-2", "", ""),
        ],
    ))
    .send()
    .await
    .ok(303);
    assert_eq!(
        saved.header("location"),
        Some(format!("{link}?saved=1").as_str())
    );
    let view = server
        .get(&format!("/api/v1/respond/{token}"))
        .send()
        .await
        .ok(200)
        .json();
    let sha = hex::encode(Sha256::digest(content.as_bytes()));
    assert_eq!(view["answers"]["assurance-1"], "yes");
    assert_eq!(
        view["answers"]["assurance-2"],
        json!({ "name": "soc2.pdf", "sha256": sha, "size": content.len() })
    );
    assert!(view["answers"].get("access-1").is_none());
    let again = server.get(&format!("{link}?saved=1")).send().await.ok(200);
    assert!(again.text.contains("Received: soc2.pdf"), "{}", again.text);
    let file = server
        .get(&format!(
            "/api/v1/vendor-assessments/{assessment}/files/assurance-2"
        ))
        .token(owner)
        .send()
        .await
        .ok(200);
    assert_eq!(file.text, content);

    // A token that opens nothing cannot upload; a submitted questionnaire is closed (409).
    let nothing = server
        .post("/respond/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .header("content-type", &content_type)
        .body(multipart(
            boundary,
            &[("action", "save")],
            &[("a_assurance-2", "x.pdf", "x")],
        ))
        .send()
        .await;
    assert_eq!(nothing.status, 404, "{}", nothing.text);
    post(multipart(boundary, &[("action", "submit")], &[]))
        .send()
        .await
        .ok(303);
    let closed = post(multipart(
        boundary,
        &[("action", "save")],
        &[("a_assurance-2", "late.pdf", "late")],
    ))
    .send()
    .await;
    assert_eq!(closed.status, 409, "{}", closed.text);
    assert_page(&closed);
    let file = server
        .get(&format!(
            "/api/v1/vendor-assessments/{assessment}/files/assurance-2"
        ))
        .token(owner)
        .send()
        .await
        .ok(200);
    assert_eq!(file.text, content, "the late file was not stored");

    // Audited like the API path, with the file's hash.
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=vendor.questionnaire&limit=100")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let saved_event = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "vendor.questionnaire.saved")
        .expect("the save is audited")
        .to_string();
    assert!(
        saved_event.contains(&sha) && saved_event.contains("soc2.pdf"),
        "{saved_event}"
    );
    server.finish().await;
}

/// The assurance write forms in the browser, each through the API's use case: an assessment
/// started (lead and team chosen), a finding raised with its first remediation item and then
/// accepted with the item under way and a second item added; evidence uploaded as a file and
/// as a JSON document, a new version, a freeze limited to the assessment; a control test added
/// from Probity's own records. Bad input names its field, a forged token is refused, every
/// change is in the ledger, and a viewer sees no form.
pub async fn web_assurance_write_forms(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let system = Principal::system(world.acme.tenant.clone(), "test");
    let password = secrecy::SecretString::from(PASSWORD.to_owned());
    let auditor = server
        .platform
        .add_member(
            &system,
            "auditor@acme.test",
            Some("Ada Auditor"),
            Some(&password),
            Role::Auditor,
        )
        .await
        .unwrap();
    let mut browser = Browser::signed_in(&server, world.acme.owner_email()).await;
    let token = browser.csrf(&server).await;
    let owner_id = world.acme.owner.id.to_string();
    let auditor_id = auditor.user.id.to_string();
    let refused = |reply: &Reply, field: &str| {
        assert_eq!(reply.status, 422, "{}", reply.text);
        assert!(
            reply.text.contains(field),
            "{field} not named: {}",
            reply.text
        );
    };

    // Start an assessment: the form lists frameworks, baselines and members.
    let list = browser.get(&server, "/assessments").await.ok(200);
    assert_page(&list);
    assert!(
        list.text.contains("action=\"/assessments\""),
        "{}",
        list.text
    );
    assert!(
        list.text.contains("value=\"fedramp"),
        "baselines are offered"
    );
    assert!(
        list.text
            .contains(&format!("value=\"{owner_id}\" selected"))
    );
    let start = |scope: &str, team: &[&str]| -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = [
            ("csrf", token.as_str()),
            ("framework", "soc2-2017"),
            ("title", "SOC 2 Type II 2026"),
            ("scope", scope),
            ("period_start", "2026-01-01"),
            ("period_end", "2026-12-31"),
            ("lead", owner_id.as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        fields.extend(team.iter().map(|t| ("team".to_owned(), (*t).to_owned())));
        fields
    };
    for (fields, field) in [
        (start("", &[]), "scope"),
        (start("The production platform.", &["not-a-user"]), "team"),
    ] {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        refused(&browser.post(&server, "/assessments", &pairs).await, field);
    }
    let fields = start("The production platform.", &[auditor_id.as_str()]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let made = browser.post(&server, "/assessments", &pairs).await.ok(303);
    let page_path = location(&made);
    let aid: probity_core::assurance::ComplianceAssessmentId = page_path
        .strip_prefix("/assessments/")
        .unwrap()
        .parse()
        .unwrap();
    let page = browser.get(&server, &page_path).await.ok(200);
    assert_page(&page);
    assert!(page.text.contains("SOC 2 Type II 2026"));
    assert!(page.text.contains("Ada Auditor"), "the team shows");
    assert!(page.text.contains("id=\"raise-finding\""));

    // Raise a finding with its first remediation item.
    let findings = format!("{page_path}/findings");
    let finding = |severity: &'static str, due: &'static str| {
        vec![
            ("csrf", token.as_str()),
            ("title", "Quarterly access reviews skipped"),
            ("severity", severity),
            (
                "description",
                "Q2 review of production access was not done.",
            ),
            ("requirements", "CC6.1, CC6.2 CC6.1"),
            ("controls", "IAM-06"),
            ("remediation_title", "Run the Q2 review"),
            ("remediation_owner", "IT operations"),
            ("remediation_due", due),
        ]
    };
    refused(
        &browser
            .post(&server, &findings, &finding("severe", "2026-09-30"))
            .await,
        "severity",
    );
    refused(
        &browser.post(&server, &findings, &finding("high", "")).await,
        "remediation_due",
    );
    let forged: Vec<(&str, &str)> = finding("high", "2026-09-30")
        .into_iter()
        .map(|(k, v)| if k == "csrf" { (k, "forged") } else { (k, v) })
        .collect();
    browser.post(&server, &findings, &forged).await.ok(403);
    let raised = browser
        .post(&server, &findings, &finding("high", "2026-09-30"))
        .await
        .ok(303);
    assert_eq!(location(&raised), format!("{page_path}#f-F-1"));
    let view = server
        .state
        .assurance()
        .assessment(&system, aid)
        .await
        .unwrap();
    assert_eq!(
        view.assessment.findings.len(),
        1,
        "refused forms raised nothing"
    );
    let f = &view.assessment.findings[0];
    assert_eq!(f.requirement_ids, vec!["CC6.1", "CC6.2"]);
    assert_eq!(f.remediation[0].id, "F-1.R1");
    assert_eq!(f.remediation[0].due.to_string(), "2026-09-30");

    // Accept it as a risk, the item under way, a second item added.
    let page = browser.get(&server, &page_path).await.ok(200);
    assert!(
        page.text
            .contains(&format!("action=\"{page_path}/findings/F-1\""))
    );
    browser
        .post(
            &server,
            &format!("{page_path}/findings/F-1"),
            &[
                ("csrf", &token),
                ("status", "risk_accepted"),
                ("r_F-1.R1", "in_progress"),
                (
                    "m_F-1.R1",
                    "[x] 2026-07-15 Export the access list\n\n2026-08-15 Owners confirm",
                ),
                ("remediation_title", "Automate the review reminders"),
                ("remediation_owner", "Security engineering"),
                ("remediation_due", "2026-12-15"),
                (
                    "remediation_milestones",
                    "2026-11-01 Draft the reminder job",
                ),
            ],
        )
        .await
        .ok(303);
    refused(
        &browser
            .post(
                &server,
                &format!("{page_path}/findings/F-1"),
                &[("csrf", &token), ("m_F-1.R1", "soon: do the review")],
            )
            .await,
        "m_F-1.R1.0",
    );
    refused(
        &browser
            .post(
                &server,
                &format!("{page_path}/findings/F-1"),
                &[("csrf", &token), ("r_F-1.R1", "finished")],
            )
            .await,
        "r_F-1.R1",
    );
    browser
        .post(
            &server,
            &format!("{page_path}/findings/F-9"),
            &[("csrf", &token), ("status", "closed")],
        )
        .await
        .ok(404);
    let view = server
        .state
        .assurance()
        .assessment(&system, aid)
        .await
        .unwrap();
    let f = &view.assessment.findings[0];
    assert_eq!(f.status.as_str(), "risk_accepted");
    assert_eq!(
        f.title, "Quarterly access reviews skipped",
        "the rest stays"
    );
    assert_eq!(
        f.remediation
            .iter()
            .map(|r| (r.title.as_str(), r.status.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("Run the Q2 review", "in_progress"),
            ("Automate the review reminders", "open")
        ]
    );
    assert_eq!(
        f.remediation
            .iter()
            .map(|r| r
                .milestones
                .iter()
                .map(|m| format!("{} {} {}", m.done, m.due, m.title))
                .collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        vec![
            vec![
                "true 2026-07-15 Export the access list",
                "false 2026-08-15 Owners confirm"
            ],
            vec!["false 2026-11-01 Draft the reminder job"],
        ]
    );
    let page = browser.get(&server, &page_path).await.ok(200);
    assert!(page.text.contains("Automate the review reminders"));
    assert!(page.text.contains("risk accepted"));

    // Evidence: a file, a JSON document, bad input, a new version.
    let boundary = "probityboundaryEv1dence0x";
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let cookie = browser.cookie_header();
    let upload = |path: String, body: String| {
        let cookie = cookie.clone();
        let content_type = content_type.clone();
        let server = &server;
        async move {
            server
                .post(&path)
                .header("cookie", &cookie)
                .header("content-type", &content_type)
                .body(body)
                .send()
                .await
        }
    };
    let list = browser.get(&server, "/evidence").await.ok(200);
    assert!(list.text.contains("enctype=\"multipart/form-data\""));
    let none = upload(
        "/evidence".into(),
        multipart(boundary, &[("csrf", &token), ("title", "Nothing")], &[]),
    )
    .await;
    refused(&none, "file");
    let bad_json = upload(
        "/evidence".into(),
        multipart(
            boundary,
            &[
                ("csrf", &token),
                ("title", "Broken"),
                ("document", "{\"a\": "),
            ],
            &[],
        ),
    )
    .await;
    refused(&bad_json, "document");
    upload(
        "/evidence".into(),
        multipart(
            boundary,
            &[("csrf", "forged"), ("title", "Forged")],
            &[("file", "x.txt", "x")],
        ),
    )
    .await
    .ok(403);
    let file = upload(
        "/evidence".into(),
        multipart(
            boundary,
            &[
                ("csrf", &token),
                ("title", "Q2 access review sign-off"),
                ("controls", "IAM-06"),
                ("requirements", "soc2-2017:CC6.1"),
                ("validity_days", "92"),
                ("owner", "IT operations"),
                ("tags", "quarterly, access-review"),
            ],
            &[("file", "q2-review.csv", "system,reviewer\naws,ada\n")],
        ),
    )
    .await
    .ok(303);
    let item_path = location(&file);
    let item = browser.get(&server, &item_path).await.ok(200);
    assert!(item.text.contains("q2-review.csv"), "{}", item.text);
    assert!(item.text.contains("92 days after collection"));
    assert!(item.text.contains("id=\"new-evidence-version\""));
    let json = upload(
        "/evidence".into(),
        multipart(
            boundary,
            &[
                ("csrf", &token),
                ("title", "MFA settings export"),
                ("document", "{\"enforced\": true}"),
            ],
            &[],
        ),
    )
    .await
    .ok(303);
    let json_item = browser.get(&server, &location(&json)).await.ok(200);
    assert!(json_item.text.contains("JSON document"));
    let version = upload(
        format!("{item_path}/versions"),
        multipart(
            boundary,
            &[("csrf", &token), ("note", "Q3 review")],
            &[("file", "q3-review.csv", "system,reviewer\naws,bob\n")],
        ),
    )
    .await
    .ok(303);
    assert_eq!(location(&version), format!("{item_path}#versions"));
    let eid: probity_core::assurance::EvidenceId = item_path
        .strip_prefix("/evidence/")
        .unwrap()
        .parse()
        .unwrap();
    let ev = server
        .state
        .assurance()
        .evidence(&system, eid)
        .await
        .unwrap();
    assert_eq!(ev.item.current_version, 2);
    assert_eq!(ev.versions[0].file_name.as_deref(), Some("q3-review.csv"));
    assert_eq!(ev.item.tags, vec!["access-review", "quarterly"]);

    // Freeze the assessment's evidence (none cited yet: an empty freeze is still a record).
    let frozen = browser
        .post(
            &server,
            "/evidence-freezes",
            &[
                ("csrf", &token),
                ("name", "FY2026 freeze"),
                ("assessment", ""),
                ("period_start", "2026-01-01"),
                ("period_end", &server.now().date_naive().to_string()),
            ],
        )
        .await
        .ok(303);
    assert!(location(&frozen).starts_with("/evidence?frozen="));
    let list = browser.get(&server, &location(&frozen)).await.ok(200);
    assert!(
        list.text.contains("Freeze “FY2026 freeze” made"),
        "{}",
        list.text
    );
    refused(
        &browser
            .post(
                &server,
                "/evidence-freezes",
                &[
                    ("csrf", &token),
                    ("name", "x"),
                    ("period_end", "31/12/2026"),
                ],
            )
            .await,
        "period_end",
    );

    // A control test over Probity's own records; bad Rego and a missing source are named.
    let test = |rego: &'static str, collector: &'static str, target: &'static str| {
        vec![
            ("csrf", token.as_str()),
            ("key", "members-use-mfa"),
            ("title", "Members use a second factor"),
            ("controls", "IAM-09"),
            ("rego", rego),
            ("collector", collector),
            ("target", target),
            ("schedule", "0 6 * * *"),
        ]
    };
    let good = "package probity.tests.members_use_mfa\r\n\r\nimport rego.v1\r\n\r\ndeny contains msg if {\r\n\tsome u in input.users\r\n\tnot u.mfa_enabled\r\n\tmsg := sprintf(\"%s has no second factor\", [u.email])\r\n}\r\n";
    refused(
        &browser
            .post(&server, "/control-tests", &test(good, "probity", ""))
            .await,
        "target",
    );
    let invalid = browser
        .post(
            &server,
            "/control-tests",
            &test(
                "package p\nimport rego.v1\ndeny contains x if {\n",
                "probity",
                "users",
            ),
        )
        .await;
    refused(&invalid, "rego");
    let added = browser
        .post(&server, "/control-tests", &test(good, "probity", "users"))
        .await
        .ok(303);
    let test_page = browser.get(&server, &location(&added)).await.ok(200);
    assert!(test_page.text.contains("Members use a second factor"));
    assert!(
        test_page.text.contains("s users</dd>"),
        "{}",
        test_page.text
    );
    let tests = server
        .state
        .assurance()
        .control_tests(&system)
        .await
        .unwrap();
    assert_eq!(tests.len(), 1);
    assert!(
        !tests[0].rego.contains('\r'),
        "line ends as typed, without CR"
    );

    // Edit the test: renamed, unscheduled and paused; bad Rego leaves it as it was.
    let test_path = location(&added);
    let edit = |rego: &'static str| {
        vec![
            ("csrf", token.as_str()),
            ("title", "Members all use a second factor"),
            ("summary", "Every member has TOTP."),
            ("controls", "IAM-09, IAM-01"),
            ("rego", rego),
            ("collector", "probity"),
            ("target", "users"),
            ("schedule", ""),
        ]
    };
    let test_page = browser.get(&server, &test_path).await.ok(200);
    assert!(test_page.text.contains(&format!("action=\"{test_path}\"")));
    refused(
        &browser
            .post(
                &server,
                &test_path,
                &edit("package p\ndeny contains x if {\n"),
            )
            .await,
        "rego",
    );
    let saved = browser.post(&server, &test_path, &edit(good)).await.ok(303);
    assert_eq!(location(&saved), format!("{test_path}?updated=1"));
    let tests = server
        .state
        .assurance()
        .control_tests(&system)
        .await
        .unwrap();
    assert_eq!(tests[0].title, "Members all use a second factor");
    assert_eq!(tests[0].control_ids, vec!["IAM-09", "IAM-01"]);
    assert_eq!(tests[0].schedule, None);
    assert!(!tests[0].enabled, "an unchecked box pauses it");
    assert!(
        browser
            .get(&server, &location(&saved))
            .await
            .ok(200)
            .text
            .contains("id=\"updated\"")
    );

    // A control result, and an unknown control refused.
    let controls = format!("{page_path}/controls");
    let recorded = browser
        .post(
            &server,
            &controls,
            &[
                ("csrf", &token),
                ("control", "IAM-06"),
                ("status", "non_compliant"),
                ("rationale", "Q2 review missed."),
                ("evidence", &eid.to_string()),
                ("reviewed", "1"),
            ],
        )
        .await
        .ok(303);
    refused(
        &browser
            .post(
                &server,
                &controls,
                &[
                    ("csrf", &token),
                    ("control", "IAM-06"),
                    ("status", "compliant"),
                    ("evidence", "not-an-id"),
                ],
            )
            .await,
        "evidence",
    );
    assert_eq!(location(&recorded), format!("{page_path}#control-results"));
    browser
        .post(
            &server,
            &controls,
            &[
                ("csrf", &token),
                ("control", "NOPE-99"),
                ("status", "compliant"),
            ],
        )
        .await
        .ok(404);
    let view = server
        .state
        .assurance()
        .assessment(&system, aid)
        .await
        .unwrap();
    assert_eq!(
        view.assessment.controls["IAM-06"].status.as_str(),
        "non_compliant"
    );
    assert_eq!(view.assessment.controls["IAM-06"].evidence_ids, vec![eid]);
    assert!(view.assessment.controls["IAM-06"].reviewer.is_some());

    // Evidence details and links: cited in the assessment, expiry removed.
    let aid_text = aid.to_string();
    browser
        .post(
            &server,
            &item_path,
            &[
                ("csrf", &token),
                ("title", "Q2 and Q3 access review sign-offs"),
                ("controls", "IAM-06 IAM-05"),
                ("requirements", "soc2-2017:CC6.1"),
                ("assessment", &aid_text),
                ("validity_days", ""),
                ("owner", "IT operations"),
                ("tags", "quarterly"),
            ],
        )
        .await
        .ok(303);
    refused(
        &browser
            .post(
                &server,
                &item_path,
                &[("csrf", &token), ("title", "x"), ("validity_days", "-3")],
            )
            .await,
        "validity_days",
    );
    let ev = server
        .state
        .assurance()
        .evidence(&system, eid)
        .await
        .unwrap();
    assert_eq!(ev.item.title, "Q2 and Q3 access review sign-offs");
    assert_eq!(ev.item.assessment_ids, vec![aid]);
    assert_eq!(ev.item.validity_days, None);
    assert_eq!(ev.item.control_ids, vec!["IAM-06", "IAM-05"]);
    let item = browser.get(&server, &item_path).await.ok(200);
    assert!(
        item.text
            .contains(&format!("<a href=\"/assessments/{aid}\">")),
        "cited shows"
    );

    // A decision policy saved and tried: a deny with its reason, recorded in the ledger.
    let policy = "package probity.decisions.deploy\r\n\r\nimport rego.v1\r\n\r\ndefault allow := false\r\n\r\nallow if count(reasons) == 0\r\n\r\nreasons contains \"self-approved\" if input.approver == input.author\r\n";
    refused(
        &browser
            .post(
                &server,
                "/decision-policies",
                &[
                    ("csrf", &token),
                    ("key", "Deploy!"),
                    ("title", "Deploys"),
                    ("rego", policy),
                ],
            )
            .await,
        "key",
    );
    let saved = browser
        .post(
            &server,
            "/decision-policies",
            &[
                ("csrf", &token),
                ("key", "deploy"),
                ("title", "Deploys"),
                ("rego", policy),
            ],
        )
        .await
        .ok(303);
    let listed = browser.get(&server, &location(&saved)).await.ok(200);
    assert!(listed.text.contains("Saved deploy v1"), "{}", listed.text);
    assert!(
        listed
            .text
            .contains("action=\"/decision-policies/deploy/decide\"")
    );
    refused(
        &browser
            .post(
                &server,
                "/decision-policies/deploy/decide",
                &[("csrf", &token), ("input", "{not json")],
            )
            .await,
        "input",
    );
    let decided = browser
        .post(
            &server,
            "/decision-policies/deploy/decide",
            &[
                ("csrf", &token),
                ("input", r#"{"author": "ada", "approver": "ada"}"#),
            ],
        )
        .await
        .ok(200);
    assert_page(&decided);
    assert!(decided.text.contains("Denied."), "{}", decided.text);
    assert!(decided.text.contains("self-approved"));
    let allowed = browser
        .post(
            &server,
            "/decision-policies/deploy/decide",
            &[
                ("csrf", &token),
                ("input", r#"{"author": "ada", "approver": "bob"}"#),
            ],
        )
        .await
        .ok(200);
    assert!(allowed.text.contains("Allowed."), "{}", allowed.text);

    // Every change is in the ledger.
    server.settle().await;
    let owner = world.acme.owner_token();
    let types = |prefix: &'static str| {
        let server = &server;
        async move {
            let page = server
                .get(&format!("/api/v1/audit/events?type={prefix}&limit=200"))
                .token(owner)
                .send()
                .await
                .ok(200)
                .json();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_type"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let assessment_events = types("assessment").await;
    for kind in [
        "assessment.created",
        "assessment.finding.created",
        "assessment.finding.updated",
    ] {
        assert!(
            assessment_events.iter().any(|t| t == kind),
            "{kind}: {assessment_events:?}"
        );
    }
    let evidence_events = types("evidence").await;
    assert_eq!(
        evidence_events
            .iter()
            .filter(|t| *t == "evidence.uploaded")
            .count(),
        3,
        "two items and one version: {evidence_events:?}"
    );
    assert!(evidence_events.iter().any(|t| t == "evidence.frozen"));
    let mut decisions = types("decision").await;
    decisions.extend(types("decision_policy").await);
    for kind in [
        "decision_policy.updated",
        "decision.denied",
        "decision.allowed",
    ] {
        assert!(decisions.iter().any(|t| t == kind), "{kind}: {decisions:?}");
    }
    let test_events = types("control_test").await;
    for kind in ["control_test.created", "control_test.updated"] {
        assert!(
            test_events.iter().any(|t| t == kind),
            "{kind}: {test_events:?}"
        );
    }
    assert!(
        types("assessment")
            .await
            .iter()
            .any(|t| t == "assessment.result.recorded"),
        "the control result"
    );
    assert!(
        evidence_events
            .iter()
            .any(|t| t == "evidence.updated" || t == "evidence.linked"),
        "{evidence_events:?}"
    );

    // A viewer reads the pages without a form.
    server
        .platform
        .add_member(
            &system,
            "viewer@acme.test",
            Some("Vera Viewer"),
            Some(&password),
            Role::Viewer,
        )
        .await
        .unwrap();
    let mut viewer = Browser::signed_in(&server, "viewer@acme.test").await;
    for path in [
        "/assessments",
        page_path.as_str(),
        "/evidence",
        item_path.as_str(),
        "/control-tests",
        test_path.as_str(),
    ] {
        let page = viewer.get(&server, path).await.ok(200);
        assert!(
            !page
                .text
                .contains("<form method=\"post\" action=\"/assessments")
                && !page.text.contains("action=\"/evidence")
                && !page.text.contains("action=\"/control-tests")
                && !page.text.contains("id=\"put-decision-policy\""),
            "{path} shows a form to a viewer"
        );
    }
    let viewer_token = viewer.csrf(&server).await;
    viewer
        .post(
            &server,
            &findings,
            &[("csrf", &viewer_token), ("title", "x"), ("severity", "low")],
        )
        .await
        .ok(403);
    server.finish().await;
}
