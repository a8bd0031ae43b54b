//! The SQL of every store port, written once and expanded for each backend by [`impl_store!`].
//!
//! Both backends accept `$N` placeholders and the same statements; where they differ (job
//! claiming, transaction start) the invocation passes the dialect's text.

macro_rules! impl_store {
    (
        db = $db:ty,
        store = $store:ident,
        backend = $backend:literal,
        claim_job = $claim:literal $(,)?
    ) => {
        mod store_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::{Actor, ActorKind, AuditRecord, AuditStore, Outcome};
        use probity_core::jobs::{Job, JobStatus, JobStore, Schedule};
        use probity_core::keys::{DataKeyRecord, KeyStore};
        use probity_core::page::{Page, PageRequest};
        use probity_core::platform::*;
        use probity_core::store::{Store, StoreError, StoreResult};
        use sqlx::Row as _;
        use sqlx::types::Json;
        use uuid::Uuid;

        use crate::error::{db, map_err};
        use crate::internal;

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx = crate::write_tx::WriteTx<$db>;

        fn max_uuid() -> Uuid {
            Uuid::max()
        }

        fn role_of(text: &str) -> StoreResult<Role> {
            Role::parse("role", text).map_err(internal)
        }

        fn tenant_from(row: &DbRow) -> StoreResult<Tenant> {
            let slug: String = row.try_get("slug").map_err(db)?;
            Ok(Tenant {
                id: TenantId(row.try_get("id").map_err(db)?),
                slug: TenantSlug::parse(&slug).map_err(internal)?,
                name: row.try_get("name").map_err(db)?,
                require_mfa: row.try_get("require_mfa").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn user_from(row: &DbRow) -> StoreResult<User> {
            let email: String = row.try_get("email").map_err(db)?;
            let codes: Json<Vec<String>> = row.try_get("recovery_codes").map_err(db)?;
            Ok(User {
                id: UserId(row.try_get("id").map_err(db)?),
                email: Email::parse(&email).map_err(internal)?,
                display_name: row.try_get("display_name").map_err(db)?,
                password_hash: row.try_get("password_hash").map_err(db)?,
                is_platform_admin: row.try_get("is_platform_admin").map_err(db)?,
                failed_logins: row.try_get("failed_logins").map_err(db)?,
                locked_until: row.try_get("locked_until").map_err(db)?,
                totp_secret: row.try_get("totp_secret").map_err(db)?,
                totp_enabled: row.try_get("totp_enabled").map_err(db)?,
                totp_last_step: row.try_get("totp_last_step").map_err(db)?,
                recovery_codes: codes.0,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn token_from(row: &DbRow) -> StoreResult<ApiToken> {
            let role: String = row.try_get("role").map_err(db)?;
            let created_by: Option<Uuid> = row.try_get("created_by").map_err(db)?;
            Ok(ApiToken {
                id: TokenId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                lookup: row.try_get("lookup").map_err(db)?,
                secret_hash: row.try_get("secret_hash").map_err(db)?,
                name: row.try_get("name").map_err(db)?,
                role: role_of(&role)?,
                created_by: created_by.map(UserId),
                created_at: row.try_get("created_at").map_err(db)?,
                expires_at: row.try_get("expires_at").map_err(db)?,
                revoked_at: row.try_get("revoked_at").map_err(db)?,
                last_used_at: row.try_get("last_used_at").map_err(db)?,
            })
        }

        fn session_from(row: &DbRow) -> StoreResult<Session> {
            let tenant: Option<Uuid> = row.try_get("tenant_id").map_err(db)?;
            Ok(Session {
                id_hash: row.try_get("id_hash").map_err(db)?,
                user_id: UserId(row.try_get("user_id").map_err(db)?),
                tenant_id: tenant.map(TenantId),
                created_at: row.try_get("created_at").map_err(db)?,
                expires_at: row.try_get("expires_at").map_err(db)?,
            })
        }

        fn event_from(row: &DbRow) -> StoreResult<AuditRecord> {
            let tenant: Option<Uuid> = row.try_get("tenant_id").map_err(db)?;
            let kind: String = row.try_get("actor_kind").map_err(db)?;
            let outcome: String = row.try_get("outcome").map_err(db)?;
            let details: Json<serde_json::Value> = row.try_get("details").map_err(db)?;
            Ok(AuditRecord {
                id: row.try_get("id").map_err(db)?,
                tenant_id: tenant.map(TenantId),
                event_type: row.try_get("event_type").map_err(db)?,
                actor: Actor {
                    kind: ActorKind::parse(&kind).ok_or_else(|| internal("bad actor kind"))?,
                    id: row.try_get("actor_id").map_err(db)?,
                    display: row.try_get("actor_display").map_err(db)?,
                },
                resource_type: row.try_get("resource_type").map_err(db)?,
                resource_id: row.try_get("resource_id").map_err(db)?,
                outcome: Outcome::parse(&outcome).ok_or_else(|| internal("bad outcome"))?,
                details: details.0,
                recorded_at: row.try_get("recorded_at").map_err(db)?,
            })
        }

        fn job_from(row: &DbRow) -> StoreResult<Job> {
            let tenant: Option<Uuid> = row.try_get("tenant_id").map_err(db)?;
            let status: String = row.try_get("status").map_err(db)?;
            let payload: Json<serde_json::Value> = row.try_get("payload").map_err(db)?;
            Ok(Job {
                id: row.try_get("id").map_err(db)?,
                tenant_id: tenant.map(TenantId),
                kind: row.try_get("kind").map_err(db)?,
                payload: payload.0,
                status: JobStatus::parse(&status).ok_or_else(|| internal("bad job status"))?,
                attempts: row.try_get("attempts").map_err(db)?,
                max_attempts: row.try_get("max_attempts").map_err(db)?,
                run_at: row.try_get("run_at").map_err(db)?,
                locked_by: row.try_get("locked_by").map_err(db)?,
                locked_until: row.try_get("locked_until").map_err(db)?,
                last_error: row.try_get("last_error").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
                updated_at: row.try_get("updated_at").map_err(db)?,
            })
        }

        fn schedule_from(row: &DbRow) -> StoreResult<Schedule> {
            let payload: Json<serde_json::Value> = row.try_get("payload").map_err(db)?;
            Ok(Schedule {
                name: row.try_get("name").map_err(db)?,
                cron: row.try_get("cron").map_err(db)?,
                kind: row.try_get("kind").map_err(db)?,
                payload: payload.0,
                next_run_at: row.try_get("next_run_at").map_err(db)?,
            })
        }

        fn key_from(row: &DbRow) -> StoreResult<DataKeyRecord> {
            let wrapped: Json<serde_json::Value> = row.try_get("wrapped").map_err(db)?;
            Ok(DataKeyRecord {
                scope: row.try_get("scope").map_err(db)?,
                key_id: row.try_get("key_id").map_err(db)?,
                kek_id: row.try_get("kek_id").map_err(db)?,
                wrapped: wrapped.0,
                active: row.try_get("active").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn rows<T>(rows: Vec<DbRow>, f: fn(&DbRow) -> StoreResult<T>) -> StoreResult<Vec<T>> {
            rows.iter().map(f).collect()
        }

        impl $store {
            async fn begin(&self) -> StoreResult<Tx> {
                self.begin_write().await
            }
        }

        pub(super) async fn insert_event(tx: &mut Tx, e: &AuditRecord) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO audit_events (id, tenant_id, event_type, actor_kind, actor_id, \
                 actor_display, resource_type, resource_id, outcome, details, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(e.id)
            .bind(e.tenant_id.map(|t| t.0))
            .bind(&e.event_type)
            .bind(e.actor.kind.as_str())
            .bind(&e.actor.id)
            .bind(&e.actor.display)
            .bind(&e.resource_type)
            .bind(&e.resource_id)
            .bind(e.outcome.as_str())
            .bind(Json(&e.details))
            .bind(e.recorded_at)
            .execute(&mut **tx)
            .await
            .map_err(map_err("audit event"))?;
            Ok(())
        }

        async fn commit(tx: Tx) -> StoreResult<()> {
            tx.commit().await.map_err(db)
        }

        #[async_trait]
        impl PlatformStore for $store {
            async fn insert_tenant(&self, t: &Tenant, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO tenants (id, slug, name, require_mfa, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(t.id.0)
                .bind(t.slug.as_str())
                .bind(&t.name)
                .bind(t.require_mfa)
                .bind(t.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("tenant slug"))?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn update_tenant(&self, t: &Tenant, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("UPDATE tenants SET name = $1, require_mfa = $2 WHERE id = $3")
                    .bind(&t.name)
                    .bind(t.require_mfa)
                    .bind(t.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
                let row = sqlx::query(
                    "SELECT id, slug, name, require_mfa, created_at FROM tenants WHERE slug = $1",
                )
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(tenant_from).transpose()
            }

            async fn tenant_by_id(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
                let row = sqlx::query(
                    "SELECT id, slug, name, require_mfa, created_at FROM tenants WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(tenant_from).transpose()
            }

            async fn list_tenants(&self, page: &PageRequest) -> StoreResult<Page<Tenant>> {
                let found = sqlx::query(
                    "SELECT id, slug, name, require_mfa, created_at FROM tenants \
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(page.after.unwrap_or_else(Uuid::nil))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, tenant_from)?, page, |t| t.id.0))
            }

            async fn insert_user(&self, u: &User, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO users (id, email, display_name, password_hash, is_platform_admin, \
                     failed_logins, locked_until, totp_secret, totp_enabled, totp_last_step, \
                     recovery_codes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(u.id.0)
                .bind(u.email.as_str())
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.is_platform_admin)
                .bind(u.failed_logins)
                .bind(u.locked_until)
                .bind(u.totp_secret.as_deref())
                .bind(u.totp_enabled)
                .bind(u.totp_last_step)
                .bind(Json(&u.recovery_codes))
                .bind(u.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("user email"))?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn update_user(&self, u: &User, event: Option<&AuditRecord>) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "UPDATE users SET display_name = $1, password_hash = $2, is_platform_admin = $3, \
                     failed_logins = $4, locked_until = $5, totp_secret = $6, totp_enabled = $7, \
                     totp_last_step = $8, recovery_codes = $9 WHERE id = $10",
                )
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.is_platform_admin)
                .bind(u.failed_logins)
                .bind(u.locked_until)
                .bind(u.totp_secret.as_deref())
                .bind(u.totp_enabled)
                .bind(u.totp_last_step)
                .bind(Json(&u.recovery_codes))
                .bind(u.id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if let Some(event) = event {
                    insert_event(&mut tx, event).await?;
                }
                commit(tx).await
            }

            async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query("SELECT * FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(user_from).transpose()
            }

            async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
                let row = sqlx::query("SELECT * FROM users WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(user_from).transpose()
            }

            async fn upsert_membership(&self, m: &Membership, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO memberships (tenant_id, user_id, role, created_at, member_groups) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = excluded.role, \
                     member_groups = excluded.member_groups",
                )
                .bind(m.tenant_id.0)
                .bind(m.user_id.0)
                .bind(m.role.as_str())
                .bind(m.created_at)
                .bind(sqlx::types::Json(&m.groups))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn delete_membership(
                &self,
                tenant: TenantId,
                user: UserId,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let done = sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
                    .bind(tenant.0)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                commit(tx).await?;
                Ok(true)
            }

            async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>> {
                let row = sqlx::query(
                    "SELECT tenant_id, user_id, role, created_at, member_groups FROM memberships \
                     WHERE tenant_id = $1 AND user_id = $2",
                )
                .bind(tenant.0)
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                match row {
                    None => Ok(None),
                    Some(row) => {
                        let role: String = row.try_get("role").map_err(db)?;
                        Ok(Some(Membership {
                            tenant_id: tenant,
                            user_id: user,
                            role: role_of(&role)?,
                            groups: row
                                .try_get::<sqlx::types::Json<Vec<String>>, _>("member_groups")
                                .map_err(db)?
                                .0,
                            created_at: row.try_get("created_at").map_err(db)?,
                        }))
                    }
                }
            }

            async fn list_members(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<Member>> {
                let found = sqlx::query(
                    "SELECT u.*, m.role AS member_role, m.created_at AS joined_at, m.member_groups \
                     FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE m.tenant_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3",
                )
                .bind(tenant.0)
                .bind(page.after.unwrap_or_else(Uuid::nil))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                let mut members = Vec::with_capacity(found.len());
                for row in &found {
                    let user = user_from(row)?;
                    let role: String = row.try_get("member_role").map_err(db)?;
                    members.push(Member {
                        user: UserView::from(&user),
                        role: role_of(&role)?,
                        groups: row
                            .try_get::<sqlx::types::Json<Vec<String>>, _>("member_groups")
                            .map_err(db)?
                            .0,
                        joined_at: row.try_get("joined_at").map_err(db)?,
                    });
                }
                Ok(Page::from_rows(members, page, |m| m.user.id.0))
            }

            async fn tenants_of_user(&self, user: UserId) -> StoreResult<Vec<(Tenant, Role)>> {
                let found = sqlx::query(
                    "SELECT t.id, t.slug, t.name, t.require_mfa, t.created_at, m.role \
                     FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
                     WHERE m.user_id = $1 ORDER BY t.slug",
                )
                .bind(user.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found
                    .iter()
                    .map(|row| {
                        let role: String = row.try_get("role").map_err(db)?;
                        Ok((tenant_from(row)?, role_of(&role)?))
                    })
                    .collect()
            }

            async fn count_owners(&self, tenant: TenantId) -> StoreResult<i64> {
                sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = $1 AND role = 'owner'")
                    .bind(tenant.0)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?
                    .try_get("n")
                    .map_err(db)
            }

            async fn insert_api_token(&self, t: &ApiToken, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO api_tokens (id, tenant_id, lookup, secret_hash, name, role, \
                     created_by, created_at, expires_at, revoked_at, last_used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(t.id.0)
                .bind(t.tenant_id.0)
                .bind(&t.lookup)
                .bind(&t.secret_hash)
                .bind(&t.name)
                .bind(t.role.as_str())
                .bind(t.created_by.map(|u| u.0))
                .bind(t.created_at)
                .bind(t.expires_at)
                .bind(t.revoked_at)
                .bind(t.last_used_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("api token"))?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn api_token_by_lookup(&self, lookup: &str) -> StoreResult<Option<ApiToken>> {
                let row = sqlx::query("SELECT * FROM api_tokens WHERE lookup = $1")
                    .bind(lookup)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(token_from).transpose()
            }

            async fn api_token(&self, tenant: TenantId, id: TokenId) -> StoreResult<Option<ApiToken>> {
                let row = sqlx::query("SELECT * FROM api_tokens WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(token_from).transpose()
            }

            async fn list_api_tokens(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<ApiToken>> {
                let found = sqlx::query(
                    "SELECT * FROM api_tokens WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(tenant.0)
                .bind(page.after.unwrap_or_else(Uuid::nil))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, token_from)?, page, |t| t.id.0))
            }

            async fn revoke_api_token(
                &self,
                tenant: TenantId,
                id: TokenId,
                at: DateTime<Utc>,
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 \
                     WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(tenant.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                commit(tx).await?;
                Ok(true)
            }

            async fn touch_api_token(&self, id: TokenId, at: DateTime<Utc>) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(id.0)
                    .execute(&mut *wtx)
                    .await
                    .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn insert_session(&self, s: &Session, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, tenant_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.id_hash)
                .bind(s.user_id.0)
                .bind(s.tenant_id.map(|t| t.0))
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("session"))?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<Session>> {
                let row = sqlx::query("SELECT * FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(session_from).transpose()
            }

            async fn delete_session(&self, id_hash: &str, event: Option<&AuditRecord>) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                if let Some(event) = event {
                    insert_event(&mut tx, event).await?;
                }
                commit(tx).await
            }

            async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let mut wtx = self.write_one().await?;
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *wtx)
                    .await
                    .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn record_event(&self, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn unsequenced_events(&self, limit: u32) -> StoreResult<Vec<AuditRecord>> {
                let found = sqlx::query(
                    "SELECT * FROM audit_events WHERE ledger_seq IS NULL AND tenant_id IS NOT NULL \
                     ORDER BY id LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows(found, event_from)
            }

            async fn list_events(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<AuditRecord>> {
                let found = sqlx::query(
                    "SELECT * FROM audit_events WHERE tenant_id = $1 AND id < $2 \
                     ORDER BY id DESC LIMIT $3",
                )
                .bind(tenant.0)
                .bind(page.after.unwrap_or_else(max_uuid))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, event_from)?, page, |e| e.id))
            }

            async fn count_events_in_windows(
                &self,
                tenant: TenantId,
                bounds: &[DateTime<Utc>],
            ) -> StoreResult<Vec<u64>> {
                let mut counts = Vec::with_capacity(bounds.len().saturating_sub(1));
                for window in bounds.windows(2) {
                    let [from, to] = window else { continue };
                    let n: i64 = sqlx::query(
                        "SELECT COUNT(*) AS n FROM audit_events \
                         WHERE tenant_id = $1 AND recorded_at >= $2 AND recorded_at < $3",
                    )
                    .bind(tenant.0)
                    .bind(*from)
                    .bind(*to)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?
                    .try_get("n")
                    .map_err(db)?;
                    counts.push(u64::try_from(n).unwrap_or(0));
                }
                Ok(counts)
            }
        }

        #[async_trait]
        impl JobStore for $store {
            async fn enqueue(&self, j: &Job) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "INSERT INTO jobs (id, tenant_id, kind, payload, status, attempts, max_attempts, \
                     run_at, locked_by, locked_until, last_error, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(j.id)
                .bind(j.tenant_id.map(|t| t.0))
                .bind(&j.kind)
                .bind(Json(&j.payload))
                .bind(j.status.as_str())
                .bind(j.attempts)
                .bind(j.max_attempts)
                .bind(j.run_at)
                .bind(j.locked_by.as_deref())
                .bind(j.locked_until)
                .bind(j.last_error.as_deref())
                .bind(j.created_at)
                .bind(j.updated_at)
                .execute(&mut *wtx)
                .await
                .map_err(map_err("job"))?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn claim_job(
                &self,
                worker: &str,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
            ) -> StoreResult<Option<Job>> {
                let mut wtx = self.write_one().await?;
                let row = sqlx::query($claim)
                    .bind(worker)
                    .bind(lease_until)
                    .bind(now)
                    .fetch_optional(&mut *wtx)
                    .await
                    .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                row.as_ref().map(job_from).transpose()
            }

            async fn complete_job(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "UPDATE jobs SET status = 'succeeded', locked_by = NULL, locked_until = NULL, \
                     updated_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn fail_job(
                &self,
                id: Uuid,
                error: &str,
                retry_at: Option<DateTime<Utc>>,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let status = if retry_at.is_some() { "queued" } else { "dead" };
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "UPDATE jobs SET status = $1, last_error = $2, run_at = $3, locked_by = NULL, \
                     locked_until = NULL, updated_at = $4 WHERE id = $5",
                )
                .bind(status)
                .bind(error)
                .bind(retry_at.unwrap_or(now))
                .bind(now)
                .bind(id)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn job(&self, id: Uuid) -> StoreResult<Option<Job>> {
                let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(job_from).transpose()
            }

            async fn list_jobs(&self, status: Option<JobStatus>, page: &PageRequest) -> StoreResult<Page<Job>> {
                let found = sqlx::query(
                    "SELECT * FROM jobs WHERE (status = $1 OR $2) AND id < $3 \
                     ORDER BY id DESC LIMIT $4",
                )
                .bind(status.map_or("", JobStatus::as_str))
                .bind(status.is_none())
                .bind(page.after.unwrap_or_else(max_uuid))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, job_from)?, page, |j| j.id))
            }

            async fn upsert_schedule(&self, s: &Schedule) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "INSERT INTO schedules (name, cron, kind, payload, next_run_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, kind = excluded.kind, \
                     payload = excluded.payload, \
                     next_run_at = CASE WHEN schedules.cron = excluded.cron \
                         THEN schedules.next_run_at ELSE excluded.next_run_at END",
                )
                .bind(&s.name)
                .bind(&s.cron)
                .bind(&s.kind)
                .bind(Json(&s.payload))
                .bind(s.next_run_at)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn due_schedules(&self, now: DateTime<Utc>) -> StoreResult<Vec<Schedule>> {
                let found = sqlx::query("SELECT * FROM schedules WHERE next_run_at <= $1 ORDER BY name")
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows(found, schedule_from)
            }

            async fn fire_schedule(
                &self,
                name: &str,
                expected_next: DateTime<Utc>,
                next: DateTime<Utc>,
                job: &Job,
            ) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let moved = sqlx::query(
                    "UPDATE schedules SET next_run_at = $1 WHERE name = $2 AND next_run_at = $3",
                )
                .bind(next)
                .bind(name)
                .bind(expected_next)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if moved.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO jobs (id, tenant_id, kind, payload, status, attempts, max_attempts, \
                     run_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8)",
                )
                .bind(job.id)
                .bind(job.tenant_id.map(|t| t.0))
                .bind(&job.kind)
                .bind(Json(&job.payload))
                .bind(job.max_attempts)
                .bind(job.run_at)
                .bind(job.created_at)
                .bind(job.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("job"))?;
                commit(tx).await?;
                Ok(true)
            }
        }

        #[async_trait]
        impl KeyStore for $store {
            async fn insert_data_key(
                &self,
                k: &DataKeyRecord,
                only_if_first: bool,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                if k.active && !only_if_first {
                    sqlx::query("UPDATE data_keys SET active = FALSE WHERE scope = $1")
                        .bind(&k.scope)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                sqlx::query(
                    "INSERT INTO data_keys (scope, key_id, kek_id, wrapped, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&k.scope)
                .bind(&k.key_id)
                .bind(&k.kek_id)
                .bind(Json(&k.wrapped))
                .bind(k.active)
                .bind(k.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("active data key"))?;
                insert_event(&mut tx, event).await?;
                commit(tx).await
            }

            async fn data_keys(&self, scope: &str) -> StoreResult<Vec<DataKeyRecord>> {
                let found = sqlx::query(
                    "SELECT * FROM data_keys WHERE scope = $1 ORDER BY created_at, key_id",
                )
                .bind(scope)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows(found, key_from)
            }

            async fn all_data_keys(&self) -> StoreResult<Vec<DataKeyRecord>> {
                let found = sqlx::query("SELECT * FROM data_keys ORDER BY scope, created_at, key_id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows(found, key_from)
            }

            async fn update_wrapping(
                &self,
                scope: &str,
                key_id: &str,
                kek_id: &str,
                wrapped: &serde_json::Value,
            ) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "UPDATE data_keys SET kek_id = $1, wrapped = $2 WHERE scope = $3 AND key_id = $4",
                )
                .bind(kek_id)
                .bind(Json(wrapped))
                .bind(scope)
                .bind(key_id)
                .execute(&mut *wtx)
                .await
                .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(|e| {
                    StoreError::Unavailable(e.to_string())
                })?;
                Ok(())
            }
        }
        }

        crate::sql_ledger::impl_ledger_store!(db = $db, store = $store);
        crate::sql_notify::impl_notify_store!(db = $db, store = $store);
        crate::sql_catalog::impl_catalog_store!(db = $db, store = $store);
        crate::sql_governance::impl_governance_store!(db = $db, store = $store);
        crate::sql_assurance::impl_assurance_store!(db = $db, store = $store);
        crate::sql_service_level::impl_service_level_store!(db = $db, store = $store);
        crate::sql_reports::impl_report_store!(db = $db, store = $store);
        crate::sql_calendar::impl_calendar_store!(db = $db, store = $store);
        crate::sql_detection::impl_detection_store!(db = $db, store = $store);
        crate::sql_forwarders::impl_forwarder_store!(db = $db, store = $store);
        crate::sql_privacy::impl_privacy_store!(db = $db, store = $store);
        crate::sql_consent::impl_consent_store!(db = $db, store = $store);
        crate::sql_support::impl_support_store!(db = $db, store = $store);
    };
}

pub(crate) use impl_store;
