//! Request extractors that reject with problem JSON: JSON bodies, query strings, paths,
//! pagination, and the authenticated [`Auth`] principal (bearer token or session cookie).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use probity_core::ErrorCode;
use probity_core::page::PageRequest;
use probity_core::platform::{Principal, Session};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "probity_session";
/// Header naming the tenant a session (or token) call acts in.
pub const TENANT_HEADER: &str = "probity-tenant";
/// Header carrying the CSRF token on session-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn rejection(status: StatusCode, text: String) -> ApiError {
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        ErrorCode::PayloadTooLarge
    } else {
        ErrorCode::ValidationFailed
    };
    let mut p = Problem::new(code, text);
    p.status = status.as_u16();
    ApiError(p, None)
}

/// A JSON body; malformed or mistyped bodies become `validation_failed`, oversized ones 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    let text = match &e {
        JsonRejection::JsonSyntaxError(_) => {
            format!("the body is not valid JSON: {}", e.body_text())
        }
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON with the header content-type: application/json".to_owned()
        }
        JsonRejection::BytesRejection(_) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than the server accepts (server.body_limit_bytes)"
                .to_owned()
        }
        _ => e.body_text(),
    };
    rejection(e.status(), text)
}

/// A query string.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    rejection(StatusCode::UNPROCESSABLE_ENTITY, e.body_text())
}

/// Path parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(path_rejection(e)),
        }
    }
}

fn path_rejection(e: PathRejection) -> ApiError {
    // A malformed id cannot name an existing resource.
    ApiError(Problem::new(ErrorCode::NotFound, e.body_text()), None)
}

/// `?limit=&cursor=` on every list endpoint.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (1–500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// Validates into a page request.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest::parse(self.limit, self.cursor.as_deref())?)
    }
}

/// The authenticated caller. Bearer `prb_...` tokens act in their own tenant; session cookies
/// act in the `Probity-Tenant` header's tenant, else the web UI's tenant cookie's, else the
/// session's, and need the CSRF header on
/// writes.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Who is calling.
    pub principal: Principal,
    /// The session, for cookie callers.
    pub session: Option<Session>,
}

/// A `Set-Cookie` value for `name=value` as every Probity cookie is set: host-only, path `/`,
/// `HttpOnly`, `SameSite=Strict`, `Secure` when the public URL is https; `max_age` 0 deletes it.
pub fn set_cookie(
    http: &crate::state::HttpSettings,
    name: &str,
    value: &str,
    max_age: i64,
) -> Result<header::HeaderValue, probity_core::DomainError> {
    let secure = if http.secure_cookies { "; Secure" } else { "" };
    header::HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| probity_core::DomainError::Internal(e.to_string()))
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of cookie `name` in the request headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tenant = parts
            .headers
            .get(TENANT_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().unwrap_or_default();
            let token = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .ok_or_else(|| {
                    ApiError::from(probity_core::DomainError::Unauthorized(
                        "use the header Authorization: Bearer prb_...".into(),
                    ))
                })?;
            let principal = state.platform().authenticate_token(token.trim()).await?;
            if let Some(slug) = tenant.filter(|s| s != principal.tenant.slug.as_str()) {
                return Err(probity_core::DomainError::Forbidden(format!(
                    "this token acts in tenant {:?}, not {slug:?}",
                    principal.tenant.slug.as_str()
                ))
                .into());
            }
            return Ok(Auth {
                principal,
                session: None,
            });
        }
        let Some(cookie) = cookie(parts, SESSION_COOKIE) else {
            return Err(probity_core::DomainError::Unauthorized(
                "sign in, or send an API token as Authorization: Bearer prb_...".into(),
            )
            .into());
        };
        // Without the header, a session acts in the tenant the web UI switched to (its cookie),
        // so that download links on a page serve that page's tenant; membership is rechecked.
        // A tenant cookie the user does not belong to (any more) is ignored, as the pages do.
        let switched = cookie_in(&parts.headers, crate::web::TENANT_COOKIE)
            .filter(|slug| tenant.is_none() && !slug.is_empty())
            .map(str::to_owned);
        let platform = state.platform();
        let (principal, session) = match (&tenant, &switched) {
            (None, Some(slug)) => match platform.authenticate_session(cookie, Some(slug)).await {
                Err(probity_core::DomainError::Forbidden(_)) => {
                    platform.authenticate_session(cookie, None).await?
                }
                other => other?,
            },
            _ => {
                platform
                    .authenticate_session(cookie, tenant.as_deref())
                    .await?
            }
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let id = probity_crypto::SessionId::parse(cookie).map_err(|_| {
                ApiError::from(probity_core::DomainError::Unauthorized(
                    "the session has ended".into(),
                ))
            })?;
            if !probity_crypto::verify_csrf(state.csrf_key(), &id, presented) {
                return Err(probity_core::DomainError::Forbidden(
                    "missing or wrong CSRF token: send the csrf_token from sign-in as the X-CSRF-Token header".into(),
                )
                .into());
            }
        }
        Ok(Auth {
            principal,
            session: Some(session),
        })
    }
}
