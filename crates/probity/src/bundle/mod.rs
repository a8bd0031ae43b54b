//! Auditor bundles (DESIGN §4.3): `probity audit export` writes a tenant's log as the exact C2SP
//! tlog-tiles layout plus checkpoints, verifier keys and the unerased payloads;
//! `probity verify DIR` checks such a directory offline with `probity-ledger` alone; and
//! `probity audit verify` runs the same checks over the live store.

pub mod check;
pub mod export;
pub mod live;
pub mod verify;

/// Why a verification did not succeed: the evidence is damaged (exit 1) or it could not be
/// examined at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The log, its tiles, payloads or checkpoints fail a check; names the first damage found.
    #[error("verification failed: {0}")]
    Damaged(String),
    /// Bad arguments or unreadable input: nothing was verified.
    #[error("{0}")]
    Unusable(String),
}

impl Failure {
    /// Whether this is a usage or I/O problem rather than damage.
    pub fn is_usage(&self) -> bool {
        matches!(self, Failure::Unusable(_))
    }
}

/// Shorthand for a damage finding.
pub(crate) fn damaged(message: impl Into<String>) -> Failure {
    Failure::Damaged(message.into())
}

/// Shorthand for an input that cannot be used.
pub(crate) fn unusable(message: impl Into<String>) -> Failure {
    Failure::Unusable(message.into())
}
