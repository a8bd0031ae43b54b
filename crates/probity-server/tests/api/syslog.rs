//! Syslog listeners on real sockets: octet-counted and non-transparent frames on one TCP
//! stream, split across writes, with garbage between them, and UDP datagrams, become audit
//! events of the listener's tenant; unreadable input is counted and skipped without harming the
//! good messages; a stream with broken framing is closed and the listener keeps serving.

use std::time::Duration;

use probity_core::platform::Role;
use probity_server::metrics::SyslogOutcome;
use probity_server::syslog::{SyslogListener, start};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::harness::{TestDatabase, TestServer, seed};

fn octet(msg: &str) -> String {
    format!("{} {msg}", msg.len())
}

/// Settles until the tenant's trail holds `want` syslog events (ingest is asynchronous to
/// the sender), then returns them oldest first.
async fn syslog_events(server: &TestServer, token: &str, want: usize) -> Vec<Value> {
    for _ in 0..200 {
        server.settle().await;
        let page = server
            .get("/api/v1/audit/events?limit=100&source=ingest")
            .token(token)
            .send()
            .await
            .ok(200)
            .json();
        let mut items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= want {
            items.reverse();
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {want} syslog events arrived");
}

pub async fn syslog_over_tcp_and_udp_becomes_audit_events(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let running = start(
        server.state.clone(),
        SyslogListener {
            tenant: acme.tenant.id,
            tcp: Some("127.0.0.1:0".parse().unwrap()),
            udp: Some("127.0.0.1:0".parse().unwrap()),
            max_message_bytes: 2048,
        },
        stop,
    )
    .await
    .expect("listeners bind");
    let tcp = running.tcp.unwrap();
    let udp = running.udp.unwrap();

    // One TCP stream: octet counting, a garbage line, non-transparent framing, a message that
    // is RFC 5424 but not a valid event, and a frame that is not RFC 5424; written in small
    // pieces so frames straddle writes.
    let first = r#"<86>1 2026-03-01T10:00:00Z web-1 sshd 4242 user.login.failed [probity@32473 actor_type="user" actor_id="u-17" outcome="failure" ip="203.0.113.9" control_ids="CC6.1"] Failed password for u-17"#;
    let stream = format!(
        "{}this is not syslog\n<13>1 2026-03-01T10:00:01Z db-2 postgres - - - checkpoint complete\n{}\n<13>Oct 11 22:14:15 old bsd message\n{}",
        octet(first),
        r#"<13>1 - h app - - [probity@32473 category="nope"] bad category"#,
        octet("<11>1 - db-2 postgres - - - disk full"),
    );
    let mut conn = tokio::net::TcpStream::connect(tcp).await.unwrap();
    for chunk in stream.as_bytes().chunks(7) {
        conn.write_all(chunk).await.unwrap();
        conn.flush().await.unwrap();
    }
    conn.shutdown().await.unwrap();
    drop(conn);

    // UDP: one message per datagram, a trailing line feed is fine.
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(b"\x00\x01 garbage datagram", udp)
        .await
        .unwrap();
    sock.send_to(
        b"<38>1 2026-03-01T10:00:02Z fw-1 iptables - data.exported - outbound copy\n",
        udp,
    )
    .await
    .unwrap();

    let token = acme.token(Role::Auditor);
    let events = syslog_events(&server, token, 4).await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(events.len(), 4, "{types:?}");
    let login = events
        .iter()
        .find(|e| e["event_type"] == "user.login.failed")
        .expect("the octet-counted message");
    assert_eq!(login["category"], "authentication");
    assert_eq!(login["actor_type"], "user");
    assert_eq!(login["actor_id"], "u-17");
    assert_eq!(login["outcome"], "failure");
    assert_eq!(login["ip"], "203.0.113.9");
    assert_eq!(login["message"], "Failed password for u-17");
    assert_eq!(login["payload"]["submitted_by"]["id"], "syslog");
    assert_eq!(login["payload"]["details"]["syslog"]["app_name"], "sshd");
    let checkpoint = events
        .iter()
        .find(|e| e["message"] == "checkpoint complete")
        .expect("the non-transparent message");
    assert_eq!(checkpoint["event_type"], "syslog.message");
    assert_eq!(checkpoint["actor_id"], "postgres");
    let disk = events
        .iter()
        .find(|e| e["message"] == "disk full")
        .expect("the last octet-counted message");
    assert_eq!(disk["severity"], "high");
    let exported = events
        .iter()
        .find(|e| e["event_type"] == "data.exported")
        .expect("the datagram");
    assert_eq!(exported["actor_id"], "iptables");
    assert_eq!(exported["severity"], "info");

    // What was skipped is counted, and shown at /metrics.
    let metrics = server.state.metrics();
    assert_eq!(metrics.syslog_count(SyslogOutcome::Accepted), 4);
    assert_eq!(metrics.syslog_count(SyslogOutcome::Rejected), 1);
    assert_eq!(metrics.syslog_count(SyslogOutcome::Unreadable), 3);
    let text = server.get("/metrics").send().await.ok(200).text;
    assert!(
        text.contains("probity_syslog_messages_total{result=\"unreadable\"} 3"),
        "{text}"
    );

    // A stream whose octet count is broken is closed; the listener goes on serving.
    let mut bad = tokio::net::TcpStream::connect(tcp).await.unwrap();
    bad.write_all(b"99999999999 <13>1 x").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(&mut bad, &mut rest),
    )
    .await;
    assert!(closed.is_ok(), "the server closes the broken stream");
    assert_eq!(metrics.syslog_count(SyslogOutcome::StreamDropped), 1);
    let mut again = tokio::net::TcpStream::connect(tcp).await.unwrap();
    again
        .write_all(b"<13>1 - h app - - - after the broken stream\n")
        .await
        .unwrap();
    again.shutdown().await.unwrap();
    let events = syslog_events(&server, token, 5).await;
    assert_eq!(events[4]["message"], "after the broken stream");

    // Other tenants see none of it.
    let other = server
        .get("/api/v1/audit/events?source=ingest")
        .token(world.globex.token(Role::Auditor))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(other["items"].as_array().unwrap().len(), 0);
    server.finish().await;
}
