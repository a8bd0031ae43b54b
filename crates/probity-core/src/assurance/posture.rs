//! The compliance posture, as pure functions over the catalog and a tenant's state, with the
//! service methods that gather that state:
//!
//! - **control health** from control tests (a failing test makes its controls `failing`);
//! - **gap analysis** for a framework: per requirement, what the mapped controls carry
//!   (implementation status, relationship, test health, current evidence) and what carries over
//!   from other frameworks' assessed requirements through crosswalks — each with its
//!   relationship — and, where it falls short, what is missing in words;
//! - the **ISO 27001 Statement of Applicability** and the **control matrix** (SOC 2 and any
//!   framework), with CSV renderings;
//! - **compliance status** per framework for the API, CLI and dashboard.
//!
//! A failing test means the control does not operate: it carries nothing. A control without
//! current evidence carries at most partial coverage. `intersects_with` links count only
//! through a recorded decision (the catalog's rule).

use std::collections::{BTreeMap, HashMap};

use probity_report::tabular::csv_record;
use serde::Serialize;

use super::AssuranceService;
use super::assessment::{scope_ids, score};
use super::model::*;
use crate::catalog::coverage::{Coverage, TenantView, framework_coverage};
use crate::catalog::{Catalog, ImplementationStatus, LinkKind, Relationship};
use crate::error::{DomainError, DomainResult};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

/// A requirement's place in the gap analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    /// Nothing shows it is met.
    Gap,
    /// Partly met.
    Partial,
    /// Met.
    Met,
    /// Does not apply.
    NotApplicable,
}

impl GapStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            GapStatus::Gap => "gap",
            GapStatus::Partial => "partial",
            GapStatus::Met => "met",
            GapStatus::NotApplicable => "not_applicable",
        }
    }
}

/// One mapped control's contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GapControl {
    /// Unified control.
    pub control: String,
    /// Its title.
    pub title: String,
    /// How it relates to the requirement.
    pub relationship: Relationship,
    /// Its implementation status at the tenant.
    pub implementation: ImplementationStatus,
    /// Its health from control tests.
    pub health: ControlHealth,
    /// Evidence items linked to it whose latest version is current.
    pub evidence_current: usize,
    /// Evidence items linked to it whose latest version expired.
    pub evidence_expired: usize,
    /// What it carries after tests and evidence.
    pub effect: Coverage,
}

/// Coverage carried over from another framework's assessed requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CarryOver {
    /// `framework:requirement`.
    pub from: String,
    /// How that requirement relates to this one.
    pub relationship: Relationship,
    /// Its status in that framework's latest assessment.
    pub assessed: ResultStatus,
    /// That assessment's reference and version.
    pub assessment: String,
    /// What it carries.
    pub effect: Coverage,
}

/// One requirement in a gap analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GapItem {
    /// Requirement id.
    pub requirement: String,
    /// Its title.
    pub title: String,
    /// The result.
    pub status: GapStatus,
    /// Mapped controls.
    pub controls: Vec<GapControl>,
    /// Coverage from other frameworks' assessments.
    pub carried_over: Vec<CarryOver>,
    /// The assessor's status in this framework's latest assessment, if any.
    pub assessed: Option<ResultStatus>,
    /// What is missing, in words (empty when met).
    pub missing: Vec<String>,
}

/// Totals of a gap analysis.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct GapTotals {
    /// Requirements in scope.
    pub requirements: usize,
    /// Met.
    pub met: usize,
    /// Partly met.
    pub partial: usize,
    /// Gaps.
    pub gap: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// `(met + partial / 2) / (requirements - not_applicable)`, 0–100, one decimal.
    pub percent: f64,
}

impl GapTotals {
    fn of(items: &[GapItem]) -> Self {
        let mut t = GapTotals {
            requirements: items.len(),
            ..GapTotals::default()
        };
        for i in items {
            match i.status {
                GapStatus::Met => t.met += 1,
                GapStatus::Partial => t.partial += 1,
                GapStatus::Gap => t.gap += 1,
                GapStatus::NotApplicable => t.not_applicable += 1,
            }
        }
        let den = t.requirements.saturating_sub(t.not_applicable);
        if den > 0 {
            let pct = 100.0 * (t.met as f64 + t.partial as f64 / 2.0) / den as f64;
            t.percent = (pct * 10.0).round() / 10.0;
        }
        t
    }
}

/// A gap analysis of one framework or baseline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GapAnalysis {
    /// Framework.
    pub framework: String,
    /// Baseline, when one.
    pub baseline: Option<String>,
    /// Totals.
    pub totals: GapTotals,
    /// Per requirement in scope.
    pub items: Vec<GapItem>,
}

/// Evidence counts of one control: (current or without expiry, expired).
pub type EvidenceCounts = HashMap<String, (usize, usize)>;

/// Everything the posture reads about a tenant.
#[derive(Debug, Clone, Default)]
pub struct PostureInput {
    /// Control statuses and link decisions.
    pub view: TenantView,
    /// Control id → health.
    pub health: HashMap<String, ControlHealth>,
    /// Control id → evidence counts.
    pub evidence: EvidenceCounts,
    /// Framework id → (latest assessment's `reference vN`, requirement → status).
    pub assessed: HashMap<String, (String, HashMap<String, ResultStatus>)>,
}

/// Health per control from the tests' latest results.
pub fn control_health(tests: &[ControlTest]) -> HashMap<String, ControlHealth> {
    let mut out: HashMap<String, ControlHealth> = HashMap::new();
    for t in tests {
        let h = match t.last_result {
            Some(TestResult::Fail) => ControlHealth::Failing,
            Some(TestResult::Error) => ControlHealth::Erroring,
            Some(TestResult::Pass) => ControlHealth::Passing,
            None => ControlHealth::Untested,
        };
        for c in &t.control_ids {
            let e = out.entry(c.clone()).or_insert(ControlHealth::Untested);
            *e = worse(*e, h);
        }
    }
    out
}

fn rank(h: ControlHealth) -> u8 {
    match h {
        ControlHealth::Untested => 0,
        ControlHealth::Passing => 1,
        ControlHealth::Erroring => 2,
        ControlHealth::Failing => 3,
    }
}

fn worse(a: ControlHealth, b: ControlHealth) -> ControlHealth {
    if rank(b) > rank(a) { b } else { a }
}

/// Evidence counts per control at `now`.
pub fn evidence_counts(
    items: &[EvidenceItem],
    versions: &[EvidenceVersion],
    now: chrono::DateTime<chrono::Utc>,
) -> EvidenceCounts {
    let mut latest: HashMap<EvidenceId, &EvidenceVersion> = HashMap::new();
    for v in versions {
        let e = latest.entry(v.evidence_id).or_insert(v);
        if v.number > e.number {
            *e = v;
        }
    }
    let mut out: EvidenceCounts = HashMap::new();
    for item in items {
        let expired = latest
            .get(&item.id)
            .and_then(|v| v.expires_at)
            .is_some_and(|at| at <= now);
        for c in &item.control_ids {
            let e = out.entry(c.clone()).or_default();
            if expired {
                e.1 += 1;
            } else {
                e.0 += 1;
            }
        }
    }
    out
}

fn carry(relationship: Relationship, status: ResultStatus) -> Coverage {
    let full = match relationship {
        Relationship::Equal | Relationship::SupersetOf => Coverage::Covered,
        Relationship::SubsetOf => Coverage::Partial,
        Relationship::IntersectsWith | Relationship::NoRelationship => Coverage::NotCovered,
    };
    match status {
        ResultStatus::Compliant => full,
        ResultStatus::PartiallyCompliant => full.min(Coverage::Partial),
        _ => Coverage::NotCovered,
    }
}

/// The gap analysis of `framework_id` (restricted to a baseline when given).
pub fn gap_analysis(
    catalog: &Catalog,
    framework_id: &str,
    baseline_id: Option<&str>,
    input: &PostureInput,
) -> Option<GapAnalysis> {
    let framework = catalog.framework(framework_id)?;
    let only = baseline_id.map(|_| scope_ids(catalog, framework_id, baseline_id));
    let coverage = framework_coverage(catalog, framework, only.as_deref(), &input.view);
    let own = input.assessed.get(framework_id);
    let items = coverage
        .into_iter()
        .map(|rc| {
            let mut missing = Vec::new();
            let mut controls = Vec::new();
            let mut best = Coverage::NotCovered;
            for r in &rc.reasons {
                let Some(control) = &r.control else { continue };
                let health = input
                    .health
                    .get(control)
                    .copied()
                    .unwrap_or(ControlHealth::Untested);
                let (current, expired) = input.evidence.get(control).copied().unwrap_or_default();
                let mut effect = r.effect;
                if effect != Coverage::NotCovered {
                    if health == ControlHealth::Failing {
                        effect = Coverage::NotCovered;
                        missing.push(format!("{control}: a control test fails"));
                    } else if current == 0 {
                        effect = effect.min(Coverage::Partial);
                        missing.push(if expired > 0 {
                            format!("{control}: its evidence expired; upload a current version")
                        } else {
                            format!("{control}: no evidence linked")
                        });
                    }
                }
                if health == ControlHealth::Erroring {
                    missing.push(format!("{control}: a control test cannot run"));
                }
                if effect == Coverage::Covered
                    || (effect == Coverage::Partial && best != Coverage::Covered)
                {
                    best = effect;
                }
                controls.push(GapControl {
                    control: control.clone(),
                    title: catalog
                        .control(control)
                        .map(|c| c.title.clone())
                        .unwrap_or_default(),
                    relationship: r
                        .links
                        .first()
                        .map_or(Relationship::NoRelationship, |l| l.relationship),
                    implementation: r
                        .control_status
                        .unwrap_or(ImplementationStatus::NotImplemented),
                    health,
                    evidence_current: current,
                    evidence_expired: expired,
                    effect,
                });
            }
            // Mapped controls that carry nothing because they are not implemented.
            let implemented = controls.iter().any(|c| {
                matches!(
                    c.implementation,
                    ImplementationStatus::Implemented | ImplementationStatus::PartiallyImplemented
                )
            });
            if !implemented {
                let mapped: Vec<String> = catalog
                    .links_of(framework_id, &rc.requirement)
                    .filter(|l| {
                        l.kind == LinkKind::Mapping
                            && l.relationship != Relationship::IntersectsWith
                    })
                    .map(|l| l.from.clone())
                    .collect();
                if mapped.is_empty() {
                    missing.push("no unified control maps to it".to_owned());
                } else {
                    missing.push(format!("implement one of {}", mapped.join(", ")));
                }
            }
            for link in &rc.undecided {
                missing.push(format!(
                    "{} intersects with it: record a coverage decision",
                    link.from
                ));
            }
            // Carry-over from other frameworks' assessments through crosswalks.
            let mut carried_over = Vec::new();
            for link in catalog
                .links_of(framework_id, &rc.requirement)
                .filter(|l| l.kind == LinkKind::Crosswalk)
            {
                let (other_fw, other_req, relationship) =
                    if link.to_framework == framework_id && link.to == rc.requirement {
                        (
                            link.from_framework.clone().unwrap_or_default(),
                            link.from.clone(),
                            link.relationship,
                        )
                    } else {
                        (
                            link.to_framework.clone(),
                            link.to.clone(),
                            link.relationship.inverse(),
                        )
                    };
                let Some((reference, results)) = input.assessed.get(&other_fw) else {
                    continue;
                };
                let Some(status) = results.get(&other_req).copied() else {
                    continue;
                };
                let effect = carry(relationship, status);
                if effect == Coverage::Covered
                    || (effect == Coverage::Partial && best != Coverage::Covered)
                {
                    best = effect;
                }
                carried_over.push(CarryOver {
                    from: format!("{other_fw}:{other_req}"),
                    relationship,
                    assessed: status,
                    assessment: reference.clone(),
                    effect,
                });
            }
            let assessed = own.and_then(|(_, m)| m.get(&rc.requirement).copied());
            let status = if rc.coverage == Coverage::NotApplicable
                || assessed == Some(ResultStatus::NotApplicable)
            {
                GapStatus::NotApplicable
            } else {
                match best {
                    Coverage::Covered => GapStatus::Met,
                    Coverage::Partial => GapStatus::Partial,
                    _ => GapStatus::Gap,
                }
            };
            if matches!(status, GapStatus::Met | GapStatus::NotApplicable) {
                missing.clear();
            }
            GapItem {
                requirement: rc.requirement,
                title: rc.title,
                status,
                controls,
                carried_over,
                assessed,
                missing,
            }
        })
        .collect::<Vec<_>>();
    Some(GapAnalysis {
        framework: framework_id.to_owned(),
        baseline: baseline_id.map(str::to_owned),
        totals: GapTotals::of(&items),
        items,
    })
}

/// One framework's posture.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FrameworkPosture {
    /// Framework id.
    pub framework: String,
    /// Its name.
    pub name: String,
    /// Gap totals.
    pub totals: GapTotals,
}

/// The posture of every shipped framework.
pub fn posture(catalog: &Catalog, input: &PostureInput) -> Vec<FrameworkPosture> {
    catalog
        .frameworks()
        .filter_map(|f| {
            gap_analysis(catalog, &f.info.id, None, input).map(|g| FrameworkPosture {
                framework: f.info.id.clone(),
                name: f.info.name.clone(),
                totals: g.totals,
            })
        })
        .collect()
}

/// A Statement of Applicability row (ISO/IEC 27001:2022 Annex A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SoaRow {
    /// Annex A control id (`A.5.1`).
    pub control: String,
    /// Our title for it.
    pub title: String,
    /// Whether it applies.
    pub applicable: bool,
    /// Why it applies or not (the assessor's rationale, else the mapped controls' notes).
    pub justification: String,
    /// `yes`, `partial` or `no` (from the gap analysis).
    pub implemented: String,
    /// Owners of the mapped unified controls.
    pub owners: Vec<String>,
    /// Mapped unified controls.
    pub unified_controls: Vec<String>,
    /// Current evidence items across them.
    pub evidence: usize,
}

/// A control matrix row: one requirement with its controls, owners, health and evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MatrixRow {
    /// Requirement (criterion) id.
    pub requirement: String,
    /// Its title.
    pub title: String,
    /// Mapped unified controls with their implementation status.
    pub controls: Vec<String>,
    /// Their owners.
    pub owners: Vec<String>,
    /// Worst test health among them.
    pub health: ControlHealth,
    /// Current evidence items across them.
    pub evidence: usize,
    /// Gap status.
    pub status: GapStatus,
    /// The assessor's status, if assessed.
    pub assessed: Option<ResultStatus>,
}

fn owners_of(controls: &[GapControl], owners: &HashMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = controls
        .iter()
        .filter_map(|c| owners.get(&c.control).cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Matrix rows from a gap analysis.
pub fn matrix_rows(gap: &GapAnalysis, owners: &HashMap<String, String>) -> Vec<MatrixRow> {
    gap.items
        .iter()
        .map(|i| MatrixRow {
            requirement: i.requirement.clone(),
            title: i.title.clone(),
            controls: i
                .controls
                .iter()
                .map(|c| {
                    format!(
                        "{} ({})",
                        c.control,
                        c.implementation.as_str().replace('_', " ")
                    )
                })
                .collect(),
            owners: owners_of(&i.controls, owners),
            health: i
                .controls
                .iter()
                .map(|c| c.health)
                .fold(ControlHealth::Untested, worse),
            evidence: i.controls.iter().map(|c| c.evidence_current).sum(),
            status: i.status,
            assessed: i.assessed,
        })
        .collect()
}

/// Statement of Applicability rows from an ISO 27001:2022 gap analysis (Annex A only).
pub fn soa_rows(
    gap: &GapAnalysis,
    owners: &HashMap<String, String>,
    notes: &HashMap<String, String>,
    rationale: &HashMap<String, String>,
) -> Vec<SoaRow> {
    gap.items
        .iter()
        .filter(|i| i.requirement.starts_with("A."))
        .map(|i| {
            let applicable = i.status != GapStatus::NotApplicable;
            let justification = rationale.get(&i.requirement).cloned().unwrap_or_else(|| {
                let n: Vec<String> = i
                    .controls
                    .iter()
                    .filter_map(|c| notes.get(&c.control).map(|n| format!("{}: {n}", c.control)))
                    .collect();
                if n.is_empty() {
                    if applicable {
                        "Applies to the organization's information processing.".to_owned()
                    } else {
                        "Not applicable: every mapped control is out of scope.".to_owned()
                    }
                } else {
                    n.join("; ")
                }
            });
            SoaRow {
                control: i.requirement.clone(),
                title: i.title.clone(),
                applicable,
                justification,
                implemented: match i.status {
                    GapStatus::Met => "yes",
                    GapStatus::Partial => "partial",
                    GapStatus::Gap => "no",
                    GapStatus::NotApplicable => "n/a",
                }
                .to_owned(),
                owners: owners_of(&i.controls, owners),
                unified_controls: i.controls.iter().map(|c| c.control.clone()).collect(),
                evidence: i.controls.iter().map(|c| c.evidence_current).sum(),
            }
        })
        .collect()
}

/// The Statement of Applicability as CSV.
pub fn soa_csv(rows: &[SoaRow]) -> String {
    let mut out = csv_record(
        &[
            "control",
            "title",
            "applicable",
            "justification",
            "implemented",
            "owners",
            "unified_controls",
            "evidence",
        ]
        .map(str::to_owned),
    );
    for r in rows {
        out.push_str(&csv_record(&[
            r.control.clone(),
            r.title.clone(),
            if r.applicable { "yes" } else { "no" }.to_owned(),
            r.justification.clone(),
            r.implemented.clone(),
            r.owners.join("; "),
            r.unified_controls.join(" "),
            r.evidence.to_string(),
        ]));
    }
    out
}

/// A control matrix as CSV.
pub fn matrix_csv(rows: &[MatrixRow]) -> String {
    let mut out = csv_record(
        &[
            "requirement",
            "title",
            "controls",
            "owners",
            "test_health",
            "evidence",
            "status",
            "assessed",
        ]
        .map(str::to_owned),
    );
    for r in rows {
        out.push_str(&csv_record(&[
            r.requirement.clone(),
            r.title.clone(),
            r.controls.join("; "),
            r.owners.join("; "),
            r.health.as_str().to_owned(),
            r.evidence.to_string(),
            r.status.as_str().to_owned(),
            r.assessed
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ]));
    }
    out
}

/// A failing (or erring) control test, for status views.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TestAlert {
    /// Test id.
    pub id: ControlTestId,
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// `fail` or `error`.
    pub result: TestResult,
    /// Controls.
    pub control_ids: Vec<String>,
    /// Last run.
    pub last_run_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The latest assessment of a framework, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AssessmentBrief {
    /// Id.
    pub id: ComplianceAssessmentId,
    /// `ASM-0001`.
    pub reference: String,
    /// Version.
    pub version: u32,
    /// State.
    pub state: AssessmentPhase,
    /// Score.
    pub score: f64,
    /// Open findings.
    pub open_findings: usize,
}

/// Counts of evidence by freshness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct EvidenceTotals {
    /// Items.
    pub total: usize,
    /// Current or without expiry.
    pub current: usize,
    /// Expiring within the reminder lead time.
    pub expiring: usize,
    /// Expired.
    pub expired: usize,
}

/// The compliance status of one framework.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComplianceStatus {
    /// Framework id.
    pub framework: String,
    /// Its name.
    pub name: String,
    /// Baseline, when one.
    pub baseline: Option<String>,
    /// Gap totals (the posture score is `totals.percent`).
    pub totals: GapTotals,
    /// The latest assessment of this framework.
    pub assessment: Option<AssessmentBrief>,
    /// Controls in scope by health.
    pub controls_by_health: BTreeMap<String, usize>,
    /// Failing and erring tests on controls in scope.
    pub failing_tests: Vec<TestAlert>,
    /// Evidence on controls in scope.
    pub evidence: EvidenceTotals,
    /// The tenant's latest checkpoint size (the log state the status was read at).
    pub checkpoint_size: Option<u64>,
    /// Its root hash, base64.
    pub checkpoint_root: Option<String>,
}

/// Evidence cited in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvidenceRef {
    /// Item.
    pub id: EvidenceId,
    /// `EV-0001`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Latest version.
    pub version: u32,
    /// Its SHA-256.
    pub sha256: String,
    /// `current`, `expiring`, `expired` or `no_expiry`.
    pub freshness: String,
}

/// One requirement in a compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Requirement id.
    pub requirement: String,
    /// Its title.
    pub title: String,
    /// Gap status.
    pub status: GapStatus,
    /// The assessor's status and rationale in the latest assessment.
    pub assessed: Option<ResultStatus>,
    /// The assessor's rationale.
    pub rationale: Option<String>,
    /// Controls carrying it (`IAM-09 equal, passing`).
    pub controls: Vec<String>,
    /// Evidence: cited in the assessment, linked to the requirement, or to a mapped control.
    pub evidence: Vec<EvidenceRef>,
    /// What is missing.
    pub missing: Vec<String>,
}

/// A compliance report of one framework: the status, every requirement with its evidence,
/// the latest assessment's findings and POA&M, and the checkpoint it was read at. Its hash is
/// recorded in the ledger (`report.generated`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComplianceReport {
    /// Tenant name.
    pub tenant: String,
    /// When generated.
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// The status summary.
    pub status: ComplianceStatus,
    /// Per requirement.
    pub requirements: Vec<ReportRow>,
    /// Findings of the latest assessment, with remediation (the POA&M).
    pub findings: Vec<Finding>,
    /// The latest assessment's sign-off, if signed.
    pub sign_off: Option<SignOff>,
    /// The latest signed checkpoint (C2SP note) covering the records read.
    pub checkpoint: Option<String>,
    /// SHA-256 of this report's JSON without this field, hex.
    pub report_sha256: String,
}

/// What one task of a regulatory change touches besides its control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TaskImpact {
    /// Task number.
    pub number: u32,
    /// Unified control.
    pub control_id: String,
    /// Evidence linked to the control or to the task's requirements (`EV-0003`).
    pub evidence: Vec<String>,
    /// Policies mapped to the control or to the task's requirements (policy keys).
    pub policies: Vec<String>,
    /// Assessment results on the task's requirements (`ASM-0001 v2 A.5.15 compliant`).
    pub assessments: Vec<String>,
    /// Control tests on the control (keys).
    pub tests: Vec<String>,
}

impl AssuranceService {
    /// Gathers the tenant's posture input.
    pub async fn posture_input(&self, who: &Principal) -> DomainResult<PostureInput> {
        let tenant = who.tenant.id;
        let states = self.store.control_states(tenant).await?;
        let decisions = self.store.link_decisions(tenant).await?;
        let tests = self.store.list_control_tests(tenant).await?;
        let items = self.store.list_evidence(tenant).await?;
        let versions = self.store.all_evidence_versions(tenant).await?;
        let mut assessed: HashMap<String, (String, HashMap<String, ResultStatus>)> = HashMap::new();
        // Newest first: the first seen per framework is its latest version.
        for a in self.store.list_assessments(tenant).await? {
            if a.state == AssessmentPhase::Superseded || assessed.contains_key(&a.framework_id) {
                continue;
            }
            assessed.insert(
                a.framework_id.clone(),
                (
                    format!("{} v{}", a.reference, a.version),
                    a.requirements
                        .iter()
                        .filter(|(_, r)| r.status != ResultStatus::NotAssessed)
                        .map(|(k, r)| (k.clone(), r.status))
                        .collect(),
                ),
            );
        }
        Ok(PostureInput {
            view: TenantView::new(&states, &decisions),
            health: control_health(&tests),
            evidence: evidence_counts(&items, &versions, self.clock.now()),
            assessed,
        })
    }

    /// A framework or baseline id, or a framework's short name (`soc2`), as (framework,
    /// baseline).
    pub(super) fn scope_of(&self, scope: &str) -> DomainResult<(String, Option<String>)> {
        // A short name (`soc2`) stands for the one framework whose id it starts.
        let short: Vec<&str> = self
            .catalog
            .frameworks()
            .map(|f| f.info.id.as_str())
            .filter(|id| {
                id.strip_prefix(scope)
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .collect();
        match self.catalog.baseline(scope) {
            Some(b) => Ok((b.framework.clone(), Some(b.id.clone()))),
            None if self.catalog.framework(scope).is_some() => Ok((scope.to_owned(), None)),
            None if short.len() == 1 => Ok((short.concat(), None)),
            None if short.len() > 1 => Err(DomainError::invalid(
                "framework",
                format!("{scope:?} could be any of {}; name one", short.join(", ")),
            )),
            None => Err(DomainError::invalid(
                "framework",
                format!(
                    "{scope:?} is neither a shipped framework nor a baseline; list them at /api/v1/catalog/frameworks"
                ),
            )),
        }
    }

    /// The gap analysis of a framework or baseline (any member).
    pub async fn gap_analysis(&self, who: &Principal, scope: &str) -> DomainResult<GapAnalysis> {
        who.require(Permission::Read)?;
        let (framework, baseline) = self.scope_of(scope)?;
        let input = self.posture_input(who).await?;
        gap_analysis(self.catalog, &framework, baseline.as_deref(), &input)
            .ok_or_else(|| DomainError::NotFound(format!("framework {framework}")))
    }

    /// Every framework's posture (any member).
    pub async fn posture(&self, who: &Principal) -> DomainResult<Vec<FrameworkPosture>> {
        who.require(Permission::Read)?;
        let input = self.posture_input(who).await?;
        Ok(posture(self.catalog, &input))
    }

    async fn owners_and_notes(
        &self,
        who: &Principal,
    ) -> DomainResult<(HashMap<String, String>, HashMap<String, String>)> {
        let states = self.store.control_states(who.tenant.id).await?;
        let owners = states
            .iter()
            .filter_map(|s| Some((s.control_id.clone(), s.owner.clone()?)))
            .collect();
        let notes = states
            .iter()
            .filter_map(|s| Some((s.control_id.clone(), s.note.clone()?)))
            .collect();
        Ok((owners, notes))
    }

    /// The control matrix of a framework (SOC 2 by default in the UI).
    pub async fn control_matrix(
        &self,
        who: &Principal,
        scope: &str,
    ) -> DomainResult<Vec<MatrixRow>> {
        let gap = self.gap_analysis(who, scope).await?;
        let (owners, _) = self.owners_and_notes(who).await?;
        Ok(matrix_rows(&gap, &owners))
    }

    /// The ISO/IEC 27001:2022 Statement of Applicability.
    pub async fn statement_of_applicability(&self, who: &Principal) -> DomainResult<Vec<SoaRow>> {
        let gap = self.gap_analysis(who, "iso27001-2022").await?;
        let (owners, notes) = self.owners_and_notes(who).await?;
        let rationale: HashMap<String, String> = self
            .store
            .list_assessments(who.tenant.id)
            .await?
            .into_iter()
            .find(|a| a.framework_id == "iso27001-2022" && a.state != AssessmentPhase::Superseded)
            .map(|a| {
                a.requirements
                    .into_iter()
                    .filter_map(|(k, r)| Some((k, r.rationale?)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(soa_rows(&gap, &owners, &notes, &rationale))
    }

    /// A compliance report of a framework or baseline (any member); its hash is recorded in
    /// the ledger as `report.generated`.
    pub async fn compliance_report(
        &self,
        who: &Principal,
        scope: &str,
    ) -> DomainResult<ComplianceReport> {
        let report = self.compliance_report_data(who, scope).await?;
        let event = self.event(
            who,
            "report.generated",
            ("report", format!("compliance:{}", report.status.framework)),
            serde_json::json!({
                "kind": "compliance", "framework": report.status.framework,
                "report_sha256": report.report_sha256, "checkpoint_size": report.status.checkpoint_size,
                "score": report.status.totals.percent,
            }),
        );
        self.store.record_event(&event).await?;
        Ok(report)
    }

    /// The data of [`Self::compliance_report`] without recording it (the reports engine
    /// records the rendering instead).
    pub async fn compliance_report_data(
        &self,
        who: &Principal,
        scope: &str,
    ) -> DomainResult<ComplianceReport> {
        let status = self.compliance_status(who, scope).await?;
        let gap = self.gap_analysis(who, scope).await?;
        let now = self.clock.now();
        let latest = self
            .store
            .list_assessments(who.tenant.id)
            .await?
            .into_iter()
            .find(|a| a.framework_id == status.framework && a.state != AssessmentPhase::Superseded);
        let evidence = self.evidence_list(who).await?;
        let refs = |pred: &dyn Fn(&EvidenceView) -> bool| -> Vec<EvidenceRef> {
            evidence
                .iter()
                .filter(|v| pred(v))
                .map(|v| EvidenceRef {
                    id: v.item.id,
                    reference: v.item.reference.clone(),
                    title: v.item.title.clone(),
                    version: v.item.current_version,
                    sha256: v
                        .versions
                        .first()
                        .map(|x| x.sha256.clone())
                        .unwrap_or_default(),
                    freshness: v.freshness.clone(),
                })
                .collect()
        };
        let requirements = gap
            .items
            .iter()
            .map(|i| {
                let result = latest
                    .as_ref()
                    .and_then(|a| a.requirements.get(&i.requirement));
                let key = format!("{}:{}", status.framework, i.requirement);
                let carriers: Vec<&str> = i.controls.iter().map(|c| c.control.as_str()).collect();
                ReportRow {
                    requirement: i.requirement.clone(),
                    title: i.title.clone(),
                    status: i.status,
                    assessed: i.assessed,
                    rationale: result.and_then(|r| r.rationale.clone()),
                    controls: i
                        .controls
                        .iter()
                        .map(|c| {
                            format!(
                                "{} {}, {}",
                                c.control,
                                c.relationship.as_str(),
                                c.health.as_str()
                            )
                        })
                        .collect(),
                    evidence: refs(&|v: &EvidenceView| {
                        result.is_some_and(|r| r.evidence_ids.contains(&v.item.id))
                            || v.item.requirement_ids.contains(&key)
                            || v.item
                                .control_ids
                                .iter()
                                .any(|c| carriers.contains(&c.as_str()))
                    }),
                    missing: i.missing.clone(),
                }
            })
            .collect();
        let checkpoint = self
            .store
            .latest_checkpoint(who.tenant.id)
            .await?
            .map(|c| c.signed_note);
        let mut report = ComplianceReport {
            tenant: who.tenant.name.clone(),
            generated_at: now,
            status,
            requirements,
            findings: latest
                .as_ref()
                .map(|a| a.findings.clone())
                .unwrap_or_default(),
            sign_off: latest.as_ref().and_then(|a| a.sign_off.clone()),
            checkpoint,
            report_sha256: String::new(),
        };
        let bytes =
            serde_json::to_vec(&report).map_err(|e| DomainError::Internal(e.to_string()))?;
        report.report_sha256 = super::sha256_hex(&bytes);
        Ok(report)
    }

    /// What each task of a regulatory change record touches: evidence, policies, assessment
    /// results and control tests (any member).
    pub async fn change_impact(
        &self,
        who: &Principal,
        id: crate::catalog::ChangeId,
    ) -> DomainResult<Vec<TaskImpact>> {
        who.require(Permission::Read)?;
        let tenant = who.tenant.id;
        let change = self
            .store
            .change(tenant, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("change record {id}")))?;
        let evidence = self.store.list_evidence(tenant).await?;
        let policies = self.store.list_policies(tenant).await?;
        let assessments: Vec<ComplianceAssessment> = self
            .store
            .list_assessments(tenant)
            .await?
            .into_iter()
            .filter(|a| a.state != AssessmentPhase::Superseded)
            .collect();
        let tests = self.store.list_control_tests(tenant).await?;
        Ok(change
            .tasks
            .iter()
            .map(|t| {
                // Task requirements are ids in either version of the framework.
                let keys: Vec<String> = t
                    .requirements
                    .iter()
                    .flat_map(|r| [format!("{}:{r}", change.from), format!("{}:{r}", change.to)])
                    .collect();
                TaskImpact {
                    number: t.number,
                    control_id: t.control_id.clone(),
                    evidence: evidence
                        .iter()
                        .filter(|e| {
                            e.control_ids.contains(&t.control_id)
                                || e.requirement_ids.iter().any(|r| keys.contains(r))
                        })
                        .map(|e| e.reference.clone())
                        .collect(),
                    policies: policies
                        .iter()
                        .filter(|p| {
                            p.control_ids.contains(&t.control_id)
                                || p.requirement_ids.iter().any(|r| keys.contains(r))
                        })
                        .map(|p| p.key.clone())
                        .collect(),
                    assessments: assessments
                        .iter()
                        .filter(|a| a.framework_id == change.from || a.framework_id == change.to)
                        .flat_map(|a| {
                            a.requirements
                                .iter()
                                .filter(|(r, _)| t.requirements.contains(r))
                                .map(move |(r, res)| {
                                    format!(
                                        "{} v{} {r} {}",
                                        a.reference,
                                        a.version,
                                        res.status.as_str()
                                    )
                                })
                        })
                        .collect(),
                    tests: tests
                        .iter()
                        .filter(|x| x.control_ids.contains(&t.control_id))
                        .map(|x| x.key.clone())
                        .collect(),
                }
            })
            .collect())
    }

    /// The compliance status of a framework or baseline (any member).
    pub async fn compliance_status(
        &self,
        who: &Principal,
        scope: &str,
    ) -> DomainResult<ComplianceStatus> {
        who.require(Permission::Read)?;
        let (framework, baseline) = self.scope_of(scope)?;
        let input = self.posture_input(who).await?;
        let gap = gap_analysis(self.catalog, &framework, baseline.as_deref(), &input)
            .ok_or_else(|| DomainError::NotFound(format!("framework {framework}")))?;
        let in_scope: std::collections::BTreeSet<String> = gap
            .items
            .iter()
            .flat_map(|i| i.controls.iter().map(|c| c.control.clone()))
            .collect();
        let mut controls_by_health = BTreeMap::new();
        for c in &in_scope {
            let h = input
                .health
                .get(c)
                .copied()
                .unwrap_or(ControlHealth::Untested);
            *controls_by_health.entry(h.as_str().to_owned()).or_insert(0) += 1;
        }
        let tests = self.store.list_control_tests(who.tenant.id).await?;
        let failing_tests = tests
            .iter()
            .filter(|t| matches!(t.last_result, Some(TestResult::Fail | TestResult::Error)))
            .filter(|t| t.control_ids.iter().any(|c| in_scope.contains(c)))
            .map(|t| TestAlert {
                id: t.id,
                key: t.key.clone(),
                title: t.title.clone(),
                result: t.last_result.unwrap_or(TestResult::Error),
                control_ids: t.control_ids.clone(),
                last_run_at: t.last_run_at,
            })
            .collect();
        let now = self.clock.now();
        let mut evidence = EvidenceTotals::default();
        for v in self.evidence_list(who).await? {
            if !v.item.control_ids.iter().any(|c| in_scope.contains(c)) {
                continue;
            }
            evidence.total += 1;
            match super::evidence::freshness(v.versions.first(), now) {
                "expired" => evidence.expired += 1,
                "expiring" => {
                    evidence.expiring += 1;
                    evidence.current += 1;
                }
                _ => evidence.current += 1,
            }
        }
        let assessment = self
            .store
            .list_assessments(who.tenant.id)
            .await?
            .into_iter()
            .find(|a| a.framework_id == framework && a.state != AssessmentPhase::Superseded)
            .map(|a| AssessmentBrief {
                id: a.id,
                reference: a.reference.clone(),
                version: a.version,
                state: a.state,
                score: score(self.catalog, &a).score,
                open_findings: a
                    .findings
                    .iter()
                    .filter(|f| f.status == FindingStatus::Open)
                    .count(),
            });
        let checkpoint = self.store.latest_checkpoint(who.tenant.id).await?;
        Ok(ComplianceStatus {
            name: self
                .catalog
                .framework(&framework)
                .map(|f| f.info.name.clone())
                .unwrap_or_default(),
            framework,
            baseline,
            totals: gap.totals,
            assessment,
            controls_by_health,
            failing_tests,
            evidence,
            checkpoint_size: checkpoint.as_ref().map(|c| c.size),
            checkpoint_root: checkpoint.as_ref().map(|c| c.root.to_base64()),
        })
    }
}
