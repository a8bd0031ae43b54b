//! `probity privacy consent` and `probity privacy requests export` through the real binary on
//! a SQLite data directory: a purpose is registered, consent granted and withdrawn, a file
//! imported with one bad line, the state read now and at a past time with proofs that
//! `probity verify-proof` accepts, a receipt printed, and a completed access request's zip
//! written with the subject's records.

use std::io::Read as _;

use predicates::prelude::*;
use tempfile::TempDir;

use super::probity;

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

fn stdout(cmd: &mut assert_cmd::Command) -> Vec<u8> {
    cmd.assert().success().get_output().stdout.clone()
}

#[test]
fn consent_and_the_subject_export_from_the_command_line() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    probity(p)
        .args(["privacy", "consent", "add-purpose", "--tenant", "acme"])
        .args(["--key", "newsletter", "--title", "Monthly newsletter"])
        .assert()
        .success()
        .stdout(predicate::str::contains("newsletter"));
    let record = |action: &str, at: &str| {
        let mut cmd = probity(p);
        cmd.args([
            "-o", "json", "privacy", "consent", "record", "--tenant", "acme",
        ])
        .args(["--subject", "cust-1", "--purpose", "newsletter"])
        .args(["--action", action, "--notice-version", "2026-01"])
        .args(["--method", "web_form", "--source", "shop"])
        .args(["--occurred-at", at]);
        cmd
    };
    let grant = json(&stdout(&mut record("grant", "2026-01-01T00:00:00Z")));
    assert!(grant["ledger_index"].is_u64(), "{grant}");
    let withdraw = json(&stdout(&mut record("withdraw", "2026-02-01T00:00:00Z")));
    assert_eq!(withdraw["action"], "withdraw");
    // Bad values name the flag or the field.
    record("maybe", "2026-01-01T00:00:00Z")
        .assert()
        .failure()
        .stderr(predicate::str::contains("--action"));
    probity(p)
        .args(["privacy", "consent", "record", "--tenant", "acme"])
        .args([
            "--subject",
            "cust-1",
            "--purpose",
            "ads",
            "--action",
            "grant",
        ])
        .args([
            "--notice-version",
            "1",
            "--method",
            "paper",
            "--source",
            "s",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("purpose"));

    // An import with one bad line: the good one lands.
    let file = p.join("consent.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"old-1","subject_id":"cust-2","purpose":"newsletter","action":"grant","notice_version":"2025-06","method":"import","source":"old crm","occurred_at":"2025-07-01T00:00:00Z"}"#,
            "\n",
            r#"{"subject_id":"cust-3","purpose":"newsletter","action":"grant","notice_version":"2025-06","method":"import","source":"old crm"}"#,
            "\n"
        ),
    )
    .unwrap();
    probity(p)
        .args(["privacy", "consent", "import", "--tenant", "acme"])
        .arg(&file)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("1 recorded, 0 duplicates, 1 rejected")
                .and(predicate::str::contains("occurred_at")),
        );
    probity(p)
        .args(["privacy", "consent", "import", "--tenant", "acme"])
        .arg(p.join("consent.txt"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--format"));

    // Now withdrawn; on 15 January granted, with a proof the verifier accepts.
    probity(p)
        .args(["privacy", "consent", "state", "--tenant", "acme", "cust-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("withdrawn"));
    let proofs = p.join("proofs");
    let proven = json(&stdout(
        probity(p)
            .args([
                "-o", "json", "privacy", "consent", "state", "--tenant", "acme", "cust-1",
            ])
            .args(["--at", "2026-01-15T00:00:00Z", "--proof-dir"])
            .arg(&proofs),
    ));
    assert_eq!(proven["purposes"][0]["state"], "granted", "{proven}");
    assert_eq!(proven["purposes"][0]["ledger_index"], grant["ledger_index"]);
    let key = String::from_utf8(stdout(
        probity(p).args(["ledger", "key", "--tenant", "acme"]),
    ))
    .unwrap();
    probity(p)
        .arg("verify-proof")
        .arg(proofs.join("newsletter.tlog-proof"))
        .arg("--envelope")
        .arg(proofs.join("newsletter.envelope"))
        .args(["--verifier-key", key.trim()])
        .assert()
        .success()
        .stdout(predicate::str::contains("verified"));

    // The receipt names the controller and the purpose.
    let receipt = json(&stdout(probity(p).args([
        "privacy", "consent", "receipt", "--tenant", "acme", "cust-1",
    ])));
    assert_eq!(receipt["controller"]["name"], "Acme");
    assert_eq!(receipt["purposes"][0]["title"], "Monthly newsletter");
    assert_eq!(receipt["purposes"][0]["state"], "withdrawn");

    // A completed access request, exported as a zip.
    let request = json(&stdout(
        probity(p)
            .args([
                "-o", "json", "privacy", "requests", "create", "--tenant", "acme",
            ])
            .args([
                "--regime",
                "gdpr",
                "--kind",
                "access",
                "--subject",
                "cust-1",
            ]),
    ));
    let id = request["id"].as_str().unwrap().to_owned();
    for to in ["in_progress", "completed"] {
        probity(p)
            .args([
                "privacy",
                "requests",
                "transition",
                "--tenant",
                "acme",
                "--id",
                &id,
            ])
            .args(["--to", to])
            .assert()
            .success();
    }
    let out = p.join("DSR-001.zip");
    let manifest = json(&stdout(
        probity(p)
            .args([
                "-o", "json", "privacy", "requests", "export", "--tenant", "acme", "dsr-001",
            ])
            .arg("--out")
            .arg(&out),
    ));
    assert_eq!(manifest["request"], "DSR-001");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("consent.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let consent: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(consent["history"].as_array().unwrap().len(), 2, "{consent}");
    assert!(!text.contains("cust-2"));
    probity(p)
        .args([
            "privacy", "requests", "export", "--tenant", "acme", "DSR-404",
        ])
        .arg("--out")
        .arg(p.join("none.zip"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("DSR-404"));
}
