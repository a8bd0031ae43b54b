//! `probity serve`: the HTTP server, the job worker, the ledger task and (when witnesses are
//! configured) the witness client in one process, with graceful shutdown on SIGTERM and SIGINT
//! (in-flight requests finish; the worker stops between jobs).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use probity_server::jobs::Worker;
use probity_server::{AppState, HttpSettings};
use secrecy::SecretString;

use crate::config::Config;
use crate::wiring;

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested: finishing in-flight requests");
}

/// The demo password: from `PROBITY_DEMO_PASSWORD`, else a fixed, documented one.
fn demo_password() -> SecretString {
    SecretString::from(
        std::env::var("PROBITY_DEMO_PASSWORD").unwrap_or_else(|_| "demo-probity-2026".to_owned()),
    )
}

/// Runs the server until a signal arrives.
pub async fn run(config: &Config, demo: bool) -> anyhow::Result<()> {
    let bind = config.bind_addr()?;
    probity_core::catalog::Catalog::shipped().context("the embedded compliance catalogs")?;
    let services = wiring::build(config, wiring::system_clock()).await?;
    let http = HttpSettings {
        body_limit_bytes: config.server.body_limit_bytes,
        request_timeout: Duration::from_secs(config.server.request_timeout_secs),
        secure_cookies: config.server.public_url.starts_with("https://"),
        public_host: config.public_host(),
        rego_isolation: rego_isolation(config)?,
    };
    let notify = wiring::notify_service(config, &services.platform)?;
    let state = AppState::with_notify(
        Arc::clone(&services.platform),
        Arc::clone(&services.ledger),
        notify,
        services.csrf,
        http,
    );
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("server.bind: cannot listen on {bind}"))?;
    let local = listener.local_addr().context("local address")?;
    println!(
        "probity listening on http://{local}/ ({} store)",
        services.store.backend()
    );
    if demo {
        let password = demo_password();
        let (tenant, email, created) = services.platform.ensure_demo(&password).await?;
        let shown = if created || std::env::var("PROBITY_DEMO_PASSWORD").is_err() {
            secrecy::ExposeSecret::expose_secret(&password).to_owned()
        } else {
            "(the one set in PROBITY_DEMO_PASSWORD)".to_owned()
        };
        if created {
            // Two weeks of audit events, so the trail and the ledger have something to show.
            let now = services.platform.clock().now();
            let submitter = probity_core::audit::event::Submitter {
                kind: probity_core::audit::ActorKind::System,
                id: "demo".to_owned(),
            };
            // Detection rules first, so the demo's events raise alerts as they are indexed.
            let system = probity_core::platform::Principal::system(tenant.clone(), "demo");
            for rule in probity_core::audit::demo::rules() {
                state.detection().create_rule(&system, &rule).await?;
            }
            let events = probity_core::audit::demo::events(now, 400);
            let ingested = state.trail().ingest(tenant.id, &submitter, events).await?;
            tracing::info!(events = ingested.len(), "demo audit events recorded");
            let who = probity_core::platform::Principal::system(tenant.clone(), "demo");
            let controls = probity_core::catalog::demo::seed(state.catalog(), &who).await?;
            tracing::info!(controls, "demo control states recorded");
            let policies = probity_core::governance::demo::seed(state.governance(), &who).await?;
            tracing::info!(policies, "demo policies recorded");
            let (risks, exceptions) =
                probity_core::governance::demo::seed_risks(state.governance(), &who).await?;
            tracing::info!(risks, exceptions, "demo risks and exceptions recorded");
            let vendors =
                probity_core::governance::demo::seed_vendors(state.governance(), &who).await?;
            tracing::info!(vendors, "demo vendors recorded");
            let assets =
                probity_core::governance::demo::seed_assets(state.governance(), &who).await?;
            tracing::info!(assets, "demo assets recorded");
            let lead = services
                .store
                .user_by_email(email.as_str())
                .await?
                .map(|u| u.id);
            let assurance =
                probity_core::assurance::demo::seed(state.assurance(), &who, lead).await?;
            tracing::info!(
                ?assurance,
                "demo evidence, control tests and assessments recorded"
            );
            let levels =
                probity_core::service_level::demo::seed(state.service_levels(), &who).await?;
            tracing::info!(
                ?levels,
                "demo services, SLOs, measurements and credits recorded"
            );
            let reports = probity_core::reports::demo::seed(state.reports(), &who).await?;
            tracing::info!(reports, "demo reports generated");
        }
        // Outside the first-run block so that demo databases made before the privacy context
        // and the support desk landed get their data too; each seed skips a tenant that
        // already has requests or tickets.
        let who = probity_core::platform::Principal::system(tenant.clone(), "demo");
        let (requests, breaches) = probity_core::privacy::demo::seed(state.privacy(), &who).await?;
        tracing::info!(
            requests,
            breaches,
            "demo privacy requests and breaches recorded"
        );
        let consent =
            probity_core::privacy::demo::seed_consent(state.consent(), state.privacy(), &who)
                .await?;
        tracing::info!(consent, "demo consent purposes and events recorded");
        let tickets = probity_core::support::demo::seed(state.support(), &who).await?;
        tracing::info!(tickets, "demo support tickets recorded");
        println!("Probity demo is ready.");
        println!("  URL:      http://{local}/");
        println!("  Tenant:   {} ({})", tenant.name, tenant.slug);
        println!("  Email:    {email}");
        println!("  Password: {shown}");
    }
    tracing::info!(address = %local, store = services.store.backend(), "probity listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Audit records become ledger entries, and checkpoints are signed, about once a second.
    let ledger_task = tokio::spawn(probity_server::ledger_task::run(
        state.clone(),
        Duration::from_secs(1),
        stop_rx.clone(),
    ));
    // Exceptions expire and governance reminders are raised once a minute (on every node: the
    // expiry is a compare-and-swap and reminders are deduplicated, so nodes do not double up).
    let governance_task = tokio::spawn(probity_server::governance_task::run(
        state.clone(),
        Duration::from_secs(60),
        stop_rx.clone(),
    ));
    // Scheduled control tests run, and evidence expiry reminders are raised, every 30 s.
    let assurance_task = tokio::spawn(probity_server::assurance_task::run(
        state.clone(),
        Duration::from_secs(30),
        stop_rx.clone(),
    ));
    // SLOs are evaluated once a minute (after due metrics pulls): burn-rate violations,
    // escalation, period judgments.
    let service_level_task = tokio::spawn(probity_server::service_level_task::run(
        state.clone(),
        Duration::from_secs(60),
        stop_rx.clone(),
    ));
    // Support tickets' SLA clocks are swept once a minute: warnings before a breach,
    // escalations on it.
    let support_task = tokio::spawn(probity_server::support_task::run(
        state.clone(),
        Duration::from_secs(60),
        stop_rx.clone(),
    ));
    // Report schedules are checked once a minute (cron has minute resolution).
    let report_task = tokio::spawn(probity_server::report_task::run(
        state.clone(),
        Duration::from_secs(60),
        stop_rx.clone(),
    ));
    // Witnesses are asked for cosignatures on their own cadence, so a slow one never delays
    // checkpoint signing.
    let witnesses = config.witness_endpoints()?;
    let witness_task = if witnesses.is_empty() {
        None
    } else {
        let client = probity_server::witness_task::WitnessClient::new(witnesses)
            .map_err(|e| anyhow::anyhow!("witness client: {e}"))?;
        Some(tokio::spawn(probity_server::witness_task::run(
            state.clone(),
            client,
            Duration::from_secs(1),
            stop_rx.clone(),
        )))
    };
    // SIEM forwarders send each tenant's trail on, about once a second (several nodes share
    // the work through leases).
    let transport = probity_server::forward_task::NetworkTransport::new(
        &config.public_host(),
        Duration::from_secs(config.notify.timeout_secs),
        Arc::clone(services.platform.clock()),
    )
    .map_err(|e| anyhow::anyhow!("SIEM forwarding: {e}"))?;
    let forward_task = tokio::spawn(probity_server::forward_task::run(
        state.clone(),
        transport,
        format!("{}-{}", hostname(), std::process::id()),
        Duration::from_secs(1),
        stop_rx.clone(),
    ));
    // Syslog listeners feed their tenants' trails.
    let mut syslog = Vec::new();
    for binding in config.syslog_bindings()? {
        let tenant = services
            .platform
            .tenant(&binding.tenant)
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "audit.syslog: no tenant with slug {:?}; create it first (probity tenant create)",
                    binding.tenant
                )
            })?;
        let running = probity_server::syslog::start(
            state.clone(),
            probity_server::syslog::SyslogListener {
                tenant: tenant.id,
                tcp: binding.tcp,
                udp: binding.udp,
                max_message_bytes: binding.max_message_bytes,
            },
            stop_rx.clone(),
        )
        .await
        .with_context(|| format!("audit.syslog: cannot listen for tenant {}", tenant.slug))?;
        for (proto, addr) in [("tcp", running.tcp), ("udp", running.udp)] {
            if let Some(addr) = addr {
                println!(
                    "syslog listening on {proto}://{addr} for tenant {}",
                    tenant.slug
                );
            }
        }
        syslog.push(running);
    }
    let worker = if config.jobs.enabled {
        let worker = Worker::new(
            state.clone(),
            Arc::clone(&services.platform),
            format!("{}-{}", hostname(), std::process::id()),
        );
        Some(tokio::spawn(worker.run(
            Duration::from_millis(config.jobs.poll_interval_ms),
            stop_rx,
        )))
    } else {
        None
    };
    let app = probity_server::app(state);
    probity_server::serve(listener, app, shutdown_signal())
        .await
        .context("server")?;
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), ledger_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), governance_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), assurance_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), service_level_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), support_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(60), report_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(30), forward_task).await;
    if let Some(handle) = witness_task {
        let _ = tokio::time::timeout(Duration::from_secs(15), handle).await;
    }
    if let Some(handle) = worker {
        let _ = tokio::time::timeout(Duration::from_secs(30), handle).await;
    }
    for running in syslog {
        let _ = tokio::time::timeout(Duration::from_secs(15), running.join()).await;
    }
    tracing::info!("probity stopped");
    Ok(())
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "probity".to_owned())
}

/// Where control tests' Rego runs: this binary's `__rego-eval` child, or a thread.
fn rego_isolation(config: &Config) -> anyhow::Result<probity_core::assurance::rego::Isolation> {
    use probity_core::assurance::rego::Isolation;
    if config.assurance.rego_isolation == "thread" {
        return Ok(Isolation::Thread);
    }
    let program = std::env::current_exe().map_err(|e| {
        anyhow::anyhow!("assurance.rego_isolation = \"process\" needs this program's path: {e}")
    })?;
    Ok(Isolation::Process {
        program,
        args: vec![crate::cli::REGO_CHILD.to_owned()],
        memory_bytes: config.assurance.rego_memory_mb.saturating_mul(1024 * 1024),
    })
}
