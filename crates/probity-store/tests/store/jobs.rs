//! The durable job queue and cron schedules: due jobs are claimed once under a lease, retried or
//! buried on failure, survive a restart, and a schedule fires once per occurrence.

use std::collections::BTreeSet;
use std::sync::Arc;

use probity_core::jobs::{Job, JobStatus};
use probity_core::page::PageRequest;
use probity_core::store::Store;
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::{at, job, pages, schedule, sizes, t0};
use crate::harness::TestDatabase;

pub async fn enqueued_job_reads_back(store: Arc<dyn Store>) {
    let mut j = job("report.build", at(0));
    j.tenant_id = Some(probity_core::platform::TenantId::new());
    j.payload = json!({ "report": "soa", "formats": ["pdf", "html"], "draft": false });
    j.max_attempts = 3;
    store.enqueue(&j).await.unwrap();

    assert_eq!(store.job(j.id).await.unwrap(), Some(j.clone()));
    assert_eq!(store.job(Uuid::now_v7()).await.unwrap(), None);
}

pub async fn claim_takes_only_due_jobs(store: Arc<dyn Store>) {
    let later = job("later", at(60));
    store.enqueue(&later).await.unwrap();

    assert_eq!(
        store.claim_job("w1", t0(), at(30)).await.unwrap(),
        None,
        "not due yet"
    );
    let claimed = store
        .claim_job("w1", at(60), at(90))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, later.id);
    assert_eq!(claimed.status, JobStatus::Running);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.locked_by.as_deref(), Some("w1"));
    assert_eq!(claimed.locked_until, Some(at(90)));
    assert_eq!(claimed.updated_at, at(60));
    assert_eq!(claimed.payload, later.payload);
    assert_eq!(
        store.job(later.id).await.unwrap(),
        Some(claimed),
        "the claim is stored"
    );
}

pub async fn claim_takes_the_earliest_due_job_first(store: Arc<dyn Store>) {
    let second = job("second", at(-10));
    let first = job("first", at(-20));
    let not_due = job("not-due", at(10));
    for j in [&second, &first, &not_due] {
        store.enqueue(j).await.unwrap();
    }
    let claim = || async {
        store
            .claim_job("w", t0(), at(60))
            .await
            .unwrap()
            .map(|j| j.kind)
    };
    assert_eq!(claim().await.as_deref(), Some("first"));
    assert_eq!(claim().await.as_deref(), Some("second"));
    assert_eq!(claim().await, None);
}

pub async fn leased_job_is_claimed_again_only_after_its_lease(store: Arc<dyn Store>) {
    let j = job("sync", t0());
    store.enqueue(&j).await.unwrap();

    let claimed = store.claim_job("w1", t0(), at(30)).await.unwrap().unwrap();
    assert_eq!(claimed.id, j.id);
    assert_eq!(
        store.claim_job("w2", t0(), at(30)).await.unwrap(),
        None,
        "leased to w1"
    );
    assert_eq!(
        store.claim_job("w2", at(29), at(59)).await.unwrap(),
        None,
        "lease not over"
    );

    // w1 died: once its lease is over, another worker takes the job and counts the attempt.
    let retaken = store
        .claim_job("w2", at(31), at(61))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.id, j.id);
    assert_eq!(retaken.attempts, 2);
    assert_eq!(retaken.locked_by.as_deref(), Some("w2"));
    assert_eq!(retaken.locked_until, Some(at(61)));
}

pub async fn completed_job_is_never_claimed_again(store: Arc<dyn Store>) {
    let j = job("mail", t0());
    store.enqueue(&j).await.unwrap();
    store.claim_job("w1", t0(), at(30)).await.unwrap().unwrap();

    store.complete_job(j.id, at(5)).await.unwrap();
    let done = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.attempts, 1);
    assert_eq!((done.locked_by, done.locked_until), (None, None));
    assert_eq!(done.updated_at, at(5));
    assert_eq!(
        store.claim_job("w1", at(86_400), at(86_430)).await.unwrap(),
        None
    );
}

pub async fn failed_job_is_retried_at_the_given_time(store: Arc<dyn Store>) {
    let j = job("webhook", t0());
    store.enqueue(&j).await.unwrap();
    store.claim_job("w1", t0(), at(30)).await.unwrap().unwrap();

    store
        .fail_job(j.id, "connection refused", Some(at(10)), at(1))
        .await
        .unwrap();
    let waiting = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(waiting.status, JobStatus::Queued);
    assert_eq!(waiting.run_at, at(10));
    assert_eq!(waiting.last_error.as_deref(), Some("connection refused"));
    assert_eq!(waiting.attempts, 1);
    assert_eq!((waiting.locked_by, waiting.locked_until), (None, None));

    assert_eq!(
        store.claim_job("w1", at(9), at(39)).await.unwrap(),
        None,
        "backing off"
    );
    let retry = store
        .claim_job("w2", at(10), at(40))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retry.id, j.id);
    assert_eq!(retry.attempts, 2);
    assert_eq!(retry.last_error.as_deref(), Some("connection refused"));
}

pub async fn failed_job_without_retry_is_dead(store: Arc<dyn Store>) {
    let j = job("export", t0());
    store.enqueue(&j).await.unwrap();
    store.claim_job("w1", t0(), at(30)).await.unwrap().unwrap();

    store
        .fail_job(j.id, "payload is not valid", None, at(2))
        .await
        .unwrap();
    let dead = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("payload is not valid"));
    assert_eq!((dead.locked_by, dead.locked_until), (None, None));
    assert_eq!(
        store
            .claim_job("w1", at(86_400 * 365), at(86_400 * 366))
            .await
            .unwrap(),
        None
    );
}

pub async fn jobs_list_by_status_newest_first(store: Arc<dyn Store>) {
    let mut all = Vec::new();
    for i in 0..6 {
        let j = job(&format!("job{i}"), at(i));
        store.enqueue(&j).await.unwrap();
        all.push(j.id);
    }
    // The two oldest are claimed; one succeeds, one dies.
    let a = store.claim_job("w", at(10), at(40)).await.unwrap().unwrap();
    let b = store.claim_job("w", at(10), at(40)).await.unwrap().unwrap();
    assert_eq!((a.id, b.id), (all[0], all[1]));
    store.complete_job(a.id, at(11)).await.unwrap();
    store.fail_job(b.id, "boom", None, at(11)).await.unwrap();
    let running = store.claim_job("w", at(10), at(40)).await.unwrap().unwrap();

    let list = |status| {
        let store = store.clone();
        async move {
            let pages = pages(2, |page| {
                let store = store.clone();
                async move { store.list_jobs(status, &page).await }
            })
            .await;
            let sizes = sizes(&pages);
            let ids: Vec<_> = pages.into_iter().flatten().map(|j| j.id).collect();
            (sizes, ids)
        }
    };
    let newest_first: Vec<_> = all.iter().rev().copied().collect();
    assert_eq!(list(None).await, (vec![2, 2, 2], newest_first));
    assert_eq!(
        list(Some(JobStatus::Queued)).await,
        (vec![2, 1], vec![all[5], all[4], all[3]])
    );
    assert_eq!(
        list(Some(JobStatus::Running)).await,
        (vec![1], vec![running.id])
    );
    assert_eq!(
        list(Some(JobStatus::Succeeded)).await,
        (vec![1], vec![a.id])
    );
    assert_eq!(list(Some(JobStatus::Dead)).await, (vec![1], vec![b.id]));
}

pub async fn jobs_survive_a_restart(db: &TestDatabase) {
    let queued = job("after-restart", t0());
    let leased = job("leased-before-restart", at(-1));
    {
        let store = db.open().await;
        store.enqueue(&leased).await.unwrap();
        store
            .claim_job("old-node", t0(), at(30))
            .await
            .unwrap()
            .unwrap();
        store.enqueue(&queued).await.unwrap();
    }

    let store = db.open().await;
    let claimed = store
        .claim_job("new-node", at(1), at(31))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, queued.id);
    assert_eq!(claimed.payload, queued.payload);
    assert_eq!(
        store.claim_job("new-node", at(1), at(31)).await.unwrap(),
        None,
        "lease kept"
    );
    let recovered = store
        .claim_job("new-node", at(31), at(61))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((recovered.id, recovered.attempts), (leased.id, 2));
}

pub async fn concurrent_claims_take_each_job_once(store: Arc<dyn Store>) {
    let mut expected = BTreeSet::new();
    for i in 0..20 {
        let j = job(&format!("job{i}"), at(-i));
        store.enqueue(&j).await.unwrap();
        expected.insert(j.id);
    }

    let workers: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(j) = store
                    .claim_job(&format!("w{w}"), t0(), at(60))
                    .await
                    .unwrap()
                {
                    assert_eq!(j.locked_by, Some(format!("w{w}")));
                    mine.push(j.id);
                }
                mine
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for worker in workers {
        claimed.extend(worker.await.unwrap());
    }

    let distinct: BTreeSet<_> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 20, "no job claimed twice: {claimed:?}");
    assert_eq!(distinct, expected, "every job claimed");
    for id in expected {
        assert_eq!(store.job(id).await.unwrap().unwrap().attempts, 1);
    }
}

pub async fn schedule_fires_once_per_occurrence(store: Arc<dyn Store>) {
    let nightly = schedule("nightly", "0 3 * * *", t0());
    store.upsert_schedule(&nightly).await.unwrap();
    assert_eq!(store.due_schedules(at(-1)).await.unwrap(), vec![]);
    assert_eq!(
        store.due_schedules(t0()).await.unwrap(),
        vec![nightly.clone()]
    );

    let run = Job::new(&nightly.kind, None, nightly.payload.clone(), t0());
    assert!(
        store
            .fire_schedule("nightly", t0(), at(86_400), &run)
            .await
            .unwrap()
    );
    let enqueued = store.job(run.id).await.unwrap().unwrap();
    assert_eq!(
        (enqueued.kind.as_str(), enqueued.status),
        ("nightly.run", JobStatus::Queued)
    );
    assert_eq!(enqueued.payload, nightly.payload);
    assert_eq!(store.due_schedules(at(86_399)).await.unwrap(), vec![]);
    let moved = store.due_schedules(at(86_400)).await.unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].next_run_at, at(86_400));

    // Another node fires with the value it read before: refused, nothing enqueued.
    let duplicate = Job::new(&nightly.kind, None, nightly.payload.clone(), t0());
    assert!(
        !store
            .fire_schedule("nightly", t0(), at(86_400), &duplicate)
            .await
            .unwrap()
    );
    assert_eq!(store.job(duplicate.id).await.unwrap(), None);
    let unknown = Job::new("x", None, json!({}), t0());
    assert!(
        !store
            .fire_schedule("unknown", t0(), at(60), &unknown)
            .await
            .unwrap()
    );
    let jobs = store
        .list_jobs(None, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), vec![run.id]);
}

pub async fn concurrent_fires_enqueue_one_job(store: Arc<dyn Store>) {
    store
        .upsert_schedule(&schedule("hourly", "0 * * * *", t0()))
        .await
        .unwrap();
    let nodes: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let run = Job::new("hourly.run", None, json!({}), t0());
                store
                    .fire_schedule("hourly", t0(), at(3_600), &run)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut fired = 0;
    for node in nodes {
        fired += usize::from(node.await.unwrap());
    }
    assert_eq!(fired, 1);
    assert_eq!(
        store
            .list_jobs(None, &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

pub async fn upsert_schedule_keeps_next_run_unless_cron_changes(store: Arc<dyn Store>) {
    let original = schedule("digest", "0 6 * * *", at(3_600));
    store.upsert_schedule(&original).await.unwrap();

    // Same cron (a restart re-registering it): the pending occurrence is kept.
    let mut same_cron = schedule("digest", "0 6 * * *", at(7_200));
    same_cron.kind = "digest.v2".to_owned();
    same_cron.payload = json!({ "version": 2 });
    store.upsert_schedule(&same_cron).await.unwrap();
    let kept = store.due_schedules(at(86_400)).await.unwrap();
    assert_eq!(
        kept,
        vec![probity_core::jobs::Schedule {
            next_run_at: at(3_600),
            ..same_cron
        }]
    );

    // A new cron: the next occurrence follows the new expression.
    let new_cron = schedule("digest", "30 7 * * *", at(9_000));
    store.upsert_schedule(&new_cron).await.unwrap();
    assert_eq!(
        store.due_schedules(at(86_400)).await.unwrap(),
        vec![new_cron]
    );
    assert_eq!(store.due_schedules(at(8_999)).await.unwrap(), vec![]);
}

pub async fn failed_fire_leaves_the_schedule_due(store: Arc<dyn Store>) {
    store
        .upsert_schedule(&schedule("weekly", "0 4 * * 1", t0()))
        .await
        .unwrap();
    let existing = job("other", t0());
    store.enqueue(&existing).await.unwrap();

    // The job cannot be enqueued (its id is taken), so the schedule must not move either:
    // otherwise this occurrence would be lost.
    let mut clash = Job::new("weekly.run", None, json!({}), t0());
    clash.id = existing.id;
    assert!(
        store
            .fire_schedule("weekly", t0(), at(604_800), &clash)
            .await
            .is_err()
    );
    let due = store.due_schedules(t0()).await.unwrap();
    assert_eq!(
        due.iter()
            .map(|s| (s.name.as_str(), s.next_run_at))
            .collect::<Vec<_>>(),
        [("weekly", t0())]
    );

    let run = Job::new("weekly.run", None, json!({}), t0());
    assert!(
        store
            .fire_schedule("weekly", t0(), at(604_800), &run)
            .await
            .unwrap()
    );
}
