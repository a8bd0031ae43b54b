//! The write forms of the assurance pages: start an assessment, raise a finding and change
//! its status and remediation plan, upload evidence (a file or a JSON document) and new
//! versions of it, freeze the evidence of a period, and add a control test. Each form calls
//! the same use case as its API route, so the checks, the audit events and the errors are the
//! API's; a refused form shows the error page naming the field.

use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::response::Response;
use base64::Engine;
use chrono::NaiveDate;
use probity_core::DomainError;
use probity_core::assurance::assessment::{FindingInput, NewAssessment, RemediationInput};
use probity_core::assurance::evidence::{
    EvidenceUpdate, NewEvidence, NewEvidenceVersion, NewFreeze,
};
use probity_core::assurance::monitor::{
    NewControlTest, NewDecisionPolicy, PolicyDecision, TestUpdate,
};
use probity_core::assurance::{
    Collector, ComplianceAssessmentId, ControlTestId, EvidenceContent, EvidenceId, FindingSeverity,
    FindingStatus, Milestone, RemediationStatus, ResultInput, ResultStatus,
};
use probity_core::platform::UserId;

use super::form::{all, field};
use super::session::{SignedIn, csrf_refused};
use super::view::query_escape;
use super::{error_page, see_other};
use crate::state::AppState;

/// The largest evidence upload form: the API's evidence body limit (a 10 MiB file and the
/// other fields).
pub const EVIDENCE_FORM_LIMIT: usize = crate::api::assurance::EVIDENCE_BODY_LIMIT;

/// The fields of a posted form in order, repeated names kept (multi-selects).
type Pairs = Vec<(String, String)>;

fn optional(pairs: &Pairs, name: &str) -> Option<String> {
    let v = field(pairs, name);
    (!v.is_empty()).then(|| v.to_owned())
}

/// The evidence items chosen in a result form's `evidence` list.
pub(super) fn evidence_ids(pairs: &Pairs) -> Result<Vec<EvidenceId>, DomainError> {
    all(pairs, "evidence")
        .into_iter()
        .map(|v| {
            v.parse::<uuid::Uuid>()
                .map(EvidenceId)
                .map_err(|_| DomainError::invalid("evidence", "choose listed evidence items"))
        })
        .collect()
}

/// Milestones, one per line as `YYYY-MM-DD what` (`[x] ` in front when done); the error
/// names `field` and the line.
pub(super) fn milestones(field: &str, text: &str) -> Result<Vec<Milestone>, DomainError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (done, rest) = match line.strip_prefix("[x]").or(line.strip_prefix("[X]")) {
                Some(rest) => (true, rest.trim_start()),
                None => (false, line.strip_prefix("[ ]").unwrap_or(line).trim_start()),
            };
            let (day, title) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let due = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                DomainError::invalid(
                    format!("{field}.{i}"),
                    "start each milestone with its date, YYYY-MM-DD, then what is due",
                )
            })?;
            Ok(Milestone {
                title: title.trim().to_owned(),
                due,
                done,
            })
        })
        .collect()
}

/// Ids typed into one box, separated by commas, spaces or new lines.
fn ids(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if !id.is_empty() && !out.iter().any(|x| x == id) {
            out.push(id.to_owned());
        }
    }
    out
}

fn date(pairs: &Pairs, name: &str) -> Result<Option<NaiveDate>, DomainError> {
    match field(pairs, name) {
        "" => Ok(None),
        v => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| DomainError::invalid(name, "give a date as YYYY-MM-DD")),
    }
}

fn required_date(pairs: &Pairs, name: &str) -> Result<NaiveDate, DomainError> {
    date(pairs, name)?.ok_or_else(|| DomainError::invalid(name, "give a date as YYYY-MM-DD"))
}

fn checked(who: &SignedIn, state: &AppState, pairs: &Pairs) -> Option<Response> {
    (!who.csrf_ok(state, field(pairs, "csrf"))).then(csrf_refused)
}

// ---------------------------------------------------------------------------------------------
// Assessments

/// `POST /assessments`: `framework` (a framework or baseline id), `title` (optional), `scope`,
/// `period_start`, `period_end`, `lead` (a member's user id; default the caller) and `team`
/// (repeated).
pub async fn create_assessment(
    State(state): State<AppState>,
    who: SignedIn,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let member = |name: &str, v: &str| {
        v.parse::<UserId>()
            .map_err(|_| DomainError::invalid(name, "choose a listed member"))
    };
    let req = (|| {
        let lead = match field(&pairs, "lead") {
            "" => None,
            v => Some(member("lead", v)?),
        };
        let mut team = Vec::new();
        for (_, v) in pairs.iter().filter(|(k, v)| k == "team" && !v.is_empty()) {
            team.push(member("team", v)?);
        }
        Ok::<_, DomainError>(NewAssessment {
            title: optional(&pairs, "title"),
            framework: field(&pairs, "framework").to_owned(),
            scope: field(&pairs, "scope").to_owned(),
            period_start: required_date(&pairs, "period_start")?,
            period_end: required_date(&pairs, "period_end")?,
            lead,
            team,
        })
    })();
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .create_assessment(&who.principal, &req)
        .await
    {
        Ok(v) => see_other(&format!("/assessments/{}", v.assessment.id)),
        Err(e) => error_page(&e),
    }
}

/// `POST /assessments/{id}/controls`: a unified control's result — `control`, `status`,
/// `rationale`, `reviewed`.
pub async fn record_control(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ComplianceAssessmentId>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let Some(status) = ResultStatus::parse(field(&pairs, "status")) else {
        return error_page(&DomainError::invalid("status", "choose a listed status"));
    };
    let control = field(&pairs, "control");
    let req = ResultInput {
        status,
        rationale: optional(&pairs, "rationale"),
        evidence_ids: match evidence_ids(&pairs) {
            Ok(ids) => ids,
            Err(e) => return error_page(&e),
        },
        reviewed: !field(&pairs, "reviewed").is_empty(),
    };
    match state
        .assurance()
        .record_control(&who.principal, id, control, &req)
        .await
    {
        Ok(_) => see_other(&format!("/assessments/{id}#control-results")),
        Err(e) => error_page(&e),
    }
}

fn severity(pairs: &Pairs) -> Result<FindingSeverity, DomainError> {
    FindingSeverity::parse(field(pairs, "severity"))
        .ok_or_else(|| DomainError::invalid("severity", "choose low, medium, high or critical"))
}

/// The remediation item the form adds, if its title is filled in.
fn new_remediation(pairs: &Pairs) -> Result<Option<RemediationInput>, DomainError> {
    let Some(title) = optional(pairs, "remediation_title") else {
        return Ok(None);
    };
    Ok(Some(RemediationInput {
        title,
        owner: field(pairs, "remediation_owner").to_owned(),
        due: date(pairs, "remediation_due")?.ok_or_else(|| {
            DomainError::invalid("remediation_due", "give the item a due date, YYYY-MM-DD")
        })?,
        milestones: milestones(
            "remediation_milestones",
            field(pairs, "remediation_milestones"),
        )?,
        status: None,
    }))
}

/// `POST /assessments/{id}/findings`: `title`, `severity`, `description`, `requirements` and
/// `controls` (ids separated by commas or spaces), and optionally a first remediation item
/// (`remediation_title`, `remediation_owner`, `remediation_due`).
pub async fn add_finding(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ComplianceAssessmentId>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let req = (|| {
        Ok::<_, DomainError>(FindingInput {
            title: field(&pairs, "title").to_owned(),
            severity: severity(&pairs)?,
            description: optional(&pairs, "description"),
            requirement_ids: ids(field(&pairs, "requirements")),
            control_ids: ids(field(&pairs, "controls")),
            status: None,
            remediation: new_remediation(&pairs)?.into_iter().collect(),
        })
    })();
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .add_finding(&who.principal, id, &req)
        .await
    {
        Ok(v) => {
            let fid = v
                .assessment
                .findings
                .last()
                .map(|f| f.id.clone())
                .unwrap_or_default();
            see_other(&format!("/assessments/{id}#f-{fid}"))
        }
        Err(e) => error_page(&e),
    }
}

/// `POST /assessments/{id}/findings/{finding}`: the finding's `status`, each remediation
/// item's status as `r_<item id>`, and optionally a new item (`remediation_title`, ...). The
/// rest of the finding stays as it is.
pub async fn update_finding(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, finding)): Path<(ComplianceAssessmentId, String)>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let service = state.assurance();
    let current = match service.assessment(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let Some(f) = current.assessment.findings.iter().find(|f| f.id == finding) else {
        return error_page(&DomainError::NotFound(format!("finding {finding}")));
    };
    let req = (|| {
        let status = match field(&pairs, "status") {
            "" => f.status,
            v => FindingStatus::parse(v).ok_or_else(|| {
                DomainError::invalid("status", "choose open, risk accepted or closed")
            })?,
        };
        let mut remediation = Vec::new();
        for r in &f.remediation {
            let name = format!("r_{}", r.id);
            let status = match field(&pairs, &name) {
                "" => r.status,
                v => RemediationStatus::parse(v).ok_or_else(|| {
                    DomainError::invalid(name.clone(), "choose open, in progress or done")
                })?,
            };
            // The item's milestones box, when the form has one, replaces its milestones.
            let milestone_field = format!("m_{}", r.id);
            let milestones = if pairs.iter().any(|(k, _)| *k == milestone_field) {
                milestones(&milestone_field, field(&pairs, &milestone_field))?
            } else {
                r.milestones.clone()
            };
            remediation.push(RemediationInput {
                title: r.title.clone(),
                owner: r.owner.clone(),
                due: r.due,
                milestones,
                status: Some(status),
            });
        }
        remediation.extend(new_remediation(&pairs)?);
        Ok::<_, DomainError>(FindingInput {
            title: f.title.clone(),
            severity: f.severity,
            description: (!f.description.is_empty()).then(|| f.description.clone()),
            requirement_ids: f.requirement_ids.clone(),
            control_ids: f.control_ids.clone(),
            status: Some(status),
            remediation,
        })
    })();
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match service
        .update_finding(&who.principal, id, &finding, &req)
        .await
    {
        Ok(_) => see_other(&format!("/assessments/{id}#f-{}", query_escape(&finding))),
        Err(e) => error_page(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// Evidence

/// A part of an upload form: its name, and its file name, media type and bytes for a file.
pub(super) struct Part {
    pub(super) name: String,
    pub(super) file: Option<(String, Option<String>)>,
    pub(super) bytes: Vec<u8>,
}

/// Reads a `multipart/form-data` post (or a urlencoded one, without files) into its parts.
pub(super) async fn parts(state: &AppState, request: Request) -> Result<Vec<Part>, DomainError> {
    let unreadable =
        |why: String| DomainError::invalid("form", format!("the form could not be read: {why}"));
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(pairs) = Form::<Pairs>::from_request(request, state)
            .await
            .map_err(|e| unreadable(e.body_text()))?;
        return Ok(pairs
            .into_iter()
            .map(|(name, v)| Part {
                name,
                file: None,
                bytes: v.into_bytes(),
            })
            .collect());
    }
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| unreadable(e.body_text()))?;
    let mut out = Vec::new();
    while let Some(mut f) = form
        .next_field()
        .await
        .map_err(|e| unreadable(e.body_text()))?
    {
        let name = f.name().unwrap_or_default().to_owned();
        let file = f
            .file_name()
            .map(|n| (n.to_owned(), f.content_type().map(str::to_owned)));
        let mut bytes = Vec::new();
        while let Some(chunk) = f.chunk().await.map_err(|e| unreadable(e.body_text()))? {
            if bytes.len() + chunk.len() > probity_core::assurance::evidence::MAX_CONTENT {
                return Err(DomainError::invalid(
                    "file",
                    format!(
                        "evidence is at most {} bytes",
                        probity_core::assurance::evidence::MAX_CONTENT
                    ),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        out.push(Part { name, file, bytes });
    }
    Ok(out)
}

pub(super) fn text<'a>(parts: &'a [Part], name: &str) -> &'a str {
    parts
        .iter()
        .find(|p| p.name == name && p.file.is_none())
        .and_then(|p| std::str::from_utf8(&p.bytes).ok())
        .map_or("", str::trim)
}

fn optional_text(parts: &[Part], name: &str) -> Option<String> {
    let v = text(parts, name);
    (!v.is_empty()).then(|| v.to_owned())
}

/// The content of an upload: the chosen file, else the pasted JSON document.
fn content(parts: &[Part]) -> Result<EvidenceContent, DomainError> {
    let file = parts
        .iter()
        .find(|p| p.name == "file" && !p.bytes.is_empty());
    if let Some(Part {
        file: Some((file_name, media_type)),
        bytes,
        ..
    }) = file
    {
        return Ok(EvidenceContent::File {
            file_name: file_name.clone(),
            media_type: media_type.clone(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
    }
    match text(parts, "document") {
        "" => Err(DomainError::invalid(
            "file",
            "choose a file or paste a JSON document",
        )),
        json => serde_json::from_str(json)
            .map(|document| EvidenceContent::Json { document })
            .map_err(|e| DomainError::invalid("document", format!("not valid JSON: {e}"))),
    }
}

fn upload_csrf(who: &SignedIn, state: &AppState, parts: &[Part]) -> Option<Response> {
    (!who.csrf_ok(state, text(parts, "csrf"))).then(csrf_refused)
}

/// `POST /evidence` (`multipart/form-data`): `title`, `description`, `controls`,
/// `requirements` (`framework:requirement`), `tags`, `validity_days`, `owner`, and `file` or
/// `document` (JSON text).
pub async fn upload_evidence(
    State(state): State<AppState>,
    who: SignedIn,
    request: Request,
) -> Response {
    let parts = match parts(&state, request).await {
        Ok(p) => p,
        Err(e) => return error_page(&e),
    };
    if let Some(r) = upload_csrf(&who, &state, &parts) {
        return r;
    }
    let req = (|| {
        let validity_days = match text(&parts, "validity_days") {
            "" => None,
            v => Some(v.parse::<u32>().map_err(|_| {
                DomainError::invalid("validity_days", "give a whole number of days, 1 to 1095")
            })?),
        };
        Ok::<_, DomainError>(NewEvidence {
            title: text(&parts, "title").to_owned(),
            description: optional_text(&parts, "description"),
            tags: ids(text(&parts, "tags")),
            control_ids: ids(text(&parts, "controls")),
            requirement_ids: ids(text(&parts, "requirements")),
            validity_days,
            owner: optional_text(&parts, "owner"),
            collected_at: None,
            content: content(&parts)?,
        })
    })();
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .create_evidence(&who.principal, &req)
        .await
    {
        Ok(v) => see_other(&format!("/evidence/{}", v.item.id)),
        Err(e) => error_page(&e),
    }
}

/// `POST /evidence/{id}/versions` (`multipart/form-data`): `file` or `document`, and `note`.
pub async fn upload_version(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<EvidenceId>,
    request: Request,
) -> Response {
    let parts = match parts(&state, request).await {
        Ok(p) => p,
        Err(e) => return error_page(&e),
    };
    if let Some(r) = upload_csrf(&who, &state, &parts) {
        return r;
    }
    let req = match content(&parts) {
        Ok(content) => NewEvidenceVersion {
            collected_at: None,
            note: optional_text(&parts, "note"),
            content,
        },
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .add_evidence_version(&who.principal, id, &req)
        .await
    {
        Ok(_) => see_other(&format!("/evidence/{id}#versions")),
        Err(e) => error_page(&e),
    }
}

/// `POST /evidence/{id}`: the item's details and links — `title`, `description`, `tags`,
/// `controls`, `requirements`, `assessment` (repeated), `validity_days` (empty or 0: no
/// expiry), `owner`. Every field is replaced by what the form holds.
pub async fn update_evidence(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<EvidenceId>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let req = (|| {
        let validity_days = match field(&pairs, "validity_days") {
            "" => 0,
            v => v.parse::<u32>().map_err(|_| {
                DomainError::invalid("validity_days", "give a whole number of days, 0 to 1095")
            })?,
        };
        let mut assessment_ids = Vec::new();
        for (_, v) in pairs
            .iter()
            .filter(|(k, v)| k == "assessment" && !v.is_empty())
        {
            assessment_ids
                .push(v.parse::<ComplianceAssessmentId>().map_err(|_| {
                    DomainError::invalid("assessment", "choose listed assessments")
                })?);
        }
        Ok::<_, DomainError>(EvidenceUpdate {
            title: Some(field(&pairs, "title").to_owned()),
            description: Some(field(&pairs, "description").to_owned()),
            tags: Some(ids(field(&pairs, "tags"))),
            control_ids: Some(ids(field(&pairs, "controls"))),
            requirement_ids: Some(ids(field(&pairs, "requirements"))),
            assessment_ids: Some(assessment_ids),
            validity_days: Some(validity_days),
            owner: Some(field(&pairs, "owner").to_owned()),
        })
    })();
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .update_evidence(&who.principal, id, &req)
        .await
    {
        Ok(_) => see_other(&format!("/evidence/{id}")),
        Err(e) => error_page(&e),
    }
}

/// `POST /evidence-freezes`: `name`, `assessment` (optional: freeze only its evidence, over its
/// period), `period_start`, `period_end`.
pub async fn freeze(
    State(state): State<AppState>,
    who: SignedIn,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let req = (|| {
        let assessment_id =
            match field(&pairs, "assessment") {
                "" => None,
                v => Some(v.parse::<ComplianceAssessmentId>().map_err(|_| {
                    DomainError::invalid("assessment", "choose a listed assessment")
                })?),
            };
        Ok::<_, DomainError>(NewFreeze {
            name: field(&pairs, "name").to_owned(),
            assessment_id,
            period_start: date(&pairs, "period_start")?,
            period_end: date(&pairs, "period_end")?,
        })
    })();
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .freeze_evidence(&who.principal, &req)
        .await
    {
        Ok(f) => see_other(&format!("/evidence?frozen={}#freezes", f.id)),
        Err(e) => error_page(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// Control tests

/// The input source a form names: `collector` (`push`, `http`, `file`, `probity`) and its
/// `target` (URL, path or Probity source).
fn collector(pairs: &Pairs) -> Result<Collector, DomainError> {
    let target = field(pairs, "target").to_owned();
    let needs = |what: &str| {
        DomainError::invalid("target", format!("give the {what} this input source reads"))
    };
    match field(pairs, "collector") {
        "" | "push" => Ok(Collector::Push),
        "http" if target.is_empty() => Err(needs("URL")),
        "http" => Ok(Collector::Http { url: target }),
        "file" if target.is_empty() => Err(needs("absolute path")),
        "file" => Ok(Collector::File { path: target }),
        "probity" if target.is_empty() => Err(needs("Probity source")),
        "probity" => Ok(Collector::Probity { source: target }),
        _ => Err(DomainError::invalid(
            "collector",
            "choose push, http, file or probity",
        )),
    }
}

/// `POST /control-tests`: `key`, `title`, `summary`, `controls`, `rego`, `collector` and
/// `target`, `schedule` (cron).
pub async fn create_control_test(
    State(state): State<AppState>,
    who: SignedIn,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let req = match collector(&pairs) {
        Ok(c) => NewControlTest {
            key: field(&pairs, "key").to_owned(),
            title: field(&pairs, "title").to_owned(),
            summary: optional(&pairs, "summary"),
            control_ids: ids(field(&pairs, "controls")),
            rego: typed(&pairs, "rego"),
            collector: Some(c),
            schedule: optional(&pairs, "schedule"),
        },
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .create_control_test(&who.principal, &req)
        .await
    {
        Ok(t) => see_other(&format!("/control-tests/{}", t.id)),
        Err(e) => error_page(&e),
    }
}

/// `POST /control-tests/{id}`: the test as edited — `title`, `summary`, `controls`, `rego`,
/// `collector` and `target`, `schedule` (empty: none), `enabled` (a checkbox).
pub async fn update_control_test(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<ControlTestId>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let req = match collector(&pairs) {
        Ok(c) => TestUpdate {
            title: Some(field(&pairs, "title").to_owned()),
            summary: Some(field(&pairs, "summary").to_owned()),
            control_ids: Some(ids(field(&pairs, "controls"))),
            rego: Some(typed(&pairs, "rego")),
            collector: Some(c),
            schedule: Some(field(&pairs, "schedule").to_owned()),
            enabled: Some(!field(&pairs, "enabled").is_empty()),
        },
        Err(e) => return error_page(&e),
    };
    match state
        .assurance()
        .update_control_test(&who.principal, id, &req)
        .await
    {
        Ok(_) => see_other(&format!("/control-tests/{id}?updated=1")),
        Err(e) => error_page(&e),
    }
}

/// `POST /decision-policies`: a new version of decision policy `key` — `title`, `rego`.
pub async fn put_decision_policy(
    State(state): State<AppState>,
    who: SignedIn,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let req = NewDecisionPolicy {
        title: field(&pairs, "title").to_owned(),
        rego: typed(&pairs, "rego"),
    };
    match state
        .assurance()
        .put_decision_policy(&who.principal, field(&pairs, "key"), &req)
        .await
    {
        Ok(p) => see_other(&format!(
            "/control-tests?updated={}#decision-policies",
            query_escape(&p.key)
        )),
        Err(e) => error_page(&e),
    }
}

#[derive(askama::Template)]
#[template(path = "assurance_decision.html")]
struct DecisionPage {
    shell: super::view::Shell,
    tab: super::assurance::Tab,
    decision: PolicyDecision,
    input: String,
}

/// `POST /decision-policies/{key}/decide`: evaluates the policy against the `input` JSON —
/// the same use case as `POST /api/v1/decisions/{key}`, so the decision is recorded in the
/// ledger — and shows the answer with its reasons.
pub async fn decide(
    State(state): State<AppState>,
    who: SignedIn,
    Path(key): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Some(r) = checked(&who, &state, &pairs) {
        return r;
    }
    let input = match serde_json::from_str::<serde_json::Value>(field(&pairs, "input")) {
        Ok(v) => v,
        Err(e) => {
            return error_page(&DomainError::invalid(
                "input",
                format!("not valid JSON: {e}"),
            ));
        }
    };
    let shown = serde_json::to_string_pretty(&input).unwrap_or_default();
    match state.assurance().decide(&who.principal, &key, input).await {
        Ok(decision) => super::render(
            axum::http::StatusCode::OK,
            &DecisionPage {
                shell: who.shell(
                    Some(super::view::Section::Compliance),
                    &format!("Decision of {key}"),
                ),
                tab: super::assurance::Tab::ControlTests,
                decision,
                input: shown,
            },
        ),
        Err(e) => error_page(&e),
    }
}

/// A text box kept as typed (not trimmed, browser CR LF made LF), so line numbers in errors
/// match what the author sees.
fn typed(pairs: &Pairs, name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.replace("\r\n", "\n"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_on_commas_and_space_once_each() {
        assert_eq!(
            ids(" CC6.1, CC6.2\nCC6.1  A.5.1 "),
            vec!["CC6.1", "CC6.2", "A.5.1"]
        );
        assert!(ids(" , ").is_empty());
    }

    #[test]
    fn collectors_need_their_target() {
        let form = |c: &str, t: &str| -> Pairs {
            vec![("collector".into(), c.into()), ("target".into(), t.into())]
        };
        assert_eq!(collector(&form("", "")).unwrap(), Collector::Push);
        assert_eq!(
            collector(&form("probity", "users")).unwrap(),
            Collector::Probity {
                source: "users".into()
            }
        );
        for c in ["http", "file", "probity"] {
            assert!(matches!(
                collector(&form(c, " ")),
                Err(DomainError::Validation(ref errors)) if errors[0].field == "target"
            ));
        }
        assert!(collector(&form("ftp", "x")).is_err());
    }
}
