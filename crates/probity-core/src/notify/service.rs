//! Notification use cases: channel and rule management (authorised against the caller's
//! [`Principal`]), [`NotifyService::raise`] for other contexts, and acknowledgement. The job
//! steps (delivery attempts, escalation) are in [`super::delivery`].

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use probity_crypto::WebhookSecret;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::delivery::Dispatch;
use super::model::*;
use super::rules::{self, RetryPolicy};
use crate::audit::{Actor, AuditRecord};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::jobs::Job;
use crate::keys::{KeyService, tenant_scope};
use crate::page::{Page, PageRequest};
use crate::platform::model::{Email, TenantId};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

/// Job kind that attempts one delivery (payload `{"delivery_id"}`).
pub const DELIVER_JOB: &str = "notify.deliver";
/// Job kind that runs one escalation step (payload `{"tenant_id", "notification_id", "level"}`).
pub const ESCALATE_JOB: &str = "notify.escalate";
/// The PagerDuty Events API v2 endpoint used when a channel names none.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// Tunables of the notification context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifySettings {
    /// Retry schedule of deliveries.
    pub retry: RetryPolicy,
    /// How long a worker holds a delivery while attempting it.
    pub lease: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            lease: Duration::minutes(2),
        }
    }
}

/// A channel request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    /// Unique name within the tenant.
    pub name: String,
    /// Kind of endpoint.
    pub kind: ChannelKind,
    /// Endpoint: required for `webhook` and `slack` (the Slack URL is kept secret); optional
    /// for `pagerduty` (default: the PagerDuty Events API v2).
    #[serde(default)]
    pub url: Option<String>,
    /// Recipients, for `email` (1 to 20 addresses).
    #[serde(default)]
    pub to: Vec<String>,
    /// PagerDuty integration (routing) key, for `pagerduty`; kept secret.
    #[serde(default)]
    pub routing_key: Option<String>,
}

/// A new channel; `secret` (the webhook signing secret `whsec_...`) is shown only here.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedChannel {
    /// The stored channel.
    pub channel: Channel,
    /// The Standard Webhooks signing secret, for webhook channels: store it now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A routing rule request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// Unique name within the tenant.
    pub name: String,
    /// Dotted kind prefix (`breach`, `sla.violated`); empty or absent matches every kind.
    #[serde(default)]
    pub kind_prefix: String,
    /// Lowest severity that matches.
    pub min_severity: Severity,
    /// Channels notified at once (1 to 20, of this tenant).
    pub channels: Vec<ChannelId>,
    /// Escalation steps while unacknowledged, e.g. after 5, 15 and 60 minutes.
    #[serde(default)]
    pub escalation: Vec<EscalationStep>,
}

/// What [`NotifyService::raise`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Raised {
    /// The notification (the existing one when deduplicated).
    pub notification: Notification,
    /// Whether an unacknowledged notification with the same dedup key already existed, so
    /// nothing new was sent.
    pub deduplicated: bool,
    /// Deliveries enqueued.
    pub deliveries: usize,
}

/// Notification use cases.
pub struct NotifyService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) keys: Arc<KeyService>,
    pub(super) dispatch: Arc<dyn Dispatch>,
    pub(super) settings: NotifySettings,
}

impl std::fmt::Debug for NotifyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyService")
            .field("dispatch", &self.dispatch)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

pub(super) fn secret_aad(id: ChannelId) -> Vec<u8> {
    format!("probity/notify/channel/{id}").into_bytes()
}

pub(super) fn deliver_job(d: &Delivery, now: DateTime<Utc>) -> Job {
    let mut job = Job::new(
        DELIVER_JOB,
        Some(d.tenant_id),
        json!({ "delivery_id": d.id }),
        now,
    );
    job.run_at = d.next_attempt_at;
    job.max_attempts = 3;
    job
}

pub(super) fn escalate_job(n: &Notification, level: i32, now: DateTime<Utc>) -> Option<Job> {
    let index = usize::try_from(level.checked_sub(1)?).ok()?;
    let step = n.escalation.get(index)?;
    let mut job = Job::new(
        ESCALATE_JOB,
        Some(n.tenant_id),
        json!({ "tenant_id": n.tenant_id, "notification_id": n.id, "level": level }),
        now,
    );
    job.run_at = step.at;
    job.max_attempts = 3;
    Some(job)
}

pub(super) fn event(
    tenant: TenantId,
    event_type: &str,
    actor: &Actor,
    resource: (&str, String),
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(Some(tenant), event_type, actor, resource, at)
}

impl NotifyService {
    /// Builds the service.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyService>,
        dispatch: Arc<dyn Dispatch>,
        settings: NotifySettings,
    ) -> Self {
        Self {
            store,
            clock,
            keys,
            dispatch,
            settings,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &NotifySettings {
        &self.settings
    }

    /// Adds a channel. Webhook channels get a fresh signing secret, returned once; every
    /// secret is stored encrypted under the tenant's keyring.
    pub async fn create_channel(
        &self,
        who: &Principal,
        req: &NewChannel,
    ) -> DomainResult<CreatedChannel> {
        who.require(Permission::ManageTenant)?;
        let tenant = who.tenant.id;
        let name = rules::parse_label("name", &req.name)?;
        let id = ChannelId::new();
        let mut config = ChannelConfig::default();
        let mut shown = None;
        let secret: Option<Vec<u8>> = match req.kind {
            ChannelKind::Webhook => {
                let url = req.url.as_deref().ok_or_else(|| {
                    DomainError::invalid("url", "is required for webhook channels")
                })?;
                config.url = Some(rules::parse_url("url", url)?);
                let secret = WebhookSecret::generate();
                let text = secret.to_text();
                shown = Some(text.as_str().to_owned());
                Some(text.as_bytes().to_vec())
            }
            ChannelKind::Slack => {
                let url = req
                    .url
                    .as_deref()
                    .ok_or_else(|| DomainError::invalid("url", "is required for slack channels"))?;
                Some(rules::parse_url("url", url)?.into_bytes())
            }
            ChannelKind::Pagerduty => {
                config.url = Some(match req.url.as_deref() {
                    Some(url) => rules::parse_url("url", url)?,
                    None => PAGERDUTY_EVENTS_URL.to_owned(),
                });
                let key = req
                    .routing_key
                    .as_deref()
                    .map(str::trim)
                    .filter(|k| {
                        !k.is_empty()
                            && k.len() <= 128
                            && k.chars().all(|c| c.is_ascii_alphanumeric())
                    })
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "routing_key",
                            "is required for pagerduty channels: the 32-character integration key",
                        )
                    })?;
                Some(key.as_bytes().to_vec())
            }
            ChannelKind::Email => {
                if req.to.is_empty() || req.to.len() > 20 {
                    return Err(DomainError::invalid(
                        "to",
                        "must list 1 to 20 email addresses",
                    ));
                }
                config.to = req
                    .to
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        Email::parse(e).map(|e| e.as_str().to_owned()).map_err(|_| {
                            DomainError::invalid(
                                format!("to.{i}"),
                                format!("{e:?} is not an email address"),
                            )
                        })
                    })
                    .collect::<DomainResult<_>>()?;
                None
            }
        };
        if req.kind != ChannelKind::Webhook
            && req.kind != ChannelKind::Slack
            && req.kind != ChannelKind::Pagerduty
            && req.url.is_some()
        {
            return Err(DomainError::invalid(
                "url",
                "is only for webhook, slack and pagerduty channels",
            ));
        }
        if req.kind != ChannelKind::Pagerduty && req.routing_key.is_some() {
            return Err(DomainError::invalid(
                "routing_key",
                "is only for pagerduty channels",
            ));
        }
        if req.kind != ChannelKind::Email && !req.to.is_empty() {
            return Err(DomainError::invalid("to", "is only for email channels"));
        }
        let secret = match secret {
            Some(plain) => Some(
                self.keys
                    .encrypt(&tenant_scope(tenant), &plain, &secret_aad(id))
                    .await?,
            ),
            None => None,
        };
        let now = self.clock.now();
        let channel = Channel {
            id,
            tenant_id: tenant,
            name,
            kind: req.kind,
            config,
            secret,
            enabled: true,
            created_at: now,
        };
        let audit = event(
            tenant,
            "notify.channel.created",
            &who.actor,
            ("notify_channel", id.to_string()),
            now,
        )
        .with_details(
            json!({ "name": channel.name, "kind": channel.kind, "config": channel.config }),
        );
        self.store.insert_channel(&channel, &audit).await?;
        Ok(CreatedChannel {
            channel,
            secret: shown,
        })
    }

    /// The tenant's channels.
    pub async fn channels(
        &self,
        who: &Principal,
        page: &PageRequest,
    ) -> DomainResult<Page<Channel>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_channels(who.tenant.id, page).await?)
    }

    /// One channel of the tenant.
    pub async fn channel(&self, who: &Principal, id: ChannelId) -> DomainResult<Channel> {
        who.require(Permission::Read)?;
        self.existing_channel(who.tenant.id, id).await
    }

    async fn existing_channel(&self, tenant: TenantId, id: ChannelId) -> DomainResult<Channel> {
        self.store
            .channel(tenant, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("channel {id}")))
    }

    /// Removes a channel; rules naming it skip it from then on.
    pub async fn delete_channel(&self, who: &Principal, id: ChannelId) -> DomainResult<()> {
        who.require(Permission::ManageTenant)?;
        let now = self.clock.now();
        let audit = event(
            who.tenant.id,
            "notify.channel.deleted",
            &who.actor,
            ("notify_channel", id.to_string()),
            now,
        );
        if !self.store.delete_channel(who.tenant.id, id, &audit).await? {
            return Err(DomainError::NotFound(format!("channel {id}")));
        }
        Ok(())
    }

    /// A channel's delivery log.
    pub async fn deliveries(
        &self,
        who: &Principal,
        channel: ChannelId,
        page: &PageRequest,
    ) -> DomainResult<Page<Delivery>> {
        who.require(Permission::Audit)?;
        self.existing_channel(who.tenant.id, channel).await?;
        Ok(self
            .store
            .list_deliveries(who.tenant.id, channel, page)
            .await?)
    }

    /// Sends a test message to a channel (through the same queue, retries and log).
    pub async fn test_channel(&self, who: &Principal, id: ChannelId) -> DomainResult<Delivery> {
        who.require(Permission::ManageTenant)?;
        let channel = self.existing_channel(who.tenant.id, id).await?;
        let notice = Notice {
            kind: "probity.test".into(),
            severity: Severity::Info,
            title: format!("Test message for channel {}", channel.name),
            body: "Probity sent this test message on request; no action is needed.".into(),
            link: None,
            dedup_key: None,
        };
        let audit = |notification: &Notification, deliveries: &[Delivery]| {
            event(
                who.tenant.id,
                "notify.channel.tested",
                &who.actor,
                ("notify_channel", id.to_string()),
                notification.created_at,
            )
            .with_details(json!({
                "notification_id": notification.id,
                "delivery_id": deliveries.first().map(|d| d.id),
            }))
        };
        let (_, mut deliveries) = self
            .send_direct(who, &[id], &notice, DeliveryEvent::Test, &audit)
            .await?;
        deliveries
            .pop()
            .ok_or_else(|| DomainError::Internal("test delivery not created".into()))
    }

    /// Sends `notice` straight to the named channels of the caller's tenant (no routing, no
    /// escalation: the notification is stored as already acknowledged), through the same
    /// queue, retries and delivery log; `audit` describes the send for the ledger. Every
    /// channel must be one of the tenant's.
    pub async fn send_direct(
        &self,
        who: &Principal,
        channels: &[ChannelId],
        notice: &Notice,
        kind: DeliveryEvent,
        audit: &(dyn Fn(&Notification, &[Delivery]) -> AuditRecord + Sync),
    ) -> DomainResult<(Notification, Vec<Delivery>)> {
        for id in channels {
            self.existing_channel(who.tenant.id, *id).await?;
        }
        let now = self.clock.now();
        let notification = Notification {
            id: NotificationId::new(),
            tenant_id: who.tenant.id,
            kind: notice.kind.clone(),
            severity: notice.severity,
            title: notice.title.clone(),
            body: notice.body.clone(),
            link: notice.link.clone(),
            dedup_key: notice
                .dedup_key
                .clone()
                .unwrap_or_else(|| format!("direct:{}", Uuid::now_v7())),
            escalation: Vec::new(),
            escalation_level: 0,
            created_at: now,
            // Already acknowledged: a direct send neither escalates nor holds a dedup key open.
            acknowledged_at: Some(now),
            acknowledged_by: Some(who.actor.id.clone()),
        };
        let deliveries: Vec<Delivery> = channels
            .iter()
            .map(|id| {
                Delivery::new(
                    &notification,
                    *id,
                    0,
                    kind,
                    self.settings.retry.max_attempts,
                    now,
                )
            })
            .collect();
        let jobs: Vec<Job> = deliveries.iter().map(|d| deliver_job(d, now)).collect();
        let record = audit(&notification, &deliveries);
        self.store
            .insert_notification(&notification, &deliveries, &jobs, &record)
            .await?;
        Ok((notification, deliveries))
    }

    /// Adds a routing rule; every channel it names must be one of the tenant's.
    pub async fn create_rule(&self, who: &Principal, req: &NewRule) -> DomainResult<RoutingRule> {
        who.require(Permission::ManageTenant)?;
        let tenant = who.tenant.id;
        let name = rules::parse_label("name", &req.name)?;
        let kind_prefix = rules::parse_kind("kind_prefix", &req.kind_prefix, true)?;
        if req.channels.is_empty() || req.channels.len() > 20 {
            return Err(DomainError::invalid(
                "channels",
                "must name 1 to 20 channels",
            ));
        }
        rules::check_escalation(&req.escalation)?;
        let known: Vec<ChannelId> = self
            .store
            .all_channels(tenant)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        let named = req.channels.iter().map(|c| ("channels", c)).chain(
            req.escalation
                .iter()
                .flat_map(|s| s.channels.iter().map(|c| ("escalation.channels", c))),
        );
        for (field, id) in named {
            if !known.contains(id) {
                return Err(DomainError::invalid(
                    field,
                    format!("channel {id} is not a channel of this tenant"),
                ));
            }
        }
        let now = self.clock.now();
        let rule = RoutingRule {
            id: RuleId::new(),
            tenant_id: tenant,
            name,
            kind_prefix,
            min_severity: req.min_severity,
            channels: req.channels.clone(),
            escalation: req.escalation.clone(),
            created_at: now,
        };
        let audit = event(
            tenant,
            "notify.rule.created",
            &who.actor,
            ("notify_rule", rule.id.to_string()),
            now,
        )
        .with_details(json!({
            "name": rule.name, "kind_prefix": rule.kind_prefix, "min_severity": rule.min_severity,
            "channels": rule.channels, "escalation": rule.escalation,
        }));
        self.store.insert_rule(&rule, &audit).await?;
        Ok(rule)
    }

    /// The tenant's routing rules.
    pub async fn rules(&self, who: &Principal) -> DomainResult<Vec<RoutingRule>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_rules(who.tenant.id).await?)
    }

    /// Removes a routing rule.
    pub async fn delete_rule(&self, who: &Principal, id: RuleId) -> DomainResult<()> {
        who.require(Permission::ManageTenant)?;
        let now = self.clock.now();
        let audit = event(
            who.tenant.id,
            "notify.rule.deleted",
            &who.actor,
            ("notify_rule", id.to_string()),
            now,
        );
        if !self.store.delete_rule(who.tenant.id, id, &audit).await? {
            return Err(DomainError::NotFound(format!("routing rule {id}")));
        }
        Ok(())
    }

    /// The entry point for other contexts: applies the tenant's routing rules to `notice` and
    /// stores the notification, its deliveries and their jobs durably in one transaction.
    /// While an unacknowledged notification has the same dedup key, returns it instead.
    pub async fn raise(&self, tenant: TenantId, notice: &Notice) -> DomainResult<Raised> {
        let kind = rules::parse_kind("kind", &notice.kind, false)?;
        let title: String = notice
            .title
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(DomainError::invalid("title", "must be 1 to 200 characters"));
        }
        if notice.body.len() > 16_384 {
            return Err(DomainError::invalid("body", "must be at most 16384 bytes"));
        }
        let link = notice
            .link
            .as_deref()
            .map(|l| rules::parse_url("link", l))
            .transpose()?;
        let dedup_key = match notice.dedup_key.as_deref() {
            Some(k) if !k.trim().is_empty() && k.len() <= 255 => Some(k.trim().to_owned()),
            Some(_) => {
                return Err(DomainError::invalid(
                    "dedup_key",
                    "must be 1 to 255 characters",
                ));
            }
            None => None,
        };
        if let Some(key) = &dedup_key
            && let Some(open) = self.store.open_notification_by_dedup(tenant, key).await?
        {
            return Ok(Raised {
                notification: open,
                deduplicated: true,
                deliveries: 0,
            });
        }
        let now = self.clock.now();
        let rules_of_tenant = self.store.list_rules(tenant).await?;
        let channels = self.store.all_channels(tenant).await?;
        let usable = |id: ChannelId| channels.iter().any(|c| c.id == id && c.enabled);
        let routing = rules::route(&rules_of_tenant, &kind, notice.severity, now, &usable);
        let id = NotificationId::new();
        let notification = Notification {
            id,
            tenant_id: tenant,
            kind,
            severity: notice.severity,
            title,
            body: notice.body.clone(),
            link,
            dedup_key: dedup_key.unwrap_or_else(|| id.to_string()),
            escalation: routing.escalation,
            escalation_level: 0,
            created_at: now,
            acknowledged_at: None,
            acknowledged_by: None,
        };
        let deliveries: Vec<Delivery> = routing
            .channels
            .iter()
            .map(|c| {
                Delivery::new(
                    &notification,
                    *c,
                    0,
                    DeliveryEvent::Trigger,
                    self.settings.retry.max_attempts,
                    now,
                )
            })
            .collect();
        let mut jobs: Vec<Job> = deliveries.iter().map(|d| deliver_job(d, now)).collect();
        jobs.extend(escalate_job(&notification, 1, now));
        let audit = event(
            tenant,
            "notification.raised",
            &Actor::system("notify"),
            ("notification", id.to_string()),
            now,
        )
        .with_details(json!({
            "kind": notification.kind, "severity": notification.severity,
            "dedup_key": notification.dedup_key, "channels": routing.channels,
            "escalation_steps": notification.escalation.len(),
        }));
        match self
            .store
            .insert_notification(&notification, &deliveries, &jobs, &audit)
            .await
        {
            Ok(()) => Ok(Raised {
                notification,
                deduplicated: false,
                deliveries: deliveries.len(),
            }),
            Err(crate::store::StoreError::Duplicate(_)) => {
                // Raised concurrently with the same key: the other one won.
                let open = self
                    .store
                    .open_notification_by_dedup(tenant, &notification.dedup_key)
                    .await?
                    .ok_or_else(|| {
                        DomainError::Conflict(
                            "a notification with this dedup key was raised at the same time; retry"
                                .into(),
                        )
                    })?;
                Ok(Raised {
                    notification: open,
                    deduplicated: true,
                    deliveries: 0,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The tenant's notifications, newest first.
    pub async fn notifications(
        &self,
        who: &Principal,
        page: &PageRequest,
    ) -> DomainResult<Page<Notification>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_notifications(who.tenant.id, page).await?)
    }

    /// Acknowledges a notification: escalation stops, and PagerDuty channels that were
    /// triggered get an `acknowledge` event.
    pub async fn acknowledge(
        &self,
        who: &Principal,
        id: NotificationId,
    ) -> DomainResult<Notification> {
        who.require(Permission::Write)?;
        let tenant = who.tenant.id;
        let mut notification = self
            .store
            .notification(tenant, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("notification {id}")))?;
        if notification.acknowledged_at.is_some() {
            return Err(DomainError::Conflict(format!(
                "notification {id} is already acknowledged"
            )));
        }
        let now = self.clock.now();
        let channels = self.store.all_channels(tenant).await?;
        let mut paged: Vec<ChannelId> = Vec::new();
        for d in self.store.deliveries_of(tenant, id).await? {
            let pagerduty = channels
                .iter()
                .any(|c| c.id == d.channel_id && c.kind == ChannelKind::Pagerduty);
            if pagerduty && d.event == DeliveryEvent::Trigger && !paged.contains(&d.channel_id) {
                paged.push(d.channel_id);
            }
        }
        notification.acknowledged_at = Some(now);
        notification.acknowledged_by = Some(who.actor.id.clone());
        let deliveries: Vec<Delivery> = paged
            .iter()
            .map(|c| {
                Delivery::new(
                    &notification,
                    *c,
                    notification.escalation_level,
                    DeliveryEvent::Acknowledge,
                    self.settings.retry.max_attempts,
                    now,
                )
            })
            .collect();
        let jobs: Vec<Job> = deliveries.iter().map(|d| deliver_job(d, now)).collect();
        let audit = event(
            tenant,
            "notification.acknowledged",
            &who.actor,
            ("notification", id.to_string()),
            now,
        )
        .with_details(
            json!({ "kind": notification.kind, "escalation_level": notification.escalation_level }),
        );
        if !self
            .store
            .acknowledge_notification(&notification, &deliveries, &jobs, &audit)
            .await?
        {
            return Err(DomainError::Conflict(format!(
                "notification {id} is already acknowledged"
            )));
        }
        Ok(notification)
    }
}
