//! Notification types: channels, routing rules, notifications and deliveries, with the
//! parse-don't-validate input types the API and CLI build them from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a notification channel.
    ChannelId
);
uuid_id!(
    /// Identifies a routing rule.
    RuleId
);
uuid_id!(
    /// Identifies a notification.
    NotificationId
);
uuid_id!(
    /// Identifies a delivery (one channel's attempt chain for one notification).
    DeliveryId
);

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;

wire_enum!(
    /// Where a channel delivers.
    ChannelKind {
        /// An HTTPS endpoint, signed per Standard Webhooks.
        Webhook => "webhook",
        /// A Slack-compatible incoming webhook (`{"text": ...}`).
        Slack => "slack",
        /// Email over the installation's SMTP relay.
        Email => "email",
        /// PagerDuty Events API v2.
        Pagerduty => "pagerduty",
    }
);

wire_enum!(
    /// How urgent a notification is; rules match a minimum.
    Severity {
        /// For the record.
        Info => "info",
        /// Worth a look.
        Low => "low",
        /// Needs attention soon.
        Medium => "medium",
        /// Needs attention now.
        High => "high",
        /// Wake someone up.
        Critical => "critical",
    }
);

wire_enum!(
    /// Where a delivery is in its life.
    DeliveryStatus {
        /// Not attempted yet.
        Pending => "pending",
        /// The last attempt failed; another is due at `next_attempt_at`.
        Failed => "failed",
        /// The receiver accepted it.
        Delivered => "delivered",
        /// Every attempt failed (dead letter); never retried automatically.
        Dead => "dead",
    }
);

wire_enum!(
    /// What a delivery tells the receiver (PagerDuty's `event_action`).
    DeliveryEvent {
        /// A new or escalated notification.
        Trigger => "trigger",
        /// The notification was acknowledged.
        Acknowledge => "acknowledge",
        /// A test message sent on request.
        Test => "test",
    }
);

/// A channel's public settings (secrets are never here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelConfig {
    /// Endpoint for webhook and PagerDuty channels (Slack URLs are secret and not shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Recipients of email channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

/// A notification channel of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Channel {
    /// Id.
    pub id: ChannelId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Unique name within the tenant.
    pub name: String,
    /// Kind of endpoint.
    pub kind: ChannelKind,
    /// Public settings.
    pub config: ChannelConfig,
    /// Encrypted secret (webhook signing secret, Slack URL, PagerDuty routing key).
    #[serde(skip)]
    pub secret: Option<Vec<u8>>,
    /// Whether routing sends to it.
    pub enabled: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// One escalation step of a rule: `after_minutes` after the notification was raised, while it
/// is unacknowledged, send to `channels` (the rule's own channels when empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// Minutes after the notification was raised (1 to 10080, increasing along the steps).
    pub after_minutes: u32,
    /// Channels of this step; empty means the rule's channels.
    #[serde(default)]
    pub channels: Vec<ChannelId>,
}

/// A routing rule: notifications whose kind starts with `kind_prefix` (whole dotted segments)
/// and whose severity is at least `min_severity` go to `channels`, then escalate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = NotificationRoutingRule)]
pub struct RoutingRule {
    /// Id.
    pub id: RuleId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Unique name within the tenant.
    pub name: String,
    /// Dotted kind prefix; empty matches every kind.
    pub kind_prefix: String,
    /// Lowest severity that matches.
    pub min_severity: Severity,
    /// Channels notified at once.
    pub channels: Vec<ChannelId>,
    /// Escalation steps while unacknowledged.
    pub escalation: Vec<EscalationStep>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A planned escalation of one notification: at `at`, unless acknowledged, send to `channels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedEscalation {
    /// When.
    pub at: DateTime<Utc>,
    /// Where.
    pub channels: Vec<ChannelId>,
}

/// What another context asks to be told: the input of [`crate::notify::NotifyService::raise`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Dotted kind, e.g. `breach.deadline` or `sla.violated`.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// One-line title.
    pub title: String,
    /// Body text.
    #[serde(default)]
    pub body: String,
    /// Link to the thing in Probity.
    #[serde(default)]
    pub link: Option<String>,
    /// Deduplication key: while a notification with this key is unacknowledged, raising it
    /// again returns that one and sends nothing.
    #[serde(default)]
    pub dedup_key: Option<String>,
}

/// An occurrence to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    /// Id.
    pub id: NotificationId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Dotted kind.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Link.
    pub link: Option<String>,
    /// Deduplication key (the id when the raiser gave none).
    pub dedup_key: String,
    /// Escalations planned at raise time.
    pub escalation: Vec<PlannedEscalation>,
    /// Escalation steps done so far.
    pub escalation_level: i32,
    /// Raised.
    pub created_at: DateTime<Utc>,
    /// When someone acknowledged it; stops escalation.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
}

/// One channel's delivery of one notification, with its attempts: the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    /// Id; also the Standard Webhooks `webhook-id` (stable across retries).
    pub id: DeliveryId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The notification.
    pub notification_id: NotificationId,
    /// The channel.
    pub channel_id: ChannelId,
    /// Escalation level that caused it (0 = raised).
    pub level: i32,
    /// What it tells the receiver.
    pub event: DeliveryEvent,
    /// Status.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts allowed before it is dead.
    pub max_attempts: i32,
    /// When the next attempt is due (pending or failed).
    pub next_attempt_at: DateTime<Utc>,
    /// Lease of the worker attempting it now.
    #[serde(skip)]
    pub locked_until: Option<DateTime<Utc>>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// HTTP status of the last attempt, when there was a response.
    pub response_status: Option<i32>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Delivery {
    /// A pending delivery due at `now`.
    pub fn new(
        notification: &Notification,
        channel_id: ChannelId,
        level: i32,
        event: DeliveryEvent,
        max_attempts: i32,
        now: DateTime<Utc>,
    ) -> Self {
        Delivery {
            id: DeliveryId::new(),
            tenant_id: notification.tenant_id,
            notification_id: notification.id,
            channel_id,
            level,
            event,
            status: DeliveryStatus::Pending,
            attempts: 0,
            max_attempts,
            next_attempt_at: now,
            locked_until: None,
            last_error: None,
            response_status: None,
            created_at: now,
            updated_at: now,
            delivered_at: None,
        }
    }
}

/// The result of one attempt, as the store records it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptResult {
    /// New status (failed, delivered or dead).
    pub status: DeliveryStatus,
    /// Error, when it failed.
    pub last_error: Option<String>,
    /// HTTP status, when there was a response.
    pub response_status: Option<i32>,
    /// Next attempt, when failed.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was accepted.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the attempt ended.
    pub at: DateTime<Utc>,
}
