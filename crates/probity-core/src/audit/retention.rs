//! Retention of audit events and legal holds: the rules that say how long each event's payload
//! is kept, the holds that stop any erasure they cover, and the store port that erases.
//!
//! Erasing an event removes its payload (and salt) and its search row; the ledger entry — the
//! canonical envelope with the payload commitment — stays, so tiles, checkpoints and every
//! inclusion and consistency proof remain valid. Each erasure is recorded as a tombstone event
//! in the same transaction, naming what was erased (ledger indexes) and why (policy version
//! or subject request); an erasure refused because of a hold is recorded too.
//!
//! The operations are in [`crate::audit::erasure`]; this module holds the data and the pure
//! rules (which rule keeps an event how long, which hold covers it).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuditRecord;
use super::event::{Category, Severity};
use super::index::IndexedEvent;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};
use crate::store::StoreResult;

uuid_id!(
    /// Identifies a legal hold.
    LegalHoldId
);

/// Default retention: seven years.
pub const DEFAULT_KEEP_DAYS: u32 = 7 * 365 + 2;
/// Default retention of critical events: ten years.
pub const CRITICAL_KEEP_DAYS: u32 = 10 * 365 + 3;
/// Longest retention a rule may set (100 years).
pub const MAX_KEEP_DAYS: u32 = 36_525;
/// Most rules in a policy.
pub const MAX_RULES: usize = 50;

/// Events of a category and/or severity kept for a number of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// Only events of this category (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Only events of this severity (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Days after an event is recorded that its payload is kept (1 to 36,525).
    pub keep_days: u32,
}

impl RetentionRule {
    fn matches(&self, category: Category, severity: Severity) -> bool {
        self.category.is_none_or(|c| c == category) && self.severity.is_none_or(|s| s == severity)
    }

    fn label(&self) -> String {
        match (self.category, self.severity) {
            (Some(c), Some(s)) => format!("{} {}", c.as_str(), s.as_str()),
            (Some(c), None) => c.as_str().to_owned(),
            (None, Some(s)) => s.as_str().to_owned(),
            (None, None) => "all".to_owned(),
        }
    }
}

/// A tenant's retention policy. An event is kept for the longest `keep_days` among the rules
/// that match it, or `default_days` when none does: the longest obligation wins, so a rule
/// can never shorten what another requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetentionPolicy {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Days for events no rule matches.
    pub default_days: u32,
    /// The rules.
    pub rules: Vec<RetentionRule>,
    /// Bumped by every change (0: the built-in default, never saved).
    pub version: u32,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Who changed it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Party>,
}

impl RetentionPolicy {
    /// The built-in policy: seven years, critical events ten.
    pub fn default_for(tenant: TenantId) -> Self {
        Self {
            tenant_id: tenant,
            default_days: DEFAULT_KEEP_DAYS,
            rules: vec![RetentionRule {
                category: None,
                severity: Some(Severity::Critical),
                keep_days: CRITICAL_KEEP_DAYS,
            }],
            version: 0,
            updated_at: None,
            updated_by: None,
        }
    }

    /// How long an event of this category and severity is kept, and which rule says so
    /// (`default` when none matches).
    pub fn keep_for(&self, category: Category, severity: Severity) -> (u32, String) {
        self.rules
            .iter()
            .filter(|r| r.matches(category, severity))
            .max_by_key(|r| r.keep_days)
            .map_or((self.default_days, "default".to_owned()), |r| {
                (r.keep_days, r.label())
            })
    }

    /// The shortest retention of any event: nothing recorded after `now` minus this many
    /// days can be due.
    pub fn shortest(&self) -> u32 {
        self.rules
            .iter()
            .map(|r| r.keep_days)
            .chain([self.default_days])
            .min()
            .unwrap_or(self.default_days)
    }

    /// Whether the event's payload is past its retention at `now`, and under which rule.
    pub fn expired(&self, e: &IndexedEvent, now: DateTime<Utc>) -> Option<String> {
        let (days, rule) = self.keep_for(e.category, e.severity);
        (e.recorded_at + Duration::days(i64::from(days)) <= now).then_some(rule)
    }
}

/// A new policy as the API and CLI take it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRetentionPolicy {
    /// Days for events no rule matches (1 to 36,525).
    pub default_days: u32,
    /// Rules (at most 50); an event is kept for the longest of those matching it.
    #[serde(default)]
    pub rules: Vec<RetentionRule>,
    /// The version this change is based on (the current policy's `version`): when given, a
    /// stale one is refused with 409, so two admins cannot overwrite each other unseen.
    #[serde(default)]
    pub version: Option<u32>,
}

fn check_days(errors: &mut Vec<FieldError>, field: String, days: u32) {
    if !(1..=MAX_KEEP_DAYS).contains(&days) {
        errors.push(FieldError {
            field,
            message: format!("must be 1 to {MAX_KEEP_DAYS} days, got {days}"),
        });
    }
}

impl NewRetentionPolicy {
    /// Checks every field, naming each bad one.
    pub fn check(&self) -> DomainResult<()> {
        let mut errors = Vec::new();
        check_days(&mut errors, "default_days".into(), self.default_days);
        if self.rules.len() > MAX_RULES {
            errors.push(FieldError {
                field: "rules".into(),
                message: format!("at most {MAX_RULES} rules"),
            });
        }
        for (i, r) in self.rules.iter().enumerate() {
            check_days(&mut errors, format!("rules.{i}.keep_days"), r.keep_days);
            if self
                .rules
                .iter()
                .take(i)
                .any(|o| o.category == r.category && o.severity == r.severity)
            {
                errors.push(FieldError {
                    field: format!("rules.{i}"),
                    message: "another rule has the same category and severity; keep one".into(),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// What a hold covers: every given criterion must match (none given: every event).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldCriteria {
    /// Events of this actor id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Events on this resource type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// ... and this resource id (with `resource_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Events naming this data subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Events recorded at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// Events recorded before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
}

impl HoldCriteria {
    /// Whether the event is covered.
    pub fn covers(&self, e: &IndexedEvent) -> bool {
        self.actor.as_ref().is_none_or(|a| *a == e.actor_id)
            && self
                .resource_type
                .as_ref()
                .is_none_or(|t| e.resource_type.as_ref() == Some(t))
            && self
                .resource_id
                .as_ref()
                .is_none_or(|id| e.resource_id.as_ref() == Some(id))
            && self
                .subject
                .as_ref()
                .is_none_or(|s| e.subject_ids.contains(s))
            && self.from.is_none_or(|f| e.recorded_at >= f)
            && self.to.is_none_or(|t| e.recorded_at < t)
    }
}

/// A legal hold: while active, no event it covers is erased, by retention or by a subject's
/// erasure request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LegalHold {
    /// Id.
    pub id: LegalHoldId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The matter it preserves evidence for (case or matter number).
    pub case_id: String,
    /// Why.
    pub reason: String,
    /// What it covers.
    pub criteria: HoldCriteria,
    /// Who placed it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was released (inactive from then on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<DateTime<Utc>>,
    /// Who released it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_by: Option<Party>,
    /// Why it was released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_reason: Option<String>,
}

impl LegalHold {
    /// Whether it still holds.
    pub fn active(&self) -> bool {
        self.released_at.is_none()
    }
}

/// A new hold.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLegalHold {
    /// The matter (1 to 200 characters).
    pub case_id: String,
    /// Why (1 to 2,000 characters).
    pub reason: String,
    /// What it covers (default: every event).
    #[serde(default)]
    pub criteria: HoldCriteria,
}

/// The first active hold covering `e`.
pub fn holding<'a>(holds: &'a [LegalHold], e: &IndexedEvent) -> Option<&'a LegalHold> {
    holds.iter().find(|h| h.active() && h.criteria.covers(e))
}

/// Ledger indexes as inclusive ranges `[first, last]`, for compact records.
pub fn ranges(indexes: &[u64]) -> Vec<[u64; 2]> {
    let mut sorted = indexes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<[u64; 2]> = Vec::new();
    for i in sorted {
        match out.last_mut() {
            Some(r) if r[1].checked_add(1) == Some(i) => r[1] = i,
            _ => out.push([i, i]),
        }
    }
    out
}

/// Where policies and holds are kept, and how entries are erased.
#[async_trait::async_trait]
pub trait RetentionStore: Send + Sync {
    /// The tenant's saved policy (`None`: the built-in default applies).
    async fn retention_policy(&self, tenant: TenantId) -> StoreResult<Option<RetentionPolicy>>;
    /// Saves `policy` if the saved version is still `policy.version - 1` (0: none saved);
    /// false, writing nothing, otherwise.
    async fn save_retention_policy(
        &self,
        policy: &RetentionPolicy,
        event: &AuditRecord,
    ) -> StoreResult<bool>;
    /// Adds a hold.
    async fn insert_legal_hold(&self, hold: &LegalHold, event: &AuditRecord) -> StoreResult<()>;
    /// Marks an active hold released; false when it is not active (or not there).
    async fn release_legal_hold(&self, hold: &LegalHold, event: &AuditRecord) -> StoreResult<bool>;
    /// One hold.
    async fn legal_hold(&self, tenant: TenantId, id: LegalHoldId)
    -> StoreResult<Option<LegalHold>>;
    /// The tenant's holds, newest first (`active_only`: unreleased ones).
    async fn legal_holds(&self, tenant: TenantId, active_only: bool)
    -> StoreResult<Vec<LegalHold>>;
    /// Indexed events recorded before `before` with an index above `after` (`None`: from the
    /// start), oldest first, at most `limit`.
    async fn retention_candidates(
        &self,
        tenant: TenantId,
        before: DateTime<Utc>,
        after: Option<u64>,
        limit: u32,
    ) -> StoreResult<Vec<IndexedEvent>>;
    /// Erases the payloads of entries `indexes` (payload and salt dropped, erasure time set;
    /// the entry itself stays) and their search rows, and records `event`, in one
    /// transaction. Returns how many payloads were erased now (already erased ones are
    /// skipped).
    async fn erase_entries(
        &self,
        tenant: TenantId,
        indexes: &[u64],
        at: DateTime<Utc>,
        event: &AuditRecord,
    ) -> StoreResult<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::EventOutcome;
    use crate::audit::index::EventSource;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    pub(crate) fn event(
        category: Category,
        severity: Severity,
        recorded: DateTime<Utc>,
    ) -> IndexedEvent {
        IndexedEvent {
            index: 1,
            source: EventSource::Ingest,
            event_type: "data.accessed".into(),
            category,
            severity,
            actor_type: "user".into(),
            actor_id: "u-1".into(),
            actor_name: "U".into(),
            action: "read".into(),
            resource_type: Some("invoice".into()),
            resource_id: Some("inv-1".into()),
            outcome: EventOutcome::Success,
            ip: None,
            control_ids: vec![],
            risk_score: None,
            subject_ids: vec!["cust-9".into()],
            occurred_at: recorded,
            recorded_at: recorded,
            message: None,
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_longest_matching_rule_wins_and_critical_keeps_ten_years() {
        let tenant = TenantId::new();
        let mut p = RetentionPolicy::default_for(tenant);
        assert_eq!(
            p.keep_for(Category::Security, Severity::Critical).0,
            CRITICAL_KEEP_DAYS
        );
        assert_eq!(
            p.keep_for(Category::Security, Severity::Info),
            (DEFAULT_KEEP_DAYS, "default".into())
        );
        p.rules.push(RetentionRule {
            category: Some(Category::Authentication),
            severity: None,
            keep_days: 365,
        });
        assert_eq!(
            p.keep_for(Category::Authentication, Severity::Low),
            (365, "authentication".into())
        );
        // The one-year rule cannot shorten what the critical rule requires.
        assert_eq!(
            p.keep_for(Category::Authentication, Severity::Critical).0,
            CRITICAL_KEEP_DAYS
        );
        assert_eq!(p.shortest(), 365);
        let recorded = at(2025, 1, 10);
        let e = event(Category::Authentication, Severity::Low, recorded);
        assert_eq!(p.expired(&e, recorded + Duration::days(364)), None);
        assert_eq!(
            p.expired(&e, recorded + Duration::days(365)),
            Some("authentication".into())
        );
    }

    #[test]
    fn holds_cover_by_every_given_criterion_until_released() {
        let e = event(Category::DataAccess, Severity::Info, at(2026, 2, 1));
        let hold = |criteria: HoldCriteria| LegalHold {
            id: LegalHoldId::new(),
            tenant_id: TenantId::new(),
            case_id: "CASE-1".into(),
            reason: "litigation".into(),
            criteria,
            created_by: Party {
                id: "cli".into(),
                name: "cli".into(),
            },
            created_at: at(2026, 3, 1),
            released_at: None,
            released_by: None,
            release_reason: None,
        };
        let covers = |c: HoldCriteria| hold(c).criteria.covers(&e);
        assert!(covers(HoldCriteria::default()), "no criteria: everything");
        assert!(covers(HoldCriteria {
            actor: Some("u-1".into()),
            subject: Some("cust-9".into()),
            ..HoldCriteria::default()
        }));
        assert!(!covers(HoldCriteria {
            actor: Some("u-1".into()),
            subject: Some("cust-10".into()),
            ..HoldCriteria::default()
        }));
        assert!(covers(HoldCriteria {
            resource_type: Some("invoice".into()),
            resource_id: Some("inv-1".into()),
            from: Some(at(2026, 1, 1)),
            to: Some(at(2026, 2, 2)),
            ..HoldCriteria::default()
        }));
        assert!(
            !covers(HoldCriteria {
                to: Some(at(2026, 2, 1)),
                ..HoldCriteria::default()
            }),
            "to is exclusive"
        );
        let mut released = hold(HoldCriteria::default());
        released.released_at = Some(at(2026, 4, 1));
        assert!(holding(std::slice::from_ref(&released), &e).is_none());
        let active = hold(HoldCriteria::default());
        assert_eq!(
            holding(&[released, active.clone()], &e).map(|h| h.id),
            Some(active.id)
        );
    }

    #[test]
    fn policies_are_checked_field_by_field() {
        let bad = NewRetentionPolicy {
            default_days: 0,
            rules: vec![
                RetentionRule {
                    category: Some(Category::System),
                    severity: None,
                    keep_days: 40_000,
                },
                RetentionRule {
                    category: Some(Category::System),
                    severity: None,
                    keep_days: 30,
                },
            ],
            version: None,
        };
        match bad.check() {
            Err(DomainError::Validation(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["default_days", "rules.0.keep_days", "rules.1"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn indexes_compress_to_ranges() {
        assert_eq!(ranges(&[7, 3, 4, 5, 9, 8, 1]), vec![[1, 1], [3, 5], [7, 9]]);
        assert!(ranges(&[]).is_empty());
    }
}
