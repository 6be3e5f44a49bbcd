//! The persistent job queue's rules, on the real store.

use std::time::Duration;

use chrono::Utc;
use roost::db::jobs::NewJob;
use serde_json::json;

use crate::common::*;

fn job() -> NewJob {
    NewJob {
        queue: "test",
        kind: "noop",
        payload: json!({"kind": "noop"}),
    }
}

#[tokio::test]
async fn a_claimed_job_is_locked_until_its_lock_runs_out() {
    let s = TestServer::start().await;
    let store = &s.app.store;
    store.put_job(&job(), Utc::now(), 3).await.unwrap();
    let claimed = store
        .claim_jobs("test", 5, Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    // Locked: nobody else takes it.
    let again = store.claim_jobs("test", 5, Duration::from_secs(60)).await;
    assert!(again.unwrap().is_empty());
    // Its worker died: once the lock runs out, it is claimed again.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let retaken = store
        .claim_jobs("test", 5, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(retaken.len(), 1);
    assert_eq!(retaken[0].attempts, 2);
}

#[tokio::test]
async fn a_renewed_claim_holds_and_a_finished_or_failed_job_is_not_relocked() {
    let s = TestServer::start().await;
    let store = &s.app.store;
    store.put_job(&job(), Utc::now(), 3).await.unwrap();
    let lease = Duration::from_millis(300);
    let claimed = store.claim_jobs("test", 5, lease).await.unwrap();
    let id = claimed[0].id;
    // Its worker is alive and renews: nobody takes it past the first lease.
    let until = Utc::now() + chrono::Duration::seconds(60);
    store.renew_job_claims(&[id], until).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.claim_jobs("test", 5, lease).await.unwrap().is_empty());
    // Failed (due at once): a late renewal does not lock it again.
    store.fail_job(id, "boom", Utc::now(), false).await.unwrap();
    store.renew_job_claims(&[id], until).await.unwrap();
    let again = store.claim_jobs("test", 5, lease).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

#[tokio::test]
async fn a_deferred_job_runs_later_without_spending_an_attempt() {
    let s = TestServer::start().await;
    let store = &s.app.store;
    store.put_job(&job(), Utc::now(), 1).await.unwrap();
    let lock = Duration::from_secs(60);
    let first = store.claim_jobs("test", 1, lock).await.unwrap();
    assert_eq!(first[0].attempts, 1);
    let later = Utc::now() + chrono::Duration::milliseconds(300);
    store.defer_job(first[0].id, later).await.unwrap();
    // Not before its time, unlocked once it comes, its attempt given back.
    assert!(store.claim_jobs("test", 1, lock).await.unwrap().is_empty());
    let again = eventually("the deferred job to be due", || async {
        let jobs = store.claim_jobs("test", 1, lock).await.unwrap();
        jobs.into_iter().next()
    })
    .await;
    assert_eq!(again.id, first[0].id);
    assert_eq!(again.attempts, 1, "deferring spent no attempt");
    assert_eq!(store.count_pending_jobs().await.unwrap(), 1);
    // A failure on its only attempt keeps it, failed, out of the queue.
    store
        .fail_job(
            again.id,
            "boom",
            Utc::now(),
            again.attempts >= again.max_attempts,
        )
        .await
        .unwrap();
    assert_eq!(store.count_pending_jobs().await.unwrap(), 0);
    assert!(store.claim_jobs("test", 1, lock).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_periodic_task_runs_once_per_period_across_nodes() {
    let s = TestServer::start().await;
    let store = &s.app.store;
    let every = Duration::from_secs(1);
    // Five nodes wake at once: one runs the task.
    let names: Vec<String> = (0..5).map(|i| format!("node {i}")).collect();
    let claims = futures_util::future::join_all(
        names
            .iter()
            .map(|n| store.claim_periodic("test_task", n, every)),
    )
    .await;
    let won: Vec<usize> = claims
        .iter()
        .enumerate()
        .filter(|(_, c)| *c.as_ref().unwrap())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(won.len(), 1, "{claims:?}");
    // Within the period nobody does; once it is over, one node does.
    assert!(
        !store
            .claim_periodic("test_task", "node 9", every)
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(
        store
            .claim_periodic("test_task", "node 9", every)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_periodic("test_task", "node 1", every)
            .await
            .unwrap()
    );
    // Another task is claimed on its own.
    assert!(
        store
            .claim_periodic("other_task", "node 1", every)
            .await
            .unwrap()
    );
    let nodes = sql_texts(
        &s.app,
        "SELECT node FROM periodic_runs WHERE name = 'test_task'",
    )
    .await;
    assert_eq!(nodes, ["node 9"]);
}
