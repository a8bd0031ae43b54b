//! Detection rules as data and the alerts they raise: rule management, the evaluation pass
//! that feeds newly indexed events to each tenant's [`Engine`], and alert handling
//! (acknowledge, resolve with a note).
//!
//! Evaluation follows a per-tenant cursor over the ledger index, moved with a compare-and-swap
//! in the same transaction that stores the alerts and their `audit.alert.raised` records, so
//! with several nodes each event is evaluated once. The engine's state lives in memory on the
//! node that moved the cursor last; a node that finds the cursor elsewhere than its state (a
//! restart, another node's turn, changed rules) rebuilds the state from the search index over
//! the rules' lookback, without raising anything for those events. Alerts are sent through the
//! notification routing (`audit.alert` notices, deduplicated per alert).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::Mutex;

use super::AuditRecord;
use super::detect::{
    Alert, AlertId, AlertStatus, DetectionRule, DetectionRuleId, Engine, Handled, MAX_RULES,
    NewDetectionRule, new_alert_id,
};
use super::index::{EventFilter, IndexedEvent};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::{party, short};
use crate::notify::{Notice, NotifyService};
use crate::platform::model::TenantId;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::{Store, StoreResult};

/// Events evaluated per read.
const PAGE: u32 = 2_000;
/// Most events a rebuild reads.
const MAX_WARM: usize = 100_000;
/// Most alerts listed.
pub const MAX_LISTED: u32 = 500;

/// Where rules, the evaluation cursor and alerts are kept.
#[async_trait::async_trait]
pub trait DetectionStore: Send + Sync {
    /// Adds a rule; `Duplicate` when the name is taken in the tenant.
    async fn insert_detection_rule(
        &self,
        rule: &DetectionRule,
        event: &AuditRecord,
    ) -> StoreResult<()>;
    /// Replaces a rule if it is still at `rule.version - 1`.
    async fn update_detection_rule(
        &self,
        rule: &DetectionRule,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Removes a rule; false when there is none.
    async fn delete_detection_rule(
        &self,
        tenant: TenantId,
        id: DetectionRuleId,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// The tenant's rules by name.
    async fn detection_rules(&self, tenant: TenantId) -> StoreResult<Vec<DetectionRule>>;
    /// One rule.
    async fn detection_rule(
        &self,
        tenant: TenantId,
        id: DetectionRuleId,
    ) -> StoreResult<Option<DetectionRule>>;
    /// The first ledger index not yet evaluated (0 when none was).
    async fn detection_cursor(&self, tenant: TenantId) -> StoreResult<u64>;
    /// Moves the cursor from `from` to `to` and stores the alerts with their records, in one
    /// transaction; false, writing nothing, when the cursor is no longer at `from`.
    async fn record_detections(
        &self,
        tenant: TenantId,
        from: u64,
        to: u64,
        alerts: &[Alert],
        events: &[AuditRecord],
    ) -> StoreResult<bool>;
    /// Alerts, newest first, at most `limit` (`status`: only those).
    async fn alerts(
        &self,
        tenant: TenantId,
        status: Option<AlertStatus>,
        limit: u32,
    ) -> StoreResult<Vec<Alert>>;
    /// One alert.
    async fn alert(&self, tenant: TenantId, id: AlertId) -> StoreResult<Option<Alert>>;
    /// Replaces an alert if its stored status is still `from`.
    async fn update_alert(
        &self,
        alert: &Alert,
        from: AlertStatus,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
}

struct Followed {
    next: u64,
    engine: Engine,
}

/// Rules, evaluation and alerts.
pub struct DetectionService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    notify: Option<Arc<NotifyService>>,
    violations: Option<Arc<dyn ViolationSink>>,
    public_url: String,
    followed: Mutex<HashMap<TenantId, Followed>>,
}

/// Where alerts of rules linked to a policy become policy violations (the governance context
/// implements it).
#[async_trait::async_trait]
pub trait ViolationSink: Send + Sync {
    /// Records `alert` of the rule as a violation of `policy`.
    async fn alert_violates(
        &self,
        tenant: TenantId,
        policy: crate::governance::PolicyId,
        alert: &Alert,
    ) -> DomainResult<()>;
}

impl std::fmt::Debug for DetectionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetectionService").finish_non_exhaustive()
    }
}

fn record(
    tenant: TenantId,
    actor: &super::Actor,
    event_type: &str,
    resource: (&str, String),
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(Some(tenant), event_type, actor, resource, at)
}

/// What one evaluation pass did for a tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluated {
    /// Events fed.
    pub events: u64,
    /// Alerts raised.
    pub alerts: usize,
}

impl DetectionService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            notify: None,
            violations: None,
            public_url: String::new(),
            followed: Mutex::new(HashMap::new()),
        }
    }

    /// Sends alerts through `notify`, linking to `public_url`.
    #[must_use]
    pub fn with_notify(mut self, notify: Arc<NotifyService>, public_url: &str) -> Self {
        self.notify = Some(notify);
        self.public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    /// Records each alert of a rule linked to a policy as a violation of it.
    #[must_use]
    pub fn with_violations(mut self, sink: Arc<dyn ViolationSink>) -> Self {
        self.violations = Some(sink);
        self
    }

    // --- rules ----------------------------------------------------------------------------

    /// The policy a rule names, checked to be one of the tenant's.
    async fn linked_policy(
        &self,
        who: &Principal,
        req: &NewDetectionRule,
    ) -> DomainResult<Option<crate::governance::PolicyId>> {
        match req.policy_id {
            None => Ok(None),
            Some(id) => match self.store.policy(who.tenant.id, id).await? {
                Some(_) => Ok(Some(id)),
                None => Err(DomainError::invalid(
                    "policy_id",
                    "names no policy of this tenant; GET /api/v1/policies lists them",
                )),
            },
        }
    }

    fn may_manage(who: &Principal) -> DomainResult<()> {
        who.require(Permission::Audit)?;
        who.require(Permission::Approve)
    }

    /// The tenant's rules (auditors and up).
    pub async fn rules(&self, who: &Principal) -> DomainResult<Vec<DetectionRule>> {
        who.require(Permission::Audit)?;
        Ok(self.store.detection_rules(who.tenant.id).await?)
    }

    /// One rule.
    pub async fn rule(&self, who: &Principal, id: DetectionRuleId) -> DomainResult<DetectionRule> {
        who.require(Permission::Audit)?;
        self.store
            .detection_rule(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("detection rule {id}")))
    }

    /// Adds a rule (owners, admins, compliance managers); audited as
    /// `audit.rule.created`. It sees events indexed from then on.
    pub async fn create_rule(
        &self,
        who: &Principal,
        req: &NewDetectionRule,
    ) -> DomainResult<DetectionRule> {
        Self::may_manage(who)?;
        req.check()?;
        if self.store.detection_rules(who.tenant.id).await?.len() >= MAX_RULES {
            return Err(DomainError::Conflict(format!(
                "a tenant has at most {MAX_RULES} detection rules"
            )));
        }
        let now = self.clock.now();
        let rule = DetectionRule {
            id: DetectionRuleId::new(),
            tenant_id: who.tenant.id,
            name: short("name", &req.name, 200)?,
            enabled: req.enabled.unwrap_or(true),
            severity: req.severity.unwrap_or(crate::notify::Severity::Medium),
            matcher: req.matcher.clone(),
            kind: req.kind.clone(),
            cooldown_minutes: req.cooldown_minutes,
            policy_id: self.linked_policy(who, req).await?,
            version: 1,
            created_by: party(who),
            created_at: now,
            updated_at: now,
        };
        let event = record(who.tenant.id, &who.actor, "audit.rule.created", ("detection_rule", rule.id.to_string()), now)
            .with_details(json!({ "name": rule.name, "match": rule.matcher, "kind": rule.kind, "severity": rule.severity, "enabled": rule.enabled }));
        self.store
            .insert_detection_rule(&rule, &event)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Duplicate(_) => {
                    DomainError::Conflict(format!("a rule named {:?} exists", rule.name))
                }
                other => other.into(),
            })?;
        Ok(rule)
    }

    /// Replaces a rule's definition (same roles); its state restarts. Audited as
    /// `audit.rule.updated`.
    pub async fn update_rule(
        &self,
        who: &Principal,
        id: DetectionRuleId,
        req: &NewDetectionRule,
    ) -> DomainResult<DetectionRule> {
        Self::may_manage(who)?;
        req.check()?;
        let old = self.rule(who, id).await?;
        let now = self.clock.now();
        let rule = DetectionRule {
            name: short("name", &req.name, 200)?,
            enabled: req.enabled.unwrap_or(old.enabled),
            severity: req.severity.unwrap_or(old.severity),
            matcher: req.matcher.clone(),
            kind: req.kind.clone(),
            cooldown_minutes: req.cooldown_minutes,
            policy_id: self.linked_policy(who, req).await?,
            version: old.version.saturating_add(1),
            updated_at: now,
            ..old
        };
        let event = record(who.tenant.id, &who.actor, "audit.rule.updated", ("detection_rule", id.to_string()), now)
            .with_details(json!({ "version": rule.version, "name": rule.name, "match": rule.matcher, "kind": rule.kind, "severity": rule.severity, "enabled": rule.enabled }));
        if !self.store.update_detection_rule(&rule, &event).await? {
            return Err(DomainError::Conflict(
                "the rule changed meanwhile: reload it and try again".into(),
            ));
        }
        Ok(rule)
    }

    /// Removes a rule (same roles); its alerts stay. Audited as `audit.rule.deleted`.
    pub async fn delete_rule(&self, who: &Principal, id: DetectionRuleId) -> DomainResult<()> {
        Self::may_manage(who)?;
        let now = self.clock.now();
        let event = record(
            who.tenant.id,
            &who.actor,
            "audit.rule.deleted",
            ("detection_rule", id.to_string()),
            now,
        );
        if !self
            .store
            .delete_detection_rule(who.tenant.id, id, &event)
            .await?
        {
            return Err(DomainError::NotFound(format!("detection rule {id}")));
        }
        Ok(())
    }

    // --- alerts ---------------------------------------------------------------------------

    /// Alerts, newest first (auditors and up).
    pub async fn alerts(
        &self,
        who: &Principal,
        status: Option<AlertStatus>,
    ) -> DomainResult<Vec<Alert>> {
        who.require(Permission::Audit)?;
        Ok(self.store.alerts(who.tenant.id, status, MAX_LISTED).await?)
    }

    /// One alert.
    pub async fn alert(&self, who: &Principal, id: AlertId) -> DomainResult<Alert> {
        who.require(Permission::Audit)?;
        self.store
            .alert(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("alert {id}")))
    }

    /// Acknowledges an open alert (owners, admins, compliance managers); audited as
    /// `audit.alert.acknowledged`.
    pub async fn acknowledge(&self, who: &Principal, id: AlertId) -> DomainResult<Alert> {
        Self::may_manage(who)?;
        let mut alert = self.alert(who, id).await?;
        if alert.status != AlertStatus::Open {
            return Err(DomainError::Conflict(format!(
                "the alert is {}, not open",
                alert.status.as_str()
            )));
        }
        let now = self.clock.now();
        alert.status = AlertStatus::Acknowledged;
        alert.acknowledged = Some(Handled {
            by: party(who),
            at: now,
            note: String::new(),
        });
        let event = record(
            who.tenant.id,
            &who.actor,
            "audit.alert.acknowledged",
            ("alert", id.to_string()),
            now,
        );
        if !self
            .store
            .update_alert(&alert, AlertStatus::Open, &event)
            .await?
        {
            return Err(DomainError::Conflict("the alert changed meanwhile".into()));
        }
        Ok(alert)
    }

    /// Resolves an open or acknowledged alert with a note; audited as
    /// `audit.alert.resolved`.
    pub async fn resolve(&self, who: &Principal, id: AlertId, note: &str) -> DomainResult<Alert> {
        Self::may_manage(who)?;
        let note = short("note", note, 2000)?;
        let mut alert = self.alert(who, id).await?;
        let from = alert.status;
        if from == AlertStatus::Resolved {
            return Err(DomainError::Conflict(
                "the alert is already resolved".into(),
            ));
        }
        let now = self.clock.now();
        alert.status = AlertStatus::Resolved;
        alert.resolved = Some(Handled {
            by: party(who),
            at: now,
            note: note.clone(),
        });
        let event = record(
            who.tenant.id,
            &who.actor,
            "audit.alert.resolved",
            ("alert", id.to_string()),
            now,
        )
        .with_details(json!({ "note": note }));
        if !self.store.update_alert(&alert, from, &event).await? {
            return Err(DomainError::Conflict("the alert changed meanwhile".into()));
        }
        Ok(alert)
    }

    // --- evaluation -----------------------------------------------------------------------

    async fn rebuild(
        &self,
        tenant: TenantId,
        rules: Vec<DetectionRule>,
        cursor: u64,
    ) -> DomainResult<Engine> {
        let mut engine = Engine::new(rules);
        let since = self.clock.now() - engine.lookback();
        let filter = EventFilter {
            from: Some(since),
            ..EventFilter::default()
        };
        let mut from = 0u64;
        let mut read = 0usize;
        'warm: loop {
            let page = self.store.events_since(tenant, &filter, from, PAGE).await?;
            let Some(last) = page.last() else { break };
            from = last.index.saturating_add(1);
            for e in &page {
                if e.index >= cursor || read >= MAX_WARM {
                    break 'warm;
                }
                read += 1;
                // Replayed to rebuild the windows: whatever it completes was evaluated before.
                let _ = engine.feed(e);
            }
            if page.len() < PAGE as usize {
                break;
            }
        }
        Ok(engine)
    }

    /// Feeds the tenant's newly indexed events to its rules and raises the alerts they
    /// complete (what `probity serve` does after each indexing pass).
    pub async fn evaluate(&self, tenant: TenantId) -> DomainResult<Evaluated> {
        let mut done = Evaluated::default();
        // Nothing newly indexed (most ticks): no rule is read.
        let cursor = self.store.detection_cursor(tenant).await?;
        let head = self.store.index_cursor(tenant).await?;
        if head <= cursor {
            return Ok(done);
        }
        let rules: Vec<DetectionRule> = self
            .store
            .detection_rules(tenant)
            .await?
            .into_iter()
            .filter(|r| r.enabled)
            .collect();
        let mut followed = self.followed.lock().await;
        if rules.is_empty() {
            followed.remove(&tenant);
            self.store
                .record_detections(tenant, cursor, head, &[], &[])
                .await?;
            return Ok(done);
        }
        let signature: Vec<(DetectionRuleId, u32)> =
            rules.iter().map(|r| (r.id, r.version)).collect();
        let stale = followed
            .get(&tenant)
            .is_none_or(|f| f.next != cursor || f.engine.signature() != signature);
        if stale {
            let engine = self.rebuild(tenant, rules.clone(), cursor).await?;
            followed.insert(
                tenant,
                Followed {
                    next: cursor,
                    engine,
                },
            );
        }
        let Some(state) = followed.get_mut(&tenant) else {
            return Ok(done);
        };
        let names: HashMap<DetectionRuleId, &DetectionRule> =
            rules.iter().map(|r| (r.id, r)).collect();
        let mut from = cursor;
        let mut lost = false;
        while from < head {
            let page: Vec<IndexedEvent> = self
                .store
                .events_since(tenant, &EventFilter::default(), from, PAGE)
                .await?;
            let to = if page.len() < PAGE as usize {
                head
            } else {
                page.last()
                    .map_or(head, |e| e.index.saturating_add(1))
                    .min(head)
            };
            let now = self.clock.now();
            let mut alerts = Vec::new();
            let mut events = Vec::new();
            for e in page.iter().filter(|e| e.index < to) {
                done.events += 1;
                for d in state.engine.feed(e) {
                    let Some(rule) = names.get(&d.rule_id) else {
                        continue;
                    };
                    let alert = Alert {
                        id: new_alert_id(),
                        tenant_id: tenant,
                        rule_name: rule.name.clone(),
                        severity: rule.severity,
                        detection: d,
                        status: AlertStatus::Open,
                        created_at: now,
                        acknowledged: None,
                        resolved: None,
                    };
                    events.push(
                        record(
                            tenant,
                            &super::Actor::system("detection"),
                            "audit.alert.raised",
                            ("alert", alert.id.to_string()),
                            now,
                        )
                        .with_details(json!({
                            "rule_id": alert.detection.rule_id, "rule": alert.rule_name,
                            "rule_version": alert.detection.rule_version,
                            "severity": alert.severity, "key": alert.detection.key,
                            "indexes": alert.detection.indexes, "summary": alert.detection.summary,
                        })),
                    );
                    alerts.push(alert);
                }
            }
            if !self
                .store
                .record_detections(tenant, from, to, &alerts, &events)
                .await?
            {
                // Another node evaluated this range: rebuild from its cursor next time.
                lost = true;
                break;
            }
            state.next = to;
            from = to;
            done.alerts += alerts.len();
            if let Some(sink) = &self.violations {
                for a in &alerts {
                    let Some(policy) = names.get(&a.detection.rule_id).and_then(|r| r.policy_id)
                    else {
                        continue;
                    };
                    if let Err(e) = sink.alert_violates(tenant, policy, a).await {
                        tracing::warn!(%tenant, alert = %a.id, error = %e, "policy violation not recorded");
                    }
                }
            }
            if let Some(notify) = &self.notify {
                for a in &alerts {
                    let notice = Notice {
                        kind: "audit.alert".into(),
                        severity: a.severity,
                        title: format!("Detection: {}", a.rule_name),
                        body: a.detection.summary.clone(),
                        link: (!self.public_url.is_empty())
                            .then(|| format!("{}/audit?alert={}", self.public_url, a.id)),
                        dedup_key: Some(format!("alert:{}", a.id)),
                    };
                    if let Err(e) = notify.raise(tenant, &notice).await {
                        tracing::warn!(%tenant, alert = %a.id, error = %e, "alert notification failed");
                    }
                }
            }
        }
        if lost {
            followed.remove(&tenant);
        }
        Ok(done)
    }
}
