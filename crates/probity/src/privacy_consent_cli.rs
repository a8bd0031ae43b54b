//! `probity privacy consent`: the consent ledger on the local store, acting as the system in a
//! tenant: register and list purposes, record a grant or withdrawal, import an NDJSON or CSV
//! file, show a subject's state now or at a past time (with the ledger proofs written to a
//! directory for `probity verify-proof`), print a consent receipt, and list the history.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use probity_core::ledger::checkpoint_origin;
use probity_core::platform::Principal;
use probity_core::privacy::consent::{ImportFormat, PurposeState};
use probity_core::privacy::{ConsentService, NewConsentEvent, NewPurpose};
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::output::{self, Format};
use crate::wiring;

/// Consent commands.
#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Every purpose with the grants and withdrawals recorded for it.
    Purposes {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Registers a purpose consent is asked for.
    AddPurpose {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The key events name it by: a-z, 0-9, '_', '-', '.' (e.g. newsletter).
        #[arg(long)]
        key: String,
        /// Title shown in receipts.
        #[arg(long)]
        title: String,
        /// What the subject agrees to.
        #[arg(long, default_value = "")]
        description: String,
        /// The legal basis: consent (default), contract, legal_obligation, vital_interests,
        /// public_task or legitimate_interests.
        #[arg(long)]
        legal_basis: Option<String>,
    },
    /// Records a grant or withdrawal.
    Record {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The pseudonymous subject id.
        #[arg(long)]
        subject: String,
        /// The purpose's key.
        #[arg(long)]
        purpose: String,
        /// grant or withdraw.
        #[arg(long)]
        action: String,
        /// The version of the notice the subject was shown.
        #[arg(long)]
        notice_version: String,
        /// web_form, paper, verbal, api, import, email or other.
        #[arg(long)]
        method: String,
        /// The system or app that captured it.
        #[arg(long)]
        source: String,
        /// When the subject acted (RFC 3339; now when absent).
        #[arg(long)]
        occurred_at: Option<DateTime<Utc>>,
        /// Your own id of the event: recording it again records nothing new.
        #[arg(long)]
        id: Option<String>,
    },
    /// Records the events of an NDJSON or CSV file, line by line.
    Import {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The file (`.ndjson`/`.jsonl` or `.csv`; or say --format).
        file: PathBuf,
        /// ndjson or csv (from the file's extension when absent).
        #[arg(long)]
        format: Option<String>,
    },
    /// A subject's consent per purpose, now or at a past time (--at, proved against a signed
    /// checkpoint, signed now if the log grew).
    State {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The pseudonymous subject id.
        subject: String,
        /// The time asked about (RFC 3339).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// With --at: write each purpose's `<purpose>.tlog-proof` and `<purpose>.envelope`
        /// here, for `probity verify-proof`.
        #[arg(long, requires = "at")]
        proof_dir: Option<PathBuf>,
    },
    /// A consent receipt for a subject (JSON).
    Receipt {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The pseudonymous subject id.
        subject: String,
        /// Only this purpose.
        #[arg(long)]
        purpose: Option<String>,
    },
    /// Recorded events, newest first.
    History {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Only this subject's.
        #[arg(long)]
        subject: Option<String>,
        /// Only this purpose's.
        #[arg(long)]
        purpose: Option<String>,
        /// At most this many (1–1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

fn wire<T: DeserializeOwned>(flag: &str, value: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| anyhow::anyhow!("--{flag}: {value:?} is not a valid value"))
}

const STATE_HEADERS: [&str; 6] = [
    "purpose",
    "state",
    "occurred_at",
    "notice_version",
    "method",
    "ledger_index",
];

fn state_rows(states: &[PurposeState]) -> Vec<Vec<String>> {
    states
        .iter()
        .map(|s| {
            vec![
                s.purpose.clone(),
                s.state.as_str().to_owned(),
                s.occurred_at.to_rfc3339(),
                s.notice_version.clone(),
                s.method.as_str().to_owned(),
                s.ledger_index.map(|i| i.to_string()).unwrap_or_default(),
            ]
        })
        .collect()
}

/// Runs a consent command against the local store.
pub(crate) async fn run(
    command: ConsentCommand,
    format: Format,
    s: &wiring::Services,
    config: &Config,
) -> anyhow::Result<()> {
    let consent = ConsentService::new(s.store.clone(), s.platform.clock().clone())
        .with_ledger(s.ledger.clone());
    let who = |slug: String| async move {
        Ok::<_, anyhow::Error>(Principal::system(s.platform.tenant(&slug).await?, "cli"))
    };
    match command {
        ConsentCommand::Purposes { tenant } => {
            let counts = consent.purpose_counts(&who(tenant).await?).await?;
            let rows = counts
                .iter()
                .map(|c| {
                    vec![
                        c.purpose.key.clone(),
                        c.purpose.title.clone(),
                        c.purpose.legal_basis.as_str().to_owned(),
                        c.grants.to_string(),
                        c.withdrawals.to_string(),
                    ]
                })
                .collect();
            output::print(
                format,
                &counts,
                &["key", "title", "legal_basis", "grants", "withdrawals"],
                rows,
            );
        }
        ConsentCommand::AddPurpose {
            tenant,
            key,
            title,
            description,
            legal_basis,
        } => {
            let p = consent
                .create_purpose(
                    &who(tenant).await?,
                    &NewPurpose {
                        key,
                        title,
                        description,
                        activity_id: None,
                        legal_basis: legal_basis
                            .as_deref()
                            .map(|b| wire("legal-basis", b))
                            .transpose()?,
                    },
                )
                .await?;
            output::print(
                format,
                &p,
                &["key", "id", "title"],
                vec![vec![p.key.clone(), p.id.to_string(), p.title.clone()]],
            );
        }
        ConsentCommand::Record {
            tenant,
            subject,
            purpose,
            action,
            notice_version,
            method,
            source,
            occurred_at,
            id,
        } => {
            let e = NewConsentEvent {
                id,
                subject_id: subject,
                purpose,
                action: wire("action", &action)?,
                notice_version,
                method: wire("method", &method)?,
                source,
                occurred_at: occurred_at.unwrap_or_else(|| s.platform.clock().now()),
            };
            let r = consent.record(&who(tenant).await?, &e).await?;
            let ev = &r.event;
            output::print(
                format,
                ev,
                &[
                    "id",
                    "subject",
                    "purpose",
                    "action",
                    "occurred_at",
                    "ledger_index",
                ],
                vec![vec![
                    ev.id.to_string(),
                    ev.subject_id.clone(),
                    ev.purpose.clone(),
                    ev.action.as_str().to_owned(),
                    ev.occurred_at.to_rfc3339(),
                    ev.ledger_index.map(|i| i.to_string()).unwrap_or_default(),
                ]],
            );
        }
        ConsentCommand::Import {
            tenant,
            file,
            format: file_format,
        } => {
            let import_format = match file_format.as_deref() {
                Some(f) => wire::<ImportFormat>("format", f)?,
                None => match file.extension().and_then(|e| e.to_str()) {
                    Some("csv") => ImportFormat::Csv,
                    Some("ndjson" | "jsonl") => ImportFormat::Ndjson,
                    _ => anyhow::bail!(
                        "--format: say ndjson or csv (the file's extension does not tell)"
                    ),
                },
            };
            let content = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let result = consent
                .import(&who(tenant).await?, import_format, &content)
                .await?;
            let rows = result
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.line.to_string(),
                        format!("{:?}", l.status).to_lowercase(),
                        l.event_id.map(|i| i.to_string()).unwrap_or_default(),
                        l.errors
                            .iter()
                            .map(|e| format!("{}: {}", e.field, e.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]
                })
                .collect();
            output::print(
                format,
                &result,
                &["line", "status", "event", "errors"],
                rows,
            );
            if format == Format::Table {
                println!(
                    "{} recorded, {} duplicates, {} rejected",
                    result.recorded, result.duplicates, result.rejected
                );
            }
        }
        ConsentCommand::State {
            tenant,
            subject,
            at: None,
            ..
        } => {
            let state = consent.subject_state(&who(tenant).await?, &subject).await?;
            let rows = state_rows(&state.purposes);
            output::print(format, &state, &STATE_HEADERS, rows);
        }
        ConsentCommand::State {
            tenant,
            subject,
            at: Some(at),
            proof_dir,
        } => {
            let principal = who(tenant).await?;
            // Prove against the log as it is now: sign a checkpoint if it grew.
            while s.ledger.drain_outbox(1_000).await? > 0 {}
            let origin = checkpoint_origin(&config.public_host(), &principal.tenant.slug);
            s.ledger
                .sign_checkpoint(principal.tenant.id, &origin)
                .await?;
            let proven = consent.subject_state_at(&principal, &subject, at).await?;
            if let Some(dir) = &proof_dir {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("--proof-dir: cannot create {}", dir.display()))?;
                for p in &proven.purposes {
                    let key = &p.state.purpose;
                    std::fs::write(dir.join(format!("{key}.tlog-proof")), &p.tlog_proof)
                        .with_context(|| {
                            format!("--proof-dir: cannot write in {}", dir.display())
                        })?;
                    std::fs::write(dir.join(format!("{key}.envelope")), &p.envelope).with_context(
                        || format!("--proof-dir: cannot write in {}", dir.display()),
                    )?;
                }
            }
            let states: Vec<PurposeState> =
                proven.purposes.iter().map(|p| p.state.clone()).collect();
            output::print(format, &proven, &STATE_HEADERS, state_rows(&states));
            if format == Format::Table {
                println!(
                    "proved against the checkpoint of size {} (root {})",
                    proven.checkpoint.size, proven.checkpoint.root
                );
            }
        }
        ConsentCommand::Receipt {
            tenant,
            subject,
            purpose,
        } => {
            let receipt = consent
                .receipt(&who(tenant).await?, &subject, purpose.as_deref())
                .await?;
            println!("{}", serde_json::to_string_pretty(&receipt)?);
        }
        ConsentCommand::History {
            tenant,
            subject,
            purpose,
            limit,
        } => {
            let events = consent
                .history(
                    &who(tenant).await?,
                    subject.as_deref(),
                    purpose.as_deref(),
                    Some(limit),
                )
                .await?;
            let rows = events
                .iter()
                .map(|e| {
                    vec![
                        e.occurred_at.to_rfc3339(),
                        e.subject_id.clone(),
                        e.purpose.clone(),
                        e.action.as_str().to_owned(),
                        e.method.as_str().to_owned(),
                        e.ledger_index.map(|i| i.to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            output::print(
                format,
                &events,
                &[
                    "occurred_at",
                    "subject",
                    "purpose",
                    "action",
                    "method",
                    "ledger_index",
                ],
                rows,
            );
        }
    }
    Ok(())
}
