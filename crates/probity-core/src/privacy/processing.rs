//! Records of processing activities (GDPR Art. 30): what is processed, why, on which legal
//! basis (Art. 6, and the Art. 9(2) condition for special categories), which categories of
//! data about which categories of people (keys of [`super::taxonomy`]), shared with which
//! recipients and processors, protected by which measures, sent where under which transfer
//! mechanism; checked input and the CSV export. The DPIAs and retention schedules that name an
//! activity are linked to it when it is read.

use chrono::{DateTime, Utc};
use probity_report::tabular::csv_record;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::taxonomy::{Art9Condition, DATA_CATEGORIES, SUBJECT_CATEGORIES, check_keys, is_special};
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
    /// Every basis, in the order of Art. 6(1).
    pub const ALL: [LegalBasis; 6] = [
        LegalBasis::Consent,
        LegalBasis::Contract,
        LegalBasis::LegalObligation,
        LegalBasis::VitalInterests,
        LegalBasis::PublicTask,
        LegalBasis::LegitimateInterests,
    ];

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

/// The mechanism a transfer to a third country relies on (GDPR Chapter V).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferMechanism {
    /// The Commission found the destination's protection adequate.
    AdequacyDecision,
    /// Standard contractual clauses signed with the importer.
    StandardContractualClauses,
    /// Binding corporate rules approved for the group.
    BindingCorporateRules,
    /// A derogation for a specific situation (consent, contract, legal claims, ...): needs a
    /// reason.
    Derogation,
}

impl TransferMechanism {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdequacyDecision => "adequacy_decision",
            Self::StandardContractualClauses => "standard_contractual_clauses",
            Self::BindingCorporateRules => "binding_corporate_rules",
            Self::Derogation => "derogation",
        }
    }
}

/// A transfer of personal data outside the EEA (or the regime's territory), as recorded.
/// Records made before the mechanism was an enum carry the free-text `safeguard` instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    /// Destination country or international organisation.
    pub destination: String,
    /// The mechanism relied on (absent only on records made before it was required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<TransferMechanism>,
    /// Why a derogation applies, or a note on the mechanism.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The free-text safeguard of records made before the mechanism was an enum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguard: Option<String>,
}

impl Transfer {
    /// `United States (standard_contractual_clauses)`, for exports.
    pub fn label(&self) -> String {
        let how = match (self.mechanism, &self.reason, &self.safeguard) {
            (Some(m), Some(r), _) => format!("{}: {r}", m.as_str()),
            (Some(m), None, _) => m.as_str().to_owned(),
            (None, _, Some(s)) => s.clone(),
            (None, _, None) => "no mechanism recorded".to_owned(),
        };
        format!("{} ({how})", self.destination)
    }
}

/// A transfer as written by a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// Destination country or international organisation.
    pub destination: String,
    /// The mechanism relied on.
    pub mechanism: TransferMechanism,
    /// Why the derogation applies (required for `derogation`), or a note.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A processor acting on the controller's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Processor {
    /// Its name.
    pub name: String,
    /// The country it processes in.
    pub country: String,
    /// The contract or data processing agreement (reference or link).
    #[serde(default)]
    pub contract_reference: String,
}

/// A link from an activity to a DPIA or retention schedule that names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LinkRef {
    /// The linked record's id.
    pub id: uuid::Uuid,
    /// Its reference (`DPIA-001`, `RET-001`).
    pub reference: String,
    /// Its state (DPIA) or data category (retention schedule).
    pub label: String,
}

/// A processing activity as written by a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// Name, e.g. "Payroll" (unique in the tenant).
    pub name: String,
    /// Purposes (at least one).
    pub purposes: Vec<String>,
    /// The lawful basis (Art. 6).
    pub legal_basis: LegalBasis,
    /// The Art. 9(2) condition: required when a data category is a special one, refused
    /// otherwise.
    #[serde(default)]
    pub art9_condition: Option<Art9Condition>,
    /// Categories of personal data: keys of the taxonomy (`GET /api/v1/privacy/taxonomy`).
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// Categories of data subjects: keys of the taxonomy.
    #[serde(default)]
    pub subject_categories: Vec<String>,
    /// Recipients or categories of recipients.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Processors acting on the controller's behalf.
    #[serde(default)]
    pub processors: Vec<Processor>,
    /// A note on how long the data is kept; the enforced periods are the retention schedules
    /// that name the activity.
    #[serde(default)]
    pub retention: String,
    /// Technical and organisational security measures.
    #[serde(default)]
    pub security_measures: Vec<String>,
    /// Transfers to third countries.
    #[serde(default)]
    pub transfers: Vec<TransferInput>,
    /// On update: the version the caller read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<u32>,
}

/// A record of a processing activity. Fields added after the first release default when
/// older records are read.
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
    /// The Art. 9(2) condition, for special categories.
    #[serde(default)]
    pub art9_condition: Option<Art9Condition>,
    /// Categories of personal data (taxonomy keys; older records may hold free text).
    pub data_categories: Vec<String>,
    /// Categories of data subjects (taxonomy keys; older records may hold free text).
    pub subject_categories: Vec<String>,
    /// Recipients.
    pub recipients: Vec<String>,
    /// Processors.
    #[serde(default)]
    pub processors: Vec<Processor>,
    /// A note on retention.
    pub retention: String,
    /// Security measures.
    #[serde(default)]
    pub security_measures: Vec<String>,
    /// Transfers to third countries.
    pub transfers: Vec<Transfer>,
    /// The DPIAs that assess it (filled when read, never stored).
    #[serde(default, skip_deserializing)]
    pub dpias: Vec<LinkRef>,
    /// The retention schedules that cover it (filled when read, never stored).
    #[serde(default, skip_deserializing)]
    pub retention_schedules: Vec<LinkRef>,
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
    /// Art. 9(2) condition.
    pub art9_condition: Option<Art9Condition>,
    /// Data categories.
    pub data_categories: Vec<String>,
    /// Subject categories.
    pub subject_categories: Vec<String>,
    /// Recipients.
    pub recipients: Vec<String>,
    /// Processors.
    pub processors: Vec<Processor>,
    /// Retention note.
    pub retention: String,
    /// Security measures.
    pub security_measures: Vec<String>,
    /// Transfers.
    pub transfers: Vec<Transfer>,
}

impl ActivityInput {
    /// Trims and checks every field, naming each one that is wrong: taxonomy keys, the
    /// Art. 9(2) condition special categories need, processors, transfer mechanisms.
    pub fn check(&self) -> DomainResult<CheckedActivity> {
        let mut errors = Vec::new();
        let data_categories = list(&mut errors, "data_categories", &self.data_categories, false);
        check_keys(
            &mut errors,
            "data_categories",
            &data_categories,
            DATA_CATEGORIES,
        );
        let subject_categories = list(
            &mut errors,
            "subject_categories",
            &self.subject_categories,
            false,
        );
        check_keys(
            &mut errors,
            "subject_categories",
            &subject_categories,
            SUBJECT_CATEGORIES,
        );
        let special: Vec<&str> = data_categories
            .iter()
            .filter(|c| is_special(c))
            .map(String::as_str)
            .collect();
        match (special.is_empty(), self.art9_condition) {
            (false, None) => errors.push(FieldError {
                field: "art9_condition".into(),
                message: format!(
                    "{} is a special category: name the Art. 9(2) condition that allows it",
                    special.join(", ")
                ),
            }),
            (true, Some(c)) => errors.push(FieldError {
                field: "art9_condition".into(),
                message: format!(
                    "{} is only for special categories, and none is listed: remove it",
                    c.as_str()
                ),
            }),
            _ => {}
        }
        if self.processors.len() > MAX_ITEMS {
            errors.push(FieldError {
                field: "processors".into(),
                message: format!("at most {MAX_ITEMS} entries"),
            });
        }
        let processors = self
            .processors
            .iter()
            .enumerate()
            .map(|(i, p)| Processor {
                name: line(&mut errors, &format!("processors.{i}.name"), &p.name),
                country: line(&mut errors, &format!("processors.{i}.country"), &p.country),
                contract_reference: {
                    let r = p.contract_reference.trim();
                    if r.len() > MAX_LINE {
                        errors.push(FieldError {
                            field: format!("processors.{i}.contract_reference"),
                            message: format!("at most {MAX_LINE} bytes"),
                        });
                    }
                    r.to_owned()
                },
            })
            .collect();
        let retention = self.retention.trim().to_owned();
        if retention.len() > MAX_LINE {
            errors.push(FieldError {
                field: "retention".into(),
                message: format!("at most {MAX_LINE} bytes"),
            });
        }
        if self.transfers.len() > MAX_ITEMS {
            errors.push(FieldError {
                field: "transfers".into(),
                message: format!("at most {MAX_ITEMS} entries"),
            });
        }
        let transfers = self
            .transfers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let reason = t
                    .reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(|r| line(&mut errors, &format!("transfers.{i}.reason"), r));
                if t.mechanism == TransferMechanism::Derogation && reason.is_none() {
                    errors.push(FieldError {
                        field: format!("transfers.{i}.reason"),
                        message: "a derogation needs the reason it applies (e.g. the person's \
                                  explicit consent to this transfer)"
                            .into(),
                    });
                }
                Transfer {
                    destination: line(
                        &mut errors,
                        &format!("transfers.{i}.destination"),
                        &t.destination,
                    ),
                    mechanism: Some(t.mechanism),
                    reason,
                    safeguard: None,
                }
            })
            .collect();
        let checked = CheckedActivity {
            name: line(&mut errors, "name", &self.name),
            purposes: list(&mut errors, "purposes", &self.purposes, true),
            art9_condition: self.art9_condition,
            data_categories,
            subject_categories,
            recipients: list(&mut errors, "recipients", &self.recipients, false),
            processors,
            retention,
            security_measures: list(
                &mut errors,
                "security_measures",
                &self.security_measures,
                false,
            ),
            transfers,
        };
        if errors.is_empty() {
            Ok(checked)
        } else {
            errors.sort_by_key(|e| field_rank(&e.field));
            Err(DomainError::Validation(errors))
        }
    }
}

/// Errors in the order the fields are written.
fn field_rank(field: &str) -> usize {
    const ORDER: [&str; 11] = [
        "name",
        "purposes",
        "art9_condition",
        "data_categories",
        "subject_categories",
        "recipients",
        "processors",
        "retention",
        "security_measures",
        "transfers",
        "version",
    ];
    let head = field.split('.').next().unwrap_or(field);
    ORDER.iter().position(|f| *f == head).unwrap_or(ORDER.len())
}

impl ProcessingActivity {
    /// Replaces the user-written fields.
    pub fn apply(&mut self, c: CheckedActivity, basis: LegalBasis) {
        self.name = c.name;
        self.purposes = c.purposes;
        self.legal_basis = basis;
        self.art9_condition = c.art9_condition;
        self.data_categories = c.data_categories;
        self.subject_categories = c.subject_categories;
        self.recipients = c.recipients;
        self.processors = c.processors;
        self.retention = c.retention;
        self.security_measures = c.security_measures;
        self.transfers = c.transfers;
    }

    /// The special categories it lists.
    pub fn special_categories(&self) -> Vec<&str> {
        self.data_categories
            .iter()
            .filter(|c| is_special(c))
            .map(String::as_str)
            .collect()
    }
}

/// The record of processing as CSV: one row per activity, lists joined with `; `.
pub fn to_csv(activities: &[ProcessingActivity]) -> String {
    let mut out = csv_record(&[
        "reference",
        "name",
        "purposes",
        "legal_basis",
        "art9_condition",
        "data_categories",
        "subject_categories",
        "recipients",
        "processors",
        "retention",
        "retention_schedules",
        "security_measures",
        "transfers",
        "dpias",
        "updated_at",
    ]);
    let refs = |links: &[LinkRef]| {
        links
            .iter()
            .map(|l| format!("{} ({})", l.reference, l.label))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for a in activities {
        out.push_str(&csv_record(&[
            a.reference.clone(),
            a.name.clone(),
            a.purposes.join("; "),
            a.legal_basis.as_str().to_owned(),
            a.art9_condition
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            a.data_categories.join("; "),
            a.subject_categories.join("; "),
            a.recipients.join("; "),
            a.processors
                .iter()
                .map(|p| {
                    if p.contract_reference.is_empty() {
                        format!("{} ({})", p.name, p.country)
                    } else {
                        format!("{} ({}, {})", p.name, p.country, p.contract_reference)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            a.retention.clone(),
            refs(&a.retention_schedules),
            a.security_measures.join("; "),
            a.transfers
                .iter()
                .map(Transfer::label)
                .collect::<Vec<_>>()
                .join("; "),
            refs(&a.dpias),
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
            art9_condition: None,
            data_categories: vec!["financial".into(), "identity".into()],
            subject_categories: vec!["employees".into()],
            recipients: vec!["payroll provider".into()],
            processors: vec![Processor {
                name: "PayCo".into(),
                country: "Ireland".into(),
                contract_reference: "DPA-2024-03".into(),
            }],
            retention: "6 years after leaving".into(),
            security_measures: vec!["encryption at rest".into()],
            transfers: vec![TransferInput {
                destination: "United States".into(),
                mechanism: TransferMechanism::StandardContractualClauses,
                reason: None,
            }],
            version: None,
        }
    }

    fn fields(r: DomainResult<CheckedActivity>) -> Vec<String> {
        let Err(DomainError::Validation(errors)) = r else {
            panic!("not a validation error");
        };
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn input_is_trimmed_deduplicated_and_checked_per_field() {
        let c = input().check().unwrap();
        assert_eq!(c.name, "Payroll");
        assert_eq!(c.purposes, ["pay staff"]);
        let mut bad = input();
        bad.purposes.clear();
        bad.transfers[0].destination = " ".into();
        bad.processors[0].country = String::new();
        assert_eq!(
            fields(bad.check()),
            [
                "purposes",
                "processors.0.country",
                "transfers.0.destination"
            ]
        );
    }

    #[test]
    fn unknown_taxonomy_keys_are_refused_naming_the_field() {
        let mut bad = input();
        bad.data_categories.push("bank details".into());
        bad.subject_categories = vec!["staff".into()];
        let Err(DomainError::Validation(errors)) = bad.check() else {
            panic!("accepted");
        };
        assert_eq!(errors[0].field, "data_categories.2");
        assert!(errors[0].message.contains("\"bank details\""));
        assert_eq!(errors[1].field, "subject_categories.0");
        assert!(errors[1].message.contains("employees"), "{errors:?}");
    }

    #[test]
    fn special_categories_need_an_art9_condition_and_only_they_take_one() {
        let mut hr = input();
        hr.data_categories.push("health".into());
        let Err(DomainError::Validation(errors)) = hr.check() else {
            panic!("a special category without an Art. 9 condition was accepted");
        };
        assert_eq!(errors[0].field, "art9_condition");
        assert!(errors[0].message.contains("health"));
        hr.art9_condition = Some(Art9Condition::EmploymentSocialSecurity);
        assert!(hr.check().is_ok());
        let mut plain = input();
        plain.art9_condition = Some(Art9Condition::ExplicitConsent);
        assert_eq!(fields(plain.check()), ["art9_condition"]);
    }

    #[test]
    fn a_derogation_needs_its_reason() {
        let mut t = input();
        t.transfers[0].mechanism = TransferMechanism::Derogation;
        assert_eq!(fields(t.check()), ["transfers.0.reason"]);
        t.transfers[0].reason = Some("explicit consent to this transfer".into());
        let c = t.check().unwrap();
        assert_eq!(
            c.transfers[0].label(),
            "United States (derogation: explicit consent to this transfer)"
        );
    }

    #[test]
    fn records_made_before_the_taxonomy_still_read() {
        let old = serde_json::json!({
            "id": ActivityId::new(), "tenant_id": TenantId::new(), "reference": "ROPA-001",
            "name": "Payroll", "purposes": ["pay staff"], "legal_basis": "contract",
            "data_categories": ["bank details"], "subject_categories": ["staff"],
            "recipients": [], "retention": "6 years",
            "transfers": [{ "destination": "Japan", "safeguard": "adequacy" }],
            "updated_by": { "id": "cli", "name": "CLI" },
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "version": 1,
        });
        let a: ProcessingActivity = serde_json::from_value(old).unwrap();
        assert_eq!(a.art9_condition, None);
        assert!(a.processors.is_empty() && a.security_measures.is_empty());
        assert_eq!(a.transfers[0].label(), "Japan (adequacy)");
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
            art9_condition: None,
            data_categories: vec![],
            subject_categories: vec![],
            recipients: vec![],
            processors: vec![],
            retention: String::new(),
            security_measures: vec![],
            transfers: vec![],
            dpias: vec![],
            retention_schedules: vec![],
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
        assert!(lines[0].starts_with("reference,name,purposes,legal_basis,art9_condition"));
        assert!(
            lines[1]
                .starts_with("ROPA-001,Payroll,pay staff,contract,,financial; identity,employees"),
            "{csv}"
        );
        assert!(lines[1].contains("PayCo (Ireland, DPA-2024-03)"));
        assert!(lines[1].contains("United States (standard_contractual_clauses)"));
    }
}
