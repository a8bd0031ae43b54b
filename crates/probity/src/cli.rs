//! The command line: `probity <context> <verb>`, working directly on the configured store.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{CommandFactory, Parser, Subcommand};
use probity_core::audit::Actor;
use probity_core::jobs::{Job, JobStatus};
use probity_core::page::PageRequest;
use probity_core::platform::rules::parse_duration;
use probity_core::platform::{Principal, Role, TokenId};
use probity_core::{DomainError, ErrorCode};
use secrecy::{ExposeSecret, SecretString};

use crate::bundle;
use crate::catalog_cli::CatalogCommand;
use crate::config::{Config, ConfigError};
use crate::output::{self, Format};
use crate::wiring;

/// Probity: governance, risk and compliance on a verifiable audit ledger.
#[derive(Debug, Parser)]
#[command(name = "probity", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: ./probity.toml when present).
    #[arg(long, global = true, env = "PROBITY_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (overrides `data_dir`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL (overrides `database.url`).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Output format.
    #[arg(long, short, global = true, value_enum, default_value_t = Format::Table)]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

/// The hidden subcommand that evaluates one Rego policy for `probity serve` (see
/// [`probity_core::assurance::rego::Isolation::Process`]).
pub const REGO_CHILD: &str = "__rego-eval";

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluates one policy request from stdin under a memory cap (used by `probity serve`).
    #[command(name = "__rego-eval", hide = true)]
    RegoEval {
        /// The cap on this process's data segment, in bytes.
        #[arg(long)]
        memory_bytes: u64,
    },
    /// Run the HTTP server and the job worker.
    Serve {
        /// Listen address (overrides `server.bind`).
        #[arg(long)]
        bind: Option<String>,
        /// Create the demo tenant and admin (idempotent) and print how to sign in.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations (start-up does this too).
    Migrate {
        /// Only list applied migrations.
        #[arg(long)]
        status: bool,
    },
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Background jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Keys for encryption at rest.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Notification channels: list, add, remove, send a test.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// The tenant's audit trail: search, tail, report, retention and holds, detection rules and
    /// alerts, and the verifiable ledger behind it (auditor bundle, live verification).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Verify an auditor bundle offline (exit 0 verified, 1 damaged, 2 unusable input).
    Verify {
        /// The bundle directory written by `probity audit export`, or an audit package (a
        /// directory or zip written by `probity assurance package`).
        dir: PathBuf,
        /// A signed checkpoint kept from earlier: the bundle must be consistent with it.
        #[arg(long)]
        trusted_checkpoint: Option<PathBuf>,
        /// The log's verifier key (text, or a file holding it); default: the bundle's own
        /// `verifier-keys`, which an auditor should not rely on.
        #[arg(long)]
        verifier_key: Option<String>,
        /// A witness's verifier key (text, or a file holding it), repeatable: reports whether
        /// that witness cosigned the checkpoint (a failing cosignature by it is damage).
        #[arg(long = "witness-key")]
        witness_keys: Vec<String>,
    },
    /// Verify one entry's C2SP tlog-proof file against its envelope and the log's verifier key
    /// (exit 0 verified, 1 damaged, 2 unusable input).
    VerifyProof {
        /// The tlog-proof file (from the event page or `GET /api/v1/ledger/entries/{index}/tlog-proof`).
        proof: PathBuf,
        /// A file holding the entry's envelope, exactly as shown (canonical JSON).
        #[arg(long)]
        envelope: PathBuf,
        /// The log's verifier key (text, or a file holding it), from `probity ledger key`.
        #[arg(long)]
        verifier_key: String,
    },
    /// Low-level ledger operations for operators' smoke tests.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Run a C2SP tlog-witness that cosigns logs' checkpoints (state in --data-dir).
    #[command(subcommand)]
    Witness(crate::witness::WitnessCommand),
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Shipped compliance frameworks: list, show a requirement tree (no store needed).
    #[command(subcommand)]
    Frameworks(crate::catalog_cli::FrameworksCommand),
    /// The unified control library: list, show mappings, set a tenant's status.
    #[command(subcommand)]
    Controls(crate::catalog_cli::ControlsCommand),
    /// Cross-framework coverage, the coverage matrix, version diffs, a tenant's status.
    #[command(subcommand)]
    Compliance(crate::catalog_cli::ComplianceCommand),
    /// OSCAL documents: validate, resolve a profile, summarize (no store needed).
    #[command(subcommand)]
    Oscal(crate::oscal_cli::OscalCommand),
    /// Governance registers (policies, risks, exceptions, vendors, assets), asset CSV import,
    /// and the reminder sweep.
    #[command(subcommand)]
    Governance(crate::governance_cli::GovernanceCommand),
    /// Assurance: compliance status, gap analysis, Statement of Applicability, control
    /// matrix, assessments and sign-off checks, evidence upload, control tests.
    #[command(subcommand)]
    Assurance(crate::assurance_cli::AssuranceCommand),
    /// Service levels: services, SLOs and SLAs, status with error budgets, measurement
    /// import, violations, service credits, the monthly SLA report.
    #[command(subcommand)]
    Sla(crate::sla_cli::SlaCommand),
    /// Reports: generate (PDF, HTML, CSV, XLSX, JSON) to a file, the history, schedules.
    #[command(subcommand)]
    Report(crate::report_cli::ReportCommand),
    /// The compliance calendar: every due date across contexts, and calendar feeds.
    #[command(subcommand)]
    Calendar(crate::calendar_cli::CalendarCommand),
    /// Privacy: data subject requests with statutory deadlines and subject exports, breaches
    /// with notification clocks, the record of processing, DPIAs, retention schedules and the
    /// consent ledger.
    #[command(subcommand)]
    Privacy(crate::privacy_cli::PrivacyCommand),
    /// Support desk: tickets with first-response and resolution clocks in business hours, SLA
    /// policies per tier and priority, metrics.
    #[command(subcommand)]
    Support(crate::support_cli::SupportCommand),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Write the tenant's log as a C2SP tlog-tiles bundle (signing a checkpoint if it grew).
    Export {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// New or empty directory to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the bundle checks over the live store (exit 0 verified, 1 tampered, 2 usage).
    Verify {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// A signed checkpoint kept from earlier (a file): the live log must be consistent
        /// with it, which catches a rolled-back or rewritten store even when its own
        /// checkpoints were rewritten too.
        #[arg(long)]
        trusted_checkpoint: Option<PathBuf>,
    },
    /// Search the tenant's audit trail, newest first (filters narrow; -q is full text).
    Search {
        #[command(flatten)]
        filter: Box<crate::audit_cli::FilterArgs>,
        /// Most events to print (1–500).
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Count the matching events by type, category, severity, outcome, actor and resource,
    /// with a histogram.
    Stats {
        #[command(flatten)]
        filter: Box<crate::audit_cli::FilterArgs>,
        /// Histogram bucket: hour or day.
        #[arg(long, default_value = "day")]
        bucket: String,
        /// Keys per top list (1–100).
        #[arg(long, default_value_t = 10)]
        top: u32,
    },
    /// Print the matching events among the newest ledger entries, oldest first; with
    /// --follow keep printing new ones as they arrive (Ctrl-C to stop).
    Tail {
        #[command(flatten)]
        filter: Box<crate::audit_cli::FilterArgs>,
        /// How many of the newest ledger entries to look back over.
        #[arg(long, default_value_t = 20)]
        last: u64,
        /// Keep watching for new events.
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// The retention policy: show, set from a JSON file, run now (or as a dry run).
    Retention {
        #[command(subcommand)]
        command: crate::retention_cli::RetentionCommand,
    },
    /// Detection rules: list, add from a JSON file, delete.
    Rules {
        #[command(subcommand)]
        command: crate::retention_cli::RuleCommand,
    },
    /// SIEM forwarders (syslog RFC 5424/CEF over TCP/UDP, webhooks): list, add, pause, resume,
    /// remove; `probity serve` sends.
    Forwarders {
        #[command(subcommand)]
        command: crate::forward_cli::ForwarderCommand,
    },
    /// Alerts raised by detection rules: list, acknowledge, resolve.
    Alerts {
        #[command(subcommand)]
        command: crate::retention_cli::AlertCommand,
    },
    /// Legal holds: list, place, release.
    Hold {
        #[command(subcommand)]
        command: crate::retention_cli::HoldCommand,
    },
    /// Erase the payloads of every event naming a data subject that no hold covers.
    Erase {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The data subject id events name.
        #[arg(long)]
        subject: String,
        /// Why (e.g. the request it fulfils).
        #[arg(long)]
        reason: String,
        /// Report what would be erased and kept without erasing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the audit trail report for a period (PDF by default; recorded in the report
    /// history and the ledger like any report).
    Report {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// First day YYYY-MM-DD (default: 29 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last day YYYY-MM-DD, inclusive (default: today).
        #[arg(long)]
        to: Option<String>,
        /// pdf, html, csv, xlsx or json.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// Only events naming this framework's requirements or the controls mapped to them.
        #[arg(long)]
        framework: Option<String>,
        /// Where to write the file (`-` for standard output); default
        /// `audit-trail-<date>.<ext>`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Append events to a tenant's ledger.
    Append {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Event kind, e.g. smoke.test.
        #[arg(long)]
        kind: String,
        /// JSON payload.
        #[arg(long)]
        json: String,
        /// How many such events (each with its own salt).
        #[arg(long, default_value_t = 1)]
        count: u64,
    },
    /// Print the verifier key of a tenant's log (`<origin>+<key id>+<base64 key>`), for
    /// auditors and witnesses; the signing key is created on first use.
    Key {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate and print the effective configuration, secrets redacted.
    Check,
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant.
    Create {
        /// URL-safe short name, e.g. acme.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    List,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user with a role in a tenant. The password comes from --password-file or a prompt.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Email.
        #[arg(long)]
        email: String,
        /// Role: owner, admin, compliance_manager, auditor, contributor or viewer.
        #[arg(long)]
        role: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// File whose first line is the password.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue an API token; the secret is printed once.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Role the token acts with.
        #[arg(long)]
        role: String,
        /// Label.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime such as 30d, 12h or 2w (default: never expires).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List a tenant's tokens.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a token.
    Revoke {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Token record id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List jobs, newest first.
    List {
        /// Only jobs in this state: queued, running, succeeded or dead.
        #[arg(long)]
        status: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum NotifyCommand {
    /// Channels.
    #[command(subcommand)]
    Channels(ChannelsCommand),
    /// Send a test message to a channel now and print the result (also in its delivery log).
    Test {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Channel id or name.
        channel: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChannelsCommand {
    /// List a tenant's channels.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Add a channel; a webhook's signing secret is printed once.
    Add {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Unique name.
        #[arg(long)]
        name: String,
        /// webhook, slack, email or pagerduty.
        #[arg(long)]
        kind: String,
        /// Endpoint (webhook, slack; pagerduty defaults to the Events API v2).
        #[arg(long)]
        url: Option<String>,
        /// Recipient, for email (repeat for several).
        #[arg(long)]
        to: Vec<String>,
        /// File holding the PagerDuty integration (routing) key.
        #[arg(long)]
        routing_key_file: Option<PathBuf>,
    },
    /// Remove a channel (its delivery log stays).
    Remove {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Channel id or name.
        channel: String,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new data key (new data uses it; old data stays readable) and queue a re-wrap job.
    Rotate {
        /// Tenant slug; omit for the installation-wide keyring.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Re-wrap every data key under the configured key-encryption key now.
    Rewrap,
    /// Check that every data key unwraps with the configured keys.
    Check,
}

/// The Rego child process, when that is what was asked: caps this process's memory, evaluates
/// the request on stdin and answers on stdout, without a runtime, configuration or logging.
pub fn rego_child(cli: &Cli) -> Option<ExitCode> {
    let Command::RegoEval { memory_bytes } = &cli.command else {
        return None;
    };
    if let Err(e) = rlimit::setrlimit(rlimit::Resource::DATA, *memory_bytes, *memory_bytes) {
        eprintln!("error: cannot cap the memory of the policy process: {e}");
        return Some(ExitCode::from(2));
    }
    match probity_core::assurance::rego::child_main(
        std::io::stdin().lock(),
        std::io::stdout().lock(),
    ) {
        Ok(()) => Some(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: {e}");
            Some(ExitCode::from(1))
        }
    }
}

/// Runs the command and maps failures to exit codes.
pub async fn run(cli: Cli) -> ExitCode {
    let mut overrides = serde_json::Map::new();
    if let Some(dir) = &cli.data_dir {
        overrides.insert("data_dir".into(), serde_json::json!(dir));
    }
    if let Some(url) = &cli.database_url {
        overrides.insert("database.url".into(), serde_json::json!(url));
    }
    if let Command::Serve {
        bind: Some(bind), ..
    } = &cli.command
    {
        overrides.insert("server.bind".into(), serde_json::json!(bind));
    }
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let serving = matches!(
        cli.command,
        Command::Serve { .. } | Command::Witness(crate::witness::WitnessCommand::Serve { .. })
    );
    init_logging(&config, serving);
    match execute(cli, &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let usage = e.downcast_ref::<ConfigError>().is_some()
                || e.downcast_ref::<bundle::Failure>()
                    .is_some_and(bundle::Failure::is_usage)
                || e.downcast_ref::<crate::oscal_cli::Failure>()
                    .is_some_and(crate::oscal_cli::Failure::is_usage)
                || e.downcast_ref::<DomainError>()
                    .is_some_and(|d| d.code() == ErrorCode::ValidationFailed);
            eprintln!("error: {e:#}");
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

fn init_logging(config: &Config, serving: bool) {
    let default = if serving {
        config.log.level.as_str()
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PROBITY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log.format == "json" && serving {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn read_password(file: Option<&PathBuf>) -> anyhow::Result<SecretString> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--password-file: cannot read {}", path.display()))?;
        let line = text.lines().next().unwrap_or_default().to_owned();
        return Ok(SecretString::from(line));
    }
    if !std::io::stdin().is_terminal() {
        bail!(DomainError::invalid(
            "password",
            "no terminal to prompt on: pass --password-file FILE"
        ));
    }
    let first = rpassword::prompt_password("Password: ").context("reading the password")?;
    let again = rpassword::prompt_password("Repeat password: ").context("reading the password")?;
    if first != again {
        bail!(DomainError::invalid("password", "the two entries differ"));
    }
    Ok(SecretString::from(first))
}

async fn execute(cli: Cli, config: &Config) -> anyhow::Result<()> {
    let format = cli.output;
    match cli.command {
        Command::Serve { demo, .. } => crate::serve::run(config, demo).await,
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "probity",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Verify {
            dir,
            trusted_checkpoint,
            verifier_key,
            witness_keys,
        } => Ok(bundle::verify::verify_dir(
            &dir,
            trusted_checkpoint.as_deref(),
            verifier_key.as_deref(),
            &witness_keys,
        )?),
        Command::VerifyProof {
            proof,
            envelope,
            verifier_key,
        } => Ok(bundle::verify::verify_proof_file(
            &proof,
            &envelope,
            &verifier_key,
        )?),
        Command::Witness(command) => crate::witness::run(command, &config.data_dir, format).await,
        Command::Oscal(command) if crate::oscal_cli::needs_store(&command) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::oscal_cli::run_local(command, format, &services).await
        }
        Command::Oscal(command) => Ok(crate::oscal_cli::run(command, format)?),
        Command::Governance(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::governance_cli::run(c, format, &services).await
        }
        Command::Assurance(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::assurance_cli::run(c, format, &services, config).await
        }
        Command::Sla(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::sla_cli::run(c, format, &services).await
        }
        Command::Report(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::report_cli::run(c, format, &services, config).await
        }
        Command::Calendar(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::calendar_cli::run(c, format, &services, config).await
        }
        Command::Privacy(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::privacy_cli::run(c, format, &services, config).await
        }
        Command::Support(c) => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            crate::support_cli::run(c, format, &services, config).await
        }
        Command::Frameworks(c) => catalog(CatalogCommand::Frameworks(c), format, config).await,
        Command::Controls(c) => catalog(CatalogCommand::Controls(c), format, config).await,
        Command::Compliance(c) => catalog(CatalogCommand::Compliance(c), format, config).await,
        Command::Config(ConfigCommand::Check) => {
            config.database_target()?;
            println!("# configuration is valid\n{}", config.redacted_toml());
            Ok(())
        }
        Command::Migrate { status } => {
            let target = config.database_target()?;
            if !status {
                wiring::build(config, wiring::system_clock()).await?;
            }
            let applied = probity_store::applied_migrations(&target).await?;
            let rows = applied
                .iter()
                .map(|(v, d)| vec![v.to_string(), d.clone()])
                .collect();
            output::print(format, &applied, &["version", "description"], rows);
            Ok(())
        }
        command => {
            let services = wiring::build(config, wiring::system_clock()).await?;
            local(command, format, &services, config).await
        }
    }
}

async fn catalog(command: CatalogCommand, format: Format, config: &Config) -> anyhow::Result<()> {
    if command.needs_store() {
        let services = wiring::build(config, wiring::system_clock()).await?;
        crate::catalog_cli::run_local(command, format, &services).await
    } else {
        crate::catalog_cli::run_offline(command, format)
    }
}

async fn local(
    command: Command,
    format: Format,
    s: &wiring::Services,
    config: &Config,
) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    let platform = &s.platform;
    match command {
        Command::Tenant(TenantCommand::Create { slug, name }) => {
            let t = platform.create_tenant(&actor, &slug, &name).await?;
            output::print(
                format,
                &t,
                &["id", "slug", "name"],
                vec![vec![t.id.to_string(), t.slug.to_string(), t.name.clone()]],
            );
        }
        Command::Tenant(TenantCommand::List) => {
            let mut all = Vec::new();
            let mut page = PageRequest {
                limit: 500,
                after: None,
            };
            loop {
                let p = s.store.list_tenants(&page).await?;
                all.extend(p.items);
                match p.next_cursor {
                    Some(c) => page = PageRequest::parse(Some(500), Some(&c))?,
                    None => break,
                }
            }
            let rows = all
                .iter()
                .map(|t| {
                    vec![
                        t.slug.to_string(),
                        t.name.clone(),
                        t.created_at.to_rfc3339(),
                    ]
                })
                .collect();
            output::print(format, &all, &["slug", "name", "created"], rows);
        }
        Command::User(UserCommand::Create {
            tenant,
            email,
            role,
            name,
            password_file,
        }) => {
            let role = Role::parse("--role", &role)?;
            let tenant = platform.tenant(&tenant).await?;
            let password = read_password(password_file.as_ref())?;
            let u = platform
                .create_user(&actor, &tenant, &email, name.as_deref(), &password, role)
                .await?;
            let view = probity_core::platform::UserView::from(&u);
            output::print(
                format,
                &view,
                &["id", "email", "role", "tenant"],
                vec![vec![
                    u.id.to_string(),
                    u.email.to_string(),
                    role.to_string(),
                    tenant.slug.to_string(),
                ]],
            );
        }
        Command::Token(TokenCommand::Create {
            tenant,
            role,
            name,
            expires,
        }) => {
            let role = Role::parse("--role", &role)?;
            let who = Principal::system(platform.tenant(&tenant).await?, "cli");
            let expires_at = match expires {
                Some(text) => Some(platform.clock().now() + parse_duration("--expires", &text)?),
                None => None,
            };
            let issued = platform.create_token(&who, &name, role, expires_at).await?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "token": issued.token.expose_secret(), "record": issued.record })
                    )?
                ),
                Format::Table => {
                    println!("{}", issued.token.expose_secret());
                    eprintln!(
                        "token {} ({} in {}) created; the secret above is shown only once",
                        issued.record.id, role, tenant
                    );
                }
            }
        }
        Command::Token(TokenCommand::List { tenant }) => {
            let who = Principal::system(platform.tenant(&tenant).await?, "cli");
            let page = platform
                .tokens(
                    &who,
                    &PageRequest {
                        limit: 500,
                        after: None,
                    },
                )
                .await?;
            let rows = page
                .items
                .iter()
                .map(|t| {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        t.role.to_string(),
                        format!("prb_{}_…", t.lookup),
                        state.to_owned(),
                        t.expires_at
                            .map(|e| e.to_rfc3339())
                            .unwrap_or_else(|| "never".into()),
                    ]
                })
                .collect();
            output::print(
                format,
                &page.items,
                &["id", "name", "role", "token", "state", "expires"],
                rows,
            );
        }
        Command::Token(TokenCommand::Revoke { tenant, id }) => {
            let who = Principal::system(platform.tenant(&tenant).await?, "cli");
            let id: TokenId = id.parse().map_err(|_| {
                DomainError::invalid(
                    "--id",
                    "is not a token id (a UUID from `probity token list`)",
                )
            })?;
            platform.revoke_token(&who, id).await?;
            eprintln!("token {id} revoked");
        }
        Command::Jobs(JobsCommand::List { status, limit }) => {
            let status = match status.as_deref() {
                Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
                    DomainError::invalid(
                        "--status",
                        format!(
                            "{s:?} is not a job state: expected queued, running, succeeded or dead"
                        ),
                    )
                })?),
                None => None,
            };
            let page = s
                .store
                .list_jobs(status, &PageRequest::parse(Some(limit), None)?)
                .await?;
            let rows = page
                .items
                .iter()
                .map(|j| {
                    vec![
                        j.id.to_string(),
                        j.kind.clone(),
                        j.status.as_str().to_owned(),
                        format!("{}/{}", j.attempts, j.max_attempts),
                        j.run_at.to_rfc3339(),
                        j.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::print(
                format,
                &page.items,
                &["id", "kind", "status", "attempts", "run_at", "last_error"],
                rows,
            );
        }
        Command::Notify(command) => crate::notify_cli::run(command, format, s, config).await?,
        Command::Keys(KeysCommand::Rotate { tenant }) => {
            let scope = match tenant {
                Some(slug) => probity_core::keys::tenant_scope(platform.tenant(&slug).await?.id),
                None => probity_core::keys::PLATFORM_SCOPE.to_owned(),
            };
            let id = platform.keys().rotate(&scope, &actor).await?;
            let job = Job::new(
                "keys.rewrap",
                None,
                serde_json::json!({ "scope": scope }),
                platform.clock().now(),
            );
            s.store.enqueue(&job).await?;
            output::print(
                format,
                &serde_json::json!({ "scope": scope, "key_id": id, "job": job.id }),
                &["scope", "new key", "re-wrap job"],
                vec![vec![scope.clone(), id.clone(), job.id.to_string()]],
            );
        }
        Command::Keys(KeysCommand::Rewrap) => {
            let report = platform.keys().rewrap_all().await?;
            output::print(
                format,
                &report,
                &["examined", "rewrapped"],
                vec![vec![
                    report.examined.to_string(),
                    report.rewrapped.to_string(),
                ]],
            );
        }
        Command::Keys(KeysCommand::Check) => {
            let n = platform.keys().check().await?;
            println!(
                "{n} data keys unwrap with key-encryption key {}",
                platform.keys().kek_id()
            );
        }
        Command::Audit(AuditCommand::Export { tenant, out }) => {
            bundle::live::export(s, config, &tenant, &out).await?;
        }
        Command::Audit(AuditCommand::Verify {
            tenant,
            trusted_checkpoint,
        }) => {
            bundle::live::verify(s, config, &tenant, trusted_checkpoint.as_deref()).await?;
        }
        Command::Audit(AuditCommand::Search { filter, limit }) => {
            crate::audit_cli::search(s, format, &filter, limit).await?;
        }
        Command::Audit(AuditCommand::Stats {
            filter,
            bucket,
            top,
        }) => {
            crate::audit_cli::stats(s, format, &filter, &bucket, top).await?;
        }
        Command::Audit(AuditCommand::Tail {
            filter,
            last,
            follow,
        }) => {
            crate::audit_cli::tail(s, format, &filter, last, follow).await?;
        }
        Command::Audit(AuditCommand::Retention { command }) => {
            crate::retention_cli::retention(s, format, command).await?;
        }
        Command::Audit(AuditCommand::Rules { command }) => {
            crate::retention_cli::rules(s, format, command).await?;
        }
        Command::Audit(AuditCommand::Forwarders { command }) => {
            crate::forward_cli::forwarders(s, format, command).await?;
        }
        Command::Audit(AuditCommand::Alerts { command }) => {
            crate::retention_cli::alerts(s, format, command).await?;
        }
        Command::Audit(AuditCommand::Hold { command }) => {
            crate::retention_cli::hold(s, format, command).await?;
        }
        Command::Audit(AuditCommand::Erase {
            tenant,
            subject,
            reason,
            dry_run,
        }) => {
            crate::retention_cli::erase(s, format, &tenant, &subject, &reason, dry_run).await?;
        }
        Command::Audit(AuditCommand::Report {
            tenant,
            from,
            to,
            format: render,
            framework,
            out,
        }) => {
            // The report reads the search projection: bring it up to the ledger first.
            let id = s.platform.tenant(&tenant).await?.id;
            crate::audit_cli::catch_up(s, id).await?;
            let generate = crate::report_cli::ReportCommand::Generate {
                kind: "audit_trail".to_owned(),
                tenant,
                render,
                framework,
                month: None,
                customer: None,
                from,
                to,
                out,
            };
            crate::report_cli::run(generate, format, s, config).await?;
        }
        Command::Ledger(LedgerCommand::Append {
            tenant,
            kind,
            json,
            count,
        }) => {
            bundle::live::append(s, &tenant, &kind, &json, count).await?;
        }
        Command::Ledger(LedgerCommand::Key { tenant }) => {
            bundle::live::key(s, config, &tenant).await?;
        }
        Command::RegoEval { .. }
        | Command::Serve { .. }
        | Command::Verify { .. }
        | Command::VerifyProof { .. }
        | Command::Migrate { .. }
        | Command::Witness(_)
        | Command::Oscal(_)
        | Command::Governance(_)
        | Command::Assurance(_)
        | Command::Sla(_)
        | Command::Report(_)
        | Command::Calendar(_)
        | Command::Privacy(_)
        | Command::Support(_)
        | Command::Frameworks(_)
        | Command::Controls(_)
        | Command::Compliance(_)
        | Command::Config(_)
        | Command::Completions { .. } => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// clap's own consistency checks over every subcommand (duplicate argument names such as
    /// a second `--version`, bad defaults), which otherwise fail only when the command runs.
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
