//! Password hashing with Argon2id (PHC strings) and the password policy users must meet.
//!
//! Hashes carry their own parameters, so hashes made with older or test parameters keep
//! verifying; [`needs_rehash`] says when to re-hash at the next successful login.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

/// The longest password accepted. Argon2 handles any length; the cap bounds request work.
pub const MAX_PASSWORD_LENGTH: usize = 1024;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP minimum for Argon2id: m = 19456 KiB, t = 2, p = 1. Use this in production.
    #[default]
    Owasp,
    /// Fast and weak (m = 64 KiB, t = 1, p = 1): for tests only, never for real accounts.
    Test,
}

impl HashCost {
    fn params(self) -> Result<Params, PasswordError> {
        let (m, t, p) = match self {
            Self::Owasp => (19_456, 2, 1),
            Self::Test => (64, 1, 1),
        };
        Params::new(m, t, p, None).map_err(|e| PasswordError::Hash(e.to_string()))
    }

    fn hasher(self) -> Result<Argon2<'static>, PasswordError> {
        Ok(Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            self.params()?,
        ))
    }
}

/// Hashing failed (only with invalid parameters or on allocation failure).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The Argon2 implementation reported an error.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password with Argon2id and a random salt, returning a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub fn hash_password(password: &str, cost: HashCost) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    cost.hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `candidate` matches the PHC `hash`. The final comparison is constant-time; a
/// malformed hash verifies nothing and returns `false`.
pub fn verify_password(hash: &str, candidate: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok()
}

/// Spends the same time as a [`verify_password`] at [`HashCost::Owasp`] and matches nothing.
/// Call it when the account does not exist, so response times do not reveal which emails
/// have accounts.
pub fn dummy_verify_password(candidate: &str) {
    const SALT: &[u8] = b"probity-no-such-user";
    let mut out = [0u8; 32];
    if let Ok(hasher) = HashCost::Owasp.hasher() {
        let _ = hasher.hash_password_into(candidate.as_bytes(), SALT, &mut out);
    }
}

/// Whether a stored hash should be replaced by a fresh [`hash_password`] at `cost` (after a
/// successful verification, while the plaintext is at hand): it is not Argon2id, or its
/// parameters differ. A malformed hash needs rehashing too.
pub fn needs_rehash(hash: &str, cost: HashCost) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let (Ok(current), Ok(wanted)) = (Params::try_from(&parsed), cost.params()) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || current.m_cost() != wanted.m_cost()
        || current.t_cost() != wanted.t_cost()
        || current.p_cost() != wanted.p_cost()
}

/// Why a password was refused. Each message says what to fix and can be shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordRejection {
    /// Fewer characters than the policy minimum.
    #[error("password is too short: use at least {min_length} characters")]
    TooShort {
        /// The policy minimum.
        min_length: usize,
    },
    /// More characters than the policy maximum.
    #[error("password is too long: use at most {max_length} characters")]
    TooLong {
        /// The policy maximum.
        max_length: usize,
    },
    /// On the list of frequently used passwords.
    #[error("password is too common: choose one that is not on lists of frequently used passwords")]
    Common,
    /// Contains the name part of the user's email address.
    #[error("password contains the name part of your email address: choose one without it")]
    ContainsEmail,
}

impl PasswordRejection {
    /// A stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "password_too_short",
            Self::TooLong { .. } => "password_too_long",
            Self::Common => "password_too_common",
            Self::ContainsEmail => "password_contains_email",
        }
    }
}

/// Rules a new password must meet (NIST SP 800-63B style: length and a block list, no
/// composition rules). Lengths count Unicode characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum number of characters.
    pub min_length: usize,
    /// Maximum number of characters.
    pub max_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 12,
            max_length: MAX_PASSWORD_LENGTH,
        }
    }
}

/// Email local parts shorter than this are not checked: a one- or two-letter name would
/// reject passwords for containing a common letter pair.
const MIN_EMAIL_NAME_CHECKED: usize = 3;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

impl PasswordPolicy {
    /// Checks a proposed password for the account with this email address.
    pub fn check(&self, password: &str, email: &str) -> Result<(), PasswordRejection> {
        let length = password.chars().count();
        if length > self.max_length {
            return Err(PasswordRejection::TooLong {
                max_length: self.max_length,
            });
        }
        if length < self.min_length {
            return Err(PasswordRejection::TooShort {
                min_length: self.min_length,
            });
        }
        let lowered = password.to_lowercase();
        if is_common_password(&lowered) {
            return Err(PasswordRejection::Common);
        }
        if email_names(email).any(|name| lowered.contains(&name)) {
            return Err(PasswordRejection::ContainsEmail);
        }
        Ok(())
    }
}

/// Whether the password is on the built-in list (case-insensitive).
pub fn is_common_password(password: &str) -> bool {
    COMMON_PASSWORDS.contains(password.to_lowercase().as_str())
}

/// The lowercased local part of the email and, for `name+tag@…`, the part before the `+`.
fn email_names(email: &str) -> impl Iterator<Item = String> {
    let local = email
        .split('@')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let base = local.split('+').next().unwrap_or_default().to_owned();
    [local, base]
        .into_iter()
        .filter(|name| name.chars().count() >= MIN_EMAIL_NAME_CHECKED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_lowercase_unique_and_sized() {
        let lines: Vec<&str> = include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(lines.len() >= 200, "{}", lines.len());
        assert_eq!(
            COMMON_PASSWORDS.len(),
            lines.len(),
            "duplicates in the list"
        );
        for line in lines {
            assert_eq!(line, line.to_lowercase());
            assert_eq!(line, line.trim());
        }
        for must in [
            "password1234",
            "123456789012",
            "qwertyuiop12",
            "iloveyou1234",
        ] {
            assert!(is_common_password(must), "{must}");
        }
    }

    #[test]
    fn owasp_params_are_pinned() {
        let params = HashCost::Owasp.params().unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19_456, 2, 1)
        );
    }

    #[test]
    fn needs_rehash_detects_cost_change() {
        let hash = hash_password("correct horse battery", HashCost::Test).unwrap();
        assert!(!needs_rehash(&hash, HashCost::Test));
        assert!(needs_rehash(&hash, HashCost::Owasp));
        assert!(needs_rehash("garbage", HashCost::Test));
    }

    #[test]
    fn email_names_skip_short_and_split_tags() {
        let names: Vec<String> = email_names("Alice+GRC@example.com").collect();
        assert_eq!(names, ["alice+grc", "alice"]);
        assert_eq!(email_names("al@example.com").count(), 0);
        assert_eq!(email_names("").count(), 0);
    }

    #[test]
    fn rejection_codes_are_stable() {
        assert_eq!(PasswordRejection::Common.code(), "password_too_common");
        assert_eq!(
            PasswordRejection::TooShort { min_length: 12 }.to_string(),
            "password is too short: use at least 12 characters"
        );
    }
}
