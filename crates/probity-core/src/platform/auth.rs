//! Sign-in and second factors: users created by administrators, password sign-in with lockout,
//! sessions, TOTP enrolment and recovery codes. Every outcome is an audit event.

use chrono::{DateTime, Utc};
use probity_crypto::totp::{self, RecoveryCodes, TotpEnrollment, TotpSecret};
use probity_crypto::{SessionId, hash_password, verify_password};
use secrecy::{ExposeSecret, SecretString};

use super::model::*;
use super::service::{PlatformService, Principal};
use crate::audit::{Actor, ActorKind, AuditRecord, Outcome};
use crate::error::{DomainError, DomainResult};
use crate::keys::PLATFORM_SCOPE;

/// A sign-in attempt.
#[derive(Debug)]
pub struct LoginAttempt<'a> {
    /// Email.
    pub email: &'a str,
    /// Password.
    pub password: &'a SecretString,
    /// Current TOTP code, when the account has TOTP.
    pub totp_code: Option<&'a str>,
    /// A recovery code instead of the TOTP code.
    pub recovery_code: Option<&'a str>,
    /// Tenant to work in; defaults to the user's first tenant.
    pub tenant: Option<&'a str>,
}

/// A successful sign-in.
#[derive(Debug)]
pub struct LoginSuccess {
    /// The cookie value (never stored; only its hash is).
    pub session_id: SessionId,
    /// The user.
    pub user: User,
    /// The tenant the session works in.
    pub tenant: Option<Tenant>,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// What a user sees once when starting TOTP enrolment.
#[derive(Debug)]
pub struct TotpStart {
    /// `otpauth://` URL for authenticator apps.
    pub otpauth_url: SecretString,
    /// The secret in base32, for manual entry.
    pub secret_base32: SecretString,
    /// QR code of the URL, PNG in base64.
    pub qr_png_base64: SecretString,
}

/// The demo admin's groups.
const DEMO_ADMIN_GROUPS: &[&str] = &["security"];

/// The demo tenant's other members: one per role people usually ask about, with their groups
/// (for acknowledgment rates per group; the auditor has none and counts under `(none)`).
const DEMO_MEMBERS: &[(&str, &str, Role, &[&str])] = &[
    (
        "grace.compliance@demo.probity.test",
        "Grace Okafor (Compliance Lead)",
        Role::ComplianceManager,
        &["legal", "security"],
    ),
    (
        "sam.platform@demo.probity.test",
        "Sam Lindqvist (Platform Engineer)",
        Role::Contributor,
        &["engineering"],
    ),
    (
        "ines.auditor@demo.probity.test",
        "Ines Duarte (External Auditor)",
        Role::Auditor,
        &[],
    ),
    (
        "lee.viewer@demo.probity.test",
        "Lee Tanaka (Executive)",
        Role::Viewer,
        &["finance", "leadership"],
    ),
];

fn totp_aad(user: UserId) -> Vec<u8> {
    format!("probity/totp/{user}").into_bytes()
}

fn unix(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

impl PlatformService {
    /// Creates a user with a role in `tenant` (CLI, demo and installation administration).
    pub async fn create_user(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        email: &str,
        display_name: Option<&str>,
        password: &SecretString,
        role: Role,
    ) -> DomainResult<User> {
        let email = Email::parse(email)?;
        let now = self.clock.now();
        let user = self
            .new_user(actor, Some(tenant.id), &email, display_name, password, now)
            .await?;
        self.grant(actor, tenant.id, &user, role, now).await?;
        Ok(user)
    }

    /// Password (and second factor) sign-in with lockout. Unknown emails and wrong passwords
    /// get the same answer and take the same time.
    pub async fn login(&self, attempt: &LoginAttempt<'_>) -> DomainResult<LoginSuccess> {
        let wrong = || DomainError::Unauthorized("the email or password is wrong".into());
        let now = self.clock.now();
        let Ok(email) = Email::parse(attempt.email) else {
            probity_crypto::password::dummy_verify_password(attempt.password.expose_secret());
            return Err(wrong());
        };
        let Some(mut user) = self.store.user_by_email(email.as_str()).await? else {
            probity_crypto::password::dummy_verify_password(attempt.password.expose_secret());
            return Err(wrong());
        };
        let actor = Actor {
            kind: ActorKind::User,
            id: user.id.to_string(),
            display: user.email.to_string(),
        };
        let policy = self.settings.lockout;
        if policy.is_locked(user.locked_until, now) {
            let event = AuditRecord::new(
                None,
                "user.login.failed",
                &actor,
                ("user", user.id.to_string()),
                now,
            )
            .with_outcome(Outcome::Denied)
            .with_details(serde_json::json!({ "reason": "locked" }));
            self.store.record_event(&event).await?;
            let retry = user
                .locked_until
                .map_or(0, |u| (u - now).num_seconds().max(1));
            return Err(DomainError::RateLimited {
                message: "too many failed sign-ins: the account is locked for a while".into(),
                retry_after_secs: u64::try_from(retry).unwrap_or(1),
            });
        }
        let password_ok = verify_password(&user.password_hash, attempt.password.expose_secret());
        let second_ok = password_ok && self.second_factor_ok(&mut user, attempt, now).await?;
        if !password_ok || !second_ok {
            let failed = policy.record_failure(user.failed_logins, now);
            user.failed_logins = failed.failed_logins;
            user.locked_until = failed.locked_until.or(user.locked_until);
            let reason = if password_ok {
                "second factor"
            } else {
                "password"
            };
            let event = AuditRecord::new(
                None,
                "user.login.failed",
                &actor,
                ("user", user.id.to_string()),
                now,
            )
            .with_outcome(Outcome::Failure)
            .with_details(
                serde_json::json!({ "reason": reason, "locked": failed.locked_until.is_some() }),
            );
            self.store.update_user(&user, Some(&event)).await?;
            if password_ok && attempt.totp_code.is_none() && attempt.recovery_code.is_none() {
                return Err(DomainError::Unauthorized(
                    "a second factor is required: send totp_code (or a recovery_code)".into(),
                ));
            }
            return Err(wrong());
        }
        user.failed_logins = 0;
        user.locked_until = None;
        let tenant = self.login_tenant(&user, attempt.tenant).await?;
        let session_id = SessionId::generate();
        let session = Session {
            id_hash: session_id.hash().as_str().to_owned(),
            user_id: user.id,
            tenant_id: tenant.as_ref().map(|t| t.id),
            created_at: now,
            expires_at: now + self.settings.session_ttl,
        };
        self.store.update_user(&user, None).await?;
        let event = AuditRecord::new(
            tenant.as_ref().map(|t| t.id),
            "user.login.succeeded",
            &actor,
            ("user", user.id.to_string()),
            now,
        )
        .with_details(serde_json::json!({ "mfa": user.totp_enabled }));
        self.store.insert_session(&session, &event).await?;
        Ok(LoginSuccess {
            session_id,
            user,
            tenant,
            expires_at: session.expires_at,
        })
    }

    async fn second_factor_ok(
        &self,
        user: &mut User,
        attempt: &LoginAttempt<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<bool> {
        if !user.totp_enabled {
            return Ok(true);
        }
        if let Some(code) = attempt.totp_code {
            let secret = self.totp_secret(user).await?;
            let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
            return Ok(match totp::verify_step(&secret, code, unix(now), last) {
                Some(step) => {
                    user.totp_last_step = i64::try_from(step).ok();
                    true
                }
                None => false,
            });
        }
        if let Some(code) = attempt.recovery_code {
            return Ok(
                match totp::verify_recovery_code(&user.recovery_codes, code) {
                    Some(index) => {
                        user.recovery_codes.remove(index);
                        true
                    }
                    None => false,
                },
            );
        }
        Ok(false)
    }

    async fn login_tenant(&self, user: &User, slug: Option<&str>) -> DomainResult<Option<Tenant>> {
        let tenants = self.store.tenants_of_user(user.id).await?;
        match slug {
            Some(slug) => tenants
                .into_iter()
                .find(|(t, _)| t.slug.as_str() == slug)
                .map(|(t, _)| Some(t))
                .ok_or_else(|| {
                    DomainError::Forbidden(format!("you are not a member of tenant {slug:?}"))
                }),
            None => Ok(tenants.into_iter().next().map(|(t, _)| t)),
        }
    }

    /// Resolves a session cookie to a principal in `tenant` (the session's tenant by default).
    pub async fn authenticate_session(
        &self,
        cookie: &str,
        tenant: Option<&str>,
    ) -> DomainResult<(Principal, Session)> {
        let denied = || DomainError::Unauthorized("the session has ended: sign in again".into());
        let id = SessionId::parse(cookie).map_err(|_| denied())?;
        let session = self
            .store
            .session_by_hash(id.hash().as_str())
            .await?
            .ok_or_else(denied)?;
        if session.expires_at <= self.clock.now() {
            return Err(denied());
        }
        let user = self
            .store
            .user_by_id(session.user_id)
            .await?
            .ok_or_else(denied)?;
        let tenant = match tenant {
            Some(slug) => self.tenant(slug).await.map_err(|_| {
                DomainError::Forbidden(format!("you are not a member of tenant {slug:?}"))
            })?,
            None => {
                let id = session.tenant_id.ok_or_else(|| {
                    DomainError::Forbidden("you are not a member of any tenant yet".into())
                })?;
                self.store.tenant_by_id(id).await?.ok_or_else(denied)?
            }
        };
        let membership = self
            .store
            .membership(tenant.id, user.id)
            .await?
            .ok_or_else(|| {
                DomainError::Forbidden(format!(
                    "you are not a member of tenant {:?}",
                    tenant.slug.as_str()
                ))
            })?;
        let principal = Principal {
            mfa_enrolment_required: tenant.require_mfa && !user.totp_enabled,
            tenant,
            role: membership.role,
            actor: Actor {
                kind: ActorKind::User,
                id: user.id.to_string(),
                display: user.email.to_string(),
            },
            user_id: Some(user.id),
            token_id: None,
        };
        Ok((principal, session))
    }

    /// Ends a session.
    pub async fn logout(&self, who: &Principal, session: &Session) -> DomainResult<()> {
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "user.logout",
            &who.actor,
            ("session", "current".into()),
            self.clock.now(),
        );
        self.store
            .delete_session(&session.id_hash, Some(&event))
            .await?;
        Ok(())
    }

    async fn user_of(&self, who: &Principal) -> DomainResult<User> {
        let id = who
            .user_id
            .filter(|_| who.token_id.is_none())
            .ok_or_else(|| {
                DomainError::Forbidden(
                    "only a signed-in user can manage their own second factor".into(),
                )
            })?;
        self.store
            .user_by_id(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("user".into()))
    }

    async fn totp_secret(&self, user: &User) -> DomainResult<TotpSecret> {
        let sealed = user
            .totp_secret
            .as_deref()
            .ok_or_else(|| DomainError::Conflict("no TOTP enrolment has been started".into()))?;
        let plain = self
            .keys
            .decrypt(PLATFORM_SCOPE, sealed, &totp_aad(user.id))
            .await?;
        TotpSecret::from_bytes(&plain).map_err(|e| DomainError::Internal(e.to_string()))
    }

    /// Starts TOTP enrolment: a new secret is stored (encrypted) but not yet enabled.
    pub async fn totp_enrol(&self, who: &Principal) -> DomainResult<TotpStart> {
        let mut user = self.user_of(who).await?;
        if user.totp_enabled {
            return Err(DomainError::Conflict(
                "TOTP is already enabled; disable it first".into(),
            ));
        }
        let enrolment = TotpEnrollment::generate(user.email.as_str())
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let sealed = self
            .keys
            .encrypt(
                PLATFORM_SCOPE,
                enrolment.secret.expose_bytes(),
                &totp_aad(user.id),
            )
            .await?;
        user.totp_secret = Some(sealed);
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "user.mfa.enrolment_started",
            &who.actor,
            ("user", user.id.to_string()),
            self.clock.now(),
        );
        self.store.update_user(&user, Some(&event)).await?;
        Ok(TotpStart {
            otpauth_url: SecretString::from(enrolment.otpauth_url.to_string()),
            secret_base32: SecretString::from(enrolment.secret.to_base32().to_string()),
            qr_png_base64: SecretString::from(enrolment.qr_png_base64.to_string()),
        })
    }

    /// Confirms enrolment with a first code; returns the recovery codes, shown once.
    pub async fn totp_confirm(&self, who: &Principal, code: &str) -> DomainResult<Vec<String>> {
        let mut user = self.user_of(who).await?;
        if user.totp_enabled {
            return Err(DomainError::Conflict("TOTP is already enabled".into()));
        }
        let secret = self.totp_secret(&user).await?;
        let now = self.clock.now();
        let step = totp::verify_step(&secret, code, unix(now), None).ok_or_else(|| {
            DomainError::invalid("code", "is not the current code of your authenticator app")
        })?;
        let codes = RecoveryCodes::generate();
        user.totp_enabled = true;
        user.totp_last_step = i64::try_from(step).ok();
        user.recovery_codes = codes.hashes.clone();
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "user.mfa.enabled",
            &who.actor,
            ("user", user.id.to_string()),
            now,
        );
        self.store.update_user(&user, Some(&event)).await?;
        Ok(codes.codes.to_vec())
    }

    /// Turns TOTP off after checking the password.
    pub async fn totp_disable(&self, who: &Principal, password: &SecretString) -> DomainResult<()> {
        let mut user = self.user_of(who).await?;
        if !verify_password(&user.password_hash, password.expose_secret()) {
            return Err(DomainError::invalid("password", "is wrong"));
        }
        user.totp_enabled = false;
        user.totp_secret = None;
        user.totp_last_step = None;
        user.recovery_codes.clear();
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "user.mfa.disabled",
            &who.actor,
            ("user", user.id.to_string()),
            self.clock.now(),
        );
        self.store.update_user(&user, Some(&event)).await?;
        Ok(())
    }

    /// Changes the caller's password after checking the current one against the policy.
    pub async fn change_password(
        &self,
        who: &Principal,
        current: &SecretString,
        new: &SecretString,
    ) -> DomainResult<()> {
        let mut user = self.user_of(who).await?;
        if !verify_password(&user.password_hash, current.expose_secret()) {
            return Err(DomainError::invalid("current_password", "is wrong"));
        }
        self.settings
            .password_policy
            .check(new.expose_secret(), user.email.as_str())
            .map_err(|r| DomainError::invalid("new_password", r.to_string()))?;
        user.password_hash = hash_password(new.expose_secret(), self.settings.hash_cost)
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "user.password.changed",
            &who.actor,
            ("user", user.id.to_string()),
            self.clock.now(),
        );
        self.store.update_user(&user, Some(&event)).await?;
        Ok(())
    }

    /// Puts a demo member in `groups`, audited as `membership.groups.updated`.
    async fn demo_groups(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        user: &User,
        groups: &[&str],
    ) -> DomainResult<()> {
        if groups.is_empty() {
            return Ok(());
        }
        let Some(mut m) = self.store.membership(tenant.id, user.id).await? else {
            return Ok(());
        };
        m.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        let event = AuditRecord::new(
            Some(tenant.id),
            "membership.groups.updated",
            actor,
            ("user", user.id.to_string()),
            self.clock.now(),
        )
        .with_details(serde_json::json!({ "from": [], "to": m.groups }));
        self.store.upsert_membership(&m, &event).await?;
        Ok(())
    }

    /// Creates the demo tenant and its admin when missing (idempotent). Returns the tenant,
    /// the email, and the password when the user was created by this call.
    pub async fn ensure_demo(
        &self,
        password: &SecretString,
    ) -> DomainResult<(Tenant, Email, bool)> {
        let actor = Actor::system("demo");
        let tenant = match self.store.tenant_by_slug("demo").await? {
            Some(t) => t,
            None => match self.create_tenant(&actor, "demo", "Demo Company").await {
                Ok(t) => t,
                Err(DomainError::Conflict(_)) => self.tenant("demo").await?,
                Err(e) => return Err(e),
            },
        };
        let email = Email::parse("admin@demo.probity.test")?;
        let created = match self.store.user_by_email(email.as_str()).await? {
            Some(_) => false,
            None => {
                let admin = self
                    .create_user(
                        &actor,
                        &tenant,
                        email.as_str(),
                        Some("Demo Admin"),
                        password,
                        Role::Owner,
                    )
                    .await?;
                self.demo_groups(&actor, &tenant, &admin, DEMO_ADMIN_GROUPS)
                    .await?;
                self.set_platform_admin(&actor, email.as_str(), true)
                    .await?;
                for (member, name, role, groups) in DEMO_MEMBERS {
                    if self.store.user_by_email(member).await?.is_none() {
                        let user = self
                            .create_user(&actor, &tenant, member, Some(name), password, *role)
                            .await?;
                        self.demo_groups(&actor, &tenant, &user, groups).await?;
                    }
                }
                true
            }
        };
        Ok((tenant, email, created))
    }
}
