//! Scheduled reports on a schedule: every due report schedule of every tenant is claimed
//! (compare-and-swap, so one node runs each occurrence), generated and delivered to its
//! channels.

use std::time::Duration;

use crate::state::AppState;

/// Runs due report schedules every `interval` until `shutdown` turns true.
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::periodic::every(interval, shutdown, || async {
        match state.reports().run_due().await {
            Ok(r) if r.claimed > 0 => tracing::info!(?r, "scheduled reports"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduled reports failed"),
        }
    })
    .await;
}
