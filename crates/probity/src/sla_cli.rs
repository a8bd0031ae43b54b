//! `probity sla`: a tenant's service levels from the local store — services, SLOs and SLAs
//! (create, list, status with error budget and burn rates), measurement import from CSV,
//! violations, service credits, the monthly SLA report, and one run of the sweep.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use probity_core::platform::Principal;
use probity_core::service_level::{
    MeasurementInput, NewService, NewSlo, ServiceLevelService, SloId, SloMetric, WindowKind,
};

use crate::output::{self, Format};
use crate::wiring;

/// Service-level commands.
#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Services with provider and customer.
    Services {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Adds an SLO (an SLA once it has a credit schedule, set through the API); creates the
    /// service when `--provider` is given and the key is new.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Name, e.g. "API availability".
        #[arg(long)]
        name: String,
        /// availability (good requests), availability-minutes, latency, error-rate or custom.
        #[arg(long = "type")]
        kind: String,
        /// Target percent of good events, e.g. 99.9.
        #[arg(long)]
        target: f64,
        /// Service key (created with `--provider` when new).
        #[arg(long)]
        service: String,
        /// Who provides the service (creates it when new).
        #[arg(long)]
        provider: Option<String>,
        /// Who the service is owed to (new services; default internal).
        #[arg(long)]
        customer: Option<String>,
        /// calendar-month, calendar-quarter, rolling-28d or rolling-30d (default rolling-30d).
        #[arg(long)]
        window: Option<String>,
        /// Latency threshold in milliseconds (latency SLOs).
        #[arg(long)]
        threshold_ms: Option<f64>,
    },
    /// Every SLO's current window: SLI, budget left, burning rules.
    Status {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Imports measurements from CSV: header `slo_id,at,good,total` or `slo_id,at,value_ms`
    /// (both value and counts columns may be present; empty cells are absent). Good rows
    /// land; bad ones are listed by line and the exit code is non-zero.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Violations, newest first.
    Violations {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Only open ones.
        #[arg(long)]
        open: bool,
    },
    /// Service credits.
    Credits {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// The SLA report for a calendar month (`--csv` for a spreadsheet).
    Report {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Only the services owed to this customer.
        #[arg(long)]
        customer: Option<String>,
        /// Print CSV instead of a table or JSON.
        #[arg(long)]
        csv: bool,
    },
    /// Prints the tenant's services and SLOs as OpenSLO v1 YAML.
    ExportOpenslo {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Creates SLOs from an OpenSLO v1 YAML file (each document on its own; exit 1 naming the
    /// documents that failed).
    ImportOpenslo {
        /// The YAML file.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Runs the service-level sweep once for every tenant (the server does it every minute).
    Sweep,
}

fn metric(kind: &str) -> anyhow::Result<SloMetric> {
    Ok(match kind {
        "availability" | "availability-requests" => SloMetric::AvailabilityRequests,
        "availability-minutes" => SloMetric::AvailabilityMinutes,
        "latency" => SloMetric::Latency,
        "error-rate" => SloMetric::ErrorRate,
        "custom" => SloMetric::Custom,
        other => anyhow::bail!(
            "--type: {other} is not a metric; use availability, availability-minutes, latency, error-rate or custom"
        ),
    })
}

fn window(kind: Option<&str>) -> anyhow::Result<Option<WindowKind>> {
    let Some(k) = kind else { return Ok(None) };
    WindowKind::parse(&k.replace('-', "_"))
        .map(Some)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--window: {k} is not a window; use calendar-month, calendar-quarter, rolling-28d or rolling-30d"
            )
        })
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.3}%", v * 100.0))
}

/// Rejected CSV rows listed by `sla import`; the rest are counted.
const LISTED_REJECTIONS: usize = 20;

/// Parses the measurement CSV: (line, measurement or error).
fn parse_csv(text: &str) -> anyhow::Result<Vec<(usize, Result<MeasurementInput, String>)>> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .context("the CSV is empty: give a header line")?;
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_owned()).collect();
    let at = |name: &str| columns.iter().position(|c| c == name);
    let (Some(slo_col), Some(at_col)) = (at("slo_id"), at("at")) else {
        anyhow::bail!("the CSV header needs slo_id and at, then good,total or value_ms");
    };
    let (good_col, total_col, value_col) = (at("good"), at("total"), at("value_ms"));
    let mut out = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i).copied())
                .filter(|c| !c.is_empty())
        };
        let row = (|| -> Result<MeasurementInput, String> {
            let slo = cell(Some(slo_col)).ok_or("slo_id is empty")?;
            let slo_id = slo
                .parse::<SloId>()
                .map_err(|_| format!("slo_id {slo} is not a UUID"))?;
            let when = cell(Some(at_col)).ok_or("at is empty")?;
            let at = chrono::DateTime::parse_from_rfc3339(when)
                .map_err(|_| format!("at {when} is not an RFC 3339 time"))?
                .to_utc();
            let int = |name: &str, c: Option<&str>| {
                c.map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("{name} {v} is not a count"))
                })
                .transpose()
            };
            Ok(MeasurementInput {
                slo_id,
                at,
                good: int("good", cell(good_col))?,
                total: int("total", cell(total_col))?,
                value_ms: cell(value_col)
                    .map(|v| {
                        v.parse::<f64>()
                            .map_err(|_| format!("value_ms {v} is not a number"))
                    })
                    .transpose()?,
                values_ms: None,
            })
        })();
        out.push((n + 1, row));
    }
    Ok(out)
}

/// Runs a service-level command against the local store.
pub(crate) async fn run(
    command: SlaCommand,
    format: Format,
    s: &wiring::Services,
) -> anyhow::Result<()> {
    let sl = ServiceLevelService::new(s.store.clone(), s.platform.clock().clone());
    let who = |tenant| Principal::system(tenant, "cli");
    match command {
        SlaCommand::Services { tenant } => {
            let list = sl.services(&who(s.platform.tenant(&tenant).await?)).await?;
            let rows = list
                .iter()
                .map(|v| {
                    vec![
                        v.key.clone(),
                        v.name.clone(),
                        v.provider.clone(),
                        v.customer.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["key", "name", "provider", "customer"],
                rows,
            );
        }
        SlaCommand::Create {
            tenant,
            name,
            kind,
            target,
            service,
            provider,
            customer,
            window: w,
            threshold_ms,
        } => {
            let who = who(s.platform.tenant(&tenant).await?);
            let metric = metric(&kind)?;
            let window = window(w.as_deref())?;
            let known = sl.services(&who).await?.iter().any(|v| v.key == service);
            if !known {
                let Some(provider) = provider else {
                    anyhow::bail!("--service: no service {service}; give --provider to create it");
                };
                sl.create_service(
                    &who,
                    &NewService {
                        key: service.clone(),
                        name: service.clone(),
                        provider,
                        customer,
                        description: None,
                    },
                )
                .await?;
            }
            let slo = sl
                .create_slo(
                    &who,
                    &NewSlo {
                        service,
                        name,
                        description: None,
                        metric,
                        target_percent: target,
                        threshold_ms,
                        window,
                        exclusions: Vec::new(),
                        burn_rules: None,
                        escalation_minutes: None,
                        credits: None,
                        source: None,
                    },
                )
                .await?;
            let rows = vec![vec![
                slo.id.to_string(),
                slo.name.clone(),
                slo.metric.as_str().to_owned(),
                format!("{}%", slo.target_percent),
                slo.window.as_str().to_owned(),
            ]];
            output::print(
                format,
                &slo,
                &["id", "name", "metric", "target", "window"],
                rows,
            );
        }
        SlaCommand::Status { tenant } => {
            let list = sl.statuses(&who(s.platform.tenant(&tenant).await?)).await?;
            let rows = list
                .iter()
                .map(|(slo, e)| {
                    let burning: Vec<String> = e
                        .burn_rates
                        .iter()
                        .filter(|b| b.firing)
                        .map(|b| format!("{}x", b.rule.factor))
                        .collect();
                    vec![
                        slo.name.clone(),
                        format!("{}%", slo.target_percent),
                        percent(e.sli),
                        e.budget_remaining
                            .map_or_else(|| "-".to_owned(), |b| format!("{:.1}%", b * 100.0)),
                        match e.met {
                            Some(true) => "met".to_owned(),
                            Some(false) => "MISSED".to_owned(),
                            None => "no data".to_owned(),
                        },
                        if burning.is_empty() {
                            "-".to_owned()
                        } else {
                            burning.join(" ")
                        },
                    ]
                })
                .collect();
            let json: Vec<serde_json::Value> = list
                .iter()
                .map(|(slo, e)| serde_json::json!({"slo": slo, "evaluation": e}))
                .collect();
            output::print(
                format,
                &json,
                &["slo", "target", "sli", "budget left", "window", "burning"],
                rows,
            );
        }
        SlaCommand::Import { file, tenant } => {
            let who = who(s.platform.tenant(&tenant).await?);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let parsed = parse_csv(&text)?;
            let mut bad: Vec<(usize, String)> = Vec::new();
            let mut good = Vec::new();
            let mut lines = Vec::new();
            for (line, row) in parsed {
                match row {
                    Ok(m) => {
                        good.push(m);
                        lines.push(line);
                    }
                    Err(e) => bad.push((line, e)),
                }
            }
            // One pass and one transaction for the whole file: each stored day of each SLO is
            // written once, however the rows are spread.
            let report = sl.import(&who, &good).await?;
            let accepted = report.accepted;
            for e in report.errors {
                let line = lines.get(e.index).copied().unwrap_or_default();
                bad.push((
                    line,
                    format!(
                        "{}: {}",
                        e.field.unwrap_or_default(),
                        e.error.unwrap_or_default()
                    ),
                ));
            }
            bad.sort();
            println!("{accepted} measurements imported from {}", file.display());
            // A file with one mistake on every line should not bury the answer: the first
            // rejections are enough to find it.
            for (line, e) in bad.iter().take(LISTED_REJECTIONS) {
                eprintln!("line {line}: {e}");
            }
            if bad.len() > LISTED_REJECTIONS {
                eprintln!("… and {} more", bad.len() - LISTED_REJECTIONS);
            }
            if !bad.is_empty() {
                anyhow::bail!(
                    "{} rows rejected (the first listed above); the rest landed",
                    bad.len()
                );
            }
        }
        SlaCommand::Violations { tenant, open } => {
            let list = sl
                .violations(&who(s.platform.tenant(&tenant).await?), None, open)
                .await?;
            let rows = list
                .iter()
                .map(|v| {
                    vec![
                        v.started_at.format("%Y-%m-%d %H:%M").to_string(),
                        v.kind.as_str().to_owned(),
                        v.severity.as_str().to_owned(),
                        v.summary.clone(),
                        if v.acknowledged_at.is_some() {
                            "acknowledged".to_owned()
                        } else if v.ended_at.is_some() {
                            "ended, unacknowledged".to_owned()
                        } else {
                            format!("open (level {})", v.escalation_level)
                        },
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["started", "kind", "severity", "summary", "state"],
                rows,
            );
        }
        SlaCommand::Credits { tenant } => {
            let list = sl.credits(&who(s.platform.tenant(&tenant).await?)).await?;
            let rows = list
                .iter()
                .map(|c| {
                    vec![
                        c.window.start.format("%Y-%m").to_string(),
                        format!("{:.3}%", c.compliance_percent),
                        format!("{}%", c.quote.credit_percent),
                        format!("{:.2} {}", c.quote.amount, c.currency),
                        c.status.as_str().to_owned(),
                        c.claim_deadline.format("%Y-%m-%d").to_string(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &[
                    "period",
                    "compliance",
                    "credit",
                    "amount",
                    "status",
                    "claim by",
                ],
                rows,
            );
        }
        SlaCommand::Report {
            tenant,
            month,
            customer,
            csv,
        } => {
            let (year, m) = probity_core::service_level::parse_month(&month).map_err(|_| {
                anyhow::anyhow!("--month: write the month as YYYY-MM, e.g. 2026-10")
            })?;
            let report = sl
                .period_report(
                    &who(s.platform.tenant(&tenant).await?),
                    year,
                    m,
                    customer.as_deref(),
                )
                .await?;
            if csv {
                print!("{}", report.to_csv());
                return Ok(());
            }
            let rows = report
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.service.clone(),
                        l.slo.clone(),
                        format!("{}%", l.target_percent),
                        l.compliance_percent
                            .map_or_else(|| "-".to_owned(), |c| format!("{c:.3}%")),
                        l.violations.to_string(),
                        l.credit.as_ref().map_or_else(
                            || "-".to_owned(),
                            |c| format!("{:.2} {} ({})", c.quote.amount, c.currency, c.status),
                        ),
                    ]
                })
                .collect();
            output::print(
                format,
                &report,
                &[
                    "service",
                    "slo",
                    "target",
                    "compliance",
                    "violations",
                    "credit",
                ],
                rows,
            );
        }
        SlaCommand::ExportOpenslo { tenant } => {
            let yaml = sl
                .export_openslo(&who(s.platform.tenant(&tenant).await?))
                .await?;
            print!("{yaml}");
        }
        SlaCommand::ImportOpenslo { file, tenant } => {
            let who = who(s.platform.tenant(&tenant).await?);
            let yaml = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let results = sl.import_openslo(&who, &yaml).await?;
            let mut failed = 0;
            for r in &results {
                match (&r.slo_id, &r.error) {
                    (Some(id), _) => {
                        println!("document {}: {} created as {id}", r.document, r.name)
                    }
                    (None, e) => {
                        failed += 1;
                        eprintln!(
                            "document {}: {}: {}",
                            r.document,
                            r.name,
                            e.as_deref().unwrap_or("not imported")
                        );
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} documents not imported (listed above); the rest landed");
            }
        }
        SlaCommand::Sweep => {
            let r = sl.sweep().await?;
            println!(
                "{} SLOs: {} violations opened, {} ended, {} escalations, {} periods judged ({} missed), {} credits",
                r.slos, r.opened, r.ended, r.escalated, r.judged, r.missed, r.credits
            );
        }
    }
    Ok(())
}
