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
