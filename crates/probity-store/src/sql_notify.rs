//! The SQL of the notification store port, written once and expanded for each backend by
//! [`impl_notify_store!`] (invoked from `impl_store!`). Methods that create deliveries insert
//! their jobs and the audit record in the same transaction.

macro_rules! impl_notify_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod notify_impl {
        use super::$store;
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use probity_core::audit::AuditRecord;
        use probity_core::jobs::Job;
        use probity_core::notify::*;
        use probity_core::page::{Page, PageRequest};
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;
        use uuid::Uuid;

        use crate::error::{db, map_err};
        use crate::internal;

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx = crate::write_tx::WriteTx<$db>;

        fn parse<T>(what: &str, text: &str, f: fn(&str) -> Option<T>) -> StoreResult<T> {
            f(text).ok_or_else(|| internal(format!("bad {what} {text:?}")))
        }

        fn channel_from(row: &DbRow) -> StoreResult<Channel> {
            let kind: String = row.try_get("kind").map_err(db)?;
            let config: Json<ChannelConfig> = row.try_get("config").map_err(db)?;
            Ok(Channel {
                id: ChannelId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                name: row.try_get("name").map_err(db)?,
                kind: parse("channel kind", &kind, ChannelKind::parse)?,
                config: config.0,
                secret: row.try_get("secret").map_err(db)?,
                enabled: row.try_get("enabled").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn rule_from(row: &DbRow) -> StoreResult<RoutingRule> {
            let severity: String = row.try_get("min_severity").map_err(db)?;
            let channels: Json<Vec<ChannelId>> = row.try_get("channels").map_err(db)?;
            let escalation: Json<Vec<EscalationStep>> = row.try_get("escalation").map_err(db)?;
            Ok(RoutingRule {
                id: RuleId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                name: row.try_get("name").map_err(db)?,
                kind_prefix: row.try_get("kind_prefix").map_err(db)?,
                min_severity: parse("severity", &severity, Severity::parse)?,
                channels: channels.0,
                escalation: escalation.0,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn notification_from(row: &DbRow) -> StoreResult<Notification> {
            let severity: String = row.try_get("severity").map_err(db)?;
            let escalation: Json<Vec<PlannedEscalation>> = row.try_get("escalation").map_err(db)?;
            Ok(Notification {
                id: NotificationId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                kind: row.try_get("kind").map_err(db)?,
                severity: parse("severity", &severity, Severity::parse)?,
                title: row.try_get("title").map_err(db)?,
                body: row.try_get("body").map_err(db)?,
                link: row.try_get("link").map_err(db)?,
                dedup_key: row.try_get("dedup_key").map_err(db)?,
                escalation: escalation.0,
                escalation_level: row.try_get("escalation_level").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
                acknowledged_at: row.try_get("acknowledged_at").map_err(db)?,
                acknowledged_by: row.try_get("acknowledged_by").map_err(db)?,
            })
        }

        fn delivery_from(row: &DbRow) -> StoreResult<Delivery> {
            let event: String = row.try_get("event").map_err(db)?;
            let status: String = row.try_get("status").map_err(db)?;
            Ok(Delivery {
                id: DeliveryId(row.try_get("id").map_err(db)?),
                tenant_id: TenantId(row.try_get("tenant_id").map_err(db)?),
                notification_id: NotificationId(row.try_get("notification_id").map_err(db)?),
                channel_id: ChannelId(row.try_get("channel_id").map_err(db)?),
                level: row.try_get("level").map_err(db)?,
                event: parse("delivery event", &event, DeliveryEvent::parse)?,
                status: parse("delivery status", &status, DeliveryStatus::parse)?,
                attempts: row.try_get("attempts").map_err(db)?,
                max_attempts: row.try_get("max_attempts").map_err(db)?,
                next_attempt_at: row.try_get("next_attempt_at").map_err(db)?,
                locked_until: row.try_get("locked_until").map_err(db)?,
                last_error: row.try_get("last_error").map_err(db)?,
                response_status: row.try_get("response_status").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
                updated_at: row.try_get("updated_at").map_err(db)?,
                delivered_at: row.try_get("delivered_at").map_err(db)?,
            })
        }

        fn rows<T>(rows: Vec<DbRow>, f: fn(&DbRow) -> StoreResult<T>) -> StoreResult<Vec<T>> {
            rows.iter().map(f).collect()
        }

        async fn begin(store: &$store) -> StoreResult<Tx> {
            store.begin_write().await
        }

        async fn insert_job(tx: &mut Tx, j: &Job) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO jobs (id, tenant_id, kind, payload, status, attempts, max_attempts, \
                 run_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8)",
            )
            .bind(j.id)
            .bind(j.tenant_id.map(|t| t.0))
            .bind(&j.kind)
            .bind(Json(&j.payload))
            .bind(j.max_attempts)
            .bind(j.run_at)
            .bind(j.created_at)
            .bind(j.updated_at)
            .execute(&mut **tx)
            .await
            .map_err(map_err("job"))?;
            Ok(())
        }

        async fn insert_delivery(tx: &mut Tx, d: &Delivery) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO notify_deliveries (id, tenant_id, notification_id, channel_id, level, \
                 event, status, attempts, max_attempts, next_attempt_at, locked_until, last_error, \
                 response_status, created_at, updated_at, delivered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(d.id.0)
            .bind(d.tenant_id.0)
            .bind(d.notification_id.0)
            .bind(d.channel_id.0)
            .bind(d.level)
            .bind(d.event.as_str())
            .bind(d.status.as_str())
            .bind(d.attempts)
            .bind(d.max_attempts)
            .bind(d.next_attempt_at)
            .bind(d.locked_until)
            .bind(d.last_error.as_deref())
            .bind(d.response_status)
            .bind(d.created_at)
            .bind(d.updated_at)
            .bind(d.delivered_at)
            .execute(&mut **tx)
            .await
            .map_err(map_err("delivery"))?;
            Ok(())
        }

        async fn insert_sends(tx: &mut Tx, deliveries: &[Delivery], jobs: &[Job]) -> StoreResult<()> {
            for d in deliveries {
                insert_delivery(tx, d).await?;
            }
            for j in jobs {
                insert_job(tx, j).await?;
            }
            Ok(())
        }

        #[async_trait]
        impl NotifyStore for $store {
            async fn insert_channel(&self, c: &Channel, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = begin(self).await?;
                sqlx::query(
                    "INSERT INTO notify_channels (id, tenant_id, name, kind, config, secret, enabled, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(c.id.0)
                .bind(c.tenant_id.0)
                .bind(&c.name)
                .bind(c.kind.as_str())
                .bind(Json(&c.config))
                .bind(c.secret.as_deref())
                .bind(c.enabled)
                .bind(c.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("channel name"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn channel(&self, tenant: TenantId, id: ChannelId) -> StoreResult<Option<Channel>> {
                let row = sqlx::query("SELECT * FROM notify_channels WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(channel_from).transpose()
            }

            async fn list_channels(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<Channel>> {
                let found = sqlx::query(
                    "SELECT * FROM notify_channels WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(tenant.0)
                .bind(page.after.unwrap_or_else(Uuid::nil))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, channel_from)?, page, |c| c.id.0))
            }

            async fn all_channels(&self, tenant: TenantId) -> StoreResult<Vec<Channel>> {
                let found = sqlx::query("SELECT * FROM notify_channels WHERE tenant_id = $1 ORDER BY id")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows(found, channel_from)
            }

            async fn delete_channel(&self, tenant: TenantId, id: ChannelId, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = begin(self).await?;
                let done = sqlx::query("DELETE FROM notify_channels WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn insert_rule(&self, r: &RoutingRule, event: &AuditRecord) -> StoreResult<()> {
                let mut tx = begin(self).await?;
                sqlx::query(
                    "INSERT INTO notify_rules (id, tenant_id, name, kind_prefix, min_severity, channels, \
                     escalation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(r.id.0)
                .bind(r.tenant_id.0)
                .bind(&r.name)
                .bind(&r.kind_prefix)
                .bind(r.min_severity.as_str())
                .bind(Json(&r.channels))
                .bind(Json(&r.escalation))
                .bind(r.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err("routing rule name"))?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_rules(&self, tenant: TenantId) -> StoreResult<Vec<RoutingRule>> {
                let found = sqlx::query("SELECT * FROM notify_rules WHERE tenant_id = $1 ORDER BY id")
                    .bind(tenant.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows(found, rule_from)
            }

            async fn delete_rule(&self, tenant: TenantId, id: RuleId, event: &AuditRecord) -> StoreResult<bool> {
                let mut tx = begin(self).await?;
                let done = sqlx::query("DELETE FROM notify_rules WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn insert_notification(
                &self,
                n: &Notification,
                deliveries: &[Delivery],
                jobs: &[Job],
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = begin(self).await?;
                sqlx::query(
                    "INSERT INTO notifications (id, tenant_id, kind, severity, title, body, link, \
                     dedup_key, escalation, escalation_level, created_at, acknowledged_at, acknowledged_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(n.id.0)
                .bind(n.tenant_id.0)
                .bind(&n.kind)
                .bind(n.severity.as_str())
                .bind(&n.title)
                .bind(&n.body)
                .bind(n.link.as_deref())
                .bind(&n.dedup_key)
                .bind(Json(&n.escalation))
                .bind(n.escalation_level)
                .bind(n.created_at)
                .bind(n.acknowledged_at)
                .bind(n.acknowledged_by.as_deref())
                .execute(&mut *tx)
                .await
                .map_err(map_err("notification dedup key"))?;
                insert_sends(&mut tx, deliveries, jobs).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn notification(&self, tenant: TenantId, id: NotificationId) -> StoreResult<Option<Notification>> {
                let row = sqlx::query("SELECT * FROM notifications WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(notification_from).transpose()
            }

            async fn open_notification_by_dedup(&self, tenant: TenantId, key: &str) -> StoreResult<Option<Notification>> {
                let row = sqlx::query(
                    "SELECT * FROM notifications WHERE tenant_id = $1 AND dedup_key = $2 \
                     AND acknowledged_at IS NULL",
                )
                .bind(tenant.0)
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(notification_from).transpose()
            }

            async fn list_notifications(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<Notification>> {
                let found = sqlx::query(
                    "SELECT * FROM notifications WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(tenant.0)
                .bind(page.after.unwrap_or_else(Uuid::max))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, notification_from)?, page, |n| n.id.0))
            }

            async fn acknowledge_notification(
                &self,
                acked: &Notification,
                deliveries: &[Delivery],
                jobs: &[Job],
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = begin(self).await?;
                let done = sqlx::query(
                    "UPDATE notifications SET acknowledged_at = $1, acknowledged_by = $2 \
                     WHERE tenant_id = $3 AND id = $4 AND acknowledged_at IS NULL",
                )
                .bind(acked.acknowledged_at)
                .bind(acked.acknowledged_by.as_deref())
                .bind(acked.tenant_id.0)
                .bind(acked.id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_sends(&mut tx, deliveries, jobs).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn escalate_notification(
                &self,
                tenant: TenantId,
                id: NotificationId,
                level: i32,
                deliveries: &[Delivery],
                jobs: &[Job],
                event: &AuditRecord,
            ) -> StoreResult<bool> {
                let mut tx = begin(self).await?;
                let done = sqlx::query(
                    "UPDATE notifications SET escalation_level = $1 \
                     WHERE tenant_id = $2 AND id = $3 AND escalation_level = $4 \
                     AND acknowledged_at IS NULL",
                )
                .bind(level)
                .bind(tenant.0)
                .bind(id.0)
                .bind(level - 1)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_sends(&mut tx, deliveries, jobs).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn insert_deliveries(&self, deliveries: &[Delivery], jobs: &[Job], event: &AuditRecord) -> StoreResult<()> {
                let mut tx = begin(self).await?;
                insert_sends(&mut tx, deliveries, jobs).await?;
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<Delivery>> {
                let row = sqlx::query("SELECT * FROM notify_deliveries WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(delivery_from).transpose()
            }

            async fn claim_delivery(
                &self,
                id: DeliveryId,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
            ) -> StoreResult<Option<Delivery>> {
                let mut wtx = self.write_one().await?;
                let row = sqlx::query(
                    "UPDATE notify_deliveries SET attempts = attempts + 1, locked_until = $1, updated_at = $2 \
                     WHERE id = $3 AND status IN ('pending', 'failed') AND next_attempt_at <= $2 \
                     AND (locked_until IS NULL OR locked_until < $2) RETURNING *",
                )
                    .bind(lease_until)
                    .bind(now)
                    .bind(id.0)
                    .fetch_optional(&mut *wtx)
                    .await
                    .map_err(db)?;
                wtx.commit().await.map_err(db)?;
                row.as_ref().map(delivery_from).transpose()
            }

            async fn record_attempt(
                &self,
                id: DeliveryId,
                r: &AttemptResult,
                retry: Option<&Job>,
                event: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = begin(self).await?;
                sqlx::query(
                    "UPDATE notify_deliveries SET status = $1, last_error = $2, response_status = $3, \
                     next_attempt_at = $4, delivered_at = $5, locked_until = NULL, updated_at = $6 \
                     WHERE id = $7",
                )
                .bind(r.status.as_str())
                .bind(r.last_error.as_deref())
                .bind(r.response_status)
                .bind(r.next_attempt_at)
                .bind(r.delivered_at)
                .bind(r.at)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if let Some(job) = retry {
                    insert_job(&mut tx, job).await?;
                }
                super::store_impl::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db)
            }

            async fn list_deliveries(
                &self,
                tenant: TenantId,
                channel: ChannelId,
                page: &PageRequest,
            ) -> StoreResult<Page<Delivery>> {
                let found = sqlx::query(
                    "SELECT * FROM notify_deliveries WHERE tenant_id = $1 AND channel_id = $2 AND id < $3 \
                     ORDER BY id DESC LIMIT $4",
                )
                .bind(tenant.0)
                .bind(channel.0)
                .bind(page.after.unwrap_or_else(Uuid::max))
                .bind(page.fetch_limit())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                Ok(Page::from_rows(rows(found, delivery_from)?, page, |d| d.id.0))
            }

            async fn deliveries_of(&self, tenant: TenantId, notification: NotificationId) -> StoreResult<Vec<Delivery>> {
                let found = sqlx::query(
                    "SELECT * FROM notify_deliveries WHERE tenant_id = $1 AND notification_id = $2 ORDER BY id",
                )
                .bind(tenant.0)
                .bind(notification.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows(found, delivery_from)
            }
        }
        }
    };
}

pub(crate) use impl_notify_store;
