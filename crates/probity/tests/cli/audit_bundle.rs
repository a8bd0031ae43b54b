//! Auditor bundles through the real binary: `ledger append`, `audit export`, offline
//! `verify DIR` on a clean bundle and on each kind of tampering, and `audit verify` over the live
//! store before and after a direct SQL tamper.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use predicates::prelude::*;
use probity_ledger::entry_bundle::{decode_entry_bundle, encode_entry_bundle};
use serde_json::Value;
use tempfile::TempDir;

use super::probity;

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = probity(dir).args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

fn append(dir: &Path, kind: &str, json: &str, count: u32) {
    ok(
        dir,
        &[
            "ledger",
            "append",
            "--tenant",
            "acme",
            "--kind",
            kind,
            "--json",
            json,
            "--count",
            &count.to_string(),
        ],
    );
}

/// A tenant `acme` with 300 `test.bulk` entries and one `test.mark` entry (seq 300).
fn seeded() -> TempDir {
    let dir = TempDir::new().unwrap();
    ok(
        dir.path(),
        &["tenant", "create", "--slug", "acme", "--name", "Acme"],
    );
    append(dir.path(), "test.bulk", r#"{"msg":"hello"}"#, 300);
    append(dir.path(), "test.mark", r#"{"msg":"mark"}"#, 1);
    dir
}

fn export(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let stdout = ok(
        dir,
        &[
            "audit",
            "export",
            "--tenant",
            "acme",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(stdout.contains("exported"), "{stdout}");
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn verify(dir: &Path, bundle: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    probity(dir).arg("verify").arg(bundle).args(extra).assert()
}

/// A copy of `clean` named `name`, with `tamper` applied.
fn tampered(clean: &Path, name: &str, tamper: impl FnOnce(&Path)) -> PathBuf {
    let copy = clean.with_file_name(name);
    copy_dir(clean, &copy);
    tamper(&copy);
    copy
}

fn replace_bytes(path: &Path, from: &str, to: &str) {
    let text = std::fs::read(path).unwrap();
    let at = text
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from} not in {}", path.display()));
    let mut text = text;
    text[at..at + from.len()].copy_from_slice(to.as_bytes());
    std::fs::write(path, text).unwrap();
}

fn edit_bundle(path: &Path, edit: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let bytes = std::fs::read(path).unwrap();
    let mut entries: Vec<Vec<u8>> = decode_entry_bundle(&bytes)
        .unwrap()
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    edit(&mut entries);
    let encoded = encode_entry_bundle(entries.iter().map(Vec::as_slice)).unwrap();
    std::fs::write(path, encoded).unwrap();
}

/// Every payload line of an exported bundle (`payloads/<N>[.p/<W>]`), by entry.
pub(super) fn exported_payloads(bundle: &Path) -> BTreeMap<u64, Value> {
    let mut found = BTreeMap::new();
    let mut pending = vec![bundle.join("payloads")];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let json: Value = serde_json::from_str(line).unwrap();
                let seq = json["seq"].as_u64().unwrap();
                assert!(found.insert(seq, json).is_none(), "entry {seq} twice");
            }
        }
    }
    found
}

/// Rewrites the payload line of entry `seq` in the bundle `bundle` with `edit`.
fn edit_payload_line(bundle: &Path, seq: u64, edit: impl FnOnce(&str) -> String) {
    let path = bundle.join(format!(
        "payloads/{:03}{}",
        seq / 256,
        if seq < 256 { "" } else { ".p/45" }
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("{{\"seq\":{seq},");
    let mut edit = Some(edit);
    let lines: Vec<String> = text
        .lines()
        .map(|line| match (line.starts_with(&prefix), edit.take()) {
            (true, Some(edit)) => edit(line),
            (_, e) => {
                edit = e;
                line.to_owned()
            }
        })
        .collect();
    assert!(
        edit.is_none(),
        "no line for entry {seq} in {}",
        path.display()
    );
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn fails_naming(dir: &Path, bundle: &Path, extra: &[&str], needle: &str) {
    verify(dir, bundle, extra)
        .code(1)
        .stderr(predicate::str::contains(needle));
}

#[test]
fn exported_bundle_verifies_and_every_tampering_is_named() {
    let dir = seeded();
    let d = dir.path();
    let a = export(d, "bundle-a");
    for path in [
        "checkpoint",
        "verifier-keys",
        "tile/0/000",
        "tile/0/001.p/45",
        "tile/1/000.p/1",
        "tile/entries/000",
        "tile/entries/001.p/45",
        "checkpoints/301",
        "payloads/000",
        "payloads/001.p/45",
    ] {
        assert!(a.join(path).is_file(), "{path} missing from the bundle");
    }
    verify(d, &a, &[])
        .success()
        .stdout(predicate::str::contains("verified: 301 entries, root "))
        .stdout(predicate::str::contains("/probity/acme+"))
        .stderr(predicate::str::contains("verifier-keys"));
    let key = a.join("verifier-keys");
    verify(d, &a, &["--verifier-key", key.to_str().unwrap()])
        .success()
        .stderr(predicate::str::contains("as given"));
    // The key an auditor obtains independently: `probity ledger key` prints the same text.
    let printed = ok(d, &["ledger", "key", "--tenant", "acme"]);
    assert_eq!(
        printed.trim(),
        std::fs::read_to_string(&key).unwrap().trim()
    );
    verify(d, &a, &["--verifier-key", printed.trim()])
        .success()
        .stderr(predicate::str::contains("as given"));

    let payloads = exported_payloads(&a);
    assert_eq!(payloads.len(), 301);
    assert_eq!(payloads[&300]["payload"]["msg"], "mark");

    let b = tampered(&a, "payload", |b| {
        edit_payload_line(b, 5, |line| line.replace("hello", "jello"));
    });
    fails_naming(d, &b, &[], "entry 5: payload commitment mismatch");

    let b = tampered(&a, "payload-salt", |b| {
        edit_payload_line(b, 7, |line| {
            let mut json: Value = serde_json::from_str(line).unwrap();
            json["salt"] = Value::from(STANDARD.encode([0u8; 32]));
            json.to_string()
        });
    });
    fails_naming(d, &b, &[], "entry 7: payload commitment mismatch");

    let b = tampered(&a, "payload-elsewhere", |b| {
        edit_payload_line(b, 9, |line| line.replace("\"seq\":9,", "\"seq\":10,"));
    });
    fails_naming(d, &b, &[], "entry 10: payload commitment mismatch");

    let b = tampered(&a, "payload-beyond", |b| {
        edit_payload_line(b, 300, |line| line.replace("\"seq\":300,", "\"seq\":301,"));
    });
    fails_naming(d, &b, &[], "payload 301: no such entry in the log");

    let b = tampered(&a, "payload-garbled", |b| {
        edit_payload_line(b, 12, |line| line.replace("\"payload\":", "\"payload\""));
    });
    fails_naming(d, &b, &[], "payloads/000 line 13: unreadable payload line");

    // A payload line reformatted (members reordered, spaced) is the same payload: it verifies.
    let b = tampered(&a, "payload-reformatted", |b| {
        edit_payload_line(b, 3, |line| {
            let json: Value = serde_json::from_str(line).unwrap();
            format!(
                "{{ \"payload\": {}, \"seq\": 3, \"salt\": {} }}",
                json["payload"], json["salt"]
            )
        });
    });
    verify(d, &b, &[]).success();

    // An erased payload is simply absent, line or file.
    let b = tampered(&a, "payload-erased", |b| {
        edit_payload_line(b, 4, |_| String::new());
        std::fs::remove_file(b.join("payloads/001.p/45")).unwrap();
    });
    verify(d, &b, &[]).success();

    // Bundles written before payloads were grouped per entry bundle hold one
    // `payloads/<seq>.json` per entry: still verified, and damage in one still named.
    let old = tampered(&a, "old-layout", |b| {
        std::fs::remove_dir_all(b.join("payloads")).unwrap();
        std::fs::create_dir(b.join("payloads")).unwrap();
        for (seq, line) in &payloads {
            let json = serde_json::json!({"salt": line["salt"], "payload": line["payload"]});
            std::fs::write(
                b.join(format!("payloads/{seq}.json")),
                serde_json::to_string_pretty(&json).unwrap(),
            )
            .unwrap();
        }
    });
    verify(d, &old, &[])
        .success()
        .stdout(predicate::str::contains("verified: 301 entries"));
    let b = tampered(&old, "old-layout-payload", |b| {
        replace_bytes(&b.join("payloads/5.json"), "hello", "jello");
    });
    fails_naming(d, &b, &[], "entry 5: payload commitment mismatch");

    let b = tampered(&a, "envelope", |b| {
        replace_bytes(&b.join("tile/entries/001.p/45"), "test.mark", "test.mork");
    });
    fails_naming(
        d,
        &b,
        &[],
        "entry 300: envelope changed (leaf hash mismatch with tile)",
    );

    let b = tampered(&a, "deleted", |b| {
        edit_bundle(&b.join("tile/entries/000"), |e| {
            e.remove(10);
        });
    });
    fails_naming(d, &b, &[], "entry 10: entry missing");

    let b = tampered(&a, "swapped", |b| {
        edit_bundle(&b.join("tile/entries/000"), |e| e.swap(10, 11));
    });
    fails_naming(d, &b, &[], "entry 10: entries out of order");

    let b = tampered(&a, "tile", |b| {
        let path = b.join("tile/0/000");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[32 * 7] ^= 1;
        std::fs::write(&path, bytes).unwrap();
    });
    fails_naming(d, &b, &[], "tile/0/000: tile replaced");

    let b = tampered(&a, "root", |b| {
        let path = b.join("checkpoint");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        lines[2] = format!("{}=", "A".repeat(43));
        std::fs::write(&path, lines.join("\n")).unwrap();
    });
    fails_naming(d, &b, &[], "checkpoint: checkpoint root altered");

    // The log grows: the old bundle is a prefix of the new one, never the reverse.
    append(d, "test.more", r#"{"msg":"more"}"#, 5);
    let later = export(d, "bundle-later");
    verify(d, &later, &[])
        .success()
        .stdout(predicate::str::contains("verified: 306 entries"));
    let later_checkpoint = later.join("checkpoint");
    let a_checkpoint = a.join("checkpoint");
    verify(
        d,
        &later,
        &["--trusted-checkpoint", a_checkpoint.to_str().unwrap()],
    )
    .success()
    .stderr(predicate::str::contains(
        "consistent with the trusted checkpoint",
    ));
    fails_naming(
        d,
        &a,
        &["--trusted-checkpoint", later_checkpoint.to_str().unwrap()],
        "log truncated vs trusted checkpoint",
    );

    // A fork: two copies of the store grow differently; both are signed with the log key.
    let other = TempDir::new().unwrap();
    copy_dir(&d.join("data"), &other.path().join("data"));
    append(d, "fork.a", r#"{"msg":"a"}"#, 1);
    append(other.path(), "fork.b", r#"{"msg":"b"}"#, 1);
    let fork_a = export(d, "fork-a");
    let fork_b = export(other.path(), "fork-b");
    verify(d, &fork_b, &[]).success();
    let fork_a_checkpoint = fork_a.join("checkpoint");
    fails_naming(
        d,
        &fork_b,
        &["--trusted-checkpoint", fork_a_checkpoint.to_str().unwrap()],
        "fork: trusted checkpoint inconsistent",
    );

    // Unusable input is a usage error, not a verdict.
    verify(d, &d.join("no-such-bundle"), &[]).code(2);
    probity(d)
        .args(["audit", "export", "--tenant", "acme", "--out"])
        .arg(&a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
}

#[test]
fn audit_verify_checks_the_live_store_and_names_a_sql_tamper() {
    let dir = seeded();
    let d = dir.path();
    ok(d, &["audit", "verify", "--tenant", "acme"]).contains("verified: 301 entries");
    export(d, "bundle");
    let stdout = ok(d, &["audit", "verify", "--tenant", "acme"]);
    assert!(
        stdout.contains("verified: 301 entries") && stdout.contains("checkpoint signed by"),
        "{stdout}"
    );
    let sqlite = std::process::Command::new("sqlite3")
        .arg("-version")
        .output();
    if sqlite.is_err() {
        eprintln!("sqlite3 is not installed: skipping the SQL tamper case");
        return;
    }
    let status = std::process::Command::new("sqlite3")
        .arg(d.join("data/probity.db"))
        .arg(
            "UPDATE ledger_entries SET envelope = CAST(replace(CAST(envelope AS TEXT), \
             'test.mark', 'test.mork') AS BLOB) WHERE seq = 300 \
             AND instr(CAST(envelope AS TEXT), 'test.mark') > 0;",
        )
        .status()
        .unwrap();
    assert!(status.success());
    probity(d)
        .args(["audit", "verify", "--tenant", "acme"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "entry 300: envelope changed (leaf hash mismatch with tile)",
        ));
}

/// One entry's tlog-proof file, as the event page and the API hand it out, verifies offline
/// with `probity verify-proof` against the entry's envelope and the log key; a changed envelope
/// or a proof for another log does not.
#[test]
fn verify_proof_checks_one_entry_offline() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    ok(d, &["tenant", "create", "--slug", "acme", "--name", "Acme"]);
    let token = ok(
        d,
        &[
            "token", "create", "--tenant", "acme", "--name", "t", "--role", "auditor",
        ],
    )
    .trim()
    .to_owned();
    append(d, "data.accessed", r#"{"n": 1}"#, 3);
    let (_server, url) = super::spawn_probity(
        d,
        &[],
        &["serve", "--bind", "127.0.0.1:0"],
        "probity listening on ",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (proof, envelope) = rt.block_on(async {
        let client = reqwest::Client::new();
        // The server signs a checkpoint covering the appended entries within a second or so.
        for _ in 0..100 {
            let reply = client
                .get(format!("{url}/api/v1/ledger/entries/1/tlog-proof"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if reply.status() == 200 {
                let proof = reply.text().await.unwrap();
                let entry: Value = client
                    .get(format!("{url}/api/v1/ledger/entries/1"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                // Compact JSON with sorted keys: the envelope's canonical form.
                return (proof, serde_json::to_string(&entry["envelope"]).unwrap());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no checkpoint covered entry 1");
    });
    let proof_file = d.join("entry-1.tlog-proof");
    std::fs::write(&proof_file, &proof).unwrap();
    let envelope_file = d.join("envelope.json");
    std::fs::write(&envelope_file, format!("{envelope}\n")).unwrap();
    let key = ok(d, &["ledger", "key", "--tenant", "acme"]);
    probity(d)
        .args(["verify-proof"])
        .arg(&proof_file)
        .arg("--envelope")
        .arg(&envelope_file)
        .args(["--verifier-key", key.trim()])
        .assert()
        .success()
        .stdout(predicate::str::contains("verified: entry 1 is in the log"));
    // Another entry's envelope is not in the proof.
    std::fs::write(&envelope_file, envelope.replace("\"seq\":1", "\"seq\":2")).unwrap();
    probity(d)
        .args(["verify-proof"])
        .arg(&proof_file)
        .arg("--envelope")
        .arg(&envelope_file)
        .args(["--verifier-key", key.trim()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("entry 1"));
    // Garbage is unusable input.
    std::fs::write(&proof_file, "not a proof").unwrap();
    probity(d)
        .args(["verify-proof"])
        .arg(&proof_file)
        .arg("--envelope")
        .arg(&envelope_file)
        .args(["--verifier-key", key.trim()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a tlog-proof file"));
}
