//! `probity frameworks|controls|compliance ...`: the shipped compliance catalog. Listing,
//! showing, comparing and diffing need no store; a tenant's control states (`controls set`,
//! `compliance status`) use the local store.

use probity_core::catalog::coverage::{self, TenantView};
use probity_core::catalog::{
    Catalog, CatalogService, ControlUpdate, Coverage, ImplementationStatus, RequirementCoverage,
    diff,
};
use probity_core::platform::Principal;
use probity_core::{DomainError, DomainResult};

use crate::output::{self, Format};
use crate::wiring;

/// `probity frameworks`.
#[derive(Debug, clap::Subcommand)]
pub enum FrameworksCommand {
    /// The shipped frameworks with their counts.
    List,
    /// One framework's requirement tree (`--assessable` for the assessable rows only).
    Show {
        /// Framework id, e.g. `iso27001-2022` (see `probity frameworks list`).
        id: String,
        /// Only the assessable rows.
        #[arg(long)]
        assessable: bool,
    },
}

/// `probity controls`.
#[derive(Debug, clap::Subcommand)]
pub enum ControlsCommand {
    /// The unified control library (with a tenant's statuses when `--tenant` is given).
    List {
        /// Only this family, e.g. `IAM`.
        #[arg(long)]
        family: Option<String>,
        /// Tenant slug: show its implementation statuses (opens the store).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// One control and its mappings to every framework.
    Show {
        /// Control id, e.g. `IAM-03`.
        id: String,
    },
    /// Record a tenant's implementation status of a control (audited).
    Set {
        /// Control id.
        id: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// implemented, partially_implemented, planned, not_implemented or not_applicable.
        #[arg(long)]
        status: String,
        /// Owner (a person or team).
        #[arg(long)]
        owner: Option<String>,
        /// How it is implemented.
        #[arg(long)]
        note: Option<String>,
    },
}

/// `probity compliance`.
#[derive(Debug, clap::Subcommand)]
pub enum ComplianceCommand {
    /// How much of framework `--to` meeting framework `--from` covers, with the reasons.
    Coverage {
        /// Source framework id (assumed met).
        #[arg(long)]
        from: String,
        /// Target framework id.
        #[arg(long)]
        to: String,
    },
    /// The comparison totals for every pair of shipped frameworks.
    Matrix,
    /// What changed between two versions of a framework, e.g. `--from iso27001-2013 --to iso27001-2022`;
    /// `import:<id>` names a tenant's OSCAL import (with `--tenant`).
    Diff {
        /// Old framework id.
        #[arg(long)]
        from: String,
        /// New framework id.
        #[arg(long)]
        to: String,
        /// Compare only this baseline's requirements, e.g. `nist-800-53-r5-moderate`.
        #[arg(long)]
        baseline: Option<String>,
        /// Tenant slug, to compare against the tenant's OSCAL imports.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// A tenant's coverage of a framework or baseline through its implemented controls.
    Status {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Framework or baseline id, e.g. `soc2-2017` or `fedramp-r5-moderate`.
        #[arg(long)]
        scope: String,
    },
    /// Record a regulatory change: the diff as one task per affected control (audited).
    Change {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Old version (framework id or `import:<id>`).
        #[arg(long)]
        from: String,
        /// New version (framework id or `import:<id>`).
        #[arg(long)]
        to: String,
        /// Narrow the diff to this baseline.
        #[arg(long)]
        baseline: Option<String>,
        /// Title.
        #[arg(long)]
        title: Option<String>,
        /// Due date of every task (YYYY-MM-DD).
        #[arg(long)]
        due: Option<chrono::NaiveDate>,
    },
    /// A tenant's change records and their task progress.
    Changes {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
}

fn catalog() -> anyhow::Result<&'static Catalog> {
    Ok(Catalog::shipped()?)
}

fn framework<'a>(
    cat: &'a Catalog,
    field: &str,
    id: &str,
) -> DomainResult<&'a probity_core::catalog::Framework> {
    cat.framework(id).ok_or_else(|| {
        let known: Vec<&str> = cat.frameworks().map(|f| f.info.id.as_str()).collect();
        DomainError::invalid(
            field,
            format!(
                "{id:?} is not a shipped framework; use one of {}",
                known.join(", ")
            ),
        )
    })
}

fn reasons(r: &RequirementCoverage) -> String {
    r.reasons
        .iter()
        .filter(|x| x.effect != Coverage::NotCovered)
        .map(|x| x.explanation.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

fn coverage_rows(items: &[RequirementCoverage]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|r| {
            vec![
                r.requirement.clone(),
                r.coverage.as_str().to_owned(),
                r.title.clone(),
                reasons(r),
            ]
        })
        .collect()
}

/// Runs the commands that need no store.
pub(crate) fn run_offline(command: CatalogCommand, format: Format) -> anyhow::Result<()> {
    let cat = catalog()?;
    match command {
        CatalogCommand::Frameworks(FrameworksCommand::List) => {
            let all: Vec<_> = cat.frameworks().map(|f| cat.summary(f)).collect();
            let rows = all
                .iter()
                .map(|s| {
                    vec![
                        s.info.id.clone(),
                        s.info.name.clone(),
                        s.info.version.clone(),
                        s.requirements.to_string(),
                        s.assessable.to_string(),
                        s.mapped.to_string(),
                    ]
                })
                .collect();
            output::print(
                format,
                &all,
                &[
                    "id",
                    "name",
                    "version",
                    "requirements",
                    "assessable",
                    "mapped",
                ],
                rows,
            );
        }
        CatalogCommand::Frameworks(FrameworksCommand::Show { id, assessable }) => {
            let fw = framework(cat, "id", &id)?;
            let shown: Vec<_> = fw
                .requirements
                .iter()
                .filter(|r| !assessable || r.assessable)
                .collect();
            let rows = shown
                .iter()
                .map(|r| {
                    let indent = "  ".repeat(usize::try_from(r.depth).unwrap_or(0));
                    let mut flags = r.labels.clone();
                    if r.withdrawn {
                        flags.push(format!("withdrawn → {}", r.withdrawn_to.join(", ")));
                    }
                    vec![
                        format!("{indent}{}", r.id),
                        r.title.clone(),
                        if r.assessable { "yes" } else { "" }.to_owned(),
                        flags.join(", "),
                    ]
                })
                .collect();
            if format == Format::Table {
                println!(
                    "# {} ({}), {}: {}",
                    fw.info.name, fw.info.version, fw.info.publisher, fw.info.licence
                );
            }
            output::print(format, &fw, &["id", "title", "assessable", "notes"], rows);
        }
        CatalogCommand::Controls(ControlsCommand::List {
            family,
            tenant: None,
        }) => {
            if let Some(f) = &family
                && !cat.families().iter().any(|x| &x.id == f)
            {
                let known: Vec<&str> = cat.families().iter().map(|x| x.id.as_str()).collect();
                return Err(DomainError::invalid(
                    "family",
                    format!(
                        "{f:?} is not a control family; use one of {}",
                        known.join(", ")
                    ),
                )
                .into());
            }
            let list: Vec<_> = cat
                .controls()
                .iter()
                .filter(|c| family.as_ref().is_none_or(|f| &c.family == f))
                .collect();
            let rows = list
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.title.clone(),
                        cat.mappings_of_control(&c.id).count().to_string(),
                    ]
                })
                .collect();
            output::print(format, &list, &["id", "title", "mappings"], rows);
        }
        CatalogCommand::Controls(
            ControlsCommand::List {
                tenant: Some(_), ..
            }
            | ControlsCommand::Set { .. },
        )
        | CatalogCommand::Compliance(
            ComplianceCommand::Status { .. }
            | ComplianceCommand::Change { .. }
            | ComplianceCommand::Changes { .. },
        ) => {
            return Err(anyhow::anyhow!("internal: this command needs the store"));
        }
        CatalogCommand::Controls(ControlsCommand::Show { id }) => {
            let control = cat.control(&id).ok_or_else(|| {
                DomainError::invalid(
                    "id",
                    format!("{id:?} is not a unified control; see `probity controls list`"),
                )
            })?;
            let links: Vec<_> = cat.mappings_of_control(&id).cloned().collect();
            let rows = links
                .iter()
                .map(|l| {
                    vec![
                        l.to_framework.clone(),
                        l.to.clone(),
                        l.relationship.as_str().to_owned(),
                        l.rationale.clone(),
                    ]
                })
                .collect();
            if format == Format::Table {
                println!("# {} {}: {}", control.id, control.title, control.summary);
            }
            output::print(
                format,
                &serde_json::json!({ "control": control, "mappings": links }),
                &["framework", "requirement", "relationship", "rationale"],
                rows,
            );
        }
        CatalogCommand::Compliance(ComplianceCommand::Coverage { from, to }) => {
            let a = framework(cat, "from", &from)?;
            let b = framework(cat, "to", &to)?;
            if a.info.id == b.info.id {
                return Err(DomainError::invalid("to", "must differ from --from").into());
            }
            let c = coverage::compare(cat, a, b, &TenantView::default());
            if format == Format::Table {
                let t = c.totals;
                println!(
                    "# meeting {from} covers {} of {} {to} requirements fully and {} partly ({}%)",
                    t.covered, t.requirements, t.partial, t.percent
                );
            }
            output::print(
                format,
                &c,
                &["requirement", "coverage", "title", "because"],
                coverage_rows(&c.requirements),
            );
        }
        CatalogCommand::Compliance(ComplianceCommand::Matrix) => {
            let cells = coverage::matrix(cat, &TenantView::default());
            let rows = cells
                .iter()
                .map(|m| {
                    vec![
                        m.from.clone(),
                        m.to.clone(),
                        m.totals.covered.to_string(),
                        m.totals.partial.to_string(),
                        m.totals.requirements.to_string(),
                        format!("{:.1}", m.totals.percent),
                    ]
                })
                .collect();
            output::print(
                format,
                &cells,
                &["from", "to", "covered", "partial", "of", "percent"],
                rows,
            );
        }
        CatalogCommand::Compliance(ComplianceCommand::Diff {
            from,
            to,
            baseline,
            tenant: None,
        }) => {
            let mut a = framework(cat, "from", &from)?.requirements.clone();
            let mut b = framework(cat, "to", &to)?.requirements.clone();
            if let Some(id) = &baseline {
                let selection = cat.baseline(id).ok_or_else(|| {
                    DomainError::invalid("baseline", format!("{id:?} is not a shipped baseline"))
                })?;
                diff::restrict_to_baseline(selection, &from, &mut a);
                diff::restrict_to_baseline(selection, &to, &mut b);
            }
            let d = diff::diff(
                cat,
                diff::Side {
                    id: &from,
                    requirements: &a,
                },
                diff::Side {
                    id: &to,
                    requirements: &b,
                },
            );
            print_diff(format, &d);
        }
        CatalogCommand::Compliance(ComplianceCommand::Diff {
            tenant: Some(_), ..
        }) => {
            return Err(anyhow::anyhow!("internal: this command needs the store"));
        }
    }
    Ok(())
}

fn print_diff(format: Format, d: &probity_core::catalog::FrameworkDiff) {
    let rows = d
        .changes
        .iter()
        .map(|c| {
            vec![
                c.kind.as_str().to_owned(),
                c.old_id.clone().unwrap_or_default(),
                c.new_ids.join(", "),
                c.title.clone(),
                c.detail.clone(),
            ]
        })
        .collect();
    if format == Format::Table {
        let counts: Vec<String> = d
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        println!(
            "# {} → {} (matched by {}): {}; {} controls affected",
            d.from,
            d.to,
            d.method,
            counts.join(", "),
            d.affected_controls.len()
        );
    }
    output::print(
        format,
        d,
        &["change", "old", "new", "title", "detail"],
        rows,
    );
}

/// The catalog commands that need no store.
#[derive(Debug)]
pub enum CatalogCommand {
    /// `probity frameworks ...`.
    Frameworks(FrameworksCommand),
    /// `probity controls show`.
    Controls(ControlsCommand),
    /// `probity compliance coverage|matrix|diff`.
    Compliance(ComplianceCommand),
}

impl CatalogCommand {
    /// Whether the command reads or changes a tenant's state (and so opens the store).
    pub fn needs_store(&self) -> bool {
        matches!(
            self,
            CatalogCommand::Controls(
                ControlsCommand::List {
                    tenant: Some(_),
                    ..
                } | ControlsCommand::Set { .. }
            ) | CatalogCommand::Compliance(
                ComplianceCommand::Status { .. }
                    | ComplianceCommand::Change { .. }
                    | ComplianceCommand::Changes { .. }
                    | ComplianceCommand::Diff {
                        tenant: Some(_),
                        ..
                    }
            )
        )
    }
}

/// Runs the catalog commands that read or change a tenant's state in the local store.
pub(crate) async fn run_local(
    command: CatalogCommand,
    format: Format,
    s: &wiring::Services,
) -> anyhow::Result<()> {
    let service = CatalogService::new(s.store.clone(), s.platform.clock().clone(), catalog()?);
    let who = |tenant| Principal::system(tenant, "cli");
    match command {
        CatalogCommand::Controls(ControlsCommand::List { family, tenant }) => {
            let list = match tenant {
                Some(slug) => {
                    let who = who(s.platform.tenant(&slug).await?);
                    service.controls(&who, family.as_deref(), None).await?
                }
                None => {
                    return run_offline(
                        CatalogCommand::Controls(ControlsCommand::List {
                            family,
                            tenant: None,
                        }),
                        format,
                    );
                }
            };
            let rows = list
                .iter()
                .map(|c| {
                    vec![
                        c.control.id.clone(),
                        c.status.as_str().to_owned(),
                        c.state
                            .as_ref()
                            .and_then(|s| s.owner.clone())
                            .unwrap_or_default(),
                        c.control.title.clone(),
                    ]
                })
                .collect();
            output::print(format, &list, &["id", "status", "owner", "title"], rows);
        }
        CatalogCommand::Controls(ControlsCommand::Set {
            id,
            tenant,
            status,
            owner,
            note,
        }) => {
            let status = ImplementationStatus::parse(&status).ok_or_else(|| {
                DomainError::invalid(
                    "status",
                    format!("{status:?} is not one of implemented, partially_implemented, planned, not_implemented, not_applicable"),
                )
            })?;
            let who = who(s.platform.tenant(&tenant).await?);
            let detail = service
                .update_control(
                    &who,
                    &id,
                    &ControlUpdate {
                        status,
                        owner,
                        note,
                    },
                )
                .await?;
            output::print(
                format,
                &detail,
                &["id", "status", "owner"],
                vec![vec![
                    detail.control.id.clone(),
                    detail.status.as_str().to_owned(),
                    detail
                        .state
                        .as_ref()
                        .and_then(|s| s.owner.clone())
                        .unwrap_or_default(),
                ]],
            );
        }
        CatalogCommand::Compliance(ComplianceCommand::Status { tenant, scope }) => {
            let who = who(s.platform.tenant(&tenant).await?);
            let report = service.coverage(&who, &scope).await?;
            if format == Format::Table {
                let t = report.totals;
                println!(
                    "# {tenant} on {scope}: {} covered, {} partial, {} not covered, {} not applicable of {} ({}%)",
                    t.covered,
                    t.partial,
                    t.not_covered,
                    t.not_applicable,
                    t.requirements,
                    t.percent
                );
            }
            output::print(
                format,
                &report,
                &["requirement", "coverage", "title", "because"],
                coverage_rows(&report.requirements),
            );
        }
        CatalogCommand::Compliance(ComplianceCommand::Diff {
            from,
            to,
            baseline,
            tenant: Some(slug),
        }) => {
            let who = who(s.platform.tenant(&slug).await?);
            let d = service.diff(&who, &from, &to, baseline.as_deref()).await?;
            print_diff(format, &d);
        }
        CatalogCommand::Compliance(ComplianceCommand::Change {
            tenant,
            from,
            to,
            baseline,
            title,
            due,
        }) => {
            let who = who(s.platform.tenant(&tenant).await?);
            let record = service
                .create_change(
                    &who,
                    &probity_core::catalog::NewChangeRecord {
                        from,
                        to,
                        baseline,
                        title,
                        due,
                    },
                )
                .await?;
            if format == Format::Table {
                println!(
                    "# change record {}: {} ({} task(s))",
                    record.id,
                    record.title,
                    record.tasks.len()
                );
            }
            let rows = record
                .tasks
                .iter()
                .map(|t| {
                    vec![
                        t.number.to_string(),
                        t.control_id.clone(),
                        t.owner.clone().unwrap_or_default(),
                        t.description.clone(),
                    ]
                })
                .collect();
            output::print(
                format,
                &record,
                &["task", "control", "owner", "description"],
                rows,
            );
        }
        CatalogCommand::Compliance(ComplianceCommand::Changes { tenant }) => {
            let who = who(s.platform.tenant(&tenant).await?);
            let list = service.changes(&who).await?;
            let rows = list
                .iter()
                .map(|r| {
                    let done = r
                        .tasks
                        .iter()
                        .filter(|t| {
                            matches!(
                                t.status,
                                probity_core::catalog::TaskStatus::Done
                                    | probity_core::catalog::TaskStatus::NotNeeded
                            )
                        })
                        .count();
                    vec![
                        r.id.to_string(),
                        r.title.clone(),
                        format!("{done}/{}", r.tasks.len()),
                        r.created_at.to_rfc3339(),
                    ]
                })
                .collect();
            output::print(format, &list, &["id", "title", "done", "created"], rows);
        }
        other => run_offline(other, format)?,
    }
    Ok(())
}
