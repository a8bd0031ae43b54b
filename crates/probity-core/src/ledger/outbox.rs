//! The audit outbox: every audit record of a tenant becomes an entry of that tenant's log
//! exactly once (ADR 0003).
//!
//! Records are written to `audit_events` in the transaction of their change; the drain reads
//! those without a `ledger_seq`, oldest first, and appends each with its record id. The store
//! sets `ledger_seq` in the transaction that appends the entry and refuses a batch naming a
//! record already sequenced, and the sequencer answers such a record with its existing
//! sequence number, so concurrent drains (on one node or several) never append a record twice.
//!
//! Installation-wide records (`tenant_id` NULL, e.g. a failed sign-in for an unknown account)
//! belong to no tenant and are never drained into a tenant's log.

use super::service::{LedgerError, LedgerService};
use crate::audit::AuditRecord;
use crate::error::DomainError;
use crate::platform::model::TenantId;

impl LedgerService {
    /// Appends `record` to its tenant's log (kind: the event type; payload: the record as JSON)
    /// and returns its sequence number, or the one it already has. Installation-wide records
    /// have no tenant log and are refused.
    pub async fn append_audit_record(&self, record: &AuditRecord) -> Result<u64, LedgerError> {
        let tenant = tenant_of(record)?;
        let seqs = self.append_audit_records(tenant, &[record]).await?;
        seqs.into_iter().next().ok_or(LedgerError::SequencerStopped)
    }

    /// Appends up to `limit` unsequenced audit records of tenants, oldest first, and returns how
    /// many were handed to the ledger (0 when the outbox is empty). A record another drain
    /// sequenced meanwhile keeps its entry and is counted here too.
    pub async fn drain_outbox(&self, limit: u32) -> Result<usize, LedgerError> {
        let records = self.store().unsequenced_events(limit).await?;
        // Group by tenant, keeping each tenant's records oldest first.
        let mut groups: Vec<(TenantId, Vec<&AuditRecord>)> = Vec::new();
        for record in &records {
            let tenant = tenant_of(record)?;
            match groups.iter_mut().find(|(t, _)| *t == tenant) {
                Some((_, group)) => group.push(record),
                None => groups.push((tenant, vec![record])),
            }
        }
        let mut count = 0;
        for (tenant, group) in groups {
            match self.append_audit_records(tenant, &group).await {
                Ok(appended) => count += appended.len(),
                // Another process (a second node, or a CLI command beside the server) sequenced
                // some of these records after they were read: nothing was written, and they are
                // in the log already; the rest are read again by the next drain.
                // (The sequencer hands one batch's failure to every waiter as text, so the
                // conflict arrives as its message.)
                Err(LedgerError::Domain(why))
                    if why.to_string().contains(super::store::ALREADY_SEQUENCED) =>
                {
                    tracing::debug!(%tenant, %why, "outbox records sequenced by another writer");
                }
                Err(e) => return Err(e),
            }
        }
        if count > 0 {
            tracing::debug!(records = count, "audit outbox drained into the ledger");
        }
        Ok(count)
    }

    async fn append_audit_records(
        &self,
        tenant: TenantId,
        records: &[&AuditRecord],
    ) -> Result<Vec<u64>, LedgerError> {
        let mut events = Vec::with_capacity(records.len());
        for record in records {
            let payload = serde_json::to_value(record)
                .map_err(|e| DomainError::Internal(format!("audit record as json: {e}")))?;
            events.push(
                self.prepare(tenant, &record.event_type, &payload, Some(record.id))
                    .await?,
            );
        }
        self.submit(tenant, events).await
    }
}

fn tenant_of(record: &AuditRecord) -> Result<TenantId, LedgerError> {
    record.tenant_id.ok_or_else(|| {
        LedgerError::Domain(DomainError::invalid(
            "tenant_id",
            "installation-wide audit records belong to no tenant's log",
        ))
    })
}
