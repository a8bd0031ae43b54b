//! Tenant isolation: every route of [`ROUTES`], called with one tenant's credentials (API token
//! or session), never reaches another tenant's data or changes it.

use std::collections::BTreeSet;

use probity_core::audit::Actor;
use probity_core::platform::{Role, UserId};
use secrecy::SecretString;

use crate::harness::{Call, Org, PASSWORD, Reply, Session, TestDatabase, TestServer, World, seed};
use crate::routes::{ROUTES, Targets};

/// How the acme caller authenticates in a round of the table.
#[derive(Debug, Clone, Copy)]
enum Credential {
    Token,
    Session,
}

impl Credential {
    async fn apply(self, call: Call, server: &TestServer, acme: &Org) -> Call {
        match self {
            Credential::Token => call.token(acme.owner_token()),
            // A fresh session per call: one of the routes ends the session.
            Credential::Session => {
                let session: Session = server.login(acme.owner_email(), PASSWORD).await;
                call.session(&session)
            }
        }
    }
}

/// Fails if `reply` carries any of `org`'s markers that the request itself did not carry.
fn assert_no_leak(reply: &Reply, org: &Org, request_text: &str) {
    for marker in org.markers() {
        if request_text.contains(&marker) {
            continue;
        }
        assert!(
            !reply.text.contains(&marker),
            "{} (status {}) leaked {marker:?} of tenant {}: {}",
            reply.label,
            reply.status,
            org.tenant.slug,
            reply.text
        );
    }
}

/// A globex member that is not the last owner, so a broken check would let a change through
/// instead of failing for another reason.
async fn globex_analyst(server: &TestServer, world: &World) -> UserId {
    let password = SecretString::from(PASSWORD.to_owned());
    server
        .platform
        .create_user(
            &Actor::system("test"),
            &world.globex.tenant,
            "analyst@globex.test",
            None,
            &password,
            Role::Viewer,
        )
        .await
        .unwrap()
        .id
}

/// Globex is as seeded: every token works and is unrevoked, the analyst is still a viewer,
/// the tenant keeps its name.
async fn assert_globex_untouched(server: &TestServer, globex: &Org, analyst: UserId) {
    let owner = globex.owner_token();
    let tenant = server
        .get("/api/v1/tenant")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(tenant["slug"], "globex");
    assert_eq!(tenant["name"], "Globex Corporation");
    for role in Role::ALL {
        let me = server
            .get("/api/v1/auth/me")
            .token(globex.token(role))
            .send()
            .await
            .ok(200)
            .json();
        assert_eq!(me["tenant"]["slug"], "globex");
    }
    let tokens = server
        .get("/api/v1/tokens")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let tokens = tokens["items"].as_array().unwrap();
    assert_eq!(tokens.len(), Role::ALL.len(), "globex tokens: {tokens:?}");
    assert!(
        tokens.iter().all(|t| t["revoked_at"].is_null()),
        "a globex token was revoked: {tokens:?}"
    );
    let members = server
        .get("/api/v1/members")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let roles: BTreeSet<(String, String)> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = BTreeSet::from([
        (globex.owner.id.to_string(), "owner".to_owned()),
        (analyst.to_string(), "viewer".to_owned()),
    ]);
    assert_eq!(roles, expected, "globex members changed");
}

/// Acme's owner, by token and by session, calls every route with globex's ids in the path:
/// each such call is refused (404 or 403), no answer carries globex's data, and globex is
/// unchanged afterwards.
pub async fn foreign_ids_are_refused_and_nothing_leaks(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let analyst = globex_analyst(&server, &world).await;
    let foreign_token = world.globex.token_id(Role::Owner);
    let foreign = Targets::of(analyst, foreign_token)
        .with_notify(&server, &world.globex.tenant, 0)
        .await
        .with_governance(&server, &world.globex.tenant, 0)
        .await
        .with_assurance(&server, &world.globex.tenant, 0)
        .await
        .with_service_levels(&server, &world.globex.tenant, 0)
        .await
        .with_reports(&server, &world.globex.tenant, 0)
        .await
        .with_hold(&server, &world.globex.tenant, 0)
        .await
        .with_detection(&server, &world.globex.tenant, 0)
        .await
        .with_privacy(&server, &world.globex.tenant, 0)
        .await
        .with_support(&server, &world.globex.tenant, 0)
        .await
        .with_questionnaire_template(&server, &world.globex.tenant, 0)
        .await;
    let globex_owner = server
        .platform
        .authenticate_token(world.globex.owner_token())
        .await
        .unwrap();
    let foreign = foreign.with_calendar_feed(&server, &globex_owner, 0).await;
    let mut n = 0;
    for credential in [Credential::Token, Credential::Session] {
        for route in ROUTES {
            n += 1;
            let path = route.path_for(&foreign);
            let call = route.request(&server, &path, n, &foreign);
            let reply = credential
                .apply(call, &server, &world.acme)
                .await
                .send()
                .await;
            reply.assert_not_server_error();
            if route.names_a_resource() {
                assert!(
                    matches!(reply.status, 403 | 404),
                    "{credential:?}: {} with globex's id answered {} (expected 404 or 403): {}",
                    reply.label,
                    reply.status,
                    reply.text
                );
                reply.assert_problem_shape();
            }
            let request_text =
                format!("{path} {}", route.body_for(n, &foreign).unwrap_or_default());
            assert_no_leak(&reply, &world.globex, &request_text);
        }
    }
    assert_globex_untouched(&server, &world.globex, analyst).await;
    server.finish().await;
}

/// Asking to act in globex with acme's credentials (`Probity-Tenant: globex`) is forbidden on
/// every route, as is naming a tenant that does not exist.
pub async fn foreign_tenant_header_is_forbidden(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let analyst = globex_analyst(&server, &world).await;
    let session = server.login(world.acme.owner_email(), PASSWORD).await;
    let mut n = 0;
    for tenant in ["globex", "initech"] {
        for route in ROUTES {
            for credential in [Credential::Token, Credential::Session] {
                n += 1;
                let targets = Targets::of(world.acme.owner.id, world.acme.token_id(Role::Viewer));
                let path = route.path_for(&targets);
                let call = route
                    .request(&server, &path, n, &targets)
                    .header("probity-tenant", tenant);
                let call = match credential {
                    Credential::Token => call.token(world.acme.owner_token()),
                    Credential::Session => call.session(&session),
                };
                let reply = call.send().await;
                reply.problem(403, "forbidden");
                assert_no_leak(&reply, &world.globex, tenant);
            }
        }
    }
    // The refused calls changed nothing: acme's session and tokens still work.
    server
        .get("/api/v1/members")
        .session(&session)
        .send()
        .await
        .ok(200);
    server
        .get("/api/v1/tokens")
        .token(world.acme.owner_token())
        .send()
        .await
        .ok(200);
    assert_globex_untouched(&server, &world.globex, analyst).await;
    server.finish().await;
}

/// A user in both tenants: acme changing or removing its own membership of that user leaves
/// the user's globex membership alone.
pub async fn shared_member_changes_stay_in_their_tenant(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let password = SecretString::from(PASSWORD.to_owned());
    let consultant = server
        .platform
        .create_user(
            &Actor::system("test"),
            &world.globex.tenant,
            "consultant@example.test",
            None,
            &password,
            Role::Admin,
        )
        .await
        .unwrap();
    let acme = world.acme.owner_token();
    let added = server
        .post("/api/v1/members")
        .token(acme)
        .json(&serde_json::json!({ "email": "consultant@example.test", "role": "viewer" }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(added["user"]["id"], consultant.id.to_string());
    let globex_role = || async {
        let me = server
            .get("/api/v1/members")
            .token(world.globex.owner_token())
            .send()
            .await
            .ok(200)
            .json();
        me["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"]["id"] == consultant.id.to_string())
            .map(|m| m["role"].as_str().unwrap().to_owned())
    };
    let path = format!("/api/v1/members/{}", consultant.id);
    let changed = server
        .patch(&path)
        .token(acme)
        .json(&serde_json::json!({ "role": "contributor" }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(changed["tenant_id"], world.acme.tenant.id.to_string());
    assert_eq!(globex_role().await.as_deref(), Some("admin"));
    server.delete(&path).token(acme).send().await.ok(204);
    assert_eq!(globex_role().await.as_deref(), Some("admin"));
    // Signed in, the consultant sees both tenants only while a member of both.
    let session = server.login("consultant@example.test", PASSWORD).await;
    let tenants = server
        .get("/api/v1/tenants")
        .session(&session)
        .send()
        .await
        .ok(200)
        .json();
    let slugs: Vec<&str> = tenants["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenant"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["globex"]);
    server.finish().await;
}
