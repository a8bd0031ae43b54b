//! Support tickets: priority, status workflow `new → open ⇄ pending_customer ⇄ on_hold →
//! solved → closed` (a solved ticket reopens), public responses from agents and customers,
//! internal notes, and the two SLA clocks with the rules that pause, resume and stop them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::config::AppliedPolicy;
use super::hours::Hours;
use super::sla::{ClockState, ClockView, SlaClock};
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a support ticket.
    TicketId
);

/// How urgent a ticket is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Business stopped.
    Urgent,
    /// Seriously impaired.
    High,
    /// The usual.
    Normal,
    /// Questions and wishes.
    Low,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    /// The wire name parsed back.
    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Where a ticket is in its workflow.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Not yet looked at.
    New,
    /// Being worked on.
    Open,
    /// Waiting on the customer: the clocks pause.
    PendingCustomer,
    /// Waiting on a third party (pauses the clocks when so configured).
    OnHold,
    /// Answered; reopens when the customer replies.
    Solved,
    /// Done for good.
    Closed,
}

impl TicketStatus {
    /// Every status.
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::New,
        TicketStatus::Open,
        TicketStatus::PendingCustomer,
        TicketStatus::OnHold,
        TicketStatus::Solved,
        TicketStatus::Closed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Open => "open",
            TicketStatus::PendingCustomer => "pending_customer",
            TicketStatus::OnHold => "on_hold",
            TicketStatus::Solved => "solved",
            TicketStatus::Closed => "closed",
        }
    }

    /// The wire name parsed back.
    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Solved or closed.
    pub fn is_done(self) -> bool {
        matches!(self, TicketStatus::Solved | TicketStatus::Closed)
    }

    /// The statuses a ticket may move to from here.
    pub fn next(self) -> &'static [TicketStatus] {
        use TicketStatus as S;
        match self {
            S::New => &[S::Open, S::PendingCustomer, S::OnHold, S::Solved],
            S::Open => &[S::PendingCustomer, S::OnHold, S::Solved],
            S::PendingCustomer => &[S::Open, S::OnHold, S::Solved],
            S::OnHold => &[S::Open, S::PendingCustomer, S::Solved],
            S::Solved => &[S::Open, S::Closed],
            S::Closed => &[],
        }
    }

    /// Whether the clocks stand still in this status.
    pub fn pauses(self, pause_on_hold: bool) -> bool {
        self == TicketStatus::PendingCustomer || (pause_on_hold && self == TicketStatus::OnHold)
    }
}

/// Who wrote a message.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// A support agent.
    #[default]
    Agent,
    /// The customer.
    Customer,
}

/// A response (public) or an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// 1, 2, ... in the ticket.
    pub seq: u32,
    /// Seen by the customer (a response) or not (an internal note).
    pub public: bool,
    /// Agent or customer.
    pub author: Author,
    /// Who recorded it.
    pub by: Party,
    /// The text.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// From.
    pub from: TicketStatus,
    /// To.
    pub to: TicketStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Party,
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `SUP-0001`, ...
    pub reference: String,
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
    /// Category (routing uses it).
    pub category: String,
    /// Priority.
    pub priority: Priority,
    /// Support tier.
    pub tier: String,
    /// Status.
    pub status: TicketStatus,
    /// The agent working on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The queue it sits in.
    pub queue: String,
    /// The policy its clocks run under.
    pub policy: AppliedPolicy,
    /// Until the first public agent response.
    pub first_response: SlaClock,
    /// Until solved.
    pub resolution: SlaClock,
    /// Responses and notes, oldest first.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Status changes, oldest first.
    #[serde(default)]
    pub history: Vec<StatusChange>,
    /// The first public agent response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_responded_at: Option<DateTime<Utc>>,
    /// The last time it was solved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_at: Option<DateTime<Utc>>,
    /// When it opened (the clocks start here).
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who logged it.
    pub created_by: Party,
    /// Bumped by every change (optimistic concurrency).
    pub version: u32,
}

/// A ticket with its clocks read at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    /// The ticket.
    #[serde(flatten)]
    pub ticket: Ticket,
    /// The first-response clock.
    pub first_response_clock: ClockView,
    /// The resolution clock.
    pub resolution_clock: ClockView,
    /// The worst of the two: breached, at risk, running, paused, met.
    pub sla_state: ClockState,
    /// The earlier due time of the clocks still counting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due_at: Option<DateTime<Utc>>,
}

/// The clocks of a ticket by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// First response.
    FirstResponse,
    /// Resolution.
    Resolution,
}

impl ClockKind {
    /// Both.
    pub const ALL: [ClockKind; 2] = [ClockKind::FirstResponse, ClockKind::Resolution];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first_response",
            ClockKind::Resolution => "resolution",
        }
    }

    /// "first response" / "resolution".
    pub fn label(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first response",
            ClockKind::Resolution => "resolution",
        }
    }
}

fn severity_rank(s: ClockState) -> u8 {
    match s {
        ClockState::Met => 0,
        ClockState::Paused => 1,
        ClockState::Running => 2,
        ClockState::AtRisk => 3,
        ClockState::Breached => 4,
    }
}

impl Ticket {
    /// A clock by kind.
    pub fn clock(&self, kind: ClockKind) -> &SlaClock {
        match kind {
            ClockKind::FirstResponse => &self.first_response,
            ClockKind::Resolution => &self.resolution,
        }
    }

    /// A clock by kind, to change.
    pub fn clock_mut(&mut self, kind: ClockKind) -> &mut SlaClock {
        match kind {
            ClockKind::FirstResponse => &mut self.first_response,
            ClockKind::Resolution => &mut self.resolution,
        }
    }

    fn clocks_mut(&mut self) -> [&mut SlaClock; 2] {
        [&mut self.first_response, &mut self.resolution]
    }

    /// Moves the ticket to `to`, pausing, resuming, stopping or reopening the clocks.
    pub fn set_status(
        &mut self,
        hours: &Hours,
        to: TicketStatus,
        by: &Party,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        let from = self.status;
        if from == to {
            return Ok(());
        }
        if !from.next().contains(&to) {
            let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
            return Err(DomainError::invalid(
                "status",
                format!(
                    "a ticket cannot move from {} to {} (allowed: {})",
                    from.as_str(),
                    to.as_str(),
                    if allowed.is_empty() {
                        "none, it is closed".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        let pause_on_hold = self.policy.pause_on_hold;
        if from == TicketStatus::Solved && to == TicketStatus::Open {
            self.resolution.reopen(at);
        }
        if !from.pauses(pause_on_hold) && to.pauses(pause_on_hold) {
            for c in self.clocks_mut() {
                c.pause(hours, at);
            }
        } else if from.pauses(pause_on_hold) && !to.pauses(pause_on_hold) {
            for c in self.clocks_mut() {
                c.resume(at);
            }
        }
        if to == TicketStatus::Solved {
            for c in self.clocks_mut() {
                c.stop(hours, at);
            }
            self.solved_at = Some(at);
        }
        self.history.push(StatusChange {
            from,
            to,
            at,
            by: by.clone(),
        });
        self.status = to;
        Ok(())
    }

    /// Adds a message. A public agent response stops the first-response clock and opens a new
    /// ticket; a customer reply to a ticket waiting on them, or solved, opens it again.
    pub fn add_message(
        &mut self,
        hours: &Hours,
        public: bool,
        author: Author,
        body: String,
        by: &Party,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        if self.status == TicketStatus::Closed {
            return Err(DomainError::invalid(
                "status",
                "the ticket is closed: open a new one",
            ));
        }
        let seq = u32::try_from(self.messages.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        self.messages.push(Message {
            seq,
            public,
            author,
            by: by.clone(),
            body,
            at,
        });
        if !public {
            return Ok(());
        }
        match author {
            Author::Agent => {
                if !self.first_response.is_stopped() {
                    self.first_response.stop(hours, at);
                    self.first_responded_at = Some(at);
                }
                if self.status == TicketStatus::New {
                    self.set_status(hours, TicketStatus::Open, by, at)?;
                }
            }
            Author::Customer => {
                if matches!(
                    self.status,
                    TicketStatus::PendingCustomer | TicketStatus::Solved
                ) {
                    self.set_status(hours, TicketStatus::Open, by, at)?;
                }
            }
        }
        Ok(())
    }

    /// Runs the clocks under a new policy (priority or tier changed), keeping what they
    /// consumed.
    pub fn apply_policy(&mut self, hours: &Hours, policy: AppliedPolicy, at: DateTime<Utc>) {
        self.first_response
            .retarget(hours, policy.first_response_minutes, at);
        self.resolution
            .retarget(hours, policy.resolution_minutes, at);
        self.policy = policy;
    }

    /// The ticket with its clocks read at `now`.
    pub fn view(self, hours: &Hours, now: DateTime<Utc>) -> TicketView {
        let warning = self.policy.warning_minutes;
        let first = self.first_response.view(hours, now, warning);
        let resolution = self.resolution.view(hours, now, warning);
        let sla_state = if severity_rank(first.state) >= severity_rank(resolution.state) {
            first.state
        } else {
            resolution.state
        };
        let next_due_at = [first.due_at, resolution.due_at]
            .into_iter()
            .flatten()
            .min();
        TicketView {
            ticket: self,
            first_response_clock: first,
            resolution_clock: resolution,
            sla_state,
            next_due_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::config::SupportConfig;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn agent() -> Party {
        Party {
            id: "user:1".into(),
            name: "Dana".into(),
        }
    }

    fn ticket(tier: &str, priority: Priority, at: DateTime<Utc>) -> (Ticket, Hours) {
        let policy = SupportConfig::default().policy_for(tier, priority).unwrap();
        let hours = policy.hours().unwrap();
        let t = Ticket {
            id: TicketId::new(),
            tenant_id: TenantId::new(),
            reference: "SUP-0001".into(),
            customer_ref: "cust-1".into(),
            organization: "Initech".into(),
            title: "Cannot log in".into(),
            description: String::new(),
            category: "access".into(),
            priority,
            tier: tier.into(),
            status: TicketStatus::New,
            assignee: None,
            queue: "general".into(),
            first_response: SlaClock::start(policy.first_response_minutes, at),
            resolution: SlaClock::start(policy.resolution_minutes, at),
            policy,
            messages: vec![],
            history: vec![],
            first_responded_at: None,
            solved_at: None,
            created_at: at,
            updated_at: at,
            created_by: agent(),
            version: 1,
        };
        (t, hours)
    }

    #[test]
    fn first_public_agent_response_stops_the_first_clock_and_notes_do_not() {
        // Standard × normal: 480 / 2400 business minutes on office hours (UTC).
        let (mut t, h) = ticket("standard", Priority::Normal, utc("2026-11-23T09:00:00Z"));
        t.add_message(
            &h,
            false,
            Author::Agent,
            "looking".into(),
            &agent(),
            utc("2026-11-23T10:00:00Z"),
        )
        .unwrap();
        assert!(!t.first_response.is_stopped());
        assert_eq!(t.status, TicketStatus::New);
        t.add_message(
            &h,
            true,
            Author::Agent,
            "hello".into(),
            &agent(),
            utc("2026-11-23T11:30:00Z"),
        )
        .unwrap();
        assert_eq!(t.status, TicketStatus::Open);
        let v = t.clone().view(&h, utc("2026-11-23T12:00:00Z"));
        assert_eq!(v.first_response_clock.state, ClockState::Met);
        assert_eq!(v.first_response_clock.consumed_minutes, 150);
        assert_eq!(v.resolution_clock.state, ClockState::Running);
        assert_eq!(v.next_due_at, Some(utc("2026-11-27T17:00:00Z")));
    }

    #[test]
    fn waiting_on_the_customer_pauses_both_clocks_and_their_reply_resumes_them() {
        let (mut t, h) = ticket("premium", Priority::High, utc("2026-11-23T09:00:00Z"));
        // First response due 11:00 (120 min), resolution 960 min = two office days.
        t.set_status(
            &h,
            TicketStatus::PendingCustomer,
            &agent(),
            utc("2026-11-23T10:00:00Z"),
        )
        .unwrap();
        let v = t.clone().view(&h, utc("2026-11-23T16:00:00Z"));
        assert_eq!(v.sla_state, ClockState::Paused);
        assert_eq!(v.first_response_clock.remaining_minutes, 60);
        // Paused 10:00–13:00: the first-response due time moves from 11:00 to 14:00.
        t.add_message(
            &h,
            true,
            Author::Customer,
            "here".into(),
            &agent(),
            utc("2026-11-23T13:00:00Z"),
        )
        .unwrap();
        assert_eq!(t.status, TicketStatus::Open);
        assert_eq!(
            t.first_response.due_at(&h),
            Some(utc("2026-11-23T14:00:00Z"))
        );
        assert_eq!(t.resolution.due_at(&h), Some(utc("2026-11-25T12:00:00Z")));
    }

    #[test]
    fn on_hold_pauses_only_when_configured_and_solved_reopens() {
        let (mut t, h) = ticket("standard", Priority::High, utc("2026-11-23T09:00:00Z"));
        t.set_status(
            &h,
            TicketStatus::OnHold,
            &agent(),
            utc("2026-11-23T10:00:00Z"),
        )
        .unwrap();
        assert!(t.resolution.running_since.is_some());
        let (mut p, h2) = ticket("standard", Priority::High, utc("2026-11-23T09:00:00Z"));
        p.policy.pause_on_hold = true;
        p.set_status(
            &h2,
            TicketStatus::OnHold,
            &agent(),
            utc("2026-11-23T10:00:00Z"),
        )
        .unwrap();
        assert!(p.resolution.running_since.is_none());
        t.set_status(
            &h,
            TicketStatus::Solved,
            &agent(),
            utc("2026-11-23T12:00:00Z"),
        )
        .unwrap();
        assert_eq!(t.resolution.consumed_seconds, 3 * 3600);
        assert!(
            t.set_status(
                &h,
                TicketStatus::PendingCustomer,
                &agent(),
                utc("2026-11-23T12:30:00Z")
            )
            .is_err()
        );
        t.add_message(
            &h,
            true,
            Author::Customer,
            "still broken".into(),
            &agent(),
            utc("2026-11-23T14:00:00Z"),
        )
        .unwrap();
        assert_eq!(t.status, TicketStatus::Open);
        assert_eq!(
            t.resolution.running_since,
            Some(utc("2026-11-23T14:00:00Z"))
        );
        t.set_status(
            &h,
            TicketStatus::Solved,
            &agent(),
            utc("2026-11-23T15:00:00Z"),
        )
        .unwrap();
        t.set_status(
            &h,
            TicketStatus::Closed,
            &agent(),
            utc("2026-11-23T15:00:00Z"),
        )
        .unwrap();
        let e = t
            .add_message(
                &h,
                true,
                Author::Customer,
                "x".into(),
                &agent(),
                utc("2026-11-24T09:00:00Z"),
            )
            .unwrap_err();
        assert!(e.to_string().contains("closed"), "{e}");
        assert_eq!(t.resolution.consumed_seconds, 4 * 3600);
    }
}
