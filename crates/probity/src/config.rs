//! Configuration: defaults, then `probity.toml`, then `PROBITY_*` environment variables (`__`
//! nests: `PROBITY_SERVER__BIND`), then command-line flags. Secrets may come from files
//! (`database.url_file`, `keys.kek_file`, `notify.smtp.password_file`). Every bad value names its key, the value and the
//! expected form.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for the SQLite database, the generated key-encryption key and blobs.
    pub data_dir: PathBuf,
    /// HTTP server.
    pub server: ServerConfig,
    /// Database.
    pub database: DatabaseConfig,
    /// Keys for encryption at rest.
    pub keys: KeysConfig,
    /// Sign-in rules.
    pub auth: AuthConfig,
    /// Logging.
    pub log: LogConfig,
    /// Background jobs.
    pub jobs: JobsConfig,
    /// The verifiable ledger.
    pub ledger: LedgerSettings,
    /// Outgoing notifications.
    pub notify: NotifyConfig,
    /// The audit trail's listeners.
    pub audit: AuditConfig,
    /// Continuous control monitoring.
    pub assurance: AssuranceConfig,
}

/// `[assurance]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssuranceConfig {
    /// Where control tests' Rego runs: `process` (a child `probity` process per run, its memory
    /// capped and killed on timeout) or `thread` (in the server, no memory cap).
    pub rego_isolation: String,
    /// The memory cap of a control test's process, in MiB.
    pub rego_memory_mb: u64,
}

impl Default for AssuranceConfig {
    fn default() -> Self {
        Self {
            rego_isolation: "process".to_owned(),
            rego_memory_mb: 256,
        }
    }
}

/// `[audit]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Syslog listeners, each feeding one tenant's audit trail.
    pub syslog: Vec<SyslogConfig>,
}

/// One `[[audit.syslog]]` listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    /// Slug of the tenant whose trail receives the messages.
    pub tenant: String,
    /// TCP `host:port` (RFC 6587 octet counting or non-transparent framing).
    #[serde(default)]
    pub tcp: Option<String>,
    /// UDP `host:port` (one message per datagram).
    #[serde(default)]
    pub udp: Option<String>,
    /// Largest message, in bytes.
    #[serde(default = "default_syslog_max")]
    pub max_message_bytes: usize,
}

fn default_syslog_max() -> usize {
    probity_core::audit::syslog::DEFAULT_MAX_MESSAGE_BYTES
}

/// A syslog listener with its addresses checked (the tenant is resolved at start).
#[derive(Debug, Clone)]
pub struct SyslogBinding {
    /// Tenant slug.
    pub tenant: String,
    /// TCP address.
    pub tcp: Option<SocketAddr>,
    /// UDP address.
    pub udp: Option<SocketAddr>,
    /// Largest message.
    pub max_message_bytes: usize,
}

/// `[notify]`: delivery retries and the network of outgoing notifications.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Seconds before one HTTP or SMTP attempt is abandoned.
    pub timeout_secs: u64,
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
    /// Delay ceiling of the first retry, in seconds (doubling per attempt, full jitter).
    pub retry_base_secs: u64,
    /// Largest delay ceiling, in seconds.
    pub retry_cap_secs: u64,
    /// SMTP relay for email channels; email channels fail (and retry) without one.
    pub smtp: Option<SmtpConfig>,
}

/// `[notify.smtp]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Relay host name.
    pub host: String,
    /// Relay port (465 with `tls`, 587 with `starttls`).
    pub port: u16,
    /// `starttls`, `tls` or `none` (a relay on this host only).
    pub security: String,
    /// User name, when the relay needs authentication.
    pub username: Option<String>,
    /// Password (prefer `password_file`).
    pub password: Option<String>,
    /// File holding the password.
    pub password_file: Option<PathBuf>,
    /// Sender, e.g. `Probity <probity@example.com>`.
    pub from: String,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 10,
            max_attempts: 8,
            retry_base_secs: 30,
            retry_cap_secs: 3600,
            smtp: None,
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: "starttls".into(),
            username: None,
            password: None,
            password_file: None,
            from: String::new(),
        }
    }
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Listen address, `host:port`.
    pub bind: String,
    /// The URL people and witnesses use to reach this server (names the ledger origin).
    pub public_url: String,
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Seconds before a request is stopped.
    pub request_timeout_secs: u64,
}

/// `[database]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://...` for PostgreSQL, `sqlite://path` or empty for `<data_dir>/probity.db`.
    pub url: Option<String>,
    /// File holding the URL (for URLs with passwords).
    pub url_file: Option<PathBuf>,
}

/// `[keys]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// The key-encryption key, base64 of 32 bytes (prefer `kek_file`).
    pub kek: Option<String>,
    /// File holding the key-encryption key; created (0600) when missing. Default
    /// `<data_dir>/kek` with SQLite; required with PostgreSQL.
    pub kek_file: Option<PathBuf>,
    /// Earlier key-encryption key files, kept until `probity keys rewrap` has run.
    pub previous_kek_files: Vec<PathBuf>,
}

/// `[auth]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Hours a UI session lasts.
    pub session_ttl_hours: u32,
    /// Consecutive failed sign-ins that lock an account.
    pub lockout_threshold: u32,
    /// Minutes an account stays locked.
    pub lockout_minutes: u32,
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `json` or `pretty`.
    pub format: String,
    /// A tracing filter such as `info` or `probity=debug,info`.
    pub level: String,
}

/// `[jobs]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run the job worker in this process.
    pub enabled: bool,
    /// Milliseconds between polls when idle.
    pub poll_interval_ms: u64,
}

/// `[ledger]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LedgerSettings {
    /// Witnesses asked to cosign every tenant's checkpoints (C2SP tlog-witness).
    pub witnesses: Vec<WitnessConfig>,
}

/// One `[[ledger.witnesses]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// Submission prefix: `add-checkpoint` is posted to `<url>/add-checkpoint`.
    pub url: String,
    /// The witness's verifier key, `<name>+<hex id>+<base64(0x04 || key)>`
    /// (`probity witness key` prints it).
    pub verifier_key: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./probity-data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            keys: KeysConfig::default(),
            auth: AuthConfig::default(),
            log: LogConfig::default(),
            jobs: JobsConfig::default(),
            ledger: LedgerSettings::default(),
            notify: NotifyConfig::default(),
            audit: AuditConfig::default(),
            assurance: AssuranceConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_ttl_hours: 12,
            lockout_threshold: 5,
            lockout_minutes: 15,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "json".into(),
            level: "info".into(),
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_ms: 1000,
        }
    }
}

/// A configuration error that names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value has the wrong form.
    #[error("configuration: {key} = {value:?} is not valid: expected {expected}")]
    Invalid {
        /// Dotted key.
        key: String,
        /// The value given.
        value: String,
        /// The expected form.
        expected: String,
    },
    /// A file could not be read.
    #[error("configuration: {key}: cannot read {path}: {error}")]
    File {
        /// Dotted key.
        key: String,
        /// The file.
        path: String,
        /// Why.
        error: String,
    },
    /// Parsing failed (type errors, unknown keys, bad TOML).
    #[error("configuration: {0}")]
    Parse(String),
}

fn invalid(key: &str, value: impl ToString, expected: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        value: value.to_string(),
        expected: expected.into(),
    }
}

impl Config {
    /// Loads from `file` (when it exists, or must exist when named explicitly), the environment,
    /// and flag overrides (a dotted-key map).
    pub fn load(
        file: Option<&Path>,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::File {
                        key: "--config".into(),
                        path: path.display().to_string(),
                        error: "no such file".into(),
                    });
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("probity.toml")),
        }
        // These PROBITY_ variables are not configuration keys: the log filter, the config file
        // path, the demo password, the test database and the OSCAL schema directory (read by
        // `probity oscal validate` itself).
        let env = Env::prefixed("PROBITY_")
            .filter(|k| {
                ![
                    "log",
                    "config",
                    "demo_password",
                    "test_database_url",
                    "oscal_schemas",
                ]
                .iter()
                .any(|n| k == *n)
            })
            .split("__");
        figment = figment.merge(env);
        for (key, value) in overrides {
            figment = figment.merge(Serialized::default(key, value));
        }
        let mut config: Config = figment.extract().map_err(|e| {
            ConfigError::Parse(
                e.into_iter()
                    .map(|e| {
                        let key = e.path.join(".").to_lowercase();
                        let source = e
                            .metadata
                            .as_ref()
                            .map(|m| format!(" (from {})", m.name))
                            .unwrap_or_default();
                        if key.is_empty() {
                            format!("{}{source}", e.kind)
                        } else {
                            format!("{key}: {}{source}", e.kind)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        config.resolve_files()?;
        config.validate()?;
        Ok(config)
    }

    fn resolve_files(&mut self) -> Result<(), ConfigError> {
        if let Some(path) = &self.database.url_file {
            if self.database.url.is_some() {
                return Err(invalid(
                    "database.url_file",
                    path.display(),
                    "only one of database.url and database.url_file",
                ));
            }
            let url = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                key: "database.url_file".into(),
                path: path.display().to_string(),
                error: e.to_string(),
            })?;
            self.database.url = Some(url.trim().to_owned());
        }
        if let Some(smtp) = self.notify.smtp.as_mut()
            && let Some(path) = &smtp.password_file
        {
            if smtp.password.is_some() {
                return Err(invalid(
                    "notify.smtp.password_file",
                    path.display(),
                    "only one of notify.smtp.password and notify.smtp.password_file",
                ));
            }
            let password = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                key: "notify.smtp.password_file".into(),
                path: path.display().to_string(),
                error: e.to_string(),
            })?;
            smtp.password = Some(password.trim_end_matches(['\r', '\n']).to_owned());
        }
        Ok(())
    }

    fn validate_notify(&self) -> Result<(), ConfigError> {
        let n = &self.notify;
        if !(1..=120).contains(&n.timeout_secs) {
            return Err(invalid(
                "notify.timeout_secs",
                n.timeout_secs,
                "1 to 120 seconds",
            ));
        }
        if !(1..=50).contains(&n.max_attempts) {
            return Err(invalid(
                "notify.max_attempts",
                n.max_attempts,
                "1 to 50 attempts",
            ));
        }
        if n.retry_base_secs == 0 {
            return Err(invalid("notify.retry_base_secs", 0, "seconds above 0"));
        }
        if n.retry_cap_secs < n.retry_base_secs || n.retry_cap_secs > 7 * 86_400 {
            return Err(invalid(
                "notify.retry_cap_secs",
                n.retry_cap_secs,
                "at least notify.retry_base_secs and at most 604800 (a week)",
            ));
        }
        let Some(smtp) = &n.smtp else {
            return Ok(());
        };
        if smtp.host.is_empty() || smtp.host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(invalid(
                "notify.smtp.host",
                &smtp.host,
                "a host name such as smtp.example.com",
            ));
        }
        if smtp.port == 0 {
            return Err(invalid("notify.smtp.port", 0, "a port such as 587"));
        }
        if !matches!(smtp.security.as_str(), "starttls" | "tls" | "none") {
            return Err(invalid(
                "notify.smtp.security",
                &smtp.security,
                "starttls, tls or none",
            ));
        }
        let (local, domain) = smtp
            .from
            .trim_end_matches('>')
            .rsplit_once('<')
            .map_or(smtp.from.as_str(), |(_, addr)| addr)
            .split_once('@')
            .unwrap_or(("", ""));
        if local.is_empty() || domain.is_empty() {
            return Err(invalid(
                "notify.smtp.from",
                &smtp.from,
                "a sender such as probity@example.com or \"Probity <probity@example.com>\"",
            ));
        }
        if smtp.username.is_some() != smtp.password.is_some() {
            return Err(invalid(
                "notify.smtp.username",
                smtp.username.as_deref().unwrap_or(""),
                "both notify.smtp.username and a password (notify.smtp.password or password_file), or neither",
            ));
        }
        if smtp.password.is_some() && smtp.security == "none" {
            return Err(invalid(
                "notify.smtp.security",
                "none",
                "starttls or tls when a password is set (it would cross the network in clear)",
            ));
        }
        Ok(())
    }

    /// Checks every value that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        let url = &self.server.public_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
            return Err(invalid(
                "server.public_url",
                url,
                "an http:// or https:// URL such as https://grc.example.com",
            ));
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(invalid(
                "server.body_limit_bytes",
                self.server.body_limit_bytes,
                "at least 1024",
            ));
        }
        if self.server.request_timeout_secs == 0 {
            return Err(invalid(
                "server.request_timeout_secs",
                0,
                "a number of seconds above 0",
            ));
        }
        probity_store::DatabaseTarget::from_url(self.database.url.as_deref(), &self.sqlite_path())
            .map_err(|expected| {
                invalid(
                    "database.url",
                    redact_url(self.database.url.as_deref().unwrap_or("")),
                    &expected,
                )
            })?;
        if !matches!(self.assurance.rego_isolation.as_str(), "process" | "thread") {
            return Err(invalid(
                "assurance.rego_isolation",
                &self.assurance.rego_isolation,
                "process or thread",
            ));
        }
        if !(16..=65_536).contains(&self.assurance.rego_memory_mb) {
            return Err(invalid(
                "assurance.rego_memory_mb",
                self.assurance.rego_memory_mb,
                "a number of MiB from 16 to 65536",
            ));
        }
        if !matches!(self.log.format.as_str(), "json" | "pretty") {
            return Err(invalid("log.format", &self.log.format, "json or pretty"));
        }
        if self.auth.lockout_threshold == 0 {
            return Err(invalid(
                "auth.lockout_threshold",
                0,
                "a number of failed sign-ins above 0",
            ));
        }
        if self.auth.session_ttl_hours == 0 {
            return Err(invalid(
                "auth.session_ttl_hours",
                0,
                "a number of hours above 0",
            ));
        }
        if self.keys.kek.is_some() && self.keys.kek_file.is_some() {
            return Err(invalid(
                "keys.kek",
                "[redacted]",
                "only one of keys.kek and keys.kek_file",
            ));
        }
        if let Some(kek) = &self.keys.kek {
            probity_crypto::Kek::from_text(kek).map_err(|_| {
                invalid(
                    "keys.kek",
                    "[redacted]",
                    "base64 of 32 random bytes (e.g. `openssl rand -base64 32`)",
                )
            })?;
        }
        if self.jobs.poll_interval_ms == 0 {
            return Err(invalid("jobs.poll_interval_ms", 0, "milliseconds above 0"));
        }
        self.witness_endpoints()?;
        self.syslog_bindings()?;
        self.validate_notify()
    }

    /// The configured syslog listeners, checked: a tenant slug, at least one address, each an
    /// IP `host:port`, a sane message limit.
    pub fn syslog_bindings(&self) -> Result<Vec<SyslogBinding>, ConfigError> {
        let addr =
            |key: String, value: &Option<String>| -> Result<Option<SocketAddr>, ConfigError> {
                value
                    .as_deref()
                    .map(|v| {
                        v.parse::<SocketAddr>().map_err(|_| {
                            invalid(
                                &key,
                                v,
                                "host:port with an IP address, such as 0.0.0.0:6514",
                            )
                        })
                    })
                    .transpose()
            };
        self.audit
            .syslog
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if l.tenant.trim().is_empty() {
                    return Err(invalid(
                        &format!("audit.syslog[{i}].tenant"),
                        &l.tenant,
                        "the slug of the tenant that receives the events",
                    ));
                }
                let tcp = addr(format!("audit.syslog[{i}].tcp"), &l.tcp)?;
                let udp = addr(format!("audit.syslog[{i}].udp"), &l.udp)?;
                if tcp.is_none() && udp.is_none() {
                    return Err(invalid(
                        &format!("audit.syslog[{i}]"),
                        "no address",
                        "a tcp or udp address (or both)",
                    ));
                }
                if !(480..=16 * 1024 * 1024).contains(&l.max_message_bytes) {
                    return Err(invalid(
                        &format!("audit.syslog[{i}].max_message_bytes"),
                        l.max_message_bytes,
                        "a number of bytes from 480 to 16777216",
                    ));
                }
                Ok(SyslogBinding {
                    tenant: l.tenant.trim().to_owned(),
                    tcp,
                    udp,
                    max_message_bytes: l.max_message_bytes,
                })
            })
            .collect()
    }

    /// The configured witnesses, checked: http(s) URLs, cosignature verifier keys, no key twice.
    pub fn witness_endpoints(
        &self,
    ) -> Result<Vec<probity_server::witness_task::WitnessEndpoint>, ConfigError> {
        let mut endpoints: Vec<probity_server::witness_task::WitnessEndpoint> = Vec::new();
        for (i, w) in self.ledger.witnesses.iter().enumerate() {
            let endpoint =
                probity_server::witness_task::WitnessEndpoint::new(&w.url, &w.verifier_key)
                    .map_err(|expected| {
                        let (key, value) = if expected.starts_with("an http") {
                            ("url", w.url.as_str())
                        } else {
                            ("verifier_key", w.verifier_key.as_str())
                        };
                        invalid(&format!("ledger.witnesses[{i}].{key}"), value, &expected)
                    })?;
            if endpoints.iter().any(|e| e.verifier == endpoint.verifier) {
                return Err(invalid(
                    &format!("ledger.witnesses[{i}].verifier_key"),
                    &w.verifier_key,
                    "a witness key not listed before",
                ));
            }
            endpoints.push(endpoint);
        }
        Ok(endpoints)
    }

    /// The parsed listen address.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.bind.parse().map_err(|_| {
            invalid(
                "server.bind",
                &self.server.bind,
                "host:port with an IP address, such as 127.0.0.1:8080",
            )
        })
    }

    /// `server.public_url` without its scheme and trailing slash: the host part of every
    /// tenant log's origin (`<public host>/probity/<tenant slug>`).
    pub fn public_host(&self) -> String {
        let url = &self.server.public_url;
        let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        rest.trim_end_matches('/').to_owned()
    }

    /// The SQLite file used when no URL is configured.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("probity.db")
    }

    /// The database target.
    pub fn database_target(&self) -> Result<probity_store::DatabaseTarget, ConfigError> {
        probity_store::DatabaseTarget::from_url(self.database.url.as_deref(), &self.sqlite_path())
            .map_err(|expected| invalid("database.url", "[redacted]", &expected))
    }

    /// The configuration as TOML with secrets redacted.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = shown.database.url.as_deref().map(redact_url);
        shown.keys.kek = shown.keys.kek.as_ref().map(|_| "[redacted]".to_owned());
        if let Some(smtp) = shown.notify.smtp.as_mut() {
            smtp.password = smtp.password.as_ref().map(|_| "[redacted]".to_owned());
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }
}

/// Hides the password of a URL (`postgres://user:secret@host` → `postgres://user:***@host`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/p"),
            "postgres://app:***@db:5432/p"
        );
        assert_eq!(redact_url("postgres://app@db/p"), "postgres://app@db/p");
    }

    #[test]
    fn bad_values_name_key_value_and_form() {
        let mut c = Config::default();
        c.server.bind = "localhost".into();
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("server.bind") && e.contains("localhost") && e.contains("host:port"),
            "{e}"
        );
        let mut c = Config::default();
        c.log.format = "xml".into();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("log.format") && e.contains("xml"), "{e}");
        let mut c = Config::default();
        c.database.url = Some("mysql://x".into());
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("database.url") && e.contains("postgres://"),
            "{e}"
        );
    }

    #[test]
    fn witnesses_are_checked() {
        let key = probity_ledger::cosignature::CosignatureSigner::new(
            "witness.example/w1",
            probity_ledger::ed25519::SigningKey::from_bytes(&[1; 32]),
        )
        .unwrap()
        .verifier_key()
        .to_text();
        let witness = |url: &str, verifier_key: &str| WitnessConfig {
            url: url.into(),
            verifier_key: verifier_key.into(),
        };
        let mut c = Config::default();
        c.ledger.witnesses = vec![witness("https://w.example", &key)];
        assert_eq!(c.witness_endpoints().unwrap().len(), 1);
        c.ledger.witnesses = vec![witness("w.example", &key)];
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("ledger.witnesses[0].url"), "{e}");
        // A log key (type 0x01) is not a witness key.
        let log_key = probity_ledger::ed25519::Ed25519NoteSigner::new(
            "log.example",
            probity_ledger::ed25519::SigningKey::from_bytes(&[2; 32]),
        )
        .unwrap()
        .verifier_key()
        .to_text();
        c.ledger.witnesses = vec![witness("https://w.example", &log_key)];
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("ledger.witnesses[0].verifier_key") && e.contains("0x04"),
            "{e}"
        );
        c.ledger.witnesses = vec![
            witness("https://a.example", &key),
            witness("https://b.example", &key),
        ];
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("ledger.witnesses[1].verifier_key"), "{e}");
    }

    #[test]
    fn smtp_settings_are_checked_and_the_password_redacted() {
        let good = SmtpConfig {
            host: "smtp.example.com".into(),
            from: "Probity <probity@example.com>".into(),
            username: Some("probity".into()),
            password: Some("hunter2-but-longer".into()),
            ..SmtpConfig::default()
        };
        let mut c = Config::default();
        c.notify.smtp = Some(good.clone());
        c.validate().unwrap();
        assert!(!c.redacted_toml().contains("hunter2"));
        type Spoil = fn(&mut SmtpConfig);
        let cases: [(&str, Spoil); 5] = [
            ("notify.smtp.host", |s| s.host = String::new()),
            ("notify.smtp.security", |s| s.security = "ssl".into()),
            ("notify.smtp.from", |s| s.from = "probity".into()),
            ("notify.smtp.username", |s| s.password = None),
            ("notify.smtp.security", |s| s.security = "none".into()),
        ];
        for (key, spoil) in cases {
            let mut smtp = good.clone();
            spoil(&mut smtp);
            c.notify.smtp = Some(smtp);
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(key), "{key}: {e}");
        }
        let mut c = Config::default();
        c.notify.retry_cap_secs = 1;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("notify.retry_cap_secs")
        );
    }

    #[test]
    fn smtp_password_comes_from_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smtp-password");
        std::fs::write(&path, "from-a-file\n").unwrap();
        let mut c = Config::default();
        c.notify.smtp = Some(SmtpConfig {
            host: "smtp.example.com".into(),
            from: "probity@example.com".into(),
            username: Some("probity".into()),
            password_file: Some(path),
            ..SmtpConfig::default()
        });
        c.resolve_files().unwrap();
        c.validate().unwrap();
        assert_eq!(
            c.notify.smtp.as_ref().unwrap().password.as_deref(),
            Some("from-a-file")
        );
    }
}
