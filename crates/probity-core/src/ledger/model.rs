//! Ledger records as the store keeps them: leaf envelopes, sealed payloads, the tree head,
//! signed checkpoints, witness cosignatures and the install-wide log key.

use chrono::{DateTime, Utc};
use probity_ledger::Hash;
use probity_ledger::tile_builder::FullTile;
use uuid::Uuid;

/// One leaf of a tenant's log: the canonical envelope bytes and their RFC 6962 leaf hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Position in the tenant's log, from 0.
    pub seq: u64,
    /// Canonical JSON (RFC 8785) of the envelope: the leaf data.
    pub envelope: Vec<u8>,
    /// `SHA-256(0x00 || envelope)`.
    pub leaf_hash: Hash,
}

/// The payload behind an entry's commitment, encrypted under the tenant keyring. Kept apart from
/// the entry so that erasing it (payload and salt) breaks no proof.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredPayload {
    /// The entry it belongs to.
    pub seq: u64,
    /// The 32-byte salt of the commitment.
    pub salt: Vec<u8>,
    /// The canonical payload, encrypted (AAD binds tenant and commitment).
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for StoredPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPayload")
            .field("seq", &self.seq)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// The size and root of a tenant's tree as last committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// Number of entries.
    pub size: u64,
    /// RFC 6962 root of those entries.
    pub root: Hash,
}

/// Everything one group commit writes, in one transaction.
#[derive(Debug, Clone, Copy)]
pub struct AppendBatch<'a> {
    /// The head size the batch was built on; the append fails as [`AppendOutcome::Stale`] when
    /// the stored head has moved.
    pub expected_size: u64,
    /// The new entries, with consecutive sequence numbers from `expected_size`.
    pub entries: &'a [StoredEntry],
    /// Their payloads.
    pub payloads: &'a [StoredPayload],
    /// The full tiles these entries complete (never partial ones).
    pub tiles: &'a [FullTile],
    /// `(seq, audit record id)` for entries that sequence an audit record: the store sets
    /// `audit_events.ledger_seq` in the same transaction and refuses the whole batch when one of
    /// them is already sequenced, so each audit record becomes an entry exactly once.
    pub audit_ids: &'a [(u64, Uuid)],
    /// The head after the batch.
    pub new_head: TreeHead,
}

/// What an append did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Everything was written and the head moved.
    Appended,
    /// The head was not at the expected size (another writer appended); nothing was written.
    Stale,
}

/// A signed checkpoint of a tenant's log, kept forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size it commits to.
    pub size: u64,
    /// Root hash at that size.
    pub root: Hash,
    /// The C2SP signed note (checkpoint body and signature lines).
    pub signed_note: String,
    /// When it was signed.
    pub created_at: DateTime<Utc>,
}

/// A witness's cosignature (C2SP tlog-cosignature) of one of a tenant's checkpoints, verified
/// against the configured witness key before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCosignature {
    /// Size of the checkpoint it cosigns.
    pub size: u64,
    /// The witness's key name.
    pub witness_name: String,
    /// The witness's key ID (type 0x04).
    pub witness_key_id: u32,
    /// The note signature line (`— <name> <base64>`), without its newline.
    pub signature_line: String,
    /// The time the witness put in the cosignature: the trusted time the checkpoint existed by.
    pub cosigned_at: DateTime<Utc>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// The install-wide Ed25519 key that signs checkpoints; the private half sealed under the
/// `platform` keyring.
#[derive(Clone, PartialEq, Eq)]
pub struct LogKeyRecord {
    /// Key name (`log`).
    pub name: String,
    /// The 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
    /// The 32-byte seed, encrypted under the `platform` keyring.
    pub private_sealed: Vec<u8>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for LogKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKeyRecord")
            .field("name", &self.name)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}
