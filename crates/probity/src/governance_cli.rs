//! `probity governance`: the governance registers of a tenant from the local store — policies
//! with acknowledgment rates, the risk register, exceptions, vendors and assets — the asset
//! CSV import, the tenant's own vendor questionnaire templates, and one run of the reminder and
//! expiry sweep.

use clap::Subcommand;
use probity_core::governance::GovernanceService;
use probity_core::platform::Principal;

use crate::output::{self, Format};
use crate::wiring;

/// Governance commands.
#[derive(Debug, Subcommand)]
pub enum GovernanceCommand {
    /// Policies: version in force, latest state, acknowledgment rate.
    Policies {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// The risk register with inherent and residual scores.
    Risks {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Exceptions and risk acceptances with their effective status.
    Exceptions {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Vendors with tier, latest score and next assessment.
    Vendors {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// The asset inventory.
    Assets {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Import assets from a CSV file (header `name,kind,owner,classification,criticality`
    /// and optionally `location,description,controls`); good rows land, bad ones are listed.
    ImportAssets {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Vendor questionnaire templates: the shipped ones and the tenant's own.
    Questionnaires {
        /// What to do.
        #[command(subcommand)]
        action: QuestionnaireAction,
    },
    /// Run the expiry and reminder sweep once for every tenant (the server does it every
    /// minute).
    Sweep,
}

/// Questionnaire template commands.
#[derive(Debug, Subcommand)]
pub enum QuestionnaireAction {
    /// The templates with their source (`shipped` or `tenant`) and version.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Add a template of the tenant's own from a JSON file (or `.toml`, the shape of the
    /// shipped ones); an existing key of the tenant gets a new version.
    Add {
        /// The template file.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Remove one of the tenant's templates (refused while a questionnaire sent from it is
    /// open).
    Remove {
        /// The template's key.
        key: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
}

/// Reads a questionnaire template from a JSON or TOML file.
fn read_template(
    file: &std::path::Path,
) -> anyhow::Result<probity_core::governance::QuestionnaireTemplate> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("file: cannot read {} as UTF-8 text: {e}", file.display()))?;
    if file.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("file: {} is not a template: {e}", file.display()))
    } else {
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("file: {} is not a template: {e}", file.display()))
    }
}

/// Runs a governance command against the local store.
pub(crate) async fn run(
    command: GovernanceCommand,
    format: Format,
    s: &wiring::Services,
) -> anyhow::Result<()> {
    let gov = GovernanceService::new(s.store.clone(), s.platform.clock().clone());
    let who = |tenant| Principal::system(tenant, "cli");
    match command {
        GovernanceCommand::Policies { tenant } => {
            let list = gov
                .policies(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|p| {
                    vec![
                        p.policy.key.clone(),
                        p.policy.title.clone(),
                        p.published
                            .map_or_else(|| "-".to_owned(), |n| n.to_string()),
                        p.versions
                            .last()
                            .map(|v| format!("{} {}", v.number, v.state.as_str()))
                            .unwrap_or_default(),
                        format!(
                            "{}% ({}/{})",
                            p.acknowledgment_rate, p.acknowledged, p.members
                        ),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["key", "title", "in force", "latest", "acknowledged"],
                rows,
            );
        }
        GovernanceCommand::Risks { tenant } => {
            let register = gov.risks(&who(s.platform.tenant(&tenant).await?)).await?;
            let rows = register
                .items
                .iter()
                .map(|r| {
                    vec![
                        r.risk.reference.clone(),
                        r.risk.title.clone(),
                        r.risk.category.as_str().to_owned(),
                        format!("{} {}", r.inherent_score, r.inherent_level),
                        format!(
                            "{} {}{}",
                            r.residual_score,
                            r.residual_level,
                            if r.exceeds_appetite {
                                " (above appetite)"
                            } else {
                                ""
                            }
                        ),
                        r.risk.treatment.as_str().to_owned(),
                    ]
                })
                .collect();
            output::print(
                format,
                &register,
                &[
                    "ref",
                    "title",
                    "category",
                    "inherent",
                    "residual",
                    "treatment",
                ],
                rows,
            );
        }
        GovernanceCommand::Exceptions { tenant } => {
            let list = gov
                .exceptions(&who(s.platform.tenant(&tenant).await?))
                .await?;
            let rows = list
                .iter()
                .map(|e| {
                    vec![
                        e.exception.reference.clone(),
                        e.exception.title.clone(),
                        e.exception.kind.as_str().to_owned(),
                        e.status.as_str().to_owned(),
                        e.exception.expires_at.format("%Y-%m-%d").to_string(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["ref", "title", "kind", "status", "expires"],
                rows,
            );
        }
        GovernanceCommand::Vendors { tenant } => {
            let list = gov.vendors(&who(s.platform.tenant(&tenant).await?)).await?;
            let rows = list
                .iter()
                .map(|v| {
                    vec![
                        v.vendor.reference.clone(),
                        v.vendor.name.clone(),
                        v.vendor.tier.as_str().to_owned(),
                        v.latest.as_ref().map_or_else(
                            || "-".to_owned(),
                            |c| format!("{} ({} risk)", c.overall.score, c.rating),
                        ),
                        v.vendor.next_assessment.format("%Y-%m-%d").to_string(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["ref", "name", "tier", "latest score", "next assessment"],
                rows,
            );
        }
        GovernanceCommand::Assets { tenant } => {
            let list = gov.assets(&who(s.platform.tenant(&tenant).await?)).await?;
            let rows = list
                .iter()
                .map(|a| {
                    vec![
                        a.reference.clone(),
                        a.name.clone(),
                        a.kind.clone(),
                        a.classification.clone(),
                        a.criticality.clone(),
                        a.owner.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &[
                    "ref",
                    "name",
                    "kind",
                    "classification",
                    "criticality",
                    "owner",
                ],
                rows,
            );
        }
        GovernanceCommand::ImportAssets { file, tenant } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                anyhow::anyhow!("file: cannot read {} as UTF-8 text: {e}", file.display())
            })?;
            let report = gov
                .import_assets(&who(s.platform.tenant(&tenant).await?), &text)
                .await?;
            let rows = report
                .rows
                .iter()
                .filter(|r| !r.errors.is_empty())
                .map(|r| {
                    vec![
                        r.line.to_string(),
                        r.errors
                            .iter()
                            .map(|e| format!("{}: {}", e.field, e.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]
                })
                .collect();
            output::print(format, &report, &["line", "rejected because"], rows);
            if format == Format::Table {
                println!("{} imported, {} rejected", report.imported, report.rejected);
            }
            if report.rejected > 0 {
                anyhow::bail!(
                    "{} row(s) were rejected; fix them and import those rows again",
                    report.rejected
                );
            }
        }
        GovernanceCommand::Questionnaires { action } => match action {
            QuestionnaireAction::List { tenant } => {
                let list = gov
                    .questionnaire_templates(&who(s.platform.tenant(&tenant).await?))
                    .await?;
                let rows = list
                    .iter()
                    .map(|t| {
                        vec![
                            t.template.key.clone(),
                            t.template.title.clone(),
                            t.source.as_str().to_owned(),
                            t.version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                            t.template
                                .sections
                                .iter()
                                .map(|s| s.questions.len())
                                .sum::<usize>()
                                .to_string(),
                        ]
                    })
                    .collect();
                output::print(
                    format,
                    &list,
                    &["key", "title", "source", "version", "questions"],
                    rows,
                );
            }
            QuestionnaireAction::Add { file, tenant } => {
                let template = read_template(&file)?;
                let added = gov
                    .add_questionnaire_template(&who(s.platform.tenant(&tenant).await?), &template)
                    .await?;
                println!(
                    "added questionnaire template {} version {}",
                    added.template.key,
                    added.version.unwrap_or(1)
                );
            }
            QuestionnaireAction::Remove { key, tenant } => {
                gov.remove_questionnaire_template(&who(s.platform.tenant(&tenant).await?), &key)
                    .await?;
                println!("removed questionnaire template {key}");
            }
        },
        GovernanceCommand::Sweep => {
            let total = gov.sweep_all().await?;
            println!(
                "expired {}, expiring {}, risk reviews due {}, policy reviews due {}, acknowledgments overdue {}",
                total.expired,
                total.expiring,
                total.risk_reviews_due,
                total.policy_reviews_due,
                total.acknowledgments_overdue
            );
        }
    }
    Ok(())
}
