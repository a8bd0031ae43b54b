//! `probity notify ...`: notification channels on the local store (list, add, remove) and a
//! test send that attempts delivery at once and prints the result.

use anyhow::Context as _;
use probity_core::DomainError;
use probity_core::notify::service::NewChannel;
use probity_core::notify::{AttemptOutcome, Channel, ChannelId, ChannelKind, NotifyService};
use probity_core::page::PageRequest;
use probity_core::platform::Principal;

use crate::cli::{ChannelsCommand, NotifyCommand};
use crate::config::Config;
use crate::output::{self, Format};
use crate::wiring;

async fn find(notify: &NotifyService, who: &Principal, channel: &str) -> anyhow::Result<Channel> {
    if let Ok(id) = channel.parse::<ChannelId>() {
        return Ok(notify.channel(who, id).await?);
    }
    let all = notify
        .channels(
            who,
            &PageRequest {
                limit: 500,
                after: None,
            },
        )
        .await?;
    all.items
        .into_iter()
        .find(|c| c.name == channel)
        .ok_or_else(|| DomainError::NotFound(format!("channel {channel:?}")).into())
}

/// Runs a `probity notify` command.
pub(crate) async fn run(
    command: NotifyCommand,
    format: Format,
    s: &wiring::Services,
    config: &Config,
) -> anyhow::Result<()> {
    let notify = wiring::notify_service(config, &s.platform)?;
    let system = |tenant| Principal::system(tenant, "cli");
    match command {
        NotifyCommand::Channels(ChannelsCommand::List { tenant }) => {
            let who = system(s.platform.tenant(&tenant).await?);
            let page = notify
                .channels(
                    &who,
                    &PageRequest {
                        limit: 500,
                        after: None,
                    },
                )
                .await?;
            let rows = page
                .items
                .iter()
                .map(|c| {
                    let target = c
                        .config
                        .url
                        .clone()
                        .unwrap_or_else(|| c.config.to.join(", "));
                    vec![c.id.to_string(), c.name.clone(), c.kind.to_string(), target]
                })
                .collect();
            output::print(format, &page.items, &["id", "name", "kind", "target"], rows);
        }
        NotifyCommand::Channels(ChannelsCommand::Add {
            tenant,
            name,
            kind,
            url,
            to,
            routing_key_file,
        }) => {
            let who = system(s.platform.tenant(&tenant).await?);
            let kind = ChannelKind::parse(&kind).ok_or_else(|| {
                DomainError::invalid(
                    "--kind",
                    format!("{kind:?} is not a channel kind: expected webhook, slack, email or pagerduty"),
                )
            })?;
            let routing_key = match routing_key_file {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .with_context(|| {
                            format!("--routing-key-file: cannot read {}", path.display())
                        })?
                        .trim()
                        .to_owned(),
                ),
                None => None,
            };
            let created = notify
                .create_channel(
                    &who,
                    &NewChannel {
                        name,
                        kind,
                        url,
                        to,
                        routing_key,
                    },
                )
                .await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&created)?),
                Format::Table => {
                    if let Some(secret) = &created.secret {
                        println!("{secret}");
                        eprintln!(
                            "channel {} created; the signing secret above is shown only once",
                            created.channel.id
                        );
                    } else {
                        println!("{}", created.channel.id);
                    }
                }
            }
        }
        NotifyCommand::Channels(ChannelsCommand::Remove { tenant, channel }) => {
            let who = system(s.platform.tenant(&tenant).await?);
            let found = find(&notify, &who, &channel).await?;
            notify.delete_channel(&who, found.id).await?;
            eprintln!("channel {} ({}) removed", found.name, found.id);
        }
        NotifyCommand::Test { tenant, channel } => {
            let who = system(s.platform.tenant(&tenant).await?);
            let found = find(&notify, &who, &channel).await?;
            let queued = notify.test_channel(&who, found.id).await?;
            let outcome = notify.attempt(queued.id).await?;
            let delivery = s
                .store
                .delivery(queued.id)
                .await?
                .ok_or_else(|| DomainError::Internal("the test delivery vanished".into()))?;
            output::print(
                format,
                &delivery,
                &["delivery", "status", "response", "error"],
                vec![vec![
                    delivery.id.to_string(),
                    delivery.status.to_string(),
                    delivery
                        .response_status
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    delivery.last_error.clone().unwrap_or_default(),
                ]],
            );
            if outcome != AttemptOutcome::Delivered {
                anyhow::bail!(
                    "the test message to {} was not delivered; the job worker retries it",
                    found.name
                );
            }
        }
    }
    Ok(())
}
