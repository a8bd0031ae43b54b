//! RFC 9457 problem details: the only error body the API ever sends.
//!
//! Handlers return [`ApiError`] (from a [`DomainError`]); a response layer turns any other
//! error response (framework rejections, timeouts, panics, unknown routes) into the same shape.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use probity_core::{DomainError, ErrorCode, FieldError};
use serde::Serialize;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:probity:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened in this case and what to do about it.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// The invalid fields, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem of `code` with `detail`.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("urn:probity:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.http_status(),
            detail: detail.into(),
            code,
            errors: Vec::new(),
        }
    }

    /// A validation problem naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Problem::from_domain(&DomainError::invalid(field, message))
    }

    /// The problem for a domain error; internal details are logged, not sent.
    pub fn from_domain(e: &DomainError) -> Self {
        match e {
            DomainError::Validation(errors) => {
                let mut p = Problem::new(ErrorCode::ValidationFailed, e.to_string());
                p.errors = errors.clone();
                p
            }
            DomainError::Internal(message) => {
                tracing::error!(error = %message, "internal error");
                Problem::new(
                    ErrorCode::Internal,
                    "an unexpected error occurred; the request id identifies it in the server log",
                )
            }
            DomainError::Unavailable(message) => {
                tracing::warn!(error = %message, "dependency unavailable");
                Problem::new(
                    ErrorCode::Unavailable,
                    "the store is unavailable; retry shortly",
                )
            }
            other => Problem::new(other.code(), other.to_string()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> axum::response::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"probity\""),
            );
        }
        response
    }
}

/// The error type of every handler.
#[derive(Debug)]
pub struct ApiError(pub Problem, pub Option<u64>);

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let retry = match &e {
            DomainError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            DomainError::Unavailable(_) => Some(1),
            _ => None,
        };
        ApiError(Problem::from_domain(&e), retry)
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError(p, None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let mut response = self.0.into_response();
        if let Some(secs) = self.1
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

/// Rewrites any error response that is not already problem JSON or an HTML page of the web UI
/// (framework rejections, 404/405, timeouts, caught panics) into problem JSON with the matching
/// code.
pub async fn normalize_errors(response: Response<Body>) -> Response<Body> {
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // Web pages (crate::web) answer errors with their own HTML page.
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_html {
        return response;
    }
    let code = ErrorCode::from_http_status(status.as_u16());
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let detail = match status.as_u16() {
        404 => "no such route: see /api/v1/openapi.json for the API".to_owned(),
        405 => "this route does not accept that method".to_owned(),
        408 => "the request took too long and was stopped".to_owned(),
        500 => "an unexpected error occurred; the request id identifies it in the server log"
            .to_owned(),
        _ if !text.trim().is_empty() && text.len() < 1000 => text.trim().to_owned(),
        _ => code.title().to_owned(),
    };
    let mut problem = Problem::new(code, detail);
    problem.status = status.as_u16();
    let mut rebuilt = problem.into_response();
    *rebuilt.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rebuilt
}
