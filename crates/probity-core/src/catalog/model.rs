//! Catalog types: frameworks and their requirement trees, the unified control library, typed
//! links between them (NIST OLIR relationships), and each tenant's own state over them
//! (control implementation, decisions on `intersects_with` links).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::model::{TenantId, UserId, uuid_id};

uuid_id!(
    /// Identifies a recorded coverage decision.
    DecisionId
);

/// How two things relate (NIST OLIR). A link reads *source RELATION target*: for a control
/// mapping, *control RELATION requirement*; for a crosswalk, *from RELATION to*.
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
pub enum Relationship {
    /// The same in substance.
    Equal,
    /// The source does part of what the target asks.
    SubsetOf,
    /// The source does all the target asks, and more.
    SupersetOf,
    /// They overlap; neither contains the other. Carries coverage only by a recorded decision.
    IntersectsWith,
    /// Reviewed and found unrelated.
    NoRelationship,
}

impl Relationship {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::SubsetOf => "subset_of",
            Relationship::SupersetOf => "superset_of",
            Relationship::IntersectsWith => "intersects_with",
            Relationship::NoRelationship => "no_relationship",
        }
    }

    /// The same link read the other way round.
    pub fn inverse(self) -> Self {
        match self {
            Relationship::SubsetOf => Relationship::SupersetOf,
            Relationship::SupersetOf => Relationship::SubsetOf,
            other => other,
        }
    }
}

/// A framework's metadata, without its requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FrameworkInfo {
    /// Stable id, e.g. `iso27001-2022`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Edition or version.
    pub version: String,
    /// Who publishes it.
    pub publisher: String,
    /// What Probity may ship of it.
    pub licence: String,
    /// Where the official text lives.
    pub source: String,
    /// Versions of one framework share a family (`iso27001`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

/// One node of a framework's requirement tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Requirement {
    /// The publisher's identifier (`A.5.15`, `CC6.1`, `AC-2(1)`).
    pub id: String,
    /// The parent node, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Short title (our own words for copyrighted frameworks).
    pub title: String,
    /// One-line summary in our own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The official text, for frameworks imported from OSCAL (never for shipped ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Whether it can be assessed (grouping nodes cannot).
    pub assessable: bool,
    /// Free labels (`required`, `addressable`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Whether the publisher withdrew it.
    pub withdrawn: bool,
    /// Where a withdrawn requirement's content went.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn_to: Vec<String>,
    /// Position in document order, from 0.
    pub order: u32,
    /// Depth in the tree, 0 for roots.
    pub depth: u32,
}

/// A framework with its requirement tree in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Framework {
    /// Metadata.
    #[serde(flatten)]
    pub info: FrameworkInfo,
    /// Every node, parents before children.
    pub requirements: Vec<Requirement>,
}

/// A framework in a list: metadata and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkSummary {
    /// Metadata.
    #[serde(flatten)]
    pub info: FrameworkInfo,
    /// Nodes in the tree.
    pub requirements: usize,
    /// Assessable nodes.
    pub assessable: usize,
    /// Assessable nodes that at least one unified control maps to.
    pub mapped: usize,
}

/// A named selection over one framework (NIST and FedRAMP baselines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Baseline {
    /// Stable id, e.g. `fedramp-r5-moderate`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The framework it selects from.
    pub framework: String,
    /// Where the selection is published.
    pub source: String,
    /// Selected requirement ids.
    pub requirements: Vec<String>,
}

/// A family of unified controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ControlFamily {
    /// Short id (`IAM`).
    pub id: String,
    /// Display title.
    pub title: String,
}

/// One control of Probity's unified control library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Control {
    /// `FAMILY-NN`, e.g. `IAM-03`.
    pub id: String,
    /// Its family.
    pub family: String,
    /// Short title.
    pub title: String,
    /// What the organization does, in one sentence.
    pub summary: String,
    /// How teams usually implement and evidence it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    /// Typical evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// Which kind of link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Unified control → requirement.
    Mapping,
    /// Requirement → requirement of another framework.
    Crosswalk,
}

impl LinkKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Mapping => "mapping",
            LinkKind::Crosswalk => "crosswalk",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mapping" => Some(LinkKind::Mapping),
            "crosswalk" => Some(LinkKind::Crosswalk),
            _ => None,
        }
    }
}

/// A typed link: a control mapping (`from_framework` is `None`, `from` is a control id) or a
/// crosswalk between two frameworks' requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Link {
    /// Mapping or crosswalk.
    pub kind: LinkKind,
    /// Source framework, for crosswalks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_framework: Option<String>,
    /// Source: a control id (mapping) or requirement id (crosswalk).
    pub from: String,
    /// Target framework.
    pub to_framework: String,
    /// Target requirement id.
    pub to: String,
    /// How the source relates to the target.
    pub relationship: Relationship,
    /// Why, in one sentence.
    pub rationale: String,
    /// SHA-256 (hex) over the link's fields: a decision binds to it, so a changed link needs a
    /// new decision.
    pub hash: String,
}

/// How far something is in place at a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatus {
    /// Operating.
    Implemented,
    /// Partly operating.
    PartiallyImplemented,
    /// Planned, not operating.
    Planned,
    /// Not in place (the default).
    NotImplemented,
    /// Does not apply to this tenant.
    NotApplicable,
}

impl ImplementationStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImplementationStatus::Implemented => "implemented",
            ImplementationStatus::PartiallyImplemented => "partially_implemented",
            ImplementationStatus::Planned => "planned",
            ImplementationStatus::NotImplemented => "not_implemented",
            ImplementationStatus::NotApplicable => "not_applicable",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ImplementationStatus::Implemented,
            ImplementationStatus::PartiallyImplemented,
            ImplementationStatus::Planned,
            ImplementationStatus::NotImplemented,
            ImplementationStatus::NotApplicable,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A tenant's recorded state of one unified control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ControlState {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The unified control.
    pub control_id: String,
    /// Implementation status.
    pub status: ImplementationStatus,
    /// Who owns it (free text: a person or team).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Notes on how it is implemented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: Option<UserId>,
}

/// What a person decided about an `intersects_with` link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// The source fully satisfies the target here.
    Covers,
    /// The source satisfies part of the target.
    PartiallyCovers,
    /// The source does not satisfy the target.
    DoesNotCover,
}

impl DecisionOutcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionOutcome::Covers => "covers",
            DecisionOutcome::PartiallyCovers => "partially_covers",
            DecisionOutcome::DoesNotCover => "does_not_cover",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            DecisionOutcome::Covers,
            DecisionOutcome::PartiallyCovers,
            DecisionOutcome::DoesNotCover,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A recorded human decision on one link, bound to the link's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LinkDecision {
    /// Its id.
    pub id: DecisionId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The link it is about, as it was when decided.
    pub link: Link,
    /// The decision.
    pub outcome: DecisionOutcome,
    /// Why.
    pub rationale: String,
    /// Who decided.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: DateTime<Utc>,
}
