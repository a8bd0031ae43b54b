//! Support desk: tickets (customer, organization, category, priority, support tier, queue,
//! assignee) with public responses and internal notes; SLA policies per tier × priority for
//! first response and resolution, counted in business minutes on business-hours calendars
//! with IANA time zones and holidays; clocks that pause while the ticket waits on the
//! customer; warnings before a breach and an escalation on it, raised by a sweep; routing
//! rules (category → queue); and metrics (first-response and resolution times, breach rate,
//! by agent, tier and priority).
//!
//! - [`hours`]: the business-hours arithmetic (weekends, holidays, daylight-saving changes);
//! - [`sla`]: one SLA clock (running, paused, at risk, breached, met);
//! - [`ticket`]: the ticket, its workflow and the rules that move its clocks;
//! - [`config`]: calendars, policies and routing rules of a tenant;
//! - [`metrics`]: medians, 90th percentiles and breach rates over a period;
//! - [`service`]: the use cases; [`sweep`]: warnings and escalations; [`demo`]: the
//!   `serve --demo` tickets.

pub mod config;
pub mod demo;
pub mod hours;
pub mod metrics;
pub mod service;
pub mod sla;
pub mod store;
pub mod sweep;
pub mod ticket;

pub use config::{AppliedPolicy, RoutingRule, SlaPolicy, SupportConfig};
pub use hours::{BusinessCalendar, Hours, OpeningHours, Weekday};
pub use metrics::{DurationStats, GroupMetrics, SupportMetrics};
pub use service::{
    NewNote, NewResponse, NewTicket, StatusInput, SupportOverview, SupportService, SweepReport,
    TicketFilter, TicketUpdate,
};
pub use sla::{ClockState, ClockView, SlaClock};
pub use store::SupportStore;
pub use ticket::{
    Author, ClockKind, Message, Priority, StatusChange, Ticket, TicketId, TicketStatus, TicketView,
};
