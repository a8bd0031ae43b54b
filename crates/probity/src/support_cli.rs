//! `probity support`: tickets (list by SLA urgency, open, show, respond, add notes, move
//! through the workflow), the SLA policies and calendars (list, replace from a JSON file),
//! the metrics of a period, and one SLA sweep (notifying as configured), on the local store
//! acting as the system in a tenant.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use probity_core::platform::Principal;
use probity_core::support::{
    Author, NewNote, NewResponse, NewTicket, StatusInput, SupportConfig, SupportService,
    TicketFilter, TicketId, TicketView,
};
use serde::de::DeserializeOwned;

use crate::output::{self, Format};
use crate::wiring;

/// Support desk commands.
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SupportCommand {
    /// Tickets and their SLA clocks.
    #[command(subcommand)]
    Tickets(TicketCommand),
    /// SLA policies per tier × priority, business-hours calendars and routing rules.
    #[command(subcommand)]
    Policies(PolicyCommand),
    /// First-response and resolution times and breach rates of a period.
    Metrics {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Tickets opened from (RFC 3339; 30 days before --to when absent).
        #[arg(long)]
        from: Option<DateTime<Utc>>,
        /// Until (RFC 3339, exclusive; now when absent).
        #[arg(long)]
        to: Option<DateTime<Utc>>,
    },
    /// Runs the SLA sweep once for the tenant: warnings and escalations due now.
    Sweep {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
}

/// Ticket commands.
#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Tickets, open ones most urgent first (breached, at risk, by due time).
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Only this queue.
        #[arg(long)]
        queue: Option<String>,
        /// Only this status (new, open, pending_customer, on_hold, solved, closed).
        #[arg(long)]
        status: Option<String>,
        /// Only this priority (urgent, high, normal, low).
        #[arg(long)]
        priority: Option<String>,
        /// Only this tier.
        #[arg(long)]
        tier: Option<String>,
        /// Only this assignee.
        #[arg(long)]
        assignee: Option<String>,
        /// Only this SLA state (running, paused, at_risk, breached, met).
        #[arg(long)]
        sla_state: Option<String>,
    },
    /// Opens a ticket; prints it with its due times.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The customer's reference (account or contact id).
        #[arg(long)]
        customer: String,
        /// The customer's organization.
        #[arg(long, default_value = "")]
        organization: String,
        /// Short title.
        #[arg(long)]
        title: String,
        /// What the customer reported.
        #[arg(long, default_value = "")]
        description: String,
        /// Category (routes the ticket to its queue).
        #[arg(long)]
        category: String,
        /// Support tier (one the policies name).
        #[arg(long)]
        tier: String,
        /// urgent, high, normal (default) or low.
        #[arg(long)]
        priority: Option<String>,
        /// The agent to work on it.
        #[arg(long)]
        assignee: Option<String>,
        /// A queue instead of the routed one.
        #[arg(long)]
        queue: Option<String>,
        /// When the customer opened it (RFC 3339; now when absent).
        #[arg(long)]
        opened_at: Option<DateTime<Utc>>,
    },
    /// One ticket with its clocks; with --output json, its messages and history too.
    Show {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The ticket's id.
        #[arg(long)]
        id: TicketId,
    },
    /// Adds a public response (an agent's, or the customer's with --customer).
    Respond {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The ticket's id.
        #[arg(long)]
        id: TicketId,
        /// The text.
        #[arg(long)]
        body: String,
        /// Records the customer's reply instead of an agent's response.
        #[arg(long)]
        customer: bool,
        /// A status to move to with it (e.g. pending_customer).
        #[arg(long)]
        status: Option<String>,
    },
    /// Adds an internal note (not shown to the customer).
    Note {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The ticket's id.
        #[arg(long)]
        id: TicketId,
        /// The text.
        #[arg(long)]
        body: String,
    },
    /// Moves a ticket: open, pending_customer, on_hold, solved or closed.
    Status {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The ticket's id.
        #[arg(long)]
        id: TicketId,
        /// The status to move to.
        #[arg(long)]
        to: String,
    },
}

/// Policy commands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// The SLA policies (with --output json, the whole configuration).
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Replaces the configuration from a JSON file shaped like `list --output json`.
    Set {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The JSON file.
        #[arg(long)]
        file: PathBuf,
    },
}

/// A wire name (`pending_customer`, `urgent`) as the domain type, or an error naming the flag.
fn wire<T: DeserializeOwned>(flag: &str, value: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| anyhow::anyhow!("--{flag}: {value:?} is not a valid value"))
}

fn opt_wire<T: DeserializeOwned>(flag: &str, value: Option<String>) -> anyhow::Result<Option<T>> {
    value.map(|v| wire(flag, &v)).transpose()
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

const TICKET_HEADERS: [&str; 11] = [
    "reference",
    "id",
    "title",
    "tier",
    "priority",
    "status",
    "queue",
    "assignee",
    "sla",
    "first_response_due",
    "resolution_due",
];

fn ticket_rows(views: &[TicketView]) -> Vec<Vec<String>> {
    views
        .iter()
        .map(|v| {
            let t = &v.ticket;
            vec![
                t.reference.clone(),
                t.id.to_string(),
                t.title.clone(),
                t.tier.clone(),
                t.priority.as_str().to_owned(),
                t.status.as_str().to_owned(),
                t.queue.clone(),
                t.assignee.clone().unwrap_or_default(),
                v.sla_state.as_str().to_owned(),
                format!(
                    "{} ({})",
                    when(v.first_response_clock.due_at),
                    v.first_response_clock.state.as_str()
                ),
                format!(
                    "{} ({})",
                    when(v.resolution_clock.due_at),
                    v.resolution_clock.state.as_str()
                ),
            ]
        })
        .collect()
}

fn print_ticket(format: Format, v: &TicketView) {
    output::print(
        format,
        v,
        &TICKET_HEADERS,
        ticket_rows(std::slice::from_ref(v)),
    );
}

fn print_config(format: Format, c: &SupportConfig) {
    let rows = c
        .policies
        .iter()
        .map(|p| {
            vec![
                p.tier.clone(),
                p.priority.as_str().to_owned(),
                p.first_response_minutes.to_string(),
                p.resolution_minutes.to_string(),
                p.warning_minutes.to_string(),
                p.calendar.clone(),
            ]
        })
        .collect();
    output::print(
        format,
        c,
        &[
            "tier",
            "priority",
            "first_response_minutes",
            "resolution_minutes",
            "warning_minutes",
            "calendar",
        ],
        rows,
    );
}

/// Runs a support command against the local store; the sweep raises its warnings and
/// escalations through the configured notifications, as the server's does (the jobs that
/// deliver them run in `probity serve`).
pub(crate) async fn run(
    command: SupportCommand,
    format: Format,
    s: &wiring::Services,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let notify = wiring::notify_service(config, &s.platform)?;
    let public_url = format!("http://{}", config.public_host());
    let support = SupportService::new(s.store.clone(), s.platform.clock().clone())
        .with_notify(notify, &public_url);
    let who = |slug: String| async move {
        Ok::<_, anyhow::Error>(Principal::system(s.platform.tenant(&slug).await?, "cli"))
    };
    match command {
        SupportCommand::Tickets(TicketCommand::List {
            tenant,
            queue,
            status,
            priority,
            tier,
            assignee,
            sla_state,
        }) => {
            let filter = TicketFilter {
                queue,
                status: opt_wire("status", status)?,
                priority: opt_wire("priority", priority)?,
                tier,
                assignee,
                sla_state: opt_wire("sla-state", sla_state)?,
            };
            let views = support.tickets(&who(tenant).await?, &filter).await?;
            output::print(format, &views, &TICKET_HEADERS, ticket_rows(&views));
        }
        SupportCommand::Tickets(TicketCommand::Create {
            tenant,
            customer,
            organization,
            title,
            description,
            category,
            tier,
            priority,
            assignee,
            queue,
            opened_at,
        }) => {
            let req = NewTicket {
                customer_ref: customer,
                organization,
                title,
                description,
                category,
                priority: opt_wire("priority", priority)?,
                tier,
                assignee,
                queue,
                opened_at,
            };
            let v = support.create_ticket(&who(tenant).await?, &req).await?;
            print_ticket(format, &v);
        }
        SupportCommand::Tickets(TicketCommand::Show { tenant, id }) => {
            let v = support.ticket(&who(tenant).await?, id).await?;
            print_ticket(format, &v);
        }
        SupportCommand::Tickets(TicketCommand::Respond {
            tenant,
            id,
            body,
            customer,
            status,
        }) => {
            let r = NewResponse {
                body,
                author: if customer {
                    Author::Customer
                } else {
                    Author::Agent
                },
                status: opt_wire("status", status)?,
                version: None,
            };
            let v = support.respond(&who(tenant).await?, id, &r).await?;
            print_ticket(format, &v);
        }
        SupportCommand::Tickets(TicketCommand::Note { tenant, id, body }) => {
            let n = NewNote {
                body,
                version: None,
            };
            let v = support.add_note(&who(tenant).await?, id, &n).await?;
            print_ticket(format, &v);
        }
        SupportCommand::Tickets(TicketCommand::Status { tenant, id, to }) => {
            let st = StatusInput {
                status: wire("to", &to)?,
                version: None,
            };
            let v = support.set_status(&who(tenant).await?, id, &st).await?;
            print_ticket(format, &v);
        }
        SupportCommand::Policies(PolicyCommand::List { tenant }) => {
            let c = support.config(&who(tenant).await?).await?;
            print_config(format, &c);
        }
        SupportCommand::Policies(PolicyCommand::Set { tenant, file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("--file: cannot read {}", file.display()))?;
            let input: SupportConfig = serde_json::from_str(&text).with_context(|| {
                format!("--file: {} is not a support configuration", file.display())
            })?;
            let c = support.put_config(&who(tenant).await?, &input).await?;
            print_config(format, &c);
        }
        SupportCommand::Metrics { tenant, from, to } => {
            let m = support.metrics(&who(tenant).await?, from, to).await?;
            let groups = std::iter::once(("overall", &m.overall))
                .chain(m.by_agent.iter().map(|g| ("agent", g)))
                .chain(m.by_tier.iter().map(|g| ("tier", g)))
                .chain(m.by_priority.iter().map(|g| ("priority", g)));
            let num = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_default();
            let rows = groups
                .map(|(by, g)| {
                    vec![
                        by.to_owned(),
                        g.key.clone(),
                        g.tickets.to_string(),
                        num(g.first_response.median_minutes),
                        num(g.first_response.p90_minutes),
                        num(g.resolution.median_minutes),
                        num(g.resolution.p90_minutes),
                        format!("{:.1} %", g.breach_rate * 100.0),
                    ]
                })
                .collect();
            output::print(
                format,
                &m,
                &[
                    "by",
                    "group",
                    "tickets",
                    "first_response_median",
                    "first_response_p90",
                    "resolution_median",
                    "resolution_p90",
                    "breach_rate",
                ],
                rows,
            );
        }
        SupportCommand::Sweep { tenant } => {
            let r = support.sweep_tenant(&who(tenant).await?).await?;
            output::print(
                format,
                &r,
                &["tickets", "warned", "escalated"],
                vec![vec![
                    r.tickets.to_string(),
                    r.warned.to_string(),
                    r.escalated.to_string(),
                ]],
            );
        }
    }
    Ok(())
}
