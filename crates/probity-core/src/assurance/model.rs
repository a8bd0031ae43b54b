//! Assurance types: evidence items with immutable, content-addressed versions and period
//! freezes; compliance assessments with per-requirement and per-control results, findings and
//! their remediation (the POA&M), and a signed sign-off; control tests written in Rego with
//! their runs; decision policies.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::governance::Party;
use crate::notify::model::wire_enum;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies an evidence item (all its versions).
    EvidenceId
);
uuid_id!(
    /// Identifies an evidence freeze.
    FreezeId
);
uuid_id!(
    /// Identifies a compliance assessment (one version of it).
    ComplianceAssessmentId
);
uuid_id!(
    /// Identifies a control test.
    ControlTestId
);
uuid_id!(
    /// Identifies one run of a control test.
    TestRunId
);

wire_enum!(
    /// What an evidence version holds.
    EvidenceKind {
        /// A file (PDF, screenshot, export...).
        File => "file",
        /// A JSON document (configuration dump, API response, collector output).
        Json => "json",
    }
);

/// An evidence item: metadata and links; its content lives in [`EvidenceVersion`]s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceItem {
    /// Id.
    pub id: EvidenceId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Short reference, `EV-0001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// What it shows and how it was collected.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Unified controls it supports.
    pub control_ids: Vec<String>,
    /// Framework requirements it supports, as `framework:requirement`.
    pub requirement_ids: Vec<String>,
    /// Assessments it is cited in.
    pub assessment_ids: Vec<ComplianceAssessmentId>,
    /// Days a version stays valid after collection (renewal interval); none: no expiry.
    pub validity_days: Option<u32>,
    /// Who keeps it current.
    pub owner: Option<String>,
    /// The latest version's number (versions are 1, 2, ...).
    pub current_version: u32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Created by.
    pub created_by: Party,
    /// Last change to metadata, links or content.
    pub updated_at: DateTime<Utc>,
}

/// One immutable version of an evidence item's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceVersion {
    /// The item.
    pub evidence_id: EvidenceId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// 1, 2, ...
    pub number: u32,
    /// File or JSON document.
    pub kind: EvidenceKind,
    /// SHA-256 of the content, lowercase hex (the content's address).
    pub sha256: String,
    /// Content length in bytes.
    pub size: u64,
    /// Media type (`application/json` for documents).
    pub media_type: String,
    /// File name, for files.
    pub file_name: Option<String>,
    /// When the evidence was collected (defaults to the upload time).
    pub collected_at: DateTime<Utc>,
    /// Uploaded.
    pub uploaded_at: DateTime<Utc>,
    /// Uploaded by.
    pub uploaded_by: Party,
    /// `collected_at + validity_days`, when the item has a validity.
    pub expires_at: Option<DateTime<Utc>>,
    /// What this version changes.
    pub note: Option<String>,
}

/// An evidence item with its versions and freshness, as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    /// The item.
    #[serde(flatten)]
    pub item: EvidenceItem,
    /// Its versions, newest first.
    pub versions: Vec<EvidenceVersion>,
    /// `current`, `expiring` (within the reminder lead time), `expired` or `no_expiry`.
    pub freshness: String,
}

/// One version of one item in a freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FrozenItem {
    /// The item.
    pub evidence_id: EvidenceId,
    /// Its reference.
    pub reference: String,
    /// Its title at freeze time.
    pub title: String,
    /// The version frozen.
    pub version: u32,
    /// That version's content address.
    pub sha256: String,
    /// Its size.
    pub size: u64,
    /// Its file name, for files.
    pub file_name: Option<String>,
    /// When it was collected.
    pub collected_at: DateTime<Utc>,
}

/// A snapshot of the evidence set for an audit period: later uploads, new versions and link
/// changes do not alter it (the store refuses updates and deletes of freezes, versions and
/// content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceFreeze {
    /// Id.
    pub id: FreezeId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name (`SOC 2 Type II FY2026`).
    pub name: String,
    /// The assessment whose evidence it freezes; none: every item.
    pub assessment_id: Option<ComplianceAssessmentId>,
    /// Period start.
    pub period_start: NaiveDate,
    /// Period end: each item's latest version collected on or before this day is frozen.
    pub period_end: NaiveDate,
    /// Frozen.
    pub frozen_at: DateTime<Utc>,
    /// Frozen by.
    pub frozen_by: Party,
    /// The frozen versions, by reference.
    pub items: Vec<FrozenItem>,
    /// SHA-256 of the manifest (the items as canonical JSON), hex.
    pub manifest_sha256: String,
}

wire_enum!(
    /// An assessed requirement's or control's status.
    ResultStatus {
        /// Not looked at yet.
        NotAssessed => "not_assessed",
        /// Met.
        Compliant => "compliant",
        /// Partly met.
        PartiallyCompliant => "partially_compliant",
        /// Not met.
        NonCompliant => "non_compliant",
        /// Does not apply (needs a justification).
        NotApplicable => "not_applicable",
    }
);

wire_enum!(
    /// How serious a finding is.
    FindingSeverity {
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
        /// Critical.
        Critical => "critical",
    }
);

wire_enum!(
    /// Where a finding is.
    FindingStatus {
        /// Open: remediation pending.
        Open => "open",
        /// Accepted as a risk (see the exception or risk register).
        RiskAccepted => "risk_accepted",
        /// Remediated and closed.
        Closed => "closed",
    }
);

wire_enum!(
    /// Where a remediation item is.
    RemediationStatus {
        /// Not started.
        Open => "open",
        /// Under way.
        InProgress => "in_progress",
        /// Done.
        Done => "done",
    }
);

wire_enum!(
    /// Where an assessment is.
    AssessmentPhase {
        /// Being assessed: results and findings change.
        InProgress => "in_progress",
        /// Signed off by the lead assessor: frozen; changes need a new version.
        SignedOff => "signed_off",
        /// A newer version exists.
        Superseded => "superseded",
    }
);

/// The result for one requirement or control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemResult {
    /// Status.
    pub status: ResultStatus,
    /// Why (required for `not_applicable`).
    pub rationale: Option<String>,
    /// Evidence cited.
    pub evidence_ids: Vec<EvidenceId>,
    /// Who reviewed the result, when it was reviewed.
    pub reviewer: Option<Party>,
    /// Recorded by.
    pub updated_by: Party,
    /// Recorded.
    pub updated_at: DateTime<Utc>,
}

/// A milestone of a remediation item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Milestone {
    /// What is to be reached.
    pub title: String,
    /// By when.
    pub due: NaiveDate,
    /// Reached.
    #[serde(default)]
    pub done: bool,
}

/// One remediation item of a finding (a POA&M entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Remediation {
    /// `F-3.R1`.
    pub id: String,
    /// What will be done.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due: NaiveDate,
    /// Intermediate steps.
    pub milestones: Vec<Milestone>,
    /// Status.
    pub status: RemediationStatus,
}

/// A finding of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// `F-1`, `F-2`, ... within the assessment.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: FindingSeverity,
    /// What was found.
    pub description: String,
    /// Requirements affected (ids in the assessment's framework).
    pub requirement_ids: Vec<String>,
    /// Unified controls affected.
    pub control_ids: Vec<String>,
    /// Status.
    pub status: FindingStatus,
    /// Remediation plan.
    pub remediation: Vec<Remediation>,
    /// Raised.
    pub created_at: DateTime<Utc>,
    /// Raised by.
    pub created_by: Party,
    /// Closed or accepted.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A score at a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssessmentScore {
    /// When.
    pub at: DateTime<Utc>,
    /// Score, 0–100.
    pub score: f64,
}

/// The lead assessor's signed attestation over an assessment's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignOff {
    /// The lead assessor.
    pub signed_by: Party,
    /// When.
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of the assessment's content (see `assessment::content_hash`), hex.
    pub content_sha256: String,
    /// The attestation as a C2SP signed note (Ed25519), verifiable with `verifier_key`.
    pub note: String,
    /// The note verifier key, `<name>+<key id>+<base64 key>`.
    pub verifier_key: String,
    /// A statement the lead added.
    pub statement: Option<String>,
}

/// A compliance assessment of one framework (optionally one baseline of it), one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplianceAssessment {
    /// Id (of this version).
    pub id: ComplianceAssessmentId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Short reference shared by every version, `ASM-0001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Framework assessed.
    pub framework_id: String,
    /// Baseline (profile) of the framework, when one is assessed (`fedramp-moderate`).
    pub baseline_id: Option<String>,
    /// Scope statement.
    pub scope: String,
    /// Period start.
    pub period_start: NaiveDate,
    /// Period end.
    pub period_end: NaiveDate,
    /// Lead assessor (signs off).
    pub lead: Party,
    /// Assessment team.
    pub team: Vec<Party>,
    /// 1, 2, ...
    pub version: u32,
    /// The version this one continues.
    pub previous_id: Option<ComplianceAssessmentId>,
    /// State.
    pub state: AssessmentPhase,
    /// Bumped on every change (compare-and-swap).
    pub revision: u64,
    /// Requirement weights other than 1 (scores).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Results per requirement id.
    pub requirements: BTreeMap<String, ItemResult>,
    /// Results per unified control id.
    pub controls: BTreeMap<String, ItemResult>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Score after each change.
    pub score_history: Vec<AssessmentScore>,
    /// Sign-off, once signed.
    pub sign_off: Option<SignOff>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Created by.
    pub created_by: Party,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

wire_enum!(
    /// A control test run's result.
    TestResult {
        /// No violations.
        Pass => "pass",
        /// Violations found.
        Fail => "fail",
        /// The input could not be gathered or the policy could not be evaluated.
        Error => "error",
    }
);

wire_enum!(
    /// A control's health from its tests.
    ControlHealth {
        /// Every test passes.
        Passing => "passing",
        /// At least one test fails.
        Failing => "failing",
        /// No failure, but at least one test errs.
        Erroring => "erroring",
        /// No test has run.
        Untested => "untested",
    }
);

/// Where a control test's input comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Collector {
    /// Pushed through `POST /api/v1/control-tests/{id}/input`.
    Push,
    /// HTTP GET of a JSON URL.
    Http {
        /// The URL (http or https).
        url: String,
    },
    /// A JSON file on the server's disk.
    File {
        /// Absolute path.
        path: String,
    },
    /// Probity's own state: `users`, `ledger`, `policies`, `vendors`, `evidence`, `dsr`.
    Probity {
        /// Which.
        source: String,
    },
}

/// A continuous control monitoring test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ControlTest {
    /// Id.
    pub id: ControlTestId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Unique key within the tenant (`mfa-enforced`).
    pub key: String,
    /// Title.
    pub title: String,
    /// What it checks.
    pub summary: String,
    /// Unified controls whose health it informs.
    pub control_ids: Vec<String>,
    /// The Rego module (defines `deny`, a set of messages).
    pub rego: String,
    /// SHA-256 of `rego`, hex.
    pub rego_sha256: String,
    /// Input source.
    pub collector: Collector,
    /// Cron schedule, 5 fields or 6 with seconds (`0 * * * *`); none: run on push or on demand only.
    pub schedule: Option<String>,
    /// Scheduled runs on.
    pub enabled: bool,
    /// The JSON evidence item that keeps this test's inputs (one version per distinct input).
    pub evidence_id: Option<EvidenceId>,
    /// Next scheduled run.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Latest result.
    pub last_result: Option<TestResult>,
    /// Latest run time.
    pub last_run_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Created by.
    pub created_by: Party,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One evaluation of a control test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestRun {
    /// Id.
    pub id: TestRunId,
    /// Test.
    pub test_id: ControlTestId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Result.
    pub result: TestResult,
    /// Violation messages (for `fail`).
    pub violations: Vec<String>,
    /// What went wrong (for `error`).
    pub error: Option<String>,
    /// SHA-256 of the input evaluated (canonical JSON), hex.
    pub input_sha256: Option<String>,
    /// The policy's SHA-256 at the time.
    pub rego_sha256: String,
    /// How the run started: `push`, `schedule`, `manual`.
    pub trigger: String,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Evaluation time in microseconds.
    pub duration_us: u64,
}

/// A decision policy (evaluated by `POST /api/v1/decisions/{key}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionPolicy {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Key (`deploy-approval`).
    pub key: String,
    /// Title.
    pub title: String,
    /// Version, bumped on each upload.
    pub version: u32,
    /// The Rego module (defines `allow` and optionally `reasons`).
    pub rego: String,
    /// SHA-256 of `rego`, hex.
    pub rego_sha256: String,
    /// Uploaded.
    pub updated_at: DateTime<Utc>,
    /// Uploaded by.
    pub updated_by: Party,
}
