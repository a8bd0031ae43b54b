//! Continuous SIEM forwarding: a tenant's forwarders send every ledger entry (ingested events
//! and Probity's own records, optionally filtered) to a syslog collector (RFC 5424 or CEF, over
//! TCP or UDP) or a webhook (signed JSON batches), in ledger order, batched, retried with
//! backoff.
//!
//! Each forwarder keeps a persisted cursor, the first ledger index not yet delivered. A node
//! takes a short lease on a forwarder before sending, sends one batch, and moves the cursor
//! with a compare-and-swap that also checks the lease, so several nodes never send the same
//! range, and a restart starts exactly where the last acknowledged batch ended: nothing is
//! skipped, and a graceful stop (which finishes the batch in flight) repeats nothing. A process
//! killed between a send and its cursor write sends that one batch again on restart; every
//! event carries its ledger index (and a webhook batch a stable `webhook-id`) so the receiver
//! can drop the repeat (ADR 0022).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::AuditRecord;
use super::detect::RuleMatch;
use super::event::{Category, EventOutcome, Severity};
use super::index::{EventSource, IndexedEvent};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::governance::service::{party, short};
use crate::keys::{KeyService, tenant_scope};
use crate::ledger::LedgerService;
use crate::platform::model::{TenantId, uuid_id};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::{Store, StoreResult};

uuid_id!(
    /// Identifies a SIEM forwarder.
    ForwarderId
);

/// Most forwarders per tenant.
pub const MAX_FORWARDERS: usize = 100;
/// Largest batch.
pub const MAX_BATCH_SIZE: u32 = 1_000;
/// How long a node holds a forwarder while it sends a batch.
pub const LEASE_SECONDS: i64 = 30;
/// Longest wait between attempts at a failing destination.
pub const MAX_BACKOFF_SECONDS: i64 = 300;

/// Syslog over which transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyslogTransport {
    /// TCP with RFC 6587 octet counting.
    Tcp,
    /// UDP, one message per datagram.
    Udp,
}

/// How events are written to syslog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyslogFormat {
    /// RFC 5424 with the event in structured data.
    #[default]
    Rfc5424,
    /// ArcSight CEF inside an RFC 5424 header.
    Cef,
}

/// Where a forwarder sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Destination {
    /// A syslog collector.
    Syslog {
        /// `tcp` or `udp`.
        transport: SyslogTransport,
        /// `host:port`.
        address: String,
        /// `rfc5424` (default) or `cef`.
        #[serde(default)]
        format: SyslogFormat,
    },
    /// An HTTPS (or, for local collectors, HTTP) endpoint receiving signed JSON batches
    /// (Standard Webhooks headers).
    Webhook {
        /// The endpoint.
        url: String,
    },
}

impl Destination {
    fn check(&self) -> DomainResult<Destination> {
        match self {
            Destination::Syslog {
                transport,
                address,
                format,
            } => {
                let address = address.trim();
                let valid = address.rsplit_once(':').is_some_and(|(host, port)| {
                    !host.is_empty()
                        && host.len() <= 253
                        && !host.chars().any(|c| c.is_whitespace() || c.is_control())
                        && port.parse::<u16>().is_ok_and(|p| p > 0)
                });
                if !valid {
                    return Err(DomainError::invalid(
                        "destination.address",
                        "must be host:port, such as siem.example.com:6514 or 10.0.0.5:514",
                    ));
                }
                Ok(Destination::Syslog {
                    transport: *transport,
                    address: address.to_owned(),
                    format: *format,
                })
            }
            Destination::Webhook { url } => Ok(Destination::Webhook {
                url: crate::notify::rules::parse_url("destination.url", url)?,
            }),
        }
    }
}

/// Which entries a forwarder sends: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardFilter {
    /// Event type or dotted prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Severity at least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<EventOutcome>,
    /// `ingest` (sent by services) or `probity` (Probity's own records); both when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<EventSource>,
}

impl ForwardFilter {
    /// Whether the entry is sent.
    pub fn matches(&self, e: &IndexedEvent) -> bool {
        let matcher = RuleMatch {
            event_type: self.event_type.clone(),
            category: self.category,
            min_severity: self.min_severity,
            outcome: self.outcome,
        };
        matcher.matches(e) && self.source.is_none_or(|s| s == e.source)
    }
}

/// A forwarder's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forwarder {
    /// Id.
    pub id: ForwarderId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The tenant's slug, written into every message.
    pub tenant_slug: String,
    /// Unique per tenant.
    pub name: String,
    /// Where to.
    pub destination: Destination,
    /// What.
    #[serde(default)]
    pub filter: ForwardFilter,
    /// Most entries per batch.
    pub batch_size: u32,
    /// Paused when false.
    pub enabled: bool,
    /// Goes up with every change.
    pub version: u32,
    /// Who created it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The webhook signing secret, encrypted under the tenant's keyring (never shown again).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "sealed")]
    pub sealed_secret: Option<Vec<u8>>,
}

mod sealed {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_some(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| STANDARD.decode(t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Delivery progress beside the persisted cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ForwardProgress {
    /// Entries sent (after the filter) since the forwarder was created.
    pub delivered: u64,
    /// Failed attempts in a row (0 when the last one worked).
    pub failures: u32,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last delivered batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<DateTime<Utc>>,
    /// No attempt before this (backoff after failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<DateTime<Utc>>,
}

/// A forwarder as stored: definition, cursor, progress.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredForwarder {
    /// The definition.
    pub forwarder: Forwarder,
    /// First ledger index not yet delivered.
    pub next_index: u64,
    /// Delivery progress.
    pub progress: ForwardProgress,
}

/// A forwarder as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ForwarderView {
    /// Id.
    pub id: ForwarderId,
    /// Name.
    pub name: String,
    /// Where to.
    pub destination: Destination,
    /// What.
    pub filter: ForwardFilter,
    /// Most entries per batch.
    pub batch_size: u32,
    /// Paused when false.
    pub enabled: bool,
    /// Version, for updates.
    pub version: u32,
    /// Who created it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First ledger index not yet delivered.
    pub next_index: u64,
    /// Entries of the ledger not yet delivered (or skipped by the filter).
    pub lag: u64,
    /// Delivery progress.
    pub progress: ForwardProgress,
}

/// A new forwarder.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForwarder {
    /// Unique per tenant.
    pub name: String,
    /// Where to.
    pub destination: Destination,
    /// What (everything when absent).
    #[serde(default)]
    pub filter: ForwardFilter,
    /// Most entries per batch (1 to 1,000; default 500).
    #[serde(default)]
    pub batch_size: Option<u32>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// `now` (default: entries appended from now on) or `beginning` (the whole ledger).
    #[serde(default)]
    pub start: Option<String>,
}

/// A change to a forwarder; absent fields keep their value.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwarderUpdate {
    /// The version the caller read; a stale one is a conflict.
    pub version: u32,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New destination (a webhook keeps its secret).
    #[serde(default)]
    pub destination: Option<Destination>,
    /// New filter.
    #[serde(default)]
    pub filter: Option<ForwardFilter>,
    /// New batch size.
    #[serde(default)]
    pub batch_size: Option<u32>,
    /// Pause or resume.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A created forwarder, with a webhook's signing secret shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedForwarder {
    /// The forwarder.
    pub forwarder: ForwarderView,
    /// `whsec_...`: verify the `webhook-signature` header with it (webhooks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Storage of forwarders.
#[async_trait]
pub trait ForwarderStore: Send + Sync {
    /// Adds a forwarder with its cursor at `next_index`; `Duplicate` when the name is taken.
    async fn insert_forwarder(
        &self,
        f: &Forwarder,
        next_index: u64,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces the definition if the stored version is `f.version - 1`.
    async fn update_forwarder(&self, f: &Forwarder, event: &AuditRecord) -> StoreResult<bool>;
    /// Removes a forwarder.
    async fn delete_forwarder(
        &self,
        tenant: TenantId,
        id: ForwarderId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// The tenant's forwarders, by name.
    async fn forwarders(&self, tenant: TenantId) -> StoreResult<Vec<StoredForwarder>>;
    /// One forwarder.
    async fn forwarder(
        &self,
        tenant: TenantId,
        id: ForwarderId,
    ) -> StoreResult<Option<StoredForwarder>>;
    /// Every tenant's enabled forwarders.
    async fn enabled_forwarders(&self) -> StoreResult<Vec<StoredForwarder>>;
    /// Takes (or renews) the lease of `owner` until `until`, if no other owner holds an
    /// unexpired one at `now`.
    async fn lease_forwarder(
        &self,
        id: ForwarderId,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Moves the cursor from `from` to `to` and stores `progress`, if `owner` still holds the
    /// lease and the cursor is still at `from`.
    async fn advance_forwarder(
        &self,
        id: ForwarderId,
        owner: &str,
        from: u64,
        to: u64,
        progress: &ForwardProgress,
    ) -> StoreResult<bool>;
    /// Gives up `owner`'s lease, so another node (or this one after a restart) may send at once.
    async fn release_forwarder(&self, id: ForwarderId, owner: &str) -> StoreResult<()>;
    /// Stores `progress` (a failure) and gives up the lease, if `owner` holds it.
    async fn note_forwarder_failure(
        &self,
        id: ForwarderId,
        owner: &str,
        progress: &ForwardProgress,
    ) -> StoreResult<bool>;
}

/// Sends formatted batches; the server implements it over sockets and HTTP.
#[async_trait]
pub trait ForwardTransport: Send + Sync {
    /// Sends `events` (non-empty, in ledger order) to the forwarder's destination; `secret` is
    /// the webhook signing secret. An error is the reason shown in the forwarder's progress.
    async fn send(
        &self,
        forwarder: &Forwarder,
        secret: Option<&str>,
        events: &[IndexedEvent],
    ) -> Result<(), String>;
}

/// What one pass over the forwarders did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pumped {
    /// Batches delivered.
    pub batches: u32,
    /// Entries delivered (after filters).
    pub delivered: u64,
    /// Attempts that failed.
    pub failures: u32,
}

/// A duplicate name from the store as the conflict the caller sees.
fn name_taken(e: crate::store::StoreError, name: &str) -> DomainError {
    match e {
        crate::store::StoreError::Duplicate(_) => {
            DomainError::Conflict(format!("a forwarder named {name:?} exists"))
        }
        other => other.into(),
    }
}

fn secret_aad(id: ForwarderId) -> Vec<u8> {
    format!("probity/audit/forwarder/{id}").into_bytes()
}

/// The delay before attempt `failures + 1`: 2, 4, 8 ... seconds, at most five minutes.
pub fn backoff(failures: u32) -> Duration {
    let exp = failures.clamp(1, 9) - 1;
    Duration::seconds((2_i64 << exp).min(MAX_BACKOFF_SECONDS))
}

/// Forwarder use cases.
pub struct ForwarderService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: Arc<KeyService>,
    ledger: Arc<LedgerService>,
}

impl std::fmt::Debug for ForwarderService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwarderService").finish_non_exhaustive()
    }
}

fn batch_size(value: Option<u32>) -> DomainResult<u32> {
    let size = value.unwrap_or(500);
    if !(1..=MAX_BATCH_SIZE).contains(&size) {
        return Err(DomainError::invalid(
            "batch_size",
            format!("must be from 1 to {MAX_BATCH_SIZE}"),
        ));
    }
    Ok(size)
}

fn check_filter(filter: &ForwardFilter) -> DomainResult<()> {
    if let Some(t) = &filter.event_type {
        let t = t.trim_end_matches('.');
        if !super::event::is_event_type(t) {
            return Err(DomainError::invalid(
                "filter.event_type",
                "must be a dotted event type or prefix, such as user.login",
            ));
        }
    }
    Ok(())
}

impl ForwarderService {
    /// The service over the store, the ledger it reads and the keys that seal secrets.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyService>,
        ledger: Arc<LedgerService>,
    ) -> Self {
        Self {
            store,
            clock,
            keys,
            ledger,
        }
    }

    fn may_manage(who: &Principal) -> DomainResult<()> {
        who.require(Permission::Audit)?;
        who.require(Permission::ManageTenant)
    }

    async fn view(&self, s: StoredForwarder) -> DomainResult<ForwarderView> {
        let head = self
            .ledger
            .head(s.forwarder.tenant_id)
            .await
            .map_err(DomainError::from)?
            .map_or(0, |h| h.size);
        let f = s.forwarder;
        Ok(ForwarderView {
            id: f.id,
            name: f.name,
            destination: f.destination,
            filter: f.filter,
            batch_size: f.batch_size,
            enabled: f.enabled,
            version: f.version,
            created_by: f.created_by,
            created_at: f.created_at,
            updated_at: f.updated_at,
            next_index: s.next_index,
            lag: head.saturating_sub(s.next_index),
            progress: s.progress,
        })
    }

    async fn stored(&self, who: &Principal, id: ForwarderId) -> DomainResult<StoredForwarder> {
        self.store
            .forwarder(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("forwarder {id}")))
    }

    /// The tenant's forwarders (auditors and up).
    pub async fn list(&self, who: &Principal) -> DomainResult<Vec<ForwarderView>> {
        who.require(Permission::Audit)?;
        let mut out = Vec::new();
        for s in self.store.forwarders(who.tenant.id).await? {
            out.push(self.view(s).await?);
        }
        Ok(out)
    }

    /// One forwarder (auditors and up).
    pub async fn get(&self, who: &Principal, id: ForwarderId) -> DomainResult<ForwarderView> {
        who.require(Permission::Audit)?;
        let s = self.stored(who, id).await?;
        self.view(s).await
    }

    /// Adds a forwarder (owners and admins: it sends the tenant's trail elsewhere). Audited as
    /// `audit.forwarder.created`.
    pub async fn create(
        &self,
        who: &Principal,
        req: &NewForwarder,
    ) -> DomainResult<CreatedForwarder> {
        Self::may_manage(who)?;
        let name = short("name", &req.name, 200)?;
        let destination = req.destination.check()?;
        check_filter(&req.filter)?;
        let batch_size = batch_size(req.batch_size)?;
        let head = self
            .ledger
            .head(who.tenant.id)
            .await
            .map_err(DomainError::from)?
            .map_or(0, |h| h.size);
        let next_index = match req.start.as_deref().map(str::trim) {
            None | Some("now") => head,
            Some("beginning") => 0,
            Some(_) => {
                return Err(DomainError::invalid("start", "must be now or beginning"));
            }
        };
        if self.store.forwarders(who.tenant.id).await?.len() >= MAX_FORWARDERS {
            return Err(DomainError::Conflict(format!(
                "a tenant has at most {MAX_FORWARDERS} forwarders"
            )));
        }
        let id = ForwarderId::new();
        let (sealed_secret, secret) = match destination {
            Destination::Webhook { .. } => {
                let secret = probity_crypto::WebhookSecret::generate();
                let text = secret.to_text().as_str().to_owned();
                let sealed = self
                    .keys
                    .encrypt(
                        &tenant_scope(who.tenant.id),
                        text.as_bytes(),
                        &secret_aad(id),
                    )
                    .await?;
                (Some(sealed), Some(text))
            }
            Destination::Syslog { .. } => (None, None),
        };
        let now = self.clock.now();
        let forwarder = Forwarder {
            id,
            tenant_id: who.tenant.id,
            tenant_slug: who.tenant.slug.to_string(),
            name,
            destination,
            filter: req.filter.clone(),
            batch_size,
            enabled: req.enabled.unwrap_or(true),
            version: 1,
            created_by: party(who),
            created_at: now,
            updated_at: now,
            sealed_secret,
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "audit.forwarder.created",
            &who.actor,
            ("forwarder", id.to_string()),
            now,
        )
        .with_details(json!({
            "name": forwarder.name,
            "destination": forwarder.destination,
            "filter": forwarder.filter,
            "enabled": forwarder.enabled,
            "next_index": next_index,
        }));
        self.store
            .insert_forwarder(&forwarder, next_index, &event)
            .await
            .map_err(|e| name_taken(e, &forwarder.name))?;
        let view = self
            .view(StoredForwarder {
                forwarder,
                next_index,
                progress: ForwardProgress::default(),
            })
            .await?;
        Ok(CreatedForwarder {
            forwarder: view,
            secret,
        })
    }

    /// Changes a forwarder (same roles). Audited as `audit.forwarder.updated`.
    pub async fn update(
        &self,
        who: &Principal,
        id: ForwarderId,
        req: &ForwarderUpdate,
    ) -> DomainResult<ForwarderView> {
        Self::may_manage(who)?;
        let s = self.stored(who, id).await?;
        let old = s.forwarder.clone();
        if req.version != old.version {
            return Err(DomainError::Conflict(format!(
                "forwarder {id} is at version {}, not {}; read it again",
                old.version, req.version
            )));
        }
        let destination = match &req.destination {
            Some(d) => d.check()?,
            None => old.destination.clone(),
        };
        let is_webhook = matches!(destination, Destination::Webhook { .. });
        if is_webhook && old.sealed_secret.is_none() {
            return Err(DomainError::invalid(
                "destination",
                "a syslog forwarder cannot become a webhook; create a new forwarder",
            ));
        }
        if let Some(filter) = &req.filter {
            check_filter(filter)?;
        }
        let now = self.clock.now();
        let forwarder = Forwarder {
            name: match &req.name {
                Some(n) => short("name", n, 200)?,
                None => old.name.clone(),
            },
            destination,
            filter: req.filter.clone().unwrap_or_else(|| old.filter.clone()),
            batch_size: match req.batch_size {
                Some(b) => batch_size(Some(b))?,
                None => old.batch_size,
            },
            enabled: req.enabled.unwrap_or(old.enabled),
            version: old.version.saturating_add(1),
            updated_at: now,
            sealed_secret: if is_webhook {
                old.sealed_secret.clone()
            } else {
                None
            },
            ..old.clone()
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "audit.forwarder.updated",
            &who.actor,
            ("forwarder", id.to_string()),
            now,
        )
        .with_details(json!({
            "name": forwarder.name,
            "destination": forwarder.destination,
            "filter": forwarder.filter,
            "enabled": forwarder.enabled,
            "version": forwarder.version,
        }));
        let updated = self
            .store
            .update_forwarder(&forwarder, &event)
            .await
            .map_err(|e| name_taken(e, &forwarder.name))?;
        if !updated {
            return Err(DomainError::Conflict(format!(
                "forwarder {id} changed meanwhile; read it again"
            )));
        }
        self.view(StoredForwarder {
            forwarder,
            next_index: s.next_index,
            progress: s.progress,
        })
        .await
    }

    /// Removes a forwarder (same roles). Audited as `audit.forwarder.deleted`.
    pub async fn delete(&self, who: &Principal, id: ForwarderId) -> DomainResult<()> {
        Self::may_manage(who)?;
        let s = self.stored(who, id).await?;
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "audit.forwarder.deleted",
            &who.actor,
            ("forwarder", id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({ "name": s.forwarder.name, "next_index": s.next_index }));
        if !self
            .store
            .delete_forwarder(who.tenant.id, id, &event)
            .await?
        {
            return Err(DomainError::NotFound(format!("forwarder {id}")));
        }
        Ok(())
    }

    /// One pass: every enabled forwarder that is due and not leased elsewhere sends what the
    /// ledger holds past its cursor, batch by batch, until it is caught up, a send fails, or
    /// `max_batches` batches went out. `owner` names this node in leases.
    pub async fn pump(
        &self,
        owner: &str,
        transport: &dyn ForwardTransport,
        max_batches: u32,
    ) -> DomainResult<Pumped> {
        let mut pumped = Pumped::default();
        for s in self.store.enabled_forwarders().await? {
            let now = self.clock.now();
            if s.progress.retry_at.is_some_and(|at| at > now) {
                continue;
            }
            match self.pump_one(owner, transport, s, max_batches).await {
                Ok(p) => {
                    pumped.batches += p.batches;
                    pumped.delivered += p.delivered;
                    pumped.failures += p.failures;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "forwarder pass failed");
                    pumped.failures += 1;
                }
            }
        }
        Ok(pumped)
    }

    /// Leases the forwarder, sends its batches, and gives the lease up again (a failure gives
    /// it up as it records the failure).
    async fn pump_one(
        &self,
        owner: &str,
        transport: &dyn ForwardTransport,
        s: StoredForwarder,
        max_batches: u32,
    ) -> DomainResult<Pumped> {
        let id = s.forwarder.id;
        let now = self.clock.now();
        if !self
            .store
            .lease_forwarder(id, owner, now, now + Duration::seconds(LEASE_SECONDS))
            .await?
        {
            return Ok(Pumped::default());
        }
        let result = self.send_batches(owner, transport, s, max_batches).await;
        if !matches!(&result, Ok(p) if p.failures > 0) {
            self.store.release_forwarder(id, owner).await?;
        }
        result
    }

    async fn send_batches(
        &self,
        owner: &str,
        transport: &dyn ForwardTransport,
        s: StoredForwarder,
        max_batches: u32,
    ) -> DomainResult<Pumped> {
        let f = &s.forwarder;
        let mut pumped = Pumped::default();
        let secret =
            match &f.sealed_secret {
                Some(sealed) => {
                    let plain = self
                        .keys
                        .decrypt(&tenant_scope(f.tenant_id), sealed, &secret_aad(f.id))
                        .await?;
                    Some(String::from_utf8(plain).map_err(|_| {
                        DomainError::Internal("forwarder secret is not text".into())
                    })?)
                }
                None => None,
            };
        let mut cursor = s.next_index;
        let mut progress = s.progress.clone();
        for _ in 0..max_batches {
            let head = self
                .ledger
                .head(f.tenant_id)
                .await
                .map_err(DomainError::from)?
                .map_or(0, |h| h.size);
            if cursor >= head {
                break;
            }
            let to = head.min(cursor.saturating_add(u64::from(f.batch_size)));
            let opened = self
                .ledger
                .open_payloads(f.tenant_id, cursor, to)
                .await
                .map_err(DomainError::from)?;
            let events: Vec<IndexedEvent> = opened
                .into_iter()
                .filter_map(|p| {
                    p.content
                        .ok()
                        .and_then(|v| IndexedEvent::from_payload(p.seq, v))
                })
                .filter(|e| f.filter.matches(e))
                .collect();
            let now = self.clock.now();
            progress.last_attempt_at = Some(now);
            let sent = if events.is_empty() {
                Ok(())
            } else {
                transport.send(f, secret.as_deref(), &events).await
            };
            match sent {
                Ok(()) => {
                    progress.delivered = progress
                        .delivered
                        .saturating_add(u64::try_from(events.len()).unwrap_or(u64::MAX));
                    progress.failures = 0;
                    progress.last_error = None;
                    progress.retry_at = None;
                    if !events.is_empty() {
                        progress.last_success_at = Some(now);
                    }
                    if !self
                        .store
                        .advance_forwarder(f.id, owner, cursor, to, &progress)
                        .await?
                    {
                        // The lease was lost (another node took over): stop here.
                        return Ok(pumped);
                    }
                    if !events.is_empty() {
                        pumped.batches += 1;
                        pumped.delivered += u64::try_from(events.len()).unwrap_or(u64::MAX);
                    }
                    cursor = to;
                    self.store
                        .lease_forwarder(f.id, owner, now, now + Duration::seconds(LEASE_SECONDS))
                        .await?;
                }
                Err(reason) => {
                    progress.failures = progress.failures.saturating_add(1);
                    progress.last_error = Some(reason.chars().take(500).collect());
                    progress.retry_at = Some(now + backoff(progress.failures));
                    self.store
                        .note_forwarder_failure(f.id, owner, &progress)
                        .await?;
                    tracing::warn!(forwarder = %f.id, tenant = %f.tenant_slug, failures = progress.failures, reason = %reason, "forwarding failed; will retry");
                    pumped.failures += 1;
                    return Ok(pumped);
                }
            }
        }
        Ok(pumped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_minutes() {
        let secs: Vec<i64> = (1..=12).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(
            secs,
            vec![2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
        );
    }

    #[test]
    fn destinations_are_checked() {
        let syslog = |a: &str| Destination::Syslog {
            transport: SyslogTransport::Tcp,
            address: a.to_owned(),
            format: SyslogFormat::Cef,
        };
        assert!(syslog("siem.example.com:6514").check().is_ok());
        assert!(syslog("[::1]:514").check().is_ok());
        for bad in ["siem.example.com", ":514", "h:0", "h:70000", "a b:1"] {
            assert!(syslog(bad).check().is_err(), "{bad}");
        }
        let hook = |u: &str| Destination::Webhook { url: u.to_owned() };
        assert!(hook("https://siem.example.com/in").check().is_ok());
        for bad in ["ftp://x/y", "not a url", "https://u:p@x.example/"] {
            assert!(hook(bad).check().is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_take_prefixes_and_sources() {
        let e = IndexedEvent::from_payload(
            1,
            json!({
                "event_type": "user.login.failed", "category": "authentication", "severity": "high",
                "actor": { "type": "user", "id": "u", "name": "u" }, "action": "failed",
                "outcome": "failure", "occurred_at": "2026-03-01T10:00:00Z",
                "recorded_at": "2026-03-01T10:00:00Z", "details": {},
                "submitted_by": { "type": "api_token", "id": "t" },
            }),
        )
        .expect("event");
        let filter: ForwardFilter =
            serde_json::from_value(json!({ "event_type": "user.login", "source": "ingest" }))
                .expect("filter");
        assert!(filter.matches(&e));
        let filter: ForwardFilter =
            serde_json::from_value(json!({ "min_severity": "critical" })).expect("filter");
        assert!(!filter.matches(&e));
        let filter: ForwardFilter =
            serde_json::from_value(json!({ "source": "probity" })).expect("filter");
        assert!(!filter.matches(&e));
        assert!(
            check_filter(&serde_json::from_value(json!({ "event_type": "Bad" })).expect("f"))
                .is_err()
        );
    }
}
