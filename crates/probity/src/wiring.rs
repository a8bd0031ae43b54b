//! Builds the services from the configuration: store, key-encryption key, keyrings, platform.

use std::sync::Arc;

use anyhow::{Context, bail};
use probity_core::keys::KeyService;
use probity_core::ledger::{LedgerConfig, LedgerService};
use probity_core::platform::rules::LockoutPolicy;
use probity_core::platform::{PlatformService, PlatformSettings};
use probity_core::store::Store;
use probity_core::{Clock, SystemClock};
use probity_crypto::{CsrfKey, Kek};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// Everything a command needs.
pub struct Services {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Platform use cases.
    pub platform: Arc<PlatformService>,
    /// Tenants' verifiable logs.
    pub ledger: Arc<LedgerService>,
    /// CSRF key derived from the key-encryption key (identical on every node).
    pub csrf: CsrfKey,
}

fn load_kek(config: &Config, postgres: bool) -> anyhow::Result<Kek> {
    if let Some(text) = &config.keys.kek {
        return Kek::from_text(text).context("keys.kek");
    }
    let path = match &config.keys.kek_file {
        Some(p) => p.clone(),
        None if postgres => bail!(
            "configuration: keys.kek_file is required with PostgreSQL: every node must share one key-encryption key \
             (create one with `openssl rand -base64 32 > kek` and set keys.kek_file or PROBITY_KEYS__KEK_FILE)"
        ),
        None => config.data_dir.join("kek"),
    };
    let file =
        Kek::load_or_create(&path).with_context(|| format!("keys.kek_file {}", path.display()))?;
    if file.created {
        tracing::warn!(
            path = %path.display(),
            "generated a new key-encryption key: back this file up; without it encrypted data cannot be read"
        );
    }
    if let Some(mode) = file.loose_permissions {
        tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "key-encryption key file is readable by others: chmod 600 it");
    }
    Ok(file.kek)
}

/// Opens the store (applying migrations) and builds the services.
pub async fn build(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Services> {
    let target = config.database_target()?;
    let postgres = matches!(target, probity_store::DatabaseTarget::Postgres { .. });
    if !postgres {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("data_dir: cannot create {}", config.data_dir.display()))?;
    }
    let kek = load_kek(config, postgres)?;
    let previous = config
        .keys
        .previous_kek_files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("keys.previous_kek_files: cannot read {}", p.display()))?;
            Kek::from_text(text.trim())
                .with_context(|| format!("keys.previous_kek_files: {}", p.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = probity_store::open(&target).await.context("database")?;
    let digest = Sha256::new()
        .chain_update(b"probity/csrf/v1\n")
        .chain_update(kek.to_text().as_bytes())
        .finalize();
    let csrf = CsrfKey::from_bytes(digest.into());
    let keys = Arc::new(KeyService::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        kek,
        previous,
    ));
    keys.check().await.context("keys")?;
    let settings = PlatformSettings {
        lockout: LockoutPolicy {
            threshold: i32::try_from(config.auth.lockout_threshold).unwrap_or(i32::MAX),
            cooldown: chrono::Duration::minutes(i64::from(config.auth.lockout_minutes)),
        },
        session_ttl: chrono::Duration::hours(i64::from(config.auth.session_ttl_hours)),
        ..PlatformSettings::default()
    };
    let ledger = Arc::new(LedgerService::new(
        Arc::clone(&store),
        Arc::clone(&keys),
        Arc::clone(&clock),
        LedgerConfig::default(),
    ));
    let platform = Arc::new(PlatformService::new(
        Arc::clone(&store),
        clock,
        keys,
        settings,
    ));
    Ok(Services {
        store,
        platform,
        ledger,
        csrf,
    })
}

/// The notification service: retries and the network as configured in `[notify]`. A relay
/// setting lettre cannot use fails here, at start, naming the key.
pub fn notify_service(
    config: &Config,
    platform: &PlatformService,
) -> anyhow::Result<Arc<probity_core::notify::NotifyService>> {
    use probity_server::notify::{DispatchSettings, NetworkDispatch, SmtpSecurity, SmtpSettings};
    let n = &config.notify;
    let smtp = n.smtp.as_ref().map(|s| SmtpSettings {
        host: s.host.clone(),
        port: s.port,
        security: match s.security.as_str() {
            "tls" => SmtpSecurity::Tls,
            "none" => SmtpSecurity::None,
            _ => SmtpSecurity::Starttls,
        },
        username: s.username.clone(),
        password: s.password.clone().map(secrecy::SecretString::from),
        from: s.from.clone(),
    });
    let dispatch = NetworkDispatch::new(&DispatchSettings {
        timeout: std::time::Duration::from_secs(n.timeout_secs),
        smtp,
    })
    .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    let settings = probity_core::notify::NotifySettings {
        retry: probity_core::notify::rules::RetryPolicy {
            base: chrono::Duration::seconds(i64::try_from(n.retry_base_secs).unwrap_or(i64::MAX)),
            cap: chrono::Duration::seconds(i64::try_from(n.retry_cap_secs).unwrap_or(i64::MAX)),
            max_attempts: i32::try_from(n.max_attempts).unwrap_or(i32::MAX),
        },
        ..probity_core::notify::NotifySettings::default()
    };
    Ok(Arc::new(probity_core::notify::NotifyService::new(
        Arc::clone(platform.store()),
        Arc::clone(platform.clock()),
        Arc::clone(platform.keys()),
        Arc::new(dispatch),
        settings,
    )))
}

/// The real clock.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
