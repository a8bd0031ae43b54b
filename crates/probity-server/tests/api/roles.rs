//! The role matrix: each of the six roles against every route of each class, with the expected
//! answer written out here rather than computed from the rules under test; and the grant rules
//! (nobody grants above their role, only owners make owners, a tenant keeps an owner).

use probity_core::audit::Actor;
use probity_core::platform::{Principal, Role};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::harness::{PASSWORD, TestDatabase, TestServer, seed};
use crate::routes::RouteClass::{self, *};
use crate::routes::{ROUTES, Targets};

/// The classes of route each role may use; every other class answers 403.
const ALLOWED: &[(Role, &[RouteClass])] = &[
    (
        Role::Owner,
        &[
            Read,
            Write,
            Audit,
            ManageTokens,
            ManageMembers,
            TenantSettings,
            Approve,
            Identity,
            Assess,
        ],
    ),
    (
        Role::Admin,
        &[
            Read,
            Write,
            Audit,
            ManageTokens,
            ManageMembers,
            TenantSettings,
            Approve,
            Identity,
            Assess,
        ],
    ),
    (
        Role::ComplianceManager,
        &[Read, Write, Audit, Approve, Identity, Assess],
    ),
    (Role::Auditor, &[Read, Audit, Identity, Assess]),
    (Role::Contributor, &[Read, Write, Identity, Assess]),
    (Role::Viewer, &[Read, Identity]),
];

/// Each role's token calls every tenant route (all but the session-only own-account ones);
/// the allowed ones succeed, the rest are 403 problems, and the table covers every class.
pub async fn each_role_against_each_route_class(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let system = Principal::system(acme.tenant.clone(), "test");
    let password = SecretString::from(PASSWORD.to_owned());
    // The ledger routes need entries and a checkpoint to answer 200.
    let ticked = probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    assert!(ticked.drained >= 2 && ticked.signed >= 1, "{ticked:?}");
    assert_eq!(ALLOWED.len(), Role::ALL.len());
    let mut n = 0;
    let mut checked = std::collections::BTreeSet::new();
    for (role, allowed) in ALLOWED {
        for route in ROUTES
            .iter()
            .filter(|r| r.class != OwnAccount && r.class != Lead)
        {
            n += 1;
            // Fresh targets for routes that name one, so a removal by one role cannot turn
            // the next role's answer into a 404.
            let member = server
                .platform
                .create_user(
                    &Actor::system("test"),
                    &acme.tenant,
                    &format!("target{n}@acme.test"),
                    None,
                    &password,
                    Role::Viewer,
                )
                .await
                .unwrap();
            let token = server
                .platform
                .create_token(&system, &format!("target {n}"), Role::Viewer, None)
                .await
                .unwrap();
            let mut targets = Targets::of(member.id, token.record.id)
                .with_notify(&server, &acme.tenant, n)
                .await;
            if route.needs_governance() {
                targets = targets.with_governance(&server, &acme.tenant, n).await;
            }
            if route.needs_assurance() {
                targets = targets.with_assurance(&server, &acme.tenant, n).await;
            }
            if route.needs_service_levels() {
                targets = targets.with_service_levels(&server, &acme.tenant, n).await;
            }
            if route.needs_reports() {
                targets = targets.with_reports(&server, &acme.tenant, n).await;
            }
            if route.needs_detection() {
                targets = targets.with_detection(&server, &acme.tenant, n).await;
            }
            if route.needs_hold() {
                targets = targets.with_hold(&server, &acme.tenant, n).await;
            }
            if route.needs_privacy() {
                targets = targets.with_privacy(&server, &acme.tenant, n).await;
            }
            if route.needs_support() {
                targets = targets.with_support(&server, &acme.tenant, n).await;
            }
            if route.needs_questionnaire_template() {
                targets = targets
                    .with_questionnaire_template(&server, &acme.tenant, n)
                    .await;
            }
            if route.needs_calendar_feed() {
                let caller = server
                    .platform
                    .authenticate_token(acme.token(*role))
                    .await
                    .unwrap();
                targets = targets.with_calendar_feed(&server, &caller, n).await;
            }
            let path = route.path_for(&targets);
            let reply = route
                .request(&server, &path, n, &targets)
                .token(acme.token(*role))
                .send()
                .await;
            if allowed.contains(&route.class) {
                assert!(
                    (200..300).contains(&reply.status),
                    "{role} should be allowed {} ({:?}) but got {}: {}",
                    reply.label,
                    route.class,
                    reply.status,
                    reply.text
                );
            } else {
                assert_eq!(
                    reply.status, 403,
                    "{role} should be refused {} ({:?}) but got {}: {}",
                    reply.label, route.class, reply.status, reply.text
                );
                reply.problem(403, "forbidden");
                // A refusal changes nothing: the target token still works.
                server
                    .get("/api/v1/auth/me")
                    .token(token.token.expose_secret())
                    .send()
                    .await
                    .ok(200);
            }
            checked.insert(route.class);
        }
    }
    let expected = std::collections::BTreeSet::from([
        Read,
        Write,
        Audit,
        ManageTokens,
        ManageMembers,
        TenantSettings,
        Approve,
        Identity,
        PlatformAdmin,
        Assess,
    ]);
    assert_eq!(checked, expected, "a route class has no route in ROUTES");
    server.finish().await;
}

/// An admin cannot issue an owner token or make an owner; nobody removes or demotes the last
/// owner (409), while an owner with a co-owner can step down.
pub async fn grants_stop_at_the_granters_role_and_an_owner_remains(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let admin = acme.token(Role::Admin);
    server
        .post("/api/v1/tokens")
        .token(admin)
        .json(&json!({ "name": "escalate", "role": "owner" }))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .post("/api/v1/members")
        .token(admin)
        .json(&json!({ "email": "boss@acme.test", "password": PASSWORD, "role": "owner" }))
        .send()
        .await
        .problem(403, "forbidden");
    // A compliance manager token cannot mint an admin token either (nor anything: no permission).
    server
        .post("/api/v1/tokens")
        .token(acme.token(Role::ComplianceManager))
        .json(&json!({ "name": "escalate", "role": "admin" }))
        .send()
        .await
        .problem(403, "forbidden");
    // Admins manage admins and below.
    let added = server
        .post("/api/v1/members")
        .token(admin)
        .json(&json!({ "email": "deputy@acme.test", "password": PASSWORD, "role": "admin" }))
        .send()
        .await
        .ok(201)
        .json();
    let deputy = added["user"]["id"].as_str().unwrap().to_owned();
    server
        .patch(&format!("/api/v1/members/{deputy}"))
        .token(admin)
        .json(&json!({ "role": "owner" }))
        .send()
        .await
        .problem(403, "forbidden");

    let owner_path = format!("/api/v1/members/{}", acme.owner.id);
    server
        .patch(&owner_path)
        .token(admin)
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .delete(&owner_path)
        .token(admin)
        .send()
        .await
        .problem(403, "forbidden");
    let owner = acme.owner_token();
    server
        .delete(&owner_path)
        .token(owner)
        .send()
        .await
        .problem(409, "conflict");
    server
        .patch(&owner_path)
        .token(owner)
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .problem(409, "conflict");
    let members = server
        .get("/api/v1/members")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let owner_row = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == acme.owner.id.to_string());
    assert_eq!(owner_row.unwrap()["role"], "owner");

    // With a second owner, the first may step down.
    server
        .patch(&format!("/api/v1/members/{deputy}"))
        .token(owner)
        .json(&json!({ "role": "owner" }))
        .send()
        .await
        .ok(200);
    let demoted = server
        .patch(&owner_path)
        .token(owner)
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(demoted["role"], "admin");
    server.finish().await;
}
