//! Extractors for application handlers.

use std::marker::PhantomData;

use authkit_core::http::{HttpApi, HttpResponse, Principal, RequestCredentials, RoleName};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;

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

pub(crate) fn api(parts: &Parts) -> Result<&HttpApi, HttpResponse> {
    parts.extensions.get::<HttpApi>().ok_or_else(|| {
        tracing::error!(
            target: "authkit",
            "authkit extractor used without its layer: add `.layer(authkit_axum::AuthLayer::new(api))` \
             to the router (outermost), with the same HttpApi passed to `authkit_axum::routes`"
        );
        HttpResponse::from_error(&authkit_core::AuthError::Internal(
            "authkit layer missing".into(),
        ))
    })
}

pub(crate) async fn authenticate(parts: &Parts) -> Result<AuthUser, HttpResponse> {
    let api = api(parts)?;
    let cookie = cookies(api, &parts.headers);
    let credentials = credentials(parts, cookie.as_deref());
    // Stateless checks need no I/O: answer without entering the store-checking future.
    let principal = match api.authenticate_request_now(&credentials) {
        Some(result) => result,
        None => api.authenticate_request(&credentials).await,
    };
    principal.map(AuthUser)
}

/// The header values core authenticates a request with.
fn credentials<'a>(parts: &'a Parts, cookie: Option<&'a str>) -> RequestCredentials<'a> {
    let headers = &parts.headers;
    RequestCredentials {
        method: parts.method.as_str(),
        authorization: text(headers, header::AUTHORIZATION),
        cookie,
        origin: text(headers, header::ORIGIN),
        sec_fetch_site: text(headers, SEC_FETCH_SITE),
        csrf_token: text(headers, CSRF_TOKEN),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        authenticate(parts).await.map_err(into_response)
    }
}

/// The caller if a bearer token is present: `None` without an `Authorization` header (and, in
/// cookie mode, without the access cookie), 401 for a present but invalid token (a bad token
/// is never silently treated as anonymous).
#[derive(Debug, Clone)]
pub struct OptionalAuthUser(pub Option<AuthUser>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalAuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let api = api(parts).map_err(into_response)?;
        let cookie = cookies(api, &parts.headers);
        if parts.headers.contains_key(header::AUTHORIZATION)
            || api.presents_credentials(&credentials(parts, cookie.as_deref()))
        {
            authenticate(parts)
                .await
                .map(|u| Self(Some(u)))
                .map_err(into_response)
        } else {
            Ok(Self(None))
        }
    }
}

/// The authenticated caller, who must hold one of `R::ROLES`: 401 without a valid token,
/// 403 `forbidden` (`WWW-Authenticate: Bearer error="insufficient_scope"`) without the role.
#[derive(Debug, Clone)]
pub struct RequireRole<R: RoleName>(pub AuthUser, pub PhantomData<R>);

impl<S: Send + Sync, R: RoleName> FromRequestParts<S> for RequireRole<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let user = authenticate(parts).await.map_err(into_response)?;
        HttpApi::require_role(&user, R::ROLES).map_err(into_response)?;
        Ok(Self(user, PhantomData))
    }
}
