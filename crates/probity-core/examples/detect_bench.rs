//! Detection benchmark (issue #4 "Measure": ingest overhead of 20 active detection rules
//! < 10 %): 1,000,000 synthetic audit events fed through an engine with 20 rules of every
//! kind, beside, in the same run, the same events through an engine without rules (the loop
//! itself) and the parse of each event's JSON body (the least work ingest does per event).
//!
//! Evaluation runs in the ledger task after indexing, off the request path; its cost per event
//! is what it adds to the CPU an event takes. Run: `cargo run --release -p probity-core
//! --example detect_bench`
#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use probity_core::audit::detect::*;
use probity_core::audit::event::{Category, EventOutcome, Severity};
use probity_core::audit::index::{EventSource, IndexedEvent};
use probity_core::governance::Party;
use probity_core::platform::TenantId;

const EVENTS: usize = 1_000_000;

fn rules() -> Vec<DetectionRule> {
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let kinds: Vec<(Option<&str>, RuleKind)> = vec![
        (
            Some("user.login.failed"),
            RuleKind::Threshold {
                count: 5,
                window_minutes: 10,
                group_by: GroupBy::Actor,
            },
        ),
        (
            Some("user.login.failed"),
            RuleKind::Threshold {
                count: 20,
                window_minutes: 10,
                group_by: GroupBy::Ip,
            },
        ),
        (
            Some("data.exported"),
            RuleKind::Threshold {
                count: 50,
                window_minutes: 60,
                group_by: GroupBy::Actor,
            },
        ),
        (
            Some("access.denied"),
            RuleKind::Threshold {
                count: 10,
                window_minutes: 5,
                group_by: GroupBy::Resource,
            },
        ),
        (
            Some("data"),
            RuleKind::Threshold {
                count: 500,
                window_minutes: 1,
                group_by: GroupBy::Actor,
            },
        ),
        (
            None,
            RuleKind::RateSpike {
                window_minutes: 5,
                factor: 3.0,
                baseline_windows: 12,
                min_count: 100,
            },
        ),
        (
            Some("data.exported"),
            RuleKind::RateSpike {
                window_minutes: 10,
                factor: 4.0,
                baseline_windows: 6,
                min_count: 20,
            },
        ),
        (
            Some("user.login"),
            RuleKind::RateSpike {
                window_minutes: 1,
                factor: 5.0,
                baseline_windows: 30,
                min_count: 50,
            },
        ),
        (
            Some("data.accessed"),
            RuleKind::OffHours {
                start_hour: 7,
                end_hour: 19,
                weekends_working: false,
            },
        ),
        (
            Some("config.changed"),
            RuleKind::OffHours {
                start_hour: 8,
                end_hour: 18,
                weekends_working: false,
            },
        ),
        (
            Some("key"),
            RuleKind::OffHours {
                start_hour: 9,
                end_hour: 17,
                weekends_working: false,
            },
        ),
        (None, RuleKind::RiskAbove { min_risk: 0.9 }),
        (Some("data"), RuleKind::RiskAbove { min_risk: 0.7 }),
        (Some("user.login"), RuleKind::FirstSeenIp),
        (Some("data.exported"), RuleKind::FirstSeenIp),
        (
            Some("access.denied"),
            RuleKind::Sequence {
                then_type: "data.exported".into(),
                within_minutes: 30,
            },
        ),
        (
            Some("user.role.granted"),
            RuleKind::Sequence {
                then_type: "data.exported".into(),
                within_minutes: 60,
            },
        ),
        (
            Some("user.login.failed"),
            RuleKind::Sequence {
                then_type: "user.login".into(),
                within_minutes: 5,
            },
        ),
        (
            Some("config.changed"),
            RuleKind::Sequence {
                then_type: "key.rotated".into(),
                within_minutes: 15,
            },
        ),
        (
            Some("malware.detected"),
            RuleKind::Threshold {
                count: 2,
                window_minutes: 60,
                group_by: GroupBy::Resource,
            },
        ),
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, (event_type, kind))| DetectionRule {
            id: DetectionRuleId::new(),
            tenant_id: TenantId::new(),
            name: format!("rule {i}"),
            enabled: true,
            severity: AlertSeverity::High,
            matcher: RuleMatch {
                event_type: event_type.map(str::to_owned),
                ..RuleMatch::default()
            },
            kind,
            cooldown_minutes: 30,
            policy_id: None,
            version: 1,
            created_by: Party {
                id: "bench".into(),
                name: "bench".into(),
            },
            created_at: now,
            updated_at: now,
        })
        .collect()
}

fn events() -> (Vec<IndexedEvent>, Vec<String>) {
    let types = [
        "user.login",
        "user.login.failed",
        "data.accessed",
        "data.exported",
        "data.changed",
        "access.denied",
        "config.changed",
        "key.rotated",
        "user.role.granted",
        "malware.detected",
    ];
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut out = Vec::with_capacity(EVENTS);
    let mut bodies = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        // About 100 events a second over ~2.8 hours... of a week of ledger time: 0.6 s apart.
        let at = start + Duration::milliseconds(i as i64 * 600);
        let event_type = types[(next() % types.len() as u64) as usize];
        // 500 actors, each from its own address but one event in a hundred from another;
        // risk mostly low, one event in fifty above 0.9.
        let who = next() % 500;
        let actor = format!("user-{who}");
        let ip = if next() % 100 == 0 {
            format!("172.16.{}.{}", next() % 16, next() % 250)
        } else {
            format!("10.0.{}.{}", who / 250, who % 250)
        };
        let risk = if next() % 50 == 0 {
            0.95
        } else {
            (next() % 50) as f64 / 100.0
        };
        bodies.push(format!(
            r#"{{"event_type":"{event_type}","category":"data_access","severity":"low","outcome":"success","actor":{{"type":"user","id":"{actor}"}},"resource":{{"type":"invoice","id":"inv-{i}"}},"ip":"{ip}","risk_score":{risk},"occurred_at":"{}","details":{{"n":{i}}}}}"#,
            at.to_rfc3339()
        ));
        out.push(IndexedEvent {
            index: i as u64,
            source: EventSource::Ingest,
            event_type: event_type.into(),
            category: Category::DataAccess,
            severity: Severity::Low,
            actor_type: "user".into(),
            actor_id: actor,
            actor_name: String::new(),
            action: String::new(),
            resource_type: Some("invoice".into()),
            resource_id: Some(format!("inv-{}", next() % 2000)),
            outcome: EventOutcome::Success,
            ip: Some(ip),
            control_ids: vec![],
            risk_score: Some(risk),
            subject_ids: vec![],
            occurred_at: at,
            recorded_at: at,
            message: None,
            payload: serde_json::Value::Null,
        });
    }
    (out, bodies)
}

fn main() {
    let (events, bodies) = events();
    println!(
        "{EVENTS} events, 20 rules (5 threshold, 3 rate spike, 3 off hours, 2 risk, 2 first-seen IP, 4 sequence, 1 more threshold)"
    );

    let t = Instant::now();
    let mut parsed = 0usize;
    for b in &bodies {
        let v: serde_json::Value = serde_json::from_str(b).unwrap();
        parsed += usize::from(v.is_object());
    }
    let parse = t.elapsed();
    assert_eq!(parsed, EVENTS);

    let mut empty = Engine::new(vec![]);
    let t = Instant::now();
    let mut none = 0usize;
    for e in &events {
        none += empty.feed(e).len();
    }
    let loop_only = t.elapsed();
    assert_eq!(none, 0);

    let mut engine = Engine::new(rules());
    let t = Instant::now();
    let mut alerts = 0usize;
    for e in &events {
        alerts += engine.feed(e).len();
    }
    let twenty = t.elapsed();

    let per = |d: std::time::Duration| d.as_nanos() as f64 / EVENTS as f64;
    println!("| work per event | ns/event | events/s |");
    println!("|---|---:|---:|");
    for (label, d) in [
        (
            "parse the event's JSON body (baseline: the least ingest does)",
            parse,
        ),
        ("engine without rules (loop)", loop_only),
        ("engine with 20 rules", twenty),
    ] {
        println!(
            "| {label} | {:.0} | {:.0} |",
            per(d),
            EVENTS as f64 / d.as_secs_f64()
        );
    }
    println!("alerts raised: {alerts}");
    println!(
        "20 rules cost {:.1} % of the JSON parse alone; at the 100,000 events/s ingest target (10 us/event) they add {:.1} %",
        per(twenty) / per(parse) * 100.0,
        per(twenty) / 10_000.0 * 100.0
    );
}
