//! `probity report`: reports from the local store — the catalog of kinds, generating a report
//! to a file (recorded in the ledger and kept in the history like one made over the API), the
//! history, fetching a stored report, report schedules, and one pass of the scheduler.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use probity_core::assurance::AssuranceService;
use probity_core::governance::GovernanceService;
use probity_core::platform::Principal;
use probity_core::reports::{
    NewReport, NewReportSchedule, ReportFormat, ReportId, ReportKind, ReportParams,
    ReportScheduleId, ReportService, ReportSources,
};
use probity_core::service_level::ServiceLevelService;

use crate::output::{self, Format};
use crate::wiring;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The report kinds and the parameters each reads.
    Kinds {
        #[arg(long)]
        tenant: String,
    },
    /// Generates a report and writes it to a file (or standard output with `--out -`).
    Generate {
        /// Report kind: compliance, statement_of_applicability, control_matrix,
        /// risk_register, policy_acknowledgments, vendor_scorecards, sla_monthly, audit_trail.
        kind: String,
        #[arg(long)]
        tenant: String,
        /// pdf (default), html, csv, xlsx or json.
        #[arg(long = "as", default_value = "pdf")]
        render: String,
        /// Framework or baseline id (compliance, control_matrix).
        #[arg(long)]
        framework: Option<String>,
        /// Calendar month YYYY-MM (sla_monthly).
        #[arg(long)]
        month: Option<String>,
        /// Only this customer's services (sla_monthly).
        #[arg(long)]
        customer: Option<String>,
        /// First day YYYY-MM-DD (audit_trail, privacy_dpo).
        #[arg(long)]
        from: Option<String>,
        /// Last day YYYY-MM-DD, inclusive (audit_trail, privacy_dpo).
        #[arg(long)]
        to: Option<String>,
        /// Where to write the file (`-` for standard output); default `<kind>-<date>.<ext>`
        /// in the current directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The report history, newest first.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Writes a stored report's file (checked against its recorded SHA-256).
    Get {
        id: String,
        #[arg(long)]
        tenant: String,
        /// Where to write the file (`-` for standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Adds a schedule: the report on a cron expression (UTC), sent to channels.
    Schedule {
        kind: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// Cron expression in UTC, e.g. "0 6 1 * *".
        #[arg(long)]
        cron: String,
        /// Notification channel id (repeat for several).
        #[arg(long = "channel", required = true)]
        channels: Vec<String>,
        #[arg(long = "as", default_value = "pdf")]
        render: String,
        #[arg(long)]
        framework: Option<String>,
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
    /// The tenant's schedules.
    Schedules {
        #[arg(long)]
        tenant: String,
    },
    /// Removes a schedule.
    Unschedule {
        id: String,
        #[arg(long)]
        tenant: String,
    },
    /// Runs every due schedule once (what `probity serve` does each minute).
    RunDue,
}

fn parse_kind(s: &str) -> anyhow::Result<ReportKind> {
    ReportKind::parse(&s.replace('-', "_")).ok_or_else(|| {
        anyhow::anyhow!(
            "kind: {s:?} is not a report kind; use one of {}",
            ReportKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn parse_format(s: &str) -> anyhow::Result<ReportFormat> {
    ReportFormat::parse(s).ok_or_else(|| {
        anyhow::anyhow!("--as: {s:?} is not a format; use pdf, html, csv, xlsx or json")
    })
}

fn write_out(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        use std::io::Write as _;
        std::io::stdout().write_all(bytes)?;
        Ok(())
    } else {
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The report service over the local store (notifications as configured, for schedules).
pub(crate) fn service(
    s: &wiring::Services,
    config: &crate::config::Config,
) -> anyhow::Result<ReportService> {
    let store = s.store.clone();
    let clock = s.platform.clock().clone();
    let notify = wiring::notify_service(config, &s.platform)?;
    let public_url = format!("http://{}", config.public_host());
    let sources = ReportSources {
        assurance: Arc::new(
            AssuranceService::new(store.clone(), clock.clone(), Arc::clone(s.platform.keys()))
                .with_ledger(Arc::clone(&s.ledger), &config.public_host()),
        ),
        governance: Arc::new(GovernanceService::new(store.clone(), clock.clone())),
        service_levels: Arc::new(ServiceLevelService::new(store.clone(), clock.clone())),
        store: store.clone(),
    };
    Ok(
        ReportService::new(store, clock, Arc::clone(s.platform.keys()), sources)
            .with_notify(notify, &public_url),
    )
}

/// Runs a report command against the local store.
pub(crate) async fn run(
    command: ReportCommand,
    format: Format,
    s: &wiring::Services,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let reports = service(s, config)?;
    let who = |tenant| Principal::system(tenant, "cli");
    match command {
        ReportCommand::Kinds { tenant } => {
            let kinds = reports.catalog(&who(s.platform.tenant(&tenant).await?))?;
            let rows = kinds
                .iter()
                .map(|k| {
                    vec![
                        k.kind.as_str().to_owned(),
                        k.title.clone(),
                        k.params.join(", "),
                    ]
                })
                .collect();
            output::print(format, &kinds, &["kind", "title", "params"], rows);
        }
        ReportCommand::Generate {
            kind,
            tenant,
            render,
            framework,
            month,
            customer,
            from,
            to,
            out,
        } => {
            let kind = parse_kind(&kind)?;
            let tenant = s.platform.tenant(&tenant).await?;
            if matches!(kind, ReportKind::AuditTrail | ReportKind::PrivacyDpo) {
                // These read the audit search projection: bring it up to the ledger first.
                crate::audit_cli::catch_up(s, tenant.id).await?;
            }
            let req = NewReport {
                kind,
                format: Some(parse_format(&render)?),
                params: ReportParams {
                    framework,
                    month,
                    customer,
                    from,
                    to,
                },
            };
            let g = reports.generate(&who(tenant), &req).await?;
            let path = out.unwrap_or_else(|| PathBuf::from(g.record.file_name()));
            write_out(&path, &g.bytes)?;
            if path.as_os_str() != "-" {
                let r = &g.record;
                let rows = vec![vec![
                    r.id.to_string(),
                    path.display().to_string(),
                    r.size_bytes.to_string(),
                    r.pages.map(|p| p.to_string()).unwrap_or_default(),
                    r.file_sha256.clone(),
                ]];
                output::print(format, r, &["id", "file", "bytes", "pages", "sha256"], rows);
            }
        }
        ReportCommand::List { tenant } => {
            let list = reports
                .history(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.kind.as_str().to_owned(),
                        r.format.as_str().to_owned(),
                        r.size_bytes.to_string(),
                        r.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        r.content_sha256.chars().take(16).collect(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["id", "kind", "format", "bytes", "created", "content"],
                rows,
            );
        }
        ReportCommand::Get { id, tenant, out } => {
            let id: ReportId = id.parse().map_err(|_| {
                anyhow::anyhow!("id: {id:?} is not a report id (see `probity report list`)")
            })?;
            let (record, bytes) = reports
                .download(&who(s.platform.tenant(&tenant).await?), id)
                .await?;
            let path = out.unwrap_or_else(|| PathBuf::from(record.file_name()));
            write_out(&path, &bytes)?;
        }
        ReportCommand::Schedule {
            kind,
            tenant,
            name,
            cron,
            channels,
            render,
            framework,
            month,
            customer,
            from,
            to,
        } => {
            let channels = channels
                .iter()
                .map(|c| {
                    c.parse().map_err(|_| {
                        anyhow::anyhow!(
                            "--channel: {c:?} is not a channel id (see `probity notify channels`)"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let req = NewReportSchedule {
                name,
                kind: parse_kind(&kind)?,
                format: Some(parse_format(&render)?),
                params: ReportParams {
                    framework,
                    month,
                    customer,
                    from,
                    to,
                },
                cron,
                channels,
            };
            let sched = reports
                .create_schedule(&who(s.platform.tenant(&tenant).await?), &req)
                .await?;
            let rows = vec![vec![
                sched.id.to_string(),
                sched.name.clone(),
                sched.cron.clone(),
                sched.next_run_at.to_rfc3339(),
            ]];
            output::print(format, &sched, &["id", "name", "cron", "next run"], rows);
        }
        ReportCommand::Schedules { tenant } => {
            let list = reports
                .schedules(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|x| {
                    vec![
                        x.id.to_string(),
                        x.name.clone(),
                        x.kind.as_str().to_owned(),
                        x.cron.clone(),
                        x.next_run_at.to_rfc3339(),
                        x.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["id", "name", "kind", "cron", "next run", "last error"],
                rows,
            );
        }
        ReportCommand::Unschedule { id, tenant } => {
            let id: ReportScheduleId = id.parse().map_err(|_| {
                anyhow::anyhow!("id: {id:?} is not a schedule id (see `probity report schedules`)")
            })?;
            reports
                .delete_schedule(&who(s.platform.tenant(&tenant).await?), id)
                .await?;
        }
        ReportCommand::RunDue => {
            let r = reports.run_due().await?;
            output::print(
                format,
                &r,
                &["claimed", "delivered", "failed"],
                vec![vec![
                    r.claimed.to_string(),
                    r.delivered.to_string(),
                    r.failed.to_string(),
                ]],
            );
        }
    }
    Ok(())
}
