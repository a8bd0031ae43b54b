//! Demo privacy data: eight data subject requests in mixed states and regimes (one overdue,
//! one extended, two closed), two breaches (one still inside its 72-hour clock), six records
//! of processing (among them HR sickness absence with health data under Art. 9(2)(b) and a
//! newsletter on consent), an approved DPIA for warehouse CCTV and two retention schedules; and
//! three consent purposes with the history of five subjects (grants, withdrawals, a grant after
//! a withdrawal). Seeding is skipped when the tenant already has requests (or consent
//! purposes), so a restart adds nothing twice.

use chrono::Duration;

use super::assessments::DpiaDecisionInput;
use super::consent::{ConsentAction, ConsentMethod, NewConsentEvent, NewPurpose};
use super::consent_service::ConsentService;
use super::deadline::{RecipientKind, Regime};
use super::dpia::{
    Answer, Decision, DpiaInput, Likelihood, Mitigation, MitigationStatus, QuestionAnswer,
    RiskRating, Severity,
};
use super::processing::{ActivityInput, LegalBasis, Processor, TransferInput, TransferMechanism};
use super::request::{RequestKind, RequestState};
use super::retention::RetentionScheduleInput;
use super::service::{
    NewBreach, NewNotification, NewRequest, PrivacyService, RequestExtensionInput,
    RequestTransition,
};
use super::taxonomy::Art9Condition;
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
    records(service, who).await?;
    Ok((REQUESTS.len(), 2))
}

/// A demo activity: name, purpose, basis, Art. 9(2) condition, data categories, subject
/// categories, processor (name, country, contract), retention note, security measures,
/// transfer.
type DemoActivity = (
    &'static str,
    &'static str,
    LegalBasis,
    Option<Art9Condition>,
    &'static [&'static str],
    &'static [&'static str],
    Option<(&'static str, &'static str, &'static str)>,
    &'static str,
    &'static [&'static str],
    Option<(&'static str, TransferMechanism)>,
);

const ACTIVITIES: [DemoActivity; 6] = [
    (
        "Customer accounts",
        "provide and bill the service",
        LegalBasis::Contract,
        None,
        &["identity", "contact", "financial", "online_identifiers"],
        &["customers"],
        Some(("Hetzner Online", "Germany", "DPA 2023-11")),
        "account lifetime + 6 years (tax law)",
        &["encryption at rest", "single sign-on with MFA for staff"],
        None,
    ),
    (
        "Support tickets",
        "answer customer questions",
        LegalBasis::Contract,
        None,
        &["contact", "communications"],
        &["customers", "prospects"],
        Some(("HelpDesk Inc.", "United States", "DPA 2024-02")),
        "3 years after the ticket closes",
        &["role-based access", "ticket attachments scanned"],
        Some((
            "United States",
            TransferMechanism::StandardContractualClauses,
        )),
    ),
    (
        "Payroll",
        "pay staff and file taxes",
        LegalBasis::LegalObligation,
        None,
        &[
            "identity",
            "financial",
            "government_identifiers",
            "employment",
        ],
        &["employees"],
        Some(("PayCo Payroll Services", "Ireland", "DPA 2022-07")),
        "6 years after leaving",
        &[
            "payroll system restricted to HR",
            "four-eyes check on bank changes",
        ],
        None,
    ),
    (
        "Sickness absence and occupational health",
        "record sick leave, pay sick pay and arrange workplace adjustments",
        LegalBasis::LegalObligation,
        Some(Art9Condition::EmploymentSocialSecurity),
        &["identity", "employment", "health"],
        &["employees"],
        Some(("WorkWell Occupational Health", "Netherlands", "DPA 2024-05")),
        "3 years after the absence ends",
        &[
            "health notes kept apart from the personnel file",
            "access limited to HR case handlers",
        ],
        None,
    ),
    (
        "Newsletter and product announcements",
        "send product news to people who asked for it",
        LegalBasis::Consent,
        None,
        &["contact", "online_identifiers", "behavioural"],
        &["prospects", "customers"],
        Some(("MailRelay", "Belgium", "DPA 2024-01")),
        "until consent is withdrawn, then 30 days",
        &["double opt-in", "unsubscribe link in every mail"],
        None,
    ),
    (
        "CCTV at the warehouse",
        "prevent and investigate theft at the loading bays",
        LegalBasis::LegitimateInterests,
        None,
        &["images"],
        &["employees", "visitors"],
        None,
        "30 days unless an incident is under investigation",
        &[
            "recorder in a locked room",
            "viewing logged and limited to two managers",
        ],
        None,
    ),
];

/// The demo records of processing, a CCTV DPIA approved for its first version, and two
/// retention schedules (CCTV footage events after 30 days, support contacts after 3 years).
async fn records(service: &PrivacyService, who: &Principal) -> DomainResult<()> {
    let mut ids = Vec::new();
    for (name, purpose, basis, art9, data, subjects, processor, retention, measures, transfer) in
        ACTIVITIES
    {
        let strings = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let a = service
            .create_activity(
                who,
                &ActivityInput {
                    name: name.to_owned(),
                    purposes: vec![purpose.to_owned()],
                    legal_basis: basis,
                    art9_condition: art9,
                    data_categories: strings(data),
                    subject_categories: strings(subjects),
                    recipients: vec!["hosting provider".to_owned()],
                    processors: processor
                        .map(|(n, c, r)| Processor {
                            name: n.to_owned(),
                            country: c.to_owned(),
                            contract_reference: r.to_owned(),
                        })
                        .into_iter()
                        .collect(),
                    retention: retention.to_owned(),
                    security_measures: strings(measures),
                    transfers: transfer
                        .map(|(d, m)| TransferInput {
                            destination: d.to_owned(),
                            mechanism: m,
                            reason: None,
                        })
                        .into_iter()
                        .collect(),
                    version: None,
                },
            )
            .await?;
        ids.push(a.id);
    }
    let (Some(&support), Some(&cctv)) = (ids.get(1), ids.get(5)) else {
        return Ok(());
    };
    let answer = |question: &str, answer: Answer, notes: &str| QuestionAnswer {
        question: question.to_owned(),
        answer,
        notes: notes.to_owned(),
    };
    let dpia = service
        .create_dpia(
            who,
            &DpiaInput {
                title: "CCTV at the warehouse loading bays".to_owned(),
                description: "Six fixed cameras cover the loading bays and the goods-in door; footage is recorded continuously and overwritten after 30 days."
                    .to_owned(),
                activity_ids: vec![cctv],
                answers: vec![
                    answer(
                        "systematic_monitoring",
                        Answer::Yes,
                        "continuous recording of a workplace",
                    ),
                    answer("large_scale", Answer::No, "one site, about 40 people a day"),
                    answer("special_categories", Answer::No, ""),
                    answer(
                        "vulnerable_subjects",
                        Answer::Yes,
                        "employees cannot avoid the cameras",
                    ),
                    answer("new_technology", Answer::No, "no face recognition"),
                    answer("automated_decisions", Answer::No, ""),
                    answer("matching_datasets", Answer::No, ""),
                    answer("international_transfers", Answer::No, "recorder on site"),
                    answer(
                        "necessity_proportionality",
                        Answer::Yes,
                        "three thefts last year; cameras limited to the bays",
                    ),
                    answer("data_minimisation", Answer::Yes, "no audio, no break rooms"),
                    answer("retention_limits", Answer::Yes, "30 days, see RET-001"),
                    answer(
                        "subject_rights",
                        Answer::Partly,
                        "access requests answered with blurred stills; process not written yet",
                    ),
                    answer("security_measures", Answer::Yes, "locked room, viewing logged"),
                ],
                inherent_risk: Some(RiskRating {
                    likelihood: Likelihood::Likely,
                    severity: Severity::Significant,
                }),
                mitigations: vec![
                    Mitigation {
                        description: "Signs at every entrance naming the purpose and a contact"
                            .to_owned(),
                        owner: "Facilities manager".to_owned(),
                        status: MitigationStatus::Implemented,
                    },
                    Mitigation {
                        description: "Written procedure for access requests to footage"
                            .to_owned(),
                        owner: "Data protection officer".to_owned(),
                        status: MitigationStatus::InProgress,
                    },
                ],
                residual_risk: Some(RiskRating {
                    likelihood: Likelihood::Possible,
                    severity: Severity::Minimal,
                }),
                version: None,
            },
        )
        .await?;
    service.submit_dpia(who, dpia.dpia.id).await?;
    service
        .decide_dpia(
            who,
            dpia.dpia.id,
            Decision::Approved,
            &DpiaDecisionInput {
                version: dpia.dpia.version,
                note: "approved on condition that the access procedure is written by Q3".to_owned(),
            },
        )
        .await?;
    for (category, days, activity, types, description) in [
        (
            "images",
            30,
            cctv,
            vec!["facility.cctv".to_owned()],
            "Footage is only useful to investigate incidents reported within a month",
        ),
        (
            "communications",
            3 * 365,
            support,
            vec!["support.ticket".to_owned()],
            "Limitation period for contract claims",
        ),
    ] {
        service
            .create_retention_schedule(
                who,
                &RetentionScheduleInput {
                    data_category: category.to_owned(),
                    period_days: days,
                    activity_ids: vec![activity],
                    audit_event_types: types,
                    closed_requests: false,
                    description: description.to_owned(),
                    active: true,
                    version: None,
                },
            )
            .await?;
    }
    Ok(())
}

/// Demo consent purposes: key, title, what the subject agrees to.
const PURPOSES: [(&str, &str, &str); 3] = [
    (
        "newsletter",
        "Product newsletter",
        "A monthly email about new features and maintenance windows.",
    ),
    (
        "analytics",
        "Product analytics",
        "Measuring how the web app is used, tied to the account, to improve it.",
    ),
    (
        "research",
        "User research invitations",
        "Invitations to interviews and surveys about planned features.",
    ),
];

/// Demo consent history: subject, purpose, action, days ago, method, notice version, source.
type DemoConsent = (
    &'static str,
    &'static str,
    ConsentAction,
    i64,
    ConsentMethod,
    &'static str,
    &'static str,
);

const CONSENT: [DemoConsent; 11] = [
    (
        "cust-10482",
        "newsletter",
        ConsentAction::Grant,
        210,
        ConsentMethod::WebForm,
        "2025-10",
        "signup form",
    ),
    (
        "cust-10482",
        "analytics",
        ConsentAction::Grant,
        210,
        ConsentMethod::WebForm,
        "2025-10",
        "signup form",
    ),
    (
        "cust-10482",
        "analytics",
        ConsentAction::Withdraw,
        40,
        ConsentMethod::WebForm,
        "2026-02",
        "privacy settings page",
    ),
    (
        "cust-20931",
        "newsletter",
        ConsentAction::Grant,
        180,
        ConsentMethod::Paper,
        "2025-10",
        "trade fair sign-up sheet",
    ),
    (
        "cust-20931",
        "newsletter",
        ConsentAction::Withdraw,
        90,
        ConsentMethod::Email,
        "2025-10",
        "reply to the newsletter",
    ),
    (
        "cust-20931",
        "newsletter",
        ConsentAction::Grant,
        12,
        ConsentMethod::WebForm,
        "2026-02",
        "account settings page",
    ),
    (
        "cust-31877",
        "research",
        ConsentAction::Grant,
        60,
        ConsentMethod::Verbal,
        "2026-01",
        "support call, noted by the agent",
    ),
    (
        "cust-31877",
        "analytics",
        ConsentAction::Grant,
        60,
        ConsentMethod::Api,
        "2026-01",
        "mobile app",
    ),
    (
        "cust-44120",
        "newsletter",
        ConsentAction::Grant,
        30,
        ConsentMethod::Import,
        "2025-06",
        "legacy CRM",
    ),
    (
        "cust-44120",
        "research",
        ConsentAction::Grant,
        20,
        ConsentMethod::WebForm,
        "2026-02",
        "survey landing page",
    ),
    (
        "cust-44120",
        "research",
        ConsentAction::Withdraw,
        5,
        ConsentMethod::Email,
        "2026-02",
        "email to the privacy team",
    ),
];

/// Seeds the demo consent purposes (linked to the "Customer accounts" processing activity when
/// it exists) and a consent history of five pseudonymous subjects with withdrawals, unless the
/// tenant has purposes; returns how many events it recorded.
pub async fn seed_consent(
    consent: &ConsentService,
    privacy: &PrivacyService,
    who: &Principal,
) -> DomainResult<usize> {
    if !consent.purposes(who).await?.is_empty() {
        return Ok(0);
    }
    let activity = privacy
        .activities(who)
        .await?
        .into_iter()
        .find(|a| a.name == "Customer accounts")
        .map(|a| a.id);
    for (key, title, description) in PURPOSES {
        consent
            .create_purpose(
                who,
                &NewPurpose {
                    key: key.to_owned(),
                    title: title.to_owned(),
                    description: description.to_owned(),
                    activity_id: activity,
                    legal_basis: Some(LegalBasis::Consent),
                },
            )
            .await?;
    }
    let now = consent.now();
    for (n, (subject, purpose, action, days, method, notice, source)) in
        CONSENT.into_iter().enumerate()
    {
        consent
            .record(
                who,
                &NewConsentEvent {
                    id: Some(format!("demo-{n}")),
                    subject_id: subject.to_owned(),
                    purpose: purpose.to_owned(),
                    action,
                    notice_version: notice.to_owned(),
                    method,
                    source: source.to_owned(),
                    occurred_at: now - Duration::days(days),
                },
            )
            .await?;
    }
    Ok(CONSENT.len())
}
