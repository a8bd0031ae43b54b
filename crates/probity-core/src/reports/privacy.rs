//! The privacy reports: the record of processing activities (GDPR Art. 30) — an overview
//! table and one block per activity with every field the article asks for, its DPIAs and
//! retention schedules — and the data protection officer's report (a period's requests,
//! response times, breaches and processing changes, see [`super::dpo_period`]; and as of now
//! open and overdue requests by regime, breach clocks, activities whose DPIA screening says
//! one is required but none is approved, recent retention runs).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use probity_report::{Cell, Fact, Report, Section, Table, Tone};

use super::ReportParams;
use super::audit::period;
use super::kinds::blank;
use crate::clock::ManualClock;
use crate::error::DomainResult;
use crate::platform::service::Principal;
use crate::privacy::breach::ClockStatus;
use crate::privacy::dpia::{DpiaState, DpiaView};
use crate::privacy::taxonomy::data_category;
use crate::privacy::{PrivacyService, ProcessingActivity};
use crate::store::Store;

fn service(store: &Arc<dyn Store>, now: DateTime<Utc>) -> PrivacyService {
    PrivacyService::new(Arc::clone(store), Arc::new(ManualClock::new(now)))
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none recorded".to_owned()
    } else {
        items.join(", ")
    }
}

fn activity_facts(a: &ProcessingActivity) -> Vec<Fact> {
    let categories: Vec<String> = a
        .data_categories
        .iter()
        .map(|c| match data_category(c) {
            Some(t) if t.special => format!("{c} (special)"),
            _ => c.clone(),
        })
        .collect();
    let mut facts = vec![
        Fact::new("Purposes", a.purposes.join("; ")),
        Fact::new("Legal basis (Art. 6)", a.legal_basis.as_str()),
    ];
    if let Some(c) = a.art9_condition {
        let (key, point, _) = c.describe();
        facts.push(Fact::new("Art. 9(2) condition", format!("({point}) {key}")));
    }
    facts.extend([
        Fact::new("Data categories", or_none(&categories)),
        Fact::new("Data subjects", or_none(&a.subject_categories)),
        Fact::new("Recipients", or_none(&a.recipients)),
        Fact::new(
            "Processors",
            or_none(
                &a.processors
                    .iter()
                    .map(|p| {
                        if p.contract_reference.is_empty() {
                            format!("{} ({})", p.name, p.country)
                        } else {
                            format!("{} ({}; {})", p.name, p.country, p.contract_reference)
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
        ),
        Fact::new(
            "Transfers",
            or_none(
                &a.transfers
                    .iter()
                    .map(crate::privacy::Transfer::label)
                    .collect::<Vec<_>>(),
            ),
        ),
        Fact::new(
            "Retention",
            if a.retention.is_empty() {
                "no note".to_owned()
            } else {
                a.retention.clone()
            },
        ),
        Fact::new(
            "Retention schedules",
            or_none(
                &a.retention_schedules
                    .iter()
                    .map(|l| format!("{} ({})", l.reference, l.label))
                    .collect::<Vec<_>>(),
            ),
        ),
        Fact::new("Security measures", or_none(&a.security_measures)),
        Fact::new(
            "DPIAs",
            or_none(
                &a.dpias
                    .iter()
                    .map(|l| format!("{} ({})", l.reference, l.label))
                    .collect::<Vec<_>>(),
            ),
        ),
        Fact::new("Last changed", a.updated_at.format("%Y-%m-%d")),
    ]);
    facts
}

/// The Art. 30 record.
pub(super) async fn records_of_processing(
    store: &Arc<dyn Store>,
    who: &Principal,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    let activities = service(store, now).activities(who).await?;
    let mut report = blank(
        "Record of processing activities",
        Some("GDPR Article 30(1)".to_owned()),
    );
    let special = activities
        .iter()
        .filter(|a| !a.special_categories().is_empty())
        .count();
    report.summary = vec![
        Fact::new("Activities", activities.len()),
        Fact::new("With special categories", special),
        Fact::new(
            "With transfers outside the EEA",
            activities
                .iter()
                .filter(|a| !a.transfers.is_empty())
                .count(),
        ),
        Fact::new(
            "Without a retention schedule",
            activities
                .iter()
                .filter(|a| a.retention_schedules.is_empty())
                .count(),
        ),
        Fact::new(
            "With a DPIA",
            activities.iter().filter(|a| !a.dpias.is_empty()).count(),
        ),
    ];
    let mut table = Table::new(
        "Activities",
        &[
            ("Ref", 0.7),
            ("Activity", 1.8),
            ("Basis", 1.0),
            ("Data categories", 2.0),
            ("Subjects", 1.2),
            ("Transfers", 1.0),
            ("DPIA", 0.8),
        ],
    );
    for a in &activities {
        table.push(vec![
            a.reference.clone().into(),
            a.name.clone().into(),
            match a.art9_condition {
                Some(c) => format!("{} + 9(2)({})", a.legal_basis.as_str(), c.describe().1),
                None => a.legal_basis.as_str().to_owned(),
            }
            .into(),
            a.data_categories.join(", ").into(),
            a.subject_categories.join(", ").into(),
            a.transfers
                .iter()
                .map(|t| t.destination.clone())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
            a.dpias
                .iter()
                .map(|l| l.reference.clone())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        ]);
    }
    let mut sections = vec![
        Section::new("Overview")
            .paragraph(
                "Each processing activity the organisation carries out as controller, with the \
                 information Article 30(1) asks for. Categories are keys of Probity's taxonomy; \
                 special categories name the Article 9(2) condition relied on.",
            )
            .table(table),
    ];
    for a in &activities {
        sections.push(Section::new(format!("{} {}", a.reference, a.name)).facts(activity_facts(a)));
    }
    report.sections = sections;
    Ok(report)
}

/// The data protection officer's report for the period of `params` (default: the 30 days up
/// to today), with the open requests and running clocks as of `now`.
pub(super) async fn privacy_dpo(
    store: &Arc<dyn Store>,
    who: &Principal,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    let period = period(params, now)?;
    let privacy = service(store, now);
    let requests = privacy.requests(who).await?;
    let breaches = privacy.breaches(who).await?;
    let activities = privacy.activities(who).await?;
    let dpias = privacy.dpias(who).await?;
    let runs = privacy.retention_runs(who, None).await?;
    let open: Vec<_> = requests
        .iter()
        .filter(|v| !v.request.state.is_closed())
        .collect();
    let overdue = open.iter().filter(|v| v.overdue).count();
    let running: Vec<_> = breaches
        .iter()
        .flat_map(|b| b.clocks.iter().map(move |c| (b, c)))
        .filter(|(_, c)| matches!(c.status, ClockStatus::Running | ClockStatus::Overdue))
        .collect();
    // An activity needs a DPIA when one of its DPIAs screens as required and none of those
    // is approved at its current version, or when it has none at all but lists a special
    // category.
    let approved = |d: &DpiaView| d.dpia.state == DpiaState::Approved;
    let missing: Vec<(&ProcessingActivity, String)> = activities
        .iter()
        .filter_map(|a| {
            let mine: Vec<&DpiaView> = dpias
                .iter()
                .filter(|d| d.dpia.content.activity_ids.contains(&a.id))
                .collect();
            if mine.iter().any(|d| approved(d)) {
                None
            } else if mine.iter().any(|d| d.screening.required) {
                Some((
                    a,
                    "screening says required; no DPIA approved at its current version".to_owned(),
                ))
            } else if mine.is_empty() && !a.special_categories().is_empty() {
                Some((
                    a,
                    format!(
                        "special categories ({}) and no DPIA",
                        a.special_categories().join(", ")
                    ),
                ))
            } else {
                None
            }
        })
        .collect();
    let (mut summary, period_sections) =
        super::dpo_period::period_sections(store.as_ref(), who, &requests, &breaches, period)
            .await?;
    let mut report = blank(
        "Data protection officer's report",
        Some(format!("{} to {}", period.first, period.last)),
    );
    summary.extend([
        Fact::new("Open requests", open.len()),
        Fact::new("Overdue requests", overdue),
        Fact::new("Breach clocks running or overdue", running.len()),
        Fact::new("Activities needing a DPIA", missing.len()),
        Fact::new("Retention runs recorded", runs.len()),
    ]);
    report.summary = summary;
    let mut by_regime: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for v in &open {
        let e = by_regime.entry(v.request.regime.as_str()).or_default();
        e.0 += 1;
        if v.overdue {
            e.1 += 1;
        }
    }
    let mut regimes = Table::new(
        "Requests by regime",
        &[("Regime", 1.0), ("Open", 1.0), ("Overdue", 1.0)],
    );
    for (regime, (n, late)) in &by_regime {
        regimes.push(vec![
            (*regime).into(),
            n.to_string().into(),
            if *late > 0 {
                Cell::toned(late.to_string(), Tone::Bad)
            } else {
                "0".into()
            },
        ]);
    }
    let mut open_table = Table::new(
        "Open requests",
        &[
            ("Ref", 0.7),
            ("Regime", 0.7),
            ("Kind", 1.0),
            ("State", 1.1),
            ("Due", 0.9),
            ("Days left", 0.7),
        ],
    );
    for v in &open {
        let r = &v.request;
        open_table.push(vec![
            r.reference.clone().into(),
            r.regime.as_str().into(),
            r.kind.as_str().into(),
            r.state.as_str().into(),
            if v.overdue {
                Cell::toned(r.due_date.to_string(), Tone::Bad)
            } else {
                r.due_date.to_string().into()
            },
            v.days_left.to_string().into(),
        ]);
    }
    let mut clocks = Table::new(
        "Breach clocks",
        &[
            ("Breach", 0.7),
            ("Title", 1.8),
            ("Regime", 0.7),
            ("Recipient", 1.3),
            ("Deadline", 1.2),
            ("Status", 0.8),
        ],
    );
    for b in &breaches {
        for c in &b.clocks {
            clocks.push(vec![
                b.breach.reference.clone().into(),
                b.breach.title.clone().into(),
                c.regime.as_str().into(),
                c.recipient.as_str().into(),
                c.deadline.format("%Y-%m-%d %H:%M").to_string().into(),
                Cell::toned(
                    c.status.as_str(),
                    match c.status {
                        ClockStatus::Overdue | ClockStatus::Late => Tone::Bad,
                        ClockStatus::Running => Tone::Warn,
                        _ => Tone::Good,
                    },
                ),
            ]);
        }
    }
    let mut needing = Table::new(
        "Activities needing a DPIA",
        &[("Ref", 0.7), ("Activity", 2.0), ("Why", 2.5)],
    );
    for (a, why) in &missing {
        needing.push(vec![
            a.reference.clone().into(),
            a.name.clone().into(),
            Cell::toned(why.clone(), Tone::Warn),
        ]);
    }
    let mut dpia_table = Table::new(
        "DPIAs",
        &[
            ("Ref", 0.7),
            ("Title", 2.0),
            ("Version", 0.6),
            ("State", 0.8),
            ("Required", 0.7),
            ("Residual", 0.7),
        ],
    );
    for d in &dpias {
        dpia_table.push(vec![
            d.dpia.reference.clone().into(),
            d.dpia.content.title.clone().into(),
            d.dpia.version.to_string().into(),
            Cell::toned(
                d.dpia.state.as_str(),
                match d.dpia.state {
                    DpiaState::Approved => Tone::Good,
                    DpiaState::Rejected => Tone::Bad,
                    _ => Tone::Warn,
                },
            ),
            if d.screening.required { "yes" } else { "no" }.into(),
            d.residual_level.map(|l| l.as_str()).unwrap_or("").into(),
        ]);
    }
    let mut run_table = Table::new(
        "Retention runs",
        &[
            ("When", 1.2),
            ("Schedule", 0.8),
            ("Category", 1.0),
            ("Erased", 0.6),
            ("Kept by hold", 0.8),
            ("Requests", 0.7),
        ],
    );
    for r in runs.iter().take(50) {
        run_table.push(vec![
            r.at.format("%Y-%m-%d %H:%M").to_string().into(),
            r.schedule_reference.clone().into(),
            r.data_category.clone().into(),
            r.audit_erased.to_string().into(),
            if r.audit_held > 0 {
                Cell::toned(r.audit_held.to_string(), Tone::Warn)
            } else {
                "0".into()
            },
            r.requests_redacted.len().to_string().into(),
        ]);
    }
    report.sections = period_sections;
    report.sections.extend([
        Section::new("Open data subject requests")
            .paragraph(format!("As of {}.", now.format("%Y-%m-%d %H:%M UTC")))
            .table(regimes)
            .table(open_table),
        Section::new("Breach clocks")
            .paragraph("Every breach's clocks as of the report's generation.")
            .table(clocks),
        Section::new("Impact assessments")
            .paragraph(
                "A DPIA is required when two or more high-risk criteria of the questionnaire \
                 hold; an activity is listed here when such a DPIA is not approved at its \
                 current version, or when it lists special categories and has no DPIA at all.",
            )
            .table(needing)
            .table(dpia_table),
        Section::new("Retention")
            .paragraph("The 50 latest runs of the retention schedules.")
            .table(run_table),
    ]);
    Ok(report)
}
