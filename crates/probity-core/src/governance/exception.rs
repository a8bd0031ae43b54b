//! Exceptions and risk acceptances: a request (scope, justification, compensating controls,
//! expiry) linked to controls, policies and risks; a decision by someone other than the
//! requester that captures the state of everything linked at that moment and binds to its hash;
//! and the rules that make an approved exception lapse — its expiry, a newer version of an
//! accepted risk, a material policy version, a linked control getting worse.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::{Party, PolicyId};
use super::risk::RiskId;
use crate::catalog::ImplementationStatus;
use uuid::Uuid;

use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies an exception.
    ExceptionId
);

/// What is being excepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// A departure from a policy or control.
    PolicyException,
    /// Accepting a risk as it is.
    RiskAcceptance,
}

impl ExceptionKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::PolicyException => "policy_exception",
            ExceptionKind::RiskAcceptance => "risk_acceptance",
        }
    }
}

/// The stored workflow state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionState {
    /// Waiting for a decision.
    Requested,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// Withdrawn after approval.
    Revoked,
    /// Past its expiry (recorded by the reminder sweep).
    Expired,
}

impl ExceptionState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionState::Requested => "requested",
            ExceptionState::Approved => "approved",
            ExceptionState::Rejected => "rejected",
            ExceptionState::Revoked => "revoked",
            ExceptionState::Expired => "expired",
        }
    }
}

/// A linked control's status at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ControlSnapshot {
    /// Control id.
    pub id: String,
    /// Its status.
    pub status: ImplementationStatus,
}

/// A linked risk at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskSnapshot {
    /// Risk id.
    pub id: RiskId,
    /// `R-001`.
    pub reference: String,
    /// Its version.
    pub version: u32,
    /// Inherent score.
    pub inherent_score: u32,
    /// Effective residual score.
    pub residual_score: u32,
}

/// A linked policy at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicySnapshot {
    /// Policy id.
    pub id: PolicyId,
    /// Its key.
    pub key: String,
    /// The version in force, if any.
    pub version: Option<u32>,
    /// That version's content hash.
    pub content_hash: Option<String>,
}

/// The state of everything an exception links to, as a decider saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StateSnapshot {
    /// Controls, by id.
    pub controls: Vec<ControlSnapshot>,
    /// Risks, in link order.
    pub risks: Vec<RiskSnapshot>,
    /// Policies, in link order.
    pub policies: Vec<PolicySnapshot>,
}

impl StateSnapshot {
    /// SHA-256 (hex) of the snapshot's JSON: a decision names it, so it binds to what the
    /// decider saw.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(serde_json::to_vec(self).unwrap_or_default()))
    }
}

/// A decision on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExceptionDecision {
    /// Approved or rejected.
    pub approved: bool,
    /// Who decided.
    pub by: Party,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub rationale: String,
    /// The linked state the decision was made on.
    pub snapshot: StateSnapshot,
    /// Its hash.
    pub snapshot_hash: String,
}

/// An exception or risk acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Exception {
    /// Its id.
    pub id: ExceptionId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `EX-001`, ...
    pub reference: String,
    /// Kind.
    pub kind: ExceptionKind,
    /// Title.
    pub title: String,
    /// What it covers (systems, teams, data).
    pub scope: String,
    /// Why it is needed.
    pub justification: String,
    /// What reduces the risk meanwhile.
    pub compensating_controls: String,
    /// Linked unified controls.
    pub control_ids: Vec<String>,
    /// Linked policies.
    pub policy_ids: Vec<PolicyId>,
    /// Linked risks (a risk acceptance names at least one).
    pub risk_ids: Vec<RiskId>,
    /// Who asked.
    pub requested_by: Party,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
    /// Stored state.
    pub state: ExceptionState,
    /// The decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ExceptionDecision>,
    /// Who revoked it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<(Party, DateTime<Utc>)>,
}

/// The status a reader should act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    /// Waiting for a decision.
    Requested,
    /// Approved and still binding.
    Approved,
    /// Approved, but something it was decided on changed: decide again.
    Invalidated,
    /// Rejected.
    Rejected,
    /// Revoked.
    Revoked,
    /// Past its expiry.
    Expired,
}

impl ExceptionStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionStatus::Requested => "requested",
            ExceptionStatus::Approved => "approved",
            ExceptionStatus::Invalidated => "invalidated",
            ExceptionStatus::Rejected => "rejected",
            ExceptionStatus::Revoked => "revoked",
            ExceptionStatus::Expired => "expired",
        }
    }
}

/// An exception with its effective status.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExceptionView {
    /// The exception.
    #[serde(flatten)]
    pub exception: Exception,
    /// Effective status now.
    pub status: ExceptionStatus,
    /// Why an approval no longer binds.
    pub invalidated_because: Vec<String>,
    /// The linked state now; a decision must name its hash.
    pub current_snapshot: StateSnapshot,
    /// `current_snapshot`'s hash.
    pub current_snapshot_hash: String,
    /// Whole days until expiry (negative once past).
    pub days_to_expiry: i64,
}

fn rank(s: ImplementationStatus) -> u8 {
    match s {
        ImplementationStatus::Implemented | ImplementationStatus::NotApplicable => 4,
        ImplementationStatus::PartiallyImplemented => 3,
        ImplementationStatus::Planned => 2,
        ImplementationStatus::NotImplemented => 1,
    }
}

/// Why an approval made on `then` no longer binds given `now` (empty when it still does);
/// `material_since(policy, version)` says whether a material version of the policy came into
/// force after `version`.
pub fn invalidations(
    then: &StateSnapshot,
    now: &StateSnapshot,
    material_since: &dyn Fn(PolicyId, Option<u32>) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for r in &then.risks {
        match now.risks.iter().find(|n| n.id == r.id) {
            Some(n) if n.version != r.version => out.push(format!(
                "{} changed from version {} to {} (residual {} → {})",
                r.reference, r.version, n.version, r.residual_score, n.residual_score
            )),
            Some(n) if n.residual_score > r.residual_score => out.push(format!(
                "{} residual score rose from {} to {} as its controls weakened",
                r.reference, r.residual_score, n.residual_score
            )),
            _ => {}
        }
    }
    for p in &then.policies {
        if let Some(n) = now.policies.iter().find(|n| n.id == p.id)
            && n.version != p.version
            && material_since(p.id, p.version)
        {
            out.push(format!(
                "policy {} has a material new version in force ({})",
                p.key,
                n.version
                    .map_or_else(|| "none".to_owned(), |v| v.to_string())
            ));
        }
    }
    for c in &then.controls {
        if let Some(n) = now.controls.iter().find(|n| n.id == c.id)
            && rank(n.status) < rank(c.status)
        {
            out.push(format!(
                "control {} fell from {} to {}",
                c.id,
                c.status.as_str(),
                n.status.as_str()
            ));
        }
    }
    out
}

/// The effective status at `now`.
pub fn status(e: &Exception, invalidated: bool, now: DateTime<Utc>) -> ExceptionStatus {
    match e.state {
        ExceptionState::Requested if now >= e.expires_at => ExceptionStatus::Expired,
        ExceptionState::Requested => ExceptionStatus::Requested,
        ExceptionState::Approved if now >= e.expires_at => ExceptionStatus::Expired,
        ExceptionState::Approved if invalidated => ExceptionStatus::Invalidated,
        ExceptionState::Approved => ExceptionStatus::Approved,
        ExceptionState::Rejected => ExceptionStatus::Rejected,
        ExceptionState::Revoked => ExceptionStatus::Revoked,
        ExceptionState::Expired => ExceptionStatus::Expired,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn snap(
        version: u32,
        residual: u32,
        status: ImplementationStatus,
        policy_version: u32,
    ) -> StateSnapshot {
        StateSnapshot {
            controls: vec![ControlSnapshot {
                id: "IAM-01".into(),
                status,
            }],
            risks: vec![RiskSnapshot {
                id: RiskId(uuid::Uuid::nil()),
                reference: "R-001".into(),
                version,
                inherent_score: 20,
                residual_score: residual,
            }],
            policies: vec![PolicySnapshot {
                id: PolicyId(uuid::Uuid::nil()),
                key: "access-control".into(),
                version: Some(policy_version),
                content_hash: Some(format!("h{policy_version}")),
            }],
        }
    }

    #[test]
    fn approvals_lapse_when_what_they_were_decided_on_changes() {
        let then = snap(2, 10, ImplementationStatus::Implemented, 1);
        let never = |_: PolicyId, _: Option<u32>| false;
        let always = |_: PolicyId, _: Option<u32>| true;
        assert!(invalidations(&then, &then, &never).is_empty());
        assert_eq!(then.hash(), then.clone().hash());
        assert_ne!(
            then.hash(),
            snap(3, 10, ImplementationStatus::Implemented, 1).hash()
        );
        // A new risk version.
        let why = invalidations(
            &then,
            &snap(3, 10, ImplementationStatus::Implemented, 1),
            &never,
        );
        assert_eq!(why.len(), 1, "{why:?}");
        assert!(why[0].contains("version 2 to 3"));
        // Controls weakening raise the derived residual.
        let why = invalidations(
            &then,
            &snap(2, 15, ImplementationStatus::PartiallyImplemented, 1),
            &never,
        );
        assert_eq!(why.len(), 2, "{why:?}");
        // A better control is fine.
        let planned = snap(2, 10, ImplementationStatus::Planned, 1);
        assert!(invalidations(&planned, &then, &never).is_empty());
        // A minor policy version keeps it; a material one does not.
        assert!(
            invalidations(
                &then,
                &snap(2, 10, ImplementationStatus::Implemented, 2),
                &never
            )
            .is_empty()
        );
        assert_eq!(
            invalidations(
                &then,
                &snap(2, 10, ImplementationStatus::Implemented, 2),
                &always
            )
            .len(),
            1
        );
    }

    #[test]
    fn expiry_wins_over_everything_but_a_final_state() {
        let at = DateTime::UNIX_EPOCH;
        let later = at + chrono::Duration::days(30);
        let e = Exception {
            id: ExceptionId::new(),
            tenant_id: TenantId::new(),
            reference: "EX-001".into(),
            kind: ExceptionKind::RiskAcceptance,
            title: "t".into(),
            scope: String::new(),
            justification: String::new(),
            compensating_controls: String::new(),
            control_ids: vec![],
            policy_ids: vec![],
            risk_ids: vec![],
            requested_by: Party {
                id: "user:a".into(),
                name: "A".into(),
            },
            requested_at: at,
            expires_at: later,
            state: ExceptionState::Approved,
            decision: None,
            revoked: None,
        };
        assert_eq!(status(&e, false, at), ExceptionStatus::Approved);
        assert_eq!(status(&e, true, at), ExceptionStatus::Invalidated);
        assert_eq!(status(&e, true, later), ExceptionStatus::Expired);
        let rejected = Exception {
            state: ExceptionState::Rejected,
            ..e
        };
        assert_eq!(status(&rejected, false, later), ExceptionStatus::Rejected);
    }
}
