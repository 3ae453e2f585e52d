//! A middleware that guards a whole scope by role.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use authkit_core::http::HttpApi;

use crate::extract::{api, authenticate, credentials};
use crate::{cookies, into_response};

/// Lets a request through only if its bearer token is valid and holds one of `roles`; the
/// [`AuthUser`](crate::AuthUser) is then in the request extensions.
///
/// ```no_run
/// use actix_web::{App, web};
/// use authkit_actix::RequireRoleMiddleware;
///
/// # fn build(api: authkit_core::http::HttpApi) {
/// let app = App::new().configure(authkit_actix::configure(api)).service(
///     web::scope("/hr")
///         .wrap(RequireRoleMiddleware::new(&["hr", "admin"]))
///         .route("/candidates", web::get().to(|| async { "..." })),
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequireRoleMiddleware {
    roles: &'static [&'static str],
}

impl RequireRoleMiddleware {
    /// A guard for `roles` (any one suffices).
    pub const fn new(roles: &'static [&'static str]) -> Self {
        Self { roles }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequireRoleMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RequireRoleService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireRoleService {
            service: Rc::new(service),
            roles: self.roles,
        }))
    }
}

/// The service of [`RequireRoleMiddleware`].
pub struct RequireRoleService<S> {
    service: Rc<S>,
    roles: &'static [&'static str],
}

impl<S, B> Service<ServiceRequest> for RequireRoleService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let roles = self.roles;
        Box::pin(async move {
            let refuse = |req: ServiceRequest, response| {
                Ok(req
                    .into_response(into_response(response))
                    .map_into_right_body())
            };
            let api = match api(req.request()) {
                Ok(api) => api.clone(),
                Err(rejection) => return refuse(req, rejection.into_inner()),
            };
            let http = req.request().clone();
            let cookie = cookies(&api, http.headers());
            let user = match authenticate(&api, &credentials(&http, cookie.as_deref())).await {
                Ok(user) => user,
                Err(rejection) => return refuse(req, rejection.into_inner()),
            };
            if let Err(denied) = HttpApi::require_role(&user, roles) {
                return refuse(req, denied);
            }
            req.extensions_mut().insert(user);
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}
