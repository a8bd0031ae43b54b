//! The governance sweep on a schedule: for every tenant, exceptions past their expiry are
//! recorded as expired, and reminders are raised for exceptions about to expire, risks and
//! policies due for review and overdue acknowledgments (each once, by deduplication key).

use std::time::Duration;

use probity_core::DomainError;
use probity_core::governance::SweepReport;
use probity_core::page::PageRequest;

use crate::state::AppState;

const TENANT_PAGE: i64 = 500;

/// Sweeps every tenant once; a tenant that fails is logged and the rest still run.
pub async fn tick(state: &AppState) -> Result<SweepReport, DomainError> {
    let store = state.platform().store();
    let mut total = SweepReport::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(TENANT_PAGE), cursor.as_deref())?;
        let tenants = store.list_tenants(&page).await?;
        for tenant in &tenants.items {
            match state.governance().sweep(tenant).await {
                Ok(r) => {
                    total.expired += r.expired;
                    total.expiring += r.expiring;
                    total.risk_reviews_due += r.risk_reviews_due;
                    total.policy_reviews_due += r.policy_reviews_due;
                    total.acknowledgments_overdue += r.acknowledgments_overdue;
                }
                Err(e) => {
                    tracing::error!(tenant = %tenant.id, error = %e, "governance sweep failed")
                }
            }
        }
        match tenants.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(total),
        }
    }
}

/// Sweeps every `interval` until `shutdown` turns true.
pub async fn run(
    state: AppState,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match tick(&state).await {
            Ok(r) if r != SweepReport::default() => tracing::info!(?r, "governance sweep"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "governance sweep failed"),
        }
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
}
