//! Witness cosignatures of tenants' checkpoints (C2SP tlog-witness, client side): the
//! `add-checkpoint` request for a witness (consistency proof from the size it last cosigned),
//! checking and storing the cosignatures it returns, and the checkpoint note with them added.
//! The HTTP exchange itself belongs to the server crate.

use chrono::{DateTime, Utc};
use probity_ledger::cosignature::CosignatureVerifier;
use probity_ledger::note::{Note, NoteSignature, NoteVerifier};
use probity_ledger::witness::AddCheckpointRequest;

use super::model::{StoredCheckpoint, StoredCosignature};
use super::service::{LedgerError, LedgerService};
use crate::error::DomainError;
use crate::platform::model::TenantId;
use crate::store::StoreError;

fn internal(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Domain(DomainError::Internal(format!("ledger witnessing: {e}")))
}

/// Why a witness's answer was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CosignatureRejected {
    /// No line of the answer is by the configured witness key.
    #[error("the answer has no cosignature by {name}")]
    Missing {
        /// The witness key name expected.
        name: String,
    },
    /// A line by the configured witness key does not verify over the checkpoint.
    #[error("the cosignature by {name} does not verify: {reason}")]
    Invalid {
        /// The witness key name.
        name: String,
        /// Why.
        reason: String,
    },
}

impl LedgerService {
    /// The size of the tenant's largest checkpoint the witness has cosigned (0 when none): the
    /// `old` size of the next request to it.
    pub async fn witness_old_size(
        &self,
        tenant: TenantId,
        witness: &CosignatureVerifier,
    ) -> Result<u64, LedgerError> {
        Ok(self
            .store()
            .latest_cosigned_size(tenant, witness.name(), witness.key_id())
            .await?
            .unwrap_or(0))
    }

    /// The `add-checkpoint` request asking a witness whose latest cosigned size is `old_size`
    /// to cosign `checkpoint`, with the consistency proof between the two sizes.
    pub async fn witness_request(
        &self,
        tenant: TenantId,
        checkpoint: &StoredCheckpoint,
        old_size: u64,
    ) -> Result<AddCheckpointRequest, LedgerError> {
        if old_size > checkpoint.size {
            return Err(internal(format!(
                "the witness has cosigned size {old_size}, beyond checkpoint {}",
                checkpoint.size
            )));
        }
        let proof = if old_size == 0 || old_size == checkpoint.size {
            Vec::new()
        } else {
            self.consistency_proof(tenant, old_size, checkpoint.size)
                .await?
        };
        let note = Note::parse(checkpoint.signed_note.as_bytes()).map_err(internal)?;
        AddCheckpointRequest::new(old_size, proof, note).map_err(internal)
    }

    /// Checks the witness's answer (signature lines) against its key and the checkpoint and
    /// stores its cosignatures; lines by other keys are ignored. Returns how many were stored
    /// (0 when they were stored before).
    pub async fn record_cosignatures(
        &self,
        tenant: TenantId,
        checkpoint: &StoredCheckpoint,
        witness: &CosignatureVerifier,
        lines: &[NoteSignature],
    ) -> Result<Result<usize, CosignatureRejected>, LedgerError> {
        let note = Note::parse(checkpoint.signed_note.as_bytes()).map_err(internal)?;
        let mut verified = Vec::new();
        for line in lines
            .iter()
            .filter(|l| l.name() == witness.name() && l.key_id() == witness.key_id())
        {
            match witness.verify_cosignature(note.text(), line.signature()) {
                Ok(timestamp) => verified.push((line, timestamp)),
                Err(e) => {
                    return Ok(Err(CosignatureRejected::Invalid {
                        name: witness.name().to_owned(),
                        reason: e.to_string(),
                    }));
                }
            }
        }
        if verified.is_empty() {
            return Ok(Err(CosignatureRejected::Missing {
                name: witness.name().to_owned(),
            }));
        }
        let mut stored = 0;
        // One cosignature per witness key and size: the first valid line is kept.
        if let Some((line, timestamp)) = verified.first() {
            let seconds = i64::try_from(*timestamp).map_err(internal)?;
            let cosigned_at = DateTime::<Utc>::from_timestamp(seconds, 0)
                .ok_or_else(|| internal(format!("cosignature time {timestamp} is out of range")))?;
            let record = StoredCosignature {
                size: checkpoint.size,
                witness_name: witness.name().to_owned(),
                witness_key_id: witness.key_id(),
                signature_line: line.to_line().trim_end_matches('\n').to_owned(),
                cosigned_at,
                created_at: self.clock().now(),
            };
            match self.store().insert_cosignature(tenant, &record).await {
                Ok(()) => stored += 1,
                Err(StoreError::Duplicate(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Ok(stored))
    }

    /// The stored cosignatures of the tenant's checkpoint of `size`.
    pub async fn cosignatures(
        &self,
        tenant: TenantId,
        size: u64,
    ) -> Result<Vec<StoredCosignature>, LedgerError> {
        Ok(self.store().cosignatures(tenant, size).await?)
    }

    /// `checkpoint` with its stored cosignatures added to the note as signature lines (a
    /// verifier ignores the lines of witnesses it does not trust).
    pub async fn with_cosignatures(
        &self,
        tenant: TenantId,
        mut checkpoint: StoredCheckpoint,
    ) -> Result<StoredCheckpoint, LedgerError> {
        let cosignatures = self.store().cosignatures(tenant, checkpoint.size).await?;
        if cosignatures.is_empty() {
            return Ok(checkpoint);
        }
        checkpoint.signed_note = add_cosignatures(&checkpoint.signed_note, &cosignatures)?;
        Ok(checkpoint)
    }

    /// The tenant's latest checkpoint with the cosignatures collected for it so far.
    pub async fn latest_cosigned_checkpoint(
        &self,
        tenant: TenantId,
    ) -> Result<Option<StoredCheckpoint>, LedgerError> {
        match self.store().latest_checkpoint(tenant).await? {
            Some(checkpoint) => Ok(Some(self.with_cosignatures(tenant, checkpoint).await?)),
            None => Ok(None),
        }
    }
}

/// Adds stored cosignature lines to a signed note's text.
pub fn add_cosignatures(
    signed_note: &str,
    cosignatures: &[StoredCosignature],
) -> Result<String, LedgerError> {
    let mut note = Note::parse(signed_note.as_bytes()).map_err(internal)?;
    for (position, cosignature) in cosignatures.iter().enumerate() {
        let line = NoteSignature::parse_line(&cosignature.signature_line, position + 1)
            .map_err(internal)?;
        if !note.signatures().contains(&line) {
            note.add_signature(line).map_err(internal)?;
        }
    }
    Ok(note.to_text())
}
