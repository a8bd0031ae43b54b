//! The audit trail report: one tenant's audit events over a period, optionally narrowed to the
//! events that name one framework's controls — counts by category, severity, outcome and type,
//! a daily activity chart, the most active actors and resources, the high and critical events,
//! and the ledger checkpoint that covers the period, so that every event counted can be proved
//! to be in the signed log.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use probity_report::charts::{Bar, ChartSize, bar_chart};
use probity_report::{Cell, Fact, Report, Section, Table, Tone};

use super::ReportParams;
use crate::audit::event::{EventOutcome, Severity};
use crate::audit::index::{Bucket, Count, EventFilter, EventStatistics, IndexPage};
use crate::catalog::Catalog;
use crate::error::{DomainError, DomainResult};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

/// Longest period one report covers.
pub const MAX_DAYS: i64 = 366;
/// Most high and critical events listed one by one.
pub const MAX_LISTED: u32 = 200;
/// Most control ids a framework filter matches (requirements and mapped controls).
pub const MAX_CONTROL_IDS: usize = 2000;

/// A period of whole UTC days: `from` 00:00 up to the end of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub first: NaiveDate,
    /// Last day (inclusive).
    pub last: NaiveDate,
}

impl Period {
    /// Start instant.
    pub fn start(self) -> DateTime<Utc> {
        self.first.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The instant after the last day.
    pub fn end(self) -> DateTime<Utc> {
        self.last.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(1)
    }
}

fn date(field: &str, value: &str) -> DomainResult<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        DomainError::invalid(
            format!("params.{field}"),
            format!("{value:?} is not a date; write it as YYYY-MM-DD"),
        )
    })
}

/// The period of `params` (`from` and `to` are inclusive dates; default: the 30 days up to
/// today), checked: `from` not after `to`, at most [`MAX_DAYS`] days.
pub fn period(params: &ReportParams, now: DateTime<Utc>) -> DomainResult<Period> {
    let today = now.date_naive();
    let last = match &params.to {
        Some(t) => date("to", t)?,
        None => today,
    };
    let first = match &params.from {
        Some(f) => date("from", f)?,
        None => last - Duration::days(29),
    };
    if first > last {
        return Err(DomainError::invalid(
            "params.from",
            format!("{first} is after the period's last day {last}"),
        ));
    }
    if (last - first).num_days() >= MAX_DAYS {
        return Err(DomainError::invalid(
            "params.to",
            format!("a report covers at most {MAX_DAYS} days; split the period"),
        ));
    }
    Ok(Period { first, last })
}

/// Checks the dates of `params` without a clock: each one a date and, when both are given,
/// a period [`period`] accepts (scheduled reports are checked when they are created).
pub fn check(params: &ReportParams) -> DomainResult<()> {
    if let Some(f) = &params.from {
        date("from", f)?;
    }
    match (&params.from, &params.to) {
        (_, None) => Ok(()),
        (None, Some(t)) => date("to", t).map(|_| ()),
        (Some(_), Some(t)) => {
            let last = date("to", t)?;
            period(params, last.and_time(chrono::NaiveTime::MIN).and_utc()).map(|_| ())
        }
    }
}

/// The control ids of a framework as events name them: its requirement ids and the ids of
/// the unified controls mapped to any of them.
pub fn framework_control_ids(catalog: &Catalog, framework: &str) -> DomainResult<Vec<String>> {
    let fw = catalog.framework(framework).ok_or_else(|| {
        DomainError::invalid(
            "params.framework",
            format!("{framework:?} is not a framework id; `probity catalog frameworks` lists them"),
        )
    })?;
    let mut ids: Vec<String> = Vec::new();
    for r in &fw.requirements {
        ids.push(r.id.clone());
        for link in catalog.links_of(framework, &r.id) {
            if link.to_framework == framework && catalog.control(&link.from).is_some() {
                ids.push(link.from.clone());
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids.truncate(MAX_CONTROL_IDS);
    Ok(ids)
}

fn count_table(name: &str, key: &str, counts: &[Count], total: u64) -> Table {
    let mut table = Table::new(name, &[(key, 2.0), ("Events", 0.8), ("Share", 0.8)]);
    for c in counts {
        let share = if total == 0 {
            0.0
        } else {
            c.count as f64 * 100.0 / total as f64
        };
        table.push(vec![
            c.key.replace('_', " ").into(),
            c.count.to_string().into(),
            format!("{share:.1}%").into(),
        ]);
    }
    table
}

fn count_of(counts: &[Count], key: &str) -> u64 {
    counts
        .iter()
        .filter(|c| c.key == key)
        .map(|c| c.count)
        .sum()
}

fn daily_chart(stats: &EventStatistics, period: Period) -> String {
    let days = (period.last - period.first).num_days() + 1;
    let label_every = (days / 10).max(1);
    let bars: Vec<Bar> = (0..days)
        .map(|i| {
            let day = period.first + Duration::days(i);
            let count = stats
                .histogram
                .iter()
                .filter(|b| b.start.date_naive() == day)
                .map(|b| b.count)
                .sum();
            Bar {
                label: if i % label_every == 0 {
                    day.format("%m-%d").to_string()
                } else {
                    String::new()
                },
                value: count,
                title: format!("{day}: {count} events"),
            }
        })
        .collect();
    bar_chart(
        &bars,
        ChartSize {
            width: 720,
            height: 220,
        },
        "Audit events per day",
    )
}

/// Builds the audit trail report (owner, admin, compliance manager, auditor: those who may
/// search the audit trail).
pub async fn audit_trail(
    store: &dyn Store,
    catalog: &Catalog,
    who: &Principal,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    who.require(Permission::Audit)?;
    let period = period(params, now)?;
    let tenant = who.tenant.id;
    let mut filter = EventFilter {
        from: Some(period.start()),
        to: Some(period.end()),
        ..EventFilter::default()
    };
    let framework = match &params.framework {
        Some(f) => {
            filter.control_any = framework_control_ids(catalog, f)?;
            catalog.framework(f).map(|fw| fw.info.name.clone())
        }
        None => None,
    };
    let stats = store
        .event_statistics(tenant, &filter, Bucket::Day, 20)
        .await?;
    let high = EventFilter {
        min_severity: Some(Severity::High),
        ..filter.clone()
    };
    let mut listed = store
        .search_events(
            tenant,
            &high,
            &IndexPage {
                limit: MAX_LISTED,
                before: None,
            },
        )
        .await?;
    listed.truncate(MAX_LISTED as usize);
    let high_count =
        count_of(&stats.by_severity, "high") + count_of(&stats.by_severity, "critical");
    let failed = count_of(&stats.by_outcome, EventOutcome::Failure.as_str())
        + count_of(&stats.by_outcome, EventOutcome::Denied.as_str())
        + count_of(&stats.by_outcome, EventOutcome::Error.as_str());
    let last = store
        .search_events(
            tenant,
            &filter,
            &IndexPage {
                limit: 1,
                before: None,
            },
        )
        .await?
        .first()
        .map(|e| e.index);
    let first = store
        .events_since(tenant, &filter, 0, 1)
        .await?
        .first()
        .map(|e| e.index);

    let mut subtitle = format!("{} to {}", period.first, period.last);
    if let Some(name) = &framework {
        subtitle.push_str(&format!(" · events naming {name} controls"));
    }
    let mut report = super::kinds::blank("Audit trail report", Some(subtitle));
    report.summary = vec![
        Fact::new("Events", stats.total),
        Fact::new("High or critical", high_count),
        Fact::new("Failed, denied or error", failed),
        Fact::new(
            "Ledger entries",
            match (first, last) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                _ => "none".to_owned(),
            },
        ),
    ];

    let mut sections = vec![
        Section::new("Activity")
            .paragraph(format!(
                "Every audit event recorded in the tenant's ledger from {} 00:00 to {} 24:00 \
                 UTC{}: events the tenant's services sent and Probity's own records of \
                 changes. Times are when the ledger recorded each event.",
                period.first,
                period.last,
                match &framework {
                    Some(name) => format!(
                        ", limited to events that name a {name} requirement or a control mapped \
                         to one"
                    ),
                    None => String::new(),
                }
            ))
            .chart(daily_chart(&stats, period), "Events per day (UTC)"),
        Section::new("Breakdown")
            .table(count_table(
                "By category",
                "Category",
                &stats.by_category,
                stats.total,
            ))
            .table(count_table(
                "By severity",
                "Severity",
                &stats.by_severity,
                stats.total,
            ))
            .table(count_table(
                "By outcome",
                "Outcome",
                &stats.by_outcome,
                stats.total,
            ))
            .table(count_table(
                "Event types (top 20)",
                "Type",
                &stats.by_type,
                stats.total,
            )),
        Section::new("Who and what")
            .table(count_table(
                "Most active actors",
                "Actor",
                &stats.top_actors,
                stats.total,
            ))
            .table(count_table(
                "Most touched resources",
                "Resource",
                &stats.top_resources,
                stats.total,
            )),
    ];

    let mut events = Table::new(
        "High and critical events",
        &[
            ("Index", 0.6),
            ("Recorded (UTC)", 1.2),
            ("Type", 1.4),
            ("Severity", 0.7),
            ("Actor", 1.2),
            ("Resource", 1.2),
            ("Outcome", 0.7),
            ("Controls", 0.9),
        ],
    );
    for e in &listed {
        events.push(vec![
            e.index.to_string().into(),
            e.recorded_at.format("%Y-%m-%d %H:%M:%S").to_string().into(),
            e.event_type.clone().into(),
            Cell::toned(
                e.severity.as_str(),
                if e.severity == Severity::Critical {
                    Tone::Bad
                } else {
                    Tone::Warn
                },
            ),
            if e.actor_name.is_empty() {
                e.actor_id.clone()
            } else {
                format!("{} ({})", e.actor_name, e.actor_id)
            }
            .into(),
            match (&e.resource_type, &e.resource_id) {
                (Some(t), Some(id)) => format!("{t} {id}"),
                (Some(t), None) => t.clone(),
                _ => String::new(),
            }
            .into(),
            match e.outcome {
                EventOutcome::Success => Cell::from(e.outcome.as_str()),
                _ => Cell::toned(e.outcome.as_str(), Tone::Bad),
            },
            e.control_ids.join(", ").into(),
        ]);
    }
    sections.push(
        Section::new("High and critical events")
            .paragraph(if high_count > u64::from(MAX_LISTED) {
                format!(
                    "The {MAX_LISTED} most recent of {high_count} high and critical events; \
                     `probity audit search --min-severity high` lists them all."
                )
            } else if high_count == 0 {
                "No high or critical events in the period.".to_owned()
            } else {
                format!("All {high_count} high and critical events, newest first.")
            })
            .table(events),
    );

    let coverage = match last {
        Some(last) => match store.checkpoints(tenant, Some(last), 1).await?.first() {
            Some(c) => format!(
                "The events of this period are ledger entries {} to {last}. The signed \
                 checkpoint of size {} (root {}, signed {}) covers every one of them: an \
                 inclusion proof for any entry against it (`probity audit proof`, or the \
                 ledger API) shows the entry is in the log this report was made from.",
                first.unwrap_or(last),
                c.size,
                c.root.to_base64(),
                c.created_at.format("%Y-%m-%d %H:%M UTC")
            ),
            None => format!(
                "The events of this period are ledger entries {} to {last}; no checkpoint \
                 covering the last of them had been signed when the report was made (the \
                 next one will: checkpoints are signed every few seconds while entries \
                 arrive).",
                first.unwrap_or(last)
            ),
        },
        None => "No ledger entries fall in this period.".to_owned(),
    };
    sections.push(Section::new("Ledger coverage").paragraph(coverage));
    report.sections = sections;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn params(from: Option<&str>, to: Option<&str>) -> ReportParams {
        ReportParams {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            ..ReportParams::default()
        }
    }

    #[test]
    fn periods_are_whole_inclusive_days_and_bounded() {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 31, 15, 0, 0)
            .single()
            .unwrap_or_default();
        let p = period(&params(Some("2026-01-01"), Some("2026-03-31")), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.start().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(p.end().to_rfc3339(), "2026-04-01T00:00:00+00:00");
        let d = period(&params(None, None), now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (d.first.to_string(), d.last.to_string()),
            ("2026-03-02".into(), "2026-03-31".into())
        );
        for (from, to, field) in [
            (Some("2026-04-01"), Some("2026-03-31"), "params.from"),
            (Some("31/01/2026"), None, "params.from"),
            (None, Some("2026-13-01"), "params.to"),
            (Some("2024-01-01"), Some("2026-01-01"), "params.to"),
        ] {
            match period(&params(from, to), now) {
                Err(DomainError::Validation(errors)) => {
                    assert_eq!(errors.first().map(|e| e.field.as_str()), Some(field));
                }
                other => panic!("{from:?}..{to:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_framework_names_its_requirements_and_mapped_controls() {
        let catalog = Catalog::shipped_or_empty();
        let ids = framework_control_ids(catalog, "soc2-2017").unwrap_or_else(|e| panic!("{e}"));
        assert!(ids.iter().any(|i| i == "CC6.1"), "{ids:?}");
        assert!(
            ids.iter().any(|i| catalog.control(i).is_some()),
            "a mapped unified control"
        );
        assert!(framework_control_ids(catalog, "no-such").is_err());
    }
}
