//! The route table: every route of the contract with its method and path, and the paths
//! each path serves (for `405` with `Allow`).

/// Every route of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is named after its route; see `Route::ALL`
pub enum Route {
    Register,
    Login,
    Token,
    Refresh,
    Logout,
    LogoutAll,
    GetMe,
    UpdateMe,
    DeleteMe,
    ChangePassword,
    ResetRequest,
    ResetConfirm,
    VerifyRequest,
    Verify,
    ChangeEmail,
    ListSessions,
    RevokeSession,
    AdminListUsers,
    AdminGetUser,
    AdminUpdateUser,
    AdminDeleteUser,
    Jwks,
    Healthz,
    Readyz,
    OpenApi,
    Docs,
    DocsScript,
    DocsStyle,
}

/// HTTP methods the contract uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Route {
    /// Every route, in contract order.
    pub const ALL: [Route; 28] = [
        Route::Register,
        Route::Login,
        Route::Token,
        Route::Refresh,
        Route::Logout,
        Route::LogoutAll,
        Route::GetMe,
        Route::UpdateMe,
        Route::DeleteMe,
        Route::ChangePassword,
        Route::ResetRequest,
        Route::ResetConfirm,
        Route::VerifyRequest,
        Route::Verify,
        Route::ChangeEmail,
        Route::ListSessions,
        Route::RevokeSession,
        Route::AdminListUsers,
        Route::AdminGetUser,
        Route::AdminUpdateUser,
        Route::AdminDeleteUser,
        Route::Jwks,
        Route::Healthz,
        Route::Readyz,
        Route::OpenApi,
        Route::Docs,
        Route::DocsScript,
        Route::DocsStyle,
    ];

    /// The method and path template (`{id}` marks the path parameter). Auth routes are
    /// relative to the prefix; the others ([`Route::is_auth`] false) are absolute.
    pub const fn endpoint(self) -> (Method, &'static str) {
        use Method::*;
        match self {
            Route::Register => (Post, "/register"),
            Route::Login => (Post, "/login"),
            Route::Token => (Post, "/token"),
            Route::Refresh => (Post, "/refresh"),
            Route::Logout => (Post, "/logout"),
            Route::LogoutAll => (Post, "/logout-all"),
            Route::GetMe => (Get, "/me"),
            Route::UpdateMe => (Patch, "/me"),
            Route::DeleteMe => (Delete, "/me"),
            Route::ChangePassword => (Post, "/password/change"),
            Route::ResetRequest => (Post, "/password-reset/request"),
            Route::ResetConfirm => (Post, "/password-reset/confirm"),
            Route::VerifyRequest => (Post, "/email/verify/request"),
            Route::Verify => (Post, "/email/verify"),
            Route::ChangeEmail => (Post, "/email/change"),
            Route::ListSessions => (Get, "/sessions"),
            Route::RevokeSession => (Delete, "/sessions/{id}"),
            Route::AdminListUsers => (Get, "/admin/users"),
            Route::AdminGetUser => (Get, "/admin/users/{id}"),
            Route::AdminUpdateUser => (Patch, "/admin/users/{id}"),
            Route::AdminDeleteUser => (Delete, "/admin/users/{id}"),
            Route::Jwks => (Get, "/.well-known/jwks.json"),
            Route::Healthz => (Get, "/healthz"),
            Route::Readyz => (Get, "/readyz"),
            Route::OpenApi => (Get, "/openapi.json"),
            Route::Docs => (Get, "/docs"),
            Route::DocsScript => (Get, "/docs/swagger-ui-bundle.js"),
            Route::DocsStyle => (Get, "/docs/swagger-ui.css"),
        }
    }

    /// Whether the route lives under the auth prefix (and is rate limited).
    pub const fn is_auth(self) -> bool {
        !matches!(
            self,
            Route::Jwks
                | Route::Healthz
                | Route::Readyz
                | Route::OpenApi
                | Route::Docs
                | Route::DocsScript
                | Route::DocsStyle
        )
    }

    /// The full path template under `prefix`.
    pub fn path(self, prefix: &str) -> String {
        let (_, path) = self.endpoint();
        if self.is_auth() {
            format!("{}{path}", prefix.trim_end_matches('/'))
        } else {
            path.to_owned()
        }
    }
}

/// One path of the contract with the routes it serves, by method: what an adapter mounts as one
/// resource. Methods it does not serve get [`HttpApi::other_method`](super::HttpApi::other_method); `HEAD` is served as
/// `GET` without the body where there is a `GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRoutes {
    /// The path template under the prefix (`{id}` marks the parameter).
    pub path: String,
    /// The routes at this path and their methods.
    pub routes: Vec<(Method, Route)>,
    /// The `Allow` header value: the methods served, `HEAD` after `GET`, then `OPTIONS`.
    pub allow: String,
}

impl Route {
    /// Every path of the contract under `prefix`, each with its routes, in contract order.
    pub fn paths(prefix: &str) -> Vec<PathRoutes> {
        let mut paths: Vec<PathRoutes> = Vec::new();
        for route in Route::ALL {
            let path = route.path(prefix);
            let (method, _) = route.endpoint();
            match paths.iter_mut().find(|p| p.path == path) {
                Some(entry) => entry.routes.push((method, route)),
                None => paths.push(PathRoutes {
                    path,
                    routes: vec![(method, route)],
                    allow: String::new(),
                }),
            }
        }
        for entry in &mut paths {
            let mut allow: Vec<&str> = Vec::new();
            for (method, _) in &entry.routes {
                allow.push(method.as_str());
                if *method == Method::Get {
                    allow.push("HEAD");
                }
            }
            allow.push("OPTIONS");
            entry.allow = allow.join(", ");
        }
        paths
    }
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}
