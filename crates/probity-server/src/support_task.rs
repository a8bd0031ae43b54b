//! The support desk's SLA sweep on a schedule: every tenant's active tickets are read, and a
//! clock entering its warning lead time raises one warning, a clock past its due time one
//! escalation. Safe on every node: each is recorded on the ticket with a compare-and-swap, so
//! it is raised once.

use std::time::Duration;

use probity_core::DomainError;
use probity_core::support::SweepReport;

use crate::state::AppState;

/// Sweeps every tenant's active tickets once.
pub async fn tick(state: &AppState) -> Result<SweepReport, DomainError> {
    state.support().sweep().await
}

/// Sweeps every `interval` until `shutdown` turns true.
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::periodic::every(interval, shutdown, || async {
        match tick(&state).await {
            Ok(r) if r.warned + r.escalated > 0 => tracing::info!(?r, "support SLA sweep"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "support SLA sweep failed"),
        }
    })
    .await;
}
