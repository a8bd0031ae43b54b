//! The job worker over a real store with a manual clock: retries with backoff then death,
//! success, jobs that outlive a restart of the process, and schedules that enqueue once per
//! occurrence however many nodes fire them.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use probity_core::jobs::{Job, JobStatus, Schedule};
use probity_core::page::PageRequest;
use probity_core::platform::PlatformService;
use probity_core::{Clock, ManualClock};
use probity_server::AppState;
use probity_server::jobs::{Step, Worker};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{TestDatabase, services, t0};

/// Jobs a handler ran, in order.
type Ran = Arc<Mutex<Vec<(Uuid, Value)>>>;

/// A node of the installation: services over `db` and a worker named `name`, with
/// `test.ok` (records the job, succeeds) and `test.flaky` (always fails) handlers.
async fn node(
    db: &TestDatabase,
    clock: &Arc<ManualClock>,
    name: &str,
) -> (Worker, Arc<PlatformService>, AppState, Ran) {
    let (platform, state) = services(db.open().await, Arc::clone(clock) as Arc<dyn Clock>).await;
    let mut worker = Worker::new(state.clone(), Arc::clone(&platform), name.to_owned());
    let ran: Ran = Arc::default();
    let record = Arc::clone(&ran);
    worker.register(
        "test.ok",
        Arc::new(move |_p: Arc<PlatformService>, job: Job| {
            let record = Arc::clone(&record);
            Box::pin(async move {
                record.lock().unwrap().push((job.id, job.payload));
                Ok(())
            })
        }),
    );
    worker.register(
        "test.flaky",
        Arc::new(|_p: Arc<PlatformService>, _job: Job| {
            Box::pin(async move { Err("upstream said no".to_owned()) })
        }),
    );
    (worker, platform, state, ran)
}

async fn job(platform: &PlatformService, id: Uuid) -> Job {
    platform
        .store()
        .job(id)
        .await
        .unwrap()
        .expect("the job exists")
}

async fn enqueue(platform: &PlatformService, kind: &str, payload: Value, max_attempts: i32) -> Job {
    let mut job = Job::new(kind, None, payload, platform.clock().now());
    job.max_attempts = max_attempts;
    platform.store().enqueue(&job).await.unwrap();
    job
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_job_backs_off_then_dies() {
    let db = TestDatabase::sqlite();
    let clock = Arc::new(ManualClock::new(t0()));
    let (worker, platform, state, _) = node(&db, &clock, "node-a").await;
    let flaky = enqueue(&platform, "test.flaky", json!({ "n": 1 }), 3).await;

    assert_eq!(worker.step().await.unwrap(), Step::Retrying(flaky.id));
    let after_first = job(&platform, flaky.id).await;
    assert_eq!(after_first.status, JobStatus::Queued);
    assert_eq!(after_first.attempts, 1);
    assert_eq!(after_first.run_at, t0() + Duration::seconds(10));
    assert_eq!(after_first.last_error.as_deref(), Some("upstream said no"));
    assert_eq!(
        (after_first.locked_by, after_first.locked_until),
        (None, None)
    );

    assert_eq!(
        worker.step().await.unwrap(),
        Step::Idle,
        "not due before its retry time"
    );
    clock.advance(Duration::seconds(9));
    assert_eq!(worker.step().await.unwrap(), Step::Idle);
    clock.advance(Duration::seconds(1));
    assert_eq!(worker.step().await.unwrap(), Step::Retrying(flaky.id));
    let after_second = job(&platform, flaky.id).await;
    assert_eq!(
        (after_second.status, after_second.attempts),
        (JobStatus::Queued, 2)
    );
    assert_eq!(
        after_second.run_at,
        clock.now() + Duration::seconds(20),
        "the delay doubles"
    );

    clock.advance(Duration::seconds(20));
    assert_eq!(worker.step().await.unwrap(), Step::Dead(flaky.id));
    let dead = job(&platform, flaky.id).await;
    assert_eq!((dead.status, dead.attempts), (JobStatus::Dead, 3));
    assert_eq!(dead.last_error.as_deref(), Some("upstream said no"));
    clock.advance(Duration::days(1));
    assert_eq!(
        worker.step().await.unwrap(),
        Step::Idle,
        "dead jobs are never retried"
    );

    // A job nobody can handle dies too, saying why.
    let orphan = enqueue(&platform, "test.unknown", json!({}), 1).await;
    assert_eq!(worker.step().await.unwrap(), Step::Dead(orphan.id));
    let orphan = job(&platform, orphan.id).await;
    assert!(orphan.last_error.unwrap_or_default().contains("no handler"));

    let metrics = state.metrics().render("sqlite");
    assert!(
        metrics.contains(r#"probity_jobs_total{outcome="failed"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"probity_jobs_total{outcome="dead"} 2"#),
        "{metrics}"
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn succeeding_jobs_complete_once() {
    let db = TestDatabase::sqlite();
    let clock = Arc::new(ManualClock::new(t0()));
    let (worker, platform, state, ran) = node(&db, &clock, "node-a").await;
    let report = enqueue(&platform, "test.ok", json!({ "report": "q1" }), 5).await;
    assert_eq!(worker.step().await.unwrap(), Step::Succeeded(report.id));
    assert_eq!(
        *ran.lock().unwrap(),
        vec![(report.id, json!({ "report": "q1" }))]
    );
    let done = job(&platform, report.id).await;
    assert_eq!((done.status, done.attempts), (JobStatus::Succeeded, 1));
    clock.advance(Duration::days(1));
    assert_eq!(worker.step().await.unwrap(), Step::Idle);
    assert_eq!(ran.lock().unwrap().len(), 1, "a finished job ran again");

    // The built-in handlers run against the real services.
    for kind in ["sessions.purge", "keys.rewrap"] {
        let builtin = enqueue(&platform, kind, json!({}), 5).await;
        assert_eq!(
            worker.step().await.unwrap(),
            Step::Succeeded(builtin.id),
            "{kind}"
        );
    }
    assert!(
        state
            .metrics()
            .render("sqlite")
            .contains(r#"probity_jobs_total{outcome="succeeded"} 3"#)
    );
    db.finish().await;
}

/// A queued job, and one whose worker died mid-run, are both done by a new process on the
/// same database: the first at once, the second once the dead worker's lease has run out.
pub async fn jobs_survive_a_restart(db: TestDatabase) {
    let clock = Arc::new(ManualClock::new(t0()));
    let (queued, interrupted) = {
        let (_worker, platform, _state, _ran) = node(&db, &clock, "node-a").await;
        let interrupted =
            enqueue(&platform, "test.ok", json!({ "report": "interrupted" }), 5).await;
        let lease = platform
            .store()
            .claim_job("node-a", clock.now(), clock.now() + Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(lease.map(|j| j.id), Some(interrupted.id));
        clock.advance(Duration::seconds(1));
        let queued = enqueue(&platform, "test.ok", json!({ "report": "queued" }), 5).await;
        (queued, interrupted)
        // Every handle on the first store is dropped here: the process is gone.
    };

    let (worker, platform, _state, ran) = node(&db, &clock, "node-b").await;
    let stored = job(&platform, queued.id).await;
    assert_eq!(
        (stored.status, &stored.payload),
        (JobStatus::Queued, &queued.payload)
    );
    assert_eq!(worker.step().await.unwrap(), Step::Succeeded(queued.id));
    assert_eq!(
        worker.step().await.unwrap(),
        Step::Idle,
        "the interrupted job is still leased"
    );
    clock.advance(Duration::minutes(5));
    assert_eq!(
        worker.step().await.unwrap(),
        Step::Succeeded(interrupted.id)
    );
    let recovered = job(&platform, interrupted.id).await;
    assert_eq!(
        (recovered.status, recovered.attempts),
        (JobStatus::Succeeded, 2)
    );
    let payloads: Vec<Value> = ran.lock().unwrap().iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(
        payloads,
        [
            json!({ "report": "queued" }),
            json!({ "report": "interrupted" })
        ]
    );
    drop((worker, platform));
    db.finish().await;
}

async fn queued_of_kind(platform: &PlatformService, kind: &str) -> usize {
    let page = PageRequest {
        limit: 500,
        after: None,
    };
    let jobs = platform
        .store()
        .list_jobs(Some(JobStatus::Queued), &page)
        .await
        .unwrap();
    jobs.items.iter().filter(|j| j.kind == kind).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_fire_once_per_occurrence() {
    let db = TestDatabase::sqlite();
    let clock = Arc::new(ManualClock::new(t0()));
    let (a, platform, _state, ran) = node(&db, &clock, "node-a").await;
    let (b, _, _, _) = node(&db, &clock, "node-b").await;
    let schedule = Schedule {
        name: "test.minutely".into(),
        cron: "* * * * *".into(),
        kind: "test.ok".into(),
        payload: json!({ "from": "schedule" }),
        next_run_at: t0(),
    };
    platform.store().upsert_schedule(&schedule).await.unwrap();

    assert_eq!(a.fire_schedules().await.unwrap(), 1);
    assert_eq!(
        a.fire_schedules().await.unwrap(),
        0,
        "fired twice for one occurrence"
    );
    assert_eq!(
        b.fire_schedules().await.unwrap(),
        0,
        "another node fired the same occurrence"
    );
    assert_eq!(queued_of_kind(&platform, "test.ok").await, 1);

    clock.advance(Duration::seconds(30));
    assert_eq!(
        a.fire_schedules().await.unwrap(),
        0,
        "fired before the next occurrence"
    );
    clock.advance(Duration::seconds(30));
    let (x, y) = tokio::join!(a.fire_schedules(), b.fire_schedules());
    assert_eq!(
        x.unwrap() + y.unwrap(),
        1,
        "two nodes firing at once enqueue one job"
    );
    assert_eq!(queued_of_kind(&platform, "test.ok").await, 2);

    // Occurrences missed while no node ran become one job, not a backlog.
    clock.advance(Duration::minutes(10));
    assert_eq!(a.fire_schedules().await.unwrap(), 1);
    assert_eq!(a.fire_schedules().await.unwrap(), 0);
    assert_eq!(queued_of_kind(&platform, "test.ok").await, 3);
    while a.step().await.unwrap() != Step::Idle {}
    let ran = ran.lock().unwrap().clone();
    assert_eq!(ran.len(), 3);
    assert!(ran.iter().all(|(_, p)| *p == json!({ "from": "schedule" })));

    // The built-in schedules install once and keep their next run when installed again.
    a.install_schedules().await.unwrap();
    b.install_schedules().await.unwrap();
    let due = platform
        .store()
        .due_schedules(clock.now() + Duration::hours(1))
        .await
        .unwrap();
    let purge: Vec<&Schedule> = due.iter().filter(|s| s.name == "sessions.purge").collect();
    assert_eq!(purge.len(), 1, "{due:?}");
    assert_eq!(purge[0].kind, "sessions.purge");
    assert!(purge[0].next_run_at > clock.now());
    db.finish().await;
}
