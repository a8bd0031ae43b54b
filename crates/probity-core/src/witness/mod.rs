//! A C2SP tlog-witness (DESIGN §4.3, `probity witness serve`): the logs a witness knows (origin
//! and log verifier key), the latest checkpoint it cosigned for each, and the `add-checkpoint`
//! use case that checks a new checkpoint against it, moves it forward by compare-and-swap and
//! cosigns. The protocol rules themselves are pure, in `probity_ledger::witness`.

pub mod model;
pub mod service;
pub mod store;

pub use model::KnownLog;
pub use service::{AddCheckpointError, WitnessService};
pub use store::WitnessStore;
