//! Governance types: policies, their immutable versions (content hash, workflow state,
//! approvals) and acknowledgments bound to a version's content hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a policy.
    PolicyId
);

/// What a policy governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Information security.
    InformationSecurity,
    /// Access control.
    AccessControl,
    /// Data protection and privacy.
    DataProtection,
    /// Acceptable use.
    AcceptableUse,
    /// Incident response.
    IncidentResponse,
    /// Business continuity.
    BusinessContinuity,
    /// Vendor management.
    VendorManagement,
    /// Change management.
    ChangeManagement,
    /// Cryptography.
    Cryptography,
    /// Data retention.
    DataRetention,
    /// Anything else.
    Other,
}

impl PolicyKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::InformationSecurity => "information_security",
            PolicyKind::AccessControl => "access_control",
            PolicyKind::DataProtection => "data_protection",
            PolicyKind::AcceptableUse => "acceptable_use",
            PolicyKind::IncidentResponse => "incident_response",
            PolicyKind::BusinessContinuity => "business_continuity",
            PolicyKind::VendorManagement => "vendor_management",
            PolicyKind::ChangeManagement => "change_management",
            PolicyKind::Cryptography => "cryptography",
            PolicyKind::DataRetention => "data_retention",
            PolicyKind::Other => "other",
        }
    }
}

/// Where a version is in its workflow: `draft → in_review → approved → published → retired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// Being written.
    Draft,
    /// Waiting for approvals.
    InReview,
    /// Approved by the quorum, not yet in force.
    Approved,
    /// In force.
    Published,
    /// Superseded or withdrawn.
    Retired,
}

impl VersionState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Draft => "draft",
            VersionState::InReview => "in_review",
            VersionState::Approved => "approved",
            VersionState::Published => "published",
            VersionState::Retired => "retired",
        }
    }
}

/// Who did something: the user (or, for tokens and the CLI, the actor) and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    /// `user:<uuid>` for people, else the audit actor id (`token:<uuid>`, `cli`).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One approval, bound to the content hash it approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Approval {
    /// Who approved.
    pub by: Party,
    /// When.
    pub at: DateTime<Utc>,
    /// The SHA-256 of the content approved.
    pub content_hash: String,
}

/// A policy: what stays the same across its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Policy {
    /// Its id.
    pub id: PolicyId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Short unique name within the tenant (`access-control`).
    pub key: String,
    /// Title.
    pub title: String,
    /// What it governs.
    pub kind: PolicyKind,
    /// The accountable owner (a person or team).
    pub owner: String,
    /// Unified controls it supports.
    pub control_ids: Vec<String>,
    /// Framework requirements it addresses directly, as `framework:requirement`
    /// (`iso27001-2022:A.5.1`).
    #[serde(default)]
    pub requirement_ids: Vec<String>,
    /// Approvals a version needs before it can be published (1 to 5).
    pub required_approvals: u32,
    /// Months between reviews.
    pub review_months: u32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// One immutable version of a policy's text and its workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyVersion {
    /// The policy.
    pub policy_id: PolicyId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// 1, 2, ...
    pub number: u32,
    /// Markdown text.
    pub content: String,
    /// SHA-256 of `content` (hex): approvals and acknowledgments bind to it.
    pub content_hash: String,
    /// A material change: everyone must acknowledge again when it is published.
    pub material: bool,
    /// What changed, for reviewers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_note: Option<String>,
    /// Workflow state.
    pub state: VersionState,
    /// Who wrote it.
    pub author: Party,
    /// Approvals so far.
    pub approvals: Vec<Approval>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was submitted for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// When it was retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<DateTime<Utc>>,
}

/// A person's acknowledgment of a published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Acknowledgment {
    /// The policy.
    pub policy_id: PolicyId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The version acknowledged.
    pub version: u32,
    /// Who.
    pub by: Party,
    /// When.
    pub at: DateTime<Utc>,
    /// How: `web`, `api` or `cli`.
    pub method: String,
    /// The content hash acknowledged.
    pub content_hash: String,
}

/// A policy with its versions and acknowledgment status.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    /// The policy.
    #[serde(flatten)]
    pub policy: Policy,
    /// Every version, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The version in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<u32>,
    /// Members whose acknowledgment covers the version in force.
    pub acknowledged: u64,
    /// Members of the tenant.
    pub members: u64,
    /// `acknowledged / members`, 0–100, one decimal.
    pub acknowledgment_rate: f64,
    /// The same per group, by group name; members without a group count under `(none)`, and
    /// a member in several groups counts in each.
    pub acknowledgment_by_group: Vec<GroupAcknowledgment>,
    /// When the version in force is due for review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due: Option<DateTime<Utc>>,
    /// `{{placeholders}}` still in the latest version's text.
    pub placeholders: Vec<String>,
}

/// Acknowledgment of the version in force within one group of members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupAcknowledgment {
    /// The group (`(none)` for members without one).
    pub group: String,
    /// Members in the group.
    pub members: u64,
    /// Of them, those whose acknowledgment covers the version in force.
    pub acknowledged: u64,
    /// `acknowledged / members`, 0–100, one decimal.
    pub rate: f64,
}

/// The group name under which members without a group are counted.
pub const NO_GROUP: &str = "(none)";

/// A rate, 0–100 with one decimal; 0 when there is nobody.
#[allow(clippy::cast_precision_loss)]
pub fn rate_of(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// Acknowledgment per group: `members` maps each member (`user:<id>`) to their groups,
/// `acknowledged` holds the members whose acknowledgment covers the version in force. Groups
/// are sorted by name, `(none)` last.
pub fn acknowledgment_by_group(
    members: &std::collections::BTreeMap<String, Vec<String>>,
    acknowledged: &std::collections::HashSet<&str>,
) -> Vec<GroupAcknowledgment> {
    let mut counts: std::collections::BTreeMap<&str, (u64, u64)> =
        std::collections::BTreeMap::new();
    for (party, groups) in members {
        let done = u64::from(acknowledged.contains(party.as_str()));
        let names: Vec<&str> = if groups.is_empty() {
            vec![NO_GROUP]
        } else {
            groups.iter().map(String::as_str).collect()
        };
        for g in names {
            let c = counts.entry(g).or_default();
            c.0 += 1;
            c.1 += done;
        }
    }
    let mut out: Vec<GroupAcknowledgment> = counts
        .into_iter()
        .map(|(group, (members, acknowledged))| GroupAcknowledgment {
            group: group.to_owned(),
            members,
            acknowledged,
            rate: rate_of(acknowledged, members),
        })
        .collect();
    out.sort_by_key(|g| g.group == NO_GROUP);
    out
}

/// A fresh policy id.
pub fn new_policy_id() -> PolicyId {
    PolicyId(Uuid::now_v7())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]

    use std::collections::{BTreeMap, HashSet};

    use super::*;

    #[test]
    fn acknowledgment_by_group_counts_each_group_and_the_ungrouped_last() {
        let members: BTreeMap<String, Vec<String>> = [
            ("user:a", vec!["engineering"]),
            ("user:b", vec!["engineering", "finance"]),
            ("user:c", vec![]),
            ("user:d", vec!["finance"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
        .collect();
        let acked: HashSet<&str> = ["user:a", "user:b"].into_iter().collect();
        let got = acknowledgment_by_group(&members, &acked);
        let rows: Vec<(&str, u64, u64, f64)> = got
            .iter()
            .map(|g| (g.group.as_str(), g.members, g.acknowledged, g.rate))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("engineering", 2, 2, 100.0),
                ("finance", 2, 1, 50.0),
                (NO_GROUP, 1, 0, 0.0),
            ]
        );
        assert_eq!(rate_of(1, 3), 33.3);
        assert_eq!(rate_of(0, 0), 0.0);
        assert!(acknowledgment_by_group(&BTreeMap::new(), &acked).is_empty());
    }
}
