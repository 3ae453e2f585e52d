//! The OpenAPI 3.1 description of the contract, built from [`Route::ALL`] so that no route can
//! be served without being described, and the Swagger UI page that shows it.
//!
//! The schemas of the wire types (requests, users, sessions, token pairs) are derived from the
//! types themselves with utoipa, so their fields, optionality, formats and doc comments cannot
//! drift from what serde reads and writes; the few shapes that are not one Rust type (the
//! problem document, the OAuth2 form and error, the JWKS, the session list) are written here.

#[cfg(feature = "openapi")]
use serde_json::{Value, json};

#[cfg(feature = "openapi")]
use super::route::Access;
use super::{HttpResponse, Route};
#[cfg(feature = "openapi")]
use super::{MAX_BODY_BYTES, Method};
#[cfg(feature = "openapi")]
use crate::error::ErrorCode;

/// Swagger UI's script, vendored (see `assets/swagger-ui/README.md`).
#[cfg(feature = "swagger-ui")]
const SWAGGER_UI_SCRIPT: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js");
/// Swagger UI's stylesheet, vendored.
#[cfg(feature = "swagger-ui")]
const SWAGGER_UI_STYLE: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui.css");

/// A file of the docs page.
pub(super) enum Asset {
    Script,
    Style,
}

/// A vendored file of the docs page, cacheable for a day (404 without the `swagger-ui`
/// feature, whose routes are then not mounted).
pub(super) fn asset(asset: Asset) -> HttpResponse {
    #[cfg(feature = "swagger-ui")]
    {
        let (bytes, content_type) = match asset {
            Asset::Script => (SWAGGER_UI_SCRIPT, "text/javascript; charset=utf-8"),
            Asset::Style => (SWAGGER_UI_STYLE, "text/css; charset=utf-8"),
        };
        HttpResponse::with_body(200, content_type, bytes.to_vec())
            .header("cache-control", "public, max-age=86400")
    }
    #[cfg(not(feature = "swagger-ui"))]
    {
        let _ = asset;
        HttpResponse::from_error(&crate::AuthError::NotFound)
    }
}

/// The document as served at `/openapi.json`, with the application's `extension` merged in
/// (empty without the `openapi` feature).
pub(super) fn served_document(
    prefix: &str,
    root: &str,
    password_grant: bool,
    roles: &[&str],
    extension: Option<&serde_json::Value>,
    cookie_mode: bool,
    unserved: &[Route],
) -> Vec<u8> {
    #[cfg(feature = "openapi")]
    {
        let mut doc = document(prefix, root, password_grant, roles);
        leave_out(&mut doc, unserved, prefix, root);
        if cookie_mode {
            describe_cookie_mode(&mut doc, prefix);
        }
        if let Some(extension) = extension {
            merge(&mut doc, extension);
        }
        serde_json::to_vec_pretty(&doc).expect("the OpenAPI document serializes")
    }
    #[cfg(not(feature = "openapi"))]
    {
        let _ = (
            prefix,
            root,
            password_grant,
            roles,
            extension,
            cookie_mode,
            unserved,
        );
        Vec::new()
    }
}

/// Removes the operations of `unserved` routes, and paths left without any.
#[cfg(feature = "openapi")]
fn leave_out(doc: &mut Value, unserved: &[Route], prefix: &str, root: &str) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for route in unserved {
        let path = route.path_within(prefix, root);
        if let Some(operations) = paths.get_mut(&path).and_then(Value::as_object_mut) {
            operations.remove(method_name(route.endpoint().0));
            if operations.is_empty() {
                paths.remove(&path);
            }
        }
    }
}

/// What cookie mode changes in the document: the refresh token may be absent from a token
/// pair (it is in a cookie) and from the refresh request (it is taken from the cookie), whose
/// body becomes optional.
#[cfg(feature = "openapi")]
fn describe_cookie_mode(doc: &mut Value, prefix: &str) {
    for schema in ["TokenPair", "RefreshRequest"] {
        if let Some(required) = doc["components"]["schemas"][schema]["required"].as_array_mut() {
            required.retain(|field| field != "refresh_token");
        }
    }
    let note = " In cookie mode the refresh token travels in the HttpOnly refresh cookie, not in \
        the JSON; a refresh with an empty body or `{}` reads it from there and needs the \
        CSRF check (an allowed `Origin`, or `X-CSRF-Token` echoing the csrf cookie).";
    if let Some(operation) = doc["paths"][format!("{prefix}/refresh")]["post"].as_object_mut() {
        if let Some(body) = operation
            .get_mut("requestBody")
            .and_then(Value::as_object_mut)
        {
            body.insert("required".into(), json!(false));
        }
        let description = operation
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        operation.insert("description".into(), json!(format!("{description}{note}")));
    }
}

/// Merges an application's fragment into `doc`: each operation of its `paths`, each entry of
/// its `components`, its `tags`. What `doc` already has stays, with a warning.
#[cfg(feature = "openapi")]
fn merge(doc: &mut Value, extension: &Value) {
    fn keep(section: &str, name: &str, key: &str, value: &Value, into: &mut Value) {
        if into.get(key).is_some() {
            tracing::warn!(target: "authkit", "the OpenAPI extension's {section} {name} {key} \
                clashes with authkit's; authkit's is kept");
        } else {
            into[key] = value.clone();
        }
    }
    // `paths` (path → method → operation) and `components` (kind → name → entry) merge alike,
    // one entry at a time.
    for section in ["paths", "components"] {
        let Some(groups) = extension.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (group, entries) in groups {
            let into = doc[section]
                .as_object_mut()
                .expect("authkit's document has the section")
                .entry(group.clone())
                .or_insert_with(|| json!({}));
            for (key, value) in entries.as_object().into_iter().flatten() {
                keep(section, group, key, value, into);
            }
        }
    }
    if let Some(tags) = extension.get("tags").and_then(Value::as_array) {
        let into = doc
            .as_object_mut()
            .expect("the document is an object")
            .entry("tags")
            .or_insert_with(|| json!([]));
        if let Some(into) = into.as_array_mut() {
            into.extend(tags.iter().cloned());
        }
    }
}

/// What the document says of one route: its entry in the [route table](super::route).
#[cfg_attr(not(feature = "openapi"), allow(dead_code))]
pub(super) struct OpenApiDoc {
    summary: &'static str,
    tag: &'static str,
    body: Option<(&'static str, &'static str)>,
    ok: (u16, Option<&'static str>),
    errors: &'static [(u16, &'static str)],
}

/// A described route: its summary, tag, request body (content type and schema), success
/// status and schema, and the errors its flow answers. What the route's shape implies (400
/// `malformed_body`, 401, 403, 413, 415, 429, 503) is added by [`operation`].
pub(super) const fn listed(
    summary: &'static str,
    tag: &'static str,
    body: Option<(&'static str, &'static str)>,
    ok: (u16, Option<&'static str>),
    errors: &'static [(u16, &'static str)],
) -> Option<OpenApiDoc> {
    Some(OpenApiDoc {
        summary,
        tag,
        body,
        ok,
        errors,
    })
}

/// A route the document leaves out.
pub(super) const fn unlisted() -> Option<OpenApiDoc> {
    None
}

pub(super) const JSON: &str = "application/json";
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

#[cfg(feature = "openapi")]
fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "get",
        Method::Post => "post",
        Method::Patch => "patch",
        Method::Delete => "delete",
    }
}

#[cfg(feature = "openapi")]
fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[cfg(feature = "openapi")]
fn operation(route: Route, d: &OpenApiDoc, password_grant: bool) -> Value {
    let access = route.access();
    let mut responses = serde_json::Map::new();
    let (ok_status, ok_schema) = d.ok;
    let ok = match ok_schema {
        Some(schema) => {
            json!({ "description": "Success", "content": { JSON: { "schema": schema_ref(schema) } } })
        }
        None => json!({ "description": "Success" }),
    };
    responses.insert(ok_status.to_string(), ok);
    let problem = |description: &str| json!({ "description": description, "content": { "application/problem+json": { "schema": schema_ref("Problem") } } });
    for (status, codes) in d.errors {
        responses.insert(status.to_string(), problem(codes));
    }
    // What the shape of a route implies, added here so that no route can forget it.
    if route == Route::Token {
        // RFC 6749 5.2: the token endpoint's own errors are plain JSON, not problems.
        responses.insert(
            "400".into(),
            json!({ "description": d.errors.iter().find(|(s, _)| *s == 400).map_or("", |(_, c)| *c),
                    "content": { JSON: { "schema": schema_ref("OAuthError") } } }),
        );
    } else if d.body.is_some_and(|(content_type, _)| content_type == JSON) {
        let codes = match d.errors.iter().find(|(status, _)| *status == 400) {
            Some((_, codes)) => format!("{codes}, malformed_body"),
            None => "malformed_body".to_owned(),
        };
        responses.insert("400".into(), problem(&codes));
    }
    if route.is_auth() && access != Access::Public && !responses.contains_key("401") {
        responses.insert("401".into(), problem("unauthorized, invalid_access_token"));
    }
    if access == Access::Admin && !responses.contains_key("403") {
        responses.insert("403".into(), problem("forbidden"));
    }
    if route.rate_limit() == super::RateLimit::PerClient {
        responses.insert(
            "429".into(),
            problem("too_many_requests (per-client rate limit)"),
        );
    }
    if route.is_auth() && d.body.is_some() {
        responses.insert(
            "413".into(),
            problem(&format!("payload_too_large (over {MAX_BODY_BYTES} bytes)")),
        );
        responses.insert("415".into(), problem("unsupported_media_type"));
    }
    if route.is_auth() || route == Route::Readyz {
        // The database, or a revocation view that could not be refreshed (failing closed).
        responses.insert("503".into(), problem("unavailable"));
    }
    let mut op = json!({
        "summary": d.summary,
        "operationId": format!("{route:?}"),
        "tags": [d.tag],
        "responses": responses,
    });
    if access != Access::Public {
        op["security"] = if password_grant {
            json!([{ "bearer": [] }, { "oauth2": [] }])
        } else {
            json!([{ "bearer": [] }])
        };
    }
    if let Some((content_type, schema)) = d.body {
        op["requestBody"] = json!({ "required": true, "content": { content_type: { "schema": schema_ref(schema) } } });
    }
    let (_, path) = route.endpoint();
    let mut parameters = Vec::new();
    if path.contains("{id}") {
        parameters.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }));
    }
    if path.contains("{provider}") {
        parameters.push(json!({ "name": "provider", "in": "path", "required": true, "description": "A configured provider's name",
            "schema": { "type": "string", "pattern": "^[a-z0-9_-]{1,32}$" } }));
    }
    if route == Route::OAuthCallback {
        for (name, description) in [
            ("code", "The authorization code"),
            ("state", "The flow's state, as sent"),
            ("error", "The provider's refusal (access_denied, ...)"),
            ("iss", "The answer's issuer (RFC 9207)"),
        ] {
            parameters.push(json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": description }));
        }
    }
    if route == Route::AdminListUsers {
        for (name, schema, description) in [
            (
                "limit",
                json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 50 }),
                "Page size",
            ),
            (
                "cursor",
                json!({ "type": "string" }),
                "next_cursor of the previous page",
            ),
            ("role", json!({ "type": "string" }), "Only this role"),
            (
                "status",
                json!({ "type": "string", "enum": ["active", "disabled"] }),
                "Only this status",
            ),
            (
                "q",
                json!({ "type": "string" }),
                "Case-insensitive search of e-mail and username",
            ),
        ] {
            parameters.push(json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description }));
        }
    }
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}

/// The OpenAPI 3.1 document of every route, with the auth routes under `prefix`.
/// The OpenAPI document for routes under `prefix` (the root routes under `root`); the OAuth2 password flow (Swagger UI's
/// "Authorize" with a username and password) is described only when `password_grant` is on.
///
/// `roles` are the roles a registration may name (`user` and the configured ones).
#[cfg(feature = "openapi")]
pub(super) fn document(prefix: &str, root: &str, password_grant: bool, roles: &[&str]) -> Value {
    let mut paths = serde_json::Map::new();
    for route in Route::ALL.into_iter().filter(|route| route.is_built()) {
        let Some(doc) = route.spec().doc else {
            continue;
        };
        let (method, _) = route.endpoint();
        let entry = paths
            .entry(route.path_within(prefix, root))
            .or_insert_with(|| json!({}));
        entry[method_name(method)] = operation(route, &doc, password_grant);
    }
    let string = json!({ "type": "string" });
    let mut schemes =
        json!({ "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } });
    if password_grant {
        schemes["oauth2"] = json!({
            "type": "oauth2",
            "flows": { "password": { "tokenUrl": Route::Token.path(prefix), "refreshUrl": Route::Token.path(prefix), "scopes": {} } }
        });
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "authkit",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Authentication: accounts, sessions with rotating refresh tokens, recovery and administration. Errors are RFC 9457 problem documents with a stable `code`."
        },
        "paths": paths,
        "components": {
            "securitySchemes": schemes,
            "schemas": {
                "Problem": { "type": "object", "required": ["type", "title", "status", "code"], "properties": {
                    "type": string, "title": string, "status": { "type": "integer" }, "code": string, "detail": string,
                    "mfa_challenge": { "type": "string", "description": "`mfa_required` only: the challenge to complete at /login/mfa" },
                    "mfa_methods": { "type": "array", "items": { "enum": ["totp", "recovery_code", "passkey"] }, "description": "`mfa_required` only" },
                    "expires_in": { "type": "integer", "description": "`mfa_required` only: seconds until the challenge expires" } } },
                "OAuthError": { "type": "object", "required": ["error"], "properties": {
                    "error": { "enum": [ErrorCode::InvalidRequest.as_str(), ErrorCode::InvalidGrant.as_str(), ErrorCode::UnsupportedGrantType.as_str(), ErrorCode::MfaRequired.as_str()] }, "error_description": string } },
                "TokenRequest": { "type": "object", "required": ["grant_type"], "properties": {
                    "grant_type": { "enum": ["password", "refresh_token"] }, "username": string, "password": string, "refresh_token": string, "scope": string } },
                "SessionList": { "type": "array", "items": schema_ref("Session") },
                "IdentityList": { "type": "array", "items": schema_ref("Identity") },
                "Jwks": { "type": "object", "required": ["keys"], "properties": { "keys": { "type": "array", "items": { "type": "object" } } } }
            }
        }
    });
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas is an object");
    schemas.extend(derived_schemas());
    // The roles a registration may name depend on the configuration.
    schemas["RegisterRequest"]["properties"]["role"] = json!({
        "description": "The role to register with (default `user`)",
        "enum": roles.iter().map(|role| Value::from(*role)).chain([Value::Null]).collect::<Vec<_>>()
    });
    doc
}

/// The schemas of the wire types, derived from the types themselves, under the names the
/// routes refer to them by (`User` is [`UserView`](crate::dto::UserView), ...).
#[cfg(feature = "openapi")]
fn derived_schemas() -> serde_json::Map<String, Value> {
    use crate::dto::*;
    let components = utoipa::openapi::ComponentsBuilder::new()
        .schema_from::<RegisterRequest>()
        .schema_from::<RegisterResponse>()
        .schema_from::<LoginRequest>()
        .schema_from::<RefreshRequest>()
        .schema_from::<TokenPair>()
        .schema_from::<UserView>()
        .schema_from::<crate::model::UserStatus>()
        .schema_from::<UpdateMeRequest>()
        .schema_from::<DeleteMeRequest>()
        .schema_from::<ChangePasswordRequest>()
        .schema_from::<EmailRequest>()
        .schema_from::<ResetPasswordRequest>()
        .schema_from::<VerifyEmailRequest>()
        .schema_from::<ChangeEmailRequest>()
        .schema_from::<SessionView>()
        .schema_from::<UserPage>()
        .schema_from::<AdminUpdateRequest>()
        .schema_from::<MfaLoginRequest>()
        .schema_from::<EmailSignInRequest>()
        .schema_from::<TotpCodeRequest>()
        .schema_from::<SecondFactorProof>()
        .schema_from::<TotpEnrollment>()
        .schema_from::<RecoveryCodes>()
        .schema_from::<MfaStatus>()
        .schema_from::<IdentityView>()
        .schema_from::<AuthorizationRedirect>()
        .schema_from::<PasskeyOptions>()
        .schema_from::<PasskeyRegistrationRequest>()
        .schema_from::<PasskeyView>()
        .schema_from::<PasskeyList>()
        .schema_from::<RenamePasskeyRequest>()
        .schema_from::<PasskeyLoginRequest>()
        .schema_from::<MfaPasskeyBeginRequest>()
        .schema_from::<MfaPasskeyLoginRequest>()
        .build();
    match serde_json::to_value(components).expect("utoipa's components serialize") {
        Value::Object(mut components) => match components.remove("schemas") {
            Some(Value::Object(schemas)) => schemas,
            other => unreachable!("components.schemas is an object, not {other:?}"),
        },
        other => unreachable!("components serialize to an object, not {other}"),
    }
}

/// The Swagger UI page. Its "Authorize" button uses the OAuth2 password flow against the
/// token endpoint. Its script and stylesheet are served by authkit itself (no CDN).
/// The one inline script of the docs page: it starts Swagger UI.
///
/// Every URL of the page is relative (`openapi.json`, `docs/…` from `…/docs`), so the page
/// works wherever the application mounts authkit's routes, under a prefix too.
const DOCS_INIT_SCRIPT: &str = "\n    window.ui = SwaggerUIBundle({ url: \"openapi.json\", dom_id: \"#swagger-ui\", persistAuthorization: true });\n  ";

/// The docs page: Swagger UI from authkit's own copy, started by [`DOCS_INIT_SCRIPT`].
pub(super) fn docs_page() -> String {
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>authkit API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script>{DOCS_INIT_SCRIPT}</script>
</body>
</html>
"##
    )
}

/// The Content-Security-Policy of the docs page, a page with a password form: scripts only
/// from authkit itself plus the one inline script, named by its SHA-256; requests only to the
/// origin; never framed (clickjacking). Swagger UI sets inline styles and data: images, which
/// the policy allows.
pub(super) fn docs_policy() -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(DOCS_INIT_SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; script-src 'self' 'sha256-{hash}'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    use super::*;

    #[test]
    fn statuses_implied_by_a_routes_shape_are_documented() {
        let doc = document("/auth", "", true, &["user"]);
        for route in Route::ALL.into_iter().filter(|route| route.is_built()) {
            let Some(d) = route.spec().doc else {
                continue;
            };
            let (method, _) = route.endpoint();
            let responses = &doc["paths"][route.path("/auth")][method_name(method)]["responses"];
            if route == Route::Token {
                assert!(responses["400"]["content"]["application/json"].is_object());
                assert!(responses["400"]["content"]["application/problem+json"].is_null());
            } else if d.body.is_some() {
                let codes = responses["400"]["description"].as_str().unwrap_or_default();
                assert!(codes.contains("malformed_body"), "{route:?}: {codes}");
            }
            if route.is_auth() {
                assert!(responses["503"].is_object(), "{route:?} lacks 503");
            }
            let limited = route.rate_limit() == super::super::RateLimit::PerClient;
            assert_eq!(responses["429"].is_object(), limited, "{route:?} and 429");
            if route.access() != Access::Public {
                assert!(responses["401"].is_object(), "{route:?} lacks 401");
            }
        }
    }

    #[test]
    fn every_route_is_described_under_its_method_and_path() {
        let doc = document("/auth", "", true, &["user"]);
        assert_eq!(doc["openapi"], "3.1.0");
        for route in Route::ALL
            .into_iter()
            .filter(|r| r.is_built() && r.spec().doc.is_some())
        {
            let (method, _) = route.endpoint();
            let op = &doc["paths"][route.path("/auth")][method_name(method)];
            assert!(op.is_object(), "{route:?} is missing");
        }
        assert!(
            doc["paths"]["/docs/swagger-ui.css"].is_null(),
            "assets are not API"
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"]["tokenUrl"],
            "/auth/token"
        );
    }

    #[test]
    fn an_extension_adds_operations_schemas_and_tags_and_never_replaces_authkits() {
        let mut doc = document("/auth", "", true, &["user"]);
        let login = doc["paths"]["/auth/login"]["post"].clone();
        merge(
            &mut doc,
            &json!({
                "paths": {
                    "/orders": { "get": { "summary": "Your orders", "responses": {} } },
                    "/auth/login": { "post": { "summary": "hijacked" }, "get": { "summary": "extra" } }
                },
                "components": { "schemas": {
                    "Order": { "type": "object" },
                    "User": { "type": "string" }
                } },
                "tags": [{ "name": "orders" }]
            }),
        );
        assert_eq!(doc["paths"]["/orders"]["get"]["summary"], "Your orders");
        assert_eq!(
            doc["paths"]["/auth/login"]["post"], login,
            "authkit's operation stays"
        );
        assert_eq!(doc["paths"]["/auth/login"]["get"]["summary"], "extra");
        assert_eq!(doc["components"]["schemas"]["Order"]["type"], "object");
        assert_eq!(
            doc["components"]["schemas"]["User"]["type"], "object",
            "authkit's stays"
        );
        assert_eq!(doc["tags"], json!([{ "name": "orders" }]));
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = document("/api/auth", "", true, &["user"]);
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(
                doc["components"]["schemas"][&name].is_object(),
                "{name} unresolved"
            );
        }
        assert!(
            doc["paths"]["/api/auth/login"].is_object(),
            "prefix applied"
        );
    }
}
