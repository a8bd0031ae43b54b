//! The DPIA page and forms: start a DPIA from `/privacy` for chosen processing activities,
//! then on `/privacy/dpias/{id}` answer the questionnaire, rate the risk before and after the
//! mitigations, list the mitigations, submit it for sign-off, and (approvers) approve or reject
//! the version read. Every form calls the `PrivacyService` use case the API calls, and every
//! write carries the version the form was read at, so a DPIA edited meanwhile is not
//! overwritten and a sign-off binds to the content its approver saw.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::privacy::dpia::{
    Likelihood, Mitigation, MitigationStatus, QUESTIONS, QuestionAnswer, QuestionKind, RiskRating,
    Severity,
};
use probity_core::privacy::{
    ActivityId, Decision, DpiaDecisionInput, DpiaId, DpiaInput, DpiaState, DpiaView,
};
use serde::Serialize;

use super::privacy_forms::{Fields, version, wire};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// A serde wire name (`in_progress`) of a unit enum value.
fn name<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

const LIKELIHOODS: [Likelihood; 3] = [Likelihood::Remote, Likelihood::Possible, Likelihood::Likely];
const SEVERITIES: [Severity; 3] = [Severity::Minimal, Severity::Significant, Severity::Severe];
const STATUSES: [MitigationStatus; 3] = [
    MitigationStatus::Planned,
    MitigationStatus::InProgress,
    MitigationStatus::Implemented,
];

/// A rating read from its two selects: both empty is "not rated", one alone is an error
/// naming the other.
fn rating(f: &Fields, field: &str) -> Result<Option<RiskRating>, DomainError> {
    let (l, s) = (
        f.one(&format!("{field}_likelihood")),
        f.one(&format!("{field}_severity")),
    );
    match (l.is_empty(), s.is_empty()) {
        (true, true) => Ok(None),
        (false, true) => Err(DomainError::invalid(
            format!("{field}.severity"),
            "rate the severity too, or clear the likelihood",
        )),
        (true, false) => Err(DomainError::invalid(
            format!("{field}.likelihood"),
            "rate the likelihood too, or clear the severity",
        )),
        (false, false) => Ok(Some(RiskRating {
            likelihood: wire(&format!("{field}.likelihood"), l)?,
            severity: wire(&format!("{field}.severity"), s)?,
        })),
    }
}

/// Mitigations, one per line as `description | owner | status` (owner and status optional;
/// status `planned` when left out).
fn mitigations(text: &str) -> Result<Vec<Mitigation>, DomainError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let mut parts = line.split('|').map(str::trim);
            let description = parts.next().unwrap_or_default().to_owned();
            let owner = parts.next().unwrap_or_default().to_owned();
            let status = match parts.next().unwrap_or_default() {
                "" => MitigationStatus::Planned,
                s => wire(&format!("mitigations.{i}.status"), &s.replace(' ', "_"))?,
            };
            if parts.next().is_some() {
                return Err(DomainError::invalid(
                    format!("mitigations.{i}"),
                    "write `description | owner | status`, with no further `|`",
                ));
            }
            Ok(Mitigation {
                description,
                owner,
                status,
            })
        })
        .collect()
}

fn activity_ids(f: &Fields) -> Result<Vec<ActivityId>, DomainError> {
    f.all("activity_ids")
        .iter()
        .map(|id| {
            id.parse::<uuid::Uuid>()
                .map(ActivityId)
                .map_err(|_| DomainError::invalid("activity_ids", "choose listed activities"))
        })
        .collect()
}

/// The DPIA the edit form describes.
fn dpia_input(f: &Fields) -> Result<DpiaInput, DomainError> {
    let mut answers = Vec::new();
    for q in QUESTIONS {
        let answer = f.one(&format!("answer.{}", q.key));
        if answer.is_empty() {
            continue;
        }
        answers.push(QuestionAnswer {
            question: q.key.to_owned(),
            answer: wire(&format!("answers.{}", q.key), answer)?,
            notes: f.one(&format!("notes.{}", q.key)).to_owned(),
        });
    }
    Ok(DpiaInput {
        title: f.one("title").to_owned(),
        description: f.one("description").to_owned(),
        activity_ids: activity_ids(f)?,
        answers,
        inherent_risk: rating(f, "inherent_risk")?,
        mitigations: mitigations(f.one("mitigations"))?,
        residual_risk: rating(f, "residual_risk")?,
        version: version(f.one("version")),
    })
}

/// `POST /privacy/dpias`: starts a DPIA in draft for the chosen activities.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let input = match activity_ids(&f) {
        Ok(activity_ids) => DpiaInput {
            title: f.one("title").to_owned(),
            description: f.one("description").to_owned(),
            activity_ids,
            answers: Vec::new(),
            inherent_risk: None,
            mitigations: Vec::new(),
            residual_risk: None,
            version: None,
        },
        Err(e) => return error_page(&e),
    };
    match state.privacy().create_dpia(&who.principal, &input).await {
        Ok(v) => see_other(&format!("/privacy/dpias/{}", v.dpia.id)),
        Err(e) => error_page(&e),
    }
}

/// A question with its current answer, as the form shows it.
#[derive(Debug, Clone)]
pub struct QuestionRow {
    /// The key (field names).
    pub key: &'static str,
    /// `criterion` or `safeguard`.
    pub kind: &'static str,
    /// The question.
    pub text: &'static str,
    /// `yes`, `no`, `partly`, or empty.
    pub answer: String,
    /// Notes given.
    pub notes: String,
}

/// An activity as a checkbox.
#[derive(Debug, Clone)]
pub struct ActivityChoice {
    /// Id.
    pub id: String,
    /// `ROPA-001 Payroll`.
    pub label: String,
    /// Assessed by this DPIA.
    pub checked: bool,
}

/// A sign-off as the page lists it.
#[derive(Debug, Clone)]
pub struct SignOffRow {
    /// Version decided on.
    pub version: u32,
    /// `approved`, `rejected`.
    pub decision: String,
    /// Who.
    pub by: String,
    /// When.
    pub at: String,
    /// Conditions or reasons.
    pub note: String,
    /// The first 16 hex digits of the content hash signed.
    pub sha: String,
}

#[derive(Template)]
#[template(path = "privacy_dpia.html")]
struct DpiaPage {
    shell: Shell,
    id: String,
    reference: String,
    title: String,
    description: String,
    state: String,
    version: u32,
    approved_version: String,
    required: bool,
    criteria_met: Vec<String>,
    safeguard_gaps: Vec<String>,
    unanswered: Vec<String>,
    inherent: String,
    residual: String,
    prior_consultation: bool,
    questions: Vec<QuestionRow>,
    activities: Vec<ActivityChoice>,
    inherent_likelihood: String,
    inherent_severity: String,
    residual_likelihood: String,
    residual_severity: String,
    mitigations: String,
    likelihoods: Vec<String>,
    severities: Vec<String>,
    statuses: Vec<String>,
    sign_offs: Vec<SignOffRow>,
    content_sha: String,
    content_sha_short: String,
    answers: Vec<&'static str>,
    updated: String,
    can_write: bool,
    can_submit: bool,
    can_decide: bool,
    wrote_version: bool,
}

fn rating_label(r: Option<RiskRating>) -> String {
    r.map_or_else(
        || "not rated".to_owned(),
        |r| {
            format!(
                "{} (likelihood {}, severity {}, score {})",
                r.level().as_str(),
                name(r.likelihood),
                name(r.severity),
                r.score()
            )
        },
    )
}

/// `GET /privacy/dpias/{id}`: one DPIA with its screening, questionnaire, risks,
/// mitigations and sign-offs, and the forms its state allows.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<DpiaId>,
) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Privacy) {
        return r;
    }
    let p = &who.principal;
    let loaded = async {
        let v = state.privacy().dpia(p, id).await?;
        let activities = state.privacy().activities(p).await?;
        Ok::<_, DomainError>((v, activities))
    };
    let (v, activities): (DpiaView, _) = match loaded.await {
        Ok(x) => x,
        Err(e) => return error_page(&e),
    };
    let d = &v.dpia;
    let c = &d.content;
    let can_write = role_allows(p.role, Permission::Write);
    render(
        StatusCode::OK,
        &DpiaPage {
            shell: who.shell(Some(Section::Privacy), &format!("DPIA {}", d.reference)),
            id: d.id.to_string(),
            reference: d.reference.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            state: d.state.as_str().replace('_', " "),
            version: d.version,
            approved_version: v
                .approved_version
                .map(|n| n.to_string())
                .unwrap_or_default(),
            required: v.screening.required,
            criteria_met: v.screening.criteria_met.clone(),
            safeguard_gaps: v.screening.safeguard_gaps.clone(),
            unanswered: v.screening.unanswered.clone(),
            inherent: rating_label(c.inherent_risk),
            residual: rating_label(c.residual_risk),
            prior_consultation: v.prior_consultation,
            questions: QUESTIONS
                .iter()
                .map(|q| {
                    let a = c.answers.iter().find(|a| a.question == q.key);
                    QuestionRow {
                        key: q.key,
                        kind: match q.kind {
                            QuestionKind::Criterion => "criterion",
                            QuestionKind::Safeguard => "safeguard",
                        },
                        text: q.text,
                        answer: a.map(|a| name(a.answer)).unwrap_or_default(),
                        notes: a.map(|a| a.notes.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            activities: activities
                .iter()
                .map(|a| ActivityChoice {
                    id: a.id.to_string(),
                    label: format!("{} {}", a.reference, a.name),
                    checked: c.activity_ids.contains(&a.id),
                })
                .collect(),
            inherent_likelihood: c
                .inherent_risk
                .map(|r| name(r.likelihood))
                .unwrap_or_default(),
            inherent_severity: c
                .inherent_risk
                .map(|r| name(r.severity))
                .unwrap_or_default(),
            residual_likelihood: c
                .residual_risk
                .map(|r| name(r.likelihood))
                .unwrap_or_default(),
            residual_severity: c
                .residual_risk
                .map(|r| name(r.severity))
                .unwrap_or_default(),
            mitigations: c
                .mitigations
                .iter()
                .map(|m| format!("{} | {} | {}", m.description, m.owner, name(m.status)))
                .collect::<Vec<_>>()
                .join("\n"),
            likelihoods: LIKELIHOODS.iter().map(|l| name(*l)).collect(),
            severities: SEVERITIES.iter().map(|s| name(*s)).collect(),
            statuses: STATUSES.iter().map(|s| name(*s)).collect(),
            sign_offs: d
                .sign_offs
                .iter()
                .map(|s| SignOffRow {
                    version: s.version,
                    decision: name(s.decision),
                    by: s.by.name.clone(),
                    at: show_time(s.at),
                    note: s.note.clone(),
                    sha: s.content_sha256.chars().take(16).collect(),
                })
                .collect(),
            content_sha_short: c.sha256().chars().take(16).collect(),
            content_sha: c.sha256(),
            answers: vec!["yes", "partly", "no"],
            updated: format!("{} by {}", show_time(d.updated_at), d.updated_by.name),
            can_write,
            can_submit: can_write && matches!(d.state, DpiaState::Draft | DpiaState::Rejected),
            can_decide: role_allows(p.role, Permission::Approve) && d.state == DpiaState::InReview,
            wrote_version: d.version_written_by(&probity_core::governance::service::party(p).id),
        },
    )
}

/// `POST /privacy/dpias/{id}`: saves the questionnaire, risks and mitigations (a new version
/// when anything changed).
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<DpiaId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let input = match dpia_input(&f) {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    match state
        .privacy()
        .update_dpia(&who.principal, id, &input)
        .await
    {
        Ok(_) => see_other(&format!("/privacy/dpias/{id}")),
        Err(e) => error_page(&e),
    }
}

/// `POST /privacy/dpias/{id}/submit`: submits the DPIA for sign-off.
pub async fn submit(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<DpiaId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    match state.privacy().submit_dpia(&who.principal, id).await {
        Ok(_) => see_other(&format!("/privacy/dpias/{id}")),
        Err(e) => error_page(&e),
    }
}

/// `POST /privacy/dpias/{id}/decision`: approves or rejects the version the approver read.
pub async fn decide(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<DpiaId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let decision = match f.one("decision") {
        "approve" => Decision::Approved,
        "reject" => Decision::Rejected,
        _ => {
            return error_page(&DomainError::invalid(
                "decision",
                "approve or reject the DPIA",
            ));
        }
    };
    let Some(version) = version(f.one("version")) else {
        return error_page(&DomainError::invalid(
            "version",
            "reload the DPIA: a decision names the version read",
        ));
    };
    let input = DpiaDecisionInput {
        version,
        note: f.one("note").to_owned(),
    };
    match state
        .privacy()
        .decide_dpia(&who.principal, id, decision, &input)
        .await
    {
        Ok(_) => see_other(&format!("/privacy/dpias/{id}")),
        Err(e) => error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mitigation_lines_and_ratings_parse_or_name_their_field() {
        let m = mitigations(
            "Blur faces | Facilities | in progress\n\n Signs at entrances |  | implemented\nShort retention",
        )
        .unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].status, MitigationStatus::InProgress);
        assert_eq!(m[0].owner, "Facilities");
        assert_eq!(m[1].owner, "");
        assert_eq!(m[2].status, MitigationStatus::Planned);
        let e = mitigations("a | b | soon").unwrap_err();
        assert!(e.to_string().contains("mitigations.0.status"), "{e}");
        let e = mitigations("ok\na | b | planned | extra").unwrap_err();
        assert!(e.to_string().contains("mitigations.1"), "{e}");

        let f = Fields(vec![
            ("inherent_risk_likelihood".into(), "likely".into()),
            ("inherent_risk_severity".into(), "severe".into()),
            ("residual_risk_likelihood".into(), "remote".into()),
        ]);
        let r = rating(&f, "inherent_risk").unwrap().unwrap();
        assert_eq!(r.score(), 9);
        let e = rating(&f, "residual_risk").unwrap_err();
        assert!(e.to_string().contains("residual_risk.severity"), "{e}");
        assert_eq!(
            rating(&Fields(vec![]), "inherent_risk").unwrap(),
            None,
            "both empty is not rated"
        );
        assert_eq!(name(MitigationStatus::InProgress), "in_progress");
    }
}
