use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn queue() -> WorkQueue<&'static str> {
    WorkQueue::new(QueueConfig::controller_runtime())
}

/// `get` with a deadline on the paused clock: `None` if nothing came.
async fn get_within(q: &WorkQueue<&'static str>, d: Duration) -> Option<Claim<&'static str>> {
    tokio::time::timeout(d, q.get()).await.ok().flatten()
}

#[tokio::test(start_paused = true)]
async fn a_key_added_twice_is_queued_once() {
    let q = queue();
    q.add("a");
    q.add("a");
    q.add("b");
    assert_eq!(q.len(), 2);
    let a = q.get().await.unwrap();
    let b = q.get().await.unwrap();
    assert_eq!((*a.key(), *b.key()), ("a", "b"));
    assert!(get_within(&q, ms(100)).await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_key_added_while_processing_waits_for_done() {
    let q = queue();
    q.add("a");
    let claim = q.get().await.unwrap();
    q.add("a");
    q.add("a");
    assert_eq!(q.len(), 0, "not handed out while processing");
    assert!(get_within(&q, ms(100)).await.is_none());
    drop(claim);
    assert_eq!(q.len(), 1, "queued again, once, when done");
    assert_eq!(*q.get().await.unwrap().key(), "a");
    assert!(q.is_empty());
}

#[tokio::test(start_paused = true)]
async fn no_key_is_ever_in_two_workers() {
    let q = WorkQueue::<u32>::new(QueueConfig::default());
    let busy = Arc::new(std::sync::Mutex::new(HashSet::new()));
    let processed = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (q, busy, processed) = (q.clone(), busy.clone(), processed.clone());
        workers.push(tokio::spawn(async move {
            while let Some(claim) = q.get().await {
                let key = *claim.key();
                assert!(busy.lock().unwrap().insert(key), "{key} in two workers");
                tokio::time::sleep(ms(3)).await;
                busy.lock().unwrap().remove(&key);
                processed.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for round in 0..200u32 {
        q.add(round % 3);
        q.add((round * 7) % 5);
        tokio::time::sleep(ms(1)).await;
    }
    tokio::time::sleep(ms(100)).await;
    q.shut_down();
    for w in workers {
        w.await.unwrap();
    }
    assert!(processed.load(Ordering::SeqCst) > 20);
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_exponentially_and_forget_resets() {
    let q = queue();
    let mut delays = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let chosen = q.add_rate_limited("a");
        let claim = q.get().await.unwrap();
        assert_eq!(start.elapsed(), chosen, "handed out exactly when due");
        delays.push(chosen);
        drop(claim);
    }
    assert_eq!(delays, [ms(5), ms(10), ms(20), ms(40), ms(80)]);
    assert_eq!(q.num_requeues(&"a"), 5);
    q.forget(&"a");
    assert_eq!(q.num_requeues(&"a"), 0);
    assert_eq!(q.add_rate_limited("a"), ms(5));
}

#[tokio::test(start_paused = true)]
async fn backoff_is_per_key() {
    let q = queue();
    for _ in 0..4 {
        q.add_rate_limited("hot");
    }
    assert_eq!(q.add_rate_limited("cold"), ms(5));
}

#[tokio::test(start_paused = true)]
async fn the_token_bucket_spaces_retries_past_the_burst() {
    let config = QueueConfig {
        backoff: Backoff {
            base: Duration::from_nanos(1),
            ..Backoff::default()
        },
        rate_limit: Some(RateLimit {
            qps: 10.0,
            burst: 3,
        }),
    };
    let q = WorkQueue::<u32>::new(config);
    let delays: Vec<_> = (0..6).map(|k| q.add_rate_limited(k)).collect();
    let near = |d: Duration, want: u64| d.abs_diff(ms(want)) < ms(1);
    assert!(delays[..3].iter().all(|d| near(*d, 0)), "{delays:?}");
    assert!(near(delays[3], 100) && near(delays[4], 200) && near(delays[5], 300));
    let start = Instant::now();
    let mut seen = Vec::new();
    for _ in 0..6 {
        let claim = q.get().await.unwrap();
        seen.push((*claim.key(), start.elapsed()));
    }
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
    assert!(near(seen[5].1, 300), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn add_after_hands_keys_out_in_due_order() {
    let q = queue();
    let start = Instant::now();
    q.add_after("c", ms(30));
    q.add_after("a", ms(10));
    q.add_after("b", ms(20));
    q.add_after("d", ms(500));
    q.add_after("d", ms(40)); // the earlier time wins
    q.add_after("a", ms(300)); // a later one does not postpone
    let mut order = Vec::new();
    for _ in 0..4 {
        let claim = q.get().await.unwrap();
        order.push((*claim.key(), start.elapsed()));
    }
    assert_eq!(
        order,
        [("a", ms(10)), ("b", ms(20)), ("c", ms(30)), ("d", ms(40))]
    );
    assert!(get_within(&q, ms(1000)).await.is_none(), "each key once");
}

#[tokio::test(start_paused = true)]
async fn add_after_zero_is_an_add() {
    let q = queue();
    q.add_after("a", Duration::ZERO);
    assert_eq!(q.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_handing_out_and_lets_in_flight_finish() {
    let q = queue();
    q.add("a");
    q.add("b");
    let claim = q.get().await.unwrap();
    let waiter = {
        let q = q.clone();
        tokio::spawn(async move { q.get().await.map(|c| *c.key()) })
    };
    q.shut_down();
    assert!(q.is_shut_down());
    assert_eq!(waiter.await.unwrap(), None);
    assert!(q.get().await.is_none(), "b is not handed out");
    q.add("c");
    assert_eq!(q.len(), 1, "adds after shutdown are ignored");
    assert_eq!(q.in_flight(), 1);
    let idle = {
        let q = q.clone();
        tokio::spawn(async move { q.wait_idle().await })
    };
    tokio::time::sleep(ms(10)).await;
    assert!(!idle.is_finished());
    drop(claim);
    idle.await.unwrap();
    assert_eq!(q.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_waiting_worker_wakes_on_add() {
    let q = queue();
    let worker = {
        let q = q.clone();
        tokio::spawn(async move { q.get().await.map(|c| *c.key()) })
    };
    tokio::time::sleep(ms(50)).await;
    q.add("x");
    assert_eq!(worker.await.unwrap(), Some("x"));
}
