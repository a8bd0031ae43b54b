//! The witness use cases: add a log to cosign for, and `add-checkpoint` (parse, look up the
//! origin, apply the tlog-witness rules, compare-and-swap the latest checkpoint, cosign).

use std::sync::Arc;

use probity_ledger::cosignature::CosignatureSigner;
use probity_ledger::ed25519::Ed25519NoteVerifier;
use probity_ledger::witness::{self, Refusal};
use probity_ledger::{Checkpoint, VerifierKey};

use super::model::KnownLog;
use super::store::WitnessStore;
use crate::clock::Clock;
use crate::error::DomainError;
use crate::store::StoreError;

/// Why `add-checkpoint` did not cosign.
#[derive(Debug, thiserror::Error)]
pub enum AddCheckpointError {
    /// Refused under the specification (400, 403, 404, 409 or 422).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The witness's own failure (500): the store or a stored key is unusable.
    #[error("witness failure: {0}")]
    Internal(String),
}

impl From<StoreError> for AddCheckpointError {
    fn from(e: StoreError) -> Self {
        AddCheckpointError::Internal(e.to_string())
    }
}

/// A witness: its cosigning key, its store and its clock (the cosignature time).
pub struct WitnessService {
    store: Arc<dyn WitnessStore>,
    signer: CosignatureSigner,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WitnessService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WitnessService")
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

/// Checks a log verifier key text (Ed25519, type 0x01) and returns the verifier.
fn log_verifier(text: &str) -> Result<Ed25519NoteVerifier, String> {
    Ed25519NoteVerifier::from_key_text(text).map_err(|e| e.to_string())
}

impl WitnessService {
    /// A witness signing with `signer`.
    pub fn new(
        store: Arc<dyn WitnessStore>,
        signer: CosignatureSigner,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            signer,
            clock,
        }
    }

    /// The witness's verifier key (`<name>+<hex id>+<base64(0x04 || key)>`), which logs and
    /// verifiers configure.
    pub fn verifier_key(&self) -> VerifierKey {
        self.signer.verifier_key()
    }

    /// Starts cosigning for the log whose checkpoints `verifier_key` verifies. The origin is the
    /// key's name unless given (a log may name its key differently from its origin).
    pub async fn add_log(
        &self,
        verifier_key: &str,
        origin: Option<&str>,
    ) -> Result<KnownLog, DomainError> {
        let key = VerifierKey::parse(verifier_key.trim()).map_err(|e| {
            DomainError::invalid(
                "--key",
                format!("is not a log verifier key <name>+<hex id>+<base64>: {e}"),
            )
        })?;
        log_verifier(&key.to_text()).map_err(|e| {
            DomainError::invalid("--key", format!("is not an Ed25519 log key: {e}"))
        })?;
        let origin = origin.unwrap_or(key.name());
        if origin.is_empty() || origin.contains('\n') {
            return Err(DomainError::invalid(
                "--origin",
                "must be one non-empty line",
            ));
        }
        self.store
            .add_log(origin, &key.to_text(), self.clock.now())
            .await?;
        self.store
            .known_log(origin)
            .await?
            .ok_or_else(|| DomainError::Internal(format!("log {origin} vanished after adding")))
    }

    /// The logs this witness cosigns for.
    pub async fn logs(&self) -> Result<Vec<KnownLog>, DomainError> {
        Ok(self.store.known_logs().await?)
    }

    /// Handles an `add-checkpoint` body and returns the response body (the cosignature line).
    pub async fn add_checkpoint(&self, body: &[u8]) -> Result<String, AddCheckpointError> {
        let (request, checkpoint) = witness::parse_request(body)?;
        let log = self
            .store
            .known_log(checkpoint.origin())
            .await?
            .ok_or(Refusal::UnknownOrigin)?;
        let verifier = log_verifier(&log.verifier_key).map_err(|e| {
            AddCheckpointError::Internal(format!("stored key of {}: {e}", log.origin))
        })?;
        let accepted: Checkpoint =
            witness::check_request(&request, &log.origin, &verifier, log.head())?;
        if accepted.size() != log.size {
            let moved = self
                .store
                .advance_log(
                    &log.origin,
                    log.size,
                    accepted.size(),
                    accepted.root(),
                    &request.checkpoint.to_text(),
                    self.clock.now(),
                )
                .await?;
            if !moved {
                // Another request moved the log first: answer as if it had come first.
                let latest = self
                    .store
                    .known_log(&log.origin)
                    .await?
                    .map_or(log.size, |l| l.size);
                return Err(Refusal::OldSizeMismatch { latest }.into());
            }
        }
        let timestamp = u64::try_from(self.clock.now().timestamp()).unwrap_or(0);
        let line = self
            .signer
            .cosign(request.checkpoint.text(), timestamp)
            .map_err(|e| AddCheckpointError::Internal(e.to_string()))?;
        Ok(witness::format_cosignatures(&[line]))
    }
}
