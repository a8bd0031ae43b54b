//! The SIEM forwarding loop and its network transport. About once a second every enabled
//! forwarder not leased by another node sends what its tenant's ledger holds past its cursor
//! ([`probity_core::audit::forward`]): syslog over TCP (RFC 6587 octet counting, one connection
//! per batch, closed only after every byte is written) or UDP (one datagram per event), or a
//! webhook POST of a JSON batch signed per Standard Webhooks with a `webhook-id` that is the
//! same each time the same range is sent. The loop stops between batches when asked, so a
//! graceful shutdown never leaves a sent batch unrecorded.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use probity_core::audit::forward::{
    Destination, ForwardTransport, Forwarder, SyslogFormat, SyslogTransport,
};
use probity_core::audit::index::IndexedEvent;
use probity_core::audit::siem;
use probity_core::clock::Clock;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

use crate::state::AppState;

/// Batches one forwarder may send per pass before the others get their turn.
const BATCHES_PER_PASS: u32 = 5;

/// Sends batches over sockets and HTTP.
pub struct NetworkTransport {
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    hostname: String,
    timeout: Duration,
}

impl std::fmt::Debug for NetworkTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkTransport")
            .field("hostname", &self.hostname)
            .finish_non_exhaustive()
    }
}

impl NetworkTransport {
    /// A transport naming `hostname` in syslog headers, giving up on a send after `timeout`;
    /// `clock` dates webhook signatures.
    pub fn new(hostname: &str, timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Probity/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Self {
            http,
            clock,
            hostname: hostname.to_owned(),
            timeout,
        })
    }

    async fn syslog(
        &self,
        f: &Forwarder,
        transport: SyslogTransport,
        address: &str,
        format: SyslogFormat,
        events: &[IndexedEvent],
    ) -> Result<(), String> {
        let lines = events.iter().map(|e| match format {
            SyslogFormat::Rfc5424 => siem::rfc5424(e, &f.tenant_slug, &self.hostname),
            SyslogFormat::Cef => siem::cef_syslog(e, &f.tenant_slug, &self.hostname),
        });
        match transport {
            SyslogTransport::Tcp => {
                let mut out = Vec::new();
                for line in lines {
                    out.extend_from_slice(format!("{} ", line.len()).as_bytes());
                    out.extend_from_slice(line.as_bytes());
                }
                let send = async {
                    let mut stream = tokio::net::TcpStream::connect(address)
                        .await
                        .map_err(|e| format!("connect to {address}: {e}"))?;
                    stream
                        .write_all(&out)
                        .await
                        .map_err(|e| format!("write to {address}: {e}"))?;
                    stream
                        .shutdown()
                        .await
                        .map_err(|e| format!("close {address}: {e}"))
                };
                tokio::time::timeout(self.timeout, send)
                    .await
                    .map_err(|_| format!("{address} did not take the batch in time"))?
            }
            SyslogTransport::Udp => {
                let send = async {
                    let bind = if address.starts_with('[') {
                        "[::]:0"
                    } else {
                        "0.0.0.0:0"
                    };
                    let socket = tokio::net::UdpSocket::bind(bind)
                        .await
                        .map_err(|e| format!("udp socket: {e}"))?;
                    socket
                        .connect(address)
                        .await
                        .map_err(|e| format!("resolve {address}: {e}"))?;
                    for line in lines {
                        socket
                            .send(line.as_bytes())
                            .await
                            .map_err(|e| format!("send to {address}: {e}"))?;
                    }
                    Ok(())
                };
                tokio::time::timeout(self.timeout, send)
                    .await
                    .map_err(|_| format!("{address} did not take the batch in time"))?
            }
        }
    }

    async fn webhook(
        &self,
        f: &Forwarder,
        url: &str,
        secret: Option<&str>,
        events: &[IndexedEvent],
    ) -> Result<(), String> {
        let body = serde_json::to_vec(&siem::webhook_body(
            &f.id.to_string(),
            &f.tenant_slug,
            events,
        ))
        .map_err(|e| format!("batch body: {e}"))?;
        let first = events.first().map_or(0, |e| e.index);
        let last = events.last().map_or(0, |e| e.index);
        // The same range gets the same id, so a receiver can drop a batch sent twice.
        let id = format!("{}:{first}-{last}", f.id);
        let timestamp = self.clock.now().timestamp();
        let mut request = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(secret) = secret {
            let secret = probity_crypto::WebhookSecret::parse(secret)
                .map_err(|e| format!("signing secret: {e}"))?;
            request = request.header("webhook-signature", secret.sign(&id, timestamp, &body));
        }
        let reply = request
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = reply.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("POST {url} answered {status}"))
        }
    }
}

#[async_trait]
impl ForwardTransport for NetworkTransport {
    async fn send(
        &self,
        forwarder: &Forwarder,
        secret: Option<&str>,
        events: &[IndexedEvent],
    ) -> Result<(), String> {
        match &forwarder.destination {
            Destination::Syslog {
                transport,
                address,
                format,
            } => {
                self.syslog(forwarder, *transport, address, *format, events)
                    .await
            }
            Destination::Webhook { url } => self.webhook(forwarder, url, secret, events).await,
        }
    }
}

/// Runs forwarding passes every `interval` until `stop` turns true; `owner` names this node in
/// forwarder leases.
pub async fn run(
    state: AppState,
    transport: NetworkTransport,
    owner: String,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        match state
            .forwarders()
            .pump(&owner, &transport, BATCHES_PER_PASS)
            .await
        {
            Ok(p) if p.batches > 0 => {
                tracing::debug!(batches = p.batches, events = p.delivered, "forwarded");
                // More may be waiting: go again at once unless asked to stop.
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "forwarding pass failed"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
