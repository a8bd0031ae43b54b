//! Platform types: parse-don't-validate newtypes for every input, and the records the store keeps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

pub(crate) use uuid_id;

uuid_id!(
    /// Identifies a tenant.
    TenantId
);
uuid_id!(
    /// Identifies a user account (users may belong to several tenants).
    UserId
);
uuid_id!(
    /// Identifies an API token record (not its secret).
    TokenId
);

/// A tenant's URL-safe short name: 2–63 characters of `a-z`, `0-9` and `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "acme")]
pub struct TenantSlug(String);

impl TenantSlug {
    /// Validates a slug.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let ok_len = (2..=63).contains(&input.len());
        let ok_start = input.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = input
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let ok_end = !input.ends_with('-');
        if ok_len && ok_start && ok_chars && ok_end {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::invalid(
                "slug",
                format!(
                    "{input:?} is not a valid slug: use 2-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-' (e.g. \"acme\")"
                ),
            ))
        }
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TenantSlug::parse(&value).map_err(|e| e.to_string())
    }
}

impl From<TenantSlug> for String {
    fn from(value: TenantSlug) -> Self {
        value.0
    }
}

impl std::fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, trimmed and lowercased; checked for shape, not deliverability.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Email, example = "ada@acme.test")]
pub struct Email(String);

impl Email {
    /// Validates an email address.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let value = input.trim().to_lowercase();
        let bad = || {
            DomainError::invalid(
                "email",
                format!("{input:?} is not an email address: expected name@domain.tld"),
            )
        };
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !domain.contains("..");
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(value))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, used by the password policy.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value).map_err(|e| e.to_string())
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a human-facing name (tenant name, display name, token name).
pub fn parse_name(field: &str, input: &str, max: usize) -> Result<String, DomainError> {
    let value = input.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A role within one tenant. Ordered from most to least privileged.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including tenant settings and keys.
    Owner,
    /// Manages members, tokens and settings; cannot grant `owner`.
    Admin,
    /// Runs the compliance programme: writes everywhere, approves.
    ComplianceManager,
    /// Read-only, plus verify and export.
    Auditor,
    /// Reads and writes records; no administration.
    Contributor,
    /// Reads.
    Viewer,
}

impl Role {
    /// Every role, most privileged first.
    pub const ALL: [Role; 6] = [
        Role::Owner,
        Role::Admin,
        Role::ComplianceManager,
        Role::Auditor,
        Role::Contributor,
        Role::Viewer,
    ];

    /// The role's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::ComplianceManager => "compliance_manager",
            Role::Auditor => "auditor",
            Role::Contributor => "contributor",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a role name, naming the choices on failure.
    pub fn parse(field: &str, input: &str) -> Result<Role, DomainError> {
        Role::ALL.into_iter().find(|r| r.as_str() == input).ok_or_else(|| {
            DomainError::invalid(
                field,
                format!(
                    "{input:?} is not a role: expected one of owner, admin, compliance_manager, auditor, contributor, viewer"
                ),
            )
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse("role", s)
    }
}

/// A tenant.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// URL-safe short name.
    pub slug: TenantSlug,
    /// Display name.
    pub name: String,
    /// Whether every member must use multi-factor authentication to sign in.
    pub require_mfa: bool,
    /// When the tenant was created.
    pub created_at: DateTime<Utc>,
}

/// A user account. Secrets (password hash, TOTP secret, recovery codes) never leave the server.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Sign-in address.
    pub email: Email,
    /// Name shown in the UI and in audit events.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// May administer the whole installation (create tenants).
    pub is_platform_admin: bool,
    /// Consecutive failed sign-ins since the last success.
    pub failed_logins: i32,
    /// Sign-in refused until this instant after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
    /// The TOTP secret, encrypted by the platform keyring; set at enrolment.
    pub totp_secret: Option<Vec<u8>>,
    /// Whether enrolment was confirmed with a valid code.
    pub totp_enabled: bool,
    /// The last TOTP time step accepted, so a code cannot be replayed.
    pub totp_last_step: Option<i64>,
    /// SHA-256 hashes of unused recovery codes.
    pub recovery_codes: Vec<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// What a client may see of a user.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: UserId,
    /// Sign-in address.
    pub email: Email,
    /// Display name.
    pub display_name: String,
    /// Whether TOTP is enabled.
    pub mfa_enabled: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            mfa_enabled: u.totp_enabled,
            created_at: u.created_at,
        }
    }
}

/// A user's role in a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Membership {
    /// Tenant.
    pub tenant_id: TenantId,
    /// User.
    pub user_id: UserId,
    /// Role in the tenant.
    pub role: Role,
    /// Groups the member belongs to (lowercase slugs such as `engineering`), for
    /// acknowledgment rates per group.
    pub groups: Vec<String>,
    /// When the membership was created.
    pub created_at: DateTime<Utc>,
}

/// A membership with the user's public details, as listed to administrators.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// The user.
    pub user: UserView,
    /// Role in the tenant.
    pub role: Role,
    /// Groups the member belongs to.
    pub groups: Vec<String>,
    /// When the membership was created.
    pub joined_at: DateTime<Utc>,
}

/// An API token record. The secret is shown once at creation and only its hash is kept.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    /// Id of the record.
    pub id: TokenId,
    /// Tenant the token acts in.
    pub tenant_id: TenantId,
    /// Public lookup part of the token (`prb_<lookup>_...`), safe to show.
    pub lookup: String,
    /// SHA-256 of the secret part.
    #[serde(skip)]
    pub secret_hash: String,
    /// Human label.
    pub name: String,
    /// Role the token acts with.
    pub role: Role,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last successful use.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A signed-in browser session; the store keeps only the hash of the cookie value.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// SHA-256 (hex) of the session id in the cookie.
    pub id_hash: String,
    /// The user.
    pub user_id: UserId,
    /// The tenant the session currently works in.
    pub tenant_id: Option<TenantId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["acme", "a1", "acme-eu-2"] {
            assert!(TenantSlug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "Acme",
            "1acme",
            "acme-",
            "ac me",
            "acme_eu",
            &"a".repeat(64),
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ada@ACME.test ").unwrap().as_str(),
            "ada@acme.test"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@acme.test",
            "ada@acme",
            "a da@acme.test",
            "a@b@c.d",
            "a@.x",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_round_trip_and_reject_unknown() {
        for role in Role::ALL {
            assert_eq!(Role::parse("role", role.as_str()).unwrap(), role);
        }
        let err = Role::parse("role", "superuser").unwrap_err().to_string();
        assert!(
            err.contains("role") && err.contains("compliance_manager"),
            "{err}"
        );
    }
}
