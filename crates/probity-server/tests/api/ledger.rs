//! The ledger routes: audit records drained into each tenant's log by the ledger task, a signed
//! checkpoint that verifies with the served verifier key, inclusion proofs of every entry and a
//! consistency proof between two checkpoints that verify with `probity_ledger` alone, bad
//! parameters as 422 naming the parameter, and each tenant seeing only its own log.

use probity_core::platform::Role;
use probity_ledger::ed25519::Ed25519NoteVerifier;
use probity_ledger::verify::{verify_consistency, verify_inclusion};
use probity_ledger::{Checkpoint, Hash, Note, leaf_hash};
use serde_json::Value;

use crate::harness::{Org, TestDatabase, TestServer, seed};

fn hash(text: &Value) -> Hash {
    Hash::from_base64(text.as_str().unwrap()).unwrap()
}

fn hashes(list: &Value) -> Vec<Hash> {
    list.as_array().unwrap().iter().map(hash).collect()
}

/// The org's checkpoint, verified with its verifier key: (size, root).
async fn verified_checkpoint(server: &TestServer, org: &Org) -> (u64, Hash) {
    let token = org.token(Role::Auditor);
    let key = server
        .get("/api/v1/ledger/verifier-key")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    let origin = format!("127.0.0.1:8080/probity/{}", org.tenant.slug);
    assert_eq!(key["origin"], origin.as_str());
    let verifier =
        Ed25519NoteVerifier::from_key_text(key["verifier_key"].as_str().unwrap()).unwrap();
    let view = server
        .get("/api/v1/ledger/checkpoint")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    let note = Note::parse(view["signed_note"].as_str().unwrap().as_bytes()).unwrap();
    note.verify(&[&verifier]).unwrap();
    let checkpoint = Checkpoint::parse(note.text()).unwrap();
    assert_eq!(checkpoint.origin(), origin);
    assert_eq!(checkpoint.size(), view["size"].as_u64().unwrap());
    assert_eq!(*checkpoint.root(), hash(&view["root"]));
    (checkpoint.size(), *checkpoint.root())
}

/// Every entry of the org's log up to `size`: its leaf hash is the hash of its canonical
/// envelope, its payload is one of the org's audit records, and both the entry's own proof and
/// the inclusion route's proof verify against `root`.
async fn check_entries(server: &TestServer, org: &Org, size: u64, root: &Hash) {
    let token = org.token(Role::Auditor);
    for index in 0..size {
        let entry = server
            .get(&format!("/api/v1/ledger/entries/{index}"))
            .token(token)
            .send()
            .await
            .ok(200)
            .json();
        let envelope = probity_ledger::jcs::canonical_bytes(&entry["envelope"]).unwrap();
        let leaf = hash(&entry["leaf_hash"]);
        assert_eq!(leaf, leaf_hash(&envelope));
        assert_eq!(entry["envelope"]["seq"], index);
        assert_eq!(entry["envelope"]["tenant"], org.tenant.id.to_string());
        assert_eq!(entry["payload"]["tenant_id"], org.tenant.id.to_string());
        assert_eq!(entry["envelope"]["kind"], entry["payload"]["event_type"]);
        let proof = &entry["proof"];
        assert_eq!(proof["size"], size);
        verify_inclusion(&leaf, index, size, &hashes(&proof["hashes"]), root).unwrap();
        let route = server
            .get(&format!(
                "/api/v1/ledger/proof/inclusion?index={index}&size={size}"
            ))
            .token(token)
            .send()
            .await
            .ok(200)
            .json();
        assert_eq!(hash(&route["leaf_hash"]), leaf);
        verify_inclusion(&leaf, index, size, &hashes(&route["hashes"]), root).unwrap();
    }
}

pub async fn ledger_proofs_verify_against_signed_checkpoints(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let token = acme.token(Role::Auditor);
    server
        .get("/api/v1/ledger/checkpoint")
        .token(token)
        .send()
        .await
        .problem(404, "not_found");

    let first = probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!(first.signed, 2, "{first:?}");
    // Sealing the first payloads created each tenant's data key, an audit record of its own:
    // the next tick takes those; then the outbox is empty and nothing new is signed.
    let mut drained = first.drained;
    let settled = loop {
        let next = probity_server::ledger_task::tick(&server.state)
            .await
            .unwrap();
        drained += next.drained;
        if next.drained == 0 {
            break next;
        }
        assert!(drained < 1_000, "the outbox never empties");
    };
    assert_eq!(settled.signed, 0);
    let (size1, root1) = verified_checkpoint(&server, acme).await;
    let (globex_size, globex_root) = verified_checkpoint(&server, &world.globex).await;
    assert_eq!(size1 + globex_size, drained as u64);
    check_entries(&server, acme, size1, &root1).await;
    // Globex's token sees globex's log only.
    check_entries(&server, &world.globex, globex_size, &globex_root).await;

    // More activity, a second checkpoint, consistent with the first.
    server
        .post("/api/v1/tokens")
        .token(acme.owner_token())
        .json(&serde_json::json!({ "name": "ci", "role": "viewer" }))
        .send()
        .await
        .ok(201);
    let second = probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    assert_eq!((second.drained, second.signed), (1, 1));
    let (size2, root2) = verified_checkpoint(&server, acme).await;
    assert_eq!(size2, size1 + 1);
    let proof = server
        .get(&format!(
            "/api/v1/ledger/proof/consistency?from={size1}&to={size2}"
        ))
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    verify_consistency(size1, size2, &hashes(&proof["hashes"]), &root1, &root2).unwrap();
    check_entries(&server, acme, size2, &root2).await;

    // Bad parameters name themselves; an unknown index is not found.
    for (query, field) in [
        (format!("inclusion?index={size2}&size={size2}"), "index"),
        (format!("inclusion?index=0&size={}", size2 + 1), "size"),
        (format!("consistency?from={size2}&to={size1}"), "from"),
        ("consistency?from=0&to=1".to_owned(), "from"),
        (format!("consistency?from=1&to={}", size2 + 1), "to"),
    ] {
        let problem = server
            .get(&format!("/api/v1/ledger/proof/{query}"))
            .token(token)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    // Indexes past the tree, up to the largest the path accepts (found by schemathesis: one
    // past i64::MAX used to reach the store and answer 500).
    for index in [
        size2.to_string(),
        "9223372036854775808".into(),
        u64::MAX.to_string(),
    ] {
        server
            .get(&format!("/api/v1/ledger/entries/{index}"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    for query in [
        format!("inclusion?index=0&size={}", u64::MAX),
        format!("consistency?from=1&to={}", u64::MAX),
    ] {
        server
            .get(&format!("/api/v1/ledger/proof/{query}"))
            .token(token)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    server.finish().await;
}

/// The ledger task as `probity serve` runs it: it drains and signs on its cadence until told to
/// stop, then ends.
pub async fn ledger_task_signs_checkpoints_until_stopped(db: TestDatabase) {
    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(probity_server::ledger_task::run(
        server.state.clone(),
        std::time::Duration::from_millis(20),
        stopped,
    ));
    let mut signed = false;
    for _ in 0..250 {
        let reply = server
            .get("/api/v1/ledger/checkpoint")
            .token(world.acme.token(Role::Auditor))
            .send()
            .await;
        if reply.status == 200 {
            signed = true;
            break;
        }
        reply.problem(404, "not_found");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(signed, "the ledger task signed no checkpoint");
    verified_checkpoint(&server, &world.acme).await;
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), task)
        .await
        .expect("the ledger task stops when told")
        .unwrap();
    server.finish().await;
}

/// The tlog-tiles read paths and tlog-proof files: a log of 600 entries (two full level-0 tiles
/// and a partial one) read with nothing but `/ledger/<slug>/...` rebuilds the signed root from
/// entry bundles and tiles; tiles are immutable, non-canonical or not-yet-reached paths are not
/// found, another tenant's log is not found, and each entry's tlog-proof file verifies.
pub async fn tlog_tiles_paths_serve_the_log(db: TestDatabase) {
    use probity_ledger::proof_file::TlogProof;
    use probity_ledger::tile::{TilePath, tiles_for_size};
    use probity_ledger::{MemoryTiles, TileSource};

    let server = TestServer::start_with(db, false).await;
    let world = seed(&server.platform).await;
    let acme = &world.acme;
    let token = acme.token(Role::Auditor);
    let slug = acme.tenant.slug.to_string();
    let payloads: Vec<Value> = (0..600).map(|n| serde_json::json!({ "n": n })).collect();
    let appends = payloads.iter().map(|payload| {
        server
            .state
            .ledger()
            .append(acme.tenant.id, "test.appended", payload)
    });
    for result in futures::future::join_all(appends).await {
        result.unwrap();
    }
    probity_server::ledger_task::tick(&server.state)
        .await
        .unwrap();
    let (size, root) = verified_checkpoint(&server, acme).await;
    assert!(size > 512, "{size}");

    let checkpoint = server
        .get(&format!("/ledger/{slug}/checkpoint"))
        .token(token)
        .send()
        .await
        .ok(200);
    assert_eq!(checkpoint.header("cache-control"), Some("no-cache"));
    let note = Note::parse(&checkpoint.bytes).unwrap();
    let body = Checkpoint::parse(note.text()).unwrap();
    assert_eq!((body.size(), *body.root()), (size, root));

    let mut leaves = Vec::new();
    let mut tiles = Vec::new();
    for tile in tiles_for_size(size) {
        let path = tile.path();
        let reply = server
            .get(&format!("/ledger/{slug}/{path}"))
            .token(token)
            .send()
            .await
            .ok(200);
        assert_eq!(
            reply.header("cache-control"),
            Some("private, max-age=31536000, immutable"),
            "{path}"
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/octet-stream")
        );
        assert_eq!(reply.bytes.len(), usize::from(tile.width()) * 32, "{path}");
        let hashes: Vec<Hash> = reply
            .bytes
            .chunks(32)
            .map(|c| Hash::from(<[u8; 32]>::try_from(c).unwrap()))
            .collect();
        if tile.level() == 0 {
            let bundle = TilePath::parse(&path.replace("tile/0/", "tile/entries/")).unwrap();
            let entries = server
                .get(&format!("/ledger/{slug}/{}", bundle.path()))
                .token(token)
                .send()
                .await
                .ok(200);
            let envelopes =
                probity_ledger::entry_bundle::decode_entry_bundle(&entries.bytes).unwrap();
            let from_entries: Vec<Hash> = envelopes.iter().map(|e| leaf_hash(e)).collect();
            assert_eq!(from_entries, hashes, "{path}");
            leaves.extend(from_entries);
        }
        tiles.push((tile, hashes));
    }
    assert_eq!(leaves.len() as u64, size);
    let memory = MemoryTiles::from_leaf_hashes(&leaves);
    assert_eq!(memory.reader(size).root().unwrap(), root);
    for (tile, hashes) in &tiles {
        assert_eq!(&memory.read_tile(*tile).unwrap(), hashes, "{}", tile.path());
    }
    // An older partial tile stays readable; one past the tree, a non-canonical path, another
    // tenant's log and a caller without the audit permission are refused.
    server
        .get(&format!("/ledger/{slug}/tile/0/002.p/3"))
        .token(token)
        .send()
        .await
        .ok(200);
    for path in [
        "tile/0/003",
        "tile/0/002",
        "tile/1/000",
        "tile/0/02",
        "tile/0/002.p/256",
        "tile/entries/x003",
        "tile/0/x001/000",
    ] {
        server
            .get(&format!("/ledger/{slug}/{path}"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    let globex = world.globex.tenant.slug.to_string();
    server
        .get(&format!("/ledger/{globex}/checkpoint"))
        .token(token)
        .send()
        .await
        .problem(404, "not_found");
    server
        .get(&format!("/ledger/{slug}/tile/0/000"))
        .token(acme.token(Role::Viewer))
        .send()
        .await
        .problem(403, "forbidden");
    server
        .get(&format!("/ledger/{slug}/tile/0/000"))
        .send()
        .await
        .problem(401, "unauthorized");

    // tlog-proof files verify against the entry and the log's verifier key.
    let key = server
        .get("/api/v1/ledger/verifier-key")
        .token(token)
        .send()
        .await
        .ok(200)
        .json();
    let verifier =
        Ed25519NoteVerifier::from_key_text(key["verifier_key"].as_str().unwrap()).unwrap();
    let origin = key["origin"].as_str().unwrap();
    for index in [0, 255, 256, size - 1] {
        let reply = server
            .get(&format!("/api/v1/ledger/entries/{index}/tlog-proof"))
            .token(token)
            .send()
            .await
            .ok(200);
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("text/plain")
        );
        let proof = TlogProof::parse(&reply.text).unwrap();
        assert_eq!(proof.index, index);
        let leaf = *leaves.get(usize::try_from(index).unwrap()).unwrap();
        proof.verify(&leaf, origin, &verifier, &[]).unwrap();
        let other = *leaves
            .get(usize::try_from(index + 1).unwrap() % leaves.len())
            .unwrap();
        assert!(proof.verify(&other, origin, &verifier, &[]).is_err());
    }
    server
        .get(&format!("/api/v1/ledger/entries/{size}/tlog-proof"))
        .token(token)
        .send()
        .await
        .problem(404, "not_found");
    server.finish().await;
}
