//! A layer that guards a whole sub-router by role.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use authkit_core::http::HttpApi;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::extract::authenticate;
use crate::into_response;

/// Lets a request through only if its bearer token is valid and holds one of `roles`.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use authkit_axum::RequireRoleLayer;
///
/// # fn build(api: authkit_core::http::HttpApi) -> Router {
/// let hr = Router::new()
///     .route("/candidates", get(|| async { "..." }))
///     .layer(RequireRoleLayer::new(&["hr", "admin"]));
/// Router::new().nest("/hr", hr).layer(authkit_axum::AuthLayer::new(api))
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequireRoleLayer {
    roles: &'static [&'static str],
}

impl RequireRoleLayer {
    /// A guard for `roles` (any one suffices).
    pub const fn new(roles: &'static [&'static str]) -> Self {
        Self { roles }
    }
}

impl<S> Layer<S> for RequireRoleLayer {
    type Service = RequireRoleService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireRoleService {
            inner,
            roles: self.roles,
        }
    }
}

/// The service of [`RequireRoleLayer`].
#[derive(Debug, Clone)]
pub struct RequireRoleService<S> {
    inner: S,
    roles: &'static [&'static str],
}

impl<S> Service<Request> for RequireRoleService<S>
where
    S: Service<Request> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone that was polled ready handles this request; keep a fresh one for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let roles = self.roles;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let user = match authenticate(&parts).await {
                Ok(user) => user,
                Err(rejection) => return Ok(into_response(rejection)),
            };
            if let Err(denied) = HttpApi::require_role(&user, roles) {
                return Ok(into_response(denied));
            }
            let mut request = Request::from_parts(parts, body);
            request.extensions_mut().insert(user);
            inner.call(request).await.map(IntoResponse::into_response)
        })
    }
}
