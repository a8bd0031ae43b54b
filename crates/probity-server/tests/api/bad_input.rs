//! Bad input of every kind is answered with problem JSON and the right status, never a 5xx:
//! broken and mistyped bodies, oversized bodies, missing or dead credentials, unknown routes
//! and methods, malformed ids and pagination parameters.

use chrono::Duration;
use probity_core::platform::Role;
use serde_json::json;

use crate::harness::{BODY_LIMIT, TestServer, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_bodies_are_validation_problems() {
    let server = TestServer::start().await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let tokens = || server.post("/api/v1/tokens").token(owner);

    let p = tokens()
        .json_text(r#"{"name": "ci", "role": "#)
        .send()
        .await
        .problem(400, "validation_failed");
    assert!(
        p["detail"].as_str().unwrap().contains("not valid JSON"),
        "{p}"
    );
    tokens()
        .json_text(r#"{"name": 5, "role": "viewer"}"#)
        .send()
        .await
        .problem(422, "validation_failed");
    tokens()
        .json_text(r#"{"name": "ci", "role": "superuser"}"#)
        .send()
        .await
        .problem(422, "validation_failed");
    tokens()
        .json_text(r#"{"name": "ci"}"#)
        .send()
        .await
        .problem(422, "validation_failed");
    tokens()
        .json_text(r#"["ci", "viewer"]"#)
        .send()
        .await
        .problem(422, "validation_failed");
    let p = tokens()
        .json_text(r#"{"name": "ci", "role": "viewer", "scopes": ["all"]}"#)
        .send()
        .await
        .problem(422, "validation_failed");
    assert!(
        p["detail"].as_str().unwrap().contains("scopes"),
        "names the unknown field: {p}"
    );
    tokens()
        .body(r#"{"name": "ci", "role": "viewer"}"#.to_owned())
        .send()
        .await
        .problem(415, "validation_failed");
    tokens()
        .header("content-type", "text/plain")
        .body(r#"{"name": "ci", "role": "viewer"}"#.to_owned())
        .send()
        .await
        .problem(415, "validation_failed");
    // Domain validation names the field.
    let p = tokens()
        .json(&json!({ "name": "ci", "role": "viewer", "expires_in": "soon" }))
        .send()
        .await;
    let p = p.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "expires_in", "{p}");
    let p = tokens()
        .json(&json!({ "name": "  ", "role": "viewer" }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "name", "{p}");
    let p = server
        .post("/api/v1/members")
        .token(owner)
        .json(&json!({ "email": "not-an-email", "password": "plum-orchard-lantern-42", "role": "viewer" }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "email", "{p}");
    server
        .patch("/api/v1/tenant")
        .token(owner)
        .json(&json!({ "require_mfa": "yes" }))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .post("/api/v1/auth/login")
        .json(&json!({ "email": "owner@acme.test", "password": "x", "remember_me": true }))
        .send()
        .await
        .problem(422, "validation_failed");
    // None of that created a token.
    let list = server
        .get("/api/v1/tokens")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), Role::ALL.len());
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413() {
    let server = TestServer::start().await;
    let world = seed(&server.platform).await;
    let big = format!(
        r#"{{"name": "{}", "role": "viewer"}}"#,
        "a".repeat(BODY_LIMIT + 1)
    );
    let p = server
        .post("/api/v1/tokens")
        .token(world.acme.owner_token())
        .json_text(&big)
        .send()
        .await
        .problem(413, "payload_too_large");
    assert!(p["detail"].as_str().unwrap().contains("larger"), "{p}");
    server
        .post("/api/v1/auth/login")
        .json_text(&big)
        .send()
        .await
        .problem(413, "payload_too_large");
    // Just under the limit is read (and then refused for its content, not its size).
    let under = format!(
        r#"{{"name": "{}", "role": "viewer"}}"#,
        "a".repeat(BODY_LIMIT - 100)
    );
    server
        .post("/api/v1/tokens")
        .token(world.acme.owner_token())
        .json_text(&under)
        .send()
        .await
        .problem(422, "validation_failed");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_bad_credentials_are_401() {
    let server = TestServer::start().await;
    let world = seed(&server.platform).await;
    let unauthorized = |reply: crate::harness::Reply| {
        reply.problem(401, "unauthorized");
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer"),
            "{}: WWW-Authenticate {challenge:?}",
            reply.label
        );
    };
    unauthorized(server.get("/api/v1/members").send().await);
    unauthorized(
        server
            .post("/api/v1/tokens")
            .json(&json!({ "name": "x", "role": "viewer" }))
            .send()
            .await,
    );
    unauthorized(server.get("/api/v1/members").token("garbage").send().await);
    unauthorized(
        server
            .get("/api/v1/members")
            .token("prb_abc_def")
            .send()
            .await,
    );
    unauthorized(
        server
            .get("/api/v1/members")
            .header("authorization", "Basic b3duZXI6cGFzcw==")
            .send()
            .await,
    );
    unauthorized(
        server
            .get("/api/v1/members")
            .header("cookie", "probity_session=forged")
            .send()
            .await,
    );
    // A real token with one character of its secret changed.
    let real = world.acme.owner_token();
    let mut forged = real[..real.len() - 1].to_owned();
    forged.push(if real.ends_with('A') { 'B' } else { 'A' });
    unauthorized(server.get("/api/v1/members").token(&forged).send().await);
    unauthorized(
        server
            .get("/api/v1/members")
            .token(&format!("{real}x"))
            .send()
            .await,
    );
    server
        .get("/api/v1/members")
        .token(real)
        .send()
        .await
        .ok(200);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_revoked_tokens_are_401() {
    let server = TestServer::start_manual().await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let issue = |expires_in: Option<&str>| {
        let mut body = json!({ "name": "short-lived", "role": "viewer" });
        if let Some(e) = expires_in {
            body["expires_in"] = json!(e);
        }
        server.post("/api/v1/tokens").token(owner).json(&body)
    };
    let short = issue(Some("1h")).send().await.ok(201).json();
    let expected_expiry = server.now() + Duration::hours(1);
    assert_eq!(short["record"]["expires_at"], json!(expected_expiry));
    let short_token = short["token"].as_str().unwrap().to_owned();
    server
        .get("/api/v1/auth/me")
        .token(&short_token)
        .send()
        .await
        .ok(200);
    server.clock().advance(Duration::minutes(59));
    server
        .get("/api/v1/auth/me")
        .token(&short_token)
        .send()
        .await
        .ok(200);
    server.clock().advance(Duration::minutes(1));
    let p = server
        .get("/api/v1/auth/me")
        .token(&short_token)
        .send()
        .await
        .problem(401, "unauthorized");
    assert!(p["detail"].as_str().unwrap().contains("expired"), "{p}");

    let revoked = issue(None).send().await.ok(201).json();
    let revoked_token = revoked["token"].as_str().unwrap();
    let path = format!(
        "/api/v1/tokens/{}",
        revoked["record"]["id"].as_str().unwrap()
    );
    server
        .get("/api/v1/auth/me")
        .token(revoked_token)
        .send()
        .await
        .ok(200);
    server.delete(&path).token(owner).send().await.ok(204);
    server
        .get("/api/v1/auth/me")
        .token(revoked_token)
        .send()
        .await
        .problem(401, "unauthorized");
    server
        .delete(&path)
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    // A revoked token cannot revoke itself back into use or do anything else.
    server
        .delete(&path)
        .token(revoked_token)
        .send()
        .await
        .problem(401, "unauthorized");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_methods_and_ids_are_problems() {
    let server = TestServer::start().await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    server
        .get("/api/v1/nothing-here")
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    server
        .get("/api/v2/tenant")
        .send()
        .await
        .problem(404, "not_found");
    server
        .get("/no-such-page")
        .send()
        .await
        .problem(404, "not_found");
    let reply = server
        .call(reqwest::Method::PUT, "/api/v1/tenant")
        .token(owner)
        .send()
        .await;
    reply.problem(405, "validation_failed");
    let allow = reply.header("allow").unwrap_or_default().to_owned();
    assert!(
        allow.contains("GET") && allow.contains("PATCH"),
        "Allow: {allow:?}"
    );
    server
        .delete("/api/v1/tenant")
        .token(owner)
        .send()
        .await
        .problem(405, "validation_failed");
    server
        .get("/api/v1/auth/login")
        .send()
        .await
        .problem(405, "validation_failed");
    server
        .delete("/api/v1/tokens/not-a-uuid")
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    server
        .delete("/api/v1/tokens/00000000-0000-0000-0000-000000000000")
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    server
        .patch("/api/v1/members/12345")
        .token(owner)
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .problem(404, "not_found");
    server
        .delete(&format!("/api/v1/members/{}", uuid::Uuid::now_v7()))
        .token(owner)
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pagination_is_422() {
    let server = TestServer::start().await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    for list in ["/api/v1/members", "/api/v1/tokens", "/api/v1/audit/events"] {
        for query in [
            "limit=0",
            "limit=501",
            "limit=-1",
            "limit=x",
            "limit=1.5",
            "cursor=!!!",
            "cursor=AAAA",
        ] {
            let p = server
                .get(&format!("{list}?{query}"))
                .token(owner)
                .send()
                .await
                .problem(422, "validation_failed");
            let field = query.split('=').next().unwrap();
            assert!(
                p["detail"].as_str().unwrap().contains(field),
                "{list}?{query}: {p}"
            );
        }
        server
            .get(&format!("{list}?limit=500"))
            .token(owner)
            .send()
            .await
            .ok(200);
    }
    // A real cursor walks the list one item at a time without repeats.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = server
            .get(&format!("/api/v1/tokens?limit=2{query}"))
            .token(owner)
            .send()
            .await
            .ok(200)
            .json();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (Role::ALL.len(), Role::ALL.len()),
        "{seen:?}"
    );
    server.finish().await;
}
