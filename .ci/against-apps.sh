#!/usr/bin/env bash
# Checks against both example apps, each on a fresh SQLite file (binaries already built):
# - the docs page in headless Chromium, under its Content-Security-Policy: Swagger UI must
#   render (its scripts run) and the browser must report no policy violation;
# - schemathesis: is /openapi.json true to the server? It generates requests from the document
#   and checks every answer's status, content type, body schema and authentication, first
#   without credentials, then with an admin's bearer token (so the admin routes are reached).
#
# Usage: .ci/against-apps.sh [app...]   (default: axum-app actix-app)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${CARGO_TARGET_DIR:-target}"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth
EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD='schemathesis admin passphrase, long enough'

VENV=$(.ci/venv.sh)

if ! command -v chromium >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi

work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port=18600
for app in "${@:-axum-app actix-app}"; do
  for one in $app; do
    port=$((port + 1))
    base="http://127.0.0.1:$port"
    AUTHKIT_BIND="127.0.0.1:$port" \
    DATABASE_URL="sqlite://$work/$one.db?mode=rwc" \
    AUTHKIT_JWT_SECRET="schemathesis-secret-of-at-least-32-bytes" \
    AUTHKIT_IP_RATE_LIMIT=0 \
    AUTHKIT_TOTP_KEY="c2NoZW1hdGhlc2lzIHRvdHAga2V5IG9mIDMyIGJ5dGU=" \
    AUTHKIT_EMAIL_SIGN_IN=code \
    AUTHKIT_ADMIN_EMAIL="$ADMIN_EMAIL" AUTHKIT_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    RUST_LOG=warn \
        "$TARGET/debug/$one" > "$work/$one.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS "$base/healthz" >/dev/null || { cat "$work/$one.log" >&2; exit 1; }
    echo "--> headless Chromium: $one /docs under its Content-Security-Policy"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=10000 \
        --enable-logging=stderr --v=0 --dump-dom "$base/docs" \
        > "$work/docs.html" 2> "$work/chromium.log"
    if ! grep -q 'class="title">authkit' "$work/docs.html"; then
        echo "error: Swagger UI did not render on $one's /docs" >&2
        grep -i "content security policy\|refused" "$work/chromium.log" >&2 || true
        exit 1
    fi
    if grep -i "content security policy" "$work/chromium.log" >&2; then
        echo "error: the docs page violates its own Content-Security-Policy on $one" >&2
        exit 1
    fi

    token=$(curl -fsS "$base/auth/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

    for auth in none bearer; do
        echo "--> schemathesis: $one, $auth"
        headers=()
        [ "$auth" = bearer ] && headers=(-H "Authorization: Bearer $token")
        # From the scratch directory: schemathesis keeps files of its own where it runs.
        (cd "$work" && "$VENV/bin/schemathesis" run "$base/openapi.json" \
            --checks "$CHECKS" --max-examples "$EXAMPLES" --workers 2 --seed 1 \
            --generation-deterministic --no-color --warnings off \
            --phases examples,coverage,fuzzing "${headers[@]}")
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
  done
done
