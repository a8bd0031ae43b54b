//! Demo privacy data: eight data subject requests in mixed states and regimes (one overdue,
//! one extended, two closed), two breaches (one still inside its 72-hour clock) and three
//! records of processing. Seeding is skipped when the tenant already has requests, so a
//! restart adds nothing twice.

use chrono::Duration;

use super::deadline::{RecipientKind, Regime};
use super::processing::{ActivityInput, LegalBasis, Transfer};
use super::request::{RequestKind, RequestState};
use super::service::{
    NewBreach, NewNotification, NewRequest, PrivacyService, RequestExtensionInput,
    RequestTransition,
};
use crate::error::DomainResult;
use crate::platform::service::Principal;

/// Demo requests: regime, kind, subject, days since receipt, states to walk through (an
/// `Extended` step is an extension), reason for the last step.
type DemoRequest = (
    Regime,
    RequestKind,
    &'static str,
    i64,
    &'static [RequestState],
    Option<&'static str>,
);

const REQUESTS: [DemoRequest; 8] = [
    (
        Regime::Gdpr,
        RequestKind::Access,
        "cust-10482",
        3,
        &[],
        None,
    ),
    (
        Regime::Gdpr,
        RequestKind::Erasure,
        "cust-20931",
        9,
        &[RequestState::VerifyingIdentity],
        None,
    ),
    (
        Regime::Gdpr,
        RequestKind::Portability,
        "cust-31877",
        24,
        &[RequestState::InProgress, RequestState::Extended],
        Some("the export spans three product databases being migrated"),
    ),
    (
        Regime::Lgpd,
        RequestKind::Access,
        "cli-br-5512",
        19,
        &[RequestState::InProgress],
        None,
    ),
    (
        Regime::Ccpa,
        RequestKind::Delete,
        "ca-user-8820",
        12,
        &[RequestState::VerifyingIdentity],
        None,
    ),
    (
        Regime::Ccpa,
        RequestKind::OptOut,
        "ca-user-9104",
        6,
        &[RequestState::InProgress, RequestState::Completed],
        Some("sale and sharing flags cleared"),
    ),
    (
        Regime::Hipaa,
        RequestKind::Access,
        "mrn-004417",
        8,
        &[RequestState::InProgress],
        None,
    ),
    (
        Regime::Gdpr,
        RequestKind::Objection,
        "cust-44120",
        15,
        &[RequestState::InProgress, RequestState::Denied],
        Some("processing rests on a legal obligation, not legitimate interests"),
    ),
];

/// Seeds the demo requests and breaches unless the tenant has requests; returns how many
/// requests and breaches it made.
pub async fn seed(service: &PrivacyService, who: &Principal) -> DomainResult<(usize, usize)> {
    if !service.requests(who).await?.is_empty() {
        return Ok((0, 0));
    }
    let now = service.now();
    for (regime, kind, subject, age, steps, reason) in REQUESTS {
        let mut view = service
            .create_request(
                who,
                &NewRequest {
                    regime,
                    kind,
                    subject_ref: subject.to_owned(),
                    received_at: Some(now - Duration::days(age)),
                    notes: "received through the privacy web form".to_owned(),
                },
            )
            .await?;
        for (i, step) in steps.iter().enumerate() {
            let last = i + 1 == steps.len();
            let why = if last {
                reason.map(str::to_owned)
            } else {
                None
            };
            view = if *step == RequestState::Extended {
                service
                    .extend_request(
                        who,
                        view.request.id,
                        &RequestExtensionInput {
                            reason: why.unwrap_or_default(),
                            version: None,
                        },
                    )
                    .await?
            } else {
                service
                    .transition_request(
                        who,
                        view.request.id,
                        &RequestTransition {
                            to: *step,
                            reason: why,
                            version: None,
                        },
                    )
                    .await?
            };
        }
    }
    service
        .create_breach(
            who,
            &NewBreach {
                title: "Support mailbox forwarded to a personal account".to_owned(),
                discovered_at: now - Duration::hours(31),
                aware_at: now - Duration::hours(30),
                nature: "Confidentiality: a support agent's forwarding rule sent customer tickets \
                         to an outside mailbox for nine days."
                    .to_owned(),
                data_categories: vec!["contact details".to_owned(), "order history".to_owned()],
                approx_subjects: Some(1_240),
                approx_records: Some(3_900),
                consequences: "Phishing aimed at the customers concerned.".to_owned(),
                measures: "Rule removed, mailbox owner asked to delete the copies, forwarding \
                           to outside domains blocked."
                    .to_owned(),
                regimes: vec![Regime::Gdpr],
            },
        )
        .await?;
    let older = service
        .create_breach(
            who,
            &NewBreach {
                title: "Clinic scheduling export left on a public bucket".to_owned(),
                discovered_at: now - Duration::days(21),
                aware_at: now - Duration::days(20),
                nature: "Confidentiality: an appointment export was readable without \
                         authentication for four days."
                    .to_owned(),
                data_categories: vec!["appointment dates".to_owned(), "health data".to_owned()],
                approx_subjects: Some(310),
                approx_records: Some(310),
                consequences: "Disclosure of health appointments.".to_owned(),
                measures: "Bucket made private, access logs reviewed: two outside downloads."
                    .to_owned(),
                regimes: vec![Regime::Gdpr, Regime::Hipaa],
            },
        )
        .await?;
    service
        .notify_breach(
            who,
            older.breach.id,
            &NewNotification {
                recipient: RecipientKind::SupervisoryAuthority,
                recipient_name: Some("Lead supervisory authority".to_owned()),
                notified_at: Some(now - Duration::days(20) + Duration::hours(50)),
                reference: Some("DPA-2026-0117".to_owned()),
                late_reason: None,
                version: None,
            },
        )
        .await?;
    for (name, purpose, basis, data, subjects, retention, transfer) in [
        (
            "Customer accounts",
            "provide and bill the service",
            LegalBasis::Contract,
            "contact details; billing details",
            "customers",
            "account lifetime + 6 years (tax law)",
            None,
        ),
        (
            "Support tickets",
            "answer customer questions",
            LegalBasis::Contract,
            "contact details; ticket contents",
            "customers; prospects",
            "3 years after the ticket closes",
            Some(("United States", "standard contractual clauses")),
        ),
        (
            "Payroll",
            "pay staff and file taxes",
            LegalBasis::LegalObligation,
            "bank details; salary; tax numbers",
            "employees",
            "6 years after leaving",
            None,
        ),
    ] {
        let split = |s: &str| s.split("; ").map(str::to_owned).collect::<Vec<_>>();
        service
            .create_activity(
                who,
                &ActivityInput {
                    name: name.to_owned(),
                    purposes: vec![purpose.to_owned()],
                    legal_basis: basis,
                    data_categories: split(data),
                    subject_categories: split(subjects),
                    recipients: vec!["hosting provider".to_owned()],
                    retention: retention.to_owned(),
                    transfers: transfer
                        .map(|(d, s)| Transfer {
                            destination: d.to_owned(),
                            safeguard: s.to_owned(),
                        })
                        .into_iter()
                        .collect(),
                    version: None,
                },
            )
            .await?;
    }
    Ok((REQUESTS.len(), 2))
}
