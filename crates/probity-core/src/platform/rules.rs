//! Pure platform rules: what each role may do, sign-in lockout, and duration parsing.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::model::Role;
use crate::error::DomainError;

/// A permission checked at the edge of every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read tenant records.
    Read,
    /// Create and change tenant records.
    Write,
    /// Read the audit trail, verify the ledger, export for auditors.
    Audit,
    /// Approve decisions (policies, risk acceptance, sign-off).
    Approve,
    /// Add, change and remove members.
    ManageMembers,
    /// Create and revoke API tokens.
    ManageTokens,
    /// Change tenant settings, run jobs, rotate keys.
    ManageTenant,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 7] = [
        Permission::Read,
        Permission::Write,
        Permission::Audit,
        Permission::Approve,
        Permission::ManageMembers,
        Permission::ManageTokens,
        Permission::ManageTenant,
    ];
}

/// The role table: which role holds which permission.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    match role {
        Role::Owner => true,
        Role::Admin => true,
        Role::ComplianceManager => {
            matches!(permission, P::Read | P::Write | P::Audit | P::Approve)
        }
        Role::Auditor => matches!(permission, P::Read | P::Audit),
        Role::Contributor => matches!(permission, P::Read | P::Write),
        Role::Viewer => matches!(permission, P::Read),
    }
}

/// Whether `granter` may give `granted` to someone (a member or a token). Nobody grants more
/// than they hold, and only owners make owners.
pub fn may_grant(granter: Role, granted: Role) -> bool {
    granter <= granted && (granted != Role::Owner || granter == Role::Owner)
}

/// Sign-in lockout: after `threshold` consecutive failures the account is locked for `cooldown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failures that lock the account.
    pub threshold: i32,
    /// How long the lock lasts.
    pub cooldown: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            cooldown: Duration::minutes(15),
        }
    }
}

/// The outcome of recording a failed sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedLogin {
    /// The new failure count.
    pub failed_logins: i32,
    /// Set when this failure locked the account.
    pub locked_until: Option<DateTime<Utc>>,
}

impl LockoutPolicy {
    /// Whether the account is locked at `now`.
    pub fn is_locked(&self, locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        locked_until.is_some_and(|until| now < until)
    }

    /// Applies one more failure to the counter.
    pub fn record_failure(&self, failed_logins: i32, now: DateTime<Utc>) -> FailedLogin {
        let failed = failed_logins.saturating_add(1);
        if failed >= self.threshold {
            FailedLogin {
                failed_logins: 0,
                locked_until: Some(now + self.cooldown),
            }
        } else {
            FailedLogin {
                failed_logins: failed,
                locked_until: None,
            }
        }
    }
}

/// Parses a lifetime such as `30d`, `12h`, `90m` or `2w` (field named in the error).
pub fn parse_duration(field: &str, input: &str) -> Result<Duration, DomainError> {
    let bad = || {
        DomainError::invalid(
            field,
            format!(
                "{input:?} is not a duration: expected a number and a unit, e.g. 90m, 12h, 30d or 2w"
            ),
        )
    };
    let input = input.trim();
    let split = input.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = input.split_at(split);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    if n <= 0 || n > 100_000 {
        return Err(bad());
    }
    match unit {
        "m" => Ok(Duration::minutes(n)),
        "h" => Ok(Duration::hours(n)),
        "d" => Ok(Duration::days(n)),
        "w" => Ok(Duration::weeks(n)),
        _ => Err(bad()),
    }
}

/// Most groups one member may belong to.
pub const MAX_GROUPS: usize = 20;

/// Checks and normalises a member's groups: lowercase slugs (`a-z`, `0-9`, `-`, 1–40
/// characters, starting with a letter), at most [`MAX_GROUPS`], duplicates dropped, sorted.
/// Every problem is named by field (`groups.<index>`).
pub fn member_groups(groups: &[String]) -> Result<Vec<String>, DomainError> {
    let mut problems = Vec::new();
    if groups.len() > MAX_GROUPS {
        problems.push(crate::error::FieldError {
            field: "groups".into(),
            message: format!("at most {MAX_GROUPS} groups per member"),
        });
    }
    let mut out = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let slug = g.trim();
        let ok = (1..=40).contains(&slug.len())
            && slug.starts_with(|c: char| c.is_ascii_lowercase())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            out.push(slug.to_owned());
        } else {
            problems.push(crate::error::FieldError {
                field: format!("groups.{i}"),
                message: format!(
                    "{g:?} is not a group slug: 1 to 40 of a-z, 0-9 and -, starting with a letter"
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(DomainError::Validation(problems));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_groups_are_slugs_sorted_once_and_at_most_twenty() {
        let groups = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            member_groups(&groups(&["finance", "engineering", "finance"])).unwrap(),
            groups(&["engineering", "finance"])
        );
        let Err(DomainError::Validation(v)) = member_groups(&groups(&["ok", "Not", "-x", ""]))
        else {
            panic!("must be refused")
        };
        let fields: Vec<&str> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["groups.1", "groups.2", "groups.3"]);
        let many: Vec<String> = (0..=MAX_GROUPS).map(|i| format!("g{i}")).collect();
        assert!(member_groups(&many).is_err());
        assert!(member_groups(&many[..MAX_GROUPS]).is_ok());
    }
    use chrono::TimeZone;

    #[test]
    fn role_table() {
        assert!(role_allows(Role::Viewer, Permission::Read));
        assert!(!role_allows(Role::Viewer, Permission::Write));
        assert!(role_allows(Role::Auditor, Permission::Audit));
        assert!(!role_allows(Role::Auditor, Permission::Write));
        assert!(!role_allows(Role::Contributor, Permission::Audit));
        assert!(!role_allows(
            Role::ComplianceManager,
            Permission::ManageMembers
        ));
        assert!(role_allows(Role::Admin, Permission::ManageTokens));
        for p in Permission::ALL {
            assert!(role_allows(Role::Owner, p));
        }
    }

    #[test]
    fn nobody_grants_above_themselves() {
        assert!(may_grant(Role::Owner, Role::Owner));
        assert!(!may_grant(Role::Admin, Role::Owner));
        assert!(may_grant(Role::Admin, Role::Admin));
        assert!(may_grant(Role::Admin, Role::Viewer));
        assert!(!may_grant(Role::Viewer, Role::Auditor));
    }

    #[test]
    fn lockout_after_threshold_then_cooldown() {
        let policy = LockoutPolicy::default();
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut count = 0;
        for _ in 0..4 {
            let f = policy.record_failure(count, now);
            assert_eq!(f.locked_until, None);
            count = f.failed_logins;
        }
        let fifth = policy.record_failure(count, now);
        let until = fifth.locked_until.unwrap();
        assert!(policy.is_locked(Some(until), now + Duration::minutes(14)));
        assert!(!policy.is_locked(Some(until), now + Duration::minutes(15)));
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("expires", "30d").unwrap(),
            Duration::days(30)
        );
        assert_eq!(
            parse_duration("expires", "12h").unwrap(),
            Duration::hours(12)
        );
        for bad in ["", "30", "d", "0d", "-1d", "3y", "1.5d"] {
            let err = parse_duration("expires", bad).unwrap_err().to_string();
            assert!(err.contains("expires"), "{err}");
        }
    }
}
