//! The risk register's types and scoring rules: a likelihood × impact matrix (5 × 5 by default,
//! configurable per tenant, with labels and level bands), inherent and residual ratings, the
//! residual derived from the health of the linked controls when nobody has assessed it,
//! appetite per category, and the score history.
//!
//! Derivation, as a formula: over the linked controls that apply, effectiveness
//! `e = (implemented + ½ · partially implemented) / applicable`; the residual likelihood is the
//! inherent likelihood lowered by `round(e · (likelihood − 1))` steps (never below 1); impact
//! is unchanged (controls make a risk less likely more often than less harmful).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::ImplementationStatus;
use crate::error::{DomainError, DomainResult};
use uuid::Uuid;

use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a risk.
    RiskId
);

/// What kind of risk.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    /// Information security.
    Security,
    /// Regulatory and contractual compliance.
    Compliance,
    /// Personal data.
    Privacy,
    /// Running the business.
    Operational,
    /// Money.
    Financial,
    /// Direction and reputation.
    Strategic,
    /// Suppliers and processors.
    ThirdParty,
}

impl RiskCategory {
    /// Every category.
    pub const ALL: [RiskCategory; 7] = [
        RiskCategory::Security,
        RiskCategory::Compliance,
        RiskCategory::Privacy,
        RiskCategory::Operational,
        RiskCategory::Financial,
        RiskCategory::Strategic,
        RiskCategory::ThirdParty,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::Security => "security",
            RiskCategory::Compliance => "compliance",
            RiskCategory::Privacy => "privacy",
            RiskCategory::Operational => "operational",
            RiskCategory::Financial => "financial",
            RiskCategory::Strategic => "strategic",
            RiskCategory::ThirdParty => "third_party",
        }
    }
}

/// How a risk is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Reduce it with controls.
    Mitigate,
    /// Live with it (a risk acceptance records the decision).
    Accept,
    /// Move it to someone else (insurance, contract).
    Transfer,
    /// Stop the activity.
    Avoid,
}

impl Treatment {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Mitigate => "mitigate",
            Treatment::Accept => "accept",
            Treatment::Transfer => "transfer",
            Treatment::Avoid => "avoid",
        }
    }
}

/// Whether a risk is still tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatus {
    /// Tracked.
    Open,
    /// No longer relevant.
    Closed,
}

impl RiskStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Closed => "closed",
        }
    }
}

/// A point on the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    /// 1 (the first likelihood label) to the matrix size.
    pub likelihood: u32,
    /// 1 (the first impact label) to the matrix size.
    pub impact: u32,
}

impl Rating {
    /// `likelihood × impact`.
    pub fn score(self) -> u32 {
        self.likelihood.saturating_mul(self.impact)
    }
}

/// A named score band: scores from `min_score` up to the next band's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// `low`, `medium`, ...
    pub name: String,
    /// Lowest score in the band.
    pub min_score: u32,
}

/// The tenant's matrix: labels for each likelihood and impact step, and score bands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskMatrix {
    /// Likelihood labels, lowest first (3 to 10).
    pub likelihood: Vec<String>,
    /// Impact labels, lowest first (3 to 10).
    pub impact: Vec<String>,
    /// Bands, lowest first; the first starts at 1.
    pub bands: Vec<Band>,
}

impl Default for RiskMatrix {
    fn default() -> Self {
        let labels = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
        let band = |name: &str, min_score| Band {
            name: name.to_owned(),
            min_score,
        };
        RiskMatrix {
            likelihood: labels(&["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]),
            impact: labels(&["Negligible", "Minor", "Moderate", "Major", "Severe"]),
            bands: vec![
                band("low", 1),
                band("medium", 5),
                band("high", 10),
                band("critical", 17),
            ],
        }
    }
}

impl RiskMatrix {
    /// The highest score.
    pub fn max_score(&self) -> u32 {
        let n = |v: &Vec<String>| u32::try_from(v.len()).unwrap_or(u32::MAX);
        n(&self.likelihood).saturating_mul(n(&self.impact))
    }

    /// The band a score falls in.
    pub fn level(&self, score: u32) -> String {
        self.bands
            .iter()
            .rev()
            .find(|b| score >= b.min_score)
            .map_or_else(|| "none".to_owned(), |b| b.name.clone())
    }

    /// Checks a rating against the matrix; `field` names it in the error.
    pub fn check(&self, field: &str, r: Rating) -> DomainResult<()> {
        let (l, i) = (self.likelihood.len(), self.impact.len());
        let ok = |v: u32, n: usize| v >= 1 && usize::try_from(v).is_ok_and(|v| v <= n);
        if ok(r.likelihood, l) && ok(r.impact, i) {
            Ok(())
        } else {
            Err(DomainError::invalid(
                field,
                format!("likelihood must be 1 to {l} and impact 1 to {i} on this tenant's matrix"),
            ))
        }
    }

    /// Checks the matrix itself.
    pub fn validate(&self) -> DomainResult<()> {
        for (field, labels) in [
            ("matrix.likelihood", &self.likelihood),
            ("matrix.impact", &self.impact),
        ] {
            if !(3..=10).contains(&labels.len())
                || labels
                    .iter()
                    .any(|l| l.trim().is_empty() || l.chars().count() > 40)
            {
                return Err(DomainError::invalid(
                    field,
                    "give 3 to 10 labels of 1 to 40 characters, lowest first",
                ));
            }
        }
        let ascending = self
            .bands
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.min_score < b.min_score));
        if self.bands.first().is_none_or(|b| b.min_score != 1)
            || !ascending
            || self
                .bands
                .iter()
                .any(|b| b.min_score > self.max_score() || b.name.trim().is_empty())
        {
            return Err(DomainError::invalid(
                "matrix.bands",
                format!(
                    "bands must start at 1, rise strictly, and stay within the highest score ({})",
                    self.max_score()
                ),
            ));
        }
        Ok(())
    }
}

/// The tenant's risk settings: its matrix and appetite (the highest residual score it accepts
/// per category without an alert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskSettings {
    /// The matrix.
    pub matrix: RiskMatrix,
    /// Highest acceptable residual score per category; a category without one has no alert.
    pub appetite: BTreeMap<RiskCategory, u32>,
}

impl Default for RiskSettings {
    fn default() -> Self {
        RiskSettings {
            matrix: RiskMatrix::default(),
            appetite: BTreeMap::from([
                (RiskCategory::Security, 9),
                (RiskCategory::Compliance, 6),
                (RiskCategory::Privacy, 6),
                (RiskCategory::Operational, 12),
                (RiskCategory::Financial, 12),
                (RiskCategory::Strategic, 15),
                (RiskCategory::ThirdParty, 9),
            ]),
        }
    }
}

/// Business impact analysis fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessImpact {
    /// `low`, `medium`, `high` or `critical`.
    pub criticality: String,
    /// Recovery time objective, hours.
    pub rto_hours: u32,
    /// Recovery point objective, hours.
    pub rpo_hours: u32,
}

/// A risk in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Risk {
    /// Its id.
    pub id: RiskId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `R-001`, ... in order of creation.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: RiskCategory,
    /// Accountable owner.
    pub owner: String,
    /// Affected assets and processes.
    pub assets: Vec<String>,
    /// The threat.
    pub threat: String,
    /// The weakness it exploits.
    pub vulnerability: String,
    /// Before any control.
    pub inherent: Rating,
    /// As assessed by a person after controls; when absent, derived from the linked controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<Rating>,
    /// Treatment.
    pub treatment: Treatment,
    /// The plan.
    pub treatment_plan: String,
    /// Unified controls that treat it.
    pub control_ids: Vec<String>,
    /// Business impact analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_impact: Option<BusinessImpact>,
    /// Months between reviews.
    pub review_months: u32,
    /// When it is next due for review.
    pub next_review: DateTime<Utc>,
    /// Open or closed.
    pub status: RiskStatus,
    /// 1, then one more per change: acceptances bind to it.
    pub version: u32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Where the effective residual rating came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResidualSource {
    /// A person assessed it.
    Assessed,
    /// Derived from the health of the linked controls.
    DerivedFromControls,
    /// No assessment and no applicable linked control: the inherent rating stands.
    Inherent,
}

impl ResidualSource {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResidualSource::Assessed => "assessed",
            ResidualSource::DerivedFromControls => "derived_from_controls",
            ResidualSource::Inherent => "inherent",
        }
    }
}

/// A point of the score history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScorePoint {
    /// When.
    pub at: DateTime<Utc>,
    /// The risk's version then.
    pub version: u32,
    /// Inherent score.
    pub inherent: u32,
    /// Effective residual score.
    pub residual: u32,
}

/// A risk with its scores as the tenant's matrix and controls make them now.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RiskView {
    /// The risk.
    #[serde(flatten)]
    pub risk: Risk,
    /// Inherent score.
    pub inherent_score: u32,
    /// Inherent level (band).
    pub inherent_level: String,
    /// Effective residual rating.
    pub residual_rating: Rating,
    /// Effective residual score.
    pub residual_score: u32,
    /// Effective residual level.
    pub residual_level: String,
    /// Where the residual came from.
    pub residual_source: ResidualSource,
    /// Share of the linked controls' effect in place (0–1), when any apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_effectiveness: Option<f64>,
    /// The category's appetite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appetite: Option<u32>,
    /// Whether the residual score is above the appetite.
    pub exceeds_appetite: bool,
    /// Whether its review is overdue.
    pub review_overdue: bool,
}

/// Effectiveness of the linked controls (see the module doc), or `None` when none applies.
pub fn control_effectiveness(statuses: &[ImplementationStatus]) -> Option<f64> {
    let applicable: Vec<_> = statuses
        .iter()
        .filter(|s| **s != ImplementationStatus::NotApplicable)
        .collect();
    if applicable.is_empty() {
        return None;
    }
    let credit: f64 = applicable
        .iter()
        .map(|s| match s {
            ImplementationStatus::Implemented => 1.0,
            ImplementationStatus::PartiallyImplemented => 0.5,
            _ => 0.0,
        })
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let n = applicable.len() as f64;
    Some(credit / n)
}

/// The residual rating derived from the inherent one and the controls' effectiveness.
pub fn derived_residual(inherent: Rating, effectiveness: f64) -> Rating {
    let span = f64::from(inherent.likelihood.saturating_sub(1));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let steps = (effectiveness.clamp(0.0, 1.0) * span).round() as u32;
    Rating {
        likelihood: inherent.likelihood.saturating_sub(steps).max(1),
        impact: inherent.impact,
    }
}

/// The effective residual: assessed, else derived, else inherent.
pub fn effective_residual(
    risk: &Risk,
    statuses: &[ImplementationStatus],
) -> (Rating, ResidualSource, Option<f64>) {
    let effectiveness = control_effectiveness(statuses);
    match (risk.residual, effectiveness) {
        (Some(r), e) => (r, ResidualSource::Assessed, e),
        (None, Some(e)) => (
            derived_residual(risk.inherent, e),
            ResidualSource::DerivedFromControls,
            Some(e),
        ),
        (None, None) => (risk.inherent, ResidualSource::Inherent, None),
    }
}

/// Scores a risk under `settings`, with the statuses of its linked controls, at `now`.
pub fn view(
    risk: Risk,
    settings: &RiskSettings,
    statuses: &[ImplementationStatus],
    now: DateTime<Utc>,
) -> RiskView {
    let (residual, source, effectiveness) = effective_residual(&risk, statuses);
    let appetite = settings.appetite.get(&risk.category).copied();
    let residual_score = residual.score();
    RiskView {
        inherent_score: risk.inherent.score(),
        inherent_level: settings.matrix.level(risk.inherent.score()),
        residual_rating: residual,
        residual_score,
        residual_level: settings.matrix.level(residual_score),
        residual_source: source,
        control_effectiveness: effectiveness.map(|e| (e * 1000.0).round() / 1000.0),
        exceeds_appetite: risk.status == RiskStatus::Open
            && appetite.is_some_and(|a| residual_score > a),
        appetite,
        review_overdue: risk.status == RiskStatus::Open && risk.next_review <= now,
        risk,
    }
}

/// Counts of open risks per cell, `[likelihood − 1][impact − 1]`, by residual (or inherent).
pub fn heat_map(views: &[RiskView], matrix: &RiskMatrix, residual: bool) -> Vec<Vec<u32>> {
    let mut grid = vec![vec![0_u32; matrix.impact.len()]; matrix.likelihood.len()];
    for v in views.iter().filter(|v| v.risk.status == RiskStatus::Open) {
        let r = if residual {
            v.residual_rating
        } else {
            v.risk.inherent
        };
        let cell = usize::try_from(r.likelihood.saturating_sub(1))
            .ok()
            .and_then(|l| grid.get_mut(l))
            .and_then(|row| {
                usize::try_from(r.impact.saturating_sub(1))
                    .ok()
                    .and_then(|i| row.get_mut(i))
            });
        if let Some(c) = cell {
            *c += 1;
        }
    }
    grid
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]

    use super::*;
    use ImplementationStatus::*;

    #[test]
    fn worked_example_of_derived_residual() {
        // Inherent: likely (4) × severe (5) = 20, critical.
        let inherent = Rating {
            likelihood: 4,
            impact: 5,
        };
        let m = RiskMatrix::default();
        assert_eq!(m.level(inherent.score()), "critical");
        // Two implemented, one partly, one planned, one not applicable:
        // e = (2 + 0.5) / 4 = 0.625; steps = round(0.625 × 3) = round(1.875) = 2; likelihood 2.
        let e = control_effectiveness(&[
            Implemented,
            Implemented,
            PartiallyImplemented,
            Planned,
            NotApplicable,
        ])
        .unwrap();
        assert_eq!(e, 0.625);
        let r = derived_residual(inherent, e);
        assert_eq!(
            r,
            Rating {
                likelihood: 2,
                impact: 5
            }
        );
        assert_eq!(r.score(), 10);
        assert_eq!(m.level(10), "high");
        // All in place: likelihood falls to rare (1), impact stays: 5, medium.
        assert_eq!(derived_residual(inherent, 1.0).score(), 5);
        assert_eq!(m.level(5), "medium");
        // Nothing in place: unchanged.
        assert_eq!(derived_residual(inherent, 0.0), inherent);
        // No applicable control: no effectiveness.
        assert_eq!(control_effectiveness(&[NotApplicable]), None);
        assert_eq!(control_effectiveness(&[]), None);
    }

    #[test]
    fn levels_follow_the_bands_and_bad_matrices_are_refused() {
        let m = RiskMatrix::default();
        assert_eq!(m.max_score(), 25);
        let levels: Vec<String> = [1, 4, 5, 9, 10, 16, 17, 25]
            .iter()
            .map(|s| m.level(*s))
            .collect();
        assert_eq!(
            levels,
            [
                "low", "low", "medium", "medium", "high", "high", "critical", "critical"
            ]
        );
        assert!(m.validate().is_ok());
        assert!(
            m.check(
                "inherent",
                Rating {
                    likelihood: 5,
                    impact: 5
                }
            )
            .is_ok()
        );
        assert!(
            m.check(
                "inherent",
                Rating {
                    likelihood: 6,
                    impact: 1
                }
            )
            .is_err()
        );
        assert!(
            m.check(
                "inherent",
                Rating {
                    likelihood: 0,
                    impact: 1
                }
            )
            .is_err()
        );
        let mut bad = m.clone();
        bad.bands[1].min_score = 30;
        assert!(bad.validate().is_err());
        let mut bad = m.clone();
        bad.likelihood.truncate(2);
        assert!(bad.validate().is_err());
        let mut three = m;
        three.likelihood.truncate(3);
        three.impact.truncate(3);
        three.bands = vec![
            Band {
                name: "low".into(),
                min_score: 1,
            },
            Band {
                name: "high".into(),
                min_score: 6,
            },
        ];
        assert!(three.validate().is_ok());
        assert_eq!(three.level(9), "high");
    }
}
