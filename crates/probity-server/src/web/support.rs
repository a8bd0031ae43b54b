//! The support desk pages (tickets by SLA due time, breached in red, at risk in amber,
//! filtered by queue, status and priority; a ticket with its responses, internal notes, status
//! history and both clocks), their forms (open a ticket; respond, add an internal note or move
//! the status, each bound to the ticket version the page showed) and the dashboard's support
//! widget.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::support::{
    Author, ClockView, NewNote, NewResponse, NewTicket, Priority, StatusInput, TicketFilter,
    TicketId, TicketStatus, TicketView,
};
use serde::Deserialize;

use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// Rows the dashboard widget names.
const WIDGET_ROWS: usize = 5;

/// A clock as the pages show it.
#[derive(Debug, Clone)]
pub struct ClockCell {
    /// `running`, `paused`, `at_risk`, `breached`, `met`.
    pub state: &'static str,
    /// `due 2026-03-02 14:00 UTC`, `paused, 90 min left`, `met in 45 min`.
    pub text: String,
}

fn minutes_label(m: i64) -> String {
    let m = m.unsigned_abs();
    if m >= 60 {
        format!("{} h {} min", m / 60, m % 60)
    } else {
        format!("{m} min")
    }
}

fn clock_cell(c: &ClockView) -> ClockCell {
    use probity_core::support::ClockState as S;
    let text = match (c.state, c.due_at, c.stopped_at) {
        (S::Met, _, _) => format!("met in {} business", minutes_label(c.consumed_minutes)),
        (S::Paused, _, _) => format!("paused, {} left", minutes_label(c.remaining_minutes)),
        (S::Breached, _, Some(at)) => format!("late, stopped {}", show_time(at)),
        (S::Breached, _, None) => format!(
            "breached {}",
            c.breached_at.map(show_time).unwrap_or_default()
        ),
        (_, Some(due), _) => format!(
            "due {} ({} left)",
            show_time(due),
            minutes_label(c.remaining_minutes)
        ),
        _ => String::new(),
    };
    ClockCell {
        state: c.state.as_str(),
        text,
    }
}

/// A ticket as the list shows it.
#[derive(Debug, Clone)]
pub struct TicketRow {
    /// Id.
    pub id: String,
    /// `SUP-0001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Customer reference and organization.
    pub customer: String,
    /// Tier.
    pub tier: String,
    /// Priority.
    pub priority: &'static str,
    /// `pending customer`.
    pub status: String,
    /// Queue.
    pub queue: String,
    /// Assignee or `unassigned`.
    pub assignee: String,
    /// The worst clock state.
    pub sla: &'static str,
    /// First-response clock.
    pub first: ClockCell,
    /// Resolution clock.
    pub resolution: ClockCell,
}

fn ticket_row(v: &TicketView) -> TicketRow {
    let t = &v.ticket;
    TicketRow {
        id: t.id.to_string(),
        reference: t.reference.clone(),
        title: t.title.clone(),
        customer: if t.organization.is_empty() {
            t.customer_ref.clone()
        } else {
            format!("{} ({})", t.organization, t.customer_ref)
        },
        tier: t.tier.clone(),
        priority: t.priority.as_str(),
        status: t.status.as_str().replace('_', " "),
        queue: t.queue.clone(),
        assignee: t
            .assignee
            .clone()
            .unwrap_or_else(|| "unassigned".to_owned()),
        sla: v.sla_state.as_str(),
        first: clock_cell(&v.first_response_clock),
        resolution: clock_cell(&v.resolution_clock),
    }
}

/// `?queue=&status=&priority=`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    priority: String,
}

/// A filter choice.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value.
    pub value: String,
    /// Chosen now.
    pub selected: bool,
}

fn choices(values: impl IntoIterator<Item = String>, current: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|value| Choice {
            selected: value == current,
            value,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "support.html")]
struct SupportPage {
    shell: Shell,
    open: Vec<TicketRow>,
    done: Vec<TicketRow>,
    breached: usize,
    at_risk: usize,
    paused: usize,
    queues: Vec<Choice>,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    filtered: bool,
    /// The caller may open tickets (editors and above).
    can_write: bool,
    /// Tiers the support policies name, for the new-ticket form.
    tiers: Vec<String>,
}

/// `GET /support`.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Support) {
        return r;
    }
    let p = &who.principal;
    let filter = TicketFilter {
        queue: (!q.queue.is_empty()).then(|| q.queue.clone()),
        status: TicketStatus::parse(&q.status),
        priority: Priority::parse(&q.priority),
        ..TicketFilter::default()
    };
    let loaded = async {
        let all = state.support().tickets(p, &TicketFilter::default()).await?;
        let shown = state.support().tickets(p, &filter).await?;
        let config = state.support().config(p).await?;
        Ok::<_, DomainError>((all, shown, config))
    };
    let (all, shown, config) = match loaded.await {
        Ok(x) => x,
        Err(e) => return error_page(&e),
    };
    let mut queues: Vec<String> = all.iter().map(|v| v.ticket.queue.clone()).collect();
    queues.sort();
    queues.dedup();
    let (done, open): (Vec<_>, Vec<_>) = shown.iter().partition(|v| v.ticket.status.is_done());
    let count = |s: &str| open.iter().filter(|v| v.sla_state.as_str() == s).count();
    render(
        StatusCode::OK,
        &SupportPage {
            shell: who.shell(Some(Section::Support), "Support"),
            breached: count("breached"),
            at_risk: count("at_risk"),
            paused: count("paused"),
            open: open.into_iter().map(ticket_row).collect(),
            done: done.into_iter().map(ticket_row).collect(),
            queues: choices(queues, &q.queue),
            statuses: choices(
                TicketStatus::ALL.iter().map(|s| s.as_str().to_owned()),
                &q.status,
            ),
            priorities: choices(
                Priority::ALL.iter().map(|s| s.as_str().to_owned()),
                &q.priority,
            ),
            filtered: filter.queue.is_some()
                || filter.status.is_some()
                || filter.priority.is_some(),
            can_write: role_allows(p.role, Permission::Write),
            tiers: config.tiers(),
        },
    )
}

/// The open-a-ticket form.
#[derive(Debug, Deserialize)]
pub struct NewTicketForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    customer_ref: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    tier: String,
}

/// `POST /support`: opens a ticket (the API's use case, so routing and clocks are the same) and
/// shows it.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewTicketForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let Some(priority) = Priority::parse(&f.priority) else {
        return error_page(&DomainError::invalid(
            "priority",
            "choose a listed priority",
        ));
    };
    let req = NewTicket {
        customer_ref: f.customer_ref,
        organization: f.organization,
        title: f.title,
        description: f.description,
        category: f.category.trim().to_owned(),
        priority: Some(priority),
        tier: f.tier,
        assignee: None,
        queue: None,
        opened_at: None,
    };
    match state.support().create_ticket(&who.principal, &req).await {
        Ok(v) => see_other(&format!("/support/{}", v.ticket.id)),
        Err(e) => error_page(&e),
    }
}

/// A ticket page's forms: a response, an internal note or a status move, each with the version
/// the page showed.
#[derive(Debug, Deserialize)]
pub struct TicketForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: u32,
    #[serde(default)]
    body: String,
    /// `agent` or `customer` (a response recorded on the customer's behalf).
    #[serde(default)]
    author: String,
    /// The status to move to; empty keeps it.
    #[serde(default)]
    status: String,
}

impl TicketForm {
    fn status(&self) -> Result<Option<TicketStatus>, DomainError> {
        if self.status.is_empty() {
            return Ok(None);
        }
        TicketStatus::parse(&self.status)
            .map(Some)
            .ok_or_else(|| DomainError::invalid("status", "choose a listed status"))
    }
}

/// `POST /support/{id}/responses`.
pub async fn respond(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<TicketId>,
    Form(f): Form<TicketForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let status = match f.status() {
        Ok(s) => s,
        Err(e) => return error_page(&e),
    };
    let req = NewResponse {
        body: f.body,
        author: if f.author == "customer" {
            Author::Customer
        } else {
            Author::Agent
        },
        status,
        version: Some(f.version),
    };
    match state.support().respond(&who.principal, id, &req).await {
        Ok(_) => see_other(&format!("/support/{id}#messages-heading")),
        Err(e) => error_page(&e),
    }
}

/// `POST /support/{id}/notes`.
pub async fn note(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<TicketId>,
    Form(f): Form<TicketForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let req = NewNote {
        body: f.body,
        version: Some(f.version),
    };
    match state.support().add_note(&who.principal, id, &req).await {
        Ok(_) => see_other(&format!("/support/{id}#messages-heading")),
        Err(e) => error_page(&e),
    }
}

/// `POST /support/{id}/status`.
pub async fn status(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<TicketId>,
    Form(f): Form<TicketForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let status = match f.status() {
        Ok(Some(s)) => s,
        Ok(None) => return error_page(&DomainError::invalid("status", "choose a status")),
        Err(e) => return error_page(&e),
    };
    let req = StatusInput {
        status,
        version: Some(f.version),
    };
    match state.support().set_status(&who.principal, id, &req).await {
        Ok(_) => see_other(&format!("/support/{id}")),
        Err(e) => error_page(&e),
    }
}

/// A message as the ticket page shows it.
#[derive(Debug, Clone)]
pub struct MessageRow {
    /// `response` or `internal note`.
    pub kind: &'static str,
    /// Internal (styled apart).
    pub internal: bool,
    /// `agent Dana`, `customer`.
    pub author: String,
    /// When.
    pub at: String,
    /// Text.
    pub body: String,
}

#[derive(Template)]
#[template(path = "support_ticket.html")]
struct TicketPage {
    shell: Shell,
    t: TicketRow,
    description: String,
    category: String,
    created: String,
    messages: Vec<MessageRow>,
    history: Vec<String>,
    targets: String,
    calendar: String,
    /// The ticket version the forms are bound to.
    version: u32,
    /// The caller may write (editors and above).
    can_write: bool,
    /// Statuses the status form offers (all but the current one).
    statuses: Vec<&'static str>,
}

/// `GET /support/{id}`.
pub async fn ticket(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<TicketId>,
) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Support) {
        return r;
    }
    let v = match state.support().ticket(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let t = &v.ticket;
    let messages = t
        .messages
        .iter()
        .map(|m| MessageRow {
            kind: if m.public {
                "response"
            } else {
                "internal note"
            },
            internal: !m.public,
            author: match m.author {
                probity_core::support::Author::Agent => format!("agent {}", m.by.name),
                probity_core::support::Author::Customer => {
                    format!("customer (recorded by {})", m.by.name)
                }
            },
            at: show_time(m.at),
            body: m.body.clone(),
        })
        .collect();
    let history = t
        .history
        .iter()
        .map(|h| {
            format!(
                "{}: {} → {} by {}",
                show_time(h.at),
                h.from.as_str().replace('_', " "),
                h.to.as_str().replace('_', " "),
                h.by.name
            )
        })
        .collect();
    let c = &t.policy.calendar;
    render(
        StatusCode::OK,
        &TicketPage {
            shell: who.shell(Some(Section::Support), &t.reference),
            description: t.description.clone(),
            category: t.category.clone(),
            created: show_time(t.created_at),
            messages,
            history,
            targets: format!(
                "first response {} · resolution {} · warning {} before (business time)",
                minutes_label(i64::from(t.policy.first_response_minutes)),
                minutes_label(i64::from(t.policy.resolution_minutes)),
                minutes_label(i64::from(t.policy.warning_minutes)),
            ),
            calendar: format!(
                "{} ({}{}{})",
                if c.name.is_empty() { &c.key } else { &c.name },
                c.time_zone,
                if c.always_open {
                    ", around the clock"
                } else {
                    ""
                },
                if t.policy.pause_on_hold {
                    ", on hold pauses"
                } else {
                    ""
                }
            ),
            version: t.version,
            can_write: role_allows(who.principal.role, Permission::Write),
            statuses: TicketStatus::ALL
                .iter()
                .filter(|s| **s != t.status)
                .map(|s| s.as_str())
                .collect(),
            t: ticket_row(&v),
        },
    )
}

/// The dashboard's support widget.
#[derive(Debug, Clone)]
pub struct SupportWidget {
    /// Open tickets.
    pub open: usize,
    /// Of which at risk.
    pub at_risk: usize,
    /// Of which breached.
    pub breached: usize,
    /// Of which paused.
    pub paused: usize,
    /// The most urgent.
    pub urgent: Vec<TicketRow>,
}

/// Loads the dashboard's support widget.
pub async fn widget(state: &AppState, who: &SignedIn) -> Result<SupportWidget, DomainError> {
    let o = state.support().overview(&who.principal).await?;
    Ok(SupportWidget {
        open: o.open,
        at_risk: o.at_risk,
        breached: o.breached,
        paused: o.paused,
        urgent: o
            .next
            .iter()
            .filter(|v| matches!(v.sla_state.as_str(), "breached" | "at_risk"))
            .take(WIDGET_ROWS)
            .map(ticket_row)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::minutes_label;

    #[test]
    fn minutes_read_as_hours_and_minutes() {
        assert_eq!(minutes_label(45), "45 min");
        assert_eq!(minutes_label(-125), "2 h 5 min");
    }
}
