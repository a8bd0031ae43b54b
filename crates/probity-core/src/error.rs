//! The one table of public error codes and the domain error every context returns.
//!
//! The HTTP layer renders [`DomainError`] as RFC 9457 problem JSON; the CLI prints the same
//! code and message. Codes are stable: clients match on them.

use serde::Serialize;

/// Stable, public error codes with their HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is malformed or breaks a rule; `errors` names the fields.
    ValidationFailed,
    /// The resource does not exist, or the caller may not know that it does.
    NotFound,
    /// No valid credentials were presented.
    Unauthorized,
    /// The credentials are valid but lack the permission.
    Forbidden,
    /// The request conflicts with the current state (duplicate, stale version).
    Conflict,
    /// The request body is larger than the configured limit.
    PayloadTooLarge,
    /// Too many requests or attempts; retry later.
    RateLimited,
    /// A dependency (the store) is unavailable or overloaded; retry later.
    Unavailable,
    /// An unexpected internal failure; the request id identifies it in the logs.
    Internal,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::ValidationFailed,
        ErrorCode::NotFound,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The code as it appears in problem JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status this code is served with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed => 422,
            ErrorCode::NotFound => 404,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// A short, human title for the code.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "the request is not valid",
            ErrorCode::NotFound => "not found",
            ErrorCode::Unauthorized => "authentication required",
            ErrorCode::Forbidden => "not allowed",
            ErrorCode::Conflict => "conflict with the current state",
            ErrorCode::PayloadTooLarge => "request body too large",
            ErrorCode::RateLimited => "too many requests",
            ErrorCode::Unavailable => "service unavailable",
            ErrorCode::Internal => "internal error",
        }
    }

    /// The code that fits an HTTP status produced outside our handlers (by a framework layer).
    pub fn from_http_status(status: u16) -> ErrorCode {
        match status {
            400 | 405 | 406 | 411 | 415 | 422 => ErrorCode::ValidationFailed,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            409 | 412 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            429 => ErrorCode::RateLimited,
            408 | 502..=504 => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid field and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as a dotted path in the request (`email`, `members.0.role`).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The error every domain operation returns.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Input failed validation.
    #[error("validation failed: {}", summarize(.0))]
    Validation(Vec<FieldError>),
    /// The named resource does not exist (in this tenant).
    #[error("{0} not found")]
    NotFound(String),
    /// Credentials missing or not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated but not permitted.
    #[error("{0}")]
    Forbidden(String),
    /// Conflicts with existing state.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts.
    #[error("{message}")]
    RateLimited {
        /// What happened.
        message: String,
        /// Seconds after which a retry may succeed.
        retry_after_secs: u64,
    },
    /// The store or another dependency is down.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; details go to the log, not to the client.
    #[error("internal: {0}")]
    Internal(String),
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl DomainError {
    /// A validation error for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The public code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::Validation(_) => ErrorCode::ValidationFailed,
            DomainError::NotFound(_) => ErrorCode::NotFound,
            DomainError::Unauthorized(_) => ErrorCode::Unauthorized,
            DomainError::Forbidden(_) => ErrorCode::Forbidden,
            DomainError::Conflict(_) => ErrorCode::Conflict,
            DomainError::RateLimited { .. } => ErrorCode::RateLimited,
            DomainError::Unavailable(_) => ErrorCode::Unavailable,
            DomainError::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// Shorthand for domain results.
pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_map_back_from_their_status() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert_eq!(ErrorCode::from_http_status(code.http_status()), code);
        }
    }
}
