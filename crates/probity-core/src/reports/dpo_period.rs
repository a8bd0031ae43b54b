//! The period part of the data protection officer's report: requests received in the period
//! by regime and type, response times of the requests answered or refused in it (median and
//! mean days), breaches discovered in it with whether each clock was met or missed, and the
//! processing activities created, changed or removed in it (from the audit events).

use std::collections::BTreeMap;

use probity_report::{Cell, Fact, Section, Table, Tone};

use super::audit::Period;
use crate::audit::index::{EventFilter, IndexPage, IndexedEvent};
use crate::error::DomainResult;
use crate::platform::service::Principal;
use crate::privacy::breach::{BreachView, ClockStatus};
use crate::privacy::request::{RequestState, RequestView};
use crate::store::Store;

/// Audit events read per page for the processing changes.
const PAGE: u32 = 500;
/// Most processing-change events read (a period with more is reported as cut short).
const MAX_CHANGES: usize = 10_000;
/// Most processing changes listed one by one.
const MAX_LISTED: usize = 200;

/// Median and mean of whole-day response times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseDays {
    /// How many responses.
    pub count: usize,
    /// The median (the mean of the two middle values for an even count).
    pub median: f64,
    /// The arithmetic mean.
    pub mean: f64,
}

/// Median and mean of `days`; `None` when there are none.
pub fn response_days(days: &[i64]) -> Option<ResponseDays> {
    let mut sorted = days.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let mid = n / 2;
    let median = if n % 2 == 1 {
        *sorted.get(mid)? as f64
    } else {
        (*sorted.get(mid.checked_sub(1)?)? + *sorted.get(mid)?) as f64 / 2.0
    };
    let mean = sorted.iter().sum::<i64>() as f64 / n as f64;
    Some(ResponseDays {
        count: n,
        median,
        mean,
    })
}

fn days_text(d: Option<ResponseDays>) -> String {
    d.map_or_else(
        || "none answered".to_owned(),
        |d| format!("{:.1}", d.median),
    )
}

fn mean_text(d: Option<ResponseDays>) -> String {
    d.map_or_else(|| "none answered".to_owned(), |d| format!("{:.1}", d.mean))
}

/// Whole calendar days (UTC) from receipt to the answer or refusal, for requests closed in
/// the period; with whether the answer came after the due date.
fn answered_in(requests: &[RequestView], period: Period) -> Vec<(&RequestView, i64, bool)> {
    requests
        .iter()
        .filter(|v| v.request.state.is_closed())
        .filter_map(|v| {
            let closed = v.request.closed_at?;
            (closed >= period.start() && closed < period.end()).then(|| {
                let days = (closed.date_naive() - v.request.received_at.date_naive()).num_days();
                (v, days, closed.date_naive() > v.request.due_date)
            })
        })
        .collect()
}

fn requests_section(requests: &[RequestView], period: Period) -> (Vec<Fact>, Section) {
    let received: Vec<&RequestView> = requests
        .iter()
        .filter(|v| v.request.received_at >= period.start() && v.request.received_at < period.end())
        .collect();
    let mut by_type: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for v in &received {
        let e = by_type
            .entry((v.request.regime.as_str(), v.request.kind.as_str()))
            .or_default();
        e.0 += 1;
        if !v.request.state.is_closed() {
            e.1 += 1;
        }
    }
    let mut types = Table::new(
        "Requests received by type",
        &[
            ("Regime", 0.8),
            ("Type", 1.2),
            ("Received", 0.8),
            ("Still open", 0.8),
        ],
    );
    for ((regime, kind), (n, open)) in &by_type {
        types.push(vec![
            (*regime).into(),
            (*kind).into(),
            n.to_string().into(),
            open.to_string().into(),
        ]);
    }
    let answered = answered_in(requests, period);
    let all_days: Vec<i64> = answered.iter().map(|(_, d, _)| *d).collect();
    let overall = response_days(&all_days);
    let late = answered.iter().filter(|(_, _, late)| *late).count();
    let mut per_regime: BTreeMap<&str, Vec<(i64, RequestState, bool)>> = BTreeMap::new();
    for (v, d, late) in &answered {
        per_regime
            .entry(v.request.regime.as_str())
            .or_default()
            .push((*d, v.request.state, *late));
    }
    let mut times = Table::new(
        "Response times",
        &[
            ("Regime", 0.8),
            ("Completed", 0.8),
            ("Denied", 0.8),
            ("Median days", 0.9),
            ("Mean days", 0.9),
            ("After due date", 0.9),
        ],
    );
    for (regime, rows) in &per_regime {
        let days: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let d = response_days(&days);
        let late = rows.iter().filter(|r| r.2).count();
        times.push(vec![
            (*regime).into(),
            rows.iter()
                .filter(|r| r.1 == RequestState::Completed)
                .count()
                .to_string()
                .into(),
            rows.iter()
                .filter(|r| r.1 == RequestState::Denied)
                .count()
                .to_string()
                .into(),
            days_text(d).into(),
            mean_text(d).into(),
            if late > 0 {
                Cell::toned(late.to_string(), Tone::Bad)
            } else {
                "0".into()
            },
        ]);
    }
    let facts = vec![
        Fact::new("Requests received in the period", received.len()),
        Fact::new("Requests answered in the period", answered.len()),
        Fact::new("Median days to respond", days_text(overall)),
        Fact::new("Mean days to respond", mean_text(overall)),
        Fact::new("Answered after the due date", late),
    ];
    let section = Section::new("Requests in the period")
        .paragraph(
            "Requests received in the period, by regime and type; and the requests completed or \
             denied in the period, with the days from receipt to the answer (whole calendar \
             days, UTC dates) — wherever they were received.",
        )
        .table(types)
        .table(times);
    (facts, section)
}

fn breaches_section(breaches: &[BreachView], period: Period) -> (Vec<Fact>, Section) {
    let found: Vec<&BreachView> = breaches
        .iter()
        .filter(|b| {
            b.breach.discovered_at >= period.start() && b.breach.discovered_at < period.end()
        })
        .collect();
    let missed = |s: ClockStatus| matches!(s, ClockStatus::Late | ClockStatus::Overdue);
    let mut table = Table::new(
        "Breaches discovered in the period",
        &[
            ("Breach", 0.7),
            ("Title", 1.6),
            ("Discovered", 1.0),
            ("Regime", 0.6),
            ("Recipient", 1.2),
            ("Deadline", 1.0),
            ("Clock", 0.9),
        ],
    );
    for b in &found {
        for c in &b.clocks {
            let (text, tone) = match c.status {
                ClockStatus::Met => ("met", Tone::Good),
                ClockStatus::Late => ("missed (notified late)", Tone::Bad),
                ClockStatus::Overdue => ("missed (not notified)", Tone::Bad),
                ClockStatus::Running => ("running", Tone::Warn),
            };
            table.push(vec![
                b.breach.reference.clone().into(),
                b.breach.title.clone().into(),
                b.breach
                    .discovered_at
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
                    .into(),
                c.regime.as_str().into(),
                c.recipient.as_str().into(),
                c.deadline.format("%Y-%m-%d %H:%M").to_string().into(),
                Cell::toned(text, tone),
            ]);
        }
    }
    let clocks = found.iter().flat_map(|b| b.clocks.iter());
    let facts = vec![
        Fact::new("Breaches discovered in the period", found.len()),
        Fact::new(
            "Their clocks met",
            clocks
                .clone()
                .filter(|c| c.status == ClockStatus::Met)
                .count(),
        ),
        Fact::new(
            "Their clocks missed",
            clocks.filter(|c| missed(c.status)).count(),
        ),
    ];
    let section = Section::new("Breaches in the period")
        .paragraph(
            "Breaches discovered in the period and, for each, every regime's notification clock: \
             met (first notification to the recipient by the deadline), missed (notified late, or \
             not notified and the deadline passed) or still running.",
        )
        .table(table);
    (facts, section)
}

fn change_label(event_type: &str) -> &'static str {
    match event_type {
        "privacy.activity.created" => "created",
        "privacy.activity.updated" => "updated",
        "privacy.activity.deleted" => "retired (removed)",
        _ => "other",
    }
}

/// The period's `privacy.activity.*` audit events, newest first, from the search index.
async fn activity_events(
    store: &dyn Store,
    who: &Principal,
    period: Period,
) -> DomainResult<(Vec<IndexedEvent>, bool)> {
    let filter = EventFilter {
        from: Some(period.start()),
        to: Some(period.end()),
        type_prefix: Some("privacy.activity".to_owned()),
        ..EventFilter::default()
    };
    let mut all: Vec<IndexedEvent> = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .search_events(
                who.tenant.id,
                &filter,
                &IndexPage {
                    limit: PAGE,
                    before,
                },
            )
            .await?;
        let full = page.len() >= PAGE as usize;
        before = page.last().map(|e| e.index);
        all.extend(page);
        if all.len() >= MAX_CHANGES {
            all.truncate(MAX_CHANGES);
            return Ok((all, true));
        }
        if !full || before.is_none() {
            return Ok((all, false));
        }
    }
}

async fn processing_section(
    store: &dyn Store,
    who: &Principal,
    period: Period,
) -> DomainResult<(Vec<Fact>, Section)> {
    let (events, cut) = activity_events(store, who, period).await?;
    let count = |t: &str| events.iter().filter(|e| e.event_type == t).count();
    let facts = vec![
        Fact::new("Activities created", count("privacy.activity.created")),
        Fact::new("Activities updated", count("privacy.activity.updated")),
        Fact::new(
            "Activities retired (removed)",
            count("privacy.activity.deleted"),
        ),
    ];
    let mut table = Table::new(
        "Processing changes",
        &[
            ("When", 1.1),
            ("Change", 1.0),
            ("Ref", 0.6),
            ("Activity", 1.8),
            ("Version", 0.6),
            ("By", 1.2),
        ],
    );
    for e in events.iter().take(MAX_LISTED) {
        let details = e.payload.get("details");
        let field = |k: &str| {
            details
                .and_then(|d| d.get(k))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        };
        table.push(vec![
            e.recorded_at.format("%Y-%m-%d %H:%M").to_string().into(),
            change_label(&e.event_type).into(),
            field("reference").into(),
            field("name").into(),
            field("version").into(),
            e.actor_name.clone().into(),
        ]);
    }
    let mut text = "Processing activities created, updated and removed in the period, read from \
                    the tenant's audit events privacy.activity.created, .updated and .deleted \
                    (the search index as it stood when the report was generated; an activity's \
                    own record keeps only its latest change and none once removed)."
        .to_owned();
    if cut {
        text.push_str(&format!(
            " More than {MAX_CHANGES} changes: the first {MAX_CHANGES} (newest) are counted."
        ));
    }
    if events.len() > MAX_LISTED {
        text.push_str(&format!(" The {MAX_LISTED} latest are listed."));
    }
    let section = Section::new("Processing changes in the period")
        .paragraph(text)
        .table(table);
    Ok((facts, section))
}

/// The period's summary figures and sections.
pub(super) async fn period_sections(
    store: &dyn Store,
    who: &Principal,
    requests: &[RequestView],
    breaches: &[BreachView],
    period: Period,
) -> DomainResult<(Vec<Fact>, Vec<Section>)> {
    let (mut facts, requests) = requests_section(requests, period);
    let (breach_facts, breaches) = breaches_section(breaches, period);
    let (change_facts, changes) = processing_section(store, who, period).await?;
    facts.extend(breach_facts);
    facts.extend(change_facts);
    Ok((facts, vec![requests, breaches, changes]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mean_of_response_days() {
        assert_eq!(response_days(&[]), None);
        let one = response_days(&[7]).unwrap();
        assert_eq!((one.count, one.median, one.mean), (1, 7.0, 7.0));
        let odd = response_days(&[30, 2, 10]).unwrap();
        assert_eq!((odd.median, odd.mean), (10.0, 14.0));
        let even = response_days(&[3, 1, 10, 4]).unwrap();
        assert_eq!((even.count, even.median, even.mean), (4, 3.5, 4.5));
        assert_eq!(days_text(Some(even)), "3.5");
        assert_eq!(mean_text(None), "none answered");
    }
}
