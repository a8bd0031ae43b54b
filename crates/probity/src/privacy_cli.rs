//! `probity privacy`: data subject requests (list by deadline, log, show, move through the
//! workflow, extend, export what is held about the subject as a zip) and breaches (list with
//! their clocks, register, show, record a notification) on the local store, acting as the
//! system in a tenant; the consent ledger is in [`crate::privacy_consent_cli`], the record of
//! processing, DPIAs and retention schedules in [`crate::privacy_records_cli`].

use chrono::{DateTime, Utc};
use clap::Subcommand;
use probity_core::platform::Principal;
use probity_core::privacy::{
    BreachId, BreachView, NewBreach, NewNotification, NewRequest, PrivacyService,
    RequestExtensionInput, RequestId, RequestTransition, RequestView, SubjectExport,
};
use serde::de::DeserializeOwned;

use crate::output::{self, Format};
use crate::wiring;

/// Privacy commands.
#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Data subject requests and their statutory deadlines.
    #[command(subcommand)]
    Requests(RequestCommand),
    /// Personal data breaches and their notification clocks.
    #[command(subcommand)]
    Breaches(BreachCommand),
    /// The consent ledger: purposes, grants and withdrawals, state, proofs and receipts.
    #[command(subcommand)]
    Consent(crate::privacy_consent_cli::ConsentCommand),
    /// The record of processing activities (GDPR Art. 30).
    #[command(subcommand)]
    Activities(crate::privacy_records_cli::ActivityCommand),
    /// Data protection impact assessments and their sign-off.
    #[command(subcommand)]
    Dpias(crate::privacy_records_cli::DpiaCommand),
    /// Retention schedules per data category and their runs.
    #[command(subcommand)]
    Retention(crate::privacy_records_cli::RetentionCommand),
}

/// Request commands.
#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Every request, open ones first by due date.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Logs a request; prints it with its due date.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// gdpr, ccpa, lgpd or hipaa.
        #[arg(long)]
        regime: String,
        /// access, rectification, erasure, portability, restriction, objection (GDPR); know,
        /// delete, correct, opt_out (CCPA); access (LGPD, HIPAA).
        #[arg(long)]
        kind: String,
        /// A pseudonymous subject id (a customer number, not an email).
        #[arg(long)]
        subject: String,
        /// When it arrived (RFC 3339; now when absent).
        #[arg(long)]
        received_at: Option<DateTime<Utc>>,
        /// Notes, without personal data.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// One request with its history.
    Show {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The request's id.
        #[arg(long)]
        id: RequestId,
    },
    /// Moves a request: verifying_identity, in_progress, completed or denied (with --reason).
    Transition {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The request's id.
        #[arg(long)]
        id: RequestId,
        /// The state to move to.
        #[arg(long)]
        to: String,
        /// Why (required to deny).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Extends a request by its regime's extension, with the reasons given to the subject.
    Extend {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The request's id.
        #[arg(long)]
        id: RequestId,
        /// The reasons.
        #[arg(long)]
        reason: String,
    },
    /// Writes the zip of everything held about the request's subject (the one kept when the
    /// request was completed, or one built now).
    Export {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The request's reference (DSR-004) or id.
        reference: String,
        /// Where to write the zip.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// Breach commands.
#[derive(Debug, Subcommand)]
pub enum BreachCommand {
    /// Every breach with its clocks, latest first.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Registers a breach; its clocks start at --aware-at.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Short title.
        #[arg(long)]
        title: String,
        /// What happened.
        #[arg(long)]
        nature: String,
        /// A regime that applies (repeatable): gdpr, ccpa, lgpd, hipaa.
        #[arg(long = "regime", required = true)]
        regimes: Vec<String>,
        /// When it became known to be a personal data breach (RFC 3339).
        #[arg(long)]
        aware_at: DateTime<Utc>,
        /// When it was discovered (RFC 3339; --aware-at when absent).
        #[arg(long)]
        discovered_at: Option<DateTime<Utc>>,
        /// A category of personal data concerned (repeatable).
        #[arg(long = "category")]
        categories: Vec<String>,
        /// Approximate number of subjects.
        #[arg(long)]
        subjects: Option<u64>,
        /// Approximate number of records.
        #[arg(long)]
        records: Option<u64>,
        /// Likely consequences.
        #[arg(long, default_value = "")]
        consequences: String,
        /// Measures taken or proposed.
        #[arg(long, default_value = "")]
        measures: String,
    },
    /// One breach with its clocks, notifications and timeline.
    Show {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The breach's id.
        #[arg(long)]
        id: BreachId,
    },
    /// Records a notification sent about a breach.
    Notify {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The breach's id.
        #[arg(long)]
        id: BreachId,
        /// supervisory_authority, data_subjects, individuals or other.
        #[arg(long)]
        recipient: String,
        /// The recipient by name.
        #[arg(long)]
        recipient_name: Option<String>,
        /// When it was sent (RFC 3339; now when absent).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// Case number or letter reference.
        #[arg(long)]
        reference: Option<String>,
        /// Why it is late (required once a clock for the recipient ran out).
        #[arg(long)]
        late_reason: Option<String>,
    },
}

/// A wire name (`gdpr`, `in_progress`) as the domain type, or an error naming the flag.
fn wire<T: DeserializeOwned>(flag: &str, value: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| anyhow::anyhow!("--{flag}: {value:?} is not a valid value"))
}

fn request_rows(views: &[RequestView]) -> Vec<Vec<String>> {
    views
        .iter()
        .map(|v| {
            let r = &v.request;
            vec![
                r.reference.clone(),
                r.id.to_string(),
                r.regime.as_str().to_owned(),
                r.kind.as_str().to_owned(),
                r.subject_ref.clone(),
                r.state.as_str().to_owned(),
                r.due_date.to_string(),
                if r.state.is_closed() {
                    String::new()
                } else {
                    v.days_left.to_string()
                },
                if v.overdue { "OVERDUE" } else { "" }.to_owned(),
            ]
        })
        .collect()
}

const REQUEST_HEADERS: [&str; 9] = [
    "reference",
    "id",
    "regime",
    "kind",
    "subject",
    "state",
    "due",
    "days_left",
    "overdue",
];

fn breach_rows(views: &[BreachView]) -> Vec<Vec<String>> {
    views
        .iter()
        .map(|v| {
            let b = &v.breach;
            let clocks = v
                .clocks
                .iter()
                .map(|c| {
                    format!(
                        "{} {} by {} ({})",
                        c.regime.as_str(),
                        c.recipient.as_str(),
                        c.deadline.format("%Y-%m-%d %H:%M"),
                        c.status.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                b.reference.clone(),
                b.id.to_string(),
                b.title.clone(),
                b.aware_at.format("%Y-%m-%d %H:%M").to_string(),
                b.notifications.len().to_string(),
                clocks,
            ]
        })
        .collect()
}

const BREACH_HEADERS: [&str; 6] = ["reference", "id", "title", "aware", "notified", "clocks"];

fn print_request(format: Format, v: &RequestView) {
    output::print(
        format,
        v,
        &REQUEST_HEADERS,
        request_rows(std::slice::from_ref(v)),
    );
}

fn print_breach(format: Format, v: &BreachView) {
    output::print(
        format,
        v,
        &BREACH_HEADERS,
        breach_rows(std::slice::from_ref(v)),
    );
}

/// Runs a privacy command against the local store.
pub(crate) async fn run(
    command: PrivacyCommand,
    format: Format,
    s: &wiring::Services,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let command = match command {
        PrivacyCommand::Consent(c) => {
            return crate::privacy_consent_cli::run(c, format, s, config).await;
        }
        other => other,
    };
    // Completing an erasure request erases the subject's audit events, as the server does
    // (Probity's own records drained into the ledger first, so they are indexed too).
    while s.ledger.drain_outbox(1_000).await? > 0 {}
    let erasure = std::sync::Arc::new(probity_core::audit::erasure::ErasureService::new(
        s.store.clone(),
        s.platform.clock().clone(),
    ));
    let indexer =
        || probity_core::audit::indexer::Indexer::new(s.ledger.clone(), s.store.clone() as _);
    // Completing an access, portability or know request builds the subject's export.
    let export = std::sync::Arc::new(SubjectExport::new(
        s.store.clone(),
        s.platform.clock().clone(),
        indexer(),
    ));
    let privacy = PrivacyService::new(s.store.clone(), s.platform.clock().clone())
        .with_fulfilment(std::sync::Arc::new(
            probity_core::privacy::fulfil::AuditErasure::new(erasure, indexer()),
        ))
        .with_fulfilment(export.clone());
    let who = |slug: String| async move {
        Ok::<_, anyhow::Error>(Principal::system(s.platform.tenant(&slug).await?, "cli"))
    };
    match command {
        PrivacyCommand::Activities(c) => {
            return crate::privacy_records_cli::activities(c, format, &privacy, s, config).await;
        }
        PrivacyCommand::Dpias(c) => {
            return crate::privacy_records_cli::dpias(c, format, &privacy, s).await;
        }
        PrivacyCommand::Retention(c) => {
            return crate::privacy_records_cli::retention(c, format, &privacy, s).await;
        }
        PrivacyCommand::Requests(RequestCommand::List { tenant }) => {
            let views = privacy.requests(&who(tenant).await?).await?;
            output::print(format, &views, &REQUEST_HEADERS, request_rows(&views));
        }
        PrivacyCommand::Requests(RequestCommand::Create {
            tenant,
            regime,
            kind,
            subject,
            received_at,
            notes,
        }) => {
            let req = NewRequest {
                regime: wire("regime", &regime)?,
                kind: wire("kind", &kind)?,
                subject_ref: subject,
                received_at,
                notes,
            };
            let v = privacy.create_request(&who(tenant).await?, &req).await?;
            print_request(format, &v);
        }
        PrivacyCommand::Requests(RequestCommand::Show { tenant, id }) => {
            let v = privacy.request(&who(tenant).await?, id).await?;
            print_request(format, &v);
        }
        PrivacyCommand::Requests(RequestCommand::Transition {
            tenant,
            id,
            to,
            reason,
        }) => {
            let t = RequestTransition {
                to: wire("to", &to)?,
                reason,
                version: None,
            };
            let v = privacy
                .transition_request(&who(tenant).await?, id, &t)
                .await?;
            print_request(format, &v);
        }
        PrivacyCommand::Requests(RequestCommand::Extend { tenant, id, reason }) => {
            let x = RequestExtensionInput {
                reason,
                version: None,
            };
            let v = privacy.extend_request(&who(tenant).await?, id, &x).await?;
            print_request(format, &v);
        }
        PrivacyCommand::Requests(RequestCommand::Export {
            tenant,
            reference,
            out,
        }) => {
            let principal = who(tenant).await?;
            let id = match reference.parse::<RequestId>() {
                Ok(id) => id,
                Err(_) => privacy
                    .requests(&principal)
                    .await?
                    .into_iter()
                    .find(|v| v.request.reference.eq_ignore_ascii_case(&reference))
                    .map(|v| v.request.id)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "REFERENCE: no request {reference:?} in this tenant \
                             (see `probity privacy requests list`)"
                        )
                    })?,
            };
            let kept = export.export(&principal, id).await?;
            std::fs::write(&out, &kept.archive)
                .map_err(|e| anyhow::anyhow!("--out: cannot write {}: {e}", out.display()))?;
            output::print(
                format,
                &kept.manifest,
                &["request", "file", "sha256"],
                vec![vec![
                    kept.manifest.request.clone(),
                    out.display().to_string(),
                    kept.sha256.clone(),
                ]],
            );
        }
        // Handled above.
        PrivacyCommand::Consent(_) => {}
        PrivacyCommand::Breaches(BreachCommand::List { tenant }) => {
            let views = privacy.breaches(&who(tenant).await?).await?;
            output::print(format, &views, &BREACH_HEADERS, breach_rows(&views));
        }
        PrivacyCommand::Breaches(BreachCommand::Create {
            tenant,
            title,
            nature,
            regimes,
            aware_at,
            discovered_at,
            categories,
            subjects,
            records,
            consequences,
            measures,
        }) => {
            let req = NewBreach {
                title,
                discovered_at: discovered_at.unwrap_or(aware_at),
                aware_at,
                nature,
                data_categories: categories,
                approx_subjects: subjects,
                approx_records: records,
                consequences,
                measures,
                regimes: regimes
                    .iter()
                    .map(|r| wire("regime", r))
                    .collect::<anyhow::Result<_>>()?,
            };
            let v = privacy.create_breach(&who(tenant).await?, &req).await?;
            print_breach(format, &v);
        }
        PrivacyCommand::Breaches(BreachCommand::Show { tenant, id }) => {
            let v = privacy.breach(&who(tenant).await?, id).await?;
            print_breach(format, &v);
        }
        PrivacyCommand::Breaches(BreachCommand::Notify {
            tenant,
            id,
            recipient,
            recipient_name,
            at,
            reference,
            late_reason,
        }) => {
            let n = NewNotification {
                recipient: wire("recipient", &recipient)?,
                recipient_name,
                notified_at: at,
                reference,
                late_reason,
                version: None,
            };
            let v = privacy.notify_breach(&who(tenant).await?, id, &n).await?;
            print_breach(format, &v);
        }
    }
    Ok(())
}
