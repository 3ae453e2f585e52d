//! The storage conformance suite of authkit-core, against every backend.
//!
//! SQLite always runs. PostgreSQL and MySQL run when `AUTHKIT_TEST_POSTGRES_URL` /
//! `AUTHKIT_TEST_MYSQL_URL` name a server (e.g. `postgres://postgres@127.0.0.1:5432/test`,
//! `mysql://root@127.0.0.1:3306/test`); each case gets its own schema or database. Unset, those
//! cases pass without running and say so once on stderr; set but unreachable, they fail.

mod common;

mod sqlite {
    use super::common::sqlite::SqliteFixture;

    authkit_store_conformance::store_conformance_suite!(SqliteFixture);
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Once;

    use super::common::postgres::PgFixture;
    use super::common::{POSTGRES_URL_VAR, server_url};

    static SKIPPED: Once = Once::new();

    // The fixture expression is evaluated inside each generated test: without a server it
    // returns from the test, which then passes without running the case.
    authkit_store_conformance::store_conformance_suite!({
        let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
            return;
        };
        PgFixture { url }
    });
}

#[cfg(feature = "mysql")]
mod mysql {
    use std::sync::Once;

    use super::common::mysql::MySqlFixture;
    use super::common::{MYSQL_URL_VAR, server_url};

    static SKIPPED: Once = Once::new();

    // See the PostgreSQL module: no URL, no run.
    authkit_store_conformance::store_conformance_suite!({
        let Some(url) = server_url(MYSQL_URL_VAR, &SKIPPED) else {
            return;
        };
        MySqlFixture { url }
    });
}
