//! Who is signed in to a web page: the same session cookie the API accepts, in the tenant the
//! `probity_tenant` cookie names (ADR 0006), and the CSRF check of every form post.
//!
//! Pages take [`SignedIn`]; without a valid session it answers with a redirect to
//! `/login?next=<this page>` instead of an error.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use probity_core::DomainError;
use probity_core::platform::{Principal, Role, Session, Tenant};
use probity_crypto::SessionId;

use super::view::{Section, Shell, Viewer, query_escape};
use super::{TENANT_COOKIE, error_page};
use crate::extract::{SESSION_COOKIE, cookie_in, set_cookie};
use crate::state::AppState;

/// A signed-in user looking at a page.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The principal the page acts as (tenant, role, actor).
    pub principal: Principal,
    /// The session.
    pub session: Session,
    /// The session id from the cookie, for CSRF checks.
    pub session_id: SessionId,
    /// The CSRF token the session's forms carry.
    pub csrf: String,
    /// The user's display name.
    pub user_name: String,
    /// Every tenant the user belongs to, with their role there.
    pub memberships: Vec<(Tenant, Role)>,
    /// Path and query of the request.
    pub path: String,
}

impl SignedIn {
    /// The layout for `section` of this user's page.
    pub fn shell(&self, section: Option<Section>, title: &str) -> Shell {
        Shell::new(
            &Viewer {
                tenant: &self.principal.tenant,
                role: self.principal.role,
                user_name: &self.user_name,
                user_email: &self.principal.actor.display,
                csrf: &self.csrf,
                memberships: &self.memberships,
            },
            section,
            title,
            &self.path,
        )
    }

    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_ok(&self, state: &AppState, presented: &str) -> bool {
        probity_crypto::verify_csrf(state.csrf_key(), &self.session_id, presented)
    }
}

/// The redirect to the sign-in page that comes back to `path`; clears a dead session cookie.
pub fn to_login(state: &AppState, path: &str, clear_cookie: bool) -> Response {
    let location = if path == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", query_escape(path))
    };
    let mut response = super::see_other(&location);
    if clear_cookie && let Ok(v) = set_cookie(state.http(), SESSION_COOKIE, "", 0) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Resolves the session cookie in `headers` in the tenant cookie's tenant (falling back to the
/// session's own tenant when the user no longer belongs to it).
pub async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<SignedIn, Response> {
    let Some(cookie) = cookie_in(headers, SESSION_COOKIE) else {
        return Err(to_login(state, path, false));
    };
    let platform = state.platform();
    let chosen = cookie_in(headers, TENANT_COOKIE).filter(|s| !s.is_empty());
    let mut found = platform.authenticate_session(cookie, chosen).await;
    if chosen.is_some() && matches!(found, Err(DomainError::Forbidden(_))) {
        found = platform.authenticate_session(cookie, None).await;
    }
    let (principal, session) = match found {
        Ok(ok) => ok,
        Err(DomainError::Unauthorized(_)) => return Err(to_login(state, path, true)),
        Err(e) => return Err(error_page(&e)),
    };
    let Ok(session_id) = SessionId::parse(cookie) else {
        return Err(to_login(state, path, true));
    };
    let store = platform.store();
    let user_id = session.user_id;
    let user = store
        .user_by_id(user_id)
        .await
        .map_err(|e| error_page(&e.into()))?;
    let memberships = store
        .tenants_of_user(user_id)
        .await
        .map_err(|e| error_page(&e.into()))?;
    let user_name = user
        .map(|u| u.display_name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| principal.actor.display.clone());
    Ok(SignedIn {
        csrf: probity_crypto::csrf_token(state.csrf_key(), &session_id),
        principal,
        session,
        session_id,
        user_name,
        memberships,
        path: path.to_owned(),
    })
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        resolve(state, &parts.headers, &path).await
    }
}

/// The 403 page for a form posted without this session's CSRF token.
pub fn csrf_refused() -> Response {
    error_page(&DomainError::Forbidden(
        "the form was out of date or did not come from this site: go back, reload the page and try again"
            .into(),
    ))
}

/// Appends `Set-Cookie` values to `response`.
pub fn with_cookies(mut response: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response.into_response()
}
