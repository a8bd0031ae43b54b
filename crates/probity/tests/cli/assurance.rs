//! `probity assurance` through the real binary on a SQLite data directory: the starter pack
//! installs once, a file uploads as encrypted, content-addressed evidence, the status of a
//! framework named by its short name, the Statement of Applicability as CSV, and an unknown
//! framework named in the error; and, under `probity serve`, control tests in a memory-capped
//! child process.

use predicates::prelude::*;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::probity;

#[test]
fn starter_pack_evidence_status_and_soa() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();
    probity(p)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let installed = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "install-starter",
            "--tenant",
            "acme",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let installed: serde_json::Value = serde_json::from_slice(&installed).unwrap();
    assert!(installed.as_array().unwrap().len() >= 18, "{installed}");
    probity(p)
        .args(["assurance", "install-starter", "--tenant", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("mfa-enforced").not());

    let file = p.join("mfa-policy.json");
    std::fs::write(&file, br#"{"enforced": true}"#).unwrap();
    let out = probity(p)
        .args(["--output", "json", "assurance", "upload"])
        .arg(&file)
        .args([
            "--tenant",
            "acme",
            "--title",
            "MFA policy",
            "--control",
            "IAM-09",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let view: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(view["reference"], "EV-0001");
    assert_eq!(
        view["versions"][0]["sha256"],
        hex::encode(Sha256::digest(br#"{"enforced": true}"#)),
        "the address is the SHA-256 of the file"
    );
    probity(p)
        .args(["assurance", "upload"])
        .arg(&file)
        .args(["--tenant", "acme", "--title", "Bad", "--control", "NOPE-1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("control_ids"));

    let out = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "status",
            "--tenant",
            "acme",
            "--framework",
            "soc2",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status["framework"], "soc2-2017");
    assert_eq!(status["evidence"]["total"], 1);
    assert!(status["controls_by_health"]["untested"].as_u64().unwrap() > 0);

    let soa = probity(p)
        .args(["assurance", "soa", "--tenant", "acme", "--csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let soa = String::from_utf8(soa).unwrap();
    assert!(
        soa.starts_with("control,title,applicable,justification"),
        "{soa}"
    );
    assert_eq!(soa.lines().count(), 94, "header + 93 Annex A controls");

    // An assessment led by a member, exported as the OSCAL plan and results (validated against
    // the 1.2.3 schemas by the exporter); a POA&M needs a finding.
    let password = p.join("pw");
    std::fs::write(&password, "a-long-and-unusual-passphrase-7").unwrap();
    probity(p)
        .args([
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "lead@acme.test",
            "--role",
            "auditor",
        ])
        .arg("--password-file")
        .arg(&password)
        .assert()
        .success();
    let out = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "assess",
            "--tenant",
            "acme",
            "--framework",
            "soc2",
        ])
        .args([
            "--scope",
            "Everything",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
        ])
        .args(["--lead", "lead@acme.test"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let assessment: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let schemas = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal/schemas/json-1.2.3");
    for model in ["ap", "ar"] {
        let file = p.join(format!("{model}.json"));
        probity(p)
            .args([
                "oscal",
                "export",
                "--model",
                model,
                "--tenant",
                "acme",
                "--assessment",
            ])
            .arg(assessment["id"].as_str().unwrap())
            .arg("--out")
            .arg(&file)
            .arg("--schemas")
            .arg(&schemas)
            .assert()
            .success();
        assert!(file.exists(), "{model}");
    }
    probity(p)
        .args([
            "oscal", "export", "--model", "poam", "--tenant", "acme", "--out",
        ])
        .arg(p.join("x.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--assessment"));
    probity(p)
        .args([
            "oscal",
            "export",
            "--model",
            "poam",
            "--tenant",
            "acme",
            "--assessment",
        ])
        .arg(assessment["id"].as_str().unwrap())
        .arg("--out")
        .arg(p.join("poam.json"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no findings"));

    // Freeze, package, verify offline; a changed file is named.
    let today = probity_core::Clock::now(&probity_core::clock::SystemClock).date_naive();
    let out = probity(p)
        .args([
            "--output",
            "json",
            "assurance",
            "freeze",
            "--tenant",
            "acme",
            "--name",
            "FY",
        ])
        .args(["--from", &(today - chrono::Duration::days(30)).to_string()])
        .args(["--to", &today.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let freeze: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(freeze["items"].as_array().unwrap().len(), 1, "{freeze}");
    let package = p.join("package");
    probity(p)
        .args([
            "assurance",
            "package",
            freeze["id"].as_str().unwrap(),
            "--tenant",
            "acme",
            "--out",
        ])
        .arg(&package)
        .assert()
        .success();
    probity(p)
        .arg("verify")
        .arg(&package)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "evidence package: 1 file(s) match the manifest",
        ))
        .stdout(predicate::str::contains(
            "2 inclusion proof(s) verify against the checkpoint",
        ));
    // Each proof travels with its entry's envelope and verifies alone.
    let proofs = package.join("evidence/proofs");
    let mut proof_files: Vec<_> = std::fs::read_dir(&proofs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tlog-proof"))
        .collect();
    proof_files.sort();
    assert_eq!(proof_files.len(), 2, "{proof_files:?}");
    for proof in &proof_files {
        probity(p)
            .arg("verify-proof")
            .arg(proof)
            .arg("--envelope")
            .arg(proof.with_extension("envelope"))
            .arg("--verifier-key")
            .arg(package.join("verifier-keys"))
            .assert()
            .success()
            .stdout(predicate::str::contains("verified: entry"));
    }
    // The same package as a zip verifies the same way.
    let zipped = p.join("package.zip");
    probity(p)
        .args([
            "assurance",
            "package",
            freeze["id"].as_str().unwrap(),
            "--tenant",
            "acme",
            "--out",
        ])
        .arg(&zipped)
        .assert()
        .success();
    probity(p)
        .arg("verify")
        .arg(&zipped)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2 inclusion proof(s) verify against the checkpoint",
        ));
    // A zip whose entry climbs out of the package is refused before anything is written.
    let evil = p.join("evil.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&evil).unwrap());
        zip.start_file("../escaped", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"x").unwrap();
        zip.finish().unwrap();
    }
    probity(p)
        .arg("verify")
        .arg(&evil)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("points outside the package"));
    assert!(!p.join("escaped").exists() && !dir.path().join("../escaped").exists());
    // A missing proof is damage, named.
    let removed = proof_files[0].clone();
    let kept = std::fs::read(&removed).unwrap();
    std::fs::remove_file(&removed).unwrap();
    probity(p)
        .arg("verify")
        .arg(&package)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("proof missing"));
    std::fs::write(&removed, kept).unwrap();
    let sha = view["versions"][0]["sha256"].as_str().unwrap();
    std::fs::write(
        package.join("evidence/files").join(sha),
        br#"{"enforced": false}"#,
    )
    .unwrap();
    probity(p)
        .arg("verify")
        .arg(&package)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not hash to its address"));

    probity(p)
        .args([
            "assurance",
            "gaps",
            "--tenant",
            "acme",
            "--framework",
            "iso27001",
        ])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("iso27001-2013").and(predicate::str::contains("framework")),
        );
}

/// `probity serve` runs control tests in a child process per run (`assurance.rego_isolation =
/// "process"`, the default): a policy that allocates without bound ends its own process with an
/// `error` result naming the memory cap, while the server keeps answering and the next test in
/// a fresh process passes and fails as it should.
#[test]
fn control_tests_run_in_a_memory_capped_process() {
    use serde_json::{Value, json};

    let dir = TempDir::new().unwrap();
    let d = dir.path();
    probity(d)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme"])
        .assert()
        .success();
    let token = String::from_utf8(
        probity(d)
            .args([
                "token", "create", "--tenant", "acme", "--name", "ccm", "--role", "admin",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
    .trim()
    .to_owned();
    let (_server, url) = super::spawn_probity(
        d,
        &[("PROBITY_ASSURANCE__REGO_MEMORY_MB", "64")],
        &["serve", "--bind", "127.0.0.1:0"],
        "probity listening on ",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Value| {
        let request = client
            .request(method, format!("{url}{path}"))
            .bearer_auth(&token)
            .json(&body);
        rt.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        })
    };
    let create = |key: &str, rego: &str| {
        let (status, test) = call(
            reqwest::Method::POST,
            "/api/v1/control-tests",
            json!({ "key": key, "title": key, "control_ids": ["IAM-09"], "rego": rego }),
        );
        assert_eq!(status, 201, "{test}");
        test["id"].as_str().unwrap().to_owned()
    };
    let hog = create(
        "memory-hog",
        "package probity.tests.hog\nimport rego.v1\n\ndeny contains msg if {\n  xs := numbers.range(1, input.n)\n  count(xs) > 0\n  msg := \"allocated\"\n}\n",
    );
    let plain = create(
        "plain",
        "package probity.tests.plain\nimport rego.v1\n\ndeny contains \"flag is set\" if input.flag\n",
    );

    let (status, run) = call(
        reqwest::Method::POST,
        &format!("/api/v1/control-tests/{hog}/input"),
        json!({ "n": 200_000_000 }),
    );
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["result"], "error", "{run}");
    assert!(
        run["error"]
            .as_str()
            .is_some_and(|e| e.contains("memory limit of 64 MiB")),
        "{run}"
    );

    let (status, health) = call(reqwest::Method::GET, "/healthz", Value::Null);
    assert_eq!(status, 200, "the server survived: {health}");
    let (_, passed) = call(
        reqwest::Method::POST,
        &format!("/api/v1/control-tests/{plain}/input"),
        json!({ "flag": false }),
    );
    assert_eq!(passed["result"], "pass", "{passed}");
    let (_, failed) = call(
        reqwest::Method::POST,
        &format!("/api/v1/control-tests/{plain}/input"),
        json!({ "flag": true }),
    );
    assert_eq!(failed["result"], "fail", "{failed}");
    assert_eq!(failed["violations"], json!(["flag is set"]), "{failed}");
}
