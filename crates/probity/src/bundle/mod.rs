//! Auditor bundles (DESIGN §4.3): `probity audit export` writes a tenant's log as the exact C2SP
//! tlog-tiles layout plus checkpoints, verifier keys and the unerased payloads ([`payloads`]);
//! `probity verify DIR` checks such a directory offline with `probity-ledger` alone; and
//! `probity audit verify` runs the same checks over the live store; an evidence audit package
//! ([`package`]) adds a freeze's manifest and files that `probity verify` checks against the log.

pub mod check;
pub mod export;
pub mod live;
pub mod package;
pub mod payloads;
pub mod verify;

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Steps [`check::check`] reports, for the length of the bar.
const CHECK_STEPS: u64 = 8;

/// Progress of a verification on stderr: a bar with the current step when stderr is a terminal,
/// one line per step otherwise (logs and tests read those lines).
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over the steps of a check.
    pub fn for_check() -> Self {
        let bar = ProgressBar::new(CHECK_STEPS);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar }
    }

    /// Moves to the next step, named `what`.
    pub fn step(&self, what: &str) {
        if self.bar.is_hidden() {
            eprintln!("{what}");
        } else {
            self.bar.inc(1);
            self.bar.set_message(what.to_owned());
        }
    }

    /// Removes the bar (the verdict follows on its own line).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

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
