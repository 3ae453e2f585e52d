//! The actix-web example app as a library, so its tests serve exactly what `main` serves.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use authkit_actix::{Admin, AuthUser, RequireRole};
use authkit_core::http::HttpApi;
use authkit_example_support::{METRICS_CONTENT_TYPE, Metrics};
use serde_json::json;

/// An application route of its own, protected by authkit: any signed-in user. Served for
/// `GET` and `POST` (a state-changing method, which in cookie mode must pass the CSRF check).
async fn hello(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": user.user_id, "role": user.role() }))
}

/// An admin-only route.
async fn admin_stats(RequireRole(admin, ..): RequireRole<Admin>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "admin": admin.user_id }))
}

/// The app: authkit's routes plus two of the application's own.
pub fn configure(api: HttpApi) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        cfg.configure(authkit_actix::configure(api.clone()))
            .route("/hello", web::get().to(hello))
            .route("/hello", web::post().to(hello))
            .route("/admin/stats", web::get().to(admin_stats));
    }
}

/// A server for `api` on `listener` (with `workers` worker threads), with the metrics page
/// when it is served here and request tracing over every route; await or spawn it.
pub fn server(
    api: HttpApi,
    metrics: Option<Metrics>,
    listener: std::net::TcpListener,
    workers: usize,
) -> std::io::Result<Server> {
    let app = configure(api);
    Ok(HttpServer::new(move || {
        let metrics = metrics.clone();
        App::new()
            .configure(app.clone())
            .configure(move |cfg| {
                if let Some(metrics) = metrics {
                    let path = metrics.path().to_owned();
                    cfg.route(
                        &path,
                        web::get().to(move || {
                            let page = metrics.render();
                            async move {
                                HttpResponse::Ok()
                                    .content_type(METRICS_CONTENT_TYPE)
                                    .body(page)
                            }
                        }),
                    );
                }
            })
            .wrap(actix_web::middleware::from_fn(
                authkit_actix::trace_requests,
            ))
    })
    .workers(workers)
    .listen(listener)?
    .run())
}
