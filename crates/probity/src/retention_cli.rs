//! `probity audit retention|hold|erase|rules|alerts` on the local store: the retention policy
//! (show, set from a JSON file, run now or as a dry run), legal holds (list, place, release),
//! the erasure of a data subject's events, detection rules (list, add, delete) and their
//! alerts (list, acknowledge, resolve; alerts are raised by `probity serve`). Each run or erasure first catches the search index up
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
            let text = read_json_file(&file)?;
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

/// `probity audit rules ...`.
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// The tenant's detection rules.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Add a rule from a JSON file (`-` for standard input), e.g.
    /// {"name": "Failed sign-ins", "match": {"event_type": "user.login.failed"},
    ///  "kind": {"type": "threshold", "count": 5, "window_minutes": 10}}.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Remove a rule (its alerts stay).
    Delete {
        id: String,
        #[arg(long)]
        tenant: String,
    },
}

/// `probity audit alerts ...`.
#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Alerts, newest first.
    List {
        #[arg(long)]
        tenant: String,
        /// open, acknowledged or resolved.
        #[arg(long)]
        status: Option<String>,
    },
    /// Acknowledge an open alert.
    Ack {
        id: String,
        #[arg(long)]
        tenant: String,
    },
    /// Resolve an alert with a note.
    Resolve {
        id: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        note: String,
    },
}

fn read_json_file(file: &std::path::Path) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        Ok(std::io::read_to_string(std::io::stdin())?)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

async fn detection(
    s: &Services,
    tenant: &str,
) -> anyhow::Result<(probity_core::audit::alerts::DetectionService, Principal)> {
    let t = s.platform.tenant(tenant).await?;
    let service = probity_core::audit::alerts::DetectionService::new(
        Arc::clone(&s.store),
        Arc::clone(s.platform.clock()),
    );
    Ok((service, Principal::system(t, "cli")))
}

fn rule_rows(rules: &[probity_core::audit::detect::DetectionRule]) -> Vec<Vec<String>> {
    rules
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.name.clone(),
                serde_json::to_value(&r.kind)
                    .ok()
                    .and_then(|k| k.get("type").and_then(|t| t.as_str()).map(str::to_owned))
                    .unwrap_or_default(),
                r.severity.as_str().to_owned(),
                r.enabled.to_string(),
                r.version.to_string(),
            ]
        })
        .collect()
}

fn alert_rows(alerts: &[probity_core::audit::detect::Alert]) -> Vec<Vec<String>> {
    alerts
        .iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                a.created_at.format("%Y-%m-%d %H:%M").to_string(),
                a.rule_name.clone(),
                a.severity.as_str().to_owned(),
                a.status.as_str().to_owned(),
                a.detection.summary.clone(),
            ]
        })
        .collect()
}

const RULE_HEADERS: [&str; 6] = ["id", "name", "kind", "severity", "enabled", "version"];
const ALERT_HEADERS: [&str; 6] = ["id", "raised", "rule", "severity", "status", "summary"];

/// Runs `probity audit rules ...`.
pub async fn rules(s: &Services, format: Format, command: RuleCommand) -> anyhow::Result<()> {
    match command {
        RuleCommand::List { tenant } => {
            let (d, who) = detection(s, &tenant).await?;
            let rules = d.rules(&who).await?;
            output::print(format, &rules, &RULE_HEADERS, rule_rows(&rules));
        }
        RuleCommand::Add { tenant, file } => {
            let req: probity_core::audit::detect::NewDetectionRule =
                serde_json::from_str(&read_json_file(&file)?).with_context(|| {
                    format!(
                        "{} is not a rule: {{\"name\", \"match\"?, \"kind\": {{\"type\": \"threshold\"|\"rate_spike\"|\"off_hours\"|\"risk_above\"|\"first_seen_ip\"|\"sequence\", ...}}}}",
                        file.display()
                    )
                })?;
            let (d, who) = detection(s, &tenant).await?;
            let rule = d.create_rule(&who, &req).await?;
            output::print(
                format,
                &rule,
                &RULE_HEADERS,
                rule_rows(std::slice::from_ref(&rule)),
            );
        }
        RuleCommand::Delete { id, tenant } => {
            let id = id.parse().with_context(|| {
                format!("{id:?} is not a rule id; `probity audit rules list` shows them")
            })?;
            let (d, who) = detection(s, &tenant).await?;
            d.delete_rule(&who, id).await?;
        }
    }
    Ok(())
}

/// Runs `probity audit alerts ...`.
pub async fn alerts(s: &Services, format: Format, command: AlertCommand) -> anyhow::Result<()> {
    use probity_core::audit::detect::AlertStatus;
    let alert_id = |id: &str| -> anyhow::Result<probity_core::audit::detect::AlertId> {
        id.parse().with_context(|| {
            format!("{id:?} is not an alert id; `probity audit alerts list` shows them")
        })
    };
    match command {
        AlertCommand::List { tenant, status } => {
            let status = status
                .as_deref()
                .map(|s| {
                    AlertStatus::parse(s).with_context(|| {
                        format!("--status {s:?} is not an alert status; use open, acknowledged or resolved")
                    })
                })
                .transpose()?;
            let (d, who) = detection(s, &tenant).await?;
            let alerts = d.alerts(&who, status).await?;
            output::print(format, &alerts, &ALERT_HEADERS, alert_rows(&alerts));
        }
        AlertCommand::Ack { id, tenant } => {
            let id = alert_id(&id)?;
            let (d, who) = detection(s, &tenant).await?;
            let a = d.acknowledge(&who, id).await?;
            output::print(
                format,
                &a,
                &ALERT_HEADERS,
                alert_rows(std::slice::from_ref(&a)),
            );
        }
        AlertCommand::Resolve { id, tenant, note } => {
            let id = alert_id(&id)?;
            let (d, who) = detection(s, &tenant).await?;
            let a = d.resolve(&who, id, &note).await?;
            output::print(
                format,
                &a,
                &ALERT_HEADERS,
                alert_rows(std::slice::from_ref(&a)),
            );
        }
    }
    Ok(())
}
