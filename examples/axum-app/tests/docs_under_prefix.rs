//! The docs page works wherever an application mounts authkit's routes: nested under `/api`,
//! its script, stylesheet and document resolve (relative URLs) and are served.

use std::sync::Arc;

use authkit_core::http::{HttpApi, HttpConfig};
use authkit_core::memory::MemoryStore;
use authkit_core::{Auth, AuthConfig};
use axum::Router;

#[tokio::test]
async fn the_docs_page_and_its_files_resolve_under_a_prefix() {
    let config = AuthConfig::builder()
        .hs256_secret("a docs-under-prefix secret of 32 bytes")
        .build()
        .unwrap();
    let auth = Auth::builder(config, Arc::new(MemoryStore::new())).build();
    let api = HttpApi::new(auth, HttpConfig::default());
    let app = Router::new().nest("/api", authkit_axum::routes(api));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(authkit_axum::serve(listener, app, std::future::pending()));

    let client = reqwest::Client::new();
    let page_url = reqwest::Url::parse(&format!("{base}/api/docs")).unwrap();
    let page = client.get(page_url.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let mut referenced = Vec::new();
    for attribute in ["src=\"", "href=\"", "url: \""] {
        for piece in html.split(attribute).skip(1) {
            referenced.push(piece.split('"').next().unwrap().to_owned());
        }
    }
    assert_eq!(
        referenced,
        [
            "docs/swagger-ui-bundle.js",
            "docs/swagger-ui.css",
            "openapi.json"
        ]
    );
    for (reference, media_type) in
        referenced
            .iter()
            .zip(["text/javascript", "text/css", "application/json"])
    {
        let url = page_url.join(reference).unwrap();
        assert!(url.path().starts_with("/api/"), "{url}");
        let answer = client.get(url.clone()).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{url}");
        let content_type = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with(media_type),
            "{url}: {content_type}"
        );
    }
}
