#!/usr/bin/env bash
# The Python tools of the checks, in a virtualenv outside the clone (created or updated here):
# schemathesis (against-apps.sh), aiosmtpd (the SMTP test) and Playwright (the browser test,
# driving Debian's Chromium; it never downloads a browser). Prints the virtualenv's path.
set -euo pipefail

VENV="${AUTHKIT_CI_VENV:-/var/tmp/authkit-venv}"
SCHEMATHESIS_VERSION=4.32.5
AIOSMTPD_VERSION=1.4.6
PLAYWRIGHT_VERSION=1.65.2

if [ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ] ||
    [ "$("$VENV/bin/python" -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null)" != "$AIOSMTPD_VERSION" ] ||
    [ "$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("playwright"))' 2>/dev/null)" != "$PLAYWRIGHT_VERSION" ]; then
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" \
        "playwright==$PLAYWRIGHT_VERSION" >&2
fi
echo "$VENV"
