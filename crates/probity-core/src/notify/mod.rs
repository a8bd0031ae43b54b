//! Notifications context: per-tenant channels (Standard Webhooks, Slack-compatible webhooks,
//! email, PagerDuty Events v2), routing rules by event kind and severity with escalation
//! delays, notifications raised by other contexts, and the delivery log of every attempt.
//!
//! Other contexts call [`NotifyService::raise`]; it applies the routing rules and stores the
//! notification, one delivery per channel and the jobs that send them in one transaction. The
//! server's job worker runs those jobs (`notify.deliver`, `notify.escalate`) through a
//! [`Dispatch`] that does the network I/O.

pub mod delivery;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use delivery::{AttemptOutcome, Dispatch, Outbound, SendFailure};
pub use model::*;
pub use service::{
    CreatedChannel, DELIVER_JOB, ESCALATE_JOB, NewChannel, NewRule, NotifyService, NotifySettings,
    PAGERDUTY_EVENTS_URL, Raised,
};
pub use store::NotifyStore;
