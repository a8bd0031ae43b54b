//! The consent and retention forms: on `/privacy`, register a consent purpose, record a grant
//! or withdrawal, look a subject up, add a retention schedule, pause or resume one and run it
//! now; on `/privacy/consent?subject=…[&at=…]`, a subject's consent per purpose now, its full
//! history, and (with `at`) the state at a past time as the latest signed checkpoint proves it.
//! Each form calls the use case the API calls (`ConsentService`, `PrivacyService`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use probity_core::DomainError;
use probity_core::platform::rules::Permission;
use probity_core::privacy::consent::{
    ImportFormat, LineStatus, MAX_IMPORT_BYTES, NewConsentEvent, NewPurpose,
};
use probity_core::privacy::retention::{RetentionScheduleId, RetentionScheduleInput, RunTrigger};
use serde::Deserialize;

use super::privacy_forms::{Fields, instant, version, wire};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, segment_escape, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// `POST /privacy/consent/purposes`: registers a purpose consent is recorded for.
pub async fn create_purpose(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let input = (|| {
        let activity = f.one("activity_id");
        Ok::<_, DomainError>(NewPurpose {
            key: f.one("key").to_owned(),
            title: f.one("title").to_owned(),
            description: f.one("description").to_owned(),
            activity_id: if activity.is_empty() {
                None
            } else {
                Some(wire("activity_id", activity)?)
            },
            legal_basis: match f.one("legal_basis") {
                "" => None,
                b => Some(wire("legal_basis", b)?),
            },
        })
    })();
    let input = match input {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    match state.consent().create_purpose(&who.principal, &input).await {
        Ok(p) => see_other(&format!("/privacy#purpose-{}", p.key)),
        Err(e) => error_page(&e),
    }
}

/// `POST /privacy/consent/events`: records a grant or withdrawal (now, unless a time is
/// given) and shows the subject's consent.
pub async fn record(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let input = (|| {
        Ok::<_, DomainError>(NewConsentEvent {
            id: None,
            subject_id: f.one("subject_id").to_owned(),
            purpose: f.one("purpose").to_owned(),
            action: wire("action", f.one("action"))?,
            notice_version: f.one("notice_version").to_owned(),
            method: wire("method", f.one("method"))?,
            source: f.one("source").to_owned(),
            occurred_at: instant("occurred_at", f.one("occurred_at"))?
                .unwrap_or_else(|| state.privacy().now()),
        })
    })();
    let input = match input {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    match state.consent().record(&who.principal, &input).await {
        Ok(_) => see_other(&format!(
            "/privacy/consent?subject={}",
            segment_escape(&input.subject_id)
        )),
        Err(e) => error_page(&e),
    }
}

/// `?subject=&at=`.
#[derive(Debug, Deserialize)]
pub struct SubjectQuery {
    /// The pseudonymous subject id.
    #[serde(default)]
    pub subject: String,
    /// A past time (`YYYY-MM-DDTHH:MM`, UTC).
    #[serde(default)]
    pub at: String,
}

/// A purpose's state as the subject page lists it.
#[derive(Debug, Clone)]
pub struct StateRow {
    /// Purpose key.
    pub purpose: String,
    /// `granted`, `withdrawn`.
    pub state: String,
    /// When the deciding event occurred.
    pub since: String,
    /// Notice version of the deciding event.
    pub notice_version: String,
    /// Ledger index of the deciding event, or empty.
    pub index: String,
}

/// An event as the subject page lists it.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// When the subject acted.
    pub at: String,
    /// Purpose key.
    pub purpose: String,
    /// `grant`, `withdraw`.
    pub action: &'static str,
    /// Notice version.
    pub notice_version: String,
    /// `web form`.
    pub method: String,
    /// Capturing system.
    pub source: String,
    /// Ledger index, or empty.
    pub index: String,
}

#[derive(Template)]
#[template(path = "privacy_consent.html")]
struct ConsentPage {
    shell: Shell,
    subject: String,
    subject_query: String,
    current: Vec<StateRow>,
    history: Vec<EventRow>,
    at: String,
    at_label: String,
    proven: Vec<StateRow>,
    checkpoint: String,
}

fn index(i: Option<u64>) -> String {
    i.map(|i| i.to_string()).unwrap_or_default()
}

/// `GET /privacy/consent?subject=…[&at=…]`: one subject's consent.
pub async fn subject(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<SubjectQuery>,
) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Privacy) {
        return r;
    }
    let p = &who.principal;
    let subject = q.subject.trim().to_owned();
    let at = q.at.trim().to_owned();
    let loaded = async {
        let at_time: Option<DateTime<Utc>> = instant("at", &at)?;
        let current = state.consent().subject_state(p, &subject).await?;
        let history = state
            .consent()
            .history(p, Some(&subject), None, Some(1000))
            .await?;
        let proven = match at_time {
            Some(t) => Some(state.consent().subject_state_at(p, &subject, t).await?),
            None => None,
        };
        Ok::<_, DomainError>((current, history, proven))
    };
    let (current, history, proven) = match loaded.await {
        Ok(x) => x,
        Err(e) => return error_page(&e),
    };
    render(
        StatusCode::OK,
        &ConsentPage {
            shell: who.shell(Some(Section::Privacy), &format!("Consent of {subject}")),
            subject_query: segment_escape(&subject),
            current: current
                .purposes
                .iter()
                .map(|s| StateRow {
                    purpose: s.purpose.clone(),
                    state: s.state.as_str().to_owned(),
                    since: show_time(s.occurred_at),
                    notice_version: s.notice_version.clone(),
                    index: index(s.ledger_index),
                })
                .collect(),
            history: history
                .iter()
                .map(|e| EventRow {
                    at: show_time(e.occurred_at),
                    purpose: e.purpose.clone(),
                    action: e.action.as_str(),
                    notice_version: e.notice_version.clone(),
                    method: e.method.as_str().replace('_', " "),
                    source: e.source.clone(),
                    index: index(e.ledger_index),
                })
                .collect(),
            at_label: proven.as_ref().map(|x| show_time(x.at)).unwrap_or_default(),
            checkpoint: proven
                .as_ref()
                .map(|x| {
                    format!(
                        "checkpoint of size {} signed {}",
                        x.checkpoint.size,
                        show_time(x.checkpoint.signed_at)
                    )
                })
                .unwrap_or_default(),
            proven: proven
                .map(|x| {
                    x.purposes
                        .iter()
                        .map(|s| StateRow {
                            purpose: s.state.purpose.clone(),
                            state: s.state.state.as_str().to_owned(),
                            since: show_time(s.state.occurred_at),
                            notice_version: s.state.notice_version.clone(),
                            index: index(s.state.ledger_index),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            at,
            subject,
        },
    )
}

/// A rejected line of an import, as the result page lists it.
#[derive(Debug, Clone)]
pub struct RejectedLine {
    /// Line number in the file.
    pub line: usize,
    /// `field: message; …`.
    pub errors: String,
}

#[derive(Template)]
#[template(path = "privacy_consent_import.html")]
struct ImportPage {
    shell: Shell,
    recorded: usize,
    duplicates: usize,
    rejected: Vec<RejectedLine>,
}

/// The body limit of the import form: the largest import and room for the other fields.
pub const IMPORT_FORM_LIMIT: usize = MAX_IMPORT_BYTES + 64 * 1024;

/// `POST /privacy/consent/import` (`multipart/form-data`): `format` (`ndjson` or `csv`) and a
/// `file` or pasted `content`; every line on its own, as the API's import. Answers a page with
/// the counts and each rejected line's errors.
pub async fn import(State(state): State<AppState>, who: SignedIn, request: Request) -> Response {
    let parts = match super::assurance_forms::parts(&state, request).await {
        Ok(p) => p,
        Err(e) => return error_page(&e),
    };
    let text = |name: &str| super::assurance_forms::text(&parts, name);
    if !who.csrf_ok(&state, text("csrf")) {
        return csrf_refused();
    }
    let content = match parts
        .iter()
        .find(|p| p.name == "file" && p.file.is_some() && !p.bytes.is_empty())
    {
        Some(file) => match std::str::from_utf8(&file.bytes) {
            Ok(c) => c.to_owned(),
            Err(_) => {
                return error_page(&DomainError::invalid("file", "upload a UTF-8 text file"));
            }
        },
        None => text("content").to_owned(),
    };
    if content.trim().is_empty() {
        return error_page(&DomainError::invalid(
            "file",
            "choose a file or paste the lines to import",
        ));
    }
    let format: ImportFormat = match wire("format", text("format")) {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    match state
        .consent()
        .import(&who.principal, format, &content)
        .await
    {
        Ok(r) => render(
            StatusCode::OK,
            &ImportPage {
                shell: who.shell(Some(Section::Privacy), "Consent import"),
                recorded: r.recorded,
                duplicates: r.duplicates,
                rejected: r
                    .lines
                    .iter()
                    .filter(|l| l.status == LineStatus::Rejected)
                    .map(|l| RejectedLine {
                        line: l.line,
                        errors: l
                            .errors
                            .iter()
                            .map(|e| format!("{}: {}", e.field, e.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                    })
                    .collect(),
            },
        ),
        Err(e) => error_page(&e),
    }
}

fn schedule_input(f: &Fields) -> Result<RetentionScheduleInput, DomainError> {
    let period = f.one("period_days");
    Ok(RetentionScheduleInput {
        data_category: f.one("data_category").to_owned(),
        period_days: period
            .parse()
            .map_err(|_| DomainError::invalid("period_days", "a whole number of days"))?,
        activity_ids: f
            .all("activity_ids")
            .iter()
            .map(|id| wire("activity_ids", id))
            .collect::<Result<_, _>>()?,
        audit_event_types: f
            .one("audit_event_types")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        closed_requests: f.one("closed_requests") == "true",
        description: f.one("description").to_owned(),
        active: f.one("active") == "true",
        version: None,
    })
}

/// `POST /privacy/retention-schedules`: adds a retention schedule (approvers).
pub async fn create_schedule(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let input = match schedule_input(&f) {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    match state
        .privacy()
        .create_retention_schedule(&who.principal, &input)
        .await
    {
        Ok(s) => see_other(&format!("/privacy#schedule-{}", s.id)),
        Err(e) => error_page(&e),
    }
}

/// `POST /privacy/retention-schedules/{id}/active`: pauses (`active=false`) or resumes a
/// schedule, bound to the version shown.
pub async fn set_active(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RetentionScheduleId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let p = &who.principal;
    let s = match state.privacy().retention_schedule(p, id).await {
        Ok(s) => s,
        Err(e) => return error_page(&e),
    };
    let input = RetentionScheduleInput {
        data_category: s.data_category,
        period_days: s.period_days,
        activity_ids: s.activity_ids,
        audit_event_types: s.audit_event_types,
        closed_requests: s.closed_requests,
        description: s.description,
        active: f.one("active") == "true",
        version: version(f.one("version")),
    };
    match state
        .privacy()
        .update_retention_schedule(p, id, &input)
        .await
    {
        Ok(_) => see_other(&format!("/privacy#schedule-{id}")),
        Err(e) => error_page(&e),
    }
}

/// `POST /privacy/retention-schedules/{id}/run`: runs a schedule now (approvers), the search
/// index caught up first; the page then shows the run.
pub async fn run(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RetentionScheduleId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let p = &who.principal;
    let ran = async {
        // Refuse before the catch-up work when the caller may not run it.
        p.require(Permission::Approve)?;
        state.indexer().catch_up(p.tenant.id, u64::MAX).await?;
        state
            .privacy()
            .run_retention_schedule(p, id, RunTrigger::OnDemand)
            .await
    };
    match ran.await {
        Ok(_) => see_other(&format!("/privacy#schedule-{id}")),
        Err(e) => error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_fields_parse_or_name_their_field() {
        let f = Fields(vec![
            ("data_category".into(), "images".into()),
            ("period_days".into(), "30".into()),
            (
                "audit_event_types".into(),
                "cctv.\n\n door.opened \n".into(),
            ),
            ("active".into(), "true".into()),
        ]);
        let i = schedule_input(&f).unwrap();
        assert_eq!(i.period_days, 30);
        assert_eq!(i.audit_event_types, vec!["cctv.", "door.opened"]);
        assert!(i.active && !i.closed_requests);
        let f = Fields(vec![("period_days".into(), "a month".into())]);
        let e = schedule_input(&f).unwrap_err();
        assert!(e.to_string().contains("period_days"), "{e}");
        assert_eq!(segment_escape("cust 1/ä"), "cust%201%2F%C3%A4");
    }
}
