//! `probity audit forwarders list|add|pause|resume|remove` on the local store: the tenant's SIEM
//! forwarders (`probity serve` does the sending). A destination is written as a URL:
//! `tcp://host:port` or `udp://host:port` for syslog (with `--format rfc5424|cef`), or an
//! `https://` / `http://` URL for a webhook, whose signing secret is printed once. Changes are
//! recorded as the `cli` system actor.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use probity_core::audit::forward::{
    Destination, ForwardFilter, ForwarderId, ForwarderService, ForwarderUpdate, ForwarderView,
    NewForwarder, SyslogFormat, SyslogTransport,
};
use probity_core::platform::Principal;

use crate::output::{self, Format};
use crate::wiring::Services;

/// `probity audit forwarders ...`.
#[derive(Debug, Subcommand)]
pub enum ForwarderCommand {
    /// The tenant's forwarders with their cursor, lag and last error.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Add a forwarder.
    Add {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Unique name.
        #[arg(long)]
        name: String,
        /// `tcp://host:port`, `udp://host:port` (syslog) or an http(s) URL (webhook).
        #[arg(long)]
        to: String,
        /// Syslog message format: `rfc5424` (default) or `cef`.
        #[arg(long)]
        format: Option<String>,
        /// Only these entries: `ingest` (sent by services) or `probity` (Probity's records).
        #[arg(long)]
        source: Option<String>,
        /// Only events of at least this severity.
        #[arg(long)]
        min_severity: Option<String>,
        /// Only this event type or dotted prefix.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Entries per batch (1 to 1,000).
        #[arg(long)]
        batch_size: Option<u32>,
        /// Send the whole ledger, not only what is appended from now on.
        #[arg(long)]
        from_beginning: bool,
    },
    /// Stop sending (the cursor stays where it is).
    Pause {
        id: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Send again, from where it stopped.
    Resume {
        id: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Remove a forwarder.
    Remove {
        id: String,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
}

const HEADERS: [&str; 8] = [
    "id",
    "name",
    "destination",
    "enabled",
    "next index",
    "lag",
    "delivered",
    "last error",
];

fn rows(items: &[ForwarderView]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|f| {
            vec![
                f.id.to_string(),
                f.name.clone(),
                describe(&f.destination),
                f.enabled.to_string(),
                f.next_index.to_string(),
                f.lag.to_string(),
                f.progress.delivered.to_string(),
                f.progress.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

fn describe(d: &Destination) -> String {
    match d {
        Destination::Syslog {
            transport,
            address,
            format,
        } => {
            let scheme = match transport {
                SyslogTransport::Tcp => "tcp",
                SyslogTransport::Udp => "udp",
            };
            let format = match format {
                SyslogFormat::Rfc5424 => "rfc5424",
                SyslogFormat::Cef => "cef",
            };
            format!("{scheme}://{address} ({format})")
        }
        Destination::Webhook { url } => url.clone(),
    }
}

/// Reads `--to` (and `--format`) as a destination.
fn destination(to: &str, format: Option<&str>) -> anyhow::Result<Destination> {
    let format = match format {
        None | Some("rfc5424") => SyslogFormat::Rfc5424,
        Some("cef") => SyslogFormat::Cef,
        Some(other) => anyhow::bail!("--format {other:?}: use rfc5424 or cef"),
    };
    let syslog = |transport, address: &str| Destination::Syslog {
        transport,
        address: address.to_owned(),
        format,
    };
    if let Some(address) = to.strip_prefix("tcp://") {
        Ok(syslog(SyslogTransport::Tcp, address))
    } else if let Some(address) = to.strip_prefix("udp://") {
        Ok(syslog(SyslogTransport::Udp, address))
    } else if to.starts_with("https://") || to.starts_with("http://") {
        Ok(Destination::Webhook { url: to.to_owned() })
    } else {
        anyhow::bail!(
            "--to {to:?}: use tcp://host:port or udp://host:port for syslog, or an https:// URL for a webhook"
        )
    }
}

async fn service(s: &Services, tenant: &str) -> anyhow::Result<(ForwarderService, Principal)> {
    let t = s.platform.tenant(tenant).await?;
    let service = ForwarderService::new(
        Arc::clone(&s.store),
        Arc::clone(s.platform.clock()),
        Arc::clone(s.platform.keys()),
        Arc::clone(&s.ledger),
    );
    Ok((service, Principal::system(t, "cli")))
}

fn forwarder_id(id: &str) -> anyhow::Result<ForwarderId> {
    id.parse().with_context(|| {
        format!("{id:?} is not a forwarder id; `probity audit forwarders list` shows them")
    })
}

async fn set_enabled(
    s: &Services,
    tenant: &str,
    id: &str,
    enabled: bool,
) -> anyhow::Result<ForwarderView> {
    let id = forwarder_id(id)?;
    let (f, who) = service(s, tenant).await?;
    let current = f.get(&who, id).await?;
    Ok(f.update(
        &who,
        id,
        &ForwarderUpdate {
            version: current.version,
            name: None,
            destination: None,
            filter: None,
            batch_size: None,
            enabled: Some(enabled),
        },
    )
    .await?)
}

/// Runs `probity audit forwarders ...`.
pub async fn forwarders(
    s: &Services,
    format: Format,
    command: ForwarderCommand,
) -> anyhow::Result<()> {
    match command {
        ForwarderCommand::List { tenant } => {
            let (f, who) = service(s, &tenant).await?;
            let items = f.list(&who).await?;
            output::print(format, &items, &HEADERS, rows(&items));
        }
        ForwarderCommand::Add {
            tenant,
            name,
            to,
            format: message_format,
            source,
            min_severity,
            event_type,
            batch_size,
            from_beginning,
        } => {
            let mut filter = serde_json::Map::new();
            for (key, value) in [
                ("source", source),
                ("min_severity", min_severity),
                ("event_type", event_type),
            ] {
                if let Some(v) = value {
                    filter.insert(key.to_owned(), serde_json::Value::String(v));
                }
            }
            let filter: ForwardFilter = serde_json::from_value(serde_json::Value::Object(filter))
                .context("--source must be ingest or probity; --min-severity info, low, medium, high or critical")?;
            let req = NewForwarder {
                name,
                destination: destination(&to, message_format.as_deref())?,
                filter,
                batch_size,
                enabled: None,
                start: Some(if from_beginning { "beginning" } else { "now" }.to_owned()),
            };
            let (f, who) = service(s, &tenant).await?;
            let created = f.create(&who, &req).await?;
            if let Some(secret) = &created.secret {
                eprintln!("webhook signing secret (shown once): {secret}");
            }
            output::print(
                format,
                &created,
                &HEADERS,
                rows(std::slice::from_ref(&created.forwarder)),
            );
        }
        ForwarderCommand::Pause { id, tenant } => {
            let view = set_enabled(s, &tenant, &id, false).await?;
            output::print(format, &view, &HEADERS, rows(std::slice::from_ref(&view)));
        }
        ForwarderCommand::Resume { id, tenant } => {
            let view = set_enabled(s, &tenant, &id, true).await?;
            output::print(format, &view, &HEADERS, rows(std::slice::from_ref(&view)));
        }
        ForwarderCommand::Remove { id, tenant } => {
            let id = forwarder_id(&id)?;
            let (f, who) = service(s, &tenant).await?;
            f.delete(&who, id).await?;
        }
    }
    Ok(())
}
