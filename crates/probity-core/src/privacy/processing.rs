//! Records of processing activities (GDPR Art. 30): what is processed, why, on which legal
//! basis, about whom, shared with whom, kept how long and sent where; checked input and the
//! CSV export.

use chrono::{DateTime, Utc};
use probity_report::tabular::csv_record;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a processing activity.
    ActivityId
);

/// The lawful basis of a processing activity (GDPR Art. 6(1) (a)–(f)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// (a) consent.
    Consent,
    /// (b) a contract with the subject.
    Contract,
    /// (c) a legal obligation.
    LegalObligation,
    /// (d) vital interests.
    VitalInterests,
    /// (e) a task in the public interest.
    PublicTask,
    /// (f) legitimate interests.
    LegitimateInterests,
}

impl LegalBasis {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegalObligation => "legal_obligation",
            LegalBasis::VitalInterests => "vital_interests",
            LegalBasis::PublicTask => "public_task",
            LegalBasis::LegitimateInterests => "legitimate_interests",
        }
    }
}

/// A transfer of personal data outside the EEA (or the regime's territory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// Destination country or international organisation.
    pub destination: String,
    /// The safeguard relied on (adequacy decision, standard contractual clauses, ...).
    pub safeguard: String,
}

/// A processing activity as written by a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// Name, e.g. "Payroll" (unique in the tenant).
    pub name: String,
    /// Purposes (at least one).
    pub purposes: Vec<String>,
    /// The lawful basis.
    pub legal_basis: LegalBasis,
    /// Categories of personal data.
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// Categories of data subjects.
    #[serde(default)]
    pub subject_categories: Vec<String>,
    /// Recipients or categories of recipients.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// How long the data is kept, or the rule that decides it.
    pub retention: String,
    /// Transfers to third countries.
    #[serde(default)]
    pub transfers: Vec<Transfer>,
    /// On update: the version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// A record of a processing activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcessingActivity {
    /// Its id.
    pub id: ActivityId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `ROPA-001`, ...
    pub reference: String,
    /// Name.
    pub name: String,
    /// Purposes.
    pub purposes: Vec<String>,
    /// The lawful basis.
    pub legal_basis: LegalBasis,
    /// Categories of personal data.
    pub data_categories: Vec<String>,
    /// Categories of data subjects.
    pub subject_categories: Vec<String>,
    /// Recipients.
    pub recipients: Vec<String>,
    /// Retention.
    pub retention: String,
    /// Transfers to third countries.
    pub transfers: Vec<Transfer>,
    /// Who last changed it.
    pub updated_by: Party,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change (optimistic concurrency).
    pub version: u32,
}

const MAX_LINE: usize = 300;
const MAX_ITEMS: usize = 50;

fn line(errors: &mut Vec<FieldError>, field: &str, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() || v.len() > MAX_LINE {
        errors.push(FieldError {
            field: field.to_owned(),
            message: format!("1 to {MAX_LINE} bytes"),
        });
    }
    v.to_owned()
}

fn list(
    errors: &mut Vec<FieldError>,
    field: &str,
    values: &[String],
    required: bool,
) -> Vec<String> {
    if required && values.is_empty() {
        errors.push(FieldError {
            field: field.to_owned(),
            message: "name at least one".to_owned(),
        });
    }
    if values.len() > MAX_ITEMS {
        errors.push(FieldError {
            field: field.to_owned(),
            message: format!("at most {MAX_ITEMS} entries"),
        });
    }
    let mut out: Vec<String> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let v = line(errors, &format!("{field}.{i}"), v);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The checked fields of an input, to build or replace an activity with.
#[derive(Debug)]
pub struct CheckedActivity {
    /// Name.
    pub name: String,
    /// Purposes.
    pub purposes: Vec<String>,
    /// Data categories.
    pub data_categories: Vec<String>,
    /// Subject categories.
    pub subject_categories: Vec<String>,
    /// Recipients.
    pub recipients: Vec<String>,
    /// Retention.
    pub retention: String,
    /// Transfers.
    pub transfers: Vec<Transfer>,
}

impl ActivityInput {
    /// Trims and checks every field, naming each one that is wrong.
    pub fn check(&self) -> DomainResult<CheckedActivity> {
        let mut errors = Vec::new();
        let checked = CheckedActivity {
            name: line(&mut errors, "name", &self.name),
            purposes: list(&mut errors, "purposes", &self.purposes, true),
            data_categories: list(&mut errors, "data_categories", &self.data_categories, false),
            subject_categories: list(
                &mut errors,
                "subject_categories",
                &self.subject_categories,
                false,
            ),
            recipients: list(&mut errors, "recipients", &self.recipients, false),
            retention: line(&mut errors, "retention", &self.retention),
            transfers: self
                .transfers
                .iter()
                .enumerate()
                .map(|(i, t)| Transfer {
                    destination: line(
                        &mut errors,
                        &format!("transfers.{i}.destination"),
                        &t.destination,
                    ),
                    safeguard: line(
                        &mut errors,
                        &format!("transfers.{i}.safeguard"),
                        &t.safeguard,
                    ),
                })
                .collect(),
        };
        if errors.is_empty() {
            Ok(checked)
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

impl ProcessingActivity {
    /// Replaces the user-written fields.
    pub fn apply(&mut self, c: CheckedActivity, basis: LegalBasis) {
        self.name = c.name;
        self.purposes = c.purposes;
        self.legal_basis = basis;
        self.data_categories = c.data_categories;
        self.subject_categories = c.subject_categories;
        self.recipients = c.recipients;
        self.retention = c.retention;
        self.transfers = c.transfers;
    }
}

/// The record of processing as CSV: one row per activity, lists joined with `; `.
pub fn to_csv(activities: &[ProcessingActivity]) -> String {
    let mut out = csv_record(&[
        "reference",
        "name",
        "purposes",
        "legal_basis",
        "data_categories",
        "subject_categories",
        "recipients",
        "retention",
        "transfers",
        "updated_at",
    ]);
    for a in activities {
        out.push_str(&csv_record(&[
            a.reference.clone(),
            a.name.clone(),
            a.purposes.join("; "),
            a.legal_basis.as_str().to_owned(),
            a.data_categories.join("; "),
            a.subject_categories.join("; "),
            a.recipients.join("; "),
            a.retention.clone(),
            a.transfers
                .iter()
                .map(|t| format!("{} ({})", t.destination, t.safeguard))
                .collect::<Vec<_>>()
                .join("; "),
            a.updated_at.to_rfc3339(),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ActivityInput {
        ActivityInput {
            name: " Payroll ".into(),
            purposes: vec!["pay staff".into(), "pay staff".into()],
            legal_basis: LegalBasis::Contract,
            data_categories: vec!["bank details".into()],
            subject_categories: vec!["employees".into()],
            recipients: vec!["payroll provider".into()],
            retention: "6 years after leaving".into(),
            transfers: vec![Transfer {
                destination: "United States".into(),
                safeguard: "standard contractual clauses".into(),
            }],
            version: None,
        }
    }

    #[test]
    fn input_is_trimmed_deduplicated_and_checked_per_field() {
        let c = input().check().unwrap();
        assert_eq!(c.name, "Payroll");
        assert_eq!(c.purposes, ["pay staff"]);
        let mut bad = input();
        bad.purposes.clear();
        bad.retention = " ".into();
        bad.transfers[0].safeguard = String::new();
        let DomainError::Validation(errors) = bad.check().unwrap_err() else {
            panic!("not a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["purposes", "retention", "transfers.0.safeguard"]);
    }

    #[test]
    fn csv_has_one_row_per_activity_with_lists_joined() {
        let c = input().check().unwrap();
        let at = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        let mut a = ProcessingActivity {
            id: ActivityId::new(),
            tenant_id: TenantId::new(),
            reference: "ROPA-001".into(),
            name: String::new(),
            purposes: vec![],
            legal_basis: LegalBasis::Consent,
            data_categories: vec![],
            subject_categories: vec![],
            recipients: vec![],
            retention: String::new(),
            transfers: vec![],
            updated_by: Party {
                id: "cli".into(),
                name: "CLI".into(),
            },
            created_at: at,
            updated_at: at,
            version: 1,
        };
        a.apply(c, LegalBasis::Contract);
        let csv = to_csv(&[a]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("reference,name,purposes,legal_basis"));
        assert!(
            lines[1].starts_with("ROPA-001,Payroll,pay staff,contract,bank details,employees"),
            "{csv}"
        );
        assert!(lines[1].contains("United States (standard contractual clauses)"));
    }
}
