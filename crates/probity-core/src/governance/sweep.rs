//! The governance sweep, run for every tenant on a schedule: exceptions past their expiry are
//! recorded as expired; reminders are raised (each once, by deduplication key) for exceptions
//! expiring within [`EXPIRY_NOTICE_DAYS`], risks and policies due for review, and policies whose
//! version in force members have not acknowledged within [`ACK_GRACE_DAYS`].

use chrono::Duration;
use serde_json::json;

use super::exception::ExceptionState;
use super::model::VersionState;
use super::risk::RiskStatus;
use super::service::GovernanceService;
use crate::audit::AuditRecord;
use crate::error::DomainResult;
use crate::notify::{Notice, Severity};
use crate::platform::model::Tenant;
use crate::platform::service::Principal;

/// Days before expiry an exception's owner is reminded.
pub const EXPIRY_NOTICE_DAYS: i64 = 14;
/// Days after publication before missing acknowledgments are overdue.
pub const ACK_GRACE_DAYS: i64 = 14;

/// What one sweep of a tenant did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Exceptions recorded as expired.
    pub expired: usize,
    /// Reminders of exceptions about to expire.
    pub expiring: usize,
    /// Risks due for review.
    pub risk_reviews_due: usize,
    /// Policies due for review.
    pub policy_reviews_due: usize,
    /// Policies with overdue acknowledgments.
    pub acknowledgments_overdue: usize,
}

impl SweepReport {
    /// Adds another report's counts to this one.
    pub fn add(&mut self, other: SweepReport) {
        self.expired += other.expired;
        self.expiring += other.expiring;
        self.risk_reviews_due += other.risk_reviews_due;
        self.policy_reviews_due += other.policy_reviews_due;
        self.acknowledgments_overdue += other.acknowledgments_overdue;
    }
}

impl GovernanceService {
    /// Sweeps every tenant; a tenant whose sweep fails is logged and the others still run.
    pub async fn sweep_all(&self) -> DomainResult<SweepReport> {
        let mut total = SweepReport::default();
        let mut page = crate::page::PageRequest {
            limit: 500,
            after: None,
        };
        loop {
            let tenants = self.store.list_tenants(&page).await?;
            for tenant in &tenants.items {
                match self.sweep(tenant).await {
                    Ok(r) => total.add(r),
                    Err(e) => {
                        tracing::error!(tenant = %tenant.id, error = %e, "governance sweep failed")
                    }
                }
            }
            match tenants.next_cursor {
                Some(c) => page = crate::page::PageRequest::parse(Some(500), Some(&c))?,
                None => return Ok(total),
            }
        }
    }

    /// Sweeps one tenant at the service clock's now.
    pub async fn sweep(&self, tenant: &Tenant) -> DomainResult<SweepReport> {
        let who = Principal::system(tenant.clone(), "governance");
        let now = self.clock.now();
        let mut report = SweepReport::default();
        let day = now.format("%Y-%m-%d");
        for mut e in self.store.list_exceptions(tenant.id).await? {
            let was = e.state;
            let open = matches!(was, ExceptionState::Requested | ExceptionState::Approved);
            if open && now >= e.expires_at {
                e.state = ExceptionState::Expired;
                let event = AuditRecord::new(Some(tenant.id), "exception.expired", &who.actor, ("exception", e.id.to_string()), now)
                    .with_details(json!({ "reference": e.reference, "expires_at": e.expires_at, "was": was.as_str() }));
                if self.store.update_exception(&e, was, &event).await? {
                    report.expired += 1;
                    self.raise(
                        &who,
                        Notice {
                            kind: "exception.expired".into(),
                            severity: Severity::Medium,
                            title: format!("{} {} has expired", e.reference, e.title),
                            body: format!(
                                "It lapsed at {}; request it again if it is still needed.",
                                e.expires_at.format("%Y-%m-%d %H:%M UTC")
                            ),
                            link: self.page_url(&format!("/governance/exceptions/{}", e.id)),
                            dedup_key: Some(format!("exception.expired:{}", e.id)),
                        },
                    )
                    .await;
                }
            } else if was == ExceptionState::Approved
                && e.expires_at - now <= Duration::days(EXPIRY_NOTICE_DAYS)
            {
                report.expiring += 1;
                self.raise(
                    &who,
                    Notice {
                        kind: "exception.expiring".into(),
                        severity: Severity::Low,
                        title: format!(
                            "{} {} expires in {} day(s)",
                            e.reference,
                            e.title,
                            (e.expires_at - now).num_days()
                        ),
                        body: "Renew it with a new request, or let it lapse.".into(),
                        link: self.page_url(&format!("/governance/exceptions/{}", e.id)),
                        dedup_key: Some(format!("exception.expiring:{}", e.id)),
                    },
                )
                .await;
            }
        }
        for r in self.store.list_risks(tenant.id).await? {
            if r.status == RiskStatus::Open && r.next_review <= now {
                report.risk_reviews_due += 1;
                self.raise(
                    &who,
                    Notice {
                        kind: "risk.review_due".into(),
                        severity: Severity::Low,
                        title: format!("{} {} is due for review", r.reference, r.title),
                        body: format!(
                            "Owner: {}. The review was due {}.",
                            r.owner,
                            r.next_review.format("%Y-%m-%d")
                        ),
                        link: self.page_url(&format!("/governance/risks/{}", r.id)),
                        dedup_key: Some(format!(
                            "risk.review:{}:{}",
                            r.id,
                            r.next_review.format("%Y-%m-%d")
                        )),
                    },
                )
                .await;
            }
        }
        let members = self.member_users(&who).await?;
        for p in self.store.list_policies(tenant.id).await? {
            let versions = self.store.policy_versions(tenant.id, p.id).await?;
            let Some(current) = versions.iter().find(|v| v.state == VersionState::Published) else {
                continue;
            };
            let Some(published) = current.published_at else {
                continue;
            };
            if published
                .checked_add_months(chrono::Months::new(p.review_months))
                .is_some_and(|due| due <= now)
            {
                report.policy_reviews_due += 1;
                self.raise(
                    &who,
                    Notice {
                        kind: "policy.review_due".into(),
                        severity: Severity::Low,
                        title: format!("{} is due for review", p.title),
                        body: format!(
                            "Version {} has been in force since {}.",
                            current.number,
                            published.format("%Y-%m-%d")
                        ),
                        link: self.page_url(&format!("/governance/policies/{}", p.id)),
                        dedup_key: Some(format!("policy.review:{}:{}", p.id, current.number)),
                    },
                )
                .await;
            }
            if now - published >= Duration::days(ACK_GRACE_DAYS) {
                let acks = self.store.acknowledgments(tenant.id, p.id).await?;
                let missing = members
                    .iter()
                    .filter(|m| {
                        !acks.iter().any(|a| {
                            &a.by.id == *m
                                && super::rules::acknowledgment_covers(
                                    &versions,
                                    a.version,
                                    current.number,
                                )
                        })
                    })
                    .count();
                if missing > 0 {
                    report.acknowledgments_overdue += 1;
                    self.raise(
                        &who,
                        Notice {
                            kind: "policy.acknowledgment_overdue".into(),
                            severity: Severity::Low,
                            title: format!(
                                "{missing} member(s) have not acknowledged {} version {}",
                                p.title, current.number
                            ),
                            body: format!(
                                "In force since {}; checked {day}.",
                                published.format("%Y-%m-%d")
                            ),
                            link: self.page_url(&format!("/governance/policies/{}", p.id)),
                            dedup_key: Some(format!("policy.ack:{}:{}", p.id, current.number)),
                        },
                    )
                    .await;
                }
            }
        }
        Ok(report)
    }
}
