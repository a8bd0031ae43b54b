//! Syslog listeners: RFC 5424 messages over TCP (RFC 6587 octet counting or non-transparent
//! framing, per frame) and over UDP (one message per datagram) become audit events of one
//! tenant, ingested in batches through the same path as `POST /api/v1/audit/events:batch`.
//!
//! A TCP connection is read, framed and parsed as bytes arrive; the messages read so far are
//! ingested whenever the socket has nothing more ready (or a batch is full), and reading waits
//! for the ledger to make them durable, so a fast sender is slowed by TCP back-pressure rather
//! than by memory growth. Unreadable frames and invalid events are counted in
//! `probity_syslog_messages_total` and logged with their reason; a stream whose framing cannot
//! be resynchronised is closed. UDP has no back-pressure: datagrams the kernel drops are lost,
//! as syslog over UDP always allows.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use probity_core::audit::ActorKind;
use probity_core::audit::event::{EventInput, Submitter};
use probity_core::audit::syslog::{Frame, Framer, parse};
use probity_core::audit::trail::{Ingested, MAX_BATCH};
use probity_core::ledger::LedgerError;
use probity_core::platform::TenantId;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::metrics::SyslogOutcome;
use crate::state::AppState;

/// Most TCP connections served at once per listener; further ones wait in the backlog.
const MAX_CONNECTIONS: usize = 256;
/// Attempts at a batch the ledger refuses as overloaded before it is dropped (and logged).
const OVERLOAD_ATTEMPTS: u32 = 20;

/// One tenant's listener configuration.
#[derive(Debug, Clone)]
pub struct SyslogListener {
    /// The tenant whose trail receives the events.
    pub tenant: TenantId,
    /// TCP address to listen on, if any.
    pub tcp: Option<SocketAddr>,
    /// UDP address to listen on, if any.
    pub udp: Option<SocketAddr>,
    /// Largest message, in bytes.
    pub max_message_bytes: usize,
}

/// Listeners that are running.
#[derive(Debug)]
pub struct RunningSyslog {
    /// The bound TCP address (port 0 resolved).
    pub tcp: Option<SocketAddr>,
    /// The bound UDP address.
    pub udp: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSyslog {
    /// Waits for the listeners to stop (after the stop signal).
    pub async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Binds the listener's sockets and serves them until `stop` turns true.
pub async fn start(
    state: AppState,
    config: SyslogListener,
    stop: watch::Receiver<bool>,
) -> std::io::Result<RunningSyslog> {
    let mut tasks = Vec::new();
    let mut tcp_addr = None;
    let mut udp_addr = None;
    if let Some(addr) = config.tcp {
        let listener = TcpListener::bind(addr).await?;
        tcp_addr = Some(listener.local_addr()?);
        tasks.push(tokio::spawn(serve_tcp(
            state.clone(),
            config.clone(),
            listener,
            stop.clone(),
        )));
    }
    if let Some(addr) = config.udp {
        let socket = UdpSocket::bind(addr).await?;
        udp_addr = Some(socket.local_addr()?);
        tasks.push(tokio::spawn(serve_udp(
            state.clone(),
            config.clone(),
            socket,
            stop.clone(),
        )));
    }
    Ok(RunningSyslog {
        tcp: tcp_addr,
        udp: udp_addr,
        tasks,
    })
}

async fn serve_tcp(
    state: AppState,
    config: SyslogListener,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let state = state.clone();
                let config = config.clone();
                let stop = stop.clone();
                tokio::spawn(async move {
                    read_stream(&state, &config, stream, peer, stop).await;
                    drop(permit);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "syslog: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn read_stream(
    state: &AppState,
    config: &SyslogListener,
    mut stream: TcpStream,
    peer: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let peer_text = peer.to_string();
    let mut framer = Framer::new(config.max_message_bytes);
    let mut buf = vec![0u8; 64 * 1024];
    let mut batch: Vec<EventInput> = Vec::new();
    loop {
        let read = tokio::select! {
            _ = stop.changed() => break,
            read = stream.read(&mut buf) => read,
        };
        let n = match read {
            Ok(0) => {
                if let Some(frame) = framer.finish() {
                    take_frame(state, frame, &peer_text, &mut batch);
                }
                break;
            }
            Ok(n) => n,
            Err(e) => {
                tracing::debug!(peer = %peer, error = %e, "syslog: read failed");
                break;
            }
        };
        framer.push(buf.get(..n).unwrap_or_default());
        loop {
            match framer.next_frame() {
                Ok(Some(frame)) => {
                    take_frame(state, frame, &peer_text, &mut batch);
                    if batch.len() >= MAX_BATCH {
                        ingest(state, config.tenant, &peer_text, std::mem::take(&mut batch)).await;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    state
                        .metrics()
                        .observe_syslog(SyslogOutcome::StreamDropped, 1);
                    tracing::warn!(peer = %peer, reason = %e, "syslog: closing a stream whose framing is broken");
                    ingest(state, config.tenant, &peer_text, std::mem::take(&mut batch)).await;
                    return;
                }
            }
        }
        if !batch.is_empty() {
            ingest(state, config.tenant, &peer_text, std::mem::take(&mut batch)).await;
        }
    }
    ingest(state, config.tenant, &peer_text, batch).await;
}

/// Turns a frame into an event for the batch, or counts and logs why it cannot be one.
fn take_frame(state: &AppState, frame: Frame, peer: &str, batch: &mut Vec<EventInput>) {
    let bytes = match frame {
        Frame::Message(bytes) => bytes,
        Frame::Invalid(reason) => {
            state.metrics().observe_syslog(SyslogOutcome::Unreadable, 1);
            tracing::warn!(%peer, %reason, "syslog: frame skipped");
            return;
        }
    };
    match parse(&bytes) {
        Ok(message) => batch.push(message.to_event(peer)),
        Err(e) => {
            state.metrics().observe_syslog(SyslogOutcome::Unreadable, 1);
            tracing::warn!(%peer, reason = %e, "syslog: message skipped");
        }
    }
}

/// Ingests a batch, retrying while the ledger is overloaded; counts and logs the outcome.
async fn ingest(state: &AppState, tenant: TenantId, peer: &str, batch: Vec<EventInput>) {
    if batch.is_empty() {
        return;
    }
    let submitter = Submitter {
        kind: ActorKind::Service,
        id: "syslog".to_owned(),
    };
    let mut attempt = 0u32;
    loop {
        match state
            .trail()
            .ingest(tenant, &submitter, batch.clone())
            .await
        {
            Ok(results) => {
                let mut accepted = 0u64;
                for result in results {
                    match result {
                        Ingested::Accepted { .. } => accepted += 1,
                        Ingested::Rejected(errors) => {
                            state.metrics().observe_syslog(SyslogOutcome::Rejected, 1);
                            let fields: Vec<String> = errors
                                .iter()
                                .map(|e| format!("{}: {}", e.field, e.message))
                                .collect();
                            tracing::warn!(%peer, problems = %fields.join("; "), "syslog: message is not a valid audit event");
                        }
                    }
                }
                state
                    .metrics()
                    .observe_syslog(SyslogOutcome::Accepted, accepted);
                return;
            }
            Err(LedgerError::Overloaded { retry_after_secs }) if attempt < OVERLOAD_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(
                    retry_after_secs.clamp(1, 5).saturating_mul(200),
                ))
                .await;
            }
            Err(e) => {
                let n = u64::try_from(batch.len()).unwrap_or(u64::MAX);
                state.metrics().observe_syslog(SyslogOutcome::Rejected, n);
                tracing::error!(%peer, error = %e, dropped = n, "syslog: batch could not be recorded");
                return;
            }
        }
    }
}

async fn serve_udp(
    state: AppState,
    config: SyslogListener,
    socket: UdpSocket,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let received = tokio::select! {
            _ = stop.changed() => return,
            received = socket.recv_from(&mut buf) => received,
        };
        let mut batch = Vec::new();
        let mut peer_text = String::new();
        let mut next = Some(received);
        // Drain what is already queued into one batch.
        while let Some(received) = next.take() {
            match received {
                Ok((n, peer)) => {
                    peer_text = peer.to_string();
                    let mut datagram = buf.get(..n).unwrap_or_default();
                    // A datagram is one message: only trailing line ends are trimmed.
                    while let Some((last, rest)) = datagram.split_last()
                        && matches!(last, b'\n' | b'\r' | 0)
                    {
                        datagram = rest;
                    }
                    let frame = if datagram.len() > config.max_message_bytes {
                        Frame::Invalid(format!(
                            "a datagram of {n} bytes exceeds the limit of {} bytes",
                            config.max_message_bytes
                        ))
                    } else if datagram.is_empty() {
                        Frame::Invalid("an empty datagram".to_owned())
                    } else {
                        Frame::Message(datagram.to_vec())
                    };
                    take_frame(&state, frame, &peer_text, &mut batch);
                }
                Err(e) => tracing::debug!(error = %e, "syslog: UDP receive failed"),
            }
            if batch.len() < MAX_BATCH {
                next = match socket.try_recv_from(&mut buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
                    other => Some(other),
                };
            }
        }
        ingest(&state, config.tenant, &peer_text, batch).await;
    }
}
