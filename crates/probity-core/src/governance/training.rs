//! Training assignments and policy violations: training tied to a policy, assigned to members
//! with a due date and completed against the version in force (its content hash kept); and
//! violations of a policy recorded by hand or raised by detection rules and control tests,
//! resolved with a note.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::model::{Party, PolicyId, VersionState};
use super::service::{GovernanceService, party};
use crate::audit::AuditRecord;
use crate::error::{DomainError, DomainResult};
use crate::platform::model::{TenantId, UserId, uuid_id};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

uuid_id!(
    /// Identifies a training assignment.
    TrainingId
);

uuid_id!(
    /// Identifies a policy violation.
    ViolationId
);

/// A training assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Training {
    /// Id.
    pub id: TrainingId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The policy it trains on.
    pub policy_id: PolicyId,
    /// Title (`Annual security awareness`).
    pub title: String,
    /// Who must complete it.
    pub assignee: Party,
    /// By when.
    pub due: NaiveDate,
    /// Who assigned it, and when.
    pub assigned_by: Party,
    /// When.
    pub assigned_at: DateTime<Utc>,
    /// When it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Who recorded the completion (the assignee, or someone recording it for them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<Party>,
    /// The policy version in force at completion, and its content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_version: Option<(u32, String)>,
}

/// A training with whether it is overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TrainingView {
    /// The assignment.
    #[serde(flatten)]
    pub training: Training,
    /// Not completed and past its due date.
    pub overdue: bool,
}

/// Assigning a training.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTraining {
    /// Title.
    pub title: String,
    /// Members to assign (user ids); empty assigns every member.
    #[serde(default)]
    pub user_ids: Vec<UserId>,
    /// By when.
    pub due: NaiveDate,
}

/// Where a violation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViolationSource {
    /// Reported by a person.
    Manual,
    /// Raised by an audit-trail detection rule.
    DetectionRule,
    /// Raised by a failing control test.
    ControlTest,
}

/// A violation of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Violation {
    /// Id.
    pub id: ViolationId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The policy.
    pub policy_id: PolicyId,
    /// The version in force when it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<u32>,
    /// What happened.
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Where it came from.
    pub source: ViolationSource,
    /// The rule, test or event that raised it (`rule:<id>`, `event:<index>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Who recorded it.
    pub reported_by: Party,
    /// When.
    pub reported_at: DateTime<Utc>,
    /// How it was resolved, by whom, when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<(String, Party, DateTime<Utc>)>,
}

/// Recording a violation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewViolation {
    /// What happened.
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Where it came from (default `manual`).
    #[serde(default)]
    pub source: Option<ViolationSource>,
    /// The rule, test or event that raised it.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Resolving a violation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveViolation {
    /// How it was resolved.
    pub resolution: String,
}

fn text(field: &str, value: &str, max: usize) -> DomainResult<String> {
    super::rules::text(field, value, max, true)
}

impl GovernanceService {
    fn policy_event(
        &self,
        who: &Principal,
        kind: &str,
        policy: PolicyId,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(
            Some(who.tenant.id),
            kind,
            &who.actor,
            ("policy", policy.to_string()),
            self.clock.now(),
        )
        .with_details(details)
    }

    async fn in_force(
        &self,
        who: &Principal,
        policy: PolicyId,
    ) -> DomainResult<Option<(u32, String)>> {
        if self.store.policy(who.tenant.id, policy).await?.is_none() {
            return Err(DomainError::NotFound(format!("policy {policy}")));
        }
        Ok(self
            .store
            .policy_versions(who.tenant.id, policy)
            .await?
            .into_iter()
            .find(|v| v.state == VersionState::Published)
            .map(|v| (v.number, v.content_hash)))
    }

    fn training_view(&self, t: Training) -> TrainingView {
        TrainingView {
            overdue: t.completed_at.is_none() && t.due < self.clock.now().date_naive(),
            training: t,
        }
    }

    /// Assigns a training on a policy to members (all of them when none is named; contributor
    /// and above); audited as `policy.training.assigned`.
    pub async fn assign_training(
        &self,
        who: &Principal,
        policy: PolicyId,
        req: &AssignTraining,
    ) -> DomainResult<Vec<TrainingView>> {
        who.require(Permission::Write)?;
        self.in_force(who, policy).await?;
        let title = text("title", &req.title, 200)?;
        if req.due < self.clock.now().date_naive() {
            return Err(DomainError::invalid("due", "must not be in the past"));
        }
        let members = self.members(who).await?;
        let chosen: Vec<(UserId, String)> = if req.user_ids.is_empty() {
            members
        } else {
            let mut out = Vec::new();
            for id in &req.user_ids {
                let m = members.iter().find(|(u, _)| u == id).ok_or_else(|| {
                    DomainError::invalid("user_ids", format!("{id} is not a member of this tenant"))
                })?;
                out.push(m.clone());
            }
            out
        };
        if chosen.is_empty() {
            return Err(DomainError::invalid(
                "user_ids",
                "the tenant has no members to assign",
            ));
        }
        let now = self.clock.now();
        let mut made = Vec::new();
        for (user, name) in chosen {
            let t = Training {
                id: TrainingId(Uuid::now_v7()),
                tenant_id: who.tenant.id,
                policy_id: policy,
                title: title.clone(),
                assignee: Party {
                    id: format!("user:{user}"),
                    name,
                },
                due: req.due,
                assigned_by: party(who),
                assigned_at: now,
                completed_at: None,
                completed_by: None,
                completed_version: None,
            };
            let event = self.policy_event(
                who,
                "policy.training.assigned",
                policy,
                json!({
                    "training": t.id, "title": t.title, "assignee": t.assignee.id, "due": t.due,
                }),
            );
            self.store.put_training(&t, &event).await?;
            made.push(self.training_view(t));
        }
        Ok(made)
    }

    /// A policy's training assignments (any member).
    pub async fn trainings(
        &self,
        who: &Principal,
        policy: PolicyId,
    ) -> DomainResult<Vec<TrainingView>> {
        who.require(Permission::Read)?;
        self.in_force(who, policy).await?;
        Ok(self
            .store
            .trainings(who.tenant.id, policy)
            .await?
            .into_iter()
            .map(|t| self.training_view(t))
            .collect())
    }

    /// Completes a training: by its assignee, or recorded for them by a contributor and above;
    /// bound to the policy version in force. Audited as `policy.training.completed`.
    pub async fn complete_training(
        &self,
        who: &Principal,
        id: TrainingId,
    ) -> DomainResult<TrainingView> {
        who.require(Permission::Read)?;
        let mut t = self
            .store
            .training(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("training {id}")))?;
        let by = party(who);
        if by.id != t.assignee.id {
            who.require(Permission::Write)?;
        }
        if t.completed_at.is_some() {
            return Err(DomainError::Conflict(
                "this training is already completed".into(),
            ));
        }
        let version = self.in_force(who, t.policy_id).await?.ok_or_else(|| {
            DomainError::Conflict("the policy has no version in force to train on".into())
        })?;
        t.completed_at = Some(self.clock.now());
        t.completed_by = Some(by);
        t.completed_version = Some(version);
        let event = self.policy_event(
            who,
            "policy.training.completed",
            t.policy_id,
            json!({
                "training": t.id, "assignee": t.assignee.id, "version": t.completed_version,
            }),
        );
        self.store.put_training(&t, &event).await?;
        Ok(self.training_view(t))
    }

    /// Records a violation of a policy (contributor and above); audited as
    /// `policy.violation.recorded`.
    pub async fn record_violation(
        &self,
        who: &Principal,
        policy: PolicyId,
        req: &NewViolation,
    ) -> DomainResult<Violation> {
        who.require(Permission::Write)?;
        let version = self.in_force(who, policy).await?;
        if !["low", "medium", "high", "critical"].contains(&req.severity.as_str()) {
            return Err(DomainError::invalid(
                "severity",
                "must be low, medium, high or critical",
            ));
        }
        let v = Violation {
            id: ViolationId(Uuid::now_v7()),
            tenant_id: who.tenant.id,
            policy_id: policy,
            policy_version: version.map(|(n, _)| n),
            description: text("description", &req.description, 4000)?,
            severity: req.severity.clone(),
            source: req.source.unwrap_or(ViolationSource::Manual),
            reference: match &req.reference {
                Some(r) => Some(text("reference", r, 200)?),
                None => None,
            },
            reported_by: party(who),
            reported_at: self.clock.now(),
            resolution: None,
        };
        let event = self.policy_event(who, "policy.violation.recorded", policy, json!({
            "violation": v.id, "severity": v.severity, "source": v.source, "reference": v.reference,
            "policy_version": v.policy_version,
        }));
        self.store.put_violation(&v, &event).await?;
        Ok(v)
    }

    /// A policy's violations, newest first (any member).
    pub async fn violations(
        &self,
        who: &Principal,
        policy: PolicyId,
    ) -> DomainResult<Vec<Violation>> {
        who.require(Permission::Read)?;
        self.in_force(who, policy).await?;
        Ok(self.store.violations(who.tenant.id, policy).await?)
    }

    /// Resolves a violation (contributor and above); audited as `policy.violation.resolved`.
    pub async fn resolve_violation(
        &self,
        who: &Principal,
        id: ViolationId,
        req: &ResolveViolation,
    ) -> DomainResult<Violation> {
        who.require(Permission::Write)?;
        let mut v = self
            .store
            .violation(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("violation {id}")))?;
        if v.resolution.is_some() {
            return Err(DomainError::Conflict(
                "this violation is already resolved".into(),
            ));
        }
        v.resolution = Some((
            text("resolution", &req.resolution, 4000)?,
            party(who),
            self.clock.now(),
        ));
        let event = self.policy_event(
            who,
            "policy.violation.resolved",
            v.policy_id,
            json!({ "violation": v.id }),
        );
        self.store.put_violation(&v, &event).await?;
        Ok(v)
    }
}

/// Alerts of detection rules linked to a policy are recorded as violations of it, by the
/// `detection` system actor, with the alert as the reference and the alert's severity (`info`
/// counts as `low`).
#[async_trait::async_trait]
impl crate::audit::alerts::ViolationSink for GovernanceService {
    async fn alert_violates(
        &self,
        tenant: TenantId,
        policy: PolicyId,
        alert: &crate::audit::detect::Alert,
    ) -> DomainResult<()> {
        let tenant = self
            .store
            .tenant_by_id(tenant)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("tenant {tenant}")))?;
        let who = Principal::system(tenant, "detection");
        let severity = match alert.severity.as_str() {
            "info" => "low",
            other => other,
        };
        self.record_violation(
            &who,
            policy,
            &NewViolation {
                description: format!(
                    "Detection rule \"{}\": {}",
                    alert.rule_name, alert.detection.summary
                ),
                severity: severity.to_owned(),
                source: Some(ViolationSource::DetectionRule),
                reference: Some(format!("alert:{}", alert.id)),
            },
        )
        .await
        .map(|_| ())
    }
}
