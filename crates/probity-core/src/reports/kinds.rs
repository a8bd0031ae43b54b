//! One builder per report kind: each reads its context's service (with the caller's
//! permissions) and fills the report model — cover figures, sections, tables, charts. Status
//! cells carry a tone so every rendering colours them the same way.

use chrono::{DateTime, Datelike, Duration, Utc};
use probity_report::charts::heat_map;
use probity_report::{Cell, Fact, Report, Section, Table, Tone};

use super::{ReportKind, ReportParams, ReportSources};
use crate::assurance::posture::GapStatus;
use crate::error::DomainResult;
use crate::platform::service::Principal;

/// Builds the model of `kind` as of `now`.
pub async fn build(
    sources: &ReportSources,
    who: &Principal,
    kind: ReportKind,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    let mut report = match kind {
        ReportKind::Compliance => compliance(sources, who, params).await?,
        ReportKind::StatementOfApplicability => soa(sources, who).await?,
        ReportKind::ControlMatrix => control_matrix(sources, who, params).await?,
        ReportKind::RiskRegister => risk_register(sources, who).await?,
        ReportKind::PolicyAcknowledgments => policy_acknowledgments(sources, who).await?,
        ReportKind::VendorScorecards => vendor_scorecards(sources, who, now).await?,
        ReportKind::SlaMonthly => sla_monthly(sources, who, params, now).await?,
        ReportKind::RecordsOfProcessing => {
            super::privacy::records_of_processing(&sources.store, who, now).await?
        }
        ReportKind::PrivacyDpo => {
            super::privacy::privacy_dpo(&sources.store, who, params, now).await?
        }
        ReportKind::AuditTrail => {
            super::audit::audit_trail(
                sources.store.as_ref(),
                sources.assurance.catalog(),
                who,
                params,
                now,
            )
            .await?
        }
    };
    report.kind = kind.as_str().to_owned();
    report.tenant.clone_from(&who.tenant.name);
    report.generated_at = now;
    Ok(report)
}

pub(super) fn blank(title: &str, subtitle: Option<String>) -> Report {
    Report {
        kind: String::new(),
        title: title.to_owned(),
        subtitle,
        tenant: String::new(),
        generated_at: DateTime::<Utc>::UNIX_EPOCH,
        summary: Vec::new(),
        sections: Vec::new(),
    }
}

fn percent(v: f64) -> String {
    format!("{v:.1}%")
}

fn gap_cell(s: GapStatus) -> Cell {
    let tone = match s {
        GapStatus::Met => Tone::Good,
        GapStatus::Partial => Tone::Warn,
        GapStatus::Gap => Tone::Bad,
        GapStatus::NotApplicable => Tone::Muted,
    };
    Cell::toned(s.as_str().replace('_', " "), tone)
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

async fn compliance(
    sources: &ReportSources,
    who: &Principal,
    params: &ReportParams,
) -> DomainResult<Report> {
    let scope = params.framework.as_deref().unwrap_or("soc2-2017");
    let data = sources.assurance.compliance_report_data(who, scope).await?;
    let st = &data.status;
    let mut report = blank(
        &format!("{} compliance report", st.name),
        Some(match &st.baseline {
            Some(b) => format!("{} · baseline {b}", st.framework),
            None => st.framework.clone(),
        }),
    );
    report.summary = vec![
        Fact::new("Score", percent(st.totals.percent)),
        Fact::new(
            "Requirements met",
            format!("{} of {}", st.totals.met, st.totals.requirements),
        ),
        Fact::new("Partly met", st.totals.partial),
        Fact::new("Gaps", st.totals.gap),
        Fact::new("Failing control tests", st.failing_tests.len()),
        Fact::new(
            "Evidence current / expiring / expired",
            format!(
                "{} / {} / {}",
                st.evidence.current, st.evidence.expiring, st.evidence.expired
            ),
        ),
    ];
    let mut overview = Section::new("Overview").paragraph(
        "The score weighs every applicable requirement by what its mapped controls, control \
         tests, evidence and the latest assessment show; not applicable requirements leave the \
         denominator.",
    );
    let mut facts = vec![Fact::new("Not applicable", st.totals.not_applicable)];
    if let Some(a) = &st.assessment {
        facts.push(Fact::new(
            "Latest assessment",
            format!(
                "{} v{} ({}), score {}, {} open findings",
                a.reference,
                a.version,
                a.state.as_str().replace('_', " "),
                percent(a.score),
                a.open_findings
            ),
        ));
    }
    if let Some(s) = &data.sign_off {
        facts.push(Fact::new(
            "Signed off",
            format!("{} by {}", day(s.signed_at), s.signed_by.name),
        ));
    }
    overview = overview.facts(facts);
    let mut reqs = Table::new(
        "Requirements",
        &[
            ("Requirement", 0.9),
            ("Title", 2.2),
            ("Status", 0.8),
            ("Assessed", 0.9),
            ("Controls", 1.8),
            ("Evidence", 1.3),
            ("Missing", 1.8),
        ],
    );
    for r in &data.requirements {
        reqs.push(vec![
            r.requirement.clone().into(),
            r.title.clone().into(),
            gap_cell(r.status),
            r.assessed
                .map(|a| a.as_str().replace('_', " "))
                .unwrap_or_else(|| "—".to_owned())
                .into(),
            list(&r.controls).into(),
            r.evidence
                .iter()
                .map(|e| format!("{} v{}", e.reference, e.version))
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
            list(&r.missing).into(),
        ]);
    }
    let mut tests = Table::new(
        "Failing tests",
        &[
            ("Test", 1.0),
            ("Title", 2.5),
            ("Result", 0.8),
            ("Controls", 1.5),
            ("Last run", 1.0),
        ],
    );
    for t in &st.failing_tests {
        tests.push(vec![
            t.key.clone().into(),
            t.title.clone().into(),
            Cell::toned(t.result.as_str(), Tone::Bad),
            list(&t.control_ids).into(),
            t.last_run_at.map(day).unwrap_or_default().into(),
        ]);
    }
    let mut findings = Table::new(
        "Findings",
        &[
            ("Finding", 0.7),
            ("Title", 2.2),
            ("Severity", 0.8),
            ("Status", 0.8),
            ("Requirements", 1.3),
            ("Remediation", 2.4),
        ],
    );
    for f in &data.findings {
        let severity = f.severity.as_str();
        let tone = match severity {
            "critical" | "high" => Tone::Bad,
            "medium" => Tone::Warn,
            _ => Tone::Plain,
        };
        findings.push(vec![
            f.id.clone().into(),
            f.title.clone().into(),
            Cell::toned(severity, tone),
            f.status.as_str().replace('_', " ").into(),
            list(&f.requirement_ids).into(),
            f.remediation
                .iter()
                .map(|r| {
                    format!(
                        "{} ({}, due {}, {})",
                        r.title,
                        r.owner,
                        r.due,
                        r.status.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
        ]);
    }
    report.sections = vec![
        overview,
        Section::new("Requirements").table(reqs),
        Section::new("Failing control tests").table(tests),
        Section::new("Findings and remediation (POA&M)").table(findings),
    ];
    Ok(report)
}

async fn soa(sources: &ReportSources, who: &Principal) -> DomainResult<Report> {
    let rows = sources.assurance.statement_of_applicability(who).await?;
    let applicable = rows.iter().filter(|r| r.applicable).count();
    let implemented = rows
        .iter()
        .filter(|r| r.applicable && r.implemented.eq_ignore_ascii_case("implemented"))
        .count();
    let mut report = blank(
        "Statement of Applicability",
        Some("ISO/IEC 27001:2022 Annex A".to_owned()),
    );
    report.summary = vec![
        Fact::new("Annex A controls", rows.len()),
        Fact::new("Applicable", applicable),
        Fact::new("Excluded", rows.len().saturating_sub(applicable)),
        Fact::new("Implemented", implemented),
    ];
    let mut table = Table::new(
        "Statement of Applicability",
        &[
            ("Control", 0.7),
            ("Title", 2.2),
            ("Applicable", 0.8),
            ("Justification", 2.4),
            ("Implemented", 1.0),
            ("Owners", 1.1),
            ("Unified controls", 1.1),
            ("Evidence", 0.7),
        ],
    );
    for r in &rows {
        table.push(vec![
            r.control.clone().into(),
            r.title.clone().into(),
            if r.applicable {
                Cell::toned("yes", Tone::Plain)
            } else {
                Cell::toned("no", Tone::Muted)
            },
            r.justification.clone().into(),
            Cell::toned(
                r.implemented.clone(),
                match r.implemented.as_str() {
                    "implemented" => Tone::Good,
                    "partially implemented" | "planned" => Tone::Warn,
                    "not implemented" => Tone::Bad,
                    _ => Tone::Plain,
                },
            ),
            list(&r.owners).into(),
            list(&r.unified_controls).into(),
            r.evidence.to_string().into(),
        ]);
    }
    report.sections = vec![
        Section::new("Annex A controls")
            .paragraph(
                "Applicability and justification come from the latest ISO 27001 assessment and \
                 the control library; implementation from the mapped unified controls; evidence \
                 counts the current evidence items linked to the control.",
            )
            .table(table),
    ];
    Ok(report)
}

async fn control_matrix(
    sources: &ReportSources,
    who: &Principal,
    params: &ReportParams,
) -> DomainResult<Report> {
    let scope = params.framework.as_deref().unwrap_or("soc2-2017");
    let rows = sources.assurance.control_matrix(who, scope).await?;
    let met = rows.iter().filter(|r| r.status == GapStatus::Met).count();
    let gaps = rows.iter().filter(|r| r.status == GapStatus::Gap).count();
    let mut report = blank("Control matrix", Some(scope.to_owned()));
    report.summary = vec![
        Fact::new("Requirements", rows.len()),
        Fact::new("Met", met),
        Fact::new("Gaps", gaps),
    ];
    let mut table = Table::new(
        "Control matrix",
        &[
            ("Requirement", 0.9),
            ("Title", 2.2),
            ("Controls", 1.6),
            ("Owners", 1.2),
            ("Health", 0.9),
            ("Evidence", 0.7),
            ("Status", 0.8),
            ("Assessed", 1.0),
        ],
    );
    for r in &rows {
        let health = r.health.as_str();
        table.push(vec![
            r.requirement.clone().into(),
            r.title.clone().into(),
            list(&r.controls).into(),
            list(&r.owners).into(),
            Cell::toned(
                health.replace('_', " "),
                match health {
                    "passing" => Tone::Good,
                    "failing" => Tone::Bad,
                    "erroring" => Tone::Warn,
                    _ => Tone::Muted,
                },
            ),
            r.evidence.to_string().into(),
            gap_cell(r.status),
            r.assessed
                .map(|a| a.as_str().replace('_', " "))
                .unwrap_or_else(|| "—".to_owned())
                .into(),
        ]);
    }
    report.sections = vec![Section::new("Requirements and controls").table(table)];
    Ok(report)
}

async fn risk_register(sources: &ReportSources, who: &Principal) -> DomainResult<Report> {
    let register = sources.governance.risks(who).await?;
    let m = &register.settings.matrix;
    let map = |grid: &[Vec<u32>], which: &str| {
        heat_map(
            grid,
            &m.likelihood,
            &m.impact,
            &|score| m.level(score),
            &format!("Open risks by {which} likelihood and impact"),
        )
    };
    let residual = map(&register.residual_heat_map, "residual");
    let inherent = map(&register.inherent_heat_map, "inherent");
    let exceeding = register.items.iter().filter(|r| r.exceeds_appetite).count();
    let overdue = register.items.iter().filter(|r| r.review_overdue).count();
    let mut report = blank("Risk register", None);
    report.summary = vec![
        Fact::new("Risks", register.items.len()),
        Fact::new("Above appetite", exceeding),
        Fact::new("Reviews overdue", overdue),
    ];
    let mut table = Table::new(
        "Risks",
        &[
            ("Risk", 0.6),
            ("Title", 2.0),
            ("Category", 0.9),
            ("Owner", 1.0),
            ("Inherent", 0.8),
            ("Residual", 0.8),
            ("Treatment", 0.8),
            ("Appetite", 0.7),
            ("Status", 0.7),
            ("Next review", 0.9),
        ],
    );
    let level_tone = |level: &str| match level {
        "critical" | "high" => Tone::Bad,
        "medium" => Tone::Warn,
        "low" => Tone::Good,
        _ => Tone::Plain,
    };
    for v in &register.items {
        let r = &v.risk;
        table.push(vec![
            r.reference.clone().into(),
            r.title.clone().into(),
            r.category.as_str().into(),
            r.owner.clone().into(),
            Cell::toned(
                format!("{} {}", v.inherent_score, v.inherent_level),
                level_tone(&v.inherent_level),
            ),
            Cell::toned(
                format!("{} {}", v.residual_score, v.residual_level),
                level_tone(&v.residual_level),
            ),
            r.treatment.as_str().into(),
            if v.exceeds_appetite {
                Cell::toned(
                    format!("exceeded ({})", v.appetite.unwrap_or_default()),
                    Tone::Bad,
                )
            } else {
                v.appetite.map(|a| a.to_string()).unwrap_or_default().into()
            },
            r.status.as_str().into(),
            if v.review_overdue {
                Cell::toned(day(r.next_review), Tone::Bad)
            } else {
                day(r.next_review).into()
            },
        ]);
    }
    report.sections = vec![
        Section::new("Heat maps")
            .paragraph(
                "Counts of open risks in each likelihood × impact cell; the colour is the band \
                 of the cell's score on the tenant's matrix.",
            )
            .chart(residual, "Residual risk")
            .chart(inherent, "Inherent risk"),
        Section::new("Register").table(table),
    ];
    Ok(report)
}

async fn policy_acknowledgments(sources: &ReportSources, who: &Principal) -> DomainResult<Report> {
    let policies = sources.governance.policies(who).await?;
    let published: Vec<_> = policies.iter().filter(|p| p.published.is_some()).collect();
    let average = if published.is_empty() {
        0.0
    } else {
        published.iter().map(|p| p.acknowledgment_rate).sum::<f64>() / published.len() as f64
    };
    let mut report = blank("Policy acknowledgments", None);
    report.summary = vec![
        Fact::new("Policies", policies.len()),
        Fact::new("Published", published.len()),
        Fact::new("Average acknowledgment", percent(average)),
    ];
    let mut table = Table::new(
        "Policies",
        &[
            ("Policy", 1.0),
            ("Title", 2.2),
            ("Owner", 1.1),
            ("Published version", 0.9),
            ("Acknowledged", 1.0),
            ("Rate", 0.7),
            ("Review due", 0.9),
        ],
    );
    let tone = |rate: f64| {
        if rate >= 95.0 {
            Tone::Good
        } else if rate >= 75.0 {
            Tone::Warn
        } else {
            Tone::Bad
        }
    };
    let mut groups = Table::new(
        "Acknowledgment by group",
        &[
            ("Policy", 1.0),
            ("Group", 1.4),
            ("Acknowledged", 1.0),
            ("Rate", 0.7),
        ],
    );
    for p in published.iter() {
        for g in &p.acknowledgment_by_group {
            groups.push(vec![
                p.policy.key.clone().into(),
                g.group.clone().into(),
                format!("{} of {}", g.acknowledged, g.members).into(),
                Cell::toned(percent(g.rate), tone(g.rate)),
            ]);
        }
    }
    for p in &policies {
        // The view's rate is already a percentage (0–100).
        let rate = p.acknowledgment_rate;
        table.push(vec![
            p.policy.key.clone().into(),
            p.policy.title.clone().into(),
            p.policy.owner.clone().into(),
            p.published.map_or_else(
                || Cell::toned("not published", Tone::Muted),
                |v| Cell::from(format!("v{v}")),
            ),
            format!("{} of {}", p.acknowledged, p.members).into(),
            if p.published.is_none() {
                Cell::toned("—", Tone::Muted)
            } else {
                Cell::toned(percent(rate), tone(rate))
            },
            p.review_due.map(day).unwrap_or_default().into(),
        ]);
    }
    report.sections = vec![
        Section::new("Acknowledgment status")
            .paragraph(
                "Members who acknowledged the currently published version of each policy, out \
                 of the tenant's members; 95% or more reads as good, under 75% as poor.",
            )
            .table(table),
        Section::new("By group")
            .paragraph(
                "The same for each group of members (set on the member); members without a \
                 group count under (none), and a member in several groups counts in each.",
            )
            .table(groups),
    ];
    Ok(report)
}

async fn vendor_scorecards(
    sources: &ReportSources,
    who: &Principal,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    let vendors = sources.governance.vendors(who).await?;
    let due = vendors.iter().filter(|v| v.assessment_due).count();
    let mut report = blank("Vendor scorecards", None);
    report.summary = vec![
        Fact::new("Vendors", vendors.len()),
        Fact::new("Assessments due", due),
        Fact::new(
            "Critical or high tier",
            vendors
                .iter()
                .filter(|v| matches!(v.vendor.tier.as_str(), "critical" | "high"))
                .count(),
        ),
    ];
    let mut table = Table::new(
        "Vendors",
        &[
            ("Vendor", 0.7),
            ("Name", 1.6),
            ("Tier", 0.7),
            ("Owner", 1.0),
            ("Score", 0.7),
            ("Risk rating", 0.8),
            ("Next assessment", 1.0),
            ("Contract end", 0.9),
            ("Documents expiring", 1.3),
        ],
    );
    for v in &vendors {
        let (score, rating) = match &v.latest {
            Some(s) => (
                percent(s.overall.score),
                Cell::toned(
                    s.rating.clone(),
                    match s.rating.as_str() {
                        "low" => Tone::Good,
                        "high" => Tone::Bad,
                        _ => Tone::Warn,
                    },
                ),
            ),
            None => ("—".to_owned(), Cell::toned("not assessed", Tone::Muted)),
        };
        table.push(vec![
            v.vendor.reference.clone().into(),
            v.vendor.name.clone().into(),
            v.vendor.tier.as_str().into(),
            v.vendor.owner.clone().into(),
            score.into(),
            rating,
            if v.assessment_due {
                Cell::toned(day(v.vendor.next_assessment), Tone::Bad)
            } else {
                day(v.vendor.next_assessment).into()
            },
            match v.vendor.contract_end {
                Some(end) if end < now.date_naive() => Cell::toned(end.to_string(), Tone::Bad),
                Some(end) => end.to_string().into(),
                None => "".into(),
            },
            list(&v.documents_expiring).into(),
        ]);
    }
    report.sections = vec![Section::new("Scorecards").table(table)];
    Ok(report)
}

async fn sla_monthly(
    sources: &ReportSources,
    who: &Principal,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    let (year, month) = match &params.month {
        Some(m) => crate::service_level::parse_month(m)?,
        None => {
            let last = now.date_naive().with_day(1).unwrap_or_default() - Duration::days(1);
            (last.year(), last.month())
        }
    };
    let data = sources
        .service_levels
        .period_report(who, year, month, params.customer.as_deref())
        .await?;
    let met = data.lines.iter().filter(|l| l.met == Some(true)).count();
    let missed = data.lines.iter().filter(|l| l.met == Some(false)).count();
    let credits: f64 = data
        .lines
        .iter()
        .filter_map(|l| l.credit.as_ref().map(|c| c.quote.amount))
        .sum();
    let currency = data
        .lines
        .iter()
        .find_map(|l| l.credit.as_ref().map(|c| c.currency.clone()))
        .unwrap_or_default();
    let mut report = blank(
        "Monthly SLA report",
        Some(match &params.customer {
            Some(c) => format!("{year}-{month:02} · customer {c}"),
            None => format!("{year}-{month:02}"),
        }),
    );
    report.summary = vec![
        Fact::new("SLOs", data.lines.len()),
        Fact::new("Met", met),
        Fact::new("Missed", missed),
        Fact::new(
            "Violations",
            data.lines.iter().map(|l| l.violations).sum::<usize>(),
        ),
        Fact::new(
            "Credits",
            format!("{credits:.2} {currency}").trim().to_owned(),
        ),
    ];
    let mut table = Table::new(
        "SLA",
        &[
            ("Service", 1.3),
            ("Customer", 1.0),
            ("SLO", 1.6),
            ("Metric", 1.1),
            ("Target", 0.7),
            ("Achieved", 0.8),
            ("Result", 0.7),
            ("Violations", 0.7),
            ("Credit", 1.0),
        ],
    );
    for l in &data.lines {
        table.push(vec![
            l.service.clone().into(),
            l.customer.clone().into(),
            l.slo.clone().into(),
            l.metric.as_str().replace('_', " ").into(),
            format!("{}%", l.target_percent).into(),
            l.compliance_percent
                .map(|p| format!("{p:.3}%"))
                .unwrap_or_else(|| "no data".to_owned())
                .into(),
            match l.met {
                Some(true) => Cell::toned("met", Tone::Good),
                Some(false) => Cell::toned("missed", Tone::Bad),
                None => Cell::toned("no data", Tone::Muted),
            },
            l.violations.to_string().into(),
            l.credit
                .as_ref()
                .map(|c| {
                    format!(
                        "{}% = {:.2} {} ({})",
                        c.quote.credit_percent,
                        c.quote.amount,
                        c.currency,
                        c.status.as_str()
                    )
                })
                .unwrap_or_default()
                .into(),
        ]);
    }
    report.sections = vec![
        Section::new("Service levels")
            .paragraph(format!(
                "Compliance of every SLO over {} to {} (UTC), against its target; credits are \
                 those the month's misses earned under each SLA's schedule.",
                day(data.period.start),
                day(data.period.end - Duration::seconds(1))
            ))
            .table(table),
    ];
    Ok(report)
}
