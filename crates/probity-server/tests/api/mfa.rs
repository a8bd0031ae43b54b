//! Multi-factor authentication over HTTP: TOTP enrolment, sign-in with codes and recovery
//! codes, turning it off, and a tenant that requires it.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestDatabase, TestServer, seed};

/// The code an authenticator app that scanned `otpauth_url` shows at `at`, checked against
/// the secret's base32 form and Probity's own verifier.
fn authenticator_code(enrolment: &Value, at: DateTime<Utc>) -> String {
    let url = enrolment["otpauth_url"].as_str().unwrap();
    let secret_base32 = enrolment["secret_base32"].as_str().unwrap();
    let app = totp_rs::TOTP::from_url(url).expect("an otpauth URL an authenticator app accepts");
    assert_eq!(
        app.get_secret_base32(),
        secret_base32,
        "the URL and the text form name one secret"
    );
    let unix = u64::try_from(at.timestamp()).unwrap();
    let code = app.generate(unix);
    let secret = probity_crypto::TotpSecret::from_base32(secret_base32).unwrap();
    assert!(probity_crypto::totp::verify(&secret, &code, unix));
    code
}

fn login_body(email: &str, password: &str) -> Value {
    json!({ "email": email, "password": password })
}

pub async fn totp_enrolment_and_second_factor_sign_in(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let email = world.acme.owner_email();
    let session = server.login(email, PASSWORD).await;
    assert_eq!(session.body["user"]["mfa_enabled"], false);
    server
        .post("/api/v1/auth/totp/enrol")
        .cookie(&session)
        .send()
        .await
        .problem(403, "forbidden");
    server
        .post("/api/v1/auth/totp/enrol")
        .token(world.acme.owner_token())
        .send()
        .await
        .problem(403, "forbidden");
    let enrolment = server
        .post("/api/v1/auth/totp/enrol")
        .session(&session)
        .send()
        .await
        .ok(200)
        .json();
    assert!(
        enrolment["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Probity:"),
        "{enrolment}"
    );
    assert!(
        enrolment["qr_png"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );

    let code = authenticator_code(&enrolment, server.now());
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let confirm = |code: &str| {
        server
            .post("/api/v1/auth/totp/confirm")
            .json(&json!({ "code": code }))
    };
    let p = confirm(wrong)
        .session(&session)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "code");
    // Not enabled by a wrong code: signing in still needs only the password.
    server.login(email, PASSWORD).await;
    let codes = confirm(&code).session(&session).send().await.ok(200).json();
    let codes: Vec<String> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10, "recovery codes repeat: {codes:?}");
    confirm(&code)
        .session(&session)
        .send()
        .await
        .problem(409, "conflict");
    server
        .post("/api/v1/auth/totp/enrol")
        .session(&session)
        .send()
        .await
        .problem(409, "conflict");

    let login = |extra: Value| {
        let mut body = login_body(email, PASSWORD);
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        server.post("/api/v1/auth/login").json(&body)
    };
    let p = login(json!({})).send().await.problem(401, "unauthorized");
    assert!(
        p["detail"].as_str().unwrap().contains("second factor"),
        "{p}"
    );
    login(json!({ "totp_code": wrong }))
        .send()
        .await
        .problem(401, "unauthorized");
    // The confirmation code's time step is used up; the next step's code works once.
    login(json!({ "totp_code": code }))
        .send()
        .await
        .problem(401, "unauthorized");
    server.clock().advance(Duration::seconds(30));
    let next = authenticator_code(&enrolment, server.now());
    let signed_in = login(json!({ "totp_code": next }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(signed_in["user"]["mfa_enabled"], true);
    login(json!({ "totp_code": next }))
        .send()
        .await
        .problem(401, "unauthorized");
    // A code with the wrong password is still a wrong password.
    server.clock().advance(Duration::seconds(30));
    let later = authenticator_code(&enrolment, server.now());
    server
        .post("/api/v1/auth/login")
        .json(&json!({ "email": email, "password": "not-the-password-at-all", "totp_code": later }))
        .send()
        .await
        .problem(401, "unauthorized");

    login(json!({ "recovery_code": codes[0] }))
        .send()
        .await
        .ok(200);
    login(json!({ "recovery_code": codes[0] }))
        .send()
        .await
        .problem(401, "unauthorized");
    login(json!({ "recovery_code": codes[1].to_uppercase() }))
        .send()
        .await
        .ok(200);
    login(json!({ "recovery_code": "aaaa-bbbb-cc" }))
        .send()
        .await
        .problem(401, "unauthorized");

    // Turning TOTP off needs the password.
    let disable = |password: &str| {
        server
            .post("/api/v1/auth/totp/disable")
            .json(&json!({ "password": password }))
    };
    disable("not-the-password-at-all")
        .session(&session)
        .send()
        .await
        .problem(422, "validation_failed");
    disable(PASSWORD).session(&session).send().await.ok(204);
    let plain = server.login(email, PASSWORD).await;
    assert_eq!(plain.body["user"]["mfa_enabled"], false);

    server.settle().await;
    let events = server
        .get("/api/v1/audit/events")
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    for expected in [
        "user.mfa.enrolment_started",
        "user.mfa.enabled",
        "user.mfa.disabled",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    server.finish().await;
}

pub async fn tenant_requiring_mfa_admits_only_enrolment(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    server
        .post("/api/v1/members")
        .token(owner)
        .json(&json!({ "email": "newbie@acme.test", "password": PASSWORD, "role": "admin" }))
        .send()
        .await
        .ok(201);
    let tenant = server
        .patch("/api/v1/tenant")
        .token(owner)
        .json(&json!({ "require_mfa": true }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(tenant["require_mfa"], true);

    let session = server.login("newbie@acme.test", PASSWORD).await;
    let p = server
        .get("/api/v1/members")
        .cookie(&session)
        .send()
        .await
        .problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("enrol"), "{p}");
    for (method, path) in [
        ("GET", "/api/v1/tenant"),
        ("GET", "/api/v1/tokens"),
        ("GET", "/api/v1/audit/events"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        server
            .call(method, path)
            .cookie(&session)
            .send()
            .await
            .problem(403, "forbidden");
    }
    server
        .post("/api/v1/tokens")
        .session(&session)
        .json(&json!({ "name": "bypass", "role": "viewer" }))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .patch("/api/v1/tenant")
        .session(&session)
        .json(&json!({ "require_mfa": false }))
        .send()
        .await
        .problem(403, "forbidden");
    let me = server
        .get("/api/v1/auth/me")
        .cookie(&session)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(me["mfa_enrolment_required"], true);

    let enrolment = server
        .post("/api/v1/auth/totp/enrol")
        .session(&session)
        .send()
        .await
        .ok(200)
        .json();
    let code = authenticator_code(&enrolment, server.now());
    server
        .post("/api/v1/auth/totp/confirm")
        .session(&session)
        .json(&json!({ "code": code }))
        .send()
        .await
        .ok(200);
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
    assert_eq!(me["mfa_enrolment_required"], false);
    // API tokens are unaffected by the requirement.
    server
        .get("/api/v1/members")
        .token(world.acme.token(probity_core::platform::Role::Viewer))
        .send()
        .await
        .ok(200);
    server.finish().await;
}
