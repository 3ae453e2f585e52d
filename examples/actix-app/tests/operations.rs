//! What an operator sees of the actix-app binary: `/metrics` after a scripted flow, the metrics
//! page moved to its own listener or off, and request ids in answers and JSON log lines (the
//! shared checks in `authkit_example_support::operations`).

use authkit_example_support::operations;

const BINARY: &str = env!("CARGO_BIN_EXE_actix-app");

#[tokio::test]
async fn metrics_count_a_scripted_flow() {
    operations::metrics_count_a_scripted_flow(BINARY).await;
}

#[tokio::test]
async fn metrics_move_to_their_own_listener_or_off() {
    operations::metrics_move_to_their_own_listener_or_off(BINARY).await;
}

#[tokio::test]
async fn request_ids_come_back_and_mark_the_log_lines() {
    operations::request_ids_come_back_and_mark_the_log_lines(BINARY).await;
}
