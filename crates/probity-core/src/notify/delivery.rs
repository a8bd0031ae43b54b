//! The job steps of notifications and the network port they send through: one delivery
//! attempt (claim, sign or render, send, record the result and the next try) and one
//! escalation step, and [`Dispatch`], which the server implements over HTTP and SMTP.

use chrono::{DateTime, Utc};
use probity_crypto::WebhookSecret;
use serde_json::json;

use super::model::*;
use super::rules;
use super::service::{
    NotifyService, PAGERDUTY_EVENTS_URL, deliver_job, escalate_job, event, secret_aad,
};
use crate::audit::Actor;
use crate::error::{DomainError, DomainResult};
use crate::jobs::Job;
use crate::keys::tenant_scope;
use crate::platform::model::TenantId;

/// A message ready for the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// An HTTP `POST` with a JSON body.
    Http {
        /// Endpoint.
        url: String,
        /// Extra headers (content type is always `application/json`).
        headers: Vec<(String, String)>,
        /// Body, exactly as signed.
        body: Vec<u8>,
    },
    /// An email with text and HTML alternatives.
    Email {
        /// Recipients.
        to: Vec<String>,
        /// Subject.
        subject: String,
        /// Plain-text body.
        text: String,
        /// HTML body.
        html: String,
    },
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// The HTTP status, when the receiver answered.
    pub status: Option<u16>,
    /// What went wrong (no secrets).
    pub message: String,
    /// Retrying cannot help (HTTP 410 Gone, a malformed recipient): dead at once.
    pub permanent: bool,
}

/// Sends outbound messages: the network edge, implemented by the server (HTTP and SMTP).
#[async_trait::async_trait]
pub trait Dispatch: Send + Sync + std::fmt::Debug {
    /// Sends once; the HTTP status of an accepted request, `None` for email.
    async fn send(&self, message: &Outbound) -> Result<Option<u16>, SendFailure>;
}

/// What one delivery job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Not due, already done, or held by another worker.
    Skipped,
    /// The receiver accepted it.
    Delivered,
    /// It failed and will be retried.
    Retrying,
    /// It failed for the last time (or permanently).
    Dead,
}

fn random_unit() -> f64 {
    use rand_core::RngCore as _;
    let bits = rand_core::OsRng.next_u64() >> 11;
    #[allow(clippy::cast_precision_loss)]
    let unit = bits as f64 / (1_u64 << 53) as f64;
    unit
}

impl NotifyService {
    /// Job step: escalation `level` (1-based) of a notification, unless it was acknowledged.
    /// Returns whether anything was sent.
    pub async fn escalate(
        &self,
        tenant: TenantId,
        id: NotificationId,
        level: i32,
    ) -> DomainResult<bool> {
        let Some(notification) = self.store.notification(tenant, id).await? else {
            return Ok(false);
        };
        if notification.acknowledged_at.is_some() || notification.escalation_level != level - 1 {
            return Ok(false);
        }
        let Some(step) = usize::try_from(level - 1)
            .ok()
            .and_then(|i| notification.escalation.get(i))
        else {
            return Ok(false);
        };
        let now = self.clock.now();
        let channels = self.store.all_channels(tenant).await?;
        let deliveries: Vec<Delivery> = step
            .channels
            .iter()
            .filter(|c| channels.iter().any(|ch| ch.id == **c && ch.enabled))
            .map(|c| {
                Delivery::new(
                    &notification,
                    *c,
                    level,
                    DeliveryEvent::Trigger,
                    self.settings.retry.max_attempts,
                    now,
                )
            })
            .collect();
        let mut jobs: Vec<Job> = deliveries.iter().map(|d| deliver_job(d, now)).collect();
        jobs.extend(escalate_job(&notification, level + 1, now));
        let audit = event(
            tenant,
            "notification.escalated",
            &Actor::system("notify"),
            ("notification", id.to_string()),
            now,
        )
        .with_details(json!({ "level": level, "channels": step.channels }));
        Ok(self
            .store
            .escalate_notification(tenant, id, level, &deliveries, &jobs, &audit)
            .await?)
    }

    /// Job step: one attempt of a delivery. Delivery failures are recorded on the delivery
    /// (and retried by a new job); only store failures are errors.
    pub async fn attempt(&self, id: DeliveryId) -> DomainResult<AttemptOutcome> {
        let now = self.clock.now();
        let Some(delivery) = self
            .store
            .claim_delivery(id, now, now + self.settings.lease)
            .await?
        else {
            return Ok(AttemptOutcome::Skipped);
        };
        let tenant = delivery.tenant_id;
        let sent = match self.prepare(&delivery, now).await? {
            Ok(message) => self.dispatch.send(&message).await,
            Err(permanent) => Err(permanent),
        };
        let at = self.clock.now();
        let (result, outcome) = match sent {
            Ok(status) => (
                AttemptResult {
                    status: DeliveryStatus::Delivered,
                    last_error: None,
                    response_status: status.map(i32::from),
                    next_attempt_at: delivery.next_attempt_at,
                    delivered_at: Some(at),
                    at,
                },
                AttemptOutcome::Delivered,
            ),
            Err(failure) => {
                let dead = delivery.attempts >= delivery.max_attempts || failure.permanent;
                let next = at + self.settings.retry.delay(delivery.attempts, random_unit());
                (
                    AttemptResult {
                        status: if dead {
                            DeliveryStatus::Dead
                        } else {
                            DeliveryStatus::Failed
                        },
                        last_error: Some(failure.message.chars().take(1000).collect()),
                        response_status: failure.status.map(i32::from),
                        next_attempt_at: if dead { delivery.next_attempt_at } else { next },
                        delivered_at: None,
                        at,
                    },
                    if dead {
                        AttemptOutcome::Dead
                    } else {
                        AttemptOutcome::Retrying
                    },
                )
            }
        };
        let retry = (outcome == AttemptOutcome::Retrying).then(|| {
            let mut d = delivery.clone();
            d.next_attempt_at = result.next_attempt_at;
            deliver_job(&d, at)
        });
        let event_type = match outcome {
            AttemptOutcome::Delivered => "notification.delivered",
            AttemptOutcome::Dead => "notification.delivery.dead",
            _ => "notification.delivery.failed",
        };
        let audit = event(
            tenant,
            event_type,
            &Actor::system("notify"),
            ("notify_delivery", id.to_string()),
            at,
        )
        .with_details(json!({
            "notification_id": delivery.notification_id, "channel_id": delivery.channel_id,
            "attempt": delivery.attempts, "response_status": result.response_status,
            "error": result.last_error,
        }));
        self.store
            .record_attempt(id, &result, retry.as_ref(), &audit)
            .await?;
        Ok(outcome)
    }

    /// The message of a delivery, or a permanent failure (channel or notification gone).
    async fn prepare(
        &self,
        d: &Delivery,
        now: DateTime<Utc>,
    ) -> DomainResult<Result<Outbound, SendFailure>> {
        let gone = |what: &str| {
            Ok(Err(SendFailure {
                status: None,
                message: format!("the {what} was removed"),
                permanent: true,
            }))
        };
        let Some(channel) = self.store.channel(d.tenant_id, d.channel_id).await? else {
            return gone("channel");
        };
        let Some(n) = self
            .store
            .notification(d.tenant_id, d.notification_id)
            .await?
        else {
            return gone("notification");
        };
        let secret = match &channel.secret {
            Some(ciphertext) => {
                let plain = self
                    .keys
                    .decrypt(
                        &tenant_scope(d.tenant_id),
                        ciphertext,
                        &secret_aad(channel.id),
                    )
                    .await?;
                Some(
                    String::from_utf8(plain)
                        .map_err(|_| DomainError::Internal("channel secret is not text".into()))?,
                )
            }
            None => None,
        };
        let need = |s: Option<String>| {
            s.ok_or_else(|| DomainError::Internal(format!("channel {} has no secret", channel.id)))
        };
        let json_headers = Vec::new;
        Ok(Ok(match channel.kind {
            ChannelKind::Webhook => {
                let secret = WebhookSecret::parse(&need(secret)?)
                    .map_err(|e| DomainError::Internal(format!("channel {}: {e}", channel.id)))?;
                let body = rules::webhook_body(&n, d.event);
                let msg_id = format!("msg_{}", d.id.0.simple());
                let timestamp = now.timestamp();
                let signature = secret.sign(&msg_id, timestamp, &body);
                Outbound::Http {
                    url: channel.config.url.clone().unwrap_or_default(),
                    headers: vec![
                        ("webhook-id".into(), msg_id),
                        ("webhook-timestamp".into(), timestamp.to_string()),
                        ("webhook-signature".into(), signature),
                    ],
                    body,
                }
            }
            ChannelKind::Slack => Outbound::Http {
                url: need(secret)?,
                headers: json_headers(),
                body: rules::slack_body(&n, d.event),
            },
            ChannelKind::Pagerduty => Outbound::Http {
                url: channel
                    .config
                    .url
                    .clone()
                    .unwrap_or_else(|| PAGERDUTY_EVENTS_URL.to_owned()),
                headers: json_headers(),
                body: rules::pagerduty_body(&n, d.event, &need(secret)?),
            },
            ChannelKind::Email => {
                let (subject, text, html) = rules::email_parts(&n, d.event);
                Outbound::Email {
                    to: channel.config.to.clone(),
                    subject,
                    text,
                    html,
                }
            }
        }))
    }
}
