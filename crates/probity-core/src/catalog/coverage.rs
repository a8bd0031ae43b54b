//! Coverage, as pure functions over the [`Catalog`]: how much of a framework a tenant's
//! implemented unified controls cover, and how much of framework B meeting framework A carries
//! over (through crosswalks and shared controls). Coverage flows only along containment:
//! `equal` and `superset_of` carry it in full, `subset_of` in part, and `intersects_with`
//! only through a recorded [`LinkDecision`]. Every result lists its reasons.

use std::collections::HashMap;

use serde::Serialize;

use super::content::Catalog;
use super::model::*;

/// How far a requirement is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Nothing carries coverage to it.
    NotCovered,
    /// Part of it is covered.
    Partial,
    /// Fully covered.
    Covered,
    /// Every control mapped to it is not applicable to the tenant.
    NotApplicable,
}

impl Coverage {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::NotCovered => "not_covered",
            Coverage::Partial => "partial",
            Coverage::Covered => "covered",
            Coverage::NotApplicable => "not_applicable",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Coverage::NotCovered => "not covered",
            Coverage::Partial => "partial",
            Coverage::Covered => "covered",
            Coverage::NotApplicable => "not applicable",
        }
    }
}

/// One reason for (or against) a requirement's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reason {
    /// The unified control it goes through, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The source requirement, for comparisons (`framework:id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The links followed, source first.
    pub links: Vec<ReasonLink>,
    /// The control's implementation status at the tenant, for tenant coverage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_status: Option<ImplementationStatus>,
    /// The decision that let an `intersects_with` link count (or not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionId>,
    /// What this reason contributes.
    pub effect: Coverage,
    /// In words.
    pub explanation: String,
}

/// A link as followed by a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReasonLink {
    /// Mapping or crosswalk.
    pub kind: LinkKind,
    /// Relationship, read in the direction coverage flows.
    pub relationship: Relationship,
    /// The link's hash (decisions bind to it).
    pub hash: String,
    /// The link's rationale.
    pub rationale: String,
}

impl ReasonLink {
    fn of(link: &Link, relationship: Relationship) -> Self {
        Self {
            kind: link.kind,
            relationship,
            hash: link.hash.clone(),
            rationale: link.rationale.clone(),
        }
    }
}

/// One requirement's coverage and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RequirementCoverage {
    /// Requirement id.
    pub requirement: String,
    /// Its title.
    pub title: String,
    /// The result.
    pub coverage: Coverage,
    /// Every reason considered, strongest first.
    pub reasons: Vec<Reason>,
    /// `intersects_with` links that would count once someone decides on them.
    pub undecided: Vec<Link>,
}

/// Totals over a set of requirements.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Assessable requirements considered.
    pub requirements: usize,
    /// Fully covered.
    pub covered: usize,
    /// Partly covered.
    pub partial: usize,
    /// Not covered.
    pub not_covered: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// `(covered + partial / 2) / (requirements - not_applicable)`, 0–100, one decimal.
    pub percent: f64,
}

impl Totals {
    fn of(items: &[RequirementCoverage]) -> Self {
        let mut t = Totals::default();
        for i in items {
            t.add(i.coverage);
        }
        t.finish();
        t
    }

    fn add(&mut self, c: Coverage) {
        self.requirements += 1;
        match c {
            Coverage::Covered => self.covered += 1,
            Coverage::Partial => self.partial += 1,
            Coverage::NotCovered => self.not_covered += 1,
            Coverage::NotApplicable => self.not_applicable += 1,
        }
    }

    fn finish(&mut self) {
        let t = self;
        let base = t.requirements.saturating_sub(t.not_applicable);
        if base > 0 {
            #[allow(clippy::cast_precision_loss)]
            let pct = (t.covered as f64 + t.partial as f64 / 2.0) * 100.0 / base as f64;
            t.percent = (pct * 10.0).round() / 10.0;
        }
    }
}

/// A tenant's coverage of one framework (or baseline) through its unified controls.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FrameworkCoverage {
    /// The framework.
    pub framework: String,
    /// The baseline, when the scope is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Totals.
    pub totals: Totals,
    /// Per assessable requirement, in document order.
    pub requirements: Vec<RequirementCoverage>,
}

/// How much of `to` meeting `from` carries over.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// Source framework (assumed met).
    pub from: String,
    /// Target framework.
    pub to: String,
    /// Totals over the target's assessable requirements.
    pub totals: Totals,
    /// Per target requirement.
    pub requirements: Vec<RequirementCoverage>,
}

/// A tenant's state that coverage reads: control statuses and decisions, by control id and by
/// link hash. Decisions whose hash names no current link are ignored (the link changed).
#[derive(Debug, Clone, Default)]
pub struct TenantView {
    /// Control id → status.
    pub statuses: HashMap<String, ImplementationStatus>,
    /// Link hash → latest decision.
    pub decisions: HashMap<String, (DecisionId, DecisionOutcome)>,
}

impl TenantView {
    /// Builds the view from stored rows (decisions oldest first: later ones win).
    pub fn new(states: &[ControlState], decisions: &[LinkDecision]) -> Self {
        Self {
            statuses: states
                .iter()
                .map(|s| (s.control_id.clone(), s.status))
                .collect(),
            decisions: decisions
                .iter()
                .map(|d| (d.link.hash.clone(), (d.id, d.outcome)))
                .collect(),
        }
    }
}

/// What one link carries when its source is fully met: `None` for nothing.
fn carried(
    link: &Link,
    relationship: Relationship,
    view: &TenantView,
) -> (Option<Coverage>, Option<DecisionId>) {
    match relationship {
        Relationship::Equal | Relationship::SupersetOf => (Some(Coverage::Covered), None),
        Relationship::SubsetOf => (Some(Coverage::Partial), None),
        Relationship::NoRelationship => (None, None),
        Relationship::IntersectsWith => match view.decisions.get(&link.hash) {
            Some((id, DecisionOutcome::Covers)) => (Some(Coverage::Covered), Some(*id)),
            Some((id, DecisionOutcome::PartiallyCovers)) => (Some(Coverage::Partial), Some(*id)),
            Some((id, DecisionOutcome::DoesNotCover)) => (Some(Coverage::NotCovered), Some(*id)),
            None => (None, None),
        },
    }
}

fn strongest(reasons: &[Reason]) -> Coverage {
    let mut best = Coverage::NotCovered;
    for r in reasons {
        if r.effect == Coverage::Covered {
            return Coverage::Covered;
        }
        if r.effect == Coverage::Partial {
            best = Coverage::Partial;
        }
    }
    best
}

fn finish(
    requirement: &Requirement,
    mut reasons: Vec<Reason>,
    undecided: Vec<Link>,
    na: bool,
) -> RequirementCoverage {
    reasons.sort_by_key(|r| std::cmp::Reverse(r.effect));
    let mut coverage = strongest(&reasons);
    if na && coverage == Coverage::NotCovered {
        coverage = Coverage::NotApplicable;
    }
    RequirementCoverage {
        requirement: requirement.id.clone(),
        title: requirement.title.clone(),
        coverage,
        reasons,
        undecided,
    }
}

/// The requirements in scope: a framework's assessable ones, or a baseline's selection.
fn scope<'a>(
    catalog: &'a Catalog,
    framework: &'a Framework,
    only: Option<&[String]>,
) -> Vec<&'a Requirement> {
    match only {
        Some(ids) => ids
            .iter()
            .filter_map(|id| catalog.requirement(&framework.info.id, id))
            .collect(),
        None => framework
            .requirements
            .iter()
            .filter(|r| r.assessable)
            .collect(),
    }
}

/// A tenant's coverage of `framework` (restricted to `only`, a baseline's ids, when given).
pub fn framework_coverage(
    catalog: &Catalog,
    framework: &Framework,
    only: Option<&[String]>,
    view: &TenantView,
) -> Vec<RequirementCoverage> {
    let fid = &framework.info.id;
    scope(catalog, framework, only)
        .into_iter()
        .map(|req| {
            let mut reasons = Vec::new();
            let mut undecided = Vec::new();
            let mut mapped = 0usize;
            let mut not_applicable = 0usize;
            for link in catalog
                .links_of(fid, &req.id)
                .filter(|l| l.kind == LinkKind::Mapping)
            {
                mapped += 1;
                let status = view
                    .statuses
                    .get(&link.from)
                    .copied()
                    .unwrap_or(ImplementationStatus::NotImplemented);
                if status == ImplementationStatus::NotApplicable {
                    not_applicable += 1;
                }
                let (carries, decision) = carried(link, link.relationship, view);
                if link.relationship == Relationship::IntersectsWith && decision.is_none() {
                    undecided.push(link.clone());
                }
                let Some(carries) = carries else { continue };
                let effect = match status {
                    ImplementationStatus::Implemented => carries,
                    ImplementationStatus::PartiallyImplemented => carries.min(Coverage::Partial),
                    _ => Coverage::NotCovered,
                };
                let explanation = format!(
                    "{} is {} and {} {}{}",
                    link.from,
                    status.as_str().replace('_', " "),
                    link.relationship.as_str(),
                    req.id,
                    if decision.is_some() {
                        " (by recorded decision)"
                    } else {
                        ""
                    },
                );
                reasons.push(Reason {
                    control: Some(link.from.clone()),
                    via: None,
                    links: vec![ReasonLink::of(link, link.relationship)],
                    control_status: Some(status),
                    decision,
                    effect,
                    explanation,
                });
            }
            finish(
                req,
                reasons,
                undecided,
                mapped > 0 && mapped == not_applicable,
            )
        })
        .collect()
}

/// Builds a [`FrameworkCoverage`] with totals.
pub fn coverage_report(
    catalog: &Catalog,
    framework: &Framework,
    baseline: Option<&Baseline>,
    view: &TenantView,
) -> FrameworkCoverage {
    let requirements = framework_coverage(
        catalog,
        framework,
        baseline.map(|b| b.requirements.as_slice()),
        view,
    );
    FrameworkCoverage {
        framework: framework.info.id.clone(),
        baseline: baseline.map(|b| b.id.clone()),
        totals: Totals::of(&requirements),
        requirements,
    }
}

/// Whether meeting a source requirement implies its control (`control REL source-requirement`
/// is `equal` or `subset_of`: the requirement asks for everything the control does).
fn source_implies_control(relationship: Relationship) -> bool {
    matches!(relationship, Relationship::Equal | Relationship::SubsetOf)
}

/// One way a `from` requirement reaches a `to` requirement, found by [`contributions`].
enum Contribution<'a> {
    /// A crosswalk, oriented source → target.
    Crosswalk {
        link: &'a Link,
        source: &'a str,
        relationship: Relationship,
        decision: Option<DecisionId>,
        effect: Coverage,
    },
    /// A shared control: `source` maps the control onto the `from` requirement.
    Control {
        link: &'a Link,
        source: &'a Link,
        decision: Option<DecisionId>,
        effect: Coverage,
    },
    /// An `intersects_with` crosswalk still waiting for a decision.
    Undecided(&'a Link),
}

/// Visits every contribution to `req` (of framework `fb`) from framework `fa`.
fn contributions<'a>(
    catalog: &'a Catalog,
    fa: &str,
    fb: &str,
    req: &'a Requirement,
    view: &TenantView,
    mut visit: impl FnMut(Contribution<'a>),
) {
    for link in catalog.links_of(fb, &req.id) {
        match link.kind {
            LinkKind::Crosswalk => {
                // Orient the link as source (in `from`) → this requirement.
                let (source, relationship) = if link.from_framework.as_deref() == Some(fa)
                    && link.to_framework == fb
                    && link.to == req.id
                {
                    (link.from.as_str(), link.relationship)
                } else if link.to_framework == fa
                    && link.from_framework.as_deref() == Some(fb)
                    && link.from == req.id
                {
                    (link.to.as_str(), link.relationship.inverse())
                } else {
                    continue;
                };
                let (carries, decision) = carried(link, relationship, view);
                if relationship == Relationship::IntersectsWith && decision.is_none() {
                    visit(Contribution::Undecided(link));
                }
                if let Some(effect) = carries {
                    visit(Contribution::Crosswalk {
                        link,
                        source,
                        relationship,
                        decision,
                        effect,
                    });
                }
            }
            LinkKind::Mapping => {
                // control → this requirement; does meeting some `from` requirement imply the control?
                let (carries, decision) = carried(link, link.relationship, view);
                let Some(effect) = carries.filter(|e| *e != Coverage::NotCovered) else {
                    continue;
                };
                let source = catalog
                    .mappings_of_control(&link.from)
                    .find(|m| m.to_framework == fa && source_implies_control(m.relationship));
                if let Some(source) = source {
                    visit(Contribution::Control {
                        link,
                        source,
                        decision,
                        effect,
                    });
                }
            }
        }
    }
}

/// How much of `to` is covered when `from` is fully met. Decisions (from `view`) are used for
/// `intersects_with` links on the target side only.
pub fn compare(
    catalog: &Catalog,
    from: &Framework,
    to: &Framework,
    view: &TenantView,
) -> Comparison {
    let (fa, fb) = (&from.info.id, &to.info.id);
    let requirements: Vec<RequirementCoverage> = scope(catalog, to, None)
        .into_iter()
        .map(|req| {
            let mut reasons = Vec::new();
            let mut undecided = Vec::new();
            contributions(catalog, fa, fb, req, view, |c| match c {
                Contribution::Undecided(link) => undecided.push(link.clone()),
                Contribution::Crosswalk {
                    link,
                    source,
                    relationship,
                    decision,
                    effect,
                } => reasons.push(Reason {
                    control: None,
                    via: Some(format!("{fa}:{source}")),
                    links: vec![ReasonLink::of(link, relationship)],
                    control_status: None,
                    decision,
                    effect,
                    explanation: format!("{fa} {source} {} {fb} {}", relationship.as_str(), req.id),
                }),
                Contribution::Control {
                    link,
                    source,
                    decision,
                    effect,
                } => reasons.push(Reason {
                    control: Some(link.from.clone()),
                    via: Some(format!("{fa}:{}", source.to)),
                    links: vec![
                        ReasonLink::of(source, source.relationship.inverse()),
                        ReasonLink::of(link, link.relationship),
                    ],
                    control_status: None,
                    decision,
                    effect,
                    explanation: format!(
                        "{fa} {} includes control {} ({}), which {} {fb} {}",
                        source.to,
                        link.from,
                        source.relationship.inverse().as_str(),
                        link.relationship.as_str(),
                        req.id
                    ),
                }),
            });
            finish(req, reasons, undecided, false)
        })
        .collect();
    Comparison {
        from: fa.clone(),
        to: fb.clone(),
        totals: Totals::of(&requirements),
        requirements,
    }
}

/// [`compare`]'s totals only, without building reasons.
pub fn compare_totals(
    catalog: &Catalog,
    from: &Framework,
    to: &Framework,
    view: &TenantView,
) -> Totals {
    let (fa, fb) = (&from.info.id, &to.info.id);
    let mut t = Totals::default();
    for req in scope(catalog, to, None) {
        let mut best = Coverage::NotCovered;
        contributions(catalog, fa, fb, req, view, |c| {
            let effect = match c {
                Contribution::Crosswalk { effect, .. } | Contribution::Control { effect, .. } => {
                    effect
                }
                Contribution::Undecided(_) => Coverage::NotCovered,
            };
            if effect == Coverage::Covered
                || (effect == Coverage::Partial && best == Coverage::NotCovered)
            {
                best = effect;
            }
        });
        t.add(best);
    }
    t.finish();
    t
}

/// One cell of the coverage matrix.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MatrixCell {
    /// Source framework (assumed met).
    pub from: String,
    /// Target framework.
    pub to: String,
    /// Totals over the target.
    pub totals: Totals,
}

/// [`compare`] for every ordered pair of distinct frameworks.
pub fn matrix(catalog: &Catalog, view: &TenantView) -> Vec<MatrixCell> {
    let frameworks: Vec<&Framework> = catalog.frameworks().collect();
    let mut cells = Vec::with_capacity(frameworks.len() * frameworks.len());
    for a in &frameworks {
        for b in &frameworks {
            if a.info.id != b.info.id {
                cells.push(MatrixCell {
                    from: a.info.id.clone(),
                    to: b.info.id.clone(),
                    totals: compare_totals(catalog, a, b, view),
                });
            }
        }
    }
    cells
}
