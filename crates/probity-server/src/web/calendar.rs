//! The calendar page: every due date of the tenant as an agenda grouped by month (overdue ones
//! marked), filtered by kind and range with a plain GET form; the signed-in user's calendar
//! feeds, with a form that makes one (its subscription URL shown once, on the answer to that
//! post) and a revoke button per feed; and the dashboard's count of what is due soon.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use probity_core::DomainError;
use probity_core::calendar::{
    CalendarEntry, CalendarFeed, CalendarFeedId, DateRange, EntryKind, NewCalendarFeed,
};
use serde::Deserialize;

use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// Days ahead the dashboard widget counts.
pub const UPCOMING_DAYS: i64 = 14;

/// One entry of the agenda.
#[derive(Debug, Clone)]
pub struct EntryRow {
    /// `YYYY-MM-DD`, for `<time datetime>`.
    pub iso: String,
    /// `Tue 10`.
    pub day: String,
    /// Kind wire name (a CSS class).
    pub kind: &'static str,
    /// Kind label.
    pub kind_label: &'static str,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Link to the record.
    pub link: String,
    /// Past due.
    pub overdue: bool,
}

/// A month of the agenda.
#[derive(Debug, Clone)]
pub struct MonthGroup {
    /// `March 2026`.
    pub label: String,
    /// An id for the heading.
    pub id: String,
    /// Entries by date.
    pub rows: Vec<EntryRow>,
}

/// A choice of the kind filter.
#[derive(Debug, Clone)]
pub struct KindChoice {
    /// Wire name (empty: all).
    pub value: &'static str,
    /// Label.
    pub label: &'static str,
    /// Whether chosen.
    pub selected: bool,
}

/// A feed in the list.
#[derive(Debug, Clone)]
pub struct FeedRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kinds it carries.
    pub kinds: String,
    /// `YYYY-MM-DD`.
    pub created: String,
    /// When revoked (empty while active).
    pub revoked: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    from: String,
    to: String,
    kinds: Vec<KindChoice>,
    filtered: bool,
    months: Vec<MonthGroup>,
    total: usize,
    overdue: usize,
    feeds: Vec<FeedRow>,
    new_feed_url: String,
    done: String,
}

/// `?from=&to=&kind=&done=`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    done: String,
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(usize::try_from(month.saturating_sub(1)).unwrap_or(0))
        .copied()
        .unwrap_or("")
}

/// Groups entries (sorted by date) by calendar month.
pub fn by_month(entries: &[CalendarEntry]) -> Vec<MonthGroup> {
    let mut out: Vec<MonthGroup> = Vec::new();
    for e in entries {
        let id = format!("m-{}-{:02}", e.date.year(), e.date.month());
        let row = EntryRow {
            iso: e.date.to_string(),
            day: e.date.format("%a %-d").to_string(),
            kind: e.kind.as_str(),
            kind_label: e.kind.label(),
            title: e.title.clone(),
            description: e.description.clone(),
            link: e.link.clone(),
            overdue: e.overdue,
        };
        match out.last_mut() {
            Some(g) if g.id == id => g.rows.push(row),
            _ => out.push(MonthGroup {
                label: format!("{} {}", month_name(e.date.month()), e.date.year()),
                id,
                rows: vec![row],
            }),
        }
    }
    out
}

fn date(field: &str, text: &str) -> Result<Option<NaiveDate>, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DomainError::invalid(field, "must be a date, YYYY-MM-DD"))
}

fn feed_row(f: &CalendarFeed) -> FeedRow {
    FeedRow {
        id: f.id.to_string(),
        name: f.name.clone(),
        kinds: if f.kinds.is_empty() {
            "all".to_owned()
        } else {
            f.kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", ")
        },
        created: f.created_at.format("%Y-%m-%d").to_string(),
        revoked: f
            .revoked_at
            .map(|at| at.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    q: &PageQuery,
    new_feed_url: String,
    status: StatusCode,
) -> Response {
    let calendar = state.calendar();
    let range = match (|| {
        let (from, to) = (date("from", &q.from)?, date("to", &q.to)?);
        calendar.range(from, to)
    })() {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let kind = EntryKind::parse(q.kind.trim());
    let kinds: Vec<EntryKind> = kind.into_iter().collect();
    let p = &who.principal;
    let loaded = async {
        Ok::<_, DomainError>((
            calendar.entries(p, range, &kinds).await?,
            calendar.feeds(p).await?,
        ))
    };
    let (entries, feeds) = match loaded.await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let mut choices = vec![KindChoice {
        value: "",
        label: "All kinds",
        selected: kind.is_none(),
    }];
    choices.extend(EntryKind::ALL.into_iter().map(|k| KindChoice {
        value: k.as_str(),
        label: k.label(),
        selected: Some(k) == kind,
    }));
    render(
        status,
        &CalendarPage {
            shell: who.shell(Some(Section::Calendar), "Compliance calendar"),
            from: range.from.to_string(),
            to: range.to.to_string(),
            kinds: choices,
            filtered: kind.is_some() || !q.from.trim().is_empty() || !q.to.trim().is_empty(),
            total: entries.len(),
            overdue: entries.iter().filter(|e| e.overdue).count(),
            months: by_month(&entries),
            feeds: feeds.iter().map(feed_row).collect(),
            new_feed_url,
            done: match q.done.as_str() {
                "revoked" => "The feed is revoked: its URL no longer answers.".to_owned(),
                _ => String::new(),
            },
        },
    )
}

/// `GET /calendar`.
pub async fn agenda(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<PageQuery>,
) -> Response {
    page(&state, &who, &q, String::new(), StatusCode::OK).await
}

/// The new-feed form.
#[derive(Debug, Deserialize)]
pub struct NewFeedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

/// `POST /calendar/feeds`: makes a feed and answers with the page showing its URL this once
/// (no redirect, so the secret is never stored to be shown later).
pub async fn create_feed(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<NewFeedForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let req = NewCalendarFeed {
        name: f.name,
        kinds: EntryKind::parse(f.kind.trim()).into_iter().collect(),
    };
    match state.calendar().create_feed(&who.principal, &req).await {
        Ok(issued) => {
            let url = format!("{}{}", state.http().public_url(), issued.path);
            page(
                &state,
                &who,
                &PageQuery::default(),
                url,
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => error_page(&e),
    }
}

/// The revoke form.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /calendar/feeds/{id}/revoke`.
pub async fn revoke_feed(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<CalendarFeedId>,
    Form(f): Form<RevokeForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.calendar().revoke_feed(&who.principal, id).await {
        Ok(()) => see_other("/calendar?done=revoked#feeds"),
        Err(e) => error_page(&e),
    }
}

/// The dashboard's calendar widget.
#[derive(Debug, Clone)]
pub struct UpcomingWidget {
    /// Entries due from today through [`UPCOMING_DAYS`] ahead.
    pub soon: usize,
    /// Entries of the last 30 days and the next [`UPCOMING_DAYS`] that are overdue.
    pub overdue: usize,
}

/// The dashboard widget: what is due in the next [`UPCOMING_DAYS`] days, and what is overdue.
pub async fn upcoming_widget(
    state: &AppState,
    who: &SignedIn,
) -> Result<UpcomingWidget, DomainError> {
    let today = state.calendar().now().date_naive();
    let range = DateRange {
        from: today - Duration::days(probity_core::calendar::model::DEFAULT_DAYS_BACK),
        to: today + Duration::days(UPCOMING_DAYS),
    };
    let entries = state.calendar().entries(&who.principal, range, &[]).await?;
    Ok(UpcomingWidget {
        soon: entries.iter().filter(|e| e.date >= today).count(),
        overdue: entries.iter().filter(|e| e.overdue).count(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn entry(date: &str, title: &str) -> CalendarEntry {
        CalendarEntry {
            kind: EntryKind::RiskReview,
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            due_at: None,
            title: title.into(),
            description: String::new(),
            context: "governance".into(),
            link: "/governance/risks/1".into(),
            overdue: false,
            uid: format!("{title}@probity"),
        }
    }

    #[test]
    fn entries_are_grouped_by_month_in_order() {
        let months = by_month(&[
            entry("2026-02-27", "a"),
            entry("2026-03-01", "b"),
            entry("2026-03-31", "c"),
            entry("2027-03-02", "d"),
        ]);
        let labels: Vec<&str> = months.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["February 2026", "March 2026", "March 2027"]);
        assert_eq!(months[1].rows.len(), 2);
        assert_eq!(months[1].rows[0].day, "Sun 1");
        assert_eq!(months[1].id, "m-2026-03");
    }
}
