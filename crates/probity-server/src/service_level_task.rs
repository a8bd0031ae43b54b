//! The service-level sweep on a schedule: due metrics sources are pulled, then every tenant's
//! SLOs are evaluated, burn-rate
//! violations open and end, unacknowledged ones escalate, and complete periods are judged
//! (missed targets, service credits). Safe on every node: a period's credit is unique in the
//! store and violations are keyed by rule.

use std::time::Duration;

use probity_core::DomainError;
use probity_core::service_level::sweep::SweepReport;

use crate::state::AppState;

/// Pulls the SLOs whose metrics source is due, then sweeps every tenant's SLOs once.
pub async fn tick(state: &AppState) -> Result<SweepReport, DomainError> {
    let pulled = state.service_levels().pull_due().await?;
    if pulled > 0 {
        tracing::debug!(pulled, "service-level metrics pulled");
    }
    state.service_levels().sweep().await
}

/// Sweeps every `interval` until `shutdown` turns true.
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::periodic::every(interval, shutdown, || async {
        match tick(&state).await {
            Ok(r) if r.opened + r.ended + r.escalated + r.judged > 0 => {
                tracing::info!(?r, "service-level sweep");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "service-level sweep failed"),
        }
    })
    .await;
}
