//! `/readyz` follows the database; `/healthz` does not.

use authkit_example_support::testing;

#[tokio::test(flavor = "multi_thread")]
async fn readyz_answers_503_when_the_database_is_unreachable() {
    let (api, pool) = testing::api_with_closable_store().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(authkit_axum::serve(
        listener,
        axum_app::router(api, None),
        std::future::pending(),
    ));
    testing::assert_readiness_follows_the_database(&base, pool).await;
    server.abort();
}
