//! Platform use cases: tenants, members and tokens, each authorised against the caller's
//! [`Principal`] and recorded as an audit event in the same transaction as the change.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use probity_crypto::{ApiTokenSecret, HashCost, PasswordPolicy, SecretHash, hash_password};
use secrecy::{ExposeSecret, SecretString};

use super::model::*;
use super::rules::{LockoutPolicy, Permission, may_grant, role_allows};
use crate::audit::{Actor, ActorKind, AuditRecord};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::keys::KeyService;
use crate::page::{Page, PageRequest};
use crate::store::Store;

/// Who is calling, in which tenant, with which role.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The tenant the call acts in.
    pub tenant: Tenant,
    /// The caller's role there.
    pub role: Role,
    /// The actor recorded in audit events.
    pub actor: Actor,
    /// The user, for session callers.
    pub user_id: Option<UserId>,
    /// The token, for token callers.
    pub token_id: Option<TokenId>,
    /// Set when the tenant requires multi-factor authentication and the user has not enrolled:
    /// only enrolment and sign-out are allowed.
    pub mfa_enrolment_required: bool,
}

impl Principal {
    /// Probity itself acting in `tenant` with full authority (the CLI on the local store).
    pub fn system(tenant: Tenant, what: &str) -> Self {
        Principal {
            tenant,
            role: Role::Owner,
            actor: Actor::system(what),
            user_id: None,
            token_id: None,
            mfa_enrolment_required: false,
        }
    }

    /// Refuses unless the role holds `permission`.
    pub fn require(&self, permission: Permission) -> DomainResult<()> {
        if self.mfa_enrolment_required {
            return Err(DomainError::Forbidden(
                "this tenant requires multi-factor authentication: enrol with POST /api/v1/auth/totp/enrol first"
                    .into(),
            ));
        }
        if role_allows(self.role, permission) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "the {} role may not do this (needs {})",
                self.role,
                serde_json::to_value(permission)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )))
        }
    }

    fn event(&self, event_type: &str, resource: (&str, String), at: DateTime<Utc>) -> AuditRecord {
        AuditRecord::new(Some(self.tenant.id), event_type, &self.actor, resource, at)
    }
}

/// Tunables of the platform context.
#[derive(Debug, Clone)]
pub struct PlatformSettings {
    /// Password rules.
    pub password_policy: PasswordPolicy,
    /// Argon2id cost (tests use the cheap one).
    pub hash_cost: HashCost,
    /// Sign-in lockout.
    pub lockout: LockoutPolicy,
    /// How long a UI session lasts.
    pub session_ttl: chrono::Duration,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        Self {
            password_policy: PasswordPolicy::default(),
            hash_cost: HashCost::default(),
            lockout: LockoutPolicy::default(),
            session_ttl: chrono::Duration::hours(12),
        }
    }
}

/// A freshly issued API token: the secret is in `token` and is never shown again.
#[derive(Debug)]
pub struct IssuedToken {
    /// The stored record.
    pub record: ApiToken,
    /// `prb_...`, shown once.
    pub token: SecretString,
}

/// Platform use cases.
pub struct PlatformService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: Arc<KeyService>,
    pub(crate) settings: PlatformSettings,
}

impl std::fmt::Debug for PlatformService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformService").finish_non_exhaustive()
    }
}

impl PlatformService {
    /// Builds the service.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyService>,
        settings: PlatformSettings,
    ) -> Self {
        Self {
            store,
            clock,
            keys,
            settings,
        }
    }

    /// The store behind the service.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The key service.
    pub fn keys(&self) -> &Arc<KeyService> {
        &self.keys
    }

    /// Creates a tenant (installation administration: CLI, demo, platform admins).
    pub async fn create_tenant(
        &self,
        actor: &Actor,
        slug: &str,
        name: &str,
    ) -> DomainResult<Tenant> {
        let slug = TenantSlug::parse(slug)?;
        let name = parse_name("name", name, 200)?;
        let now = self.clock.now();
        let tenant = Tenant {
            id: TenantId::new(),
            slug,
            name,
            require_mfa: false,
            created_at: now,
        };
        let event = AuditRecord::new(
            Some(tenant.id),
            "tenant.created",
            actor,
            ("tenant", tenant.id.to_string()),
            now,
        )
        .with_details(serde_json::json!({ "slug": tenant.slug, "name": tenant.name }));
        self.store.insert_tenant(&tenant, &event).await?;
        Ok(tenant)
    }

    /// Creates a tenant on behalf of a signed-in platform administrator, who becomes its owner.
    pub async fn create_tenant_as(
        &self,
        who: &Principal,
        slug: &str,
        name: &str,
    ) -> DomainResult<Tenant> {
        let refused = || {
            DomainError::Forbidden(
                "creating tenants needs a signed-in platform administrator (or `probity tenant create`)".into(),
            )
        };
        let user_id = who
            .user_id
            .filter(|_| who.token_id.is_none())
            .ok_or_else(refused)?;
        let user = self.store.user_by_id(user_id).await?.ok_or_else(refused)?;
        if !user.is_platform_admin {
            return Err(refused());
        }
        let tenant = self.create_tenant(&who.actor, slug, name).await?;
        self.grant(&who.actor, tenant.id, &user, Role::Owner, self.clock.now())
            .await?;
        Ok(tenant)
    }

    /// Grants or withdraws installation administration (CLI only).
    pub async fn set_platform_admin(
        &self,
        actor: &Actor,
        email: &str,
        admin: bool,
    ) -> DomainResult<User> {
        let email = Email::parse(email)?;
        let mut user = self
            .store
            .user_by_email(email.as_str())
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("user {email}")))?;
        user.is_platform_admin = admin;
        let event = AuditRecord::new(
            None,
            "user.platform_admin.changed",
            actor,
            ("user", user.id.to_string()),
            self.clock.now(),
        )
        .with_details(serde_json::json!({ "email": email, "platform_admin": admin }));
        self.store.update_user(&user, Some(&event)).await?;
        Ok(user)
    }

    /// A tenant by slug, or `not_found`.
    pub async fn tenant(&self, slug: &str) -> DomainResult<Tenant> {
        self.store
            .tenant_by_slug(slug)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("tenant {slug:?}")))
    }

    /// Changes the tenant's name or multi-factor requirement.
    pub async fn update_tenant(
        &self,
        who: &Principal,
        name: Option<&str>,
        require_mfa: Option<bool>,
    ) -> DomainResult<Tenant> {
        who.require(Permission::ManageTenant)?;
        let mut tenant = who.tenant.clone();
        if let Some(name) = name {
            tenant.name = parse_name("name", name, 200)?;
        }
        if let Some(require) = require_mfa {
            tenant.require_mfa = require;
        }
        let event = who
            .event(
                "tenant.updated",
                ("tenant", tenant.id.to_string()),
                self.clock.now(),
            )
            .with_details(
                serde_json::json!({ "name": tenant.name, "require_mfa": tenant.require_mfa }),
            );
        self.store.update_tenant(&tenant, &event).await?;
        Ok(tenant)
    }

    /// Adds a member: creates the user when the email is new (a password is then required),
    /// or gives an existing user a role in this tenant.
    pub async fn add_member(
        &self,
        who: &Principal,
        email: &str,
        display_name: Option<&str>,
        password: Option<&SecretString>,
        role: Role,
    ) -> DomainResult<Member> {
        who.require(Permission::ManageMembers)?;
        self.require_grant(who, role)?;
        let email = Email::parse(email)?;
        let now = self.clock.now();
        let user = match self.store.user_by_email(email.as_str()).await? {
            Some(user) => user,
            None => {
                let password = password.ok_or_else(|| {
                    DomainError::invalid(
                        "password",
                        "is required when the email has no account yet",
                    )
                })?;
                self.new_user(
                    &who.actor,
                    Some(who.tenant.id),
                    &email,
                    display_name,
                    password,
                    now,
                )
                .await?
            }
        };
        if self
            .store
            .membership(who.tenant.id, user.id)
            .await?
            .is_some()
        {
            return Err(DomainError::Conflict(format!(
                "{email} is already a member"
            )));
        }
        self.grant(&who.actor, who.tenant.id, &user, role, now)
            .await?;
        Ok(Member {
            user: UserView::from(&user),
            role,
            groups: Vec::new(),
            joined_at: now,
        })
    }

    /// Gives `user` a role in `tenant`, recording `membership.created` in the same transaction.
    pub(crate) async fn grant(
        &self,
        actor: &Actor,
        tenant: TenantId,
        user: &User,
        role: Role,
        now: DateTime<Utc>,
    ) -> DomainResult<Membership> {
        let membership = Membership {
            tenant_id: tenant,
            user_id: user.id,
            role,
            groups: Vec::new(),
            created_at: now,
        };
        let event = AuditRecord::new(
            Some(tenant),
            "membership.created",
            actor,
            ("user", user.id.to_string()),
            now,
        )
        .with_details(serde_json::json!({ "email": user.email, "role": role }));
        self.store.upsert_membership(&membership, &event).await?;
        Ok(membership)
    }

    /// Creates a user account (no membership).
    pub(crate) async fn new_user(
        &self,
        actor: &Actor,
        tenant: Option<TenantId>,
        email: &Email,
        display_name: Option<&str>,
        password: &SecretString,
        now: DateTime<Utc>,
    ) -> DomainResult<User> {
        let display_name = match display_name {
            Some(d) => parse_name("display_name", d, 200)?,
            None => email.local_part().to_owned(),
        };
        self.settings
            .password_policy
            .check(password.expose_secret(), email.as_str())
            .map_err(|r| DomainError::invalid("password", r.to_string()))?;
        let hash = hash_password(password.expose_secret(), self.settings.hash_cost)
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let user = User {
            id: UserId::new(),
            email: email.clone(),
            display_name,
            password_hash: hash,
            is_platform_admin: false,
            failed_logins: 0,
            locked_until: None,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
            recovery_codes: Vec::new(),
            created_at: now,
        };
        let event = AuditRecord::new(
            tenant,
            "user.created",
            actor,
            ("user", user.id.to_string()),
            now,
        )
        .with_details(serde_json::json!({ "email": email }));
        self.store.insert_user(&user, &event).await?;
        Ok(user)
    }

    fn require_grant(&self, who: &Principal, role: Role) -> DomainResult<()> {
        if may_grant(who.role, role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "the {} role may not grant the {role} role",
                who.role
            )))
        }
    }

    /// Members of the tenant.
    pub async fn members(&self, who: &Principal, page: &PageRequest) -> DomainResult<Page<Member>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_members(who.tenant.id, page).await?)
    }

    /// Changes a member's role. The last owner keeps the owner role.
    pub async fn set_role(
        &self,
        who: &Principal,
        user: UserId,
        role: Role,
    ) -> DomainResult<Membership> {
        who.require(Permission::ManageMembers)?;
        let mut m = self.existing_membership(who, user).await?;
        self.require_grant(who, m.role)?;
        self.require_grant(who, role)?;
        if m.role == Role::Owner && role != Role::Owner {
            self.keep_an_owner(who).await?;
        }
        let before = m.role;
        m.role = role;
        let event = who
            .event(
                "membership.updated",
                ("user", user.to_string()),
                self.clock.now(),
            )
            .with_details(serde_json::json!({ "from": before, "to": role }));
        self.store.upsert_membership(&m, &event).await?;
        Ok(m)
    }

    /// Sets a member's groups (owner, admin; within the roles they may grant). Audited as
    /// `membership.groups.updated` with the groups before and after.
    pub async fn set_groups(
        &self,
        who: &Principal,
        user: UserId,
        groups: &[String],
    ) -> DomainResult<Membership> {
        who.require(Permission::ManageMembers)?;
        let groups = super::rules::member_groups(groups)?;
        let mut m = self.existing_membership(who, user).await?;
        self.require_grant(who, m.role)?;
        let before = std::mem::replace(&mut m.groups, groups);
        let event = who
            .event(
                "membership.groups.updated",
                ("user", user.to_string()),
                self.clock.now(),
            )
            .with_details(serde_json::json!({ "from": before, "to": m.groups }));
        self.store.upsert_membership(&m, &event).await?;
        Ok(m)
    }

    /// Removes a member. The last owner cannot be removed.
    pub async fn remove_member(&self, who: &Principal, user: UserId) -> DomainResult<()> {
        who.require(Permission::ManageMembers)?;
        let m = self.existing_membership(who, user).await?;
        self.require_grant(who, m.role)?;
        if m.role == Role::Owner {
            self.keep_an_owner(who).await?;
        }
        let event = who.event(
            "membership.deleted",
            ("user", user.to_string()),
            self.clock.now(),
        );
        self.store
            .delete_membership(who.tenant.id, user, &event)
            .await?;
        Ok(())
    }

    async fn existing_membership(&self, who: &Principal, user: UserId) -> DomainResult<Membership> {
        self.store
            .membership(who.tenant.id, user)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("member {user}")))
    }

    async fn keep_an_owner(&self, who: &Principal) -> DomainResult<()> {
        if self.store.count_owners(who.tenant.id).await? <= 1 {
            return Err(DomainError::Conflict(
                "a tenant must keep at least one owner".into(),
            ));
        }
        Ok(())
    }

    /// Issues an API token acting with `role` (no more than the caller's own).
    pub async fn create_token(
        &self,
        who: &Principal,
        name: &str,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
    ) -> DomainResult<IssuedToken> {
        who.require(Permission::ManageTokens)?;
        self.require_grant(who, role)?;
        let name = parse_name("name", name, 200)?;
        let now = self.clock.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(DomainError::invalid("expires_at", "must be in the future"));
        }
        let (token, lookup, hash) = ApiTokenSecret::generate();
        let record = ApiToken {
            id: TokenId::new(),
            tenant_id: who.tenant.id,
            lookup: lookup.as_str().to_owned(),
            secret_hash: hash.as_str().to_owned(),
            name,
            role,
            created_by: who.user_id,
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        let event = who
            .event("api_token.created", ("api_token", record.id.to_string()), now)
            .with_details(serde_json::json!({ "name": record.name, "role": role, "lookup": record.lookup, "expires_at": expires_at }));
        self.store.insert_api_token(&record, &event).await?;
        Ok(IssuedToken { record, token })
    }

    /// Tokens of the tenant (never their secrets).
    pub async fn tokens(
        &self,
        who: &Principal,
        page: &PageRequest,
    ) -> DomainResult<Page<ApiToken>> {
        who.require(Permission::ManageTokens)?;
        Ok(self.store.list_api_tokens(who.tenant.id, page).await?)
    }

    /// Revokes a token of the tenant.
    pub async fn revoke_token(&self, who: &Principal, id: TokenId) -> DomainResult<()> {
        who.require(Permission::ManageTokens)?;
        let now = self.clock.now();
        let event = who.event("api_token.revoked", ("api_token", id.to_string()), now);
        if !self
            .store
            .revoke_api_token(who.tenant.id, id, now, &event)
            .await?
        {
            return Err(DomainError::NotFound(format!("active api token {id}")));
        }
        Ok(())
    }

    /// Authenticates a presented `prb_...` token. Every failure gives the same answer.
    pub async fn authenticate_token(&self, presented: &str) -> DomainResult<Principal> {
        let denied =
            || DomainError::Unauthorized("the API token is not valid, expired or revoked".into());
        let (lookup, secret) = probity_crypto::parse_api_token(presented).map_err(|_| denied())?;
        let record = self
            .store
            .api_token_by_lookup(lookup.as_str())
            .await?
            .ok_or_else(denied)?;
        if !secret.verify(&SecretHash::from(record.secret_hash.clone())) {
            return Err(denied());
        }
        let now = self.clock.now();
        if record.revoked_at.is_some() || record.expires_at.is_some_and(|at| at <= now) {
            return Err(denied());
        }
        let tenant = self
            .store
            .tenant_by_id(record.tenant_id)
            .await?
            .ok_or_else(denied)?;
        // At most one write a minute per token: a durable write on every request would make
        // each authenticated call wait for an fsync.
        if record
            .last_used_at
            .is_none_or(|at| now - at >= chrono::Duration::minutes(1))
        {
            self.store.touch_api_token(record.id, now).await?;
        }
        Ok(Principal {
            tenant,
            role: record.role,
            actor: Actor {
                kind: ActorKind::ApiToken,
                id: record.id.to_string(),
                display: record.name.clone(),
            },
            user_id: record.created_by,
            token_id: Some(record.id),
            mfa_enrolment_required: false,
        })
    }
}
