//! The HTTP face of `probity witness serve`: `POST /add-checkpoint` exactly as C2SP tlog-witness
//! specifies it, with plain-text answers (not problem JSON): 200 with cosignature lines, 400,
//! 403, 404, 409 (`text/x.tlog.size` body with the witness's latest size), 422, and 413 for
//! bodies above the protocol's size limit.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use probity_core::witness::{AddCheckpointError, WitnessService};
use probity_ledger::witness::{MAX_REQUEST_SIZE, SIZE_CONTENT_TYPE, format_size};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const TEXT: &str = "text/plain; charset=utf-8";

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn add_checkpoint(State(witness): State<Arc<WitnessService>>, body: Bytes) -> Response {
    match witness.add_checkpoint(&body).await {
        Ok(cosignatures) => text(StatusCode::OK, TEXT, cosignatures),
        Err(AddCheckpointError::Refused(refusal)) => {
            tracing::info!(status = refusal.status(), reason = %refusal, "checkpoint refused");
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
            match refusal.latest_size() {
                Some(latest) => text(status, SIZE_CONTENT_TYPE, format_size(latest)),
                None => text(status, TEXT, format!("{refusal}\n")),
            }
        }
        Err(AddCheckpointError::Internal(e)) => {
            tracing::error!(error = %e, "add-checkpoint failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                TEXT,
                "internal error\n".to_owned(),
            )
        }
    }
}

async fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        TEXT,
        "not found: this witness serves POST /add-checkpoint\n".to_owned(),
    )
}

/// The witness application: `POST /add-checkpoint` under the root (the submission prefix is
/// the witness's base URL).
pub fn witness_app(witness: Arc<WitnessService>) -> Router {
    Router::new()
        .route("/add-checkpoint", axum::routing::post(add_checkpoint))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(witness)
}
