//! Background jobs: a durable queue with retries, backoff and a dead state, and cron schedules
//! that enqueue jobs. The worker loop that runs handlers lives in the server.

pub mod model;
pub mod rules;
pub mod store;

pub use model::*;
pub use store::JobStore;
