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

fn oscal(rel: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn import(
    server: &TestServer,
    token: &str,
    query: &str,
    bytes: Vec<u8>,
) -> crate::client::Reply {
    server
        .post(&format!("/api/v1/catalog/imports{query}"))
        .token(token)
        .header("content-type", "application/json")
        .body(String::from_utf8(bytes).unwrap())
        .send()
        .await
}

/// The official NIST catalog and baselines through the import API: the catalog, each profile
/// resolved against it to the published counts, the 5.1.1 Moderate resolved catalog diffed
/// against the shipped 5.0.1 Moderate selection; bad documents rejected whole.
pub async fn oscal_imports_resolve_and_diff(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let catalog = import(
        &server,
        owner,
        "",
        oscal("nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json"),
    )
    .await
    .ok(201)
    .json();
    assert_eq!(catalog["model"], "catalog");
    assert_eq!(catalog["items"], 1189);
    let id = catalog["id"].as_str().unwrap().to_owned();
    for (file, n) in [
        (
            "nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
            149,
        ),
        (
            "nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json",
            287,
        ),
        (
            "nist-800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline_profile.json",
            370,
        ),
        (
            "nist-800-53-rev5/NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json",
            96,
        ),
        (
            "fedramp-rev5/FedRAMP_rev5_MODERATE-baseline_profile.json",
            323,
        ),
    ] {
        let profile = import(&server, owner, &format!("?catalog={id}"), oscal(file))
            .await
            .ok(201)
            .json();
        assert_eq!(profile["model"], "profile", "{file}");
        assert_eq!(profile["resolved_with"], id.as_str(), "{file}");
        // A resolved catalog counts selected controls plus the parents kept for enhancements.
        assert!(
            profile["items"].as_u64().unwrap() >= n,
            "{file}: {profile:#}"
        );
    }
    // The imported catalog reads back with NIST's own statement text.
    let record = server
        .get(&format!("/api/v1/catalog/imports/{id}"))
        .token(world.acme.token(Role::Viewer))
        .send()
        .await
        .ok(200)
        .json();
    let ac2 = record["framework"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "AC-2")
        .expect("AC-2 by its label");
    assert_eq!(ac2["title"], "Account Management");
    assert!(ac2["text"].as_str().unwrap().len() > 50, "{ac2:#}");

    // 5.0.1 (shipped) against 5.1.1 (the resolved Moderate catalog in the test data).
    let newer = import(
        &server,
        owner,
        "",
        oscal(
            "nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
        ),
    )
    .await
    .ok(201)
    .json();
    let diff = server
        .get(&format!(
            "/api/v1/catalog/diff?from=nist-800-53-r5&to=import:{}&baseline=nist-800-53-r5-moderate",
            newer["id"].as_str().unwrap()
        ))
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(diff["method"], "id");
    let changes = diff["changes"].as_array().unwrap();
    assert!(
        changes.iter().all(|c| c["kind"] != "removed"),
        "every 5.0.1 Moderate control is still in 5.1.1 Moderate: {diff:#}"
    );
    let total: u64 = diff["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, changes.len());

    // Bad input: rejected whole with JSON pointers, nothing stored.
    let before = server
        .get("/api/v1/catalog/imports")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let n = before["items"].as_array().unwrap().len();
    let mut broken: serde_json::Value =
        serde_json::from_slice(&oscal("examples/basic-catalog.json")).unwrap();
    broken["catalog"]["metadata"]["oscal-version"] = json!("0.9");
    let p = import(&server, owner, "", serde_json::to_vec(&broken).unwrap())
        .await
        .problem(422, "validation_failed");
    assert!(
        p["errors"][0]["field"].as_str().unwrap().starts_with('/'),
        "{p:#}"
    );
    let p = import(
        &server,
        owner,
        "",
        oscal("examples/example-component-definition.json"),
    )
    .await
    .problem(422, "validation_failed");
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("already used")),
        "{p:#}"
    );
    import(&server, owner, "", b"{\"catalog\": ".to_vec())
        .await
        .problem(422, "validation_failed");
    import(&server, owner, "", oscal("examples/ssp-example.json"))
        .await
        .problem(422, "validation_failed");
    import(
        &server,
        owner,
        "",
        oscal("nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
    )
    .await
    .problem(422, "validation_failed");
    let after = server
        .get("/api/v1/catalog/imports")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        after["items"].as_array().unwrap().len(),
        n,
        "nothing half-imported"
    );
    // The same bytes twice: a conflict.
    import(
        &server,
        owner,
        "",
        oscal("nist-800-53-rev5/NIST_SP-800-53_rev5_catalog.json"),
    )
    .await
    .problem(409, "conflict");
    // A viewer may not import.
    import(
        &server,
        world.acme.token(Role::Viewer),
        "",
        oscal("examples/basic-catalog.json"),
    )
    .await
    .problem(403, "forbidden");
    server.finish().await;
}

/// A regulatory change record: the ISO 2013 → 2022 diff becomes one task per affected control,
/// owned by the control's owner; tasks move through their statuses, each change audited.
pub async fn change_records_turn_a_diff_into_owned_tasks(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let owner = world.acme.owner_token();
    let diff = server
        .get("/api/v1/catalog/diff?from=iso27001-2013&to=iso27001-2022")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    let affected: Vec<String> = diff["affected_controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let first = affected
        .first()
        .expect("the ISO move touches controls")
        .clone();
    server
        .call(Method::PUT, &format!("/api/v1/catalog/controls/{first}"))
        .token(owner)
        .json(&json!({ "status": "implemented", "owner": "Security engineering" }))
        .send()
        .await
        .ok(200);
    let record = server
        .post("/api/v1/catalog/changes")
        .token(world.acme.token(Role::Contributor))
        .json(&json!({ "from": "iso27001-2013", "to": "iso27001-2022", "due": "2027-03-31" }))
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(record["title"], "iso27001-2013 → iso27001-2022");
    assert_eq!(record["counts"]["added"], 11);
    let tasks = record["tasks"].as_array().unwrap();
    let controls: Vec<&str> = tasks
        .iter()
        .map(|t| t["control_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        controls,
        affected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let task = tasks
        .iter()
        .find(|t| t["control_id"] == first.as_str())
        .unwrap();
    assert_eq!(task["owner"], "Security engineering");
    assert_eq!(task["status"], "open");
    assert_eq!(task["due"], "2027-03-31");
    assert!(!task["requirements"].as_array().unwrap().is_empty());
    let id = record["id"].as_str().unwrap();
    let number = task["number"].as_u64().unwrap();
    let updated = server
        .patch(&format!("/api/v1/catalog/changes/{id}/tasks/{number}"))
        .token(owner)
        .json(&json!({ "status": "done" }))
        .send()
        .await
        .ok(200)
        .json();
    let done = updated["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == number)
        .unwrap()
        .clone();
    assert_eq!(done["status"], "done");
    assert_eq!(done["owner"], "Security engineering", "other fields stay");
    let listed = server
        .get("/api/v1/catalog/changes")
        .token(owner)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(listed["items"][0]["tasks"], updated["tasks"]);

    // Bad input.
    server
        .patch(&format!("/api/v1/catalog/changes/{id}/tasks/{number}"))
        .token(owner)
        .json(&json!({}))
        .send()
        .await
        .problem(422, "validation_failed");
    server
        .patch(&format!("/api/v1/catalog/changes/{id}/tasks/9999"))
        .token(owner)
        .json(&json!({ "status": "done" }))
        .send()
        .await
        .problem(404, "not_found");
    server
        .post("/api/v1/catalog/changes")
        .token(owner)
        .json(&json!({ "from": "iso27001-2013", "to": "iso27001-2099" }))
        .send()
        .await
        .problem(404, "not_found");
    server
        .get(&format!("/api/v1/catalog/changes/{id}"))
        .token(world.globex.owner_token())
        .send()
        .await
        .problem(404, "not_found");

    server.settle().await;
    let events = server
        .get("/api/v1/audit/events?type=catalog.change")
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
        vec!["catalog.change.task_updated", "catalog.change.created"]
    );
    server.finish().await;
}
