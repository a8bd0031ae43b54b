//! Probity's HTTP layer: the `/api/v1` routes (documented with OpenAPI), the server-rendered
//! web UI ([`web`]), the tlog-tiles read paths ([`tlog`]), authentication, problem-details
//! errors, security headers, metrics, graceful shutdown, the background job worker and ledger
//! tasks (checkpoint signing, witness cosignatures), and the `add-checkpoint` endpoint of
//! `probity witness serve`. Domain rules live in `probity-core`; this crate only adapts them to
//! HTTP.

pub mod api;
pub mod assurance_task;
pub mod calendar_feed;
pub mod extract;
pub mod forward_task;
pub mod governance_task;
pub mod jobs;
pub mod ledger_task;
pub mod metrics;
pub mod notify;
pub mod periodic;
pub mod problem;
pub mod report_task;
pub mod service_level_task;
pub mod state;
pub mod support_task;
pub mod syslog;
pub mod tlog;
pub mod web;
pub mod witness_api;
pub mod witness_task;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, HttpSettings};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The OpenAPI document as served at `/api/v1/openapi.json`.
#[derive(Clone, Debug)]
pub struct OpenApiJson(pub Arc<String>);

/// Serves the OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi(axum::Extension(doc): axum::Extension<OpenApiJson>) -> Response {
    let mut response = Response::new(axum::body::Body::from(doc.0.as_str().to_owned()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The OpenAPI document of every route.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api::router();
    let (_, extra) = utoipa_axum::router::OpenApiRouter::<AppState>::new()
        .routes(utoipa_axum::routes!(openapi))
        .split_for_parts();
    doc.merge(extra);
    doc
}

async fn not_found() -> problem::Problem {
    problem::Problem::new(
        probity_core::ErrorCode::NotFound,
        "no such route: see /api/v1/openapi.json for the API",
    )
}

async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics().observe_request(
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The complete HTTP application.
pub fn app(state: AppState) -> Router {
    let (api, _) = api::router();
    let doc = openapi_document()
        .to_json()
        .unwrap_or_else(|_| "{}".to_owned());
    let http = state.http().clone();
    let secure = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    // Layers wrap outwards: the last one added sees the request first.
    api.merge(web::router())
        .merge(tlog::router())
        .merge(calendar_feed::router())
        .route("/api/v1/openapi.json", axum::routing::get(openapi))
        .fallback(not_found)
        .layer(axum::Extension(OpenApiJson(Arc::new(doc))))
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, http.request_timeout))
        .layer(CatchPanicLayer::new())
        .layer(middleware::map_response(problem::normalize_errors))
        .layer(secure(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(secure(header::X_FRAME_OPTIONS, "DENY"))
        .layer(secure(header::REFERRER_POLICY, "no-referrer"))
        .layer(secure(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .layer(secure(header::CACHE_CONTROL, "no-store"))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
