//! The HTTP conformance suite against the axum app, over real sockets: on SQLite always, and
//! on PostgreSQL when `AUTHKIT_TEST_POSTGRES_URL` is set.

use authkit_example_support::testing::{self, Backend};
use authkit_http_conformance::{App, Target, TargetOptions};

struct AxumApp(fn() -> Option<Backend>);

impl App for AxumApp {
    fn skip_reason(&self) -> Option<String> {
        (self.0)()
            .is_none()
            .then(|| "AUTHKIT_TEST_POSTGRES_URL is not set".to_owned())
    }

    async fn start(&self, options: TargetOptions) -> Target {
        let backend = (self.0)().expect("skip_reason said the backend is available");
        let prepared = testing::prepare(&options, &backend).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let router = axum_app::router(prepared.api, None);
        let server = tokio::spawn(authkit_axum::serve(
            listener,
            router,
            std::future::pending(),
        ));
        let (admin_email, admin_password) = testing::admin();
        Target {
            base_url,
            mailer: prepared.mailer,
            admin_email,
            admin_password: admin_password.expose().to_owned(),
            guard: Box::new((AbortOnDrop(server), prepared.cleanup)),
        }
    }
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

mod sqlite {
    authkit_http_conformance::http_conformance_suite!(super::AxumApp(|| Some(
        super::Backend::Sqlite
    )));
}

mod postgres {
    authkit_http_conformance::http_conformance_suite!(super::AxumApp(
        super::Backend::postgres_from_env
    ));
}
