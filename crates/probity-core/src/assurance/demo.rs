//! Demo assurance: evidence in every freshness state (current, expiring, expired; files and
//! JSON documents, one with two versions), the starter pack of control tests with a mix of
//! passing and failing results (pushed example inputs and Probity's own state), a decision
//! policy with one decision, and a SOC 2 assessment in progress with results, findings and a
//! remediation plan beside an ISO 27001 assessment the demo user led and signed off.

use base64::Engine as _;
use chrono::{Duration, NaiveDate};

use super::AssuranceService;
use super::assessment::{FindingInput, NewAssessment, NewSignOff, RemediationInput, ResultInput};
use super::evidence::{EvidenceContent, NewEvidence, NewEvidenceVersion};
use super::model::*;
use super::monitor::NewDecisionPolicy;
use super::starter::starter_pack;
use crate::error::DomainResult;
use crate::platform::model::UserId;
use crate::platform::service::Principal;

/// What the demo recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// Evidence items.
    pub evidence: usize,
    /// Control tests.
    pub tests: usize,
    /// Assessments.
    pub assessments: usize,
}

fn file(name: &str, media: &str, text: &str) -> EvidenceContent {
    EvidenceContent::File {
        file_name: name.to_owned(),
        media_type: Some(media.to_owned()),
        content_base64: base64::engine::general_purpose::STANDARD.encode(text),
    }
}

/// A demo item: title, description, controls, requirements, validity, owner, days since
/// collection.
type Item<'a> = (
    &'a str,
    &'a str,
    &'a [&'a str],
    &'a [&'a str],
    Option<u32>,
    &'a str,
    i64,
);

fn item(
    (title, description, controls, requirements, validity_days, owner, days_ago): Item<'_>,
    now: chrono::DateTime<chrono::Utc>,
    content: EvidenceContent,
) -> NewEvidence {
    NewEvidence {
        title: title.to_owned(),
        description: Some(description.to_owned()),
        tags: vec!["demo".to_owned()],
        control_ids: controls.iter().map(|c| (*c).to_owned()).collect(),
        requirement_ids: requirements.iter().map(|r| (*r).to_owned()).collect(),
        validity_days,
        owner: Some(owner.to_owned()),
        collected_at: Some(now - Duration::days(days_ago)),
        content,
    }
}

fn result(status: ResultStatus, rationale: &str, evidence: &[EvidenceId]) -> ResultInput {
    ResultInput {
        status,
        rationale: Some(rationale.to_owned()),
        evidence_ids: evidence.to_vec(),
        reviewed: true,
    }
}

/// Records the demo; `lead` (the demo user) leads both assessments and signs the ISO one off.
pub async fn seed(
    service: &AssuranceService,
    who: &Principal,
    lead: Option<UserId>,
) -> DomainResult<DemoReport> {
    let now = service.clock.now();
    let today = now.date_naive();
    let mut report = DemoReport::default();
    let mut ids = Vec::new();
    let items = [
        item(
            (
                "Quarterly user access review, Q3",
                "Export of the identity provider's review campaign: every account with its reviewer's decision.",
                &["IAM-06", "IAM-05"],
                &["soc2-2017:CC6.2", "iso27001-2022:A.5.18"],
                Some(92),
                "Security engineering",
                20,
            ),
            now,
            file(
                "access-review-q3.csv",
                "text/csv",
                "account,reviewer,decision\nalice@example.com,dana,keep\nbob@example.com,dana,revoke\n",
            ),
        ),
        item(
            (
                "Identity provider MFA policy",
                "The sign-on policy as exported from the identity provider's admin API.",
                &["IAM-09"],
                &["soc2-2017:CC6.1"],
                Some(90),
                "IT operations",
                10,
            ),
            now,
            EvidenceContent::Json {
                document: serde_json::json!({"policy": "all-users", "factors": ["webauthn", "totp"], "enforced": true}),
            },
        ),
        item(
            (
                "Storage encryption settings",
                "Default encryption of every bucket and volume, from the cloud provider's configuration API.",
                &["CRY-02"],
                &["soc2-2017:CC6.1", "iso27001-2022:A.8.24"],
                None,
                "Platform engineering",
                5,
            ),
            now,
            EvidenceContent::Json {
                document: serde_json::json!({"buckets": [{"name": "prod-data", "encryption": "aws:kms"}, {"name": "prod-logs", "encryption": "AES256"}]}),
            },
        ),
        item(
            (
                "Backup restore test report",
                "Restore of the production database into an isolated account, with timings and checks.",
                &["BCP-04", "BCP-05"],
                &["soc2-2017:A1.3"],
                Some(120),
                "Site reliability",
                30,
            ),
            now,
            file(
                "restore-test.md",
                "text/markdown",
                "# Restore test\n\nRestored 412 GB in 38 minutes; row counts and checksums matched.\n",
            ),
        ),
        item(
            (
                "External penetration test summary",
                "Executive summary of last year's external test; the follow-up test is overdue.",
                &["VUL-03"],
                &["soc2-2017:CC4.1"],
                Some(365),
                "Security engineering",
                400,
            ),
            now,
            file(
                "pentest-summary.txt",
                "text/plain",
                "Two medium findings, both remediated and retested.\n",
            ),
        ),
        item(
            (
                "Security awareness training completions",
                "Completion export from the learning platform.",
                &["HRS-03"],
                &["soc2-2017:CC2.2"],
                Some(30),
                "People operations",
                22,
            ),
            now,
            file(
                "training-completions.csv",
                "text/csv",
                "person,completed\nalice,2026-10-30\nbob,2026-11-01\n",
            ),
        ),
    ];
    for req in &items {
        let view = service.create_evidence(who, req).await?;
        ids.push(view.item.id);
        report.evidence += 1;
    }
    if let Some(first) = ids.first() {
        service
            .add_evidence_version(who, *first, &NewEvidenceVersion {
                collected_at: Some(now - Duration::days(2)),
                note: Some("Re-exported after two late reviewer decisions.".to_owned()),
                content: file(
                    "access-review-q3.csv",
                    "text/csv",
                    "account,reviewer,decision\nalice@example.com,dana,keep\nbob@example.com,dana,revoke\ncarol@example.com,marcus,keep\n",
                ),
            })
            .await?;
    }

    // Control tests: the starter pack, half fed passing inputs and a few failing ones.
    let tests = service.install_starter_pack(who).await?;
    report.tests = tests.len();
    for (i, t) in tests.iter().enumerate() {
        let Some(s) = starter_pack().iter().find(|s| s.id == t.key) else {
            continue;
        };
        if t.collector == Collector::Push {
            let text = if i % 4 == 1 {
                &s.fail_input
            } else {
                &s.pass_input
            };
            if let Ok(input) = serde_json::from_str::<serde_json::Value>(text) {
                service.push_input(who, t.id, &input).await?;
            }
        } else {
            service.run_control_test(who, t.id).await?;
        }
    }

    service
        .put_decision_policy(
            who,
            "production-deploy",
            &NewDecisionPolicy {
                title: "Production deployments need a reviewed change and a green pipeline"
                    .to_owned(),
                rego: DEPLOY_POLICY.to_owned(),
            },
        )
        .await?;
    service
        .decide(
            who,
            "production-deploy",
            serde_json::json!({"change": {"id": "CHG-1042", "approved_by": ["dana"], "author": "bob"}, "pipeline": {"status": "passed"}}),
        )
        .await?;

    // Assessments, led by the demo user when there is one.
    let lead_who = match lead {
        Some(u) => Principal {
            user_id: Some(u),
            actor: crate::audit::Actor {
                kind: crate::audit::ActorKind::User,
                id: u.to_string(),
                display: service
                    .store
                    .user_by_id(u)
                    .await?
                    .map_or_else(|| "Demo lead assessor".to_owned(), |x| x.display_name),
            },
            ..who.clone()
        },
        None => who.clone(),
    };
    let year = today
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026);
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let iso = service
        .create_assessment(&lead_who, &NewAssessment {
            title: Some(format!("ISO/IEC 27001:2022 surveillance audit {year}")),
            framework: "iso27001-2022".to_owned(),
            scope: "The SaaS platform, its production cloud accounts and the people who operate them.".to_owned(),
            period_start: start,
            period_end: today,
            lead,
            team: Vec::new(),
        })
        .await?;
    let iso_id = iso.assessment.id;
    let iso_results = [
        (
            "A.5.15",
            ResultStatus::Compliant,
            "Access control policy published and enforced through the identity provider.",
        ),
        (
            "A.5.18",
            ResultStatus::Compliant,
            "Quarterly access reviews completed with documented decisions.",
        ),
        (
            "A.8.24",
            ResultStatus::Compliant,
            "Storage encryption on by default; keys in the provider's KMS.",
        ),
        (
            "A.8.5",
            ResultStatus::PartiallyCompliant,
            "MFA enforced for staff; two service accounts still use passwords.",
        ),
        (
            "A.7.4",
            ResultStatus::NotApplicable,
            "No physical premises in scope: fully remote company, cloud hosting only.",
        ),
    ];
    for (req, status, why) in iso_results {
        let evidence: Vec<EvidenceId> = ids.iter().take(3).copied().collect();
        if service
            .record_requirement(&lead_who, iso_id, req, &result(status, why, &evidence))
            .await
            .is_err()
        {
            tracing::warn!(requirement = req, "demo ISO result not recorded");
        }
    }
    let iso = service
        .add_finding(
            &lead_who,
            iso_id,
            &FindingInput {
                title: "Service accounts without MFA".to_owned(),
                severity: FindingSeverity::Medium,
                description: Some(
                    "Two CI service accounts authenticate with long-lived passwords.".to_owned(),
                ),
                requirement_ids: vec!["A.8.5".to_owned()],
                control_ids: vec!["IAM-12".to_owned()],
                status: None,
                remediation: vec![RemediationInput {
                    title: "Move CI to workload identity federation".to_owned(),
                    owner: "Platform engineering".to_owned(),
                    due: today + Duration::days(45),
                    milestones: vec![Milestone {
                        title: "Pilot on the staging pipeline".to_owned(),
                        due: today + Duration::days(15),
                        done: false,
                    }],
                    status: Some(RemediationStatus::InProgress),
                }],
            },
        )
        .await?;
    report.assessments += 1;
    if lead.is_some() {
        service
            .sign_off(
                &lead_who,
                iso_id,
                &NewSignOff {
                    content_sha256: iso.content_sha256.clone(),
                    statement: Some(
                        "Surveillance audit complete; one medium finding with an agreed plan."
                            .to_owned(),
                    ),
                },
            )
            .await?;
    }

    let soc = service
        .create_assessment(
            &lead_who,
            &NewAssessment {
                title: Some(format!("SOC 2 Type II readiness {year}")),
                framework: "soc2-2017".to_owned(),
                scope: "Security, availability and confidentiality criteria for the SaaS platform."
                    .to_owned(),
                period_start: start,
                period_end: today,
                lead,
                team: Vec::new(),
            },
        )
        .await?;
    let soc_id = soc.assessment.id;
    let soc_results = [
        (
            "CC6.1",
            ResultStatus::Compliant,
            "Logical access through SSO with MFA; encryption at rest.",
        ),
        (
            "CC6.2",
            ResultStatus::Compliant,
            "Joiner workflow with manager approval; quarterly reviews.",
        ),
        (
            "CC6.3",
            ResultStatus::PartiallyCompliant,
            "Leaver removal within one day for most systems; two laggards.",
        ),
        (
            "CC7.2",
            ResultStatus::Compliant,
            "Security events monitored with paging on high severity.",
        ),
        (
            "CC4.1",
            ResultStatus::NonCompliant,
            "The annual penetration test is overdue.",
        ),
        (
            "A1.2",
            ResultStatus::Compliant,
            "Multi-zone deployment with tested failover.",
        ),
        (
            "A1.3",
            ResultStatus::Compliant,
            "Quarterly restore tests with recorded results.",
        ),
        (
            "CC2.2",
            ResultStatus::PartiallyCompliant,
            "Training completion at 91%; target 100%.",
        ),
    ];
    for (req, status, why) in soc_results {
        if service
            .record_requirement(&lead_who, soc_id, req, &result(status, why, &[]))
            .await
            .is_err()
        {
            tracing::warn!(requirement = req, "demo SOC 2 result not recorded");
        }
    }
    service
        .add_finding(
            &lead_who,
            soc_id,
            &FindingInput {
                title: "Penetration test overdue".to_owned(),
                severity: FindingSeverity::High,
                description: Some("The last external test is more than 12 months old.".to_owned()),
                requirement_ids: vec!["CC4.1".to_owned()],
                control_ids: vec!["VUL-03".to_owned()],
                status: None,
                remediation: vec![RemediationInput {
                    title: "Commission the annual external test".to_owned(),
                    owner: "Security engineering".to_owned(),
                    due: today + Duration::days(30),
                    milestones: Vec::new(),
                    status: None,
                }],
            },
        )
        .await?;
    service
        .add_finding(
            &lead_who,
            soc_id,
            &FindingInput {
                title: "Leaver access removal late in two systems".to_owned(),
                severity: FindingSeverity::Low,
                description: Some(
                    "Analytics and the support desk are not wired to the identity provider."
                        .to_owned(),
                ),
                requirement_ids: vec!["CC6.3".to_owned()],
                control_ids: vec!["IAM-05".to_owned()],
                status: None,
                remediation: Vec::new(),
            },
        )
        .await?;
    report.assessments += 1;
    Ok(report)
}

/// The demo decision policy.
pub const DEPLOY_POLICY: &str = r#"package probity.decisions.production_deploy

import rego.v1

default allow := false

allow if {
	input.pipeline.status == "passed"
	count(approvers) > 0
}

approvers contains a if {
	some a in input.change.approved_by
	a != input.change.author
}

reasons contains "the pipeline has not passed" if input.pipeline.status != "passed"

reasons contains "no approval by someone other than the author" if count(approvers) == 0
"#;
