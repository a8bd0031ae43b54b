//! Continuous control monitoring: control tests in Rego (a `deny` set of messages), their
//! inputs (pushed through the API, fetched over HTTP, read from a file, or gathered from
//! Probity's own state), schedules, runs and results; and the policy decision API.
//!
//! Each distinct input is kept as a version of the test's JSON evidence item, so a result
//! always points at the exact document it judged (`input_sha256` is that version's address).
//! Every run is an audit event (`control_test.passed|failed|errored`); a pass → fail change
//! raises a notification. Policies are checked at upload (line and column on errors) and
//! evaluated off the async runtime under [`super::rego::Limits`], so a looping or panicking
//! policy yields an `error` result, never a stuck or crashed server.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::evidence::{EvidenceContent, NewEvidence, NewEvidenceVersion};
use super::model::*;
use super::rego::{self, Outcome};
use super::starter::starter_pack;
use super::{AssuranceService, check_key, long, sha256_hex, short};
use crate::error::{DomainError, DomainResult};
use crate::governance::rules::check_controls;
use crate::governance::service::party;
use crate::notify::{Notice, Severity};
use crate::page::PageRequest;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// Largest Rego module accepted (bytes).
pub const MAX_REGO: usize = 64 * 1024;
/// Largest input document accepted (bytes of JSON).
pub const MAX_INPUT: usize = 4 * 1024 * 1024;
/// Probity's own state a test can read.
pub const PROBITY_SOURCES: &[&str] = &["users", "ledger", "evidence", "vendors", "policies", "dsr"];

/// Gets documents over HTTP for `http` collectors and metrics pulls (the server supplies it).
#[async_trait]
pub trait Fetch: Send + Sync {
    /// GETs `url` and parses the body as JSON; the error in words.
    async fn get_json(&self, url: &str) -> Result<serde_json::Value, String>;
    /// GETs `url` as text (a Prometheus exposition page); the error in words.
    async fn get_text(&self, url: &str) -> Result<String, String>;
}

/// A new control test.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewControlTest {
    /// Unique key: 2–63 of `a-z`, `0-9`, `-`.
    pub key: String,
    /// Title.
    pub title: String,
    /// What it checks.
    #[serde(default)]
    pub summary: Option<String>,
    /// Unified controls it informs (at least one).
    pub control_ids: Vec<String>,
    /// The Rego module: defines `deny`, a set of violation messages.
    pub rego: String,
    /// Input source (default `push`).
    #[serde(default)]
    pub collector: Option<Collector>,
    /// Cron, 5 fields or 6 with seconds (`0 * * * *`); needs a collector other than `push`.
    #[serde(default)]
    pub schedule: Option<String>,
}

/// Changes to a control test; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestUpdate {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Controls (replaces).
    #[serde(default)]
    pub control_ids: Option<Vec<String>>,
    /// The Rego module.
    #[serde(default)]
    pub rego: Option<String>,
    /// Input source.
    #[serde(default)]
    pub collector: Option<Collector>,
    /// Schedule; an empty string removes it.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Scheduled runs on or off.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A control test with its latest runs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ControlTestView {
    /// The test.
    #[serde(flatten)]
    pub test: ControlTest,
    /// Latest runs, newest first (at most 20).
    pub runs: Vec<TestRun>,
}

/// A new decision policy version.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecisionPolicy {
    /// Title.
    pub title: String,
    /// The Rego module: defines `allow` (boolean) and optionally `reasons` (set of strings).
    pub rego: String,
}

/// A decision, as recorded in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PolicyDecision {
    /// The audit event that records it.
    pub decision_id: uuid::Uuid,
    /// Policy key.
    pub policy: String,
    /// Policy version decided with.
    pub version: u32,
    /// The policy's SHA-256.
    pub rego_sha256: String,
    /// SHA-256 of the input (canonical JSON).
    pub input_sha256: String,
    /// Allowed.
    pub allow: bool,
    /// Why.
    pub reasons: Vec<String>,
    /// When.
    pub decided_at: DateTime<Utc>,
}

fn check_rego(field: &str, name: &str, source: &str) -> DomainResult<String> {
    if source.trim().is_empty() || source.len() > MAX_REGO {
        return Err(DomainError::invalid(
            field,
            format!("must be 1 to {} KiB of Rego", MAX_REGO / 1024),
        ));
    }
    rego::check(name, source).map_err(|e| DomainError::invalid(field, e.to_string()))?;
    Ok(source.to_owned())
}

fn check_collector(c: &Collector) -> DomainResult<()> {
    match c {
        Collector::Push => Ok(()),
        Collector::Http { url } => {
            if (url.starts_with("http://") || url.starts_with("https://"))
                && url.len() <= 2000
                && !url.chars().any(char::is_whitespace)
            {
                Ok(())
            } else {
                Err(DomainError::invalid(
                    "collector.url",
                    "must be an http:// or https:// URL",
                ))
            }
        }
        Collector::File { path } => {
            if path.starts_with('/') && !path.split('/').any(|p| p == "..") {
                Ok(())
            } else {
                Err(DomainError::invalid(
                    "collector.path",
                    "must be an absolute path without ..",
                ))
            }
        }
        Collector::Probity { source } => {
            if PROBITY_SOURCES.contains(&source.as_str()) {
                Ok(())
            } else {
                Err(DomainError::invalid(
                    "collector.source",
                    format!("must be one of {}", PROBITY_SOURCES.join(", ")),
                ))
            }
        }
    }
}

/// The next run after `after` for a cron schedule (5 fields, or 6 with seconds).
pub fn next_run(schedule: &str, after: DateTime<Utc>) -> DomainResult<DateTime<Utc>> {
    let cron = crate::jobs::rules::parse_cron("schedule", schedule)?;
    crate::jobs::rules::next_occurrence(&cron, after).ok_or_else(|| {
        DomainError::invalid("schedule", format!("{schedule:?} has no next occurrence"))
    })
}

fn check_schedule(
    schedule: Option<&str>,
    collector: &Collector,
    now: DateTime<Utc>,
) -> DomainResult<(Option<String>, Option<DateTime<Utc>>)> {
    let Some(s) = schedule.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok((None, None));
    };
    if *collector == Collector::Push {
        return Err(DomainError::invalid(
            "schedule",
            "a pushed test runs when its input arrives; choose an http, file or probity collector to schedule it",
        ));
    }
    let next = next_run(s, now)?;
    Ok((Some(s.to_owned()), Some(next)))
}

/// Parses a starter pack collector name.
fn starter_collector(name: &str) -> Collector {
    match name.strip_prefix("probity:") {
        Some(source) if PROBITY_SOURCES.contains(&source) => Collector::Probity {
            source: source.to_owned(),
        },
        _ => Collector::Push,
    }
}

impl AssuranceService {
    async fn load_test(&self, who: &Principal, id: ControlTestId) -> DomainResult<ControlTest> {
        self.store
            .control_test(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("control test".into()))
    }

    /// Adds a control test (contributor and above); audited as `control_test.created`.
    pub async fn create_control_test(
        &self,
        who: &Principal,
        req: &NewControlTest,
    ) -> DomainResult<ControlTest> {
        who.require(Permission::Write)?;
        let key = check_key("key", &req.key)?;
        if req.control_ids.is_empty() {
            return Err(DomainError::invalid(
                "control_ids",
                "name at least one unified control the test informs",
            ));
        }
        check_controls(&req.control_ids)?;
        let rego = check_rego("rego", &format!("{key}.rego"), &req.rego)?;
        let collector = req.collector.clone().unwrap_or(Collector::Push);
        check_collector(&collector)?;
        let now = self.clock.now();
        let (schedule, next_run_at) = check_schedule(req.schedule.as_deref(), &collector, now)?;
        let t = ControlTest {
            id: ControlTestId::new(),
            tenant_id: who.tenant.id,
            key,
            title: short("title", &req.title, 200)?,
            summary: long("summary", req.summary.as_deref(), 2000)?.unwrap_or_default(),
            control_ids: req.control_ids.clone(),
            rego_sha256: sha256_hex(rego.as_bytes()),
            rego,
            collector,
            enabled: schedule.is_some(),
            evidence_id: None,
            schedule,
            next_run_at,
            last_result: None,
            last_run_at: None,
            created_at: now,
            created_by: party(who),
            updated_at: now,
        };
        let event = self.event(
            who,
            "control_test.created",
            ("control_test", t.id.to_string()),
            json!({
                "key": t.key, "title": t.title, "control_ids": t.control_ids,
                "rego_sha256": t.rego_sha256, "collector": t.collector, "schedule": t.schedule,
            }),
        );
        self.store.insert_control_test(&t, &event).await?;
        Ok(t)
    }

    /// Installs the shipped starter tests the tenant does not have yet (by key); returns the
    /// ones added.
    pub async fn install_starter_pack(&self, who: &Principal) -> DomainResult<Vec<ControlTest>> {
        who.require(Permission::Write)?;
        let have: Vec<String> = self
            .store
            .list_control_tests(who.tenant.id)
            .await?
            .into_iter()
            .map(|t| t.key)
            .collect();
        let mut added = Vec::new();
        for s in starter_pack().iter().filter(|s| !have.contains(&s.id)) {
            let collector = starter_collector(&s.collector);
            let schedule = match collector {
                Collector::Push => None,
                _ => Some(
                    s.schedule
                        .clone()
                        .unwrap_or_else(|| "0 0 * * * *".to_owned()),
                ),
            };
            let req = NewControlTest {
                key: s.id.clone(),
                title: s.title.clone(),
                summary: Some(s.summary.clone()),
                control_ids: s.controls.clone(),
                rego: s.rego.clone(),
                collector: Some(collector),
                schedule,
            };
            match self.create_control_test(who, &req).await {
                Ok(t) => added.push(t),
                Err(DomainError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(added)
    }

    /// Every control test (any member).
    pub async fn control_tests(&self, who: &Principal) -> DomainResult<Vec<ControlTest>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_control_tests(who.tenant.id).await?)
    }

    /// One control test with its latest runs (any member).
    pub async fn control_test(
        &self,
        who: &Principal,
        id: ControlTestId,
    ) -> DomainResult<ControlTestView> {
        who.require(Permission::Read)?;
        let test = self.load_test(who, id).await?;
        let runs = self.store.test_runs(who.tenant.id, id, 20).await?;
        Ok(ControlTestView { test, runs })
    }

    /// Changes a control test (contributor and above); audited as `control_test.updated`.
    pub async fn update_control_test(
        &self,
        who: &Principal,
        id: ControlTestId,
        req: &TestUpdate,
    ) -> DomainResult<ControlTest> {
        who.require(Permission::Write)?;
        let mut t = self.load_test(who, id).await?;
        if let Some(v) = &req.title {
            t.title = short("title", v, 200)?;
        }
        if let Some(v) = &req.summary {
            t.summary = long("summary", Some(v), 2000)?.unwrap_or_default();
        }
        if let Some(v) = &req.control_ids {
            if v.is_empty() {
                return Err(DomainError::invalid(
                    "control_ids",
                    "name at least one control",
                ));
            }
            check_controls(v)?;
            t.control_ids = v.clone();
        }
        if let Some(v) = &req.rego {
            t.rego = check_rego("rego", &format!("{}.rego", t.key), v)?;
            t.rego_sha256 = sha256_hex(t.rego.as_bytes());
        }
        if let Some(c) = &req.collector {
            check_collector(c)?;
            t.collector = c.clone();
        }
        let now = self.clock.now();
        let schedule = match &req.schedule {
            Some(s) => Some(s.as_str()),
            None => t.schedule.as_deref(),
        };
        let (schedule, next) = check_schedule(schedule, &t.collector, now)?;
        t.schedule = schedule;
        t.next_run_at = next;
        t.enabled =
            req.enabled.unwrap_or(t.enabled || req.schedule.is_some()) && t.schedule.is_some();
        t.updated_at = now;
        let event = self.event(
            who,
            "control_test.updated",
            ("control_test", t.id.to_string()),
            json!({
                "key": t.key, "title": t.title, "control_ids": t.control_ids,
                "rego_sha256": t.rego_sha256, "collector": t.collector, "schedule": t.schedule,
                "enabled": t.enabled,
            }),
        );
        self.store.update_control_test(&t, &event).await?;
        Ok(t)
    }

    /// Evaluates a pushed input now (contributor and above): the input becomes a version of
    /// the test's evidence item, then the run is recorded.
    pub async fn push_input(
        &self,
        who: &Principal,
        id: ControlTestId,
        input: &serde_json::Value,
    ) -> DomainResult<TestRun> {
        who.require(Permission::Write)?;
        let t = self.load_test(who, id).await?;
        self.run_with_input(who, t, Ok(input.clone()), "push").await
    }

    /// Runs a test now, gathering its input from its collector (a pushed test re-evaluates its
    /// latest input).
    pub async fn run_control_test(
        &self,
        who: &Principal,
        id: ControlTestId,
    ) -> DomainResult<TestRun> {
        who.require(Permission::Write)?;
        let t = self.load_test(who, id).await?;
        let input = self.gather(who, &t).await;
        self.run_with_input(who, t, input, "manual").await
    }

    /// Runs every due scheduled test of every tenant (at most `limit`); returns how many ran.
    pub async fn run_due(&self, limit: u32) -> DomainResult<usize> {
        let due = self
            .store
            .due_control_tests(self.clock.now(), limit)
            .await?;
        let mut ran = 0;
        for t in due {
            let (Some(expected), Some(schedule)) = (t.next_run_at, t.schedule.as_deref()) else {
                continue;
            };
            let next = next_run(schedule, self.clock.now())?;
            if !self
                .store
                .claim_control_test(t.tenant_id, t.id, expected, next)
                .await?
            {
                continue;
            }
            let Some(tenant) = self.store.tenant_by_id(t.tenant_id).await? else {
                continue;
            };
            let who = Principal::system(tenant, "control-monitor");
            let input = self.gather(&who, &t).await;
            match self.run_with_input(&who, t, input, "schedule").await {
                Ok(_) => ran += 1,
                Err(e) => tracing::warn!(error = %e, "scheduled control test not recorded"),
            }
        }
        Ok(ran)
    }

    /// The input for a test, or why it could not be gathered.
    async fn gather(&self, who: &Principal, t: &ControlTest) -> Result<serde_json::Value, String> {
        match &t.collector {
            Collector::Push => {
                let Some(eid) = t.evidence_id else {
                    return Err("no input has been pushed yet".into());
                };
                let latest = self
                    .store
                    .evidence_versions(who.tenant.id, eid)
                    .await
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .max_by_key(|v| v.number)
                    .ok_or("the input evidence has no version")?;
                let bytes = self
                    .open_content(who, &latest.sha256)
                    .await
                    .map_err(|e| e.to_string())?;
                serde_json::from_slice(&bytes).map_err(|e| e.to_string())
            }
            Collector::Http { url } => match &self.fetch {
                Some(f) => f.get_json(url).await,
                None => Err("this process cannot make HTTP requests".into()),
            },
            Collector::File { path } => {
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| format!("reading {path}: {e}"))?;
                if bytes.len() > MAX_INPUT {
                    return Err(format!(
                        "{path} is larger than {} MiB",
                        MAX_INPUT / 1024 / 1024
                    ));
                }
                serde_json::from_slice(&bytes).map_err(|e| format!("{path} is not JSON: {e}"))
            }
            Collector::Probity { source } => self
                .probity_input(who, source)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Probity's own state as a test input.
    pub async fn probity_input(
        &self,
        who: &Principal,
        source: &str,
    ) -> DomainResult<serde_json::Value> {
        let now = self.clock.now();
        let tenant = who.tenant.id;
        Ok(match source {
            "users" => {
                let mut users = Vec::new();
                let mut page = PageRequest {
                    limit: 500,
                    after: None,
                };
                loop {
                    let got = self.store.list_members(tenant, &page).await?;
                    for m in &got.items {
                        users.push(json!({
                            "id": m.user.id, "email": m.user.email, "name": m.user.display_name,
                            "role": m.role, "mfa_enabled": m.user.mfa_enabled,
                            "created_at": m.user.created_at, "joined_at": m.joined_at,
                        }));
                    }
                    match (got.next_cursor, got.items.last()) {
                        (Some(_), Some(last)) => page.after = Some(last.user.id.0),
                        _ => break,
                    }
                }
                json!({ "now": now, "users": users })
            }
            "ledger" => {
                let checkpoint = self.store.latest_checkpoint(tenant).await?;
                let cosigned = match &checkpoint {
                    Some(c) => self.store.cosignatures(tenant, c.size).await?,
                    None => Vec::new(),
                };
                let last_cosigned = cosigned.iter().map(|c| c.cosigned_at).max();
                json!({
                    "now": now,
                    "checkpoint": checkpoint.as_ref().map(|c| json!({
                        "size": c.size, "root": c.root.to_base64(), "signed_at": c.created_at,
                    })),
                    "witness_cosignatures": cosigned.len(),
                    "last_verified_at": last_cosigned.or(checkpoint.as_ref().map(|c| c.created_at)),
                })
            }
            "evidence" => {
                let list = self.evidence_list(who).await?;
                json!({ "now": now, "evidence": list.iter().map(|v| json!({
                    "reference": v.item.reference, "title": v.item.title,
                    "control_ids": v.item.control_ids, "freshness": v.freshness,
                    "collected_at": v.versions.first().map(|x| x.collected_at),
                    "expires_at": v.versions.first().and_then(|x| x.expires_at),
                })).collect::<Vec<_>>() })
            }
            "vendors" => {
                let vendors = self.store.list_vendors(tenant).await?;
                json!({ "now": now, "vendors": vendors })
            }
            "policies" => {
                let mut out = Vec::new();
                for p in self.store.list_policies(tenant).await? {
                    let versions = self.store.policy_versions(tenant, p.id).await?;
                    let last_published_at = versions.iter().filter_map(|v| v.published_at).max();
                    let mut doc = serde_json::to_value(&p)
                        .map_err(|e| DomainError::Internal(e.to_string()))?;
                    if let Some(obj) = doc.as_object_mut() {
                        obj.insert("last_published_at".into(), json!(last_published_at));
                        obj.insert("versions".into(), json!(versions.len()));
                    }
                    out.push(doc);
                }
                json!({ "now": now, "policies": out })
            }
            // The privacy context keeps no requests yet: the honest input is an empty list.
            "dsr" => json!({ "now": now, "requests": [] }),
            other => {
                return Err(DomainError::invalid(
                    "collector.source",
                    format!("{other} is not one of {}", PROBITY_SOURCES.join(", ")),
                ));
            }
        })
    }

    /// Keeps `input` as the test's evidence (a new version when it differs from the latest);
    /// returns its address.
    async fn keep_input(
        &self,
        who: &Principal,
        t: &mut ControlTest,
        input: &serde_json::Value,
    ) -> DomainResult<String> {
        let bytes = serde_json::to_vec(input).map_err(|e| DomainError::Internal(e.to_string()))?;
        if bytes.len() > MAX_INPUT {
            return Err(DomainError::invalid(
                "input",
                format!("must be at most {} MiB of JSON", MAX_INPUT / 1024 / 1024),
            ));
        }
        let sha = sha256_hex(&bytes);
        let content = EvidenceContent::Json {
            document: input.clone(),
        };
        match t.evidence_id {
            Some(eid) => {
                let latest = self
                    .store
                    .evidence_versions(who.tenant.id, eid)
                    .await?
                    .into_iter()
                    .max_by_key(|v| v.number);
                if latest.is_none_or(|v| v.sha256 != sha) {
                    self.add_evidence_version(
                        who,
                        eid,
                        &NewEvidenceVersion {
                            collected_at: None,
                            note: Some(format!("Input of control test {}", t.key)),
                            content,
                        },
                    )
                    .await?;
                }
            }
            None => {
                let view = self
                    .create_evidence(who, &NewEvidence {
                        title: format!("Control test input: {}", t.title),
                        description: Some(format!(
                            "The documents control test {} evaluated, one version per distinct input.",
                            t.key
                        )),
                        tags: vec!["control-test".to_owned()],
                        control_ids: t.control_ids.clone(),
                        requirement_ids: Vec::new(),
                        validity_days: None,
                        owner: None,
                        collected_at: None,
                        content,
                    })
                    .await?;
                t.evidence_id = Some(view.item.id);
            }
        }
        Ok(sha)
    }

    async fn run_with_input(
        &self,
        who: &Principal,
        mut t: ControlTest,
        input: Result<serde_json::Value, String>,
        trigger: &str,
    ) -> DomainResult<TestRun> {
        let started_at = self.clock.now();
        let clock_start = std::time::Instant::now();
        let (outcome, input_sha256) = match input {
            Ok(input) => {
                let sha = self.keep_input(who, &mut t, &input).await?;
                let (name, source, rego) = (
                    format!("{}.rego", t.key),
                    t.rego.clone(),
                    Arc::clone(&self.tests_rego),
                );
                let outcome =
                    tokio::task::spawn_blocking(move || rego.evaluate(&name, &source, &input))
                        .await
                        .unwrap_or_else(|e| Outcome::Error {
                            message: format!("policy evaluation stopped: {e}"),
                        });
                (outcome, Some(sha))
            }
            Err(message) => (
                Outcome::Error {
                    message: format!("input not gathered: {message}"),
                },
                None,
            ),
        };
        let duration_us = u64::try_from(clock_start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let (result, violations, error) = match outcome {
            Outcome::Pass => (TestResult::Pass, Vec::new(), None),
            Outcome::Fail { violations } => (TestResult::Fail, violations, None),
            Outcome::Error { message } => (TestResult::Error, Vec::new(), Some(message)),
        };
        let previous = t.last_result;
        let run = TestRun {
            id: TestRunId::new(),
            test_id: t.id,
            tenant_id: who.tenant.id,
            result,
            violations,
            error,
            input_sha256,
            rego_sha256: t.rego_sha256.clone(),
            trigger: trigger.to_owned(),
            started_at,
            duration_us,
        };
        t.last_result = Some(result);
        t.last_run_at = Some(started_at);
        if let Some(s) = &t.schedule {
            t.next_run_at = Some(next_run(s, started_at)?);
        }
        let kind = match result {
            TestResult::Pass => "control_test.passed",
            TestResult::Fail => "control_test.failed",
            TestResult::Error => "control_test.errored",
        };
        let event = self.event(who, kind, ("control_test", t.id.to_string()), json!({
            "key": t.key, "run": run.id, "trigger": trigger, "control_ids": t.control_ids,
            "violations": run.violations.len(),
            "first_violations": run.violations.iter().take(5).collect::<Vec<_>>(),
            "error": run.error, "input_sha256": run.input_sha256, "rego_sha256": run.rego_sha256,
            "previous": previous,
        }));
        match self.store.insert_test_run(&run, &t, &event).await {
            Ok(()) => {}
            Err(StoreError::Duplicate(w)) => return Err(DomainError::Conflict(w)),
            Err(e) => return Err(e.into()),
        }
        if result == TestResult::Fail && previous != Some(TestResult::Fail) {
            self.raise(
                who,
                Notice {
                    kind: "control_test.failed".into(),
                    severity: Severity::High,
                    title: format!("Control test {} fails", t.key),
                    body: format!(
                        "{} ({}) found {} violation(s), e.g. {}",
                        t.title,
                        t.control_ids.join(", "),
                        run.violations.len(),
                        run.violations.first().cloned().unwrap_or_default()
                    ),
                    link: self.page_url(&format!("/control-tests/{}", t.id)),
                    dedup_key: Some(format!("control_test.failed:{}", t.id)),
                },
            )
            .await;
            self.record_violations(who, &t, &run).await;
        }
        Ok(run)
    }

    /// On a pass → fail change, records a violation (source `control_test`) on every policy
    /// mapped to one of the test's controls; a failure is logged (the run is recorded).
    async fn record_violations(&self, who: &Principal, t: &ControlTest, run: &TestRun) {
        let policies = match self.store.list_policies(who.tenant.id).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "policies not read for control test violations");
                return;
            }
        };
        let governance =
            crate::governance::GovernanceService::new(self.store.clone(), self.clock.clone());
        for p in policies
            .iter()
            .filter(|p| p.control_ids.iter().any(|c| t.control_ids.contains(c)))
        {
            let req = crate::governance::NewViolation {
                description: format!(
                    "Control test {} ({}) fails: {}",
                    t.key,
                    t.control_ids.join(", "),
                    run.violations
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                severity: "medium".into(),
                source: Some(crate::governance::training::ViolationSource::ControlTest),
                reference: Some(format!("control_test:{}", t.key)),
            };
            if let Err(e) = governance.record_violation(who, p.id, &req).await {
                tracing::warn!(policy = %p.key, error = %e, "control test violation not recorded");
            }
        }
    }

    /// Uploads a new version of a decision policy (contributor and above); audited as
    /// `decision_policy.updated`.
    pub async fn put_decision_policy(
        &self,
        who: &Principal,
        key: &str,
        req: &NewDecisionPolicy,
    ) -> DomainResult<DecisionPolicy> {
        who.require(Permission::Write)?;
        let key = check_key("key", key)?;
        let rego = check_rego("rego", &format!("{key}.rego"), &req.rego)?;
        let version = self
            .store
            .decision_policy(who.tenant.id, &key)
            .await?
            .map_or(1, |p| p.version + 1);
        let p = DecisionPolicy {
            tenant_id: who.tenant.id,
            key,
            title: short("title", &req.title, 200)?,
            version,
            rego_sha256: sha256_hex(rego.as_bytes()),
            rego,
            updated_at: self.clock.now(),
            updated_by: party(who),
        };
        let event = self.event(
            who,
            "decision_policy.updated",
            ("decision_policy", p.key.clone()),
            json!({
                "key": p.key, "title": p.title, "version": p.version, "rego_sha256": p.rego_sha256,
            }),
        );
        self.store.put_decision_policy(&p, &event).await?;
        Ok(p)
    }

    /// The tenant's decision policies (any member).
    pub async fn decision_policies(&self, who: &Principal) -> DomainResult<Vec<DecisionPolicy>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_decision_policies(who.tenant.id).await?)
    }

    /// Evaluates a decision policy against `input` (any member or token) and records the
    /// decision in the ledger as `decision.allowed` or `decision.denied`.
    pub async fn decide(
        &self,
        who: &Principal,
        key: &str,
        input: serde_json::Value,
    ) -> DomainResult<PolicyDecision> {
        who.require(Permission::Read)?;
        let p = self
            .store
            .decision_policy(who.tenant.id, key)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("decision policy {key}")))?;
        let bytes = serde_json::to_vec(&input).map_err(|e| DomainError::Internal(e.to_string()))?;
        if bytes.len() > MAX_INPUT {
            return Err(DomainError::invalid(
                "input",
                "must be at most 4 MiB of JSON",
            ));
        }
        let input_sha256 = sha256_hex(&bytes);
        let (name, source, rego) = (
            format!("{key}.rego"),
            p.rego.clone(),
            Arc::clone(&self.decisions_rego),
        );
        let decided = tokio::task::spawn_blocking(move || rego.decide(&name, &source, &input))
            .await
            .map_err(|e| DomainError::Internal(format!("policy evaluation stopped: {e}")))?
            .map_err(|e| {
                DomainError::invalid("input", format!("policy {key} could not decide: {e}"))
            })?;
        let now = self.clock.now();
        let event = self.event(
            who,
            if decided.allow {
                "decision.allowed"
            } else {
                "decision.denied"
            },
            ("decision_policy", p.key.clone()),
            json!({
                "policy": p.key, "version": p.version, "rego_sha256": p.rego_sha256,
                "input_sha256": input_sha256, "allow": decided.allow, "reasons": decided.reasons,
            }),
        );
        self.store.record_event(&event).await?;
        Ok(PolicyDecision {
            decision_id: event.id,
            policy: p.key,
            version: p.version,
            rego_sha256: p.rego_sha256,
            input_sha256,
            allow: decided.allow,
            reasons: decided.reasons,
            decided_at: now,
        })
    }
}
