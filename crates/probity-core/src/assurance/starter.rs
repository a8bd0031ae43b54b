//! The starter pack: ready-made control tests shipped in `catalogs/control-tests/*.toml`, each a
//! Rego module with the controls it evidences, a suggested collector and schedule, and one
//! passing and one failing sample input.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;

/// Where the starter tests live under `catalogs/`.
const DIR: &str = "control-tests/";

/// One shipped control test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StarterTest {
    /// Lower-case id, `[a-z0-9-]`; the file is `control-tests/<id>.toml`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// One or two sentences on what the test checks.
    pub summary: String,
    /// Unified control ids (`controls.toml`) the test evidences.
    pub controls: Vec<String>,
    /// Suggested input source, one of [`COLLECTORS`].
    pub collector: String,
    /// Suggested cron schedule (6 fields, with seconds); hourly when absent.
    #[serde(default)]
    pub schedule: Option<String>,
    /// The Rego module (see [`super::rego`] for the conventions).
    pub rego: String,
    /// A JSON input on which the test passes.
    pub pass_input: String,
    /// A JSON input on which the test fails.
    pub fail_input: String,
}

/// The collectors a starter test may suggest: Probity's own state (`probity:<source>`), an HTTP
/// GET, a file on the server, or a document pushed through the API.
pub const COLLECTORS: &[&str] = &[
    "probity:users",
    "probity:ledger",
    "probity:policies",
    "probity:vendors",
    "probity:evidence",
    "probity:dsr",
    "http",
    "file",
    "push",
];

/// The shipped starter tests, sorted by id, parsed on first use. A file that does not load is
/// logged and skipped (the tests in this module make that a build failure).
pub fn starter_pack() -> &'static [StarterTest] {
    static PACK: LazyLock<Vec<StarterTest>> = LazyLock::new(|| {
        let (tests, problems) = load(Catalog::embedded_files());
        for problem in &problems {
            tracing::error!(problem = %problem, "a starter control test does not load");
        }
        tests
    });
    &PACK
}

/// Parses every `control-tests/*.toml` in `files`: the tests that load, sorted by id, and one
/// message per file that does not.
fn load(files: &[(&str, &str)]) -> (Vec<StarterTest>, Vec<String>) {
    let mut tests: Vec<StarterTest> = Vec::new();
    let mut problems = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with(DIR)) {
        match parse(path, text) {
            Ok(test) if tests.iter().any(|t| t.id == test.id) => {
                problems.push(format!("catalogs/{path}: id {} is repeated", test.id));
            }
            Ok(test) => tests.push(test),
            Err(message) => problems.push(format!("catalogs/{path}: {message}")),
        }
    }
    tests.sort_by(|a, b| a.id.cmp(&b.id));
    (tests, problems)
}

fn parse(path: &str, text: &str) -> Result<StarterTest, String> {
    let test: StarterTest = toml::from_str(text).map_err(|e| e.to_string())?;
    let stem = path
        .strip_prefix(DIR)
        .and_then(|name| name.strip_suffix(".toml"));
    let valid_id = !test.id.is_empty()
        && test
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_id || stem != Some(test.id.as_str()) {
        return Err(format!(
            "id {:?} must be [a-z0-9-] and match the file name",
            test.id
        ));
    }
    if test.title.trim().is_empty() || test.summary.trim().is_empty() {
        return Err("title and summary are required".into());
    }
    if test.controls.is_empty() {
        return Err("controls must name at least one control".into());
    }
    if !COLLECTORS.contains(&test.collector.as_str()) {
        return Err(format!("unknown collector {:?}", test.collector));
    }
    if let Some(schedule) = &test.schedule
        && let Err(e) = crate::jobs::rules::parse_cron("schedule", schedule)
    {
        return Err(e.to_string());
    }
    Ok(test)
}

#[cfg(test)]
mod tests {
    use super::super::rego::{self, Limits, Outcome};
    use super::*;

    fn input(test: &StarterTest, which: &str, text: &str) -> serde_json::Value {
        serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{}: {which} is not JSON: {e}", test.id))
    }

    #[test]
    fn every_shipped_file_loads() {
        let (tests, problems) = load(Catalog::embedded_files());
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(tests.len() >= 18, "only {} starter tests", tests.len());
        assert_eq!(starter_pack().len(), tests.len());
        assert!(starter_pack().windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn malformed_files_are_reported_not_loaded() {
        let files = [
            ("control-tests/broken.toml", "id = "),
            (
                "control-tests/wrong-name.toml",
                "id = \"other\"\ntitle = \"t\"\nsummary = \"s\"\ncontrols = [\"IAM-09\"]\ncollector = \"push\"\nrego = \"\"\npass_input = \"{}\"\nfail_input = \"{}\"\n",
            ),
            ("controls.toml", "not a control test"),
        ];
        let (tests, problems) = load(&files);
        assert!(tests.is_empty());
        assert_eq!(problems.len(), 2, "{problems:#?}");
    }

    #[test]
    fn every_control_exists_in_the_shipped_library() {
        let catalog = Catalog::shipped().unwrap();
        for test in starter_pack() {
            for control in &test.controls {
                assert!(
                    catalog.control(control).is_some(),
                    "{}: unknown control {control}",
                    test.id
                );
            }
        }
    }

    #[test]
    fn every_test_compiles_and_is_a_control_test() {
        for test in starter_pack() {
            if let Err(e) = rego::check(&test.id, &test.rego) {
                panic!("{}: {e}", test.id);
            }
            assert!(
                test.rego.contains("deny contains"),
                "{}: a control test defines deny",
                test.id
            );
        }
    }

    #[test]
    fn every_sample_input_gives_its_outcome() {
        let limits = Limits::default();
        for test in starter_pack() {
            let pass = input(test, "pass_input", &test.pass_input);
            assert_eq!(
                rego::evaluate(&test.id, &test.rego, &pass, &limits),
                Outcome::Pass,
                "{}: pass_input",
                test.id
            );
            let fail = input(test, "fail_input", &test.fail_input);
            match rego::evaluate(&test.id, &test.rego, &fail, &limits) {
                Outcome::Fail { violations } => assert!(!violations.is_empty()),
                other => panic!("{}: fail_input gave {other:?}", test.id),
            }
        }
    }

    #[test]
    fn an_empty_document_never_passes() {
        // A collector that returns nothing must not look like a clean bill of health.
        for test in starter_pack() {
            let out = rego::evaluate(
                &test.id,
                &test.rego,
                &serde_json::json!({}),
                &Limits::default(),
            );
            assert!(matches!(out, Outcome::Fail { .. }), "{}: {out:?}", test.id);
        }
    }

    #[test]
    fn collectors_and_schedules_are_valid() {
        for test in starter_pack() {
            assert!(COLLECTORS.contains(&test.collector.as_str()), "{}", test.id);
            if let Some(schedule) = &test.schedule {
                assert_eq!(schedule.split_whitespace().count(), 6, "{}", test.id);
            }
        }
    }
}
