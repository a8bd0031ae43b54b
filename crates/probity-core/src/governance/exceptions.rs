//! Exception and risk-acceptance use cases on [`GovernanceService`]: requests, decisions bound
//! to the hash of the linked state the decider saw (never by the requester), revocation, and
//! the view that says whether an approval still binds.

use chrono::Duration;
use serde::Deserialize;
use serde_json::json;

use super::exception::*;
use super::model::{PolicyId, VersionState};
use super::risk::RiskId;
use super::rules::{self, text};
use super::service::{GovernanceService, party};
use crate::audit::AuditRecord;
use crate::catalog::ImplementationStatus;
use crate::error::{DomainError, DomainResult};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// Longest an exception may run.
pub const MAX_DAYS: i64 = 366;

/// A request for an exception or a risk acceptance.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewException {
    /// Kind.
    pub kind: ExceptionKind,
    /// Title.
    pub title: String,
    /// What it covers.
    pub scope: String,
    /// Why it is needed.
    pub justification: String,
    /// What reduces the risk meanwhile.
    #[serde(default)]
    pub compensating_controls: String,
    /// Linked unified controls.
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Linked policies.
    #[serde(default)]
    pub policy_ids: Vec<PolicyId>,
    /// Linked risks (at least one for a risk acceptance).
    #[serde(default)]
    pub risk_ids: Vec<RiskId>,
    /// When it lapses: in the future, at most 366 days away.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A decision: approve or reject, with the `current_snapshot_hash` the decider read.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExceptionDecision {
    /// Approve (true) or reject (false).
    pub approve: bool,
    /// Why.
    pub rationale: String,
    /// The `current_snapshot_hash` of the exception as read.
    pub snapshot_hash: String,
}

impl GovernanceService {
    fn exception_event(
        &self,
        who: &Principal,
        kind: &str,
        e: &Exception,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            kind,
            &who.actor,
            ("exception", e.id.to_string()),
            self.clock.now(),
        )
        .with_details(details)
    }

    /// The linked state now.
    async fn snapshot(&self, who: &Principal, e: &Exception) -> DomainResult<StateSnapshot> {
        let states = self.statuses(who).await?;
        let mut controls: Vec<ControlSnapshot> = e
            .control_ids
            .iter()
            .map(|c| ControlSnapshot {
                id: c.clone(),
                status: states
                    .get(c)
                    .copied()
                    .unwrap_or(ImplementationStatus::NotImplemented),
            })
            .collect();
        controls.sort_by(|a, b| a.id.cmp(&b.id));
        let mut risks = Vec::new();
        for id in &e.risk_ids {
            if let Some(r) = self.store.risk(who.tenant.id, *id).await? {
                let v = self.scored(who, r).await?;
                risks.push(RiskSnapshot {
                    id: *id,
                    reference: v.risk.reference.clone(),
                    version: v.risk.version,
                    inherent_score: v.inherent_score,
                    residual_score: v.residual_score,
                });
            }
        }
        let mut policies = Vec::new();
        for id in &e.policy_ids {
            if let Some(p) = self.store.policy(who.tenant.id, *id).await? {
                let versions = self.store.policy_versions(who.tenant.id, *id).await?;
                let current = versions.iter().find(|v| v.state == VersionState::Published);
                policies.push(PolicySnapshot {
                    id: *id,
                    key: p.key,
                    version: current.map(|v| v.number),
                    content_hash: current.map(|v| v.content_hash.clone()),
                });
            }
        }
        Ok(StateSnapshot {
            controls,
            risks,
            policies,
        })
    }

    async fn exception_view(&self, who: &Principal, e: Exception) -> DomainResult<ExceptionView> {
        let now = self.clock.now();
        let current = self.snapshot(who, &e).await?;
        let mut because = Vec::new();
        if let (ExceptionState::Approved, Some(d)) = (e.state, &e.decision) {
            let mut versions = std::collections::HashMap::new();
            for p in &d.snapshot.policies {
                versions.insert(p.id, self.store.policy_versions(who.tenant.id, p.id).await?);
            }
            let material_since = |id: PolicyId, then: Option<u32>| {
                let in_force = current
                    .policies
                    .iter()
                    .find(|p| p.id == id)
                    .and_then(|p| p.version);
                match (versions.get(&id), then, in_force) {
                    (Some(vs), Some(a), Some(c)) => !rules::acknowledgment_covers(vs, a, c),
                    (_, None, None) => false,
                    _ => true,
                }
            };
            because = invalidations(&d.snapshot, &current, &material_since);
        }
        Ok(ExceptionView {
            status: status(&e, !because.is_empty(), now),
            invalidated_because: because,
            current_snapshot_hash: current.hash(),
            current_snapshot: current,
            days_to_expiry: (e.expires_at - now).num_days(),
            exception: e,
        })
    }

    async fn exception_of(&self, who: &Principal, id: ExceptionId) -> DomainResult<Exception> {
        self.store
            .exception(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("exception {id}")))
    }

    /// Requests an exception or risk acceptance (contributor and above); audited as
    /// `exception.requested`.
    pub async fn request_exception(
        &self,
        who: &Principal,
        req: &NewException,
    ) -> DomainResult<ExceptionView> {
        who.require(Permission::Write)?;
        let now = self.clock.now();
        if req.expires_at <= now || req.expires_at > now + Duration::days(MAX_DAYS) {
            return Err(DomainError::invalid(
                "expires_at",
                format!("must be in the future and at most {MAX_DAYS} days away"),
            ));
        }
        if req.kind == ExceptionKind::RiskAcceptance && req.risk_ids.is_empty() {
            return Err(DomainError::invalid(
                "risk_ids",
                "a risk acceptance names the risks it accepts",
            ));
        }
        if req.control_ids.len() + req.policy_ids.len() + req.risk_ids.len() > 50 {
            return Err(DomainError::invalid("control_ids", "link at most 50 items"));
        }
        rules::check_controls(&req.control_ids)?;
        for id in &req.policy_ids {
            if self.store.policy(who.tenant.id, *id).await?.is_none() {
                return Err(DomainError::invalid(
                    "policy_ids",
                    format!("no policy {id} in this tenant"),
                ));
            }
        }
        for id in &req.risk_ids {
            if self.store.risk(who.tenant.id, *id).await?.is_none() {
                return Err(DomainError::invalid(
                    "risk_ids",
                    format!("no risk {id} in this tenant"),
                ));
            }
        }
        let existing = self.store.list_exceptions(who.tenant.id).await?;
        let e = Exception {
            id: ExceptionId::new(),
            tenant_id: who.tenant.id,
            reference: format!("EX-{:03}", existing.len() + 1),
            kind: req.kind,
            title: text("title", &req.title, 200, true)?,
            scope: text("scope", &req.scope, 2000, true)?,
            justification: text("justification", &req.justification, 4000, true)?,
            compensating_controls: text(
                "compensating_controls",
                &req.compensating_controls,
                4000,
                false,
            )?,
            control_ids: req.control_ids.clone(),
            policy_ids: req.policy_ids.clone(),
            risk_ids: req.risk_ids.clone(),
            requested_by: party(who),
            requested_at: now,
            expires_at: req.expires_at,
            state: ExceptionState::Requested,
            decision: None,
            revoked: None,
        };
        let event = self.exception_event(who, "exception.requested", &e, json!({
            "reference": e.reference, "kind": e.kind, "title": e.title, "expires_at": e.expires_at,
            "control_ids": e.control_ids, "policy_ids": e.policy_ids, "risk_ids": e.risk_ids,
        }));
        self.store
            .insert_exception(&e, &event)
            .await
            .map_err(|err| match err {
                StoreError::Duplicate(_) => DomainError::Conflict(
                    "another exception was requested at the same time; try again".into(),
                ),
                other => other.into(),
            })?;
        self.exception_view(who, e).await
    }

    /// The tenant's exceptions with their effective status, newest first (any member).
    pub async fn exceptions(&self, who: &Principal) -> DomainResult<Vec<ExceptionView>> {
        who.require(Permission::Read)?;
        let mut out = Vec::new();
        for e in self.store.list_exceptions(who.tenant.id).await? {
            out.push(self.exception_view(who, e).await?);
        }
        Ok(out)
    }

    /// One exception with its effective status and the linked state now.
    pub async fn exception(&self, who: &Principal, id: ExceptionId) -> DomainResult<ExceptionView> {
        who.require(Permission::Read)?;
        let e = self.exception_of(who, id).await?;
        self.exception_view(who, e).await
    }

    /// Approves or rejects a request (compliance manager and above, never the requester),
    /// capturing the linked state bound to the hash the decider read; audited as
    /// `exception.approved` or `exception.rejected` with the snapshot.
    pub async fn decide_exception(
        &self,
        who: &Principal,
        id: ExceptionId,
        req: &NewExceptionDecision,
    ) -> DomainResult<ExceptionView> {
        who.require(Permission::Approve)?;
        let mut e = self.exception_of(who, id).await?;
        let by = party(who);
        if by.id == e.requested_by.id {
            return Err(DomainError::Forbidden(
                "separation of duties: the requester of an exception cannot decide on it".into(),
            ));
        }
        let now = self.clock.now();
        if e.state != ExceptionState::Requested {
            return Err(DomainError::Conflict(format!(
                "{} is {}: only a requested exception can be decided",
                e.reference,
                e.state.as_str()
            )));
        }
        if now >= e.expires_at {
            return Err(DomainError::Conflict(format!(
                "{} expired before a decision; request it again",
                e.reference
            )));
        }
        let rationale = text("rationale", &req.rationale, 4000, true)?;
        let snapshot = self.snapshot(who, &e).await?;
        let hash = snapshot.hash();
        if req.snapshot_hash.trim() != hash {
            return Err(DomainError::Conflict(format!(
                "snapshot_hash does not match the linked state now ({hash}): something changed since you read it; reload and decide on what is there"
            )));
        }
        e.state = if req.approve {
            ExceptionState::Approved
        } else {
            ExceptionState::Rejected
        };
        e.decision = Some(ExceptionDecision {
            approved: req.approve,
            by,
            at: now,
            rationale,
            snapshot,
            snapshot_hash: hash,
        });
        let kind = if req.approve {
            "exception.approved"
        } else {
            "exception.rejected"
        };
        let event = self.exception_event(who, kind, &e, json!({
            "reference": e.reference, "snapshot_hash": e.decision.as_ref().map(|d| &d.snapshot_hash),
            "snapshot": e.decision.as_ref().map(|d| &d.snapshot), "expires_at": e.expires_at,
        }));
        if !self
            .store
            .update_exception(&e, ExceptionState::Requested, &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the exception changed meanwhile; reload and try again".into(),
            ));
        }
        self.exception_view(who, e).await
    }

    /// Withdraws an approved exception (compliance manager and above); audited as
    /// `exception.revoked`.
    pub async fn revoke_exception(
        &self,
        who: &Principal,
        id: ExceptionId,
    ) -> DomainResult<ExceptionView> {
        who.require(Permission::Approve)?;
        let mut e = self.exception_of(who, id).await?;
        if e.state != ExceptionState::Approved {
            return Err(DomainError::Conflict(format!(
                "{} is {}: only an approved exception can be revoked",
                e.reference,
                e.state.as_str()
            )));
        }
        e.state = ExceptionState::Revoked;
        e.revoked = Some((party(who), self.clock.now()));
        let event = self.exception_event(
            who,
            "exception.revoked",
            &e,
            json!({ "reference": e.reference }),
        );
        if !self
            .store
            .update_exception(&e, ExceptionState::Approved, &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the exception changed meanwhile; reload and try again".into(),
            ));
        }
        self.exception_view(who, e).await
    }
}
