//! The OpenAPI 3.1 document: served, complete for every operation, matching what the server
//! routes; and no route can be registered without going through utoipa-axum's `routes!`.

use std::path::Path;

use serde_json::Value;

use crate::harness::TestServer;
use crate::routes::documented_api_routes;

/// Operations that need no credentials: sign-in, the document itself, health and metrics.
const PUBLIC: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    // The vendor respondent: the token in the path is the only credential.
    ("GET", "/api/v1/respond/{token}"),
    ("PUT", "/api/v1/respond/{token}"),
];

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                ops.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_documented() {
    let server = TestServer::start().await;
    let reply = server.get("/api/v1/openapi.json").send().await.ok(200);
    assert!(
        reply
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let doc = reply.json();
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "openapi version {version:?}");
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    assert!(
        schemes.contains_key("token") && schemes.contains_key("session"),
        "{schemes:?}"
    );
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();

    let ops = operations(&doc);
    assert!(
        ops.len() >= 20,
        "suspiciously few operations: {}",
        ops.len()
    );
    let mut problems = Vec::new();
    for (method, path, op) in &ops {
        let name = format!("{method} {path}");
        let text = |k: &str| op[k].as_str().is_some_and(|s| !s.trim().is_empty());
        if !text("summary") && !text("description") {
            problems.push(format!("{name}: no summary or description"));
        }
        match op["tags"].as_array() {
            Some(t) if !t.is_empty() => {
                for tag in t {
                    if !tags.contains(&tag.as_str().unwrap_or_default()) {
                        problems.push(format!("{name}: tag {tag} is not declared"));
                    }
                }
            }
            _ => problems.push(format!("{name}: no tags")),
        }
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        if !responses.keys().any(|status| status.starts_with('2')) {
            problems.push(format!("{name}: no 2xx response"));
        }
        for (status, response) in &responses {
            if response["description"].as_str().is_none() {
                problems.push(format!("{name}: response {status} has no description"));
            }
        }
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if secured && !responses.contains_key("401") {
            problems.push(format!("{name}: authenticated but 401 is not documented"));
        }
        if !public && !secured {
            problems.push(format!(
                "{name}: needs credentials but documents no security"
            ));
        }
        if public && secured {
            problems.push(format!("{name}: is public but documents security"));
        }
        if path.contains('{') {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let param = segment.trim_matches(|c| c == '{' || c == '}');
                if !params
                    .iter()
                    .any(|p| p["name"] == param && p["in"] == "path")
                {
                    problems.push(format!("{name}: path parameter {param} is not documented"));
                }
            }
        }
        let writes = ["POST", "PUT", "PATCH"].contains(&method.as_str());
        let takes_body = op["requestBody"].is_object();
        if takes_body && !writes {
            problems.push(format!("{name}: a {method} with a request body"));
        }
    }
    assert!(
        problems.is_empty(),
        "the OpenAPI document is incomplete:\n{}",
        problems.join("\n")
    );
    server.finish().await;
}

/// Every documented operation is served: called without credentials, none falls through to
/// the unknown-route 404 or answers 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let server = TestServer::start().await;
    let doc = server.openapi().await;
    for (method, path, _) in operations(&doc) {
        let concrete = path
            .replace("{user_id}", &uuid::Uuid::nil().to_string())
            .replace("{token_id}", &uuid::Uuid::nil().to_string())
            .replace("{channel_id}", &uuid::Uuid::nil().to_string())
            .replace("{rule_id}", &uuid::Uuid::nil().to_string())
            .replace("{notification_id}", &uuid::Uuid::nil().to_string())
            .replace("{index}", "0")
            .replace("{framework_id}", "soc2-2017")
            .replace("{requirement_id}", "CC6.1")
            .replace("{control_id}", "IAM-01")
            .replace("{import_id}", &uuid::Uuid::nil().to_string())
            .replace("{change_id}", &uuid::Uuid::nil().to_string())
            .replace("{policy_id}", &uuid::Uuid::nil().to_string())
            .replace("{risk_id}", &uuid::Uuid::nil().to_string())
            .replace("{exception_id}", &uuid::Uuid::nil().to_string())
            .replace("{vendor_id}", &uuid::Uuid::nil().to_string())
            .replace("{asset_id}", &uuid::Uuid::nil().to_string())
            .replace("{training_id}", &uuid::Uuid::nil().to_string())
            .replace("{violation_id}", &uuid::Uuid::nil().to_string())
            .replace("{assessment_id}", &uuid::Uuid::nil().to_string())
            .replace("{question_id}", "q")
            .replace("{evidence_id}", &uuid::Uuid::nil().to_string())
            .replace("{freeze_id}", &uuid::Uuid::nil().to_string())
            .replace("{test_id}", &uuid::Uuid::nil().to_string())
            .replace("{slo_id}", &uuid::Uuid::nil().to_string())
            .replace("{slo_violation_id}", &uuid::Uuid::nil().to_string())
            .replace("{credit_id}", &uuid::Uuid::nil().to_string())
            .replace("{report_id}", &uuid::Uuid::nil().to_string())
            .replace("{schedule_id}", &uuid::Uuid::nil().to_string())
            .replace("{feed_id}", &uuid::Uuid::nil().to_string())
            .replace("{hold_id}", &uuid::Uuid::nil().to_string())
            .replace("{detection_rule_id}", &uuid::Uuid::nil().to_string())
            .replace("{alert_id}", &uuid::Uuid::nil().to_string())
            .replace("{forwarder_id}", &uuid::Uuid::nil().to_string())
            .replace("{request_id}", &uuid::Uuid::nil().to_string())
            .replace("{breach_id}", &uuid::Uuid::nil().to_string())
            .replace("{activity_id}", &uuid::Uuid::nil().to_string())
            .replace("{purpose_id}", &uuid::Uuid::nil().to_string())
            .replace("{subject_id}", "subject-1")
            .replace("{dpia_id}", &uuid::Uuid::nil().to_string())
            .replace("{retention_schedule_id}", &uuid::Uuid::nil().to_string())
            .replace("{ticket_id}", &uuid::Uuid::nil().to_string())
            .replace("{finding_id}", "F-1")
            .replace("{key}", "k")
            .replace("{template_key}", "k")
            .replace("{token}", "not-a-token")
            .replace("{number}", "1");
        assert!(
            !concrete.contains('{'),
            "{path}: give the test a value for its parameter"
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let reply = server.call(method, &concrete).send().await;
        reply.assert_not_server_error();
        let unrouted =
            reply.status == 405 || (reply.status == 404 && reply.text.contains("no such route"));
        assert!(
            !unrouted,
            "{} is documented but not routed: {} {}",
            reply.label, reply.status, reply.text
        );
    }
    // And the /api/v1 ones are exactly those the isolation table knows (checked there too).
    assert!(!documented_api_routes(&server).await.is_empty());
    server.finish().await;
}

/// Routes are registered only through utoipa-axum's `routes!` (which requires the
/// `#[utoipa::path]` documentation), never with axum's bare `.route(`.
#[test]
fn routes_are_only_registered_with_their_documentation() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    let mut dirs = vec![api];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 5, "found only {files:?}");
    let mut offenders = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for (i, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if code.contains(".route(")
                || code.contains(".route_service(")
                || code.contains("routing::")
            {
                offenders.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "register routes with utoipa_axum::routes!(handler) so they appear in the OpenAPI document:\n{}",
        offenders.join("\n")
    );
    // The one route added outside src/api is the document itself, which is documented too.
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let bare: Vec<&str> = lib.lines().filter(|l| l.contains(".route(")).collect();
    assert!(
        bare.iter().all(|l| l.contains("\"/api/v1/openapi.json\"")),
        "src/lib.rs registers a route outside the documented API router: {bare:?}"
    );
    let router =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api/mod.rs"))
            .unwrap();
    assert!(
        router.contains("routes!("),
        "src/api/mod.rs no longer uses routes!: update this test"
    );
}
