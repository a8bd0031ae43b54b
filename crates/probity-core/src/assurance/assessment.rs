//! Compliance assessments: per-requirement and per-control results, findings with remediation
//! (the POA&M), weighted scores and their trend, and the lead assessor's sign-off.
//!
//! **Scores.** A requirement scores 1 when compliant, ½ when partially compliant and 0 when
//! non-compliant or not yet assessed; not-applicable requirements leave the denominator. The
//! worst open finding on a requirement scales its value (critical ×0, high ×0.5, medium ×0.75,
//! low ×0.9). The framework score is the weighted mean (weights per requirement, default 1)
//! as a percentage. A control family's score is the mean over the family's controls mapped to
//! the framework, each control's value being its own result when assessed, else the mean of
//! the requirement values it maps to.
//!
//! **Sign-off.** The lead assessor signs the assessment's content hash — SHA-256 over its
//! canonical JSON content (framework, scope, period, team, results, findings; not its state or
//! timestamps) — as a C2SP signed note under the tenant's log key with the key name
//! `<log origin>/attestations`. The note and the hash are also an audit event in the ledger.
//! After sign-off the version is read-only; changes go into a new version.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::*;
use super::{AssuranceService, long, raced, sha256_hex, short};
use crate::catalog::{Catalog, LinkKind};
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::governance::rules::check_controls;
use crate::governance::service::party;
use crate::platform::model::UserId;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// A new assessment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// Title (default: the framework's name and the period).
    #[serde(default)]
    pub title: Option<String>,
    /// A framework id (`soc2-2017`) or baseline id (`fedramp-moderate`).
    pub framework: String,
    /// Scope statement.
    pub scope: String,
    /// Period start.
    pub period_start: NaiveDate,
    /// Period end.
    pub period_end: NaiveDate,
    /// Lead assessor, a member (default: the caller, who must then be a user).
    #[serde(default)]
    pub lead: Option<UserId>,
    /// Team members.
    #[serde(default)]
    pub team: Vec<UserId>,
}

/// A result for one requirement or control.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    /// Status.
    pub status: ResultStatus,
    /// Why (required for `not_applicable`).
    #[serde(default)]
    pub rationale: Option<String>,
    /// Evidence cited.
    #[serde(default)]
    pub evidence_ids: Vec<EvidenceId>,
    /// Records the caller as reviewer.
    #[serde(default)]
    pub reviewed: bool,
}

/// Changes to an assessment's header; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentUpdate {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// Team (replaces).
    #[serde(default)]
    pub team: Option<Vec<UserId>>,
    /// Requirement weights (replaces; default 1, each 0–10).
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
}

/// A remediation item as given.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationInput {
    /// What will be done.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due: NaiveDate,
    /// Milestones.
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// Status (default `open`).
    #[serde(default)]
    pub status: Option<RemediationStatus>,
}

/// A finding as given (new, or replacing an existing one's fields).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: FindingSeverity,
    /// What was found.
    #[serde(default)]
    pub description: Option<String>,
    /// Requirements affected (ids in the assessment's framework).
    #[serde(default)]
    pub requirement_ids: Vec<String>,
    /// Unified controls affected.
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Status (default `open`).
    #[serde(default)]
    pub status: Option<FindingStatus>,
    /// Remediation plan.
    #[serde(default)]
    pub remediation: Vec<RemediationInput>,
}

/// A sign-off, bound to the content the lead read.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSignOff {
    /// The assessment's `content_sha256` as read.
    pub content_sha256: String,
    /// A statement to include in the attestation.
    #[serde(default)]
    pub statement: Option<String>,
}

/// A family's score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FamilyScore {
    /// Family id (`IAM`).
    pub family: String,
    /// Its title.
    pub title: String,
    /// Controls of the family mapped to the framework.
    pub controls: usize,
    /// Score, 0–100.
    pub score: f64,
}

/// An assessment's scores.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Scores {
    /// Framework score, 0–100, one decimal.
    pub score: f64,
    /// Requirements in scope.
    pub requirements: usize,
    /// Requirements by status.
    pub by_status: BTreeMap<String, usize>,
    /// Open findings by severity.
    pub open_findings: BTreeMap<String, usize>,
    /// Per control family.
    pub families: Vec<FamilyScore>,
}

/// An assessment with its computed content hash and scores.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessmentView {
    /// The assessment.
    #[serde(flatten)]
    pub assessment: ComplianceAssessment,
    /// SHA-256 of the content (what a sign-off binds to).
    pub content_sha256: String,
    /// Scores.
    pub scores: Scores,
}

/// The result of checking a sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SignOffCheck {
    /// Everything checks out.
    pub valid: bool,
    /// The content hash now.
    pub content_sha256: String,
    /// The hash that was signed.
    pub signed_sha256: Option<String>,
    /// The note's signature verifies with the tenant's attestation key.
    pub signature_valid: bool,
    /// What is wrong, in words.
    pub problems: Vec<String>,
}

#[derive(Serialize)]
struct Content<'a> {
    id: ComplianceAssessmentId,
    tenant_id: crate::platform::model::TenantId,
    reference: &'a str,
    version: u32,
    title: &'a str,
    framework_id: &'a str,
    baseline_id: Option<&'a str>,
    scope: &'a str,
    period_start: NaiveDate,
    period_end: NaiveDate,
    lead: &'a Party,
    team: &'a [Party],
    weights: &'a BTreeMap<String, f64>,
    requirements: &'a BTreeMap<String, ItemResult>,
    controls: &'a BTreeMap<String, ItemResult>,
    findings: &'a [Finding],
}

/// SHA-256 over the assessment's content as canonical JSON, hex.
pub fn content_hash(a: &ComplianceAssessment) -> String {
    let content = Content {
        id: a.id,
        tenant_id: a.tenant_id,
        reference: &a.reference,
        version: a.version,
        title: &a.title,
        framework_id: &a.framework_id,
        baseline_id: a.baseline_id.as_deref(),
        scope: &a.scope,
        period_start: a.period_start,
        period_end: a.period_end,
        lead: &a.lead,
        team: &a.team,
        weights: &a.weights,
        requirements: &a.requirements,
        controls: &a.controls,
        findings: &a.findings,
    };
    let mut bytes = b"probity-assessment-content-v1\n".to_vec();
    bytes.extend(serde_json::to_vec(&content).unwrap_or_default());
    sha256_hex(&bytes)
}

/// The attestation text the lead signs (a signed note's text: lines without control
/// characters, ending in a newline).
pub fn attestation_text(
    tenant_slug: &str,
    a: &ComplianceAssessment,
    hash: &str,
    by: &Party,
    at: chrono::DateTime<chrono::Utc>,
    statement: Option<&str>,
) -> String {
    let clean = |s: &str| s.replace(|c: char| c.is_control(), " ");
    let mut text = format!(
        "probity-assessment-attestation/v1\ntenant {tenant_slug}\nassessment {} version {} {}\nframework {}{}\nperiod {}..{}\ncontent-sha256 {hash}\nsigned-off-by {} {}\nsigned-at {}\n",
        a.reference,
        a.version,
        a.id,
        a.framework_id,
        a.baseline_id
            .as_deref()
            .map(|b| format!(" baseline {b}"))
            .unwrap_or_default(),
        a.period_start,
        a.period_end,
        by.id,
        clean(&by.name),
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    if let Some(s) = statement {
        text.push_str(&format!("statement {}\n", clean(s)));
    }
    text
}

/// The requirement ids in an assessment's scope: the baseline's selection, or the framework's
/// assessable requirements.
pub fn scope_ids(catalog: &Catalog, framework_id: &str, baseline_id: Option<&str>) -> Vec<String> {
    if let Some(b) = baseline_id.and_then(|b| catalog.baseline(b)) {
        return b.requirements.clone();
    }
    catalog
        .framework(framework_id)
        .map(|f| {
            f.requirements
                .iter()
                .filter(|r| r.assessable)
                .map(|r| r.id.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// A status's value; `None` for not applicable.
pub fn status_value(s: ResultStatus) -> Option<f64> {
    match s {
        ResultStatus::Compliant => Some(1.0),
        ResultStatus::PartiallyCompliant => Some(0.5),
        ResultStatus::NonCompliant | ResultStatus::NotAssessed => Some(0.0),
        ResultStatus::NotApplicable => None,
    }
}

/// What the worst open finding leaves of a value.
pub fn severity_factor(s: FindingSeverity) -> f64 {
    match s {
        FindingSeverity::Critical => 0.0,
        FindingSeverity::High => 0.5,
        FindingSeverity::Medium => 0.75,
        FindingSeverity::Low => 0.9,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores an assessment over its scope.
pub fn score(catalog: &Catalog, a: &ComplianceAssessment) -> Scores {
    let ids = scope_ids(catalog, &a.framework_id, a.baseline_id.as_deref());
    let open: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .collect();
    let worst = |pred: &dyn Fn(&Finding) -> bool| -> f64 {
        open.iter()
            .filter(|f| pred(f))
            .map(|f| severity_factor(f.severity))
            .fold(1.0, f64::min)
    };
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut values: BTreeMap<&str, f64> = BTreeMap::new();
    let (mut num, mut den) = (0.0, 0.0);
    for id in &ids {
        let status = a
            .requirements
            .get(id)
            .map_or(ResultStatus::NotAssessed, |r| r.status);
        *by_status.entry(status.as_str().to_owned()).or_default() += 1;
        let Some(v) = status_value(status) else {
            continue;
        };
        let v = v * worst(&|f: &Finding| f.requirement_ids.contains(id));
        let w = a.weights.get(id).copied().unwrap_or(1.0);
        num += w * v;
        den += w;
        values.insert(id, v);
    }
    let score = if den > 0.0 {
        round1(100.0 * num / den)
    } else {
        0.0
    };
    // Families: controls mapped to requirements in scope.
    let mut per_control: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for link in catalog
        .links()
        .iter()
        .filter(|l| l.kind == LinkKind::Mapping && l.to_framework == a.framework_id)
    {
        if let Some(v) = values.get(link.to.as_str()) {
            per_control.entry(link.from.as_str()).or_default().push(*v);
        } else if ids.contains(&link.to) {
            per_control.entry(link.from.as_str()).or_default();
        }
    }
    let mut families: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (control, req_values) in &per_control {
        let own = a
            .controls
            .get(*control)
            .filter(|r| r.status != ResultStatus::NotAssessed);
        let value = match own {
            Some(r) => match status_value(r.status) {
                Some(v) => v * worst(&|f: &Finding| f.control_ids.iter().any(|c| c == control)),
                None => continue,
            },
            None if req_values.is_empty() => continue,
            None => req_values.iter().sum::<f64>() / req_values.len() as f64,
        };
        let family = catalog.control(control).map_or_else(
            || control.split('-').next().unwrap_or_default().to_owned(),
            |c| c.family.clone(),
        );
        let e = families.entry(family).or_default();
        e.0 += value;
        e.1 += 1;
    }
    let families = families
        .into_iter()
        .map(|(family, (sum, n))| FamilyScore {
            title: catalog
                .families()
                .iter()
                .find(|f| f.id == family)
                .map(|f| f.title.clone())
                .unwrap_or_default(),
            family,
            controls: n,
            score: round1(100.0 * sum / n as f64),
        })
        .collect();
    let mut open_findings = BTreeMap::new();
    for f in &open {
        *open_findings
            .entry(f.severity.as_str().to_owned())
            .or_default() += 1;
    }
    Scores {
        score,
        requirements: ids.len(),
        by_status,
        open_findings,
        families,
    }
}

fn check_result(catalog: &Catalog, field: &str, req: &ResultInput) -> DomainResult<Option<String>> {
    let rationale = long(
        &format!("{field}.rationale"),
        req.rationale.as_deref(),
        4000,
    )?;
    if req.status == ResultStatus::NotApplicable && rationale.is_none() {
        return Err(DomainError::invalid(
            format!("{field}.rationale"),
            "not_applicable needs a justification",
        ));
    }
    let _ = catalog;
    if req.evidence_ids.len() > 100 {
        return Err(DomainError::invalid(
            format!("{field}.evidence_ids"),
            "at most 100 evidence items",
        ));
    }
    Ok(rationale)
}

/// A finding's checked fields: title, severity, description, requirements, controls and
/// remediation.
type FindingFields = (
    String,
    FindingSeverity,
    String,
    Vec<String>,
    Vec<String>,
    Vec<Remediation>,
);

impl AssuranceService {
    fn require_assessor(who: &Principal) -> DomainResult<()> {
        who.require(Permission::Write)
            .or_else(|_| who.require(Permission::Audit))
    }

    async fn member_party(
        &self,
        who: &Principal,
        field: &str,
        user: UserId,
    ) -> DomainResult<Party> {
        if self.store.membership(who.tenant.id, user).await?.is_none() {
            return Err(DomainError::invalid(
                field,
                format!("{user} is not a member of this tenant"),
            ));
        }
        let u = self
            .store
            .user_by_id(user)
            .await?
            .ok_or_else(|| DomainError::invalid(field, format!("{user} is not a user")))?;
        Ok(Party {
            id: format!("user:{user}"),
            name: u.display_name,
        })
    }

    pub(super) fn assessment_view(&self, a: ComplianceAssessment) -> AssessmentView {
        AssessmentView {
            content_sha256: content_hash(&a),
            scores: score(self.catalog, &a),
            assessment: a,
        }
    }

    async fn load_assessment(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
    ) -> DomainResult<ComplianceAssessment> {
        self.store
            .assessment(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("assessment".into()))
    }

    /// Applies `change` to an in-progress assessment and stores it with its audit record
    /// (compare-and-swap on the revision); a signed-off version answers 409.
    async fn change_assessment(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        kind: &str,
        change: impl FnOnce(&mut ComplianceAssessment) -> DomainResult<serde_json::Value>,
    ) -> DomainResult<AssessmentView> {
        Self::require_assessor(who)?;
        let mut a = self.load_assessment(who, id).await?;
        if a.state != AssessmentPhase::InProgress {
            return Err(DomainError::Conflict(format!(
                "{} version {} is {}: start a new version to change it",
                a.reference,
                a.version,
                a.state.as_str().replace('_', " ")
            )));
        }
        let expected = a.revision;
        let details = change(&mut a)?;
        let now = self.clock.now();
        a.revision += 1;
        a.updated_at = now;
        let s = score(self.catalog, &a).score;
        a.score_history.push(AssessmentScore { at: now, score: s });
        if a.score_history.len() > 500 {
            a.score_history.remove(0);
        }
        let mut details = details;
        if let Some(obj) = details.as_object_mut() {
            obj.insert("reference".into(), json!(a.reference));
            obj.insert("version".into(), json!(a.version));
            obj.insert("score".into(), json!(s));
        }
        let event = self.event(who, kind, ("assessment", a.id.to_string()), details);
        if !self.store.update_assessment(&a, expected, &event).await? {
            return Err(raced("assessment"));
        }
        Ok(self.assessment_view(a))
    }

    /// Starts an assessment (contributor, auditor and above); audited as `assessment.created`.
    pub async fn create_assessment(
        &self,
        who: &Principal,
        req: &NewAssessment,
    ) -> DomainResult<AssessmentView> {
        Self::require_assessor(who)?;
        let (framework, baseline) = self.scope_of(&req.framework)?;
        if req.period_end < req.period_start {
            return Err(DomainError::invalid(
                "period_end",
                "must not be before period_start",
            ));
        }
        let scope = long("scope", Some(&req.scope), 4000)?
            .ok_or_else(|| DomainError::invalid("scope", "describe what is in scope"))?;
        let lead = match req.lead {
            Some(u) => self.member_party(who, "lead", u).await?,
            None => match who.user_id {
                Some(_) => party(who),
                None => {
                    return Err(DomainError::invalid(
                        "lead",
                        "name the lead assessor (a member's user id)",
                    ));
                }
            },
        };
        let mut team = Vec::new();
        for u in &req.team {
            let p = self.member_party(who, "team", *u).await?;
            if !team.contains(&p) {
                team.push(p);
            }
        }
        let title = match &req.title {
            Some(t) => short("title", t, 200)?,
            None => format!(
                "{} {} – {}",
                self.catalog
                    .framework(&framework)
                    .map_or(framework.clone(), |f| f.info.name.clone()),
                req.period_start,
                req.period_end
            ),
        };
        let now = self.clock.now();
        let existing = self.store.list_assessments(who.tenant.id).await?;
        let next = existing
            .iter()
            .filter_map(|a| a.reference.strip_prefix("ASM-")?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let a = ComplianceAssessment {
            id: ComplianceAssessmentId::new(),
            tenant_id: who.tenant.id,
            reference: format!("ASM-{next:04}"),
            title,
            framework_id: framework,
            baseline_id: baseline,
            scope,
            period_start: req.period_start,
            period_end: req.period_end,
            lead,
            team,
            version: 1,
            previous_id: None,
            state: AssessmentPhase::InProgress,
            revision: 1,
            weights: BTreeMap::new(),
            requirements: BTreeMap::new(),
            controls: BTreeMap::new(),
            findings: Vec::new(),
            score_history: vec![AssessmentScore {
                at: now,
                score: 0.0,
            }],
            sign_off: None,
            created_at: now,
            created_by: party(who),
            updated_at: now,
        };
        let event = self.event(who, "assessment.created", ("assessment", a.id.to_string()), json!({
            "reference": a.reference, "version": 1, "framework": a.framework_id,
            "baseline": a.baseline_id, "period_start": a.period_start, "period_end": a.period_end,
            "lead": a.lead,
        }));
        match self.store.insert_assessment(&a, &event).await {
            Err(StoreError::Duplicate(_)) => Err(raced("assessment list")),
            other => other.map_err(Into::into),
        }?;
        Ok(self.assessment_view(a))
    }

    /// Every assessment version, newest first (any member).
    pub async fn assessments(&self, who: &Principal) -> DomainResult<Vec<AssessmentView>> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .list_assessments(who.tenant.id)
            .await?
            .into_iter()
            .map(|a| self.assessment_view(a))
            .collect())
    }

    /// One assessment version (any member).
    pub async fn assessment(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
    ) -> DomainResult<AssessmentView> {
        who.require(Permission::Read)?;
        Ok(self.assessment_view(self.load_assessment(who, id).await?))
    }

    /// Changes title, scope, team or weights; audited as `assessment.updated`.
    pub async fn update_assessment(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        req: &AssessmentUpdate,
    ) -> DomainResult<AssessmentView> {
        let mut team = None;
        if let Some(t) = &req.team {
            let mut out = Vec::new();
            for u in t {
                let p = self.member_party(who, "team", *u).await?;
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            team = Some(out);
        }
        let catalog = self.catalog;
        self.change_assessment(who, id, "assessment.updated", |a| {
            if let Some(t) = &req.title {
                a.title = short("title", t, 200)?;
            }
            if let Some(s) = &req.scope {
                a.scope = long("scope", Some(s), 4000)?
                    .ok_or_else(|| DomainError::invalid("scope", "describe what is in scope"))?;
            }
            if let Some(t) = team {
                a.team = t;
            }
            if let Some(w) = &req.weights {
                let ids = scope_ids(catalog, &a.framework_id, a.baseline_id.as_deref());
                for (k, v) in w {
                    if !ids.contains(k) {
                        return Err(DomainError::invalid(
                            format!("weights.{k}"),
                            "is not a requirement in the assessment's scope",
                        ));
                    }
                    if !(0.0..=10.0).contains(v) {
                        return Err(DomainError::invalid(
                            format!("weights.{k}"),
                            "must be 0 to 10",
                        ));
                    }
                }
                a.weights = w
                    .iter()
                    .filter(|(_, v)| (**v - 1.0).abs() > f64::EPSILON)
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
            }
            Ok(json!({ "title": a.title, "scope": a.scope, "team": a.team, "weights": a.weights }))
        })
        .await
    }

    async fn check_evidence(
        &self,
        who: &Principal,
        field: &str,
        ids: &[EvidenceId],
    ) -> DomainResult<()> {
        for e in ids {
            if self.store.evidence(who.tenant.id, *e).await?.is_none() {
                return Err(DomainError::invalid(
                    format!("{field}.evidence_ids"),
                    format!("{e} is not evidence of this tenant"),
                ));
            }
        }
        Ok(())
    }

    /// Records a requirement's result; audited as `assessment.result.recorded`.
    pub async fn record_requirement(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        requirement: &str,
        req: &ResultInput,
    ) -> DomainResult<AssessmentView> {
        self.check_evidence(who, "result", &req.evidence_ids)
            .await?;
        let rationale = check_result(self.catalog, "result", req)?;
        let catalog = self.catalog;
        let by = party(who);
        let now = self.clock.now();
        self.change_assessment(who, id, "assessment.result.recorded", |a| {
            if !scope_ids(catalog, &a.framework_id, a.baseline_id.as_deref())
                .iter()
                .any(|r| r == requirement)
            {
                return Err(DomainError::NotFound(format!(
                    "requirement {requirement} in the scope of {}",
                    a.reference
                )));
            }
            a.requirements.insert(
                requirement.to_owned(),
                ItemResult {
                    status: req.status,
                    rationale: rationale.clone(),
                    evidence_ids: req.evidence_ids.clone(),
                    reviewer: req.reviewed.then(|| by.clone()),
                    updated_by: by.clone(),
                    updated_at: now,
                },
            );
            Ok(json!({ "requirement": requirement, "status": req.status,
                "rationale": rationale, "evidence_ids": req.evidence_ids }))
        })
        .await
    }

    /// Records a unified control's result; audited as `assessment.result.recorded`.
    pub async fn record_control(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        control: &str,
        req: &ResultInput,
    ) -> DomainResult<AssessmentView> {
        if self.catalog.control(control).is_none() {
            return Err(DomainError::NotFound(format!("unified control {control}")));
        }
        self.check_evidence(who, "result", &req.evidence_ids)
            .await?;
        let rationale = check_result(self.catalog, "result", req)?;
        let by = party(who);
        let now = self.clock.now();
        self.change_assessment(who, id, "assessment.result.recorded", |a| {
            a.controls.insert(
                control.to_owned(),
                ItemResult {
                    status: req.status,
                    rationale: rationale.clone(),
                    evidence_ids: req.evidence_ids.clone(),
                    reviewer: req.reviewed.then(|| by.clone()),
                    updated_by: by.clone(),
                    updated_at: now,
                },
            );
            Ok(json!({ "control": control, "status": req.status,
                "rationale": rationale, "evidence_ids": req.evidence_ids }))
        })
        .await
    }

    fn build_finding(
        &self,
        a: &ComplianceAssessment,
        fid: &str,
        req: &FindingInput,
    ) -> DomainResult<FindingFields> {
        let title = short("title", &req.title, 200)?;
        let description =
            long("description", req.description.as_deref(), 8000)?.unwrap_or_default();
        let ids = scope_ids(self.catalog, &a.framework_id, a.baseline_id.as_deref());
        if let Some(bad) = req.requirement_ids.iter().find(|r| !ids.contains(r)) {
            return Err(DomainError::invalid(
                "requirement_ids",
                format!("{bad} is not a requirement in the scope of {}", a.reference),
            ));
        }
        check_controls(&req.control_ids)?;
        if req.remediation.len() > 50 {
            return Err(DomainError::invalid("remediation", "at most 50 items"));
        }
        let mut remediation = Vec::new();
        for (i, r) in req.remediation.iter().enumerate() {
            let f = format!("remediation[{i}]");
            if r.milestones.len() > 20 {
                return Err(DomainError::invalid(
                    format!("{f}.milestones"),
                    "at most 20",
                ));
            }
            let mut milestones = Vec::new();
            for (j, m) in r.milestones.iter().enumerate() {
                milestones.push(Milestone {
                    title: short(&format!("{f}.milestones[{j}].title"), &m.title, 200)?,
                    due: m.due,
                    done: m.done,
                });
            }
            remediation.push(Remediation {
                id: format!("{fid}.R{}", i + 1),
                title: short(&format!("{f}.title"), &r.title, 200)?,
                owner: short(&format!("{f}.owner"), &r.owner, 200)?,
                due: r.due,
                milestones,
                status: r.status.unwrap_or(RemediationStatus::Open),
            });
        }
        Ok((
            title,
            req.severity,
            description,
            req.requirement_ids.clone(),
            req.control_ids.clone(),
            remediation,
        ))
    }

    /// Raises a finding; audited as `assessment.finding.created`.
    pub async fn add_finding(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        req: &FindingInput,
    ) -> DomainResult<AssessmentView> {
        let current = self.load_assessment(who, id).await?;
        let fid = format!("F-{}", current.findings.len() + 1);
        let (title, severity, description, requirement_ids, control_ids, remediation) =
            self.build_finding(&current, &fid, req)?;
        let by = party(who);
        let now = self.clock.now();
        self.change_assessment(who, id, "assessment.finding.created", |a| {
            let fid = format!("F-{}", a.findings.len() + 1);
            let status = req.status.unwrap_or(FindingStatus::Open);
            a.findings.push(Finding {
                id: fid.clone(),
                title,
                severity,
                description,
                requirement_ids,
                control_ids,
                status,
                remediation,
                created_at: now,
                created_by: by,
                closed_at: (status != FindingStatus::Open).then_some(now),
            });
            Ok(json!({ "finding": fid, "severity": severity, "status": status }))
        })
        .await
    }

    /// Replaces a finding's fields (status, remediation, ...); audited as
    /// `assessment.finding.updated`.
    pub async fn update_finding(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        finding: &str,
        req: &FindingInput,
    ) -> DomainResult<AssessmentView> {
        let current = self.load_assessment(who, id).await?;
        if !current.findings.iter().any(|f| f.id == finding) {
            return Err(DomainError::NotFound(format!("finding {finding}")));
        }
        let (title, severity, description, requirement_ids, control_ids, remediation) =
            self.build_finding(&current, finding, req)?;
        let now = self.clock.now();
        self.change_assessment(who, id, "assessment.finding.updated", |a| {
            let f = a
                .findings
                .iter_mut()
                .find(|f| f.id == finding)
                .ok_or_else(|| DomainError::NotFound(format!("finding {finding}")))?;
            let status = req.status.unwrap_or(f.status);
            if status != f.status {
                f.closed_at = (status != FindingStatus::Open).then_some(now);
            }
            f.title = title;
            f.severity = severity;
            f.description = description;
            f.requirement_ids = requirement_ids;
            f.control_ids = control_ids;
            f.remediation = remediation;
            f.status = status;
            Ok(json!({ "finding": finding, "severity": severity, "status": status }))
        })
        .await
    }

    async fn attestation_signer(
        &self,
        who: &Principal,
    ) -> DomainResult<(&crate::ledger::LedgerService, String)> {
        let Some((ledger, host)) = &self.ledger else {
            return Err(DomainError::Unavailable(
                "sign-off needs the ledger's signing key, which this process has not loaded".into(),
            ));
        };
        let origin = crate::ledger::checkpoint_origin(host, &who.tenant.slug);
        Ok((ledger.as_ref(), format!("{origin}/attestations")))
    }

    /// The lead assessor signs the version off, bound to the content hash they read; the
    /// version becomes read-only; audited as `assessment.signed_off` with the signed note.
    pub async fn sign_off(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        req: &NewSignOff,
    ) -> DomainResult<AssessmentView> {
        Self::require_assessor(who)?;
        let mut a = self.load_assessment(who, id).await?;
        let by = party(who);
        if by.id != a.lead.id {
            return Err(DomainError::Forbidden(format!(
                "only the lead assessor ({}) signs {} off",
                a.lead.name, a.reference
            )));
        }
        if a.state != AssessmentPhase::InProgress {
            return Err(DomainError::Conflict(format!(
                "{} version {} is already {}",
                a.reference,
                a.version,
                a.state.as_str().replace('_', " ")
            )));
        }
        let hash = content_hash(&a);
        if req.content_sha256.trim() != hash {
            return Err(DomainError::Conflict(format!(
                "the assessment changed since you read it (content_sha256 is now {hash}); review it again"
            )));
        }
        let statement = match req.statement.as_deref() {
            Some(s) => Some(short("statement", s, 500)?),
            None => None,
        };
        let now = self.clock.now();
        let text = attestation_text(
            who.tenant.slug.as_str(),
            &a,
            &hash,
            &by,
            now,
            statement.as_deref(),
        );
        let (ledger, name) = self.attestation_signer(who).await?;
        let (note, verifier_key) = ledger
            .sign_note(&name, &text)
            .await
            .map_err(|e| DomainError::Internal(format!("signing the attestation: {e}")))?;
        let expected = a.revision;
        a.revision += 1;
        a.state = AssessmentPhase::SignedOff;
        a.updated_at = now;
        a.sign_off = Some(SignOff {
            signed_by: by,
            signed_at: now,
            content_sha256: hash.clone(),
            note: note.clone(),
            verifier_key: verifier_key.clone(),
            statement,
        });
        let event = self.event(
            who,
            "assessment.signed_off",
            ("assessment", a.id.to_string()),
            json!({
                "reference": a.reference, "version": a.version, "content_sha256": hash,
                "attestation": note, "verifier_key": verifier_key,
                "score": score(self.catalog, &a).score,
            }),
        );
        if !self.store.update_assessment(&a, expected, &event).await? {
            return Err(raced("assessment"));
        }
        Ok(self.assessment_view(a))
    }

    /// Checks a version's sign-off: the content still hashes to what was signed, the note's
    /// text names that hash, and its signature verifies with the tenant's attestation key.
    pub async fn verify_sign_off(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
    ) -> DomainResult<SignOffCheck> {
        who.require(Permission::Read)?;
        let a = self.load_assessment(who, id).await?;
        let hash = content_hash(&a);
        let Some(s) = &a.sign_off else {
            return Ok(SignOffCheck {
                valid: false,
                content_sha256: hash,
                signed_sha256: None,
                signature_valid: false,
                problems: vec!["not signed off".into()],
            });
        };
        let mut problems = Vec::new();
        if s.content_sha256 != hash {
            problems.push(format!(
                "the content hashes to {hash}, but {} was signed: the record changed after sign-off",
                s.content_sha256
            ));
        }
        let (ledger, name) = self.attestation_signer(who).await?;
        let key = ledger
            .note_verifier_key(&name)
            .await
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        if key != s.verifier_key {
            problems.push("the stored verifier key is not this tenant's attestation key".into());
        }
        let signature_valid = match probity_ledger::note::Note::parse(s.note.as_bytes()) {
            Ok(note) => {
                let verifier = probity_ledger::ed25519::Ed25519NoteVerifier::from_key_text(&key);
                let ok = verifier
                    .map(|v| note.verify(&[&v]).is_ok())
                    .unwrap_or(false);
                if !note
                    .text()
                    .lines()
                    .any(|l| l == format!("content-sha256 {}", s.content_sha256))
                {
                    problems.push("the attestation does not name the signed hash".into());
                }
                ok
            }
            Err(e) => {
                problems.push(format!("the attestation is not a signed note: {e}"));
                false
            }
        };
        if !signature_valid {
            problems.push("the attestation's signature does not verify".into());
        }
        Ok(SignOffCheck {
            valid: problems.is_empty(),
            content_sha256: hash,
            signed_sha256: Some(s.content_sha256.clone()),
            signature_valid,
            problems,
        })
    }

    /// The assessment as an OSCAL document (any member): `assessment-plan` (the requirements
    /// in scope as reviewed controls), `assessment-results` (a finding per
    /// assessed requirement, satisfied when compliant or not applicable) or `poam` (an item per
    /// finding with its remediation plan). Audited as `assessment.exported`.
    pub async fn assessment_oscal(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
        model: &str,
    ) -> DomainResult<serde_json::Value> {
        use probity_oscal::export::{self, DocumentInfo, token};
        who.require(Permission::Read)?;
        let a = self.load_assessment(who, id).await?;
        let info = DocumentInfo {
            title: format!("{} v{}: {}", a.reference, a.version, a.title),
            version: format!("{}.{}", a.version, a.revision),
            at: a.updated_at,
        };
        let day = |d: NaiveDate, end: bool| {
            let t = if end {
                chrono::NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()
            } else {
                chrono::NaiveTime::MIN
            };
            d.and_time(t).and_utc()
        };
        let doc = match model {
            "assessment-results" => {
                let findings: Vec<export::FindingInput> = a
                    .requirements
                    .iter()
                    .filter(|(_, r)| r.status != ResultStatus::NotAssessed)
                    .map(|(req, r)| export::FindingInput {
                        control_id: token(req),
                        title: self
                            .catalog
                            .requirement(&a.framework_id, req)
                            .map_or_else(|| req.clone(), |q| format!("{req} {}", q.title)),
                        description: format!(
                            "{}{}",
                            r.status.as_str().replace('_', " "),
                            r.rationale
                                .as_deref()
                                .map(|x| format!(": {x}"))
                                .unwrap_or_default()
                        ),
                        satisfied: matches!(
                            r.status,
                            ResultStatus::Compliant | ResultStatus::NotApplicable
                        ),
                    })
                    .collect();
                probity_oscal::Document::AssessmentResults(Box::new(export::assessment_results(
                    &info,
                    &format!("urn:probity:assessment-plan:{}", a.id),
                    day(a.period_start, false),
                    Some(day(a.period_end, true)),
                    &findings,
                )))
            }
            "assessment-plan" => {
                let ids: Vec<String> =
                    scope_ids(self.catalog, &a.framework_id, a.baseline_id.as_deref())
                        .iter()
                        .map(|r| token(r))
                        .collect();
                probity_oscal::Document::AssessmentPlan(Box::new(export::assessment_plan(
                    &info,
                    &format!("urn:probity:system-security-plan:{}", a.tenant_id),
                    &ids,
                )))
            }
            "poam" if a.findings.is_empty() => {
                return Err(DomainError::Conflict(format!(
                    "{} version {} has no findings: a POA&M needs at least one",
                    a.reference, a.version
                )));
            }
            "poam" => {
                let items: Vec<(String, String)> = a
                    .findings
                    .iter()
                    .map(|f| {
                        let plan: Vec<String> = f
                            .remediation
                            .iter()
                            .map(|r| {
                                let milestones: Vec<String> = r
                                    .milestones
                                    .iter()
                                    .map(|m| {
                                        format!(
                                            "{} by {}{}",
                                            m.title,
                                            m.due,
                                            if m.done { " (done)" } else { "" }
                                        )
                                    })
                                    .collect();
                                format!(
                                    "{} {} (owner {}, due {}, {}){}",
                                    r.id,
                                    r.title,
                                    r.owner,
                                    r.due,
                                    r.status.as_str().replace('_', " "),
                                    if milestones.is_empty() {
                                        String::new()
                                    } else {
                                        format!("; milestones: {}", milestones.join("; "))
                                    }
                                )
                            })
                            .collect();
                        (
                            format!("{} {}", f.id, f.title),
                            format!(
                                "Severity {}, {}. {} Requirements: {}. Controls: {}. Remediation: {}",
                                f.severity.as_str(),
                                f.status.as_str().replace('_', " "),
                                f.description,
                                f.requirement_ids.join(", "),
                                f.control_ids.join(", "),
                                if plan.is_empty() {
                                    "none planned".to_owned()
                                } else {
                                    plan.join(" | ")
                                }
                            ),
                        )
                    })
                    .collect();
                probity_oscal::Document::PlanOfActionAndMilestones(Box::new(export::poam(
                    &info, None, &items,
                )))
            }
            other => {
                return Err(DomainError::invalid(
                    "model",
                    format!("{other:?} is not assessment-plan, assessment-results or poam"),
                ));
            }
        };
        let value = doc
            .to_value()
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let event = self.event(
            who,
            "assessment.exported",
            ("assessment", a.id.to_string()),
            json!({
                "reference": a.reference, "version": a.version, "model": model,
                "content_sha256": content_hash(&a),
            }),
        );
        self.store.record_event(&event).await?;
        Ok(value)
    }

    /// Starts the next version from a signed-off one (results and findings carried over); the
    /// signed-off version becomes `superseded` and stays as signed; audited as
    /// `assessment.version.created`.
    pub async fn new_assessment_version(
        &self,
        who: &Principal,
        id: ComplianceAssessmentId,
    ) -> DomainResult<AssessmentView> {
        Self::require_assessor(who)?;
        let mut old = self.load_assessment(who, id).await?;
        if old.state != AssessmentPhase::SignedOff {
            return Err(DomainError::Conflict(format!(
                "{} version {} is {}: only a signed-off version gets a successor",
                old.reference,
                old.version,
                old.state.as_str().replace('_', " ")
            )));
        }
        let now = self.clock.now();
        let mut next = old.clone();
        next.id = ComplianceAssessmentId::new();
        next.version = old.version + 1;
        next.previous_id = Some(old.id);
        next.state = AssessmentPhase::InProgress;
        next.revision = 1;
        next.sign_off = None;
        next.created_at = now;
        next.created_by = party(who);
        next.updated_at = now;
        let event = self.event(
            who,
            "assessment.version.created",
            ("assessment", next.id.to_string()),
            json!({
                "reference": next.reference, "version": next.version, "previous_id": old.id,
            }),
        );
        self.store.insert_assessment(&next, &event).await?;
        let expected = old.revision;
        old.revision += 1;
        old.state = AssessmentPhase::Superseded;
        let event = self.event(
            who,
            "assessment.superseded",
            ("assessment", old.id.to_string()),
            json!({
                "reference": old.reference, "version": old.version, "by": next.id,
            }),
        );
        if !self.store.update_assessment(&old, expected, &event).await? {
            return Err(raced("assessment"));
        }
        Ok(self.assessment_view(next))
    }
}
