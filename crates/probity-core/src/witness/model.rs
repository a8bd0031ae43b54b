//! What a witness keeps per log: the log's identity and key, and the latest checkpoint it
//! cosigned.

use chrono::{DateTime, Utc};
use probity_ledger::Hash;
use probity_ledger::witness::WitnessedHead;

/// A log the witness cosigns for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLog {
    /// The checkpoint origin line that names the log.
    pub origin: String,
    /// The log's note verifier key text (`<name>+<hex id>+<base64(0x01 || key)>`).
    pub verifier_key: String,
    /// Size of the latest checkpoint cosigned (0 before the first).
    pub size: u64,
    /// Root hash of that checkpoint (the empty tree's root before the first).
    pub root: Hash,
    /// The latest cosigned checkpoint note as received, kept as evidence.
    pub checkpoint: Option<String>,
    /// When the log was added.
    pub added_at: DateTime<Utc>,
    /// When the latest checkpoint was cosigned.
    pub updated_at: Option<DateTime<Utc>>,
}

impl KnownLog {
    /// The witness's view of the log for the protocol rules.
    pub const fn head(&self) -> WitnessedHead {
        WitnessedHead {
            size: self.size,
            root: self.root,
        }
    }
}
