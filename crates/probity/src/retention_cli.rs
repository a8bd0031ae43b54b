//! `probity audit retention|hold|erase` on the local store: the retention policy (show, set
//! from a JSON file, run now or as a dry run), legal holds (list, place, release) and the
//! erasure of a data subject's events. Each run or erasure first catches the search index up
//! with the ledger, as the server does; changes are recorded as the `cli` system actor.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use probity_core::audit::erasure::ErasureService;
use probity_core::audit::retention::{HoldCriteria, LegalHoldId, NewLegalHold, NewRetentionPolicy};
use probity_core::platform::Principal;

use crate::output::{self, Format};
use crate::wiring::Services;

/// `probity audit retention ...`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Print the tenant's policy (the built-in one, version 0, until one is saved).
    Show {
        #[arg(long)]
        tenant: String,
    },
    /// Replace the policy with a JSON file (`-` for standard input):
    /// {"default_days": 2557, "rules": [{"severity": "critical", "keep_days": 3653}]}.
    Set {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Apply the policy now: erase what is past retention and not held.
    Run {
        #[arg(long)]
        tenant: String,
        /// Report what is due without erasing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `probity audit hold ...`.
#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// The tenant's holds, newest first.
    List {
        #[arg(long)]
        tenant: String,
        /// Only holds not released.
        #[arg(long)]
        active: bool,
    },
    /// Place a hold: no event it covers is erased until it is released.
    Place {
        #[arg(long)]
        tenant: String,
        /// The matter (case or matter number).
        #[arg(long = "case")]
        case_id: String,
        #[arg(long)]
        reason: String,
        /// Only events of this actor id.
        #[arg(long)]
        actor: Option<String>,
        /// Only events on this resource: `type` or `type:id`.
        #[arg(long)]
        resource: Option<String>,
        /// Only events naming this data subject.
        #[arg(long)]
        subject: Option<String>,
        /// Only events recorded at or after this instant (RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// Only events recorded before this instant (RFC 3339).
        #[arg(long)]
        to: Option<String>,
    },
    /// Release a hold.
    Release {
        id: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        reason: String,
    },
}

fn instant(
    flag: &str,
    value: Option<&str>,
) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    value
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.to_utc())
                .with_context(|| {
                    format!("--{flag} {v:?} is not an RFC 3339 time, e.g. 2026-01-31T00:00:00Z")
                })
        })
        .transpose()
}

async fn service(s: &Services, tenant: &str) -> anyhow::Result<(ErasureService, Principal)> {
    let t = s.platform.tenant(tenant).await?;
    let erasure = ErasureService::new(Arc::clone(&s.store), Arc::clone(s.platform.clock()));
    Ok((erasure, Principal::system(t, "cli")))
}

/// Runs `probity audit retention ...`.
pub async fn retention(
    s: &Services,
    format: Format,
    command: RetentionCommand,
) -> anyhow::Result<()> {
    match command {
        RetentionCommand::Show { tenant } => {
            let (erasure, who) = service(s, &tenant).await?;
            let p = erasure.policy(&who).await?;
            let mut rows = vec![vec!["default".to_owned(), p.default_days.to_string()]];
            rows.extend(p.rules.iter().map(|r| {
                vec![
                    [
                        r.category.map(|c| c.as_str()),
                        r.severity.map(|s| s.as_str()),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                    r.keep_days.to_string(),
                ]
            }));
            output::print(format, &p, &["applies to", "keep days"], rows);
        }
        RetentionCommand::Set { tenant, file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let req: NewRetentionPolicy = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a policy: {{\"default_days\": N, \"rules\": [{{\"category\"?, \"severity\"?, \"keep_days\"}}]}}",
                    file.display()
                )
            })?;
            let (erasure, who) = service(s, &tenant).await?;
            let p = erasure.set_policy(&who, &req).await?;
            output::print(format, &p, &["version"], vec![vec![p.version.to_string()]]);
        }
        RetentionCommand::Run { tenant, dry_run } => {
            let (erasure, who) = service(s, &tenant).await?;
            crate::audit_cli::catch_up(s, who.tenant.id).await?;
            let run = erasure.run_retention(&who, dry_run).await?;
            let rows = vec![vec![
                run.examined.to_string(),
                run.erased.to_string(),
                run.held.to_string(),
                run.dry_run.to_string(),
            ]];
            output::print(
                format,
                &run,
                &["examined", "erased", "held", "dry run"],
                rows,
            );
        }
    }
    Ok(())
}

/// Runs `probity audit hold ...`.
pub async fn hold(s: &Services, format: Format, command: HoldCommand) -> anyhow::Result<()> {
    let holds_table = |holds: &[probity_core::audit::retention::LegalHold]| -> Vec<Vec<String>> {
        holds
            .iter()
            .map(|h| {
                vec![
                    h.id.to_string(),
                    h.case_id.clone(),
                    if h.active() { "active" } else { "released" }.to_owned(),
                    serde_json::to_string(&h.criteria).unwrap_or_default(),
                    h.created_at.format("%Y-%m-%d %H:%M").to_string(),
                ]
            })
            .collect()
    };
    let headers = ["id", "case", "state", "criteria", "placed"];
    match command {
        HoldCommand::List { tenant, active } => {
            let (erasure, who) = service(s, &tenant).await?;
            let holds = erasure.holds(&who, active).await?;
            output::print(format, &holds, &headers, holds_table(&holds));
        }
        HoldCommand::Place {
            tenant,
            case_id,
            reason,
            actor,
            resource,
            subject,
            from,
            to,
        } => {
            let (resource_type, resource_id) = match resource {
                Some(r) => match r.split_once(':') {
                    Some((t, id)) => (Some(t.to_owned()), Some(id.to_owned())),
                    None => (Some(r), None),
                },
                None => (None, None),
            };
            let req = NewLegalHold {
                case_id,
                reason,
                criteria: HoldCriteria {
                    actor,
                    resource_type,
                    resource_id,
                    subject,
                    from: instant("from", from.as_deref())?,
                    to: instant("to", to.as_deref())?,
                },
            };
            let (erasure, who) = service(s, &tenant).await?;
            let h = erasure.place_hold(&who, &req).await?;
            output::print(format, &h, &headers, holds_table(std::slice::from_ref(&h)));
        }
        HoldCommand::Release { id, tenant, reason } => {
            let id: LegalHoldId = id.parse().with_context(|| {
                format!("{id:?} is not a hold id; `probity audit hold list` shows them")
            })?;
            let (erasure, who) = service(s, &tenant).await?;
            let h = erasure.release_hold(&who, id, &reason).await?;
            output::print(format, &h, &headers, holds_table(std::slice::from_ref(&h)));
        }
    }
    Ok(())
}

/// Runs `probity audit erase`.
pub async fn erase(
    s: &Services,
    format: Format,
    tenant: &str,
    subject: &str,
    reason: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let (erasure, who) = service(s, tenant).await?;
    crate::audit_cli::catch_up(s, who.tenant.id).await?;
    let done = erasure
        .erase_subject(&who, subject, reason, dry_run)
        .await?;
    let rows = vec![vec![
        done.found.to_string(),
        done.erased.to_string(),
        done.kept.to_string(),
        done.dry_run.to_string(),
    ]];
    output::print(
        format,
        &done,
        &["found", "erased", "kept by holds", "dry run"],
        rows,
    );
    Ok(())
}
