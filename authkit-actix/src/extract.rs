//! Extractors for application handlers.

use std::fmt;
use std::future::{Future, Ready, ready};
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, ResponseError, web};
use authkit_core::AuthError;
use authkit_core::http::{
    HttpApi, HttpResponse, Principal, RequestCredentials, RoleName, header_text,
};
use futures_util::future::Either;

use crate::{CSRF_TOKEN, SEC_FETCH_SITE, cookies, into_response, text};

/// The authenticated caller (dereferences to [`Principal`]: `user.user_id`, `user.role()`, ...).
/// Rejects with 401 (RFC 6750 `WWW-Authenticate`) when the bearer token is absent or invalid.
/// In cookie mode with the access token in a cookie, a request without `Authorization` is
/// authenticated by that cookie, and a state-changing one must pass the CSRF check (403);
/// see [`HttpApi::authenticate_request`].
#[derive(Debug, Clone)]
pub struct AuthUser(pub Principal);

impl std::ops::Deref for AuthUser {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// An extractor's refusal: the exact answer authkit gives (401, 403 or 500).
pub struct Rejection(HttpResponse);

impl Rejection {
    /// The answer.
    pub fn into_inner(self) -> HttpResponse {
        self.0
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rejection").field(&self.0.status).finish()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "authkit rejected the request with status {}",
            self.0.status
        )
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.0.status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        into_response(self.0.clone())
    }
}

pub(crate) fn api(req: &HttpRequest) -> Result<&HttpApi, Rejection> {
    req.app_data::<web::Data<HttpApi>>()
        .map(|data| data.get_ref())
        .ok_or_else(|| {
            tracing::error!(
                target: "authkit",
                "authkit extractor used without its service: call \
                 `.configure(authkit_actix::configure(api))` on the App (or add \
                 `.app_data(web::Data::new(api))`)"
            );
            Rejection(HttpResponse::from_error(&AuthError::Internal(
                "authkit service missing".into(),
            )))
        })
}

pub(crate) async fn authenticate(
    api: &HttpApi,
    credentials: &RequestCredentials<'_>,
) -> Result<AuthUser, Rejection> {
    api.authenticate_request(credentials)
        .await
        .map(AuthUser)
        .map_err(Rejection)
}

/// The header values core authenticates a request with.
pub(crate) fn credentials<'a>(
    req: &'a HttpRequest,
    cookie: Option<&'a str>,
) -> RequestCredentials<'a> {
    let headers = req.headers();
    RequestCredentials {
        method: req.method().as_str(),
        authorization: authorization(req),
        cookie,
        origin: text(headers, header::ORIGIN),
        sec_fetch_site: text(headers, SEC_FETCH_SITE),
        csrf_token: text(headers, CSRF_TOKEN),
    }
}

pub(crate) fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| header_text(v.as_bytes()))
}

/// An extractor's future: ready at once when no I/O is needed (the stateless default), boxed
/// when the session must be checked in the store.
type LocalFuture<T> =
    Either<Ready<Result<T, Rejection>>, Pin<Box<dyn Future<Output = Result<T, Rejection>>>>>;

/// Authenticates `req`, without a heap-allocated future when no I/O is needed.
fn extract<T: 'static>(
    req: &HttpRequest,
    then: impl FnOnce(AuthUser) -> Result<T, Rejection> + 'static,
) -> LocalFuture<T> {
    let service = match api(req) {
        Ok(service) => service,
        Err(rejection) => return Either::Left(ready(Err(rejection))),
    };
    let cookie = cookies(service, req.headers());
    if let Some(result) = service.authenticate_request_now(&credentials(req, cookie.as_deref())) {
        let user = result.map(AuthUser).map_err(Rejection);
        return Either::Left(ready(user.and_then(then)));
    }
    let req = req.clone();
    Either::Right(Box::pin(async move {
        let credentials = credentials(&req, cookie.as_deref());
        let user = authenticate(api(&req)?, &credentials).await?;
        then(user)
    }))
}

impl FromRequest for AuthUser {
    type Error = Rejection;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, Ok)
    }
}

/// The caller if a bearer token is present: `None` without an `Authorization` header (and, in
/// cookie mode, without the access cookie), 401 for a present but invalid token.
#[derive(Debug, Clone)]
pub struct OptionalAuthUser(pub Option<AuthUser>);

impl FromRequest for OptionalAuthUser {
    type Error = Rejection;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let service = match api(req) {
            Ok(service) => service,
            Err(rejection) => return Either::Left(ready(Err(rejection))),
        };
        let cookie = cookies(service, req.headers());
        if !service.presents_credentials(&credentials(req, cookie.as_deref())) {
            return Either::Left(ready(Ok(Self(None))));
        }
        extract(req, |user| Ok(Self(Some(user))))
    }
}

/// The authenticated caller, who must hold one of `R::ROLES`: 401 without a valid token,
/// 403 `forbidden` without the role.
#[derive(Debug, Clone)]
pub struct RequireRole<R: RoleName>(pub AuthUser, pub PhantomData<R>);

impl<R: RoleName> FromRequest for RequireRole<R> {
    type Error = Rejection;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |user| {
            HttpApi::require_role(&user, R::ROLES).map_err(Rejection)?;
            Ok(Self(user, PhantomData))
        })
    }
}
