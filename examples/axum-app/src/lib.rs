//! The axum example app as a library, so its tests serve exactly what `main` serves.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use authkit_axum::{Admin, AuthLayer, AuthUser, RequireRole};
use authkit_core::http::HttpApi;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

/// An application route of its own, protected by authkit: any signed-in user.
async fn hello(user: AuthUser) -> axum::Json<Value> {
    axum::Json(json!({ "hello": user.user_id, "role": user.role() }))
}

/// An admin-only route.
async fn admin_stats(RequireRole(admin, ..): RequireRole<Admin>) -> axum::Json<Value> {
    axum::Json(json!({ "admin": admin.user_id }))
}

/// The app: authkit's routes plus two of the application's own.
pub fn router(api: HttpApi) -> Router {
    Router::new()
        .route("/hello", get(hello))
        .route("/admin/stats", get(admin_stats))
        .merge(authkit_axum::routes(api.clone()))
        .layer(AuthLayer::new(api))
}
