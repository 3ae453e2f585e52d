//! The axum example app as a library, so its tests serve exactly what `main` serves.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use authkit_axum::{Admin, AuthLayer, AuthUser, RequireRole};
use authkit_core::http::HttpApi;
use authkit_example_support::{METRICS_CONTENT_TYPE, Metrics};
use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use serde_json::{Value, json};

/// An application route of its own, protected by authkit: any signed-in user. Served for
/// `GET` and `POST` (a state-changing method, which in cookie mode must pass the CSRF check).
async fn hello(user: AuthUser) -> axum::Json<Value> {
    axum::Json(json!({ "hello": user.user_id, "role": user.role() }))
}

/// An admin-only route.
async fn admin_stats(RequireRole(admin, ..): RequireRole<Admin>) -> axum::Json<Value> {
    axum::Json(json!({ "admin": admin.user_id }))
}

/// The app: authkit's routes plus two of the application's own, the metrics page when it is
/// served here, and request tracing over all of them.
pub fn router(api: HttpApi, metrics: Option<Metrics>) -> Router {
    let router = Router::new()
        .route("/hello", get(hello).post(hello))
        .route("/admin/stats", get(admin_stats))
        .merge(authkit_axum::routes(api.clone()));
    let router = match metrics {
        Some(metrics) => {
            let path = metrics.path().to_owned();
            let page =
                move || async move { ([(CONTENT_TYPE, METRICS_CONTENT_TYPE)], metrics.render()) };
            router.route(&path, get(page))
        }
        None => router,
    };
    router
        .layer(axum::middleware::from_fn(authkit_axum::trace_requests))
        .layer(AuthLayer::new(api))
}

/// The example single-page app (`examples/axum-app/spa`: plain JavaScript, no build step), served on a
/// listener of its own so that it is another origin than the API at `api` (the auth routes'
/// full URL, e.g. `http://127.0.0.1:8080/auth`), as a browser front end usually is. Its
/// Content-Security-Policy lets it load its own files and call nothing but the API.
pub fn spa(api: &str) -> Router {
    let origin = api
        .find("://")
        .and_then(|scheme| {
            api[scheme + 3..]
                .find('/')
                .map(|path| &api[..scheme + 3 + path])
        })
        .unwrap_or(api)
        .to_owned();
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src {origin}; \
         form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    );
    let index = include_str!("../spa/index.html").replace("{{api}}", api);
    let file = move |content_type: &'static str, body: String| {
        let policy = policy.clone();
        move || {
            let body = body.clone();
            let policy = policy.clone();
            async move {
                (
                    [
                        (CONTENT_TYPE, content_type.to_owned()),
                        (axum::http::header::CONTENT_SECURITY_POLICY, policy),
                    ],
                    body,
                )
            }
        }
    };
    Router::new()
        .route("/", get(file("text/html; charset=utf-8", index)))
        .route(
            "/app.js",
            get(file(
                "text/javascript; charset=utf-8",
                include_str!("../spa/app.js").to_owned(),
            )),
        )
        .route(
            "/app.css",
            get(file(
                "text/css; charset=utf-8",
                include_str!("../spa/app.css").to_owned(),
            )),
        )
}
