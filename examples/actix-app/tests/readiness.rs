//! `/readyz` follows the database; `/healthz` does not.

use authkit_example_support::testing;

#[tokio::test(flavor = "multi_thread")]
async fn readyz_answers_503_when_the_database_is_unreachable() {
    let (api, pool) = testing::api_with_closable_store().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = actix_app::server(api, None, listener, 1).unwrap();
    let handle = server.handle();
    tokio::spawn(server);
    testing::assert_readiness_follows_the_database(&base, pool).await;
    handle.stop(false).await;
}
