//! `probity calendar`: a tenant's compliance calendar from the local store (every due date in
//! a range) and its calendar feeds (make one for a member — the URL printed once —, list,
//! revoke).

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Subcommand;
use probity_core::calendar::{CalendarFeedId, CalendarService, EntryKind, NewCalendarFeed};
use probity_core::platform::Principal;

use crate::config::Config;
use crate::output::{self, Format};
use crate::wiring;

/// Calendar commands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Every due date in a range (default: 30 days back to 180 days ahead), by date.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day, YYYY-MM-DD (included).
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Only this kind (repeatable), e.g. risk_review.
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Print JSON (the same as `--output json`).
        #[arg(long)]
        json: bool,
    },
    /// Calendar feeds: secret URLs calendar apps subscribe to.
    #[command(subcommand)]
    Feed(FeedCommand),
}

/// Feed commands.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Makes a feed owned by a member; prints its URL once.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The member (email) whose rights the feed reads with.
        #[arg(long)]
        user: String,
        /// Label.
        #[arg(long, default_value = "Compliance calendar")]
        name: String,
        /// Only this kind (repeatable).
        #[arg(long = "kind")]
        kinds: Vec<String>,
    },
    /// Every feed of the tenant, revoked ones included.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Revokes a feed: its URL answers 404 from then on.
    Revoke {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The feed's id.
        #[arg(long)]
        id: CalendarFeedId,
    },
}

fn kinds(names: &[String]) -> anyhow::Result<Vec<EntryKind>> {
    names
        .iter()
        .map(|n| {
            EntryKind::parse(n).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind: {n} is not a calendar entry kind; use {}",
                    EntryKind::ALL.map(EntryKind::as_str).join(", ")
                )
            })
        })
        .collect()
}

/// Runs a calendar command against the local store.
pub(crate) async fn run(
    command: CalendarCommand,
    format: Format,
    s: &wiring::Services,
    config: &Config,
) -> anyhow::Result<()> {
    let calendar = CalendarService::new(
        s.store.clone(),
        s.platform.clock().clone(),
        s.platform.keys().clone(),
    );
    match command {
        CalendarCommand::List {
            tenant,
            from,
            to,
            kinds: names,
            json,
        } => {
            let who = Principal::system(s.platform.tenant(&tenant).await?, "cli");
            let range = calendar.range(from, to)?;
            let entries = calendar.entries(&who, range, &kinds(&names)?).await?;
            let rows = entries
                .iter()
                .map(|e| {
                    vec![
                        e.date.to_string(),
                        if e.overdue { "OVERDUE" } else { "" }.to_owned(),
                        e.kind.as_str().to_owned(),
                        e.title.clone(),
                        e.link.clone(),
                    ]
                })
                .collect();
            let format = if json { Format::Json } else { format };
            output::print(
                format,
                &entries,
                &["date", "overdue", "kind", "title", "link"],
                rows,
            );
        }
        CalendarCommand::Feed(FeedCommand::Create {
            tenant,
            user,
            name,
            kinds: names,
        }) => {
            let tenant = s.platform.tenant(&tenant).await?;
            let store = s.platform.store();
            let member = store
                .user_by_email(&user.trim().to_lowercase())
                .await?
                .with_context(|| format!("--user: no user {user}"))?;
            let membership = store
                .membership(tenant.id, member.id)
                .await?
                .with_context(|| format!("--user: {user} is not a member of {}", tenant.slug))?;
            let who = Principal {
                role: membership.role,
                user_id: Some(member.id),
                ..Principal::system(tenant, "cli")
            };
            let issued = calendar
                .create_feed(
                    &who,
                    &NewCalendarFeed {
                        name,
                        kinds: kinds(&names)?,
                    },
                )
                .await?;
            let url = format!(
                "{}{}",
                config.server.public_url.trim_end_matches('/'),
                issued.path
            );
            match format {
                Format::Json => output::print(
                    format,
                    &serde_json::json!({ "url": url, "feed": issued.feed }),
                    &[],
                    Vec::new(),
                ),
                Format::Table => {
                    println!("{url}");
                    eprintln!(
                        "feed {} made for {user}: the URL is shown only now",
                        issued.feed.id
                    );
                }
            }
        }
        CalendarCommand::Feed(FeedCommand::List { tenant }) => {
            let who = Principal::system(s.platform.tenant(&tenant).await?, "cli");
            let feeds = calendar.feeds(&who).await?;
            let rows = feeds
                .iter()
                .map(|f| {
                    vec![
                        f.id.to_string(),
                        f.name.clone(),
                        f.owner.name.clone(),
                        f.created_at.format("%Y-%m-%d").to_string(),
                        f.revoked_at.map_or_else(
                            || "active".to_owned(),
                            |at| format!("revoked {}", at.format("%Y-%m-%d")),
                        ),
                    ]
                })
                .collect();
            output::print(
                format,
                &feeds,
                &["id", "name", "owner", "created", "state"],
                rows,
            );
        }
        CalendarCommand::Feed(FeedCommand::Revoke { tenant, id }) => {
            let who = Principal::system(s.platform.tenant(&tenant).await?, "cli");
            calendar.revoke_feed(&who, id).await?;
            eprintln!("feed {id} revoked");
        }
    }
    Ok(())
}
