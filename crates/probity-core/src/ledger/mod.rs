//! The verifiable ledger of each tenant (DESIGN §4.3): events appended by a per-tenant
//! sequencer with group commit, stored as envelopes, sealed payloads and full tiles under a
//! compare-and-swap tree head, signed as C2SP checkpoints with the install-wide log key, and
//! cosigned by witnesses (C2SP tlog-witness).

pub mod model;
mod outbox;
mod reads;
mod sequencer;
pub mod service;
pub mod store;
mod tiles;
pub mod witnessing;

pub use model::{
    AppendBatch, AppendOutcome, LogKeyRecord, StoredCheckpoint, StoredCosignature, StoredEntry,
    StoredPayload, TreeHead,
};
pub use service::{LedgerConfig, LedgerError, LedgerService, OpenedPayload, checkpoint_origin};
pub use store::{ALREADY_SEQUENCED, LedgerStore, NoSequencingLock, SequencingLock};
