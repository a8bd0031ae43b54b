//! Third-party risk types and rules: the vendor register (tier, data access, contract and DPA
//! dates, sub-processors, documents with expiry), questionnaire templates shipped in
//! `catalogs/questionnaires/` (sections; yes/no, single and multiple choice, text, number and
//! file questions; weights), answers, the scoring formula and the reassessment schedule by tier.
//!
//! Scoring: a scored question earns a credit from 0 to 1 — yes/no 1 when the answer is the
//! `good` one; single choice the option's score; multiple choice the sum of the chosen options'
//! scores, at most 1; number 1 when within `max_good`/`min_good`; file 1 when a file is given;
//! text is never scored (weight 0). The score is `100 × Σ(weight × credit) / Σ weight`, one
//! decimal; unanswered questions earn 0. Rating: 80 and above `low` risk, 60 to 80 `medium`,
//! below 60 `high`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::{DomainError, DomainResult};
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a vendor.
    VendorId
);

uuid_id!(
    /// Identifies a vendor assessment (one questionnaire sent).
    AssessmentId
);

/// How much a vendor matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Failure stops the business or exposes sensitive data.
    Critical,
    /// Significant.
    High,
    /// Moderate.
    Medium,
    /// Little.
    Low,
}

impl Tier {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
        }
    }

    /// Months between assessments: critical 6, high 12, medium 24, low 36.
    pub fn reassess_months(self) -> u32 {
        match self {
            Tier::Critical => 6,
            Tier::High => 12,
            Tier::Medium => 24,
            Tier::Low => 36,
        }
    }
}

/// A person at the vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role (`security`, `account manager`, ...).
    #[serde(default)]
    pub role: String,
}

/// A document held for a vendor (DPA, certificate, insurance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorDocument {
    /// Name.
    pub name: String,
    /// Kind (`dpa`, `certificate`, `report`, `insurance`, ...).
    pub kind: String,
    /// When it stops being valid.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

/// A vendor in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vendor {
    /// Id.
    pub id: VendorId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// `V-001`, ...
    pub reference: String,
    /// Name.
    pub name: String,
    /// What they provide.
    pub services: String,
    /// The most sensitive data they can reach: `none`, `internal`, `confidential`, `personal`
    /// or `special_category`.
    pub data_access: String,
    /// Tier.
    pub tier: Tier,
    /// Our owner of the relationship.
    pub owner: String,
    /// Their contacts.
    pub contacts: Vec<Contact>,
    /// Contract start.
    #[serde(default)]
    pub contract_start: Option<NaiveDate>,
    /// Contract end.
    #[serde(default)]
    pub contract_end: Option<NaiveDate>,
    /// When the data processing agreement was signed.
    #[serde(default)]
    pub dpa_signed: Option<NaiveDate>,
    /// Their sub-processors.
    pub subprocessors: Vec<String>,
    /// Documents held.
    pub documents: Vec<VendorDocument>,
    /// When the next assessment is due.
    pub next_assessment: DateTime<Utc>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Data access levels, least sensitive first.
pub const DATA_ACCESS: [&str; 5] = [
    "none",
    "internal",
    "confidential",
    "personal",
    "special_category",
];

/// A question's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// Yes or no.
    YesNo,
    /// One option.
    Single,
    /// Any options.
    Multiple,
    /// Free text (not scored).
    Text,
    /// A number.
    Number,
    /// A file.
    File,
}

/// A choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    /// Value sent.
    pub value: String,
    /// Label shown.
    pub label: String,
    /// Credit, 0–1.
    pub score: f64,
}

/// A question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Id, unique in the template.
    pub id: String,
    /// Text.
    pub text: String,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Weight (0 = not scored).
    #[serde(default)]
    pub weight: u32,
    /// The good answer of a yes/no question (`yes` or `no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<String>,
    /// Choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<QuestionOption>,
    /// A number at or below this earns full credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_good: Option<f64>,
    /// A number at or above this earns full credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_good: Option<f64>,
}

/// A section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Questions.
    pub questions: Vec<Question>,
}

/// A questionnaire template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireTemplate {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// One sentence.
    #[serde(default)]
    pub summary: String,
    /// Sections.
    pub sections: Vec<Section>,
}

/// Where a questionnaire template comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TemplateSource {
    /// Shipped with Probity (`catalogs/questionnaires/`).
    Shipped,
    /// Defined by the tenant.
    Tenant,
}

impl TemplateSource {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateSource::Shipped => "shipped",
            TemplateSource::Tenant => "tenant",
        }
    }
}

/// One version of a questionnaire template a tenant defined, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantTemplate {
    /// The template.
    pub template: QuestionnaireTemplate,
    /// 1 for the first version under its key, then 2, 3, ...
    pub version: u32,
    /// Who added this version.
    pub created_by: super::model::Party,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The wire shape of [`ListedTemplate`], for the API documentation: the template's fields
/// with `source` and `version` beside them. (Documenting the flattened template itself would
/// carry its `additionalProperties: false` and forbid the two fields the answer adds.)
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ListedTemplate)]
pub struct ListedTemplateSchema {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// One sentence.
    pub summary: String,
    /// Sections.
    pub sections: Vec<Section>,
    /// `shipped` or `tenant`.
    pub source: TemplateSource,
    /// The version in force of a tenant's template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// A template as listed: shipped or the tenant's own (documented as [`ListedTemplateSchema`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedTemplate {
    /// The template.
    #[serde(flatten)]
    pub template: QuestionnaireTemplate,
    /// `shipped` or `tenant`.
    pub source: TemplateSource,
    /// The version in force of a tenant's template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// Most sections in a template.
pub const MAX_SECTIONS: usize = 50;
/// Most questions in a template.
pub const MAX_QUESTIONS: usize = 300;
/// Largest weight of one question.
pub const MAX_WEIGHT: u32 = 100;

fn is_slug(v: &str, max: usize) -> bool {
    (1..=max).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks a questionnaire template — the rules every shipped one passes: a slug key, a title,
/// sections and questions with unique ids, text never scored, weights at most
/// [`MAX_WEIGHT`], yes/no questions with a `good` answer when scored, choices with at least two
/// options of unique values scored 0–1, number bounds that are finite and ordered. Every
/// problem is named by field (`sections.0.questions.2.options.1.score`).
pub fn check_template(t: &QuestionnaireTemplate) -> DomainResult<()> {
    let mut problems: Vec<crate::error::FieldError> = Vec::new();
    let mut bad = |field: String, message: &str| {
        problems.push(crate::error::FieldError {
            field,
            message: message.to_owned(),
        });
    };
    let plain = |v: &str, max: usize| {
        let v = v.trim();
        !v.is_empty() && v.chars().count() <= max && !v.chars().any(char::is_control)
    };
    if !is_slug(&t.key, 63) || t.key.len() < 2 {
        bad(
            "key".into(),
            "must be 2 to 63 of a-z, 0-9, - and _, starting with a letter or digit",
        );
    }
    if !plain(&t.title, 200) {
        bad("title".into(), "must be 1 to 200 characters");
    }
    if t.summary.chars().count() > 1000 {
        bad("summary".into(), "must be at most 1000 characters");
    }
    if t.sections.is_empty() || t.sections.len() > MAX_SECTIONS {
        bad(
            "sections".into(),
            &format!("must hold 1 to {MAX_SECTIONS} sections"),
        );
    }
    let total: usize = t.sections.iter().map(|s| s.questions.len()).sum();
    if total > MAX_QUESTIONS {
        bad(
            "sections".into(),
            &format!("must hold at most {MAX_QUESTIONS} questions in all"),
        );
    }
    let mut section_ids = std::collections::BTreeSet::new();
    let mut question_ids = std::collections::BTreeSet::new();
    for (si, section) in t.sections.iter().enumerate() {
        let at = format!("sections.{si}");
        if !is_slug(&section.id, 63) {
            bad(format!("{at}.id"), "must be 1 to 63 of a-z, 0-9, - and _");
        } else if !section_ids.insert(section.id.as_str()) {
            bad(format!("{at}.id"), "repeats another section's id");
        }
        if !plain(&section.title, 200) {
            bad(format!("{at}.title"), "must be 1 to 200 characters");
        }
        if section.questions.is_empty() {
            bad(format!("{at}.questions"), "must hold at least one question");
        }
        for (qi, q) in section.questions.iter().enumerate() {
            let at = format!("{at}.questions.{qi}");
            if !is_slug(&q.id, 63) {
                bad(format!("{at}.id"), "must be 1 to 63 of a-z, 0-9, - and _");
            } else if !question_ids.insert(q.id.as_str()) {
                bad(format!("{at}.id"), "repeats another question's id");
            }
            if !plain(&q.text, 1000) {
                bad(format!("{at}.text"), "must be 1 to 1000 characters");
            }
            if q.weight > MAX_WEIGHT {
                bad(
                    format!("{at}.weight"),
                    &format!("must be 0 to {MAX_WEIGHT}"),
                );
            }
            let choices = matches!(q.kind, QuestionType::Single | QuestionType::Multiple);
            match q.kind {
                QuestionType::Text if q.weight != 0 => {
                    bad(format!("{at}.weight"), "must be 0: text is never scored");
                }
                QuestionType::YesNo => {
                    let good = q.good.as_deref();
                    if good.is_some_and(|g| g != "yes" && g != "no")
                        || (q.weight > 0 && good.is_none())
                    {
                        bad(
                            format!("{at}.good"),
                            "must be \"yes\" or \"no\" (required when the question is scored)",
                        );
                    }
                }
                QuestionType::Number => {
                    let finite = |b: Option<f64>| b.is_none_or(f64::is_finite);
                    if !finite(q.max_good) || !finite(q.min_good) {
                        bad(format!("{at}.max_good"), "bounds must be finite numbers");
                    } else if let (Some(lo), Some(hi)) = (q.min_good, q.max_good)
                        && lo > hi
                    {
                        bad(format!("{at}.min_good"), "must not exceed max_good");
                    }
                }
                _ => {}
            }
            if q.kind != QuestionType::YesNo && q.good.is_some() {
                bad(
                    format!("{at}.good"),
                    "only a yes/no question has a good answer",
                );
            }
            if q.kind != QuestionType::Number && (q.max_good.is_some() || q.min_good.is_some()) {
                bad(
                    format!("{at}.max_good"),
                    "only a number question has max_good and min_good",
                );
            }
            if choices {
                if q.options.len() < 2 || q.options.len() > 30 {
                    bad(format!("{at}.options"), "must hold 2 to 30 options");
                }
                let mut values = std::collections::BTreeSet::new();
                for (oi, o) in q.options.iter().enumerate() {
                    let at = format!("{at}.options.{oi}");
                    if !plain(&o.value, 100) {
                        bad(format!("{at}.value"), "must be 1 to 100 characters");
                    } else if !values.insert(o.value.as_str()) {
                        bad(format!("{at}.value"), "repeats another option's value");
                    }
                    if !plain(&o.label, 300) {
                        bad(format!("{at}.label"), "must be 1 to 300 characters");
                    }
                    if !(0.0..=1.0).contains(&o.score) {
                        bad(format!("{at}.score"), "must be 0 to 1");
                    }
                }
            } else if !q.options.is_empty() {
                bad(
                    format!("{at}.options"),
                    "only single and multiple choice questions have options",
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(problems))
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Answer {
    /// Yes/no, single choice, text.
    Text(String),
    /// A number.
    Number(f64),
    /// Multiple choice.
    Choices(Vec<String>),
    /// A file: its name and bytes (base64 in JSON).
    File {
        /// File name.
        name: String,
        /// SHA-256 of the bytes, hex (filled in on receipt).
        #[serde(default)]
        sha256: String,
        /// Size in bytes (filled in on receipt).
        #[serde(default)]
        size: u64,
        /// The bytes, base64, on upload only (kept apart from the answers, never echoed).
        #[serde(default, skip_serializing)]
        content_base64: Option<String>,
    },
}

/// Largest file answer accepted (bytes).
pub const MAX_FILE: usize = 1024 * 1024;

/// Every shipped questionnaire template, by key (files that do not parse are skipped; a unit
/// test checks that all do).
pub fn questionnaire_templates() -> Vec<QuestionnaireTemplate> {
    let mut all: Vec<QuestionnaireTemplate> = Catalog::embedded_files()
        .iter()
        .filter(|(p, _)| p.starts_with("questionnaires/"))
        .filter_map(|(_, text)| toml::from_str(text).ok())
        .collect();
    all.sort_by(|a, b| a.key.cmp(&b.key));
    all
}

/// One template.
pub fn questionnaire_template(key: &str) -> Option<QuestionnaireTemplate> {
    questionnaire_templates().into_iter().find(|t| t.key == key)
}

/// Checks an answer against its question; `field` names it in errors.
pub fn check_answer(q: &Question, a: &Answer) -> DomainResult<()> {
    let field = format!("answers.{}", q.id);
    let ok = match (q.kind, a) {
        (QuestionType::YesNo, Answer::Text(t)) => t == "yes" || t == "no",
        (QuestionType::Single, Answer::Text(t)) => q.options.iter().any(|o| &o.value == t),
        (QuestionType::Multiple, Answer::Choices(c)) => {
            c.iter().all(|v| q.options.iter().any(|o| &o.value == v))
        }
        (QuestionType::Text, Answer::Text(t)) => t.chars().count() <= 4000,
        (QuestionType::Number, Answer::Number(n)) => n.is_finite(),
        (QuestionType::File, Answer::File { name, .. }) => {
            !name.trim().is_empty() && name.chars().count() <= 200
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        let expected = match q.kind {
            QuestionType::YesNo => "\"yes\" or \"no\"".to_owned(),
            QuestionType::Single => format!(
                "one of {:?}",
                q.options.iter().map(|o| &o.value).collect::<Vec<_>>()
            ),
            QuestionType::Multiple => format!(
                "a list drawn from {:?}",
                q.options.iter().map(|o| &o.value).collect::<Vec<_>>()
            ),
            QuestionType::Text => "text of at most 4000 characters".to_owned(),
            QuestionType::Number => "a number".to_owned(),
            QuestionType::File => "a file upload".to_owned(),
        };
        Err(DomainError::invalid(field, format!("must be {expected}")))
    }
}

/// The credit (0–1) an answer earns.
pub fn credit(q: &Question, a: Option<&Answer>) -> f64 {
    let Some(a) = a else { return 0.0 };
    match (q.kind, a) {
        (QuestionType::YesNo, Answer::Text(t)) => f64::from(u8::from(Some(t) == q.good.as_ref())),
        (QuestionType::Single, Answer::Text(t)) => q
            .options
            .iter()
            .find(|o| &o.value == t)
            .map_or(0.0, |o| o.score),
        (QuestionType::Multiple, Answer::Choices(c)) => q
            .options
            .iter()
            .filter(|o| c.contains(&o.value))
            .map(|o| o.score)
            .sum::<f64>()
            .min(1.0),
        (QuestionType::Number, Answer::Number(n)) => {
            let within = q.max_good.is_none_or(|m| *n <= m) && q.min_good.is_none_or(|m| *n >= m);
            f64::from(u8::from(within))
        }
        (QuestionType::File, Answer::File { .. }) => 1.0,
        _ => 0.0,
    }
}

/// A section's or the whole questionnaire's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Score {
    /// 0–100, one decimal.
    pub score: f64,
    /// Weight earned.
    pub earned: f64,
    /// Weight possible.
    pub possible: u32,
}

fn score_of(questions: &[&Question], answers: &BTreeMap<String, Answer>) -> Score {
    let possible: u32 = questions.iter().map(|q| q.weight).sum();
    let earned: f64 = questions
        .iter()
        .map(|q| f64::from(q.weight) * credit(q, answers.get(&q.id)))
        .sum();
    let score = if possible == 0 {
        100.0
    } else {
        (earned * 1000.0 / f64::from(possible)).round() / 10.0
    };
    Score {
        score,
        earned,
        possible,
    }
}

/// The scorecard: overall and per section, with the rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scorecard {
    /// Overall.
    pub overall: Score,
    /// Per section id.
    pub sections: BTreeMap<String, Score>,
    /// `low`, `medium` or `high` risk.
    pub rating: String,
    /// Scored questions left unanswered.
    pub unanswered: Vec<String>,
}

/// Scores `answers` against `template`.
pub fn scorecard(
    template: &QuestionnaireTemplate,
    answers: &BTreeMap<String, Answer>,
) -> Scorecard {
    let all: Vec<&Question> = template
        .sections
        .iter()
        .flat_map(|s| &s.questions)
        .collect();
    let overall = score_of(&all, answers);
    let rating = if overall.score >= 80.0 {
        "low"
    } else if overall.score >= 60.0 {
        "medium"
    } else {
        "high"
    };
    Scorecard {
        sections: template
            .sections
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    score_of(&s.questions.iter().collect::<Vec<_>>(), answers),
                )
            })
            .collect(),
        unanswered: all
            .iter()
            .filter(|q| q.weight > 0 && !answers.contains_key(&q.id))
            .map(|q| q.id.clone())
            .collect(),
        rating: rating.to_owned(),
        overall,
    }
}

/// Where an assessment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentState {
    /// The link is out; answers may be saved.
    Sent,
    /// The vendor submitted; the link is closed.
    Submitted,
    /// We reviewed it.
    Reviewed,
    /// Withdrawn before submission.
    Cancelled,
}

impl AssessmentState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentState::Sent => "sent",
            AssessmentState::Submitted => "submitted",
            AssessmentState::Reviewed => "reviewed",
            AssessmentState::Cancelled => "cancelled",
        }
    }
}

/// A finding from a review, with its remediation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorFinding {
    /// What is wrong.
    pub title: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// What the vendor must do.
    #[serde(default)]
    pub remediation: String,
    /// By when.
    #[serde(default)]
    pub due: Option<NaiveDate>,
}

/// A questionnaire sent to a vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    /// Id.
    pub id: AssessmentId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Vendor.
    pub vendor_id: VendorId,
    /// The template as sent (later template changes do not alter it).
    pub template: QuestionnaireTemplate,
    /// Who it was sent to.
    pub sent_to: Contact,
    /// When.
    pub sent_at: DateTime<Utc>,
    /// When the link stops working.
    pub link_expires_at: DateTime<Utc>,
    /// State.
    pub state: AssessmentState,
    /// Answers by question id.
    pub answers: BTreeMap<String, Answer>,
    /// When submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The scorecard at submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scorecard: Option<Scorecard>,
    /// Findings from the review.
    pub findings: Vec<VendorFinding>,
    /// Who reviewed and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<(super::model::Party, DateTime<Utc>)>,
}

/// A fresh assessment id (exposed for tests).
pub fn new_assessment_id() -> AssessmentId {
    AssessmentId(Uuid::now_v7())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]

    use super::*;

    fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn shipped_questionnaires_parse_with_unique_ids_and_sane_scores() {
        let all = questionnaire_templates();
        let files = Catalog::embedded_files()
            .iter()
            .filter(|(p, _)| p.starts_with("questionnaires/"))
            .count();
        assert_eq!(all.len(), files, "a questionnaire does not parse");
        assert!(all.len() >= 2);
        for t in &all {
            check_template(t).unwrap();
            let mut ids: Vec<&str> = t
                .sections
                .iter()
                .flat_map(|s| &s.questions)
                .map(|q| q.id.as_str())
                .collect();
            let n = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), n, "{}: duplicate question ids", t.key);
            for q in t.sections.iter().flat_map(|s| &s.questions) {
                assert!(
                    q.options.iter().all(|o| (0.0..=1.0).contains(&o.score)),
                    "{}",
                    q.id
                );
                if q.kind == QuestionType::Text {
                    assert_eq!(q.weight, 0, "{}: text is not scored", q.id);
                }
            }
        }
    }

    #[test]
    fn worked_example_of_the_security_baseline_score() {
        let t = questionnaire_template("security-baseline").unwrap();
        // Weights: assurance 3 + 2 + 2, access 3 + 2, data 3 + 1 + 0, resilience 2 + 1 = 19.
        let a = answers(&[
            ("assurance-1", Answer::Text("yes".into())), // 3 × 1
            ("assurance-3", Answer::Text("every_two_years".into())), // 2 × 0.5
            ("access-1", Answer::Text("no".into())),     // 3 × 0
            (
                "access-2",
                Answer::Choices(vec!["sso".into(), "reviews".into(), "jit".into()]),
            ), // 2 × 0.75
            ("data-1", Answer::Text("yes".into())),      // 3 × 1
            ("data-2", Answer::Number(90.0)),            // 1 × 0 (over 30)
            ("data-3", Answer::Text("AWS, Stripe".into())), // not scored
            ("resilience-1", Answer::Number(48.0)),      // 2 × 1
        ]);
        // Earned 3 + 1 + 0 + 1.5 + 3 + 0 + 2 = 10.5 of 19 = 55.3 %.
        let card = scorecard(&t, &a);
        assert_eq!(card.overall.possible, 19);
        assert_eq!(card.overall.earned, 10.5);
        assert_eq!(card.overall.score, 55.3);
        assert_eq!(card.rating, "high");
        assert_eq!(card.sections["access"].score, 30.0, "1.5 of 5");
        assert_eq!(card.sections["resilience"].score, 66.7, "2 of 3");
        assert_eq!(card.unanswered, vec!["assurance-2", "resilience-2"]);
        let mut better = a.clone();
        better.insert("access-1".into(), Answer::Text("yes".into()));
        better.insert(
            "assurance-2".into(),
            Answer::File {
                name: "soc2.pdf".into(),
                sha256: String::new(),
                size: 1,
                content_base64: None,
            },
        );
        better.insert("resilience-2".into(), Answer::Text("yes".into()));
        let card = scorecard(&t, &better);
        assert_eq!(card.overall.score, 86.8, "16.5 of 19");
        assert_eq!(card.rating, "low");
    }

    #[test]
    fn answers_are_checked_against_their_question() {
        let t = questionnaire_template("security-baseline").unwrap();
        let q = |id: &str| {
            t.sections
                .iter()
                .flat_map(|s| &s.questions)
                .find(|q| q.id == id)
                .unwrap()
                .clone()
        };
        assert!(check_answer(&q("assurance-1"), &Answer::Text("yes".into())).is_ok());
        assert!(check_answer(&q("assurance-1"), &Answer::Text("maybe".into())).is_err());
        assert!(check_answer(&q("assurance-3"), &Answer::Text("never".into())).is_ok());
        assert!(
            check_answer(
                &q("access-2"),
                &Answer::Choices(vec!["sso".into(), "bogus".into()])
            )
            .is_err()
        );
        assert!(check_answer(&q("data-2"), &Answer::Text("thirty".into())).is_err());
        assert!(
            matches!(check_answer(&q("data-2"), &Answer::Text("x".into())), Err(DomainError::Validation(v)) if v[0].field == "answers.data-2")
        );
    }

    #[test]
    fn a_template_with_many_problems_names_each_by_field() {
        let mut t = questionnaire_template("security-baseline").unwrap();
        t.key = "Bad Key".into();
        let dup = t.sections[0].questions[0].id.clone();
        t.sections[0].questions[1].id = dup;
        t.sections[0].questions[0].weight = 1000;
        t.sections[0].questions[0].good = Some("maybe".into());
        let q = t.sections[1]
            .questions
            .iter_mut()
            .find(|q| !q.options.is_empty())
            .unwrap();
        q.options[0].score = 1.5;
        q.options[1].value = q.options[0].value.clone();
        let Err(DomainError::Validation(v)) = check_template(&t) else {
            panic!("must be refused");
        };
        let fields: Vec<&str> = v.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"key"), "{fields:?}");
        assert!(fields.contains(&"sections.0.questions.1.id"), "{fields:?}");
        assert!(
            fields.contains(&"sections.0.questions.0.weight"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"sections.0.questions.0.good"),
            "{fields:?}"
        );
        assert!(
            fields.iter().any(|f| f.ends_with("options.0.score")),
            "{fields:?}"
        );
        assert!(
            fields.iter().any(|f| f.ends_with("options.1.value")),
            "{fields:?}"
        );
    }

    #[test]
    fn tiers_set_the_reassessment_interval() {
        assert_eq!(Tier::Critical.reassess_months(), 6);
        assert_eq!(Tier::Low.reassess_months(), 36);
    }
}
