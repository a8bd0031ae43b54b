//! The support desk over HTTP with a moved clock: a ticket's clocks run in Berlin business
//! hours, pause while it waits on the customer (the due times move by exactly the paused
//! business time), warn and escalate once each through the sweep (audited, notified), stop at
//! the first agent response and at solved; routing by category; metrics with known numbers;
//! bad input is problem JSON naming the field; a stale version is a conflict; another tenant
//! sees none of it.

use chrono::Duration;
use probity_core::platform::Role;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

async fn support_events(server: &TestServer, token: &str) -> Vec<String> {
    server.settle().await;
    let page = server
        .get("/api/v1/audit/events?type=support&limit=200")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn count(events: &[String], kind: &str) -> usize {
    events.iter().filter(|e| *e == kind).count()
}

/// A ticket through pause, warning, breach, first response and solve, in Berlin office
/// hours (09:00–17:00 CET, UTC+1 in early March).
pub async fn support_clocks_pause_warn_and_escalate(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let agent = world.acme.token(Role::Contributor);
    let viewer = world.acme.token(Role::Viewer);
    // 2026-03-02 09:00 UTC is Monday 10:00 in Berlin.
    assert_eq!(server.now().to_rfc3339(), "2026-03-02T09:00:00+00:00");
    let config = server
        .get("/api/v1/support/config")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(config["version"], 0, "{config}");
    assert_eq!(config["default_queue"], "general");
    let hours: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({"day": d, "from": "09:00", "to": "17:00"}))
        .collect();
    let berlin = json!({
        "calendars": [{
            "key": "berlin", "name": "Berlin office", "time_zone": "Europe/Berlin",
            "hours": hours,
            "holidays": ["2026-02-27"],
        }],
        "policies": [{
            "tier": "premium", "priority": "high", "first_response_minutes": 120,
            "resolution_minutes": 480, "calendar": "berlin", "warning_minutes": 30,
        }],
        "routing": [{"category": "billing", "queue": "finance"}],
        "default_queue": "general",
        "version": 0,
    });
    // Only admins configure; a contributor is refused.
    server
        .put("/api/v1/support/config")
        .token(agent)
        .json(&berlin)
        .send()
        .await
        .problem(403, "forbidden");
    let saved = server
        .put("/api/v1/support/config")
        .token(owner)
        .json(&berlin)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(saved["version"], 1, "{saved}");
    // A write from any other version than the stored one is a conflict, version 0 included
    // (it would silently overwrite what another admin saved); nothing changes.
    for version in [0, 7] {
        let mut stale = berlin.clone();
        stale["version"] = json!(version);
        server
            .put("/api/v1/support/config")
            .token(owner)
            .json(&stale)
            .send()
            .await
            .problem(409, "conflict");
    }
    let kept = server
        .get("/api/v1/support/config")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(kept["version"], 1, "{kept}");

    let created = server
        .post("/api/v1/support/tickets")
        .token(agent)
        .json(&json!({
            "customer_ref": "acct-3310", "organization": "Initech",
            "title": "Invoice charged twice", "category": "Billing",
            "priority": "high", "tier": "premium", "assignee": "sam",
        }))
        .send()
        .await
        .ok(201)
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["reference"], "SUP-0001");
    assert_eq!(created["queue"], "finance", "routed by category");
    assert_eq!(created["status"], "new");
    // First response in 2 business hours: 12:00 CET. Resolution in 8: Monday 10:00–17:00 and
    // Tuesday 09:00–10:00 CET.
    assert_eq!(
        created["first_response_clock"]["due_at"], "2026-03-02T11:00:00Z",
        "{created}"
    );
    assert_eq!(
        created["resolution_clock"]["due_at"], "2026-03-03T09:00:00Z",
        "{created}"
    );
    assert_eq!(created["sla_state"], "running");
    let path = format!("/api/v1/support/tickets/{id}");

    // Waiting on the customer from 09:30 to 12:30 UTC (3 business hours) pauses both clocks.
    server.clock().advance(Duration::minutes(30));
    let paused = server
        .post(&format!("{path}/status"))
        .token(agent)
        .json(&json!({"status": "pending_customer", "version": 1}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(paused["sla_state"], "paused", "{paused}");
    server.clock().advance(Duration::hours(3));
    let view = server.get(&path).token(viewer).send().await.ok(200).json();
    assert_eq!(view["first_response_clock"]["state"], "paused");
    assert_eq!(view["first_response_clock"]["remaining_minutes"], 90);
    assert!(view["first_response_clock"]["due_at"].is_null(), "{view}");
    let resumed = server
        .post(&format!("{path}/responses"))
        .token(agent)
        .json(&json!({"body": "Here is the receipt.", "author": "customer"}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(resumed["status"], "open", "a customer reply resumes");
    // Both due times moved by exactly the three paused business hours.
    assert_eq!(
        resumed["first_response_clock"]["due_at"], "2026-03-02T14:00:00Z",
        "{resumed}"
    );
    assert_eq!(
        resumed["resolution_clock"]["due_at"], "2026-03-03T12:00:00Z",
        "{resumed}"
    );
    assert_eq!(resumed["first_response_clock"]["state"], "running");
    // Both due times are in the compliance calendar.
    let cal = server
        .get("/api/v1/calendar?from=2026-03-01&to=2026-03-31&kind=support_ticket_due")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let due: Vec<&str> = cal["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["due_at"].as_str())
        .collect();
    assert_eq!(
        due,
        ["2026-03-02T14:00:00Z", "2026-03-03T12:00:00Z"],
        "{cal}"
    );

    // An internal note changes no clock.
    let noted = server
        .post(&format!("{path}/notes"))
        .token(agent)
        .json(&json!({"body": "Duplicate charge confirmed in Stripe."}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        noted["first_response_clock"]["due_at"],
        "2026-03-02T14:00:00Z"
    );
    assert_eq!(noted["messages"][1]["public"], false, "{noted}");

    // 25 minutes before the first response is due: one warning, once.
    server.clock().advance(Duration::minutes(65));
    assert_eq!(server.now().to_rfc3339(), "2026-03-02T13:35:00+00:00");
    let r = server.state.support().sweep().await.unwrap();
    assert_eq!((r.warned, r.escalated), (1, 0), "{r:?}");
    let r = server.state.support().sweep().await.unwrap();
    assert_eq!((r.warned, r.escalated), (0, 0), "{r:?}");
    let view = server.get(&path).token(viewer).send().await.ok(200).json();
    assert_eq!(view["sla_state"], "at_risk", "{view}");
    // Past it: one escalation, once.
    server.clock().advance(Duration::minutes(26));
    let r = server.state.support().sweep().await.unwrap();
    assert_eq!((r.warned, r.escalated), (0, 1), "{r:?}");
    let r = server.state.support().sweep().await.unwrap();
    assert_eq!((r.warned, r.escalated), (0, 0), "{r:?}");
    let view = server.get(&path).token(viewer).send().await.ok(200).json();
    assert_eq!(view["first_response_clock"]["state"], "breached");
    assert_eq!(
        view["first_response_clock"]["breached_at"],
        "2026-03-02T14:00:00Z"
    );

    // The first agent response stops that clock, late; the resolution clock runs on.
    let answered = server
        .post(&format!("{path}/responses"))
        .token(agent)
        .json(&json!({"body": "Refund issued."}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(answered["first_response_clock"]["state"], "breached");
    assert_eq!(answered["first_response_clock"]["consumed_minutes"], 121);
    assert!(answered["first_response_clock"]["stopped_at"].is_string());
    assert_eq!(answered["resolution_clock"]["state"], "running");

    // Tuesday 12:45 CET: the resolution clock is within its 30-minute lead time.
    server.clock().advance(Duration::minutes(21 * 60 + 44));
    assert_eq!(server.now().to_rfc3339(), "2026-03-03T11:45:00+00:00");
    let r = server.state.support().sweep().await.unwrap();
    assert_eq!((r.warned, r.escalated), (1, 0), "{r:?}");
    server.clock().advance(Duration::minutes(5));
    let version = server.get(&path).token(viewer).send().await.ok(200).json()["version"]
        .as_u64()
        .unwrap();
    // A stale version is a conflict; the right one solves it in time.
    server
        .post(&format!("{path}/status"))
        .token(agent)
        .json(&json!({"status": "solved", "version": version - 1}))
        .send()
        .await
        .problem(409, "conflict");
    let solved = server
        .post(&format!("{path}/status"))
        .token(agent)
        .json(&json!({"status": "solved", "version": version}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(solved["resolution_clock"]["state"], "met", "{solved}");
    assert_eq!(solved["resolution_clock"]["consumed_minutes"], 470);
    assert_eq!(
        solved["sla_state"], "breached",
        "the first response stays breached"
    );
    // Nothing is left to sweep.
    let r = server.state.support().sweep().await.unwrap();
    assert_eq!(r.tickets, 0, "{r:?}");

    // Every change is audited, the warnings and the escalation once each.
    let events = support_events(&server, owner).await;
    assert_eq!(count(&events, "support.config.updated"), 1, "{events:?}");
    assert_eq!(count(&events, "support.ticket.created"), 1);
    assert_eq!(count(&events, "support.ticket.status_changed"), 2);
    assert_eq!(count(&events, "support.ticket.responded"), 2);
    assert_eq!(count(&events, "support.ticket.noted"), 1);
    assert_eq!(count(&events, "support.sla.warning"), 2);
    assert_eq!(count(&events, "support.sla.breached"), 1);
    // And raised as notifications.
    let notes = server
        .get("/api/v1/notifications")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let kinds: Vec<&str> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "support.sla.warning")
            .count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "support.sla.breached")
            .count(),
        1,
        "{kinds:?}"
    );

    // A viewer reads but cannot write; another tenant sees nothing.
    server
        .post(&format!("{path}/notes"))
        .token(viewer)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .get(&path)
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");
    let theirs = server
        .get("/api/v1/support/tickets")
        .token(world.globex.owner_token())
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["items"], json!([]));
    server.finish().await;
}

/// Four tickets on the default policies with responses at known minutes: routing, filters,
/// metrics by agent, tier and priority, and bad input naming its field.
pub async fn support_routing_metrics_and_bad_input(db: TestDatabase) {
    let server = TestServer::start_with(db, true).await;
    let world = seed(&server.platform).await;
    let agent = world.acme.token(Role::Contributor);
    let t0 = server.now();
    let open = |category: &str, tier: &str, assignee: &str, queue: Option<&str>| {
        json!({
            "customer_ref": format!("acct-{assignee}-{category}"), "title": format!("{category} issue"),
            "category": category, "tier": tier, "priority": "normal", "assignee": assignee,
            "queue": queue,
        })
    };
    let mut ids = Vec::new();
    for body in [
        open("billing", "enterprise", "ana", None),
        open("outage", "enterprise", "ana", None),
        open("how-to", "enterprise", "ben", None),
        open("billing", "premium", "ben", Some("vip")),
    ] {
        let t = server
            .post("/api/v1/support/tickets")
            .token(agent)
            .json(&body)
            .send()
            .await
            .ok(201)
            .json();
        ids.push((
            t["id"].as_str().unwrap().to_owned(),
            t["queue"].as_str().unwrap().to_owned(),
        ));
    }
    let queues: Vec<&str> = ids.iter().map(|(_, q)| q.as_str()).collect();
    assert_eq!(queues, ["billing", "incidents", "general", "vip"]);
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| ids[i].0.clone());
    let respond = |id: &str| {
        server
            .post(&format!("/api/v1/support/tickets/{id}/responses"))
            .token(agent)
            .json(&json!({"body": "On it."}))
    };
    let solve = |id: &str| {
        server
            .post(&format!("/api/v1/support/tickets/{id}/status"))
            .token(agent)
            .json(&json!({"status": "solved"}))
    };
    // First responses after 30, 90, 150 and 300 minutes (enterprise normal: 240 around the
    // clock; premium normal: 240 in office hours, Monday 09:00–17:00 UTC is all open).
    server.clock().advance(Duration::minutes(30));
    respond(&a).send().await.ok(200);
    server.clock().advance(Duration::minutes(60));
    respond(&b).send().await.ok(200);
    server.clock().advance(Duration::minutes(60));
    respond(&d).send().await.ok(200);
    server.clock().advance(Duration::minutes(150));
    respond(&c).send().await.ok(200);
    // Solved after 360 and 420 minutes.
    server.clock().advance(Duration::minutes(60));
    solve(&a).send().await.ok(200);
    server.clock().advance(Duration::minutes(60));
    solve(&d).send().await.ok(200);

    let list = |query: &str| {
        let server = &server;
        let query = query.to_owned();
        async move {
            let v = server
                .get(&format!("/api/v1/support/tickets{query}"))
                .token(agent)
                .send()
                .await
                .ok(200)
                .json();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("?queue=billing").await, std::slice::from_ref(&a));
    assert_eq!(list("?sla_state=breached").await, std::slice::from_ref(&c));
    let mut solved = list("?status=solved").await;
    solved.sort();
    let mut expected = vec![a.clone(), d.clone()];
    expected.sort();
    assert_eq!(solved, expected);
    assert_eq!(
        list("?tier=premium&assignee=ben").await,
        std::slice::from_ref(&d)
    );
    // Open tickets first, most urgent (breached) first.
    assert_eq!(list("").await.first(), Some(&c));

    let from = (t0 - Duration::hours(1)).to_rfc3339();
    let to = (t0 + Duration::days(1)).to_rfc3339();
    let m = server
        .get(&format!(
            "/api/v1/support/metrics?from={}&to={}",
            urlencode(&from),
            urlencode(&to)
        ))
        .token(world.acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let o = &m["overall"];
    assert_eq!(o["tickets"], 4, "{m}");
    assert_eq!(o["first_response"]["count"], 4);
    assert_eq!(o["first_response"]["median_minutes"], 120.0);
    assert_eq!(o["first_response"]["p90_minutes"], 300.0);
    assert_eq!(o["resolution"]["count"], 2);
    assert_eq!(o["resolution"]["median_minutes"], 390.0);
    assert_eq!(o["resolution"]["p90_minutes"], 420.0);
    assert_eq!(o["breached"], 1);
    assert_eq!(o["breach_rate"], 0.25);
    let group = |list: &str, key: &str| -> Value {
        m[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let ana = group("by_agent", "ana");
    assert_eq!(
        (ana["tickets"].clone(), ana["breach_rate"].clone()),
        (json!(2), json!(0.0))
    );
    assert_eq!(ana["first_response"]["median_minutes"], 60.0);
    let ben = group("by_agent", "ben");
    assert_eq!(ben["first_response"]["median_minutes"], 225.0, "{ben}");
    assert_eq!(ben["breach_rate"], 0.5);
    assert_eq!(group("by_tier", "enterprise")["tickets"], 3);
    assert_eq!(
        group("by_tier", "premium")["resolution"]["median_minutes"],
        420.0
    );
    assert_eq!(group("by_priority", "normal")["tickets"], 4);
    // Before the tickets existed: nothing.
    let empty = server
        .get("/api/v1/support/metrics?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z")
        .token(agent)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(empty["overall"]["tickets"], 0);
    assert!(empty["overall"]["first_response"]["median_minutes"].is_null());

    // Bad input: a problem naming the field.
    for (body, field) in [
        (open("billing", "gold", "ana", None), "tier"),
        (
            json!({"customer_ref": "a", "title": " ", "category": "x", "tier": "standard"}),
            "title",
        ),
        (
            json!({"customer_ref": "a", "title": "t", "category": "no spaces please", "tier": "standard"}),
            "category",
        ),
        (
            json!({"customer_ref": "a", "title": "t", "category": "x", "tier": "standard", "opened_at": "2030-01-01T00:00:00Z"}),
            "opened_at",
        ),
    ] {
        let p = server
            .post("/api/v1/support/tickets")
            .token(agent)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let p = server
        .post(&format!("/api/v1/support/tickets/{a}/status"))
        .token(agent)
        .json(&json!({"status": "pending_customer"}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "status", "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("solved to pending_customer"),
        "{p}"
    );
    let p = server
        .post(&format!("/api/v1/support/tickets/{b}/responses"))
        .token(agent)
        .json(&json!({"body": ""}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "body", "{p}");
    let p = server
        .get("/api/v1/support/metrics?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z")
        .token(agent)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "from", "{p}");
    let owner = world.acme.owner_token();
    let mut config = server
        .get("/api/v1/support/config")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    config["calendars"][0]["time_zone"] = json!("Mars/Olympus");
    let p = server
        .put("/api/v1/support/config")
        .token(owner)
        .json(&config)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "calendars[0].time_zone", "{p}");
    config["calendars"][0]["time_zone"] = json!("UTC");
    config["calendars"][0]["hours"][0]["to"] = json!("08:00");
    let p = server
        .put("/api/v1/support/config")
        .token(owner)
        .json(&config)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "calendars[0].hours[0].to", "{p}");
    // A new routing rule, first match wins, applies to the next ticket.
    config["calendars"][0]["hours"][0]["to"] = json!("17:00");
    config["routing"] = json!([
        {"category": "billing", "queue": "finance"},
        {"category": "billing", "queue": "never"},
    ]);
    server
        .put("/api/v1/support/config")
        .token(owner)
        .json(&config)
        .send()
        .await
        .ok(200);
    let e = server
        .post("/api/v1/support/tickets")
        .token(agent)
        .json(&open("billing", "standard", "ana", None))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(e["queue"], "finance");
    // Raising the priority gives new targets and keeps what was consumed.
    let id = e["id"].as_str().unwrap();
    let raised = server
        .patch(&format!("/api/v1/support/tickets/{id}"))
        .token(agent)
        .json(&json!({"priority": "urgent", "assignee": ""}))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(raised["priority"], "urgent");
    assert_eq!(raised["first_response_clock"]["target_minutes"], 120);
    assert!(raised["assignee"].is_null(), "{raised}");
    server.finish().await;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
