//! Calendar types: the kinds of due date, one calendar entry, the date range a query covers,
//! and the calendar feed whose secret token lets calendar apps subscribe.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::platform::model::{TenantId, TokenId, UserId, uuid_id};

uuid_id!(
    /// Identifies a calendar feed.
    CalendarFeedId
);

/// Days before today a query covers by default.
pub const DEFAULT_DAYS_BACK: i64 = 30;
/// Days after today a query covers by default.
pub const DEFAULT_DAYS_AHEAD: i64 = 180;
/// Days before today a subscribed feed covers (calendar apps drop what leaves the feed).
pub const FEED_DAYS_BACK: i64 = 90;
/// Days after today a subscribed feed covers.
pub const FEED_DAYS_AHEAD: i64 = 365;
/// The longest range one query may cover, in days.
pub const MAX_RANGE_DAYS: i64 = 1096;

/// What a due date is about. New contexts add kinds here (the privacy context will add data
/// subject request deadlines and breach notification clocks); the wire names are stable.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntryKind {
    /// The latest version of an evidence item stops being valid.
    EvidenceExpiry,
    /// An assessment in progress reaches the end of its period.
    AssessmentPeriodEnd,
    /// A POA&M remediation item of an open finding is due.
    RemediationDue,
    /// A milestone of a remediation item is due.
    MilestoneDue,
    /// A failing control test should be fixed (failing since + the fix window).
    ControlTestFix,
    /// The version in force of a policy is due for review.
    PolicyReview,
    /// Members who have not acknowledged the version in force are overdue from this date.
    PolicyAcknowledgment,
    /// A risk is due for review.
    RiskReview,
    /// An exception or risk acceptance expires.
    ExceptionExpiry,
    /// A vendor is due for reassessment.
    VendorReassessment,
    /// A vendor's contract ends.
    VendorContractEnd,
    /// The calendar window of an SLO or SLA closes (its period is then judged).
    SloWindowEnd,
    /// A data subject request is due to be answered.
    PrivacyRequestDue,
    /// A breach notification clock runs out.
    BreachNotificationDue,
    /// A support ticket's first-response or resolution clock runs out.
    SupportTicketDue,
}

impl EntryKind {
    /// Every kind, in display order.
    pub const ALL: [EntryKind; 15] = [
        EntryKind::EvidenceExpiry,
        EntryKind::AssessmentPeriodEnd,
        EntryKind::RemediationDue,
        EntryKind::MilestoneDue,
        EntryKind::ControlTestFix,
        EntryKind::PolicyReview,
        EntryKind::PolicyAcknowledgment,
        EntryKind::RiskReview,
        EntryKind::ExceptionExpiry,
        EntryKind::VendorReassessment,
        EntryKind::VendorContractEnd,
        EntryKind::SloWindowEnd,
        EntryKind::PrivacyRequestDue,
        EntryKind::BreachNotificationDue,
        EntryKind::SupportTicketDue,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::EvidenceExpiry => "evidence_expiry",
            EntryKind::AssessmentPeriodEnd => "assessment_period_end",
            EntryKind::RemediationDue => "remediation_due",
            EntryKind::MilestoneDue => "milestone_due",
            EntryKind::ControlTestFix => "control_test_fix",
            EntryKind::PolicyReview => "policy_review",
            EntryKind::PolicyAcknowledgment => "policy_acknowledgment",
            EntryKind::RiskReview => "risk_review",
            EntryKind::ExceptionExpiry => "exception_expiry",
            EntryKind::VendorReassessment => "vendor_reassessment",
            EntryKind::VendorContractEnd => "vendor_contract_end",
            EntryKind::SloWindowEnd => "slo_window_end",
            EntryKind::PrivacyRequestDue => "privacy_request_due",
            EntryKind::BreachNotificationDue => "breach_notification_due",
            EntryKind::SupportTicketDue => "support_ticket_due",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind as people read it (a calendar category).
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::EvidenceExpiry => "Evidence expiry",
            EntryKind::AssessmentPeriodEnd => "Assessment period end",
            EntryKind::RemediationDue => "Remediation due",
            EntryKind::MilestoneDue => "Milestone due",
            EntryKind::ControlTestFix => "Failing control test",
            EntryKind::PolicyReview => "Policy review",
            EntryKind::PolicyAcknowledgment => "Policy acknowledgment",
            EntryKind::RiskReview => "Risk review",
            EntryKind::ExceptionExpiry => "Exception expiry",
            EntryKind::VendorReassessment => "Vendor reassessment",
            EntryKind::VendorContractEnd => "Vendor contract end",
            EntryKind::SloWindowEnd => "SLA window end",
            EntryKind::PrivacyRequestDue => "Data subject request due",
            EntryKind::BreachNotificationDue => "Breach notification due",
            EntryKind::SupportTicketDue => "Support ticket SLA due",
        }
    }

    /// The bounded context the kind comes from.
    pub fn context(self) -> &'static str {
        match self {
            EntryKind::EvidenceExpiry
            | EntryKind::AssessmentPeriodEnd
            | EntryKind::RemediationDue
            | EntryKind::MilestoneDue
            | EntryKind::ControlTestFix => "assurance",
            EntryKind::PolicyReview
            | EntryKind::PolicyAcknowledgment
            | EntryKind::RiskReview
            | EntryKind::ExceptionExpiry
            | EntryKind::VendorReassessment
            | EntryKind::VendorContractEnd => "governance",
            EntryKind::SloWindowEnd => "service_level",
            EntryKind::PrivacyRequestDue | EntryKind::BreachNotificationDue => "privacy",
            EntryKind::SupportTicketDue => "support",
        }
    }
}

/// One due date. Entries are all-day: `date` is the UTC day; `due_at` keeps the instant when
/// the source has one (an expiry time), so "overdue" is exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CalendarEntry {
    /// What it is about.
    pub kind: EntryKind,
    /// The day it is due (UTC).
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// The instant it is due, when the source records one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// One line: what is due.
    pub title: String,
    /// More context (owner, state, what to do).
    pub description: String,
    /// The bounded context (`assurance`, `governance`, `service_level`).
    pub context: String,
    /// The web page of the record, a path on this server (`/evidence/<id>`).
    pub link: String,
    /// Past due at the time of the query and not done.
    pub overdue: bool,
    /// Stable across queries and feed refreshes (the iCalendar `UID`).
    pub uid: String,
}

/// The UTC days a query covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DateRange {
    /// First day.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Last day.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

impl DateRange {
    /// `back` days before `today` to `ahead` days after it.
    pub fn around(today: NaiveDate, back: i64, ahead: i64) -> DateRange {
        DateRange {
            from: today - Duration::days(back),
            to: today + Duration::days(ahead),
        }
    }

    /// The range from optional ends, each defaulting around `today`; `from` must not be after
    /// `to`, and the range at most [`MAX_RANGE_DAYS`] long.
    pub fn checked(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> DomainResult<DateRange> {
        let default = DateRange::around(today, DEFAULT_DAYS_BACK, DEFAULT_DAYS_AHEAD);
        let range = DateRange {
            from: from.unwrap_or(default.from),
            to: to.unwrap_or(default.to),
        };
        if range.from > range.to {
            return Err(DomainError::invalid(
                "from",
                format!("must not be after to ({} > {})", range.from, range.to),
            ));
        }
        if (range.to - range.from).num_days() >= MAX_RANGE_DAYS {
            return Err(DomainError::invalid(
                "to",
                format!("a range covers at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(range)
    }

    /// Whether `date` lies in the range.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// A calendar feed: a secret URL a calendar app subscribes to. Only the SHA-256 of its token
/// is stored; the feed acts with the reading rights its owner has when it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarFeed {
    /// Id.
    pub id: CalendarFeedId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Label, e.g. "My work calendar".
    pub name: String,
    /// Who made it and whose rights it reads with.
    pub owner: Party,
    /// The owning user, when a person made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// The owning API token, when a token without a user made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<TokenId>,
    /// Only these kinds (all when empty).
    #[serde(default)]
    pub kinds: Vec<EntryKind>,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When revoked; a revoked feed answers 404.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn kinds_round_trip_their_wire_names() {
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(EntryKind::parse("dsr_deadline"), None);
    }

    #[test]
    fn ranges_default_around_today_and_refuse_inverted_or_long_ones() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let r = DateRange::checked(None, None, today).unwrap();
        assert_eq!(r.from, NaiveDate::from_ymd_opt(2026, 2, 8).unwrap());
        assert_eq!(r.to, NaiveDate::from_ymd_opt(2026, 9, 6).unwrap());
        assert!(r.contains(today) && r.contains(r.from) && r.contains(r.to));
        let later = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert!(DateRange::checked(Some(later), Some(today), today).is_err());
        assert!(
            DateRange::checked(Some(today), Some(today + Duration::days(1096)), today).is_err()
        );
        assert!(DateRange::checked(Some(today), Some(today + Duration::days(1095)), today).is_ok());
    }
}
