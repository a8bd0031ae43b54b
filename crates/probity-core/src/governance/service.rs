//! Policy use cases, authorised against the caller's [`Principal`]: create (from a template or
//! text), new versions, submit, approve (approve permission, never one's own version), publish
//! (retiring the version it replaces), acknowledge; every change audited.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::model::*;
use super::rules;
use super::templates::{self, PolicyTemplate};
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::notify::{Notice, NotifyService, Severity};
use crate::page::PageRequest;
use crate::platform::model::UserId;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::{Store, StoreError};

/// Largest policy text accepted (bytes).
pub const MAX_CONTENT: usize = 256 * 1024;

/// A new policy, from a template (`template`) or its own text (`content`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    /// Unique within the tenant: 2–63 of `a-z`, `0-9`, `-`.
    pub key: String,
    /// Title (default: the template's).
    #[serde(default)]
    pub title: Option<String>,
    /// Kind (default: the template's, else `other`).
    #[serde(default)]
    pub kind: Option<PolicyKind>,
    /// Accountable owner.
    pub owner: String,
    /// A shipped template key (`GET /api/v1/policy-templates`).
    #[serde(default)]
    pub template: Option<String>,
    /// Markdown text (required without a template).
    #[serde(default)]
    pub content: Option<String>,
    /// Unified controls (default: the template's).
    #[serde(default)]
    pub control_ids: Option<Vec<String>>,
    /// Framework requirements it addresses, as `framework:requirement`
    /// (`iso27001-2022:A.5.1`).
    #[serde(default)]
    pub requirement_ids: Vec<String>,
    /// Approvals a version needs (1–5, default 1).
    #[serde(default)]
    pub required_approvals: Option<u32>,
    /// Months between reviews (1–36, default: the template's, else 12).
    #[serde(default)]
    pub review_months: Option<u32>,
    /// Values for the template's `{{placeholders}}` (`organization` defaults to the tenant's
    /// name); the ones left are listed on the policy until a new version fills them.
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, String>,
}

/// A new version of a policy.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    /// Markdown text.
    pub content: String,
    /// Whether people must acknowledge it again once it is published.
    pub material: bool,
    /// What changed.
    #[serde(default)]
    pub change_note: Option<String>,
}

/// An approval or publication, bound to the text decided on.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = VersionDecision)]
pub struct Decision {
    /// The version's `content_hash` as the decider read it.
    pub content_hash: String,
}

/// An acknowledgment of the version in force.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAcknowledgment {
    /// The `content_hash` of the version in force, as read.
    pub content_hash: String,
}

/// Policy use cases.
pub struct GovernanceService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    notify: Option<Arc<NotifyService>>,
    public_url: String,
}

impl std::fmt::Debug for GovernanceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GovernanceService").finish_non_exhaustive()
    }
}

/// The party a principal acts as: `user:<id>` for people, else the audit actor's id.
pub fn party(who: &Principal) -> Party {
    Party {
        id: who
            .user_id
            .map_or_else(|| who.actor.id.clone(), |u| format!("user:{u}")),
        name: who.actor.display.clone(),
    }
}

fn check_content(content: &str) -> DomainResult<String> {
    let text = content.trim();
    if text.is_empty() || text.len() > MAX_CONTENT {
        return Err(DomainError::invalid(
            "content",
            format!("must be 1 to {MAX_CONTENT} bytes of Markdown"),
        ));
    }
    Ok(format!("{text}\n"))
}

/// Checks a short single-line text: trimmed, 1 to `max` characters, no control characters.
pub(crate) fn short(field: &str, value: &str, max: usize) -> DomainResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            format!("must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(v.to_owned())
}

impl GovernanceService {
    /// Builds the service.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            notify: None,
            public_url: String::new(),
        }
    }

    /// Raises notifications (publications, reminders, appetite alerts) through `notify`,
    /// linking to pages under `public_url` (`https://grc.example.com`).
    #[must_use]
    pub fn with_notify(mut self, notify: Arc<NotifyService>, public_url: &str) -> Self {
        self.notify = Some(notify);
        self.public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    /// The absolute URL of a page.
    pub(super) fn page_url(&self, path: &str) -> Option<String> {
        (!self.public_url.is_empty()).then(|| format!("{}{path}", self.public_url))
    }

    /// Raises `notice` for the caller's tenant; a failure is logged, never fails the change
    /// that caused it (the change is already recorded).
    pub(super) async fn raise(&self, who: &Principal, notice: Notice) {
        if let Some(n) = &self.notify
            && let Err(e) = n.raise(who.tenant.id, &notice).await
        {
            tracing::warn!(error = %e, kind = %notice.kind, "governance notification not raised");
        }
    }

    fn event(
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

    /// The shipped templates.
    pub fn templates(&self, who: &Principal) -> DomainResult<Vec<PolicyTemplate>> {
        who.require(Permission::Read)?;
        Ok(templates::templates())
    }

    /// Creates a policy and its first (draft) version.
    pub async fn create_policy(
        &self,
        who: &Principal,
        req: &NewPolicy,
    ) -> DomainResult<PolicyView> {
        who.require(Permission::Write)?;
        let template = match &req.template {
            Some(key) => Some(templates::template(key).ok_or_else(|| {
                DomainError::invalid(
                    "template",
                    format!(
                        "{key:?} is not a shipped template; list them at /api/v1/policy-templates"
                    ),
                )
            })?),
            None => None,
        };
        let key = req.key.trim();
        if key.len() < 2
            || key.len() > 63
            || !key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(DomainError::invalid(
                "key",
                "must be 2 to 63 characters of a-z, 0-9 and -",
            ));
        }
        let title = short(
            "title",
            req.title
                .as_deref()
                .or(template.as_ref().map(|t| t.title.as_str()))
                .unwrap_or_default(),
            200,
        )?;
        let content = match (&req.content, &template) {
            (Some(c), _) => check_content(c)?,
            (None, Some(t)) => {
                let mut values = req.values.clone();
                values
                    .entry("organization".to_owned())
                    .or_insert_with(|| who.tenant.name.clone());
                if let Some((k, _)) = values.iter().find(|(k, v)| {
                    v.chars().count() > 200 || v.chars().any(char::is_control) || k.is_empty()
                }) {
                    return Err(DomainError::invalid(
                        format!("values.{k}"),
                        "must be at most 200 characters without control characters",
                    ));
                }
                check_content(&templates::fill(&t.content, &values))?
            }
            (None, None) => {
                return Err(DomainError::invalid(
                    "content",
                    "give the policy's text, or a template",
                ));
            }
        };
        let required_approvals = req.required_approvals.unwrap_or(1);
        if !(1..=5).contains(&required_approvals) {
            return Err(DomainError::invalid("required_approvals", "must be 1 to 5"));
        }
        let review_months = req
            .review_months
            .or(template.as_ref().map(|t| t.review_months))
            .unwrap_or(12);
        if !(1..=36).contains(&review_months) {
            return Err(DomainError::invalid("review_months", "must be 1 to 36"));
        }
        let control_ids = req
            .control_ids
            .clone()
            .or(template.as_ref().map(|t| t.controls.clone()))
            .unwrap_or_default();
        rules::check_controls(&control_ids)?;
        let catalog = crate::catalog::Catalog::shipped_or_empty();
        for r in &req.requirement_ids {
            let known = r
                .split_once(':')
                .is_some_and(|(f, id)| catalog.requirement(f, id).is_some());
            if !known {
                return Err(DomainError::invalid(
                    "requirement_ids",
                    format!(
                        "{r} is not a shipped requirement: write framework:requirement, e.g. iso27001-2022:A.5.1"
                    ),
                ));
            }
        }
        let now = self.clock.now();
        let policy = Policy {
            id: new_policy_id(),
            tenant_id: who.tenant.id,
            key: key.to_owned(),
            title,
            kind: req
                .kind
                .or(template.as_ref().map(|t| t.kind))
                .unwrap_or(PolicyKind::Other),
            owner: short("owner", &req.owner, 200)?,
            control_ids,
            requirement_ids: req.requirement_ids.clone(),
            required_approvals,
            review_months,
            created_at: now,
        };
        let first = PolicyVersion {
            policy_id: policy.id,
            tenant_id: who.tenant.id,
            number: 1,
            content_hash: rules::content_hash(&content),
            content,
            material: true,
            change_note: template
                .as_ref()
                .map(|t| format!("From the {} template.", t.key)),
            state: VersionState::Draft,
            author: party(who),
            approvals: Vec::new(),
            created_at: now,
            submitted_at: None,
            published_at: None,
            retired_at: None,
        };
        let event = self.event(who, "policy.created", policy.id, json!({
            "key": policy.key, "title": policy.title, "kind": policy.kind, "owner": policy.owner,
            "control_ids": policy.control_ids, "required_approvals": policy.required_approvals,
            "template": req.template, "version": 1, "content_hash": first.content_hash,
        }));
        self.store
            .insert_policy(&policy, &first, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => {
                    DomainError::Conflict(format!("a policy with key {key} already exists"))
                }
                other => other.into(),
            })?;
        self.view(who, policy).await
    }

    /// The tenant's members (user id and display name), every page.
    pub(super) async fn members(&self, who: &Principal) -> DomainResult<Vec<(UserId, String)>> {
        let mut out = Vec::new();
        let mut page = PageRequest {
            limit: 500,
            after: None,
        };
        loop {
            let got = self.store.list_members(who.tenant.id, &page).await?;
            out.extend(
                got.items
                    .iter()
                    .map(|m| (m.user.id, m.user.display_name.clone())),
            );
            match (got.next_cursor, got.items.last()) {
                (Some(_), Some(last)) => page.after = Some(last.user.id.0),
                _ => return Ok(out),
            }
        }
    }

    /// The parties (`user:<id>`) of the tenant's members.
    pub(super) async fn member_users(&self, who: &Principal) -> DomainResult<Vec<String>> {
        Ok(self
            .members(who)
            .await?
            .into_iter()
            .map(|(u, _)| format!("user:{u}"))
            .collect())
    }

    /// The tenant's members (`user:<id>`) with their groups, every page.
    pub(super) async fn member_groups(
        &self,
        who: &Principal,
    ) -> DomainResult<BTreeMap<String, Vec<String>>> {
        let mut out = BTreeMap::new();
        let mut page = PageRequest {
            limit: 500,
            after: None,
        };
        loop {
            let got = self.store.list_members(who.tenant.id, &page).await?;
            out.extend(
                got.items
                    .iter()
                    .map(|m| (format!("user:{}", m.user.id), m.groups.clone())),
            );
            match (got.next_cursor, got.items.last()) {
                (Some(_), Some(last)) => page.after = Some(last.user.id.0),
                _ => return Ok(out),
            }
        }
    }

    async fn view(&self, who: &Principal, policy: Policy) -> DomainResult<PolicyView> {
        let members = self.member_groups(who).await?;
        self.view_among(who, policy, &members).await
    }

    /// A policy's view with the tenant's members (`user:<id>` with their groups) already
    /// listed, so a list of policies reads the members once.
    async fn view_among(
        &self,
        who: &Principal,
        policy: Policy,
        members: &BTreeMap<String, Vec<String>>,
    ) -> DomainResult<PolicyView> {
        let versions = self.store.policy_versions(who.tenant.id, policy.id).await?;
        let acks = self.store.acknowledgments(who.tenant.id, policy.id).await?;
        let published = versions.iter().find(|v| v.state == VersionState::Published);
        let acknowledged: std::collections::HashSet<&str> = match published {
            Some(p) => acks
                .iter()
                .filter(|a| {
                    members.contains_key(&a.by.id)
                        && rules::acknowledgment_covers(&versions, a.version, p.number)
                })
                .map(|a| a.by.id.as_str())
                .collect(),
            None => std::collections::HashSet::new(),
        };
        let n = members.len() as u64;
        let done = acknowledged.len() as u64;
        let by_group = super::model::acknowledgment_by_group(members, &acknowledged);
        Ok(PolicyView {
            published: published.map(|p| p.number),
            review_due: published
                .and_then(|p| p.published_at)
                .and_then(|at| at.checked_add_months(chrono::Months::new(policy.review_months))),
            placeholders: versions
                .last()
                .map(|v| templates::placeholders(&v.content))
                .unwrap_or_default(),
            acknowledgment_by_group: by_group,
            policy,
            versions,
            acknowledged: done,
            members: n,
            acknowledgment_rate: super::model::rate_of(done, n),
        })
    }

    async fn policy_of(&self, who: &Principal, id: PolicyId) -> DomainResult<Policy> {
        self.store
            .policy(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("policy {id}")))
    }

    /// The tenant's policies with their status.
    pub async fn policies(&self, who: &Principal) -> DomainResult<Vec<PolicyView>> {
        who.require(Permission::Read)?;
        let members = self.member_groups(who).await?;
        let mut out = Vec::new();
        for p in self.store.list_policies(who.tenant.id).await? {
            out.push(self.view_among(who, p, &members).await?);
        }
        Ok(out)
    }

    /// One policy with its versions and acknowledgment status.
    pub async fn policy(&self, who: &Principal, id: PolicyId) -> DomainResult<PolicyView> {
        who.require(Permission::Read)?;
        let p = self.policy_of(who, id).await?;
        self.view(who, p).await
    }

    /// Adds a draft version; only when no version is being written, reviewed or waiting to be
    /// published.
    pub async fn new_version(
        &self,
        who: &Principal,
        id: PolicyId,
        req: &NewVersion,
    ) -> DomainResult<PolicyView> {
        who.require(Permission::Write)?;
        let policy = self.policy_of(who, id).await?;
        let versions = self.store.policy_versions(who.tenant.id, id).await?;
        if let Some(open) = versions.iter().find(|v| {
            matches!(
                v.state,
                VersionState::Draft | VersionState::InReview | VersionState::Approved
            )
        }) {
            return Err(DomainError::Conflict(format!(
                "version {} is still {}: publish or supersede it first",
                open.number,
                open.state.as_str()
            )));
        }
        let content = check_content(&req.content)?;
        let number = versions.last().map_or(1, |v| v.number + 1);
        let version = PolicyVersion {
            policy_id: id,
            tenant_id: who.tenant.id,
            number,
            content_hash: rules::content_hash(&content),
            content,
            material: req.material,
            change_note: match &req.change_note {
                Some(n) => Some(short("change_note", n, 1000)?),
                None => None,
            },
            state: VersionState::Draft,
            author: party(who),
            approvals: Vec::new(),
            created_at: self.clock.now(),
            submitted_at: None,
            published_at: None,
            retired_at: None,
        };
        let event = self.event(who, "policy.version.created", id, json!({
            "version": number, "content_hash": version.content_hash, "material": version.material,
            "change_note": version.change_note,
        }));
        self.store
            .insert_policy_version(&version, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => DomainError::Conflict(
                    "another version was added at the same time; reload".into(),
                ),
                other => other.into(),
            })?;
        self.view(who, policy).await
    }

    async fn version(
        &self,
        who: &Principal,
        id: PolicyId,
        number: u32,
    ) -> DomainResult<(Policy, Vec<PolicyVersion>, PolicyVersion)> {
        let policy = self.policy_of(who, id).await?;
        let versions = self.store.policy_versions(who.tenant.id, id).await?;
        let version = versions
            .iter()
            .find(|v| v.number == number)
            .cloned()
            .ok_or_else(|| DomainError::NotFound(format!("version {number} of policy {id}")))?;
        Ok((policy, versions, version))
    }

    async fn save(
        &self,
        changes: &[(PolicyVersion, VersionState)],
        event: &AuditRecord,
    ) -> DomainResult<()> {
        if self.store.update_policy_versions(changes, event).await? {
            Ok(())
        } else {
            Err(DomainError::Conflict(
                "the version changed meanwhile; reload and try again".into(),
            ))
        }
    }

    /// Sends a draft for review.
    pub async fn submit(
        &self,
        who: &Principal,
        id: PolicyId,
        number: u32,
    ) -> DomainResult<PolicyView> {
        who.require(Permission::Write)?;
        let (policy, _, mut version) = self.version(who, id, number).await?;
        rules::require_state(&version, VersionState::Draft, "submitted")?;
        version.state = VersionState::InReview;
        version.submitted_at = Some(self.clock.now());
        let event = self.event(
            who,
            "policy.version.submitted",
            id,
            json!({ "version": number, "content_hash": version.content_hash }),
        );
        self.save(&[(version, VersionState::Draft)], &event).await?;
        self.view(who, policy).await
    }

    /// Approves a version under review: bound to its content hash, never by its author; the
    /// last approval of the quorum makes it `approved`.
    pub async fn approve(
        &self,
        who: &Principal,
        id: PolicyId,
        number: u32,
        req: &Decision,
    ) -> DomainResult<PolicyView> {
        who.require(Permission::Approve)?;
        let (policy, _, mut version) = self.version(who, id, number).await?;
        rules::require_state(&version, VersionState::InReview, "approved")?;
        rules::require_hash(&version, &req.content_hash)?;
        let met = rules::approve(
            &mut version,
            party(who),
            self.clock.now(),
            policy.required_approvals,
        )?;
        let event = self.event(who, "policy.version.approved", id, json!({
            "version": number, "content_hash": version.content_hash,
            "approvals": version.approvals.len(), "required": policy.required_approvals, "quorum_met": met,
        }));
        self.save(&[(version, VersionState::InReview)], &event)
            .await?;
        self.view(who, policy).await
    }

    /// Puts an approved version in force, retiring the one it replaces.
    pub async fn publish(
        &self,
        who: &Principal,
        id: PolicyId,
        number: u32,
        req: &Decision,
    ) -> DomainResult<PolicyView> {
        who.require(Permission::Approve)?;
        let (policy, versions, mut version) = self.version(who, id, number).await?;
        rules::require_state(&version, VersionState::Approved, "published")?;
        rules::require_hash(&version, &req.content_hash)?;
        let now = self.clock.now();
        version.state = VersionState::Published;
        version.published_at = Some(now);
        let mut changes = vec![(version.clone(), VersionState::Approved)];
        for old in versions
            .iter()
            .filter(|v| v.state == VersionState::Published)
        {
            let mut retired = old.clone();
            retired.state = VersionState::Retired;
            retired.retired_at = Some(now);
            changes.push((retired, VersionState::Published));
        }
        let event = self.event(who, "policy.version.published", id, json!({
            "version": number, "content_hash": version.content_hash, "material": version.material,
            "retired": changes.iter().skip(1).map(|(v, _)| v.number).collect::<Vec<_>>(),
        }));
        self.save(&changes, &event).await?;
        let view = self.view(who, policy).await?;
        self.raise(
            who,
            Notice {
                kind: "policy.published".into(),
                severity: Severity::Info,
                title: format!("{} version {number} is in force", view.policy.title),
                body: if version.material {
                    "A material change: every member is asked to read and acknowledge it.".into()
                } else {
                    "A minor change: earlier acknowledgments still count.".into()
                },
                link: self.page_url(&format!("/governance/policies/{id}")),
                dedup_key: Some(format!("policy.published:{id}:{number}")),
            },
        )
        .await;
        Ok(view)
    }

    /// Acknowledges the version in force, bound to its content hash (any member, for
    /// themselves; `method` is how: `web`, `api` or `cli`).
    pub async fn acknowledge(
        &self,
        who: &Principal,
        id: PolicyId,
        req: &NewAcknowledgment,
        method: &str,
    ) -> DomainResult<Acknowledgment> {
        who.require(Permission::Read)?;
        let policy = self.policy_of(who, id).await?;
        let versions = self.store.policy_versions(who.tenant.id, id).await?;
        let current = versions
            .iter()
            .find(|v| v.state == VersionState::Published)
            .ok_or_else(|| {
                DomainError::Conflict(format!(
                    "policy {} has no version in force to acknowledge",
                    policy.key
                ))
            })?;
        rules::require_hash(current, &req.content_hash)?;
        let ack = Acknowledgment {
            policy_id: id,
            tenant_id: who.tenant.id,
            version: current.number,
            by: party(who),
            at: self.clock.now(),
            method: method.to_owned(),
            content_hash: current.content_hash.clone(),
        };
        let event = self.event(who, "policy.acknowledged", id, json!({
            "version": ack.version, "content_hash": ack.content_hash, "method": ack.method, "by": ack.by.id,
        }));
        self.store
            .insert_acknowledgment(&ack, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => DomainError::Conflict(format!(
                    "you already acknowledged version {}",
                    current.number
                )),
                other => other.into(),
            })?;
        Ok(ack)
    }

    /// A policy's acknowledgments, oldest first.
    pub async fn acknowledgments(
        &self,
        who: &Principal,
        id: PolicyId,
    ) -> DomainResult<Vec<Acknowledgment>> {
        who.require(Permission::Read)?;
        self.policy_of(who, id).await?;
        Ok(self.store.acknowledgments(who.tenant.id, id).await?)
    }
}
