//! Probity's domain: the model, rules and use cases of each bounded context, written against
//! store ports (traits) so that the SQLite and PostgreSQL stores are interchangeable.
//!
//! Every context has the same shape: `model` (types and newtypes), `rules` (pure functions),
//! `store` (the port a backend implements) and `service` (use cases over the port).

pub mod assurance;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod governance;
pub mod jobs;
pub mod keys;
pub mod ledger;
pub mod notify;
pub mod page;
pub mod platform;
pub mod privacy;
pub mod reports;
pub mod service_level;
pub mod store;
pub mod support;
pub mod witness;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{DomainError, DomainResult, ErrorCode, FieldError};
