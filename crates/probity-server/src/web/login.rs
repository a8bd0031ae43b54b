//! Signing in and out of the web UI and switching tenant. Sign-in goes through the platform
//! service's `login` (lockout, second factor, audit events) and sets the same session cookie
//! as `POST /api/v1/auth/login`; sign-out goes through its `logout`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use probity_core::DomainError;
use probity_core::platform::TenantSlug;
use probity_core::platform::auth::LoginAttempt;
use probity_crypto::SessionId;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::assets::ASSETS;
use super::session::{SignedIn, csrf_refused, resolve, with_cookies};
use super::view::{PRODUCT, safe_next};
use super::{LOGIN_CSRF_COOKIE, TENANT_COOKIE, error_page, render, see_other};
use crate::extract::{SESSION_COOKIE, cookie_in, set_cookie};
use crate::state::AppState;

/// How long the sign-in form stays usable.
const LOGIN_FORM_SECS: i64 = 3600;

/// The sign-in page: email and password, or the second-factor step.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    product: &'static str,
    css: &'static str,
    js: &'static str,
    icon: &'static str,
    csrf: String,
    next: String,
    email: String,
    /// Set on the second step: the password, sealed under this process's pending sign-in key
    /// and bound to the form's nonce, email and an expiry; never the password itself.
    pending: String,
    /// The password to seal into `pending` (not rendered).
    secret: Option<SecretString>,
    second_factor: bool,
    error: Option<String>,
    notice: Option<&'static str>,
}

impl LoginPage {
    fn new(csrf: String, next: String) -> Self {
        LoginPage {
            product: PRODUCT,
            css: ASSETS.css.href.as_str(),
            js: ASSETS.js.href.as_str(),
            icon: ASSETS.icon.href.as_str(),
            csrf,
            next,
            email: String::new(),
            pending: String::new(),
            secret: None,
            second_factor: false,
            error: None,
            notice: None,
        }
    }
}

/// `?next=` of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

/// A fresh sign-in form nonce: the cookie value and the token the form carries.
fn login_nonce(state: &AppState) -> (SessionId, String) {
    let nonce = SessionId::generate();
    let token = probity_crypto::csrf_token(state.csrf_key(), &nonce);
    (nonce, token)
}

/// What a sealed password is bound to: the form nonce (cookie), the email and the expiry.
fn pending_aad(nonce: &str, email: &str, expires: i64) -> Vec<u8> {
    format!("probity web pending sign-in\n{nonce}\n{email}\n{expires}").into_bytes()
}

/// Seals the password for the second step: `<expiry unix secs>.<hex ciphertext>`.
fn seal_pending(state: &AppState, nonce: &str, email: &str, password: &SecretString) -> String {
    let expires = state.platform().clock().now().timestamp() + LOGIN_FORM_SECS;
    state
        .pending_sign_in_key()
        .encrypt(
            password.expose_secret().as_bytes(),
            &pending_aad(nonce, email, expires),
        )
        .map(|sealed| format!("{expires}.{}", hex::encode(sealed)))
        .unwrap_or_default()
}

/// Opens a sealed password: `None` when expired, altered, from another process or bound to
/// another form or email (the user then signs in again).
fn open_pending(state: &AppState, nonce: &str, email: &str, pending: &str) -> Option<SecretString> {
    let (expires, sealed) = pending.split_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    if expires < state.platform().clock().now().timestamp() {
        return None;
    }
    let sealed = hex::decode(sealed).ok()?;
    let plain = state
        .pending_sign_in_key()
        .decrypt(&sealed, &pending_aad(nonce, email, expires))
        .ok()?;
    String::from_utf8(plain).ok().map(SecretString::from)
}

fn login_page(state: &AppState, status: StatusCode, mut page: LoginPage) -> Response {
    let (nonce, token) = login_nonce(state);
    page.csrf = token;
    if let Some(secret) = page.secret.take() {
        page.pending = seal_pending(state, nonce.expose_secret(), &page.email, &secret);
    }
    let cookie = set_cookie(
        state.http(),
        LOGIN_CSRF_COOKIE,
        nonce.expose_secret(),
        LOGIN_FORM_SECS,
    );
    with_cookies(render(status, &page), cookie.into_iter().collect())
}

/// `GET /login`: the form; a signed-in user goes straight on.
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if cookie_in(&headers, SESSION_COOKIE).is_some() && resolve(&state, &headers, "/").await.is_ok()
    {
        return see_other(&next);
    }
    let mut page = LoginPage::new(String::new(), next);
    if q.signed_out.is_some() {
        page.notice = Some("You have signed out.");
    }
    login_page(&state, StatusCode::OK, page)
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    email: String,
    #[serde(default)]
    password: Option<SecretString>,
    /// The sealed password of a second step (see [`seal_pending`]).
    #[serde(default)]
    pending: Option<String>,
    next: Option<String>,
    totp_code: Option<String>,
    recovery_code: Option<String>,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

fn filled(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `POST /login`: signs in; on success sets the session cookie and goes to `next`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let nonce = cookie_in(&headers, LOGIN_CSRF_COOKIE)
        .and_then(|c| SessionId::parse(c).ok())
        .filter(|nonce| probity_crypto::verify_csrf(state.csrf_key(), nonce, &f.csrf));
    let Some(nonce) = nonce else {
        return csrf_refused();
    };
    let email = f.email.trim();
    let password = match (f.pending.as_deref().filter(|p| !p.is_empty()), &f.password) {
        (Some(pending), _) => open_pending(&state, nonce.expose_secret(), email, pending),
        (None, Some(password)) => Some(password.clone()),
        (None, None) => None,
    };
    let Some(password) = password else {
        let mut page = LoginPage::new(String::new(), safe_next(f.next.as_deref()));
        page.email = email.to_owned();
        page.error = Some(
            "The sign-in took too long or was interrupted; enter your password again.".to_owned(),
        );
        return login_page(&state, StatusCode::UNAUTHORIZED, page);
    };
    let next = safe_next(f.next.as_deref());
    let totp_code = filled(f.totp_code.as_deref());
    let recovery_code = filled(f.recovery_code.as_deref());
    let attempt = LoginAttempt {
        email,
        password: &password,
        totp_code,
        recovery_code,
        tenant: None,
    };
    let ok = match state.platform().login(&attempt).await {
        Ok(ok) => ok,
        Err(DomainError::Unauthorized(message)) => {
            let mut page = LoginPage::new(String::new(), next);
            page.email = f.email.trim().to_owned();
            // The service asks for a second factor only after the password was right.
            let second_step = message.starts_with("a second factor is required");
            let retried_code = totp_code.is_some() || recovery_code.is_some();
            if second_step || retried_code {
                page.second_factor = true;
                page.secret = Some(password.clone());
            }
            page.error = Some(if second_step {
                "Enter the code from your authenticator app, or one of your recovery codes."
                    .to_owned()
            } else if retried_code {
                "That code is not valid. Check the time on your device and try again, or use a recovery code."
                    .to_owned()
            } else {
                "The email or password is wrong.".to_owned()
            });
            let status = if second_step {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            return login_page(&state, status, page);
        }
        Err(e @ DomainError::RateLimited { .. }) => {
            let mut page = LoginPage::new(String::new(), next);
            page.email = f.email.trim().to_owned();
            page.error = Some(e.to_string());
            return login_page(&state, StatusCode::TOO_MANY_REQUESTS, page);
        }
        Err(e) => return error_page(&e),
    };
    let max_age = (ok.expires_at - state.platform().clock().now())
        .num_seconds()
        .max(0);
    let http = state.http();
    let cookies = [
        set_cookie(http, SESSION_COOKIE, ok.session_id.expose_secret(), max_age),
        set_cookie(http, TENANT_COOKIE, "", 0),
        set_cookie(http, LOGIN_CSRF_COOKIE, "", 0),
    ];
    with_cookies(see_other(&next), cookies.into_iter().flatten().collect())
}

/// A form that carries only the CSRF token (and where to go next).
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session (an audit event) and clears the cookies.
pub async fn logout(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    if let Err(e) = state.platform().logout(&who.principal, &who.session).await {
        return error_page(&e);
    }
    let http = state.http();
    let cookies = [
        set_cookie(http, SESSION_COOKIE, "", 0),
        set_cookie(http, TENANT_COOKIE, "", 0),
    ];
    with_cookies(
        see_other("/login?signed_out=1"),
        cookies.into_iter().flatten().collect(),
    )
}

/// The tenant switcher's fields.
#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    csrf: String,
    tenant: String,
    next: Option<String>,
}

/// `POST /tenants/switch`: the pages act in `tenant` from now on, if the user belongs to it.
pub async fn switch_tenant(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: SignedIn,
    Form(f): Form<SwitchForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let refused = || {
        error_page(&DomainError::Forbidden(
            "you are not a member of that tenant".into(),
        ))
    };
    let Ok(slug) = TenantSlug::parse(f.tenant.trim()) else {
        return refused();
    };
    let Some(cookie) = cookie_in(&headers, SESSION_COOKIE) else {
        return refused();
    };
    // Membership is checked the way every later request checks it.
    if let Err(e) = state
        .platform()
        .authenticate_session(cookie, Some(slug.as_str()))
        .await
    {
        return match e {
            DomainError::Forbidden(_) => refused(),
            other => error_page(&other),
        };
    }
    let max_age = (who.session.expires_at - state.platform().clock().now())
        .num_seconds()
        .max(0);
    let cookie = set_cookie(state.http(), TENANT_COOKIE, slug.as_str(), max_age);
    with_cookies(
        see_other(&safe_next(f.next.as_deref())),
        cookie.into_iter().collect(),
    )
}
