//! Personal data breaches: what happened and to whom, the notification clocks each regime
//! starts at awareness, the notifications sent (in phases, if need be; a late one must say
//! why) and the breach's timeline.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::deadline::{BreachRule, RecipientKind, Regime, breach_rules, deadline};
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies a breach.
    BreachId
);

/// One notification sent about a breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BreachNotification {
    /// Who was told.
    pub recipient: RecipientKind,
    /// The recipient by name (`CNIL`, `ANPD`), when useful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_name: Option<String>,
    /// When it was sent.
    pub notified_at: DateTime<Utc>,
    /// The recipient's case number or our letter reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// 1 for the first notification to this recipient, 2 for the next phase, ...
    pub phase: u32,
    /// Why it went out after a clock ran out (required then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: Party,
}

/// One line of a breach's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub what: String,
    /// Who recorded it.
    pub by: Party,
}

/// A personal data breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breach {
    /// Its id.
    pub id: BreachId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// `BR-001`, ...
    pub reference: String,
    /// Short title.
    pub title: String,
    /// When it was discovered.
    pub discovered_at: DateTime<Utc>,
    /// When the organisation became aware it is a personal data breach: the clocks start here.
    pub aware_at: DateTime<Utc>,
    /// What happened.
    pub nature: String,
    /// Categories of personal data concerned.
    pub data_categories: Vec<String>,
    /// Approximate number of subjects concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approx_subjects: Option<u64>,
    /// Approximate number of records concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approx_records: Option<u64>,
    /// The likely consequences.
    #[serde(default)]
    pub consequences: String,
    /// Measures taken or proposed.
    #[serde(default)]
    pub measures: String,
    /// The regimes that apply.
    pub regimes: Vec<Regime>,
    /// Notifications sent, oldest first.
    pub notifications: Vec<BreachNotification>,
    /// Everything that happened, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Who registered it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Bumped by every change (optimistic concurrency).
    pub version: u32,
}

/// Where a notification clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Not yet notified, time left.
    Running,
    /// Not notified and the time is up.
    Overdue,
    /// Notified in time.
    Met,
    /// Notified after the deadline.
    Late,
}

impl ClockStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStatus::Running => "running",
            ClockStatus::Overdue => "overdue",
            ClockStatus::Met => "met",
            ClockStatus::Late => "late",
        }
    }
}

/// One regime's clock on a breach, read at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BreachClock {
    /// The regime.
    pub regime: Regime,
    /// Who must be told.
    pub recipient: RecipientKind,
    /// The time allowed, in words.
    pub period: String,
    /// When it runs out.
    pub deadline: DateTime<Utc>,
    /// Where it stands.
    pub status: ClockStatus,
    /// Seconds until the deadline (negative once past), while it is running or overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<i64>,
    /// When the first notification to the recipient went out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<DateTime<Utc>>,
}

/// A breach with its clocks.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BreachView {
    /// The breach.
    #[serde(flatten)]
    pub breach: Breach,
    /// One clock per regime rule that applies.
    pub clocks: Vec<BreachClock>,
}

fn clock(b: &Breach, rule: BreachRule, now: DateTime<Utc>, holidays: &[NaiveDate]) -> BreachClock {
    let due = deadline(b.aware_at, rule.period, holidays);
    let notified_at = b
        .notifications
        .iter()
        .filter(|n| n.recipient == rule.recipient)
        .map(|n| n.notified_at)
        .min();
    let status = match notified_at {
        Some(at) if at <= due => ClockStatus::Met,
        Some(_) => ClockStatus::Late,
        None if now <= due => ClockStatus::Running,
        None => ClockStatus::Overdue,
    };
    BreachClock {
        regime: rule.regime,
        recipient: rule.recipient,
        period: rule.period.describe(),
        deadline: due,
        status,
        seconds_left: notified_at.is_none().then(|| (due - now).num_seconds()),
        notified_at,
    }
}

impl Breach {
    /// Its clocks read at `now`.
    pub fn clocks(&self, now: DateTime<Utc>, holidays: &[NaiveDate]) -> Vec<BreachClock> {
        self.regimes
            .iter()
            .flat_map(|r| breach_rules(*r))
            .map(|rule| clock(self, rule, now, holidays))
            .collect()
    }

    /// The breach with its clocks read at `now`.
    pub fn view(self, now: DateTime<Utc>, holidays: &[NaiveDate]) -> BreachView {
        BreachView {
            clocks: self.clocks(now, holidays),
            breach: self,
        }
    }

    /// Records a notification: numbered as the next phase for its recipient, refused without
    /// `late_reason` when it goes out after a clock for that recipient ran out.
    pub fn notify(
        &mut self,
        mut n: BreachNotification,
        holidays: &[NaiveDate],
    ) -> DomainResult<()> {
        if n.notified_at < self.aware_at {
            return Err(DomainError::invalid(
                "notified_at",
                "a notification cannot precede awareness of the breach",
            ));
        }
        n.late_reason = n
            .late_reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        let already = self
            .notifications
            .iter()
            .any(|x| x.recipient == n.recipient);
        let missed: Vec<String> = self
            .regimes
            .iter()
            .flat_map(|r| breach_rules(*r))
            .filter(|rule| rule.recipient == n.recipient && !already)
            .filter(|rule| n.notified_at > deadline(self.aware_at, rule.period, holidays))
            .map(|rule| format!("{} ({})", rule.regime.as_str(), rule.period.describe()))
            .collect();
        if !missed.is_empty() && n.late_reason.is_none() {
            return Err(DomainError::invalid(
                "late_reason",
                format!(
                    "this notification is late for {}: record the reasons for the delay",
                    missed.join(", ")
                ),
            ));
        }
        n.phase = u32::try_from(
            self.notifications
                .iter()
                .filter(|x| x.recipient == n.recipient)
                .count(),
        )
        .unwrap_or(u32::MAX - 1)
            + 1;
        self.timeline.push(TimelineEntry {
            at: n.notified_at,
            what: format!(
                "notified {}{} (phase {}){}",
                n.recipient.as_str(),
                n.recipient_name
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default(),
                n.phase,
                if missed.is_empty() { "" } else { ", late" }
            ),
            by: n.recorded_by.clone(),
        });
        self.notifications.push(n);
        self.version += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn party() -> Party {
        Party {
            id: "user:1".into(),
            name: "Dana".into(),
        }
    }

    fn breach(regimes: Vec<Regime>) -> Breach {
        let aware = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        Breach {
            id: BreachId::new(),
            tenant_id: TenantId::new(),
            reference: "BR-001".into(),
            title: "Lost laptop".into(),
            discovered_at: aware,
            aware_at: aware,
            nature: "confidentiality".into(),
            data_categories: vec!["contact".into()],
            approx_subjects: Some(10),
            approx_records: Some(10),
            consequences: String::new(),
            measures: String::new(),
            regimes,
            notifications: vec![],
            timeline: vec![],
            created_by: party(),
            created_at: aware,
            version: 1,
        }
    }

    fn notice(
        recipient: RecipientKind,
        at: DateTime<Utc>,
        late: Option<&str>,
    ) -> BreachNotification {
        BreachNotification {
            recipient,
            recipient_name: None,
            notified_at: at,
            reference: None,
            phase: 0,
            late_reason: late.map(str::to_owned),
            recorded_by: party(),
        }
    }

    #[test]
    fn the_72_hour_clock_runs_then_goes_overdue() {
        let b = breach(vec![Regime::Gdpr]);
        let c = &b.clocks(b.aware_at + Duration::hours(70), &[])[0];
        assert_eq!(c.status, ClockStatus::Running);
        assert_eq!(c.seconds_left, Some(2 * 3600));
        let c = &b.clocks(b.aware_at + Duration::hours(73), &[])[0];
        assert_eq!(c.status, ClockStatus::Overdue);
        assert_eq!(c.seconds_left, Some(-3600));
    }

    #[test]
    fn a_late_notification_needs_reasons_and_phases_count_up() {
        let mut b = breach(vec![Regime::Gdpr, Regime::Hipaa]);
        let late = b.aware_at + Duration::hours(80);
        let err = b
            .notify(notice(RecipientKind::SupervisoryAuthority, late, None), &[])
            .unwrap_err();
        assert!(
            err.to_string().contains("late_reason") || format!("{err:?}").contains("late_reason")
        );
        b.notify(
            notice(
                RecipientKind::SupervisoryAuthority,
                late,
                Some("forensics first"),
            ),
            &[],
        )
        .unwrap();
        // A second phase to the same recipient is not late again.
        b.notify(
            notice(
                RecipientKind::SupervisoryAuthority,
                late + Duration::days(5),
                None,
            ),
            &[],
        )
        .unwrap();
        assert_eq!(b.notifications[1].phase, 2);
        b.notify(
            notice(
                RecipientKind::Individuals,
                b.aware_at + Duration::days(30),
                None,
            ),
            &[],
        )
        .unwrap();
        let clocks = b.clocks(b.aware_at + Duration::days(40), &[]);
        assert_eq!(clocks[0].status, ClockStatus::Late);
        assert_eq!(clocks[1].status, ClockStatus::Met);
        assert_eq!(b.timeline.len(), 3);
        assert_eq!(b.version, 4);
    }

    #[test]
    fn notifications_cannot_precede_awareness() {
        let mut b = breach(vec![Regime::Lgpd]);
        let before = b.aware_at - Duration::hours(1);
        assert!(
            b.notify(notice(RecipientKind::Other, before, None), &[])
                .is_err()
        );
    }
}
