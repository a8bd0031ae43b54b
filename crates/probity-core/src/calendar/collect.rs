//! Pure builders that turn each context's records (as its own services return them) into
//! calendar entries: what counts as due, on which day, and when it is overdue.
//!
//! - Evidence: the latest version's `expires_at`.
//! - Assessments in progress: the last day of the period; signed-off and superseded versions
//!   have nothing left to do. Remediation items of open findings (not done) and their
//!   milestones (not done): their due days.
//! - Control tests: a test whose last result is `fail` (scheduled or pushed) is due to be fixed
//!   [`CONTROL_TEST_FIX_DAYS`] after the first run of its current failing streak (among the
//!   latest runs kept), so a failure gets a deadline instead of an undated "failing since".
//! - Policies: the review date of the version in force; while members have not acknowledged
//!   it, the day acknowledgments become overdue (publication + the sweep's grace period).
//! - Risks: the next review of open risks. Exceptions requested or approved: their expiry.
//! - Vendors: the next assessment, and the contract's end.
//! - SLOs with a calendar window: the last day of each window in the range (rolling windows
//!   never close, so they have no entry). A window end is a date, never overdue.
//! - Data subject requests not completed or denied: their due date. Breach notification clocks
//!   not yet met: their deadline (an instant: the 72-hour clock is exact to the minute).
//! - Support tickets neither solved nor closed: the due time of each SLA clock still counting
//!   (an instant, in business time; paused clocks have none until they resume).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::model::{CalendarEntry, DateRange, EntryKind};
use crate::assurance::assessment::AssessmentView;
use crate::assurance::monitor::ControlTestView;
use crate::assurance::{
    AssessmentPhase, EvidenceView, FindingStatus, RemediationStatus, TestResult,
};
use crate::governance::exception::ExceptionState;
use crate::governance::risk::{RiskStatus, RiskView};
use crate::governance::sweep::ACK_GRACE_DAYS;
use crate::governance::{ExceptionView, PolicyView, VendorView};
use crate::privacy::{BreachView, ClockStatus, RequestView};
use crate::service_level::{Slo, WindowKind};
use crate::support::{ClockKind, TicketView};

/// Days a failing control test has to be fixed, counted from the first failing run.
pub const CONTROL_TEST_FIX_DAYS: i64 = 7;

/// When something is due: an instant, or a whole day.
#[derive(Debug, Clone, Copy)]
enum Due {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

struct Draft<'a> {
    kind: EntryKind,
    due: Due,
    title: String,
    description: String,
    link: String,
    /// Unique per kind: the record's id, and what distinguishes repeats.
    key: &'a str,
    /// Whether the due date can be missed (a window end cannot).
    can_be_late: bool,
}

fn build(d: Draft<'_>, now: DateTime<Utc>) -> CalendarEntry {
    let (date, due_at, late) = match d.due {
        Due::At(at) => (at.date_naive(), Some(at), at <= now),
        Due::Day(day) => (day, None, day < now.date_naive()),
    };
    CalendarEntry {
        kind: d.kind,
        date,
        due_at,
        title: d.title,
        description: d.description,
        context: d.kind.context().to_owned(),
        link: d.link,
        overdue: d.can_be_late && late,
        uid: format!("{}-{}@probity", d.kind.as_str(), d.key),
    }
}

/// Evidence expiries.
pub fn evidence(views: &[EvidenceView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views {
        let Some(latest) = v.versions.first() else {
            continue;
        };
        let Some(expires) = latest.expires_at else {
            continue;
        };
        let id = v.item.id.to_string();
        out.push(build(
            Draft {
                kind: EntryKind::EvidenceExpiry,
                due: Due::At(expires),
                title: format!("{} {} expires", v.item.reference, v.item.title),
                description: format!(
                    "Version {} collected {}; upload a new version to renew it.{}",
                    latest.number,
                    latest.collected_at.format("%Y-%m-%d"),
                    v.item
                        .owner
                        .as_deref()
                        .map(|o| format!(" Owner: {o}."))
                        .unwrap_or_default()
                ),
                link: format!("/evidence/{id}"),
                key: &format!("{id}-v{}", latest.number),
                can_be_late: true,
            },
            now,
        ));
    }
    out
}

/// Assessment period ends, remediation items and milestones of the current versions.
pub fn assessments(views: &[AssessmentView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views {
        let a = &v.assessment;
        if a.state == AssessmentPhase::Superseded {
            continue;
        }
        let id = a.id.to_string();
        let link = format!("/assessments/{id}");
        if a.state == AssessmentPhase::InProgress {
            out.push(build(
                Draft {
                    kind: EntryKind::AssessmentPeriodEnd,
                    due: Due::Day(a.period_end),
                    title: format!("{} {}: period ends", a.reference, a.title),
                    description: format!(
                        "{} assessment of {}, {} to {}, led by {}; not signed off yet.",
                        a.framework_id, a.scope, a.period_start, a.period_end, a.lead.name
                    ),
                    link: link.clone(),
                    key: &id,
                    can_be_late: true,
                },
                now,
            ));
        }
        for f in a
            .findings
            .iter()
            .filter(|f| f.status == FindingStatus::Open)
        {
            for r in f
                .remediation
                .iter()
                .filter(|r| r.status != RemediationStatus::Done)
            {
                out.push(build(
                    Draft {
                        kind: EntryKind::RemediationDue,
                        due: Due::Day(r.due),
                        title: format!("{} {}: {}", a.reference, f.id, r.title),
                        description: format!(
                            "Remediation of finding {} ({} severity), owner {}, {}.",
                            f.title,
                            f.severity.as_str(),
                            r.owner,
                            r.status.as_str().replace('_', " ")
                        ),
                        link: link.clone(),
                        key: &format!("{id}-{}-{}", f.id, r.id),
                        can_be_late: true,
                    },
                    now,
                ));
                for (i, m) in r.milestones.iter().enumerate().filter(|(_, m)| !m.done) {
                    out.push(build(
                        Draft {
                            kind: EntryKind::MilestoneDue,
                            due: Due::Day(m.due),
                            title: format!("{} {}: milestone {}", a.reference, f.id, m.title),
                            description: format!(
                                "Milestone of remediation {} (owner {}) of finding {}.",
                                r.title, r.owner, f.title
                            ),
                            link: link.clone(),
                            key: &format!("{id}-{}-{}-{i}", f.id, r.id),
                            can_be_late: true,
                        },
                        now,
                    ));
                }
            }
        }
    }
    out
}

/// The first run of the current failing streak among `view.runs` (newest first); the last
/// run time when no runs are kept.
pub fn failing_since(view: &ControlTestView) -> Option<DateTime<Utc>> {
    let streak = view
        .runs
        .iter()
        .take_while(|r| r.result == TestResult::Fail)
        .last()
        .map(|r| r.started_at);
    streak.or(view.test.last_run_at)
}

/// Failing control tests, due [`CONTROL_TEST_FIX_DAYS`] after they started failing.
pub fn control_tests(views: &[ControlTestView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views {
        let t = &v.test;
        if t.last_result != Some(TestResult::Fail) {
            continue;
        }
        let Some(since) = failing_since(v) else {
            continue;
        };
        let id = t.id.to_string();
        out.push(build(
            Draft {
                kind: EntryKind::ControlTestFix,
                due: Due::At(since + Duration::days(CONTROL_TEST_FIX_DAYS)),
                title: format!("Fix failing test {}", t.title),
                description: format!(
                    "Failing since {} (controls {}); fix within {CONTROL_TEST_FIX_DAYS} days.",
                    since.format("%Y-%m-%d %H:%M UTC"),
                    if t.control_ids.is_empty() {
                        "none".to_owned()
                    } else {
                        t.control_ids.join(", ")
                    }
                ),
                link: format!("/control-tests/{id}"),
                key: &format!("{id}-{}", since.timestamp()),
                can_be_late: true,
            },
            now,
        ));
    }
    out
}

/// Policy reviews and overdue acknowledgments of the versions in force.
pub fn policies(views: &[PolicyView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views {
        let p = &v.policy;
        let id = p.id.to_string();
        let Some(number) = v.published else { continue };
        if let Some(due) = v.review_due {
            out.push(build(
                Draft {
                    kind: EntryKind::PolicyReview,
                    due: Due::At(due),
                    title: format!("Review {} (version {number})", p.title),
                    description: format!(
                        "Owner: {}. Reviewed every {} month(s).",
                        p.owner, p.review_months
                    ),
                    link: format!("/governance/policies/{id}"),
                    key: &format!("{id}-v{number}"),
                    can_be_late: true,
                },
                now,
            ));
        }
        let published = v
            .versions
            .iter()
            .find(|ver| ver.number == number)
            .and_then(|ver| ver.published_at);
        if let Some(published) = published
            && v.acknowledged < v.members
        {
            let missing = v.members - v.acknowledged;
            out.push(build(
                Draft {
                    kind: EntryKind::PolicyAcknowledgment,
                    due: Due::At(published + Duration::days(ACK_GRACE_DAYS)),
                    title: format!(
                        "{missing} acknowledgment(s) of {} version {number} due",
                        p.title
                    ),
                    description: format!(
                        "{} of {} members acknowledged the version in force since {}.",
                        v.acknowledged,
                        v.members,
                        published.format("%Y-%m-%d")
                    ),
                    link: format!("/governance/policies/{id}"),
                    key: &format!("{id}-v{number}"),
                    can_be_late: true,
                },
                now,
            ));
        }
    }
    out
}

/// Reviews of open risks.
pub fn risks(views: &[RiskView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    views
        .iter()
        .filter(|v| v.risk.status == RiskStatus::Open)
        .map(|v| {
            let r = &v.risk;
            let id = r.id.to_string();
            build(
                Draft {
                    kind: EntryKind::RiskReview,
                    due: Due::At(r.next_review),
                    title: format!("Review risk {} {}", r.reference, r.title),
                    description: format!(
                        "Owner: {}. Residual {} ({}), reviewed every {} month(s).",
                        r.owner, v.residual_score, v.residual_level, r.review_months
                    ),
                    link: format!("/governance/risks/{id}"),
                    key: &format!("{id}-{}", r.next_review.format("%Y%m%d")),
                    can_be_late: true,
                },
                now,
            )
        })
        .collect()
}

/// Expiries of requested and approved exceptions (and those already recorded as expired).
pub fn exceptions(views: &[ExceptionView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    views
        .iter()
        .filter(|v| {
            matches!(
                v.exception.state,
                ExceptionState::Requested | ExceptionState::Approved | ExceptionState::Expired
            )
        })
        .map(|v| {
            let e = &v.exception;
            let id = e.id.to_string();
            build(
                Draft {
                    kind: EntryKind::ExceptionExpiry,
                    due: Due::At(e.expires_at),
                    title: format!("{} {} expires", e.reference, e.title),
                    description: format!(
                        "{} requested by {}; status {}. Renew it with a new request, or let it lapse.",
                        e.kind.as_str().replace('_', " "),
                        e.requested_by.name,
                        v.status.as_str()
                    ),
                    link: format!("/governance/exceptions/{id}"),
                    key: &id,
                    can_be_late: true,
                },
                now,
            )
        })
        .collect()
}

/// Due dates of open data subject requests.
pub fn privacy_requests(views: &[RequestView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    views
        .iter()
        .filter(|v| !v.request.state.is_closed())
        .map(|v| {
            let r = &v.request;
            let id = r.id.to_string();
            build(
                Draft {
                    kind: EntryKind::PrivacyRequestDue,
                    due: Due::Day(r.due_date),
                    title: format!(
                        "{} {} {} request due",
                        r.reference,
                        r.regime.as_str().to_uppercase(),
                        r.kind.as_str().replace('_', " ")
                    ),
                    description: format!(
                        "Subject {}; state {}. Answer it, or extend it with reasons while the regime allows.",
                        r.subject_ref,
                        r.state.as_str().replace('_', " ")
                    ),
                    link: format!("/privacy#request-{id}"),
                    key: &id,
                    can_be_late: true,
                },
                now,
            )
        })
        .collect()
}

/// Deadlines of breach notification clocks not yet met.
pub fn breach_clocks(views: &[BreachView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views {
        let b = &v.breach;
        for c in &v.clocks {
            if !matches!(c.status, ClockStatus::Running | ClockStatus::Overdue) {
                continue;
            }
            let key = format!("{}-{}-{}", b.id, c.regime.as_str(), c.recipient.as_str());
            out.push(build(
                Draft {
                    kind: EntryKind::BreachNotificationDue,
                    due: Due::At(c.deadline),
                    title: format!(
                        "{} notify {} ({})",
                        b.reference,
                        c.recipient.as_str().replace('_', " "),
                        c.regime.as_str().to_uppercase()
                    ),
                    description: format!(
                        "{}: {} from awareness. Record the notification, or its reasons if late.",
                        b.title, c.period
                    ),
                    link: format!("/privacy#breach-{}", b.id),
                    key: &key,
                    can_be_late: true,
                },
                now,
            ));
        }
    }
    out
}

/// Due times of the SLA clocks still counting on open support tickets.
pub fn support_tickets(views: &[TicketView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views.iter().filter(|v| !v.ticket.status.is_done()) {
        let t = &v.ticket;
        for (kind, clock) in [
            (ClockKind::FirstResponse, &v.first_response_clock),
            (ClockKind::Resolution, &v.resolution_clock),
        ] {
            let Some(due) = clock.due_at else { continue };
            let key = format!("{}-{}", t.id, kind.as_str());
            out.push(build(
                Draft {
                    kind: EntryKind::SupportTicketDue,
                    due: Due::At(due),
                    title: format!("{} {} due: {}", t.reference, kind.label(), t.title),
                    description: format!(
                        "Customer {}, tier {}, priority {}, queue {}, assignee {}.",
                        t.customer_ref,
                        t.tier,
                        t.priority.as_str(),
                        t.queue,
                        t.assignee.as_deref().unwrap_or("nobody")
                    ),
                    link: format!("/support/{}", t.id),
                    key: &key,
                    can_be_late: true,
                },
                now,
            ));
        }
    }
    out
}

/// Vendor reassessments and contract ends.
pub fn vendors(views: &[VendorView], now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    for v in views {
        let vendor = &v.vendor;
        let id = vendor.id.to_string();
        out.push(build(
            Draft {
                kind: EntryKind::VendorReassessment,
                due: Due::At(vendor.next_assessment),
                title: format!("Reassess vendor {} {}", vendor.reference, vendor.name),
                description: format!(
                    "{} tier, owner {}; send a questionnaire.",
                    vendor.tier.as_str(),
                    vendor.owner
                ),
                link: format!("/governance/vendors/{id}"),
                key: &format!("{id}-{}", vendor.next_assessment.format("%Y%m%d")),
                can_be_late: true,
            },
            now,
        ));
        if let Some(end) = vendor.contract_end {
            out.push(build(
                Draft {
                    kind: EntryKind::VendorContractEnd,
                    due: Due::Day(end),
                    title: format!("Contract with {} ends", vendor.name),
                    description: format!("Owner {}: renew or offboard.", vendor.owner),
                    link: format!("/governance/vendors/{id}"),
                    key: &format!("{id}-{end}"),
                    can_be_late: false,
                },
                now,
            ));
        }
    }
    out
}

/// The last day of each calendar window of each SLO that ends within `range`.
pub fn slo_windows(slos: &[Slo], range: DateRange, now: DateTime<Utc>) -> Vec<CalendarEntry> {
    let mut out = Vec::new();
    let Some(start) = range.from.and_hms_opt(0, 0, 0).map(|t| t.and_utc()) else {
        return out;
    };
    for slo in slos {
        if !matches!(
            slo.window,
            WindowKind::CalendarMonth | WindowKind::CalendarQuarter
        ) {
            continue;
        }
        let id = slo.id.to_string();
        let mut window = slo.window.current(start);
        // A range is at most MAX_RANGE_DAYS long: at most 37 monthly windows.
        for _ in 0..40 {
            let last_day = (window.end - Duration::seconds(1)).date_naive();
            if last_day > range.to {
                break;
            }
            if range.contains(last_day) {
                out.push(build(
                    Draft {
                        kind: EntryKind::SloWindowEnd,
                        due: Due::Day(last_day),
                        title: format!(
                            "{} {}: {} closes",
                            if slo.is_sla() { "SLA" } else { "SLO" },
                            slo.name,
                            slo.window.label()
                        ),
                        description: format!(
                            "Target {}% over {} – {}; the period is judged when it closes.",
                            slo.target_percent,
                            window.start.format("%Y-%m-%d"),
                            last_day
                        ),
                        link: format!("/service-levels/{id}"),
                        key: &format!("{id}-{}", last_day.format("%Y%m%d")),
                        can_be_late: false,
                    },
                    now,
                ));
            }
            window = slo.window.current(window.end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn instants_are_overdue_once_passed_and_days_once_the_day_is_over() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        let draft = |due| Draft {
            kind: EntryKind::RiskReview,
            due,
            title: "t".into(),
            description: String::new(),
            link: "/x".into(),
            key: "k",
            can_be_late: true,
        };
        assert!(build(draft(Due::At(now)), now).overdue);
        assert!(!build(draft(Due::At(now + Duration::seconds(1))), now).overdue);
        let today = now.date_naive();
        assert!(!build(draft(Due::Day(today)), now).overdue);
        let e = build(draft(Due::Day(today - Duration::days(1))), now);
        assert!(e.overdue);
        assert_eq!(e.uid, "risk_review-k@probity");
        assert_eq!(e.context, "governance");
        let never = Draft {
            can_be_late: false,
            ..draft(Due::Day(today - Duration::days(9)))
        };
        assert!(!build(never, now).overdue);
    }
}
