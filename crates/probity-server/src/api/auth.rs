//! Sign-in and the caller's own account: sessions (cookie + CSRF token), TOTP enrolment,
//! password change.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use probity_core::DomainError;
use probity_core::platform::auth::LoginAttempt;
use probity_core::platform::{Role, Tenant, UserView};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, Auth, SESSION_COOKIE};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Sign-in request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// Current TOTP code, when the account has TOTP.
    pub totp_code: Option<String>,
    /// A recovery code instead of the TOTP code.
    pub recovery_code: Option<String>,
    /// Tenant slug to work in (default: the first tenant).
    pub tenant: Option<String>,
}

/// A signed-in session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// The user.
    pub user: UserView,
    /// The tenant the session works in.
    pub tenant: Option<Tenant>,
    /// Send as `X-CSRF-Token` on every write made with the session cookie.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// Signs in with email and password (and TOTP code when enrolled); sets the session cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), Errors)
)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let attempt = LoginAttempt {
        email: &req.email,
        password: &req.password,
        totp_code: req.totp_code.as_deref(),
        recovery_code: req.recovery_code.as_deref(),
        tenant: req.tenant.as_deref(),
    };
    let ok = state.platform().login(&attempt).await?;
    let csrf = probity_crypto::csrf_token(state.csrf_key(), &ok.session_id);
    let max_age = (ok.expires_at - state.platform().clock().now())
        .num_seconds()
        .max(0);
    let cookie = crate::extract::set_cookie(
        state.http(),
        SESSION_COOKIE,
        ok.session_id.expose_secret(),
        max_age,
    )?;
    let body = LoginResponse {
        user: UserView::from(&ok.user),
        tenant: ok.tenant,
        csrf_token: csrf,
        expires_at: ok.expires_at,
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Ends the current session and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses((status = 204, description = "signed out"), Errors),
    security(("session" = []))
)]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    let session = auth.session.ok_or_else(|| {
        DomainError::invalid(
            "authorization",
            "API tokens have no session to end; revoke the token instead",
        )
    })?;
    state.platform().logout(&auth.principal, &session).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("probity_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

/// Who is calling.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The tenant the call acts in.
    pub tenant: Tenant,
    /// The caller's role there.
    pub role: Role,
    /// `user` or `api_token`.
    pub actor_kind: probity_core::audit::ActorKind,
    /// Actor id.
    pub actor_id: String,
    /// Actor label.
    pub actor_display: String,
    /// True when the tenant requires MFA and the user must enrol before anything else.
    pub mfa_enrolment_required: bool,
}

/// The authenticated caller, their tenant and role.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    responses((status = 200, body = Me), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn me(auth: Auth) -> Json<Me> {
    let p = auth.principal;
    Json(Me {
        mfa_enrolment_required: p.mfa_enrolment_required,
        tenant: p.tenant,
        role: p.role,
        actor_kind: p.actor.kind,
        actor_id: p.actor.id,
        actor_display: p.actor.display,
    })
}

/// The secret to load into an authenticator app (shown once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// `otpauth://` URL.
    pub otpauth_url: String,
    /// The secret in base32 for manual entry.
    pub secret_base32: String,
    /// QR code of the URL as a `data:image/png;base64,` URL.
    pub qr_png: String,
}

/// Starts TOTP enrolment for the signed-in user.
#[utoipa::path(
    post,
    path = "/api/v1/auth/totp/enrol",
    tag = "auth",
    responses((status = 200, body = TotpEnrolment), Errors),
    security(("session" = []))
)]
pub async fn totp_enrol(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<TotpEnrolment>> {
    let start = state.platform().totp_enrol(&auth.principal).await?;
    Ok(Json(TotpEnrolment {
        otpauth_url: start.otpauth_url.expose_secret().to_owned(),
        secret_base32: start.secret_base32.expose_secret().to_owned(),
        qr_png: format!(
            "data:image/png;base64,{}",
            start.qr_png_base64.expose_secret()
        ),
    }))
}

/// A TOTP code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The 6-digit code shown by the authenticator app.
    pub code: String,
}

/// Recovery codes, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Each works once in place of a TOTP code.
    pub recovery_codes: Vec<String>,
}

/// Confirms TOTP enrolment with a first code; returns recovery codes.
#[utoipa::path(
    post,
    path = "/api/v1/auth/totp/confirm",
    tag = "auth",
    request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes), Errors),
    security(("session" = []))
)]
pub async fn totp_confirm(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<TotpCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    let codes = state
        .platform()
        .totp_confirm(&auth.principal, &req.code)
        .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// The current password, to confirm a sensitive change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmation {
    /// Current password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// Turns TOTP off for the signed-in user.
#[utoipa::path(
    post,
    path = "/api/v1/auth/totp/disable",
    tag = "auth",
    request_body = PasswordConfirmation,
    responses((status = 204, description = "TOTP disabled"), Errors),
    security(("session" = []))
)]
pub async fn totp_disable(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PasswordConfirmation>,
) -> ApiResult<StatusCode> {
    state
        .platform()
        .totp_disable(&auth.principal, &req.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A password change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// Current password.
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    /// New password (at least 12 characters, not a common password).
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

/// Changes the signed-in user's password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "password changed"), Errors),
    security(("session" = []))
)]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    state
        .platform()
        .change_password(&auth.principal, &req.current_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
