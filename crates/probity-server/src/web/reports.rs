//! The reports pages: the catalog of report kinds with a form to generate each (format and
//! the kind's parameters), the report history with links to open or download each file, the
//! scheduled reports, and one report's page with its hashes and how to verify them.
//!
//! A PDF opens in the browser, an HTML report opens under its own Content-Security-Policy
//! (its inline stylesheet by hash, nothing else), the other formats download. Reading a file
//! is audited as `report.downloaded`, exactly as through the API.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use probity_core::DomainError;
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::reports::{
    NewReport, ReportFormat, ReportId, ReportKind, ReportParams, ReportRecord,
};
use serde::Deserialize;

use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

fn refused(who: &SignedIn) -> Option<Response> {
    if role_allows(who.principal.role, Permission::Read) && !who.principal.mfa_enrolment_required {
        None
    } else {
        Some(error_page(&DomainError::Forbidden(
            "your role may not see reports".into(),
        )))
    }
}

/// One report kind with its form fields.
struct KindRow {
    kind: &'static str,
    title: String,
    description: String,
    framework: bool,
    month: bool,
    customer: bool,
    period: bool,
}

/// One line of the history.
struct HistoryRow {
    id: String,
    title: String,
    kind: String,
    format: &'static str,
    size: String,
    pages: String,
    content: String,
    by: String,
    at: String,
    scheduled: bool,
}

/// One schedule.
struct ScheduleRow {
    name: String,
    kind: &'static str,
    format: &'static str,
    cron: String,
    channels: usize,
    next: String,
    last: String,
    error: String,
    enabled: bool,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    shell: Shell,
    kinds: Vec<KindRow>,
    formats: Vec<&'static str>,
    history: Vec<HistoryRow>,
    schedules: Vec<ScheduleRow>,
    done: String,
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.0} kB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

fn history_row(r: &ReportRecord) -> HistoryRow {
    HistoryRow {
        id: r.id.to_string(),
        title: r.title.clone(),
        kind: r.kind.as_str().replace('_', " "),
        format: r.format.as_str(),
        size: size(r.size_bytes),
        pages: r.pages.map(|p| p.to_string()).unwrap_or_default(),
        content: r.content_sha256.chars().take(16).collect(),
        by: r.created_by.name.clone(),
        at: show_time(r.created_at),
        scheduled: r.schedule_id.is_some(),
    }
}

/// `?done=<report id>` after generating one.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /reports`.
pub async fn reports(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<DoneQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.reports();
    let loaded = async {
        Ok::<_, DomainError>((
            service.catalog(&who.principal)?,
            service.history(&who.principal).await?,
            service.schedules(&who.principal).await?,
        ))
    };
    let (catalog, history, schedules) = match loaded.await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let kinds = catalog
        .iter()
        .map(|k| KindRow {
            kind: k.kind.as_str(),
            title: k.title.clone(),
            description: k.description.clone(),
            framework: k.params.iter().any(|p| p == "framework"),
            month: k.params.iter().any(|p| p == "month"),
            customer: k.params.iter().any(|p| p == "customer"),
            period: k.params.iter().any(|p| p == "from"),
        })
        .collect();
    let done = q
        .done
        .and_then(|d| d.parse::<ReportId>().ok())
        .and_then(|id| history.iter().find(|r| r.id == id))
        .map(|r| format!("{} generated ({}).", r.title, r.format.as_str()))
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &ReportsPage {
            shell: who.shell(Some(Section::Reports), "Reports"),
            kinds,
            formats: ReportFormat::ALL.iter().map(|f| f.as_str()).collect(),
            history: history.iter().map(history_row).collect(),
            schedules: schedules
                .iter()
                .map(|s| ScheduleRow {
                    name: s.name.clone(),
                    kind: s.kind.as_str(),
                    format: s.format.as_str(),
                    cron: s.cron.clone(),
                    channels: s.channel_ids.len(),
                    next: show_time(s.next_run_at),
                    last: s.last_run_at.map(show_time).unwrap_or_default(),
                    error: s.last_error.clone().unwrap_or_default(),
                    enabled: s.enabled,
                })
                .collect(),
            done,
        },
    )
}

/// The generate form.
#[derive(Debug, Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    framework: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn given(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// `POST /reports`: generates a report and returns to the history.
pub async fn generate(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<GenerateForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let Some(kind) = ReportKind::parse(&f.kind) else {
        return error_page(&DomainError::invalid(
            "kind",
            "choose a report from the list",
        ));
    };
    let Some(format) = ReportFormat::parse(&f.format) else {
        return error_page(&DomainError::invalid(
            "format",
            "choose pdf, html, csv, xlsx or json",
        ));
    };
    let (_, _, reads) = kind.describe();
    let pick = |name: &str, v: &str| {
        if reads.contains(&name) {
            given(v)
        } else {
            None
        }
    };
    let req = NewReport {
        kind,
        format: Some(format),
        params: ReportParams {
            framework: pick("framework", &f.framework),
            month: pick("month", &f.month),
            customer: pick("customer", &f.customer),
            from: pick("from", &f.from),
            to: pick("to", &f.to),
        },
    };
    match state.reports().generate(&who.principal, &req).await {
        Ok(g) => see_other(&format!("/reports?done={}#history", g.record.id)),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    shell: Shell,
    id: String,
    title: String,
    kind: String,
    format: &'static str,
    params: String,
    size: String,
    pages: String,
    content_sha256: String,
    file_sha256: String,
    checkpoint: String,
    by: String,
    at: String,
    inline: bool,
}

/// `GET /reports/{id}`: one report, its hashes and how to check them.
pub async fn report(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ReportId>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let r = match state.reports().report(&who.principal, id).await {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let params = serde_json::to_string(&r.params).unwrap_or_default();
    render(
        StatusCode::OK,
        &ReportPage {
            shell: who.shell(Some(Section::Reports), &r.title),
            id: r.id.to_string(),
            title: r.title.clone(),
            kind: r.kind.as_str().replace('_', " "),
            format: r.format.as_str(),
            params: if params == "{}" {
                String::new()
            } else {
                params
            },
            size: size(r.size_bytes),
            pages: r.pages.map(|p| p.to_string()).unwrap_or_default(),
            content_sha256: r.content_sha256.clone(),
            file_sha256: r.file_sha256.clone(),
            checkpoint: r
                .checkpoint_size
                .map_or_else(|| "none signed yet".to_owned(), |s| format!("size {s}")),
            by: r.created_by.name.clone(),
            at: show_time(r.created_at),
            inline: matches!(r.format, ReportFormat::Pdf | ReportFormat::Html),
        },
    )
}

/// `GET /reports/{id}/file`: the file — PDF and HTML shown in the browser, the rest
/// downloaded (`?download=1` downloads any).
pub async fn file(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ReportId>,
    Query(q): Query<FileQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let (record, bytes) = match state.reports().download(&who.principal, id).await {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let inline =
        q.download.is_none() && matches!(record.format, ReportFormat::Pdf | ReportFormat::Html);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(record.format.media_type()),
    );
    // The report's own policy: an HTML report may use its inline stylesheet and nothing else.
    if let Ok(v) = HeaderValue::from_str(probity_report::html::style_csp()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let disposition = format!(
        "{}; filename=\"{}\"",
        if inline { "inline" } else { "attachment" },
        record.file_name()
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `?download=1` forces a download.
#[derive(Debug, Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    download: Option<String>,
}
