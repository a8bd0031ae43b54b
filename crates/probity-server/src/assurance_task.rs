//! Continuous control monitoring on a schedule: runs the control tests that are due (every
//! tenant), and raises reminders for evidence about to expire; plus [`JsonFetch`], the HTTP
//! client behind `http` collectors and service-level metrics pulls.

use std::time::Duration;

use probity_core::DomainError;
use probity_core::assurance::Fetch;
use probity_core::page::PageRequest;
use probity_core::platform::Principal;

use crate::state::AppState;

/// Largest JSON document an `http` collector reads.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// GETs JSON for `http` collectors: 10 s timeout, no redirects, at most 4 MiB.
#[derive(Debug, Clone)]
pub struct JsonFetch {
    http: Option<reqwest::Client>,
}

impl JsonFetch {
    /// Builds the client (a failure leaves every fetch failing with the reason).
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "Probity/",
                env!("CARGO_PKG_VERSION"),
                " control-monitor"
            ))
            .build()
            .map_err(|e| tracing::error!(error = %e, "control test HTTP client not built"))
            .ok();
        Self { http }
    }
}

impl Default for JsonFetch {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonFetch {
    /// GETs `url` accepting `accept`; the body, at most 4 MiB.
    async fn get(&self, url: &str, accept: &'static str) -> Result<Vec<u8>, String> {
        let http = self.http.as_ref().ok_or("no HTTP client")?;
        let response = http
            .get(url)
            .header("accept", accept)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("GET {url}: HTTP {status}"));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return Err(format!("GET {url}: larger than 4 MiB"));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if body.len() > MAX_BODY {
            return Err(format!("GET {url}: larger than 4 MiB"));
        }
        Ok(body.to_vec())
    }
}

#[async_trait::async_trait]
impl Fetch for JsonFetch {
    async fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        let body = self.get(url, "application/json").await?;
        serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not JSON ({e})"))
    }

    async fn get_text(&self, url: &str) -> Result<String, String> {
        let body = self
            .get(
                url,
                "application/openmetrics-text, text/plain;version=0.0.4, text/plain",
            )
            .await?;
        String::from_utf8(body).map_err(|_| format!("GET {url}: not UTF-8 text"))
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Scheduled tests run.
    pub tests: usize,
    /// Evidence reminders raised (deduplicated by the notification service).
    pub reminders: usize,
}

/// Runs due tests (up to 100), then evidence reminders for every tenant.
pub async fn tick(state: &AppState) -> Result<TickReport, DomainError> {
    let tests = state.assurance().run_due(100).await?;
    let mut reminders = 0;
    let mut page = PageRequest {
        limit: 500,
        after: None,
    };
    loop {
        let tenants = state.platform().store().list_tenants(&page).await?;
        for t in &tenants.items {
            let who = Principal::system(t.clone(), "evidence-reminders");
            match state.assurance().evidence_reminders(&who).await {
                Ok(n) => reminders += n,
                Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "evidence reminders failed"),
            }
        }
        match (tenants.next_cursor, tenants.items.last()) {
            (Some(_), Some(last)) => page.after = Some(last.id.0),
            _ => break,
        }
    }
    Ok(TickReport { tests, reminders })
}

/// Ticks every `interval` until `shutdown` turns true.
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::periodic::every(interval, shutdown, || async {
        match tick(&state).await {
            Ok(r) if r.tests > 0 => tracing::info!(tests = r.tests, "control tests run"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "control monitoring tick failed"),
        }
    })
    .await;
}
