//! Retention runs, legal holds and subject erasure: the operations over
//! [`crate::audit::retention`].
//!
//! - A **retention run** pages through the tenant's indexed events old enough for the shortest
//!   retention, erases the payloads past their own retention that no active hold covers, and
//!   records `audit.retention.erased` (indexes, the rule of each, the policy version) and,
//!   when holds stopped some, `audit.retention.held` (which holds, which indexes). It runs
//!   daily from `probity serve` and on demand (API, CLI); a dry run reports without erasing.
//! - A **subject erasure** erases every event naming a data subject that no hold covers, for
//!   the privacy context's erasure requests, and records `audit.subject.erased` with the
//!   subject's SHA-256 (not the id itself), the counts, the erased indexes and the holds that
//!   kept the rest.
//!
//! The search index must be caught up with the ledger first (the callers do it): an event not
//! yet indexed is not seen by either operation.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use super::AuditRecord;
use super::index::{EventFilter, IndexPage, IndexedEvent};
use super::retention::{
    LegalHold, LegalHoldId, NewLegalHold, NewRetentionPolicy, RetentionPolicy, holding, ranges,
};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::{party, short};
use crate::platform::model::TenantId;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

/// Events examined per page.
const PAGE: u32 = 1_000;

/// What a hold kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct HeldCount {
    /// The hold.
    pub hold_id: LegalHoldId,
    /// Its matter.
    pub case_id: String,
    /// Events it kept.
    pub events: u64,
}

/// What a retention run did (or, dry, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RetentionRun {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// Nothing was erased: a preview.
    pub dry_run: bool,
    /// The policy version applied (0: the built-in default).
    pub policy_version: u32,
    /// Events old enough for the shortest retention that were looked at.
    pub examined: u64,
    /// Payloads erased (or due, when dry).
    pub erased: u64,
    /// Erased per rule (`default`, a category, a severity or both).
    pub erased_by_rule: BTreeMap<String, u64>,
    /// Erased ledger indexes as inclusive ranges.
    pub erased_indexes: Vec<[u64; 2]>,
    /// Due but kept by holds.
    pub held: u64,
    /// Per hold.
    pub held_by: Vec<HeldCount>,
}

/// What a subject erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SubjectErasure {
    /// SHA-256 (hex) of the subject id: what the ledger records instead of the id.
    pub subject_sha256: String,
    /// Nothing was erased: a preview.
    pub dry_run: bool,
    /// Events naming the subject.
    pub found: u64,
    /// Payloads erased.
    pub erased: u64,
    /// Erased ledger indexes as inclusive ranges.
    pub erased_indexes: Vec<[u64; 2]>,
    /// Kept by holds.
    pub kept: u64,
    /// Per hold.
    pub kept_by: Vec<HeldCount>,
    /// Kept ledger indexes as inclusive ranges.
    pub kept_indexes: Vec<[u64; 2]>,
}

/// Retention, legal holds and erasure of one store.
pub struct ErasureService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ErasureService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErasureService").finish_non_exhaustive()
    }
}

/// Counts one more event kept by `hold`.
pub(crate) fn count_holds(counts: &mut Vec<HeldCount>, hold: &LegalHold) {
    match counts.iter_mut().find(|c| c.hold_id == hold.id) {
        Some(c) => c.events += 1,
        None => counts.push(HeldCount {
            hold_id: hold.id,
            case_id: hold.case_id.clone(),
            events: 1,
        }),
    }
}

fn record(
    who: &Principal,
    event_type: &str,
    resource: (&str, String),
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(Some(who.tenant.id), event_type, &who.actor, resource, at)
}

impl ErasureService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The tenant's policy, the built-in one when none was saved (auditors and up).
    pub async fn policy(&self, who: &Principal) -> DomainResult<RetentionPolicy> {
        who.require(Permission::Audit)?;
        self.current_policy(who.tenant.id).await
    }

    async fn current_policy(&self, tenant: TenantId) -> DomainResult<RetentionPolicy> {
        Ok(self
            .store
            .retention_policy(tenant)
            .await?
            .unwrap_or_else(|| RetentionPolicy::default_for(tenant)))
    }

    /// Replaces the policy (owners and admins); audited as `audit.retention.policy.updated`
    /// with the old and new rules.
    pub async fn set_policy(
        &self,
        who: &Principal,
        req: &NewRetentionPolicy,
    ) -> DomainResult<RetentionPolicy> {
        who.require(Permission::ManageTenant)?;
        req.check()?;
        let old = self.current_policy(who.tenant.id).await?;
        if let Some(v) = req.version
            && v != old.version
        {
            return Err(DomainError::Conflict(format!(
                "the policy is at version {}, not {v}: reload it and apply your change again",
                old.version
            )));
        }
        let now = self.clock.now();
        let policy = RetentionPolicy {
            tenant_id: who.tenant.id,
            default_days: req.default_days,
            rules: req.rules.clone(),
            version: old.version.saturating_add(1),
            updated_at: Some(now),
            updated_by: Some(party(who)),
        };
        let event = record(
            who,
            "audit.retention.policy.updated",
            ("retention_policy", policy.version.to_string()),
            now,
        )
        .with_details(json!({
            "version": policy.version,
            "default_days": policy.default_days, "rules": policy.rules,
            "previous": { "version": old.version, "default_days": old.default_days, "rules": old.rules },
        }));
        if !self.store.save_retention_policy(&policy, &event).await? {
            return Err(DomainError::Conflict(
                "the policy changed meanwhile: reload it and apply your change again".into(),
            ));
        }
        Ok(policy)
    }

    /// The tenant's holds, newest first (auditors and up).
    pub async fn holds(&self, who: &Principal, active_only: bool) -> DomainResult<Vec<LegalHold>> {
        who.require(Permission::Audit)?;
        Ok(self.store.legal_holds(who.tenant.id, active_only).await?)
    }

    /// One hold (auditors and up).
    pub async fn hold(&self, who: &Principal, id: LegalHoldId) -> DomainResult<LegalHold> {
        who.require(Permission::Audit)?;
        self.store
            .legal_hold(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("legal hold {id}")))
    }

    /// Places a hold (those who may read the trail and approve: owners, admins, compliance
    /// managers); audited as `audit.legal_hold.placed`.
    pub async fn place_hold(&self, who: &Principal, req: &NewLegalHold) -> DomainResult<LegalHold> {
        who.require(Permission::Audit)?;
        who.require(Permission::Approve)?;
        let c = &req.criteria;
        if c.resource_id.is_some() && c.resource_type.is_none() {
            return Err(DomainError::invalid(
                "criteria.resource_id",
                "needs criteria.resource_type too",
            ));
        }
        if let (Some(from), Some(to)) = (c.from, c.to)
            && from >= to
        {
            return Err(DomainError::invalid(
                "criteria.to",
                "must be after criteria.from",
            ));
        }
        for (field, value) in [
            ("criteria.actor", &c.actor),
            ("criteria.resource_type", &c.resource_type),
            ("criteria.resource_id", &c.resource_id),
            ("criteria.subject", &c.subject),
        ] {
            if let Some(v) = value {
                short(field, v, 200)?;
            }
        }
        let now = self.clock.now();
        let hold = LegalHold {
            id: LegalHoldId::new(),
            tenant_id: who.tenant.id,
            case_id: short("case_id", &req.case_id, 200)?,
            reason: short("reason", &req.reason, 2000)?,
            criteria: c.clone(),
            created_by: party(who),
            created_at: now,
            released_at: None,
            released_by: None,
            release_reason: None,
        };
        let event = record(
            who,
            "audit.legal_hold.placed",
            ("legal_hold", hold.id.to_string()),
            now,
        )
        .with_details(json!({
            "case_id": hold.case_id, "reason": hold.reason, "criteria": hold.criteria,
        }));
        self.store.insert_legal_hold(&hold, &event).await?;
        Ok(hold)
    }

    /// Releases a hold (same roles as placing); audited as `audit.legal_hold.released`.
    pub async fn release_hold(
        &self,
        who: &Principal,
        id: LegalHoldId,
        reason: &str,
    ) -> DomainResult<LegalHold> {
        who.require(Permission::Audit)?;
        who.require(Permission::Approve)?;
        let reason = short("reason", reason, 2000)?;
        let mut hold = self.hold(who, id).await?;
        if !hold.active() {
            return Err(DomainError::Conflict(format!(
                "legal hold {id} is already released"
            )));
        }
        let now = self.clock.now();
        hold.released_at = Some(now);
        hold.released_by = Some(party(who));
        hold.release_reason = Some(reason.clone());
        let event = record(
            who,
            "audit.legal_hold.released",
            ("legal_hold", id.to_string()),
            now,
        )
        .with_details(json!({ "case_id": hold.case_id, "reason": reason }));
        if !self.store.release_legal_hold(&hold, &event).await? {
            return Err(DomainError::Conflict(format!(
                "legal hold {id} is already released"
            )));
        }
        Ok(hold)
    }

    /// Applies the retention policy (owners and admins, and the daily job as the system):
    /// erases what is past its retention and not held.
    pub async fn run_retention(
        &self,
        who: &Principal,
        dry_run: bool,
    ) -> DomainResult<RetentionRun> {
        who.require(Permission::ManageTenant)?;
        let tenant = who.tenant.id;
        let now = self.clock.now();
        let policy = self.current_policy(tenant).await?;
        let holds = self.store.legal_holds(tenant, true).await?;
        let before = now - Duration::days(i64::from(policy.shortest()));
        let mut run = RetentionRun {
            at: now,
            dry_run,
            policy_version: policy.version,
            examined: 0,
            erased: 0,
            erased_by_rule: BTreeMap::new(),
            erased_indexes: Vec::new(),
            held: 0,
            held_by: Vec::new(),
        };
        let mut after = None;
        let mut all_erased = Vec::new();
        let mut all_held = Vec::new();
        loop {
            let page = self
                .store
                .retention_candidates(tenant, before, after, PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.index);
            let mut erase = Vec::new();
            let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
            for e in &page {
                run.examined += 1;
                let Some(rule) = policy.expired(e, now) else {
                    continue;
                };
                match holding(&holds, e) {
                    Some(h) => {
                        run.held += 1;
                        count_holds(&mut run.held_by, h);
                        all_held.push(e.index);
                    }
                    None => {
                        erase.push(e.index);
                        *by_rule.entry(rule).or_default() += 1;
                    }
                }
            }
            if !erase.is_empty() && !dry_run {
                let event = record(
                    who,
                    "audit.retention.erased",
                    ("retention_policy", policy.version.to_string()),
                    now,
                )
                .with_details(json!({
                    "policy_version": policy.version,
                    "erased": erase.len(),
                    "by_rule": by_rule,
                    "indexes": ranges(&erase),
                }));
                self.store
                    .erase_entries(tenant, &erase, now, &event)
                    .await?;
            }
            run.erased += erase.len() as u64;
            for (rule, n) in by_rule {
                *run.erased_by_rule.entry(rule).or_default() += n;
            }
            all_erased.extend(erase);
            if page.len() < PAGE as usize {
                break;
            }
        }
        run.erased_indexes = ranges(&all_erased);
        if run.held > 0 && !dry_run {
            let event = record(
                who,
                "audit.retention.held",
                ("retention_policy", policy.version.to_string()),
                now,
            )
            .with_details(json!({
                "policy_version": policy.version,
                "held": run.held,
                "holds": run.held_by,
                "indexes": ranges(&all_held),
            }));
            self.store.record_event(&event).await?;
        }
        Ok(run)
    }

    /// Erases every event naming `subject` that no hold covers (owners and admins; the
    /// privacy context calls it for erasure requests), recorded as `audit.subject.erased`.
    pub async fn erase_subject(
        &self,
        who: &Principal,
        subject: &str,
        reason: &str,
        dry_run: bool,
    ) -> DomainResult<SubjectErasure> {
        who.require(Permission::ManageTenant)?;
        let subject = short("subject", subject, 200)?;
        let reason = short("reason", reason, 2000)?;
        let tenant = who.tenant.id;
        let holds = self.store.legal_holds(tenant, true).await?;
        let filter = EventFilter {
            subject_id: Some(subject.clone()),
            ..EventFilter::default()
        };
        let mut found: Vec<IndexedEvent> = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .store
                .search_events(
                    tenant,
                    &filter,
                    &IndexPage {
                        limit: PAGE,
                        before,
                    },
                )
                .await?;
            // The store returns one row beyond the limit when there are more.
            let more = page.len() > PAGE as usize;
            let taken: Vec<IndexedEvent> = page.into_iter().take(PAGE as usize).collect();
            let Some(last) = taken.last() else { break };
            before = Some(last.index);
            found.extend(taken);
            if !more {
                break;
            }
        }
        let mut erase = Vec::new();
        let mut kept = Vec::new();
        let mut kept_by = Vec::new();
        for e in &found {
            match holding(&holds, e) {
                Some(h) => {
                    kept.push(e.index);
                    count_holds(&mut kept_by, h);
                }
                None => erase.push(e.index),
            }
        }
        let out = SubjectErasure {
            subject_sha256: crate::assurance::sha256_hex(subject.as_bytes()),
            dry_run,
            found: found.len() as u64,
            erased: erase.len() as u64,
            erased_indexes: ranges(&erase),
            kept: kept.len() as u64,
            kept_by,
            kept_indexes: ranges(&kept),
        };
        if !dry_run {
            let now = self.clock.now();
            let event = record(
                who,
                "audit.subject.erased",
                ("data_subject", out.subject_sha256.clone()),
                now,
            )
            .with_details(json!({
                "subject_sha256": out.subject_sha256,
                "reason": reason,
                "found": out.found,
                "erased": out.erased,
                "indexes": out.erased_indexes,
                "kept": out.kept,
                "kept_by": out.kept_by,
                "kept_indexes": out.kept_indexes,
            }));
            self.store
                .erase_entries(tenant, &erase, now, &event)
                .await?;
        }
        Ok(out)
    }
}
