//! Shared application state handed to every handler.

use std::sync::Arc;
use std::time::Duration;

use probity_core::audit::trail::AuditTrail;
use probity_core::ledger::LedgerService;
use probity_core::platform::PlatformService;
use probity_crypto::CsrfKey;

use crate::metrics::Metrics;

/// HTTP settings the server needs at run time.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Time after which a request is stopped.
    pub request_timeout: Duration,
    /// Whether cookies carry `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The host (and optional path) people reach this server at, without the scheme; it names
    /// each tenant's log: `<public host>/probity/<tenant slug>`.
    pub public_host: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            secure_cookies: false,
            public_host: "127.0.0.1:8080".to_owned(),
        }
    }
}

struct Inner {
    platform: Arc<PlatformService>,
    ledger: Arc<LedgerService>,
    trail: AuditTrail,
    csrf: CsrfKey,
    metrics: Metrics,
    http: HttpSettings,
}

/// Cheap-to-clone handle on the services.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(
        platform: Arc<PlatformService>,
        ledger: Arc<LedgerService>,
        csrf: CsrfKey,
        http: HttpSettings,
    ) -> Self {
        let trail = AuditTrail::new(Arc::clone(&ledger), Arc::clone(platform.clock()));
        Self {
            inner: Arc::new(Inner {
                platform,
                ledger,
                trail,
                csrf,
                metrics: Metrics::default(),
                http,
            }),
        }
    }

    /// Platform use cases.
    pub fn platform(&self) -> &PlatformService {
        &self.inner.platform
    }

    /// Tenants' verifiable logs.
    pub fn ledger(&self) -> &Arc<LedgerService> {
        &self.inner.ledger
    }

    /// The audit trail (event ingest).
    pub fn trail(&self) -> &AuditTrail {
        &self.inner.trail
    }

    /// The CSRF key.
    pub fn csrf_key(&self) -> &CsrfKey {
        &self.inner.csrf
    }

    /// Request and job counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// HTTP settings.
    pub fn http(&self) -> &HttpSettings {
        &self.inner.http
    }
}
