//! The assurance pages under Compliance: assessments (scores and their trend, results,
//! findings with their remediation plan, the sign-off and its verification, a form to record a
//! result), evidence with its versions and freezes, control tests with their Rego and runs, the
//! gap analysis of a framework, and the dashboard's assurance widgets.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use probity_core::DomainError;
use probity_core::assurance::assessment::{AssessmentView, NewSignOff, scope_ids};
use probity_core::assurance::monitor::ControlTestView;
use probity_core::assurance::posture::GapTotals;
use probity_core::assurance::{
    AssessmentPhase, Collector, ComplianceAssessmentId, ControlTest, ControlTestId, EvidenceId,
    EvidenceView, FindingSeverity, FindingStatus, GapItem, RemediationStatus, ResultInput,
    ResultStatus, TestResult,
};
use probity_core::catalog::Catalog;
use probity_core::platform::rules::{Permission, role_allows};
use serde::Deserialize;

use super::charts::{ChartSize, Point, line_chart};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, query_escape, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// The framework the gap analysis opens on.
const DEFAULT_FRAMEWORK: &str = "soc2-2017";

/// Score changes drawn in an assessment's trend.
const TREND_POINTS: usize = 120;

/// The Compliance sub-navigation (`assurance_nav.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Frameworks and coverage (`/compliance`).
    Frameworks,
    /// Assessments.
    Assessments,
    /// Evidence.
    Evidence,
    /// Control tests.
    ControlTests,
    /// Gap analysis.
    Gaps,
}

impl Tab {
    /// The name the tab bar compares.
    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Frameworks => "frameworks",
            Tab::Assessments => "assessments",
            Tab::Evidence => "evidence",
            Tab::ControlTests => "control_tests",
            Tab::Gaps => "gaps",
        }
    }
}

use super::compliance::refused;

fn can_write(who: &SignedIn) -> bool {
    role_allows(who.principal.role, Permission::Write)
}

/// Whether the viewer may record assessment results (contributors and auditors).
fn can_assess(who: &SignedIn) -> bool {
    can_write(who) || role_allows(who.principal.role, Permission::Audit)
}

/// A wire name as people read it.
fn words(wire: &str) -> String {
    wire.replace('_', " ")
}

/// The first 12 hex digits of a hash.
fn short(hash: &str) -> String {
    hash.get(..12).unwrap_or(hash).to_owned()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn framework_name(catalog: &Catalog, id: &str) -> String {
    catalog
        .framework(id)
        .map_or_else(|| id.to_owned(), |f| f.info.name.clone())
}

/// A byte count as people read it.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        b if b < KIB => format!("{b} B"),
        b if b < KIB * KIB => format!("{:.1} KiB", b as f64 / KIB as f64),
        b => format!("{:.1} MiB", b as f64 / (KIB * KIB) as f64),
    }
}

/// `?done=`-style notices after a form.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    recorded: Option<String>,
    #[serde(default)]
    installed: Option<usize>,
    #[serde(default)]
    ran: Option<String>,
    #[serde(default)]
    updated: Option<String>,
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    // Defaulted, so a missing token is refused like a wrong one (403) rather than
    // rejected as a malformed form.
    #[serde(default)]
    csrf: String,
}

// ---------------------------------------------------------------------------------------------
// Assessments

/// A row of the assessment list.
#[derive(Debug, Clone)]
pub struct AssessmentRow {
    /// Id.
    pub id: String,
    /// `ASM-0001`.
    pub reference: String,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Framework name (and baseline).
    pub framework: String,
    /// Wire state.
    pub state: &'static str,
    /// Score, 0–100.
    pub score: f64,
    /// Open findings.
    pub open_findings: usize,
    /// `2026-01-01 – 2026-06-30`.
    pub period: String,
}

fn open_findings(view: &AssessmentView) -> usize {
    view.assessment
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .count()
}

#[derive(Template)]
#[template(path = "assurance_assessments.html")]
struct AssessmentsPage {
    shell: Shell,
    tab: Tab,
    rows: Vec<AssessmentRow>,
    /// The viewer may start an assessment (the form shows).
    can_start: bool,
    /// Frameworks and baselines to assess.
    scopes: Vec<Choice>,
    /// Members who may lead or join (the viewer selected as lead).
    members: Vec<Choice>,
    /// The form's default period: this calendar year.
    period_start: NaiveDate,
    period_end: NaiveDate,
}

/// The frameworks and baselines an assessment may cover, for the start form.
fn scope_choices(catalog: &Catalog) -> Vec<Choice> {
    let mut out: Vec<Choice> = catalog
        .frameworks()
        .map(|f| Choice {
            value: f.info.id.clone(),
            label: f.info.name.clone(),
            selected: f.info.id == DEFAULT_FRAMEWORK,
        })
        .collect();
    out.extend(catalog.baselines().iter().map(|b| Choice {
        value: b.id.clone(),
        label: format!(
            "{} (baseline of {})",
            b.name,
            framework_name(catalog, &b.framework)
        ),
        selected: false,
    }));
    out
}

/// The tenant's members for the lead and team selects, the viewer selected.
async fn member_choices(state: &AppState, who: &SignedIn) -> Result<Vec<Choice>, DomainError> {
    let page = probity_core::page::PageRequest {
        limit: probity_core::page::MAX_LIMIT,
        after: None,
    };
    let members = state.platform().members(&who.principal, &page).await?;
    Ok(members
        .items
        .into_iter()
        .map(|m| Choice {
            selected: Some(m.user.id) == who.principal.user_id,
            label: format!("{} <{}>", m.user.display_name, m.user.email),
            value: m.user.id.to_string(),
        })
        .collect())
}

/// `GET /assessments`: every assessment version, newest first.
pub async fn assessments(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.assurance();
    let mut views = match service.assessments(&who.principal).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    views.sort_by(|a, b| {
        (b.assessment.created_at, b.assessment.version)
            .cmp(&(a.assessment.created_at, a.assessment.version))
    });
    let catalog = service.catalog();
    let rows = views
        .iter()
        .map(|v| {
            let a = &v.assessment;
            let mut framework = framework_name(catalog, &a.framework_id);
            if let Some(b) = &a.baseline_id {
                framework.push_str(&format!(" ({b})"));
            }
            AssessmentRow {
                id: a.id.to_string(),
                reference: a.reference.clone(),
                version: a.version,
                title: a.title.clone(),
                framework,
                state: a.state.as_str(),
                score: v.scores.score,
                open_findings: open_findings(v),
                period: format!("{} – {}", day(a.period_start), day(a.period_end)),
            }
        })
        .collect();
    let can_start = can_assess(&who);
    let members = if can_start {
        match member_choices(&state, &who).await {
            Ok(m) => m,
            Err(e) => return error_page(&e),
        }
    } else {
        Vec::new()
    };
    let year = state.platform().clock().now().date_naive().year();
    render(
        StatusCode::OK,
        &AssessmentsPage {
            shell: who.shell(Some(Section::Compliance), "Assessments"),
            tab: Tab::Assessments,
            rows,
            can_start,
            scopes: scope_choices(catalog),
            members,
            period_start: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
            period_end: NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
        },
    )
}

/// A recorded requirement or control result.
#[derive(Debug, Clone)]
pub struct ResultRow {
    /// Requirement or control id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Wire status.
    pub status: &'static str,
    /// Why.
    pub rationale: String,
    /// Who reviewed it (empty: not reviewed).
    pub reviewer: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
    /// Evidence cited.
    pub evidence: usize,
}

/// The sign-off and its verification.
#[derive(Debug, Clone)]
pub struct SignOffView {
    /// The lead assessor.
    pub by: String,
    /// When.
    pub at: String,
    /// Their statement.
    pub statement: String,
    /// The signed note.
    pub note: String,
    /// The note verifier key.
    pub verifier_key: String,
    /// The content hash signed.
    pub signed_sha256: String,
    /// Everything checks out.
    pub verifies: bool,
    /// What does not, in words.
    pub problems: Vec<String>,
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

#[derive(Template)]
#[template(path = "assurance_assessment.html")]
struct AssessmentPage {
    shell: Shell,
    tab: Tab,
    view: AssessmentView,
    id: String,
    framework: String,
    state: &'static str,
    lead: String,
    team: String,
    trend_svg: String,
    by_status: Vec<(String, usize)>,
    open_by_severity: Vec<(&'static str, usize)>,
    results: Vec<ResultRow>,
    control_results: Vec<ResultRow>,
    in_scope: usize,
    sign_off: Option<SignOffView>,
    can_record: bool,
    /// The signed-in user is the lead assessor of an in-progress version.
    can_sign: bool,
    /// A signed-off version that an assessor may continue as a new version.
    can_continue: bool,
    scope: Vec<Choice>,
    statuses: Vec<Choice>,
    today: NaiveDate,
    recorded: String,
    /// Wire names for the finding forms.
    /// Unified controls for the control result form (`IAM-01 — title`).
    control_choices: Vec<Choice>,
    /// The tenant's evidence items for the result forms' evidence links (`title (freshness)`).
    evidence_choices: Vec<Choice>,
    severities: Vec<&'static str>,
    finding_statuses: Vec<&'static str>,
    remediation_statuses: Vec<&'static str>,
}

fn result_row(id: &str, title: String, r: &probity_core::assurance::ItemResult) -> ResultRow {
    ResultRow {
        id: id.to_owned(),
        title,
        status: r.status.as_str(),
        rationale: r.rationale.clone().unwrap_or_default(),
        reviewer: r
            .reviewer
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        recorded_by: r.updated_by.name.clone(),
        recorded_at: show_time(r.updated_at),
        evidence: r.evidence_ids.len(),
    }
}

fn trend(view: &AssessmentView) -> String {
    let history = &view.assessment.score_history;
    let shown = history
        .get(history.len().saturating_sub(TREND_POINTS)..)
        .unwrap_or_default();
    let last = shown.len().saturating_sub(1);
    let points: Vec<Point> = shown
        .iter()
        .enumerate()
        .map(|(i, s)| Point {
            label: if i == 0 || i == last {
                s.at.format("%m-%d").to_string()
            } else {
                String::new()
            },
            value: s.score,
            title: format!("{}: {}", show_time(s.at), s.score),
        })
        .collect();
    let summary = match (shown.first(), shown.last()) {
        (Some(first), Some(now)) => format!(
            "Score after each of the last {} change(s): from {} to {} out of 100",
            shown.len(),
            first.score,
            now.score
        ),
        _ => "No score changes yet".to_owned(),
    };
    line_chart(
        &points,
        100.0,
        ChartSize {
            width: 320,
            height: 150,
        },
        &summary,
    )
}

/// The requirement the result form offers: the first one without a result after `recorded`
/// (the one just recorded), wrapping round; empty when every one has a result.
fn next_without_result(
    ids: &[String],
    recorded: Option<&str>,
    has_result: impl Fn(&str) -> bool,
) -> String {
    let after = recorded
        .and_then(|r| ids.iter().position(|x| x == r))
        .map_or(0, |i| i + 1);
    ids.iter()
        .skip(after)
        .chain(ids.iter())
        .find(|r| !has_result(r))
        .cloned()
        .unwrap_or_default()
}

/// `GET /assessments/{id}`.
pub async fn assessment(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ComplianceAssessmentId>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.assurance();
    let view = match service.assessment(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let catalog = service.catalog();
    // The result forms link evidence: only assessors see them, so only they need the list.
    let evidence_choices = if can_assess(&who) {
        match service.evidence_list(&who.principal).await {
            Ok(items) => items
                .into_iter()
                .map(|e| Choice {
                    value: e.item.id.to_string(),
                    label: format!("{} ({})", e.item.title, e.freshness),
                    selected: false,
                })
                .collect(),
            Err(e) => return error_page(&e),
        }
    } else {
        Vec::new()
    };
    let a = &view.assessment;
    let sign_off = match &a.sign_off {
        None => None,
        Some(s) => {
            let (verifies, problems) = match service.verify_sign_off(&who.principal, id).await {
                Ok(check) => (check.valid, check.problems),
                Err(e) => (
                    false,
                    vec![format!("the sign-off could not be checked: {e}")],
                ),
            };
            Some(SignOffView {
                by: s.signed_by.name.clone(),
                at: show_time(s.signed_at),
                statement: s.statement.clone().unwrap_or_default(),
                note: s.note.clone(),
                verifier_key: s.verifier_key.clone(),
                signed_sha256: s.content_sha256.clone(),
                verifies,
                problems,
            })
        }
    };
    let ids = scope_ids(catalog, &a.framework_id, a.baseline_id.as_deref());
    let title_of = |req: &str| {
        catalog
            .requirement(&a.framework_id, req)
            .map(|r| r.title.clone())
            .unwrap_or_default()
    };
    let mut results: Vec<ResultRow> = ids
        .iter()
        .filter_map(|req| {
            a.requirements
                .get(req)
                .map(|r| result_row(req, title_of(req), r))
        })
        .collect();
    // Results outside today's scope (a baseline changed) still show, after the others.
    results.extend(
        a.requirements
            .iter()
            .filter(|(req, _)| !ids.contains(req))
            .map(|(req, r)| result_row(req, title_of(req), r)),
    );
    let control_results = a
        .controls
        .iter()
        .map(|(c, r)| {
            let title = catalog
                .control(c)
                .map(|x| x.title.clone())
                .unwrap_or_default();
            result_row(c, title, r)
        })
        .collect();
    let selected = next_without_result(&ids, q.recorded.as_deref(), |r| {
        a.requirements.contains_key(r)
    });
    let scope = ids
        .iter()
        .map(|req| {
            let title = title_of(req);
            Choice {
                value: req.clone(),
                label: if title.is_empty() {
                    req.clone()
                } else {
                    format!("{req} — {title}")
                },
                selected: *req == selected,
            }
        })
        .collect();
    let statuses = ResultStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: words(s.as_str()),
            selected: *s == ResultStatus::Compliant,
        })
        .collect();
    let open_by_severity = ["critical", "high", "medium", "low"]
        .into_iter()
        .filter_map(|s| {
            view.scores
                .open_findings
                .get(s)
                .copied()
                .filter(|n| *n > 0)
                .map(|n| (s, n))
        })
        .collect();
    let by_status = ResultStatus::ALL
        .iter()
        .filter_map(|s| {
            view.scores
                .by_status
                .get(s.as_str())
                .copied()
                .filter(|n| *n > 0)
                .map(|n| (words(s.as_str()), n))
        })
        .collect();
    let recorded = q
        .recorded
        .filter(|r| a.requirements.contains_key(r))
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &AssessmentPage {
            shell: who.shell(
                Some(Section::Compliance),
                &format!("{} v{}", a.reference, a.version),
            ),
            tab: Tab::Assessments,
            id: a.id.to_string(),
            framework: framework_name(catalog, &a.framework_id),
            state: a.state.as_str(),
            lead: a.lead.name.clone(),
            team: a
                .team
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            trend_svg: trend(&view),
            by_status,
            open_by_severity,
            in_scope: ids.len(),
            results,
            control_results,
            sign_off,
            can_record: a.state == AssessmentPhase::InProgress && can_assess(&who),
            can_sign: a.state == AssessmentPhase::InProgress
                && can_assess(&who)
                && a.lead.id == probity_core::governance::service::party(&who.principal).id,
            can_continue: a.state == AssessmentPhase::SignedOff && can_assess(&who),
            scope,
            statuses,
            today: state.platform().clock().now().date_naive(),
            recorded,
            view,
            control_choices: catalog
                .controls()
                .iter()
                .map(|c| Choice {
                    value: c.id.clone(),
                    label: format!("{} — {}", c.id, c.title),
                    selected: false,
                })
                .collect(),
            evidence_choices,
            severities: FindingSeverity::ALL.iter().map(|s| s.as_str()).collect(),
            finding_statuses: FindingStatus::ALL.iter().map(|s| s.as_str()).collect(),
            remediation_statuses: RemediationStatus::ALL.iter().map(|s| s.as_str()).collect(),
        },
    )
}

/// `POST /assessments/{id}/results`: a requirement's result — `requirement`, `status`,
/// `rationale`, `evidence` (repeated), `reviewed`.
pub async fn record_result(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ComplianceAssessmentId>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| super::form::field(&pairs, name);
    if !who.csrf_ok(&state, field("csrf")) {
        return csrf_refused();
    }
    let Some(status) = ResultStatus::parse(field("status")) else {
        return error_page(&DomainError::invalid("status", "choose a listed status"));
    };
    let rationale = field("rationale");
    let req = ResultInput {
        status,
        rationale: (!rationale.is_empty()).then(|| rationale.to_owned()),
        evidence_ids: match super::assurance_forms::evidence_ids(&pairs) {
            Ok(ids) => ids,
            Err(e) => return error_page(&e),
        },
        reviewed: !field("reviewed").is_empty(),
    };
    let requirement = field("requirement");
    match state
        .assurance()
        .record_requirement(&who.principal, id, requirement, &req)
        .await
    {
        Ok(_) => see_other(&format!(
            "/assessments/{id}?recorded={}",
            query_escape(requirement)
        )),
        Err(e) => error_page(&e),
    }
}

/// The sign-off form: the content hash the lead read, and their statement.
#[derive(Debug, Deserialize)]
pub struct SignOffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    content_sha256: String,
    #[serde(default)]
    statement: String,
}

/// `POST /assessments/{id}/sign-off`: the lead assessor signs the version they read off (the
/// same use case as the API: refused when the content changed since the page was rendered).
pub async fn sign_off(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ComplianceAssessmentId>,
    Form(f): Form<SignOffForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    let statement = f.statement.trim();
    let req = NewSignOff {
        content_sha256: f.content_sha256,
        statement: (!statement.is_empty()).then(|| statement.to_owned()),
    };
    match state.assurance().sign_off(&who.principal, id, &req).await {
        Ok(_) => see_other(&format!("/assessments/{id}#sign-off")),
        Err(e) => error_page(&e),
    }
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /assessments/{id}/versions`: starts the next version of a signed-off assessment and
/// shows it.
pub async fn new_version(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ComplianceAssessmentId>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state
        .assurance()
        .new_assessment_version(&who.principal, id)
        .await
    {
        Ok(v) => see_other(&format!("/assessments/{}", v.assessment.id)),
        Err(e) => error_page(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// Evidence

/// An evidence row.
#[derive(Debug, Clone)]
pub struct EvidenceRow {
    /// Id.
    pub id: String,
    /// `EV-0001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Unified controls.
    pub controls: Vec<String>,
    /// Latest version number.
    pub latest: u32,
    /// When the latest version was collected.
    pub collected: String,
    /// When it expires (empty: never).
    pub expires: String,
    /// `current`, `expiring`, `expired` or `no_expiry`.
    pub freshness: String,
}

fn evidence_row(v: &EvidenceView) -> EvidenceRow {
    let latest = v.versions.first();
    EvidenceRow {
        id: v.item.id.to_string(),
        reference: v.item.reference.clone(),
        title: v.item.title.clone(),
        controls: v.item.control_ids.clone(),
        latest: v.item.current_version,
        collected: latest
            .map(|l| day(l.collected_at.date_naive()))
            .unwrap_or_default(),
        expires: latest
            .and_then(|l| l.expires_at)
            .map(|at| day(at.date_naive()))
            .unwrap_or_default(),
        freshness: v.freshness.clone(),
    }
}

/// A freeze row.
#[derive(Debug, Clone)]
pub struct FreezeRow {
    /// Name.
    pub name: String,
    /// Period.
    pub period: String,
    /// Items frozen.
    pub items: usize,
    /// Manifest SHA-256.
    pub manifest: String,
    /// Its first digits.
    pub manifest_short: String,
    /// Frozen by, when.
    pub frozen: String,
}

#[derive(Template)]
#[template(path = "assurance_evidence.html")]
struct EvidenceListPage {
    shell: Shell,
    tab: Tab,
    rows: Vec<EvidenceRow>,
    freezes: Vec<FreezeRow>,
    current: usize,
    expiring: usize,
    expired: usize,
    /// The viewer may upload and freeze (the forms show).
    can_write: bool,
    /// Assessments a freeze may be limited to.
    assessments: Vec<Choice>,
    /// A freeze just made.
    frozen: String,
}

/// `?frozen=` after the freeze form.
#[derive(Debug, Default, Deserialize)]
pub struct FrozenQuery {
    #[serde(default)]
    frozen: Option<String>,
}

/// `GET /evidence`: every item with its freshness, the freezes, and the upload and freeze
/// forms.
pub async fn evidence_list(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<FrozenQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.assurance();
    let (items, freezes) = match (
        service.evidence_list(&who.principal).await,
        service.freezes(&who.principal).await,
    ) {
        (Ok(i), Ok(f)) => (i, f),
        (Err(e), _) | (_, Err(e)) => return error_page(&e),
    };
    let rows: Vec<EvidenceRow> = items.iter().map(evidence_row).collect();
    let count = |f: &str| rows.iter().filter(|r| r.freshness == f).count();
    let can_write = can_write(&who);
    let assessments = if can_write {
        match service.assessments(&who.principal).await {
            Ok(all) => all
                .iter()
                .map(|v| Choice {
                    value: v.assessment.id.to_string(),
                    label: format!(
                        "{} v{} — {}",
                        v.assessment.reference, v.assessment.version, v.assessment.title
                    ),
                    selected: false,
                })
                .collect(),
            Err(e) => return error_page(&e),
        }
    } else {
        Vec::new()
    };
    let frozen = q
        .frozen
        .and_then(|id| freezes.iter().find(|f| f.id.to_string() == id))
        .map(|f| f.name.clone())
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &EvidenceListPage {
            shell: who.shell(Some(Section::Compliance), "Evidence"),
            tab: Tab::Evidence,
            current: count("current") + count("no_expiry"),
            expiring: count("expiring"),
            expired: count("expired"),
            can_write,
            assessments,
            frozen,
            rows,
            freezes: freezes
                .into_iter()
                .map(|f| FreezeRow {
                    name: f.name,
                    period: format!("{} – {}", day(f.period_start), day(f.period_end)),
                    items: f.items.len(),
                    manifest_short: short(&f.manifest_sha256),
                    manifest: f.manifest_sha256,
                    frozen: format!("{}, {}", f.frozen_by.name, show_time(f.frozen_at)),
                })
                .collect(),
        },
    )
}

/// A version of an evidence item.
#[derive(Debug, Clone)]
pub struct VersionRow {
    /// 1, 2, ...
    pub number: u32,
    /// File name, or `JSON document`.
    pub what: String,
    /// Media type.
    pub media_type: String,
    /// SHA-256.
    pub sha256: String,
    /// Its first digits.
    pub sha_short: String,
    /// Size.
    pub size: String,
    /// Uploaded by, when.
    pub uploaded: String,
    /// Collected.
    pub collected: String,
    /// Expires (empty: never).
    pub expires: String,
    /// What it changes.
    pub note: String,
    /// The download link (the API route; the session cookie works there).
    pub href: String,
}

#[derive(Template)]
#[template(path = "assurance_evidence_item.html")]
struct EvidencePage {
    shell: Shell,
    tab: Tab,
    view: EvidenceView,
    versions: Vec<VersionRow>,
    created: String,
    /// Assessments citing it: id and `ASM-0001 v2`.
    cited: Vec<(String, String)>,
    /// The viewer may upload a new version and edit the links (the forms show).
    can_write: bool,
    /// Assessments it may be cited in, those citing it selected.
    assessments: Vec<Choice>,
}

/// `GET /evidence/{id}`: recorded as an `evidence.viewed` custody event.
pub async fn evidence(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<EvidenceId>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.assurance();
    let view = match service.evidence(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let editable = can_write(&who);
    let all = if view.item.assessment_ids.is_empty() && !editable {
        Vec::new()
    } else {
        match service.assessments(&who.principal).await {
            Ok(all) => all,
            Err(e) => return error_page(&e),
        }
    };
    let name = |a: &AssessmentView| format!("{} v{}", a.assessment.reference, a.assessment.version);
    let cited = all
        .iter()
        .filter(|a| view.item.assessment_ids.contains(&a.assessment.id))
        .map(|a| (a.assessment.id.to_string(), name(a)))
        .collect();
    let assessments = all
        .iter()
        .map(|a| Choice {
            value: a.assessment.id.to_string(),
            label: format!("{} — {}", name(a), a.assessment.title),
            selected: view.item.assessment_ids.contains(&a.assessment.id),
        })
        .collect();
    let versions = view
        .versions
        .iter()
        .map(|v| VersionRow {
            number: v.number,
            what: v
                .file_name
                .clone()
                .unwrap_or_else(|| "JSON document".to_owned()),
            media_type: v.media_type.clone(),
            sha256: v.sha256.clone(),
            sha_short: short(&v.sha256),
            size: size(v.size),
            uploaded: format!("{}, {}", v.uploaded_by.name, show_time(v.uploaded_at)),
            collected: show_time(v.collected_at),
            expires: v.expires_at.map(show_time).unwrap_or_default(),
            note: v.note.clone().unwrap_or_default(),
            href: format!(
                "/api/v1/evidence/{}/versions/{}/content",
                v.evidence_id, v.number
            ),
        })
        .collect();
    render(
        StatusCode::OK,
        &EvidencePage {
            shell: who.shell(Some(Section::Compliance), &view.item.title),
            tab: Tab::Evidence,
            created: format!(
                "{}, {}",
                view.item.created_by.name,
                show_time(view.item.created_at)
            ),
            versions,
            cited,
            can_write: editable,
            assessments,
            view,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Control tests

/// The input sources the edit form offers: wire name and label.
const COLLECTOR_KINDS: &[(&str, &str)] = &[
    ("push", "pushed through the API"),
    ("http", "HTTP GET of a JSON URL"),
    ("file", "a JSON file on the server"),
    ("probity", "Probity's own records"),
];

fn collector(c: &Collector) -> String {
    match c {
        Collector::Push => "pushed input".to_owned(),
        Collector::Http { url } => format!("HTTP GET {url}"),
        Collector::File { path } => format!("file {path}"),
        Collector::Probity { source } => format!("Probity's {source}"),
    }
}

fn schedule(t: &ControlTest) -> String {
    match (&t.schedule, t.enabled) {
        (Some(s), true) => s.clone(),
        (Some(s), false) => format!("{s} (paused)"),
        (None, _) => "on push or on demand".to_owned(),
    }
}

fn result_name(r: Option<TestResult>) -> &'static str {
    r.map_or("not_run", TestResult::as_str)
}

/// A control test row.
#[derive(Debug, Clone)]
pub struct TestRow {
    /// Id.
    pub id: String,
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Unified controls.
    pub controls: Vec<String>,
    /// Input source.
    pub collector: String,
    /// Schedule.
    pub schedule: String,
    /// `pass`, `fail`, `error` or `not_run`.
    pub result: &'static str,
    /// Latest run (empty: never).
    pub last_run: String,
}

#[derive(Template)]
#[template(path = "assurance_tests.html")]
struct TestsPage {
    shell: Shell,
    tab: Tab,
    rows: Vec<TestRow>,
    failing: usize,
    erring: usize,
    can_write: bool,
    installed: Option<usize>,
    /// The tenant's decision policies.
    policies: Vec<probity_core::assurance::DecisionPolicy>,
    /// A decision policy version just saved (`key v2`).
    saved_policy: String,
}

/// `GET /control-tests`.
pub async fn control_tests(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let service = state.assurance();
    let (tests, policies) = match (
        service.control_tests(&who.principal).await,
        service.decision_policies(&who.principal).await,
    ) {
        (Ok(t), Ok(p)) => (t, p),
        (Err(e), _) | (_, Err(e)) => return error_page(&e),
    };
    let saved_policy = q
        .updated
        .as_deref()
        .and_then(|key| policies.iter().find(|p| p.key == key))
        .map(|p| format!("{} v{}", p.key, p.version))
        .unwrap_or_default();
    let rows: Vec<TestRow> = tests
        .iter()
        .map(|t| TestRow {
            id: t.id.to_string(),
            key: t.key.clone(),
            title: t.title.clone(),
            controls: t.control_ids.clone(),
            collector: collector(&t.collector),
            schedule: schedule(t),
            result: result_name(t.last_result),
            last_run: t.last_run_at.map(show_time).unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        &TestsPage {
            shell: who.shell(Some(Section::Compliance), "Control tests"),
            tab: Tab::ControlTests,
            failing: rows.iter().filter(|r| r.result == "fail").count(),
            erring: rows.iter().filter(|r| r.result == "error").count(),
            rows,
            can_write: can_write(&who),
            installed: q.installed,
            policies,
            saved_policy,
        },
    )
}

/// `POST /control-tests/starter-pack`: installs the shipped tests the tenant lacks.
pub async fn install_starter_pack(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.assurance().install_starter_pack(&who.principal).await {
        Ok(added) => see_other(&format!("/control-tests?installed={}", added.len())),
        Err(e) => error_page(&e),
    }
}

/// A run of a control test.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// Started.
    pub at: String,
    /// `push`, `schedule`, `manual`.
    pub trigger: String,
    /// `pass`, `fail`, `error`.
    pub result: &'static str,
    /// Violation messages.
    pub violations: Vec<String>,
    /// What went wrong.
    pub error: String,
    /// Input SHA-256 (empty: none).
    pub input_sha256: String,
    /// Its first digits.
    pub input_short: String,
    /// Evaluation time.
    pub duration: String,
}

#[derive(Template)]
#[template(path = "assurance_test.html")]
struct TestPage {
    shell: Shell,
    tab: Tab,
    view: ControlTestView,
    collector: String,
    schedule: String,
    result: &'static str,
    last_run: String,
    next_run: String,
    runs: Vec<RunRow>,
    can_write: bool,
    ran: &'static str,
    /// Whether the input is pushed (a run re-evaluates the latest one).
    pushed: bool,
    /// The edit form's input source (`push`, `http`, `file`, `probity`) and its target.
    collector_kind: &'static str,
    collector_target: String,
    collector_kinds: &'static [(&'static str, &'static str)],
    /// The test was just edited.
    updated: bool,
}

/// `GET /control-tests/{id}`.
pub async fn control_test(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ControlTestId>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let view = match state.assurance().control_test(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let runs = view
        .runs
        .iter()
        .map(|r| {
            let sha = r.input_sha256.clone().unwrap_or_default();
            RunRow {
                at: show_time(r.started_at),
                trigger: r.trigger.clone(),
                result: r.result.as_str(),
                violations: r.violations.clone(),
                error: r.error.clone().unwrap_or_default(),
                input_short: short(&sha),
                input_sha256: sha,
                duration: format!("{:.1} ms", r.duration_us as f64 / 1000.0),
            }
        })
        .collect();
    let t = &view.test;
    render(
        StatusCode::OK,
        &TestPage {
            shell: who.shell(Some(Section::Compliance), &t.title),
            tab: Tab::ControlTests,
            collector: collector(&t.collector),
            pushed: t.collector == Collector::Push,
            collector_kind: match &t.collector {
                Collector::Push => "push",
                Collector::Http { .. } => "http",
                Collector::File { .. } => "file",
                Collector::Probity { .. } => "probity",
            },
            collector_target: match &t.collector {
                Collector::Push => String::new(),
                Collector::Http { url } => url.clone(),
                Collector::File { path } => path.clone(),
                Collector::Probity { source } => source.clone(),
            },
            collector_kinds: COLLECTOR_KINDS,
            updated: q.updated.is_some(),
            schedule: schedule(t),
            result: result_name(t.last_result),
            last_run: t.last_run_at.map(show_time).unwrap_or_default(),
            next_run: t.next_run_at.map(show_time).unwrap_or_default(),
            runs,
            can_write: can_write(&who),
            ran: q
                .ran
                .as_deref()
                .and_then(TestResult::parse)
                .map_or("", TestResult::as_str),
            view,
        },
    )
}

/// `POST /control-tests/{id}/run`: runs the test now.
pub async fn run_control_test(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ControlTestId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !who.csrf_ok(&state, &f.csrf) {
        return csrf_refused();
    }
    match state.assurance().run_control_test(&who.principal, id).await {
        Ok(run) => see_other(&format!("/control-tests/{id}?ran={}", run.result.as_str())),
        Err(e) => error_page(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// Gap analysis

/// The gap analysis query.
#[derive(Debug, Default, Deserialize)]
pub struct GapQuery {
    #[serde(default)]
    framework: Option<String>,
    #[serde(default)]
    show: Option<String>,
}

/// A mapped control in a gap row.
#[derive(Debug, Clone)]
pub struct GapControlRow {
    /// Unified control id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Relationship, in words.
    pub relationship: String,
    /// Implementation status (wire).
    pub implementation: &'static str,
    /// Test health (wire).
    pub health: &'static str,
    /// Evidence, in words.
    pub evidence: String,
}

/// A requirement of the gap analysis.
#[derive(Debug, Clone)]
pub struct GapRow {
    /// Requirement id.
    pub requirement: String,
    /// Title.
    pub title: String,
    /// `met`, `partial`, `gap`, `not_applicable`.
    pub status: &'static str,
    /// The assessor's status, in words (empty: not assessed).
    pub assessed: String,
    /// Mapped controls.
    pub controls: Vec<GapControlRow>,
    /// Carried over from other frameworks, in words.
    pub carried: Vec<String>,
    /// What is missing.
    pub missing: Vec<String>,
}

fn gap_row(i: GapItem) -> GapRow {
    GapRow {
        status: i.status.as_str(),
        assessed: i.assessed.map(|s| words(s.as_str())).unwrap_or_default(),
        controls: i
            .controls
            .into_iter()
            .map(|c| GapControlRow {
                relationship: words(c.relationship.as_str()),
                implementation: c.implementation.as_str(),
                health: c.health.as_str(),
                evidence: match (c.evidence_current, c.evidence_expired) {
                    (0, 0) => "no evidence".to_owned(),
                    (n, 0) => format!("{n} evidence"),
                    (n, x) => format!("{n} evidence, {x} expired"),
                },
                id: c.control,
                title: c.title,
            })
            .collect(),
        carried: i
            .carried_over
            .into_iter()
            .map(|c| {
                format!(
                    "{} ({}): {} in {}",
                    c.from,
                    words(c.relationship.as_str()),
                    words(c.assessed.as_str()),
                    c.assessment
                )
            })
            .collect(),
        missing: i.missing,
        requirement: i.requirement,
        title: i.title,
    }
}

#[derive(Template)]
#[template(path = "assurance_gaps.html")]
struct GapsPage {
    shell: Shell,
    tab: Tab,
    name: String,
    frameworks: Vec<Choice>,
    baselines: Vec<Choice>,
    totals: GapTotals,
    rows: Vec<GapRow>,
    open_only: bool,
    matrix_href: String,
    is_soc2: bool,
}

/// `GET /compliance/gaps?framework=`: per requirement, what the controls, tests, evidence and
/// other frameworks' assessments carry, and what is missing.
pub async fn gaps(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<GapQuery>,
) -> Response {
    if let Some(r) = refused(&who) {
        return r;
    }
    let scope = q
        .framework
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or(DEFAULT_FRAMEWORK)
        .to_owned();
    let service = state.assurance();
    let gap = match service.gap_analysis(&who.principal, &scope).await {
        Ok(g) => g,
        Err(e) => return error_page(&e),
    };
    let catalog = service.catalog();
    let open_only = q.show.as_deref() == Some("open");
    let rows = gap
        .items
        .into_iter()
        .filter(|i| !open_only || matches!(i.status.as_str(), "gap" | "partial"))
        .map(gap_row)
        .collect();
    let mut name = framework_name(catalog, &gap.framework);
    if let Some(b) = gap.baseline.as_deref().and_then(|b| catalog.baseline(b)) {
        name = format!("{name}, {}", b.name);
    }
    render(
        StatusCode::OK,
        &GapsPage {
            shell: who.shell(Some(Section::Compliance), "Gap analysis"),
            tab: Tab::Gaps,
            frameworks: catalog
                .frameworks()
                .map(|f| Choice {
                    value: f.info.id.clone(),
                    label: f.info.name.clone(),
                    selected: f.info.id == scope,
                })
                .collect(),
            baselines: catalog
                .baselines()
                .iter()
                .map(|b| Choice {
                    value: b.id.clone(),
                    label: b.name.clone(),
                    selected: b.id == scope,
                })
                .collect(),
            matrix_href: format!(
                "/api/v1/compliance/matrix?framework={}&format=csv",
                query_escape(&scope)
            ),
            is_soc2: scope == DEFAULT_FRAMEWORK,
            totals: gap.totals,
            name,
            rows,
            open_only,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Dashboard widgets

/// Frameworks shown on the dashboard's posture widget.
const POSTURE_ROWS: usize = 6;
/// Items listed on the dashboard's test and evidence widgets.
const ALERT_ROWS: usize = 6;

/// One framework on the dashboard.
#[derive(Debug, Clone)]
pub struct PostureRow {
    /// Framework id.
    pub framework: String,
    /// Name.
    pub name: String,
    /// Percent met (partial counts half).
    pub percent: f64,
    /// Requirements met.
    pub met: usize,
    /// Partly met.
    pub partial: usize,
    /// Requirements (applicable).
    pub applicable: usize,
}

/// The dashboard's compliance posture.
#[derive(Debug, Clone)]
pub struct PostureWidget {
    /// The best-placed frameworks.
    pub rows: Vec<PostureRow>,
    /// Frameworks not shown.
    pub more: usize,
    /// Whether anything is met or partly met anywhere.
    pub any: bool,
}

/// Loads the posture widget: the frameworks with the highest share met first.
pub async fn posture_widget(
    state: &AppState,
    who: &SignedIn,
) -> Result<PostureWidget, DomainError> {
    let mut all: Vec<PostureRow> = state
        .assurance()
        .posture(&who.principal)
        .await?
        .into_iter()
        .map(|p| PostureRow {
            framework: p.framework,
            name: p.name,
            percent: p.totals.percent,
            met: p.totals.met,
            partial: p.totals.partial,
            applicable: p
                .totals
                .requirements
                .saturating_sub(p.totals.not_applicable),
        })
        .collect();
    all.sort_by(|a, b| {
        b.percent
            .total_cmp(&a.percent)
            .then_with(|| a.name.cmp(&b.name))
    });
    let any = all.iter().any(|r| r.met + r.partial > 0);
    let more = all.len().saturating_sub(POSTURE_ROWS);
    all.truncate(POSTURE_ROWS);
    Ok(PostureWidget {
        rows: all,
        more,
        any,
    })
}

/// A failing or erring test on the dashboard.
#[derive(Debug, Clone)]
pub struct TestAlertRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `fail` or `error`.
    pub result: &'static str,
    /// When it last ran.
    pub last_run: String,
}

/// The dashboard's failing control tests.
#[derive(Debug, Clone)]
pub struct TestsWidget {
    /// Tests.
    pub total: usize,
    /// Failing or erring ones (the first few).
    pub alerts: Vec<TestAlertRow>,
    /// How many fail or err in all.
    pub alerting: usize,
}

/// Loads the failing-tests widget.
pub async fn tests_widget(state: &AppState, who: &SignedIn) -> Result<TestsWidget, DomainError> {
    let tests = state.assurance().control_tests(&who.principal).await?;
    let mut alerts: Vec<TestAlertRow> = tests
        .iter()
        .filter(|t| matches!(t.last_result, Some(TestResult::Fail | TestResult::Error)))
        .map(|t| TestAlertRow {
            id: t.id.to_string(),
            title: t.title.clone(),
            result: result_name(t.last_result),
            last_run: t.last_run_at.map(show_time).unwrap_or_default(),
        })
        .collect();
    // Failures before errors.
    alerts.sort_by_key(|a| a.result != "fail");
    let alerting = alerts.len();
    alerts.truncate(ALERT_ROWS);
    Ok(TestsWidget {
        total: tests.len(),
        alerts,
        alerting,
    })
}

/// The dashboard's open findings.
#[derive(Debug, Clone)]
pub struct FindingsWidget {
    /// Assessments that count (not superseded).
    pub assessments: usize,
    /// Open findings by severity, most severe first (zero counts left out).
    pub by_severity: Vec<(&'static str, usize)>,
    /// Open findings in all.
    pub total: usize,
}

/// Loads the open-findings widget (superseded versions do not count).
pub async fn findings_widget(
    state: &AppState,
    who: &SignedIn,
) -> Result<FindingsWidget, DomainError> {
    let views = state.assurance().assessments(&who.principal).await?;
    let live: Vec<&AssessmentView> = views
        .iter()
        .filter(|v| v.assessment.state != AssessmentPhase::Superseded)
        .collect();
    let by_severity: Vec<(&'static str, usize)> = ["critical", "high", "medium", "low"]
        .into_iter()
        .map(|s| {
            let n = live
                .iter()
                .flat_map(|v| &v.assessment.findings)
                .filter(|f| f.status == FindingStatus::Open && f.severity.as_str() == s)
                .count();
            (s, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(FindingsWidget {
        assessments: live.len(),
        total: by_severity.iter().map(|(_, n)| n).sum(),
        by_severity,
    })
}

/// The dashboard's expiring evidence.
#[derive(Debug, Clone)]
pub struct EvidenceWidget {
    /// Items.
    pub total: usize,
    /// Expired items.
    pub expired: usize,
    /// Expiring items.
    pub expiring: usize,
    /// The first few of both, expired first.
    pub rows: Vec<EvidenceRow>,
}

/// Loads the expiring-evidence widget.
pub async fn evidence_widget(
    state: &AppState,
    who: &SignedIn,
) -> Result<EvidenceWidget, DomainError> {
    let items = state.assurance().evidence_list(&who.principal).await?;
    let mut rows: Vec<EvidenceRow> = items
        .iter()
        .filter(|v| matches!(v.freshness.as_str(), "expired" | "expiring"))
        .map(evidence_row)
        .collect();
    rows.sort_by(|a, b| {
        (a.freshness != "expired", &a.expires).cmp(&(b.freshness != "expired", &b.expires))
    });
    let expired = rows.iter().filter(|r| r.freshness == "expired").count();
    let expiring = rows.len().saturating_sub(expired);
    rows.truncate(ALERT_ROWS);
    Ok(EvidenceWidget {
        total: items.len(),
        expired,
        expiring,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn the_form_offers_the_next_requirement_without_a_result() {
        let ids: Vec<String> = ["A", "B", "C", "D"].map(str::to_owned).to_vec();
        let done = |set: &'static [&'static str]| move |r: &str| set.contains(&r);
        assert_eq!(next_without_result(&ids, None, done(&[])), "A");
        assert_eq!(next_without_result(&ids, None, done(&["A", "B"])), "C");
        assert_eq!(next_without_result(&ids, Some("B"), done(&["B"])), "C");
        assert_eq!(next_without_result(&ids, Some("D"), done(&["B", "D"])), "A");
        assert_eq!(next_without_result(&ids, Some("nope"), done(&["A"])), "B");
        assert_eq!(
            next_without_result(&ids, Some("C"), done(&["A", "B", "C", "D"])),
            ""
        );
    }

    #[test]
    fn short_hashes_never_panic() {
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"f".repeat(64)), "ffffffffffff");
    }
}
