//! The tenant's audit trail over HTTP: API changes appear as events, newest first, attributed
//! to the token that made them, and only in their own tenant.

use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

/// The records of a page (each item carries the record it indexes as its payload).
fn events(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["payload"].clone())
        .collect()
}

pub async fn changes_are_listed_newest_first(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let token = server
        .post("/api/v1/tokens")
        .token(owner)
        .json(&json!({ "name": "deploy bot", "role": "contributor" }))
        .send()
        .await
        .ok(201)
        .json();
    let member = server
        .post("/api/v1/members")
        .token(owner)
        .json(&json!({ "email": "auditee@acme.test", "password": "plum-orchard-lantern-42", "role": "auditor" }))
        .send()
        .await
        .ok(201)
        .json();
    let token_id = token["record"]["id"].as_str().unwrap();
    let user_id = member["user"]["id"].as_str().unwrap();

    server.settle().await;
    let list = events(
        &server
            .get("/api/v1/audit/events")
            .token(owner)
            .send()
            .await
            .ok(200)
            .json(),
    );
    let position = |event_type: &str, resource: &str| {
        list.iter()
            .position(|e| e["event_type"] == event_type && e["resource_id"] == resource)
            .unwrap_or_else(|| panic!("no {event_type} event for {resource} in {list:#?}"))
    };
    let token_created = position("api_token.created", token_id);
    let member_created = position("membership.created", user_id);
    assert!(
        member_created < token_created,
        "newest first: the membership came after the token"
    );
    let ids: Vec<&str> = list.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "events are not newest first");

    let created = &list[token_created];
    assert_eq!(created["tenant_id"], world.acme.tenant.id.to_string());
    assert_eq!(created["actor"]["kind"], "api_token");
    assert_eq!(
        created["actor"]["id"],
        world
            .acme
            .token_id(probity_core::platform::Role::Owner)
            .to_string()
    );
    assert_eq!(created["outcome"], "success");
    assert_eq!(created["details"]["role"], "contributor");
    assert!(
        !created
            .to_string()
            .contains(token["token"].as_str().unwrap()),
        "the secret is in the audit trail"
    );
    assert_eq!(list[member_created]["details"]["role"], "auditor");
    assert!(
        list.iter()
            .all(|e| e["tenant_id"] == world.acme.tenant.id.to_string()),
        "{list:#?}"
    );

    // Pages of one walk the same list in the same order.
    let mut walked = Vec::new();
    let mut query = "limit=1".to_owned();
    loop {
        let page = server
            .get(&format!("/api/v1/audit/events?{query}"))
            .token(owner)
            .send()
            .await
            .ok(200)
            .json();
        walked.extend(
            events(&page)
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(walked, ids);

    // Globex's trail has none of it.
    let theirs = events(
        &server
            .get("/api/v1/audit/events")
            .token(world.globex.owner_token())
            .send()
            .await
            .ok(200)
            .json(),
    );
    assert!(!theirs.is_empty());
    assert!(
        theirs
            .iter()
            .all(|e| e["tenant_id"] == world.globex.tenant.id.to_string()),
        "{theirs:#?}"
    );
    assert!(
        !theirs
            .iter()
            .any(|e| e["resource_id"] == token_id || e["resource_id"] == user_id)
    );
    server.finish().await;
}
