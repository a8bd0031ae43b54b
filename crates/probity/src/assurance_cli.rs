//! `probity assurance`: a tenant's compliance posture from the local store — status per
//! framework, gap analysis, the ISO 27001 Statement of Applicability and control matrices as
//! CSV, assessments and sign-off verification, evidence (with file upload) and control tests
//! (starter pack, one scheduled run).

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use clap::Subcommand;
use probity_core::assurance::{AssuranceService, EvidenceContent, NewEvidence, posture};
use probity_core::platform::Principal;

use crate::output::{self, Format};
use crate::wiring;

/// Assurance commands.
#[derive(Debug, Subcommand)]
pub enum AssuranceCommand {
    /// A framework's compliance status: posture, latest assessment, control health, failing
    /// tests, evidence freshness, covering checkpoint.
    Status {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Framework or baseline (`soc2-2017`, `soc2`, `fedramp-r5-moderate`).
        #[arg(long)]
        framework: String,
    },
    /// Gap analysis: what is missing per requirement, with carry-over from other frameworks.
    Gaps {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Framework or baseline.
        #[arg(long)]
        framework: String,
    },
    /// The ISO/IEC 27001:2022 Statement of Applicability (`--csv` for a spreadsheet).
    Soa {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Print CSV instead of a table or JSON.
        #[arg(long)]
        csv: bool,
    },
    /// A framework's control matrix (SOC 2 by default; `--csv` for a spreadsheet).
    Matrix {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Framework or baseline.
        #[arg(long, default_value = "soc2-2017")]
        framework: String,
        /// Print CSV instead of a table or JSON.
        #[arg(long)]
        csv: bool,
    },
    /// Assessments with scores and state.
    Assessments {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Starts an assessment of a framework or baseline, led by a member.
    Assess {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Framework or baseline (`soc2-2017`, `fedramp-r5-moderate`).
        #[arg(long)]
        framework: String,
        /// Scope statement.
        #[arg(long)]
        scope: String,
        /// Period start (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Period end (YYYY-MM-DD).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// The lead assessor's email (a member of the tenant).
        #[arg(long)]
        lead: String,
    },
    /// Checks an assessment's sign-off (content hash and signature).
    Verify {
        /// The assessment version's id.
        id: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Evidence items with freshness.
    Evidence {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Uploads a file as a new evidence item (encrypted, content-addressed, audited).
    Upload {
        /// The file (at most 10 MiB).
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Unified control it supports (repeatable).
        #[arg(long = "control")]
        controls: Vec<String>,
        /// Days it stays valid.
        #[arg(long)]
        validity_days: Option<u32>,
        /// Media type (default `application/octet-stream`).
        #[arg(long)]
        media_type: Option<String>,
    },
    /// Control tests with their latest result.
    Tests {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Installs the shipped starter pack of control tests.
    InstallStarter {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Freezes the evidence set of a period (each item's latest version collected by `--to`).
    Freeze {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Name (`SOC 2 Type II FY2026`).
        #[arg(long)]
        name: String,
        /// Period start (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Period end (YYYY-MM-DD).
        #[arg(long)]
        to: chrono::NaiveDate,
    },
    /// Writes an audit package of an evidence freeze: the tenant's ledger bundle (as
    /// `probity audit export`), the freeze manifest, every frozen file and the inclusion proofs
    /// of their ledger entries, as a directory or a zip, verifiable with `probity verify`.
    Package {
        /// The freeze's id.
        freeze: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Output: a directory (created), or a `.zip` file holding the same layout.
        #[arg(long)]
        out: PathBuf,
    },
    /// Runs the due scheduled control tests of every tenant once (the server does it every
    /// 30 seconds).
    RunDue,
}

fn sha_short(s: &str) -> String {
    s.chars().take(12).collect()
}

/// Runs an assurance command against the local store.
pub(crate) async fn run(
    command: AssuranceCommand,
    format: Format,
    s: &wiring::Services,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let service = AssuranceService::new(
        s.store.clone(),
        s.platform.clock().clone(),
        Arc::clone(s.platform.keys()),
    )
    .with_ledger(Arc::clone(&s.ledger), &config.public_host());
    let who = |tenant| Principal::system(tenant, "cli");
    match command {
        AssuranceCommand::Status { tenant, framework } => {
            let st = service
                .compliance_status(&who(s.platform.tenant(&tenant).await?), &framework)
                .await?;
            if format == Format::Table {
                println!(
                    "# {} ({}): {}% — {} met, {} partial, {} gaps, {} not applicable of {}",
                    st.name,
                    st.framework,
                    st.totals.percent,
                    st.totals.met,
                    st.totals.partial,
                    st.totals.gap,
                    st.totals.not_applicable,
                    st.totals.requirements
                );
                if let Some(a) = &st.assessment {
                    println!(
                        "# assessment {} v{} {}: score {}%, {} open finding(s)",
                        a.reference,
                        a.version,
                        a.state.as_str(),
                        a.score,
                        a.open_findings
                    );
                }
                println!(
                    "# evidence: {} item(s), {} current, {} expiring, {} expired; checkpoint size {}",
                    st.evidence.total,
                    st.evidence.current,
                    st.evidence.expiring,
                    st.evidence.expired,
                    st.checkpoint_size
                        .map_or_else(|| "none".to_owned(), |n| n.to_string())
                );
            }
            let rows = st
                .controls_by_health
                .iter()
                .map(|(h, n)| vec![format!("controls {h}"), n.to_string()])
                .chain(st.failing_tests.iter().map(|t| {
                    vec![
                        format!("test {} {}", t.key, t.result.as_str()),
                        t.control_ids.join(" "),
                    ]
                }))
                .collect();
            output::print(format, &st, &["item", "value"], rows);
        }
        AssuranceCommand::Gaps { tenant, framework } => {
            let gap = service
                .gap_analysis(&who(s.platform.tenant(&tenant).await?), &framework)
                .await?;
            if format == Format::Table {
                println!(
                    "# {}: {}% — {} met, {} partial, {} gaps",
                    gap.framework,
                    gap.totals.percent,
                    gap.totals.met,
                    gap.totals.partial,
                    gap.totals.gap
                );
            }
            let rows = gap
                .items
                .iter()
                .map(|i| {
                    vec![
                        i.requirement.clone(),
                        i.status.as_str().to_owned(),
                        i.carried_over
                            .iter()
                            .map(|c| format!("{} ({})", c.from, c.relationship.as_str()))
                            .collect::<Vec<_>>()
                            .join(", "),
                        i.missing.join("; "),
                    ]
                })
                .collect();
            output::print(
                format,
                &gap,
                &["requirement", "status", "carried over", "missing"],
                rows,
            );
        }
        AssuranceCommand::Soa { tenant, csv } => {
            let rows = service
                .statement_of_applicability(&who(s.platform.tenant(&tenant).await?))
                .await?;
            if csv {
                print!("{}", posture::soa_csv(&rows));
                return Ok(());
            }
            let table = rows
                .iter()
                .map(|r| {
                    vec![
                        r.control.clone(),
                        if r.applicable { "yes" } else { "no" }.to_owned(),
                        r.implemented.clone(),
                        r.owners.join("; "),
                        r.title.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &rows,
                &["control", "applicable", "implemented", "owners", "title"],
                table,
            );
        }
        AssuranceCommand::Matrix {
            tenant,
            framework,
            csv,
        } => {
            let rows = service
                .control_matrix(&who(s.platform.tenant(&tenant).await?), &framework)
                .await?;
            if csv {
                print!("{}", posture::matrix_csv(&rows));
                return Ok(());
            }
            let table = rows
                .iter()
                .map(|r| {
                    vec![
                        r.requirement.clone(),
                        r.status.as_str().to_owned(),
                        r.health.as_str().to_owned(),
                        r.evidence.to_string(),
                        r.controls.join("; "),
                    ]
                })
                .collect();
            output::print(
                format,
                &rows,
                &["requirement", "status", "tests", "evidence", "controls"],
                table,
            );
        }
        AssuranceCommand::Assessments { tenant } => {
            let list = service
                .assessments(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|a| {
                    vec![
                        a.assessment.id.to_string(),
                        format!("{} v{}", a.assessment.reference, a.assessment.version),
                        a.assessment.framework_id.clone(),
                        a.assessment.state.as_str().to_owned(),
                        format!("{}%", a.scores.score),
                        a.assessment.title.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["id", "reference", "framework", "state", "score", "title"],
                rows,
            );
        }
        AssuranceCommand::Assess {
            tenant,
            framework,
            scope,
            from,
            to,
            lead,
        } => {
            let user = s
                .store
                .user_by_email(&lead.to_lowercase())
                .await?
                .ok_or_else(|| {
                    probity_core::DomainError::invalid("lead", format!("no user {lead}"))
                })?;
            let view = service
                .create_assessment(
                    &who(s.platform.tenant(&tenant).await?),
                    &probity_core::assurance::NewAssessment {
                        title: None,
                        framework,
                        scope,
                        period_start: from,
                        period_end: to,
                        lead: Some(user.id),
                        team: Vec::new(),
                    },
                )
                .await?;
            output::print(
                format,
                &view,
                &["id", "reference", "framework", "requirements"],
                vec![vec![
                    view.assessment.id.to_string(),
                    view.assessment.reference.clone(),
                    view.assessment.framework_id.clone(),
                    view.scores.requirements.to_string(),
                ]],
            );
        }
        AssuranceCommand::Verify { id, tenant } => {
            let id = id.parse().map_err(|_| {
                probity_core::DomainError::invalid("id", "is not an assessment id (a UUID)")
            })?;
            let check = service
                .verify_sign_off(&who(s.platform.tenant(&tenant).await?), id)
                .await?;
            let rows = std::iter::once(vec![
                if check.valid { "valid" } else { "INVALID" }.to_owned(),
                check.content_sha256.clone(),
            ])
            .chain(
                check
                    .problems
                    .iter()
                    .map(|p| vec!["problem".to_owned(), p.clone()]),
            )
            .collect();
            output::print(format, &check, &["result", "detail"], rows);
            if !check.valid {
                anyhow::bail!("the sign-off does not verify");
            }
        }
        AssuranceCommand::Evidence { tenant } => {
            let list = service
                .evidence_list(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|v| {
                    let latest = v.versions.first();
                    vec![
                        v.item.reference.clone(),
                        v.item.title.clone(),
                        v.item.control_ids.join(" "),
                        latest.map(|l| l.number.to_string()).unwrap_or_default(),
                        latest.map(|l| sha_short(&l.sha256)).unwrap_or_default(),
                        v.freshness.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &[
                    "reference",
                    "title",
                    "controls",
                    "version",
                    "sha256",
                    "freshness",
                ],
                rows,
            );
        }
        AssuranceCommand::Upload {
            file,
            tenant,
            title,
            controls,
            validity_days,
            media_type,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("file: cannot read {}: {e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "evidence".to_owned());
            let view = service
                .create_evidence(
                    &who(s.platform.tenant(&tenant).await?),
                    &NewEvidence {
                        title,
                        description: None,
                        tags: Vec::new(),
                        control_ids: controls,
                        requirement_ids: Vec::new(),
                        validity_days,
                        owner: None,
                        collected_at: None,
                        content: EvidenceContent::File {
                            file_name: name,
                            media_type,
                            content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                        },
                    },
                )
                .await?;
            let latest = view.versions.first();
            output::print(
                format,
                &view,
                &["reference", "sha256", "size"],
                vec![vec![
                    view.item.reference.clone(),
                    latest.map(|l| l.sha256.clone()).unwrap_or_default(),
                    latest.map(|l| l.size.to_string()).unwrap_or_default(),
                ]],
            );
        }
        AssuranceCommand::Tests { tenant } => {
            let list = service
                .control_tests(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|t| {
                    vec![
                        t.key.clone(),
                        t.control_ids.join(" "),
                        t.schedule.clone().unwrap_or_else(|| "push".to_owned()),
                        t.last_result
                            .map_or_else(|| "-".to_owned(), |r| r.as_str().to_owned()),
                        t.title.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["key", "controls", "schedule", "result", "title"],
                rows,
            );
        }
        AssuranceCommand::InstallStarter { tenant } => {
            let added = service
                .install_starter_pack(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = added
                .iter()
                .map(|t| vec![t.key.clone(), t.control_ids.join(" ")])
                .collect();
            output::print(format, &added, &["installed", "controls"], rows);
        }
        AssuranceCommand::Freeze {
            tenant,
            name,
            from,
            to,
        } => {
            let f = service
                .freeze_evidence(
                    &who(s.platform.tenant(&tenant).await?),
                    &probity_core::assurance::NewFreeze {
                        name,
                        assessment_id: None,
                        period_start: Some(from),
                        period_end: Some(to),
                    },
                )
                .await?;
            output::print(
                format,
                &f,
                &["freeze", "items", "manifest"],
                vec![vec![
                    f.id.to_string(),
                    f.items.len().to_string(),
                    f.manifest_sha256.clone(),
                ]],
            );
        }
        AssuranceCommand::Package {
            freeze,
            tenant,
            out,
        } => {
            let id = freeze.parse().map_err(|_| {
                probity_core::DomainError::invalid("freeze", "is not a freeze id (a UUID)")
            })?;
            let t = s.platform.tenant(&tenant).await?;
            let (record, files) = service.package(&who(t), id).await?;
            // The freeze and the packaging must be in the log the bundle carries.
            while s.ledger.drain_outbox(1_000).await? == 1_000 {}
            // A `.zip` destination: the package is built in a scratch directory, then zipped.
            let zipped = out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
            let scratch = if zipped {
                Some(tempfile::TempDir::new()?)
            } else {
                None
            };
            let dir = scratch.as_ref().map_or(out.as_path(), |t| t.path());
            crate::bundle::live::export(s, config, &tenant, dir).await?;
            crate::bundle::package::write(dir, &record, &files)?;
            let (log, _) = crate::bundle::verify::load_dir(dir)?;
            let proofs = crate::bundle::package::write_proofs(dir, &log)?;
            if zipped {
                crate::bundle::package::write_zip(dir, &out)?;
            }
            println!(
                "packaged freeze {} ({} file(s), manifest {}, {} inclusion proof(s)) in {}; check it with `probity verify {}`",
                record.name,
                files.len(),
                record.manifest_sha256,
                proofs,
                out.display(),
                out.display()
            );
        }
        AssuranceCommand::RunDue => {
            let ran = service.run_due(1000).await?;
            output::print(
                format,
                &serde_json::json!({ "ran": ran }),
                &["ran"],
                vec![vec![ran.to_string()]],
            );
        }
    }
    Ok(())
}
