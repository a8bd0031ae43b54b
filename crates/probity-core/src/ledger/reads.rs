//! Read-side accessors of a tenant's log for the API and the auditor tools: the committed head,
//! single entries and stored checkpoints.

use super::model::{StoredCheckpoint, StoredEntry, TreeHead};
use super::service::{LedgerError, LedgerService};
use crate::platform::model::TenantId;

impl LedgerService {
    /// The committed head of the tenant's tree, `None` before the first entry.
    pub async fn head(&self, tenant: TenantId) -> Result<Option<TreeHead>, LedgerError> {
        Ok(self.store().ledger_head(tenant).await?)
    }

    /// Entry `seq` of the tenant's log, `None` when there is none.
    pub async fn entry(
        &self,
        tenant: TenantId,
        seq: u64,
    ) -> Result<Option<StoredEntry>, LedgerError> {
        Ok(self
            .store()
            .ledger_entries(tenant, seq, seq.saturating_add(1))
            .await?
            .into_iter()
            .next())
    }

    /// The tenant's latest signed checkpoint, `None` before the first.
    pub async fn latest_checkpoint(
        &self,
        tenant: TenantId,
    ) -> Result<Option<StoredCheckpoint>, LedgerError> {
        Ok(self.store().latest_checkpoint(tenant).await?)
    }
}
