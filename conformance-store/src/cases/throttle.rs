//! Failed-login counters: counting, the quiet period, concurrent failures.

use super::*;

/// Failures count up, are readable, and clear.
pub async fn login_failures_count_up_and_clear(store: Arc<dyn Store>) {
    let reset_after = Duration::hours(24);
    for expected in 1..=3 {
        let at = T0 + Duration::seconds(expected.into());
        assert_eq!(
            store
                .record_login_failure("k1", at, reset_after)
                .await
                .unwrap(),
            expected
        );
    }
    assert_eq!(
        store
            .record_login_failure("k2", T0, reset_after)
            .await
            .unwrap(),
        1,
        "per key"
    );
    let read = store.login_failures("k1").await.unwrap().unwrap();
    assert_eq!(
        (read.count, read.last_failure_at),
        (3, T0 + Duration::seconds(3))
    );
    store.clear_login_failures("k1").await.unwrap();
    assert_eq!(store.login_failures("k1").await.unwrap(), None);
    assert_eq!(store.login_failures("k2").await.unwrap().unwrap().count, 1);
    assert_eq!(
        store
            .record_login_failure("k1", T0, reset_after)
            .await
            .unwrap(),
        1
    );
}

/// After more than `reset_after` without failures, the count starts again at 1.
pub async fn a_quiet_period_restarts_the_failure_count(store: Arc<dyn Store>) {
    let reset_after = Duration::hours(1);
    store
        .record_login_failure("k", T0, reset_after)
        .await
        .unwrap();
    store
        .record_login_failure("k", T0, reset_after)
        .await
        .unwrap();
    let exactly = T0 + reset_after;
    assert_eq!(
        store
            .record_login_failure("k", exactly, reset_after)
            .await
            .unwrap(),
        3,
        "not yet"
    );
    let later = exactly + reset_after + Duration::microseconds(1);
    assert_eq!(
        store
            .record_login_failure("k", later, reset_after)
            .await
            .unwrap(),
        1
    );
}

/// 100 concurrent failures raise the count by exactly 100, each call seeing its own count.
pub async fn a_hundred_concurrent_failures_count_exactly_a_hundred(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .record_login_failure("hot", T0, Duration::hours(24))
                    .await
            })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(
            task.await
                .unwrap()
                .expect("no store error under contention"),
        );
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=100).collect::<Vec<u32>>());
    assert_eq!(
        store.login_failures("hot").await.unwrap().unwrap().count,
        100
    );
}
