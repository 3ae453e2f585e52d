//! The assertions of the wire contract: problem documents, OAuth errors, token pairs, user
//! JSON, bearer challenges, `Retry-After`, and reading JWTs (without checking them).

use super::*;

/// Asserts that `json` is an object with exactly `keys`.
#[track_caller]
pub fn assert_keys(json: &Value, keys: &[&str], what: &str) {
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("{what} must be a JSON object: {json}"));
    let actual: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(
        actual, expected,
        "{what} must have exactly these keys: {json}"
    );
}

/// Asserts an RFC 9457 problem answer: `status`, `Content-Type: application/problem+json`,
/// `{"type","title","status","code","detail"?}` with the same status, `code` and
/// `type = urn:authkit:error:{code}`; `mfa_required` also carries `mfa_challenge`,
/// `mfa_methods` and `expires_in`. Returns the document.
#[track_caller]
pub fn assert_problem(answer: &Answer, status: u16, code: &str) -> Problem {
    answer.assert_status(status);
    assert_eq!(
        answer.media_type().as_deref(),
        Some("application/problem+json"),
        "an error answer must be application/problem+json: {answer:?}"
    );
    let json = answer.json();
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("a problem document must be an object: {answer:?}"));
    for key in ["type", "title", "status", "code"] {
        assert!(
            object.contains_key(key),
            "the problem lacks `{key}`: {answer:?}"
        );
    }
    let extensions: &[&str] = match code {
        "mfa_required" => &["mfa_challenge", "mfa_methods", "expires_in"],
        _ => &[],
    };
    for key in object.keys() {
        assert!(
            ["type", "title", "status", "code", "detail"].contains(&key.as_str())
                || extensions.contains(&key.as_str()),
            "the problem has an undocumented key `{key}`: {answer:?}"
        );
    }
    let problem: Problem = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("the problem document has the wrong types ({e}): {answer:?}"));
    assert_eq!(problem.code, code, "unexpected problem code: {answer:?}");
    assert_eq!(
        problem.status, status,
        "`status` must equal the HTTP status: {answer:?}"
    );
    assert_eq!(
        problem.type_uri,
        format!("urn:authkit:error:{code}"),
        "unexpected problem type: {answer:?}"
    );
    assert!(
        !problem.title.is_empty(),
        "the problem needs a title: {answer:?}"
    );
    problem
}

/// Asserts an RFC 6749 5.2 error of the token endpoint: 400, `application/json`,
/// `{"error","error_description"?}` with `error`.
#[track_caller]
pub fn assert_oauth_error(answer: &Answer, error: &str) -> OAuthError {
    answer.assert_status(400);
    assert_eq!(
        answer.media_type().as_deref(),
        Some("application/json"),
        "an OAuth2 error must be application/json: {answer:?}"
    );
    let json = answer.json();
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("an OAuth2 error must be an object: {answer:?}"));
    for key in object.keys() {
        assert!(
            ["error", "error_description"].contains(&key.as_str()),
            "the OAuth2 error has an undocumented key `{key}`: {answer:?}"
        );
    }
    let parsed: OAuthError = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("the OAuth2 error has the wrong types ({e}): {answer:?}"));
    assert_eq!(parsed.error, error, "unexpected OAuth2 error: {answer:?}");
    parsed
}

/// Asserts `Cache-Control: no-store` (among possibly other directives).
#[track_caller]
pub fn assert_no_store(answer: &Answer) {
    let directives: Vec<String> = answer
        .headers
        .get_all("cache-control")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    assert!(
        directives.iter().any(|d| d == "no-store"),
        "an answer carrying tokens must have `Cache-Control: no-store`: {answer:?}"
    );
}

/// Asserts a 204 with an empty body.
#[track_caller]
pub fn assert_no_content(answer: &Answer) {
    answer.assert_status(204);
    assert!(answer.body.is_empty(), "a 204 has no body: {answer:?}");
}

/// Asserts a 200 token pair answer (`Cache-Control: no-store`, the exact keys) and returns it.
#[track_caller]
pub fn expect_token_pair(answer: &Answer) -> TokenPair {
    answer.assert_status(200);
    assert_no_store(answer);
    assert_token_pair_json(&answer.json())
}

/// Asserts the token pair shape: exactly its keys, `token_type: "Bearer"`, positive lifetimes,
/// a JWT access token whose `sid` is the `session_id`.
#[track_caller]
pub fn assert_token_pair_json(json: &Value) -> TokenPair {
    assert_keys(json, TOKEN_PAIR_KEYS, "a token pair");
    let pair: TokenPair = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("a token pair has the wrong types ({e}): {json}"));
    assert_eq!(pair.token_type, "Bearer", "token_type: {json}");
    assert!(pair.expires_in > 0, "expires_in must be positive: {json}");
    assert!(
        pair.refresh_expires_in > 0,
        "refresh_expires_in must be positive: {json}"
    );
    assert!(
        !pair.refresh_token.is_empty(),
        "empty refresh_token: {json}"
    );
    let claims = jwt_claims(&pair.access_token);
    assert_eq!(
        claims["sid"].as_str(),
        Some(pair.session_id.to_string().as_str()),
        "the access token's `sid` must be the pair's session_id: {claims}"
    );
    pair
}

/// Asserts the user shape (exactly its keys, never a hash) and returns it.
#[track_caller]
pub fn assert_user_json(json: &Value) -> UserView {
    assert_keys(json, USER_KEYS, "a user");
    serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("a user has the wrong types ({e}): {json}"))
}

/// Asserts a `WWW-Authenticate` challenge of scheme `Bearer` (case-insensitive) whose `error`
/// attribute is `error` (or absent when `error` is `None`).
#[track_caller]
pub fn assert_bearer_challenge(answer: &Answer, error: Option<&str>) {
    let value = answer
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("the answer lacks WWW-Authenticate: {answer:?}"));
    let challenge = parse_bearer_challenge(value)
        .unwrap_or_else(|| panic!("WWW-Authenticate must be a Bearer challenge: {value:?}"));
    let actual = challenge
        .iter()
        .find(|(name, _)| name == "error")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        actual, error,
        "unexpected `error` in WWW-Authenticate {value:?}: {answer:?}"
    );
}

/// Parses a `Bearer` challenge into its attributes (names lower-case, values unquoted);
/// `None` when the scheme is not `Bearer` or an attribute is malformed.
pub fn parse_bearer_challenge(value: &str) -> Option<Vec<(String, String)>> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ',') {
            return None;
        }
        let after = after.trim_start();
        let (val, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted[..end].to_owned(), &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        params.push((name, val));
        let remaining = remaining.trim_start();
        rest = match remaining.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if remaining.is_empty() => remaining,
            None => return None,
        };
    }
    Some(params)
}

/// Asserts a `Retry-After` of whole seconds, at least 1, and returns it.
#[track_caller]
pub fn assert_retry_after(answer: &Answer) -> u64 {
    let value = answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("a 429 must carry Retry-After: {answer:?}"));
    let seconds: u64 = value
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After must be whole seconds, got {value:?}"));
    assert!(seconds >= 1, "Retry-After must be at least 1: {answer:?}");
    seconds
}

/// The JSON of one base64url segment of a JWT (0: header, 1: claims).
fn jwt_segment(token: &str, index: usize) -> Value {
    let segment = token
        .split('.')
        .nth(index)
        .unwrap_or_else(|| panic!("not a JWT (segment {index} missing): {token:?}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_else(|e| panic!("JWT segment {index} is not base64url: {e}"));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("JWT segment {index} is not JSON: {e}"))
}

/// The header of a JWT, decoded (the signature is not checked).
pub fn jwt_header(token: &str) -> Value {
    jwt_segment(token, 0)
}

/// The claims of a JWT, decoded (the signature is not checked).
pub fn jwt_claims(token: &str) -> Value {
    jwt_segment(token, 1)
}

/// `token` with its claims replaced by `claims` and the original signature kept: a forgery.
pub fn with_claims(token: &str, claims: &Value) -> String {
    let mut parts = token.split('.');
    let header = parts.next().unwrap_or_default();
    let _ = parts.next();
    let signature = parts.next().unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.{signature}")
}

/// An unsigned (`alg: none`) JWT with `claims`.
pub fn unsigned_jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "at+jwt" }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}
