//! Rego evaluation (the OPA policy language, via the `regorus` interpreter) for control tests and
//! policy decisions, with compile errors that carry a position and evaluation that is bounded in
//! time and isolated from panics.
//!
//! # Conventions
//!
//! Every module is Rego v1 (`if` and `contains` are keywords; `import rego.v1` is accepted and
//! changes nothing); v0 rule bodies without `if` are rejected with a message saying so. The
//! package is free, e.g. `package probity.tests.mfa_enforced`.
//!
//! - A **control test** defines `deny` as a set of violation messages:
//!   `deny contains msg if { ... }`. It passes when `deny` is empty or undefined and fails with
//!   the messages, sorted and de-duplicated, otherwise. Messages should name the offending item
//!   ("user alice@example.com has no MFA"). A member that is not a string is reported as its
//!   JSON text.
//! - A **decision policy** defines `allow` (a boolean; undefined means `false`) and optionally
//!   `reasons`, a set of strings explaining the decision.
//!
//! Builtin errors are errors (OPA's `--strict-builtin-errors`), so a malformed timestamp in the
//! input makes the test report an error instead of silently passing.
//!
//! # Limits and isolation
//!
//! [`evaluate`] and [`decide`] are for untrusted policies: they parse, compile and evaluate on a
//! dedicated thread inside [`std::panic::catch_unwind`] and wait at most [`Limits::timeout`].
//! regorus checks the same wall-clock budget cooperatively while it interprets (every
//! [`Limits::check_interval`] work units), so a runaway loop or comprehension stops on its own
//! and its thread ends. A thread cannot be killed, though: a single builtin call that runs long
//! (say `numbers.range` over a hundred million numbers) is not interrupted; the caller still
//! gets its error on time, but that thread keeps its CPU and memory until the builtin returns.
//! regorus can only cap memory through its own global allocator (mimalloc, one limit for the
//! whole process), which Probity does not use. Catching panics needs `panic = "unwind"` (the
//! default); the panic message still goes to stderr through the panic hook.
//!
//! An [`Evaluator`] adds what a thread cannot give: with [`Isolation::Process`] every evaluation
//! runs in a child process (`probity __rego-eval`, served by [`child_main`]) whose data segment
//! is capped, so a policy that allocates without bound ends its own process with "exceeded the
//! memory limit", and one that runs past the timeout inside a builtin is killed. With
//! [`Isolation::Thread`] it evaluates on a thread of this process as [`evaluate`] does, with
//! compiled policies kept in a small cache keyed by the policy's hash so a policy is parsed once,
//! not per run (ADR 0025 says which paths use which).
//!
//! [`Compiled`] parses once and evaluates many inputs on the caller's thread (for throughput);
//! it keeps regorus's cooperative time limit and catches panics, but does not add a thread and a
//! hard timeout, so use it for trusted policies or ones that [`check`] and a trial [`evaluate`]
//! have already accepted.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::num::{NonZeroU32, NonZeroUsize};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use regorus::utils::limits::{ExecutionTimerConfig, PolicyLengthConfig};
use regorus::{Engine, LimitError, Value};
use serde::Deserialize as _;

const DENY: &str = "deny";
const ALLOW: &str = "allow";
const REASONS: &str = "reasons";
const PANICKED: &str = "policy evaluation panicked";
/// Stack of the evaluation thread: the interpreter recurses through nested expressions.
const EVAL_STACK_BYTES: usize = 16 * 1024 * 1024;

/// A policy that does not compile, with the 1-based position of the problem. Problems with the
/// module as a whole (no `deny` or `allow`, too large) are reported at line 1, column 1.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct PolicyError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong, as regorus words it.
    pub message: String,
}

impl PolicyError {
    fn whole_module(message: impl Into<String>) -> Self {
        Self {
            line: 1,
            column: 1,
            message: message.into(),
        }
    }
}

/// Bounds on one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget for one evaluation (parse, compile and evaluate).
    pub timeout: Duration,
    /// Interpreter work units (statements, expressions, loop iterations) between two clock
    /// reads; lower stops closer to the deadline, higher costs less.
    pub check_interval: NonZeroU32,
    /// Largest accepted policy text, in bytes.
    pub max_policy_bytes: NonZeroUsize,
    /// Most lines in a policy.
    pub max_policy_lines: NonZeroUsize,
    /// Widest accepted line, in columns.
    pub max_line_columns: NonZeroU32,
}

const fn non_zero_u32(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

const fn non_zero_usize(n: usize) -> NonZeroUsize {
    match NonZeroUsize::new(n) {
        Some(n) => n,
        None => NonZeroUsize::MIN,
    }
}

impl Default for Limits {
    /// Two seconds, a clock read every 64 work units, and policies up to 256 KiB, 10 000 lines
    /// and 1 024 columns.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            check_interval: non_zero_u32(64),
            max_policy_bytes: non_zero_usize(256 * 1024),
            max_policy_lines: non_zero_usize(10_000),
            max_line_columns: non_zero_u32(1024),
        }
    }
}

/// The result of a control test.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
#[schema(as = TestOutcome)]
pub enum Outcome {
    /// `deny` is empty or undefined.
    Pass,
    /// `deny` holds these messages, sorted.
    Fail {
        /// The violation messages, sorted and de-duplicated.
        violations: Vec<String>,
    },
    /// The policy did not compile, panicked, ran out of time or failed to evaluate.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// The result of a decision policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = RegoDecision)]
pub struct Decision {
    /// `allow`, `false` when undefined.
    pub allow: bool,
    /// `reasons`, sorted; empty when the policy defines none.
    pub reasons: Vec<String>,
}

/// Parses and compiles `source` (`name` labels it in messages) under [`Limits::default`];
/// rejects invalid Rego (syntax, unsafe variables) with its line and column, and a module that
/// defines neither `deny` nor `allow`. Unknown functions surface only when evaluated.
pub fn check(name: &str, source: &str) -> Result<(), PolicyError> {
    Compiled::new(name, source).map(|_| ())
}

/// Evaluates a control test against `input` on its own thread: never panics, and returns
/// [`Outcome::Error`] after at most `limits.timeout` (see the module doc for what that thread
/// does afterwards).
pub fn evaluate(name: &str, source: &str, input: &serde_json::Value, limits: &Limits) -> Outcome {
    match isolated(name, source, input, limits, Compiled::violations) {
        Ok(violations) => outcome(violations),
        Err(message) => Outcome::Error { message },
    }
}

/// Evaluates a decision policy against `input` with the same isolation as [`evaluate`]; the
/// error names what went wrong (compile error, panic, timeout or evaluation error).
pub fn decide(
    name: &str,
    source: &str,
    input: &serde_json::Value,
    limits: &Limits,
) -> Result<Decision, String> {
    isolated(name, source, input, limits, Compiled::decision)
}

/// A parsed and compiled policy, evaluated many times without parsing again. Evaluation runs on
/// the caller's thread with panics caught and regorus's cooperative time limit, but no hard
/// timeout: use [`evaluate`] and [`decide`] for untrusted policies.
#[derive(Debug, Clone)]
pub struct Compiled {
    engine: Engine,
    limits: Limits,
    deny: Option<String>,
    allow: Option<String>,
    reasons: Option<String>,
}

impl Compiled {
    /// Compiles `source` with [`Limits::default`]; the errors are those of [`check`].
    pub fn new(name: &str, source: &str) -> Result<Self, PolicyError> {
        Self::with_limits(name, source, &Limits::default())
    }

    /// Compiles `source` under `limits`: the policy size limits apply now, the timeout to every
    /// later evaluation.
    pub fn with_limits(name: &str, source: &str, limits: &Limits) -> Result<Self, PolicyError> {
        catch_unwind(AssertUnwindSafe(|| Self::compile(name, source, limits)))
            .unwrap_or_else(|_| Err(PolicyError::whole_module("policy compilation panicked")))
    }

    /// Evaluates the control test against `input`.
    pub fn evaluate(&self, input: &serde_json::Value) -> Outcome {
        match catch_unwind(AssertUnwindSafe(|| self.violations(input))) {
            Ok(Ok(violations)) => outcome(violations),
            Ok(Err(message)) => Outcome::Error { message },
            Err(_) => Outcome::Error {
                message: PANICKED.to_owned(),
            },
        }
    }

    /// Evaluates the decision policy against `input`.
    pub fn decide(&self, input: &serde_json::Value) -> Result<Decision, String> {
        catch_unwind(AssertUnwindSafe(|| self.decision(input)))
            .unwrap_or_else(|_| Err(PANICKED.to_owned()))
    }

    fn compile(name: &str, source: &str, limits: &Limits) -> Result<Self, PolicyError> {
        let mut engine = Engine::new();
        engine.set_policy_length_config(PolicyLengthConfig {
            max_col: limits.max_line_columns,
            max_file_bytes: limits.max_policy_bytes,
            max_lines: limits.max_policy_lines,
        });
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit: limits.timeout,
            check_interval: limits.check_interval,
        });
        engine
            .add_policy(name.to_owned(), source.to_owned())
            .map_err(|e| policy_error(&format!("{e:#}")))?;
        let package = package_path(&engine, name)?;
        let declared = |engine: &Engine, rule: &str| {
            engine
                .has_declared_rule_rooted_at(name, rule)
                .unwrap_or(false)
                .then(|| format!("{package}.{rule}"))
        };
        let deny = declared(&engine, DENY);
        let allow = declared(&engine, ALLOW);
        let reasons = declared(&engine, REASONS);
        let Some(entry) = deny.as_ref().or(allow.as_ref()) else {
            return Err(PolicyError::whole_module(
                "the policy defines neither `deny` (control test) nor `allow` (decision)",
            ));
        };
        // Runs the analysis (scheduling, variable safety) now, so that evaluations only evaluate.
        engine
            .compile_with_entrypoint(&regorus::Rc::from(entry.as_str()))
            .map_err(|e| policy_error(&format!("{e:#}")))?;
        Ok(Self {
            engine,
            limits: *limits,
            deny,
            allow,
            reasons,
        })
    }

    fn violations(&self, input: &serde_json::Value) -> Result<Vec<String>, String> {
        let Some(deny) = &self.deny else {
            return Err("the policy defines no `deny` rule, so it is not a control test".into());
        };
        let mut engine = self.engine_with(input)?;
        let value = self.eval(&mut engine, deny)?;
        messages(DENY, value)
    }

    fn decision(&self, input: &serde_json::Value) -> Result<Decision, String> {
        let Some(allow) = &self.allow else {
            return Err(
                "the policy defines no `allow` rule, so it is not a decision policy".into(),
            );
        };
        let mut engine = self.engine_with(input)?;
        let allow = match self.eval(&mut engine, allow)? {
            Value::Undefined => false,
            Value::Bool(b) => b,
            other => return Err(format!("`allow` must be a boolean, not {}", json(&other))),
        };
        let reasons = match &self.reasons {
            Some(path) => messages(REASONS, self.eval(&mut engine, path)?)?,
            None => Vec::new(),
        };
        Ok(Decision { allow, reasons })
    }

    fn engine_with(&self, input: &serde_json::Value) -> Result<Engine, String> {
        let input =
            Value::deserialize(input).map_err(|e| format!("input is not a JSON document: {e}"))?;
        let mut engine = self.engine.clone();
        engine.set_input(input);
        Ok(engine)
    }

    fn eval(&self, engine: &mut Engine, rule: &str) -> Result<Value, String> {
        engine.eval_rule(rule.to_owned()).map_err(|e| {
            let timed_out = e.chain().any(|cause| {
                matches!(
                    cause.downcast_ref::<LimitError>(),
                    Some(LimitError::TimeLimitExceeded { .. })
                )
            });
            if timed_out {
                timeout_message(self.limits.timeout)
            } else {
                format!("policy evaluation failed: {}", located(&format!("{e:#}")))
            }
        })
    }
}

/// Compiles and runs `job` on a fresh thread, waiting at most `limits.timeout` for its answer.
fn isolated<T: Send + 'static>(
    name: &str,
    source: &str,
    input: &serde_json::Value,
    limits: &Limits,
    job: fn(&Compiled, &serde_json::Value) -> Result<T, String>,
) -> Result<T, String> {
    let (name, source, l) = (name.to_owned(), source.to_owned(), *limits);
    on_thread(input, limits, move |input| {
        let compiled = Compiled::with_limits(&name, &source, &l).map_err(|e| e.to_string())?;
        job(&compiled, input)
    })
}

/// Runs `job` on a fresh thread with panics caught, waiting at most `limits.timeout`.
fn on_thread<T: Send + 'static>(
    input: &serde_json::Value,
    limits: &Limits,
    job: impl FnOnce(&serde_json::Value) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::sync_channel(1);
    let input = input.clone();
    let spawned = thread::Builder::new()
        .name("rego-eval".into())
        .stack_size(EVAL_STACK_BYTES)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| job(&input)))
                .unwrap_or_else(|_| Err(PANICKED.to_owned()));
            // The caller may have stopped waiting; the result is then dropped.
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(format!("policy evaluation could not start: {e}"));
    }
    match rx.recv_timeout(limits.timeout) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(timeout_message(limits.timeout)),
        // Only when a panic escapes catch_unwind (a panicking drop of the panic payload).
        Err(RecvTimeoutError::Disconnected) => Err(PANICKED.to_owned()),
    }
}

/// Where an [`Evaluator`] runs untrusted policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// On a thread of this process: panics caught, a hard timeout for the caller, compiled
    /// policies cached; no memory limit.
    Thread,
    /// In a child process per evaluation: `program` with `args` (for Probity,
    /// `probity __rego-eval`) runs [`child_main`], with its data segment capped at
    /// `memory_bytes` and killed when it outlives the timeout by [`PROCESS_GRACE`].
    Process {
        /// The program to run.
        program: PathBuf,
        /// Its arguments; `--memory-bytes=N` is appended.
        args: Vec<String>,
        /// The cap on the child's data segment (heap), in bytes.
        memory_bytes: u64,
    },
}

/// How long a child process may take beyond the evaluation timeout (to start and answer)
/// before it is killed.
pub const PROCESS_GRACE: Duration = Duration::from_secs(2);
/// Compiled policies an [`Evaluator`] keeps (dropped all at once when full).
const CACHE_ENTRIES: usize = 256;

/// What a child process is asked (one JSON document on its stdin).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ChildRequest {
    /// `test` (a control test) or `decision`.
    kind: String,
    name: String,
    source: String,
    input: serde_json::Value,
    timeout_ms: u64,
    check_interval: u32,
}

/// What a child process answers on its stdout.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChildAnswer {
    Violations(Vec<String>),
    Decision { allow: bool, reasons: Vec<String> },
    Error(String),
}

/// Evaluates untrusted policies under [`Limits`] and an [`Isolation`]; cheap to share.
#[derive(Debug)]
pub struct Evaluator {
    limits: Limits,
    isolation: Isolation,
    cache: Mutex<HashMap<(String, String), Arc<Compiled>>>,
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new(Limits::default(), Isolation::Thread)
    }
}

impl Evaluator {
    /// An evaluator with these limits and isolation.
    pub fn new(limits: Limits, isolation: Isolation) -> Self {
        Self {
            limits,
            isolation,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Its limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Its isolation.
    pub fn isolation(&self) -> &Isolation {
        &self.isolation
    }

    /// Evaluates a control test against `input` (blocking: call it off the async runtime).
    pub fn evaluate(&self, name: &str, source: &str, input: &serde_json::Value) -> Outcome {
        let answer = match &self.isolation {
            Isolation::Thread => self.compiled(name, source).and_then(|compiled| {
                on_thread(input, &self.limits, move |input| compiled.violations(input))
            }),
            Isolation::Process { .. } => {
                self.in_child("test", name, source, input)
                    .and_then(|answer| match answer {
                        ChildAnswer::Violations(v) => Ok(v),
                        ChildAnswer::Error(e) => Err(e),
                        ChildAnswer::Decision { .. } => {
                            Err("the policy process answered a decision".into())
                        }
                    })
            }
        };
        match answer {
            Ok(violations) => outcome(violations),
            Err(message) => Outcome::Error { message },
        }
    }

    /// Evaluates a decision policy against `input` (blocking); the error names what went wrong.
    pub fn decide(
        &self,
        name: &str,
        source: &str,
        input: &serde_json::Value,
    ) -> Result<Decision, String> {
        match &self.isolation {
            Isolation::Thread => {
                let compiled = self.compiled(name, source)?;
                on_thread(input, &self.limits, move |input| compiled.decision(input))
            }
            Isolation::Process { .. } => match self.in_child("decision", name, source, input)? {
                ChildAnswer::Decision { allow, reasons } => Ok(Decision { allow, reasons }),
                ChildAnswer::Error(e) => Err(e),
                ChildAnswer::Violations(_) => {
                    Err("the policy process answered a control test result".into())
                }
            },
        }
    }

    /// The compiled policy for `source`, from the cache or compiled now (with panics caught).
    fn compiled(&self, name: &str, source: &str) -> Result<Arc<Compiled>, String> {
        let key = (name.to_owned(), super::sha256_hex(source.as_bytes()));
        if let Ok(cache) = self.cache.lock()
            && let Some(hit) = cache.get(&key)
        {
            return Ok(Arc::clone(hit));
        }
        let compiled =
            Arc::new(Compiled::with_limits(name, source, &self.limits).map_err(|e| e.to_string())?);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(key, Arc::clone(&compiled));
        }
        Ok(compiled)
    }

    /// Runs one evaluation in a child process and reads its answer.
    fn in_child(
        &self,
        kind: &str,
        name: &str,
        source: &str,
        input: &serde_json::Value,
    ) -> Result<ChildAnswer, String> {
        let Isolation::Process {
            program,
            args,
            memory_bytes,
        } = &self.isolation
        else {
            return Err("not a process evaluator".into());
        };
        let request = serde_json::to_vec(&ChildRequest {
            kind: kind.to_owned(),
            name: name.to_owned(),
            source: source.to_owned(),
            input: input.clone(),
            timeout_ms: u64::try_from(self.limits.timeout.as_millis()).unwrap_or(u64::MAX),
            check_interval: self.limits.check_interval.get(),
        })
        .map_err(|e| format!("policy request could not be written: {e}"))?;
        let mut child = Command::new(program)
            .args(args)
            .arg(format!("--memory-bytes={memory_bytes}"))
            .env_clear()
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "policy evaluation could not start {}: {e}",
                    program.display()
                )
            })?;
        // Readers first, so that a child writing a lot cannot block on a full pipe.
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        if let Some(mut stdin) = child.stdin.take() {
            // A child that died early closes the pipe; its exit status tells why.
            let _ = stdin.write_all(&request);
        }
        let deadline = Instant::now() + self.limits.timeout + PROCESS_GRACE;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(format!("policy evaluation process lost: {e}")),
            }
        };
        let out = stdout
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let err = stderr
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let Some(status) = status else {
            return Err(timeout_message(self.limits.timeout));
        };
        if status.success()
            && let Ok(answer) = serde_json::from_slice::<ChildAnswer>(&out)
        {
            return Ok(answer);
        }
        let err = String::from_utf8_lossy(&err);
        if err.contains("memory allocation of") || err.contains("out of memory") {
            return Err(format!(
                "policy evaluation exceeded the memory limit of {} MiB",
                memory_bytes / (1024 * 1024)
            ));
        }
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Err(format!(
            "policy evaluation process failed ({status}): {last}"
        ))
    }
}

/// Reads a pipe to its end on its own thread.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// The child side of [`Isolation::Process`]: reads one request from `input`, evaluates it on
/// this thread (regorus's cooperative timer still applies) and writes the answer to `output`.
/// The caller caps the process's memory first. Never panics on bad input: it answers an error.
pub fn child_main(mut input: impl Read, mut output: impl Write) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let answer = match serde_json::from_slice::<ChildRequest>(&bytes) {
        Err(e) => ChildAnswer::Error(format!("policy request is not readable: {e}")),
        Ok(req) => {
            let limits = Limits {
                timeout: Duration::from_millis(req.timeout_ms),
                check_interval: NonZeroU32::new(req.check_interval).unwrap_or(NonZeroU32::MIN),
                ..Limits::default()
            };
            let result = Compiled::with_limits(&req.name, &req.source, &limits)
                .map_err(|e| e.to_string())
                .and_then(|compiled| {
                    catch_unwind(AssertUnwindSafe(|| {
                        if req.kind == "decision" {
                            compiled
                                .decision(&req.input)
                                .map(|d| ChildAnswer::Decision {
                                    allow: d.allow,
                                    reasons: d.reasons,
                                })
                        } else {
                            compiled.violations(&req.input).map(ChildAnswer::Violations)
                        }
                    }))
                    .unwrap_or_else(|_| Err(PANICKED.to_owned()))
                });
            result.unwrap_or_else(ChildAnswer::Error)
        }
    };
    let text = serde_json::to_vec(&answer).map_err(std::io::Error::other)?;
    output.write_all(&text)?;
    output.flush()
}

fn timeout_message(timeout: Duration) -> String {
    format!("policy evaluation exceeded {} ms", timeout.as_millis())
}

fn outcome(violations: Vec<String>) -> Outcome {
    if violations.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail { violations }
    }
}

/// The members of a set (or array) of messages, sorted and de-duplicated.
fn messages(rule: &str, value: Value) -> Result<Vec<String>, String> {
    let members: Vec<&Value> = match &value {
        Value::Undefined => Vec::new(),
        Value::Set(set) => set.iter().collect(),
        Value::Array(array) => array.iter().collect(),
        other => {
            return Err(format!(
                "`{rule}` must be a set of messages, not {}",
                json(other)
            ));
        }
    };
    let mut out: Vec<String> = members
        .into_iter()
        .map(|m| match m {
            Value::String(s) => s.to_string(),
            other => json(other),
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

fn json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
}

/// `data.<package>` of the module labelled `name`, with bracketed components where needed.
fn package_path(engine: &Engine, name: &str) -> Result<String, PolicyError> {
    let packages = engine
        .get_policy_package_components()
        .map_err(|e| PolicyError::whole_module(format!("{e:#}")))?;
    let Some(package) = packages.into_iter().find(|p| p.source_file == name) else {
        return Err(PolicyError::whole_module("the policy has no package"));
    };
    let mut path = String::from("data");
    for component in &package.components {
        let mut chars = component.chars();
        let identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if identifier {
            path.push('.');
            path.push_str(component);
        } else {
            let quoted = serde_json::to_string(component)
                .map_err(|e| PolicyError::whole_module(e.to_string()))?;
            path.push('[');
            path.push_str(&quoted);
            path.push(']');
        }
    }
    Ok(path)
}

/// The 1-based `(line, column)` in a regorus error, which looks like `--> name:3:17`, then the
/// source excerpt, then `error: message`.
fn position(text: &str) -> Option<(u32, u32)> {
    let (_, rest) = text.split_once("--> ")?;
    let header = rest.lines().next()?;
    let mut parts = header.rsplitn(3, ':');
    let column = parts.next()?.trim().parse::<u32>().ok()?;
    let line = parts.next()?.trim().parse::<u32>().ok()?;
    Some((line, column))
}

fn policy_error(text: &str) -> PolicyError {
    let message = error_text(text);
    match position(text) {
        Some((line, column)) => PolicyError {
            line,
            column,
            message,
        },
        None => PolicyError::whole_module(message),
    }
}

/// A regorus error as one line: `line L, column C: message` when it has a position.
fn located(text: &str) -> String {
    match position(text) {
        Some((line, column)) => format!("line {line}, column {column}: {}", error_text(text)),
        None => error_text(text),
    }
}

/// The message of a regorus error without its source excerpt.
fn error_text(text: &str) -> String {
    match text.split_once("\nerror: ") {
        Some((_, message)) => message.trim().to_owned(),
        None => text.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::*;

    const MFA: &str = r#"package probity.tests.mfa
import rego.v1

deny contains msg if {
    some user in input.users
    not user.mfa
    msg := sprintf("user %s has no MFA", [user.email])
}
"#;

    const GATE: &str = r#"package probity.decisions.deploy
import rego.v1

default allow := false

allow if count(reasons) == 0

reasons contains msg if {
    input.approvals < 1
    msg := "the change has no approval"
}

reasons contains msg if {
    not input.tests_passed
    msg := "the tests did not pass"
}
"#;

    fn fast() -> Limits {
        Limits {
            timeout: Duration::from_millis(300),
            ..Limits::default()
        }
    }

    #[test]
    fn passing_control_test_passes() {
        let input = json!({"users": [{"email": "a@example.com", "mfa": true}]});
        assert_eq!(
            evaluate("mfa.rego", MFA, &input, &Limits::default()),
            Outcome::Pass
        );
        assert_eq!(
            evaluate("mfa.rego", MFA, &json!({"users": []}), &Limits::default()),
            Outcome::Pass
        );
    }

    #[test]
    fn failing_control_test_lists_sorted_violations() {
        let input = json!({"users": [
            {"email": "zed@example.com", "mfa": false},
            {"email": "a@example.com", "mfa": true},
            {"email": "bob@example.com"},
        ]});
        assert_eq!(
            evaluate("mfa.rego", MFA, &input, &Limits::default()),
            Outcome::Fail {
                violations: vec![
                    "user bob@example.com has no MFA".into(),
                    "user zed@example.com has no MFA".into(),
                ]
            }
        );
    }

    #[test]
    fn compiled_policy_evaluates_many_inputs() {
        let compiled = Compiled::new("mfa.rego", MFA).unwrap();
        for n in 0..50 {
            let email = format!("u{n}@example.com");
            let input = json!({"users": [{"email": email, "mfa": n % 2 == 0}]});
            let expected = if n % 2 == 0 {
                Outcome::Pass
            } else {
                Outcome::Fail {
                    violations: vec![format!("user {email} has no MFA")],
                }
            };
            assert_eq!(compiled.evaluate(&input), expected);
        }
    }

    #[test]
    fn outcome_serializes_with_a_result_tag() {
        let fail = Outcome::Fail {
            violations: vec!["x".into()],
        };
        assert_eq!(
            serde_json::to_value(&fail).unwrap(),
            json!({"result": "fail", "violations": ["x"]})
        );
        assert_eq!(
            serde_json::to_value(Outcome::Pass).unwrap(),
            json!({"result": "pass"})
        );
    }

    #[test]
    fn syntax_error_reports_line_and_column() {
        let source = "package t\nimport rego.v1\ndeny contains \"x\" if { input.a == }\n";
        let err = check("bad.rego", source).unwrap_err();
        assert_eq!(
            err,
            PolicyError {
                line: 3,
                column: 35,
                message: "expecting expression".into()
            }
        );
        assert_eq!(err.to_string(), "line 3, column 35: expecting expression");

        let source =
            "package t\nimport rego.v1\n\ndeny contains msg if {\n    msg := \"unclosed\n}\n";
        let err = check("bad.rego", source).unwrap_err();
        assert_eq!((err.line, err.column), (5, 21), "{err:?}");
    }

    #[test]
    fn rego_v0_rules_are_rejected_with_a_hint() {
        let err = check("v0.rego", "package t\ndeny[msg] { msg := 1 }\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 11), "{err:?}");
        assert!(err.message.contains("`if`"), "{err:?}");
    }

    #[test]
    fn unsafe_variable_is_a_compile_error() {
        let source = "package t\nimport rego.v1\ndeny contains msg if {\n    x > 1\n}\n";
        let err = check("unsafe.rego", source).unwrap_err();
        assert_eq!((err.line, err.column), (4, 5), "{err:?}");
        assert!(err.message.contains("unsafe"), "{err:?}");
    }

    #[test]
    fn unknown_function_is_an_evaluation_error() {
        // regorus resolves function names when it evaluates, not when it compiles.
        let source = "package t\nimport rego.v1\ndeny contains x if { x := foo.bar(1) }\n";
        assert_eq!(
            evaluate("f.rego", source, &json!({}), &fast()),
            Outcome::Error {
                message:
                    "policy evaluation failed: line 3, column 34: could not find function foo.bar"
                        .into()
            }
        );
    }

    #[test]
    fn module_without_deny_or_allow_is_rejected() {
        let err = check("none.rego", "package t\nimport rego.v1\nx := 1\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 1));
        assert!(err.message.contains("neither"), "{err:?}");
        assert!(check("mfa.rego", MFA).is_ok());
        assert!(check("gate.rego", GATE).is_ok());
    }

    #[test]
    fn compile_error_is_an_error_outcome() {
        let out = evaluate("bad.rego", "package t\ndeny contains", &json!({}), &fast());
        assert!(matches!(out, Outcome::Error { .. }), "{out:?}");
    }

    #[test]
    fn builtin_errors_are_errors_not_passes() {
        let source = "package t\nimport rego.v1\ndeny contains \"stale\" if {\n    time.parse_rfc3339_ns(input.at) < 0\n}\n";
        let out = evaluate("t.rego", source, &json!({"at": "yesterday"}), &fast());
        let Outcome::Error { message } = out else {
            panic!("{out:?}")
        };
        assert!(message.contains("datetime"), "{message}");
    }

    #[test]
    fn non_string_violations_are_reported_as_json() {
        let source = "package t\nimport rego.v1\ndeny contains {\"id\": 7} if true\n";
        assert_eq!(
            evaluate("t.rego", source, &json!({}), &fast()),
            Outcome::Fail {
                violations: vec![r#"{"id":7}"#.into()]
            }
        );
    }

    const LOOP: &str = r#"package t
import rego.v1

deny contains "never" if {
    n := count([x | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000); x := i * j])
    n < 0
}
"#;

    #[test]
    fn runaway_policy_times_out() {
        let started = Instant::now();
        let out = evaluate("loop.rego", LOOP, &json!({}), &fast());
        assert_eq!(
            out,
            Outcome::Error {
                message: "policy evaluation exceeded 300 ms".into()
            }
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn runaway_policy_stops_on_the_callers_thread_too() {
        // No thread and no hard timeout here: only regorus's own limit can end this call.
        let compiled = Compiled::with_limits("loop.rego", LOOP, &fast()).unwrap();
        assert_eq!(
            compiled.evaluate(&json!({})),
            Outcome::Error {
                message: "policy evaluation exceeded 300 ms".into()
            }
        );
    }

    const SUBSET: &str =
        "package t\nimport rego.v1\ndeny contains \"x\" if { object.subset(input.a, []) }\n";

    #[test]
    fn panicking_builtin_does_not_crash_the_process() {
        // regorus 0.14.1 panics here (`slice::windows(0)` in object.subset).
        let input = json!({"a": [1, 2]});
        let out = evaluate("subset.rego", SUBSET, &input, &Limits::default());
        // A panic, or a timeout when printing the panic's backtrace is slow; never a crash.
        assert!(matches!(&out, Outcome::Error { .. }), "{out:?}");
        let compiled = Compiled::new("subset.rego", SUBSET).unwrap();
        assert_eq!(
            compiled.evaluate(&input),
            Outcome::Error {
                message: PANICKED.into()
            }
        );
        // The compiled policy still works after a panic.
        assert_eq!(compiled.evaluate(&json!({"a": {"k": 1}})), Outcome::Pass);
    }

    #[test]
    fn decision_allows_and_denies_with_reasons() {
        let ok = json!({"approvals": 2, "tests_passed": true});
        assert_eq!(
            decide("gate.rego", GATE, &ok, &Limits::default()),
            Ok(Decision {
                allow: true,
                reasons: vec![]
            })
        );
        let bad = json!({"approvals": 0, "tests_passed": false});
        assert_eq!(
            decide("gate.rego", GATE, &bad, &Limits::default()),
            Ok(Decision {
                allow: false,
                reasons: vec![
                    "the change has no approval".into(),
                    "the tests did not pass".into()
                ]
            })
        );
        let compiled = Compiled::new("gate.rego", GATE).unwrap();
        assert_eq!(compiled.decide(&bad).map(|d| d.allow), Ok(false));
    }

    #[test]
    fn undefined_allow_is_false_and_missing_allow_is_an_error() {
        let source = "package t\nimport rego.v1\nallow if input.admin\n";
        assert_eq!(
            decide("t.rego", source, &json!({}), &fast()),
            Ok(Decision {
                allow: false,
                reasons: vec![]
            })
        );
        assert!(decide("mfa.rego", MFA, &json!({}), &fast()).is_err());
        let out = evaluate("t.rego", source, &json!({}), &fast());
        assert!(matches!(out, Outcome::Error { .. }), "{out:?}");
    }

    #[test]
    fn package_with_quoted_component_resolves() {
        let source =
            "package probity[\"tests.v1\"]\nimport rego.v1\ndeny contains \"x\" if input.bad\n";
        assert_eq!(
            evaluate("q.rego", source, &json!({"bad": true}), &fast()),
            Outcome::Fail {
                violations: vec!["x".into()]
            }
        );
    }

    #[test]
    fn oversized_policy_is_rejected() {
        let limits = Limits {
            max_policy_bytes: NonZeroUsize::new(64).unwrap(),
            ..fast()
        };
        let out = evaluate("big.rego", MFA, &json!({}), &limits);
        assert!(matches!(out, Outcome::Error { .. }), "{out:?}");
    }

    #[test]
    fn evaluator_compiles_a_policy_once_and_keeps_its_isolation() {
        let evaluator = Evaluator::default();
        let first = evaluator.compiled("mfa.rego", MFA).unwrap();
        let again = evaluator.compiled("mfa.rego", MFA).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second run reuses the compiled policy"
        );
        let changed = evaluator
            .compiled("mfa.rego", &MFA.replace("has no MFA", "lacks MFA"))
            .unwrap();
        assert!(
            !Arc::ptr_eq(&first, &changed),
            "a changed policy compiles anew"
        );
        let input = json!({"users": [{"email": "a@example.com"}]});
        assert_eq!(
            evaluator.evaluate("mfa.rego", MFA, &input),
            Outcome::Fail {
                violations: vec!["user a@example.com has no MFA".into()]
            }
        );
        assert_eq!(
            evaluator
                .decide(
                    "gate.rego",
                    GATE,
                    &json!({"approvals": 1, "tests_passed": true})
                )
                .unwrap(),
            Decision {
                allow: true,
                reasons: Vec::new()
            }
        );
        assert!(matches!(
            evaluator.evaluate("bad.rego", "package x\ndeny contains 1 if {", &input),
            Outcome::Error { .. }
        ));
        let looping = Evaluator::new(fast(), Isolation::Thread);
        let started = Instant::now();
        assert!(matches!(
            looping.evaluate("loop.rego", LOOP, &json!({})),
            Outcome::Error { ref message } if message.contains("exceeded")
        ));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn child_main_answers_each_kind_and_refuses_garbage() {
        let ask = |request: serde_json::Value| {
            let mut out = Vec::new();
            child_main(request.to_string().as_bytes(), &mut out).unwrap();
            serde_json::from_slice::<ChildAnswer>(&out).unwrap()
        };
        let request = |kind: &str, source: &str, input: serde_json::Value| {
            json!({"kind": kind, "name": "p.rego", "source": source, "input": input,
                   "timeout_ms": 2000, "check_interval": 64})
        };
        assert!(matches!(
            ask(request("test", MFA, json!({"users": [{"email": "b@example.com"}]}))),
            ChildAnswer::Violations(v) if v == ["user b@example.com has no MFA"]
        ));
        assert!(matches!(
            ask(request("decision", GATE, json!({"approvals": 0, "tests_passed": true}))),
            ChildAnswer::Decision { allow: false, reasons } if reasons == ["the change has no approval"]
        ));
        assert!(matches!(
            ask(request("test", "package x\ndeny contains 1 if {", json!({}))),
            ChildAnswer::Error(e) if e.contains("line")
        ));
        let mut out = Vec::new();
        child_main(&b"not json"[..], &mut out).unwrap();
        assert!(matches!(
            serde_json::from_slice::<ChildAnswer>(&out).unwrap(),
            ChildAnswer::Error(e) if e.contains("not readable")
        ));
    }

    #[test]
    fn a_missing_child_program_is_an_error_result() {
        let evaluator = Evaluator::new(
            Limits::default(),
            Isolation::Process {
                program: PathBuf::from("/nonexistent/probity"),
                args: Vec::new(),
                memory_bytes: 64 << 20,
            },
        );
        assert!(matches!(
            evaluator.evaluate("mfa.rego", MFA, &json!({})),
            Outcome::Error { ref message } if message.contains("could not start")
        ));
    }

    #[test]
    fn compiled_is_shareable_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Compiled>();
    }
}
