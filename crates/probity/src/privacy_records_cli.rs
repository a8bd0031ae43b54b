//! `probity privacy activities | dpias | retention`: the record of processing (list, show,
//! add and update from a JSON file, remove, export as CSV, JSON or PDF), DPIAs (list, show,
//! add, update, submit, approve or reject a version) and retention schedules (list, show,
//! add, update, run now, list the run reports), on the local store as the system in a tenant.
//! Records are named by their reference (`ROPA-001`, `DPIA-001`, `RET-001`) or id.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use probity_core::platform::Principal;
use probity_core::privacy::{
    ActivityInput, Decision, DpiaDecisionInput, DpiaInput, DpiaView, PrivacyService,
    ProcessingActivity, RetentionRunReport, RetentionSchedule, RetentionScheduleInput, RunTrigger,
};
use serde::de::DeserializeOwned;

use crate::output::{self, Format};
use crate::wiring;

/// Record of processing commands.
#[derive(Debug, Subcommand)]
pub enum ActivityCommand {
    /// Every processing activity, by reference.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// One activity with its DPIAs and retention schedules.
    Show {
        /// Reference (ROPA-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Records an activity from a JSON file (`-` reads standard input); categories are keys
    /// of the taxonomy (`GET /api/v1/privacy/taxonomy`).
    Add {
        /// The activity as JSON.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Replaces an activity's fields from a JSON file.
    Update {
        /// Reference (ROPA-001) or id.
        reference: String,
        /// The activity as JSON.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Removes an activity (refused while a DPIA or retention schedule names it).
    Remove {
        /// Reference (ROPA-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// The whole record (GDPR Art. 30) as CSV, JSON or PDF.
    Export {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// csv, json or pdf.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// DPIA commands.
#[derive(Debug, Subcommand)]
pub enum DpiaCommand {
    /// Every DPIA with its state and screening.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// One DPIA with its answers, risks, mitigations and sign-offs.
    Show {
        /// Reference (DPIA-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Starts a DPIA in draft from a JSON file (`-` reads standard input).
    Add {
        /// The DPIA as JSON.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Replaces a DPIA's content: a new version (an approved one goes back to draft).
    Update {
        /// Reference (DPIA-001) or id.
        reference: String,
        /// The DPIA as JSON.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Submits a DPIA for sign-off.
    Submit {
        /// Reference (DPIA-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Approves the given version of a DPIA in review.
    Approve {
        /// Reference (DPIA-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The version approved (as shown by `show`).
        #[arg(long)]
        dpia_version: u32,
        /// Conditions of the approval.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Rejects the given version of a DPIA in review, saying why.
    Reject {
        /// Reference (DPIA-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The version rejected.
        #[arg(long)]
        dpia_version: u32,
        /// Why.
        #[arg(long)]
        note: String,
    },
}

/// Retention schedule commands.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Every retention schedule.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// One schedule.
    Show {
        /// Reference (RET-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Adds a schedule from a JSON file (`-` reads standard input).
    Add {
        /// The schedule as JSON.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Replaces a schedule's fields from a JSON file.
    Update {
        /// Reference (RET-001) or id.
        reference: String,
        /// The schedule as JSON.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Runs a schedule now and prints its report.
    Run {
        /// Reference (RET-001) or id.
        reference: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// The run reports, newest first.
    Runs {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Only this schedule's runs (reference or id).
        #[arg(long)]
        schedule: Option<String>,
    },
}

/// Reads a JSON file (or standard input for `-`) as `T`, naming the file in errors.
fn read<T: DeserializeOwned>(file: &Path, what: &str) -> anyhow::Result<T> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| {
            anyhow::anyhow!("file: cannot read {} as UTF-8 text: {e}", file.display())
        })?
    };
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "file: {} is not {what} as JSON: {e}",
            if file.as_os_str() == "-" {
                "standard input".to_owned()
            } else {
                file.display().to_string()
            }
        )
    })
}

const ACTIVITY_HEADERS: [&str; 7] = [
    "reference",
    "name",
    "legal_basis",
    "data_categories",
    "subjects",
    "dpias",
    "retention_schedules",
];

fn activity_rows(all: &[ProcessingActivity]) -> Vec<Vec<String>> {
    all.iter()
        .map(|a| {
            let refs = |l: &[probity_core::privacy::LinkRef]| {
                l.iter()
                    .map(|x| x.reference.clone())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            vec![
                a.reference.clone(),
                a.name.clone(),
                match a.art9_condition {
                    Some(c) => format!("{} + {}", a.legal_basis.as_str(), c.as_str()),
                    None => a.legal_basis.as_str().to_owned(),
                },
                a.data_categories.join(","),
                a.subject_categories.join(","),
                refs(&a.dpias),
                refs(&a.retention_schedules),
            ]
        })
        .collect()
}

const DPIA_HEADERS: [&str; 8] = [
    "reference",
    "id",
    "title",
    "version",
    "state",
    "required",
    "residual",
    "approved_version",
];

fn dpia_rows(all: &[DpiaView]) -> Vec<Vec<String>> {
    all.iter()
        .map(|d| {
            vec![
                d.dpia.reference.clone(),
                d.dpia.id.to_string(),
                d.dpia.content.title.clone(),
                d.dpia.version.to_string(),
                d.dpia.state.as_str().to_owned(),
                if d.screening.required { "yes" } else { "no" }.to_owned(),
                d.residual_level
                    .map(|l| l.as_str().to_owned())
                    .unwrap_or_default(),
                d.approved_version
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect()
}

const SCHEDULE_HEADERS: [&str; 7] = [
    "reference",
    "id",
    "data_category",
    "period_days",
    "audit_event_types",
    "closed_requests",
    "active",
];

fn schedule_rows(all: &[RetentionSchedule]) -> Vec<Vec<String>> {
    all.iter()
        .map(|s| {
            vec![
                s.reference.clone(),
                s.id.to_string(),
                s.data_category.clone(),
                s.period_days.to_string(),
                s.audit_event_types.join(","),
                s.closed_requests.to_string(),
                s.active.to_string(),
            ]
        })
        .collect()
}

const RUN_HEADERS: [&str; 8] = [
    "at",
    "schedule",
    "trigger",
    "cutoff",
    "due",
    "erased",
    "held",
    "requests_redacted",
];

fn run_rows(all: &[RetentionRunReport]) -> Vec<Vec<String>> {
    all.iter()
        .map(|r| {
            vec![
                r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                r.schedule_reference.clone(),
                match r.trigger {
                    RunTrigger::Scheduled => "scheduled",
                    RunTrigger::OnDemand => "on_demand",
                }
                .to_owned(),
                r.cutoff.format("%Y-%m-%d %H:%M").to_string(),
                r.audit_due.to_string(),
                r.audit_erased.to_string(),
                r.audit_held.to_string(),
                r.requests_redacted.join(","),
            ]
        })
        .collect()
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    match out {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| anyhow::anyhow!("--out: cannot write {}: {e}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// Runs a record of processing command.
pub(crate) async fn activities(
    command: ActivityCommand,
    format: Format,
    privacy: &PrivacyService,
    s: &wiring::Services,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let who = |slug: String| async move {
        Ok::<_, anyhow::Error>(Principal::system(s.platform.tenant(&slug).await?, "cli"))
    };
    let print_one = |a: &ProcessingActivity| {
        output::print(
            format,
            a,
            &ACTIVITY_HEADERS,
            activity_rows(std::slice::from_ref(a)),
        );
    };
    match command {
        ActivityCommand::List { tenant } => {
            let all = privacy.activities(&who(tenant).await?).await?;
            output::print(format, &all, &ACTIVITY_HEADERS, activity_rows(&all));
        }
        ActivityCommand::Show { reference, tenant } => {
            let a = privacy
                .find_activity(&who(tenant).await?, &reference)
                .await?;
            print_one(&a);
        }
        ActivityCommand::Add { file, tenant } => {
            let input: ActivityInput = read(&file, "a processing activity")?;
            let a = privacy.create_activity(&who(tenant).await?, &input).await?;
            print_one(&a);
        }
        ActivityCommand::Update {
            reference,
            file,
            tenant,
        } => {
            let input: ActivityInput = read(&file, "a processing activity")?;
            let p = who(tenant).await?;
            let id = privacy.find_activity(&p, &reference).await?.id;
            let a = privacy.update_activity(&p, id, &input).await?;
            print_one(&a);
        }
        ActivityCommand::Remove { reference, tenant } => {
            let p = who(tenant).await?;
            let a = privacy.find_activity(&p, &reference).await?;
            privacy.delete_activity(&p, a.id).await?;
            println!("removed {} {}", a.reference, a.name);
        }
        ActivityCommand::Export {
            tenant,
            format: export,
            out,
        } => {
            let p = who(tenant).await?;
            let bytes = match export.as_str() {
                "json" => {
                    let mut text = serde_json::to_string_pretty(&privacy.activities(&p).await?)?;
                    text.push('\n');
                    text.into_bytes()
                }
                "csv" => probity_core::privacy::processing::to_csv(&privacy.activities(&p).await?)
                    .into_bytes(),
                "pdf" => {
                    let reports = crate::report_cli::service(s, config)?;
                    reports
                        .generate(
                            &p,
                            &probity_core::reports::NewReport {
                                kind: probity_core::reports::ReportKind::RecordsOfProcessing,
                                format: Some(probity_core::reports::ReportFormat::Pdf),
                                params: probity_core::reports::ReportParams::default(),
                            },
                        )
                        .await?
                        .bytes
                }
                other => anyhow::bail!("--format: {other:?} is not csv, json or pdf"),
            };
            write_out(out.as_deref(), &bytes)?;
        }
    }
    Ok(())
}

/// Runs a DPIA command.
pub(crate) async fn dpias(
    command: DpiaCommand,
    format: Format,
    privacy: &PrivacyService,
    s: &wiring::Services,
) -> anyhow::Result<()> {
    let who = |slug: String| async move {
        Ok::<_, anyhow::Error>(Principal::system(s.platform.tenant(&slug).await?, "cli"))
    };
    let print_one = |d: &DpiaView| {
        output::print(format, d, &DPIA_HEADERS, dpia_rows(std::slice::from_ref(d)));
    };
    match command {
        DpiaCommand::List { tenant } => {
            let all = privacy.dpias(&who(tenant).await?).await?;
            output::print(format, &all, &DPIA_HEADERS, dpia_rows(&all));
        }
        DpiaCommand::Show { reference, tenant } => {
            print_one(&privacy.find_dpia(&who(tenant).await?, &reference).await?);
        }
        DpiaCommand::Add { file, tenant } => {
            let input: DpiaInput = read(&file, "a DPIA")?;
            print_one(&privacy.create_dpia(&who(tenant).await?, &input).await?);
        }
        DpiaCommand::Update {
            reference,
            file,
            tenant,
        } => {
            let input: DpiaInput = read(&file, "a DPIA")?;
            let p = who(tenant).await?;
            let id = privacy.find_dpia(&p, &reference).await?.dpia.id;
            print_one(&privacy.update_dpia(&p, id, &input).await?);
        }
        DpiaCommand::Submit { reference, tenant } => {
            let p = who(tenant).await?;
            let id = privacy.find_dpia(&p, &reference).await?.dpia.id;
            print_one(&privacy.submit_dpia(&p, id).await?);
        }
        DpiaCommand::Approve {
            reference,
            tenant,
            dpia_version,
            note,
        } => {
            let p = who(tenant).await?;
            let id = privacy.find_dpia(&p, &reference).await?.dpia.id;
            let input = DpiaDecisionInput {
                version: dpia_version,
                note,
            };
            print_one(
                &privacy
                    .decide_dpia(&p, id, Decision::Approved, &input)
                    .await?,
            );
        }
        DpiaCommand::Reject {
            reference,
            tenant,
            dpia_version,
            note,
        } => {
            let p = who(tenant).await?;
            let id = privacy.find_dpia(&p, &reference).await?.dpia.id;
            let input = DpiaDecisionInput {
                version: dpia_version,
                note,
            };
            print_one(
                &privacy
                    .decide_dpia(&p, id, Decision::Rejected, &input)
                    .await?,
            );
        }
    }
    Ok(())
}

/// Runs a retention schedule command.
pub(crate) async fn retention(
    command: RetentionCommand,
    format: Format,
    privacy: &PrivacyService,
    s: &wiring::Services,
) -> anyhow::Result<()> {
    let who = |slug: String| async move {
        Ok::<_, anyhow::Error>(Principal::system(s.platform.tenant(&slug).await?, "cli"))
    };
    let print_one = |x: &RetentionSchedule| {
        output::print(
            format,
            x,
            &SCHEDULE_HEADERS,
            schedule_rows(std::slice::from_ref(x)),
        );
    };
    match command {
        RetentionCommand::List { tenant } => {
            let all = privacy.retention_schedules(&who(tenant).await?).await?;
            output::print(format, &all, &SCHEDULE_HEADERS, schedule_rows(&all));
        }
        RetentionCommand::Show { reference, tenant } => {
            print_one(
                &privacy
                    .find_retention_schedule(&who(tenant).await?, &reference)
                    .await?,
            );
        }
        RetentionCommand::Add { file, tenant } => {
            let input: RetentionScheduleInput = read(&file, "a retention schedule")?;
            print_one(
                &privacy
                    .create_retention_schedule(&who(tenant).await?, &input)
                    .await?,
            );
        }
        RetentionCommand::Update {
            reference,
            file,
            tenant,
        } => {
            let input: RetentionScheduleInput = read(&file, "a retention schedule")?;
            let p = who(tenant).await?;
            let id = privacy.find_retention_schedule(&p, &reference).await?.id;
            print_one(&privacy.update_retention_schedule(&p, id, &input).await?);
        }
        RetentionCommand::Run { reference, tenant } => {
            let p = who(tenant).await?;
            let id = privacy.find_retention_schedule(&p, &reference).await?.id;
            probity_core::audit::indexer::Indexer::new(s.ledger.clone(), s.store.clone() as _)
                .catch_up(p.tenant.id, u64::MAX)
                .await?;
            let run = privacy
                .run_retention_schedule(&p, id, RunTrigger::OnDemand)
                .await?;
            output::print(
                format,
                &run,
                &RUN_HEADERS,
                run_rows(std::slice::from_ref(&run)),
            );
        }
        RetentionCommand::Runs { tenant, schedule } => {
            let p = who(tenant).await?;
            let schedule = match schedule {
                Some(r) => Some(privacy.find_retention_schedule(&p, &r).await?.id),
                None => None,
            };
            let runs = privacy.retention_runs(&p, schedule).await?;
            output::print(format, &runs, &RUN_HEADERS, run_rows(&runs));
        }
    }
    Ok(())
}
