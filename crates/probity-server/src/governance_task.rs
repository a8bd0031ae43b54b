//! The governance sweep on a schedule: for every tenant, exceptions past their expiry are
//! recorded as expired, and reminders are raised for exceptions about to expire, risks and
//! policies due for review and overdue acknowledgments (each once, by deduplication key).

use std::time::Duration;

use probity_core::DomainError;
use probity_core::governance::SweepReport;

use crate::state::AppState;

/// Sweeps every tenant once; a tenant that fails is logged and the rest still run.
pub async fn tick(state: &AppState) -> Result<SweepReport, DomainError> {
    state.governance().sweep_all().await
}

/// Sweeps every `interval` until `shutdown` turns true.
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::periodic::every(interval, shutdown, || async {
        match tick(&state).await {
            Ok(r) if r != SweepReport::default() => tracing::info!(?r, "governance sweep"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "governance sweep failed"),
        }
    })
    .await;
}
