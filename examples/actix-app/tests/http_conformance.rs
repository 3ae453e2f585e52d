//! The HTTP conformance suite against the actix-web app, unmodified, over real sockets: on
//! SQLite always, and on PostgreSQL when `AUTHKIT_TEST_POSTGRES_URL` is set.

use authkit_example_support::testing::{self, Backend};
use authkit_http_conformance::{App, Target, TargetOptions};

struct ActixApp(fn() -> Option<Backend>);

impl App for ActixApp {
    fn skip_reason(&self) -> Option<String> {
        (self.0)()
            .is_none()
            .then(|| "AUTHKIT_TEST_POSTGRES_URL is not set".to_owned())
    }

    async fn start(&self, options: TargetOptions) -> Target {
        let backend = (self.0)().expect("skip_reason said the backend is available");
        let prepared = testing::prepare(&options, &backend).await;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let server = actix_app::server(prepared.api, None, listener, 1).unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        let (admin_email, admin_password) = testing::admin();
        Target {
            base_url,
            mailer: prepared.mailer,
            admin_email,
            admin_password: admin_password.expose().to_owned(),
            guard: Box::new((StopOnDrop(handle), prepared.cleanup)),
        }
    }
}

struct StopOnDrop(actix_web::dev::ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        // Ask the server to stop; the runtime ending finishes it.
        drop(self.0.stop(false));
    }
}

mod sqlite {
    authkit_http_conformance::http_conformance_suite!(super::ActixApp(|| Some(
        super::Backend::Sqlite
    )));
}

mod postgres {
    authkit_http_conformance::http_conformance_suite!(super::ActixApp(
        super::Backend::postgres_from_env
    ));
}
