//! Shared application state handed to every handler.

use std::sync::Arc;
use std::time::Duration;

use probity_core::assurance::AssuranceService;
use probity_core::audit::alerts::DetectionService;
use probity_core::audit::erasure::ErasureService;
use probity_core::audit::forward::ForwarderService;
use probity_core::audit::indexer::Indexer;
use probity_core::audit::trail::AuditTrail;
use probity_core::calendar::CalendarService;
use probity_core::catalog::{Catalog, CatalogService};
use probity_core::governance::GovernanceService;
use probity_core::ledger::LedgerService;
use probity_core::notify::{Dispatch, NotifyService, NotifySettings, Outbound, SendFailure};
use probity_core::platform::PlatformService;
use probity_core::privacy::{ConsentService, PrivacyService, SubjectExport};
use probity_core::reports::{ReportService, ReportSources};
use probity_core::service_level::ServiceLevelService;
use probity_core::support::SupportService;
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
    /// Where control tests' Rego runs (`probity serve`: a child process with a memory cap).
    pub rego_isolation: probity_core::assurance::rego::Isolation,
}

impl HttpSettings {
    /// The URL people reach this server at (`https://` when cookies are `Secure`).
    pub fn public_url(&self) -> String {
        format!(
            "{}://{}",
            if self.secure_cookies { "https" } else { "http" },
            self.public_host
        )
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            secure_cookies: false,
            public_host: "127.0.0.1:8080".to_owned(),
            rego_isolation: probity_core::assurance::rego::Isolation::Thread,
        }
    }
}

struct Inner {
    platform: Arc<PlatformService>,
    ledger: Arc<LedgerService>,
    trail: AuditTrail,
    indexer: Indexer,
    notify: Arc<NotifyService>,
    catalog: CatalogService,
    governance: Arc<GovernanceService>,
    assurance: Arc<AssuranceService>,
    service_levels: Arc<ServiceLevelService>,
    reports: ReportService,
    calendar: CalendarService,
    erasure: Arc<ErasureService>,
    detection: DetectionService,
    forwarders: ForwarderService,
    privacy: PrivacyService,
    consent: ConsentService,
    subject_export: Arc<SubjectExport>,
    support: SupportService,
    csrf: CsrfKey,
    pending_sign_in: probity_crypto::Keyring,
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

/// Stands in when the HTTP client cannot be built: every send fails (and is retried).
#[derive(Debug)]
struct UnavailableDispatch(String);

#[async_trait::async_trait]
impl Dispatch for UnavailableDispatch {
    async fn send(&self, _message: &Outbound) -> Result<Option<u16>, SendFailure> {
        Err(SendFailure {
            status: None,
            message: self.0.clone(),
            permanent: false,
        })
    }
}

/// The notification service over the platform's store, clock and keys, sending through
/// [`crate::notify::NetworkDispatch`] with `dispatch` settings.
pub fn notify_service(
    platform: &PlatformService,
    dispatch: &crate::notify::DispatchSettings,
    settings: NotifySettings,
) -> Arc<NotifyService> {
    let sender: Arc<dyn Dispatch> = match crate::notify::NetworkDispatch::new(dispatch) {
        Ok(d) => Arc::new(d),
        Err(e) => {
            tracing::error!(error = %e, "notifications cannot be sent");
            Arc::new(UnavailableDispatch(e.to_string()))
        }
    };
    Arc::new(NotifyService::new(
        Arc::clone(platform.store()),
        Arc::clone(platform.clock()),
        Arc::clone(platform.keys()),
        sender,
        settings,
    ))
}

impl AppState {
    /// Builds the state, with notifications sent over HTTP only (no SMTP relay).
    pub fn new(
        platform: Arc<PlatformService>,
        ledger: Arc<LedgerService>,
        csrf: CsrfKey,
        http: HttpSettings,
    ) -> Self {
        let notify = notify_service(
            &platform,
            &crate::notify::DispatchSettings::default(),
            NotifySettings::default(),
        );
        Self::with_notify(platform, ledger, notify, csrf, http)
    }

    /// Builds the state around a configured notification service.
    pub fn with_notify(
        platform: Arc<PlatformService>,
        ledger: Arc<LedgerService>,
        notify: Arc<NotifyService>,
        csrf: CsrfKey,
        http: HttpSettings,
    ) -> Self {
        let trail = AuditTrail::new(Arc::clone(&ledger), Arc::clone(platform.clock()));
        let index_store: Arc<dyn probity_core::audit::index::AuditIndexStore> =
            Arc::clone(platform.store()) as _;
        let indexer = Indexer::new(Arc::clone(&ledger), index_store);
        let catalog = CatalogService::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
            Catalog::shipped_or_empty(),
        );
        let governance =
            GovernanceService::new(Arc::clone(platform.store()), Arc::clone(platform.clock()))
                .with_notify(
                    Arc::clone(&notify),
                    &format!(
                        "{}://{}",
                        if http.secure_cookies { "https" } else { "http" },
                        http.public_host
                    ),
                );
        let public_url = format!(
            "{}://{}",
            if http.secure_cookies { "https" } else { "http" },
            http.public_host
        );
        let assurance = AssuranceService::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
            Arc::clone(platform.keys()),
        )
        .with_ledger(Arc::clone(&ledger), &http.public_host)
        .with_notify(Arc::clone(&notify), &public_url)
        .with_fetch(Arc::new(crate::assurance_task::JsonFetch::new()))
        .with_rego_isolation(http.rego_isolation.clone());
        let service_levels =
            ServiceLevelService::new(Arc::clone(platform.store()), Arc::clone(platform.clock()))
                .with_notify(Arc::clone(&notify), &public_url)
                .with_fetch(Arc::new(crate::assurance_task::JsonFetch::new()));
        let governance = Arc::new(governance);
        let assurance = Arc::new(assurance);
        let service_levels = Arc::new(service_levels);
        let reports = ReportService::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
            Arc::clone(platform.keys()),
            ReportSources {
                assurance: Arc::clone(&assurance),
                governance: Arc::clone(&governance),
                service_levels: Arc::clone(&service_levels),
                store: Arc::clone(platform.store()),
            },
        )
        .with_notify(Arc::clone(&notify), &public_url);
        let calendar = CalendarService::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
            Arc::clone(platform.keys()),
        );
        let erasure = Arc::new(ErasureService::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
        ));
        let detection =
            DetectionService::new(Arc::clone(platform.store()), Arc::clone(platform.clock()))
                .with_notify(Arc::clone(&notify), &public_url)
                .with_violations(Arc::clone(&governance) as _);
        // Completing an erasure request erases the subject's audit events (holds honoured);
        // completing an access, portability or know request builds the subject's export.
        let subject_export = Arc::new(SubjectExport::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
            Indexer::new(Arc::clone(&ledger), Arc::clone(platform.store()) as _),
        ));
        let privacy =
            PrivacyService::new(Arc::clone(platform.store()), Arc::clone(platform.clock()))
                .with_fulfilment(Arc::new(probity_core::privacy::fulfil::AuditErasure::new(
                    Arc::clone(&erasure),
                    Indexer::new(Arc::clone(&ledger), Arc::clone(platform.store()) as _),
                )))
                .with_fulfilment(Arc::clone(&subject_export) as _);
        let consent =
            ConsentService::new(Arc::clone(platform.store()), Arc::clone(platform.clock()))
                .with_ledger(Arc::clone(&ledger));
        let forwarders = ForwarderService::new(
            Arc::clone(platform.store()),
            Arc::clone(platform.clock()),
            Arc::clone(platform.keys()),
            Arc::clone(&ledger),
        );
        let support =
            SupportService::new(Arc::clone(platform.store()), Arc::clone(platform.clock()))
                .with_notify(Arc::clone(&notify), &public_url);
        Self {
            inner: Arc::new(Inner {
                platform,
                ledger,
                trail,
                indexer,
                notify,
                catalog,
                governance,
                assurance,
                service_levels,
                reports,
                calendar,
                erasure,
                detection,
                forwarders,
                privacy,
                consent,
                subject_export,
                support,
                csrf,
                pending_sign_in: probity_crypto::Keyring::generate("web pending sign-in"),
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

    /// Keeps the audit search projection up with the ledger.
    pub fn indexer(&self) -> &Indexer {
        &self.inner.indexer
    }

    /// Notifications: channels, rules, raising and delivery.
    pub fn notify(&self) -> &Arc<NotifyService> {
        &self.inner.notify
    }

    /// The compliance catalog and the tenant's state over it.
    pub fn catalog(&self) -> &CatalogService {
        &self.inner.catalog
    }

    /// Policies and, as they land, the rest of governance.
    pub fn governance(&self) -> &GovernanceService {
        &self.inner.governance
    }

    /// Evidence, assessments, control tests, decisions and the compliance posture.
    pub fn assurance(&self) -> &AssuranceService {
        &self.inner.assurance
    }

    /// Services, SLOs and SLAs, violations and service credits.
    pub fn service_levels(&self) -> &ServiceLevelService {
        &self.inner.service_levels
    }

    /// Reports: generation, history and schedules.
    pub fn reports(&self) -> &ReportService {
        &self.inner.reports
    }

    /// The compliance calendar and its feeds.
    pub fn calendar(&self) -> &CalendarService {
        &self.inner.calendar
    }

    /// Audit retention, legal holds and subject erasure.
    pub fn erasure(&self) -> &Arc<ErasureService> {
        &self.inner.erasure
    }

    /// Detection rules, their evaluation and alerts.
    pub fn detection(&self) -> &DetectionService {
        &self.inner.detection
    }

    /// SIEM forwarders.
    pub fn forwarders(&self) -> &ForwarderService {
        &self.inner.forwarders
    }

    /// Data subject requests, breaches and their clocks.
    pub fn privacy(&self) -> &PrivacyService {
        &self.inner.privacy
    }

    /// The consent ledger: purposes, grants and withdrawals, receipts and proofs.
    pub fn consent(&self) -> &ConsentService {
        &self.inner.consent
    }

    /// Subject access and portability exports.
    pub fn subject_export(&self) -> &SubjectExport {
        &self.inner.subject_export
    }

    /// The support desk: tickets, their SLA clocks, the configuration and the metrics.
    pub fn support(&self) -> &SupportService {
        &self.inner.support
    }

    /// This process's key for sealing the password between the two steps of a web sign-in
    /// (generated at start, never stored: a pending sign-in does not survive a restart).
    pub fn pending_sign_in_key(&self) -> &probity_crypto::Keyring {
        &self.inner.pending_sign_in
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
