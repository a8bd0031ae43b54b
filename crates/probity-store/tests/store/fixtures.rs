//! Builders for the records the suite stores, and helpers to read whole paginated lists.
//!
//! Times are whole microseconds past a fixed instant: PostgreSQL keeps microseconds, so a
//! round trip must give back exactly what was written on both backends.

use std::future::Future;

use chrono::{DateTime, Duration, TimeZone, Utc};
use probity_core::audit::{Actor, AuditRecord};
use probity_core::jobs::{Job, Schedule};
use probity_core::keys::DataKeyRecord;
use probity_core::page::{Page, PageRequest};
use probity_core::platform::{
    ApiToken, Email, Membership, Role, Session, Tenant, TenantId, TenantSlug, TokenId, User, UserId,
};
use probity_core::store::StoreResult;
use serde_json::json;

/// The suite's fixed "now": 2026-05-01T09:00:00.123456Z.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap() + Duration::microseconds(123_456)
}

/// `t0` plus whole seconds (negative for earlier).
pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(seconds)
}

/// A tenant created at `t0`.
pub fn tenant(slug: &str) -> Tenant {
    Tenant {
        id: TenantId::new(),
        slug: TenantSlug::parse(slug).unwrap(),
        name: format!("Tenant {slug}"),
        require_mfa: false,
        created_at: t0(),
    }
}

/// A user with no lockout, no TOTP and no recovery codes.
pub fn user(email: &str) -> User {
    User {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        display_name: format!("User {email}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        is_platform_admin: false,
        failed_logins: 0,
        locked_until: None,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        recovery_codes: Vec::new(),
        created_at: t0(),
    }
}

/// A membership created at `t0`.
pub fn membership(tenant: TenantId, user: UserId, role: Role) -> Membership {
    Membership {
        tenant_id: tenant,
        user_id: user,
        role,
        groups: Vec::new(),
        created_at: t0(),
    }
}

/// An unused, unrevoked token of `tenant`.
pub fn api_token(tenant: TenantId, lookup: &str) -> ApiToken {
    ApiToken {
        id: TokenId::new(),
        tenant_id: tenant,
        lookup: lookup.to_owned(),
        secret_hash: format!("sha256-of-{lookup}"),
        name: format!("token {lookup}"),
        role: Role::Contributor,
        created_by: None,
        created_at: t0(),
        expires_at: Some(at(86_400)),
        revoked_at: None,
        last_used_at: None,
    }
}

/// A session of `user` ending at `expires_at`.
pub fn session(
    id_hash: &str,
    user: UserId,
    tenant: Option<TenantId>,
    expires_at: DateTime<Utc>,
) -> Session {
    Session {
        id_hash: id_hash.to_owned(),
        user_id: user,
        tenant_id: tenant,
        created_at: t0(),
        expires_at,
    }
}

/// A successful action of the system actor in `tenant`, recorded at `t0`.
pub fn event(tenant: Option<TenantId>, event_type: &str) -> AuditRecord {
    AuditRecord::new(
        tenant,
        event_type,
        &Actor::system("test"),
        ("test", event_type.to_owned()),
        t0(),
    )
}

/// A queued job of `kind` due at `run_at`.
pub fn job(kind: &str, run_at: DateTime<Utc>) -> Job {
    let mut job = Job::new(kind, None, json!({ "kind": kind }), t0());
    job.run_at = run_at;
    job
}

/// A schedule next due at `next_run_at`.
pub fn schedule(name: &str, cron: &str, next_run_at: DateTime<Utc>) -> Schedule {
    Schedule {
        name: name.to_owned(),
        cron: cron.to_owned(),
        kind: format!("{name}.run"),
        payload: json!({ "schedule": name }),
        next_run_at,
    }
}

/// A data key of `scope` wrapped by `kek-1`.
pub fn data_key(
    scope: &str,
    key_id: &str,
    active: bool,
    created_at: DateTime<Utc>,
) -> DataKeyRecord {
    DataKeyRecord {
        scope: scope.to_owned(),
        key_id: key_id.to_owned(),
        kek_id: "kek-1".to_owned(),
        wrapped: json!({ "alg": "xchacha20poly1305", "nonce": "bm9uY2U", "ct": key_id }),
        active,
        created_at,
    }
}

/// Every page of a list, fetched `limit` at a time by following `next_cursor`.
pub async fn pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    let mut request = PageRequest { limit, after: None };
    let mut pages = Vec::new();
    loop {
        let page = fetch(request).await.unwrap();
        assert!(
            page.items.len() <= limit as usize,
            "a page holds at most `limit` items"
        );
        pages.push(page.items);
        match page.next_cursor {
            // Decoded as a client's cursor would be, so the test also covers the encoding.
            Some(cursor) => {
                request = PageRequest::parse(Some(i64::from(limit)), Some(&cursor)).unwrap()
            }
            None => return pages,
        }
        assert!(pages.len() <= 1_000, "pagination does not terminate");
    }
}

/// The sizes of `pages`, to assert how a list was split.
pub fn sizes<T>(pages: &[Vec<T>]) -> Vec<usize> {
    pages.iter().map(Vec::len).collect()
}
