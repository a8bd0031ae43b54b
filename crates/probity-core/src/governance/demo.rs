//! Demo governance: policies from the shipped templates in every workflow state — in force
//! (one on its second, material version), waiting for a second approval, approved but not yet
//! published, and a draft — approved by named reviewers other than their author, with the demo
//! user's acknowledgment of one of them, so the pages show every state and a rate; a risk
//! register of ten risks across the categories (residuals derived from the demo's control
//! states, assessed, or standing at inherent; some above appetite); and exceptions in every
//! state — approved, awaiting a decision, rejected, one approved before its risk changed.

use chrono::Duration;

use super::exception::ExceptionKind;
use super::exceptions::{NewException, NewExceptionDecision};
use super::model::{PolicyId, PolicyView};
use super::risk::{BusinessImpact, Rating, RiskCategory, RiskId, Treatment};
use super::risks::{NewRisk, RiskUpdate};
use super::service::{Decision, GovernanceService, NewAcknowledgment, NewPolicy, NewVersion};
use crate::audit::{Actor, ActorKind};
use crate::error::DomainResult;
use crate::page::PageRequest;
use crate::platform::service::Principal;

/// How far a demo policy gets.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Draft,
    InReview,
    Approved,
    Published,
}

const POLICIES: [(&str, &str, u32, Stage); 7] = [
    (
        "information-security",
        "Chief information security officer",
        2,
        Stage::Published,
    ),
    (
        "access-control",
        "Security engineering",
        1,
        Stage::Published,
    ),
    ("acceptable-use", "People operations", 1, Stage::Published),
    ("data-protection", "Privacy office", 1, Stage::Published),
    (
        "incident-response",
        "Security operations",
        2,
        Stage::InReview,
    ),
    ("vendor-management", "Procurement", 1, Stage::Approved),
    ("data-retention", "Privacy office", 1, Stage::Draft),
];

fn reviewer(who: &Principal, id: &str, name: &str) -> Principal {
    Principal {
        actor: Actor {
            kind: ActorKind::User,
            id: id.to_owned(),
            display: name.to_owned(),
        },
        ..who.clone()
    }
}

fn hash_of(view: &PolicyView, number: u32) -> String {
    view.versions
        .iter()
        .find(|v| v.number == number)
        .map(|v| v.content_hash.clone())
        .unwrap_or_default()
}

async fn advance(
    service: &GovernanceService,
    author: &Principal,
    approvers: &[Principal; 2],
    id: PolicyId,
    number: u32,
    stage: Stage,
) -> DomainResult<PolicyView> {
    let mut view = service.policy(author, id).await?;
    let decision = Decision {
        content_hash: hash_of(&view, number),
    };
    if stage >= Stage::InReview {
        service.submit(author, id, number).await?;
        view = service
            .approve(&approvers[0], id, number, &decision)
            .await?;
    }
    if stage >= Stage::Approved && view.policy.required_approvals > 1 {
        view = service
            .approve(&approvers[1], id, number, &decision)
            .await?;
    }
    if stage >= Stage::Published {
        view = service
            .publish(&approvers[0], id, number, &decision)
            .await?;
    }
    Ok(view)
}

/// Records the demo policies; returns how many.
pub async fn seed(service: &GovernanceService, who: &Principal) -> DomainResult<usize> {
    let approvers = [
        reviewer(who, "demo-ciso", "Dana Whitfield (CISO)"),
        reviewer(who, "demo-counsel", "Marcus Oyelaran (General Counsel)"),
    ];
    let author = reviewer(who, "demo-grc", "Priya Raman (GRC lead)");
    let mut made = 0;
    for (key, owner, quorum, stage) in POLICIES {
        let view = service
            .create_policy(
                &author,
                &NewPolicy {
                    key: key.to_owned(),
                    title: None,
                    kind: None,
                    owner: owner.to_owned(),
                    template: Some(key.to_owned()),
                    content: None,
                    control_ids: None,
                    requirement_ids: if key == "information-security" {
                        vec![
                            "iso27001-2022:5.2".to_owned(),
                            "iso27001-2022:A.5.1".to_owned(),
                            "soc2-2017:CC5.3".to_owned(),
                        ]
                    } else {
                        Vec::new()
                    },
                    required_approvals: Some(quorum),
                    review_months: None,
                    values: demo_values(),
                },
            )
            .await?;
        let id = view.policy.id;
        let mut view = advance(service, &author, &approvers, id, 1, stage).await?;
        if key == "access-control" {
            // A second, material version: everyone must acknowledge again.
            let text = view
                .versions
                .first()
                .map(|v| v.content.clone())
                .unwrap_or_default();
            service
                .new_version(
                    &author,
                    id,
                    &NewVersion {
                        content: format!(
                            "{text}\n## Privileged access\n\nAdministrative access is granted just in time, for at most eight hours, and every session is recorded.\n"
                        ),
                        material: true,
                        change_note: Some("Adds just-in-time privileged access.".to_owned()),
                    },
                )
                .await?;
            view = advance(service, &author, &approvers, id, 2, Stage::Published).await?;
        }
        if key == "information-security" || key == "acceptable-use" {
            // The demo user has read these two.
            if let Some(member) = first_member(service, who).await? {
                let hash = view
                    .published
                    .map(|n| hash_of(&view, n))
                    .unwrap_or_default();
                service
                    .acknowledge(
                        &member,
                        id,
                        &NewAcknowledgment { content_hash: hash },
                        "web",
                    )
                    .await?;
            }
        }
        made += 1;
    }
    Ok(made)
}

async fn first_member(
    service: &GovernanceService,
    who: &Principal,
) -> DomainResult<Option<Principal>> {
    let page = service
        .store
        .list_members(
            who.tenant.id,
            &PageRequest {
                limit: 1,
                after: None,
            },
        )
        .await?;
    Ok(page.items.first().map(|m| Principal {
        actor: Actor::user(m.user.id, &m.user.display_name),
        user_id: Some(m.user.id),
        role: m.role,
        ..who.clone()
    }))
}

/// One demo risk: title, category, owner, threat, inherent (likelihood, impact), assessed
/// residual, treatment, the number of controls of the family it links.
struct DemoRisk {
    title: &'static str,
    category: RiskCategory,
    owner: &'static str,
    threat: &'static str,
    inherent: (u32, u32),
    residual: Option<(u32, u32)>,
    treatment: Treatment,
    family: &'static str,
}

const RISKS: [DemoRisk; 10] = [
    DemoRisk {
        title: "Ransomware encrypts file servers and backups",
        category: RiskCategory::Security,
        owner: "IT operations",
        threat: "Ransomware delivered by phishing",
        inherent: (4, 5),
        residual: None,
        treatment: Treatment::Mitigate,
        family: "BCP",
    },
    DemoRisk {
        title: "Stolen credentials give access to the customer database",
        category: RiskCategory::Security,
        owner: "Security engineering",
        threat: "Credential stuffing and phishing",
        inherent: (4, 4),
        residual: None,
        treatment: Treatment::Mitigate,
        family: "IAM",
    },
    DemoRisk {
        title: "Unlogged administrative changes go unnoticed",
        category: RiskCategory::Security,
        owner: "Platform team",
        threat: "Insider misuse",
        inherent: (3, 4),
        residual: None,
        treatment: Treatment::Mitigate,
        family: "LOG",
    },
    DemoRisk {
        title: "Personal data kept beyond its retention period",
        category: RiskCategory::Privacy,
        owner: "Privacy office",
        threat: "Regulatory fine and complaints",
        inherent: (3, 3),
        residual: None,
        treatment: Treatment::Mitigate,
        family: "PRV",
    },
    DemoRisk {
        title: "Critical SaaS vendor suffers a breach",
        category: RiskCategory::ThirdParty,
        owner: "Procurement",
        threat: "Supply-chain compromise",
        inherent: (3, 4),
        residual: Some((3, 3)),
        treatment: Treatment::Transfer,
        family: "VND",
    },
    DemoRisk {
        title: "Cloud region outage stops the product",
        category: RiskCategory::Operational,
        owner: "Platform team",
        threat: "Provider outage",
        inherent: (2, 5),
        residual: None,
        treatment: Treatment::Mitigate,
        family: "BCP",
    },
    DemoRisk {
        title: "SOC 2 report qualified for missing evidence",
        category: RiskCategory::Compliance,
        owner: "GRC lead",
        threat: "Audit exception",
        inherent: (3, 3),
        residual: Some((2, 3)),
        treatment: Treatment::Mitigate,
        family: "CMP",
    },
    DemoRisk {
        title: "Key engineer leaves with undocumented knowledge",
        category: RiskCategory::Operational,
        owner: "Engineering management",
        threat: "Attrition",
        inherent: (3, 3),
        residual: Some((3, 2)),
        treatment: Treatment::Accept,
        family: "",
    },
    DemoRisk {
        title: "Currency swings erode EU contract margins",
        category: RiskCategory::Financial,
        owner: "Finance",
        threat: "FX volatility",
        inherent: (3, 2),
        residual: None,
        treatment: Treatment::Accept,
        family: "",
    },
    DemoRisk {
        title: "Competitor ships an integrated GRC suite",
        category: RiskCategory::Strategic,
        owner: "Chief executive",
        threat: "Market change",
        inherent: (3, 4),
        residual: Some((3, 3)),
        treatment: Treatment::Mitigate,
        family: "",
    },
];

fn controls_of(family: &str) -> Vec<String> {
    if family.is_empty() {
        return Vec::new();
    }
    crate::catalog::Catalog::shipped_or_empty()
        .controls()
        .iter()
        .filter(|c| c.family == family)
        .take(4)
        .map(|c| c.id.clone())
        .collect()
}

/// Records the demo risks and exceptions (after the catalog demo, so derived residuals use its
/// control states); returns (risks, exceptions).
pub async fn seed_risks(
    service: &GovernanceService,
    who: &Principal,
) -> DomainResult<(usize, usize)> {
    let author = reviewer(who, "demo-grc", "Priya Raman (GRC lead)");
    let approver = reviewer(who, "demo-ciso", "Dana Whitfield (CISO)");
    let mut ids: Vec<RiskId> = Vec::new();
    for r in &RISKS {
        let v = service
            .create_risk(
                &author,
                &NewRisk {
                    title: r.title.to_owned(),
                    description: String::new(),
                    category: r.category,
                    owner: r.owner.to_owned(),
                    assets: vec!["Production platform".to_owned()],
                    threat: r.threat.to_owned(),
                    vulnerability: String::new(),
                    inherent: Rating {
                        likelihood: r.inherent.0,
                        impact: r.inherent.1,
                    },
                    residual: r
                        .residual
                        .map(|(likelihood, impact)| Rating { likelihood, impact }),
                    treatment: Some(r.treatment),
                    treatment_plan: String::new(),
                    control_ids: controls_of(r.family),
                    business_impact: (r.category == RiskCategory::Operational).then(|| {
                        BusinessImpact {
                            criticality: "high".to_owned(),
                            rto_hours: 8,
                            rpo_hours: 1,
                        }
                    }),
                    review_months: Some(6),
                },
            )
            .await?;
        ids.push(v.risk.id);
    }
    let now = service.clock.now();
    let mut made = 0;
    let requests = [
        (
            ExceptionKind::RiskAcceptance,
            "Accept key-person risk until the platform handbook is written",
            7,
            Some(true),
        ),
        (
            ExceptionKind::PolicyException,
            "TLS 1.1 on the legacy payments gateway",
            5,
            Some(true),
        ),
        (
            ExceptionKind::PolicyException,
            "Shared admin account for the warehouse scanner fleet",
            1,
            Some(false),
        ),
        (
            ExceptionKind::RiskAcceptance,
            "Accept FX exposure on 2027 EU contracts",
            8,
            None,
        ),
        (
            ExceptionKind::RiskAcceptance,
            "Accept residual vendor breach risk pending SOC 2 report",
            4,
            Some(true),
        ),
    ];
    for (n, (kind, title, risk, decision)) in requests.into_iter().enumerate() {
        let risk_ids = ids.get(risk).map(|id| vec![*id]).unwrap_or_default();
        let days = if n == 1 { 10 } else { 120 };
        let requested = service
            .request_exception(
                &author,
                &NewException {
                    kind,
                    title: title.to_owned(),
                    scope: "Production".to_owned(),
                    justification:
                        "Business need agreed with the risk owner; a remediation date is set."
                            .to_owned(),
                    compensating_controls:
                        "Extra monitoring and a monthly review by the risk owner.".to_owned(),
                    control_ids: Vec::new(),
                    policy_ids: Vec::new(),
                    risk_ids,
                    expires_at: now + Duration::days(days),
                },
            )
            .await?;
        if let Some(approve) = decision {
            service
                .decide_exception(
                    &approver,
                    requested.exception.id,
                    &NewExceptionDecision {
                        approve,
                        rationale: if approve {
                            "Compensating controls are adequate for the period.".to_owned()
                        } else {
                            "Shared accounts break accountability; use named accounts.".to_owned()
                        },
                        snapshot_hash: requested.current_snapshot_hash.clone(),
                    },
                )
                .await?;
        }
        made += 1;
    }
    // The vendor risk is re-rated after its acceptance: that acceptance no longer binds.
    if let Some(id) = ids.get(4) {
        service
            .update_risk(
                &author,
                *id,
                &RiskUpdate {
                    version: 1,
                    title: None,
                    description: None,
                    owner: None,
                    inherent: None,
                    residual: Some(Rating { likelihood: 4, impact: 3 }),
                    clear_residual: false,
                    treatment: None,
                    treatment_plan: Some("Vendor has not delivered its SOC 2 report; escalate at the quarterly review.".to_owned()),
                    control_ids: None,
                    status: None,
                },
            )
            .await?;
    }
    Ok((ids.len(), made))
}

/// Values for the templates' placeholders, as a small company would fill them.
fn demo_values() -> std::collections::BTreeMap<String, String> {
    [
        ("security_owner", "the Chief Information Security Officer"),
        ("privacy_owner", "the Data Protection Officer"),
        ("change_owner", "the Head of Platform Engineering"),
        ("continuity_owner", "the Chief Operating Officer"),
        ("security_contact", "security@demo.example"),
        ("incident_contact", "+44 20 7946 0000 (security on-call)"),
        ("identity_provider", "the company single sign-on"),
        ("retention_period", "the period in the retention schedule"),
        ("backup_retention_period", "35 days"),
        ("log_retention_period", "13 months"),
        ("employee_record_retention", "6 years after employment ends"),
        ("customer_data_deletion_days", "30"),
        ("dsr_response_days", "30"),
        ("rto_hours", "8"),
        ("rpo_hours", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Records the demo vendors: one reviewed with a finding, one submitted and waiting for
/// review, one with an open link, one never assessed; returns how many.
pub async fn seed_vendors(service: &GovernanceService, who: &Principal) -> DomainResult<usize> {
    use super::vendor::{Answer, Contact, Tier, VendorDocument, VendorFinding};
    use super::vendors::{AssessmentReview, NewVendor, RespondentAnswers, SendQuestionnaire};
    let author = reviewer(who, "demo-grc", "Priya Raman (GRC lead)");
    let approver = reviewer(who, "demo-ciso", "Dana Whitfield (CISO)");
    let today = service.clock.now().date_naive();
    let vendors = [
        (
            "CloudNimbus",
            "Cloud hosting (IaaS)",
            "personal",
            Tier::Critical,
            "ops@cloudnimbus.example",
            "Alex Moreau",
        ),
        (
            "Paystream",
            "Card payments",
            "personal",
            Tier::High,
            "security@paystream.example",
            "Robin Adeyemi",
        ),
        (
            "Mailbird",
            "Transactional email",
            "personal",
            Tier::Medium,
            "privacy@mailbird.example",
            "Kim Larsen",
        ),
        (
            "DeskPilot",
            "Office furniture",
            "none",
            Tier::Low,
            "sales@deskpilot.example",
            "Jo Brandt",
        ),
    ];
    let answers = |good: bool| -> std::collections::BTreeMap<String, Answer> {
        let t = |s: &str| Answer::Text(s.to_owned());
        [
            ("assurance-1", t("yes")),
            (
                "assurance-3",
                t(if good {
                    "yearly_or_more"
                } else {
                    "every_two_years"
                }),
            ),
            ("access-1", t(if good { "yes" } else { "no" })),
            (
                "access-2",
                Answer::Choices(vec!["sso".into(), "reviews".into(), "offboarding".into()]),
            ),
            ("data-1", t("yes")),
            ("data-2", Answer::Number(if good { 30.0 } else { 90.0 })),
            ("data-3", t("AWS (eu-west-1)")),
            (
                "resilience-1",
                Answer::Number(if good { 24.0 } else { 96.0 }),
            ),
            ("resilience-2", t("yes")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    for (n, (name, services, access, tier, email, contact)) in vendors.into_iter().enumerate() {
        let v = service
            .create_vendor(
                &author,
                &NewVendor {
                    name: name.to_owned(),
                    services: services.to_owned(),
                    data_access: access.to_owned(),
                    tier,
                    owner: "Procurement".to_owned(),
                    contacts: vec![Contact {
                        name: contact.to_owned(),
                        email: email.to_owned(),
                        role: "security".to_owned(),
                    }],
                    contract_start: today.checked_sub_days(chrono::Days::new(400)),
                    contract_end: today.checked_add_days(chrono::Days::new(330)),
                    dpa_signed: (access == "personal")
                        .then(|| today.checked_sub_days(chrono::Days::new(390)))
                        .flatten(),
                    subprocessors: if n == 0 {
                        vec!["Equinix".to_owned()]
                    } else {
                        Vec::new()
                    },
                    documents: vec![VendorDocument {
                        name: "ISO/IEC 27001 certificate".to_owned(),
                        kind: "certificate".to_owned(),
                        expires: today.checked_add_days(chrono::Days::new(if n == 1 {
                            20
                        } else {
                            200
                        })),
                    }],
                },
            )
            .await?;
        if n >= 3 {
            continue;
        }
        let sent = service
            .send_questionnaire(
                &author,
                v.vendor.id,
                &SendQuestionnaire {
                    template: "security-baseline".to_owned(),
                    contact_email: email.to_owned(),
                    days_valid: None,
                },
            )
            .await?;
        if n <= 1 {
            service
                .respond(
                    &sent.token,
                    &RespondentAnswers {
                        answers: answers(n == 0),
                        submit: true,
                    },
                )
                .await?;
        }
        if n == 0 {
            service
                .review_assessment(
                    &approver,
                    sent.assessment.id,
                    &AssessmentReview {
                        findings: vec![VendorFinding {
                            title: "Penetration test report older than a year".to_owned(),
                            severity: "medium".to_owned(),
                            remediation: "Share the next annual report when issued.".to_owned(),
                            due: today.checked_add_days(chrono::Days::new(90)),
                        }],
                    },
                )
                .await?;
        }
    }
    Ok(4)
}

/// Records the demo assets, linked to the first demo risks and vendors; returns how many.
pub async fn seed_assets(service: &GovernanceService, who: &Principal) -> DomainResult<usize> {
    use super::assets::NewAsset;
    let author = reviewer(who, "demo-grc", "Priya Raman (GRC lead)");
    let risks = service.store.list_risks(who.tenant.id).await?;
    let vendors = service.store.list_vendors(who.tenant.id).await?;
    let risk = |n: usize| risks.get(n).map(|r| vec![r.id]).unwrap_or_default();
    let vendor = |n: usize| vendors.get(n).map(|v| vec![v.id]).unwrap_or_default();
    let assets = [
        (
            "Customer database",
            "data_store",
            "Platform team",
            "restricted",
            "critical",
            "eu-west-1",
            risk(1),
            vendor(0),
        ),
        (
            "File servers",
            "system",
            "IT operations",
            "confidential",
            "high",
            "London office",
            risk(0),
            Vec::new(),
        ),
        (
            "Payments service",
            "application",
            "Payments team",
            "restricted",
            "critical",
            "eu-west-1",
            Vec::new(),
            vendor(1),
        ),
        (
            "Staff laptops",
            "device",
            "IT operations",
            "confidential",
            "medium",
            "Offices and homes",
            Vec::new(),
            Vec::new(),
        ),
        (
            "Payroll run",
            "process",
            "People operations",
            "restricted",
            "high",
            "HR",
            Vec::new(),
            Vec::new(),
        ),
    ];
    let mut n = 0;
    for (name, kind, owner, classification, criticality, location, risk_ids, vendor_ids) in assets {
        service
            .create_asset(
                &author,
                &NewAsset {
                    name: name.to_owned(),
                    kind: kind.to_owned(),
                    owner: owner.to_owned(),
                    classification: classification.to_owned(),
                    criticality: criticality.to_owned(),
                    location: location.to_owned(),
                    risk_ids,
                    vendor_ids,
                    ..NewAsset::default()
                },
            )
            .await?;
        n += 1;
    }
    Ok(n)
}
