//! The self-audit record: every state change in every context produces one, written by the
//! store in the same transaction as the change, so no change goes unrecorded.
//!
//! The audit trail context and the ledger build on these rows (each becomes a ledger entry).
//! Events that services send are modelled in [`event`] and ingested by [`trail`]; [`index`]
//! and [`indexer`] keep the search projection; [`retention`] and [`erasure`] erase payloads
//! past their retention or of a data subject, honouring legal holds; [`detect`] and [`alerts`]
//! evaluate detection rules as events are indexed and keep the alerts they raise; [`syslog`]
//! frames and parses syslog messages for the listeners; [`forward`] sends the trail on to SIEMs
//! in the formats of [`siem`].

pub mod alerts;
pub mod demo;
pub mod detect;
pub mod erasure;
pub mod event;
pub mod forward;
pub mod index;
pub mod indexer;
pub mod retention;
pub mod siem;
pub mod syslog;
pub mod trail;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::model::{TenantId, UserId};

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A person signed in to the UI or API.
    User,
    /// An external service.
    Service,
    /// An API token.
    ApiToken,
    /// Probity itself (jobs, start-up, the CLI on the local store).
    System,
    /// An AI agent acting through the API.
    AiAgent,
}

impl ActorKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Service => "service",
            ActorKind::ApiToken => "api_token",
            ActorKind::System => "system",
            ActorKind::AiAgent => "ai_agent",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<ActorKind> {
        [
            ActorKind::User,
            ActorKind::Service,
            ActorKind::ApiToken,
            ActorKind::System,
            ActorKind::AiAgent,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The actor of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Actor {
    /// Kind of actor.
    pub kind: ActorKind,
    /// Stable id (user id, token id, `cli`, job name).
    pub id: String,
    /// Human label.
    pub display: String,
}

impl Actor {
    /// Probity itself, doing `what` (e.g. `cli`, `jobs`, `demo`).
    pub fn system(what: &str) -> Self {
        Actor {
            kind: ActorKind::System,
            id: what.to_owned(),
            display: format!("probity {what}"),
        }
    }

    /// A signed-in user.
    pub fn user(id: UserId, display: &str) -> Self {
        Actor {
            kind: ActorKind::User,
            id: id.to_string(),
            display: display.to_owned(),
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = EventOutcome)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was attempted and failed (e.g. a wrong password).
    Failure,
    /// It was refused by a permission check.
    Denied,
}

impl Outcome {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Success, Outcome::Failure, Outcome::Denied]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Id (UUIDv7, time-ordered).
    pub id: Uuid,
    /// Tenant whose ledger holds the record; `None` for installation-wide actions.
    pub tenant_id: Option<TenantId>,
    /// Dotted event type, e.g. `tenant.created`, `user.login.failed`.
    pub event_type: String,
    /// Who.
    pub actor: Actor,
    /// What kind of thing was acted on (`tenant`, `user`, `api_token`, ...).
    pub resource_type: String,
    /// Its id.
    pub resource_id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Structured context; never secrets.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// When the server recorded it.
    pub recorded_at: DateTime<Utc>,
}

impl AuditRecord {
    /// A successful action by `actor` on `resource_type`/`resource_id`.
    pub fn new(
        tenant_id: Option<TenantId>,
        event_type: &str,
        actor: &Actor,
        resource: (&str, String),
        recorded_at: DateTime<Utc>,
    ) -> Self {
        AuditRecord {
            id: Uuid::now_v7(),
            tenant_id,
            event_type: event_type.to_owned(),
            actor: actor.clone(),
            resource_type: resource.0.to_owned(),
            resource_id: resource.1,
            outcome: Outcome::Success,
            details: serde_json::Value::Object(serde_json::Map::new()),
            recorded_at,
        }
    }

    /// Sets the outcome.
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Sets the details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Where audit records are kept and read back.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an action that changed no other state (a failed sign-in, a denied request).
    async fn record_event(&self, event: &AuditRecord) -> crate::store::StoreResult<()>;
    /// Up to `limit` records of tenants (`tenant_id` set) that are not yet entries of their
    /// tenant's ledger, oldest first: the ledger's outbox. Installation-wide records (no tenant)
    /// are never listed: they belong to no tenant's log.
    async fn unsequenced_events(&self, limit: u32) -> crate::store::StoreResult<Vec<AuditRecord>>;
    /// A tenant's records, newest first.
    async fn list_events(
        &self,
        tenant: TenantId,
        page: &crate::page::PageRequest,
    ) -> crate::store::StoreResult<crate::page::Page<AuditRecord>>;
    /// How many of a tenant's records fall in each window `[bounds[i], bounds[i + 1])` of
    /// `recorded_at`: one count per consecutive pair of `bounds` (ascending), so `n + 1` bounds
    /// give `n` counts. Fewer than two bounds give none.
    async fn count_events_in_windows(
        &self,
        tenant: TenantId,
        bounds: &[DateTime<Utc>],
    ) -> crate::store::StoreResult<Vec<u64>>;
}
