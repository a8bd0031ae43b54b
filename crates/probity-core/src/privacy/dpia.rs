//! Data protection impact assessments (GDPR Art. 35): a questionnaire of our own, the
//! screening it yields, the risk before and after mitigations, and a sign-off bound to the
//! assessment's version.
//!
//! **Screening rule.** Eight questions are *criteria* — signs that processing is likely to
//! be high-risk (systematic monitoring, large scale, special categories, vulnerable people,
//! new technology, automated decisions with legal or similar effect, matching datasets,
//! transfers outside the EEA). A DPIA is *required* when two or more of them are answered
//! `yes` or `partly`; `partly` counts because a criterion that holds for part of the
//! processing still makes that part high-risk. The other questions are *safeguards*
//! (necessity and proportionality, minimisation, retention, subject rights): `no` or `partly`
//! lists them as gaps to mitigate.
//!
//! **Risk.** Likelihood (remote 1, possible 2, likely 3) times severity (minimal 1,
//! significant 2, severe 3): up to 2 is low, 3 or 4 medium, 6 and 9 high. A residual risk that
//! stays high flags that the supervisory authority must be consulted before processing starts.
//!
//! **Workflow and versions.** `draft → in_review → approved | rejected`; a rejected DPIA is
//! edited back to draft. Every change of content bumps `version`; changing an approved DPIA
//! starts a new version in draft, so the approval stays with the version it was given for. An
//! approval names the version it approves and is refused when the DPIA has moved on. Each
//! sign-off records the SHA-256 of the content it signed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::processing::ActivityId;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a DPIA.
    DpiaId
);

/// Whether a question is a high-risk criterion or a safeguard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A sign of high risk; two or more make a DPIA required.
    Criterion,
    /// A safeguard that should be in place; `no` or `partly` is a gap.
    Safeguard,
}

/// A question of the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// Key.
    pub key: &'static str,
    /// Criterion or safeguard.
    pub kind: QuestionKind,
    /// The question, in our words.
    pub text: &'static str,
}

const fn q(key: &'static str, kind: QuestionKind, text: &'static str) -> Question {
    Question { key, kind, text }
}

/// The questionnaire, in the order it is asked.
pub const QUESTIONS: &[Question] = &[
    q(
        "systematic_monitoring",
        QuestionKind::Criterion,
        "Does the processing watch, track or observe people on a regular basis (cameras, \
         location tracking, activity logs of named people)?",
    ),
    q(
        "large_scale",
        QuestionKind::Criterion,
        "Does it concern many people, a large volume of records, a long period or a wide area?",
    ),
    q(
        "special_categories",
        QuestionKind::Criterion,
        "Does it use special categories (health, biometrics, beliefs, ...) or data on criminal \
         offences?",
    ),
    q(
        "vulnerable_subjects",
        QuestionKind::Criterion,
        "Are the people concerned in a weak position towards us: children, patients, \
         employees, people in need of care?",
    ),
    q(
        "new_technology",
        QuestionKind::Criterion,
        "Does it rely on a technology or an arrangement that is new to us or to the sector?",
    ),
    q(
        "automated_decisions",
        QuestionKind::Criterion,
        "Are decisions with legal or similarly significant effect on people made without a \
         human reviewing them?",
    ),
    q(
        "matching_datasets",
        QuestionKind::Criterion,
        "Are datasets from different purposes or sources combined in ways people would not \
         expect?",
    ),
    q(
        "international_transfers",
        QuestionKind::Criterion,
        "Is the data sent to or accessible from countries outside the EEA?",
    ),
    q(
        "necessity_proportionality",
        QuestionKind::Safeguard,
        "Is the processing necessary for the purpose, and is there no less intrusive way to \
         reach it?",
    ),
    q(
        "data_minimisation",
        QuestionKind::Safeguard,
        "Is only the data needed for the purpose collected, and is the rest left out?",
    ),
    q(
        "retention_limits",
        QuestionKind::Safeguard,
        "Is there a retention period for each category of data, enforced rather than only \
         written down?",
    ),
    q(
        "subject_rights",
        QuestionKind::Safeguard,
        "Can people be informed, see their data, have it corrected or erased, and object, \
         within the statutory deadlines?",
    ),
    q(
        "security_measures",
        QuestionKind::Safeguard,
        "Are access control, encryption and logging in place for the systems involved?",
    ),
];

/// Criteria answered `yes` or `partly` from which a DPIA is required.
pub const REQUIRED_FROM: usize = 2;

/// A question on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuestionInfo {
    /// Key.
    pub key: String,
    /// Criterion or safeguard.
    pub kind: QuestionKind,
    /// The question.
    pub text: String,
}

/// The questionnaire as served.
pub fn questions() -> Vec<QuestionInfo> {
    QUESTIONS
        .iter()
        .map(|q| QuestionInfo {
            key: q.key.to_owned(),
            kind: q.kind,
            text: q.text.to_owned(),
        })
        .collect()
}

/// An answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DpiaAnswer)]
pub enum Answer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// For part of the processing.
    Partly,
}

/// A question answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionAnswer {
    /// The question's key.
    pub question: String,
    /// The answer.
    pub answer: Answer,
    /// Why, or what it depends on.
    #[serde(default)]
    pub notes: String,
}

/// How likely harm is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DpiaLikelihood)]
pub enum Likelihood {
    /// 1.
    Remote,
    /// 2.
    Possible,
    /// 3.
    Likely,
}

/// How bad harm would be for the people concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DpiaSeverity)]
pub enum Severity {
    /// 1: inconvenience they overcome easily.
    Minimal,
    /// 2: real consequences they overcome with difficulty.
    Significant,
    /// 3: lasting or irreversible consequences.
    Severe,
}

/// A risk level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Score 1 or 2.
    Low,
    /// Score 3 or 4.
    Medium,
    /// Score 6 or 9.
    High,
}

impl RiskLevel {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// A rating: likelihood and severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskRating {
    /// Likelihood.
    pub likelihood: Likelihood,
    /// Severity.
    pub severity: Severity,
}

impl RiskRating {
    /// Likelihood × severity, 1 to 9.
    pub fn score(self) -> u8 {
        let l = match self.likelihood {
            Likelihood::Remote => 1,
            Likelihood::Possible => 2,
            Likelihood::Likely => 3,
        };
        let s = match self.severity {
            Severity::Minimal => 1,
            Severity::Significant => 2,
            Severity::Severe => 3,
        };
        l * s
    }

    /// The level of the score.
    pub fn level(self) -> RiskLevel {
        match self.score() {
            0..=2 => RiskLevel::Low,
            3..=4 => RiskLevel::Medium,
            _ => RiskLevel::High,
        }
    }
}

/// Where a mitigation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MitigationStatus {
    /// Decided, not started.
    Planned,
    /// Being put in place.
    InProgress,
    /// In place.
    Implemented,
}

/// A measure that lowers the risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// What is done.
    pub description: String,
    /// Who is responsible.
    pub owner: String,
    /// Where it stands.
    pub status: MitigationStatus,
}

/// Where a DPIA is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DpiaState {
    /// Being written.
    Draft,
    /// Submitted for sign-off.
    InReview,
    /// Signed off for its current version.
    Approved,
    /// Sent back by the approver.
    Rejected,
}

impl DpiaState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

/// An approver's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DpiaDecision)]
pub enum Decision {
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

/// A decision on one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = DpiaSignOff)]
pub struct SignOff {
    /// The version decided on.
    pub version: u32,
    /// The decision.
    pub decision: Decision,
    /// SHA-256 (hex) of that version's content.
    pub content_sha256: String,
    /// The approver.
    pub by: Party,
    /// When.
    pub at: DateTime<Utc>,
    /// Conditions or reasons.
    pub note: String,
}

/// A DPIA as written by a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DpiaInput {
    /// Title, e.g. "CCTV at the warehouse".
    pub title: String,
    /// The processing assessed and its context.
    #[serde(default)]
    pub description: String,
    /// The processing activities it assesses (at least one).
    pub activity_ids: Vec<ActivityId>,
    /// Answers (any subset while in draft; all questions to submit).
    #[serde(default)]
    pub answers: Vec<QuestionAnswer>,
    /// Risk before the mitigations (required to submit).
    #[serde(default)]
    pub inherent_risk: Option<RiskRating>,
    /// Mitigations.
    #[serde(default)]
    pub mitigations: Vec<Mitigation>,
    /// Risk that remains with the mitigations (required to submit).
    #[serde(default)]
    pub residual_risk: Option<RiskRating>,
    /// On update: the version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// The content of a DPIA: what a version is and what a sign-off hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DpiaContent {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Activities assessed.
    pub activity_ids: Vec<ActivityId>,
    /// Answers, in questionnaire order.
    pub answers: Vec<QuestionAnswer>,
    /// Risk before mitigations.
    pub inherent_risk: Option<RiskRating>,
    /// Mitigations.
    pub mitigations: Vec<Mitigation>,
    /// Risk after mitigations.
    pub residual_risk: Option<RiskRating>,
}

impl DpiaContent {
    /// SHA-256 (hex) of the content's JSON.
    pub fn sha256(&self) -> String {
        crate::assurance::sha256_hex(&serde_json::to_vec(self).unwrap_or_default())
    }
}

/// A DPIA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dpia {
    /// Id.
    pub id: DpiaId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// `DPIA-001`, ...
    pub reference: String,
    /// What is assessed.
    #[serde(flatten)]
    pub content: DpiaContent,
    /// Workflow state.
    pub state: DpiaState,
    /// The content's version: bumped by every change of content.
    pub version: u32,
    /// Decisions, oldest first.
    pub sign_offs: Vec<SignOff>,
    /// Who wrote it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: Party,
    /// When.
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write (content or workflow): the store's compare-and-swap.
    pub revision: u32,
    /// Who wrote the current version's content (absent on records from before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_author: Option<Party>,
}

/// What the questionnaire says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Screening {
    /// Criteria answered `yes` or `partly`.
    pub criteria_met: Vec<String>,
    /// Two or more criteria hold: a DPIA is required.
    pub required: bool,
    /// Safeguards answered `no` or `partly`.
    pub safeguard_gaps: Vec<String>,
    /// Questions not answered yet.
    pub unanswered: Vec<String>,
}

/// Screens answers by the rule in the module documentation.
pub fn screen(answers: &[QuestionAnswer]) -> Screening {
    let answer = |key: &str| answers.iter().find(|a| a.question == key).map(|a| a.answer);
    let mut s = Screening {
        criteria_met: vec![],
        required: false,
        safeguard_gaps: vec![],
        unanswered: vec![],
    };
    for q in QUESTIONS {
        match (q.kind, answer(q.key)) {
            (_, None) => s.unanswered.push(q.key.to_owned()),
            (QuestionKind::Criterion, Some(Answer::Yes | Answer::Partly)) => {
                s.criteria_met.push(q.key.to_owned());
            }
            (QuestionKind::Safeguard, Some(Answer::No | Answer::Partly)) => {
                s.safeguard_gaps.push(q.key.to_owned());
            }
            _ => {}
        }
    }
    s.required = s.criteria_met.len() >= REQUIRED_FROM;
    s
}

/// A DPIA with what is computed from it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DpiaView {
    /// The DPIA.
    #[serde(flatten)]
    pub dpia: Dpia,
    /// The screening.
    pub screening: Screening,
    /// Level of the inherent risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherent_level: Option<RiskLevel>,
    /// Level of the residual risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residual_level: Option<RiskLevel>,
    /// The residual risk stays high: consult the supervisory authority before starting.
    pub prior_consultation: bool,
    /// The version approved most recently, if any (it may be older than `version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_version: Option<u32>,
}

impl Dpia {
    /// With the screening and levels.
    pub fn view(self) -> DpiaView {
        let residual_level = self.content.residual_risk.map(RiskRating::level);
        DpiaView {
            screening: screen(&self.content.answers),
            inherent_level: self.content.inherent_risk.map(RiskRating::level),
            residual_level,
            prior_consultation: residual_level == Some(RiskLevel::High),
            approved_version: self
                .sign_offs
                .iter()
                .rev()
                .find(|s| s.decision == Decision::Approved)
                .map(|s| s.version),
            dpia: self,
        }
    }

    /// Replaces the content: a new version (an approved or rejected DPIA goes back to draft;
    /// one in review stays there, with the new version to approve).
    pub fn revise(&mut self, content: DpiaContent, by: Party, at: DateTime<Utc>) {
        if content != self.content {
            self.content = content;
            self.version += 1;
            self.version_author = Some(by.clone());
            if matches!(self.state, DpiaState::Approved | DpiaState::Rejected) {
                self.state = DpiaState::Draft;
            }
        }
        self.updated_by = by;
        self.updated_at = at;
        self.revision += 1;
    }

    /// Submits for sign-off: only a draft (or a rejected one), with every question answered
    /// and both risks rated.
    pub fn submit(&mut self, by: Party, at: DateTime<Utc>) -> DomainResult<()> {
        if !matches!(self.state, DpiaState::Draft | DpiaState::Rejected) {
            return Err(DomainError::Conflict(format!(
                "{} is {}: only a draft or a rejected DPIA can be submitted",
                self.reference,
                self.state.as_str()
            )));
        }
        let mut errors = Vec::new();
        let s = screen(&self.content.answers);
        if !s.unanswered.is_empty() {
            errors.push(FieldError {
                field: "answers".into(),
                message: format!("answer every question first: {}", s.unanswered.join(", ")),
            });
        }
        for (field, rating) in [
            ("inherent_risk", self.content.inherent_risk),
            ("residual_risk", self.content.residual_risk),
        ] {
            if rating.is_none() {
                errors.push(FieldError {
                    field: field.into(),
                    message: "rate likelihood and severity before submitting".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        self.state = DpiaState::InReview;
        self.updated_by = by;
        self.updated_at = at;
        self.revision += 1;
        Ok(())
    }

    /// Who wrote the current version: the recorded author, else (older records) the creator
    /// while the DPIA is at its first version.
    pub fn author_of_version(&self) -> Option<&Party> {
        self.version_author
            .as_ref()
            .or((self.version == 1).then_some(&self.created_by))
    }

    /// Whether the party with id `party_id` wrote the current version.
    pub fn version_written_by(&self, party_id: &str) -> bool {
        self.author_of_version().is_some_and(|a| a.id == party_id)
    }

    /// Records an approver's decision on `version`: refused unless the DPIA is in review at
    /// exactly that version.
    pub fn decide(
        &mut self,
        version: u32,
        decision: Decision,
        note: String,
        by: Party,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        if version != self.version {
            return Err(DomainError::Conflict(format!(
                "{} is at version {}, not {version}: a decision is bound to the version it was \
                 read at; read the current version and decide on it",
                self.reference, self.version
            )));
        }
        if self.state != DpiaState::InReview {
            return Err(DomainError::Conflict(format!(
                "{} is {}: only a DPIA in review can be approved or rejected",
                self.reference,
                self.state.as_str()
            )));
        }
        self.sign_offs.push(SignOff {
            version,
            decision,
            content_sha256: self.content.sha256(),
            by: by.clone(),
            at,
            note,
        });
        self.state = match decision {
            Decision::Approved => DpiaState::Approved,
            Decision::Rejected => DpiaState::Rejected,
        };
        self.updated_by = by;
        self.updated_at = at;
        self.revision += 1;
        Ok(())
    }
}

const MAX_LINE: usize = 300;
const MAX_TEXT: usize = 8000;

fn text(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize, required: bool) -> String {
    let v = v.trim();
    if (required && v.is_empty()) || v.len() > max {
        errors.push(FieldError {
            field: field.to_owned(),
            message: if required {
                format!("1 to {max} bytes")
            } else {
                format!("at most {max} bytes")
            },
        });
    }
    v.to_owned()
}

impl DpiaInput {
    /// Checks every field, naming each bad one; answers come back in questionnaire order.
    /// Whether the activities exist is the service's check.
    pub fn check(&self) -> DomainResult<DpiaContent> {
        let mut errors = Vec::new();
        let title = text(&mut errors, "title", &self.title, MAX_LINE, true);
        let description = text(
            &mut errors,
            "description",
            &self.description,
            MAX_TEXT,
            false,
        );
        let mut activity_ids = Vec::new();
        for a in &self.activity_ids {
            if !activity_ids.contains(a) {
                activity_ids.push(*a);
            }
        }
        if activity_ids.is_empty() || activity_ids.len() > 50 {
            errors.push(FieldError {
                field: "activity_ids".into(),
                message: "name 1 to 50 processing activities the DPIA assesses".into(),
            });
        }
        let mut answers: Vec<(usize, QuestionAnswer)> = Vec::new();
        for (i, a) in self.answers.iter().enumerate() {
            let Some(pos) = QUESTIONS.iter().position(|q| q.key == a.question) else {
                errors.push(FieldError {
                    field: format!("answers.{i}.question"),
                    message: format!(
                        "{:?} is not a question of the questionnaire; use one of: {}",
                        a.question,
                        QUESTIONS
                            .iter()
                            .map(|q| q.key)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                continue;
            };
            if answers.iter().any(|(p, _)| *p == pos) {
                errors.push(FieldError {
                    field: format!("answers.{i}.question"),
                    message: format!("{} is answered twice", a.question),
                });
                continue;
            }
            let notes = text(
                &mut errors,
                &format!("answers.{i}.notes"),
                &a.notes,
                MAX_TEXT,
                false,
            );
            answers.push((
                pos,
                QuestionAnswer {
                    question: a.question.clone(),
                    answer: a.answer,
                    notes,
                },
            ));
        }
        answers.sort_by_key(|(p, _)| *p);
        if self.mitigations.len() > 100 {
            errors.push(FieldError {
                field: "mitigations".into(),
                message: "at most 100".into(),
            });
        }
        let mitigations = self
            .mitigations
            .iter()
            .enumerate()
            .map(|(i, m)| Mitigation {
                description: text(
                    &mut errors,
                    &format!("mitigations.{i}.description"),
                    &m.description,
                    MAX_TEXT,
                    true,
                ),
                owner: text(
                    &mut errors,
                    &format!("mitigations.{i}.owner"),
                    &m.owner,
                    MAX_LINE,
                    true,
                ),
                status: m.status,
            })
            .collect();
        if errors.is_empty() {
            Ok(DpiaContent {
                title,
                description,
                activity_ids,
                answers: answers.into_iter().map(|(_, a)| a).collect(),
                inherent_risk: self.inherent_risk,
                mitigations,
                residual_risk: self.residual_risk,
            })
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// Ids for DPIAs, never derived from input.
pub fn new_id() -> DpiaId {
    DpiaId(Uuid::now_v7())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(yes: &[&str]) -> Vec<QuestionAnswer> {
        QUESTIONS
            .iter()
            .map(|q| QuestionAnswer {
                question: q.key.into(),
                answer: match (q.kind, yes.contains(&q.key)) {
                    (QuestionKind::Criterion, true) => Answer::Yes,
                    (QuestionKind::Criterion, false) => Answer::No,
                    (QuestionKind::Safeguard, true) => Answer::No,
                    (QuestionKind::Safeguard, false) => Answer::Yes,
                },
                notes: String::new(),
            })
            .collect()
    }

    fn party() -> Party {
        Party {
            id: "u".into(),
            name: "U".into(),
        }
    }

    fn dpia() -> Dpia {
        let at = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        Dpia {
            id: new_id(),
            tenant_id: TenantId::new(),
            reference: "DPIA-001".into(),
            content: DpiaContent {
                title: "CCTV".into(),
                description: String::new(),
                activity_ids: vec![ActivityId::new()],
                answers: answers(&["systematic_monitoring", "large_scale"]),
                inherent_risk: Some(RiskRating {
                    likelihood: Likelihood::Likely,
                    severity: Severity::Significant,
                }),
                mitigations: vec![],
                residual_risk: Some(RiskRating {
                    likelihood: Likelihood::Remote,
                    severity: Severity::Significant,
                }),
            },
            state: DpiaState::Draft,
            version: 1,
            sign_offs: vec![],
            created_by: party(),
            created_at: at,
            updated_by: party(),
            updated_at: at,
            revision: 1,
            version_author: None,
        }
    }

    #[test]
    fn two_criteria_make_a_dpia_required_and_partly_counts() {
        let one = screen(&answers(&["large_scale"]));
        assert!(!one.required);
        assert_eq!(one.criteria_met, ["large_scale"]);
        let mut two = answers(&["large_scale"]);
        two[0].answer = Answer::Partly; // systematic_monitoring
        let two = screen(&two);
        assert!(two.required, "{two:?}");
        assert_eq!(two.criteria_met, ["systematic_monitoring", "large_scale"]);
        let gaps = screen(&answers(&["retention_limits"]));
        assert_eq!(gaps.safeguard_gaps, ["retention_limits"]);
        let partial = screen(&answers(&[])[..3]);
        assert_eq!(partial.unanswered.len(), QUESTIONS.len() - 3);
        assert!((10..=15).contains(&QUESTIONS.len()));
    }

    #[test]
    fn risk_is_likelihood_times_severity() {
        let r = |likelihood, severity| RiskRating {
            likelihood,
            severity,
        };
        assert_eq!(
            r(Likelihood::Remote, Severity::Significant).level(),
            RiskLevel::Low
        );
        assert_eq!(
            r(Likelihood::Possible, Severity::Significant).level(),
            RiskLevel::Medium
        );
        assert_eq!(
            r(Likelihood::Likely, Severity::Minimal).level(),
            RiskLevel::Medium
        );
        assert_eq!(
            r(Likelihood::Possible, Severity::Severe).level(),
            RiskLevel::High
        );
    }

    #[test]
    fn an_approval_is_bound_to_the_version_it_was_given_for() {
        let at = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        let mut d = dpia();
        assert!(
            d.decide(1, Decision::Approved, String::new(), party(), at)
                .is_err()
        );
        d.submit(party(), at).unwrap();
        d.decide(1, Decision::Approved, "ok".into(), party(), at)
            .unwrap();
        assert_eq!(d.state, DpiaState::Approved);
        assert_eq!(d.sign_offs[0].content_sha256, d.content.sha256());
        // A change after approval is a new version in draft.
        let mut content = d.content.clone();
        content.title = "CCTV at the warehouse".into();
        d.revise(content, party(), at);
        assert_eq!((d.version, d.state), (2, DpiaState::Draft));
        assert_eq!(d.clone().view().approved_version, Some(1));
        d.submit(party(), at).unwrap();
        let err = d
            .decide(1, Decision::Approved, String::new(), party(), at)
            .unwrap_err();
        assert!(matches!(err, DomainError::Conflict(_)), "{err}");
        assert!(err.to_string().contains("version 2, not 1"), "{err}");
        d.decide(2, Decision::Approved, String::new(), party(), at)
            .unwrap();
        assert_eq!(d.view().approved_version, Some(2));
    }

    #[test]
    fn submitting_needs_every_answer_and_both_ratings() {
        let at = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        let mut d = dpia();
        d.content.answers.truncate(4);
        d.content.residual_risk = None;
        let Err(DomainError::Validation(errors)) = d.submit(party(), at) else {
            panic!("submitted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers", "residual_risk"]);
    }

    #[test]
    fn input_names_unknown_questions_and_orders_answers() {
        let input = DpiaInput {
            title: "Health app".into(),
            description: String::new(),
            activity_ids: vec![ActivityId::new()],
            answers: vec![
                QuestionAnswer {
                    question: "large_scale".into(),
                    answer: Answer::Yes,
                    notes: String::new(),
                },
                QuestionAnswer {
                    question: "systematic_monitoring".into(),
                    answer: Answer::No,
                    notes: String::new(),
                },
            ],
            inherent_risk: None,
            mitigations: vec![],
            residual_risk: None,
            version: None,
        };
        let c = input.check().unwrap();
        assert_eq!(c.answers[0].question, "systematic_monitoring");
        let mut bad = input;
        bad.answers[1].question = "vibes".into();
        bad.activity_ids.clear();
        let Err(DomainError::Validation(errors)) = bad.check() else {
            panic!("accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["activity_ids", "answers.1.question"]);
    }
}
