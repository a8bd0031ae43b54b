//! The verifiable ledger of each tenant (DESIGN §4.3): events appended by a per-tenant
//! sequencer with group commit, stored as envelopes, sealed payloads and full tiles under a
//! compare-and-swap tree head, and signed as C2SP checkpoints with the install-wide log key.

pub mod model;
mod outbox;
mod reads;
mod sequencer;
pub mod service;
pub mod store;
mod tiles;

pub use model::{
    AppendBatch, AppendOutcome, LogKeyRecord, StoredCheckpoint, StoredEntry, StoredPayload,
    TreeHead,
};
pub use service::{LedgerConfig, LedgerError, LedgerService, OpenedPayload, checkpoint_origin};
pub use store::{LedgerStore, NoSequencingLock, SequencingLock};
