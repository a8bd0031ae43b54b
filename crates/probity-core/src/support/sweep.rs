//! The periodic SLA sweep of every tenant's active tickets: a clock that enters its warning
//! lead time raises one `support.sla.warning`, a clock past its due time one
//! `support.sla.breached` escalation, through the notification channels. Each is recorded on
//! the ticket (so it is raised once, whichever node sweeps) and as an audit event.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::service::SupportService;
use super::sla::ClockState;
use super::ticket::{ClockKind, Priority, Ticket};
use crate::error::DomainResult;
use crate::notify::{Notice, Severity};
use crate::platform::model::{Tenant, TenantId};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SweepReport {
    /// Active tickets looked at.
    pub tickets: usize,
    /// Warnings raised.
    pub warned: usize,
    /// Escalations raised.
    pub escalated: usize,
}

/// What a clock needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Warn,
    Escalate,
}

fn due_actions(t: &Ticket, now: DateTime<Utc>) -> DomainResult<Vec<(ClockKind, Action)>> {
    let view = SupportService::view(t.clone(), now)?;
    let mut out = Vec::new();
    for kind in ClockKind::ALL {
        let clock = t.clock(kind);
        if clock.is_stopped() {
            continue;
        }
        let state = match kind {
            ClockKind::FirstResponse => view.first_response_clock.state,
            ClockKind::Resolution => view.resolution_clock.state,
        };
        match state {
            ClockState::AtRisk if clock.warned_at.is_none() => out.push((kind, Action::Warn)),
            ClockState::Breached if clock.escalated_at.is_none() => {
                out.push((kind, Action::Escalate));
            }
            _ => {}
        }
    }
    Ok(out)
}

impl SupportService {
    /// Sweeps every tenant's active tickets once. Errors on one ticket are logged and do not
    /// stop the others.
    pub async fn sweep(&self) -> DomainResult<SweepReport> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        let mut tenants: HashMap<TenantId, Option<Tenant>> = HashMap::new();
        for t in self.store.active_support_tickets().await? {
            let tenant = match tenants.get(&t.tenant_id) {
                Some(x) => x.clone(),
                None => {
                    let x = self.store.tenant_by_id(t.tenant_id).await?;
                    tenants.insert(t.tenant_id, x.clone());
                    x
                }
            };
            let Some(tenant) = tenant else { continue };
            let who = Principal::system(tenant, "support-sla");
            report.tickets += 1;
            let id = t.id;
            if let Err(e) = self.sweep_one(&who, t, now, &mut report).await {
                tracing::warn!(error = %e, ticket = %id, "support SLA sweep failed");
            }
        }
        Ok(report)
    }

    /// Sweeps one tenant's active tickets now (owners and admins; tests and the CLI).
    pub async fn sweep_tenant(&self, who: &Principal) -> DomainResult<SweepReport> {
        who.require(Permission::ManageTenant)?;
        let now = self.clock.now();
        let mut report = SweepReport::default();
        for t in self.store.list_support_tickets(who.tenant.id).await? {
            if t.status.is_done() {
                continue;
            }
            report.tickets += 1;
            self.sweep_one(who, t, now, &mut report).await?;
        }
        Ok(report)
    }

    async fn sweep_one(
        &self,
        who: &Principal,
        mut t: Ticket,
        now: DateTime<Utc>,
        report: &mut SweepReport,
    ) -> DomainResult<()> {
        for (kind, action) in due_actions(&t, now)? {
            let hours = t.policy.hours()?;
            let view = t.clock(kind).view(&hours, now, t.policy.warning_minutes);
            let clock = t.clock_mut(kind);
            let (event_kind, severity, title) = match action {
                Action::Warn => {
                    clock.warned_at = Some(now);
                    (
                        "support.sla.warning",
                        Severity::Medium,
                        format!(
                            "{}: {} due in {} business minutes",
                            t.reference,
                            kind.label(),
                            view.remaining_minutes.max(0)
                        ),
                    )
                }
                Action::Escalate => {
                    clock.escalated_at = Some(now);
                    clock.warned_at.get_or_insert(now);
                    (
                        "support.sla.breached",
                        if t.priority == Priority::Urgent {
                            Severity::Critical
                        } else {
                            Severity::High
                        },
                        format!("{}: {} target breached", t.reference, kind.label()),
                    )
                }
            };
            let expected = t.version;
            t.version += 1;
            let event = self.event(
                who,
                event_kind,
                &t,
                json!({
                    "reference": t.reference, "clock": kind, "due_at": view.due_at,
                    "breached_at": view.breached_at, "remaining_minutes": view.remaining_minutes,
                    "priority": t.priority, "tier": t.tier, "assignee": t.assignee,
                    "queue": t.queue, "version": t.version,
                }),
            );
            if !self
                .store
                .update_support_ticket(&t, expected, &event)
                .await?
            {
                // Another node or a person changed it: the next sweep looks again.
                return Ok(());
            }
            match action {
                Action::Warn => report.warned += 1,
                Action::Escalate => report.escalated += 1,
            }
            let mut notice = Notice {
                kind: event_kind.to_owned(),
                severity,
                title: format!("{title} ({})", t.title).chars().take(200).collect(),
                body: format!(
                    "Customer {}, tier {}, priority {}, queue {}, assignee {}.",
                    t.customer_ref,
                    t.tier,
                    t.priority.as_str(),
                    t.queue,
                    t.assignee.as_deref().unwrap_or("nobody")
                ),
                link: None,
                dedup_key: Some(format!(
                    "support-sla:{}:{}:{}",
                    t.id,
                    kind.as_str(),
                    match action {
                        Action::Warn => "warning",
                        Action::Escalate => "breached",
                    }
                )),
            };
            if !self.public_url.is_empty() {
                notice.link = Some(format!("{}/support/{}", self.public_url, t.id));
            }
            if let Some(n) = &self.notify
                && let Err(e) = n.raise(who.tenant.id, &notice).await
            {
                tracing::warn!(error = %e, kind = %notice.kind, "support notification not raised");
            }
        }
        Ok(())
    }
}
