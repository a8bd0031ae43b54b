//! Risk register use cases on [`GovernanceService`]: the tenant's matrix and appetite, risks
//! scored against them (the residual derived from linked control health when not assessed),
//! reviews, the score history, and an alert when a residual score goes above appetite.

use serde::Deserialize;
use serde_json::json;

use super::risk::*;
use super::rules::{check_controls, text};
use super::service::GovernanceService;
use crate::audit::AuditRecord;
use crate::catalog::ImplementationStatus;
use crate::error::{DomainError, DomainResult};
use crate::notify::{Notice, Severity};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// A new risk.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRisk {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Category.
    pub category: RiskCategory,
    /// Accountable owner.
    pub owner: String,
    /// Affected assets and processes.
    #[serde(default)]
    pub assets: Vec<String>,
    /// The threat.
    #[serde(default)]
    pub threat: String,
    /// The weakness.
    #[serde(default)]
    pub vulnerability: String,
    /// Before controls.
    pub inherent: Rating,
    /// After controls, as assessed; leave out to derive it from the linked controls.
    #[serde(default)]
    pub residual: Option<Rating>,
    /// Treatment (default `mitigate`).
    #[serde(default)]
    pub treatment: Option<Treatment>,
    /// The plan.
    #[serde(default)]
    pub treatment_plan: String,
    /// Unified controls that treat it.
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Business impact analysis.
    #[serde(default)]
    pub business_impact: Option<BusinessImpact>,
    /// Months between reviews (1–24, default 6).
    #[serde(default)]
    pub review_months: Option<u32>,
}

/// Changes to a risk; absent fields stay. `version` must be the version read (optimistic
/// concurrency: a stale one is a 409).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskUpdate {
    /// The version the change is based on.
    pub version: u32,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// Inherent rating.
    #[serde(default)]
    pub inherent: Option<Rating>,
    /// Assessed residual rating.
    #[serde(default)]
    pub residual: Option<Rating>,
    /// Drop the assessed residual (derive it again).
    #[serde(default)]
    pub clear_residual: bool,
    /// Treatment.
    #[serde(default)]
    pub treatment: Option<Treatment>,
    /// The plan.
    #[serde(default)]
    pub treatment_plan: Option<String>,
    /// Linked controls.
    #[serde(default)]
    pub control_ids: Option<Vec<String>>,
    /// Open or closed.
    #[serde(default)]
    pub status: Option<RiskStatus>,
}

/// A risk with its history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RiskDetail {
    /// The risk, scored.
    #[serde(flatten)]
    pub view: RiskView,
    /// Every recorded score, oldest first.
    pub history: Vec<ScorePoint>,
}

/// The register: risks scored, the matrix, and heat maps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Register {
    /// Risks, by reference.
    pub items: Vec<RiskView>,
    /// The tenant's settings.
    pub settings: RiskSettings,
    /// Open risks per cell by residual rating, `[likelihood − 1][impact − 1]`.
    pub residual_heat_map: Vec<Vec<u32>>,
    /// The same by inherent rating.
    pub inherent_heat_map: Vec<Vec<u32>>,
}

impl GovernanceService {
    fn risk_event(
        &self,
        who: &Principal,
        kind: &str,
        risk: &Risk,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            kind,
            &who.actor,
            ("risk", risk.id.to_string()),
            self.clock.now(),
        )
        .with_details(details)
    }

    /// The tenant's matrix and appetite (the defaults until someone sets them).
    pub async fn risk_settings(&self, who: &Principal) -> DomainResult<RiskSettings> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .risk_settings(who.tenant.id)
            .await?
            .unwrap_or_default())
    }

    /// Sets the matrix and appetite (compliance manager and above); refused when an open risk
    /// would fall off the new matrix.
    pub async fn set_risk_settings(
        &self,
        who: &Principal,
        settings: &RiskSettings,
    ) -> DomainResult<RiskSettings> {
        who.require(Permission::Approve)?;
        settings.matrix.validate()?;
        let max = settings.matrix.max_score();
        if let Some((c, a)) = settings
            .appetite
            .iter()
            .find(|(_, a)| **a == 0 || **a > max)
        {
            return Err(DomainError::invalid(
                format!("appetite.{}", c.as_str()),
                format!("{a} is outside 1 to {max}"),
            ));
        }
        for r in self.store.list_risks(who.tenant.id).await? {
            for rating in std::iter::once(r.inherent).chain(r.residual) {
                if settings.matrix.check("matrix", rating).is_err() {
                    return Err(DomainError::Conflict(format!(
                        "risk {} is rated {}×{}, outside the new matrix: re-rate it first",
                        r.reference, rating.likelihood, rating.impact
                    )));
                }
            }
        }
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "risk.settings.updated",
            &who.actor,
            ("tenant", who.tenant.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({ "matrix": settings.matrix, "appetite": settings.appetite }));
        self.store
            .put_risk_settings(who.tenant.id, settings, &event)
            .await?;
        Ok(settings.clone())
    }

    pub(super) async fn statuses(
        &self,
        who: &Principal,
    ) -> DomainResult<std::collections::HashMap<String, ImplementationStatus>> {
        Ok(self
            .store
            .control_states(who.tenant.id)
            .await?
            .into_iter()
            .map(|s| (s.control_id, s.status))
            .collect())
    }

    fn score(
        &self,
        risk: Risk,
        settings: &RiskSettings,
        states: &std::collections::HashMap<String, ImplementationStatus>,
    ) -> RiskView {
        let statuses: Vec<ImplementationStatus> = risk
            .control_ids
            .iter()
            .map(|c| {
                states
                    .get(c)
                    .copied()
                    .unwrap_or(ImplementationStatus::NotImplemented)
            })
            .collect();
        view(risk, settings, &statuses, self.clock.now())
    }

    pub(super) async fn scored(&self, who: &Principal, risk: Risk) -> DomainResult<RiskView> {
        let settings = self
            .store
            .risk_settings(who.tenant.id)
            .await?
            .unwrap_or_default();
        let states = self.statuses(who).await?;
        Ok(self.score(risk, &settings, &states))
    }

    fn point(&self, v: &RiskView) -> ScorePoint {
        ScorePoint {
            at: self.clock.now(),
            version: v.risk.version,
            inherent: v.inherent_score,
            residual: v.residual_score,
        }
    }

    async fn alert_appetite(&self, who: &Principal, v: &RiskView) {
        if !v.exceeds_appetite {
            return;
        }
        self.raise(
            who,
            Notice {
                kind: "risk.appetite_exceeded".into(),
                severity: Severity::High,
                title: format!(
                    "{} {} is above appetite: residual {} > {}",
                    v.risk.reference,
                    v.risk.title,
                    v.residual_score,
                    v.appetite.unwrap_or_default()
                ),
                body: format!(
                    "Category {}, owner {}.",
                    v.risk.category.as_str(),
                    v.risk.owner
                ),
                link: self.page_url(&format!("/governance/risks/{}", v.risk.id)),
                dedup_key: Some(format!("risk.appetite:{}:{}", v.risk.id, v.risk.version)),
            },
        )
        .await;
    }

    /// Adds a risk (contributor and above); audited as `risk.created`.
    pub async fn create_risk(&self, who: &Principal, req: &NewRisk) -> DomainResult<RiskView> {
        who.require(Permission::Write)?;
        let settings = self
            .store
            .risk_settings(who.tenant.id)
            .await?
            .unwrap_or_default();
        settings.matrix.check("inherent", req.inherent)?;
        if let Some(r) = req.residual {
            settings.matrix.check("residual", r)?;
        }
        check_controls(&req.control_ids)?;
        let review_months = req.review_months.unwrap_or(6);
        if !(1..=24).contains(&review_months) {
            return Err(DomainError::invalid("review_months", "must be 1 to 24"));
        }
        if req.assets.len() > 50 {
            return Err(DomainError::invalid("assets", "at most 50"));
        }
        let assets = req
            .assets
            .iter()
            .map(|a| text("assets", a, 200, true))
            .collect::<DomainResult<Vec<_>>>()?;
        let now = self.clock.now();
        let existing = self.store.list_risks(who.tenant.id).await?;
        let risk = Risk {
            id: RiskId::new(),
            tenant_id: who.tenant.id,
            reference: format!("R-{:03}", existing.len() + 1),
            title: text("title", &req.title, 200, true)?,
            description: text("description", &req.description, 4000, false)?,
            category: req.category,
            owner: text("owner", &req.owner, 200, true)?,
            assets,
            threat: text("threat", &req.threat, 1000, false)?,
            vulnerability: text("vulnerability", &req.vulnerability, 1000, false)?,
            inherent: req.inherent,
            residual: req.residual,
            treatment: req.treatment.unwrap_or(Treatment::Mitigate),
            treatment_plan: text("treatment_plan", &req.treatment_plan, 4000, false)?,
            control_ids: req.control_ids.clone(),
            business_impact: req.business_impact.clone(),
            review_months,
            next_review: now
                .checked_add_months(chrono::Months::new(review_months))
                .unwrap_or(now),
            status: RiskStatus::Open,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let states = self.statuses(who).await?;
        let v = self.score(risk, &settings, &states);
        let event = self.risk_event(who, "risk.created", &v.risk, json!({
            "reference": v.risk.reference, "title": v.risk.title, "category": v.risk.category,
            "inherent": v.risk.inherent, "residual": v.residual_rating, "residual_source": v.residual_source,
            "inherent_score": v.inherent_score, "residual_score": v.residual_score, "version": 1,
        }));
        self.store
            .insert_risk(&v.risk, &self.point(&v), &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => DomainError::Conflict(
                    "another risk was added at the same time; try again".into(),
                ),
                other => other.into(),
            })?;
        self.alert_appetite(who, &v).await;
        Ok(v)
    }

    async fn risk_of(&self, who: &Principal, id: RiskId) -> DomainResult<Risk> {
        self.store
            .risk(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("risk {id}")))
    }

    /// The register with heat maps (any member).
    pub async fn risks(&self, who: &Principal) -> DomainResult<Register> {
        who.require(Permission::Read)?;
        let settings = self
            .store
            .risk_settings(who.tenant.id)
            .await?
            .unwrap_or_default();
        let states = self.statuses(who).await?;
        let items: Vec<RiskView> = self
            .store
            .list_risks(who.tenant.id)
            .await?
            .into_iter()
            .map(|r| self.score(r, &settings, &states))
            .collect();
        Ok(Register {
            residual_heat_map: heat_map(&items, &settings.matrix, true),
            inherent_heat_map: heat_map(&items, &settings.matrix, false),
            items,
            settings,
        })
    }

    /// One risk with its score history.
    pub async fn risk(&self, who: &Principal, id: RiskId) -> DomainResult<RiskDetail> {
        who.require(Permission::Read)?;
        let risk = self.risk_of(who, id).await?;
        let view = self.scored(who, risk).await?;
        let history = self.store.risk_history(who.tenant.id, id).await?;
        Ok(RiskDetail { view, history })
    }

    /// Changes a risk (contributor and above): a new version; audited as `risk.updated` with
    /// the fields that changed.
    pub async fn update_risk(
        &self,
        who: &Principal,
        id: RiskId,
        req: &RiskUpdate,
    ) -> DomainResult<RiskView> {
        who.require(Permission::Write)?;
        let old = self.risk_of(who, id).await?;
        if req.version != old.version {
            return Err(DomainError::Conflict(format!(
                "risk {} is at version {}, not {}: reload it and change what you see",
                old.reference, old.version, req.version
            )));
        }
        let settings = self
            .store
            .risk_settings(who.tenant.id)
            .await?
            .unwrap_or_default();
        let mut r = old.clone();
        if let Some(t) = &req.title {
            r.title = text("title", t, 200, true)?;
        }
        if let Some(t) = &req.description {
            r.description = text("description", t, 4000, false)?;
        }
        if let Some(t) = &req.owner {
            r.owner = text("owner", t, 200, true)?;
        }
        if let Some(i) = req.inherent {
            settings.matrix.check("inherent", i)?;
            r.inherent = i;
        }
        if req.clear_residual {
            r.residual = None;
        }
        if let Some(x) = req.residual {
            settings.matrix.check("residual", x)?;
            r.residual = Some(x);
        }
        if let Some(t) = req.treatment {
            r.treatment = t;
        }
        if let Some(t) = &req.treatment_plan {
            r.treatment_plan = text("treatment_plan", t, 4000, false)?;
        }
        if let Some(c) = &req.control_ids {
            check_controls(c)?;
            r.control_ids = c.clone();
        }
        if let Some(s) = req.status {
            r.status = s;
        }
        if r == old {
            return Err(DomainError::invalid(
                "version",
                "nothing to change: give at least one field that differs",
            ));
        }
        r.version = old.version + 1;
        r.updated_at = self.clock.now();
        let states = self.statuses(who).await?;
        let before = self.score(old.clone(), &settings, &states);
        let v = self.score(r, &settings, &states);
        let event = self.risk_event(who, "risk.updated", &v.risk, json!({
            "reference": v.risk.reference, "version": v.risk.version,
            "before": { "inherent_score": before.inherent_score, "residual_score": before.residual_score, "treatment": old.treatment, "status": old.status },
            "after": { "inherent_score": v.inherent_score, "residual_score": v.residual_score, "treatment": v.risk.treatment, "status": v.risk.status },
        }));
        if !self
            .store
            .update_risk(&v.risk, old.version, &self.point(&v), &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the risk changed meanwhile; reload and try again".into(),
            ));
        }
        self.alert_appetite(who, &v).await;
        Ok(v)
    }

    /// Records a review (contributor and above): the next review is due `review_months` later,
    /// and the current scores join the history; audited as `risk.reviewed`.
    pub async fn review_risk(&self, who: &Principal, id: RiskId) -> DomainResult<RiskView> {
        who.require(Permission::Write)?;
        let old = self.risk_of(who, id).await?;
        let now = self.clock.now();
        let mut r = old.clone();
        r.next_review = now
            .checked_add_months(chrono::Months::new(r.review_months))
            .unwrap_or(now);
        r.updated_at = now;
        let v = self.scored(who, r).await?;
        let event = self.risk_event(
            who,
            "risk.reviewed",
            &v.risk,
            json!({
                "reference": v.risk.reference, "version": v.risk.version,
                "inherent_score": v.inherent_score, "residual_score": v.residual_score,
                "next_review": v.risk.next_review,
            }),
        );
        if !self
            .store
            .update_risk(&v.risk, old.version, &self.point(&v), &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the risk changed meanwhile; reload and try again".into(),
            ));
        }
        self.alert_appetite(who, &v).await;
        Ok(v)
    }
}
