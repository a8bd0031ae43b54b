//! The compliance pages: frameworks with the tenant's coverage, one framework's requirement
//! tree with coverage explanations, the unified control library, one control (mappings and a
//! status form), cross-framework comparison and version diff.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::catalog::{
    Comparison, ControlDetail, ControlUpdate, Coverage, FrameworkDiff, ImplementationStatus,
    ImportId, ImportRecord, ImportSummary, RequirementCoverage, TaskStatus,
};
use probity_core::platform::rules::{Permission, role_allows};
use serde::Deserialize;

use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, query_escape};
use super::{error_page, render};
use crate::state::AppState;

/// A framework row of the overview.
#[derive(Debug, Clone)]
pub struct FrameworkRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Publisher.
    pub publisher: String,
    /// Assessable requirements.
    pub assessable: usize,
    /// Fully covered by the tenant's controls.
    pub covered: usize,
    /// Partly covered.
    pub partial: usize,
    /// Coverage percent.
    pub percent: f64,
}

/// A change record on the overview.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    /// Title.
    pub title: String,
    /// Old version.
    pub from: String,
    /// New version.
    pub to: String,
    /// Tasks done or not needed.
    pub done: usize,
    /// Tasks.
    pub tasks: usize,
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Whether selected.
    pub selected: bool,
}

fn choices(ids: &[(String, String)], selected: &str) -> Vec<Choice> {
    ids.iter()
        .map(|(value, label)| Choice {
            value: value.clone(),
            label: label.clone(),
            selected: value == selected,
        })
        .collect()
}

/// The tenant's coverage of every shipped framework, for the compliance overview.
pub async fn framework_rows(
    state: &AppState,
    who: &SignedIn,
) -> Result<Vec<FrameworkRow>, DomainError> {
    let service = state.catalog();
    let mut rows = Vec::new();
    for f in service.frameworks(&who.principal)? {
        let c = service.coverage(&who.principal, &f.info.id).await?;
        rows.push(FrameworkRow {
            id: f.info.id,
            name: f.info.name,
            version: f.info.version,
            publisher: f.info.publisher,
            assessable: f.assessable,
            covered: c.totals.covered,
            partial: c.totals.partial,
            percent: c.totals.percent,
        });
    }
    Ok(rows)
}

/// The page for a role that may not read compliance records (shared by the assurance pages).
pub(super) fn refused(who: &SignedIn) -> Option<Response> {
    if role_allows(who.principal.role, Permission::Read) && !who.principal.mfa_enrolment_required {
        None
    } else {
        Some(error_page(&DomainError::Forbidden(
            "your role may not see compliance records".into(),
        )))
    }
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct OverviewPage {
    shell: Shell,
    frameworks: Vec<FrameworkRow>,
    imports: Vec<ImportSummary>,
    changes: Vec<ChangeRow>,
    from: Vec<Choice>,
    to: Vec<Choice>,
    implemented: usize,
    controls: usize,
}

/// `GET /compliance`.
pub async fn overview(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let frameworks = match framework_rows(&state, &who).await {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let controls = match state.catalog().controls(&who.principal, None, None).await {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    let imports = match state.catalog().imports(&who.principal).await {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    let changes = match state.catalog().changes(&who.principal).await {
        Ok(c) => c
            .into_iter()
            .map(|r| ChangeRow {
                done: r
                    .tasks
                    .iter()
                    .filter(|t| matches!(t.status, TaskStatus::Done | TaskStatus::NotNeeded))
                    .count(),
                tasks: r.tasks.len(),
                title: r.title,
                from: r.from,
                to: r.to,
            })
            .collect(),
        Err(e) => return error_page(&e),
    };
    let ids: Vec<(String, String)> = frameworks
        .iter()
        .map(|f| (f.id.clone(), f.name.clone()))
        .collect();
    render(
        StatusCode::OK,
        &OverviewPage {
            shell: who.shell(Some(Section::Compliance), "Compliance"),
            from: choices(&ids, "iso27001-2022"),
            to: choices(&ids, "soc2-2017"),
            implemented: controls
                .iter()
                .filter(|c| c.status == ImplementationStatus::Implemented)
                .count(),
            controls: controls.len(),
            frameworks,
            imports,
            changes,
        },
    )
}

/// A requirement row of a framework page.
#[derive(Debug, Clone)]
pub struct RequirementRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Depth in the tree (for indentation, capped at 4).
    pub depth: u32,
    /// Whether assessable.
    pub assessable: bool,
    /// Whether withdrawn.
    pub withdrawn: bool,
    /// Labels.
    pub labels: String,
    /// Coverage (assessable rows).
    pub coverage: Option<RequirementCoverage>,
}

#[derive(Template)]
#[template(path = "compliance_framework.html")]
struct FrameworkPage {
    shell: Shell,
    id: String,
    name: String,
    version: String,
    publisher: String,
    licence: String,
    source: String,
    q: String,
    only: String,
    percent: f64,
    covered: usize,
    partial: usize,
    assessable: usize,
    rows: Vec<RequirementRow>,
}

/// `?q=&only=` of a framework page.
#[derive(Debug, Default, Deserialize)]
pub struct FrameworkQuery {
    #[serde(default)]
    q: String,
    /// `gaps` for the requirements that are not fully covered.
    #[serde(default)]
    only: String,
}

/// `GET /compliance/frameworks/{id}`.
pub async fn framework(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<FrameworkQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.catalog();
    let fw = match service.framework_tree(&who.principal, &id) {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let report = match service.coverage(&who.principal, &id).await {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let needle = q.q.trim().to_lowercase();
    let gaps = q.only == "gaps";
    let mut by_id: std::collections::HashMap<&str, &RequirementCoverage> = report
        .requirements
        .iter()
        .map(|r| (r.requirement.as_str(), r))
        .collect();
    let rows = fw
        .requirements
        .iter()
        .filter(|r| {
            needle.is_empty()
                || r.id.to_lowercase().contains(&needle)
                || r.title.to_lowercase().contains(&needle)
        })
        .filter_map(|r| {
            let coverage = by_id.remove(r.id.as_str()).cloned();
            if gaps
                && !coverage
                    .as_ref()
                    .is_some_and(|c| matches!(c.coverage, Coverage::NotCovered | Coverage::Partial))
            {
                return None;
            }
            Some(RequirementRow {
                id: r.id.clone(),
                title: r.title.clone(),
                depth: r.depth.min(4),
                assessable: r.assessable,
                withdrawn: r.withdrawn,
                labels: r.labels.join(", "),
                coverage,
            })
        })
        .collect();
    render(
        StatusCode::OK,
        &FrameworkPage {
            shell: who.shell(Some(Section::Compliance), &fw.info.name),
            id: fw.info.id.clone(),
            name: fw.info.name.clone(),
            version: fw.info.version.clone(),
            publisher: fw.info.publisher.clone(),
            licence: fw.info.licence.clone(),
            source: fw.info.source.clone(),
            q: q.q.clone(),
            only: q.only.clone(),
            percent: report.totals.percent,
            covered: report.totals.covered,
            partial: report.totals.partial,
            assessable: report.totals.requirements,
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "compliance_controls.html")]
struct ControlsPage {
    shell: Shell,
    families: Vec<Choice>,
    q: String,
    filtered: bool,
    controls: Vec<ControlDetail>,
}

/// `?family=&q=` of the control library.
#[derive(Debug, Default, Deserialize)]
pub struct ControlsQuery {
    #[serde(default)]
    family: String,
    #[serde(default)]
    q: String,
}

/// `GET /compliance/controls`.
pub async fn controls(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<ControlsQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.catalog();
    let family = Some(q.family.trim()).filter(|f| !f.is_empty());
    let text = Some(q.q.trim()).filter(|t| !t.is_empty());
    let list = match service.controls(&who.principal, family, text).await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let mut families = vec![(String::new(), "all families".to_owned())];
    families.extend(
        service
            .catalog()
            .families()
            .iter()
            .map(|f| (f.id.clone(), format!("{} — {}", f.id, f.title))),
    );
    render(
        StatusCode::OK,
        &ControlsPage {
            shell: who.shell(Some(Section::Compliance), "Control library"),
            families: choices(&families, family.unwrap_or("")),
            q: q.q.clone(),
            filtered: family.is_some() || text.is_some(),
            controls: list,
        },
    )
}

#[derive(Template)]
#[template(path = "compliance_control.html")]
struct ControlPage {
    shell: Shell,
    detail: ControlDetail,
    statuses: Vec<Choice>,
    can_edit: bool,
    owner: String,
    note: String,
    saved: bool,
}

/// `?saved=1` after an update.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

const STATUSES: [ImplementationStatus; 5] = [
    ImplementationStatus::Implemented,
    ImplementationStatus::PartiallyImplemented,
    ImplementationStatus::Planned,
    ImplementationStatus::NotImplemented,
    ImplementationStatus::NotApplicable,
];

/// `GET /compliance/controls/{id}`.
pub async fn control(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let detail = match state.catalog().control(&who.principal, &id).await {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|s| (s.as_str().to_owned(), s.as_str().replace('_', " ")))
        .collect();
    render(
        StatusCode::OK,
        &ControlPage {
            shell: who.shell(Some(Section::Compliance), &detail.control.title),
            statuses: choices(&statuses, detail.status.as_str()),
            can_edit: role_allows(who.principal.role, Permission::Write),
            owner: detail
                .state
                .as_ref()
                .and_then(|s| s.owner.clone())
                .unwrap_or_default(),
            note: detail
                .state
                .as_ref()
                .and_then(|s| s.note.clone())
                .unwrap_or_default(),
            saved: q.saved.is_some(),
            detail,
        },
    )
}

/// The control status form.
#[derive(Debug, Deserialize)]
pub struct ControlForm {
    #[serde(default)]
    csrf: String,
    status: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    note: String,
}

/// `POST /compliance/controls/{id}`: records the status (an audit event) and shows the page.
pub async fn update_control(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ControlForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let Some(status) = ImplementationStatus::parse(&f.status) else {
        return error_page(&DomainError::invalid(
            "status",
            "choose one of the listed statuses",
        ));
    };
    let update = ControlUpdate {
        status,
        owner: Some(f.owner),
        note: Some(f.note),
    };
    match state
        .catalog()
        .update_control(&who.principal, &id, &update)
        .await
    {
        Ok(d) => super::see_other(&format!(
            "/compliance/controls/{}?saved=1",
            query_escape(&d.control.id)
        )),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "compliance_compare.html")]
struct ComparePage {
    shell: Shell,
    from: Vec<Choice>,
    to: Vec<Choice>,
    comparison: Comparison,
}

/// `?from=&to=` of the comparison and diff pages.
#[derive(Debug, Default, Deserialize)]
pub struct PairQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn framework_ids(state: &AppState) -> Vec<(String, String)> {
    state
        .catalog()
        .catalog()
        .frameworks()
        .map(|f| (f.info.id.clone(), f.info.name.clone()))
        .collect()
}

/// `GET /compliance/compare?from=&to=`.
pub async fn compare(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<PairQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let comparison = match state
        .catalog()
        .compare(&who.principal, &q.from, &q.to)
        .await
    {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    let ids = framework_ids(&state);
    render(
        StatusCode::OK,
        &ComparePage {
            shell: who.shell(Some(Section::Compliance), "Framework comparison"),
            from: choices(&ids, &q.from),
            to: choices(&ids, &q.to),
            comparison,
        },
    )
}

#[derive(Template)]
#[template(path = "compliance_diff.html")]
struct DiffPage {
    shell: Shell,
    diff: FrameworkDiff,
    counts: String,
}

/// `GET /compliance/diff?from=&to=`.
pub async fn diff(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<PairQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let diff = match state
        .catalog()
        .diff(&who.principal, &q.from, &q.to, None)
        .await
    {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    let counts = diff
        .counts
        .iter()
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    render(
        StatusCode::OK,
        &DiffPage {
            shell: who.shell(Some(Section::Compliance), "Framework changes"),
            diff,
            counts,
        },
    )
}

#[derive(Template)]
#[template(path = "compliance_import.html")]
struct ImportPage {
    shell: Shell,
    record: ImportRecord,
    rows: Vec<probity_core::catalog::Requirement>,
    q: String,
    shown: usize,
}

/// `?q=` of an import page.
#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    q: String,
}

/// `GET /compliance/imports/{id}`: an imported catalog with the publisher's text.
pub async fn import(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ImportQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let Ok(id) = id.parse::<ImportId>() else {
        return error_page(&DomainError::NotFound(format!("OSCAL import {id}")));
    };
    let mut record = match state.catalog().import_record(&who.principal, id).await {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let needle = q.q.trim().to_lowercase();
    let rows: Vec<_> = record
        .framework
        .as_ref()
        .map(|f| {
            f.requirements
                .iter()
                .filter(|r| {
                    needle.is_empty()
                        || r.id.to_lowercase().contains(&needle)
                        || r.title.to_lowercase().contains(&needle)
                })
                .take(500)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    // The page shows the framework view; the raw document stays behind the API.
    record.document = serde_json::Value::Null;
    render(
        StatusCode::OK,
        &ImportPage {
            shell: who.shell(Some(Section::Compliance), &record.summary.title),
            shown: rows.len(),
            rows,
            q: q.q.clone(),
            record,
        },
    )
}
