//! What authkit tells an operator: metrics through the [`metrics`] facade, and one `tracing`
//! span per request carrying a request id.
//!
//! ## Metrics
//! authkit records through the `metrics` facade and installs no recorder: an application that
//! wants them installs one (the example apps use `metrics-exporter-prometheus` and serve
//! `/metrics`) and may call [`describe`] for the help texts. Without a recorder, recording
//! costs next to nothing. Names follow Prometheus' rules: `authkit_` first, base units
//! (seconds), `_total` on counters.
//!
//! | name | type | labels | what it counts |
//! |---|---|---|---|
//! | `authkit_registrations_total` | counter | | accounts created (registration or the admin seed) |
//! | `authkit_logins_total` | counter | `outcome`: `success`, `invalid_credentials`, `throttled`, `unverified`, `mfa_required`, `error` | login attempts (JSON login, the password grant, and the second step of a two-factor sign-in, whose wrong codes count as `invalid_credentials`) |
//! | `authkit_refreshes_total` | counter | | refresh-token rotations (grace-window retries included) |
//! | `authkit_refresh_reuse_detected_total` | counter | | replayed refresh tokens (each revoked its session) |
//! | `authkit_revocations_total` | counter | | changes that took access away: logout, logout-all, session revoke, password change or reset, disabling, deletion, role change, reuse |
//! | `authkit_mails_total` | counter | `outcome`: `sent`, `failed` | mails delivered, and mails given up after every retry |
//! | `authkit_rate_limited_total` | counter | | requests refused by the per-client limit (429) |
//! | `authkit_http_request_duration_seconds` | histogram | `method`, `route` (the path template), `status` | every request an adapter's request tracing saw |
//! | `authkit_password_hash_duration_seconds` | histogram | | hashing, verification and strength checks on the blocking pool |
//! | `authkit_password_hash_wait_seconds` | histogram | | time waiting for a hashing permit |
//! | `authkit_password_hash_permits_in_use` | gauge | | hashing permits held now |
//!
//! ## Requests
//! [`RequestId::from_header`] is the one rule for `X-Request-Id`, and [`request_span`] and
//! [`finish_request`] the one shape of a request's span and its closing log line; the adapters'
//! request tracing (`authkit_axum::trace_requests`, `authkit_actix::trace_requests`) only call
//! them. Once a request is authenticated, its span gets `user_id` and `session_id` (never a
//! token).

use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use tracing::Span;
use tracing::field::Empty;

use crate::events::EventKind;
use crate::principal::Principal;

/// The metric names, for dashboards and tests.
pub mod names {
    /// Accounts created.
    pub const REGISTRATIONS: &str = "authkit_registrations_total";
    /// Login attempts by `outcome`.
    pub const LOGINS: &str = "authkit_logins_total";
    /// Refresh-token rotations.
    pub const REFRESHES: &str = "authkit_refreshes_total";
    /// Replayed refresh tokens.
    pub const REUSE_DETECTED: &str = "authkit_refresh_reuse_detected_total";
    /// Changes that took access away.
    pub const REVOCATIONS: &str = "authkit_revocations_total";
    /// Mails by `outcome` (`sent`, `failed`).
    pub const MAILS: &str = "authkit_mails_total";
    /// Requests refused by the per-client limit.
    pub const RATE_LIMITED: &str = "authkit_rate_limited_total";
    /// Request latency by `method`, `route` and `status`.
    pub const HTTP_REQUEST_DURATION: &str = "authkit_http_request_duration_seconds";
    /// Time on the blocking pool per password job.
    pub const HASH_DURATION: &str = "authkit_password_hash_duration_seconds";
    /// Time waiting for a hashing permit.
    pub const HASH_WAIT: &str = "authkit_password_hash_wait_seconds";
    /// Hashing permits held now.
    pub const HASH_PERMITS_IN_USE: &str = "authkit_password_hash_permits_in_use";
}

/// Registers the help text and unit of every authkit metric with the installed recorder.
/// Optional: call it once after installing one.
pub fn describe() {
    use metrics::Unit;
    use names::*;
    describe_counter!(REGISTRATIONS, "Accounts created");
    describe_counter!(LOGINS, "Login attempts by outcome");
    describe_counter!(REFRESHES, "Refresh-token rotations");
    describe_counter!(
        REUSE_DETECTED,
        "Replayed refresh tokens (each revoked its session)"
    );
    describe_counter!(REVOCATIONS, "Changes that took access away");
    describe_counter!(MAILS, "Mails delivered (sent) or given up (failed)");
    describe_counter!(RATE_LIMITED, "Requests refused by the per-client limit");
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Request latency by method, route and status"
    );
    describe_histogram!(
        HASH_DURATION,
        Unit::Seconds,
        "Password hashing, verification and checks on the blocking pool"
    );
    describe_histogram!(
        HASH_WAIT,
        Unit::Seconds,
        "Time waiting for a hashing permit"
    );
    describe_gauge!(HASH_PERMITS_IN_USE, "Hashing permits held now");
}

/// How a login attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginOutcome {
    Success,
    InvalidCredentials,
    Throttled,
    Unverified,
    MfaRequired,
    Error,
}

impl LoginOutcome {
    pub(crate) fn of<T>(result: &Result<T, crate::AuthError>) -> Self {
        use crate::AuthError;
        match result {
            Ok(_) => Self::Success,
            Err(AuthError::InvalidCredentials) => Self::InvalidCredentials,
            Err(AuthError::TooManyAttempts { .. }) => Self::Throttled,
            Err(AuthError::EmailNotVerified) => Self::Unverified,
            Err(AuthError::MfaRequired(_)) => Self::MfaRequired,
            Err(
                AuthError::InvalidMfaCode
                | AuthError::InvalidMfaChallenge
                | AuthError::InvalidSignInCode,
            ) => Self::InvalidCredentials,
            #[cfg(feature = "oidc")]
            Err(AuthError::InvalidOAuthState | AuthError::InvalidIdToken(_)) => {
                Self::InvalidCredentials
            }
            Err(_) => Self::Error,
        }
    }

    const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Throttled => "throttled",
            Self::Unverified => "unverified",
            Self::MfaRequired => "mfa_required",
            Self::Error => "error",
        }
    }
}

pub(crate) fn login(outcome: LoginOutcome) {
    counter!(names::LOGINS, "outcome" => outcome.as_str()).increment(1);
}

/// Counts what an event tells, for the events that are also metrics.
pub(crate) fn event(kind: EventKind) {
    let name = match kind {
        EventKind::UserCreated => names::REGISTRATIONS,
        EventKind::TokenRefreshed => names::REFRESHES,
        EventKind::TokenReuseDetected => names::REUSE_DETECTED,
        _ => return,
    };
    counter!(name).increment(1);
}

pub(crate) fn revocation() {
    counter!(names::REVOCATIONS).increment(1);
}

pub(crate) fn mail(delivered: bool) {
    let outcome = if delivered { "sent" } else { "failed" };
    counter!(names::MAILS, "outcome" => outcome).increment(1);
}

pub(crate) fn rate_limited() {
    counter!(names::RATE_LIMITED).increment(1);
}

/// A hashing permit was granted after `waited`; held until [`permit_released`].
pub(crate) fn permit_acquired(waited: Duration) {
    histogram!(names::HASH_WAIT).record(waited.as_secs_f64());
    gauge!(names::HASH_PERMITS_IN_USE).increment(1.0);
}

/// A hashing permit was released after `worked` on the blocking pool.
pub(crate) fn permit_released(worked: Duration) {
    histogram!(names::HASH_DURATION).record(worked.as_secs_f64());
    gauge!(names::HASH_PERMITS_IN_USE).decrement(1.0);
}

/// The route label of a request no route matched (a 404): never the raw path, which would
/// give every scanner's guess a metric of its own.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The header a request id travels in, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest request id taken from a client; longer ones are replaced.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// A request's id: the client's `X-Request-Id` when it is 1 to 64 characters of letters,
/// digits and `-_.:@/+=`, otherwise a new one (a UUID v7), so nothing a client sends can
/// break a log line or grow it without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The id for a request whose `X-Request-Id` header is `header`.
    ///
    /// ```
    /// use authkit_core::telemetry::RequestId;
    ///
    /// assert_eq!(RequestId::from_header(Some("edge-42")).as_str(), "edge-42");
    /// let made = RequestId::from_header(Some("bad\nid"));
    /// assert_ne!(made.as_str(), "bad\nid");
    /// assert_eq!(made.as_str().len(), 36); // a new UUID
    /// ```
    pub fn from_header(header: Option<&str>) -> Self {
        match header {
            Some(id) if Self::acceptable(id) => Self(id.to_owned()),
            _ => Self::generate(),
        }
    }

    /// A new id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    fn acceptable(id: &str) -> bool {
        (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/+=".contains(&b))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The span of one request, at `info`, target `authkit::http`: `method`, `route` (the matched
/// path template, when the adapter knows it before routing), `request_id`, and, filled in later,
/// `status`, `latency_ms`, `user_id` and `session_id`. Every log line written while the
/// request is handled carries them (JSON logs include the current span).
pub fn request_span(method: &str, route: Option<&str>, request_id: &RequestId) -> Span {
    tracing::info_span!(
        target: "authkit::http",
        "request",
        method,
        route,
        request_id = request_id.as_str(),
        status = Empty,
        latency_ms = Empty,
        user_id = Empty,
        session_id = Empty,
    )
}

/// Records the answer on `span` (status and latency), logs the request's closing line inside
/// it, and counts it in `authkit_http_request_duration_seconds` under `route`, the matched path
/// template (an adapter that learns it only after routing records it on the span itself).
pub fn finish_request(span: &Span, method: &str, route: &str, status: u16, elapsed: Duration) {
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(
        || tracing::info!(target: "authkit::http", status, latency_ms, "request finished"),
    );
    histogram!(
        names::HTTP_REQUEST_DURATION,
        "method" => method.to_owned(),
        "route" => route.to_owned(),
        "status" => status.to_string(),
    )
    .record(elapsed.as_secs_f64());
}

/// Notes the authenticated caller on the current request span (if there is one).
pub(crate) fn caller(principal: &Principal) {
    let span = Span::current();
    span.record("user_id", tracing::field::display(principal.user_id));
    span.record("session_id", tracing::field::display(principal.session_id));
}

/// Notes a signed-in user and session on the current request span (a login, a refresh).
pub(crate) fn session(user_id: crate::UserId, session_id: crate::SessionId) {
    let span = Span::current();
    span.record("user_id", tracing::field::display(user_id));
    span.record("session_id", tracing::field::display(session_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_request_id_is_kept_only_when_short_and_plain() {
        assert_eq!(
            RequestId::from_header(Some("abc-123_x.y:z")).as_str(),
            "abc-123_x.y:z"
        );
        let longest = "a".repeat(MAX_REQUEST_ID_LEN);
        assert_eq!(RequestId::from_header(Some(&longest)).as_str(), longest);
        for refused in [
            "",
            "a b",
            "a\"b",
            "a\nb",
            "é",
            &"a".repeat(MAX_REQUEST_ID_LEN + 1),
        ] {
            let id = RequestId::from_header(Some(refused));
            assert_ne!(id.as_str(), refused);
            assert!(
                uuid::Uuid::parse_str(id.as_str()).is_ok(),
                "{refused:?} -> {id}"
            );
        }
        let a = RequestId::from_header(None);
        let b = RequestId::from_header(None);
        assert_ne!(a, b);
    }
}
