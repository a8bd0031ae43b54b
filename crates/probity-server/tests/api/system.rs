//! Health, readiness, metrics, and the headers every answer carries.

use crate::harness::{Reply, TestDatabase, TestServer};

fn assert_security_headers(reply: &Reply) {
    let header = |name: &str| reply.header(name).unwrap_or_default().to_owned();
    assert_eq!(
        header("x-content-type-options"),
        "nosniff",
        "{}",
        reply.label
    );
    assert_eq!(header("x-frame-options"), "DENY", "{}", reply.label);
    assert!(
        header("content-security-policy").contains("default-src 'none'"),
        "{}",
        reply.label
    );
    assert_eq!(header("referrer-policy"), "no-referrer", "{}", reply.label);
    assert_eq!(header("cache-control"), "no-store", "{}", reply.label);
    let id = header("x-request-id");
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "{}: x-request-id {id:?}",
        reply.label
    );
}

pub async fn health_readiness_and_metrics(db: TestDatabase) {
    let backend = db.backend();
    let server = TestServer::start_with(db, false).await;
    let health = server.get("/healthz").send().await.ok(200);
    assert_eq!(health.json(), serde_json::json!({ "status": "ok" }));
    let ready = server.get("/readyz").send().await.ok(200).json();
    assert_eq!(
        (ready["status"].as_str(), ready["store"].as_str()),
        (Some("ok"), Some(backend))
    );
    server
        .get("/api/v1/members")
        .send()
        .await
        .problem(401, "unauthorized");

    let metrics = server.get("/metrics").send().await.ok(200);
    assert!(
        metrics
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    let text = &metrics.text;
    assert!(
        text.contains("# TYPE probity_http_requests_total counter"),
        "{text}"
    );
    assert!(
        text.contains(r#"probity_http_requests_total{method="GET",status="200"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"probity_http_requests_total{method="GET",status="401"} 1"#),
        "{text}"
    );
    assert!(text.contains(&format!(r#"store="{backend}""#)), "{text}");
    assert!(
        text.contains("probity_http_request_duration_seconds_count 3"),
        "{text}"
    );
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_security_headers_and_a_request_id() {
    let server = TestServer::start().await;
    for reply in [
        server.get("/healthz").send().await,
        server.get("/api/v1/openapi.json").send().await,
        server.get("/api/v1/members").send().await,
        server.get("/no/such/route").send().await,
        server
            .post("/api/v1/auth/login")
            .json_text("{")
            .send()
            .await,
    ] {
        reply.assert_not_server_error();
        assert_security_headers(&reply);
    }
    let a = server.get("/healthz").send().await;
    let b = server.get("/healthz").send().await;
    assert_ne!(
        a.header("x-request-id"),
        b.header("x-request-id"),
        "request ids repeat"
    );
    let traced = server
        .get("/healthz")
        .header("x-request-id", "trace-4711")
        .send()
        .await;
    assert_eq!(
        traced.header("x-request-id"),
        Some("trace-4711"),
        "a caller's request id is kept"
    );
    server.finish().await;
}
