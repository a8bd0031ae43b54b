//! Audit trail use cases. Ingest: validate each event on its own, then append the valid ones to
//! the tenant's ledger in one admission, so a batch lands in order and every accepted event is
//! durable (and has its ledger index) before the caller hears so. The ledger is the trail's
//! write-ahead record; search indexes are projections of it (ADR 0007).

use std::sync::Arc;

use super::event::{AuditEvent, EventInput, Submitter};
use crate::clock::Clock;
use crate::error::{DomainError, FieldError};
use crate::ledger::{LedgerError, LedgerService};
use crate::platform::model::TenantId;

/// Most events in one batch.
pub const MAX_BATCH: usize = 1_000;

/// What became of one submitted event.
#[derive(Debug)]
pub enum Ingested {
    /// Appended to the ledger at this index.
    Accepted {
        /// Ledger index of the event.
        index: u64,
        /// The event as stored.
        event: Box<AuditEvent>,
    },
    /// Refused, with every problem named by field.
    Rejected(Vec<FieldError>),
}

/// The audit trail service.
pub struct AuditTrail {
    ledger: Arc<LedgerService>,
    clock: Arc<dyn Clock>,
}

impl AuditTrail {
    /// The trail over the tenants' ledgers.
    pub fn new(ledger: Arc<LedgerService>, clock: Arc<dyn Clock>) -> Self {
        Self { ledger, clock }
    }

    /// Validates `inputs` and appends the valid ones, in order, to the tenant's ledger; one
    /// result per input. Fails as a whole only when nothing could be appended: an overloaded
    /// ledger (retry later) or a broken store.
    pub async fn ingest(
        &self,
        tenant: TenantId,
        submitter: &Submitter,
        inputs: Vec<EventInput>,
    ) -> Result<Vec<Ingested>, LedgerError> {
        if inputs.len() > MAX_BATCH {
            return Err(DomainError::invalid(
                "events",
                format!("a batch holds at most {MAX_BATCH} events; split it"),
            )
            .into());
        }
        let recorded_at = self.clock.now();
        let validated: Vec<Result<AuditEvent, Vec<FieldError>>> = inputs
            .into_iter()
            .map(|input| input.validate(recorded_at, submitter.clone()))
            .collect();
        let payloads: Vec<(String, serde_json::Value)> = validated
            .iter()
            .filter_map(|v| v.as_ref().ok())
            .map(|event| {
                serde_json::to_value(event)
                    .map(|payload| (event.event_type.clone(), payload))
                    .map_err(|e| DomainError::Internal(format!("audit event: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let refs: Vec<(&str, &serde_json::Value)> =
            payloads.iter().map(|(k, p)| (k.as_str(), p)).collect();
        let mut appended = self.ledger.append_many(tenant, &refs).await?.into_iter();
        let mut out = Vec::with_capacity(validated.len());
        for v in validated {
            out.push(match v {
                Err(errors) => Ingested::Rejected(errors),
                Ok(event) => match appended.next() {
                    Some(Ok(index)) => Ingested::Accepted {
                        index,
                        event: Box::new(event),
                    },
                    Some(Err(LedgerError::Domain(DomainError::Validation(errors)))) => {
                        Ingested::Rejected(errors)
                    }
                    Some(Err(e)) => return Err(e),
                    None => return Err(LedgerError::SequencerStopped),
                },
            });
        }
        Ok(out)
    }
}
