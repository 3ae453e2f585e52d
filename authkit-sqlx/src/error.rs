//! Driver errors as [`StoreError`]s: unavailable (503), unique conflicts naming their field,
//! the rest as backend failures; connection errors never carry the URL's password.

use authkit_core::store::{StoreError, UniqueField};

/// Classifies a driver error: saturation and connectivity are [`StoreError::Unavailable`],
/// unique violations on users are [`StoreError::Conflict`], the rest is
/// [`StoreError::Backend`].
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::PoolTimedOut => StoreError::Unavailable(
            "no database connection became available within the pool's acquire timeout \
             (every connection busy, or the database unreachable)"
                .into(),
        ),
        sqlx::Error::PoolClosed => StoreError::Unavailable("the connection pool is closed".into()),
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(error.to_string())
        }
        sqlx::Error::Database(db) => {
            if db.is_unique_violation()
                && let Some(field) = unique_field(db.as_ref())
            {
                return StoreError::Conflict(field);
            }
            if is_unavailable(db.as_ref()) {
                StoreError::Unavailable(error.to_string())
            } else {
                StoreError::Backend(error.to_string())
            }
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

/// Which user field a unique violation names. PostgreSQL reports the constraint; SQLite says
/// `UNIQUE constraint failed: users.email_canonical`; MySQL/MariaDB say
/// `Duplicate entry '…' for key 'users_email_canonical_key'`. Only the part naming the
/// constraint is inspected: the duplicated value itself may contain any text.
fn unique_field(db: &dyn sqlx::error::DatabaseError) -> Option<UniqueField> {
    let message = db.message();
    let name = match db.constraint() {
        Some(constraint) => constraint,
        None => ["for key ", "constraint failed: "]
            .iter()
            .find_map(|marker| message.rfind(marker).map(|at| &message[at..]))
            .unwrap_or(message),
    };
    if name.contains("username_canonical") {
        Some(UniqueField::Username)
    } else if name.contains("email_canonical") {
        Some(UniqueField::Email)
    } else if name.contains("credential_id") {
        Some(UniqueField::PasskeyCredential)
    } else {
        None
    }
}

/// Whether a database error means "the database cannot serve us now" (503, retry later)
/// rather than a failure of the statement: on every backend, the class of connection and
/// availability failures.
///
/// - SQLSTATE (PostgreSQL, and MySQL's where it sets one): class 08 (connection exception),
///   class 53 (insufficient resources: too many connections, disk full, out of memory), class
///   57P (shutdown, crash, recovery, cannot connect now), class 58 (system/I-O error), 55000 (a
///   database that does not accept connections, `ALLOW_CONNECTIONS false`), 3D000 (the
///   database does not exist), 28000/28P01 (the server refuses our credentials).
/// - MySQL/MariaDB error numbers: 1040 and 1203 (too many connections), 1053 (shutdown), 1045
///   (access denied), 1049 (unknown database), 1927 (connection killed), 1152-1161 (network
///   errors), 2002-2013 (client connection errors), 1290 (read-only mode), 4031 (idle timeout).
/// - SQLite result codes: 5 SQLITE_BUSY and 6 SQLITE_LOCKED (once the retries are spent), 8
///   SQLITE_READONLY, 10 SQLITE_IOERR, 13 SQLITE_FULL, 14 SQLITE_CANTOPEN, and their extended
///   codes.
fn is_unavailable(db: &dyn sqlx::error::DatabaseError) -> bool {
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return matches!(
            my.number(),
            1040 | 1045 | 1049 | 1053 | 1152..=1161 | 1203 | 1290 | 1927 | 2002..=2013 | 4031
        ) || is_unavailable_code(db.code().as_deref());
    }
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let primary = db
            .code()
            .and_then(|c| c.parse::<u32>().ok())
            .map(|c| c & 0xff);
        return matches!(primary, Some(5 | 6 | 8 | 10 | 13 | 14));
    }
    is_unavailable_code(db.code().as_deref())
}

/// The SQLSTATEs of [`is_unavailable`].
fn is_unavailable_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| {
        c.starts_with("08")
            || c.starts_with("53")
            || c.starts_with("57P")
            || c.starts_with("58")
            || matches!(c, "55000" | "3D000" | "28000" | "28P01")
    })
}

/// A failure to open the pool: as [`store_error`], but a timeout here means no connection
/// could be opened at all.
pub(crate) fn connect_failure(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::PoolTimedOut => StoreError::Unavailable(
            "could not connect to the database within the acquire timeout".into(),
        ),
        other => store_error(other),
    }
}

/// A connection failure, with the URL's password (and the URL) removed from the message.
pub(crate) fn connect_error(error: sqlx::Error, url: &str) -> StoreError {
    match connect_failure(error) {
        StoreError::Unavailable(m) => StoreError::Unavailable(redact(&m, url)),
        StoreError::Backend(m) => StoreError::Backend(redact(&m, url)),
        other => other,
    }
}

/// `message` without `url` and without the password of its user-info part, if any.
pub(crate) fn redact(message: &str, url: &str) -> String {
    let mut out = if url.is_empty() {
        message.to_owned()
    } else {
        message.replace(url, "[database URL]")
    };
    if let Some(password) = url_password(url).filter(|p| !p.is_empty()) {
        out = out.replace(password, "[redacted]");
    }
    out
}

fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    userinfo.split_once(':').map(|(_, password)| password)
}

/// A failed migration run.
pub(crate) fn migrate_error(error: sqlx::migrate::MigrateError) -> StoreError {
    match error {
        sqlx::migrate::MigrateError::Execute(e) => match store_error(e) {
            StoreError::Backend(m) => StoreError::Backend(format!("migration failed: {m}")),
            other => other,
        },
        other => StoreError::Backend(format!("migration failed: {other}")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A database error as a driver would report it.
    #[derive(Debug)]
    struct Fake {
        message: String,
        constraint: Option<&'static str>,
        code: Option<&'static str>,
        kind: fn() -> sqlx::error::ErrorKind,
    }

    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.message)
        }
    }

    impl std::error::Error for Fake {}

    impl sqlx::error::DatabaseError for Fake {
        fn message(&self) -> &str {
            &self.message
        }
        fn constraint(&self) -> Option<&str> {
            self.constraint
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            self.code.map(std::borrow::Cow::Borrowed)
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            (self.kind)()
        }
    }

    fn classify(message: &str, constraint: Option<&'static str>) -> StoreError {
        store_error(sqlx::Error::Database(Box::new(Fake {
            message: message.to_owned(),
            constraint,
            code: None,
            kind: || sqlx::error::ErrorKind::UniqueViolation,
        })))
    }

    #[test]
    fn unique_violations_name_the_field_of_their_index() {
        let field = |e: StoreError| match e {
            StoreError::Conflict(field) => Some(field),
            _ => None,
        };
        let pg = classify("duplicate key value", Some("users_username_canonical_key"));
        assert_eq!(field(pg), Some(UniqueField::Username));
        let sqlite = classify("UNIQUE constraint failed: users.email_canonical", None);
        assert_eq!(field(sqlite), Some(UniqueField::Email));
        // The duplicated value may itself mention the other index.
        let mysql = classify(
            "Duplicate entry 'username_canonical@x.org' for key 'users_email_canonical_key'",
            None,
        );
        assert_eq!(field(mysql), Some(UniqueField::Email));
        let mysql8 = classify(
            "Duplicate entry 'ada' for key 'users.users_username_canonical_key'",
            None,
        );
        assert_eq!(field(mysql8), Some(UniqueField::Username));
        let primary = classify("Duplicate entry 'x' for key 'PRIMARY'", None);
        assert!(matches!(primary, StoreError::Backend(_)), "{primary:?}");
    }

    /// A driver error with this SQLSTATE (or vendor code).
    pub(crate) fn failure(code: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Fake {
            message: format!("failure {code}"),
            constraint: None,
            code: Some(code),
            kind: || sqlx::error::ErrorKind::Other,
        }))
    }

    #[test]
    fn saturation_and_lost_connections_are_unavailable() {
        assert!(matches!(
            store_error(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(sqlx::Error::Io(
                std::io::ErrorKind::ConnectionRefused.into()
            )),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(failure("53300")),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(failure("08006")),
            StoreError::Unavailable(_)
        ));
        for code in [
            "55000", "3D000", "28P01", "57P01", "57P03", "53100", "53200", "58030", "08001",
        ] {
            assert!(
                matches!(store_error(failure(code)), StoreError::Unavailable(_)),
                "{code}"
            );
        }
        for code in ["42P01", "23505", "22P02", "40001"] {
            assert!(
                matches!(store_error(failure(code)), StoreError::Backend(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn passwords_are_redacted_from_connection_errors() {
        let url = "postgres://app:s3cr%40t@db.internal:5432/auth";
        let message = format!("failed to connect to {url} as app with s3cr%40t");
        let redacted = redact(&message, url);
        assert!(!redacted.contains("s3cr"), "{redacted}");
        assert_eq!(redact("password s3cr%40t", url), "password [redacted]");
        assert_eq!(url_password("sqlite://authkit.db"), None);
        assert_eq!(url_password("mysql://root@localhost/db"), None);
        assert_eq!(
            url_password("mysql://root:pw@localhost/db?x=y:z"),
            Some("pw")
        );
    }
}
