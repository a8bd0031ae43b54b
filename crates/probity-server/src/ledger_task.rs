//! The ledger task: on a cadence, drains the audit outbox into the tenants' logs (every audit
//! record of a tenant becomes an entry exactly once; installation-wide records stay out) and
//! signs a checkpoint for every tenant whose log grew since its last checkpoint, with the
//! origin `<public host>/probity/<tenant slug>`. Several nodes may run it at once: the drain is
//! exactly-once and a checkpoint of a size already signed is skipped.

use std::time::Duration;

use probity_core::DomainError;
use probity_core::ledger::checkpoint_origin;
use probity_core::page::PageRequest;

use crate::state::AppState;

/// Audit records one drain round takes.
const DRAIN_LIMIT: u32 = 1_000;
/// Drain rounds per tick at most (the rest waits for the next tick).
const MAX_DRAIN_ROUNDS: usize = 16;
/// Ledger entries indexed per tenant per tick at most (the rest waits for the next tick).
const INDEX_LIMIT: u64 = 50_000;
/// Tenants read per page when looking for grown logs.
const TENANT_PAGE: i64 = 500;

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    /// Audit records appended to tenants' logs.
    pub drained: usize,
    /// Checkpoints signed.
    pub signed: usize,
    /// Ledger entries added to the audit search projection.
    pub indexed: u64,
    /// Alerts raised by detection rules.
    pub alerts: usize,
}

/// Drains the outbox, then, per tenant, catches the audit search projection up with the log,
/// feeds the new events to the tenant's detection rules and signs a checkpoint if the log
/// grew. A tenant whose
/// checkpoint fails is logged and skipped, so one broken log does not stop the others.
pub async fn tick(state: &AppState) -> Result<Tick, DomainError> {
    let ledger = state.ledger();
    let mut done = Tick::default();
    for _ in 0..MAX_DRAIN_ROUNDS {
        let drained = ledger.drain_outbox(DRAIN_LIMIT).await?;
        done.drained += drained;
        if drained < DRAIN_LIMIT as usize {
            break;
        }
    }
    let store = state.platform().store();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(TENANT_PAGE), cursor.as_deref())?;
        let tenants = store.list_tenants(&page).await?;
        for tenant in &tenants.items {
            match state.indexer().catch_up(tenant.id, INDEX_LIMIT).await {
                Ok(n) => done.indexed += n,
                Err(e) => {
                    tracing::error!(tenant = %tenant.id, error = %e, "audit indexing failed");
                }
            }
            // Detection rules see each newly indexed event once.
            match state.detection().evaluate(tenant.id).await {
                Ok(r) => done.alerts += r.alerts,
                Err(e) => {
                    tracing::error!(tenant = %tenant.id, error = %e, "detection rules failed");
                }
            }
            let head = ledger.head(tenant.id).await?;
            let signed = ledger.latest_checkpoint(tenant.id).await?;
            let grew = match (head, signed) {
                (Some(head), Some(c)) => head.size != c.size,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !grew {
                continue;
            }
            let origin = checkpoint_origin(&state.http().public_host, &tenant.slug);
            match ledger.sign_checkpoint(tenant.id, &origin).await {
                Ok(Some(_)) => done.signed += 1,
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(tenant = %tenant.id, error = %e, "ledger checkpoint failed");
                }
            }
        }
        match tenants.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(done)
}

/// Runs [`tick`] every `interval` until `shutdown` flips to true (a final tick runs first, so
/// records written just before shutdown are sequenced and signed).
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::periodic::every(interval, shutdown, || async {
        match tick(&state).await {
            Ok(done) if done.drained > 0 || done.signed > 0 || done.indexed > 0 => {
                tracing::debug!(
                    drained = done.drained,
                    signed = done.signed,
                    indexed = done.indexed,
                    "ledger tick"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "ledger tick failed"),
        }
    })
    .await;
    tracing::info!("ledger task stopped");
}
