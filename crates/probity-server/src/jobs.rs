//! The job worker: fires due cron schedules, claims due jobs, runs their handlers, and
//! records success, retry with backoff, or death after the last attempt.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use probity_core::jobs::rules::{next_occurrence, parse_cron, retry_delay};
use probity_core::jobs::{Job, Schedule};
use probity_core::platform::PlatformService;
use probity_core::{DomainError, DomainResult};

use crate::metrics::JobOutcome;
use crate::state::AppState;

/// A job handler: gets the job, returns an error message to retry.
pub type Handler =
    Arc<dyn Fn(Arc<PlatformService>, Job) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Runs jobs for one process.
pub struct Worker {
    state: AppState,
    platform: Arc<PlatformService>,
    id: String,
    handlers: HashMap<String, Handler>,
    lease: chrono::Duration,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What one step of the worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// No job was due.
    Idle,
    /// A job ran and succeeded.
    Succeeded(uuid::Uuid),
    /// A job failed and will be retried.
    Retrying(uuid::Uuid),
    /// A job failed for the last time.
    Dead(uuid::Uuid),
}

/// The daily retention job: every tenant's audit retention policy applied.
pub const RETENTION_JOB: &str = "audit.retention";

/// Applies every tenant's retention policy (the search index caught up first); one tenant's
/// failure is logged and the others still run.
async fn retention(state: AppState) -> Result<(), String> {
    use probity_core::page::PageRequest;
    use probity_core::platform::Principal;
    let store = state.platform().store();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(100), cursor.as_deref()).map_err(|e| e.to_string())?;
        let tenants = store.list_tenants(&page).await.map_err(|e| e.to_string())?;
        for tenant in &tenants.items {
            let id = tenant.id;
            let run = async {
                state.indexer().catch_up(id, u64::MAX).await?;
                let who = Principal::system(tenant.clone(), "retention");
                state.erasure().run_retention(&who, false).await
            };
            match run.await {
                Ok(r) => {
                    tracing::info!(tenant = %id, erased = r.erased, held = r.held, "audit retention applied")
                }
                Err(e) => tracing::error!(tenant = %id, error = %e, "audit retention failed"),
            }
        }
        match tenants.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// The daily privacy retention job: every tenant's active retention schedules run.
pub const PRIVACY_RETENTION_JOB: &str = "privacy.retention";

/// Runs every tenant's active retention schedules (the search index caught up first); one
/// tenant's failure is logged and the others still run.
pub async fn privacy_retention(state: AppState) -> Result<(), String> {
    use probity_core::page::PageRequest;
    use probity_core::platform::Principal;
    let store = state.platform().store();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(100), cursor.as_deref()).map_err(|e| e.to_string())?;
        let tenants = store.list_tenants(&page).await.map_err(|e| e.to_string())?;
        for tenant in &tenants.items {
            let id = tenant.id;
            let run = async {
                let who = Principal::system(tenant.clone(), "privacy-retention");
                if state.privacy().retention_schedules(&who).await?.is_empty() {
                    return Ok(Vec::new());
                }
                state.indexer().catch_up(id, u64::MAX).await?;
                state.privacy().run_active_retention_schedules(&who).await
            };
            match run.await {
                Ok(runs) => {
                    for r in runs {
                        tracing::info!(
                            tenant = %id, schedule = %r.schedule_reference,
                            erased = r.audit_erased, held = r.audit_held,
                            redacted = r.requests_redacted.len(),
                            "privacy retention schedule applied"
                        );
                    }
                }
                Err(e) => {
                    tracing::error!(tenant = %id, error = %e, "privacy retention failed");
                }
            }
        }
        match tenants.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// The built-in schedules.
pub fn builtin_schedules() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("sessions.purge", "17 * * * *", "sessions.purge"),
        (RETENTION_JOB, "43 3 * * *", RETENTION_JOB),
        (PRIVACY_RETENTION_JOB, "13 4 * * *", PRIVACY_RETENTION_JOB),
    ]
}

impl Worker {
    /// A worker with the built-in handlers (`keys.rewrap`, `sessions.purge`, and the
    /// notification steps `notify.deliver` and `notify.escalate`).
    pub fn new(state: AppState, platform: Arc<PlatformService>, id: String) -> Self {
        let notify = Arc::clone(state.notify());
        let mut worker = Worker {
            state,
            platform,
            id,
            handlers: HashMap::new(),
            lease: chrono::Duration::minutes(5),
        };
        worker.register(
            "keys.rewrap",
            Arc::new(|p: Arc<PlatformService>, _job: Job| {
                Box::pin(async move {
                    let report = p.keys().rewrap_all().await.map_err(|e| e.to_string())?;
                    tracing::info!(
                        examined = report.examined,
                        rewrapped = report.rewrapped,
                        "data keys re-wrapped"
                    );
                    Ok(())
                })
            }),
        );
        worker.register(
            "sessions.purge",
            Arc::new(|p: Arc<PlatformService>, _job: Job| {
                Box::pin(async move {
                    let now = p.clock().now();
                    let n = p
                        .store()
                        .delete_expired_sessions(now)
                        .await
                        .map_err(|e| e.to_string())?;
                    tracing::info!(purged = n, "expired sessions purged");
                    Ok(())
                })
            }),
        );
        let retention_state = worker.state.clone();
        worker.register(
            RETENTION_JOB,
            Arc::new(move |_p: Arc<PlatformService>, _job: Job| {
                Box::pin(retention(retention_state.clone()))
            }),
        );
        let privacy_state = worker.state.clone();
        worker.register(
            PRIVACY_RETENTION_JOB,
            Arc::new(move |_p: Arc<PlatformService>, _job: Job| {
                Box::pin(privacy_retention(privacy_state.clone()))
            }),
        );
        crate::notify::register(&mut worker, notify);
        worker
    }

    /// Adds or replaces a handler.
    pub fn register(&mut self, kind: &str, handler: Handler) {
        self.handlers.insert(kind.to_owned(), handler);
    }

    /// Creates the built-in schedules (keeping their next run when unchanged).
    pub async fn install_schedules(&self) -> DomainResult<()> {
        let now = self.platform.clock().now();
        for (name, expr, kind) in builtin_schedules() {
            let cron = parse_cron("schedule", expr)?;
            let next = next_occurrence(&cron, now)
                .ok_or_else(|| DomainError::Internal(format!("schedule {name} never fires")))?;
            let schedule = Schedule {
                name: name.into(),
                cron: expr.into(),
                kind: kind.into(),
                payload: serde_json::json!({}),
                next_run_at: next,
            };
            self.platform.store().upsert_schedule(&schedule).await?;
        }
        Ok(())
    }

    /// Enqueues one job per due schedule (at most once across nodes).
    pub async fn fire_schedules(&self) -> DomainResult<usize> {
        let now = self.platform.clock().now();
        let mut fired = 0;
        for s in self.platform.store().due_schedules(now).await? {
            let cron = parse_cron("schedule", &s.cron)?;
            let Some(next) = next_occurrence(&cron, now) else {
                continue;
            };
            let job = Job::new(&s.kind, None, s.payload.clone(), now);
            if self
                .platform
                .store()
                .fire_schedule(&s.name, s.next_run_at, next, &job)
                .await?
            {
                fired += 1;
            }
        }
        Ok(fired)
    }

    /// Claims and runs at most one due job.
    pub async fn step(&self) -> DomainResult<Step> {
        let store = self.platform.store();
        let now = self.platform.clock().now();
        let Some(job) = store.claim_job(&self.id, now, now + self.lease).await? else {
            return Ok(Step::Idle);
        };
        let result = if job.attempts > job.max_attempts {
            Err("lease expired after the last attempt".to_owned())
        } else {
            match self.handlers.get(&job.kind) {
                Some(handler) => handler(Arc::clone(&self.platform), job.clone()).await,
                None => Err(format!("no handler for job kind {:?}", job.kind)),
            }
        };
        let now = self.platform.clock().now();
        match result {
            Ok(()) => {
                store.complete_job(job.id, now).await?;
                self.state.metrics().observe_job(JobOutcome::Succeeded);
                Ok(Step::Succeeded(job.id))
            }
            Err(error) if job.attempts < job.max_attempts => {
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed; will retry");
                store
                    .fail_job(job.id, &error, Some(now + retry_delay(job.attempts)), now)
                    .await?;
                self.state.metrics().observe_job(JobOutcome::Failed);
                Ok(Step::Retrying(job.id))
            }
            Err(error) => {
                tracing::error!(job = %job.id, kind = %job.kind, %error, "job failed for the last time");
                store.fail_job(job.id, &error, None, now).await?;
                self.state.metrics().observe_job(JobOutcome::Dead);
                Ok(Step::Dead(job.id))
            }
        }
    }

    /// Runs until `shutdown` flips to true: schedules, then jobs, sleeping when idle.
    pub async fn run(self, poll: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        if let Err(e) = self.install_schedules().await {
            tracing::error!(error = %e, "cannot install schedules");
        }
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = self.fire_schedules().await {
                tracing::warn!(error = %e, "firing schedules failed");
            }
            let idle = match self.step().await {
                Ok(Step::Idle) => true,
                Ok(_) => false,
                Err(e) => {
                    tracing::warn!(error = %e, "job worker step failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }
}
