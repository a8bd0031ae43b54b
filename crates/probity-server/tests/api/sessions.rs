//! Browser sessions over HTTP: the cookie's attributes, CSRF on writes, sign-out and expiry,
//! and lockout after repeated failures.

use chrono::Duration;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestDatabase, TestServer, seed};

fn login_body(email: &str, password: &str) -> Value {
    json!({ "email": email, "password": password })
}

pub async fn session_cookie_csrf_logout_and_expiry(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let session = server.login(world.acme.owner_email(), PASSWORD).await;
    let attributes: Vec<&str> = session.set_cookie.split(';').map(str::trim).collect();
    for expected in ["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=43200"] {
        assert!(
            attributes.contains(&expected),
            "cookie lacks {expected}: {}",
            session.set_cookie
        );
    }
    assert!(
        !attributes.contains(&"Secure"),
        "plain-http test server set Secure: {}",
        session.set_cookie
    );
    assert_eq!(session.body["user"]["email"], "owner@acme.test");
    assert_eq!(session.body["tenant"]["slug"], "acme");
    assert_eq!(
        session.body["expires_at"],
        json!(server.now() + Duration::hours(12))
    );
    assert!(
        !session.body.to_string().contains("password"),
        "{}",
        session.body
    );

    // Reads need only the cookie.
    server
        .get("/api/v1/members")
        .cookie(&session)
        .send()
        .await
        .ok(200);
    let me = server
        .get("/api/v1/auth/me")
        .cookie(&session)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        (me["actor_kind"].as_str(), me["role"].as_str()),
        (Some("user"), Some("owner"))
    );
    server
        .get("/api/v1/tenant")
        .cookie(&session)
        .header("probity-tenant", "acme")
        .send()
        .await
        .ok(200);

    // Writes need the CSRF token of this very session.
    let other = server.login(world.acme.owner_email(), PASSWORD).await;
    let token_body = json!({ "name": "from the ui", "role": "viewer" });
    let tokens = || server.post("/api/v1/tokens").json(&token_body);
    tokens()
        .cookie(&session)
        .send()
        .await
        .problem(403, "forbidden");
    tokens()
        .cookie(&session)
        .header("x-csrf-token", &other.csrf)
        .send()
        .await
        .problem(403, "forbidden");
    tokens()
        .cookie(&session)
        .header("x-csrf-token", "")
        .send()
        .await
        .problem(403, "forbidden");
    let created = tokens().session(&session).send().await.ok(201).json();
    assert_eq!(
        created["record"]["created_by"],
        world.acme.owner.id.to_string()
    );
    let rename = || {
        server
            .patch("/api/v1/tenant")
            .json(&json!({ "name": "Acme Renamed" }))
    };
    rename()
        .cookie(&session)
        .send()
        .await
        .problem(403, "forbidden");
    let tenant = server
        .get("/api/v1/tenant")
        .cookie(&session)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        tenant["name"], "Acme Ltd",
        "a refused write changed the tenant"
    );
    rename().session(&session).send().await.ok(200);
    let list = server
        .get("/api/v1/tokens")
        .cookie(&session)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        7,
        "exactly one token created: {list}"
    );

    // Sign-out ends this session only.
    server
        .post("/api/v1/auth/logout")
        .cookie(&session)
        .send()
        .await
        .problem(403, "forbidden");
    let out = server
        .post("/api/v1/auth/logout")
        .session(&session)
        .send()
        .await
        .ok(204);
    let cleared = out.header("set-cookie").unwrap_or_default();
    assert!(
        cleared.starts_with("probity_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    server
        .get("/api/v1/members")
        .cookie(&session)
        .send()
        .await
        .problem(401, "unauthorized");
    server
        .post("/api/v1/auth/logout")
        .session(&session)
        .send()
        .await
        .problem(401, "unauthorized");
    server
        .get("/api/v1/members")
        .cookie(&other)
        .send()
        .await
        .ok(200);
    // Tokens have no session to end.
    server
        .post("/api/v1/auth/logout")
        .token(world.acme.owner_token())
        .send()
        .await
        .problem(422, "validation_failed");

    // A session lasts twelve hours.
    server
        .clock()
        .advance(Duration::hours(12) - Duration::seconds(1));
    server
        .get("/api/v1/members")
        .cookie(&other)
        .send()
        .await
        .ok(200);
    server.clock().advance(Duration::seconds(1));
    server
        .get("/api/v1/members")
        .cookie(&other)
        .send()
        .await
        .problem(401, "unauthorized");

    // A member removed from the tenant loses it at once, even with a live session.
    let owner = world.acme.owner_token();
    let added = server
        .post("/api/v1/members")
        .token(owner)
        .json(&json!({ "email": "leaver@acme.test", "password": PASSWORD, "role": "contributor" }))
        .send()
        .await
        .ok(201)
        .json();
    let leaver = server.login("leaver@acme.test", PASSWORD).await;
    server
        .get("/api/v1/members")
        .cookie(&leaver)
        .send()
        .await
        .ok(200);
    let path = format!("/api/v1/members/{}", added["user"]["id"].as_str().unwrap());
    server.delete(&path).token(owner).send().await.ok(204);
    server
        .get("/api/v1/members")
        .cookie(&leaver)
        .send()
        .await
        .problem(403, "forbidden");

    // Signing in to a tenant one is not a member of is refused.
    let reply = server
        .post("/api/v1/auth/login")
        .json(&json!({ "email": "owner@acme.test", "password": PASSWORD, "tenant": "globex" }))
        .send()
        .await;
    reply.problem(403, "forbidden");
    assert!(
        reply.header("set-cookie").is_none(),
        "a refused sign-in set a cookie"
    );
    server.finish().await;
}

pub async fn repeated_failures_lock_the_account(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let email = world.acme.owner_email();
    let login = |password: &str| {
        server
            .post("/api/v1/auth/login")
            .json(&login_body(email, password))
    };
    let mut details = Vec::new();
    for _ in 0..5 {
        let p = login("not-the-password-at-all")
            .send()
            .await
            .problem(401, "unauthorized");
        details.push(p["detail"].clone());
    }
    // An unknown email gets the same answer as a wrong password.
    let unknown = server
        .post("/api/v1/auth/login")
        .json(&login_body("nobody@acme.test", PASSWORD))
        .send()
        .await
        .problem(401, "unauthorized");
    assert_eq!(unknown["detail"], details[0]);

    let locked = login(PASSWORD).send().await;
    locked.problem(429, "rate_limited");
    assert_eq!(
        locked.header("retry-after"),
        Some("900"),
        "locked for 15 minutes"
    );
    assert!(locked.header("set-cookie").is_none());
    server.clock().advance(Duration::minutes(14));
    let still = login(PASSWORD).send().await;
    still.problem(429, "rate_limited");
    assert_eq!(still.header("retry-after"), Some("60"));
    // API tokens do not sign in, so the lock does not stop them.
    server
        .get("/api/v1/members")
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200);

    server.clock().advance(Duration::minutes(1));
    let session = server.login(email, PASSWORD).await;
    server
        .get("/api/v1/members")
        .cookie(&session)
        .send()
        .await
        .ok(200);
    // A success resets the count: four more failures do not lock.
    for _ in 0..4 {
        login("not-the-password-at-all")
            .send()
            .await
            .problem(401, "unauthorized");
    }
    server.login(email, PASSWORD).await;
    server.finish().await;
}

/// Only a signed-in platform administrator creates tenants over the API, and becomes the
/// new tenant's owner; a tenant owner's session or token is refused and nothing is created.
pub async fn platform_admins_create_tenants(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let body = json!({ "slug": "initech", "name": "Initech" });
    let owner = server.login(world.acme.owner_email(), PASSWORD).await;
    server
        .post("/api/v1/tenants")
        .session(&owner)
        .json(&body)
        .send()
        .await
        .problem(403, "forbidden");
    server
        .post("/api/v1/tenants")
        .token(world.acme.token(probity_core::platform::Role::Owner))
        .json(&body)
        .send()
        .await
        .problem(403, "forbidden");
    assert!(
        server
            .platform
            .store()
            .tenant_by_slug("initech")
            .await
            .unwrap()
            .is_none()
    );
    server
        .platform
        .set_platform_admin(
            &probity_core::audit::Actor::system("test"),
            world.acme.owner_email(),
            true,
        )
        .await
        .unwrap();
    let created: Value = server
        .post("/api/v1/tenants")
        .session(&owner)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(created["slug"], "initech");
    let tenants: Value = server
        .get("/api/v1/tenants")
        .session(&owner)
        .send()
        .await
        .ok(200)
        .json();
    let mine: Vec<(&str, &str)> = tenants["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tenant"]["slug"].as_str().unwrap(),
                t["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(mine.contains(&("initech", "owner")), "{mine:?}");
    server
        .post("/api/v1/tenants")
        .session(&owner)
        .json(&body)
        .send()
        .await
        .problem(409, "conflict");
    server
        .post("/api/v1/tenants")
        .session(&owner)
        .json(&json!({ "slug": "Bad Slug", "name": "x" }))
        .send()
        .await
        .problem(422, "validation_failed");
    server.finish().await;
}
