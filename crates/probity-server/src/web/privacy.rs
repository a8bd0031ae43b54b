//! The privacy page (open data subject requests by deadline, breaches with their running
//! notification clocks, the record of processing with its DPIAs and retention schedules and
//! their latest runs, consent purposes with the grants and withdrawals recorded; its forms and
//! the request and breach pages are in `privacy_forms`) and the dashboard's privacy widget.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::privacy::{BreachView, ClockStatus, RequestView};

use super::session::SignedIn;
use super::view::{Section, Shell, show_time};
use super::{error_page, render};
use crate::state::AppState;

/// Rows the dashboard widget names.
const WIDGET_ROWS: usize = 5;

/// A request as the page lists it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    /// Id (the row's anchor).
    pub id: String,
    /// `DSR-001`.
    pub reference: String,
    /// `GDPR`.
    pub regime: String,
    /// `erasure`.
    pub kind: String,
    /// Pseudonymous subject id.
    pub subject: String,
    /// `in progress`.
    pub state: String,
    /// The due date.
    pub due: String,
    /// `3 days left`, `2 days overdue`, `closed`.
    pub left: String,
    /// Past due and open.
    pub overdue: bool,
    /// Extended once.
    pub extended: bool,
}

fn left_label(v: &RequestView) -> String {
    if v.request.state.is_closed() {
        return "closed".to_owned();
    }
    match v.days_left {
        0 => "due today".to_owned(),
        1 => "1 day left".to_owned(),
        n if n > 0 => format!("{n} days left"),
        -1 => "1 day overdue".to_owned(),
        n => format!("{} days overdue", n.unsigned_abs()),
    }
}

pub(super) fn request_row(v: &RequestView) -> RequestRow {
    let r = &v.request;
    RequestRow {
        id: r.id.to_string(),
        reference: r.reference.clone(),
        regime: r.regime.as_str().to_uppercase(),
        kind: r.kind.as_str().replace('_', " "),
        subject: r.subject_ref.clone(),
        state: r.state.as_str().replace('_', " "),
        due: r.due_date.to_string(),
        left: left_label(v),
        overdue: v.overdue,
        extended: r.extension.is_some(),
    }
}

/// A breach clock as the page lists it.
#[derive(Debug, Clone)]
pub struct ClockRow {
    /// Breach id (anchor).
    pub breach_id: String,
    /// `BR-001`.
    pub reference: String,
    /// The breach title.
    pub title: String,
    /// `GDPR`.
    pub regime: String,
    /// `supervisory authority`.
    pub recipient: String,
    /// `72 hours`.
    pub period: String,
    /// The deadline.
    pub deadline: String,
    /// `running`, `overdue`, `met`, `late`.
    pub status: &'static str,
    /// `41 h 20 min left`, `3 h over`, or when it was notified.
    pub left: String,
    /// Needs action (running or overdue).
    pub open: bool,
}

fn duration_label(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (days, hours, minutes) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    // Hours up to four days, so a 72-hour clock always reads in hours.
    let text = if days >= 4 {
        format!("{days} days {hours} h")
    } else {
        format!("{} h {minutes} min", days * 24 + hours)
    };
    if seconds >= 0 {
        format!("{text} left")
    } else {
        format!("{text} over")
    }
}

pub(super) fn clock_rows(v: &BreachView) -> Vec<ClockRow> {
    v.clocks
        .iter()
        .map(|c| ClockRow {
            breach_id: v.breach.id.to_string(),
            reference: v.breach.reference.clone(),
            title: v.breach.title.clone(),
            regime: c.regime.as_str().to_uppercase(),
            recipient: c.recipient.as_str().replace('_', " "),
            period: c.period.clone(),
            deadline: show_time(c.deadline),
            status: c.status.as_str(),
            left: match (c.seconds_left, c.notified_at) {
                (Some(s), _) => duration_label(s),
                (None, Some(at)) => format!("notified {}", show_time(at)),
                (None, None) => String::new(),
            },
            open: matches!(c.status, ClockStatus::Running | ClockStatus::Overdue),
        })
        .collect()
}

/// A breach as the page lists it.
#[derive(Debug, Clone)]
pub struct BreachRow {
    /// Id (anchor).
    pub id: String,
    /// `BR-001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// When the clocks started.
    pub aware: String,
    /// `GDPR, HIPAA`.
    pub regimes: String,
    /// Approximate subjects, or `unknown`.
    pub subjects: String,
    /// Notifications sent.
    pub notifications: usize,
    /// Its clocks.
    pub clocks: Vec<ClockRow>,
}

/// A consent purpose as the page lists it.
#[derive(Debug, Clone)]
pub struct PurposeRow {
    /// The key events name.
    pub key: String,
    /// Title.
    pub title: String,
    /// `consent`, `legitimate interests`.
    pub legal_basis: String,
    /// Grants recorded.
    pub grants: u64,
    /// Withdrawals recorded.
    pub withdrawals: u64,
}

/// A processing activity as the page lists it.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    /// Id (the row's anchor).
    pub id: String,
    /// `ROPA-001`.
    pub reference: String,
    /// Name.
    pub name: String,
    /// `legal obligation + 9(2)(b)`.
    pub basis: String,
    /// Data categories, special ones marked.
    pub categories: String,
    /// Subject categories.
    pub subjects: String,
    /// `DPIA-001 (approved)`.
    pub dpias: String,
    /// `RET-001 (images 30 days)`.
    pub schedules: String,
}

/// A DPIA as the page lists it.
#[derive(Debug, Clone)]
pub struct DpiaRow {
    /// Id (its page).
    pub id: String,
    /// `DPIA-001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Content version.
    pub version: u32,
    /// `in review`.
    pub state: String,
    /// Screening says required.
    pub required: bool,
    /// Residual level, if rated.
    pub residual: String,
}

/// A retention schedule as the page lists it, with its latest run.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    /// Id (anchor and forms).
    pub id: String,
    /// Version (the pause and resume forms bind to it).
    pub version: u32,
    /// `RET-001`.
    pub reference: String,
    /// Data category.
    pub category: String,
    /// Days.
    pub period_days: u32,
    /// Enforced daily.
    pub active: bool,
    /// `2026-11-24 04:13 UTC: 2 erased, 1 kept by a hold`, or `never run`.
    pub last_run: String,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    shell: Shell,
    open: Vec<RequestRow>,
    closed: Vec<RequestRow>,
    overdue: usize,
    breaches: Vec<BreachRow>,
    running: usize,
    purposes: Vec<PurposeRow>,
    activities: Vec<ActivityRow>,
    dpias: Vec<DpiaRow>,
    schedules: Vec<ScheduleRow>,
    forms: super::privacy_forms::FormChoices,
}

fn links(l: &[probity_core::privacy::LinkRef]) -> String {
    l.iter()
        .map(|x| format!("{} ({})", x.reference, x.label.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /privacy`.
pub async fn page(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Privacy) {
        return r;
    }
    let p = &who.principal;
    let loaded = async {
        let requests = state.privacy().requests(p).await?;
        let breaches = state.privacy().breaches(p).await?;
        let purposes = state.consent().purpose_counts(p).await?;
        let activities = state.privacy().activities(p).await?;
        let dpias = state.privacy().dpias(p).await?;
        let schedules = state.privacy().retention_schedules(p).await?;
        let runs = state.privacy().retention_runs(p, None).await?;
        Ok::<_, DomainError>((
            requests,
            breaches,
            purposes,
            (activities, dpias, schedules, runs),
        ))
    };
    let (requests, breaches, purposes, (activities, dpias, schedules, runs)) = match loaded.await {
        Ok(x) => x,
        Err(e) => return error_page(&e),
    };
    let (closed, open): (Vec<_>, Vec<_>) =
        requests.iter().partition(|v| v.request.state.is_closed());
    let breach_rows: Vec<BreachRow> = breaches
        .iter()
        .map(|b| BreachRow {
            id: b.breach.id.to_string(),
            reference: b.breach.reference.clone(),
            title: b.breach.title.clone(),
            aware: show_time(b.breach.aware_at),
            regimes: b
                .breach
                .regimes
                .iter()
                .map(|r| r.as_str().to_uppercase())
                .collect::<Vec<_>>()
                .join(", "),
            subjects: b
                .breach
                .approx_subjects
                .map_or_else(|| "unknown".to_owned(), |n| format!("about {n}")),
            notifications: b.breach.notifications.len(),
            clocks: clock_rows(b),
        })
        .collect();
    render(
        StatusCode::OK,
        &PrivacyPage {
            shell: who.shell(Some(Section::Privacy), "Privacy"),
            forms: super::privacy_forms::choices(
                &who,
                state.privacy().now().date_naive(),
                &activities,
                &purposes,
            ),
            overdue: open.iter().filter(|v| v.overdue).count(),
            open: open.into_iter().map(request_row).collect(),
            closed: closed.into_iter().map(request_row).collect(),
            running: breach_rows
                .iter()
                .flat_map(|b| &b.clocks)
                .filter(|c| c.open)
                .count(),
            breaches: breach_rows,
            purposes: purposes
                .into_iter()
                .map(|c| PurposeRow {
                    key: c.purpose.key,
                    title: c.purpose.title,
                    legal_basis: c.purpose.legal_basis.as_str().replace('_', " "),
                    grants: c.grants,
                    withdrawals: c.withdrawals,
                })
                .collect(),
            activities: activities
                .iter()
                .map(|a| ActivityRow {
                    id: a.id.to_string(),
                    reference: a.reference.clone(),
                    name: a.name.clone(),
                    basis: match a.art9_condition {
                        Some(c) => format!(
                            "{} + 9(2)({})",
                            a.legal_basis.as_str().replace('_', " "),
                            c.describe().1
                        ),
                        None => a.legal_basis.as_str().replace('_', " "),
                    },
                    categories: a
                        .data_categories
                        .iter()
                        .map(|c| {
                            if probity_core::privacy::taxonomy::is_special(c) {
                                format!("{c}*")
                            } else {
                                c.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    subjects: a.subject_categories.join(", "),
                    dpias: links(&a.dpias),
                    schedules: links(&a.retention_schedules),
                })
                .collect(),
            dpias: dpias
                .iter()
                .map(|d| DpiaRow {
                    id: d.dpia.id.to_string(),
                    reference: d.dpia.reference.clone(),
                    title: d.dpia.content.title.clone(),
                    version: d.dpia.version,
                    state: d.dpia.state.as_str().replace('_', " "),
                    required: d.screening.required,
                    residual: d
                        .residual_level
                        .map(|l| l.as_str().to_owned())
                        .unwrap_or_default(),
                })
                .collect(),
            schedules: schedules
                .iter()
                .map(|s| ScheduleRow {
                    id: s.id.to_string(),
                    version: s.version,
                    reference: s.reference.clone(),
                    category: s.data_category.clone(),
                    period_days: s.period_days,
                    active: s.active,
                    last_run: runs.iter().find(|r| r.schedule_id == s.id).map_or_else(
                        || "never run".to_owned(),
                        |r| {
                            format!(
                                "{}: {} erased, {} kept by a hold",
                                show_time(r.at),
                                r.audit_erased,
                                r.audit_held
                            )
                        },
                    ),
                })
                .collect(),
        },
    )
}

/// The dashboard's privacy widget.
#[derive(Debug, Clone)]
pub struct PrivacyWidget {
    /// Open requests.
    pub open: usize,
    /// Of which overdue.
    pub overdue: usize,
    /// Breaches registered.
    pub breaches: usize,
    /// The open requests due first.
    pub soonest: Vec<RequestRow>,
    /// Breach clocks not yet met, earliest deadline first.
    pub clocks: Vec<ClockRow>,
}

/// Loads the dashboard's privacy widget.
pub async fn widget(state: &AppState, who: &SignedIn) -> Result<PrivacyWidget, DomainError> {
    let o = state.privacy().overview(&who.principal).await?;
    let clocks = o
        .running_clocks
        .iter()
        .take(WIDGET_ROWS)
        .map(|r| ClockRow {
            breach_id: r.breach_id.to_string(),
            reference: r.reference.clone(),
            title: r.title.clone(),
            regime: r.clock.regime.as_str().to_uppercase(),
            recipient: r.clock.recipient.as_str().replace('_', " "),
            period: r.clock.period.clone(),
            deadline: show_time(r.clock.deadline),
            status: r.clock.status.as_str(),
            left: r.clock.seconds_left.map(duration_label).unwrap_or_default(),
            open: true,
        })
        .collect();
    Ok(PrivacyWidget {
        open: o.open_requests,
        overdue: o.overdue_requests,
        breaches: o.breaches,
        soonest: o.open.iter().take(WIDGET_ROWS).map(request_row).collect(),
        clocks,
    })
}

#[cfg(test)]
mod tests {
    use super::duration_label;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_label(41 * 3600 + 20 * 60), "41 h 20 min left");
        assert_eq!(duration_label(-3 * 3600), "3 h 0 min over");
        assert_eq!(duration_label(20 * 86_400 + 5 * 3600), "20 days 5 h left");
    }
}
