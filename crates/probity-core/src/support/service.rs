//! Support desk use cases over the store port: the configuration (calendars, policies,
//! routing), creating tickets (routed, with the policy of their tier × priority applied),
//! changing them, moving them through their workflow, responses and internal notes, the
//! metrics and the dashboard overview. Every change is one audit event written in the same
//! transaction as the change; the SLA sweep is in [`super::sweep`].

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::config::SupportConfig;
use super::metrics::{self, SupportMetrics};
use super::sla::{ClockState, SlaClock};
use super::ticket::{Author, Priority, Ticket, TicketId, TicketStatus, TicketView};
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::party;
use crate::notify::NotifyService;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

pub use super::sweep::SweepReport;

const MAX_TEXT: usize = 20_000;
const MAX_LINE: usize = 200;
/// The longest metrics period.
pub const MAX_METRICS_DAYS: i64 = 400;

/// A new ticket.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// The customer's reference (account or contact id).
    pub customer_ref: String,
    /// The customer's organization.
    #[serde(default)]
    pub organization: String,
    /// Short title.
    pub title: String,
    /// What the customer reported.
    #[serde(default)]
    pub description: String,
    /// Category; the routing rules pick the queue from it.
    pub category: String,
    /// Priority (`normal` when absent).
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Support tier: one the policies name.
    pub tier: String,
    /// The agent to work on it.
    #[serde(default)]
    pub assignee: Option<String>,
    /// A queue chosen by hand (the routing rules decide when absent).
    #[serde(default)]
    pub queue: Option<String>,
    /// When the customer opened it (now when absent; for tickets imported from another
    /// desk); not in the future.
    #[serde(default)]
    pub opened_at: Option<DateTime<Utc>>,
}

/// Changes to a ticket's fields; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New category (the queue stays unless given too).
    #[serde(default)]
    pub category: Option<String>,
    /// New priority: the clocks take the new targets, keeping what they consumed.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// New tier: likewise.
    #[serde(default)]
    pub tier: Option<String>,
    /// New assignee (empty to unassign).
    #[serde(default)]
    pub assignee: Option<String>,
    /// New queue.
    #[serde(default)]
    pub queue: Option<String>,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// A status change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The status to move to.
    pub status: TicketStatus,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// A public response, from an agent or the customer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResponse {
    /// The text.
    pub body: String,
    /// Who wrote it (`agent` when absent).
    #[serde(default)]
    pub author: Author,
    /// A status to move to with it (e.g. `pending_customer` with a question).
    #[serde(default)]
    pub status: Option<TicketStatus>,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// An internal note (never shown to the customer; no effect on the clocks).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// The text.
    pub body: String,
    /// The version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// Filters of the ticket list; absent ones match everything.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketFilter {
    /// Only this queue.
    #[serde(default)]
    pub queue: Option<String>,
    /// Only this status.
    #[serde(default)]
    pub status: Option<TicketStatus>,
    /// Only this priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Only this tier.
    #[serde(default)]
    pub tier: Option<String>,
    /// Only this assignee.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Only tickets in this SLA state.
    #[serde(default)]
    pub sla_state: Option<ClockState>,
}

/// What the dashboard shows of the support desk.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SupportOverview {
    /// Tickets neither solved nor closed.
    pub open: usize,
    /// Of those, within a warning lead time of a due time.
    pub at_risk: usize,
    /// Of those, past a due time.
    pub breached: usize,
    /// Of those, waiting on the customer with their clocks paused.
    pub paused: usize,
    /// The open tickets most urgent first (breached, at risk, then by due time), at most ten.
    pub next: Vec<TicketView>,
}

/// Support desk use cases.
pub struct SupportService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) notify: Option<Arc<NotifyService>>,
    pub(super) public_url: String,
}

impl std::fmt::Debug for SupportService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupportService").finish_non_exhaustive()
    }
}

fn text(field: &str, value: &str, max: usize, required: bool) -> DomainResult<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(DomainError::invalid(field, "is required"));
    }
    if v.len() > max {
        return Err(DomainError::invalid(field, format!("at most {max} bytes")));
    }
    Ok(v.to_owned())
}

fn label(field: &str, value: &str) -> DomainResult<String> {
    let v = text(field, value, 64, true)?.to_ascii_lowercase();
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(DomainError::invalid(
            field,
            "letters, digits, '-', '_' and '.' only",
        ));
    }
    Ok(v)
}

fn stale(expected: Option<u32>, actual: u32) -> DomainResult<()> {
    if let Some(v) = expected
        && v != actual
    {
        return Err(DomainError::Conflict(format!(
            "the ticket is at version {actual}, not {v}: reload and try again"
        )));
    }
    Ok(())
}

fn urgency(v: &TicketView) -> (u8, Option<DateTime<Utc>>) {
    let rank = match v.sla_state {
        ClockState::Breached => 0,
        ClockState::AtRisk => 1,
        ClockState::Running => 2,
        ClockState::Paused => 3,
        ClockState::Met => 4,
    };
    (rank, v.next_due_at)
}

impl SupportService {
    /// A service over the store and the clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            notify: None,
            public_url: String::new(),
        }
    }

    /// Raises SLA warnings and escalations through `notify`, linking to `public_url`.
    #[must_use]
    pub fn with_notify(mut self, notify: Arc<NotifyService>, public_url: &str) -> Self {
        self.notify = Some(notify);
        self.public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    /// The service clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) fn event(
        &self,
        who: &Principal,
        kind: &str,
        ticket: &Ticket,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            kind,
            &who.actor,
            ("support_ticket", ticket.id.to_string()),
            self.clock.now(),
        )
        .with_details(details)
    }

    async fn stored_config(&self, who: &Principal) -> DomainResult<SupportConfig> {
        Ok(self
            .store
            .support_config(who.tenant.id)
            .await?
            .unwrap_or_default())
    }

    /// The support configuration (the shipped default until one is saved; any member).
    pub async fn config(&self, who: &Principal) -> DomainResult<SupportConfig> {
        who.require(Permission::Read)?;
        self.stored_config(who).await
    }

    /// Replaces the configuration (admins); `version` must be the one read (0 for the shipped
    /// default, before anything is saved), else a conflict. Tickets keep the
    /// policy they were opened under until their priority or tier changes. Audited as
    /// `support.config.updated`.
    pub async fn put_config(
        &self,
        who: &Principal,
        input: &SupportConfig,
    ) -> DomainResult<SupportConfig> {
        who.require(Permission::ManageTenant)?;
        let mut config = input.checked()?;
        let current = self.stored_config(who).await?;
        if config.version != current.version {
            return Err(DomainError::Conflict(format!(
                "the support configuration is at version {}, not {}: reload and try again",
                current.version, config.version
            )));
        }
        let expected = current.version;
        config.version = expected + 1;
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "support.config.updated",
            &who.actor,
            ("support_config", who.tenant.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({
            "version": config.version,
            "calendars": config.calendars.iter().map(|c| &c.key).collect::<Vec<_>>(),
            "policies": config.policies, "routing": config.routing,
            "default_queue": config.default_queue, "pause_on_hold": config.pause_on_hold,
        }));
        if !self
            .store
            .put_support_config(who.tenant.id, &config, expected, &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the support configuration changed meanwhile: reload and try again".into(),
            ));
        }
        Ok(config)
    }

    /// A ticket read at `now`.
    pub(super) fn view(ticket: Ticket, now: DateTime<Utc>) -> DomainResult<TicketView> {
        let hours = ticket.policy.hours()?;
        Ok(ticket.view(&hours, now))
    }

    /// The tenant's tickets with their clocks: open ones most urgent first (breached, at
    /// risk, then by due time), then solved and closed ones latest first (any member).
    pub async fn tickets(
        &self,
        who: &Principal,
        filter: &TicketFilter,
    ) -> DomainResult<Vec<TicketView>> {
        who.require(Permission::Read)?;
        let now = self.clock.now();
        let lower = |s: &Option<String>| s.as_deref().map(|x| x.trim().to_ascii_lowercase());
        let (queue, tier) = (lower(&filter.queue), lower(&filter.tier));
        let mut views = Vec::new();
        for t in self.store.list_support_tickets(who.tenant.id).await? {
            if queue.as_ref().is_some_and(|q| *q != t.queue)
                || tier.as_ref().is_some_and(|x| *x != t.tier)
                || filter.status.is_some_and(|s| s != t.status)
                || filter.priority.is_some_and(|p| p != t.priority)
                || filter
                    .assignee
                    .as_ref()
                    .is_some_and(|a| Some(a.trim()) != t.assignee.as_deref())
            {
                continue;
            }
            let v = Self::view(t, now)?;
            if filter.sla_state.is_some_and(|s| s != v.sla_state) {
                continue;
            }
            views.push(v);
        }
        views.sort_by(|a, b| {
            let (da, db) = (a.ticket.status.is_done(), b.ticket.status.is_done());
            da.cmp(&db).then_with(|| {
                if da {
                    b.ticket.updated_at.cmp(&a.ticket.updated_at)
                } else {
                    urgency(a).cmp(&urgency(b))
                }
            })
        });
        Ok(views)
    }

    pub(super) async fn load(&self, who: &Principal, id: TicketId) -> DomainResult<Ticket> {
        self.store
            .support_ticket(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("support ticket {id}")))
    }

    /// One ticket with its messages, history and clocks (any member).
    pub async fn ticket(&self, who: &Principal, id: TicketId) -> DomainResult<TicketView> {
        who.require(Permission::Read)?;
        let t = self.load(who, id).await?;
        Self::view(t, self.clock.now())
    }

    /// Opens a ticket (editors): routed by category unless a queue is given, its clocks
    /// running under the policy of its tier × priority from `opened_at`. Audited as
    /// `support.ticket.created`.
    pub async fn create_ticket(
        &self,
        who: &Principal,
        req: &NewTicket,
    ) -> DomainResult<TicketView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        let config = self.stored_config(who).await?;
        let customer_ref = text("customer_ref", &req.customer_ref, MAX_LINE, true)?;
        let organization = text("organization", &req.organization, MAX_LINE, false)?;
        let title = text("title", &req.title, MAX_LINE, true)?;
        let description = text("description", &req.description, MAX_TEXT, false)?;
        let category = label("category", &req.category)?;
        let tier = label("tier", &req.tier)?;
        let priority = req.priority.unwrap_or(Priority::Normal);
        let policy = config.policy_for(&tier, priority)?;
        let queue = match &req.queue {
            Some(q) => label("queue", q)?,
            None => config.route(&category),
        };
        let assignee = req
            .assignee
            .as_deref()
            .map(|a| text("assignee", a, MAX_LINE, false))
            .transpose()?
            .filter(|a| !a.is_empty());
        let opened_at = req.opened_at.unwrap_or(now);
        if opened_at > now {
            return Err(DomainError::invalid("opened_at", "cannot be in the future"));
        }
        let count = self.store.list_support_tickets(who.tenant.id).await?.len();
        let ticket = Ticket {
            id: TicketId::new(),
            tenant_id: who.tenant.id,
            reference: format!("SUP-{:04}", count + 1),
            customer_ref,
            organization,
            title,
            description,
            category,
            priority,
            tier,
            status: TicketStatus::New,
            assignee,
            queue,
            first_response: SlaClock::start(policy.first_response_minutes, opened_at),
            resolution: SlaClock::start(policy.resolution_minutes, opened_at),
            policy,
            messages: vec![],
            history: vec![],
            first_responded_at: None,
            solved_at: None,
            created_at: opened_at,
            updated_at: now,
            created_by: party(who),
            version: 1,
        };
        let view = Self::view(ticket, now)?;
        let t = &view.ticket;
        let event = self.event(
            who,
            "support.ticket.created",
            t,
            json!({
                "reference": t.reference, "customer_ref": t.customer_ref,
                "organization": t.organization, "title": t.title, "category": t.category,
                "priority": t.priority, "tier": t.tier, "queue": t.queue,
                "assignee": t.assignee, "opened_at": t.created_at,
                "first_response_due": view.first_response_clock.due_at,
                "resolution_due": view.resolution_clock.due_at,
            }),
        );
        self.store.insert_support_ticket(t, &event).await?;
        Ok(view)
    }

    /// Writes `t` (already changed, version bumped) over `expected`, with its event.
    async fn save(&self, t: &Ticket, expected: u32, event: &AuditRecord) -> DomainResult<()> {
        if !self.store.update_support_ticket(t, expected, event).await? {
            return Err(DomainError::Conflict(
                "the ticket changed meanwhile: reload and try again".into(),
            ));
        }
        Ok(())
    }

    /// Changes a ticket's fields (editors); a new priority or tier gives the clocks new
    /// targets, keeping what they consumed. Audited as `support.ticket.updated` with the
    /// changes.
    pub async fn update_ticket(
        &self,
        who: &Principal,
        id: TicketId,
        u: &TicketUpdate,
    ) -> DomainResult<TicketView> {
        who.require(Permission::Write)?;
        let mut t = self.load(who, id).await?;
        stale(u.version, t.version)?;
        let expected = t.version;
        let now = self.clock.now();
        let mut changes = serde_json::Map::new();
        if let Some(x) = &u.title {
            t.title = text("title", x, MAX_LINE, true)?;
            changes.insert("title".into(), json!(t.title));
        }
        if let Some(x) = &u.category {
            t.category = label("category", x)?;
            changes.insert("category".into(), json!(t.category));
        }
        if let Some(x) = &u.queue {
            t.queue = label("queue", x)?;
            changes.insert("queue".into(), json!(t.queue));
        }
        if let Some(x) = &u.assignee {
            let a = text("assignee", x, MAX_LINE, false)?;
            t.assignee = (!a.is_empty()).then_some(a);
            changes.insert("assignee".into(), json!(t.assignee));
        }
        let tier = match &u.tier {
            Some(x) => label("tier", x)?,
            None => t.tier.clone(),
        };
        let priority = u.priority.unwrap_or(t.priority);
        if tier != t.tier || priority != t.priority {
            let config = self.stored_config(who).await?;
            let policy = config.policy_for(&tier, priority)?;
            let hours = t.policy.hours()?;
            t.apply_policy(&hours, policy, now);
            changes.insert("tier".into(), json!(tier));
            changes.insert("priority".into(), json!(priority));
            changes.insert(
                "targets".into(),
                json!({
                    "first_response_minutes": t.policy.first_response_minutes,
                    "resolution_minutes": t.policy.resolution_minutes,
                }),
            );
            t.tier = tier;
            t.priority = priority;
        }
        if changes.is_empty() {
            return Err(DomainError::invalid("body", "change at least one field"));
        }
        t.version += 1;
        t.updated_at = now;
        changes.insert("reference".into(), json!(t.reference));
        changes.insert("version".into(), json!(t.version));
        let event = self.event(
            who,
            "support.ticket.updated",
            &t,
            serde_json::Value::Object(changes),
        );
        self.save(&t, expected, &event).await?;
        Self::view(t, now)
    }

    /// Moves a ticket through its workflow (editors): `pending_customer` pauses the clocks,
    /// leaving it resumes them, `solved` stops them, `open` after `solved` reopens. An
    /// illegal move is a 422 naming `status`. Audited as `support.ticket.status_changed`.
    pub async fn set_status(
        &self,
        who: &Principal,
        id: TicketId,
        s: &StatusInput,
    ) -> DomainResult<TicketView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        self.set_status_at(who, id, s, now).await
    }

    pub(super) async fn set_status_at(
        &self,
        who: &Principal,
        id: TicketId,
        s: &StatusInput,
        at: DateTime<Utc>,
    ) -> DomainResult<TicketView> {
        let mut t = self.load(who, id).await?;
        stale(s.version, t.version)?;
        let expected = t.version;
        let from = t.status;
        if from == s.status {
            return Err(DomainError::invalid(
                "status",
                format!("the ticket is already {}", from.as_str()),
            ));
        }
        let hours = t.policy.hours()?;
        t.set_status(&hours, s.status, &party(who), at)?;
        t.version += 1;
        t.updated_at = at;
        let view = t.clone().view(&hours, at);
        let event = self.event(
            who,
            "support.ticket.status_changed",
            &t,
            json!({
                "reference": t.reference, "from": from, "to": t.status,
                "first_response": view.first_response_clock.state,
                "resolution": view.resolution_clock.state,
                "resolution_consumed_minutes": view.resolution_clock.consumed_minutes,
                "version": t.version,
            }),
        );
        self.save(&t, expected, &event).await?;
        Self::view(t, self.clock.now())
    }

    /// Adds a public response (editors; from an agent, or a customer's reply recorded by
    /// one). The first agent response stops the first-response clock; a customer reply
    /// resumes clocks paused for them. Audited as `support.ticket.responded`.
    pub async fn respond(
        &self,
        who: &Principal,
        id: TicketId,
        r: &NewResponse,
    ) -> DomainResult<TicketView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        self.respond_at(who, id, r, now).await
    }

    pub(super) async fn respond_at(
        &self,
        who: &Principal,
        id: TicketId,
        r: &NewResponse,
        at: DateTime<Utc>,
    ) -> DomainResult<TicketView> {
        let body = text("body", &r.body, MAX_TEXT, true)?;
        let mut t = self.load(who, id).await?;
        stale(r.version, t.version)?;
        let expected = t.version;
        let from = t.status;
        let hours = t.policy.hours()?;
        let by = party(who);
        t.add_message(&hours, true, r.author, body, &by, at)?;
        if let Some(status) = r.status
            && status != t.status
        {
            t.set_status(&hours, status, &by, at)?;
        }
        t.version += 1;
        t.updated_at = at;
        let event = self.event(
            who,
            "support.ticket.responded",
            &t,
            json!({
                "reference": t.reference, "author": r.author, "seq": t.messages.len(),
                "from": from, "to": t.status,
                "first_response_at": t.first_responded_at, "version": t.version,
            }),
        );
        self.save(&t, expected, &event).await?;
        Self::view(t, self.clock.now())
    }

    /// Adds an internal note (editors); the clocks do not notice. Audited as
    /// `support.ticket.noted`.
    pub async fn add_note(
        &self,
        who: &Principal,
        id: TicketId,
        n: &NewNote,
    ) -> DomainResult<TicketView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        self.note_at(who, id, n, now).await
    }

    pub(super) async fn note_at(
        &self,
        who: &Principal,
        id: TicketId,
        n: &NewNote,
        now: DateTime<Utc>,
    ) -> DomainResult<TicketView> {
        let body = text("body", &n.body, MAX_TEXT, true)?;
        let mut t = self.load(who, id).await?;
        stale(n.version, t.version)?;
        let expected = t.version;
        let hours = t.policy.hours()?;
        t.add_message(&hours, false, Author::Agent, body, &party(who), now)?;
        t.version += 1;
        t.updated_at = now;
        let event = self.event(
            who,
            "support.ticket.noted",
            &t,
            json!({"reference": t.reference, "seq": t.messages.len(), "version": t.version}),
        );
        self.save(&t, expected, &event).await?;
        Self::view(t, self.clock.now())
    }

    /// First-response and resolution times and breach rates of the tickets opened in
    /// `[from, to)` (the last 30 days when absent), overall and by agent, tier and priority
    /// (any member).
    pub async fn metrics(
        &self,
        who: &Principal,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> DomainResult<SupportMetrics> {
        who.require(Permission::Read)?;
        let now = self.clock.now();
        let to = to.unwrap_or(now);
        let from = from.unwrap_or(to - Duration::days(30));
        if from >= to {
            return Err(DomainError::invalid("from", "must be before to"));
        }
        if to - from > Duration::days(MAX_METRICS_DAYS) {
            return Err(DomainError::invalid(
                "to",
                format!("a period spans at most {MAX_METRICS_DAYS} days"),
            ));
        }
        let mut views = Vec::new();
        for t in self.store.list_support_tickets(who.tenant.id).await? {
            if t.created_at >= from && t.created_at < to {
                views.push(Self::view(t, now)?);
            }
        }
        Ok(metrics::compute(&views, from, to))
    }

    /// Open tickets, how many are at risk or breached, and the most urgent (any member).
    pub async fn overview(&self, who: &Principal) -> DomainResult<SupportOverview> {
        let open: Vec<TicketView> = self
            .tickets(who, &TicketFilter::default())
            .await?
            .into_iter()
            .filter(|v| !v.ticket.status.is_done())
            .collect();
        let count = |s: ClockState| open.iter().filter(|v| v.sla_state == s).count();
        Ok(SupportOverview {
            open: open.len(),
            at_risk: count(ClockState::AtRisk),
            breached: count(ClockState::Breached),
            paused: count(ClockState::Paused),
            next: open.into_iter().take(10).collect(),
        })
    }
}
