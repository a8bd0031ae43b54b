//! The compliance catalog over HTTP: shipped frameworks and controls, a tenant's control states
//! moving its coverage (with reasons and audit events), decisions on `intersects_with` links
//! binding to the link's hash, comparison, diff, and the errors for bad input.

use probity_core::catalog::{Catalog, Link, LinkKind, Relationship};
use probity_core::platform::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, TestServer, seed};

fn requirement<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == id)
        .unwrap_or_else(|| panic!("{id} not in the report"))
}

/// A SOC 2 mapping with `relationship`, chosen so its control maps to no requirement of the
/// other chosen link (the two effects stay apart).
fn soc2_link(relationship: Relationship, avoid: Option<&Link>) -> Link {
    let cat = Catalog::shipped().unwrap();
    cat.links()
        .iter()
        .find(|l| {
            l.kind == LinkKind::Mapping
                && l.to_framework == "soc2-2017"
                && l.relationship == relationship
                && avoid.is_none_or(|a| {
                    a.to != l.to
                        && !cat
                            .mappings_of_control(&l.from)
                            .any(|m| m.to_framework == "soc2-2017" && m.to == a.to)
                        && !cat
                            .mappings_of_control(&a.from)
                            .any(|m| m.to_framework == "soc2-2017" && m.to == l.to)
                })
        })
        .unwrap_or_else(|| panic!("no {relationship:?} SOC 2 mapping"))
        .clone()
}

async fn coverage(server: &TestServer, token: &str) -> Value {
    server
        .get("/api/v1/catalog/coverage?scope=soc2-2017")
        .token(token)
        .send()
        .await
        .ok(200)
        .json()
}

pub async fn control_states_and_decisions_drive_coverage(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let contributor = world.acme.token(Role::Contributor);
    let manager = world.acme.token(Role::ComplianceManager);
    let before = coverage(&server, owner).await;
    assert_eq!(before["totals"]["requirements"], 61);
    assert_eq!(before["totals"]["covered"], 0);

    // A full (equal or superset_of) mapping: implementing the control covers the requirement.
    let full = {
        let cat = Catalog::shipped().unwrap();
        cat.links()
            .iter()
            .find(|l| {
                l.kind == LinkKind::Mapping
                    && l.to_framework == "soc2-2017"
                    && matches!(
                        l.relationship,
                        Relationship::Equal | Relationship::SupersetOf
                    )
            })
            .expect("a full SOC 2 mapping")
            .clone()
    };
    let updated = server
        .call(Method::PUT, &format!("/api/v1/catalog/controls/{}", full.from))
        .token(contributor)
        .json(&json!({ "status": "implemented", "owner": "Platform team", "note": "Okta enforces it" }))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(updated["status"], "implemented");
    assert_eq!(updated["state"]["owner"], "Platform team");
    let after = coverage(&server, owner).await;
    let r = requirement(&after, &full.to);
    assert_eq!(r["coverage"], "covered", "{r:#}");
    let reason = &r["reasons"][0];
    assert_eq!(reason["control"], full.from.as_str());
    assert_eq!(reason["control_status"], "implemented");
    assert_eq!(reason["links"][0]["hash"], full.hash.as_str());
    assert!(after["totals"]["covered"].as_u64().unwrap() >= 1);

    // An intersects_with mapping counts only after a decision, bound to that link's hash.
    let cross = soc2_link(Relationship::IntersectsWith, Some(&full));
    server
        .call(
            Method::PUT,
            &format!("/api/v1/catalog/controls/{}", cross.from),
        )
        .token(contributor)
        .json(&json!({ "status": "implemented" }))
        .send()
        .await
        .ok(200);
    let undecided = coverage(&server, owner).await;
    let r = requirement(&undecided, &cross.to);
    assert!(
        r["undecided"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["hash"] == cross.hash.as_str()),
        "{r:#}"
    );
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["links"][0]["hash"] != cross.hash.as_str()),
        "an undecided intersection gives no reason: {r:#}"
    );
    let body = json!({
        "link_hash": cross.hash,
        "outcome": "covers",
        "rationale": "Our quarterly review of this control satisfies the criterion in full."
    });
    // A contributor may not decide; a compliance manager may.
    server
        .post("/api/v1/catalog/decisions")
        .token(contributor)
        .json(&body)
        .send()
        .await
        .problem(403, "forbidden");
    let decision = server
        .post("/api/v1/catalog/decisions")
        .token(manager)
        .json(&body)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(decision["link"]["hash"], cross.hash.as_str());
    let decided = coverage(&server, owner).await;
    let r = requirement(&decided, &cross.to);
    assert_eq!(r["coverage"], "covered", "{r:#}");
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["decision"] == decision["id"]),
        "{r:#}"
    );
    assert!(
        r["undecided"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["hash"] != cross.hash.as_str()),
        "the decided link is no longer waiting: {r:#}"
    );

    // Only intersects_with links take decisions; unknown hashes are refused.
    let p = server
        .post("/api/v1/catalog/decisions")
        .token(manager)
        .json(&json!({ "link_hash": full.hash, "outcome": "covers", "rationale": "Reviewed and agreed by the team." }))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "link_hash");
    server
        .post("/api/v1/catalog/decisions")
        .token(manager)
        .json(&json!({ "link_hash": "00", "outcome": "covers", "rationale": "Reviewed and agreed by the team." }))
        .send()
        .await
        .problem(422, "validation_failed");
    let listed = server
        .get("/api/v1/catalog/decisions")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Another tenant sees none of it.
    let globex = world.globex.owner_token();
    let theirs = server
        .get(&format!("/api/v1/catalog/controls/{}", full.from))
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(theirs["status"], "not_implemented");
    let theirs = server
        .get("/api/v1/catalog/decisions")
        .token(globex)
        .send()
        .await
        .ok(200)
        .json();
    assert!(theirs["items"].as_array().unwrap().is_empty());

    // Every change is an audit event.
    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=catalog")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "catalog.decision.recorded",
            "catalog.control.updated",
            "catalog.control.updated"
        ]
    );
    server.finish().await;
}

pub async fn frameworks_compare_diff_and_bad_input(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let viewer = world.acme.token(Role::Viewer);
    let list = server
        .get("/api/v1/catalog/frameworks")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "soc2-2017",
        "iso27001-2022",
        "iso27001-2013",
        "gdpr",
        "hipaa-security",
        "pci-dss-4",
        "ccpa",
        "nist-csf-2",
        "nist-800-53-r5",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let req = server
        .get("/api/v1/catalog/frameworks/soc2-2017/requirements/CC6.1")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(req["requirement"]["parent"], "CC6");
    assert!(!req["links"].as_array().unwrap().is_empty());

    let cmp = server
        .get("/api/v1/catalog/compare?from=iso27001-2022&to=soc2-2017")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(cmp["totals"]["requirements"], 61);
    let covered =
        cmp["totals"]["covered"].as_u64().unwrap() + cmp["totals"]["partial"].as_u64().unwrap();
    assert!(
        covered > 0,
        "ISO 27001 carries over to SOC 2: {:#}",
        cmp["totals"]
    );
    let explained = cmp["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["coverage"] != "not_covered")
        .all(|r| !r["reasons"].as_array().unwrap().is_empty());
    assert!(explained, "every covered requirement explains itself");

    let diff = server
        .get("/api/v1/catalog/diff?from=iso27001-2013&to=iso27001-2022")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(diff["counts"]["added"], 11);
    assert_eq!(diff["method"], "crosswalk");

    let matrix = server
        .get("/api/v1/catalog/matrix")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    let n = ids.len();
    assert_eq!(matrix["items"].as_array().unwrap().len(), n * (n - 1));

    let fedramp = server
        .get("/api/v1/catalog/coverage?scope=fedramp-r5-moderate")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(fedramp["totals"]["requirements"], 323);
    assert_eq!(fedramp["baseline"], "fedramp-r5-moderate");

    // Bad input: stable problem codes naming the field.
    server
        .get("/api/v1/catalog/frameworks/iso9001")
        .token(viewer)
        .send()
        .await
        .problem(404, "not_found");
    server
        .get("/api/v1/catalog/coverage?scope=nope")
        .token(viewer)
        .send()
        .await
        .problem(404, "not_found");
    let p = server
        .get("/api/v1/catalog/links?relationship=same")
        .token(viewer)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "relationship");
    let p = server
        .call(Method::PUT, "/api/v1/catalog/controls/IAM-01")
        .token(world.acme.owner_token())
        .json(&json!({ "status": "done" }))
        .send()
        .await;
    assert!(p.status == 400 || p.status == 422, "{}", p.status);
    server
        .call(Method::PUT, "/api/v1/catalog/controls/XYZ-99")
        .token(world.acme.owner_token())
        .json(&json!({ "status": "implemented" }))
        .send()
        .await
        .problem(404, "not_found");
    let links = server
        .get("/api/v1/catalog/links?kind=crosswalk&framework=iso27001-2013")
        .token(viewer)
        .send()
        .await
        .ok(200)
        .json();
    assert!(links["items"].as_array().unwrap().len() >= 114);
    server.finish().await;
}
