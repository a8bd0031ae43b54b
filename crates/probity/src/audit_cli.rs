//! `probity audit search|stats|tail`: the audit trail's search projection read from the local
//! store. Each command first catches the projection up with the ledger (draining Probity's own
//! records into the ledger first), so what it prints is current even when no server runs.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use probity_core::DomainError;
use probity_core::audit::index::{Bucket, FilterParams, IndexPage};
use probity_core::audit::indexer::Indexer;
use probity_core::platform::model::TenantId;

use crate::output::{self, Format};
use crate::wiring::Services;

/// Filters shared by search, stats and tail (each narrows the result).
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Tenant slug.
    #[arg(long)]
    pub tenant: String,
    /// Earliest recorded_at (RFC 3339), inclusive.
    #[arg(long)]
    pub from: Option<String>,
    /// Latest recorded_at (RFC 3339), exclusive.
    #[arg(long)]
    pub to: Option<String>,
    /// Event type or dotted prefix (`user.login` matches `user.login.failed`).
    #[arg(long = "type")]
    pub event_type: Option<String>,
    /// Category (authentication, authorization, data_access, data_change, configuration,
    /// security, compliance, privacy, system).
    #[arg(long)]
    pub category: Option<String>,
    /// Minimum severity (info, low, medium, high, critical).
    #[arg(long)]
    pub min_severity: Option<String>,
    /// Actor id.
    #[arg(long)]
    pub actor: Option<String>,
    /// Resource: `type` or `type:id`.
    #[arg(long)]
    pub resource: Option<String>,
    /// Outcome (success, failure, denied, error).
    #[arg(long)]
    pub outcome: Option<String>,
    /// A control id the event names.
    #[arg(long)]
    pub control: Option<String>,
    /// Client IP.
    #[arg(long)]
    pub ip: Option<String>,
    /// Minimum risk score, 0 to 1.
    #[arg(long)]
    pub min_risk: Option<f64>,
    /// A data subject id the event names.
    #[arg(long)]
    pub subject: Option<String>,
    /// `ingest` (sent by services) or `probity` (Probity's own records).
    #[arg(long)]
    pub source: Option<String>,
    /// Full text: all words must appear in the type, actor, resource, message or details.
    #[arg(long, short = 'q')]
    pub query: Option<String>,
}

impl FilterArgs {
    fn params(&self) -> FilterParams {
        FilterParams {
            from: self.from.clone(),
            to: self.to.clone(),
            event_type: self.event_type.clone(),
            category: self.category.clone(),
            min_severity: self.min_severity.clone(),
            actor: self.actor.clone(),
            resource: self.resource.clone(),
            outcome: self.outcome.clone(),
            control: self.control.clone(),
            ip: self.ip.clone(),
            min_risk: self.min_risk,
            subject: self.subject.clone(),
            source: self.source.clone(),
            q: self.query.clone(),
        }
    }
}

/// Brings the tenant's search projection up to the ledger head.
pub(crate) async fn catch_up(s: &Services, tenant: TenantId) -> anyhow::Result<()> {
    while s.ledger.drain_outbox(1_000).await? > 0 {}
    let indexer = Indexer::new(Arc::clone(&s.ledger), Arc::clone(&s.store) as _);
    indexer.catch_up(tenant, u64::MAX).await?;
    Ok(())
}

fn row(e: &probity_core::audit::index::IndexedEvent) -> Vec<String> {
    let resource = match (&e.resource_type, &e.resource_id) {
        (Some(t), Some(id)) => format!("{t}:{id}"),
        (Some(t), None) => t.clone(),
        _ => String::new(),
    };
    vec![
        e.index.to_string(),
        e.recorded_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        e.event_type.clone(),
        e.severity.as_str().to_owned(),
        e.actor_id.clone(),
        resource,
        e.outcome.as_str().to_owned(),
        e.message.clone().unwrap_or_default(),
    ]
}

const HEADERS: [&str; 8] = [
    "index",
    "recorded_at",
    "type",
    "severity",
    "actor",
    "resource",
    "outcome",
    "message",
];

/// `probity audit search`.
pub async fn search(
    s: &Services,
    format: Format,
    filter: &FilterArgs,
    limit: i64,
) -> anyhow::Result<()> {
    let parsed = filter.params().parse()?;
    let tenant = s.platform.tenant(&filter.tenant).await?.id;
    catch_up(s, tenant).await?;
    let page = IndexPage::parse(Some(limit), None)?;
    let mut items = s.store.search_events(tenant, &parsed, &page).await?;
    items.truncate(usize::try_from(limit).unwrap_or(0));
    let rows = items.iter().map(row).collect();
    output::print(format, &items, &HEADERS, rows);
    Ok(())
}

/// `probity audit stats`.
pub async fn stats(
    s: &Services,
    format: Format,
    filter: &FilterArgs,
    bucket: &str,
    top: u32,
) -> anyhow::Result<()> {
    let parsed = filter.params().parse()?;
    let bucket = match bucket {
        "hour" => Bucket::Hour,
        "day" => Bucket::Day,
        other => {
            return Err(DomainError::invalid(
                "--bucket",
                format!("{other:?} is not a bucket; use hour or day"),
            )
            .into());
        }
    };
    if !(1..=100).contains(&top) {
        return Err(DomainError::invalid("--top", format!("must be 1 to 100, got {top}")).into());
    }
    let tenant = s.platform.tenant(&filter.tenant).await?.id;
    catch_up(s, tenant).await?;
    let stats = s
        .store
        .event_statistics(tenant, &parsed, bucket, top)
        .await?;
    let mut rows = vec![vec![
        "total".to_owned(),
        String::new(),
        stats.total.to_string(),
    ]];
    for (name, list) in [
        ("type", &stats.by_type),
        ("category", &stats.by_category),
        ("severity", &stats.by_severity),
        ("outcome", &stats.by_outcome),
        ("actor", &stats.top_actors),
        ("resource", &stats.top_resources),
    ] {
        rows.extend(
            list.iter()
                .map(|c| vec![name.to_owned(), c.key.clone(), c.count.to_string()]),
        );
    }
    rows.extend(stats.histogram.iter().map(|b| {
        vec![
            "histogram".to_owned(),
            b.start.to_rfc3339(),
            b.count.to_string(),
        ]
    }));
    output::print(format, &stats, &["group", "key", "count"], rows);
    Ok(())
}

/// `probity audit tail`: prints matching events from `--from-index` (default: the newest
/// `--last` events), then, with `--follow`, new ones as they reach the ledger.
pub async fn tail(
    s: &Services,
    format: Format,
    filter: &FilterArgs,
    last: u64,
    follow: bool,
) -> anyhow::Result<()> {
    let parsed = filter.params().parse()?;
    let tenant = s.platform.tenant(&filter.tenant).await?.id;
    catch_up(s, tenant).await?;
    let head = s.store.index_cursor(tenant).await?;
    let mut next = head.saturating_sub(last);
    loop {
        let found = s.store.events_since(tenant, &parsed, next, 500).await?;
        for e in &found {
            match format {
                Format::Json => println!("{}", serde_json::to_string(e)?),
                Format::Table => println!("{}", row(e).join("  ")),
            }
            next = e.index.saturating_add(1);
        }
        if found.is_empty() {
            if !follow {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            catch_up(s, tenant).await?;
        }
    }
}
