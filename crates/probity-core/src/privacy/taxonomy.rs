//! Probity's own taxonomy for the record of processing: categories of personal data (some of
//! them special categories that need an Art. 9(2) condition besides an Art. 6 basis), categories
//! of data subjects, and the Art. 9(2) conditions (a)–(j). Keys are short snake_case words;
//! the one-line descriptions are ours and are served by the API so that UIs can list them.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// One entry of the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The key stored in records.
    pub key: &'static str,
    /// What it covers, in one line.
    pub description: &'static str,
    /// A special category (data categories only): needs an Art. 9(2) condition.
    pub special: bool,
}

const fn term(key: &'static str, description: &'static str, special: bool) -> Term {
    Term {
        key,
        description,
        special,
    }
}

/// Categories of personal data.
pub const DATA_CATEGORIES: &[Term] = &[
    term(
        "identity",
        "Names, dates of birth, customer or staff numbers and similar identifiers",
        false,
    ),
    term(
        "government_identifiers",
        "Passport, national insurance, social security or tax numbers",
        false,
    ),
    term(
        "contact",
        "Postal and email addresses, phone numbers",
        false,
    ),
    term(
        "financial",
        "Bank accounts, card numbers, salaries, invoices and payment history",
        false,
    ),
    term(
        "employment",
        "Job titles, contracts, performance reviews, absences and working time",
        false,
    ),
    term(
        "education",
        "Qualifications, grades, training records",
        false,
    ),
    term(
        "family",
        "Marital status, dependants, emergency contacts",
        false,
    ),
    term(
        "location",
        "Where a person is or was: GPS traces, check-ins, travel",
        false,
    ),
    term(
        "online_identifiers",
        "IP addresses, device ids, cookie ids, account names",
        false,
    ),
    term(
        "authentication",
        "Passwords, password hashes, one-time-code seeds, security questions",
        false,
    ),
    term(
        "communications",
        "Content of emails, chats, calls and support tickets",
        false,
    ),
    term(
        "behavioural",
        "Browsing and purchase history, preferences, profiles built from them",
        false,
    ),
    term(
        "images",
        "Photographs and video footage in which people can be recognised",
        false,
    ),
    term(
        "criminal_offences",
        "Convictions, offences and background checks (not a special category, but only \
         processed under official authority or where the law allows it)",
        false,
    ),
    term(
        "health",
        "Physical or mental health, sick notes, disabilities, medical appointments",
        true,
    ),
    term(
        "biometric",
        "Fingerprints, face templates and other measurements used to recognise a person",
        true,
    ),
    term("genetic", "Results of DNA or other genetic analysis", true),
    term("racial_ethnic", "Racial or ethnic origin", true),
    term("political", "Political opinions or party membership", true),
    term("religious", "Religious or philosophical beliefs", true),
    term("trade_union", "Trade union membership", true),
    term("sex_life", "Sex life or sexual orientation", true),
];

/// Categories of data subjects.
pub const SUBJECT_CATEGORIES: &[Term] = &[
    term("employees", "Current and former staff", false),
    term("job_applicants", "People who applied for a job", false),
    term(
        "contractors",
        "Freelancers, temporary workers and consultants",
        false,
    ),
    term("customers", "People who bought or use the services", false),
    term(
        "prospects",
        "People who may become customers: leads, newsletter readers",
        false,
    ),
    term(
        "supplier_contacts",
        "Contact persons at suppliers and partners",
        false,
    ),
    term(
        "website_visitors",
        "People browsing the public websites or apps",
        false,
    ),
    term("visitors", "People entering the premises", false),
    term(
        "children",
        "Anyone under 16 (or the local age of consent)",
        false,
    ),
    term("patients", "People receiving care or treatment", false),
    term("students", "Pupils, students and trainees", false),
    term(
        "members",
        "Members of a club, association or programme",
        false,
    ),
];

/// The condition of Art. 9(2) that lifts the ban on processing special categories.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Art9Condition {
    /// (a) the person's explicit consent.
    ExplicitConsent,
    /// (b) duties and rights in employment and social security law.
    EmploymentSocialSecurity,
    /// (c) vital interests when consent cannot be given.
    VitalInterests,
    /// (d) a not-for-profit body about its own members.
    NotForProfitBody,
    /// (e) data the person has made public.
    MadePublic,
    /// (f) legal claims and courts.
    LegalClaims,
    /// (g) substantial public interest under law.
    SubstantialPublicInterest,
    /// (h) health or social care, occupational medicine.
    HealthOrSocialCare,
    /// (i) public health.
    PublicHealth,
    /// (j) archiving, research or statistics under safeguards.
    ArchivingResearch,
}

impl Art9Condition {
    /// Every condition, in the order of the article.
    pub const ALL: [Art9Condition; 10] = [
        Self::ExplicitConsent,
        Self::EmploymentSocialSecurity,
        Self::VitalInterests,
        Self::NotForProfitBody,
        Self::MadePublic,
        Self::LegalClaims,
        Self::SubstantialPublicInterest,
        Self::HealthOrSocialCare,
        Self::PublicHealth,
        Self::ArchivingResearch,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.describe().0
    }

    /// Wire name, the point of Art. 9(2) and our one-line description.
    pub fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::ExplicitConsent => (
                "explicit_consent",
                "a",
                "The person expressly agreed to this use of the data",
            ),
            Self::EmploymentSocialSecurity => (
                "employment_social_security",
                "b",
                "Needed to meet duties or exercise rights under employment, social security or \
                 social protection law",
            ),
            Self::VitalInterests => (
                "vital_interests",
                "c",
                "Protects someone's life when they cannot consent",
            ),
            Self::NotForProfitBody => (
                "not_for_profit_body",
                "d",
                "A foundation, association or union processing data of its members",
            ),
            Self::MadePublic => (
                "made_public",
                "e",
                "The person clearly made the data public themselves",
            ),
            Self::LegalClaims => (
                "legal_claims",
                "f",
                "Establishing, exercising or defending legal claims, or courts acting",
            ),
            Self::SubstantialPublicInterest => (
                "substantial_public_interest",
                "g",
                "A substantial public interest set out in law, with safeguards",
            ),
            Self::HealthOrSocialCare => (
                "health_or_social_care",
                "h",
                "Preventive or occupational medicine, diagnosis, care or treatment by \
                 professionals bound by secrecy",
            ),
            Self::PublicHealth => (
                "public_health",
                "i",
                "Public health, such as serious cross-border threats or the safety of medicines",
            ),
            Self::ArchivingResearch => (
                "archiving_research",
                "j",
                "Archiving in the public interest, scientific or historical research, statistics",
            ),
        }
    }
}

/// A taxonomy entry on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TermInfo {
    /// Key.
    pub key: String,
    /// What it covers.
    pub description: String,
    /// A special category (needs an Art. 9(2) condition).
    pub special: bool,
}

/// An Art. 9(2) condition on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConditionInfo {
    /// Key.
    pub key: Art9Condition,
    /// The point of Art. 9(2): `a` to `j`.
    pub point: String,
    /// What it covers.
    pub description: String,
}

/// The whole taxonomy, for UIs and clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Taxonomy {
    /// Categories of personal data.
    pub data_categories: Vec<TermInfo>,
    /// Categories of data subjects.
    pub subject_categories: Vec<TermInfo>,
    /// Art. 9(2) conditions.
    pub art9_conditions: Vec<ConditionInfo>,
    /// The DPIA questionnaire.
    pub dpia_questions: Vec<super::dpia::QuestionInfo>,
}

fn infos(terms: &[Term]) -> Vec<TermInfo> {
    terms
        .iter()
        .map(|t| TermInfo {
            key: t.key.to_owned(),
            description: t.description.to_owned(),
            special: t.special,
        })
        .collect()
}

/// The taxonomy as served.
pub fn taxonomy() -> Taxonomy {
    Taxonomy {
        data_categories: infos(DATA_CATEGORIES),
        subject_categories: infos(SUBJECT_CATEGORIES),
        art9_conditions: Art9Condition::ALL
            .iter()
            .map(|c| {
                let (_, point, description) = c.describe();
                ConditionInfo {
                    key: *c,
                    point: point.to_owned(),
                    description: description.to_owned(),
                }
            })
            .collect(),
        dpia_questions: super::dpia::questions(),
    }
}

/// The data category with this key.
pub fn data_category(key: &str) -> Option<&'static Term> {
    DATA_CATEGORIES.iter().find(|t| t.key == key)
}

/// Whether `key` is a special category.
pub fn is_special(key: &str) -> bool {
    data_category(key).is_some_and(|t| t.special)
}

fn keys(terms: &[Term]) -> String {
    terms.iter().map(|t| t.key).collect::<Vec<_>>().join(", ")
}

/// Checks that every value of `field` is a key of `terms`, naming `field.i` and the value
/// of each one that is not.
pub fn check_keys(errors: &mut Vec<FieldError>, field: &str, values: &[String], terms: &[Term]) {
    for (i, v) in values.iter().enumerate() {
        if !terms.iter().any(|t| t.key == v) {
            errors.push(FieldError {
                field: format!("{field}.{i}"),
                message: format!(
                    "{v:?} is not a {} key; use one of: {}",
                    field.replace('_', " ").trim_end_matches('s'),
                    keys(terms)
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_the_special_ones_are_marked() {
        for terms in [DATA_CATEGORIES, SUBJECT_CATEGORIES] {
            let mut seen: Vec<&str> = terms.iter().map(|t| t.key).collect();
            seen.sort_unstable();
            let n = seen.len();
            seen.dedup();
            assert_eq!(seen.len(), n, "duplicate key");
        }
        for k in [
            "health",
            "biometric",
            "genetic",
            "racial_ethnic",
            "political",
            "religious",
            "trade_union",
            "sex_life",
        ] {
            assert!(is_special(k), "{k}");
        }
        assert!(!is_special("criminal_offences"));
        assert!(!is_special("contact"));
        assert_eq!(taxonomy().art9_conditions.len(), 10);
        assert_eq!(Art9Condition::EmploymentSocialSecurity.describe().1, "b");
    }

    #[test]
    fn unknown_keys_are_named_with_their_field() {
        let mut errors = Vec::new();
        check_keys(
            &mut errors,
            "data_categories",
            &["contact".into(), "bank details".into()],
            DATA_CATEGORIES,
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "data_categories.1");
        assert!(errors[0].message.contains("\"bank details\""), "{errors:?}");
        assert!(errors[0].message.contains("financial"));
    }
}
